"""Header fields of many U-plane messages at once: the same fields as decode_uplane, and a
plain message is exactly one the endpoints' full decoder accepts with one rb = 0 section."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from softran.oran import (
    FronthaulDecodeError,
    TimingHeader,
    UdCompHdr,
    UPlaneBlockParser,
    UPlaneFormat,
    decode_uplane,
    eaxc_lookup,
    fill_uplane_block,
    parse_uplane_block,
)
from softran.oran.uplane import encode_uplane_symbols
from softran.oran.uplane_block import store_uplane_block

FMT = UPlaneFormat(static_comp_hdr=UdCompHdr(9, 1), n_prb_carrier=20)
LOOKUP = eaxc_lookup([0x10, 0x11])


def _parse(block: np.ndarray, direction: int = 1) -> np.ndarray:
    return parse_uplane_block(block, prb_bytes=28, n_prb_carrier=20, slots_per_subframe=2,
                              n_symbols=14, direction=direction, lookup=LOOKUP)


def _messages(chunks: list[tuple[int, int]]) -> list[bytes]:
    raw = np.random.default_rng(1).integers(0, 256, (2, 14, 20, 28), dtype=np.uint8)
    timings = TimingHeader(1, 200, 9, 1).with_symbols([0, 7, 13])
    return encode_uplane_symbols(raw, [0x10, 0x11], timings, chunks, [250, 3], section_id=5,
                                 fmt=FMT)


def test_fields_are_those_of_decode_uplane() -> None:
    pdus = _messages([(0, 10), (10, 10)])
    block = np.frombuffer(b"".join(pdus), dtype=np.uint8).reshape(len(pdus), -1)
    f = _parse(block)
    for row, pdu in zip(f, pdus, strict=True):
        m = decode_uplane(pdu, FMT)
        s = m.sections[0]
        assert row.tolist()[:9] == [1, [0x10, 0x11].index(m.eaxc_id), m.seq.sequence_id,
                                    m.timing.frame_id, m.timing.subframe_id, m.timing.slot_id,
                                    m.timing.start_symbol_id, s.start_prbu, s.num_prbu]
    # one run per slot and PRB range: the two chunks alternate
    assert len(set(f[:, 9].tolist())) == 2 and (f[0::2, 9] == f[0, 9]).all()
    assert (_parse(block, direction=0)[:, 0] == 0).all()     # uplink expected: none plain


@settings(max_examples=100, deadline=None)
@given(st.lists(st.tuples(st.integers(0, 11), st.integers(0, 16 + 10 * 28 - 1),
                          st.integers(0, 255)), max_size=6))
def test_parser_is_parse_uplane_block_cut_into_runs(
        changes: list[tuple[int, int, int]]) -> None:
    """UPlaneBlockParser: the fields of parse_uplane_block and the boundaries where the run
    key changes (worked out here with numpy), with some bytes of some messages changed."""
    block = np.frombuffer(b"".join(_messages([(0, 10), (10, 10)])[:6] * 2),
                          dtype=np.uint8).reshape(12, -1).copy()
    block[6:, 11] ^= 0x40                                 # the second half: another slot
    for r, pos, value in changes:
        block[r, pos] = value
    parser = UPlaneBlockParser(prb_bytes=28, n_prb_carrier=20, slots_per_subframe=2,
                               n_symbols=14, direction=1, lookup=LOOKUP)
    for m in (12, 5, 1, 0):
        fields, cuts = parser(block[:m])
        want = _parse(block[:m])
        run = want[:, 9]
        assert (fields == want).all()
        assert cuts == [0, *(np.flatnonzero(run[1:] != run[:-1]) + 1).tolist(), m] if m \
            else cuts == [0]
    with pytest.raises(TypeError, match="block"):
        parser(block[0])


@settings(max_examples=100, deadline=None)
@given(st.lists(st.integers(0, 11), max_size=12),
       st.lists(st.tuples(st.integers(0, 11), st.integers(0, 15), st.integers(0, 255)),
                max_size=4))
def test_parse_summarises_each_eaxc_of_the_plain_messages(
        order: list[int], changes: list[tuple[int, int, int]]) -> None:
    """UPlaneBlockParser.parse: per eAxC index, the number of plain messages, the first one's
    Sequence ID and whether their Sequence IDs step by one (mod 256), worked out here from the
    fields, for messages in any order (repeats, gaps) with some header bytes changed."""
    pdus = _messages([(0, 20)]) * 2                           # 6 messages, twice
    block = np.frombuffer(b"".join(pdus), dtype=np.uint8).reshape(12, -1).copy()
    block[6:, 6] += 3                                         # the second half: 3 later
    block = block[order].copy() if order else block
    for r, pos, value in changes:
        if r < block.shape[0]:
            block[r, pos] = value
    parser = UPlaneBlockParser(prb_bytes=28, n_prb_carrier=20, slots_per_subframe=2,
                               n_symbols=14, direction=1, lookup=LOOKUP)
    fields, cuts, flows = parser.parse(block)
    assert (fields == _parse(block)).all() and (fields, cuts)[1] == parser(block)[1]
    want = []
    for k in range(2):
        seq = [int(f[2]) for f in fields if f[0] == 1 and f[1] == k]
        want.append([len(seq), seq[0] if seq else 0,
                     int(all((b - a) % 256 == 1 for a, b in zip(seq, seq[1:])))])
    assert flows == want


@settings(max_examples=300, deadline=None)
@given(st.integers(0, 16 + 10 * 28 - 1), st.integers(0, 255))
def test_a_changed_byte_is_plain_only_if_the_full_decoder_accepts_it(pos: int,
                                                                      value: int) -> None:
    pdu = bytearray(_messages([(0, 10)])[0])
    pdu[pos] = value
    f = _parse(np.frombuffer(bytes(pdu), dtype=np.uint8).reshape(1, -1))[0]
    try:
        m = decode_uplane(bytes(pdu), FMT)
        t = m.timing
        accepted = (t.data_direction == 1 and m.eaxc_id in (0x10, 0x11) and t.slot_id < 2
                    and len(m.sections) == 1 and m.sections[0].rb == 0
                    and pdu[0] == 0x10 and int.from_bytes(pdu[2:4], "big") == len(pdu) - 4)
    except FronthaulDecodeError:
        accepted = False
    assert bool(f[0]) == accepted
    if accepted:
        assert f[1:9].tolist() == [[0x10, 0x11].index(m.eaxc_id), m.seq.sequence_id,
                                   t.frame_id, t.subframe_id, t.slot_id, t.start_symbol_id,
                                   m.sections[0].start_prbu, m.sections[0].num_prbu]


def test_fill_is_encode_uplane_symbols_and_bad_arguments() -> None:
    raw = np.random.default_rng(2).integers(0, 256, (1, 14, 20, 28), dtype=np.uint8)
    t = TimingHeader(1, 1, 2, 0).with_symbols([4])
    want = encode_uplane_symbols(raw, [7], t, [(3, 5)], [9], section_id=1, fmt=FMT)[0]
    header = np.frombuffer(want[:16], dtype=np.uint8)
    got = fill_uplane_block(raw, np.array([4]), np.frombuffer(want[8:12], np.uint8)[None],
                            np.array([7]), np.array([[9]]), header, 3, 5)
    assert got[0, 0].tobytes() == want
    with pytest.raises(TypeError, match="block"):
        parse_uplane_block(np.zeros(5), prb_bytes=28, n_prb_carrier=20, slots_per_subframe=2,
                           n_symbols=14, direction=1, lookup=LOOKUP)
    with pytest.raises(ValueError, match="direction"):
        parse_uplane_block(np.zeros((1, 5), np.uint8), prb_bytes=28, n_prb_carrier=20,
                           slots_per_subframe=2, n_symbols=14, direction=2, lookup=LOOKUP)


def test_store_counts_the_messages_without_cplane() -> None:
    """store_uplane_block's count: the stored (kept) messages whose eAxC row has no C-plane."""
    pdus = _messages([(0, 10), (10, 10)])          # 3 symbols x 2 eAxC x 2 chunks
    block = np.frombuffer(b"".join(pdus), dtype=np.uint8).reshape(len(pdus), -1)
    f = _parse(block)
    keep = np.ones(len(pdus), bool)
    keep[:3] = False                               # rows 0, 1 (eAxC row 0), 2 (row 1)
    rows = f[:, 1]
    for seen, want in (([True, True], 0), ([False, True], int((rows[3:] == 0).sum())),
                       ([False, False], len(pdus) - 3)):
        raw = np.zeros((2, 14, 20, 28), np.uint8)
        got = np.zeros((2, 14, 20), bool)
        assert store_uplane_block(block, f, keep, raw, got, np.array(seen)) == want
        assert got.sum() == (len(pdus) - 3) * 10
    assert store_uplane_block(block, f, keep, raw, got) == 0
    with pytest.raises(TypeError, match="cplane_seen"):
        store_uplane_block(block, f, keep, raw, got, np.ones(3, bool))


@settings(max_examples=400, deadline=None)
@given(st.binary(min_size=4, max_size=4))
def test_timing_header_from_bytes_equals_the_checked_constructor(data: bytes) -> None:
    """TimingHeader.from_bytes (its unchecked fast path included) gives exactly the object
    the checking constructor gives for the same fields, and the same errors otherwise."""
    word = (data[2] << 8) | data[3]
    fields = dict(data_direction=data[0] >> 7, frame_id=data[1], subframe_id=word >> 12,
                  slot_id=(word >> 6) & 0x3F, start_symbol_id=word & 0x3F,
                  filter_index=data[0] & 0xF)
    version = (data[0] >> 4) & 7
    if version != 1 or fields["subframe_id"] > 9 or fields["start_symbol_id"] > 13:
        with pytest.raises(FronthaulDecodeError):
            TimingHeader.from_bytes(data)
        return
    h = TimingHeader.from_bytes(data)
    assert h == TimingHeader(**fields) and h.to_bytes() == data
    assert hash(h) == hash(TimingHeader(**fields))
