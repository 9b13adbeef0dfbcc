"""eCPRI transport layer as used by O-RAN 7.2x fronthaul (eCPRI Specification v2.0, clause 3).

What is here
------------
* the 4-byte common header (``ecpriVersion | reserved | C``, ``ecpriMessage``,
  ``ecpriPayload``) and whole PDUs of one or more concatenated messages
  (:func:`encode_ecpri`, :func:`decode_ecpri`): with C = 1 another message follows, starting
  at the next 4-byte boundary of the PDU;
* the eAxC ID carried in ``ecpriPcid`` / ``ecpriRtcid`` (:class:`EAxCSplit`, :class:`EAxC`):
  DU_Port_ID | BandSector_ID | CC_ID | RU_Port_ID with M-plane-configured widths summing to 16;
* ``ecpriSeqid`` (:class:`SeqId`: Sequence ID, E bit, Subsequence ID) and a
  :class:`SequenceCounter` per (eAxC, plane, direction) that wraps at 256 and counts gaps;
* the one-way delay measurement message, type 5 (:class:`DelayMeasurement`).

Decoding is driven by ``ecpriPayload``, never by the length of the buffer: bytes after the
last message (Ethernet minimum-size padding, say) are ignored. Every length and range is
checked and failures raise :class:`~softran.oran.errors.FronthaulDecodeError`.

O-RAN uses message type 0 (IQ data) for the U-plane, 2 (real-time control) for the C-plane
and 5 for delay measurement; the other types are carried as opaque :class:`EcpriMessage`.
"""

from __future__ import annotations

import enum
from collections.abc import Hashable, Sequence
from dataclasses import dataclass, field

from softran.oran._reader import Reader, build, signed
from softran.oran.errors import FronthaulDecodeError
from softran.validation import check_int, check_name

__all__ = [
    "ECPRI_REVISION",
    "DelayAction",
    "DelayMeasurement",
    "EAxC",
    "EAxCSplit",
    "EcpriMessage",
    "EcpriMessageType",
    "SeqId",
    "SequenceCounter",
    "decode_delay_measurement",
    "decode_ecpri",
    "encode_delay_measurement",
    "encode_ecpri",
    "sequence_gap",
    "single_message",
]

#: ecpriVersion (protocol revision) written and accepted: ``0001b``.
ECPRI_REVISION: int = 1

_MAX_PAYLOAD = 0xFFFF


class EcpriMessageType(enum.IntEnum):
    """eCPRI v2.0 message types 0..11 (12..63 reserved, 64..255 vendor specific)."""

    IQ_DATA = 0
    BIT_SEQUENCE = 1
    REAL_TIME_CONTROL = 2
    GENERIC_DATA_TRANSFER = 3
    REMOTE_MEMORY_ACCESS = 4
    ONE_WAY_DELAY_MEASUREMENT = 5
    REMOTE_RESET = 6
    EVENT_INDICATION = 7
    IWF_START_UP = 8
    IWF_OPERATION = 9
    IWF_MAPPING = 10
    IWF_DELAY_CONTROL = 11


@dataclass(frozen=True)
class EcpriMessage:
    """One eCPRI message: its type and the ``ecpriPayload`` bytes after the common header.

    >>> EcpriMessage(2, b"\\x00\\x01\\x00\\x80").message_type
    2
    """

    message_type: int
    payload: bytes = b""

    def __post_init__(self) -> None:
        check_int("message_type", self.message_type, 0, 255)
        if not isinstance(self.payload, (bytes, bytearray)):
            raise TypeError(f"payload must be bytes, got {type(self.payload).__name__}")
        object.__setattr__(self, "payload", bytes(self.payload))
        if len(self.payload) > _MAX_PAYLOAD:
            raise ValueError(f"payload has {len(self.payload)} bytes; ecpriPayload allows "
                             f"0..{_MAX_PAYLOAD}")


def _header(message_type: int, size: int, concatenated: bool) -> bytes:
    b0 = (ECPRI_REVISION << 4) | int(concatenated)
    return bytes([b0, message_type]) + size.to_bytes(2, "big")


def encode_ecpri(messages: EcpriMessage | Sequence[EcpriMessage]) -> bytes:
    """Encode one eCPRI message, or several concatenated into one PDU (eCPRI v2.0 clause 3.2.3).

    Each message gets the common header ``0x10 | C``, its type and ``ecpriPayload`` = payload
    length. With several messages, all but the last carry C = 1 and each following message
    starts at the next 4-byte boundary (zero padding in between, not counted in ecpriPayload).

    >>> encode_ecpri(EcpriMessage(2, bytes(4))).hex(' ')
    '10 02 00 04 00 00 00 00'
    >>> len(encode_ecpri([EcpriMessage(0, b"\\x01"), EcpriMessage(0, b"\\x02")]))   # 5 -> 8, + 5
    13
    """
    if isinstance(messages, EcpriMessage):
        messages = [messages]
    messages = list(messages)
    if not messages:
        raise ValueError("messages must hold at least one EcpriMessage, got none")
    out = bytearray()
    for i, msg in enumerate(messages):
        if not isinstance(msg, EcpriMessage):
            raise TypeError(f"messages[{i}] must be an EcpriMessage, got {type(msg).__name__}")
        last = i == len(messages) - 1
        out += _header(msg.message_type, len(msg.payload), not last) + msg.payload
        if not last:
            out += bytes(-len(out) % 4)
    return bytes(out)


def decode_ecpri(data: bytes) -> list[EcpriMessage]:
    """Split an eCPRI PDU (a UDP payload or an Ethernet payload) into its messages.

    Walks concatenated messages while C = 1 (each next one at a 4-byte boundary). The size
    of each message comes from ``ecpriPayload``; bytes after the last message are ignored.

    Raises:
        FronthaulDecodeError: truncated header/payload, protocol revision other than 1, or C = 1
            with no following message.

    >>> [m.payload for m in decode_ecpri(bytes.fromhex('1002000300010200') + bytes(52))]
    [b'\\x00\\x01\\x02']
    """
    if not isinstance(data, (bytes, bytearray, memoryview)):
        raise FronthaulDecodeError(f"eCPRI PDU must be bytes, got {type(data).__name__}")
    reader = Reader(bytes(data))
    messages = []
    while True:
        start = reader.pos
        b0 = reader.u8("eCPRI common header")
        revision = b0 >> 4
        if revision != ECPRI_REVISION:
            raise FronthaulDecodeError(f"eCPRI protocol revision = {revision} at byte {start}; "
                                       f"only {ECPRI_REVISION} is supported")
        message_type = reader.u8("eCPRI common header")
        size = reader.u16("eCPRI common header")
        if size > reader.remaining:
            raise FronthaulDecodeError(f"ecpriPayload = {size} exceeds the {reader.remaining} "
                                       f"bytes left in the PDU (message at byte {start})")
        messages.append(EcpriMessage(message_type, reader.take(size, "eCPRI payload")))
        if not b0 & 1:
            return messages
        pad = -(reader.pos) % 4
        if pad > reader.remaining or reader.remaining - pad < 4:
            raise FronthaulDecodeError(f"C bit set in the message at byte {start} but no "
                                       "following message fits in the PDU")
        reader.take(pad, "concatenation padding")


@dataclass(frozen=True)
class EAxC:
    """The four sub-fields of an eAxC ID (O-RAN.WG4.CUS.0 clause 5.1.3.2.7)."""

    du_port_id: int = 0
    band_sector_id: int = 0
    cc_id: int = 0
    ru_port_id: int = 0


@dataclass(frozen=True)
class EAxCSplit:
    """Bit widths of DU_Port_ID | BandSector_ID | CC_ID | RU_Port_ID (sum 16, M-plane config).

    O-RAN.WG4.CUS.0 clause 5.1.3.2.7 (``ecpriRtcid`` / ``ecpriPcid``). The split is not on the
    wire: the 16-bit value is the flow key, the split only names its parts.

    >>> split = EAxCSplit()                       # 4/4/4/4
    >>> hex(split.pack(EAxC(du_port_id=1, band_sector_id=2, cc_id=3, ru_port_id=4)))
    '0x1234'
    >>> EAxCSplit(2, 6, 4, 4).unpack(0x1234)
    EAxC(du_port_id=0, band_sector_id=18, cc_id=3, ru_port_id=4)
    """

    du_port_bits: int = 4
    band_sector_bits: int = 4
    cc_bits: int = 4
    ru_port_bits: int = 4

    def __post_init__(self) -> None:
        widths = self._widths()
        for name, bits in zip(("du_port_bits", "band_sector_bits", "cc_bits", "ru_port_bits"),
                              widths):
            check_int(name, bits, 0, 16)
        if sum(widths) != 16:
            raise ValueError(f"eAxC split {widths} sums to {sum(widths)}; the widths must add up "
                             "to 16")

    def _widths(self) -> tuple[int, int, int, int]:
        return (self.du_port_bits, self.band_sector_bits, self.cc_bits, self.ru_port_bits)

    def pack(self, eaxc: EAxC) -> int:
        """16-bit eAxC ID from its four sub-fields (each checked against its width)."""
        if not isinstance(eaxc, EAxC):
            raise TypeError(f"eaxc must be an EAxC, got {type(eaxc).__name__}")
        value = 0
        for name, bits in zip(("du_port_id", "band_sector_id", "cc_id", "ru_port_id"),
                              self._widths()):
            part = check_int(name, getattr(eaxc, name), 0, (1 << bits) - 1)
            value = (value << bits) | part
        return value

    def unpack(self, eaxc_id: int) -> EAxC:
        """Split a 16-bit eAxC ID into its four sub-fields."""
        eaxc_id = check_int("eaxc_id", eaxc_id, 0, 0xFFFF)
        parts = []
        shift = 16
        for bits in self._widths():
            shift -= bits
            parts.append((eaxc_id >> shift) & ((1 << bits) - 1))
        return EAxC(*parts)


@dataclass(frozen=True)
class SeqId:
    """``ecpriSeqid`` (O-RAN.WG4.CUS.0 clause 5.1.3.2.8): Sequence ID | E | Subsequence ID.

    Unfragmented messages (all that O-RAN C-plane allows) use E = 1 and subsequence 0.

    >>> SeqId(0).to_bytes().hex(' ')
    '00 80'
    >>> SeqId.from_bytes(bytes([200, 0x05]))
    SeqId(sequence_id=200, e_bit=0, subsequence_id=5)
    """

    sequence_id: int = 0
    e_bit: int = 1
    subsequence_id: int = 0

    def __post_init__(self) -> None:
        check_int("sequence_id", self.sequence_id, 0, 255)
        check_int("e_bit", self.e_bit, 0, 1)
        check_int("subsequence_id", self.subsequence_id, 0, 127)

    def to_bytes(self) -> bytes:
        """The 2 bytes on the wire."""
        return bytes([self.sequence_id, (self.e_bit << 7) | self.subsequence_id])

    @classmethod
    def from_bytes(cls, data: bytes) -> SeqId:
        """Decode the first 2 bytes of ``data``."""
        raw = Reader(data).take(2, "ecpriSeqid")
        return cls(raw[0], raw[1] >> 7, raw[1] & 0x7F)


def sequence_gap(previous: int, current: int) -> int:
    """Messages missing between two consecutive received Sequence IDs (modulo 256).

    0 means ``current`` is the expected ``previous + 1``; 255 means ``current == previous``
    (a duplicate, or 255 lost messages -- modulo 256 the two cannot be told apart).

    >>> sequence_gap(254, 255), sequence_gap(255, 0), sequence_gap(255, 3)
    (0, 0, 3)
    """
    previous = check_int("previous", previous, 0, 255)
    current = check_int("current", current, 0, 255)
    return (current - previous - 1) % 256


_PLANES = ("C", "U")
_DIRECTIONS = ("DL", "UL")


@dataclass
class SequenceCounter:
    """Sequence IDs per (eAxC ID, plane, direction), as O-RAN requires (CUS clause 5.1.3.2.8).

    Transmit side: :meth:`next` returns 0, 1, ..., 255, 0, ... for each key independently.
    Receive side: :meth:`observe` records a received Sequence ID and returns how many
    messages were missing since the previous one of the same key (0 for the first).

    >>> c = SequenceCounter()
    >>> [c.next(0x0001, "U", "DL") for _ in range(3)], c.next(0x0002, "U", "DL")
    ([0, 1, 2], 0)
    >>> r = SequenceCounter()
    >>> r.observe(1, "C", "UL", 254), r.observe(1, "C", "UL", 2), r.lost[(1, "C", "UL")]
    (0, 3, 3)
    """

    _tx: dict[Hashable, int] = field(default_factory=dict)
    _rx: dict[Hashable, int] = field(default_factory=dict)
    lost: dict[Hashable, int] = field(default_factory=dict)

    @staticmethod
    def _key(eaxc_id: int, plane: str, direction: str) -> tuple[int, str, str]:
        return (check_int("eaxc_id", eaxc_id, 0, 0xFFFF), check_name("plane", plane, _PLANES),
                check_name("direction", direction, _DIRECTIONS))

    def next(self, eaxc_id: int, plane: str, direction: str) -> int:
        """The Sequence ID for the next message of this flow (wraps 255 -> 0)."""
        key = self._key(eaxc_id, plane, direction)
        value = self._tx.get(key, 0)
        self._tx[key] = (value + 1) % 256
        return value

    def observe(self, eaxc_id: int, plane: str, direction: str, sequence_id: int) -> int:
        """Record a received Sequence ID; return the gap (:func:`sequence_gap`) to the last one."""
        key = self._key(eaxc_id, plane, direction)
        sequence_id = check_int("sequence_id", sequence_id, 0, 255)
        prev = self._rx.get(key)
        gap = 0 if prev is None else sequence_gap(prev, sequence_id)
        self._rx[key] = sequence_id
        self.lost[key] = self.lost.get(key, 0) + gap
        return gap


class DelayAction(enum.IntEnum):
    """Action Type of the one-way delay measurement message (eCPRI v2.0 clause 3.2.4.6)."""

    REQUEST = 0
    REQUEST_WITH_FOLLOW_UP = 1
    RESPONSE = 2
    REMOTE_REQUEST = 3
    REMOTE_REQUEST_WITH_FOLLOW_UP = 4
    FOLLOW_UP = 5


@dataclass(frozen=True)
class DelayMeasurement:
    """eCPRI message type 5, one-way delay measurement (eCPRI v2.0 clause 3.2.4.6).

    Payload: Measurement ID (1 B) | Action Type (1 B) | TimeStamp (48-bit seconds + 32-bit
    nanoseconds) | Compensation value (8 B, signed, nanoseconds x 2^16 as the PTP
    correctionField) | optional dummy bytes.

    Attributes:
        measurement_id: 0..255.
        action_type: :class:`DelayAction` value 0..5.
        seconds: 0..2^48 - 1.
        nanoseconds: 0..999 999 999.
        compensation: signed 64-bit, in units of 2^-16 ns.
        dummy: optional trailing bytes.
    """

    measurement_id: int
    action_type: int
    seconds: int = 0
    nanoseconds: int = 0
    compensation: int = 0
    dummy: bytes = b""

    def __post_init__(self) -> None:
        check_int("measurement_id", self.measurement_id, 0, 255)
        check_int("action_type", self.action_type, 0, 5)
        check_int("seconds", self.seconds, 0, (1 << 48) - 1)
        check_int("nanoseconds", self.nanoseconds, 0, 999_999_999)
        check_int("compensation", self.compensation, -(1 << 63), (1 << 63) - 1)
        if not isinstance(self.dummy, (bytes, bytearray)):
            raise TypeError(f"dummy must be bytes, got {type(self.dummy).__name__}")
        object.__setattr__(self, "dummy", bytes(self.dummy))
        if len(self.dummy) > _MAX_PAYLOAD - 20:
            raise ValueError(f"dummy has {len(self.dummy)} bytes; at most {_MAX_PAYLOAD - 20}")


def encode_delay_measurement(msg: DelayMeasurement) -> bytes:
    """Whole eCPRI message (header + payload) of a one-way delay measurement (type 5).

    >>> m = DelayMeasurement(1, DelayAction.REQUEST, 1_700_000_000, 123_456_789)
    >>> encode_delay_measurement(m).hex()
    '10050014010000006553f100075bcd150000000000000000'
    """
    if not isinstance(msg, DelayMeasurement):
        raise TypeError(f"msg must be a DelayMeasurement, got {type(msg).__name__}")
    payload = (bytes([msg.measurement_id, msg.action_type]) + msg.seconds.to_bytes(6, "big")
               + msg.nanoseconds.to_bytes(4, "big")
               + msg.compensation.to_bytes(8, "big", signed=True) + msg.dummy)
    return encode_ecpri(EcpriMessage(EcpriMessageType.ONE_WAY_DELAY_MEASUREMENT, payload))


def decode_delay_measurement(data: bytes | EcpriMessage) -> DelayMeasurement:
    """Decode a type-5 message, given as the message bytes or as a decoded :class:`EcpriMessage`.

    Raises:
        FronthaulDecodeError: wrong message type, payload shorter than 20 bytes, reserved
            Action Type, nanoseconds >= 10^9.

    >>> m = decode_delay_measurement(bytes.fromhex('1005001402020000000000070000000a' + '00' * 8))
    >>> m.measurement_id, m.action_type, m.seconds, m.nanoseconds, m.compensation, m.dummy
    (2, 2, 7, 10, 0, b'')
    """
    msg = single_message(data, EcpriMessageType.ONE_WAY_DELAY_MEASUREMENT)
    reader = Reader(msg.payload)
    head = reader.take(20, "one-way delay measurement payload (20 bytes)")
    return build(DelayMeasurement, "one-way delay measurement",
                 measurement_id=head[0], action_type=head[1],
                 seconds=int.from_bytes(head[2:8], "big"),
                 nanoseconds=int.from_bytes(head[8:12], "big"),
                 compensation=signed(int.from_bytes(head[12:20], "big"), 64),
                 dummy=reader.take(reader.remaining, "dummy bytes"))


def single_message(data: bytes | EcpriMessage, expected_type: int) -> EcpriMessage:
    """One eCPRI message of ``expected_type`` from raw bytes (C must be 0) or a message.

    eCPRI v2.0 clause 3.2.3 (common header); the entry step of every single-message decoder
    (C-plane, U-plane, delay measurement). Raises
    :class:`~softran.oran.errors.FronthaulDecodeError` for a concatenated PDU (C = 1), a
    truncated message or a message type other than ``expected_type``.

    >>> single_message(bytes.fromhex('10020002abcd'), EcpriMessageType.REAL_TIME_CONTROL).payload
    b'\\xab\\xcd'
    """
    if isinstance(data, EcpriMessage):
        msg = data
    else:
        if not isinstance(data, (bytes, bytearray, memoryview)):
            raise FronthaulDecodeError(f"message must be bytes, got {type(data).__name__}")
        data = bytes(data)
        if len(data) >= 1 and data[0] & 1:
            raise FronthaulDecodeError("C bit set: this is a concatenated eCPRI PDU; split it "
                                       "with decode_ecpri() and decode each message")
        msg = decode_ecpri(data)[0]
    if msg.message_type != expected_type:
        raise FronthaulDecodeError(f"ecpriMessage = {msg.message_type}; expected "
                                   f"{int(expected_type)} ({EcpriMessageType(expected_type).name})")
    return msg
