"""128-EEA3 and 128-EIA3: the ZUC confidentiality and integrity algorithms (TS 35.221 =
ETSI/SAGE 128-EEA3 & 128-EIA3 Document 1), batched over messages.

* :func:`eea3` (clause 3): ``IV = COUNT || BEARER || DIRECTION || 0^26 || COUNT || BEARER ||
  DIRECTION || 0^26`` (16 bytes); ``ceil(LENGTH / 32)`` keystream words are xored with the
  message.
* :func:`eia3` (clause 4): ``IV[0..3] = COUNT``, ``IV[4] = BEARER << 3``, ``IV[8] = COUNT[0]
  xor (DIRECTION << 7)``, ``IV[9..11] = COUNT[1..3]``, ``IV[12] = IV[4]``, ``IV[14] =
  DIRECTION << 7``, the rest 0; with ``L = ceil((LENGTH + 64) / 32)`` keystream words and
  ``z_i`` the 32-bit word starting at keystream bit ``i``: ``T = xor of z_i over the set
  message bits i``, then ``T xor z_LENGTH``, ``MAC = T xor z_{32 (L - 1)}``. This is the
  version of Document 1 v1.5 and later (TS 35.221 since 2011), whose test data are TS 35.223.

128-NEA3 and 128-NIA3 (TS 33.501 D.2.4 / D.3.4) are exactly these.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
from numba import njit

from softran.security import zuc
from softran.security.inputs import Data, MessageBatch, as_keys, as_uint_array, pack_messages

__all__ = ["eea3", "eea3_iv", "eia3", "eia3_batch", "eia3_iv"]


def _count_bytes(count: np.ndarray) -> np.ndarray:
    return np.stack([(count >> 24) & 0xFF, (count >> 16) & 0xFF, (count >> 8) & 0xFF,
                     count & 0xFF], axis=1)


def eea3_iv(count: np.ndarray, bearer: np.ndarray, direction: np.ndarray) -> np.ndarray:
    """The 16 IV bytes of 128-EEA3 (TS 35.221 clause 3.3), ``uint8[N, 16]``.

    >>> eea3_iv(np.array([0x66035492]), np.array([0xF]), np.array([0]))[0].tobytes().hex()
    '66035492780000006603549278000000'
    """
    n = count.shape[0]
    half = np.zeros((n, 8), dtype=np.int64)
    half[:, :4] = _count_bytes(count)
    half[:, 4] = (bearer << 3) | (direction << 2)
    return np.concatenate([half, half], axis=1).astype(np.uint8)


def eia3_iv(count: np.ndarray, bearer: np.ndarray, direction: np.ndarray) -> np.ndarray:
    """The 16 IV bytes of 128-EIA3 (TS 35.221 clause 4.3), ``uint8[N, 16]``.

    >>> eia3_iv(np.array([0x561EB2DD]), np.array([0x14]), np.array([1]))[0].tobytes().hex()
    '561eb2dda0000000d61eb2dda0008000'
    """
    n = count.shape[0]
    iv = np.zeros((n, 16), dtype=np.int64)
    cb = _count_bytes(count)
    iv[:, :4] = cb
    iv[:, 4] = bearer << 3
    iv[:, 8:12] = cb
    iv[:, 8] ^= direction << 7
    iv[:, 12] = iv[:, 4]
    iv[:, 14] = direction << 7
    return iv.astype(np.uint8)


def eea3(key: bytes | Sequence[bytes], count: int | Sequence[int], bearer: int | Sequence[int],
         direction: int | Sequence[int], data: Data,
         length: int | Sequence[int] | None = None) -> bytes | list[bytes]:
    """128-EEA3 (TS 35.221 clause 3) of one message or a batch; ``length`` in bits.

    >>> eea3(bytes.fromhex("173d14ba5003731d7a60049470f00a29"), 0x66035492, 0xF, 0,
    ...      bytes.fromhex("6cf65340735552ab0c9752fa6f9025fe0bd675d9005875b200"), 193).hex()
    'a6c85fc66afb8533aafc2518dfe784940ee1e4b030238cc800'
    """
    batch = pack_messages(data, length)
    n = batch.n
    iv = eea3_iv(as_uint_array("count", count, n, 32), as_uint_array("bearer", bearer, n, 5),
                 as_uint_array("direction", direction, n, 1))
    return batch.split(zuc.xor_batch(as_keys(key, n), iv, batch))


@njit(cache=True, nogil=True)
def _eia3_kernel(z: np.ndarray, starts: np.ndarray, buf: np.ndarray, offsets: np.ndarray,
                 bits: np.ndarray, out: np.ndarray) -> None:
    for j in range(bits.shape[0]):
        zs = starts[j]
        nw = starts[j + 1] - zs
        a = offsets[j]
        nbytes = offsets[j + 1] - a
        length = bits[j]
        t = 0
        for w in range((length + 31) // 32):
            m = 0
            for b in range(4):
                pos = 4 * w + b
                m = (m << 8) | (buf[a + pos] if pos < nbytes else 0)
            if m == 0:
                continue
            hi = z[zs + w]
            lo = z[zs + w + 1]
            for b in range(32):
                if (m >> (31 - b)) & 1:
                    t ^= ((hi << b) | (lo >> (32 - b))) & 0xFFFFFFFF
        w, b = length // 32, length % 32
        t ^= ((z[zs + w] << b) | (z[zs + w + 1] >> (32 - b))) & 0xFFFFFFFF
        out[j] = t ^ z[zs + nw - 1]


def eia3_batch(keys: np.ndarray, ivs: np.ndarray, batch: MessageBatch) -> np.ndarray:
    """128-EIA3 MACs of every message of ``batch`` (key / IV rows one per message; TS 35.221
    clause 4), as ``int64[N]`` 32-bit values.

    >>> z = np.zeros((1, 16), np.uint8)
    >>> iv = eia3_iv(np.array([0]), np.array([0]), np.array([0]))
    >>> hex(int(eia3_batch(z, iv, pack_messages(bytes(4), 1))[0]))    # TS 35.223 clause 5.2
    '0xc8a9595e'
    """
    n_words = (batch.bits + 64 + 31) // 32
    z, starts = zuc.keystream_batch(keys, ivs, n_words)
    out = np.empty(batch.n, dtype=np.int64)
    _eia3_kernel(z, starts, batch.buf, batch.offsets, batch.bits, out)
    return out


def eia3(key: bytes | Sequence[bytes], count: int | Sequence[int], bearer: int | Sequence[int],
         direction: int | Sequence[int], data: Data,
         length: int | Sequence[int] | None = None) -> bytes | list[bytes]:
    """128-EIA3 MAC (TS 35.221 clause 4), 4 bytes, of one message or each of a batch.

    >>> eia3(bytes(16), 0, 0, 0, bytes(4), 1).hex()       # TS 35.223 clause 5.2, test set 1
    'c8a9595e'
    """
    batch = pack_messages(data, length)
    n = batch.n
    iv = eia3_iv(as_uint_array("count", count, n, 32), as_uint_array("bearer", bearer, n, 5),
                 as_uint_array("direction", direction, n, 1))
    macs = eia3_batch(as_keys(key, n), iv, batch).astype(">u4").tobytes()
    parts = [macs[4 * i:4 * i + 4] for i in range(n)]
    return parts[0] if batch.single else parts
