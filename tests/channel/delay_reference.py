"""The reference band-limited path delay of the channel tests (a helper module: a second
``conftest.py`` beside tests/conftest.py clashes under ``--doctest-modules``)."""

from __future__ import annotations

import torch

from softran.channel.fractional_delay import fractional_delay_taps


def delayed(x: torch.Tensor, k: int, mu: float, n: int) -> torch.Tensor:
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
