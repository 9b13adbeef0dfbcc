"""The SCF 222 tables softran.fapi needs, read once from ``fapi/data/``.

* :class:`MessageType` -- message type IDs (SCF 222.10.02 §3.3, Table 3-4);
* :class:`ErrorCode` -- PHY API error codes (SCF 222.10.02 §3.3.6, Table 3-31, and the
  four codes SCF 222.10.04 added);
* :data:`TLV_TAGS` -- PARAM.response / CONFIG.request TLV tags (SCF 222.10.02 §3.3.1.2,
  §3.3.2.1) with the type of each value;
* :data:`PDU_TYPES` -- the PDUType of the PDUs in DL_TTI / UL_TTI / UL_DCI / UCI messages.

The enumerations are built from the data files, never retyped here.

>>> MessageType.SLOT_INDICATION, int(MessageType.SLOT_INDICATION)
(<MessageType.SLOT_INDICATION: 130>, 130)
>>> ErrorCode(3).name
'SFN_OUT_OF_SYNC'
>>> TLV_TAGS[0x100C].name, TLV_TAGS[0x100C].type
('phyCellId', 'uint16')
>>> PDU_TYPES["UL_TTI.request"]["SRS"]
3
"""

from __future__ import annotations

import enum
from dataclasses import dataclass
from pathlib import Path

from softran.nr.datafiles import read_csv

__all__ = [
    "DATA_DIR",
    "PDU_TYPES",
    "TLV_TAGS",
    "TLV_TAGS_BY_NAME",
    "ErrorCode",
    "MessageType",
    "TLVTag",
    "message_name",
]

#: The folder of softran.fapi's data files.
DATA_DIR = Path(__file__).with_name("data")


def _enum_key(name: str) -> str:
    return name.replace(".", "_").replace("-", "_").upper()


_MESSAGE_ROWS = read_csv("message_types.csv", DATA_DIR)
_ERROR_ROWS = read_csv("error_codes.csv", DATA_DIR)

#: SCF 222 Table 3-4 message type IDs: ``MessageType.DL_TTI_REQUEST == 0x80``.
MessageType = enum.IntEnum(  # type: ignore[misc]
    "MessageType", {_enum_key(r["name"]): int(r["id"], 16) for r in _MESSAGE_ROWS},
    module=__name__)
MessageType.__doc__ = "SCF 222.10.02 Table 3-4: the message type ID of each PHY API message."

#: SCF 222 Table 3-31 error codes: ``ErrorCode.MSG_INVALID_STATE == 1``.
ErrorCode = enum.IntEnum(  # type: ignore[misc]
    "ErrorCode", {r["name"]: int(r["code"], 16) for r in _ERROR_ROWS}, module=__name__)
ErrorCode.__doc__ = "SCF 222.10.02 Table 3-31 (+ 10.04): the PHY API error codes."

_NAMES = {int(r["id"], 16): r["name"] for r in _MESSAGE_ROWS}


def message_name(type_id: int) -> str:
    """The SCF 222 name of message type ``type_id`` (Table 3-4), or ``'0x..(unknown)'``.

    >>> message_name(0x86), message_name(0x7F)
    ('CRC.indication', '0x7f (unknown)')
    """
    return _NAMES.get(type_id, f"0x{type_id:02x} (unknown)")


@dataclass(frozen=True)
class TLVTag:
    """One PARAM / CONFIG TLV tag of SCF 222.10.02 §3.3.1.2 / §3.3.2.1: number, spec name,
    message, value type.

    ``type`` is an element type (``uint8``, ``uint16``, ``uint32``, ``int16``, ``int32``),
    followed by ``*N`` for a fixed array of N elements or ``*`` for a list sized by the TLV
    length.

    >>> TLV_TAGS_BY_NAME["dlk0"].type
    'uint16*5'
    """

    tag: int
    name: str
    message: str
    type: str


_TLV_ROWS = read_csv("tlv_tags.csv", DATA_DIR)
#: TLV tag number -> :class:`TLVTag`.
TLV_TAGS: dict[int, TLVTag] = {
    int(r["tag"], 16): TLVTag(int(r["tag"], 16), r["name"], r["message"], r["type"])
    for r in _TLV_ROWS}
#: TLV spec name -> :class:`TLVTag`.
TLV_TAGS_BY_NAME: dict[str, TLVTag] = {t.name: t for t in TLV_TAGS.values()}

#: message name -> {PDU name -> PDUType}.
PDU_TYPES: dict[str, dict[str, int]] = {}
for _row in read_csv("pdu_types.csv", DATA_DIR):
    PDU_TYPES.setdefault(_row["message"], {})[_row["name"]] = int(_row["pdu_type"])
