"""Progress of simulation runs, and what a run did: how many points it found already done in
the results store and how many batches it computed.

On a terminal the progress is a Rich bar per SNR point (on stderr); when stderr is not a
terminal (a log file, a pipe) it is plain lines: one when a point finishes and, for the points
that run, one at most every ``interval`` seconds. Each line shows the point's transport
blocks, its throughput (fraction of the maximum, TS 38.141-1 §8.2.1.5), its first-transmission
BLER (the BLER without HARQ) and its residual BLER after HARQ.

One :class:`RunProgress` can follow several runs (:func:`softran.sim.simulate` calls), as the
adaptive SNR search of a quick conformance run makes; a point is known by its batch stream and
SNR, so a point that comes back in a later run keeps its line.
"""

from __future__ import annotations

import sys
import time
from dataclasses import dataclass
from typing import IO, Any

from softran.sim.link import SlotCounts

__all__ = ["RunProgress", "point_summary"]


def point_summary(c: SlotCounts, compact: bool = False) -> str:
    """One line of the counts of a point: blocks, throughput, first-transmission BLER,
    residual BLER (after HARQ); "not started" without blocks. ``compact``: shorter words
    (a progress bar at 80 columns).

    >>> c = SlotCounts(slots=120, transmissions=120, transmission_errors=20, blocks=100,
    ...                block_errors=0, delivered_bits=100, max_bits=120,
    ...                first_transmission_errors=19)
    >>> point_summary(c)
    'blocks 100, throughput 83.3 %, 1st-tx BLER 0.19, residual BLER 0'
    >>> point_summary(c, compact=True)
    '100 blk, thr 83.3 %, 1st-tx BLER 0.19, BLER 0'
    >>> point_summary(SlotCounts.zero())
    'not started'
    """
    if not c.blocks:
        return "not started"
    first = ("–" if c.first_transmission_errors is None
             else f"{c.first_transmission_errors / c.blocks:.3g}")
    thr = f"{100 * c.delivered_bits / c.max_bits:.1f} %" if c.max_bits else "–"
    bler = f"{c.block_errors / c.blocks:.3g}"
    if compact:
        return f"{c.blocks} blk, thr {thr}, 1st-tx BLER {first}, BLER {bler}"
    return f"blocks {c.blocks}, throughput {thr}, 1st-tx BLER {first}, residual BLER {bler}"


@dataclass
class _State:
    snr_db: float
    stored_at_start: int      # batches counted at the first run that saw the point
    done_at_start: bool
    new_batches: int = 0
    task: Any = None
    last_line: float = 0.0
    reported_done: bool = False


class RunProgress:
    """Progress display and book-keeping of one or more simulation runs (module docstring).

    ``enabled`` false: nothing is shown, the book-keeping still counts. ``stream``: where the
    lines go (default ``sys.stderr``); ``terminal``: bars (True) or plain lines (False);
    default: whether ``stream`` is a terminal. ``interval``: seconds between two plain lines
    of a running point.

    >>> import io
    >>> out = io.StringIO()
    >>> p = RunProgress(stream=out, interval=0.0)
    >>> p.begin("demo", [(("s", 1000), 1.0, 0, False, 2)])
    >>> p.update(("s", 1000), SlotCounts(slots=10, transmissions=10, blocks=10,
    ...          delivered_bits=10, max_bits=10, first_transmission_errors=0), 1, True, 2,
    ...          new=True)
    >>> p.end()
    >>> print(out.getvalue().strip())
    demo
    SNR    1.000 dB  done     1 batches: blocks 10, throughput 100.0 %, 1st-tx BLER 0, residual BLER 0
    >>> p.new_batches, p.summary()
    (1, (1, 0))
    """

    def __init__(self, enabled: bool = True, *, stream: IO[str] | None = None,
                 terminal: bool | None = None, interval: float = 10.0) -> None:
        self.enabled = bool(enabled)
        self._stream = stream
        self._terminal = terminal
        self.interval = float(interval)
        self._points: dict[Any, _State] = {}
        self._bar: Any = None
        self._depth = 0
        self._compact = False

    # ---- what the runs did ---------------------------------------------------------
    @property
    def new_batches(self) -> int:
        """Batches computed (and stored) by the runs so far."""
        return sum(s.new_batches for s in self._points.values())

    def summary(self) -> tuple[int, int]:
        """``(points, points that were already done in the store when first seen)``."""
        return len(self._points), sum(s.done_at_start for s in self._points.values())

    def resumed_line(self) -> str | None:
        """"resumed: k of n points already done" (plus the stored batches of the others)
        when the store held work of these points; None for a fresh run."""
        n, done = self.summary()
        partial = sum(not s.done_at_start and s.stored_at_start > 0
                      for s in self._points.values())
        if not done and not partial:
            return None
        extra = (f"; {partial} point(s) continued from stored batches" if partial else "")
        return f"resumed: {done} of {n} points already done{extra}"

    # ---- display -------------------------------------------------------------------
    def _out(self) -> IO[str]:
        return self._stream if self._stream is not None else sys.stderr

    def _is_terminal(self) -> bool:
        if self._terminal is not None:
            return self._terminal
        isatty = getattr(self._out(), "isatty", None)
        return bool(isatty and isatty())

    def _line(self, text: str) -> None:
        if self._bar is not None:
            from rich.markup import escape

            self._bar.console.print(escape(text))
        else:
            out = self._out()
            out.write(text + "\n")
            out.flush()

    def message(self, text: str) -> None:
        """Show one line among the progress (nothing when disabled)."""
        if self.enabled:
            self._line(text)

    def begin(self, title: str, points: list[tuple[Any, float, int, bool, int]]) -> None:
        """Start showing a run: ``points`` are ``(key, snr_db, batches counted, done,
        b_max)`` as the run found them in the store. Calls nest: the bars stay until the
        outermost :meth:`end`, and only the outermost title is shown."""
        for key, snr_db, counted, done, _ in points:
            if key not in self._points:
                self._points[key] = _State(snr_db, counted, done)
        self._depth += 1
        if not self.enabled:
            return
        outermost = self._depth == 1
        if self._is_terminal() and self._bar is None:
            from rich.console import Console
            from rich.progress import (
                BarColumn,
                MofNCompleteColumn,
                Progress,
                TextColumn,
                TimeElapsedColumn,
            )

            console = Console(file=self._out(), stderr=self._stream is None)
            # below 120 columns: no bar, no clock and shorter words: 80 columns hold a line
            self._compact = console.width < 120
            columns: list[Any] = [TextColumn("{task.description}"), MofNCompleteColumn(),
                                  TextColumn("{task.fields[info]}")]
            if not self._compact:
                columns[1:1] = [BarColumn(bar_width=20)]
                columns.append(TimeElapsedColumn())
            self._bar = Progress(*columns, transient=False, console=console)
            self._bar.start()
        if outermost and title:
            self._line(title)

    def update(self, key: Any, counts: SlotCounts, counted: int, done: bool, b_max: int, *,
               new: bool = False) -> None:
        """Show the state of a point: ``counted`` consecutive batches, ``done`` when its
        stopping rule holds, at most ``b_max`` batches; ``new``: a batch was just computed."""
        state = self._points[key]
        if new:
            state.new_batches += 1
        if not self.enabled:
            return
        info = point_summary(counts, compact=self._bar is not None and self._compact)
        if self._bar is not None:
            if state.task is None:
                state.task = self._bar.add_task(f"{state.snr_db:7.2f} dB" if self._compact
                                                else f"SNR {state.snr_db:8.3f} dB", total=b_max,
                                                info=info)
            self._bar.update(state.task, total=b_max, completed=b_max if done else counted,
                             info=info)
            return
        now = time.monotonic()
        if not done:
            state.reported_done = False
        if done and not state.reported_done:
            state.reported_done = True
            self._line(f"SNR {state.snr_db:8.3f} dB  done {counted:5d} batches: {info}")
        elif not done and new and now - state.last_line >= self.interval:
            state.last_line = now
            self._line(f"SNR {state.snr_db:8.3f} dB       {counted:5d} batches: {info}")

    def end(self) -> None:
        """End a run; the outermost end stops the bars (they stay on the terminal)."""
        self._depth = max(0, self._depth - 1)
        if self._depth == 0 and self._bar is not None:
            self._bar.stop()
            self._bar = None
            for s in self._points.values():
                s.task = None
