"""PDCCH blind decoding throughput (TS 38.213 §10.1, TS 38.211 §7.3.2, TS 38.212 §7.3) on CPU.

Case: 20 MHz carrier at 15 kHz (106 RBs), CORESET of 96 RBs x 2 symbols (32 CCEs, interleaved,
L = 6, R = 2), a UE-specific search space with 6 / 6 / 4 / 2 / 1 candidates at aggregation
levels 1 / 2 / 4 / 8 / 16 (19 candidates), one DCI size (A = 39), one RNTI, CA-SCL L = 8; one
DCI sent at AL 4, 2 receive antennas, SNR 3 dB. Figure: search spaces blind-decoded per second
(all 19 candidates: channel estimate, MRC, LLRs, 19 polar decodes), on one thread and on all.
"""

from __future__ import annotations

import math

import torch

from bench.timing import ALL_THREADS, Row, best_time, threads
from softran.nr.coding.dci import dci_encode
from softran.nr.config import CarrierConfig
from softran.nr.pdcch.blind_decode import pdcch_blind_decode
from softran.nr.pdcch.chain import pdcch, pdcch_dmrs, pdcch_indices
from softran.nr.pdcch.coreset import CORESETConfig, SearchSpaceConfig, pdcch_candidates

RNTI = 0x4601
A = 39


def _case() -> tuple[torch.Tensor, CarrierConfig, CORESETConfig, SearchSpaceConfig]:
    carrier = CarrierConfig(n_size_grid=106, n_cell_id=101, n_slot=7)
    cs = CORESETConfig(frequency_resources=[1] * 16, duration=2, cce_reg_mapping="interleaved",
                       reg_bundle_size=6, interleaver_size=2)
    ss = SearchSpaceConfig(n_candidates=(6, 6, 4, 2, 1))
    first = pdcch_candidates(cs, ss, n_rnti=RNTI, n_slot=carrier.slot_in_frame)[4][0]
    gen = torch.Generator().manual_seed(0)
    grid = torch.zeros(14, carrier.n_subcarriers, dtype=torch.complex64)
    data, dmrs = pdcch_indices(carrier, cs, first, 4)
    bits = torch.randint(0, 2, (A,), generator=gen, dtype=torch.uint8)
    grid.view(-1)[data] = pdcch(dci_encode(bits, RNTI, 432), carrier.n_cell_id, 0)
    grid.view(-1)[dmrs] = pdcch_dmrs(carrier, cs, first, 4)
    n0 = 0.5
    shape = (2, 14, carrier.n_subcarriers)
    noise = torch.complex(torch.randn(shape, generator=gen), torch.randn(shape, generator=gen))
    rx = grid + math.sqrt(n0 / 2) * noise
    found = pdcch_blind_decode(rx, carrier, cs, ss, RNTI, A)
    if [(f.aggregation_level, f.first_cce) for f in found] != [(4, first)]:
        raise RuntimeError("blind decoding failed in the benchmark case")
    return rx, carrier, cs, ss


def _rows(label: str) -> list[Row]:
    rx, carrier, cs, ss = _case()
    t = best_time(lambda: pdcch_blind_decode(rx, carrier, cs, ss, RNTI, A), repeats=3)
    return [(f"blind decode USS 6/6/4/2/1 (19 candidates), A={A}, 1 RNTI, L=8, 2 rx, {label}",
             1.0 / t, "search spaces/s"),
            (f"  same, per candidate, {label}", 19.0 / t, "candidates/s")]


def run() -> list[Row]:
    with threads(1):
        rows = _rows("1 thread")
    with threads(ALL_THREADS):
        rows += _rows(f"{ALL_THREADS} threads")
    return rows


if __name__ == "__main__":
    for case, figure, unit in run():
        print(f"{case:85s} {figure:12.1f} {unit}")
