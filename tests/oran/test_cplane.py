"""Tests of softran.oran.cplane against byte layouts written out by hand (reference §2.2-2.4)."""

from __future__ import annotations

import pytest
import torch
from hypothesis import given, settings
from hypothesis import strategies as st
from oran_strategies import (
    N_BF_ANTENNAS,
    N_PRB_CARRIER,
    N_TRX,
    N_WEIGHTS_PER_BUNDLE,
    cplane_messages,
)

from softran.oran import (
    BeamformingWeightsExt,
    BfwBundle,
    BfwCompHdr,
    CiCompHdr,
    CPlaneConfig,
    CPlaneMessage,
    FlexibleBfwExt,
    FronthaulDecodeError,
    LaaMessage,
    ModCompParamsExt,
    ModCompScalingExt,
    ModCompScalingSet,
    NonContiguousPrbExt,
    NonContiguousPrbRangesExt,
    RawExtension,
    Section0,
    Section1,
    Section3,
    Section5,
    Section6,
    SeqId,
    TimingHeader,
    UdCompHdr,
    bfp_compress_weights,
    bfw_values,
    decode_cplane,
    encode_cplane,
    frame_structure,
)

CFG = CPlaneConfig(n_prb_carrier=N_PRB_CARRIER, num_bf_antennas=N_BF_ANTENNAS,
                   num_weights_per_bundle=N_WEIGHTS_PER_BUNDLE, num_trx=N_TRX)
DL = TimingHeader(data_direction=1, frame_id=3, subframe_id=2, slot_id=1, start_symbol_id=0)
HEAD = "0001 0080 90032040"          # eAxC 1, seq 0 (E = 1), timing header of reference §2.1


def hx(text: str) -> bytes:
    return bytes.fromhex(text.replace(" ", ""))


def ecpri(payload_hex: str) -> bytes:
    payload = hx(payload_hex)
    return hx("1002") + len(payload).to_bytes(2, "big") + payload


# --- section types by hand ------------------------------------------------------------------


def test_section_type1_by_hand() -> None:
    wire = ecpri(HEAD + "01 01 00 00" + "0010 0001 fffe 0000")
    msg = CPlaneMessage(eaxc_id=1, timing=DL, section_type=1,
                        sections=(Section1(section_id=1, num_prbc=1, num_symbol=14),))
    assert encode_cplane(msg) == wire
    assert decode_cplane(wire + bytes(36)) == msg                # padded to a 60-byte frame


def test_section_type3_by_hand() -> None:
    # reference §5.5: timeOffset 1234, frameStructure 0xC1 (FFT 4096, mu 1), cpLength 288,
    # udCompHdr 0x91, sectionId 7, 12 PRBs, beamId 5, freqOffset -792
    wire = ecpri("0001 0080 10032040" + "01 03 04d2 c1 0120 91"
                 + "0070 000c fff1 0005 fffce8 00")
    timing = TimingHeader(data_direction=0, frame_id=3, subframe_id=2, slot_id=1)
    msg = CPlaneMessage(eaxc_id=1, timing=timing, section_type=3, time_offset=1234,
                        frame_structure=frame_structure(4096, 1), cp_length=288,
                        ud_comp_hdr=UdCompHdr(9, 1),
                        sections=(Section3(section_id=7, num_prbc=12, beam_id=5,
                                           freq_offset=-792),))
    assert encode_cplane(msg) == wire
    assert decode_cplane(wire) == msg


def test_section_types_0_and_5_by_hand() -> None:
    wire0 = ecpri(HEAD + "01 00 0000 00 0000 00" + "0090 640a fff1 0000")
    msg0 = CPlaneMessage(eaxc_id=1, timing=DL, section_type=0,
                         sections=(Section0(section_id=9, start_prbc=100, num_prbc=10),))
    assert encode_cplane(msg0) == wire0 and decode_cplane(wire0) == msg0
    wire5 = ecpri(HEAD + "02 05 00 00" + "00b0 0014 fff1 7fff" + "00c0 1404 0012 0003")
    msg5 = CPlaneMessage(eaxc_id=1, timing=DL, section_type=5, sections=(
        Section5(section_id=11, num_prbc=20, ue_id=0x7FFF),
        Section5(section_id=12, start_prbc=20, num_prbc=4, re_mask=0x001, num_symbol=2, ue_id=3)))
    assert encode_cplane(msg5) == wire5 and decode_cplane(wire5) == msg5


def test_section_type6_by_hand() -> None:
    # ciCompHdr: width 16, no compression; 1 PRB x 2 antennas x (I, Q) x 16 bits = 8 bytes after
    # the 7-byte section header -> 15 bytes, padded to 16 (1 zero byte)
    wire = ecpri(HEAD + "01 06 01 00" + "0003 fffe 0005 01" + "0001 0002 0003 0004 00")
    msg = CPlaneMessage(eaxc_id=1, timing=DL, section_type=6, ci_comp_hdr=CiCompHdr(16, 0, 0),
                        sections=(Section6(ue_id=3, regularization_factor=-2, start_prbc=5,
                                           num_prbc=1, ci_payload=hx("0001000200030004 00")),))
    assert encode_cplane(msg) == wire
    assert decode_cplane(wire, CPlaneConfig(num_trx=2)) == msg
    # 1-byte alignment: the same bytes without padding
    wire1 = ecpri(HEAD + "01 06 01 00" + "0003 fffe 0005 01" + "0001 0002 0003 0004")
    cfg1 = CPlaneConfig(num_trx=2, st6_4byte_alignment=False)
    assert decode_cplane(wire1, cfg1).sections[0].ci_payload == hx("0001000200030004")
    with pytest.raises(FronthaulDecodeError, match="num_trx"):
        decode_cplane(wire)


def test_section_type7_by_hand() -> None:
    wire = ecpri(HEAD + "00 07 0000" + "12 abcdef")
    msg = CPlaneMessage(eaxc_id=1, timing=DL, section_type=7,
                        sections=(LaaMessage(1, 2, hx("abcdef")),))
    assert encode_cplane(msg) == wire and decode_cplane(wire) == msg


# --- section extensions by hand --------------------------------------------------------------


def _st1_with(ext_hex: str, num_prbc: int = 1) -> bytes:
    return ecpri(HEAD + "01 01 00 00" + f"0010 00{num_prbc:02x} fff1 8000" + ext_hex)


def test_extension_chain_and_ef_bits_by_hand() -> None:
    # SE6 (ef = 1, more follows) then SE4 (ef = 0); section ef = 1 (0x8000 in the beamId word)
    se6 = "86 02 2000 0005 3fff"
    se4 = "04 01 8123"
    wire = _st1_with(se6 + se4)
    exts = (NonContiguousPrbExt(rbg_size=2, rbg_mask=5, symbol_mask=0x3FFF),
            ModCompParamsExt(csf=1, mod_comp_scaler=0x0123))
    msg = CPlaneMessage(eaxc_id=1, timing=DL, section_type=1,
                        sections=(Section1(section_id=1, num_prbc=1, extensions=exts),))
    assert encode_cplane(msg) == wire and decode_cplane(wire) == msg


def test_se1_by_hand() -> None:
    # bfwCompHdr 0x00 (16 bit, none), weights (1, 0), (-1, 2): 3 + 8 = 11 bytes -> extLen 3
    wire = _st1_with("01 03 00 0001 0000 ffff 0002 00")
    ext = BeamformingWeightsExt(BfwCompHdr(16, 0), bfw_i=(1, -1), bfw_q=(0, 2))
    assert decode_cplane(wire).sections[0].extensions == (ext,)       # L inferred from extLen
    assert decode_cplane(wire, CPlaneConfig(num_bf_antennas=2)).sections[0].extensions == (ext,)
    # BFP 9 bit: exponent byte 0x07, mantissas (-141, 97) -> b9 98 4.. (reference §2.5)
    bfp = BeamformingWeightsExt(BfwCompHdr(9, 1), bfw_i=(-141,), bfw_q=(97,), bfw_comp_param=7)
    assert bfp.to_bytes() == hx("0102 91 07 b99840 00")
    with pytest.raises(FronthaulDecodeError, match="more than"):   # L configured too small
        decode_cplane(wire, CPlaneConfig(num_bf_antennas=1))
    with pytest.raises(FronthaulDecodeError, match="bfwCompMeth 4"):
        decode_cplane(_st1_with("01 02 04 00 0000 0000"))


def test_se5_by_hand() -> None:
    wire = _st1_with("05 03 abc92340017fff 000000")
    ext = ModCompScalingExt((ModCompScalingSet(0xABC, 1, 0x1234), ModCompScalingSet(1, 0, 0x7FFF)))
    assert decode_cplane(wire).sections[0].extensions == (ext,)
    assert ext.to_bytes() == hx("0503 abc92340017fff 000000")
    # extLen 4: 3 sets when the last 28 bits are zero, else 4
    three = ModCompScalingExt(tuple(ModCompScalingSet(k, 0, k) for k in (1, 2, 3)))
    four = ModCompScalingExt(tuple(ModCompScalingSet(k, 0, k) for k in (1, 2, 3, 4)))
    assert len(three.to_bytes()) == len(four.to_bytes()) == 16
    assert decode_cplane(_st1_with(three.to_bytes().hex())).sections[0].extensions == (three,)
    assert decode_cplane(_st1_with(four.to_bytes().hex())).sections[0].extensions == (four,)
    with pytest.raises(FronthaulDecodeError, match="SE5 extLen = 1"):
        decode_cplane(_st1_with("05 01 0000"))


def test_se11_by_hand() -> None:
    # numPrbc 4, numBundPrb 2 -> 2 bundles of 1 weight, 16 bit: 3 + 3 + 6 + 6 = 18 -> 20 bytes
    body = "0b 0005 00 02 00" + "0001 000a fff6" + "8002 0000 0000" + "0000"
    ext = FlexibleBfwExt(num_bund_prb=2, bfw_comp_hdr=BfwCompHdr(16, 0), bundles=(
        BfwBundle(beam_id=1, bfw_i=(10,), bfw_q=(-10,)),
        BfwBundle(beam_id=2, cont_ind=1, bfw_i=(0,), bfw_q=(0,))))
    assert ext.to_bytes() == hx(body)
    wire = _st1_with(body, num_prbc=4)
    cfg = CPlaneConfig(num_weights_per_bundle=1)
    assert decode_cplane(wire, cfg).sections[0].extensions == (ext,)
    assert decode_cplane(wire).sections[0].extensions == (ext,)        # L inferred


def test_se11_with_all_prbs_needs_the_carrier_size() -> None:
    ext = FlexibleBfwExt(num_bund_prb=100, disable_bfws=1,
                         bundles=(BfwBundle(1), BfwBundle(2), BfwBundle(3)))   # 273 -> 3 bundles
    wire = _st1_with(ext.to_bytes().hex(), num_prbc=0)
    assert decode_cplane(wire, CPlaneConfig(n_prb_carrier=273)).sections[0].extensions == (ext,)
    with pytest.raises(FronthaulDecodeError, match="n_prb_carrier"):
        decode_cplane(wire)


def test_se12_and_raw_by_hand() -> None:
    se12 = NonContiguousPrbRangesExt(ranges=((2, 3), (10, 5)), symbol_mask=0x00FF, priority=2)
    assert se12.to_bytes(last=False) == hx("8c02 80ff 0203 0a05")
    raw = RawExtension(13, hx("1234"))                       # SE13 is not parsed: kept verbatim
    wire = _st1_with("8c02 80ff 0203 0a05" + "0d01 1234")
    assert decode_cplane(wire).sections[0].extensions == (se12, raw)


# --- numPrbc = 0 and PRB ranges ---------------------------------------------------------------


def test_num_prbc_zero_means_all_prbs() -> None:
    sec = Section1(section_id=1, num_prbc=0)
    assert sec.prb_count(273) == 273 and Section1(section_id=1, num_prbc=5).prb_count(273) == 5
    wire = encode_cplane(CPlaneMessage(eaxc_id=0, timing=DL, section_type=1, sections=(sec,)))
    assert decode_cplane(wire, CPlaneConfig(n_prb_carrier=273)).sections[0].num_prbc == 0


def test_prb_range_checked_against_carrier() -> None:
    ok = Section1(section_id=1, start_prbc=263, num_prbc=10)
    bad = Section1(section_id=1, start_prbc=270, num_prbc=10)
    every_other = Section1(section_id=1, start_prbc=260, num_prbc=7, rb=1)   # 260 + 12 = 272
    cfg = CPlaneConfig(n_prb_carrier=273)
    for sec in (ok, every_other):
        wire = encode_cplane(CPlaneMessage(eaxc_id=0, timing=DL, section_type=1, sections=(sec,)))
        assert decode_cplane(wire, cfg).sections == (sec,)
    wire = encode_cplane(CPlaneMessage(eaxc_id=0, timing=DL, section_type=1, sections=(bad,)))
    with pytest.raises(FronthaulDecodeError, match="exceed the carrier"):
        decode_cplane(wire, cfg)


# --- errors -----------------------------------------------------------------------------------


SEC = "01010000 00100001 fff1"


@pytest.mark.parametrize("payload_hex, reason", [
    ("0001 0000 90032040 01010000", "fragmented"),
    ("0001 0080 a0032040 01010000", "payloadVersion"),
    ("0001 0080 90032040 01020000", "sectionType = 2"),
    ("0001 0080 90032040 01040000", "sectionType = 4"),
    ("0001 0080 90032040 01010000 00100001 fff00000", "numSymbol = 0"),
    ("0001 0080 90032040 01010000 00100001 ffff0000", "numSymbol = 15"),
    ("0001 0080 9003a040 01010000", "subframe_id"),
    ("0001 0080 9003204e 01010000", "start_symbol_id"),
    ("0001 0080 90032040 01010000 00100001 fff10000 00", "1 bytes left"),
    ("0001 0080 90032040 02010000 00100001 fff10000", "truncated section 1"),
    ("0001 0080 90032040" + SEC + "8000 0100 0000", "extLen = 0"),
    ("0001 0080 90032040" + SEC + "8000 0001 0000", "extType = 0"),
    ("0001 0080 90032040" + SEC + "8000 0602 0000", "extension 6"),
    ("0001 0080 90032040" + SEC + "8000 0602 0000 0000 0000", "rbg_size"),
    ("0001 0080 90032040" + SEC + "8000 0101 0000", "too short"),
    ("0001 0080 90032040 00070000", "LAA"),
    ("0001 0080 90032040 01", "truncated sectionType"),
])
def test_decode_errors(payload_hex: str, reason: str) -> None:
    with pytest.raises(FronthaulDecodeError, match=reason):
        decode_cplane(ecpri(payload_hex))


@pytest.mark.parametrize("wire_hex, reason", [
    ("1002 0005 0001008090", "truncated"),
    ("1002 0010 0001008090032040 01010000", "ecpriPayload = 16"),
    ("1000 000c 0001008090032040 01010000", "ecpriMessage = 0"),
    ("1102 000c 0001008090032040 01010000", "concatenated"),
])
def test_decode_errors_of_the_ecpri_layer(wire_hex: str, reason: str) -> None:
    with pytest.raises(FronthaulDecodeError, match=reason):
        decode_cplane(hx(wire_hex))


def test_encoder_rejects_bad_messages() -> None:
    sec = Section1(section_id=1)
    with pytest.raises(ValueError, match="time_offset is not part of section type 1"):
        CPlaneMessage(eaxc_id=0, timing=DL, section_type=1, sections=(sec,), time_offset=5)
    with pytest.raises(TypeError, match="needs Section3"):
        CPlaneMessage(eaxc_id=0, timing=DL, section_type=3, sections=(sec,))
    with pytest.raises(ValueError, match="e_bit = 1"):
        CPlaneMessage(eaxc_id=0, timing=DL, section_type=1, sections=(sec,), seq=SeqId(0, 0))
    with pytest.raises(ValueError, match="section_type"):
        CPlaneMessage(eaxc_id=0, timing=DL, section_type=2)
    with pytest.raises(ValueError, match="beam_id"):
        Section1(section_id=1, beam_id=1 << 15)
    with pytest.raises(ValueError, match="freq_offset"):
        Section3(section_id=1, freq_offset=1 << 23)
    with pytest.raises(ValueError, match="num_symbol"):
        Section1(section_id=1, num_symbol=0)
    with pytest.raises(ValueError, match="bfw_i"):
        BeamformingWeightsExt(BfwCompHdr(9, 1), bfw_i=(256,), bfw_q=(0,), bfw_comp_param=0)
    with pytest.raises(ValueError, match="bfw_comp_param is required"):
        BeamformingWeightsExt(BfwCompHdr(9, 1), bfw_i=(1,), bfw_q=(0,))
    with pytest.raises(ValueError, match="indistinguishable"):
        ModCompScalingExt(tuple(ModCompScalingSet(k, 0, k) for k in (1, 2, 3, 0)))
    with pytest.raises(ValueError, match="multiple of 4"):
        RawExtension(13, b"\x00")
    with pytest.raises(ValueError, match="n_fft"):
        frame_structure(1000, 1)


# --- round trips ------------------------------------------------------------------------------


@settings(max_examples=150, deadline=None)
@given(cplane_messages())
def test_round_trip_every_section_type_and_extension(msg: CPlaneMessage) -> None:
    wire = encode_cplane(msg)
    assert int.from_bytes(wire[2:4], "big") == len(wire) - 4
    assert decode_cplane(wire, CFG) == msg
    assert decode_cplane(wire + bytes(17), CFG) == msg


# --- beamforming weight values ----------------------------------------------------------------


@settings(max_examples=100, deadline=None)
@given(st.lists(st.tuples(st.integers(-32768, 32767), st.integers(-32768, 32767)), min_size=1,
                max_size=8), st.integers(2, 16))
def test_bfp_weights_against_brute_force(pairs: list[tuple[int, int]], width: int) -> None:
    """Annex A.1: the exponent is the smallest e >= 0 for which every floor(x / 2^e) fits w bits."""
    exponent, bfw_i, bfw_q = bfp_compress_weights(torch.tensor(pairs), width)
    flat = [v for p in pairs for v in p]
    lo, hi = -(1 << (width - 1)), (1 << (width - 1)) - 1
    best = next(e for e in range(17) if all(lo <= v >> e <= hi for v in flat))
    assert exponent == best
    assert list(bfw_i) == [p[0] >> best for p in pairs]
    assert list(bfw_q) == [p[1] >> best for p in pairs]
    values = bfw_values(BfwCompHdr(width, 1), bfw_i, bfw_q, exponent)
    err = torch.tensor([complex(*p) for p in pairs]) - values
    assert bool((err.real >= 0).all() and (err.real < 2 ** exponent).all())     # floor error
    ext = BeamformingWeightsExt(BfwCompHdr(width, 1), bfw_i=bfw_i, bfw_q=bfw_q,
                                bfw_comp_param=exponent)
    msg = CPlaneMessage(eaxc_id=0, timing=DL, section_type=1,
                        sections=(Section1(section_id=0, extensions=(ext,)),))
    cfg = CPlaneConfig(num_bf_antennas=len(pairs))
    assert decode_cplane(encode_cplane(msg), cfg).sections[0].extensions == (ext,)
