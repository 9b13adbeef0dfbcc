"""PUSCH reference-signal configuration: DM-RS (TS 38.211 §6.4.1.1; TS 38.214 §6.2.2) and
PT-RS (TS 38.211 §6.4.1.2; TS 38.214 §6.2.3), validated when set (MATLAB
``nrPUSCHDMRSConfig``, ``nrPUSCHPTRSConfig``); see :mod:`softran.nr.pusch.config` for the
conventions. :class:`~softran.nr.pusch.config.PUSCHConfig` holds one of each.
"""

from __future__ import annotations

import functools
import numbers
from collections.abc import Iterable
from typing import Any

from pydantic import field_validator, model_validator

from softran.nr.datafiles import read_csv
from softran.validation import (
    ValidatedModel,
    check_bool,
    check_choice,
    check_int,
    check_int_list,
    check_name,
)

__all__ = ["PUSCHDMRSConfig", "PUSCHPTRSConfig"]


@functools.cache
def _beta_dmrs_table() -> dict[int, float]:
    """TS 38.214 Table 6.2.2-1: CDM groups without data -> beta_DMRS [dB]."""
    return {int(r["num_cdm_groups_without_data"]): float(r["beta_dmrs_db"])
            for r in read_csv("pusch_dmrs_epre.csv")}


class PUSCHDMRSConfig(ValidatedModel):
    """PUSCH DM-RS configuration, TS 38.211 §6.4.1.1 (MATLAB ``nrPUSCHDMRSConfig``).

    Parameters
    ----------
    dmrs_type : configuration type 1 or 2 (*dmrs-Type*; ``DMRSConfigurationType``).
    type_a_position : l_0 for mapping type A, 2 or 3 (*dmrs-TypeA-Position*).
    additional_position : 0..3 (*dmrs-AdditionalPosition* pos0..pos3; 0..1 for double symbol).
    max_length : 1 (single-symbol) or 2 (double-symbol) DM-RS, the length actually used
        (MATLAB ``DMRSLength``).
    dmrs_ports : DM-RS ports p~_j of the layers j (None: 0..n_layers-1); 0..3 (type 1) or
        0..5 (type 2) single-symbol, 0..7 / 0..11 double-symbol.
    n_id_n_scid : (N_ID^0, N_ID^1), 0..65535 each (*scramblingID0/1*); an int sets both;
        None: N_ID^cell.
    n_scid : n_SCID, 0 or 1.
    n_pusch_identity : n_ID^RS = *nPUSCH-Identity* for transform precoding, 0..1007;
        None: N_ID^cell.
    group_hopping, sequence_hopping : transform-precoding DM-RS hopping (at most one).
    num_cdm_groups_without_data : 1..3 (3 with type 2 only); the CDM groups {0, .., n-1}
        whose REs carry no data on DM-RS symbols.
    dmrs_uplink_r16 : the Rel-16 *dmrs-Uplink-r16* initialisation (lambda-bar = CDM group,
        n_SCID flipped for CDM group 1); default False: lambda-bar = 0.

    >>> d = PUSCHDMRSConfig(additional_position=1)
    >>> d.beta_dmrs_db, round(d.beta_dmrs, 4)
    (-3.0, 1.4125)
    """

    dmrs_type: int = 1
    type_a_position: int = 2
    additional_position: int = 0
    max_length: int = 1
    dmrs_ports: tuple[int, ...] | None = None
    n_id_n_scid: tuple[int, int] | None = None
    n_scid: int = 0
    n_pusch_identity: int | None = None
    group_hopping: bool = False
    sequence_hopping: bool = False
    num_cdm_groups_without_data: int = 2
    dmrs_uplink_r16: bool = False

    @field_validator("dmrs_type", mode="before")
    @classmethod
    def _dmrs_type(cls, v: Any) -> int:
        return check_choice("dmrs_type", check_int("dmrs_type", v), (1, 2))

    @field_validator("type_a_position", mode="before")
    @classmethod
    def _type_a_position(cls, v: Any) -> int:
        return check_choice("type_a_position", check_int("type_a_position", v), (2, 3))

    @field_validator("additional_position", mode="before")
    @classmethod
    def _additional_position(cls, v: Any) -> int:
        return check_int("additional_position", v, 0, 3)

    @field_validator("max_length", mode="before")
    @classmethod
    def _max_length(cls, v: Any) -> int:
        return check_choice("max_length", check_int("max_length", v), (1, 2))

    @field_validator("dmrs_ports", mode="before")
    @classmethod
    def _dmrs_ports(cls, v: Any) -> tuple[int, ...] | None:
        if v is None:
            return None
        ports = check_int_list("dmrs_ports", v, 0, 11)
        if not 1 <= len(ports) <= 4:
            raise ValueError(f"dmrs_ports = {list(ports)} must list 1..4 ports (one per layer)")
        return ports

    @field_validator("n_id_n_scid", mode="before")
    @classmethod
    def _n_id_n_scid(cls, v: Any) -> tuple[int, int] | None:
        if v is None:
            return None
        if isinstance(v, numbers.Integral) and not isinstance(v, bool):
            v = (v, v)
        if isinstance(v, (str, bytes)) or not isinstance(v, Iterable):
            raise TypeError(f"n_id_n_scid must be None, an int or a pair (N_ID^0, N_ID^1), "
                            f"got {type(v).__name__}")
        items = tuple(v)
        if len(items) != 2:
            raise ValueError(f"n_id_n_scid = {items} must be a pair (N_ID^0, N_ID^1)")
        return tuple(check_int(f"n_id_n_scid[{i}]", x, 0, 65535) for i, x in enumerate(items))

    @field_validator("n_scid", mode="before")
    @classmethod
    def _n_scid(cls, v: Any) -> int:
        return check_int("n_scid", v, 0, 1)

    @field_validator("n_pusch_identity", mode="before")
    @classmethod
    def _n_pusch_identity(cls, v: Any) -> int | None:
        return None if v is None else check_int("n_pusch_identity", v, 0, 1007)

    @field_validator("group_hopping", "sequence_hopping", "dmrs_uplink_r16", mode="before")
    @classmethod
    def _bools(cls, v: Any, info: Any) -> bool:
        return check_bool(info.field_name, v)

    @field_validator("num_cdm_groups_without_data", mode="before")
    @classmethod
    def _ncdm(cls, v: Any) -> int:
        return check_int("num_cdm_groups_without_data", v, 1, 3)

    @model_validator(mode="after")
    def _cross(self) -> PUSCHDMRSConfig:
        if self.group_hopping and self.sequence_hopping:
            raise ValueError("group_hopping and sequence_hopping cannot both be True "
                             "(TS 38.211 §6.4.1.1.1.2: at most one hopping mode)")
        if self.num_cdm_groups_without_data == 3 and self.dmrs_type != 2:
            raise ValueError("num_cdm_groups_without_data = 3 requires dmrs_type = 2 "
                             "(type 1 has CDM groups 0 and 1 only)")
        if self.max_length == 2 and self.additional_position > 1:
            raise ValueError(f"additional_position = {self.additional_position} is not allowed "
                             "with max_length = 2; allowed: 0, 1 (TS 38.211 Table 6.4.1.1.3-4)")
        if self.dmrs_ports is not None:
            n_ports = (4 if self.dmrs_type == 1 else 6) * self.max_length
            bad = [p for p in self.dmrs_ports if p >= n_ports]
            if bad:
                raise ValueError(f"dmrs_ports = {list(self.dmrs_ports)} contains {bad[0]}; "
                                 f"allowed with dmrs_type = {self.dmrs_type} and max_length = "
                                 f"{self.max_length}: 0..{n_ports - 1}")
        return self

    @property
    def beta_dmrs_db(self) -> float:
        """beta_DMRS [dB], the ratio of PUSCH EPRE to DM-RS EPRE (TS 38.214 Table 6.2.2-1):
        0, -3, -4.77 dB for 1, 2, 3 CDM groups without data."""
        return _beta_dmrs_table()[self.num_cdm_groups_without_data]

    @property
    def beta_dmrs(self) -> float:
        """DM-RS amplitude scaling beta_PUSCH^DMRS = 10^(-beta_DMRS/20) (TS 38.214 §6.2.2,
        TS 38.211 §6.4.1.1.3): the DM-RS amplitude relative to unit-power data symbols
        (1.4125 at -3 dB: DM-RS EPRE 3 dB above the data EPRE)."""
        return 10.0 ** (-self.beta_dmrs_db / 20.0)


class PUSCHPTRSConfig(ValidatedModel):
    """PUSCH PT-RS configuration, TS 38.211 §6.4.1.2, TS 38.214 §6.2.3 (MATLAB
    ``nrPUSCHPTRSConfig``, CP-OFDM part).

    Parameters
    ----------
    time_density : L_PT-RS, 1, 2 or 4 (OFDM symbols).
    frequency_density : K_PT-RS, 2 or 4 (resource blocks).
    re_offset : *resourceElementOffset*, ``"00"``, ``"01"``, ``"10"`` or ``"11"``.
    ptrs_ports : DM-RS ports associated with the PT-RS ports (1 or 2 of them, each one of the
        PUSCH's DM-RS ports); None: the lowest DM-RS port.

    >>> PUSCHPTRSConfig(time_density=2, frequency_density=4).re_offset
    '00'
    """

    time_density: int = 1
    frequency_density: int = 2
    re_offset: str = "00"
    ptrs_ports: tuple[int, ...] | None = None

    @field_validator("time_density", mode="before")
    @classmethod
    def _time_density(cls, v: Any) -> int:
        return check_choice("time_density", check_int("time_density", v), (1, 2, 4))

    @field_validator("frequency_density", mode="before")
    @classmethod
    def _frequency_density(cls, v: Any) -> int:
        return check_choice("frequency_density", check_int("frequency_density", v), (2, 4))

    @field_validator("re_offset", mode="before")
    @classmethod
    def _re_offset(cls, v: Any) -> str:
        return check_name("re_offset", v, ("00", "01", "10", "11"))

    @field_validator("ptrs_ports", mode="before")
    @classmethod
    def _ptrs_ports(cls, v: Any) -> tuple[int, ...] | None:
        if v is None:
            return None
        ports = check_int_list("ptrs_ports", v, 0, 11)
        if not 1 <= len(ports) <= 2:
            raise ValueError(f"ptrs_ports = {list(ports)} must list 1 or 2 DM-RS ports "
                             "(at most two PT-RS ports, TS 38.214 §6.2.3.1)")
        return ports
