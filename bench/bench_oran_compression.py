"""O-RAN IQ compression benchmarks: BFP-9 slot throughput and the EVM table per method/width.

``python -m bench oran_compression`` runs :func:`run`; ``python -m bench.bench_oran_compression``
also prints :func:`evm_table` (the compression floor alone, 256QAM REs 12 dB below int16 full
scale).
"""

from __future__ import annotations

import math

import numba
import numpy as np
import torch

from bench.timing import Row, best_time
from softran.nr.modulation import symbol_modulate
from softran.oran import (
    CompressedPRBs,
    compress,
    decompress,
    evm,
    modulation_compression_params,
)

SLOT_S = 0.5e-3            # 30 kHz slot
N_ANT, N_SYM, N_PRB = 4, 14, 273


def _qam256_symbols(shape: tuple[int, ...], seed: int) -> torch.Tensor:
    """Unit-power 256QAM symbols ``[*shape, 12]`` (complex128)."""
    n = math.prod(shape) * 12
    bits = torch.tensor(np.random.default_rng(seed).integers(0, 2, 8 * n), dtype=torch.uint8)
    return symbol_modulate(bits, "256QAM").to(torch.complex128).reshape(*shape, 12)


def _qam256_grid(shape: tuple[int, ...], backoff_db: float, seed: int) -> torch.Tensor:
    """Integer-valued 256QAM IQ ``[*shape, 12]``, RMS ``backoff_db`` below 2^15."""
    amp = 2.0 ** 15 * 10 ** (-backoff_db / 20)
    sym = torch.view_as_real(_qam256_symbols(shape, seed)) * amp
    return torch.view_as_complex(torch.round(sym)).to(torch.complex64)


def evm_table(n_symbols: int = 14, backoff_db: float = 12.0, seed: int = 0
              ) -> list[tuple[str, int, float]]:
    """Rows ``(method, width, EVM %)`` of decompress(compress(x)) against x.

    x: 273 PRB x ``n_symbols`` of 256QAM, RMS ``backoff_db`` below int16 full scale. The
    modulation-compression row carries the same symbols (unrounded, amplitude relative to
    full scale) as constellation codes: lossless up to the 11-bit modCompScaler mantissa.
    """
    grid = _qam256_grid((n_symbols, N_PRB), backoff_db, seed)
    rows: list[tuple[str, int, float]] = []
    for width in (7, 8, 9, 10, 12, 14):
        for label, method, mode in (("BFP floor-shift", "bfp", "floor-shift"),
                                    ("BFP round-saturate", "bfp", "round-saturate"),
                                    ("block scaling", "block-scaling", "floor-shift"),
                                    ("mu-law", "mu-law", "floor-shift")):
            c = compress(grid, method, width, mode=mode)
            rows.append((label, width, evm(grid, decompress(c))))
    amp = 10 ** (-backoff_db / 20)
    w, csf, s = modulation_compression_params("256QAM", amp)
    sym = _qam256_symbols((n_symbols, N_PRB), seed) * amp
    c = compress(sym, "modulation", w, csf=csf, mod_comp_scaler=s, full_scale=1.0)
    rows.append(("modulation compression", w, evm(sym, decompress(c))))
    return rows


def run() -> list[Row]:
    rows: list[Row] = []
    x = _qam256_grid((N_ANT, N_SYM, N_PRB), 12.0, seed=1)
    previous = torch.get_num_threads()
    previous_numba = numba.get_num_threads()
    torch.set_num_threads(1)                   # "1 thread": torch and the Numba kernels
    numba.set_num_threads(1)
    try:
        for mode in ("floor-shift", "round-saturate"):
            t = best_time(lambda mode=mode: compress(x, "bfp", 9, mode=mode),
                          repeats=5, min_time=0.3)
            case = f"BFP-9 {mode} compress only, {N_PRB} PRB x {N_SYM} sym x {N_ANT} ant"
            rows.append((f"{case}, time per slot, 1 thread", t * 1e3, "ms"))
            rows.append((f"{case}, x real time (0.5 ms slot)", SLOT_S / t, "x"))
            t = best_time(lambda mode=mode: decompress(compress(x, "bfp", 9, mode=mode)),
                          repeats=5, min_time=0.3)
            case = f"BFP-9 {mode} compress+decompress, {N_PRB} PRB x {N_SYM} sym x {N_ANT} ant"
            rows.append((f"{case}, time per slot, 1 thread", t * 1e3, "ms"))
            rows.append((f"{case}, x real time (0.5 ms slot)", SLOT_S / t, "x"))
        c = compress(x, "bfp", 9)
        data = c.to_bytes()
        t = best_time(c.to_bytes, repeats=3, min_time=0.3)
        rows.append((f"BFP-9 to_bytes, one slot ({len(data)} bytes), 1 thread", t * 1e3, "ms"))
        t = best_time(lambda: CompressedPRBs.from_bytes(data, N_PRB, "bfp", 9,
                                                        batch_shape=(N_ANT, N_SYM)),
                      repeats=3, min_time=0.3)
        rows.append(("BFP-9 from_bytes, one slot, 1 thread", t * 1e3, "ms"))
    finally:
        torch.set_num_threads(previous)
        numba.set_num_threads(previous_numba)
    for label, width, value in evm_table():
        if width == 9:
            rows.append((f"EVM {label}-9, 256QAM at -12 dBFS", value, "%"))
    return rows


if __name__ == "__main__":
    print(f"{'method':<24}{'width':>6}{'EVM %':>10}{'EVM dB':>9}")
    for label, width, value in evm_table():
        db = 20 * math.log10(value / 100) if value > 0 else float("-inf")
        print(f"{label:<24}{width:>6}{value:>10.3f}{db:>9.1f}")
    print()
    for case, figure, unit in run():
        print(f"{case}: {figure:.4g} {unit}")
