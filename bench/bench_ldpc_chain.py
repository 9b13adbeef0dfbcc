"""Throughput of the encode-side LDPC chain around the encoder (TS 38.212 §5.2.2, §5.4.2, §5.5).

Case: the largest 4-layer 256QAM transport block (TBS 1,277,992 bits, TS 38.214 §5.1.3.2;
C = 152 code blocks of base graph 1, Z_c = 384) on one 273-PRB slot with 12 data symbols
(G = 273 x 12 x 12 x 8 x 4 bits): code block segmentation with CRC24B, rate matching of the
152 codewords (rv 0 and rv 2, with and without limited-buffer rate matching), and rate
recovery of the G LLRs. The LDPC encoder itself is benchmarked with the encoder.
"""

from __future__ import annotations

import torch

from bench.timing import Row, best_time
from softran.nr.coding.crc import crc_encode
from softran.nr.coding.ldpc.rate_match import rate_match_ldpc, rate_recover_ldpc
from softran.nr.coding.ldpc.segment import code_block_segment_ldpc
from softran.nr.coding.sch_info import dlsch_info

TBS = 1_277_992
RATE = 948 / 1024
N_LAYERS = 4
G = 273 * 12 * 12 * 8 * N_LAYERS        # coded bits of one 273-PRB slot, 12 data symbols


def run() -> list[Row]:
    g = torch.Generator().manual_seed(0)
    info = dlsch_info(TBS, RATE)
    rows: list[Row] = []

    tb = torch.randint(0, 2, (TBS,), generator=g, dtype=torch.uint8)
    blk = crc_encode(tb, info.crc)
    t = best_time(lambda: code_block_segment_ldpc(blk, info.bgn))
    rows.append((f"segmentation + CRC24B, {info.c} CB", info.b / t / 1e6, "Mbit/s"))

    # a stand-in for the encoder output: random bits with the fillers at d_{K'-2Zc}..d_{K-2Zc-1}
    cw = torch.randint(0, 2, (info.c, info.n), generator=g, dtype=torch.int8)
    cw[:, info.k_prime - 2 * info.zc:info.k - 2 * info.zc] = -1
    n_ref = 25344 * 2 // 3                 # a limited buffer, for the figure only
    for rv, nref in ((0, None), (2, None), (2, n_ref)):
        t = best_time(lambda r=rv, nr=nref: rate_match_ldpc(cw, G, r, "256QAM", N_LAYERS,
                                                            n_ref=nr))
        label = f"rate match rv {rv}{' LBRM' if nref else ''}, G = {G}"
        rows.append((label, G / t / 1e6, "Mbit/s"))

    llr = torch.randn(G, generator=g)
    t = best_time(lambda: rate_recover_ldpc(llr, TBS, RATE, 0, "256QAM", N_LAYERS))
    rows.append((f"rate recover rv 0, G = {G}", G / t / 1e6, "Mbit/s"))
    return rows


if __name__ == "__main__":
    for case, figure, unit in run():
        print(f"{case:45s} {figure:12.4g} {unit}")
