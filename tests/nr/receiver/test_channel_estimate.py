"""Tests of softran.nr.receiver.channel_estimate and noise_covariance with a synthetic
type-1 DM-RS (TS 38.211 §6.4.1.1.3: k = 4n + 2k' + Δ, FD-OCC w_f(k') over k' = 0, 1)."""

from __future__ import annotations

import math

import pytest
import torch

from softran.nr.receiver import channel_estimate, noise_covariance

N_SYM = 14
DMRS_SYMBOLS = (2, 11)


def dmrs_type1(n_prb: int, n_layers: int, *, first_prb: int = 0, n_prb_grid: int | None = None,
               symbols: tuple[int, ...] = DMRS_SYMBOLS, seed: int = 0
               ) -> tuple[torch.Tensor, torch.Tensor, int]:
    """(ref_indices [P, n_ref], ref_symbols [P, n_ref], K): layers 0/1 in CDM group 0
    (Δ = 0), layers 2/3 in CDM group 1 (Δ = 1); odd layers carry w_f = (+1, -1)."""
    k_grid = 12 * (n_prb_grid or n_prb)
    gen = torch.Generator().manual_seed(seed)
    n = torch.arange(3 * n_prb) + 3 * first_prb
    inds, syms = [], []
    base = {}
    for p in range(n_layers):
        delta = (p // 2) % 2
        k = torch.stack([4 * n + delta, 4 * n + 2 + delta], -1).flatten()   # k' = 0, 1
        wf = torch.tensor([1.0, -1.0 if p % 2 else 1.0]).repeat(3 * n_prb)
        if delta not in base:
            bits = torch.randint(0, 2, (2, len(symbols) * k.numel()), generator=gen)
            base[delta] = ((1 - 2 * bits[0]) + 1j * (1 - 2 * bits[1])) / math.sqrt(2)
        inds.append(torch.cat([p * N_SYM * k_grid + l * k_grid + k for l in symbols]))
        syms.append(base[delta] * wf.repeat(len(symbols)))
    return torch.stack(inds), torch.stack(syms).to(torch.complex64), k_grid


def transmit(h: torch.Tensor, ind: torch.Tensor, sym: torch.Tensor, k_grid: int) -> torch.Tensor:
    """rx grid Σ_p h_p x_p for h [..., R, P, S, K] and the references as the only signal."""
    n_layers = ind.shape[0]
    x = torch.zeros(n_layers * N_SYM * k_grid, dtype=torch.complex64)
    x[ind.flatten()] = sym.flatten()
    x = x.reshape(n_layers, N_SYM, k_grid)
    return (h * x).sum(-3)


def awgn(shape: tuple[int, ...], nv: float, gen: torch.Generator) -> torch.Tensor:
    return math.sqrt(nv / 2) * torch.complex(torch.randn(shape, generator=gen),
                                            torch.randn(shape, generator=gen))


def tap_channel(batch: int, n_rx: int, n_layers: int, k_grid: int, delays: list[float],
                gen: torch.Generator) -> torch.Tensor:
    """Static multi-tap channel, delays in units of 1/(K Δf): [B, R, P, S, K]."""
    taps = awgn((batch, n_rx, n_layers, len(delays)), 1.0 / len(delays), gen)
    k = torch.arange(k_grid, dtype=torch.float64)
    ph = torch.exp(-2j * math.pi * torch.tensor(delays, dtype=torch.float64)[:, None] * k / k_grid)
    h = (taps.to(torch.complex128)[..., None] * ph).sum(-2).to(torch.complex64)
    return h[..., None, :].expand(batch, n_rx, n_layers, N_SYM, k_grid)


def test_flat_channel_two_layers_exact_and_zero_outside():
    ind, sym, k_grid = dmrs_type1(4, 2, first_prb=1, n_prb_grid=6)
    gen = torch.Generator().manual_seed(1)
    h_true = awgn((2, 2, 1, 1), 1.0, gen).expand(2, 2, N_SYM, k_grid)
    rx = transmit(h_true, ind, sym, k_grid)
    h, nv = channel_estimate(rx, ind, sym)
    assert h.shape == (2, 2, N_SYM, k_grid) and h.dtype == torch.complex64
    inside = slice(12, 60)                                     # PRBs 1..4
    assert torch.allclose(h[..., inside], h_true[..., inside], atol=1e-4)
    assert bool((h[..., :12] == 0).all()) and bool((h[..., 60:] == 0).all())
    assert float(nv.max()) < 1e-10


def test_cdm_despreading_separates_block_constant_layers_exactly():
    """Channels that change randomly from one CDM block to the next (constant over each)
    are separated exactly; without smoothing the estimate at each block centre is exact."""
    n_prb = 3
    ind, sym, k_grid = dmrs_type1(n_prb, 2)
    gen = torch.Generator().manual_seed(2)
    blocks = awgn((3, 2, 1, 3 * n_prb), 1.0, gen)              # [R, P, 1, block]
    h_true = blocks.repeat_interleave(4, -1).expand(3, 2, N_SYM, k_grid)
    rx = transmit(h_true, ind, sym, k_grid)
    h, _ = channel_estimate(rx, ind, sym, freq_smoothing=1, timing_compensation=False)
    centres = torch.arange(3 * n_prb) * 4 + 1                  # k = 4n + 1: centre of 4n, 4n+2
    assert torch.allclose(h[..., 2, centres], blocks[..., 0, :], atol=1e-5)
    # the despread value is the block's own channel: no trace of the other layer
    assert torch.allclose(h[:, 0, 2, centres], blocks[:, 0, 0], atol=1e-5)
    assert torch.allclose(h[:, 1, 2, centres], blocks[:, 1, 0], atol=1e-5)


def test_four_layers_two_cdm_groups_exact():
    ind, sym, k_grid = dmrs_type1(2, 4)
    gen = torch.Generator().manual_seed(3)
    h_true = awgn((4, 4, 1, 1), 1.0, gen).expand(4, 4, N_SYM, k_grid)
    h, _ = channel_estimate(transmit(h_true, ind, sym, k_grid), ind, sym)
    assert torch.allclose(h, h_true, atol=1e-4)


def test_common_delay_removed_before_despreading():
    """A 1 µs-like timing offset (slope 0.2 rad/subcarrier) on both layers: recovered
    exactly thanks to the slope compensation, not without it."""
    ind, sym, k_grid = dmrs_type1(6, 2)
    gen = torch.Generator().manual_seed(4)
    k = torch.arange(k_grid)
    slope = torch.exp(-0.2j * k).to(torch.complex64)
    h_true = (awgn((2, 2, 1, 1), 1.0, gen) * slope).expand(2, 2, N_SYM, k_grid)
    rx = transmit(h_true, ind, sym, k_grid)
    h, _ = channel_estimate(rx, ind, sym)
    assert torch.allclose(h, h_true, atol=2e-3)
    h_nc, _ = channel_estimate(rx, ind, sym, timing_compensation=False)
    assert float((h_nc - h_true).abs().max()) > 0.05


def test_time_interpolation_linear_and_average():
    ind, sym, k_grid = dmrs_type1(2, 1)
    l = torch.arange(N_SYM, dtype=torch.float32)
    h_true = ((1 + 0.5j) + (0.1 - 0.05j) * l)[:, None].expand(1, 1, N_SYM, k_grid)
    h_true = h_true.to(torch.complex64)
    rx = transmit(h_true, ind, sym, k_grid)
    h, _ = channel_estimate(rx, ind, sym)
    expect = h_true.clone()
    expect[..., :2, :] = h_true[..., 2:3, :]                    # hold before symbol 2
    expect[..., 12:, :] = h_true[..., 11:12, :]                 # hold after symbol 11
    assert torch.allclose(h, expect, atol=1e-4)
    h_avg, _ = channel_estimate(rx, ind, sym, time_interpolation="average")
    mean = (h_true[..., 2, :] + h_true[..., 11, :]) / 2
    assert torch.allclose(h_avg, mean[..., None, :].expand_as(h_avg), atol=1e-4)


def test_double_symbol_td_cdm():
    """Double-symbol DM-RS with w_t = (+1, -1) for layer 1: td = 2 despreads in time."""
    ind0, sym0, k_grid = dmrs_type1(2, 1, symbols=(2, 3))
    ind = torch.stack([ind0[0], ind0[0] + N_SYM * k_grid])
    wt = torch.tensor([1.0] * 12 + [-1.0] * 12)                  # 12 references per symbol
    sym = torch.stack([sym0[0], sym0[0] * wt])                   # same REs, time cover only
    gen = torch.Generator().manual_seed(5)
    h_true = awgn((2, 2, 1, 1), 1.0, gen).expand(2, 2, N_SYM, k_grid)
    rx = transmit(h_true, ind, sym, k_grid)
    h, _ = channel_estimate(rx, ind, sym, cdm_lengths=(2, 2))
    assert torch.allclose(h, h_true, atol=1e-4)


@pytest.mark.parametrize("n_avg", [1, 5])
def test_mse_matches_theory_flat_awgn(n_avg):
    """Flat channel in AWGN, moving average of n blocks: the error at an interior block
    centre of a DM-RS symbol is σ²/(2 n) (2 REs per CDM block, |r| = 1)."""
    n_prb, batch, nv = 17, 40, 0.5
    ind, sym, k_grid = dmrs_type1(n_prb, 1)
    gen = torch.Generator().manual_seed(6)
    h_true = awgn((batch, 2, 1, 1, 1), 1.0, gen).expand(batch, 2, 1, N_SYM, k_grid)
    rx = transmit(h_true, ind, sym, k_grid) + awgn((batch, 2, N_SYM, k_grid), nv, gen)
    h, _ = channel_estimate(rx, ind, sym, freq_smoothing=n_avg, timing_compensation=False)
    centres = torch.arange(3, 3 * n_prb - 3) * 4 + 1
    err = (h - h_true)[..., 2, centres].abs().square()
    mse = float(err.mean())
    theory = nv / (2 * n_avg)
    n_eff = err.numel() / n_avg                                # overlapping windows correlate
    assert abs(mse / theory - 1) < 5 / math.sqrt(n_eff)


def test_noise_variance_unbiased():
    """Three-tap channel (delays 0, 1, 2 / (K Δf)), AWGN σ² = 0.1, 2 layers, 2 rx."""
    n_prb, batch, nv_true = 8, 60, 0.1
    ind, sym, k_grid = dmrs_type1(n_prb, 2)
    gen = torch.Generator().manual_seed(7)
    h_true = tap_channel(batch, 2, 2, k_grid, [0.0, 1.0, 2.0], gen)
    rx = transmit(h_true, ind, sym, k_grid) + awgn((batch, 2, N_SYM, k_grid), nv_true, gen)
    _, nv = channel_estimate(rx, ind, sym)
    assert nv.shape == (batch, 2) and nv.dtype == torch.float32
    est = nv.flatten()
    assert abs(float(est.mean()) - nv_true) < 4 * float(est.std()) / math.sqrt(est.numel())


def test_auto_smoothing_beats_ls_at_low_snr_and_not_worse_at_high():
    n_prb, batch = 25, 10
    ind, sym, k_grid = dmrs_type1(n_prb, 1)
    gen = torch.Generator().manual_seed(8)
    h_true = tap_channel(batch, 2, 1, k_grid, [0.0, 0.5, 1.5], gen)
    for nv, gain in ((2.0, 4.0), (1e-3, 1.0)):
        rx = transmit(h_true, ind, sym, k_grid) + awgn((batch, 2, N_SYM, k_grid), nv, gen)
        e_auto = float((channel_estimate(rx, ind, sym)[0] - h_true).abs().square().mean())
        h1, _ = channel_estimate(rx, ind, sym, freq_smoothing=1)
        e_ls = float((h1 - h_true).abs().square().mean())
        assert e_auto * gain < e_ls * 1.05


def test_given_delay_spread_and_batch_consistency():
    ind, sym, k_grid = dmrs_type1(4, 2)
    gen = torch.Generator().manual_seed(9)
    h_true = tap_channel(3, 2, 2, k_grid, [0.0, 1.0], gen)
    rx = transmit(h_true, ind, sym, k_grid) + awgn((3, 2, N_SYM, k_grid), 0.01, gen)
    h, nv = channel_estimate(rx, ind, sym, delay_spread=1e-7, subcarrier_spacing=30e3)
    for b in range(3):
        hb, nvb = channel_estimate(rx[b], ind, sym, delay_spread=1e-7, subcarrier_spacing=30e3)
        assert torch.allclose(h[b], hb, atol=1e-5) and torch.allclose(nv[b], nvb, rtol=1e-5)


def test_noise_covariance_coloured_noise_with_true_channel():
    """With the true channel the residual is the disturbance: R matches its covariance."""
    n_prb, nv = 12, 0.2
    ind, sym, k_grid = dmrs_type1(n_prb, 2)
    gen = torch.Generator().manual_seed(10)
    h_true = tap_channel(1, 2, 2, k_grid, [0.0, 1.0], gen)[0]
    a = torch.tensor([[1.0, 0.0], [0.6 + 0.3j, 0.5]], dtype=torch.complex64)
    r_true = (a @ a.mH) * nv
    n = torch.einsum("ij,jsk->isk", a, awgn((2, N_SYM, k_grid), nv, gen))
    rx = transmit(h_true, ind, sym, k_grid) + n
    r = noise_covariance(rx, h_true, ind, sym, prb_block=n_prb, loading=0.0)
    assert r.shape == (2, 2, 1)
    n_samples = 2 * 6 * n_prb                                  # 2 symbols x 6 REs per PRB
    assert torch.allclose(r[..., 0], r_true, atol=4 * nv / math.sqrt(n_samples))
    blocks = noise_covariance(rx, h_true, ind, sym, prb_block=4)
    assert blocks.shape == (2, 2, 3)
    assert torch.equal(blocks, blocks.permute(1, 0, 2).conj())   # Hermitian per block


@pytest.mark.parametrize("smoothing", [1, "auto"])
def test_noise_covariance_bias_corrected_with_estimated_channel(smoothing):
    """The residual after an estimated channel is biased low (unsmoothed despreading
    removes about half the noise power); scaling by the channel estimator's noise
    variance removes the bias."""
    n_prb, nv, batch = 12, 0.1, 30
    ind, sym, k_grid = dmrs_type1(n_prb, 1)
    gen = torch.Generator().manual_seed(11)
    h_true = tap_channel(batch, 2, 1, k_grid, [0.0, 1.0], gen)
    rx = transmit(h_true, ind, sym, k_grid) + awgn((batch, 2, N_SYM, k_grid), nv, gen)
    h, nv_hat = channel_estimate(rx, ind, sym, freq_smoothing=smoothing)
    raw = noise_covariance(rx, h, ind, sym, prb_block=n_prb, loading=0.0)
    fixed = noise_covariance(rx, h, ind, sym, prb_block=n_prb, loading=0.0, noise_var=nv_hat)
    d_raw = torch.diagonal(raw[..., 0], dim1=-2, dim2=-1).real.mean()
    d_fix = torch.diagonal(fixed[..., 0], dim1=-2, dim2=-1).real.mean()
    if smoothing == 1:
        assert float(d_raw) < 0.7 * nv                          # biased low
    assert abs(float(d_fix) / nv - 1) < 0.1
    loaded = noise_covariance(rx, h, ind, sym, prb_block=n_prb, loading=0.5, noise_var=nv_hat)
    eye = torch.eye(2)[..., None]
    diff = loaded - fixed                                       # 0.5 tr(R)/2 on the diagonal
    expect = 0.5 * torch.diagonal(fixed, dim1=-3, dim2=-2).real.mean(-1)
    assert torch.allclose(diff, (expect[..., None, None, :] * eye).to(diff.dtype), atol=1e-6)


def test_bad_inputs():
    ind, sym, k_grid = dmrs_type1(2, 2)
    rx = torch.zeros(1, N_SYM, k_grid, dtype=torch.complex64)
    with pytest.raises(TypeError, match="rx_grid"):
        channel_estimate(rx.real, ind, sym)
    with pytest.raises(TypeError, match="ref_indices"):
        channel_estimate(rx, ind.float(), sym)
    with pytest.raises(ValueError, match="ref_symbols"):
        channel_estimate(rx, ind, sym[:, :-1])
    with pytest.raises(ValueError, match="layer p"):
        channel_estimate(rx, ind.flip(0), sym)
    with pytest.raises(ValueError, match="sorted"):
        channel_estimate(rx, ind.flip(1), sym)
    with pytest.raises(ValueError, match="0.."):
        channel_estimate(rx, ind + 10 ** 6, sym)
    with pytest.raises(ValueError, match="fd"):
        channel_estimate(rx, ind, sym, cdm_lengths=(5, 1))
    with pytest.raises(ValueError, match="same number"):
        channel_estimate(rx, ind[:, :-1], sym[:, :-1])
    with pytest.raises(ValueError, match="td"):
        channel_estimate(rx, ind, sym, cdm_lengths=(2, 2))
    with pytest.raises(ValueError, match="freq_smoothing"):
        channel_estimate(rx, ind, sym, freq_smoothing=4)
    with pytest.raises(TypeError, match="freq_smoothing"):
        channel_estimate(rx, ind, sym, freq_smoothing=2.0)
    with pytest.raises(ValueError, match="freq_smoothing"):
        channel_estimate(rx, ind, sym, freq_smoothing="dft")
    with pytest.raises(ValueError, match="time_interpolation"):
        channel_estimate(rx, ind, sym, time_interpolation="spline")
    with pytest.raises(ValueError, match="subcarrier_spacing"):
        channel_estimate(rx, ind, sym, delay_spread=1e-7)
    with pytest.raises(ValueError, match="ref_symbols"):
        channel_estimate(rx, ind, torch.zeros_like(sym))
    one = dmrs_type1(1, 1)
    with pytest.raises(ValueError, match="at least 2"):
        channel_estimate(torch.zeros(1, N_SYM, 12, dtype=torch.complex64), one[0][:, :2],
                         one[1][:, :2])
    with pytest.raises(ValueError, match="h must have shape"):
        noise_covariance(rx, torch.zeros(1, 3, N_SYM, k_grid, dtype=torch.complex64), ind, sym)
    with pytest.raises(ValueError, match="prb_block"):
        noise_covariance(rx, torch.zeros(1, 2, N_SYM, k_grid, dtype=torch.complex64), ind, sym,
                         prb_block=0)
