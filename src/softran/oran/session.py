"""Ready-made fronthaul sessions behind ``softran fronthaul ...``: test grids, a one-slot pcap
capture, and an O-DU + O-RU loop in one process.

* :func:`antenna_grids` -- one NR downlink slot (:func:`softran.nr.downlink_slot`, random
  data + PSS/SSS) per antenna, each with its own data seed: ``[n_antennas, 14, 12 n_prb]``.
* :func:`capture_slot` -- the C-plane and U-plane messages an O-DU sends for one slot,
  written as a classic pcap (eCPRI over UDP/IPv4 port 50000, or over Ethernet 0xAEFE) with
  nanosecond timestamps at the paced send times (middle of the reception windows).
* :func:`run_loop` -- O-DU -> UDP loopback -> O-RU for ``n_slots`` slots, optionally with the
  uplink turned around by the O-RU (loopback mode); returns both endpoints and per-slot EVM.
"""

from __future__ import annotations

import dataclasses
import os
from collections.abc import Callable
from dataclasses import dataclass

import torch

from softran.nr import CarrierConfig, downlink_slot
from softran.oran.compression import evm
from softran.oran.endpoints import ODU, ORU, FronthaulConfig, loopback_pair
from softran.oran.macsec import ODU_MAC, ORU_MAC, MACsecConfig
from softran.oran.pcap import PcapWriter
from softran.oran.timing import FRAME_NS, SimulatedClock, TimingWindows, symbol_start_ns
from softran.oran.transport import build_ethernet_frame, build_udp_ipv4_frame
from softran.validation import check_choice, check_int

__all__ = ["LoopResult", "RecordingTransport", "antenna_grids", "capture_slot", "run_loop"]


def antenna_grids(carrier: CarrierConfig, n_antennas: int = 1, modulation: str = "256QAM", *,
                  seed: int = 0) -> torch.Tensor:
    """One downlink slot per antenna (TS 38.211 §5.3.1, §7.4.3.1 via
    :func:`~softran.nr.downlink_slot`), data seeds ``seed, seed + 1, ...``.

    >>> antenna_grids(CarrierConfig(subcarrier_spacing=30, n_size_grid=24), 2, "QPSK").shape
    torch.Size([2, 14, 288])
    """
    n_antennas = check_int("n_antennas", n_antennas, 1, 64)
    seed = check_int("seed", seed, 0)
    return torch.cat([downlink_slot(carrier, modulation, seed=seed + k).grid
                      for k in range(n_antennas)])


class RecordingTransport:
    """A transport that keeps ``(clock time in ns, pdu)`` of every send and receives nothing:
    it captures what an endpoint sends on a simulated clock (pcaps, timing tests)."""

    def __init__(self, clock: SimulatedClock) -> None:
        self.clock, self.sent = clock, []

    def send(self, data: bytes) -> None:
        self.sent.append((self.clock.now_ns(), data))

    def recv(self, timeout: float | None = None) -> None:
        return None


def capture_slot(path: str | os.PathLike[str], config: FronthaulConfig, grid: torch.Tensor, *,
                 frame_id: int = 0, subframe_id: int = 0, slot_id: int = 0,
                 transport: str = "udp", udp_port: int = 50000,
                 macsec: MACsecConfig | None = None) -> int:
    """Write the C-plane and U-plane of one downlink slot to a pcap file (O-RAN.WG4.CUS.0
    clauses 7 and 8 over eCPRI, UDP/IPv4 or Ethernet). Returns the number of packets.
    With ``macsec`` every frame is protected by the O-DU's SecY (IEEE 802.1AE, O-DU MAC
    ``ODU_MAC`` to O-RU ``ORU_MAC``): EtherType 0x88E5, the eCPRI (or IPv4) frame inside.

    Timestamps (ns) are the paced send times of an O-DU whose reception windows are
    ``config.windows`` (default :class:`~softran.oran.timing.TimingWindows`), counted from
    an arbitrary start 2.56 s before frame 0.

    >>> import tempfile, pathlib
    >>> cfg = FronthaulConfig(n_prb=24, eaxc_ids=(0,))
    >>> p = pathlib.Path(tempfile.mkdtemp()) / "slot.pcap"
    >>> capture_slot(p, cfg, torch.zeros(1, 14, 288, dtype=torch.complex64))   # 1 C + 14 U
    15
    """
    transport = check_choice("transport", transport, ("udp", "ethernet"))
    udp_port = check_int("udp_port", udp_port, 1, 65535)
    if config.windows is None:
        config = dataclasses.replace(config, windows=TimingWindows())
    check_int("frame_id", frame_id, 0, 255)
    check_int("subframe_id", subframe_id, 0, 9)
    check_int("slot_id", slot_id, 0, config.slots_per_subframe - 1)
    air = (256 * FRAME_NS + frame_id * FRAME_NS + subframe_id * 1_000_000
           + symbol_start_ns(config.scs_khz, slot_id, 0, cyclic_prefix=config.cyclic_prefix))
    clock = SimulatedClock(air - 1_000_000)
    sink = RecordingTransport(clock)
    ODU(config, sink, clock=clock, paced=True).send_slot(grid, frame_id, subframe_id, slot_id)
    snaplen = max(65535, max(len(p) for _, p in sink.sent) + 64)
    if macsec is not None:
        if not isinstance(macsec, MACsecConfig):
            raise TypeError(f"macsec must be a MACsecConfig or None, got "
                            f"{type(macsec).__name__}")
        secy = macsec.secy(ODU_MAC, ORU_MAC)
        with PcapWriter(path, nanosecond=True, snaplen=snaplen + 64) as w:
            for t, pdu in sink.sent:
                frame = (build_udp_ipv4_frame(pdu, src_port=udp_port, dst_port=udp_port,
                                              src_mac=ODU_MAC, dst_mac=ORU_MAC)
                         if transport == "udp" else
                         build_ethernet_frame(pdu, ORU_MAC, ODU_MAC, pad=False))
                frame = secy.protect(frame)
                w.write(frame + bytes(max(0, 60 - len(frame))), t)
        return len(sink.sent)
    with PcapWriter(path, nanosecond=True, snaplen=snaplen) as w:
        for t, pdu in sink.sent:
            if transport == "udp":
                w.write_udp(pdu, t, src_port=udp_port, dst_port=udp_port)
            else:
                w.write_ethernet(pdu, t)
    return len(sink.sent)


@dataclass
class LoopResult:
    """What :func:`run_loop` returns: both endpoints (closed) and, per slot, the downlink EVM
    (%) at the O-RU and the uplink EVM (%) at the O-DU against the transmitted grid
    (``None`` without uplink)."""

    odu: ODU
    oru: ORU
    dl_evm: list[float]
    ul_evm: list[float | None]


def run_loop(config: FronthaulConfig, grid: torch.Tensor, n_slots: int = 1, *,
             uplink: bool = True, timeout: float = 2.0,
             on_slot: Callable[[int, ODU, ORU], None] | None = None,
             macsec: MACsecConfig | None = None) -> LoopResult:
    """O-DU -> UDP loopback -> O-RU for ``n_slots`` consecutive slots (from frame 0), in one
    thread: the O-DU sends a slot, the O-RU drains it (the socket buffers hold a slot), then
    with ``uplink`` the O-DU asks for the uplink of the same slot, which the O-RU turns
    around from the downlink it received. ``on_slot(k, odu, oru)`` runs after each slot.
    ``macsec`` protects the loop with IEEE 802.1AE (see
    :func:`~softran.oran.endpoints.loopback_pair`).

    >>> r = run_loop(FronthaulConfig(n_prb=24, eaxc_ids=(0,), full_scale=1.0),
    ...              torch.full((1, 14, 288), 0.5 + 0.25j), 2)
    >>> r.dl_evm == r.ul_evm == [0.0, 0.0], r.oru.counters.totals()["rx_U_packets"]
    (True, 28)
    """
    n_slots = check_int("n_slots", n_slots, 1)
    odu, oru = loopback_pair(config, loopback=uplink, macsec=macsec)
    dl_evm: list[float] = []
    ul_evm: list[float | None] = []
    per_slot = config.slots_per_subframe * 10
    try:
        for k in range(n_slots):
            n = k % (256 * per_slot)
            f, rest = divmod(n, per_slot)
            sf, s = divmod(rest, config.slots_per_subframe)
            sent = odu.send_slot(grid, f, sf, s)
            oru.receive(sent, timeout=timeout)
            dl_evm.append(evm(grid, oru.downlink_grid(f, sf, s)))
            if uplink:
                asked = odu.request_uplink(f, sf, s)
                oru.receive(asked, timeout=timeout)
                odu.receive(asked * config.n_symbols * len(config.uplane_chunks),
                            timeout=timeout)
                ul_evm.append(evm(grid, odu.uplink_grid(f, sf, s)))
            else:
                ul_evm.append(None)
            if on_slot is not None:
                on_slot(k, odu, oru)
        odu.close_slots()
        oru.close_slots()
    finally:
        odu.close()
        oru.close()
    return LoopResult(odu, oru, dl_evm, ul_evm)
