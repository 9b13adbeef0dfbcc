"""Numba CPU kernels of the split-step Fourier method (see :mod:`softran.optical.fibre`).

The compiled counterparts of the torch reference operations of :func:`~softran.optical.
fibre.ssfm`, called only through it, on the NumPy views of CPU tensors:

* :func:`nonlinear_phase`: the Manakov / NLSE nonlinear operator in place, ``x <- x
  exp(j c P)`` with ``P = sum_pol |x|^2``, one pass over the samples for both
  polarisations, returning the largest ``P`` (the adaptive step needs it).
* :func:`nmse`: ``sum |a - b|^2 / sum |b|^2`` (the local-error step control).

``exp(j phi)`` is evaluated as ``(exp(j phi / 2^k))^(2^k)``: the reduced angle ``|phi /
2^k| <= 1/2`` (``k`` from the largest phase of the step, the same for every sample) goes
into the Taylor series of cos and sin to the ``phi^14`` / ``phi^15`` terms, whose remainder
``0.5^16 / 16! < 8e-19`` is below the double-precision rounding, then ``k`` complex
squarings. The loop has no branch and vectorises; nonlinear phases of a split step are
well below 1/2 rad, so ``k = 0`` in practice. The arithmetic is in float64 for both
complex64 and complex128 fields (the products are rounded once when stored).
"""

from __future__ import annotations

import math

import numpy as np
from numba import njit

__all__ = ["nmse", "nonlinear_phase", "rotation_squarings"]

# 1/n! for the Taylor series of cos (even n) and sin (odd n), n = 0 .. 15
_C2, _C4, _C6, _C8 = -1.0 / 2, 1.0 / 24, -1.0 / 720, 1.0 / 40320
_C10, _C12, _C14 = -1.0 / 3628800, 1.0 / 479001600, -1.0 / 87178291200
_S3, _S5, _S7, _S9 = -1.0 / 6, 1.0 / 120, -1.0 / 5040, 1.0 / 362880
_S11, _S13, _S15 = -1.0 / 39916800, 1.0 / 6227020800, -1.0 / 1307674368000


def rotation_squarings(phi_max: float) -> int:
    """Number ``k`` of halvings that bring ``phi_max`` [rad] to at most 1/2 (see the module
    docstring).

    >>> rotation_squarings(0.01), rotation_squarings(0.5), rotation_squarings(3.0)
    (0, 0, 3)
    """
    if not phi_max > 0.5:
        return 0
    return math.ceil(math.log2(phi_max / 0.5))


_FAST = {"contract", "reassoc", "nsz", "arcp"}      # no nnan / ninf: NaNs propagate


@njit(cache=True, fastmath=_FAST)
def _power(xr: np.ndarray, p: np.ndarray) -> None:  # pragma: no cover - compiled
    # xr: [P, 2n] float view (re, im interleaved) of one batch row; p: [n] float64
    n_p, n2 = xr.shape
    for t in range(n2 // 2):
        p[t] = 0.0
    for q in range(n_p):
        for t in range(n2 // 2):
            re = np.float64(xr[q, 2 * t])
            im = np.float64(xr[q, 2 * t + 1])
            p[t] += re * re + im * im


@njit(cache=True, fastmath=_FAST)
def _max(p: np.ndarray) -> float:  # pragma: no cover - compiled
    m = 0.0
    for t in range(p.size):
        m = max(m, p[t])
    return m


@njit(cache=True)
def _power_max(xr: np.ndarray, p: np.ndarray) -> float:  # pragma: no cover - compiled
    peak = 0.0
    for b in range(xr.shape[0]):
        _power(xr[b], p[b])
        peak = max(peak, _max(p[b]))
    return peak


@njit(cache=True, fastmath=_FAST)
def _rotation(p: np.ndarray, scale: float, cr: np.ndarray, ci: np.ndarray) -> None:  # pragma: no cover
    for t in range(p.size):
        a = p[t] * scale
        a2 = a * a
        cr[t] = 1.0 + a2 * (_C2 + a2 * (_C4 + a2 * (_C6 + a2 * (_C8 + a2 * (
            _C10 + a2 * (_C12 + a2 * _C14))))))
        ci[t] = a * (1.0 + a2 * (_S3 + a2 * (_S5 + a2 * (_S7 + a2 * (_S9 + a2 * (
            _S11 + a2 * (_S13 + a2 * _S15)))))))


@njit(cache=True, fastmath=_FAST)
def _square(cr: np.ndarray, ci: np.ndarray) -> None:  # pragma: no cover - compiled
    for t in range(cr.size):
        c = cr[t]
        s = ci[t]
        cr[t] = c * c - s * s
        ci[t] = 2.0 * c * s


@njit(cache=True, fastmath=_FAST)
def _apply(xr: np.ndarray, cr: np.ndarray, ci: np.ndarray) -> None:  # pragma: no cover
    n_p, n2 = xr.shape
    for q in range(n_p):
        for t in range(n2 // 2):
            re = np.float64(xr[q, 2 * t])
            im = np.float64(xr[q, 2 * t + 1])
            xr[q, 2 * t] = re * cr[t] - im * ci[t]
            xr[q, 2 * t + 1] = re * ci[t] + im * cr[t]


@njit(cache=True)
def _rotate(xr: np.ndarray, p: np.ndarray, coef: float, k: int, cr: np.ndarray,
            ci: np.ndarray) -> None:  # pragma: no cover - compiled
    scale = coef / (2.0 ** k)
    for b in range(xr.shape[0]):
        _rotation(p[b], scale, cr, ci)
        for _ in range(k):
            _square(cr, ci)
        _apply(xr[b], cr, ci)


def nonlinear_phase(x: np.ndarray, coef: float, p: np.ndarray | None = None) -> float:
    """``x <- x exp(j coef P)`` in place, ``P = sum_pol |x|^2``, for ``x`` a C-contiguous
    complex ``[B, n_pol, n]`` array; returns ``max P`` (before the rotation, which keeps
    it). ``p``: optional float64 ``[B + 2, n]`` work buffer.

    >>> x = np.full((1, 2, 4), 0.5 + 0.0j)
    >>> nonlinear_phase(x, 2.0)            # P = 0.5, phase 1 rad
    0.5
    >>> bool(np.allclose(x, 0.5 * np.exp(1j)))
    True
    """
    xr = x.view(np.float32 if x.dtype == np.complex64 else np.float64)
    n = x.shape[2]
    if p is None:
        p = np.empty((x.shape[0] + 2, n))
    peak = _power_max(xr, p[:-2])
    if coef != 0.0:
        _rotate(xr, p[:-2], coef, rotation_squarings(abs(coef) * peak), p[-2], p[-1])
    return peak


@njit(cache=True, fastmath=False)
def _nmse(ar: np.ndarray, br: np.ndarray) -> float:  # pragma: no cover - compiled
    num = 0.0
    den = 0.0
    for i in range(ar.size):
        d = np.float64(ar[i]) - np.float64(br[i])
        num += d * d
        v = np.float64(br[i])
        den += v * v
    return num / den if den > 0.0 else 0.0


def nmse(a: np.ndarray, b: np.ndarray) -> float:
    """Normalised squared difference ``sum |a - b|^2 / sum |b|^2`` of two complex arrays of
    the same shape and dtype (0 when ``b`` is zero).

    >>> nmse(np.array([1 + 1j, 0j]), np.array([1 + 0j, 1j]))
    1.0
    """
    real = np.float32 if a.dtype == np.complex64 else np.float64
    return float(_nmse(np.ascontiguousarray(a).view(real).ravel(),
                       np.ascontiguousarray(b).view(real).ravel()))
