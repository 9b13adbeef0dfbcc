"""Polar encoder / CA-SCL decoder throughput (TS 38.212 §5.3.1): codewords per second on CPU.

Case: the PBCH code (K = 56 with CRC24C, E = 864, N = 512, input interleaving), batches of 256
codewords; LLRs of BPSK over AWGN at Es/N0 = -10 dB, where CA-SCL with L = 8 decodes every
block. Decoding runs the Numba kernel on one thread and on all threads; the torch reference path
(the GPU path) is timed on CPU for scale with a smaller batch.
"""

from __future__ import annotations

import math

import torch

from bench.timing import ALL_THREADS, Row, best_time, threads
from softran.nr.coding.crc import crc_encode
from softran.nr.coding.polar import polar_decode, polar_encode, rate_match_polar, rate_recover_polar

BATCH = 256
K, E = 56, 864


def _case(batch: int, esn0_db: float = -10.0, seed: int = 0
          ) -> tuple[torch.Tensor, torch.Tensor]:
    gen = torch.Generator().manual_seed(seed)
    c = crc_encode(torch.randint(0, 2, (batch, K - 24), generator=gen, dtype=torch.uint8), "24C")
    d = polar_encode(c, E)
    f = rate_match_polar(d, K, E)
    n0 = 10.0 ** (-esn0_db / 10.0)
    y = (1.0 - 2.0 * f.float()) + math.sqrt(n0 / 2.0) * torch.randn(f.shape, generator=gen)
    return c, rate_recover_polar(4.0 * y / n0, K, d.shape[-1])


def _decode_rows(label: str) -> list[Row]:
    c, llr = _case(BATCH)
    rows: list[Row] = []
    for n_list in (8, 1):
        out = polar_decode(llr, K, E, n_list, kernel="numba")
        if n_list == 8 and not torch.equal(out, c):
            raise RuntimeError("decoding failed in the benchmark case (PBCH, L = 8)")
        t = best_time(lambda n_list=n_list: polar_decode(llr, K, E, n_list, kernel="numba"),
                      repeats=3)
        rows.append((f"decode PBCH K=56 E=864 L={n_list}, batch {BATCH}, numba, {label}",
                     BATCH / t, "codewords/s"))
    return rows


def run() -> list[Row]:
    with threads(1):
        rows = _decode_rows("1 thread")
        c, llr = _case(32)
        for n_list in (8, 1):
            t = best_time(lambda n_list=n_list: polar_decode(llr[:32], K, E, n_list,
                                                             kernel="torch"), repeats=2)
            rows.append((f"decode PBCH K=56 E=864 L={n_list}, batch 32, torch reference, 1 thread",
                         32 / t, "codewords/s"))
        cb, _ = _case(BATCH)
        t = best_time(lambda: polar_encode(cb, E), repeats=3)
        rows.append((f"encode PBCH K=56 -> N=512, batch {BATCH}, 1 thread", BATCH / t,
                     "codewords/s"))
    with threads(ALL_THREADS):
        rows += _decode_rows(f"{ALL_THREADS} threads")
    return rows


if __name__ == "__main__":
    for case, figure, unit in run():
        print(f"{case:75s} {figure:12.1f} {unit}")
