"""P5 configuration messages of SCF 222.10.02 §3.3: PARAM, CONFIG, START, STOP, ERROR.

Bodies (after the per-message header of Table 3-3), little-endian:

* PARAM.request (§3.3.1.1): empty. PARAM.response (§3.3.1.2): ``ErrorCode``
  (uint8), ``NumberOfTLVs`` (uint8), TLVs.
* CONFIG.request (§3.3.2.1): ``NumberOfTLVs`` (uint8), TLVs.
  CONFIG.response (§3.3.2.2): ``ErrorCode`` (uint8), then the numbers of
  invalid/unsupported TLVs, of TLVs valid only in IDLE, of TLVs valid only in RUNNING and of
  missing TLVs (uint8 each), then those four TLV lists in that order.
* START.request (§3.3.3), STOP.request (§3.3.4.1), STOP.indication (§3.3.4.2): empty.
* ERROR.indication (§3.3.6.1, Table 3-30): ``SFN`` (uint16), ``Slot`` (uint16),
  ``Message ID`` (uint8), ``Error code`` (uint8, Table 3-31).

A TLV (§3.3.1.4) is ``Tag`` (uint16), ``Length`` (uint16: the value's bytes,
without padding) and the value, padded with zeros to a multiple of 4 bytes.

>>> from softran.fapi.layout import encode_struct
>>> encode_struct(TLV.of("phyCellId", 500)).hex()   # tag 0x100C, length 2, 500, 2 pad bytes
'0c100200f4010000'
>>> ConfigRequest.from_values({"phyCellId": 500, "dlFrequency": 3_500_000}).values()
{'phyCellId': 500, 'dlFrequency': 3500000}
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from softran.fapi.layout import Blob, Count, Int, ListOf, Message, Pad, Struct
from softran.fapi.tables import TLV_TAGS, TLV_TAGS_BY_NAME, ErrorCode, MessageType
from softran.validation import check_int

__all__ = [
    "TLV",
    "ConfigRequest",
    "ConfigResponse",
    "ErrorIndication",
    "ParamRequest",
    "ParamResponse",
    "StartRequest",
    "StopIndication",
    "StopRequest",
    "as_error_code",
]

_ELEMENT = {"uint8": (1, False), "uint16": (2, False), "uint32": (4, False),
            "int16": (2, True), "int32": (4, True)}


def as_error_code(value: int) -> int:
    """``value`` as an :class:`ErrorCode` member when Table 3-31 defines it, else the int
    (vendor-specific codes stay numbers).

    >>> as_error_code(1), as_error_code(0x40)
    (<ErrorCode.MSG_INVALID_STATE: 1>, 64)
    """
    try:
        return ErrorCode(value)
    except ValueError:
        return value


def _tlv_type(tag: int) -> tuple[int, bool, int | None]:
    """(element size, signed, number of elements or None for any) of a known tag."""
    spec = TLV_TAGS[tag].type
    base, star, count = spec.partition("*")
    size, signed = _ELEMENT[base]
    if not star:
        return size, signed, 1
    return size, signed, int(count) if count else None


@dataclass(frozen=True, kw_only=True)
class TLV(Struct):
    """One tag-length-value of PARAM.response / CONFIG.request / CONFIG.response
    (SCF 222.10.02 §3.3.1.4): ``value`` is the raw little-endian value bytes.

    >>> t = TLV.of("dlk0", (0, 0, 0, 0, 0))
    >>> t.tag, len(t.value), t.name, t.as_ints()
    (4099, 10, 'dlk0', (0, 0, 0, 0, 0))
    """

    tag: int
    value: bytes = b""
    LAYOUT = (Int("tag", 2), Count("length", 2, "value"), Blob("value", "length"),
              Pad("value", 4))

    @classmethod
    def of(cls, name: str | int, value: int | tuple[int, ...] | list[int] | bytes) -> TLV:
        """The TLV of tag ``name`` (spec name or number, §3.3.1.2 / §3.3.2.1) holding
        ``value`` encoded with the tag's type (an int, a list of ints, or raw bytes)."""
        if isinstance(name, str):
            if name not in TLV_TAGS_BY_NAME:
                raise ValueError(f"TLV name = {name!r} is not an SCF 222 PARAM/CONFIG tag "
                                 "(see softran.fapi.TLV_TAGS)")
            tag = TLV_TAGS_BY_NAME[name].tag
        else:
            tag = check_int("tag", name, 0, 0xFFFF)
        if isinstance(value, (bytes, bytearray)):
            return cls(tag=tag, value=bytes(value))
        if tag not in TLV_TAGS:
            raise ValueError(f"tag = 0x{tag:04x} has no known type; give the value as bytes")
        size, signed, count = _tlv_type(tag)
        items = (value,) if isinstance(value, int) else tuple(value)
        if count is not None and len(items) != count:
            raise ValueError(f"TLV {TLV_TAGS[tag].name} takes {count} values, got "
                             f"{len(items)}")
        low, high = (-(1 << (8 * size - 1)), (1 << (8 * size - 1)) - 1) if signed \
            else (0, (1 << (8 * size)) - 1)
        data = b"".join(check_int(f"{TLV_TAGS[tag].name}", v, low, high)
                        .to_bytes(size, "little", signed=signed) for v in items)
        return cls(tag=tag, value=data)

    @property
    def name(self) -> str:
        """The spec name of the tag (``0x....`` when it is not in the tables)."""
        return TLV_TAGS[self.tag].name if self.tag in TLV_TAGS else f"0x{self.tag:04x}"

    def as_ints(self) -> tuple[int, ...]:
        """The value as the tag's integers (§3.3.1.2 / §3.3.2.1)."""
        if self.tag not in TLV_TAGS:
            raise ValueError(f"tag = 0x{self.tag:04x} has no known type")
        size, signed, _ = _tlv_type(self.tag)
        if len(self.value) % size:
            raise ValueError(f"TLV {self.name} has {len(self.value)} bytes, not a multiple "
                             f"of its {size}-byte elements")
        return tuple(int.from_bytes(self.value[i:i + size], "little", signed=signed)
                     for i in range(0, len(self.value), size))

    def as_value(self) -> int | tuple[int, ...]:
        """:meth:`as_ints`, a single int for scalar tags."""
        ints = self.as_ints()
        return ints[0] if _tlv_type(self.tag)[2] == 1 and len(ints) == 1 else ints


def _values(tlvs: tuple[TLV, ...]) -> dict[str, int | tuple[int, ...]]:
    return {t.name: t.as_value() for t in tlvs}


@dataclass(frozen=True, kw_only=True)
class ParamRequest(Message):
    """PARAM.request (SCF 222.10.02 §3.3.1.1): no body."""

    MESSAGE_TYPE = MessageType.PARAM_REQUEST
    CLAUSE = "SCF 222.10.02 §3.3.1.1"


@dataclass(frozen=True, kw_only=True)
class ParamResponse(Message):
    """PARAM.response (SCF 222.10.02 §3.3.1.2): error code and capability TLVs."""

    error_code: int = 0
    tlvs: tuple[TLV, ...] = ()
    MESSAGE_TYPE = MessageType.PARAM_RESPONSE
    CLAUSE = "SCF 222.10.02 §3.3.1.2"
    LAYOUT = (Int("error_code", 1), Count("num_tlvs", 1, "tlvs"),
              ListOf("tlvs", TLV, "num_tlvs"))

    def check(self) -> None:
        object.__setattr__(self, "error_code", as_error_code(self.error_code))

    def values(self) -> dict[str, int | tuple[int, ...]]:
        """The TLVs as {spec name: value}."""
        return _values(self.tlvs)


@dataclass(frozen=True, kw_only=True)
class ConfigRequest(Message):
    """CONFIG.request (SCF 222.10.02 §3.3.2.1): configuration TLVs."""

    tlvs: tuple[TLV, ...] = ()
    MESSAGE_TYPE = MessageType.CONFIG_REQUEST
    CLAUSE = "SCF 222.10.02 §3.3.2.1"
    LAYOUT = (Count("num_tlvs", 1, "tlvs"), ListOf("tlvs", TLV, "num_tlvs"))

    @classmethod
    def from_values(cls, values: Mapping[str, int | tuple[int, ...] | list[int]]
                    ) -> ConfigRequest:
        """A CONFIG.request with one TLV per {spec name: value}, in the mapping's order."""
        return cls(tlvs=tuple(TLV.of(k, v) for k, v in values.items()))

    def values(self) -> dict[str, int | tuple[int, ...]]:
        """The TLVs as {spec name: value}."""
        return _values(self.tlvs)


@dataclass(frozen=True, kw_only=True)
class ConfigResponse(Message):
    """CONFIG.response (SCF 222.10.02 §3.3.2.2)."""

    error_code: int = 0
    invalid_tlvs: tuple[TLV, ...] = ()
    idle_only_tlvs: tuple[TLV, ...] = ()
    running_only_tlvs: tuple[TLV, ...] = ()
    missing_tlvs: tuple[TLV, ...] = ()
    MESSAGE_TYPE = MessageType.CONFIG_RESPONSE
    CLAUSE = "SCF 222.10.02 §3.3.2.2"
    LAYOUT = (Int("error_code", 1),
              Count("num_invalid", 1, "invalid_tlvs"),
              Count("num_idle_only", 1, "idle_only_tlvs"),
              Count("num_running_only", 1, "running_only_tlvs"),
              Count("num_missing", 1, "missing_tlvs"),
              ListOf("invalid_tlvs", TLV, "num_invalid"),
              ListOf("idle_only_tlvs", TLV, "num_idle_only"),
              ListOf("running_only_tlvs", TLV, "num_running_only"),
              ListOf("missing_tlvs", TLV, "num_missing"))

    def check(self) -> None:
        object.__setattr__(self, "error_code", as_error_code(self.error_code))


@dataclass(frozen=True, kw_only=True)
class StartRequest(Message):
    """START.request (SCF 222.10.02 §3.3.3.1): no body."""

    MESSAGE_TYPE = MessageType.START_REQUEST
    CLAUSE = "SCF 222.10.02 §3.3.3.1"


@dataclass(frozen=True, kw_only=True)
class StopRequest(Message):
    """STOP.request (SCF 222.10.02 §3.3.4.1): no body."""

    MESSAGE_TYPE = MessageType.STOP_REQUEST
    CLAUSE = "SCF 222.10.02 §3.3.4.1"


@dataclass(frozen=True, kw_only=True)
class StopIndication(Message):
    """STOP.indication (SCF 222.10.02 §3.3.4.2): no body."""

    MESSAGE_TYPE = MessageType.STOP_INDICATION
    CLAUSE = "SCF 222.10.02 §3.3.4.2"


@dataclass(frozen=True, kw_only=True)
class ErrorIndication(Message):
    """ERROR.indication (SCF 222.10.02 §3.3.6.1, Table 3-30): the slot, the message type
    ID (uint8) of the message in error and its Table 3-31 error code.

    >>> from softran.fapi.layout import encode_struct
    >>> encode_struct(ErrorIndication(sfn=1, slot=2, message_id=0x80,
    ...                               error_code=ErrorCode.MSG_SLOT_ERR)).hex()
    '010002008004'
    """

    sfn: int = 0
    slot: int = 0
    message_id: int
    error_code: int
    MESSAGE_TYPE = MessageType.ERROR_INDICATION
    CLAUSE = "SCF 222.10.02 §3.3.6.1 Table 3-30"
    LAYOUT = (Int("sfn", 2, high=1023), Int("slot", 2, high=159), Int("message_id", 1),
              Int("error_code", 1))

    def check(self) -> None:
        object.__setattr__(self, "error_code", as_error_code(self.error_code))
