"""Tests of softran.oran.uplane against the hand-decoded captures of reference §2.5 / §5.4."""

from __future__ import annotations

import pytest
import torch
from hypothesis import given, settings
from hypothesis import strategies as st
from oran_strategies import uplane_cases

from softran.oran import (
    FronthaulDecodeError,
    SeqId,
    TimingHeader,
    UdCompHdr,
    UPlaneFormat,
    UPlaneMessage,
    UPlaneSection,
    decode_uplane,
    encode_uplane,
    pack_uncompressed,
    unpack_signed,
    unpack_uncompressed,
)

DL = TimingHeader(data_direction=1, frame_id=3, subframe_id=2, slot_id=1, start_symbol_id=0)
UL = TimingHeader(data_direction=0, frame_id=3, subframe_id=2, slot_id=1, start_symbol_id=0)


def hx(text: str) -> bytes:
    return bytes.fromhex(text.replace(" ", "").replace(":", ""))


def test_uncompressed_16bit_frame_of_the_reference() -> None:
    # reference §5.4 frame 2: eCPRI payload 00:01:00:80:90:03:20:40:00:10:00:01:03:e8:fe:0c:...
    # I_k = 1000 (k + 1), Q_k = -500 (k + 1) for RE k = 0..11 (0x03e8, 0xfe0c, ..., 0xe890)
    iq_hex = "".join(f"{(1000 * (k + 1)) & 0xFFFF:04x}{(-500 * (k + 1)) & 0xFFFF:04x}"
                     for k in range(12))
    assert iq_hex.startswith("03e8fe0c07d0fc180bb8fa24") and iq_hex.endswith("e890")
    wire = hx("1000 003c" + "00:01:00:80:90:03:20:40:00:10:00:01") + hx(iq_hex)
    iq = torch.tensor([[[1000 * (k + 1), -500 * (k + 1)] for k in range(12)]])
    msg = UPlaneMessage(eaxc_id=1, timing=DL, sections=(
        UPlaneSection(section_id=1, start_prbu=0, num_prbu=1, prb_payload=pack_uncompressed(iq)),))
    assert encode_uplane(msg) == wire
    got = decode_uplane(wire + bytes(6))                 # padding after ecpriPayload ignored
    assert got == msg
    assert torch.equal(unpack_uncompressed(got.sections[0].prb_payload, 1), iq)


def test_bfp9_frame_with_udcomphdr_of_the_reference() -> None:
    # reference §5.4 frame 3: UL, udCompHdr 0x91 + reserved, exponent byte 07, mantissas
    # (-141, 97), ... packed as b9 98 71 44 ed ...
    prb = hx("07 b9987144ed10eb7227e884fd000007b02fd8177148db12ee78eb8a")
    assert len(prb) == 28
    wire = hx("1000 002a 0001 0080 10032040 00100001 9100") + prb
    fmt = UPlaneFormat(ud_comp_hdr_present=True)
    msg = decode_uplane(wire, fmt)
    (sec,) = msg.sections
    assert sec.ud_comp_hdr == UdCompHdr(9, 1) and sec.prb_payload == prb
    assert unpack_signed(sec.prb_payload[1:], 9, 2).tolist() == [-141, 97]
    assert msg.timing == UL
    assert encode_uplane(msg, fmt) == wire
    # the same bytes with a static BFP-9 configuration and no udCompHdr
    static = UPlaneFormat(static_comp_hdr=UdCompHdr(9, 1))
    wire_static = hx("1000 0028 0001 0080 10032040 00100001") + prb
    assert decode_uplane(wire_static, static).sections[0].prb_payload == prb


def test_several_sections_and_all_prbs() -> None:
    fmt = UPlaneFormat(static_comp_hdr=UdCompHdr(9, 1), n_prb_carrier=3)
    secs = (UPlaneSection(section_id=1, start_prbu=0, num_prbu=0, prb_payload=bytes(range(84))),
            UPlaneSection(section_id=2, start_prbu=1, num_prbu=1, sym_inc=1, rb=1,
                          prb_payload=bytes(28)))
    msg = UPlaneMessage(eaxc_id=0x1234, timing=UL, sections=secs, seq=SeqId(9, 0, 3))
    wire = encode_uplane(msg, fmt)
    assert wire[12:16] == hx("00100000") and wire[16 + 84:20 + 84] == hx("002c0101")
    assert decode_uplane(wire, fmt) == msg
    with pytest.raises(FronthaulDecodeError, match="n_prb_carrier"):
        decode_uplane(wire, UPlaneFormat(static_comp_hdr=UdCompHdr(9, 1)))


@settings(max_examples=120, deadline=None)
@given(uplane_cases())
def test_round_trip(case: tuple[UPlaneMessage, UPlaneFormat]) -> None:
    msg, fmt = case
    wire = encode_uplane(msg, fmt)
    assert decode_uplane(wire, fmt) == msg
    assert decode_uplane(wire + bytes(11), fmt) == msg


H = "0001 0080 90032040"


def ecpri0(payload_hex: str) -> bytes:
    payload = hx(payload_hex)
    return hx("1000") + len(payload).to_bytes(2, "big") + payload


@pytest.mark.parametrize("payload_hex, fmt, reason", [
    (H, UPlaneFormat(), "truncated section 0 header"),
    (H + "00100001" + "00" * 47, UPlaneFormat(), "needs 48 bytes, 47 left"),
    (H + "00100001" + "00" * 48 + "0010", UPlaneFormat(), "truncated section 1 header"),
    (H + "00100000", UPlaneFormat(), "n_prb_carrier"),
    (H + "00110e0a" + "00" * 480, UPlaneFormat(n_prb_carrier=273), "exceed the carrier"),
    (H + "00100001 0900" + "00" * 48, UPlaneFormat(ud_comp_hdr_present=True), "reserved"),
    (H + "00100001 9500" + "00" * 48, UPlaneFormat(ud_comp_hdr_present=True), "no fixed PRB size"),
    ("0001 0080 c0032040 00100001" + "00" * 48, UPlaneFormat(), "payloadVersion"),
])
def test_decode_errors(payload_hex: str, fmt: UPlaneFormat, reason: str) -> None:
    with pytest.raises(FronthaulDecodeError, match=reason):
        decode_uplane(ecpri0(payload_hex), fmt)


def test_decode_error_on_message_type() -> None:
    with pytest.raises(FronthaulDecodeError, match="expected 0"):
        decode_uplane(hx("1002 0004 00010080"))


def test_encoder_rejects_bad_messages() -> None:
    sec = UPlaneSection(section_id=1, start_prbu=0, num_prbu=1, prb_payload=bytes(47))
    with pytest.raises(ValueError, match="need 48"):
        encode_uplane(UPlaneMessage(eaxc_id=0, timing=DL, sections=(sec,)))
    sec = UPlaneSection(section_id=1, start_prbu=0, num_prbu=1, prb_payload=bytes(48))
    with pytest.raises(ValueError, match="ud_comp_hdr must be set"):
        encode_uplane(UPlaneMessage(eaxc_id=0, timing=DL, sections=(sec,)),
                      UPlaneFormat(ud_comp_hdr_present=True))
    with pytest.raises(ValueError, match="exceed the carrier"):
        encode_uplane(UPlaneMessage(eaxc_id=0, timing=DL, sections=(
            UPlaneSection(section_id=1, start_prbu=273, num_prbu=1, prb_payload=bytes(48)),)),
            UPlaneFormat(n_prb_carrier=273))
    with pytest.raises(ValueError, match="at least one section"):
        UPlaneMessage(eaxc_id=0, timing=DL, sections=())
    with pytest.raises(ValueError, match="num_prbu"):
        UPlaneSection(section_id=1, start_prbu=0, num_prbu=256, prb_payload=b"")


def test_custom_bytes_per_prb_callable() -> None:
    fmt = UPlaneFormat(prb_bytes=lambda meth, width: 10)
    msg = UPlaneMessage(eaxc_id=0, timing=DL, sections=(
        UPlaneSection(section_id=1, start_prbu=0, num_prbu=2, prb_payload=bytes(20)),))
    assert decode_uplane(encode_uplane(msg, fmt), fmt) == msg


@settings(max_examples=60, deadline=None)
@given(st.integers(1, 16), st.integers(1, 5), st.data())
def test_uncompressed_packing_round_trip(width: int, n_prb: int, data: st.DataObject) -> None:
    lo, hi = -(1 << (width - 1)), (1 << (width - 1)) - 1
    values = data.draw(st.lists(st.integers(lo, hi), min_size=24 * n_prb, max_size=24 * n_prb))
    iq = torch.tensor(values).reshape(n_prb, 12, 2)
    payload = pack_uncompressed(iq, width)
    assert len(payload) == n_prb * 3 * width                   # 24 w bits = 3 w bytes per PRB
    assert torch.equal(unpack_uncompressed(payload, n_prb, width), iq)
    # bit-level reference: concatenate the two's-complement bit strings by hand
    bits = "".join(format(v & ((1 << width) - 1), f"0{width}b") for v in values)
    assert payload == int(bits, 2).to_bytes(len(bits) // 8, "big")


def test_uncompressed_packing_inputs() -> None:
    z = torch.tensor([[complex(1000 * (k + 1), -500 * (k + 1)) for k in range(12)]])
    assert pack_uncompressed(z)[:4] == hx("03e8fe0c")
    with pytest.raises(ValueError, match="values must lie"):
        pack_uncompressed(torch.full((1, 12, 2), 256), 9)
    with pytest.raises(ValueError, match="integer real"):
        pack_uncompressed(z + 0.5)
    with pytest.raises(ValueError, match="shape"):
        pack_uncompressed(torch.zeros(1, 11, 2, dtype=torch.int64))
    with pytest.raises(TypeError):
        pack_uncompressed(torch.zeros(1, 12, 2))
    with pytest.raises(FronthaulDecodeError):
        unpack_uncompressed(bytes(47), 1)


@pytest.mark.parametrize("kw, exc, match", [
    (dict(eaxc_id=0x10000), ValueError, "eaxc_id"),
    (dict(timing="symbol 0"), TypeError, "timing must be a TimingHeader"),
    (dict(seq=3), TypeError, "seq must be a SeqId"),
])
def test_message_ids_are_checked_for_both_planes(kw, exc, match) -> None:
    from softran.oran.cplane import CPlaneMessage, Section1

    sec_u = UPlaneSection(section_id=1, start_prbu=0, num_prbu=1, prb_payload=bytes(48))
    base = dict(eaxc_id=1, timing=DL, seq=SeqId(0))
    with pytest.raises(exc, match=match):
        UPlaneMessage(**{**base, **kw}, sections=(sec_u,))
    sec_c = Section1(section_id=1, start_prbc=0, num_prbc=1, num_symbol=1, re_mask=0xFFF,
                     beam_id=0)
    with pytest.raises(exc, match=match):
        CPlaneMessage(**{**base, **kw}, section_type=1, sections=(sec_c,))
