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


@pytest.mark.parametrize("n_prb, modulation, rate, n_layers, rv, dtype", [
    (19, "256QAM", 0.85, 2, 0, torch.uint8),     # C > 1 (CRC24A, CRC24B per code block)
    (19, "QPSK", 0.4, 1, 3, torch.bool),
    (4, "16QAM", 0.3, 2, 1, torch.uint8),        # C = 1, CRC16
    (11, "1024QAM", 0.7, 4, 2, torch.bool),
    (17, "64QAM", 0.6, 3, 0, torch.uint8),
])
def test_one_codeword_path_equals_level1_chain(n_prb, modulation, rate, n_layers, rv,
                                               dtype) -> None:
    """One codeword given as a tensor takes forward's one-kernel path (TB CRC, LDPC, rate
    matching, scrambling, modulation and mapping into the kept IFFT bins; IFFT; cyclic
    prefixes): its waveform equals the level-1 chain's (TS 38.212 §7.2, TS 38.211 §7.3.1,
    §5.3.1) and that of the same block given as a list (the step-by-step path) bit for bit,
    for uint8 and bool blocks, a block that is not contiguous and a batch of 2."""
    c = CarrierConfig(n_size_grid=20, subcarrier_spacing=30, n_slot=4)
    p = PDSCHConfig(prb_set=range(1, 1 + n_prb), n_layers=n_layers, modulation=modulation,
                    target_code_rate=rate,
                    dmrs=PDSCHDMRSConfig(additional_position=1, num_cdm_groups_without_data=2))
    (a,) = p.tb_sizes
    gen = torch.Generator().manual_seed(n_prb * 10 + n_layers)
    wide = torch.randint(0, 2, (2, a + 3), dtype=torch.uint8, generator=gen)
    tb = wide[:, 3:]                                       # not contiguous
    assert not tb.is_contiguous()
    tx = PDSCHTransmitter(c, p)
    w = tx(tb.to(dtype), rv)
    ref = ofdm_modulate(reference_grid(c, p, [tb.contiguous()], rv), c, nfft=tx.nfft)
    assert torch.equal(w, ref)
    assert torch.equal(tx.last_layer_grid, reference_grid(c, p, [tb.contiguous()], rv))
    assert torch.equal(tx([tb], rv), ref)                  # the step-by-step path
    assert torch.equal(tx(tb[1:].contiguous(), rv), ref[1:])


def test_one_codeword_path_refuses_non_bits() -> None:
    """A value that is not a bit is refused naming tb (checked inside the kernel), before
    anything is written: the previous slot's grid stays readable."""
    c = CarrierConfig(n_size_grid=10, subcarrier_spacing=30)
    p = PDSCHConfig(prb_set=range(10), n_layers=2, modulation="256QAM", target_code_rate=0.8)
    tx = PDSCHTransmitter(c, p)
    gen = torch.Generator().manual_seed(3)
    tb = torch.randint(0, 2, (1, p.tb_sizes[0]), dtype=torch.uint8, generator=gen)
    tx(tb)
    bad = tb.clone()
    bad[0, 100] = 2
    with pytest.raises(ValueError, match="tb"):
        tx(bad)
    assert torch.equal(tx.last_layer_grid, reference_grid(c, p, [tb], 0))
    a = tb.shape[1]
    for offset, pos, value in ((3, 0, 255), (3, a - 1, 2), (0, a - 1, 3), (0, 0, 128)):
        buf = torch.zeros(offset + a, dtype=torch.uint8)   # rows at any byte alignment
        row = buf[offset:].view(1, a)
        row.copy_(tb)
        row[0, pos] = value
        with pytest.raises(ValueError, match="tb"):
            tx(row)
        row[0, pos] = tb[0, pos]
        assert torch.equal(tx(row), tx(tb))
    with pytest.raises(ValueError, match="tb"):
        tx(tb[:, 1:])
    with pytest.raises(ValueError, match="rv"):
        tx(tb, 4)
    assert torch.equal(tx(tb), ofdm_modulate(reference_grid(c, p, [tb], 0), c, nfft=tx.nfft))
    assert torch.equal(tx.last_layer_grid, reference_grid(c, p, [tb], 0))


def test_one_codeword_path_keeps_the_reference_signal_rows() -> None:
    """The 20 MHz cell of the latency bench (51 PRB, 2 layers, 256QAM MCS 27, DM-RS type 1
    with an additional position and no data in the DM-RS symbols): the DM-RS symbols' IFFT
    is kept from the first call and only the data symbols are transformed each slot. Every
    call's waveform and grid still equal the level-1 chain's (TS 38.211 §7.3.1, §7.4.1.1,
    §5.3.1) bit for bit, in either order with the step-by-step path and across a change of
    batch size."""
    c = CarrierConfig(n_size_grid=51, subcarrier_spacing=30)
    p = PDSCHConfig(prb_set=range(51), n_layers=2, mcs_index=27, mcs_table="qam256",
                    dmrs=PDSCHDMRSConfig(additional_position=1, num_cdm_groups_without_data=2))
    gen = torch.Generator().manual_seed(51)
    tbs = torch.randint(0, 2, (3, p.tb_sizes[0]), dtype=torch.uint8, generator=gen)
    tx = PDSCHTransmitter(c, p)
    refs = [reference_grid(c, p, [tbs[i:i + 1]], 0) for i in range(3)]
    waves = [ofdm_modulate(g, c, nfft=tx.nfft) for g in refs]
    for i in (0, 1, 2, 0):
        assert torch.equal(tx(tbs[i:i + 1]), waves[i])
        assert torch.equal(tx.last_layer_grid, refs[i])
    assert torch.equal(tx([tbs[1:2]]), waves[1])           # the step-by-step path
    assert torch.equal(tx.last_layer_grid, refs[1])
    assert torch.equal(tx(tbs), torch.cat(waves))           # batch 3
    assert torch.equal(tx.last_grid, torch.cat(refs))
    assert torch.equal(tx(tbs[2:]), waves[2])


def test_call_skips_module_call_only_where_it_would_do_nothing_else() -> None:
    """``tx(tb)`` runs ``forward`` directly where ``Module.__call__`` would do only that;
    hooks of the module, global module hooks and a subclass's own ``__call__`` still run
    (a pre-hook's new input and a forward hook's new output are used), with the same
    waveform as ``forward`` (the level-1 chain's, TS 38.211 §5.3.1) either way."""
    from torch.nn.modules import module as torch_module

    c = CarrierConfig(n_size_grid=10, subcarrier_spacing=30)
    p = PDSCHConfig(prb_set=range(10), n_layers=2, modulation="256QAM", target_code_rate=0.8)
    tx = PDSCHTransmitter(c, p)
    gen = torch.Generator().manual_seed(18)
    tbs = torch.randint(0, 2, (2, p.tb_sizes[0]), dtype=torch.uint8, generator=gen)
    waves = [ofdm_modulate(reference_grid(c, p, [tbs[i:i + 1]], 1), c, nfft=tx.nfft)
             for i in range(2)]
    assert torch.equal(tx(tbs[:1], 1), waves[0])
    assert torch.equal(tx(tbs[:1], rv=1), waves[0])
    seen: list[object] = []
    register = [
        lambda: tx.register_forward_pre_hook(
            lambda m, a: (seen.append(m), (tbs[1:], a[1]))[1]),
        lambda: tx.register_forward_hook(lambda m, a, out: (seen.append(m), waves[1])[1]),
        lambda: torch_module.register_module_forward_pre_hook(
            lambda m, a: (seen.append(m), (tbs[1:], a[1]))[1] if m is tx else None),
        lambda: torch_module.register_module_forward_hook(
            lambda m, a, out: (seen.append(m), waves[1])[1] if m is tx else None),
    ]
    for reg in register:
        handle = reg()
        try:
            got = tx(tbs[:1], 1)
        finally:
            handle.remove()
        assert seen == [tx] and torch.equal(got, waves[1])
        seen.clear()
        assert torch.equal(tx(tbs[:1], 1), waves[0]) and not seen

    class Counted(PDSCHTransmitter):
        def __call__(self, *args, **kwargs):
            seen.append(self)
            return super().__call__(*args, **kwargs)

    sub = Counted(c, p)
    assert torch.equal(sub(tbs[1:], 1), waves[1]) and seen == [sub]
