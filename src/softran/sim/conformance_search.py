"""Adaptive SNR search for the 70 % throughput crossing of one TS 38.104 §8.2 PUSCH
requirement row: what a quick conformance run simulates.

A quick run cannot afford the full grid with 1000 slots per point, but it must still report
the crossing (TS 38.104 §8.2: the SNR where the throughput reaches 70 % of the maximum) as a
number with its confidence interval (:func:`~softran.sim.throughput_crossing`), and the
verdict at the TS 38.141-1 test SNR. The search decides one step at a time, from the points
measured so far, what to simulate next (:func:`search_step`):

1. *Start* at the test SNR (the verdict is measured there).
2. *Bracket*: while every point lies on one side of 70 %, add a point beyond the last one in
   the direction of the crossing, each step twice the span searched so far (1, 1, 2, 4, 8 dB:
   test SNR -1, -2, -4, -8, -16 dB), up to ``max_offset_db`` from the test SNR; when the
   crossing is bracketed but its interval still reaches past the outermost point, add a point
   ``first_step_db`` beyond it.
3. *Refine*: while the points next to the crossing estimate are more than ``width_db`` apart,
   add a pair of points ``width_db / 2`` below and above the estimate (one per step): the
   interval reads the curve linearly between neighbouring points, which holds over a short
   span only (two settled points 4 dB apart give a narrow interval around a wrong SNR).
   Then, while the crossing's interval is wider than ``width_db``: while a point
   that bounds the interval or lies in it is still open (its throughput interval holds
   70 %), give the points more slots (raise ``max_slots``, by the square of the width ratio,
   1.25x to 2x: the interval narrows as one over the square root of the slots); when they
   are all settled and two of them are more than ``width_db`` apart,
   add a point half-way between them. Once both points of the pair are settled (their
   intervals exclude 70 %), the crossing's interval lies between them.

Every point of one search runs under the same stopping rule (``[stopping]`` of the
scenario, :mod:`softran.sim.stopping`): at least ``min_slots``, then stop as soon as the
point's throughput interval lies on one side of 70 % (``target_throughput = 0.7``), or at
``max_slots``. A point far from the crossing is settled after ``min_slots``; only the points
whose interval still contains 70 % (near the crossing) take the larger ``max_slots`` when the
search raises it. Since the rule is the same for every point, the points and the final
``max_slots`` make one scenario whose stored results are exactly what the search measured.

The search ends when the crossing's interval is at most ``width_db`` wide, or when it cannot
narrow it within its budget (``max_slots`` at ``slots_limit``, or the crossing beyond
``max_offset_db``); :class:`SearchStep` says which.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from softran.sim.conformance import (
    ThroughputPoint,
    throughput_crossing,
    throughput_interval,
    throughput_points,
)
from softran.sim.requirements import TARGET_THROUGHPUT
from softran.validation import check_int, check_positive, check_real

__all__ = ["SearchPlan", "SearchStep", "search_step"]


@dataclass(frozen=True)
class SearchPlan:
    """Settings of the adaptive crossing search (module docstring).

    ``width_db``: the crossing interval to reach; ``first_step_db``: the first bracketing
    step; ``max_offset_db``: the farthest point from the test SNR; ``grid_db``: SNRs are
    multiples of it (points of other searches are shared); ``min_slots`` / ``slots_limit``:
    the least slots of a point and the most that the search lets ``max_slots`` reach;
    ``slot_quantum``: ``max_slots`` is a multiple of it (the batch size);
    ``max_points``: the most SNR points; ``confidence``: of the intervals.

    >>> SearchPlan().width_db, SearchPlan().first_step_db
    (0.5, 1.0)
    """

    width_db: float = 0.5
    first_step_db: float = 1.0
    max_offset_db: float = 16.0
    grid_db: float = 0.05
    min_slots: int = 100
    slots_limit: int = 2000
    slot_quantum: int = 50
    max_points: int = 16
    confidence: float = 0.95

    def __post_init__(self) -> None:
        for name in ("width_db", "first_step_db", "max_offset_db", "grid_db"):
            check_positive(name, getattr(self, name))
        for name in ("min_slots", "slots_limit", "slot_quantum", "max_points"):
            check_int(name, getattr(self, name), 1)
        if self.slots_limit < self.min_slots:
            raise ValueError(f"slots_limit = {self.slots_limit} is below min_slots = "
                             f"{self.min_slots}")
        check_real("confidence", self.confidence)
        if not 0 < self.confidence < 1:
            raise ValueError(f"confidence = {self.confidence} is out of range; allowed: "
                             "0 < confidence < 1")


@dataclass(frozen=True)
class SearchStep:
    """What the search does next: simulate a new point at ``snr_db``, or run every point
    up to ``max_slots`` (raised), or stop (both None) for ``reason``."""

    snr_db: float | None
    max_slots: int | None
    reason: str

    @property
    def done(self) -> bool:
        """True when the search stops."""
        return self.snr_db is None and self.max_slots is None


def _snap(x: float, grid: float) -> float:
    return round(round(x / grid) * grid, 6)


def search_step(points: list[ThroughputPoint], test_snr_db: float, max_slots: int,
                plan: SearchPlan | None = None) -> SearchStep:
    """The next step of the crossing search (module docstring) from the points measured so
    far (``points``, see :func:`~softran.sim.throughput_points`), all under the stopping
    rule with the current ``max_slots``.

    >>> pts = [ThroughputPoint(-1.7, 100, 93, 100)]
    >>> search_step(pts, -1.7, 100)                      # all above 70 %: go down
    SearchStep(snr_db=-2.7, max_slots=None, reason='bracket: every point above 70 %')
    >>> pts += [ThroughputPoint(-2.7, 100, 90, 100), ThroughputPoint(-3.7, 100, 60, 100)]
    >>> c = search_step(pts, -1.7, 100)   # crossing near -3.37: a pair 0.25 dB around it
    >>> c.snr_db, c.reason
    (-3.6, 'refine: a point 0.25 dB below the estimate -3.37 dB')
    """
    plan = SearchPlan() if plan is None else plan
    if not isinstance(plan, SearchPlan):
        raise TypeError(f"plan must be a SearchPlan, got {type(plan).__name__}")
    check_real("test_snr_db", test_snr_db)
    check_int("max_slots", max_slots, 1)
    pts = throughput_points(points)
    x = np.array([p.snr_db for p in pts])
    y = np.array([p.fraction for p in pts])
    n = np.array([p.effective_slots for p in pts], dtype=np.float64)
    c = throughput_crossing(x, y, n, TARGET_THROUGHPUT, plan.confidence)
    lowest, highest = float(x[0]), float(x[-1])
    span = highest - lowest

    def add(snr: float, reason: str) -> SearchStep:
        snr = _snap(snr, plan.grid_db)
        if abs(snr - test_snr_db) > plan.max_offset_db + 1e-9:
            return SearchStep(None, None, f"stop: the crossing lies more than "
                                          f"{plan.max_offset_db:g} dB from the test SNR")
        if len(pts) >= plan.max_points:
            return raise_slots(f"{plan.max_points} points reached")
        if np.any(np.abs(x - snr) < plan.grid_db / 2):
            return raise_slots("no room for another point")
        return SearchStep(snr, None, reason)

    def raise_slots(reason: str) -> SearchStep:
        if max_slots >= plan.slots_limit:
            return SearchStep(None, None, f"stop: budget spent ({reason}; max_slots = "
                                          f"{max_slots})")
        width = c.high - c.low
        factor = min(2.0, max(1.25, (width / plan.width_db) ** 2)) if math.isfinite(width) \
            else 2.0
        q = plan.slot_quantum
        new = min(plan.slots_limit, max(max_slots + q, math.ceil(max_slots * factor / q) * q))
        return SearchStep(None, new, f"refine: more slots near the crossing ({reason})")

    # 2. bracket
    if not c.bracketed:
        step = max(plan.first_step_db, span)
        if c.low == -math.inf:
            return add(lowest - step, "bracket: every point above 70 %")
        return add(highest + step, "bracket: every point below 70 %")
    if c.low == -math.inf:
        return add(lowest - plan.first_step_db, "bracket: interval reaches below the points")
    if c.high == math.inf:
        return add(highest + plan.first_step_db, "bracket: interval reaches above the points")
    # 3. refine
    width = c.high - c.low
    assert c.snr_db is not None
    est, half, tol = c.snr_db, plan.width_db / 2, plan.grid_db / 2
    a = float(x[x <= est].max()) if np.any(x <= est) else -math.inf
    b = float(x[x > est].min()) if np.any(x > est) else math.inf
    if b - a > plan.width_db + tol:
        # bracket the estimate with a pair width_db apart: once both are settled, the
        # interval lies between them
        centre = _snap(est, plan.grid_db)
        if centre - half > a + tol:
            return add(centre - half, f"refine: a point {half:g} dB below the estimate "
                                      f"{est:.2f} dB")
        if centre + half < b - tol:
            return add(centre + half, f"refine: a point {half:g} dB above the estimate "
                                      f"{est:.2f} dB")
    elif width <= plan.width_db:
        return SearchStep(None, None, f"converged: crossing interval {width:.2f} dB "
                                      f"<= {plan.width_db:g} dB")
    lo_i = max(int(np.searchsorted(x, c.low, side="right")) - 1, 0)
    hi_i = min(int(np.searchsorted(x, c.high, side="left")), len(x) - 1)
    lo_b, hi_b = throughput_interval(y[lo_i:hi_i + 1], n[lo_i:hi_i + 1], plan.confidence)
    if np.any((lo_b < TARGET_THROUGHPUT) & (hi_b >= TARGET_THROUGHPUT)) \
            and max_slots < plan.slots_limit:
        # a point whose interval still holds 70 % narrows with more slots
        return raise_slots(f"crossing interval {width:.2f} dB")
    gaps = np.diff(x[lo_i:hi_i + 1])
    if gaps.size and float(gaps.max()) > plan.width_db + tol:
        # settled points (or no budget left) around a wide gap: a point in the gap
        k = lo_i + int(np.argmax(gaps))
        lo_x, hi_x = float(x[k]), float(x[k + 1])
        return add((lo_x + hi_x) / 2, f"refine: {hi_x - lo_x:.2f} dB between {lo_x:g} and "
                                      f"{hi_x:g} dB")
    return raise_slots(f"crossing interval {width:.2f} dB")
