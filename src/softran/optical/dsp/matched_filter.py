"""Root-raised-cosine pulse and matched filter (Proakis, *Digital Communications*, §9.2).

The root-raised-cosine (RRC) impulse response with roll-off ``beta`` and symbol period ``T``
(t in units of T) is

    h(t) = [sin(pi t (1 - beta)) + 4 beta t cos(pi t (1 + beta))] / [pi t (1 - (4 beta t)^2)]

with the limits ``h(0) = 1 - beta + 4 beta / pi`` and, at ``t = +-1/(4 beta)``,
``beta/sqrt(2) [(1 + 2/pi) sin(pi/(4 beta)) + (1 - 2/pi) cos(pi/(4 beta))]``. The taps are
normalised to unit energy, so that transmit RRC * receive RRC is a raised cosine whose value
at t = 0 is 1: the symbols come out of the matched filter with their transmitted amplitude.
"""

from __future__ import annotations

import torch

from softran.optical.qam import check_signal

__all__ = ["matched_filter", "rrc_taps"]


def _check_rolloff(rolloff: object) -> float:
    if isinstance(rolloff, bool) or not isinstance(rolloff, (int, float)):
        raise TypeError(f"rolloff must be a number, got {type(rolloff).__name__}")
    rolloff = float(rolloff)
    if not 0.0 <= rolloff <= 1.0:
        raise ValueError(f"rolloff = {rolloff} is not allowed; allowed: 0 <= rolloff <= 1")
    return rolloff


def rrc_taps(rolloff: float, sps: int, span: int = 64, *,
             dtype: torch.dtype = torch.float64,
             device: torch.device | str | None = None) -> torch.Tensor:
    """Root-raised-cosine FIR taps, unit energy, ``span * sps + 1`` taps centred on tap
    ``span * sps / 2`` (Proakis §9.2): :func:`softran.optical.transmitter.rrc_filter` with a
    dtype and device.

    Args:
        rolloff: excess bandwidth ``beta`` in [0, 1].
        sps: samples per symbol (>= 1).
        span: filter length in symbols (even, >= 2).

    Returns:
        ``[span * sps + 1]`` real taps.

    >>> h = rrc_taps(0.0, 2, span=4)          # beta = 0: a sinc, zero at odd multiples of T
    >>> [round(v, 4) + 0.0 for v in (h / h[4]).tolist()]
    [0.0, -0.2122, 0.0, 0.6366, 1.0, 0.6366, 0.0, -0.2122, 0.0]
    """
    from softran.optical.transmitter import rrc_filter  # one RRC definition

    return rrc_filter(rolloff, sps, span).to(dtype=dtype, device=device)


def matched_filter(x: torch.Tensor, sps: int, rolloff: float, span: int = 64) -> torch.Tensor:
    """Filter with the RRC matched to the transmit pulse (Proakis §9.2; Savory 2010 §IV).

    Linear convolution (by FFT) with :func:`rrc_taps`, aligned so that output sample ``n``
    is centred on input sample ``n`` (``"same"`` mode: the group delay of the centred
    filter is removed).

    Args:
        x: ``[..., n_samples]`` complex baseband at ``sps`` samples per symbol.
        sps, rolloff, span: as :func:`rrc_taps`.

    Returns:
        ``[..., n_samples]``, the dtype and device of ``x``.

    >>> sps = 4
    >>> s = torch.zeros(1, 64 * sps, dtype=torch.complex64); s[0, 32 * sps] = 1   # one symbol
    >>> tx = matched_filter(s, sps, 0.2)                                    # transmit RRC
    >>> rx = matched_filter(tx, sps, 0.2)[0, ::sps]                          # raised cosine
    >>> round(rx[32].real.item(), 4), round(rx[33].abs().item(), 4)         # Nyquist: 1 and 0
    (1.0, 0.0)
    """
    x = check_signal("x", x, min_dim=1)
    h = rrc_taps(rolloff, sps, span, device=x.device).to(x.dtype)
    n, n_taps = x.shape[-1], h.numel()
    n_fft = n + n_taps - 1
    y = torch.fft.ifft(torch.fft.fft(x, n_fft, dim=-1) * torch.fft.fft(h, n_fft), dim=-1)
    delay = (n_taps - 1) // 2
    return y[..., delay:delay + n]
