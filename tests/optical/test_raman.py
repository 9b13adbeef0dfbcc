"""Stimulated Raman scattering, triangular approximation: the closed forms against each other,
the numerical solution and the conservation of power."""

from __future__ import annotations

import math

import pytest
import torch

from softran.optical.raman import (
    srs_flat_comb,
    srs_power_profile,
    srs_power_profile_numerical,
    srs_tilt_db,
)

ALPHA = 0.2 * math.log(10) / 10 / 1e3
CR = 2.8e-17


def _comb(n: int, bandwidth: float) -> torch.Tensor:
    """Channel centres of a flat comb of ``n`` slots filling ``bandwidth`` (offsets)."""
    k = torch.arange(n, dtype=torch.float64)
    return (k + 0.5) * bandwidth / n - bandwidth / 2


@pytest.mark.parametrize("p_tot, bandwidth", [(0.1, 4.8e12), (0.5, 10e12), (1.0, 12e12)])
def test_flat_comb_tilt_matches_the_closed_form(p_tot, bandwidth):
    """A dense flat comb of the discrete exact solution against the continuous closed form
    x B e^{-x f} / (2 sinh(x B / 2)). The discrete comb's normaliser is a midpoint sum of the
    integral: relative error (x Delta)^2 / 24 with Delta = B / n."""
    n = 2000
    f = _comb(n, bandwidth)
    p0 = torch.full((n,), p_tot / n, dtype=torch.float64)
    out = srs_power_profile(p0, f, alpha=ALPHA, raman_gain_slope=CR, z=80e3)
    ratio = out / (p0 * math.exp(-ALPHA * 80e3))
    ref = srs_flat_comb(f, bandwidth=bandwidth, total_power=p_tot, alpha=ALPHA,
                        raman_gain_slope=CR, z=80e3)
    leff = (1 - math.exp(-ALPHA * 80e3)) / ALPHA
    x = CR * leff * p_tot
    bound = (x * bandwidth / n) ** 2 / 24 * 2 + 1e-12
    assert float((ratio / ref - 1).abs().max()) < bound
    tilt = 10 * math.log10(float(ratio[0] / ratio[-1]))
    edge = srs_tilt_db(bandwidth=bandwidth * (n - 1) / n, total_power=p_tot, alpha=ALPHA,
                       raman_gain_slope=CR, z=80e3)
    assert tilt == pytest.approx(edge, rel=1e-9)


def test_power_is_conserved_and_flows_down_in_frequency():
    g = torch.Generator().manual_seed(3)
    p0 = torch.rand(40, generator=g, dtype=torch.float64) * 5e-3
    f = torch.sort(torch.rand(40, generator=g, dtype=torch.float64) * 10e12).values
    out = srs_power_profile(p0, f, alpha=ALPHA, raman_gain_slope=CR, z=60e3)
    assert float(out.sum()) == pytest.approx(float(p0.sum()) * math.exp(-ALPHA * 60e3),
                                             rel=1e-12)
    gain = out / (p0 * math.exp(-ALPHA * 60e3))
    assert bool((gain[1:] < gain[:-1]).all())            # lower frequencies gain most


def test_numerical_solution_with_lumped_loss_and_frequency_dependent_loss():
    p0 = torch.full((20,), 4e-3, dtype=torch.float64)
    f = torch.linspace(0, 9.5e12, 20, dtype=torch.float64)
    ref = srs_power_profile(p0, f, alpha=ALPHA, raman_gain_slope=CR, z=100e3)
    num = srs_power_profile_numerical(p0, f, alpha=ALPHA, raman_gain_slope=CR, length=100e3,
                                      steps=100)
    assert torch.allclose(num, ref, rtol=1e-10)
    # a lumped loss early in the span lowers every power and weakens the transfer
    lumped = srs_power_profile_numerical(p0, f, alpha=ALPHA, raman_gain_slope=CR,
                                         length=100e3, lumped_losses=((10e3, 3.0),))
    assert float(lumped.sum()) == pytest.approx(float(ref.sum()) / 10 ** 0.3, rel=1e-9)
    assert float(lumped[0] / lumped[-1]) < float(ref[0] / ref[-1])
    # frequency-dependent loss: no Raman gain reduces to e^{-alpha_i L}
    a = torch.linspace(4e-5, 5e-5, 20, dtype=torch.float64)
    plain = srs_power_profile_numerical(p0, f, alpha=a, raman_gain_slope=0.0, length=50e3)
    assert torch.allclose(plain, p0 * torch.exp(-a * 50e3), rtol=1e-12)


def test_refusals():
    with pytest.raises(ValueError, match="same shape"):
        srs_power_profile(torch.ones(3), torch.ones(2), alpha=0, raman_gain_slope=CR, z=1)
    with pytest.raises(ValueError, match="powers must be >= 0"):
        srs_power_profile(-torch.ones(2), torch.ones(2), alpha=0, raman_gain_slope=CR, z=1)
    with pytest.raises(ValueError, match="outside the fibre"):
        srs_power_profile_numerical(torch.ones(2), torch.arange(2.0), alpha=0.0,
                                    raman_gain_slope=CR, length=1e3,
                                    lumped_losses=((2e3, 1.0),))
