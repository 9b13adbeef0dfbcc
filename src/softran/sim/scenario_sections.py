"""Simulation scenarios: TOML files validated into a :class:`Scenario` (pydantic v2).

A scenario names the link, the carrier (TS 38.211 §4, :class:`~softran.nr.CarrierConfig`),
the link's PUSCH configuration, the propagation channel (AWGN; TS 38.104 Annex G / TS 38.101-4
Annex B TDL profiles such as ``TDLB100-400``; TR 38.901 TDL/CDL), oscillator impairments
(frequency offset, phase noise), the antennas, the SNR points
(per RE and receive antenna, TS 38.104 §8), HARQ (TS 38.214 §6.1.2.1), the stopping rule per
SNR point and run options. Example (``scenarios/sch_awgn_qpsk.toml``)::

    [scenario]
    name = "sch-awgn QPSK R=1/2"
    link = "sch-awgn"

    [pusch]
    modulation = "QPSK"
    target_code_rate = 0.5
    n_prb = 4

    [channel]
    model = "AWGN"

    [snr]
    start = -2.0
    stop = 2.0
    step = 0.5

    [harq]
    max_transmissions = 1

    [stopping]
    target_block_errors = 100
    max_slots = 20000

    [run]
    batch_slots = 200
    seed = 1

Every section is a table with fixed keys: an unknown key, a bad value or a missing required
section is a :class:`ScenarioError` (a ``ValueError``) of one line that names the file and the
dotted key, e.g. ``scenario.toml: stopping.max_slots: max_slots = 0 is out of range``.

Two hashes identify results (sha256 of canonical JSON, independent of key order, whitespace
and comments):

* :attr:`Scenario.stream_hash`: what the outcome of one batch depends on (link, carrier,
  pusch, channel, impairments (when any is on), antennas, harq, ``run.batch_slots``,
  ``run.seed``, ``run.device``; the random streams of CPU and CUDA differ). Batches are
  stored under it.
* :attr:`Scenario.content_hash`: the stream plus the SNR points and the stopping rule, i.e.
  everything that changes the reported results. ``scenario.name``, ``run.engine``,
  ``run.workers`` and ``run.scheduler`` are excluded. Scenarios that differ only in their SNR
  points or stopping rule share batches: a point computed once is never recomputed.
"""

from __future__ import annotations

import hashlib
import json
import math
import re
from collections.abc import Callable
from functools import cached_property
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

from softran.tomlfile import format_loc, read_toml, split_message
from softran.validation import check_choice, check_int, check_name, check_positive, check_real

__all__ = ["ENGINES", "Scenario", "ScenarioError", "load_scenario", "validate_scenario"]

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


class _Section(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class ScenarioSection(_Section):
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


class ChannelSection(_Section):
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


class ImpairmentsSection(_Section):
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


class AntennasSection(_Section):
    """``[antennas]``: ``n_tx`` (UE transmit antennas) and ``n_rx`` (gNB receive antennas),
    1, 2, 4 or 8 each (the array sizes of TS 38.104 Table G.2.3.2-1); default 1 and 2."""

    n_tx: int = 1
    n_rx: int = 2

    @field_validator("n_tx", "n_rx", mode="before")
    @classmethod
    def _n(cls, v: Any, info: Any) -> int:
        return _value_error(check_choice, info.field_name,
                            _value_error(check_int, info.field_name, v), (1, 2, 4, 8))


class SNRSection(_Section):
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


class HARQSection(_Section):
    """``[harq]``: ``max_transmissions`` 1..4 (default 4) and ``rv_sequence`` (default
    ``[0, 2, 3, 1]``, TS 38.214 Table 6.1.2.1-2 order; 1 to 4 entries, each 0..3, used
    cyclically: transmission ``i`` has ``rv_sequence[i % len]``)."""

    max_transmissions: int = 4
    rv_sequence: tuple[int, ...] = (0, 2, 3, 1)

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


class StoppingSection(_Section):
    """``[stopping]``: when an SNR point has enough slots (see :mod:`softran.sim.stopping`).

    ``target_block_errors`` (default 100; 0 disables), ``min_slots`` (default 0),
    ``max_slots`` (default 10000), ``ci_level`` (default 0.95), ``ci_relative_width``
    (stop once the Wilson BLER interval is at most this fraction of the BLER; default off).
    """

    target_block_errors: int = 100
    min_slots: int = 0
    max_slots: int = 10_000
    ci_level: float = 0.95
    ci_relative_width: float | None = None

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

    @model_validator(mode="after")
    def _order(self) -> StoppingSection:
        if self.min_slots > self.max_slots:
            raise ValueError(f"@min_slots: min_slots = {self.min_slots} exceeds max_slots = "
                             f"{self.max_slots}")
        return self


class RunSection(_Section):
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


class Scenario(_Section):
    """A validated scenario (build it with :func:`load_scenario` or :func:`validate_scenario`,
    which also let the link check ``[pusch]`` and fill its defaults).

    >>> s = load_scenario('''
    ... [scenario]
    ... name = "x"
    ... link = "sch-awgn"
    ... [pusch]
    ... target_code_rate = 0.5
    ... [snr]
    ... start = 0
    ... stop = 1
    ... step = 0.5
    ... ''')
    >>> s.snr.points_db, s.harq.rv_sequence, len(s.content_hash)
    ((0.0, 0.5, 1.0), (0, 2, 3, 1), 64)
    """

    scenario: ScenarioSection
    carrier: dict[str, Any] = Field(default_factory=dict)
    pusch: dict[str, Any]
    channel: ChannelSection = Field(default_factory=ChannelSection)
    impairments: ImpairmentsSection = Field(default_factory=ImpairmentsSection)
    antennas: AntennasSection = Field(default_factory=AntennasSection)
    snr: SNRSection
    harq: HARQSection = Field(default_factory=HARQSection)
    stopping: StoppingSection = Field(default_factory=StoppingSection)
    run: RunSection = Field(default_factory=RunSection)
    #: the TOML text it was read from ("" when built from a dict)
    source_text: str = Field(default="", exclude=True, repr=False)

    @property
    def carrier_config(self) -> Any:
        """The ``[carrier]`` table as a :class:`~softran.nr.CarrierConfig`."""
        from softran.nr.config import CarrierConfig

        return CarrierConfig(**self.carrier)

    def to_dict(self) -> dict[str, Any]:
        """The validated scenario as plain data (SNR points resolved, defaults filled), which
        :func:`validate_scenario` reads back to an equal scenario."""
        data = self.model_dump(mode="json", exclude_none=True)
        data["snr"] = {"points_db": data["snr"]["points_db"]}
        return data

    def _canonical(self, fields: dict[str, Any]) -> str:
        return json.dumps(self.model_dump(mode="json", include=fields), sort_keys=True,
                          separators=(",", ":"))

    @cached_property
    def stream_hash(self) -> str:
        """sha256 (hex) of what one batch's outcome depends on (module docstring)."""
        fields: dict[str, Any] = {
            "scenario": {"link"}, "carrier": True, "pusch": True, "channel": True,
            "antennas": True, "harq": True, "run": {"batch_slots", "seed", "device"}}
        if self.impairments.active:  # without impairments: the hash of earlier versions
            fields["impairments"] = True
        return hashlib.sha256(self._canonical(fields).encode()).hexdigest()

    @cached_property
    def content_hash(self) -> str:
        """sha256 (hex) of everything that changes the reported results (module docstring)."""
        text = self.stream_hash + self._canonical({
            "snr": {"points_db"}, "stopping": True})
        return hashlib.sha256(text.encode()).hexdigest()


class ScenarioError(ValueError):
    """A malformed scenario: one line ``<source>: <dotted.key>: <message>``."""


_SECTION_MODELS: dict[str, type[BaseModel]] = {
    "scenario": ScenarioSection, "channel": ChannelSection, "antennas": AntennasSection,
    "snr": SNRSection, "harq": HARQSection, "stopping": StoppingSection, "run": RunSection,
}


def _messages(err: ValidationError) -> list[str]:
    out = []
    for e in err.errors():
        loc = tuple(e["loc"])
        loc, msg = split_message(loc, e["msg"])
        if e["type"] == "extra_forbidden":
            parent = _SECTION_MODELS.get(str(loc[0])) if len(loc) == 2 else None
            allowed = (list(parent.model_fields) if parent is not None
                       else [f for f in Scenario.model_fields if f != "source_text"]
                       if len(loc) == 1 else [])
            msg = "unknown key" + (f"; allowed: {', '.join(allowed)}" if allowed else "")
        elif e["type"] == "missing":
            msg = "missing section (required)" if len(loc) == 1 else "missing key (required)"
        elif e["type"] in ("model_type", "dict_type"):
            msg = f"must be a table ([{format_loc(loc)}]), got {e.get('input')!r}"
        out.append(f"{format_loc(loc)}: {msg}")
    return out


def _check_carrier(table: Any) -> None:
    from softran.nr.config import CarrierConfig

    if not isinstance(table, dict):
        raise ScenarioError(f"carrier: must be a table ([carrier]), got {table!r}")
    for key, value in table.items():
        if key not in CarrierConfig.model_fields:
            raise ScenarioError(f"carrier.{key}: unknown key; allowed: "
                                + ", ".join(CarrierConfig.model_fields))
        try:
            CarrierConfig(**{key: value})
        except ValidationError as err:
            raise ScenarioError(f"carrier.{key}: " + "; ".join(
                str(e["msg"]).removeprefix("Value error, ") for e in err.errors())) from None
        except (TypeError, ValueError) as err:
            raise ScenarioError(f"carrier.{key}: {err}") from None
    try:
        CarrierConfig(**table)
    except ValidationError as err:
        raise ScenarioError("carrier: " + "; ".join(
            str(e["msg"]).removeprefix("Value error, ") for e in err.errors())) from None
    except (TypeError, ValueError) as err:
        raise ScenarioError(f"carrier: {err}") from None


def validate_scenario(data: dict[str, Any], *, source: str = "scenario",
                      text: str = "") -> Scenario:
    """Validate a scenario given as nested dicts (a parsed TOML document).

    Raises :class:`ScenarioError` ``"<source>: <dotted.key>: <message>"`` (one line; several
    problems are joined with ``"; "``).

    >>> validate_scenario({"scenario": {"name": "x", "link": "sch-awgn"}, "pusch": {},
    ...                    "snr": {"points_db": [0]}, "stopping": {"max_slot": 5}})
    ... # doctest: +ELLIPSIS
    Traceback (most recent call last):
    softran.sim.scenario.ScenarioError: scenario: stopping.max_slot: unknown key; allowed: ...
    """
    from softran.sim.link import LinkConfigError, check_link_config

    if not isinstance(data, dict):
        raise TypeError(f"data must be a dict, got {type(data).__name__}")
    if "source_text" in data:
        raise ScenarioError(f"{source}: source_text: unknown key")
    try:
        scenario = Scenario.model_validate({**data, "source_text": text})
    except ValidationError as err:
        raise ScenarioError(f"{source}: " + "; ".join(_messages(err))) from None
    try:
        _check_carrier(scenario.carrier)
    except ScenarioError as err:
        raise ScenarioError(f"{source}: {err}") from None
    try:
        pusch = check_link_config(scenario)
    except LinkConfigError as err:
        raise ScenarioError(f"{source}: {err}") from None
    # the canonical [pusch] table (defaults filled) is what is hashed
    object.__setattr__(scenario, "pusch", dict(pusch))
    return scenario


def load_scenario(source: str | Path) -> Scenario:
    """Read and validate a TOML scenario: a :class:`~pathlib.Path`, a path string, or TOML
    text (a string containing a newline or ``=`` is read as text).

    Errors name the file (its name, or ``scenario`` for text) and the dotted key:

    >>> load_scenario('[scenario]\\nname = "x"\\n[pusch]\\n[snr]\\npoints_db = [0, "a"]')
    ... # doctest: +ELLIPSIS
    Traceback (most recent call last):
    softran.sim.scenario.ScenarioError: scenario: snr.points_db: points_db[1] must be a ...
    """
    name, text, data = read_toml(source, "scenario", ScenarioError)
    return validate_scenario(data, source=name, text=text)
