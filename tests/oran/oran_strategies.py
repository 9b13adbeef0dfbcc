"""Hypothesis strategies that generate valid O-RAN fronthaul messages (shared by tests/oran)."""

from __future__ import annotations

from hypothesis import strategies as st

from softran.oran import (
    BeamformingWeightsExt,
    BfwBundle,
    BfwCompHdr,
    CiCompHdr,
    CPlaneMessage,
    FlexibleBfwExt,
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
    UPlaneFormat,
    UPlaneMessage,
    UPlaneSection,
    ud_prb_bytes,
)

N_PRB_CARRIER = 273

timing_headers = st.builds(
    TimingHeader, data_direction=st.integers(0, 1), frame_id=st.integers(0, 255),
    subframe_id=st.integers(0, 9), slot_id=st.integers(0, 63),
    start_symbol_id=st.integers(0, 13), filter_index=st.integers(0, 15))

u16 = st.integers(0, 0xFFFF)


def _signed(width: int) -> st.SearchStrategy[int]:
    return st.integers(-(1 << (width - 1)), (1 << (width - 1)) - 1)


@st.composite
def se1(draw: st.DrawFn, n_weights: int) -> BeamformingWeightsExt:
    width = draw(st.integers(1, 16))
    meth = draw(st.sampled_from([0, 1, 2, 3]))
    vals = st.lists(_signed(width), min_size=n_weights, max_size=n_weights)
    return BeamformingWeightsExt(BfwCompHdr(width, meth), bfw_i=tuple(draw(vals)),
                                 bfw_q=tuple(draw(vals)),
                                 bfw_comp_param=None if meth == 0 else draw(st.integers(0, 255)))


@st.composite
def se11(draw: st.DrawFn, n_bundles: int, n_weights: int) -> FlexibleBfwExt:
    disable = draw(st.integers(0, 1))
    common = dict(rad=draw(st.integers(0, 1)), bundle_offset=draw(st.integers(0, 63)))
    if disable:
        bundles = tuple(BfwBundle(beam_id=draw(st.integers(0, 0x7FFF)),
                                  cont_ind=draw(st.integers(0, 1))) for _ in range(n_bundles))
        return bundles, dict(disable_bfws=1, **common)  # type: ignore[return-value]
    width = draw(st.integers(1, 16))
    meth = draw(st.sampled_from([0, 1, 2, 3]))
    vals = st.lists(_signed(width), min_size=n_weights, max_size=n_weights)
    bundles = tuple(BfwBundle(beam_id=draw(st.integers(0, 0x7FFF)), cont_ind=draw(st.integers(0, 1)),
                              bfw_comp_param=None if meth == 0 else draw(st.integers(0, 255)),
                              bfw_i=tuple(draw(vals)), bfw_q=tuple(draw(vals)))
                    for _ in range(n_bundles))
    return bundles, dict(disable_bfws=0, bfw_comp_hdr=BfwCompHdr(width, meth),  # type: ignore[return-value]
                         **common)


se4 = st.builds(ModCompParamsExt, csf=st.integers(0, 1), mod_comp_scaler=st.integers(0, 0x7FFF))
_set = st.builds(ModCompScalingSet, mc_scale_re_mask=st.integers(0, 0xFFF), csf=st.integers(0, 1),
                 mc_scale_offset=st.integers(0, 0x7FFF))
se5 = st.lists(_set, min_size=1, max_size=4).filter(
    lambda s: len(s) < 4 or s[3].bits() != 0).map(lambda s: ModCompScalingExt(tuple(s)))
se6 = st.builds(NonContiguousPrbExt, rbg_size=st.integers(1, 7), rbg_mask=st.integers(0, (1 << 28) - 1),
                symbol_mask=st.integers(0, (1 << 14) - 1), repetition=st.integers(0, 1),
                priority=st.integers(0, 3))
se12 = st.builds(NonContiguousPrbRangesExt,
                 ranges=st.lists(st.tuples(st.integers(0, 255), st.integers(1, 255)),
                                 max_size=6).map(tuple),
                 symbol_mask=st.integers(0, (1 << 14) - 1), priority=st.integers(0, 3))


@st.composite
def raw_ext(draw: st.DrawFn) -> RawExtension:
    ext_type = draw(st.sampled_from([2, 3, 7, 8, 9, 10, 13, 19, 20, 22, 100, 127]))
    header = 3 if ext_type in (19, 20) else 2
    words = draw(st.integers(1, 4))
    return RawExtension(ext_type, draw(st.binary(min_size=4 * words - header,
                                                 max_size=4 * words - header)))


# numbers of weights are fixed so that the decoder can be configured with them
N_BF_ANTENNAS = 4
N_WEIGHTS_PER_BUNDLE = 2


@st.composite
def extensions(draw: st.DrawFn, n_prb: int) -> tuple:
    kinds = draw(st.lists(st.sampled_from(["1", "4", "5", "6", "11", "12", "raw"]), max_size=3))
    out = []
    for kind in kinds:
        if kind == "1":
            out.append(draw(se1(N_BF_ANTENNAS)))
        elif kind == "4":
            out.append(draw(se4))
        elif kind == "5":
            out.append(draw(se5))
        elif kind == "6":
            out.append(draw(se6))
        elif kind == "12":
            out.append(draw(se12))
        elif kind == "11":
            num_bund_prb = draw(st.integers(1, 8))
            bundles, kw = draw(se11(-(-n_prb // num_bund_prb), N_WEIGHTS_PER_BUNDLE))
            out.append(FlexibleBfwExt(num_bund_prb=num_bund_prb, bundles=bundles, **kw))
        else:
            out.append(draw(raw_ext()))
    return tuple(out)


@st.composite
def prb_sections(draw: st.DrawFn, section_type: int) -> object:
    rb = draw(st.integers(0, 1))
    num = draw(st.integers(0, 40))
    start = 0 if num == 0 else draw(st.integers(0, N_PRB_CARRIER - 1 - (num - 1) * (rb + 1)))
    n_prb = num or N_PRB_CARRIER
    kw = dict(section_id=draw(st.integers(0, 4095)), start_prbc=start, num_prbc=num,
              re_mask=draw(st.integers(0, 0xFFF)), num_symbol=draw(st.integers(1, 14)), rb=rb,
              sym_inc=draw(st.integers(0, 1)), extensions=draw(extensions(n_prb)))
    if section_type == 0:
        return Section0(**kw)
    if section_type == 1:
        return Section1(beam_id=draw(st.integers(0, 0x7FFF)), **kw)
    if section_type == 3:
        return Section3(beam_id=draw(st.integers(0, 0x7FFF)),
                        freq_offset=draw(st.integers(-(1 << 23), (1 << 23) - 1)), **kw)
    return Section5(ue_id=draw(st.integers(0, 0x7FFF)), **kw)


N_TRX = 2


def st6_ci_bytes(n_prb: int, hdr: CiCompHdr) -> int:
    """Bytes of Section6.ci_payload (4-byte aligned section) for N_TRX antennas."""
    n_param = (0 if hdr.ci_comp_meth == 0 else 1) * (n_prb if hdr.ci_comp_opt else 1)
    bits = 8 * (7 + n_param) + n_prb * N_TRX * 2 * hdr.ci_iq_width
    return -(-bits // 32) * 4 - 7


@st.composite
def cplane_messages(draw: st.DrawFn, section_types: tuple[int, ...] = (0, 1, 3, 5, 6, 7)
                    ) -> CPlaneMessage:
    st_ = draw(st.sampled_from(section_types))
    common = dict(eaxc_id=draw(u16), timing=draw(timing_headers), section_type=st_,
                  seq=SeqId(draw(st.integers(0, 255))))
    if st_ == 7:
        return CPlaneMessage(sections=(LaaMessage(draw(st.integers(0, 15)), draw(st.integers(0, 15)),
                                                  draw(st.binary(max_size=16))),), **common)
    if st_ == 6:
        hdr = CiCompHdr(draw(st.integers(1, 16)), draw(st.integers(0, 3)), draw(st.integers(0, 1)))
        sections = []
        for _ in range(draw(st.integers(0, 3))):
            num = draw(st.integers(1, 6))
            sections.append(Section6(
                ue_id=draw(st.integers(0, 0x7FFF)), start_prbc=draw(st.integers(0, 200)),
                num_prbc=num, regularization_factor=draw(st.integers(-(1 << 15), (1 << 15) - 1)),
                sym_inc=draw(st.integers(0, 1)),
                ci_payload=draw(st.binary(min_size=st6_ci_bytes(num, hdr),
                                          max_size=st6_ci_bytes(num, hdr))),
                extensions=draw(extensions(num))))
        return CPlaneMessage(sections=tuple(sections), ci_comp_hdr=hdr,
                             number_of_ues=draw(st.none() | st.integers(0, 255)), **common)
    sections = tuple(draw(st.lists(prb_sections(st_), max_size=3)))
    extra: dict = {}
    if st_ in (0, 3):
        extra.update(time_offset=draw(u16), frame_structure=draw(st.integers(0, 255)),
                     cp_length=draw(u16))
    if st_ in (1, 3, 5):
        extra.update(ud_comp_hdr=UdCompHdr(draw(st.integers(1, 16)), draw(st.integers(0, 15))))
    return CPlaneMessage(sections=sections, **extra, **common)


@st.composite
def uplane_cases(draw: st.DrawFn) -> tuple[UPlaneMessage, UPlaneFormat]:
    dynamic = draw(st.booleans())
    hdrs = st.builds(UdCompHdr, ud_iq_width=st.integers(1, 16), ud_comp_meth=st.integers(0, 4))
    static = draw(hdrs)
    fmt = UPlaneFormat(ud_comp_hdr_present=dynamic, static_comp_hdr=static,
                       n_prb_carrier=N_PRB_CARRIER)
    sections = []
    for _ in range(draw(st.integers(1, 3))):
        hdr = draw(hdrs) if dynamic else None
        used = hdr or static
        rb = draw(st.integers(0, 1))
        num = draw(st.integers(0, 6))
        start = 0 if num == 0 else draw(st.integers(0, N_PRB_CARRIER - 1 - (num - 1) * (rb + 1)))
        n_bytes = (num or N_PRB_CARRIER) * ud_prb_bytes(used.ud_comp_meth, used.ud_iq_width)
        sections.append(UPlaneSection(section_id=draw(st.integers(0, 4095)), start_prbu=start,
                                      num_prbu=num, rb=rb, sym_inc=draw(st.integers(0, 1)),
                                      ud_comp_hdr=hdr,
                                      prb_payload=draw(st.binary(min_size=n_bytes,
                                                                 max_size=n_bytes))))
    msg = UPlaneMessage(eaxc_id=draw(u16), timing=draw(timing_headers), sections=tuple(sections),
                        seq=SeqId(draw(st.integers(0, 255)), draw(st.integers(0, 1)),
                                  draw(st.integers(0, 127))))
    return msg, fmt
