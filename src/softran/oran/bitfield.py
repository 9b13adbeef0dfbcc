"""Bit-exact packing of fixed-width two's-complement samples, MSB first (O-RAN CUS byte order).

O-RAN.WG4.CUS.0 packs IQ samples (U-plane, clause 8 "U-plane protocol", IQ data format),
beamforming weights (section extensions 1 and 11) and channel-information samples (section
type 6) the same way: each value occupies exactly ``width`` bits in two's complement, the
values follow each other MSB first with no padding between them, and bytes are sent in
network order. :func:`pack_signed` and :func:`unpack_signed` do that, vectorised with torch
(no Python loop over samples). The batched steps behind the U-plane PRB packing keep the
leading dimensions: :func:`unsigned_bits`, :func:`bits_to_bytes`, :func:`bytes_to_bits` and
:func:`signed_from_bits`.

The wire is bytes, so the packed form always lives in host memory; :func:`unpack_signed`
returns a CPU tensor (move it to a device yourself if needed).
"""

from __future__ import annotations

import torch

from softran.oran.errors import FronthaulDecodeError
from softran.validation import check_int, check_tensor

__all__ = [
    "bits_to_bytes",
    "bytes_to_bits",
    "pack_signed",
    "packed_size",
    "signed_from_bits",
    "unpack_signed",
    "unsigned_bits",
]


def packed_size(count: int, width: int) -> int:
    """Number of bytes that ``count`` samples of ``width`` bits occupy (last byte zero-padded).

    >>> packed_size(24, 9)   # one BFP-9 PRB (12 REs x I/Q) without its exponent byte
    27
    """
    count = check_int("count", count, 0)
    width = check_int("width", width, 1, 32)
    return (count * width + 7) // 8


def pack_signed(values: torch.Tensor, width: int) -> bytes:
    """Pack integers into ``width``-bit two's-complement fields, MSB first, zero-padded to a byte.

    Args:
        values: integer tensor ``[...]``; packed in row-major (C) order. Every value must lie in
            ``[-2^(width-1), 2^(width-1) - 1]`` (nothing is clipped).
        width: bits per value, 1..32.

    Returns:
        ``packed_size(values.numel(), width)`` bytes.

    >>> pack_signed(torch.tensor([1000, -500]), 16).hex()
    '03e8fe0c'
    >>> pack_signed(torch.tensor([-141, 97]), 9).hex()   # BFP-9 mantissas, 18 bits + 6 pad
    'b99840'
    """
    values = check_tensor("values", values)
    width = check_int("width", width, 1, 32)
    if values.is_floating_point() or values.is_complex() or values.dtype == torch.bool:
        raise TypeError(f"values must be an integer tensor, got dtype {values.dtype}")
    flat = values.reshape(-1).to(device="cpu", dtype=torch.int64)
    if flat.numel() == 0:
        return b""
    low, high = -(1 << (width - 1)), (1 << (width - 1)) - 1
    bad = (flat < low) | (flat > high)
    if bool(bad.any()):
        raise ValueError(f"values must lie in {low}..{high} for width {width}; "
                         f"found {int(flat[bad][0])}")
    unsigned = flat & ((1 << width) - 1)
    shifts = torch.arange(width - 1, -1, -1, dtype=torch.int64)
    bits = ((unsigned[:, None] >> shifts) & 1).reshape(-1)
    pad = (-bits.numel()) % 8
    if pad:
        bits = torch.cat([bits, torch.zeros(pad, dtype=torch.int64)])
    weights = torch.tensor([128, 64, 32, 16, 8, 4, 2, 1], dtype=torch.int64)
    octets = (bits.reshape(-1, 8) * weights).sum(dim=1).to(torch.uint8)
    return octets.numpy().tobytes()


def unpack_signed(data: bytes, width: int, count: int) -> torch.Tensor:
    """Inverse of :func:`pack_signed`: read ``count`` ``width``-bit two's-complement values.

    Args:
        data: at least ``packed_size(count, width)`` bytes; extra bytes are ignored.
        width: bits per value, 1..32.
        count: number of values.

    Returns:
        ``int64`` tensor ``[count]`` on the CPU.

    Raises:
        FronthaulDecodeError: if ``data`` is too short.

    >>> unpack_signed(bytes.fromhex('b99840'), 9, 2).tolist()
    [-141, 97]
    """
    width = check_int("width", width, 1, 32)
    count = check_int("count", count, 0)
    need = packed_size(count, width)
    if len(data) < need:
        raise FronthaulDecodeError(f"{count} samples of {width} bits need {need} bytes, "
                                   f"only {len(data)} available")
    if count == 0:
        return torch.zeros(0, dtype=torch.int64)
    octets = torch.frombuffer(bytearray(data[:need]), dtype=torch.uint8).to(torch.int64)
    shifts = torch.arange(7, -1, -1, dtype=torch.int64)
    bits = ((octets[:, None] >> shifts) & 1).reshape(-1)[: count * width].reshape(count, width)
    weights = torch.bitwise_left_shift(torch.ones(width, dtype=torch.int64),
                                       torch.arange(width - 1, -1, -1, dtype=torch.int64))
    unsigned = (bits * weights).sum(dim=1)
    return torch.where(unsigned >= (1 << (width - 1)), unsigned - (1 << width), unsigned)


def unsigned_bits(u: torch.Tensor, width: int) -> torch.Tensor:
    """Non-negative integers ``[...]`` -> bits ``[..., width]`` (uint8, MSB first).

    >>> unsigned_bits(torch.tensor([5, 2]), 4).tolist()
    [[0, 1, 0, 1], [0, 0, 1, 0]]
    """
    shifts = torch.arange(width - 1, -1, -1, device=u.device, dtype=u.dtype)
    return ((u.unsqueeze(-1) >> shifts) & 1).to(torch.uint8)


def bits_to_bytes(bits: torch.Tensor) -> torch.Tensor:
    """Bits ``[..., 8 k]`` -> bytes ``[..., k]`` (MSB first).

    >>> bits_to_bytes(torch.tensor([[1, 0, 0, 0, 0, 0, 0, 1]])).tolist()
    [[129]]
    """
    weights = torch.tensor([128, 64, 32, 16, 8, 4, 2, 1], dtype=torch.int32, device=bits.device)
    return (bits.reshape(*bits.shape[:-1], -1, 8).to(torch.int32) * weights).sum(-1).to(
        torch.uint8)


def bytes_to_bits(octets: torch.Tensor) -> torch.Tensor:
    """Bytes ``[..., k]`` -> bits ``[..., 8 k]`` (MSB first).

    >>> bytes_to_bits(torch.tensor([[0x81]], dtype=torch.uint8)).tolist()
    [[1, 0, 0, 0, 0, 0, 0, 1]]
    """
    return unsigned_bits(octets.to(torch.int32), 8).reshape(*octets.shape[:-1], -1)


def signed_from_bits(bits: torch.Tensor, width: int, count: int) -> torch.Tensor:
    """First ``count`` width-bit two's-complement fields of bits ``[..., >= count*width]``.

    >>> signed_from_bits(torch.tensor([1, 0, 1, 1, 1, 1, 0]), 3, 2).tolist()
    [-3, -1]
    """
    fields = bits[..., : count * width].reshape(*bits.shape[:-1], count, width).to(torch.int32)
    weights = 2 ** torch.arange(width - 1, -1, -1, dtype=torch.int32, device=bits.device)
    u = (fields * weights).sum(-1, dtype=torch.int32)
    return torch.where(u >= (1 << (width - 1)), u - (1 << width), u)
