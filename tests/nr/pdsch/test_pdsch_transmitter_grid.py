"""PDSCHTransmitter's layer grid (one index_put onto a DM-RS/PT-RS grid built once) against the
grid assembled here from the level-1 functions (DL-SCH encoding, pdsch, pdsch_indices,
pdsch_dmrs(_indices), pdsch_ptrs(_indices)), bit for bit, TS 38.211 §7.3.1.5, §7.4.1."""

from __future__ import annotations

import pytest
import torch

from softran.nr import DLSCHEncoder
from softran.nr.config import CarrierConfig
from softran.nr.pdsch import (
    PDSCHConfig,
    PDSCHDMRSConfig,
    PDSCHPTRSConfig,
    PDSCHTransmitter,
    pdsch,
    pdsch_dmrs,
    pdsch_dmrs_indices,
    pdsch_indices,
    pdsch_ptrs,
    pdsch_ptrs_indices,
)


def reference_grid(c: CarrierConfig, p: PDSCHConfig, tbs: list[torch.Tensor],
                   rv: int) -> torch.Tensor:
    ind, info = pdsch_indices(c, p)
    cws = [DLSCHEncoder(p.code_rate)(t, p.modulation, v, g, rv)
           for t, v, g in zip(tbs, p.codeword_layers, info.G, strict=True)]
    sym = pdsch(cws if len(cws) > 1 else cws[0], c, p)
    batch = tbs[0].shape[0]
    grid = torch.zeros(batch, p.n_layers * c.symbols_per_slot * c.n_subcarriers,
                       dtype=torch.complex64)
    grid[:, ind.reshape(-1)] = sym.reshape(batch, -1)
    grid[:, pdsch_dmrs_indices(c, p).reshape(-1)] = pdsch_dmrs(c, p).reshape(-1)
    if p.enable_ptrs:
        grid[:, pdsch_ptrs_indices(c, p)] = pdsch_ptrs(c, p)
    return grid.reshape(batch, p.n_layers, c.symbols_per_slot, c.n_subcarriers)


@pytest.mark.parametrize("n_layers, modulation, dmrs, ptrs, rv", [
    (1, "QPSK", {}, False, 0),
    (2, "256QAM", {"additional_position": 1, "num_cdm_groups_without_data": 1}, False, 2),
    (3, "64QAM", {"dmrs_type": 2, "additional_position": 2}, True, 3),
    (4, "1024QAM", {"max_length": 2, "num_cdm_groups_without_data": 2}, False, 1),
    (6, "16QAM", {"max_length": 2, "additional_position": 1}, True, 0),
    (8, "256QAM", {"max_length": 2}, False, 2),
])
def test_layer_grid_equals_level1_assembly(n_layers, modulation, dmrs, ptrs, rv) -> None:
    c = CarrierConfig(n_size_grid=20, subcarrier_spacing=30, n_slot=5)
    p = PDSCHConfig(prb_set=range(2, 19), n_layers=n_layers, modulation=modulation,
                    target_code_rate=0.6, dmrs=PDSCHDMRSConfig(**dmrs), enable_ptrs=ptrs,
                    ptrs=PDSCHPTRSConfig(time_density=2))
    gen = torch.Generator().manual_seed(n_layers)
    tbs = [torch.randint(0, 2, (2, a), dtype=torch.uint8, generator=gen) for a in p.tb_sizes]
    tx = PDSCHTransmitter(c, p)
    got = tx.layer_grid(tbs if len(tbs) > 1 else tbs[0], rv)
    assert torch.equal(got, reference_grid(c, p, tbs, rv))
