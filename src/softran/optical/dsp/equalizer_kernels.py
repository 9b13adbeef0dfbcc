"""Numba CPU kernel of the 2x2 butterfly adaptive equaliser (see ``equalizer.py``).

The compiled counterpart of the torch reference loop in :func:`~softran.optical.dsp.equalizer.
adaptive_equalize`, called only through it. One batch row at a time, one symbol at a time
(the stochastic-gradient update is sequential by nature), complex64 arithmetic as in the
reference, the same update order per symbol: output of both polarisations with the current
taps, then the tap update of each output. No fast-math: the results agree with the torch
path to float32 rounding.
"""

from __future__ import annotations

import numpy as np
from numba import njit

__all__ = ["equalize_blocks"]

CMA, RDE, DD, HOLD = 0, 1, 2, 3


@njit(cache=True)
def _decide(v: np.float32, scale: np.float32, top: np.float32) -> np.float32:
    u = np.float32(np.round((v * scale - np.float32(1.0)) * np.float32(0.5))) * np.float32(2.0) \
        + np.float32(1.0)
    if u > top:
        u = top
    elif u < -top:
        u = -top
    return u / scale


@njit(cache=True)
def equalize_blocks(xp: np.ndarray, h: np.ndarray, alg: np.ndarray, mu: np.ndarray,
                    r2: np.float32, radii: np.ndarray, scale: np.float32, top: np.float32,
                    pll_gain: np.float32, y: np.ndarray) -> None:  # pragma: no cover - compiled
    """xp [B, 2, Np] c64, h [B, 2, 2, T] c64 (updated in place), alg [K] i8, mu [K] f32,
    radii [R] f32 (ring radii), y [B, 2, K] c64 (output)."""
    n_batch = xp.shape[0]
    n_taps = h.shape[3]
    n_sym = y.shape[2]
    phi = np.zeros(2, dtype=np.float32)
    e = np.zeros(2, dtype=np.complex64)
    for b in range(n_batch):
        phi[0] = np.float32(0.0)
        phi[1] = np.float32(0.0)
        for k in range(n_sym):
            base = 2 * k
            a = alg[k]
            for p in range(2):
                acc = np.complex64(0.0)
                for q in range(2):
                    for i in range(n_taps):
                        acc += h[b, p, q, i] * xp[b, q, base + i]
                y[b, p, k] = acc
                if a == CMA:
                    pw = acc.real * acc.real + acc.imag * acc.imag
                    e[p] = acc * np.float32(r2 - pw)
                elif a == RDE:
                    pw = acc.real * acc.real + acc.imag * acc.imag
                    amp = np.float32(np.sqrt(pw))
                    best = radii[0]
                    for r in range(1, radii.shape[0]):
                        if abs(radii[r] - amp) < abs(best - amp):
                            best = radii[r]
                    e[p] = acc * np.float32(best * best - pw)
                elif a == DD:
                    c = np.float32(np.cos(phi[p]))
                    s = np.float32(np.sin(phi[p]))
                    rot = np.complex64(c + 1j * s)
                    z = acc * np.complex64(c - 1j * s)
                    d = np.complex64(_decide(z.real, scale, top) + 1j * _decide(z.imag, scale, top))
                    e[p] = d * rot - acc
                    zd = z * np.complex64(d.real - 1j * d.imag)
                    phi[p] = np.float32(phi[p] + pll_gain * zd.imag)
                else:
                    e[p] = np.complex64(0.0)
            if a != HOLD:
                for p in range(2):
                    m = np.complex64(mu[k] * e[p])
                    for q in range(2):
                        for i in range(n_taps):
                            v = xp[b, q, base + i]
                            h[b, p, q, i] += m * np.complex64(v.real - 1j * v.imag)
