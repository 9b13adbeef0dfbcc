"""SRS configuration, TS 38.211 §6.4.1.4 and TS 38.214 §6.2.1 (TS 38.331 *SRS-Resource*),
validated when set (MATLAB ``nrSRSConfig``).

Bandwidth: C_SRS selects a row of Table 6.4.1.4.3-1 (``data/srs_bandwidth_configuration.csv``),
B_SRS its column: the SRS spans ``m_SRS,B_SRS`` resource blocks, every K_TC-th subcarrier.
Frequency hopping is on when ``b_hop < B_SRS`` (TS 38.211 §6.4.1.4.3).
"""

from __future__ import annotations

import functools
from typing import Any

from pydantic import field_validator, model_validator

from softran.nr.config import CarrierConfig
from softran.nr.datafiles import read_csv
from softran.nr.sequences import low_papr_sequence
from softran.validation import ValidatedModel, check_choice, check_int, check_name

__all__ = ["SRS_PERIODICITIES", "SRSConfig", "check_srs_config", "srs_bandwidth_configuration"]

#: T_SRS in slots (TS 38.331 *SRS-PeriodicityAndOffset*).
SRS_PERIODICITIES: tuple[int, ...] = (1, 2, 4, 5, 8, 10, 16, 20, 32, 40, 64, 80, 160, 320, 640,
                                      1280, 2560)
#: n_SRS^cs,max per comb size K_TC (TS 38.211 §6.4.1.4.2).
N_CS_MAX = {2: 8, 4: 12, 8: 6}


@functools.cache
def _bw_table() -> dict[int, tuple[tuple[int, int], ...]]:
    return {int(r["c_srs"]): tuple((int(r[f"m_srs_{b}"]), int(r[f"n_{b}"])) for b in range(4))
            for r in read_csv("srs_bandwidth_configuration.csv")}


def srs_bandwidth_configuration(c_srs: int) -> tuple[tuple[int, int], ...]:
    """Row C_SRS of TS 38.211 Table 6.4.1.4.3-1: ((m_SRS,b, N_b) for b = 0..3).

    >>> srs_bandwidth_configuration(63)
    ((272, 1), (16, 17), (8, 2), (4, 2))
    """
    return _bw_table()[check_int("c_srs", c_srs, 0, 63)]


class SRSConfig(ValidatedModel):
    """One SRS resource (TS 38.211 §6.4.1.4; MATLAB ``nrSRSConfig``).

    Parameters
    ----------
    n_ports : N_ap^SRS, 1, 2 or 4 (ports 1000..1000 + N_ap - 1).
    n_symbols : N_symb^SRS, 1, 2 or 4 consecutive symbols; start_symbol : l_0 (0..13).
    repetition : R, 1, 2 or 4 (<= n_symbols).
    comb : K_TC, 2, 4 or 8; comb_offset : kbar_TC, 0..K_TC-1.
    cyclic_shift : n_SRS^cs, 0..n_SRS^cs,max - 1 (7, 11, 5 for combs 2, 4, 8).
    c_srs : 0..63; b_srs : 0..3; b_hop : 0..3 (hopping when b_hop < b_srs).
    frequency_position : n_RRC, 0..67; frequency_shift : n_shift, 0..268.
    group_hopping : ``"neither"``, ``"group"`` or ``"sequence"``; sequence_id : n_ID^SRS, 0..1023.
    resource_type : ``"periodic"``, ``"semi-persistent"`` or ``"aperiodic"``;
    periodicity : T_SRS (slots); offset : T_offset, 0..T_SRS - 1.

    >>> s = SRSConfig(n_ports=2, comb=4, c_srs=13, b_srs=0)
    >>> s.m_srs, s.n_sc, s.n_cs_max
    (48, 144, 12)
    """

    n_ports: int = 1
    n_symbols: int = 1
    start_symbol: int = 13
    repetition: int = 1
    comb: int = 2
    comb_offset: int = 0
    cyclic_shift: int = 0
    c_srs: int = 0
    b_srs: int = 0
    b_hop: int = 0
    frequency_position: int = 0
    frequency_shift: int = 0
    group_hopping: str = "neither"
    sequence_id: int = 0
    resource_type: str = "periodic"
    periodicity: int = 1
    offset: int = 0

    @field_validator("n_ports", mode="before")
    @classmethod
    def _ports(cls, v: Any) -> int:
        return check_choice("n_ports", check_int("n_ports", v), (1, 2, 4))

    @field_validator("n_symbols", "repetition", mode="before")
    @classmethod
    def _sym(cls, v: Any, info: Any) -> int:
        return check_choice(info.field_name, check_int(info.field_name, v), (1, 2, 4))

    @field_validator("start_symbol", mode="before")
    @classmethod
    def _start(cls, v: Any) -> int:
        return check_int("start_symbol", v, 0, 13)

    @field_validator("comb", mode="before")
    @classmethod
    def _comb(cls, v: Any) -> int:
        return check_choice("comb", check_int("comb", v), (2, 4, 8))

    @field_validator("comb_offset", "cyclic_shift", mode="before")
    @classmethod
    def _small(cls, v: Any, info: Any) -> int:
        return check_int(info.field_name, v, 0, 11)

    @field_validator("c_srs", mode="before")
    @classmethod
    def _c(cls, v: Any) -> int:
        return check_int("c_srs", v, 0, 63)

    @field_validator("b_srs", "b_hop", mode="before")
    @classmethod
    def _b(cls, v: Any, info: Any) -> int:
        return check_int(info.field_name, v, 0, 3)

    @field_validator("frequency_position", mode="before")
    @classmethod
    def _pos(cls, v: Any) -> int:
        return check_int("frequency_position", v, 0, 67)

    @field_validator("frequency_shift", mode="before")
    @classmethod
    def _shift(cls, v: Any) -> int:
        return check_int("frequency_shift", v, 0, 268)

    @field_validator("group_hopping", mode="before")
    @classmethod
    def _gh(cls, v: Any) -> str:
        return check_name("group_hopping", v, ("neither", "group", "sequence"))

    @field_validator("sequence_id", mode="before")
    @classmethod
    def _sid(cls, v: Any) -> int:
        return check_int("sequence_id", v, 0, 1023)

    @field_validator("resource_type", mode="before")
    @classmethod
    def _rt(cls, v: Any) -> str:
        return check_name("resource_type", v, ("periodic", "semi-persistent", "aperiodic"))

    @field_validator("periodicity", mode="before")
    @classmethod
    def _per(cls, v: Any) -> int:
        return check_choice("periodicity", check_int("periodicity", v), SRS_PERIODICITIES)

    @field_validator("offset", mode="before")
    @classmethod
    def _off(cls, v: Any) -> int:
        return check_int("offset", v, 0, 2559)

    @model_validator(mode="after")
    def _cross(self) -> SRSConfig:
        if self.start_symbol + self.n_symbols > 14:
            raise ValueError(f"start_symbol = {self.start_symbol} with n_symbols = "
                             f"{self.n_symbols} ends after symbol 13 of the slot")
        if self.repetition > self.n_symbols:
            raise ValueError(f"repetition = {self.repetition} exceeds n_symbols = "
                             f"{self.n_symbols} (TS 38.211 §6.4.1.4.1: R <= N_symb^SRS)")
        if self.comb_offset >= self.comb:
            raise ValueError(f"comb_offset = {self.comb_offset} is not allowed with comb = "
                             f"{self.comb}; allowed 0..{self.comb - 1}")
        if self.cyclic_shift >= self.n_cs_max:
            raise ValueError(f"cyclic_shift = {self.cyclic_shift} is not allowed with comb = "
                             f"{self.comb}; allowed 0..{self.n_cs_max - 1} (n_SRS^cs,max = "
                             f"{self.n_cs_max})")
        if self.offset >= self.periodicity:
            raise ValueError(f"offset = {self.offset} must be below periodicity = "
                             f"{self.periodicity} slots")
        try:
            low_papr_sequence(0, 0, 0.0, self.n_sc, delta=self.comb.bit_length() - 1)
        except ValueError:
            raise ValueError(f"comb = {self.comb} over m_SRS = {self.m_srs} RBs (c_srs = "
                             f"{self.c_srs}, b_srs = {self.b_srs}) gives the sequence length "
                             f"{self.n_sc}, which TS 38.211 §5.2.2 does not define") from None
        return self

    # ---- derived values ---------------------------------------------------------------
    @property
    def n_cs_max(self) -> int:
        """n_SRS^cs,max: 8, 12, 6 for combs 2, 4, 8."""
        return N_CS_MAX[self.comb]

    @property
    def m_srs(self) -> int:
        """m_SRS,B_SRS: RBs of the SRS (Table 6.4.1.4.3-1)."""
        return srs_bandwidth_configuration(self.c_srs)[self.b_srs][0]

    @property
    def n_sc(self) -> int:
        """M_sc,b^SRS = m_SRS,b N_sc^RB / K_TC, the sequence length."""
        return self.m_srs * 12 // self.comb

    @property
    def hopping(self) -> bool:
        """Frequency hopping is on (b_hop < B_SRS)."""
        return self.b_hop < self.b_srs

    def is_srs_slot(self, carrier: CarrierConfig) -> bool:
        """Whether ``carrier`` (n_frame, n_slot) is an SRS slot of a periodic or semi-persistent
        resource, ``(N_slot^frame n_f + n_s - T_offset) mod T_SRS = 0`` (TS 38.214 §6.2.1).

        >>> SRSConfig(periodicity=5, offset=2).is_srs_slot(CarrierConfig(n_slot=7))
        True
        """
        if self.resource_type == "aperiodic":
            return True
        n = carrier.slots_per_frame * (carrier.n_frame % 1024) + carrier.slot_in_frame
        return (n - self.offset) % self.periodicity == 0


def check_srs_config(carrier: object, config: object, name: str = "srs"
                     ) -> tuple[CarrierConfig, SRSConfig]:
    """Types of a carrier and an SRS configuration, and the SRS inside the carrier grid and
    the slot.

    >>> c, s = check_srs_config(CarrierConfig(n_size_grid=52), SRSConfig(c_srs=14))
    """
    if not isinstance(carrier, CarrierConfig):
        raise TypeError(f"carrier must be a CarrierConfig, got {type(carrier).__name__}")
    if not isinstance(config, SRSConfig):
        raise TypeError(f"{name} must be a SRSConfig, got {type(config).__name__}")
    config._cross()
    if config.start_symbol + config.n_symbols > carrier.symbols_per_slot:
        raise ValueError(f"the SRS symbols {config.start_symbol}..{config.start_symbol + config.n_symbols - 1} "
                         f"do not fit the {carrier.symbols_per_slot} symbols of a slot")
    return carrier, config
