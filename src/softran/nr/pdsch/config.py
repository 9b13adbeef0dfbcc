"""PDSCH configuration: allocation, layers and codewords, DM-RS, PT-RS, rate-matching
patterns, PRB bundling, VRB-to-PRB interleaving and transport block sizes (validated).

TS 38.211 §7.3.1 (PDSCH), §7.4.1.1 (DM-RS), §7.4.1.2 (PT-RS); TS 38.214 §5.1.2 (resource
allocation, Table 5.1.2.1-1, PRB bundling §5.1.2.3), §5.1.3 (MCS, TBS), §5.1.4 (rate
matching), §5.1.6 (reference signals). MATLAB namesakes: ``nrPDSCHConfig``,
``nrPDSCHDMRSConfig``, ``nrPDSCHPTRSConfig``, ``nrPDSCHReservedConfig`` (snake_case names).
Fields are validated when set; a failed assignment leaves the object unchanged; derived
values are read-only properties.

Conventions (those of :mod:`softran.nr.pusch.config`): every function works in the *layer*
domain (DM-RS port p_j = 1000 + ``dmrs_ports[j]`` carries layer j); precoding onto antenna
ports is :func:`~softran.nr.pdsch.chain.pdsch_precode`. The BWP is relative to point A
(``n_start_bwp`` a CRB number; None: the carrier grid); ``prb_set`` counts resource blocks in
the BWP and holds *virtual* resource blocks when ``vrb_to_prb_interleaving`` is on (MATLAB's
convention). Carrier-dependent checks are :meth:`PDSCHConfig.check_carrier`.
"""

from __future__ import annotations

import functools
from collections.abc import Iterable
from fractions import Fraction
from typing import Any, ClassVar

from pydantic import Field, field_validator, model_validator

from softran.nr.coding.tbs import code_rate_fraction, tbs
from softran.nr.config import N_SC_RB, CarrierConfig
from softran.nr.datafiles import read_csv
from softran.nr.dmrs import dmrs_port_table, dmrs_positions
from softran.nr.pdsch.reference_config import (
    LTECRSConfig,
    PDSCHDMRSConfig,
    PDSCHPTRSConfig,
    PDSCHReservedConfig,
)
from softran.nr.pdsch.vrb_mapping import vrb_to_prb
from softran.nr.shared_channel import SharedChannelConfigBase
from softran.nr.tables import MCS_TABLE_NAMES
from softran.validation import (
    check_bool,
    check_choice,
    check_int,
    check_int_list,
)

__all__ = ["PDSCH_MODULATIONS", "PDSCHConfig", "check_pdsch_config"]

#: Modulation schemes of the PDSCH, TS 38.211 Table 7.3.1.2-1.
PDSCH_MODULATIONS: tuple[str, ...] = ("QPSK", "16QAM", "64QAM", "256QAM", "1024QAM")

#: PDSCH MCS tables of TS 38.214 §5.1.3.1 (the transform-precoding tables are PUSCH only).
PDSCH_MCS_TABLES: tuple[str, ...] = tuple(t for t in MCS_TABLE_NAMES if not t.startswith("tp-"))


@functools.cache
def _symbol_allocation_table() -> dict[tuple[str, str], tuple[Any, ...]]:
    """TS 38.214 Table 5.1.2.1-1: (mapping type, CP) -> (S min, S max, L min, L max,
    S+L min, S+L max, allowed L set or None)."""
    out = {}
    for r in read_csv("pdsch_symbol_allocation.csv"):
        ints = tuple(int(r[c]) for c in ("s_min", "s_max", "l_min", "l_max", "sl_min", "sl_max"))
        l_set = tuple(int(x) for x in r["l_set"].split()) if r["l_set"] else None
        out[(r["mapping_type"], r["cyclic_prefix"])] = (*ints, l_set)
    return out


def _codeword_layers(n_layers: int) -> tuple[int, ...]:
    """Layers per codeword, TS 38.211 Table 7.3.1.3-1 (1..4: one codeword; 5..8: two)."""
    return (n_layers,) if n_layers <= 4 else (n_layers // 2, n_layers - n_layers // 2)


class PDSCHConfig(SharedChannelConfigBase):
    """A PDSCH transmission: allocation, layers, DM-RS, PT-RS, rate matching, MCS / code rate.

    TS 38.211 §7.3.1, §7.4.1.1, §7.4.1.2; TS 38.214 §5.1.2-§5.1.4, §5.1.6. MATLAB namesake:
    ``nrPDSCHConfig``.

    Parameters
    ----------
    n_size_bwp, n_start_bwp : BWP size (1..275) and start (CRB, 0..2473); None: carrier grid.
    modulation : ``"QPSK"``, ``"16QAM"``, ``"64QAM"``, ``"256QAM"``, ``"1024QAM"`` (both
        codewords); set from the MCS table when ``mcs_index`` is given.
    n_layers : v, 1..8 (5..8: two codewords, TS 38.211 Table 7.3.1.3-1).
    mapping_type : ``"A"`` or ``"B"``.
    symbol_allocation : (S, L) per TS 38.214 Table 5.1.2.1-1 (S = 3 with mapping type A needs
        ``dmrs.type_a_position = 3``, Note 1).
    prb_set : allocated resource blocks of the BWP (VRBs when interleaving is on), stored
        sorted; default 0..51.
    vrb_to_prb_interleaving, vrb_bundle_size : TS 38.211 §7.3.1.6, bundle size L_i 2 or 4.
    prg_bundle_size : PRB bundling P'_BWP, 2, 4 or None (wideband), TS 38.214 §5.1.2.3.
    n_id : data scrambling identity n_ID 0..1023 (*dataScramblingIdentityPDSCH*); None:
        N_ID^cell.
    rnti : n_RNTI 0..65535.
    dmrs, enable_ptrs, ptrs : :class:`PDSCHDMRSConfig`, PT-RS on/off (TS 38.214 §5.1.6.3
        presence rules enforced: at least 3 PRBs, no L_PT-RS 2/4 on 2 symbols or 4 on 4),
        :class:`PDSCHPTRSConfig`.
    reserved_prb : RB-symbol-level rate-matching patterns (:class:`PDSCHReservedConfig`).
    reserved_re : RE-level reserved resources (ZP/NZP CSI-RS, ...) as linear indices
        ``l K + k`` into the slot grid ``[n_symbols, K]`` of the carrier.
    lte_crs : :class:`LTECRSConfig` to rate-match around (15 kHz carriers), or None.
    mcs_index, mcs_table : optional I_MCS (0..31) of a PDSCH MCS table; sets ``modulation`` and
        ``target_code_rate``.
    target_code_rate : R when no ``mcs_index`` is given.
    x_overhead : N_oh^PRB, 0, 6, 12 or 18; tb_scaling : S, 1, 0.5 or 0.25.

    >>> p = PDSCHConfig(prb_set=range(52), symbol_allocation=(2, 12), mcs_index=4)
    >>> p.dmrs.additional_position = 2      # R.PDSCH.1-1.1 (TS 38.101-4 Table A.3.2.1.1-1)
    >>> p.dmrs.num_cdm_groups_without_data = 1
    >>> p.modulation, p.dmrs_symbols, p.n_re_per_prb, p.tb_sizes
    ('QPSK', [2, 7, 11], 126, (3904,))
    """

    MODULATIONS: ClassVar[tuple[str, ...]] = PDSCH_MODULATIONS
    MAX_LAYERS: ClassVar[int] = 8
    MCS_TABLES: ClassVar[tuple[str, ...]] = PDSCH_MCS_TABLES

    # n_size_bwp, n_start_bwp, modulation, n_layers, mapping_type, symbol_allocation,
    # prb_set, n_id, rnti, mcs_index, mcs_table, target_code_rate, x_overhead, tb_scaling:
    # SharedChannelConfigBase
    vrb_to_prb_interleaving: bool = False
    vrb_bundle_size: int = 2
    prg_bundle_size: int | None = None
    dmrs: PDSCHDMRSConfig = Field(default_factory=PDSCHDMRSConfig)
    enable_ptrs: bool = False
    ptrs: PDSCHPTRSConfig = Field(default_factory=PDSCHPTRSConfig)
    reserved_prb: tuple[PDSCHReservedConfig, ...] = ()
    reserved_re: tuple[int, ...] = ()
    lte_crs: LTECRSConfig | None = None

    # ---- field validators -------------------------------------------------------------
    @field_validator("vrb_to_prb_interleaving", "enable_ptrs", mode="before")
    @classmethod
    def _bools(cls, v: Any, info: Any) -> bool:
        return check_bool(info.field_name, v)

    @field_validator("vrb_bundle_size", mode="before")
    @classmethod
    def _vrb_bundle(cls, v: Any) -> int:
        return check_choice("vrb_bundle_size", check_int("vrb_bundle_size", v), (2, 4))

    @field_validator("prg_bundle_size", mode="before")
    @classmethod
    def _prg(cls, v: Any) -> int | None:
        if v is None or (isinstance(v, str) and v.lower() == "wideband"):
            return None
        return check_choice("prg_bundle_size", check_int("prg_bundle_size", v), (2, 4))

    @field_validator("dmrs", mode="before")
    @classmethod
    def _dmrs(cls, v: Any) -> Any:
        if not isinstance(v, (PDSCHDMRSConfig, dict)):
            raise TypeError(f"dmrs must be a PDSCHDMRSConfig, got {type(v).__name__}")
        return v

    @field_validator("ptrs", mode="before")
    @classmethod
    def _ptrs(cls, v: Any) -> Any:
        if not isinstance(v, (PDSCHPTRSConfig, dict)):
            raise TypeError(f"ptrs must be a PDSCHPTRSConfig, got {type(v).__name__}")
        return v

    @field_validator("reserved_prb", mode="before")
    @classmethod
    def _reserved_prb(cls, v: Any) -> tuple[Any, ...]:
        if isinstance(v, (PDSCHReservedConfig, dict)):
            v = (v,)
        if isinstance(v, (str, bytes)) or not isinstance(v, Iterable):
            raise TypeError(f"reserved_prb must be a list of PDSCHReservedConfig, got "
                            f"{type(v).__name__}")
        items = tuple(v)
        for i, r in enumerate(items):
            if not isinstance(r, (PDSCHReservedConfig, dict)):
                raise TypeError(f"reserved_prb[{i}] must be a PDSCHReservedConfig, got "
                                f"{type(r).__name__}")
        return items

    @field_validator("reserved_re", mode="before")
    @classmethod
    def _reserved_re(cls, v: Any) -> tuple[int, ...]:
        if v is None:
            return ()
        return tuple(sorted(check_int_list("reserved_re", v, 0, 14 * 275 * N_SC_RB - 1)))

    @field_validator("lte_crs", mode="before")
    @classmethod
    def _lte_crs(cls, v: Any) -> Any:
        if v is not None and not isinstance(v, (LTECRSConfig, dict)):
            raise TypeError(f"lte_crs must be an LTECRSConfig or None, got {type(v).__name__}")
        return v

    # ---- cross-field rules ------------------------------------------------------------
    @model_validator(mode="after")
    def _cross(self) -> PDSCHConfig:
        self._sync_mcs()
        self._check_symbol_allocation("normal")
        if self.n_size_bwp is not None and self.prb_set[-1] >= self.n_size_bwp:
            raise ValueError(f"prb_set contains RB {self.prb_set[-1]}, outside the BWP: "
                             f"allowed 0..{self.n_size_bwp - 1} (n_size_bwp = {self.n_size_bwp})")
        d = self.dmrs
        if d.dmrs_ports is not None and len(d.dmrs_ports) != self.n_layers:
            raise ValueError(f"dmrs.dmrs_ports = {list(d.dmrs_ports)} must have n_layers = "
                             f"{self.n_layers} entries (one DM-RS port per layer)")
        n_ports = (4 if d.dmrs_type == 1 else 6) * d.max_length
        if self.n_layers > n_ports:
            raise ValueError(f"n_layers = {self.n_layers} needs {self.n_layers} DM-RS ports; "
                             f"dmrs_type = {d.dmrs_type} with max_length = {d.max_length} has "
                             f"{n_ports} (TS 38.211 Tables 7.4.1.1.2-1/-2); use max_length = 2"
                             + (" or dmrs_type = 2" if d.dmrs_type == 1 else ""))
        table = dmrs_port_table(d.dmrs_type)
        for p in self.dmrs_ports:
            if table[p][0] >= d.num_cdm_groups_without_data:
                raise ValueError(
                    f"DM-RS port {1000 + p} (dmrs.dmrs_ports {p}) is in CDM group {table[p][0]}, "
                    f"but dmrs.num_cdm_groups_without_data = {d.num_cdm_groups_without_data} "
                    f"leaves data on that group's REs; use num_cdm_groups_without_data >= "
                    f"{table[p][0] + 1} (TS 38.212 Tables 7.3.1.2.2-1 ff.)")
        if self.enable_ptrs:
            port = self.ptrs_port
            if port not in self.dmrs_ports:
                raise ValueError(f"ptrs.ptrs_port = {port} is not one of the DM-RS ports "
                                 f"{list(self.dmrs_ports)} (TS 38.214 §5.1.6.3)")
            if d.dmrs_type == 1 and port > 3 or d.dmrs_type == 2 and port > 5:
                raise ValueError(f"ptrs.ptrs_port = {port} cannot carry PT-RS with dmrs_type "
                                 f"= {d.dmrs_type}; allowed: 0..{3 if d.dmrs_type == 1 else 5} "
                                 "(TS 38.211 Table 7.4.1.2.2-1)")
            self._check_ptrs_presence()
        if self.vrb_to_prb_interleaving and self.n_size_bwp is not None:
            vrb_to_prb(self.prb_set, self.n_start_bwp or 0, self.n_size_bwp, interleaved=True,
                       bundle_size=self.vrb_bundle_size)
        return self

    def _check_ptrs_presence(self) -> None:
        """TS 38.214 §5.1.6.3: PT-RS is not present on fewer than 3 scheduled RBs (the rule
        for the default densities; the configurable thresholds N_RB0 / N_RB1 of Table
        5.1.6.3-2 are not modelled, so the default rule applies to every PT-RS here: a
        documented choice), and not transmitted with L_PT-RS = 2 or 4 on an allocation of
        duration 2, nor with L_PT-RS = 4 on duration 4 (the duration l_d of TS 38.211
        §7.4.1.1.2: from the slot start for mapping type A, the allocation for type B)."""
        n_rb = len(self.prb_set)
        if n_rb < 3:
            raise ValueError(f"enable_ptrs with {n_rb} PRB(s): TS 38.214 §5.1.6.3 sends no "
                             "PT-RS when fewer than 3 RBs are scheduled; allocate at least 3 "
                             "PRBs or set enable_ptrs = False")
        s, length = self.symbol_allocation
        l_d = s + length if self.mapping_type == "A" else length
        density = self.ptrs.time_density
        if l_d == 2 and density in (2, 4) or l_d == 4 and density == 4:
            raise ValueError(f"ptrs.time_density = {density} on an allocation of duration "
                             f"{l_d} symbols: TS 38.214 §5.1.6.3 sends no PT-RS there; allowed: "
                             f"{'1' if l_d == 2 else '1, 2'}, or enable_ptrs = False")

    def _check_symbol_allocation(self, cyclic_prefix: str) -> None:
        s, length = self.symbol_allocation
        s_min, s_max, l_min, l_max, sl_min, sl_max, l_set = _symbol_allocation_table()[
            (self.mapping_type, cyclic_prefix)]
        ok_l = l_min <= length <= l_max and (l_set is None or length in l_set)
        if not (s_min <= s <= s_max and ok_l and sl_min <= s + length <= sl_max):
            allowed_l = (", ".join(map(str, l_set)) if l_set else f"{l_min}..{l_max}")
            raise ValueError(
                f"symbol_allocation = ({s}, {length}) is not valid for mapping_type = "
                f"{self.mapping_type!r} with {cyclic_prefix} cyclic prefix; TS 38.214 Table "
                f"5.1.2.1-1 allows S in {s_min}..{s_max}, L in {allowed_l}, S + L in "
                f"{sl_min}..{sl_max}")
        if self.mapping_type == "A" and s == 3 and self.dmrs.type_a_position != 3:
            raise ValueError("symbol_allocation with S = 3 and mapping_type 'A' needs "
                             "dmrs.type_a_position = 3 (TS 38.214 Table 5.1.2.1-1, Note 1)")

    def check_carrier(self, carrier: CarrierConfig) -> None:
        """Raise ``ValueError`` if this PDSCH does not fit ``carrier``: the BWP inside the grid
        (TS 38.211 §4.4.5), the RBs inside the BWP, the cyclic-prefix row of TS 38.214 Table
        5.1.2.1-1, reserved REs inside the grid, LTE CRS rate matching only at 15 kHz.

        >>> PDSCHConfig(prb_set=[60]).check_carrier(CarrierConfig(n_size_grid=52))
        Traceback (most recent call last):
        ...
        ValueError: prb_set contains RB 60, outside the BWP: allowed 0..51 (BWP size 52)
        """
        if not isinstance(carrier, CarrierConfig):
            raise TypeError(f"carrier must be a CarrierConfig, got {type(carrier).__name__}")
        self._cross()  # nested configs may have changed since the last validation
        self._check_bwp(carrier, "RB")
        self._check_symbol_allocation(carrier.cyclic_prefix)
        dmrs_positions("pdsch", self.mapping_type, self.symbol_allocation,
                       self.dmrs.type_a_position, self.dmrs.additional_position,
                       self.dmrs.max_length)
        n_re = carrier.symbols_per_slot * carrier.n_subcarriers
        if self.reserved_re and self.reserved_re[-1] >= n_re:
            raise ValueError(f"reserved_re contains {self.reserved_re[-1]}, outside the slot "
                             f"grid of {carrier.symbols_per_slot} x {carrier.n_subcarriers} "
                             f"REs; allowed: 0..{n_re - 1}")
        for i, r in enumerate(self.reserved_prb):
            if r.prb_set and r.prb_set[-1] >= carrier.n_size_grid:
                raise ValueError(f"reserved_prb[{i}].prb_set contains {r.prb_set[-1]}, outside "
                                 f"the carrier grid of {carrier.n_size_grid} RBs")
        if self.lte_crs is not None and carrier.subcarrier_spacing != 15:
            raise ValueError(f"lte_crs rate matching needs a 15 kHz carrier (TS 38.214 "
                             f"§5.1.4.2), got subcarrier_spacing = {carrier.subcarrier_spacing}")

    def prbs(self, carrier: CarrierConfig) -> tuple[int, ...]:
        """The physical resource blocks of the BWP carrying the PDSCH, in VRB order (the
        order the data is mapped in, TS 38.211 §7.3.1.5-§7.3.1.6).

        >>> p = PDSCHConfig(prb_set=range(2, 6), vrb_to_prb_interleaving=True)
        >>> p.prbs(CarrierConfig(n_size_grid=8))
        (4, 5, 2, 3)
        """
        start, size = self.bwp(carrier)
        prb = vrb_to_prb(list(self.prb_set), start, size,
                         interleaved=self.vrb_to_prb_interleaving,
                         bundle_size=self.vrb_bundle_size)
        return tuple(prb.tolist())

    # ---- derived values ---------------------------------------------------------------
    @property
    def dmrs_ports(self) -> tuple[int, ...]:
        """The DM-RS port (p - 1000) of each layer (``dmrs.dmrs_ports``, default
        0..n_layers-1)."""
        ports = self.dmrs.dmrs_ports
        return tuple(range(self.n_layers)) if ports is None else ports

    @property
    def ptrs_port(self) -> int:
        """DM-RS port associated with the PT-RS (``ptrs.ptrs_port``, default the lowest)."""
        return min(self.dmrs_ports) if self.ptrs.ptrs_port is None else self.ptrs.ptrs_port

    @property
    def n_codewords(self) -> int:
        """1 for 1..4 layers, 2 for 5..8 (TS 38.211 Table 7.3.1.3-1)."""
        return len(self.codeword_layers)

    @property
    def codeword_layers(self) -> tuple[int, ...]:
        """Layers of each codeword: (v,) or (floor(v/2), ceil(v/2))."""
        return _codeword_layers(self.n_layers)

    @property
    def dmrs_symbols(self) -> list[int]:
        """OFDM symbols (within the slot) carrying DM-RS, TS 38.211 §7.4.1.1.2."""
        d = self.dmrs
        return [l for l, _ in dmrs_positions("pdsch", self.mapping_type, self.symbol_allocation,
                                             d.type_a_position, d.additional_position,
                                             d.max_length)]

    @property
    def n_re_per_prb(self) -> int:
        """N'_RE = 12 N_symb^sh - N_DMRS^PRB of TS 38.214 §5.1.3.2 (before x_overhead): the
        allocation's REs per PRB less the DM-RS REs of the CDM groups without data."""
        d = self.dmrs
        per_symbol = (6 if d.dmrs_type == 1 else 4) * d.num_cdm_groups_without_data
        return N_SC_RB * self.symbol_allocation[1] - per_symbol * len(self.dmrs_symbols)

    @property
    def code_rate(self) -> Fraction:
        """Target code rate R as an exact fraction."""
        if self.target_code_rate is None:
            raise ValueError("target_code_rate is None and no mcs_index is set; set one of them"
                             " (a reserved MCS index has no code rate)")
        return code_rate_fraction("target_code_rate", self.target_code_rate)

    @property
    def tb_sizes(self) -> tuple[int, ...]:
        """Transport block size of each codeword, TS 38.214 §5.1.3.2 (layers of the codeword,
        the allocation's n_PRB and N'_RE; rate-matching patterns do not enter)."""
        return tuple(tbs(self.modulation, v, self.n_prb, self.n_re_per_prb, self.code_rate,
                         x_overhead=self.x_overhead, tb_scaling=self.tb_scaling)
                     for v in self.codeword_layers)


def check_pdsch_config(carrier: object, config: object, name: str = "pdsch"
                       ) -> tuple[CarrierConfig, PDSCHConfig]:
    """The types of a carrier and a PDSCH configuration (argument ``name``) and their
    consistency (:meth:`PDSCHConfig.check_carrier`).

    >>> carrier, pdsch = check_pdsch_config(CarrierConfig(), PDSCHConfig())
    """
    if not isinstance(carrier, CarrierConfig):
        raise TypeError(f"carrier must be a CarrierConfig, got {type(carrier).__name__}")
    if not isinstance(config, PDSCHConfig):
        raise TypeError(f"{name} must be a PDSCHConfig, got {type(config).__name__}")
    config.check_carrier(carrier)
    return carrier, config
