"""Tests of softran.nr.receiver.timing: a delay applied to an OFDM waveform (TS 38.211
§5.3.1 modulation, delay within the cyclic prefix) is estimated from the DM-RS phase
slope and removed."""

from __future__ import annotations

import math

import pytest
import torch

from softran.nr.config import CarrierConfig
from softran.nr.ofdm import ofdm_demodulate, ofdm_info, ofdm_modulate
from softran.nr.receiver import timing_correct, timing_estimate

N_SYM = 14


def comb_references(n_prb: int, n_layers: int = 2, seed: int = 0
                    ) -> tuple[torch.Tensor, torch.Tensor, int]:
    """Type-1 comb (k = 4n + 2k'), FD-OCC for layer 1, DM-RS symbols 2 and 11."""
    k_grid = 12 * n_prb
    gen = torch.Generator().manual_seed(seed)
    k = torch.arange(0, k_grid, 2)
    bits = torch.randint(0, 2, (2, 2 * k.numel()), generator=gen)
    base = ((1 - 2 * bits[0]) + 1j * (1 - 2 * bits[1])) / math.sqrt(2)
    inds, syms = [], []
    for p in range(n_layers):
        wf = torch.tensor([1.0, -1.0 if p else 1.0]).repeat(k.numel() // 2 * 2)
        inds.append(torch.cat([p * N_SYM * k_grid + l * k_grid + k for l in (2, 11)]))
        syms.append(base * wf)
    return torch.stack(inds), torch.stack(syms).to(torch.complex64), k_grid


def tx_grid(ind: torch.Tensor, sym: torch.Tensor, k_grid: int, h: torch.Tensor) -> torch.Tensor:
    """Single-antenna grid Σ_p h_p x_p (h [P] complex constants)."""
    x = torch.zeros(ind.shape[0] * N_SYM * k_grid, dtype=torch.complex64)
    x[ind.flatten()] = sym.flatten()
    return (x.reshape(-1, N_SYM, k_grid) * h[:, None, None]).sum(0, keepdim=True)


@pytest.mark.parametrize("delay_samples", [-3, 0, 5, 17])
def test_integer_sample_delay_of_ofdm_waveform(delay_samples):
    carrier = CarrierConfig(subcarrier_spacing=30, n_size_grid=24)
    info = ofdm_info(carrier)
    ind, sym, k_grid = comb_references(24)
    grid = tx_grid(ind, sym, k_grid, torch.tensor([0.8 + 0.3j, -0.2 + 0.5j]))
    wave = ofdm_modulate(grid, carrier)
    delayed = torch.roll(wave, delay_samples, -1)              # circular: stays inside the CP
    rx = ofdm_demodulate(delayed, carrier)
    est = timing_estimate(rx, ind, sym, 30e3, sample_rate=info.sample_rate)
    assert est.shape == () and abs(float(est) - delay_samples) < 0.01
    est_s = timing_estimate(rx, ind, sym, 30e3)
    assert abs(float(est_s) - delay_samples / info.sample_rate) < 0.01 / info.sample_rate
    fixed = timing_correct(rx, est_s, 30e3)
    assert torch.allclose(fixed, grid, atol=2e-3)


def test_noisy_estimate_unbiased_and_batched():
    ind, sym, k_grid = comb_references(10)
    gen = torch.Generator().manual_seed(1)
    batch, tau, scs, nv = 200, 0.3e-6, 30e3, 0.5
    grid = tx_grid(ind, sym, k_grid, torch.tensor([1.0 + 0j, 0.5j]))
    rx = timing_correct(grid.expand(batch, 2, N_SYM, k_grid), -tau, scs)   # apply a delay
    noise = math.sqrt(nv / 2) * torch.complex(torch.randn(rx.shape, generator=gen),
                                              torch.randn(rx.shape, generator=gen))
    est = timing_estimate(rx + noise, ind, sym, scs)
    assert est.shape == (batch,)
    assert abs(float(est.mean()) - tau) < 4 * float(est.std()) / math.sqrt(batch)


def test_timing_correct_round_trip_and_broadcast():
    gen = torch.Generator().manual_seed(2)
    g = torch.complex(torch.randn(3, 2, 4, 48, generator=gen),
                      torch.randn(3, 2, 4, 48, generator=gen))
    tau = torch.tensor([1e-7, -2e-7, 3e-7])
    moved = timing_correct(g, tau[:, None], 15e3)
    assert torch.allclose(timing_correct(moved, -tau[:, None], 15e3), g, atol=1e-5)
    k = torch.arange(48) - 24                                   # f_k = (k - K/2) Δf
    rot = torch.exp(2j * math.pi * k * 15e3 * -2e-7).to(torch.complex64)
    assert torch.allclose(moved[1, 0, 0], g[1, 0, 0] * rot, atol=1e-5)
    assert torch.allclose(moved[1, 1, 3], g[1, 1, 3] * rot, atol=1e-5)


def test_bad_inputs():
    ind, sym, k_grid = comb_references(2)
    rx = torch.zeros(1, N_SYM, k_grid, dtype=torch.complex64)
    with pytest.raises(ValueError, match="subcarrier_spacing"):
        timing_estimate(rx, ind, sym, 0.0)
    with pytest.raises(ValueError, match="sample_rate"):
        timing_estimate(rx, ind, sym, 30e3, sample_rate=-1.0)
    with pytest.raises(TypeError, match="rx_grid"):
        timing_estimate(rx.real, ind, sym, 30e3)
    with pytest.raises(ValueError, match="at least 2"):
        timing_estimate(rx, ind[:, :2], sym[:, :2], 30e3)
    with pytest.raises(ValueError, match="delay"):
        timing_correct(rx, float("nan"), 30e3)
    with pytest.raises(ValueError, match="broadcast"):
        timing_correct(rx, torch.zeros(3), 30e3)
    with pytest.raises(TypeError, match="delay"):
        timing_correct(rx, torch.zeros(1, dtype=torch.int64), 30e3)
    with pytest.raises(TypeError, match="grid"):
        timing_correct(rx.real, 0.0, 30e3)
