"""SNOW 3G, the keystream generator of UEA2 / UIA2 and 128-NEA1 / 128-NIA1 (TS 35.216).

ETSI/SAGE *Specification of the 3GPP Confidentiality and Integrity Algorithms UEA2 & UIA2,
Document 2: SNOW 3G Specification* v1.1 (= 3GPP TS 35.216): a 16-stage LFSR of 32-bit words
over GF(2^32) and a finite state machine (FSM) of three 32-bit registers R1, R2, R3.

* LFSR (clause 3.2): ``v = (s0 << 8) xor MULa(s0 >> 24) xor s2 xor (s11 >> 8) xor
  DIVa(s11 & 0xff)`` (xor F in initialisation mode), the words shift down and ``s15 = v``.
  ``MULa`` and ``DIVa`` (clause 3.4.1 / 3.4.2) are 256-entry tables built once from
  ``MULxPOW(c, i, 0xA9)``.
* FSM (clause 3.3): ``F = (s15 + R1) xor R2``, ``r = R2 + (R3 xor s5)`` (additions mod 2^32),
  ``R3 = S2(R2)``, ``R2 = S1(R1)``, ``R1 = r``. The 32-bit S-boxes S1 and S2 are the
  MixColumn-like maps of the 8-bit S-boxes SR and SQ (``data/snow3g_sr.csv``,
  ``data/snow3g_sq.csv``); here they are four 256-entry word tables each (the table-driven
  form of Document 2 Annex 2), so one S-box costs four lookups.
* Initialisation (clause 4.1): the key words ``k0..k3`` and IV words ``IV0..IV3`` fill the
  LFSR, 32 clocks in initialisation mode, then one FSM clock is discarded (clause 4.2) and
  each keystream word is ``z_t = F xor s0``.

Key and IV bytes map to words as the implementors' test data print them: ``k0`` is the first
four bytes of the key (big endian), ``IV0`` the first four bytes of the IV (Document 3 clause
2.3). UEA2 / UIA2 order their words the other way round (see
:mod:`softran.security.uea2_uia2`). The kernels are batched: one call runs many independent
keystreams (one per PDU), one thread, the LFSR kept as a ring of 16 words.
"""

from __future__ import annotations

from functools import cache

import numpy as np
from numba import njit

from softran.security._bytes import xor_word
from softran.security.datafiles import sbox
from softran.security.inputs import MessageBatch, key_iv_pairs, zero_tail

__all__ = ["keystream_batch", "snow3g_keystream", "snow3g_tables", "xor_batch"]

_M32 = 0xFFFFFFFF


def _mulx_pow(v: np.ndarray, i: int, c: int) -> np.ndarray:
    """MULxPOW(V, i, c) of clause 3.1.2 for every byte of ``v`` (vectorised over ``v``)."""
    v = v.astype(np.int64)
    for _ in range(i):
        v = ((v << 1) & 0xFF) ^ np.where(v & 0x80, c, 0)
    return v


def _word_tables(s: np.ndarray, c: int) -> np.ndarray:
    """The four word tables of a 32-bit S-box (S1 with SR and 0x1B, S2 with SQ and 0x69):
    ``S(w) = T[0][w0] ^ T[1][w1] ^ T[2][w2] ^ T[3][w3]`` with ``w0`` the top byte."""
    s = s.astype(np.int64)
    m = _mulx_pow(s, 1, c)
    ms = m ^ s
    return np.stack([(m << 24) | (ms << 16) | (s << 8) | s,
                     (s << 24) | (m << 16) | (ms << 8) | s,
                     (s << 24) | (s << 16) | (m << 8) | ms,
                     (ms << 24) | (s << 16) | (s << 8) | m])


@cache
def _tables() -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    c = np.arange(256, dtype=np.int64)
    mul = (_mulx_pow(c, 23, 0xA9) << 24) | (_mulx_pow(c, 245, 0xA9) << 16) | \
        (_mulx_pow(c, 48, 0xA9) << 8) | _mulx_pow(c, 239, 0xA9)
    div = (_mulx_pow(c, 16, 0xA9) << 24) | (_mulx_pow(c, 39, 0xA9) << 16) | \
        (_mulx_pow(c, 6, 0xA9) << 8) | _mulx_pow(c, 64, 0xA9)
    s12 = np.concatenate([_word_tables(sbox("snow3g_sr"), 0x1B),
                          _word_tables(sbox("snow3g_sq"), 0x69)])
    for t in (mul, div, s12):
        t.setflags(write=False)
    return np.ascontiguousarray(mul), np.ascontiguousarray(div), np.ascontiguousarray(s12)


def snow3g_tables() -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """``(MULa, DIVa, S)``: ``int64[256]``, ``int64[256]`` and ``int64[8, 256]`` (rows 0-3 the
    word tables of S1, rows 4-7 those of S2), built once (TS 35.216 clauses 3.3, 3.4).

    >>> mul, div, s = snow3g_tables()
    >>> hex(int(mul[1])), hex(int(div[1]))     # MULa(0x01), DIVa(0x01)
    ('0xe19fcf13', '0x180f40cd')
    """
    return _tables()


# ---------------------------------------------------------------------------------------------
# kernels


@njit(cache=True, nogil=True, inline="always")
def _s_box(w: int, t: np.ndarray, base: int) -> int:
    return (t[base, (w >> 24) & 0xFF] ^ t[base + 1, (w >> 16) & 0xFF]
            ^ t[base + 2, (w >> 8) & 0xFF] ^ t[base + 3, w & 0xFF])


@njit(cache=True, nogil=True, inline="always")
def _fsm(s: np.ndarray, p: int, r1: int, r2: int, r3: int, t: np.ndarray
         ) -> tuple[int, int, int, int]:
    """Clock the FSM: returns ``(F, R1, R2, R3)``."""
    f = ((s[(p + 15) & 15] + r1) & 0xFFFFFFFF) ^ r2
    r = (r2 + (r3 ^ s[(p + 5) & 15])) & 0xFFFFFFFF
    return f, r, _s_box(r1, t, 0), _s_box(r2, t, 4)


@njit(cache=True, nogil=True, inline="always")
def _lfsr(s: np.ndarray, p: int, f: int, mul: np.ndarray, div: np.ndarray) -> int:
    """Clock the LFSR (``f = 0``: keystream mode); returns the new ring position."""
    s0 = s[p]
    s11 = s[(p + 11) & 15]
    v = (((s0 << 8) & 0xFFFFFFFF) ^ mul[s0 >> 24] ^ s[(p + 2) & 15] ^ (s11 >> 8)
         ^ div[s11 & 0xFF] ^ f)
    s[p] = v
    return (p + 1) & 15


@njit(cache=True, nogil=True)
def _setup(k: np.ndarray, iv: np.ndarray, s: np.ndarray, mul: np.ndarray, div: np.ndarray,
           t: np.ndarray) -> tuple[int, int, int, int]:
    """Load key words ``k[0..3]`` and IV words ``iv[0..3]`` (clause 4.1), run the 32
    initialisation clocks and the discarded keystream-mode clock; ``(p, R1, R2, R3)``."""
    ones = 0xFFFFFFFF
    s[15] = k[3] ^ iv[0]
    s[14] = k[2]
    s[13] = k[1]
    s[12] = k[0] ^ iv[1]
    s[11] = k[3] ^ ones
    s[10] = k[2] ^ ones ^ iv[2]
    s[9] = k[1] ^ ones ^ iv[3]
    s[8] = k[0] ^ ones
    s[7] = k[3]
    s[6] = k[2]
    s[5] = k[1]
    s[4] = k[0]
    s[3] = k[3] ^ ones
    s[2] = k[2] ^ ones
    s[1] = k[1] ^ ones
    s[0] = k[0] ^ ones
    p, r1, r2, r3 = 0, 0, 0, 0
    for _ in range(32):
        f, r1, r2, r3 = _fsm(s, p, r1, r2, r3, t)
        p = _lfsr(s, p, f, mul, div)
    f, r1, r2, r3 = _fsm(s, p, r1, r2, r3, t)
    p = _lfsr(s, p, 0, mul, div)
    return p, r1, r2, r3


@njit(cache=True, nogil=True)
def _keystream_kernel(k: np.ndarray, iv: np.ndarray, starts: np.ndarray, out: np.ndarray,
                      mul: np.ndarray, div: np.ndarray, t: np.ndarray) -> None:
    s = np.empty(16, dtype=np.int64)
    for j in range(k.shape[0]):
        p, r1, r2, r3 = _setup(k[j], iv[j], s, mul, div, t)
        for i in range(starts[j], starts[j + 1]):
            f, r1, r2, r3 = _fsm(s, p, r1, r2, r3, t)
            out[i] = f ^ s[p]
            p = _lfsr(s, p, 0, mul, div)


@njit(cache=True, nogil=True)
def _xor_kernel(k: np.ndarray, iv: np.ndarray, buf: np.ndarray, offsets: np.ndarray,
                mul: np.ndarray, div: np.ndarray, t: np.ndarray) -> None:
    s = np.empty(16, dtype=np.int64)
    for j in range(k.shape[0]):
        a, b = offsets[j], offsets[j + 1]
        if a == b:
            continue
        p, r1, r2, r3 = _setup(k[j], iv[j], s, mul, div, t)
        i = a
        while i < b:
            f, r1, r2, r3 = _fsm(s, p, r1, r2, r3, t)
            i = xor_word(buf, i, b, f ^ s[p])
            p = _lfsr(s, p, 0, mul, div)


# ---------------------------------------------------------------------------------------------
# batched entry points (words as int64 holding 32-bit values)


def keystream_batch(k_words: np.ndarray, iv_words: np.ndarray, n_words: np.ndarray
                    ) -> tuple[np.ndarray, np.ndarray]:
    """Keystreams of many (key, IV) pairs in one kernel call (TS 35.216 clause 4).

    ``k_words``, ``iv_words``: ``int64[N, 4]`` words ``k0..k3`` / ``IV0..IV3``; ``n_words``:
    ``int64[N]``. Returns ``(z, starts)``: keystream ``j`` is ``z[starts[j]:starts[j + 1]]``.

    >>> k = np.array([[0x2BD6459F, 0x82C5B300, 0x952C4910, 0x4881FF48]])
    >>> iv = np.array([[0xEA024714, 0xAD5C4D84, 0xDF1F9B25, 0x1C0BF45F]])
    >>> z, _ = keystream_batch(k, iv, np.array([2]))   # TS 35.217 SNOW 3G test set 1
    >>> [hex(int(w)) for w in z]
    ['0xabee9704', '0x7ac31373']
    """
    mul, div, t = _tables()
    starts = np.zeros(len(n_words) + 1, dtype=np.int64)
    np.cumsum(n_words, out=starts[1:])
    out = np.empty(int(starts[-1]), dtype=np.int64)
    _keystream_kernel(np.ascontiguousarray(k_words, dtype=np.int64),
                      np.ascontiguousarray(iv_words, dtype=np.int64), starts, out, mul, div, t)
    return out, starts


def xor_batch(k_words: np.ndarray, iv_words: np.ndarray, batch: MessageBatch) -> np.ndarray:
    """``batch`` xor its SNOW 3G keystreams, message ``j`` with key/IV row ``j``: the f8
    construction's core (TS 35.215 clause 3). Returns a new buffer with the bits after each
    message's length cleared.

    >>> from softran.security.inputs import pack_messages
    >>> k = np.array([[0x2BD6459F, 0x82C5B300, 0x952C4910, 0x4881FF48]])
    >>> iv = np.array([[0xEA024714, 0xAD5C4D84, 0xDF1F9B25, 0x1C0BF45F]])
    >>> xor_batch(k, iv, pack_messages(bytes(6))).tobytes().hex()     # = z1 || z2 (6 bytes)
    'abee97047ac3'
    """
    mul, div, t = _tables()
    buf = batch.buf.copy()
    _xor_kernel(np.ascontiguousarray(k_words, dtype=np.int64),
                np.ascontiguousarray(iv_words, dtype=np.int64), buf, batch.offsets, mul, div, t)
    zero_tail(buf, batch.offsets, batch.bits)
    return buf


def _words(b: np.ndarray) -> np.ndarray:
    """uint8 [N, 16] -> int64 [N, 4] big-endian words."""
    return b.reshape(-1, 4, 4).astype(np.int64) @ np.array([1 << 24, 1 << 16, 1 << 8, 1])


def snow3g_keystream(key: bytes | list[bytes], iv: bytes | list[bytes], n_words: int
                     ) -> np.ndarray:
    """``n_words`` 32-bit SNOW 3G keystream words ``z_1 .. z_n`` (TS 35.216 clause 4) for a
    128-bit key and IV, as ``uint32[n_words]``; with lists of keys / IVs, one row per pair
    (``uint32[N, n_words]``). Key and IV bytes give ``k0..k3`` / ``IV0..IV3`` in order, as in
    the implementors' test data (TS 35.217).

    >>> z = snow3g_keystream(bytes.fromhex("2BD6459F82C5B300952C49104881FF48"),
    ...                      bytes.fromhex("EA024714AD5C4D84DF1F9B251C0BF45F"), 2)
    >>> [f"{w:08x}" for w in z]                    # TS 35.217 SNOW 3G test set 1
    ['abee9704', '7ac31373']
    """
    keys, ivs, words, single = key_iv_pairs(key, iv, n_words)
    z, _ = keystream_batch(_words(keys), _words(ivs), words)
    z = z.astype(np.uint32).reshape(len(keys), -1)
    return z[0] if single else z
