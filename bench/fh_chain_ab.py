"""Before/after figures of the fronthaul chain of ``softran bench latency --chain FH``
(issue 18: 51 PRB x 14 symbols x 2 eAxC, BFP-9, an O-DU and an O-RU over UDP loopback):
CPU time (``time.thread_time``) per stage and slot on one thread, median and 99th
percentile (µs) over N slots after 50 warm-up slots, the stages of
``softran.sim.latency._fh_chain`` (what the bench times), plus ``DL`` and ``UL``: the sum
of each direction's four stages per slot.

``python bench/fh_chain_ab.py [--calls N]`` measures the softran on the path;
``python bench/fh_chain_ab.py --compare OLD_SRC NEW_SRC [--rounds R]`` runs it
alternately with ``PYTHONPATH=OLD_SRC`` and ``NEW_SRC`` (e.g. main's ``src`` and a
branch's), R rounds each, and prints both with the load average of each round (the machine's
speed drifts: compare rounds run in the same minute).
"""

from __future__ import annotations

import importlib
import time

from compare_trees import compare_main, run_script

WARMUP = 50


def _median_p99(v: list[float]) -> tuple[float, float]:
    v = sorted(v)
    return v[len(v) // 2], v[int(0.99 * len(v))]


def measure(calls: int) -> dict[str, tuple[float, float]]:
    import numba
    import torch

    numba.set_num_threads(1)
    torch.set_num_threads(1)
    latency = importlib.import_module("softran.sim.latency")
    chain, close = latency._fh_chain(latency.LatencyConfig(chains=("FH",)), {})
    names = [n for n, _ in chain.stages]
    out: dict[str, list[float]] = {n: [] for n in names}
    out["DL"], out["UL"] = [], []
    try:
        for i in range(WARMUP + calls):
            ctx = chain.prepare(i)
            t = []
            for _, fn in chain.stages:
                c0 = time.thread_time()
                fn(ctx)
                t.append((time.thread_time() - c0) * 1e6)
            if i >= WARMUP:
                for n, v in zip(names, t, strict=True):
                    out[n].append(v)
                # per direction by the stage names (the old trees' chain has 5 DL stages)
                out["DL"].append(sum(v for n, v in zip(names, t) if n.startswith("DL")))
                out["UL"].append(sum(v for n, v in zip(names, t) if n.startswith("UL")))
    finally:
        close()
    return {k: _median_p99(v) for k, v in out.items()}


def main() -> int:
    return compare_main(__file__, __doc__ or "", measure)


if __name__ == "__main__":
    run_script(main)
