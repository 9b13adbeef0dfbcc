"""PRACH configuration (TS 38.211 §5.3.2, §6.3.3; TS 38.331 *RACH-ConfigGeneric*), validated
when set (MATLAB ``nrPRACHConfig``).

The random access configuration index selects a row of Tables 6.3.3.2-2 (FR1 paired), -3 (FR1
unpaired) or -4 (FR2): the preamble format, the frames, subframes (or 60 kHz slots), starting
symbol, PRACH slots and time-domain occasions. ``time_index`` (n_t^RA) and ``active_slot``
(the PRACH slot within a subframe or 60 kHz slot when there are two) pick one occasion;
``frequency_index`` (n_RA) one of the frequency-multiplexed occasions from
``frequency_start`` (*msg1-FrequencyStart*, PRBs from the start of the BWP). For the combined
formats A1/B1, A2/B2, A3/B3 the last occasion of a PRACH slot uses the B format, the others
the A format (TS 38.211 §5.3.2, Table 6.3.3.2-2 note).
"""

from __future__ import annotations

from typing import Any

from pydantic import field_validator, model_validator

from softran.nr.config import CarrierConfig
from softran.nr.prach.tables import (
    PRACHFormat,
    PRACHTableRow,
    prach_configuration_row,
    prach_format,
    prach_kbar,
    prach_ncs,
)
from softran.validation import ValidatedModel, check_choice, check_int, check_name, check_real

__all__ = ["PRACH_RESTRICTED_SETS", "PRACHConfig", "check_prach_config"]

#: ``restricted_set`` values (*restrictedSetConfig*): unrestricted, type A, type B.
PRACH_RESTRICTED_SETS: tuple[str, ...] = ("unrestricted", "A", "B")
_SHORT_SCS = {"FR1": (15.0, 30.0), "FR2": (60.0, 120.0)}


class PRACHConfig(ValidatedModel):
    """A PRACH occasion and preamble (module docstring; MATLAB ``nrPRACHConfig``).

    Parameters
    ----------
    frequency_range : ``"FR1"`` or ``"FR2"``; spectrum : ``"paired"`` or ``"unpaired"``.
    configuration_index : *prach-ConfigurationIndex*, 0..255.
    subcarrier_spacing : Delta f_RA in kHz for the short formats (*msg1-SubcarrierSpacing*:
        15 or 30 in FR1, 60 or 120 in FR2); None for the long formats (1.25 or 5 kHz by format).
    sequence_index : logical root sequence index i (*prach-RootSequenceIndex*), 0..837
        (L_RA = 839) or 0..137 (L_RA = 139).
    preamble_index : 0..63.
    restricted_set : ``"unrestricted"``, ``"A"`` or ``"B"`` (long formats only).
    zero_correlation_zone : *zeroCorrelationZoneConfig*, 0..15 (N_CS of Tables 6.3.3.1-5..7).
    frequency_start : n_RA^start, 0..274; frequency_index : n_RA, 0..7.
    time_index : n_t^RA, 0..N_t^RA,slot - 1; active_slot : the PRACH slot (0, 1) when a
        subframe (60 kHz slot) has two.
    n_size_bwp, n_start_bwp : the uplink BWP (None: the carrier grid).

    >>> p = PRACHConfig(configuration_index=158, spectrum="unpaired", subcarrier_spacing=30,
    ...                 zero_correlation_zone=14)
    >>> p.format, p.l_ra, p.n_cs, p.delta_f_ra
    ('B4', 139, 46, 30.0)
    """

    frequency_range: str = "FR1"
    spectrum: str = "paired"
    configuration_index: int = 0
    subcarrier_spacing: float | None = None
    sequence_index: int = 0
    preamble_index: int = 0
    restricted_set: str = "unrestricted"
    zero_correlation_zone: int = 0
    frequency_start: int = 0
    frequency_index: int = 0
    time_index: int = 0
    active_slot: int = 0
    n_size_bwp: int | None = None
    n_start_bwp: int | None = None

    @field_validator("frequency_range", mode="before")
    @classmethod
    def _fr(cls, v: Any) -> str:
        return check_name("frequency_range", v, ("FR1", "FR2"))

    @field_validator("spectrum", mode="before")
    @classmethod
    def _spectrum(cls, v: Any) -> str:
        return check_name("spectrum", v, ("paired", "unpaired"))

    @field_validator("configuration_index", mode="before")
    @classmethod
    def _index(cls, v: Any) -> int:
        return check_int("configuration_index", v, 0, 255)

    @field_validator("subcarrier_spacing", mode="before")
    @classmethod
    def _scs(cls, v: Any) -> float | None:
        if v is None:
            return None
        return check_choice("subcarrier_spacing", float(check_real("subcarrier_spacing", v)),
                            (1.25, 5.0, 15.0, 30.0, 60.0, 120.0))

    @field_validator("sequence_index", mode="before")
    @classmethod
    def _seq(cls, v: Any) -> int:
        return check_int("sequence_index", v, 0, 837)

    @field_validator("preamble_index", mode="before")
    @classmethod
    def _preamble(cls, v: Any) -> int:
        return check_int("preamble_index", v, 0, 63)

    @field_validator("restricted_set", mode="before")
    @classmethod
    def _restricted(cls, v: Any) -> str:
        return check_name("restricted_set", v, PRACH_RESTRICTED_SETS)

    @field_validator("zero_correlation_zone", mode="before")
    @classmethod
    def _zcz(cls, v: Any) -> int:
        return check_int("zero_correlation_zone", v, 0, 15)

    @field_validator("frequency_start", mode="before")
    @classmethod
    def _fstart(cls, v: Any) -> int:
        return check_int("frequency_start", v, 0, 274)

    @field_validator("frequency_index", mode="before")
    @classmethod
    def _findex(cls, v: Any) -> int:
        return check_int("frequency_index", v, 0, 7)

    @field_validator("time_index", mode="before")
    @classmethod
    def _tindex(cls, v: Any) -> int:
        return check_int("time_index", v, 0, 6)

    @field_validator("active_slot", mode="before")
    @classmethod
    def _slot(cls, v: Any) -> int:
        return check_int("active_slot", v, 0, 1)

    @field_validator("n_size_bwp", mode="before")
    @classmethod
    def _n_size_bwp(cls, v: Any) -> int | None:
        return None if v is None else check_int("n_size_bwp", v, 1, 275)

    @field_validator("n_start_bwp", mode="before")
    @classmethod
    def _n_start_bwp(cls, v: Any) -> int | None:
        return None if v is None else check_int("n_start_bwp", v, 0, 2473)

    @model_validator(mode="after")
    def _cross(self) -> PRACHConfig:
        row = self.table_row
        fmt = self.format_info
        if fmt.long:
            if self.subcarrier_spacing is not None and self.subcarrier_spacing != fmt.delta_f_ra:
                raise ValueError(f"subcarrier_spacing = {self.subcarrier_spacing} kHz contradicts "
                                 f"preamble format {fmt.name} (Delta f_RA = {fmt.delta_f_ra} kHz, "
                                 "TS 38.211 Table 6.3.3.1-1); leave it None")
        else:
            allowed = _SHORT_SCS[self.frequency_range]
            if self.subcarrier_spacing not in allowed:
                raise ValueError(
                    f"preamble format {fmt.name} needs subcarrier_spacing (msg1-SubcarrierSpacing) "
                    f"in {allowed} kHz in {self.frequency_range}, got {self.subcarrier_spacing}")
            if self.restricted_set != "unrestricted":
                raise ValueError(f"restricted_set = {self.restricted_set!r} is not supported by "
                                 f"the short preamble format {fmt.name} (TS 38.211 Table "
                                 "6.3.3.1-2); use 'unrestricted'")
        if self.sequence_index >= fmt.l_ra - 1:
            raise ValueError(f"sequence_index = {self.sequence_index} is out of range for L_RA = "
                             f"{fmt.l_ra}; allowed 0..{fmt.l_ra - 2}")
        prach_ncs(self.delta_f_ra, self.zero_correlation_zone, self.restricted_set)
        if self.time_index >= row.occasions:
            raise ValueError(f"time_index = {self.time_index} is out of range: configuration "
                             f"{self.configuration_index} has {row.occasions} time-domain PRACH "
                             f"occasion(s) per PRACH slot; allowed 0..{row.occasions - 1}")
        if self.active_slot == 1 and row.prach_slots != 2:
            raise ValueError(f"active_slot = 1 needs two PRACH slots per subframe (60 kHz slot); "
                             f"configuration {self.configuration_index} has "
                             f"{row.prach_slots or 'one PRACH occasion per subframe'}")
        return self

    # ---- derived values ---------------------------------------------------------------
    @property
    def table_row(self) -> PRACHTableRow:
        """The configuration's row of Table 6.3.3.2-2 / -3 / -4."""
        return prach_configuration_row(self.configuration_index, self.frequency_range,
                                       self.spectrum)

    @property
    def format(self) -> str:
        """The preamble format of the chosen occasion (B for the last occasion of an A/B
        combination)."""
        formats = self.table_row.formats
        if len(formats) == 2 and self.time_index == self.table_row.occasions - 1:
            return formats[1]
        return formats[0]

    @property
    def format_info(self) -> PRACHFormat:
        """The :class:`~softran.nr.prach.tables.PRACHFormat` of :attr:`format`."""
        return prach_format(self.format)

    @property
    def l_ra(self) -> int:
        """L_RA, the sequence length."""
        return self.format_info.l_ra

    @property
    def delta_f_ra(self) -> float:
        """Delta f_RA in kHz."""
        fmt = self.format_info
        return float(fmt.delta_f_ra if fmt.long else self.subcarrier_spacing)  # type: ignore[arg-type]

    @property
    def mu(self) -> int:
        """mu of a short format (Delta f_RA = 15 * 2^mu kHz); 0 for the long formats (their
        symbol timing uses 15 kHz)."""
        return 0 if self.format_info.long else int(round(self.delta_f_ra / 15)).bit_length() - 1

    @property
    def n_cs(self) -> int:
        """N_CS of Tables 6.3.3.1-5..7."""
        return prach_ncs(self.delta_f_ra, self.zero_correlation_zone, self.restricted_set)

    def bwp(self, carrier: CarrierConfig) -> tuple[int, int]:
        """(N_BWP^start, N_BWP^size) on ``carrier``."""
        start = carrier.n_start_grid if self.n_start_bwp is None else self.n_start_bwp
        size = carrier.n_size_grid if self.n_size_bwp is None else self.n_size_bwp
        return start, size

    def n_rb_ra(self, carrier: CarrierConfig) -> tuple[int, int]:
        """(N_RB^RA, kbar) of Table 6.3.3.2-1 for ``carrier``'s subcarrier spacing."""
        return prach_kbar(self.l_ra, self.delta_f_ra, carrier.subcarrier_spacing)

    def check_carrier(self, carrier: CarrierConfig) -> None:
        """Raise ``ValueError`` if the PRACH does not fit ``carrier``: the Delta f_RA / Delta f
        combination of Table 6.3.3.2-1, the occasion inside the BWP.

        >>> PRACHConfig(frequency_start=50).check_carrier(CarrierConfig(n_size_grid=52))
        Traceback (most recent call last):
        ...
        ValueError: the PRACH occasion (frequency_start = 50, frequency_index = 0, 6 RBs) ends at RB 55, outside the BWP of 52 RBs
        """
        if not isinstance(carrier, CarrierConfig):
            raise TypeError(f"carrier must be a CarrierConfig, got {type(carrier).__name__}")
        self._cross()
        n_rb, _ = self.n_rb_ra(carrier)
        start, size = self.bwp(carrier)
        if start < carrier.n_start_grid or start + size > carrier.n_start_grid + carrier.n_size_grid:
            raise ValueError(f"the BWP (n_start_bwp = {start}, n_size_bwp = {size}) is not inside "
                             "the carrier grid")
        last = self.frequency_start + (self.frequency_index + 1) * n_rb - 1
        if last >= size:
            raise ValueError(f"the PRACH occasion (frequency_start = {self.frequency_start}, "
                             f"frequency_index = {self.frequency_index}, {n_rb} RBs) ends at RB "
                             f"{last}, outside the BWP of {size} RBs")


def check_prach_config(carrier: object, config: object, name: str = "prach"
                       ) -> tuple[CarrierConfig, PRACHConfig]:
    """The types of a carrier and a PRACH configuration and their consistency
    (:meth:`PRACHConfig.check_carrier`).

    >>> c, p = check_prach_config(CarrierConfig(), PRACHConfig())
    """
    if not isinstance(carrier, CarrierConfig):
        raise TypeError(f"carrier must be a CarrierConfig, got {type(carrier).__name__}")
    if not isinstance(config, PRACHConfig):
        raise TypeError(f"{name} must be a PRACHConfig, got {type(config).__name__}")
    config.check_carrier(carrier)
    return carrier, config
