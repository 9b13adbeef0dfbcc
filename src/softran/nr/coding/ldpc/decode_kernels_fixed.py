"""Fixed-point layered min-sum LDPC decoding on the CPU (TS 38.212 §5.3.2 codes): 8-bit
messages, 16-bit posteriors.

The fast path of :func:`~softran.nr.coding.ldpc.ldpc_decode` for ``kernel="numba-int8"``
(see ``decode.py``). The float kernels stay the
reference; this module also holds :func:`decode_fixed_reference`, the same integer algorithm
written with torch operations (vectorised over blocks and Zc, a loop over layers), against
which the Numba kernel is tested bit for bit.

The algorithm, per code block
-----------------------------
1. **Quantisation.** The block's scale is ``s = LLR_TARGET / mean|llr|`` over its finite,
   nonzero input LLRs below ``LLR_SATURATION`` (1 if there are none). Each LLR becomes
   ``q = clamp(round_half_away(s * llr), -127, 127)`` (+-inf and saturated LLRs go to
   +-127). Normalised min-sum is invariant to the scale of its input, so the scale only
   trades resolution against headroom: the mean magnitude sits at ``LLR_TARGET`` levels.
2. **Layered min-sum**, the float kernels' schedule (rows of the base graph in order, a
   layer = Zc checks, the same row skipping). Posteriors L are int16, clamped to
   +-``L_MAX`` = 16383; check-to-variable messages R are int8. For each edge k of a row:
   ``t_k = L_k - R_k`` and its 8-bit view ``u_k = clamp(t_k, -128, 127)``; ``m1``, ``m2``
   the two smallest ``min(|u_k|, 127)``; the message magnitude is ``m2`` for an edge whose
   ``min(|u_k|, 127)`` equals ``m1`` (the smallest: with a tie ``m2 = m1``, so this is the
   textbook rule without an edge index) and ``m1`` for the others, then normalised,
   ``(m num) >> 4`` with ``num = round(16 scaling)`` (0.75 is exact), or offset,
   ``max(m - o, 0)`` with ``o = min(round(s offset), 127)``; its sign is the product of the
   other edges' signs (``u < 0`` is negative). Then ``L_k = clamp(L_k + R_k,new - R_k,old)``.
   The posteriors must not saturate at 8 bits: a layered update subtracts the old message
   from the posterior, and an 8-bit posterior that has lost its excess over 127 drifts
   towards 0 once it converged (measured: BG1 Zc = 384 blocks that decode in 6 iterations
   fail at 10 without early termination).
3. **Early termination** after each iteration: the parity of the sign bits of the posteriors
   over each active row (an XOR of 16-bit words over the row's edges, stopping at the first
   failing row).
4. **Output**: hard decisions ``L < 0`` of the first K columns; iteration counts as the float
   kernels (negative when the final hard decisions fail a parity check).

Two Numba kernels run this algorithm, bit for bit (both tested against the reference):

* the **vector kernel** for Zc >= 16. It is written with explicit 64-lane LLVM vectors
  (``_simd.py``; where Zc is not a multiple of 64 the last run of each layer computes
  padding lanes that are never stored where they are read, see ``_iterate_v``) and
  turns the loops around: for each run of 64 checks of a layer, pass 1 walks the row's
  edges keeping ``m1``, ``m2`` and the sign parity in registers (and ``t``, ``u`` of each
  edge in a small buffer), pass 2 writes R and L. Each column has two buffers (ping-pong),
  the current one holding the column rotated by the shift of the row that wrote it last:
  a row reads the shifted view as one contiguous run (the first 64 lanes are mirrored
  after the end for the wrap) and writes its result in check order, from lane 0, to the
  other buffer, so that every store is aligned (measured: misaligned stores cost about as
  much as the rest of the row pass). The serial kernel's workspaces are allocated once per
  (thread, base graph, Zc) and reused. See the comment above ``_iterate_v`` for the layout.
  Which buffer each edge reads and writes, and at which rotation, depends only on the active
  rows and on the iteration (the first; odd; even: a column's buffer flips once per write),
  so ``_schedule_v`` works it out once per pattern of active rows and the kernel keeps it
  (measured on BG1 Zc = 384: 12 % of the time a block when it was redone row by row; the
  layout's memory traffic is not what limits the kernel: with R or L held in L1 instead,
  BG1 Zc = 384 ran 1-2 % faster, i.e. it is bound by its vector operations). The row's
  normalisation by the default 0.75 runs in 8-bit lanes (``three_quarters8``). The zero
  tail of a rate-matched block (its untransmitted bits) is found first (``_nonzero_length``)
  and neither summed for the scale (the same scale, bit for bit) nor quantised.
  The first iteration does not read R (all zero), so R is never cleared; the final parity
  check runs only where the caller keeps its result (``FixedDecoder``'s ``parity``). A
  row's degree-1 parity column (the last edge of every extension row of both base graphs)
  is folded: its posterior is its channel value plus the row's one message, so the row
  reads the channel value and stores only the message (about 3 % of the time a block,
  measured on BG1 Zc = 384).
* the **scalar kernel** for Zc < 16: L is ``[n_cols][2 Zc]`` int16, each
  column stored twice in a row, so that the cyclically shifted view of a column (shift p) is
  the contiguous run ``[p, p + Zc)``; after a row writes a column at that run, the two copies
  are made equal again (``_sync_column``). Every loop over z counts from 0 with unsigned
  offsets and has no branches, so LLVM vectorises it (8- and 16-bit lanes through the
  intrinsics below). Row processing is fused: one pass over the row's edges (two edges at a
  time) computes ``u`` and updates the running minima and the sign parity; a second pass
  writes R and L. Workspaces: one per call (per thread with ``prange``).

:class:`FixedDecoder` holds one configuration's prepared kernel arguments (what
:func:`~softran.nr.coding.ldpc.ldpc_decode` and ``LDPCDecoder`` call per slot: one Numba
dispatch, no thread set-up on one thread, no checks).

Both find NaN inputs while they scale a block (iteration count 0, the caller raises), so
that :func:`~softran.nr.coding.ldpc.ldpc_decode` needs no separate pass over the LLRs.
"""

from __future__ import annotations

import threading

import numba
import numpy as np
import torch
from llvmlite import ir
from numba import njit, prange
from numba.core import cgutils, types
from numba.extending import intrinsic

from softran.nr.coding.ldpc._simd import (
    LANES,
    abs8,
    add16,
    and16,
    any_negative16,
    lanes_below16,
    load8,
    load16,
    max8,
    narrow8,
    neg_where8,
    scale8,
    select_eq8,
    splat8,
    store8,
    store16,
    sub8,
    sub16,
    three_quarters8,
    umax8,
    umin8,
    widen,
    xor8,
    xor16,
    zeros16,
)
from softran.nr.coding.ldpc.decode_kernels import kernel_threads
from softran.nr.coding.ldpc.plan import DecodePlan
from softran.validation import check_bool, check_int, check_real

__all__ = ["LLR_TARGET", "FixedDecoder", "decode_fixed", "decode_fixed_arrays",
           "decode_fixed_into", "decode_fixed_reference", "decode_serial_v", "fixed_decoder",
           "fixed_scaling", "quantize_llr"]

#: Mean magnitude, in quantisation levels, of a block's input LLRs after quantisation.
#: Measured on max-log 16QAM LLRs of a 51-PRB PUSCH slot (BG1, Zc = 320, 48 slots): mean
#: iterations with early termination 5.7 / 4.5 / 3.9 / 3.8 for targets 6 / 8 / 16 / 24 against
#: 3.6 for the float decoder at 8.3 dB, and 9.2 (one failure) / 7.6 / 7.3 against 7.3 for
#: targets 8 / 16 / 24 at 6.5 dB; on BPSK over AWGN 16 is as good as 8 or better.
LLR_TARGET = 16.0
_SAT = 1e20          # decode.LLR_SATURATION (not imported: decode imports this module)


def fixed_scaling(scaling: float) -> int:
    """The normalised min-sum factor as ``num / 16`` (``num = round(16 * scaling)``, >= 1).

    >>> fixed_scaling(0.75), fixed_scaling(1.0), fixed_scaling(0.01)
    (12, 16, 1)
    """
    return max(1, int(round(16.0 * float(scaling))))


# ------------------------------------------------------------------------------ quantising


@njit(cache=True, nogil=True, fastmath={"reassoc"})
def _block_scale(x, target, sat):  # pragma: no cover - compiled
    """target / mean|x| over the finite nonzero x below sat (1 if none), NaN if x holds a
    NaN; the float64 sums are reassociated (vectorised), the same in every kernel and in
    quantize_llr. Every accumulator is a float64 (an integer count beside float64 sums
    halves LLVM's vector loop's speed): the count is exact below 2**53, and the sum of all
    |x| (no overflow in float64; +inf stays +inf) is NaN only where some x is."""
    acc = 0.0
    n = 0.0
    tot = 0.0
    for i in range(x.shape[0]):
        a = abs(np.float64(x[i]))
        ok = (a > 0.0) & (a < sat)
        acc += a if ok else 0.0
        n += 1.0 if ok else 0.0
        tot += a
    if np.isnan(tot):
        return np.nan
    if n == 0.0 or acc <= 0.0:
        return 1.0
    return target * n / acc


@njit(cache=True, nogil=True, inline="always")
def _quantize_into(x, scale, q):  # pragma: no cover - compiled
    s = np.float32(scale)
    for i in range(x.shape[0]):
        v = x[i] * s
        v = v if v < np.float32(127.0) else np.float32(127.0)
        v = v if v > np.float32(-127.0) else np.float32(-127.0)
        r = np.floor(v + np.float32(0.5)) if v >= 0 else -np.floor(np.float32(0.5) - v)
        q[i] = np.int8(r)


@njit(cache=True, nogil=True)
def _quantize_blocks(llr, target, sat, q, scales):  # pragma: no cover - compiled
    for b in range(llr.shape[0]):
        scales[b] = _block_scale(llr[b], target, sat)
        _quantize_into(llr[b], scales[b], q[b])


def quantize_llr(llr: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
    """``(q, scale)``: the int8 LLRs ``[B, N]`` and float64 scales ``[B]`` of step 1 of the
    module docstring for float LLRs ``[B, N]``.

    >>> q, s = quantize_llr(torch.tensor([[1.0, -3.0, 0.0, float("inf")]]))
    >>> q.tolist(), s.tolist()
    ([[8, -24, 0, 127]], [8.0])
    """
    x = np.ascontiguousarray(llr.detach().to(torch.float32).numpy())
    q = np.empty(x.shape, dtype=np.int8)
    scales = np.empty(x.shape[0], dtype=np.float64)
    _quantize_blocks(x, LLR_TARGET, _SAT, q, scales)
    return torch.from_numpy(q), torch.from_numpy(scales)


# ------------------------------------------------------------------------ narrow integers
# Numba widens every integer operation to 64 bits, and LLVM does not narrow a 16-bit
# subtraction followed by a clamp back: the loops would run 4 lanes wide. These intrinsics
# emit the 8- and 16-bit operations directly (32 / 16 lanes with AVX2).

_I8, _I16, _I1 = ir.IntType(8), ir.IntType(16), ir.IntType(1)
_NB = {8: types.int8, 16: types.int16}


def _llvm_fn(builder: ir.IRBuilder, name: str, ret: ir.Type, *args: ir.Type) -> ir.Function:
    return cgutils.get_or_insert_function(builder.module, ir.FunctionType(ret, list(args)), name)


def _binary(op: str, bits: int):  # returns a Numba intrinsic
    nb, it = _NB[bits], ir.IntType(bits)

    def typer(typingctx, a, b):
        def codegen(context, builder, signature, args):
            x, y = args
            if op in ("add", "sub", "mul", "xor"):
                return getattr(builder, op)(x, y)
            return builder.call(_llvm_fn(builder, f"llvm.{op}.i{bits}", it, it, it), [x, y])
        return nb(nb, nb), codegen

    typer.__name__ = f"_{op}{bits}"
    return intrinsic(typer)


_add16, _sub16, _mul16 = _binary("add", 16), _binary("sub", 16), _binary("mul", 16)
_min16, _max16 = _binary("smin", 16), _binary("smax", 16)
_min8, _max8, _xor8 = _binary("smin", 8), _binary("smax", 8), _binary("xor", 8)
_xor16 = _binary("xor", 16)


@intrinsic
def _widen(typingctx, a):
    """int8 -> int16 (sign extension)."""
    def codegen(context, builder, signature, args):
        return builder.sext(args[0], _I16)
    return types.int16(types.int8), codegen


@intrinsic
def _sat8(typingctx, a):
    """int16 -> int8, clamped to -128..127."""
    def codegen(context, builder, signature, args):
        v = builder.call(_llvm_fn(builder, "llvm.smin.i16", _I16, _I16, _I16),
                         [args[0], ir.Constant(_I16, 127)])
        v = builder.call(_llvm_fn(builder, "llvm.smax.i16", _I16, _I16, _I16),
                         [v, ir.Constant(_I16, -128)])
        return builder.trunc(v, _I8)
    return types.int8(types.int16), codegen


@intrinsic
def _mag8(typingctx, a):
    """min(|a|, 127) of an int8 (|-128| -> 127)."""
    def codegen(context, builder, signature, args):
        v = builder.call(_llvm_fn(builder, "llvm.abs.i8", _I8, _I8, _I1),
                         [args[0], ir.Constant(_I1, 0)])
        return builder.call(_llvm_fn(builder, "llvm.umin.i8", _I8, _I8, _I8),
                            [v, ir.Constant(_I8, 127)])
    return types.int8(types.int8), codegen


@intrinsic
def _shr4(typingctx, a):
    """a >> 4 (arithmetic) of an int16."""
    def codegen(context, builder, signature, args):
        return builder.ashr(args[0], ir.Constant(_I16, 4))
    return types.int16(types.int16), codegen


@intrinsic
def _neg8(typingctx, a):
    """-a of an int8 (a > -128)."""
    def codegen(context, builder, signature, args):
        return builder.neg(args[0])
    return types.int8(types.int8), codegen


# ------------------------------------------------------------------------------- the kernel


@njit(cache=True, nogil=True)
def _syndrome_ok(L, active, row_ptr, cols, shifts, zc, acc):  # pragma: no cover - compiled
    """True if the hard decisions (sign bits of L) satisfy every active check."""
    for i in range(row_ptr.shape[0] - 1):
        if not active[i]:
            continue
        for zz in range(zc):
            acc[np.uint64(zz)] = 0
        for e in range(row_ptr[i], row_ptr[i + 1]):
            o = np.uint64(2 * cols[e] * zc + shifts[e])
            for zz in range(zc):
                j = np.uint64(zz)
                acc[j] = _xor16(acc[j], L[o + j])
        s = np.int16(0)
        for zz in range(zc):
            s |= acc[np.uint64(zz)]
        if s < 0:
            return False
    return True


@njit(cache=True, nogil=True, inline="always")
def _sync_column(L, cb, p, zc):  # pragma: no cover - compiled
    """Column at [cb, cb + 2 zc) was written at [cb + p, cb + p + zc): restore both copies."""
    c_u = np.uint64(cb)
    z_u = np.uint64(zc)
    p_u = np.uint64(p)
    for zz in range(zc - p):
        j = np.uint64(zz)
        L[c_u + z_u + p_u + j] = L[c_u + p_u + j]
    for zz in range(p):
        j = np.uint64(zz)
        L[c_u + j] = L[c_u + z_u + j]


@njit(cache=True, nogil=True, inline="always")
def _row_pass1(L, R, m1, m2, sg, zc, l_off, rb):  # pragma: no cover - compiled
    """One edge: u = sat8(L - R) and the running two minima of min(|u|, 127) and sign
    parity. Indices are unsigned offsets plus a counter from 0 (a signed or offset counter
    keeps LLVM from vectorising)."""
    l_u = np.uint64(l_off)
    r_u = np.uint64(rb)
    for zz in range(zc):
        j = np.uint64(zz)
        tv = _sat8(_sub16(L[l_u + j], _widen(R[r_u + j])))
        a1 = m1[j]
        a2 = m2[j]
        s = sg[j]
        a = _mag8(tv)
        m2[j] = _min8(_max8(a, a1), a2)
        m1[j] = _min8(a, a1)
        sg[j] = _xor8(s, tv)


@njit(cache=True, nogil=True, inline="always")
def _row_pass1_pair(L, R, m1, m2, sg, zc, l_off, rb, l_off2, rb2):  # pragma: no cover
    """Two edges at once (half the loads and stores of the running minima)."""
    l_u = np.uint64(l_off)
    r_u = np.uint64(rb)
    l_v = np.uint64(l_off2)
    r_v = np.uint64(rb2)
    for zz in range(zc):
        j = np.uint64(zz)
        ta = _sat8(_sub16(L[l_u + j], _widen(R[r_u + j])))
        tb = _sat8(_sub16(L[l_v + j], _widen(R[r_v + j])))
        a1 = m1[j]
        a2 = m2[j]
        s = sg[j]
        a = _mag8(ta)
        b = _mag8(tb)
        lo = _min8(a, b)
        hi = _max8(a, b)
        m2[j] = _min8(_max8(a1, lo), _min8(a2, hi))
        m1[j] = _min8(a1, lo)
        sg[j] = _xor8(s, _xor8(ta, tb))


@njit(cache=True, nogil=True, inline="always")
def _row_pass2(L, R, m1, s1, s2, sg, zc, l_off, rb, l_max, l_min):  # pragma: no cover
    """One edge: u = sat8(L - R_old) again (L of this column is unchanged since pass 1),
    R_new = +-m (scaled ``s2`` for the edge of the smallest magnitude ``m1``, ``s1`` for the
    others; sign: product of the other edges' signs), L = clamp(L + R_new - R_old)."""
    l_u = np.uint64(l_off)
    r_u = np.uint64(rb)
    for zz in range(zc):
        j = np.uint64(zz)
        a1 = m1[j]
        b1 = s1[j]
        b2 = s2[j]
        s = sg[j]
        l_old = L[l_u + j]
        r_old = R[r_u + j]
        tv = _sat8(_sub16(l_old, _widen(r_old)))
        m = b2 if _mag8(tv) == a1 else b1
        r = _neg8(m) if _xor8(tv, s) < 0 else m
        R[r_u + j] = r
        v = _add16(l_old, _sub16(_widen(r), _widen(r_old)))
        L[l_u + j] = _max16(_min16(v, l_max), l_min)


@njit(cache=True, nogil=True, inline="always")
def _scale_magnitudes(m, out, zc, algo, num, off):  # pragma: no cover - compiled
    """out = (m num) >> 4 (normalised) or max(m - off, 0) (offset); at most 127."""
    if algo == 0:
        for zz in range(zc):
            z = np.uint64(zz)
            out[z] = _sat8(_shr4(_mul16(_widen(m[z]), num)))
    else:
        for zz in range(zc):
            z = np.uint64(zz)
            out[z] = _sat8(_max16(_sub16(_widen(m[z]), off), np.int16(0)))


@njit(cache=True, nogil=True)
def _iterate(L, R, m1, m2, s1, s2, sg, acc, active, row_ptr, cols, shifts, zc, max_it, algo, num,
             off, early, l_max):  # pragma: no cover - compiled
    """Layered min-sum on one block (module docstring); returns the iterations run, negative
    when the final hard decisions fail a parity check."""
    n_rows = row_ptr.shape[0] - 1
    l_min = np.int16(-l_max)
    for it in range(max_it):
        for i in range(n_rows):
            if not active[i]:
                continue
            e0 = row_ptr[i]
            d = row_ptr[i + 1] - e0
            for zz in range(zc):
                z = np.uint64(zz)
                m1[z] = np.int8(127)
                m2[z] = np.int8(127)
                sg[z] = np.int8(0)
            kk = 0
            while kk + 1 < d:
                e = e0 + kk
                _row_pass1_pair(L, R, m1, m2, sg, zc, 2 * cols[e] * zc + shifts[e], e * zc,
                                2 * cols[e + 1] * zc + shifts[e + 1], (e + 1) * zc)
                kk += 2
            if kk < d:
                e = e0 + kk
                _row_pass1(L, R, m1, m2, sg, zc, 2 * cols[e] * zc + shifts[e], e * zc)
            _scale_magnitudes(m1, s1, zc, algo, num, off)
            _scale_magnitudes(m2, s2, zc, algo, num, off)
            for kk in range(d):
                e = e0 + kk
                cb = 2 * cols[e] * zc
                p = shifts[e]
                _row_pass2(L, R, m1, s1, s2, sg, zc, cb + p, e * zc, l_max, l_min)
                _sync_column(L, cb, p, zc)
        if early and _syndrome_ok(L, active, row_ptr, cols, shifts, zc, acc):
            return it + 1
    if not early and _syndrome_ok(L, active, row_ptr, cols, shifts, zc, acc):
        return max_it
    return -max_it


#: Largest posterior magnitude (int16 posteriors, clamped; L - R never overflows).
L_MAX = 16383


@njit(cache=True, nogil=True)
def _decode_one(llr, bits, row_ptr, cols, shifts, deg1, zc, n_cols, max_it, algo, scaling_num,
                offset, early, target, sat, q, L, R, m1, m2, s1, s2, sg, acc,
                active):  # pragma: no cover - compiled
    scale = _block_scale(llr, target, sat)
    if np.isnan(scale):     # a NaN input: the caller raises
        return 0
    _quantize_into(llr, scale, q)
    for j in range(4 * zc):
        L[j] = 0
    for c in range(2, n_cols):
        for z in range(zc):
            v = np.int16(q[(c - 2) * zc + z])
            L[2 * c * zc + z] = v
            L[2 * c * zc + zc + z] = v
    # row skipping: a row whose degree-1 column holds only zeros changes nothing
    for i in range(row_ptr.shape[0] - 1):
        c = deg1[i]
        on = True
        if c >= 0:
            s = np.int8(0)
            for z in range(zc):
                s |= q[(c - 2) * zc + z]
            on = s != 0
        active[i] = on
    for j in range(R.shape[0]):
        R[j] = 0
    off = int(np.floor(offset * scale + 0.5))
    off = off if off < 127 else 127
    used = _iterate(L, R, m1, m2, s1, s2, sg, acc, active, row_ptr, cols, shifts, zc, max_it, algo,
                    np.int16(scaling_num), np.int16(off), early, np.int16(L_MAX))
    for c in range(bits.shape[0] // zc):
        for z in range(zc):
            bits[c * zc + z] = 1 if L[2 * c * zc + z] < 0 else 0
    return used


@njit(cache=True, nogil=True)
def _scratch(n_rows, n_edges, n_cols, d_max, zc):  # pragma: no cover - compiled
    return (np.empty((n_cols - 2) * zc, dtype=np.int8),   # q: quantised input LLRs
            np.empty(2 * n_cols * zc, dtype=np.int16),  # L: posteriors, each column twice
            np.empty(n_edges * zc, dtype=np.int8),      # R: check-to-variable messages
            np.empty(zc, dtype=np.int8),                # m1, m2: two smallest |u|
            np.empty(zc, dtype=np.int8),
            np.empty(zc, dtype=np.int8),                # s1, s2: their message magnitudes
            np.empty(zc, dtype=np.int8),
            np.empty(zc, dtype=np.int8),                # sg: XOR of the row's u (sign parity)
            np.empty(zc, dtype=np.int16),               # acc: syndrome accumulator
            np.empty(n_rows, dtype=np.bool_))           # active rows


@njit(cache=True, nogil=True)
def _decode_serial(llr, bits, iters, row_ptr, cols, shifts, deg1, zc, n_cols, d_max, max_it,
                   algo, scaling_num, offset, early, target, sat):  # pragma: no cover
    q, L, R, m1, m2, s1, s2, sg, acc, active = _scratch(row_ptr.shape[0] - 1, cols.shape[0], n_cols,
                                                   d_max, zc)
    for b in range(llr.shape[0]):
        iters[b] = _decode_one(llr[b], bits[b], row_ptr, cols, shifts, deg1, zc, n_cols, max_it,
                               algo, scaling_num, offset, early, target, sat, q, L, R, m1, m2,
                               s1, s2, sg, acc, active)


@njit(cache=True, nogil=True, parallel=True)
def _decode_parallel(llr, bits, iters, row_ptr, cols, shifts, deg1, zc, n_cols, d_max, max_it,
                     algo, scaling_num, offset, early, target, sat):  # pragma: no cover
    for b in prange(llr.shape[0]):
        q, L, R, m1, m2, s1, s2, sg, acc, active = _scratch(row_ptr.shape[0] - 1, cols.shape[0],
                                                       n_cols, d_max, zc)
        iters[b] = _decode_one(llr[b], bits[b], row_ptr, cols, shifts, deg1, zc, n_cols, max_it,
                               algo, scaling_num, offset, early, target, sat, q, L, R, m1, m2,
                               s1, s2, sg, acc, active)


def decode_fixed(llr: torch.Tensor, plan: DecodePlan, max_iterations: int, offset_ms: bool,
                 scaling: float, offset: float, early: bool
                 ) -> tuple[torch.Tensor, torch.Tensor]:
    """Decode float LLRs ``[B, (n_cols - 2) Zc]`` (CPU) of TS 38.212 §5.3.2 code blocks
    with the fixed-point kernel (module docstring): ``(bits uint8 [B, K], iterations int32
    [B])``, iterations negative where the final hard decisions fail a parity check (the
    convention of ``decode.py``'s kernels). ``offset_ms`` selects offset min-sum (``offset``
    in LLR units), else normalised min-sum with ``scaling``; ``early`` stops a block when its
    parity checks hold.

    >>> from softran.nr.coding.ldpc import ldpc_encode
    >>> from softran.nr.coding.ldpc.plan import decode_plan
    >>> cbs = torch.randint(0, 2, (2, 10 * 16), dtype=torch.uint8,
    ...                     generator=torch.Generator().manual_seed(1))
    >>> llr = 4.0 * (1 - 2 * ldpc_encode(cbs, 2).float())
    >>> llr[0, 7] = -llr[0, 7]              # one wrong hard decision, corrected by the layers
    >>> bits, iters = decode_fixed(llr, decode_plan(2, 16), 8, False, 0.75, 0.5, True)
    >>> bool(torch.equal(bits, cbs)), iters.tolist()
    (True, [1, 1])
    """
    x = llr.detach().contiguous()
    if x.dtype != torch.float32:
        x = x.to(torch.float32)
    bits, iterations = decode_fixed_arrays(x.numpy(), plan, max_iterations, offset_ms, scaling,
                                           offset, early)
    return torch.from_numpy(bits), torch.from_numpy(iterations)


def decode_fixed_arrays(x: np.ndarray, plan: DecodePlan, max_iterations: int, offset_ms: bool,
                        scaling: float, offset: float, early: bool
                        ) -> tuple[np.ndarray, np.ndarray]:
    """:func:`decode_fixed` on NumPy arrays (TS 38.212 §5.3.2 codes), without the tensor
    conversions: ``x`` C-contiguous float32 ``[B, (n_cols - 2) Zc]``; returns ``(bits uint8
    [B, K], iterations int32 [B])``, iterations 0 for a block whose LLRs hold a NaN (not
    decoded; the caller raises). The vector kernel (module docstring) runs for Zc >= 16,
    the scalar one below.

    >>> from softran.nr.coding.ldpc.plan import decode_plan
    >>> x = np.full((2, 50 * 64), 5.0, dtype=np.float32)       # the all-zero codeword
    >>> x[1, 3] = np.nan
    >>> bits, iters = decode_fixed_arrays(x, decode_plan(2, 64), 4, False, 0.75, 0.5, True)
    >>> int(bits[0].sum()), iters.tolist()
    (0, [1, 0])
    """
    b = x.shape[0]
    bits = np.zeros((b, plan.kb * plan.zc), dtype=np.uint8)
    iterations = np.empty(b, dtype=np.int32)
    decode_fixed_into(x, bits, iterations, plan, max_iterations, offset_ms, scaling, offset,
                      early)
    return bits, iterations


def decode_fixed_into(x: np.ndarray, bits: np.ndarray, iterations: np.ndarray,
                      plan: DecodePlan, max_iterations: int, offset_ms: bool, scaling: float,
                      offset: float, early: bool) -> None:
    """:func:`decode_fixed_arrays` into caller-kept arrays (TS 38.212 §5.3.2 codes): ``bits``
    C-contiguous uint8 ``[B, K]`` and ``iterations`` int32 ``[B]`` are overwritten (a block
    whose LLRs hold a NaN gets iteration count 0 and its bits are left as they were), so a
    slot loop allocates nothing.

    >>> from softran.nr.coding.ldpc.plan import decode_plan
    >>> x = np.full((1, 50 * 64), -5.0, dtype=np.float32)      # all ones: not a codeword
    >>> bits, iters = np.empty((1, 10 * 64), np.uint8), np.empty(1, np.int32)
    >>> decode_fixed_into(x, bits, iters, decode_plan(2, 64), 2, False, 0.75, 0.5, True)
    >>> iters.tolist()
    [-2]

    The arrays are checked by cheap attribute tests (the kernels write without bounds
    checks): a wrong dtype, shape or layout is a ValueError naming the argument.
    """
    n = (plan.n_cols - 2) * plan.zc
    if not (isinstance(x, np.ndarray) and x.dtype == np.float32 and x.ndim == 2
            and x.shape[1] == n and x.flags.c_contiguous):
        raise ValueError(f"x must be C-contiguous float32 [B, (n_cols - 2) Zc] = [B, {n}], got "
                         f"{getattr(x, 'dtype', type(x).__name__)} "
                         f"{list(getattr(x, 'shape', ()))}")
    b = x.shape[0]
    k = plan.kb * plan.zc
    if not (isinstance(bits, np.ndarray) and bits.dtype == np.uint8
            and bits.shape == (b, k) and bits.flags.c_contiguous):
        raise ValueError(f"bits must be C-contiguous uint8 [B, K] = {[b, k]}, got "
                         f"{getattr(bits, 'dtype', None)} {list(getattr(bits, 'shape', ()))}")
    if not (isinstance(iterations, np.ndarray) and iterations.dtype == np.int32
            and iterations.shape == (b,)):
        raise ValueError(f"iterations must be int32 [B] = [{b}], got "
                         f"{getattr(iterations, 'dtype', None)} "
                         f"{list(getattr(iterations, 'shape', ()))}")
    fixed_decoder(plan, max_iterations, offset_ms, scaling, offset, early).run(x, bits,
                                                                              iterations)


class FixedDecoder:
    """The kernels of :func:`decode_fixed_into` for one configuration (TS 38.212 §5.3.2
    codes), its arguments prepared once: ``run(x, bits, iterations)`` decodes into
    caller-checked arrays (the shapes, dtypes and layout :func:`decode_fixed_into` checks;
    nothing is checked here) and returns how many blocks held a NaN (iteration count 0).
    A slot loop pays one Numba dispatch and a thread check per call. The serial vector
    kernel's workspaces are kept per calling thread. ``parity=False`` (no early
    termination only) lets the vector kernel skip the final parity check when the caller
    drops the sign of the iteration count: the counts are then positive.

    >>> from softran.nr.coding.ldpc.plan import decode_plan
    >>> dec = FixedDecoder(decode_plan(2, 64), 4, False, 0.75, 0.5, True)
    >>> x = np.full((2, 50 * 64), 5.0, dtype=np.float32)        # the all-zero codeword
    >>> x[1, 0] = np.nan
    >>> bits, iters = np.empty((2, 10 * 64), np.uint8), np.empty(2, np.int32)
    >>> dec.run(x, bits, iters), iters.tolist(), int(bits[0].sum())
    (1, [1, 0], 0)
    """

    def __init__(self, plan: DecodePlan, max_iterations: int, offset_ms: bool, scaling: float,
                 offset: float, early: bool, parity: bool = True) -> None:
        self.plan = plan
        self._vector = plan.zc >= _SCALAR_BELOW
        if self._vector:
            self._args: tuple = (plan.row_ptr, plan.cols, plan.shifts, plan.deg1_col, plan.zc,
                                 plan.n_cols, max_iterations, 1 if offset_ms else 0,
                                 fixed_scaling(scaling), float(offset), bool(early),
                                 bool(parity), LLR_TARGET, _SAT)
        else:
            self._args = (plan.row_ptr, plan.cols, plan.shifts, plan.deg1_col,
                          np.int64(plan.zc), np.int64(plan.n_cols), np.int64(plan.d_max),
                          np.int64(max_iterations), np.int64(1 if offset_ms else 0),
                          np.int64(fixed_scaling(scaling)), np.float64(offset), bool(early),
                          np.float64(LLR_TARGET), np.float64(_SAT))
        self._owned: tuple[int, tuple[np.ndarray, ...]] = (-1, ())  # (thread, workspace)

    def run(self, x: np.ndarray, bits: np.ndarray, iterations: np.ndarray) -> int:
        """Decode ``x`` into ``bits`` and ``iterations`` (class docstring); the number of
        blocks with a NaN LLR."""
        b = x.shape[0]
        if b <= 1 or torch.get_num_threads() <= 1:     # serial: no thread set-up at all
            self._serial(x, bits, iterations)
        else:
            with kernel_threads(b) as parallel:
                if not parallel:
                    self._serial(x, bits, iterations)
                elif self._vector:
                    ws = _workspace(self.plan, numba.get_num_threads())
                    _decode_parallel_v(x, bits, iterations, *self._args, *ws)
                else:
                    _decode_parallel(x, bits, iterations, *self._args)
        return b - int(np.count_nonzero(iterations)) if b else 0

    def serial_args(self) -> tuple | None:
        """What :func:`decode_serial_v` takes after ``(x, bits, iterations)`` for this
        configuration on the calling thread (the prepared arguments and this thread's
        scratch arrays), for a caller that runs the serial vector kernel inside its own
        compiled pass (what :meth:`run` does on one thread, without its Python glue); None
        where this configuration takes the scalar kernel (Zc below 16)."""
        if not self._vector:
            return None
        owned = self._owned
        ident = threading.get_ident()
        if owned[0] != ident:
            owned = self._owned = (ident, _workspace(self.plan))
        return (*self._args, *owned[1])

    def _serial(self, x: np.ndarray, bits: np.ndarray, iterations: np.ndarray) -> None:
        if not self._vector:
            _decode_serial(x, bits, iterations, *self._args)
            return
        owned = self._owned      # one read: another thread may replace it meanwhile
        ident = threading.get_ident()
        if owned[0] != ident:
            owned = self._owned = (ident, _workspace(self.plan))
        _decode_serial_v(x, bits, iterations, *self._args, *owned[1])


_DECODERS: dict[tuple, FixedDecoder] = {}


def fixed_decoder(plan: DecodePlan, max_iterations: int, offset_ms: bool, scaling: float,
                  offset: float, early: bool, parity: bool = True) -> FixedDecoder:
    """The :class:`FixedDecoder` of a configuration (TS 38.212 §5.3.2 codes), made once and
    kept (at most 64 configurations: the cache is emptied when full).

    >>> from softran.nr.coding.ldpc.plan import decode_plan
    >>> fixed_decoder(decode_plan(1, 8), 4, False, 0.75, 0.5, True) is fixed_decoder(
    ...     decode_plan(1, 8), 4, False, 0.75, 0.5, True)
    True
    """
    if not isinstance(plan, DecodePlan):
        raise TypeError(f"plan must be a DecodePlan, got {type(plan).__name__}")
    key = (plan.bgn, plan.zc, max_iterations, offset_ms, scaling, offset, early, parity)
    dec = _DECODERS.get(key)
    if dec is None or dec.plan is not plan:
        # the options checked once per configuration (as ldpc_decode checks them), then kept
        check_int("max_iterations", max_iterations, 1)
        if check_real("scaling", scaling, 0.0, 1.0) == 0.0:
            raise ValueError("scaling = 0.0 is not allowed; it must be > 0 (and <= 1)")
        check_real("offset", offset, low=0.0)
        for name, flag in (("offset_ms", offset_ms), ("early", early), ("parity", parity)):
            check_bool(name, flag)
        if len(_DECODERS) >= 64:
            _DECODERS.clear()
        dec = _DECODERS[key] = FixedDecoder(plan, max_iterations, offset_ms, scaling, offset,
                                            early, parity)
    return dec


_WORKSPACES = threading.local()


def _workspace(plan: DecodePlan, n_threads: int = 0) -> tuple[np.ndarray, ...]:
    """The vector kernel's scratch arrays for ``plan``, allocated once per calling thread:
    1-D for the serial kernel (``n_threads`` = 0), else stacked ``[n_threads, ...]`` for the
    parallel one (one row per Numba thread)."""
    cache = getattr(_WORKSPACES, "by_plan", None)
    if cache is None:
        cache = _WORKSPACES.by_plan = {}
    key = (plan.bgn, plan.zc, n_threads)
    ws = cache.get(key)
    if ws is None:
        dims = (plan.n_rows, plan.cols.shape[0], plan.n_cols, plan.d_max, plan.zc)
        ws = cache[key] = (_scratch_v(*dims) if n_threads == 0
                           else _scratch_threads(n_threads, *dims))
    return ws


# ------------------------------------------------------------------------ torch reference


def decode_fixed_reference(llr: torch.Tensor, plan: DecodePlan, max_iterations: int,
                           offset_ms: bool, scaling: float, offset: float, early: bool
                           ) -> tuple[torch.Tensor, torch.Tensor]:
    """The algorithm of the module docstring (TS 38.212 §5.3.2 codes) in plain torch
    integer operations (int32 tensors), vectorised over blocks and Zc: the reference the Numba
    kernel must match bit for bit (bits and signed iteration counts, as
    :func:`decode_fixed`, same arguments).

    >>> from softran.nr.coding.ldpc import ldpc_encode
    >>> from softran.nr.coding.ldpc.plan import decode_plan
    >>> cbs = torch.randint(0, 2, (2, 10 * 8), dtype=torch.uint8,
    ...                     generator=torch.Generator().manual_seed(2))
    >>> llr = 3.0 * (1 - 2 * ldpc_encode(cbs, 2).float())
    >>> llr[1, :5] = 0.0                                        # five erasures
    >>> plan = decode_plan(2, 8)
    >>> ref = decode_fixed_reference(llr, plan, 5, False, 0.75, 0.5, True)
    >>> fast = decode_fixed(llr, plan, 5, False, 0.75, 0.5, True)
    >>> bool(torch.equal(ref[0], cbs)), torch.equal(ref[1], fast[1]), ref[1].tolist()
    (True, True, [1, 1])
    """
    zc, n_cols = plan.zc, plan.n_cols
    q, scale = quantize_llr(llr)
    b = q.shape[0]
    L = torch.zeros(b, n_cols, zc, dtype=torch.int32)
    L[:, 2:] = q.to(torch.int32).view(b, n_cols - 2, zc)
    deg1 = torch.from_numpy(plan.deg1_col)
    nonzero = (L != 0).any(-1)                                        # [B, n_cols]
    active = torch.where(deg1 >= 0, nonzero[:, deg1.clamp_min(0)], True)   # [B, n_rows]
    R = torch.zeros(b, plan.cols.shape[0], zc, dtype=torch.int32)
    num = fixed_scaling(scaling)
    off = torch.floor(torch.as_tensor(offset * scale.numpy()) + 0.5).clamp(max=127).to(
        torch.int32).view(b, 1)
    z = torch.arange(zc)
    rows = []
    for i in range(plan.n_rows):
        e = torch.arange(int(plan.row_ptr[i]), int(plan.row_ptr[i + 1]))
        c = torch.from_numpy(plan.cols[e.numpy()])
        p = torch.from_numpy(plan.shifts[e.numpy()])
        rows.append((e, c, (z[None, :] + p[:, None]) % zc))

    def syndrome_ok() -> torch.Tensor:
        hard = (L < 0).to(torch.int32)
        fail = torch.zeros(b, dtype=torch.bool)
        for i, (_, c, pos) in enumerate(rows):
            par = hard[:, c[:, None], pos].sum(1) % 2                   # [B, zc]
            fail |= (par != 0).any(-1) & active[:, i]
        return ~fail

    running = torch.ones(b, dtype=torch.bool)
    iterations = torch.full((b,), max_iterations, dtype=torch.int32)
    for it in range(max_iterations):
        for i, (e, c, pos) in enumerate(rows):
            on = (active[:, i] & running).view(b, 1, 1)
            r_old = R[:, e]
            u = (L[:, c[:, None], pos] - r_old).clamp(-128, 127)        # [B, d, zc]
            a = u.abs().clamp(max=127)
            srt = a.sort(dim=1).values
            m1, m2 = srt[:, 0], srt[:, 1]
            if offset_ms:
                s1, s2 = (m1 - off).clamp_min(0), (m2 - off).clamp_min(0)
            else:
                s1, s2 = ((m1 * num) >> 4).clamp(max=127), ((m2 * num) >> 4).clamp(max=127)
            mag = torch.where(a == m1.unsqueeze(1), s2.unsqueeze(1), s1.unsqueeze(1))
            neg = u < 0
            parity = neg.sum(1, keepdim=True) % 2 == 1
            r = torch.where(neg ^ parity, -mag, mag)
            new_l = (L[:, c[:, None], pos] + r - r_old).clamp(-L_MAX, L_MAX)
            R[:, e] = torch.where(on, r, r_old)
            L[:, c[:, None], pos] = torch.where(on, new_l, L[:, c[:, None], pos])
        if early:
            ok = syndrome_ok() & running
            iterations = torch.where(ok, it + 1, iterations).to(torch.int32)
            running &= ~ok
            if not bool(running.any()):
                break
    ok = ~running if early else syndrome_ok()
    bits = (L[:, :plan.kb].reshape(b, -1) < 0).to(torch.uint8)
    return bits, torch.where(ok, iterations, -iterations).to(torch.int32)



# ---------------------------------------------------------------------------- the vector kernel
# The same algorithm, bit for bit, with the loop over z outside the loop over a row's edges:
# for each run of W = ``LANES`` checks of a layer, the running minima and the sign parity stay
# in registers (``_simd``'s W-lane vectors) while pass 1 reads the row's edges (keeping
# t = L - R and its 8-bit view per edge in the small buffers T, U) and pass 2 writes them.
#
# Layout of the posteriors: each column c has two buffers (ping-pong) of S = Zp + W int16
# (Zp = Zc rounded up to a multiple of W), ``L[(2 c + b) S : ...]``, of which ``cur[c]`` is
# current and holds L rotated by ``rot[c]``: ``buf[z] = L_c[(z + rot[c]) mod Zc]`` for
# z < Zc, and the mirror ``buf[Zc + j] = buf[j mod Zc]`` for j < W. A row with shift p reads
# its edge's check lanes z0.. as the contiguous run at ``(p - rot[c] + z0) mod Zc`` of the
# current buffer (the mirror covers the wrap) and writes them in check order, from lane 0, to
# the other buffer, whose rotation becomes p: every store is aligned to the vector width
# (misaligned stores cost about as much as the rest of the pass). R holds each row's
# messages in the order the kernel visits them, run by run (``[row][run][edge][W]``, runs
# from the last): one sequential stream per iteration.
# Zc not a multiple of W: the last run of a layer (z0 = Zp - W) computes W - (Zc - z0)
# padding lanes from whatever follows its reads; their L stores land in the mirror, which
# the run z0 = 0, processed last, rewrites (the mirror store below); their R stores land in
# R's padding; the syndrome masks them. A valid lane only ever reads positions < Zc + W.
# The clamp of L to +-L_MAX is left out: L = q + (the sum of the column's messages)
# exactly, so |L| <= 127 (1 + max column degree) < L_MAX and the clamp never acts.

_W = LANES
_ALIGN = 64  # bytes
#: Lifting sizes below this run the scalar kernel (the vector kernel would compute 64 lanes)
_SCALAR_BELOW = 16


@njit(cache=True, nogil=True)
def _quantize_column(x, src, scale, L, dst, n):  # pragma: no cover - compiled
    """L[dst + z] = int16(q(x[src + z])) for z < n (step 1, branch-free)."""
    s = np.float32(scale)
    xs = x[src:src + n]
    out = L[dst:dst + n]
    for zz in range(n):
        v = xs[zz] * s
        v = min(max(v, np.float32(-127.0)), np.float32(127.0))
        r = np.floor(abs(v) + np.float32(0.5))
        out[zz] = np.int16(-r if v < 0 else r)


@njit(cache=True, nogil=True)
def _nonzero_length(x):  # pragma: no cover - compiled
    """A length n <= len(x) past which x holds only zeros (the untransmitted bits of a
    rate-matched block): a multiple of 64 of at least 64, else len(x). The scale of
    ``x[:n]`` is bit for bit that of x: ``_block_scale``'s vector loop adds element i to
    partial sum i mod W whatever the length (W = vector width x unroll: 8 here with AVX2,
    at most 64 on any target LLVM vectorises for, so a multiple of 64 leaves no scalar
    tail), and a zero adds +0.0 to every sum (tested)."""
    n = x.shape[0]
    b = x.view(np.uint32)       # the bits, OR-ed 256 at a time (-0.0 counts as nonzero)
    e = n - n % 64
    for j in range(e, n):
        if b[j] != 0:
            return n
    while e >= 320:
        acc = np.uint32(0)
        o = np.uint64(e - 256)
        for zz in range(256):   # from 0, unsigned offsets: LLVM vectorises it
            acc |= b[o + np.uint64(zz)]
        if acc != 0:
            break
        e -= 256
    return e if e >= 64 else n


@njit(cache=True, nogil=True, inline="always")
def _zero16(a, dst, n):  # pragma: no cover - compiled
    """a[dst:dst + n] = 0 (an indexed loop: LLVM vectorises it)."""
    d_u = np.uint64(dst)
    for zz in range(n):
        a[d_u + np.uint64(zz)] = 0


@njit(cache=True, nogil=True, inline="always")
def _copy16(a, src, dst, n):  # pragma: no cover - compiled
    """a[dst:dst + n] = a[src:src + n] (an indexed loop: LLVM vectorises it; no overlap)."""
    s_u = np.uint64(src)
    d_u = np.uint64(dst)
    for zz in range(n):
        j = np.uint64(zz)
        a[d_u + j] = a[s_u + j]


@njit(cache=True, nogil=True, inline="always")
def _padded(zc):  # pragma: no cover - compiled
    """Zc rounded up to a multiple of W."""
    return ((zc + _W - 1) // _W) * _W


@njit(cache=True, nogil=True, inline="always")
def _hard_decisions(src, dst):  # pragma: no cover - compiled
    for z in range(dst.shape[0]):
        dst[z] = np.uint8(1) if src[z] < 0 else np.uint8(0)


@njit(cache=True, nogil=True)
def _syndrome_ok_v(L, R, cur, rot, active, row_ptr, cols, shifts, zc, zp,
                   S):  # pragma: no cover - compiled
    """True if the hard decisions (sign bits of L) satisfy every active check (the lanes
    past Zc of the last run of W masked out). A folded degree-1 edge's posterior is its
    channel value (never rewritten) plus the row's message."""
    last = ((zc - 1) // _W) * _W
    tail = lanes_below16(zc - last)
    for i in range(row_ptr.shape[0] - 1):
        if not active[i]:
            continue
        e0 = row_ptr[i]
        e1 = row_ptr[i + 1]
        d = e1 - e0
        fold = active[i] == 2
        er = e1 - 1 if fold else e1
        for z0 in range(0, zc, _W):
            acc = zeros16()
            for e in range(e0, er):
                c = cols[e]
                r = shifts[e] - rot[c] + z0
                r = r + zc if r < 0 else r
                r = r - zc if r >= zc else r
                acc = xor16(acc, load16(L, (2 * c + cur[c]) * S + r))
            if fold:
                c = cols[er]
                r = shifts[er] - rot[c] + z0
                r = r + zc if r < 0 else r
                r = r - zc if r >= zc else r
                rb = e0 * zp + (zp - _W - z0) * d
                acc = xor16(acc, add16(load16(L, (2 * c + cur[c]) * S + r),
                                       widen(load8(R, rb + (d - 1) * _W))))
            if z0 == last:
                acc = and16(acc, tail)
            if any_negative16(acc):
                return False
    return True


@njit(cache=True, nogil=True)
def _schedule_v(active, row_ptr, cols, shifts, zc, S, SRS, SRD, SWR, cur, rot, cur1, rot1, cur2,
                rot2):  # pragma: no cover - compiled
    """The buffer walk of the layout above, worked out once for the active rows: for phase
    ph (0: the first iteration; 1: iterations 1, 3, ...; 2: iterations 2, 4, ...) and edge e
    of an active row, ``SRS[ph n_e + e]`` the read rotation offset, ``SRD`` / ``SWR`` the
    read / write buffers (as the row-by-row update of ``cur`` / ``rot`` makes them). ``cur1``
    / ``rot1`` hold the state after an odd number of iterations, ``cur2`` / ``rot2`` after an
    even one (>= 2): a column's buffer flips once per write, so the walk repeats every two
    iterations after the first. Folded edges (``active`` = 2, last edge) are never written."""
    n_rows = row_ptr.shape[0] - 1
    n_e = cols.shape[0]
    n_cols = cur.shape[0]
    for c in range(n_cols):
        cur[c] = 0
        rot[c] = 0
    for ph in range(3):
        base = ph * n_e
        for i in range(n_rows):
            if not active[i]:
                continue
            e0 = row_ptr[i]
            e1 = row_ptr[i + 1]
            for e in range(e0, e1):
                c = cols[e]
                r = shifts[e] - rot[c]
                SRS[base + e] = r + zc if r < 0 else r
                SRD[base + e] = (2 * c + cur[c]) * S
                SWR[base + e] = (2 * c + 1 - cur[c]) * S
            er = e1 - 1 if active[i] == 2 else e1
            for e in range(e0, er):
                c = cols[e]
                cur[c] = 1 - cur[c]
                rot[c] = shifts[e]
        if ph == 0:
            for c in range(n_cols):
                cur1[c] = cur[c]
                rot1[c] = rot[c]
        elif ph == 1:
            for c in range(n_cols):
                cur2[c] = cur[c]
                rot2[c] = rot[c]


@njit(cache=True, nogil=True)
def _iterate_v(L, R, T, U, SRS, SRD, SWR, cur1, rot1, cur2, rot2, active, row_ptr, cols,
               shifts, zc, zp, S, max_it, algo, num, off, early,
               parity):  # pragma: no cover - compiled
    """Layered min-sum on one block (layout above, the buffer walk of :func:`_schedule_v`);
    returns the iterations run, negative when the final hard decisions fail a parity check
    (checked only with ``early`` or ``parity``; else the count is positive). R is not read
    in the first iteration (all zero), so nothing needs to clear it: the first iteration
    writes every message of the active rows, the only ones ever read. The state of the
    buffers after the last iteration is ``cur1`` / ``rot1`` (an odd number of iterations)
    or ``cur2`` / ``rot2``.

    Folded rows (``active`` = 2): the last edge's column has degree 1 and is not output, so
    its posterior is always its channel value q plus this row's message, and t = L - R = q:
    the edge reads q (its buffer is never rewritten nor rotated) and writes only R (no
    read of R, no T, no L store), and only in an iteration followed by a parity check,
    which adds R back. Bit for bit the same."""
    n_rows = row_ptr.shape[0] - 1
    n_e = cols.shape[0]
    offv = splat8(off)
    zero8 = splat8(0)
    for it in range(max_it):
        base = 0 if it == 0 else (n_e if it % 2 == 1 else 2 * n_e)
        # a folded edge's message is read only by the parity check after this iteration
        keep = early or (parity and it == max_it - 1)
        for i in range(n_rows):
            if not active[i]:
                continue
            e0 = row_ptr[i]
            d = row_ptr[i + 1] - e0
            fold = active[i] == 2
            dr = d - 1 if fold else d          # edges with a stored posterior
            eb = np.uint64(base + e0)
            for ch in range(zp // _W - 1, -1, -1):   # the run holding lane 0 last
                z0 = ch * _W
                rb = e0 * zp + (zp - _W - z0) * d       # R of this run: d x W, in order
                m1 = splat8(127)
                m2 = splat8(127)
                sg = zero8
                for kk in range(dr):
                    k = np.uint64(kk)
                    r = SRS[eb + k] + z0
                    r = r - zc if r >= zc else r
                    if it == 0:
                        t = load16(L, SRD[eb + k] + r)
                    else:
                        t = sub16(load16(L, SRD[eb + k] + r), widen(load8(R, rb + kk * _W)))
                    # u = t narrowed to -128..127; |u| as unsigned 0..128 (|-128| = 128):
                    # with m1, m2 starting at 127 the unsigned minima are those of
                    # min(|u|, 127), and pass 2's |u| == m1 differs from the rule only where
                    # m1 = m2 = 127 (same message)
                    u = narrow8(t)
                    store16(T, k * _W, t)
                    store8(U, k * _W, u)
                    a = abs8(u)
                    m2 = umin8(umax8(a, m1), m2)
                    m1 = umin8(a, m1)
                    sg = xor8(sg, u)
                if fold:
                    k = np.uint64(dr)
                    r = SRS[eb + k] + z0
                    r = r - zc if r >= zc else r
                    u = narrow8(load16(L, SRD[eb + k] + r))       # t = q
                    if keep:
                        store8(U, k * _W, u)
                    a = abs8(u)
                    m2 = umin8(umax8(a, m1), m2)
                    m1 = umin8(a, m1)
                    sg = xor8(sg, u)
                if algo == 1:
                    s1 = max8(sub8(m1, offv), zero8)
                    s2 = max8(sub8(m2, offv), zero8)
                elif num == 12:                  # the default 0.75, in 8-bit lanes
                    s1 = three_quarters8(m1)
                    s2 = three_quarters8(m2)
                else:
                    s1 = scale8(m1, num)
                    s2 = scale8(m2, num)
                # the message's sign is sign(u) sign(sg): sg's part folded in once a run
                s1 = neg_where8(sg, s1)
                s2 = neg_where8(sg, s2)
                for kk in range(dr):
                    k = np.uint64(kk)
                    u = load8(U, k * _W)
                    rn = neg_where8(u, select_eq8(abs8(u), m1, s2, s1))
                    store8(R, rb + kk * _W, rn)
                    v = add16(load16(T, k * _W), widen(rn))
                    o = SWR[eb + k] + z0
                    store16(L, o, v)
                    if z0 == 0:
                        store16(L, o + zc, v)
                if fold and keep:
                    u = load8(U, np.uint64(dr) * _W)
                    rn = neg_where8(u, select_eq8(abs8(u), m1, s2, s1))
                    store8(R, rb + dr * _W, rn)
        if early:
            cur, rot = (cur1, rot1) if it % 2 == 0 else (cur2, rot2)
            if _syndrome_ok_v(L, R, cur, rot, active, row_ptr, cols, shifts, zc, zp, S):
                return it + 1
    if not early:
        cur, rot = (cur1, rot1) if max_it % 2 == 1 else (cur2, rot2)
        if not parity or _syndrome_ok_v(L, R, cur, rot, active, row_ptr, cols, shifts, zc, zp,
                                        S):
            return max_it
    return -max_it


@intrinsic
def _address(typingctx, arr):
    """The data address of an array, as an integer."""
    def codegen(context, builder, sig, args):
        data = context.make_array(sig.args[0])(context, builder, args[0]).data
        return builder.ptrtoint(data, ir.IntType(64))
    return types.int64(arr), codegen


@njit(cache=True, nogil=True)
def _aligned(n, dtype):  # pragma: no cover - compiled
    """An uninitialised array of n elements whose data starts on an _ALIGN-byte boundary."""
    raw = np.empty(n + _ALIGN, dtype=dtype)
    size = raw.itemsize
    skip = ((_ALIGN - _address(raw) % _ALIGN) % _ALIGN) // size
    return raw[skip:skip + n]


@njit(cache=True, nogil=True)
def _scratch_v(n_rows, n_edges, n_cols, d_max, zc):  # pragma: no cover - compiled
    zp = _padded(zc)
    return (_aligned(2 * n_cols * (zp + _W), np.int16),   # L: posteriors (layout above)
            _aligned(n_edges * zp, np.int8),              # R: check-to-variable messages
            _aligned(d_max * _W, np.int16),               # T: a row's t = L - R, W lanes
            _aligned(d_max * _W, np.int8),                # U: their 8-bit views
            np.empty(3 * n_edges, dtype=np.int32),        # SRS: read offset (rotation)
            np.empty(3 * n_edges, dtype=np.int32),        # SRD: read buffer of each edge
            np.empty(3 * n_edges, dtype=np.int32),        # SWR: write buffer of each edge
            np.empty((3, n_cols), dtype=np.int64),        # cur: buffer per column (3 states)
            np.empty((3, n_cols), dtype=np.int64),        # rot: its rotation
            np.empty(n_rows, dtype=np.int8),              # active rows (0, 1, 2: folded)
            np.full(n_rows, -1, dtype=np.int8))           # the active rows of the schedule


@njit(cache=True, nogil=True)
def _decode_one_v(llr, bits, row_ptr, cols, shifts, deg1, zc, n_cols, max_it, algo,
                  scaling_num, offset, early, parity, target, sat, L, R, T, U, SRS, SRD, SWR, cur,
                  rot, active, walked):  # pragma: no cover - compiled
    zp = _padded(zc)
    S = zp + _W
    n = _nonzero_length(llr)
    scale = _block_scale(llr[:n], target, sat)
    if np.isnan(scale):     # a NaN input: the caller raises
        return 0
    L[:4 * S] = 0  # the punctured columns 0 and 1
    for c in range(2, n_cols):
        if (c - 2) * zc < n:
            _quantize_column(llr, (c - 2) * zc, scale, L, 2 * c * S, zc)
        else:           # not transmitted: q = 0
            _zero16(L, 2 * c * S, zc)
    for c in range(n_cols):
        o = 2 * c * S
        if zc >= _W:      # a plain copy (a modulo per lane costs a division: ~20 us a block)
            _copy16(L, o, o + zc, _W)
        else:
            for j in range(_W):
                L[o + zc + j] = L[o + j % zc]
    # row skipping: a row whose degree-1 column holds only zeros changes nothing
    for i in range(row_ptr.shape[0] - 1):
        c = deg1[i]
        on = True
        if c >= 0:
            col = L[2 * c * S:2 * c * S + zc]
            s = np.int16(0)
            for z in range(zc):
                s |= col[z]
            on = s != 0
        # 2: the row's last edge is its degree-1 column, a parity column (not output):
        # folded (see _iterate_v)
        fold = c >= bits.shape[0] // zc and cols[row_ptr[i + 1] - 1] == c
        active[i] = (2 if fold else 1) if on else 0
    off = int(np.floor(offset * scale + 0.5))
    off = min(off, 127)
    same = True
    for i in range(active.shape[0]):
        same &= walked[i] == active[i]
    if not same:    # the buffer walk of these active rows (kept: the next block's is the same)
        _schedule_v(active, row_ptr, cols, shifts, zc, S, SRS, SRD, SWR, cur[0], rot[0], cur[1],
                    rot[1], cur[2], rot[2])
        for i in range(active.shape[0]):
            walked[i] = active[i]
    used = _iterate_v(L, R, T, U, SRS, SRD, SWR, cur[1], rot[1], cur[2], rot[2], active,
                      row_ptr, cols, shifts, zc, zp, S, max_it, algo, scaling_num, off, early,
                      parity)
    n_run = abs(used)
    st = 0 if n_run == 0 else (1 if n_run % 2 == 1 else 2)   # the buffers' final state
    if st == 0:
        for c in range(n_cols):
            cur[0, c] = 0
            rot[0, c] = 0
    for c in range(bits.shape[0] // zc):
        o = (2 * c + cur[st, c]) * S
        r = rot[st, c]
        # bit z is buf[(z - rot) mod Zc]: two runs
        _hard_decisions(L[o:o + zc - r], bits[c * zc + r:(c + 1) * zc])
        _hard_decisions(L[o + zc - r:o + zc], bits[c * zc:c * zc + r])
    return used


@njit(cache=True, nogil=True)
def _decode_serial_v(llr, bits, iters, row_ptr, cols, shifts, deg1, zc, n_cols, max_it, algo,
                     scaling_num, offset, early, parity, target, sat, L, R, T, U, SRS, SRD, SWR,
                     cur, rot, active, walked):  # pragma: no cover - compiled
    for b in range(llr.shape[0]):
        iters[b] = _decode_one_v(llr[b], bits[b], row_ptr, cols, shifts, deg1, zc, n_cols,
                                 max_it, algo, scaling_num, offset, early, parity, target, sat,
                                 L, R, T, U, SRS, SRD, SWR, cur, rot, active, walked)


#: the serial vector kernel of :class:`FixedDecoder` (TS 38.212 §5.3.2 codes, Zc >= 16):
#: ``decode_serial_v(x, bits, iterations, *decoder.serial_args())`` decodes every row of
#: ``x`` as :meth:`FixedDecoder.run` does on one thread, for compiled callers
decode_serial_v = _decode_serial_v


@njit(cache=True, nogil=True)
def _scratch_threads(n_threads, n_rows, n_edges, n_cols, d_max, zc):  # pragma: no cover
    """_scratch_v's arrays stacked [n_threads, ...] (each row aligned: its size in bytes is a
    multiple of _ALIGN)."""
    zp = _padded(zc)
    n_l, n_r, n_t = 2 * n_cols * (zp + _W), n_edges * zp, d_max * _W
    return (_aligned(n_threads * n_l, np.int16).reshape((n_threads, n_l)),
            _aligned(n_threads * n_r, np.int8).reshape((n_threads, n_r)),
            _aligned(n_threads * n_t, np.int16).reshape((n_threads, n_t)),
            _aligned(n_threads * n_t, np.int8).reshape((n_threads, n_t)),
            np.empty((n_threads, 3 * n_edges), dtype=np.int32),
            np.empty((n_threads, 3 * n_edges), dtype=np.int32),
            np.empty((n_threads, 3 * n_edges), dtype=np.int32),
            np.empty((n_threads, 3, n_cols), dtype=np.int64),
            np.empty((n_threads, 3, n_cols), dtype=np.int64),
            np.empty((n_threads, n_rows), dtype=np.int8),
            np.full((n_threads, n_rows), -1, dtype=np.int8))


@njit(cache=True, nogil=True, parallel=True)
def _decode_parallel_v(llr, bits, iters, row_ptr, cols, shifts, deg1, zc, n_cols, max_it, algo,
                       scaling_num, offset, early, parity, target, sat, L, R, T, U, SRS, SRD,
                       SWR, cur, rot, active, walked):  # pragma: no cover - compiled
    """The blocks over Numba's threads, each thread on its own row of the stacked
    workspaces (_scratch_threads)."""
    for b in prange(llr.shape[0]):
        t = numba.get_thread_id()
        iters[b] = _decode_one_v(llr[b], bits[b], row_ptr, cols, shifts, deg1, zc, n_cols,
                                 max_it, algo, scaling_num, offset, early, parity, target, sat,
                                 L[t], R[t], T[t], U[t], SRS[t], SRD[t], SWR[t], cur[t],
                                 rot[t], active[t], walked[t])
