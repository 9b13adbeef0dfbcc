"""Tests of softran.oran.ecpri against the byte layouts of eCPRI v2.0 / O-RAN CUS (reference §1)."""

from __future__ import annotations

import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from softran.oran import (
    DelayAction,
    DelayMeasurement,
    EAxC,
    EAxCSplit,
    EcpriMessage,
    FronthaulDecodeError,
    SeqId,
    SequenceCounter,
    decode_delay_measurement,
    decode_ecpri,
    encode_delay_measurement,
    encode_ecpri,
    sequence_gap,
)


def test_common_header_bytes_by_hand() -> None:
    # byte 0: revision 0001b, reserved 000b, C = 0 -> 0x10; type 2; ecpriPayload = 5
    assert encode_ecpri(EcpriMessage(2, b"abcde")) == b"\x10\x02\x00\x05abcde"
    # reference §5.4 frame 2: IQ data, payload size 60
    pdu = bytes.fromhex("1000003c") + bytes(60)
    (msg,) = decode_ecpri(pdu)
    assert msg.message_type == 0 and len(msg.payload) == 60


def test_padding_after_payload_is_ignored() -> None:
    pdu = bytes.fromhex("10020003aabbcc") + bytes(53)        # padded to a 60-byte frame payload
    assert decode_ecpri(pdu) == [EcpriMessage(2, bytes.fromhex("aabbcc"))]


def test_concatenated_messages_by_hand() -> None:
    # first message: 4 + 5 bytes -> next one starts at byte 12 (3 zero bytes of padding)
    pdu = encode_ecpri([EcpriMessage(0, b"12345"), EcpriMessage(2, b"xy"), EcpriMessage(5, b"")])
    assert pdu == (b"\x11\x00\x00\x0512345" + bytes(3) + b"\x11\x02\x00\x02xy" + bytes(2)
                   + b"\x10\x05\x00\x00")
    assert [m.payload for m in decode_ecpri(pdu + bytes(7))] == [b"12345", b"xy", b""]


@settings(max_examples=60, deadline=None)
@given(st.lists(st.tuples(st.integers(0, 255), st.binary(max_size=40)), min_size=1, max_size=5),
       st.binary(max_size=8))
def test_concatenation_round_trip(parts: list[tuple[int, bytes]], pad: bytes) -> None:
    msgs = [EcpriMessage(t, p) for t, p in parts]
    pdu = encode_ecpri(msgs)
    assert decode_ecpri(pdu + pad) == msgs
    # every message after the first starts at a 4-byte boundary
    pos = 0
    for m in msgs[:-1]:
        pos += 4 + len(m.payload)
        pos += -pos % 4
        assert pdu[pos] >> 4 == 1


@pytest.mark.parametrize("pdu, reason", [
    (b"\x10\x02\x00", "truncated"),
    (bytes.fromhex("10020009") + bytes(4), "ecpriPayload = 9"),
    (bytes.fromhex("20020000"), "revision = 2"),
    (bytes.fromhex("11020001aa"), "C bit set"),
    (bytes.fromhex("11020001aa000000"), "C bit set"),       # padding but no following header
])
def test_bad_pdus(pdu: bytes, reason: str) -> None:
    with pytest.raises(FronthaulDecodeError, match=reason) as info:
        decode_ecpri(pdu)
    assert reason.split()[0] in info.value.reason


def test_encode_rejects_bad_arguments() -> None:
    with pytest.raises(ValueError, match="message_type"):
        EcpriMessage(256, b"")
    with pytest.raises(ValueError, match="ecpriPayload"):
        EcpriMessage(0, bytes(65536))
    with pytest.raises(TypeError):
        EcpriMessage(0, "text")  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="at least one"):
        encode_ecpri([])


def test_eaxc_split_by_hand() -> None:
    # reference §5.4: 4/4/4/4, RU_Port_ID 1 -> 0x0001
    assert EAxCSplit().pack(EAxC(ru_port_id=1)) == 0x0001
    # Wireshark 4.0 default 2/6/4/4: DU 1, BandSector 5, CC 2, RU 3 -> 01 000101 0010 0011
    split = EAxCSplit(2, 6, 4, 4)
    assert split.pack(EAxC(1, 5, 2, 3)) == 0b01_000101_0010_0011
    assert split.unpack(0b01_000101_0010_0011) == EAxC(1, 5, 2, 3)
    assert EAxCSplit(0, 0, 8, 8).unpack(0xABCD) == EAxC(0, 0, 0xAB, 0xCD)


@settings(max_examples=60, deadline=None)
@given(st.lists(st.integers(0, 16), min_size=3, max_size=3).filter(lambda w: sum(w) <= 16),
       st.integers(0, 0xFFFF))
def test_eaxc_split_round_trip(widths: list[int], eaxc_id: int) -> None:
    split = EAxCSplit(*widths, 16 - sum(widths))
    parts = split.unpack(eaxc_id)
    assert split.pack(parts) == eaxc_id


def test_eaxc_split_rejects_bad_widths_and_values() -> None:
    with pytest.raises(ValueError, match="sums to 15"):
        EAxCSplit(4, 4, 4, 3)
    with pytest.raises(ValueError, match="ru_port_id"):
        EAxCSplit().pack(EAxC(ru_port_id=16))
    with pytest.raises(ValueError, match="eaxc_id"):
        EAxCSplit().unpack(0x10000)


def test_seqid_by_hand() -> None:
    assert SeqId(0).to_bytes() == b"\x00\x80"              # reference §1.4 test capture
    assert SeqId(255, 0, 127).to_bytes() == b"\xff\x7f"
    assert SeqId.from_bytes(b"\x07\x83") == SeqId(7, 1, 3)
    with pytest.raises(FronthaulDecodeError):
        SeqId.from_bytes(b"\x07")
    with pytest.raises(ValueError, match="subsequence_id"):
        SeqId(0, 1, 128)


def test_sequence_counter_wraps_per_flow() -> None:
    c = SequenceCounter()
    seq = [c.next(1, "U", "DL") for _ in range(258)]
    assert seq[:3] == [0, 1, 2] and seq[255:] == [255, 0, 1]
    # other planes, directions and eAxC IDs count independently
    assert c.next(1, "C", "DL") == 0 and c.next(1, "U", "UL") == 0 and c.next(2, "U", "DL") == 0
    assert c.next(1, "u", "dl") == 2                       # names are case-insensitive
    with pytest.raises(ValueError, match="plane"):
        c.next(1, "X", "DL")


def test_gap_detection_with_wrap() -> None:
    assert [sequence_gap(p, q) for p, q in [(0, 1), (255, 0), (250, 4), (10, 10)]] == [0, 0, 9, 255]
    r = SequenceCounter()
    received = [253, 254, 255, 2, 3, 7]
    gaps = [r.observe(5, "U", "UL", s) for s in received]
    assert gaps == [0, 0, 0, 2, 0, 3]
    assert r.lost[(5, "U", "UL")] == 5


@settings(max_examples=50, deadline=None)
@given(st.integers(0, 255), st.lists(st.booleans(), min_size=1, max_size=600))
def test_gap_detection_counts_dropped_messages(first: int, keep: list[bool]) -> None:
    """Drop messages of a counter stream; the receiver's gap total equals the drops between
    the first and last kept message (fewer than 256 in a row, so the count is unambiguous)."""
    ids = [(first + k) % 256 for k in range(len(keep))]
    kept = [k for k, flag in enumerate(keep) if flag]
    assume(kept and all(b - a <= 256 for a, b in zip(kept, kept[1:])))
    r = SequenceCounter()
    total = sum(r.observe(0, "C", "DL", ids[k]) for k in kept)
    assert total == (kept[-1] - kept[0] + 1) - len(kept)


def test_delay_measurement_by_hand() -> None:
    # reference §5.5: Measurement ID 1, Request, 1700000000 s, 123456789 ns, compensation 0
    m = DelayMeasurement(1, DelayAction.REQUEST, 1_700_000_000, 123_456_789)
    wire = encode_delay_measurement(m)
    assert wire[:4] == bytes.fromhex("10050014")
    assert wire[4:6] == b"\x01\x00"
    assert wire[6:12] == (1_700_000_000).to_bytes(6, "big")
    assert wire[12:16] == (123_456_789).to_bytes(4, "big")
    assert wire[16:24] == bytes(8)
    assert decode_delay_measurement(wire + bytes(22)) == m     # Ethernet padding ignored
    # compensation is signed: -1.5 ns = -98304 in units of 2^-16 ns
    neg = DelayMeasurement(9, DelayAction.RESPONSE, 5, 6, compensation=-98304, dummy=b"xyz")
    wire = encode_delay_measurement(neg)
    assert wire[16:24] == (-98304).to_bytes(8, "big", signed=True)
    assert decode_delay_measurement(decode_ecpri(wire)[0]) == neg


@settings(max_examples=60, deadline=None)
@given(st.builds(DelayMeasurement, st.integers(0, 255), st.integers(0, 5),
                 st.integers(0, (1 << 48) - 1), st.integers(0, 999_999_999),
                 st.integers(-(1 << 63), (1 << 63) - 1), st.binary(max_size=12)))
def test_delay_measurement_round_trip(m: DelayMeasurement) -> None:
    assert decode_delay_measurement(encode_delay_measurement(m)) == m


@pytest.mark.parametrize("wire, reason", [
    (bytes.fromhex("10050013") + bytes(19), "20 bytes"),
    (bytes.fromhex("10050014" + "0106") + bytes(18), "action_type"),
    (bytes.fromhex("10050014" + "0100" + "000000000001" + "3b9aca00") + bytes(8), "nanoseconds"),
    (bytes.fromhex("10020014") + bytes(20), "expected 5"),
    (bytes.fromhex("11050014") + bytes(20), "concatenated"),
])
def test_delay_measurement_errors(wire: bytes, reason: str) -> None:
    with pytest.raises(FronthaulDecodeError, match=reason):
        decode_delay_measurement(wire)
