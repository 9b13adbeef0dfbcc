"""Throughput of the Gold pseudo-random sequence generator (TS 38.211 §5.2.1).

Cases: one c_init x 10^6 bits, and a batch of 1000 c_init values x 10^4 bits each.
"""

from __future__ import annotations

import torch

from bench.timing import Row, best_time
from softran.nr.sequences import prbs


def run() -> list[Row]:
    g = torch.Generator().manual_seed(0)
    rows: list[Row] = []

    n = 10 ** 6
    t = best_time(lambda: prbs(0x5A5A5A5, n))
    rows.append(("prbs 1 x 1e6 bits", n / t / 1e6, "Mbit/s"))

    c_init = torch.randint(0, 2 ** 31, (1000,), generator=g)
    n = 10 ** 4
    t = best_time(lambda: prbs(c_init, n))
    rows.append(("prbs 1000 x 1e4 bits", c_init.numel() * n / t / 1e6, "Mbit/s"))
    return rows
