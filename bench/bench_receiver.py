"""Receiver benchmarks: DM-RS channel estimation and MMSE equalisation of one slot."""

from __future__ import annotations

import math

import torch

from bench.timing import Row, best_time
from softran.nr.receiver import channel_estimate, mmse_equalize

N_SYM = 14
DMRS_SYMBOLS = (2, 11)


def _references(n_prb: int, n_layers: int) -> tuple[torch.Tensor, torch.Tensor]:
    """Type-1 DM-RS-like comb: layers 0/1 on k = 4n + 2k', layers 2/3 on k = 4n + 2k' + 1."""
    k_grid = 12 * n_prb
    n = torch.arange(3 * n_prb)
    gen = torch.Generator().manual_seed(0)
    inds, syms = [], []
    for p in range(n_layers):
        k = torch.stack([4 * n + p // 2, 4 * n + 2 + p // 2], -1).flatten()
        inds.append(torch.cat([p * N_SYM * k_grid + l * k_grid + k for l in DMRS_SYMBOLS]))
        q = torch.randint(0, 4, (len(DMRS_SYMBOLS) * k.numel(),), generator=gen)
        syms.append(torch.exp(1j * (math.pi / 4 + math.pi / 2 * q)))
    return torch.stack(inds), torch.stack(syms).to(torch.complex64)


def run() -> list[Row]:
    rows: list[Row] = []
    previous = torch.get_num_threads()
    torch.set_num_threads(1)
    try:
        for n_prb, n_layers, n_rx in ((51, 1, 2), (273, 4, 4)):
            k_grid = 12 * n_prb
            ind, sym = _references(n_prb, n_layers)
            rx = torch.randn(n_rx, N_SYM, k_grid, dtype=torch.complex64)
            case = f"{n_prb} PRB, {n_layers} layer(s) x {n_rx} rx, 1 thread"
            t = best_time(lambda: channel_estimate(rx, ind, sym), repeats=3, min_time=0.3)
            rows.append((f"channel_estimate {case}", t * 1e3, "ms/slot"))
            n_re = 12 * k_grid                                  # 12 data symbols
            h = torch.randn(n_rx, n_layers, n_re, dtype=torch.complex64)
            y = torch.randn(n_rx, n_re, dtype=torch.complex64)
            nv = torch.full((n_rx,), 0.1)
            t = best_time(lambda: mmse_equalize(y, h, nv), repeats=3, min_time=0.3)
            rows.append((f"mmse_equalize {case}, 12 symbols", t * 1e3, "ms/slot"))
            cov = (torch.eye(n_rx) + 0.1).to(torch.complex64)[..., None]
            t = best_time(lambda: mmse_equalize(y, h, cov), repeats=3, min_time=0.3)
            rows.append((f"mmse_equalize (IRC) {case}, 12 symbols", t * 1e3, "ms/slot"))
    finally:
        torch.set_num_threads(previous)
    return rows
