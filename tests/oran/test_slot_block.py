"""The slot-as-one-block paths of the fronthaul (O-RAN.WG4.CUS.0 clause 8.3, Annex A.1)
against the per-message reference: UPlaneSlotEncoder.encode_block / encode_bfp_block
against encode / compress_prb_bytes, ODU.slot_block / compressed_slot_block against
slot_packets (bytes, order, Sequence IDs, counters), UDPTransport.send_block against the
datagrams of send."""

from __future__ import annotations

import socket

import numpy as np
import pytest
import torch
from hypothesis import given, settings
from hypothesis import strategies as st

from softran.oran import _kernels
from softran.oran.compression import compress_prb_bytes, decompress_prb_bytes
from softran.oran.endpoints import ODU, ORU, FronthaulConfig, loopback_pair
from softran.oran.radio_header import UdCompHdr
from softran.oran.transport import UDPTransport
from softran.oran.uplane import UPlaneFormat, UPlaneSlotEncoder


class _Sink:
    def __init__(self) -> None:
        self.sent: list[bytes] = []

    def send(self, data: bytes) -> None:
        self.sent.append(bytes(data))

    def recv(self, timeout: float | None = None) -> None:
        return None


def _grid(shape: tuple[int, ...], seed: int, amplitude: float) -> torch.Tensor:
    g = torch.Generator().manual_seed(seed)
    return torch.randn(*shape, dtype=torch.complex64, generator=g) * amplitude


@settings(max_examples=60, deadline=None)
@given(width=st.integers(1, 16), n_prb=st.integers(1, 40), n_e=st.integers(1, 3),
       mode=st.sampled_from(["floor-shift", "round-saturate"]),
       full_scale=st.sampled_from([None, 4.0, 1.5]), seed=st.integers(0, 2 ** 16),
       l0=st.integers(0, 13), p0=st.integers(0, 5))
def test_encode_bfp_block_is_compress_then_encode(width: int, n_prb: int, n_e: int, mode: str,
                                                  full_scale: float | None, seed: int,
                                                  l0: int, p0: int) -> None:
    grid = _grid((n_e, 14, n_prb + p0, 12), seed, 0.2)
    if full_scale is None:                 # integer I/Q inside 16 bits
        grid = torch.complex(torch.round(grid.real * 20000), torch.round(grid.imag * 20000))
    raw = compress_prb_bytes(grid, "bfp", width, mode=mode, full_scale=full_scale)
    fmt = UPlaneFormat(static_comp_hdr=UdCompHdr(width, 1))
    rows = list(range(n_e))[::-1]
    enc = UPlaneSlotEncoder(raw.shape, [0x100 + k for k in rows], rows, range(l0, 14),
                            [(p0, n_prb)], section_id=1, direction=1, fmt=fmt)
    seq = [(250 + 3 * k) % 256 for k in rows]
    want = enc.encode(raw, 7, 3, 1, seq)
    assert [bytes(r) for r in enc.encode_block(raw, 7, 3, 1, seq)] == want
    x = grid.numpy().view(np.float32).reshape(n_e, 14, n_prb + p0, 24)
    scale = 0.0 if full_scale is None else 2.0 ** 15 / full_scale
    block = enc.encode_bfp_block(x, scale, width, mode == "round-saturate", 7, 3, 1, seq)
    assert block is not None and block.shape == (len(want), len(want[0]))
    assert [bytes(r) for r in block] == want


def test_encode_bfp_block_leaves_bad_values_to_the_reference() -> None:
    fmt = UPlaneFormat(static_comp_hdr=UdCompHdr(9, 1))
    enc = UPlaneSlotEncoder((1, 14, 2, 28), [0], [0], range(14), [(0, 2)], section_id=1,
                            direction=1, fmt=fmt)
    x = np.zeros((1, 14, 2, 24), np.float32)
    assert enc.encode_bfp_block(x, 2.0 ** 15, 9, False, 0, 0, 0, [0]) is not None
    x[0, 5, 1, 3] = 1.5                   # above full scale
    assert enc.encode_bfp_block(x, 2.0 ** 15, 9, False, 0, 0, 0, [0]) is None
    x[0, 5, 1, 3] = 0.5                   # not an integer, without scaling
    assert enc.encode_bfp_block(x, 0.0, 9, False, 0, 0, 0, [0]) is None
    with pytest.raises(ValueError, match="width"):
        enc.encode_bfp_block(x, 0.0, 8, False, 0, 0, 0, [0])
    with pytest.raises(ValueError, match="float32"):
        enc.encode_bfp_block(x.astype(np.float64), 0.0, 9, False, 0, 0, 0, [0])
    many = UPlaneSlotEncoder((1, 14, 4, 28), [0], [0], [0], [(0, 2), (2, 2)], section_id=1,
                             direction=1, fmt=fmt)
    assert many.block_size is None
    with pytest.raises(ValueError, match="one chunk"):
        many.encode_block(np.zeros((1, 14, 4, 28), np.uint8), 0, 0, 0, [0])


@pytest.mark.parametrize("kernels", [True, False])
@pytest.mark.parametrize("n_prb, width, mode", [(51, 9, "floor-shift"), (24, 14, "round-saturate"),
                                                (273, 9, "floor-shift")])
def test_slot_block_is_slot_packets(monkeypatch: pytest.MonkeyPatch, kernels: bool, n_prb: int,
                                    width: int, mode: str) -> None:
    """Slot after slot (the Sequence IDs wrap past 255): the same messages, in the same
    order, counted the same; 273 PRB (several messages per symbol) falls back to packets."""
    monkeypatch.setattr(_kernels, "ENABLED", kernels)
    cfg = FronthaulConfig(n_prb=n_prb, eaxc_ids=(3, 1), method="bfp", width=width,
                          bfp_mode=mode)
    fast, ref = ODU(cfg, _Sink()), ODU(cfg, _Sink())
    for i in range(20 if n_prb < 100 else 2):
        grid = _grid((2, 14, 12 * n_prb), i, 0.5)
        t = (i, i % 10, i % 2)
        m = fast.slot_block(grid, *t)
        assert (m.block is None) == (len(cfg.uplane_chunks) > 1)
        want = [p for _, p, _ in ref.slot_packets(grid, *t)]
        got = [p for _, p, _ in m.packets] + ([] if m.block is None else
                                              [bytes(r) for r in m.block])
        assert got == want and m.n_messages == len(want)
        fast.send_messages(m)
    ref2 = ODU(cfg, _Sink())
    for i in range(20 if n_prb < 100 else 2):
        ref2.send_slot(_grid((2, 14, 12 * n_prb), i, 0.5), i, i % 10, i % 2)
    assert fast.transport.sent == ref2.transport.sent
    assert fast.counters == ref2.counters


def test_slot_block_refuses_what_slot_packets_refuses() -> None:
    cfg = FronthaulConfig(n_prb=24, eaxc_ids=(0,), method="bfp", width=9)
    odu, ref = ODU(cfg, _Sink()), ODU(cfg, _Sink())
    big = torch.full((1, 14, 288), 10.0 + 0j)                 # above full scale
    for o in (odu, ref):
        with pytest.raises(ValueError, match="full scale|16-bit|exceed"):
            o.slot_packets(big, 0, 0, 0)
    with pytest.raises(ValueError, match="full scale|16-bit|exceed"):
        odu.slot_block(big, 0, 0, 0)
    with pytest.raises(ValueError, match="shape"):
        odu.slot_block(torch.zeros(1, 14, 287, dtype=torch.complex64), 0, 0, 0)
    with pytest.raises(ValueError, match="slot_id"):
        odu.slot_block(torch.zeros(1, 14, 288, dtype=torch.complex64), 0, 0, 2)
    # nothing consumed by the refusals: the next slot is numbered as the reference's
    g = torch.zeros(1, 14, 288, dtype=torch.complex64)
    m = odu.slot_block(g, 0, 0, 1)
    assert [p for _, p, _ in m.packets] + [bytes(r) for r in m.block] == \
        [p for _, p, _ in ref.slot_packets(g, 0, 0, 1)]


def _datagrams(sock: socket.socket, n: int) -> list[bytes]:
    sock.settimeout(2.0)
    return [sock.recv(65536) for _ in range(n)]


@pytest.mark.parametrize("gso", [True, False])
@pytest.mark.parametrize("m, size", [(1, 100), (28, 1444), (70, 50), (50, 1444), (3, 0)])
def test_send_block_sends_each_row_as_one_datagram(gso: bool, m: int, size: int) -> None:
    """A receiver without UDP_GRO (a real O-RU, tshark) sees each row as its own datagram;
    more than 64 rows or 65507 bytes go out in several sends."""
    rx = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    rx.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 1 << 22)
    rx.bind(("127.0.0.1", 0))
    tx = UDPTransport(0, rx.getsockname()[1])
    tx._gso = tx._gso and gso
    try:
        block = np.random.default_rng(m * 7 + size).integers(0, 256, (m, size), dtype=np.uint8)
        tx.send_block(block)
        assert _datagrams(rx, m) == [bytes(r) for r in block]
        for bad in (np.zeros((2, 4), np.int16), np.zeros((4, 4), np.uint8)[:, ::2]):
            with pytest.raises(TypeError, match="C-contiguous uint8"):
                tx.send_block(bad)
    finally:
        tx.close()
        rx.close()


def test_block_datagrams_through_gro_are_the_messages() -> None:
    """O-DU block -> O-RU with UDP_GRO: the grid and the counters (datagrams, not buffers)."""
    cfg = FronthaulConfig(n_prb=51, eaxc_ids=(0, 1), method="bfp", width=9)
    odu, oru = loopback_pair(cfg)
    try:
        grid = _grid((2, 14, 612), 3, 0.2)
        for s in range(3):
            odu.send_messages(odu.slot_block(grid * (s + 1), 1, s, 0))
            assert oru.receive(30, timeout=2.0) == 30
            assert torch.equal(oru.downlink_grid(1, s, 0), _bfp9(cfg, grid * (s + 1)))
        assert oru.counters.rx_packets == 90
        _assert_counted(odu, oru, 90)
    finally:
        odu.close()
        oru.close()


def _bfp9(cfg: FronthaulConfig, grid: torch.Tensor) -> torch.Tensor:
    """``grid`` [2, 14, 612] through the reference BFP-9 compression and decompression."""
    return decompress_prb_bytes(cfg.compress_grid_bytes(grid), "bfp", 9,
                                full_scale=cfg.full_scale).reshape(2, 14, 612)


def _assert_counted(sender: object, receiver: object, n: int) -> None:
    """``n`` datagrams counted sent by ``sender``, received by ``receiver``, none lost or
    duplicated."""
    assert sum(c.packets for c in sender.counters.tx.values()) == n
    assert sum(r.packets for r in receiver.counters.rx.values()) == n
    assert sum(r.lost + r.duplicates for r in receiver.counters.rx.values()) == 0


def test_uplink_answer_block_over_udp() -> None:
    """The O-RU's uplink answer (one block per slot, GSO) arrives at the O-DU as the
    reference's datagrams: every PRB, the grid of its compressed samples, counted per
    datagram with no loss."""
    cfg = FronthaulConfig(n_prb=51, eaxc_ids=(0, 1), method="bfp", width=9)
    ul = _grid((2, 14, 612), 5, 0.2)
    odu, oru = loopback_pair(cfg, uplink_source=lambda f, sf, s: ul * (1 + s))
    try:
        for s in range(2):
            assert odu.request_uplink(2, 0, s) == 2
            assert oru.receive(2, timeout=2.0) == 2
            assert odu.receive(28, timeout=2.0) == 28
            assert torch.equal(odu.uplink_grid(2, 0, s), _bfp9(cfg, ul * (1 + s)))
        assert odu.wait_uplink(grace=0.1) == []
        _assert_counted(oru, odu, 56)
    finally:
        odu.close()
        oru.close()


def _answers(cfg: FronthaulConfig, source, requests, *, kernels: bool, blocks: bool,
             monkeypatch: pytest.MonkeyPatch) -> tuple[list[bytes], object]:
    """The datagrams an O-RU sends in answer to the uplink C-plane of ``requests`` ((f, sf,
    s, l0, n) each), the C-plane of one request handled as one batch (or PDU by PDU)."""
    monkeypatch.setattr(_kernels, "ENABLED", kernels)
    odu = ODU(cfg, _Sink())
    oru = ORU(cfg, _Sink(), uplink_source=source)
    oru.block_decoding = blocks
    for f, sf, s, l0, n in requests:
        odu.transport.sent.clear()
        odu.request_uplink(f, sf, s, start_symbol=l0, num_symbols=n)
        pdus = odu.transport.sent
        if blocks:
            oru.handle_batch([(p, len(p)) for p in pdus])
        else:
            for p in pdus:
                oru.handle(p)
    return oru.transport.sent, oru.counters


@pytest.mark.parametrize("n_prb, width, mode, full_scale", [
    (51, 9, "floor-shift", 4.0), (24, 14, "round-saturate", 1.5), (273, 9, "floor-shift", 4.0)])
def test_uplink_answer_fused_is_the_reference(monkeypatch: pytest.MonkeyPatch, n_prb: int,
                                              width: int, mode: str,
                                              full_scale: float) -> None:
    """The O-RU's answer compressed straight into its block (the fused BFP pass) sends the
    datagrams of the reference (compress_grid_bytes, then one encode), in the same order,
    Sequence IDs wrapping past 255, counted the same -- the same slot asked again, part of
    a slot, a slot without samples, a grid the fused pass cannot take (complex128, not
    contiguous) and 273 PRB (several messages per symbol) included."""
    cfg = FronthaulConfig(n_prb=n_prb, eaxc_ids=(3, 1), method="bfp", width=width,
                          bfp_mode=mode, full_scale=full_scale)
    shape = (2, 14, 12 * n_prb)

    def source(f: int, sf: int, s: int) -> torch.Tensor | None:
        if f == 7:
            return None
        g = _grid(shape, f * 20 + sf * 2 + s, 0.3)
        if f == 8:
            return g.to(torch.complex128)
        if f == 9:
            return _grid((2, 12 * n_prb, 14), f, 0.3).transpose(1, 2)
        return g

    reqs = [(i % 5, i % 10, i % 2, 0, None) for i in range(12 if n_prb < 100 else 2)]
    reqs += [(1, 1, 1, 0, None), (2, 3, 0, 4, 6), (7, 0, 0, 0, None), (8, 0, 1, 0, None),
             (9, 2, 0, 1, 13), (2, 3, 0, 0, None)]
    ref, ref_c = _answers(cfg, source, reqs, kernels=False, blocks=True,
                          monkeypatch=monkeypatch)
    assert len(ref) == sum(2 * (14 if n is None else n) * len(cfg.uplane_chunks)
                           for *_, n in reqs)
    fused = _kernels.bfp_refill_uplane
    calls = []
    monkeypatch.setattr(_kernels, "bfp_refill_uplane",
                        lambda *a: calls.append(      # [n_sym, n_e, size] of the messages
                            a[-2].shape[1::-1] + a[-2].shape[2:] if a[-1] else a[-2].shape)
                        or fused(*a))
    for blocks in (True, False):
        got, got_c = _answers(cfg, source, reqs, kernels=True, blocks=blocks,
                              monkeypatch=monkeypatch)
        assert got == ref
        assert got_c == ref_c
    # the fused pass answered each batch of a slot whose grid it takes (both eAxC at once)
    if len(cfg.uplane_chunks) == 1:
        assert calls.count((14, 2, calls[0][2])) >= len(reqs) - 6
    else:
        assert calls == []


def test_uplink_answer_fused_refuses_what_the_reference_refuses(
        monkeypatch: pytest.MonkeyPatch) -> None:
    """A source grid above full scale: the reference's ValueError, nothing sent, the
    Sequence IDs not consumed (the next slot's answer is numbered as the reference's)."""
    cfg = FronthaulConfig(n_prb=24, eaxc_ids=(0,), method="bfp", width=9)
    big = torch.full((1, 14, 288), 10.0 + 0j)
    ok = _grid((1, 14, 288), 1, 0.2)
    out = {}
    for kernels in (True, False):
        monkeypatch.setattr(_kernels, "ENABLED", kernels)
        odu, oru = ODU(cfg, _Sink()), ORU(cfg, _Sink(),
                                         uplink_source=lambda f, sf, s: big if s else ok)
        odu.request_uplink(0, 0, 1)
        with pytest.raises(ValueError, match="full scale|16-bit|exceed"):
            oru.handle_batch([(p, len(p)) for p in odu.transport.sent])
        assert oru.transport.sent == []
        odu.transport.sent.clear()
        odu.request_uplink(0, 1, 0)
        oru.handle_batch([(p, len(p)) for p in odu.transport.sent])
        out[kernels] = oru.transport.sent
    assert len(out[True]) == 14 and out[True] == out[False]
