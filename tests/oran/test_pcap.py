"""Tests of softran.oran.pcap: libpcap headers by hand, write -> read round trips, errors."""

from __future__ import annotations

import io
import struct
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from softran.oran import (
    LINKTYPE_ETHERNET,
    LINKTYPE_RAW,
    CPlaneMessage,
    FronthaulDecodeError,
    PcapPacket,
    PcapReader,
    PcapWriter,
    Section1,
    TimingHeader,
    VlanTag,
    decode_cplane,
    encode_cplane,
    extract_ecpri,
    read_pcap,
)

MSG = CPlaneMessage(eaxc_id=1, timing=TimingHeader(1, 3, 2, 1, 0), section_type=1,
                    sections=(Section1(section_id=1, num_symbol=14),))


def test_global_and_record_headers_by_hand() -> None:
    buf = io.BytesIO()
    with PcapWriter(buf) as w:
        w.write(b"\x01\x02\x03", timestamp_ns=2_000_300_000)       # 2 s + 300 us
    data = buf.getvalue()
    # little endian: magic a1b2c3d4, v2.4, thiszone 0, sigfigs 0, snaplen 65535, linktype 1
    assert data[:24] == bytes.fromhex("d4c3b2a1 0200 0400 00000000 00000000 ffff0000 01000000")
    assert data[24:40] == struct.pack("<IIII", 2, 300, 3, 3)
    assert data[40:] == b"\x01\x02\x03"
    buf = io.BytesIO()
    with PcapWriter(buf, nanosecond=True, linktype=LINKTYPE_RAW) as w:
        w.write(b"x", timestamp_ns=5)
    assert buf.getvalue()[:4] == bytes.fromhex("4d3cb2a1")
    reader = PcapReader(buf.getvalue())
    assert reader.linktype == LINKTYPE_RAW and reader.nanosecond
    assert list(reader) == [PcapPacket(5, b"x", 1)]


def test_big_endian_file_written_by_hand() -> None:
    data = (bytes.fromhex("a1b2c3d4 0002 0004 00000000 00000000 0000ffff 00000001")
            + struct.pack(">IIII", 10, 999_999, 2, 60) + b"ab")
    (pkt,) = read_pcap(data)
    assert pkt == PcapPacket(10 * 10**9 + 999_999_000, b"ab", 60)


@settings(max_examples=40, deadline=None)
@given(st.lists(st.tuples(st.integers(0, 2**32 - 1), st.integers(0, 999_999),
                          st.binary(max_size=200)), max_size=8), st.booleans())
def test_write_read_round_trip(records: list[tuple[int, int, bytes]], nano: bool) -> None:
    buf = io.BytesIO()
    with PcapWriter(buf, nanosecond=nano) as w:
        for sec, usec, data in records:
            w.write(data, timestamp_ns=sec * 10**9 + usec * 1000)
    got = read_pcap(buf.getvalue())
    assert got == [PcapPacket(sec * 10**9 + usec * 1000, data, len(data))
                   for sec, usec, data in records]


def test_file_round_trip_with_ecpri_frames(tmp_path: Path) -> None:
    path = tmp_path / "fh.pcap"
    pdu = encode_cplane(MSG)
    with PcapWriter(path) as w:
        w.write_ethernet(pdu, 0, vlan=VlanTag(vid=2, pcp=6))
        w.write_udp(pdu, 100_000, dst_port=50000)
        w.write_udp(pdu, 200_000, src_port=1234, dst_port=1234)      # another flow
    packets = read_pcap(path)
    assert [p.timestamp_ns for p in packets] == [0, 100_000, 200_000]
    assert len(packets[0].data) == 60                                 # minimum frame size
    pdus = extract_ecpri(packets, udp_ports=[50000])
    assert len(pdus) == 2 and all(decode_cplane(p) == MSG for p in pdus)
    assert len(extract_ecpri(packets)) == 1                           # no UDP ports given


@pytest.mark.parametrize("data, reason", [
    (b"\xd4\xc3\xb2", "global header truncated"),
    (bytes(24), "magic"),
    (bytes.fromhex("d4c3b2a1 0300 0400") + bytes(16), "version 3"),
    (bytes.fromhex("d4c3b2a1 0200 0400 00000000 00000000 ffff0000 01000000") + bytes(10),
     "record header truncated"),
    (bytes.fromhex("d4c3b2a1 0200 0400 00000000 00000000 ffff0000 01000000")
     + struct.pack("<IIII", 0, 0, 5, 5) + b"ab", "data truncated"),
    (bytes.fromhex("d4c3b2a1 0200 0400 00000000 00000000 ffff0000 01000000")
     + struct.pack("<IIII", 0, 1_000_000, 0, 0), "sub-second"),
    (bytes.fromhex("d4c3b2a1 0200 0400 00000000 00000000 10000000 01000000")
     + struct.pack("<IIII", 0, 0, 17, 17) + bytes(17), "snaplen"),
])
def test_reader_errors(data: bytes, reason: str) -> None:
    with pytest.raises(FronthaulDecodeError, match=reason):
        read_pcap(data)


def test_writer_errors() -> None:
    w = PcapWriter(io.BytesIO(), snaplen=10)
    with pytest.raises(ValueError, match="snaplen"):
        w.write(bytes(11))
    with pytest.raises(ValueError, match="microsecond"):
        w.write(b"", timestamp_ns=1)
    raw = PcapWriter(io.BytesIO(), linktype=LINKTYPE_RAW)
    with pytest.raises(ValueError, match="LINKTYPE_ETHERNET"):
        raw.write_ethernet(b"")
    assert LINKTYPE_ETHERNET == 1
