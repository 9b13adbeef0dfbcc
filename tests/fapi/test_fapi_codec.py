"""softran.fapi encode / decode: byte-identical round trips of every SCF 222 message and PDU
(hypothesis over the field ranges), bytes worked out by hand from the SCF 222.10.02 layouts,
and the errors of a wrong count, length or type."""

from __future__ import annotations

import inspect

import pytest
from fapi_strategies import structs
from hypothesis import given, settings
from hypothesis import strategies as st

from softran import fapi
from softran.fapi import (
    MESSAGE_CLASSES,
    TLV,
    ConfigRequest,
    CrcIndication,
    CrcPdu,
    DlTtiRequest,
    ErrorCode,
    ErrorIndication,
    FAPIDecodeError,
    MessageType,
    PdschCodeword,
    PdschPdu,
    PrecodingPrg,
    SlotIndication,
    SsbPdu,
    StartRequest,
    StopRequest,
    Struct,
    TxDataPdu,
    TxPrecodingBeamforming,
    UlTtiRequest,
    decode,
    decode_all,
    decode_buffer,
    encode,
)
from softran.fapi.layout import Reader, decode_struct, encode_struct

SETTINGS = settings(max_examples=40, deadline=None, derandomize=True)
# every structure softran.fapi exports: messages, PDUs and their parts
STRUCTS = sorted((obj for obj in vars(fapi).values()
                  if inspect.isclass(obj) and issubclass(obj, Struct)
                  and obj not in (Struct, fapi.Message)), key=lambda c: c.__name__)
PDU_CLASSES = {cls for m in (DlTtiRequest, UlTtiRequest, fapi.UlDciRequest, fapi.UciIndication)
               for item in m.LAYOUT if hasattr(item, "types") for cls in item.types.values()}


def test_every_message_of_table_3_4_has_a_class() -> None:
    assert set(MESSAGE_CLASSES) == {int(t) for t in MessageType}
    assert all(cls.MESSAGE_TYPE == t for t, cls in MESSAGE_CLASSES.items())


def test_every_pdu_type_is_covered() -> None:
    names = {c.__name__ for c in PDU_CLASSES}
    assert names == {"PdcchPdu", "PdschPdu", "CsiRsPdu", "SsbPdu", "PrachPdu", "PuschPdu",
                     "PucchPdu", "SrsPdu", "UciPusch", "UciPucchF01", "UciPucchF234"}


@pytest.mark.parametrize("cls", list(MESSAGE_CLASSES.values()), ids=lambda c: c.__name__)
def test_message_round_trip_is_byte_identical(cls: type) -> None:
    @SETTINGS
    @given(structs(cls), st.integers(0, 255))
    def check(msg: fapi.Message, handle: int) -> None:
        data = encode(msg, handle=handle)
        header, messages = decode_buffer(data)
        assert header.handle == handle and messages == [msg]
        assert encode(messages[0], handle=handle) == data
    check()


# parts whose element count their enclosing structure carries (digBFInterfaces)
INNER = (fapi.PrecodingPrg, fapi.RxBeamformingPrg)


def test_a_part_decoded_without_its_count_is_a_decode_error() -> None:
    with pytest.raises(FAPIDecodeError, match="dig_bf_interfaces is not known here"):
        decode_struct(PrecodingPrg, Reader(bytes(4)))


@pytest.mark.parametrize("cls", [c for c in STRUCTS if c not in INNER],
                         ids=lambda c: c.__name__)
def test_every_structure_round_trips(cls: type[Struct]) -> None:
    @SETTINGS
    @given(structs(cls))
    def check(obj: Struct) -> None:
        data = encode_struct(obj)
        r = Reader(data)
        assert decode_struct(cls, r) == obj and r.remaining == 0
    check()


@pytest.mark.parametrize("pdu_cls", sorted(PDU_CLASSES, key=lambda c: c.__name__),
                         ids=lambda c: c.__name__)
def test_each_pdu_type_in_its_message(pdu_cls: type[Struct]) -> None:
    message = next(m for m in (DlTtiRequest, UlTtiRequest, fapi.UciIndication)
                   if any(pdu_cls in getattr(i, "types", {}).values() for i in m.LAYOUT))
    field = "ucis" if message is fapi.UciIndication else "pdus"

    @settings(max_examples=25, deadline=None, derandomize=True)
    @given(st.lists(structs(pdu_cls), min_size=1, max_size=3))
    def check(pdus: list[Struct]) -> None:
        msg = message(sfn=1023, slot=159, **{field: tuple(pdus)})
        data = encode(msg)
        assert decode(data) == msg and encode(decode(data)) == data
    check()


def test_several_messages_in_one_buffer() -> None:
    @SETTINGS
    @given(st.lists(st.one_of([structs(c) for c in MESSAGE_CLASSES.values()]), max_size=4))
    def check(msgs: list[fapi.Message]) -> None:
        data = encode(msgs)
        assert data[0] == len(msgs)
        assert decode_all(data) == msgs
    check()


# --- bytes worked out by hand from SCF 222.10.02 (little-endian, packed) ----------------------

def test_known_bytes_message_header() -> None:
    # Table 3-2: number of messages 2, handle 9; Table 3-3: type ID u16, length u32, body
    expected = bytes([2, 9, 0x04, 0x00, 0, 0, 0, 0, 0x05, 0x00, 0, 0, 0, 0])
    assert encode([StartRequest(), StopRequest()], handle=9) == expected
    assert decode_all(expected) == [StartRequest(), StopRequest()]


def test_known_bytes_slot_indication() -> None:
    # Table 3-34: SFN 291 = 0x0123, slot 7; type 0x82, length 4
    expected = bytes([1, 0, 0x82, 0x00, 4, 0, 0, 0, 0x23, 0x01, 0x07, 0x00])
    assert encode(SlotIndication(sfn=291, slot=7)) == expected
    assert decode(expected) == SlotIndication(sfn=291, slot=7)


def test_known_bytes_config_request_with_two_tlvs() -> None:
    # §3.3.2.1: numTLVs 2; phyCellId (0x100C, uint16) = 500 = 0x01F4, length 2, 2 pad bytes;
    # dlFrequency (0x1002, uint32) = 3 500 000 kHz = 0x003567E0, length 4, no padding
    body = bytes([2,
                  0x0C, 0x10, 0x02, 0x00, 0xF4, 0x01, 0x00, 0x00,
                  0x02, 0x10, 0x04, 0x00, 0xE0, 0x67, 0x35, 0x00])
    expected = bytes([1, 0, 0x02, 0x00, len(body), 0, 0, 0]) + body
    msg = ConfigRequest.from_values({"phyCellId": 500, "dlFrequency": 3_500_000})
    assert encode(msg) == expected
    assert decode(expected).values() == {"phyCellId": 500, "dlFrequency": 3_500_000}


def test_known_bytes_crc_indication() -> None:
    # Table 3-62: SFN 10, slot 4, NumCRCs 1; Handle 0x11223344, RNTI 0x4601, HarqID 3,
    # TbCrcStatus 1, NumCb 10 -> CbCrcStatus ceil(10/8) = 2 bytes, UL_CQI 140,
    # TimingAdvance 31, RSSI 900 = 0x0384
    body = bytes([0x0A, 0x00, 0x04, 0x00, 0x01, 0x00,
                  0x44, 0x33, 0x22, 0x11, 0x01, 0x46, 0x03, 0x01, 0x0A, 0x00, 0x01, 0x02,
                  0x8C, 0x1F, 0x00, 0x84, 0x03])
    expected = bytes([1, 0, 0x86, 0x00, 23, 0, 0, 0]) + body
    msg = CrcIndication(sfn=10, slot=4, crcs=(CrcPdu(
        handle=0x11223344, rnti=0x4601, harq_id=3, tb_crc_status=1, num_cb=10,
        cb_crc_status=b"\x01\x02", ul_cqi=140, timing_advance=31, rssi=900),))
    assert encode(msg) == expected
    assert decode(expected) == msg


def test_known_bytes_error_indication_and_its_code() -> None:
    # Table 3-30: SFN 1, slot 2, message ID 0x80 (DL_TTI.request), error 0x3 SFN_OUT_OF_SYNC
    data = bytes([1, 0, 0x07, 0x00, 6, 0, 0, 0, 1, 0, 2, 0, 0x80, 0x03])
    msg = decode(data)
    assert msg == ErrorIndication(sfn=1, slot=2, message_id=0x80,
                                  error_code=ErrorCode.SFN_OUT_OF_SYNC)
    assert msg.error_code is ErrorCode.SFN_OUT_OF_SYNC


def test_known_bytes_tx_data_pdu() -> None:
    # Table 3-58: PDU_Length = 4 + 2 + 4 + (2 + 2 + 5) = 19, PDUIndex 3, numTLV 1,
    # tag 0 (u16), length 5 (u16), "hello" + 3 padding bytes
    expected = (bytes([19, 0, 0, 0, 3, 0, 1, 0, 0, 0, 0, 0, 5, 0]) + b"hello" + bytes(3))
    assert encode_struct(TxDataPdu.of(3, b"hello")) == expected


def test_a_long_transport_block_takes_several_tlvs() -> None:
    tb = bytes(range(256)) * 300   # 76 800 bytes > 65535
    pdu = TxDataPdu.of(0, tb)
    assert [len(t.value) for t in pdu.tlvs] == [fapi.TX_DATA_TLV_CHUNK,
                                                len(tb) - fapi.TX_DATA_TLV_CHUNK]
    msg = fapi.TxDataRequest(sfn=0, slot=0, pdus=(pdu,))
    assert decode(encode(msg)).pdus[0].payload == tb
    with pytest.raises(ValueError, match="does not fit its 2-byte field"):
        fapi.TxDataTLV(value=bytes(65536))


def test_known_bytes_rx_data_pdu() -> None:
    # Table 3-61: Handle 7, RNTI 0x4601, HarqID 2, PDU_Length 3 (u16), UL_CQI 128,
    # TimingAdvance 31, RSSI 0, PDU "abc"
    expected = bytes([7, 0, 0, 0, 0x01, 0x46, 2, 3, 0, 128, 31, 0, 0, 0]) + b"abc"
    pdu = fapi.RxDataPdu(handle=7, rnti=0x4601, harq_id=2, ul_cqi=128, timing_advance=31,
                         pdu=b"abc")
    assert encode_struct(pdu) == expected
    with pytest.raises(ValueError, match="pdu_length = 65536 does not fit"):
        fapi.RxDataPdu(rnti=1, pdu=bytes(65536))


# --- what a wrong count, length or type does -----------------------------------------------

def test_counts_follow_the_lists() -> None:
    cw = PdschCodeword(target_code_rate=1930, qam_mod_order=2, tb_size=100)
    pdu = PdschPdu(rnti=1, bwp_size=51, codewords=(cw, cw), rb_size=51, nr_of_symbols=12)
    data = encode_struct(pdu)
    assert data[:2] == b"\x00\x00"   # pduBitmap: no PTRS, no CBG
    assert data[12] == 2             # nrOfCodewords after pduBitmap, RNTI, pduIndex, BWP
    ul = UlTtiRequest(sfn=0, slot=0, pdus=(fapi.PrachPdu(phys_cell_id=1),
                                           fapi.PucchPdu(rnti=1, bwp_size=5, format_type=0)))
    assert encode_struct(ul)[4:9] == bytes([2, 1, 0, 1, 0])  # nPDUs, Rach, nULSCH, nULCCH, nGroup


def test_a_count_that_disagrees_is_refused() -> None:
    data = bytearray(encode(UlTtiRequest(sfn=0, slot=0, pdus=(fapi.PrachPdu(phys_cell_id=1),))))
    data[8 + 5] = 0  # RachPresent = 0 although a PRACH PDU follows
    with pytest.raises(FAPIDecodeError, match="rach_present = 0 disagrees"):
        decode(bytes(data))


def test_unknown_pdu_type_and_message_type() -> None:
    data = bytearray(encode(DlTtiRequest(sfn=0, slot=0, pdus=(SsbPdu(phys_cell_id=1),))))
    data[8 + 6] = 9  # PDUType 9
    with pytest.raises(FAPIDecodeError, match=r"pdus\[0\]\.PDUType = 9 is unknown"):
        decode(bytes(data))
    with pytest.raises(FAPIDecodeError, match="0x7f"):
        decode(bytes([1, 0, 0x7F, 0, 0, 0, 0, 0]))


def test_bad_arguments_name_the_field() -> None:
    with pytest.raises(ValueError, match=r"SlotIndication\.slot = 160 is out of range"):
        SlotIndication(sfn=0, slot=160)
    with pytest.raises(ValueError, match="beam_idx has 0 entries"):
        TxPrecodingBeamforming(dig_bf_interfaces=1, prgs=(PrecodingPrg(),))
    with pytest.raises(ValueError, match="payload has 1 bytes; it must have 2"):
        fapi.DlDci(rnti=1, payload_size_bits=9, payload=b"\x00")
    with pytest.raises(TypeError, match="SlotIndication is not one of|allowed"):
        DlTtiRequest(sfn=0, slot=0, pdus=(SlotIndication(sfn=0, slot=0),))
    with pytest.raises(ValueError, match="codewords has 0 entries"):
        PdschPdu(rnti=1, bwp_size=51, codewords=(), rb_size=51, nr_of_symbols=12)
    with pytest.raises(TypeError, match="must be a softran.fapi message"):
        encode([b"raw"])  # type: ignore[list-item]
    with pytest.raises(ValueError, match="not an SCF 222"):
        TLV.of("noSuchTag", 1)
    with pytest.raises(ValueError, match="dlk0 takes 5 values"):
        TLV.of("dlk0", (1, 2))


def test_decode_wants_one_message() -> None:
    with pytest.raises(FAPIDecodeError, match="number of messages = 2"):
        decode(encode([StartRequest(), StopRequest()]))


def test_decode_error_names_the_message_and_slot() -> None:
    data = bytearray(encode(UlTtiRequest(sfn=77, slot=5, pdus=(fapi.PrachPdu(phys_cell_id=1),))))
    data[8 + 5] = 0  # RachPresent disagrees
    with pytest.raises(FAPIDecodeError) as info:
        decode(bytes(data))
    assert (info.value.message_type, info.value.sfn, info.value.slot) == (0x81, 77, 5)
    with pytest.raises(FAPIDecodeError) as info:
        decode(encode(fapi.ParamResponse())[:-1])
    assert (info.value.message_type, info.value.sfn) == (0x01, None)
