"""UEA2 ``f8`` and UIA2 ``f9``: the SNOW 3G confidentiality and integrity constructions
(TS 35.215 = ETSI/SAGE UEA2 & UIA2 Document 1), batched over messages.

* :func:`uea2_f8` (clause 3): key words ``K3 || K2 || K1 || K0 = CK`` (``K3`` the first four
  bytes), ``IV3 = COUNT``, ``IV2 = BEARER || DIRECTION || 0^26``, ``IV1 = COUNT``,
  ``IV0 = BEARER || DIRECTION || 0^26``; the message is xored with the keystream.
* :func:`uia2_f9` (clause 4): ``IV3 = COUNT``, ``IV2 = FRESH``, ``IV1 = COUNT xor
  (DIRECTION << 31)``, ``IV0 = FRESH xor (DIRECTION << 15)``; five keystream words give
  ``P = z1 || z2``, ``Q = z3 || z4``; the message's 64-bit blocks ``M_i`` (the last one
  zero-padded) are evaluated as ``EVAL = (EVAL xor M_i) * P`` in GF(2^64) modulo
  ``x^64 + x^4 + x^3 + x + 1``, then ``EVAL xor LENGTH``, times ``Q``;
  ``MAC-I = (EVAL >> 32) xor z5``.

128-NEA1 and 128-NIA1 (TS 33.501 D.2.2 / D.3.2, TS 33.401 B.1.2 / B.2.2) are these with
``FRESH = BEARER || 0^27`` for the integrity one: see :mod:`softran.security.nea` and
:mod:`softran.security.nia`.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
from numba import njit

from softran.security import snow3g
from softran.security.inputs import Data, MessageBatch, as_keys, as_uint_array, pack_messages

__all__ = ["f8_words", "f9_words", "uea2_f8", "uia2_f9", "uia2_f9_batch"]

_WEIGHTS = np.array([1 << 24, 1 << 16, 1 << 8, 1], dtype=np.int64)


def _key_words(keys: np.ndarray) -> np.ndarray:
    """uint8 [N, 16] keys -> int64 [N, 4] words (k0, k1, k2, k3) with K3 = first 4 bytes."""
    return (keys.reshape(-1, 4, 4).astype(np.int64) @ _WEIGHTS)[:, ::-1].copy()


def f8_words(keys: np.ndarray, count: np.ndarray, bearer: np.ndarray, direction: np.ndarray
             ) -> tuple[np.ndarray, np.ndarray]:
    """SNOW 3G key and IV words ``(k0..k3, IV0..IV3)`` of f8 (TS 35.215 clause 3.4), one row
    per message; inputs as ``uint8[N, 16]`` and ``int64[N]``.

    >>> k, iv = f8_words(np.zeros((1, 16), np.uint8), np.array([5]), np.array([1]),
    ...                  np.array([1]))
    >>> [hex(int(w)) for w in iv[0]]
    ['0xc000000', '0x5', '0xc000000', '0x5']
    """
    bd = (bearer << 27) | (direction << 26)
    return _key_words(keys), np.stack([bd, count, bd, count], axis=1)


def f9_words(keys: np.ndarray, count: np.ndarray, fresh: np.ndarray, direction: np.ndarray
             ) -> tuple[np.ndarray, np.ndarray]:
    """SNOW 3G key and IV words of f9 (TS 35.215 clause 4.4), one row per message.

    >>> k, iv = f9_words(np.zeros((1, 16), np.uint8), np.array([5]), np.array([7]),
    ...                  np.array([1]))
    >>> [hex(int(w)) for w in iv[0]]
    ['0x8007', '0x80000005', '0x7', '0x5']
    """
    return _key_words(keys), np.stack([fresh ^ (direction << 15), count ^ (direction << 31),
                                       fresh, count], axis=1)


def uea2_f8(key: bytes | Sequence[bytes], count: int | Sequence[int], bearer: int | Sequence[int],
            direction: int | Sequence[int], data: Data,
            length: int | Sequence[int] | None = None) -> bytes | list[bytes]:
    """UEA2 f8 (TS 35.215 clause 3): ``data`` xor the SNOW 3G keystream; one message
    (``bytes``) or a batch (list). ``length`` in bits (default all bytes); the output has
    ``ceil(length / 8)`` bytes with the bits after ``length`` cleared.

    >>> uea2_f8(bytes.fromhex("D3C5D592327FB11C4035C6680AF8C6D1"), 0x398A59B4, 0x15, 1,
    ...         bytes.fromhex("981BA6824C1BFB1AB485472029B71D80"), 128).hex()
    '5d5bfe75eb04f68ce0a12377ea00b37d'
    """
    batch = pack_messages(data, length)
    n = batch.n
    k, iv = f8_words(as_keys(key, n), as_uint_array("count", count, n, 32),
                     as_uint_array("bearer", bearer, n, 5),
                     as_uint_array("direction", direction, n, 1))
    return batch.split(snow3g.xor_batch(k, iv, batch))


# ---------------------------------------------------------------------------------------------
# f9: polynomial evaluation in GF(2^64), 64-bit values as (high, low) 32-bit halves


@njit(cache=True, nogil=True, inline="always")
def _mul64(vh: int, vl: int, ph: int, pl: int) -> tuple[int, int]:
    """V * P in GF(2^64) modulo x^64 + x^4 + x^3 + x + 1 (MUL64 of TS 35.215 clause 4.3)."""
    rh, rl = 0, 0
    for i in range(64):
        bit = (pl >> i) & 1 if i < 32 else (ph >> (i - 32)) & 1
        if bit:
            rh ^= vh
            rl ^= vl
        carry = vh >> 31
        vh = ((vh << 1) | (vl >> 31)) & 0xFFFFFFFF
        vl = (vl << 1) & 0xFFFFFFFF
        if carry:
            vl ^= 0x1B
    return rh, rl


@njit(cache=True, nogil=True)
def _f9_kernel(z: np.ndarray, buf: np.ndarray, offsets: np.ndarray, bits: np.ndarray,
               out: np.ndarray) -> None:
    for j in range(bits.shape[0]):
        z1, z2, z3, z4, z5 = z[5 * j], z[5 * j + 1], z[5 * j + 2], z[5 * j + 3], z[5 * j + 4]
        a = offsets[j]
        nbytes = offsets[j + 1] - a
        length = bits[j]
        eh, el = 0, 0
        for blk in range((length + 63) // 64):
            mh, ml = 0, 0
            for b in range(8):                       # 8 bytes, zero beyond the message
                pos = 8 * blk + b
                byte = buf[a + pos] if pos < nbytes else 0
                if b < 4:
                    mh = (mh << 8) | byte
                else:
                    ml = (ml << 8) | byte
            eh, el = _mul64(eh ^ mh, el ^ ml, z1, z2)
        eh ^= (length >> 32) & 0xFFFFFFFF
        el ^= length & 0xFFFFFFFF
        eh, el = _mul64(eh, el, z3, z4)
        out[j] = eh ^ z5


def uia2_f9_batch(k_words: np.ndarray, iv_words: np.ndarray, batch: MessageBatch) -> np.ndarray:
    """f9 MAC-I of every message of ``batch`` (its unused trailing bits already zero), key /
    IV words one row per message (TS 35.215 clause 4); ``int64[N]`` 32-bit values.

    >>> keys = np.frombuffer(bytes.fromhex("2BD6459F82C5B300952C49104881FF48"), np.uint8)
    >>> k, iv = f9_words(keys.reshape(1, 16), np.array([0x38A6F056]), np.array([0xB8AEFDA9]),
    ...                  np.array([0]))
    >>> hex(int(uia2_f9_batch(k, iv, pack_messages(bytes.fromhex("3332346263393861373479")))[0]))
    '0xee419e0d'
    """
    z, _ = snow3g.keystream_batch(k_words, iv_words, np.full(batch.n, 5, dtype=np.int64))
    out = np.empty(batch.n, dtype=np.int64)
    _f9_kernel(z, batch.buf, batch.offsets, batch.bits, out)
    return out


def uia2_f9(key: bytes | Sequence[bytes], count: int | Sequence[int], fresh: int | Sequence[int],
            direction: int | Sequence[int], data: Data,
            length: int | Sequence[int] | None = None) -> bytes | list[bytes]:
    """UIA2 f9 (TS 35.215 clause 4): the 32-bit MAC-I (4 bytes) of one message or of each
    message of a batch; ``length`` in bits.

    >>> uia2_f9(bytes.fromhex("2BD6459F82C5B300952C49104881FF48"), 0x38A6F056, 0xB8AEFDA9, 0,
    ...         bytes.fromhex("3332346263393861373479"), 88).hex()
    'ee419e0d'
    """
    batch = pack_messages(data, length)
    n = batch.n
    k, iv = f9_words(as_keys(key, n), as_uint_array("count", count, n, 32),
                     as_uint_array("fresh", fresh, n, 32),
                     as_uint_array("direction", direction, n, 1))
    macs = uia2_f9_batch(k, iv, batch).astype(">u4").tobytes()
    parts = [macs[4 * i:4 * i + 4] for i in range(n)]
    return parts[0] if batch.single else parts
