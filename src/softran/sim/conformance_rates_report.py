"""Reports of TS 38.104 §8.3 PUCCH and §8.4 PRACH conformance results: a Rich table of the
verdicts and the failure-rate-versus-SNR figure of one requirement row."""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np

from softran.sim.conformance_rates import RatePoint, RateResult
from softran.sim.requirements_control import (
    PRACHRequirement,
    PUCCHRequirement,
    control_test_snr_db,
)
from softran.sim.stopping import wilson_interval

if TYPE_CHECKING:
    from rich.table import Table

__all__ = ["plot_rates", "rate_table"]

_METRIC_LABEL = {"detection": "missed detection 1 - P_d", "false-alarm": "false-alarm rate",
                 "ack-missed": "ACK missed rate", "nack-to-ack": "NACK-to-ACK rate",
                 "false-ack": "false-ACK rate", "uci-bler": "UCI BLER"}


def _pct(v: float) -> str:
    """A rate in per cent, two significant digits."""
    return f"{100 * v:.2g}" if v else "0"


def rate_table(results: Iterable[RateResult]) -> Table:
    """A :class:`rich.table.Table` of PUCCH / PRACH results, one row per requirement: the
    requirement (table, set-up -- PUCCH: format, test, bandwidth MHz / SCS kHz --, antennas,
    channel), metric, TS 38.104 / TS 38.141-1 test SNR, the measured rate with its
    confidence interval, the limit, the trials and the verdict (``?`` marks a verdict whose
    interval straddles the limit). Fits 80 columns (the requirement wraps).

    >>> from softran.sim.conformance_rates import RatePoint, rate_verdict
    >>> from softran.sim.requirements_control import prach_requirements
    >>> req = prach_requirements(format="0", n_rx=2, channel="AWGN")[0]
    >>> table = rate_table([rate_verdict([RatePoint(-14.2, 2000, 4)], req)])
    >>> table.row_count, table.columns[-1].header
    (1, 'verdict')
    """
    from rich import box
    from rich.table import Table

    table = Table(title="TS 38.104 §8.3 PUCCH / §8.4 PRACH conformance (TS 38.141-1 test SNR)",
                  caption="rate: failures / trials with its 95 % Wilson interval; ? : the "
                          "interval straddles the limit (more trials would settle it)",
                  box=box.SIMPLE_HEAD, pad_edge=False)
    for header, justify, wrap in (("requirement", "left", True), ("metric", "left", False),
                                  ("SNR dB req/test", "right", True),
                                  ("rate % [95 % CI]", "right", True), ("limit", "right", False),
                                  ("trials", "right", False), ("verdict", "center", False)):
        table.add_column(header, justify=justify, no_wrap=not wrap)  # type: ignore[arg-type]
    for res in results:
        if not isinstance(res, RateResult):
            raise TypeError(f"results must hold RateResult, got {type(res).__name__}")
        req = res.requirement
        if isinstance(req, PUCCHRequirement):
            dmrs = "" if req.additional_dmrs is None else (
                " +DM-RS" if req.additional_dmrs else " no-add-DM-RS")
            setup = f"F{req.format} {req.test}{dmrs} {req.bandwidth_mhz}/{req.scs_khz}"
        else:
            setup = f"format {req.format} {req.scs_khz:g} kHz"
        snr = ("noise" if req.snr_db is None or res.test_snr_db is None
               else f"{req.snr_db:.1f}/{res.test_snr_db:.1f}")
        style = "green" if res.passed else "red"
        mark = "" if res.conclusive else "?"
        table.add_row(f"{req.table_id} {setup} 1x{req.n_rx} {req.channel}", req.metric, snr,
                      f"{_pct(res.rate)} [{_pct(res.low)}, {_pct(res.high)}]",
                      f"{_pct(req.limit)} %", f"{res.trials}",
                      f"[{style}]{res.verdict}{mark}[/{style}]")
    return table


def plot_rates(points: Iterable[RatePoint], req: PUCCHRequirement | PRACHRequirement,
               path: str | Path, *, confidence: float = 0.95) -> Path:
    """Save a figure of a requirement row's failure rate against SNR (log scale): the
    measured points with their Wilson intervals, the limit, the TS 38.104 requirement SNR and
    the TS 38.141-1 test SNR. A noise-only row shows its single measurement at 0 dB.

    >>> import tempfile, os
    >>> from softran.sim.requirements_control import pucch_requirements
    >>> req = pucch_requirements(format=0)[0]
    >>> pts = [RatePoint(9.0, 1000, 30), RatePoint(10.0, 1000, 0)]
    >>> with tempfile.TemporaryDirectory() as d:
    ...     os.path.getsize(plot_rates(pts, req, os.path.join(d, "r.png"))) > 0
    True
    """
    import matplotlib.pyplot as plt

    import softran.sim.plots  # noqa: F401  (selects the Agg backend first, as every figure here)

    if not isinstance(req, (PUCCHRequirement, PRACHRequirement)):
        raise TypeError(f"req must be a PUCCHRequirement or PRACHRequirement, got "
                        f"{type(req).__name__}")
    pts = sorted(points, key=lambda p: p.snr_db)
    if not pts:
        raise ValueError("points is empty; at least one measurement is needed")
    x = np.array([p.snr_db for p in pts])
    y = np.array([p.rate for p in pts])
    ci = np.array([wilson_interval(p.failures, p.trials, confidence) for p in pts])
    positive = [v for v in (*y, *ci[:, 0], *ci[:, 1], req.limit) if v > 0]
    floor = 0.3 * min(positive)                        # where a rate of 0 is drawn
    yd = np.maximum(y, floor)
    fig, ax = plt.subplots(figsize=(7, 4.5), constrained_layout=True)
    ax.errorbar(x, yd, yerr=[yd - np.maximum(ci[:, 0], floor), ci[:, 1] - yd],
                fmt="o-", capsize=3, label=f"measured ({100 * confidence:.0f} % Wilson CI; "
                                           "0 drawn at the bottom)")
    ax.set_ylim(floor / 1.5, 2.0 * max(req.limit, float(ci[:, 1].max())))
    ax.axhline(req.limit, color="k", ls=":", lw=1, label=f"limit {100 * req.limit:g} %")
    t_snr = control_test_snr_db(req)
    if req.snr_db is not None and t_snr is not None:
        ax.axvline(req.snr_db, color="tab:red", ls="--", lw=1,
                   label=f"TS 38.104 {req.snr_db:.1f} dB")
        ax.axvline(t_snr, color="tab:green", ls="--", lw=1, label=f"test SNR {t_snr:.1f} dB")
        ax.set_xlabel("SNR (dB, per RE and receive antenna)")
    else:
        ax.set_xlabel("noise only (nominal 0 dB)")
    ax.set_yscale("log")
    ax.set_ylabel(_METRIC_LABEL.get(req.metric, req.metric))
    ax.set_title(f"{req.family.upper()} {req.label}", fontsize=9)
    ax.grid(True, which="both", alpha=0.3)
    ax.legend(loc="best", fontsize=8)
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(path, dpi=110)
    plt.close(fig)
    return path
