"""Receive counters: observe_many is observe of each Sequence ID in turn."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from softran.oran.counters import RxCounters


@settings(max_examples=300, deadline=None)
@given(st.lists(st.lists(st.integers(0, 255), max_size=40), max_size=8),
       st.lists(st.tuples(st.integers(0, 255), st.integers(1, 60)), max_size=8))
def test_observe_many_equals_observe_in_turn(batches: list[list[int]],
                                             runs: list[tuple[int, int]]) -> None:
    a, b = RxCounters(), RxCounters()
    # arbitrary batches and in-order runs (the fast path), interleaved
    work = []
    for k in range(max(len(batches), len(runs))):
        if k < len(batches):
            work.append(batches[k])
        if k < len(runs):
            first, n = runs[k]
            work.append([(first + j) % 256 for j in range(n)])
    for seqs in work:
        flags = a.observe_many(seqs, 100)
        assert flags == [b.observe(s, 100) for s in seqs]
        assert (a.packets, a.bytes, a.duplicates, a.out_of_order, a.lost, a.lowest) == \
            (b.packets, b.bytes, b.duplicates, b.out_of_order, b.lost, b.lowest)


def test_a_long_in_order_stream_prunes_and_still_finds_duplicates() -> None:
    a, b = RxCounters(), RxCounters()
    stream = [k % 256 for k in range(5000)]
    for k in range(0, 5000, 28):
        chunk = stream[k:k + 28]
        assert a.observe_many(chunk, 1) == [b.observe(s, 1) for s in chunk]
    assert a.observe_many([4999 % 256], 1) == [True] == [b.observe(4999 % 256, 1)]
    assert a.lost == b.lost == 0 and a.unique == 5000


def test_bad_sequence_id() -> None:
    with pytest.raises(ValueError, match="sequence_id"):
        RxCounters().observe_many([3, 256], 1)
