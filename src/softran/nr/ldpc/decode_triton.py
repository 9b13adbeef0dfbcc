"""Triton GPU kernel for layered min-sum LDPC decoding (TS 38.212 §5.3.2 codes).

The GPU counterpart of the Numba kernel in ``decode_kernels.py``, called only through
``ldpc_decode(..., kernel="triton")`` (the default for CUDA tensors when Triton is installed).

Work split: one Triton program per code block. A layer (base-graph row i, its Zc parity checks)
is processed by the whole program, Zc checks side by side in chunks of ``BLOCK_Z`` lanes;
between layers a CTA barrier makes the posterior LLRs written by one lane visible to the lanes
that read them next (the cyclic shifts move each variable to another check position).

Per-block memory (float32, in global memory, mostly L1/L2-resident while its program runs):

* ``L`` [n_cols * Zc]: posterior LLRs (the 2*Zc punctured columns start at 0);
* the check messages in compressed form, per (row, z): the scaled (or offset) smallest and
  second smallest |t| (``m1``, ``m2``), and one int32 word holding the sign of each edge's
  outgoing message (bit k for edge k; rows have at most 19 edges) and the edge of the smallest
  |t| (bits 24..28). This is 12 bytes per check instead of 4 bytes per edge and check.

Each layer reads every edge twice (pass 1: the two minima, the edge of the smallest and the sign
parity of t = L - R_old; pass 2: t again and L = t + R_new) and writes it once. The float32
operations are the torch reference's, in the same order, so the bits and iteration counts equal
those of the torch and Numba paths (the tests check this, on a GPU or in Triton's interpreter).

Without a GPU, ``TRITON_INTERPRET=1`` (set before this module is first imported) runs the same
kernel on CPU tensors in Triton's interpreter; that is how the tests check it on CPU machines.
"""

from __future__ import annotations

import functools
import os

import torch
import triton
import triton.language as tl

__all__ = ["decode_blocks_triton", "interpreting"]

_BIG = 3.0e38
_IX_SHIFT = 24  # bits 24..28 of the packed word: the edge of the smallest |t|


def interpreting() -> bool:
    """True when Triton runs kernels in its CPU interpreter (``TRITON_INTERPRET=1``)."""
    return os.environ.get("TRITON_INTERPRET", "0") not in ("", "0")


@triton.jit
def _syndrome_fails(Lb, act_b, row_ptr, cols, shifts, zc, n_rows, BLOCK_Z: tl.constexpr):
    """1 if the hard decisions of L violate an active check of the block, else 0."""
    fail = 0
    for i in range(n_rows):
        if tl.load(act_b + i) != 0:
            e0 = tl.load(row_ptr + i)
            e1 = tl.load(row_ptr + i + 1)
            for z0 in range(0, zc, BLOCK_Z):
                z = z0 + tl.arange(0, BLOCK_Z)
                zmask = z < zc
                acc = tl.zeros([BLOCK_Z], dtype=tl.int32)
                for e in range(e0, e1):
                    c = tl.load(cols + e)
                    zz = z + tl.load(shifts + e)
                    zz = tl.where(zz >= zc, zz - zc, zz)
                    g = tl.load(Lb + c * zc + zz, mask=zmask, other=0.0)
                    acc = acc ^ (g < 0).to(tl.int32)
                fail = fail | tl.max(acc, axis=0)
    return fail


@triton.jit
def _layered_min_sum_kernel(L_ptr, m1_ptr, m2_ptr, w_ptr, act_ptr, iters_ptr, row_ptr, cols,
                            shifts, zc, n_cols, n_rows, max_it, scale, offset,
                            OFFSET_MS: tl.constexpr, EARLY: tl.constexpr,
                            BLOCK_Z: tl.constexpr):
    b = tl.program_id(0).to(tl.int64)
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
                    e1 = tl.load(row_ptr + i + 1)
                    for z0 in range(0, zc, BLOCK_Z):
                        z = z0 + tl.arange(0, BLOCK_Z)
                        zmask = z < zc
                        s_off = sb + i * zc + z
                        o1 = tl.load(m1_ptr + s_off, mask=zmask, other=0.0)
                        o2 = tl.load(m2_ptr + s_off, mask=zmask, other=0.0)
                        ow = tl.load(w_ptr + s_off, mask=zmask, other=0)
                        oix = ow >> _IX_SHIFT
                        n1 = tl.full([BLOCK_Z], _BIG, dtype=tl.float32)
                        n2 = tl.full([BLOCK_Z], _BIG, dtype=tl.float32)
                        nix = tl.zeros([BLOCK_Z], dtype=tl.int32)
                        par = tl.zeros([BLOCK_Z], dtype=tl.int32)
                        # pass 1: t_k = L(column, shift) - R_old(edge k); two minima, parity
                        for e in range(e0, e1):
                            k = e - e0
                            zz = z + tl.load(shifts + e)
                            zz = tl.where(zz >= zc, zz - zc, zz)
                            g = tl.load(Lb + tl.load(cols + e) * zc + zz, mask=zmask,
                                        other=0.0)
                            mag = tl.where(oix == k, o2, o1)
                            t = g - tl.where(((ow >> k) & 1) != 0, -mag, mag)
                            a = tl.abs(t)
                            lt1 = a < n1
                            n2 = tl.where(lt1, n1, tl.where(a < n2, a, n2))
                            n1 = tl.where(lt1, a, n1)
                            nix = tl.where(lt1, k, nix)
                            par = par ^ (t < 0).to(tl.int32)
                        if OFFSET_MS:
                            a1 = tl.maximum(n1 - offset, 0.0)
                            a2 = tl.maximum(n2 - offset, 0.0)
                        else:
                            a1 = n1 * scale
                            a2 = n2 * scale
                        nw = nix << _IX_SHIFT
                        # pass 2: the same t_k again, L = t_k + R_new(edge k)
                        for e in range(e0, e1):
                            k = e - e0
                            zz = z + tl.load(shifts + e)
                            zz = tl.where(zz >= zc, zz - zc, zz)
                            ptr = Lb + tl.load(cols + e) * zc + zz
                            g = tl.load(ptr, mask=zmask, other=0.0)
                            mag = tl.where(oix == k, o2, o1)
                            t = g - tl.where(((ow >> k) & 1) != 0, -mag, mag)
                            neg = (t < 0).to(tl.int32) ^ par
                            mag = tl.where(nix == k, a2, a1)
                            tl.store(ptr, t + tl.where(neg != 0, -mag, mag), mask=zmask)
                            nw = nw | (neg << k)
                        tl.store(m1_ptr + s_off, a1, mask=zmask)
                        tl.store(m2_ptr + s_off, a2, mask=zmask)
                        tl.store(w_ptr + s_off, nw, mask=zmask)
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


@functools.cache
def _tables(row_ptr: tuple[int, ...], cols: tuple[int, ...], shifts: tuple[int, ...],
            device: torch.device) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
    def as_tensor(v: tuple[int, ...]) -> torch.Tensor:
        return torch.tensor(v, dtype=torch.int32, device=device)
    return as_tensor(row_ptr), as_tensor(cols), as_tensor(shifts)


def decode_blocks_triton(L: torch.Tensor, active: torch.Tensor, row_ptr: tuple[int, ...],
                         cols: tuple[int, ...], shifts: tuple[int, ...], zc: int,
                         max_it: int, offset_ms: bool, scale: float, offset: float,
                         early: bool) -> torch.Tensor:
    """Layered min-sum on each block of ``L`` (float32 [B, n_cols*zc], updated in place:
    punctured columns 0, then the saturated channel LLRs). ``active`` (bool [B, n_rows]) selects
    the layers per block. Returns the signed iteration counts (int32 [B], negative where the
    final hard decisions fail an active check)."""
    b, n = L.shape
    n_rows = active.shape[1]
    dev = L.device
    rp, cl, sh = _tables(row_ptr, cols, shifts, dev)
    m1 = torch.zeros(b, n_rows, zc, dtype=torch.float32, device=dev)
    m2 = torch.zeros_like(m1)
    words = torch.zeros(b, n_rows, zc, dtype=torch.int32, device=dev)
    iters = torch.empty(b, dtype=torch.int32, device=dev)
    if b == 0:
        return iters
    block_z = max(16, min(128, triton.next_power_of_2(zc)))
    _layered_min_sum_kernel[(b,)](
        L, m1, m2, words, active.to(torch.int8).contiguous(), iters, rp, cl, sh, zc, n // zc,
        n_rows, max_it, scale, offset, OFFSET_MS=offset_ms, EARLY=early, BLOCK_Z=block_z,
        num_warps=max(1, block_z // 32))
    return iters
