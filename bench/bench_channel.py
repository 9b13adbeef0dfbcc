"""Channel benchmarks: faded samples per second through a TDL channel."""

from __future__ import annotations

import torch

from bench.timing import Row, best_time
from softran.channel import TDLChannel


def run() -> list[Row]:
    rows: list[Row] = []
    fs = 30.72e6
    n = int(10e-3 * fs)  # 10 ms
    x = torch.randn(1, 2, n, dtype=torch.complex64)
    for threads in (1, torch.get_num_threads()):
        previous = torch.get_num_threads()
        torch.set_num_threads(threads)
        try:
            channel = TDLChannel("TDLC300", max_doppler=100.0, n_tx=2, n_rx=4, sample_rate=fs,
                                 seed=1)

            def fade() -> None:
                channel.reset()
                channel(x)

            t = best_time(fade, repeats=3, min_time=0.5)
        finally:
            torch.set_num_threads(previous)
        rows.append((f"TDLC300-100 2x4, 10 ms at 30.72 Msps, {threads} thread(s)", n / t / 1e6,
                     "Msample/s"))
        rows.append((f"TDLC300-100 2x4, 10 ms at 30.72 Msps, {threads} thread(s), time", t,
                     "s"))
    return rows
