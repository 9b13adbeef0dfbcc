"""Beamforming weights of the C-plane: ``bfwCompHdr`` and block floating point on weights.

O-RAN.WG4.CUS.0 clause 7.7.1.2 (``bfwCompHdr = bfwIqWidth(4) | bfwCompMeth(4)``), shared by
section extensions 1 and 11 (:mod:`softran.oran.section_extensions`), and Annex A.1 (block
floating point) applied to one weight vector: :func:`bfp_compress_weights` turns int16-scale
weights into the BFP exponent and mantissas an extension carries, :func:`bfw_values` turns
those wire fields back into complex weights.
"""

from __future__ import annotations

from dataclasses import dataclass

import torch

from softran.oran.bitfield import pack_signed, unpack_signed
from softran.oran.radio_header import bfw_comp_param_bytes
from softran.validation import check_int, check_tensor

__all__ = ["BfwCompHdr", "bfp_compress_weights", "bfw_values", "check_bfw_comp_param",
           "pack_weights", "unpack_weights"]


@dataclass(frozen=True)
class BfwCompHdr:
    """``bfwCompHdr``: ``bfwIqWidth(4) | bfwCompMeth(4)`` (CUS clause 7.7.1.2), width 16 sent as 0.

    >>> BfwCompHdr(9, 1).to_byte(), BfwCompHdr.from_byte(0x00)
    (145, BfwCompHdr(bfw_iq_width=16, bfw_comp_meth=0))
    """

    bfw_iq_width: int = 16
    bfw_comp_meth: int = 0

    def __post_init__(self) -> None:
        check_int("bfw_iq_width", self.bfw_iq_width, 1, 16)
        check_int("bfw_comp_meth", self.bfw_comp_meth, 0, 15)

    def to_byte(self) -> int:
        """The header byte."""
        return ((self.bfw_iq_width & 0xF) << 4) | self.bfw_comp_meth

    @classmethod
    def from_byte(cls, value: int) -> BfwCompHdr:
        """Decode the header byte (width 0 means 16)."""
        return cls((value >> 4) or 16, value & 0xF)


def pack_weights(bfw_i: tuple[int, ...], bfw_q: tuple[int, ...], width: int) -> bytes:
    """L weights as sent in SE1 / SE11: ``(bfwI, bfwQ)`` pairs of ``width`` bits each, two's
    complement, MSB first, zero-padded to a byte (CUS clauses 7.7.1 and 7.7.11).

    >>> pack_weights((1, -1), (0, 2), 16).hex()
    '00010000ffff0002'
    """
    pairs = torch.stack([torch.tensor(bfw_i, dtype=torch.int64),
                         torch.tensor(bfw_q, dtype=torch.int64)], dim=-1)
    return pack_signed(pairs, width)


def unpack_weights(data: bytes, width: int, n: int) -> tuple[tuple[int, ...], tuple[int, ...]]:
    """``(bfw_i, bfw_q)`` of ``n`` weights from the bytes :func:`pack_weights` writes.

    >>> unpack_weights(bytes.fromhex('00010000ffff0002'), 16, 2)
    ((1, -1), (0, 2))
    """
    values = unpack_signed(data, width, 2 * n).reshape(n, 2)
    return tuple(values[:, 0].tolist()), tuple(values[:, 1].tolist())


def check_bfw_comp_param(meth: int, param: int | None, what: str) -> None:
    """Check a ``bfwCompParam`` against its bfwCompMeth (CUS clause 7.7.1): ``None`` when the
    method has none, a byte 0..255 when it has one (``what`` names the parameter).

    >>> check_bfw_comp_param(1, 7, "bfw_comp_param")
    >>> check_bfw_comp_param(0, 7, "bfw_comp_param")
    Traceback (most recent call last):
    ...
    ValueError: bfw_comp_param must be None for bfwCompMeth 0 (no bfwCompParam)
    """
    n = bfw_comp_param_bytes(meth)
    if n == 0 and param is not None:
        raise ValueError(f"{what} must be None for bfwCompMeth {meth} (no bfwCompParam)")
    if n == 1:
        if param is None:
            raise ValueError(f"{what} is required for bfwCompMeth {meth}")
        check_int(what, param, 0, 255)


def bfp_compress_weights(weights: torch.Tensor, bfw_iq_width: int) -> tuple[int, tuple[int, ...],
                                                                              tuple[int, ...]]:
    """Block-floating-point compress one weight vector (O-RAN.WG4.CUS.0 Annex A.1.2).

    ``weights`` are int16-scale values: an integer tensor ``[L, 2]`` (I, Q) or a complex tensor
    ``[L]`` with integer real/imaginary parts in -32768..32767. ``maxValue = max(maxV, |minV| - 1)``
    over all 2L values, exponent ``max(bit_length(maxValue) - w + 1, 0)``, mantissas by
    arithmetic right shift (floor). Returns ``(bfw_comp_param, bfw_i, bfw_q)`` ready for
    :class:`BeamformingWeightsExt` / :class:`BfwBundle` with ``BfwCompHdr(w, 1)``.

    >>> bfp_compress_weights(torch.tensor([[-18000, 15000], [100, -5]]), 9)
    (7, (-141, 0), (117, -1))
    """
    width = check_int("bfw_iq_width", bfw_iq_width, 1, 16)
    iq = _weights_as_pairs(weights)
    max_value = max(int(iq.max()), -int(iq.min()) - 1, 0)
    exponent = max(max_value.bit_length() - width + 1, 0)
    mant = iq >> exponent
    return exponent, tuple(mant[:, 0].tolist()), tuple(mant[:, 1].tolist())


def _weights_as_pairs(weights: torch.Tensor) -> torch.Tensor:
    weights = check_tensor("weights", weights, min_dim=1)
    if weights.is_complex():
        pairs = torch.stack([weights.real, weights.imag], dim=-1)
        if bool((pairs != pairs.round()).any()):
            raise ValueError("complex weights must have integer real and imaginary parts")
        pairs = pairs.to(torch.int64)
    elif weights.is_floating_point() or weights.dtype == torch.bool:
        raise TypeError(f"weights must be an integer [L, 2] or complex [L] tensor, "
                        f"got {weights.dtype}")
    else:
        if weights.dim() != 2 or weights.shape[-1] != 2:
            raise ValueError(f"integer weights must have shape [L, 2], got {tuple(weights.shape)}")
        pairs = weights.to(torch.int64)
    if pairs.numel() == 0 or bool(((pairs < -32768) | (pairs > 32767)).any()):
        raise ValueError("weights must be non-empty int16-scale values in -32768..32767")
    return pairs.cpu()


def bfw_values(bfw_comp_hdr: BfwCompHdr, bfw_i: tuple[int, ...], bfw_q: tuple[int, ...],
               bfw_comp_param: int | None = None) -> torch.Tensor:
    """Weights ``[L]`` complex64 on the int16 scale from their wire fields (no compression, or
    BFP: ``mantissa * 2^exponent``, Annex A.1.3). Other methods raise ``ValueError``.

    >>> bfw_values(BfwCompHdr(9, 1), (-141, 0), (117, -1), 7).tolist()
    [(-18048+14976j), -128j]
    """
    meth = bfw_comp_hdr.bfw_comp_meth
    i = torch.tensor(bfw_i, dtype=torch.int64)
    q = torch.tensor(bfw_q, dtype=torch.int64)
    if meth == 1:
        if bfw_comp_param is None:
            raise ValueError("bfw_comp_param (the exponent byte) is required for BFP")
        e = check_int("bfw_comp_param", bfw_comp_param, 0, 255) & 0xF
        i, q = i << e, q << e
    elif meth != 0:
        raise ValueError(f"bfw_comp_meth = {meth}: only 0 (none) and 1 (BFP) are decompressed here")
    return torch.complex(i.to(torch.float32), q.to(torch.float32))
