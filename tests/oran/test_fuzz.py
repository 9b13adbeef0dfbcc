"""Fuzzing: random and mutated packets into every decoder -> only FronthaulDecodeError escapes."""

from __future__ import annotations

import io

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from oran_strategies import N_BF_ANTENNAS, N_PRB_CARRIER, N_TRX, cplane_messages, uplane_cases

from softran.oran import (
    CPlaneConfig,
    DelayMeasurement,
    FronthaulDecodeError,
    PcapWriter,
    SeqId,
    TimingHeader,
    UdCompHdr,
    UPlaneFormat,
    build_ethernet_frame,
    build_udp_ipv4_frame,
    decode_cplane,
    decode_delay_measurement,
    decode_ecpri,
    decode_uplane,
    encode_cplane,
    encode_delay_measurement,
    encode_uplane,
    extract_ecpri,
    parse_ethernet_frame,
    parse_udp_ipv4_frame,
    read_pcap,
)

CFGS = [CPlaneConfig(), CPlaneConfig(n_prb_carrier=N_PRB_CARRIER, num_bf_antennas=N_BF_ANTENNAS,
                                     num_trx=N_TRX)]
FMTS = [UPlaneFormat(), UPlaneFormat(ud_comp_hdr_present=True, n_prb_carrier=N_PRB_CARRIER),
        UPlaneFormat(static_comp_hdr=UdCompHdr(9, 1))]


def _pcap(frames: list[bytes]) -> bytes:
    buf = io.BytesIO()
    with PcapWriter(buf) as w:
        for f in frames:
            w.write(f)
    return buf.getvalue()


DECODERS = [
    decode_ecpri,
    decode_delay_measurement,
    *[(lambda d, c=c: decode_cplane(d, c)) for c in CFGS],
    *[(lambda d, f=f: decode_uplane(d, f)) for f in FMTS],
    parse_ethernet_frame,
    parse_udp_ipv4_frame,
    read_pcap,
    lambda d: extract_ecpri(read_pcap(d), udp_ports=[50000]),
    TimingHeader.from_bytes,
    SeqId.from_bytes,
]


def _feed(data: bytes) -> None:
    for decode in DECODERS:
        try:
            decode(data)
        except FronthaulDecodeError as err:
            assert isinstance(err, ValueError) and err.reason


@st.composite
def mutated(draw: st.DrawFn, base: bytes) -> bytes:
    data = bytearray(base)
    for _ in range(draw(st.integers(1, 4))):
        op = draw(st.sampled_from(["flip", "set", "truncate", "extend", "delete"]))
        if op == "truncate" and data:
            del data[draw(st.integers(0, len(data) - 1)):]
        elif op == "extend":
            data += draw(st.binary(min_size=1, max_size=8))
        elif op == "delete" and data:
            del data[draw(st.integers(0, len(data) - 1))]
        elif data:
            k = draw(st.integers(0, len(data) - 1))
            data[k] = data[k] ^ (1 << draw(st.integers(0, 7))) if op == "flip" \
                else draw(st.integers(0, 255))
    return bytes(data)


@st.composite
def valid_packets(draw: st.DrawFn) -> bytes:
    kind = draw(st.sampled_from(["c", "u", "delay", "eth", "udp", "pcap"]))
    if kind == "c":
        return encode_cplane(draw(cplane_messages()))
    if kind == "u":
        msg, fmt = draw(uplane_cases())
        return encode_uplane(msg, fmt)
    if kind == "delay":
        return encode_delay_measurement(DelayMeasurement(draw(st.integers(0, 255)),
                                                         draw(st.integers(0, 5))))
    pdu = encode_cplane(draw(cplane_messages(section_types=(1, 3))))
    eth = build_ethernet_frame(pdu, "02:00:00:00:00:02", "02:00:00:00:00:01")
    udp = build_udp_ipv4_frame(pdu)
    return {"eth": eth, "udp": udp, "pcap": _pcap([eth, udp])}[kind]


@settings(max_examples=150, deadline=None)
@given(st.binary(max_size=120))
def test_random_bytes(data: bytes) -> None:
    _feed(data)


@settings(max_examples=150, deadline=None)
@given(st.binary(max_size=60))
def test_random_bytes_behind_valid_headers(tail: bytes) -> None:
    """Random bodies behind plausible eCPRI / timing headers reach the deeper parsers."""
    for head in (b"\x10\x02", b"\x10\x00", b"\x10\x05"):
        body = b"\x00\x01\x00\x80\x90\x03\x20\x40" + tail
        _feed(head + len(body).to_bytes(2, "big") + body)


@settings(max_examples=250, deadline=None, suppress_health_check=[HealthCheck.too_slow,
                                                                  HealthCheck.data_too_large])
@given(st.data())
def test_mutated_valid_packets(data: st.DataObject) -> None:
    base = data.draw(valid_packets())
    _feed(base)
    _feed(data.draw(mutated(base)))
