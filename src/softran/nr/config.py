"""Validated configuration objects of the NR physical layer.

Fields are validated when they are set (construction and assignment); derived values are
read-only properties. Field names follow the standard's symbols in snake_case.
"""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, field_validator, model_validator

from softran.validation import check_choice, check_int, check_name

__all__ = ["CarrierConfig", "N_SC_RB", "SUBCARRIER_SPACINGS"]

#: N_sc^RB, subcarriers per resource block (TS 38.211 §4.4.4.1).
N_SC_RB = 12

#: Subcarrier spacings 15 * 2^mu kHz of TS 38.211 Table 4.2-1 (mu = 0..4).
SUBCARRIER_SPACINGS: tuple[int, ...] = (15, 30, 60, 120, 240)


class CarrierConfig(BaseModel):
    """An NR carrier: numerology, grid size and position, cell identity and timing.

    TS 38.211 §4.2 (numerologies, Table 4.2-1), §4.3.2 (slots, Tables 4.3.2-1/-2),
    §4.4.2 (resource grid). MATLAB namesake: ``nrCarrierConfig``.

    Parameters
    ----------
    subcarrier_spacing : 15, 30, 60, 120 or 240 (kHz).
    cyclic_prefix : ``"normal"`` or ``"extended"`` (extended only with 60 kHz).
    n_size_grid : N_grid^size, number of resource blocks, 1..275.
    n_start_grid : N_grid^start, first common resource block of the grid, 0..2199.
    n_cell_id : N_ID^cell, physical-layer cell identity, 0..1007.
    n_slot : slot number n_s (may count beyond one frame; ``slot_in_frame`` wraps it).
    n_frame : system frame number n_f (>= 0; used modulo 1024).

    >>> c = CarrierConfig(subcarrier_spacing=30, n_size_grid=273)
    >>> c.slots_per_frame, c.symbols_per_slot, c.n_subcarriers
    (20, 14, 3276)
    """

    model_config = ConfigDict(validate_assignment=True, extra="forbid")

    subcarrier_spacing: int = 15
    cyclic_prefix: Literal["normal", "extended"] = "normal"
    n_size_grid: int = 52
    n_start_grid: int = 0
    n_cell_id: int = 1
    n_slot: int = 0
    n_frame: int = 0

    @field_validator("subcarrier_spacing", mode="before")
    @classmethod
    def _scs(cls, v: Any) -> int:
        return check_choice("subcarrier_spacing", check_int("subcarrier_spacing", v),
                            SUBCARRIER_SPACINGS)

    @field_validator("cyclic_prefix", mode="before")
    @classmethod
    def _cp(cls, v: Any) -> str:
        return check_name("cyclic_prefix", v, ("normal", "extended"))

    @field_validator("n_size_grid", mode="before")
    @classmethod
    def _n_size_grid(cls, v: Any) -> int:
        return check_int("n_size_grid", v, 1, 275)

    @field_validator("n_start_grid", mode="before")
    @classmethod
    def _n_start_grid(cls, v: Any) -> int:
        return check_int("n_start_grid", v, 0, 2199)

    @field_validator("n_cell_id", mode="before")
    @classmethod
    def _n_cell_id(cls, v: Any) -> int:
        return check_int("n_cell_id", v, 0, 1007)

    @field_validator("n_slot", mode="before")
    @classmethod
    def _n_slot(cls, v: Any) -> int:
        return check_int("n_slot", v, 0)

    @field_validator("n_frame", mode="before")
    @classmethod
    def _n_frame(cls, v: Any) -> int:
        return check_int("n_frame", v, 0)

    @model_validator(mode="after")
    def _extended_cp_only_at_60(self) -> CarrierConfig:
        if self.cyclic_prefix == "extended" and self.subcarrier_spacing != 60:
            raise ValueError(
                f"cyclic_prefix = 'extended' is only allowed with subcarrier_spacing = 60 "
                f"(TS 38.211 Table 4.2-1), got subcarrier_spacing = {self.subcarrier_spacing}")
        return self

    # ---- derived values (TS 38.211 §4.2, §4.3.2) -------------------------------------
    @property
    def mu(self) -> int:
        """Numerology mu, with subcarrier spacing 15 * 2^mu kHz."""
        return SUBCARRIER_SPACINGS.index(self.subcarrier_spacing)

    @property
    def symbols_per_slot(self) -> int:
        """N_symb^slot: 14 (normal CP) or 12 (extended CP)."""
        return 14 if self.cyclic_prefix == "normal" else 12

    @property
    def slots_per_subframe(self) -> int:
        """N_slot^{subframe,mu} = 2^mu."""
        return 1 << self.mu

    @property
    def slots_per_frame(self) -> int:
        """N_slot^{frame,mu} = 10 * 2^mu."""
        return 10 << self.mu

    @property
    def symbols_per_subframe(self) -> int:
        """N_symb^{subframe,mu} = N_symb^slot * N_slot^{subframe,mu}."""
        return self.symbols_per_slot * self.slots_per_subframe

    @property
    def n_subcarriers(self) -> int:
        """Number of subcarriers of the grid, 12 * n_size_grid."""
        return 12 * self.n_size_grid

    @property
    def slot_in_frame(self) -> int:
        """n_s^mu modulo the number of slots in a frame."""
        return self.n_slot % self.slots_per_frame
