"""Tests of softran.nr.pusch.ptrs: PUSCH PT-RS without transform precoding (TS 38.211 §6.4.1.2).

Symbol sets and RB sets are worked out by hand from §6.4.1.2.2.1; k_ref^RE spot-checks are the
rows of Table 6.4.1.2.2.1-1 as written; values follow r_k = r(2m + k') of §6.4.1.2.1.1 (the
DM-RS Gold sequence at the first DM-RS symbol, without cover codes).
"""

from __future__ import annotations

import math

import pytest
import torch

from softran.nr.config import CarrierConfig
from softran.nr.pusch import (
    PUSCHConfig,
    PUSCHDMRSConfig,
    PUSCHPTRSConfig,
    ptrs_k_ref,
    pusch_ptrs,
    pusch_ptrs_indices,
    pusch_ptrs_symbols,
)


def cfg(dmrs: dict | None = None, ptrs: dict | None = None, **kw) -> PUSCHConfig:
    return PUSCHConfig(enable_ptrs=True, dmrs=PUSCHDMRSConfig(**(dmrs or {})),
                       ptrs=PUSCHPTRSConfig(**(ptrs or {})), **kw)


C = CarrierConfig(n_size_grid=25)


@pytest.mark.parametrize("dmrs, ptrs, kw, symbols", [
    # DM-RS 2, 11; L_PT-RS = 1: every symbol but the DM-RS ones
    ({"additional_position": 1}, {"time_density": 1}, {},
     [0, 1, 3, 4, 5, 6, 7, 8, 9, 10, 12, 13]),
    # L_PT-RS = 2: 0; restart at 2 -> 4, 6, 8, 10; restart at 11 -> 13
    ({"additional_position": 1}, {"time_density": 2}, {}, [0, 4, 6, 8, 10, 13]),
    # L_PT-RS = 4: 0; restart at 2 -> 6, 10 (14 is outside)
    ({"additional_position": 1}, {"time_density": 4}, {}, [0, 6, 10]),
    # double-symbol DM-RS 2, 3, 10, 11: restart after the second symbol
    ({"additional_position": 1, "max_length": 2}, {"time_density": 2}, {},
     [0, 5, 7, 9, 13]),
    # DM-RS 2 only, L_PT-RS = 4: 0, 6, 10
    ({}, {"time_density": 4}, {}, [0, 6, 10]),
    # mapping type B, S = 4, L = 6, DM-RS at 4 (relative 0): relative 1..5 -> 5..9
    ({}, {"time_density": 1}, {"mapping_type": "B", "symbol_allocation": (4, 6)},
     [5, 6, 7, 8, 9]),
    ({}, {"time_density": 2}, {"mapping_type": "B", "symbol_allocation": (4, 6)}, [6, 8]),
])
def test_ptrs_symbols_hand_worked(dmrs, ptrs, kw, symbols) -> None:
    assert pusch_ptrs_symbols(C, cfg(dmrs, ptrs, prb_set=range(25), **kw)) == symbols


def test_k_ref_table_spot_checks() -> None:
    # Table 6.4.1.2.2.1-1: type 1 rows p = 0..3, type 2 rows p = 1 and 5
    assert [ptrs_k_ref(1, p, "00") for p in range(4)] == [0, 2, 1, 3]
    assert [ptrs_k_ref(1, 3, o) for o in ("00", "01", "10", "11")] == [3, 5, 9, 11]
    assert [ptrs_k_ref(2, 1, o) for o in ("00", "01", "10", "11")] == [1, 6, 7, 0]
    assert [ptrs_k_ref(2, 5, o) for o in ("00", "01", "10", "11")] == [5, 10, 11, 4]
    with pytest.raises(ValueError, match="port 4"):
        ptrs_k_ref(1, 4, "00")


@pytest.mark.parametrize("n_prb, k, rnti, rbs", [
    (25, 2, 5, list(range(0, 25, 2))),   # 25 mod 2 = 1 -> k_ref^RB = 5 mod 1 = 0
    (24, 4, 7, [3, 7, 11, 15, 19, 23]),  # 24 mod 4 = 0 -> 7 mod 4 = 3
    (10, 4, 7, [1, 5, 9]),               # 10 mod 4 = 2 -> 7 mod 2 = 1
    (6, 4, 3, [1, 5]),                   # 6 mod 4 = 2 -> 3 mod 2 = 1
])
def test_ptrs_frequency_positions(n_prb: int, k: int, rnti: int, rbs: list[int]) -> None:
    p = cfg({"additional_position": 1}, {"frequency_density": k}, prb_set=range(n_prb),
            rnti=rnti)
    idx = pusch_ptrs_indices(C, p)
    n_sym = 12  # L_PT-RS = 1
    assert idx.shape == (1, n_sym * len(rbs))
    first = idx[0, :len(rbs)].tolist()               # symbol 0
    assert first == [12 * rb for rb in rbs]           # k_ref^RE = 0 (port 0, offset 00)


def test_ptrs_count_hand_worked() -> None:
    # 25 PRBs, K = 2 -> 13 RBs; L = 1 with DM-RS 2, 11 -> 12 symbols: 156 PT-RS REs
    p = cfg({"additional_position": 1}, prb_set=range(25), rnti=1)
    assert pusch_ptrs_indices(C, p).shape == (1, 156)
    assert p.n_re == 25 * 144 - 156


def test_ptrs_non_contiguous_prbs_count_in_allocation_order() -> None:
    p = cfg(prb_set=[1, 4, 6, 7, 20], ptrs={"frequency_density": 2, "re_offset": "10"}, rnti=2)
    # 5 RBs, 5 mod 2 = 1 -> k_ref^RB = 0: allocated RBs #0, #2, #4 = PRBs 1, 6, 20; k_ref^RE 6
    idx = pusch_ptrs_indices(C, p)
    assert idx[0, :3].tolist() == [12 * 1 + 6, 12 * 6 + 6, 12 * 20 + 6]


def gold(c_init: int, n: int) -> list[int]:
    """c(0..n-1) of TS 38.211 §5.2.1 written out from the clause: x1(0) = 1, x1(1..30) = 0,
    x2(i) = bit i of c_init, x1(k+31) = x1(k+3) + x1(k), x2(k+31) = x2(k+3) + x2(k+2) + x2(k+1)
    + x2(k) (mod 2), c(m) = x1(m + 1600) + x2(m + 1600) (mod 2)."""
    x1 = [1] + [0] * 30
    x2 = [(c_init >> i) & 1 for i in range(31)]
    for k in range(n + 1600 - 31):
        x1.append((x1[k + 3] + x1[k]) % 2)
        x2.append((x2[k + 3] + x2[k + 2] + x2[k + 1] + x2[k]) % 2)
    return [(x1[m + 1600] + x2[m + 1600]) % 2 for m in range(n)]


def dmrs_c_init(n_slot: int, l: int, n_id: int, n_scid: int = 0) -> int:
    """§6.4.1.1.1.1 without dmrs-Uplink-r16 (lambda-bar = 0), 14 symbols per slot:
    (2^17 (14 n_s + l + 1)(2 N_ID + 1) + 2 N_ID + n_SCID) mod 2^31."""
    return (2 ** 17 * (14 * n_slot + l + 1) * (2 * n_id + 1) + 2 * n_id + n_scid) % 2 ** 31


def ref_ptrs_value(n_slot: int, l0: int, n_id: int, k_crb0: int, delta: int) -> complex:
    """r(2n + k') at subcarrier k (from CRB 0) of the type 1 DM-RS of symbol l0: the PT-RS
    takes the DM-RS value of its subcarrier (§6.4.1.2.1.1, r(2m + k') of §6.4.1.1.1.1)."""
    c = gold(dmrs_c_init(n_slot, l0, n_id), 2 * (k_crb0 // 2 + 2))
    x = k_crb0 - delta
    n, k_prime = x // 4, (x % 4) // 2
    m = 2 * n + k_prime
    return complex(1 - 2 * c[2 * m], 1 - 2 * c[2 * m + 1]) / math.sqrt(2)


def test_gold_sequence_of_the_clause():
    # c_init = 0: the first bits of TS 38.211 §5.2.1 (as prbs' docstring example)
    assert gold(0, 12) == [0, 0, 0, 0, 0, 0, 1, 0, 0, 0, 0, 1]


def test_ptrs_values_and_layer_association() -> None:
    carrier = CarrierConfig(n_size_grid=20, n_start_grid=2, n_cell_id=17, n_slot=4)
    p = PUSCHConfig(n_layers=2, prb_set=range(3, 11), n_start_bwp=4, n_size_bwp=15, rnti=5,
                    enable_ptrs=True,
                    dmrs=PUSCHDMRSConfig(additional_position=1, dmrs_ports=[0, 3],
                                         n_id_n_scid=321),
                    ptrs=PUSCHPTRSConfig(ptrs_ports=[3], re_offset="01"))
    idx = pusch_ptrs_indices(carrier, p)
    val = pusch_ptrs(carrier, p)
    assert idx.shape == val.shape == (1, 12 * 4)
    n_grid = 14 * 240
    assert bool((idx // n_grid == 1).all())           # layer 1 carries DM-RS port 3
    # 8 RBs, K = 2 -> k_ref^RB = 5 mod 2 = 1: RBs 1, 3, 5, 7 -> PRBs 4, 6, 8, 10 of the BWP;
    # k_ref^RE(port 3, '01') = 5; CRB = 4 + PRB; grid subcarrier = 12 (CRB - 2) + 5
    crbs = [8, 10, 12, 14]
    assert (idx[0, :4] - n_grid).tolist() == [12 * (c - 2) + 5 for c in crbs]
    want = [ref_ptrs_value(4, 2, 321, 12 * c + 5, 1) for c in crbs]
    got = val[0].tolist()
    for s in range(12):                                # same values on every PT-RS symbol
        for w, g in zip(want, got[4 * s:4 * s + 4]):
            assert abs(w - g) < 1e-6


def test_ptrs_disabled_and_not_implemented() -> None:
    p = PUSCHConfig(prb_set=range(4))
    assert pusch_ptrs_indices(C, p).shape == (0, 0)
    assert pusch_ptrs(C, p).shape == (0, 0) and pusch_ptrs_symbols(C, p) == []
    tp = PUSCHConfig(prb_set=range(4), transform_precoding=True, enable_ptrs=True)
    with pytest.raises(NotImplementedError, match="transform precoding"):
        pusch_ptrs(C, tp)
    with pytest.raises(TypeError, match="pusch"):
        pusch_ptrs_indices(C, None)


def test_two_ptrs_ports() -> None:
    p = PUSCHConfig(n_layers=2, prb_set=range(4), enable_ptrs=True,
                    dmrs=PUSCHDMRSConfig(dmrs_ports=[0, 2]),
                    ptrs=PUSCHPTRSConfig(ptrs_ports=[0, 2]))
    idx = pusch_ptrs_indices(CarrierConfig(n_size_grid=4), p)
    assert idx.shape[0] == 2
    n_grid = 14 * 48
    assert bool((idx[0] < n_grid).all()) and bool((idx[1] >= n_grid).all())
    assert ((idx[1] - n_grid - idx[0]) == 1).all()    # k_ref^RE 0 (port 0) and 1 (port 2)
    assert torch.equal(idx, idx.sort(dim=1).values)
