"""O-RAN radio application common header and the compression header byte (O-RAN.WG4.CUS.0).

* :class:`TimingHeader` -- the 4 bytes that start every C-plane and U-plane message after
  ``ecpriSeqid`` (CUS clause 7.5.2 / 8.3.1: dataDirection, payloadVersion, filterIndex,
  frameId, subframeId, slotId, startSymbolId / symbolId)::

      byte 0: dataDirection(1) payloadVersion(3) filterIndex(4)
      byte 1: frameId(8)
      byte 2-3: subframeId(4) slotId(6) startSymbolId(6)

  Example: downlink, frame 3, subframe 2, slot 1, symbol 0 is ``90 03 20 40``.
* :class:`UdCompHdr` -- ``udIqWidth(4) | udCompMeth(4)``; udIqWidth 0 on the wire means 16 bits.
  The same layout is used for ``bfwCompHdr`` (section extension 1/11).
* :func:`ud_prb_bytes` -- the size of one compressed PRB (udCompParam + 12 REs x I/Q), from the
  udCompMeth table in ``data/ud_comp_meth.csv``.

In the Python API widths are always the real number of bits (1..16); only the wire uses 0 for 16.
"""

from __future__ import annotations

import csv
import functools
from dataclasses import dataclass
from pathlib import Path

from softran.oran._reader import Reader, build
from softran.oran.ecpri import SeqId
from softran.oran.errors import FronthaulDecodeError
from softran.validation import check_int

__all__ = [
    "PAYLOAD_VERSION",
    "TimingHeader",
    "UdCompHdr",
    "bfw_comp_param_bytes",
    "check_message_ids",
    "timing_header_bytes",
    "ud_comp_param_bytes",
    "ud_prb_bytes",
]

#: payloadVersion of every message this package writes and accepts (CUS: ``001b``).
PAYLOAD_VERSION: int = 1

_DATA = Path(__file__).parent / "data"


def _read_csv(name: str) -> list[dict[str, str]]:
    with open(_DATA / name, newline="") as fh:
        return list(csv.DictReader(line for line in fh if not line.startswith("#")))


@functools.cache
def _ud_comp_table() -> dict[int, tuple[str, int, bool]]:
    # the file is shared with softran.oran.compression; methods 5..8 (selective RE sending)
    # have no fixed PRB size if the column is absent
    return {int(r["ud_comp_meth"]): (r["name"], int(r["ud_comp_param_bytes"]),
                                     r.get("fixed_prb_size",
                                           "1" if int(r["ud_comp_meth"]) <= 4 else "0") == "1")
            for r in _read_csv("ud_comp_meth.csv")}


@functools.cache
def _bfw_comp_table() -> dict[int, tuple[str, int]]:
    return {int(r["bfw_comp_meth"]): (r["name"], int(r["bfw_comp_param_bytes"]))
            for r in _read_csv("bfw_comp_meth.csv")}


@dataclass(frozen=True)
class TimingHeader:
    """Radio application common header (timing header), O-RAN.WG4.CUS.0 clause 7.5.2 / 8.3.1.

    Attributes:
        data_direction: 1 = downlink (gNB Tx), 0 = uplink (gNB Rx).
        frame_id: SFN mod 256, 0..255.
        subframe_id: 0..9.
        slot_id: slot within the subframe, 0..63 (the 6-bit field; 0..2^mu - 1 in practice).
        start_symbol_id: startSymbolId (C-plane) / symbolId (U-plane), 0..13.
        filter_index: 0..15 (0 = standard channel filter, 1..5 PRACH variants, ...).
        payload_version: 1 (the only version defined).

    >>> h = TimingHeader(data_direction=1, frame_id=3, subframe_id=2, slot_id=1, start_symbol_id=0)
    >>> h.to_bytes().hex(' ')
    '90 03 20 40'
    >>> TimingHeader.from_bytes(bytes.fromhex('90032040')) == h
    True
    """

    data_direction: int
    frame_id: int
    subframe_id: int
    slot_id: int
    start_symbol_id: int = 0
    filter_index: int = 0
    payload_version: int = PAYLOAD_VERSION

    def __post_init__(self) -> None:
        check_int("data_direction", self.data_direction, 0, 1)
        check_int("frame_id", self.frame_id, 0, 255)
        check_int("subframe_id", self.subframe_id, 0, 9)
        check_int("slot_id", self.slot_id, 0, 63)
        check_int("start_symbol_id", self.start_symbol_id, 0, 13)
        check_int("filter_index", self.filter_index, 0, 15)
        check_int("payload_version", self.payload_version, PAYLOAD_VERSION, PAYLOAD_VERSION)

    def to_bytes(self) -> bytes:
        """The 4 header bytes (CUS clause 7.5.2), e.g. ``90 03 20 40``."""
        return _timing_bytes(self.data_direction, self.frame_id, self.subframe_id,
                             self.slot_id, self.start_symbol_id, self.filter_index,
                             self.payload_version)

    def with_symbols(self, symbols: range | list[int]) -> list[TimingHeader]:
        """This header with each start symbol of ``symbols`` (0..13): the headers of a slot's
        symbols, checked once.

        >>> [t.start_symbol_id for t in TimingHeader(1, 3, 2, 1).with_symbols(range(2, 5))]
        [2, 3, 4]
        """
        out = []
        fields = dict(self.__dict__)
        for l in symbols:
            fields["start_symbol_id"] = check_int("start_symbol_id", l, 0, 13)
            h = object.__new__(TimingHeader)
            h.__dict__.update(fields)             # a frozen dataclass: its fields, checked
            out.append(h)
        return out

    @classmethod
    def from_bytes(cls, data: bytes) -> TimingHeader:
        """Decode the first 4 bytes of ``data``; raises :class:`FronthaulDecodeError`."""
        return cls.read(Reader(data))

    @classmethod
    def read(cls, reader: Reader) -> TimingHeader:
        """Decode 4 bytes at the reader's position (used by the C- and U-plane decoders)."""
        raw = reader.take(4, "radio application common header")
        version = (raw[0] >> 4) & 0x7
        if version != PAYLOAD_VERSION:
            raise FronthaulDecodeError(f"payloadVersion = {version} is not supported; "
                                       f"only {PAYLOAD_VERSION} is defined")
        word = (raw[2] << 8) | raw[3]
        fields = {"data_direction": raw[0] >> 7, "frame_id": raw[1], "subframe_id": word >> 12,
                  "slot_id": (word >> 6) & 0x3F, "start_symbol_id": word & 0x3F,
                  "filter_index": raw[0] & 0xF, "payload_version": version}
        if cls is TimingHeader and word >> 12 <= 9 and word & 0x3F <= 13:
            # every field in range (the others are by their bit widths): the checked object
            # without running the checks again (the receive path decodes one per message)
            h = object.__new__(TimingHeader)
            h.__dict__.update(fields)
            return h
        return build(cls, "timing header", **fields)


def _timing_bytes(data_direction: int, frame_id: int, subframe_id: int, slot_id: int,
                  start_symbol_id: int, filter_index: int = 0,
                  payload_version: int = PAYLOAD_VERSION) -> bytes:
    """The 4 timing header bytes of fields already in range (CUS clause 7.5.2)."""
    word = (subframe_id << 12) | (slot_id << 6) | start_symbol_id
    return bytes(((data_direction << 7) | (payload_version << 4) | filter_index, frame_id,
                  word >> 8, word & 0xFF))


def timing_header_bytes(data_direction: int, frame_id: int, subframe_id: int, slot_id: int,
                        start_symbol_id: int = 0) -> bytes:
    """``TimingHeader(data_direction, frame_id, subframe_id, slot_id, start_symbol_id)
    .to_bytes()``: the 4 timing header bytes (O-RAN.WG4.CUS.0 clause 7.5.2), checked as
    :class:`TimingHeader` checks them (plain ints in range: written at once, without the
    object; anything else goes through :class:`TimingHeader`, which names what is wrong).

    >>> timing_header_bytes(1, 3, 2, 1).hex(' ')
    '90 03 20 40'
    """
    if (type(data_direction) is type(frame_id) is type(subframe_id) is type(slot_id)
            is type(start_symbol_id) is int and 0 <= data_direction <= 1
            and 0 <= frame_id <= 255 and 0 <= subframe_id <= 9 and 0 <= slot_id <= 63
            and 0 <= start_symbol_id <= 13):
        return _timing_bytes(data_direction, frame_id, subframe_id, slot_id, start_symbol_id)
    return TimingHeader(data_direction, frame_id, subframe_id, slot_id,
                        start_symbol_id).to_bytes()


@dataclass(frozen=True)
class UdCompHdr:
    """``udCompHdr`` / ``bfwCompHdr`` byte: ``iqWidth(4) | compMeth(4)`` (CUS clause 7.5.2.10).

    Attributes:
        ud_iq_width: bits per I and per Q value, 1..16 (16 is sent as 0).
        ud_comp_meth: compression method 0..15 (0 none, 1 BFP, 2 block scaling, 3 mu-law,
            4 modulation compression, 5..8 selective-RE variants, 9..15 reserved).

    >>> UdCompHdr(9, 1).to_byte()
    145
    >>> UdCompHdr.from_byte(0x00)
    UdCompHdr(ud_iq_width=16, ud_comp_meth=0)
    """

    ud_iq_width: int = 16
    ud_comp_meth: int = 0

    def __post_init__(self) -> None:
        check_int("ud_iq_width", self.ud_iq_width, 1, 16)
        check_int("ud_comp_meth", self.ud_comp_meth, 0, 15)

    def to_byte(self) -> int:
        """The header byte, width 16 written as 0."""
        return ((self.ud_iq_width & 0xF) << 4) | self.ud_comp_meth

    @classmethod
    def from_byte(cls, value: int) -> UdCompHdr:
        """Decode the header byte (width 0 means 16)."""
        value = check_int("value", value, 0, 255)
        return cls(ud_iq_width=(value >> 4) or 16, ud_comp_meth=value & 0xF)


def ud_comp_param_bytes(ud_comp_meth: int) -> int:
    """Bytes of ``udCompParam`` in front of each PRB for a udCompMeth (reference table 3.1).

    >>> [ud_comp_param_bytes(m) for m in range(5)]
    [0, 1, 1, 1, 0]
    """
    ud_comp_meth = check_int("ud_comp_meth", ud_comp_meth, 0, 15)
    table = _ud_comp_table()
    if ud_comp_meth not in table:
        raise ValueError(f"ud_comp_meth = {ud_comp_meth} is reserved; allowed: "
                         f"{min(table)}..{max(table)}")
    return table[ud_comp_meth][1]


def ud_prb_bytes(ud_comp_meth: int, ud_iq_width: int) -> int:
    """Bytes one PRB occupies in a U-plane section: ``udCompParam + ceil(24 * width / 8)``.

    O-RAN.WG4.CUS.0 clause 8.3.3 (U-plane IQ data): 12 REs x (I, Q) of ``ud_iq_width`` bits,
    MSB first, preceded by the method's udCompParam (table in ``data/ud_comp_meth.csv``).
    Methods 5..8 (selective RE sending) have no fixed PRB size and raise ``ValueError``.

    >>> ud_prb_bytes(0, 16), ud_prb_bytes(1, 9), ud_prb_bytes(1, 12), ud_prb_bytes(1, 14)
    (48, 28, 37, 43)
    """
    ud_iq_width = check_int("ud_iq_width", ud_iq_width, 1, 16)
    n_param = ud_comp_param_bytes(ud_comp_meth)
    name, _, fixed = _ud_comp_table()[ud_comp_meth]
    if not fixed:
        raise ValueError(f"ud_comp_meth = {ud_comp_meth} ({name}) has no fixed PRB size "
                         "(selective RE sending); not supported")
    return n_param + (24 * ud_iq_width + 7) // 8


def bfw_comp_param_bytes(bfw_comp_meth: int) -> int:
    """Bytes of ``bfwCompParam`` for a bfwCompMeth (CUS clause 7.7.1.3), table
    ``data/bfw_comp_meth.csv``; beamspace methods 4 and 5 (variable size) raise ``ValueError``.

    >>> bfw_comp_param_bytes(0), bfw_comp_param_bytes(1)
    (0, 1)
    """
    bfw_comp_meth = check_int("bfw_comp_meth", bfw_comp_meth, 0, 15)
    table = _bfw_comp_table()
    if bfw_comp_meth not in table:
        raise ValueError(f"bfw_comp_meth = {bfw_comp_meth} is reserved; allowed: 0..5")
    name, size = table[bfw_comp_meth]
    if size < 0:
        raise ValueError(f"bfw_comp_meth = {bfw_comp_meth} ({name}) is not supported "
                         "(its bfwCompParam size depends on M-plane beamspace config)")
    return size


def check_message_ids(eaxc_id: int, timing: TimingHeader, seq: SeqId) -> None:
    """The fields every C- and U-plane message carries (CUS clauses 7.5.2 / 8.3): ``eaxc_id``
    (ecpriPcid / ecpriRtcid, 16 bits), the radio application common ``timing`` header and the
    eCPRI ``seq`` ID; ``TypeError`` / ``ValueError`` name the field."""
    check_int("eaxc_id", eaxc_id, 0, 0xFFFF)
    if not isinstance(timing, TimingHeader):
        raise TypeError(f"timing must be a TimingHeader, got {type(timing).__name__}")
    if not isinstance(seq, SeqId):
        raise TypeError(f"seq must be a SeqId, got {type(seq).__name__}")
