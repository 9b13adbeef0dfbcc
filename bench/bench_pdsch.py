"""PDSCH transmitter benchmark (issue target: <= 5 ms per slot on one thread).

One slot of a 100 MHz carrier at 30 kHz (273 PRB): PDSCH on all PRBs and 14 symbols, 4 layers
(one codeword), 256QAM MCS 27 of 'qam256' (R 948/1024, TBS 1 179 864), DM-RS type 1 with one
additional position and 2 CDM groups without data, no precoding: PDSCHTransmitter from the
transport block to the 4-port waveform (DL-SCH CRC, segmentation, LDPC, rate matching,
scrambling, 256QAM, layer mapping, DM-RS, the grid, OFDM at nfft 4096). Each stage is also
timed alone, and each figure is given as wall time and as CPU time of the process (the
machine may be shared: CPU time is what one thread spends whatever the load; the load
average is printed when the script runs on its own).
"""

from __future__ import annotations

import os
import time
from collections.abc import Callable

import numba
import torch

from bench.timing import Row, best_time, threads
from softran.nr import CarrierConfig, PDSCHConfig, PDSCHTransmitter
from softran.nr.modulation import symbol_modulate
from softran.nr.ofdm import ofdm_modulate
from softran.nr.pdsch.chain import pdsch


def setup() -> tuple[PDSCHTransmitter, torch.Tensor]:
    carrier = CarrierConfig(subcarrier_spacing=30, n_size_grid=273)
    config = PDSCHConfig(prb_set=range(273), n_layers=4, mcs_table="qam256", mcs_index=27,
                         dmrs={"additional_position": 1, "num_cdm_groups_without_data": 2})
    tx = PDSCHTransmitter(carrier, config)
    gen = torch.Generator().manual_seed(0)
    tb = torch.randint(0, 2, (1, config.tb_sizes[0]), dtype=torch.uint8, generator=gen)
    return tx, tb


def cpu_time(fn: Callable[[], object], repeats: int = 5) -> float:
    """Best process CPU seconds of one call (after a warm-up call)."""
    fn()
    best = float("inf")
    for _ in range(repeats):
        t0 = time.process_time()
        fn()
        best = min(best, time.process_time() - t0)
    return best


def run() -> list[Row]:
    rows: list[Row] = []
    with threads(1):
        tx, tb = setup()
        cfg, g = tx.config, tx.indices_info.G[0]
        enc = tx.encoders[0]
        cw = enc(tb, cfg.modulation, cfg.n_layers, g, 0)
        layers = tx.layer_grid(tb)
        stages: list[tuple[str, Callable[[], object]]] = [
            ("transmitter (TB -> waveform)", lambda: tx(tb)),
            ("DL-SCH encoding", lambda: enc(tb, cfg.modulation, cfg.n_layers, g, 0)),
            ("pdsch (scrambling, 256QAM, layers)", lambda: pdsch(cw, tx.carrier, cfg)),
            ("  of which symbol_modulate", lambda: symbol_modulate(cw, cfg.modulation)),
            ("OFDM modulation (4 ports)", lambda: ofdm_modulate(layers, tx.carrier,
                                                                nfft=tx.nfft)),
        ]
        for name, fn in stages:
            wall = best_time(fn, repeats=3, min_time=0.3)
            cpu = cpu_time(fn)
            case = f"PDSCH 273 PRB 4 layers 256QAM 1 slot, {name}, 1 thread"
            rows.append((case + ", wall", wall * 1e3, "ms"))
            rows.append((case + ", CPU", cpu * 1e3, "ms"))
    return rows


if __name__ == "__main__":
    print(f"load average {os.getloadavg()}, {os.cpu_count()} CPUs, numba threads "
          f"{numba.config.NUMBA_NUM_THREADS}")
    for row in run():
        print(f"{row[0]}: {row[1]:.4g} {row[2]}")
    print(f"load average {os.getloadavg()}")
