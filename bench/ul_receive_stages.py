"""Before/after figures of three UL receive stages of the 20 MHz PUSCH slot of
``softran bench latency --chain UL`` (51 PRB, 30 kHz, 1 layer, 2 Rx, 16QAM; TS 38.211
§5.3.1 OFDM demodulation, MMSE-IRC detection, §5.1 / §6.3.1.1 demapping + descrambling):
CPU time (``time.thread_time``) per call on one thread, median and 99th percentile;
``--cold`` writes 32 MB between calls (outside the timed region) so that each call finds its
inputs out of the caches, as in the chain, where channel estimation runs in between.

``python bench/ul_receive_stages.py [--calls N]`` measures the softran on the path;
``python bench/ul_receive_stages.py --compare OLD_SRC NEW_SRC [--rounds R]`` runs it
alternately with ``PYTHONPATH=OLD_SRC`` and ``NEW_SRC`` (e.g. main's ``src`` and a
branch's), R rounds each, and prints both with the load average of each round.
"""

from __future__ import annotations

import argparse
import time

from compare_trees import (
    add_compare_arguments,
    compare_rounds,
    parse_compare_arguments,
    print_figures,
    run_script,
)


def measure(calls: int, cold: bool = False) -> dict[str, list[float]]:
    import numba
    import numpy as np
    import torch

    torch.set_num_threads(1)
    numba.set_num_threads(1)
    from ul_slot import noisy_slots, ul_slot

    _, pusch, tx, rx = ul_slot()
    w = noisy_slots(tx, pusch.tb_size, 1, 0.1)[0]
    grid = rx.grid(w)
    h, nv = rx.estimate(grid)
    cov = rx.covariance(grid, h, nv)
    x, nve = rx.detect(grid, h, cov)
    stages = {"OFDM demodulation": lambda: rx.grid(w),
              "MMSE-IRC": lambda: rx.detect(grid, h, cov),
              "demap + descramble": lambda: rx.demap(x, nve)}
    out: dict[str, list[float]] = {}
    junk = np.zeros(1 << 22) if cold else None           # 32 MB
    for name, f in stages.items():
        for _ in range(30):
            f()
        t = np.empty(calls)
        for i in range(calls):
            if junk is not None:
                junk += 1.0
            t0 = time.thread_time()
            f()
            t[i] = time.thread_time() - t0
        out[name] = [float(np.median(t)) * 1e6, float(np.quantile(t, 0.99)) * 1e6]
    return out


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    add_compare_arguments(ap)
    ap.add_argument("--cold", action="store_true", help="evict the caches between calls")
    a = parse_compare_arguments(ap)
    if not a.compare:
        print_figures(measure(a.calls, a.cold), a.json)
        return 0
    print(f"{'round':>5} {'code':4} {'load':>5}  " + "  ".join(
        f"{s:>26}" for s in ("OFDM demod med/p99", "MMSE-IRC med/p99", "demap med/p99")))
    for r, label, load, res in compare_rounds(__file__, a, ["--cold"] if a.cold else []):
        print(f"{r:>5} {label:4} {load:5.2f}  " + "  ".join(
            f"{med:12.1f} / {p99:11.1f}" for med, p99 in res.values()), flush=True)
    return 0


if __name__ == "__main__":
    run_script(main)
