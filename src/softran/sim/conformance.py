"""TS 38.141-1 §8.2 PUSCH conformance maths: the throughput statistics of a measured curve
and the PASS/FAIL verdict at the test SNR of a TS 38.104 §8.2 requirement row
(:mod:`softran.sim.requirements`); the reports are in :mod:`softran.sim.conformance_report`.

The conformance method (TS 38.141-1 §8.2.1.5): configure the FRC and the propagation
condition, set the SNR to the *test requirement* (38.104 SNR + test tolerance) and measure
the throughput with HARQ; the BS passes when the throughput is at least 70 % of the maximum
throughput (payload x slots). :func:`verdict` applies exactly this rule; the SNR at which
the measured curve crosses 70 % (:func:`throughput_crossing`) and the margin to the test
SNR are reported for information.

Statistics. The throughput fraction of a point is read as a proportion over ``n`` trials
and gets the Wilson score interval, which does not collapse to zero width at 0 % or 100 % as
the normal (Wald) interval does. The slots are not independent trials: a failed first
transmission makes a delivery in the slot of the retransmission more likely. The measured
points therefore use ``n`` = :attr:`ThroughputPoint.effective_slots`, the effective number of
trials of the ratio estimator delivered blocks / transmissions over independent blocks
(:func:`~softran.sim.stopping.throughput_trials`, which derives it); where a point lacks the
counts it needs, its slots.
"""

from __future__ import annotations

import math
import numbers
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from statistics import NormalDist
from typing import Any

import numpy as np

from softran.sim.requirements import TARGET_THROUGHPUT, PUSCHRequirement, test_snr_db
from softran.sim.stopping import throughput_trials
from softran.validation import check_int

__all__ = [
    "ConformanceResult",
    "Crossing",
    "ThroughputPoint",
    "isotonic_increasing",
    "snr_points_around",
    "throughput_crossing",
    "throughput_interval",
    "throughput_points",
    "verdict",
]

# --------------------------------------------------------------------------------------------
# Throughput statistics
# --------------------------------------------------------------------------------------------

def _float_vector(name: str, value: Any) -> np.ndarray:
    if isinstance(value, (str, bytes)) or not isinstance(value, Iterable) and not hasattr(
            value, "__array__"):
        raise TypeError(f"{name} must be a sequence of numbers, got {type(value).__name__}")
    try:
        arr = np.asarray(value, dtype=np.float64)
    except (TypeError, ValueError) as exc:
        raise TypeError(f"{name} must be a sequence of numbers ({exc})") from None
    if arr.ndim != 1 or arr.size == 0:
        raise ValueError(f"{name} must be a non-empty 1-D sequence, got shape {arr.shape}")
    if not np.all(np.isfinite(arr)):
        raise ValueError(f"{name} = {arr.tolist()} is not allowed; all values must be finite")
    return arr


def _fractions(name: str, value: Any) -> np.ndarray:
    arr = _float_vector(name, value)
    if np.any((arr < 0) | (arr > 1)):
        raise ValueError(f"{name} = {arr.tolist()} is out of range; allowed: 0 <= {name} <= 1")
    return arr


def _slot_counts(n_slots: Any, size: int) -> np.ndarray:
    if isinstance(n_slots, numbers.Integral) and not isinstance(n_slots, bool):
        return np.full(size, check_int("n_slots", n_slots, 1), dtype=np.float64)
    arr = _float_vector("n_slots", n_slots)
    if arr.size != size:
        raise ValueError(f"n_slots has {arr.size} entries but there are {size} SNR points")
    if np.any(arr < 1):
        raise ValueError(f"n_slots = {arr.tolist()} is not allowed; each must be >= 1 (a "
                         "count of slots, or an effective number of trials)")
    return arr


def _z(confidence: Any) -> float:
    if isinstance(confidence, bool) or not isinstance(confidence, numbers.Real):
        raise TypeError(f"confidence must be a number, got {type(confidence).__name__}")
    if not 0 < float(confidence) < 1:
        raise ValueError(f"confidence = {confidence} is out of range; allowed: 0 < confidence < 1")
    return NormalDist().inv_cdf(0.5 + float(confidence) / 2)


def throughput_interval(throughput_fraction: Any, n_slots: Any, confidence: float = 0.95
                        ) -> tuple[np.ndarray, np.ndarray]:
    """Two-sided Wilson score interval of a throughput fraction measured over ``n_slots``
    slots (TS 38.141-1 §8.2 throughput; each slot delivers its TB or not), or over an
    effective number of trials (:attr:`ThroughputPoint.effective_slots`, the module note on
    HARQ dependence; it need not be an integer).

    ``(p + z^2/2n -+ z sqrt(p(1-p)/n + z^2/4n^2)) / (1 + z^2/n)``, z the two-sided normal
    quantile of ``confidence``.

    Shapes: ``throughput_fraction`` ``[n_points]``; ``n_slots`` an int or ``[n_points]``;
    returns ``(low, high)``, each ``[n_points]`` float64.

    >>> low, high = throughput_interval([0.5, 1.0], 100)
    >>> low.round(4).tolist(), high.round(4).tolist()
    ([0.4038, 0.963], [0.5962, 1.0])
    """
    p = _fractions("throughput_fraction", throughput_fraction)
    n = _slot_counts(n_slots, p.size)
    z = _z(confidence)
    denom = 1 + z * z / n
    centre = (p + z * z / (2 * n)) / denom
    half = z * np.sqrt(p * (1 - p) / n + z * z / (4 * n * n)) / denom
    return np.clip(centre - half, 0.0, 1.0), np.clip(centre + half, 0.0, 1.0)


def isotonic_increasing(values: Any, weights: Any = None) -> np.ndarray:
    """Weighted least-squares non-decreasing fit by pool-adjacent-violators: each run of
    points that decreases is replaced by its weighted mean (throughput cannot fall as the
    SNR rises; a measured dip is noise). Used on the TS 38.141-1 §8.2 throughput curves.

    Shapes: ``values`` ``[n]``, ``weights`` ``[n]`` (> 0; default all 1) -> ``[n]``.

    >>> isotonic_increasing([0.1, 0.5, 0.3, 0.9]).tolist()
    [0.1, 0.4, 0.4, 0.9]
    >>> isotonic_increasing([0.1, 0.5, 0.3, 0.9], [1, 1, 3, 1]).tolist()
    [0.1, 0.35, 0.35, 0.9]
    """
    y = _float_vector("values", values)
    w = np.ones_like(y) if weights is None else _float_vector("weights", weights)
    if w.size != y.size:
        raise ValueError(f"weights has {w.size} entries but values has {y.size}")
    if np.any(w <= 0):
        raise ValueError(f"weights = {w.tolist()} is not allowed; each must be > 0")
    # blocks of pooled points: [mean, weight, count]; a loop over SNR points, not samples
    means: list[float] = []
    wsum: list[float] = []
    count: list[int] = []
    for yi, wi in zip(y.tolist(), w.tolist()):
        means.append(yi)
        wsum.append(wi)
        count.append(1)
        while len(means) > 1 and means[-2] > means[-1]:
            w_new = wsum[-2] + wsum[-1]
            m_new = (means[-2] * wsum[-2] + means[-1] * wsum[-1]) / w_new
            c_new = count[-2] + count[-1]
            del means[-1], wsum[-1], count[-1]
            means[-1], wsum[-1], count[-1] = m_new, w_new, c_new
    return np.repeat(np.asarray(means), count)


def _first_crossing(x: np.ndarray, y: np.ndarray, target: float) -> float:
    """SNR where a non-decreasing curve first reaches ``target``, linear in dB between the
    bracketing points; -inf when the first point is already above it, +inf when never."""
    if y[0] > target:
        return -math.inf
    if y[-1] < target:
        return math.inf
    i = int(np.argmax(y >= target))
    if i == 0:
        return float(x[0])
    x0, x1, y0, y1 = float(x[i - 1]), float(x[i]), float(y[i - 1]), float(y[i])
    return x0 + (target - y0) / (y1 - y0) * (x1 - x0)


@dataclass(frozen=True)
class Crossing:
    """SNR (dB) at which the measured throughput reaches ``target``, with a confidence interval.

    ``bracketed`` is false when every measured point is above the target (the crossing lies
    below the lowest SNR: ``snr_db`` is ``None``, ``low`` is -inf, ``high`` an SNR) or below it
    (``snr_db`` ``None``, ``low`` an SNR, ``high`` +inf).
    """

    snr_db: float | None
    low: float
    high: float
    bracketed: bool
    target: float
    confidence: float


def _sorted_points(snr_db: Any, throughput_fraction: Any, n_slots: Any
                   ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    x = _float_vector("snr_db", snr_db)
    y = _fractions("throughput_fraction", throughput_fraction)
    if y.size != x.size:
        raise ValueError(f"throughput_fraction has {y.size} entries but snr_db has {x.size}")
    n = _slot_counts(n_slots, x.size)
    order = np.argsort(x, kind="stable")
    x, y, n = x[order], y[order], n[order]
    if np.any(np.diff(x) == 0):
        raise ValueError(f"snr_db = {x.tolist()} has repeated values; merge their counts first")
    return x, y, n


def _repaired_curves(x: np.ndarray, y: np.ndarray, n: np.ndarray, confidence: float
                     ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    low, high = throughput_interval(y, n, confidence)
    # PAVA with the slot counts as weights; PAVA preserves order, so low <= mid <= high stays
    return isotonic_increasing(y, n), isotonic_increasing(low, n), isotonic_increasing(high, n)


def throughput_crossing(snr_db: Any, throughput_fraction: Any, n_slots: Any,
                        target: float = TARGET_THROUGHPUT, confidence: float = 0.95) -> Crossing:
    """SNR where the measured throughput fraction reaches ``target`` (TS 38.104 §8.2: 70 %).

    Method: sort by SNR; make the fraction and its Wilson bounds (:func:`throughput_interval`)
    non-decreasing in SNR by pool-adjacent-violators weighted by the slot counts
    (:func:`isotonic_increasing`); the crossing is where the repaired fraction first reaches
    ``target``, interpolated linearly in dB between the two bracketing points. ``low`` is
    where the upper bound curve reaches it and ``high`` where the lower bound curve does: the
    band of pointwise ``confidence`` intervals read horizontally (approximate, not
    simultaneous, coverage).

    Shapes: ``snr_db``, ``throughput_fraction`` ``[n_points]``; ``n_slots`` an int or
    ``[n_points]``.

    >>> c = throughput_crossing([0.0, 1.0], [0.5, 0.9], 1000)
    >>> round(c.snr_db, 6), c.bracketed, c.low < 0.5 < c.high
    (0.5, True, True)
    >>> throughput_crossing([0.0, 1.0], [0.8, 0.9], 1000).snr_db is None
    True
    """
    if isinstance(target, bool) or not isinstance(target, numbers.Real):
        raise TypeError(f"target must be a number, got {type(target).__name__}")
    if not 0 < float(target) < 1:
        raise ValueError(f"target = {target} is out of range; allowed: 0 < target < 1")
    target = float(target)
    _z(confidence)
    x, y, n = _sorted_points(snr_db, throughput_fraction, n_slots)
    mid, lo_curve, hi_curve = _repaired_curves(x, y, n, float(confidence))
    est = _first_crossing(x, mid, target)
    low = _first_crossing(x, hi_curve, target)
    high = _first_crossing(x, lo_curve, target)
    if low == math.inf:  # even the optimistic curve stays below: crossing above the last point
        low = float(x[-1])
    if high == -math.inf:  # even the pessimistic curve is above: crossing below the first point
        high = float(x[0])
    bracketed = math.isfinite(est)
    return Crossing(est if bracketed else None, low, high, bracketed, target, float(confidence))


# --------------------------------------------------------------------------------------------
# Verdict (TS 38.141-1 §8.2.1.5)
# --------------------------------------------------------------------------------------------

@dataclass(frozen=True)
class ThroughputPoint:
    """Measured throughput at one SNR: ``delivered_bits`` of ``max_bits`` over ``slots``;
    optionally the ``blocks`` and how many of their first transmissions failed
    (``first_transmission_errors``), for the first-transmission BLER, and the per-block sums
    of the throughput's interval (``delivered_transmissions``, ``transmissions_squared``:
    :class:`~softran.sim.SlotCounts`; the slots are then one per transmission)."""

    snr_db: float
    slots: int
    delivered_bits: int
    max_bits: int
    blocks: int | None = None
    first_transmission_errors: int | None = None
    delivered_transmissions: int | None = None
    transmissions_squared: int | None = None

    @property
    def effective_slots(self) -> float:
        """The effective number of independent trials of the throughput (the ratio
        estimator over blocks, :func:`~softran.sim.stopping.throughput_trials`), or
        ``slots`` where the blocks and the sums it needs were not counted.

        >>> ThroughputPoint(0.0, 143, 100, 143, 100, 43, 143, 229).effective_slots > 143
        True
        >>> ThroughputPoint(0.0, 143, 100, 143).effective_slots
        143.0
        """
        if self.blocks is None:
            return float(self.slots)
        return max(1.0, throughput_trials(self.fraction, self.blocks, self.slots,
                                          self.delivered_transmissions,
                                          self.transmissions_squared))

    @property
    def fraction(self) -> float:
        """Throughput as a fraction of the maximum throughput."""
        return self.delivered_bits / self.max_bits

    @property
    def first_transmission_bler(self) -> float | None:
        """Fraction of blocks whose first transmission failed (the BLER without HARQ), or
        None when not counted.

        >>> ThroughputPoint(0.0, 120, 100, 120, 100, 19).first_transmission_bler
        0.19
        """
        if not self.blocks or self.first_transmission_errors is None:
            return None
        return self.first_transmission_errors / self.blocks


def throughput_points(counts: Mapping[float, Any] | Iterable[Any]) -> list[ThroughputPoint]:
    """Normalise throughput measurements (TS 38.141-1 §8.2.1.5) to a list of
    :class:`ThroughputPoint` sorted by SNR.

    ``counts`` is a mapping ``{snr_db: c}`` or an iterable of ``(snr_db, c)`` pairs or of
    :class:`ThroughputPoint`; ``c`` is any object with ``slots``, ``delivered_bits`` and
    ``max_bits`` attributes (the simulator's per-point slot counts), and optionally
    ``blocks``, ``first_transmission_errors``, ``delivered_transmissions`` and
    ``transmissions_squared``.

    >>> from types import SimpleNamespace as C
    >>> throughput_points({1.0: C(slots=10, delivered_bits=700, max_bits=1000)})[0].fraction
    0.7
    """
    items: Iterable[Any] = counts.items() if isinstance(counts, Mapping) else counts
    if not isinstance(items, Iterable):
        raise TypeError(f"counts must be a mapping or an iterable, got {type(counts).__name__}")
    out = []
    for item in items:
        if isinstance(item, ThroughputPoint):
            p = item
        else:
            try:
                snr, c = item
            except (TypeError, ValueError):
                raise TypeError("counts entries must be ThroughputPoint or (snr_db, counts) "
                                f"pairs, got {item!r}") from None
            for attr in ("slots", "delivered_bits", "max_bits"):
                if not hasattr(c, attr):
                    raise TypeError(f"counts at snr_db={snr} has no attribute {attr!r}")
            opt = [getattr(c, name, None) for name in (
                "blocks", "first_transmission_errors", "delivered_transmissions",
                "transmissions_squared")]
            p = ThroughputPoint(float(snr), int(c.slots), int(c.delivered_bits), int(c.max_bits),
                                *(None if v is None else int(v) for v in opt))
        if p.slots < 1 or p.max_bits < 1 or not 0 <= p.delivered_bits <= p.max_bits:
            raise ValueError(f"bad counts at snr_db={p.snr_db}: slots={p.slots}, "
                             f"delivered_bits={p.delivered_bits}, max_bits={p.max_bits}; "
                             "allowed: slots >= 1, max_bits >= 1, 0 <= delivered_bits <= max_bits")
        if not math.isfinite(p.snr_db):
            raise ValueError(f"snr_db = {p.snr_db} is not allowed; it must be finite")
        out.append(p)
    if not out:
        raise ValueError("counts is empty; at least one SNR point is needed")
    out.sort(key=lambda q: q.snr_db)
    return out


@dataclass(frozen=True)
class ConformanceResult:
    """Outcome of one TS 38.141-1 §8.2.1 PUSCH test.

    ``throughput`` is the fraction of maximum throughput at ``test_snr_db`` (measured there,
    or interpolated when ``measured_at_test`` is false) with its confidence interval
    ``throughput_low``..``throughput_high``; ``passed`` is ``throughput >= 0.7``;
    ``margin_db`` = test SNR - crossing SNR (``None`` when the crossing is not bracketed);
    ``first_transmission_bler``: the fraction of blocks whose first transmission failed at
    the test SNR (``None`` when not measured there or not counted).
    """

    requirement: PUSCHRequirement
    test_snr_db: float
    throughput: float
    throughput_low: float
    throughput_high: float
    measured_at_test: bool
    crossing: Crossing
    margin_db: float | None
    passed: bool
    first_transmission_bler: float | None = None

    @property
    def margin_interval(self) -> tuple[float, float]:
        """Interval of the margin: test SNR minus the crossing's interval (dB, may be
        infinite when the crossing is not bracketed)."""
        return self.test_snr_db - self.crossing.high, self.test_snr_db - self.crossing.low

    @property
    def verdict(self) -> str:
        """``"PASS"`` or ``"FAIL"``."""
        return "PASS" if self.passed else "FAIL"

    @property
    def conclusive(self) -> bool:
        """True when the confidence interval at the test SNR lies on one side of 70 %."""
        target = self.crossing.target
        return self.throughput_low >= target or self.throughput_high < target


def verdict(points: Mapping[float, Any] | Iterable[Any], req: PUSCHRequirement, *,
            confidence: float = 0.95, snr_tolerance_db: float = 1e-6) -> ConformanceResult:
    """TS 38.141-1 §8.2.1.5 verdict: PASS when the throughput at the test SNR
    (:func:`test_snr_db`) is at least 70 % of the maximum throughput.

    The throughput is the one measured at the test SNR (a point within ``snr_tolerance_db``);
    if no point was measured there it is interpolated linearly in dB on the monotone-repaired
    curve between the two bracketing points (simulate at the test SNR to avoid this;
    :func:`snr_points_around` always includes it). A test SNR outside the measured range
    raises ``ValueError``. The crossing of 70 % and the margin are reported for information.

    ``points``: see :func:`throughput_points`.

    >>> from softran.sim.requirements import pusch_requirements
    >>> req = pusch_requirements(frc="A3-10", n_rx=2)[0]      # -2.1 dB, test SNR -1.5 dB
    >>> pts = [ThroughputPoint(-2.5, 1000, 500 * 5768, 1000 * 5768),
    ...        ThroughputPoint(-1.5, 1000, 900 * 5768, 1000 * 5768)]
    >>> r = verdict(pts, req)
    >>> r.verdict, r.throughput, round(r.crossing.snr_db, 2), round(r.margin_db, 2)
    ('PASS', 0.9, -2.0, 0.5)
    """
    if not isinstance(req, PUSCHRequirement):
        raise TypeError(f"req must be a PUSCHRequirement, got {type(req).__name__}")
    if isinstance(snr_tolerance_db, bool) or not isinstance(snr_tolerance_db, numbers.Real) \
            or not 0 <= float(snr_tolerance_db) < math.inf:
        raise ValueError(f"snr_tolerance_db = {snr_tolerance_db!r} is not allowed; "
                         "it must be a finite number >= 0")
    pts = throughput_points(points)
    t_snr = test_snr_db(req)
    x = np.array([p.snr_db for p in pts])
    y = np.array([p.fraction for p in pts])
    n = np.array([p.effective_slots for p in pts], dtype=np.float64)
    crossing = throughput_crossing(x, y, n, TARGET_THROUGHPUT, confidence)
    near = np.flatnonzero(np.abs(x - t_snr) <= float(snr_tolerance_db))
    if near.size:
        i = int(near[np.argmin(np.abs(x[near] - t_snr))])
        lo, hi = throughput_interval(y[i:i + 1], n[i:i + 1], confidence)
        tp, tp_lo, tp_hi, measured = float(y[i]), float(lo[0]), float(hi[0]), True
        first = pts[i].first_transmission_bler
    else:
        if not x[0] < t_snr < x[-1]:
            raise ValueError(f"the test SNR {t_snr} dB of {req.label} is outside the measured "
                             f"range {x[0]}..{x[-1]} dB; simulate at the test SNR")
        mid, lo_c, hi_c = _repaired_curves(x, y, n, float(confidence))
        tp, tp_lo, tp_hi = (float(np.interp(t_snr, x, c)) for c in (mid, lo_c, hi_c))
        measured, first = False, None
    margin = t_snr - crossing.snr_db if crossing.bracketed else None
    return ConformanceResult(req, t_snr, tp, tp_lo, tp_hi, measured, crossing, margin,
                             tp >= TARGET_THROUGHPUT, first)


def snr_points_around(req: PUSCHRequirement) -> list[float]:
    """SNR grid (dB) of a full conformance run of one requirement row, always including its
    test SNR: test SNR - 2 dB .. + 1 dB in 0.5 dB steps (7 points), so that a receiver that
    passes, and whose 70 % crossing lies up to about 2 dB better than the test SNR, is
    bracketed. (A quick run searches for the crossing instead:
    :mod:`softran.sim.conformance_search`.)

    >>> from softran.sim.requirements import pusch_requirements
    >>> req = pusch_requirements(frc="A3-10", n_rx=2)[0]
    >>> snr_points_around(req)
    [-3.5, -3.0, -2.5, -2.0, -1.5, -1.0, -0.5]
    """
    if not isinstance(req, PUSCHRequirement):
        raise TypeError(f"req must be a PUSCHRequirement, got {type(req).__name__}")
    t = test_snr_db(req)
    return [round(t + o, 2) for o in (-2.0, -1.5, -1.0, -0.5, 0.0, 0.5, 1.0)]
