"""PDSCHTransmitter's layer grid (one index_put onto a DM-RS/PT-RS grid built once) against the
grid assembled here from the level-1 functions (DL-SCH encoding, pdsch, pdsch_indices,
pdsch_dmrs(_indices), pdsch_ptrs(_indices)), bit for bit, TS 38.211 §7.3.1.5, §7.4.1."""

from __future__ import annotations

import pytest
import torch

from softran.nr import DLSCHEncoder
from softran.nr.config import CarrierConfig
from softran.nr.ofdm import ofdm_modulate
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


@pytest.mark.parametrize("n_layers, modulation, dmrs, ptrs", [
    (4, "256QAM", {"additional_position": 1, "num_cdm_groups_without_data": 2}, False),
    (3, "64QAM", {"dmrs_type": 2, "additional_position": 2}, True),
    (8, "256QAM", {"max_length": 2}, False),
])
def test_successive_slots_are_independent_and_equal_the_level1_chain(n_layers, modulation,
                                                                     dmrs, ptrs) -> None:
    """The transmitter keeps its IFFT bins and work buffer from call to call: two calls with
    different transport blocks each give the waveform of the level-1 chain (DL-SCH, pdsch,
    DM-RS / PT-RS, resource grid, ofdm_modulate: TS 38.211 §7.3.1, §5.3.1) bit for bit, the
    first call's waveform and grid are not changed by the second (the caller owns them), and
    a change of batch size in between gives the same rows."""
    c = CarrierConfig(n_size_grid=20, subcarrier_spacing=30, n_slot=3)
    p = PDSCHConfig(prb_set=range(1, 20), n_layers=n_layers, modulation=modulation,
                    target_code_rate=0.7, dmrs=PDSCHDMRSConfig(**dmrs), enable_ptrs=ptrs,
                    ptrs=PDSCHPTRSConfig(time_density=2))
    gen = torch.Generator().manual_seed(10 + n_layers)
    first = [torch.randint(0, 2, (1, a), dtype=torch.uint8, generator=gen) for a in p.tb_sizes]
    second = [torch.randint(0, 2, (1, a), dtype=torch.uint8, generator=gen) for a in p.tb_sizes]
    tx = PDSCHTransmitter(c, p)

    def arg(tbs: list[torch.Tensor]) -> torch.Tensor | list[torch.Tensor]:
        return tbs if len(tbs) > 1 else tbs[0]

    w1 = tx(arg(first), 2)
    grid1 = tx.last_layer_grid
    kept_w1, kept_grid1 = w1.clone(), grid1.clone()
    w2 = tx(arg(second), 2)
    assert torch.equal(w1, kept_w1) and torch.equal(grid1, kept_grid1)
    for tbs, w in ((first, w1), (second, w2)):
        ref = reference_grid(c, p, tbs, 2)
        assert torch.equal(w, ofdm_modulate(ref, c, nfft=tx.nfft))
    assert torch.equal(grid1, reference_grid(c, p, first, 2))
    assert torch.equal(tx.last_layer_grid, reference_grid(c, p, second, 2))
    assert torch.equal(tx.last_grid, tx.last_layer_grid)
    assert not torch.equal(w1, w2)
    both = [torch.cat([a, b]) for a, b in zip(first, second, strict=True)]
    assert torch.equal(tx(arg(both), 2), torch.cat([w1, w2]))
    assert torch.equal(tx(arg(first), 2), w1)                  # back to batch 1


def test_last_grids_before_any_call() -> None:
    tx = PDSCHTransmitter(CarrierConfig(n_size_grid=6), PDSCHConfig(prb_set=range(6), mcs_index=2))
    with pytest.raises(RuntimeError, match="exists* after a call"):
        _ = tx.last_layer_grid
