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
which keeps its coverage for small counts and never leaves [0, 1].

The throughput ``R = delivered_bits / max_bits`` is a *ratio estimator*
(:func:`throughput_trials`). The blocks of a batch are independent (each starts its own HARQ
process on its own fading), and block ``i`` contributes a pair: delivered ``d_i`` (0 or 1)
and its transmissions ``t_i`` (1 .. 4); with one TBS, ``R = sum d_i / sum t_i = D / T``.
The slots are *not* independent trials: a failed transmission is followed by a
retransmission of the same block, which is more likely to succeed. The delta method
(Cochran, *Sampling Techniques*, 3rd ed., §6.4) gives, over ``n`` blocks,
``Var(R) ~ s_e^2 n / T^2`` with the residuals ``e_i = d_i - R t_i`` and
``s_e^2 = sum e_i^2 / (n - 1) = (D - 2 R sum d_i t_i + R^2 sum t_i^2) / (n - 1)``: it needs
the counts ``delivered_transmissions`` (``sum d_i t_i``) and ``transmissions_squared``
(``sum t_i^2``) besides ``D`` and ``T``. The interval is the Wilson interval of ``R`` over
the *effective* number of trials ``n_eff = R (1 - R) / Var(R)``: the independent trials
whose proportion has the ratio's variance. Near a 70 % crossing, where almost every block is
delivered within two transmissions, ``n_eff`` is 2 to 2.5 ``T`` (2.2 measured at the
crossing of the ``make demo`` row, G-FR1-A3-8 1x2 TDLB100-400): the same width takes less
than half the slots of the Bernoulli reading of ``T`` slots; blocks lost after every
transmission add spread and can make ``n_eff`` smaller than ``T``. Without
HARQ (``t_i = 1``) ``n_eff = T (n - 1) / n``, the Bernoulli count. Where the two sums were
not counted (a HARQ timeline with stalls, two codewords, batches of an older softran), or
the ratio has no spread (``R`` 0 or 1, fewer than 2 blocks), ``n_eff = transmissions``:
the Bernoulli reading.
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
           "throughput_trials", "wilson_interval"]


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


def throughput_trials(throughput: float, blocks: int, transmissions: int,
                      delivered_transmissions: int | None,
                      transmissions_squared: int | None) -> float:
    """Effective number of independent trials of a throughput ``R`` measured over ``blocks``
    blocks and ``transmissions`` transmissions (the ratio estimator of the module
    docstring): ``R (1 - R) / Var(R)``, with ``Var(R) = n (D - 2 R sum d t + R^2 sum t^2) /
    ((n - 1) T^2)`` and ``D = R T``; ``transmissions`` where the sums are ``None`` or the
    ratio has no spread.

    >>> round(throughput_trials(0.7, 100, 100, 70, 100), 6)  # one transmission each: T (n-1)/n
    99.0
    >>> # 100 blocks, all delivered: 57 at the 1st transmission, 43 at the 2nd (R = 0.699)
    >>> round(throughput_trials(100 / 143, 100, 143, 143, 57 + 4 * 43), 1)   # > T = 143
    355.2
    >>> # 60 at the 1st, 20 at the 2nd, 10 at the 3rd, 10 lost after 4: lost blocks add spread
    >>> round(throughput_trials(90 / 170, 100, 170, 60 + 40 + 30, 60 + 80 + 90 + 160), 1)
    115.6
    """
    if delivered_transmissions is None or transmissions_squared is None or blocks < 2 \
            or not 0 < throughput < 1:
        return float(transmissions)
    r, n, t = float(throughput), float(blocks), float(transmissions)
    residual = r * t - 2 * r * delivered_transmissions + r * r * transmissions_squared
    var = residual * n / ((n - 1) * t * t)
    if not var > 0:
        return float(transmissions)
    return r * (1 - r) / var


def throughput_ci(c: SlotCounts, level: float = 0.95) -> tuple[float, float]:
    """Wilson interval of the throughput ``delivered_bits / max_bits`` of counts ``c``, as a
    proportion over the effective number of trials of the ratio estimator
    (:func:`throughput_trials`; module docstring); ``(0, 1)`` without bits.

    >>> lo, hi = throughput_ci(SlotCounts(slots=100, transmissions=100, delivered_bits=95,
    ...                                   max_bits=100))
    >>> round(lo, 4), round(hi, 4)
    (0.8882, 0.9785)
    """
    if not c.max_bits:
        return 0.0, 1.0
    thr = c.delivered_bits / c.max_bits
    n = throughput_trials(thr, c.blocks, c.transmissions, c.delivered_transmissions,
                          c.transmissions_squared) if c.slots == c.transmissions \
        else float(c.transmissions)
    return wilson_interval(min(thr * n, n), n, level)


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
