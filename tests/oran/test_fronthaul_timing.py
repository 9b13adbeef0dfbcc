"""Timing: symbol air times from TS 38.211 §5.3.1, reception windows, early/late counters."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from softran.nr import CarrierConfig
from softran.nr.ofdm import ofdm_info
from softran.oran import (
    SeqId,
    TimingHeader,
    UPlaneMessage,
    UPlaneSection,
    encode_uplane,
    pack_uncompressed,
)
from softran.oran.counters import Flow
from softran.oran.endpoints import ODU, ORU, FronthaulConfig
from softran.oran.session import RecordingTransport
from softran.oran.timing import (
    SimulatedClock,
    TimingWindows,
    air_time_ns,
    classify_arrival,
    slot_after,
    symbol_start_ns,
)


@pytest.mark.parametrize("scs", [15, 30, 60, 120])
def test_symbol_starts_match_the_ofdm_symbol_lengths(scs: int) -> None:
    info = ofdm_info(CarrierConfig(subcarrier_spacing=scs, n_size_grid=24))
    starts = [0]
    for n in info.symbol_lengths[:-1]:
        starts.append(starts[-1] + n)
    for l_sf, samples in enumerate(starts):
        slot, l = divmod(l_sf, 14)
        assert symbol_start_ns(scs, slot, l) == round(samples / info.sample_rate * 1e9)


def test_symbol_start_by_hand() -> None:
    # 15 kHz: N_u + N_CP,0 = 2048*64 + (144 + 16)*64 = 141312 T_c = 71.875 us
    assert symbol_start_ns(15, 0, 1) == 71_875
    # 15 kHz: symbols 0..6 = 7 * (2048 + 144) * 64 + 16 * 64 = 983040 T_c = exactly 0.5 ms
    assert symbol_start_ns(15, 0, 7) == 500_000
    # 60 kHz extended CP: (2048 + 512) * 16 T_c per symbol -> 20.833.. us
    assert symbol_start_ns(60, 0, 1, cyclic_prefix="extended") == 20_833
    assert symbol_start_ns(30, 1, 0) == 500_000
    with pytest.raises(ValueError, match="slot_id"):
        symbol_start_ns(30, 2, 0)
    with pytest.raises(ValueError, match="extended"):
        symbol_start_ns(30, 0, 0, cyclic_prefix="extended")
    with pytest.raises(ValueError, match="scs_khz"):
        symbol_start_ns(45, 0, 0)


def test_air_time_picks_the_nearest_frame_id_period() -> None:
    t = TimingHeader(1, 255, 9, 1, 0)                     # last slot of frame 255
    base = 255 * 10_000_000 + 9_000_000 + 500_000
    assert air_time_ns(t, 30, near_ns=0) == base - 2_560_000_000
    assert air_time_ns(t, 30, near_ns=2_000_000_000) == base
    assert air_time_ns(t, 30, near_ns=base + 2_560_000_000) == base + 2_560_000_000
    assert slot_after(0, 15) == (0, 0, 0, 0)
    assert slot_after(2_560_000_001, 30) == (0, 0, 1, 2_560_500_000)


def test_classify_arrival_edges() -> None:
    assert classify_arrival(800, 1000, 50, 200, before_air=True) == "on_time"   # air - max
    assert classify_arrival(950, 1000, 50, 200, before_air=True) == "on_time"   # air - min
    assert classify_arrival(799, 1000, 50, 200, before_air=True) == "early"
    assert classify_arrival(951, 1000, 50, 200, before_air=True) == "late"
    assert classify_arrival(1000, 1000, 10, 20, before_air=False) == "early"
    assert classify_arrival(1020, 1000, 10, 20, before_air=False) == "on_time"
    with pytest.raises(ValueError, match="ta4_min"):
        TimingWindows(ta4_min=10, ta4_max=5)




def test_paced_odu_sends_in_the_window_and_oru_counts_on_time() -> None:
    w = TimingWindows()
    cfg = FronthaulConfig(n_prb=24, scs_khz=30, eaxc_ids=(0,), windows=w)
    clock = SimulatedClock(1_000_000)
    tx = RecordingTransport(clock)
    odu = ODU(cfg, tx, clock=clock, paced=True)
    frame, sf, slot = odu.next_slot()
    assert (frame, sf, slot) == (0, 1, 1)                 # first slot >= 1 ms + 429 us
    odu.send_slot(torch.zeros(1, 14, 288, dtype=torch.complex64), frame, sf, slot)
    air0 = 1_500_000
    assert tx.sent[0][0] == air0 - (285_000 + 429_000) // 2              # C-plane
    assert tx.sent[1][0] == air0 - (71_000 + 428_000) // 2               # U-plane symbol 0
    assert tx.sent[2][0] == air0 + symbol_start_ns(30, 1, 1) - symbol_start_ns(30, 1, 0) \
        - 249_500
    oru = ORU(cfg, RecordingTransport(clock), clock=clock)
    for t, pdu in tx.sent:
        assert oru.handle(pdu, arrival_ns=t) is None
    c = oru.counters
    assert (c.rx[Flow("C", "DL", 0)].on_time, c.rx[Flow("U", "DL", 0)].on_time) == (1, 14)


def _u(direction: int, symbol: int) -> bytes:
    iq = torch.zeros(24, 12, 2, dtype=torch.int64)
    return encode_uplane(UPlaneMessage(eaxc_id=0, timing=TimingHeader(direction, 3, 2, 1, symbol),
                                       seq=SeqId(symbol), sections=(UPlaneSection(
                                           section_id=1, start_prbu=0, num_prbu=24,
                                           prb_payload=pack_uncompressed(iq)),)))


def test_late_and_early_with_a_simulated_clock() -> None:
    w = TimingWindows(t2a_min_up=50_000, t2a_max_up=300_000, ta4_min=10_000, ta4_max=200_000)
    cfg = FronthaulConfig(n_prb=24, scs_khz=30, eaxc_ids=(0,), windows=w)
    clock = SimulatedClock()
    oru = ORU(cfg, RecordingTransport(clock), clock=clock)
    air = 32_500_000 + 2_560_000_000          # frame 3 (+ one frameId period), sf 2, slot 1
    for arrival, symbol in [(air - 300_001, 0), (air - 300_000, 0), (air - 50_000, 0),
                            (air - 49_999, 0)]:
        clock.set(arrival)
        oru.handle(_u(1, symbol))
    s1 = air + symbol_start_ns(30, 1, 1) - symbol_start_ns(30, 1, 0)    # 36 198 ns later
    oru.handle(_u(1, 1), arrival_ns=s1 - 49_999)
    r = oru.counters.rx[Flow("U", "DL", 0)]
    assert (r.early, r.on_time, r.late) == (1, 2, 2)
    odu = ODU(cfg, RecordingTransport(clock), clock=clock)
    for arrival in (air + 9_999, air + 10_000, air + 200_000, air + 200_001):
        odu.handle(_u(0, 0), arrival_ns=arrival)
    r = odu.counters.rx[Flow("U", "UL", 0)]
    assert (r.early, r.on_time, r.late) == (1, 2, 1)


def test_paced_odu_takes_no_block() -> None:
    """A paced O-DU's slot_block gives the U-plane as packets (each sent at its due time);
    a block handed to its send_messages is refused, naming what to do."""
    from softran.oran.endpoints import SlotMessages

    cfg = FronthaulConfig(n_prb=24, scs_khz=30, eaxc_ids=(0,), windows=TimingWindows())
    clock = SimulatedClock(1_000_000)
    odu = ODU(cfg, RecordingTransport(clock), clock=clock, paced=True)
    m = odu.slot_block(torch.zeros(1, 14, 288, dtype=torch.complex64), *odu.next_slot())
    assert m.block is None and len(m.packets) == 15               # C-plane + 14 symbols
    with pytest.raises(ValueError, match="paced endpoint"):
        odu.send_messages(SlotMessages([], np.zeros((2, 8), np.uint8), (), 2))
