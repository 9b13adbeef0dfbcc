"""RA-RNTI (TS 38.321 §5.1.3), DCI 1_0 / 0_0 fields (TS 38.212 §7.3.1.1.1, §7.3.1.2.1), RIV
(TS 38.214 §5.1.2.2.2) and the default time-domain tables: values worked out by hand."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from softran.cell import (
    DCI0_0,
    DCI1_0,
    dci_size_1_0,
    pack_dci,
    pdsch_time_allocation,
    pusch_time_allocation,
    riv,
    riv_decode,
    unpack_dci,
)
from softran.cell.rnti import ra_rnti


@pytest.mark.parametrize("args, value", [
    ((0, 0, 0, 0), 1),                         # 1 + 0
    ((0, 5, 0, 0), 71),                        # 1 + 14 x 5: the occasion in slot 5 at symbol 0
    ((2, 1, 0, 0), 17),                        # 1 + 2 + 14
    ((0, 0, 1, 0), 1121),                      # 1 + 14 x 80
    ((0, 0, 0, 1), 8961),                      # 1 + 14 x 80 x 8
    ((13, 79, 7, 1), 17920),                   # the largest RA-RNTI, 0x4600
])
def test_ra_rnti(args: tuple[int, int, int, int], value: int) -> None:
    assert ra_rnti(*args) == value


def test_ra_rnti_refuses_out_of_range() -> None:
    with pytest.raises(ValueError, match="t_id"):
        ra_rnti(0, 80)


def test_riv_both_branches() -> None:
    # L - 1 <= floor(N / 2): N (L - 1) + RB_start; else N (N - L + 1) + (N - 1 - RB_start)
    assert riv(51, 3, 10) == 51 * 9 + 3
    assert riv(51, 0, 51) == 51 * 1 + 50
    assert riv(51, 10, 40) == 51 * 12 + 40


@given(st.integers(1, 275).flatmap(lambda n: st.tuples(
    st.just(n), st.integers(0, n - 1)).flatmap(lambda t: st.tuples(
        st.just(t[0]), st.just(t[1]), st.integers(1, t[0] - t[1])))))
def test_riv_round_trip(case: tuple[int, int, int]) -> None:
    n, s, length = case
    assert riv_decode(n, riv(n, s, length)) == (s, length)


def test_dci_1_0_bits_worked_by_hand() -> None:
    # 51 RBs: FDRA ceil(log2(51 x 52 / 2 = 1326)) = 11 bits; 1 + 11 + 4 + 1 + 5 + 1 + 2 + 4 +
    # 2 + 2 + 3 + 3 = 39 bits
    assert dci_size_1_0(51) == 39
    dci = DCI1_0(fdra=riv(51, 0, 51), mcs=9, ndi=1, harq_process=3, tpc=1, pucch_resource=2,
                 harq_timing=3)
    want = ("1" "00001100101" "0000" "0" "01001" "1" "00" "0011" "00" "01" "010" "011")
    assert "".join(map(str, pack_dci(dci, 51))) == want
    assert unpack_dci(pack_dci(dci, 51), 51) == dci


def test_dci_0_0_is_padded_to_the_size_of_1_0() -> None:
    dci = DCI0_0(fdra=riv(51, 0, 38), tdra=14, mcs=9, ndi=1, rv=2, harq_process=5)
    bits = pack_dci(dci, 51)
    # 0 | FDRA 11 | TDRA 4 | hopping 1 | MCS 5 | NDI 1 | RV 2 | HARQ 4 | TPC 2 = 31, + 8 zeros
    assert len(bits) == 39 and bits[0] == 0 and bits[31:] == [0] * 8
    assert unpack_dci(bits, 51) == dci


def test_dci_ra_rnti_has_tb_scaling_and_16_reserved_bits() -> None:
    dci = DCI1_0(fdra=riv(51, 0, 4), mcs=2, rnti_type="ra")
    bits = pack_dci(dci, 51)
    assert len(bits) == 39 and bits[-16:] == [0] * 16
    assert unpack_dci(bits, 51, "ra") == dci


def test_field_too_wide_is_refused() -> None:
    with pytest.raises(ValueError, match="mcs"):
        pack_dci(DCI1_0(fdra=0, mcs=32), 51)


def test_default_time_allocations() -> None:
    a = pdsch_time_allocation(0)                # row 1, dmrs-TypeA-Position 2
    assert (a.mapping_type, a.k, a.s, a.l) == ("A", 0, 2, 12)
    assert pdsch_time_allocation(0, 3).s == 3
    # PUSCH row 1: K2 = j = 1 at mu = 1; Msg3: + Delta = 3 (Table 6.1.2.1.1-5)
    assert pusch_time_allocation(0, 1).k == 1
    assert pusch_time_allocation(0, 1, msg3=True).k == 4
    assert pusch_time_allocation(14, 1).k == 4          # row 15: j + 3
