"""Coherent-receiver DSP throughput: CD compensation + 2x2 equaliser + blind phase search on
2^16 DP-16QAM symbols (2 samples per symbol, 1000 km SSMF), one thread."""

from __future__ import annotations

import torch

from bench.timing import Row, best_time
from softran.nr.modulation import symbol_modulate
from softran.optical.dsp import adaptive_equalize, blind_phase_search, cd_compensate


def run() -> list[Row]:
    rows: list[Row] = []
    n_sym, rs, sps = 2 ** 16, 32e9, 2
    fs, d, length = sps * rs, 17e-6, 1000e3
    g = torch.Generator().manual_seed(0)
    bits = torch.randint(0, 2, (2, 4 * n_sym), generator=g, dtype=torch.uint8)
    x = torch.zeros(2, sps * n_sym, dtype=torch.complex64)
    x[:, ::sps] = symbol_modulate(bits, "16QAM")
    x = cd_compensate(x, fs, -d, length)                       # dispersed input
    schedule = (("cma", 5000, 1e-3), ("rde", None, 5e-4))
    previous = torch.get_num_threads()
    torch.set_num_threads(1)
    try:
        stages = {
            "CDC (frequency domain, one FFT)": lambda: cd_compensate(x, fs, d, length),
            "2x2 equaliser CMA->RDE, 15 taps (Numba)": lambda: adaptive_equalize(
                x, "16QAM", n_taps=15, schedule=schedule),
            "BPS, 32 test phases, 2N+1 = 33": lambda: blind_phase_search(
                x[:, ::2], "16QAM", 32, 16),
        }
        total = 0.0
        for name, fn in stages.items():
            t = best_time(fn, repeats=3, min_time=0.3)
            total += t
            rows.append((f"{name}, 2^16 DP-16QAM symbols, 1 thread", n_sym / t / 1e6,
                         "Msymbol/s"))
        rows.append(("CDC + equaliser + BPS chain, 2^16 DP-16QAM symbols, 1 thread",
                     n_sym / total / 1e6, "Msymbol/s"))
    finally:
        torch.set_num_threads(previous)
    return rows
