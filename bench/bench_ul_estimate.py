"""CPU time per slot of the UL channel estimation and noise covariance (issue 18).

The 20 MHz slot of ``softran bench latency --chain UL``: 51 PRB, 30 kHz, 1 layer, 2 rx,
DM-RS type 1 on symbols 2 and 11 (2 CDM groups without data), Wiener smoothing, linear time
interpolation, covariance per 4 PRBs. Prints ``time.thread_time`` median / p99 in µs over
``--calls`` calls after warm-up, one thread, with the 1-minute load average.

``python -m bench ul_estimate`` gives the same figures, warm and with 8 MB read between
slots. Before/after: run it with the old and the new sources first on PYTHONPATH, alternating::

    for i in 1 2; do for s in /work/main/src $PWD/src; do
        PYTHONPATH=$s python bench/bench_ul_estimate.py --label $s; done; done
"""

from __future__ import annotations

import argparse
import os
import time
from typing import TYPE_CHECKING

import numpy as np
import torch

if TYPE_CHECKING:                   # (run as a script, bench/ is not a package on the path)
    from bench.timing import Row


def measure(calls: int = 400, thrash_mb: float = 0.0) -> tuple[np.ndarray, np.ndarray]:
    """CPU seconds per call of ``rx.estimate`` and of ``rx.covariance`` over ``calls`` slots
    after 50 warm-up ones, one thread; ``thrash_mb`` MB read and written between slots."""
    import numba

    try:
        from bench.ul_slot import noisy_slots, ul_slot
    except ModuleNotFoundError:     # run as a script: bench/ is the first entry of sys.path
        from ul_slot import noisy_slots, ul_slot

    torch.set_num_threads(1)
    numba.set_num_threads(1)
    _, pusch, tx, rx = ul_slot()
    grids = [rx.grid(w) for w in noisy_slots(tx, pusch.tb_size, 8, 0.05)]
    est, cov = [], []
    junk = np.ones(int(thrash_mb * 2**20) // 8)
    for i in range(50 + calls):
        g = grids[i % len(grids)]
        if junk.size:
            junk += 1.0                         # evict the caches (read and write)
        t0 = time.thread_time()
        h, nv = rx.estimate(g)
        t1 = time.thread_time()
        rx.covariance(g, h, nv)
        t2 = time.thread_time()
        if i >= 50:
            est.append(t1 - t0)
            cov.append(t2 - t1)
    return np.asarray(est), np.asarray(cov)


def run() -> list[Row]:
    """``python -m bench ul_estimate``: median and p99 of both stages, warm and with 8 MB
    read between slots."""
    rows: list[Row] = []
    for label, mb in (("warm", 0.0), ("8 MB between slots", 8.0)):
        est, cov = measure(400, mb)
        for stage, x in (("channel estimation", est), ("noise covariance", cov)):
            for q, v in (("median", np.median(x)), ("p99", np.quantile(x, 0.99))):
                rows.append((f"UL {stage}, 51 PRB 1x2, {label}, CPU time, {q}", 1e6 * v, "us"))
    rows.append(("load average (1 min) after", os.getloadavg()[0], ""))
    return rows


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--calls", type=int, default=400)
    ap.add_argument("--label", default="")
    ap.add_argument("--thrash", type=float, default=0.0,
                    help="MB of memory read between slots (cold caches, as in the chain)")
    args = ap.parse_args()
    est, cov = measure(args.calls, args.thrash)
    load = os.getloadavg()[0]

    def fmt(x: np.ndarray) -> str:
        a = 1e6 * x
        return f"{np.median(a):8.1f} / {np.quantile(a, 0.99):8.1f}"

    print(f"{args.label:>28}  load {load:4.2f}  estimate med/p99 µs {fmt(est)}"
          f"  covariance {fmt(cov)}")


if __name__ == "__main__":
    main()
