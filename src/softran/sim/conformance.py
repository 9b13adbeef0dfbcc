"""TS 38.104 §8.2 PUSCH performance requirements and the TS 38.141-1 §8.2 test maths.

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

The conformance method (TS 38.141-1 §8.2.1.5): configure the FRC and the propagation
condition, set the SNR to the *test requirement* (38.104 SNR + test tolerance) and measure
the throughput with HARQ; the BS passes when the throughput is at least 70 % of the maximum
throughput (payload x slots). :func:`verdict` applies exactly this rule; the SNR at which
the measured curve crosses 70 % (:func:`throughput_crossing`) and the margin to the test
SNR are reported for information.

Statistics. In a slot either a transport block is delivered (its CRC passes, after 1..4
transmissions) or not, so the throughput fraction measured over ``n`` slots is a
proportion of ``n`` slot outcomes. Its confidence interval here is the Wilson score
interval with ``n`` = number of slots. The slot outcomes of one HARQ process are not
independent (a failed first transmission makes a delivery in the slot of the retransmission
more likely), so this is an approximation; it is exact for independent slots and it does not
collapse to zero width at 0 % or 100 % as the normal (Wald) interval does.
"""

from __future__ import annotations

import csv
import functools
import math
import numbers
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from fractions import Fraction
from pathlib import Path
from statistics import NormalDist
from typing import TYPE_CHECKING, Any, NamedTuple

import numpy as np

from softran.channel.profiles import TDL_PROFILE_NAMES
from softran.nr import modulation_order
from softran.nr import tbs as _tbs
from softran.validation import check_int, check_name

if TYPE_CHECKING:
    from rich.table import Table

__all__ = [
    "FRC",
    "FRC_NAMES",
    "TARGET_THROUGHPUT",
    "ChannelSpec",
    "ConformanceResult",
    "Crossing",
    "PUSCHRequirement",
    "ThroughputPoint",
    "conformance_table",
    "frc",
    "isotonic_increasing",
    "parse_channel_name",
    "plot_conformance",
    "pusch_requirements",
    "snr_points_around",
    "test_snr_db",
    "test_tolerance_db",
    "throughput_crossing",
    "throughput_interval",
    "throughput_points",
    "verdict",
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


# --------------------------------------------------------------------------------------------
# Propagation-condition names (TS 38.104 Annex G)
# --------------------------------------------------------------------------------------------

class ChannelSpec(NamedTuple):
    """A propagation condition parsed by :func:`parse_channel_name`.

    ``(profile, delay_spread, max_doppler)`` are the first three arguments of
    :class:`softran.channel.TDLChannel` as they are; ``rms_delay_spread`` is the nominal DS
    of the name in seconds; ``correlation`` the MIMO correlation suffix, if the name had one.
    """

    profile: str
    delay_spread: float | None
    max_doppler: float
    rms_delay_spread: float
    correlation: str | None


_CHANNEL_RE = re.compile(r"^TDL([A-E])(\d+(?:\.\d+)?)-(\d+(?:\.\d+)?)"
                         r"(?:-(low|medium-a|medium|high))?$", re.IGNORECASE)


def parse_channel_name(name: str) -> ChannelSpec:
    """Parse a TS 38.104 Annex G propagation condition ``TDL<x><DS ns>-<f_D Hz>`` (optional
    ``-Low``/``-Medium``/``-Medium-A``/``-High`` correlation suffix) or ``"AWGN"``.

    TS 38.104 Annex G.2.1 uses the conformance profiles with absolute delays (TDLA30,
    TDLB100, TDLC300: the TR 38.901 TDL models scaled and with taps merged), which
    :func:`softran.channel.tdl_profile` has; the profile returned is that name with
    ``delay_spread=None``. A DS with no conformance profile (e.g. ``TDLA100-10``) falls back to
    the TR 38.901 model (``"TDL-A"``) scaled by ``delay_spread`` (TR 38.901 §7.7.3).
    ``"AWGN"`` returns ``("AWGN", None, 0.0, 0.0, None)``.

    >>> tuple(parse_channel_name("TDLB100-400"))   # profile, delay_spread, f_D, DS, correlation
    ('TDLB100', None, 400.0, 1e-07, None)
    >>> parse_channel_name("TDLA100-10-Low")[:3]
    ('TDL-A', 1e-07, 10.0)
    """
    if not isinstance(name, str):
        raise TypeError(f"name must be a string, got {type(name).__name__}")
    if name.strip().upper() == "AWGN":
        return ChannelSpec("AWGN", None, 0.0, 0.0, None)
    m = _CHANNEL_RE.match(name.strip())
    if m is None:
        raise ValueError(f"name = {name!r} is not a propagation condition; allowed: 'AWGN' or "
                         "'TDL<A-E><delay spread ns>-<max Doppler Hz>' with an optional "
                         "'-Low'/'-Medium'/'-Medium-A'/'-High' suffix, e.g. 'TDLB100-400'")
    letter, ds_text, fd_text, corr = m.groups()
    ds_ns = float(ds_text)
    if ds_ns <= 0:
        raise ValueError(f"name = {name!r}: delay spread {ds_text} ns must be > 0")
    conformance = f"TDL{letter.upper()}{ds_text}"
    rms = ds_ns / 1e9
    if conformance in TDL_PROFILE_NAMES:
        profile, delay_spread = conformance, None
    else:
        profile, delay_spread = f"TDL-{letter.upper()}", rms
    return ChannelSpec(profile, delay_spread, float(fd_text), rms,
                       None if corr is None else corr.lower())


# --------------------------------------------------------------------------------------------
# Throughput statistics
# --------------------------------------------------------------------------------------------

def _float_vector(name: str, value: Any) -> np.ndarray:
    if isinstance(value, (str, bytes)) or not isinstance(value, Iterable) and not hasattr(
            value, "__array__"):
        raise TypeError(f"{name} must be a sequence of numbers, got {type(value).__name__}")
    try:
        arr = np.asarray(value, dtype=np.float64)
    except (TypeError, ValueError) as exc:
        raise TypeError(f"{name} must be a sequence of numbers ({exc})") from None
    if arr.ndim != 1 or arr.size == 0:
        raise ValueError(f"{name} must be a non-empty 1-D sequence, got shape {arr.shape}")
    if not np.all(np.isfinite(arr)):
        raise ValueError(f"{name} = {arr.tolist()} is not allowed; all values must be finite")
    return arr


def _fractions(name: str, value: Any) -> np.ndarray:
    arr = _float_vector(name, value)
    if np.any((arr < 0) | (arr > 1)):
        raise ValueError(f"{name} = {arr.tolist()} is out of range; allowed: 0 <= {name} <= 1")
    return arr


def _slot_counts(n_slots: Any, size: int) -> np.ndarray:
    if isinstance(n_slots, numbers.Integral) and not isinstance(n_slots, bool):
        return np.full(size, check_int("n_slots", n_slots, 1), dtype=np.float64)
    arr = _float_vector("n_slots", n_slots)
    if arr.size != size:
        raise ValueError(f"n_slots has {arr.size} entries but there are {size} SNR points")
    if np.any(arr < 1) or np.any(arr != np.round(arr)):
        raise ValueError(f"n_slots = {arr.tolist()} is not allowed; each must be an integer >= 1")
    return arr


def _z(confidence: Any) -> float:
    if isinstance(confidence, bool) or not isinstance(confidence, numbers.Real):
        raise TypeError(f"confidence must be a number, got {type(confidence).__name__}")
    if not 0 < float(confidence) < 1:
        raise ValueError(f"confidence = {confidence} is out of range; allowed: 0 < confidence < 1")
    return NormalDist().inv_cdf(0.5 + float(confidence) / 2)


def throughput_interval(throughput_fraction: Any, n_slots: Any, confidence: float = 0.95
                        ) -> tuple[np.ndarray, np.ndarray]:
    """Two-sided Wilson score interval of a throughput fraction measured over ``n_slots``
    slots (TS 38.141-1 §8.2 throughput; each slot delivers its TB or not; see the module
    note on HARQ dependence).

    ``(p + z^2/2n -+ z sqrt(p(1-p)/n + z^2/4n^2)) / (1 + z^2/n)``, z the two-sided normal
    quantile of ``confidence``.

    Shapes: ``throughput_fraction`` ``[n_points]``; ``n_slots`` an int or ``[n_points]``;
    returns ``(low, high)``, each ``[n_points]`` float64.

    >>> low, high = throughput_interval([0.5, 1.0], 100)
    >>> low.round(4).tolist(), high.round(4).tolist()
    ([0.4038, 0.963], [0.5962, 1.0])
    """
    p = _fractions("throughput_fraction", throughput_fraction)
    n = _slot_counts(n_slots, p.size)
    z = _z(confidence)
    denom = 1 + z * z / n
    centre = (p + z * z / (2 * n)) / denom
    half = z * np.sqrt(p * (1 - p) / n + z * z / (4 * n * n)) / denom
    return np.clip(centre - half, 0.0, 1.0), np.clip(centre + half, 0.0, 1.0)


def isotonic_increasing(values: Any, weights: Any = None) -> np.ndarray:
    """Weighted least-squares non-decreasing fit by pool-adjacent-violators: each run of
    points that decreases is replaced by its weighted mean (throughput cannot fall as the
    SNR rises; a measured dip is noise). Used on the TS 38.141-1 §8.2 throughput curves.

    Shapes: ``values`` ``[n]``, ``weights`` ``[n]`` (> 0; default all 1) -> ``[n]``.

    >>> isotonic_increasing([0.1, 0.5, 0.3, 0.9]).tolist()
    [0.1, 0.4, 0.4, 0.9]
    >>> isotonic_increasing([0.1, 0.5, 0.3, 0.9], [1, 1, 3, 1]).tolist()
    [0.1, 0.35, 0.35, 0.9]
    """
    y = _float_vector("values", values)
    w = np.ones_like(y) if weights is None else _float_vector("weights", weights)
    if w.size != y.size:
        raise ValueError(f"weights has {w.size} entries but values has {y.size}")
    if np.any(w <= 0):
        raise ValueError(f"weights = {w.tolist()} is not allowed; each must be > 0")
    # blocks of pooled points: [mean, weight, count]; a loop over SNR points, not samples
    means: list[float] = []
    wsum: list[float] = []
    count: list[int] = []
    for yi, wi in zip(y.tolist(), w.tolist()):
        means.append(yi)
        wsum.append(wi)
        count.append(1)
        while len(means) > 1 and means[-2] > means[-1]:
            w_new = wsum[-2] + wsum[-1]
            m_new = (means[-2] * wsum[-2] + means[-1] * wsum[-1]) / w_new
            c_new = count[-2] + count[-1]
            del means[-1], wsum[-1], count[-1]
            means[-1], wsum[-1], count[-1] = m_new, w_new, c_new
    return np.repeat(np.asarray(means), count)


def _first_crossing(x: np.ndarray, y: np.ndarray, target: float) -> float:
    """SNR where a non-decreasing curve first reaches ``target``, linear in dB between the
    bracketing points; -inf when the first point is already above it, +inf when never."""
    if y[0] > target:
        return -math.inf
    if y[-1] < target:
        return math.inf
    i = int(np.argmax(y >= target))
    if i == 0:
        return float(x[0])
    x0, x1, y0, y1 = float(x[i - 1]), float(x[i]), float(y[i - 1]), float(y[i])
    return x0 + (target - y0) / (y1 - y0) * (x1 - x0)


@dataclass(frozen=True)
class Crossing:
    """SNR (dB) at which the measured throughput reaches ``target``, with a confidence interval.

    ``bracketed`` is false when every measured point is above the target (the crossing lies
    below the lowest SNR: ``snr_db`` is ``None``, ``low`` is -inf, ``high`` an SNR) or below it
    (``snr_db`` ``None``, ``low`` an SNR, ``high`` +inf).
    """

    snr_db: float | None
    low: float
    high: float
    bracketed: bool
    target: float
    confidence: float


def _sorted_points(snr_db: Any, throughput_fraction: Any, n_slots: Any
                   ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    x = _float_vector("snr_db", snr_db)
    y = _fractions("throughput_fraction", throughput_fraction)
    if y.size != x.size:
        raise ValueError(f"throughput_fraction has {y.size} entries but snr_db has {x.size}")
    n = _slot_counts(n_slots, x.size)
    order = np.argsort(x, kind="stable")
    x, y, n = x[order], y[order], n[order]
    if np.any(np.diff(x) == 0):
        raise ValueError(f"snr_db = {x.tolist()} has repeated values; merge their counts first")
    return x, y, n


def _repaired_curves(x: np.ndarray, y: np.ndarray, n: np.ndarray, confidence: float
                     ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    low, high = throughput_interval(y, n, confidence)
    # PAVA with the slot counts as weights; PAVA preserves order, so low <= mid <= high stays
    return isotonic_increasing(y, n), isotonic_increasing(low, n), isotonic_increasing(high, n)


def throughput_crossing(snr_db: Any, throughput_fraction: Any, n_slots: Any,
                        target: float = TARGET_THROUGHPUT, confidence: float = 0.95) -> Crossing:
    """SNR where the measured throughput fraction reaches ``target`` (TS 38.104 §8.2: 70 %).

    Method: sort by SNR; make the fraction and its Wilson bounds (:func:`throughput_interval`)
    non-decreasing in SNR by pool-adjacent-violators weighted by the slot counts
    (:func:`isotonic_increasing`); the crossing is where the repaired fraction first reaches
    ``target``, interpolated linearly in dB between the two bracketing points. ``low`` is
    where the upper bound curve reaches it and ``high`` where the lower bound curve does: the
    band of pointwise ``confidence`` intervals read horizontally (approximate, not
    simultaneous, coverage).

    Shapes: ``snr_db``, ``throughput_fraction`` ``[n_points]``; ``n_slots`` an int or
    ``[n_points]``.

    >>> c = throughput_crossing([0.0, 1.0], [0.5, 0.9], 1000)
    >>> round(c.snr_db, 6), c.bracketed, c.low < 0.5 < c.high
    (0.5, True, True)
    >>> throughput_crossing([0.0, 1.0], [0.8, 0.9], 1000).snr_db is None
    True
    """
    if isinstance(target, bool) or not isinstance(target, numbers.Real):
        raise TypeError(f"target must be a number, got {type(target).__name__}")
    if not 0 < float(target) < 1:
        raise ValueError(f"target = {target} is out of range; allowed: 0 < target < 1")
    target = float(target)
    _z(confidence)
    x, y, n = _sorted_points(snr_db, throughput_fraction, n_slots)
    mid, lo_curve, hi_curve = _repaired_curves(x, y, n, float(confidence))
    est = _first_crossing(x, mid, target)
    low = _first_crossing(x, hi_curve, target)
    high = _first_crossing(x, lo_curve, target)
    if low == math.inf:  # even the optimistic curve stays below: crossing above the last point
        low = float(x[-1])
    if high == -math.inf:  # even the pessimistic curve is above: crossing below the first point
        high = float(x[0])
    bracketed = math.isfinite(est)
    return Crossing(est if bracketed else None, low, high, bracketed, target, float(confidence))


# --------------------------------------------------------------------------------------------
# Verdict (TS 38.141-1 §8.2.1.5)
# --------------------------------------------------------------------------------------------

@dataclass(frozen=True)
class ThroughputPoint:
    """Measured throughput at one SNR: ``delivered_bits`` of ``max_bits`` over ``slots``."""

    snr_db: float
    slots: int
    delivered_bits: int
    max_bits: int

    @property
    def fraction(self) -> float:
        """Throughput as a fraction of the maximum throughput."""
        return self.delivered_bits / self.max_bits


def throughput_points(counts: Mapping[float, Any] | Iterable[Any]) -> list[ThroughputPoint]:
    """Normalise throughput measurements (TS 38.141-1 §8.2.1.5) to a list of
    :class:`ThroughputPoint` sorted by SNR.

    ``counts`` is a mapping ``{snr_db: c}`` or an iterable of ``(snr_db, c)`` pairs or of
    :class:`ThroughputPoint`; ``c`` is any object with ``slots``, ``delivered_bits`` and
    ``max_bits`` attributes (the simulator's per-point slot counts).

    >>> from types import SimpleNamespace as C
    >>> throughput_points({1.0: C(slots=10, delivered_bits=700, max_bits=1000)})[0].fraction
    0.7
    """
    items: Iterable[Any] = counts.items() if isinstance(counts, Mapping) else counts
    if not isinstance(items, Iterable):
        raise TypeError(f"counts must be a mapping or an iterable, got {type(counts).__name__}")
    out = []
    for item in items:
        if isinstance(item, ThroughputPoint):
            p = item
        else:
            try:
                snr, c = item
            except (TypeError, ValueError):
                raise TypeError("counts entries must be ThroughputPoint or (snr_db, counts) "
                                f"pairs, got {item!r}") from None
            for attr in ("slots", "delivered_bits", "max_bits"):
                if not hasattr(c, attr):
                    raise TypeError(f"counts at snr_db={snr} has no attribute {attr!r}")
            p = ThroughputPoint(float(snr), int(c.slots), int(c.delivered_bits), int(c.max_bits))
        if p.slots < 1 or p.max_bits < 1 or not 0 <= p.delivered_bits <= p.max_bits:
            raise ValueError(f"bad counts at snr_db={p.snr_db}: slots={p.slots}, "
                             f"delivered_bits={p.delivered_bits}, max_bits={p.max_bits}; "
                             "allowed: slots >= 1, max_bits >= 1, 0 <= delivered_bits <= max_bits")
        if not math.isfinite(p.snr_db):
            raise ValueError(f"snr_db = {p.snr_db} is not allowed; it must be finite")
        out.append(p)
    if not out:
        raise ValueError("counts is empty; at least one SNR point is needed")
    out.sort(key=lambda q: q.snr_db)
    return out


@dataclass(frozen=True)
class ConformanceResult:
    """Outcome of one TS 38.141-1 §8.2.1 PUSCH test.

    ``throughput`` is the fraction of maximum throughput at ``test_snr_db`` (measured there,
    or interpolated when ``measured_at_test`` is false) with its confidence interval
    ``throughput_low``..``throughput_high``; ``passed`` is ``throughput >= 0.7``;
    ``margin_db`` = test SNR - crossing SNR (``None`` when the crossing is not bracketed).
    """

    requirement: PUSCHRequirement
    test_snr_db: float
    throughput: float
    throughput_low: float
    throughput_high: float
    measured_at_test: bool
    crossing: Crossing
    margin_db: float | None
    passed: bool

    @property
    def verdict(self) -> str:
        """``"PASS"`` or ``"FAIL"``."""
        return "PASS" if self.passed else "FAIL"

    @property
    def conclusive(self) -> bool:
        """True when the confidence interval at the test SNR lies on one side of 70 %."""
        target = self.crossing.target
        return self.throughput_low >= target or self.throughput_high < target


def verdict(points: Mapping[float, Any] | Iterable[Any], req: PUSCHRequirement, *,
            confidence: float = 0.95, snr_tolerance_db: float = 1e-6) -> ConformanceResult:
    """TS 38.141-1 §8.2.1.5 verdict: PASS when the throughput at the test SNR
    (:func:`test_snr_db`) is at least 70 % of the maximum throughput.

    The throughput is the one measured at the test SNR (a point within ``snr_tolerance_db``);
    if no point was measured there it is interpolated linearly in dB on the monotone-repaired
    curve between the two bracketing points (simulate at the test SNR to avoid this;
    :func:`snr_points_around` always includes it). A test SNR outside the measured range
    raises ``ValueError``. The crossing of 70 % and the margin are reported for information.

    ``points``: see :func:`throughput_points`.

    >>> req = pusch_requirements(frc="A3-10", n_rx=2)[0]      # -2.1 dB, test SNR -1.5 dB
    >>> pts = [ThroughputPoint(-2.5, 1000, 500 * 5768, 1000 * 5768),
    ...        ThroughputPoint(-1.5, 1000, 900 * 5768, 1000 * 5768)]
    >>> r = verdict(pts, req)
    >>> r.verdict, r.throughput, round(r.crossing.snr_db, 2), round(r.margin_db, 2)
    ('PASS', 0.9, -2.0, 0.5)
    """
    if not isinstance(req, PUSCHRequirement):
        raise TypeError(f"req must be a PUSCHRequirement, got {type(req).__name__}")
    if isinstance(snr_tolerance_db, bool) or not isinstance(snr_tolerance_db, numbers.Real) \
            or not 0 <= float(snr_tolerance_db) < math.inf:
        raise ValueError(f"snr_tolerance_db = {snr_tolerance_db!r} is not allowed; "
                         "it must be a finite number >= 0")
    pts = throughput_points(points)
    t_snr = test_snr_db(req)
    x = np.array([p.snr_db for p in pts])
    y = np.array([p.fraction for p in pts])
    n = np.array([p.slots for p in pts], dtype=np.float64)
    crossing = throughput_crossing(x, y, n, TARGET_THROUGHPUT, confidence)
    near = np.flatnonzero(np.abs(x - t_snr) <= float(snr_tolerance_db))
    if near.size:
        i = int(near[np.argmin(np.abs(x[near] - t_snr))])
        lo, hi = throughput_interval(y[i:i + 1], n[i:i + 1], confidence)
        tp, tp_lo, tp_hi, measured = float(y[i]), float(lo[0]), float(hi[0]), True
    else:
        if not x[0] < t_snr < x[-1]:
            raise ValueError(f"the test SNR {t_snr} dB of {req.label} is outside the measured "
                             f"range {x[0]}..{x[-1]} dB; simulate at the test SNR")
        mid, lo_c, hi_c = _repaired_curves(x, y, n, float(confidence))
        tp, tp_lo, tp_hi = (float(np.interp(t_snr, x, c)) for c in (mid, lo_c, hi_c))
        measured = False
    margin = t_snr - crossing.snr_db if crossing.bracketed else None
    return ConformanceResult(req, t_snr, tp, tp_lo, tp_hi, measured, crossing, margin,
                             tp >= TARGET_THROUGHPUT)


def snr_points_around(req: PUSCHRequirement, quick: bool = False) -> list[float]:
    """SNR grid (dB) to simulate for one requirement row, always including its test SNR.

    Normal: test SNR - 2 dB .. + 1 dB in 0.5 dB steps (7 points), so that a receiver that
    passes, and whose 70 % crossing lies up to about 2 dB better than the test SNR, is
    bracketed. Quick: test SNR - 1, 0, + 1 dB (3 points): the verdict and a coarse crossing.

    >>> req = pusch_requirements(frc="A3-10", n_rx=2)[0]
    >>> snr_points_around(req), snr_points_around(req, quick=True)
    ([-3.5, -3.0, -2.5, -2.0, -1.5, -1.0, -0.5], [-2.5, -1.5, -0.5])
    """
    if not isinstance(quick, bool):
        raise TypeError(f"quick must be a bool, got {type(quick).__name__}")
    t = test_snr_db(req)
    offsets = (-1.0, 0.0, 1.0) if quick else (-2.0, -1.5, -1.0, -0.5, 0.0, 0.5, 1.0)
    return [round(t + o, 2) for o in offsets]


# --------------------------------------------------------------------------------------------
# Reports
# --------------------------------------------------------------------------------------------

def _fmt_db(v: float) -> str:
    return "-inf" if v == -math.inf else "+inf" if v == math.inf else f"{v:.2f}"


def conformance_table(results: Iterable[ConformanceResult]) -> Table:
    """A :class:`rich.table.Table` of conformance results, one row per requirement: table,
    bandwidth/SCS, antennas, channel, FRC, 38.104 SNR, test SNR, throughput at the test SNR
    (with its confidence interval), 70 % crossing (with interval), margin and verdict.

    >>> from rich.console import Console
    >>> req = pusch_requirements(frc="A3-10", n_rx=2)[0]
    >>> r = verdict([ThroughputPoint(-2.5, 100, 50, 100), ThroughputPoint(-1.5, 100, 90, 100)], req)
    >>> table = conformance_table([r])
    >>> table.row_count, table.columns[-1].header
    (1, 'verdict')
    """
    from rich.table import Table

    table = Table(title="TS 38.104 §8.2 PUSCH conformance (TS 38.141-1 test SNR, 70 % throughput)")
    for header, justify in (("table", "left"), ("BW/SCS", "right"), ("TxxRx", "right"),
                            ("channel", "left"), ("FRC", "left"), ("req SNR", "right"),
                            ("test SNR", "right"), ("throughput @ test", "right"),
                            ("70 % crossing [CI]", "right"), ("margin", "right"),
                            ("verdict", "center")):
        table.add_column(header, justify=justify)  # type: ignore[arg-type]
    for res in results:
        if not isinstance(res, ConformanceResult):
            raise TypeError(f"results must hold ConformanceResult, got {type(res).__name__}")
        req, c = res.requirement, res.crossing
        tp = (f"{100 * res.throughput:.1f} % [{100 * res.throughput_low:.1f}, "
              f"{100 * res.throughput_high:.1f}]" + ("" if res.measured_at_test else " (interp.)"))
        if c.bracketed:
            cross = f"{c.snr_db:.2f} [{_fmt_db(c.low)}, {_fmt_db(c.high)}]"
            margin = f"{res.margin_db:+.2f} dB"
        elif c.low == -math.inf:
            cross = f"< {_fmt_db(c.high)}"
            margin = f"> {res.test_snr_db - c.high:+.2f} dB"
        else:
            cross = f"> {_fmt_db(c.low)}"
            margin = f"< {res.test_snr_db - c.low:+.2f} dB"
        style = "green" if res.passed else "red"
        table.add_row(req.table_id, f"{req.bandwidth_mhz} MHz/{req.scs_khz} kHz",
                      f"{req.n_tx}x{req.n_rx}", req.channel, req.frc, f"{req.snr_db:.1f}",
                      f"{res.test_snr_db:.1f}", tp, cross, margin,
                      f"[{style}]{res.verdict}[/{style}]")
    return table


def plot_conformance(points: Mapping[float, Any] | Iterable[Any], req: PUSCHRequirement,
                     path: str | Path, *, confidence: float = 0.95) -> Path:
    """Save a figure of throughput (% of maximum) against SNR for one requirement row: the
    measured points with their confidence intervals, the monotone-repaired curve, the 70 %
    line, the TS 38.104 requirement SNR and the TS 38.141-1 test SNR, and the crossing.

    >>> import tempfile, os
    >>> req = pusch_requirements(frc="A3-10", n_rx=2)[0]
    >>> pts = [ThroughputPoint(-2.5, 100, 50, 100), ThroughputPoint(-1.5, 100, 90, 100)]
    >>> with tempfile.TemporaryDirectory() as d:
    ...     os.path.getsize(plot_conformance(pts, req, os.path.join(d, "tp.png"))) > 0
    True
    """
    import matplotlib.pyplot as plt  # noqa: I001

    import softran.sim.plots  # noqa: F401  (selects the Agg backend first, as every figure here)

    if not isinstance(req, PUSCHRequirement):
        raise TypeError(f"req must be a PUSCHRequirement, got {type(req).__name__}")
    pts = throughput_points(points)
    x = np.array([p.snr_db for p in pts])
    y = np.array([p.fraction for p in pts])
    n = np.array([p.slots for p in pts], dtype=np.float64)
    lo, hi = throughput_interval(y, n, confidence)
    mid = isotonic_increasing(y, n)
    crossing = throughput_crossing(x, y, n, TARGET_THROUGHPUT, confidence)
    t_snr = test_snr_db(req)

    fig, ax = plt.subplots(figsize=(7, 4.5), constrained_layout=True)
    ax.errorbar(x, 100 * y, yerr=[100 * (y - lo), 100 * (hi - y)], fmt="o", capsize=3,
                label=f"measured ({100 * confidence:.0f} % CI)")
    ax.plot(x, 100 * mid, "-", lw=1, label="monotone fit")
    ax.axhline(100 * TARGET_THROUGHPUT, color="k", ls=":", lw=1, label="70 % of max")
    ax.axvline(req.snr_db, color="tab:red", ls="--", lw=1,
               label=f"TS 38.104 {req.snr_db:.1f} dB")
    ax.axvline(t_snr, color="tab:green", ls="--", lw=1, label=f"test SNR {t_snr:.1f} dB")
    if crossing.bracketed:
        assert crossing.snr_db is not None
        ax.plot([crossing.snr_db], [100 * TARGET_THROUGHPUT], "kx", ms=8,
                label=f"crossing {crossing.snr_db:.2f} dB")
    ax.set_xlabel("SNR (dB, per RE and receive antenna)")
    ax.set_ylabel("throughput (% of maximum)")
    ax.set_ylim(0, 105)
    ax.set_title(f"PUSCH {req.label}")
    ax.grid(True, alpha=0.3)
    ax.legend(loc="lower right", fontsize=8)
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(path, dpi=110)
    plt.close(fig)
    return path


# The two helpers are named after the standard's "test requirement"; keep pytest from
# collecting them as tests wherever they are imported.
test_snr_db.__test__ = False  # type: ignore[attr-defined]
test_tolerance_db.__test__ = False  # type: ignore[attr-defined]
