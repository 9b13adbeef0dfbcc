"""The PRACH tables of TS 38.211 §6.3.3 as read from ``softran/nr/data`` (loaded once):

* preamble formats, Tables 6.3.3.1-1 / -2 (``prach_preamble_formats.csv``);
* logical root sequence numbers, Tables 6.3.3.1-3 / -4 (``prach_root_sequence_839/139.csv``);
* N_CS, Tables 6.3.3.1-5 / -6 / -7 (``prach_ncs.csv``);
* kbar and N_RB^RA, Table 6.3.3.2-1 (``prach_kbar.csv``);
* random access configurations, Tables 6.3.3.2-2 / -3 / -4 (``prach_config_*.csv``).
"""

from __future__ import annotations

import functools
from dataclasses import dataclass

from softran.nr.datafiles import read_csv
from softran.validation import check_choice, check_int, check_name

__all__ = [
    "PRACH_FORMATS",
    "PRACHFormat",
    "PRACHTableRow",
    "prach_configuration_row",
    "prach_format",
    "prach_kbar",
    "prach_logical_root",
    "prach_ncs",
]


@dataclass(frozen=True)
class PRACHFormat:
    """A preamble format of TS 38.211 Table 6.3.3.1-1 / 6.3.3.1-2: ``l_ra`` L_RA,
    ``delta_f_ra`` Delta f_RA in kHz (None: 15 * 2^mu, the short formats), ``n_u`` / ``n_cp``
    in units of kappa T_c (kappa 2^-mu T_c for the short formats), ``restricted``: whether the
    restricted sets A and B are supported."""

    name: str
    l_ra: int
    delta_f_ra: float | None
    n_u: int
    n_cp: int
    restricted: bool

    @property
    def long(self) -> bool:
        """A long preamble (L_RA = 839)."""
        return self.l_ra == 839


@functools.cache
def _formats() -> dict[str, PRACHFormat]:
    out = {}
    for r in read_csv("prach_preamble_formats.csv"):
        out[r["format"]] = PRACHFormat(
            r["format"], int(r["l_ra"]),
            None if r["delta_f_ra"] == "short" else float(r["delta_f_ra"]),
            int(r["n_u"]), int(r["n_cp"]), bool(r["restricted"].strip()))
    return out


#: The preamble formats of TS 38.211 Tables 6.3.3.1-1 and 6.3.3.1-2.
PRACH_FORMATS: tuple[str, ...] = tuple(_formats())


def prach_format(name: str) -> PRACHFormat:
    """The :class:`PRACHFormat` of a preamble format name (``"0"`` .. ``"3"``, ``"A1"`` ..).

    >>> f = prach_format("B4")
    >>> f.l_ra, f.n_u, f.n_cp
    (139, 24576, 936)
    """
    return _formats()[check_name("format", str(name), PRACH_FORMATS)]


@functools.cache
def _roots(l_ra: int) -> tuple[int, ...]:
    rows = read_csv(f"prach_root_sequence_{l_ra}.csv")
    return tuple(int(r["u"]) for r in rows)


def prach_logical_root(i: int, l_ra: int) -> int:
    """Sequence number u of logical root index i (TS 38.211 Table 6.3.3.1-3 for L_RA = 839,
    6.3.3.1-4 for 139); i is taken modulo L_RA - 1 (the roots continue cyclically).

    >>> prach_logical_root(0, 839), prach_logical_root(22, 839), prach_logical_root(1, 139)
    (129, 1, 138)
    """
    l_ra = check_choice("l_ra", check_int("l_ra", l_ra), (839, 139))
    i = check_int("i", i, 0)
    table = _roots(l_ra)
    return table[i % len(table)]


@functools.cache
def _ncs() -> dict[tuple[str, int], tuple[int | None, int | None, int | None]]:
    out = {}
    for r in read_csv("prach_ncs.csv"):
        vals = tuple(int(r[c]) if r[c] else None
                     for c in ("unrestricted", "restricted_type_a", "restricted_type_b"))
        out[(r["delta_f_ra"], int(r["zero_correlation_zone_config"]))] = vals
    return out


def prach_ncs(delta_f_ra: float, zero_correlation_zone: int, restricted_set: str) -> int:
    """N_CS of TS 38.211 Tables 6.3.3.1-5 (1.25 kHz), -6 (5 kHz), -7 (15 * 2^mu kHz).
    Raises ``ValueError`` for a zeroCorrelationZoneConfig the table leaves empty for the set
    (restricted sets: long formats only).

    >>> prach_ncs(1.25, 1, "unrestricted"), prach_ncs(30, 14, "unrestricted")
    (13, 46)
    """
    z = check_int("zero_correlation_zone", zero_correlation_zone, 0, 15)
    restricted_set = check_name("restricted_set", restricted_set, ("unrestricted", "A", "B"))
    key = "1.25" if delta_f_ra == 1.25 else "5" if delta_f_ra == 5 else "short"
    col = ("unrestricted", "A", "B").index(restricted_set)
    value = _ncs()[(key, z)][col]
    if value is None:
        table = {"1.25": "6.3.3.1-5", "5": "6.3.3.1-6", "short": "6.3.3.1-7"}[key]
        allowed = [zz for zz in range(16) if _ncs()[(key, zz)][col] is not None]
        raise ValueError(
            f"zero_correlation_zone = {z} is not allowed with restricted_set = "
            f"{restricted_set!r} at Delta f_RA = {delta_f_ra} kHz (TS 38.211 Table {table}); "
            + (f"allowed: {allowed[0]}..{allowed[-1]}" if allowed else
               "the short formats support the unrestricted set only"))
    return value


@functools.cache
def _kbar() -> dict[tuple[int, float, int], tuple[int, int]]:
    return {(int(r["l_ra"]), float(r["delta_f_ra"]), int(r["delta_f"])):
            (int(r["n_rb_ra"]), int(r["kbar"])) for r in read_csv("prach_kbar.csv")}


def prach_kbar(l_ra: int, delta_f_ra: float, delta_f: int) -> tuple[int, int]:
    """(N_RB^RA, kbar) of TS 38.211 Table 6.3.3.2-1 for the PRACH and PUSCH subcarrier
    spacings (kHz); ``ValueError`` for a combination the table does not support.

    >>> prach_kbar(839, 1.25, 15), prach_kbar(139, 30, 30)
    ((6, 7), (12, 2))
    """
    key = (int(l_ra), float(delta_f_ra), int(delta_f))
    if key not in _kbar():
        allowed = sorted({k[2] for k in _kbar() if k[:2] == key[:2]})
        raise ValueError(f"Delta f_RA = {delta_f_ra} kHz (L_RA = {l_ra}) is not supported with a "
                         f"{delta_f} kHz carrier (TS 38.211 Table 6.3.3.2-1); allowed carrier "
                         f"spacings: {allowed}")
    return _kbar()[key]


@dataclass(frozen=True)
class PRACHTableRow:
    """One row of TS 38.211 Tables 6.3.3.2-2 / -3 / -4: preamble format(s), x, y (n_SFN mod x
    in ``y``), subframe (or 60 kHz slot) numbers, starting symbol, PRACH slots within a
    subframe / 60 kHz slot (None for the long formats), time-domain occasions within a PRACH
    slot N_t^RA,slot and their duration N_dur^RA (0 for the long formats)."""

    index: int
    formats: tuple[str, ...]
    x: int
    y: tuple[int, ...]
    slots: tuple[int, ...]
    starting_symbol: int
    prach_slots: int | None
    occasions: int
    duration: int


_TABLES = {("FR1", "paired"): "prach_config_fr1_paired.csv",
           ("FR1", "unpaired"): "prach_config_fr1_unpaired.csv",
           ("FR2", "unpaired"): "prach_config_fr2_unpaired.csv"}


@functools.cache
def _config_table(name: str) -> tuple[PRACHTableRow, ...]:
    rows = []
    for r in read_csv(name):
        key = "subframes" if "subframes" in r else "slots"
        rows.append(PRACHTableRow(
            int(r["prach_configuration_index"]), tuple(r["preamble_format"].split("/")),
            int(r["x"]), tuple(int(v) for v in r["y"].split()),
            tuple(int(v) for v in r[key].split()), int(r["starting_symbol"]),
            int(r["slots"]) if r["slots"] else None,
            int(r["occasions"]) if r["occasions"] else 1, int(r["duration"])))
    if [row.index for row in rows] != list(range(256)):
        raise RuntimeError(f"{name}: unexpected layout")
    return tuple(rows)


def prach_configuration_row(index: int, frequency_range: str = "FR1",
                            spectrum: str = "paired") -> PRACHTableRow:
    """Row ``index`` of TS 38.211 Table 6.3.3.2-2 (FR1, paired spectrum / SUL), -3 (FR1,
    unpaired) or -4 (FR2, unpaired).

    >>> r = prach_configuration_row(158, "FR1", "unpaired")
    >>> r.formats, r.slots, r.prach_slots, r.occasions, r.duration
    (('B4',), (7,), 1, 1, 12)
    """
    index = check_int("index", index, 0, 255)
    frequency_range = check_name("frequency_range", frequency_range, ("FR1", "FR2"))
    spectrum = check_name("spectrum", spectrum, ("paired", "unpaired"))
    if (frequency_range, spectrum) not in _TABLES:
        raise ValueError("FR2 has the unpaired-spectrum table only (TS 38.211 Table 6.3.3.2-4); "
                         "use spectrum = 'unpaired'")
    return _config_table(_TABLES[(frequency_range, spectrum)])[index]
