"""Byte helpers the SNOW 3G and ZUC kernels share (Numba, inlined)."""

from __future__ import annotations

import numpy as np
from numba import njit

__all__ = ["xor_word"]


@njit(cache=True, nogil=True, inline="always")
def xor_word(buf: np.ndarray, i: int, end: int, z: int) -> int:
    """Xor the 32-bit keystream word ``z`` (most significant byte first) into ``buf[i:end]``,
    at most 4 bytes; returns the next position."""
    if i + 4 <= end:
        buf[i] ^= (z >> 24) & 0xFF
        buf[i + 1] ^= (z >> 16) & 0xFF
        buf[i + 2] ^= (z >> 8) & 0xFF
        buf[i + 3] ^= z & 0xFF
        return i + 4
    sh = 24
    while i < end:
        buf[i] ^= (z >> sh) & 0xFF
        sh -= 8
        i += 1
    return i
