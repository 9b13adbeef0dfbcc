"""Practical DM-RS channel estimation with noise variance estimation.

The reference signals are the demodulation reference signals of TS 38.211 §6.4.1.1
(PUSCH DM-RS; §7.4.1.1 for PDSCH): on each DM-RS symbol a comb of subcarriers
(type 1: ``k = 4n + 2k' + Δ``, type 2: ``k = 6n + k' + Δ``) shared by up to 2 (type 1) or
3 (type 2) CDM groups, each carrying up to 4 ports separated by the frequency cover
``w_f(k')`` (k' = 0, 1) and the time cover ``w_t(l')`` (l' = 0, 1, double-symbol DM-RS).
How the receiver estimates the channel is an implementation choice; this one is MATLAB
``nrChannelEstimate``-like in its interface (plain tensors of indices and symbols) and
does, per batch element:

1. **LS.** ``g = y conj(r) / |r|^2`` at every reference RE of every layer and rx antenna.
2. **Timing (phase-slope) compensation.** A delay τ turns the channel into
   ``H(k) e^{-j 2π k Δf τ}``. The common slope φ (radians per subcarrier) is the argument
   of the lag-one autocorrelation of the despread estimates over frequency (summed over
   rx, layers and symbols), refined twice; the raw LS values are de-rotated by
   ``e^{-j φ k}`` *before* despreading and everything below works on the de-rotated
   channel, which is re-rotated at the end. Without this step a delay of 1 µs at 30 kHz
   would leak the other CDM layer into each despread estimate at about -14 dB.
3. **CDM despreading.** The LS values are averaged over each CDM block of ``fd``
   consecutive references in frequency and ``td`` consecutive DM-RS symbols (the
   ``cdm_lengths``); with orthogonal covers this removes the other layers of the CDM group
   exactly when their channel is constant over the block. One estimate per block remains,
   at the block's centre subcarrier; its noise variance is ``c σ²`` with
   ``c = (1/B²) Σ_{i∈block} 1/|r_i|²``, ``B = fd td``.
4. **Noise variance.** A local quadratic least-squares fit (Savitzky-Golay smoother ``Q``,
   5 blocks, fewer if the allocation has fewer; at the band edges the window is shifted
   inwards and the fit evaluated at the edge block) passes any channel that is
   quadratic over 5 blocks, so the residual ``e = (I - Q) g`` is noise only and
   ``E|e_m|² = σ² Σ_i |(I - Q)_{m,i}|² c_i``. The estimate per rx antenna is therefore::

       σ̂² = Σ_{layers, groups, m} |e_m|² / Σ_{layers, groups, m} Σ_i |(I - Q)_{m,i}|² c_i

   which is unbiased whenever the (de-rotated) channel is locally quadratic; the
   denominator is the smoother's bias factor (about 18/35 per interior block).
   The smoothing filter of step 5 is not used for this because an MMSE filter trades
   bias for noise on purpose, so its residual contains channel. Limitation: a channel
   with strong long-delay taps is not quadratic over 5 blocks and inflates the estimate
   at high SNR (TDL-C300 at 30 dB SNR, 30 kHz: about 6.6 times the true noise, i.e. the
   part of the channel the estimator cannot follow counts as noise).
5. **Frequency smoothing** of the despread estimates of each DM-RS symbol group:

   * ``freq_smoothing="auto"`` (default): a sliding-window Wiener (linear MMSE) filter
     of ``L = min(M, 41)`` blocks (window shifted inwards at the edges). The de-rotated
     channel is modelled as having a uniform power delay profile of width ``W`` centred
     on 0, i.e. frequency correlation ``r(Δk) = sinc(Δk Δf W)`` (``sinc(x) =
     sin(πx)/(πx)``; rms delay spread ``W / sqrt(12)``), and noise-to-signal ratio ``ε``.
     The weights of output block m are ``w = (R_pp + ε I)^{-1} r_p`` (``R_pp``: model
     correlation of the window's blocks, ``r_p``: their correlation with block m),
     normalised to sum to 1 so that the mean channel is not shrunk, with
     ``ε = σ̂² mean(c) / P̂`` (step 4; ``P̂ = mean|g|² - σ̂² mean(c)``, at least
     ``1e-3 mean|g|²``; ε at least 1e-4). ``W`` is chosen per batch element among 16
     widths (``W Δf d`` = 0.005 .. 0.78 of the delay range ``1/(Δf d)`` of the block
     comb, geometric) by **generalised cross-validation** (Craven & Wahba 1979): for the
     interior filter ``w`` with residual filter ``a = δ_c - w``,
     ``GCV = a^T Q a / (1 - w_c)²`` with ``Q`` the sample Gram matrix of the interior
     windows of despread estimates (rx, layers, symbol groups and up to 4096 window
     positions), i.e. the mean residual energy of the filter over those windows. A given
     ``delay_spread`` (rms, seconds, with ``subcarrier_spacing``) fixes
     ``W = sqrt(12) delay_spread`` instead. Measured (51 PRB, 30 kHz, 1x2, static, both
     DM-RS symbols, error over the whole slot): TDL-B100 at -3 dB SNR -11.2 dB MSE
     (LS: 0 dB), TDL-B100 at 30 dB -41.7 dB, TDL-C300 at 30 dB -29.2 dB (its taps reach
     2.6 µs; unsmoothed despreading: -29.5 dB).
   * ``freq_smoothing=n`` (an odd integer >= 1): moving average over n blocks (window
     shifted inwards at the edges); 1 means no smoothing.

6. **Frequency interpolation** to every subcarrier of every resource block (12
   subcarriers, counted from subcarrier 0 of the grid) that holds a reference of any layer
   (others stay 0): linear between the two nearest block centres, holding the first / last
   value beyond them.
7. **Time interpolation**: ``"linear"`` between the centres of the DM-RS symbol groups,
   holding the first / last group before / after them; ``"average"``: the mean of all
   groups on every symbol (slow channels; best noise reduction).

Statistical assumptions: the noise is white over the references (per rx antenna) and
independent of the data; the layers share one timing offset (one UE); the channel is
constant over each CDM block (as the covers need).
"""

from __future__ import annotations

import math
import numbers
import threading
from dataclasses import dataclass, field

import numpy as np
import torch

import softran.nr.receiver.references as references_module
from softran.nr.config import N_SC_RB
from softran.nr.receiver.estimate_kernels import (
    SMOOTH_FIXED,
    SMOOTH_GCV,
    SMOOTH_GIVEN,
    estimate_slot,
)
from softran.nr.receiver.references import (
    KernelPlan,
    RefLayout,
    block_noise_factor,
    check_grid,
    despread,
    kernel_ready,
    least_squares,
    parse_references,
    remember_checked,
    slope_compensated_despread,
)
from softran.validation import check_choice, check_int, check_positive

__all__ = ["channel_estimate", "channel_estimate_slot_args"]

_TIME_INTERPOLATIONS = ("linear", "average")
#: Largest window of the Wiener smoother, in CDM blocks.
MAX_WINDOW = 41


def _windows(n_blocks: int, length: int, device: torch.device) -> torch.Tensor:
    """``[M, L]`` indices of a window of L blocks around each block (shifted inwards)."""
    m = torch.arange(n_blocks, device=device)
    start = (m - (length - 1) // 2).clamp(0, n_blocks - length)
    return start[:, None] + torch.arange(length, device=device)


#: _geometry results by (device, block centres, windows): they depend on the reference layout
#: only, which a receiver reuses slot after slot (torch.unique over rows is costly)
_GEOMETRY_CACHE: dict[tuple[str, bytes, tuple[int, ...], bytes, tuple[int, ...]],
                      tuple[torch.Tensor, torch.Tensor]] = {}
_GEOMETRY_CACHE_SIZE = 64


def _geometry(kb: torch.Tensor, idx: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
    """Unique window geometries: (rel [U, L] subcarrier offsets from the output block,
    inverse [P, M] mapping every (layer, block) to its row of rel)."""
    key = (str(kb.device), kb.detach().cpu().numpy().tobytes(), tuple(kb.shape),
           idx.detach().cpu().numpy().tobytes(), tuple(idx.shape))
    hit = _GEOMETRY_CACHE.get(key)
    if hit is not None:
        return hit
    rel = kb[:, idx] - kb[:, :, None]                                   # [P, M, L]
    rounded = torch.round(rel * 1e6) / 1e6
    uniq, inverse = torch.unique(rounded.reshape(-1, rounded.shape[-1]), dim=0,
                                 return_inverse=True)
    out = (uniq, inverse.reshape(rel.shape[:2]))
    if len(_GEOMETRY_CACHE) >= _GEOMETRY_CACHE_SIZE:
        _GEOMETRY_CACHE.pop(next(iter(_GEOMETRY_CACHE)))
    _GEOMETRY_CACHE[key] = out
    return out


def _polyfit_weights(rel: torch.Tensor, order: int) -> torch.Tensor:
    """``[U, L]`` weights that evaluate at 0 the LS polynomial fit (degree ``order``)."""
    scale = rel.abs().amax(-1, keepdim=True).clamp_min(1.0)
    x = rel / scale
    v = torch.stack([x ** q for q in range(order + 1)], dim=-1)         # [U, L, q+1]
    e0 = torch.zeros(*rel.shape[:-1], order + 1, 1, dtype=rel.dtype, device=rel.device)
    e0[..., 0, 0] = 1.0
    a = torch.linalg.solve(v.mT @ v, e0)                                # [U, q+1, 1]
    return (v @ a).squeeze(-1)


#: eigendecompositions of the model correlation sinc(Δk W Δf) per (geometries, width): they
#: depend on the reference layout and the candidate width only, not on the slot
_EIG_CACHE: dict[tuple[str, bytes, tuple[int, ...], float],
                 tuple[torch.Tensor, torch.Tensor, torch.Tensor]] = {}
_EIG_CACHE_SIZE = 256


def _sinc_eig(rel: torch.Tensor, width: float) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
    """For geometries ``rel [U, L]`` and one normalised width: eigenvectors ``V [U, L, L]``
    and eigenvalues ``lam [U, L]`` of ``R_pp = sinc(Δk_ij width)``, and ``V^T r_p [U, L]``
    with ``r_p = sinc(rel width)``."""
    key = (str(rel.device), rel.detach().cpu().numpy().tobytes(), tuple(rel.shape), width)
    hit = _EIG_CACHE.get(key)
    if hit is not None:
        return hit
    dij = rel[:, :, None] - rel[:, None, :]                             # [U, L, L]
    lam, v = torch.linalg.eigh(torch.sinc(dij * width))
    proj = (v.mT @ torch.sinc(rel * width).unsqueeze(-1)).squeeze(-1)    # [U, L]
    if len(_EIG_CACHE) >= _EIG_CACHE_SIZE:
        _EIG_CACHE.pop(next(iter(_EIG_CACHE)))
    _EIG_CACHE[key] = (v, lam, proj)
    return v, lam, proj


def _wiener_weights(rel: torch.Tensor, width: torch.Tensor, eps: torch.Tensor) -> torch.Tensor:
    """``[..., U, L]`` Wiener weights for geometries ``rel [U, L]``, normalised model width
    ``width = W Δf`` ``[...]`` and loading ``eps [...]`` (float64).

    ``(R_pp + eps I)^{-1} r_p = V (lam + eps)^{-1} V^T r_p`` with the eigendecomposition of
    ``R_pp`` per distinct width (cached), so a new loading costs O(L^2), not O(L^3)."""
    shape = torch.broadcast_shapes(width.shape, eps.shape)
    width_f = width.expand(shape).reshape(-1)
    eps_f = eps.expand(shape).reshape(-1)
    values, inverse = torch.unique(width_f, return_inverse=True)
    v, lam, proj = _sinc_eig_stack(rel, tuple(values.tolist()))         # [W, U, L(, L)]
    if values.numel() == inverse.numel() and bool(
            (inverse == torch.arange(inverse.numel(), device=inverse.device)).all()):
        pass                             # one width per row, in order: no gather (no copy)
    else:
        v, lam, proj = v[inverse], lam[inverse], proj[inverse]
    coef = proj / (lam + eps_f[:, None, None])                         # [n, U, L]
    out = (v @ coef.unsqueeze(-1)).squeeze(-1)                         # [n, U, L]
    out = out / out.sum(-1, keepdim=True)
    return out.reshape(*shape, *rel.shape)


_EIG_STACK_CACHE: dict[tuple[str, bytes, tuple[int, ...], tuple[float, ...]],
                       tuple[torch.Tensor, torch.Tensor, torch.Tensor]] = {}


def _sinc_eig_stack(rel: torch.Tensor, widths: tuple[float, ...]
                    ) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
    """:func:`_sinc_eig` of every width, stacked: ``V [W, U, L, L]``, ``lam [W, U, L]``,
    ``V^T r_p [W, U, L]`` (cached per geometry and set of widths: a receiver asks for the
    same candidates every slot)."""
    key = (str(rel.device), rel.detach().cpu().numpy().tobytes(), tuple(rel.shape), widths)
    hit = _EIG_STACK_CACHE.get(key)
    if hit is not None:
        return hit
    parts = [_sinc_eig(rel, w) for w in widths]
    out = tuple(torch.stack([p[i] for p in parts]) for i in range(3))
    if len(_EIG_STACK_CACHE) >= _EIG_CACHE_SIZE:
        _EIG_STACK_CACHE.pop(next(iter(_EIG_STACK_CACHE)))
    _EIG_STACK_CACHE[key] = out  # type: ignore[assignment]
    return out  # type: ignore[return-value]


def _apply(g: torch.Tensor, idx: torch.Tensor, w: torch.Tensor) -> torch.Tensor:
    """Smooth ``g [..., R, P, G, M]`` with windows ``idx [M, L]`` and weights
    ``w [..., P, M, L]`` (real)."""
    w = w.to(g.real.dtype).unsqueeze(-3).unsqueeze(-5)                 # [..., 1, P, 1, M, L]
    return (g[..., idx] * w).sum(-1)


def _time_weights(layout: RefLayout, mode: str, device: torch.device) -> torch.Tensor:
    """``[n_symbols, G]`` interpolation weights from the DM-RS symbol groups to every symbol."""
    n_g = layout.n_groups
    if mode == "average" or n_g == 1:
        return torch.full((layout.n_symbols, n_g), 1.0 / n_g, dtype=torch.float64, device=device)
    lb = layout.group_l().to(device)
    l = torch.arange(layout.n_symbols, dtype=torch.float64, device=device).clamp(lb[0], lb[-1])
    right = torch.searchsorted(lb, l).clamp(1, n_g - 1)
    left = right - 1
    t = (l - lb[left]) / (lb[right] - lb[left])
    out = torch.zeros(layout.n_symbols, n_g, dtype=torch.float64, device=device)
    rows = torch.arange(layout.n_symbols, device=device)
    out[rows, left] += 1 - t
    out[rows, right] += t
    return out


def _freq_interpolation(kb: torch.Tensor, k_out: torch.Tensor
                        ) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
    """Linear interpolation from block centres ``kb [P, M]`` to ``k_out [Ka]``, holding
    at the ends: (left [P, Ka], right [P, Ka], t [P, Ka])."""
    n_blocks = kb.shape[1]
    k = k_out.to(torch.float64)
    if n_blocks == 1:
        z = torch.zeros(kb.shape[0], k.numel(), dtype=torch.int64, device=kb.device)
        return z, z, torch.zeros(z.shape, dtype=torch.float64, device=kb.device)
    kc = torch.maximum(torch.minimum(k[None, :], kb[:, -1:]), kb[:, :1])  # [P, Ka]
    right = torch.searchsorted(kb.contiguous(), kc.contiguous()).clamp(1, n_blocks - 1)
    left = right - 1
    kl = torch.gather(kb, 1, left)
    kr = torch.gather(kb, 1, right)
    return left, right, (kc - kl) / (kr - kl)


#: Candidate model widths W Δf d (fraction of the delay range 1/(Δf d) of the block comb).
_WIDTHS = tuple(round(0.005 * 1.4 ** i, 5) for i in range(16))     # 0.005 .. 0.78
#: Number of windows (summed over rx, layers, symbol groups) that the GCV score uses.
_GCV_WINDOWS = 4096
#: Smallest loading ε (noise-to-signal ratio of a despread estimate) of the Wiener filter.
MIN_LOADING = 1e-4


def _wiener_smooth(g: torch.Tensor, kb: torch.Tensor, width_given: float | None,
                   eps: torch.Tensor) -> torch.Tensor:
    """Sliding-window Wiener smoothing with (width, ε) chosen per batch element by
    generalised cross-validation (module docstring, step 5)."""
    n_blocks = g.shape[-1]
    device = g.device
    d0 = float((kb[:, 1:] - kb[:, :-1]).min())
    length = min(n_blocks, MAX_WINDOW)
    centre = (length - 1) // 2
    # Gram matrix Q[i, j] = mean over interior windows of g_{m-c+i} g_{m-c+j}^* (rx, layers,
    # groups and a subset of window positions): the residual energy of any interior
    # filter a is then exactly a^T Q a over those windows
    n_win = n_blocks - length + 1
    per_pos = g.shape[-4] * g.shape[-3] * g.shape[-2]
    step = max(1, (n_win * per_pos) // _GCV_WINDOWS)
    win = g.unfold(-1, length, step).flatten(-5, -2)                   # [..., N, L]
    r_hat = (win.mT @ win.conj()).to(torch.complex128) / win.shape[-2]   # [..., L, L]
    lags = torch.arange(length, device=device)
    # interior filters of every candidate width
    if width_given is not None:
        width = torch.full_like(eps, width_given)
    else:
        widths = torch.tensor(_WIDTHS, dtype=torch.float64, device=device) / d0
        rel = ((lags - centre) * d0).to(torch.float64)[None]           # [1, L]
        wc = _wiener_weights(rel, widths, eps[..., None])[..., 0, :]
        a = -wc                                                        # [..., W, L]
        a[..., centre] += 1.0
        # GCV = a^T Q a / (1 - w_c)^2 for every candidate and batch element
        a = a.to(torch.complex128)
        quad = torch.einsum("...wl,...lj,...wj->...w", a, r_hat, a).real
        gcv = quad / (1.0 - wc[..., centre]).square()
        width = widths[gcv.argmin(-1)]                                 # [...]
    idx_s = _windows(n_blocks, length, device)
    rel_s, inv_s = _geometry(kb, idx_s)
    w_s = _wiener_weights(rel_s, width, eps)[..., inv_s, :]             # [..., P, M, L]
    return _apply(g, idx_s, w_s)


@dataclass(frozen=True)
class _LayoutTerms:
    """What :func:`channel_estimate` derives from the reference layout alone (the same slot
    after slot for a receiver): block centres, the noise fit's windows and weights, the
    frequency and time interpolation."""

    kb: torch.Tensor        # [P, M] float64 block centres
    idx_q: torch.Tensor     # [M, L] windows of the local quadratic fit
    w_q: torch.Tensor       # [P, M, L] its weights
    a_sq: torch.Tensor      # [P, M, L] squared residual weights (noise factor)
    k_out: torch.Tensor     # [Ka] subcarriers of the resource blocks holding references
    left: torch.Tensor      # [P, Ka] frequency interpolation
    right: torch.Tensor
    t: torch.Tensor
    tw: torch.Tensor        # [n_symbols, G] float64 time interpolation weights


_LAYOUT_CACHE: dict[tuple[object, ...], _LayoutTerms] = {}
_LAYOUT_CACHE_SIZE = 64


def _layout_terms(layout: RefLayout, time_mode: str) -> _LayoutTerms:
    device = layout.k.device
    key = (str(device), layout.k.detach().cpu().numpy().tobytes(), tuple(layout.k.shape),
           layout.symbols.detach().cpu().numpy().tobytes(), layout.n_layers,
           layout.n_symbols, layout.n_subcarriers, layout.fd, layout.td, time_mode)
    hit = _LAYOUT_CACHE.get(key)
    if hit is not None:
        return hit
    n_blocks = layout.n_blocks
    kb = layout.block_k()
    l_q = min(5, n_blocks)
    idx_q = _windows(n_blocks, l_q, device)
    rel_q, inv_q = _geometry(kb, idx_q)
    w_q = _polyfit_weights(rel_q, min(2, l_q - 2))[inv_q]               # [P, M, L]
    a = (idx_q == torch.arange(n_blocks, device=device)[:, None]).to(torch.float64) - w_q
    prbs = torch.unique(layout.k // N_SC_RB)
    k_out = (prbs[:, None] * N_SC_RB + torch.arange(N_SC_RB, device=device)).flatten()
    left, right, t = _freq_interpolation(kb, k_out)
    out = _LayoutTerms(kb, idx_q, w_q, a.square(), k_out, left, right, t,
                       _time_weights(layout, time_mode, device))
    if len(_LAYOUT_CACHE) >= _LAYOUT_CACHE_SIZE:
        _LAYOUT_CACHE.pop(next(iter(_LAYOUT_CACHE)))
    _LAYOUT_CACHE[key] = out
    return out


#: (layout of parse_references, symbols, device, time mode) -> what depends on them alone;
#: parse_references returns the same layout object for the same references, so its id is
#: the key (the entry keeps the object alive and is checked by identity)
_REFERENCE_CACHE: dict[tuple[int, str, str], tuple[RefLayout, torch.Tensor, RefLayout,
                                                  torch.Tensor, _LayoutTerms, torch.Tensor]] = {}


def _reference_terms(parsed: RefLayout, ref_symbols: torch.Tensor, device: torch.device,
                     time_mode: str) -> tuple[RefLayout, torch.Tensor, _LayoutTerms,
                                              torch.Tensor]:
    """The layout and symbols on ``device``, the layout terms and the block noise factors
    ``c [..., P, G, M]`` (cached for the same references)."""
    key = (id(parsed), str(device), time_mode)
    hit = _REFERENCE_CACHE.get(key)
    if hit is not None and hit[0] is parsed and hit[1] is ref_symbols:
        return hit[2], hit[3], hit[4], hit[5]
    layout = RefLayout(parsed.n_layers, parsed.n_symbols, parsed.n_subcarriers,
                       parsed.symbols.to(device), parsed.k.to(device), parsed.pos.to(device),
                       parsed.fd, parsed.td)
    sym = ref_symbols.to(device)
    terms = _layout_terms(layout, time_mode)
    c = block_noise_factor(sym, layout)
    if len(_REFERENCE_CACHE) >= _LAYOUT_CACHE_SIZE:
        _REFERENCE_CACHE.pop(next(iter(_REFERENCE_CACHE)))
    _REFERENCE_CACHE[key] = (parsed, ref_symbols, layout, sym, terms, c)
    return layout, sym, terms, c


def _check_smoothing(freq_smoothing: object) -> int | str:
    if isinstance(freq_smoothing, str):
        return check_choice("freq_smoothing", freq_smoothing, ("auto",))
    if isinstance(freq_smoothing, bool) or not isinstance(freq_smoothing, numbers.Integral):
        raise TypeError(f"freq_smoothing must be 'auto' or an odd integer >= 1, got "
                        f"{freq_smoothing!r}")
    n = check_int("freq_smoothing", freq_smoothing, 1)
    if n % 2 == 0:
        raise ValueError(f"freq_smoothing = {n} is not allowed; it must be odd (a centred "
                         "moving average)")
    return n


def channel_estimate(rx_grid: torch.Tensor, ref_indices: torch.Tensor,
                     ref_symbols: torch.Tensor, *, cdm_lengths: tuple[int, int] = (2, 1),
                     freq_smoothing: int | str = "auto", time_interpolation: str = "linear",
                     delay_spread: float | None = None, subcarrier_spacing: float | None = None,
                     timing_compensation: bool = True) -> tuple[torch.Tensor, torch.Tensor]:
    """Channel and noise variance estimate from DM-RS (TS 38.211 §6.4.1.1 / §7.4.1.1).

    MATLAB namesake: ``nrChannelEstimate`` (practical estimator). The algorithm (LS,
    phase-slope compensation, CDM despreading, noise estimate, Wiener or moving-average
    smoothing, interpolation) is described in the module docstring.

    Parameters
    ----------
    rx_grid : ``[..., n_rx, n_symbols, n_subcarriers]`` complex received grid.
    ref_indices : int64 ``[n_layers, n_ref]`` 0-based linear indices into a
        ``[n_layers, n_symbols, n_subcarriers]`` grid (C order), row p for layer p, sorted
        by symbol then subcarrier; every layer has references on the same symbols, on the
        same subcarriers in each.
    ref_symbols : ``[..., n_layers, n_ref]`` complex reference symbols (nonzero).
    cdm_lengths : ``(fd, td)``: CDM block size in consecutive references in frequency
        (2 for NR DM-RS) and in consecutive DM-RS symbols (2 for double-symbol DM-RS).
    freq_smoothing : ``"auto"`` (Wiener filter) or an odd moving-average length >= 1.
    time_interpolation : ``"linear"`` or ``"average"``.
    delay_spread : rms delay spread in seconds for the Wiener model (``None``: estimated);
        needs ``subcarrier_spacing`` (Hz).
    timing_compensation : remove the common phase slope before despreading and smoothing.

    Returns
    -------
    ``(h, noise_var)``: ``h`` ``[..., n_rx, n_layers, n_symbols, n_subcarriers]`` (dtype of
    ``rx_grid``), zero outside the resource blocks that hold references;
    ``noise_var`` float32 ``[..., n_rx]``: estimated noise variance per RE per rx antenna
    (``E|n|²``). Leading dims are those of ``rx_grid`` and ``ref_symbols`` broadcast.

    >>> k = torch.arange(0, 48, 2)                       # one layer, comb on symbols 2, 11
    >>> ind = torch.cat([2 * 48 + k, 11 * 48 + k])[None]
    >>> sym = torch.ones(1, 48, dtype=torch.complex64)
    >>> rx = torch.zeros(1, 14, 48, dtype=torch.complex64)
    >>> rx[0, 2, k] = rx[0, 11, k] = 0.5 - 0.5j           # flat channel 0.5 - 0.5j
    >>> h, nv = channel_estimate(rx, ind, sym)
    >>> h.shape, torch.allclose(h, torch.full_like(h, 0.5 - 0.5j), atol=1e-4)
    (torch.Size([1, 1, 14, 48]), True)
    """
    key = None
    if references_module.KERNELS:
        # references and options seen before (the same tensors, unchanged): one kernel call
        key = _plan_key(ref_indices, ref_symbols, cdm_lengths, freq_smoothing,
                        time_interpolation, delay_spread, subcarrier_spacing,
                        timing_compensation)
        plan = None if key is None else _PLANS.get(key)
        if plan is not None and plan.matches(ref_indices, ref_symbols):
            out = _kernel_estimate(plan, rx_grid)
            if out is not None:
                return out
    rx_grid = check_grid("rx_grid", rx_grid)
    n_symbols, n_sc = rx_grid.shape[-2:]
    ref_indices_in, ref_symbols_in = ref_indices, ref_symbols
    layout, ref_symbols = parse_references(ref_indices, ref_symbols, n_symbols, n_sc,
                                           cdm_lengths)
    smoothing = _check_smoothing(freq_smoothing)
    time_mode = check_choice("time_interpolation", time_interpolation, _TIME_INTERPOLATIONS)
    if not isinstance(timing_compensation, bool):
        raise TypeError(f"timing_compensation must be a bool, got {timing_compensation!r}")
    width_given = None
    if delay_spread is not None:
        delay_spread = check_positive("delay_spread", delay_spread)
        if subcarrier_spacing is None:
            raise ValueError("delay_spread needs subcarrier_spacing (Hz) to be given too")
        width_given = math.sqrt(12.0) * delay_spread * check_positive("subcarrier_spacing",
                                                                      subcarrier_spacing)
    elif subcarrier_spacing is not None:
        check_positive("subcarrier_spacing", subcarrier_spacing)
    n_blocks = layout.n_blocks
    if n_blocks < 2:
        raise ValueError(f"the references give {n_blocks} CDM block per layer and symbol; "
                         "at least 2 are needed to estimate the noise")
    if isinstance(smoothing, int) and smoothing > n_blocks:
        raise ValueError(f"freq_smoothing = {smoothing} is larger than the {n_blocks} CDM "
                         "blocks per layer and symbol")
    device = rx_grid.device
    if key is not None and ref_symbols.dim() == 2 and kernel_ready(rx_grid):
        plan = _build_plan(layout, ref_symbols, time_mode, smoothing, width_given,
                           timing_compensation, ref_indices_in, ref_symbols_in)
        out = _kernel_estimate(plan, rx_grid)
        if out is not None:
            if len(_PLANS) >= _PLANS_SIZE:
                _PLANS.pop(next(iter(_PLANS)))
            _PLANS[key] = plan
            return out
    layout, ref_symbols, terms, c = _reference_terms(layout, ref_symbols, device, time_mode)
    g_raw = least_squares(rx_grid, layout, ref_symbols)                # [..., R, P, n_ref]
    if timing_compensation:
        g, phi = slope_compensated_despread(g_raw, layout)            # [..., R, P, G, M]
    else:
        g = despread(g_raw, layout)
        phi = torch.zeros(g.shape[:-4], dtype=torch.float64, device=device)
    kb = terms.kb                                                      # [P, M] float64

    # noise variance from the residual of a local quadratic fit (module docstring, step 4)
    idx_q, w_q = terms.idx_q, terms.w_q                                # [M, L], [P, M, L]
    resid = g - _apply(g, idx_q, w_q)
    factor = (c[..., idx_q] * terms.a_sq.to(c.dtype).unsqueeze(-3)).sum(-1)  # [..., P, G, M]
    num = resid.abs().square().sum(dim=(-3, -2, -1))                   # [..., R]
    noise_var = num / factor.sum(dim=(-3, -2, -1)).unsqueeze(-1)

    # frequency smoothing (step 5)
    if smoothing == "auto":
        c_mean = c.mean(dim=(-3, -2, -1)).to(torch.float64)
        nv = noise_var.mean(-1).to(torch.float64) * c_mean
        power = g.abs().square().mean(dim=(-4, -3, -2, -1)).to(torch.float64)
        sig = torch.maximum(power - nv, 1e-3 * power).clamp_min(torch.finfo(torch.float64).tiny)
        eps = (nv / sig).clamp_min(MIN_LOADING)
        hb = _wiener_smooth(g, kb, width_given, eps)
    elif smoothing == 1:
        hb = g
    else:
        idx_s = _windows(n_blocks, smoothing, device)
        hb = _apply(g, idx_s, torch.full((layout.n_layers, n_blocks, smoothing),
                                         1.0 / smoothing, dtype=torch.float64, device=device))

    # frequency interpolation to the resource blocks holding references (step 6)
    k_out, left, right, t = terms.k_out, terms.left, terms.right, terms.t
    shape = (*hb.shape[:-1], k_out.numel())
    t = t.to(hb.real.dtype)[:, None, :]                                # [P, 1, Ka]
    hf = (torch.gather(hb, -1, left[:, None, :].expand(shape)) * (1 - t)
          + torch.gather(hb, -1, right[:, None, :].expand(shape)) * t)  # [..., R, P, G, Ka]
    if timing_compensation:
        rot = torch.exp(1j * phi[..., None, None, None, None] * k_out.to(torch.float64))
        hf = hf * rot.to(hf.dtype)

    # time interpolation (step 7)
    tw = terms.tw.to(hf.dtype)                                         # [n_symbols, G]
    ht = torch.einsum("...gk,lg->...lk", hf, tw)                       # [..., R, P, S, Ka]
    h = torch.zeros((*ht.shape[:-1], n_sc), dtype=rx_grid.dtype, device=device)
    h[..., k_out] = ht.to(rx_grid.dtype)
    return h, noise_var.to(torch.float32)


# ------------------------------------------------------------------ CPU kernel (complex64)


def _plan_key(ref_indices: object, ref_symbols: object, cdm_lengths: object,
              freq_smoothing: object, time_interpolation: object, delay_spread: object,
              subcarrier_spacing: object, timing_compensation: object
              ) -> tuple[object, ...] | None:
    """The key of a kernel plan: the references by identity and the options with their
    types (1, 1.0 and True hash alike); None for options that cannot be a key."""
    if type(cdm_lengths) is not tuple or len(cdm_lengths) != 2:
        return None
    key = (id(ref_indices), id(ref_symbols), cdm_lengths, type(cdm_lengths[0]),
           type(cdm_lengths[1]), freq_smoothing, type(freq_smoothing), time_interpolation,
           type(time_interpolation), delay_spread, type(delay_spread), subcarrier_spacing,
           type(subcarrier_spacing), timing_compensation, type(timing_compensation))
    try:
        hash(key)
    except TypeError:
        return None
    return key


@dataclass
class _Plan(KernelPlan):
    """Everything :func:`~softran.nr.receiver.estimate_kernels.estimate_slot` needs that
    depends on the references and options alone (numpy, CPU), and its workspaces."""

    n_ref: int
    n_groups: int
    n_blocks: int
    consts: tuple[object, ...]       # pos .. min_loading (estimate_slot's arguments, in order)
    mode: int
    smooth: tuple[object, ...]       # gcv_vt, gcv_lam, gcv_proj
    smooth_s: tuple[object, ...]     # s_vt, s_lam, s_proj, j_of_u, runs_s
    w_fixed: np.ndarray | None
    n_u: int
    length: int                      # window of the smoother
    interp: tuple[object, ...]       # k_out, k_runs, k_zero, left, right, t, tw
    work: dict[tuple[int, int, int], tuple[object, ...]] = field(default_factory=dict)

    def workspace(self, n_b: int, n_r: int) -> tuple[object, ...]:
        """estimate_slot's arguments after the grid and before the outputs (the plan's
        terms, the GCV stride and the workspaces), with one set of workspaces per batch
        size, antenna count and thread (the kernel releases the GIL)."""
        key = (n_b, n_r, threading.get_ident())
        hit = self.work.get(key)
        if hit is not None:
            return hit
        n_p, n_g, n_m = self.n_layers, self.n_groups, self.n_blocks
        n_ka = self.interp[0].size                                 # type: ignore[union-attr]
        n_l = self.length
        c64 = np.complex64
        g = np.empty((n_b, n_r, n_p, n_g, n_m), c64)
        work = ((self.w_fixed if self.w_fixed is not None
                 else np.empty((self.n_u, n_l), np.float32)),       # w_u
                np.empty((4, self.n_ref)),                         # dwork
                np.empty((n_b, n_r, n_p, self.n_ref), c64),        # g_raw
                g, g.view(np.float32),                             # g, gf
                np.empty(n_b, np.float64),                         # phi
                np.empty((n_r, n_p, n_g, 2 * n_m), np.float32),    # fit
                np.empty((n_r, n_p, n_g, 2 * n_m), np.float32),    # hbf
                np.empty((n_g, 2 * n_ka), np.float32),             # hff
                np.empty(2 * n_ka, np.float32),                    # rot
                np.empty((n_r * n_p * n_g, n_m), np.float32),      # gr
                np.empty((n_r * n_p * n_g, n_m), np.float32),      # gi
                np.empty(n_m, np.float32),                         # s
                np.empty(n_m),                                     # s64
                np.empty((n_l, n_l)),                              # q
                np.empty(n_l),                                     # wc
                np.empty(n_l))                                     # qa
        n_pos = self.n_blocks - self.length + 1
        step = max(1, (n_pos * n_r * n_p * n_g) // _GCV_WINDOWS)
        args = (*self.consts, self.mode, *self.smooth, step, *self.smooth_s, work[0],
                *self.interp, *work[1:])
        if len(self.work) >= 16:
            self.work.pop(next(iter(self.work)))
        self.work[key] = args
        return args


#: kernel plans by (id of the references, options); the plan holds the reference tensors
#: and their version counters, so a hit is checked by identity (and the grid's shape)
_PLANS: dict[tuple[object, ...], _Plan] = {}
#: plans kept (a plan of a gapped allocation holds an eigendecomposition per window geometry
#: and candidate width, some MB; a uniform comb's, 0.2 MB)
_PLANS_SIZE = 16


def _np(t: torch.Tensor, dtype: type) -> np.ndarray:
    return np.ascontiguousarray(t.detach().cpu().numpy(), dtype=dtype)


def _window_runs(idx: torch.Tensor, inv: torch.Tensor) -> np.ndarray:
    """``[n, 5]`` runs ``(p, m0, m1, st0, u)``: blocks ``m0 <= m < m1`` of layer p whose
    windows ``idx [M, L]`` start at ``st0 + m - m0`` and use geometry ``u = inv[p, m]``
    (the interior of a uniform comb is one run; each edge block is its own)."""
    start = idx[:, 0].numpy()
    inv_np = inv.numpy()
    n_p, n_m = inv_np.shape
    off = start - np.arange(n_m)
    rows = []
    for p in range(n_p):
        change = np.ones(n_m, dtype=bool)
        change[1:] = (inv_np[p, 1:] != inv_np[p, :-1]) | (off[1:] != off[:-1])
        first = np.flatnonzero(change)
        last = np.append(first[1:], n_m)
        rows.append(np.stack([np.full_like(first, p), first, last, start[first],
                              inv_np[p, first]], -1))
    return np.ascontiguousarray(np.concatenate(rows), dtype=np.int64)


def _build_plan(parsed: RefLayout, ref_symbols: torch.Tensor, time_mode: str,
                smoothing: int | str, width_given: float | None, timing: bool,
                ref_indices_in: torch.Tensor, ref_symbols_in: torch.Tensor) -> _Plan:
    """The kernel's layout terms, computed by the torch reference's own helpers (so that
    both paths use the same windows, weights and eigendecompositions)."""
    cpu = torch.device("cpu")
    layout, sym, terms, c = _reference_terms(parsed, ref_symbols, cpu, time_mode)
    kb = terms.kb
    n_blocks = layout.n_blocks
    r = sym.to(torch.complex64)
    rinv = r.conj() / (r.real.square() + r.imag.square())
    dk = kb[:, 1:] - kb[:, :-1]
    d0 = float(dk.min())
    k_ref = layout.k.to(torch.float64).repeat(1, layout.n_dsym)
    mask = torch.abs(dk - d0) < 1e-9
    factor = (c[..., terms.idx_q] * terms.a_sq.to(c.dtype).unsqueeze(-3)).sum(-1)
    l_q = terms.idx_q.shape[1]
    rel_q, inv_q = _geometry(kb, terms.idx_q)
    w_q = _polyfit_weights(rel_q, min(2, l_q - 2))                       # [Uq, Lq]
    consts = (_np(layout.pos, np.int64), _np(rinv.resolve_conj(), np.complex64),
              _np(k_ref, np.float64), _np(mask, np.bool_), d0, layout.td, layout.fd, timing,
              _window_runs(terms.idx_q, inv_q), _np(w_q.to(torch.float32), np.float32),
              float(factor.sum()), float(c.mean().to(torch.float64)), MIN_LOADING)
    dummy3, dummy2 = np.zeros((1, 1, 1)), np.zeros((1, 1))
    smooth: tuple[object, ...] = (dummy3, dummy2, dummy2)
    w_fixed = None
    if smoothing == "auto":
        length = min(n_blocks, MAX_WINDOW)
        centre = (length - 1) // 2
        if width_given is None:
            mode = SMOOTH_GCV
            widths = tuple(torch.unique(torch.tensor(_WIDTHS, dtype=torch.float64)
                                        / d0).tolist())
            rel = ((torch.arange(length) - centre) * d0).to(torch.float64)[None]
            v, lam, proj = _sinc_eig_stack(rel, widths)                 # [W, 1, L(, L)]
            smooth = (_np(v[:, 0].mT, np.float64), _np(lam[:, 0], np.float64),
                      _np(proj[:, 0], np.float64))
        else:
            mode = SMOOTH_GIVEN
            widths = (float(width_given),)
        idx_s = _windows(n_blocks, length, cpu)
        rel_s, inv_s = _geometry(kb, idx_s)
        # a uniform comb: every window holds the same blocks relative to each other, the
        # output block at place j of it (then one eigendecomposition serves all windows)
        lags = torch.arange(length, dtype=torch.float64)
        j_of_u = torch.round(-rel_s[:, 0] / d0)
        uniform = bool(((j_of_u >= 0) & (j_of_u < length)).all()) and bool(
            (rel_s - (lags[None] - j_of_u[:, None]) * d0).abs().max() < 1e-9)
        if uniform and mode == SMOOTH_GCV:
            # the GCV's interior window is that window: share its eigendecompositions (the
            # kernel reads them every slot; one copy stays in cache)
            eig: tuple[np.ndarray, ...] = tuple(a[:, None] for a in smooth)  # type: ignore
        else:
            rel_eig = ((lags - centre) * d0)[None] if uniform else rel_s
            parts = [_sinc_eig(rel_eig, w) for w in widths]
            eig = tuple(_np(torch.stack([p[i].mT if i == 0 else p[i] for p in parts]),
                            np.float64) for i in range(3))
        smooth_s: tuple[object, ...] = (
            *eig, _np(j_of_u, np.int64) if uniform else np.zeros(0, np.int64),
            _window_runs(idx_s, inv_s))
        n_u = int(rel_s.shape[0])
    else:
        mode = SMOOTH_FIXED
        length = int(smoothing)
        idx_s = _windows(n_blocks, length, cpu)
        w_fixed = np.full((1, length), np.float32(1.0 / length), dtype=np.float32)
        smooth_s = (np.zeros((1, 1, 1, 1)), dummy3, dummy3, np.zeros(0, np.int64),
                    _window_runs(idx_s, torch.zeros((layout.n_layers, n_blocks),
                                                    dtype=torch.int64)))
        n_u = 1
    k_out = _np(terms.k_out, np.int64)
    brk = np.flatnonzero(np.diff(k_out) != 1) + 1
    first = np.concatenate([[0], brk])
    last = np.append(brk, k_out.size)
    k_runs = np.ascontiguousarray(np.stack([first, last, k_out[first]], -1), dtype=np.int64)
    keep = torch.ones(layout.n_subcarriers, dtype=torch.bool)
    keep[terms.k_out] = False
    interp = (k_out, k_runs, _np(torch.nonzero(keep).flatten(), np.int64),
              _np(terms.left, np.int64), _np(terms.right, np.int64),
              _np(terms.t.to(torch.float32), np.float32), _np(terms.tw.to(torch.float32),
                                                               np.float32))
    versions = (ref_indices_in._version, ref_symbols_in._version)
    return _Plan(ref_indices_in, ref_symbols_in, versions, layout.n_layers, layout.n_symbols,
                 layout.n_subcarriers, int(layout.pos.shape[1]), layout.n_groups, n_blocks,
                 consts, mode, smooth, smooth_s, w_fixed, n_u, length, interp)


def _kernel_estimate(plan: _Plan, rx_grid: object
                     ) -> tuple[torch.Tensor, torch.Tensor] | None:
    """:func:`channel_estimate` by the Numba kernel, or None where ``rx_grid`` is not a
    plain complex64 CPU tensor ``[..., n_rx, n_symbols, K]`` of the plan's grid (no
    autograd, no conjugate or negative bit: ``numpy()`` refuses those)."""
    if type(rx_grid) is not torch.Tensor or rx_grid.dtype is not torch.complex64:
        return None
    try:
        a = rx_grid.numpy()
    except (RuntimeError, TypeError):
        return None
    shape = a.shape
    n_symbols, n_sc, n_layers = plan.n_symbols, plan.n_sc, plan.n_layers
    if a.ndim < 3 or a.size == 0 or shape[-2] != n_symbols or shape[-1] != n_sc:
        return None
    lead, n_r = shape[:-3], shape[-3]
    grid = a.reshape(-1, n_r, n_symbols * n_sc)
    if not grid.flags.c_contiguous:
        grid = np.ascontiguousarray(grid)
    n_b = grid.shape[0]
    args = plan.workspace(n_b, n_r)
    h = np.empty((*lead, n_r, n_layers, n_symbols, n_sc), np.complex64)
    nv = np.empty((*lead, n_r), np.float32)
    one = len(lead) == 1
    finite = estimate_slot(grid, *args,
                           h if one else h.reshape(n_b, n_r, n_layers, n_symbols, n_sc),
                           nv if one else nv.reshape(n_b, n_r))
    if not finite:
        check_grid("rx_grid", rx_grid)          # raises for NaN / inf
    h_t, nv_t = torch.from_numpy(h), torch.from_numpy(nv)
    # the next stage (noise_covariance) takes these without converting or checking again
    remember_checked((rx_grid, a), (h_t, h), (nv_t, nv))
    return h_t, nv_t


def channel_estimate_slot_args(ref_indices: torch.Tensor, ref_symbols: torch.Tensor,
                               n_symbols: int, n_subcarriers: int, n_batch: int, n_rx: int, *,
                               cdm_lengths: tuple[int, int] = (2, 1),
                               freq_smoothing: int | str = "auto",
                               time_interpolation: str = "linear",
                               delay_spread: float | None = None,
                               subcarrier_spacing: float | None = None,
                               timing_compensation: bool = True) -> tuple[object, ...] | None:
    """The arguments of :func:`~softran.nr.receiver.estimate_kernels.estimate_slot` between
    the grid and its outputs (the plan's layout terms and workspaces for ``n_batch`` x
    ``n_rx`` on this thread) for the DM-RS references of TS 38.211 §6.4.1.1 / §7.4.1.1 and
    options that :func:`channel_estimate` has already run its kernel with, on a
    ``[n_symbols, n_subcarriers]`` grid: for a caller that runs the kernel itself inside a
    larger compiled pass. None where there is no such plan (the same tensors, unchanged,
    and the same options with the same types as that call; run :func:`channel_estimate`
    once first). The workspaces are shared with :func:`channel_estimate` on this thread.

    >>> k = torch.arange(0, 48, 2)
    >>> ind = torch.cat([2 * 48 + k, 11 * 48 + k])[None]
    >>> sym = torch.ones(1, 48, dtype=torch.complex64)
    >>> channel_estimate_slot_args(ind, sym, 14, 48, 1, 1) is None          # not yet planned
    True
    >>> _ = channel_estimate(torch.ones(1, 14, 48, dtype=torch.complex64), ind, sym)
    >>> len(channel_estimate_slot_args(ind, sym, 14, 48, 1, 1)) > 0
    True
    """
    if not references_module.KERNELS:
        return None
    key = _plan_key(ref_indices, ref_symbols, cdm_lengths, freq_smoothing, time_interpolation,
                    delay_spread, subcarrier_spacing, timing_compensation)
    plan = None if key is None else _PLANS.get(key)
    if (plan is None or not plan.matches(ref_indices, ref_symbols)
            or (plan.n_symbols, plan.n_sc) != (n_symbols, n_subcarriers)):
        return None
    return plan.workspace(n_batch, n_rx)
