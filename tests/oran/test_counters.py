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


@settings(max_examples=300, deadline=None)
@given(st.lists(st.integers(0, 255), max_size=30), st.integers(0, 255), st.integers(0, 140))
def test_observe_run_is_observe_in_turn_where_it_continues(before: list[int], first: int,
                                                           m: int) -> None:
    """continues(first, m) is True exactly where m observe calls of first, first + 1, ...
    would count no duplicate and no out-of-order arrival on a flow seen before (each above
    the highest, at most 127 ahead); there observe_run leaves the counters (the seen ring
    included) as those calls do, and elsewhere it refuses."""
    a, b = RxCounters(), RxCounters()
    for q in before:
        a.observe(q, 7)
        b.observe(q, 7)
    seqs = [(first + j) % 256 for j in range(m)]
    fits = a.continues(first, m)
    high = b.lowest is not None and b.lost + b.unique + b.lowest - 1   # the highest, unwrapped
    step = (first - high + 128) % 256 - 128 if before else 0
    assert fits == (bool(before) and m > 0 and 0 < step and step + m - 1 <= 127)
    if fits:
        a.observe_run(first, m, 9)
        dup, ooo = b.duplicates, b.out_of_order
        assert [b.observe(q, 9) for q in seqs] == [False] * m
        assert (b.duplicates, b.out_of_order) == (dup, ooo)
        assert a == b
    else:
        with pytest.raises(ValueError, match="continue"):
            a.observe_run(first, m, 9)


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


class _SetReference:
    """The accounting of the module docstring, written plainly: every unwrapped Sequence ID
    ever seen in a set (never pruned); one more than 1024 below the highest is a
    duplicate (it cannot be told from one a window earlier)."""

    def __init__(self) -> None:
        self.seen: set[int] = set()
        self.high: int | None = None
        self.low = 0
        self.duplicates = self.out_of_order = 0

    def observe(self, s: int) -> bool:
        if self.high is None:
            self.high = self.low = s
            self.seen.add(s)
            return False
        u = self.high + (s - self.high + 128) % 256 - 128
        if u in self.seen or u < self.high - 1024:
            self.duplicates += 1
            return True
        self.seen.add(u)
        if u > self.high:
            self.high = u
        else:
            self.out_of_order += 1
            self.low = min(self.low, u)
        return False


@settings(max_examples=40, deadline=None)
@given(st.integers(0, 2**32 - 1), st.integers(2000, 9000))
def test_long_streams_with_loss_reorder_duplicates_match_a_plain_set(seed: int,
                                                                     n: int) -> None:
    """Long streams (past the 2048-entry ring of seen IDs several times) with losses,
    reordering, burst losses (jumps ahead), late repeats and very late ones (which alias
    recent IDs: 8 bits reach 128 back): the duplicate flags and
    counters are those of a never-pruned set."""
    import random

    rng = random.Random(seed)
    ids: list[int] = []
    u = 0
    while u < n:
        r = rng.random()
        u += 1
        if r < 0.05:
            continue                                    # lost
        if r < 0.06:
            u += rng.randrange(50, 127)                 # a burst lost: a jump ahead
        ids.append(u)
        if r > 0.97:
            ids.append(u - rng.randrange(1, 100))       # late repeat or late first arrival
        elif r > 0.94 and u > 1500:
            ids.append(u - rng.randrange(1000, 1100))   # 4 wraps back: aliases a recent ID
    for i in range(0, len(ids) - 3, 7):                 # swap neighbours now and then
        if rng.random() < 0.2:
            ids[i], ids[i + 2] = ids[i + 2], ids[i]
    a, b, ref = RxCounters(), RxCounters(), _SetReference()
    k = 0
    while k < len(ids):
        chunk = [u % 256 for u in ids[k:k + rng.randrange(1, 40)]]
        k += len(chunk)
        want = [ref.observe(s) for s in chunk]
        assert a.observe_many(chunk, 1) == want
        assert [b.observe(s, 1) for s in chunk] == want
    for c in (a, b):
        assert c.duplicates == ref.duplicates and c.out_of_order == ref.out_of_order
        assert c.unique == len(ref.seen) and c.lowest == ref.low
        assert c.lost == ref.high - ref.low + 1 - len(ref.seen)
