"""The inline cell (``softran cell run --inline``): CPU time per slot per stage, 20 MHz at
30 kHz (51 RBs), one UE at 30 dB, AWGN, 300 Hz CFO, 300 ns delay, DL MCS 16 / UL MCS 9.

A first run of 40 ms warms the compiled kernels and caches (LDPC plans, polar decoders,
Numba); the figures are ``time.process_time`` per slot of a second run of 40 ms in the same
process (cell search, SIB1, random access, then 20 kB down and 5 kB up), one thread. The
stages: MAC, PHY downlink (SSB, PDCCH, PDSCH, fronthaul send) and uplink (fronthaul receive,
PUSCH, PUCCH, PRACH), the O-RU's (i)FFT, the air, and the UE (cell search, PDCCH blind
decoding, PDSCH reception, uplink transmission).
"""

from __future__ import annotations

from bench.timing import Row, threads
from softran.cell.config import load_cell_config
from softran.cell.run import InlineCell

CELL = """
[cell]
bandwidth_mhz = 20
frames = 4
dl_mcs = 16
ul_mcs = 9
seed = 1
[[ue]]
snr_db = 30.0
cfo_hz = 300.0
delay_ns = 300.0
dl_bytes = 20000
ul_bytes = 5000
"""


def run() -> list[Row]:
    with threads(1):
        InlineCell(load_cell_config(CELL)).run()                 # warm-up
        result = InlineCell(load_cell_config(CELL)).run()
    rows: list[Row] = [(f"cell 20 MHz 1 UE, {k}", 1e3 * v, "ms CPU/slot")
                       for k, v in result.cpu_per_slot.items()]
    ue = result.ues[0]
    rows.append(("cell 20 MHz 1 UE, attach after cell search", ue.attach_ms - ue.found_ms,
                 "ms simulated"))
    for d, sdu, tb, sched in (("DL", ue.dl_mbps, ue.dl_tb_mbps, ue.dl_scheduled_mbps),
                              ("UL", ue.ul_mbps, ue.ul_tb_mbps, ue.ul_scheduled_mbps)):
        rows.append((f"cell 20 MHz 1 UE, {d} TB throughput / scheduled", 100 * tb / sched, "%"))
        rows.append((f"cell 20 MHz 1 UE, {d} MAC SDU bytes / scheduled TB bits",
                     100 * sdu / sched, "%"))
        rows.append((f"cell 20 MHz 1 UE, {d} scheduled over the 40 ms", sched, "Mbit/s"))
    counts = result.counters
    for stage, n in (("pdsch", counts.get("pdsch", 0)), ("pusch", counts.get("pusch", 0))):
        if n:
            rows.append((f"cell 20 MHz 1 UE, phy {stage} per transport block",
                         1e3 * result.cpu_per_slot[f"phy {stage}"] * result.slots / n, "ms CPU"))
    return rows
