"""Verdicts of the TS 38.104 §8.3 PUCCH and §8.4 PRACH requirements: a failure probability
(ACK missed, NACK to ACK, false ACK, UCI BLER, missed PRACH detection, PRACH false alarm)
measured at the TS 38.141-1 test SNR against its limit.

Statistics. Each trial (a HARQ-ACK bit, a UCI block, a PRACH occasion) fails or not; the
failures of independent trials are binomial, so the rate's confidence interval is the Wilson
score interval of the counts (:func:`~softran.sim.wilson_interval`). The verdict applies the
rule of the requirement to the point estimate: PASS when ``failures / trials <= limit``; the
result is *conclusive* when the whole interval lies on one side of the limit. Noise-only rows
(false ACK, false alarm) have a single measurement.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from softran.sim.requirements_control import (
    PRACHRequirement,
    PUCCHRequirement,
    control_test_snr_db,
)
from softran.sim.stopping import wilson_interval

__all__ = ["RatePoint", "RateResult", "rate_points_around", "rate_verdict"]


@dataclass(frozen=True)
class RatePoint:
    """A measured failure rate: ``failures`` of ``trials`` at ``snr_db``."""

    snr_db: float
    trials: int
    failures: int

    @property
    def rate(self) -> float:
        """failures / trials."""
        return self.failures / self.trials


@dataclass(frozen=True)
class RateResult:
    """Outcome of one PUCCH / PRACH requirement row: the rate at the test SNR (``test_snr_db``,
    None for noise-only rows), its Wilson interval ``low``..``high`` at ``confidence``, the
    trial counts, ``passed`` (rate <= limit) and ``conclusive`` (interval on one side)."""

    requirement: PUCCHRequirement | PRACHRequirement
    test_snr_db: float | None
    rate: float
    low: float
    high: float
    trials: int
    failures: int
    passed: bool
    confidence: float

    @property
    def verdict(self) -> str:
        """``"PASS"`` or ``"FAIL"``."""
        return "PASS" if self.passed else "FAIL"

    @property
    def limit(self) -> float:
        """The requirement's limit."""
        return self.requirement.limit

    @property
    def conclusive(self) -> bool:
        """True when the confidence interval lies on one side of the limit."""
        return self.high <= self.limit or self.low > self.limit


def rate_verdict(points: Iterable[RatePoint], req: PUCCHRequirement | PRACHRequirement, *,
                 confidence: float = 0.95, snr_tolerance_db: float = 1e-6) -> RateResult:
    """Judge a requirement row on measured points (module docstring): the point at the
    TS 38.141-1 test SNR (any point for a noise-only row).

    >>> from softran.sim.requirements_control import pucch_requirements
    >>> req = pucch_requirements(format=0, n_rx=2, scs_khz=15, bandwidth_mhz=5)[0]  # 10.0 dB
    >>> r = rate_verdict([RatePoint(9.0, 1000, 40), RatePoint(10.0, 2000, 6)], req)
    >>> r.verdict, r.rate, r.conclusive
    ('PASS', 0.003, True)
    """
    if not isinstance(req, (PUCCHRequirement, PRACHRequirement)):
        raise TypeError(f"req must be a PUCCHRequirement or PRACHRequirement, got "
                        f"{type(req).__name__}")
    pts = sorted(points, key=lambda p: p.snr_db)
    if not pts:
        raise ValueError("points is empty; at least one measurement is needed")
    for p in pts:
        if not isinstance(p, RatePoint):
            raise TypeError(f"points must hold RatePoint, got {type(p).__name__}")
        if p.trials < 1 or not 0 <= p.failures <= p.trials:
            raise ValueError(f"bad counts at snr_db={p.snr_db}: trials={p.trials}, "
                             f"failures={p.failures}")
    t_snr = control_test_snr_db(req)
    if t_snr is None:
        trials = sum(p.trials for p in pts)
        failures = sum(p.failures for p in pts)
    else:
        near = [p for p in pts if abs(p.snr_db - t_snr) <= snr_tolerance_db]
        if not near:
            raise ValueError(f"no point was measured at the test SNR {t_snr} dB of {req.label}; "
                             f"measured: {[p.snr_db for p in pts]}")
        trials, failures = near[0].trials, near[0].failures
    lo, hi = wilson_interval(failures, trials, confidence)
    rate = failures / trials
    return RateResult(req, t_snr, rate, lo, hi, trials, failures, rate <= req.limit,
                      confidence)


def rate_points_around(req: PUCCHRequirement | PRACHRequirement, quick: bool = False
                       ) -> list[float]:
    """SNR points to simulate for a row, always including its test SNR: test - 2 .. + 1 dB
    in 1 dB steps (quick: the test SNR and 1 dB below, for the plot's slope); a noise-only row
    has the single nominal point 0 dB (the noise power is what the receiver sees; its level
    does not change a scale-invariant detector).

    >>> from softran.sim.requirements_control import prach_requirements
    >>> req = prach_requirements(format="0", n_rx=2, channel="AWGN")[0]
    >>> rate_points_around(req), rate_points_around(req, quick=True)
    ([-16.2, -15.2, -14.2, -13.2], [-15.2, -14.2])
    """
    if not isinstance(quick, bool):
        raise TypeError(f"quick must be a bool, got {type(quick).__name__}")
    t = control_test_snr_db(req)
    if t is None:
        return [0.0]
    offsets = (-1.0, 0.0) if quick else (-2.0, -1.0, 0.0, 1.0)
    return [round(t + o, 2) for o in offsets]
