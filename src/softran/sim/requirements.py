"""TS 38.104 §8.2 PUSCH performance requirements, the Annex A fixed reference channels they
use, and the TS 38.141-1 test tolerance and test SNR.

Three data files in ``softran/sim/data`` (loaded once, never retyped here):

=========================================  ===================================================
file                                       content
=========================================  ===================================================
``ts38104_pusch_fr1.csv``                  TS 38.104 Tables 8.2.1.2-1..7 and 8.2.2.2-1/-2: the
                                           SNR at which PUSCH must reach 70 % of maximum
                                           throughput
``ts38104_frc_pusch.csv``                  TS 38.104 Annex A fixed reference channels (A.3,
                                           A.4, A.5, A.7) used by those tables
``ts38141_1_pusch_test_tolerance.csv``     TS 38.141-1 §4.1.2 test tolerance per layer count
=========================================  ===================================================

The verdict of a measured throughput curve against a requirement row is in
:mod:`softran.sim.conformance`.
"""

from __future__ import annotations

import csv
import functools
from dataclasses import dataclass
from fractions import Fraction
from pathlib import Path
from typing import Any

from softran.nr import modulation_order
from softran.nr import tbs as _tbs
from softran.validation import check_int, check_name

__all__ = [
    "FRC",
    "FRC_NAMES",
    "TARGET_THROUGHPUT",
    "PUSCHRequirement",
    "frc",
    "pusch_requirements",
    "read_data_csv",
    "test_snr_db",
    "test_tolerance_db",
]

_DATA = Path(__file__).parent / "data"

#: The TS 38.104 §8.2 PUSCH pass level: 70 % of the maximum throughput.
TARGET_THROUGHPUT = 0.7


def _read_csv(name: str) -> list[dict[str, str]]:
    with open(_DATA / name, newline="") as f:
        lines = [line for line in f if not line.startswith("#")]
    return list(csv.DictReader(lines))


def _bool(text: str) -> bool:
    if text not in ("true", "false"):
        raise ValueError(f"bad boolean {text!r} in a conformance data file")
    return text == "true"


# --------------------------------------------------------------------------------------------
# Fixed reference channels (TS 38.104 Annex A)
# --------------------------------------------------------------------------------------------

@dataclass(frozen=True)
class FRC:
    """A TS 38.104 Annex A fixed reference channel for the FR1 PUSCH requirements.

    Attributes are the Annex A table parameters (names as in TS 38.211 / 38.214):
    ``mcs_table`` / ``mcs_index`` are the TS 38.214 MCS table (``"qam64"`` = Table 5.1.3.1-1,
    ``"tp-qam64"`` = Table 6.1.4.1-1) and the index with that modulation and rate;
    ``payload`` is the payload of the Annex A table (the TBS), kept as the reference the
    computed :attr:`tbs` must equal.

    >>> f = frc("G-FR1-A3-8")
    >>> f.modulation, f.code_rate_x1024, f.n_prb, f.n_re_per_prb, f.tbs
    ('QPSK', 193, 25, 144, 1352)
    """

    name: str
    scs_khz: int
    n_prb: int
    modulation: str
    code_rate_x1024: int
    n_layers: int
    transform_precoding: bool
    mcs_table: str
    mcs_index: int
    mapping_type: str
    start_symbol: int
    n_symbols: int
    dmrs_config_type: int
    dmrs_length: int
    dmrs_additional_position: int
    num_cdm_groups_without_data: int
    payload: int
    annex_table: str

    @property
    def target_code_rate(self) -> Fraction:
        """R = (R x 1024) / 1024, exact."""
        return Fraction(self.code_rate_x1024, 1024)

    @property
    def qm(self) -> int:
        """Q_m, bits per modulation symbol (TS 38.211 §5.1)."""
        return modulation_order(self.modulation)

    @property
    def n_dmrs_symbols(self) -> int:
        """DM-RS symbols in the slot: TS 38.211 Table 6.4.1.1.3-3, mapping type A over 14
        symbols, single-symbol DM-RS: l0 plus one symbol per additional position
        (pos1: l0 = 2 and 11)."""
        return 1 + self.dmrs_additional_position

    @property
    def n_re_per_prb(self) -> int:
        """N'_RE = 12 N_symb^sh - N_DMRS^PRB (TS 38.214 §6.1.4.2), where N_DMRS^PRB counts
        the REs of the CDM groups without data on the DM-RS symbols (6 per group and PRB for
        configuration type 1, 4 for type 2). 144 for every FR1 FRC here."""
        per_group = 6 if self.dmrs_config_type == 1 else 4
        n_dmrs = per_group * self.num_cdm_groups_without_data * self.n_dmrs_symbols
        return 12 * self.n_symbols - n_dmrs

    @property
    def tbs(self) -> int:
        """TBS by TS 38.214 §6.1.4.2 (the §5.1.3.2 procedure), computed by
        :func:`softran.nr.tbs.tbs` from the FRC parameters."""
        return _tbs(self.modulation, self.n_layers, self.n_prb, self.n_re_per_prb,
                    self.target_code_rate)

    @property
    def coded_bits(self) -> int:
        """G, coded bits per slot: N_RE x Q_m x layers (TS 38.212 §6.2.7)."""
        return self.n_re_per_prb * self.n_prb * self.qm * self.n_layers

    @property
    def slots_per_second(self) -> int:
        """1000 x 2^mu slots per second (TS 38.211 §4.3.2)."""
        return 1000 * self.scs_khz // 15

    @property
    def max_throughput_bps(self) -> int:
        """Maximum throughput: one TB every slot, TBS x slots per second."""
        return self.tbs * self.slots_per_second


@functools.cache
def _frcs() -> dict[str, FRC]:
    out = {}
    for r in _read_csv("ts38104_frc_pusch.csv"):
        out[r["name"]] = FRC(
            name=r["name"], scs_khz=int(r["scs_khz"]), n_prb=int(r["n_prb"]),
            modulation=r["modulation"], code_rate_x1024=int(r["code_rate_x1024"]),
            n_layers=int(r["n_layers"]), transform_precoding=_bool(r["transform_precoding"]),
            mcs_table=r["mcs_table"], mcs_index=int(r["mcs_index"]),
            mapping_type=r["mapping_type"], start_symbol=int(r["start_symbol"]),
            n_symbols=int(r["n_symbols"]), dmrs_config_type=int(r["dmrs_config_type"]),
            dmrs_length=int(r["dmrs_length"]),
            dmrs_additional_position=int(r["dmrs_additional_position"]),
            num_cdm_groups_without_data=int(r["num_cdm_groups_without_data"]),
            payload=int(r["payload"]), annex_table=r["annex_table"])
    return out


#: Names of the FRCs in ``ts38104_frc_pusch.csv`` (``"G-FR1-A3-8"``, ...).
FRC_NAMES: tuple[str, ...] = tuple(_frcs())


def _canonical_frc_name(name: Any) -> str:
    if isinstance(name, str) and not name.upper().startswith("G-FR1-"):
        name = "G-FR1-" + name
    return check_name("frc", name, FRC_NAMES)


def frc(name: str) -> FRC:
    """The TS 38.104 Annex A FRC ``name`` (``"G-FR1-A4-10"`` or short ``"A4-10"``,
    case-insensitive).

    >>> frc("a5-14").payload, frc("A7-4").n_layers, frc("A3-31").transform_precoding
    (131176, 4, True)
    """
    return _frcs()[_canonical_frc_name(name)]


# --------------------------------------------------------------------------------------------
# Requirements (TS 38.104 §8.2.1, §8.2.2) and test tolerance (TS 38.141-1)
# --------------------------------------------------------------------------------------------

@dataclass(frozen=True)
class PUSCHRequirement:
    """One row of TS 38.104 Tables 8.2.1.2-1..7 / 8.2.2.2-1..2: the FRC must reach 70 % of
    maximum throughput at ``snr_db`` (per RE and receive antenna) in ``channel`` with
    ``correlation`` MIMO correlation, ``n_tx`` UE antennas and ``n_rx`` BS antennas.

    >>> r = pusch_requirements(bandwidth_mhz=20, scs_khz=15, n_rx=2, n_tx=1, channel="TDLA30-10")[0]
    >>> r.table_id, r.frc, r.snr_db
    ('8.2.1.2-3', 'G-FR1-A5-10', 12.4)
    """

    table_id: str
    bandwidth_mhz: int
    scs_khz: int
    n_prb: int
    n_tx: int
    n_rx: int
    n_layers: int
    transform_precoding: bool
    channel: str
    correlation: str
    frc: str
    snr_db: float
    spec_version: str
    source: str

    @property
    def frc_config(self) -> FRC:
        """The :class:`FRC` of this row."""
        return frc(self.frc)

    @property
    def label(self) -> str:
        """Short identification, e.g. ``"8.2.1.2-3 1x2 TDLB100-400 G-FR1-A3-10"``."""
        return f"{self.table_id} {self.n_tx}x{self.n_rx} {self.channel} {self.frc}"


@functools.cache
def _requirements() -> tuple[PUSCHRequirement, ...]:
    return tuple(PUSCHRequirement(
        table_id=r["table_id"], bandwidth_mhz=int(r["bandwidth_mhz"]), scs_khz=int(r["scs_khz"]),
        n_prb=int(r["n_prb"]), n_tx=int(r["n_tx"]), n_rx=int(r["n_rx"]),
        n_layers=int(r["n_layers"]), transform_precoding=_bool(r["transform_precoding"]),
        channel=r["channel"], correlation=r["correlation"], frc=r["frc"],
        snr_db=float(r["snr_db"]), spec_version=r["spec_version"], source=r["source"])
        for r in _read_csv("ts38104_pusch_fr1.csv"))


def pusch_requirements(bandwidth_mhz: int | None = None, scs_khz: int | None = None,
                       n_rx: int | None = None, n_tx: int | None = None,
                       channel: str | None = None, frc: str | None = None, *,
                       table_id: str | None = None,
                       transform_precoding: bool | None = None) -> list[PUSCHRequirement]:
    """The TS 38.104 §8.2.1 / §8.2.2 FR1 PUSCH requirement rows that match every given filter.

    Filters are applied in the order of the signature; a value that matches none of the rows
    left by the filters before it raises ``ValueError`` listing the values that exist there
    (e.g. ``bandwidth_mhz=40, scs_khz=15``: 40 MHz exists only at 30 kHz).

    Parameters
    ----------
    bandwidth_mhz, scs_khz, n_rx, n_tx : integers.
    channel : ``"TDLB100-400"``, ``"TDLC300-100"`` or ``"TDLA30-10"`` (case-insensitive).
    frc : FRC name, ``"G-FR1-A3-10"`` or ``"A3-10"``.
    table_id : ``"8.2.1.2-1"`` .. ``"8.2.1.2-7"``, ``"8.2.2.2-1"``, ``"8.2.2.2-2"``.
    transform_precoding : ``False`` for §8.2.1, ``True`` for §8.2.2.

    Returns
    -------
    list of :class:`PUSCHRequirement`, in table order.

    >>> [(r.n_rx, r.snr_db) for r in pusch_requirements(frc="A3-31")]
    [(2, -2.4), (4, -5.7), (8, -8.5)]
    >>> pusch_requirements(bandwidth_mhz=40, scs_khz=15)
    Traceback (most recent call last):
    ...
    ValueError: scs_khz = 15 is not allowed with bandwidth_mhz=40; allowed: 30
    """
    rows = list(_requirements())
    given: list[str] = []
    filters: list[tuple[str, Any, Any]] = []
    if bandwidth_mhz is not None:
        filters.append(("bandwidth_mhz", check_int("bandwidth_mhz", bandwidth_mhz), None))
    if scs_khz is not None:
        filters.append(("scs_khz", check_int("scs_khz", scs_khz), None))
    if n_rx is not None:
        filters.append(("n_rx", check_int("n_rx", n_rx), None))
    if n_tx is not None:
        filters.append(("n_tx", check_int("n_tx", n_tx), None))
    if channel is not None:
        all_channels = sorted({r.channel for r in rows})
        filters.append(("channel", check_name("channel", channel, all_channels), None))
    if frc is not None:
        filters.append(("frc", _canonical_frc_name(frc), None))
    if table_id is not None:
        filters.append(("table_id", check_name("table_id", table_id,
                                                sorted({r.table_id for r in rows})), None))
    if transform_precoding is not None:
        if not isinstance(transform_precoding, bool):
            raise TypeError("transform_precoding must be a bool, got "
                            f"{type(transform_precoding).__name__}")
        filters.append(("transform_precoding", transform_precoding, None))
    for field, value, _ in filters:
        kept = [r for r in rows if getattr(r, field) == value]
        if not kept:
            where = f" with {', '.join(given)}" if given else ""
            allowed = sorted({getattr(r, field) for r in rows})  # one type per field
            raise ValueError(f"{field} = {value!r} is not allowed{where}; allowed: "
                             + ", ".join(str(a) for a in allowed))
        rows = kept
        given.append(f"{field}={value!r}" if isinstance(value, str) else f"{field}={value}")
    return rows


@functools.cache
def _tolerances() -> dict[tuple[bool, int], float]:
    return {(_bool(r["transform_precoding"]), int(r["n_layers"])): float(r["tolerance_db"])
            for r in _read_csv("ts38141_1_pusch_test_tolerance.csv")}


def test_tolerance_db(req: PUSCHRequirement) -> float:
    """TS 38.141-1 §4.1.2 test tolerance of a PUSCH requirement row: 0.6 dB for one layer
    (with or without transform precoding), 0.8 dB for two layers; four layers: 0.8 dB, a
    choice (no source found; the 2-layer value, see ``ts38141_1_pusch_test_tolerance.csv``).

    >>> test_tolerance_db(pusch_requirements(frc="A4-28", n_rx=2)[0])
    0.8
    """
    if not isinstance(req, PUSCHRequirement):
        raise TypeError(f"req must be a PUSCHRequirement, got {type(req).__name__}")
    key = (req.transform_precoding, req.n_layers)
    table = _tolerances()
    if key not in table:
        raise ValueError(f"no test tolerance for transform_precoding={key[0]}, "
                         f"n_layers={key[1]}; allowed: {sorted(table)}")
    return table[key]


def test_snr_db(req: PUSCHRequirement) -> float:
    """Test requirement SNR (TS 38.141-1 §8.2.1.5 / Annex C): the TS 38.104 SNR plus the test
    tolerance of :func:`test_tolerance_db`, rounded to 0.01 dB.

    >>> r = pusch_requirements(bandwidth_mhz=100, n_rx=2, n_tx=1, channel="TDLB100-400")[0]
    >>> r.snr_db, test_snr_db(r)
    (-2.8, -2.2)
    """
    tolerance = test_tolerance_db(req)  # checks the type of req first
    return round(req.snr_db + tolerance, 2)



# The two helpers are named after the standard's "test requirement"; keep pytest from
# collecting them as tests wherever they are imported.
test_snr_db.__test__ = False  # type: ignore[attr-defined]
test_tolerance_db.__test__ = False  # type: ignore[attr-defined]


def read_data_csv(name: str) -> list[dict[str, str]]:
    """The rows of CSV data file ``name`` of ``softran/sim/data`` as dicts keyed by its
    header (``#`` source lines skipped); the one reader of that folder.

    >>> read_data_csv("ts38104_frc_pusch.csv")[0]["name"]
    'G-FR1-A3-8'
    """
    return _read_csv(name)
