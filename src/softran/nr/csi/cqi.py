"""Channel quality indicator, TS 38.214 §5.2.2.1: the 4-bit CQI tables 1 and 2 (Tables
5.2.2.1-2 / -3, data files ``cqi_table_1.csv`` / ``cqi_table_2.csv``), the CQI a UE reports
for an estimated SINR, and the MCS a scheduler takes for a reported CQI.

**SINR-to-BLER mapping (capacity gap).** TS 38.214 §5.2.2.1 asks for the highest CQI whose
PDSCH (modulation and target code rate of the CQI row) would be received with a transport
block error probability not above 0.1. softran models that BLER by a gap to the Shannon
capacity: a CQI row of spectral efficiency SE meets BLER <= 0.1 at the SINR gamma when

    SE <= log2(1 + gamma / Gamma),  i.e.  gamma_dB >= 10 log10(2^SE - 1) + Gamma_dB,

with the gap ``Gamma_dB`` = :data:`CQI_GAP_DB` (3.5 dB). The gap was measured on the softran
PDSCH link of the test cell (51 RBs, symbols 2-13, DM-RS pos2, its practical receiver) in
AWGN, 40 transport blocks per point in 0.5 dB steps: the SNR at which BLER first fell to
<= 0.1 was, per MCS of table qam64 (spectral efficiency), -5.5 dB for MCS 0 (0.23), 0.0 dB
for 5 (0.74), 3.5 dB for 9 (1.33), 6.5 dB for 13 (1.91), 10.0 dB for 17 (2.57), 14.0 dB for
22 (3.90), 18.5 dB for 27 (5.33) and 20.0 dB for 28 (5.55): 1.7 to 3.4 dB above the Shannon
SNR of the spectral efficiency (``docs/cqi_gap.py``); 3.5 dB keeps BLER <= 0.1
across the table. A frequency-selective channel enters
through the effective SINR of :func:`effective_sinr` (mutual-information average with the
Shannon capacity, MIESM-like).
"""

from __future__ import annotations

import functools
import math
from dataclasses import dataclass

import torch

from softran.nr.datafiles import read_csv
from softran.nr.tables import mcs_table
from softran.validation import check_choice, check_int, check_real, check_tensor

__all__ = ["CQI_GAP_DB", "CQIEntry", "cqi_select", "cqi_sinr_threshold_db", "cqi_table",
           "effective_sinr", "mcs_for_cqi"]

#: Gap to the Shannon capacity (dB) of the SINR-to-BLER model (module docstring).
CQI_GAP_DB = 3.5

_FILES = {1: "cqi_table_1.csv", 2: "cqi_table_2.csv"}
#: the MCS table of the same family as each CQI table (TS 38.214 §5.1.3.1: table1 with
#: mcs-Table qam64, table2 with qam256)
_MCS_FAMILY = {1: "qam64", 2: "qam256"}


@dataclass(frozen=True)
class CQIEntry:
    """One row of a 4-bit CQI table: CQI 0 is "out of range" (``qm`` 0)."""

    cqi_index: int
    qm: int
    target_code_rate_x1024: int
    spectral_efficiency: float


@functools.cache
def _table(table: int) -> tuple[CQIEntry, ...]:
    return tuple(CQIEntry(int(r["cqi_index"]), int(r["qm"]), int(r["target_code_rate_x1024"]),
                          float(r["spectral_efficiency"])) for r in read_csv(_FILES[table]))


def cqi_table(table: int = 1) -> tuple[CQIEntry, ...]:
    """The 16 rows of CQI table ``table`` (1: TS 38.214 Table 5.2.2.1-2, 2: Table 5.2.2.1-3).

    >>> t = cqi_table(2)
    >>> t[15].qm, t[15].target_code_rate_x1024, t[15].spectral_efficiency
    (8, 948, 7.4063)
    """
    return _table(check_choice("table", check_int("table", table), (1, 2)))


def cqi_sinr_threshold_db(cqi: int, table: int = 1, gap_db: float = CQI_GAP_DB) -> float:
    """The SINR (dB) above which CQI ``cqi`` of ``table`` (TS 38.214 §5.2.2.1) meets BLER <= 0.1
    in the capacity-gap
    model of the module docstring: ``10 log10(2^SE - 1) + gap_db``; ``-inf`` for CQI 0.

    >>> round(cqi_sinr_threshold_db(15), 2), round(cqi_sinr_threshold_db(1, gap_db=0), 2)
    (20.13, -9.53)
    """
    cqi = check_int("cqi", cqi, 0, 15)
    gap_db = check_real("gap_db", gap_db, 0.0, 20.0)
    se = cqi_table(table)[cqi].spectral_efficiency
    if cqi == 0:
        return -math.inf
    return 10 * math.log10(2 ** se - 1) + gap_db


def effective_sinr(sinr: torch.Tensor, dim: int | tuple[int, ...] = -1) -> torch.Tensor:
    """Effective SINR (linear) of per-RE SINRs ``sinr`` over ``dim``: the SINR whose Shannon
    capacity is the mean capacity, ``2^mean(log2(1 + sinr)) - 1`` (TS 38.214 §5.2.2.1 leaves
    the UE's mapping open; this is the mutual-information average with the Gaussian-input
    capacity). Negative values are refused.

    >>> float(effective_sinr(torch.tensor([1.0, 1.0])))
    1.0
    >>> round(float(effective_sinr(torch.tensor([0.0, 3.0]))), 3)       # 2^(1) - 1
    1.0
    """
    sinr = check_tensor("sinr", sinr)
    if sinr.is_complex():
        raise TypeError(f"sinr must be a real tensor, got dtype {sinr.dtype}")
    if bool((sinr < 0).any()):
        raise ValueError("sinr has negative values; allowed: linear SINR >= 0")
    return torch.exp2(torch.log2(1 + sinr.double()).mean(dim)) - 1


def cqi_select(sinr_db: float | torch.Tensor, table: int = 1, gap_db: float = CQI_GAP_DB
               ) -> torch.Tensor:
    """The CQI a UE reports at the (effective) SINR ``sinr_db``, TS 38.214 §5.2.2.1: the highest
    CQI of ``table`` whose BLER at that SINR stays <= 0.1 in the capacity-gap model (module
    docstring); 0 ("out of range") when even CQI 1 does not. Elementwise, int64.

    >>> cqi_select(torch.tensor([-20.0, 0.0, 10.0, 30.0])).tolist()
    [0, 3, 9, 15]
    >>> cqi_select(torch.tensor([10.0, 25.0]), table=2).tolist()
    [6, 14]
    """
    x = torch.as_tensor(sinr_db, dtype=torch.float64)
    if bool(torch.isnan(x).any()):
        raise ValueError("sinr_db has NaN values; allowed: real dB values")
    thr = torch.tensor([cqi_sinr_threshold_db(c, table, gap_db) for c in range(1, 16)],
                       dtype=torch.float64)
    return (x.unsqueeze(-1) >= thr).sum(-1)


def mcs_for_cqi(cqi: int, table: int = 1) -> int:
    """The MCS a scheduler takes for a reported CQI: the highest MCS of the MCS table of the
    same family (CQI table 1 -> MCS table qam64, TS 38.214 Table 5.1.3.1-1; CQI table 2 ->
    qam256, Table 5.1.3.1-2) whose spectral efficiency Q_m R does not exceed the CQI's
    (TS 38.214 §5.2.2.1 ties each CQI to a modulation and target code rate; the MCS tables
    hold the same points, so the mapping is exact where they coincide); MCS 0 where no MCS
    is that low (CQI 0, and CQI 1 whose 0.1523 lies below MCS 0).

    >>> [mcs_for_cqi(c) for c in (0, 1, 3, 6, 7, 9, 15)]
    [0, 0, 2, 8, 11, 15, 28]
    >>> [mcs_for_cqi(c, 2) for c in (1, 4, 15)]
    [0, 5, 27]
    """
    cqi = check_int("cqi", cqi, 0, 15)
    se = cqi_table(table)[cqi].spectral_efficiency
    best = 0
    for e in mcs_table(_MCS_FAMILY[table]):
        if e.spectral_efficiency is not None and e.spectral_efficiency <= se + 1e-9:
            best = max(best, e.mcs_index)
    return best
