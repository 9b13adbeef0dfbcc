"""Gardner clock recovery: lock to a known fractional delay; kernel vs reference."""

import math

import pytest
import torch
from dsp_signals import awgn, dp_qam, shape

from softran.optical.dsp import gardner_clock_recovery, matched_filter
from softran.optical.metrics import align_symbols, snr


def delayed(x, d):
    """Band-limited fractional delay by d samples (circular, frequency domain)."""
    n = x.shape[-1]
    f = torch.fft.fftfreq(n, dtype=torch.float64)
    return torch.fft.ifft(torch.fft.fft(x) * torch.polar(torch.ones(n, dtype=torch.float64),
                                                         -2 * math.pi * f * d))


@pytest.mark.parametrize("d", [0.37, -0.6])
def test_locks_to_fractional_delay(d):
    g = torch.Generator().manual_seed(4)
    n_sym, sps = 8192, 2
    _, s = dp_qam("QPSK", n_sym, g)
    x = matched_filter(awgn(delayed(shape(s, sps, 0.2), d), 18.0, sps, g).to(torch.complex64),
                       sps, 0.2)
    y, tau = gardner_clock_recovery(x, sps)
    assert y.shape == (2, 2 * n_sym) and tau.shape == (n_sym,)
    # the strobe k sps + tau samples the symbol that sits at k sps + d
    assert abs(tau[3000:-200].mean().item() - d) < 0.05
    assert tau[3000:-200].std().item() < 0.05
    # strobes at even samples carry the symbols: high SNR after alignment
    sym = align_symbols(y[:, ::2], s.to(torch.complex64))
    assert (10 * torch.log10(snr(sym[:, 3000:-200], s[:, 3000:-200].to(torch.complex64)))
            > 16.0).all()


def test_numba_matches_torch():
    g = torch.Generator().manual_seed(8)
    _, s = dp_qam("16QAM", 600, g)
    x = matched_filter(delayed(shape(s, 4, 0.3), 1.3).to(torch.complex64), 4, 0.3)
    x = torch.stack([x, 2 * x.roll(5, -1)])
    y1, t1 = gardner_clock_recovery(x, 4, kp=2e-2, ki=1e-4, kernel="torch")
    y2, t2 = gardner_clock_recovery(x, 4, kp=2e-2, ki=1e-4, kernel="numba")
    assert torch.allclose(t1, t2, atol=1e-9)
    assert torch.allclose(y1, y2, atol=1e-5)


def test_interpolator_is_exact_on_cubics():
    """The cubic Lagrange interpolator reproduces a cubic exactly: with zero loop gains the
    strobes sit at k sps + tau0."""
    t = torch.arange(64, dtype=torch.float64)
    f = lambda u: 1e-4 * (u ** 3 - 30 * u ** 2 + 5 * u) + 0j  # noqa: E731
    x = f(t)[None].to(torch.complex128)
    y, tau = gardner_clock_recovery(x, 2, kp=0.0, ki=0.0, tau0=0.3)
    scale = (x.abs().square().mean()).sqrt()
    k = torch.arange(2, 28, dtype=torch.float64)
    assert torch.allclose(y[0, 4:56:2] * scale, f(2 * k + 0.3), atol=1e-9)
    assert torch.allclose(y[0, 5:57:2] * scale, f(2 * k + 1.3), atol=1e-9)


def test_bad_inputs():
    x = torch.zeros(2, 64, dtype=torch.complex64)
    with pytest.raises(ValueError, match="sps"):
        gardner_clock_recovery(x, 3)
    with pytest.raises(ValueError, match="kp"):
        gardner_clock_recovery(x, 2, kp=-1.0)
    with pytest.raises(ValueError, match="kernel"):
        gardner_clock_recovery(x, 2, kernel="cuda")
    with pytest.raises(ValueError, match="samples"):
        gardner_clock_recovery(torch.zeros(2, 3, dtype=torch.complex64), 2)
    with pytest.raises(TypeError, match="complex"):
        gardner_clock_recovery(torch.zeros(2, 64), 2)
