"""CSI-RS resource configuration, TS 38.211 §7.4.1.5 (MATLAB ``nrCSIRSConfig``), validated
when set: zero-power or non-zero-power, the row of Table 7.4.1.5.3-1, density, the frequency
and time references k_i, l_0 / l_1, the RBs, the scrambling identity, and the slot periodicity
and offset (TS 38.211 §7.4.1.5.3, TS 38.331 *CSI-ResourcePeriodicityAndOffset*).

Frequency references (TS 38.211 §7.4.1.5.3, *frequencyDomainAllocation*): k_{i-1} = f(i) for
row 1 (bitmap b3..b0: k in 0..3) and row 2 (b11..b0: 0..11), k = 4 f(i) for row 4 (b2..b0:
0, 4, 8), k = 2 f(i) for the other rows (b5..b0: 0, 2, .., 10). They are given here as the
subcarrier values k_i themselves (MATLAB's ``SubcarrierLocations``). Time references: l_0 in
0..13, l_1 in 2..12 (*firstOFDMSymbolInTimeDomain*, *firstOFDMSymbolInTimeDomain2*).
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from pydantic import field_validator, model_validator

from softran.nr.config import CarrierConfig
from softran.nr.csi_rs.table import CSIRSRow, csi_rs_row, csi_rs_rows_for_ports
from softran.validation import (
    ValidatedModel,
    check_choice,
    check_int,
    check_int_list,
    check_name,
    check_real,
)

__all__ = ["CSI_RS_DENSITIES", "CSI_RS_PERIODS", "CSIRSConfig"]

#: densities (MATLAB names) and rho
CSI_RS_DENSITIES: dict[str, float] = {"one": 1.0, "three": 3.0, "dot5even": 0.5,
                                      "dot5odd": 0.5}
#: slot periodicities of *CSI-ResourcePeriodicityAndOffset* (TS 38.331)
CSI_RS_PERIODS: tuple[int, ...] = (4, 5, 8, 10, 16, 20, 32, 40, 64, 80, 160, 320, 640)


def _allowed_k(row: int) -> tuple[int, ...]:
    """Subcarrier references a row's frequencyDomainAllocation can give (module docstring)."""
    if row == 1:
        return (0, 1, 2, 3)
    if row == 2:
        return tuple(range(12))
    if row == 4:
        return (0, 4, 8)
    return (0, 2, 4, 6, 8, 10)


class CSIRSConfig(ValidatedModel):
    """One CSI-RS resource, TS 38.211 §7.4.1.5 (MATLAB ``nrCSIRSConfig``, one resource).

    Parameters
    ----------
    csirs_type : ``"nzp"`` (non-zero power) or ``"zp"`` (zero power: REs left empty, the
        PDSCH rate-matched around them, TS 38.214 §5.1.4.2).
    row_number : row of TS 38.211 Table 7.4.1.5.3-1, 1..18 (default 3, density "one": MATLAB's
        defaults).
    density : ``"one"``, ``"three"`` (row 1), ``"dot5even"`` / ``"dot5odd"`` (rho = 0.5 on
        even / odd common resource blocks), as the row allows.
    subcarrier_locations : k_0, k_1, ... (as many as the row uses; module docstring).
    symbol_locations : l_0, or (l_0, l_1) for rows 13, 14, 16, 17.
    n_rb : RBs of the resource, 1..275; rb_offset : its first RB relative to the carrier grid.
    n_id : scrambling identity n_ID, 0..1023 (*scramblingID*).
    period : ``"on"`` (every slot), ``"off"``, or (T_CSI-RS in slots, T_offset) with
        T_CSI-RS one of :data:`CSI_RS_PERIODS` (TS 38.211 §7.4.1.5.3: slots with
        (N_slot^frame n_f + n_s,f - T_offset) mod T_CSI-RS = 0).
    power_db : beta_CSIRS in dB (amplitude 10^(power_db/20)), for NZP.
    n_ports : optional X to check against the row (a row not valid for the port count is
        an error that lists the rows that are).

    >>> c = CSIRSConfig(row_number=4, subcarrier_locations=[4], symbol_locations=[5])
    >>> c.ports, c.cdm_type, c.rho
    (4, 'fd-CDM2', 1.0)
    """

    csirs_type: str = "nzp"
    row_number: int = 3
    density: str = "one"
    subcarrier_locations: tuple[int, ...] = (0,)
    symbol_locations: tuple[int, ...] = (0,)
    n_rb: int = 52
    rb_offset: int = 0
    n_id: int = 0
    period: str | tuple[int, int] = "on"
    power_db: float = 0.0
    n_ports: int | None = None

    @field_validator("csirs_type", mode="before")
    @classmethod
    def _type(cls, v: Any) -> str:
        return check_name("csirs_type", v, ("nzp", "zp"))

    @field_validator("row_number", mode="before")
    @classmethod
    def _row(cls, v: Any) -> int:
        return check_int("row_number", v, 1, 18)

    @field_validator("density", mode="before")
    @classmethod
    def _density(cls, v: Any) -> str:
        return check_name("density", v, tuple(CSI_RS_DENSITIES))

    @field_validator("subcarrier_locations", "symbol_locations", mode="before")
    @classmethod
    def _ints(cls, v: Any, info: Any) -> tuple[int, ...]:
        return check_int_list(info.field_name, v, 0, 13 if info.field_name ==
                              "symbol_locations" else 11)

    @field_validator("n_rb", mode="before")
    @classmethod
    def _n_rb(cls, v: Any) -> int:
        return check_int("n_rb", v, 1, 275)

    @field_validator("rb_offset", mode="before")
    @classmethod
    def _rb_offset(cls, v: Any) -> int:
        return check_int("rb_offset", v, 0, 274)

    @field_validator("n_id", mode="before")
    @classmethod
    def _n_id(cls, v: Any) -> int:
        return check_int("n_id", v, 0, 1023)

    @field_validator("period", mode="before")
    @classmethod
    def _period(cls, v: Any) -> str | tuple[int, int]:
        if isinstance(v, str):
            return check_name("period", v, ("on", "off"))
        if not isinstance(v, Iterable):
            raise TypeError(f"period must be 'on', 'off' or (T_CSI-RS, T_offset), got "
                            f"{type(v).__name__}")
        items = tuple(v)
        if len(items) != 2:
            raise ValueError(f"period = {items} must be a pair (T_CSI-RS, T_offset)")
        t = check_choice("period[0] (T_CSI-RS)", check_int("period[0]", items[0]),
                         CSI_RS_PERIODS)
        return (t, check_int("period[1] (T_offset)", items[1], 0, t - 1))

    @field_validator("power_db", mode="before")
    @classmethod
    def _power(cls, v: Any) -> float:
        return check_real("power_db", v)

    @field_validator("n_ports", mode="before")
    @classmethod
    def _n_ports(cls, v: Any) -> int | None:
        if v is None:
            return None
        return check_choice("n_ports", check_int("n_ports", v), (1, 2, 4, 8, 12, 16, 24, 32))

    @model_validator(mode="after")
    def _cross(self) -> CSIRSConfig:
        row = self.row
        if self.n_ports is not None and self.n_ports != row.ports:
            raise ValueError(f"row_number = {self.row_number} of TS 38.211 Table 7.4.1.5.3-1 "
                             f"has {row.ports} port(s), not n_ports = {self.n_ports}; rows for "
                             f"{self.n_ports} ports: "
                             + ", ".join(map(str, csi_rs_rows_for_ports(self.n_ports))))
        if self.rho not in row.densities:
            allowed = [n for n, r in CSI_RS_DENSITIES.items() if r in row.densities]
            raise ValueError(f"density = {self.density!r} is not allowed for row {self.row_number}"
                             f" (TS 38.211 Table 7.4.1.5.3-1); allowed: "
                             + ", ".join(repr(a) for a in allowed))
        if len(self.subcarrier_locations) != row.n_k:
            raise ValueError(f"subcarrier_locations = {list(self.subcarrier_locations)}: row "
                             f"{self.row_number} needs {row.n_k} subcarrier reference(s) "
                             f"k_0..k_{row.n_k - 1}")
        allowed_k = _allowed_k(self.row_number)
        bad = [k for k in self.subcarrier_locations if k not in allowed_k]
        if bad:
            raise ValueError(f"subcarrier_locations contains {bad[0]}; row {self.row_number} "
                             f"allows {list(allowed_k)} (TS 38.211 §7.4.1.5.3, "
                             "frequencyDomainAllocation)")
        if len(self.symbol_locations) != row.n_l:
            raise ValueError(f"symbol_locations = {list(self.symbol_locations)}: row "
                             f"{self.row_number} needs {row.n_l} symbol reference(s) "
                             + ("l_0" if row.n_l == 1 else "l_0, l_1"))
        if row.n_l == 2 and not 2 <= self.symbol_locations[1] <= 12:
            raise ValueError(f"symbol_locations[1] (l_1) = {self.symbol_locations[1]} is out of "
                             "range; allowed: 2..12 (TS 38.211 §7.4.1.5.3)")
        return self

    @property
    def row(self) -> CSIRSRow:
        """The row of Table 7.4.1.5.3-1."""
        return csi_rs_row(self.row_number)

    @property
    def ports(self) -> int:
        """X, the number of antenna ports (3000 .. 3000 + X - 1)."""
        return self.row.ports

    @property
    def cdm_type(self) -> str:
        """The row's cdm-Type."""
        return self.row.cdm_type

    @property
    def rho(self) -> float:
        """The density rho."""
        return CSI_RS_DENSITIES[self.density]

    def symbols(self, symbols_per_slot: int = 14) -> list[int]:
        """Every OFDM symbol the resource occupies (l_bar + l' of all entries), sorted;
        ``ValueError`` if one falls outside the slot."""
        row = self.row
        out = sorted({self.symbol_locations[li] + lo + lp for _, (li, lo) in row.entries
                      for lp in row.l_prime})
        if out[-1] >= symbols_per_slot:
            raise ValueError(f"symbol_locations = {list(self.symbol_locations)} with row "
                             f"{self.row_number} ({row.cdm_type}) reaches symbol {out[-1]}, "
                             f"outside the slot of {symbols_per_slot} symbols")
        return out

    def is_active(self, carrier: CarrierConfig) -> bool:
        """Whether the resource is transmitted in slot ``carrier.n_slot`` of frame
        ``carrier.n_frame`` (TS 38.211 §7.4.1.5.3).

        >>> c = CSIRSConfig(period=(10, 3))
        >>> c.is_active(CarrierConfig(n_slot=13)), c.is_active(CarrierConfig(n_slot=4))
        (True, False)
        """
        if self.period == "on":
            return True
        if self.period == "off":
            return False
        t, offset = self.period
        n = carrier.slots_per_frame * carrier.n_frame + carrier.slot_in_frame
        return (n - offset) % t == 0

    def check_carrier(self, carrier: CarrierConfig) -> None:
        """Raise ``ValueError`` if the resource does not fit the carrier (RBs, symbols)."""
        if not isinstance(carrier, CarrierConfig):
            raise TypeError(f"carrier must be a CarrierConfig, got {type(carrier).__name__}")
        self._cross()
        if self.rb_offset + self.n_rb > carrier.n_size_grid:
            raise ValueError(f"the CSI-RS RBs {self.rb_offset}..{self.rb_offset + self.n_rb - 1}"
                             f" (rb_offset, n_rb) exceed the carrier grid of "
                             f"{carrier.n_size_grid} RBs")
        self.symbols(carrier.symbols_per_slot)
