"""Reports of TS 38.141-1 §8.2 PUSCH conformance results: a Rich table of the verdicts and
the throughput-versus-SNR figure of one requirement row."""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from softran.sim.conformance import (
    ConformanceResult,
    isotonic_increasing,
    throughput_crossing,
    throughput_interval,
    throughput_points,
)
from softran.sim.requirements import TARGET_THROUGHPUT, PUSCHRequirement, test_snr_db

if TYPE_CHECKING:
    from rich.table import Table

__all__ = ["conformance_table", "plot_conformance"]

def _fmt_db(v: float) -> str:
    return "-inf" if v == -math.inf else "+inf" if v == math.inf else f"{v:+.2f}"


def _cells(res: ConformanceResult) -> dict[str, str]:
    """The report of one result as text cells (shared by the wide and narrow layouts)."""
    req, c = res.requirement, res.crossing
    tp = (f"{100 * res.throughput:.1f} % [{100 * res.throughput_low:.1f}, "
          f"{100 * res.throughput_high:.1f}]" + ("" if res.measured_at_test else " (interp.)"))
    first = ("–" if res.first_transmission_bler is None
             else f"{res.first_transmission_bler:.3f}")
    m_lo, m_hi = res.margin_interval
    if c.bracketed:
        assert c.snr_db is not None and res.margin_db is not None
        cross = f"{c.snr_db:+.2f} [{_fmt_db(c.low)}, {_fmt_db(c.high)}]"
        margin = f"{res.margin_db:+.2f} [{_fmt_db(m_lo)}, {_fmt_db(m_hi)}]"
    elif c.low == -math.inf:
        cross = f"< {_fmt_db(c.high)}"
        margin = f"> {_fmt_db(m_lo)}"
    else:
        cross = f"> {_fmt_db(c.low)}"
        margin = f"< {_fmt_db(m_hi)}"
    style = "green" if res.passed else "red"
    return {"table": req.table_id, "BW/SCS": f"{req.bandwidth_mhz} MHz/{req.scs_khz} kHz",
            "TxxRx": f"{req.n_tx}x{req.n_rx}", "channel": req.channel, "FRC": req.frc,
            "req SNR": f"{req.snr_db:.1f}", "test SNR": f"{res.test_snr_db:.1f}",
            "throughput @ test": tp, "1st-tx BLER @ test": first,
            "70 % crossing [CI] (dB)": cross, "margin [CI] (dB)": margin,
            "verdict": f"[{style}]{res.verdict}[/{style}]"}


_FIELDS = (("table", "left"), ("BW/SCS", "right"), ("TxxRx", "right"), ("channel", "left"),
           ("FRC", "left"), ("req SNR", "right"), ("test SNR", "right"),
           ("throughput @ test", "right"), ("1st-tx BLER @ test", "right"),
           ("70 % crossing [CI] (dB)", "right"), ("margin [CI] (dB)", "right"),
           ("verdict", "center"))


def conformance_table(results: Iterable[ConformanceResult], width: int | None = None
                      ) -> Table:
    """A :class:`rich.table.Table` of conformance results: table, bandwidth/SCS, antennas,
    channel, FRC, 38.104 SNR, test SNR, throughput at the test SNR (with its confidence
    interval), first-transmission BLER at the test SNR (the BLER without HARQ; the
    throughput counts HARQ retransmissions), 70 % crossing and margin (each with its
    interval) and verdict.

    One row per requirement row; vertical when ``width`` (the console's columns) is below
    :data:`~softran.report_table.NARROW_COLUMNS` (:func:`~softran.report_table.record_table`).

    >>> from softran.sim import ThroughputPoint, pusch_requirements, verdict
    >>> req = pusch_requirements(frc="A3-10", n_rx=2)[0]
    >>> r = verdict([ThroughputPoint(-2.5, 100, 50, 100), ThroughputPoint(-1.5, 100, 90, 100)], req)
    >>> table = conformance_table([r])
    >>> table.row_count, table.columns[-1].header
    (1, 'verdict')
    >>> conformance_table([r], width=80).row_count
    12
    """
    from softran.report_table import record_table

    rows = []
    for res in results:
        if not isinstance(res, ConformanceResult):
            raise TypeError(f"results must hold ConformanceResult, got {type(res).__name__}")
        cells = _cells(res)
        rows.append([cells[name] for name, _ in _FIELDS])
    return record_table("TS 38.104 §8.2 PUSCH conformance (TS 38.141-1 test SNR, 70 % "
                        "throughput)", _FIELDS, rows, width)


def plot_conformance(points: Mapping[float, Any] | Iterable[Any], req: PUSCHRequirement,
                     path: str | Path, *, confidence: float = 0.95) -> Path:
    """Save a figure of throughput (% of maximum) against SNR for one requirement row: the
    measured points with their confidence intervals, the monotone-repaired curve, the 70 %
    line, the TS 38.104 requirement SNR and the TS 38.141-1 test SNR, and the crossing with
    its interval.

    >>> import tempfile, os
    >>> from softran.sim import ThroughputPoint, pusch_requirements
    >>> req = pusch_requirements(frc="A3-10", n_rx=2)[0]
    >>> pts = [ThroughputPoint(-2.5, 100, 50, 100), ThroughputPoint(-1.5, 100, 90, 100)]
    >>> with tempfile.TemporaryDirectory() as d:
    ...     os.path.getsize(plot_conformance(pts, req, os.path.join(d, "tp.png"))) > 0
    True
    """
    import matplotlib.pyplot as plt  # noqa: I001

    import softran.sim.plots  # noqa: F401  (selects the Agg backend first, as every figure here)

    if not isinstance(req, PUSCHRequirement):
        raise TypeError(f"req must be a PUSCHRequirement, got {type(req).__name__}")
    pts = throughput_points(points)
    x = np.array([p.snr_db for p in pts])
    y = np.array([p.fraction for p in pts])
    n = np.array([p.effective_slots for p in pts], dtype=np.float64)
    lo, hi = throughput_interval(y, n, confidence)
    mid = isotonic_increasing(y, n)
    crossing = throughput_crossing(x, y, n, TARGET_THROUGHPUT, confidence)
    t_snr = test_snr_db(req)

    fig, ax = plt.subplots(figsize=(7, 4.5), constrained_layout=True)
    ax.errorbar(x, 100 * y, yerr=[100 * (y - lo), 100 * (hi - y)], fmt="o", capsize=3,
                label=f"measured ({100 * confidence:.0f} % CI)")
    ax.plot(x, 100 * mid, "-", lw=1, label="monotone fit")
    ax.axhline(100 * TARGET_THROUGHPUT, color="k", ls=":", lw=1, label="70 % of max")
    ax.axvline(req.snr_db, color="tab:red", ls="--", lw=1,
               label=f"TS 38.104 {req.snr_db:.1f} dB")
    ax.axvline(t_snr, color="tab:green", ls="--", lw=1, label=f"test SNR {t_snr:.1f} dB")
    if crossing.bracketed:
        assert crossing.snr_db is not None
        ax.errorbar([crossing.snr_db], [100 * TARGET_THROUGHPUT],
                    xerr=[[crossing.snr_db - crossing.low], [crossing.high - crossing.snr_db]],
                    fmt="kx", ms=8, capsize=4,
                    label=f"crossing {crossing.snr_db:.2f} dB [{crossing.low:.2f}, "
                          f"{crossing.high:.2f}]")
    ax.set_xlabel("SNR (dB, per RE and receive antenna)")
    ax.set_ylabel("throughput (% of maximum)")
    ax.set_ylim(0, 105)
    ax.set_title(f"PUSCH {req.label}")
    ax.grid(True, alpha=0.3)
    ax.legend(loc="lower right", fontsize=8)
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(path, dpi=110)
    plt.close(fig)
    return path
