"""The shared-channel receive back end on the CPU, two Numba passes around the LDPC decoder
(TS 38.212 §6.2 / §7.2 read backwards): what :class:`~softran.nr.coding.sch.ULSCHDecoder`
and :class:`~softran.nr.coding.sch.DLSCHDecoder` run on their slot path.

* :func:`sch_recover_rows`, before the decoder: LDPC rate recovery (§5.4.2, §5.5, by
  :func:`~softran.nr.coding.ldpc.rate_match.rate_recover_rows`) of the G soft bits straight
  into the decoder's ``[C, N]`` float32 input, HARQ soft combining with the process's soft
  buffer, and the scan for code blocks that received no soft bit.
* :func:`sch_decode_rows`: both around the fixed-point LDPC decoder's serial kernel
  (:func:`~softran.nr.coding.ldpc.decode_kernels_fixed.decode_serial_v`) in one call.
* :func:`sch_check_rows`, after it: code block desegmentation (§5.2.2) with the CRC24B of
  each code block, and the transport block CRC (§6.2.1 / §7.2.1, CRC16 or CRC24A of §5.1)
  on the hard bits as they are (no copy of the block with its CRC: the TB bits are copied
  out once and the CRC runs over them, the TB parity bits are read where they lie in the
  code blocks), with the per-TB error flag.

Both compute exactly what the torch reference of the decoder computes (the same sums in the
same order, the same CRC registers); the tests compare them.
"""

from __future__ import annotations

import numpy as np
from numba import njit

from softran.nr.coding.crc import crc_register_anywhere
from softran.nr.coding.ldpc.decode_kernels_fixed import decode_serial_v
from softran.nr.coding.ldpc.rate_match import rate_recover_rows
from softran.nr.coding.ldpc.segment import desegment_rows

__all__ = ["SCH_DECODE_FIELDS", "sch_check_rows", "sch_decode_rows", "sch_decode_rows_packed",
           "sch_recover_rows"]


@njit(cache=True, nogil=True)
def sch_recover_rows(llr, out, fill, buf, fresh, combine, received, qm, fill_start, fill_len,
                     c_lo, e_lo, runs_lo, zeros_lo, idx_lo, rep_lo, e_hi, runs_hi, zeros_hi,
                     idx_hi, rep_hi):  # pragma: no cover - compiled
    """Rate recovery (TS 38.212 §5.4.2, §5.5) of ``llr`` ``[R, G]`` float32 into ``out``
    ``[R, C, N]`` float32 (:func:`~softran.nr.coding.ldpc.rate_match.rate_recover_rows`
    with ``fill`` and the arguments after ``received``), then, when ``combine``, HARQ soft
    combining: ``out[b] = (0 if fresh[b] else buf[b]) + out[b]`` (``buf`` ``[R, C, N]``,
    ``fresh`` uint8 ``[R]``, the new data indicator per transport block), then
    ``received[b * C + r]`` = whether code block r of row b holds an LLR neither 0 nor ±inf.
    Returns ``(nan, n_received)``: whether a soft bit of ``llr`` was NaN (nothing after the
    recovery is done then) and how many code blocks received a soft bit."""
    nan = rate_recover_rows(llr, out, fill, qm, fill_start, fill_len, c_lo, e_lo, runs_lo,
                            zeros_lo, idx_lo, rep_lo, e_hi, runs_hi, zeros_hi, idx_hi, rep_hi)
    if nan:
        return True, 0
    n_rows, c, n = out.shape
    if combine:
        zero = np.float32(0.0)
        for b in range(n_rows):
            for r in range(c):
                dst = out[b, r]
                if fresh[b]:
                    for j in range(n):
                        dst[j] = zero + dst[j]      # as the reference: -0.0 becomes +0.0
                else:
                    old = buf[b, r]
                    for j in range(n):
                        dst[j] = old[j] + dst[j]
    inf = np.float32(np.inf)
    count = 0
    for b in range(n_rows):
        for r in range(c):
            row = out[b, r]
            got = False
            for j in range(n):
                v = abs(row[j])
                if v != 0 and v < inf:
                    got = True
                    break
            received[b * c + r] = got
            count += got
    return False, count


@njit(cache=True, nogil=True)
def sch_check_rows(bits, iterations, a, k_prime, l_cb, l_tb, table_cb, g_cb, table_tb, g_tb,
                   scratch, tb, cb_crc, iters_out, parity_ok, error):  # pragma: no cover
    """Code block desegmentation and CRC checks of TS 38.212 §5.2.2 and §5.1 on the decoded
    hard bits ``bits`` ``[R * C, K]`` uint8 (row b * C + r: code block r of transport block
    b; K' = ``k_prime`` bits c_0..c_{K'-1} used, the fillers after them ignored) and the
    decoder's ``iterations`` int32 ``[R * C]`` (> 0: the parity checks held, < 0: they did
    not, after |iterations|):

    * ``cb_crc[b, r]``: the CRC24B syndrome of code block r (L = ``l_cb`` = 24, tables
      ``table_cb``, ``g_cb`` of :func:`~softran.nr.coding.crc.crc_byte_tables`; all 0 when
      ``l_cb`` = 0, a single code block);
    * ``tb[b]``: the A = ``a`` transport block bits (the K' - L data bits of each code block
      in turn);
    * the TB CRC (L = ``l_tb``, ``table_tb``, ``g_tb``) of ``tb[b]`` against the TB parity
      bits b_A..b_{A+L-1} read in the code blocks;
    * ``iters_out[b, r]`` = |iterations|, ``parity_ok[b, r]`` = iterations > 0;
    * ``error[b]``: the TB CRC failed or a code block's parity checks did not hold.

    ``scratch`` uint8, 8-byte aligned, at least max(A, K) long (rows that do not start
    8-byte aligned are copied there for the CRC). Returns how many transport blocks failed,
    or -1 (nothing written) where an iteration count is 0 (the decoder met a NaN LLR).
    """
    n_rows, c = cb_crc.shape
    for j in range(iterations.shape[0]):
        if iterations[j] == 0:
            return -1
    n_data = k_prime - l_cb
    desegment_rows(bits.reshape(n_rows, c, bits.shape[1]), k_prime, l_cb, table_cb, g_cb,
                   tb[:, :a], cb_crc, scratch)
    failed = 0
    for b in range(n_rows):
        ok_all = True
        dst = tb[b]
        for r in range(c):
            it = iterations[b * c + r]
            iters_out[b, r] = abs(it)
            parity_ok[b, r] = it > 0
            ok_all &= it > 0
        reg = crc_register_anywhere(dst, a, table_tb, g_tb, scratch)
        parity = np.int64(0)
        for t in range(l_tb):
            p = a + t
            r = p // n_data
            parity = (parity << 1) | np.int64(bits[b * c + r, p - r * n_data])
        bad = ((reg >> (32 - l_tb)) ^ parity) != 0 or not ok_all
        error[b] = bad
        failed += bad
    return failed


@njit(cache=True, nogil=True)
def sch_decode_rows(llr, out, fill, buf, fresh, combine, received, recovery, bits, iterations,
                    decoder, check, tb, cb_crc, iters_out, parity_ok, error
                    ):  # pragma: no cover - compiled
    """:func:`sch_recover_rows`, the fixed-point LDPC decoding of TS 38.212 §5.3.2 codes
    (:func:`~softran.nr.coding.ldpc.decode_kernels_fixed.decode_serial_v` of ``out`` as
    ``[R * C, N]`` into ``bits`` ``[R * C, K]`` uint8 and ``iterations`` int32 ``[R * C]``,
    ``decoder`` = :meth:`~softran.nr.coding.ldpc.decode_kernels_fixed.FixedDecoder.
    serial_args`) and :func:`sch_check_rows` in one call: what the three calls give, one
    after the other (``recovery``: the arguments of :func:`sch_recover_rows` after
    ``received``; ``check``: those of :func:`sch_check_rows` between ``iterations`` and
    ``tb``).

    Returns ``(status, failed)``: status 1 (nothing decoded) where a soft bit was NaN or a
    code block received no soft bit at all (:func:`sch_recover_rows`), else 0 with
    ``failed`` what :func:`sch_check_rows` returns.
    """
    nan, n_received = sch_recover_rows(llr, out, fill, buf, fresh, combine, received,
                                       *recovery)
    if nan or n_received != received.shape[0]:
        return 1, 0
    n_rows, c, n = out.shape
    decode_serial_v(out.reshape(n_rows * c, n), bits, iterations, *decoder)
    return 0, sch_check_rows(bits, iterations, *check, tb, cb_crc, iters_out, parity_ok,
                             error)


#: the names of :func:`sch_decode_rows`'s kept arguments: the fields of the
#: :class:`~softran.nr.kernel_entry.KernelArgs` that :func:`sch_decode_rows_packed` takes
SCH_DECODE_FIELDS = ("out", "fresh", "received", "recovery", "bits", "iterations", "decoder",
                     "check", "cb_crc", "iters_out", "parity_ok")


@njit(cache=True, nogil=True)
def sch_decode_rows_packed(llr, fill, buf, combine, tb, error, a
                           ):  # pragma: no cover - compiled
    """:func:`sch_decode_rows` with its arguments that stay the same from slot to slot as
    the fields of ``a`` (a :class:`~softran.nr.kernel_entry.KernelArgs` with the fields
    :data:`SCH_DECODE_FIELDS`): one argument to unbox per call instead of some thirty
    arrays; the same computation (TS 38.212 §6.2.5 / §5.4.2 rate recovery, §5.3.2 LDPC
    decoding, §5.1 CRC checks, as :func:`sch_decode_rows`) and results."""
    return sch_decode_rows(llr, a.out, fill, buf, a.fresh, combine, a.received, a.recovery,
                           a.bits, a.iterations, a.decoder, a.check, tb, a.cb_crc,
                           a.iters_out, a.parity_ok, error)
