"""Code block segmentation, LDPC encoding and rate matching in one pass on the CPU
(TS 38.212 §5.2.2, §5.3.2, §5.4.2, §5.5): the transmit side of the DL-SCH / UL-SCH chain.

:func:`ldpc_encode_rate_match` gives exactly the bits of

    rate_match_ldpc(ldpc_encode(code_block_segment_ldpc(blk, bgn), bgn), G, rv, ...)

but a Numba kernel does all three per code block while the block is in the cache, and it
computes only the parity columns that rate matching reads. Which those are depends on
(E_r, rv, N_cb): at high code rates with rv 0 only the 4 core parity columns of the base
graph are read, so the extension rows of the parity-check matrix are skipped. For each
code block the kernel

1. copies the block's data bits into a work buffer of the columns of the lifted base
   graph, then their CRC24B (C > 1, from the copied bits by
   :func:`~softran.nr.coding.crc.crc_register_of_bit_bytes`) and zeros for the filler bits;
2. runs the steps of the encoding schedule (:func:`~softran.nr.coding.ldpc.plan.encode_plan`)
   whose target is needed: the columns read by rate matching and, backwards, every column
   a kept step reads;
3. selects the E_r bits as runs of consecutive buffer positions (bit selection reads the
   circular buffer in order, skipping the filler bits; the runs come from the cached index of
   :func:`~softran.nr.coding.ldpc.rate_match.rate_match_segments`) and interleaves them into
   the output (f_{i Qm + m} = e_{m E/Qm + i}).

Other devices run the three public functions one after the other.
"""

from __future__ import annotations

import functools
from typing import NamedTuple

import numpy as np
import torch
from numba import njit

from softran.nr.coding.crc import (
    crc_byte_tables,
    crc_register_continue,
    crc_register_of_bit_bytes,
    crc_registers_continue,
    crc_registers_continue_packed,
)
from softran.nr.coding.ldpc.encode import ldpc_encode
from softran.nr.coding.ldpc.plan import encode_plan
from softran.nr.coding.ldpc.rate_match import (
    check_rate_match_args,
    rate_match_ldpc,
    rate_match_segments,
)
from softran.nr.coding.ldpc.segment import code_block_segment_ldpc
from softran.nr.coding.sch_info import ldpc_segment_info
from softran.validation import check_allocation, check_bits, check_int

__all__ = ["EncodeRateMatchPlan", "encode_rate_match_labels_into", "encode_rate_match_plan",
           "encode_rate_match_rows", "encode_rate_match_rows_into",
           "encode_rate_match_workspace", "ldpc_encode_rate_match"]


@functools.lru_cache(maxsize=256)
def _needed_steps(bgn: int, zc: int, columns: frozenset[int]
                  ) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """The steps of the encoding schedule that produce ``columns`` (and what they read):
    (tgt_col, tgt_shift, src_ptr, src_col, src_shift) like the plan's, in schedule order."""
    plan = encode_plan(bgn, zc)
    need = set(columns)
    keep = []
    for s in range(plan.tgt_col.shape[0] - 1, -1, -1):
        if int(plan.tgt_col[s]) in need:
            keep.append(s)
            need.update(int(c) for c in plan.src_col[plan.src_ptr[s]:plan.src_ptr[s + 1]])
    keep.reverse()
    src = [np.arange(plan.src_ptr[s], plan.src_ptr[s + 1]) for s in keep]
    edges = np.concatenate(src) if src else np.zeros(0, dtype=np.int64)
    ptr = np.zeros(len(keep) + 1, dtype=np.int64)
    ptr[1:] = np.cumsum([len(e) for e in src])
    return (plan.tgt_col[keep].astype(np.int64), plan.tgt_shift[keep].astype(np.int64), ptr,
            plan.src_col[edges].astype(np.int64), plan.src_shift[edges].astype(np.int64))


@njit(cache=True, nogil=True)
def encode_rate_match_rows(data, tail, l_cb, crc_table, crc_g, k_prime, kbz, c, tgt_col,
                            tgt_shift, src_ptr, src_col, src_shift, zc, n_buf_cols, qm, c_lo,
                            e_lo, run_lo, e_hi, run_hi, out):  # pragma: no cover - compiled
    """TS 38.212 §5.1, §5.2.2, §5.3.2, §5.4.2 in one Numba pass (the kernel of
    :func:`ldpc_encode_rate_match`). Per code block r of each batch row b: data bits ``r*(K'-L)
    .. (r+1)*(K'-L) - 1`` of row b of ``data`` followed by ``tail`` (a block and its CRC /
    padding, not concatenated), their CRC24B (L = ``l_cb`` = 24 bits, by the slicing-by-8 tables
    ``crc_table``; C > 1) or none (L = 0), zero fillers, the kept schedule steps (shift P split
    into two contiguous runs), bit selection as runs ``(start, length)`` of the work buffer
    (``run_lo`` / ``run_hi`` ``[n, 2]``) and bit interleaving ``f_{i Qm + m} = e_{m E/Qm + i}``
    into ``out[b, offset_r:]``. Indices are unsigned so that the byte loops have no wraparound
    code and vectorise. Allocates its work buffers on every call: a caller on a latency path
    keeps them (:func:`encode_rate_match_workspace`) and calls
    :func:`encode_rate_match_rows_into`."""
    buf = np.zeros(n_buf_cols * zc, dtype=np.uint8)
    acc = np.empty(2 * zc, dtype=np.uint8)
    sel = np.empty(max(e_lo, e_hi), dtype=np.uint8)
    encode_rate_match_rows_into(data, tail, l_cb, crc_table, crc_g, k_prime, kbz, c, tgt_col,
                                tgt_shift, src_ptr, src_col, src_shift, zc, n_buf_cols, qm,
                                c_lo, e_lo, run_lo, e_hi, run_hi, out, buf, acc, sel)


def encode_rate_match_workspace(plan: EncodeRateMatchPlan
                                ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Work buffers ``(buf, acc, sel)`` of :func:`encode_rate_match_rows_into` for the plan
    ``plan`` of :func:`encode_rate_match_plan` (TS 38.212 §5.3.2 / §5.4.2: the columns of
    the lifted base graph, two lifted columns, the E_r selected bits), to keep and reuse from
    call to call; they fit every plan with the same Z_c, base graph and larger or equal E_r.

    >>> p = encode_rate_match_plan(3024, 2, 4000, 0, 4, 1, None)
    >>> [w.size for w in encode_rate_match_workspace(p)]
    [17920, 640, 4000]
    """
    (_, _, _, _, _, _, _, _, _, _, _, zc, n_buf_cols, _, _, e_lo, _, e_hi, _) = plan.args
    return (np.zeros(n_buf_cols * zc, dtype=np.uint8), np.empty(2 * zc, dtype=np.uint8),
            np.empty(max(e_lo, e_hi), dtype=np.uint8))


@njit(cache=True, nogil=True)
def _encode_select(data, tail, row, l_cb, crc_table, crc_g, k_prime, kbz, c, tgt_col,
                   tgt_shift, src_ptr, src_col, src_shift, zc, c_lo, e_lo, run_lo, e_hi,
                   run_hi, buf, acc, sel, select, tb_l, tb_table, tb_g, tb_reg,
                   tb_pair, tb_packed=None):  # pragma: no cover - compiled
    """Code block ``r`` of batch row ``b`` (``row = b C + r``) as
    :func:`encode_rate_match_rows_into` describes it, up to bit selection (TS 38.212 §5.2.2,
    §5.3.2, §5.4.2.1): its E_r selected bits e_0.. into ``sel`` (where ``select``; else
    they stay in ``buf`` at the runs of the plan); returns (E_r, the offset
    of its bits in the rate-matched output, the OR of the bytes of ``data`` it read: > 1
    where one of them is not a bit, the transport block CRC register).

    ``tb_l`` > 0: the rows of ``data`` are transport blocks whose CRC (TS 38.212 §7.2.1:
    L = ``tb_l``, slicing-by-8 tables ``tb_table``, generator ``tb_g``) is computed here
    from the copied bits, in the same pass as the code block's CRC24B
    (:func:`~softran.nr.coding.crc.crc_registers_continue`), continuing from ``tb_reg``
    (the register after the earlier code blocks of the row; reset at r = 0), and written to
    ``tail[b, :tb_l]`` before the code block that ends the transport block reads it;
    ``tb_pair``: :func:`~softran.nr.coding.crc.crc_pair_table` of ``tb_table`` and
    ``crc_table``, or None; ``tb_packed``: or
    :func:`~softran.nr.coding.crc.crc_pair_tables_reflected` of the two (then the bits are
    packed 64 at a time, :func:`~softran.nr.coding.crc.crc_registers_continue_packed`), or
    None."""
    u = np.uint64
    n_data = u(k_prime - l_cb)
    zcu = u(zc)
    b = row // c
    r = row - b * c
    src = data[b]
    d0 = u(r) * n_data
    n_src = u(min(max(data.shape[1] - r * (k_prime - l_cb), 0), k_prime - l_cb))
    # the copy alone (a memcpy), then the OR of the copied bytes as 64-bit words of the
    # work buffer (an OR of uint8 values in the copy loop runs widened to 64 bits: 3x
    # slower)
    for q in range(n_src):
        buf[u(q)] = src[d0 + u(q)]
    n_w = n_src // u(8)
    words = buf[:n_w * u(8)].view(np.uint64)
    seen = u(0)
    for q in range(n_w):
        seen |= words[q]
    for q in range(n_w * u(8), n_src):
        seen |= u(buf[q])
    seen |= seen >> u(32)
    seen |= seen >> u(16)
    seen |= seen >> u(8)
    top = np.uint8(seen & u(255))
    reg = np.int64(0)
    n_src8 = n_src - n_src % u(8)
    if tb_l:
        # the transport block's CRC continued over this code block's share of it, and
        # (C > 1) the code block's own CRC started, in one pass over the bytes
        if r == 0:
            tb_reg = np.int64(0)
        if l_cb and tb_packed is not None:
            tb_reg, reg = crc_registers_continue_packed(buf, n_src8, tb_table, tb_g, tb_reg,
                                                        crc_table, crc_g, reg, tb_packed)
        elif l_cb:
            tb_reg, reg = crc_registers_continue(buf, n_src8, tb_table, tb_g, tb_reg,
                                                 crc_table, crc_g, reg, tb_pair)
        else:
            tb_reg = crc_register_continue(buf, n_src8, tb_table, tb_g, tb_reg)
        tb_reg = crc_register_continue(buf[n_src8:], n_src - n_src8, tb_table, tb_g, tb_reg)
        if n_src < n_data:
            # the transport block ends here: its CRC into the tail, before it is read
            for q in range(tb_l):
                tail[b, q] = np.uint8((tb_reg >> (31 - q)) & 1)
    if n_src < n_data:
        tl = tail[b]
        t0 = d0 + n_src - u(data.shape[1])
        for q in range(n_src, n_data):
            buf[u(q)] = tl[t0 + u(q) - n_src]
    if l_cb:
        # the code block's CRC24B (TS 38.212 §5.2.2) from the bits just copied
        if tb_l:
            reg = crc_register_continue(buf[n_src8:], n_data - n_src8, crc_table, crc_g, reg)
        else:
            reg = crc_register_of_bit_bytes(buf, n_data, crc_table, crc_g)
        for q in range(l_cb):
            buf[n_data + u(q)] = np.uint8((reg >> (31 - q)) & 1)
    for q in range(k_prime, kbz):
        buf[u(q)] = 0
    for s in range(tgt_col.shape[0]):
        # sum over the step's edges of column c cyclically shifted by P: x_c[(z + P) mod Z]
        # = the source column added, whole, at offset Z - P of a 2 Z accumulator, whose two
        # halves summed give the result (one contiguous run of Z per edge: no split runs
        # with short remainders that do not vectorise)
        for z in range(2 * zc):
            acc[u(z)] = 0
        for e in range(src_ptr[s], src_ptr[s + 1]):
            col = buf[u(src_col[e]) * zcu:]
            dst = acc[zcu - u(src_shift[e]):]
            for z in range(zcu):
                dst[z] ^= col[z]
        hi = acc[zcu:]
        for z in range(zcu):
            acc[z] ^= hi[z]
        p = u(tgt_shift[s])
        o1 = u(tgt_col[s]) * zcu + p
        n1 = zcu - p
        for z in range(n1):
            buf[o1 + u(z)] = acc[u(z)]
        o2 = o1 - zcu
        for z in range(n1, zcu):
            buf[o2 + u(z)] = acc[u(z)]
    if r < c_lo:
        e, runs, off = e_lo, run_lo, r * e_lo
    else:
        e, runs, off = e_hi, run_hi, c_lo * e_lo + (r - c_lo) * e_hi
    k = u(0)
    for t in range(runs.shape[0] if select else 0):
        s0 = u(runs[t, 0])
        for q in range(u(runs[t, 1])):
            sel[k + u(q)] = buf[s0 + u(q)]
        k += u(runs[t, 1])
    return e, off, top, tb_reg


@njit(cache=True, nogil=True)
def encode_rate_match_rows_into(data, tail, l_cb, crc_table, crc_g, k_prime, kbz, c, tgt_col,
                                tgt_shift, src_ptr, src_col, src_shift, zc, n_buf_cols, qm,
                                c_lo, e_lo, run_lo, e_hi, run_hi, out, buf, acc,
                                sel):  # pragma: no cover - compiled
    """:func:`encode_rate_match_rows` (TS 38.212 §5.1, §5.2.2, §5.3.2, §5.4.2) with its
    work buffers given: ``buf`` (``n_buf_cols * zc`` bytes), ``acc`` (``2 zc``) and ``sel``
    (``max(e_lo, e_hi)``), as :func:`encode_rate_match_workspace` makes them; nothing is
    allocated. ``buf`` may hold the values a previous call left: every position the kernel
    reads it writes first within the same code block."""
    u = np.uint64
    for row in range(out.shape[0] * c):
        b = row // c
        e, off, _, _ = _encode_select(data, tail, row, l_cb, crc_table, crc_g, k_prime, kbz,
                                      c, tgt_col, tgt_shift, src_ptr, src_col, src_shift, zc,
                                      c_lo, e_lo, run_lo, e_hi, run_hi, buf, acc, sel, True, 0,
                                      crc_table, crc_g, np.int64(0), None)
        eq = u(e // qm)
        dst = out[b]
        o = u(off)
        if qm == 8 and out.shape[1] % 8 == 0:
            # Q_m = 8: the 8 bits of one symbol are one 64-bit word of the output (offsets
            # and row length are multiples of 8), gathered from the 8 rows of e
            dst64 = dst.view(np.uint64)
            o64 = o >> u(3)
            for i in range(eq):
                w = u(0)
                for m in range(8):
                    w |= u(sel[u(m) * eq + u(i)]) << u(8 * m)
                dst64[o64 + u(i)] = w
            continue
        for m in range(qm):
            mq = u(m) * eq
            for i in range(eq):
                dst[o + u(i) * u(qm) + u(m)] = sel[mq + u(i)]


@njit(cache=True, nogil=True)
def encode_rate_match_labels_into(data, tail, l_cb, crc_table, crc_g, k_prime, kbz, c,
                                  tgt_col, tgt_shift, src_ptr, src_col, src_shift, zc,
                                  n_buf_cols, qm, c_lo, e_lo, run_lo, e_hi, run_hi, mask,
                                  labels, buf, acc, sel, tb_l=0, tb_table=None,
                                  tb_g=0, tb_pair=None,
                                  tb_packed=None):  # pragma: no cover - compiled
    """:func:`encode_rate_match_rows_into` (TS 38.212 §5.1, §5.2.2, §5.3.2, §5.4.2) with the
    output given as symbol labels: ``labels[b, j]`` = the Q_m rate-matched bits
    f_{j Q_m} .. f_{j Q_m + Q_m - 1} of row b (after the interleaving of §5.4.2.2) as a
    number, f_{j Q_m} the most significant bit (the bit order of the constellation labels
    of TS 38.211 §5.1), XOR ``mask[j]`` (e.g. the scrambling bits c(n) of TS 38.211
    §7.3.1.1 packed the same way; zeros: no scrambling). ``labels`` ``[R, G / Q_m]`` and
    ``mask`` ``[G / Q_m]`` are uint8 (Q_m <= 8) or uint16; work buffers as
    :func:`encode_rate_match_workspace` (``sel`` unused), nothing allocated. The bit
    selection, the interleaving and the packing are Q_m passes over E_r / Q_m labels per
    code block (vectorised), reading the work buffer along the runs of bit selection,
    instead of a copy and a bit-by-bit interleave. Returns the OR of all bytes of ``data``
    (read while they are copied): > 1 means a value that is not a bit (the labels are then
    meaningless).

    ``tb_l`` > 0: the rows of ``data`` are transport blocks without their CRC, whose
    L = ``tb_l`` CRC bits (TS 38.212 §7.2.1; slicing-by-8 tables ``tb_table`` and generator
    ``tb_g`` of :func:`~softran.nr.coding.crc.crc_byte_tables`) the kernel computes in the
    same pass over the bytes as the code blocks' CRC24B and writes to ``tail[:, :tb_l]``
    (the rest of ``tail``: the zero padding of segmentation); 0: ``tail`` is read as
    given. ``tb_pair``: :func:`~softran.nr.coding.crc.crc_pair_table` of ``tb_table`` and
    ``crc_table`` (the two CRCs' tables side by side: fewer lookups), or None;
    ``tb_packed``: :func:`~softran.nr.coding.crc.crc_pair_tables_reflected` of the two
    (the bits packed 64 at a time by a byte mask: faster still), or None."""
    u = np.uint64
    top = np.uint8(0)
    tb_reg = np.int64(0)
    for row in range(labels.shape[0] * c):
        b = row // c
        e, off, seen, tb_reg = _encode_select(
            data, tail, row, l_cb, crc_table, crc_g, k_prime, kbz, c, tgt_col, tgt_shift,
            src_ptr, src_col, src_shift, zc, c_lo, e_lo, run_lo, e_hi, run_hi, buf, acc, sel,
            False, tb_l, crc_table if tb_table is None else tb_table, tb_g, tb_reg, tb_pair,
            tb_packed)
        top |= seen
        runs = run_lo if row - b * c < c_lo else run_hi
        eq = u(e // qm)
        dst = labels[b][u(off // qm):]
        msk = mask[u(off // qm):]
        # f_{i Qm + m} = e_{m E/Qm + i}: row m of e is bit Q_m - 1 - m of every label,
        # shifted in row by row (Horner: a doubling, which vectorises on bytes); e read
        # from the work buffer along the runs of bit selection (no copy into sel)
        for i in range(eq):
            dst[i] = 0
        t = 0
        t_off = u(0)
        for m in range(qm):
            i = u(0)
            while i < eq:
                n = min(eq - i, u(runs[t, 1]) - t_off)
                seg = buf[u(runs[t, 0]) + t_off:]
                d = dst[i:]
                for j in range(n):
                    d[j] = (d[j] + d[j]) | seg[j]
                i += n
                t_off += n
                if t_off == u(runs[t, 1]):
                    t += 1
                    t_off = u(0)
        for i in range(eq):
            dst[i] ^= msk[i]
    return top


def _runs(pos: np.ndarray) -> np.ndarray:
    """Maximal runs of consecutive positions of ``pos`` as int64 ``[n, 2]`` (start, length)."""
    if pos.size == 0:
        return np.zeros((0, 2), dtype=np.int64)
    first = np.concatenate([[0], np.flatnonzero(np.diff(pos) != 1) + 1])
    lengths = np.diff(np.concatenate([first, [pos.size]]))
    return np.stack([pos[first], lengths], axis=1).astype(np.int64)


@functools.lru_cache(maxsize=256)
def _gather_plan(bgn: int, zc: int, c: int, fill_start: int, fill_len: int, out_len: int,
                 rv: int, qm: int, n_layers: int, n_ref: int | None
                 ) -> tuple[int, int, np.ndarray, int, np.ndarray, frozenset[int]]:
    """(C_lo, E_lo, runs_lo, E_hi, runs_hi, parity columns read): bit selection of each
    segment of :func:`rate_match_segments` as runs of work-buffer positions (codeword
    position + 2 Z_c) before interleaving, and the columns they touch."""
    segs = rate_match_segments(bgn, zc, c, fill_start, fill_len, out_len, rv, qm, n_layers,
                               n_ref)
    sel = {}
    for r0, _, idx in segs:
        f_pos = idx.numpy().astype(np.int64) + 2 * zc
        # undo the interleaving f_{i Qm + m} = e_{m E/Qm + i}: e in selection order
        sel[r0] = f_pos.reshape(-1, qm).T.reshape(-1)
    c_lo = segs[0][1] if segs and segs[0][0] == 0 else 0
    empty = np.zeros(0, dtype=np.int64)
    e_lo = sel.get(0, empty) if c_lo else empty
    e_hi = sel.get(c_lo, empty) if c_lo < c else empty
    kb = 22 if bgn == 1 else 10
    cols = frozenset(int(v) for v in np.unique(np.concatenate([e_lo, e_hi]) // zc) if v >= kb)
    return c_lo, e_lo.size, _runs(e_lo), e_hi.size, _runs(e_hi), cols


def ldpc_encode_rate_match(blk: torch.Tensor, bgn: int, out_len: int, rv: int, modulation: str,
                           n_layers: int = 1, *, n_ref: int | None = None,
                           tail: torch.Tensor | None = None) -> torch.Tensor:
    """Segment, LDPC-encode and rate-match a block in one pass (TS 38.212 §5.2.2, §5.3.2,
    §5.4.2, §5.5; MATLAB ``nrCodeBlockSegmentLDPC`` + ``nrLDPCEncode`` + ``nrRateMatchLDPC``).

    Bit for bit equal to ``rate_match_ldpc(ldpc_encode(code_block_segment_ldpc(blk, bgn),
    bgn), out_len, rv, modulation, n_layers, n_ref=n_ref)``; on the CPU one Numba kernel
    does it per code block and computes only the parity bits that rate matching reads
    (module notes); other devices run the three functions.

    Parameters
    ----------
    blk : ``[..., B]`` 0/1 bits (uint8, bool or integer): a transport block with its CRC.
    bgn : LDPC base graph, 1 or 2.
    out_len, rv, modulation, n_layers, n_ref : G and the rest, as :func:`rate_match_ldpc`.
    tail : optional ``[..., T]`` 0/1 bits that follow ``blk`` (e.g. its CRC parity from
        :func:`~softran.nr.coding.crc.crc_parity`): the block is ``blk`` then ``tail``, so
        that the caller need not concatenate a large transport block with its CRC.

    Returns
    -------
    ``[..., out_len]`` uint8.

    >>> blk = torch.randint(0, 2, (2, 3000), dtype=torch.uint8)
    >>> f = ldpc_encode_rate_match(blk, 2, 4000, 0, "16QAM")
    >>> ref = rate_match_ldpc(ldpc_encode(code_block_segment_ldpc(blk, 2), 2), 4000, 0, "16QAM")
    >>> tuple(f.shape), bool(torch.equal(f, ref))
    ((2, 4000), True)
    """
    blk = check_bits("blk", blk, min_dim=1)
    bgn = check_int("bgn", bgn, 1, 2)
    out_len = check_int("out_len", out_len, 0)
    if tail is not None:
        tail = check_bits("tail", tail, min_dim=1)
        if tuple(tail.shape[:-1]) != tuple(blk.shape[:-1]) or tail.device != blk.device:
            raise ValueError(f"tail must have the leading dimensions {tuple(blk.shape[:-1])} "
                             f"and the device {blk.device} of blk, got {tuple(tail.shape)} "
                             f"on {tail.device}")
        if blk.device.type != "cpu" or blk.numel() == 0:
            blk, tail = torch.cat([blk, tail], dim=-1), None
    b = blk.shape[-1] + (0 if tail is None else tail.shape[-1])
    if blk.device.type != "cpu" or b < 1 or out_len == 0 or blk.numel() == 0:
        if tail is not None:
            blk = torch.cat([blk, tail], dim=-1)
        cbs = code_block_segment_ldpc(blk, bgn)
        return rate_match_ldpc(ldpc_encode(cbs, bgn), out_len, rv, modulation, n_layers,
                               n_ref=n_ref)
    rv, qm, n_layers = check_rate_match_args(rv, modulation, n_layers, out_len, "out_len")
    if n_ref is not None:
        n_ref = check_int("n_ref", n_ref, 1)
    batch = blk.shape[:-1]
    check_allocation("out_len", out_len, out_len * max(blk.numel() // max(blk.shape[-1], 1), 1))
    plan = encode_rate_match_plan(b, bgn, out_len, rv, qm, n_layers, n_ref)
    data = blk.reshape(-1, blk.shape[-1]).contiguous()
    # what follows blk in the code blocks: tail, then the zero padding of segmentation
    parts = [] if tail is None else [tail.reshape(data.shape[0], tail.shape[-1])]
    if plan.pad:
        parts.append(data.new_zeros(data.shape[0], plan.pad))
    if len(parts) == 1:
        rest = parts[0].contiguous()
    else:
        rest = (torch.cat(parts, dim=-1).contiguous() if parts
                else data.new_zeros(data.shape[0], 0))
    out = torch.empty(data.shape[0], out_len, dtype=torch.uint8)
    encode_rate_match_rows(data.numpy(), rest.numpy(), *plan.args, out.numpy())
    return out.reshape(*batch, out_len)


class EncodeRateMatchPlan(NamedTuple):
    """What :func:`encode_rate_match_rows` needs for one (B, bgn, G, rv, Q_m, v, N_ref):
    ``pad``, the zero padding of segmentation after the block (TS 38.212 §5.2.2: the
    ``tail`` rows of the kernel end with that many zeros), and ``args``, the kernel's
    arguments between ``tail`` and ``out``."""

    pad: int
    args: tuple


@functools.lru_cache(maxsize=256)
def encode_rate_match_plan(b: int, bgn: int, out_len: int, rv: int, qm: int, n_layers: int,
                           n_ref: int | None) -> EncodeRateMatchPlan:
    """The plan of :func:`encode_rate_match_rows` for a block of ``b`` bits (with its CRC)
    coded into ``out_len`` bits (G) of Q_m = ``qm`` bits per symbol on ``n_layers`` layers
    (TS 38.212 §5.2.2, §5.3.2, §5.4.2; arguments already checked, as
    :func:`ldpc_encode_rate_match` checks them), cached: for a caller that runs the kernel
    inside its own Numba kernel.

    >>> p = encode_rate_match_plan(3024, 2, 4000, 0, 4, 1, None)
    >>> p.pad, len(p.args)
    (0, 19)
    """
    seg = ldpc_segment_info(b, bgn)
    table, g = crc_byte_tables("24B")    # the code blocks' CRC24B, in the kernel (C > 1)
    # fillers c_K'..c_{K-1} sit at d_{K'-2Zc}..d_{K-2Zc-1} (§5.3.2: d_k = c_{k+2Zc})
    fill_start = max(0, seg.k_prime - 2 * seg.zc)
    fill_len = seg.k - 2 * seg.zc - fill_start
    c_lo, e_lo, run_lo, e_hi, run_hi, cols = _gather_plan(bgn, seg.zc, seg.c, fill_start,
                                                          fill_len, out_len, rv, qm, n_layers,
                                                          n_ref)
    steps = _needed_steps(bgn, seg.zc, cols)
    plan = encode_plan(bgn, seg.zc)
    return EncodeRateMatchPlan(seg.pad, (
        seg.l_cb if seg.c > 1 else 0, table, np.int64(g), seg.k_prime, plan.kb * seg.zc, seg.c,
        *steps, seg.zc, plan.n_buf_cols, qm, c_lo, e_lo, run_lo, e_hi, run_hi))
