"""The generic key derivation function of 3GPP (TS 33.220 Annex B.2).

``derived key = HMAC-SHA-256(Key, S)`` with ``S = FC || P0 || L0 || P1 || L1 || ... || Pn ||
Ln``: ``FC`` is one octet naming the derivation, each parameter ``Pi`` an octet string and
``Li`` its length in octets as two octets, big endian (clause B.2.2). The output is 256 bits;
a 128-bit key is its 128 least significant bits, the last 16 octets (TS 33.501 A.8).
"""

from __future__ import annotations

import hashlib
import hmac

from softran.validation import check_bytes, check_int

__all__ = ["kdf", "kdf_input", "truncate_key"]


def kdf_input(fc: int, *params: bytes) -> bytes:
    """The input string ``S = FC || P0 || L0 || P1 || L1 ...`` of TS 33.220 B.2.2.

    >>> kdf_input(0x69, b"\\x03", b"\\x02").hex()     # FC, P0, L0 = 1, P1, L1 = 1
    '69030001020001'
    """
    out = bytes([check_int("fc", fc, 0, 0xFF)])
    for i, p in enumerate(params):
        p = check_bytes(f"params[{i}]", p)
        if len(p) > 0xFFFF:
            raise ValueError(f"params[{i}] has {len(p)} octets; L{i} is two octets (<= 65535)")
        out += p + len(p).to_bytes(2, "big")
    return out


def kdf(key: bytes, fc: int, *params: bytes) -> bytes:
    """``HMAC-SHA-256(key, S)`` (TS 33.220 B.2.1), 32 octets, ``S`` from :func:`kdf_input`.

    >>> kdf(bytes(32), 0x69, b"\\x03", b"\\x02").hex()[:16]
    'bb0fb24da3feeb32'
    """
    key = check_bytes("key", key)
    return hmac.new(key, kdf_input(fc, *params), hashlib.sha256).digest()


def truncate_key(key: bytes, n_bits: int = 128) -> bytes:
    """The ``n_bits`` least significant bits of a KDF output (TS 33.501 A.8: an algorithm key
    of n bits is the n least significant bits of the 256).

    >>> truncate_key(bytes(range(32))).hex()
    '101112131415161718191a1b1c1d1e1f'
    """
    key = check_bytes("key", key)
    n_bits = check_int("n_bits", n_bits, 8, 8 * len(key))
    if n_bits % 8:
        raise ValueError(f"n_bits = {n_bits} is not a whole number of octets")
    return key[len(key) - n_bits // 8:]
