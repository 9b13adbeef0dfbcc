"""PT-RS phase tracking: the common phase error (CPE) of each OFDM symbol.

The PT-RS of TS 38.211 §6.4.1.2 (PUSCH, CP-OFDM) exist so that the receiver can follow the
phase of the oscillators (phase noise, residual frequency offset) from symbol to symbol; the
DM-RS based channel estimate only knows the phase at the DM-RS symbols. How the receiver uses
them is an implementation choice; here:

1. On each PT-RS symbol l, the CPE relative to the channel estimate is the angle of
   ``sum_{ports, k, r} conj(h_r(l, k) p(k)) y_r(l, k)``: the PT-RS REs matched-filtered with the
   estimated channel of the associated layer and combined over antennas and PT-RS subcarriers
   (the maximum-likelihood CPE for a known channel in white noise).
2. Where the channel estimate follows the DM-RS symbols (linear time interpolation, or one
   DM-RS symbol), those symbols are anchors with CPE 0 (the estimate carries their phase);
   with an average over several DM-RS symbols or the true channel there are no anchors. The
   other symbols get the linear interpolation of the unwrapped phase between the known
   symbols (PT-RS and anchors), extrapolated linearly before the first and after the last.
3. The received grid of each symbol is rotated by ``exp(-j CPE)`` before detection.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import torch

from softran.validation import check_finite, check_tensor

__all__ = ["common_phase_correct", "interpolate_phase", "ptrs_common_phase_error"]


def ptrs_common_phase_error(grid: torch.Tensor, h: torch.Tensor, ptrs_indices: torch.Tensor,
                            ptrs_symbols: torch.Tensor) -> torch.Tensor:
    """CPE per OFDM symbol from the PT-RS of TS 38.211 §6.4.1.2 (step 1 of the module
    docstring).

    ``grid``: received ``[batch, n_rx, n_symbols, K]``; ``h``: channel estimate of each layer
    ``[batch, n_rx, n_layers, n_symbols, K]`` (batch 1 is broadcast); ``ptrs_indices`` /
    ``ptrs_symbols``: as :func:`~softran.nr.pusch_ptrs_indices` / :func:`~softran.nr.pusch_ptrs` (``[n_ports, n]``
    into the layer grid ``[n_layers, n_symbols, K]``). Returns float32 ``[batch, n_symbols]``
    radians in (-pi, pi], NaN on symbols without PT-RS.

    >>> h = torch.ones(1, 1, 1, 4, 12, dtype=torch.complex64)
    >>> ind = torch.tensor([[1 * 12 + 5, 3 * 12 + 5]])        # PT-RS on symbols 1 and 3
    >>> p = torch.tensor([[1 + 0j, -1 + 0j]], dtype=torch.complex64)
    >>> y = h[:, :, 0].clone()
    >>> y[0, 0, 1, 5], y[0, 0, 3, 5] = 1j, -1j                # rotated by +90 and -90 degrees
    >>> [round(math.degrees(v), 1) for v in ptrs_common_phase_error(y, h, ind, p)[0].tolist()
    ...  if not math.isnan(v)]
    [90.0, 90.0]
    """
    grid = check_finite("grid", check_tensor("grid", grid, min_dim=4))
    h = check_finite("h", check_tensor("h", h, min_dim=5))
    if grid.dim() != 4:
        raise ValueError(f"grid must be [batch, n_rx, n_symbols, K], got {tuple(grid.shape)}")
    b, n_rx, n_sym, k = grid.shape
    if (h.dim() != 5 or h.shape[0] not in (1, b) or h.shape[1] != n_rx
            or tuple(h.shape[-2:]) != (n_sym, k)):
        raise ValueError(f"h must have shape [batch, n_rx, n_layers, n_symbols, K] = "
                         f"[{b} (or 1), {n_rx}, n_layers, {n_sym}, {k}], got {tuple(h.shape)}")
    if ptrs_indices.shape != ptrs_symbols.shape or ptrs_indices.dim() != 2:
        raise ValueError(f"ptrs_indices and ptrs_symbols must both be [n_ports, n], got "
                         f"{tuple(ptrs_indices.shape)} and {tuple(ptrs_symbols.shape)}")
    n_layers = h.shape[-3]
    plane = n_sym * k
    if ptrs_indices.numel() and (int(ptrs_indices.min()) < 0
                                 or int(ptrs_indices.max()) >= n_layers * plane):
        raise ValueError(f"ptrs_indices must lie in [0, {n_layers * plane}) (the layer grid "
                         f"[{n_layers}, {n_sym}, {k}])")
    z = torch.zeros(b, n_sym, dtype=torch.complex64, device=grid.device)
    count = torch.zeros(n_sym, dtype=torch.int64, device=grid.device)
    y_flat = grid.flatten(-2)
    h_flat = h.flatten(-2)
    for ind, p in zip(ptrs_indices, ptrs_symbols):  # PT-RS ports (at most 2)
        layer, pos = ind // plane, ind % plane
        h_p = h_flat[:, :, layer, pos]                                    # [B, R, n]
        y_p = y_flat[..., pos]
        m = (torch.conj(h_p * p.to(h_p.dtype)) * y_p).sum(dim=1)       # [B, n]
        sym = pos // k
        z.index_add_(1, sym, m.to(z.dtype))
        count.index_add_(0, sym, torch.ones_like(sym))
    cpe = torch.angle(z).to(torch.float32)
    return torch.where(count > 0, cpe, torch.full_like(cpe, math.nan))


def interpolate_phase(phase: torch.Tensor, anchors: Sequence[int] = ()) -> torch.Tensor:
    """CPE of the OFDM symbols without PT-RS (TS 38.211 §6.4.1.2.2: PT-RS occupy every
    L_PT-RS-th symbol). Fills the NaN entries of ``phase`` ``[..., n_symbols]`` (radians) by
    linear interpolation
    over the symbol index between the known entries, after setting the ``anchors`` (DM-RS
    symbols) to 0; the phase is unwrapped along the known entries first. Entries before the
    first (after the last) known one continue the line through the first (last) two known
    ones, so a frequency offset's ramp is followed to the slot's edges; with one known entry
    they take its value, with none 0 (step 2 of the module docstring).

    >>> phi = torch.tensor([math.nan, math.nan, math.nan, 0.2, math.nan, 0.6, math.nan])
    >>> [round(v, 2) for v in interpolate_phase(phi, anchors=[1]).tolist()]
    [-0.1, 0.0, 0.1, 0.2, 0.4, 0.6, 0.8]
    """
    phase = check_tensor("phase", phase, min_dim=1)
    n = phase.shape[-1]
    out = phase.clone()
    for a in anchors:
        if not 0 <= int(a) < n:
            raise ValueError(f"anchors contains {a}; symbols are 0..{n - 1}")
        out[..., int(a)] = 0.0
    known = ~torch.isnan(out)                                  # [..., n]
    # unwrap along the known entries: each step between consecutive known values in (-pi, pi]
    filled = torch.where(known, out, 0.0)
    prev_val = torch.zeros_like(filled[..., 0])
    have_prev = torch.zeros_like(known[..., 0])
    unwrapped = filled.clone()
    for l in range(n):
        step = filled[..., l] - prev_val
        step = torch.remainder(step + math.pi, 2 * math.pi) - math.pi
        val = torch.where(have_prev, prev_val + step, filled[..., l])
        unwrapped[..., l] = torch.where(known[..., l], val, 0.0)
        prev_val = torch.where(known[..., l], val, prev_val)
        have_prev = have_prev | known[..., l]
    idx = torch.arange(n, device=phase.device).expand_as(out)
    big = n + 1
    # nearest known index at or left / right of each symbol, and strictly left / right of it
    left = torch.where(known, idx, -1).cummax(dim=-1).values
    right = torch.where(known, idx, big).flip(-1).cummin(dim=-1).values.flip(-1)
    left_excl = torch.cat([torch.full_like(left[..., :1], -1), left[..., :-1]], dim=-1)
    right_excl = torch.cat([right[..., 1:], torch.full_like(right[..., :1], big)], dim=-1)
    has_l, has_r = left >= 0, right < big

    def at(t: torch.Tensor, j: torch.Tensor) -> torch.Tensor:
        return torch.gather(t, -1, j.clamp(0, n - 1))

    # the two known points (a, b) whose line gives the value: the neighbours inside, the last
    # (first) two known points after (before) them; a == b where only one point is known
    last_prev = at(left_excl, left)
    first_next = at(right_excl, right)
    a = torch.where(has_l & has_r, left,
                    torch.where(has_l, torch.where(last_prev >= 0, last_prev, left), right))
    b = torch.where(has_l & has_r, right,
                    torch.where(has_l, left, torch.where(first_next < big, first_next, right)))
    v_a, v_b = at(unwrapped, a), at(unwrapped, b)
    slope = torch.where(b != a, (v_b - v_a) / (b - a).clamp_min(1).to(out.dtype), 0.0)
    line = v_a + (idx - a).to(out.dtype) * slope
    return torch.where(has_l | has_r, line, 0.0)


def common_phase_correct(grid: torch.Tensor, phase: torch.Tensor) -> torch.Tensor:
    """Common-phase-error correction for the PT-RS of TS 38.211 §6.4.1.2: ``grid``
    ``[batch, n_rx, n_symbols, K]`` with symbol l rotated by ``exp(-j phase[l])`` (``phase``
    ``[batch, n_symbols]`` radians, step 3 of the module docstring).

    >>> g = torch.ones(1, 1, 2, 3, dtype=torch.complex64)
    >>> y = common_phase_correct(g, torch.tensor([[0.0, math.pi / 2]]))[0, 0, :, 0]
    >>> torch.allclose(y, torch.tensor([1, -1j]), atol=1e-6)
    True
    """
    grid = check_finite("grid", check_tensor("grid", grid, min_dim=4))
    if tuple(phase.shape) != (grid.shape[0], grid.shape[-2]):
        raise ValueError(f"phase must have shape [batch, n_symbols] = "
                         f"[{grid.shape[0]}, {grid.shape[-2]}], got {tuple(phase.shape)}")
    rot = torch.polar(torch.ones_like(phase, dtype=torch.float32), -phase.to(torch.float32))
    return grid * rot.to(grid.dtype)[:, None, :, None]
