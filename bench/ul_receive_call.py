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
with the load average of each round.
"""

from __future__ import annotations

import argparse
import time

from compare_trees import (
    add_compare_arguments,
    compare_rounds,
    parse_compare_arguments,
    print_figures,
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


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    add_compare_arguments(ap)
    a = parse_compare_arguments(ap)
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
    raise SystemExit(main())
