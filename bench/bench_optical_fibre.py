"""Optical fibre benchmarks: split-step Manakov propagation over an amplified link.

Cases (wall seconds of the link propagation: 5 x 80 km SSMF, fixed 0.5 km steps = 800
split steps, an EDFA after each span; the transmitter is not timed):

* one DP-16QAM channel, 2^14 symbols at 32 GBd, 4 samples per symbol (65536 x 2 samples),
  complex128 and complex64, on one CPU thread (floor: < 3 s in complex128);
* 16 DP-16QAM channels at 32 GBd on the 50 GHz ITU-T G.694.1 grid, 2^12 symbols each,
  fs = 1.024 THz (32 samples per symbol; 131072 x 2 samples), complex128, on one thread
  and on all threads.
"""

from __future__ import annotations

import time

import torch

from bench.timing import Row, best_time
from softran.optical import (
    EDFA,
    DPTransmitter,
    FibreLink,
    FibreSpan,
    itu_grid,
    wdm_multiplex,
)

N_SPANS = 5
STEP = 500.0


def _link(seed: int = 1) -> FibreLink:
    span = FibreSpan(80.0)
    amps = [EDFA.for_span(span, 5.0, seed=seed + i) for i in range(N_SPANS)]
    return FibreLink([span] * N_SPANS, amps, step=STEP)


def _once(fn) -> float:
    t0 = time.perf_counter()
    fn()
    return time.perf_counter() - t0


def run() -> list[Row]:
    rows: list[Row] = []
    previous = torch.get_num_threads()
    try:
        torch.set_num_threads(1)
        tx = DPTransmitter(32e9, 4, "16QAM", 0.1, launch_power_dbm=0.0, seed=1)
        field, _, _ = tx(2 ** 14)
        link = _link()
        for dtype, name in ((torch.complex128, "complex128"), (torch.complex64, "complex64")):
            x = field.to(dtype)
            t = best_time(lambda x=x: link(x, tx.fs), repeats=3, min_time=0.0)
            rows.append((f"1 ch DP-16QAM 32 GBd 2^14 sym x4, 5x80 km, 0.5 km steps, {name}, "
                         "1 thread", t, "s"))
            c0 = time.process_time()              # CPU seconds: robust on a shared machine
            link(x, tx.fs)
            rows.append((f"1 ch ... {name}, 1 thread, process CPU time", time.process_time() - c0,
                         "s"))

        n_ch, sps = 16, 32
        offsets = itu_grid(n_ch, 50.0) - 193.125e12             # comb centred on 0 Hz
        txs = [DPTransmitter(32e9, sps, "16QAM", 0.1, launch_power_dbm=0.0, seed=10 + k)
               for k in range(n_ch)]
        chans = torch.stack([t(2 ** 12)[0] for t in txs])          # [16, 2, n]
        fs = txs[0].fs
        wdm = wdm_multiplex(chans, offsets, fs)
        for threads in (1, previous):
            torch.set_num_threads(threads)
            t = _once(lambda: link(wdm, fs))
            rows.append((f"16 ch x 32 GBd on 50 GHz grid, 2^12 sym, fs 1.024 THz, 5x80 km, "
                         f"0.5 km steps, complex128, {threads} thread(s)", t, "s"))
    finally:
        torch.set_num_threads(previous)
    return rows


if __name__ == "__main__":
    for case, figure, unit in run():
        print(f"{case}: {figure:.3f} {unit}")
