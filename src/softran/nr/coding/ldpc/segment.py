"""LDPC code block segmentation and desegmentation, TS 38.212 §5.2.2.

MATLAB namesakes: ``nrCodeBlockSegmentLDPC`` and ``nrCodeBlockDesegmentLDPC``. Sizes come
from :func:`softran.nr.coding.sch_info.ldpc_segment_info`. All code blocks have the same K', so
segmentation is a reshape, one batched CRC24B over the C blocks and a fill. On the CPU
desegmentation is one Numba pass (the check of the bits, the CRC24B of each code block by
:func:`~softran.nr.coding.crc.crc_check_bit_bytes` and the copy into the block).
"""

from __future__ import annotations

import functools
from typing import Any

import numpy as np
import torch
from numba import njit

from softran.nr.coding.crc import (
    crc_byte_tables,
    crc_check_bit_bytes,
    crc_decode,
    crc_encode,
    crc_register_anywhere,
    crc_scratch_size,
)
from softran.nr.coding.sch_info import ldpc_segment_info
from softran.validation import check_bits, check_int, check_tensor

__all__ = ["code_block_desegment_ldpc", "code_block_segment_ldpc"]

#: Whether desegmentation runs its Numba kernel on the CPU (False: the torch reference)
KERNELS: bool = True

#: code_block_desegment_ldpc's shapes checked by an earlier call: (cbs shape, dtype, bgn,
#: blklen) -> (rows shape, blk shape, err shape, K', L, batch rows)
_CHECKED: dict[tuple[Any, ...], tuple[Any, ...]] = {}


@njit(cache=True, nogil=True)
def _segment_rows(blk, k_prime, l_cb, table, g, out):  # pragma: no cover - compiled
    """Per batch row b and code block r of ``out`` ``[R, C, K]`` (uint8; int8 viewed): the
    K' - L bits of ``blk[b]`` from r (K' - L) on (zeros past its end: the padding), their
    CRC24B when ``l_cb`` = 24 and 255 (= -1) at the filler positions; returns the largest
    value of ``blk`` (a value > 1 is not a bit)."""
    c, k = out.shape[1], out.shape[2]
    n_data = k_prime - l_cb
    b_len = blk.shape[1]
    scratch = np.empty(crc_scratch_size(out.reshape(-1, k)), dtype=np.uint8)
    top = np.uint8(0)
    for row in range(out.shape[0] * c):
        b = row // c
        r = row - b * c
        dst = out[b, r]
        o = r * n_data
        m = max(0, min(n_data, b_len - o))
        src = blk[b, o:o + m]
        for i in range(m):
            top = max(top, np.uint8(src[i]))
        for i in range(m):
            dst[i] = src[i]
        pad = dst[m:n_data]
        for i in range(n_data - m):
            pad[i] = 0
        if l_cb:
            reg = crc_register_anywhere(dst, n_data, table, g, scratch)
            for t in range(l_cb):
                dst[n_data + t] = np.uint8((reg >> (31 - t)) & 1)
        fill = dst[k_prime:]
        for i in range(k - k_prime):
            fill[i] = 255
    return top


def code_block_segment_ldpc(blk: torch.Tensor, bgn: int) -> torch.Tensor:
    """Split a block into LDPC code blocks with CRC24B and filler bits (TS 38.212 §5.2.2).

    The B input bits b_0..b_{B-1} (a transport block with its CRC attached) fill C code
    blocks of K' - L bits each, in order; when C > 1 each gets its CRC24B (L = 24); then
    F = K - K' filler bits (represented by -1) complete each block to K bits. See
    :func:`~softran.nr.coding.sch_info.ldpc_segment_info` for C, K', K and the MATLAB-compatible
    zero padding of block sizes that the TBS procedure never produces.

    Parameters
    ----------
    blk : ``[..., B]`` uint8 (or integer/bool) 0/1 bits, B >= 1.
    bgn : LDPC base graph number, 1 or 2.

    Returns
    -------
    ``[..., C, K]`` int8: c_rk, with -1 at the filler positions K'..K-1.

    >>> cbs = code_block_segment_ldpc(torch.ones(4000, dtype=torch.uint8), 2)
    >>> cbs.shape, int((cbs == -1).sum(-1)[0])
    (torch.Size([2, 2080]), 56)
    """
    blk = check_tensor("blk", blk, min_dim=1)
    bgn = check_int("bgn", bgn, 1, 2)
    b = blk.shape[-1]
    if b < 1:
        raise ValueError("blk must hold at least one bit along its last dimension, got 0")
    seg = ldpc_segment_info(b, bgn)
    batch = blk.shape[:-1]
    if blk.is_cpu and blk.dtype in (torch.uint8, torch.bool) and blk.numel():
        # one Numba pass: the check of the bits, the copy, the CRC24B and the fillers
        out = np.empty((*batch, seg.c, seg.k), dtype=np.int8)
        if _segment_rows(blk.contiguous().numpy().reshape(-1, b), seg.k_prime,
                         seg.l_cb if seg.c > 1 else 0, *_crc24b_tables(),
                         out.view(np.uint8).reshape(-1, seg.c, seg.k)) <= 1:
            return torch.from_numpy(out)
    blk = check_bits("blk", blk, min_dim=1)
    if seg.pad:
        blk = torch.cat([blk, blk.new_zeros(*batch, seg.pad)], dim=-1)
    data = blk.reshape(*batch, seg.c, seg.k_prime - seg.l_cb)
    if seg.c > 1:
        data = crc_encode(data, "24B")
    out = torch.full((*batch, seg.c, seg.k), -1, dtype=torch.int8, device=blk.device)
    out[..., :seg.k_prime] = data
    return out


@functools.cache
def _crc24b_tables() -> tuple[np.ndarray, int]:
    return crc_byte_tables("24B")


def _scratch(rows: np.ndarray) -> np.ndarray:
    """The CRC scratch of :func:`desegment_rows` for code block rows ``[R, C, K]``."""
    return np.empty(crc_scratch_size(rows.reshape(-1, rows.shape[2])), dtype=np.uint8)


@njit(cache=True, nogil=True)
def desegment_rows(cbs, k_prime, l_cb, table, g, blk, err, scratch):  # pragma: no cover
    """Code block concatenation with the CRC24B check of TS 38.212 §5.2.2, the kernel of
    :func:`code_block_desegment_ldpc` and of the SCH decoders' slot path: per batch row b and
    code block r of ``cbs`` ``[R, C, K]`` (uint8 hard bits), the CRC24B syndrome (L =
    ``l_cb`` = 24, tables ``table``, ``g`` of
    :func:`~softran.nr.coding.crc.crc_byte_tables`; none when 0) into ``err[b, r]`` and
    the K' - L data bits into ``blk[b]`` from r (K' - L) on, as far as ``blk`` ``[R, B]``
    reaches. ``scratch``: uint8, at least :func:`~softran.nr.coding.crc.crc_scratch_size`
    of the code block rows. No bounds checks (the callers' shapes are checked). Returns the
    largest of the K' first bytes of every code block (a value > 1 is not a bit)."""
    c = cbs.shape[1]
    n_data = k_prime - l_cb
    b_len = blk.shape[1]
    top = np.uint8(0)
    for row in range(cbs.shape[0] * c):
        b = row // c
        r = row - b * c
        cb = cbs[b, r]
        for i in range(k_prime):
            top = max(top, cb[i])
        if l_cb:
            err[b, r] = crc_check_bit_bytes(cb, k_prime, l_cb, table, g, scratch)
        else:
            err[b, r] = 0
        o = r * n_data
        m = min(n_data, b_len - o)
        if m > 0:
            # an explicit loop (Numba's slice assignment is ~20x slower), indices from 0 (no
            # wraparound test: it vectorises)
            dst = blk[b, o:o + m]
            for i in range(m):
                dst[i] = cb[i]
    return top


def code_block_desegment_ldpc(cbs: torch.Tensor, bgn: int,
                              blklen: int) -> tuple[torch.Tensor, torch.Tensor]:
    """Concatenate LDPC code blocks, checking and removing their CRC24B (TS 38.212 §5.2.2).

    The inverse of :func:`code_block_segment_ldpc`: the filler bits K'..K-1 of each code
    block are ignored (whatever they hold), the CRC24B of each block is checked and removed
    when C > 1, and the blocks are concatenated into ``blklen`` bits.

    Parameters
    ----------
    cbs : ``[..., C, K]`` int8/uint8 hard bits (0/1 outside the filler positions).
    bgn : LDPC base graph number, 1 or 2.
    blklen : B, the length of the block before segmentation (with its TB CRC).

    Returns
    -------
    ``(blk, err)``: ``blk`` ``[..., B]`` uint8; ``err`` ``[..., C]`` int64, the CRC24B
    syndrome of each code block (0 = pass; all zeros when C == 1, which has no CRC24B).

    >>> x = torch.randint(0, 2, (3, 10000), dtype=torch.uint8)
    >>> blk, err = code_block_desegment_ldpc(code_block_segment_ldpc(x, 1), 1, 10000)
    >>> bool((blk == x).all()), err.shape, int(err.abs().sum())
    (True, torch.Size([3, 2]), 0)
    """
    if (KERNELS and type(cbs) is torch.Tensor and type(bgn) is int and type(blklen) is int
            and cbs.is_cpu and cbs.is_contiguous()):
        # a shape checked by an earlier call: the kernel alone
        hit = _CHECKED.get((cbs.shape, cbs.dtype, bgn, blklen))
        if hit is not None:
            rows, blk_shape, err_shape, k_prime, l_cb, n_rows = hit
            blk = np.empty(blk_shape, dtype=np.uint8)
            err = np.empty(err_shape, dtype=np.int64)
            arr = cbs.numpy()
            cb_rows = arr.reshape(rows) if arr.dtype == np.uint8 \
                else arr.view(np.uint8).reshape(rows)
            if desegment_rows(cb_rows, k_prime, l_cb, *_crc24b_tables(),
                              blk.reshape(n_rows, blklen), err.reshape(rows[:2]),
                              _scratch(cb_rows)) <= 1:
                return torch.from_numpy(blk), torch.from_numpy(err)
    cbs = check_tensor("cbs", cbs, min_dim=2)
    if cbs.is_floating_point() or cbs.is_complex() or cbs.dtype == torch.bool:
        raise TypeError(f"cbs must be an integer tensor of hard bits, got dtype {cbs.dtype}")
    bgn = check_int("bgn", bgn, 1, 2)
    b = check_int("blklen", blklen, 1)
    seg = ldpc_segment_info(b, bgn)
    if tuple(cbs.shape[-2:]) != (seg.c, seg.k):
        raise ValueError(f"cbs has shape {tuple(cbs.shape)}; with blklen = {b} and bgn = {bgn} "
                         f"its last two dimensions must be (C, K) = ({seg.c}, {seg.k})")
    batch = cbs.shape[:-2]
    if KERNELS and cbs.is_cpu and cbs.dtype in (torch.uint8, torch.int8) and cbs.numel():
        rows = cbs.contiguous().numpy()
        rows = (rows if cbs.dtype == torch.uint8 else rows.view(np.uint8)).reshape(-1, seg.c, seg.k)
        blk = np.empty((*batch, b), dtype=np.uint8)      # (torch's reshape costs µs)
        err = np.empty((*batch, seg.c), dtype=np.int64)
        table, g = _crc24b_tables()
        if desegment_rows(rows, seg.k_prime, seg.l_cb if seg.c > 1 else 0, table, g,
                          blk.reshape(-1, b), err.reshape(-1, seg.c), _scratch(rows)) <= 1:
            if type(bgn) is int and type(blklen) is int:
                if len(_CHECKED) >= 256:
                    _CHECKED.clear()
                _CHECKED[(cbs.shape, cbs.dtype, bgn, blklen)] = (
                    rows.shape, blk.shape, err.shape, seg.k_prime,
                    seg.l_cb if seg.c > 1 else 0, rows.shape[0])
            return torch.from_numpy(blk), torch.from_numpy(err)
    data = check_bits("cbs (outside the filler positions)", cbs[..., :seg.k_prime], min_dim=2)
    if seg.c > 1:
        data, err = crc_decode(data, "24B")
    else:
        err = torch.zeros(*batch, 1, dtype=torch.int64, device=cbs.device)
    blk = data.reshape(*batch, seg.c * (seg.k_prime - seg.l_cb))[..., :b]
    return blk, err
