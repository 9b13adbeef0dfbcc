"""AWGN and SNR helpers (TS 38.104 SNR per RE per receive antenna)."""

import math

import pytest
import torch

from softran.channel import AWGN, ebn0_from_esn0, esn0_from_ebn0, noise_variance

N = 200_000


def test_noise_variance_by_hand():
    assert noise_variance(10.0) == pytest.approx(0.1)
    assert noise_variance(0.0, signal_power=3.0) == pytest.approx(3.0)
    assert noise_variance(-3.0) == pytest.approx(10 ** 0.3)
    t = noise_variance(torch.tensor([20.0, 0.0], dtype=torch.float64))
    assert torch.allclose(t, torch.tensor([0.01, 1.0], dtype=torch.float64))


def test_ebn0_esn0_by_hand():
    # QPSK rate 1/2 carries 1 info bit per symbol: Eb = Es
    assert ebn0_from_esn0(7.0, 2, 0.5) == pytest.approx(7.0)
    # 16QAM uncoded: Eb/N0 = Es/N0 - 10 log10(4) = Es/N0 - 6.0206 dB
    assert ebn0_from_esn0(10.0, 4) == pytest.approx(10.0 - 6.020599913)
    assert esn0_from_ebn0(ebn0_from_esn0(5.5, 6, 0.75), 6, 0.75) == pytest.approx(5.5)


def test_sample_variance_and_halves():
    nv = 0.7
    n = AWGN(seed=11)(torch.zeros(N, dtype=torch.complex64), nv)
    # |n|^2 is exponential with mean and std nv: std of the mean is nv/sqrt(N)
    assert abs(n.abs().pow(2).mean().item() - nv) < 5 * nv / math.sqrt(N)
    # real and imaginary parts: each N(0, nv/2); sample variance std = (nv/2) sqrt(2/N)
    for part in (n.real, n.imag):
        assert abs(part.var().item() - nv / 2) < 5 * (nv / 2) * math.sqrt(2 / N)
        assert abs(part.mean().item()) < 5 * math.sqrt(nv / 2 / N)
    # independence: correlation coefficient has std 1/sqrt(N)
    corr = (n.real * n.imag).mean().item() / (nv / 2)
    assert abs(corr) < 5 / math.sqrt(N)


def test_tensor_noise_var_broadcasts():
    nv = torch.tensor([[0.1], [2.0]])
    n = AWGN(seed=2)(torch.zeros(2, N // 2, dtype=torch.complex64), nv)
    p = n.abs().pow(2).mean(-1)
    for i, v in enumerate((0.1, 2.0)):
        assert abs(p[i].item() - v) < 5 * v / math.sqrt(N / 2)


def test_signal_passes_and_zero_noise():
    x = torch.randn(4, 8, dtype=torch.complex64, generator=torch.Generator().manual_seed(1001))
    assert torch.equal(AWGN(seed=0)(x, 0.0), x)


def test_seed_reproducibility():
    x = torch.zeros(1000, dtype=torch.complex64)
    a, b = AWGN(seed=5), AWGN(seed=5)
    y1 = a(x, 1.0)
    assert torch.equal(y1, b(x, 1.0))
    y2 = a(x, 1.0)
    assert not torch.equal(y1, y2)
    a.reset()
    assert torch.equal(a(x, 1.0), y1)
    assert not torch.equal(AWGN(seed=6)(x, 1.0), y1)


def test_bad_inputs():
    awgn = AWGN(seed=0)
    with pytest.raises(TypeError):
        awgn(torch.zeros(4), 1.0)
    with pytest.raises(TypeError):
        awgn([1j, 2j], 1.0)
    with pytest.raises(ValueError):
        awgn(torch.zeros(4, dtype=torch.complex64), -0.1)
    with pytest.raises(ValueError):
        awgn(torch.zeros(4, dtype=torch.complex64), torch.tensor([0.1, -1.0, 0.2, 0.3]))
    with pytest.raises(ValueError):
        awgn(torch.zeros(4, dtype=torch.complex64), torch.ones(3))
    with pytest.raises(TypeError):
        awgn(torch.zeros(4, dtype=torch.complex64), "1")
    with pytest.raises(ValueError):
        noise_variance(10.0, signal_power=0.0)
    with pytest.raises(ValueError):
        noise_variance(float("nan"))
    with pytest.raises(ValueError):
        ebn0_from_esn0(1.0, 2, 1.5)
    with pytest.raises(ValueError):
        ebn0_from_esn0(1.0, 0)
    with pytest.raises(ValueError):
        AWGN(seed=-1)


def test_non_finite_input_and_noise_variance_are_refused():
    awgn = AWGN(seed=0)
    x = torch.zeros(2, 4, dtype=torch.complex64)
    x[1, 2] = complex(float("nan"), 0.0)
    with pytest.raises(ValueError, match=r"x contains NaN \(first at index \(1, 2\)\)"):
        awgn(x, 0.1)
    x[1, 2] = complex(0.0, float("inf"))
    with pytest.raises(ValueError, match=r"x contains inf"):
        awgn(x, 0.1)
    x[1, 2] = 0
    for nv, message in ((float("nan"), "noise_var = nan is not allowed; it must be finite"),
                        (torch.tensor([0.1, float("nan")]), "noise_var contains NaN"),
                        (torch.tensor([float("inf")]), "noise_var contains inf"),
                        (torch.tensor([0.1, -1.0]), "noise_var must be >= 0 everywhere")):
        with pytest.raises(ValueError, match=message):
            awgn(x, nv)
    assert torch.equal(awgn(x, 0.0), x)                      # zero noise is allowed
