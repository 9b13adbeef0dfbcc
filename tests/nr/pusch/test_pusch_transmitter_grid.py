"""PUSCHTransmitter's layer grid (one pass onto a DM-RS/PT-RS grid built once) against the
grid assembled here from the level-1 functions, bit for bit (TS 38.211 §6.3.1.6, §6.4.1)."""

from __future__ import annotations

import pytest
import torch

from softran.nr import ULSCHEncoder
from softran.nr.config import CarrierConfig
from softran.nr.pusch import (
    PUSCHConfig,
    PUSCHTransmitter,
    pusch,
    pusch_dmrs,
    pusch_dmrs_indices,
    pusch_indices,
    pusch_ptrs,
    pusch_ptrs_indices,
)


@pytest.mark.parametrize("n_layers, modulation, dmrs, ptrs, tp, rv", [
    (1, "QPSK", {}, False, False, 0),
    (1, "16QAM", {"additional_position": 1}, False, True, 2),
    (2, "256QAM", {"additional_position": 1, "num_cdm_groups_without_data": 2}, True, False, 3),
    (4, "64QAM", {"max_length": 2, "num_cdm_groups_without_data": 2}, False, False, 1),
])
def test_layer_grid_equals_level1_assembly(n_layers, modulation, dmrs, ptrs, tp, rv) -> None:
    c = CarrierConfig(n_size_grid=20, subcarrier_spacing=30, n_slot=3)
    p = PUSCHConfig(prb_set=range(1, 19), n_layers=n_layers,
                    modulation=modulation, target_code_rate=0.6, dmrs=dmrs, enable_ptrs=ptrs,
                    transform_precoding=tp)
    gen = torch.Generator().manual_seed(n_layers + rv)
    tb = torch.randint(0, 2, (2, p.tb_size), dtype=torch.uint8, generator=gen)
    ind, _ = pusch_indices(c, p)
    cw = ULSCHEncoder(p.code_rate)(tb, p.modulation, n_layers, p.num_coded_bits, rv)
    sym = pusch(cw, c, p)
    grid = torch.zeros(2, n_layers * 14 * c.n_subcarriers, dtype=torch.complex64)
    grid[:, ind.reshape(-1)] = sym.reshape(2, -1)
    grid[:, pusch_dmrs_indices(c, p).reshape(-1)] = pusch_dmrs(c, p).reshape(-1)
    if ptrs:
        grid[:, pusch_ptrs_indices(c, p).reshape(-1)] = pusch_ptrs(c, p).reshape(-1)
    got = PUSCHTransmitter(c, p).layer_grid(tb, rv)
    assert torch.equal(got, grid.reshape(2, n_layers, 14, c.n_subcarriers))
