"""Tests of softran.oran.transport: framing by hand, loopback sockets, impairment injection."""

from __future__ import annotations

import math
import random
import socket

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from softran.oran import (
    ECPRI_ETHERTYPE,
    CPlaneMessage,
    FronthaulDecodeError,
    ImpairedTransport,
    RawEthernetTransport,
    Section1,
    TimingHeader,
    TransportUnavailableError,
    UDPTransport,
    VlanTag,
    build_ethernet_frame,
    build_udp_ipv4_frame,
    decode_cplane,
    decode_ecpri,
    encode_cplane,
    ipv4_checksum,
    mac_bytes,
    parse_ethernet_frame,
    parse_udp_ipv4_frame,
    transport,
)

DST, SRC = "02:00:00:00:00:02", "02:00:00:00:00:01"
MSG = CPlaneMessage(eaxc_id=1, timing=TimingHeader(1, 3, 2, 1, 0), section_type=1,
                    sections=(Section1(section_id=1, num_symbol=14),))


def test_ethernet_frame_by_hand() -> None:
    pdu = encode_cplane(MSG)                                      # 24 bytes
    frame = build_ethernet_frame(pdu, DST, SRC, vlan=VlanTag(vid=0x123, pcp=5, dei=1))
    assert frame[:12] == bytes.fromhex("020000000002 020000000001")
    assert frame[12:18] == bytes.fromhex("8100 b123 aefe")         # PCP 101b, DEI 1, VID 0x123
    assert frame[18:42] == pdu and frame[42:] == bytes(18) and len(frame) == 60
    eth = parse_ethernet_frame(frame)
    assert eth.vlan == VlanTag(vid=0x123, pcp=5, dei=1) and eth.ethertype == ECPRI_ETHERTYPE
    assert len(eth.payload) == 42                                  # padding still there ...
    assert decode_cplane(eth.payload) == MSG                       # ... and ignored
    untagged = build_ethernet_frame(pdu, DST, SRC)
    assert untagged[12:14] == b"\xae\xfe" and parse_ethernet_frame(untagged).vlan is None
    big = build_ethernet_frame(bytes(100), DST, SRC, pad=True)
    assert len(big) == 114                                         # no padding needed


def test_ethernet_errors() -> None:
    with pytest.raises(FronthaulDecodeError, match="truncated"):
        parse_ethernet_frame(bytes(13))
    with pytest.raises(FronthaulDecodeError, match="truncated 802.1Q"):
        parse_ethernet_frame(bytes(12) + b"\x81\x00\x00")
    with pytest.raises(FronthaulDecodeError, match="length field"):
        parse_ethernet_frame(bytes(12) + b"\x00\x40" + bytes(46))
    with pytest.raises(ValueError, match="MAC"):
        mac_bytes("02:00:00:00:00")
    with pytest.raises(ValueError, match="vid"):
        VlanTag(vid=4096)


def test_ipv4_checksum_by_hand() -> None:
    # RFC 1071 style example: 4500 0073 0000 4000 4011 [cksum] c0a8 0001 c0a8 00c7 -> b861
    header = bytes.fromhex("450000730000400040110000c0a80001c0a800c7")
    assert ipv4_checksum(header) == 0xB861
    assert ipv4_checksum(header[:10] + b"\xb8\x61" + header[12:]) == 0


def test_udp_frame_by_hand() -> None:
    pdu = encode_cplane(MSG)
    frame = build_udp_ipv4_frame(pdu, src_ip="10.0.0.1", dst_ip="10.0.0.2", src_port=50000,
                                 dst_port=50001)
    ip = frame[14:34]
    assert frame[12:14] == b"\x08\x00" and ip[0] == 0x45 and ip[9] == 17
    assert int.from_bytes(ip[2:4], "big") == 20 + 8 + len(pdu)
    assert ip[12:16] == bytes([10, 0, 0, 1]) and ip[16:20] == bytes([10, 0, 0, 2])
    assert ipv4_checksum(ip) == 0
    udp = frame[34:42]
    assert udp == (50000).to_bytes(2, "big") + (50001).to_bytes(2, "big") \
        + (8 + len(pdu)).to_bytes(2, "big") + b"\x00\x00"            # checksum 0
    assert frame[42:] == pdu
    d = parse_udp_ipv4_frame(frame)
    assert (d.src_ip, d.dst_ip, d.src_port, d.dst_port, d.payload) == \
        ("10.0.0.1", "10.0.0.2", 50000, 50001, pdu)
    short = build_udp_ipv4_frame(b"\x10\x02\x00\x00", vlan=VlanTag(7))
    assert len(short) == 60 and parse_udp_ipv4_frame(short).payload == b"\x10\x02\x00\x00"


def test_udp_frame_errors() -> None:
    frame = bytearray(build_udp_ipv4_frame(bytes(20)))
    bad_sum = bytes(frame[:24]) + bytes([frame[24] ^ 1]) + bytes(frame[25:])
    with pytest.raises(FronthaulDecodeError, match="checksum"):
        parse_udp_ipv4_frame(bad_sum)
    with pytest.raises(FronthaulDecodeError, match="IPv4"):
        parse_udp_ipv4_frame(build_ethernet_frame(bytes(40), DST, SRC))
    with pytest.raises(FronthaulDecodeError, match="truncated"):
        parse_udp_ipv4_frame(bytes(frame[:30]))


def test_udp_loopback_send_receive() -> None:
    pdus = [encode_cplane(CPlaneMessage(eaxc_id=k, timing=MSG.timing, section_type=1,
                                        sections=MSG.sections)) for k in range(3)]
    with UDPTransport(0) as rx, UDPTransport(0, remote_port=rx.local_address[1]) as tx:
        for pdu in pdus:
            tx.send(pdu)
        got = [rx.recv(timeout=2.0) for _ in pdus]
        assert rx.recv(timeout=0.05) is None
    assert sorted(decode_cplane(g).eaxc_id for g in got) == [0, 1, 2]


def test_raw_ethernet_is_clear_about_permissions() -> None:
    try:
        t = RawEthernetTransport("lo")
    except TransportUnavailableError as err:
        assert "AF_PACKET" in str(err) or "CAP_NET_RAW" in str(err) or "interface" in str(err)
        return
    with t:                                  # we may open raw sockets here: use the loopback
        frame = build_ethernet_frame(encode_cplane(MSG), DST, SRC)
        t.send(frame)
        got = t.recv(timeout=2.0)
        assert got is not None and decode_cplane(parse_ethernet_frame(got).payload) == MSG
    with pytest.raises(TransportUnavailableError):
        RawEthernetTransport("no-such-if0")


class Sink:
    def __init__(self) -> None:
        self.out: list[bytes] = []

    def send(self, data: bytes) -> None:
        self.out.append(data)


def _run(n: int, **kw: object) -> tuple[list[bytes], ImpairedTransport]:
    sink = Sink()
    t = ImpairedTransport(sink, **kw)  # type: ignore[arg-type]
    for k in range(n):
        t.send(k.to_bytes(2, "big"))
    t.flush()
    return sink.out, t


def test_impairments_extremes() -> None:
    msgs = [k.to_bytes(2, "big") for k in range(10)]
    assert _run(10)[0] == msgs
    assert _run(10, loss=1.0)[0] == []
    assert _run(10, duplicate=1.0)[0] == [m for m in msgs for _ in range(2)]
    swapped, t = _run(10, reorder=1.0)
    assert swapped == [msgs[k ^ 1] for k in range(10)] and t.reordered == 5
    with pytest.raises(ValueError, match="loss"):
        ImpairedTransport(Sink(), loss=1.5)


@settings(max_examples=30, deadline=None)
@given(st.floats(0, 1), st.floats(0, 1), st.floats(0, 1), st.integers(0, 2**31))
def test_impairments_are_seeded_and_conserve_messages(loss: float, reorder: float, dup: float,
                                                      seed: int) -> None:
    a, t = _run(50, loss=loss, reorder=reorder, duplicate=dup, seed=seed)
    b, _ = _run(50, loss=loss, reorder=reorder, duplicate=dup, seed=seed)
    assert a == b
    assert len(a) == 50 - t.dropped + t.duplicated == t.sent
    assert set(a) <= {k.to_bytes(2, "big") for k in range(50)}


def test_loss_rate_statistics() -> None:
    n, p = 4000, 0.1
    out, t = _run(n, loss=p, seed=7)
    sigma = math.sqrt(n * p * (1 - p))                             # binomial standard deviation
    assert abs(t.dropped - n * p) < 5 * sigma
    assert len(out) == n - t.dropped


def test_decode_of_udp_received_pdu_is_ecpri() -> None:
    # the UDP payload is the eCPRI PDU itself (no extra header)
    with UDPTransport(0) as a:
        port = a.local_address[1]
        s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        s.sendto(encode_cplane(MSG), ("127.0.0.1", port))
        s.close()
        assert decode_ecpri(a.recv(timeout=2.0))[0].message_type == 2


def test_send_many_and_recv_batch_carry_each_datagram_unchanged() -> None:
    """Runs of equal sizes go out as one GSO call and may come back coalesced (GRO): the
    datagrams, their order and their boundaries are those of plain send / recv."""
    a, b = UDPTransport(0), UDPTransport(0)
    a.remote = b.local_address
    try:
        rng = random.Random(5)
        pdus = [bytes([k]) * 1444 for k in range(30)] + [b"x" * 77, b""] + \
            [bytes(rng.getrandbits(8) for _ in range(n)) for n in (5, 5, 5, 9, 9, 3)] + \
            [bytes([k]) * 1000 for k in range(70)]          # more than 64 of one size
        a.send_many(pdus)
        got: list[bytes] = []
        sizes = []
        while len(got) < 60:
            for data, size in b.recv_batch(timeout=2.0, max_datagrams=60 - len(got)):
                sizes.append(size)
                got += [bytes(data[i:i + size]) for i in range(0, len(data), size)] if size \
                    else [b""]
        assert len(got) == 60                               # max_datagrams is kept
        while len(got) < len(pdus):
            one = b.recv(timeout=2.0)                       # the rest, one by one
            assert one is not None
            got.append(one)
        assert got == pdus
        assert b.recv(timeout=0.05) is None and b.recv_batch(timeout=0.05) == []
    finally:
        a.close()
        b.close()


@pytest.mark.parametrize("arena", [None, 2])
def test_recv_batch_into_the_kept_buffer(monkeypatch: pytest.MonkeyPatch,
                                         arena: int | None) -> None:
    """recv_batch receives into one kept buffer (no new bytes per receive): rounds of runs
    of equal sizes come back as sent, whatever max_datagrams leaves held between calls;
    with nothing held a call starts the buffer again, and a buffer that fills within a call
    (here after 2 receives' worth) is replaced without touching the views taken from it."""
    if arena is not None:
        monkeypatch.setattr(transport, "_ARENA_BYTES", arena * transport._RECV_BYTES)
    a, b = UDPTransport(0), UDPTransport(0)
    a.remote = b.local_address
    b._sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 1 << 22)
    rng = random.Random(11)
    buffers = set()
    try:
        for rnd in range(6):
            pdus = [bytes([rnd, k]) + bytes(rng.getrandbits(8) for _ in range(6)) * (n // 6)
                    for n, count in ((1440, 50), (600, 7), (1200, 60), (6, 3), (0, 1))
                    for k in range(count)]
            for i in range(0, len(pdus), 25):
                a.send_many(pdus[i:i + 25])
            got: list[bytes] = []
            limit = None if rnd % 2 == 0 else 40
            while len(got) < len(pdus):
                new = b.recv_batch(timeout=2.0, max_datagrams=limit)
                assert new and (limit is None or sum(len(d) // s if s else 1
                                                     for d, s in new) <= limit)
                buffers.update(id(d.obj) for d, _ in new)
                for d, s in new:                 # copied before the next call
                    got += [bytes(d[i:i + s]) for i in range(0, len(d), s)] if s else [b""]
            assert got == pdus
        if arena is None:
            assert len(buffers) == 1             # one kept buffer for every receive
        else:
            assert len(buffers) > 1
    finally:
        a.close()
        b.close()


def test_udp_transport_pickles_for_a_child_process() -> None:
    """A UDPTransport goes to a child process (the cell's processes): its kept receive
    buffer is made anew there, datagrams held but not yet returned go with it."""
    import pickle
    from multiprocessing.reduction import ForkingPickler

    a, b = UDPTransport(0), UDPTransport(0)
    try:
        a.remote = b.local_address
        a.send_many([b"one", b"two"])
        first = b.recv(timeout=1.0)
        held = list(b._held)
        c = pickle.loads(ForkingPickler.dumps(b))
        assert first == b"one"
        assert [(bytes(d), n) for d, n in c._held] == [(bytes(d), n) for d, n in held]
        assert len(c._arena) == len(b._arena) and c._arena_pos == 0
        # "two": held (one GRO buffer with "one") or still in the socket, which c shares
        assert c.recv(timeout=1.0) == b"two"
        a.send_many([b"three"])
        assert c.recv(timeout=1.0) == b"three"
        c.close()
    finally:
        a.close()
        b.close()
