"""End-to-end tests of PDSCHTransmitter -> channel -> PDSCHReceiver (TS 38.211 §7.3.1, §7.4.1,
TS 38.212 §7.2): the receiver recovers the transport blocks through the shared receiver stages
(DM-RS channel estimate, MMSE(-IRC), LLRs, DL-SCH with HARQ) for 1 to 8 layers.
"""

from __future__ import annotations

import math

import pytest
import torch

from softran.nr.config import CarrierConfig
from softran.nr.pdsch import (
    PDSCHConfig,
    PDSCHDMRSConfig,
    PDSCHPTRSConfig,
    PDSCHReceiver,
    PDSCHTransmitter,
)


def mix(wave: torch.Tensor, n_rx: int, seed: int) -> tuple[torch.Tensor, torch.Tensor]:
    """A fixed random flat MIMO channel H [n_rx, n_tx] (unit average gain per link)."""
    gen = torch.Generator().manual_seed(seed)
    n_tx = wave.shape[1]
    h = torch.randn(n_rx, n_tx, dtype=torch.complex64, generator=gen)
    return torch.einsum("rt,bts->brs", h, wave), h


def tbs_for(p: PDSCHConfig, batch: int, seed: int) -> list[torch.Tensor]:
    gen = torch.Generator().manual_seed(seed)
    return [torch.randint(0, 2, (batch, a), dtype=torch.uint8, generator=gen) for a in p.tb_sizes]


@pytest.mark.parametrize("n_layers, n_rx, dmrs, modulation", [
    (1, 2, {"additional_position": 1}, "64QAM"),
    (2, 2, {"dmrs_type": 2, "additional_position": 2, "num_cdm_groups_without_data": 3},
     "16QAM"),
    (4, 4, {"max_length": 2, "additional_position": 1}, "QPSK"),
])
def test_single_codeword_through_a_mimo_channel(n_layers, n_rx, dmrs, modulation) -> None:
    c = CarrierConfig(n_size_grid=24, subcarrier_spacing=30, n_slot=3)
    p = PDSCHConfig(prb_set=range(24), n_layers=n_layers, modulation=modulation,
                    target_code_rate=0.5, dmrs=PDSCHDMRSConfig(**dmrs))
    tx, rx = PDSCHTransmitter(c, p), PDSCHReceiver(c, p, n_rx)
    (tb,) = tbs_for(p, 2, 1)
    y, _ = mix(tx(tb), n_rx, seed=n_layers)
    gen = torch.Generator().manual_seed(7)
    y = y + 1e-3 * torch.randn(y.shape, dtype=y.dtype, generator=gen)
    out, err = rx(y)
    assert not err.any() and torch.equal(out, tb)


def test_eight_layers_two_codewords_with_ptrs() -> None:
    c = CarrierConfig(n_size_grid=12, subcarrier_spacing=30)
    p = PDSCHConfig(prb_set=range(12), n_layers=8, modulation="16QAM", target_code_rate=0.4,
                    enable_ptrs=True, ptrs=PDSCHPTRSConfig(time_density=2),
                    dmrs=PDSCHDMRSConfig(max_length=2, additional_position=1))
    tx, rx = PDSCHTransmitter(c, p), PDSCHReceiver(c, p, 8, detector="mmse")
    tbs = tbs_for(p, 1, 2)
    y, _ = mix(tx(tbs), 8, seed=3)
    gen = torch.Generator().manual_seed(8)
    y = y + 1e-3 * torch.randn(y.shape, dtype=y.dtype, generator=gen)
    (o0, o1), (e0, e1) = rx(y)
    assert not e0.any() and not e1.any()
    assert torch.equal(o0, tbs[0]) and torch.equal(o1, tbs[1])
    assert rx.last_phase is not None and rx.last_phase.shape == (1, 14)


def test_perfect_csi_and_grid_input() -> None:
    c = CarrierConfig(n_size_grid=10)
    p = PDSCHConfig(prb_set=range(10), n_layers=2, mcs_index=10)
    tx, rx = PDSCHTransmitter(c, p), PDSCHReceiver(c, p, 2)
    (tb,) = tbs_for(p, 2, 4)
    tx(tb)
    h = torch.tensor([[1.0, 0.5j], [0.2, -1.0]], dtype=torch.complex64)
    grid = torch.einsum("rt,btsk->brsk", h, tx.last_grid)
    h_full = h[None, :, :, None, None].expand(2, 2, 2, 14, 120)
    gen = torch.Generator().manual_seed(9)
    noise = torch.randn(grid.shape, dtype=grid.dtype, generator=gen)
    out, err = rx(grid + 1e-3 * noise, h=h_full, noise_var=2e-6)
    assert not err.any() and torch.equal(out, tb)


def test_harq_combining_recovers_a_failed_block() -> None:
    """At an SNR where single transmissions of a QPSK R = 0.5 block fail, the soft buffer of
    four transmissions (RV 0, 2, 3, 1) carries ~6 dB more energy and decodes."""
    c = CarrierConfig(n_size_grid=10)
    p = PDSCHConfig(prb_set=range(10), target_code_rate=0.5)
    tx, rx = PDSCHTransmitter(c, p), PDSCHReceiver(c, p, 1, detector="mmse")
    (tb,) = tbs_for(p, 8, 5)
    gen = torch.Generator().manual_seed(11)
    snr_db = -1.0                                   # QPSK R 1/2 needs ~1 dB in AWGN
    n0 = 10 ** (-snr_db / 10)
    rx.reset_harq(0)
    errors = []
    for rv in (0, 2, 3, 1):
        w = tx(tb, rv)
        y = w + math.sqrt(n0) * torch.randn(w.shape, dtype=w.dtype, generator=gen)
        _, err = rx(y, rv=rv, h=torch.ones(8, 1, 1, 14, 120, dtype=torch.complex64),
                    noise_var=n0)
        errors.append(int(err.sum()))
    assert errors[0] == 8 and errors[-1] == 0
    rx.reset_harq(0)
    assert all(d.soft_buffer(0) is None for d in rx.decoders)


def test_bad_inputs() -> None:
    c = CarrierConfig(n_size_grid=6)
    p = PDSCHConfig(prb_set=range(6), mcs_index=2)
    tx, rx = PDSCHTransmitter(c, p), PDSCHReceiver(c, p, 2)
    with pytest.raises(ValueError, match="tb must have shape"):
        tx(torch.zeros(1, 5, dtype=torch.uint8))
    with pytest.raises(ValueError, match="transport block"):
        tx([torch.zeros(1, p.tb_sizes[0], dtype=torch.uint8)] * 2)
    with pytest.raises(ValueError, match="rv"):
        tx(torch.zeros(1, p.tb_sizes[0], dtype=torch.uint8), rv=4)
    with pytest.raises(ValueError, match="n_rx = 2"):
        rx(torch.zeros(1, 3, 100, dtype=torch.complex64))
    with pytest.raises(ValueError, match="samples"):
        rx(torch.zeros(1, 2, 100, dtype=torch.complex64))
    with pytest.raises(TypeError, match="complex"):
        rx(torch.zeros(1, 2, 100))
    with pytest.raises(ValueError, match="noise_var"):
        rx(torch.zeros(1, 2, 14, 72, dtype=torch.complex64),
           h=torch.ones(1, 2, 1, 14, 72, dtype=torch.complex64))
    with pytest.raises(ValueError, match="precoding"):
        PDSCHTransmitter(c, p, precoding=torch.ones(2, 2, dtype=torch.complex64))
    with pytest.raises(ValueError, match="detector"):
        PDSCHReceiver(c, p, 2, detector="zf")
