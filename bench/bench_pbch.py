"""PBCH / BCH decoding and cell search throughput on CPU (TS 38.211 §7.3.3, TS 38.212 §7.1,
TS 38.213 §4.1).

Cases: PBCH demodulation + BCH decoding (CA-SCL, L = 8) of a batch of 64 blocks at 0 dB
Es/N0 after ideal equalisation; a full cell search (PSS search over ±5 kHz, SSS, PBCH DM-RS,
channel estimate, MIB) of a 20 ms recording with one cell transmitting 8 SS/PBCH blocks
(case C, 30 kHz) at 5 dB SNR, at 7.68 MHz (nfft 256) and 15.36 MHz (nfft 512).
"""

from __future__ import annotations

import math

import torch

from bench.timing import Row, best_time
from softran.channel import AWGN
from softran.nr.coding.bch import bch_decode, bch_encode
from softran.nr.ssb.cell_search import cell_search
from softran.nr.ssb.mib import MIB
from softran.nr.ssb.pbch import pbch, pbch_decode
from softran.nr.ssb.waveform import ssb_waveform

BATCH = 64
CELL = 321


def _pbch_case(batch: int, esn0_db: float = 0.0) -> tuple[torch.Tensor, float, torch.Tensor]:
    gen = torch.Generator().manual_seed(0)
    mib = MIB(system_frame_number=100, sub_carrier_spacing_common=30).pack().expand(batch, -1)
    i_ssb = torch.arange(batch) % 8
    cw = bch_encode(mib, 100, 0, i_ssb, 0, 8, CELL)
    x = pbch(cw, CELL, i_ssb)
    n0 = 10.0 ** (-esn0_db / 10.0)
    noise = torch.complex(torch.randn(x.shape, generator=gen), torch.randn(x.shape, generator=gen))
    return x + math.sqrt(n0 / 2) * noise.to(torch.complex64), n0, i_ssb


def run() -> list[Row]:
    rows: list[Row] = []
    y, n0, v = _pbch_case(BATCH)

    def decode() -> object:
        return bch_decode(pbch_decode(y, CELL, v, n0), CELL, 8, 8)

    if not bool(decode().crc_ok.all()):
        raise RuntimeError("PBCH decoding failed in the benchmark case")
    t = best_time(decode, repeats=3)
    rows.append((f"pbch_decode + bch_decode L=8, batch {BATCH}, Es/N0 0 dB", BATCH / t,
                 "blocks/s"))
    for fs in (7.68e6, 15.36e6):
        m = MIB(system_frame_number=100, sub_carrier_spacing_common=30)
        w = ssb_waveform(CELL, m, case="C", ssb_positions=[1] * 8, sample_rate=fs,
                         n_half_frames=4)
        x = AWGN(seed=1)(w, 10 ** (-5 / 10))
        found = cell_search(x, fs, l_max=8)
        if [c.n_cell_id for c in found] != [CELL]:
            raise RuntimeError("cell search failed in the benchmark case")
        t = best_time(lambda x=x, fs=fs: cell_search(x, fs, l_max=8), repeats=3)
        rows.append((f"cell_search 20 ms at {fs / 1e6:g} MHz, 1 cell x 8 SSB, SNR 5 dB",
                     1.0 / t, "searches/s"))
    return rows


if __name__ == "__main__":
    for case, figure, unit in run():
        print(f"{case:75s} {figure:12.1f} {unit}")
