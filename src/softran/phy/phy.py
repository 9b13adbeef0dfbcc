"""A slot-driven L1 that serves SCF 222 FAPI P7 messages with softran's NR blocks and drives
the O-DU end of the O-RAN 7.2x fronthaul.

Per slot the MAC sends DL_TTI.request, UL_DCI.request, TX_DATA.request and UL_TTI.request
(:meth:`PHY.handle`); :meth:`PHY.downlink` builds the slot's resource grid and sends it as
C-plane + compressed U-plane through the O-DU endpoint (:class:`softran.oran.endpoints.ODU`);
:meth:`PHY.uplink` asks the O-RU for the slot's uplink (C-plane), rebuilds the grid from the
U-plane it answers with and decodes the PDUs of UL_TTI.request into CRC.indication,
RX_DATA.indication, UCI.indication and RACH.indication (SCF 222.10.02 §3.4).

PDUs served: SSB (bchPayloadFlag 1: the MAC gives the 24-bit MIB, the PHY adds the timing
bits; SS/PBCH block of TS 38.211 §7.4.3.1 with bch_encode of TS 38.212 §7.1), PDCCH (DCI coding
TS 38.212 §7.3, PDCCH TS 38.211 §7.3.2 with its DM-RS §7.4.1.3), PDSCH (one codeword,
:class:`~softran.nr.PDSCHTransmitter`), CSI-RS (one port, or zero power; TS 38.211 §7.4.1.5,
:mod:`softran.phy.csi_rs`), PUSCH (:class:`~softran.nr.PUSCHReceiver` with HARQ soft combining
per (RNTI, HARQ process)), PUCCH format 0 / 1 (HARQ-ACK) and format 2 (CSI part 1, reported as
UCI.indication format 2/3/4 PDU) (:class:`~softran.nr.PUCCHReceiver`) and PRACH (:class:`~softran.nr.PRACHDetector`). The carrier, the SS/PBCH burst and the PRACH
configuration come from the cell plan (the PHY does not parse CONFIG.request TLVs).

The PRACH comes over the fronthaul when the O-DU endpoint has a PRACH flow (``odu.prach``):
a C-plane section type 3 asks the O-RU for the occasion, whose answer -- the frequency-domain
samples of each PRACH symbol (:mod:`softran.oran.prach`) -- the detector takes
(:meth:`~softran.nr.PRACHDetector.detect_bins`); without one, from time-domain samples of the
PRACH subframe (``prach_source``). A request for another slot than the current one, or a PDU the PHY cannot serve,
gets an ERROR.indication (SCF 222 Table 3-31: SFN_OUT_OF_SYNC, MSG_SLOT_ERR, MSG_UL_DCI_ERR,
MSG_TX_ERR) and is dropped; the PHY does not stop.
"""

from __future__ import annotations

import time
from collections import defaultdict
from collections.abc import Callable
from typing import Any

import numpy as np
import torch

from softran.fapi import (
    CrcIndication,
    CrcPdu,
    CsiRsPdu,
    DlTtiRequest,
    ErrorCode,
    ErrorIndication,
    PdcchPdu,
    PdschPdu,
    PrachPdu,
    PucchPdu,
    PuschPdu,
    RachIndication,
    RachPdu,
    RachPreamble,
    RxDataIndication,
    RxDataPdu,
    SlotIndication,
    SsbPdu,
    TxDataRequest,
    UciCsiPart,
    UciHarqF01,
    UciIndication,
    UciPucchF01,
    UciPucchF234,
    UlDciRequest,
    UlTtiRequest,
    pack_payload,
    unpack_payload,
)
from softran.nr import (
    MIB,
    CarrierConfig,
    CORESETConfig,
    PDSCHConfig,
    PDSCHTransmitter,
    PRACHConfig,
    PRACHDetector,
    PUCCHConfig,
    PUCCHReceiver,
    PUSCHConfig,
    PUSCHReceiver,
    bch_encode,
    csi_rs,
    csi_rs_indices,
    dci_encode,
    pdcch,
    pdcch_dmrs,
    pdcch_indices,
    ssb_candidate_symbols,
    ssb_grid,
)
from softran.nr.ofdm import INV_TC
from softran.phy.csi_rs import csi_rs_config
from softran.validation import check_int

__all__ = ["PHY", "PHYTimes", "ul_cqi"]

_SCS_OF_MU = (15, 30, 60, 120, 240)


class PHYTimes:
    """CPU seconds per stage, summed over slots (``add(stage, seconds)``; ``per_slot()``)."""

    def __init__(self) -> None:
        self.total: dict[str, float] = defaultdict(float)
        self.slots = 0

    def add(self, stage: str, seconds: float) -> None:
        self.total[stage] += seconds

    def per_slot(self) -> dict[str, float]:
        """Mean CPU seconds per slot of each stage.

        >>> t = PHYTimes(); t.add("pdsch", 0.5); t.slots = 2; t.per_slot()
        {'pdsch': 0.25}
        """
        return {k: v / max(self.slots, 1) for k, v in self.total.items()}


def ul_cqi(sinr: torch.Tensor | None) -> int:
    """SCF 222.10.02 UL_CQI of a post-equalisation SINR (linear, per RE): the SNR in dB of
    its mean, coded ``round(2 SNR + 128)`` (0.5 dB steps from -64 dB, 0..255; 0 when there
    is no estimate).

    >>> ul_cqi(torch.full((1, 1, 10), 100.0)), ul_cqi(None)
    (168, 0)
    """
    if sinr is None or sinr.numel() == 0:
        return 0
    mean = float(sinr.float().mean())
    db = 10 * np.log10(mean) if mean > 0 else -64.0
    return int(min(255, max(0, round(2 * db + 128))))


def _bitmap_bits(data: bytes, n: int) -> tuple[int, ...]:
    return tuple(int(b) for b in np.unpackbits(np.frombuffer(data, dtype=np.uint8))[:n])


class PHY:
    """The L1 of the O-DU (module docstring).

    Args:
        carrier: the carrier (cell identity, numerology, size).
        prach: the PRACH configuration of the cell.
        odu: the O-DU fronthaul endpoint (:class:`softran.oran.endpoints.ODU`), or ``None``
            to keep grids in the PHY (``last_dl_grid``; uplink from ``uplink_source``).
        pump: called after each fronthaul send so an in-process O-RU can answer (inline mode);
            when it returns ``True`` everything the O-RU answered has been received (the
            O-DU does not wait for more).
        prach_source: ``f(slot) -> samples [1, T]`` of the PRACH subframe, from its start.
        uplink_source: without an O-DU, ``f(slot) -> uplink grid [1, 14, K]``.

    >>> from softran.cell.mac import MAC
    >>> from softran.cell.plan import cell_plan
    >>> plan = cell_plan(20)
    >>> phy, mac = PHY(plan.carrier, plan.prach), MAC(plan)
    >>> phy.slot_indication(0)
    SlotIndication(sfn=0, slot=0)
    >>> [phy.handle(m) for m in mac.slot(0)]           # DL_TTI (SSB, CSI-RS), UL_TTI
    [[], []]
    >>> grid = phy.downlink()                           # SS/PBCH block 2-5, CSI-RS 6
    >>> (grid[0].abs().sum(-1) > 0).nonzero().flatten().tolist()
    [2, 3, 4, 5, 6]
    """

    def __init__(self, carrier: CarrierConfig, prach: PRACHConfig, *, odu: Any = None,
                 pump: Callable[[], None] | None = None,
                 prach_source: Callable[[int], torch.Tensor] | None = None,
                 uplink_source: Callable[[int], torch.Tensor] | None = None) -> None:
        self.carrier = carrier
        self.prach = prach
        self.odu = odu
        self.pump: Callable[[], Any] = pump or (lambda: None)
        self.prach_source = prach_source
        self.uplink_source = uplink_source
        self.slot = 0                               # absolute slot being prepared
        self.times = PHYTimes()
        self.errors: list[ErrorIndication] = []
        self.last_dl_grid: torch.Tensor | None = None
        self._dl: dict[int, list[Any]] = defaultdict(list)
        self._ul: dict[int, list[Any]] = defaultdict(list)
        self._tx_data: dict[int, dict[int, bytes]] = defaultdict(dict)
        self._pdsch_tx: dict[tuple, PDSCHTransmitter] = {}
        self._pusch_rx: dict[tuple, PUSCHReceiver] = {}
        self._pusch_dec: dict[tuple, Any] = {}
        self._pucch_rx: dict[tuple, PUCCHReceiver] = {}
        self._prach_det: PRACHDetector | None = None
        self.counters: dict[str, int] = defaultdict(int)
        self._ul_asked: set[tuple[int, str]] = set()      # uplink C-plane sent with the DL

    # -- time ------------------------------------------------------------------------------

    @property
    def slots_per_frame(self) -> int:
        return self.carrier.slots_per_frame

    def sfn_slot(self, slot: int) -> tuple[int, int]:
        """``(SFN, slot)`` of an absolute slot."""
        return (slot // self.slots_per_frame) % 1024, slot % self.slots_per_frame

    def _carrier(self, slot: int) -> CarrierConfig:
        return self.carrier.model_copy(update={"n_slot": slot % (1024 * self.slots_per_frame),
                                               "n_frame": self.sfn_slot(slot)[0]})

    def slot_indication(self, slot: int) -> SlotIndication:
        """SLOT.indication of absolute slot ``slot``; requests for it are accepted next."""
        self.slot = check_int("slot", slot, 0)
        sfn, s = self.sfn_slot(slot)
        return SlotIndication(sfn=sfn, slot=s)

    # -- requests --------------------------------------------------------------------------

    def _error(self, msg: Any, code: Any) -> ErrorIndication:
        err = ErrorIndication(sfn=msg.sfn, slot=msg.slot, message_id=int(msg.MESSAGE_TYPE),
                              error_code=int(code))
        self.errors.append(err)
        self.counters["error.indication"] += 1
        return err

    def handle(self, msg: Any) -> list[ErrorIndication]:
        """Accept one P7 request for the current slot; return the ERROR.indications it caused
        (empty: accepted). A wrong SFN / slot is SFN_OUT_OF_SYNC; a PDU that does not fit
        the carrier is MSG_SLOT_ERR (MSG_UL_DCI_ERR in UL_DCI.request)."""
        if not isinstance(msg, (DlTtiRequest, UlTtiRequest, UlDciRequest, TxDataRequest)):
            raise TypeError(f"msg must be a DL_TTI / UL_TTI / UL_DCI / TX_DATA request, got "
                            f"{type(msg).__name__}")
        if (msg.sfn, msg.slot) != self.sfn_slot(self.slot):
            return [self._error(msg, ErrorCode.SFN_OUT_OF_SYNC)]
        if isinstance(msg, TxDataRequest):
            for p in msg.pdus:
                self._tx_data[self.slot][p.pdu_index] = p.payload
            return []
        bad = [p for p in msg.pdus if not self._fits(p)]
        if bad:
            code = ErrorCode.MSG_UL_DCI_ERR if isinstance(msg, UlDciRequest) \
                else ErrorCode.MSG_SLOT_ERR
            return [self._error(msg, code)]
        target = self._ul if isinstance(msg, UlTtiRequest) else self._dl
        target[self.slot].extend(msg.pdus)
        return []

    def _fits(self, pdu: Any) -> bool:
        n_rb = self.carrier.n_size_grid
        if isinstance(pdu, (PdschPdu, PuschPdu)):
            return (pdu.bwp_start + pdu.rb_start + pdu.rb_size <= n_rb and pdu.rb_size > 0
                    and pdu.start_symbol_index + pdu.nr_of_symbols <= 14)
        if isinstance(pdu, PucchPdu):
            return pdu.format_type in (0, 1, 2) and pdu.prb_start + pdu.prb_size <= n_rb
        if isinstance(pdu, CsiRsPdu):             # one antenna: one port, or zero power
            try:
                cfg = csi_rs_config(pdu)
                cfg.check_carrier(self.carrier)
            except ValueError:
                return False
            return cfg.ports == 1 or cfg.csirs_type == "zp"
        if isinstance(pdu, PdcchPdu):
            return all(d.aggregation_level in (1, 2, 4, 8, 16) for d in pdu.dl_dcis)
        return isinstance(pdu, (SsbPdu, PrachPdu))

    # -- downlink --------------------------------------------------------------------------

    def downlink(self) -> torch.Tensor:
        """Build the current slot's grid ``[1, 14, K]`` from its requests and send it to the
        O-RU (C-plane + U-plane); MSG_TX_ERR for a PDSCH without its TX_DATA payload."""
        slot = self.slot
        carrier = self._carrier(slot)
        grid = torch.zeros(1, carrier.symbols_per_slot, carrier.n_subcarriers,
                           dtype=torch.complex64)
        data = self._tx_data.pop(slot, {})
        for pdu in self._dl.pop(slot, []):
            t0 = time.process_time()
            if isinstance(pdu, SsbPdu):
                self._ssb(grid, pdu, slot)
                stage = "ssb"
            elif isinstance(pdu, PdcchPdu):
                self._pdcch(grid, pdu, carrier)
                stage = "pdcch"
            elif isinstance(pdu, CsiRsPdu):
                self._csi_rs(grid, pdu, carrier)
                stage = "csi-rs"
            else:
                stage = "pdsch"
                payload = data.get(pdu.pdu_index)
                if payload is None or len(payload) != pdu.codewords[0].tb_size:
                    sfn, s = self.sfn_slot(slot)
                    self._error(TxDataRequest(sfn=sfn, slot=s), ErrorCode.MSG_TX_ERR)
                    continue
                self._pdsch(grid, pdu, payload, slot)
            self.times.add(stage, time.process_time() - t0)
        self.last_dl_grid = grid
        if self.odu is not None:
            t0 = time.process_time()
            key = self._fronthaul_key(slot)
            # the slot's uplink C-plane (section types 1 and 3) goes with its downlink: each
            # message at its due time before the air time (the endpoint's pacer sorts them)
            packets = self.odu.slot_packets(grid, *key) + self._uplink_cplane(slot)
            self.odu.send_packets(packets)
            self.pump()
            self.times.add("fronthaul", time.process_time() - t0)
        return grid

    def _ssb(self, grid: torch.Tensor, pdu: SsbPdu, slot: int) -> None:
        sfn, s = self.sfn_slot(slot)
        spf = self.slots_per_frame
        half = int(s >= spf // 2)
        mib = MIB.unpack(torch.tensor([(pdu.bch_payload >> (23 - i)) & 1 for i in range(24)],
                                      dtype=torch.uint8), sfn_lsbs=sfn % 16)
        l_max = 4
        cw = bch_encode(mib.pack(), sfn, half, pdu.ssb_block_index, pdu.ssb_subcarrier_offset,
                        l_max, pdu.phys_cell_id)
        block = ssb_grid(pdu.phys_cell_id, cw, pdu.ssb_block_index, half, l_max)
        n_symb = self.carrier.symbols_per_slot
        first = ssb_candidate_symbols("C", l_max)[pdu.ssb_block_index] % n_symb
        scs = self.carrier.subcarrier_spacing
        k0 = (12 * pdu.ssb_offset_point_a + pdu.ssb_subcarrier_offset) * 15 // scs \
            - 12 * self.carrier.n_start_grid
        grid[0, first:first + 4, k0:k0 + 240] = block

    def _pdcch(self, grid: torch.Tensor, pdu: PdcchPdu, carrier: CarrierConfig) -> None:
        n_groups = (pdu.bwp_size + 5) // 6
        cs = CORESETConfig(frequency_resources=_bitmap_bits(pdu.freq_domain_resource, n_groups),
                           duration=pdu.duration_symbols, n_start_bwp=pdu.bwp_start,
                           cce_reg_mapping="noninterleaved" if pdu.cce_reg_mapping_type == 0
                           else "interleaved", reg_bundle_size=pdu.reg_bundle_size)
        flat = grid[0].view(-1)
        for d in pdu.dl_dcis:
            bits = unpack_payload(d.payload, d.payload_size_bits)
            cw = dci_encode(bits, d.rnti, 108 * d.aggregation_level)
            data_idx, dmrs_idx = pdcch_indices(carrier, cs, d.cce_index, d.aggregation_level,
                                               start_symbol=pdu.start_symbol_index)
            flat[data_idx] = pdcch(cw, d.scrambling_id, d.scrambling_rnti)
            flat[dmrs_idx] = pdcch_dmrs(carrier, cs, d.cce_index, d.aggregation_level,
                                        start_symbol=pdu.start_symbol_index,
                                        n_id=d.scrambling_id)
            self.counters["dci"] += 1

    def _csi_rs(self, grid: torch.Tensor, pdu: CsiRsPdu, carrier: CarrierConfig) -> None:
        """CSI-RS of TS 38.211 §7.4.1.5 (one port; zero power leaves its REs empty)."""
        cfg = csi_rs_config(pdu)
        idx = csi_rs_indices(carrier, cfg)[0]
        grid[0].view(-1)[idx] = csi_rs(carrier, cfg)[0]
        self.counters["csi-rs"] += cfg.csirs_type == "nzp"

    @staticmethod
    def _dmrs_additional(bitmap: int, start: int, length: int, kind: type = PDSCHConfig
                         ) -> int:
        """dmrs-AdditionalPosition whose mapping-type-A DM-RS symbols (l0 = 2) are the
        symbols of ``bitmap`` (TS 38.211 Tables 7.4.1.1.2-3 / 6.4.1.1.3-3 through the PDSCH /
        PUSCH config); bit l of the bitmap is symbol l (SCF 222 dlDmrsSymbPos)."""
        want = tuple(i for i in range(14) if bitmap >> i & 1)
        for add in range(4):
            cfg = kind(symbol_allocation=(start, length), prb_set=(0,))
            cfg.dmrs.additional_position = add
            if tuple(cfg.dmrs_symbols) == want:
                return add
        raise ValueError(f"dl_dmrs_symb_pos = {bitmap:#x} is not a mapping type A DM-RS pattern")

    def _pdsch(self, grid: torch.Tensor, pdu: PdschPdu, payload: bytes, slot: int) -> None:
        cw = pdu.codewords[0]
        key = (pdu.rnti, pdu.rb_start, pdu.rb_size, cw.mcs_index, cw.mcs_table,
               pdu.start_symbol_index,
               pdu.nr_of_symbols, pdu.dl_dmrs_symb_pos, slot % self.slots_per_frame)
        tx = self._pdsch_tx.get(key)
        if tx is None:
            cfg = PDSCHConfig(n_size_bwp=pdu.bwp_size, n_start_bwp=pdu.bwp_start,
                              prb_set=range(pdu.rb_start, pdu.rb_start + pdu.rb_size),
                              symbol_allocation=(pdu.start_symbol_index, pdu.nr_of_symbols),
                              mcs_index=cw.mcs_index, mcs_table=("qam64", "qam256")[cw.mcs_table],
                              rnti=pdu.rnti, n_id=pdu.data_scrambling_id)
            cfg.dmrs.num_cdm_groups_without_data = pdu.num_dmrs_cdm_grps_no_data
            cfg.dmrs.additional_position = self._dmrs_additional(
                pdu.dl_dmrs_symb_pos, pdu.start_symbol_index, pdu.nr_of_symbols)
            if cfg.tb_sizes[0] != 8 * cw.tb_size:
                raise ValueError(f"PDSCH PDU tb_size = {cw.tb_size} bytes; MCS {cw.mcs_index} "
                                 f"on {pdu.rb_size} RBs gives {cfg.tb_sizes[0] // 8}")
            tx = self._pdsch_tx[key] = PDSCHTransmitter(self._carrier(slot), cfg)
        layer = tx.layer_grid(unpack_payload(payload, 8 * len(payload)).reshape(1, -1),
                              cw.rv_index)[0, 0]
        used = layer != 0
        grid[0][used] = layer[used]
        self.counters["pdsch"] += 1

    # -- uplink ----------------------------------------------------------------------------

    def uplink(self) -> list[Any]:
        """Receive and decode the current slot's uplink; the indications for the MAC."""
        slot = self.slot
        pdus = self._ul.pop(slot, [])
        if not pdus:
            return []
        sfn, s = self.sfn_slot(slot)
        self._ul[slot] = pdus
        need_grid, prach_fh = self._uplink_needs(slot)
        del self._ul[slot]
        grid = self._uplink_grid(slot, need_grid, prach_fh) \
            if need_grid or prach_fh else None
        crcs, rx_data, ucis, rach = [], [], [], []
        for pdu in pdus:
            t0 = time.process_time()
            if isinstance(pdu, PuschPdu):
                crc, data = self._pusch(grid, pdu, slot)
                crcs.append(crc)
                if data is not None:
                    rx_data.append(data)
                stage = "pusch"
            elif isinstance(pdu, PucchPdu):
                ucis.append(self._pucch(grid, pdu, slot))
                stage = "pucch"
            else:
                r = self._prach_detect(pdu, slot)
                if r is not None:
                    rach.append(r)
                stage = "prach"
            self.times.add(stage, time.process_time() - t0)
        out: list[Any] = []
        if crcs:
            out.append(CrcIndication(sfn=sfn, slot=s, crcs=tuple(crcs)))
        if rx_data:
            out.append(RxDataIndication(sfn=sfn, slot=s, pdus=tuple(rx_data)))
        if ucis:
            out.append(UciIndication(sfn=sfn, slot=s, ucis=tuple(ucis)))
        if rach:
            out.append(RachIndication(sfn=sfn, slot=s, pdus=tuple(rach)))
        return out

    def _uplink_needs(self, slot: int) -> tuple[bool, bool]:
        """Whether the uplink requests of ``slot`` need its grid (PUSCH, PUCCH) and its PRACH
        occasion from the O-RU."""
        pdus = self._ul.get(slot, [])
        need_grid = any(isinstance(p, (PuschPdu, PucchPdu)) for p in pdus)
        prach_fh = self.odu is not None and getattr(self.odu, "prach", None) is not None \
            and any(isinstance(p, PrachPdu) for p in pdus)
        return need_grid, prach_fh

    def _uplink_cplane(self, slot: int) -> list[Any]:
        """The uplink C-plane of ``slot``'s requests (not sent), remembered as requested."""
        from softran.oran.prach import prach_occasion

        need_grid, prach_fh = self._uplink_needs(slot)
        key = self._fronthaul_key(slot)
        out = []
        self._ul_asked = {a for a in self._ul_asked if a[0] > slot - 64}
        if need_grid:
            out += self.odu.uplink_packets(*key)
            self._ul_asked.add((slot, "grid"))
        if prach_fh:
            out += self.odu.prach_packets(prach_occasion(self.carrier, self.prach, *key))
            self._ul_asked.add((slot, "prach"))
        return out

    def _fronthaul_key(self, slot: int) -> tuple[int, int, int]:
        sfn, s = self.sfn_slot(slot)
        spsf = self.carrier.slots_per_subframe
        return sfn % 256, s // spsf, s % spsf

    def _uplink_grid(self, slot: int, grid: bool = True, prach: bool = False
                     ) -> torch.Tensor | None:
        """The uplink grid of ``slot`` (``grid``) and / or its PRACH occasion (``prach``,
        kept for :meth:`_prach_detect`), asked from the O-RU in one exchange."""
        t0 = time.process_time()
        out = None
        if self.odu is None:
            assert self.uplink_source is not None
            out = self.uplink_source(slot)
        else:
            from softran.oran.prach import prach_occasion

            key = self._fronthaul_key(slot)
            # asked with the downlink (_uplink_cplane), else now
            if grid and (slot, "grid") not in self._ul_asked:
                self.odu.request_uplink(*key)
            if prach and (slot, "prach") not in self._ul_asked:
                self.odu.request_prach(prach_occasion(self.carrier, self.prach, *key))
            self._ul_asked.discard((slot, "grid"))
            self._ul_asked.discard((slot, "prach"))
            if not self.pump():
                self.odu.receive(timeout=1e-3)
            if grid:
                out = self.odu.uplink_grid(*key)
                missing = int((~self.odu.uplink_received(*key)).sum())
                if missing:
                    self.counters["uplink PRBs missing"] += missing
        self.times.add("fronthaul", time.process_time() - t0)
        return out

    def _pusch(self, grid: torch.Tensor, pdu: PuschPdu, slot: int
               ) -> tuple[CrcPdu, RxDataPdu | None]:
        d = pdu.pusch_data
        assert d is not None
        alloc = (pdu.rnti, pdu.rb_start, pdu.rb_size, pdu.mcs_index)
        key = (*alloc, slot % self.slots_per_frame)
        rx = self._pusch_rx.get(key)
        if rx is None:
            cfg = PUSCHConfig(n_size_bwp=pdu.bwp_size, n_start_bwp=pdu.bwp_start,
                              prb_set=range(pdu.rb_start, pdu.rb_start + pdu.rb_size),
                              symbol_allocation=(pdu.start_symbol_index, pdu.nr_of_symbols),
                              mcs_index=pdu.mcs_index, rnti=pdu.rnti,
                              n_id=pdu.data_scrambling_id)
            cfg.dmrs.num_cdm_groups_without_data = pdu.num_dmrs_cdm_grps_no_data
            cfg.dmrs.additional_position = self._dmrs_additional(
                pdu.ul_dmrs_symb_pos, pdu.start_symbol_index, pdu.nr_of_symbols, PUSCHConfig)
            rx = self._pusch_rx[key] = PUSCHReceiver(self._carrier(slot), cfg, n_rx=1)
            rx.decoder = self._pusch_dec.setdefault(alloc, rx.decoder)
        tb, err = rx(grid.unsqueeze(0), rv=d.rv_index, harq_process=d.harq_process_id,
                     new_data=bool(d.new_data_indicator))
        ok = not bool(err.reshape(-1)[0])
        self.counters["pusch"] += 1
        self.counters["pusch crc fail"] += int(not ok)
        crc = CrcPdu(handle=pdu.handle, rnti=pdu.rnti, harq_id=d.harq_process_id,
                     tb_crc_status=0 if ok else 1, ul_cqi=ul_cqi(rx.last_sinr))
        data = None
        if ok:
            payload = np.packbits(tb.reshape(-1).numpy()).tobytes()
            data = RxDataPdu(handle=pdu.handle, rnti=pdu.rnti, harq_id=d.harq_process_id,
                             pdu=payload)
        return crc, data

    def _pucch(self, grid: torch.Tensor, pdu: PucchPdu, slot: int
               ) -> UciPucchF01 | UciPucchF234:
        f2 = pdu.format_type == 2
        n_bits = pdu.bit_len_csi_part1 if f2 else pdu.bit_len_harq
        key = (pdu.format_type, pdu.prb_start, pdu.prb_size, pdu.start_symbol_index,
               pdu.nr_of_symbols, pdu.initial_cyclic_shift, pdu.time_domain_occ_idx, n_bits,
               pdu.rnti if f2 else 0, slot % self.slots_per_frame)
        rx = self._pucch_rx.get(key)
        if rx is None:
            extra = {"n_id": pdu.data_scrambling_id, "n_id0": pdu.dmrs_scrambling_id,
                     "rnti": pdu.rnti} if f2 else {}
            cfg = PUCCHConfig(format=pdu.format_type, n_size_bwp=pdu.bwp_size,
                              n_start_bwp=pdu.bwp_start,
                              symbol_allocation=(pdu.start_symbol_index, pdu.nr_of_symbols),
                              prb_set=tuple(range(pdu.prb_start, pdu.prb_start + pdu.prb_size)),
                              initial_cyclic_shift=pdu.initial_cyclic_shift,
                              occ_index=pdu.time_domain_occ_idx, hopping_id=pdu.hopping_id,
                              **extra)
            rx = self._pucch_rx[key] = PUCCHReceiver(self._carrier(slot), cfg, n_rx=1,
                                                     n_bits=n_bits)
        det = rx(grid.unsqueeze(0))
        detected = bool(det.detected.reshape(-1)[0])
        bits = det.bits.reshape(-1).tolist()
        if f2:
            # CSI part 1 only (SCF 222 Table 3-71): csi_crc 0 CRC passed (polar, A >= 12),
            # 2 no CRC (Reed-Muller, A <= 11) and detected, 1 failed or DTX
            crc = (0 if n_bits >= 12 else 2) if detected else 1
            self.counters["pucch"] += 1
            return UciPucchF234(handle=pdu.handle, rnti=pdu.rnti, pucch_format=0,
                                csi_part1=UciCsiPart(csi_crc=crc, csi_bit_len=n_bits,
                                                     csi_payload=pack_payload(bits)))
        # SCF 222 Table 3-69: HARQ value 0 = pass (ACK), 1 = fail (NACK), 2 = not present
        values = tuple((0 if b else 1) if detected else 2 for b in bits)
        self.counters["pucch"] += 1
        return UciPucchF01(handle=pdu.handle, rnti=pdu.rnti, pucch_format=pdu.format_type,
                           harq=UciHarqF01(harq_confidence_level=0, harq_values=values))

    def _prach_detect(self, pdu: PrachPdu, slot: int) -> RachPdu | None:
        fronthaul = self.odu is not None and getattr(self.odu, "prach", None) is not None
        if self.prach_source is None and not fronthaul:
            return None
        if self._prach_det is None:
            self._prach_det = PRACHDetector(self.carrier, self.prach, n_rx=1)
        det = self._prach_det
        if fronthaul:
            y, got = self.odu.prach.samples(*self._fronthaul_key(slot))
            if not bool(got.all()):
                self.counters["prach PRBs missing"] += int((~got).sum())
            _, kbar = self.prach.n_rb_ra(self.carrier)
            bins = y[:, kbar:kbar + det.l_ra].reshape(1, 1, -1, det.l_ra)
            out = det.detect_bins(bins)
        else:
            assert self.prach_source is not None
            out = det(self.prach_source(slot).unsqueeze(0))
        found = out.detected.reshape(-1).nonzero().reshape(-1).tolist()
        self.counters["prach occasions"] += 1
        if not found:
            return None
        mu = self.carrier.mu
        unit = 16 * 64 / 2 ** mu / INV_TC                       # TS 38.213 §4.2: T_A step
        pre = []
        for k in found:
            t = max(0.0, float(out.timing.reshape(-1)[k]))
            pre.append(RachPreamble(preamble_index=k, timing_advance=min(3846, round(t / unit))))
        self.counters["preambles"] += len(pre)
        return RachPdu(phys_cell_id=pdu.phys_cell_id, symbol_index=pdu.prach_start_symbol,
                       slot_index=slot % self.slots_per_frame, freq_index=0,
                       preambles=tuple(pre))

