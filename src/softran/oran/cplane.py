"""O-RAN 7.2x C-plane messages: the common headers and section types 0, 1, 3, 5, 6, 7.

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

Sections may be followed by section extensions (clause 7.7), decoded and encoded by
:mod:`softran.oran.section_extensions`; the beamforming-weight header and BFP on weights are
in :mod:`softran.oran.beamforming_weights`.

Counts that are M-plane configuration and not on the wire come from :class:`CPlaneConfig`:
the number of weights L of SE1 / SE11 (inferred from extLen when not configured), the number
of antennas of section type 6, and the carrier size.

Not implemented (not accepted): section types 2, 4, 8..11.
"""

from __future__ import annotations

from dataclasses import dataclass, fields
from typing import Union

from softran.oran._reader import Reader, build, signed
from softran.oran.ecpri import EcpriMessage, EcpriMessageType, SeqId, encode_ecpri, single_message
from softran.oran.errors import FronthaulDecodeError
from softran.oran.radio_header import TimingHeader, UdCompHdr, check_message_ids
from softran.oran.section_extensions import (
    Extension,
    check_extensions,
    read_extensions,
    write_extensions,
)
from softran.validation import check_bytes, check_int

__all__ = [
    "SECTION_TYPES",
    "CPlaneConfig",
    "CPlaneMessage",
    "CiCompHdr",
    "LaaMessage",
    "Section0",
    "Section1",
    "Section3",
    "Section5",
    "Section6",
    "decode_cplane",
    "encode_cplane",
    "frame_structure",
]

#: C-plane section types this module encodes and decodes.
SECTION_TYPES: tuple[int, ...] = (0, 1, 3, 5, 6, 7)


# ---------------------------------------------------------------------------------------------
# small header bytes


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
# sections


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
        object.__setattr__(self, "extensions", check_extensions(self.extensions))

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
                + write_extensions(self.extensions))

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
        object.__setattr__(self, "ci_payload", check_bytes("ci_payload", self.ci_payload))
        object.__setattr__(self, "extensions", check_extensions(self.extensions))

    def to_bytes(self) -> bytes:
        """The section followed by its extensions."""
        head = ((int(bool(self.extensions)) << 15) | self.ue_id).to_bytes(2, "big")
        head += (self.regularization_factor & 0xFFFF).to_bytes(2, "big")
        head += ((self.rb << 11) | (self.sym_inc << 10) | self.start_prbc).to_bytes(2, "big")
        head += bytes([self.num_prbc])
        return head + self.ci_payload + write_extensions(self.extensions)


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
        object.__setattr__(self, "body", check_bytes("body", self.body))

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


def _read_extensions(r: Reader, cfg: CPlaneConfig, n_prb: int | None) -> tuple[Extension, ...]:
    return read_extensions(r, n_prb, num_bf_antennas=cfg.num_bf_antennas,
                           num_weights_per_bundle=cfg.num_weights_per_bundle)


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
