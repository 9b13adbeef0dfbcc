"""The SCF 222 tables as softran.fapi reads them (spot values from SCF 222.10.02 Table 3-4,
Table 3-31 and the TLV tags of §3.3.1.2 / §3.3.2.1) and TLV values through every tag type."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from softran.fapi import (
    PDU_TYPES,
    TLV,
    TLV_TAGS,
    TLV_TAGS_BY_NAME,
    ConfigRequest,
    ErrorCode,
    MessageType,
    decode,
    encode,
    message_name,
)
from softran.fapi.layout import encode_struct


def test_message_type_ids_of_table_3_4() -> None:
    assert MessageType.PARAM_REQUEST == 0x00
    assert MessageType.ERROR_INDICATION == 0x07
    assert MessageType.DL_TTI_REQUEST == 0x80
    assert MessageType.UCI_INDICATION == 0x87
    assert MessageType.SRS_INDICATION == 0x88
    assert MessageType.RACH_INDICATION == 0x89
    assert len(MessageType) == 18
    assert message_name(0x84) == "TX_DATA.request"


def test_error_codes_of_table_3_31() -> None:
    assert [int(ErrorCode[n]) for n in ("MSG_OK", "MSG_INVALID_STATE", "MSG_INVALID_CONFIG",
                                        "SFN_OUT_OF_SYNC", "MSG_SLOT_ERR", "MSG_BCH_MISSING",
                                        "MSG_INVALID_SFN", "MSG_UL_DCI_ERR", "MSG_TX_ERR")] \
        == list(range(9))


def test_tlv_tags() -> None:
    assert TLV_TAGS_BY_NAME["phyCellId"].tag == 0x100C
    assert TLV_TAGS_BY_NAME["ssbPeriod"].tag == 0x101F
    assert TLV_TAGS_BY_NAME["tddPeriod"].tag == 0x1026
    assert TLV_TAGS_BY_NAME["releaseCapability"].tag == 0x0001
    assert all(t.message == ("PARAM" if tag < 0x1000 else "CONFIG")
               for tag, t in TLV_TAGS.items())
    assert PDU_TYPES["DL_TTI.request"] == {"PDCCH": 0, "PDSCH": 1, "CSI-RS": 2, "SSB": 3}
    assert PDU_TYPES["UL_TTI.request"] == {"PRACH": 0, "PUSCH": 1, "PUCCH": 2, "SRS": 3}


_RANGES = {"uint8": (0, 255), "uint16": (0, 65535), "uint32": (0, 2**32 - 1),
           "int16": (-(2**15), 2**15 - 1), "int32": (-(2**31), 2**31 - 1)}


@st.composite
def tlv_values(draw: st.DrawFn) -> tuple[str, int | tuple[int, ...]]:
    tag = draw(st.sampled_from(sorted(TLV_TAGS.values(), key=lambda t: t.tag)))
    base, star, count = tag.type.partition("*")
    ints = st.integers(*_RANGES[base])
    if not star:
        return tag.name, draw(ints)
    n = int(count) if count else draw(st.integers(0, 12))
    return tag.name, tuple(draw(st.lists(ints, min_size=n, max_size=n)))


@settings(max_examples=200, deadline=None, derandomize=True)
@given(st.lists(tlv_values(), max_size=6, unique_by=lambda kv: kv[0]))
def test_config_values_round_trip_through_every_tag_type(items: list) -> None:
    values = dict(items)
    msg = ConfigRequest.from_values(values)
    for t in msg.tlvs:   # §3.3.1.4: each TLV padded to a multiple of 4 bytes
        assert len(encode_struct(t)) % 4 == 0
        assert len(encode_struct(t)) - 4 - len(t.value) < 4
    assert decode(encode(msg)).values() == values


def test_tlv_value_types() -> None:
    assert TLV.of("ssPbchPower", -20).value == (-20).to_bytes(4, "little", signed=True)
    assert TLV.of(0x1023, bytes(64)).as_ints() == (0,) * 64
    with pytest.raises(ValueError, match=r"phyCellId = 70000 is out of range"):
        TLV.of("phyCellId", 70000)
    with pytest.raises(ValueError, match="no known type"):
        TLV(tag=0xA000, value=b"\x01").as_ints()
