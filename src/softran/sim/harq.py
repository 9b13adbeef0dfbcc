"""The HARQ timeline of the link simulator for long round trips: up to 32 HARQ processes
and HARQ feedback disabled per process (Rel-17 NTN: TS 38.321 §5.3.2 / §5.4.2,
``nrofHARQ-ProcessesForPDSCH-v1700`` / ``-ForPUSCH-r17`` up to 32,
``downlinkHARQ-FeedbackDisabled-r17`` per process; TS 38.213 §9.1.2).

A link's ``run`` decodes transport blocks with their retransmissions (see
:mod:`softran.sim.link`); :class:`HARQModel` decides how many transmissions each block may
have and places the transmissions on a slot timeline:

* block ``i`` of a batch runs on HARQ process ``i mod n_processes``;
* a process with feedback **enabled** sends a transmission and waits ``round_trip_slots``
  for the ACK/NACK before its next transmission (a retransmission or its next block): a
  stop-and-wait process;
* a process with feedback **disabled** gets no ACK/NACK: each block is sent once (no
  blind retransmission) and the process is free again in the next slot;
* one transmission per slot; in each slot the scheduler serves the process that has been
  ready longest (lowest number on ties); slots where no process is ready stay empty.

The counts then describe the timeline: ``slots`` is the number of slots from the first
transmission to the last (empty slots included) and ``max_bits`` the TBS times those
slots, so ``delivered_bits / max_bits`` is the throughput with the stall of the round trip
(with enough processes, or feedback disabled, there is no stall). Each batch starts a fresh
timeline (its first round trip fills the pipeline).
"""

from __future__ import annotations

import heapq
from dataclasses import dataclass

import torch

from softran.sim.link import SlotCounts
from softran.validation import check_int

__all__ = ["MAX_HARQ_PROCESSES", "HARQModel"]

#: Rel-17 maximum number of HARQ processes per direction
MAX_HARQ_PROCESSES = 32


@dataclass(frozen=True)
class HARQModel:
    """HARQ processes and their feedback on a slot timeline (module notes).

    Attributes:
        n_processes: 1..32.
        round_trip_slots: slots from a transmission to the earliest next transmission of
            the same process (HARQ RTT, >= 1).
        feedback_disabled: process numbers without HARQ feedback.
        max_transmissions: transmissions of a block on a feedback-enabled process, 1..4.

    >>> m = HARQModel(2, round_trip_slots=4)
    >>> m.timeline([1, 1, 1, 1])    # two processes, RTT 4: a block every 2 of 4 slots
    [0, 1, 4, 5]
    >>> HARQModel(2, 4, feedback_disabled=(0, 1)).timeline([1, 1, 1, 1])
    [0, 1, 2, 3]
    """

    n_processes: int
    round_trip_slots: int = 1
    feedback_disabled: tuple[int, ...] = ()
    max_transmissions: int = 4

    def __post_init__(self) -> None:
        n = check_int("n_processes", self.n_processes, 1, MAX_HARQ_PROCESSES)
        check_int("round_trip_slots", self.round_trip_slots, 1)
        check_int("max_transmissions", self.max_transmissions, 1, 4)
        fd = tuple(sorted({check_int("feedback_disabled", p, 0, n - 1)
                           for p in self.feedback_disabled}))
        object.__setattr__(self, "feedback_disabled", fd)

    def process(self, block: int) -> int:
        """HARQ process of block ``block``."""
        return block % self.n_processes

    def allowed_transmissions(self, n_blocks: int, device: torch.device | str = "cpu"
                              ) -> torch.Tensor:
        """``[n_blocks]`` int64: 1 for blocks on a feedback-disabled process, else
        ``max_transmissions``."""
        p = torch.arange(n_blocks, device=device) % self.n_processes
        off = torch.zeros(n_blocks, dtype=torch.bool, device=device)
        for q in self.feedback_disabled:
            off |= p == q
        return torch.where(off, 1, self.max_transmissions).to(torch.int64)

    def timeline(self, transmissions: list[int] | torch.Tensor) -> list[int]:
        """Slot index of every transmission, in process order (block by block, each
        block's transmissions in turn), for blocks needing ``transmissions[i]`` each."""
        counts = [int(x) for x in (transmissions.tolist() if isinstance(
            transmissions, torch.Tensor) else transmissions)]
        queues: list[list[int]] = [[] for _ in range(self.n_processes)]
        for i, k in enumerate(counts):
            queues[self.process(i)].extend([i] * k)
        disabled = set(self.feedback_disabled)
        heap = [(0, p) for p in range(self.n_processes) if queues[p]]
        heapq.heapify(heap)
        pos = [0] * self.n_processes
        slots_of: dict[int, list[int]] = {}
        slot = 0
        while heap:
            ready, p = heapq.heappop(heap)
            slot = max(slot, ready)
            block = queues[p][pos[p]]
            slots_of.setdefault(block, []).append(slot)
            pos[p] += 1
            if pos[p] < len(queues[p]):
                wait = 1 if p in disabled else self.round_trip_slots
                heapq.heappush(heap, (slot + wait, p))
            slot += 1
        return [s for i in range(len(counts)) for s in slots_of.get(i, [])]

    def counts(self, base: SlotCounts, transmissions: torch.Tensor, tbs: int) -> SlotCounts:
        """``base`` (the counts of :func:`~softran.sim.links.sch_awgn.harq_counts`) with
        ``slots`` and ``max_bits`` taken from the timeline (module notes); the per-block sums of
        the throughput interval are not counted (``None``)."""
        slots = self.timeline(transmissions)
        elapsed = (max(slots) + 1) if slots else 0
        fields = base.as_dict()
        # the timeline's slots are not a sum over blocks: no per-block throughput interval
        fields.update(slots=elapsed, max_bits=tbs * elapsed, delivered_transmissions=None,
                      transmissions_squared=None)
        return SlotCounts(**fields)
