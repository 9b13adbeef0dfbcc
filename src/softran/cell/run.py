"""The inline cell: MAC, PHY, O-DU and O-RU fronthaul endpoints, the air and the UEs in one
process, slot after slot in simulated time (``softran cell run --inline``).

Each slot: the PHY gives SLOT.indication; the MAC's FAPI requests go to the PHY (ERROR
.indications are counted); the PHY builds the downlink grid and sends it as C-plane + U-plane
to the O-RU (in-memory pipe, every message encoded and decoded); the O-RU's waveform goes
through the air to every UE; the UEs answer with their uplink samples; the O-RU turns the
air's sum into the uplink grid that it sends back as U-plane when the O-DU asks; the PHY
decodes it and the MAC takes the indications. CPU time (``time.process_time``) is counted
per stage.
"""

from __future__ import annotations

import copy
import time
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import torch

from softran.cell.air import Air, RadioLinkConfig
from softran.cell.config import CellConfig
from softran.cell.mac import MAC
from softran.cell.plan import cell_plan
from softran.cell.radio_unit import inline_fronthaul
from softran.cell.ue import UE
from softran.fapi.codec import decode as fapi_decode
from softran.fapi.codec import encode as fapi_encode
from softran.oran.macsec import ODU_MAC, ORU_MAC
from softran.oran.pacing import SymbolPacer
from softran.oran.pcap import PcapWriter
from softran.phy import PHY
from softran.validation import check_positive

__all__ = ["S_TMSI_BASE", "CellDU", "CellResult", "InlineCell", "SlotPacer", "UEResult",
           "cell_air",
           "cell_data", "cell_ue", "history_row", "mac_view", "summarise", "ue_view",
           "write_fapi"]

#: 5G-S-TMSI of UE 0 of an inline cell (UE k has S_TMSI_BASE + k)
S_TMSI_BASE = 0x10_0000_0001


@dataclass
class UEResult:
    """One UE at the end of a run (times in ms of simulated time from the run's start).

    Throughput over the whole run: ``*_mbps`` the MAC SDU bytes delivered, ``*_tb_mbps`` the
    transport-block bits received correctly (acknowledged on the downlink, CRC passed on the
    uplink: the throughput of TS 38.104 / 38.101-4), ``*_scheduled_mbps`` the transport-block
    bits of every transmission the MAC scheduled (retransmissions included)."""

    ue: int
    state: str
    rnti: int | None
    found_ms: float | None
    attach_ms: float | None
    preambles: int
    timing_advance: int | None
    dl_bytes: int
    dl_expected: int
    dl_intact: bool
    ul_bytes: int
    ul_expected: int
    ul_intact: bool
    dl_blocks: int
    dl_bler: float
    dl_retx: int
    ul_blocks: int
    ul_bler: float
    ul_retx: int
    dl_mbps: float
    dl_tb_mbps: float
    dl_scheduled_mbps: float
    ul_mbps: float
    ul_tb_mbps: float
    ul_scheduled_mbps: float
    cqi: int | None = None
    csi_reports: int = 0
    dl_mcs: int | None = None


@dataclass
class CellResult:
    """A run: per-UE results, CPU (and wall) seconds per slot per stage, counters, event log."""

    slots: int
    slot_ms: float
    ues: list[UEResult]
    cpu_per_slot: dict[str, float]
    counters: dict[str, int]
    fronthaul: dict[str, int]
    log: list[tuple[float, str]] = field(default_factory=list)
    #: wall seconds per slot per stage (the cell's stages; the PHY's are CPU only)
    wall_per_slot: dict[str, float] = field(default_factory=dict)


class SlotPacer:
    """Real-time slots (``--realtime``): :meth:`wait` returns when slot ``n`` is due, ``n``
    slot durations after the first slot, and counts the slots that started more than one
    slot late (the run could not keep up).

    >>> p = SlotPacer(0.5); p.wait(0); p.late_slots
    0
    """

    def __init__(self, slot_ms: float) -> None:
        self.slot_s = check_positive("slot_ms", slot_ms) / 1e3
        self.t0: float | None = None
        self.late_slots = 0

    def wait(self, n: int) -> None:
        now = time.perf_counter()
        if self.t0 is None:
            self.t0 = now - n * self.slot_s
        due = self.t0 + n * self.slot_s
        if now < due:
            time.sleep(due - now)
        elif now > due + self.slot_s:
            self.late_slots += 1


def cell_data(config: CellConfig) -> tuple[list[bytes], list[bytes]]:
    """The default bytes of a cell file: per UE ``dl_bytes`` and ``ul_bytes`` seeded random
    bytes (one generator seeded with the cell's seed, every downlink string first).

    >>> from softran.cell.config import load_cell_config
    >>> dl, ul = cell_data(load_cell_config("[[ue]]\\ndl_bytes = 3\\nul_bytes = 2\\n"))
    >>> [len(d) for d in dl], [len(u) for u in ul]
    ([3], [2])
    """
    g = torch.Generator().manual_seed(config.cell.seed)

    def rand(n: int) -> bytes:
        return bytes(torch.randint(0, 256, (n,), generator=g, dtype=torch.uint8).tolist())

    dl = [rand(u.dl_bytes) for u in config.ue]
    return dl, [rand(u.ul_bytes) for u in config.ue]


class CellDU:
    """The O-DU of a cell: the test MAC and the PHY on the O-DU fronthaul endpoint ``odu``,
    every FAPI message between them through the SCF 222 codec (:meth:`fapi`; ``capture(data,
    to_phy)`` sees each encoding). ``cpu``: the dictionary CPU seconds per stage are added to.
    Used by :class:`InlineCell` and by the O-DU process of :mod:`softran.cell.processes`.
    """

    def __init__(self, config: CellConfig, plan: Any, odu: Any, dl_data: list[bytes],
                 ul_data: list[bytes], *, pump: Callable[[], Any] | None = None,
                 cpu: dict[str, float] | None = None,
                 capture: Callable[[bytes, bool], None] | None = None) -> None:
        c = config.cell
        self.phy = PHY(plan.carrier, plan.prach, odu=odu, pump=pump)
        # each UE is registered: its 5G-S-TMSI tells the MAC whose traffic it is
        tmsi = [S_TMSI_BASE + k for k in range(len(config.ue))]
        self.mac = MAC(plan, dl_mcs=c.dl_mcs, ul_mcs=c.ul_mcs,
                       dl_data=dict(zip(tmsi, dl_data, strict=True)),
                       ul_bytes={t: len(d) for t, d in zip(tmsi, ul_data, strict=True)},
                       ul_link_adaptation=c.link_adaptation in ("ul-snr", "cqi"),
                       dl_link_adaptation=c.link_adaptation == "cqi", scheduler=c.scheduler)
        self.cpu: dict[str, float] = defaultdict(float) if cpu is None else cpu
        #: wall seconds per stage, summed over slots
        self.wall: dict[str, float] = defaultdict(float)
        self.capture = capture
        self.fapi_bytes = 0

    def timed(self, stage: str, fn: Callable[[], Any]) -> Any:
        """``fn()``, its CPU and wall time added to ``stage``."""
        t0, w0 = time.process_time(), time.perf_counter()
        out = fn()
        self.cpu[stage] += time.process_time() - t0
        self.wall[stage] += time.perf_counter() - w0
        return out

    def fapi(self, msg: Any, to_phy: bool) -> Any:
        """``msg`` after an SCF 222 encode / decode (and to ``capture``)."""
        data = fapi_encode(msg)
        if self.capture is not None:
            self.capture(data, to_phy)
        self.fapi_bytes += len(data)
        return fapi_decode(data)

    def downlink(self, n: int) -> None:
        """SLOT.indication of absolute slot ``n``, the MAC's requests, the PHY's downlink
        (sent to the O-RU)."""
        phy, mac, timed = self.phy, self.mac, self.timed
        timed("fapi codec", lambda: self.fapi(phy.slot_indication(n), False))
        for req in timed("mac", lambda: mac.slot(n)):
            phy.handle(timed("fapi codec", lambda req=req: self.fapi(req, True)))
        timed("phy downlink", phy.downlink)

    def uplink(self, n: int) -> None:
        """The PHY's uplink of slot ``n`` (asked from the O-RU) and the MAC's indications."""
        phy, mac, timed = self.phy, self.mac, self.timed
        inds = timed("phy uplink", phy.uplink)
        for i in inds:
            i = timed("fapi codec", lambda i=i: self.fapi(i, False))
            timed("mac", lambda i=i: mac.indication(i, n))
        timed("mac", lambda: mac.expire(n))


def cell_ue(config: CellConfig, plan: Any, k: int, ul_data: bytes) -> UE:
    """UE ``k`` of the cell file (seeded with the cell's seed, 5G-S-TMSI ``S_TMSI_BASE + k``)."""
    return UE(plan, k, uplink_data=ul_data, seed=config.cell.seed, s_tmsi=S_TMSI_BASE + k)


def cell_air(config: CellConfig, sample_rate: float) -> Air:
    """The air of the cell file: one radio link per ``[[ue]]``, seeded with the cell's seed."""
    return Air([RadioLinkConfig(snr_db=u.snr_db, channel=u.channel,
                                delay_spread=u.delay_spread_ns * 1e-9, doppler_hz=u.doppler_hz,
                                cfo_hz=u.cfo_hz, delay=u.delay_ns * 1e-9) for u in config.ue],
               sample_rate, seed=config.cell.seed)


def ue_view(ue: Any) -> SimpleNamespace:
    """What the results need of a UE, as plain data (it crosses process boundaries)."""
    return SimpleNamespace(ue_id=ue.ue_id, state=ue.state, rnti=ue.rnti, offset=ue.offset,
                           stats=copy.deepcopy(ue.stats), received=bytes(ue.received))


def mac_view(mac: Any) -> SimpleNamespace:
    """What the results need of the MAC (its UE contexts and log), as plain data."""
    return SimpleNamespace(ues={k: copy.deepcopy(v) for k, v in mac.ues.items()},
                           log=list(mac.log))


def history_row(ues: list[Any], mac: Any) -> list[tuple[int, int, int, int, int, int]]:
    """Per UE (DL bytes, UL bytes, DL blocks, DL errors, UL blocks, UL CRC failures)."""
    row = []
    for ue in ues:
        ctx = mac.ues.get(ue.rnti) if ue.rnti is not None else None
        row.append((len(ue.received), len(ctx.ul_received) if ctx else 0,
                    ue.stats.dl_blocks, ue.stats.dl_errors, ctx.ul_tx if ctx else 0,
                    ctx.ul_crc_fail if ctx else 0))
    return row


class InlineCell:
    """A cell of :class:`~softran.cell.config.CellConfig` in one process (module docstring).

    ``dl_data`` / ``ul_data``: the bytes the MAC sends to UE k / UE k sends (default: seeded
    random bytes of the cell file's ``dl_bytes`` / ``ul_bytes``). ``realtime``: start each slot
    on the wall clock (:class:`SlotPacer`). ``pcap``: write every
    fronthaul message (eCPRI over Ethernet, O-DU MAC ``ODU_MAC``, O-RU ``ORU_MAC``) and every
    FAPI message (its SCF 222 encoding in a UDP datagram, MAC 10.0.0.1 -> PHY 10.0.0.2 port
    50001 for requests, back to 50000 for indications) to this file, stamped with simulated
    time (slot start + 1 ns per message).

    Every FAPI message between MAC and PHY is encoded and decoded with
    :mod:`softran.fapi.codec` on the way, so the binary SCF 222 layout is exercised.
    """

    def __init__(self, config: CellConfig, *, dl_data: list[bytes] | None = None,
                 ul_data: list[bytes] | None = None, pcap: str | Path | None = None,
                 realtime: bool = False) -> None:
        self.config = config
        c = config.cell
        self.plan = plan = cell_plan(c.bandwidth_mhz, c.n_cell_id, c.subcarrier_spacing,
                                     c.cqi_table)
        default_dl, default_ul = cell_data(config)
        self.dl_data = dl_data if dl_data is not None else default_dl
        self.ul_data = ul_data if ul_data is not None else default_ul
        if len(self.dl_data) != len(config.ue) or len(self.ul_data) != len(config.ue):
            raise ValueError(f"dl_data and ul_data need one entry per UE ({len(config.ue)})")
        fh = config.fronthaul
        self.odu, self.ru, self.fh_config, pipes = inline_fronthaul(
            plan.carrier, method=fh.method, width=fh.width, loss=fh.loss, seed=c.seed)
        # the downlink U-plane symbol by symbol (simulated time: the O-RU takes each symbol
        # as it comes; --realtime: one symbol duration apart on the wall clock)
        self.odu.pacer = SymbolPacer(self.odu.clock, realtime=realtime,
                                     between=lambda k: self.ru.pump())
        self.pcap: PcapWriter | None = None
        self._ts = 0
        if pcap is not None:
            self.pcap = PcapWriter(pcap, nanosecond=True)
            pipes[0].tap = lambda d: self._capture(d, ODU_MAC, ORU_MAC)
            pipes[1].tap = lambda d: self._capture(d, ORU_MAC, ODU_MAC)
        self.cpu: dict[str, float] = defaultdict(float)
        self.du = CellDU(config, plan, self.odu, self.dl_data, self.ul_data, pump=self.ru.pump,
                         cpu=self.cpu, capture=self._capture_fapi if pcap is not None else None)
        self.phy, self.mac = self.du.phy, self.du.mac
        self.ues = [cell_ue(config, plan, k, self.ul_data[k]) for k in range(len(config.ue))]
        self.slot_samples = self.ues[0].slot_samples
        self.air = cell_air(config, self.ues[0].sample_rate)
        #: per slot: (time in ms, per UE (DL bytes, UL bytes, DL blocks, DL errors, UL blocks,
        #: UL CRC failures)) -- what the plots draw
        self.history: list[tuple[float, list[tuple[int, int, int, int, int, int]]]] = []
        self.slot_ms = 1.0 / plan.carrier.slots_per_subframe
        self.n_done = 0
        #: ``realtime``: slots start on the wall clock
        self.pacer = SlotPacer(self.slot_ms) if realtime else None
        #: wall seconds of each slot
        self.slot_wall: list[float] = []

    def _capture(self, data: bytes, src: str, dst: str) -> None:
        assert self.pcap is not None
        self._ts += 1
        self.pcap.write_ethernet(data, self._ts, dst=dst, src=src)

    def _capture_fapi(self, data: bytes, to_phy: bool) -> None:
        assert self.pcap is not None
        self._ts += 1
        write_fapi(self.pcap, data, self._ts, to_phy)

    @property
    def fapi_bytes(self) -> int:
        return self.du.fapi_bytes

    def close(self) -> None:
        """Close the pcap file (if any)."""
        if self.pcap is not None:
            self.pcap.close()
            self.pcap = None

    def _timed(self, stage: str, fn: Callable[[], Any]) -> Any:
        return self.du.timed(stage, fn)

    def step(self, n: int) -> None:
        """Run absolute slot ``n``."""
        if self.pacer is not None:
            self.pacer.wait(n)
        t0 = time.perf_counter()
        self._ts = max(self._ts, round(n * self.slot_ms * 1e6))
        self.du.downlink(n)
        w = self._timed("o-ru", lambda: self.ru.downlink(n))
        rx = self._timed("air", lambda: self.air.downlink(w))
        for ue, r in zip(self.ues, rx, strict=True):
            self._timed("ue", lambda ue=ue, r=r: ue.receive(n, r))
        ul = [self._timed("ue", lambda ue=ue: ue.transmit(n)) for ue in self.ues]
        y = self._timed("air", lambda: self.air.uplink(ul, self.slot_samples))
        self._timed("o-ru", lambda: self.ru.set_uplink(n, y))
        self.du.uplink(n)
        self.slot_wall.append(time.perf_counter() - t0)
        self.n_done = n + 1
        self.history.append(((n + 1) * self.slot_ms, history_row(self.ues, self.mac)))

    def run(self, n_slots: int | None = None,
            progress: Callable[[int, int, InlineCell], None] | None = None) -> CellResult:
        """Run ``n_slots`` (default: the cell file's frames) and summarise."""
        total = n_slots if n_slots is not None else \
            self.config.cell.frames * self.plan.slots_per_frame
        try:
            for n in range(self.n_done, total):
                self.step(n)
                if progress is not None:
                    progress(n + 1, total, self)
        finally:
            self.close()
        return self.result()

    def result(self) -> CellResult:
        """The summary of what ran so far."""
        return summarise(self.ues, self.mac, self.phy.times.total, dict(self.phy.counters),
                         dict(self.cpu), self.fapi_bytes, self.odu.counters.totals(),
                         self.ru.oru.counters.totals(), self.dl_data, self.ul_data,
                         self.slot_ms, self.n_done, dict(self.du.wall))


def write_fapi(pcap: PcapWriter, data: bytes, ts: int, to_phy: bool) -> None:
    """One FAPI message in the pcap: its SCF 222 encoding in a UDP datagram, MAC 10.0.0.1
    port 50000 -> PHY 10.0.0.2 port 50001 for requests, back for indications."""
    ports = (50000, 50001) if to_phy else (50001, 50000)
    pcap.write_udp(data, ts, src_ip="10.0.0.1" if to_phy else "10.0.0.2",
                   dst_ip="10.0.0.2" if to_phy else "10.0.0.1",
                   src_port=ports[0], dst_port=ports[1])


def summarise(ues: list[Any], mac: Any, phy_times: dict[str, float], phy_counters: dict[str, int],
              cpu: dict[str, float], fapi_bytes: int, du_totals: dict[str, Any],
              ru_totals: dict[str, Any], dl_data: list[bytes], ul_data: list[bytes],
              slot_ms: float, n_done: int, wall: dict[str, float] | None = None
              ) -> CellResult:
    """The :class:`CellResult` of a run of ``n_done`` slots from the UEs (or their
    :func:`ue_view`), the MAC (or its :func:`mac_view`), the PHY's CPU seconds per stage
    (totals) and counters, the cell's CPU seconds per stage (totals), the fronthaul
    endpoints' counter totals and the bytes each UE was to receive / send."""
    n = max(n_done, 1)
    ms = slot_ms
    out = []
    for k, ue in enumerate(ues):
        ctx = next((c for c in mac.ues.values() if c.rnti == ue.rnti), None) \
            if ue.rnti is not None else None
        st = ue.stats
        ul_rx = bytes(ctx.ul_received) if ctx is not None else b""
        dl_ok = bytes(ue.received) == dl_data[k]
        ul_ok = ul_rx == ul_data[k]
        t_s = n * ms / 1e3
        ul_blocks = ctx.ul_tx if ctx else 0
        out.append(UEResult(
            ue=k, state=ue.state, rnti=ue.rnti,
            found_ms=None if st.found_slot is None else st.found_slot * ms,
            attach_ms=None if st.attach_slot is None or ue.offset is None
            else (st.attach_slot - ue.offset) * ms,
            preambles=st.preambles, timing_advance=st.timing_advance,
            dl_bytes=len(ue.received), dl_expected=len(dl_data[k]), dl_intact=dl_ok,
            ul_bytes=len(ul_rx), ul_expected=len(ul_data[k]), ul_intact=ul_ok,
            dl_blocks=st.dl_blocks,
            dl_bler=st.dl_errors / st.dl_blocks if st.dl_blocks else 0.0,
            dl_retx=ctx.dl_retx if ctx else 0, ul_blocks=ul_blocks,
            ul_bler=(ctx.ul_crc_fail / ul_blocks) if ctx and ul_blocks else 0.0,
            ul_retx=ctx.ul_retx if ctx else 0,
            dl_mbps=8 * len(ue.received) / t_s / 1e6,
            dl_tb_mbps=(8 * ctx.dl_bytes_acked / t_s / 1e6) if ctx else 0.0,
            ul_tb_mbps=(8 * ctx.ul_bytes_ok / t_s / 1e6) if ctx else 0.0,
            dl_scheduled_mbps=(ctx.dl_scheduled_bits / t_s / 1e6) if ctx else 0.0,
            ul_mbps=8 * len(ul_rx) / t_s / 1e6,
            ul_scheduled_mbps=(ctx.ul_scheduled_bits / t_s / 1e6) if ctx else 0.0,
            cqi=ctx.cqi if ctx else None, csi_reports=ctx.csi_reports if ctx else 0,
            dl_mcs=ctx.dl_mcs_used[-1] if ctx and ctx.dl_mcs_used else None))
    per_slot = {k: v / n for k, v in cpu.items()}
    per_slot.update({f"phy {k}": v / n for k, v in phy_times.items()})
    fh = {f"O-DU {k}": v for k, v in _counts(du_totals).items()}
    fh.update({f"O-RU {k}": v for k, v in _counts(ru_totals).items()})
    log = sorted([(s * ms, f"MAC: {t}") for s, t in mac.log]
                 + [((s if u.offset is None or t.startswith("cell") else s - u.offset) * ms,
                     f"UE {u.ue_id}: {t}") for u in ues for s, t in u.stats.events])
    counters = dict(phy_counters)
    counters["fapi bytes"] = fapi_bytes
    return CellResult(slots=n_done, slot_ms=ms, ues=out, cpu_per_slot=per_slot,
                      counters=counters, fronthaul=fh, log=log,
                      wall_per_slot={k: v / n for k, v in (wall or {}).items()})


def _counts(t: dict[str, Any]) -> dict[str, int]:
    """The totals of an endpoint's counters that the summary shows."""
    keys = ("tx_packets", "rx_packets", "rx_U_lost", "malformed", "prbs_missing")
    out = {k.replace("_", " "): int(t[k]) for k in keys if k in t}
    # arrivals against the receive windows (an endpoint with windows: the O-RU)
    kinds = {k: sum(int(t.get(f"rx_{p}_{k}", 0)) for p in "CU")
             for k in ("early", "on_time", "late")}
    if any(kinds.values()):
        out.update({f"rx {k.replace('_', ' ')}": v for k, v in kinds.items()})
    return out
