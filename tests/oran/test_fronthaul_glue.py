"""The endpoints' slot-path shortcuts against their general paths: a received block whose
eAxC runs continue their flows (counted per flow at once), the slot buffer's compiled flag
passes, the kept BFP view of the last grid and the grid-shaped decompression -- the same
counters, stored bytes, grids and messages as the per-message / numpy / fresh paths."""

from __future__ import annotations

import numpy as np
import pytest
import torch
from hypothesis import given, settings
from hypothesis import strategies as st

from softran.oran import decompress_prb_bytes
from softran.oran.compression import compress_prb_bytes
from softran.oran.counters import RxCounters
from softran.oran.endpoints import FULL_SCALE_12DB, ODU, ORU, FronthaulConfig
from softran.oran.endpoints.endpoint import SlotBuffer

CFG = FronthaulConfig(n_prb=24, eaxc_ids=(0x10, 0x11), method="bfp", width=9)


class _Null:
    def send(self, data: bytes) -> None:
        pass

    def recv(self, timeout: float | None = None) -> None:
        return None


def _grid(seed: int) -> torch.Tensor:
    g = torch.randn(2, 14, 288, dtype=torch.complex64,
                    generator=torch.Generator().manual_seed(seed))
    return g * (0.1 * FULL_SCALE_12DB)


def _slots(n: int) -> list[tuple[list[bytes], list[bytes]]]:
    """(C-plane PDUs, U-plane PDUs) of n downlink slots, Sequence IDs running on."""
    odu = ODU(CFG, _Null())
    out = []
    for i in range(n):
        pdus = [p for _, p, _ in odu.slot_packets(_grid(i), 7, i // 2, i % 2)]
        out.append(([p for p in pdus if p[1] == 2], [p for p in pdus if p[1] == 0]))
    return out


def _bad_eaxc(pdu: bytes) -> bytes:
    return pdu[:4] + (0x99).to_bytes(2, "big") + pdu[6:]


def _scenario(name: str) -> list[list[bytes]]:
    """Blocks of one PDU size each, as a UDP GRO receive hands them over."""
    s = _slots(12 if name == "wrap" else 5)
    c, u = [x[0] for x in s], [x[1] for x in s]
    if name == "in-order":
        return [b for i in range(5) for b in (c[i], u[i])]
    if name == "lost-first":            # a slot without its first symbol (both eAxC): a gap
        return [c[0], u[0], c[1], u[1][2:], c[2], u[2], c[3], u[3], c[4], u[4]]
    if name == "lost-middle":           # a hole inside a run: not consecutive
        return [c[0], u[0], c[1], u[1][:9] + u[1][10:], c[2], u[2], c[3], u[3], c[4], u[4]]
    if name == "duplicate-slot":        # a slot again, and a run repeating one message
        return [c[0], u[0], c[1], u[1], c[2], u[2], u[1], c[3], u[3] + u[3][-1:],
                c[4], u[4]]
    if name == "out-of-order":          # slot 3 before slot 2
        return [c[0], u[0], c[1], u[1], c[3], u[3], c[2], u[2], c[4], u[4]]
    if name == "malformed-row":         # an unknown eAxC inside a slot's run
        return [c[0], u[0], c[1], u[1][:5] + [_bad_eaxc(u[1][5])] + u[1][6:], c[2], u[2],
                c[3], u[3], c[4], u[4]]
    if name == "one-eaxc":              # each eAxC's messages of a slot as a block of its own
        return [c[0], u[0]] + [b for i in range(1, 5)
                               for b in (c[i], u[i][0::2], u[i][1::2])]
    if name == "wrap":                  # 154 Sequence IDs ahead: behind, modulo 256
        return [c[0], u[0], c[11], u[11], c[1], u[1]]
    raise AssertionError(name)


SCENARIOS = ("in-order", "lost-first", "lost-middle", "duplicate-slot", "out-of-order",
             "malformed-row", "one-eaxc", "wrap")


@pytest.mark.parametrize("name", SCENARIOS)
def test_blocks_have_the_effect_of_the_full_decoder(name: str,
                                                    monkeypatch: pytest.MonkeyPatch) -> None:
    blocks = _scenario(name)
    general: list[int] = []
    observe_many = RxCounters.observe_many

    def spy(self: RxCounters, sequence_ids: list[int], n_bytes: int) -> list[bool]:
        general.append(len(sequence_ids))
        return observe_many(self, sequence_ids, n_bytes)

    monkeypatch.setattr(RxCounters, "observe_many", spy)
    a = ORU(CFG, _Null(), max_slots=3)
    b = ORU(CFG, _Null(), max_slots=3)
    b.block_decoding = False
    for pdus in blocks:
        a.handle_batch([(b"".join(pdus), len(pdus[0]))], arrival_ns=0)
        for p in pdus:
            b.handle(p, arrival_ns=0)
    assert a.counters == b.counters
    assert list(a._slots) == list(b._slots)
    for key, buf in a._slots.items():
        other = b._slots[key]
        for field in ("raw", "received", "expected", "cplane_seen"):
            assert (getattr(buf, field) == getattr(other, field)).all(), (key, field)
        assert torch.equal(a.downlink_grid(*key[1:]), b.downlink_grid(*key[1:]))
    a.close_slots()
    b.close_slots()
    assert a.counters == b.counters
    totals = a.counters.totals()
    # the general path (observe_many per flow of a run) only for the first slot (flows not
    # seen before) and the runs that do not continue their flows in order
    want = {"in-order": 2, "lost-first": 2, "lost-middle": 4, "duplicate-slot": 6,
            "out-of-order": 4, "malformed-row": 6, "one-eaxc": 2, "wrap": 4}[name]
    assert len(general) == want, general
    if name == "lost-first":
        assert totals["rx_U_lost"] == 2 and totals["prbs_missing"] == 2 * 24
    if name == "duplicate-slot":
        assert totals["rx_U_duplicates"] == 28 + 1
    if name == "out-of-order":
        assert totals["rx_U_out_of_order"] == 28


@settings(max_examples=200, deadline=None)
@given(st.lists(st.tuples(st.integers(0, 3), st.integers(0, 3), st.integers(0, 16),
                          st.integers(0, 16), st.integers(0, 30), st.integers(0, 30)),
                max_size=5),
       st.integers(0, 2 ** 32 - 1))
def test_slot_buffer_flags_are_the_numpy_slices(
        marks: list[tuple[int, int, int, int, int, int]], seed: int) -> None:
    """announce, the stale fix-up of raw and clear: the numpy slice assignments, copyto and
    fills they replace (ranges past the end clipped as slices are)."""
    buf = SlotBuffer(CFG)
    rng = np.random.default_rng(seed)
    buf.store_target()[...] = rng.integers(0, 256, buf.raw.shape, dtype=np.uint8)
    buf.clear(CFG)                                    # stale: what was written is old
    got = rng.random(buf.received.shape) < 0.7
    buf.received[...] = got
    fresh = rng.integers(0, 256, buf.raw.shape, dtype=np.uint8)
    buf.store_target()[got] = fresh[got]
    expected = np.zeros_like(buf.expected)
    seen = np.zeros_like(buf.cplane_seen)
    for k0, dk, l0, n_sym, p0, n in marks:
        buf.announce(k0, k0 + dk, l0, n_sym, p0, n)
        expected[k0:k0 + dk, l0:l0 + n_sym, p0:p0 + n] = True
        seen[k0:k0 + dk] = True
    assert (buf.expected == expected).all() and (buf.cplane_seen == seen).all()
    zero = np.frombuffer(CFG.zero_prb(), dtype=np.uint8)
    want = np.where(got[..., None], fresh, zero)
    assert (buf.raw == want).all()
    buf.clear(CFG)
    assert not (buf.received.any() or buf.expected.any() or buf.cplane_seen.any())
    assert (buf.raw == zero).all()
    with pytest.raises(ValueError, match="l0 = -1"):
        buf.announce(0, 1, -1, 2, 0, 3)


def test_kept_grid_view_follows_the_grid() -> None:
    """The BFP view of the last grid is taken again only while it is that grid's memory as
    it is: writes in place, new memory (``.data``), a conjugate view give the bytes a fresh
    O-DU builds from a copy of the grid."""
    odu = ODU(CFG, _Null())
    g = _grid(1)

    def same(slot: int) -> None:
        fresh = ODU(CFG, _Null())
        for _ in range(slot + 1):                    # the same Sequence IDs
            want = fresh.slot_block(g.clone().resolve_conj(), 0, 0, 0)
        got = odu.slot_block(g, 0, 0, 0)
        assert (got.block == want.block).all() and got.packets == want.packets

    same(0)
    same(1)                                          # the kept view
    g[1, 3, 5:9] = 0.2 * FULL_SCALE_12DB             # in place: the version moves on
    same(2)
    g.data = _grid(2)                                # other memory under the same tensor
    same(3)
    g = g.conj()                                     # a conjugate view: not the kept grid
    same(4)
    odu.close()


@pytest.mark.parametrize(("method", "width"), [("bfp", 9), ("bfp", 14), ("none", 16),
                                                ("block-scaling", 8), ("mu-law", 8)])
def test_grid_shaped_decompression_is_the_reshape(method: str, width: int) -> None:
    iq = _grid(5).reshape(2, 14, 24, 12)
    octets = compress_prb_bytes(iq, method, width, full_scale=FULL_SCALE_12DB)
    want = decompress_prb_bytes(octets, method, width, full_scale=FULL_SCALE_12DB)
    got = decompress_prb_bytes(octets, method, width, full_scale=FULL_SCALE_12DB, grid=True)
    assert got.shape == (2, 14, 288) and torch.equal(got, want.reshape(2, 14, 288))
    with pytest.raises(TypeError, match="n_prb"):
        decompress_prb_bytes(octets[0, 0, 0], method, width, grid=True)


@pytest.mark.parametrize("chunks", [[(0, 24)], [(0, 10), (10, 14)]])
def test_row_major_encoder_is_one_encoder_per_row(chunks: list[tuple[int, int]]) -> None:
    """UPlaneSlotEncoder(row_major=True) of eAxC rows (1, 0): the messages of an encoder of
    row 1 then of row 0, byte for byte -- encode, encode_block and the fused BFP pass."""
    from softran.oran import UdCompHdr, UPlaneFormat, UPlaneSlotEncoder

    fmt = UPlaneFormat(static_comp_hdr=UdCompHdr(9, 1), n_prb_carrier=24)
    g = _grid(7)
    raw = compress_prb_bytes(g.reshape(2, 14, 24, 12), "bfp", 9, full_scale=FULL_SCALE_12DB)
    x = g.numpy().view(np.float32).reshape(2, 14, 24, 24)
    symbols = [2, 3, 9]

    def enc(rows: list[int], row_major: bool = False) -> UPlaneSlotEncoder:
        return UPlaneSlotEncoder(raw.shape, [[0x10, 0x11][r] for r in rows], rows, symbols,
                                 chunks, section_id=1, direction=0, fmt=fmt,
                                 row_major=row_major)

    both = enc([1, 0], row_major=True)
    one, zero = enc([1]), enc([0])
    want = one.encode(raw, 5, 1, 0, [250]) + zero.encode(raw, 5, 1, 0, [3])
    assert both.encode(raw, 5, 1, 0, [250, 3]) == want
    if len(chunks) == 1:
        rows = both.encode_block(raw, 5, 1, 0, [250, 3])
        assert [r.tobytes() for r in rows] == want
        fused = both.encode_bfp_block(x, 2.0 ** 15 / FULL_SCALE_12DB, 9, False, 5, 1, 0,
                                      [250, 3])
        assert fused is not None and [r.tobytes() for r in fused] == want
