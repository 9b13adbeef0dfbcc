"""Tests of softran.nr.pusch.indices: PUSCH data REs (TS 38.211 §6.3.1.6, MATLAB nrPUSCHIndices).

Counts are worked out by hand (FRC: 12 data symbols x 12 subcarriers = 144 data RE per PRB,
conformance.md §1.4); the set checks compare against a brute-force enumeration of the
allocation minus the DM-RS REs of the CDM groups without data and the PT-RS REs.
"""

from __future__ import annotations

import pytest
import torch
from hypothesis import given, settings
from hypothesis import strategies as st

from softran.nr.config import CarrierConfig
from softran.nr.pusch import PUSCHConfig, PUSCHDMRSConfig, PUSCHPTRSConfig
from softran.nr.pusch.dmrs import pusch_dmrs_indices, pusch_dmrs_symbols
from softran.nr.pusch.indices import PUSCHIndicesInfo, pusch_indices
from softran.nr.pusch.ptrs import pusch_ptrs_indices


def frc(n_prb: int, **dmrs) -> PUSCHConfig:
    return PUSCHConfig(prb_set=range(n_prb), dmrs=PUSCHDMRSConfig(additional_position=1, **dmrs))


@pytest.mark.parametrize("n_prb", [1, 25, 52])
def test_frc_144_data_re_per_prb(n_prb: int) -> None:
    ind, info = pusch_indices(CarrierConfig(n_size_grid=52), frc(n_prb))
    assert ind.shape == (1, 144 * n_prb) and ind.dtype == torch.int64
    assert info.n_re == 144 * n_prb and info.G == 2 * 144 * n_prb
    assert info.dmrs_symbols == (2, 11) and info.n_re_per_prb == 144
    assert info.prb_set == tuple(range(n_prb)) and info.ptrs_symbols == ()
    symbols = (ind[0] // 624).unique().tolist()
    assert symbols == [0, 1, 3, 4, 5, 6, 7, 8, 9, 10, 12, 13]


@pytest.mark.parametrize("dmrs_type, groups, per_dmrs_symbol", [
    (1, 1, 6), (1, 2, 0), (2, 1, 8), (2, 2, 4), (2, 3, 0),
])
def test_data_on_dmrs_symbols(dmrs_type: int, groups: int, per_dmrs_symbol: int) -> None:
    p = frc(3, dmrs_type=dmrs_type, num_cdm_groups_without_data=groups)
    ind, info = pusch_indices(CarrierConfig(n_size_grid=3), p)
    assert info.n_re == 3 * (12 * 12 + 2 * per_dmrs_symbol)
    on_symbol_2 = ind[0][(ind[0] // 36) == 2] - 72
    if dmrs_type == 1 and groups == 1:
        assert on_symbol_2.tolist() == list(range(1, 36, 2))   # odd subcarriers: CDM group 1
    if dmrs_type == 2 and groups == 2:
        assert (on_symbol_2 % 6).unique().tolist() == [4, 5]   # CDM group 2's REs


def test_transform_precoding_no_data_on_dmrs_symbols() -> None:
    p = PUSCHConfig(prb_set=range(5), transform_precoding=True)
    ind, info = pusch_indices(CarrierConfig(n_size_grid=5), p)
    assert info.n_re == 13 * 60 and info.dmrs_symbols == (2,)
    assert not bool(((ind[0] // 60) == 2).any())


def test_layers_share_the_pattern() -> None:
    p = PUSCHConfig(prb_set=[0, 3, 4], n_layers=3)
    carrier = CarrierConfig(n_size_grid=6)
    ind, info = pusch_indices(carrier, p)
    grid = 14 * 72
    for j in range(3):
        assert torch.equal(ind[j], ind[0] + j * grid)
    assert info.G == 3 * 3 * (13 * 12) * 2 and info.cdm_groups == (0, 0, 1)
    assert torch.equal(ind[0], ind[0].sort().values)


def brute_force(carrier: CarrierConfig, p: PUSCHConfig) -> set[int]:
    """Allocation REs of layer 0 less DM-RS REs of groups without data and PT-RS REs."""
    s, length = p.symbol_allocation
    start = (carrier.n_start_grid if p.n_start_bwp is None else p.n_start_bwp) \
        - carrier.n_start_grid
    n_k = carrier.n_subcarriers
    dmrs_symbols = pusch_dmrs_symbols(carrier, p)
    out = set()
    for l in range(s, s + length):
        for prb in p.prb_set:
            for sc in range(12):
                if l in dmrs_symbols:
                    if p.transform_precoding:
                        continue
                    group = sc % 2 if p.dmrs.dmrs_type == 1 else (sc % 6) // 2
                    if group < p.dmrs.num_cdm_groups_without_data:
                        continue
                out.add(l * n_k + 12 * (start + prb) + sc)
    grid = carrier.symbols_per_slot * n_k
    for row in pusch_ptrs_indices(carrier, p).tolist():
        out -= {i % grid for i in row}
    return out


@settings(max_examples=25, deadline=None)
@given(st.data())
def test_against_brute_force(data: st.DataObject) -> None:
    dmrs_type = data.draw(st.sampled_from([1, 2]))
    groups = data.draw(st.integers(1, 2 if dmrs_type == 1 else 3))
    mapping = data.draw(st.sampled_from(["A", "B"]))
    if mapping == "A":
        alloc = (0, data.draw(st.integers(8, 14)))
    else:
        s = data.draw(st.integers(0, 6))
        alloc = (s, data.draw(st.integers(5, 14 - s)))
    prbs = data.draw(st.sets(st.integers(0, 9), min_size=1, max_size=6))
    p = PUSCHConfig(
        mapping_type=mapping, symbol_allocation=alloc, prb_set=prbs, n_start_bwp=3,
        n_size_bwp=10, rnti=data.draw(st.integers(0, 65535)),
        enable_ptrs=data.draw(st.booleans()),
        dmrs=PUSCHDMRSConfig(dmrs_type=dmrs_type, num_cdm_groups_without_data=groups,
                             additional_position=data.draw(st.integers(0, 1)),
                             max_length=data.draw(st.sampled_from([1, 2]))
                             if mapping == "A" else 1),
        ptrs=PUSCHPTRSConfig(time_density=data.draw(st.sampled_from([1, 2, 4])),
                             frequency_density=data.draw(st.sampled_from([2, 4])),
                             re_offset=data.draw(st.sampled_from(["00", "01", "10", "11"]))))
    carrier = CarrierConfig(n_size_grid=14, n_start_grid=1)
    ind, info = pusch_indices(carrier, p)
    got = ind[0].tolist()
    assert got == sorted(brute_force(carrier, p))
    assert info.n_re == len(got) == p.n_re
    # no overlap with the DM-RS of the PUSCH's own ports
    assert not set(got) & set(pusch_dmrs_indices(carrier, p)[0].tolist())


def test_ptrs_removed_from_data() -> None:
    p = PUSCHConfig(prb_set=range(25), enable_ptrs=True, rnti=1,
                    dmrs=PUSCHDMRSConfig(additional_position=1))
    ind, info = pusch_indices(CarrierConfig(n_size_grid=25), p)
    assert info.n_re == 3600 - 156 and info.G == 2 * (3600 - 156)
    assert info.ptrs_symbols == (0, 1, 3, 4, 5, 6, 7, 8, 9, 10, 12, 13)
    ptrs = set(pusch_ptrs_indices(CarrierConfig(n_size_grid=25), p)[0].tolist())
    assert not ptrs & set(ind[0].tolist())


def test_info_type_and_bad_inputs() -> None:
    _, info = pusch_indices(CarrierConfig(), PUSCHConfig())
    assert isinstance(info, PUSCHIndicesInfo)
    with pytest.raises(TypeError, match="pusch"):
        pusch_indices(CarrierConfig(), object())
    with pytest.raises(ValueError, match="outside the BWP"):
        pusch_indices(CarrierConfig(n_size_grid=20), PUSCHConfig(prb_set=[25]))
    with pytest.raises(NotImplementedError):
        pusch_indices(CarrierConfig(), PUSCHConfig(transform_precoding=True, prb_set=range(4),
                                                   enable_ptrs=True))
