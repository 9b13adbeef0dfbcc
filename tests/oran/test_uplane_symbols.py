"""encode_uplane_symbols: the batch U-plane encoder against encode_uplane, message by message
(O-RAN.WG4.CUS.0 clause 8.3)."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from softran.oran.ecpri import SeqId
from softran.oran.radio_header import TimingHeader, UdCompHdr
from softran.oran.uplane import (
    UPlaneFormat,
    UPlaneMessage,
    UPlaneSection,
    decode_uplane,
    encode_uplane,
    encode_uplane_symbols,
)


def reference(raw, eaxc_ids, timings, chunks, seq_start, section_id, hdr, fmt):
    """The same messages through encode_uplane, in the documented order."""
    seq = list(seq_start)
    out = []
    for t in timings:
        for k, e in enumerate(eaxc_ids):
            for p0, num in chunks:
                n = num or fmt.n_prb_carrier
                sec = UPlaneSection(section_id=section_id, start_prbu=p0, num_prbu=num,
                                    prb_payload=raw[k, t.start_symbol_id, p0:p0 + n].tobytes(),
                                    ud_comp_hdr=hdr)
                out.append(encode_uplane(UPlaneMessage(eaxc_id=e, timing=t, sections=(sec,),
                                                       seq=SeqId(seq[k])), fmt))
                seq[k] = (seq[k] + 1) % 256
    return out


@settings(max_examples=40, deadline=None)
@given(data=st.data(), n_eaxc=st.integers(1, 3), dynamic=st.booleans(),
       method=st.sampled_from([(16, 0), (9, 1), (8, 3), (14, 2)]),
       n_prb=st.integers(1, 300), section_id=st.integers(0, 0xFFF))
def test_same_bytes_as_encode_uplane(data, n_eaxc, dynamic, method, n_prb, section_id) -> None:
    hdr = UdCompHdr(*method)
    fmt = UPlaneFormat(ud_comp_hdr_present=dynamic, static_comp_hdr=hdr, n_prb_carrier=n_prb)
    bpp = fmt.bytes_per_prb(hdr if dynamic else None)
    rng = np.random.default_rng(data.draw(st.integers(0, 2**32 - 1)))
    raw = rng.integers(0, 256, (n_eaxc, 14, n_prb, bpp), dtype=np.uint8)
    symbols = data.draw(st.lists(st.integers(0, 13), min_size=1, max_size=4, unique=True))
    timings = [TimingHeader(data.draw(st.integers(0, 1)), data.draw(st.integers(0, 255)),
                            data.draw(st.integers(0, 9)), data.draw(st.integers(0, 3)), l)
               for l in symbols]
    # chunks: the whole carrier (numPrbu 0 above 255 PRBs) or pieces of at most 255 PRBs
    if n_prb > 255 or data.draw(st.booleans()):
        chunks = [(p0, min(255, n_prb - p0)) for p0 in range(0, n_prb, 255)]
        if n_prb > 255 and data.draw(st.booleans()):
            chunks = [(0, 0)]
    else:
        chunks = [(0, n_prb)]
    eaxc_ids = data.draw(st.lists(st.integers(0, 0xFFFF), min_size=n_eaxc, max_size=n_eaxc))
    seq_start = data.draw(st.lists(st.integers(0, 255), min_size=n_eaxc, max_size=n_eaxc))
    dyn = hdr if dynamic else None
    got = encode_uplane_symbols(raw, eaxc_ids, timings, chunks, seq_start,
                                section_id=section_id, ud_comp_hdr=dyn, fmt=fmt)
    want = reference(raw, eaxc_ids, timings, chunks, seq_start, section_id, dyn, fmt)
    assert got == want
    assert decode_uplane(got[-1], fmt).eaxc_id == eaxc_ids[-1]


def test_bad_inputs_name_what_is_wrong() -> None:
    fmt = UPlaneFormat(n_prb_carrier=10)
    raw = np.zeros((1, 14, 10, 48), dtype=np.uint8)
    t = [TimingHeader(1, 0, 0, 0, 3)]
    with pytest.raises(ValueError, match="bytes per PRB"):
        encode_uplane_symbols(raw[..., :40], [1], t, [(0, 10)], [0], section_id=1, fmt=fmt)
    with pytest.raises(ValueError, match=r"chunks\[0\]: PRBs 5\.\.14 exceed the carrier"):
        encode_uplane_symbols(raw, [1], t, [(5, 10)], [0], section_id=1, fmt=fmt)
    with pytest.raises(ValueError, match="ud_comp_hdr must be None"):
        encode_uplane_symbols(raw, [1], t, [(0, 10)], [0], section_id=1,
                              ud_comp_hdr=UdCompHdr(16, 0), fmt=fmt)
    with pytest.raises(ValueError, match="eaxc_ids and seq_start"):
        encode_uplane_symbols(raw, [1, 2], t, [(0, 10)], [0], section_id=1, fmt=fmt)
    with pytest.raises(ValueError, match="raw must be uint8"):
        encode_uplane_symbols(raw.astype(np.int16), [1], t, [(0, 10)], [0], section_id=1,
                              fmt=fmt)
    with pytest.raises(ValueError, match="section_id"):
        encode_uplane_symbols(raw, [1], t, [(0, 10)], [0], section_id=4096, fmt=fmt)


@settings(max_examples=30, deadline=None)
@given(st.integers(0, 2**32 - 1), st.booleans(), st.sampled_from([
    [(0, 0)], [(0, 10), (10, 10)], [(2, 5), (12, 3), (15, 5)]]), st.sampled_from([
        [0], [1], [0, 1, 2], [2, 0]]), st.lists(st.integers(0, 13), min_size=1, max_size=5,
                                                 unique=True))
def test_slot_encoder_equals_the_reference_slot_after_slot(seed: int, dynamic: bool,
                                                           chunks, rows, symbols) -> None:
    """UPlaneSlotEncoder rewrites only Sequence IDs, timing and PRB bytes: every slot's
    messages are byte for byte those of encode_uplane (new raw bytes, timing and Sequence
    IDs each slot, wrapping past 255)."""
    from softran.oran.uplane import UPlaneSlotEncoder

    rng = np.random.default_rng(seed)
    hdr = UdCompHdr(9, 1) if dynamic else None
    fmt = UPlaneFormat(ud_comp_hdr_present=dynamic, static_comp_hdr=UdCompHdr(9, 1),
                       n_prb_carrier=20)
    ids = [0x10, 0x2A1, 7]
    enc = UPlaneSlotEncoder((3, 14, 20, 28), [ids[r] for r in rows], rows, symbols, chunks,
                            section_id=5, direction=0, ud_comp_hdr=hdr, fmt=fmt)
    for _ in range(3):
        raw = rng.integers(0, 256, (3, 14, 20, 28), dtype=np.uint8)
        f, sf, s = (int(v) for v in rng.integers(0, [256, 10, 2]))
        seq = [int(v) for v in rng.integers(240, 256, len(rows))]
        timings = TimingHeader(0, f, sf, s).with_symbols(symbols)
        want = reference(raw[rows], [ids[r] for r in rows], timings, chunks, seq, 5, hdr, fmt)
        assert enc.encode(raw, f, sf, s, seq) == want


def test_slot_encoder_checks_its_input() -> None:
    from softran.oran.uplane import UPlaneSlotEncoder

    enc = UPlaneSlotEncoder((1, 14, 4, 28), [0], [0], [0, 1], [(0, 4)], section_id=1,
                            direction=1, fmt=UPlaneFormat(static_comp_hdr=UdCompHdr(9, 1)))
    with pytest.raises(ValueError, match="raw must be uint8 of shape"):
        enc.encode(np.zeros((1, 14, 4, 27), np.uint8), 0, 0, 0, [0])
    with pytest.raises(ValueError, match="seq_start"):
        enc.encode(np.zeros((1, 14, 4, 28), np.uint8), 0, 0, 0, [256])
    with pytest.raises(ValueError, match="subframe_id"):
        enc.encode(np.zeros((1, 14, 4, 28), np.uint8), 0, 10, 0, [0])
    with pytest.raises(ValueError, match="rows"):
        UPlaneSlotEncoder((1, 14, 4, 28), [0], [1], [0], [(0, 4)], section_id=1, direction=1)
