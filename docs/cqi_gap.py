"""The measurement behind softran.nr.csi.cqi.CQI_GAP_DB: per MCS of table qam64, the AWGN SNR
(per RE) at which the test cell's PDSCH (51 RBs, symbols 2-13, DM-RS pos2, softran's practical
receiver) first reaches BLER <= 0.1, 40 transport blocks per point, 0.5 dB steps from 1 dB
above the Shannon SNR of the MCS's spectral efficiency; prints the gap to that Shannon SNR.

    PYTHONPATH=src python docs/cqi_gap.py 0,5,9,13,17,22,27,28
"""

import math
import sys

import torch

from softran.cell.plan import cell_plan
from softran.nr import PDSCHReceiver, PDSCHTransmitter

torch.set_num_threads(1)
plan = cell_plan(20)
mcs_list = [int(x) for x in (sys.argv[1] if len(sys.argv) > 1 else "0,9,17,27").split(",")]
n = 40
g = torch.Generator().manual_seed(7)
for m in mcs_list:
    cfg = plan.pdsch(0x4601, 0, 51, m)
    carrier = plan.carrier_at(2)
    tx, rx = PDSCHTransmitter(carrier, cfg), PDSCHReceiver(carrier, cfg, n_rx=1)
    tb = torch.randint(0, 2, (n, cfg.tb_sizes[0]), generator=g, dtype=torch.uint8)
    grid = tx.layer_grid(tb)                                   # [n, 1, 14, K]
    se = cfg.qm * float(cfg.code_rate)
    shannon = 10 * math.log10(2 ** se - 1)
    snr = math.floor(2 * shannon) / 2 + 1.0
    while True:
        nv = 10 ** (-snr / 10)
        noise = torch.complex(torch.randn(grid.shape, generator=g),
                              torch.randn(grid.shape, generator=g)) * math.sqrt(nv / 2)
        _, err = rx(grid + noise, new_data=True)
        if float(err.float().mean()) <= 0.1:
            break
        snr += 0.5
    print(f"MCS {m:2d} SE {se:.2f}: BLER <= 0.1 at {snr:5.1f} dB, Shannon {shannon:5.1f} dB, "
          f"gap {snr - shannon:.1f} dB", flush=True)
