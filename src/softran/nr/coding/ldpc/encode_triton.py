"""Triton GPU kernel for LDPC encoding (TS 38.212 §5.3.2), the counterpart of the Numba encoder
in ``decode_kernels.py``; called only through ``ldpc_encode(..., kernel="triton")`` (the
default for CUDA tensors when Triton is installed).

It runs the encoding schedule of ``encode._EncodePlan`` (see the ``encode`` module docstring):
step s writes ``buf[t*Zc + (z + P_t) mod Zc] = XOR_e buf[c_e*Zc + (z + P_e) mod Zc]``. Persistent
programs (``PROGRAMS_PER_SM`` per streaming multiprocessor) encode blocks one after another;
a program takes the steps level by level (the steps of a level depend only on earlier levels)
and each step as one ``[D, BLOCK_Z]`` tile: its D >= (number of sources) source circulants
gathered together and XOR-reduced, by a chunk of Zc lanes. A CTA barrier ends each level. The
work buffer (the systematic bits, the parity columns and the four syndromes of the core rows,
one byte per bit) lives in global memory, a few tens of kB per block.

Like the decoder kernel it also runs in Triton's interpreter (``TRITON_INTERPRET=1`` before the
first import) on CPU tensors, which is how the tests check it without a GPU.
"""

from __future__ import annotations

import functools

import torch
import triton
import triton.language as tl

from softran.nr.coding.ldpc.plan import encode_plan
from softran.nr.coding.ldpc.triton_support import n_programs

__all__ = ["encode_blocks_triton"]

#: launch shape (not yet tuned on a GPU)
PROGRAMS_PER_SM = 4
BLOCK_Z_MAX = 128
NUM_WARPS = 4


@triton.jit
def _step(buf, e0, n_src, src_col, src_shift, tgt, zc, BLOCK_Z: tl.constexpr,
          D: tl.constexpr):
    """One schedule step: XOR of its ``n_src`` (<= D) shifted source circulants into the
    target circulant (``tgt`` = the target's shifted base pointer table entry)."""
    k = tl.arange(0, D)
    valid_k = k < n_src
    c = tl.load(src_col + e0 + k, mask=valid_k, other=0)
    sh = tl.load(src_shift + e0 + k, mask=valid_k, other=0)
    t_col = tl.load(tgt)
    t_sh = tl.load(tgt + 1)
    for z0 in range(0, zc, BLOCK_Z):
        z = z0 + tl.arange(0, BLOCK_Z)
        zmask = z < zc
        zz = z[None, :] + sh[:, None]
        zz = tl.where(zz >= zc, zz - zc, zz)
        mask = valid_k[:, None] & zmask[None, :]
        bits = tl.load(buf + c[:, None] * zc + zz, mask=mask, other=0).to(tl.int32)
        x = tl.sum(bits, axis=0) & 1
        zt = z + t_sh
        zt = tl.where(zt >= zc, zt - zc, zt)
        tl.store(buf + t_col * zc + zt, x.to(tl.uint8), mask=zmask)


@triton.jit
def _encode_kernel(c_ptr, out_ptr, buf_ptr, order, last_in_level, tgt, src_ptr, src_col,
                   src_shift, n_blocks, n_steps, zc, kb, n_cols, n_buf_cols, out_len,
                   BLOCK_Z: tl.constexpr):
    for b32 in range(tl.program_id(0), n_blocks, tl.num_programs(0)):
        b = tl.cast(b32, tl.int64)
        buf = buf_ptr + b * n_buf_cols * zc
        cb = c_ptr + b * kb * zc
        ob = out_ptr + b * out_len
        # systematic bits into the work buffer
        for q0 in range(0, kb * zc, BLOCK_Z):
            q = q0 + tl.arange(0, BLOCK_Z)
            m = q < kb * zc
            tl.store(buf + q, tl.load(cb + q, mask=m, other=0), mask=m)
        tl.debug_barrier()
        for j in range(n_steps):
            s = tl.load(order + j)
            e0 = tl.load(src_ptr + s)
            n_src = tl.load(src_ptr + s + 1) - e0
            if n_src <= 4:
                _step(buf, e0, n_src, src_col, src_shift, tgt + 2 * s, zc, BLOCK_Z, 4)
            elif n_src <= 8:
                _step(buf, e0, n_src, src_col, src_shift, tgt + 2 * s, zc, BLOCK_Z, 8)
            elif n_src <= 16:
                _step(buf, e0, n_src, src_col, src_shift, tgt + 2 * s, zc, BLOCK_Z, 16)
            else:
                _step(buf, e0, n_src, src_col, src_shift, tgt + 2 * s, zc, BLOCK_Z, 32)
            if tl.load(last_in_level + j) != 0:
                tl.debug_barrier()
        # parity columns kb .. n_cols-1 to the end of the output row
        n_par = (n_cols - kb) * zc
        for q0 in range(0, n_par, BLOCK_Z):
            q = q0 + tl.arange(0, BLOCK_Z)
            m = q < n_par
            v = tl.load(buf + kb * zc + q, mask=m, other=0)
            tl.store(ob + (out_len - n_par) + q, v.to(tl.int8), mask=m)
        tl.debug_barrier()


@functools.cache
def _tables(bgn: int, zc: int, device: torch.device) -> tuple[torch.Tensor, ...]:
    plan = encode_plan(bgn, zc)
    order = [s for level in plan.levels for s in level]
    last = []
    for level in plan.levels:
        last += [0] * (len(level) - 1) + [1]

    def as_tensor(v: object) -> torch.Tensor:
        return torch.as_tensor(v, dtype=torch.int32).contiguous().to(device)

    tgt = torch.stack([torch.as_tensor(plan.tgt_col), torch.as_tensor(plan.tgt_shift)], -1)
    return (as_tensor(order), as_tensor(last), as_tensor(tgt.reshape(-1)),
            as_tensor(plan.src_ptr), as_tensor(plan.src_col), as_tensor(plan.src_shift))


def encode_blocks_triton(c: torch.Tensor, out: torch.Tensor, bgn: int, zc: int) -> None:
    """Write the parity bits of each block of ``c`` (uint8 [B, kb*zc], 0/1) into the last
    (n_cols - kb)*zc entries of each row of ``out`` (int8 [B, N])."""
    plan = encode_plan(bgn, zc)
    b = c.shape[0]
    if b == 0:
        return
    order, last, tgt, src_ptr, src_col, src_shift = _tables(bgn, zc, c.device)
    buf = torch.zeros(b, plan.n_buf_cols * zc, dtype=torch.uint8, device=c.device)
    block_z = max(16, min(BLOCK_Z_MAX, triton.next_power_of_2(zc)))
    _encode_kernel[(n_programs(c.device, b, PROGRAMS_PER_SM),)](
        c.contiguous(), out, buf, order, last, tgt, src_ptr, src_col, src_shift, b,
        order.numel(), zc, plan.kb, plan.n_cols, plan.n_buf_cols, out.shape[1],
        BLOCK_Z=block_z, num_warps=NUM_WARPS)
