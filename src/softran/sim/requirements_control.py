"""TS 38.104 §8.3 PUCCH and §8.4 PRACH performance requirements (FR1, 2 and 4 receive
antennas), their metric limits, the TS 38.141-1 test tolerances and the PRACH time-error
tolerance.

Data files in ``softran/sim/data`` (loaded once, never retyped here):

=============================================  ===============================================
file                                           content
=============================================  ===============================================
``ts38104_pucch_fr1.csv``                      §8.3 rows: format, test, metric, SNR
``ts38104_prach_fr1.csv``                      §8.4 rows: format, SCS, channel, metric, SNR
``ts38104_uplink_control_limits.csv``          the limit of each metric (1 %, 0.1 %)
``ts38104_prach_time_error.csv``               the PRACH time-error tolerance
``ts38141_1_pucch_prach_test_tolerance.csv``   TS 38.141-1 test tolerances
=============================================  ===============================================

Every metric is a failure probability (a measured rate at or below the limit passes); the
verdict is in :mod:`softran.sim.conformance_rates`. Rows with metric ``false-ack`` /
``false-alarm`` are measured on noise only and have no SNR.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass
from typing import Any

from softran.sim.requirements import read_data_csv
from softran.validation import check_int, check_name

__all__ = [
    "CONTROL_METRICS",
    "PRACHRequirement",
    "PUCCHRequirement",
    "control_test_snr_db",
    "metric_limit",
    "prach_requirements",
    "prach_time_error_tolerance",
    "pucch_requirements",
]


@functools.cache
def _limits() -> dict[str, float]:
    return {r["metric"]: float(r["limit"]) for r in read_data_csv(
        "ts38104_uplink_control_limits.csv")}


#: The failure metrics of the PUCCH and PRACH requirements.
CONTROL_METRICS: tuple[str, ...] = tuple(_limits())


def metric_limit(metric: str) -> float:
    """The limit of a metric (TS 38.104 §8.3 / §8.4; ``ts38104_uplink_control_limits.csv``).

    >>> metric_limit("nack-to-ack"), metric_limit("detection")
    (0.001, 0.01)
    """
    return _limits()[check_name("metric", metric, CONTROL_METRICS)]


@functools.cache
def _tolerances() -> dict[str, float]:
    return {r["channel"]: float(r["tolerance_db"])
            for r in read_data_csv("ts38141_1_pucch_prach_test_tolerance.csv")}


@dataclass(frozen=True)
class PUCCHRequirement:
    """One row of TS 38.104 Tables 8.3.x: PUCCH ``format`` in test configuration ``test``
    (``"1-symbol"``, ``"2-symbol"``, ``"2-bit"``, ``"4-bit"``, ``"22-bit"``, ``"test-1"``,
    ``"test-2"``) must keep ``metric`` at or below its limit at ``snr_db`` (None: noise only)
    on a ``bandwidth_mhz`` / ``scs_khz`` carrier of ``n_prb`` PRBs with ``n_rx`` antennas,
    TDLC300-100 Low, 1 Tx.

    >>> r = pucch_requirements(format=0, n_rx=2, scs_khz=15, bandwidth_mhz=5)[0]
    >>> r.label, r.snr_db, r.limit
    ('8.3.2.2-1 F0 1-symbol 1x2 5 MHz/15 kHz ack-missed', 9.4, 0.01)
    """

    table_id: str
    format: int
    test: str
    metric: str
    additional_dmrs: bool | None
    scs_khz: int
    bandwidth_mhz: int
    n_prb: int
    n_rx: int
    snr_db: float | None
    source: str
    channel: str = "TDLC300-100"
    correlation: str = "low"
    n_tx: int = 1

    @property
    def limit(self) -> float:
        """The limit of :attr:`metric`."""
        return metric_limit(self.metric)

    @property
    def label(self) -> str:
        """Short identification of the row."""
        dmrs = "" if self.additional_dmrs is None else (
            " +DM-RS" if self.additional_dmrs else " no-add-DM-RS")
        return (f"{self.table_id} F{self.format} {self.test}{dmrs} 1x{self.n_rx} "
                f"{self.bandwidth_mhz} MHz/{self.scs_khz} kHz {self.metric}")

    @property
    def family(self) -> str:
        """``"pucch"``."""
        return "pucch"


@functools.cache
def _pucch() -> tuple[PUCCHRequirement, ...]:
    out = []
    for r in read_data_csv("ts38104_pucch_fr1.csv"):
        out.append(PUCCHRequirement(
            table_id=r["table_id"], format=int(r["format"]), test=r["test"], metric=r["metric"],
            additional_dmrs=None if not r["additional_dmrs"] else r["additional_dmrs"] == "true",
            scs_khz=int(r["scs_khz"]), bandwidth_mhz=int(r["bandwidth_mhz"]),
            n_prb=int(r["n_prb"]), n_rx=int(r["n_rx"]),
            snr_db=float(r["snr_db"]) if r["snr_db"] else None, source=r["source"]))
    return tuple(out)


def _filter(rows: list[Any], filters: list[tuple[str, Any]]) -> list[Any]:
    given: list[str] = []
    for field, value in filters:
        if value is None:
            continue
        kept = [r for r in rows if getattr(r, field) == value]
        if not kept:
            where = f" with {', '.join(given)}" if given else ""
            allowed = sorted({getattr(r, field) for r in rows}, key=str)
            raise ValueError(f"{field} = {value!r} is not allowed{where}; allowed: "
                             + ", ".join(str(a) for a in allowed))
        rows = kept
        given.append(f"{field}={value!r}")
    return rows


def pucch_requirements(format: int | None = None, n_rx: int | None = None,
                       scs_khz: int | None = None, bandwidth_mhz: int | None = None,
                       metric: str | None = None, test: str | None = None,
                       additional_dmrs: bool | None = None) -> list[PUCCHRequirement]:
    """The TS 38.104 §8.3 FR1 PUCCH rows that match every given filter (in signature order; a
    value that matches none of the remaining rows raises ``ValueError`` listing those that
    exist).

    >>> len(pucch_requirements()), len(pucch_requirements(format=3, test="test-2"))
    (210, 14)
    """
    rows = list(_pucch())
    if format is not None:
        format = check_int("format", format, 0, 4)
    if n_rx is not None:
        n_rx = check_int("n_rx", n_rx)
    if metric is not None:
        metric = check_name("metric", metric, CONTROL_METRICS)
    if additional_dmrs is not None and not isinstance(additional_dmrs, bool):
        raise TypeError(f"additional_dmrs must be a bool, got {type(additional_dmrs).__name__}")
    return _filter(rows, [("format", format), ("n_rx", n_rx), ("scs_khz", scs_khz),
                          ("bandwidth_mhz", bandwidth_mhz), ("metric", metric), ("test", test),
                          ("additional_dmrs", additional_dmrs)])


@dataclass(frozen=True)
class PRACHRequirement:
    """One row of TS 38.104 Tables 8.4.2.2-1..3: preamble ``format`` at Delta f_RA
    ``scs_khz`` with ``n_rx`` antennas in ``channel`` (``"AWGN"``, or ``"TDLC300-100"`` with a
    400 Hz frequency offset): ``detection`` (1 - P_d <= 1 % at ``snr_db``) or ``false-alarm``
    (<= 0.1 % on noise only, ``snr_db`` None).

    >>> r = prach_requirements(format="B4", scs_khz=30, n_rx=2, channel="AWGN")[0]
    >>> r.snr_db, r.time_error_tolerance_us, r.limit
    (-16.5, 0.26, 0.01)
    """

    table_id: str
    format: str
    scs_khz: float
    n_rx: int
    channel: str
    metric: str
    snr_db: float | None
    source: str
    correlation: str = "low"
    n_tx: int = 1

    @property
    def limit(self) -> float:
        """The limit of :attr:`metric`."""
        return metric_limit(self.metric)

    @property
    def frequency_offset(self) -> float:
        """The frequency offset of the test (Hz): 400 in fading, 0 in AWGN."""
        return 0.0 if self.channel == "AWGN" else 400.0

    @property
    def time_error_tolerance_us(self) -> float:
        """The time-error tolerance of a detection (µs)."""
        return prach_time_error_tolerance(self.format, self.scs_khz, self.channel)

    @property
    def label(self) -> str:
        """Short identification of the row."""
        scs = f"{self.scs_khz:g} kHz"
        return f"{self.table_id} {self.format} {scs} 1x{self.n_rx} {self.channel} {self.metric}"

    @property
    def family(self) -> str:
        """``"prach"``."""
        return "prach"


@functools.cache
def _prach() -> tuple[PRACHRequirement, ...]:
    return tuple(PRACHRequirement(
        table_id=r["table_id"], format=r["format"], scs_khz=float(r["scs_khz"]),
        n_rx=int(r["n_rx"]), channel=r["channel"], metric=r["metric"],
        snr_db=float(r["snr_db"]) if r["snr_db"] else None, source=r["source"])
        for r in read_data_csv("ts38104_prach_fr1.csv"))


def prach_requirements(format: str | None = None, scs_khz: float | None = None,
                       n_rx: int | None = None, channel: str | None = None,
                       metric: str | None = None) -> list[PRACHRequirement]:
    """The TS 38.104 §8.4 FR1 PRACH rows that match every given filter (see
    :func:`pucch_requirements`).

    >>> len(prach_requirements()), len(prach_requirements(metric="false-alarm"))
    (78, 26)
    """
    rows = list(_prach())
    if format is not None:
        format = check_name("format", str(format), sorted({r.format for r in rows}))
    if channel is not None:
        channel = check_name("channel", channel, sorted({r.channel for r in rows}))
    if scs_khz is not None:
        scs_khz = float(scs_khz)
    return _filter(rows, [("format", format), ("scs_khz", scs_khz), ("n_rx", n_rx),
                          ("channel", channel), ("metric", metric)])


@functools.cache
def _time_error() -> dict[tuple[str, float, str], float]:
    return {(r["preamble"], float(r["scs_khz"]), r["channel"]): float(r["tolerance_us"])
            for r in read_data_csv("ts38104_prach_time_error.csv")}


def prach_time_error_tolerance(format: str, scs_khz: float, channel: str) -> float:
    """The time-error tolerance (µs) of TS 38.104 §8.4.1 for a preamble format, Delta f_RA and
    channel.

    >>> prach_time_error_tolerance("0", 1.25, "TDLC300-100"), prach_time_error_tolerance("C2", 15, "AWGN")
    (2.55, 0.52)
    """
    key = ("long" if str(format) in ("0", "1", "2", "3") else "short", float(scs_khz),
           "AWGN" if channel == "AWGN" else "TDLC300-100")
    if key not in _time_error():
        raise ValueError(f"no time-error tolerance for format {format} at {scs_khz} kHz in "
                         f"{channel}; allowed: {sorted(_time_error())}")
    return _time_error()[key]


def control_test_snr_db(req: PUCCHRequirement | PRACHRequirement) -> float | None:
    """TS 38.141-1 test SNR of a PUCCH or PRACH row: the TS 38.104 SNR plus 0.6 dB (PUCCH,
    PRACH in fading) or 0.3 dB (PRACH in AWGN); None for a noise-only row.

    >>> control_test_snr_db(pucch_requirements(format=0)[0]), control_test_snr_db(
    ...     prach_requirements(format="0", n_rx=2, channel="AWGN")[0])
    (10.0, -14.2)
    """
    if isinstance(req, PUCCHRequirement):
        tol = _tolerances()["pucch"]
    elif isinstance(req, PRACHRequirement):
        tol = _tolerances()["prach-AWGN" if req.channel == "AWGN" else "prach-fading"]
    else:
        raise TypeError(f"req must be a PUCCHRequirement or PRACHRequirement, got "
                        f"{type(req).__name__}")
    return None if req.snr_db is None else round(req.snr_db + tol, 2)
