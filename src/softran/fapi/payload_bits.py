"""Bit payloads in SCF 222 byte fields: the DCI payload of a PDCCH PDU (SCF 222.10.02
Table 3-37) and the HARQ / SR / CSI payloads of UCI.indication (Tables 3-69 to 3-72).

SCF 222 carries an ``n``-bit payload in ``ceil(n / 8)`` bytes. softran's convention (the
spec's text leaves the order to the figure): the first bit of the payload -- a_0 of the DCI
in TS 38.212 §7.3.1, the first HARQ-ACK / CSI bit in TS 38.212 §6.3.1.1 -- is the most
significant bit of byte 0, and unused bits of the last byte are zero.

>>> pack_payload([1, 0, 1, 1, 0, 0, 0, 0, 1])
b'\\xb0\\x80'
>>> unpack_payload(b"\\xb0\\x80", 9).tolist()
[1, 0, 1, 1, 0, 0, 0, 0, 1]
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import torch

from softran.validation import check_bytes, check_int

__all__ = ["pack_payload", "unpack_payload"]


def pack_payload(bits: Sequence[int] | torch.Tensor) -> bytes:
    """``ceil(n / 8)`` bytes holding the ``n`` bits (0/1), first bit in the MSB of byte 0
    (SCF 222.10.02 Table 3-37 ``Payload``, Tables 3-69..3-72).

    >>> pack_payload(torch.tensor([0, 0, 0, 0, 0, 0, 0, 1], dtype=torch.uint8))
    b'\\x01'
    """
    if isinstance(bits, torch.Tensor):
        arr = bits.detach().cpu().reshape(-1).numpy()
    else:
        arr = np.asarray(list(bits))
    if arr.size and (arr.dtype.kind not in "uib" or arr.min() < 0 or arr.max() > 1):
        raise ValueError("bits must hold only 0 and 1")
    return np.packbits(arr.astype(np.uint8)).tobytes()


def unpack_payload(data: bytes, n_bits: int) -> torch.Tensor:
    """The first ``n_bits`` bits of ``data`` as a uint8 tensor (MSB of byte 0 first), the
    inverse of :func:`pack_payload`; ``data`` must have exactly ``ceil(n_bits / 8)`` bytes.

    >>> unpack_payload(b"\\x80", 1)
    tensor([1], dtype=torch.uint8)
    """
    data = check_bytes("data", data)
    n_bits = check_int("n_bits", n_bits, 0, 8 * len(data))
    if len(data) != (n_bits + 7) // 8:
        raise ValueError(f"data has {len(data)} bytes; {n_bits} bits take "
                         f"{(n_bits + 7) // 8}")
    bits = np.unpackbits(np.frombuffer(data, dtype=np.uint8))[:n_bits]
    return torch.from_numpy(bits.copy())
