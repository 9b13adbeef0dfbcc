"""Numba CPU kernels behind :mod:`softran.oran.compression` (BFP and PRB bit packing).

The torch code in ``compression.py`` stays the reference; these kernels compute the same
integers (tests compare both paths on random input of every width) and are used for CPU
tensors when :data:`ENABLED` is true. The work on one PRB is whole-vector LLVM code
(:mod:`softran.oran._bfp_simd`: quantise, pack, unpack); the loops here run it PRB by PRB,
each width in its own copy of the loop:

* :func:`bfp_from_float` -- float I/Q ``[N, 24]`` (one row per PRB) to BFP mantissas and
  exponents (O-RAN.WG4.CUS.0 Annex A.1.2), fused with the 16-bit fixed-point conversion
  ``round_half_even(x * scale)`` (``scale = 0``: the input must already be integers). It
  returns a status instead of raising: 1 = a value outside -32768..32767 (or NaN), 2 = a
  non-integer without ``scale``; the caller then runs the torch path, which raises the
  precise error.
* :func:`bfp_from_float_to_bytes` -- the same straight to the PRB wire bytes (exponent byte
  + packed mantissas), one call.
* :func:`bfp_to_float` -- BFP PRB wire bytes straight to float I/Q ``[N, 24]``: unpacking,
  ``mantissa << exponent`` (Annex A.1.3) and the inverse fixed-point scaling in one pass.
* :func:`bfp_refill_uplane` -- :func:`bfp_from_float_to_bytes` written straight into the
  PRB fields of a slot's one-section U-plane messages (with their Sequence IDs and timing
  headers: ``refill_uplane_block`` of :mod:`softran.oran.uplane_block` fused with the
  compression), one call per slot.
* :func:`pack_prbs` / :func:`unpack_prbs` -- PRB wire bytes ``udCompParam | 24 x w-bit
  two's complement, MSB first`` (clause 8.3.3) from / to int16 codes.
"""

from __future__ import annotations

import numpy as np
from numba import get_num_threads, njit, prange

from softran.oran._bfp_simd import pack_prb, quantise_prb, unpack_prb

__all__ = ["ENABLED", "bfp_from_float", "bfp_from_float_to_bytes", "bfp_refill_uplane",
           "bfp_to_float", "pack_prbs", "unpack_prbs"]

#: Use the kernels for CPU tensors (tests switch this off to run the torch reference path).
ENABLED: bool = True


#: PRBs per work item of :func:`_bfp_from_float` (its scratch rows stay in L1/L2 cache).
_CHUNK = 256
#: Up to this many PRBs :func:`bfp_from_float` runs on the calling thread alone.
_SERIAL = 4096


@njit(cache=True, nogil=True)
def _bfp_chunk(x: np.ndarray, lo: int, hi: int, scale: float, width: int, round_sat: bool,
               mant: np.ndarray, expo: np.ndarray) -> int:
    """Rows ``lo:hi`` of :func:`_bfp_from_float`; returns that chunk's status.

    One :func:`~softran.oran._bfp_simd.quantise_prb` per PRB (the fixed point, the checks,
    ``exponent = max(bit_length(max(maxV, |minV| - 1)) - width + 1, 0)`` of Annex A.1.2 and
    the mantissas, floor-shift or round-saturate, as whole-PRB vector code); ``x``, ``mant``
    C-contiguous.
    """
    st = 0
    for p in range(lo, hi):
        r = quantise_prb(x, p * 24, scale, width, round_sat, mant, p * 24)
        st |= r & 3
        expo[p] = r >> 2
    if st & 1:
        return 1
    return 2 if st else 0


@njit(cache=True, nogil=True, parallel=True)
def _bfp_from_float(x: np.ndarray, scale: float, width: int, round_sat: bool,
                    mant: np.ndarray, expo: np.ndarray) -> int:
    n = x.shape[0]
    n_chunks = (n + _CHUNK - 1) // _CHUNK
    status = np.zeros(n_chunks, dtype=np.int8)
    for c in prange(n_chunks):
        lo = c * _CHUNK
        status[c] = _bfp_chunk(x, lo, min(lo + _CHUNK, n), scale, width, round_sat,
                               mant, expo)
    worst = 0
    for c in range(n_chunks):
        if status[c] == 1:
            return 1
        worst = max(worst, status[c])
    return worst


@njit(cache=True, nogil=True)
def _bfp_from_float_serial(x: np.ndarray, scale: float, width: int, round_sat: bool,
                           mant: np.ndarray, expo: np.ndarray) -> int:
    n = x.shape[0]
    worst = 0
    for lo in range(0, n, _CHUNK):
        status = _bfp_chunk(x, lo, min(lo + _CHUNK, n), scale, width, round_sat, mant, expo)
        if status == 1:
            return 1
        worst = max(worst, status)
    return worst


def bfp_from_float(x: np.ndarray, scale: float, width: int, round_saturate: bool
                   ) -> tuple[np.ndarray, np.ndarray, int]:
    """``x`` float32 ``[N, 24]`` -> (mantissa int16 ``[N, 24]``, exponent int16 ``[N]``,
    status); see the module docstring. Up to :data:`_SERIAL` PRBs (a slot of a 20 MHz cell)
    or with one Numba thread, one thread runs it without the parallel launch."""
    x = np.ascontiguousarray(x)
    n = x.shape[0]
    mant = np.empty((n, 24), dtype=np.int16)
    expo = np.empty(n, dtype=np.int16)
    kernel = _bfp_from_float_serial if n <= _SERIAL or get_num_threads() == 1 \
        else _bfp_from_float
    status = kernel(x, float(scale), int(width), bool(round_saturate), mant, expo)
    return mant, expo, int(status)


@njit(cache=True, nogil=True, inline="always")
def _put8(cp: np.ndarray, b: int, width: int, op: np.ndarray, pos: int) -> None:
    """Codes ``cp[b:b + 8]`` as ``width`` whole bytes at ``op[pos:]``, MSB first: two
    4-code words (``4 width`` <= 64 bits each) whose ``8 width`` bits are written out with
    shifts fixed by ``width`` (no branch on the data)."""
    uw = np.uint64(width)
    mask = np.uint64((1 << width) - 1)
    ff = np.uint64(0xFF)
    hi = np.uint64(0)
    lo = np.uint64(0)
    for i in range(4):
        hi = (hi << uw) | (np.uint64(np.int64(cp[b + i])) & mask)
        lo = (lo << uw) | (np.uint64(np.int64(cp[b + 4 + i])) & mask)
    if width < 8:                                       # all 8 w bits in one word
        c = (hi << np.uint64(4 * width)) | lo
        for j in range(width):
            op[pos + j] = np.uint8((c >> np.uint64(8 * (width - 1 - j))) & ff)
    else:                                               # the top 64 bits, then 8 w - 64
        if width == 16:
            t = hi
        else:
            t = (hi << np.uint64(64 - 4 * width)) | (lo >> np.uint64(8 * width - 64))
        for j in range(8):
            op[pos + j] = np.uint8((t >> np.uint64(56 - 8 * j)) & ff)
        for j in range(width - 8):
            op[pos + 8 + j] = np.uint8((lo >> np.uint64(8 * (width - 9 - j))) & ff)


@njit(cache=True, nogil=True)
def _pack(codes: np.ndarray, param: np.ndarray, width: int, out: np.ndarray) -> None:
    """udCompParam bytes, then 24 codes as 3 groups of :func:`_put8`."""
    n, k = param.shape
    for p in range(n):
        for j in range(k):
            out[p, j] = param[p, j]
    for p in range(n):
        cp = codes[p]
        op = out[p][k:]
        for g in range(3):
            _put8(cp, 8 * g, width, op, g * width)


@njit(cache=True, nogil=True)
def _pack_bfp(mant: np.ndarray, expo: np.ndarray, width: int, out: np.ndarray) -> None:
    """:func:`_pack` of BFP PRBs: the exponent (1-D) as the udCompParam byte, then
    :func:`~softran.oran._bfp_simd.pack_prb` (all C-contiguous); each width has its own
    copy of the loop (the bit positions are constants of the vector code)."""
    if width == 9:
        _pack_bfp_rows(mant, expo, 9, out)
    elif width == 8:
        _pack_bfp_rows(mant, expo, 8, out)
    elif width == 12:
        _pack_bfp_rows(mant, expo, 12, out)
    elif width == 14:
        _pack_bfp_rows(mant, expo, 14, out)
    elif width == 16:
        _pack_bfp_rows(mant, expo, 16, out)
    elif width == 1:
        _pack_bfp_rows(mant, expo, 1, out)
    elif width == 2:
        _pack_bfp_rows(mant, expo, 2, out)
    elif width == 3:
        _pack_bfp_rows(mant, expo, 3, out)
    elif width == 4:
        _pack_bfp_rows(mant, expo, 4, out)
    elif width == 5:
        _pack_bfp_rows(mant, expo, 5, out)
    elif width == 6:
        _pack_bfp_rows(mant, expo, 6, out)
    elif width == 7:
        _pack_bfp_rows(mant, expo, 7, out)
    elif width == 10:
        _pack_bfp_rows(mant, expo, 10, out)
    elif width == 11:
        _pack_bfp_rows(mant, expo, 11, out)
    elif width == 13:
        _pack_bfp_rows(mant, expo, 13, out)
    elif width == 15:
        _pack_bfp_rows(mant, expo, 15, out)


@njit(cache=True, nogil=True, inline="always")
def _pack_bfp_rows(mant: np.ndarray, expo: np.ndarray, width: int,
                   out: np.ndarray) -> None:  # pragma: no cover - compiled
    per = out.shape[1]
    for p in range(out.shape[0]):
        out[p, 0] = np.uint8(expo[p])
        pack_prb(mant, p * 24, width, out, p * per + 1)


def pack_prbs(codes: np.ndarray, param: np.ndarray, width: int) -> np.ndarray:
    """int16 codes ``[N, 24]`` + udCompParam bytes uint8 ``[N, k]`` -> uint8 ``[N, k + 3w]``."""
    out = np.empty((codes.shape[0], param.shape[1] + 3 * width), dtype=np.uint8)
    _pack(codes, param, int(width), out)
    return out


@njit(cache=True, nogil=True)
def _unpack(octets: np.ndarray, k: int, width: int, out: np.ndarray) -> None:
    n = octets.shape[0]
    sign = 1 << (width - 1)
    full = 1 << width
    for p in range(n):
        pos = k
        acc = 0
        bits = 0
        for i in range(24):
            while bits < width:
                acc = (acc << 8) | np.int64(octets[p, pos])
                pos += 1
                bits += 8
            bits -= width
            u = (acc >> bits) & (full - 1)
            acc &= (1 << bits) - 1
            out[p, i] = u - full if u >= sign else u


def unpack_prbs(octets: np.ndarray, k: int, width: int) -> np.ndarray:
    """uint8 PRB bytes ``[N, k + 3w]`` -> int16 codes ``[N, 24]`` (udCompParam skipped)."""
    out = np.empty((octets.shape[0], 24), dtype=np.int16)
    _unpack(np.ascontiguousarray(octets), int(k), int(width), out)
    return out


@njit(cache=True, nogil=True)
def _bfp_to_float(octets: np.ndarray, width: int, scale: float, use_scale: bool,
                  out: np.ndarray) -> None:
    """:func:`~softran.oran._bfp_simd.unpack_prb` of each PRB: ``(m << e) * scale`` (the
    same float64 product as ``m * (2^e scale)``: scaling by 2^e is exact; without
    ``scale``, the integer ``m << e``) rounded to float32; ``octets`` ``[N, 1 + 3 width]``
    and ``out`` ``[N, 24]`` C-contiguous. Each width has its own copy of the loop (the bit
    positions are constants of the vector code)."""
    s = scale if use_scale else 1.0
    if width == 9:
        _unpack_rows(octets, 9, s, out)
    elif width == 8:
        _unpack_rows(octets, 8, s, out)
    elif width == 12:
        _unpack_rows(octets, 12, s, out)
    elif width == 14:
        _unpack_rows(octets, 14, s, out)
    elif width == 16:
        _unpack_rows(octets, 16, s, out)
    elif width == 1:
        _unpack_rows(octets, 1, s, out)
    elif width == 2:
        _unpack_rows(octets, 2, s, out)
    elif width == 3:
        _unpack_rows(octets, 3, s, out)
    elif width == 4:
        _unpack_rows(octets, 4, s, out)
    elif width == 5:
        _unpack_rows(octets, 5, s, out)
    elif width == 6:
        _unpack_rows(octets, 6, s, out)
    elif width == 7:
        _unpack_rows(octets, 7, s, out)
    elif width == 10:
        _unpack_rows(octets, 10, s, out)
    elif width == 11:
        _unpack_rows(octets, 11, s, out)
    elif width == 13:
        _unpack_rows(octets, 13, s, out)
    elif width == 15:
        _unpack_rows(octets, 15, s, out)


@njit(cache=True, nogil=True, inline="always")
def _unpack_rows(octets: np.ndarray, width: int, scale: float,
                 out: np.ndarray) -> None:  # pragma: no cover - compiled
    n, per = out.shape[0], octets.shape[1]
    # PRBs with wide_bytes(width) bytes from their mantissas on: one wide vector load
    fast = max(min(n, (n * per - 1 - (3 * width + 15) // 16 * 16) // per + 1), 0)
    for p in range(fast):
        e = np.int64(octets[p, 0] & 0x0F)              # high nibble reserved (ignored)
        unpack_prb(octets, p * per + 1, width, e, scale, out, p * 24, True)
    for p in range(fast, n):
        e = np.int64(octets[p, 0] & 0x0F)
        unpack_prb(octets, p * per + 1, width, e, scale, out, p * 24, False)


def bfp_to_float(octets: np.ndarray, width: int, scale: float | None) -> np.ndarray:
    """uint8 BFP PRB bytes ``[N, 1 + 3w]`` -> float32 I/Q ``[N, 24]``: ``(m << e) * scale``
    (computed in float64 and rounded once to float32, as the torch path; ``scale = None``:
    the 16-bit integers themselves)."""
    out = np.empty((octets.shape[0], 24), dtype=np.float32)
    octets = np.ascontiguousarray(octets)
    _bfp_to_float(octets, int(width), 1.0 if scale is None else float(scale),
                  scale is not None, out)
    return out


@njit(cache=True, nogil=True)
def _bfp_wire(x: np.ndarray, scale: float, width: int, round_sat: bool,
              out: np.ndarray) -> int:
    n = x.shape[0]
    mant = np.empty((n, 24), dtype=np.int16)           # scratch: few arguments to dispatch
    expo = np.empty(n, dtype=np.int16)
    status = _bfp_from_float_serial(x, scale, width, round_sat, mant, expo)
    if status != 0:
        return status
    _pack_bfp(mant, expo, width, out)
    return 0


def bfp_from_float_to_bytes(x: np.ndarray, scale: float, width: int, round_saturate: bool
                            ) -> tuple[np.ndarray, int]:
    """:func:`bfp_from_float` then :func:`pack_prbs` with the exponent as udCompParam:
    (uint8 PRB wire bytes ``[N, 1 + 3 width]``, status), in one call up to
    :data:`_SERIAL` PRBs or with one Numba thread."""
    x = np.ascontiguousarray(x)
    n = x.shape[0]
    out = np.empty((n, 1 + 3 * width), dtype=np.uint8)
    if n > _SERIAL and get_num_threads() > 1:
        mant, expo, status = bfp_from_float(x, scale, width, round_saturate)
        if status == 0:
            _pack(mant, expo.astype(np.uint8).reshape(n, 1), int(width), out)
        return out, status
    status = _bfp_wire(x, float(scale), int(width), bool(round_saturate), out)
    return out, int(status)


@njit(cache=True, nogil=True)
def bfp_refill_uplane(x: np.ndarray, scale: float, width: int, round_sat: bool,
                      rows: np.ndarray, symbols: np.ndarray, timing: np.ndarray,
                      seq0: np.ndarray, step: int, offset: int, p0: int, n: int,
                      mant: np.ndarray, expo: np.ndarray, out: np.ndarray,
                      row_major: bool = False) -> int:  # pragma: no cover - compiled
    """One-section U-plane messages ``out`` uint8 C-contiguous ``[n_sym, n_e, size]``
    (``row_major``: ``[n_e, n_sym, size]``, message ``(i, j)`` at ``out[j, i]``) written before
    (O-RAN.WG4.CUS.0 clause 8.3) get, per message ``(i, j)``: Sequence ID (byte 6)
    ``(seq0[j] + i * step + offset) mod 256``, timing header (bytes 8-11) ``timing`` with
    symbolId ``symbols[i]``, and as their last ``n (1 + 3 width)`` bytes the BFP PRB fields
    (exponent byte, packed mantissas; Annex A.1.2, clause 8.3.3) of PRBs ``p0 .. p0 + n - 1``
    of row ``x[rows[j], symbols[i]]`` (``x`` float32 ``[n_eaxc, n_symbols, n_prb, 24]``,
    C-contiguous, I/Q interleaved), quantised as :func:`bfp_from_float` (every PRB of ``x``
    in one pass, then packed into the messages; ``mant`` int16 ``[n_eaxc n_symbols n_prb,
    24]`` and ``expo`` int16 ``[n_eaxc n_symbols n_prb]`` are the caller's scratch). Returns
    the status of :func:`bfp_from_float` (not 0: nothing written; the caller runs the
    reference path)."""
    n_s, n_prb = x.shape[1], x.shape[2]
    flat = x.reshape(x.shape[0] * n_s * n_prb, 24)
    status = _bfp_from_float_serial(flat, scale, width, round_sat, mant, expo)
    if status != 0:
        return status
    if width == 9:
        _pack_uplane(mant, expo, 9, rows, symbols, timing, seq0, step, offset, p0, n, n_s,
                     n_prb, out, row_major)
    elif width == 8:
        _pack_uplane(mant, expo, 8, rows, symbols, timing, seq0, step, offset, p0, n, n_s,
                     n_prb, out, row_major)
    elif width == 12:
        _pack_uplane(mant, expo, 12, rows, symbols, timing, seq0, step, offset, p0, n, n_s,
                     n_prb, out, row_major)
    elif width == 14:
        _pack_uplane(mant, expo, 14, rows, symbols, timing, seq0, step, offset, p0, n, n_s,
                     n_prb, out, row_major)
    elif width == 16:
        _pack_uplane(mant, expo, 16, rows, symbols, timing, seq0, step, offset, p0, n, n_s,
                     n_prb, out, row_major)
    elif width == 1:
        _pack_uplane(mant, expo, 1, rows, symbols, timing, seq0, step, offset, p0, n, n_s,
                     n_prb, out, row_major)
    elif width == 2:
        _pack_uplane(mant, expo, 2, rows, symbols, timing, seq0, step, offset, p0, n, n_s,
                     n_prb, out, row_major)
    elif width == 3:
        _pack_uplane(mant, expo, 3, rows, symbols, timing, seq0, step, offset, p0, n, n_s,
                     n_prb, out, row_major)
    elif width == 4:
        _pack_uplane(mant, expo, 4, rows, symbols, timing, seq0, step, offset, p0, n, n_s,
                     n_prb, out, row_major)
    elif width == 5:
        _pack_uplane(mant, expo, 5, rows, symbols, timing, seq0, step, offset, p0, n, n_s,
                     n_prb, out, row_major)
    elif width == 6:
        _pack_uplane(mant, expo, 6, rows, symbols, timing, seq0, step, offset, p0, n, n_s,
                     n_prb, out, row_major)
    elif width == 7:
        _pack_uplane(mant, expo, 7, rows, symbols, timing, seq0, step, offset, p0, n, n_s,
                     n_prb, out, row_major)
    elif width == 10:
        _pack_uplane(mant, expo, 10, rows, symbols, timing, seq0, step, offset, p0, n, n_s,
                     n_prb, out, row_major)
    elif width == 11:
        _pack_uplane(mant, expo, 11, rows, symbols, timing, seq0, step, offset, p0, n, n_s,
                     n_prb, out, row_major)
    elif width == 13:
        _pack_uplane(mant, expo, 13, rows, symbols, timing, seq0, step, offset, p0, n, n_s,
                     n_prb, out, row_major)
    elif width == 15:
        _pack_uplane(mant, expo, 15, rows, symbols, timing, seq0, step, offset, p0, n, n_s,
                     n_prb, out, row_major)
    return 0


@njit(cache=True, nogil=True, inline="always")
def _pack_uplane(mant: np.ndarray, expo: np.ndarray, width: int, rows: np.ndarray,
                 symbols: np.ndarray, timing: np.ndarray, seq0: np.ndarray, step: int,
                 offset: int, p0: int, n: int, n_s: int, n_prb: int,
                 out: np.ndarray, row_major: bool) -> None:  # pragma: no cover - compiled
    """The message fields of :func:`bfp_refill_uplane` from quantised PRBs."""
    if row_major:
        n_e, n_sym, size = out.shape
    else:
        n_sym, n_e, size = out.shape
    bpp = 1 + 3 * width
    head = size - n * bpp
    for i in range(n_sym):
        l = symbols[i]
        for j in range(n_e):
            o = out[j, i] if row_major else out[i, j]
            o[6] = (seq0[j] + i * step + offset) & 0xFF
            o[8] = timing[0]
            o[9] = timing[1]
            o[10] = timing[2]
            o[11] = timing[3] | l
            first = (rows[j] * n_s + l) * n_prb + p0
            for q in range(n):
                p = first + q
                o[head + q * bpp] = np.uint8(expo[p])
                pack_prb(mant, p * 24, width, o, head + q * bpp + 1)
