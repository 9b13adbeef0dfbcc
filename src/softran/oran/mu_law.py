"""mu-law, udCompMeth 3 (O-RAN.WG4.CUS.0 Annex A.3).

Per PRB the compShift normalises ``max |x|`` into ``[2^14, 2^15)``; each magnitude is then
coded on three segments of slopes 1, 1/2, 1/4 and sent with its sign (two's complement
**(verify)**, see :mod:`softran.oran.compression`). The udCompParam byte is
``compBitWidth(4) | compShift(4)``. The functions work on validated int32 fixed-point PRBs
``[..., n_prb, 12, 2]``; the entry points are :func:`~softran.oran.compression.compress` /
:func:`~softran.oran.compression.decompress`.
"""

from __future__ import annotations

import torch

from softran.oran.fixed_point import bit_length

__all__ = ["mu_law_compress", "mu_law_expand"]


def _shift(a: torch.Tensor, k: int) -> torch.Tensor:
    return a >> k if k >= 0 else a << -k


def mu_law_compress(v: torch.Tensor, width: int) -> tuple[torch.Tensor, torch.Tensor]:
    """Codes ``[..., n_prb, 12, 2]`` and compShifts ``[..., n_prb]`` of int32 16-bit PRBs.

    >>> v = torch.zeros(1, 12, 2, dtype=torch.int32); v[0, 0] = torch.tensor([1000, -1000])
    >>> c, shift = mu_law_compress(v, 8)    # 1000 << 5 = 32000 -> (32000 >> 9) + 2^6 = 126
    >>> shift.tolist(), c[0, 0].tolist()
    ([5], [126, -126])
    """
    # Annex A.3: compShift normalises max|x| into [2^14, 2^15); three segments (slopes 1, 1/2, 1/4)
    mag = v.abs()
    comp_shift = torch.clamp(15 - bit_length(mag.flatten(-2).amax(-1)), 0, 7)
    a = torch.clamp(mag << comp_shift[..., None, None], max=(1 << 15) - 1)
    w = width
    c = torch.where(a <= (1 << 13), _shift(a, 15 - w),
                    torch.where(a <= (1 << 14), _shift(a, 16 - w) + (1 << (w - 3)),
                                _shift(a, 17 - w) + (1 << (w - 2))))
    return torch.sign(v) * c, comp_shift


def mu_law_expand(c: torch.Tensor, comp_shift: torch.Tensor, width: int) -> torch.Tensor:
    """16-bit values (float64) of mu-law codes ``[..., n_prb, 12, 2]`` and their compShifts.

    >>> mu_law_expand(torch.tensor([[[126, -126]] * 12]), torch.tensor([5]), 8)[0, 0]
    tensor([ 992., -992.], dtype=torch.float64)
    """
    w = width
    mag = c.abs().to(torch.float64)
    x = torch.where(mag <= 2 ** (w - 2), mag * 2.0 ** (15 - w),
                    torch.where(mag <= 2 ** (w - 2) + 2 ** (w - 3),
                                mag * 2.0 ** (16 - w) - 2 ** 13,
                                mag * 2.0 ** (17 - w) - 2 ** 15))
    return torch.sign(c) * x / 2.0 ** comp_shift[..., None, None].to(torch.float64)
