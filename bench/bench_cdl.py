"""CDL channel benchmark: faded samples per second (TR 38.901 CDL-C, 4x4 cross-polarised)."""

from __future__ import annotations

import torch

from bench.timing import Row, best_time
from softran.channel.antenna import AntennaArray
from softran.channel.cdl import CDLChannel


def run() -> list[Row]:
    rows: list[Row] = []
    fs = 30.72e6
    n = int(10e-3 * fs)  # 10 ms
    xp = AntennaArray(n_rows=1, n_cols=2, n_pol=2, element="38.901")  # 4 elements
    x = torch.randn(1, xp.n_elements, n, dtype=torch.complex64)
    case = "CDL-C 300 ns, 100 Hz, 4x4 (1x2 cross-pol both ends), 10 ms at 30.72 Msps"
    for threads in (1, torch.get_num_threads()):
        previous = torch.get_num_threads()
        torch.set_num_threads(threads)
        try:
            channel = CDLChannel("CDL-C", 300e-9, 100.0, tx_array=xp, rx_array=xp,
                                 sample_rate=fs, seed=1)

            def fade() -> None:
                channel.reset()
                channel(x)

            t = best_time(fade, repeats=3, min_time=0.5)
        finally:
            torch.set_num_threads(previous)
        rows.append((f"{case}, {threads} thread(s)", n / t / 1e6, "Msample/s"))
        rows.append((f"{case}, {threads} thread(s), time", t, "s"))
    return rows
