"""The cell plan: the physical-layer setup that the test MAC, the PHY and the UEs share.

In a full stack most of this reaches the UE in the MIB, SIB1 and RRCSetup. The test cell
broadcasts the MIB (bit-exact) and a SIB1 (TS 38.331 UPER, :mod:`softran.cell.rrc`) but does
not encode ServingCellConfigCommon: the UE takes the CORESET, search space, PRACH, PUCCH and
the uplink frequency range from this plan. The choices (TS references where a rule applies):

* FDD-like at 30 kHz: every slot carries downlink and uplink (paired spectrum), normal CP.
* SS/PBCH block: case C, L_max = 4, block 0 only, in slot 0 of every frame (symbols 2-5),
  centred in the carrier (subcarrier 120 of the block at the carrier centre, the frequency a
  UE searches); k_SSB from its place on the resource-block grid (TS 38.211 §7.4.3.1).
* CORESET: the first 48 RBs (8 groups of 6), 2 symbols, non-interleaved; one common search
  space (TS 38.213 §10.1) with 4 candidates at AL 4 and 2 at AL 8 that every RNTI uses
  (SI-RNTI, RA-RNTI, TC-RNTI, C-RNTI with DCI 1_0 / 0_0).
* PDSCH: TDRA row 1 of default table A (K0 = 0, symbols 2-13, mapping type A), DM-RS
  type 1 at position 2 with dmrs-AdditionalPosition pos2 (the default without a dedicated
  configuration), two CDM groups without data (TS 38.214 §5.1.6.2 for DCI 1_0). No PDSCH in
  the SS/PBCH slot.
* PRACH: configuration 105 of TS 38.211 Table 6.3.3.2-2 (A1, subframes 0, 2, 4, 6, 8), 30 kHz,
  the second slot of the subframe (odd slots 1, 5, 9, 13, 17), RBs 38-49, N_CS config 8.
* PUCCH: format 1 over 14 symbols in the last RB; the PUCCH resource indicator r of the DCI
  picks the initial cyclic shift 3 r (r = 0..3).
* PUSCH: RBs below the PRACH (0-37); data PUSCH in even slots, HARQ-ACK (PUCCH) in odd slots,
  so a UE never sends both in one slot.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass

from softran.nr import (
    CarrierConfig,
    CORESETConfig,
    PDSCHConfig,
    PRACHConfig,
    PUCCHConfig,
    PUSCHConfig,
    SearchSpaceConfig,
)
from softran.nr.bandwidth import n_rb_for_bandwidth
from softran.validation import check_int

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

    def pdsch(self, rnti: int, rb_start: int, n_rbs: int, mcs: int) -> PDSCHConfig:
        """The PDSCH of a DCI 1_0 (module docstring), scrambled with ``rnti``."""
        return _pdsch(self.carrier.n_cell_id, self.n_rb, rnti, rb_start, n_rbs, mcs)

    def pusch(self, rnti: int, rb_start: int, n_rbs: int, mcs: int) -> PUSCHConfig:
        """The PUSCH of a DCI 0_0 / RAR grant: all 14 symbols, mapping type A, DM-RS at
        position 2 with pos2, no transform precoding, scrambled with ``rnti``."""
        return _pusch(self.carrier.n_cell_id, self.n_rb, rnti, rb_start, n_rbs, mcs)

    def pucch(self, resource: int) -> PUCCHConfig:
        """PUCCH format 1 of resource indicator ``resource`` (module docstring)."""
        return _pucch(self.carrier.n_cell_id, self.n_rb, self.pucch_prb,
                      check_int("resource", resource, 0, 3))

    def prach_config(self, preamble_index: int = 0) -> PRACHConfig:
        """The cell's PRACH with ``preamble_index``."""
        return self.prach.model_copy(update={"preamble_index": check_int(
            "preamble_index", preamble_index, 0, 63)})


@functools.lru_cache(maxsize=256)
def _pdsch(n_id: int, n_rb: int, rnti: int, rb_start: int, n_rbs: int, mcs: int) -> PDSCHConfig:
    cfg = PDSCHConfig(n_size_bwp=n_rb, n_start_bwp=0, prb_set=range(rb_start, rb_start + n_rbs),
                      symbol_allocation=(2, 12), mapping_type="A", mcs_index=mcs,
                      mcs_table="qam64", rnti=rnti, n_id=n_id)
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
                       prb_set=(prb,), initial_cyclic_shift=3 * resource, occ_index=0,
                       hopping_id=n_id)


def cell_plan(bandwidth_mhz: int = 20, n_cell_id: int = 101, subcarrier_spacing: int = 30
              ) -> CellPlan:
    """The plan of a cell of ``bandwidth_mhz`` (module docstring).

    >>> p = cell_plan(20)
    >>> p.n_rb, p.ssb_first_subcarrier, p.prach_slots, p.pucch_prb
    (51, 186, (1, 5, 9, 13, 17), 50)
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
    return CellPlan(carrier=carrier, coreset=coreset, search_space=ss, prach=prach,
                    prach_slots=(1, 5, 9, 13, 17), pucch_prb=n_rb - 1, pusch_prbs=38)
