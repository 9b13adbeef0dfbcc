"""Shared helpers of the channel tests."""

from __future__ import annotations

from collections.abc import Callable

import pytest
import torch

from softran.channel.fractional_delay import fractional_delay_taps


def _delayed(x: torch.Tensor, k: int, mu: float, n: int) -> torch.Tensor:
    """``x`` (complex ``[..., T]``, zero outside ``0..T-1``) delayed by ``k + mu`` samples,
    at sample ``n``, through the path interpolator of the TDL/CDL delay line (Kaiser sinc,
    K = 8, beta = 5: taps i = -7..8 weigh x[n - k - i]); complex128 ``[...]``."""
    taps = fractional_delay_taps(float(mu), 8, 5.0)
    out = torch.zeros(x.shape[:-1], dtype=torch.complex128)
    for a, i in enumerate(range(-7, 9)):
        j = n - k - i
        if 0 <= j < x.shape[-1]:
            out = out + taps[a] * x[..., j].to(torch.complex128)
    return out


@pytest.fixture
def delayed() -> Callable[[torch.Tensor, int, float, int], torch.Tensor]:
    """The reference band-limited path delay (see ``_delayed``)."""
    return _delayed
