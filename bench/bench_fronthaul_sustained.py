"""Sustained fronthaul of a 20 MHz cell: 51 PRB x 14 symbols x 2 eAxC, BFP-9, every slot.

``python -m bench fronthaul_sustained`` runs :func:`run` (10 s of 30 kHz slots in real time);
``python bench/bench_fronthaul_sustained.py [SECONDS]`` prints the full report. Through an
O-DU and an O-RU over UDP loopback on one thread (:func:`softran.oran.endpoints.
run_sustained`), every 500 µs slot: the downlink (compression, C-/U-plane encoding, send,
O-RU reception, decompression) and the uplink (C-plane, the O-RU's U-plane answer, O-DU
reception, decompression). Reported: messages sent / received / lost, messages per second,
the O-RU receive path in messages per CPU second, PRBs missing, late slots, and the median /
p99 / max CPU time per slot and direction against the 150 µs target (issue 18), with the
load average (the machine is shared: CPU time is what a free core would need).
"""

from __future__ import annotations

import os
import sys

import numba
import torch

from bench.timing import Row
from softran.nr import CarrierConfig
from softran.oran.endpoints import FronthaulConfig, SustainedRun, run_sustained

SECONDS = 10.0
TARGET_US = 150.0
CARRIER = CarrierConfig(subcarrier_spacing=30, n_size_grid=51)


def measure(seconds: float = SECONDS) -> tuple[SustainedRun, tuple[float, float]]:
    """The sustained run on one thread (torch and Numba set to 1) and the load averages."""
    cfg = FronthaulConfig.from_carrier(CARRIER, 2, method="bfp", width=9)
    old = (numba.get_num_threads(), torch.get_num_threads())
    numba.set_num_threads(1)
    torch.set_num_threads(1)
    load0 = os.getloadavg()[0]
    try:
        result = run_sustained(cfg, seconds, realtime=True)
    finally:
        numba.set_num_threads(old[0])
        torch.set_num_threads(old[1])
    return result, (load0, os.getloadavg()[0])


def report(r: SustainedRun, load: tuple[float, float]) -> str:
    """The run as text lines (fits 80 columns)."""
    lines = [f"{r.slots} slots of {r.slot_s * 1e6:.0f} us in {r.seconds:.2f} s (load "
             f"{load[0]:.2f} -> {load[1]:.2f})",
             f"messages: sent {r.sent}, received {r.received}, lost {r.lost}, malformed "
             f"{r.malformed}; PRBs missing {r.prbs_missing}; late slots {r.late_slots}",
             f"messages/s received {r.messages_per_s:,.0f}; O-RU downlink receive "
             f"path {r.oru_messages_per_s:,.0f} messages per CPU second",
             f"{'CPU us per slot':16} {'median':>8} {'p99':>8} {'max':>8} {'target':>8}"]
    for d in ("DL", "UL"):
        p = r.percentiles(d)
        lines.append(f"{d:16} {p['median'] * 1e6:8.1f} {p['p99'] * 1e6:8.1f} "
                     f"{p['max'] * 1e6:8.1f} {TARGET_US:8.0f}")
    return "\n".join(lines)


def run() -> list[Row]:
    r, load = measure()
    rows: list[Row] = [
        ("51 PRB x 14 sym x 2 eAxC BFP-9, 10 s real time: messages lost", float(r.lost), "msgs"),
        ("... messages received per second (both directions)", r.messages_per_s, "msgs/s"),
        ("... O-RU downlink receive path, messages per CPU second", r.oru_messages_per_s,
         "msgs/s"),
        ("... PRBs missing", float(r.prbs_missing), "PRBs"),
        ("... slots that ended after the next was due", float(r.late_slots), "slots"),
    ]
    for d in ("DL", "UL"):
        p = r.percentiles(d)
        rows.append((f"... {d} CPU per slot, p99 (median {p['median'] * 1e6:.0f} µs)",
                     p["p99"] * 1e6, "µs"))
    rows.append(("... load average at the end", load[1], ""))
    return rows


if __name__ == "__main__":
    seconds = float(sys.argv[1]) if len(sys.argv) > 1 else SECONDS
    print(report(*measure(seconds)))
