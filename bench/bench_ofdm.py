"""OFDM modulation / demodulation throughput (softran.nr.ofdm), in waveform samples per second.

One slot of a 273-PRB, 30 kHz carrier (nfft 4096, 122.88 MHz, 61440 samples), one port,
complex64. On a machine with CUDA the same cases also run on the GPU.
"""

from __future__ import annotations

import torch

from bench.timing import Row, best_time
from softran.nr.config import CarrierConfig
from softran.nr.ofdm import ofdm_demodulate, ofdm_modulate


def _cases(device: str) -> list[Row]:
    carrier = CarrierConfig(subcarrier_spacing=30, n_size_grid=273)
    g = torch.Generator().manual_seed(0)
    grid = torch.randn(1, carrier.symbols_per_slot, carrier.n_subcarriers, dtype=torch.complex64,
                       generator=g).to(device)
    waveform = ofdm_modulate(grid, carrier)
    n_samples = waveform.shape[-1]
    sync = torch.cuda.synchronize if device == "cuda" else (lambda: None)

    def modulate() -> None:
        ofdm_modulate(grid, carrier)
        sync()

    def demodulate() -> None:
        ofdm_demodulate(waveform, carrier)
        sync()

    suffix = "" if device == "cpu" else f" ({device})"
    return [
        (f"ofdm_modulate 273 PRB 30 kHz 1 slot{suffix}", n_samples / best_time(modulate),
         "samples/s"),
        (f"ofdm_demodulate 273 PRB 30 kHz 1 slot{suffix}", n_samples / best_time(demodulate),
         "samples/s"),
    ]


def run() -> list[Row]:
    """Throughput rows ``(case, samples per second, unit)``."""
    rows = _cases("cpu")
    if torch.cuda.is_available():
        rows += _cases("cuda")
    return rows
