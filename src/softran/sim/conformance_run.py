"""Run the TS 38.104 §8.2.1 PUSCH conformance tests: one simulation per requirement row.

For every selected row of Tables 8.2.1.2-x (:func:`~softran.sim.pusch_requirements`) this
builds a scenario (the row's FRC through its channel with ``n_tx`` layers and ``n_rx``
antennas, HARQ with up to 4 transmissions and RV sequence 0, 2, 3, 1), runs it with
:func:`~softran.sim.simulate` into the results store (so a rerun resumes and reuses finished
points), and judges it with :func:`~softran.sim.verdict` at the TS 38.141-1 test SNR.

SNR points and statistics:

* full run: the grid of :func:`~softran.sim.snr_points_around` (test SNR -2 .. +1 dB in
  0.5 dB steps), batches of 50 transport blocks; a point stops at 200 block errors after
  HARQ or at 1000 slots, and runs at least four batches;
* ``quick``: the adaptive search of :mod:`softran.sim.conformance_search`
  (:data:`QUICK_PLAN`), batches of 100 transport blocks: it starts at the test SNR, brackets
  the 70 % crossing and refines until the crossing's interval is at most 0.5 dB wide; a
  point takes at least 100 slots and stops once its throughput interval lies on one side of
  70 %, and the points near the crossing get up to 2000 slots.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from softran.sim.conformance import ConformanceResult, ThroughputPoint, snr_points_around, verdict
from softran.sim.conformance_report import plot_conformance
from softran.sim.conformance_search import SearchPlan, search_step
from softran.sim.progress import RunProgress
from softran.sim.propagation import parse_channel_name
from softran.sim.requirements import (
    TARGET_THROUGHPUT,
    PUSCHRequirement,
    pusch_requirements,
    test_snr_db,
)
from softran.sim.runner import simulate
from softran.sim.scenario import Scenario, validate_scenario
from softran.sim.stopping import PointResult
from softran.sim.store import DEFAULT_STORE, ResultsStore

__all__ = ["QUICK_PLAN", "ConformanceRun", "conformance_scenario", "run_pusch_conformance"]

_BATCH, _QUICK_BATCH = 50, 100
#: the adaptive search of a quick run (module docstring)
QUICK_PLAN = SearchPlan(width_db=0.5, min_slots=_QUICK_BATCH, slots_limit=2000,
                        slot_quantum=_QUICK_BATCH)


def conformance_scenario(req: PUSCHRequirement, *, quick: bool = False, seed: int = 0,
                         batch_slots: int | None = None,
                         points_db: list[float] | None = None,
                         max_slots: int | None = None) -> Scenario:
    """The simulation scenario of one TS 38.104 PUSCH requirement row (module docstring).

    Full run: the grid of :func:`~softran.sim.snr_points_around`. Quick: the points of the
    adaptive search (``points_db``; default: the test SNR alone) under its stopping rule with
    ``max_slots`` (default: the least, 100 slots).

    >>> req = pusch_requirements(bandwidth_mhz=20, scs_khz=15, n_rx=2, frc="A3-10")[0]
    >>> s = conformance_scenario(req, quick=True)
    >>> s.pusch["frc"], s.channel.model, s.antennas.n_rx, s.snr.points_db
    ('G-FR1-A3-10', 'TDLB100-400', 2, (-1.5,))
    >>> s.stopping.target_throughput, s.stopping.min_slots, s.stopping.max_slots
    (0.7, 100, 100)
    """
    parse_channel_name(req.channel)  # validates the name
    channel: dict[str, Any] = {"model": req.channel}
    if req.channel.upper() != "AWGN":
        channel["correlation"] = (req.correlation or "low").lower()
    batch = batch_slots if batch_slots is not None else _QUICK_BATCH if quick else _BATCH
    if quick:
        points = [test_snr_db(req)] if points_db is None else list(points_db)
        cap = QUICK_PLAN.min_slots if max_slots is None else max_slots
        stopping: dict[str, Any] = {"target_block_errors": 0, "min_slots": QUICK_PLAN.min_slots,
                                    "max_slots": cap, "target_throughput": TARGET_THROUGHPUT}
    else:
        points = snr_points_around(req) if points_db is None else list(points_db)
        stopping = {"target_block_errors": 200, "min_slots": 4 * batch,
                    "max_slots": 1000 if max_slots is None else max_slots}
    data = {
        "scenario": {"name": f"TS 38.104 {req.label}" + (" (quick)" if quick else ""),
                     "link": "pusch"},
        "pusch": {"frc": req.frc},
        "channel": channel,
        "antennas": {"n_tx": req.n_tx, "n_rx": req.n_rx},
        "snr": {"points_db": sorted(points)},
        "harq": {"max_transmissions": 4, "rv_sequence": [0, 2, 3, 1]},
        "stopping": stopping,
        "run": {"batch_slots": batch, "seed": seed},
    }
    return validate_scenario(data, source=f"conformance {req.label}")


@dataclass(frozen=True)
class ConformanceRun:
    """One requirement row's outcome: the verdict, its scenario hash, the plot path, and
    (quick runs) why the crossing search stopped."""

    result: ConformanceResult
    content_hash: str
    plot: Path | None
    search: str | None = None


def _throughput_points(points: list[PointResult]) -> list[ThroughputPoint]:
    return [ThroughputPoint(p.snr_db, p.counts.slots, p.counts.delivered_bits,
                            p.counts.max_bits, p.counts.blocks,
                            p.counts.first_transmission_errors,
                            p.counts.delivered_transmissions, p.counts.transmissions_squared)
            for p in points if p.counts.slots]


def _quick_search(req: PUSCHRequirement, store: ResultsStore, seed: int,
                  progress: RunProgress, **engine: Any) -> tuple[Scenario, str]:
    """Run the adaptive crossing search of one row; returns its final scenario (recorded in
    the store) and why the search stopped."""
    points = [test_snr_db(req)]
    cap = QUICK_PLAN.min_slots
    while True:
        scenario = conformance_scenario(req, quick=True, seed=seed, points_db=points,
                                        max_slots=cap)
        measured = simulate(scenario, store, progress=progress, record=False, **engine)
        step = search_step(_throughput_points(measured), test_snr_db(req), cap, QUICK_PLAN)
        if step.done:
            return scenario, step.reason
        progress.message(step.reason)
        if step.snr_db is not None:
            points.append(step.snr_db)
        else:
            assert step.max_slots is not None
            cap = step.max_slots


def run_pusch_conformance(requirements: list[PUSCHRequirement] | None = None, *,
                          bandwidth_mhz: int | None = None, scs_khz: int | None = None,
                          n_rx: int | None = None, n_tx: int | None = None,
                          channel: str | None = None, frc: str | None = None,
                          quick: bool = False,
                          store: ResultsStore | str | Path = DEFAULT_STORE,
                          out_dir: str | Path | None = None, engine: str | None = None,
                          workers: int | None = None, scheduler: str | None = None,
                          progress: bool | RunProgress = True, seed: int = 0,
                          on_row: Callable[[PUSCHRequirement], None] | None = None
                          ) -> list[ConformanceRun]:
    """Simulate and judge TS 38.104 §8.2.1 PUSCH requirement rows (module docstring).

    Rows are ``requirements`` or those that the filters select
    (:func:`~softran.sim.pusch_requirements`). With ``out_dir`` a throughput plot per row is
    written there. ``on_row`` is called before each row starts (progress reporting);
    ``progress`` as in :func:`~softran.sim.simulate`.
    """
    if requirements is None:
        requirements = pusch_requirements(bandwidth_mhz, scs_khz, n_rx, n_tx, channel, frc,
                                          transform_precoding=False)
    if not isinstance(store, ResultsStore):
        with ResultsStore(store) as opened:
            return run_pusch_conformance(requirements, quick=quick, store=opened,
                                         out_dir=out_dir, engine=engine, workers=workers,
                                         scheduler=scheduler, progress=progress, seed=seed,
                                         on_row=on_row)
    bar = progress if isinstance(progress, RunProgress) else RunProgress(bool(progress))
    engine_args = {"engine": engine, "workers": workers, "scheduler": scheduler}
    runs = []
    for req in requirements:
        if on_row is not None:
            on_row(req)
        reason = None
        if quick:  # one title for the row: the runs of the search nest in it
            bar.begin(f"TS 38.104 {req.label}: quick search for the 70 % crossing", [])
            try:
                scenario, reason = _quick_search(req, store, seed, bar, **engine_args)
                points = simulate(scenario, store, progress=bar, **engine_args)
            finally:
                bar.end()
        else:
            scenario = conformance_scenario(req, seed=seed)
            points = simulate(scenario, store, progress=bar, **engine_args)
        tp = _throughput_points(points)
        result = verdict(tp, req)
        plot = None
        if out_dir is not None:
            out = Path(out_dir)
            out.mkdir(parents=True, exist_ok=True)
            name = f"{req.table_id}_{req.frc}_{req.n_tx}x{req.n_rx}_{req.channel}.png"
            plot = plot_conformance(tp, req, out / name.replace("/", "_"))
        runs.append(ConformanceRun(result, scenario.content_hash, plot, reason))
    return runs
