"""IQ in the 16-bit fixed-point domain of O-RAN.WG4.CUS.0 Annex A, and the integer helpers
the compression methods share.

The algorithms of Annex A take 16-bit signed integers (full scale 2^15, :data:`NATIVE_BITS`):
:func:`to_fixed` maps complex IQ there (``full_scale=None``: the values must already be
integers in range; a number: ``round(iq / full_scale * 2^(bits-1))``), :func:`from_fixed`
maps back. Nothing is clipped: a value outside the domain is a ``ValueError``.
:func:`max_value` is the block maximum of Annex A.1.2 (also used by block scaling, A.2),
:func:`bit_length` and :func:`round_div` the exact integer steps around it.
"""

from __future__ import annotations

import torch

__all__ = ["NATIVE_BITS", "bit_length", "from_fixed", "max_value", "round_div", "to_fixed"]

#: Annex A input width: 16-bit signed I and Q.
NATIVE_BITS: int = 16


def to_fixed(iq: torch.Tensor, bits: int, full_scale: float | None) -> torch.Tensor:
    """Complex IQ -> int32 ``[..., n_prb, 12, 2]`` in the ``bits``-bit signed domain.

    ``full_scale=None``: the real and imaginary parts must be integers in range; otherwise
    ``round(x * 2^(bits-1) / full_scale)`` (half to even) must land in range
    (O-RAN.WG4.CUS.0 Annex A input format).

    >>> to_fixed(torch.tensor([0.5 - 0.25j]), 16, 1.0).tolist()
    [[16384, -8192]]
    """
    x = torch.view_as_real(iq.to(torch.complex128) if full_scale is not None else iq)
    if full_scale is not None:
        x = torch.round(x * (2.0 ** (bits - 1) / full_scale))
    low, high = -(1 << (bits - 1)), (1 << (bits - 1)) - 1
    if x.numel():
        lo, hi = torch.aminmax(x)                      # NaN propagates and fails the test
        if not (lo.item() >= low and hi.item() <= high):
            bad = ~((x >= low) & (x <= high))
            raise ValueError(f"iq has I/Q value {x[bad][0].item()} (in {bits}-bit units) "
                             f"outside {low}..{high}; scale the input down (nothing is clipped)")
    v = x.to(torch.int32)
    if full_scale is None and not torch.equal(v.to(x.dtype), x):
        raise ValueError("iq must hold integer-valued I/Q in the 16-bit domain when "
                         "full_scale is None (or pass full_scale=... for float IQ)")
    return v


def from_fixed(v: torch.Tensor, bits: int, full_scale: float | None) -> torch.Tensor:
    """int/float ``[..., 12, 2]`` in the ``bits``-bit domain -> complex64 ``[..., 12]``
    (the inverse scaling of :func:`to_fixed`).

    >>> from_fixed(torch.tensor([[16384, -8192]]), 16, 1.0)
    tensor([0.5000-0.2500j])
    """
    v = v.to(torch.float64 if full_scale is not None else torch.float32)
    if full_scale is not None:
        v = v * (full_scale / 2.0 ** (bits - 1))
    return torch.view_as_complex(v.to(torch.float32).contiguous())


def bit_length(x: torch.Tensor) -> torch.Tensor:
    """``int.bit_length`` of non-negative int32 values below 2^24 (exact via frexp).

    >>> bit_length(torch.tensor([0, 1, 255, 256])).tolist()
    [0, 1, 8, 9]
    """
    return torch.frexp(x.to(torch.float32)).exponent.to(torch.int32)


def max_value(v: torch.Tensor) -> torch.Tensor:
    """O-RAN.WG4.CUS.0 Annex A.1.2: ``maxValue = max(maxV, |minV| - 1)`` over the 24 values
    of each PRB of ``v`` ``[..., 12, 2]``.

    >>> v = torch.zeros(1, 12, 2, dtype=torch.int32); v[0, 0, 0] = 100; v[0, 3, 1] = -300
    >>> max_value(v).tolist()
    [299]
    """
    flat = v.flatten(-2)
    return torch.maximum(flat.amax(-1), -flat.amin(-1) - 1)


def round_div(a: torch.Tensor, b: torch.Tensor | int) -> torch.Tensor:
    """``round(a / b)``, ties away from zero, for int64 a and positive int64 b.

    >>> round_div(torch.tensor([5, -5, 7]), 2).tolist()
    [3, -3, 4]
    """
    return torch.sign(a) * torch.div(2 * a.abs() + b, 2 * b, rounding_mode="floor")
