"""Interference-plus-noise covariance from DM-RS residuals, for MMSE-IRC.

At every reference RE (TS 38.211 §6.4.1.1 DM-RS) the disturbance seen by the rx antennas
is estimated as the residual ``e = y - Σ_j h_j x_j`` of the received vector after
removing every layer's reference ``x_j`` (0 where layer ``j`` has no reference on that RE)
through its estimated channel ``h_j``. The covariance is the sample mean of ``e e^H``
over the reference REs of each group of ``prb_block`` resource blocks (blocks counted from
subcarrier 0 of the grid: subcarrier ``k`` belongs to block ``k // (12 prb_block)``) and
over all reference symbols of the slot.

Bias: ``h`` was estimated from the same noise, so the residual power is smaller than the
disturbance by the share of degrees of freedom the channel estimator used. Given the
per-antenna disturbance variance ``noise_var`` of :func:`channel_estimate` (unbiased for a
channel that is locally quadratic in frequency), every block's covariance is scaled by
``Σ_rx noise_var / Σ_rx mean_RE |e_rx|²`` (one factor per batch element) which removes
that bias and keeps each block's spatial structure. Finally a diagonal loading
``loading * tr(R) / n_rx`` is added to every block. Blocks without reference REs get the
mean covariance of the blocks that have them.
"""

from __future__ import annotations

import math
import threading
from dataclasses import dataclass, field

import numpy as np
import torch

import softran.nr.receiver.references as references_module
from softran.nr.config import N_SC_RB
from softran.nr.receiver.covariance_kernels import (
    BAD_NOISE_VAR,
    NOT_FINITE,
    SILENT_FLOOR,
    covariance_slot,
)
from softran.nr.receiver.references import (
    KernelPlan,
    check_grid,
    checked_array,
    kernel_ready,
    parse_references,
)
from softran.validation import check_int, check_tensor

__all__ = ["noise_covariance", "noise_covariance_slot_args"]


def noise_covariance(rx_grid: torch.Tensor, h: torch.Tensor, ref_indices: torch.Tensor,
                     ref_symbols: torch.Tensor, *, prb_block: int = 4,
                     noise_var: torch.Tensor | None = None,
                     loading: float = 1e-2) -> torch.Tensor:
    """Interference-plus-noise covariance per PRB block from DM-RS residuals
    (TS 38.211 §6.4.1.1 references; estimator as in the module docstring).

    Parameters
    ----------
    rx_grid : ``[..., n_rx, n_symbols, n_subcarriers]`` complex received grid.
    h : ``[..., n_rx, n_layers, n_symbols, n_subcarriers]`` channel estimate.
    ref_indices, ref_symbols : the references, as :func:`channel_estimate`
        (``cdm_lengths`` play no role here).
    prb_block : resource blocks per covariance block (>= 1).
    noise_var : optional ``[..., n_rx]`` disturbance variance per antenna (from
        :func:`channel_estimate`) used to remove the residual's bias.
    loading : relative diagonal loading (>= 0).

    Returns
    -------
    ``[..., n_rx, n_rx, n_blocks]`` complex covariance (dtype of ``rx_grid``) with
    ``n_blocks = ceil(n_subcarriers / (12 prb_block))``; ``R[..., k // (12 prb_block)]`` is
    the ``[..., n_rx, n_rx]`` covariance at subcarrier ``k``.

    >>> ind = torch.arange(0, 24, 2)[None]                  # 1 layer, symbol 0, 24 subcarriers
    >>> rx = torch.zeros(2, 1, 24, dtype=torch.complex64)
    >>> rx[0, 0, 1::2] = 1.0                                # interferer on other REs only
    >>> rx[:, 0, ::2] = torch.tensor([[1.0], [-1.0]]) * (-1.0) ** torch.arange(12)
    >>> h = torch.zeros(2, 1, 1, 24, dtype=torch.complex64)
    >>> r = noise_covariance(rx, h, ind, torch.ones(1, 12, dtype=torch.complex64),
    ...                      prb_block=2, loading=0.0)
    >>> r[..., 0].real
    tensor([[ 1., -1.],
            [-1.,  1.]])
    """
    key = None
    if references_module.KERNELS:
        # references and options seen before (the same tensors, unchanged): one kernel call
        key = (id(ref_indices), id(ref_symbols), prb_block, type(prb_block), loading,
               type(loading))
        try:
            plan = _PLANS.get(key)
        except TypeError:                       # options that cannot be a key
            plan = key = None
        if plan is not None and plan.matches(ref_indices, ref_symbols):
            out = _kernel_covariance(plan, rx_grid, h, noise_var)
            if out is not None:
                return out
    rx_grid = check_grid("rx_grid", rx_grid)
    n_rx, n_symbols, n_sc = rx_grid.shape[-3:]
    ref_symbols_in = ref_symbols
    layout, ref_symbols = parse_references(ref_indices, ref_symbols, n_symbols, n_sc, (1, 1))
    h = check_grid("h", h, min_dim=4)
    n_layers = layout.n_layers
    if tuple(h.shape[-4:]) != (n_rx, n_layers, n_symbols, n_sc):
        raise ValueError(f"h must have shape [..., {n_rx}, {n_layers}, {n_symbols}, {n_sc}] "
                         f"(n_rx, n_layers, n_symbols, n_subcarriers), got {tuple(h.shape)}")
    prb_block = check_int("prb_block", prb_block, 1)
    if isinstance(loading, bool) or not isinstance(loading, (int, float)) or not (
            0.0 <= float(loading) < math.inf):
        raise ValueError(f"loading = {loading!r} is not allowed; it must be a finite number >= 0")
    device = rx_grid.device
    if (key is not None and ref_symbols.dim() == 2 and kernel_ready(rx_grid)
            and kernel_ready(h)):
        plan = _build_plan(layout, ref_symbols, n_symbols, n_sc, prb_block, float(loading),
                           ref_indices, ref_symbols_in)
        out = _kernel_covariance(plan, rx_grid, h, noise_var)
        if out is not None:
            if len(_PLANS) >= 64:
                _PLANS.pop(next(iter(_PLANS)))
            _PLANS[key] = plan
            return out
    pos = layout.pos.to(device)                                        # [P, n_ref]
    uniq, where = torch.unique(pos, return_inverse=True)               # [U], [P, n_ref]
    n_u = uniq.numel()
    x = torch.zeros((*ref_symbols.shape[:-2], n_layers, n_u), dtype=rx_grid.dtype,
                    device=device)
    x.scatter_(-1, where.expand(x.shape[:-1] + where.shape[-1:]),
               ref_symbols.to(device=device, dtype=rx_grid.dtype))     # [..., P, U]
    y = rx_grid.flatten(-2)[..., uniq]                                 # [..., R, U]
    hu = h.flatten(-2)[..., uniq]                                      # [..., R, P, U]
    e = y - (hu * x.unsqueeze(-3)).sum(-2)                             # [..., R, U]
    block = (uniq % n_sc) // (N_SC_RB * prb_block)                     # [U]
    n_blocks = -(-n_sc // (N_SC_RB * prb_block))
    outer = e.unsqueeze(-2) * e.conj().unsqueeze(-3)                   # [..., R, R, U]
    acc = torch.zeros((*outer.shape[:-1], n_blocks), dtype=outer.dtype, device=device)
    acc.index_add_(-1, block, outer)
    count = torch.zeros(n_blocks, dtype=torch.float64, device=device)
    count.index_add_(0, block, torch.ones_like(block, dtype=torch.float64))
    has = count > 0
    cov = acc / count.clamp_min(1.0).to(acc.real.dtype)
    mean_cov = outer.mean(-1, keepdim=True)
    cov = torch.where(has, cov, mean_cov)
    if noise_var is not None:
        nv = check_tensor("noise_var", noise_var, min_dim=1)
        if nv.is_complex() or not nv.is_floating_point():
            raise TypeError(f"noise_var must be a real floating tensor, got dtype {nv.dtype}")
        if nv.shape[-1] != n_rx:
            raise ValueError(f"noise_var must have shape [..., {n_rx}], got {tuple(nv.shape)}")
        if nv.numel() and not bool((torch.isfinite(nv) & (nv >= 0)).all()):
            raise ValueError("noise_var must be finite and >= 0")
        resid = e.abs().square().mean(-1).sum(-1)                      # [...]
        scale = nv.to(device=device, dtype=resid.dtype).sum(-1) / resid.clamp_min(
            torch.finfo(resid.dtype).tiny)
        cov = cov * scale[..., None, None, None]
    if loading > 0:
        diag = torch.diagonal(cov, dim1=-3, dim2=-2).real.mean(-1)    # [..., n_blocks]
        eye = torch.eye(n_rx, dtype=cov.dtype, device=device)[..., None]
        cov = cov + loading * diag.unsqueeze(-2).unsqueeze(-2) * eye
    return _fill_silent_blocks(cov)


_SILENT_FLOOR = SILENT_FLOOR


def _fill_silent_blocks(cov: torch.Tensor) -> torch.Tensor:
    """Blocks whose covariance has zero trace (nothing arrived there: PRBs lost on the
    fronthaul come as zeros) get the mean of the other blocks, like blocks without reference
    REs; where no block has any power, a tiny multiple of the identity. Their data then
    equalise to 0 with zero LLRs instead of stopping the receiver on a singular matrix."""
    trace = torch.diagonal(cov, dim1=-3, dim2=-2).real.sum(-1)           # [..., n_blocks]
    silent = ~(trace > 0)
    if not bool(silent.any()):
        return cov
    live = (~silent).to(cov.real.dtype)
    n_live = live.sum(-1, keepdim=True)                                  # [..., 1]
    mean_live = (cov * live[..., None, None, :]).sum(-1, keepdim=True) \
        / n_live.clamp_min(1.0)[..., None, None, :]
    n_rx = cov.shape[-2]
    floor = torch.eye(n_rx, dtype=cov.dtype, device=cov.device)[..., None] * _SILENT_FLOOR
    fill = torch.where((n_live > 0)[..., None, None, :], mean_live, floor)
    return torch.where(silent[..., None, None, :], fill, cov)


# ------------------------------------------------------------------ CPU kernel (complex64)


@dataclass
class _Plan(KernelPlan):
    """What :func:`~softran.nr.receiver.covariance_kernels.covariance_slot` needs that
    depends on the references and options alone, and its workspaces."""

    uniq: np.ndarray       # [U] reference REs (flattened [n_symbols, K] positions)
    x: np.ndarray          # [P, U] complex64
    segments: np.ndarray   # [n, 3] runs (u0, u1, block) of references in one block
    count: np.ndarray      # [B] float64
    loading: float
    work: dict[tuple[int, int], tuple[np.ndarray, np.ndarray]] = field(default_factory=dict)

    def workspace(self, n_r: int) -> tuple[np.ndarray, np.ndarray]:
        key = (n_r, threading.get_ident())          # one set per thread (nogil kernel)
        hit = self.work.get(key)
        if hit is None:
            hit = (np.empty((2, n_r, self.uniq.size), np.float32),
                   np.empty((n_r, n_r, self.count.size, 2), np.float64))
            if len(self.work) >= 16:
                self.work.pop(next(iter(self.work)))
            self.work[key] = hit
        return hit


#: kernel plans by (id of the references, shapes, options), checked by identity
_PLANS: dict[tuple[object, ...], _Plan] = {}


def _build_plan(layout: object, ref_symbols: torch.Tensor, n_symbols: int, n_sc: int,
                prb_block: int, loading: float, ref_indices_in: torch.Tensor,
                ref_symbols_in: torch.Tensor) -> _Plan:
    """The reference REs, their symbols and blocks, as the torch reference computes them."""
    pos = layout.pos.cpu()                                             # type: ignore[attr-defined]
    n_layers = int(pos.shape[0])
    uniq, where = torch.unique(pos, return_inverse=True)
    x = torch.zeros((n_layers, uniq.numel()), dtype=torch.complex64)
    x.scatter_(-1, where, ref_symbols.cpu().to(torch.complex64))
    block = (uniq % n_sc) // (N_SC_RB * prb_block)
    n_blocks = -(-n_sc // (N_SC_RB * prb_block))
    count = torch.zeros(n_blocks, dtype=torch.float64)
    count.index_add_(0, block, torch.ones_like(block, dtype=torch.float64))
    versions = (ref_indices_in._version, ref_symbols_in._version)
    return _Plan(ref_indices_in, ref_symbols_in, versions, n_layers, n_symbols, n_sc,
                 np.ascontiguousarray(uniq.numpy(), np.int64),
                 np.ascontiguousarray(x.resolve_conj().numpy()), _segments(block.numpy()),
                 count.numpy(), loading)


def _segments(block: np.ndarray) -> np.ndarray:
    """``[n, 3]`` runs ``(u0, u1, b)`` of consecutive entries of ``block`` equal to b."""
    first = np.flatnonzero(np.concatenate([[True], block[1:] != block[:-1]]))
    last = np.append(first[1:], block.size)
    return np.ascontiguousarray(np.stack([first, last, block[first]], -1), dtype=np.int64)


def _kernel_covariance(plan: _Plan, rx_grid: object, h: object, noise_var: object
                       ) -> torch.Tensor | None:
    """:func:`noise_covariance` by the Numba kernel, or None where the tensors do not fit it:
    plain complex64 CPU ``rx_grid [..., n_rx, n_symbols, K]`` and ``h`` of the plan's grid
    and layers with the same leading dimensions, ``noise_var`` None or float32
    ``[..., n_rx]`` with them too (no autograd, no conjugate or negative bit)."""
    if (type(rx_grid) is not torch.Tensor or rx_grid.dtype is not torch.complex64
            or type(h) is not torch.Tensor or h.dtype is not torch.complex64):
        return None
    # tensors the channel estimate checked or produced come with their numpy view
    y, hh = checked_array(rx_grid), checked_array(h)
    check_y, check_h = y is None, hh is None
    try:
        y = rx_grid.numpy() if y is None else y
        hh = h.numpy() if hh is None else hh
        nv = None if noise_var is None else checked_array(noise_var)
        if nv is None and noise_var is not None:
            nv = (noise_var.numpy() if type(noise_var) is torch.Tensor
                  and noise_var.dtype is torch.float32 else False)
    except (RuntimeError, TypeError):
        return None
    n_symbols, n_sc = plan.n_symbols, plan.n_sc
    shape = y.shape
    if (nv is False or y.ndim < 3 or y.size == 0 or shape[-2:] != (n_symbols, n_sc)
            or hh.shape != (*shape[:-2], plan.n_layers, n_symbols, n_sc)):
        return None
    lead, n_r = shape[:-3], shape[-3]
    if nv is not None and nv.shape != (*lead, n_r):
        return None
    y = np.ascontiguousarray(y.reshape(-1, n_r, n_symbols * n_sc))
    hh = np.ascontiguousarray(hh.reshape(-1, n_r, plan.n_layers, n_symbols * n_sc))
    n_b = y.shape[0]
    e, acc = plan.workspace(n_r)
    cov = np.empty((*lead, n_r, n_r, plan.count.size), np.complex64)
    nv_np = _NO_NV if nv is None else np.ascontiguousarray(nv.reshape(n_b, n_r))
    status = covariance_slot(y, hh, check_y, check_h, plan.uniq, plan.x, plan.segments,
                             plan.count, nv_np, nv is not None, plan.loading, e, acc,
                             cov.reshape(n_b, n_r, n_r, plan.count.size))
    if status == NOT_FINITE:
        check_grid("rx_grid", rx_grid)          # raises for NaN / inf
        check_grid("h", h)
        return None
    elif status == BAD_NOISE_VAR:
        raise ValueError("noise_var must be finite and >= 0")
    return torch.from_numpy(cov)


_NO_NV = np.zeros((1, 1), np.float32)


def noise_covariance_slot_args(ref_indices: torch.Tensor, ref_symbols: torch.Tensor,
                               n_symbols: int, n_subcarriers: int, n_rx: int, *,
                               prb_block: int = 4, loading: float = 1e-2
                               ) -> tuple[object, ...] | None:
    """``(uniq, x, segments, count, loading, e, acc)``: the arguments of
    :func:`~softran.nr.receiver.covariance_kernels.covariance_slot` that depend on the
    DM-RS references of TS 38.211 §6.4.1.1 and the options (with its workspaces for
    ``n_rx`` antennas on this thread), for references and options that
    :func:`noise_covariance` has already run its kernel with on a
    ``[n_symbols, n_subcarriers]`` grid; None where there is no such plan (run
    :func:`noise_covariance` once first). For a caller that runs the kernel itself inside a
    larger compiled pass.

    >>> ind, sym = torch.arange(0, 24, 2)[None], torch.ones(1, 12, dtype=torch.complex64)
    >>> noise_covariance_slot_args(ind, sym, 1, 24, 2, prb_block=2) is None
    True
    >>> _ = noise_covariance(torch.ones(2, 1, 24, dtype=torch.complex64),
    ...                      torch.zeros(2, 1, 1, 24, dtype=torch.complex64), ind, sym,
    ...                      prb_block=2)
    >>> noise_covariance_slot_args(ind, sym, 1, 24, 2, prb_block=2)[3].tolist()  # REs per block
    [12.0]
    """
    if not references_module.KERNELS:
        return None
    key = (id(ref_indices), id(ref_symbols), prb_block, type(prb_block), loading,
           type(loading))
    try:
        plan = _PLANS.get(key)
    except TypeError:
        return None
    if (plan is None or not plan.matches(ref_indices, ref_symbols)
            or (plan.n_symbols, plan.n_sc) != (n_symbols, n_subcarriers)):
        return None
    e, acc = plan.workspace(n_rx)
    return (plan.uniq, plan.x, plan.segments, plan.count, plan.loading, e, acc)
