"""Timing offset estimation from DM-RS and its frequency-domain correction.

A delay τ (smaller than the cyclic prefix, so that the FFT window still sees one whole
symbol) multiplies subcarrier k of every OFDM symbol by ``e^{-j 2π f_k τ}`` with
``f_k = (k - K/2) Δf`` (the grid convention of :mod:`softran.nr.ofdm`). The estimate is
the classical phase-slope (lag-correlation) estimator: with the LS estimates at the DM-RS
(TS 38.211 §6.4.1.1) despread over each CDM block (so the other CDM layers cancel), at
block centres ``k_m`` spaced ``d`` subcarriers apart,

    φ = arg Σ_{rx, layers, symbols, m} g_{m+1} g_m^*  /  d      (radians per subcarrier)
    τ = -φ / (2π Δf)

refined twice by removing the slope from the raw LS values before despreading (see
:mod:`softran.nr.receiver.channel_estimate`). It is unambiguous for
``|τ| < 1 / (2 d Δf)`` (type-1 DM-RS, d = 4: 4.2 µs at 30 kHz) and measures the
power-weighted mean delay of the channel plus the timing offset.
"""

from __future__ import annotations

import math
import numbers

import torch

from softran.nr.receiver.references import (
    RefLayout,
    check_grid,
    least_squares,
    parse_references,
    slope_compensated_despread,
)
from softran.validation import check_positive, check_tensor

__all__ = ["timing_correct", "timing_estimate"]


def timing_estimate(rx_grid: torch.Tensor, ref_indices: torch.Tensor,
                    ref_symbols: torch.Tensor, subcarrier_spacing: float, *,
                    cdm_lengths: tuple[int, int] = (2, 1),
                    sample_rate: float | None = None) -> torch.Tensor:
    """Timing offset (mean delay) from the DM-RS phase slope (TS 38.211 §6.4.1.1 references;
    estimator in the module docstring).

    Parameters
    ----------
    rx_grid, ref_indices, ref_symbols, cdm_lengths : as :func:`channel_estimate`.
    subcarrier_spacing : Δf in Hz.
    sample_rate : if given, the delay is returned in samples at this rate instead of seconds.

    Returns
    -------
    float32 ``[...]`` (leading dims of ``rx_grid`` and ``ref_symbols`` broadcast, without
    n_rx): delay in seconds (or samples); positive means the signal arrives late.

    >>> k = torch.arange(0, 48, 2)
    >>> ind = (2 * 48 + k)[None]                           # 1 layer on symbol 2
    >>> rx = torch.zeros(1, 14, 48, dtype=torch.complex64)
    >>> tau = 0.5e-6                                       # 0.5 µs at 30 kHz
    >>> rx[0, 2, k] = torch.exp(-2j * math.pi * (k - 24) * 30e3 * tau).to(torch.complex64)
    >>> est = timing_estimate(rx, ind, torch.ones(1, 24, dtype=torch.complex64), 30e3)
    >>> round(est.item() * 1e9, 1)
    500.0
    """
    rx_grid = check_grid("rx_grid", rx_grid)
    scs = check_positive("subcarrier_spacing", subcarrier_spacing)
    fs = None if sample_rate is None else check_positive("sample_rate", sample_rate)
    layout, ref_symbols = parse_references(ref_indices, ref_symbols, *rx_grid.shape[-2:],
                                           cdm_lengths)
    if layout.n_blocks < 2:
        raise ValueError("the references give one CDM block per symbol; at least 2 are needed "
                         "for a phase slope")
    device = rx_grid.device
    layout = RefLayout(layout.n_layers, layout.n_symbols, layout.n_subcarriers,
                       layout.symbols.to(device), layout.k.to(device), layout.pos.to(device),
                       layout.fd, layout.td)
    g_raw = least_squares(rx_grid, layout, ref_symbols.to(device))
    _, phi = slope_compensated_despread(g_raw, layout)
    tau = -phi / (2 * math.pi * scs)
    if fs is not None:
        tau = tau * fs
    return tau.to(torch.float32)


def timing_correct(grid: torch.Tensor, delay: float | torch.Tensor,
                   subcarrier_spacing: float) -> torch.Tensor:
    """Remove a delay in the frequency domain: multiply subcarrier k by
    ``e^{+j 2π (k - K/2) Δf τ}`` (TS 38.211 §5.3.1 subcarrier frequencies with the grid
    centred as in :mod:`softran.nr.ofdm`). Valid for delays within the cyclic prefix.

    Parameters
    ----------
    grid : ``[..., n_symbols, K]`` complex grid (e.g. ``[..., n_rx, n_symbols, K]``).
    delay : τ in seconds: a number, or a real tensor broadcastable to ``grid.shape[:-2]``
        (e.g. ``timing_estimate(...)[..., None]`` for a ``[..., n_rx, ...]`` grid).
    subcarrier_spacing : Δf in Hz.

    >>> g = torch.ones(1, 4, dtype=torch.complex64)
    >>> out = timing_correct(g, 1 / (4 * 15e3), 15e3)      # a quarter turn per subcarrier
    >>> torch.view_as_real(out).round().abs()              # -1, -j, 1, j in magnitude
    tensor([[[1., 0.],
             [0., 1.],
             [1., 0.],
             [0., 1.]]])
    """
    grid = check_grid("grid", grid, min_dim=2)
    scs = check_positive("subcarrier_spacing", subcarrier_spacing)
    if isinstance(delay, numbers.Real) and not isinstance(delay, bool):
        if not math.isfinite(float(delay)):
            raise ValueError(f"delay = {delay} must be finite")
        tau = torch.tensor(float(delay), dtype=torch.float64, device=grid.device)
    else:
        tau = check_tensor("delay", delay)
        if tau.is_complex() or not tau.is_floating_point():
            raise TypeError(f"delay must be a number or a real floating tensor, got {tau.dtype}")
        try:
            shape = torch.broadcast_shapes(tau.shape, grid.shape[:-2])
        except RuntimeError:
            shape = None
        if shape != grid.shape[:-2]:
            raise ValueError(f"delay of shape {tuple(tau.shape)} does not broadcast to "
                             f"grid.shape[:-2] = {tuple(grid.shape[:-2])}")
        if tau.numel() and not bool(torch.isfinite(tau).all()):
            raise ValueError("delay must be finite")
        tau = tau.to(device=grid.device, dtype=torch.float64)
    n_sc = grid.shape[-1]
    f = (torch.arange(n_sc, dtype=torch.float64, device=grid.device) - n_sc / 2) * scs
    rot = torch.exp(2j * math.pi * f * tau[..., None, None])
    return grid * rot.to(grid.dtype)
