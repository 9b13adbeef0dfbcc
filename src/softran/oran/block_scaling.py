"""Block scaling, udCompMeth 2 (O-RAN.WG4.CUS.0 Annex A.2).

Per PRB the blockScaler ``s = ceil(maxValue / 2^(W-8))`` (>= 1; 1 integer + 7 fraction bits,
W = 16) and each value ``c = sat(round(x 2^7 / s / 2^(W-w)))``; the receiver computes
``x = round(s c 2^(W-7-w))``. The functions work on validated int32 fixed-point PRBs
``[..., n_prb, 12, 2]``; the entry points are :func:`~softran.oran.compression.compress` /
:func:`~softran.oran.compression.decompress`.
"""

from __future__ import annotations

import torch

from softran.oran.fixed_point import NATIVE_BITS, max_value, round_div

__all__ = ["block_scaling_compress", "block_scaling_expand"]


def block_scaling_compress(v: torch.Tensor, width: int) -> tuple[torch.Tensor, torch.Tensor]:
    """Codes ``[..., n_prb, 12, 2]`` and blockScalers ``[..., n_prb]`` of int32 16-bit PRBs.

    >>> v = torch.zeros(1, 12, 2, dtype=torch.int32); v[0, 0] = torch.tensor([1000, -1000])
    >>> c, s = block_scaling_compress(v, 8)     # s = ceil(1000 / 256), c = 1000 2^15 / (s 2^16)
    >>> s.tolist(), c[0, 0].tolist()
    ([4], [125, -125])
    """
    # Annex A.2: s = ceil(maxValue / 2^(W-8)) (>= 1), c = sat(round(x 2^7 / s / 2^(W-w)))
    w_nat = NATIVE_BITS
    s = torch.clamp((max_value(v) + (1 << (w_nat - 8)) - 1) >> (w_nat - 8), min=1)
    a = v.to(torch.int64) << (7 + width)
    b = s.to(torch.int64)[..., None, None] << w_nat
    c = torch.clamp(round_div(a, b), -(1 << (width - 1)), (1 << (width - 1)) - 1)
    return c.to(torch.int32), s


def block_scaling_expand(c: torch.Tensor, block_scaler: torch.Tensor, width: int) -> torch.Tensor:
    """16-bit values (int64) ``round(s c 2^(W-7-w))`` of codes ``[..., n_prb, 12, 2]``.

    >>> block_scaling_expand(torch.tensor([[[125, -125]] * 12]), torch.tensor([4]), 8)[0, 0]
    tensor([ 1000, -1000])
    """
    a = block_scaler.to(torch.int64)[..., None, None] * c.to(torch.int64) << (NATIVE_BITS - 7)
    return round_div(a, 1 << width)
