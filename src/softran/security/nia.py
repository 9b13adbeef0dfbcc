"""The 5G integrity algorithms 128-NIA0 .. 128-NIA3 (TS 33.501 Annex D.3).

Inputs (clause D.3.1): 128-bit ``KEY``, 32-bit ``COUNT``, 5-bit ``BEARER``, 1-bit
``DIRECTION``, ``MESSAGE`` of ``LENGTH`` bits; the output is the 32-bit ``MAC-I`` (4 bytes).
One message (``bytes``) gives ``bytes``; a batch (list) gives a list, with the other inputs
one value for all or one per message.

* NIA0 (null integrity, TS 33.501 clause 5.11.1): MAC-I = 0.
* 128-NIA1 (D.3.2): UIA2 ``f9`` of SNOW 3G with ``FRESH = BEARER || 0^27`` (TS 33.401
  B.2.2), :func:`softran.security.uea2_uia2.uia2_f9_batch` (Numba).
* 128-NIA2 (D.3.3): AES-CMAC (NIST SP 800-38B) of ``M = COUNT || BEARER || DIRECTION ||
  0^26 || MESSAGE`` over ``LENGTH + 64`` bits, MAC-I = the first 32 bits of ``T`` (TS 33.401
  B.2.3). Whole-byte messages go to the ``cryptography`` package's CMAC (OpenSSL); a bit
  length that is not a multiple of 8 runs the CMAC construction of SP 800-38B on
  ``cryptography``'s AES (the CBC-MAC of the complete blocks in one AES-CBC call, the last
  block padded ``10...0`` and xored with subkey ``K2``) -- no hand-written AES.
* 128-NIA3 (D.3.4): 128-EIA3 of ZUC (TS 35.221), :func:`softran.security.eea3_eia3.eia3_batch`.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes
from cryptography.hazmat.primitives.cmac import CMAC

from softran.security.eea3_eia3 import eia3_batch, eia3_iv
from softran.security.inputs import (
    Data,
    MessageBatch,
    algorithm_inputs,
    is_single,
    single_message,
)
from softran.security.uea2_uia2 import f9_words, uia2_f9_batch
from softran.validation import check_choice

__all__ = ["NIA_ALGORITHMS", "aes_cmac_bits", "nia", "nia0", "nia1", "nia2", "nia3"]

#: Integrity algorithm identifiers of TS 33.501 clause 5.11.1 (4-bit values).
NIA_ALGORITHMS: dict[str, int] = {"NIA0": 0, "NIA1": 1, "NIA2": 2, "NIA3": 3}

Ints = int | Sequence[int] | np.ndarray


def _out(batch: MessageBatch, macs: np.ndarray) -> bytes | list[bytes]:
    raw = macs.astype(">u4").tobytes()
    parts = [raw[4 * i:4 * i + 4] for i in range(batch.n)]
    return parts[0] if batch.single else parts


def nia0(key: Any, count: Ints, bearer: Ints, direction: Ints, data: Data,
         length: Ints | None = None) -> bytes | list[bytes]:
    """NIA0, null integrity (TS 33.501 clause 5.11.1): MAC-I of 32 zero bits.

    >>> nia0(bytes(16), 1, 2, 0, b"abc").hex()
    '00000000'
    """
    batch, *_ = algorithm_inputs(key, count, bearer, direction, data, length)
    return _out(batch, np.zeros(batch.n, dtype=np.int64))


def nia1(key: Any, count: Ints, bearer: Ints, direction: Ints, data: Data,
         length: Ints | None = None) -> bytes | list[bytes]:
    """128-NIA1 = UIA2 f9 with ``FRESH = BEARER || 0^27`` (TS 33.501 D.3.2, TS 33.401 B.2.2).

    >>> nia1(bytes.fromhex("2bd6459f82c5b300952c49104881ff48"), 0x38a6f056, 0x1f, 0,
    ...      bytes.fromhex("3332346263393861373479"), 88).hex()
    '731f1165'
    """
    batch, keys, c, b, d = algorithm_inputs(key, count, bearer, direction, data, length)
    k, iv = f9_words(keys, c, b << 27, d)
    return _out(batch, uia2_f9_batch(k, iv, batch))


def _dbl(block: int) -> int:
    """Multiplication by x in GF(2^128) (the subkey step of SP 800-38B, R = 0x87)."""
    block <<= 1
    return (block ^ 0x87) & ((1 << 128) - 1) if block >> 128 else block


def aes_cmac_bits(key: bytes, message: bytes, n_bits: int) -> bytes:
    """AES-CMAC (NIST SP 800-38B clause 6.2) of the first ``n_bits`` bits of ``message``, a
    length in bits that need not be whole bytes; AES from ``cryptography``. The full 16-byte
    tag.

    >>> from cryptography.hazmat.primitives.cmac import CMAC
    >>> from cryptography.hazmat.primitives.ciphers import algorithms
    >>> c = CMAC(algorithms.AES(bytes(16))); c.update(b"abc")
    >>> aes_cmac_bits(bytes(16), b"abc", 24) == c.finalize()
    True
    """
    aes = algorithms.AES(key)
    ecb = Cipher(aes, modes.ECB()).encryptor()
    k1 = _dbl(int.from_bytes(ecb.update(bytes(16)), "big"))
    k2 = _dbl(k1)
    n_blocks = max(1, -(-n_bits // 128))
    used = (n_bits + 7) // 8
    msg = bytes(message[:used])
    head = msg[:16 * (n_blocks - 1)]
    tail_bits = n_bits - 128 * (n_blocks - 1)
    tail = int.from_bytes(msg[16 * (n_blocks - 1):].ljust(16, b"\x00"), "big")
    tail &= ((1 << 128) - 1) ^ ((1 << (128 - tail_bits)) - 1)      # drop bits after n_bits
    if tail_bits == 128:
        last = tail ^ k1
    else:
        last = tail | (1 << (127 - tail_bits))                       # the padding 10...0
        last ^= k2
    x = 0
    if head:
        cbc = Cipher(aes, modes.CBC(bytes(16))).encryptor()
        x = int.from_bytes(cbc.update(head)[-16:], "big")
    return ecb.update((x ^ last).to_bytes(16, "big"))


def nia2(key: Any, count: Ints, bearer: Ints, direction: Ints, data: Data,
         length: Ints | None = None) -> bytes | list[bytes]:
    """128-NIA2 = AES-CMAC (TS 33.501 D.3.3, TS 33.401 B.2.3) via ``cryptography``.

    >>> nia2(bytes.fromhex("d3c5d592327fb11c4035c6680af8c6d1"), 0x398a59b4, 0x1a, 1,
    ...      bytes.fromhex("484583d5afe082ae"), 64).hex()
    'b93787e6'
    """
    if is_single(data, key, count, bearer, direction, length):
        k, c1, b1, d1, msg, n = single_message(key, count, bearer, direction, data, length)
        m = ((c1 << 32) | (b1 << 27) | (d1 << 26)).to_bytes(8, "big") + msg
        if n % 8:
            return aes_cmac_bits(k, m, 64 + n)[:4]
        mac = CMAC(algorithms.AES(k))
        mac.update(m)
        return mac.finalize()[:4]
    batch, keys, c, b, d = algorithm_inputs(key, count, bearer, direction, data, length)
    head = ((c << 32) | (b << 27) | (d << 26)).astype(">u8").tobytes()
    raw = batch.buf.tobytes()
    off = batch.offsets.tolist()
    bits = batch.bits.tolist()
    same_key = bool((keys == keys[0]).all()) if batch.n else True
    aes = algorithms.AES(keys[0].tobytes()) if batch.n else None
    macs = np.empty(batch.n, dtype=np.int64)
    for j in range(batch.n):
        m = head[8 * j:8 * j + 8] + raw[off[j]:off[j + 1]]
        kj = aes if same_key else algorithms.AES(keys[j].tobytes())
        if bits[j] % 8 == 0:
            mac = CMAC(kj)
            mac.update(m)
            tag = mac.finalize()
        else:
            tag = aes_cmac_bits(keys[j].tobytes(), m, 64 + bits[j])
        macs[j] = int.from_bytes(tag[:4], "big")
    return _out(batch, macs)


def nia3(key: Any, count: Ints, bearer: Ints, direction: Ints, data: Data,
         length: Ints | None = None) -> bytes | list[bytes]:
    """128-NIA3 = 128-EIA3 of ZUC (TS 33.501 D.3.4, TS 35.221 clause 4).

    >>> nia3(bytes(16), 0, 0, 0, bytes(4), 1).hex()      # TS 35.223 clause 5.2, test set 1
    'c8a9595e'
    """
    batch, keys, c, b, d = algorithm_inputs(key, count, bearer, direction, data, length)
    return _out(batch, eia3_batch(keys, eia3_iv(c, b, d), batch))


_NIA = (nia0, nia1, nia2, nia3)


def nia(algorithm: int | str, key: Any, count: Ints, bearer: Ints, direction: Ints,
        data: Data, length: Ints | None = None) -> bytes | list[bytes]:
    """MAC-I of 128-NIA``algorithm`` (0..3 or ``"NIA0"`` .. ``"NIA3"``; TS 33.501 clause
    5.11.1 and Annex D.3) of one message or a batch.

    >>> [nia(a, bytes(16), 0, 0, 0, bytes(4), 1).hex() for a in (0, 3)]
    ['00000000', 'c8a9595e']
    """
    if isinstance(algorithm, str):
        algorithm = NIA_ALGORITHMS[check_choice("algorithm", algorithm, tuple(NIA_ALGORITHMS))]
    algorithm = check_choice("algorithm", algorithm, (0, 1, 2, 3))
    return _NIA[algorithm](key, count, bearer, direction, data, length)
