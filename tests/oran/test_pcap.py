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
from softran.validation import max_allocation

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


# --------------------------------------------------------------------------------------------
# Streaming: bounded memory whatever the capture size, file objects and pipes
# --------------------------------------------------------------------------------------------

_HEADER = bytes.fromhex("d4c3b2a1 0200 0400 00000000 00000000 ffff0000 01000000")


def _sparse_capture(path: Path, n_records: int, incl: int) -> int:
    """A capture of ``n_records`` records of ``incl`` zero bytes (timestamps k seconds), written
    as headers over a sparse file: it takes no disk space and no time to write. Returns its
    size in bytes."""
    with open(path, "wb") as f:
        f.write(_HEADER)
        for k in range(n_records):
            f.write(struct.pack("<IIII", k, 0, incl, incl))
            f.seek(incl, io.SEEK_CUR)
        f.truncate()
    return 24 + n_records * (16 + incl)


def test_reader_streams_a_large_capture_in_bounded_memory(tmp_path: Path) -> None:
    import tracemalloc

    path = tmp_path / "big.pcap"
    size = _sparse_capture(path, 2048, 65535)                    # 128 MiB of records
    tracemalloc.start()
    try:
        n = total = 0
        for k, pkt in enumerate(PcapReader(path)):
            assert pkt.timestamp_ns == k * 10**9 and pkt.orig_len == 65535
            n, total = n + 1, total + len(pkt.data)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert (n, total) == (2048, 2048 * 65535)
    # one record (64 KiB) at a time, never the file: 1 MiB is 1/128 of it
    assert peak < (1 << 20) < size // 100
    # the list form refuses a capture that would not fit under the limit, naming the file
    with max_allocation("64M"):
        with pytest.raises(ValueError, match=r"source = '.*big.pcap' would need about .* limit "
                                             r"of 64 MiB.*iterate over PcapReader"):
            read_pcap(path)


def test_reader_reads_file_objects_and_pipes(tmp_path: Path) -> None:
    import os
    import threading

    buf = io.BytesIO()
    with PcapWriter(buf) as w:
        for k in range(3):
            w.write(bytes([k]) * (k + 1), timestamp_ns=k * 1000)
    data = buf.getvalue()
    want = [PcapPacket(k * 1000, bytes([k]) * (k + 1), k + 1) for k in range(3)]
    reader = PcapReader(io.BytesIO(data))
    assert list(reader) == want and list(reader) == want        # seekable: iterable again
    r_fd, w_fd = os.pipe()

    def feed() -> None:  # in small pieces: the reader must assemble short reads
        with os.fdopen(w_fd, "wb", buffering=0) as pipe:
            for i in range(0, len(data), 7):
                pipe.write(data[i:i + 7])

    writer = threading.Thread(target=feed)
    writer.start()
    with os.fdopen(r_fd, "rb", buffering=0) as pipe:
        got = list(PcapReader(pipe))
    writer.join()
    assert got == want
    with pytest.raises(TypeError, match="binary mode"):
        PcapReader(io.StringIO("text"))
    with pytest.raises(TypeError, match="path, bytes or a binary file object"):
        PcapReader(42)


def test_truncated_capture_gives_one_clear_error_after_the_good_records(tmp_path: Path) -> None:
    buf = io.BytesIO()
    with PcapWriter(buf) as w:
        w.write(b"abcd", timestamp_ns=1000)
        w.write(b"efghij", timestamp_ns=2000)
    path = tmp_path / "cut.pcap"
    path.write_bytes(buf.getvalue()[:-3])                        # the last record is cut
    reader = iter(PcapReader(path))
    assert next(reader).data == b"abcd"
    with pytest.raises(FronthaulDecodeError, match=r"pcap record data truncated at byte 60: "
                                                   r"incl_len = 6, 3 bytes left"):
        next(reader)
    path.write_bytes(buf.getvalue()[:24 + 20 + 9])              # a record header cut at 9 bytes
    with pytest.raises(FronthaulDecodeError, match="record header truncated at byte 44: 9 of 16"):
        read_pcap(path)
