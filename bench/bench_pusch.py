"""PUSCH chain benchmarks: slots per second of the whole link and milliseconds per slot of
the receiver.

* Link: TS 38.104 FRC G-FR1-A4-12 (Table A.4-2: 51 PRB at 30 kHz, 16QAM R 658/1024 = MCS 16
  of 'qam64', DM-RS type 1 pos1 on symbols 2 and 11, 2 CDM groups without data, 1 layer,
  TBS 18960), 1 tx x 2 rx antennas: PUSCHTransmitter (UL-SCH encoding, modulation, DM-RS,
  OFDM) -> channel -> noise -> PUSCHReceiver (OFDM demodulation, DM-RS channel estimation,
  MMSE-IRC, demapping, LDPC decoding) in batches of 32 slots. Channels: AWGN (the unit
  channel on both antennas) at 10 dB SNR, and TDLChannel("TDLC300", max_doppler=100, 1x2)
  at 15 dB (SNR per RE per rx antenna, TS 38.104 §8; both well above the BLER waterfall,
  so the LDPC decoder mostly stops early: the BLER is reported alongside).
* Receiver alone: PUSCHReceiver on a 273-PRB, 4-layer, 4-rx, 30 kHz slot given as a grid
  (MCS 16, 16QAM R 658/1024, TBS ~400 kbit) at 20 dB SNR through a fixed full-rank 4x4
  channel, one slot per call.

Each case runs with torch (and Numba) on 1 thread and on all threads.
"""

from __future__ import annotations

import math

import numba
import torch

from bench.timing import Row, best_time
from softran.channel import TDLChannel
from softran.nr import CarrierConfig, PUSCHConfig, PUSCHReceiver, PUSCHTransmitter

BATCH = 32


def frc_g_fr1_a4_12() -> tuple[CarrierConfig, PUSCHConfig]:
    """Carrier and PUSCH of TS 38.104 FRC G-FR1-A4-12 (Table A.4-2)."""
    carrier = CarrierConfig(subcarrier_spacing=30, n_size_grid=51)
    pusch = PUSCHConfig(prb_set=range(51), mcs_index=16, mcs_table="qam64",
                        dmrs=dict(additional_position=1, num_cdm_groups_without_data=2))
    return carrier, pusch


def _link_rows(label: str) -> list[Row]:
    carrier, pusch = frc_g_fr1_a4_12()
    tx, rx = PUSCHTransmitter(carrier, pusch), PUSCHReceiver(carrier, pusch, n_rx=2)
    gen = torch.Generator().manual_seed(0)
    tb = torch.randint(0, 2, (BATCH, pusch.tb_size), dtype=torch.uint8, generator=gen)
    tdl = TDLChannel("TDLC300", max_doppler=100.0, n_tx=1, n_rx=2, sample_rate=tx.sample_rate,
                     seed=1)
    rows: list[Row] = []
    for name, channel, snr_db in (("AWGN", None, 10.0), ("TDLC300-100", tdl, 15.0)):
        n0 = 10.0 ** (-snr_db / 10.0)
        errors = [0, 0]

        def slot_batch() -> None:
            wave = tx(tb)
            if channel is None:
                y = wave.expand(-1, 2, -1)
            else:  # ideal timing: the channel's output lags by its filter delay
                lag = channel.filter_delay
                y = channel(torch.nn.functional.pad(wave, (0, lag)))[..., lag:]
            y = y + math.sqrt(n0) * torch.randn(y.shape, dtype=y.dtype, generator=gen)
            _, err = rx(y, new_data=True)
            errors[0] += int(err.sum())
            errors[1] += err.numel()

        t = best_time(slot_batch, repeats=3, min_time=1.0)
        case = f"G-FR1-A4-12 1x2 {name} {snr_db:g} dB, tx+channel+rx+decode, batch {BATCH}"
        rows.append((f"{case}, {label}", BATCH / t, "slots/s"))
        rows.append((f"{case}, {label}, BLER", errors[0] / errors[1], ""))
    return rows


def _receiver_rows(label: str) -> list[Row]:
    carrier = CarrierConfig(subcarrier_spacing=30, n_size_grid=273)
    pusch = PUSCHConfig(prb_set=range(273), n_layers=4, mcs_index=16, mcs_table="qam64",
                        dmrs=dict(additional_position=1, num_cdm_groups_without_data=2))
    tx, rx = PUSCHTransmitter(carrier, pusch), PUSCHReceiver(carrier, pusch, n_rx=4)
    gen = torch.Generator().manual_seed(1)
    tb = torch.randint(0, 2, (1, pusch.tb_size), dtype=torch.uint8, generator=gen)
    tx(tb)
    r = torch.arange(4, dtype=torch.float64)
    h = torch.polar(torch.ones(4, 4, dtype=torch.float64),
                    2 * math.pi * r[:, None] * r[None, :] / 4).to(torch.complex64)
    grid = torch.einsum("rt,btsk->brsk", h, tx.last_grid)
    grid = grid + math.sqrt(0.01) * torch.randn(grid.shape, dtype=grid.dtype, generator=gen)

    def receive() -> None:
        rx(grid, new_data=True)

    t = best_time(receive, repeats=3, min_time=1.0)
    return [(f"PUSCHReceiver 273 PRB 4 layers 4 rx 30 kHz, grid input, MCS 16, 20 dB, {label}",
             t * 1e3, "ms/slot")]


def run() -> list[Row]:
    rows: list[Row] = []
    old = (numba.get_num_threads(), torch.get_num_threads())
    try:
        for threads in (1, torch.get_num_threads()):
            numba.set_num_threads(min(threads, numba.config.NUMBA_NUM_THREADS))
            torch.set_num_threads(threads)
            label = f"{threads} thread(s)"
            rows += _link_rows(label)
            rows += _receiver_rows(label)
    finally:
        numba.set_num_threads(old[0])
        torch.set_num_threads(old[1])
    return rows


if __name__ == "__main__":
    for row in run():
        print(f"{row[0]}: {row[1]:.4g} {row[2]}")
