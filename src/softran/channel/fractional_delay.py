"""Band-limited fractional delay: the Kaiser-windowed sinc interpolator shared by
:class:`~softran.channel.TimingOffset` and the TDL/CDL delay line
(:class:`~softran.channel.delay_line.FadingDelayLine`).

A delay of ``mu`` samples (``0 <= mu < 1``) of a band-limited signal is the FIR of ``2 K``
taps (``K = half_length``)::

    y[n] = sum_{i=-K+1..K} h_i x[n - i],
    h_i ∝ sinc(i - mu) I0(beta sqrt(1 - ((i - mu)/K)^2)) / I0(beta)

normalised to unit DC gain (``sum h_i = 1``). It reads ``K - 1`` samples *ahead* of
``n`` (the sinc's pre-cursor), so a causal use needs a bulk delay of ``K - 1`` samples or
more. At ``mu = 0`` the taps are exactly the unit impulse (no filtering).

Interpolation error, ``max |H(f) - exp(-j 2 pi f mu / f_s)|`` over ``0 <= mu < 1`` and
``|f| <= f_max`` (:func:`fractional_delay_error` computes it; the test suite checks these
figures):

============  ======  ========================  ========================
half_length   beta    f_max = 0.4 f_s           f_max = 0.3125 f_s
============  ======  ========================  ========================
8 (16 taps)   5.0     5.1e-3 (power 0.045 dB)   3.3e-3 (power 0.029 dB)
16 (32 taps)  10.0    2.4e-5                    2.4e-5
============  ======  ========================  ========================

"power" is the bound ``10 log10(1 + 2 e + e^2)`` on the change of ``|H(f)|^2``. ``0.4 f_s``
(0.8 Nyquist) is the edge of the widest NR grid at its default sample rate (273 PRB at
30 kHz: 3276 subcarriers of a 4096-point FFT); the 15 kHz and other 30 kHz conformance
grids reach about ``0.31 f_s``.
"""

from __future__ import annotations

import functools
import math

import torch

from softran.validation import check_int, check_positive, check_real

__all__ = ["fractional_delay_error", "fractional_delay_taps"]


@functools.cache
def _taps(mu: float, half_length: int, beta: float) -> torch.Tensor:
    i = torch.arange(-half_length + 1, half_length + 1, dtype=torch.float64)
    if mu == 0.0:  # sinc(i) is 0 at every i != 0; exactly, not to rounding
        return (i == 0).to(torch.float64)
    t = i - mu
    arg = (1.0 - (t / half_length) ** 2).clamp(min=0.0).sqrt()
    w = torch.special.i0(beta * arg) / torch.special.i0(torch.tensor(beta, dtype=torch.float64))
    h = torch.sinc(t) * w
    return h / h.sum()


def fractional_delay_taps(mu: float, half_length: int, beta: float) -> torch.Tensor:
    """Taps of the Kaiser-windowed sinc that delays a band-limited signal by ``mu`` samples
    (module notes; the interpolator of TR 38.901 §7.7 path delays and of timing offsets).

    Args:
        mu: fractional delay in samples, ``0 <= mu < 1``.
        half_length: ``K``: ``2 K`` taps (1..64).
        beta: Kaiser window parameter (> 0).

    Returns:
        float64 ``[2 K]``: ``h_i`` for ``i = -K + 1 .. K`` (tap ``i`` weighs ``x[n - i]``),
        summing to 1. Cached: do not modify the result in place.

    >>> fractional_delay_taps(0.0, 2, 5.0).tolist()  # no delay: the unit impulse
    [0.0, 1.0, 0.0, 0.0]
    >>> h = fractional_delay_taps(0.5, 8, 5.0)        # half a sample: symmetric taps
    >>> bool(torch.allclose(h, h.flip(0))), round(float(h.sum()), 12)
    (True, 1.0)
    """
    mu = check_real("mu", mu, 0.0)
    if mu >= 1.0:
        raise ValueError(f"mu = {mu} is not allowed; allowed: 0 <= mu < 1 (the integer part "
                         "of a delay is a sample shift)")
    half_length = check_int("half_length", half_length, 1, 64)
    beta = check_positive("beta", beta)
    return _taps(float(mu), half_length, float(beta))


def fractional_delay_error(half_length: int, beta: float, max_frequency: float,
                           n_mu: int = 64, n_frequencies: int = 257) -> float:
    """Largest interpolation error ``|H(f) - exp(-j 2 pi f mu)|`` of
    :func:`fractional_delay_taps` over ``n_mu`` delays ``mu = m / n_mu`` and
    ``n_frequencies`` frequencies ``|f| <= max_frequency`` (in units of the sample rate,
    ``0 < max_frequency < 0.5``).

    >>> fractional_delay_error(8, 5.0, 0.4) <= 5.1e-3
    True
    """
    half_length = check_int("half_length", half_length, 1, 64)
    beta = check_positive("beta", beta)
    f_max = check_real("max_frequency", max_frequency, 0.0, 0.5)
    n_mu = check_int("n_mu", n_mu, 1)
    n_frequencies = check_int("n_frequencies", n_frequencies, 2)
    mus = torch.arange(n_mu, dtype=torch.float64) / n_mu
    h = torch.stack([_taps(float(m), half_length, float(beta)) for m in mus])  # [M, 2K]
    i = torch.arange(-half_length + 1, half_length + 1, dtype=torch.float64)
    f = torch.linspace(-f_max, f_max, n_frequencies, dtype=torch.float64)
    resp = (h[:, None, :] * torch.exp(-2j * math.pi * f[None, :, None] * i)).sum(-1)
    ideal = torch.exp(-2j * math.pi * f[None, :] * mus[:, None])
    return float((resp - ideal).abs().max())
