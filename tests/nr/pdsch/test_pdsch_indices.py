"""Tests of softran.nr.pdsch indices, VRB-to-PRB mapping and rate-matching patterns
(TS 38.211 §7.3.1.5-§7.3.1.6, TS 38.214 §5.1.2.3, §5.1.4).

Counts are worked out by hand: a PRB on a non-DM-RS symbol holds 12 data REs, on a DM-RS
symbol 12 - 6 g (type 1) or 12 - 4 g (type 2) with g CDM groups without data; the interleaver
is f(j) = r C + c of §7.3.1.6 written out per case.
"""

from __future__ import annotations

import pytest
import torch
from hypothesis import given, settings
from hypothesis import strategies as st

from softran.nr.config import CarrierConfig
from softran.nr.pdsch import (
    LTECRSConfig,
    PDSCHConfig,
    PDSCHDMRSConfig,
    PDSCHReservedConfig,
    pdsch_dmrs_indices,
    pdsch_indices,
    pdsch_ptrs_indices,
    prg_index,
    reserved_re_mask,
    vrb_bundles,
    vrb_to_prb,
)


def test_counts_by_hand() -> None:
    c = CarrierConfig(n_size_grid=20)
    p = PDSCHConfig(prb_set=range(3, 13), symbol_allocation=(1, 12),
                    dmrs=PDSCHDMRSConfig(dmrs_type=2, additional_position=1,
                                         num_cdm_groups_without_data=2))
    ind, info = pdsch_indices(c, p)
    # l_d = 13: l0 = 2 and l1 = 11; 10 PRBs x (10 x 12 + 2 x (12 - 8))
    assert info.dmrs_symbols == (2, 11)
    assert info.n_re == 10 * (10 * 12 + 2 * 4) == ind.shape[1]
    assert info.G == (info.n_re * 2,)
    # mapping order: symbol by symbol, subcarriers increasing (no interleaving)
    l = ind[0] // 240
    assert bool((l.diff() >= 0).all()) and l.min() == 1 and l.max() == 12


def test_interleaved_mapping_order() -> None:
    c = CarrierConfig(n_size_grid=10)
    p = PDSCHConfig(prb_set=range(10), vrb_to_prb_interleaving=True)
    ind, info = pdsch_indices(c, p)
    assert info.prb_set == (0, 1, 4, 5, 2, 3, 6, 7, 8, 9)
    first_symbol = ind[0, :120]                                   # symbol 0: 10 PRBs x 12
    assert (first_symbol // 12).tolist() == [p for p in info.prb_set for _ in range(12)]


@pytest.mark.parametrize("n_start, n_size, size, bundles", [
    (0, 8, 2, [[0, 1], [2, 3], [4, 5], [6, 7]]),
    (1, 8, 2, [[0], [1, 2], [3, 4], [5, 6], [7]]),
    (3, 10, 4, [[0], [1, 2, 3, 4], [5, 6, 7, 8], [9]]),
    (4, 8, 4, [[0, 1, 2, 3], [4, 5, 6, 7]]),
])
def test_bundles(n_start, n_size, size, bundles) -> None:
    assert [list(b) for b in vrb_bundles(n_start, n_size, size)] == bundles


def test_interleaver_by_hand() -> None:
    # N_start = 1, N_size = 8, L = 2: bundles [0], [1,2], [3,4], [5,6], [7]; N = 5, C = 2;
    # f(0)=0, f(1)=2, f(2)=1, f(3)=3, last 4 -> VRB bundle 1 ([1,2]) on PRB bundle 2 ([3,4])
    assert vrb_to_prb(list(range(8)), 1, 8, interleaved=True).tolist() == [0, 3, 4, 1, 2, 5,
                                                                          6, 7]


@settings(max_examples=60, deadline=None)
@given(n_start=st.integers(0, 20), n_size=st.integers(1, 60), size=st.sampled_from([2, 4]))
def test_interleaver_is_a_bundle_permutation(n_start: int, n_size: int, size: int) -> None:
    prb = vrb_to_prb(list(range(n_size)), n_start, n_size, interleaved=True, bundle_size=size)
    assert sorted(prb.tolist()) == list(range(n_size))
    bundles = vrb_bundles(n_start, n_size, size)
    which = {rb: j for j, b in enumerate(bundles) for rb in b}
    for b in bundles:                     # a VRB bundle lands inside one PRB bundle, in order
        targets = [which[int(prb[v])] for v in b]
        assert len(set(targets)) == 1
        assert prb[list(b)].diff().eq(1).all() if len(b) > 1 else True


def test_prg_index() -> None:
    assert prg_index(torch.arange(0, 8), 2).tolist() == [0, 0, 1, 1, 2, 2, 3, 3]
    assert prg_index(torch.arange(5), None).tolist() == [0] * 5


def test_reserved_patterns_reduce_data() -> None:
    c = CarrierConfig(n_size_grid=12)
    base = PDSCHConfig(prb_set=range(12))
    coreset = PDSCHReservedConfig(prb_set=range(6), symbol_set=[0, 1])
    p = PDSCHConfig(prb_set=range(12), reserved_prb=[coreset], reserved_re=[3 * 144 + 5])
    n0 = pdsch_indices(c, base)[1].n_re
    n1 = pdsch_indices(c, p)[1].n_re
    assert n0 - n1 == 6 * 12 * 2 + 1
    ind = set(pdsch_indices(c, p)[0][0].tolist())
    assert 3 * 144 + 5 not in ind and 0 * 144 + 0 not in ind and 0 * 144 + 72 in ind


def test_periodic_pattern_follows_the_slot() -> None:
    r = PDSCHReservedConfig(prb_set=[0], symbol_set=[14 + 5], period=2)       # slot 1, sym 5
    p = PDSCHConfig(prb_set=range(2), reserved_prb=[r])
    for slot, hit in ((0, False), (1, True), (2, False), (3, True)):
        m = reserved_re_mask(CarrierConfig(n_size_grid=2, n_slot=slot), p)
        assert bool(m[5, :12].all()) is hit and int(m.sum()) == 12 * hit


def test_lte_crs_rate_matching_by_hand() -> None:
    # LTE 6 RB (72 subcarriers) centred on NR subcarrier 100 of a 20-PRB 15 kHz carrier, 2 CRS
    # ports, v_shift 1: LTE k = 1, 4, 7, ... on symbols 0, 4, 7, 11; NR k = 100 - 36 + k below
    # the DC (k < 36), + 1 above it
    crs = LTECRSConfig(carrier_freq_dl=100, n_rb=6, n_ports=2, v_shift=1)
    p = PDSCHConfig(prb_set=range(20), lte_crs=crs,
                    dmrs=PDSCHDMRSConfig(type_a_position=3))
    m = reserved_re_mask(CarrierConfig(n_size_grid=20), p)
    want = [64 + k for k in range(1, 36, 3)] + [65 + k for k in range(37, 72, 3)]
    for l in range(14):
        got = m[l].nonzero().flatten().tolist()
        assert got == (want if l in (0, 4, 7, 11) else []), l
    n_plain = pdsch_indices(CarrierConfig(n_size_grid=20), PDSCHConfig(
        prb_set=range(20), dmrs=PDSCHDMRSConfig(type_a_position=3)))[1].n_re
    assert n_plain - pdsch_indices(CarrierConfig(n_size_grid=20), p)[1].n_re == 4 * 24


def test_reserved_on_dmrs_is_an_error() -> None:
    c = CarrierConfig(n_size_grid=4)
    p = PDSCHConfig(prb_set=range(4), reserved_re=[2 * 48 + 0])      # symbol 2, k = 0: DM-RS
    with pytest.raises(ValueError, match="DM-RS REs"):
        pdsch_indices(c, p)
    q = PDSCHConfig(prb_set=range(4), reserved_re=[2 * 48 + 1])      # CDM group 1: no data,
    pdsch_indices(c, q)                                              # not used by port 1000


@settings(max_examples=40, deadline=None)
@given(data=st.data())
def test_resources_are_disjoint(data) -> None:
    """Data, DM-RS and PT-RS REs never overlap, stay in the allocation and avoid reserved REs,
    for random allocations, DM-RS / PT-RS configurations, interleaving and patterns."""
    n_grid = data.draw(st.integers(4, 24), "n_grid")
    prbs = data.draw(st.lists(st.integers(0, n_grid - 1), min_size=1, max_size=n_grid,
                              unique=True), "prbs")
    dmrs_type = data.draw(st.sampled_from([1, 2]))
    max_length = data.draw(st.sampled_from([1, 2]))
    n_layers = data.draw(st.integers(1, min(8, (4 if dmrs_type == 1 else 6) * max_length)))
    pos = data.draw(st.integers(0, 1 if max_length == 2 else 3))
    groups = data.draw(st.integers(2 if dmrs_type == 1 else 3, 2 if dmrs_type == 1 else 3))
    c = CarrierConfig(n_size_grid=n_grid)
    p = PDSCHConfig(prb_set=prbs, n_layers=n_layers,
                    vrb_to_prb_interleaving=data.draw(st.booleans()),
                    vrb_bundle_size=data.draw(st.sampled_from([2, 4])),
                    enable_ptrs=len(prbs) >= 3 and data.draw(st.booleans()),
                    reserved_prb=[PDSCHReservedConfig(prb_set=[0], symbol_set=[0, 1])],
                    dmrs=PDSCHDMRSConfig(dmrs_type=dmrs_type, max_length=max_length,
                                         additional_position=pos,
                                         num_cdm_groups_without_data=groups))
    ind, info = pdsch_indices(c, p)
    plane = 14 * 12 * n_grid
    data_re = set((ind[0] % plane).tolist())
    assert len(data_re) == ind.shape[1]
    dmrs = set((pdsch_dmrs_indices(c, p) % plane).flatten().tolist())
    ptrs = set((pdsch_ptrs_indices(c, p) % plane).tolist())
    assert not data_re & dmrs and not data_re & ptrs and not dmrs & ptrs
    phys = set(p.prbs(c))
    assert all((i % (12 * n_grid)) // 12 in phys for i in data_re | dmrs | ptrs)
    assert not any(i // (12 * n_grid) in (0, 1) and (i % (12 * n_grid)) // 12 == 0
                   for i in data_re)
    assert info.G == tuple(len(data_re) * v * p.qm for v in p.codeword_layers)


def test_zp_csi_rs_as_reserved_res() -> None:
    from softran.nr.csi_rs import CSIRSConfig, csi_rs_indices

    c = CarrierConfig(n_size_grid=8)
    zp = CSIRSConfig(csirs_type="zp", row_number=4, subcarrier_locations=[4],
                     symbol_locations=[9], n_rb=8)
    res = (csi_rs_indices(c, zp) % (14 * 96)).unique()
    assert res.numel() == 8 * 4                     # 2 CDM groups x 2 REs x 8 RBs
    p = PDSCHConfig(prb_set=range(8), reserved_re=res.tolist())
    plain = PDSCHConfig(prb_set=range(8))
    assert pdsch_indices(c, plain)[1].n_re - pdsch_indices(c, p)[1].n_re == 32
