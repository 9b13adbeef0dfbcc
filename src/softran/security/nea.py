"""The 5G ciphering algorithms 128-NEA0 .. 128-NEA3 (TS 33.501 Annex D.2).

Inputs (clause D.2.1): 128-bit ``KEY``, 32-bit ``COUNT``, 5-bit ``BEARER``, 1-bit
``DIRECTION``, ``LENGTH`` in bits; the output has ``LENGTH`` bits (``ceil(LENGTH / 8)`` bytes,
the bits after ``LENGTH`` cleared). Each function takes one message (``bytes``, returns
``bytes``) or a batch (list of ``bytes``, returns a list); ``key`` / ``count`` / ``bearer`` /
``direction`` / ``length`` are one value for all or one per message. Ciphering and deciphering
are the same operation.

* NEA0 (null ciphering, TS 33.501 clause 5.11.1): the keystream is all zeros.
* 128-NEA1 (D.2.2): UEA2 ``f8`` of SNOW 3G with the same inputs (TS 33.401 B.1.2),
  :func:`softran.security.uea2_uia2.uea2_f8` -- a Numba kernel batched over the messages.
* 128-NEA2 (D.2.3): AES-128 in counter mode (TS 33.401 B.1.3) through the ``cryptography``
  package (OpenSSL): ``T1 = COUNT || BEARER || DIRECTION || 0^26 || 0^64``, ``T_i = T_{i-1} +
  1 mod 2^128``, one OpenSSL CTR pass per message.
* 128-NEA3 (D.2.4): 128-EEA3 of ZUC (TS 35.221), :func:`softran.security.eea3_eia3.eea3`.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes

from softran.security import snow3g, zuc
from softran.security.eea3_eia3 import eea3_iv
from softran.security.inputs import (
    Data,
    algorithm_inputs,
    as_uint_array,
    is_single,
    single_message,
)
from softran.security.uea2_uia2 import f8_words
from softran.validation import check_choice

__all__ = ["NEA_ALGORITHMS", "nea", "nea0", "nea1", "nea2", "nea2_counter_block", "nea3"]

#: Ciphering algorithm identifiers of TS 33.501 clause 5.11.1 (4-bit values).
NEA_ALGORITHMS: dict[str, int] = {"NEA0": 0, "NEA1": 1, "NEA2": 2, "NEA3": 3}

Ints = int | Sequence[int] | np.ndarray


def nea0(key: Any, count: Ints, bearer: Ints, direction: Ints, data: Data,
         length: Ints | None = None) -> bytes | list[bytes]:
    """NEA0, null ciphering (TS 33.501 clause 5.11.1): the message itself (inputs are checked
    as for the other algorithms).

    >>> nea0(bytes(16), 0, 0, 0, b"\\xab\\xcd", 12).hex()
    'abc0'
    """
    batch, *_ = algorithm_inputs(key, count, bearer, direction, data, length)
    return batch.split()


def nea1(key: Any, count: Ints, bearer: Ints, direction: Ints, data: Data,
         length: Ints | None = None) -> bytes | list[bytes]:
    """128-NEA1 = UEA2 f8 of SNOW 3G (TS 33.501 D.2.2, TS 33.401 B.1.2).

    >>> nea1(bytes.fromhex("D3C5D592327FB11C4035C6680AF8C6D1"), 0x398A59B4, 0x15, 1,
    ...      bytes.fromhex("981BA6824C1BFB1A"), 64).hex()
    '5d5bfe75eb04f68c'
    """
    batch, keys, c, b, d = algorithm_inputs(key, count, bearer, direction, data, length)
    k, iv = f8_words(keys, c, b, d)
    return batch.split(snow3g.xor_batch(k, iv, batch))


def nea2_counter_block(count: int, bearer: int, direction: int) -> bytes:
    """``T1 = COUNT || BEARER || DIRECTION || 0^26 || 0^64``, the first counter block of
    128-NEA2 (TS 33.401 B.1.3).

    >>> nea2_counter_block(0x398A59B4, 0x15, 1).hex()
    '398a59b4ac0000000000000000000000'
    """
    c = as_uint_array("count", count, 1, 32)[0]
    b = as_uint_array("bearer", bearer, 1, 5)[0]
    d = as_uint_array("direction", direction, 1, 1)[0]
    return ((int(c) << 96) | (int(b) << 91) | (int(d) << 90)).to_bytes(16, "big")


def _ctr(key: bytes, count: int, bearer: int, direction: int, msg: bytes, bits: int,
         aes: algorithms.AES | None = None) -> bytes:
    """One message in OpenSSL's AES-CTR from ``T1`` (the 128-bit counter of TS 33.401 B.1.3
    increments modulo 2^128, as CTR mode does); bits after ``bits`` cleared."""
    t1 = ((count << 96) | (bearer << 91) | (direction << 90)).to_bytes(16, "big")
    out = Cipher(aes or algorithms.AES(key), modes.CTR(t1)).encryptor().update(msg)
    if bits % 8:
        out = out[:-1] + bytes([out[-1] & (0xFF << (8 - bits % 8)) & 0xFF])
    return out


def nea2(key: Any, count: Ints, bearer: Ints, direction: Ints, data: Data,
         length: Ints | None = None) -> bytes | list[bytes]:
    """128-NEA2 = AES-128-CTR (TS 33.501 D.2.3, TS 33.401 B.1.3) via ``cryptography``: one
    OpenSSL CTR pass per message (the AES key schedule shared by messages of one key).

    >>> nea2(bytes.fromhex("d3c5d592327fb11c4035c6680af8c6d1"), 0x398a59b4, 0x15, 1,
    ...      bytes.fromhex("981ba6824c1bfb1ab485472029b71d80"), 128).hex()
    'e9fed8a63d155304d71df20bf3e82214'
    """
    if is_single(data, key, count, bearer, direction, length):
        return _ctr(*single_message(key, count, bearer, direction, data, length))
    batch, keys, c, b, d = algorithm_inputs(key, count, bearer, direction, data, length)
    raw, off, bits = batch.buf.tobytes(), batch.offsets.tolist(), batch.bits.tolist()
    cl, bl, dl = c.tolist(), b.tolist(), d.tolist()
    cache: dict[bytes, algorithms.AES] = {}
    out = []
    for j in range(batch.n):
        kj = keys[j].tobytes()
        aes = cache.get(kj)
        if aes is None:
            aes = cache[kj] = algorithms.AES(kj)
        out.append(_ctr(kj, cl[j], bl[j], dl[j], raw[off[j]:off[j + 1]], bits[j], aes))
    return out[0] if batch.single else out


def nea3(key: Any, count: Ints, bearer: Ints, direction: Ints, data: Data,
         length: Ints | None = None) -> bytes | list[bytes]:
    """128-NEA3 = 128-EEA3 of ZUC (TS 33.501 D.2.4, TS 35.221 clause 3).

    >>> nea3(bytes.fromhex("173d14ba5003731d7a60049470f00a29"), 0x66035492, 0xF, 0,
    ...      bytes.fromhex("6cf65340735552ab"), 64).hex()
    'a6c85fc66afb8533'
    """
    batch, keys, c, b, d = algorithm_inputs(key, count, bearer, direction, data, length)
    return batch.split(zuc.xor_batch(keys, eea3_iv(c, b, d), batch))


_NEA = (nea0, nea1, nea2, nea3)


def nea(algorithm: int | str, key: Any, count: Ints, bearer: Ints, direction: Ints,
        data: Data, length: Ints | None = None) -> bytes | list[bytes]:
    """128-NEA``algorithm`` (0..3, or ``"NEA0"`` .. ``"NEA3"``; TS 33.501 clause 5.11.1 and
    Annex D.2) of one message or a batch.

    >>> msg = bytes(range(10))
    >>> k = bytes(16)
    >>> all(nea(a, k, 7, 3, 1, nea(a, k, 7, 3, 1, msg, 75), 75) == msg[:9] + b"\\x00"
    ...     for a in range(4))              # deciphering = ciphering; 75 bits kept
    True
    """
    if isinstance(algorithm, str):
        algorithm = NEA_ALGORITHMS[check_choice("algorithm", algorithm, tuple(NEA_ALGORITHMS))]
    algorithm = check_choice("algorithm", algorithm, (0, 1, 2, 3))
    return _NEA[algorithm](key, count, bearer, direction, data, length)
