"""A sustained fronthaul run: slot after slot through an O-DU and an O-RU over UDP loopback.

O-RAN.WG4.CUS.0 clauses 7 and 8 (C-plane section type 1, U-plane), the endpoints of
:mod:`softran.oran.endpoints`. Each slot, on one thread:

* **DL** -- the O-DU compresses the downlink grid, encodes the C-plane and U-plane messages
  and sends them (:meth:`~softran.oran.endpoints.ODU.send_slot`'s steps); the O-RU receives
  them all and rebuilds the grid (:meth:`~softran.oran.endpoints.ORU.downlink_grid`);
* **UL** -- the O-DU sends the uplink C-plane, the O-RU answers with the uplink U-plane of
  its ``uplink_source`` (compression, encoding, sending), the O-DU receives it and rebuilds
  the uplink grid.

Slots start on a real-time grid (one every ``1 ms / 2^mu``) when ``realtime`` is set, so the
run lasts ``seconds`` of wall time; a slot that has not finished when the next one is due is
counted late and the next starts at once. The CPU time of each direction (``time.
thread_time``) is recorded per slot. Messages sent and received are read from the
endpoints' counters at the end: ``lost`` counts messages sent that were not received
(over a loopback this needs a socket buffer overflow), ``prbs_missing`` PRBs the C-plane
announced that no U-plane brought.
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
import torch

from softran.oran.endpoints.config import FronthaulConfig
from softran.oran.endpoints.loopback import loopback_pair
from softran.oran.endpoints.odu import ODU
from softran.oran.endpoints.oru import ORU
from softran.validation import check_int, check_real

__all__ = ["SustainedRun", "run_sustained"]


@dataclass
class SustainedRun:
    """What :func:`run_sustained` measured.

    ``dl_cpu`` / ``ul_cpu``: float64 ``[slots]`` CPU seconds of each direction per slot;
    ``sent`` / ``received``: messages (C- and U-plane, both directions, both endpoints);
    ``oru_messages`` / ``oru_cpu``: downlink messages the O-RU received and the CPU seconds
    its downlink receive calls took (reception, decoding, storing the PRBs: its receive
    path); ``late_slots``: slots that ended after the next slot was due.
    """

    seconds: float
    slot_s: float
    slots: int
    sent: int
    received: int
    lost: int
    malformed: int
    prbs_missing: int
    late_slots: int
    oru_messages: int
    oru_cpu: float
    dl_cpu: np.ndarray
    ul_cpu: np.ndarray

    @property
    def messages_per_s(self) -> float:
        """Messages received per second of the run (both directions)."""
        return self.received / self.seconds if self.seconds > 0 else 0.0

    @property
    def oru_messages_per_s(self) -> float:
        """Downlink messages the O-RU receive path handles per CPU second."""
        return self.oru_messages / self.oru_cpu if self.oru_cpu > 0 else math.inf

    def percentiles(self, direction: str = "DL") -> dict[str, float]:
        """``{"median", "p99", "max"}`` of the per-slot CPU seconds of ``"DL"`` or ``"UL"``."""
        x = self.dl_cpu if direction == "DL" else self.ul_cpu
        if x.size == 0:
            return {"median": 0.0, "p99": 0.0, "max": 0.0}
        return {"median": float(np.median(x)), "p99": float(np.quantile(x, 0.99)),
                "max": float(x.max())}


def _qpsk_grid(cfg: FronthaulConfig, seed: int) -> torch.Tensor:
    gen = torch.Generator().manual_seed(seed)
    shape = (len(cfg.eaxc_ids), cfg.n_symbols, 12 * cfg.n_prb)
    bits = torch.randint(0, 2, (*shape, 2), generator=gen).to(torch.float32)
    return torch.complex(1 - 2 * bits[..., 0], 1 - 2 * bits[..., 1]) / math.sqrt(2.0)


def _totals(odu: ODU, oru: ORU) -> np.ndarray:
    """sent, received, malformed, PRBs missing: counters of both ends."""
    ends = (odu, oru)
    return np.array([sum(c.packets for e in ends for c in e.counters.tx.values()),
                     sum(e.counters.rx_packets for e in ends),
                     sum(sum(e.counters.malformed.values()) for e in ends),
                     sum(e.counters.prbs_missing for e in ends)])


def run_sustained(config: FronthaulConfig, seconds: float, *, realtime: bool = True,
                  dl_grid: torch.Tensor | None = None, ul_grid: torch.Tensor | None = None,
                  warmup: int = 20, timeout: float = 1.0, seed: int = 0,
                  progress: Callable[[int, int], None] | None = None) -> SustainedRun:
    """Run the fronthaul of ``seconds`` of slots (module docstring) and count what arrived.

    ``dl_grid`` / ``ul_grid``: complex ``[n_eaxc, n_symbols, 12 n_prb]`` (default: seeded
    QPSK grids); ``warmup`` slots run first, unmeasured; ``timeout``: seconds a receive
    waits for a message that does not come; ``progress(done, total)`` about ten times.

    >>> from softran.nr import CarrierConfig
    >>> cfg = FronthaulConfig.from_carrier(CarrierConfig(subcarrier_spacing=30,
    ...                                                  n_size_grid=24), 2, method="bfp")
    >>> r = run_sustained(cfg, 0.01, warmup=2)
    >>> r.slots, r.lost, r.sent == r.received, r.prbs_missing
    (20, 0, True, 0)
    """
    if not isinstance(config, FronthaulConfig):
        raise TypeError(f"config must be a FronthaulConfig, got {type(config).__name__}")
    seconds = check_real("seconds", seconds, 0.0, 3600.0)
    warmup = check_int("warmup", warmup, 0)
    timeout = check_real("timeout", timeout, 1e-3, 60.0)
    seed = check_int("seed", seed, 0)
    if config.method == "modulation":
        raise ValueError("method = 'modulation' has no uplink (O-RAN.WG4.CUS.0 Annex A.5); "
                         "a sustained run needs both directions")
    dl = _qpsk_grid(config, seed) if dl_grid is None else dl_grid
    ul = _qpsk_grid(config, seed + 1) if ul_grid is None else ul_grid
    slot_s = 1e-3 / config.slots_per_subframe
    n_slots = round(seconds / slot_s)
    per_frame = 10 * config.slots_per_subframe
    odu, oru = loopback_pair(config, uplink_source=lambda f, sf, s: ul)
    n_ul = config.n_symbols * len(config.eaxc_ids) * len(config.uplane_chunks)
    dl_cpu, ul_cpu = np.zeros(n_slots), np.zeros(n_slots)
    late = 0
    oru_cpu = 0.0
    oru_messages = 0
    total = warmup + n_slots
    try:
        base = _totals(odu, oru)
        start = time.perf_counter()
        for i in range(total):
            j = i - warmup
            if progress is not None and i % max(1, total // 10) == 0:
                progress(i, total)
            if j == 0:                              # the measured run starts here
                for e in (odu, oru):
                    e.close_slots()
                base = _totals(odu, oru)
                start = time.perf_counter()
            if realtime and j >= 0:
                due = start + j * slot_s
                now = time.perf_counter()
                if now < due:
                    time.sleep(due - now)
                elif j > 0:
                    late += 1                       # slot j - 1 ended after slot j was due
            n = i % (256 * per_frame)
            t = (n // per_frame, (n % per_frame) // config.slots_per_subframe,
                 n % config.slots_per_subframe)
            c0 = time.thread_time()
            messages = odu.slot_block(dl, *t)      # compressed into the messages
            odu.send_messages(messages)
            r0 = time.thread_time()
            got = oru.receive(messages.n_messages, timeout=timeout)
            r1 = time.thread_time()
            oru.downlink_grid(*t)
            c1 = time.thread_time()
            n_c = odu.request_uplink(*t)
            oru.receive(n_c, timeout=timeout)
            odu.receive(n_ul, timeout=timeout)
            odu.uplink_grid(*t)
            c2 = time.thread_time()
            if j >= 0:
                dl_cpu[j], ul_cpu[j] = c1 - c0, c2 - c1
                oru_cpu += r1 - r0
                oru_messages += got
        elapsed = time.perf_counter() - start
        # whatever is still in flight arrives within a short wait
        odu.receive(timeout=0.01)
        oru.receive(timeout=0.01)
        for e in (odu, oru):       # PRBs the C-plane asked for that did not arrive
            e.close_slots()
        sent, received, malformed, missing = (_totals(odu, oru) - base).tolist()
    finally:
        odu.close()
        oru.close()
    if progress is not None:
        progress(total, total)
    return SustainedRun(seconds=elapsed, slot_s=slot_s, slots=n_slots, sent=sent,
                        received=received, lost=max(0, sent - received), malformed=malformed,
                        prbs_missing=missing, late_slots=late, oru_messages=oru_messages,
                        oru_cpu=oru_cpu, dl_cpu=dl_cpu, ul_cpu=ul_cpu)
