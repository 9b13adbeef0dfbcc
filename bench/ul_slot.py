"""The uplink slot the issue-18 bench scripts time: the UL chain of ``softran bench latency``.

51 PRB at 30 kHz (a 20 MHz carrier), PUSCH 16QAM MCS 16 of the qam64 table (TS 38.214
Table 5.1.3.1-2), 1 layer, DM-RS type 1 with one additional position and 2 CDM groups
without data (TS 38.211 §6.4.1.1), received on ``n_rx`` antennas over AWGN. The scripts
``ul_front_end.py``, ``ul_decode_back_end.py``, ``ul_receive_stages.py``,
``ul_receive_call.py`` and ``bench_ul_estimate.py`` build their cases here, so that they time
the same slot.
"""

from __future__ import annotations

import math
from typing import Any


def ul_slot(n_rx: int = 2, **receiver_options: Any) -> tuple[Any, Any, Any, Any]:
    """``(carrier, pusch, transmitter, receiver)`` of the slot; ``receiver_options`` go to
    ``PUSCHReceiver`` (e.g. ``ldpc_kernel``)."""
    from softran.nr import CarrierConfig, PUSCHConfig, PUSCHReceiver, PUSCHTransmitter

    carrier = CarrierConfig(subcarrier_spacing=30, n_size_grid=51)
    pusch = PUSCHConfig(prb_set=range(51), mcs_index=16, mcs_table="qam64",
                        dmrs={"additional_position": 1, "num_cdm_groups_without_data": 2})
    return (carrier, pusch, PUSCHTransmitter(carrier, pusch),
            PUSCHReceiver(carrier, pusch, n_rx=n_rx, **receiver_options))


def noisy_slots(tx: Any, tb_size: int, n_slots: int, n0: float, n_rx: int = 2,
                seed: int = 0) -> list[Any]:
    """``n_slots`` received waveforms ``[1, n_rx, samples]`` (contiguous complex64): random
    transport blocks, the transmitted slot on every antenna plus complex AWGN of variance
    ``n0`` per sample; one seeded generator draws the blocks, then each slot's noise."""
    import torch

    gen = torch.Generator().manual_seed(seed)
    waves = tx(torch.randint(0, 2, (n_slots, tb_size), dtype=torch.uint8, generator=gen))
    out = []
    for k in range(n_slots):
        w = waves[k:k + 1].expand(-1, n_rx, -1)
        noise = torch.randn(w.shape, dtype=w.dtype, generator=gen)
        out.append((w + math.sqrt(n0) * noise).contiguous())
    return out
