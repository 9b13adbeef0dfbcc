"""Uplink control information coding, TS 38.212 §6.3.1 (PUCCH) and §6.3.2 (UCI on PUSCH):
MATLAB ``nrUCIEncode`` / ``nrUCIDecode``.

A UCI payload of A bits is coded by its size:

* A <= 11: the small block codes of §5.3.3 (:mod:`softran.nr.coding.small_block`), no CRC,
  rate matched by repetition (§5.4.3);
* A >= 12: code block segmentation and CRC attachment (§5.2.1, §6.3.1.2.1): CRC6 for
  12 <= A <= 19, CRC11 for A >= 20; two code blocks (I_seg = 1) when A >= 1013, or A >= 360
  and E >= 1088 -- a filler bit 0 is prepended when A is odd; each block is polar coded
  (§6.3.1.3.1: n_max = 10, I_IL = 0, n_PC = 3 for 12 <= A <= 19) and rate matched to
  ``E_r = floor(E / C)`` bits with coded-bit interleaving (§6.3.1.4.1, I_BIL = 1); the blocks
  are concatenated (§6.3.1.5).

The decoders return hard bits, a CRC verdict (always True for small blocks, which have no
CRC) and a detection metric for DTX decisions: the normalised correlation between the LLRs and
the re-encoded decision (see :func:`~softran.nr.coding.small_block.small_block_decode`).
"""

from __future__ import annotations

from typing import NamedTuple

import torch

from softran.nr.coding.crc import crc_decode, crc_encode
from softran.nr.coding.polar.construct import polar_code
from softran.nr.coding.polar.decode import polar_decode
from softran.nr.coding.polar.encode import polar_encode
from softran.nr.coding.polar.rate_match import rate_match_polar, rate_recover_polar
from softran.nr.coding.small_block import (
    SMALL_BLOCK_MAX,
    small_block_decode,
    small_block_encode,
)
from softran.validation import check_bits, check_choice, check_int, check_tensor

__all__ = ["UCIDecodeResult", "UCISegmentInfo", "uci_crc_length", "uci_decode", "uci_encode",
           "uci_segment_info"]

#: log2 of the largest polar code length for UCI (TS 38.212 §6.3.1.3.1).
_N_MAX_UCI = 10
#: Largest UCI payload of TS 38.212 (two code blocks of at most 1706 - 11 bits, §6.3.1.2.1).
_A_MAX = 1706
_QM = (1, 2, 4, 6, 8)


class UCISegmentInfo(NamedTuple):
    """Segmentation of an A-bit UCI for E coded bits (TS 38.212 §5.2.1, §6.3.1.2.1, §6.3.1.4.1).

    ``c`` code blocks of ``k`` bits (payload share plus ``crc_length`` CRC bits) rate matched
    to ``e_r`` bits each; ``filler``: 1 when a 0 is prepended to an odd payload split in two.
    ``crc_length`` is 0 and ``c`` 1 for the small block codes (A <= 11)."""

    a: int
    c: int
    k: int
    crc_length: int
    e_r: int
    filler: int


def uci_crc_length(a: int) -> int:
    """CRC length L of an A-bit UCI, TS 38.212 §6.3.1.2.1: 0 (A <= 11), 6 (12..19), 11 (>= 20).

    >>> [uci_crc_length(a) for a in (11, 12, 19, 20)]
    [0, 6, 6, 11]
    """
    a = check_int("a", a, 1, _A_MAX)
    return 0 if a <= SMALL_BLOCK_MAX else 6 if a <= 19 else 11


def uci_segment_info(a: int, e: int) -> UCISegmentInfo:
    """Code blocks, CRC and rate-matching length of an A-bit UCI with E coded bits (class
    docstring). Raises ``ValueError`` when E cannot carry the code blocks (polar coding needs
    K + n_PC <= E_r, TS 38.212 §5.3.1) or is odd with two code blocks.

    >>> uci_segment_info(22, 96)
    UCISegmentInfo(a=22, c=1, k=33, crc_length=11, e_r=96, filler=0)
    >>> uci_segment_info(1013, 3000)
    UCISegmentInfo(a=1013, c=2, k=518, crc_length=11, e_r=1500, filler=1)
    """
    a = check_int("a", a, 1, _A_MAX)
    e = check_int("e", e, 1, 16384)
    if a <= SMALL_BLOCK_MAX:
        if e < a:
            raise ValueError(f"e = {e} is smaller than the A = {a} UCI bits; E >= A is needed")
        return UCISegmentInfo(a, 1, a, 0, e, 0)
    crc = uci_crc_length(a)
    c = 2 if (a >= 1013 or (a >= 360 and e >= 1088)) else 1
    filler = (-a) % c
    k = (a + filler) // c + crc
    e_r = e // c
    if c == 2 and e % 2:
        raise ValueError(f"e = {e} is odd but the {a}-bit UCI is split into two code blocks of "
                         "E_r = floor(E/2) bits each (TS 38.212 §6.3.1.4.1); use an even E")
    if e_r > 8192:
        raise ValueError(f"e = {e} gives E_r = {e_r} bits per code block; polar rate matching "
                         "allows at most 8192 (TS 38.212 §5.4.1)")
    code = polar_code(k, max(e_r, 1), _N_MAX_UCI, None, None) if e_r >= k else None
    if code is None or len(code.info) + len(code.pc) > e_r:
        raise ValueError(f"e = {e} is too small for the {a}-bit UCI: {c} code block(s) of K = {k} "
                         f"bits need E_r >= K + n_PC each, got E_r = {e_r}")
    return UCISegmentInfo(a, c, k, crc, e_r, filler)


def _check_qm(qm: object) -> int:
    return check_choice("qm", check_int("qm", qm), _QM)


def uci_encode(bits: torch.Tensor, e: int, qm: int = 2) -> torch.Tensor:
    """Encode and rate match an A-bit UCI to E bits, TS 38.212 §6.3.1.2 - §6.3.1.5 (module
    docstring; MATLAB ``nrUCIEncode(uciBits, E, modulation)``).

    Parameters
    ----------
    bits : ``[..., A]`` 0/1, 1 <= A <= 1706.
    e : E, the rate-matching output length (E_tot of PUCCH, or E_UCI on PUSCH).
    qm : modulation order Q_m (1, 2, 4, 6, 8): the placeholder pattern of A <= 2 (the 'x'/'y'
        positions are 0 in the output; see
        :func:`~softran.nr.coding.small_block.small_block_placeholders`).

    Returns
    -------
    ``[..., E]`` uint8 coded bits.

    >>> a = torch.randint(0, 2, (3, 22), generator=torch.Generator().manual_seed(1))
    >>> uci_encode(a, 96).shape
    torch.Size([3, 96])
    """
    bits = check_bits("bits", bits)
    a = check_int("A (the length of bits along its last dimension)", bits.shape[-1], 1, _A_MAX)
    qm = _check_qm(qm)
    info = uci_segment_info(a, e)
    if a <= SMALL_BLOCK_MAX:
        return small_block_encode(bits, info.e_r, qm)
    if info.filler:
        bits = torch.cat([torch.zeros_like(bits[..., :1]), bits], dim=-1)
    poly = str(info.crc_length)
    blocks = bits.reshape(*bits.shape[:-1], info.c, -1)              # [..., C, A'/C]
    cb = crc_encode(blocks, poly)                                    # [..., C, K]
    d = polar_encode(cb, info.e_r, _N_MAX_UCI, False)
    f = rate_match_polar(d, info.k, info.e_r, i_bil=True)            # [..., C, E_r]
    return f.reshape(*bits.shape[:-1], info.c * info.e_r)


class UCIDecodeResult(NamedTuple):
    """Output of :func:`uci_decode`: ``bits`` uint8 ``[..., A]``; ``crc_ok`` bool ``[...]``
    (all code blocks pass their CRC; True for A <= 11, which has no CRC); ``metric`` float32
    ``[...]``, the normalised correlation of the LLRs with the re-encoded decision."""

    bits: torch.Tensor
    crc_ok: torch.Tensor
    metric: torch.Tensor


def _correlation(llr: torch.Tensor, cw: torch.Tensor) -> torch.Tensor:
    n = llr.shape[-1]
    corr = (llr * (1.0 - 2.0 * cw.to(llr.dtype))).sum(-1)
    energy = llr.square().sum(-1)
    out = corr / torch.sqrt(n * energy).clamp_min(torch.finfo(llr.dtype).tiny)
    return torch.where(energy > 0, out, torch.zeros_like(out))


def uci_decode(llr: torch.Tensor, a: int, qm: int = 2, *, list_length: int = 8
               ) -> UCIDecodeResult:
    """Decode an A-bit UCI from the LLRs of its E rate-matched bits (inverse of
    :func:`uci_encode`; MATLAB ``nrUCIDecode``): maximum likelihood for A <= 11, CRC-aided
    SCL polar decoding with list length ``list_length`` for A >= 12.

    Parameters
    ----------
    llr : ``[..., E]`` float LLRs (positive means 0), descrambled (placeholder handling as in
        :func:`~softran.nr.coding.small_block.small_block_decode`).
    a : A, 1..1706.
    qm : modulation order Q_m of the placeholder pattern (A <= 2).
    list_length : polar list length L (1, 2, 4, 8, 16, 32).

    Returns
    -------
    :class:`UCIDecodeResult` (bits, crc_ok, metric).

    >>> g = torch.Generator().manual_seed(2)
    >>> bits = torch.randint(0, 2, (4, 30), generator=g, dtype=torch.uint8)
    >>> llr = 2.0 * (1.0 - 2.0 * uci_encode(bits, 120).float()) + torch.randn(4, 120, generator=g)
    >>> out = uci_decode(llr, 30)
    >>> bool((out.bits == bits).all()), out.crc_ok.tolist()
    (True, [True, True, True, True])
    """
    llr = check_tensor("llr", llr, min_dim=1)
    if not llr.is_floating_point():
        raise TypeError(f"llr must be a real floating-point tensor, got dtype {llr.dtype}")
    a = check_int("a", a, 1, _A_MAX)
    qm = _check_qm(qm)
    e = llr.shape[-1]
    info = uci_segment_info(a, e)
    x = llr.to(torch.float32)
    if a <= SMALL_BLOCK_MAX:
        bits, metric = small_block_decode(x, a, qm)
        return UCIDecodeResult(bits, torch.ones_like(metric, dtype=torch.bool), metric)
    batch = x.shape[:-1]
    used = x[..., :info.c * info.e_r].reshape(*batch, info.c, info.e_r)
    code = polar_code(info.k, info.e_r, _N_MAX_UCI, None, None)
    rec = rate_recover_polar(used, info.k, code.n, i_bil=True)
    cb = polar_decode(rec, info.k, info.e_r, list_length, _N_MAX_UCI, False, info.crc_length)
    _, err = crc_decode(cb, str(info.crc_length))
    payload = cb[..., :info.k - info.crc_length].reshape(*batch, -1)[..., info.filler:]
    crc_ok = (err == 0).all(dim=-1)
    recoded = rate_match_polar(polar_encode(cb, info.e_r, _N_MAX_UCI, False), info.k, info.e_r,
                               i_bil=True).reshape(*batch, -1)
    metric = _correlation(x[..., :info.c * info.e_r], recoded)
    return UCIDecodeResult(payload.contiguous(), crc_ok, metric)
