"""Numba CPU kernel behind :func:`~softran.nr.receiver.mmse_equalize`: unbiased MMSE(-IRC)
detection of the resource elements of a grid, with the gather of the data REs and of their
disturbance covariance fused in.

The torch code in ``equalize.py`` stays the reference (tests compare both). This kernel
computes the estimator of that module's docstring RE by RE: the Cholesky factor
``R = L L^H`` of each covariance block and its inverse once per block (complex128), then
per RE ``ỹ = L^{-1} y``, ``H̃ = L^{-1} H``, ``G = H̃^H H̃ + I``, ``z = H̃^H ỹ``, the
Cholesky solve of ``G x̃ = z`` with ``A_jj = (G^{-1})_jj``, and the unbiased output
``x̂_j = x̃_j / (1 - A_jj)`` with error variance ``A_jj / (1 - A_jj)`` (0 and inf where
``1 - A_jj <= 0``). Per-RE sums run in complex64 like the reference, so both agree to
float32 rounding. One layer (the PUSCH case that matters) has its own loop: ``G`` is the
scalar ``|H̃|^2 + 1``.
"""

from __future__ import annotations

import math

import numpy as np
from numba import njit

from softran.nr.modulation_kernels import llr_16qam_axis

__all__ = ["data_runs", "mmse_demap16_runs", "mmse_gather", "mmse_gather_runs"]


@njit(cache=True, nogil=True)
def _block_inverses(cov, b, linv):  # pragma: no cover - compiled
    """``linv[c]`` = L^{-1} (lower triangular, complex64) of every covariance block
    ``cov[b, :, :, c]``; False if one is not finite or not positive definite."""
    n_r = cov.shape[1]
    low = np.zeros((n_r, n_r), dtype=np.complex128)
    inv = np.zeros((n_r, n_r), dtype=np.complex128)
    for c in range(cov.shape[3]):
        for j in range(n_r):
            for i in range(n_r):
                v = cov[b, i, j, c]
                if not (math.isfinite(v.real) and math.isfinite(v.imag)):
                    return False
        for j in range(n_r):                        # Cholesky, reading j <= i only
            d = cov[b, j, j, c].real + 0.0
            for k in range(j):
                d -= low[j, k].real ** 2 + low[j, k].imag ** 2
            if not d > 0:
                return False
            d = math.sqrt(d)
            low[j, j] = d
            for i in range(j + 1, n_r):
                acc = complex(cov[b, i, j, c])
                for k in range(j):
                    acc -= low[i, k] * low[j, k].conjugate()
                low[i, j] = acc / d
        for i in range(n_r):                        # triangular inverse
            inv[i, i] = 1.0 / low[i, i].real
            for j in range(i):
                acc = 0j
                for k in range(j, i):
                    acc += low[i, k] * inv[k, j]
                inv[i, j] = -acc / low[i, i].real
        for i in range(n_r):
            for j in range(n_r):
                linv[c, i, j] = inv[i, j] if j <= i else 0j
    return True


@njit(cache=True, nogil=True, error_model="numpy", inline="always")
def _re_1x2(yf0, yf1, hf0, hf1, q, a00, a10r, a10i, a11):  # pragma: no cover - compiled
    """One RE (float32 offset ``q`` of its real part in the views of :func:`_run_1x2`) of
    one layer on two antennas whitened by ``L^{-1}`` = [[a00, 0], [a10r + j a10i, a11]]:
    ``(x̂ real, x̂ imag, error variance, bad)``, ``bad`` where an input is not finite
    (inlined into the run loops, which stay branch-free)."""
    one = np.float32(1.0)
    tiny = np.float32(1e-38)
    big = np.float32(np.inf)
    q1 = q + np.uint64(1)
    y0r = yf0[q]
    y0i = yf0[q1]
    y1r = yf1[q]
    y1i = yf1[q1]
    h0r = hf0[q]
    h0i = hf0[q1]
    h1r = hf1[q]
    h1i = hf1[q1]
    bad = not (abs(y0r) + abs(y0i) + abs(y1r) + abs(y1i) + abs(h0r) + abs(h0i)
               + abs(h1r) + abs(h1i) < big)
    yw0r = a00 * y0r                       # ỹ = L^{-1} y, H̃ = L^{-1} h
    yw0i = a00 * y0i
    yw1r = a10r * y0r - a10i * y0i + a11 * y1r
    yw1i = a10r * y0i + a10i * y0r + a11 * y1i
    hw0r = a00 * h0r
    hw0i = a00 * h0i
    hw1r = a10r * h0r - a10i * h0i + a11 * h1r
    hw1i = a10r * h0i + a10i * h0r + a11 * h1i
    g = hw0r * hw0r + hw0i * hw0i + hw1r * hw1r + hw1i * hw1i      # |H̃|², G = g + 1
    zr = hw0r * yw0r + hw0i * yw0i + hw1r * yw1r + hw1i * yw1i          # z = H̃^H ỹ
    zi = hw0r * yw0i - hw0i * yw0r + hw1r * yw1i - hw1i * yw1r
    # A = 1 / (g + 1), mu = 1 - A = g / (g + 1): x̂ = A z / mu = z / g and A / mu = 1 / g
    # (one division; the reference forms mu by the cancellation 1 - A); g = 0 (h = 0):
    # x̂ = 0, error variance inf
    inv = one / (g if g > tiny else tiny)  # noqa: FURB136 (a select: branch-free)
    sc = inv * np.float32(g > 0)
    return zr * sc, zi * sc, (inv if g > 0 else big), bad


@njit(cache=True, nogil=True, error_model="numpy")
def _run_1x2(yf0, yf1, hf0, hf1, xo, no, src, dst, length, a00, a10r, a10i, a11
             ):  # pragma: no cover - compiled
    """One layer, two antennas, REs ``src .. src + length - 1`` into outputs ``dst ..``,
    whitened by ``L^{-1}`` = [[a00, 0], [a10r + j a10i, a11]] (one covariance block); real
    arithmetic on the float32 views of the complex arrays, no branches (LLVM vectorises
    it). Returns True if an input value is not finite."""
    u = np.uint64
    bad = False
    for t in range(length):
        e = u(dst + t)
        xr, xi, nve, b = _re_1x2(yf0, yf1, hf0, hf1, u(2 * (src + t)), a00, a10r, a10i, a11)
        bad |= b
        xo[u(2) * e] = xr
        xo[u(2) * e + u(1)] = xi
        no[e] = nve
    return bad


@njit(cache=True, nogil=True, error_model="numpy")
def _run_1x2_demap16(yf0, yf1, hf0, hf1, no, llr, seq, src, dst, length, a00, a10r, a10i,
                     a11, l0, l1, l2, l3):  # pragma: no cover - compiled
    """:func:`_run_1x2` (without writing x̂) with the 16QAM max-log demapping and
    descrambling of each detected symbol fused in: the error variance sanitised as
    :func:`~softran.nr.receiver.front_end_kernels.sanitise_noise_var` does, then the four
    LLRs of :func:`~softran.nr.modulation_kernels.maxlog_demap` (one layer, 16QAM: the same
    float32 operations in the same order) at ``llr[4 e ..]`` with the signs of
    ``seq[4 e ..]``. Returns ``(bad input, bad symbol)``: a y or h value not finite, a
    detected symbol not finite."""
    u = np.uint64
    one = np.float32(1.0)
    two = np.float32(2.0)
    lo = np.float32(1e-12)
    hi = np.float32(1e30)
    big = np.float32(np.inf)
    bad = False
    bad_x = False
    for t in range(length):
        e = u(dst + t)
        xr, xi, nve, b = _re_1x2(yf0, yf1, hf0, hf1, u(2 * (src + t)), a00, a10r, a10i, a11)
        bad |= b
        no[e] = nve
        v = nve if nve > lo else lo  # noqa: FURB136 (NaN compares False: 1e-12, as fmax)
        nvd = hi if v == big else v
        bad_x |= not (abs(xr) + abs(xi) < big)
        inv = one / nvd
        a0, a1 = llr_16qam_axis(xr, l0, l1, l2, l3, inv)
        b0, b1 = llr_16qam_axis(xi, l0, l1, l2, l3, inv)
        o = u(4) * e
        llr[o] = a0 * (one - two * np.float32(seq[o]))
        llr[o + u(1)] = b0 * (one - two * np.float32(seq[o + u(1)]))
        llr[o + u(2)] = a1 * (one - two * np.float32(seq[o + u(2)]))
        llr[o + u(3)] = b1 * (one - two * np.float32(seq[o + u(3)]))
    return bad, bad_x


@njit(cache=True, nogil=True, inline="always")
def _block_run_1x2(yf, hf, xo, no, linv, src, dst, length, c):  # pragma: no cover - compiled
    """:func:`_run_1x2` of one run of REs in covariance block ``c`` (``yf`` ``[2, 2N]``,
    ``hf`` ``[2, 1, 2N]`` float32 views of one batch row; ``linv`` the blocks' L^{-1},
    whose diagonal is real)."""
    return _run_1x2(yf[0], yf[1], hf[0, 0], hf[1, 0], xo, no, src, dst, length,
                    linv[c, 0, 0].real, linv[c, 1, 0].real, linv[c, 1, 0].imag,
                    linv[c, 1, 1].real)


@njit(cache=True, nogil=True, error_model="numpy")
def mmse_gather(y, h, cov, index, block, x_out, nv_out):  # pragma: no cover - compiled
    """MMSE(-IRC) detection (a receiver algorithm; the data REs of TS 38.211 §6.3.1.6 /
    §7.3.1.6) of the REs ``index`` of ``y`` complex64 ``[B, R, N]`` through ``h``
    complex64 ``[B, R, P, N]`` with the disturbance covariance ``cov[b, :, :, block[i]]``
    (complex64 ``[B, R, R, n_blocks]``) at output RE i; writes ``x_out`` complex64 and
    ``nv_out`` float32, both ``[B, P, n_re]``.

    Returns 0, 1 where a y or h value read is not finite, 2 where a covariance block is not
    finite / Hermitian positive definite, 3 where an index or block is out of range (the
    outputs are then incomplete).
    """
    n_b, n_r, n_p, n_n = h.shape
    n_blk = cov.shape[3]
    n_re = index.shape[0]
    out_of_range = False
    for i in range(n_re):                           # (branch-free: vectorised)
        out_of_range |= ((index[i] < 0) | (index[i] >= n_n) | (block[i] < 0)
                         | (block[i] >= n_blk))
    if out_of_range:
        return 3
    linv = np.zeros((n_blk, n_r, n_r), dtype=np.complex64)
    yw = np.zeros(n_r, dtype=np.complex64)
    hw = np.zeros((n_r, n_p), dtype=np.complex64)
    g = np.zeros((n_p, n_p), dtype=np.complex64)
    z = np.zeros(n_p, dtype=np.complex64)
    low = np.zeros((n_p, n_p), dtype=np.complex64)
    lin = np.zeros((n_p, n_p), dtype=np.complex64)
    u = np.zeros(n_p, dtype=np.complex64)
    one = np.float32(1.0)
    big = np.float32(np.inf)
    for b in range(n_b):
        if not _block_inverses(cov, b, linv):
            return 2
        if n_p == 1 and n_r == 2:
            # runs of consecutive REs in one covariance block: a branch-free inner loop
            # with contiguous loads and the block's whitening coefficients in registers
            yf = y[b].view(np.float32)
            hf = h[b].view(np.float32)
            xo = x_out[b, 0].view(np.float32)
            no = nv_out[b, 0]
            i = 0
            while i < n_re:
                c = block[i]
                j = i + 1
                while j < n_re and index[j] == index[j - 1] + 1 and block[j] == c:
                    j += 1
                if _block_run_1x2(yf, hf, xo, no, linv, index[i], i, j - i, c):
                    return 1
                i = j
            continue
        for i in range(n_re):
            p = index[i]
            c = block[i]
            for r in range(n_r):
                v = y[b, r, p]
                if not (abs(v.real) < big and abs(v.imag) < big):
                    return 1
                for q in range(n_p):
                    v = h[b, r, q, p]
                    if not (abs(v.real) < big and abs(v.imag) < big):
                        return 1
            for r in range(n_r):                    # whitening: row r of L^{-1}
                acc = np.complex64(0)
                for s in range(r + 1):
                    acc += linv[c, r, s] * y[b, s, p]
                yw[r] = acc
                for q in range(n_p):
                    acc = np.complex64(0)
                    for s in range(r + 1):
                        acc += linv[c, r, s] * h[b, s, q, p]
                    hw[r, q] = acc
            for q in range(n_p):                    # G = H̃^H H̃ + I (lower), z = H̃^H ỹ
                for t in range(q + 1):
                    acc = np.complex64(0)
                    for r in range(n_r):
                        acc += hw[r, q].conjugate() * hw[r, t]
                    g[q, t] = acc
                g[q, q] = g[q, q].real + one
                acc = np.complex64(0)
                for r in range(n_r):
                    acc += hw[r, q].conjugate() * yw[r]
                z[q] = acc
            for j in range(n_p):                    # Cholesky of G
                d = g[j, j].real
                for k in range(j):
                    d -= low[j, k].real * low[j, k].real + low[j, k].imag * low[j, k].imag
                d = np.float32(math.sqrt(d))
                low[j, j] = d
                for t in range(j + 1, n_p):
                    acc = g[t, j]
                    for k in range(j):
                        acc -= low[t, k] * low[j, k].conjugate()
                    low[t, j] = acc / d
            for t in range(n_p):                    # L^{-1}
                lin[t, t] = one / low[t, t].real
                for j in range(t):
                    acc = np.complex64(0)
                    for k in range(j, t):
                        acc += low[t, k] * lin[k, j]
                    lin[t, j] = -acc / low[t, t].real
            for t in range(n_p):                    # u = L^{-1} z
                acc = np.complex64(0)
                for j in range(t + 1):
                    acc += lin[t, j] * z[j]
                u[t] = acc
            for j in range(n_p):                    # x̃ = L^{-H} u, A_jj = Σ_t |L^{-1}_tj|²
                acc = np.complex64(0)
                aj = np.float32(0.0)
                for t in range(j, n_p):
                    acc += lin[t, j].conjugate() * u[t]
                    aj += lin[t, j].real * lin[t, j].real + lin[t, j].imag * lin[t, j].imag
                mu = one - aj
                if mu > 0:
                    x_out[b, j, i] = acc / mu
                    nv_out[b, j, i] = aj / mu
                else:
                    x_out[b, j, i] = 0
                    nv_out[b, j, i] = big
    return 0


def data_runs(index: np.ndarray, block: np.ndarray) -> np.ndarray:
    """The runs of :func:`mmse_gather`'s one-layer two-antenna loop, found once for a fixed
    set of data REs (TS 38.211 §6.3.1.6 / §7.3.1.6 positions): ``[n_runs, 4]`` int64 rows
    ``(first RE in the grid, first output RE, length, covariance block)``, each run the
    consecutive grid REs ``index[i:j]`` (``index[t + 1] = index[t] + 1``) of one covariance
    block ``block[i]`` -- what :func:`mmse_gather_runs` takes instead of ``index`` and
    ``block`` (the same runs in the same order: the same values).

    >>> data_runs(np.array([3, 4, 5, 9, 10]), np.array([0, 0, 1, 1, 1])).tolist()
    [[3, 0, 2, 0], [5, 2, 1, 1], [9, 3, 2, 1]]
    """
    index, block = np.asarray(index), np.asarray(block)
    for name, a in (("index", index), ("block", block)):
        if a.ndim != 1 or not (a.dtype.kind in "iu" or a.size == 0):
            raise ValueError(f"{name} must be a 1-D integer array, got shape {a.shape} "
                             f"dtype {a.dtype}")
    index, block = index.astype(np.int64, copy=False), block.astype(np.int64, copy=False)
    if index.shape != block.shape:
        raise ValueError(f"index and block must have one length, got {index.shape[0]} and "
                         f"{block.shape[0]}")
    if not index.size:
        return np.zeros((0, 4), dtype=np.int64)
    cut = np.flatnonzero((np.diff(index) != 1) | (np.diff(block) != 0)) + 1
    start = np.concatenate(([0], cut))
    length = np.diff(np.concatenate((start, [index.size])))
    return np.ascontiguousarray(np.stack((index[start], start, length, block[start]), axis=1))


@njit(cache=True, nogil=True, inline="always")
def _runs_out_of_range(runs, n_n, n_re, n_blk):  # pragma: no cover - compiled
    """Whether a run of :func:`data_runs` reads past the ``n_n`` grid REs, writes past the
    ``n_re`` outputs or names a covariance block outside ``0 .. n_blk - 1``."""
    out_of_range = False
    for q in range(runs.shape[0]):
        src, dst, length, c = runs[q, 0], runs[q, 1], runs[q, 2], runs[q, 3]
        out_of_range |= ((src < 0) | (length < 0) | (src + length > n_n) | (dst < 0)
                         | (dst + length > n_re) | (c < 0) | (c >= n_blk))
    return out_of_range


@njit(cache=True, nogil=True, error_model="numpy")
def mmse_gather_runs(y, h, cov, runs, x_out, nv_out):  # pragma: no cover - compiled
    """:func:`mmse_gather` for one layer and two antennas (the MMSE-IRC detection of the
    data REs of TS 38.211 §6.3.1.6 / §7.3.1.6) with the data REs given as the runs of
    :func:`data_runs` (found once per configuration): the same arithmetic in the same
    order (the same values), without reading an index and a block number per RE.

    Returns 0, 1 where a y or h value read is not finite, 2 where a covariance block is not
    finite / Hermitian positive definite, 3 where a run is out of range of the grid, the
    covariance blocks or the outputs, 4 where ``h`` is not one layer on two antennas (the
    outputs are then incomplete).
    """
    n_b, n_r, n_p, n_n = h.shape
    n_blk = cov.shape[3]
    n_re = x_out.shape[2]
    if n_p != 1 or n_r != 2:
        return 4
    if _runs_out_of_range(runs, n_n, n_re, n_blk):
        return 3
    linv = np.zeros((n_blk, n_r, n_r), dtype=np.complex64)
    for b in range(n_b):
        if not _block_inverses(cov, b, linv):
            return 2
        yf = y[b].view(np.float32)
        hf = h[b].view(np.float32)
        xo = x_out[b, 0].view(np.float32)
        no = nv_out[b, 0]
        for q in range(runs.shape[0]):
            if _block_run_1x2(yf, hf, xo, no, linv, runs[q, 0], runs[q, 1], runs[q, 2],
                              runs[q, 3]):
                return 1
    return 0


@njit(cache=True, nogil=True, error_model="numpy")
def mmse_demap16_runs(y, h, cov, runs, nv_out, lev, seq, llr):  # pragma: no cover - compiled
    """:func:`mmse_gather_runs` (MMSE-IRC detection of one layer on two antennas, the data
    REs of TS 38.211 §6.3.1.6 as the runs of :func:`data_runs`) with the 16QAM max-log
    demapping (§5.1.4 read backwards) and the descrambling (§6.3.1.1) of
    :func:`~softran.nr.modulation_kernels.maxlog_demap` fused in, RE by RE in one pass:
    ``nv_out`` float32 ``[B, 1, n_re]`` the error variance as :func:`mmse_gather_runs`
    writes it, ``llr`` float32 ``[B, 4 n_re]`` the descrambled LLRs that
    :func:`~softran.nr.modulation_kernels.maxlog_demap` gives for the detected symbols and
    their error variance sanitised as :meth:`~softran.nr.PUSCHReceiver.demap` does (``lev``
    the four 16QAM axis levels in label order, ``seq`` uint8 ``[>= 4 n_re]`` the scrambling
    sequence): the same float32 operations in the same order, the same values. The detected
    symbols themselves are not written (what the pass saves: their store and reload).

    Returns 0; 1 where a y or h value read is not finite; 2 where a covariance block is not
    finite / Hermitian positive definite; 3 where a run is out of range of the grid, the
    covariance blocks or the outputs, or ``llr`` / ``seq`` / ``lev`` are too short; 4 where
    ``h`` is not one layer on two antennas; 5 where a detected symbol is not finite (the
    demapper's refusal; the outputs are then incomplete).
    """
    n_b, n_r, n_p, n_n = h.shape
    n_blk = cov.shape[3]
    n_re = nv_out.shape[2]
    if n_p != 1 or n_r != 2:
        return 4
    if (llr.shape[0] != n_b or llr.shape[1] != 4 * n_re or seq.shape[0] < 4 * n_re
            or lev.shape[0] < 4 or _runs_out_of_range(runs, n_n, n_re, n_blk)):
        return 3
    linv = np.zeros((n_blk, n_r, n_r), dtype=np.complex64)
    bad = False
    bad_x = False
    for b in range(n_b):
        if not _block_inverses(cov, b, linv):
            return 2
        yf = y[b].view(np.float32)
        hf = h[b].view(np.float32)
        no = nv_out[b, 0]
        lo = llr[b]
        for q in range(runs.shape[0]):
            c = runs[q, 3]
            b_in, b_x = _run_1x2_demap16(
                yf[0], yf[1], hf[0, 0], hf[1, 0], no, lo, seq, runs[q, 0], runs[q, 1],
                runs[q, 2], linv[c, 0, 0].real, linv[c, 1, 0].real, linv[c, 1, 0].imag,
                linv[c, 1, 1].real, lev[0], lev[1], lev[2], lev[3])
            bad |= b_in
            bad_x |= b_x
        if bad:
            return 1
    return 5 if bad_x else 0
