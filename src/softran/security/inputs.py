"""The inputs of the 3GPP ciphering and integrity algorithms, checked and batched.

TS 33.501 clauses D.2.1 and D.3.1 (as TS 33.401 B.1.1 / B.2.1): 128-bit ``KEY``, 32-bit
``COUNT``, 5-bit ``BEARER``, 1-bit ``DIRECTION`` (0 uplink, 1 downlink) and ``LENGTH``, the
number of message **bits** (any number, not only whole bytes). A message is given as bytes,
most significant bit first; with a ``LENGTH`` that is not a multiple of 8 the low bits of the
last byte are not part of it. Every algorithm of :mod:`softran.security` takes one message
(``bytes``) or a batch (a list of ``bytes``), with ``key``, ``count``, ``bearer``,
``direction`` and ``length`` either one value for all messages or one per message.

:func:`pack_messages` lays a batch out as one flat ``uint8`` buffer with byte offsets (what
the Numba kernels walk); :func:`zero_tail` clears the bits after ``LENGTH`` in each message's
last byte (the algorithms' output convention: the test data of TS 35.217 / 35.223 / 33.401
Annex C show those bits as 0).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from softran.validation import check_int

__all__ = ["MessageBatch", "algorithm_inputs", "as_keys", "as_uint_array", "is_single",
           "key_iv_pairs", "pack_messages", "single_message", "zero_tail"]

Data = bytes | bytearray | memoryview | Sequence[bytes | bytearray | memoryview]


@dataclass(frozen=True)
class MessageBatch:
    """A batch of bit strings as one flat buffer.

    Attributes:
        buf: ``uint8`` flat buffer holding message ``i`` in ``buf[offsets[i]:offsets[i + 1]]``
            (``ceil(bits[i] / 8)`` bytes each, the bits after ``bits[i]`` cleared).
        offsets: ``int64[n + 1]`` byte offsets.
        bits: ``int64[n]`` message lengths in bits.
        single: the caller gave one message (results are returned as one ``bytes``).
    """

    buf: np.ndarray
    offsets: np.ndarray
    bits: np.ndarray
    single: bool

    @property
    def n(self) -> int:
        """Number of messages."""
        return int(self.bits.shape[0])

    def split(self, buf: np.ndarray | None = None) -> bytes | list[bytes]:
        """``buf`` (default: this batch's buffer) cut at :attr:`offsets`: one ``bytes`` for a
        single message, else a list."""
        raw = (self.buf if buf is None else buf).tobytes()
        off = self.offsets.tolist()
        parts = [raw[off[i]:off[i + 1]] for i in range(len(off) - 1)]
        return parts[0] if self.single else parts


def _is_bytes(x: object) -> bool:
    return isinstance(x, (bytes, bytearray, memoryview))


def is_single(data: Any, *values: Any) -> bool:
    """One message with scalar inputs (the fast path of the AES algorithms, no numpy).

    >>> is_single(b"abc", bytes(16), 1, 2, 0, None), is_single([b"abc"], bytes(16), 1, 2, 0)
    (True, False)
    """
    return _is_bytes(data) and all(v is None or isinstance(v, (int, bytes, bytearray))
                                   for v in values)


def single_message(key: Any, count: int, bearer: int, direction: int, data: bytes,
                   length: int | None) -> tuple[bytes, int, int, int, bytes, int]:
    """Check the inputs of one message: ``(key, count, bearer, direction, message, bits)``
    with the message cut to ``ceil(bits / 8)`` bytes and the bits after ``bits`` cleared.

    >>> single_message(bytes(16), 1, 2, 0, b"\\xff\\xff", 9)[4]
    b'\\xff\\x80'
    """
    if not _is_bytes(key):
        raise TypeError(f"key must be bytes or a list of bytes, got {type(key).__name__}")
    key = bytes(key)
    if len(key) != 16:
        raise ValueError(f"key has {len(key)} bytes; a 128-bit key has 16")
    count = check_int("count", count, 0, 0xFFFFFFFF)
    bearer = check_int("bearer", bearer, 0, 31)
    direction = check_int("direction", direction, 0, 1)
    msg = bytes(data)
    bits = 8 * len(msg) if length is None else check_int("length", length, 0)
    if bits > 8 * len(msg):
        raise ValueError(f"length = {bits} bits is more than the {8 * len(msg)} bits of the "
                         "message")
    msg = msg[:(bits + 7) // 8]
    if bits % 8:
        msg = msg[:-1] + bytes([msg[-1] & (0xFF << (8 - bits % 8)) & 0xFF])
    return key, count, bearer, direction, msg, bits


def as_uint_array(name: str, value: Any, n: int, bits: int) -> np.ndarray:
    """``value`` (one integer, or one per message) as ``int64[n]``, each in ``0 .. 2^bits - 1``.

    >>> as_uint_array("bearer", 3, 2, 5).tolist(), as_uint_array("count", [1, 2], 2, 32).tolist()
    ([3, 3], [1, 2])
    """
    high = (1 << bits) - 1
    if isinstance(value, (np.ndarray, list, tuple)):
        arr = np.asarray(value)
        if arr.ndim != 1 or arr.shape[0] != n:
            raise ValueError(f"{name} has shape {tuple(arr.shape)}; give one integer or one per "
                             f"message ({n})")
        if arr.size and arr.dtype.kind not in "iu":
            raise TypeError(f"{name} must hold integers, got dtype {arr.dtype}")
        arr = arr.astype(np.int64)
        bad = np.nonzero((arr < 0) | (arr > high))[0]
        if bad.size:
            raise ValueError(f"{name}[{int(bad[0])}] = {int(arr[bad[0]])} is out of range; "
                             f"allowed: 0..{high}")
        return arr
    return np.full(n, check_int(name, value, 0, high), dtype=np.int64)


def as_keys(key: Any, n: int, size: int = 16, name: str = "key") -> np.ndarray:
    """``key`` (one ``size``-byte key, or one per message) as ``uint8[n, size]``.

    >>> as_keys(bytes(range(16)), 2).shape
    (2, 16)
    """
    if _is_bytes(key):
        k = bytes(key)
        if len(k) != size:
            raise ValueError(f"{name} has {len(k)} bytes; a {8 * size}-bit key has {size}")
        return np.tile(np.frombuffer(k, dtype=np.uint8), (n, 1))
    if isinstance(key, np.ndarray):
        if key.dtype != np.uint8 or key.shape != (n, size):
            raise ValueError(f"{name} array must be uint8 [{n}, {size}], got {key.dtype} "
                             f"{list(key.shape)}")
        return key
    if isinstance(key, (list, tuple)):
        if len(key) != n:
            raise ValueError(f"{name} holds {len(key)} keys; give one key or one per message "
                             f"({n})")
        rows = []
        for i, k in enumerate(key):
            if not _is_bytes(k) or len(bytes(k)) != size:
                raise ValueError(f"{name}[{i}] must be {size} bytes")
            rows.append(bytes(k))
        return np.frombuffer(b"".join(rows), dtype=np.uint8).reshape(n, size)
    raise TypeError(f"{name} must be bytes or a list of bytes, got {type(key).__name__}")


def key_iv_pairs(key: Any, iv: Any, n_words: Any) -> tuple[np.ndarray, np.ndarray, np.ndarray,
                                                           bool]:
    """One (key, IV) pair or lists of them, for a raw keystream: ``(keys uint8[N, 16], ivs
    uint8[N, 16], n_words int64[N], single)``.

    >>> k, v, n, single = key_iv_pairs(bytes(16), bytes(16), 3)
    >>> k.shape, n.tolist(), single
    ((1, 16), [3], True)
    """
    single = _is_bytes(key)
    n = 1 if single else len(key)
    if not single and (_is_bytes(iv) or len(iv) != n):
        raise ValueError("give one key and one IV, or lists of keys and IVs of the same length")
    return (as_keys(key, n), as_keys(iv, n, name="iv"), as_uint_array("n_words", n_words, n, 40),
            single)


def pack_messages(data: Data, length: int | Sequence[int] | np.ndarray | None = None
                  ) -> MessageBatch:
    """Check and flatten one message (``bytes``) or a batch (list of ``bytes``) with lengths in
    bits (default: all of each message's bytes). Message ``i`` keeps ``ceil(length_i / 8)``
    bytes; the bits after ``length_i`` are cleared.

    >>> b = pack_messages([b"\\xff\\xff", b"\\xff"], [9, 3])
    >>> b.offsets.tolist(), b.buf.tolist()
    ([0, 2, 3], [255, 128, 224])
    """
    single = _is_bytes(data)
    if single:
        msgs = [bytes(data)]
    elif isinstance(data, (list, tuple)):
        msgs = []
        for i, m in enumerate(data):
            if not _is_bytes(m):
                raise TypeError(f"data[{i}] must be bytes, got {type(m).__name__}")
            msgs.append(bytes(m))
    else:
        raise TypeError(f"data must be bytes or a list of bytes, got {type(data).__name__}")
    n = len(msgs)
    avail = np.fromiter((8 * len(m) for m in msgs), dtype=np.int64, count=n)
    if length is None:
        bits = avail
    elif single:
        bits = np.array([check_int("length", length, 0)], dtype=np.int64)
    else:
        bits = as_uint_array("length", length, n, 62)
    over = np.nonzero(bits > avail)[0]
    if over.size:
        i = int(over[0])
        name = "length" if single else f"length[{i}]"
        raise ValueError(f"{name} = {int(bits[i])} bits is more than the {int(avail[i])} bits "
                         "of the message")
    nbytes = (bits + 7) // 8
    offsets = np.zeros(n + 1, dtype=np.int64)
    np.cumsum(nbytes, out=offsets[1:])
    if np.array_equal(nbytes * 8, avail):
        buf = np.frombuffer(b"".join(msgs), dtype=np.uint8).copy()
    else:
        buf = np.frombuffer(b"".join(m[:k] for m, k in zip(msgs, nbytes.tolist(), strict=True)),
                            dtype=np.uint8).copy()
    zero_tail(buf, offsets, bits)
    return MessageBatch(buf, offsets, bits, single)


def algorithm_inputs(key: Any, count: Any, bearer: Any, direction: Any, data: Data,
                     length: Any) -> tuple[MessageBatch, np.ndarray, np.ndarray, np.ndarray,
                                           np.ndarray]:
    """The checked inputs of a NEA / NIA call as ``(batch, keys uint8[N, 16], count, bearer,
    direction int64[N])`` (TS 33.501 D.2.1 / D.3.1).

    >>> b, k, c, br, d = algorithm_inputs(bytes(16), [1, 2], 3, 1, [b"a", b"bc"], None)
    >>> k.shape, c.tolist(), br.tolist(), b.bits.tolist()
    ((2, 16), [1, 2], [3, 3], [8, 16])
    """
    batch = pack_messages(data, length)
    n = batch.n
    return (batch, as_keys(key, n), as_uint_array("count", count, n, 32),
            as_uint_array("bearer", bearer, n, 5), as_uint_array("direction", direction, n, 1))


def zero_tail(buf: np.ndarray, offsets: np.ndarray, bits: np.ndarray) -> None:
    """Clear, in place, the bits after ``bits[i]`` in the last byte of each message.

    >>> buf = np.array([0xff, 0xff], dtype=np.uint8)
    >>> zero_tail(buf, np.array([0, 2]), np.array([12])); buf.tolist()
    [255, 240]
    """
    rem = bits % 8
    sel = np.nonzero(rem)[0]
    if sel.size:
        last = offsets[1:][sel] - 1
        buf[last] &= (0xFF << (8 - rem[sel])).astype(np.uint8)
