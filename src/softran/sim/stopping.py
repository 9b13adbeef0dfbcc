"""Stopping rule of an SNR point and the confidence intervals that are reported with it.

The rule is evaluated on the cumulative counts of batches ``0..b`` in batch-index order only:
a point stops at the *first* batch index ``b`` where the rule holds, and its results are the
sum of batches ``0..b``. Batches after ``b`` that a parallel engine computed anyway are kept in
the store but never counted, so the reported counts are the same on every engine.

The rule (``[stopping]`` of the scenario) holds on cumulative counts ``c`` when

* ``c.slots >= max_slots``; or, once ``c.slots >= min_slots``,
* ``c.block_errors >= target_block_errors`` (when ``target_block_errors > 0``); or
* ``ci_relative_width`` is set, ``c.block_errors > 0`` and the Wilson interval of the BLER at
  ``ci_level`` is at most ``ci_relative_width * BLER`` wide; or
* ``target_throughput`` is set and the throughput's interval at ``ci_level`` (below) lies
  on one side of it: the point is conclusively above or below the target (TS 38.141-1
  §8.2.1.5 judges the throughput against 70 % of the maximum).

Intervals: the BLER (block errors over blocks) gets the Wilson score interval (Wilson 1927),
which keeps its coverage for small counts and never leaves [0, 1]. The throughput
(``delivered_bits / max_bits``) gets the Wilson interval of a proportion over
``transmissions`` trials: exact in distribution without HARQ (one transmission per block);
with HARQ the outcomes of successive transmissions of a block are dependent and the
interval is an approximation.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from statistics import NormalDist
from typing import TYPE_CHECKING

from softran.sim.link import SlotCounts

if TYPE_CHECKING:
    from softran.sim.scenario_sections import StoppingSection

__all__ = ["PointResult", "point_result", "rule_holds", "stop_index", "throughput_ci",
           "wilson_interval"]


def wilson_interval(k: float, n: float, level: float = 0.95) -> tuple[float, float]:
    """Wilson score interval of a proportion ``k / n`` at confidence ``level``.

    ``p = k/n``, ``z`` the ``(1 + level)/2`` normal quantile:
    ``(p + z^2/(2n) -+ z sqrt(p(1-p)/n + z^2/(4n^2))) / (1 + z^2/n)``; ``(0, 1)`` when
    ``n = 0``.

    >>> lo, hi = wilson_interval(5, 100)
    >>> round(lo, 4), round(hi, 4)
    (0.0215, 0.1118)
    """
    if isinstance(level, bool) or not 0 < level < 1:
        raise ValueError(f"level = {level} is out of range; allowed: 0 < level < 1")
    if n < 0 or k < 0 or k > n:
        raise ValueError(f"k = {k}, n = {n} is not allowed; need 0 <= k <= n")
    if n == 0:
        return 0.0, 1.0
    z = NormalDist().inv_cdf((1 + level) / 2)
    p = k / n
    denom = 1 + z * z / n
    center = (p + z * z / (2 * n)) / denom
    half = z * math.sqrt(p * (1 - p) / n + z * z / (4 * n * n)) / denom
    # the bounds are exactly 0 at k = 0 and 1 at k = n; keep rounding from moving them
    lo = 0.0 if k == 0 else max(0.0, min(p, center - half))
    hi = 1.0 if k == n else min(1.0, max(p, center + half))
    return lo, hi


def rule_holds(c: SlotCounts, rule: StoppingSection) -> bool:
    """Whether the stopping ``rule`` holds on cumulative counts ``c`` (module docstring).

    >>> from softran.sim.scenario_sections import StoppingSection
    >>> rule = StoppingSection(target_block_errors=10, max_slots=1000)
    >>> rule_holds(SlotCounts(slots=200, blocks=200, block_errors=9), rule)
    False
    >>> rule_holds(SlotCounts(slots=200, blocks=200, block_errors=10), rule)
    True
    """
    if c.slots >= rule.max_slots:
        return True
    if c.slots < rule.min_slots:
        return False
    if rule.target_block_errors > 0 and c.block_errors >= rule.target_block_errors:
        return True
    if rule.ci_relative_width is not None and c.block_errors > 0:
        lo, hi = wilson_interval(c.block_errors, c.blocks, rule.ci_level)
        if hi - lo <= rule.ci_relative_width * c.block_errors / c.blocks:
            return True
    if rule.target_throughput is not None and c.max_bits:
        lo, hi = throughput_ci(c, rule.ci_level)
        return lo >= rule.target_throughput or hi < rule.target_throughput
    return False


def throughput_ci(c: SlotCounts, level: float = 0.95) -> tuple[float, float]:
    """Wilson interval of the throughput ``delivered_bits / max_bits`` of counts ``c``, as a
    proportion over ``c.transmissions`` trials (module docstring); ``(0, 1)`` without bits.

    >>> lo, hi = throughput_ci(SlotCounts(slots=100, transmissions=100, delivered_bits=95,
    ...                                   max_bits=100))
    >>> round(lo, 4), round(hi, 4)
    (0.8882, 0.9785)
    """
    if not c.max_bits:
        return 0.0, 1.0
    thr = c.delivered_bits / c.max_bits
    return wilson_interval(min(thr * c.transmissions, c.transmissions), c.transmissions, level)


def stop_index(batches: Sequence[SlotCounts], rule: StoppingSection) -> int | None:
    """First batch index ``b`` at which ``rule`` holds on batches ``0..b``, or ``None``.

    ``batches`` are the consecutive batches 0, 1, ... of one SNR point.

    >>> from softran.sim.scenario_sections import StoppingSection
    >>> rule = StoppingSection(target_block_errors=3, max_slots=100)
    >>> b = [SlotCounts(slots=10, blocks=10, block_errors=e) for e in (1, 0, 2, 5)]
    >>> stop_index(b, rule), stop_index(b[:2], rule)
    (2, None)
    """
    total = SlotCounts.zero()
    for b, counts in enumerate(batches):
        total = total + counts
        if rule_holds(total, rule):
            return b
    return None


@dataclass(frozen=True)
class PointResult:
    """Results of one SNR point: the counts of batches ``0..n_batches-1`` and their rates.

    ``done``: the stopping rule holds at batch ``n_batches - 1``. ``bler`` = block errors /
    blocks (after HARQ), ``transmission_bler`` = NACKs / transmissions,
    ``first_transmission_bler`` = blocks whose first transmission failed / blocks (the BLER
    without HARQ; ``None`` where it was not counted), ``throughput`` = delivered / max
    bits; ``nan`` with no blocks (:attr:`started` is false). Intervals as in the module
    docstring.
    """

    snr_db: float
    counts: SlotCounts
    n_batches: int
    done: bool
    bler: float
    bler_ci: tuple[float, float]
    transmission_bler: float
    throughput: float
    throughput_ci: tuple[float, float]
    first_transmission_bler: float | None = None

    @property
    def started(self) -> bool:
        """Whether any block of this point was simulated (the rates are ``nan`` until then)."""
        return self.counts.blocks > 0

    def as_row(self) -> dict[str, float | int | bool]:
        """Flat dict for tables and exports."""
        return {"snr_db": self.snr_db, "n_batches": self.n_batches, "done": self.done,
                **self.counts.as_dict(), "bler": self.bler, "bler_lo": self.bler_ci[0],
                "bler_hi": self.bler_ci[1], "transmission_bler": self.transmission_bler,
                "first_transmission_bler": self.first_transmission_bler,
                "throughput": self.throughput, "throughput_lo": self.throughput_ci[0],
                "throughput_hi": self.throughput_ci[1]}


def point_result(snr_db: float, batches: Sequence[SlotCounts],
                 rule: StoppingSection) -> PointResult:
    """Aggregate the consecutive batches of a point up to where ``rule`` stops it.

    >>> from softran.sim.scenario_sections import StoppingSection
    >>> rule = StoppingSection(target_block_errors=5, max_slots=1000)
    >>> b = [SlotCounts(slots=100, transmissions=100, blocks=100, block_errors=5,
    ...                 delivered_bits=950, max_bits=1000)] * 3
    >>> r = point_result(1.0, b, rule)
    >>> r.n_batches, r.done, r.bler, r.throughput
    (1, True, 0.05, 0.95)
    """
    b_stop = stop_index(batches, rule)
    used = batches if b_stop is None else batches[:b_stop + 1]
    c = SlotCounts.zero()
    for counts in used:
        c = c + counts
    nan = float("nan")
    bler = c.block_errors / c.blocks if c.blocks else nan
    tx_bler = c.transmission_errors / c.transmissions if c.transmissions else nan
    thr = c.delivered_bits / c.max_bits if c.max_bits else nan
    first = c.first_transmission_errors
    return PointResult(snr_db=snr_db, counts=c, n_batches=len(used), done=b_stop is not None,
                       bler=bler, bler_ci=wilson_interval(c.block_errors, c.blocks, rule.ci_level),
                       transmission_bler=tx_bler, throughput=thr,
                       throughput_ci=throughput_ci(c, rule.ci_level),
                       first_transmission_bler=(None if first is None
                                                else first / c.blocks if c.blocks else nan))
