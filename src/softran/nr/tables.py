"""MCS and TBS tables of TS 38.214, loaded once from the CSV files in ``softran/nr/data``.

The tables are data, never retyped here:

=====================  ============================  ==============================================
name                   file                          TS 38.214 table
=====================  ============================  ==============================================
``"qam64"``            ``mcs_qam64.csv``             5.1.3.1-1, MCS index table 1 (PDSCH/PUSCH)
``"qam256"``           ``mcs_qam256.csv``            5.1.3.1-2, MCS index table 2 (PDSCH/PUSCH)
``"qam64LowSE"``       ``mcs_qam64_low_se.csv``      5.1.3.1-3, MCS index table 3 (PDSCH/PUSCH)
``"qam1024"``          ``mcs_qam1024.csv``           5.1.3.1-4, MCS index table 4 (PDSCH, Rel-17)
``"tp-qam64"``         ``mcs_tp_qam64.csv``          6.1.4.1-1, PUSCH with transform precoding
``"tp-qam64LowSE"``    ``mcs_tp_qam64_low_se.csv``   6.1.4.1-2, PUSCH with transform precoding
(TBS)                  ``tbs_table_5_1_3_2_1.csv``   5.1.3.2-1, the 93 TBS values for N_info <= 3824
=====================  ============================  ==============================================

The names are those of MATLAB's ``nrPDSCHConfig.MCSTable`` / ``nrPUSCHMCSTables`` where they
exist (``qam64``, ``qam256``, ``qam64LowSE``, ``qam1024``); the two transform-precoding tables
get the ``tp-`` prefix. Names compare case-insensitively.

The q-dependent rows of Tables 6.1.4.1-1/-2 (pi/2-BPSK) are stored as in the specification:
modulation order ``q`` and target code rate ``N/q``. ``q = 1`` when the higher-layer parameter
*tp-pi2BPSK* is configured and ``q = 2`` otherwise (TS 38.214 §6.1.4.1); callers choose with
``tp_pi2bpsk=True/False``. The spectral efficiency of those rows does not depend on q.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass
from typing import Any

from softran.nr.datafiles import read_csv
from softran.nr.modulation import bits_per_symbol
from softran.validation import check_choice, check_int

__all__ = [
    "MCS_TABLE_NAMES",
    "MODULATION_ORDERS",
    "MCSEntry",
    "mcs",
    "mcs_table",
    "modulation_order",
    "tbs_table",
]

#: Q_m of the modulation schemes of the shared channels (TS 38.214 MCS tables; BPSK is not
#: one of them), from the one table of TS 38.211 §5.1 in :mod:`softran.nr.modulation`.
MODULATION_ORDERS: dict[str, int] = {
    m: bits_per_symbol(m) for m in ("pi/2-BPSK", "QPSK", "16QAM", "64QAM", "256QAM", "1024QAM")
}
_MODULATION_BY_QM: dict[int, str] = {qm: name for name, qm in MODULATION_ORDERS.items()}

_MCS_FILES: dict[str, str] = {
    "qam64": "mcs_qam64.csv",
    "qam256": "mcs_qam256.csv",
    "qam64LowSE": "mcs_qam64_low_se.csv",
    "qam1024": "mcs_qam1024.csv",
    "tp-qam64": "mcs_tp_qam64.csv",
    "tp-qam64LowSE": "mcs_tp_qam64_low_se.csv",
}
#: Names accepted by :func:`mcs_table` and :func:`mcs`.
MCS_TABLE_NAMES: tuple[str, ...] = tuple(_MCS_FILES)


@dataclass(frozen=True)
class MCSEntry:
    """One row of an MCS index table (TS 38.214 §5.1.3.1 / §6.1.4.1).

    ``target_code_rate`` is R (the table's ``R x 1024`` divided by 1024) and
    ``spectral_efficiency`` the table's rounded value; both are ``None`` for a reserved row,
    whose modulation still applies (retransmissions).
    """

    mcs_index: int
    modulation: str
    qm: int
    target_code_rate_x1024: float | None
    target_code_rate: float | None
    spectral_efficiency: float | None

    @property
    def reserved(self) -> bool:
        """True for the reserved rows (no target code rate)."""
        return self.target_code_rate is None


def _read_csv(name: str) -> list[dict[str, str]]:
    return read_csv(name)


@functools.cache
def _raw_mcs_rows(name: str) -> tuple[tuple[str, str, str, str], ...]:
    return tuple((r["mcs_index"], r["qm"], r["target_code_rate_x1024"], r["spectral_efficiency"])
                 for r in _read_csv(_MCS_FILES[name]))


@functools.cache
def _mcs_table(name: str, q: int) -> tuple[MCSEntry, ...]:
    rows = []
    for index, qm_text, rate_text, se_text in _raw_mcs_rows(name):
        qm = q if qm_text == "q" else int(qm_text)
        if rate_text == "reserved":
            rate_x1024 = None
        elif rate_text.endswith("/q"):
            rate_x1024 = float(rate_text[:-2]) / q
        else:
            rate_x1024 = float(rate_text)
        rows.append(MCSEntry(
            mcs_index=int(index),
            modulation=_MODULATION_BY_QM[qm],
            qm=qm,
            target_code_rate_x1024=rate_x1024,
            target_code_rate=None if rate_x1024 is None else rate_x1024 / 1024,
            spectral_efficiency=None if se_text == "reserved" else float(se_text),
        ))
    return tuple(rows)


def mcs_table(name: str = "qam64", *, tp_pi2bpsk: bool = False) -> tuple[MCSEntry, ...]:
    """The 32 rows of an MCS index table of TS 38.214 §5.1.3.1 or §6.1.4.1.

    Parameters
    ----------
    name : ``"qam64"`` (Table 5.1.3.1-1), ``"qam256"`` (5.1.3.1-2), ``"qam64LowSE"``
        (5.1.3.1-3), ``"qam1024"`` (5.1.3.1-4), ``"tp-qam64"`` (6.1.4.1-1) or
        ``"tp-qam64LowSE"`` (6.1.4.1-2); case-insensitive.
    tp_pi2bpsk : for the transform-precoding tables: the higher-layer parameter *tp-pi2BPSK*
        is configured, so q = 1 (pi/2-BPSK rows); otherwise q = 2 (QPSK). Ignored by the
        other tables.

    Returns
    -------
    tuple of :class:`MCSEntry`, indexed by the MCS index I_MCS = 0..31.

    >>> t = mcs_table("qam256")
    >>> t[27].modulation, t[27].target_code_rate_x1024, t[27].spectral_efficiency
    ('256QAM', 948.0, 7.4063)
    >>> t[28].reserved, t[28].modulation
    (True, 'QPSK')
    >>> mcs_table("tp-qam64", tp_pi2bpsk=True)[0].target_code_rate_x1024
    240.0
    """
    if not isinstance(name, str):
        raise TypeError(f"name must be a string, got {type(name).__name__}")
    name = check_choice("name", name, MCS_TABLE_NAMES)
    if not isinstance(tp_pi2bpsk, bool):
        raise TypeError(f"tp_pi2bpsk must be a bool, got {type(tp_pi2bpsk).__name__}")
    return _mcs_table(name, 1 if tp_pi2bpsk else 2)


def mcs(index: int, table: str = "qam64", *, tp_pi2bpsk: bool = False) -> tuple[str, float | None]:
    """Modulation and target code rate R of MCS index ``index`` (TS 38.214 §5.1.3.1, §6.1.4.1).

    Parameters
    ----------
    index : I_MCS, 0..31.
    table : table name, see :func:`mcs_table`.
    tp_pi2bpsk : q = 1 for the transform-precoding tables (see :func:`mcs_table`).

    Returns
    -------
    (modulation, target_code_rate): MATLAB modulation name (``"QPSK"``, ``"16QAM"``, ...,
    ``"pi/2-BPSK"``) and R = (R x 1024) / 1024; R is ``None`` for a reserved index (the
    modulation is still given; the TBS comes from the initial transmission).

    >>> mcs(27, "qam256")
    ('256QAM', 0.92578125)
    >>> mcs(0, "tp-qam64", tp_pi2bpsk=True), mcs(0, "tp-qam64")
    (('pi/2-BPSK', 0.234375), ('QPSK', 0.1171875))
    >>> mcs(31, "qam64")
    ('64QAM', None)
    """
    index = check_int("index", index, 0, 31)
    row = mcs_table(table, tp_pi2bpsk=tp_pi2bpsk)[index]
    return row.modulation, row.target_code_rate


@functools.cache
def tbs_table() -> tuple[int, ...]:
    """TS 38.214 Table 5.1.3.2-1: the 93 TBS values for N_info <= 3824, increasing.

    >>> t = tbs_table()
    >>> len(t), t[0], t[-1]
    (93, 24, 3824)
    """
    return tuple(int(r["tbs"]) for r in _read_csv("tbs_table_5_1_3_2_1.csv"))


def modulation_order(modulation: Any) -> int:
    """Q_m, the bits per symbol of a modulation name (TS 38.211 §5.1), case-insensitive.

    >>> modulation_order("256qam"), modulation_order("pi/2-BPSK")
    (8, 1)
    """
    if not isinstance(modulation, str):
        raise TypeError(f"modulation must be a string, got {type(modulation).__name__}")
    return MODULATION_ORDERS[check_choice("modulation", modulation, MODULATION_ORDERS)]
