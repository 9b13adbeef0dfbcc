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

import time
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
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
from softran.oran.pcap import PcapWriter
from softran.phy import PHY

__all__ = ["S_TMSI_BASE", "CellResult", "InlineCell", "UEResult"]

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
    """A run: per-UE results, CPU seconds per slot per stage, counters, event log."""

    slots: int
    slot_ms: float
    ues: list[UEResult]
    cpu_per_slot: dict[str, float]
    counters: dict[str, int]
    fronthaul: dict[str, int]
    log: list[tuple[float, str]] = field(default_factory=list)


class InlineCell:
    """A cell of :class:`~softran.cell.config.CellConfig` in one process (module docstring).

    ``dl_data`` / ``ul_data``: the bytes the MAC sends to UE k / UE k sends (default: seeded
    random bytes of the cell file's ``dl_bytes`` / ``ul_bytes``). ``pcap``: write every
    fronthaul message (eCPRI over Ethernet, O-DU MAC ``ODU_MAC``, O-RU ``ORU_MAC``) and every
    FAPI message (its SCF 222 encoding in a UDP datagram, MAC 10.0.0.1 -> PHY 10.0.0.2 port
    50001 for requests, back to 50000 for indications) to this file, stamped with simulated
    time (slot start + 1 ns per message).

    Every FAPI message between MAC and PHY is encoded and decoded with
    :mod:`softran.fapi.codec` on the way, so the binary SCF 222 layout is exercised.
    """

    def __init__(self, config: CellConfig, *, dl_data: list[bytes] | None = None,
                 ul_data: list[bytes] | None = None, pcap: str | Path | None = None) -> None:
        self.config = config
        c = config.cell
        self.plan = plan = cell_plan(c.bandwidth_mhz, c.n_cell_id, c.subcarrier_spacing,
                                     c.cqi_table)
        g = torch.Generator().manual_seed(c.seed)

        def rand(n: int) -> bytes:
            return bytes(torch.randint(0, 256, (n,), generator=g, dtype=torch.uint8).tolist())

        self.dl_data = dl_data if dl_data is not None else [rand(u.dl_bytes) for u in config.ue]
        self.ul_data = ul_data if ul_data is not None else [rand(u.ul_bytes) for u in config.ue]
        if len(self.dl_data) != len(config.ue) or len(self.ul_data) != len(config.ue):
            raise ValueError(f"dl_data and ul_data need one entry per UE ({len(config.ue)})")
        fh = config.fronthaul
        self.odu, self.ru, self.fh_config, pipes = inline_fronthaul(
            plan.carrier, method=fh.method, width=fh.width, loss=fh.loss, seed=c.seed)
        self.pcap: PcapWriter | None = None
        self._ts = 0
        if pcap is not None:
            self.pcap = PcapWriter(pcap, nanosecond=True)
            pipes[0].tap = lambda d: self._capture(d, ODU_MAC, ORU_MAC)
            pipes[1].tap = lambda d: self._capture(d, ORU_MAC, ODU_MAC)
        self.phy = PHY(plan.carrier, plan.prach, odu=self.odu, pump=self.ru.pump,
                       prach_source=self.ru.prach_samples)
        # each UE is registered: its 5G-S-TMSI tells the MAC whose traffic it is
        tmsi = [S_TMSI_BASE + k for k in range(len(config.ue))]
        self.mac = MAC(plan, dl_mcs=c.dl_mcs, ul_mcs=c.ul_mcs,
                       dl_data=dict(zip(tmsi, self.dl_data, strict=True)),
                       ul_bytes={t: len(d) for t, d in zip(tmsi, self.ul_data, strict=True)},
                       ul_link_adaptation=c.link_adaptation in ("ul-snr", "cqi"),
                       dl_link_adaptation=c.link_adaptation == "cqi", scheduler=c.scheduler)
        self.ues = [UE(plan, k, uplink_data=self.ul_data[k], seed=c.seed, s_tmsi=tmsi[k])
                    for k in range(len(config.ue))]
        fs = self.ues[0].sample_rate
        self.slot_samples = self.ues[0].slot_samples
        self.air = Air([RadioLinkConfig(snr_db=u.snr_db, channel=u.channel,
                                        delay_spread=u.delay_spread_ns * 1e-9,
                                        doppler_hz=u.doppler_hz, cfo_hz=u.cfo_hz,
                                        delay=u.delay_ns * 1e-9) for u in config.ue],
                       fs, seed=c.seed)
        self.cpu: dict[str, float] = defaultdict(float)
        self.fapi_bytes = 0
        #: per slot: (time in ms, per UE (DL bytes, UL bytes, DL blocks, DL errors, UL blocks,
        #: UL CRC failures)) -- what the plots draw
        self.history: list[tuple[float, list[tuple[int, int, int, int, int, int]]]] = []
        self.slot_ms = 1.0 / plan.carrier.slots_per_subframe
        self.n_done = 0

    def _capture(self, data: bytes, src: str, dst: str) -> None:
        assert self.pcap is not None
        self._ts += 1
        self.pcap.write_ethernet(data, self._ts, dst=dst, src=src)

    def _fapi(self, msg: Any, to_phy: bool) -> Any:
        """``msg`` after an SCF 222 encode / decode (and into the pcap)."""
        data = fapi_encode(msg)
        if self.pcap is not None:
            self._ts += 1
            ports = (50000, 50001) if to_phy else (50001, 50000)
            self.pcap.write_udp(data, self._ts, src_ip="10.0.0.1" if to_phy else "10.0.0.2",
                                dst_ip="10.0.0.2" if to_phy else "10.0.0.1",
                                src_port=ports[0], dst_port=ports[1])
        self.fapi_bytes += len(data)
        return fapi_decode(data)

    def close(self) -> None:
        """Close the pcap file (if any)."""
        if self.pcap is not None:
            self.pcap.close()
            self.pcap = None

    def _timed(self, stage: str, fn: Callable[[], Any]) -> Any:
        t0 = time.process_time()
        out = fn()
        self.cpu[stage] += time.process_time() - t0
        return out

    def step(self, n: int) -> None:
        """Run absolute slot ``n``."""
        phy, mac = self.phy, self.mac
        self._ts = max(self._ts, round(n * self.slot_ms * 1e6))
        self._timed("fapi codec", lambda: self._fapi(phy.slot_indication(n), False))
        for req in self._timed("mac", lambda: mac.slot(n)):
            phy.handle(self._timed("fapi codec", lambda req=req: self._fapi(req, True)))
        self._timed("phy downlink", phy.downlink)
        w = self._timed("o-ru", lambda: self.ru.downlink(n))
        rx = self._timed("air", lambda: self.air.downlink(w))
        for ue, r in zip(self.ues, rx, strict=True):
            self._timed("ue", lambda ue=ue, r=r: ue.receive(n, r))
        ul = [self._timed("ue", lambda ue=ue: ue.transmit(n)) for ue in self.ues]
        y = self._timed("air", lambda: self.air.uplink(ul, self.slot_samples))
        self._timed("o-ru", lambda: self.ru.set_uplink(n, y))
        inds = self._timed("phy uplink", phy.uplink)
        for i in inds:
            i = self._timed("fapi codec", lambda i=i: self._fapi(i, False))
            self._timed("mac", lambda i=i: mac.indication(i, n))
        self._timed("mac", lambda: mac.expire(n))
        self.n_done = n + 1
        row = []
        for ue in self.ues:
            ctx = self.mac.ues.get(ue.rnti) if ue.rnti is not None else None
            row.append((len(ue.received), len(ctx.ul_received) if ctx else 0,
                        ue.stats.dl_blocks, ue.stats.dl_errors, ctx.ul_tx if ctx else 0,
                        ctx.ul_crc_fail if ctx else 0))
        self.history.append(((n + 1) * self.slot_ms, row))

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
        n = max(self.n_done, 1)
        ms = self.slot_ms
        out = []
        for k, ue in enumerate(self.ues):
            ctx = next((c for c in self.mac.ues.values() if c.rnti == ue.rnti), None) \
                if ue.rnti is not None else None
            st = ue.stats
            ul_rx = bytes(ctx.ul_received) if ctx is not None else b""
            dl_ok = bytes(ue.received) == self.dl_data[k]
            ul_ok = ul_rx == self.ul_data[k]
            t_s = n * ms / 1e3
            ul_blocks = ctx.ul_tx if ctx else 0
            out.append(UEResult(
                ue=k, state=ue.state, rnti=ue.rnti,
                found_ms=None if st.found_slot is None else st.found_slot * ms,
                attach_ms=None if st.attach_slot is None or ue.offset is None
                else (st.attach_slot - ue.offset) * ms,
                preambles=st.preambles, timing_advance=st.timing_advance,
                dl_bytes=len(ue.received), dl_expected=len(self.dl_data[k]), dl_intact=dl_ok,
                ul_bytes=len(ul_rx), ul_expected=len(self.ul_data[k]), ul_intact=ul_ok,
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
        cpu = {k: v / n for k, v in self.cpu.items()}
        cpu.update({f"phy {k}": v for k, v in self.phy.times.per_slot().items()})
        for k in cpu:
            if k.startswith("phy ") and k not in ("phy downlink", "phy uplink"):
                cpu[k] = self.phy.times.total[k[4:]] / n
        fh = {f"O-DU {k}": v for k, v in _counts(self.odu.counters).items()}
        fh.update({f"O-RU {k}": v for k, v in _counts(self.ru.oru.counters).items()})
        log = sorted([(s * ms, f"MAC: {t}") for s, t in self.mac.log]
                     + [((s if u.offset is None or t.startswith("cell") else s - u.offset) * ms,
                         f"UE {u.ue_id}: {t}") for u in self.ues for s, t in u.stats.events])
        counters = dict(self.phy.counters)
        counters["fapi bytes"] = self.fapi_bytes
        return CellResult(slots=self.n_done, slot_ms=ms, ues=out, cpu_per_slot=cpu,
                          counters=counters, fronthaul=fh, log=log)


def _counts(counters: Any) -> dict[str, int]:
    """The totals of an endpoint's counters that the summary shows."""
    t = counters.totals()
    keys = ("tx_packets", "rx_packets", "rx_U_lost", "malformed", "prbs_missing")
    return {k.replace("_", " "): int(t[k]) for k in keys if k in t}
