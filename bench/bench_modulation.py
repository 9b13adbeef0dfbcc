"""Throughput of symbol (de)modulation (TS 38.211 §5.1) and CRC (TS 38.212 §5.1).

Cases: one full slot of a 273-PRB carrier (273 x 12 subcarriers x 12 data symbols) in
256QAM, modulated and soft-demodulated (max-log and exact); CRC24A over the largest
transport block and CRC24B over 1000 code blocks of 8448 bits.
"""

from __future__ import annotations

import torch

from bench.timing import Row, best_time
from softran.nr.coding.crc import crc_encode
from softran.nr.modulation import symbol_demodulate, symbol_modulate

N_RE = 273 * 12 * 12        # one slot, full grid, 12 data symbols
TB_BITS = 1_277_992         # largest transport block size before CRC24A
CB_BITS = 8448              # code block size K_cb of base graph 1 (TS 38.212 §5.2.2)


def run() -> list[Row]:
    g = torch.Generator().manual_seed(0)
    rows: list[Row] = []

    qm = 8
    bits = torch.randint(0, 2, (N_RE * qm,), generator=g, dtype=torch.uint8)
    x = symbol_modulate(bits, "256QAM")
    y = x + 0.05 * torch.randn(x.shape, generator=g, dtype=torch.complex64)
    t = best_time(lambda: symbol_modulate(bits, "256QAM"))
    rows.append(("256QAM modulate, 273 PRB slot", N_RE / t / 1e6, "Msymbol/s"))
    for method in ("maxlog", "exact"):
        t = best_time(lambda m=method: symbol_demodulate(y, "256QAM", 0.005, method=m))
        rows.append((f"256QAM demodulate {method}, 273 PRB slot", N_RE / t / 1e6, "Msymbol/s"))
    t = best_time(lambda: symbol_demodulate(y, "256QAM"))
    rows.append(("256QAM hard decision, 273 PRB slot", N_RE / t / 1e6, "Msymbol/s"))

    tb = torch.randint(0, 2, (TB_BITS,), generator=g, dtype=torch.uint8)
    t = best_time(lambda: crc_encode(tb, "24A"))
    rows.append(("CRC24A encode, 1 x 1277992-bit TB", TB_BITS / t / 1e6, "Mbit/s"))
    cbs = torch.randint(0, 2, (1000, CB_BITS), generator=g, dtype=torch.uint8)
    t = best_time(lambda: crc_encode(cbs, "24B"))
    rows.append(("CRC24B encode, 1000 x 8448-bit CB", cbs.numel() / t / 1e6, "Mbit/s"))
    return rows


if __name__ == "__main__":
    for case, figure, unit in run():
        print(f"{case:45s} {figure:12.4g} {unit}")
