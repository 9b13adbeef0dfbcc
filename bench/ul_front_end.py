"""Before/after figures of the PUSCH receiver's front end on the 20 MHz slot of
``softran bench latency --chain UL`` (51 PRB, 30 kHz, 16QAM MCS 16 of table qam64, 1 layer,
2 Rx; TS 38.211 §5.3.1 OFDM demodulation, §6.4.1.1 DM-RS channel estimation, noise
covariance, MMSE-IRC, §5.1 / §6.3.1.1 demapping + descrambling): CPU time
(``time.thread_time``) per call on one thread, median and 99th percentile, of

* ``PUSCHReceiver()``: one call, time-domain samples to a decoded transport block;
* ``front end``: the samples to the descrambled LLRs, as ``forward`` runs it (the one
  compiled pass where the receiver has it, else the stages: the slot's grid, ``equalize``
  and the kept-buffer demapping), call after call;
* ``front end in chain``: the same, each call followed by the decoder on its LLRs (not
  timed), so that the front end finds the caches as inside ``PUSCHReceiver()``;

each slot a different noisy waveform (16 in turn, as the latency bench), 2 dB above the
70 % throughput point of one transmission (AWGN 8.6 dB).

``python bench/ul_front_end.py [--calls N]`` measures the softran on the path;
``python bench/ul_front_end.py --ab [--calls N]`` measures one receiver with its one-pass
front end on and off (``softran.nr.pusch.receiver.KERNELS``; off: the stages), alternating
call by call in one process (robust to the host's drift);
``python bench/ul_front_end.py --compare OLD_SRC NEW_SRC [--rounds R]`` runs it
alternately with ``PYTHONPATH=OLD_SRC`` and ``NEW_SRC``, R rounds each, and prints both
with the load average of each round.
"""

from __future__ import annotations

import argparse
import os
import time

from compare_trees import (
    add_compare_arguments,
    compare_rounds,
    parse_compare_arguments,
    print_figures,
    run_script,
)


def measure(calls: int, snr_db: float = 8.6) -> dict[str, list[float]]:
    import numba
    import numpy as np
    import torch

    torch.set_num_threads(1)
    numba.set_num_threads(1)
    from ul_slot import noisy_slots, ul_slot

    _, pusch, tx, rx = ul_slot()
    pool = noisy_slots(tx, pusch.tb_size, 16, 10.0 ** (-snr_db / 10.0))

    if hasattr(rx, "_front_end"):                      # the one-pass front end
        def front(w: torch.Tensor) -> object:
            out = rx._front_end(w)
            return rx._front_end_stages(w, None, None) if out is None else out
    else:                                              # forward's stages before it
        def front(w: torch.Tensor) -> object:
            x, nv = rx.equalize(rx._ofdm.demodulate(w))
            out = rx._demap_slot(x, nv)
            return rx.demap(x, nv) if out is None else out

    cfg = rx.config
    stages = {"PUSCHReceiver()": lambda w: rx(w, new_data=True), "front end": front,
              "front end in chain": front}
    out: dict[str, list[float]] = {}
    errors = 0
    for name, f in stages.items():
        for i in range(30):
            f(pool[i % 16])
        t = np.empty(calls)
        for i in range(calls):
            w = pool[i % 16]
            t0 = time.thread_time()
            r = f(w)
            t[i] = time.thread_time() - t0
            if name == "PUSCHReceiver()":
                errors += int(bool(r[1].any()))
            elif name == "front end in chain":
                rx.decoder(r, cfg.modulation, cfg.n_layers, new_data=True)
        out[name] = [float(np.median(t)) * 1e6, float(np.quantile(t, 0.99)) * 1e6]
    out["BLER"] = [errors / calls, 0.0]
    return out


def measure_ab(calls: int, snr_db: float = 8.6) -> dict[str, list[float]]:
    """``PUSCHReceiver()`` and the front end in the chain, the one-pass front end on and
    off alternating call by call (module docstring)."""
    import importlib

    import numba
    import numpy as np
    import torch

    torch.set_num_threads(1)
    numba.set_num_threads(1)
    from ul_slot import noisy_slots, ul_slot

    module = importlib.import_module("softran.nr.pusch.receiver")
    _, pusch, tx, rx = ul_slot()
    pool = noisy_slots(tx, pusch.tb_size, 16, 10.0 ** (-snr_db / 10.0))

    def front(w: torch.Tensor) -> torch.Tensor:
        out = rx._front_end(w) if module.KERNELS else None
        return rx._front_end_stages(w, None, None) if out is None else out

    saved = module.KERNELS
    res: dict[str, list[float]] = {}
    try:
        for i in range(60):
            module.KERNELS = bool(i & 1)
            rx(pool[i % 16], new_data=True)
        for row in ("PUSCHReceiver()", "front end in chain"):
            t = {True: np.empty(calls), False: np.empty(calls)}
            for i in range(calls):
                w = pool[i % 16]
                for on in (True, False):
                    module.KERNELS = on
                    t0 = time.thread_time()
                    if row == "PUSCHReceiver()":
                        rx(w, new_data=True)
                        t[on][i] = time.thread_time() - t0
                    else:
                        llr = front(w)
                        t[on][i] = time.thread_time() - t0
                        rx.decoder(llr, pusch.modulation, 1, new_data=True)
            for on, label in ((False, "stages"), (True, "one pass")):
                res[f"{row}, {label}"] = [float(np.median(t[on])) * 1e6,
                                          float(np.quantile(t[on], 0.99)) * 1e6]
    finally:
        module.KERNELS = saved
    return res


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    add_compare_arguments(ap)
    ap.add_argument("--ab", action="store_true",
                    help="the one-pass front end on / off, alternating in one process")
    a = parse_compare_arguments(ap)
    if a.ab:
        print(f"load {os.getloadavg()[0]:.2f}")
        for k, (med, p99) in measure_ab(a.calls).items():
            print(f"{k:32s} median {med:8.1f} us   p99 {p99:8.1f} us")
        return 0
    if not a.compare:
        print_figures(measure(a.calls), a.json)
        return 0
    print(f"{'round':>5} {'code':4} {'load':>5}  " + "  ".join(
        f"{s:>26}" for s in ("PUSCHReceiver() med/p99", "front end med/p99",
                             "front end in chain med/p99")) + "   BLER")
    for r, label, load, res in compare_rounds(__file__, a):
        bler = res.pop("BLER")[0]
        print(f"{r:>5} {label:4} {load:5.2f}  " + "  ".join(
            f"{med:12.1f} / {p99:11.1f}" for med, p99 in res.values())
            + f"   {bler:.3f}", flush=True)
    return 0


if __name__ == "__main__":
    run_script(main)
