"""PUCCH format 2 / 3 detection (TS 38.211 §6.3.2.5-6, TS 38.212 §6.3.1) on CPU.

Case: 20 MHz carrier at 15 kHz (106 RBs), 4 receive antennas, received resource grids (OFDM
demodulation excluded) at 0 dB SNR, a batch of 64 PUCCHs per call:

* F2 4-bit: 1 symbol, 4 PRBs (Reed-Muller, DTX threshold);
* F2 22-bit: 2 symbols, 9 PRBs, intra-slot hopping (polar, CRC6, list 8);
* F3 16-bit: 14 symbols, 1 PRB, hopping (TS 38.104 test 1; polar, CRC6, list 8);
* F3 16-bit, 4 symbols x 3 PRBs (test 2).

Figure: ms per PUCCH of :class:`~softran.nr.PUCCHReceiver` (channel estimate, MRC, demapping,
UCI decoding): CPU time (``time.process_time``) on one thread, wall time on all threads.
"""

from __future__ import annotations

import math

import torch

from bench.timing import ALL_THREADS, Row, best_cpu_time, best_time, threads
from softran.nr import CarrierConfig, PUCCHConfig, PUCCHReceiver, PUCCHTransmitter

N_RX, BATCH = 4, 64
HOP = {"frequency_hopping": "intra-slot"}
CASES = {
    "F2 4-bit (1 sym x 4 PRB)": (PUCCHConfig(format=2, symbol_allocation=(13, 1),
                                             prb_set=range(4)), 4),
    "F2 22-bit (2 sym x 9 PRB, hop)": (PUCCHConfig(format=2, symbol_allocation=(12, 2),
                                                   prb_set=range(9), second_hop_prb=97,
                                                   **HOP), 22),
    "F3 16-bit (14 sym x 1 PRB, hop)": (PUCCHConfig(format=3, symbol_allocation=(0, 14),
                                                    second_hop_prb=105, **HOP), 16),
    "F3 16-bit (4 sym x 3 PRB, hop)": (PUCCHConfig(format=3, symbol_allocation=(0, 4),
                                                   prb_set=range(3), second_hop_prb=103,
                                                   **HOP), 16),
}


def _case(config: PUCCHConfig, a: int) -> tuple[PUCCHReceiver, torch.Tensor]:
    carrier = CarrierConfig(n_size_grid=106)
    tx = PUCCHTransmitter(carrier, config)
    rx = PUCCHReceiver(carrier, config, N_RX, a)
    gen = torch.Generator().manual_seed(0)
    bits = torch.randint(0, 2, (BATCH, a), generator=gen, dtype=torch.uint8)
    grid = tx.grid(bits).expand(-1, N_RX, -1, -1)
    noise = torch.complex(torch.randn(grid.shape, generator=gen),
                          torch.randn(grid.shape, generator=gen)) * math.sqrt(0.5)
    y = (grid + noise).contiguous()
    out = rx(y)
    if float((out.detected & (out.bits == bits).all(-1)).float().mean()) < 0.9:
        raise RuntimeError("PUCCH detection failed in the benchmark case")
    return rx, y


def _rows(label: str, cpu: bool) -> list[Row]:
    """``cpu``: CPU seconds of this process (one thread, on a shared machine), else wall."""
    timer = best_cpu_time if cpu else best_time
    rows = []
    for name, (config, a) in CASES.items():
        rx, y = _case(config, a)
        t = timer(lambda rx=rx, y=y: rx(y), repeats=3) / BATCH
        rows.append((f"PUCCH {name}, {N_RX} rx, batch {BATCH}, {label}", 1e3 * t,
                     "ms/PUCCH CPU" if cpu else "ms/PUCCH"))
    return rows


def run() -> list[Row]:
    with threads(1):
        rows = _rows("1 thread", cpu=True)
    with threads(ALL_THREADS):
        rows += _rows(f"{ALL_THREADS} threads", cpu=False)
    return rows


if __name__ == "__main__":
    for case, figure, unit in run():
        print(f"{case:80s} {figure:10.3f} {unit}")
