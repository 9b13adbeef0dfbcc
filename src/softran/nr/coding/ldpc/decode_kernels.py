"""Numba CPU kernels for LDPC encoding and layered min-sum decoding (TS 38.212 §5.3.2).

These are the compiled counterparts of the torch paths in ``encode.py`` and ``decode.py`` and
are called only through ``ldpc_encode`` / ``ldpc_decode``. They work on numpy arrays, one code
block per (p)range iteration, with the memory layout [block][column][z]: the inner loops run
over z, contiguous in memory, so that LLVM vectorises them (AVX2 / AVX-512 where the CPU has
them). The encoder splits a cyclic shift P of a Zc-block into the two contiguous runs
z < Zc - P (source offset +P) and z >= Zc - P (source offset P - Zc).

Layered min-sum keeps each check message in compressed form: per (row, z) the two smallest
magnitudes (already scaled or offset) and the edge index of the smallest, the parity of the
signs of the row's variable-to-check messages, and per (edge, z) the sign of that edge's own
variable-to-check message; the outgoing message of edge k is negative when its own sign differs
from the parity. Messages are recomputed from this when they are subtracted again. The posterior
LLRs of each column are stored twice in a row, so a cyclically shifted column is one contiguous
run (after a layer writes a column back, the two copies are re-synchronised).

Floating-point semantics match the torch reference exactly: the same IEEE float32 operations
in the same order per element (no reassociation or FMA contraction is enabled), so both paths
give bit-identical LLRs, hard decisions and iteration counts.
"""

from __future__ import annotations

import contextlib
import threading
from collections.abc import Iterator

import numba
import numpy as np
import torch
from numba import njit, prange

__all__ = ["decode_blocks", "encode_blocks", "encode_blocks_checked", "kernel_threads"]

# nnan/ninf/nsz: inputs are saturated (no inf or NaN reach the kernels) and the sign of a zero
# never matters (signs are taken with v < 0). No 'reassoc' or 'contract': results stay
# bit-identical to the torch reference.
_FASTMATH = {"nnan", "ninf", "nsz"}
_BIG = np.float32(3.0e38)


_PARALLEL_LOCK = threading.Lock()


@contextlib.contextmanager
def kernel_threads(n_blocks: int) -> Iterator[bool]:
    """Run the enclosed kernel call on min(numba threads, torch threads, n_blocks) threads.

    Yields whether the parallel (prange) kernel should be used. The Numba thread count of the
    calling thread is restored afterwards. Only one parallel kernel runs at a time (Numba's
    default workqueue threading layer does not allow concurrent parallel regions); a call from
    another Python thread meanwhile runs the serial kernel (the kernels release the GIL).
    Torch's thread count is left as it was (Numba's OpenMP layer shares it).
    """
    torch_threads = torch.get_num_threads()
    n = min(numba.get_num_threads(), torch_threads, n_blocks)
    # with Numba's OpenMP layer, launching its threads (the first get_num_threads) and
    # set_num_threads also set OpenMP's thread count, which is torch's: keep torch's
    _keep_torch_threads(torch_threads)
    if n <= 1 or not _PARALLEL_LOCK.acquire(blocking=False):
        yield False
        return
    old = numba.get_num_threads()
    try:
        numba.set_num_threads(n)
        yield True
    finally:
        numba.set_num_threads(old)
        _keep_torch_threads(torch_threads)
        _PARALLEL_LOCK.release()


def _keep_torch_threads(n: int) -> None:
    if torch.get_num_threads() != n:
        torch.set_num_threads(n)


# ----------------------------------------------------------------------------------- encoder


@njit(cache=True, nogil=True)
def _encode_one(c, parity, out_offset, buf, acc, tgt_col, tgt_shift, src_ptr, src_col,
                src_shift, zc, kb, n_cols):  # pragma: no cover - compiled
    """One block: systematic bits into buf, then every schedule step; unsigned indices keep
    the byte loops free of wraparound code so that they vectorise."""
    u = np.uint64
    zcu = u(zc)
    kbz = u(kb) * zcu
    for q in range(kbz):
        buf[q] = c[q]
    for s in range(tgt_col.shape[0]):
        for z in range(zcu):
            acc[z] = 0
        for e in range(src_ptr[s], src_ptr[s + 1]):
            p = u(src_shift[e])
            o1 = u(src_col[e]) * zcu + p
            n1 = zcu - p
            for z in range(n1):
                acc[z] ^= buf[o1 + z]
            o2 = o1 - zcu
            for z in range(n1, zcu):
                acc[z] ^= buf[o2 + z]
        p = u(tgt_shift[s])
        o1 = u(tgt_col[s]) * zcu + p
        n1 = zcu - p
        for z in range(n1):
            buf[o1 + z] = acc[z]
        o2 = o1 - zcu
        for z in range(n1, zcu):
            buf[o2 + z] = acc[z]
    off = u(out_offset)
    for q in range(u(n_cols - kb) * zcu):
        parity[off + q] = buf[kbz + q]


@njit(cache=True, nogil=True)
def _encode_serial(c, out, out_offset, tgt_col, tgt_shift, src_ptr, src_col, src_shift, zc, kb,
                   n_cols, n_buf_cols):  # pragma: no cover - compiled
    buf = np.zeros(n_buf_cols * zc, dtype=np.uint8)
    acc = np.empty(zc, dtype=np.uint8)
    for b in range(c.shape[0]):
        _encode_one(c[b], out[b], out_offset, buf, acc, tgt_col, tgt_shift, src_ptr, src_col,
                    src_shift, zc, kb, n_cols)


@njit(cache=True, nogil=True, parallel=True)
def _encode_parallel(c, out, out_offset, tgt_col, tgt_shift, src_ptr, src_col, src_shift, zc,
                     kb, n_cols, n_buf_cols):  # pragma: no cover - compiled
    for b in prange(c.shape[0]):
        buf = np.zeros(n_buf_cols * zc, dtype=np.uint8)
        acc = np.empty(zc, dtype=np.uint8)
        _encode_one(c[b], out[b], out_offset, buf, acc, tgt_col, tgt_shift, src_ptr, src_col,
                    src_shift, zc, kb, n_cols)


def encode_blocks(c: np.ndarray, out: np.ndarray, out_offset: int, tgt_col: np.ndarray,
                  tgt_shift: np.ndarray, src_ptr: np.ndarray, src_col: np.ndarray,
                  src_shift: np.ndarray, zc: int, kb: int, n_cols: int, n_buf_cols: int,
                  parallel: bool) -> None:
    """Write the parity columns kb..n_cols-1 of each block of ``c`` (uint8 [B, kb*zc]) into
    ``out[b, out_offset:out_offset + (n_cols-kb)*zc]`` (int8 [B, N]) by the encoding schedule
    of ``encode._EncodePlan``."""
    fn = _encode_parallel if parallel else _encode_serial
    fn(c, out, np.int64(out_offset), tgt_col, tgt_shift, src_ptr, src_col, src_shift,
       np.int64(zc), np.int64(kb), np.int64(n_cols), np.int64(n_buf_cols))


@njit(cache=True, nogil=True)
def _encode_checked(cbs, signed, out, tgt_col, tgt_shift, src_ptr, src_col, src_shift, zc, kb,
                    n_cols, n_buf_cols):  # pragma: no cover - compiled
    u = np.uint64
    k = cbs.shape[1]
    sys_len = k - 2 * zc
    buf = np.zeros(n_buf_cols * zc, dtype=np.uint8)
    acc = np.empty(zc, dtype=np.uint8)
    clean = np.empty(k, dtype=np.uint8)
    top = np.uint8(0)
    one = np.uint8(1)
    for b in range(cbs.shape[0]):
        row = cbs[b]
        # allowed values: 0, 1 (-> 1, 2 by v + 1) and with signed also 255 = -1 (-> 0): the
        # largest v + 1 (signed) or v says whether all are (max-reductions vectorise)
        if signed:
            for q in range(u(k)):
                top = max(top, np.uint8(row[q] + one))
        else:
            for q in range(u(k)):
                top = max(top, np.uint8(row[q] + one) if row[q] < 255 else np.uint8(255))
        for q in range(u(k)):
            v = row[q]
            clean[q] = v if v <= one else np.uint8(0)
        dst = out[b]
        sys_src = row[2 * zc:]
        for q in range(u(sys_len)):
            dst[q] = sys_src[q]
        _encode_one(clean, dst, sys_len, buf, acc, tgt_col, tgt_shift, src_ptr, src_col,
                    src_shift, zc, kb, n_cols)
    return top <= 2


def encode_blocks_checked(cbs: np.ndarray, signed: bool, out: np.ndarray, tgt_col: np.ndarray,
                          tgt_shift: np.ndarray, src_ptr: np.ndarray, src_col: np.ndarray,
                          src_shift: np.ndarray, zc: int, kb: int, n_cols: int,
                          n_buf_cols: int) -> bool:
    """:func:`encode_blocks` of the code blocks ``cbs`` (uint8 ``[B, K]``; with ``signed``
    the bytes of int8 blocks whose fillers are -1 = 255, encoded as 0) into the whole codeword
    ``out`` (int8 viewed as uint8 ``[B, N]``: the systematic bits K..2Zc first, fillers kept),
    in one serial pass that also checks the values; returns False (``out`` undefined) where a
    block holds a value other than 0 and 1 (and -1 with ``signed``)."""
    return _encode_checked(cbs, signed, out, tgt_col, tgt_shift, src_ptr, src_col, src_shift,
                           np.int64(zc), np.int64(kb), np.int64(n_cols), np.int64(n_buf_cols))


# ----------------------------------------------------------------------------------- decoder


@njit(cache=True, nogil=True, inline="always")
def _xor_hard(acc, src):  # pragma: no cover - compiled
    for z in range(acc.shape[0]):
        acc[z] ^= np.int32(1) if src[z] < 0 else np.int32(0)


@njit(cache=True, nogil=True)
def _syndrome_ok(L, active, row_ptr, cols, shifts, zc, acc):  # pragma: no cover - compiled
    """True if the hard decisions (L < 0 means 1) satisfy every active parity check."""
    for i in range(row_ptr.shape[0] - 1):
        if not active[i]:
            continue
        for z in range(zc):
            acc[z] = 0
        for e in range(row_ptr[i], row_ptr[i + 1]):
            cb = cols[e] * 2 * zc + shifts[e]
            _xor_hard(acc, L[cb:cb + zc])
        s = np.int32(0)
        for z in range(zc):
            s |= acc[z]
        if s != 0:
            return False
    return True


@njit(cache=True, nogil=True, fastmath=_FASTMATH)
def _iterate(L, t, m1s, m2s, ixs, sgs, par, mn1, mn2, ix, pacc, sg, active, row_ptr, cols,
             shifts, zc,
             max_it, algo, scale, offset, early):  # pragma: no cover - compiled
    """Layered min-sum iterations on one block; returns the number of iterations run.

    Layer i = base-graph row i (Zc checks). L holds each column twice ([2c*zc, 2c*zc + 2zc)),
    so the cyclic shift p of column c is the contiguous run starting at 2c*zc + p. Indices are
    cast to unsigned (no negative-index wraparound code), every loop writes at most three
    arrays (LLVM's runtime alias checks stay under its limit), conditional loads are avoided
    (they would become gathers) and min/max are ternaries (the builtins compile to out-of-line
    calls), so every loop over z vectorises. Everything is written out in this one function:
    calls and inlined helpers that take arrays cost atomic reference-count updates.
    """
    n_rows = row_ptr.shape[0] - 1
    for it in range(max_it):
        for i in range(n_rows):
            if not active[i]:
                continue
            rb = i * zc
            zc2 = 2 * zc
            for z in range(zc):
                mn1[z] = _BIG
                mn2[z] = _BIG
            for z in range(zc):
                ix[z] = 0
                pacc[z] = 0
            e0 = row_ptr[i]
            d = row_ptr[i + 1] - e0
            for kk in range(d):
                k = np.int32(kk)
                lo = cols[e0 + kk] * zc2 + shifts[e0 + kk]
                to = kk * zc
                eb = (e0 + kk) * zc
                # t_k = L(column, cyclic shift p) - R_old(edge k)
                for z in range(zc):
                    j = np.uint64(rb + z)
                    a1 = m1s[j]
                    a2 = m2s[j]
                    m = a2 if ixs[j] == k else a1
                    neg = sgs[np.uint64(eb + z)] != par[j]
                    t[np.uint64(to + z)] = L[np.uint64(lo + z)] - (-m if neg else m)
            # two smallest |t_k| and the edge of the smallest (the first one on ties), two
            # edges per pass
            kk = 0
            while kk + 1 < d:
                k = np.int32(kk)
                k2 = np.int32(kk + 1)
                to = kk * zc
                for z in range(zc):
                    a = abs(t[np.uint64(to + z)])
                    b = abs(t[np.uint64(to + zc + z)])
                    m1 = mn1[z]
                    m2 = mn2[z]
                    i0 = ix[z]
                    first = a <= b
                    lo_ = a if first else b
                    hi = b if first else a
                    il = k if first else k2
                    new_min = lo_ < m1
                    mn1[z] = lo_ if new_min else m1
                    mn2[z] = (hi if hi < m1 else m1) if new_min else (lo_ if lo_ < m2 else m2)
                    ix[z] = il if new_min else i0
                kk += 2
            if kk < d:
                k = np.int32(kk)
                to = kk * zc
                for z in range(zc):
                    a = abs(t[np.uint64(to + z)])
                    m1 = mn1[z]
                    m2 = mn2[z]
                    mx = a if a > m1 else m1
                    mn2[z] = mx if mx < m2 else m2
                    mn1[z] = a if a < m1 else m1
                    ix[z] = k if a < m1 else ix[z]
            # own sign of each t_k (kept per edge) and the parity of all signs of the row
            for kk in range(d):
                to = kk * zc
                eb = (e0 + kk) * zc
                for z in range(zc):
                    s = np.int8(1) if t[np.uint64(to + z)] < 0 else np.int8(0)
                    sgs[np.uint64(eb + z)] = s
                    pacc[z] ^= s
            if algo == 0:
                for z in range(zc):
                    m1s[np.uint64(rb + z)] = scale * mn1[z]
                for z in range(zc):
                    m2s[np.uint64(rb + z)] = scale * mn2[z]
            else:
                for z in range(zc):
                    v = mn1[z] - offset
                    m1s[np.uint64(rb + z)] = v if v > 0 else np.float32(0.0)
                for z in range(zc):
                    v = mn2[z] - offset
                    m2s[np.uint64(rb + z)] = v if v > 0 else np.float32(0.0)
            for z in range(zc):
                ixs[np.uint64(rb + z)] = ix[z]
            # the outgoing message of edge k is negative when its own sign differs from the parity
            for z in range(zc):
                par[np.uint64(rb + z)] = pacc[z]
            for kk in range(d):
                k = np.int32(kk)
                cb = cols[e0 + kk] * zc2
                p = shifts[e0 + kk]
                lo = cb + p
                to = kk * zc
                eb = (e0 + kk) * zc
                # L(column, cyclic shift p) = t_k + R_new(edge k)
                for z in range(zc):
                    j = np.uint64(rb + z)
                    a1 = m1s[j]
                    a2 = m2s[j]
                    m = a2 if ixs[j] == k else a1
                    neg = sgs[np.uint64(eb + z)] != par[j]
                    L[np.uint64(lo + z)] = t[np.uint64(to + z)] + (-m if neg else m)
                # the column now lives in [p, p + zc) of its doubled run: restore both copies
                for z in range(p):
                    L[np.uint64(cb + z)] = L[np.uint64(cb + zc + z)]
                for z in range(zc - p):
                    L[np.uint64(cb + zc + p + z)] = L[np.uint64(cb + p + z)]
        if early and _syndrome_ok(L, active, row_ptr, cols, shifts, zc, sg):
            return it + 1
    # all iterations ran: report the final parity status in the sign (negative = a check fails)
    if not early and _syndrome_ok(L, active, row_ptr, cols, shifts, zc, sg):
        return max_it
    return -max_it


@njit(cache=True, nogil=True)
def _decode_one(llr, bits, active, row_ptr, cols, shifts, zc, max_it, algo, scale, offset,
                early, sat, L, t, m1s, m2s, ixs, sgs, par, mn1, mn2, ix, pacc,
                sg):  # pragma: no cover - compiled
    n_cols = llr.shape[0] // zc + 2
    # doubled columns: column c holds its zc LLRs twice, at [2c*zc, 2c*zc + 2zc)
    for q in range(4 * zc):
        L[q] = 0.0
    for c in range(2, n_cols):
        src = llr[(c - 2) * zc:(c - 1) * zc]
        cb = 2 * c * zc
        for z in range(zc):
            v = src[z]
            v = sat if v > sat else (-sat if v < -sat else v)
            L[cb + z] = v
            L[cb + zc + z] = v
    # no check messages yet: magnitudes 0, all signs +
    m1s[:] = 0.0
    m2s[:] = 0.0
    ixs[:] = 0
    sgs[:] = 0
    par[:] = 0
    used = _iterate(L, t, m1s, m2s, ixs, sgs, par, mn1, mn2, ix, pacc, sg, active, row_ptr, cols,
                    shifts, zc, max_it, algo, scale, offset, early)
    for c in range(bits.shape[0] // zc):
        for z in range(zc):
            bits[c * zc + z] = 1 if L[2 * c * zc + z] < 0 else 0
    return used


@njit(cache=True, nogil=True)
def _scratch(n_rows, n_edges, n_cols, d_max, zc):  # pragma: no cover - compiled
    """Per-block work arrays (about 0.5 MB for BG1, Zc = 384: it stays in L2)."""
    return (np.empty(2 * n_cols * zc, dtype=np.float32),  # L: posterior LLRs, doubled columns
            np.empty(d_max * zc, dtype=np.float32),       # t: the row's variable-to-check msgs
            np.empty(n_rows * zc, dtype=np.float32),      # m1s: scaled smallest |t| per check
            np.empty(n_rows * zc, dtype=np.float32),      # m2s: scaled second smallest
            np.empty(n_rows * zc, dtype=np.int32),        # ixs: edge of the smallest
            np.empty(n_edges * zc, dtype=np.int8),        # sgs: own sign of t per edge
            np.empty(n_rows * zc, dtype=np.int8),         # par: parity of the row's signs
            np.empty(zc, dtype=np.float32),               # mn1, mn2, ix, pacc: row accumulators
            np.empty(zc, dtype=np.float32),
            np.empty(zc, dtype=np.int32),
            np.empty(zc, dtype=np.int8),
            np.empty(zc, dtype=np.int32))                 # sg: syndrome accumulator


@njit(cache=True, nogil=True)
def _decode_serial(llr, bits, iters, active, row_ptr, cols, shifts, zc, n_cols, d_max, max_it,
                   algo, scale, offset, early, sat):  # pragma: no cover - compiled
    L, t, m1s, m2s, ixs, sgs, par, mn1, mn2, ix, pacc, sg = _scratch(
        row_ptr.shape[0] - 1, cols.shape[0], n_cols, d_max, zc)
    for b in range(llr.shape[0]):
        iters[b] = _decode_one(llr[b], bits[b], active[b], row_ptr, cols, shifts, zc, max_it,
                               algo, scale, offset, early, sat, L, t, m1s, m2s, ixs, sgs, par,
                               mn1, mn2, ix, pacc, sg)


@njit(cache=True, nogil=True, parallel=True)
def _decode_parallel(llr, bits, iters, active, row_ptr, cols, shifts, zc, n_cols, d_max, max_it,
                     algo, scale, offset, early, sat):  # pragma: no cover - compiled
    for b in prange(llr.shape[0]):
        L, t, m1s, m2s, ixs, sgs, par, mn1, mn2, ix, pacc, sg = _scratch(
            row_ptr.shape[0] - 1, cols.shape[0], n_cols, d_max, zc)
        iters[b] = _decode_one(llr[b], bits[b], active[b], row_ptr, cols, shifts, zc, max_it,
                               algo, scale, offset, early, sat, L, t, m1s, m2s, ixs, sgs, par,
                               mn1, mn2, ix, pacc, sg)


def decode_blocks(llr: np.ndarray, bits: np.ndarray, iters: np.ndarray, active: np.ndarray,
                  row_ptr: np.ndarray, cols: np.ndarray, shifts: np.ndarray, zc: int, n_cols: int,
                  d_max: int, max_it: int, algo: int, scale: float, offset: float, early: bool,
                  sat: float, parallel: bool) -> None:
    """Layered min-sum decoding of each block of ``llr`` (float32 [B, (n_cols-2)*zc]).

    Writes the hard decisions of the first ``bits.shape[1]`` codeword bits into ``bits``
    (uint8 [B, K]) and the iterations used into ``iters`` (int32 [B]). ``active`` (bool
    [B, n_rows]) selects the layers processed per block; ``algo`` 0 is normalised min-sum with
    factor ``scale``, 1 offset min-sum with ``offset``.
    """
    fn = _decode_parallel if parallel else _decode_serial
    fn(llr, bits, iters, active, row_ptr, cols, shifts, np.int64(zc), np.int64(n_cols),
       np.int64(d_max), np.int64(max_it), np.int64(algo), np.float32(scale), np.float32(offset),
       bool(early), np.float32(sat))
