"""The O-RU of the inline cell: the O-RU fronthaul endpoint plus its (i)FFT, in one process
with the O-DU, connected by an in-memory pipe that still carries every C-plane and U-plane
message as bytes (O-RAN.WG4.CUS.0 encode / decode on both ends; optional seeded loss through
:class:`softran.oran.transport.ImpairedTransport`).

Downlink: the grid the O-RU rebuilt from the U-plane (PRBs that did not arrive are 0) is
OFDM-modulated (:func:`softran.nr.ofdm_modulate`, TS 38.211 §5.3.1) into the waveform of the
slot. Uplink: the air's samples of a slot are OFDM-demodulated into the grid that the O-RU
sends back as U-plane when the O-DU's uplink C-plane asks for it. PRACH: the O-DU asks for
each occasion with a C-plane section type 3 on the PRACH eAxC (:data:`PRACH_EAXC`); the O-RU
cuts the occasion out of the samples of the slot, takes one FFT per PRACH symbol and answers
with the PRACH band as U-plane (:mod:`softran.oran.prach`, O-RAN.WG4.CUS.0 clauses 7.4.5
and 8); the last two slots of samples are kept for it.
"""

from __future__ import annotations

import dataclasses
from collections import deque
from collections.abc import Callable

import torch

from softran.nr import CarrierConfig, ofdm_demodulate, ofdm_modulate
from softran.oran.endpoints import ODU, ORU, FronthaulConfig
from softran.oran.prach import TS_HZ, PRACHOccasion, PRACHPath
from softran.oran.timing import FRAME_NS, SimulatedClock, TimingWindows
from softran.oran.transport import ImpairedTransport

__all__ = ["CELL_CLOCK_START_NS", "PRACH_EAXC", "MemoryPipe", "RadioUnit", "attach_prach",
           "cell_clock", "fronthaul_config", "inline_fronthaul", "oru_fronthaul_config"]

#: eAxC ID of the PRACH flow (RU port 1; the PUSCH / PUCCH uplink and the downlink use 0)
PRACH_EAXC = 1


class MemoryPipe:
    """One end of an in-memory datagram pipe: ``send`` appends to the peer's queue, ``recv``
    pops from its own (``None`` when empty; never waits).

    >>> a, b = MemoryPipe.pair()
    >>> a.send(b"x"); b.recv(), b.recv()
    (b'x', None)
    """

    def __init__(self) -> None:
        self.queue: deque[bytes] = deque()
        self.peer: MemoryPipe | None = None
        #: called with every message sent (a pcap writer, a counter); ``None``: nothing
        self.tap: Callable[[bytes], None] | None = None

    @classmethod
    def pair(cls) -> tuple[MemoryPipe, MemoryPipe]:
        a, b = cls(), cls()
        a.peer, b.peer = b, a
        return a, b

    def send(self, data: bytes) -> None:
        assert self.peer is not None
        if self.tap is not None:
            self.tap(bytes(data))
        self.peer.queue.append(bytes(data))

    def recv(self, timeout: float | None = None) -> bytes | None:
        return self.queue.popleft() if self.queue else None

    def close(self) -> None:
        self.queue.clear()


class RadioUnit:
    """The O-RU model (module docstring): ``downlink(slot)`` -> waveform, ``set_uplink(slot,
    samples)``; PRACH answers from :meth:`prach_bins`.

    >>> import torch
    >>> from softran.nr import CarrierConfig
    >>> c = CarrierConfig(subcarrier_spacing=30, n_size_grid=51)
    >>> odu, ru, cfg, _ = inline_fronthaul(c)
    >>> grid = torch.zeros(1, 14, 612, dtype=torch.complex64); grid[0, 3, 100] = 1
    >>> odu.send_slot(grid, 0, 0, 1); ru.pump()
    15
    >>> w = ru.downlink(1); ru.set_uplink(1, w)          # the O-RU hears itself
    >>> round(float(ru.oru.uplink_source(0, 0, 1)[0, 3, 100].real), 1)   # 9-bit BFP
    1.0
    """

    def __init__(self, carrier: CarrierConfig, oru: ORU) -> None:
        self.carrier = carrier
        self.oru = oru
        self._ul_grids: dict[tuple[int, int, int], torch.Tensor] = {}
        self._by_key: dict[tuple[int, int, int], torch.Tensor] = {}
        oru.uplink_source = self._uplink_grid
        # the uplink C-plane of a slot comes before its air time (with the downlink): the
        # answer waits for the slot's samples (set_uplink)
        oru.defer_uplink = True

    def _key(self, slot: int) -> tuple[int, int, int]:
        spf, spsf = self.carrier.slots_per_frame, self.carrier.slots_per_subframe
        s = slot % spf
        return (slot // spf) % 256, s // spsf, s % spsf

    def pump(self) -> None:
        """Let the O-RU handle what the O-DU sent (and answer uplink C-plane)."""
        self.oru.receive(timeout=1e-3)

    def downlink(self, slot: int) -> torch.Tensor:
        """The O-RU's transmitted samples ``[1, T]`` of absolute slot ``slot``."""
        grid = self.oru.downlink_grid(*self._key(slot))
        carrier = self.carrier.model_copy(update={"n_slot": slot})
        return ofdm_modulate(grid, carrier)

    def set_uplink(self, slot: int, samples: torch.Tensor) -> None:
        """The received samples ``[1, T]`` of absolute slot ``slot`` (from the air)."""
        carrier = self.carrier.model_copy(update={"n_slot": slot})
        key = self._key(slot)
        self._ul_grids[key] = ofdm_demodulate(samples, carrier)
        while len(self._ul_grids) > 4:
            self._ul_grids.pop(next(iter(self._ul_grids)))
        self._by_key[key] = samples
        while len(self._by_key) > 2:
            self._by_key.pop(next(iter(self._by_key)))
        self.oru.answer_uplink(*key)

    def prach_bins(self, occ: PRACHOccasion) -> torch.Tensor | None:
        """The frequency-domain samples ``[num_symbol, 12 num_prbc]`` of a PRACH occasion
        (section type 3 fields, :mod:`softran.oran.prach`): from ``time_offset + cp_length``
        after the start of the slot, one orthonormal ``fft_size``-point FFT per PRACH symbol,
        the subcarriers from ``freq_offset / 2`` on (``None`` without the slot's samples)."""
        x = self._by_key.get(occ.key)
        if x is None:
            return None
        fs = x.shape[-1] * self.carrier.slots_per_subframe * 1e3     # samples of 1 ms
        first = round((occ.time_offset + occ.cp_length) * fs / TS_HZ)
        n = occ.fft_size
        useful = x[0, first:first + occ.num_symbol * n]
        if useful.numel() != occ.num_symbol * n:
            return None                      # an occasion beyond its slot: not modelled
        y = torch.fft.fft(useful.reshape(occ.num_symbol, n), norm="ortho")
        bins = (occ.freq_offset // 2 + torch.arange(12 * occ.num_prbc)) % n
        return y[:, bins]

    def _uplink_grid(self, frame_id: int, subframe_id: int, slot_id: int) -> torch.Tensor | None:
        return self._ul_grids.get((frame_id, subframe_id, slot_id))


def attach_prach(odu: ODU | None, ru: RadioUnit | None) -> None:
    """Give the O-DU endpoint and / or the O-RU of ``ru`` their PRACH flow on
    :data:`PRACH_EAXC` (the O-RU's answers come from :meth:`RadioUnit.prach_bins`).

    >>> from softran.nr import CarrierConfig
    >>> odu, ru, _, _ = inline_fronthaul(CarrierConfig(subcarrier_spacing=30, n_size_grid=51))
    >>> odu.prach.eaxc_id, ru.oru.prach.eaxc_id
    (1, 1)
    """
    if odu is not None:
        odu.prach = PRACHPath(odu.config, PRACH_EAXC, odu.next_seq)
    if ru is not None:
        ru.oru.prach = PRACHPath(ru.oru.config, PRACH_EAXC, ru.oru.next_seq,
                                 source=ru.prach_bins)


def fronthaul_config(carrier: CarrierConfig, method: str = "bfp", width: int = 9
                     ) -> FronthaulConfig:
    """The cell's fronthaul: all PRBs of the carrier on eAxC 0, ``method`` / ``width``
    compression, full scale 18 dB above a unit-power grid (headroom for the uplink sum of
    UEs and noise).

    >>> from softran.nr import CarrierConfig
    >>> fronthaul_config(CarrierConfig(subcarrier_spacing=30, n_size_grid=51)).n_prb
    51
    """
    return FronthaulConfig(n_prb=carrier.n_size_grid, scs_khz=carrier.subcarrier_spacing,
                           eaxc_ids=(0,), method=method, width=width, full_scale=10 ** (18 / 20))


#: Where the cell's simulated fronthaul clocks start: 1 ms before frame 0 of the second
#: frameId period (256 frames, 2.56 s; frameId = SFN mod 256, O-RAN.WG4.CUS.0 clause 7.5.2),
#: so the messages of slot 0 -- due up to ``T1a_max`` (429 us) before its air time -- have
#: their send times on the clock (a clock started at frame 0 would send them late).
CELL_CLOCK_START_NS: int = 256 * FRAME_NS - 1_000_000


def cell_clock() -> SimulatedClock:
    """A simulated fronthaul clock of the cell, at :data:`CELL_CLOCK_START_NS`.

    >>> cell_clock().now_ns()
    2559000000
    """
    return SimulatedClock(CELL_CLOCK_START_NS)


def oru_fronthaul_config(config: FronthaulConfig) -> FronthaulConfig:
    """The O-RU's share of the cell's fronthaul: ``config`` with its receive windows (the
    T2a windows of downlink C-/U-plane and uplink C-plane, O-RAN.WG4.CUS.0 reference §4.2;
    ``config.windows`` or the default :class:`~softran.oran.timing.TimingWindows`), so its
    counters classify every C-/U-plane arrival as early, on time or late. The O-DU's share
    has none: the O-RU model answers a slot's uplink when its samples are there, not at the
    Ta3 transmit time, so the O-DU's Ta4 reception window would judge the model's timing.

    >>> from softran.nr import CarrierConfig
    >>> cfg = fronthaul_config(CarrierConfig(subcarrier_spacing=30, n_size_grid=51))
    >>> cfg.windows is None, oru_fronthaul_config(cfg).windows.t2a_max_cp_ul
    (True, 429000)
    """
    return dataclasses.replace(config, windows=config.windows or TimingWindows())


def inline_fronthaul(carrier: CarrierConfig, *, method: str = "bfp", width: int = 9,
                     loss: float = 0.0, seed: int = 0
                     ) -> tuple[ODU, RadioUnit, FronthaulConfig, tuple[MemoryPipe, MemoryPipe]]:
    """An O-DU endpoint and the :class:`RadioUnit` joined by a :class:`MemoryPipe` (with
    ``loss`` on both directions), sharing a simulated clock; full scale 18 dB above a
    unit-power grid (headroom for the uplink sum of UEs and noise). Also returns the two
    pipe ends (O-DU's, O-RU's): their ``tap`` sees every message each end sends (a lost
    message is never sent).

    >>> from softran.nr import CarrierConfig
    >>> odu, ru, cfg, pipes = inline_fronthaul(CarrierConfig(subcarrier_spacing=30, n_size_grid=51))
    >>> cfg.n_prb, cfg.method
    (51, 'bfp')
    """
    cfg = fronthaul_config(carrier, method, width)
    a, b = MemoryPipe.pair()
    du_t = ImpairedTransport(a, loss=loss, seed=seed) if loss else a
    ru_t = ImpairedTransport(b, loss=loss, seed=seed + 1) if loss else b
    clock = cell_clock()
    odu = ODU(cfg, du_t, clock=clock)
    oru = ORU(oru_fronthaul_config(cfg), ru_t, clock=clock)
    ru = RadioUnit(carrier, oru)
    attach_prach(odu, ru)
    return odu, ru, cfg, (a, b)
