"""The test MAC of the O-DU: it speaks SCF 222 FAPI P7 to the PHY and runs just enough of
TS 38.321 to attach UEs and move data (not a full stack).

Per slot :meth:`MAC.slot` returns the requests (DL_TTI, UL_DCI, TX_DATA, UL_TTI) and
:meth:`MAC.indication` takes what the PHY reports (RACH, CRC, RX_DATA, UCI). What it does:

* broadcast: the SS/PBCH block with the MIB in slot 0 of every frame and SIB1 (TS 38.331
  UPER, :mod:`softran.cell.rrc`) with SI-RNTI in slot 1 of every frame;
* 4-step random access (TS 38.321 §5.1): PRACH PDUs at the plan's occasions; per detected
  preamble a RAR (RA-RNTI of §5.1.3, MAC RAR of §6.2.3 with the timing advance command, a
  Temporary C-RNTI and the Msg3 grant, TS 38.213 §8.2) in the first free slot of the window;
  Msg3 on PUSCH (K2 = j + Delta + row offset); Msg4 with the UE Contention Resolution
  Identity MAC CE (the 48 bits of Msg3's CCCH SDU) and the RRCSetup on the DL-CCCH
  (:func:`softran.cell.rrc.encode_rrc_setup`), HARQ (retransmitted on NACK / DTX);
  the TC-RNTI becomes the C-RNTI when the UE acknowledges Msg4;
* data: once a UE is attached (RRC setup done), DCI 1_1 / 0_1 with its C-RNTI in its
  UE-specific search space (aggregation level 2; the plan's ``uss``), the PDSCH of DCI 1_1
  with the plan's ``dl_mcs_table``; before that (Msg4 and its retransmissions) DCI 1_0 in
  the common search space; the CCEs of one slot's DCIs never overlap; one UE per slot and
  direction, chosen round-robin (``scheduler="rr"``) or proportional-fair (``"pf"``,
  :meth:`MAC.pf_metric`) among the UEs with something to send
  round-robin over UEs with something to send (downlink: its byte queue; uplink: the test
  MAC knows each UE's configured uplink volume, there are no buffer status reports); fixed
  MCS (``dl_mcs`` / ``ul_mcs``, MCS table qam64), no link adaptation; all RBs on the
  downlink, the RBs below the PRACH on the uplink;
* HARQ (TS 38.321 §5.3.2, §5.4.2): 16 processes per direction; a NACK or DTX on PUCCH, or a
  PUSCH CRC failure, gives a retransmission with the same NDI and the next redundancy
  version (0, 2, 3, 1), up to 4 transmissions; K1 chosen so that HARQ-ACK lands in an odd
  slot, K2 so that the PUSCH lands in an even slot (the plan keeps the two apart).
* CSI (TS 38.214 §5.2): the plan's periodic one-port NZP CSI-RS and its CSI-IM (a zero-power
  CSI-RS) in DL_TTI.request; a PUCCH format 2 PDU per attached UE in each CSI report slot
  (CSI part 1 of :func:`softran.nr.csi_part1_size` bits); the UCI.indication's CQI, RI and
  PMI are kept per UE. With downlink link adaptation each new downlink TB takes the MCS of
  the UE's last CQI (:func:`softran.nr.mcs_for_cqi`: CQI table 1, MCS table qam64), the
  fixed ``dl_mcs`` until the first report.
"""

from __future__ import annotations

import itertools
import math
from collections import defaultdict
from dataclasses import dataclass, field
from typing import Any

import torch

from softran.cell.dci import (
    DCI0_1,
    DCI1_0,
    DCI1_1,
    RARGrant,
    dci_size_1_0,
    pack_dci,
    pusch_time_allocation,
    riv,
)
from softran.cell.mac_pdu import (
    LCID_CCCH,
    LCID_CCCH_48,
    LCID_CONTENTION_RESOLUTION,
    LCID_DRB,
    MACSubPDU,
    RARSubPDU,
    build_mac_pdu,
    build_rar_pdu,
    parse_mac_pdu,
)
from softran.cell.plan import CellPlan
from softran.cell.rnti import SI_RNTI, ra_rnti
from softran.cell.rrc import (
    SIB1Info,
    decode_rrc_setup_request,
    encode_rrc_setup,
    encode_sib1,
)
from softran.fapi import (
    CrcIndication,
    DlDci,
    DlTtiRequest,
    PdcchPdu,
    PdschCodeword,
    PdschPdu,
    PrachPdu,
    PucchPdu,
    PuschData,
    PuschPdu,
    RachIndication,
    RxDataIndication,
    SsbPdu,
    TxDataPdu,
    TxDataRequest,
    UciIndication,
    UciPucchF234,
    UlDciRequest,
    UlTtiRequest,
    pack_payload,
    unpack_payload,
)
from softran.nr import (
    MIB,
    csi_part1_size,
    k_ssb,
    mcs_for_cqi,
    mcs_table,
    pdcch_candidates,
    unpack_csi_part1,
)
from softran.phy import csi_rs_pdu
from softran.validation import check_choice, check_int

__all__ = ["MAC", "UEContext"]

_RV = (0, 2, 3, 1)          # TS 38.321 §5.3.2.1 / TS 38.214 Table 5.1.2.1-2 order
_MAX_TX = 4
_DMRS_POS = (1 << 2) | (1 << 7) | (1 << 11)   # symbols 2, 7, 11 (pos2, 12-14 symbols)


@dataclass
class HARQProcess:
    """One HARQ process: the TB (bytes), its allocation and MCS, NDI, transmissions."""

    tb: bytes = b""
    rb_start: int = 0
    n_rbs: int = 0
    mcs: int = 0
    ndi: int = 0
    tx: int = 0
    busy: bool = False
    retx: bool = False
    dedicated: bool = False        # scheduled with DCI 1_1 / 0_1 (after RRC setup)


@dataclass
class UEContext:
    """What the MAC knows of one UE: RNTI, state, timing advance, queues, HARQ, counters."""

    rnti: int
    index: int
    state: str = "msg3"
    timing_advance: int = 0
    ccch_sdu: bytes = b""
    identity: int | None = None
    dl_queue: bytearray = field(default_factory=bytearray)
    ul_expected: int = 0
    ul_received: bytearray = field(default_factory=bytearray)
    dl_harq: dict[int, HARQProcess] = field(default_factory=dict)
    ul_harq: dict[int, HARQProcess] = field(default_factory=dict)
    ack_slots: set[int] = field(default_factory=set)
    attach_slot: int | None = None
    rach_slot: int = 0
    dl_tx: int = 0
    dl_retx: int = 0
    dl_nack: int = 0
    dl_bytes_acked: int = 0
    ul_tx: int = 0
    ul_retx: int = 0
    ul_crc_fail: int = 0
    dl_scheduled_bits: int = 0
    ul_scheduled_bits: int = 0
    ul_bytes_ok: int = 0
    ul_snr_db: float | None = None
    cqi: int | None = None
    ri: int | None = None
    pmi: int | None = None
    csi_reports: int = 0
    csi_missed: int = 0
    cqi_history: list[tuple[int, int]] = field(default_factory=list)
    dl_mcs_used: list[int] = field(default_factory=list)
    dl_slots: list[int] = field(default_factory=list)
    pf_avg_dl: float = 1.0
    pf_avg_ul: float = 1.0


class MAC:
    """The test MAC (module docstring).

    Args:
        plan: the cell plan.
        dl_mcs, ul_mcs: the fixed MCS of the data.
        dl_data: bytes to send to each UE, by the UE identity its RRCSetupRequest carries
            (ng-5G-S-TMSI-Part1 or randomValue): what the core network would know.
        ul_bytes: bytes each UE sends, by the same identity.
        ul_link_adaptation: choose each new uplink TB's MCS from the UE's last PUSCH SNR
            (CRC.indication UL_CQI, :meth:`ul_mcs_for`) instead of ``ul_mcs``.
        dl_link_adaptation: choose each new downlink TB's MCS from the UE's last CQI report
            (:meth:`dl_mcs_for`) instead of ``dl_mcs``.
        scheduler: ``"rr"`` (round-robin) or ``"pf"`` (proportional fair, :meth:`pf_metric`).
        pf_window: T_c, the averaging window of the proportional-fair average rate in slots.

    >>> from softran.cell.plan import cell_plan
    >>> mac = MAC(cell_plan(20))
    >>> [type(m).__name__ for m in mac.slot(1)]         # slot 1: SIB1 (PDCCH + PDSCH)
    ['DlTtiRequest', 'TxDataRequest', 'UlTtiRequest']
    >>> [type(p).__name__ for p in mac.slot(21)[0].pdus], mac.slot(25)[-1].pdus[0].num_ra
    (['PdcchPdu', 'PdschPdu'], 0)
    """

    def __init__(self, plan: CellPlan, *, dl_mcs: int = 9, ul_mcs: int = 9,
                 dl_data: dict[int, bytes] | None = None,
                 ul_bytes: dict[int, int] | None = None,
                 ul_link_adaptation: bool = False, dl_link_adaptation: bool = False,
                 scheduler: str = "rr", pf_window: int = 50) -> None:
        self.plan = plan
        self.dl_mcs, self.ul_mcs = dl_mcs, ul_mcs
        self.ul_link_adaptation = bool(ul_link_adaptation)
        self.dl_link_adaptation = bool(dl_link_adaptation)
        self.scheduler = check_choice("scheduler", scheduler, ("rr", "pf"))
        self.pf_window = check_int("pf_window", pf_window, 1, 100_000)
        self._served: dict[tuple[str, int], int] = defaultdict(int)   # (dir, rnti) -> bits
        self.csi_ports = plan.csi_rs.ports if plan.csi_rs is not None else 1
        self._csi_of: dict[int, int] = {}                         # handle -> rnti (CSI)
        self.dl_data = dict(dl_data or {})
        self.ul_bytes = dict(ul_bytes or {})
        self.n_rb = plan.n_rb
        self.cell_id = plan.carrier.n_cell_id
        self.ues: dict[int, UEContext] = {}
        self._next_rnti = itertools.count(0x4601)
        self._rar_queue: list[tuple[int, int, int, int]] = []   # (slot, ra_rnti, rapid, ta)
        self._msg4_queue: list[int] = []
        self._ul_plan: dict[int, list[Any]] = defaultdict(list)   # slot -> UL_TTI PDUs
        self._ul_rbs: dict[int, int] = defaultdict(int)           # slot -> next free RB
        self._handles = itertools.count(1)
        self._handle_of: dict[int, tuple[int, int]] = {}          # handle -> (rnti, harq)
        self._ack_of: dict[tuple[int, int], int] = {}             # (slot, rnti) -> harq
        self._rr_dl = 0
        self._rr_ul = 0
        self.sib1 = encode_sib1(SIB1Info(cell_identity=self.cell_id,
                                         serving_cell=self.plan.serving_cell_common()))
        #: RBs of the SIB1 PDSCH (from RB 0, MCS 2): the fewest, at least 8, that carry it
        self.sib1_rbs = next(n for n in range(8, self.n_rb + 1)
                             if self.plan.pdsch(SI_RNTI, 0, n, 2).tb_sizes[0] // 8
                             >= len(self.sib1))
        self.rrc_setup = encode_rrc_setup()
        self.dci_size = dci_size_1_0(self.n_rb)
        self.log: list[tuple[int, str]] = []

    # -- helpers ---------------------------------------------------------------------------

    def _sfn_slot(self, slot: int) -> tuple[int, int]:
        spf = self.plan.slots_per_frame
        return (slot // spf) % 1024, slot % spf

    def _dci(self, rnti: int, cce: int, bits: list[int], al: int = 4) -> DlDci:
        return DlDci(rnti=rnti, scrambling_id=self.cell_id, scrambling_rnti=0, cce_index=cce,
                     aggregation_level=al, payload_size_bits=len(bits),
                     payload=pack_payload(bits))

    def _css_cce(self, cces: list[int]) -> int:
        """The first free AL-4 candidate of the common search space (its CCEs marked used)."""
        while cces:
            c = cces.pop(0)
            if not self._used.intersection(range(c, c + 4)):
                self._used.update(range(c, c + 4))
                return c
        raise RuntimeError("no free common-search-space candidate (callers check first)")

    def _css_free(self, cces: list[int]) -> bool:
        return any(not self._used.intersection(range(c, c + 4)) for c in cces)

    def _uss_cce(self, ue: UEContext, slot: int) -> int | None:
        """A free AL-2 candidate of ``ue``'s UE-specific search space (TS 38.213 §10.1
        hashing with its C-RNTI), its CCEs marked used; ``None`` when all are taken."""
        uss = self.plan.uss
        if uss is None:
            return None
        for c in pdcch_candidates(self.plan.coreset, uss, n_rnti=ue.rnti,
                                  n_slot=slot % self.plan.slots_per_frame)[2]:
            c = int(c)
            if not self._used.intersection(range(c, c + 2)):
                self._used.update(range(c, c + 2))
                return c
        return None

    def _pdcch(self, dcis: list[DlDci]) -> PdcchPdu:
        groups = [int(x) for x in self.plan.coreset.frequency_resources]
        bitmap = pack_payload(groups + [0] * (48 - len(groups)))
        return PdcchPdu(bwp_size=self.n_rb, bwp_start=0, subcarrier_spacing=1,
                        start_symbol_index=0, duration_symbols=self.plan.coreset.duration,
                        freq_domain_resource=bitmap, cce_reg_mapping_type=0,
                        reg_bundle_size=6, coreset_type=1, dl_dcis=tuple(dcis))

    def _pdsch(self, rnti: int, index: int, rb_start: int, n_rbs: int, mcs: int, rv: int,
               mcs_table: str = "qam64") -> tuple[PdschPdu, int]:
        cfg = self.plan.pdsch(rnti, rb_start, n_rbs, mcs, mcs_table)
        tbs = cfg.tb_sizes[0] // 8
        cw = PdschCodeword(target_code_rate=round(float(cfg.code_rate) * 10240),
                           qam_mod_order=cfg.qm, mcs_index=mcs,
                           mcs_table=("qam64", "qam256").index(mcs_table), rv_index=rv,
                           tb_size=tbs)
        pdu = PdschPdu(rnti=rnti, pdu_index=index, bwp_size=self.n_rb, bwp_start=0,
                       subcarrier_spacing=1, codewords=(cw,), data_scrambling_id=self.cell_id,
                       dl_dmrs_symb_pos=_DMRS_POS, dl_dmrs_scrambling_id=self.cell_id,
                       num_dmrs_cdm_grps_no_data=2, rb_start=rb_start, rb_size=n_rbs,
                       start_symbol_index=2, nr_of_symbols=12)
        return pdu, tbs

    def _pusch(self, rnti: int, rb_start: int, n_rbs: int, mcs: int, harq: int, rv: int,
               ndi_new: bool, handle: int) -> tuple[PuschPdu, int]:
        cfg = self.plan.pusch(rnti, rb_start, n_rbs, mcs)
        tbs = cfg.tb_size // 8
        pdu = PuschPdu(rnti=rnti, handle=handle, bwp_size=self.n_rb, bwp_start=0,
                       subcarrier_spacing=1, target_code_rate=round(float(cfg.code_rate) * 10240),
                       qam_mod_order=cfg.qm, mcs_index=mcs, transform_precoding=1,
                       data_scrambling_id=self.cell_id, ul_dmrs_symb_pos=_DMRS_POS,
                       ul_dmrs_scrambling_id=self.cell_id, num_dmrs_cdm_grps_no_data=2,
                       rb_start=rb_start, rb_size=n_rbs, start_symbol_index=0, nr_of_symbols=14,
                       pusch_data=PuschData(rv_index=rv, harq_process_id=harq,
                                            new_data_indicator=int(ndi_new), tb_size=tbs))
        return pdu, tbs

    def _pucch(self, ue: UEContext) -> PucchPdu:
        cfg = self.plan.pucch(ue.index % 4)
        return PucchPdu(rnti=ue.rnti, handle=next(self._handles), bwp_size=self.n_rb,
                        bwp_start=0, subcarrier_spacing=1, format_type=1,
                        prb_start=cfg.prb_set[0], prb_size=1, start_symbol_index=0,
                        nr_of_symbols=14, hopping_id=self.cell_id,
                        initial_cyclic_shift=cfg.initial_cyclic_shift,
                        time_domain_occ_idx=cfg.occ_index, bit_len_harq=1)

    def ul_mcs_for(self, ue: UEContext) -> int:
        """The MCS of a new uplink TB of ``ue``: ``ul_mcs``, or with uplink link adaptation
        the highest MCS (table qam64, 0..27) whose spectral efficiency Q_m R is at most
        ``log2(1 + SNR / 2)`` (3 dB from the Shannon bound) at the UE's last PUSCH SNR.

        >>> from softran.cell.plan import cell_plan
        >>> mac = MAC(cell_plan(20), ul_link_adaptation=True)
        >>> ue = UEContext(rnti=0x4601, index=0)
        >>> mac.ul_mcs_for(ue), [mac.ul_mcs_for(UEContext(1, 0, ul_snr_db=x)) for x in (0, 10, 25)]
        (9, [3, 17, 27])
        """
        if not self.ul_link_adaptation or ue.ul_snr_db is None:
            return self.ul_mcs
        capacity = math.log2(1 + 10 ** (ue.ul_snr_db / 10) / 2)
        best = 0
        for m in range(28):
            cfg = self.plan.pusch(1, 0, 1, m)
            if cfg.qm * float(cfg.code_rate) <= capacity:
                best = m
        return best

    def dl_mcs_for(self, ue: UEContext) -> int:
        """The MCS of a new downlink TB of ``ue``: ``dl_mcs``, or with downlink link
        adaptation the MCS of its last CQI (:func:`softran.nr.mcs_for_cqi`, CQI table 1 ->
        MCS table qam64).

        >>> from softran.cell.plan import cell_plan
        >>> mac = MAC(cell_plan(20), dl_mcs=5, dl_link_adaptation=True)
        >>> mac.dl_mcs_for(UEContext(1, 0)), [mac.dl_mcs_for(UEContext(1, 0, cqi=c)) for c in (3, 9, 15)]
        (5, [2, 15, 28])
        """
        table = self.plan.dl_mcs_table
        if not self.dl_link_adaptation or ue.cqi is None:
            if table == "qam64":
                return self.dl_mcs
            # dl_mcs is of table qam64: the MCS of the configured table with no larger
            # spectral efficiency
            se = mcs_table("qam64")[self.dl_mcs].spectral_efficiency or 0.0
            return max((e.mcs_index for e in mcs_table(table) if not e.reserved
                        and e.spectral_efficiency <= se), default=0)
        return mcs_for_cqi(ue.cqi, self.plan.csi_cqi_table)

    def pf_metric(self, ue: UEContext, direction: str = "dl") -> float:
        """The proportional-fair metric of ``ue`` (Kelly / Jalali et al.): the rate it would
        get now, the TB bits of a new TB at its current MCS (:meth:`dl_mcs_for` on all RBs, or
        :meth:`ul_mcs_for` on the uplink RBs), over its average served rate R, an exponential
        average over T_c = ``pf_window`` slots, ``R <- (1 - 1/T_c) R + (1/T_c) b`` with b the
        TB bits scheduled to it in the slot (0 when not scheduled), updated every slot for
        every attached UE (:meth:`slot`). With rates that stay fixed PF shares the slots
        equally, like round-robin; with rates that vary it serves each UE near its peaks.

        >>> from softran.cell.plan import cell_plan
        >>> mac = MAC(cell_plan(20), dl_link_adaptation=True, scheduler="pf")
        >>> a, b = UEContext(1, 0, cqi=15), UEContext(2, 1, cqi=15, pf_avg_dl=2.0)
        >>> mac.pf_metric(a) == 2 * mac.pf_metric(b)
        True
        """
        if direction == "dl":
            cfg = self.plan.pdsch(1, 0, self.n_rb, self.dl_mcs_for(ue), self.plan.dl_mcs_table)
            return cfg.tb_sizes[0] / max(ue.pf_avg_dl, 1e-9)
        cfg = self.plan.pusch(1, 0, self.plan.pusch_prbs, self.ul_mcs_for(ue))
        return cfg.tb_size / max(ue.pf_avg_ul, 1e-9)

    def _order(self, ues: list[UEContext], direction: str) -> list[UEContext]:
        """The UEs in the order the scheduler tries them: round-robin from the pointer, or by
        descending PF metric (UEs with a retransmission pending first)."""
        if self.scheduler == "rr":
            start = self._rr_dl if direction == "dl" else self._rr_ul
            return [ues[(start + k) % len(ues)] for k in range(len(ues))]
        harq = "dl_harq" if direction == "dl" else "ul_harq"
        return sorted(ues, key=lambda u: (not any(p.busy and p.retx for p in
                                                  getattr(u, harq).values()),
                                          -self.pf_metric(u, direction)))

    def _pf_update(self) -> None:
        a = 1.0 / self.pf_window
        for ue in self.ues.values():
            if ue.state == "connected":
                ue.pf_avg_dl = (1 - a) * ue.pf_avg_dl + a * self._served.get(("dl", ue.rnti), 0)
                ue.pf_avg_ul = (1 - a) * ue.pf_avg_ul + a * self._served.get(("ul", ue.rnti), 0)
        self._served.clear()

    def _k1(self, ue: UEContext, slot: int) -> int | None:
        for k1 in range(1, 9):                       # dl-DataToUL-ACK of DCI 1_0: 1..8
            s = slot + k1
            if s % 2 == 1 and s not in ue.ack_slots and not self.plan.is_csi_report_slot(s):
                return k1
        return None

    def _k2(self, slot: int, n_rbs: int, msg3: bool = False) -> tuple[int, int, int] | None:
        """(tdra, K2, first RB) of a 14-symbol PUSCH in an even slot with ``n_rbs`` free."""
        mu = self.plan.carrier.mu
        for tdra in (0, 7, 10, 14):                  # rows 1, 8, 11, 15: S = 0, L = 14
            k2 = pusch_time_allocation(tdra, mu, msg3=msg3).k
            s = slot + k2
            if s % 2 == 0 and self._ul_rbs[s] + n_rbs <= self.plan.pusch_prbs:
                return tdra, k2, self._ul_rbs[s]
        return None

    # -- one slot --------------------------------------------------------------------------

    def slot(self, slot: int) -> list[Any]:
        """The requests of absolute slot ``slot``: DL_TTI, UL_DCI, TX_DATA, UL_TTI."""
        sfn, s = self._sfn_slot(slot)
        dl_pdus: list[Any] = []
        dl_dcis: list[DlDci] = []
        ul_dcis: list[DlDci] = []
        tx: list[TxDataPdu] = []
        cces = [int(c) for c in pdcch_candidates(self.plan.coreset, self.plan.search_space,
                                                 n_rnti=None, n_slot=s)[4]]
        self._used: set[int] = set()
        pdsch_free = s != self.plan.ssb_slot
        if s == self.plan.ssb_slot:
            dl_pdus.append(self._ssb(sfn))
        self._csi(slot, dl_pdus)
        if s == self.plan.sib1_slot and cces:
            pdu, tbs = self._pdsch(SI_RNTI, len(tx), 0, self.sib1_rbs, 2, 0)
            bits = pack_dci(DCI1_0(fdra=riv(self.n_rb, 0, self.sib1_rbs), mcs=2,
                                   rnti_type="si"), self.n_rb)
            dl_dcis.append(self._dci(SI_RNTI, self._css_cce(cces), bits))
            dl_pdus.append(pdu)
            tx.append(TxDataPdu.of(pdu.pdu_index, self.sib1 + bytes(tbs - len(self.sib1))))
            pdsch_free = False
        if pdsch_free and cces:
            pdsch_free = not self._schedule_rar(slot, dl_pdus, dl_dcis, tx, cces)
        if pdsch_free and cces:
            pdsch_free = not self._schedule_msg4(slot, dl_pdus, dl_dcis, tx, cces)
        if pdsch_free:
            self._schedule_dl(slot, dl_pdus, dl_dcis, tx, cces)
        self._schedule_ul(slot, ul_dcis, cces)
        self._pf_update()
        if s in self.plan.prach_slots:
            self._ul_plan[slot].append(PrachPdu(phys_cell_id=self.cell_id, num_prach_ocas=1,
                                                prach_format=0, num_ra=0,
                                                prach_start_symbol=0, num_cs=0))
        if dl_dcis:
            dl_pdus.insert(0, self._pdcch(dl_dcis))
        out: list[Any] = [DlTtiRequest(sfn=sfn, slot=s, pdus=tuple(dl_pdus))]
        if ul_dcis:
            out.append(UlDciRequest(sfn=sfn, slot=s, pdus=(self._pdcch(ul_dcis),)))
        if tx:
            out.append(TxDataRequest(sfn=sfn, slot=s, pdus=tuple(tx)))
        out.append(UlTtiRequest(sfn=sfn, slot=s, pdus=tuple(self._ul_plan.pop(slot, []))))
        self._ul_rbs.pop(slot, None)
        return out

    def _csi(self, slot: int, dl_pdus: list) -> None:
        """The CSI-RS and CSI-IM of the slot; the PUCCH format 2 of each UE's CSI report."""
        plan = self.plan
        if plan.csi_rs is None or plan.csi_im is None:
            return
        carrier = plan.carrier_at(slot)
        for res in (plan.csi_rs, plan.csi_im):
            if res.is_active(carrier):
                dl_pdus.append(csi_rs_pdu(res, bwp_size=self.n_rb))
        if not plan.is_csi_report_slot(slot):
            return
        # the UE reports on the last CSI-RS before the CSI reference resource (4 2^mu slots
        # back); only a UE attached by then has measured one
        last = slot - 4 * 2 ** plan.carrier.mu
        while last >= 0 and not plan.csi_rs.is_active(plan.carrier_at(last)):
            last -= 1
        for ue in self.ues.values():
            if ue.state != "connected" or ue.attach_slot is None or ue.attach_slot > last:
                continue
            cfg = plan.pucch_csi(ue.index % 4, ue.rnti)   # r: Msg4's PUCCH resource
            h = next(self._handles)
            self._csi_of[h] = ue.rnti
            self._ul_plan[slot].append(PucchPdu(
                rnti=ue.rnti, handle=h, bwp_size=self.n_rb, bwp_start=0, subcarrier_spacing=1,
                format_type=2, prb_start=cfg.prb_set[0], prb_size=len(cfg.prb_set),
                start_symbol_index=cfg.symbol_allocation[0],
                nr_of_symbols=cfg.symbol_allocation[1], data_scrambling_id=cfg.n_id,
                dmrs_scrambling_id=cfg.n_id0, bit_len_csi_part1=csi_part1_size(self.csi_ports)))

    def _ssb(self, sfn: int) -> SsbPdu:
        k0 = self.plan.ssb_first_subcarrier * self.plan.carrier.subcarrier_spacing // 15
        kssb = k_ssb(self.plan.carrier, self.plan.ssb_first_subcarrier, 30)  # TS 38.211 §7.4.3.1
        mib = MIB(system_frame_number=sfn, sub_carrier_spacing_common=30,
                  ssb_subcarrier_offset=kssb % 16, dmrs_type_a_position=2)
        bits = mib.pack().to(torch.int64)                 # MSB first: the BCH payload as a u32
        payload = int((bits << torch.arange(bits.numel() - 1, -1, -1)).sum())
        return SsbPdu(phys_cell_id=self.cell_id, ssb_block_index=0, ssb_subcarrier_offset=kssb,
                      ssb_offset_point_a=k0 // 12, bch_payload_flag=1, bch_payload=payload)

    def _schedule_rar(self, slot: int, dl_pdus: list, dl_dcis: list, tx: list,
                      cces: list[int]) -> bool:
        live = [r for r in self._rar_queue if slot <= r[0] + self.plan.ra_response_window]
        self._rar_queue = [r for r in self._rar_queue if r not in live]
        if not live:
            return False
        rnti = live[0][1]
        mine = [r for r in live if r[1] == rnti]
        for r in live:
            if r[1] != rnti:
                self._rar_queue.append(r)
        subs = []
        for entry in mine:
            _, _, rapid, ta = entry
            n_rbs = 10
            k = self._k2(slot, n_rbs, msg3=True)
            if k is None:                    # no uplink room for Msg3: try in the next slot
                self._rar_queue.append(entry)
                continue
            tdra, k2, rb0 = k
            self._ul_rbs[slot + k2] += n_rbs
            tc = next(self._next_rnti)
            ue = UEContext(rnti=tc, index=len(self.ues), timing_advance=ta, rach_slot=slot)
            self.ues[tc] = ue
            h = next(self._handles)
            self._handle_of[h] = (tc, -1)
            pdu, _ = self._pusch(tc, rb0, n_rbs, 2, 0, 0, True, h)
            self._ul_plan[slot + k2].append(pdu)
            grant = RARGrant(fdra=riv(self.n_rb, rb0, n_rbs), tdra=tdra, mcs=2)
            subs.append(RARSubPDU(rapid=rapid, timing_advance=ta, ul_grant=grant.to_int(),
                                  tc_rnti=tc))
            self.log.append((slot, (f"RAR for preamble {rapid}: TC-RNTI {tc:#06x}, TA {ta}, "
                                    f"Msg3 in slot {slot + k2}")))
        if not subs:
            return False
        pdu, tbs = self._pdsch(rnti, len(tx), 0, 4, 2, 0)
        bits = pack_dci(DCI1_0(fdra=riv(self.n_rb, 0, 4), mcs=2, rnti_type="ra"), self.n_rb)
        dl_dcis.append(self._dci(rnti, self._css_cce(cces), bits))
        dl_pdus.append(pdu)
        tx.append(TxDataPdu.of(pdu.pdu_index, build_rar_pdu(subs, tbs)))
        return True

    def _schedule_msg4(self, slot: int, dl_pdus: list, dl_dcis: list, tx: list,
                       cces: list[int]) -> bool:
        if not self._css_free(cces):
            return False
        for rnti in list(self._msg4_queue):
            ue = self.ues[rnti]
            proc = ue.dl_harq.setdefault(0, HARQProcess())
            if proc.busy and not proc.retx:
                continue
            k1 = self._k1(ue, slot)
            if k1 is None:
                continue
            if not proc.busy:
                proc.rb_start, proc.n_rbs, proc.mcs = 0, 4, 2
                _, tbs = self._pdsch(rnti, 0, 0, 4, 2, 0)
                proc.tb = build_mac_pdu([MACSubPDU(LCID_CONTENTION_RESOLUTION,
                                                   ue.ccch_sdu[:6]),
                                         MACSubPDU(LCID_CCCH, self.rrc_setup)], tbs)
                proc.ndi ^= 1
                proc.tx = 0
            self._send_dl(slot, ue, 0, proc, k1, dl_pdus, dl_dcis, tx, cces)
            self._msg4_queue.remove(rnti)
            return True
        return False

    def _send_dl(self, slot: int, ue: UEContext, h: int, proc: HARQProcess, k1: int,
                 dl_pdus: list, dl_dcis: list, tx: list, cces: list[int],
                 cce: int | None = None) -> None:
        """One PDSCH of ``proc``: DCI 1_1 on the UE-specific candidate ``cce`` (AL 2) for a
        dedicated process, else DCI 1_0 on a common one."""
        rv = _RV[proc.tx % 4]
        table = self.plan.dl_mcs_table if proc.dedicated else "qam64"
        pdu, tbs = self._pdsch(ue.rnti, len(tx), proc.rb_start, proc.n_rbs, proc.mcs, rv, table)
        fields = {"fdra": riv(self.n_rb, proc.rb_start, proc.n_rbs), "mcs": proc.mcs,
                  "ndi": proc.ndi, "rv": rv, "harq_process": h, "harq_timing": k1 - 1,
                  "pucch_resource": ue.index % 4}
        if proc.dedicated:
            assert cce is not None
            bits = pack_dci(DCI1_1(**fields), self.n_rb)
            dl_dcis.append(self._dci(ue.rnti, cce, bits, al=2))
        else:
            bits = pack_dci(DCI1_0(**fields), self.n_rb)
            dl_dcis.append(self._dci(ue.rnti, self._css_cce(cces), bits))
        dl_pdus.append(pdu)
        tx.append(TxDataPdu.of(pdu.pdu_index, proc.tb))
        if proc.tx:
            ue.dl_retx += 1
        ue.dl_tx += 1
        ue.dl_scheduled_bits += 8 * tbs
        ue.dl_slots.append(slot)
        self._served[("dl", ue.rnti)] += 8 * tbs
        proc.tx += 1
        proc.busy, proc.retx = True, False
        ue.ack_slots.add(slot + k1)
        self._ack_of[(slot + k1, ue.rnti)] = h
        self._ul_plan[slot + k1].append(self._pucch(ue))

    def _schedule_dl(self, slot: int, dl_pdus: list, dl_dcis: list, tx: list,
                     cces: list[int]) -> None:
        ues = [u for u in self.ues.values() if u.state == "connected"]
        if not ues:
            return
        for ue in self._order(ues, "dl"):
            retx = [(h, p) for h, p in ue.dl_harq.items() if p.busy and p.retx]
            k1 = self._k1(ue, slot)
            if k1 is None:
                continue
            cce = None
            if retx:
                h, proc = retx[0]
                if not proc.dedicated and not self._css_free(cces):
                    continue
                if proc.dedicated and (cce := self._uss_cce(ue, slot)) is None:
                    continue
            elif ue.dl_queue:
                free = [h for h in range(self.plan.harq_processes)
                        if not ue.dl_harq.get(h, HARQProcess()).busy]
                if not free or (cce := self._uss_cce(ue, slot)) is None:
                    continue
                h = free[0]
                proc = ue.dl_harq.setdefault(h, HARQProcess())
                proc.rb_start, proc.n_rbs, proc.mcs = 0, self.n_rb, self.dl_mcs_for(ue)
                proc.dedicated = True
                ue.dl_mcs_used.append(proc.mcs)
                _, tbs = self._pdsch(ue.rnti, 0, 0, self.n_rb, proc.mcs, 0,
                                     self.plan.dl_mcs_table)
                room = tbs - (3 if tbs - 3 >= 256 else 2)
                chunk = bytes(ue.dl_queue[:room])
                del ue.dl_queue[:len(chunk)]
                proc.tb = build_mac_pdu([MACSubPDU(LCID_DRB, chunk)], tbs)
                proc.ndi ^= 1
                proc.tx = 0
            else:
                continue
            self._send_dl(slot, ue, h, proc, k1, dl_pdus, dl_dcis, tx, cces, cce)
            self._rr_dl = (ues.index(ue) + 1) % len(ues)
            return

    def _schedule_ul(self, slot: int, ul_dcis: list, cces: list[int]) -> None:
        ues = [u for u in self.ues.values() if u.state == "connected"]
        for ue in self._order(ues, "ul") if ues else []:
            retx = [(h, p) for h, p in ue.ul_harq.items() if p.busy and p.retx]
            pending = ue.ul_expected - len(ue.ul_received) - sum(
                p.n_rbs and len(p.tb) for p in ue.ul_harq.values() if p.busy)
            if not retx and pending <= 0:
                continue
            n_rbs = self.plan.pusch_prbs
            if retx:
                h, proc = retx[0]
                n_rbs = proc.n_rbs
            when = self._k2(slot, n_rbs)
            if when is None:
                continue
            free = [h for h in range(self.plan.harq_processes)
                    if not ue.ul_harq.get(h, HARQProcess()).busy]
            if not retx and not free:
                continue
            cce = self._uss_cce(ue, slot)
            if cce is None:
                continue
            tdra, k2, rb0 = when
            if retx:
                proc.retx = False
            else:
                h = free[0]
                proc = ue.ul_harq.setdefault(h, HARQProcess())
                proc.rb_start, proc.n_rbs, proc.mcs = rb0, n_rbs, self.ul_mcs_for(ue)
                proc.ndi ^= 1
                proc.tx = 0
                _, tbs = self._pusch(ue.rnti, rb0, n_rbs, proc.mcs, h, 0, True, 0)
                proc.tb = bytes(tbs)          # the size the UE fills (placeholder contents)
            rv = _RV[proc.tx % 4]
            handle = next(self._handles)
            self._handle_of[handle] = (ue.rnti, h)
            pdu, tbs = self._pusch(ue.rnti, proc.rb_start, proc.n_rbs, proc.mcs, h, rv,
                                   proc.tx == 0, handle)
            self._ul_plan[slot + k2].append(pdu)
            self._ul_rbs[slot + k2] += proc.n_rbs
            bits = pack_dci(DCI0_1(fdra=riv(self.n_rb, proc.rb_start, proc.n_rbs), tdra=tdra,
                                   mcs=proc.mcs, ndi=proc.ndi, rv=rv, harq_process=h),
                            self.n_rb)
            ul_dcis.append(self._dci(ue.rnti, cce, bits, al=2))
            if proc.tx:
                ue.ul_retx += 1
            ue.ul_tx += 1
            ue.ul_scheduled_bits += 8 * tbs
            self._served[("ul", ue.rnti)] += 8 * tbs
            proc.tx += 1
            proc.busy = True
            self._rr_ul = (ues.index(ue) + 1) % len(ues)
            return

    # -- indications -----------------------------------------------------------------------

    def indication(self, msg: Any, slot: int) -> None:
        """Take one indication of absolute slot ``slot`` from the PHY."""
        if isinstance(msg, RachIndication):
            for pdu in msg.pdus:
                rnti = ra_rnti(pdu.symbol_index, pdu.slot_index, pdu.freq_index)
                for p in pdu.preambles:
                    self._rar_queue.append((slot, rnti, p.preamble_index, p.timing_advance))
                    self.log.append((slot, (f"preamble {p.preamble_index} detected, TA "
                                            f"{p.timing_advance}")))
        elif isinstance(msg, CrcIndication):
            for c in msg.crcs:
                rnti, h = self._handle_of.pop(c.handle, (c.rnti, c.harq_id))
                ue = self.ues.get(rnti)
                if ue is not None and c.ul_cqi:
                    ue.ul_snr_db = (c.ul_cqi - 128) / 2      # SCF 222: 0.5 dB from -64 dB
                if ue is None or h < 0:
                    if ue is not None and c.tb_crc_status:
                        self.log.append((slot, f"Msg3 of {rnti:#06x} failed CRC"))
                        del self.ues[rnti]
                    continue
                proc = ue.ul_harq[h]
                if c.tb_crc_status == 0:
                    proc.busy = False
                    ue.ul_bytes_ok += len(proc.tb)
                else:
                    ue.ul_crc_fail += 1
                    if proc.tx >= _MAX_TX:
                        proc.busy = False
                    else:
                        proc.retx = True
        elif isinstance(msg, RxDataIndication):
            for p in msg.pdus:
                ue = self.ues.get(p.rnti)
                if ue is None:
                    continue
                for sub in parse_mac_pdu(p.pdu, direction="UL"):
                    if sub.lcid == LCID_CCCH_48 and ue.state == "msg3":
                        ue.ccch_sdu = sub.payload
                        ue.state = "msg4"
                        self._msg4_queue.append(ue.rnti)
                        kind, value, cause = decode_rrc_setup_request(sub.payload)
                        ue.identity = value
                        self.log.append((slot, (f"Msg3 from {ue.rnti:#06x}: RRCSetupRequest "
                                                f"{cause}, {kind} {value:#x}")))
                    elif sub.lcid == LCID_DRB:
                        ue.ul_received += sub.payload
        elif isinstance(msg, UciIndication):
            for u in msg.ucis:
                if isinstance(u, UciPucchF234) and u.handle in self._csi_of:
                    self._on_csi(slot, u)
                    continue
                ue = self.ues.get(u.rnti)
                h = self._ack_of.pop((slot, u.rnti), None)
                if ue is None or h is None or u.harq is None:
                    continue
                ue.ack_slots.discard(slot)
                ack = u.harq.harq_values[0] == 0
                proc = ue.dl_harq[h]
                if ack:
                    proc.busy = False
                    ue.dl_bytes_acked += len(proc.tb)
                    if ue.state == "msg4":
                        ue.state = "connected"
                        ue.attach_slot = slot
                        ue.dl_queue += self.dl_data.get(ue.identity, b"")
                        ue.ul_expected = self.ul_bytes.get(ue.identity, 0)
                        self.log.append((slot, f"UE {ue.rnti:#06x} attached"))
                else:
                    ue.dl_nack += 1
                    if proc.tx >= _MAX_TX:
                        proc.busy = False
                    else:
                        proc.retx = True
                        if ue.state == "msg4":
                            self._msg4_queue.append(ue.rnti)

    def _on_csi(self, slot: int, u: UciPucchF234) -> None:
        """A periodic CSI report (CSI part 1 on PUCCH format 2)."""
        rnti = self._csi_of.pop(u.handle)
        ue = self.ues.get(rnti)
        if ue is None:
            return
        part = u.csi_part1
        if part is None or part.csi_crc == 1:               # DTX or CRC failure
            ue.csi_missed += 1
            return
        bits = unpack_payload(part.csi_payload, part.csi_bit_len)
        rep = unpack_csi_part1(bits, self.csi_ports)
        ue.cqi, ue.ri, ue.pmi = rep.cqi, rep.ri, rep.pmi
        ue.csi_reports += 1
        ue.cqi_history.append((slot, rep.cqi))
        self.log.append((slot, (f"CSI from {rnti:#06x}: CQI {rep.cqi}, RI {rep.ri}, "
                                f"PMI {rep.pmi}")))

    def expire(self, slot: int) -> None:
        """HARQ-ACKs that never came (the PHY had nothing to report): DTX, as a NACK."""
        for (s, rnti), h in list(self._ack_of.items()):
            if s < slot:
                del self._ack_of[(s, rnti)]
                ue = self.ues.get(rnti)
                if ue is None:
                    continue
                proc = ue.dl_harq[h]
                ue.ack_slots.discard(s)
                ue.dl_nack += 1
                if proc.tx >= _MAX_TX:
                    proc.busy = False
                else:
                    proc.retx = True
                    if ue.state == "msg4":
                        self._msg4_queue.append(rnti)
