"""LDPC rate matching and rate recovery, TS 38.212 §5.4.2 and §5.5.

MATLAB namesakes: ``nrRateMatchLDPC`` and ``nrRateRecoverLDPC``.

How it is computed
------------------
Bit selection (§5.4.2.1) reads the circular buffer d_0..d_{N_cb-1} from k0 on, skipping
filler bits; bit interleaving (§5.4.2.2) writes the E selected bits row-wise into Q_m rows
and reads them column-wise. Both only permute/repeat positions of the codeword, so for each
output length E they reduce to one index list ``idx`` of length E with
``f_j = d_{idx[j]}``; it depends on (N, N_cb, k0, filler positions, E, Q_m) only and is cached.
The code blocks of a transport block share N, k0 and their filler positions and use at most
two lengths E_r, so rate matching is at most two gathers and rate recovery at most two
scatter-adds (``index_add_``, which sums repeated positions: soft combining when E > N_cb).

On the CPU rate recovery is one Numba pass instead (:func:`rate_recover_ldpc`): per code
block, without repetition (E_r no larger than the buffer's non-filler positions) each soft
bit is written once to its codeword position as runs of consecutive positions (bit selection
reads the circular buffer in order; a run ends at a wrap, a filler run or an interleaver
row), the positions never read are zeroed and the fillers set to +inf; with repetition the
block is zeroed and the soft bits are added in the order of the output, as ``index_add_``
does. The runs come from the same cached index lists (same values, tested against the torch
path).
"""

from __future__ import annotations

import functools
from fractions import Fraction
from typing import Any

import numpy as np
import torch
from numba import njit

from softran.nr.coding.ldpc.base_graph import lifting_sizes
from softran.nr.coding.sch_info import dlsch_info
from softran.nr.tables import modulation_order
from softran.validation import check_allocation, check_int, check_llr, check_tensor

__all__ = ["LDPCRateRecovery", "check_rate_match_args", "rate_match_ldpc", "rate_match_segments",
           "rate_recover_ldpc", "rate_recover_rows"]

#: Whether the CPU rate recovery runs the Numba kernel (False: the torch reference, for tests)
KERNELS: bool = True

# k0 of TS 38.212 Table 5.4.2.1-2: k0 = floor(numerator[rv] N_cb / (denominator Z_c)) Z_c
_K0_NUMERATORS: dict[int, tuple[int, int, int, int]] = {1: (0, 17, 33, 56), 2: (0, 13, 25, 43)}
_K0_DENOMINATORS: dict[int, int] = {1: 66, 2: 50}


def _bgn_zc_from_n(n: int) -> tuple[int, int]:
    """Base graph and lifting size of an LDPC codeword of length N = 66 Z_c or 50 Z_c."""
    zs = set(lifting_sizes())
    if n % 66 == 0 and n // 66 in zs:
        return 1, n // 66
    if n % 50 == 0 and n // 50 in zs:
        return 2, n // 50
    raise ValueError(f"cw has codeword length N = {n}; it must be 66 Zc (base graph 1) or "
                     "50 Zc (base graph 2) for a lifting size Zc of TS 38.212 Table 5.3.2-1")


def _k0(rv: int, bgn: int, n_cb: int, zc: int) -> int:
    """Starting position k0 of redundancy version ``rv`` (TS 38.212 Table 5.4.2.1-2)."""
    return (_K0_NUMERATORS[bgn][rv] * n_cb // (_K0_DENOMINATORS[bgn] * zc)) * zc


def _n_cb(n: int, n_ref: int | None) -> int:
    """Circular buffer length: N, or min(N, N_ref) with limited-buffer rate matching."""
    if n_ref is None:
        return n
    return min(n, check_int("n_ref", n_ref, 1))


def _e_split(g: int, c: int, n_layers: int, qm: int) -> tuple[int, int, int]:
    """(C_lo, E_lo, E_hi): code blocks r < C_lo get E_lo bits, the others E_hi (§5.4.2.1).

    E_r = N_L Q_m floor(G / (N_L Q_m C)) for r <= C - mod(G / (N_L Q_m), C) - 1, else
    N_L Q_m ceil(G / (N_L Q_m C)) (all C code blocks scheduled, C' = C).
    """
    nq = n_layers * qm
    gq = g // nq
    return c - gq % c, nq * (gq // c), nq * (-(-gq // c))


@functools.lru_cache(maxsize=512)
def _index(n_cb: int, k0: int, fill_start: int, fill_len: int, e: int, qm: int,
           device: torch.device) -> torch.Tensor:
    """Codeword position of each rate-matched output bit f_0..f_{E-1} (int64 ``[E]``)."""
    pos = torch.arange(n_cb)
    valid = pos[(pos < fill_start) | (pos >= fill_start + fill_len)]    # buffer without <NULL>
    first = int((valid < k0).sum())                                     # first valid >= k0
    e_pos = valid[(first + torch.arange(e)) % valid.numel()]            # bit selection
    f_pos = e_pos.reshape(qm, e // qm).T.reshape(-1)                    # bit interleaving
    return f_pos.to(device)


def rate_match_segments(bgn: int, zc: int, c: int, fill_start: int, fill_len: int,
                        out_len: int, rv: int, qm: int, n_layers: int,
                        n_ref: int | None = None, device: torch.device | str = "cpu"
                        ) -> tuple[tuple[int, int, torch.Tensor], ...]:
    """Where each rate-matched bit comes from (TS 38.212 §5.4.2.1, §5.4.2.2, §5.5).

    Code blocks ``r0 <= r < r1`` of one segment share E_r = ``len(idx)``; their output bits
    ``f_j = d_{idx[j]}`` (``idx`` int64, positions in the codeword d of length N = 66 Z_c or
    50 Z_c) follow each other in the concatenated output. The arguments are those of
    :func:`rate_match_ldpc` with the filler run (``fill_start``, ``fill_len``) in d; they are
    not checked again here. Segments with E_r = 0 are left out.

    >>> [(r0, r1, idx.tolist()) for r0, r1, idx in rate_match_segments(2, 2, 1, 0, 0, 8, 0, 4, 1)]
    [(0, 1, [0, 2, 4, 6, 1, 3, 5, 7])]
    """
    n = (66 if bgn == 1 else 50) * zc
    n_cb = _n_cb(n, n_ref)
    c_lo, e_lo, e_hi = _e_split(out_len, c, n_layers, qm)
    if fill_start == 0 and n_cb <= fill_len and max(e_lo, e_hi) > 0:
        # bit selection skips <NULL>: a circular buffer of filler bits only has nothing to send
        raise ValueError(f"n_ref = {n_ref} leaves only filler bits in the circular buffer "
                         f"(N_cb = min(N, N_ref) = {n_cb}; the filler bits are d_0..d_"
                         f"{fill_len - 1}); allowed: n_ref > {fill_len} (TS 38.212 §5.4.2.1)")
    k0 = _k0(rv, bgn, n_cb, zc)
    dev = torch.device(device)
    return tuple((r0, r1, _index(n_cb, k0, fill_start, fill_len, e, qm, dev))
                 for r0, r1, e in ((0, c_lo, e_lo), (c_lo, c, e_hi)) if r1 > r0 and e > 0)


def check_rate_match_args(rv: Any, modulation: Any, n_layers: Any, g: int,
                          g_name: str) -> tuple[int, int, int]:
    """(rv, Q_m, N_L) checked for LDPC rate matching of ``g`` = G bits (TS 38.212 §5.4.2.1:
    G a multiple of N_L Q_m); ``g_name`` names G in the error.

    >>> check_rate_match_args(2, "16QAM", 2, 800, "out_len")
    (2, 4, 2)
    """
    rv = check_int("rv", rv, 0, 3)
    qm = modulation_order(modulation)
    n_layers = check_int("n_layers", n_layers, 1, 4)
    if g % (n_layers * qm):
        raise ValueError(f"{g_name} = {g} must be a multiple of n_layers * Qm = {n_layers} * {qm}"
                         f" = {n_layers * qm} (TS 38.212 §5.4.2.1)")
    return rv, qm, n_layers


def _fillers(cw: torch.Tensor, n: int) -> tuple[int, int]:
    """(start, length) of the filler bits (-1) of the first code block (one run of -1), checked
    to be filler bits in every code block too."""
    row = cw.reshape(-1, n)[0] == -1
    fill_len = int(row.sum())
    fill_start = int(row.to(torch.uint8).argmax()) if fill_len else 0
    if fill_len and not bool(row[fill_start:fill_start + fill_len].all()):
        raise ValueError("cw: the filler bits (-1) of a code block must be consecutive "
                         "(TS 38.212 §5.3.2: d_k = <NULL> for k = K' - 2Zc .. K - 2Zc - 1)")
    if fill_len and not bool((cw[..., fill_start:fill_start + fill_len] == -1).all()):
        raise ValueError("cw: all code blocks must have their filler bits (-1) at the same "
                         "positions (they share K' and K, TS 38.212 §5.2.2)")
    return fill_start, fill_len


def rate_match_ldpc(cw: torch.Tensor, out_len: int, rv: int, modulation: str,
                    n_layers: int = 1, *, n_ref: int | None = None) -> torch.Tensor:
    """LDPC rate matching and code block concatenation (TS 38.212 §5.4.2, §5.5).

    MATLAB namesake ``nrRateMatchLDPC``. For each code block r (all C scheduled):

    * §5.4.2.1 bit selection: N_cb = N, or min(N, N_ref) with limited-buffer rate matching;
      k0 of Table 5.4.2.1-2 (BG1: floor({0, 17, 33, 56}[rv] N_cb / (66 Z_c)) Z_c, BG2:
      floor({0, 13, 25, 43}[rv] N_cb / (50 Z_c)) Z_c); e_k = d_{(k0 + j) mod N_cb},
      skipping filler bits, k = 0..E_r-1; E_r = N_L Q_m floor(G / (N_L Q_m C)) for
      r <= C - mod(G / (N_L Q_m), C) - 1, else N_L Q_m ceil(G / (N_L Q_m C)).
    * §5.4.2.2 bit interleaving: f_{i + j Q_m} = e_{i E/Q_m + j}.
    * §5.5 concatenation of f^(0), f^(1), ... into G = ``out_len`` bits.

    Parameters
    ----------
    cw : ``[..., C, N]`` int8 LDPC codewords (:func:`~softran.nr.coding.ldpc.encode.ldpc_encode`
        output) with -1 at the filler positions (one run, the same in every code block);
        N = 66 Z_c (BG1) or 50 Z_c (BG2) gives the base graph and Z_c. Every transmitted
        position must hold 0 or 1 (positions never read are not inspected).
    out_len : G, the number of output bits, a multiple of ``n_layers * Q_m`` (>= 0).
    rv : redundancy version, 0..3.
    modulation : ``"pi/2-BPSK"``, ``"QPSK"``, ``"16QAM"``, ``"64QAM"``, ``"256QAM"`` or
        ``"1024QAM"`` (gives Q_m).
    n_layers : N_L, layers of the transport block, 1..4.
    n_ref : N_ref in bits for limited-buffer rate matching (I_LBRM = 1): the caller computes
        N_ref = floor(TBS_LBRM / (C R_LBRM)) of §5.4.2.1 (as MATLAB's ``Nref``); ``None``
        for I_LBRM = 0 (N_cb = N).

    Returns
    -------
    ``[..., out_len]`` uint8, the concatenated rate-matched bits.

    >>> cw = torch.arange(50 * 2).remainder(2).to(torch.int8).reshape(1, 100)  # BG2, Zc = 2
    >>> rate_match_ldpc(cw, 8, 0, "16QAM")       # E = 8, Qm = 4: f = e0 e2 e4 e6 e1 e3 e5 e7
    tensor([0, 0, 0, 0, 1, 1, 1, 1], dtype=torch.uint8)
    """
    cw = check_tensor("cw", cw, min_dim=2)
    if cw.is_floating_point() or cw.is_complex() or cw.dtype == torch.bool:
        raise TypeError(f"cw must be an integer tensor (int8, -1 for filler bits), got "
                        f"dtype {cw.dtype}")
    out_len = check_int("out_len", out_len, 0)
    rv, qm, n_layers = check_rate_match_args(rv, modulation, n_layers, out_len, "out_len")
    c, n = cw.shape[-2], cw.shape[-1]
    # output (gathered, then uint8) per batch entry, and the cached int64 index lists
    check_allocation("out_len", out_len, 2 * out_len * (cw.numel() // max(c * n, 1))
                     + 4 * 8 * out_len, device=cw.device)
    if c < 1:
        raise ValueError(f"cw has shape {tuple(cw.shape)}: it must hold at least one code block")
    bgn, zc = _bgn_zc_from_n(n)
    batch = cw.shape[:-2]
    if cw.numel() == 0:
        return torch.zeros(*batch, out_len, dtype=torch.uint8, device=cw.device)
    if cw.is_cpu and cw.dtype in (torch.int8, torch.uint8) and out_len:
        # one Numba pass by the runs of the rate recovery plan (read the other way)
        rows = cw.contiguous().numpy()
        rows = (rows if cw.dtype == torch.uint8 else rows.view(np.uint8)).reshape(-1, c, n)
        fill_start, fill_len, consecutive, shared = (
            _filler_run(rows.reshape(-1, n)) if cw.dtype == torch.int8 else (0, 0, True, True))
        if consecutive and shared:
            if n_ref is not None:
                n_ref = check_int("n_ref", n_ref, 1)
            plan = _recover_plan(bgn, zc, c, fill_start, fill_len, out_len, rv, qm, n_layers,
                                 n_ref)
            out_np = np.empty((*batch, out_len), dtype=np.uint8)
            if _rate_match_rows(rows, out_np.reshape(-1, out_len), qm, *plan) <= 1:
                return torch.from_numpy(out_np)
    fill_start, fill_len = _fillers(cw, n)
    parts = []
    for r0, r1, idx in rate_match_segments(bgn, zc, c, fill_start, fill_len, out_len, rv, qm,
                                           n_layers, n_ref, cw.device):
        parts.append(cw[..., r0:r1, :].index_select(-1, idx).reshape(*batch, -1))
    if not parts:
        return torch.zeros(*batch, out_len, dtype=torch.uint8, device=cw.device)
    out = torch.cat(parts, dim=-1).to(torch.uint8)
    # every selected bit must be 0 or 1 (a -1 here is a filler outside the first block's run)
    if bool((out > 1).any()):
        raise ValueError("cw must contain only 0, 1 and -1 (filler bits, one run at the same "
                         "positions in every code block)")
    return out


#: rate_recover_ldpc's configurations checked by an earlier call (llr shape, arguments and
#: their types) -> (output shape, llr rows shape, output rows shape, rate_recover_rows args)
_CHECKED: dict[tuple[Any, ...], tuple[Any, ...]] = {}
_RATE_TYPES = (float, int, Fraction)

_EMPTY_RUNS = np.zeros((0, 3), dtype=np.int64)
_EMPTY_IDX = np.zeros(0, dtype=np.int64)


def _segment_recover_plan(idx: np.ndarray, qm: int, n: int, fill_start: int, fill_len: int,
                          n_valid: int) -> tuple[np.ndarray, np.ndarray, np.ndarray, bool]:
    """(runs, zeros, idx, repeated) of one segment of E soft bits: ``runs`` int64 ``[n, 3]``
    (codeword start, length, first soft bit; soft bits Q_m apart) writing every soft bit once
    and ``zeros`` ``[n, 3]`` (start, length, 0) the non-filler positions never read, when no
    position is read twice (E <= ``n_valid``); else ``repeated`` and ``idx`` (the codeword
    position of each soft bit, output order) for a zero fill and a scatter-add."""
    e = idx.size
    if e > n_valid:
        return _EMPTY_RUNS, _EMPTY_RUNS, idx.astype(np.int64), True
    eq = e // qm
    pos_e = idx.reshape(eq, qm).T.reshape(-1)             # bit selection order e_0..e_{E-1}
    k = np.arange(e)
    # a run: consecutive codeword positions within one interleaver row (m = k div E/Qm)
    brk = np.flatnonzero((np.diff(pos_e) != 1) | (np.diff(k // eq) != 0)) + 1
    first = np.concatenate([[0], brk])
    length = np.diff(np.concatenate([first, [e]]))
    src = (first % eq) * qm + first // eq                 # f index of e_k: (k mod E/Qm) Qm + m
    runs = np.stack([pos_e[first], length, src], axis=1).astype(np.int64)
    seen = np.zeros(n, dtype=bool)
    seen[pos_e] = True
    seen[fill_start:fill_start + fill_len] = True
    free = np.flatnonzero(~seen)
    if free.size:
        zb = np.concatenate([[0], np.flatnonzero(np.diff(free) != 1) + 1])
        zl = np.diff(np.concatenate([zb, [free.size]]))
        zeros = np.stack([free[zb], zl, np.zeros_like(zl)], axis=1).astype(np.int64)
    else:
        zeros = _EMPTY_RUNS
    return runs, zeros, _EMPTY_IDX, False


@functools.lru_cache(maxsize=256)
def _recover_plan(bgn: int, zc: int, c: int, fill_start: int, fill_len: int, g: int, rv: int,
                  qm: int, n_layers: int, n_ref: int | None) -> tuple[object, ...]:
    """(C_lo, E_lo, runs, zeros, idx, repeated of the first segment, E_hi, ... of the
    second): :func:`_segment_recover_plan` of each segment of :func:`rate_match_segments`."""
    n = (66 if bgn == 1 else 50) * zc
    n_cb = _n_cb(n, n_ref)
    n_valid = n_cb - max(0, min(fill_start + fill_len, n_cb) - fill_start)
    segs = {r0: idx.numpy() for r0, _, idx in rate_match_segments(
        bgn, zc, c, fill_start, fill_len, g, rv, qm, n_layers, n_ref)}
    c_lo = _e_split(g, c, n_layers, qm)[0]
    out: list[object] = [c_lo]
    for r0, used in ((0, c_lo > 0), (c_lo, c_lo < c)):
        if used and r0 in segs:
            idx = segs[r0]
            out += [idx.size, *_segment_recover_plan(idx, qm, n, fill_start, fill_len, n_valid)]
        else:
            out += [0, _EMPTY_RUNS, _EMPTY_RUNS, _EMPTY_IDX, False]
    return tuple(out)


@njit(cache=True, nogil=True, inline="always")
def _take_every(dst, src, step):  # pragma: no cover - compiled
    """``dst[q] = 0 + src[q * step]`` (the sum of the torch reference's scatter-add into
    zeros: -0.0 becomes +0.0); the step a constant in each branch (LLVM vectorises the
    strided loads only then)."""
    n = dst.shape[0]
    z = np.float32(0.0)
    if step == 1:
        for q in range(n):
            dst[q] = z + src[q]
    elif step == 2:
        for q in range(n):
            dst[q] = z + src[2 * q]
    elif step == 4:
        for q in range(n):
            dst[q] = z + src[4 * q]
    elif step == 6:
        for q in range(n):
            dst[q] = z + src[6 * q]
    elif step == 8:
        for q in range(n):
            dst[q] = z + src[8 * q]
    else:
        for q in range(n):
            dst[q] = z + src[q * step]


@njit(cache=True, nogil=True)
def rate_recover_rows(llr, out, fill, qm, fill_start, fill_len, c_lo, e_lo, runs_lo, zeros_lo,
                      idx_lo, rep_lo, e_hi, runs_hi, zeros_hi, idx_hi,
                      rep_hi):  # pragma: no cover - compiled
    """LDPC rate recovery of TS 38.212 §5.4.2.1-§5.4.2.2 and §5.5 of every row of ``llr``
    ``[R, G]`` (float32) into ``out`` ``[R, C, N]`` (float32), for use inside other Numba
    kernels: the arguments after ``fill`` are :attr:`LDPCRateRecovery.kernel_args` (Q_m, the
    filler run and the plan of the configuration). Returns whether a soft bit was NaN.

    ``fill`` False leaves the positions that no soft bit reaches (zeros) and the filler
    positions (+inf) as they are: a caller whose ``out`` already holds them from an earlier
    call of the same configuration, and was not written since, saves their stores (code
    blocks with repetition are always zeroed, their soft bits being summed)."""
    nan = False
    c = out.shape[1]
    inf = np.float32(np.inf)
    for b in range(llr.shape[0]):
        src = llr[b]
        for q in range(src.shape[0]):
            nan |= src[q] != src[q]
        for r in range(c):
            if r < c_lo:
                e, runs, zeros, idx, rep, off = e_lo, runs_lo, zeros_lo, idx_lo, rep_lo, r * e_lo
            else:
                e, runs, zeros, idx, rep = e_hi, runs_hi, zeros_hi, idx_hi, rep_hi
                off = c_lo * e_lo + (r - c_lo) * e_hi
            dst = out[b, r]
            if rep:
                for j in range(dst.shape[0]):   # explicit loops: they vectorise
                    dst[j] = 0.0
                for j in range(e):
                    dst[idx[j]] += src[off + j]
            else:
                if fill:
                    for t in range(zeros.shape[0]):
                        z = dst[zeros[t, 0]:zeros[t, 0] + zeros[t, 1]]
                        for j in range(z.shape[0]):
                            z[j] = 0.0
                for t in range(runs.shape[0]):
                    d0, n, s0 = runs[t, 0], runs[t, 1], off + runs[t, 2]
                    _take_every(dst[d0:d0 + n], src[s0:s0 + (n - 1) * qm + 1], qm)
            if fill or rep:
                f = dst[fill_start:fill_start + fill_len]
                for j in range(f.shape[0]):
                    f[j] = inf
    return nan


@njit(cache=True, nogil=True, inline="always")
def _put_every(dst, src, step):  # pragma: no cover - compiled
    """``dst[q * step] = src[q]``; the step a constant in each branch (as :func:`_take_every`)
    ; returns the largest value written."""
    n = src.shape[0]
    top = np.uint8(0)
    for q in range(n):
        top = max(top, src[q])
    if step == 1:
        for q in range(n):
            dst[q] = src[q]
    elif step == 2:
        for q in range(n):
            dst[2 * q] = src[q]
    elif step == 4:
        for q in range(n):
            dst[4 * q] = src[q]
    elif step == 6:
        for q in range(n):
            dst[6 * q] = src[q]
    elif step == 8:
        for q in range(n):
            dst[8 * q] = src[q]
    else:
        for q in range(n):
            dst[q * step] = src[q]
    return top


@njit(cache=True, nogil=True)
def _rate_match_rows(cw, out, qm, c_lo, e_lo, runs_lo, zeros_lo, idx_lo, rep_lo, e_hi, runs_hi,
                     zeros_hi, idx_hi, rep_hi):  # pragma: no cover - compiled
    """Rate matching of every row of ``cw`` ``[R, C, N]`` (uint8; a filler -1 reads 255) into
    ``out`` ``[R, G]`` by the plan of :func:`_recover_plan` (the same runs, read the other
    way); returns the largest value sent (> 1: not a bit)."""
    top = np.uint8(0)
    c = cw.shape[1]
    for b in range(cw.shape[0]):
        dst = out[b]
        for r in range(c):
            if r < c_lo:
                e, runs, idx, rep, off = e_lo, runs_lo, idx_lo, rep_lo, r * e_lo
            else:
                e, runs, idx, rep = e_hi, runs_hi, idx_hi, rep_hi
                off = c_lo * e_lo + (r - c_lo) * e_hi
            src = cw[b, r]
            if rep:
                for j in range(e):
                    v = src[idx[j]]
                    top = max(top, v)
                    dst[off + j] = v
            else:
                for t in range(runs.shape[0]):
                    d0, n, s0 = runs[t, 0], runs[t, 1], off + runs[t, 2]
                    top = max(top, _put_every(dst[s0:s0 + (n - 1) * qm + 1], src[d0:d0 + n],
                                              qm))
    return top


@njit(cache=True, nogil=True)
def _filler_run(cw):  # pragma: no cover - compiled
    """(start, length, consecutive, shared) of the fillers (255 = int8 -1) of the first code
    block of ``cw`` ``[M, N]`` uint8: the first one and how many; whether they are one run;
    whether every code block holds fillers there too."""
    row = cw[0]
    n_fill = 0
    start = -1
    for i in range(row.shape[0]):
        if row[i] == 255:
            n_fill += 1
            if start < 0:
                start = i
    if n_fill == 0:
        return 0, 0, True, True
    consecutive = True
    for i in range(start, start + n_fill):
        if i >= row.shape[0] or row[i] != 255:
            consecutive = False
            break
    shared = True
    if consecutive:
        for m in range(1, cw.shape[0]):
            for i in range(start, start + n_fill):
                if cw[m, i] != 255:
                    shared = False
    return start, n_fill, consecutive, shared


def rate_recover_ldpc(llr: torch.Tensor, tbs: int, r: Any, rv: int, modulation: str,
                      n_layers: int = 1, *, n_ref: int | None = None) -> torch.Tensor:
    """LDPC rate recovery: the inverse of :func:`rate_match_ldpc` (TS 38.212 §5.4.2, §5.5).

    MATLAB namesake ``nrRateRecoverLDPC``. C, N, Z_c, the base graph, K' and K come from
    :func:`~softran.nr.coding.sch_info.dlsch_info` (``tbs``, ``r``). The G = ``llr.shape[-1]``
    soft bits are split into the C code blocks (E_r as in rate matching), de-interleaved and
    written back to the codeword positions they were read from; positions read more than
    once (E_r > N_cb minus fillers: repetition) receive the sum of their LLRs (soft
    combining). Filler positions K' - 2Z_c .. K - 2Z_c - 1 of the codeword are set to +inf
    (known zeros), positions never transmitted to 0.

    LLR convention: LLR = ln P(b=0) / P(b=1), positive means 0.

    Parameters
    ----------
    llr : ``[..., G]`` float LLRs, G a multiple of ``n_layers * Q_m``.
    tbs : transport block size A in bits.
    r : target code rate R (selects the base graph, as in :func:`dlsch_info`).
    rv : redundancy version, 0..3.
    modulation : as :func:`rate_match_ldpc`.
    n_layers : N_L, 1..4.
    n_ref : N_ref in bits for limited-buffer rate matching, or ``None`` (as
        :func:`rate_match_ldpc`).

    Returns
    -------
    ``[..., C, N]`` float32.

    ``llr`` must hold no NaN (±inf are allowed: certain bits) and give every code block at
    least one soft bit (G >= C * n_layers * Q_m); ``tbs`` must give a codeword buffer that
    fits in memory (:func:`softran.validation.check_allocation`).

    >>> out = rate_recover_ldpc(torch.ones(4500), 4000, 0.5, 0, "QPSK")
    >>> out.shape, float(out[0, 0]), bool(out[0, 4024 - 2 * 192].isinf())
    (torch.Size([1, 12672]), 1.0, True)
    """
    if (KERNELS and type(llr) is torch.Tensor and type(tbs) is int and type(r) in _RATE_TYPES
            and type(rv) is int and type(modulation) is str and type(n_layers) is int
            and (n_ref is None or type(n_ref) is int) and llr.dtype == torch.float32
            and llr.is_cpu and not llr.requires_grad and llr.is_contiguous()):
        # a configuration checked by an earlier call (same arguments and llr shape): the
        # kernel into a new tensor, nothing else
        hit = _CHECKED.get((llr.shape, tbs, r, type(r), rv, modulation, n_layers, n_ref))
        if hit is not None:
            out = torch.empty(hit[0], dtype=torch.float32)
            if not rate_recover_rows(llr.numpy().reshape(hit[1]), out.numpy().reshape(hit[2]),
                                     True, *hit[3]):
                return out
    llr = llr_in = check_tensor("llr", llr, min_dim=1)
    if not llr.is_floating_point():
        check_llr("llr", llr)                                       # the TypeError
    # the CPU kernel looks for NaN while it reads the soft bits (one pass less)
    fast = (KERNELS and llr.device.type == "cpu"
            and not (llr.requires_grad and torch.is_grad_enabled()))
    if not fast:
        llr = check_llr("llr", llr)
    g = llr.shape[-1]
    rv, qm, n_layers = check_rate_match_args(rv, modulation, n_layers, g, "llr.shape[-1]")
    info = dlsch_info(tbs, r)
    batch_size = llr.numel() // max(g, 1)
    # the float32 codeword buffer [..., C, N], the float32 copy of llr, the index lists
    check_allocation("tbs", tbs, 4 * batch_size * (info.c * info.n + g) + 4 * 8 * g,
                     device=llr.device)
    if g < info.c * n_layers * qm:
        raise ValueError(f"llr has {g} soft bits (llr.shape[-1], shape {tuple(llr.shape)}): "
                         f"too few for the C = {info.c} code block(s) of tbs = {info.a}; every "
                         f"code block needs at least n_layers * Qm = {n_layers * qm} of them "
                         f"(G >= {info.c * n_layers * qm}; otherwise E_r of TS 38.212 §5.4.2.1 "
                         "is 0 for some of them)")
    # fillers c_{K'}..c_{K-1} sit at d_{K'-2Zc}..d_{K-2Zc-1} (§5.3.2: d_k = c_{k+2Zc})
    fill_start = max(0, info.k_prime - 2 * info.zc)
    fill_len = info.k - 2 * info.zc - fill_start
    batch = llr.shape[:-1]
    if fast and llr.numel():
        if n_ref is not None:
            n_ref = check_int("n_ref", n_ref, 1)
        plan = _recover_plan(info.bgn, info.zc, info.c, fill_start, fill_len, g, rv, qm,
                             n_layers, n_ref)
        if llr.dtype != torch.float32 or not llr.is_contiguous():
            llr = llr.to(torch.float32).contiguous()
        out = torch.empty(*batch, info.c, info.n, dtype=torch.float32)
        if rate_recover_rows(llr.detach().numpy().reshape(-1, g),
                             out.numpy().reshape(-1, info.c, info.n), True, qm, fill_start,
                             fill_len, *plan):
            check_llr("llr", llr)                                   # the NaN error
        if (llr is llr_in and type(llr) is torch.Tensor and not llr.requires_grad
                and type(tbs) is int and type(r) in _RATE_TYPES and type(modulation) is str):
            if len(_CHECKED) >= 256:
                _CHECKED.clear()
            _CHECKED[(llr.shape, tbs, r, type(r), rv, modulation, n_layers, n_ref)] = (
                out.shape, (-1, g), (-1, info.c, info.n), (qm, fill_start, fill_len, *plan))
        return out
    llr = llr.to(torch.float32)
    out = torch.zeros(*batch, info.c, info.n, dtype=torch.float32, device=llr.device)
    offset = 0
    for r0, r1, idx in rate_match_segments(info.bgn, info.zc, info.c, fill_start, fill_len, g,
                                           rv, qm, n_layers, n_ref, llr.device):
        e = idx.numel()
        src = llr[..., offset:offset + (r1 - r0) * e].reshape(*batch, r1 - r0, e)
        out[..., r0:r1, :].index_add_(-1, idx, src)
        offset += (r1 - r0) * e
    out[..., fill_start:fill_start + fill_len] = float("inf")
    return out


class LDPCRateRecovery:
    """:func:`rate_recover_ldpc` for one configuration, checked once (TS 38.212 §5.4.2,
    §5.5): a receiver that recovers the same (``tbs``, ``r``, ``rv``, ``modulation``,
    ``n_layers``, ``g``, ``n_ref``) every slot pays the argument checks, the plan look-up and
    the output allocation once instead of per call.

    ``recover(llr)``: the ``[..., C, N]`` float32 codeword LLRs of ``llr`` ``[..., g]``, the
    values of :func:`rate_recover_ldpc`. On the CPU, for a float32 contiguous ``llr``, they
    are written into a buffer this object keeps per batch shape and reuses: the result is
    valid until the next call with the same batch shape (copy it to keep it). Other inputs
    go through :func:`rate_recover_ldpc` (a new tensor). A NaN soft bit raises its
    ``ValueError``.

    >>> rr = LDPCRateRecovery(4000, 0.5, 0, "QPSK", 1, 4500)
    >>> out = rr.recover(torch.ones(4500))
    >>> bool(torch.equal(out, rate_recover_ldpc(torch.ones(4500), 4000, 0.5, 0, "QPSK")))
    True
    """

    def __init__(self, tbs: int, r: Any, rv: int, modulation: str, n_layers: int, g: int, *,
                 n_ref: int | None = None) -> None:
        g = check_int("g", g, 1)
        rv, qm, n_layers = check_rate_match_args(rv, modulation, n_layers, g, "g")
        if n_ref is not None:
            n_ref = check_int("n_ref", n_ref, 1)
        info = dlsch_info(tbs, r)
        check_allocation("tbs", tbs, 4 * (info.c * info.n + g) + 4 * 8 * g)
        if g < info.c * n_layers * qm:
            raise ValueError(f"g = {g} soft bits are too few for the C = {info.c} code "
                             f"block(s) of tbs = {info.a}; every code block needs at least "
                             f"n_layers * Qm = {n_layers * qm} of them (G >= "
                             f"{info.c * n_layers * qm}, TS 38.212 §5.4.2.1)")
        fill_start = max(0, info.k_prime - 2 * info.zc)
        fill_len = info.k - 2 * info.zc - fill_start
        self.tbs, self.r, self.rv, self.modulation = tbs, r, rv, modulation
        self.n_layers, self.g, self.n_ref, self.qm = n_layers, g, n_ref, qm
        self.c, self.n = info.c, info.n
        self._plan = _recover_plan(info.bgn, info.zc, info.c, fill_start, fill_len, g, rv, qm,
                                   n_layers, n_ref)
        #: the arguments of :func:`rate_recover_rows` after ``fill`` for this configuration
        #: (Q_m, the filler run, the plan), for callers that run it inside their own kernel
        self.kernel_args: tuple[Any, ...] = (qm, fill_start, fill_len, *self._plan)
        self._out: dict[tuple[int, ...], tuple[torch.Tensor, np.ndarray]] = {}

    def recover(self, llr: torch.Tensor) -> torch.Tensor:
        """The codeword LLRs ``[..., C, N]`` of ``llr`` ``[..., g]`` (class docstring)."""
        if not (KERNELS and isinstance(llr, torch.Tensor) and llr.dtype == torch.float32
                and llr.is_cpu
                and llr.dim() >= 1 and llr.shape[-1] == self.g and llr.is_contiguous()
                and llr.numel() and not (llr.requires_grad and torch.is_grad_enabled())):
            return rate_recover_ldpc(llr, self.tbs, self.r, self.rv, self.modulation,
                                     self.n_layers, n_ref=self.n_ref)
        batch = tuple(llr.shape[:-1])
        hit = self._out.get(batch)
        if hit is None:
            out = torch.empty(*batch, self.c, self.n, dtype=torch.float32)
            hit = self._out[batch] = (out, out.numpy().reshape(-1, self.c, self.n))
        if rate_recover_rows(llr.detach().numpy().reshape(-1, self.g), hit[1], True,
                             *self.kernel_args):
            check_llr("llr", llr)                                   # the NaN error
        return hit[0]
