"""Tolerances derived from the sample count, for the tests that compare a measured statistic
with its expected value.

:func:`mean_interval` is the Student-t confidence half-width of a mean of ``n`` independent
samples from their own spread: a check ``|mean - expected| <= half`` fails by chance with
probability ``p`` (exactly for normal samples; close for the per-slot / per-run averages
of many terms used here).
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import torch


def _t_pdf(x: float, dof: int) -> float:
    c = math.exp(math.lgamma((dof + 1) / 2) - math.lgamma(dof / 2)) / math.sqrt(dof * math.pi)
    return c * (1 + x * x / dof) ** (-(dof + 1) / 2)


def _t_cdf_upper(x: float, dof: int, steps: int = 4000) -> float:
    """P(T > x) for x >= 0: 1/2 minus Simpson's rule of the density over [0, x]."""
    h = x / steps
    s = _t_pdf(0.0, dof) + _t_pdf(x, dof) + sum(
        (4 if i % 2 else 2) * _t_pdf(i * h, dof) for i in range(1, steps))
    return 0.5 - s * h / 3


def t_quantile(upper: float, dof: int) -> float:
    """The x with P(T > x) = ``upper`` for Student's t with ``dof`` degrees of freedom.

    >>> round(t_quantile(0.025, 10), 3), round(t_quantile(0.0005, 15), 3)    # tables: 2.228, 4.073
    (2.228, 4.073)
    """
    lo, hi = 0.0, 1.0
    while _t_cdf_upper(hi, dof) > upper:
        hi *= 2
    for _ in range(60):
        mid = (lo + hi) / 2
        lo, hi = (mid, hi) if _t_cdf_upper(mid, dof) > upper else (lo, mid)
    return (lo + hi) / 2


def mean_interval(samples: torch.Tensor | Sequence[float],
                  p: float = 1e-3) -> tuple[float, float]:
    """``(mean, half)``: the sample mean and the two-sided ``1 - p`` Student-t half-width
    ``t_{1 - p/2, n - 1} s / sqrt(n)`` (``s`` the sample standard deviation)."""
    x = torch.as_tensor(samples, dtype=torch.float64).flatten()
    n = x.numel()
    if n < 2:
        raise ValueError(f"need at least 2 samples for a spread, got {n}")
    return float(x.mean()), t_quantile(p / 2, n - 1) * float(x.std()) / math.sqrt(n)
