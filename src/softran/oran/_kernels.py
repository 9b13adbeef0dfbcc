"""Numba CPU kernels behind :mod:`softran.oran.compression` (BFP and PRB bit packing).

The torch code in ``compression.py`` stays the reference; these kernels compute the same
integers (tests compare both paths on random input of every width) and are used for CPU
tensors when :data:`ENABLED` is true:

* :func:`bfp_from_float` -- float I/Q ``[N, 24]`` (one row per PRB) to BFP mantissas and
  exponents (O-RAN.WG4.CUS.0 Annex A.1.2), fused with the 16-bit fixed-point conversion
  ``round_half_even(x * scale)`` (``scale = 0``: the input must already be integers). It
  returns a status instead of raising: 1 = a value outside -32768..32767 (or NaN), 2 = a
  non-integer without ``scale``; the caller then runs the torch path, which raises the
  precise error.
* :func:`pack_prbs` / :func:`unpack_prbs` -- PRB wire bytes ``udCompParam | 24 x w-bit
  two's complement, MSB first`` (clause 8.3.3) from / to int16 codes.
"""

from __future__ import annotations

import numpy as np
from numba import njit, prange

__all__ = ["ENABLED", "bfp_from_float", "pack_prbs", "unpack_prbs"]

#: Use the kernels for CPU tensors (tests switch this off to run the torch reference path).
ENABLED: bool = True


@njit(cache=True, nogil=True, inline="always")
def _fixed(f: float, scale: float) -> float:
    return np.rint(f * scale) if scale != 0.0 else f


@njit(cache=True, nogil=True, parallel=True)
def _bfp_from_float(x: np.ndarray, scale: float, width: int, round_sat: bool,
                    mant: np.ndarray, expo: np.ndarray) -> int:
    n = x.shape[0]
    status = np.zeros(n, dtype=np.int8)
    top = (1 << (width - 1)) - 1
    use_scale = scale != 0.0
    for p in prange(n):
        # pass 1: fixed point (stored in the mantissa row), range / integer checks, maxValue
        vmax = np.int32(0)
        vmin = np.int32(0)
        bad = 0
        for k in range(24):
            f = np.float64(x[p, k])
            if use_scale:
                f = np.rint(f * scale)
            elif f != np.rint(f):
                bad = max(bad, 2)
            if not (f >= -32768.0 and f <= 32767.0):
                bad = 1
                f = 0.0
            iv = np.int32(f)
            mant[p, k] = iv
            vmax = max(vmax, iv)
            vmin = min(vmin, iv)
        status[p] = bad
        max_value = max(vmax, -vmin - 1)
        bit_len = 0
        while max_value:
            max_value >>= 1
            bit_len += 1
        e = max(bit_len - width + 1, 0)
        expo[p] = e
        # pass 2: quantise in place (floor shift, or round half away from zero + saturate)
        if e > 0:
            half = 1 << (e - 1)
            for k in range(24):
                iv = np.int32(mant[p, k])
                if round_sat:
                    m = (iv + half - (1 if iv < 0 else 0)) >> e
                    mant[p, k] = min(m, top)
                else:
                    mant[p, k] = iv >> e
        elif round_sat:
            for k in range(24):
                mant[p, k] = min(np.int32(mant[p, k]), top)
    worst = 0
    for p in range(n):
        if status[p] == 1:
            return 1
        worst = max(worst, status[p])
    return worst


def bfp_from_float(x: np.ndarray, scale: float, width: int, round_saturate: bool
                   ) -> tuple[np.ndarray, np.ndarray, int]:
    """``x`` float32 ``[N, 24]`` -> (mantissa int16 ``[N, 24]``, exponent int16 ``[N]``,
    status); see the module docstring."""
    n = x.shape[0]
    mant = np.empty((n, 24), dtype=np.int16)
    expo = np.empty(n, dtype=np.int16)
    status = _bfp_from_float(x, float(scale), int(width), bool(round_saturate), mant, expo)
    return mant, expo, int(status)


@njit(cache=True, nogil=True)
def _pack(codes: np.ndarray, param: np.ndarray, width: int, out: np.ndarray) -> None:
    n, k = param.shape
    mask = (1 << width) - 1
    for p in range(n):
        for j in range(k):
            out[p, j] = param[p, j]
        pos = k
        acc = 0
        bits = 0
        for i in range(24):
            acc = (acc << width) | (np.int64(codes[p, i]) & mask)
            bits += width
            while bits >= 8:
                bits -= 8
                out[p, pos] = (acc >> bits) & 0xFF
                pos += 1
            acc &= (1 << bits) - 1


def pack_prbs(codes: np.ndarray, param: np.ndarray, width: int) -> np.ndarray:
    """int16 codes ``[N, 24]`` + udCompParam bytes uint8 ``[N, k]`` -> uint8 ``[N, k + 3w]``."""
    out = np.empty((codes.shape[0], param.shape[1] + 3 * width), dtype=np.uint8)
    _pack(codes, param, int(width), out)
    return out


@njit(cache=True, nogil=True)
def _unpack(octets: np.ndarray, k: int, width: int, out: np.ndarray) -> None:
    n = octets.shape[0]
    sign = 1 << (width - 1)
    full = 1 << width
    for p in range(n):
        pos = k
        acc = 0
        bits = 0
        for i in range(24):
            while bits < width:
                acc = (acc << 8) | np.int64(octets[p, pos])
                pos += 1
                bits += 8
            bits -= width
            u = (acc >> bits) & (full - 1)
            acc &= (1 << bits) - 1
            out[p, i] = u - full if u >= sign else u


def unpack_prbs(octets: np.ndarray, k: int, width: int) -> np.ndarray:
    """uint8 PRB bytes ``[N, k + 3w]`` -> int16 codes ``[N, 24]`` (udCompParam skipped)."""
    out = np.empty((octets.shape[0], 24), dtype=np.int16)
    _unpack(np.ascontiguousarray(octets), int(k), int(width), out)
    return out
