"""EDFA gain and ASE: P_ASE = n_sp h nu (G - 1) B per polarisation, n_sp = (G NF - 1)/(2(G - 1))."""

import math

import pytest
import torch

from softran.optical.amplifier import EDFA, ase_power
from softran.optical.fibre import FibreSpan, ssfm

H = 6.62607015e-34
NU = 299792458.0 / 1550e-9


def _p_ase_by_hand(g_db: float, nf_db: float, b: float, nu: float = NU) -> float:
    g, nf = 10 ** (g_db / 10), 10 ** (nf_db / 10)
    n_sp = (g * nf - 1) / (2 * (g - 1))
    return n_sp * H * nu * (g - 1) * b


def test_ase_power_formula_by_hand():
    # G = 16 dB, NF = 5 dB, B = 64 GHz: n_sp = (39.81 * 3.162 - 1) / (2 * 38.81) = 1.6089
    assert ase_power(16.0, 5.0, 64e9) == pytest.approx(_p_ase_by_hand(16.0, 5.0, 64e9), rel=1e-12)
    g, nf = 10 ** 1.6, 10 ** 0.5
    assert (g * nf - 1) / (2 * (g - 1)) == pytest.approx(1.6089, abs=1e-4)
    # high-gain limit: NF = 2 n_sp
    g = 1e6
    n_sp = ase_power(60.0, 5.0, 1e9, 193.1e12) / (H * 193.1e12 * (g - 1) * 1e9)
    assert n_sp == pytest.approx(10 ** 0.5 / 2, rel=1e-5)
    # quantum limit: NF = 2 - 1/G gives n_sp = 1 exactly
    g = 100.0
    nf_db = 10 * math.log10(2 - 1 / g)
    assert ase_power(20.0, nf_db, 1e9, NU) == pytest.approx(H * NU * (g - 1) * 1e9, rel=1e-12)


@pytest.mark.parametrize("n_pol", [1, 2])
def test_ase_noise_power_matches_formula(n_pol):
    fs, n = 64e9, 2 ** 17
    amp = EDFA(gain_db=20.0, noise_figure_db=5.0, seed=3)
    y = amp(torch.zeros(2, n_pol, n, dtype=torch.complex128), fs)
    p = _p_ase_by_hand(20.0, 5.0, fs)
    m = 2 * n
    for pol in range(n_pol):
        est = float(y[:, pol].abs().square().mean())
        # |n|^2 exponential: std of the mean p / sqrt(m)
        assert abs(est - p) < 5 * p / math.sqrt(m)
        for part in (y[:, pol].real, y[:, pol].imag):
            assert abs(float(part.var()) - p / 2) < 5 * (p / 2) * math.sqrt(2 / m)
    if n_pol == 2:                 # independent polarisations
        corr = (y[:, 0] * y[:, 1].conj()).mean().abs() / p
        assert float(corr) < 5 / math.sqrt(m)


def test_gain_scales_signal_noise_independent():
    fs, n = 32e9, 2 ** 16
    x = torch.randn(2, n, dtype=torch.complex128, generator=torch.Generator().manual_seed(1)) * 1e-3
    y = EDFA(gain_db=16.0, noise_figure_db=4.5, seed=2)(x, fs)
    noise = y - x * 10 ** 0.8
    p = _p_ase_by_hand(16.0, 4.5, fs)
    assert abs(float(noise.abs().square().mean()) - p) < 5 * p / math.sqrt(2 * n)
    # the same seed reproduces; reset restarts
    amp = EDFA(gain_db=16.0, noise_figure_db=4.5, seed=2)
    assert torch.equal(amp(x, fs), y)
    assert not torch.equal(amp(x, fs), y)
    amp.reset()
    assert torch.equal(amp(x, fs), y)


def test_target_power_mode():
    fs, n = 32e9, 2 ** 15
    x = torch.randn(3, 2, n, dtype=torch.complex128, generator=torch.Generator().manual_seed(4))
    x = x * torch.tensor([1e-3, 3e-3, 1e-2], dtype=torch.float64).view(3, 1, 1)
    amp = EDFA(noise_figure_db=5.0, target_power_dbm=2.0, seed=1)
    y = amp(x, fs)
    p_in = x.abs().square().sum(-2).mean(-1)
    g = 10 ** 0.2 * 1e-3 / p_in
    p_ase = (g * 10 ** 0.5 - 1) / 2 * H * NU * fs
    signal = y - x * g.sqrt().view(3, 1, 1)
    assert torch.allclose(signal.abs().square().mean((-1, -2)), p_ase, rtol=5 / math.sqrt(2 * n))
    p_out = y.abs().square().sum(-2).mean(-1)
    assert torch.allclose(p_out, 10 ** 0.2 * 1e-3 + 2 * p_ase, rtol=1e-2)


def test_for_span_restores_power_after_lossy_span():
    span = FibreSpan(80.0, 0.2, 17.0, 0.057, 0.0)
    amp = EDFA.for_span(span, 5.0, seed=0)
    assert amp.gain_db == pytest.approx(16.0)
    x = torch.randn(2, 4096, dtype=torch.complex128, generator=torch.Generator().manual_seed(2))
    x = x * math.sqrt(1e-3 / 2)
    y = amp(ssfm(x, span, 64e9, step=80e3), 64e9)
    p_ase = _p_ase_by_hand(16.0, 5.0, 64e9)
    p_sig = float(x.abs().square().sum(0).mean())
    assert float(y.abs().square().sum(0).mean()) == pytest.approx(p_sig + 2 * p_ase, rel=0.05)


def test_bad_inputs():
    with pytest.raises(ValueError, match="exactly one"):
        EDFA()
    with pytest.raises(ValueError, match="exactly one"):
        EDFA(gain_db=10.0, target_power_dbm=0.0)
    with pytest.raises(ValueError, match="quantum limit"):
        EDFA(gain_db=20.0, noise_figure_db=2.0)
    with pytest.raises(ValueError, match=">= 0 dB"):
        EDFA(gain_db=-3.0)
    with pytest.raises(TypeError, match="gain_db"):
        EDFA(gain_db="20")
    with pytest.raises(ValueError, match="bandwidth"):
        ase_power(20.0, 5.0, 0.0)
    amp = EDFA(gain_db=10.0, seed=1)
    with pytest.raises(TypeError, match="complex"):
        amp(torch.zeros(2, 8), 1e9)
    with pytest.raises(ValueError, match="fs"):
        amp(torch.zeros(2, 8, dtype=torch.complex128), -1.0)
    with pytest.raises(ValueError, match="non-zero"):
        EDFA(target_power_dbm=0.0)(torch.zeros(2, 8, dtype=torch.complex128), 1e9)
    with pytest.raises(ValueError, match="below the input"):
        EDFA(target_power_dbm=-30.0)(torch.ones(2, 8, dtype=torch.complex128), 1e9)
    with pytest.raises(TypeError, match="FibreSpan"):
        EDFA.for_span("span")
