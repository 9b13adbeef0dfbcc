"""PUSCH configuration: allocation, DM-RS, PT-RS and transport block size (validated).

TS 38.211 §6.3.1 (PUSCH), §6.4.1.1 (DM-RS), §6.4.1.2 (PT-RS); TS 38.214 §6.1.2 (resource
allocation, Table 6.1.2.1-1), §6.1.4 (MCS, TBS), §6.2.2 (DM-RS power), §6.2.3 (PT-RS).
MATLAB namesakes: ``nrPUSCHConfig``, ``nrPUSCHDMRSConfig``, ``nrPUSCHPTRSConfig`` (field names in
snake_case). Fields are validated when set (construction and assignment); a failed assignment
leaves the object unchanged. Derived values are read-only properties.

Conventions shared with the rest of softran.nr:

* Everything is in the *layer* domain (DM-RS port / layer j = 0..n_layers-1), before the TPMI
  precoding of TS 38.211 §6.3.1.5, which the transmitter applies to the layer grid afterwards.
* The BWP is given relative to point A (``n_start_bwp`` is a common resource block number, as
  MATLAB's ``NStartBWP``); ``None`` means the carrier grid. ``prb_set`` counts PRBs within the BWP.
* Carrier-dependent checks (BWP inside the grid, PRBs inside the BWP, the extended-CP rows of
  Table 6.1.2.1-1) are made by :meth:`PUSCHConfig.check_carrier`, which every function that takes
  a carrier calls.
"""

from __future__ import annotations

import functools
from fractions import Fraction
from typing import Any, ClassVar

from pydantic import Field, field_validator, model_validator

from softran.nr.coding.tbs import code_rate_fraction, tbs
from softran.nr.config import N_SC_RB, CarrierConfig
from softran.nr.datafiles import read_csv
from softran.nr.dmrs import dmrs_port_table
from softran.nr.pusch.allocation import data_re_mask, dmrs_symbol_positions
from softran.nr.pusch.reference_config import PUSCHDMRSConfig, PUSCHPTRSConfig
from softran.nr.shared_channel import SharedChannelConfigBase
from softran.nr.tables import MCS_TABLE_NAMES, mcs
from softran.validation import (
    check_bool,
    check_choice,
    check_int,
    check_name,
)

__all__ = [
    "check_pusch_config",
    "PUSCH_MODULATIONS",
    "PUSCHConfig",
]


#: Modulation schemes of the PUSCH, TS 38.211 Table 6.3.1.2-1 (pi/2-BPSK with transform
#: precoding only).
PUSCH_MODULATIONS: tuple[str, ...] = ("pi/2-BPSK", "QPSK", "16QAM", "64QAM", "256QAM")


@functools.cache
def _symbol_allocation_table() -> dict[tuple[str, str], tuple[int, int, int, int, int, int]]:
    """TS 38.214 Table 6.1.2.1-1: (mapping type, CP) -> (S min, S max, L min, L max, S+L min,
    S+L max)."""
    return {(r["mapping_type"], r["cyclic_prefix"]):
            tuple(int(r[c]) for c in ("s_min", "s_max", "l_min", "l_max", "sl_min", "sl_max"))
            for r in read_csv("pusch_symbol_allocation.csv")}


def _is_2a3b5c(n: int) -> bool:
    for p in (2, 3, 5):
        while n % p == 0:
            n //= p
    return n == 1


class PUSCHConfig(SharedChannelConfigBase):
    """A PUSCH transmission: allocation, layers, DM-RS, PT-RS, MCS / code rate.

    TS 38.211 §6.3.1, §6.4.1.1, §6.4.1.2; TS 38.214 §6.1.2.1 (Table 6.1.2.1-1), §6.1.4.
    MATLAB namesake: ``nrPUSCHConfig`` (snake_case names; frequency hopping, interlacing and
    UCI fields are not modelled).

    Parameters
    ----------
    n_size_bwp, n_start_bwp : BWP size (1..275) and start (CRB number, 0..2473); None: the
        carrier grid.
    modulation : ``"pi/2-BPSK"`` (transform precoding only), ``"QPSK"``, ``"16QAM"``,
        ``"64QAM"`` or ``"256QAM"``; set from the MCS table when ``mcs_index`` is given.
    n_layers : v, 1..4 (1 with transform precoding).
    mapping_type : ``"A"`` or ``"B"``.
    symbol_allocation : (S, L), start symbol and length, per TS 38.214 Table 6.1.2.1-1.
    prb_set : PRBs of the BWP (any set; contiguous with transform precoding, then a count
        2^a 3^b 5^c). Stored sorted. Default: 0..51 (MATLAB's default).
    transform_precoding : DFT-s-OFDM (TS 38.211 §6.3.1.4).
    transmission_scheme : ``"non-codebook"`` or ``"codebook"``.
    n_antenna_ports : 1, 2 or 4; tpmi : 0..27 (used by the precoder, not here).
    n_id : data scrambling identity n_ID 0..1023; None: N_ID^cell.
    rnti : n_RNTI, 0..65535.
    dmrs : :class:`PUSCHDMRSConfig`; enable_ptrs, ptrs : PT-RS on/off and
        :class:`PUSCHPTRSConfig`.
    mcs_index, mcs_table, tp_pi2bpsk : optional I_MCS (0..31) of a table of
        :data:`softran.nr.tables.MCS_TABLE_NAMES`; sets ``modulation`` and
        ``target_code_rate``. ``tp_pi2bpsk`` picks q = 1 in the transform-precoding tables.
    target_code_rate : R (0 < R <= 0.95) when no ``mcs_index`` is given.
    x_overhead : N_oh^PRB, 0, 6, 12 or 18; tb_scaling : S, 1, 0.5 or 0.25.

    >>> p = PUSCHConfig(prb_set=range(25), mcs_index=2)        # G-FR1-A3-8
    >>> p.modulation, p.target_code_rate, p.dmrs_symbols
    ('QPSK', 0.1884765625, [2])
    >>> p.dmrs.additional_position = 1
    >>> p.dmrs_symbols, p.n_re, p.tb_size, p.num_coded_bits
    ([2, 11], 3600, 1352, 7200)
    """

    MODULATIONS: ClassVar[tuple[str, ...]] = PUSCH_MODULATIONS
    MAX_LAYERS: ClassVar[int] = 4
    MCS_TABLES: ClassVar[tuple[str, ...]] = MCS_TABLE_NAMES

    # n_size_bwp, n_start_bwp, modulation, n_layers, mapping_type, symbol_allocation,
    # prb_set, n_id, rnti, mcs_index, mcs_table, target_code_rate, x_overhead, tb_scaling:
    # SharedChannelConfigBase
    transform_precoding: bool = False
    transmission_scheme: str = "non-codebook"
    n_antenna_ports: int = 1
    tpmi: int = 0
    dmrs: PUSCHDMRSConfig = Field(default_factory=PUSCHDMRSConfig)
    enable_ptrs: bool = False
    ptrs: PUSCHPTRSConfig = Field(default_factory=PUSCHPTRSConfig)
    tp_pi2bpsk: bool = False

    # ---- field validators -------------------------------------------------------------
    @field_validator("transform_precoding", "enable_ptrs", "tp_pi2bpsk", mode="before")
    @classmethod
    def _bools(cls, v: Any, info: Any) -> bool:
        return check_bool(info.field_name, v)

    @field_validator("transmission_scheme", mode="before")
    @classmethod
    def _scheme(cls, v: Any) -> str:
        return check_name("transmission_scheme", v, ("non-codebook", "codebook"))

    @field_validator("n_antenna_ports", mode="before")
    @classmethod
    def _n_antenna_ports(cls, v: Any) -> int:
        return check_choice("n_antenna_ports", check_int("n_antenna_ports", v), (1, 2, 4))

    @field_validator("tpmi", mode="before")
    @classmethod
    def _tpmi(cls, v: Any) -> int:
        return check_int("tpmi", v, 0, 27)

    @field_validator("dmrs", mode="before")
    @classmethod
    def _dmrs(cls, v: Any) -> Any:
        if not isinstance(v, (PUSCHDMRSConfig, dict)):
            raise TypeError(f"dmrs must be a PUSCHDMRSConfig, got {type(v).__name__}")
        return v

    @field_validator("ptrs", mode="before")
    @classmethod
    def _ptrs(cls, v: Any) -> Any:
        if not isinstance(v, (PUSCHPTRSConfig, dict)):
            raise TypeError(f"ptrs must be a PUSCHPTRSConfig, got {type(v).__name__}")
        return v

    # ---- cross-field rules ------------------------------------------------------------
    @model_validator(mode="after")
    def _cross(self) -> PUSCHConfig:
        self._sync_mcs()
        self._check_symbol_allocation("normal")
        if self.n_size_bwp is not None and self.prb_set[-1] >= self.n_size_bwp:
            raise ValueError(f"prb_set contains PRB {self.prb_set[-1]}, outside the BWP: "
                             f"allowed 0..{self.n_size_bwp - 1} (n_size_bwp = {self.n_size_bwp})")
        if self.modulation == "pi/2-BPSK" and not self.transform_precoding:
            raise ValueError("modulation = 'pi/2-BPSK' requires transform_precoding = True "
                             "(TS 38.211 Table 6.3.1.2-1)")
        if self.transform_precoding:
            self._check_transform_precoding()
        if self.transmission_scheme == "codebook" and self.n_layers > self.n_antenna_ports:
            raise ValueError(f"n_layers = {self.n_layers} exceeds n_antenna_ports = "
                             f"{self.n_antenna_ports} with transmission_scheme = 'codebook'")
        d = self.dmrs
        if d.dmrs_ports is not None and len(d.dmrs_ports) != self.n_layers:
            raise ValueError(f"dmrs.dmrs_ports = {list(d.dmrs_ports)} must have n_layers = "
                             f"{self.n_layers} entries (one DM-RS port per layer)")
        table = dmrs_port_table(d.dmrs_type)
        for p in self.dmrs_ports:
            if table[p][0] >= d.num_cdm_groups_without_data:
                raise ValueError(
                    f"DM-RS port {p} (dmrs.dmrs_ports) is in CDM group {table[p][0]}, but "
                    f"dmrs.num_cdm_groups_without_data = {d.num_cdm_groups_without_data} leaves "
                    f"data on that group's REs; use num_cdm_groups_without_data >= "
                    f"{table[p][0] + 1} (TS 38.212 Tables 7.3.1.1.2-8 ff.)")
        if self.enable_ptrs:
            bad = [p for p in self.ptrs_ports if p not in self.dmrs_ports]
            if bad:
                raise ValueError(f"ptrs.ptrs_ports = {list(self.ptrs_ports)} contains {bad[0]}, "
                                 f"which is not one of the DM-RS ports {list(self.dmrs_ports)}")
        return self

    def _mcs_entry(self) -> tuple[str, float]:
        """(modulation, rate) of the MCS; ``tp_pi2bpsk`` selects pi/2-BPSK in the
        transform-precoding tables (TS 38.214 §6.1.4.1)."""
        assert self.mcs_index is not None
        return mcs(self.mcs_index, self.mcs_table, tp_pi2bpsk=self.tp_pi2bpsk)

    def _check_symbol_allocation(self, cyclic_prefix: str) -> None:
        s, length = self.symbol_allocation
        s_min, s_max, l_min, l_max, sl_min, sl_max = _symbol_allocation_table()[
            (self.mapping_type, cyclic_prefix)]
        if not (s_min <= s <= s_max and l_min <= length <= l_max
                and sl_min <= s + length <= sl_max):
            raise ValueError(
                f"symbol_allocation = ({s}, {length}) is not valid for mapping_type = "
                f"{self.mapping_type!r} with {cyclic_prefix} cyclic prefix; TS 38.214 Table "
                f"6.1.2.1-1 allows S in {s_min}..{s_max}, L in {l_min}..{l_max}, S + L in "
                f"{sl_min}..{sl_max}")

    def _check_transform_precoding(self) -> None:
        if self.n_layers != 1:
            raise ValueError(f"transform_precoding = True requires n_layers = 1, got n_layers = "
                             f"{self.n_layers} (TS 38.211 §6.3.1.4)")
        if self.dmrs.dmrs_type != 1:
            raise ValueError("transform_precoding = True requires dmrs.dmrs_type = 1 "
                             "(TS 38.211 §6.4.1.1.3)")
        if self.dmrs.num_cdm_groups_without_data != 2:
            raise ValueError(
                f"transform_precoding = True requires dmrs.num_cdm_groups_without_data = 2 (no "
                f"data on DM-RS symbols; TS 38.212 Tables 7.3.1.1.2-6/-7), got "
                f"{self.dmrs.num_cdm_groups_without_data}")
        prbs = self.prb_set
        if prbs[-1] - prbs[0] + 1 != len(prbs):
            raise ValueError(f"transform_precoding = True requires a contiguous prb_set, got "
                             f"{len(prbs)} PRBs spanning {prbs[0]}..{prbs[-1]}")
        if not _is_2a3b5c(len(prbs)):
            raise ValueError(
                f"transform_precoding = True requires a PRB count 2^a 3^b 5^c (M_sc^PUSCH = "
                f"12 * n_PRB, TS 38.211 §6.3.1.4), got len(prb_set) = {len(prbs)}")

    def check_carrier(self, carrier: CarrierConfig) -> None:
        """Raise ``ValueError`` if this PUSCH does not fit ``carrier``: the BWP inside the grid
        (TS 38.211 §4.4.5), the PRBs inside the BWP, the cyclic-prefix row of TS 38.214
        Table 6.1.2.1-1.

        >>> PUSCHConfig(prb_set=[60]).check_carrier(CarrierConfig(n_size_grid=52))
        Traceback (most recent call last):
        ...
        ValueError: prb_set contains PRB 60, outside the BWP: allowed 0..51 (BWP size 52)
        """
        if not isinstance(carrier, CarrierConfig):
            raise TypeError(f"carrier must be a CarrierConfig, got {type(carrier).__name__}")
        self._cross()  # nested configs may have changed since the last validation
        self._check_bwp(carrier, "PRB")
        self._check_symbol_allocation(carrier.cyclic_prefix)

    # ---- derived values ---------------------------------------------------------------
    @property
    def dmrs_ports(self) -> tuple[int, ...]:
        """The DM-RS port of each layer (``dmrs.dmrs_ports``, default 0..n_layers-1)."""
        ports = self.dmrs.dmrs_ports
        return tuple(range(self.n_layers)) if ports is None else ports

    @property
    def ptrs_ports(self) -> tuple[int, ...]:
        """DM-RS ports associated with PT-RS (``ptrs.ptrs_ports``, default the lowest DM-RS
        port)."""
        ports = self.ptrs.ptrs_ports
        return (min(self.dmrs_ports),) if ports is None else ports

    @property
    def dmrs_symbols(self) -> list[int]:
        """OFDM symbols (within the slot) carrying DM-RS, TS 38.211 §6.4.1.1.3
        (see :func:`softran.nr.pusch.dmrs.pusch_dmrs_symbols`)."""
        return dmrs_symbol_positions(self)

    @property
    def n_re_per_prb(self) -> int:
        """N'_RE = 12 N_symb^sh - N_DMRS^PRB of TS 38.214 §6.1.4.2 (before x_overhead): the
        allocation's REs per PRB less the DM-RS REs of the CDM groups without data (every RE
        of a DM-RS symbol with transform precoding)."""
        d = self.dmrs
        per_symbol = (N_SC_RB if self.transform_precoding else
                      (6 if d.dmrs_type == 1 else 4) * d.num_cdm_groups_without_data)
        return N_SC_RB * self.symbol_allocation[1] - per_symbol * len(self.dmrs_symbols)

    @property
    def n_re(self) -> int:
        """Data REs per layer: the allocation less DM-RS REs of the CDM groups without data
        and less PT-RS REs (MATLAB ``Gd``)."""
        if not self.enable_ptrs:         # every PRB alike: N'_RE per PRB (no mask to build)
            return self.n_prb * self.n_re_per_prb
        return int(data_re_mask(self).sum())

    @property
    def code_rate(self) -> Fraction:
        """Target code rate R as an exact fraction (from the MCS table or
        ``target_code_rate``)."""
        if self.target_code_rate is None:
            raise ValueError("target_code_rate is None and no mcs_index is set; set one of them"
                             " (a reserved MCS index has no code rate)")
        return code_rate_fraction("target_code_rate", self.target_code_rate)

    @property
    def tb_size(self) -> int:
        """Transport block size of TS 38.214 §6.1.4.2 (via :func:`softran.nr.coding.tbs.tbs`)."""
        return tbs(self.modulation, self.n_layers, self.n_prb, self.n_re_per_prb,
                   self.code_rate, x_overhead=self.x_overhead, tb_scaling=self.tb_scaling)

    @property
    def num_coded_bits(self) -> int:
        """G = n_re * n_layers * Q_m, the coded bits of the UL-SCH codeword (no UCI)."""
        return self.n_re * self.n_layers * self.qm


def check_pusch_config(carrier: object, config: object, name: str = "pusch"
                       ) -> tuple[CarrierConfig, PUSCHConfig]:
    """The types of a carrier and a PUSCH configuration (argument ``name``) and their
    consistency (the PUSCH inside the carrier's grid, TS 38.214 §6.1.2).

    >>> carrier, pusch = check_pusch_config(CarrierConfig(), PUSCHConfig())
    """
    if not isinstance(carrier, CarrierConfig):
        raise TypeError(f"carrier must be a CarrierConfig, got {type(carrier).__name__}")
    if not isinstance(config, PUSCHConfig):
        raise TypeError(f"{name} must be a PUSCHConfig, got {type(config).__name__}")
    config.check_carrier(carrier)
    return carrier, config
