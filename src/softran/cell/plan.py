"""The cell plan: the physical-layer setup that the test MAC, the PHY and the UEs share.

In a full stack most of this reaches the UE in the MIB, SIB1 and RRCSetup. The test cell
broadcasts the MIB (bit-exact) and a SIB1 (TS 38.331 UPER, :mod:`softran.cell.rrc`) with
servingCellConfigCommon (:meth:`CellPlan.serving_cell_common`); the UE takes its random-access
configuration from the SIB1 it decoded, and the CORESET, search space, PUCCH and the
dedicated configuration from this plan. The choices (TS references where a rule applies):

* FDD-like at 30 kHz: every slot carries downlink and uplink (paired spectrum), normal CP.
* SS/PBCH block: case C, L_max = 4, block 0 only, in slot 0 of every frame (symbols 2-5),
  centred in the carrier (subcarrier 120 of the block at the carrier centre, the frequency a
  UE searches); k_SSB from its place on the resource-block grid (TS 38.211 §7.4.3.1).
* CORESET: the first 48 RBs (8 groups of 6), 2 symbols, non-interleaved; one common search
  space (TS 38.213 §10.1) with 4 candidates at AL 4 and 2 at AL 8 that every RNTI uses
  (SI-RNTI, RA-RNTI, TC-RNTI, C-RNTI with DCI 1_0 / 0_0).
* After RRC setup (the UE attached): DCI formats 1_1 / 0_1 (:mod:`softran.cell.dci`) in a
  UE-specific search space of the same CORESET with 4 candidates at aggregation level 2
  (the common search space has none at that level; the MAC keeps the CCEs of one slot's DCIs
  apart); PDSCH-Config mcs-Table ``dl_mcs_table`` (qam64, or qam256 with CQI table 2) for the
  PDSCH of DCI 1_1 (TS 38.214 §5.1.3.1; DCI 1_0 always uses qam64), antenna ports value 3 of
  Table 7.3.1.2.2-1 (port 0, two CDM groups without data) and value 2 of Table 7.3.1.1.2-8
  for the PUSCH: the same PDSCH / PUSCH as the fallback DCIs give.
* PDSCH: TDRA row 1 of default table A (K0 = 0, symbols 2-13, mapping type A), DM-RS
  type 1 at position 2 with dmrs-AdditionalPosition pos2 (the default without a dedicated
  configuration), two CDM groups without data (TS 38.214 §5.1.6.2 for DCI 1_0). No PDSCH in
  the SS/PBCH slot.
* PRACH: configuration 105 of TS 38.211 Table 6.3.3.2-2 (A1, subframes 0, 2, 4, 6, 8), 30 kHz,
  the second slot of the subframe (odd slots 1, 5, 9, 13, 17), RBs 38-49, N_CS config 8.
* PUCCH: format 1 over 14 symbols; the PUCCH resource indicator r of the DCI (0..3) picks
  the PRB ``pucch_prb - r`` (RBs 37..34, below the PRACH: HARQ-ACK goes in odd slots, which
  carry no PUSCH), initial cyclic shift 0. One PRB per resource rather than cyclic shifts of
  one PRB: without uplink power control a UE 15 dB weaker than its neighbour on the next
  cyclic shift (3 apart) missed most of its HARQ-ACKs (measured with the cell's receiver:
  12 of 40 detected at -15 dB, none at -20 dB, all at -10 dB).
* PUSCH: RBs below the PRACH (0-37); data PUSCH in even slots, HARQ-ACK (PUCCH) in odd slots,
  so a UE never sends both in one slot.
* CSI (what RRCSetup's CSI-MeasConfig would carry): a periodic one-port NZP CSI-RS (row 2,
  density 1, k_0 = 0, symbol 6, every RB, n_ID = the cell identity) in the SS/PBCH slot
  (slot 0 of every frame: T_CSI-RS = 20 slots, offset 0), where no PDSCH needs rate matching
  around it; a CSI-IM resource of pattern 0 (TS 38.214 §5.2.2.4: 2 x 2 REs per RB, here at
  subcarriers 4-5 and symbols 8-9 of the same slot), sent as a zero-power CSI-RS of row 5,
  whose REs are exactly those; a periodic wideband report (cri-RI-PMI-CQI, CQI table 1,
  Type I single panel) on PUCCH format 2 in slot 11 of every frame (an odd slot that is no
  PRACH slot; the CSI reference resource, 4 2^mu = 8 slots before, lies after the CSI-RS),
  1 PRB at symbols 12-13: the PRB ``pucch_prb - r`` of the UE's HARQ-ACK resource r (the
  PUCCH resource indicator of its Msg4 DCI). HARQ-ACK is never scheduled in that slot (one
  PUCCH per UE and slot).
"""

from __future__ import annotations

import functools
from dataclasses import dataclass

from softran.cell.rrc import ServingCellCommon
from softran.nr import (
    CarrierConfig,
    CORESETConfig,
    CSIRSConfig,
    PDSCHConfig,
    PRACHConfig,
    PUCCHConfig,
    PUSCHConfig,
    SearchSpaceConfig,
)
from softran.nr.bandwidth import n_rb_for_bandwidth
from softran.validation import check_choice, check_int

__all__ = ["CellPlan", "cell_plan"]


@dataclass(frozen=True)
class CellPlan:
    """What MAC, PHY and UEs agree on (module docstring)."""

    carrier: CarrierConfig
    coreset: CORESETConfig
    search_space: SearchSpaceConfig
    prach: PRACHConfig
    prach_slots: tuple[int, ...]
    ssb_slot: int = 0
    ssb_first_symbol: int = 2
    sib1_slot: int = 1
    ra_response_window: int = 10
    contention_resolution_slots: int = 16
    pucch_prb: int = 0
    pusch_prbs: int = 38
    harq_processes: int = 16
    csi_rs: CSIRSConfig | None = None
    csi_im: CSIRSConfig | None = None
    csi_report_period: int = 20
    csi_report_offset: int = 11
    csi_cqi_table: int = 1
    uss: SearchSpaceConfig | None = None
    dl_mcs_table: str = "qam64"

    @property
    def n_rb(self) -> int:
        """Resource blocks of the carrier (and of the one BWP)."""
        return self.carrier.n_size_grid

    @property
    def slots_per_frame(self) -> int:
        return self.carrier.slots_per_frame

    @property
    def ssb_first_subcarrier(self) -> int:
        """Carrier subcarrier of the block's subcarrier 0 (block centred in the carrier)."""
        return self.carrier.n_subcarriers // 2 - 120

    def carrier_at(self, slot: int) -> CarrierConfig:
        """The carrier in absolute slot ``slot`` (``n_slot`` sets sequences and hashing)."""
        return self.carrier.model_copy(update={"n_slot": slot % (1024 * self.slots_per_frame),
                                               "n_frame": (slot // self.slots_per_frame) % 1024})

    def pdsch(self, rnti: int, rb_start: int, n_rbs: int, mcs: int, mcs_table: str = "qam64"
              ) -> PDSCHConfig:
        """The PDSCH of a DCI 1_0 or 1_1 (module docstring), scrambled with ``rnti``, MCS
        ``mcs`` of ``mcs_table``."""
        return _pdsch(self.carrier.n_cell_id, self.n_rb, rnti, rb_start, n_rbs, mcs, mcs_table)

    def pusch(self, rnti: int, rb_start: int, n_rbs: int, mcs: int) -> PUSCHConfig:
        """The PUSCH of a DCI 0_0 / RAR grant: all 14 symbols, mapping type A, DM-RS at
        position 2 with pos2, no transform precoding, scrambled with ``rnti``."""
        return _pusch(self.carrier.n_cell_id, self.n_rb, rnti, rb_start, n_rbs, mcs)

    def pucch(self, resource: int) -> PUCCHConfig:
        """PUCCH format 1 of resource indicator ``resource`` (module docstring)."""
        r = check_int("resource", resource, 0, 3)
        return _pucch(self.carrier.n_cell_id, self.n_rb, self.pucch_prb - r, r)

    def pucch_csi(self, index: int, rnti: int) -> PUCCHConfig:
        """PUCCH format 2 of the periodic CSI report of UE ``index`` (module docstring)."""
        return _pucch_csi(self.carrier.n_cell_id, self.n_rb,
                          self.pucch_prb - check_int("index", index, 0, 3),
                          check_int("rnti", rnti, 1, 65535))

    def is_csi_report_slot(self, slot: int) -> bool:
        """Whether absolute slot ``slot`` carries the periodic CSI reports."""
        return slot % self.csi_report_period == self.csi_report_offset

    def serving_cell_common(self) -> ServingCellCommon:
        """SIB1's servingCellConfigCommon for this plan (TS 38.331 ServingCellConfigCommonSIB):
        the carrier and one BWP over it, offsetToPointA the 15 kHz RBs from point A to the
        SS/PBCH block (k_SSB the rest, TS 38.211 §7.4.3.1), the block in every frame, the
        PRACH (index, msg1-FrequencyStart, N_CS config, root, msg1-SubcarrierSpacing), the RAR
        window and the contention resolution timer (in subframes) of the plan; paired
        spectrum (no TDD pattern), n-TimingAdvanceOffset 0 (the UEs apply no N_TA,offset),
        and the values the plan does not set: band n1, SS/PBCH block power 0 dBm,
        preambleReceivedTargetPower -100 dBm (the test cell has no power control).

        >>> c = cell_plan(20).serving_cell_common()
        >>> c.offset_to_point_a, c.prach_configuration_index, c.ra_contention_resolution_timer
        (31, 105, 8)
        """
        scs = self.carrier.subcarrier_spacing
        f_khz = (12 * self.carrier.n_start_grid + self.ssb_first_subcarrier) * scs
        return ServingCellCommon(
            subcarrier_spacing=scs, n_rb=self.n_rb, offset_to_point_a=f_khz // 180,
            ssb_periodicity_ms=10, n_timing_advance_offset=0,
            prach_configuration_index=self.prach.configuration_index,
            msg1_frequency_start=self.prach.frequency_start,
            zero_correlation_zone=self.prach.zero_correlation_zone,
            ra_response_window=self.ra_response_window,
            ra_contention_resolution_timer=(self.contention_resolution_slots
                                            // self.carrier.slots_per_subframe),
            prach_root_sequence_index=self.prach.sequence_index,
            prach_root_sequence_length=self.prach.l_ra,
            msg1_subcarrier_spacing=(None if self.prach.subcarrier_spacing is None
                                     else int(self.prach.subcarrier_spacing)),
            restricted_set=self.prach.restricted_set)

    def prach_config(self, preamble_index: int = 0) -> PRACHConfig:
        """The cell's PRACH with ``preamble_index``."""
        return self.prach.model_copy(update={"preamble_index": check_int(
            "preamble_index", preamble_index, 0, 63)})


@functools.lru_cache(maxsize=256)
def _pdsch(n_id: int, n_rb: int, rnti: int, rb_start: int, n_rbs: int, mcs: int,
           mcs_table: str = "qam64") -> PDSCHConfig:
    cfg = PDSCHConfig(n_size_bwp=n_rb, n_start_bwp=0, prb_set=range(rb_start, rb_start + n_rbs),
                      symbol_allocation=(2, 12), mapping_type="A", mcs_index=mcs,
                      mcs_table=mcs_table, rnti=rnti, n_id=n_id)
    cfg.dmrs.additional_position = 2
    cfg.dmrs.num_cdm_groups_without_data = 2
    return cfg


@functools.lru_cache(maxsize=256)
def _pusch(n_id: int, n_rb: int, rnti: int, rb_start: int, n_rbs: int, mcs: int) -> PUSCHConfig:
    cfg = PUSCHConfig(n_size_bwp=n_rb, n_start_bwp=0, prb_set=range(rb_start, rb_start + n_rbs),
                      symbol_allocation=(0, 14), mapping_type="A", mcs_index=mcs,
                      mcs_table="qam64", rnti=rnti, n_id=n_id)
    cfg.dmrs.additional_position = 2
    cfg.dmrs.num_cdm_groups_without_data = 2
    return cfg


@functools.lru_cache(maxsize=64)
def _pucch(n_id: int, n_rb: int, prb: int, resource: int) -> PUCCHConfig:
    return PUCCHConfig(format=1, n_size_bwp=n_rb, n_start_bwp=0, symbol_allocation=(0, 14),
                       prb_set=(prb,), initial_cyclic_shift=0, occ_index=0, hopping_id=n_id)


@functools.lru_cache(maxsize=64)
def _pucch_csi(n_id: int, n_rb: int, prb: int, rnti: int) -> PUCCHConfig:
    return PUCCHConfig(format=2, n_size_bwp=n_rb, n_start_bwp=0, symbol_allocation=(12, 2),
                       prb_set=(prb,), n_id=n_id, n_id0=n_id, rnti=rnti)


def cell_plan(bandwidth_mhz: int = 20, n_cell_id: int = 101, subcarrier_spacing: int = 30,
              cqi_table: int = 1) -> CellPlan:
    """The plan of a cell of ``bandwidth_mhz`` (module docstring); ``cqi_table`` 1 or 2
    (CSI-ReportConfig cqi-Table) with the PDSCH MCS table of its family (qam64 / qam256).

    >>> p = cell_plan(20)
    >>> p.n_rb, p.ssb_first_subcarrier, p.prach_slots, p.pucch_prb
    (51, 186, (1, 5, 9, 13, 17), 37)
    """
    n_rb = n_rb_for_bandwidth(check_int("bandwidth_mhz", bandwidth_mhz, 5, 100),
                              subcarrier_spacing)
    if n_rb < 51:
        raise ValueError(f"bandwidth_mhz = {bandwidth_mhz} gives {n_rb} RBs; the test cell "
                         "needs at least 51 (20 MHz at 30 kHz)")
    carrier = CarrierConfig(subcarrier_spacing=subcarrier_spacing, n_size_grid=n_rb,
                            n_cell_id=check_int("n_cell_id", n_cell_id, 0, 1007))
    coreset = CORESETConfig(frequency_resources=(1,) * 8, duration=2,
                            cce_reg_mapping="noninterleaved")
    ss = SearchSpaceConfig(search_space_type="common", n_candidates=(0, 0, 4, 2, 0))
    prach = PRACHConfig(configuration_index=105, spectrum="paired", subcarrier_spacing=30,
                        zero_correlation_zone=8, frequency_start=38, active_slot=1,
                        sequence_index=1)
    csi_rs = CSIRSConfig(csirs_type="nzp", row_number=2, density="one", subcarrier_locations=[0],
                         symbol_locations=[6], n_rb=n_rb, n_id=carrier.n_cell_id,
                         period=(20, 0))
    csi_im = CSIRSConfig(csirs_type="zp", row_number=5, density="one", subcarrier_locations=[4],
                         symbol_locations=[8], n_rb=n_rb, period=(20, 0))
    return CellPlan(carrier=carrier, coreset=coreset, search_space=ss, prach=prach,
                    prach_slots=(1, 5, 9, 13, 17), pucch_prb=37, pusch_prbs=38,
                    csi_rs=csi_rs, csi_im=csi_im,
                    csi_cqi_table=check_choice("cqi_table", cqi_table, (1, 2)),
                    uss=SearchSpaceConfig(search_space_id=2, search_space_type="ue",
                                          n_candidates=(0, 4, 0, 0, 0)),
                    dl_mcs_table="qam256" if cqi_table == 2 else "qam64")
