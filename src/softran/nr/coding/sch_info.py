"""DL-SCH / UL-SCH coding parameters: TB CRC, base graph, LDPC code-block segmentation.

TS 38.212 §7.2.1 / §6.2.1 (transport block CRC), §7.2.2 / §6.2.2 (LDPC base graph
selection) and §5.2.2 (code block segmentation and code block CRC attachment).
MATLAB namesakes: ``nrDLSCHInfo``, ``nrULSCHInfo``.

:func:`ldpc_segment_info` holds the §5.2.2 rules; the segmentation, rate matching and
rate recovery functions all take their sizes from it (or from :func:`dlsch_info`), so the
rules exist once.
"""

from __future__ import annotations

import bisect
import functools
from dataclasses import dataclass
from fractions import Fraction
from typing import Any

from softran.nr.coding.tbs import code_rate_fraction
from softran.validation import check_int

__all__ = ["SCHInfo", "SegmentInfo", "dlsch_info", "ldpc_segment_info", "ulsch_info"]

#: Maximum code block size K_cb of base graphs 1 and 2 (TS 38.212 §5.2.2).
K_CB: dict[int, int] = {1: 8448, 2: 3840}


@dataclass(frozen=True)
class SegmentInfo:
    """Sizes of LDPC code block segmentation (TS 38.212 §5.2.2) of a block of B bits.

    Attributes: ``b`` (B), ``bgn``, ``c`` (C, number of code blocks), ``l_cb`` (L, CRC24B
    bits per code block: 0 when C = 1, else 24), ``k_prime`` (K' = B'/C, bits per code
    block incl. its CRC; MATLAB ``Kd``), ``k_b``, ``zc`` (Z_c), ``k`` (K = 22 Z_c or 10 Z_c),
    ``f`` (F = K - K' filler bits per code block), ``n`` (N = 66 Z_c or 50 Z_c, LDPC codeword
    length), ``pad`` (zero bits appended to the data when B' is not a multiple of C; 0 for
    every TBS of TS 38.214).
    """

    b: int
    bgn: int
    c: int
    l_cb: int
    k_prime: int
    k_b: int
    zc: int
    k: int
    f: int
    n: int
    pad: int = 0


def ldpc_segment_info(b: int, bgn: int) -> SegmentInfo:
    """Code block segmentation sizes of TS 38.212 §5.2.2 for a block of ``b`` bits.

    K_cb = 8448 (BG1) / 3840 (BG2). B <= K_cb: L = 0, C = 1, B' = B; else L = 24,
    C = ceil(B / (K_cb - L)), B' = B + C L. K' = B'/C. K_b = 22 (BG1); for BG2 K_b = 10, 9,
    8 or 6 for B > 640, > 560, > 192 or below. Z_c = the smallest lifting size Z with
    K_b Z >= K'; K = 22 Z_c (BG1) or 10 Z_c (BG2).

    The clause has K' = B'/C an integer; that holds for every TBS of TS 38.214 §5.1.3.2 /
    §6.1.4.2 (plus its CRC). For other block sizes (B' not a multiple of C) the clause is
    silent; as MATLAB does, K' = ceil(B'/C) and the data of the code blocks is padded at the
    end with ``pad = C (K' - L) - B`` zero bits (carried by the last code block, covered by
    its CRC24B and removed again by desegmentation), so all code blocks keep one size.

    >>> s = ldpc_segment_info(8472, 1)
    >>> s.c, s.k_prime, s.zc, s.k, s.f, s.n
    (2, 4260, 208, 4576, 316, 13728)
    >>> s = ldpc_segment_info(8449, 1)   # B' = 8497 is odd: K' = 4249, one bit of padding
    >>> s.k_prime, s.pad
    (4249, 1)
    """
    try:    # the sizes are asked for on every slot: cached per (type, value) of the arguments
        return _segment_info_cached(type(b), b, type(bgn), bgn)
    except TypeError:       # an unhashable argument: no cache (the checks below refuse it)
        return _segment_info(b, bgn)


@functools.lru_cache(maxsize=1024)
def _segment_info_cached(_tb: type, b: Any, _tg: type, bgn: Any) -> SegmentInfo:
    return _segment_info(b, bgn)


def _segment_info(b: Any, bgn: Any) -> SegmentInfo:
    bgn = check_int("bgn", bgn, 1, 2)
    b = check_int("b", b, 1)
    k_cb = K_CB[bgn]
    if b <= k_cb:
        l_cb, c = 0, 1
    else:
        l_cb = 24
        c = -(-b // (k_cb - l_cb))
    b_prime = b + c * l_cb
    k_prime = -(-b_prime // c)
    if bgn == 1:
        k_b = 22
    elif b > 640:
        k_b = 10
    elif b > 560:
        k_b = 9
    elif b > 192:
        k_b = 8
    else:
        k_b = 6
    # imported here so that softran.nr.coding.ldpc may re-export segment/rate_match without a cycle
    from softran.nr.coding.ldpc.base_graph import lifting_sizes

    zs = lifting_sizes()
    zc = zs[bisect.bisect_left(zs, -(-k_prime // k_b))]
    k = (22 if bgn == 1 else 10) * zc
    n = (66 if bgn == 1 else 50) * zc
    return SegmentInfo(b=b, bgn=bgn, c=c, l_cb=l_cb, k_prime=k_prime, k_b=k_b, zc=zc, k=k,
                       f=k - k_prime, n=n, pad=c * k_prime - b_prime)


@dataclass(frozen=True)
class SCHInfo(SegmentInfo):
    """DL-SCH / UL-SCH coding parameters, TS 38.212 §7.2 / §6.2 (MATLAB ``nrDLSCHInfo`` output).

    Adds to :class:`SegmentInfo`: ``a`` (A = TBS), ``crc`` (``"16"`` or ``"24A"``, the TB
    CRC polynomial) and ``crc_length`` (its length L, 16 or 24), with B = A + L.
    """

    a: int = 0
    crc: str = "24A"
    crc_length: int = 24


def _select_bgn(a: int, rate: Fraction) -> int:
    # TS 38.212 §7.2.2 / §6.2.2
    if a <= 292 or (a <= 3824 and rate <= Fraction(67, 100)) or rate <= Fraction(1, 4):
        return 2
    return 1


def dlsch_info(tbs: int, target_code_rate: Any) -> SCHInfo:
    """DL-SCH coding parameters for a transport block of ``tbs`` bits (TS 38.212 §7.2).

    §7.2.1: L = 24 (CRC24A) if A > 3824, else L = 16 (CRC16); B = A + L.
    §7.2.2: base graph 2 if A <= 292, or A <= 3824 and R <= 0.67, or R <= 0.25; else
    base graph 1. §5.2.2: segmentation sizes (:func:`ldpc_segment_info`).

    Parameters
    ----------
    tbs : A, the transport block size in bits, >= 1.
    target_code_rate : R, 0 < R <= 0.95 (as in :func:`softran.nr.coding.tbs.tbs`; above 0.95 is
        rejected: no MCS table rate exceeds 948/1024).

    >>> info = dlsch_info(8424, 0.5)
    >>> info.crc, info.bgn, info.c, info.k_prime, info.zc, info.k, info.f, info.n
    ('24A', 1, 1, 8448, 384, 8448, 0, 25344)
    >>> info = dlsch_info(1277992, 948 / 1024)
    >>> info.c, info.k_prime, info.l_cb
    (152, 8432, 24)
    """
    try:    # cached per (type, value) of the arguments, as ldpc_segment_info
        return _dlsch_info_cached(type(tbs), tbs, type(target_code_rate), target_code_rate)
    except TypeError:
        return _dlsch_info(tbs, target_code_rate)


@functools.lru_cache(maxsize=1024)
def _dlsch_info_cached(_ta: type, tbs: Any, _tr: type, target_code_rate: Any) -> SCHInfo:
    return _dlsch_info(tbs, target_code_rate)


def _dlsch_info(tbs: Any, target_code_rate: Any) -> SCHInfo:
    a = check_int("tbs", tbs, 1)
    rate = code_rate_fraction("target_code_rate", target_code_rate)
    crc, crc_length = ("24A", 24) if a > 3824 else ("16", 16)
    seg = ldpc_segment_info(a + crc_length, _select_bgn(a, rate))
    return SCHInfo(**seg.__dict__, a=a, crc=crc, crc_length=crc_length)


def ulsch_info(tbs: int, target_code_rate: Any) -> SCHInfo:
    """UL-SCH coding parameters without UCI multiplexing (TS 38.212 §6.2.1-§6.2.3).

    The rules are those of the DL-SCH (:func:`dlsch_info`): TB CRC §6.2.1, base graph
    §6.2.2, segmentation §5.2.2. MATLAB namesake ``nrULSCHInfo`` (data part only).

    >>> ulsch_info(100, 0.3).bgn, ulsch_info(100, 0.3).crc
    (2, '16')
    """
    return dlsch_info(tbs, target_code_rate)
