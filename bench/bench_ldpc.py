"""LDPC encoder / decoder throughput (TS 38.212 §5.3.2): information Mbit/s on CPU.

Decoder cases: layered normalised min-sum, 10 iterations, early termination off, batches of
32 code blocks; LLRs of BPSK over AWGN (exact LLRs 2y/sigma^2) at an Eb/N0 where every block
decodes; for code rate r the first E = K/r bits of the N-bit codeword buffer are transmitted
and the rest get LLR 0 (rows whose parity is not transmitted are skipped by the decoder).
Each case runs on one thread (numba and torch set to 1) and on all threads, with the float
Numba kernel and the fixed-point one (``kernel="numba-int8"``: 8-bit messages); on one thread
the fixed-point rows are in CPU time (``time.process_time``: what a free core needs on this
shared machine) and in wall time, and the load average is printed with them. Where CUDA is
usable the same cases (and the encoder) also run on the GPU with batches of 2048 code blocks:
the Triton kernels (when Triton is installed) and the torch paths, timed with device
synchronisation. A last one-thread case times one UL slot's LDPC stage (3 code blocks BG1
Zc = 320 with early termination, as in ``softran bench latency``): median and 99th
percentile of the CPU time per call.
"""

from __future__ import annotations

import math
import os
import time

import numba
import torch

from bench.timing import Row, best_cpu_time, best_time
from softran.nr.coding.ldpc import base_graph_dims, ldpc_decode, ldpc_encode

BLOCKS = 32
ITERATIONS = 10

# (bgn, zc, rate, Eb/N0 dB)
DECODE_CASES = [(1, 384, 1 / 3, 2.0), (1, 384, 1 / 2, 2.5), (2, 384, 1 / 3, 2.5)]


def _case(bgn: int, zc: int, rate: float, ebn0_db: float, seed: int
          ) -> tuple[torch.Tensor, torch.Tensor]:
    _, _, kb = base_graph_dims(bgn)
    k = kb * zc
    gen = torch.Generator().manual_seed(seed)
    cbs = torch.randint(0, 2, (BLOCKS, k), generator=gen, dtype=torch.uint8)
    d = ldpc_encode(cbs, bgn).float()
    e = round(k / rate)
    sigma2 = 1.0 / (2.0 * rate * 10.0 ** (ebn0_db / 10.0))
    y = (1.0 - 2.0 * d) + math.sqrt(sigma2) * torch.randn(d.shape, generator=gen)
    llr = 2.0 * y / sigma2
    llr[:, e:] = 0.0
    return cbs, llr


def _measure(threads: int, label: str) -> list[Row]:
    numba.set_num_threads(min(threads, numba.config.NUMBA_NUM_THREADS))
    torch.set_num_threads(threads)
    rows: list[Row] = []
    for i, (bgn, zc, rate, ebn0) in enumerate(DECODE_CASES):
        cbs, llr = _case(bgn, zc, rate, ebn0, seed=i)
        bits, _ = ldpc_decode(llr, bgn, ITERATIONS, early_termination=False)
        if not torch.equal(bits, cbs):
            raise RuntimeError(f"decoding failed in the benchmark case BG{bgn} r={rate:.2f}")
        t = best_time(lambda llr=llr, bgn=bgn: ldpc_decode(llr, bgn, ITERATIONS,
                                                             early_termination=False),
                      repeats=3)
        k = cbs.shape[1]
        rows.append((f"decode BG{bgn} K={k} r=1/{round(1 / rate)} 10 it, {label}",
                     cbs.numel() / t / 1e6, "Mbit/s"))
        if threads == 1:
            t = best_cpu_time(lambda llr=llr, bgn=bgn: ldpc_decode(llr, bgn, ITERATIONS,
                                                                   early_termination=False),
                              repeats=3)
            rows.append((f"decode BG{bgn} K={k} r=1/{round(1 / rate)} 10 it, {label}, CPU time",
                         cbs.numel() / t / 1e6, "Mbit/s"))
        bits, _ = ldpc_decode(llr, bgn, ITERATIONS, early_termination=False, kernel="numba-int8")
        if not torch.equal(bits, cbs):
            raise RuntimeError(f"fixed-point decoding failed in the case BG{bgn} r={rate:.2f}")

        def fixed(llr=llr, bgn=bgn) -> None:
            ldpc_decode(llr, bgn, ITERATIONS, early_termination=False, kernel="numba-int8")

        t = best_time(fixed, repeats=3)
        rows.append((f"decode BG{bgn} K={k} r=1/{round(1 / rate)} 10 it, numba-int8, {label}",
                     cbs.numel() / t / 1e6, "Mbit/s"))
        if threads == 1:
            t = best_cpu_time(fixed, repeats=3)
            rows.append((f"decode BG{bgn} K={k} r=1/{round(1 / rate)} 10 it, numba-int8, "
                         f"{label}, CPU time", cbs.numel() / t / 1e6, "Mbit/s"))
    if threads == 1:
        rows += _measure_ul_slot()
    cbs, _ = _case(1, 384, 1 / 3, 2.0, seed=9)
    t = best_time(lambda: ldpc_encode(cbs, 1), repeats=3)
    rows.append((f"encode BG1 K={cbs.shape[1]}, {label}", cbs.numel() / t / 1e6, "Mbit/s"))
    return rows


# the UL latency slot's LDPC stage (sim/latency.py: 51 PRB 16QAM MCS 16): 3 code blocks BG1
# Zc = 320, R = 658/1024, early termination, max 12 iterations; BPSK-AWGN LLRs at an Eb/N0
# where all decode in a few iterations
UL_SLOT = (1, 320, 658 / 1024, 3.0)
UL_SLOT_BLOCKS = 3
UL_SLOT_CALLS = 300


def _measure_ul_slot() -> list[Row]:
    """Per-call CPU time (``time.thread_time``) median and p99 of ldpc_decode on one UL slot's
    code blocks, fresh noise per call (a pool of 64 slots), one thread."""
    bgn, zc, rate, ebn0 = UL_SLOT
    cbs, llr = _case(bgn, zc, rate, ebn0, seed=11)
    n = BLOCKS - BLOCKS % UL_SLOT_BLOCKS
    pool = llr[:n].reshape(-1, UL_SLOT_BLOCKS, llr.shape[-1])
    sent = cbs[:n].reshape(-1, UL_SLOT_BLOCKS, cbs.shape[-1])
    rows: list[Row] = []
    for kernel in ("numba", "numba-int8"):
        for slot, tx in zip(pool, sent, strict=True):  # warm-up, and every slot decodes
            if not torch.equal(ldpc_decode(slot, bgn, 12, kernel=kernel)[0], tx):
                raise RuntimeError(f"decoding failed in the UL slot case ({kernel})")
        times, iters = [], []
        for i in range(UL_SLOT_CALLS):
            slot = pool[i % len(pool)]
            t0 = time.thread_time()
            _, it = ldpc_decode(slot, bgn, 12, kernel=kernel)
            times.append(time.thread_time() - t0)
            iters.append(float(it.float().mean()))
        times.sort()
        label = (f"decode UL slot: {UL_SLOT_BLOCKS} blocks BG{bgn} Zc={zc} R=0.64, early term. "
                 f"(mean {sum(iters) / len(iters):.1f} it), {kernel}, 1 thread, CPU time")
        rows.append((f"{label}, median", 1e6 * times[len(times) // 2], "us"))
        rows.append((f"{label}, p99", 1e6 * times[int(0.99 * (len(times) - 1))], "us"))
    return rows


GPU_BLOCKS = 2048


def _measure_gpu() -> list[Row]:
    from softran.nr.coding.ldpc.triton_support import triton_usable

    dev = torch.device("cuda")
    kernels = (["triton"] if triton_usable(dev) else []) + ["torch"]
    rows: list[Row] = []
    for i, (bgn, zc, rate, ebn0) in enumerate(DECODE_CASES):
        cbs, llr = _case(bgn, zc, rate, ebn0, seed=i)
        reps = GPU_BLOCKS // BLOCKS
        cbs, llr = cbs.repeat(reps, 1).to(dev), llr.repeat(reps, 1).to(dev)
        for kernel in kernels:
            def call(llr=llr, bgn=bgn, kernel=kernel) -> None:
                ldpc_decode(llr, bgn, ITERATIONS, early_termination=False, kernel=kernel)
                torch.cuda.synchronize()
            bits, _ = ldpc_decode(llr, bgn, ITERATIONS, early_termination=False, kernel=kernel)
            if not torch.equal(bits, cbs):
                raise RuntimeError(f"GPU decoding ({kernel}) failed in case BG{bgn} r={rate:.2f}")
            t = best_time(call, repeats=3)
            rows.append((f"decode BG{bgn} K={cbs.shape[1]} r=1/{round(1 / rate)} 10 it, "
                         f"{torch.cuda.get_device_name(0)}, {kernel}, {GPU_BLOCKS} blocks",
                         cbs.numel() / t / 1e9, "Gbit/s"))
    cbs, _ = _case(1, 384, 1 / 3, 2.0, seed=9)
    cbs = cbs.repeat(GPU_BLOCKS // BLOCKS, 1).to(dev)
    for kernel in kernels:
        def encode(kernel=kernel) -> None:
            ldpc_encode(cbs, 1, kernel=kernel)
            torch.cuda.synchronize()
        t = best_time(encode, repeats=3)
        rows.append((f"encode BG1 K={cbs.shape[1]}, {torch.cuda.get_device_name(0)}, {kernel}, "
                     f"{GPU_BLOCKS} blocks", cbs.numel() / t / 1e9, "Gbit/s"))
    return rows


def run() -> list[Row]:
    old = (numba.get_num_threads(), torch.get_num_threads())
    try:
        rows = _measure(1, "1 thread")
        # the plain torch reference (the CUDA path) on CPU, for scale
        cbs, llr = _case(1, 384, 1 / 3, 2.0, seed=0)
        cbs, llr = cbs[:4], llr[:4]
        t = best_time(lambda: ldpc_decode(llr, 1, ITERATIONS, early_termination=False,
                                          kernel="torch"), repeats=2)
        rows.append(("decode BG1 K=8448 r=1/3 10 it, torch reference path (4 blocks), 1 thread",
                     cbs.numel() / t / 1e6, "Mbit/s"))
        rows.append(("load average (1 min) after the one-thread cases", os.getloadavg()[0], ""))
        n_all = numba.config.NUMBA_NUM_THREADS  # all the threads numba may use (CPU count)
        rows += _measure(n_all, f"{n_all} threads")
        if torch.cuda.is_available():
            rows += _measure_gpu()
    finally:
        numba.set_num_threads(old[0])
        torch.set_num_threads(old[1])
    return rows


if __name__ == "__main__":
    for case, figure, unit in run():
        print(f"{case:70s} {figure:10.2f} {unit}")
