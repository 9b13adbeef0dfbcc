"""Numba CPU kernel for successive-cancellation list decoding of polar codes (TS 38.212 §5.3.1).

The compiled counterpart of ``decode._scl_torch``, called only through ``polar_decode``. One
codeword per loop iteration; a batch is split into one chunk per thread, and each chunk
allocates its working arrays once. Each path has a physical row in the LLR array ``alpha``
``[L, N]`` (stage s at columns 2^s .. 2^(s+1) - 1; stage n is the channel) and in the
partial-sum array ``beta`` ``[L, 2N]`` (signs, +1 for bit 0; a node's partial sums are
combined in place where they are next read, columns N .. 2N - 1 end as x), and per stage a
pointer to the row that holds its data (Tal-Vardy lazy copy): when the list is pruned, a surviving path only
takes over its parent's pointers (O(L log N) work instead of copying arrays). A stage is
always rewritten for all paths at once, each into its own row, so rows never need copying.

Paths not yet born (before the list has filled: path metric +inf since the start) are not
computed: with the stable sort of the candidates they stay the last rows, and nothing of
them reaches a born path. This holds when every path metric of a born path is finite, which
|LLR| <= 1e30 guarantees (N <= 1024: no float32 overflow in f, g or the metrics); a codeword
with larger or infinite LLRs, or with fewer information bits than log2(L) (some paths are
never born), is decoded with all L rows computed, exactly like the torch reference.

The decisions u_i of each path are kept per leaf with the parent of each path at each
information bit, so the kernel also returns the decoded u = x G_N of every path (traced
back at the end) without a polar transform.

Floating-point semantics match the torch reference exactly: the same IEEE float32 operations in
the same order (no fastmath), the same stable order of the 2L candidate metrics (an insertion
sort, NaN last like ``torch.sort``), so both paths give identical decisions and metrics.
"""

from __future__ import annotations

from collections.abc import Sequence

import numba
import numpy as np
import torch
from numba import njit, prange

from softran.nr.coding.ldpc.decode_kernels import kernel_threads

__all__ = ["scl_decode_blocks"]

#: |LLR| bound under which no metric of a born path can overflow (module docstring)
_LLR_SAFE = 1e30


@njit(cache=True, nogil=True)
def _before(a, b):  # pragma: no cover - compiled
    """Strict order of the stable sort: ``a < b``, NaN after everything."""
    if a < b:
        return True
    return np.isnan(b) and not np.isnan(a)


@njit(cache=True, nogil=True)
def _scl_one(llr, roles, m, nl, x_out, u_out, pm_out, alpha, beta, aptr, bptr, new_aptr,
             new_bptr, reg, new_reg, cand, cidx, v, parent, dec, par, pm,
             n_info):  # pragma: no cover - compiled
    n = 1 << m
    f0 = np.float32(0.0)
    safe = n_info >= 1 and (1 << min(n_info, 30)) >= nl
    for q in range(n):
        a = llr[q]
        if not (a <= _LLR_SAFE and a >= -_LLR_SAFE):
            safe = False
            break
    for s in range(m + 1):
        for j in range(nl):
            aptr[s, j] = j
            bptr[s, j] = j
    for j in range(nl):
        pm[j] = np.inf
        for r in range(5):
            reg[j, r] = 1.0
    pm[0] = f0
    na = 1 if safe else nl                       # rows computed: the born paths
    for i in range(n):
        if i == 0:
            top = m - 1
        else:
            t = 0
            while not (i >> t) & 1:
                t += 1
            h = 1 << t
            for j in range(na):
                rb = bptr[t, j]
                if t + 1 == m:
                    for q in range(h):
                        alpha[j, h + q] = llr[h + q] + beta[rb, h + q] * llr[q]
                else:
                    ra = aptr[t + 1, j]
                    for q in range(h):
                        alpha[j, h + q] = (alpha[ra, 3 * h + q]
                                           + beta[rb, h + q] * alpha[ra, 2 * h + q])
                aptr[t, j] = j
            top = t - 1
        for s in range(top, -1, -1):
            h = 1 << s
            for j in range(na):
                if s + 1 == m:
                    for q in range(h):
                        a = llr[q]
                        b = llr[h + q]
                        aa = -a if a < 0 else a
                        ab = -b if b < 0 else b
                        mn = aa if aa < ab else ab
                        alpha[j, h + q] = -mn if (a < 0) != (b < 0) else mn
                else:
                    ra = aptr[s + 1, j]
                    for q in range(h):
                        a = alpha[ra, 2 * h + q]
                        b = alpha[ra, 3 * h + q]
                        aa = -a if a < 0 else a
                        ab = -b if b < 0 else b
                        mn = aa if aa < ab else ab
                        alpha[j, h + q] = -mn if (a < 0) != (b < 0) else mn
                aptr[s, j] = j
        role = roles[i]
        if role == 0:
            for j in range(na):
                lam = alpha[j, 1]
                pm[j] = pm[j] + (-lam if lam < 0 else f0)
                v[j] = 1.0
                par[i, j] = j
        elif role == 2:
            for j in range(na):
                lam = alpha[j, 1]
                v[j] = reg[j, (i + 1) % 5]
                pm[j] = pm[j] + ((-lam if lam < 0 else lam) if v[j] * lam < 0 else f0)
                par[i, j] = j
        else:
            if nl == 1:
                v[0] = -1.0 if alpha[0, 1] < 0 else 1.0
                par[i, 0] = 0
            else:
                # candidates in the reference's index order (u = 0 of every path, then
                # u = 1); unborn paths are +inf and sort after the born ones
                nc = 0
                for half in range(2):
                    for j in range(na):
                        lam = alpha[j, 1]
                        if half == 0:
                            x = pm[j] + (-lam if lam < 0 else f0)
                        else:
                            x = pm[j] + (lam if lam > 0 else f0)
                        o = half * nl + j
                        p = nc
                        while p > 0 and _before(x, cand[p - 1]):
                            cand[p] = cand[p - 1]
                            cidx[p] = cidx[p - 1]
                            p -= 1
                        cand[p] = x
                        cidx[p] = o
                        nc += 1
                nb = min(nc, nl)
                for j in range(nb):
                    o = cidx[j]
                    pm[j] = cand[j]
                    parent[j] = o % nl
                    v[j] = np.float32(1.0) if o < nl else np.float32(-1.0)
                for j in range(nb, nl):                  # unborn: +inf, never read
                    pm[j] = np.inf
                    parent[j] = j
                    v[j] = np.float32(1.0)
                na_new = nb if safe else nl
                for s in range(m + 1):
                    for j in range(na_new):
                        new_aptr[s, j] = aptr[s, parent[j]]
                        new_bptr[s, j] = bptr[s, parent[j]]
                for s in range(m + 1):
                    for j in range(na_new):
                        aptr[s, j] = new_aptr[s, j]
                        bptr[s, j] = new_bptr[s, j]
                for j in range(na_new):
                    for r in range(5):
                        new_reg[j, r] = reg[parent[j], r]
                for j in range(na_new):
                    for r in range(5):
                        reg[j, r] = new_reg[j, r]
                    par[i, j] = parent[j]
                na = na_new
            for j in range(na):
                reg[j, (i + 1) % 5] *= v[j]
        for j in range(na):
            dec[i, j] = v[j]
        # partial sums: combine up while this node is a right child, in place in the row's
        # region of the stage where the combined node is a left child (stage n: x)
        st = 0
        while (i >> st) & 1:
            st += 1
        d0 = 1 << st
        for j in range(na):
            beta[j, d0] = v[j]
            for s in range(st):
                h = 1 << s
                rb = bptr[s, j]
                for q in range(h):
                    w = beta[j, d0 + q]
                    beta[j, d0 + h + q] = w
                    beta[j, d0 + q] = beta[rb, h + q] * w
        if st < m:
            for j in range(na):
                bptr[st, j] = j
    for j in range(nl):
        for q in range(n):
            x_out[j, q] = 1 if beta[j, n + q] < 0 else 0
        pm_out[j] = pm[j]
        cur = j
        for i in range(n - 1, -1, -1):
            u_out[j, i] = 1 if dec[i, cur] < 0 else 0
            cur = par[i, cur]


@njit(cache=True, nogil=True)
def _scl_range(llr, roles, m, nl, x_out, u_out, pm_out, lo, hi):  # pragma: no cover - compiled
    """Codewords lo .. hi - 1, with one set of working arrays."""
    n = 1 << m
    n_info = 0
    for i in range(n):
        if roles[i] == 1:
            n_info += 1
    alpha = np.zeros((nl, n), dtype=np.float32)
    beta = np.zeros((nl, 2 * n), dtype=np.float32)
    aptr = np.empty((m + 1, nl), dtype=np.int64)
    bptr = np.empty((m + 1, nl), dtype=np.int64)
    new_aptr = np.empty((m + 1, nl), dtype=np.int64)
    new_bptr = np.empty((m + 1, nl), dtype=np.int64)
    reg = np.ones((nl, 5), dtype=np.float32)
    new_reg = np.ones((nl, 5), dtype=np.float32)
    cand = np.empty(2 * nl, dtype=np.float32)
    cidx = np.empty(2 * nl, dtype=np.int64)
    v = np.empty(nl, dtype=np.float32)
    parent = np.empty(nl, dtype=np.int64)
    dec = np.ones((n, nl), dtype=np.float32)
    par = np.zeros((n, nl), dtype=np.int64)
    pm = np.empty(nl, dtype=np.float32)
    for b in range(lo, hi):
        _scl_one(llr[b], roles, m, nl, x_out[b], u_out[b], pm_out[b], alpha, beta, aptr, bptr,
                 new_aptr, new_bptr, reg, new_reg, cand, cidx, v, parent, dec, par,
                 pm, n_info)


@njit(cache=True, nogil=True)
def _scl_serial(llr, roles, m, nl, x_out, u_out, pm_out):  # pragma: no cover - compiled
    _scl_range(llr, roles, m, nl, x_out, u_out, pm_out, 0, llr.shape[0])


@njit(cache=True, nogil=True, parallel=True)
def _scl_parallel(llr, roles, m, nl, x_out, u_out, pm_out, n_chunks):  # pragma: no cover
    b = llr.shape[0]
    for c in prange(n_chunks):
        _scl_range(llr, roles, m, nl, x_out, u_out, pm_out, c * b // n_chunks,
                   (c + 1) * b // n_chunks)


def scl_decode_blocks(llr: torch.Tensor, roles: Sequence[int] | np.ndarray, m: int,
                      n_list: int, *, with_u: bool = False) -> tuple[torch.Tensor, ...]:
    """SCL-decode float32 CPU LLRs ``[B, N]`` (roles per leaf: 0 frozen, 1 info, 2 PC) into
    (x_hat uint8 ``[B, L, N]``, path metrics float32 ``[B, L]``), as ``decode._scl_torch``;
    ``with_u``: also the decoded u = x_hat G_N uint8 ``[B, L, N]`` of every path."""
    a = llr.detach().numpy()
    b, n = a.shape
    x_out = np.empty((b, n_list, n), dtype=np.uint8)
    u_out = np.empty((b, n_list, n), dtype=np.uint8)
    pm_out = np.empty((b, n_list), dtype=np.float32)
    r = np.asarray(roles, dtype=np.int8)
    with kernel_threads(b) as parallel:
        if parallel:
            _scl_parallel(a, r, np.int64(m), np.int64(n_list), x_out, u_out, pm_out,
                          np.int64(min(b, numba.get_num_threads())))
        else:
            _scl_serial(a, r, np.int64(m), np.int64(n_list), x_out, u_out, pm_out)
    out = (torch.from_numpy(x_out), torch.from_numpy(pm_out))
    return (*out, torch.from_numpy(u_out)) if with_u else out
