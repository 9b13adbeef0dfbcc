"""Run the TS 38.104 §8.2.1 PUSCH conformance tests: one simulation per requirement row.

For every selected row of Tables 8.2.1.2-x (:func:`~softran.sim.pusch_requirements`) this
builds a scenario (the row's FRC through its channel with ``n_tx`` layers and ``n_rx``
antennas, HARQ with up to 4 transmissions and RV sequence 0, 2, 3, 1, the SNR grid of
:func:`~softran.sim.snr_points_around`), runs it with :func:`~softran.sim.simulate` into
the results store (so a rerun resumes and reuses finished points), and judges it with
:func:`~softran.sim.verdict` at the TS 38.141-1 test SNR.

Statistics per SNR point: ``quick`` runs exactly two batches of 50 transport blocks (100 in
all); the full run stops at 200 block errors after HARQ or at 1000 slots, and runs at least
four batches.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from softran.sim.conformance import ConformanceResult, ThroughputPoint, snr_points_around, verdict
from softran.sim.conformance_report import plot_conformance
from softran.sim.propagation import parse_channel_name
from softran.sim.requirements import PUSCHRequirement, pusch_requirements
from softran.sim.runner import simulate
from softran.sim.scenario import Scenario, validate_scenario
from softran.sim.store import ResultsStore

__all__ = ["ConformanceRun", "conformance_scenario", "run_pusch_conformance"]


def conformance_scenario(req: PUSCHRequirement, *, quick: bool = False, seed: int = 0,
                         batch_slots: int | None = None) -> Scenario:
    """The simulation scenario of one TS 38.104 PUSCH requirement row (module docstring).

    >>> req = pusch_requirements(bandwidth_mhz=20, scs_khz=15, n_rx=2, frc="A3-10")[0]
    >>> s = conformance_scenario(req, quick=True)
    >>> s.pusch["frc"], s.channel.model, s.antennas.n_rx, s.snr.points_db
    ('G-FR1-A3-10', 'TDLB100-400', 2, (-2.5, -1.5, -0.5))
    """
    parse_channel_name(req.channel)  # validates the name
    channel: dict[str, Any] = {"model": req.channel}
    if req.channel.upper() != "AWGN":
        channel["correlation"] = (req.correlation or "low").lower()
    batch = batch_slots if batch_slots is not None else 50
    data = {
        "scenario": {"name": f"TS 38.104 {req.label}", "link": "pusch"},
        "pusch": {"frc": req.frc},
        "channel": channel,
        "antennas": {"n_tx": req.n_tx, "n_rx": req.n_rx},
        "snr": {"points_db": snr_points_around(req, quick=quick)},
        "harq": {"max_transmissions": 4, "rv_sequence": [0, 2, 3, 1]},
        "stopping": ({"target_block_errors": 100, "min_slots": 2 * batch, "max_slots": 2 * batch}
                     if quick else
                     {"target_block_errors": 200, "min_slots": 4 * batch, "max_slots": 1000}),
        "run": {"batch_slots": batch, "seed": seed},
    }
    return validate_scenario(data, source=f"conformance {req.label}")


@dataclass(frozen=True)
class ConformanceRun:
    """One requirement row's outcome: the verdict, its scenario hash and the plot path."""

    result: ConformanceResult
    content_hash: str
    plot: Path | None


def run_pusch_conformance(requirements: list[PUSCHRequirement] | None = None, *,
                          bandwidth_mhz: int | None = None, scs_khz: int | None = None,
                          n_rx: int | None = None, n_tx: int | None = None,
                          channel: str | None = None, frc: str | None = None,
                          quick: bool = False, store: ResultsStore | str | Path = "results.db",
                          out_dir: str | Path | None = None, engine: str | None = None,
                          workers: int | None = None, scheduler: str | None = None,
                          progress: bool = True, seed: int = 0,
                          on_row: Callable[[PUSCHRequirement], None] | None = None
                          ) -> list[ConformanceRun]:
    """Simulate and judge TS 38.104 §8.2.1 PUSCH requirement rows (module docstring).

    Rows are ``requirements`` or those that the filters select
    (:func:`~softran.sim.pusch_requirements`). With ``out_dir`` a throughput plot per row is
    written there. ``on_row`` is called before each row starts (progress reporting).
    """
    if requirements is None:
        requirements = pusch_requirements(bandwidth_mhz, scs_khz, n_rx, n_tx, channel, frc,
                                          transform_precoding=False)
    st = store if isinstance(store, ResultsStore) else ResultsStore(store)
    runs = []
    for req in requirements:
        if on_row is not None:
            on_row(req)
        scenario = conformance_scenario(req, quick=quick, seed=seed)
        points = simulate(scenario, st, engine=engine, workers=workers, scheduler=scheduler,
                          progress=progress)
        tp = [ThroughputPoint(p.snr_db, p.counts.slots, p.counts.delivered_bits,
                              p.counts.max_bits) for p in points]
        result = verdict(tp, req)
        plot = None
        if out_dir is not None:
            out = Path(out_dir)
            out.mkdir(parents=True, exist_ok=True)
            name = f"{req.table_id}_{req.frc}_{req.n_tx}x{req.n_rx}_{req.channel}.png"
            plot = plot_conformance(tp, req, out / name.replace("/", "_"))
        runs.append(ConformanceRun(result, scenario.content_hash, plot))
    return runs
