"""PUSCH reference-signal configuration: DM-RS (TS 38.211 §6.4.1.1; TS 38.214 §6.2.2) and
PT-RS (TS 38.211 §6.4.1.2; TS 38.214 §6.2.3), validated when set (MATLAB
``nrPUSCHDMRSConfig``, ``nrPUSCHPTRSConfig``); see :mod:`softran.nr.pusch.config` for the
conventions. :class:`~softran.nr.pusch.config.PUSCHConfig` holds one of each.
"""

from __future__ import annotations

from typing import Any, ClassVar

from pydantic import field_validator, model_validator

from softran.nr.dmrs import DMRSConfigBase
from softran.nr.ptrs import PTRSConfigBase
from softran.validation import check_bool, check_int, check_int_list

__all__ = ["PUSCHDMRSConfig", "PUSCHPTRSConfig"]


class PUSCHDMRSConfig(DMRSConfigBase):
    """PUSCH DM-RS configuration, TS 38.211 §6.4.1.1 (MATLAB ``nrPUSCHDMRSConfig``): the shared
    fields of :class:`~softran.nr.dmrs.DMRSConfigBase` plus the uplink ones.

    Parameters
    ----------
    dmrs_type, type_a_position, additional_position, max_length, n_id_n_scid, n_scid,
    num_cdm_groups_without_data : see :class:`~softran.nr.dmrs.DMRSConfigBase`.
    dmrs_ports : DM-RS ports p~_j of the layers j (None: 0..n_layers-1), 1..4 of them;
        0..3 (type 1) or 0..5 (type 2) single-symbol, 0..7 / 0..11 double-symbol.
    n_pusch_identity : n_ID^RS = *nPUSCH-Identity* for transform precoding, 0..1007;
        None: N_ID^cell.
    group_hopping, sequence_hopping : transform-precoding DM-RS hopping (at most one).
    dmrs_uplink_r16 : the Rel-16 *dmrs-Uplink-r16* initialisation (lambda-bar = CDM group,
        n_SCID flipped for CDM group 1); default False: lambda-bar = 0.

    >>> d = PUSCHDMRSConfig(additional_position=1)
    >>> d.beta_dmrs_db, round(d.beta_dmrs, 4)
    (-3.0, 1.4125)
    """

    max_ports: ClassVar[int] = 4

    n_pusch_identity: int | None = None
    group_hopping: bool = False
    sequence_hopping: bool = False
    dmrs_uplink_r16: bool = False

    @field_validator("n_pusch_identity", mode="before")
    @classmethod
    def _n_pusch_identity(cls, v: Any) -> int | None:
        return None if v is None else check_int("n_pusch_identity", v, 0, 1007)

    @field_validator("group_hopping", "sequence_hopping", "dmrs_uplink_r16", mode="before")
    @classmethod
    def _bools(cls, v: Any, info: Any) -> bool:
        return check_bool(info.field_name, v)

    @model_validator(mode="after")
    def _uplink_rules(self) -> PUSCHDMRSConfig:
        if self.group_hopping and self.sequence_hopping:
            raise ValueError("group_hopping and sequence_hopping cannot both be True "
                             "(TS 38.211 §6.4.1.1.1.2: at most one hopping mode)")
        return self


class PUSCHPTRSConfig(PTRSConfigBase):
    """PUSCH PT-RS configuration, TS 38.211 §6.4.1.2, TS 38.214 §6.2.3 (MATLAB
    ``nrPUSCHPTRSConfig``, CP-OFDM part).

    Parameters
    ----------
    time_density, frequency_density, re_offset : see :class:`~softran.nr.ptrs.PTRSConfigBase`.
    ptrs_ports : DM-RS ports associated with the PT-RS ports (1 or 2 of them, each one of the
        PUSCH's DM-RS ports); None: the lowest DM-RS port.

    >>> PUSCHPTRSConfig(time_density=2, frequency_density=4).re_offset
    '00'
    """

    ptrs_ports: tuple[int, ...] | None = None

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
