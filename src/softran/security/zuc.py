"""ZUC, the keystream generator of 128-EEA3 / 128-EIA3 and 128-NEA3 / 128-NIA3 (TS 35.222).

ETSI/SAGE *Specification of the 3GPP Confidentiality and Integrity Algorithms 128-EEA3 &
128-EIA3, Document 2: ZUC Specification* v1.6 (= 3GPP TS 35.222):

* LFSR (clause 3.2): 16 cells of 31 bits over GF(2^31 - 1); ``s16 = 2^15 s15 + 2^17 s13 +
  2^21 s10 + 2^20 s4 + (1 + 2^8) s0 mod (2^31 - 1)`` (plus ``u = W >> 1`` in initialisation
  mode), a result 0 is replaced by ``2^31 - 1``. Multiplying by ``2^k`` is a 31-bit rotation.
* Bit reorganisation (clause 3.3): ``X0 = s15H || s14L``, ``X1 = s11L || s9H``,
  ``X2 = s7L || s5H``, ``X3 = s2L || s0H`` (H: bits 30..15, L: bits 15..0).
* Nonlinear function F (clause 3.4): ``W = (X0 xor R1) + R2``, ``W1 = R1 + X1``,
  ``W2 = R2 xor X2``, ``R1 = S(L1(W1L || W2H))``, ``R2 = S(L2(W2L || W1H))`` with the S-box
  ``S = S0 S1 S0 S1`` on the four bytes (``data/zuc_s0.csv``, ``data/zuc_s1.csv``) and the
  linear maps ``L1``, ``L2``.
* Key loading (clause 3.5): ``s_i = k_i || d_i || iv_i`` (``data/zuc_d.csv``); 32 rounds of
  initialisation with ``u = W >> 1``, one working round whose F output is discarded, then one
  keystream word ``Z = W xor X3`` per round (clause 3.6).

The kernels are batched over many (key, IV) pairs in one call, one thread, the LFSR kept as a
ring of 16 cells.
"""

from __future__ import annotations

from functools import cache

import numpy as np
from numba import njit

from softran.security._bytes import xor_word
from softran.security.datafiles import sbox, zuc_d
from softran.security.inputs import MessageBatch, key_iv_pairs, zero_tail

__all__ = ["keystream_batch", "xor_batch", "zuc_keystream"]

_P = 0x7FFFFFFF


@cache
def _tables() -> tuple[np.ndarray, np.ndarray]:
    s0 = sbox("zuc_s0").astype(np.int64)
    s1 = sbox("zuc_s1").astype(np.int64)
    # S(x) = S0[x3] << 24 | S1[x2] << 16 | S0[x1] << 8 | S1[x0]: four shifted byte tables
    t = np.ascontiguousarray(np.stack([s0 << 24, s1 << 16, s0 << 8, s1]))
    return t, np.ascontiguousarray(zuc_d())


@njit(cache=True, nogil=True, inline="always")
def _rot31(x: int, k: int) -> int:
    return ((x << k) | (x >> (31 - k))) & 0x7FFFFFFF


@njit(cache=True, nogil=True, inline="always")
def _rot32(x: int, k: int) -> int:
    return ((x << k) | (x >> (32 - k))) & 0xFFFFFFFF


@njit(cache=True, nogil=True, inline="always")
def _sbox32(x: int, t: np.ndarray) -> int:
    return t[0, x >> 24] | t[1, (x >> 16) & 0xFF] | t[2, (x >> 8) & 0xFF] | t[3, x & 0xFF]


@njit(cache=True, nogil=True, inline="always")
def _round(s: np.ndarray, p: int, r1: int, r2: int, t: np.ndarray, init: bool
           ) -> tuple[int, int, int, int, int]:
    """One round: bit reorganisation, F, LFSR (``init``: initialisation mode with u = W >> 1).
    Returns ``(W, X3, p, R1, R2)``."""
    s15 = s[(p + 15) & 15]
    x0 = ((s15 & 0x7FFF8000) << 1) | (s[(p + 14) & 15] & 0xFFFF)
    x1 = ((s[(p + 11) & 15] & 0xFFFF) << 16) | (s[(p + 9) & 15] >> 15)
    x2 = ((s[(p + 7) & 15] & 0xFFFF) << 16) | (s[(p + 5) & 15] >> 15)
    s0 = s[p]
    x3 = ((s[(p + 2) & 15] & 0xFFFF) << 16) | (s0 >> 15)
    w = ((x0 ^ r1) + r2) & 0xFFFFFFFF
    w1 = (r1 + x1) & 0xFFFFFFFF
    w2 = r2 ^ x2
    u = ((w1 << 16) | (w2 >> 16)) & 0xFFFFFFFF
    v = ((w2 << 16) | (w1 >> 16)) & 0xFFFFFFFF
    u = u ^ _rot32(u, 2) ^ _rot32(u, 10) ^ _rot32(u, 18) ^ _rot32(u, 24)
    v = v ^ _rot32(v, 8) ^ _rot32(v, 14) ^ _rot32(v, 22) ^ _rot32(v, 30)
    r1 = _sbox32(u, t)
    r2 = _sbox32(v, t)
    f = (s0 + _rot31(s0, 8) + _rot31(s[(p + 4) & 15], 20) + _rot31(s[(p + 10) & 15], 21)
         + _rot31(s[(p + 13) & 15], 17) + _rot31(s15, 15))
    if init:
        f += w >> 1
    f = (f & 0x7FFFFFFF) + (f >> 31)
    f = (f & 0x7FFFFFFF) + (f >> 31)
    if f == 0:
        f = 0x7FFFFFFF
    s[p] = f
    return w, x3, (p + 1) & 15, r1, r2


@njit(cache=True, nogil=True)
def _setup(k: np.ndarray, iv: np.ndarray, s: np.ndarray, t: np.ndarray, d: np.ndarray
           ) -> tuple[int, int, int]:
    """Key loading, 32 initialisation rounds and the discarded working round: ``(p, R1, R2)``."""
    for i in range(16):
        s[i] = (k[i] << 23) | (d[i] << 8) | iv[i]
    p, r1, r2 = 0, 0, 0
    for _ in range(32):
        _, _, p, r1, r2 = _round(s, p, r1, r2, t, True)
    _, _, p, r1, r2 = _round(s, p, r1, r2, t, False)
    return p, r1, r2


@njit(cache=True, nogil=True)
def _keystream_kernel(k: np.ndarray, iv: np.ndarray, starts: np.ndarray, out: np.ndarray,
                      t: np.ndarray, d: np.ndarray) -> None:
    s = np.empty(16, dtype=np.int64)
    for j in range(k.shape[0]):
        p, r1, r2 = _setup(k[j], iv[j], s, t, d)
        for i in range(starts[j], starts[j + 1]):
            w, x3, p, r1, r2 = _round(s, p, r1, r2, t, False)
            out[i] = w ^ x3


@njit(cache=True, nogil=True)
def _xor_kernel(k: np.ndarray, iv: np.ndarray, buf: np.ndarray, offsets: np.ndarray,
                t: np.ndarray, d: np.ndarray) -> None:
    s = np.empty(16, dtype=np.int64)
    for j in range(k.shape[0]):
        a, b = offsets[j], offsets[j + 1]
        if a == b:
            continue
        p, r1, r2 = _setup(k[j], iv[j], s, t, d)
        i = a
        while i < b:
            w, x3, p, r1, r2 = _round(s, p, r1, r2, t, False)
            i = xor_word(buf, i, b, w ^ x3)


def keystream_batch(keys: np.ndarray, ivs: np.ndarray, n_words: np.ndarray
                    ) -> tuple[np.ndarray, np.ndarray]:
    """ZUC keystreams of many (key, IV) pairs in one kernel call (TS 35.222 clause 3.6).

    ``keys``, ``ivs``: ``uint8[N, 16]`` (byte ``i`` is ``k_i`` / ``iv_i``); ``n_words``:
    ``int64[N]``. Returns ``(z, starts)``: keystream ``j`` is ``z[starts[j]:starts[j + 1]]``
    (``int64`` holding 32-bit words).

    >>> z, _ = keystream_batch(np.zeros((1, 16), np.uint8), np.zeros((1, 16), np.uint8),
    ...                        np.array([2]))          # TS 35.223 ZUC test set 1
    >>> [hex(int(w)) for w in z]
    ['0x27bede74', '0x18082da']
    """
    t, d = _tables()
    starts = np.zeros(len(n_words) + 1, dtype=np.int64)
    np.cumsum(n_words, out=starts[1:])
    out = np.empty(int(starts[-1]), dtype=np.int64)
    _keystream_kernel(np.ascontiguousarray(keys, dtype=np.int64),
                      np.ascontiguousarray(ivs, dtype=np.int64), starts, out, t, d)
    return out, starts


def xor_batch(keys: np.ndarray, ivs: np.ndarray, batch: MessageBatch) -> np.ndarray:
    """``batch`` xor its ZUC keystreams (message ``j`` with key / IV row ``j``), the core of
    128-EEA3 (TS 35.221 clause 3); a new buffer with the bits after each length cleared.

    >>> from softran.security.inputs import pack_messages
    >>> z = np.zeros((1, 16), np.uint8)
    >>> xor_batch(z, z, pack_messages(bytes(5), 36)).tobytes().hex()   # TS 35.223 set 1, 36 bits
    '27bede7400'
    """
    t, d = _tables()
    buf = batch.buf.copy()
    _xor_kernel(np.ascontiguousarray(keys, dtype=np.int64),
                np.ascontiguousarray(ivs, dtype=np.int64), buf, batch.offsets, t, d)
    zero_tail(buf, batch.offsets, batch.bits)
    return buf


def zuc_keystream(key: bytes | list[bytes], iv: bytes | list[bytes], n_words: int
                  ) -> np.ndarray:
    """``n_words`` 32-bit ZUC keystream words (TS 35.222 clause 3.6) for a 128-bit key and IV
    as ``uint32[n_words]``; with lists of keys / IVs one row per pair (``uint32[N, n]``).

    >>> z = zuc_keystream(bytes(16), bytes(16), 2)     # TS 35.223 clause 3.3, test set 1
    >>> [f"{w:08x}" for w in z]
    ['27bede74', '018082da']
    """
    keys, ivs, words, single = key_iv_pairs(key, iv, n_words)
    z, _ = keystream_batch(keys, ivs, words)
    z = z.astype(np.uint32).reshape(len(keys), -1)
    return z[0] if single else z
