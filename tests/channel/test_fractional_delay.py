"""The band-limited fractional-delay interpolator (softran.channel.fractional_delay)."""

from __future__ import annotations

import math

import pytest
import torch

from softran.channel.fractional_delay import fractional_delay_error, fractional_delay_taps


@pytest.mark.parametrize("mu", [0.0, 0.1, 0.5, 0.93])
def test_taps_unit_dc_gain_and_unit_impulse_at_zero(mu):
    h = fractional_delay_taps(mu, 8, 5.0)
    assert h.shape == (16,) and h.dtype == torch.float64
    assert float(h.sum()) == pytest.approx(1.0, abs=1e-14)
    if mu == 0.0:
        assert h.tolist() == [0.0] * 7 + [1.0] + [0.0] * 8


def test_taps_mirror_symmetry():
    # delay mu and 1 - mu are mirror images about the half-sample point
    a, b = fractional_delay_taps(0.3, 8, 5.0), fractional_delay_taps(0.7, 8, 5.0)
    assert torch.allclose(a, b.flip(0), atol=1e-15)


@pytest.mark.parametrize("f0", [0.05, 0.21, -0.33, 0.4])
def test_delays_a_complex_exponential(f0):
    # x[n] = exp(j 2 pi f0 n): the taps applied to x give x[n - mu] within the documented
    # error (independent of fractional_delay_error's own evaluation)
    mu = 0.37
    h = fractional_delay_taps(mu, 8, 5.0)
    n = 50
    i = torch.arange(-7, 9, dtype=torch.float64)
    y = (h * torch.exp(2j * math.pi * f0 * (n - i))).sum()
    ideal = complex(torch.exp(torch.tensor(2j * math.pi * f0 * (n - mu))))
    assert abs(complex(y) - ideal) <= (5.1e-3 if abs(f0) > 0.3125 else 3.3e-3)


def test_documented_error_figures():
    fine = dict(n_mu=256, n_frequencies=1025)
    assert fractional_delay_error(8, 5.0, 0.4, **fine) <= 5.1e-3
    assert fractional_delay_error(8, 5.0, 0.3125, **fine) <= 3.3e-3
    assert fractional_delay_error(16, 10.0, 0.4, **fine) <= 2.4e-5
    # the error grows towards Nyquist: the figures are not trivially met
    assert fractional_delay_error(8, 5.0, 0.45) > 1e-2


def test_bad_inputs():
    with pytest.raises(ValueError, match="mu"):
        fractional_delay_taps(1.0, 8, 5.0)
    with pytest.raises(ValueError, match="mu"):
        fractional_delay_taps(-0.1, 8, 5.0)
    with pytest.raises(ValueError, match="half_length"):
        fractional_delay_taps(0.5, 0, 5.0)
    with pytest.raises(ValueError, match="beta"):
        fractional_delay_taps(0.5, 8, 0.0)
    with pytest.raises(TypeError, match="mu"):
        fractional_delay_taps("0.5", 8, 5.0)
    with pytest.raises(ValueError, match="max_frequency"):
        fractional_delay_error(8, 5.0, 0.6)
