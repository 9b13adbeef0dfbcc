"""What the configurations of the two shared channels, PUSCH and PDSCH, have in common: the
BWP, the time and frequency allocation, the scrambling identities and the MCS / TBS fields,
with their checks (TS 38.214 §5.1.2 / §6.1.2 resource allocation, §5.1.3 / §6.1.4 MCS and
TBS; TS 38.211 §6.3.1.1 / §7.3.1.1 n_ID and n_RNTI).

:class:`SharedChannelConfigBase` is the base of :class:`~softran.nr.pusch.config.PUSCHConfig`
and :class:`~softran.nr.pdsch.config.PDSCHConfig`; each subclass sets ``MODULATIONS``,
``MAX_LAYERS`` and ``MCS_TABLES`` and adds its own fields and cross-field rules.
"""

from __future__ import annotations

import numbers
from collections.abc import Iterable
from typing import Any, ClassVar

from pydantic import field_validator

from softran.nr.coding.tbs import code_rate_fraction
from softran.nr.config import CarrierConfig
from softran.nr.tables import mcs, modulation_order
from softran.validation import ValidatedModel, check_choice, check_int, check_int_list, check_name

__all__ = ["SharedChannelConfigBase"]


class SharedChannelConfigBase(ValidatedModel):
    """The fields PUSCH and PDSCH share (module docstring).

    Parameters
    ----------
    n_size_bwp, n_start_bwp : the BWP (size 1..275; start a CRB number relative to point A,
        0..2473); None: the carrier grid.
    modulation : one of the subclass's ``MODULATIONS``.
    n_layers : 1..``MAX_LAYERS``.
    mapping_type : ``"A"`` or ``"B"``.
    symbol_allocation : (S, L), S 0..13 and L 1..14 here; the subclass checks its table.
    prb_set : resource blocks of the BWP (sorted on input; at least one).
    n_id : data scrambling identity n_ID 0..1023; None: N_ID^cell.
    rnti : n_RNTI 0..65535.
    mcs_index, mcs_table : I_MCS 0..31 of one of ``MCS_TABLES`` (sets modulation and
        target_code_rate); None: give them directly.
    target_code_rate : R in (0, 1) (R x 1024 a table entry or any rate).
    x_overhead : N_oh^PRB, 0, 6, 12 or 18.
    tb_scaling : S of TS 38.214 Table 5.1.3.2-2: 1, 0.5 or 0.25.

    >>> from softran.nr.pdsch import PDSCHConfig
    >>> p = PDSCHConfig(prb_set=[4, 1, 2], mcs_index=10)
    >>> p.prb_set, p.modulation, p.qm, p.n_prb
    ((1, 2, 4), '16QAM', 4, 3)
    """

    #: allowed modulations, largest layer count and MCS tables (set by the subclass)
    MODULATIONS: ClassVar[tuple[str, ...]] = ()
    MAX_LAYERS: ClassVar[int] = 1
    MCS_TABLES: ClassVar[tuple[str, ...]] = ()

    n_size_bwp: int | None = None
    n_start_bwp: int | None = None
    modulation: str = "QPSK"
    n_layers: int = 1
    mapping_type: str = "A"
    symbol_allocation: tuple[int, int] = (0, 14)
    prb_set: tuple[int, ...] = tuple(range(52))
    n_id: int | None = None
    rnti: int = 1
    mcs_index: int | None = None
    mcs_table: str = "qam64"
    target_code_rate: float | None = None
    x_overhead: int = 0
    tb_scaling: float = 1.0

    # ---- field validators -------------------------------------------------------------
    @field_validator("n_size_bwp", mode="before")
    @classmethod
    def _n_size_bwp(cls, v: Any) -> int | None:
        return None if v is None else check_int("n_size_bwp", v, 1, 275)

    @field_validator("n_start_bwp", mode="before")
    @classmethod
    def _n_start_bwp(cls, v: Any) -> int | None:
        return None if v is None else check_int("n_start_bwp", v, 0, 2473)

    @field_validator("modulation", mode="before")
    @classmethod
    def _modulation(cls, v: Any) -> str:
        return check_name("modulation", v, cls.MODULATIONS)

    @field_validator("n_layers", mode="before")
    @classmethod
    def _n_layers(cls, v: Any) -> int:
        return check_int("n_layers", v, 1, cls.MAX_LAYERS)

    @field_validator("mapping_type", mode="before")
    @classmethod
    def _mapping_type(cls, v: Any) -> str:
        return check_name("mapping_type", v, ("A", "B"))

    @field_validator("symbol_allocation", mode="before")
    @classmethod
    def _symbol_allocation(cls, v: Any) -> tuple[int, int]:
        if isinstance(v, (str, bytes)) or not isinstance(v, Iterable):
            raise TypeError(f"symbol_allocation must be a pair (S, L), got {type(v).__name__}")
        items = tuple(v)
        if len(items) != 2:
            raise ValueError(f"symbol_allocation = {items} must be a pair (S, L)")
        return (check_int("symbol_allocation[0] (S)", items[0], 0, 13),
                check_int("symbol_allocation[1] (L)", items[1], 1, 14))

    @field_validator("prb_set", mode="before")
    @classmethod
    def _prb_set(cls, v: Any) -> tuple[int, ...]:
        prbs = check_int_list("prb_set", v, 0, 274)
        if not prbs:
            raise ValueError("prb_set is empty; allocate at least one PRB")
        return tuple(sorted(prbs))

    @field_validator("n_id", mode="before")
    @classmethod
    def _n_id(cls, v: Any) -> int | None:
        return None if v is None else check_int("n_id", v, 0, 1023)

    @field_validator("rnti", mode="before")
    @classmethod
    def _rnti(cls, v: Any) -> int:
        return check_int("rnti", v, 0, 65535)

    @field_validator("mcs_index", mode="before")
    @classmethod
    def _mcs_index(cls, v: Any) -> int | None:
        return None if v is None else check_int("mcs_index", v, 0, 31)

    @field_validator("mcs_table", mode="before")
    @classmethod
    def _mcs_table(cls, v: Any) -> str:
        return check_name("mcs_table", v, cls.MCS_TABLES)

    @field_validator("target_code_rate", mode="before")
    @classmethod
    def _target_code_rate(cls, v: Any) -> float | None:
        if v is None:
            return None
        code_rate_fraction("target_code_rate", v)
        return float(v)

    @field_validator("x_overhead", mode="before")
    @classmethod
    def _x_overhead(cls, v: Any) -> int:
        return check_choice("x_overhead", check_int("x_overhead", v), (0, 6, 12, 18))

    @field_validator("tb_scaling", mode="before")
    @classmethod
    def _tb_scaling(cls, v: Any) -> float:
        if isinstance(v, bool) or not isinstance(v, numbers.Real):
            raise TypeError(f"tb_scaling must be a number, got {type(v).__name__}")
        if float(v) not in (1.0, 0.5, 0.25):
            raise ValueError(f"tb_scaling = {v} is not allowed; allowed: 1, 0.5, 0.25 "
                             "(TS 38.214 Table 5.1.3.2-2)")
        return float(v)

    # ---- shared rules -----------------------------------------------------------------
    def _mcs_entry(self) -> tuple[str, float]:
        """(modulation, target code rate) of ``mcs_index`` in ``mcs_table``."""
        assert self.mcs_index is not None
        return mcs(self.mcs_index, self.mcs_table)

    def _sync_mcs(self) -> None:
        """With ``mcs_index`` set, modulation and target_code_rate follow the MCS table; an
        explicitly assigned value that disagrees is an error."""
        if self.mcs_index is None:
            return
        modulation, rate = self._mcs_entry()
        for name, value in (("modulation", modulation), ("target_code_rate", rate)):
            if name in self.model_fields_set and getattr(self, name) != value:
                raise ValueError(
                    f"{name} = {getattr(self, name)!r} disagrees with mcs_index = "
                    f"{self.mcs_index} of mcs_table = {self.mcs_table!r} ({value!r}); set "
                    f"mcs_index = None to choose {name} freely")
            object.__setattr__(self, name, value)
            self.__pydantic_fields_set__.discard(name)

    def bwp(self, carrier: CarrierConfig) -> tuple[int, int]:
        """(N_BWP^start, N_BWP^size): the BWP as CRB start and size, the carrier grid for None.

        >>> from softran.nr.pusch import PUSCHConfig
        >>> PUSCHConfig().bwp(CarrierConfig(n_start_grid=10, n_size_grid=52))
        (10, 52)
        """
        start = carrier.n_start_grid if self.n_start_bwp is None else self.n_start_bwp
        size = carrier.n_size_grid if self.n_size_bwp is None else self.n_size_bwp
        return start, size

    def _check_bwp(self, carrier: CarrierConfig, rb: str = "PRB") -> None:
        """The BWP inside the carrier grid (TS 38.211 §4.4.5) and ``prb_set`` inside the BWP
        (``rb`` names the resource blocks in the message)."""
        start, size = self.bwp(carrier)
        grid_end = carrier.n_start_grid + carrier.n_size_grid
        if start < carrier.n_start_grid or start + size > grid_end:
            raise ValueError(
                f"the BWP (n_start_bwp = {start}, n_size_bwp = {size}) is not inside the carrier "
                f"grid (n_start_grid = {carrier.n_start_grid}, n_size_grid = "
                f"{carrier.n_size_grid}): CRBs {start}..{start + size - 1} vs "
                f"{carrier.n_start_grid}..{grid_end - 1}")
        if self.prb_set[-1] >= size:
            raise ValueError(f"prb_set contains {rb} {self.prb_set[-1]}, outside the BWP: "
                             f"allowed 0..{size - 1} (BWP size {size})")

    # ---- derived values ---------------------------------------------------------------
    @property
    def qm(self) -> int:
        """Q_m, bits per modulation symbol."""
        return modulation_order(self.modulation)

    @property
    def n_prb(self) -> int:
        """n_PRB, the number of allocated resource blocks."""
        return len(self.prb_set)
