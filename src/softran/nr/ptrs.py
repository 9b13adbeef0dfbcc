"""Phase-tracking reference signals of the shared channels (CP-OFDM): what PUSCH
(TS 38.211 §6.4.1.2.2.1) and PDSCH (§7.4.1.2.2) have in common, in one place both import.

* :func:`ptrs_k_ref` -- k_ref^RE of Table 6.4.1.2.2.1-1 = Table 7.4.1.2.2-1
  (``data/ptrs_k_ref.csv``).
* :func:`ptrs_symbol_offsets` -- the PT-RS symbols of the allocation (the l_ref / i stepping
  of both clauses, restarted after each DM-RS symbol).
* :func:`ptrs_rb_offsets` -- the RBs i K_PT-RS + k_ref^RB (k_ref^RB from n_RNTI).
* :class:`PTRSConfigBase` -- time / frequency density and RE offset (MATLAB
  ``nrPUSCHPTRSConfig`` / ``nrPDSCHPTRSConfig``); each channel adds its port fields.
"""

from __future__ import annotations

import functools
from collections.abc import Iterable
from typing import Any

from pydantic import field_validator

from softran.nr.datafiles import read_csv
from softran.validation import ValidatedModel, check_choice, check_int, check_name

__all__ = ["PTRSConfigBase", "ptrs_k_ref", "ptrs_rb_offsets", "ptrs_symbol_offsets"]


@functools.cache
def _k_ref_table() -> dict[tuple[int, int], dict[str, int]]:
    rows = read_csv("ptrs_k_ref.csv")
    return {(int(r["dmrs_type"]), int(r["port"])):
            {off: int(r[f"offset{off}"]) for off in ("00", "01", "10", "11")} for r in rows}


def ptrs_k_ref(dmrs_type: int, port: int, re_offset: str) -> int:
    """k_ref^RE of TS 38.211 Table 6.4.1.2.2.1-1 (PUSCH) = Table 7.4.1.2.2-1 (PDSCH): the
    PT-RS subcarrier within its RB for the associated DM-RS port (p~, or p - 1000) and
    *resourceElementOffset*.

    >>> ptrs_k_ref(1, 2, "10"), ptrs_k_ref(2, 3, "11")
    (7, 2)
    """
    key = (dmrs_type, port)
    if key not in _k_ref_table():
        raise ValueError(f"DM-RS port {port} cannot carry PT-RS with dmrs_type = {dmrs_type}; "
                         f"allowed ports: 0..{3 if dmrs_type == 1 else 5} (TS 38.211 Table "
                         "6.4.1.2.2.1-1 / 7.4.1.2.2-1)")
    return _k_ref_table()[key][re_offset]


def ptrs_symbol_offsets(length: int, dmrs_offsets: Iterable[int],
                        time_density: int) -> list[int]:
    """PT-RS symbols relative to the start of an allocation of ``length`` symbols whose DM-RS
    symbols are ``dmrs_offsets`` (relative too), TS 38.211 §6.4.1.2.2.1 / §7.4.1.2.2:

    i = 0, l_ref = 0; while l_ref + i L_PT-RS is inside the allocation, if a symbol of
    max(l_ref + (i-1) L_PT-RS + 1, l_ref) .. l_ref + i L_PT-RS is a DM-RS symbol then i = 1
    and l_ref = that DM-RS symbol (the second of a double-symbol DM-RS), else
    l_ref + i L_PT-RS is a PT-RS symbol and i = i + 1.

    >>> ptrs_symbol_offsets(14, [2, 11], 2)
    [0, 4, 6, 8, 10, 13]
    """
    dmrs = sorted(dmrs_offsets)
    out: list[int] = []
    i, l_ref = 0, 0
    while l_ref + i * time_density < length:
        window = range(max(l_ref + (i - 1) * time_density + 1, l_ref),
                       l_ref + i * time_density + 1)
        hits = [l for l in dmrs if l in window]
        if hits:
            # restart after the DM-RS symbol (the second one of a double-symbol DM-RS)
            i, l_ref = 1, hits[-1]
            continue
        out.append(l_ref + i * time_density)
        i += 1
    return out


def ptrs_rb_offsets(n_rb: int, frequency_density: int, rnti: int) -> list[int]:
    """Positions (in allocation order, 0..n_rb-1) of the RBs carrying PT-RS: i K_PT-RS +
    k_ref^RB with k_ref^RB = n_RNTI mod K_PT-RS if N_RB mod K_PT-RS = 0, else
    n_RNTI mod (N_RB mod K_PT-RS) (TS 38.211 §6.4.1.2.2.1 / §7.4.1.2.2).

    >>> ptrs_rb_offsets(7, 2, 1)
    [0, 2, 4, 6]
    """
    k = frequency_density
    k_rb_ref = rnti % k if n_rb % k == 0 else rnti % (n_rb % k)
    return list(range(k_rb_ref, n_rb, k))


class PTRSConfigBase(ValidatedModel):
    """The PT-RS configuration fields PUSCH and PDSCH share (TS 38.211 §6.4.1.2 / §7.4.1.2,
    TS 38.214 §6.2.3 / §5.1.6.3), validated when set.

    Parameters
    ----------
    time_density : L_PT-RS, 1, 2 or 4 (OFDM symbols).
    frequency_density : K_PT-RS, 2 or 4 (resource blocks).
    re_offset : *resourceElementOffset*, ``"00"``, ``"01"``, ``"10"`` or ``"11"``.

    >>> PTRSConfigBase(time_density=4).frequency_density
    2
    """

    time_density: int = 1
    frequency_density: int = 2
    re_offset: str = "00"

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
