"""Frequency-dependent fibre: gamma(f) and beta(f) against their definitions, loss tables,
connector losses."""

from __future__ import annotations

import math

import pytest
import torch

from softran.optical.fibre_model import FibreModel, interpolate

C = 299792458.0
F_REF = C / 1550e-9
C_BAND = torch.linspace(191.3e12, 196.1e12, 97, dtype=torch.float64)


def test_gamma_definition_at_reference_and_across_the_band():
    f = FibreModel(80e3, 0.2, effective_area=83e-12)
    # gamma(f_ref) = 2 pi n2 / (lambda A_eff)
    assert float(f.gamma_at(F_REF)) == pytest.approx(2 * math.pi * 2.6e-20 / (1550e-9 * 83e-12),
                                                     rel=1e-12)
    # the Gaussian mode model: w = a / sqrt(ln V), V = 2 pi f a n1 sqrt(2 Delta) / c with the
    # contrast Delta that gives A_eff(f_ref) = 83 um^2, then gamma = 2 pi n2 f / (c pi w^2)
    a, n1 = 4.2e-6, 1.468
    delta = 0.5 * (C / (2 * math.pi * F_REF * a * n1) * math.exp(math.pi * a ** 2 / 83e-12)) ** 2
    for fr in (191.3e12, 193.4e12, 196.1e12):
        v = 2 * math.pi * fr / C * a * n1 * math.sqrt(2 * delta)
        w2 = a ** 2 / math.log(v)
        assert float(f.effective_area_at(fr)) == pytest.approx(math.pi * w2, rel=1e-12)
        assert float(f.gamma_at(fr)) == pytest.approx(2 * math.pi * 2.6e-20 * fr / (C * math.pi * w2),
                                                      rel=1e-12)
    # the issue: GNPy varies gamma by about +-2.4 % over the C band (its SI, 191.35-195.1 THz)
    g = f.gamma_at(torch.tensor([191.35e12, 195.1e12], dtype=torch.float64))
    assert float((g[1] - g[0]) / (g[1] + g[0])) == pytest.approx(0.024, abs=0.001)
    band = f.gamma_at(C_BAND)
    assert bool((band[1:] > band[:-1]).all())            # higher frequency, smaller mode


def test_gamma_given_directly_and_frozen():
    f = FibreModel(10e3, gamma=1.3e-3)
    assert float(f.gamma_at(F_REF)) == pytest.approx(1.3e-3, rel=1e-12)
    flat = FibreModel(10e3, gamma=1.3e-3, frequency_dependent_gamma=False)
    assert torch.allclose(flat.gamma_at(C_BAND), torch.full_like(C_BAND, 1.3e-3), rtol=1e-12)


def test_beta2_beta3_definitions_with_slope():
    d, s = 16.7e-6, 0.057e3                              # s/m^2 and s/m^3 (0.057 ps/(nm^2 km))
    f = FibreModel(80e3, dispersion=d, dispersion_slope=s)
    for fr in (191.0e12, F_REF, 196.0e12):
        lam = C / fr
        d_lam = d + s * (lam - 1550e-9)
        assert float(f.dispersion_at(fr)) == pytest.approx(d_lam, rel=1e-12)
        assert float(f.beta2(fr)) == pytest.approx(-lam ** 2 * d_lam / (2 * math.pi * C), rel=1e-12)
        # beta3 = d beta2 / d omega (central difference, 1 GHz)
        h = 1e9
        deriv = float(f.beta2(fr + h) - f.beta2(fr - h)) / (2 * math.pi * 2 * h)
        assert float(f.beta3(fr)) == pytest.approx(deriv, rel=1e-6)
    assert float(f.beta2(F_REF)) * 1e27 == pytest.approx(-21.30, abs=0.01)   # ps^2/km


def test_without_slope_beta2_is_the_same_everywhere():
    f = FibreModel(80e3, dispersion=16.7e-6)
    b2 = f.beta2(C_BAND)
    assert torch.allclose(b2, torch.full_like(b2, float(b2[0])), rtol=1e-12)
    assert torch.all(f.beta3(C_BAND) == 0)


def test_dispersion_table_interpolates_and_refuses_outside():
    f = FibreModel(1e3, dispersion=((190e12, 16e-6), (200e12, 18e-6)))
    assert float(f.dispersion_at(195e12)) == pytest.approx(17e-6)
    with pytest.raises(ValueError, match="no extrapolation"):
        f.dispersion_at(201e12)


def test_loss_table_connectors_padding_lumped():
    f = FibreModel(80e3, ((191e12, 0.21), (196e12, 0.19)), con_in_db=0.5, con_out_db=0.7,
                   att_in_db=2.0, lumped_losses=((40e3, 0.3),))
    assert float(f.loss_db_per_km(193.5e12)) == pytest.approx(0.2)
    assert float(f.alpha(193.5e12)) == pytest.approx(0.2 * math.log(10) / 10 / 1e3)
    ref = float(f.loss_db_per_km(F_REF)) * 80 + 0.5 + 0.7 + 2.0 + 0.3
    assert f.loss_db == pytest.approx(ref)
    with pytest.raises(ValueError, match="lumped_losses"):
        FibreModel(10e3, lumped_losses=((20e3, 1.0),))
    with pytest.raises(ValueError, match="frequencies must increase"):
        FibreModel(10e3, ((196e12, 0.2), (191e12, 0.2)))


def test_effective_length_and_raman_slope():
    f = FibreModel(80e3, 0.2, effective_area=80e-12)
    a = 0.2 * math.log(10) / 10 / 1e3
    assert float(f.effective_length(F_REF)) == pytest.approx((1 - math.exp(-a * 80e3)) / a)
    assert f.raman_slope == pytest.approx(0.028e-15)
    assert FibreModel(1e3, effective_area=160e-12).raman_slope == pytest.approx(0.014e-15)


def test_interpolate_single_row_and_errors():
    assert float(interpolate(torch.tensor(5.0), [1.0], [3.0], "t")) == 3.0
    with pytest.raises(ValueError, match="t: the table covers"):
        interpolate(torch.tensor([0.0]), [1.0, 2.0], [1.0, 2.0], "t")
