"""CORESET / search space configuration, the CCE-to-REG interleaver of TS 38.211 §7.3.2.2 and
the search space hashing function of TS 38.213 §10.1, worked by hand."""

from __future__ import annotations

import pytest
import torch
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from softran.nr.pdcch.coreset import (
    CORESETConfig,
    SearchSpaceConfig,
    cce_to_reg_bundles,
    pdcch_candidates,
)

# ------------------------------------------------------------------------------ configuration


def test_derived_sizes_and_rbs() -> None:
    c = CORESETConfig(frequency_resources=[1, 0, 1], duration=3, n_start_bwp=7)
    assert (c.n_rb, c.n_reg, c.n_cce) == (12, 36, 6)
    # groups start at 6 ceil(7 / 6) = 12; group 1 is skipped
    assert c.crbs == tuple(range(12, 18)) + tuple(range(24, 30))
    c0 = CORESETConfig(coreset_id=0, frequency_resources=[1, 1], duration=1, n_start_bwp=7)
    assert c0.crbs == tuple(range(7, 19))      # CORESET 0: RBs from the initial BWP start


def test_bad_coreset_configs() -> None:
    with pytest.raises(ValueError, match="duration"):
        CORESETConfig(duration=4)
    with pytest.raises(ValueError, match="reg_bundle_size = 2"):
        CORESETConfig(reg_bundle_size=2)                         # non-interleaved needs 6
    with pytest.raises(ValueError, match="reg_bundle_size = 3"):
        CORESETConfig(cce_reg_mapping="interleaved", duration=2, reg_bundle_size=3)
    with pytest.raises(ValueError, match="reg_bundle_size = 2"):
        CORESETConfig(cce_reg_mapping="interleaved", duration=3, reg_bundle_size=2)
    with pytest.raises(ValueError, match="interleaver_size"):
        CORESETConfig(cce_reg_mapping="interleaved", frequency_resources=[1], duration=1,
                      interleaver_size=2)                        # 1 bundle, R = 2
    with pytest.raises(ValueError, match="interleaver_size"):
        CORESETConfig(interleaver_size=4)
    with pytest.raises(ValueError, match="all zeros"):
        CORESETConfig(frequency_resources=[0, 0])
    with pytest.raises(ValueError, match="only 0 and 1"):
        CORESETConfig(frequency_resources=[1, 2])
    with pytest.raises(ValueError, match="46 bits"):
        CORESETConfig(frequency_resources=[1] * 46)
    with pytest.raises(TypeError, match="frequency_resources"):
        CORESETConfig(frequency_resources="111")
    with pytest.raises(ValueError, match="shift_index"):
        CORESETConfig(shift_index=275)
    with pytest.raises(ValueError, match="cce_reg_mapping"):
        CORESETConfig(cce_reg_mapping="random")
    with pytest.raises(ValueError, match="precoder_granularity"):
        CORESETConfig(precoder_granularity="wideband")
    with pytest.raises(ValueError, match="pdcch_dmrs_scrambling_id"):
        CORESETConfig(pdcch_dmrs_scrambling_id=65536)
    with pytest.raises(ValueError, match="coreset_id"):
        CORESETConfig(coreset_id=16)


def test_failed_assignment_leaves_config_unchanged() -> None:
    c = CORESETConfig(cce_reg_mapping="interleaved", reg_bundle_size=2, duration=2)
    with pytest.raises(ValueError):
        c.duration = 3                         # L = 2 is not allowed with 3 symbols
    assert c.duration == 2


def test_bad_search_space_configs() -> None:
    with pytest.raises(ValueError, match="n_candidates"):
        SearchSpaceConfig(n_candidates=(1, 2, 3, 4))
    with pytest.raises(ValueError, match="aggregation level 4"):
        SearchSpaceConfig(n_candidates=(1, 1, 7, 1, 1))
    with pytest.raises(ValueError, match="slot_offset"):
        SearchSpaceConfig(slot_period=4, slot_offset=4)
    with pytest.raises(ValueError, match="slot_period"):
        SearchSpaceConfig(slot_period=3)
    with pytest.raises(ValueError, match="duration"):
        SearchSpaceConfig(slot_period=4, duration=4)
    with pytest.raises(ValueError, match="search_space_type"):
        SearchSpaceConfig(search_space_type="dedicated")
    with pytest.raises(ValueError, match="start_symbol"):
        SearchSpaceConfig(start_symbol=14)


def test_monitoring_slots() -> None:
    """(n_f N_slot^frame + n_s - o_s) mod k_s < T_s (TS 38.213 §10.1) for k_s = 5, o_s = 3,
    T_s = 2, 10 slots per frame: slots 3, 4, 8, 9 of every frame."""
    s = SearchSpaceConfig(slot_period=5, slot_offset=3, duration=2)
    assert [n for n in range(10) if s.is_monitoring_slot(2, n, 10)] == [3, 4, 8, 9]


# ------------------------------------------------------------------------------ interleaver

def test_interleaver_by_hand() -> None:
    """12 RBs x 2 symbols = 24 REGs, L = 2 -> 12 bundles, R = 3 -> C = 4, n_shift = 5.
    f(x) = (4 r + c + 5) mod 12 with x = 3 c + r:
    x:    0  1  2  3  4  5  6  7  8  9 10 11
    f(x): 5  9  1  6 10  2  7 11  3  8  0  4
    CCE j = bundles f(3j), f(3j+1), f(3j+2)."""
    c = CORESETConfig(frequency_resources=[1, 1], duration=2, cce_reg_mapping="interleaved",
                      reg_bundle_size=2, interleaver_size=3, shift_index=5)
    assert cce_to_reg_bundles(c).tolist() == [[5, 9, 1], [6, 10, 2], [7, 11, 3], [8, 0, 4]]


def test_non_interleaved_is_identity() -> None:
    c = CORESETConfig(frequency_resources=[1, 1, 1], duration=2)
    assert cce_to_reg_bundles(c).tolist() == [[j] for j in range(6)]


def test_shift_defaults_to_cell_id() -> None:
    c = CORESETConfig(frequency_resources=[1, 1], duration=2, cce_reg_mapping="interleaved",
                      reg_bundle_size=2, interleaver_size=3)
    with_id = CORESETConfig(**{**c.model_dump(), "shift_index": 17})
    assert torch.equal(cce_to_reg_bundles(c, n_cell_id=17), cce_to_reg_bundles(with_id))
    with pytest.raises(ValueError, match="n_cell_id"):
        cce_to_reg_bundles(c)
    with pytest.raises(ValueError, match="n_cell_id"):
        cce_to_reg_bundles(c, n_cell_id=1008)


@settings(max_examples=40, deadline=None)
@given(groups=st.integers(1, 16), duration=st.integers(1, 3), big_l=st.sampled_from([2, 3, 6]),
       r=st.sampled_from([2, 3, 6]), shift=st.integers(0, 274))
def test_interleaver_is_a_permutation(groups: int, duration: int, big_l: int, r: int,
                                      shift: int) -> None:
    assume(big_l == 6 or (big_l == 3) == (duration == 3))
    n_bundles = 6 * groups * duration // big_l
    assume(n_bundles % r == 0)
    c = CORESETConfig(frequency_resources=[1] * groups, duration=duration,
                      cce_reg_mapping="interleaved", reg_bundle_size=big_l,
                      interleaver_size=r, shift_index=shift)
    m = cce_to_reg_bundles(c)
    assert m.shape == (c.n_cce, 6 // big_l)
    assert sorted(m.flatten().tolist()) == list(range(n_bundles))


# ------------------------------------------------------------------------------ hashing

def test_hashing_one_candidate_by_hand() -> None:
    """USS, CORESET p = 2 (A_2 = 39839), n_RNTI = 0x4601 = 17921, slot n = 3,
    N_CCE = 16 (96 RBs x 1 symbol), L = 4, M = 3, candidate m = 2:
    Y_-1 = 17921
    Y_0 = 39839 * 17921 mod 65537
    Y_1 = 39839 * Y_0 mod 65537, Y_2, Y_3 likewise (step by step below),
    first CCE = 4 ((Y_3 + floor(2 * 16 / (4 * 3))) mod floor(16 / 4))."""
    y = 17921
    for _ in range(4):                                  # Y_0 .. Y_3
        y = (39839 * y) % 65537
    first = 4 * ((y + (2 * 16) // (4 * 3)) % (16 // 4))
    cs = CORESETConfig(coreset_id=2, frequency_resources=[1] * 16, duration=1)
    ss = SearchSpaceConfig(coreset_id=2, n_candidates=(0, 0, 3, 0, 0))
    assert pdcch_candidates(cs, ss, n_rnti=17921, n_slot=3)[4][2] == first


def test_hashing_numbers() -> None:
    """The same recursion with its intermediate values written out (p = 1, A = 39829,
    n_RNTI = 100, slot 0): Y_0 = 3982900 mod 65537 = 50680; N_CCE = 8, L = 2, M = 2:
    m = 0: 2 ((50680 + 0) mod 4) = 0; m = 1: 2 ((50680 + floor(8 / 4)) mod 4) = 4."""
    assert 39829 * 100 % 65537 == 50680
    cs = CORESETConfig(coreset_id=1, frequency_resources=[1] * 8, duration=1)
    ss = SearchSpaceConfig(coreset_id=1, n_candidates=(0, 2, 0, 0, 0))
    assert pdcch_candidates(cs, ss, n_rnti=100, n_slot=0) == {2: [0, 4]}


def test_common_search_space() -> None:
    """Y = 0: candidate m starts at L floor(m N_CCE / (L M)) (N_CCE = 16)."""
    cs = CORESETConfig(coreset_id=0, frequency_resources=[1] * 8, duration=2,
                       cce_reg_mapping="interleaved", interleaver_size=2)
    ss = SearchSpaceConfig(coreset_id=0, search_space_type="common",
                           n_candidates=(0, 0, 4, 2, 1))
    assert pdcch_candidates(cs, ss) == {4: [0, 4, 8, 12], 8: [0, 8], 16: [0]}
    assert pdcch_candidates(cs, ss, n_rnti=5, n_slot=7) == pdcch_candidates(cs, ss)


def test_carrier_indicator_offsets_candidates() -> None:
    cs = CORESETConfig(frequency_resources=[1] * 8, duration=2)          # 16 CCEs
    ss = SearchSpaceConfig(n_candidates=(1, 0, 0, 0, 0))
    base = pdcch_candidates(cs, ss, n_rnti=300, n_slot=2)[1][0]
    assert pdcch_candidates(cs, ss, n_rnti=300, n_slot=2, n_ci=3)[1][0] == (base + 3) % 16


@settings(max_examples=40, deadline=None)
@given(rnti=st.integers(1, 65535), slot=st.integers(0, 159), p=st.integers(0, 11),
       groups=st.integers(8, 16))
def test_candidates_are_distinct_aligned_and_inside(rnti: int, slot: int, p: int,
                                                    groups: int) -> None:
    cs = CORESETConfig(coreset_id=p, frequency_resources=[1] * groups, duration=2)
    ss = SearchSpaceConfig(coreset_id=p, n_candidates=(6, 6, 4, 2, 1))
    n_cce = cs.n_cce
    for al, firsts in pdcch_candidates(cs, ss, n_rnti=rnti, n_slot=slot).items():
        assert all(f % al == 0 and f + al <= n_cce for f in firsts)
        m = ss.candidates_per_level[al]
        if m <= n_cce // al:
            assert len(set(firsts)) == len(firsts)


def test_candidate_errors() -> None:
    cs = CORESETConfig(frequency_resources=[1, 1], duration=1)             # 2 CCEs
    ss = SearchSpaceConfig(n_candidates=(1, 1, 1, 0, 0))
    with pytest.raises(ValueError, match="aggregation level 4"):
        pdcch_candidates(cs, ss, n_rnti=1)
    ok = SearchSpaceConfig(n_candidates=(1, 1, 0, 0, 0))
    with pytest.raises(ValueError, match="n_rnti"):
        pdcch_candidates(cs, ok)
    with pytest.raises(ValueError, match="n_rnti"):
        pdcch_candidates(cs, ok, n_rnti=0)
    with pytest.raises(ValueError, match="coreset_id"):
        pdcch_candidates(cs, SearchSpaceConfig(coreset_id=2), n_rnti=1)
    css = SearchSpaceConfig(search_space_type="common", n_candidates=(1, 1, 0, 0, 0))
    with pytest.raises(ValueError, match="n_ci"):
        pdcch_candidates(cs, css, n_ci=1)
    with pytest.raises(ValueError, match="n_slot"):
        pdcch_candidates(cs, ok, n_rnti=1, n_slot=-1)
    with pytest.raises(TypeError, match="search_space"):
        pdcch_candidates(cs, "uss", n_rnti=1)
    with pytest.raises(TypeError, match="coreset"):
        pdcch_candidates(None, ok, n_rnti=1)
