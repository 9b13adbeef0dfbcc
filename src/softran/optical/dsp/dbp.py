"""Digital back-propagation (Ip & Kahn, JLT 26(20) 2008; Savory 2010 §IV.C).

The received field is propagated backwards through the link by the symmetric split-step
Fourier method with the inverted fibre parameters: for each span, last first, the gain of
the amplifier that followed it is removed (``exp(-alpha L / 2)``: transparent amplifiers that
compensate the span loss exactly), then ``steps_per_span`` symmetric steps of

    D^-1(h/2) N^-1(h) D^-1(h/2),  D^-1(h) = exp[-(j beta2/2 omega^2 + j beta3/6 omega^3 -
    alpha/2) h],   N^-1(h) = exp(-j xi gamma_eff |E|^2 h_eff)

the exact inverses of the operators of :func:`softran.optical.fibre.ssfm` (same FFT
convention; ``gamma_eff = 8/9 gamma`` for two polarisations (Manakov), ``gamma`` for one;
``h_eff = 2 sinh(alpha h / 2) / alpha`` with the power at the step's midpoint). ``xi``
scales the nonlinearity (``xi = 0`` is CD compensation only; ``xi < 1`` is the usual
optimisation with few steps per span). This is a minimal split-step written here because
:class:`~softran.optical.fibre.FibreSpan` (engineer (a)) does not accept the negative loss
and nonlinearity that calling ``ssfm`` with inverted parameters would need.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import torch

from softran.optical.fibre import FibreSpan
from softran.optical.qam import check_signal
from softran.validation import check_int, check_positive

__all__ = ["digital_back_propagation"]


def digital_back_propagation(x: torch.Tensor, spans: Sequence[FibreSpan] | FibreSpan,
                             fs: float, *, launch_power: float | None = None,
                             steps_per_span: int = 10, xi: float = 1.0,
                             manakov: bool = True) -> torch.Tensor:
    """Back-propagate a received field through ``spans`` (Ip & Kahn 2008, split-step).

    Args:
        x: ``[..., n_pol, n]`` complex received field (after the last span's amplifier), at
            ``fs``. In sqrt(W) when ``launch_power`` is None; otherwise any scale: it is
            rescaled to a mean total power of ``launch_power`` (the power entering every span
            of a transparent link) and the result is scaled back.
        spans: the link's spans in propagation order.
        fs: sample rate [Hz]. launch_power: [W] per channel (all polarisations), or None.
        steps_per_span: symmetric split steps per span (>= 1).
        xi: nonlinearity scaling (>= 0).
        manakov: two polarisations use ``8/9 gamma`` (as :func:`~softran.optical.fibre.ssfm`).

    Returns:
        ``[..., n_pol, n]``, the estimated transmitted field (dtype, device and scale of ``x``).

    >>> from softran.optical.fibre import dispersion_transfer_function
    >>> span = FibreSpan(length_km=50.0, gamma_w_km=0.0)          # linear: inverse of H(omega)
    >>> x = torch.randn(2, 256, dtype=torch.complex128)
    >>> y = digital_back_propagation(x, span, 64e9, steps_per_span=1)
    >>> h = dispersion_transfer_function(span, 256, 64e9) * math.exp(span.alpha * 50e3 / 2)
    >>> bool(torch.allclose(y, torch.fft.ifft(torch.fft.fft(x) / h), atol=1e-9))
    True
    """
    x = check_signal("x", x, min_dim=2)
    spans = [spans] if isinstance(spans, FibreSpan) else list(spans)
    if not spans or not all(isinstance(s, FibreSpan) for s in spans):
        raise TypeError("spans must be a FibreSpan or a non-empty sequence of FibreSpan")
    fs = check_positive("fs", fs)
    steps_per_span = check_int("steps_per_span", steps_per_span, 1)
    if isinstance(xi, bool) or not isinstance(xi, (int, float)) or not xi >= 0:
        raise ValueError(f"xi = {xi!r} is not allowed; it must be a number >= 0")
    n_pol, n = x.shape[-2], x.shape[-1]
    if n_pol not in (1, 2):
        raise ValueError(f"x has n_pol = {n_pol}; allowed: 1, 2")
    e = x.to(torch.complex128)
    scale = torch.ones((), dtype=torch.float64, device=x.device)
    if launch_power is not None:
        launch_power = check_positive("launch_power", launch_power)
        p = e.abs().square().mean(-1).sum(-1)[..., None, None]
        scale = (launch_power / p.clamp_min(1e-300)).sqrt()
        e = e * scale
    omega = 2 * math.pi * torch.fft.fftfreq(n, 1.0 / fs, dtype=torch.float64, device=x.device)
    for span in reversed(spans):
        a, h = span.alpha, span.length / steps_per_span
        g_eff = span.gamma * (8.0 / 9.0 if (n_pol == 2 and manakov) else 1.0) * xi
        h_eff = h if a == 0 else 2 * math.sinh(a * h / 2) / a
        phase = -(span.beta2 / 2 * omega.square() + span.beta3 / 6 * omega.pow(3)) * (h / 2)
        lin_half = torch.polar(torch.full_like(omega, math.exp(a * h / 4)), phase)
        e = e * math.exp(-a * span.length / 2)               # undo the amplifier's gain
        for _ in range(steps_per_span):
            e = torch.fft.ifft(torch.fft.fft(e) * lin_half)
            if g_eff:
                p = e.abs().square().sum(-2, keepdim=True)
                e = e * torch.polar(torch.ones_like(p), -g_eff * p * h_eff)
            e = torch.fft.ifft(torch.fft.fft(e) * lin_half)
    return (e / scale).to(x.dtype)
