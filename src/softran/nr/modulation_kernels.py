"""Numba CPU kernel of the max-log soft demapper of TS 38.211 §5.1, with layer demapping
(§6.3.1.3 / §7.3.1.3, one codeword) and the descrambling sign flip (§6.3.1.1 / §7.3.1.1)
fused in.

The torch code of :func:`~softran.nr.symbol_demodulate` stays the reference (tests compare
both): this kernel computes the same float32 operations per symbol -- the squared distance
of each axis value to every level of its PAM, ``min over b = 1`` minus ``min over b = 0``
per bit, divided by the noise variance -- in one pass that reads each symbol and noise
variance once and writes each LLR once, at its codeword position: symbol ``i`` of layer
``l`` is codeword symbol ``i v + l`` (v layers), its ``Q_m`` LLRs follow each other, and an
LLR whose scrambling bit c(n) is 1 changes sign. Symbols and noise variances are checked
on the way (a non-finite symbol or a noise variance that is not finite and > 0 stops the
kernel with a status the caller turns into the reference's error).
"""

from __future__ import annotations

import numpy as np
from numba import njit

__all__ = ["DEMAP_BPSK", "DEMAP_PI2_BPSK", "DEMAP_QAM", "llr_16qam_axis", "maxlog_demap"]

#: ``mode`` of :func:`maxlog_demap`: square QAM (I and Q axes, ``k`` bits each).
DEMAP_QAM = 0
#: ``mode``: BPSK (one axis along (1 + j) / sqrt(2), levels +1 (b = 0), -1 (b = 1)).
DEMAP_BPSK = 1
#: ``mode``: pi/2-BPSK (BPSK after undoing exp(j pi/2 (n mod 2)) of codeword symbol n).
DEMAP_PI2_BPSK = 2


@njit(cache=True, nogil=True, error_model="numpy", inline="always")
def llr_16qam_axis(t, l0, l1, l2, l3, inv):  # pragma: no cover - compiled
    """The two max-log LLRs (bit 0, bit 1; TS 38.211 §5.1.4 labels) of 16QAM axis value
    ``t`` (levels ``l0 .. l3`` in label order), times ``inv`` = 1 / N0: what
    :func:`maxlog_demap` computes per axis (inlined where it is called, branch-free).

    >>> lev = np.array([1, 3, -1, -3], np.float32) / np.float32(np.sqrt(10))
    >>> a, b = llr_16qam_axis(np.float32(0.9), *lev, np.float32(1.0))
    >>> bool(a > 0), bool(b < 0)             # nearest level 3/sqrt(10): bits 0, 1
    (True, True)
    """
    e0 = t - l0
    e1 = t - l1
    e2 = t - l2
    e3 = t - l3
    d0 = e0 * e0
    d1 = e1 * e1
    d2 = e2 * e2
    d3 = e3 * e3
    # (selects, not min(): the loop that inlines this stays branch-free)
    return (((d2 if d2 < d3 else d3) - (d0 if d0 < d1 else d1)) * inv,  # noqa: FURB136
            ((d1 if d1 < d3 else d3) - (d0 if d0 < d2 else d2)) * inv)  # noqa: FURB136


@njit(cache=True, nogil=True, error_model="numpy")
def _demap_16qam_row(xf, nvr, l0, l1, l2, l3, seq, dst):  # pragma: no cover - compiled
    """One layer of 16QAM symbols (``xf`` the float32 view of complex64 ``[m]``, ``nvr``
    ``[m]``) into ``dst`` ``[4 m]`` with the signs of ``seq`` ``[4 m]``; branch-free so
    that LLVM vectorises it. True if a value is not finite / not > 0."""
    u = np.uint64
    one = np.float32(1.0)
    two = np.float32(2.0)
    big = np.float32(np.inf)
    bad = False
    for i in range(nvr.shape[0]):
        re = xf[u(2 * i)]
        im = xf[u(2 * i + 1)]
        nvv = nvr[u(i)]
        bad |= (not (abs(re) + abs(im) < big)) | (not (nvv > 0)) | (not (nvv < big))
        inv = one / nvv
        a0, a1 = llr_16qam_axis(re, l0, l1, l2, l3, inv)
        b0, b1 = llr_16qam_axis(im, l0, l1, l2, l3, inv)
        o = u(4 * i)
        dst[o] = a0 * (one - two * np.float32(seq[o]))
        dst[o + u(1)] = b0 * (one - two * np.float32(seq[o + u(1)]))
        dst[o + u(2)] = a1 * (one - two * np.float32(seq[o + u(2)]))
        dst[o + u(3)] = b1 * (one - two * np.float32(seq[o + u(3)]))
    return bad


@njit(cache=True, nogil=True)
def _demap_16qam(x, nv, lev, seq, out):  # pragma: no cover - compiled
    """:func:`maxlog_demap` for one layer of 16QAM (k = 2 bits per axis, written out)."""
    n_b, _, m = x.shape
    if seq.shape[0] == 0:
        seq = np.zeros(4 * m, dtype=np.uint8)
    for b in range(n_b):
        row = np.ascontiguousarray(x[b, 0])
        nvc = np.ascontiguousarray(nv[b, 0])    # (a copy only of a broadcast one)
        if _demap_16qam_row(row.view(np.float32), nvc, lev[0], lev[1], lev[2], lev[3], seq,
                            out[b]):
            for i in range(m):
                s = x[b, 0, i]
                if not (abs(s.real) + abs(s.imag) < np.float32(np.inf)):
                    return 1
            return 2
    return 0


@njit(cache=True, nogil=True, error_model="numpy")
def maxlog_demap(x, nv, lev, k, mode, seq, out):  # pragma: no cover - compiled
    """Max-log demapping (the inverse of TS 38.211 §5.1) with the descrambling of §6.3.1.1 /
    §7.3.1.1 folded in: max-log LLRs of the symbols ``x`` complex64 ``[B, v, m]`` (v layers
    of one codeword) with noise variances ``nv`` float32 ``[B, v, m]`` (any strides, e.g.
    broadcast) into ``out`` float32 ``[B, v m Q_m]``; ``lev`` float32 the levels of one axis
    in label order (``k`` bits each; BPSK: ``[1, -1]``, k = 1), ``mode`` one of :data:`DEMAP_QAM`,
    :data:`DEMAP_BPSK`, :data:`DEMAP_PI2_BPSK`; ``seq`` uint8 ``[v m Q_m]`` the scrambling
    sequence c(n) (an empty array: no descrambling). The distances are divided by N0 as a
    multiplication by 1 / N0 (within 2 float32 ulp of the torch code's division).

    Returns 0, or 1 at the first non-finite symbol, or 2 at the first noise variance that
    is not finite and > 0 (the output is then incomplete).
    """
    if mode == DEMAP_QAM and k == 2 and x.shape[1] == 1:
        return _demap_16qam(x, nv, lev, seq, out)
    n_b, n_v, m = x.shape
    qm = 2 * k if mode == DEMAP_QAM else 1
    scramble = seq.shape[0] > 0
    rs = np.float32(1.0 / np.sqrt(2.0))
    big = np.float32(np.inf)
    one = np.float32(1.0)
    two = np.float32(2.0)
    n_lev = lev.shape[0]
    l0 = lev[0]
    l1 = lev[1]
    l2 = lev[2] if n_lev > 2 else l0
    l3 = lev[3] if n_lev > 3 else l1
    for b in range(n_b):
        for l in range(n_v):  # the layer index
            for i in range(m):
                s = x[b, l, i]
                nvv = nv[b, l, i]
                if not (abs(s.real) < big and abs(s.imag) < big):
                    return 1
                if not (nvv > 0 and nvv < big):
                    return 2
                inv = one / nvv
                n = i * n_v + l
                o = n * qm
                if mode != DEMAP_QAM:
                    re = s.real
                    im = s.imag
                    if mode == DEMAP_PI2_BPSK and n & 1:
                        re, im = im, -re
                    z = (re + im) * rs
                    e0 = z - l0
                    e1 = z - l1
                    v = (e1 * e1 - e0 * e0) * inv
                    if scramble:
                        v = v * (one - two * np.float32(seq[o]))
                    out[b, o] = v
                    continue
                for a in range(2):          # the I axis (bits 2 j), then Q (bits 2 j + 1)
                    t = s.real if a == 0 else s.imag
                    if k == 1:
                        e0 = t - l0
                        e1 = t - l1
                        v = (e1 * e1 - e0 * e0) * inv
                        if scramble:
                            v = v * (one - two * np.float32(seq[o + a]))
                        out[b, o + a] = v
                    elif k == 2:
                        v0, v1 = llr_16qam_axis(t, l0, l1, l2, l3, inv)
                        if scramble:
                            v0 = v0 * (one - two * np.float32(seq[o + a]))
                            v1 = v1 * (one - two * np.float32(seq[o + a + 2]))
                        out[b, o + a] = v0
                        out[b, o + a + 2] = v1
                    else:
                        for j in range(k):
                            sh = k - 1 - j
                            m0 = big
                            m1 = big
                            for c in range(n_lev):
                                e = t - lev[c]
                                d = e * e
                                if (c >> sh) & 1:
                                    m1 = min(m1, d)
                                else:
                                    m0 = min(m0, d)
                            v = (m1 - m0) * inv
                            if scramble:
                                v = v * (one - two * np.float32(seq[o + a + 2 * j]))
                            out[b, o + a + 2 * j] = v
    return 0
