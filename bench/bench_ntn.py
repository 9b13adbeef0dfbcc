"""NTN benchmarks: orbit + delay + Doppler over a 10-minute LEO pass at 1 ms on one thread
(target <= 0.5 s), and NTN-TDL filtering against TDLChannel on the same profile (target:
within 20 %)."""

from __future__ import annotations

import time

import numpy as np
import torch

from bench.timing import Row, best_time
from softran.channel import NTNTDLChannel, TDLChannel, ntn_tdl_profile
from softran.ntn import CircularOrbit, GroundPoint, link_geometry


def run() -> list[Row]:
    rows: list[Row] = []
    previous = torch.get_num_threads()
    torch.set_num_threads(1)
    try:
        orbit = CircularOrbit(600e3, 53.0, raan=10.0, phase=-20.0)
        ue, gw = GroundPoint(45.0, 7.0), GroundPoint(44.0, 9.0)
        t = np.arange(0.0, 600.0, 1e-3)  # 600 000 instants

        def geometry() -> None:
            link_geometry(orbit.state(t), ue, 2e9, gateway=gw)

        rows.append(("orbit + delay + Doppler, 10-min LEO pass at 1 ms (600k samples), 1 thread",
                     best_time(geometry, repeats=3, min_time=0.5), "s"))
        cpu = []
        for _ in range(3):  # CPU time of the process: what a shared machine's load hides
            c0 = time.process_time()
            geometry()
            cpu.append(time.process_time() - c0)
        rows.append(("orbit + delay + Doppler, same, CPU time of the process", min(cpu), "s"))

        fs = 30.72e6
        n = int(10e-3 * fs)
        x = torch.randn(1, 2, n, dtype=torch.complex64, generator=torch.Generator().manual_seed(1))
        for name, ds in (("NTN-TDL-C", 100e-9), ("NTN-TDLA100", None)):
            prof = ntn_tdl_profile(name)
            ref = TDLChannel(prof, ds, 100.0, 2, 4, fs, seed=1)
            ntn = NTNTDLChannel(name, ds, 100.0, 2, 4, fs, satellite_doppler=-4500.0,
                                satellite_doppler_rate=-300.0, seed=1)

            def fade(ch: torch.nn.Module = ref) -> None:
                ch.reset()
                ch(x)

            def fade_ntn(ch: torch.nn.Module = ntn) -> None:
                ch.reset()
                ch(x)

            t_ref = best_time(fade, repeats=3, min_time=0.5)
            t_ntn = best_time(fade_ntn, repeats=3, min_time=0.5)
            rows.append((f"TDLChannel {name} 2x4, 10 ms at 30.72 Msps, 1 thread", t_ref, "s"))
            rows.append((f"NTNTDLChannel {name} 2x4 (+ satellite Doppler), same, 1 thread",
                         t_ntn, "s"))
            rows.append((f"NTNTDLChannel / TDLChannel time ratio, {name}", t_ntn / t_ref, "x"))
    finally:
        torch.set_num_threads(previous)
    return rows
