"""Numba CPU kernel behind :func:`~softran.nr.receiver.noise_covariance` (complex64 input).

The torch code in ``noise_covariance.py`` stays the reference (GPU, other dtypes, references
with batch dimensions; tests compare both). This kernel does the same steps on the DM-RS
REs of TS 38.211 §6.4.1.1 in one call per slot: the residual ``e = y - Σ_j h_j x_j`` at
every reference RE, the sample covariance ``e e^H`` per PRB block (blocks without
references get the mean over all references), the bias correction by the given noise
variance, the diagonal loading and the filling of silent blocks. Sums that torch does in
complex64 run in complex128 here, so results agree to float32 rounding.
"""

from __future__ import annotations

import numpy as np
from numba import njit

from softran.nr.receiver.estimate_kernels import all_finite

__all__ = ["BAD_NOISE_VAR", "NOT_FINITE", "SILENT_FLOOR", "covariance_slot"]

#: status of :func:`covariance_slot` when ``noise_var`` holds a negative or non-finite value
BAD_NOISE_VAR = 1
#: status of :func:`covariance_slot` when ``y`` or ``h`` holds NaN or inf
NOT_FINITE = 2
#: the covariance of a slot in which nothing at all arrived: a tiny multiple of the identity
SILENT_FLOOR = 1e-30


@njit(cache=True, nogil=True, fastmath={"reassoc", "contract"})
def covariance_slot(y: np.ndarray, h: np.ndarray, check_y: bool, check_h: bool,
                    uniq: np.ndarray, x: np.ndarray,
                    segments: np.ndarray, count: np.ndarray, noise_var: np.ndarray,
                    use_nv: bool, loading: float, e: np.ndarray, acc: np.ndarray,
                    cov: np.ndarray) -> int:
    """Interference-plus-noise covariance per PRB block from the DM-RS residual (references
    of TS 38.211 §6.4.1.1 / §7.4.1.1): ``y [N, R, S·K]``, ``h [N, R, P, S·K]`` complex64
    (checked for NaN / inf where ``check_y``, ``check_h``), the reference REs ``uniq [U]``
    (positions in the flattened grid, ascending), their symbols ``x [P, U]`` (0 where a
    layer has no reference), ``segments [n, 3]``: runs ``(u0, u1, b)`` of consecutive
    references in block b, references per block ``count [B]`` (float64),
    ``noise_var [N, R]`` float32 (used when ``use_nv``), relative ``loading`` ->
    ``cov [N, R, R, B]`` complex64. ``e [2, R, U]`` float32 (residual, real and imaginary
    parts) and ``acc [R, R, B, 2]`` float64 are workspaces. Returns 0,
    :data:`BAD_NOISE_VAR` or :data:`NOT_FINITE` (then nothing is written).

    >>> y = np.array([[[1.0, -1.0j]]], dtype=np.complex64)     # 1 rx, 2 reference REs
    >>> h = np.zeros((1, 1, 1, 2), dtype=np.complex64)
    >>> cov = np.empty((1, 1, 1, 1), dtype=np.complex64)
    >>> covariance_slot(y, h, True, True, np.array([0, 1]), np.ones((1, 2), np.complex64),
    ...                 np.array([[0, 2, 0]]), np.array([2.0]), np.zeros((1, 1), np.float32),
    ...                 False, 0.0, np.empty((2, 1, 2), np.float32),
    ...                 np.empty((1, 1, 1, 2)), cov), float(cov[0, 0, 0, 0].real)
    (0, 1.0)
    """
    n_b, n_r, _ = y.shape
    n_p, n_u = x.shape
    n_bl = count.size
    if use_nv:
        for n in range(n_b):
            for r in range(n_r):
                v = noise_var[n, r]
                if not (v >= 0.0 and v < np.inf):
                    return BAD_NOISE_VAR
    if (check_y and not all_finite(y)) or (check_h and not all_finite(h)):
        return NOT_FINITE
    e_re, e_im = e[0], e[1]
    for n in range(n_b):
        # residual at the reference REs, in real arithmetic
        power = 0.0
        for r in range(n_r):
            yr = y[n, r]
            er, ei = e_re[r], e_im[r]
            for u in range(n_u):
                yv = yr[uniq[u]]
                er[u] = yv.real
                ei[u] = yv.imag
            for p in range(n_p):
                hr = h[n, r, p]
                xp = x[p]
                for u in range(n_u):
                    hv = hr[uniq[u]]
                    xv = xp[u]
                    er[u] -= hv.real * xv.real - hv.imag * xv.imag
                    ei[u] -= hv.real * xv.imag + hv.imag * xv.real
            for u in range(n_u):
                power += np.float64(er[u]) * er[u] + np.float64(ei[u]) * ei[u]
        # outer products e e^H summed per block (upper triangle; the lower one is its
        # conjugate)
        acc[:] = 0.0
        for q in range(segments.shape[0]):
            u0, u1, b = segments[q, 0], segments[q, 1], segments[q, 2]
            for r1 in range(n_r):
                a_re, a_im = e_re[r1, u0:u1], e_im[r1, u0:u1]
                for r2 in range(r1, n_r):
                    b_re, b_im = e_re[r2, u0:u1], e_im[r2, u0:u1]
                    s_re = 0.0
                    s_im = 0.0
                    for j in range(u1 - u0):
                        s_re += np.float64(a_re[j]) * b_re[j] + np.float64(a_im[j]) * b_im[j]
                        s_im += np.float64(a_im[j]) * b_re[j] - np.float64(a_re[j]) * b_im[j]
                    acc[r1, r2, b, 0] += s_re
                    acc[r1, r2, b, 1] += s_im
        scale = 1.0
        if use_nv:
            nv_sum = 0.0
            for r in range(n_r):
                nv_sum += noise_var[n, r]
            resid = np.float32(power / n_u)
            scale = nv_sum / max(resid, np.finfo(np.float32).tiny)
        c = cov[n]
        for r1 in range(n_r):
            for r2 in range(r1, n_r):
                total = 0j
                for b in range(n_bl):
                    total += complex(acc[r1, r2, b, 0], acc[r1, r2, b, 1])
                mean = total / n_u
                for b in range(n_bl):
                    v = (complex(acc[r1, r2, b, 0], acc[r1, r2, b, 1]) / count[b]
                         if count[b] > 0 else mean)
                    v = v * scale
                    c[r1, r2, b] = v
                    c[r2, r1, b] = v.conjugate()
        trace_all = True
        for b in range(n_bl):
            tr = 0.0
            for r in range(n_r):
                tr += float(c[r, r, b].real)
            if loading > 0:
                add = loading * (tr / n_r)
                tr = 0.0
                for r in range(n_r):
                    c[r, r, b] = c[r, r, b] + np.float32(add)
                    tr += float(c[r, r, b].real)
            if not (tr > 0):
                trace_all = False
        if not trace_all:
            _fill_silent(c)
    return 0


@njit(cache=True, nogil=True)
def _fill_silent(c: np.ndarray) -> None:
    """Blocks of ``c [R, R, B]`` with zero trace get the mean of the others, or a tiny
    multiple of the identity where every block is silent."""
    n_r, _, n_bl = c.shape
    live = np.empty(n_bl, dtype=np.bool_)
    n_live = 0
    for b in range(n_bl):
        tr = 0.0
        for r in range(n_r):
            tr += float(c[r, r, b].real)
        live[b] = tr > 0
        n_live += live[b]
    for r1 in range(n_r):
        for r2 in range(n_r):
            if n_live > 0:
                total = 0j
                for b in range(n_bl):
                    if live[b]:
                        total += c[r1, r2, b]
                fill = total / n_live
            else:
                fill = SILENT_FLOOR if r1 == r2 else 0.0
            for b in range(n_bl):
                if not live[b]:
                    c[r1, r2, b] = fill
