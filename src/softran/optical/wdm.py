"""Wavelength-division multiplexing on the ITU-T G.694.1 DWDM grid.

Grid (ITU-T G.694.1): fixed grid ``f = 193.1 THz + n * spacing`` with spacing 12.5, 25,
50 or 100 GHz; flexible grid: nominal central frequency ``f = 193.1 THz + n * 6.25 GHz`` and
slot width ``12.5 GHz * m`` (integers ``n``, ``m >= 1``).

Baseband comb. The simulated band is centred on a reference frequency ``nu_0`` (e.g. the
anchor or the middle of the comb); channel ``k`` sits at offset ``Delta_k = f_k - nu_0`` and
FFT bin ``f`` of the field stands for optical frequency ``nu_0 + f`` (the convention of
:mod:`softran.optical.fibre`). Signals are periodic over the block (the split-step method
assumes it), so every offset must be a whole number of FFT bins ``fs / n``; other offsets are
rejected rather than rounded.
"""

from __future__ import annotations

import math
import numbers
from collections.abc import Sequence

import torch

from softran.optical.constants import (
    ITU_ANCHOR_FREQUENCY,
    ITU_FIXED_SPACINGS,
    ITU_FLEX_CENTRE_GRANULARITY,
    ITU_FLEX_SLOT_GRANULARITY,
)
from softran.validation import check_int, check_positive, check_tensor

__all__ = ["flex_slot", "itu_grid", "wdm_demultiplex", "wdm_multiplex"]


def flex_slot(n: int, m: int) -> tuple[float, float]:
    """Flexible-grid frequency slot of ITU-T G.694.1: ``(centre, width)`` in Hz with
    ``centre = 193.1 THz + n * 6.25 GHz`` and ``width = m * 12.5 GHz``.

    >>> flex_slot(-5, 3)
    (193068750000000.0, 37500000000.0)
    """
    n = check_int("n", n)
    m = check_int("m", m, 1)
    return ITU_ANCHOR_FREQUENCY + n * ITU_FLEX_CENTRE_GRANULARITY, m * ITU_FLEX_SLOT_GRANULARITY


def itu_grid(n_channels: int, spacing_ghz: float = 50.0, *, flex: bool = False,
             n_first: int | None = None) -> torch.Tensor:
    """Centre frequencies of a comb of adjacent channels on the ITU-T G.694.1 DWDM grid.

    * Fixed grid (``flex=False``): ``f_k = 193.1 THz + (n_first + k) * spacing`` with
      ``spacing_ghz`` in {12.5, 25, 50, 100}; default ``n_first = -((n_channels - 1) // 2)``
      (the comb straddles the anchor, one more channel above it when the count is even).
    * Flexible grid (``flex=True``): contiguous slots of width ``spacing_ghz = 12.5 m`` GHz,
      centres ``f_k = 193.1 THz + n_k * 6.25 GHz`` with ``n_k = n_first + 2 m k``; default
      ``n_first = -m (n_channels - 1)`` (the comb is centred on the anchor).

    Returns:
        float64 ``[n_channels]`` in Hz.

    >>> itu_grid(4, 50.0) / 1e12
    tensor([193.0500, 193.1000, 193.1500, 193.2000], dtype=torch.float64)
    >>> itu_grid(3, 37.5, flex=True) / 1e12
    tensor([193.0625, 193.1000, 193.1375], dtype=torch.float64)
    """
    n_channels = check_int("n_channels", n_channels, 1)
    if isinstance(spacing_ghz, bool) or not isinstance(spacing_ghz, numbers.Real):
        raise TypeError(f"spacing_ghz must be a number, got {spacing_ghz!r}")
    spacing = float(spacing_ghz) * 1e9
    if not isinstance(flex, bool):
        raise TypeError(f"flex must be bool, got {type(flex).__name__}")
    k = torch.arange(n_channels, dtype=torch.float64)
    if not flex:
        if spacing not in ITU_FIXED_SPACINGS:
            raise ValueError(f"spacing_ghz = {spacing_ghz} is not a G.694.1 fixed-grid spacing; "
                             "allowed: " + ", ".join(f"{s / 1e9:g}" for s in ITU_FIXED_SPACINGS)
                             + " (use flex=True for a flexible-grid comb)")
        n0 = -((n_channels - 1) // 2) if n_first is None else check_int("n_first", n_first)
        return ITU_ANCHOR_FREQUENCY + (n0 + k) * spacing
    m_real = spacing / ITU_FLEX_SLOT_GRANULARITY
    m = round(m_real)
    if m < 1 or abs(m_real - m) > 1e-9:
        raise ValueError(f"spacing_ghz = {spacing_ghz} is not a flexible-grid slot width; "
                         "allowed: 12.5 * m GHz with an integer m >= 1")
    n0 = -m * (n_channels - 1) if n_first is None else check_int("n_first", n_first)
    return ITU_ANCHOR_FREQUENCY + (n0 + 2 * m * k) * ITU_FLEX_CENTRE_GRANULARITY


def _offset_bins(offsets: torch.Tensor | Sequence[float], n: int, fs: float,
                 n_ch: int | None) -> torch.Tensor:
    off = torch.as_tensor(offsets, dtype=torch.float64).flatten().cpu() if not isinstance(
        offsets, torch.Tensor) else offsets.detach().to("cpu", torch.float64).flatten()
    if n_ch is not None and off.numel() != n_ch:
        raise ValueError(f"offsets has {off.numel()} entries; one per channel ({n_ch}) is required")
    if off.numel() == 0:
        raise ValueError("offsets must contain at least one frequency")
    if not bool(torch.isfinite(off).all()):
        raise ValueError("offsets must be finite")
    if bool((off.abs() >= fs / 2).any()):
        raise ValueError(f"offsets must lie inside (-fs/2, fs/2) = (+-{fs / 2:g} Hz); got "
                         f"{float(off.abs().max()):g} Hz")
    bins = off * n / fs
    rounded = bins.round()
    if bool(((bins - rounded).abs() > 1e-6).any()):
        bad = float(off[(bins - rounded).abs() > 1e-6][0])
        raise ValueError(f"offset {bad:g} Hz is not a whole number of FFT bins fs / n = "
                         f"{fs / n:g} Hz; the periodic block needs whole bins")
    return rounded.to(torch.int64)


def wdm_multiplex(fields: torch.Tensor, offsets: torch.Tensor | Sequence[float],
                  fs: float) -> torch.Tensor:
    """Combine channels into one WDM field: ``E(t) = sum_k E_k(t) exp(j 2 pi Delta_k t)``,
    ``t = i / fs`` (each channel moved to its grid offset, ITU-T G.694.1 via :func:`itu_grid`).

    Args:
        fields: complex ``[..., n_channels, n_pol, n]``, every channel at the WDM rate ``fs``.
        offsets: ``[n_channels]`` frequency offsets ``f_k - nu_0`` in Hz; whole FFT bins
            (``fs / n``) inside ``(-fs/2, fs/2)``.
        fs: sample rate [Hz].

    Returns:
        ``[..., n_pol, n]``, dtype and device of ``fields``.

    >>> x = torch.ones(2, 1, 8, dtype=torch.complex128)
    >>> y = wdm_multiplex(x, [0.0, 2e9], 8e9)
    >>> torch.round(y.real, decimals=6)
    tensor([[2., 1., 0., 1., 2., 1., 0., 1.]], dtype=torch.float64)
    """
    fields = check_tensor("fields", fields, min_dim=3)
    if not fields.is_complex():
        raise TypeError(f"fields must be a complex tensor, got dtype {fields.dtype}")
    fs = check_positive("fs", fs)
    n_ch, n = fields.shape[-3], fields.shape[-1]
    bins = _offset_bins(offsets, n, fs, n_ch).to(fields.device)
    i = torch.arange(n, device=fields.device, dtype=torch.int64)
    phase = (2 * math.pi / n) * ((bins[:, None] * i) % n).to(torch.float64)   # exact mod n
    carrier = torch.polar(torch.ones_like(phase), phase).to(fields.dtype)     # [n_ch, n]
    return (fields * carrier[:, None, :]).sum(-3)


def wdm_demultiplex(field: torch.Tensor, offsets: torch.Tensor | Sequence[float], fs: float,
                    bandwidth: float, decimation: int = 1) -> torch.Tensor:
    """Select channels from a WDM field: shift channel ``k`` to baseband
    (``exp(-j 2 pi Delta_k t)``), apply an ideal (brick-wall) low-pass of two-sided width
    ``bandwidth`` and keep every ``decimation``-th sample, all in the frequency domain: the
    output spectrum is the input spectrum at bins ``Delta_k / (fs/n) + f`` for the
    ``n / decimation`` bins ``f`` of the output grid, zero where ``|f| > bandwidth / 2``.
    The inverse of :func:`wdm_multiplex` for channels that fit their filter (ITU-T G.694.1
    grid via :func:`itu_grid`).

    Args:
        field: complex ``[..., n_pol, n]`` at ``fs``.
        offsets: ``[n_channels]`` offsets in Hz (whole FFT bins).
        fs: sample rate [Hz]. bandwidth: filter width [Hz], ``<= fs / decimation``.
        decimation: integer factor dividing ``n``; the output rate is ``fs / decimation``.

    Returns:
        ``[..., n_channels, n_pol, n / decimation]``; same amplitude scale as the channel
        fields given to :func:`wdm_multiplex`.

    >>> x = torch.ones(2, 1, 8, dtype=torch.complex128)
    >>> y = wdm_demultiplex(wdm_multiplex(x, [0.0, 2e9], 8e9), [0.0, 2e9], 8e9, 2e9, 2)
    >>> bool(torch.allclose(y, torch.ones(2, 1, 4, dtype=torch.complex128)))
    True
    """
    field = check_tensor("field", field, min_dim=2)
    if not field.is_complex():
        raise TypeError(f"field must be a complex tensor, got dtype {field.dtype}")
    fs = check_positive("fs", fs)
    bandwidth = check_positive("bandwidth", bandwidth)
    n = field.shape[-1]
    decimation = check_int("decimation", decimation, 1)
    if n % decimation:
        raise ValueError(f"decimation = {decimation} does not divide the block length n = {n}")
    if bandwidth > fs / decimation * (1 + 1e-12):
        raise ValueError(f"bandwidth = {bandwidth:g} Hz exceeds the output sample rate "
                         f"fs / decimation = {fs / decimation:g} Hz")
    bins = _offset_bins(offsets, n, fs, None).to(field.device)
    n_out = n // decimation
    f_out = torch.fft.fftfreq(n_out, d=1.0 / n_out, device=field.device).round().to(torch.int64)
    keep = (f_out.abs().to(torch.float64) * (fs / n)) <= bandwidth / 2 * (1 + 1e-12)
    idx = (bins[:, None] + f_out[None, :]) % n                                # [n_ch, n_out]
    spec = torch.fft.fft(field)
    sel = spec[..., idx]                                  # [..., n_pol, n_ch, n_out]
    sel = sel * keep.to(sel.dtype)
    out = torch.fft.ifft(sel) / decimation
    return out.transpose(-2, -3)
