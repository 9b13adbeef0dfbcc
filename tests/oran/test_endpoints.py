"""O-DU and O-RU endpoints over real UDP sockets: grids, counters, impairments, bad packets."""

from __future__ import annotations

import logging

import pytest
import torch

from softran.nr import CarrierConfig, downlink_slot
from softran.oran import (
    CPlaneMessage,
    ImpairedTransport,
    Section1,
    SeqId,
    TimingHeader,
    UdCompHdr,
    UPlaneFormat,
    UPlaneMessage,
    UPlaneSection,
    decode_uplane,
    encode_cplane,
    encode_uplane,
    evm,
    pack_uncompressed,
)
from softran.oran.counters import Flow
from softran.oran.endpoints import FULL_SCALE_12DB, ODU, ORU, FronthaulConfig, loopback_pair

CARRIER = CarrierConfig(subcarrier_spacing=30, n_size_grid=51)
N_PRB = 51


def _grid(n_ant: int = 2) -> torch.Tensor:
    return torch.cat([downlink_slot(CARRIER, "256QAM", seed=s).grid for s in range(n_ant)])


def _run(cfg: FronthaulConfig, grid: torch.Tensor, slot: tuple[int, int, int] = (3, 2, 1)
         ) -> tuple[ODU, ORU, torch.Tensor]:
    odu, oru = loopback_pair(cfg)
    n = odu.send_slot(grid, *slot)
    assert oru.receive(n, timeout=2.0) == n
    return odu, oru, oru.downlink_grid(*slot)


def _expected_uncompressed(grid: torch.Tensor, a: float) -> torch.Tensor:
    step = a / 2.0 ** 15
    return torch.view_as_complex((torch.round(torch.view_as_real(grid).double() / step)
                                  * step).float())


def test_dl_slot_uncompressed_arrives_equal_and_counters_exact() -> None:
    grid = _grid(2)
    cfg = FronthaulConfig.from_carrier(CARRIER, 2)              # none-16, MTU 1500
    odu, oru, out = _run(cfg, grid)
    try:
        # 16-bit fixed point: round(x / A * 2^15), decoded back; at most half an LSB off
        assert torch.equal(out, _expected_uncompressed(grid, FULL_SCALE_12DB))
        assert (out - grid).abs().max() <= FULL_SCALE_12DB / 2 ** 15 * 0.5 * 2 ** 0.5 + 1e-6
        # MTU 1500 over UDP/IPv4: 1500 - 28 - 16 header bytes = 1456 -> 30 PRBs of 48 bytes,
        # so each symbol is 2 messages: 30 + 21 PRBs, 16 + 1440 and 16 + 1008 bytes
        assert cfg.uplane_chunks == ((0, 30), (30, 21))
        for e in (0, 1):
            c_tx, u_tx = odu.counters.tx[Flow("C", "DL", e)], odu.counters.tx[Flow("U", "DL", e)]
            assert (c_tx.packets, c_tx.bytes) == (1, 24)        # 8 + 4 + 4 + 8 (one section)
            assert (u_tx.packets, u_tx.bytes) == (28, 14 * (1456 + 1024))
            c_rx, u_rx = oru.counters.rx[Flow("C", "DL", e)], oru.counters.rx[Flow("U", "DL", e)]
            assert (c_rx.packets, c_rx.bytes, u_rx.packets, u_rx.bytes) == \
                (1, 24, 28, 14 * 2480)
            assert u_rx.lost == u_rx.duplicates == u_rx.out_of_order == 0
        t = oru.counters.totals()
        assert t["rx_packets"] == 58 and t["malformed"] == 0
        oru.close_slots()
        assert oru.counters.prbs_expected == oru.counters.prbs_received == 2 * 14 * N_PRB
        assert oru.counters.prbs_missing == 0 and oru.counters.uplane_without_cplane == 0
    finally:
        odu.close()
        oru.close()


def test_integer_grid_without_scaling_is_bit_exact() -> None:
    g = torch.Generator().manual_seed(0)
    iq = torch.randint(-32768, 32768, (1, 14, 12 * 24, 2), generator=g).float()
    grid = torch.view_as_complex(iq)
    cfg = FronthaulConfig(n_prb=24, eaxc_ids=(7,), full_scale=None, mtu=9000)
    odu, oru, out = _run(cfg, grid, (255, 9, 1))
    try:
        assert torch.equal(out, grid)
    finally:
        odu.close()
        oru.close()


@pytest.mark.parametrize("width", [9, 14, 4, 12, 16])
def test_bfp_slot_within_the_quantisation_bound(width: int) -> None:
    grid = _grid(1)
    cfg = FronthaulConfig.from_carrier(CARRIER, 1, method="bfp", width=width)
    odu, oru, out = _run(cfg, grid)
    try:
        # floor-shift BFP (Annex A.1): in the 16-bit domain 0 <= x - m 2^e <= 2^e - 1 per value,
        # e = max(bit_length(maxValue) - w + 1, 0) per PRB, maxValue = max(maxV, |minV| - 1)
        scale = 2.0 ** 15 / FULL_SCALE_12DB
        x = torch.round(torch.view_as_real(grid).double() * scale).reshape(14, N_PRB, 24)
        y = (torch.view_as_real(out).double() * scale).round().reshape(14, N_PRB, 24)
        max_value = torch.maximum(x.amax(-1), -x.amin(-1) - 1)
        bit_len = torch.where(max_value > 0, torch.floor(torch.log2(max_value.clamp(min=1))) + 1,
                              torch.zeros_like(max_value))
        e = torch.clamp(bit_len - width + 1, min=0)
        err = x - y
        assert bool((err >= 0).all()) and bool((err <= 2 ** e[..., None] - 1).all())
        # and the EVM follows ~6 dB per bit (0.64 % for BFP-9 in reference table 3.6)
        assert evm(grid, out) < 0.64 * 2 ** (9 - width) * 1.5
        assert oru.counters.totals()["malformed"] == 0
    finally:
        odu.close()
        oru.close()


def test_round_saturate_and_dynamic_udcomphdr() -> None:
    grid = _grid(1)
    cfg = FronthaulConfig.from_carrier(CARRIER, 1, method="bfp", width=9,
                                       bfp_mode="round-saturate", ud_comp_hdr_present=True)
    odu, oru, out = _run(cfg, grid)
    try:
        assert evm(grid, out) < 0.31 * 1.5
        assert oru.counters.totals()["malformed"] == 0
    finally:
        odu.close()
        oru.close()


def test_uplink_loopback_rebuilds_the_grid_at_the_odu() -> None:
    grid = _grid(2)
    cfg = FronthaulConfig.from_carrier(CARRIER, 2, method="bfp", width=9)
    odu, oru = loopback_pair(cfg, loopback=True)
    try:
        n = odu.send_slot(grid, 1, 0, 0)
        oru.receive(n, timeout=2.0)
        assert odu.request_uplink(1, 0, 0, start_symbol=2, num_symbols=10) == 2
        assert oru.receive(2, timeout=2.0) == 2
        n_ul = 2 * 10 * len(cfg.uplane_chunks)
        assert odu.receive(n_ul, timeout=2.0) == n_ul
        dl = oru.downlink_grid(1, 0, 0)
        ul = odu.uplink_grid(1, 0, 0)
        assert torch.equal(ul[:, 2:12], dl[:, 2:12])            # bit for bit
        assert not bool(ul[:, :2].any()) and not bool(ul[:, 12:].any())
        assert oru.counters.tx[Flow("U", "UL", 1)].packets == 10 * len(cfg.uplane_chunks)
        assert odu.counters.rx[Flow("U", "UL", 1)].packets == 10 * len(cfg.uplane_chunks)
        odu.close_slots()
        assert odu.counters.prbs_expected == odu.counters.prbs_received == 2 * 10 * N_PRB
        assert odu.counters.prbs_missing == 0
    finally:
        odu.close()
        oru.close()


class _Recorder:
    def __init__(self, inner: object) -> None:
        self.inner, self.sent = inner, []

    def send(self, data: bytes) -> None:
        self.sent.append(bytes(data))
        self.inner.send(data)

    def recv(self, timeout: float | None = None) -> bytes | None:
        return self.inner.recv(timeout)

    def close(self) -> None:
        self.inner.close()


def test_loss_reorder_duplicates_grids_and_counters_account_for_every_packet() -> None:
    grid = _grid(2)
    cfg = FronthaulConfig.from_carrier(CARRIER, 2)
    odu, oru = loopback_pair(cfg)
    delivered = _Recorder(odu.transport)
    impaired = ImpairedTransport(delivered, loss=0.1, reorder=0.1, duplicate=0.1, seed=7)
    offered = _Recorder(impaired)
    odu.transport = offered
    try:
        n1 = odu.send_slot(grid, 0, 0, 0)
        impaired.flush()
        impaired.loss = impaired.reorder = impaired.duplicate = 0.0   # slot 2: clean
        n2 = odu.send_slot(grid, 0, 0, 1)
        assert impaired.dropped > 0 and impaired.duplicated > 0 and impaired.reordered > 0
        assert oru.receive(timeout=0.3) == impaired.sent == len(delivered.sent)
        c = oru.counters
        flows = c.rx.values()
        assert sum(r.packets for r in flows) == impaired.sent
        assert sum(r.duplicates for r in flows) == impaired.duplicated
        assert sum(r.unique for r in flows) == n1 + n2 - impaired.dropped
        # the clean slot 2 closes every gap; a flow's first messages (from Sequence ID 0) lost
        # before anything arrived show up as its lowest Sequence ID received
        assert sum(r.lost + r.lowest for r in flows) == impaired.dropped
        assert sum(r.out_of_order for r in flows) <= impaired.reordered
        # what arrived of slot 1, from the delivered bytes
        fmt = UPlaneFormat(n_prb_carrier=N_PRB)
        want = torch.zeros(2, 14, N_PRB, dtype=torch.bool)
        lost_u = []
        for p in offered.sent[:n1]:
            if p[1] != 0:
                continue
            m = decode_uplane(p, fmt)
            s = m.sections[0]
            if p in delivered.sent:
                prbs = slice(s.start_prbu, s.start_prbu + s.num_prbu)
                want[m.eaxc_id, m.timing.start_symbol_id, prbs] = True
            else:
                lost_u.append((m.eaxc_id, s.num_prbu))
        assert torch.equal(oru.downlink_received(0, 0, 0), want)
        out = oru.downlink_grid(0, 0, 0)
        ref = _expected_uncompressed(grid, FULL_SCALE_12DB)
        re_mask = want.repeat_interleave(12, dim=-1)
        assert torch.equal(out[re_mask], ref[re_mask])
        assert not bool(out[~re_mask].any())
        # C-plane lost on an eAxC: its U-plane counts as "without C-plane", not as missing
        c_ok = {int.from_bytes(p[4:6], "big") for p in offered.sent[:2] if p in delivered.sent}
        assert all(p[1] == 2 for p in offered.sent[:2])          # the two C-plane messages
        oru.close_slots()
        assert c.prbs_missing == sum(n for e, n in lost_u if e in c_ok)
        assert c.prbs_expected == len(c_ok) * 14 * N_PRB + 2 * 14 * N_PRB
    finally:
        odu.close()
        oru.close()


class _NullTransport:
    def __init__(self) -> None:
        self.sent: list[bytes] = []

    def send(self, data: bytes) -> None:
        self.sent.append(data)

    def recv(self, timeout: float | None = None) -> None:
        return None


DL = TimingHeader(1, 3, 2, 1, 0)


def _cplane(**kw: object) -> bytes:
    args = dict(eaxc_id=0, timing=DL, section_type=1, seq=SeqId(0),
                sections=(Section1(section_id=1, start_prbc=0, num_prbc=N_PRB, num_symbol=14),))
    args.update(kw)
    return encode_cplane(CPlaneMessage(**args))


def _uplane(start: int = 0, num: int = 4, eaxc: int = 0, timing: TimingHeader = DL,
            seq: int = 0) -> bytes:
    iq = torch.arange(num * 24).reshape(num, 12, 2)
    return encode_uplane(UPlaneMessage(eaxc_id=eaxc, timing=timing, seq=SeqId(seq), sections=(
        UPlaneSection(section_id=1, start_prbu=start, num_prbu=num,
                      prb_payload=pack_uncompressed(iq)),)))


def test_malformed_packets_are_counted_by_reason_and_the_endpoint_keeps_running(
        caplog: pytest.LogCaptureFixture) -> None:
    cfg = FronthaulConfig.from_carrier(CARRIER, 1)
    oru = ORU(cfg, _NullTransport())
    good = _uplane()
    short_len = bytearray(good)
    short_len[2:4] = (len(good) - 4 - 5).to_bytes(2, "big")     # ecpriPayload 5 too small
    long_c = bytearray(_cplane() + bytes(4))
    long_c[2:4] = (len(long_c) - 4).to_bytes(2, "big")          # 4 stray bytes after section
    bad_st = bytearray(_cplane())
    bad_st[13] = 9                                               # sectionType 9
    cases = [
        (good[:3], "truncated"),
        (good[:40], "truncated"),                                # ecpriPayload exceeds data
        (bytes(short_len), "wrong-length"),
        (bytes(long_c), "wrong-length"),
        (bytes(bad_st), "unknown-section-type"),
        (_uplane(start=49, num=4), "prb-out-of-range"),          # PRBs 49..52 of 51
        (_cplane(sections=(Section1(section_id=1, start_prbc=50, num_prbc=2, num_symbol=1),)),
         "prb-out-of-range"),
        (_cplane(ud_comp_hdr=UdCompHdr(9, 1)), "inconsistent-udcomphdr"),
        (_uplane(eaxc=5), "unknown-eaxc"),
        (_uplane(timing=TimingHeader(0, 3, 2, 1, 0)), "wrong-direction"),
        (_uplane(timing=TimingHeader(1, 3, 2, 2, 0)), "bad-header"),   # slotId 2 at 30 kHz
        (_cplane(timing=TimingHeader(1, 3, 2, 1, 10)), "symbol-out-of-range"),  # 10 + 14
        (bytes.fromhex("10070004") + bytes(4), "unsupported-message-type"),
        (bytes.fromhex("20000004") + bytes(4), "bad-header"),    # eCPRI revision 2
    ]
    with caplog.at_level(logging.WARNING, logger="softran.oran.endpoints"):
        for pdu, reason in cases:
            assert oru.handle(pdu) == reason, reason
            assert oru.handle(good) is None                      # still running
    assert dict(oru.counters.malformed) == {
        "truncated": 2, "wrong-length": 2, "unknown-section-type": 1, "prb-out-of-range": 2,
        "inconsistent-udcomphdr": 1, "unknown-eaxc": 1, "wrong-direction": 1, "bad-header": 2,
        "symbol-out-of-range": 1, "unsupported-message-type": 1}
    assert oru.counters.rx_packets == 2 * len(cases)
    u = oru.counters.rx[Flow("U", "DL", 0)]
    assert u.packets == len(cases) and u.duplicates == len(cases) - 1
    assert set(oru.counters.rx) == {Flow("U", "DL", 0)}         # nothing bad reached a flow
    assert "unknown-section-type" in caplog.text and "sectionType = 9" in caplog.text


def test_dynamic_udcomphdr_mismatch_is_inconsistent() -> None:
    cfg = FronthaulConfig.from_carrier(CARRIER, 1, method="bfp", width=9,
                                       ud_comp_hdr_present=True)
    oru = ORU(cfg, _NullTransport())
    fmt = UPlaneFormat(ud_comp_hdr_present=True, n_prb_carrier=N_PRB)
    iq = torch.arange(48).reshape(2, 12, 2)
    pdu = encode_uplane(UPlaneMessage(eaxc_id=0, timing=DL, sections=(
        UPlaneSection(section_id=1, start_prbu=0, num_prbu=2, prb_payload=pack_uncompressed(iq),
                      ud_comp_hdr=UdCompHdr(16, 0)),)), fmt)
    assert oru.handle(pdu) == "inconsistent-udcomphdr"


def test_config_bad_inputs() -> None:
    with pytest.raises(ValueError, match="method"):
        FronthaulConfig(method="modulation")
    with pytest.raises(ValueError, match="width"):
        FronthaulConfig(method="bfp", width=17)
    with pytest.raises(ValueError, match="repeats"):
        FronthaulConfig(eaxc_ids=(1, 1))
    with pytest.raises(ValueError, match="n_prb"):
        FronthaulConfig(n_prb=276)
    with pytest.raises(ValueError, match="mtu"):
        FronthaulConfig(mtu=80, method="none", width=16)
    with pytest.raises(ValueError, match="paced"):
        ORU(FronthaulConfig(), _NullTransport(), paced=True)
    odu = ODU(FronthaulConfig(n_prb=24, eaxc_ids=(0,)), _NullTransport())
    with pytest.raises(ValueError, match="grid has shape"):
        odu.send_slot(torch.zeros(2, 14, 288, dtype=torch.complex64), 0, 0, 0)
    with pytest.raises(ValueError, match="slot_id"):
        odu.send_slot(torch.zeros(1, 14, 288, dtype=torch.complex64), 0, 0, 5)
    with pytest.raises(ValueError, match="outside"):                 # above full scale
        odu.send_slot(torch.full((1, 14, 288), 5 + 0j), 0, 0, 0)
    assert odu.counters.totals()["tx_packets"] == 0


def test_full_100mhz_4_antenna_slot_bfp9() -> None:
    carrier = CarrierConfig(subcarrier_spacing=30, n_size_grid=273)
    grid = torch.cat([downlink_slot(carrier, "256QAM", seed=s).grid for s in range(4)])
    cfg = FronthaulConfig.from_carrier(carrier, 4, method="bfp", width=9)
    odu, oru = loopback_pair(cfg)
    try:
        n = odu.send_slot(grid, 0, 0, 0)
        assert n == 4 + 4 * 14 * 6                       # 6 U-plane messages per symbol (MTU)
        assert oru.receive(n, timeout=5.0) == n
        assert evm(grid, oru.downlink_grid(0, 0, 0)) < 0.64 * 1.5
        oru.close_slots()
        assert oru.counters.prbs_missing == 0 and oru.counters.prbs_received == 4 * 14 * 273
    finally:
        odu.close()
        oru.close()


def _same_state(a: ORU | ODU, b: ORU | ODU) -> None:
    assert a.counters == b.counters
    assert list(a._slots) == list(b._slots)
    for key, buf in a._slots.items():
        other = b._slots[key]
        for name in ("raw", "received", "expected", "cplane_seen"):
            assert (getattr(buf, name) == getattr(other, name)).all(), (key, name)


@pytest.mark.parametrize("windows", [False, True])
def test_batched_receive_has_the_effect_of_the_full_decoder(windows: bool) -> None:
    """Runs of plain U-plane messages decoded together (handle_batch, the UDP GRO path) leave
    counters and slot buffers exactly as the full decoder of each PDU does -- with duplicates,
    losses, reordering, malformed and non-plain messages inside the runs."""
    from softran.oran.timing import SimulatedClock, TimingWindows

    grid = _grid(2)
    cfg = FronthaulConfig.from_carrier(CARRIER, 2, method="bfp", width=9,
                                       windows=TimingWindows() if windows else None)
    clock = SimulatedClock()
    sender = ODU(cfg, _NullTransport(), clock=clock)
    pdus = []
    for slot in ((3, 2, 0), (3, 2, 1), (3, 3, 0)):
        pdus += [p for _, p, _ in sender.slot_packets(grid, *slot)]
    plain = [p for p in pdus if p[1] == 0]
    bad_slot = bytearray(plain[3])
    bad_slot[10:12] = ((2 << 12) | (5 << 6) | 3).to_bytes(2, "big")     # slotId 5 at 30 kHz
    bad_eaxc = bytearray(plain[4])
    bad_eaxc[4:6] = (9).to_bytes(2, "big")
    rb_one = bytearray(plain[5])
    rb_one[13] |= 0x08                                      # rb = 1: every other PRB
    rb_one[12:16] = ((1 << 20) | (1 << 19) | (0 << 8) | 25).to_bytes(4, "big")
    rb_one = bytes(rb_one[:16 + 25 * 28])
    rb_one = rb_one[:2] + (len(rb_one) - 4).to_bytes(2, "big") + rb_one[4:]
    stream = (pdus[:10] + [pdus[7], pdus[8]] + [bytes(bad_slot), bytes(bad_eaxc), rb_one]
              + pdus[10:20] + pdus[25:40] + [pdus[22], pdus[21]] + pdus[40:] + [plain[0][:20]])
    a = ORU(cfg, _NullTransport(), clock=clock, max_slots=2)
    b = ORU(cfg, _NullTransport(), clock=clock, max_slots=2)
    b.block_decoding = False
    blocks: list[tuple[bytes, int]] = []
    for p in stream:                                        # consecutive equal sizes: one block
        if blocks and blocks[-1][1] == len(p):
            blocks[-1] = (blocks[-1][0] + p, len(p))
        else:
            blocks.append((p, len(p)))
    assert max(len(d) // n for d, n in blocks) > 10
    arrival = 10_000_000
    assert a.handle_batch(blocks, arrival_ns=arrival) == len(stream)
    for p in stream:
        b.handle(p, arrival_ns=arrival)
    assert a.counters.malformed["bad-header"] == 1 and a.counters.malformed["unknown-eaxc"] == 1
    # repeats of pdus 7, 8 and the rb = 1 copy of a message already received
    assert sum(r.duplicates for r in a.counters.rx.values()) == 3
    _same_state(a, b)
    a.close_slots()
    b.close_slots()
    assert a.counters == b.counters


def test_cplane_from_the_template_is_the_encoded_message() -> None:
    cfg = FronthaulConfig.from_carrier(CARRIER, 2, method="bfp", width=9)
    odu = ODU(cfg, _NullTransport())
    for frame, subframe, slot, l0, n in ((0, 0, 0, 0, 14), (200, 9, 1, 3, 5), (7, 4, 1, 3, 5)):
        out = odu._cplane("UL", frame, subframe, slot, l0, n)
        for e, (_, pdu, flow) in zip((0, 1), out, strict=True):
            seq = odu.counters.tx.get(flow)
            want = encode_cplane(CPlaneMessage(
                eaxc_id=e, timing=TimingHeader(0, frame, subframe, slot, l0), section_type=1,
                seq=SeqId(pdu[6]), ud_comp_hdr=cfg.ud_comp_hdr,
                sections=(Section1(section_id=2, start_prbc=0, num_prbc=N_PRB, num_symbol=n,
                                   re_mask=0xFFF),)))
            assert pdu == want and seq is None
    # Sequence IDs run on per flow
    assert [p[6] for _, p, _ in odu._cplane("UL", 0, 0, 0, 0, 14)] == [3, 3]


def test_compressed_and_byte_slot_packets_equal_slot_packets() -> None:
    """The three ways into the downlink messages of a slot give the same bytes: a grid, its
    CompressedPRBs and its packed PRB bytes (O-RAN.WG4.CUS.0 clause 8.3.3)."""
    grid = _grid(2)
    cfg = FronthaulConfig(n_prb=grid.shape[-1] // 12, eaxc_ids=(0, 1), method="bfp", width=9)
    slot = (7, 3, 1)
    want = [p for _, p, _ in ODU(cfg, _NullTransport()).slot_packets(grid, *slot)]
    via_c = ODU(cfg, _NullTransport()).compressed_slot_packets(cfg.compress_grid(grid), *slot)
    raw = cfg.compress_grid_bytes(grid)
    via_b = ODU(cfg, _NullTransport()).compressed_slot_packets(raw, *slot)
    assert [p for _, p, _ in via_c] == want
    assert [p for _, p, _ in via_b] == want
    with pytest.raises(ValueError, match="prb_bytes"):
        ODU(cfg, _NullTransport()).compressed_slot_packets(raw[..., 1:], *slot)
    with pytest.raises(TypeError, match="CompressedPRBs"):
        ODU(cfg, _NullTransport()).compressed_slot_packets(grid, *slot)


class _ManyTransport(_NullTransport):
    def send_many(self, pdus: list[bytes]) -> None:
        self.sent.extend(pdus)


def _spy_known_cplane(endpoint: ORU) -> list[bool]:
    """The results of ``endpoint._known_cplane`` from now on, call by call (a list that
    fills as the endpoint handles C-plane messages)."""
    known = endpoint._known_cplane
    hits: list[bool] = []

    def spy(pdu: bytes, arrival: int) -> bool:
        hits.append(known(pdu, arrival))
        return hits[-1]

    endpoint._known_cplane = spy                            # type: ignore[method-assign]
    return hits


@pytest.mark.parametrize("windows", [False, True])
def test_repeated_cplane_layouts_have_the_effect_of_the_full_decoder(windows: bool) -> None:
    """C-plane messages that repeat a layout already handled (Endpoint._known_cplane: no new
    decode) leave counters, slot buffers and the O-RU's uplink answers exactly as the full
    decoder of each PDU does -- with duplicates, reordering, bad slotId / startSymbolId and
    U-plane in between; the answers sent in bulk (send_many) are the ones sent one by one."""
    from softran.oran.timing import SimulatedClock, TimingWindows

    grid = _grid(2)
    cfg = FronthaulConfig.from_carrier(CARRIER, 2, method="bfp", width=9,
                                       windows=TimingWindows() if windows else None)
    clock = SimulatedClock()
    sender = ODU(cfg, _NullTransport(), clock=clock)
    pdus: list[bytes] = []
    for slot in ((3, 2, 0), (3, 2, 1), (3, 3, 0), (4, 0, 1)):
        pdus += [p for _, p, _ in sender.slot_packets(grid, *slot)]
        pdus += [p for _, p, _ in sender.uplink_packets(*slot)]
        pdus += [p for _, p, _ in sender.uplink_packets(*slot, start_symbol=3, num_symbols=5)]
    cplane = [p for p in pdus if p[1] == 2]
    assert len(cplane) == 24
    bad_slot = bytearray(cplane[2])
    bad_slot[10:12] = ((2 << 12) | (5 << 6) | 0).to_bytes(2, "big")     # slotId 5 at 30 kHz
    bad_symbol = bytearray(cplane[4])
    bad_symbol[10:12] = ((2 << 12) | (1 << 6) | 10).to_bytes(2, "big")  # 10 + 5 symbols > 14
    bad_subframe = bytearray(cplane[2])
    bad_subframe[10:12] = ((12 << 12) | (1 << 6) | 0).to_bytes(2, "big")
    stream = (pdus[:40] + [cplane[1], cplane[3], bytes(bad_slot), bytes(bad_symbol),
                           bytes(bad_subframe)] + pdus[40:90] + [cplane[9], cplane[8]]
              + pdus[95:] + pdus[90:95])
    a = ORU(cfg, _ManyTransport(), clock=clock, max_slots=3,
            uplink_source=lambda f, sf, s: grid * (1 + s))
    b = ORU(cfg, _NullTransport(), clock=clock, max_slots=3,
            uplink_source=lambda f, sf, s: grid * (1 + s))
    b.block_decoding = False
    hits = _spy_known_cplane(a)
    arrival = 10_000_000
    for i, p in enumerate(stream):
        if i % 3:
            a.handle_batch([(p, len(p))], arrival_ns=arrival)
        else:
            a.handle(p, arrival_ns=arrival)
        b.handle(p, arrival_ns=arrival)
    assert sum(hits) >= 15 and not all(hits)
    assert a.counters.malformed["bad-header"] == 2
    assert a.counters.malformed["symbol-out-of-range"] == 1
    assert sum(r.duplicates for f, r in a.counters.rx.items() if f.plane == "C") == 4
    assert a.transport.sent == b.transport.sent and len(a.transport.sent) > 100
    _same_state(a, b)
    a.close_slots()
    b.close_slots()
    assert a.counters == b.counters


def test_uplink_answers_of_a_batch_are_the_answers_one_by_one() -> None:
    """Uplink C-plane arriving in one batch (handle_batch): the O-RU encodes the answers of
    a slot's eAxC together (ORU._flush_held); the messages sent, their order, Sequence IDs and
    the counters are those of answering each C-plane message on its own (the full decoder),
    also with a repeated eAxC, other symbols and a PRACH-free section type 1 in between."""
    from softran.oran.timing import SimulatedClock

    grid = _grid(2)
    cfg = FronthaulConfig.from_carrier(CARRIER, 2, method="bfp", width=9)
    clock = SimulatedClock()
    sender = ODU(cfg, _NullTransport(), clock=clock)
    pdus: list[bytes] = []
    for slot in ((3, 2, 0), (3, 2, 1), (4, 0, 1)):
        pdus += [p for _, p, _ in sender.uplink_packets(*slot)]
        pdus += [p for _, p, _ in sender.uplink_packets(*slot, start_symbol=3, num_symbols=5)]
    again = [p for _, p, _ in sender.uplink_packets(4, 0, 1)]      # the same slot again
    pdus = pdus[:5] + [pdus[4]] + pdus[5:] + again[::-1] + [pdus[0]]  # + duplicates
    a = ORU(cfg, _ManyTransport(), clock=clock, uplink_source=lambda f, sf, s: grid * (1 + s))
    b = ORU(cfg, _ManyTransport(), clock=clock, uplink_source=lambda f, sf, s: grid * (1 + s))
    b.block_decoding = False
    size = len(pdus[0])
    assert all(len(p) == size for p in pdus)
    arrival = 10_000_000
    assert a.handle_batch([(b"".join(pdus), size)], arrival_ns=arrival) == len(pdus)
    assert b.handle_batch([(b"".join(pdus), size)], arrival_ns=arrival) == len(pdus)
    assert len(a.transport.sent) == 2 * (3 * (14 + 5) + 14) and not a._held
    assert a.transport.sent == b.transport.sent
    _same_state(a, b)
    assert a.counters == b.counters


def test_uplane_before_cplane_is_counted_as_by_the_full_decoder() -> None:
    """U-plane of a slot whose C-plane came for one eAxC only (or not at all): the batched
    receive counts uplane_without_cplane as handle() of each PDU does."""
    grid = _grid(2)
    cfg = FronthaulConfig.from_carrier(CARRIER, 2, method="bfp", width=9)
    sender = ODU(cfg, _NullTransport())
    pdus = [p for _, p, _ in sender.slot_packets(grid, 1, 2, 0)]
    pdus = pdus[:1] + pdus[2:] + [p for _, p, _ in sender.slot_packets(grid, 1, 2, 1)][2:]
    a = ORU(cfg, _NullTransport())
    b = ORU(cfg, _NullTransport())
    blocks: list[tuple[bytes, int]] = []
    for p in pdus:
        if blocks and blocks[-1][1] == len(p):
            blocks[-1] = (blocks[-1][0] + p, len(p))
        else:
            blocks.append((p, len(p)))
    a.handle_batch(blocks)
    for p in pdus:
        b.handle(p)
    assert a.counters.uplane_without_cplane == 14 + 28    # eAxC 1 of slot 0, all of slot 1
    _same_state(a, b)


def test_send_queue_keeps_the_order_of_due_times() -> None:
    """Queued answers go out by due time, then queue order, whether they were queued in
    that order (kept as a sorted list) or not (a heap, sorted when sent)."""
    cfg = FronthaulConfig.from_carrier(CARRIER, 1, method="bfp", width=9)
    f, g = Flow("U", "UL", 0), Flow("U", "UL", 1)
    for batches, want in (([[(0, b"a", f), (0, b"b", g)], [(0, b"c", f)]], b"abc"),
                          ([[(5, b"a", f), (3, b"b", g)], [(4, b"c", f), (4, b"d", g)]],
                           b"bcda"),
                          ([[(1, b"a", f), (2, b"b", g)], [(1, b"c", f)], [(3, b"d", g)]],
                           b"acbd")):
        for transport in (_ManyTransport(), _NullTransport()):
            oru = ORU(cfg, transport)
            for batch in batches:
                oru._queue(batch)
            oru._service_pending()
            assert b"".join(transport.sent) == want
            assert oru.counters.tx[f].packets == sum(1 for p in want if p in b"ac")
            n_g = sum(1 for p in want if p in b"bd")
            assert oru.counters.tx[g].packets == oru.counters.tx[g].bytes == n_g
            oru._queue([(0, b"e", g)])
            oru._service_pending()
            assert transport.sent[-1] == b"e" and oru.counters.tx[g].packets == n_g + 1


def test_reused_slot_buffer_reads_zero_where_nothing_arrived() -> None:
    """A slot buffer that served an earlier slot (max_slots = 1) holds the all-zero PRB, not
    the earlier slot's bytes, wherever the new slot's U-plane did not arrive."""
    import numpy as np

    cfg = FronthaulConfig(n_prb=24, eaxc_ids=(0, 1), method="bfp", width=9)
    odu = ODU(cfg, _NullTransport())
    oru = ORU(cfg, _NullTransport(), max_slots=1)
    g = torch.randn(2, 14, 288, dtype=torch.complex64,
                    generator=torch.Generator().manual_seed(3)) * 0.1 * FULL_SCALE_12DB
    for _, pdu, _ in odu.slot_packets(g, 0, 0, 0):
        oru.handle(pdu)
    first = oru.downlink_grid(0, 0, 0)
    assert first.abs().reshape(2, 14, 24, 12).amax(-1).min() > 0     # no PRB all zero
    packets = odu.slot_packets(g, 0, 0, 1)
    dropped = {5, 20}                      # two U-plane messages (after the 2 C-plane ones)
    for i, (_, pdu, _) in enumerate(packets):
        if i not in dropped:
            oru.handle(pdu)
    got = oru.downlink_grid(0, 0, 1)
    mask = oru.downlink_received(0, 0, 1)
    assert int((~mask).sum()) == 2 * 24
    zero = np.frombuffer(cfg.zero_prb(), dtype=np.uint8)
    buf = oru._slots[("DL", 0, 0, 1)]
    assert (buf.raw[~mask.numpy()] == zero).all()
    prb_mask = mask.repeat_interleave(12, dim=-1)
    assert torch.equal(got[~prb_mask], torch.zeros(int((~prb_mask).sum()), dtype=got.dtype))
    assert torch.equal(got[prb_mask], first[prb_mask])


def test_known_cplane_symbol_edge_is_the_full_decoders() -> None:
    """A repeated C-plane layout (Endpoint._known_cplane) whose sections end exactly at the
    last symbol (startSymbolId + numSymbol = 14) is taken on the known path; one symbol
    later it goes to the full decoder, which counts it symbol-out-of-range: counters, slot
    buffers and the answers sent are those of the full decoder of each PDU."""
    grid = _grid(2)
    cfg = FronthaulConfig.from_carrier(CARRIER, 2, method="bfp", width=9)
    sender = ODU(cfg, _NullTransport())
    first = [p for _, p, _ in sender.uplink_packets(3, 2, 0, start_symbol=3, num_symbols=5)]
    edge = []
    for l0 in (9, 10):                                  # 9 + 5 = 14 fits; 10 + 5 does not
        for p in first:
            q = bytearray(p)
            q[10:12] = ((2 << 12) | (1 << 6) | l0).to_bytes(2, "big")
            q[6] = (q[6] + l0) % 256                    # a new Sequence ID each
            edge.append(bytes(q))
    a = ORU(cfg, _ManyTransport(), uplink_source=lambda f, sf, s: grid)
    b = ORU(cfg, _NullTransport(), uplink_source=lambda f, sf, s: grid)
    b.block_decoding = False
    hits = _spy_known_cplane(a)
    for p in first + edge:
        a.handle(p, arrival_ns=0)
        b.handle(p, arrival_ns=0)
    # the first message finds no plans (no check); the second is a new layout (eAxC 1)
    assert hits == [False, True, True, False, False]
    assert a.counters.malformed["symbol-out-of-range"] == 2
    assert a.transport.sent == b.transport.sent and len(a.transport.sent) == 2 * 2 * 5
    _same_state(a, b)
    a.close_slots()
    b.close_slots()
    assert a.counters == b.counters


@pytest.mark.parametrize("drop", [(), (5, 20)])
def test_evicted_slot_is_counted_and_cleared_as_at_close(drop: tuple[int, ...]) -> None:
    """A slot evicted for the next (max_slots = 1: its flags counted and cleared in one
    compiled call where nothing is missing) counts the PRBs expected, received and missing
    (by symbol) as closing every slot at the end does, and the next slot starts from clear
    flags: same counters, grids and received masks as with room for every slot."""
    grid = _grid(2)
    cfg = FronthaulConfig.from_carrier(CARRIER, 2, method="bfp", width=9)
    odu = ODU(cfg, _NullTransport())
    small = ORU(cfg, _NullTransport(), max_slots=1)
    roomy = ORU(cfg, _NullTransport(), max_slots=8)
    slots = ((0, 0, 0), (0, 0, 1), (0, 1, 0))
    for n, slot in enumerate(slots):
        for i, (_, pdu, _) in enumerate(odu.slot_packets(grid, *slot)):
            if n == 1 and i in drop:
                continue
            small.handle(pdu, arrival_ns=0)
            roomy.handle(pdu, arrival_ns=0)
        assert torch.equal(small.downlink_received(*slot), roomy.downlink_received(*slot))
        assert torch.equal(small.downlink_grid(*slot), roomy.downlink_grid(*slot))
    buf = small._slots[("DL", 0, 1, 0)]
    assert int(buf.expected.sum()) == 2 * 14 * cfg.n_prb
    small.close_slots()
    roomy.close_slots()
    assert small.counters == roomy.counters
    missing = sum(small.counters.missing_by_symbol.values())
    assert small.counters.prbs_missing == missing == (cfg.n_prb * len(drop))
