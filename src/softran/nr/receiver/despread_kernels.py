"""Numba CPU kernel behind :func:`~softran.nr.receiver.references.slope_compensated_despread`.

The torch code in ``references.py`` stays the reference (tests compare both): this kernel
does the same three passes (despread, common phase slope, de-rotation of the raw LS values
before despreading again) on complex64 LS values ``[N, R, P, n_ref]`` in one call instead of
about fifty small tensor operations, for the DM-RS of TS 38.211 §6.4.1.1 / §7.4.1.1 (CDM
blocks of ``fd`` references in frequency and ``td`` DM-RS symbols). Sums run in complex128
(the reference sums in complex64 and takes the angle in complex128), so the results agree
to float32 rounding.
"""

from __future__ import annotations

import math

import numpy as np
from numba import njit

__all__ = ["slope_despread", "slope_despread_into"]


@njit(cache=True, nogil=True)
def _rotations(phi: float, k_ref: np.ndarray, p: int, rot_re: np.ndarray,
               rot_im: np.ndarray) -> None:
    """rot[i] = e^{-j phi k_ref[p, i]} (real and imaginary parts): by recurrence along runs
    of equal subcarrier steps (one cos/sin per run instead of per reference; float64, error
    ~1e-16 per step)."""
    prev_k = 0.0
    prev_d = -1.0
    s_re, s_im = 1.0, 0.0
    c_re, c_im = 1.0, 0.0
    for i in range(k_ref.shape[1]):
        k = k_ref[p, i]
        d = k - prev_k
        if i > 0 and 0.0 < d <= 64.0:
            if d != prev_d:
                s_re, s_im = math.cos(-phi * d), math.sin(-phi * d)
                prev_d = d
            c_re, c_im = c_re * s_re - c_im * s_im, c_re * s_im + c_im * s_re
        else:
            c_re, c_im = math.cos(-phi * k), math.sin(-phi * k)
        rot_re[i] = c_re
        rot_im[i] = c_im
        prev_k = k


@njit(cache=True, nogil=True)
def _despread_one(g_raw: np.ndarray, n: int, phi: float, k_ref: np.ndarray, n_groups: int,
                  td: int, n_blocks: int, fd: int, work: np.ndarray, out: np.ndarray) -> None:
    """out[r, p, grp, m] = mean over the block of g_raw[n, r, p, i] e^{-j phi k_i}
    (``work [4, n_ref]`` float64: the rotation and the de-rotated row)."""
    _, n_r, n_p, n_ref = g_raw.shape
    m_per = n_blocks * fd
    scale = 1.0 / (td * fd)
    rot_re, rot_im, y_re, y_im = work[0], work[1], work[2], work[3]
    for p in range(n_p):
        if phi != 0.0:
            # the same subcarriers on every reference symbol: one symbol's rotations serve all
            kp = k_ref[p]
            periodic = True
            for i in range(m_per, n_ref):
                if kp[i] != kp[i - m_per]:
                    periodic = False
                    break
            if periodic:
                _rotations(phi, k_ref[p:p + 1, :m_per], 0, rot_re, rot_im)
                for i in range(m_per, n_ref):
                    rot_re[i] = rot_re[i - m_per]
                    rot_im[i] = rot_im[i - m_per]
            else:
                _rotations(phi, k_ref, p, rot_re, rot_im)
        for r in range(n_r):
            row = g_raw[n, r, p]
            if phi != 0.0:
                for i in range(n_ref):
                    a = np.float64(row[i].real)
                    b = np.float64(row[i].imag)
                    y_re[i] = a * rot_re[i] - b * rot_im[i]
                    y_im[i] = a * rot_im[i] + b * rot_re[i]
            else:
                for i in range(n_ref):
                    y_re[i] = row[i].real
                    y_im[i] = row[i].imag
            o = out[r, p]
            for grp in range(n_groups):
                og = o[grp]
                if fd == 2 and td == 1:         # the NR case: pairs of references
                    yr = y_re[grp * m_per:(grp + 1) * m_per]
                    yi = y_im[grp * m_per:(grp + 1) * m_per]
                    for m in range(n_blocks):
                        og[m] = complex((yr[2 * m] + yr[2 * m + 1]) * scale,
                                        (yi[2 * m] + yi[2 * m + 1]) * scale)
                    continue
                for m in range(n_blocks):
                    acc_re = 0.0
                    acc_im = 0.0
                    for t in range(td):
                        base = (grp * td + t) * m_per + m * fd
                        for f in range(fd):
                            acc_re += y_re[base + f]
                            acc_im += y_im[base + f]
                    og[m] = complex(acc_re * scale, acc_im * scale)


@njit(cache=True, nogil=True, fastmath={"reassoc", "contract"})
def _slope(g: np.ndarray, mask: np.ndarray, d0: float) -> float:
    """Argument of sum over r, p, groups, m of g[m+1] conj(g[m]) mask[p, m], over d0."""
    n_r, n_p, n_g, n_m = g.shape
    acc_re = 0.0
    acc_im = 0.0
    for p in range(n_p):
        mp = mask[p]
        full = True
        for m in range(n_m - 1):
            full = full and mp[m]
        for r in range(n_r):
            for grp in range(n_g):
                row = g[r, p, grp]
                a, b = row[1:], row[:-1]
                if full:                        # every block pair at the smallest spacing
                    for m in range(n_m - 1):
                        a_re, a_im = np.float64(a[m].real), np.float64(a[m].imag)
                        b_re, b_im = np.float64(b[m].real), np.float64(b[m].imag)
                        acc_re += a_re * b_re + a_im * b_im
                        acc_im += a_im * b_re - a_re * b_im
                    continue
                for m in range(n_m - 1):
                    if mp[m]:
                        a_re, a_im = np.float64(a[m].real), np.float64(a[m].imag)
                        b_re, b_im = np.float64(b[m].real), np.float64(b[m].imag)
                        acc_re += a_re * b_re + a_im * b_im
                        acc_im += a_im * b_re - a_re * b_im
    return math.atan2(acc_im, acc_re) / d0


@njit(cache=True, nogil=True)
def slope_despread_into(g_raw: np.ndarray, k_ref: np.ndarray, mask: np.ndarray, d0: float,
                        n_groups: int, td: int, n_blocks: int, fd: int, passes: int,
                        out: np.ndarray, phi_out: np.ndarray, work: np.ndarray) -> None:
    """:func:`slope_despread` writing into ``out [N, R, P, G, M]`` (complex64) and
    ``phi_out [N]`` (float64), with the workspace ``work [4, n_ref]`` (float64): the
    compiled kernel, for other kernels to call."""
    n_b = g_raw.shape[0]
    for n in range(n_b):
        o = out[n]
        _despread_one(g_raw, n, 0.0, k_ref, n_groups, td, n_blocks, fd, work, o)
        phi = _slope(o, mask, d0)
        for _ in range(passes):
            _despread_one(g_raw, n, phi, k_ref, n_groups, td, n_blocks, fd, work, o)
            phi = phi + _slope(o, mask, d0)
        _despread_one(g_raw, n, phi, k_ref, n_groups, td, n_blocks, fd, work, o)
        phi_out[n] = phi


def slope_despread(g_raw: np.ndarray, k_ref: np.ndarray, mask: np.ndarray, d0: float,
                   n_groups: int, td: int, n_blocks: int, fd: int, passes: int = 2
                   ) -> tuple[np.ndarray, np.ndarray]:
    """complex64 LS values ``g_raw [N, R, P, n_ref]`` (references of each layer in symbol,
    then subcarrier order), their subcarriers ``k_ref [P, n_ref]`` (float64), the lag-one
    ``mask [P, M - 1]`` of block pairs at the smallest spacing ``d0`` -> (despread estimates
    with the common phase slope removed, complex64 ``[N, R, P, G, M]``; the slope in radians
    per subcarrier, float64 ``[N]``): the phase slope of the plainly despread values, then
    ``passes`` refinements on the raw values de-rotated before despreading.

    >>> k = np.arange(0.0, 16.0)[None]                   # one layer, 16 references, fd = 2
    >>> g = np.exp(-1j * 0.05 * k).astype(np.complex64)[None, None]   # slope -0.05 rad
    >>> mask = np.ones((1, 7), dtype=np.bool_)
    >>> gd, phi = slope_despread(g, k, mask, 2.0, 1, 1, 8, 2)
    >>> round(float(phi[0]), 6), bool(np.allclose(gd, gd[..., :1], atol=1e-6))
    (-0.05, True)
    """
    n_b, n_r, n_p, _ = g_raw.shape
    out = np.empty((n_b, n_r, n_p, n_groups, n_blocks), dtype=np.complex64)
    phi = np.empty(n_b, dtype=np.float64)
    slope_despread_into(np.ascontiguousarray(g_raw, dtype=np.complex64),
                    np.ascontiguousarray(k_ref, dtype=np.float64),
                    np.ascontiguousarray(mask, dtype=np.bool_), float(d0), int(n_groups),
                    int(td), int(n_blocks), int(fd), int(passes), out, phi,
                    np.empty((4, g_raw.shape[-1])))
    return out, phi
