"""HARQ timeline for long round trips: 32 processes, feedback disabled per process."""

import pytest
import torch

from softran.sim.harq import HARQModel
from softran.sim.link import SlotCounts


def test_stop_and_wait_throughput_is_processes_over_round_trip():
    # every block needs one transmission: N processes keep N of every RTT slots busy
    for n, rtt in ((4, 16), (16, 40), (32, 1000)):
        m = HARQModel(n, rtt)
        slots = m.timeline([1] * (5 * n))
        assert len(slots) == 5 * n and len(set(slots)) == 5 * n
        assert max(slots) + 1 == 4 * rtt + n  # 5 rounds; the last one ends after n slots


def test_enough_processes_never_stall():
    m = HARQModel(8, 8)
    assert m.timeline([1] * 40) == list(range(40))


def test_feedback_disabled_processes_send_once_and_do_not_wait():
    m = HARQModel(4, 100, feedback_disabled=(2, 3), max_transmissions=4)
    assert m.allowed_transmissions(8).tolist() == [4, 4, 1, 1, 4, 4, 1, 1]
    slots = m.timeline([1] * 8)
    # processes 2 and 3 run back to back while 0 and 1 wait for their round trip
    assert slots[2] == 2 and slots[3] == 3 and slots[6] == 4 and slots[7] == 5
    assert slots[4] == 100 and slots[5] == 101


def test_retransmissions_wait_for_the_round_trip():
    m = HARQModel(1, 10)
    assert m.timeline([3, 1]) == [0, 10, 20, 30]


def test_counts_take_slots_and_max_bits_from_the_timeline():
    m = HARQModel(2, 5)
    base = SlotCounts(slots=4, transmissions=4, blocks=4, delivered_bits=400, max_bits=400)
    c = m.counts(base, torch.tensor([1, 1, 1, 1]), 100)
    assert c.slots == 7 and c.max_bits == 700 and c.transmissions == 4
    assert c.delivered_bits / c.max_bits == pytest.approx(4 / 7)


def test_bad_models():
    with pytest.raises(ValueError, match="n_processes = 33"):
        HARQModel(33)
    with pytest.raises(ValueError, match="feedback_disabled = 4"):
        HARQModel(4, feedback_disabled=(4,))
    with pytest.raises(ValueError, match="round_trip_slots = 0"):
        HARQModel(4, 0)
