"""The O-DU's downlink U-plane paced symbol by symbol (softran.oran.pacing): in simulated time
in symbol order at each symbol's due time, in real time one symbol duration apart."""

from __future__ import annotations

import time

import torch

from softran.oran.endpoints import ODU, FronthaulConfig
from softran.oran.pacing import SymbolPacer
from softran.oran.timing import RealTimeClock, SimulatedClock, TimingWindows, symbol_start_ns


class _Sink:
    def __init__(self, clock: object) -> None:
        self.clock, self.log = clock, []

    def send(self, data: bytes) -> None:
        self.log.append((self.clock.now_ns(), time.perf_counter_ns(), data))

    def recv(self, timeout: float | None = None) -> None:
        return None


def _slot(clock: object, realtime: bool) -> tuple[ODU, _Sink, SymbolPacer]:
    cfg = FronthaulConfig(n_prb=24, scs_khz=30, eaxc_ids=(0,))
    sink = _Sink(clock)
    odu = ODU(cfg, sink, clock=clock)
    odu.pacer = SymbolPacer(clock, realtime=realtime)
    grid = torch.zeros(1, 14, 288, dtype=torch.complex64)
    odu.send_slot(grid, 0, 0, 1)                   # frame 0, subframe 0, slot 1
    return odu, sink, odu.pacer


def test_simulated_pacing_sends_each_symbol_at_its_due_time() -> None:
    clock = SimulatedClock()
    _, sink, pacer = _slot(clock, realtime=False)
    # 1 C-plane + 14 U-plane messages, one per group: no burst
    assert len(sink.log) == 15 and pacer.bursts == 15 and pacer.max_burst == 1
    adv = TimingWindows().dl_uplane_advance_ns
    # U-plane of symbol l at its air time minus the window advance (TS 38.211 §5.3.1 symbol
    # starts: 30 kHz, slot 1 of the subframe)
    dues = [t for t, _, _ in sink.log[1:]]
    want = [symbol_start_ns(30, 1, l) - adv for l in range(14)]
    assert dues == want
    # the symbol ids in the U-plane timing headers come in order
    assert [d[2][11] & 0x3F for d in sink.log[1:]] == list(range(14))


def test_realtime_pacing_spreads_the_slot_over_its_symbols() -> None:
    clock = RealTimeClock()
    t0 = time.perf_counter_ns()
    _, sink, _ = _slot(clock, realtime=True)
    sent = [t for _, t, _ in sink.log[1:]]
    # symbol l's U-plane leaves no earlier than the distance of its due time from the
    # C-plane's (air time of symbol l minus the U-plane advance, against air time of symbol 0
    # minus the C-plane advance) after the pacer started, which is after t0: a sleep never
    # returns early. (Measured from the C-plane's own send time instead, the bound is off by
    # the few microseconds that send takes.)
    w = TimingWindows()
    for l, t in enumerate(sent):
        gap = symbol_start_ns(30, 1, l) - symbol_start_ns(30, 1, 0) \
            + w.dl_cplane_advance_ns - w.dl_uplane_advance_ns
        assert t - t0 >= gap, (l, t - t0, gap)
    assert all(b >= a for a, b in zip(sent, sent[1:]))


def test_uplink_and_prach_cplane_go_through_the_pacer_in_their_windows() -> None:
    """The uplink C-plane (section type 1) and the PRACH C-plane (section type 3, PRACH
    occasion starting at symbol 4) of a slot, sent with its downlink through the pacer: every
    C-plane message leaves when the simulated clock is at its due time, and that time lies in
    the T2a C-plane window of its direction before the air time of its first symbol
    (O-RAN.WG4.CUS.0 reference §4.2): [t_air - 429 us, t_air - 285 us] by default."""
    from softran.oran.cplane import decode_cplane
    from softran.oran.ecpri import SeqId
    from softran.oran.prach import PRACHOccasion, PRACHPath
    from softran.oran.timing import air_time_ns, classify_arrival

    clock = SimulatedClock(10_000_000)              # frame 1
    cfg = FronthaulConfig(n_prb=24, scs_khz=30, eaxc_ids=(0,))
    sink = _Sink(clock)
    odu = ODU(cfg, sink, clock=clock)
    odu.pacer = SymbolPacer(clock)
    odu.prach = PRACHPath(cfg, 7, lambda flow: SeqId(0))
    occ = PRACHOccasion(1, 0, 1, 4, 2, 1024, 1, 0, 288, 300, 12)
    grid = torch.zeros(1, 14, 288, dtype=torch.complex64)
    packets = (odu.slot_packets(grid, 1, 0, 1) + odu.uplink_packets(1, 0, 1)
               + odu.prach_packets(occ))
    odu.send_packets(packets)
    assert len(sink.log) == 1 + 14 + 1 + 1
    w = TimingWindows()
    seen = []
    for sent, _, pdu in sink.log:
        if pdu[1] != 2:                             # eCPRI message type 2: real-time control
            continue
        msg = decode_cplane(pdu)
        t = msg.timing
        air = air_time_ns(t, 30, sent)
        # the air time from TS 38.211 §5.3.1: frame 1, slot 1 of subframe 0, its first symbol
        assert air == 10_000_000 + symbol_start_ns(30, 1, t.start_symbol_id)
        lo, hi = (w.t2a_min_cp_dl, w.t2a_max_cp_dl) if t.data_direction else \
            (w.t2a_min_cp_ul, w.t2a_max_cp_ul)
        assert hi >= air - sent >= lo, (msg.section_type, air - sent)
        assert classify_arrival(sent, air, lo, hi, before_air=True) == "on_time"
        seen.append((t.data_direction, msg.section_type, t.start_symbol_id))
    assert sorted(seen) == [(0, 1, 0), (0, 3, 4), (1, 1, 0)]
    # the messages left in the order of their due times (the clock never went back)
    times = [s for s, _, _ in sink.log]
    assert times == sorted(times) and sorted(p[0] for p in packets) == times
