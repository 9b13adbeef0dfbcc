"""A test UE: cell search, SIB1, 4-step random access and data, on received samples.

The UE runs on the samples the air gives it, one slot at a time (``receive``), and gives the
air its uplink samples of a slot (``transmit``). It is built from softran's NR blocks:

* **Cell search** (:func:`softran.nr.cell_search`) on each slot until a block decodes: the
  MIB gives SFN and half frame; block 0 of case C sits in slot 0 of its half frame, so the
  UE learns the slot numbering. The CFO estimate is removed from every later downlink slot
  and pre-compensated on the uplink.
* **PDCCH** (:func:`softran.nr.pdcch_blind_decode`) in the common search space of the plan
  with the RNTIs of its state: SI-RNTI (SIB1), RA-RNTI (TS 38.321 §5.1.3) in the RAR
  window, TC-RNTI (Msg4), C-RNTI; DCI 1_0 / 0_0 fields (:mod:`softran.cell.dci`). Once
  attached with an RRCSetup it also monitors its UE-specific search space (the plan's
  ``uss``) for DCI 1_1 and 0_1 with its C-RNTI (the PDSCH of DCI 1_1 with the plan's
  ``dl_mcs_table``).
* **PDSCH** (:class:`softran.nr.PDSCHReceiver`, HARQ soft combining per process; NDI toggled:
  new data): SIB1 (decoded with pycrate, :mod:`softran.cell.rrc`), the MAC RAR (TS 38.321
  §6.1.5 / §6.2.3), Msg4 with the UE Contention Resolution Identity MAC CE (§5.1.5) and the
  RRCSetup on the DL-CCCH, data (MAC SDUs of the DRB LCID).
* **PRACH** (:func:`softran.nr.prach`) as SIB1's RACH-ConfigCommon sets it (not the plan:
  prach-ConfigurationIndex, prach-RootSequenceIndex, zeroCorrelationZoneConfig,
  msg1-FrequencyStart, msg1-SubcarrierSpacing, restrictedSetConfig), a random preamble at a
  PRACH occasion of TS 38.211 Table 6.3.3.2-2 (SFN mod x = y, the subframes of the row; at
  30 kHz the second slot of the subframe, n_slot^RA = 1, §5.3.2, which exists whether the
  subframe has one PRACH slot or two); RAR window ra-ResponseWindow and contention resolution
  timer ra-ContentionResolutionTimer from SIB1; on failure the UE retries at a later
  occasion after a random backoff (TS 38.321 §5.1.4, Backoff Indicator if the RAR carried
  one).
* **Msg3** on PUSCH (:class:`softran.nr.PUSCHTransmitter`) with the RAR's grant and TC-RNTI:
  the UL CCCH SDU RRCSetupRequest (48 bits) whose bits are the contention resolution
  identity; K2 = j + Delta + row offset (TS 38.214 §6.1.2.1.1).
* **HARQ-ACK** on PUCCH format 1 (:class:`softran.nr.PUCCHTransmitter`) in slot n + K1
  (K1 = the DCI's PDSCH-to-HARQ timing indicator + 1, the dl-DataToUL-ACK default of DCI
  1_0, TS 38.213 §9.2.3), resource from the PUCCH resource indicator.
* **Downlink timing**: the PSS timing of the cell search gives the one-way delay d (samples);
  the FFT window stays at its nominal place (half-way into the cyclic prefix) and the linear
  phase ``exp(-j 2 pi (k - K/2) d / nfft)`` of the delay is removed from every grid (exact while
  d stays within half the cyclic prefix).
* **Timing advance**: the RAR's command T_A gives N_TA = T_A 16 64 / 2^mu T_c (TS 38.213
  §4.2); the UE sends its uplink slot N_TA samples early (here: drops its first N_TA samples,
  which lie in the cyclic prefix while N_TA is below it). The UE's own slot timing is the
  gNB's: its downlink timing error (the one-way delay) stays within the cyclic prefix.
* **CSI** (TS 38.214 §5.2.2), once attached: in each slot of the plan's NZP CSI-RS the UE
  estimates the channel on its REs (least squares, then a 3-RB moving average scaled to the
  unbiased wideband signal power, mean |h_LS|^2 - N0) and the noise plus interference N0 on
  the CSI-IM REs (their mean power), and computes the wideband report
  (:func:`softran.nr.csi_report`: RI, PMI, CQI of table 1). It sends the CSI part 1 bits
  on PUCCH format 2 in the next CSI report slot at least 4 2^mu slots later (the CSI
  reference resource), with the PUCCH resource r of its Msg4's DCI (a stand-in for the
  PUCCH-Config of RRCSetup).
"""

from __future__ import annotations

import math
import random
from dataclasses import dataclass, field

import torch

from softran.cell.dci import (
    DCI0_0,
    DCI0_1,
    DCI1_0,
    DCI1_1,
    RARGrant,
    antenna_ports_0_1,
    antenna_ports_1_1,
    dci_size_0_1,
    dci_size_1_0,
    dci_size_1_1,
    pdsch_time_allocation,
    pusch_time_allocation,
    riv_decode,
    unpack_dci,
    unpack_dci_uss,
)
from softran.cell.mac_pdu import (
    LCID_CCCH,
    LCID_CCCH_48,
    LCID_CONTENTION_RESOLUTION,
    LCID_DRB,
    MACSubPDU,
    build_mac_pdu,
    parse_mac_pdu,
    parse_rar_pdu,
)
from softran.cell.plan import CellPlan
from softran.cell.rnti import SI_RNTI, ra_rnti
from softran.cell.rrc import (
    ServingCellCommon,
    decode_rrc_setup,
    decode_sib1,
    encode_rrc_setup_request,
)
from softran.channel import FrequencyOffset
from softran.fapi import pack_payload, unpack_payload
from softran.nr import (
    PDSCHReceiver,
    PRACHConfig,
    PUCCHTransmitter,
    PUSCHTransmitter,
    cell_search,
    csi_report,
    csi_rs,
    csi_rs_indices,
    ofdm_demodulate,
    ofdm_info,
    pack_csi_part1,
    pdcch_blind_decode,
    prach,
)
from softran.nr.ofdm import INV_TC

__all__ = ["UE", "UEStats", "bits_to_bytes", "bytes_to_bits"]

SEARCHING, SIB1, RANDOM_ACCESS, CONTENTION, CONNECTED = (
    "searching", "reading SIB1", "random access", "contention resolution", "attached")


def bytes_to_bits(data: bytes) -> torch.Tensor:
    """uint8 ``[1, 8 len(data)]``, MSB of each byte first (a transport block; the bit order
    of :func:`softran.fapi.unpack_payload`).

    >>> bytes_to_bits(b"\\x81").tolist()
    [[1, 0, 0, 0, 0, 0, 0, 1]]
    """
    return unpack_payload(data, 8 * len(data)).reshape(1, -1)


def bits_to_bytes(bits: torch.Tensor) -> bytes:
    """Inverse of :func:`bytes_to_bits` for ``[..., 8 n]`` bits.

    >>> bits_to_bytes(bytes_to_bits(b"ok"))
    b'ok'
    """
    return pack_payload(bits.reshape(-1))


class InOrderDelivery:
    """The test UE's stand-in for RLC reordering (the test cell has no RLC): downlink MAC SDUs
    are delivered in the order of their transport blocks' first transmissions, so a TB that
    needs a HARQ retransmission does not let later TBs overtake it. A TB whose HARQ process
    starts a new TB before it decoded was given up by the MAC (its bytes are lost); a TB
    decoded twice (its ACK was lost) is delivered once.

    >>> d = InOrderDelivery()
    >>> d.new(0); d.new(1)
    >>> d.decoded(1, b"B"), d.decoded(0, b"A"), d.decoded(0, b"A")
    (b'', b'AB', b'')
    """

    def __init__(self) -> None:
        self.next_seq = 0
        self.seq = 0
        self.pending: dict[int, bytes | None] = {}
        self.of_process: dict[int, int] = {}

    def new(self, harq: int) -> None:
        """A new TB on HARQ process ``harq`` (NDI toggled)."""
        old = self.of_process.get(harq)
        if old is not None and old in self.pending and self.pending[old] is None:
            self.pending[old] = b""                    # given up by the MAC: lost
        self.of_process[harq] = self.seq
        self.pending[self.seq] = None
        self.seq += 1

    def decoded(self, harq: int, data: bytes) -> bytes:
        """The bytes deliverable now that the TB of ``harq`` decoded with ``data``."""
        s = self.of_process.get(harq)
        if s is None or s < self.next_seq or self.pending.get(s) is not None:
            return b""
        self.pending[s] = data
        out = bytearray()
        while self.pending.get(self.next_seq) is not None:
            out += self.pending.pop(self.next_seq)
            self.next_seq += 1
        return bytes(out)


@dataclass
class UEStats:
    """What one UE counted: slots of cell search / attach, PDSCH / PUSCH transport blocks,
    decoding failures, preamble attempts and bytes delivered."""

    found_slot: int | None = None
    attach_slot: int | None = None
    preambles: int = 0
    dl_blocks: int = 0
    dl_errors: int = 0
    ul_blocks: int = 0
    dl_bytes: int = 0
    ul_bytes_sent: int = 0
    timing_advance: int | None = None
    cfo_hz: float | None = None
    timing: float | None = None
    n_cell_id: int | None = None
    cqi: int | None = None
    csi_reports: int = 0
    cqi_history: list[tuple[int, int, float]] = field(default_factory=list)
    events: list[tuple[int, str]] = field(default_factory=list)


class UE:
    """One UE of the test cell (module docstring).

    Args:
        plan: the cell plan.
        ue_id: index of the UE (seeds its random choices).
        uplink_data: bytes the UE sends on its DRB once attached.
        seed: seed of its random choices (preamble, backoff, RRC random value).
        s_tmsi: the UE's 5G-S-TMSI (a registered UE): RRCSetupRequest carries its rightmost
            39 bits as ng-5G-S-TMSI-Part1; ``None``: a 39-bit randomValue.

    >>> from softran.cell.plan import cell_plan
    >>> ue = UE(cell_plan(20))
    >>> ue.state, ue.slot_samples, ue.transmit(0) is None   # nothing sent before the search
    ('searching', 15360, True)
    """

    def __init__(self, plan: CellPlan, ue_id: int = 0, *, uplink_data: bytes = b"",
                 seed: int = 0, s_tmsi: int | None = None) -> None:
        self.plan = plan
        self.ue_id = ue_id
        self.rng = random.Random(seed * 1000 + ue_id)
        self.s_tmsi = s_tmsi
        self.info = ofdm_info(plan.carrier)
        self.sample_rate = float(self.info.sample_rate)
        self.slot_samples = int(self.info.sample_rate * 1e-3 / plan.carrier.slots_per_subframe)
        self.state = SEARCHING
        self.stats = UEStats()
        self.offset: int | None = None           # cell slot = run slot + offset
        self.cfo: FrequencyOffset | None = None
        self.cfo_ul: FrequencyOffset | None = None
        self.n_ta = 0                             # samples
        self.rnti: int | None = None
        self.tc_rnti: int | None = None
        self.sib1 = None
        self.rach: ServingCellCommon | None = None    # SIB1's servingCellConfigCommon
        self.prach_cfg: PRACHConfig | None = None     # the PRACH it describes
        self.uplink_buffer = bytearray(uplink_data)
        self.received = bytearray()
        self.n_bwp = plan.n_rb
        self.dci_size = dci_size_1_0(plan.n_rb)
        self.uss_sizes = [dci_size_1_1(plan.n_rb), dci_size_0_1(plan.n_rb)]
        # random access
        self.preamble: int | None = None
        self.prach_slot: int | None = None        # cell slot of the next / last preamble
        self.ra_window: tuple[int, int] | None = None
        self.ra_rnti: int | None = None
        self.cr_deadline: int | None = None
        self.ccch_sdu = b""
        self.backoff_ms = 0
        # scheduled uplink: cell slot -> list of ("pusch", cfg, tb, rv) / ("pucch", cfg, bits)
        self.ul_jobs: dict[int, list[tuple]] = {}
        self.dl_ndi: dict[int, int] = {}
        self.ul_ndi: dict[int, int] = {}
        self.ul_tb: dict[int, torch.Tensor] = {}
        self._rx: dict[tuple, PDSCHReceiver] = {}
        self._decoders: dict[tuple, torch.nn.ModuleList] = {}
        self._pusch_tx: dict[tuple, PUSCHTransmitter] = {}
        self._pucch_tx: dict[tuple[int, int], PUCCHTransmitter] = {}
        self._prach: dict[tuple[int, int], torch.Tensor] = {}
        self._csi_ref: dict[int, tuple[torch.Tensor, torch.Tensor, torch.Tensor]] = {}
        self._pucch_csi_tx: dict[tuple[int, int, int], PUCCHTransmitter] = {}
        self.pucch_resource: int | None = None    # of the Msg4 DCI: the CSI PUCCH resource
        self.rrc_setup = False                     # RRCSetup received in Msg4
        self.in_order = InOrderDelivery()

    # -- helpers -------------------------------------------------------------------------

    def _log(self, slot: int, text: str) -> None:
        self.stats.events.append((slot, text))

    def cell_slot(self, run_slot: int) -> int:
        """The cell's absolute slot (SFN x slots per frame + slot) of a run slot."""
        assert self.offset is not None
        return run_slot + self.offset

    def _receiver(self, cfg, slot: int) -> PDSCHReceiver:
        """The PDSCH receiver of ``cfg`` in ``slot`` (DM-RS of the slot); the receivers of one
        configuration share their HARQ soft buffers."""
        key = (cfg.rnti, cfg.prb_set[0], len(cfg.prb_set), cfg.mcs_index, cfg.mcs_table)
        skey = (*key, slot % self.plan.slots_per_frame)
        rx = self._rx.get(skey)
        if rx is None:
            rx = self._rx[skey] = PDSCHReceiver(self.plan.carrier_at(slot), cfg, n_rx=1)
            shared = self._decoders.setdefault(key, rx.decoders)
            rx.decoders = shared
        return rx

    # -- downlink ------------------------------------------------------------------------

    def receive(self, run_slot: int, samples: torch.Tensor) -> None:
        """Process the downlink samples ``[1, T]`` of run slot ``run_slot``."""
        if self.state == SEARCHING:
            self._search(run_slot, samples)
            return
        slot = self.cell_slot(run_slot)
        assert self.cfo is not None
        x = self.cfo(samples)
        carrier = self.plan.carrier_at(slot)
        grid = ofdm_demodulate(x.unsqueeze(0), carrier) * self._ramp   # [1, 1, 14, K]
        if (self.state == CONNECTED and self.plan.csi_rs is not None
                and self.plan.csi_rs.is_active(carrier)):
            self._measure_csi(slot, carrier, grid)
        rntis = self._rntis(slot)
        if not rntis:
            return
        found = pdcch_blind_decode(grid, carrier, self.plan.coreset, self.plan.search_space,
                                   rntis, self.dci_size)
        dcis = []
        for det in found:
            bits = [int(b) for b in det.bits.tolist()]
            kind = "si" if det.rnti == SI_RNTI else "ra" if det.rnti == self.ra_rnti else "c"
            dcis.append((det.rnti, unpack_dci(bits, self.n_bwp, kind)))
        if self.state == CONNECTED and self.rrc_setup and self.plan.uss is not None:
            for det in pdcch_blind_decode(grid, carrier, self.plan.coreset, self.plan.uss,
                                          rntis, self.uss_sizes):
                try:
                    dcis.append((det.rnti, unpack_dci_uss([int(b) for b in det.bits.tolist()],
                                                          self.n_bwp)))
                except ValueError as err:
                    self._log(slot, f"DCI in the UE-specific search space dropped: {err}")
        for rnti, dci in dcis:
            if isinstance(dci, (DCI1_0, DCI1_1)):
                self._on_downlink(slot, rnti, dci, grid)
            else:
                self._on_uplink_grant(slot, rnti, dci)

    def _search(self, run_slot: int, samples: torch.Tensor) -> None:
        cells = cell_search(samples[0], self.sample_rate, scs=30, l_max=4)
        cells = [c for c in cells if c.ssb_index == 0]
        if not cells:
            return
        c = cells[0]
        # block 0 of case C: symbols 2-5 of slot 0 of its half frame (TS 38.213 §4.1)
        self.offset = c.sfn * self.plan.slots_per_frame + 10 * c.half_frame - run_slot
        self.cfo = FrequencyOffset(-c.cfo_hz, self.sample_rate)
        # downlink timing: the PSS symbol (symbol 2 of slot 0) starts c.timing samples into the
        # slot; the FFT window stays at the nominal place (half-way into the CP) and the
        # linear phase of the delay d, exp(-j 2 pi (k - K/2) d / nfft), is removed
        nominal = sum(self.info.symbol_lengths[:self.plan.ssb_first_symbol])
        self.timing = c.timing - nominal
        k = torch.arange(self.plan.carrier.n_subcarriers) - self.plan.carrier.n_subcarriers // 2
        self._ramp = torch.polar(torch.ones(k.shape[0]),
                                 2 * math.pi * k * self.timing / self.info.nfft
                                 ).to(torch.complex64)
        self.cfo_ul = FrequencyOffset(-c.cfo_hz, self.sample_rate)
        self.stats.found_slot = run_slot
        self.stats.cfo_hz = c.cfo_hz
        self.stats.timing = self.timing
        self.stats.n_cell_id = c.n_cell_id
        if c.n_cell_id != self.plan.carrier.n_cell_id:
            raise RuntimeError(f"UE {self.ue_id} found cell {c.n_cell_id}; the plan's cell is "
                               f"{self.plan.carrier.n_cell_id}")
        self.state = SIB1
        self._log(run_slot, f"cell {c.n_cell_id} found: SFN {c.sfn}, CFO {c.cfo_hz:.0f} Hz, "
                            f"SNR {c.snr_db:.1f} dB")

    def _rntis(self, slot: int) -> list[int]:
        if self.state == SIB1:
            return [SI_RNTI] if slot % self.plan.slots_per_frame == self.plan.sib1_slot else []
        if self.state == RANDOM_ACCESS:
            if self.ra_window and self.ra_window[0] <= slot <= self.ra_window[1]:
                return [self.ra_rnti]
            if self.ra_window and slot > self.ra_window[1]:
                self._ra_failed(slot, "no RAR in the window")
            return []
        if self.state == CONTENTION:
            if self.cr_deadline is not None and slot > self.cr_deadline:
                self._ra_failed(slot, "contention resolution timer expired")
                return []
            return [self.tc_rnti]
        if self.state == CONNECTED:
            return [self.rnti]
        return []

    def _decode_pdsch(self, slot: int, rnti: int, dci: DCI1_0 | DCI1_1, grid: torch.Tensor,
                      harq: int = 0) -> bytes | None:
        ta = pdsch_time_allocation(dci.tdra)
        if ta.k != 0 or (ta.s, ta.l) != (2, 12):
            self._log(slot, f"PDSCH TDRA row {dci.tdra + 1} not supported by the test UE")
            return None
        table = "qam64"
        if isinstance(dci, DCI1_1):
            table = self.plan.dl_mcs_table
            ports = antenna_ports_1_1(dci.antenna_ports)
            if (ports.cdm_groups_without_data, ports.dmrs_ports) != (2, (0,)):
                self._log(slot, f"DCI 1_1 antenna ports {dci.antenna_ports} not supported")
                return None
        start, n = riv_decode(self.n_bwp, dci.fdra)
        cfg = self.plan.pdsch(rnti, start, n, dci.mcs, table)
        rx = self._receiver(cfg, slot)
        new = dci.rnti_type != "c" or self.dl_ndi.get(harq) != dci.ndi
        if dci.rnti_type == "c":
            self.dl_ndi[harq] = dci.ndi
            if new and self.state == CONNECTED:
                self.in_order.new(harq)
        tb, err = rx(grid, rv=dci.rv, harq_process=harq, new_data=new)
        self.stats.dl_blocks += 1
        if bool(err.reshape(-1)[0]):
            self.stats.dl_errors += 1
            return None
        return bits_to_bytes(tb)

    def _on_downlink(self, slot: int, rnti: int, dci: DCI1_0 | DCI1_1, grid: torch.Tensor
                     ) -> None:
        if rnti == SI_RNTI:
            data = self._decode_pdsch(slot, rnti, dci, grid)
            if data is not None:
                self.sib1 = decode_sib1(data)
                if self.sib1.serving_cell is None:
                    self._log(slot, "SIB1 without servingCellConfigCommon: no random access")
                    return
                self._use_sib1(self.sib1.serving_cell)
                self.state = RANDOM_ACCESS
                self._log(slot, f"SIB1: cell identity {self.sib1.cell_identity}, PRACH "
                                f"configuration {self.prach_cfg.configuration_index}, root "
                                f"{self.prach_cfg.sequence_index}")
                self._schedule_preamble(slot)
            return
        if self.state == RANDOM_ACCESS and rnti == self.ra_rnti:
            data = self._decode_pdsch(slot, rnti, dci, grid)
            if data is not None:
                self._on_rar(slot, data)
            return
        data = self._decode_pdsch(slot, rnti, dci, grid, harq=dci.harq_process)
        k1 = dci.harq_timing + 1
        ack = data is not None
        self._add_ul(slot + k1, ("pucch", dci.pucch_resource, int(ack)))
        if data is None:
            return
        pdus = parse_mac_pdu(data, direction="DL")
        if self.state == CONTENTION:
            cr = [p for p in pdus if p.lcid == LCID_CONTENTION_RESOLUTION]
            if cr and cr[0].payload == self.ccch_sdu[:6]:
                self.rnti = self.tc_rnti
                self.pucch_resource = dci.pucch_resource
                self.state = CONNECTED
                self.stats.attach_slot = slot
                self._log(slot, f"contention resolved: C-RNTI {self.rnti:#06x}")
                for p in pdus:
                    if p.lcid == LCID_CCCH:
                        try:
                            tid, _ = decode_rrc_setup(p.payload)
                        except ValueError as err:
                            self._log(slot, f"DL-CCCH not an RRCSetup: {err}")
                            continue
                        self.rrc_setup = True
                        self._log(slot, f"RRCSetup (transaction {tid})")
            else:
                self.ul_jobs.get(slot + k1, []).clear()
                self._ra_failed(slot, "contention resolution identity mismatch")
            return
        chunk = b"".join(p.payload for p in pdus if p.lcid == LCID_DRB)
        out = self.in_order.decoded(dci.harq_process, chunk)
        self.received += out
        self.stats.dl_bytes += len(out)

    def measure_csi(self, slot: int, grid: torch.Tensor):
        """The CSI report (:class:`softran.nr.CSIReport`) of the CSI-RS in the downlink grid
        ``[1, 1, 14, K]`` of cell slot ``slot`` (module docstring)."""
        plan = self.plan
        assert plan.csi_rs is not None and plan.csi_im is not None
        carrier = plan.carrier_at(slot)
        key = slot % plan.slots_per_frame
        ref = self._csi_ref.get(key)
        if ref is None:
            n = carrier.symbols_per_slot * carrier.n_subcarriers
            ref = self._csi_ref[key] = (
                csi_rs_indices(carrier, plan.csi_rs)[0], csi_rs(carrier, plan.csi_rs)[0],
                torch.unique(csi_rs_indices(carrier, plan.csi_im) % n))
        idx, x, im = ref
        flat = grid.reshape(-1)
        nv = max(float(flat[im].abs().square().mean()), 1e-12)
        h = flat[idx] / x                                 # one RE per RB (row 2, density 1)
        ones = torch.ones(1, 1, 3)
        pad = torch.nn.functional.pad
        count = torch.nn.functional.conv1d(pad(torch.ones(1, 1, h.numel()), (1, 1)), ones)[0, 0]
        hs = torch.complex(*(torch.nn.functional.conv1d(pad(part.reshape(1, 1, -1), (1, 1)),
                                                        ones)[0, 0] / count
                             for part in (h.real, h.imag)))
        # the smoothed channel keeps its shape across the band; its mean power is set to the
        # unbiased wideband signal power mean |h_LS|^2 - N0 (at least a thousandth of N0)
        signal = max(float(h.abs().square().mean()) - nv, 1e-3 * nv)
        hs = hs * math.sqrt(signal / float(hs.abs().square().mean().clamp_min(1e-30)))
        return csi_report(hs.reshape(-1, 1, 1), nv, cqi_table_index=plan.csi_cqi_table)

    def _measure_csi(self, slot: int, carrier, grid: torch.Tensor) -> None:
        rep = self.measure_csi(slot, grid)
        self.stats.cqi = rep.cqi
        self.stats.cqi_history.append((slot, rep.cqi, rep.sinr_db))
        n_ref = 4 * 2 ** self.plan.carrier.mu            # CSI reference resource (slots)
        s = slot + n_ref
        while not self.plan.is_csi_report_slot(s):
            s += 1
        if self.pucch_resource is not None:
            self._add_ul(s, ("csi", self.pucch_resource,
                             pack_csi_part1(rep, self.plan.csi_rs.ports).reshape(1, -1)))

    def _on_rar(self, slot: int, data: bytes) -> None:
        subs = parse_rar_pdu(data)
        for s in subs:
            if s.backoff is not None:
                self.backoff_ms = (5, 10, 20, 30, 40, 60, 80, 120, 160, 240, 320, 480, 960,
                                   1920, 1920, 1920)[s.backoff]   # TS 38.321 Table 7.2-1
        mine = [s for s in subs if s.rapid == self.preamble]
        if not mine:
            return
        r = mine[0]
        self.tc_rnti = r.tc_rnti
        mu = self.plan.carrier.mu
        self.n_ta = round(r.timing_advance * 16 * 64 / 2 ** mu * self.sample_rate / INV_TC)
        self.stats.timing_advance = r.timing_advance
        grant = RARGrant.from_int(r.ul_grant)
        ta = pusch_time_allocation(grant.tdra, mu, msg3=True)
        n_bits = math.ceil(math.log2(self.n_bwp * (self.n_bwp + 1) / 2))
        start, n = riv_decode(self.n_bwp, grant.fdra & ((1 << n_bits) - 1))
        if self.s_tmsi is None:
            self.ccch_sdu = encode_rrc_setup_request(self.rng.getrandbits(39))
        else:
            self.ccch_sdu = encode_rrc_setup_request(self.s_tmsi & (2 ** 39 - 1),
                                                     identity="ng-5G-S-TMSI-Part1")
        cfg = self.plan.pusch(self.tc_rnti, start, n, grant.mcs)
        tb = bytes_to_bits(build_mac_pdu([MACSubPDU(LCID_CCCH_48, self.ccch_sdu)],
                                         cfg.tb_size // 8, direction="UL"))
        self._add_ul(slot + ta.k, ("pusch", cfg, tb, 0))
        self.state = CONTENTION
        assert self.rach is not None
        self.cr_deadline = slot + ta.k + (self.rach.ra_contention_resolution_timer
                                          * self.plan.carrier.slots_per_subframe)
        self._log(slot, f"RAR: RAPID {r.rapid}, TA {r.timing_advance}, TC-RNTI "
                        f"{r.tc_rnti:#06x}; Msg3 in slot {slot + ta.k}")

    def _on_uplink_grant(self, slot: int, rnti: int, dci: DCI0_0 | DCI0_1) -> None:
        if isinstance(dci, DCI0_1):
            ports = antenna_ports_0_1(dci.antenna_ports)
            if (ports.cdm_groups_without_data, ports.dmrs_ports) != (2, (0,)) or not dci.ul_sch:
                self._log(slot, f"DCI 0_1 antenna ports {dci.antenna_ports} / UL-SCH "
                                f"{dci.ul_sch} not supported")
                return
        ta = pusch_time_allocation(dci.tdra, self.plan.carrier.mu)
        start, n = riv_decode(self.n_bwp, dci.fdra)
        cfg = self.plan.pusch(rnti, start, n, dci.mcs)
        h = dci.harq_process
        if self.ul_ndi.get(h) != dci.ndi or h not in self.ul_tb:
            self.ul_ndi[h] = dci.ndi
            size = cfg.tb_size // 8
            room = size - (3 if size - 3 >= 256 else 2)
            chunk = bytes(self.uplink_buffer[:max(room, 0)])
            del self.uplink_buffer[:len(chunk)]
            subs = [MACSubPDU(LCID_DRB, chunk)] if chunk else []
            self.ul_tb[h] = bytes_to_bits(build_mac_pdu(subs, size, direction="UL"))
            self.stats.ul_bytes_sent += len(chunk)
        self.stats.ul_blocks += 1
        self._add_ul(slot + ta.k, ("pusch", cfg, self.ul_tb[h], dci.rv))

    # -- random access -------------------------------------------------------------------

    def _use_sib1(self, scc: ServingCellCommon) -> None:
        """Take the random-access configuration from SIB1's servingCellConfigCommon (module
        docstring); a PRACH the test UE cannot send is a ``ValueError``."""
        if self.plan.carrier.subcarrier_spacing != 30 or scc.msg1_subcarrier_spacing != 30:
            raise ValueError("the test UE sends PRACH of 30 kHz (msg1-SubcarrierSpacing) on a "
                             f"30 kHz carrier; SIB1 has {scc.msg1_subcarrier_spacing} kHz")
        probe = scc.prach_config()
        self.rach = scc
        self.prach_cfg = scc.prach_config(active_slot=1 if probe.table_row.prach_slots == 2
                                          else 0)
        self._prach.clear()

    def _is_prach_slot(self, s: int) -> bool:
        """Whether cell slot ``s`` is a PRACH slot of SIB1's configuration (module docstring)."""
        assert self.prach_cfg is not None
        row = self.prach_cfg.table_row
        sps = self.plan.carrier.slots_per_subframe
        spf = self.plan.slots_per_frame
        return ((s // spf) % 1024 % row.x in row.y and (s % spf) // sps in row.slots
                and s % sps == sps - 1)

    def _schedule_preamble(self, slot: int, delay: int = 0) -> None:
        spf = self.plan.slots_per_frame
        s = slot + 1 + delay
        while not self._is_prach_slot(s):
            s += 1
        self.preamble = self.rng.randrange(64)
        self.prach_slot = s
        self.stats.preambles += 1
        s_id, t_id = 0, s % spf
        self.ra_rnti = ra_rnti(s_id, t_id)
        # the window starts at the first PDCCH occasion after the preamble (the next slot)
        assert self.rach is not None
        self.ra_window = (s + 1, s + self.rach.ra_response_window)

    def _ra_failed(self, slot: int, why: str) -> None:
        self._log(slot, f"random access failed ({why}); retry")
        self.state = RANDOM_ACCESS
        self.tc_rnti = None
        backoff = self.rng.randrange(self.backoff_ms + 1) * self.plan.carrier.slots_per_subframe
        self._schedule_preamble(slot, backoff)

    # -- uplink --------------------------------------------------------------------------

    def _add_ul(self, slot: int, job: tuple) -> None:
        self.ul_jobs.setdefault(slot, []).append(job)

    def transmit(self, run_slot: int) -> torch.Tensor | None:
        """The UE's uplink samples ``[1, T]`` of run slot ``run_slot`` (``None``: silent)."""
        if self.offset is None:
            return None
        slot = self.cell_slot(run_slot)
        carrier = self.plan.carrier_at(slot)
        out = None
        parts = []
        if self.state == RANDOM_ACCESS and slot == self.prach_slot:
            parts.append(self._prach_samples(carrier))
            self._log(slot, f"preamble {self.preamble}")
        for job in self.ul_jobs.pop(slot, []):
            if job[0] == "pusch":
                _, cfg, tb, rv = job
                key = (cfg.rnti, cfg.prb_set[0], len(cfg.prb_set), cfg.mcs_index,
                       slot % self.plan.slots_per_frame)
                tx = self._pusch_tx.get(key)
                if tx is None:
                    tx = self._pusch_tx[key] = PUSCHTransmitter(carrier, cfg)
                parts.append(tx(tb, rv)[0])
            elif job[0] == "csi":
                _, res, bits = job
                assert self.rnti is not None
                ckey = (res, self.rnti, slot % self.plan.slots_per_frame)
                tx = self._pucch_csi_tx.get(ckey)
                if tx is None:
                    tx = self._pucch_csi_tx[ckey] = PUCCHTransmitter(
                        carrier, self.plan.pucch_csi(res, self.rnti))
                parts.append(tx(bits)[0])
                self.stats.csi_reports += 1
            else:
                _, res, ack = job
                pkey = (res, slot % self.plan.slots_per_frame)
                tx = self._pucch_tx.get(pkey)
                if tx is None:
                    tx = self._pucch_tx[pkey] = PUCCHTransmitter(carrier, self.plan.pucch(res))
                parts.append(tx(torch.tensor([[ack]], dtype=torch.uint8))[0])
        if not parts:
            return None
        out = sum(parts[1:], parts[0])
        if self.n_ta:
            out = torch.nn.functional.pad(out[..., self.n_ta:], (0, self.n_ta))
        assert self.cfo_ul is not None
        self.cfo_ul.reset()
        self.cfo_ul.sample_index = 0
        phase0 = 2 * math.pi * self.cfo_ul.offset_hz * run_slot * self.slot_samples \
            / self.sample_rate
        return self.cfo_ul(out) * complex(math.cos(phase0), math.sin(phase0))

    def _prach_samples(self, carrier) -> torch.Tensor:
        key = (self.preamble, carrier.n_slot % 2)
        if key not in self._prach:
            assert self.prach_cfg is not None and self.preamble is not None
            cfg = self.prach_cfg.model_copy(update={"preamble_index": self.preamble})
            w = prach(self.plan.carrier, cfg)                      # from the subframe start
            n = self.slot_samples
            w = torch.nn.functional.pad(w, (0, max(0, 2 * n - w.shape[-1])))
            self._prach[key] = w[n:2 * n].reshape(1, -1)          # the second slot
        return self._prach[key]
