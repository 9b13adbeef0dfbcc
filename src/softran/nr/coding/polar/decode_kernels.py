"""Numba CPU kernel for successive-cancellation list decoding of polar codes (TS 38.212 §5.3.1).

The compiled counterpart of ``decode._scl_torch``, called only through ``polar_decode``. One
codeword per (p)range iteration. Each path has a physical row in the LLR array ``alpha``
``[L, N]`` (stage s at columns 2^s .. 2^(s+1) - 1; stage n is the channel) and in the
partial-sum array ``beta`` ``[L, N]`` (signs, +1 for bit 0), and per stage a pointer to the
row that holds its data (Tal-Vardy lazy copy): when the list is pruned, a surviving path only
takes over its parent's pointers (O(L log N) work instead of copying arrays). A stage is
always rewritten for all paths at once, each into its own row, so rows never need copying.

Floating-point semantics match the torch reference exactly: the same IEEE float32 operations in
the same order (no fastmath), the same stable sort of the 2L candidate metrics, so both paths
give identical decisions and metrics.
"""

from __future__ import annotations

import numpy as np
import torch
from numba import njit, prange

from softran.nr.coding.ldpc.decode_kernels import kernel_threads

__all__ = ["scl_decode_blocks"]


@njit(cache=True, nogil=True)
def _scl_one(llr, roles, m, nl, x_out, pm_out):  # pragma: no cover - compiled
    n = 1 << m
    f0 = np.float32(0.0)
    alpha = np.zeros((nl, n), dtype=np.float32)
    beta = np.zeros((nl, n), dtype=np.float32)
    aptr = np.empty((m + 1, nl), dtype=np.int64)
    bptr = np.empty((m + 1, nl), dtype=np.int64)
    new_aptr = np.empty((m + 1, nl), dtype=np.int64)
    new_bptr = np.empty((m + 1, nl), dtype=np.int64)
    for s in range(m + 1):
        for j in range(nl):
            aptr[s, j] = j
            bptr[s, j] = j
    pm = np.full(nl, np.inf, dtype=np.float32)
    pm[0] = f0
    reg = np.ones((nl, 5), dtype=np.float32)
    new_reg = np.ones((nl, 5), dtype=np.float32)
    cand = np.empty(2 * nl, dtype=np.float32)
    v = np.empty(nl, dtype=np.float32)
    parent = np.empty(nl, dtype=np.int64)
    val = np.empty((nl, n), dtype=np.float32)
    nxt = np.empty((nl, n), dtype=np.float32)
    for i in range(n):
        if i == 0:
            top = m - 1
        else:
            t = 0
            while not (i >> t) & 1:
                t += 1
            h = 1 << t
            for j in range(nl):
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
            for j in range(nl):
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
            for j in range(nl):
                lam = alpha[j, 1]
                pm[j] = pm[j] + (-lam if lam < 0 else f0)
                v[j] = 1.0
        elif role == 2:
            for j in range(nl):
                lam = alpha[j, 1]
                v[j] = reg[j, (i + 1) % 5]
                pm[j] = pm[j] + ((-lam if lam < 0 else lam) if v[j] * lam < 0 else f0)
        else:
            if nl == 1:
                v[0] = -1.0 if alpha[0, 1] < 0 else 1.0
            else:
                for j in range(nl):
                    lam = alpha[j, 1]
                    cand[j] = pm[j] + (-lam if lam < 0 else f0)
                    cand[nl + j] = pm[j] + (lam if lam > 0 else f0)
                order = np.argsort(cand, kind="mergesort")
                for j in range(nl):
                    o = order[j]
                    pm[j] = cand[o]
                    parent[j] = o % nl
                    v[j] = np.float32(1.0) if o < nl else np.float32(-1.0)
                for s in range(m + 1):
                    for j in range(nl):
                        new_aptr[s, j] = aptr[s, parent[j]]
                        new_bptr[s, j] = bptr[s, parent[j]]
                for s in range(m + 1):
                    for j in range(nl):
                        aptr[s, j] = new_aptr[s, j]
                        bptr[s, j] = new_bptr[s, j]
                for j in range(nl):
                    for r in range(5):
                        new_reg[j, r] = reg[parent[j], r]
                for j in range(nl):
                    for r in range(5):
                        reg[j, r] = new_reg[j, r]
            for j in range(nl):
                reg[j, (i + 1) % 5] *= v[j]
        # partial sums: combine up while this node is a right child
        for j in range(nl):
            val[j, 0] = v[j]
        s = 0
        while (i >> s) & 1:
            h = 1 << s
            for j in range(nl):
                rb = bptr[s, j]
                for q in range(h):
                    nxt[j, q] = beta[rb, h + q] * val[j, q]
                    nxt[j, h + q] = val[j, q]
            val, nxt = nxt, val
            s += 1
        if s < m:
            h = 1 << s
            for j in range(nl):
                for q in range(h):
                    beta[j, h + q] = val[j, q]
                bptr[s, j] = j
    for j in range(nl):
        for q in range(n):
            x_out[j, q] = 1 if val[j, q] < 0 else 0
        pm_out[j] = pm[j]


@njit(cache=True, nogil=True)
def _scl_serial(llr, roles, m, nl, x_out, pm_out):  # pragma: no cover - compiled
    for b in range(llr.shape[0]):
        _scl_one(llr[b], roles, m, nl, x_out[b], pm_out[b])


@njit(cache=True, nogil=True, parallel=True)
def _scl_parallel(llr, roles, m, nl, x_out, pm_out):  # pragma: no cover - compiled
    for b in prange(llr.shape[0]):
        _scl_one(llr[b], roles, m, nl, x_out[b], pm_out[b])


def scl_decode_blocks(llr: torch.Tensor, roles: list[int], m: int, n_list: int
                      ) -> tuple[torch.Tensor, torch.Tensor]:
    """SCL-decode float32 CPU LLRs ``[B, N]`` (roles per leaf: 0 frozen, 1 info, 2 PC) into
    (x_hat uint8 ``[B, L, N]``, path metrics float32 ``[B, L]``), as ``decode._scl_torch``."""
    a = llr.detach().numpy()
    b, n = a.shape
    x_out = np.empty((b, n_list, n), dtype=np.uint8)
    pm_out = np.empty((b, n_list), dtype=np.float32)
    r = np.asarray(roles, dtype=np.int8)
    with kernel_threads(b) as parallel:
        fn = _scl_parallel if parallel else _scl_serial
        fn(a, r, np.int64(m), np.int64(n_list), x_out, pm_out)
    return torch.from_numpy(x_out), torch.from_numpy(pm_out)
