"""C-plane section extensions (O-RAN.WG4.CUS.0 clause 7.7).

A C-plane section whose ``ef`` bit is set is followed by a chain of section extensions, each
``ef(1) extType(7) | extLen(8; 16 for types 11/19/20)`` in 32-bit words including this
header, zero-padded to a 4-byte multiple (the ``ef`` bit of an extension says another one
follows). :func:`read_extensions` / :func:`write_extensions` decode and encode a chain:

* 1 :class:`BeamformingWeightsExt` -- bfwCompHdr, bfwCompParam, L x (bfwI, bfwQ); methods
  0 (none), 1 (BFP), 2 (block scaling) and 3 (mu-law) are parsed into their integer fields
  (the weights as the sent w-bit integers / mantissas, ``bfw_comp_param`` the raw byte);
  beamspace methods 4/5 raise. :func:`~softran.oran.beamforming_weights.bfp_compress_weights`
  / :func:`~softran.oran.beamforming_weights.bfw_values` turn int16-scale weights into BFP
  mantissas and back (O-RAN.WG4.CUS.0 Annex A.1).
* 4 :class:`ModCompParamsExt` (csf, modCompScaler), 5 :class:`ModCompScalingExt`
  (1..4 sets of mcScaleReMask, csf, mcScaleOffset),
* 6 :class:`NonContiguousPrbExt` (repetition, rbgSize, rbgMask, priority, symbolMask),
* 11 :class:`FlexibleBfwExt` (disableBFWs, RAD, bundleOffset, numBundPrb, per-bundle
  bfwCompParam, contInd, beamId and weights),
* 12 :class:`NonContiguousPrbRangesExt` (priority, symbolMask, (offStartPrb, numPrb) pairs),
* any other type: :class:`RawExtension` (content bytes kept verbatim, padding included).

The number of weights L of SE1 / SE11 is M-plane configuration, not on the wire
(:class:`~softran.oran.cplane.CPlaneConfig`); when it is not configured it is inferred from
extLen -- exact whenever the zero padding is shorter than one I/Q pair. The number of SE11
bundles is ``ceil(numPrbc / numBundPrb)``.

Not implemented: extensions other than 1, 4, 5, 6, 11, 12 (kept raw), beamspace BFW
compression, SE11 bundle counting that depends on SE6/SE12 in the same section.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Union

import torch

from softran.oran._reader import Reader, build
from softran.oran.beamforming_weights import (
    BfwCompHdr,
    check_bfw_comp_param,
    pack_weights,
    unpack_weights,
)
from softran.oran.errors import FronthaulDecodeError
from softran.oran.radio_header import bfw_comp_param_bytes
from softran.validation import check_bytes, check_int

__all__ = [
    "BeamformingWeightsExt",
    "BfwBundle",
    "Extension",
    "FlexibleBfwExt",
    "ModCompParamsExt",
    "ModCompScalingExt",
    "ModCompScalingSet",
    "NonContiguousPrbExt",
    "NonContiguousPrbRangesExt",
    "RawExtension",
    "check_extensions",
    "read_extensions",
    "write_extensions",
]

_LONG_EXTLEN = (11, 19, 20)      # extension types whose extLen field is 16 bits


def _check_int_tuple(name: str, value: object, low: int, high: int) -> tuple[int, ...]:
    if isinstance(value, torch.Tensor):
        value = value.tolist()
    if not isinstance(value, (tuple, list)):
        raise TypeError(f"{name} must be a tuple of integers, got {type(value).__name__}")
    return tuple(check_int(f"{name}[{i}]", v, low, high) for i, v in enumerate(value))


def _weights_range(width: int) -> tuple[int, int]:
    return -(1 << (width - 1)), (1 << (width - 1)) - 1


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
        check_bfw_comp_param(self.bfw_comp_hdr.bfw_comp_meth, self.bfw_comp_param, "bfw_comp_param")

    def content(self) -> bytes:
        param = b"" if self.bfw_comp_param is None else bytes([self.bfw_comp_param])
        return (bytes([self.bfw_comp_hdr.to_byte()]) + param
                + pack_weights(self.bfw_i, self.bfw_q, self.bfw_comp_hdr.bfw_iq_width))

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
            check_bfw_comp_param(meth, b.bfw_comp_param, f"bundles[{k}].bfw_comp_param")

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
            out += pack_weights(b.bfw_i, b.bfw_q, self.bfw_comp_hdr.bfw_iq_width)
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
        data = check_bytes("content_bytes", self.content_bytes)
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


def _decode_se1(body: bytes, num_bf_antennas: int | None) -> BeamformingWeightsExt:
    r = Reader(body)
    hdr = BfwCompHdr.from_byte(r.u8("bfwCompHdr"))
    n_param = _bfw_param_size(hdr.bfw_comp_meth)
    param = r.u8("bfwCompParam") if n_param else None
    width = hdr.bfw_iq_width
    n = _infer_weights(8 * r.remaining, 2 * width, num_bf_antennas)
    bfw_i, bfw_q = unpack_weights(r.take((2 * n * width + 7) // 8, f"{n} beamforming weights"),
                                 width, n)
    if r.remaining >= 4:
        raise FronthaulDecodeError(f"SE1 extLen leaves {r.remaining} bytes after {n} weights "
                                   "(more than the 0..3 bytes of padding)")
    return build(BeamformingWeightsExt, "SE1", bfw_comp_hdr=hdr, bfw_i=bfw_i, bfw_q=bfw_q,
                 bfw_comp_param=param)


def _decode_se4(body: bytes) -> ModCompParamsExt:
    word = Reader(body).u16("SE4")
    return ModCompParamsExt(csf=word >> 15, mod_comp_scaler=word & 0x7FFF)


def _decode_se5(body: bytes) -> ModCompScalingExt:
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


def _decode_se6(body: bytes) -> NonContiguousPrbExt:
    r = Reader(body)
    word = r.uint(4, "SE6 rbgMask")
    low = r.u16("SE6 symbolMask")
    return build(NonContiguousPrbExt, "SE6", rbg_size=(word >> 28) & 0x7,
                 rbg_mask=word & ((1 << 28) - 1), symbol_mask=low & 0x3FFF,
                 repetition=word >> 31, priority=low >> 14)


def _decode_se11(body: bytes, num_weights_per_bundle: int | None,
                 n_prb: int | None) -> FlexibleBfwExt:
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
        n = num_weights_per_bundle
        if n is None:              # largest L whose bundles fit
            per_bundle_bits = 8 * r.remaining // n_bundles - 8 * (n_param + 2)
            n = _infer_weights(max(per_bundle_bits, 0), 2 * width, None)
            while n > 1 and n_bundles * (n_param + 2 + (2 * n * width + 7) // 8) > r.remaining:
                n -= 1
        for _ in range(n_bundles):
            param = r.u8("SE11 bfwCompParam") if n_param else None
            w = r.u16("SE11 beamId")
            bfw_i, bfw_q = unpack_weights(r.take((2 * n * width + 7) // 8, "SE11 weights"),
                                          width, n)
            bundles.append(build(BfwBundle, "SE11 bundle", beam_id=w & 0x7FFF, cont_ind=w >> 15,
                                 bfw_comp_param=param, bfw_i=bfw_i, bfw_q=bfw_q))
    if r.remaining >= 4:
        raise FronthaulDecodeError(f"SE11 extLen leaves {r.remaining} bytes after "
                                   f"{n_bundles} bundles (more than 0..3 bytes of padding)")
    return build(FlexibleBfwExt, "SE11", num_bund_prb=num_bund_prb, bundles=tuple(bundles),
                 disable_bfws=disable, rad=(b0 >> 6) & 1, bundle_offset=b0 & 0x3F,
                 bfw_comp_hdr=hdr)


def _decode_se12(body: bytes) -> NonContiguousPrbRangesExt:
    r = Reader(body)
    word = r.u16("SE12 symbolMask")
    pairs = [tuple(r.take(2, "SE12 range")) for _ in range(r.remaining // 2)]
    if pairs and pairs[-1] == (0, 0):
        pairs.pop()
    return build(NonContiguousPrbRangesExt, "SE12", ranges=tuple(pairs),
                 symbol_mask=word & 0x3FFF, priority=word >> 14)


_EXT_DECODERS = {4: _decode_se4, 5: _decode_se5, 6: _decode_se6, 12: _decode_se12}


def read_extensions(r: Reader, n_prb: int | None, *, num_bf_antennas: int | None = None,
                    num_weights_per_bundle: int | None = None) -> tuple[Extension, ...]:
    """Decode the chain of section extensions at the reader's position (CUS clause 7.7).

    Reads extensions until one has ``ef = 0``. ``n_prb`` is the number of PRBs of the section
    (``None`` when numPrbc = 0 and the carrier size is not configured; SE11 then raises);
    ``num_bf_antennas`` / ``num_weights_per_bundle`` are the configured numbers of weights of
    SE1 / SE11 (``None``: inferred from extLen). Unknown types are kept as
    :class:`RawExtension`. Raises :class:`~softran.oran.errors.FronthaulDecodeError`.

    >>> from softran.oran._reader import Reader
    >>> read_extensions(Reader(bytes.fromhex('04018123')), 1)
    (ModCompParamsExt(csf=1, mod_comp_scaler=291),)
    """
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
        if ext_type == 1:
            exts.append(_decode_se1(body, num_bf_antennas))
        elif ext_type == 11:
            exts.append(_decode_se11(body, num_weights_per_bundle, n_prb))
        elif ext_type in _EXT_DECODERS:
            exts.append(_EXT_DECODERS[ext_type](body))
        else:
            exts.append(RawExtension(ext_type, body))
    return tuple(exts)


def write_extensions(exts: tuple[Extension, ...]) -> bytes:
    """Encode a chain of section extensions (CUS clause 7.7): ``ef = 1`` on all but the last.

    >>> write_extensions((RawExtension(7, b"\\xff\\x00"), ModCompParamsExt(1, 0x123))).hex()
    '8701ff0004018123'
    """
    return b"".join(e.to_bytes(last=(k == len(exts) - 1)) for k, e in enumerate(exts))


def check_extensions(exts: object) -> tuple[Extension, ...]:
    """``exts`` as a tuple after checking that every item is a section extension.

    >>> check_extensions([RawExtension(7, bytes(2))])
    (RawExtension(ext_type=7, content_bytes=b'\\x00\\x00'),)
    """
    exts = tuple(exts)  # type: ignore[arg-type]
    for k, e in enumerate(exts):
        if not isinstance(e, _EXTENSION_TYPES):
            raise TypeError(f"extensions[{k}] must be a section extension, got {type(e).__name__}")
    return exts
