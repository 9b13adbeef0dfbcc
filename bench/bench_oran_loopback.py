"""O-DU -> UDP loopback -> O-RU: packets per second for a 273-PRB, 14-symbol, 4-antenna slot.

``python -m bench oran_loopback`` runs :func:`run`. Figures (never asserted):

* BFP-9 compress + decompress of the slot with the Numba kernel (1 thread and all threads)
  and with the torch reference path, against the 0.5 ms slot of 30 kHz;
* O-DU message building per slot (compression, C-plane, U-plane encoding);
* packets/s and eCPRI Gbit/s through the UDP loopback with the O-RU receiving in a
  background thread (MTU 1500: 6 U-plane messages per symbol and eAxC for BFP-9), and
  messages lost by the sockets;
* O-RU grid rebuild (decompression of the whole received slot).
"""

from __future__ import annotations

import time

import numba
import torch

from bench.timing import Row, best_time
from softran.nr import CarrierConfig
from softran.oran import _kernels
from softran.oran.compression import compress, decompress
from softran.oran.endpoints import FronthaulConfig, loopback_pair
from softran.oran.session import antenna_grids

SLOT_S = 0.5e-3
N_ANT = 4
CARRIER = CarrierConfig(subcarrier_spacing=30, n_size_grid=273)


def _loopback(cfg: FronthaulConfig, grid: torch.Tensor, n_slots: int) -> tuple[float, float,
                                                                               int, int, float]:
    odu, oru = loopback_pair(cfg)
    try:
        packets = [odu.slot_packets(grid, 0, 0, k % 2) for k in range(n_slots)]
        total = sum(len(p) for p in packets)
        n_bytes = sum(len(pdu) for p in packets for _, pdu, _ in p)
        oru.start()
        t0 = time.perf_counter()
        done = 0
        for p in packets:              # one slot at a time: a slot fits the socket buffers
            odu._send_all(p)
            done += len(p)
            t_wait = time.perf_counter()
            while oru.counters.rx_packets < done and time.perf_counter() - t_wait < 2.0:
                time.sleep(0.0002)
        elapsed = time.perf_counter() - t0
        oru.stop()
        t_grid = best_time(lambda: oru.downlink_grid(0, 0, 0), repeats=3, min_time=0.1)
        return total / elapsed, 8 * n_bytes / elapsed / 1e9, total, \
            total - oru.counters.rx_packets, t_grid
    finally:
        odu.close()
        oru.close()


def run() -> list[Row]:
    rows: list[Row] = []
    grid = antenna_grids(CARRIER, N_ANT, "256QAM", seed=0)
    cfg9 = FronthaulConfig.from_carrier(CARRIER, N_ANT, method="bfp", width=9)
    iq = grid.reshape(N_ANT, 14, 273, 12)
    a = cfg9.full_scale
    slot = f"273 PRB x 14 sym x {N_ANT} ant"
    threads = numba.get_num_threads()
    for label, n_threads, enabled in (("Numba, 1 thread", 1, True),
                                      (f"Numba, {threads} threads", threads, True),
                                      ("torch reference, 1 thread", 1, False)):
        numba.set_num_threads(n_threads)
        torch_threads = torch.get_num_threads()
        torch.set_num_threads(1)
        _kernels.ENABLED = enabled
        try:
            t = best_time(lambda: decompress(compress(iq, "bfp", 9, full_scale=a)),
                          repeats=5, min_time=0.2)
        finally:
            _kernels.ENABLED = True
            numba.set_num_threads(threads)
            torch.set_num_threads(torch_threads)
        rows.append((f"BFP-9 compress+decompress {slot}, {label}", t * 1e3, "ms"))
        rows.append((f"BFP-9 compress+decompress {slot}, {label}, x real time", SLOT_S / t, "x"))
    for method, width in (("bfp", 9), ("none", 16)):
        cfg = FronthaulConfig.from_carrier(CARRIER, N_ANT, method=method, width=width)
        odu, oru = loopback_pair(cfg)
        try:
            t = best_time(lambda: odu.slot_packets(grid, 0, 0, 0), repeats=3, min_time=0.2)
        finally:
            odu.close()
            oru.close()
        name = f"{method}-{width} {slot}, MTU 1500"
        rows.append((f"O-DU builds one slot ({name})", t * 1e3, "ms"))
        pps, gbps, total, lost, t_grid = _loopback(cfg, grid, 10)
        rows.append((f"UDP loopback O-DU -> O-RU ({name}), {total} messages", pps, "packets/s"))
        rows.append((f"UDP loopback O-DU -> O-RU ({name}), eCPRI payload", gbps, "Gbit/s"))
        rows.append((f"UDP loopback O-DU -> O-RU ({name}), messages lost", float(lost), "msgs"))
        rows.append((f"O-RU rebuilds the slot grid ({name})", t_grid * 1e3, "ms"))
    return rows


if __name__ == "__main__":
    for case, figure, unit in run():
        print(f"{case:<90} {figure:12.3f} {unit}")
