"""Triton GPU kernel for layered min-sum LDPC decoding (TS 38.212 §5.3.2 codes).

The GPU counterpart of the Numba kernel in ``decode_kernels.py``, called only through
``ldpc_decode(..., kernel="triton")`` (the default for CUDA tensors when Triton is installed).

Work split: persistent programs (``PROGRAMS_PER_SM`` per streaming multiprocessor), each
decoding code blocks one after another (with early termination a program moves on as soon as
its block is done). A layer (base-graph row i, its Zc parity checks) is one tile of
``[D, BLOCK_Z]`` values: the row's edges (D = 4, 8, 16 or 32, the next size up from the row's
degree, chosen per row by a branch so that short rows do not pay for long ones) by a chunk of
Zc lanes. The tile is gathered from the posterior LLRs in one go (every edge's load is in
flight together), reduced over the edges (two smallest |t|, the edge of the smallest, the
sign parity), and scattered back; between layers a CTA barrier makes the LLRs written by one
lane visible to the lanes that read them next (the cyclic shifts move each variable to another
check position).

Per-block memory (float32, in global memory):

* ``L`` [n_cols * Zc]: posterior LLRs (the 2*Zc punctured columns start at 0);
* the check messages in compressed form, per (row, z): the scaled (or offset) smallest and
  second smallest |t| (``m1``, ``m2``), and one int32 word holding the sign of each edge's
  outgoing message (bit k for edge k; rows have at most 19 edges) and the edge of the smallest
  |t| (bits 24..28). This is 12 bytes per check instead of 4 bytes per edge and check.

Per layer and iteration each edge's LLR is read once and written once, and each check's
message (12 bytes) is read once and written once. The float32 operations are the torch
reference's, in the same order (minimum and parity are exact), and the kernel is compiled with
FP contraction off (``enable_fp_fusion=False``: no FMA), so the bits and iteration counts equal
those of the torch and Numba paths (the tests check this, on a GPU or in Triton's interpreter,
and compile the kernel ahead of time for sm_80 / sm_90 without a GPU).

Without a GPU, ``TRITON_INTERPRET=1`` (set before this module is first imported) runs the same
kernel on CPU tensors in Triton's interpreter; that is how the tests check it on CPU machines.
"""

from __future__ import annotations

import functools

import torch
import triton
import triton.language as tl

from softran.nr.coding.ldpc.plan import decode_plan
from softran.nr.coding.ldpc.triton_support import n_programs

__all__ = ["decode_blocks_triton"]

_BIG = tl.constexpr(3.0e38)
_IX_SHIFT = tl.constexpr(24)  # bits 24..28 of the packed word: the edge of the smallest |t|

#: launch shape (tuning knobs, not yet tuned on a GPU): programs per streaming multiprocessor
#: (few, so that each program's posterior LLRs stay in L1/L2), lanes per tile, warps per program
PROGRAMS_PER_SM = 2
BLOCK_Z_MAX = 64
NUM_WARPS = 4


@triton.jit
def _row_tile(Lb, e0, d, cols, shifts, zc, z, D: tl.constexpr):
    """Offsets into L of the row's edges (``D`` >= its degree ``d``) for the lanes ``z``:
    ``[D, BLOCK_Z]`` and the mask of valid (edge, lane) pairs."""
    k = tl.arange(0, D)
    valid_k = k < d
    c = tl.load(cols + e0 + k, mask=valid_k, other=0)
    sh = tl.load(shifts + e0 + k, mask=valid_k, other=0)
    zz = z[None, :] + sh[:, None]
    zz = tl.where(zz >= zc, zz - zc, zz)
    mask = valid_k[:, None] & (z < zc)[None, :]
    return Lb + c[:, None] * zc + zz, mask


@triton.jit
def _syndrome_row_fails(Lb, e0, d, cols, shifts, zc, BLOCK_Z: tl.constexpr,
                        D: tl.constexpr):
    fail = 0
    for z0 in range(0, zc, BLOCK_Z):
        z = z0 + tl.arange(0, BLOCK_Z)
        ptr, mask = _row_tile(Lb, e0, d, cols, shifts, zc, z, D)
        g = tl.load(ptr, mask=mask, other=0.0)
        par = tl.sum((g < 0).to(tl.int32), axis=0) & 1
        fail = fail | tl.max(par, axis=0)
    return fail


@triton.jit
def _syndrome_fails(Lb, act_b, row_ptr, cols, shifts, zc, n_rows, BLOCK_Z: tl.constexpr):
    """1 if the hard decisions of L violate an active check of the block, else 0."""
    fail = 0
    for i in range(n_rows):
        if tl.load(act_b + i) != 0:
            e0 = tl.load(row_ptr + i)
            d = tl.load(row_ptr + i + 1) - e0
            if d <= 4:
                fail = fail | _syndrome_row_fails(Lb, e0, d, cols, shifts, zc, BLOCK_Z, 4)
            elif d <= 8:
                fail = fail | _syndrome_row_fails(Lb, e0, d, cols, shifts, zc, BLOCK_Z, 8)
            elif d <= 16:
                fail = fail | _syndrome_row_fails(Lb, e0, d, cols, shifts, zc, BLOCK_Z, 16)
            else:
                fail = fail | _syndrome_row_fails(Lb, e0, d, cols, shifts, zc, BLOCK_Z, 32)
    return fail


@triton.jit
def _layer(Lb, m1_ptr, m2_ptr, w_ptr, s_row, e0, d, cols, shifts, zc, scale, offset,
           OFFSET_MS: tl.constexpr, BLOCK_Z: tl.constexpr, D: tl.constexpr):
    """One layer (a base-graph row of degree d <= D): all its edges as one [D, BLOCK_Z] tile
    per chunk of lanes, so the posterior LLRs are read once and written once."""
    k = tl.arange(0, D)[:, None]
    for z0 in range(0, zc, BLOCK_Z):
        z = z0 + tl.arange(0, BLOCK_Z)
        zmask = z < zc
        ptr, mask = _row_tile(Lb, e0, d, cols, shifts, zc, z, D)
        g = tl.load(ptr, mask=mask, other=0.0)
        s_off = s_row + z
        o1 = tl.load(m1_ptr + s_off, mask=zmask, other=0.0)
        o2 = tl.load(m2_ptr + s_off, mask=zmask, other=0.0)
        ow = tl.load(w_ptr + s_off, mask=zmask, other=0)
        # R_old(edge k) from the compressed message, t_k = L(column, shift) - R_old
        mag = tl.where(k == (ow >> _IX_SHIFT)[None, :], o2[None, :], o1[None, :])
        t = g - tl.where(((ow[None, :] >> k) & 1) != 0, -mag, mag)
        a = tl.where(mask, tl.abs(t), _BIG)
        n1 = tl.min(a, axis=0)
        nix = tl.min(tl.where(a == n1[None, :], k, D), axis=0)  # the first smallest edge
        n2 = tl.min(tl.where(k == nix[None, :], _BIG, a), axis=0)
        neg = tl.where(mask, (t < 0).to(tl.int32), 0)
        par = tl.sum(neg, axis=0) & 1
        if OFFSET_MS:
            a1 = tl.maximum(n1 - offset, 0.0)
            a2 = tl.maximum(n2 - offset, 0.0)
        else:
            a1 = n1 * scale
            a2 = n2 * scale
        mneg = neg ^ par[None, :]
        mag = tl.where(k == nix[None, :], a2[None, :], a1[None, :])
        tl.store(ptr, t + tl.where(mneg != 0, -mag, mag), mask=mask)
        words = (nix << _IX_SHIFT) | tl.sum(tl.where(mask, mneg << k, 0), axis=0)
        tl.store(m1_ptr + s_off, a1, mask=zmask)
        tl.store(m2_ptr + s_off, a2, mask=zmask)
        tl.store(w_ptr + s_off, words, mask=zmask)


@triton.jit
def _layered_min_sum_kernel(L_ptr, m1_ptr, m2_ptr, w_ptr, act_ptr, iters_ptr, row_ptr, cols,
                            shifts, n_blocks, zc, n_cols, n_rows, max_it, scale, offset,
                            OFFSET_MS: tl.constexpr, EARLY: tl.constexpr,
                            BLOCK_Z: tl.constexpr):
    # persistent programs: program p decodes blocks p, p + P, p + 2P, ... (P programs)
    for b32 in range(tl.program_id(0), n_blocks, tl.num_programs(0)):
        b = tl.cast(b32, tl.int64)
        Lb = L_ptr + b * n_cols * zc
        sb = b * n_rows * zc
        act_b = act_ptr + b * n_rows
        running = 1
        used = max_it
        for it in range(max_it):
            if running != 0:
                for i in range(n_rows):
                    if tl.load(act_b + i) != 0:
                        e0 = tl.load(row_ptr + i)
                        d = tl.load(row_ptr + i + 1) - e0
                        s_row = sb + i * zc
                        if d <= 4:
                            _layer(Lb, m1_ptr, m2_ptr, w_ptr, s_row, e0, d, cols, shifts, zc,
                                   scale, offset, OFFSET_MS, BLOCK_Z, 4)
                        elif d <= 8:
                            _layer(Lb, m1_ptr, m2_ptr, w_ptr, s_row, e0, d, cols, shifts, zc,
                                   scale, offset, OFFSET_MS, BLOCK_Z, 8)
                        elif d <= 16:
                            _layer(Lb, m1_ptr, m2_ptr, w_ptr, s_row, e0, d, cols, shifts, zc,
                                   scale, offset, OFFSET_MS, BLOCK_Z, 16)
                        else:
                            _layer(Lb, m1_ptr, m2_ptr, w_ptr, s_row, e0, d, cols, shifts, zc,
                                   scale, offset, OFFSET_MS, BLOCK_Z, 32)
                        tl.debug_barrier()
                if EARLY:
                    if _syndrome_fails(Lb, act_b, row_ptr, cols, shifts, zc, n_rows,
                                       BLOCK_Z) == 0:
                        running = 0
                        used = it + 1
        # the sign of the count reports the final parity status (negative: a check fails)
        if EARLY:
            if running != 0:
                used = -max_it
        else:
            if _syndrome_fails(Lb, act_b, row_ptr, cols, shifts, zc, n_rows, BLOCK_Z) != 0:
                used = -max_it
        tl.store(iters_ptr + b, used)
        tl.debug_barrier()


@functools.cache
def _tables(bgn: int, zc: int, device: torch.device
            ) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
    """The decode plan's row pointers, columns and shifts as int32 tensors on ``device``."""
    plan = decode_plan(bgn, zc)
    return tuple(torch.as_tensor(a, dtype=torch.int32).to(device)  # type: ignore[return-value]
                 for a in (plan.row_ptr, plan.cols, plan.shifts))


def decode_blocks_triton(L: torch.Tensor, active: torch.Tensor, bgn: int, zc: int,
                         max_it: int, offset_ms: bool, scale: float, offset: float,
                         early: bool) -> torch.Tensor:
    """Layered min-sum on each block of ``L`` (float32 [B, n_cols*zc], updated in place:
    punctured columns 0, then the saturated channel LLRs) for base graph ``bgn``. ``active``
    (bool [B, n_rows]) selects the layers per block. Returns the signed iteration counts
    (int32 [B], negative where the final hard decisions fail an active check)."""
    b, n = L.shape
    n_rows = active.shape[1]
    dev = L.device
    rp, cl, sh = _tables(bgn, zc, dev)
    m1 = torch.zeros(b, n_rows, zc, dtype=torch.float32, device=dev)
    m2 = torch.zeros_like(m1)
    words = torch.zeros(b, n_rows, zc, dtype=torch.int32, device=dev)
    iters = torch.empty(b, dtype=torch.int32, device=dev)
    if b == 0:
        return iters
    block_z = max(16, min(BLOCK_Z_MAX, triton.next_power_of_2(zc)))
    _layered_min_sum_kernel[(n_programs(dev, b, PROGRAMS_PER_SM),)](
        L, m1, m2, words, active.to(torch.int8).contiguous(), iters, rp, cl, sh, b, zc,
        n // zc, n_rows, max_it, scale, offset, OFFSET_MS=offset_ms, EARLY=early,
        BLOCK_Z=block_z, num_warps=NUM_WARPS, enable_fp_fusion=False)
    return iters
