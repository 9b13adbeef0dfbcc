"""PUCCH configuration, formats 0-4 (TS 38.211 §6.3.2, §6.4.1.3; TS 38.213 §9.2), validated
when set (MATLAB ``nrPUCCH0Config`` .. ``nrPUCCH4Config`` in one object with a ``format``).

Conventions (as :mod:`softran.nr.pusch.config`): the BWP is given relative to point A
(``n_start_bwp`` a common resource block, ``None``: the carrier grid); ``prb_set`` and
``second_hop_prb`` count PRBs within the BWP; carrier-dependent checks are made by
:meth:`PUCCHConfig.check_carrier`, which every function that takes a carrier calls.

Frequency hopping (TS 38.213 §9.2.1, §9.2.6): ``"intra-slot"`` puts the first
floor(N_symb/2) symbols on ``prb_set`` and the rest on ``second_hop_prb`` (the first PRB of the
second hop, same number of PRBs); ``"inter-slot"`` (formats 1, 3, 4) uses ``prb_set`` in slots
with even ``carrier.n_slot`` and ``second_hop_prb`` in odd ones.
"""

from __future__ import annotations

import functools
from typing import Any

from pydantic import field_validator, model_validator

from softran.nr.config import CarrierConfig
from softran.nr.datafiles import read_csv
from softran.validation import (
    ValidatedModel,
    check_bool,
    check_choice,
    check_int,
    check_int_list,
    check_name,
)

__all__ = [
    "PUCCH_FORMATS",
    "PUCCH_FREQUENCY_HOPPING",
    "PUCCH_GROUP_HOPPING",
    "PUCCHConfig",
    "check_pucch_config",
    "pucch_format1_spreading",
]

#: PUCCH formats of TS 38.211 §6.3.2.
PUCCH_FORMATS: tuple[int, ...] = (0, 1, 2, 3, 4)
#: ``frequency_hopping`` values (*intraSlotFrequencyHopping*, *interslotFrequencyHopping*).
PUCCH_FREQUENCY_HOPPING: tuple[str, ...] = ("neither", "intra-slot", "inter-slot")
#: ``group_hopping`` values (*pucch-GroupHopping*, TS 38.211 §6.3.2.2.1).
PUCCH_GROUP_HOPPING: tuple[str, ...] = ("neither", "enable", "disable")
#: Symbols per format: formats 0 and 2 are short (1-2), 1, 3, 4 long (4-14) (TS 38.211 §6.3.2.1).
_LENGTHS = {0: (1, 2), 1: (4, 14), 2: (1, 2), 3: (4, 14), 4: (4, 14)}
#: Largest PRB count of formats 2 and 3 (*nrofPRBs*, TS 38.331 PUCCH-format2/3).
_MAX_PRB = 16


def _is_2a3b5c(n: int) -> bool:
    for p in (2, 3, 5):
        while n % p == 0:
            n //= p
    return n == 1


@functools.cache
def pucch_format1_spreading() -> dict[int, tuple[int, int, int, int, int, int]]:
    """TS 38.211 Table 6.3.2.4.1-1 and Table 6.4.1.3.1.1-1 (``data/pucch_format1_spreading.csv``):
    PUCCH length -> (N_SF data without hopping, first hop, second hop, N_SF DM-RS without
    hopping, first hop, second hop).

    >>> pucch_format1_spreading()[14]
    (7, 3, 4, 7, 4, 3)
    """
    cols = ("data_no_hop", "data_hop0", "data_hop1", "dmrs_no_hop", "dmrs_hop0", "dmrs_hop1")
    return {int(r["n_symbols"]): tuple(int(r[c]) for c in cols)
            for r in read_csv("pucch_format1_spreading.csv")}


class PUCCHConfig(ValidatedModel):
    """One PUCCH resource (TS 38.211 §6.3.2; TS 38.331 *PUCCH-Resource*; MATLAB
    ``nrPUCCH0Config`` .. ``nrPUCCH4Config``).

    Parameters
    ----------
    format : 0..4.
    n_size_bwp, n_start_bwp : BWP size (1..275) and start (CRB, 0..2473); None: the carrier.
    symbol_allocation : (first symbol, number of symbols N_symb^PUCCH): 1-2 symbols for
        formats 0 and 2, 4-14 for formats 1, 3, 4 (TS 38.213 §9.2.1).
    prb_set : the PRBs of the (first hop of the) PUCCH, contiguous: one PRB for formats 0, 1,
        4; 1..16 for format 2; 1..16 with a count 2^a 3^b 5^c for format 3.
    frequency_hopping : ``"neither"``, ``"intra-slot"`` or ``"inter-slot"`` (formats 1, 3,
        4); ``second_hop_prb``: first PRB of the second hop (required with hopping).
    group_hopping : ``"neither"``, ``"enable"`` (group hopping) or ``"disable"`` (sequence
        hopping), TS 38.211 §6.3.2.2.1; ``hopping_id``: n_ID of the hopping and cyclic shift
        sequences, 0..1023 (None: N_ID^cell).
    initial_cyclic_shift : m_0, 0..11 (formats 0, 1).
    occ_index : time-domain OCC index i of format 1 (0..6, below N_SF of each hop), or the
        OCC index n of format 4 (below ``spreading_factor``).
    spreading_factor : N_SF^PUCCH,4, 2 or 4 (format 4).
    modulation : ``"QPSK"`` or ``"pi/2-BPSK"`` (formats 3 and 4; QPSK for format 2).
    additional_dmrs : *additionalDMRS* of formats 3 and 4 (TS 38.211 Table 6.4.1.3.3.2-1).
    n_id : data scrambling identity n_ID of formats 2-4, 0..1023 (None: N_ID^cell).
    n_id0 : N_ID^0 of the format 2 DM-RS, 0..65535 (None: N_ID^cell).
    rnti : n_RNTI of the format 2-4 scrambling, 0..65535.

    >>> p = PUCCHConfig(format=1, symbol_allocation=(0, 14), prb_set=[0],
    ...                 frequency_hopping="intra-slot", second_hop_prb=24)
    >>> p.hop_symbols
    ((0, 1, 2, 3, 4, 5, 6), (7, 8, 9, 10, 11, 12, 13))
    >>> try:
    ...     PUCCHConfig(format=0, symbol_allocation=(13, 1), frequency_hopping="intra-slot",
    ...                 second_hop_prb=24)
    ... except ValueError as err:
    ...     print("'intra-slot' needs at least 2 symbols" in str(err))
    True
    """

    format: int = 0
    n_size_bwp: int | None = None
    n_start_bwp: int | None = None
    symbol_allocation: tuple[int, int] = (13, 1)
    prb_set: tuple[int, ...] = (0,)
    frequency_hopping: str = "neither"
    second_hop_prb: int | None = None
    group_hopping: str = "neither"
    hopping_id: int | None = None
    initial_cyclic_shift: int = 0
    occ_index: int = 0
    spreading_factor: int = 2
    modulation: str = "QPSK"
    additional_dmrs: bool = False
    n_id: int | None = None
    n_id0: int | None = None
    rnti: int = 1

    @field_validator("format", mode="before")
    @classmethod
    def _format(cls, v: Any) -> int:
        return check_choice("format", check_int("format", v), PUCCH_FORMATS)

    @field_validator("n_size_bwp", mode="before")
    @classmethod
    def _n_size_bwp(cls, v: Any) -> int | None:
        return None if v is None else check_int("n_size_bwp", v, 1, 275)

    @field_validator("n_start_bwp", mode="before")
    @classmethod
    def _n_start_bwp(cls, v: Any) -> int | None:
        return None if v is None else check_int("n_start_bwp", v, 0, 2473)

    @field_validator("symbol_allocation", mode="before")
    @classmethod
    def _symbol_allocation(cls, v: Any) -> tuple[int, int]:
        if isinstance(v, (str, bytes)) or not hasattr(v, "__iter__"):
            raise TypeError(f"symbol_allocation must be a pair (S, L), got {type(v).__name__}")
        items = tuple(v)
        if len(items) != 2:
            raise ValueError(f"symbol_allocation = {items} must be a pair (S, L)")
        s = check_int("symbol_allocation[0] (first symbol)", items[0], 0, 13)
        n = check_int("symbol_allocation[1] (number of symbols)", items[1], 1, 14)
        return s, n

    @field_validator("prb_set", mode="before")
    @classmethod
    def _prb_set(cls, v: Any) -> tuple[int, ...]:
        prbs = tuple(sorted(check_int_list("prb_set", v, 0, 274)))
        if not prbs:
            raise ValueError("prb_set is empty; a PUCCH needs at least one PRB")
        if prbs[-1] - prbs[0] + 1 != len(prbs):
            raise ValueError(f"prb_set = {list(prbs)} must be contiguous (TS 38.213 §9.2.1: "
                             "a PUCCH occupies consecutive PRBs)")
        return prbs

    @field_validator("frequency_hopping", mode="before")
    @classmethod
    def _frequency_hopping(cls, v: Any) -> str:
        return check_name("frequency_hopping", v, PUCCH_FREQUENCY_HOPPING)

    @field_validator("group_hopping", mode="before")
    @classmethod
    def _group_hopping(cls, v: Any) -> str:
        return check_name("group_hopping", v, PUCCH_GROUP_HOPPING)

    @field_validator("second_hop_prb", mode="before")
    @classmethod
    def _second_hop_prb(cls, v: Any) -> int | None:
        return None if v is None else check_int("second_hop_prb", v, 0, 274)

    @field_validator("hopping_id", "n_id", mode="before")
    @classmethod
    def _ids(cls, v: Any, info: Any) -> int | None:
        return None if v is None else check_int(info.field_name, v, 0, 1023)

    @field_validator("n_id0", "rnti", mode="before")
    @classmethod
    def _ids16(cls, v: Any, info: Any) -> int | None:
        if v is None and info.field_name == "n_id0":
            return None
        return check_int(info.field_name, v, 0, 65535)

    @field_validator("initial_cyclic_shift", mode="before")
    @classmethod
    def _m0(cls, v: Any) -> int:
        return check_int("initial_cyclic_shift", v, 0, 11)

    @field_validator("occ_index", mode="before")
    @classmethod
    def _occ(cls, v: Any) -> int:
        return check_int("occ_index", v, 0, 6)

    @field_validator("spreading_factor", mode="before")
    @classmethod
    def _sf(cls, v: Any) -> int:
        return check_choice("spreading_factor", check_int("spreading_factor", v), (2, 4))

    @field_validator("modulation", mode="before")
    @classmethod
    def _modulation(cls, v: Any) -> str:
        return check_name("modulation", v, ("QPSK", "pi/2-BPSK"))

    @field_validator("additional_dmrs", mode="before")
    @classmethod
    def _bool(cls, v: Any) -> bool:
        return check_bool("additional_dmrs", v)

    # ---- cross-field rules ------------------------------------------------------------
    @model_validator(mode="after")
    def _cross(self) -> PUCCHConfig:
        f = self.format
        s, n = self.symbol_allocation
        lo, hi = _LENGTHS[f]
        if not lo <= n <= hi:
            raise ValueError(f"PUCCH format {f} has {lo}..{hi} symbols (TS 38.211 §6.3.2.1), got "
                             f"symbol_allocation = {self.symbol_allocation}")
        if s + n > 14:
            raise ValueError(f"symbol_allocation = {self.symbol_allocation} ends after symbol 13 "
                             "of the slot")
        n_prb = len(self.prb_set)
        if f in (0, 1) and n_prb != 1:
            raise ValueError(f"PUCCH format {f} occupies one PRB, got prb_set = "
                             f"{list(self.prb_set)} (TS 38.211 §6.3.2.3.2 / §6.3.2.4.2)")
        if f == 4 and n_prb != 1:
            raise ValueError(f"PUCCH format 4 occupies one PRB (its OCC of length N_SF = "
                             f"{self.spreading_factor} spreads over the 12 subcarriers of one PRB, "
                             f"TS 38.211 §6.3.2.6.3), got prb_set = {list(self.prb_set)}")
        if f in (2, 3) and n_prb > _MAX_PRB:
            raise ValueError(f"PUCCH format {f} has 1..{_MAX_PRB} PRBs (nrofPRBs), got {n_prb}")
        if f == 3 and not _is_2a3b5c(n_prb):
            raise ValueError(f"PUCCH format 3 needs a PRB count 2^a 3^b 5^c (M_sc = 12 n_PRB of the "
                             f"transform precoding, TS 38.211 §6.3.2.6.4), got {n_prb}")
        if f in (0, 1, 2) and self.modulation != "QPSK":
            raise ValueError(f"modulation = {self.modulation!r} is only for PUCCH formats 3 and 4")
        hop = self.frequency_hopping
        if hop != "neither":
            if self.second_hop_prb is None:
                raise ValueError(f"frequency_hopping = {hop!r} needs second_hop_prb")
            if hop == "intra-slot" and n < 2:
                raise ValueError(
                    f"frequency_hopping = 'intra-slot' needs at least 2 symbols, got "
                    f"symbol_allocation = {self.symbol_allocation} (TS 38.213 §9.2.1: the hops "
                    f"are floor(N/2) and N - floor(N/2) symbols)")
            if hop == "inter-slot" and f in (0, 2):
                raise ValueError(f"frequency_hopping = 'inter-slot' is for PUCCH formats 1, 3, 4 "
                                 f"(TS 38.213 §9.2.6), got format {f}")
        if f == 1:
            sf = pucch_format1_spreading()[n]
            n_sf = sf[0] if hop != "intra-slot" else min(sf[1], sf[2])
            if self.occ_index >= n_sf:
                raise ValueError(f"occ_index = {self.occ_index} needs a spreading factor above it; "
                                 f"PUCCH format 1 with {n} symbols and frequency_hopping = {hop!r} "
                                 f"has N_SF = {n_sf} (TS 38.211 Table 6.3.2.4.1-1): allowed "
                                 f"0..{n_sf - 1}")
        if f == 4 and self.occ_index >= self.spreading_factor:
            raise ValueError(f"occ_index = {self.occ_index} is not allowed with spreading_factor = "
                             f"{self.spreading_factor}; allowed 0..{self.spreading_factor - 1}")
        return self

    def check_carrier(self, carrier: CarrierConfig) -> None:
        """Raise ``ValueError`` if this PUCCH does not fit ``carrier``: BWP inside the grid,
        PRBs of both hops inside the BWP, symbols inside the slot (12 with extended CP).

        >>> PUCCHConfig(prb_set=[60]).check_carrier(CarrierConfig(n_size_grid=52))
        Traceback (most recent call last):
        ...
        ValueError: prb_set contains PRB 60, outside the BWP: allowed 0..51 (BWP size 52)
        """
        if not isinstance(carrier, CarrierConfig):
            raise TypeError(f"carrier must be a CarrierConfig, got {type(carrier).__name__}")
        self._cross()
        start, size = self.bwp(carrier)
        if start < carrier.n_start_grid or start + size > carrier.n_start_grid + carrier.n_size_grid:
            raise ValueError(f"the BWP (n_start_bwp = {start}, n_size_bwp = {size}) is not inside "
                             f"the carrier grid (n_start_grid = {carrier.n_start_grid}, "
                             f"n_size_grid = {carrier.n_size_grid})")
        if self.prb_set[-1] >= size:
            raise ValueError(f"prb_set contains PRB {self.prb_set[-1]}, outside the BWP: allowed "
                             f"0..{size - 1} (BWP size {size})")
        if self.frequency_hopping != "neither":
            last = self.second_hop_prb + len(self.prb_set) - 1
            if last >= size:
                raise ValueError(f"the second hop (second_hop_prb = {self.second_hop_prb}, "
                                 f"{len(self.prb_set)} PRBs) ends at PRB {last}, outside the BWP: "
                                 f"allowed 0..{size - 1}")
        s, n = self.symbol_allocation
        if s + n > carrier.symbols_per_slot:
            raise ValueError(f"symbol_allocation = {self.symbol_allocation} does not fit the "
                             f"{carrier.symbols_per_slot} symbols of a slot")

    def bwp(self, carrier: CarrierConfig) -> tuple[int, int]:
        """(N_BWP^start, N_BWP^size) of this PUCCH on ``carrier``."""
        start = carrier.n_start_grid if self.n_start_bwp is None else self.n_start_bwp
        size = carrier.n_size_grid if self.n_size_bwp is None else self.n_size_bwp
        return start, size

    # ---- derived values ---------------------------------------------------------------
    @property
    def n_symbols(self) -> int:
        """N_symb^PUCCH."""
        return self.symbol_allocation[1]

    @property
    def n_prb(self) -> int:
        """Number of PRBs of each hop."""
        return len(self.prb_set)

    @property
    def hop_symbols(self) -> tuple[tuple[int, ...], ...]:
        """The slot symbols of each hop: one hop, or two with intra-slot hopping (the first
        floor(N/2) symbols, then the rest; TS 38.213 §9.2.1)."""
        s, n = self.symbol_allocation
        syms = tuple(range(s, s + n))
        if self.frequency_hopping == "intra-slot":
            return syms[:n // 2], syms[n // 2:]
        return (syms,)

    def hop_prb(self, hop: int, carrier: CarrierConfig) -> int:
        """First PRB (within the BWP) of hop 0 / 1 in the slot ``carrier.n_slot``."""
        if self.frequency_hopping == "intra-slot" and hop == 1:
            return int(self.second_hop_prb)  # type: ignore[arg-type]
        if self.frequency_hopping == "inter-slot" and carrier.n_slot % 2 == 1:
            return int(self.second_hop_prb)  # type: ignore[arg-type]
        return self.prb_set[0]

    @property
    def qm(self) -> int:
        """Bits per modulation symbol of formats 2-4 (2: QPSK, 1: pi/2-BPSK)."""
        return 1 if self.modulation == "pi/2-BPSK" else 2


def check_pucch_config(carrier: object, config: object, name: str = "pucch"
                       ) -> tuple[CarrierConfig, PUCCHConfig]:
    """The types of a carrier and a PUCCH configuration (argument ``name``) and their
    consistency (:meth:`PUCCHConfig.check_carrier`).

    >>> carrier, pucch = check_pucch_config(CarrierConfig(), PUCCHConfig())
    """
    if not isinstance(carrier, CarrierConfig):
        raise TypeError(f"carrier must be a CarrierConfig, got {type(carrier).__name__}")
    if not isinstance(config, PUCCHConfig):
        raise TypeError(f"{name} must be a PUCCHConfig, got {type(config).__name__}")
    config.check_carrier(carrier)
    return carrier, config
