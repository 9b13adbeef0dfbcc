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
def _rotations(phi: float, k_ref: np.ndarray, p: int, rot: np.ndarray) -> None:
    """rot[i] = e^{-j phi k_ref[p, i]}: by recurrence along runs of equal subcarrier steps
    (one cos/sin per run instead of per reference; complex128, error ~1e-16 per step)."""
    prev_k = 0.0
    prev_d = -1.0
    step = 1.0 + 0j
    cur = 1.0 + 0j
    for i in range(k_ref.shape[1]):
        k = k_ref[p, i]
        d = k - prev_k
        if i > 0 and 0.0 < d <= 64.0:
            if d != prev_d:
                step = complex(math.cos(-phi * d), math.sin(-phi * d))
                prev_d = d
            cur = cur * step
        else:
            cur = complex(math.cos(-phi * k), math.sin(-phi * k))
        rot[i] = cur
        prev_k = k


@njit(cache=True, nogil=True)
def _despread_one(g_raw: np.ndarray, n: int, phi: float, k_ref: np.ndarray, n_groups: int,
                  td: int, n_blocks: int, fd: int, rot: np.ndarray, out: np.ndarray) -> None:
    """out[r, p, grp, m] = mean over the block of g_raw[n, r, p, i] e^{-j phi k_i}."""
    _, n_r, n_p, _ = g_raw.shape
    m_per = n_blocks * fd
    scale = 1.0 / (td * fd)
    for p in range(n_p):
        _rotations(phi, k_ref, p, rot)
        for r in range(n_r):
            for grp in range(n_groups):
                for m in range(n_blocks):
                    acc = 0j
                    for t in range(td):
                        base = (grp * td + t) * m_per + m * fd
                        for f in range(fd):
                            i = base + f
                            acc += complex(g_raw[n, r, p, i]) * rot[i]
                    out[r, p, grp, m] = acc * scale


@njit(cache=True, nogil=True)
def _slope(g: np.ndarray, mask: np.ndarray, d0: float) -> float:
    """Argument of sum over r, p, groups, m of g[m+1] conj(g[m]) mask[p, m], over d0."""
    n_r, n_p, n_g, n_m = g.shape
    acc = 0j
    for r in range(n_r):
        for p in range(n_p):
            for grp in range(n_g):
                for m in range(n_m - 1):
                    if mask[p, m]:
                        acc += complex(g[r, p, grp, m + 1]) * complex(g[r, p, grp, m]).conjugate()
    return math.atan2(acc.imag, acc.real) / d0


@njit(cache=True, nogil=True)
def slope_despread_into(g_raw: np.ndarray, k_ref: np.ndarray, mask: np.ndarray, d0: float,
                        n_groups: int, td: int, n_blocks: int, fd: int, passes: int,
                        out: np.ndarray, phi_out: np.ndarray) -> None:
    """:func:`slope_despread` writing into ``out [N, R, P, G, M]`` (complex64) and
    ``phi_out [N]`` (float64): the compiled kernel, for other kernels to call."""
    n_b = g_raw.shape[0]
    rot = np.empty(k_ref.shape[1], dtype=np.complex128)
    for n in range(n_b):
        o = out[n]
        _despread_one(g_raw, n, 0.0, k_ref, n_groups, td, n_blocks, fd, rot, o)
        phi = _slope(o, mask, d0)
        for _ in range(passes):
            _despread_one(g_raw, n, phi, k_ref, n_groups, td, n_blocks, fd, rot, o)
            phi = phi + _slope(o, mask, d0)
        _despread_one(g_raw, n, phi, k_ref, n_groups, td, n_blocks, fd, rot, o)
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
                    int(td), int(n_blocks), int(fd), int(passes), out, phi)
    return out, phi
