"""Per-slot latency of a 20 MHz cell (51 PRB, 30 kHz, 2 antennas) on one thread, per stage.

``python -m bench latency`` runs :func:`run`; ``python bench/bench_latency.py [N_SLOTS]`` prints
the full table (median / p99 / max of the CPU and the wall time of every stage over
``N_SLOTS`` slots, default 1000) against the 500 µs slot, and writes ``out/latency.csv`` and
the stacked-bar plot ``out/latency.png``. The chains and stages are those of
:mod:`softran.sim.latency`: the uplink (PUSCH G-FR1-A4-12-like slot, 16QAM, 1 layer, 2 rx,
AWGN 2 dB above the 70 % throughput point, from samples to the transport block), the
downlink (PDSCH-like, 2 layers 256QAM, from the transport block to samples) and the
fronthaul (BFP-9, both directions through the endpoints over UDP loopback).
``softran bench latency`` runs the same for any carrier.
"""

from __future__ import annotations

import sys
import textwrap
from pathlib import Path

import numpy as np

from bench.timing import Row
from softran.sim.latency import (
    LatencyConfig,
    LatencyReport,
    measure_latency,
    plot_latency,
    write_latency_csv,
)

N_SLOTS = 1000


def table(report: LatencyReport) -> str:
    """The report as fixed-width text within 80 columns: one line per stage and chain total
    (µs per slot; the wall maximum and minima are in out/latency.csv)."""
    budget = report.slot_s * 1e6
    lines = [(f"{'':3} {'stage':18} {'CPU med':>8} {'p99':>7} {'max':>7} {'wall med':>8} "
              f"{'p99':>7} {'%slot':>6}")]
    for s in list(report.stages) + list(report.totals.values()) + list(report.calls):
        c, w = s.stats("cpu"), s.stats("wall")
        lines.append(f"{s.chain:3} {s.stage[:18]:18} {c['median'] * 1e6:8.0f} "
                     f"{c['p99'] * 1e6:7.0f} {c['max'] * 1e6:7.0f} {w['median'] * 1e6:8.0f} "
                     f"{w['p99'] * 1e6:7.0f} {c['p99'] * 1e6 / budget:6.0%}")
    lines.append(f"budget: one slot = {budget:.0f} µs; load average {report.load[0]:.2f} "
                 f"before, {report.load[1]:.2f} after")
    ref = report.reference_cpu * 1e6
    lines.append(f"reference workload (the host's speed and jitter) CPU best {ref.min():.1f}, "
                 f"median {np.median(ref):.1f}, p99 {np.quantile(ref, 0.99):.1f} µs")
    lines += [textwrap.fill(f"{k}: {v}", 80) for k, v in report.notes.items()]
    return "\n".join(lines)


def run(n_slots: int = N_SLOTS) -> list[Row]:
    report = measure_latency(LatencyConfig(n_slots=n_slots))
    out = Path("out")
    write_latency_csv(report, out / "latency.csv")
    plot_latency(report, out / "latency.png")
    rows: list[Row] = []
    for s in list(report.stages) + list(report.totals.values()) + list(report.calls):
        c = s.stats("cpu")
        name = (f"{s.chain} {s.stage}, CPU p99 per slot (median {c['median'] * 1e6:.0f} "
                f"µs), 1 thread")
        rows.append((name, c["p99"] * 1e6, "µs"))
    rows.append(("load average during the latency run", report.load[1], ""))
    return rows


if __name__ == "__main__":
    n = int(sys.argv[1]) if len(sys.argv) > 1 else N_SLOTS
    report = measure_latency(LatencyConfig(n_slots=n),
                             progress=lambda phase, done, total: print(
                                 f"{phase}: {done}/{total}", file=sys.stderr))
    print(table(report))
    print(f"wrote {write_latency_csv(report, Path('out') / 'latency.csv')}, "
          f"{plot_latency(report, Path('out') / 'latency.png')}")
