"""The CSI-RS location table and CDM weights of TS 38.211 §7.4.1.5.3, read once from
``data/csi_rs_locations.csv`` (Table 7.4.1.5.3-1) and ``data/csi_rs_cdm_weights.csv``
(Tables 7.4.1.5.3-2 .. -5).

* :func:`csi_rs_row` -- one row: ports X, densities rho, cdm-Type, the (k_bar, l_bar) entries
  with their CDM group index j, and the k' / l' values.
* :func:`csi_rs_rows_for_ports` -- the rows of a port count.
* :func:`csi_rs_cdm_weights` -- w_f(k'), w_t(l') of each CDM index s of a cdm-Type.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass

from softran.nr.datafiles import read_csv
from softran.validation import check_int, check_name

__all__ = ["CSI_RS_CDM_TYPES", "CSIRSRow", "csi_rs_cdm_weights", "csi_rs_row",
           "csi_rs_rows_for_ports"]

#: cdm-Type values of TS 38.211 Table 7.4.1.5.3-1, with their CDM group size L.
CSI_RS_CDM_TYPES: dict[str, int] = {"noCDM": 1, "fd-CDM2": 2, "cdm4-FD2-TD2": 4,
                                    "cdm8-FD2-TD4": 8}


@dataclass(frozen=True)
class CSIRSRow:
    """One row of TS 38.211 Table 7.4.1.5.3-1.

    ``entries``: the (k_bar, l_bar) column as ((k index i, k offset), (l index 0/1, l offset))
    pairs, e.g. ``((0, 4), (0, 0))`` for (k_0 + 4, l_0) and ``((1, 0), (1, 1))`` for
    (k_1, l_1 + 1); ``cdm_group``: j of each entry; ``n_k`` / ``n_l``: how many k_i and l_i
    the row uses.
    """

    row: int
    ports: int
    densities: tuple[float, ...]
    cdm_type: str
    entries: tuple[tuple[tuple[int, int], tuple[int, int]], ...]
    cdm_group: tuple[int, ...]
    k_prime: tuple[int, ...]
    l_prime: tuple[int, ...]

    @property
    def cdm_size(self) -> int:
        """L, ports per CDM group."""
        return CSI_RS_CDM_TYPES[self.cdm_type]

    @property
    def n_k(self) -> int:
        """Number of subcarrier references k_i the row uses."""
        return 1 + max(k for (k, _), _ in self.entries)

    @property
    def n_l(self) -> int:
        """Number of symbol references l_0 (1) or l_0, l_1 (2)."""
        return 1 + max(l for _, (l, _) in self.entries)


def _term(text: str, letter: str) -> tuple[int, int]:
    """'k0+4' -> (0, 4)."""
    head, _, plus = text.partition("+")
    if not head.startswith(letter):
        raise ValueError(f"bad CSI-RS table term {text!r}")
    return int(head[1:]), int(plus or 0)


@functools.cache
def _rows() -> dict[int, CSIRSRow]:
    out = {}
    for r in read_csv("csi_rs_locations.csv"):
        entries = tuple((_term(kt, "k"), _term(lt, "l"))
                        for kt, lt in (e.split(":") for e in r["entries"].split()))
        out[int(r["row"])] = CSIRSRow(
            row=int(r["row"]), ports=int(r["ports"]),
            densities=tuple(float(x) for x in r["densities"].split()),
            cdm_type=r["cdm_type"], entries=entries,
            cdm_group=tuple(int(x) for x in r["cdm_group"].split()),
            k_prime=tuple(int(x) for x in r["k_prime"].split()),
            l_prime=tuple(int(x) for x in r["l_prime"].split()))
    return out


def csi_rs_row(row: int) -> CSIRSRow:
    """Row ``row`` (1..18) of TS 38.211 Table 7.4.1.5.3-1.

    >>> r = csi_rs_row(13)
    >>> r.ports, r.cdm_type, r.n_k, r.n_l, r.entries[3]
    (24, 'fd-CDM2', 3, 2, ((0, 0), (0, 1)))
    """
    row = check_int("row", row, 1, 18)
    return _rows()[row]


def csi_rs_rows_for_ports(n_ports: int) -> tuple[int, ...]:
    """The rows of Table 7.4.1.5.3-1 with X = ``n_ports`` ports.

    >>> csi_rs_rows_for_ports(8)
    (6, 7, 8)
    """
    return tuple(r.row for r in _rows().values() if r.ports == n_ports)


@functools.cache
def _weights() -> dict[str, tuple[tuple[tuple[int, ...], tuple[int, ...]], ...]]:
    out: dict[str, list] = {}
    for r in read_csv("csi_rs_cdm_weights.csv"):
        wf = tuple(int(r[c]) for c in ("wf0", "wf1") if r[c] != "-")
        wt = tuple(int(r[c]) for c in ("wt0", "wt1", "wt2", "wt3") if r[c] != "-")
        out.setdefault(r["cdm_type"], []).append((int(r["s"]), wf, wt))
    return {k: tuple((wf, wt) for _, wf, wt in sorted(v)) for k, v in out.items()}


def csi_rs_cdm_weights(cdm_type: str) -> tuple[tuple[tuple[int, ...], tuple[int, ...]], ...]:
    """``(w_f, w_t)`` of each CDM index s = 0..L-1, TS 38.211 Tables 7.4.1.5.3-2 .. -5.

    >>> csi_rs_cdm_weights("cdm8-FD2-TD4")[6]
    ((1, 1), (1, -1, -1, 1))
    """
    cdm_type = check_name("cdm_type", cdm_type, tuple(CSI_RS_CDM_TYPES))
    return _weights()[cdm_type]
