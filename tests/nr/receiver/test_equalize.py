"""Tests of softran.nr.receiver.equalize: brute-force references, post-SINR against Monte
Carlo, MMSE-IRC against MMSE with an interferer, LLR calibration, bad inputs."""

from __future__ import annotations

import math

import numpy as np
import pytest
import torch
from hypothesis import given, settings
from hypothesis import strategies as st

from softran.nr.modulation import symbol_demodulate, symbol_modulate
from softran.nr.receiver import mmse_equalize, mrc_combine, noise_covariance, zf_equalize


def cgauss(shape: tuple[int, ...], gen: torch.Generator, var: float = 1.0,
           dtype: torch.dtype = torch.complex64) -> torch.Tensor:
    re = torch.randn(shape, generator=gen, dtype=torch.float64)
    im = torch.randn(shape, generator=gen, dtype=torch.float64)
    return (math.sqrt(var / 2) * torch.complex(re, im)).to(dtype)


def qpsk(shape: tuple[int, ...], gen: torch.Generator) -> torch.Tensor:
    bits = torch.randint(0, 2, (*shape[:-1], 2 * shape[-1]), generator=gen, dtype=torch.uint8)
    return symbol_modulate(bits, "QPSK")


def numpy_mmse(y: np.ndarray, h: np.ndarray, r: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Per-RE textbook unbiased MMSE: W = (H^H R^-1 H + I)^-1 H^H R^-1."""
    n_re = y.shape[-1]
    n_l = h.shape[1]
    x = np.zeros((n_l, n_re), complex)
    nv = np.zeros((n_l, n_re))
    for n in range(n_re):
        hn, rn = h[:, :, n], r[:, :, n]
        ri = np.linalg.inv(rn)
        w = np.linalg.inv(hn.conj().T @ ri @ hn + np.eye(n_l)) @ hn.conj().T @ ri
        d = np.real(np.diag(w @ hn))
        x[:, n] = (w @ y[:, n]) / d
        nv[:, n] = (1 - d) / d
    return x, nv


@settings(max_examples=25, deadline=None)
@given(n_rx=st.integers(1, 8), n_layers=st.integers(1, 4), seed=st.integers(0, 2**31 - 1))
def test_mmse_matches_numpy_reference(n_rx, n_layers, seed):
    gen = torch.Generator().manual_seed(seed)
    n_re = 7
    h = cgauss((n_rx, n_layers, n_re), gen, dtype=torch.complex128)
    y = cgauss((n_rx, n_re), gen, dtype=torch.complex128)
    a = cgauss((n_rx, n_rx, n_re), gen, dtype=torch.complex128)
    r = torch.einsum("ijn,kjn->ikn", a, a.conj()) + 0.1 * torch.eye(n_rx)[..., None]
    x, nv = mmse_equalize(y, h, r)
    x_ref, nv_ref = numpy_mmse(y.numpy(), h.numpy(), r.numpy())
    assert np.allclose(x.numpy(), x_ref, atol=1e-8) and np.allclose(nv.numpy(), nv_ref, rtol=1e-8)
    # per-antenna noise variances are the diagonal covariance
    s2 = torch.rand(n_rx, generator=gen, dtype=torch.float64) + 0.1
    x2, nv2 = mmse_equalize(y, h, s2)
    x_ref, nv_ref = numpy_mmse(y.numpy(), h.numpy(),
                               np.repeat(np.diag(s2.numpy())[..., None], n_re, -1))
    assert np.allclose(x2.numpy(), x_ref, atol=1e-8) and np.allclose(nv2.numpy(), nv_ref)


def test_zf_and_mrc_match_closed_forms():
    gen = torch.Generator().manual_seed(1)
    h = cgauss((4, 3, 9), gen, dtype=torch.complex128)
    y = cgauss((4, 9), gen, dtype=torch.complex128)
    x, nv = zf_equalize(y, h, 0.5)
    hp = h.permute(2, 0, 1)
    x_ref = torch.linalg.pinv(hp) @ y.T[..., None]
    g_inv = torch.linalg.inv(hp.mH @ hp)
    assert torch.allclose(x, x_ref[..., 0].T, atol=1e-10)
    assert torch.allclose(nv, 0.5 * torch.diagonal(g_inv, dim1=-2, dim2=-1).real.T)
    h1 = h[:, :1]
    x1, nv1 = mrc_combine(y, h1, 0.5)
    gain = (h1[:, 0].abs() ** 2).sum(0)
    assert torch.allclose(x1[0], (h1[:, 0].conj() * y).sum(0) / gain)
    assert torch.allclose(nv1[0], 0.5 / gain)
    # one layer: MMSE (unbiased) = MRC = ZF
    xm, nvm = mmse_equalize(y, h1, 0.5)
    assert torch.allclose(xm, x1) and torch.allclose(nvm, nv1)


def test_noiseless_recovery_4x4_and_batch_dims():
    gen = torch.Generator().manual_seed(2)
    h = cgauss((3, 4, 4, 200), gen)
    x = qpsk((3, 4, 200), gen)
    y = torch.einsum("brln,bln->brn", h, x)
    xh, nv = mmse_equalize(y, h, 1e-6)
    assert xh.shape == (3, 4, 200) and nv.shape == (3, 4, 200)
    assert torch.allclose(xh, x, atol=2e-2)
    assert float(nv.median()) < 1e-4
    xz, _ = zf_equalize(y, h)
    assert torch.allclose(xz, x, atol=2e-2)


def test_post_sinr_matches_monte_carlo():
    """Fixed channel per RE column, 4 rx x 2 layers: the error variance of the unbiased
    estimate over many noise/symbol draws equals noise_var_eff = 1/SINR."""
    gen = torch.Generator().manual_seed(3)
    n_ch, n_draw, nv = 6, 4000, 0.3
    h = cgauss((4, 2, n_ch), gen).repeat_interleave(n_draw, -1)
    x = qpsk((2, n_ch * n_draw), gen)
    y = torch.einsum("rln,ln->rn", h, x) + cgauss((4, n_ch * n_draw), gen, nv)
    xh, nve = mmse_equalize(y, h, nv)
    err = (xh - x).abs().square().reshape(2, n_ch, n_draw)
    pred = nve.reshape(2, n_ch, n_draw)[..., 0]
    emp = err.mean(-1)
    tol = 6 / math.sqrt(n_draw)         # |error|^2 has a relative std of about 1
    assert torch.allclose(emp / pred, torch.ones_like(pred), atol=tol)
    # unbiased: E[x_hat x^*] = 1
    gain = (xh * x.conj()).real.reshape(2, n_ch, n_draw).mean(-1)
    tol_gain = 5 * math.sqrt(float(pred.max()) / n_draw)
    assert torch.allclose(gain, torch.ones_like(gain), atol=tol_gain)


def test_irc_beats_mmse_with_strong_interferer():
    """4 rx, 2 layers, a rank-1 interferer 20 dB above the noise: MMSE-IRC with the
    covariance estimated from DM-RS-like residuals beats MMSE with the noise variance."""
    gen = torch.Generator().manual_seed(4)
    n_re, nv = 2000, 0.01
    h = cgauss((4, 2, 1), gen).expand(4, 2, n_re)
    g_int = cgauss((4, 1), gen)
    x = qpsk((2, n_re), gen)
    s_int = qpsk((1, n_re), gen) * math.sqrt(100 * nv)
    y = torch.einsum("rln,ln->rn", h, x) + g_int * s_int + cgauss((4, n_re), gen, nv)
    # covariance from 96 "reference" REs with known symbols and the true channel
    grid = y[:, None, :96]                                       # [rx, 1 symbol, 96]
    ind = torch.stack([torch.arange(96), 96 + torch.arange(96)])
    h_grid = h[:, :, None, :96]
    r = noise_covariance(grid, h_grid, ind, x[:, :96], prb_block=8)
    assert r.shape == (4, 4, 1)
    x_irc, nv_irc = mmse_equalize(y, h, r)
    x_mmse, nv_mmse = mmse_equalize(y, h, float(nv + 100 * nv * (g_int.abs() ** 2).mean()))
    e_irc = (x_irc - x).abs().square().mean(-1)
    e_mmse = (x_mmse - x).abs().square().mean(-1)
    assert bool((e_irc * 5 < e_mmse).all())
    # the predicted error variance is of the right size (the loading and the 96-sample
    # covariance estimate make it conservative)
    ratio = e_irc / nv_irc.mean(-1)
    assert bool(((ratio > 0.5) & (ratio < 1.5)).all())


def test_llr_calibration():
    """symbol_demodulate(x_hat, QPSK, noise_var_eff): P(correct) = 1/(1 + e^-|LLR|) on
    average equals the empirical hard-decision accuracy."""
    gen = torch.Generator().manual_seed(5)
    n_re, nv = 20000, 1.0
    h = cgauss((4, 2, n_re), gen)
    bits = torch.randint(0, 2, (2, 2 * n_re), generator=gen, dtype=torch.uint8)
    x = symbol_modulate(bits, "QPSK")
    y = torch.einsum("rln,ln->rn", h, x) + cgauss((4, n_re), gen, nv)
    xh, nve = mmse_equalize(y, h, nv)
    llr = symbol_demodulate(xh, "QPSK", nve)
    correct = ((llr < 0).to(torch.uint8) == bits).double()
    pred = torch.sigmoid(llr.abs().double())
    for lo, hi in ((0.5, 0.7), (0.7, 0.9), (0.9, 0.99)):
        sel = (pred >= lo) & (pred < hi)
        n = int(sel.sum())
        assert n > 500
        p = float(pred[sel].mean())
        assert abs(float(correct[sel].mean()) - p) < 4 * math.sqrt(p * (1 - p) / n)


def test_zero_channel_gives_zero_and_infinite_variance():
    h = torch.zeros(2, 1, 3, dtype=torch.complex64)
    h[:, :, 1] = 1.0
    y = torch.ones(2, 3, dtype=torch.complex64)
    x, nv = mmse_equalize(y, h, 0.1)
    assert x[0, 0] == 0 and math.isinf(float(nv[0, 0])) and math.isfinite(float(nv[0, 1]))


def test_bad_inputs():
    h = torch.ones(2, 1, 3, dtype=torch.complex64)
    y = torch.ones(2, 3, dtype=torch.complex64)
    with pytest.raises(TypeError, match="y"):
        mmse_equalize(y.real, h, 1.0)
    with pytest.raises(ValueError, match="does not match"):
        mmse_equalize(y[:, :2], h, 1.0)
    with pytest.raises(ValueError, match="noise"):
        mmse_equalize(y, h, 0.0)
    with pytest.raises(ValueError, match="noise variances"):
        mmse_equalize(y, h, torch.tensor([1.0, -1.0]))
    with pytest.raises(ValueError, match="broadcast"):
        mmse_equalize(y, h, torch.ones(3))
    with pytest.raises(TypeError, match="noise"):
        mmse_equalize(y, h, "awgn")
    with pytest.raises(ValueError, match="positive definite"):
        mmse_equalize(y, h, -torch.eye(2, dtype=torch.complex64)[..., None])
    with pytest.raises(ValueError, match="covariance must have shape"):
        mmse_equalize(y, h, torch.eye(2, dtype=torch.complex64)[..., None].expand(2, 2, 2))
    with pytest.raises(ValueError, match="one layer"):
        mrc_combine(y, torch.ones(2, 2, 3, dtype=torch.complex64))


def test_equalizers_refuse_non_finite_inputs():
    y = torch.ones(1, 2, 4, dtype=torch.complex64)
    h = torch.ones(1, 2, 1, 4, dtype=torch.complex64)
    h[0, 1, 0, 2] = complex(float("nan"), 0.0)
    for eq in (lambda: mmse_equalize(y, h, 0.1), lambda: zf_equalize(y, h)):
        with pytest.raises(ValueError, match=r"h contains NaN \(first at index \(0, 1, 0, 2\)\)"):
            eq()
    y[0, 0, 0] = complex(float("inf"), 0.0)
    with pytest.raises(ValueError, match=r"y contains inf"):
        mrc_combine(y, torch.ones(1, 2, 1, 4, dtype=torch.complex64))
