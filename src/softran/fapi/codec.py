"""SCF 222 message buffers: the PHY API message header and the per-message header
(SCF 222.10.02 §3.3, Tables 3-2 and 3-3), encode and decode.

A buffer is ``Number of messages`` (uint8), ``Opaque handle`` (uint8), then each message as
``Message type ID`` (uint16, Table 3-4), ``Message length`` (uint32: bytes of the body that
follows) and the body, little-endian. :func:`encode` writes one message or a list of them;
:func:`decode` reads a buffer of exactly one message, :func:`decode_all` a buffer of any
number. Decoding is bounds checked everywhere: a short, long or garbled buffer raises
:class:`~softran.fapi.errors.FAPIDecodeError` (a ``ValueError``) naming the field.

>>> from softran.fapi.indications import SlotIndication
>>> data = encode(SlotIndication(sfn=2, slot=5))
>>> data.hex()
'010082000400000002000500'
>>> decode(data)
SlotIndication(sfn=2, slot=5)
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from softran.fapi.config_messages import (
    ConfigRequest,
    ConfigResponse,
    ErrorIndication,
    ParamRequest,
    ParamResponse,
    StartRequest,
    StopIndication,
    StopRequest,
)
from softran.fapi.dl_tti import DlTtiRequest, TxDataRequest, UlDciRequest
from softran.fapi.errors import FAPIDecodeError
from softran.fapi.indications import (
    CrcIndication,
    RachIndication,
    RxDataIndication,
    SlotIndication,
    SrsIndication,
    UciIndication,
)
from softran.fapi.layout import Message, Reader, decode_struct, encode_struct
from softran.fapi.tables import message_name
from softran.fapi.ul_tti import UlTtiRequest
from softran.validation import check_int

__all__ = [
    "MESSAGE_CLASSES",
    "MessageHeader",
    "decode",
    "decode_all",
    "decode_buffer",
    "encode",
]

#: Message type ID (Table 3-4) -> message class.
MESSAGE_CLASSES: dict[int, type[Message]] = {cls.MESSAGE_TYPE: cls for cls in (
    ParamRequest, ParamResponse, ConfigRequest, ConfigResponse, StartRequest, StopRequest,
    StopIndication, ErrorIndication, DlTtiRequest, UlTtiRequest, SlotIndication, UlDciRequest,
    TxDataRequest, RxDataIndication, CrcIndication, UciIndication, SrsIndication,
    RachIndication)}


@dataclass(frozen=True)
class MessageHeader:
    """PHY API message header (SCF 222.10.02 Table 3-2): number of messages, opaque handle.

    >>> MessageHeader(1, 7).encode()
    b'\\x01\\x07'
    """

    message_count: int
    handle: int = 0

    def __post_init__(self) -> None:
        check_int("message_count", self.message_count, 0, 255)
        check_int("handle", self.handle, 0, 255)

    def encode(self) -> bytes:
        """The two header bytes."""
        return bytes((self.message_count, self.handle))


def encode(messages: Message | Sequence[Message], *, handle: int = 0) -> bytes:
    """One SCF 222 buffer (§3.3, Tables 3-2 / 3-3) holding ``messages`` (one or a list).

    >>> from softran.fapi.config_messages import StartRequest, StopRequest
    >>> encode([StartRequest(), StopRequest()], handle=9).hex()
    '0209040000000000050000000000'
    """
    items = [messages] if isinstance(messages, Message) else list(messages)
    out = bytearray(MessageHeader(len(items), handle).encode())
    for i, msg in enumerate(items):
        if not isinstance(msg, Message) or type(msg).MESSAGE_TYPE not in MESSAGE_CLASSES:
            raise TypeError(f"messages[{i}] must be a softran.fapi message, got "
                            f"{type(msg).__name__}")
        body = encode_struct(msg)
        out += int(type(msg).MESSAGE_TYPE).to_bytes(2, "little")
        out += len(body).to_bytes(4, "little")
        out += body
    return bytes(out)


def decode_buffer(data: bytes) -> tuple[MessageHeader, list[Message]]:
    """The header and every message of an SCF 222 buffer (§3.3, Tables 3-2 / 3-3); bytes
    after the last message are an error (a buffer is one TCP frame or one datagram).

    A message that does not decode raises :class:`FAPIDecodeError` carrying its
    ``message_type`` and, for slot messages, its ``sfn`` / ``slot``:

    >>> bad = bytes([1, 0, 0x80, 0, 5, 0, 0, 0, 7, 0, 3, 0, 1])   # DL_TTI cut after nPDUs
    >>> try:
    ...     decode_buffer(bad)
    ... except FAPIDecodeError as err:
    ...     print(hex(err.message_type), err.sfn, err.slot)
    0x80 7 3
    """
    if not isinstance(data, (bytes, bytearray, memoryview)):
        raise TypeError(f"data must be bytes, got {type(data).__name__}")
    r = Reader(bytes(data))
    header = MessageHeader(r.uint(1, "message header: number of messages"),
                           r.uint(1, "message header: handle"))
    messages: list[Message] = []
    for i in range(header.message_count):
        type_id = r.uint(2, f"message {i}: message type ID")
        length = r.uint(4, f"message {i}: message length")
        if type_id not in MESSAGE_CLASSES:
            raise FAPIDecodeError(f"message {i}: message type ID {message_name(type_id)} is "
                                  "not one softran.fapi decodes")
        name = message_name(type_id)
        if length > r.remaining:
            raise FAPIDecodeError(f"message {i} ({name}): message length = {length} exceeds "
                                  f"the {r.remaining} bytes left", message_type=type_id)
        body = Reader(r.data, r.pos, r.pos + length)
        try:
            msg = decode_struct(MESSAGE_CLASSES[type_id], body)
            if body.remaining:
                raise FAPIDecodeError(f"message {i} ({name}): message length = {length} "
                                      f"leaves {body.remaining} bytes after the body")
        except FAPIDecodeError as err:
            sfn = slot = None
            if type_id >= 0x80 and length >= 4:   # slot messages start with SFN, slot
                sfn = int.from_bytes(r.data[r.pos:r.pos + 2], "little")
                slot = int.from_bytes(r.data[r.pos + 2:r.pos + 4], "little")
            raise FAPIDecodeError(err.reason, message_type=type_id, sfn=sfn,
                                  slot=slot) from None
        r.pos = body.end
        messages.append(msg)
    if r.remaining:
        raise FAPIDecodeError(f"{r.remaining} bytes after the last of the "
                              f"{header.message_count} messages")
    return header, messages


def decode_all(data: bytes) -> list[Message]:
    """Every message of an SCF 222 buffer (any number, §3.3 Table 3-2).

    >>> from softran.fapi.config_messages import StartRequest, StopRequest
    >>> decode_all(encode([StartRequest(), StopRequest()]))
    [StartRequest(), StopRequest()]
    """
    return decode_buffer(data)[1]


def decode(data: bytes) -> Message:
    """The one message of an SCF 222 buffer (use :func:`decode_all` for several).

    >>> decode(bytes.fromhex("0100070006000000010002008004"))
    ErrorIndication(sfn=1, slot=2, message_id=128, error_code=<ErrorCode.MSG_SLOT_ERR: 4>)
    """
    messages = decode_buffer(data)[1]
    if len(messages) != 1:
        raise FAPIDecodeError(f"number of messages = {len(messages)}; decode() takes a buffer "
                              "of one message (decode_all reads any number)")
    return messages[0]
