"""O-RAN 7.2x C-plane messages: section types 0, 1, 3, 5, 6, 7 and section extensions.

O-RAN.WG4.CUS.0 clause 7 (C-plane protocol). A C-plane message is one eCPRI message of
type 2 (real-time control) whose payload is::

    ecpriRtcid (eAxC ID, 2 B) | ecpriSeqid (2 B) | timing header (4 B, clause 7.5.2)
    | section-type common header | numberOfSections sections (each optionally followed by
      section extensions)

Common headers after the 4 timing bytes (clause 7.4):

=====  ==================================================================================
type   fields
=====  ==================================================================================
0      numberOfSections, sectionType, timeOffset(16), frameStructure(8), cpLength(16), rsvd(8)
1, 5   numberOfSections, sectionType, udCompHdr(8), reserved(8)
3      numberOfSections, sectionType, timeOffset(16), frameStructure(8), cpLength(16), udCompHdr
6      numberOfSections, sectionType, numberOfUEs(8), ciCompHdr(8)
7      reserved(8), sectionType, reserved(16)
=====  ==================================================================================

Sections of types 0/1/3/5 (8 bytes, +4 for type 3)::

    sectionId(12) rb(1) symInc(1) startPrbc(10) numPrbc(8)
    reMask(12) numSymbol(4) ef(1) beamId / ueId / reserved (15)
    [type 3: freqOffset(24, signed) reserved(8)]

``numPrbc = 0`` means "all PRBs of the carrier" (273 > 255); the carrier size is M-plane
configuration (:attr:`CPlaneConfig.n_prb_carrier`), and with ``numPrbc = 0`` ``startPrbc`` is
ignored (PRBs 0 .. n_prb_carrier - 1), as Wireshark does.

Section type 6 (channel information, no sectionId): ``ef(1) ueId(15) |
regularizationFactor(16) | reserved(4) rb(1) symInc(1) startPrbc(10) | numPrbc(8)`` then the
ciIsample/ciQsample of ``num_trx`` antennas per PRB (ciCompParam for the first PRB only, or for
every PRB if ciCompOpt = 1), zero-padded to a 4-byte (or 1-byte) boundary of the section. The
samples are kept as opaque bytes (:attr:`Section6.ci_payload`, padding included).

Section type 7 (LAA): one LAA message ``laaMsgType(4) laaMsgLen(4)`` + body, kept as bytes.

Section extensions (clause 7.7), each ``ef(1) extType(7) | extLen(8; 16 for types 11/19/20)``
in 32-bit words including this header, zero-padded to a 4-byte multiple:

* 1 :class:`BeamformingWeightsExt` -- bfwCompHdr, bfwCompParam, L x (bfwI, bfwQ); methods
  0 (none), 1 (BFP), 2 (block scaling) and 3 (mu-law) are parsed into their integer fields
  (the weights as the sent w-bit integers / mantissas, ``bfw_comp_param`` the raw byte);
  beamspace methods 4/5 raise. :func:`bfp_compress_weights` / :func:`bfw_values` turn
  int16-scale weights into BFP mantissas and back (O-RAN.WG4.CUS.0 Annex A.1).
* 4 :class:`ModCompParamsExt` (csf, modCompScaler), 5 :class:`ModCompScalingExt`
  (1..4 sets of mcScaleReMask, csf, mcScaleOffset),
* 6 :class:`NonContiguousPrbExt` (repetition, rbgSize, rbgMask, priority, symbolMask),
* 11 :class:`FlexibleBfwExt` (disableBFWs, RAD, bundleOffset, numBundPrb, per-bundle
  bfwCompParam, contInd, beamId and weights),
* 12 :class:`NonContiguousPrbRangesExt` (priority, symbolMask, (offStartPrb, numPrb) pairs),
* any other type: :class:`RawExtension` (content bytes kept verbatim, padding included).

Counts that are M-plane configuration and not on the wire come from :class:`CPlaneConfig`:
the number of weights L of SE1 / SE11 (inferred from extLen when not configured -- exact
whenever the zero padding is shorter than one I/Q pair), the number of antennas of section
type 6, and the carrier size.

Not implemented (parse as :class:`RawExtension` / not accepted): section types 2, 4, 8..11,
extensions other than 1, 4, 5, 6, 11, 12 (kept raw), beamspace BFW compression, SE11 bundle
counting that depends on SE6/SE12 in the same section (bundles = ceil(numPrbc / numBundPrb)).
"""

from __future__ import annotations

from dataclasses import dataclass, fields
from typing import Union

import torch

from softran.oran._reader import Reader, build, signed
from softran.oran.bitfield import pack_signed, unpack_signed
from softran.oran.ecpri import EcpriMessage, EcpriMessageType, SeqId, encode_ecpri, single_message
from softran.oran.errors import FronthaulDecodeError
from softran.oran.radio_header import (
    TimingHeader,
    UdCompHdr,
    bfw_comp_param_bytes,
    check_message_ids,
)
from softran.validation import check_int, check_tensor

__all__ = [
    "SECTION_TYPES",
    "BeamformingWeightsExt",
    "BfwBundle",
    "BfwCompHdr",
    "CPlaneConfig",
    "CPlaneMessage",
    "CiCompHdr",
    "Extension",
    "FlexibleBfwExt",
    "LaaMessage",
    "ModCompParamsExt",
    "ModCompScalingExt",
    "ModCompScalingSet",
    "NonContiguousPrbExt",
    "NonContiguousPrbRangesExt",
    "RawExtension",
    "Section0",
    "Section1",
    "Section3",
    "Section5",
    "Section6",
    "bfp_compress_weights",
    "bfw_values",
    "decode_cplane",
    "encode_cplane",
    "frame_structure",
]

#: C-plane section types this module encodes and decodes.
SECTION_TYPES: tuple[int, ...] = (0, 1, 3, 5, 6, 7)

_LONG_EXTLEN = (11, 19, 20)      # extension types whose extLen field is 16 bits


# ---------------------------------------------------------------------------------------------
# small header bytes


@dataclass(frozen=True)
class BfwCompHdr:
    """``bfwCompHdr``: ``bfwIqWidth(4) | bfwCompMeth(4)`` (CUS clause 7.7.1.2), width 16 sent as 0.

    >>> BfwCompHdr(9, 1).to_byte(), BfwCompHdr.from_byte(0x00)
    (145, BfwCompHdr(bfw_iq_width=16, bfw_comp_meth=0))
    """

    bfw_iq_width: int = 16
    bfw_comp_meth: int = 0

    def __post_init__(self) -> None:
        check_int("bfw_iq_width", self.bfw_iq_width, 1, 16)
        check_int("bfw_comp_meth", self.bfw_comp_meth, 0, 15)

    def to_byte(self) -> int:
        """The header byte."""
        return ((self.bfw_iq_width & 0xF) << 4) | self.bfw_comp_meth

    @classmethod
    def from_byte(cls, value: int) -> BfwCompHdr:
        """Decode the header byte (width 0 means 16)."""
        return cls((value >> 4) or 16, value & 0xF)


@dataclass(frozen=True)
class CiCompHdr:
    """``ciCompHdr`` of section type 6: ``ciIqWidth(4) | ciCompMeth(3) | ciCompOpt(1)``.

    >>> CiCompHdr(16, 0, 0).to_byte(), CiCompHdr.from_byte(0x93)
    (0, CiCompHdr(ci_iq_width=9, ci_comp_meth=1, ci_comp_opt=1))
    """

    ci_iq_width: int = 16
    ci_comp_meth: int = 0
    ci_comp_opt: int = 0

    def __post_init__(self) -> None:
        check_int("ci_iq_width", self.ci_iq_width, 1, 16)
        check_int("ci_comp_meth", self.ci_comp_meth, 0, 7)
        check_int("ci_comp_opt", self.ci_comp_opt, 0, 1)

    def to_byte(self) -> int:
        """The header byte."""
        return ((self.ci_iq_width & 0xF) << 4) | (self.ci_comp_meth << 1) | self.ci_comp_opt

    @classmethod
    def from_byte(cls, value: int) -> CiCompHdr:
        """Decode the header byte (width 0 means 16)."""
        return cls((value >> 4) or 16, (value >> 1) & 0x7, value & 1)


def frame_structure(n_fft: int, mu: int) -> int:
    """``frameStructure`` byte of section types 0 and 3 (CUS clause 7.5.2.13).

    High nibble: FFT size code (log2 N for N = 16..4096, 13 for 1536, 14 for 3072, 0 = no FFT,
    ``n_fft = 0``); low nibble: subcarrier-spacing code mu (0..4 for 15..240 kHz; 12..15 for the
    long-PRACH spacings 1.25, 3.75, 5, 7.5 kHz).

    >>> hex(frame_structure(4096, 1))
    '0xc1'
    """
    n_fft = check_int("n_fft", n_fft, 0)
    codes = {0: 0, 1536: 13, 3072: 14} | {1 << k: k for k in range(4, 13)}
    if n_fft not in codes:
        raise ValueError(f"n_fft = {n_fft} is not allowed; allowed: "
                         + ", ".join(str(k) for k in sorted(codes)))
    mu = check_int("mu", mu, 0, 15)
    if 5 <= mu <= 11:
        raise ValueError(f"mu = {mu} is reserved; allowed: 0..4, 12..15")
    return (codes[n_fft] << 4) | mu


# ---------------------------------------------------------------------------------------------
# configuration


@dataclass(frozen=True)
class CPlaneConfig:
    """M-plane facts the C-plane decoder needs but the wire does not carry.

    Attributes:
        n_prb_carrier: PRBs of the carrier (numPrbc = 0 means all of them); also enables the
            PRB range check ``startPrbc + (numPrbc - 1)(rb + 1) < n_prb_carrier``.
        num_bf_antennas: number L of weights in SE1 (None: inferred from extLen).
        num_weights_per_bundle: number of weights per bundle in SE11 (None: inferred).
        num_trx: antennas per PRB in section type 6 (required to decode type 6).
        st6_4byte_alignment: pad each type-6 section to 4 bytes (True) or 1 byte.
    """

    n_prb_carrier: int | None = None
    num_bf_antennas: int | None = None
    num_weights_per_bundle: int | None = None
    num_trx: int | None = None
    st6_4byte_alignment: bool = True

    def __post_init__(self) -> None:
        if self.n_prb_carrier is not None:
            check_int("n_prb_carrier", self.n_prb_carrier, 1, 1024)
        for name in ("num_bf_antennas", "num_weights_per_bundle", "num_trx"):
            if getattr(self, name) is not None:
                check_int(name, getattr(self, name), 1, 4096)


# ---------------------------------------------------------------------------------------------
# section extensions


def _check_bytes(name: str, value: object) -> bytes:
    if not isinstance(value, (bytes, bytearray)):
        raise TypeError(f"{name} must be bytes, got {type(value).__name__}")
    return bytes(value)


def _check_int_tuple(name: str, value: object, low: int, high: int) -> tuple[int, ...]:
    if isinstance(value, torch.Tensor):
        value = value.tolist()
    if not isinstance(value, (tuple, list)):
        raise TypeError(f"{name} must be a tuple of integers, got {type(value).__name__}")
    return tuple(check_int(f"{name}[{i}]", v, low, high) for i, v in enumerate(value))


def _weights_range(width: int) -> tuple[int, int]:
    return -(1 << (width - 1)), (1 << (width - 1)) - 1


def _pack_pairs(bfw_i: tuple[int, ...], bfw_q: tuple[int, ...], width: int) -> bytes:
    pairs = torch.stack([torch.tensor(bfw_i, dtype=torch.int64),
                         torch.tensor(bfw_q, dtype=torch.int64)], dim=-1)
    return pack_signed(pairs, width)


def _unpack_pairs(data: bytes, width: int, n: int) -> tuple[tuple[int, ...], tuple[int, ...]]:
    values = unpack_signed(data, width, 2 * n).reshape(n, 2)
    return tuple(values[:, 0].tolist()), tuple(values[:, 1].tolist())


def _check_param(meth: int, param: int | None, what: str) -> None:
    n = bfw_comp_param_bytes(meth)
    if n == 0 and param is not None:
        raise ValueError(f"{what} must be None for bfwCompMeth {meth} (no bfwCompParam)")
    if n == 1:
        if param is None:
            raise ValueError(f"{what} is required for bfwCompMeth {meth}")
        check_int(what, param, 0, 255)


@dataclass(frozen=True)
class BeamformingWeightsExt:
    """Section extension 1, beamforming weights (CUS clause 7.7.1).

    Content: ``bfwCompHdr | bfwCompParam (0 or 1 byte) | L x (bfwI, bfwQ)`` of ``bfw_iq_width``
    bits each, MSB first, zero padded. For BFP the weights are the mantissas and
    ``bfw_comp_param`` the ``reserved(4) | exponent(4)`` byte.

    >>> ext = BeamformingWeightsExt(BfwCompHdr(16, 0), bfw_i=(1, -1), bfw_q=(0, 2))
    >>> len(ext.to_bytes(last=True)), ext.to_bytes(last=True)[:3].hex()
    (12, '010300')
    """

    bfw_comp_hdr: BfwCompHdr
    bfw_i: tuple[int, ...]
    bfw_q: tuple[int, ...]
    bfw_comp_param: int | None = None
    ext_type = 1

    def __post_init__(self) -> None:
        if not isinstance(self.bfw_comp_hdr, BfwCompHdr):
            raise TypeError("bfw_comp_hdr must be a BfwCompHdr")
        low, high = _weights_range(self.bfw_comp_hdr.bfw_iq_width)
        object.__setattr__(self, "bfw_i", _check_int_tuple("bfw_i", self.bfw_i, low, high))
        object.__setattr__(self, "bfw_q", _check_int_tuple("bfw_q", self.bfw_q, low, high))
        if len(self.bfw_i) != len(self.bfw_q) or not self.bfw_i:
            raise ValueError(f"bfw_i and bfw_q must have the same length >= 1, got "
                             f"{len(self.bfw_i)} and {len(self.bfw_q)}")
        _check_param(self.bfw_comp_hdr.bfw_comp_meth, self.bfw_comp_param, "bfw_comp_param")

    def content(self) -> bytes:
        param = b"" if self.bfw_comp_param is None else bytes([self.bfw_comp_param])
        return (bytes([self.bfw_comp_hdr.to_byte()]) + param
                + _pack_pairs(self.bfw_i, self.bfw_q, self.bfw_comp_hdr.bfw_iq_width))

    def to_bytes(self, last: bool = True) -> bytes:
        """The extension with its header (``ef`` = not ``last``), padded to 4 bytes."""
        return _ext_bytes(self.ext_type, self.content(), last)


@dataclass(frozen=True)
class ModCompParamsExt:
    """Section extension 4, modulation compression parameters: ``csf(1) modCompScaler(15)``.

    >>> ModCompParamsExt(csf=1, mod_comp_scaler=0x0123).to_bytes().hex()
    '04018123'
    """

    csf: int
    mod_comp_scaler: int
    ext_type = 4

    def __post_init__(self) -> None:
        check_int("csf", self.csf, 0, 1)
        check_int("mod_comp_scaler", self.mod_comp_scaler, 0, 0x7FFF)

    def content(self) -> bytes:
        return ((self.csf << 15) | self.mod_comp_scaler).to_bytes(2, "big")

    def to_bytes(self, last: bool = True) -> bytes:
        """The extension with its header, 4 bytes."""
        return _ext_bytes(self.ext_type, self.content(), last)


@dataclass(frozen=True)
class ModCompScalingSet:
    """One set of SE5: ``mcScaleReMask(12) csf(1) mcScaleOffset(15)``."""

    mc_scale_re_mask: int
    csf: int
    mc_scale_offset: int

    def __post_init__(self) -> None:
        check_int("mc_scale_re_mask", self.mc_scale_re_mask, 0, 0xFFF)
        check_int("csf", self.csf, 0, 1)
        check_int("mc_scale_offset", self.mc_scale_offset, 0, 0x7FFF)

    def bits(self) -> int:
        return (self.mc_scale_re_mask << 16) | (self.csf << 15) | self.mc_scale_offset


_SE5_EXTLEN = {1: 2, 2: 3, 3: 4, 4: 4}


@dataclass(frozen=True)
class ModCompScalingExt:
    """Section extension 5, modulation compression additional scaling (CUS clause 7.7.5).

    1..4 sets of 28 bits, MSB first, zero padded: extLen 2 (1 set), 3 (2 sets), 4 (3 or 4
    sets; 3 when the last 28 bits are zero). A 4th set of all zeros cannot be told from
    padding and is rejected.

    >>> ModCompScalingExt((ModCompScalingSet(0xFFF, 0, 0x0800),)).to_bytes().hex()
    '0502fff080000000'
    """

    sets: tuple[ModCompScalingSet, ...]
    ext_type = 5

    def __post_init__(self) -> None:
        sets = tuple(self.sets)
        if not 1 <= len(sets) <= 4 or not all(isinstance(s, ModCompScalingSet) for s in sets):
            raise ValueError(f"sets must be 1..4 ModCompScalingSet, got {len(sets)} items")
        if len(sets) == 4 and sets[3].bits() == 0:
            raise ValueError("a 4th SE5 set of all zeros is indistinguishable from padding")
        object.__setattr__(self, "sets", sets)

    def content(self) -> bytes:
        n_bytes = 4 * _SE5_EXTLEN[len(self.sets)] - 2
        value = 0
        for s in self.sets:
            value = (value << 28) | s.bits()
        value <<= 8 * n_bytes - 28 * len(self.sets)
        return value.to_bytes(n_bytes, "big")

    def to_bytes(self, last: bool = True) -> bytes:
        """The extension with its header."""
        return _ext_bytes(self.ext_type, self.content(), last)


@dataclass(frozen=True)
class NonContiguousPrbExt:
    """Section extension 6, non-contiguous PRB allocation (CUS clause 7.7.6), 8 bytes.

    ``repetition(1) rbgSize(3) rbgMask(28) | priority(2) symbolMask(14)``; rbgSize codes
    1..7 mean 1, 2, 3, 4, 6, 8, 16 PRBs (0 is reserved).

    >>> NonContiguousPrbExt(rbg_size=2, rbg_mask=0x5, symbol_mask=0x3FFF).to_bytes().hex()
    '0602200000053fff'
    """

    rbg_size: int
    rbg_mask: int
    symbol_mask: int
    repetition: int = 0
    priority: int = 0
    ext_type = 6

    def __post_init__(self) -> None:
        check_int("rbg_size", self.rbg_size, 1, 7)
        check_int("rbg_mask", self.rbg_mask, 0, (1 << 28) - 1)
        check_int("symbol_mask", self.symbol_mask, 0, (1 << 14) - 1)
        check_int("repetition", self.repetition, 0, 1)
        check_int("priority", self.priority, 0, 3)

    def content(self) -> bytes:
        word = (self.repetition << 31) | (self.rbg_size << 28) | self.rbg_mask
        low = (self.priority << 14) | self.symbol_mask
        return word.to_bytes(4, "big") + low.to_bytes(2, "big")

    def to_bytes(self, last: bool = True) -> bytes:
        """The extension with its header, 8 bytes."""
        return _ext_bytes(self.ext_type, self.content(), last)


@dataclass(frozen=True)
class BfwBundle:
    """One PRB bundle of SE11: ``[bfwCompParam] contInd(1) beamId(15) [L x (bfwI, bfwQ)]``."""

    beam_id: int
    cont_ind: int = 0
    bfw_comp_param: int | None = None
    bfw_i: tuple[int, ...] = ()
    bfw_q: tuple[int, ...] = ()

    def __post_init__(self) -> None:
        check_int("beam_id", self.beam_id, 0, 0x7FFF)
        check_int("cont_ind", self.cont_ind, 0, 1)
        if self.bfw_comp_param is not None:
            check_int("bfw_comp_param", self.bfw_comp_param, 0, 255)
        object.__setattr__(self, "bfw_i", _check_int_tuple("bfw_i", self.bfw_i, -(1 << 15),
                                                           (1 << 15) - 1))
        object.__setattr__(self, "bfw_q", _check_int_tuple("bfw_q", self.bfw_q, -(1 << 15),
                                                           (1 << 15) - 1))
        if len(self.bfw_i) != len(self.bfw_q):
            raise ValueError(f"bfw_i and bfw_q must have the same length, got {len(self.bfw_i)} "
                             f"and {len(self.bfw_q)}")


@dataclass(frozen=True)
class FlexibleBfwExt:
    """Section extension 11, flexible beamforming weights (CUS clause 7.7.11); 16-bit extLen.

    ``disableBFWs(1) RAD(1) bundleOffset(6) | numBundPrb(8) | [bfwCompHdr]`` then one
    :class:`BfwBundle` per ``ceil(numPrbc / numBundPrb)`` bundle. With ``disable_bfws = 1`` a
    bundle is just ``contInd | beamId``; otherwise each bundle carries bfwCompParam (per
    method), ``contInd | beamId`` and L weights, rounded up to a byte.

    >>> ext = FlexibleBfwExt(num_bund_prb=4, bundles=(BfwBundle(1), BfwBundle(2)), disable_bfws=1)
    >>> ext.to_bytes().hex()          # extLen 3 words: 3 + 2 + 2 x 2 bytes, padded to 12
    '0b0003800400010002000000'
    """

    num_bund_prb: int
    bundles: tuple[BfwBundle, ...]
    disable_bfws: int = 0
    rad: int = 0
    bundle_offset: int = 0
    bfw_comp_hdr: BfwCompHdr | None = None
    ext_type = 11

    def __post_init__(self) -> None:
        check_int("num_bund_prb", self.num_bund_prb, 1, 255)
        check_int("disable_bfws", self.disable_bfws, 0, 1)
        check_int("rad", self.rad, 0, 1)
        check_int("bundle_offset", self.bundle_offset, 0, 63)
        bundles = tuple(self.bundles)
        if not bundles or not all(isinstance(b, BfwBundle) for b in bundles):
            raise ValueError("bundles must be a non-empty tuple of BfwBundle")
        object.__setattr__(self, "bundles", bundles)
        if self.disable_bfws:
            if self.bfw_comp_hdr is not None:
                raise ValueError("bfw_comp_hdr must be None when disable_bfws = 1")
            for b in bundles:
                if b.bfw_i or b.bfw_comp_param is not None:
                    raise ValueError("bundles carry no weights/bfwCompParam when disable_bfws = 1")
            return
        if not isinstance(self.bfw_comp_hdr, BfwCompHdr):
            raise ValueError("bfw_comp_hdr (a BfwCompHdr) is required when disable_bfws = 0")
        width, meth = self.bfw_comp_hdr.bfw_iq_width, self.bfw_comp_hdr.bfw_comp_meth
        low, high = _weights_range(width)
        n_weights = len(bundles[0].bfw_i)
        for k, b in enumerate(bundles):
            if len(b.bfw_i) != n_weights or n_weights == 0:
                raise ValueError(f"bundle {k} has {len(b.bfw_i)} weights; every bundle needs the "
                                 f"same number >= 1 ({n_weights} in bundle 0)")
            _check_int_tuple(f"bundles[{k}].bfw_i", b.bfw_i, low, high)
            _check_int_tuple(f"bundles[{k}].bfw_q", b.bfw_q, low, high)
            _check_param(meth, b.bfw_comp_param, f"bundles[{k}].bfw_comp_param")

    def content(self) -> bytes:
        out = bytearray([(self.disable_bfws << 7) | (self.rad << 6) | self.bundle_offset,
                         self.num_bund_prb])
        if self.disable_bfws:
            for b in self.bundles:
                out += ((b.cont_ind << 15) | b.beam_id).to_bytes(2, "big")
            return bytes(out)
        assert self.bfw_comp_hdr is not None
        out.append(self.bfw_comp_hdr.to_byte())
        for b in self.bundles:
            if b.bfw_comp_param is not None:
                out.append(b.bfw_comp_param)
            out += ((b.cont_ind << 15) | b.beam_id).to_bytes(2, "big")
            out += _pack_pairs(b.bfw_i, b.bfw_q, self.bfw_comp_hdr.bfw_iq_width)
        return bytes(out)

    def to_bytes(self, last: bool = True) -> bytes:
        """The extension with its (3-byte) header, padded to 4 bytes."""
        return _ext_bytes(self.ext_type, self.content(), last)


@dataclass(frozen=True)
class NonContiguousPrbRangesExt:
    """Section extension 12, non-contiguous PRB allocation with frequency ranges (clause 7.7.12).

    ``priority(2) symbolMask(14)`` then (offStartPrb(8), numPrb(8)) pairs; an odd number of
    pairs is completed with a (0, 0) pair, which the decoder drops again.

    >>> NonContiguousPrbRangesExt(ranges=((2, 3),), symbol_mask=0x3FFF).to_bytes().hex()
    '0c023fff02030000'
    """

    ranges: tuple[tuple[int, int], ...]
    symbol_mask: int
    priority: int = 0
    ext_type = 12

    def __post_init__(self) -> None:
        check_int("symbol_mask", self.symbol_mask, 0, (1 << 14) - 1)
        check_int("priority", self.priority, 0, 3)
        ranges = []
        for k, pair in enumerate(self.ranges):
            if not isinstance(pair, (tuple, list)) or len(pair) != 2:
                raise ValueError(f"ranges[{k}] must be an (off_start_prb, num_prb) pair")
            ranges.append((check_int(f"ranges[{k}].off_start_prb", pair[0], 0, 255),
                           check_int(f"ranges[{k}].num_prb", pair[1], 1, 255)))
        object.__setattr__(self, "ranges", tuple(ranges))

    def content(self) -> bytes:
        out = bytearray(((self.priority << 14) | self.symbol_mask).to_bytes(2, "big"))
        for off, num in self.ranges:
            out += bytes([off, num])
        if len(self.ranges) % 2:
            out += b"\x00\x00"
        return bytes(out)

    def to_bytes(self, last: bool = True) -> bytes:
        """The extension with its header."""
        return _ext_bytes(self.ext_type, self.content(), last)


@dataclass(frozen=True)
class RawExtension:
    """Any section extension kept verbatim: ``ext_type`` and the bytes after the extLen field
    (padding included, so header + content is a multiple of 4 bytes).

    >>> RawExtension(7, b"\\xff\\x00").to_bytes().hex()
    '0701ff00'
    """

    ext_type: int
    content_bytes: bytes

    def __post_init__(self) -> None:
        check_int("ext_type", self.ext_type, 1, 127)
        data = _check_bytes("content_bytes", self.content_bytes)
        object.__setattr__(self, "content_bytes", data)
        header = 3 if self.ext_type in _LONG_EXTLEN else 2
        if (header + len(data)) % 4:
            raise ValueError(f"content_bytes has {len(data)} bytes; with the {header}-byte header "
                             "the extension must be a multiple of 4 bytes (include the padding)")

    def content(self) -> bytes:
        return self.content_bytes

    def to_bytes(self, last: bool = True) -> bytes:
        """The extension with its header."""
        return _ext_bytes(self.ext_type, self.content(), last)


Extension = Union[BeamformingWeightsExt, ModCompParamsExt, ModCompScalingExt, NonContiguousPrbExt,
                  FlexibleBfwExt, NonContiguousPrbRangesExt, RawExtension]
_EXTENSION_TYPES = (BeamformingWeightsExt, ModCompParamsExt, ModCompScalingExt, NonContiguousPrbExt,
                    FlexibleBfwExt, NonContiguousPrbRangesExt, RawExtension)


def _ext_bytes(ext_type: int, content: bytes, last: bool) -> bytes:
    header = 3 if ext_type in _LONG_EXTLEN else 2
    total = header + len(content)
    words = (total + 3) // 4
    limit = 0xFFFF if header == 3 else 0xFF
    if words > limit:
        raise ValueError(f"section extension {ext_type} needs {words} words; extLen allows "
                         f"at most {limit}")
    head = bytes([(0 if last else 0x80) | ext_type]) + words.to_bytes(header - 1, "big")
    return head + content + bytes(4 * words - total)


# --- extension decoders ----------------------------------------------------------------------


def _infer_weights(avail_bits: int, per_weight_bits: int, configured: int | None) -> int:
    if configured is not None:
        return configured
    n = avail_bits // per_weight_bits
    if n < 1:
        raise FronthaulDecodeError("extension too short for one beamforming weight")
    return n


def _bfw_param_size(meth: int) -> int:
    try:
        return bfw_comp_param_bytes(meth)
    except ValueError as err:
        raise FronthaulDecodeError(f"bfwCompMeth {meth}: {err}") from None


def _decode_se1(body: bytes, cfg: CPlaneConfig) -> BeamformingWeightsExt:
    r = Reader(body)
    hdr = BfwCompHdr.from_byte(r.u8("bfwCompHdr"))
    n_param = _bfw_param_size(hdr.bfw_comp_meth)
    param = r.u8("bfwCompParam") if n_param else None
    width = hdr.bfw_iq_width
    n = _infer_weights(8 * r.remaining, 2 * width, cfg.num_bf_antennas)
    bfw_i, bfw_q = _unpack_pairs(r.take((2 * n * width + 7) // 8, f"{n} beamforming weights"),
                                 width, n)
    if r.remaining >= 4:
        raise FronthaulDecodeError(f"SE1 extLen leaves {r.remaining} bytes after {n} weights "
                                   "(more than the 0..3 bytes of padding)")
    return build(BeamformingWeightsExt, "SE1", bfw_comp_hdr=hdr, bfw_i=bfw_i, bfw_q=bfw_q,
                 bfw_comp_param=param)


def _decode_se4(body: bytes, cfg: CPlaneConfig) -> ModCompParamsExt:
    word = Reader(body).u16("SE4")
    return ModCompParamsExt(csf=word >> 15, mod_comp_scaler=word & 0x7FFF)


def _decode_se5(body: bytes, cfg: CPlaneConfig) -> ModCompScalingExt:
    ext_len = (len(body) + 2) // 4
    if ext_len not in (2, 3, 4):
        raise FronthaulDecodeError(f"SE5 extLen = {ext_len}; allowed: 2, 3, 4")
    value = int.from_bytes(body, "big")
    total = 8 * len(body)
    if ext_len < 4:
        n_sets = ext_len - 1
    else:                       # 3 sets + 28 zero bits, or 4 sets
        n_sets = 3 if value & ((1 << 28) - 1) == 0 else 4
    sets = []
    for k in range(n_sets):
        bits = (value >> (total - 28 * (k + 1))) & ((1 << 28) - 1)
        sets.append(ModCompScalingSet(bits >> 16, (bits >> 15) & 1, bits & 0x7FFF))
    return build(ModCompScalingExt, "SE5", sets=tuple(sets))


def _decode_se6(body: bytes, cfg: CPlaneConfig) -> NonContiguousPrbExt:
    r = Reader(body)
    word = r.uint(4, "SE6 rbgMask")
    low = r.u16("SE6 symbolMask")
    return build(NonContiguousPrbExt, "SE6", rbg_size=(word >> 28) & 0x7,
                 rbg_mask=word & ((1 << 28) - 1), symbol_mask=low & 0x3FFF,
                 repetition=word >> 31, priority=low >> 14)


def _decode_se11(body: bytes, cfg: CPlaneConfig, n_prb: int | None) -> FlexibleBfwExt:
    r = Reader(body)
    b0 = r.u8("SE11 disableBFWs/RAD")
    num_bund_prb = r.u8("SE11 numBundPrb")
    if num_bund_prb == 0:
        raise FronthaulDecodeError("SE11 numBundPrb = 0 is reserved")
    if n_prb is None:
        raise FronthaulDecodeError("SE11 with numPrbc = 0 needs CPlaneConfig.n_prb_carrier")
    n_bundles = -(-n_prb // num_bund_prb)
    disable = b0 >> 7
    bundles = []
    hdr = None
    if disable:
        for _ in range(n_bundles):
            w = r.u16("SE11 beamId")
            bundles.append(BfwBundle(beam_id=w & 0x7FFF, cont_ind=w >> 15))
    else:
        hdr = BfwCompHdr.from_byte(r.u8("SE11 bfwCompHdr"))
        n_param = _bfw_param_size(hdr.bfw_comp_meth)
        width = hdr.bfw_iq_width
        n = cfg.num_weights_per_bundle
        if n is None:              # largest L whose bundles fit
            per_bundle_bits = 8 * r.remaining // n_bundles - 8 * (n_param + 2)
            n = _infer_weights(max(per_bundle_bits, 0), 2 * width, None)
            while n > 1 and n_bundles * (n_param + 2 + (2 * n * width + 7) // 8) > r.remaining:
                n -= 1
        for _ in range(n_bundles):
            param = r.u8("SE11 bfwCompParam") if n_param else None
            w = r.u16("SE11 beamId")
            bfw_i, bfw_q = _unpack_pairs(r.take((2 * n * width + 7) // 8, "SE11 weights"), width, n)
            bundles.append(build(BfwBundle, "SE11 bundle", beam_id=w & 0x7FFF, cont_ind=w >> 15,
                                 bfw_comp_param=param, bfw_i=bfw_i, bfw_q=bfw_q))
    if r.remaining >= 4:
        raise FronthaulDecodeError(f"SE11 extLen leaves {r.remaining} bytes after "
                                   f"{n_bundles} bundles (more than 0..3 bytes of padding)")
    return build(FlexibleBfwExt, "SE11", num_bund_prb=num_bund_prb, bundles=tuple(bundles),
                 disable_bfws=disable, rad=(b0 >> 6) & 1, bundle_offset=b0 & 0x3F,
                 bfw_comp_hdr=hdr)


def _decode_se12(body: bytes, cfg: CPlaneConfig) -> NonContiguousPrbRangesExt:
    r = Reader(body)
    word = r.u16("SE12 symbolMask")
    pairs = [tuple(r.take(2, "SE12 range")) for _ in range(r.remaining // 2)]
    if pairs and pairs[-1] == (0, 0):
        pairs.pop()
    return build(NonContiguousPrbRangesExt, "SE12", ranges=tuple(pairs),
                 symbol_mask=word & 0x3FFF, priority=word >> 14)


_EXT_DECODERS = {1: _decode_se1, 4: _decode_se4, 5: _decode_se5, 6: _decode_se6, 12: _decode_se12}


def _read_extensions(r: Reader, cfg: CPlaneConfig, n_prb: int | None) -> tuple[Extension, ...]:
    exts: list[Extension] = []
    more = True
    while more:
        b0 = r.u8("section extension header")
        more, ext_type = bool(b0 >> 7), b0 & 0x7F
        if ext_type == 0:
            raise FronthaulDecodeError("extType = 0 is reserved")
        header = 3 if ext_type in _LONG_EXTLEN else 2
        ext_len = r.uint(header - 1, f"extLen of extension {ext_type}")
        if ext_len == 0:
            raise FronthaulDecodeError(f"extLen = 0 (reserved) in extension {ext_type}")
        body = r.take(4 * ext_len - header, f"extension {ext_type} (extLen = {ext_len})")
        if ext_type == 11:
            exts.append(_decode_se11(body, cfg, n_prb))
        elif ext_type in _EXT_DECODERS:
            exts.append(_EXT_DECODERS[ext_type](body, cfg))
        else:
            exts.append(RawExtension(ext_type, body))
    return tuple(exts)


def _write_extensions(exts: tuple[Extension, ...]) -> bytes:
    return b"".join(e.to_bytes(last=(k == len(exts) - 1)) for k, e in enumerate(exts))


# ---------------------------------------------------------------------------------------------
# sections


def _check_extensions(exts: object) -> tuple[Extension, ...]:
    exts = tuple(exts)  # type: ignore[arg-type]
    for k, e in enumerate(exts):
        if not isinstance(e, _EXTENSION_TYPES):
            raise TypeError(f"extensions[{k}] must be a section extension, got {type(e).__name__}")
    return exts


@dataclass(frozen=True, kw_only=True)
class _PrbSection:
    """Fields shared by the sections of types 0, 1, 3 and 5 (CUS clause 7.4)."""

    section_id: int
    start_prbc: int = 0
    num_prbc: int = 1
    re_mask: int = 0xFFF
    num_symbol: int = 1
    rb: int = 0
    sym_inc: int = 0
    extensions: tuple[Extension, ...] = ()

    def __post_init__(self) -> None:
        check_int("section_id", self.section_id, 0, 4095)
        check_int("start_prbc", self.start_prbc, 0, 1023)
        check_int("num_prbc", self.num_prbc, 0, 255)
        check_int("re_mask", self.re_mask, 0, 0xFFF)
        check_int("num_symbol", self.num_symbol, 1, 14)
        check_int("rb", self.rb, 0, 1)
        check_int("sym_inc", self.sym_inc, 0, 1)
        object.__setattr__(self, "extensions", _check_extensions(self.extensions))

    def _specific(self) -> int:          # the 15 type-specific bits
        return 0

    def _tail(self) -> bytes:            # bytes after the 8-byte common part
        return b""

    def to_bytes(self) -> bytes:
        """The section (8 or 12 bytes) followed by its extensions."""
        w0 = ((self.section_id << 20) | (self.rb << 19) | (self.sym_inc << 18)
              | (self.start_prbc << 8) | self.num_prbc)
        w1 = ((self.re_mask << 20) | (self.num_symbol << 16) | (int(bool(self.extensions)) << 15)
              | self._specific())
        return (w0.to_bytes(4, "big") + w1.to_bytes(4, "big") + self._tail()
                + _write_extensions(self.extensions))

    def prb_count(self, n_prb_carrier: int) -> int:
        """PRBs described: ``num_prbc``, or ``n_prb_carrier`` when ``num_prbc = 0``."""
        return self.num_prbc or check_int("n_prb_carrier", n_prb_carrier, 1, 1024)


@dataclass(frozen=True, kw_only=True)
class Section0(_PrbSection):
    """Section type 0 (unused RBs / idle / guard periods), CUS Table 7.4.2-1.

    >>> Section0(section_id=9, start_prbc=100, num_prbc=10).to_bytes().hex()
    '0090640afff10000'
    """


@dataclass(frozen=True, kw_only=True)
class Section1(_PrbSection):
    """Section type 1 (most DL/UL channels), CUS Table 7.4.3-1: adds ``beam_id`` (15 bits).

    >>> Section1(section_id=1, num_prbc=1, beam_id=5).to_bytes().hex()
    '00100001fff10005'
    """

    beam_id: int = 0

    def __post_init__(self) -> None:
        super().__post_init__()
        check_int("beam_id", self.beam_id, 0, 0x7FFF)

    def _specific(self) -> int:
        return self.beam_id


@dataclass(frozen=True, kw_only=True)
class Section3(_PrbSection):
    """Section type 3 (PRACH, mixed numerology), CUS Table 7.4.5-1: ``beam_id`` and
    ``freq_offset`` (24-bit signed, units of the frameStructure SCS) + reserved byte.

    >>> Section3(section_id=7, num_prbc=12, beam_id=5, freq_offset=-792).to_bytes().hex()
    '0070000cfff10005fffce800'
    """

    beam_id: int = 0
    freq_offset: int = 0

    def __post_init__(self) -> None:
        super().__post_init__()
        check_int("beam_id", self.beam_id, 0, 0x7FFF)
        check_int("freq_offset", self.freq_offset, -(1 << 23), (1 << 23) - 1)

    def _specific(self) -> int:
        return self.beam_id

    def _tail(self) -> bytes:
        return (self.freq_offset & 0xFFFFFF).to_bytes(3, "big") + b"\x00"


@dataclass(frozen=True, kw_only=True)
class Section5(_PrbSection):
    """Section type 5 (UE scheduling information), CUS Table 7.4.7-1: ``ue_id`` (15 bits;
    0x7FFF = PRBs not scheduled for this eAxC).

    >>> Section5(section_id=11, num_prbc=20, ue_id=0x7FFF).to_bytes().hex()
    '00b00014fff17fff'
    """

    ue_id: int = 0

    def __post_init__(self) -> None:
        super().__post_init__()
        check_int("ue_id", self.ue_id, 0, 0x7FFF)

    def _specific(self) -> int:
        return self.ue_id


@dataclass(frozen=True, kw_only=True)
class Section6:
    """Section type 6 (channel information), CUS clause 7.4 -- no sectionId.

    ``ci_payload`` holds the ciCompParam/ciIsample/ciQsample bytes and the zero padding up to
    the section's alignment boundary (4 bytes by default): ``7 + len(ci_payload)`` is then a
    multiple of 4.

    >>> Section6(ue_id=3, start_prbc=0, num_prbc=1, ci_payload=bytes(5)).to_bytes().hex()
    '000300000000010000000000'
    """

    ue_id: int
    start_prbc: int = 0
    num_prbc: int = 1
    regularization_factor: int = 0
    rb: int = 0
    sym_inc: int = 0
    ci_payload: bytes = b""
    extensions: tuple[Extension, ...] = ()

    def __post_init__(self) -> None:
        check_int("ue_id", self.ue_id, 0, 0x7FFF)
        check_int("start_prbc", self.start_prbc, 0, 1023)
        check_int("num_prbc", self.num_prbc, 0, 255)
        check_int("regularization_factor", self.regularization_factor, -(1 << 15), (1 << 15) - 1)
        check_int("rb", self.rb, 0, 1)
        check_int("sym_inc", self.sym_inc, 0, 1)
        object.__setattr__(self, "ci_payload", _check_bytes("ci_payload", self.ci_payload))
        object.__setattr__(self, "extensions", _check_extensions(self.extensions))

    def to_bytes(self) -> bytes:
        """The section followed by its extensions."""
        head = ((int(bool(self.extensions)) << 15) | self.ue_id).to_bytes(2, "big")
        head += (self.regularization_factor & 0xFFFF).to_bytes(2, "big")
        head += ((self.rb << 11) | (self.sym_inc << 10) | self.start_prbc).to_bytes(2, "big")
        head += bytes([self.num_prbc])
        return head + self.ci_payload + _write_extensions(self.extensions)


@dataclass(frozen=True)
class LaaMessage:
    """The body of section type 7 (LAA): ``laaMsgType(4) laaMsgLen(4)`` + message bytes.

    >>> LaaMessage(0, 1, b"\\x00\\x00\\x00").to_bytes().hex()
    '01000000'
    """

    laa_msg_type: int
    laa_msg_len: int
    body: bytes = b""

    def __post_init__(self) -> None:
        check_int("laa_msg_type", self.laa_msg_type, 0, 15)
        check_int("laa_msg_len", self.laa_msg_len, 0, 15)
        object.__setattr__(self, "body", _check_bytes("body", self.body))

    def to_bytes(self) -> bytes:
        """The LAA message bytes."""
        return bytes([(self.laa_msg_type << 4) | self.laa_msg_len]) + self.body


Section = Union[Section0, Section1, Section3, Section5, Section6, LaaMessage]
_SECTION_CLASS: dict[int, type] = {0: Section0, 1: Section1, 3: Section3, 5: Section5,
                                   6: Section6, 7: LaaMessage}


# ---------------------------------------------------------------------------------------------
# message


@dataclass(frozen=True, kw_only=True)
class CPlaneMessage:
    """One C-plane message (CUS clause 7): transport fields, timing header, common header
    fields of its section type and the sections.

    Fields that a section type does not carry must keep their defaults (``ud_comp_hdr`` only in
    types 1/3/5; ``time_offset``, ``frame_structure``, ``cp_length`` only in 0/3;
    ``number_of_ues`` and ``ci_comp_hdr`` only in 6). ``numberOfSections`` is ``len(sections)``.
    Type 7 carries exactly one :class:`LaaMessage`. The C-plane is never radio-transport
    fragmented, so ``seq`` has E = 1 and subsequence 0.

    Attributes:
        eaxc_id: 16-bit eAxC ID (``ecpriRtcid``); see :class:`~softran.oran.ecpri.EAxCSplit`.
        timing: the radio application common header.
        section_type: 0, 1, 3, 5, 6 or 7.
        sections: tuple of the section class of that type.
        seq: ``ecpriSeqid``.
        ud_comp_hdr: udCompHdr (types 1, 3, 5; meaningful in UL).
        time_offset, frame_structure, cp_length: types 0 and 3 (16, 8, 16 bits).
        number_of_ues: type 6 (None is replaced by ``len(sections)``).
        ci_comp_hdr: type 6.
    """

    eaxc_id: int
    timing: TimingHeader
    section_type: int
    sections: tuple[Section, ...] = ()
    seq: SeqId = SeqId()
    ud_comp_hdr: UdCompHdr = UdCompHdr()
    time_offset: int = 0
    frame_structure: int = 0
    cp_length: int = 0
    number_of_ues: int | None = None
    ci_comp_hdr: CiCompHdr = CiCompHdr()

    def __post_init__(self) -> None:
        check_message_ids(self.eaxc_id, self.timing, self.seq)
        if self.seq.e_bit != 1 or self.seq.subsequence_id != 0:
            raise ValueError(f"C-plane messages are not fragmented: seq must have e_bit = 1 and "
                             f"subsequence_id = 0, got {self.seq}")
        st = self.section_type
        if isinstance(st, bool) or st not in _SECTION_CLASS:
            raise ValueError(f"section_type = {st!r} is not supported; allowed: "
                             f"{', '.join(map(str, SECTION_TYPES))}")
        sections = tuple(self.sections)
        object.__setattr__(self, "sections", sections)
        cls = _SECTION_CLASS[st]
        for k, s in enumerate(sections):
            if type(s) is not cls:
                raise TypeError(f"sections[{k}] is a {type(s).__name__}; section type {st} needs "
                                f"{cls.__name__}")
        if st == 7 and len(sections) != 1:
            raise ValueError(f"section type 7 carries exactly one LaaMessage, got {len(sections)}")
        if len(sections) > 255:
            raise ValueError(f"{len(sections)} sections; numberOfSections allows 0..255")
        if not isinstance(self.ud_comp_hdr, UdCompHdr):
            raise TypeError("ud_comp_hdr must be a UdCompHdr")
        if not isinstance(self.ci_comp_hdr, CiCompHdr):
            raise TypeError("ci_comp_hdr must be a CiCompHdr")
        check_int("time_offset", self.time_offset, 0, 0xFFFF)
        check_int("frame_structure", self.frame_structure, 0, 0xFF)
        check_int("cp_length", self.cp_length, 0, 0xFFFF)
        if st == 6 and self.number_of_ues is None:
            object.__setattr__(self, "number_of_ues", len(sections))
        if self.number_of_ues is not None:
            check_int("number_of_ues", self.number_of_ues, 0, 255)
        defaults = {f.name: f.default for f in fields(self)}
        allowed = {0: {"time_offset", "frame_structure", "cp_length"},
                   1: {"ud_comp_hdr"}, 5: {"ud_comp_hdr"},
                   3: {"time_offset", "frame_structure", "cp_length", "ud_comp_hdr"},
                   6: {"number_of_ues", "ci_comp_hdr"}, 7: set()}[st]
        for name in ("ud_comp_hdr", "time_offset", "frame_structure", "cp_length",
                     "number_of_ues", "ci_comp_hdr"):
            if name not in allowed and getattr(self, name) != defaults[name]:
                raise ValueError(f"{name} is not part of section type {st}; leave it at its "
                                 f"default {defaults[name]!r}")


def encode_cplane(msg: CPlaneMessage) -> bytes:
    """Encode a C-plane message as one eCPRI message (type 2, C = 0), header included.

    O-RAN.WG4.CUS.0 clause 7 (C-plane message format); eCPRI v2.0 real-time control data.

    >>> from softran.oran.radio_header import TimingHeader
    >>> msg = CPlaneMessage(eaxc_id=1, section_type=1,
    ...                     timing=TimingHeader(data_direction=1, frame_id=3, subframe_id=2,
    ...                                         slot_id=1, start_symbol_id=0),
    ...                     sections=(Section1(section_id=1, num_prbc=1, num_symbol=14),))
    >>> encode_cplane(msg).hex(' ')
    '10 02 00 14 00 01 00 80 90 03 20 40 01 01 00 00 00 10 00 01 ff fe 00 00'
    >>> decode_cplane(encode_cplane(msg)) == msg
    True
    """
    if not isinstance(msg, CPlaneMessage):
        raise TypeError(f"msg must be a CPlaneMessage, got {type(msg).__name__}")
    st = msg.section_type
    n = len(msg.sections)
    head = bytearray(msg.eaxc_id.to_bytes(2, "big") + msg.seq.to_bytes() + msg.timing.to_bytes())
    if st == 0:
        head += bytes([n, 0]) + msg.time_offset.to_bytes(2, "big") + bytes([msg.frame_structure])
        head += msg.cp_length.to_bytes(2, "big") + b"\x00"
    elif st in (1, 5):
        head += bytes([n, st, msg.ud_comp_hdr.to_byte(), 0])
    elif st == 3:
        head += bytes([n, 3]) + msg.time_offset.to_bytes(2, "big") + bytes([msg.frame_structure])
        head += msg.cp_length.to_bytes(2, "big") + bytes([msg.ud_comp_hdr.to_byte()])
    elif st == 6:
        head += bytes([n, 6, msg.number_of_ues, msg.ci_comp_hdr.to_byte()])
    else:
        head += bytes([0, 7, 0, 0])
    payload = bytes(head) + b"".join(s.to_bytes() for s in msg.sections)
    return encode_ecpri(EcpriMessage(EcpriMessageType.REAL_TIME_CONTROL, payload))


def _prb_count(num_prb: int, cfg: CPlaneConfig) -> int | None:
    return num_prb if num_prb else cfg.n_prb_carrier


def _check_prb_range(start: int, num: int, rb: int, cfg: CPlaneConfig, what: str) -> None:
    if cfg.n_prb_carrier is None or num == 0:
        return
    last = start + (num - 1) * (rb + 1)
    if last >= cfg.n_prb_carrier:
        raise FronthaulDecodeError(f"{what}: PRBs {start}..{last} exceed the carrier "
                                   f"(n_prb_carrier = {cfg.n_prb_carrier})")


def _read_prb_section(r: Reader, st: int, cfg: CPlaneConfig, k: int) -> _PrbSection:
    what = f"section {k} (type {st})"
    w0 = r.uint(4, what)
    w1 = r.uint(4, what)
    fields_ = dict(section_id=w0 >> 20, rb=(w0 >> 19) & 1, sym_inc=(w0 >> 18) & 1,
                   start_prbc=(w0 >> 8) & 0x3FF, num_prbc=w0 & 0xFF, re_mask=w1 >> 20,
                   num_symbol=(w1 >> 16) & 0xF)
    ef = (w1 >> 15) & 1
    if fields_["num_symbol"] == 0 or fields_["num_symbol"] > 14:
        raise FronthaulDecodeError(f"{what}: numSymbol = {fields_['num_symbol']}; allowed 1..14")
    _check_prb_range(fields_["start_prbc"], fields_["num_prbc"], fields_["rb"], cfg, what)
    if st in (1, 3):
        fields_["beam_id"] = w1 & 0x7FFF
    elif st == 5:
        fields_["ue_id"] = w1 & 0x7FFF
    if st == 3:
        tail = r.take(4, what)
        fields_["freq_offset"] = signed(int.from_bytes(tail[:3], "big"), 24)
    exts = _read_extensions(r, cfg, _prb_count(fields_["num_prbc"], cfg)) if ef else ()
    return build(_SECTION_CLASS[st], what, extensions=exts, **fields_)


def _ci_param_bytes(meth: int) -> int:
    if meth == 0:
        return 0
    if meth in (1, 2, 3):
        return 1
    raise FronthaulDecodeError(f"ciCompMeth = {meth} is not supported (0..3 are)")


def _read_section6(r: Reader, hdr: CiCompHdr, cfg: CPlaneConfig, k: int) -> Section6:
    what = f"section {k} (type 6)"
    start = r.pos
    w_ue = r.u16(what)
    reg = signed(r.u16(what), 16)
    w_prb = r.u16(what)
    num_prbc = r.u8(what)
    rb, sym_inc, start_prbc = (w_prb >> 11) & 1, (w_prb >> 10) & 1, w_prb & 0x3FF
    _check_prb_range(start_prbc, num_prbc, rb, cfg, what)
    if cfg.num_trx is None:
        raise FronthaulDecodeError("section type 6 needs CPlaneConfig.num_trx (antennas per PRB)")
    n_prb = _prb_count(num_prbc, cfg)
    if n_prb is None:
        raise FronthaulDecodeError("section type 6 with numPrbc = 0 needs "
                                   "CPlaneConfig.n_prb_carrier")
    n_param = _ci_param_bytes(hdr.ci_comp_meth) * (n_prb if hdr.ci_comp_opt else 1)
    bits = 8 * (7 + n_param) + n_prb * cfg.num_trx * 2 * hdr.ci_iq_width
    align = 32 if cfg.st6_4byte_alignment else 8
    total = -(-bits // align) * align // 8
    ci = r.take(total - (r.pos - start), f"{what} channel information")
    exts = _read_extensions(r, cfg, n_prb) if w_ue >> 15 else ()
    return build(Section6, what, ue_id=w_ue & 0x7FFF, start_prbc=start_prbc, num_prbc=num_prbc,
                 regularization_factor=reg, rb=rb, sym_inc=sym_inc, ci_payload=ci,
                 extensions=exts)


def decode_cplane(data: bytes | EcpriMessage, config: CPlaneConfig | None = None) -> CPlaneMessage:
    """Decode one C-plane message (eCPRI type 2), given as its bytes or as an ``EcpriMessage``.

    The end of the message comes from ``ecpriPayload``; bytes after it (Ethernet padding) are
    ignored, bytes inside it after the last section are an error. Sections and extensions
    are parsed as described in the module docstring; unknown extension types are kept as
    :class:`RawExtension`.

    Raises:
        FronthaulDecodeError: truncation, wrong message type, fragmented C-plane, unsupported
            section type or payloadVersion, field out of range (numSymbol, PRBs beyond the
            configured carrier, ...), extLen inconsistent with the content, trailing bytes.

    >>> raw = bytes.fromhex('10020014000100809003204001010000001000 01fffe0000'.replace(' ', ''))
    >>> m = decode_cplane(raw + bytes(20))            # Ethernet padding is ignored
    >>> m.sections[0].num_symbol, m.sections[0].beam_id
    (14, 0)
    """
    cfg = CPlaneConfig() if config is None else config
    if not isinstance(cfg, CPlaneConfig):
        raise TypeError(f"config must be a CPlaneConfig, got {type(cfg).__name__}")
    msg = single_message(data, EcpriMessageType.REAL_TIME_CONTROL)
    r = Reader(msg.payload)
    eaxc_id = r.u16("ecpriRtcid")
    seq = SeqId.from_bytes(r.take(2, "ecpriSeqid"))
    if seq.e_bit != 1 or seq.subsequence_id != 0:
        raise FronthaulDecodeError(f"C-plane message is radio-transport fragmented (E = "
                                   f"{seq.e_bit}, subsequence = {seq.subsequence_id}); "
                                   "not allowed")
    timing = TimingHeader.read(r)
    n_sections = r.u8("numberOfSections")
    st = r.u8("sectionType")
    common: dict[str, object] = {}
    if st == 0:
        common = dict(time_offset=r.u16("timeOffset"), frame_structure=r.u8("frameStructure"),
                      cp_length=r.u16("cpLength"))
        r.u8("reserved")
    elif st in (1, 5):
        common = dict(ud_comp_hdr=UdCompHdr.from_byte(r.u8("udCompHdr")))
        r.u8("reserved")
    elif st == 3:
        common = dict(time_offset=r.u16("timeOffset"), frame_structure=r.u8("frameStructure"),
                      cp_length=r.u16("cpLength"),
                      ud_comp_hdr=UdCompHdr.from_byte(r.u8("udCompHdr")))
    elif st == 6:
        common = dict(number_of_ues=r.u8("numberOfUEs"),
                      ci_comp_hdr=CiCompHdr.from_byte(r.u8("ciCompHdr")))
    elif st == 7:
        r.u16("reserved")
    else:
        raise FronthaulDecodeError(f"sectionType = {st} is not supported; supported: "
                                   f"{', '.join(map(str, SECTION_TYPES))}")
    sections: list[Section] = []
    if st == 7:
        b0 = r.u8("LAA message header")
        sections.append(LaaMessage(b0 >> 4, b0 & 0xF, r.take(r.remaining, "LAA message")))
    else:
        for k in range(n_sections):
            if st == 6:
                ci_hdr = common["ci_comp_hdr"]
                assert isinstance(ci_hdr, CiCompHdr)
                sections.append(_read_section6(r, ci_hdr, cfg, k))
            else:
                sections.append(_read_prb_section(r, st, cfg, k))
        if r.remaining:
            raise FronthaulDecodeError(f"{r.remaining} bytes left in ecpriPayload after "
                                       f"numberOfSections = {n_sections} sections")
    return build(CPlaneMessage, "C-plane message", eaxc_id=eaxc_id, timing=timing,
                 section_type=st, sections=tuple(sections), seq=seq, **common)


# ---------------------------------------------------------------------------------------------
# beamforming-weight values (Annex A.1 BFP, applied to weights)


def bfp_compress_weights(weights: torch.Tensor, bfw_iq_width: int) -> tuple[int, tuple[int, ...],
                                                                              tuple[int, ...]]:
    """Block-floating-point compress one weight vector (O-RAN.WG4.CUS.0 Annex A.1.2).

    ``weights`` are int16-scale values: an integer tensor ``[L, 2]`` (I, Q) or a complex tensor
    ``[L]`` with integer real/imaginary parts in -32768..32767. ``maxValue = max(maxV, |minV| - 1)``
    over all 2L values, exponent ``max(bit_length(maxValue) - w + 1, 0)``, mantissas by
    arithmetic right shift (floor). Returns ``(bfw_comp_param, bfw_i, bfw_q)`` ready for
    :class:`BeamformingWeightsExt` / :class:`BfwBundle` with ``BfwCompHdr(w, 1)``.

    >>> bfp_compress_weights(torch.tensor([[-18000, 15000], [100, -5]]), 9)
    (7, (-141, 0), (117, -1))
    """
    width = check_int("bfw_iq_width", bfw_iq_width, 1, 16)
    iq = _weights_as_pairs(weights)
    max_value = max(int(iq.max()), -int(iq.min()) - 1, 0)
    exponent = max(max_value.bit_length() - width + 1, 0)
    mant = iq >> exponent
    return exponent, tuple(mant[:, 0].tolist()), tuple(mant[:, 1].tolist())


def _weights_as_pairs(weights: torch.Tensor) -> torch.Tensor:
    weights = check_tensor("weights", weights, min_dim=1)
    if weights.is_complex():
        pairs = torch.stack([weights.real, weights.imag], dim=-1)
        if bool((pairs != pairs.round()).any()):
            raise ValueError("complex weights must have integer real and imaginary parts")
        pairs = pairs.to(torch.int64)
    elif weights.is_floating_point() or weights.dtype == torch.bool:
        raise TypeError(f"weights must be an integer [L, 2] or complex [L] tensor, "
                        f"got {weights.dtype}")
    else:
        if weights.dim() != 2 or weights.shape[-1] != 2:
            raise ValueError(f"integer weights must have shape [L, 2], got {tuple(weights.shape)}")
        pairs = weights.to(torch.int64)
    if pairs.numel() == 0 or bool(((pairs < -32768) | (pairs > 32767)).any()):
        raise ValueError("weights must be non-empty int16-scale values in -32768..32767")
    return pairs.cpu()


def bfw_values(bfw_comp_hdr: BfwCompHdr, bfw_i: tuple[int, ...], bfw_q: tuple[int, ...],
               bfw_comp_param: int | None = None) -> torch.Tensor:
    """Weights ``[L]`` complex64 on the int16 scale from their wire fields (no compression, or
    BFP: ``mantissa * 2^exponent``, Annex A.1.3). Other methods raise ``ValueError``.

    >>> bfw_values(BfwCompHdr(9, 1), (-141, 0), (117, -1), 7).tolist()
    [(-18048+14976j), -128j]
    """
    meth = bfw_comp_hdr.bfw_comp_meth
    i = torch.tensor(bfw_i, dtype=torch.int64)
    q = torch.tensor(bfw_q, dtype=torch.int64)
    if meth == 1:
        if bfw_comp_param is None:
            raise ValueError("bfw_comp_param (the exponent byte) is required for BFP")
        e = check_int("bfw_comp_param", bfw_comp_param, 0, 255) & 0xF
        i, q = i << e, q << e
    elif meth != 0:
        raise ValueError(f"bfw_comp_meth = {meth}: only 0 (none) and 1 (BFP) are decompressed here")
    return torch.complex(i.to(torch.float32), q.to(torch.float32))
