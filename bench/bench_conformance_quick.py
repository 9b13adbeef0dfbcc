"""The demo row's quick conformance run (``make demo``): TS 38.104 Table 8.2.1.2-1,
G-FR1-A3-8, 5 MHz at 15 kHz, 1 tx x 2 rx, TDLB100-400; the adaptive search for the 70 %
crossing (:mod:`softran.sim.conformance_search`) into a fresh results store.

Figures: wall-clock and CPU seconds of the whole row (in-process engine, torch's default
threads), the slots it simulated, and the width of the crossing's confidence interval.
One run: the row is seeded, so each run simulates exactly the same slots.
"""

from __future__ import annotations

import tempfile
import time
from pathlib import Path

from bench.timing import Row
from softran.sim.conformance_run import run_pusch_conformance
from softran.sim.store import ResultsStore


def run() -> list[Row]:
    with tempfile.TemporaryDirectory() as d:
        t0, c0 = time.perf_counter(), time.process_time()
        (row,) = run_pusch_conformance(bandwidth_mhz=5, scs_khz=15, n_tx=1, n_rx=2,
                                       channel="TDLB100-400", frc="G-FR1-A3-8", quick=True,
                                       store=Path(d) / "r.db", progress=False)
        wall, cpu = time.perf_counter() - t0, time.process_time() - c0
        with ResultsStore(Path(d) / "r.db") as store:
            slots = sum(p.counts.slots for p in store.points(row.content_hash))
    c = row.result.crossing
    label = "G-FR1-A3-8 1x2 TDLB100-400 quick row"
    return [(f"{label}: wall", wall, "s"), (f"{label}: CPU", cpu, "s"),
            (f"{label}: slots simulated", float(slots), "slots"),
            (f"{label}: crossing interval", c.high - c.low, "dB")]
