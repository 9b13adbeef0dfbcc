"""Before/after figures of one ``PUSCHReceiver()`` call on the 20 MHz slot of ``softran bench
latency --chain UL`` (51 PRB, 30 kHz, 16QAM MCS 16 of table qam64, 1 layer, 2 Rx, the
``numba-int8`` LDPC kernel, AWGN 7.92 dB; TS 38.211 §5.3.1 .. §6.3.1.1 and TS 38.212 §6.2
read backwards): CPU time (``time.thread_time``) per call on one thread, median and 99th
percentile, each slot a different noisy waveform (16 in turn, as the latency bench),

* ``warm``: call after call (the slot's data and workspaces in the caches);
* ``cold``: 32 MB written between calls (outside the timed region), so that each call finds
  its waveform, workspaces and code out of the caches, as inside the latency bench's chain
  (where the stage-by-stage runs touch megabytes between two calls).

``python bench/ul_receive_call.py [--calls N]`` measures the softran on the path;
``python bench/ul_receive_call.py --compare OLD_SRC NEW_SRC [--rounds R]`` runs it
alternately with ``PYTHONPATH=OLD_SRC`` and ``NEW_SRC``, R rounds each, and prints both
with the load average of each round; ``--paired OLD_SRC NEW_SRC [--rounds R]`` runs both
trees at once in two worker processes that take turns (blocks of 10 calls, the order
swapped every block), so that both meet the same seconds of the host, and prints each
round's figures and the paired ratio of medians (new / old).
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import time

from compare_trees import (
    add_compare_arguments,
    compare_rounds,
    parse_compare_arguments,
    print_figures,
    run_script,
)


def measure(calls: int, snr_db: float = 7.92) -> dict[str, list[float]]:
    import numba
    import numpy as np
    import torch

    torch.set_num_threads(1)
    numba.set_num_threads(1)
    from ul_slot import noisy_slots, ul_slot

    _, pusch, tx, rx = ul_slot(ldpc_kernel="numba-int8")
    pool = noisy_slots(tx, pusch.tb_size, 16, 10.0 ** (-snr_db / 10.0))
    junk = np.zeros(1 << 22)                            # 32 MB
    out: dict[str, list[float]] = {}
    errors = 0
    for name in ("warm", "cold"):
        for i in range(30):
            rx(pool[i % 16], new_data=True)
        t = np.empty(calls)
        for i in range(calls):
            w = pool[i % 16]
            if name == "cold":
                junk += 1.0
            t0 = time.thread_time()
            _, err = rx(w, new_data=True)
            t[i] = time.thread_time() - t0
            errors += int(bool(err.any()))
        out[f"PUSCHReceiver() {name}"] = [float(np.median(t)) * 1e6,
                                          float(np.quantile(t, 0.99)) * 1e6]
    out["block errors"] = [float(errors), float(2 * calls)]
    return out


def _worker() -> int:
    """``--worker``: one receiver on the slot; each line ``warm N`` or ``cold N`` on stdin
    runs N calls (``cold``: 32 MB written before each) and answers their CPU µs."""
    import numba
    import numpy as np
    import torch

    torch.set_num_threads(1)
    numba.set_num_threads(1)
    from ul_slot import noisy_slots, ul_slot

    _, pusch, tx, rx = ul_slot(ldpc_kernel="numba-int8")
    pool = noisy_slots(tx, pusch.tb_size, 16, 10.0 ** (-7.92 / 10.0))
    junk = np.zeros(1 << 22)
    for i in range(30):
        rx(pool[i % 16], new_data=True)
    print("ready", flush=True)
    i = 0
    for line in sys.stdin:
        mode, n = line.split()
        times = []
        for _ in range(int(n)):
            if mode == "cold":
                junk += 1.0
            t0 = time.thread_time()
            rx(pool[i % 16], new_data=True)
            times.append((time.thread_time() - t0) * 1e6)
            i += 1
        print(" ".join(f"{t:.1f}" for t in times), flush=True)
    return 0


def _paired(a: argparse.Namespace) -> None:
    import numpy as np

    procs = []
    for src in a.paired:
        env = dict(os.environ, PYTHONPATH=os.path.abspath(src))
        p = subprocess.Popen([sys.executable, os.path.abspath(__file__), "--worker"], env=env,
                             stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
        procs.append(p)
    for p in procs:
        assert p.stdout is not None and p.stdout.readline().strip() == "ready"

    def ask(p: subprocess.Popen[str], mode: str, n: int) -> list[float]:
        assert p.stdin is not None and p.stdout is not None
        p.stdin.write(f"{mode} {n}\n")
        p.stdin.flush()
        return [float(x) for x in p.stdout.readline().split()]

    print(f"{'round':>5} {'load':>5} {'mode':4}  {'old med / p99':>17}  {'new med / p99':>17}"
          "  new/old med")
    for r in range(a.rounds):
        load = os.getloadavg()[0]
        for mode in ("warm", "cold"):
            got: list[list[float]] = [[], []]
            for b in range(a.calls // 10):
                order = (0, 1) if b % 2 == 0 else (1, 0)
                for j in order:
                    t = ask(procs[j], mode, 12 if mode == "warm" else 10)
                    got[j] += t[2:] if mode == "warm" else t     # warm: the block's first 2
            (om, op), (nm, np_) = ((float(np.median(g)), float(np.quantile(g, 0.99)))
                                   for g in got)
            print(f"{r:>5} {load:5.2f} {mode:4}  {om:7.1f} / {op:7.1f}  {nm:7.1f} / "
                  f"{np_:7.1f}  {nm / om:6.3f}", flush=True)
    for p in procs:
        assert p.stdin is not None
        p.stdin.close()
        p.wait()


def main() -> int:
    if sys.argv[1:] == ["--worker"]:
        return _worker()
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    add_compare_arguments(ap)
    ap.add_argument("--paired", nargs=2, metavar=("OLD_SRC", "NEW_SRC"),
                    help="both trees at once, taking turns (blocks of 10 calls)")
    a = parse_compare_arguments(ap)
    if a.paired:
        _paired(a)
        return 0
    if not a.compare:
        res = measure(a.calls)
        if not a.json:
            e, n = res.pop("block errors")
            print(f"block errors: {int(e)} of {int(n)} slots")
        print_figures(res, a.json)
        return 0
    print(f"{'round':>5} {'code':4} {'load':>5}  {'warm med / p99':>26}  "
          f"{'cold med / p99':>26}  errors")
    for r, label, load, res in compare_rounds(__file__, a):
        (wm, wp), (cm, cp), (e, n) = res.values()
        print(f"{r:>5} {label:4} {load:5.2f}  {wm:12.1f} / {wp:11.1f}  {cm:12.1f} / "
              f"{cp:11.1f}  {int(e)}/{int(n)}", flush=True)
    return 0


if __name__ == "__main__":
    run_script(main)
