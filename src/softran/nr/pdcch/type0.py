"""The CORESET of the Type0-PDCCH common search space set (CORESET#0), from the MIB's
pdcch-ConfigSIB1 (TS 38.213 §13, Tables 13-1 .. 13-10, data files ``type0_coreset_13_*.csv``).

controlResourceSetZero (the 4 MSBs of pdcch-ConfigSIB1) is a row of the table that the
{SS/PBCH block, PDCCH} subcarrier spacings (the block's from the band, the PDCCH's
subCarrierSpacingCommon) and, for 30 kHz blocks in FR1, the band's minimum channel bandwidth
select: the SS/PBCH block and CORESET multiplexing pattern, N_RB^CORESET, N_symb^CORESET and
the offset in RBs (of the PDCCH subcarrier spacing) from the CORESET's lowest RB to the lowest
common RB overlapping the block's first RB. The monitoring occasions of searchSpaceZero
(Tables 13-11 .. 13-15) are not here.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass

from softran.nr.datafiles import read_csv
from softran.nr.ssb import MIB
from softran.validation import check_choice, check_int

__all__ = ["Type0CORESET", "type0_coreset"]

#: (SS/PBCH block SCS, PDCCH SCS, 40 MHz minimum channel bandwidth?) -> TS 38.213 table
_TABLES = {(15, 15, False): "13-1", (15, 30, False): "13-2", (30, 15, False): "13-3",
           (30, 30, False): "13-4", (30, 15, True): "13-5", (30, 30, True): "13-6",
           (120, 60, None): "13-7", (120, 120, None): "13-8", (240, 60, None): "13-9",
           (240, 120, None): "13-10"}


@dataclass(frozen=True)
class Type0CORESET:
    """One row of TS 38.213 Tables 13-1 .. 13-10 (module docstring); ``offset`` already for
    the block's k_SSB (the tables' -41 / -42 and -20 / -21)."""

    table: str
    multiplexing_pattern: int
    n_rb: int
    n_symbols: int
    offset: int

    def first_rb(self, n_crb_ssb: int) -> int:
        """The common RB (of the PDCCH subcarrier spacing) where the CORESET starts, given
        ``n_crb_ssb``, the lowest common RB overlapping the block's first RB (TS 38.213 §13).

        >>> Type0CORESET("13-4", 1, 48, 2, 16).first_rb(31)
        15
        """
        first = check_int("n_crb_ssb", n_crb_ssb, 0) - self.offset
        if first < 0:
            raise ValueError(f"n_crb_ssb = {n_crb_ssb} is below the offset {self.offset} of "
                             f"Table {self.table}: the CORESET would start below common RB 0")
        return first


@functools.cache
def _table(name: str) -> dict[int, tuple[int, int, int, int, int]]:
    rows = read_csv(f"type0_coreset_{name.replace('-', '_')}.csv")
    return {int(r["index"]): (int(r["multiplexing_pattern"]), int(r["n_rb"]),
                              int(r["n_symbols"]), int(r["offset"]),
                              int(r["offset_k_ssb_positive"])) for r in rows}


def type0_coreset(mib: MIB, ssb_scs: int, min_channel_bandwidth_mhz: int = 5) -> Type0CORESET:
    """The CORESET for the Type0-PDCCH search space set of ``mib`` (TS 38.213 §13): the row
    controlResourceSetZero of the table of {``ssb_scs``, subCarrierSpacingCommon} (Tables
    13-1 .. 13-10), ``min_channel_bandwidth_mhz`` (5, 10 or 40) the band's minimum channel
    bandwidth (FR1: 40 MHz selects Tables 13-5 / 13-6), k_SSB from ssb-SubcarrierOffset. A
    reserved index is a ``ValueError``.

    >>> c = type0_coreset(MIB(sub_carrier_spacing_common=30, pdcch_config_sib1=0xD0), 30)
    >>> c.table, c.multiplexing_pattern, c.n_rb, c.n_symbols, c.offset
    ('13-4', 1, 48, 2, 12)
    >>> m = MIB(sub_carrier_spacing_common=120, ssb_subcarrier_offset=3, pdcch_config_sib1=0x40)
    >>> type0_coreset(m, 120).offset            # Table 13-8 row 4: -20 if k_SSB = 0, else -21
    -21
    """
    if not isinstance(mib, MIB):
        raise TypeError(f"mib must be a MIB, got {type(mib).__name__}")
    ssb = check_choice("ssb_scs", ssb_scs, (15, 30, 120, 240))
    bw = check_choice("min_channel_bandwidth_mhz", min_channel_bandwidth_mhz, (5, 10, 40))
    pdcch = mib.sub_carrier_spacing_common
    key = (ssb, pdcch, None if ssb >= 120 else bw == 40)
    if key not in _TABLES:
        raise ValueError(f"{{SS/PBCH block, PDCCH}} SCS {{{ssb}, {pdcch}}} kHz with minimum "
                         f"channel bandwidth {bw} MHz has no table in TS 38.213 §13; allowed: "
                         + ", ".join(f"{{{s}, {p}}}" + ("" if b is None else
                                                        " (40 MHz)" if b else " (5/10 MHz)")
                                     for s, p, b in _TABLES))
    name = _TABLES[key]
    row = _table(name).get(mib.control_resource_set_zero)
    if row is None:
        raise ValueError(f"controlResourceSetZero = {mib.control_resource_set_zero} is reserved "
                         f"in TS 38.213 Table {name}; allowed: 0..{len(_table(name)) - 1}")
    pattern, n_rb, n_symbols, offset, offset_pos = row
    return Type0CORESET(name, pattern, n_rb, n_symbols,
                        offset_pos if mib.ssb_subcarrier_offset > 0 else offset)
