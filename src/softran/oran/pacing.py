"""Pacing of the O-DU's messages to the slot timeline (O-RAN.WG4.CUS.0 delay management,
reference §4.2): each symbol's U-plane is sent in its own transmission window -- ``T1a`` before
the symbol's air time -- instead of the whole slot in one burst that overruns the
receiver's socket buffer (a kernel drop that no sequence-ID counter sees).

The endpoint gives each message its due time (the air time of its symbol minus the window
advance, :class:`~softran.oran.timing.TimingWindows`; C-plane first) and hands the slot's
messages to a :class:`SymbolPacer` (the endpoint's ``pacer`` hook):

* simulated time: the messages go in the order of their due times, symbol by symbol, and the
  simulated clock is set to each due time as it goes (nothing waits; a receiver that reads
  the clock sees every message on time);
* real time: the first message goes at once, each later one when the wall clock has moved on
  by the difference of their due times: the symbols of a slot leave one symbol duration
  apart (35.7 us at 30 kHz), however late the slot's processing started; a simulated clock
  is still set to each due time.

``between(k)`` is called after the k-th group of messages with one due time (one symbol):
an in-process receiver can take them before the next group comes.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

__all__ = ["SymbolPacer"]


class SymbolPacer:
    """Sends a slot's ``(due_ns, pdu, flow)`` messages symbol by symbol (module docstring).

    Args:
        clock: the endpoint's clock; in simulated time its ``set`` moves it to each due time.
        realtime: wait on the wall clock between due times (else simulated: no waiting).
        between: called with the group index after each group of one due time.

    ``bursts``: the number of groups sent; ``max_burst``: the most messages sent back to back.

    >>> from softran.oran.timing import SimulatedClock
    >>> clock, out = SimulatedClock(), []
    >>> p = SymbolPacer(clock)
    >>> p.send([(0, b"c", None), (2000, b"u1", None), (1000, b"u0", None)],
    ...        lambda pdu, flow: out.append((clock.now_ns(), pdu)))
    >>> out, p.bursts, p.max_burst
    ([(0, b'c'), (1000, b'u0'), (2000, b'u1')], 3, 1)
    """

    def __init__(self, clock: Any, *, realtime: bool = False,
                 between: Callable[[int], None] | None = None) -> None:
        self.clock = clock
        self.realtime = bool(realtime)
        self.between = between
        self.bursts = 0
        self.max_burst = 0

    def send(self, packets: list[tuple[int, bytes, Any]],
             send_now: Callable[[bytes, Any], None]) -> None:
        """Send ``packets`` through ``send_now(pdu, flow)`` at their due times."""
        if not packets:
            return
        order = sorted(range(len(packets)), key=lambda i: (packets[i][0], i))
        groups: list[list[int]] = []
        for i in order:
            if groups and packets[groups[-1][0]][0] == packets[i][0]:
                groups[-1].append(i)
            else:
                groups.append([i])
        # due 0: no due time (sent first, at once); the first real due time anchors the rest
        first_due = next((packets[g[0]][0] for g in groups if packets[g[0]][0] > 0), 0)
        start = time.perf_counter_ns()
        for k, group in enumerate(groups):
            due = packets[group[0]][0]
            if self.realtime and due > 0:
                wait = (due - first_due) - (time.perf_counter_ns() - start)
                if wait > 0:
                    time.sleep(wait / 1e9)
            # a simulated clock follows the due times in real time too (the receiver's windows
            # judge the schedule; the wall clock's lateness is the slot pacer's to count)
            if due > self.clock.now_ns() and callable(getattr(self.clock, "set", None)):
                self.clock.set(due)
            for i in group:
                send_now(packets[i][1], packets[i][2])
            if due == first_due:                 # the later groups wait from its send
                start = time.perf_counter_ns()
            self.bursts += 1
            self.max_burst = max(self.max_burst, len(group))
            if self.between is not None:
                self.between(k)
