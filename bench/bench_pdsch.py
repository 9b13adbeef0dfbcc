"""PDSCH transmitter benchmark (issue target: <= 5 ms per slot on one thread).

One slot of a 100 MHz carrier at 30 kHz (273 PRB): PDSCH on all PRBs and 14 symbols, 4 layers
(one codeword), 256QAM MCS 27 of 'qam256' (R 948/1024, TBS 1 179 864), DM-RS type 1 with one
additional position and 2 CDM groups without data, no precoding: PDSCHTransmitter from the
transport block to the 4-port waveform (DL-SCH CRC, segmentation, LDPC, rate matching,
scrambling, 256QAM, layer mapping, DM-RS, the grid, OFDM at nfft 4096). Each stage of its
fused CPU path is also timed alone (encoding; scrambling, modulation, layer and resource
mapping straight into the kept IFFT bins; IFFT and cyclic prefixes), and for comparison the
level-1 functions ``pdsch`` and ``ofdm_modulate`` that build the same waveform step by step. The PUSCH transmitter runs the same case (273 PRB, 4 layers, MCS 27 of
'qam256', same DM-RS; UL-SCH coding shares the DL-SCH code).

The 20 MHz cell of issue 18 (51 PRB, 2 layers, 256QAM MCS 27) adds one-call rows: thread CPU
median and p99 over 300 calls, warm and with the caches flushed before each call
(:func:`cell_20mhz_rows`).

Every other figure is the median over N calls (after a warm-up call) of one call's CPU time of the
process (``time.process_time``: what one thread spends, whatever else runs on the machine)
and of its wall time; the minimum CPU time is given too. The load average is printed before
and after (the machine may be shared: wall times then include waiting for a core).
"""

from __future__ import annotations

import os
import statistics
import time
from collections.abc import Callable

import numba
import torch

from bench.timing import Row, threads
from softran.nr import (
    CarrierConfig,
    DLSCHEncoder,
    PDSCHConfig,
    PDSCHTransmitter,
    PUSCHConfig,
    PUSCHTransmitter,
)
from softran.nr.modulation import symbol_modulate_into
from softran.nr.ofdm import ofdm_modulate, ofdm_modulate_bins, ofdm_subcarrier_bins
from softran.nr.pdsch.chain import pdsch, pdsch_n_id
from softran.nr.scrambling import pdsch_scrambling_sequence

N = 21
DMRS = {"additional_position": 1, "num_cdm_groups_without_data": 2}


def setup() -> tuple[PDSCHTransmitter, torch.Tensor]:
    carrier = CarrierConfig(subcarrier_spacing=30, n_size_grid=273)
    config = PDSCHConfig(prb_set=range(273), n_layers=4, mcs_table="qam256", mcs_index=27,
                         dmrs=DMRS)
    tx = PDSCHTransmitter(carrier, config)
    gen = torch.Generator().manual_seed(0)
    tb = torch.randint(0, 2, (1, config.tb_sizes[0]), dtype=torch.uint8, generator=gen)
    return tx, tb


def setup_pusch() -> tuple[PUSCHTransmitter, torch.Tensor]:
    carrier = CarrierConfig(subcarrier_spacing=30, n_size_grid=273)
    config = PUSCHConfig(prb_set=range(273), n_layers=4, mcs_table="qam256", mcs_index=27,
                         dmrs=DMRS)
    tx = PUSCHTransmitter(carrier, config)
    gen = torch.Generator().manual_seed(1)
    tb = torch.randint(0, 2, (1, config.tb_size), dtype=torch.uint8, generator=gen)
    return tx, tb


def timings(fn: Callable[[], object], n: int = N) -> tuple[float, float, float]:
    """(median CPU, min CPU, median wall) seconds of one call over ``n`` calls."""
    fn()
    cpu, wall = [], []
    for _ in range(n):
        t0, w0 = time.process_time(), time.perf_counter()
        fn()
        cpu.append(time.process_time() - t0)
        wall.append(time.perf_counter() - w0)
    return statistics.median(cpu), min(cpu), statistics.median(wall)


def run() -> list[Row]:
    rows: list[Row] = []
    with threads(1):
        tx, tb = setup()
        cfg, g = tx.config, tx.indices_info.G[0]
        enc: DLSCHEncoder = tx.encoders[0]
        cw = enc(tb, cfg.modulation, cfg.n_layers, g, 0)
        layers = tx.layer_grid(tb)
        ptx, ptb = setup_pusch()
        # the fused path's stages on buffers of their own: IFFT bins of the 4 layers and the
        # bin of every layer-mapped symbol (one codeword: symbol m -> layer m mod 4)
        k, nfft = tx.carrier.n_subcarriers, tx.nfft
        grid_index = tx.indices.transpose(0, 1).reshape(-1)
        bin_index = (grid_index // k) * nfft + ofdm_subcarrier_bins(tx.carrier, nfft)[
            grid_index % k]
        bins = torch.zeros(1, cfg.n_layers, tx.carrier.symbols_per_slot, nfft,
                           dtype=torch.complex64)
        work = torch.empty_like(bins)
        seq = pdsch_scrambling_sequence(pdsch_n_id(tx.carrier, cfg), cfg.rnti, 0, g)
        cw_bool, seq_bool = cw.view(torch.bool), seq.view(torch.bool)
        stages: list[tuple[str, Callable[[], object]]] = [
            ("PDSCH transmitter (TB -> waveform)", lambda: tx(tb)),
            ("  DL-SCH encoding", lambda: enc(tb, cfg.modulation, cfg.n_layers, g, 0)),
            ("  scrambling, 256QAM, layer + resource mapping into IFFT bins",
             lambda: symbol_modulate_into(cw_bool, cfg.modulation, bins.view(1, -1),
                                          bin_index, sequence=seq_bool)),
            ("  IFFT + cyclic prefixes (4 ports, ofdm_modulate_bins)",
             lambda: ofdm_modulate_bins(bins, tx.carrier, nfft=nfft, work=work)),
            ("  layer grid (encoding .. resource mapping)", lambda: tx.layer_grid(tb)),
            ("level-1 pdsch (scrambling, 256QAM, layers)", lambda: pdsch(cw, tx.carrier, cfg)),
            ("level-1 ofdm_modulate of the layer grid (4 ports)",
             lambda: ofdm_modulate(layers, tx.carrier, nfft=nfft)),
            ("PUSCH transmitter, same case (TB -> waveform)", lambda: ptx(ptb)),
        ]
        for name, fn in stages:
            cpu, cpu_min, wall = timings(fn)
            case = f"273 PRB 4 layers 256QAM 1 slot, {name}, 1 thread"
            rows.append((case + f", CPU median of {N}", cpu * 1e3, "ms"))
            rows.append((case + f", CPU min of {N}", cpu_min * 1e3, "ms"))
            rows.append((case + f", wall median of {N}", wall * 1e3, "ms"))
        rows.extend(cell_20mhz_rows())
    return rows


def cell_20mhz_rows(n: int = 300) -> list[Row]:
    """The 20 MHz cell of the latency bench (issue 18: 51 PRB at 30 kHz, 2 layers, 256QAM MCS
    27 of 'qam256', DM-RS with an additional position and 2 CDM groups without data): one
    PDSCHTransmitter call's thread CPU time, median and 99th percentile over ``n`` calls,
    warm (calls back to back) and cold (8 MB of other memory written before each call, as
    the latency bench's stage chain does between its one-call rows)."""
    carrier = CarrierConfig(subcarrier_spacing=30, n_size_grid=51)
    config = PDSCHConfig(prb_set=range(51), n_layers=2, mcs_table="qam256", mcs_index=27,
                         dmrs=DMRS)
    tx = PDSCHTransmitter(carrier, config)
    gen = torch.Generator().manual_seed(2)
    tbs = torch.randint(0, 2, (16, config.tb_sizes[0]), dtype=torch.uint8, generator=gen)
    junk = torch.zeros(8 << 20, dtype=torch.uint8)
    rows: list[Row] = []
    for cold in (False, True):
        for i in range(20):
            tx(tbs[i % 16:i % 16 + 1])
        cpu = []
        for i in range(n):
            if cold:
                junk.add_(1)
            tb = tbs[i % 16:i % 16 + 1]
            t0 = time.thread_time()
            tx(tb)
            cpu.append(time.thread_time() - t0)
        cpu.sort()
        case = f"51 PRB 2 layers 256QAM 1 slot, PDSCH transmitter, {'cold' if cold else 'warm'}"
        rows.append((case + f", CPU median of {n}", cpu[n // 2] * 1e6, "us"))
        rows.append((case + f", CPU p99 of {n}", cpu[int(0.99 * n)] * 1e6, "us"))
    return rows


if __name__ == "__main__":
    print(f"load average {os.getloadavg()}, {os.cpu_count()} CPUs, numba threads "
          f"{numba.config.NUMBA_NUM_THREADS}")
    for row in run():
        print(f"{row[0]}: {row[1]:.4g} {row[2]}")
    print(f"load average {os.getloadavg()}")
