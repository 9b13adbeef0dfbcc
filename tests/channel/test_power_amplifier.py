"""Memoryless PA models (Rapp 1991, Saleh 1981): the curves against their formulas worked by
hand, the back-off operating point, and compression that grows as the back-off shrinks."""

import itertools
import math

import pytest
import torch

from softran.channel import PowerAmplifier


def test_rapp_curve_by_hand() -> None:
    pa = PowerAmplifier("rapp", smoothness=2.0)
    r = torch.tensor([0.5, 1.0, 2.0], dtype=torch.float64)
    # g(r) = r / (1 + r^4)^(1/4)
    want = [0.5 / 1.0625 ** 0.25, 2 ** -0.25, 2 / 17 ** 0.25]
    assert pa.am_am(r).tolist() == pytest.approx(want, rel=1e-12)
    assert pa.am_pm(r).tolist() == [0.0, 0.0, 0.0]
    hard = PowerAmplifier("rapp", smoothness=50.0)
    assert float(hard.am_am(torch.tensor(4.0, dtype=torch.float64))) == pytest.approx(1, 1e-3)


def test_saleh_curve_by_hand() -> None:
    pa = PowerAmplifier("saleh")
    a_a, b_a, a_p, b_p = 2.1587, 1.1517, 4.0033, 9.1040
    r_sat = 1 / math.sqrt(b_a)                      # the peak of alpha_a u / (1 + beta_a u^2)
    u = 0.3
    r = torch.tensor(u / r_sat, dtype=torch.float64)
    assert float(pa.am_am(r)) == pytest.approx(a_a * u / (1 + b_a * u * u) / (a_a * r_sat))
    assert float(pa.am_pm(r)) == pytest.approx(a_p * u * u / (1 + b_p * u * u))
    # saturation: AM/AM peaks at r = 1 (u = r_sat), 1/2 of the small-signal line there
    grid = torch.linspace(0.01, 3, 300, dtype=torch.float64)
    assert float(grid[pa.am_am(grid).argmax()]) == pytest.approx(1.0, abs=0.01)
    assert float(pa.am_am(torch.tensor(1.0, dtype=torch.float64))) == pytest.approx(0.5)


def test_operating_point_and_monotone_compression() -> None:
    gen = torch.Generator().manual_seed(1)
    x = torch.randn(2, 40_000, dtype=torch.complex64, generator=gen) * 0.3
    errors = []
    for backoff in (20.0, 12.0, 8.0, 4.0, 0.0):
        y = PowerAmplifier("rapp", backoff_db=backoff)(x)
        assert y.shape == x.shape and y.dtype == x.dtype
        errors.append(float((y - x).abs().square().mean() / x.abs().square().mean()))
    assert all(a < b for a, b in itertools.pairwise(errors))
    assert errors[0] < 1e-6
    # the output never exceeds A_sat (back-off 0 dB: A_sat^2 = mean input power)
    pa = PowerAmplifier("rapp", backoff_db=0.0, smoothness=3.0)
    p = float(x[0].abs().square().mean())
    assert float(pa(x[:1]).abs().max()) <= math.sqrt(p) * (1 + 1e-6)
    fixed = PowerAmplifier("saleh", backoff_db=6.0, reference_power=p)
    assert torch.allclose(fixed(x[:1]), PowerAmplifier("saleh", backoff_db=6.0)(x[:1]),
                          atol=1e-3)


def test_pa_errors() -> None:
    with pytest.raises(ValueError, match="model"):
        PowerAmplifier("tanh")
    with pytest.raises(ValueError, match="smoothness"):
        PowerAmplifier(smoothness=0)
    with pytest.raises(ValueError, match="backoff_db"):
        PowerAmplifier(backoff_db=float("inf"))
    with pytest.raises(TypeError, match="complex"):
        PowerAmplifier()(torch.ones(3))
