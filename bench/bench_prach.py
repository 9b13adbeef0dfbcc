"""PRACH detection (TS 38.211 §6.3.3, TS 38.104 §8.4) on CPU.

Case: 100 MHz carrier at 30 kHz (273 RBs, 122.88 MHz), format B4 at Delta f_RA = 30 kHz (FDD
configuration index 198, root 0, N_CS 46: 64 preambles from 22 roots), 4 receive antennas,
preamble 5 at -10 dB SNR. Figure: occasions per second and ms per occasion of
:class:`~softran.nr.PRACHDetector` (all 64 preambles: repetition combining, FFT, 22 root
correlations, windowed peak search), one thread, one occasion per call and 16 per call.
"""

from __future__ import annotations

import math

import torch

from bench.timing import ALL_THREADS, Row, best_time, threads
from softran.nr import CarrierConfig, PRACHConfig, PRACHDetector
from softran.nr.prach import prach

N_RX = 4


def _case(batch: int) -> tuple[PRACHDetector, torch.Tensor]:
    carrier = CarrierConfig(subcarrier_spacing=30, n_size_grid=273)
    config = PRACHConfig(configuration_index=198, subcarrier_spacing=30,
                         zero_correlation_zone=14, preamble_index=5)
    det = PRACHDetector(carrier, config, N_RX)
    gen = torch.Generator().manual_seed(0)
    wave = prach(carrier, config).expand(batch, N_RX, -1)
    noise = torch.complex(torch.randn(wave.shape, generator=gen),
                          torch.randn(wave.shape, generator=gen)) * math.sqrt(10 / 2)
    rx = (wave + noise).contiguous()
    out = det(rx)
    if not bool(out.detected[:, 5].all()) or float(out.timing[:, 5].abs().max()) > 0.26e-6:
        raise RuntimeError("PRACH detection failed in the benchmark case")
    return det, rx


def _rows(label: str) -> list[Row]:
    rows = []
    for batch in (1, 16):
        det, rx = _case(batch)
        t = best_time(lambda det=det, rx=rx: det(rx), repeats=5) / batch
        rows.append((f"PRACH B4 30 kHz, 64 preambles, {N_RX} rx, 273-RB carrier, "
                     f"{batch} occasion(s)/call, {label}", 1e3 * t, "ms/occasion"))
    return rows


def run() -> list[Row]:
    with threads(1):
        rows = _rows("1 thread")
    with threads(ALL_THREADS):
        rows += _rows(f"{ALL_THREADS} threads")
    return rows


if __name__ == "__main__":
    for case, figure, unit in run():
        print(f"{case:95s} {figure:10.3f} {unit}")
