"""Amplifier noise-figure models and gain shape, worked out by hand."""

from __future__ import annotations

import itertools
import math

import pytest
import torch

from softran.optical.amplifier_models import AmplifierType, two_coil_nf_model


def _lin(db):
    return 10 ** (db / 10)


def _db(x):
    return 10 * math.log10(x)


@pytest.mark.parametrize("gmin, gmax, nfmin, nfmax", [(15, 26, 6, 10), (8, 16, 6.5, 11),
                                                       (25, 35, 5.5, 7)])
def test_two_coil_model_reproduces_the_data_sheet_points(gmin, gmax, nfmin, nfmax):
    nf1, nf2, dp = two_coil_nf_model(gmin, gmax, nfmin, nfmax)
    assert _db(_lin(nf1) + _lin(nf2) / _lin(gmax - dp)) == pytest.approx(nfmin, abs=0.01)
    g1a_min = gmin - (gmax - gmin) - dp
    assert _db(_lin(nf1) + _lin(nf2) / _lin(g1a_min)) == pytest.approx(nfmax, abs=0.01)
    amp = AmplifierType("a", "variable_gain", gmax, gmin, 23, nf_min=nfmin, nf_max=nfmax)
    assert amp.noise_figure(gmax)[0] == pytest.approx(nfmin, abs=0.01)
    assert amp.noise_figure(gmin)[0] == pytest.approx(nfmax, abs=0.01)
    # NF falls as the gain rises (less mid-stage attenuation)
    g = [amp.noise_figure(x)[0] for x in torch.linspace(gmin, gmax, 12).tolist()]
    assert all(a > b for a, b in itertools.pairwise(g))


def test_values_gnpy_prints():
    low = AmplifierType("std_low_gain", "variable_gain", 16, 8, 23, nf_min=6.5, nf_max=11)
    assert round(low.noise_figure(15.0)[0], 2) == 6.62
    assert round(low.noise_figure(14.5)[0], 2) == 6.70
    high = AmplifierType("std_high_gain", "variable_gain", 35, 25, 21, nf_min=5.5, nf_max=7)
    assert round(high.noise_figure(28.0)[0], 2) == 5.92


def test_pad_below_gain_min():
    amp = AmplifierType("a", "fixed_gain", 21, 20, 21, nf0=5.5)
    nf, pad = amp.noise_figure(17.0)
    assert pad == pytest.approx(3.0) and nf == pytest.approx(8.5)


def test_dual_stage_is_friis():
    pre = AmplifierType("pre", "fixed_gain", 12, 12, 21, nf0=-1.0)
    boost = AmplifierType("boost", "variable_gain", 16, 8, 23, nf_min=6.5, nf_max=11)
    dual = AmplifierType("dual", "dual_stage", 28, 25, 23, preamp=pre, booster=boost)
    g = 27.0
    nf_boost = boost.noise_figure(g - 12)[0]
    assert dual.noise_figure(g)[0] == pytest.approx(_db(_lin(-1.0) + _lin(nf_boost) / _lin(12)))


def test_openroadm_models_by_hand():
    coef = (-8.104e-4, -6.221e-2, -5.889e-1, 37.62)
    ila = AmplifierType("ila", "openroadm", 27, 0, 22, nf_coef=coef)
    pin_total, n_ch = 0.0, 96                          # -19.82 dBm per channel, 50 GHz
    p = pin_total - _db(n_ch)
    osnr = sum(c * p ** (3 - i) for i, c in enumerate(coef))
    assert ila.noise_figure(20, pin_total, n_ch, 50e9)[0] == pytest.approx(p - osnr + 58)
    pre = AmplifierType("pre", "openroadm_preamp", 27, 0, 22)
    assert pre.noise_figure(20, pin_total, n_ch, 50e9)[0] == pytest.approx(
        p - min((4 * p + 275) / 7, 33) + 58)
    assert AmplifierType("b", "openroadm_booster", 32, 0, 22).noise_figure(20)[0] == -math.inf


def test_advanced_polynomial():
    adv = AmplifierType("adv", "advanced_model", 25, 15, 21, nf_fit_coeff=(0.01, 0.05, 5.0))
    dg = -(25 - 20)
    assert adv.noise_figure(20)[0] == pytest.approx(0.01 * dg ** 2 + 0.05 * dg + 5.0)


def test_gain_profile_flat_and_tilted():
    amp = AmplifierType("a", "variable_gain", 26, 15, 23, nf_min=6, nf_max=10)
    f = torch.linspace(191.35e12, 195.1e12, 76, dtype=torch.float64)
    p = torch.full_like(f, 1e-5)
    flat = amp.gain_profile(20.0, 0.0, f, p)
    assert torch.allclose(flat, torch.full_like(f, 20.0))
    tilted = amp.gain_profile(20.0, 1.0, f, p)
    # tilt target 1 dB: more gain at low frequency (longer wavelength); the power-weighted mean
    # gain stays 20 dB
    assert float(tilted[0]) > float(tilted[-1])
    assert _db(float((p * torch.pow(10.0, tilted / 10)).sum() / p.sum())) == pytest.approx(20.0)


def test_refusals():
    with pytest.raises(ValueError, match="type_def"):
        AmplifierType("a", "magic", 20, 10, 20)
    with pytest.raises(ValueError, match="needs nf0"):
        AmplifierType("a", "fixed_gain", 20, 10, 20)
    with pytest.raises(ValueError, match="nf_max > nf_min"):
        two_coil_nf_model(15, 26, 10, 6)
    with pytest.raises(ValueError, match="below 4 dB"):
        two_coil_nf_model(15, 26, 3.0, 4.0)
