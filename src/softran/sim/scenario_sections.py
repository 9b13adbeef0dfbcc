"""The tables of a scenario file (:mod:`softran.sim.scenario`): one pydantic model per table
(``[scenario]``, ``[channel]``, ``[impairments]``, ``[antennas]``, ``[snr]``, ``[harq]``,
``[stopping]``, ``[run]``, ``[ntn]``), each with fixed keys, its defaults and the checks of its
values. ``[carrier]`` and ``[pusch]`` are checked by :class:`softran.nr.CarrierConfig` and the
link; ``[pdsch]`` (the ``pdsch`` link's table) by :class:`PDSCHSection` and then the link.

A bad value raises ``ValueError`` inside pydantic, which records the key's location; the
scenario loader turns it into one line that names the file and the dotted key.
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable
from typing import Any

from pydantic import BaseModel, ConfigDict, field_validator, model_validator

from softran.validation import check_choice, check_int, check_name, check_positive, check_real

__all__ = [
    "ENGINES",
    "AntennasSection",
    "ChannelSection",
    "HARQSection",
    "ImpairmentsSection",
    "NTNSection",
    "PDSCHSection",
    "RunSection",
    "SNRSection",
    "ScenarioSection",
    "Section",
    "StoppingSection",
]

#: Execution engines of :func:`softran.sim.runner.simulate`.
ENGINES: tuple[str, ...] = ("inprocess", "processes", "dask")

_SNR_RESOLUTION_DB = 1e-3  # SNR points are stored as integer milli-dB


def _value_error(fn: Callable[..., Any], *args: Any) -> Any:
    """Call a validation helper and turn its TypeError into ValueError (pydantic records only
    ValueError with the key's location; a TypeError would escape without it)."""
    try:
        return fn(*args)
    except TypeError as err:
        raise ValueError(str(err)) from None


def _real(name: str, v: Any) -> float:
    return _value_error(check_real, name, v)


def _optional_real(name: str, v: Any, *, positive: bool) -> float | None:
    """None, or a finite number that is >= 0 (> 0 with ``positive``)."""
    if v is None:
        return None
    return _value_error(check_positive, name, v) if positive else \
        _value_error(check_real, name, v, 0.0)


class Section(BaseModel):
    """Base of the scenario's tables: an unknown key is an error, and values are frozen."""

    model_config = ConfigDict(extra="forbid", frozen=True)


class ScenarioSection(Section):
    """``[scenario]``: ``name`` (required, a label), ``link`` (the link kind, default
    ``"pusch"``; ``"sch-awgn"`` is the built-in coding-only link), ``description``."""

    name: str
    link: str = "pusch"
    description: str = ""

    @field_validator("name", "link", "description", mode="before")
    @classmethod
    def _str(cls, v: Any, info: Any) -> str:
        if not isinstance(v, str):
            raise ValueError(f"{info.field_name} must be a string, got {v!r}")
        if info.field_name == "name" and not v.strip():
            raise ValueError("name must not be empty")
        return v


class ChannelSection(Section):
    """``[channel]``: the propagation channel.

    ``model`` is one of

    * ``"AWGN"`` (no fading);
    * a conformance TDL profile with its maximum Doppler in Hz, ``"<profile>-<doppler>"``:
      ``"TDLA30-10"``, ``"TDLB100-400"``, ``"TDLC300-100"``, ... (TS 38.104 Annex G.2,
      TS 38.101-4 Annex B.2; profile names of :data:`softran.channel.TDL_PROFILE_NAMES`);
    * ``"TDL"`` with ``profile`` (any TDL profile name), ``max_doppler`` (Hz) and, for the
      TR 38.901 normalised profiles ``"TDL-A"`` .. ``"TDL-E"``, ``delay_spread`` (ns);
    * ``"CDL-A"`` .. ``"CDL-E"`` (TR 38.901 §7.7.1) with ``delay_spread`` (ns) and
      ``max_doppler`` (Hz).

    ``correlation``: MIMO correlation level (``"low"``, ``"medium"``, ``"medium-a"``,
    ``"high"``; TS 38.104 Table G.2.3.2-1), default ``"low"``. ``seed_mode``: ``"batch"``
    (default: each batch draws its own fading realisation from its batch seed) or ``"fixed"``
    (every batch and SNR point sees the fading of ``run.seed``: common realisations).
    """

    model: str = "AWGN"
    profile: str | None = None
    delay_spread: float | None = None
    max_doppler: float | None = None
    correlation: str = "low"
    seed_mode: str = "batch"

    @field_validator("delay_spread", "max_doppler", mode="before")
    @classmethod
    def _nonneg(cls, v: Any, info: Any) -> float | None:
        return _optional_real(info.field_name, v, positive=False)

    @field_validator("correlation", mode="before")
    @classmethod
    def _correlation(cls, v: Any) -> str:
        from softran.channel.tdl import CORRELATION_LEVELS

        return _value_error(check_name, "correlation", v, CORRELATION_LEVELS)

    @field_validator("seed_mode", mode="before")
    @classmethod
    def _seed_mode(cls, v: Any) -> str:
        return _value_error(check_name, "seed_mode", v, ("batch", "fixed"))

    @field_validator("model", "profile", mode="before")
    @classmethod
    def _model_str(cls, v: Any, info: Any) -> str | None:
        if v is None and info.field_name == "profile":
            return None
        if not isinstance(v, str):
            raise ValueError(f"{info.field_name} must be a string, got {v!r}")
        return v

    @model_validator(mode="after")
    def _resolve(self) -> ChannelSection:
        from softran.channel.profiles import TDL_PROFILE_NAMES

        conformance = [p for p in TDL_PROFILE_NAMES if "-" not in p]
        model = self.model.strip()
        m = re.fullmatch(r"(TDL[A-E]\d+)-(\d+(?:\.\d+)?)", model, flags=re.IGNORECASE)
        if model.upper() == "AWGN":
            for key in ("profile", "delay_spread", "max_doppler"):
                if getattr(self, key) is not None:
                    raise ValueError(f"@{key}: not used with model = 'AWGN'; remove it")
            object.__setattr__(self, "model", "AWGN")
        elif m:
            profile = _value_error(check_name, "profile", m.group(1), conformance)
            doppler = float(m.group(2))
            if self.profile is not None and self.profile.upper() != profile.upper():
                raise ValueError(f"@profile: {self.profile!r} contradicts model = {model!r}")
            if self.max_doppler is not None and self.max_doppler != doppler:
                raise ValueError(f"@max_doppler: {self.max_doppler} contradicts model = "
                                 f"{model!r}")
            if self.delay_spread is not None:
                raise ValueError(f"@delay_spread: {profile} has fixed delays; remove it")
            object.__setattr__(self, "model", f"{profile}-{m.group(2)}")
            object.__setattr__(self, "profile", profile)
            object.__setattr__(self, "max_doppler", doppler)
        elif model.upper() == "TDL":
            if self.profile is None:
                raise ValueError("@profile: required with model = 'TDL'; allowed: "
                                 + ", ".join(repr(p) for p in TDL_PROFILE_NAMES))
            try:
                profile = check_name("profile", self.profile, TDL_PROFILE_NAMES)
            except (TypeError, ValueError) as err:
                raise ValueError(f"@profile: {err}") from None
            if self.max_doppler is None:
                raise ValueError("@max_doppler: required with model = 'TDL' (Hz)")
            if "-" in profile and self.delay_spread is None:
                raise ValueError(f"@delay_spread: required with profile = {profile!r} (ns)")
            if "-" not in profile and self.delay_spread is not None:
                raise ValueError(f"@delay_spread: {profile} has fixed delays; remove it")
            object.__setattr__(self, "model", "TDL")
            object.__setattr__(self, "profile", profile)
        elif re.fullmatch(r"CDL-[A-E]", model, flags=re.IGNORECASE):
            for key in ("delay_spread", "max_doppler"):
                if getattr(self, key) is None:
                    raise ValueError(f"@{key}: required with model = {model!r}")
            if self.profile is not None:
                raise ValueError("@profile: not used with a CDL model; remove it")
            object.__setattr__(self, "model", model.upper())
        else:
            raise ValueError(f"@model: model = {model!r} is not allowed; allowed: 'AWGN', "
                             "'<TDL profile>-<Doppler Hz>' (e.g. 'TDLB100-400'), 'TDL' "
                             "(with profile, max_doppler, delay_spread), 'CDL-A'..'CDL-E'")
        return self


class ImpairmentsSection(Section):
    """``[impairments]``: oscillator errors (link ``pusch``), applied to the received waveform
    after the channel and before the noise, a fresh realisation per transmission:

    * ``frequency_offset``: carrier frequency offset in Hz (default 0;
      :class:`~softran.channel.FrequencyOffset`);
    * ``phase_noise``: ``"none"`` (default), ``"TR38.803"`` (the multi-pole/zero model of
      TR 38.803 §6.1.10, needs ``carrier_frequency`` in Hz; ``parameter_set`` ``"auto"``,
      ``"29.55"``, ``"45"`` or ``"70"``) or ``"wiener"`` (a free-running oscillator, needs
      ``linewidth`` in Hz); one oscillator for all receive antennas
      (:class:`~softran.channel.PhaseNoise`).

    The PUSCH receiver follows the common phase error on the PT-RS when the PUSCH has them
    (``pusch.enable_ptrs``).
    """

    frequency_offset: float = 0.0
    phase_noise: str = "none"
    carrier_frequency: float | None = None
    parameter_set: str = "auto"
    linewidth: float | None = None

    @field_validator("frequency_offset", mode="before")
    @classmethod
    def _offset(cls, v: Any) -> float:
        return _real("frequency_offset", v)

    @field_validator("carrier_frequency", "linewidth", mode="before")
    @classmethod
    def _positive(cls, v: Any, info: Any) -> float | None:
        return _optional_real(info.field_name, v, positive=True)

    @field_validator("phase_noise", mode="before")
    @classmethod
    def _model(cls, v: Any) -> str:
        from softran.channel.impairments import PHASE_NOISE_MODELS

        return _value_error(check_name, "phase_noise", v, ("none", *PHASE_NOISE_MODELS))

    @field_validator("parameter_set", mode="before")
    @classmethod
    def _set(cls, v: Any) -> str:
        from softran.channel.impairments import PHASE_NOISE_PARAMETER_SETS

        return _value_error(check_name, "parameter_set", v, PHASE_NOISE_PARAMETER_SETS)

    @model_validator(mode="after")
    def _consistent(self) -> ImpairmentsSection:
        pn = self.phase_noise
        needs = {"TR38.803": "carrier_frequency", "wiener": "linewidth"}.get(pn)
        for key in ("carrier_frequency", "linewidth"):
            if key == needs and getattr(self, key) is None:
                raise ValueError(f"@{key}: required with phase_noise = {pn!r} (Hz)")
            if key != needs and getattr(self, key) is not None:
                raise ValueError(f"@{key}: not used with phase_noise = {pn!r}; remove it")
        if pn != "TR38.803" and self.parameter_set != "auto":
            raise ValueError("@parameter_set: only used with phase_noise = 'TR38.803'")
        return self

    @property
    def active(self) -> bool:
        """Whether any impairment is switched on."""
        return self.frequency_offset != 0.0 or self.phase_noise != "none"


class AntennasSection(Section):
    """``[antennas]``: ``n_tx`` (UE transmit antennas) and ``n_rx`` (gNB receive antennas),
    1, 2, 4 or 8 each (the array sizes of TS 38.104 Table G.2.3.2-1); default 1 and 2."""

    n_tx: int = 1
    n_rx: int = 2

    @field_validator("n_tx", "n_rx", mode="before")
    @classmethod
    def _n(cls, v: Any, info: Any) -> int:
        return _value_error(check_choice, info.field_name,
                            _value_error(check_int, info.field_name, v), (1, 2, 4, 8))


class SNRSection(Section):
    """``[snr]``: SNR points in dB per RE per receive antenna (TS 38.104 §8): either
    ``points_db = [...]`` or ``start``, ``stop``, ``step`` (``stop`` included when it is on
    the grid). Points are distinct, at most 1000, and resolved to 0.001 dB."""

    points_db: tuple[float, ...] | None = None
    start: float | None = None
    stop: float | None = None
    step: float | None = None

    @field_validator("points_db", mode="before")
    @classmethod
    def _points(cls, v: Any) -> tuple[float, ...] | None:
        if v is None:
            return None
        if not isinstance(v, list | tuple):
            raise ValueError(f"points_db must be a list of numbers, got {v!r}")
        return tuple(_real(f"points_db[{i}]", x) for i, x in enumerate(v))

    @field_validator("start", "stop", "step", mode="before")
    @classmethod
    def _number(cls, v: Any, info: Any) -> float | None:
        return None if v is None else _real(info.field_name, v)

    @model_validator(mode="after")
    def _resolve(self) -> SNRSection:
        grid = (self.start, self.stop, self.step)
        if self.points_db is not None:
            if any(g is not None for g in grid):
                raise ValueError("@points_db: give either points_db or start/stop/step, not both")
            points = self.points_db
        else:
            for key, value in zip(("start", "stop", "step"), grid, strict=True):
                if value is None:
                    raise ValueError(f"@{key}: missing; give points_db or start, stop and step")
            start, stop, step = grid
            if step <= 0:
                raise ValueError(f"@step: step = {step} is not allowed; it must be > 0")
            if stop < start:
                raise ValueError(f"@stop: stop = {stop} is below start = {start}")
            n = math.floor((stop - start) / step + 1e-9) + 1
            if n > 1000:
                raise ValueError(f"@step: {n} points is too many; at most 1000")
            points = tuple(start + i * step for i in range(n))
        if not points:
            raise ValueError("@points_db: at least one SNR point is required")
        if len(points) > 1000:
            raise ValueError(f"@points_db: {len(points)} points is too many; at most 1000")
        mdb = [round(p / _SNR_RESOLUTION_DB) for p in points]
        if len(set(mdb)) != len(mdb):
            raise ValueError("@points_db: SNR points must be distinct (to 0.001 dB)")
        object.__setattr__(self, "points_db", tuple(m * _SNR_RESOLUTION_DB for m in mdb))
        return self

    @property
    def points_mdb(self) -> tuple[int, ...]:
        """The SNR points as integers in milli-dB (their keys in the results store)."""
        return tuple(round(p / _SNR_RESOLUTION_DB) for p in self.points_db or ())


class HARQSection(Section):
    """``[harq]``: ``max_transmissions`` 1..4 (default 4) and ``rv_sequence`` (default
    ``[0, 2, 3, 1]``, TS 38.214 Table 6.1.2.1-2 order; 1 to 4 entries, each 0..3, used
    cyclically: transmission ``i`` has ``rv_sequence[i % len]``).

    The slot timeline of long round trips (:class:`~softran.sim.harq.HARQModel`, Rel-17
    NTN): ``n_processes`` (1..32; unset: every block is its own process and nothing
    stalls), ``feedback_disabled`` (process numbers without HARQ feedback: their blocks are
    sent once) and ``round_trip_slots`` (HARQ RTT in slots; the ``ntn-*`` links derive it
    from the geometry when unset)."""

    @field_validator("n_processes", "round_trip_slots", mode="before")
    @classmethod
    def _processes(cls, v: Any, info: Any) -> int | None:
        if v is None:
            return None
        high = 32 if info.field_name == "n_processes" else 1_000_000
        return _value_error(check_int, info.field_name, v, 1, high)

    @field_validator("feedback_disabled", mode="before")
    @classmethod
    def _disabled(cls, v: Any) -> tuple[int, ...]:
        if not isinstance(v, list | tuple):
            raise ValueError(f"feedback_disabled must be a list of HARQ process numbers, "
                             f"got {v!r}")
        return tuple(sorted({_value_error(check_int, f"feedback_disabled[{i}]", x, 0, 31)
                             for i, x in enumerate(v)}))

    @model_validator(mode="after")
    def _timeline(self) -> HARQSection:
        if self.n_processes is None:
            for key in ("feedback_disabled", "round_trip_slots"):
                if getattr(self, key):
                    raise ValueError(f"@{key}: needs n_processes (the HARQ timeline)")
        elif self.feedback_disabled and max(self.feedback_disabled) >= self.n_processes:
            raise ValueError(f"@feedback_disabled: process {max(self.feedback_disabled)} "
                             f"does not exist with n_processes = {self.n_processes}")
        return self

    @property
    def timeline(self) -> bool:
        """Whether the HARQ timeline model is on (``n_processes`` set)."""
        return self.n_processes is not None

    max_transmissions: int = 4
    rv_sequence: tuple[int, ...] = (0, 2, 3, 1)
    n_processes: int | None = None
    feedback_disabled: tuple[int, ...] = ()
    round_trip_slots: int | None = None

    @field_validator("max_transmissions", mode="before")
    @classmethod
    def _max_tx(cls, v: Any) -> int:
        return _value_error(check_int, "max_transmissions", v, 1, 4)

    @field_validator("rv_sequence", mode="before")
    @classmethod
    def _rv(cls, v: Any) -> tuple[int, ...]:
        if not isinstance(v, list | tuple) or not 1 <= len(v) <= 4:
            raise ValueError(f"rv_sequence must be a list of 1 to 4 redundancy versions, got {v!r}")
        return tuple(_value_error(check_int, f"rv_sequence[{i}]", x, 0, 3)
                     for i, x in enumerate(v))


class StoppingSection(Section):
    """``[stopping]``: when an SNR point has enough slots (see :mod:`softran.sim.stopping`).

    ``target_block_errors`` (default 100; 0 disables), ``min_slots`` (default 0),
    ``max_slots`` (default 10000), ``ci_level`` (default 0.95), ``ci_relative_width``
    (stop once the Wilson BLER interval is at most this fraction of the BLER; default off),
    ``target_throughput`` (stop once the throughput's interval lies on one side of this
    fraction of the maximum, e.g. 0.7 for TS 38.104 §8.2; default off).
    """

    target_block_errors: int = 100
    min_slots: int = 0
    max_slots: int = 10_000
    ci_level: float = 0.95
    ci_relative_width: float | None = None
    target_throughput: float | None = None

    @field_validator("target_block_errors", "min_slots", mode="before")
    @classmethod
    def _count(cls, v: Any, info: Any) -> int:
        return _value_error(check_int, info.field_name, v, 0)

    @field_validator("max_slots", mode="before")
    @classmethod
    def _max_slots(cls, v: Any) -> int:
        return _value_error(check_int, "max_slots", v, 1, 10**12)

    @field_validator("ci_level", mode="before")
    @classmethod
    def _level(cls, v: Any) -> float:
        v = _real("ci_level", v)
        if not 0.5 <= v < 1:
            raise ValueError(f"ci_level = {v} is out of range; allowed: 0.5 <= ci_level < 1")
        return v

    @field_validator("ci_relative_width", mode="before")
    @classmethod
    def _rel(cls, v: Any) -> float | None:
        return None if v is None else _value_error(check_positive, "ci_relative_width", v)

    @field_validator("target_throughput", mode="before")
    @classmethod
    def _target_throughput(cls, v: Any) -> float | None:
        if v is None:
            return None
        v = _real("target_throughput", v)
        if not 0 < v < 1:
            raise ValueError(f"target_throughput = {v} is out of range; allowed: "
                             "0 < target_throughput < 1")
        return v

    @model_validator(mode="after")
    def _order(self) -> StoppingSection:
        if self.min_slots > self.max_slots:
            raise ValueError(f"@min_slots: min_slots = {self.min_slots} exceeds max_slots = "
                             f"{self.max_slots}")
        return self


class RunSection(Section):
    """``[run]``: ``batch_slots`` (new transport blocks per batch, default 100), ``seed``
    (default 0), ``device`` (``"cpu"`` or ``"cuda"``), ``engine`` (``"inprocess"``,
    ``"processes"``, ``"dask"``), ``workers``, ``scheduler`` (Dask address)."""

    batch_slots: int = 100
    seed: int = 0
    device: str = "cpu"
    engine: str = "inprocess"
    workers: int | None = None
    scheduler: str | None = None

    @field_validator("batch_slots", mode="before")
    @classmethod
    def _batch(cls, v: Any) -> int:
        return _value_error(check_int, "batch_slots", v, 1, 1_000_000)

    @field_validator("seed", mode="before")
    @classmethod
    def _seed(cls, v: Any) -> int:
        return _value_error(check_int, "seed", v, 0, 2**63 - 1)

    @field_validator("device", mode="before")
    @classmethod
    def _device(cls, v: Any) -> str:
        return _value_error(check_name, "device", v, ("cpu", "cuda"))

    @field_validator("engine", mode="before")
    @classmethod
    def _engine(cls, v: Any) -> str:
        return _value_error(check_name, "engine", v, ENGINES)

    @field_validator("workers", mode="before")
    @classmethod
    def _workers(cls, v: Any) -> int | None:
        return None if v is None else _value_error(check_int, "workers", v, 1, 4096)

    @field_validator("scheduler", mode="before")
    @classmethod
    def _scheduler(cls, v: Any) -> str | None:
        if v is not None and not isinstance(v, str):
            raise ValueError(f"scheduler must be an address string like 'tcp://host:8786', "
                             f"got {v!r}")
        return v


class NTNSection(Section):
    """``[ntn]``: the satellite link of the ``ntn-pusch`` / ``ntn-pdsch`` links (transparent
    payload; see :mod:`softran.sim.links.ntn_pusch`).

    Geometry: ``geometry`` ``"fixed"`` (the UE sees the satellite at ``elevation`` degrees,
    default 30) or ``"pass"`` (an overhead pass of a circular polar orbit; every
    transmission happens at a random instant of the part of the pass above
    ``min_elevation``, default 10); ``altitude`` in km (default 600);
    ``feeder_elevation`` (degrees, default 10: the gateway of TR 38.821 Table 4.2-2);
    ``carrier_frequency`` in Hz (default 2e9).

    Channel (TR 38.811 §6.9.2): ``channel`` an NTN TDL profile (``"NTN-TDL-A"`` ..
    ``"NTN-TDL-D"`` with ``delay_spread`` in ns, or ``"NTN-TDLA100"``, ``"NTN-TDLC5"``;
    default ``"NTN-TDLC5"``), ``max_doppler`` the UE-motion Doppler in Hz (default 0).

    Pre-compensation residuals (:mod:`softran.ntn.compensation`): ``frequency_error_ppm``
    (the UE oscillator after downlink sync), ``gnss_error`` (m), ``ephemeris_position_error``
    (m), ``ephemeris_velocity_error`` (m/s), ``ephemeris_age`` (s), ``error_seed``;
    ``harq_processing_slots`` are added to the round trip for the HARQ RTT (default 2).
    """

    geometry: str = "fixed"
    altitude: float = 600.0
    elevation: float = 30.0
    min_elevation: float = 10.0
    feeder_elevation: float = 10.0
    carrier_frequency: float = 2e9
    channel: str = "NTN-TDLC5"
    delay_spread: float | None = None
    max_doppler: float = 0.0
    frequency_error_ppm: float = 0.0
    gnss_error: float = 0.0
    ephemeris_position_error: float = 0.0
    ephemeris_velocity_error: float = 0.0
    ephemeris_age: float = 0.0
    error_seed: int = 0
    harq_processing_slots: int = 2

    @field_validator("geometry", mode="before")
    @classmethod
    def _geometry(cls, v: Any) -> str:
        return _value_error(check_name, "geometry", v, ("fixed", "pass"))

    @field_validator("channel", mode="before")
    @classmethod
    def _channel(cls, v: Any) -> str:
        from softran.channel.ntn_profiles import NTN_TDL_PROFILE_NAMES

        return _value_error(check_name, "channel", v, NTN_TDL_PROFILE_NAMES)

    @field_validator("altitude", "carrier_frequency", mode="before")
    @classmethod
    def _positive(cls, v: Any, info: Any) -> float:
        return _value_error(check_positive, info.field_name, v)

    @field_validator("elevation", "min_elevation", "feeder_elevation", mode="before")
    @classmethod
    def _elevation(cls, v: Any, info: Any) -> float:
        return _value_error(check_real, info.field_name, v, 0.0, 90.0)

    @field_validator("delay_spread", mode="before")
    @classmethod
    def _ds(cls, v: Any) -> float | None:
        return _optional_real("delay_spread", v, positive=True)

    @field_validator("max_doppler", "gnss_error", "ephemeris_position_error",
                     "ephemeris_velocity_error", "ephemeris_age", mode="before")
    @classmethod
    def _nonneg(cls, v: Any, info: Any) -> float:
        return _value_error(check_real, info.field_name, v, 0.0)

    @field_validator("frequency_error_ppm", mode="before")
    @classmethod
    def _ppm(cls, v: Any) -> float:
        return _real("frequency_error_ppm", v)

    @field_validator("error_seed", "harq_processing_slots", mode="before")
    @classmethod
    def _count(cls, v: Any, info: Any) -> int:
        return _value_error(check_int, info.field_name, v, 0)

    @model_validator(mode="after")
    def _consistent(self) -> NTNSection:
        normalised = self.channel.startswith("NTN-TDL-")
        if normalised and self.delay_spread is None:
            raise ValueError(f"@delay_spread: required with channel = {self.channel!r} (ns)")
        if not normalised and self.delay_spread is not None:
            raise ValueError(f"@delay_spread: {self.channel} has fixed delays; remove it")
        if self.geometry == "pass" and self.min_elevation >= 90.0:
            raise ValueError("@min_elevation: a pass needs min_elevation < 90 degrees")
        return self


class PDSCHSection(Section):
    """``[pdsch]``: the ``pdsch`` link (:mod:`softran.sim.links.pdsch`).

    Either ``frc``, a TS 38.101-4 PDSCH reference channel ``"R.PDSCH.1-1.1"`` ..
    ``"R.PDSCH.1-1.4"`` (``data/ts38101_4_frc_pdsch.csv``; it fixes the allocation, MCS, DM-RS
    and PRB bundling, and the carrier defaults to its SCS and grid), or the PDSCH itself:
    ``n_prb``, ``prb_start`` (default 0), ``mcs_index`` + ``mcs_table`` or ``modulation`` +
    ``target_code_rate``, ``n_layers`` (1..8, = ``antennas.n_tx``), ``mapping_type``,
    ``symbol_allocation``, ``dmrs_type``, ``dmrs_additional_position``, ``dmrs_max_length``,
    ``num_cdm_groups_without_data``, ``prb_bundling`` (2, 4 or ``"wideband"``), ``rnti``.
    Receiver options (allowed with ``frc``): ``channel_estimation`` (``"estimated"``,
    ``"perfect"``), ``detector`` (``"mmse-irc"``, ``"mmse"``), ``max_iterations`` (LDPC).
    Values are checked by :class:`~softran.nr.PDSCHConfig` when the link is built.
    """

    frc: str | None = None
    n_prb: int | None = None
    prb_start: int | None = None
    mcs_index: int | None = None
    mcs_table: str | None = None
    modulation: str | None = None
    target_code_rate: float | None = None
    n_layers: int | None = None
    mapping_type: str | None = None
    symbol_allocation: tuple[int, int] | None = None
    dmrs_type: int | None = None
    dmrs_additional_position: int | None = None
    dmrs_max_length: int | None = None
    num_cdm_groups_without_data: int | None = None
    prb_bundling: int | str | None = None
    rnti: int | None = None
    channel_estimation: str = "estimated"
    detector: str = "mmse-irc"
    max_iterations: int = 12

    @field_validator("channel_estimation", mode="before")
    @classmethod
    def _estimation(cls, v: Any) -> str:
        return _value_error(check_name, "channel_estimation", v, ("estimated", "perfect"))

    @field_validator("detector", mode="before")
    @classmethod
    def _detector(cls, v: Any) -> str:
        return _value_error(check_name, "detector", v, ("mmse-irc", "mmse"))

    @field_validator("max_iterations", mode="before")
    @classmethod
    def _iterations(cls, v: Any) -> int:
        return _value_error(check_int, "max_iterations", v, 1, 100)

    @model_validator(mode="after")
    def _frc_alone(self) -> PDSCHSection:
        if self.frc is not None:
            for key in ("n_prb", "prb_start", "mcs_index", "mcs_table", "modulation",
                        "target_code_rate", "n_layers", "mapping_type", "symbol_allocation",
                        "dmrs_type", "dmrs_additional_position", "dmrs_max_length",
                        "num_cdm_groups_without_data", "prb_bundling", "rnti"):
                if getattr(self, key) is not None:
                    raise ValueError(f"@{key}: not allowed together with frc (the reference "
                                     "channel fixes it); remove it or drop frc")
        return self
