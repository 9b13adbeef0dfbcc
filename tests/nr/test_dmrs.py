"""Tests of softran.nr.dmrs and softran.nr.ptrs: the DM-RS / PT-RS pieces PUSCH and PDSCH share.

Expected values are read off TS 38.211: Tables 6.4.1.1.3-1/-2 = 7.4.1.1.2-1/-2 (ports),
Tables 7.4.1.1.2-3/-4 (PDSCH positions, Rel-16+ mapping type B rows), §6.4.1.1.1.1 /
§7.4.1.1.1 (c_init) and the PT-RS stepping of §6.4.1.2.2.1 / §7.4.1.2.2 worked by hand.
"""

from __future__ import annotations

import pytest

from softran.nr.dmrs import (
    DMRSConfigBase,
    dmrs_beta_db,
    dmrs_c_init,
    dmrs_cdm_info,
    dmrs_port_table,
    dmrs_positions,
    dmrs_re_pattern,
)
from softran.nr.ptrs import PTRSConfigBase, ptrs_k_ref, ptrs_rb_offsets, ptrs_symbol_offsets


def test_port_tables_are_the_pdsch_tables() -> None:
    # Table 7.4.1.1.2-1 rows 1000, 1005, 1007; Table 7.4.1.1.2-2 rows 1002, 1011
    t1, t2 = dmrs_port_table(1), dmrs_port_table(2)
    assert t1[0] == (0, 0, (1, 1), (1, 1))
    assert t1[5] == (0, 0, (1, -1), (1, -1))
    assert t1[7] == (1, 1, (1, -1), (1, -1))
    assert t2[2] == (1, 2, (1, 1), (1, 1))
    assert t2[11] == (2, 4, (1, -1), (1, -1))
    info = dmrs_cdm_info(1, [0, 2, 4, 6])
    assert info.cdm_group.tolist() == [0, 1, 0, 1]
    assert info.w_t[:, 1].tolist() == [1.0, 1.0, -1.0, -1.0]
    with pytest.raises(ValueError, match="DM-RS port 8"):
        dmrs_cdm_info(1, [8])


def test_re_pattern() -> None:
    off, kp = dmrs_re_pattern(1)
    assert off.tolist() == [0, 2, 4, 6, 8, 10] and kp.tolist() == [0, 1, 0, 1, 0, 1]


def test_beta_and_c_init() -> None:
    assert [dmrs_beta_db(n) for n in (1, 2, 3)] == [0.0, -3.0, -4.77]
    # (2^17 (14*3 + 11 + 1)(2*5 + 1) + 2^17 * 1 + 2*5 + 1) mod 2^31, lambda-bar = 2
    assert dmrs_c_init(14, 3, 11, 5, 1, 2) == (2 ** 17 * 54 * 11 + 2 ** 17 + 11) % 2 ** 31


@pytest.mark.parametrize("mapping, alloc, pos, length, symbols", [
    # Table 7.4.1.1.2-3, type A, l_d = S + L
    ("A", (0, 14), 0, 1, [2]),
    ("A", (0, 14), 1, 1, [2, 11]),            # l0, l1 = 11
    ("A", (0, 13), 2, 1, [2, 7, 11]),
    ("A", (0, 12), 3, 1, [2, 5, 8, 11]),
    ("A", (0, 11), 2, 1, [2, 6, 9]),
    ("A", (2, 8), 1, 1, [2, 9]),               # l_d = 10 -> l0, 9
    ("A", (0, 9), 3, 1, [2, 7]),
    ("A", (1, 6), 3, 1, [2]),
    # type B, l_bar from S, l_d = L (Rel-16 rows)
    ("B", (3, 2), 1, 1, [3]),
    ("B", (2, 5), 1, 1, [2, 6]),
    ("B", (1, 8), 2, 1, [1, 4, 7]),
    ("B", (0, 11), 3, 1, [0, 3, 6, 9]),
    ("B", (1, 12), 2, 1, [1, 6, 10]),
    ("B", (0, 9), 1, 1, [0, 7]),
    # Table 7.4.1.1.2-4, double symbol
    ("A", (0, 14), 1, 2, [2, 3, 10, 11]),      # l0, 10
    ("A", (0, 12), 1, 2, [2, 3, 8, 9]),        # l0, 8
    ("B", (0, 8), 1, 2, [0, 1, 5, 6]),
    ("B", (1, 12), 1, 2, [1, 2, 9, 10]),
    ("B", (4, 10), 1, 2, [4, 5, 11, 12]),
])
def test_pdsch_positions(mapping, alloc, pos, length, symbols) -> None:
    got = dmrs_positions("pdsch", mapping, alloc, 2, pos, length)
    assert [l for l, _ in got] == symbols
    want_lp = [0, 1] * (len(symbols) // 2) if length == 2 else [0] * len(symbols)
    assert [lp for _, lp in got] == want_lp


@pytest.mark.parametrize("args, match", [
    (("A", (0, 14), 3, 3, 1), "type_a_position = 2"),          # pos3 needs l0 = 2
    (("A", (0, 4), 3, 0, 1), "l_d = 4"),                       # l_d 3, 4 need l0 = 2
    (("B", (0, 4), 2, 0, 2), "no DM-RS position"),             # double, type B, L = 4: '-'
    (("A", (0, 2), 2, 0, 1), "no DM-RS position"),
    (("A", (0, 3), 3, 0, 1), "type_a_position = 2"),
])
def test_pdsch_position_errors(args, match) -> None:
    mapping, alloc, l0, pos, length = args
    with pytest.raises(ValueError, match=match):
        dmrs_positions("pdsch", mapping, alloc, l0, pos, length)


def test_config_base_rules() -> None:
    with pytest.raises(ValueError, match="requires dmrs_type = 2"):
        DMRSConfigBase(num_cdm_groups_without_data=3)
    with pytest.raises(ValueError, match="allowed: 0, 1"):
        DMRSConfigBase(max_length=2, additional_position=2)
    with pytest.raises(ValueError, match="contains 4"):
        DMRSConfigBase(dmrs_ports=[0, 4])
    with pytest.raises(ValueError, match="1..8 ports"):
        DMRSConfigBase(dmrs_ports=list(range(9)), max_length=2, dmrs_type=2)
    assert PTRSConfigBase(re_offset="11").re_offset == "11"
    with pytest.raises(ValueError, match="time_density"):
        PTRSConfigBase(time_density=3)


def test_ptrs_pieces_by_hand() -> None:
    # L_PT-RS = 1, DM-RS on 2 and 11 of a 14-symbol allocation: every symbol but 2 and 11
    assert ptrs_symbol_offsets(14, [2, 11], 1) == [0, 1, 3, 4, 5, 6, 7, 8, 9, 10, 12, 13]
    # L_PT-RS = 4, DM-RS on 2, 3 (double symbol): 0, then restart at 3 -> 7, 11
    assert ptrs_symbol_offsets(14, [2, 3], 4) == [0, 7, 11]
    # N_RB = 10, K = 4: 10 mod 4 = 2 -> k_ref^RB = 5 mod 2 = 1
    assert ptrs_rb_offsets(10, 4, 5) == [1, 5, 9]
    assert ptrs_rb_offsets(8, 4, 6) == [2, 6]        # 8 mod 4 = 0 -> 6 mod 4 = 2
    assert ptrs_k_ref(1, 3, "01") == 5 and ptrs_k_ref(2, 5, "11") == 4
    with pytest.raises(ValueError, match="port 4"):
        ptrs_k_ref(1, 4, "00")
    assert ptrs_symbol_offsets(3, [], 2) == [0, 2]
