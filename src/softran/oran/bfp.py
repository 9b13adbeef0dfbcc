"""Block floating point, udCompMeth 1 (O-RAN.WG4.CUS.0 Annex A.1).

Per PRB: ``maxValue = max(maxV, |minV| - 1)`` (the extra negative code of two's complement
lets ``-2^(w-1)`` through), ``exponent = max(bit_length(maxValue) - w + 1, 0)``; the mantissa
is ``x / 2^exponent`` quantised to ``w`` bits. ``mode="floor-shift"`` (default) is the
arithmetic right shift ``x >> exponent`` of srsRAN and Intel's reference (bit-exact with
them; error ``0 <= x - m 2^e <= 2^e - 1``); ``mode="round-saturate"`` rounds half away from
zero and saturates to ``2^(w-1) - 1`` (error ``|x - m 2^e| <= 2^(e-1)``, or ``<= 2^e - 1``
for the rare value that saturates; about 6 dB better EVM). Decompression is ``m << e`` for
both. Selective RE sending (udCompMeth 5) applies the same algorithm to the selected REs.

The functions here work on validated int32 fixed-point PRBs ``[..., n_prb, 12, 2]``; the
entry points are :func:`~softran.oran.compression.compress` /
:func:`~softran.oran.compression.decompress`.
"""

from __future__ import annotations

import torch

from softran.oran.fixed_point import bit_length, max_value

__all__ = ["BFP_MODES", "bfp_compress", "bfp_expand"]

#: BFP quantisation modes (see the module docstring).
BFP_MODES: tuple[str, ...] = ("floor-shift", "round-saturate")


def _round_div_pow2(x: torch.Tensor, e: torch.Tensor) -> torch.Tensor:
    """``round(x / 2^e)``, ties away from zero, for int32 x and per-element e >= 0.

    ``(x + 2^(e-1)) >> e`` rounds ties up; subtracting 1 first for negative x (when e > 0)
    turns that into ties away from zero without changing any non-tie result. Written with
    in-place integer ops (``x >> 31`` is -1 for negative int32 x) because this is the hot path.
    """
    bias = torch.bitwise_left_shift(torch.ones_like(e), e) >> 1      # 2^(e-1), 0 for e = 0
    e_pos = -(e > 0).to(x.dtype)                                     # -1 where e > 0
    out = x >> 31                                                    # -1 for x < 0
    out &= e_pos
    out += x
    out += bias
    out >>= e
    return out


def bfp_compress(v: torch.Tensor, width: int, mode: str) -> tuple[torch.Tensor, torch.Tensor]:
    """Mantissas ``[..., n_prb, 12, 2]`` and exponents ``[..., n_prb]`` of int32 16-bit PRBs
    (Annex A.1.2), ``mode`` one of :data:`BFP_MODES`.

    >>> v = torch.zeros(1, 12, 2, dtype=torch.int32); v[0, 0] = torch.tensor([1000, -1000])
    >>> m, e = bfp_compress(v, 9, "floor-shift")
    >>> e.tolist(), m[0, 0].tolist()
    ([2], [250, -250])
    """
    raw_exp = bit_length(max_value(v))
    exponent = torch.clamp(raw_exp - width + 1, min=0)
    e = exponent[..., None, None]
    if mode == "floor-shift":
        m = v >> e
    else:
        m = _round_div_pow2(v, e).clamp_(max=(1 << (width - 1)) - 1)
    return m, exponent


def bfp_expand(m: torch.Tensor, exponent: torch.Tensor) -> torch.Tensor:
    """16-bit values ``m << exponent`` of int32 mantissas ``[..., n_prb, 12, 2]`` (Annex A.1.3).

    >>> bfp_expand(torch.tensor([[[250, -250]] * 12]), torch.tensor([2]))[0, 0].tolist()
    [1000, -1000]
    """
    return m << exponent.to(torch.int32)[..., None, None]
