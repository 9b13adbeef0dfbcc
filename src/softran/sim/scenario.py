"""Simulation scenarios: TOML files validated into a :class:`Scenario` (pydantic v2).

A scenario names the link, the carrier (TS 38.211 §4, :class:`~softran.nr.CarrierConfig`),
the link's PUSCH configuration (``[pusch]``; the ``pdsch`` link has a ``[pdsch]`` table instead,
:class:`~softran.sim.scenario_sections.PDSCHSection`), the propagation channel (AWGN; TS 38.104 Annex G / TS 38.101-4
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
  pusch or pdsch, channel, impairments (when any is on), antennas, harq, ``run.batch_slots``,
  ``run.seed``, ``run.device``; the random streams of CPU and CUDA differ) and the version of
  the link results (:data:`~softran.sim.link.RESULTS_VERSION`, bumped when a change of the
  code alters them, so that a store never resumes batches computed by older code). Batches
  are stored under it.
* :attr:`Scenario.content_hash`: the stream plus the SNR points and the stopping rule, i.e.
  everything that changes the reported results. ``scenario.name``, ``run.engine``,
  ``run.workers`` and ``run.scheduler`` are excluded. Scenarios that differ only in their SNR
  points or stopping rule share batches: a point computed once is never recomputed.
"""

from __future__ import annotations

import hashlib
import json
from functools import cached_property
from pathlib import Path
from typing import Any

from pydantic import BaseModel, Field, ValidationError, model_validator

from softran.sim.scenario_sections import (
    AntennasSection,
    ChannelSection,
    HARQSection,
    ImpairmentsSection,
    NTNSection,
    RunSection,
    ScenarioSection,
    Section,
    SNRSection,
    StoppingSection,
)
from softran.tomlfile import format_loc, read_toml, split_message

__all__ = ["DOWNLINK_LINKS", "Scenario", "ScenarioError", "load_scenario", "validate_scenario"]

#: the links that simulate the downlink: their table is ``[pdsch]``, not ``[pusch]``
DOWNLINK_LINKS = ("pdsch", "ntn-pdsch")


class Scenario(Section):
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
    pusch: dict[str, Any] | None = None
    pdsch: dict[str, Any] | None = None
    #: the parameters of the ``pucch`` / ``prach`` links (:mod:`softran.sim.links.pucch`, ...)
    pucch: dict[str, Any] | None = None
    prach: dict[str, Any] | None = None
    channel: ChannelSection = Field(default_factory=ChannelSection)
    impairments: ImpairmentsSection = Field(default_factory=ImpairmentsSection)
    antennas: AntennasSection = Field(default_factory=AntennasSection)
    snr: SNRSection
    harq: HARQSection = Field(default_factory=HARQSection)
    stopping: StoppingSection = Field(default_factory=StoppingSection)
    run: RunSection = Field(default_factory=RunSection)
    ntn: NTNSection | None = None
    #: the TOML text it was read from ("" when built from a dict)
    source_text: str = Field(default="", exclude=True, repr=False)

    @model_validator(mode="after")
    def _link_table(self) -> Scenario:
        """Each link reads one table (:func:`~softran.sim.link.link_section`): ``[pusch]`` (the
        PUSCH links, required), ``[pdsch]`` (the ``pdsch`` link, required,
        :class:`~softran.sim.scenario_sections.PDSCHSection`), ``[pucch]`` / ``[prach]``
        (optional: all defaults). The tables of other links are refused."""
        from softran.sim.link import LINK_SECTIONS, LinkConfigError, link_kinds, link_section

        link = self.scenario.link
        try:
            own = link_section(link)
        except LinkConfigError:
            return self  # an unknown link: check_link_config names it
        table = getattr(self, own)
        if table is None and own in ("pusch", "pdsch"):
            need = "(required)" if own == "pusch" else f"(required by link {link!r})"
            raise ValueError(f"@{own}: missing section {need}")
        if table is None:
            object.__setattr__(self, own, {})
        for name in LINK_SECTIONS:
            if name == own or getattr(self, name) is None:
                continue
            if name == "pusch":
                raise ValueError(f"@pusch: not used by link {link!r} (its table is [{own}]); "
                                 "remove it")
            users = " or ".join(repr(k) for k in link_kinds() if link_section(k) == name)
            raise ValueError(f"@{name}: only used by link {users}, not {link!r}; remove it")
        return self

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
        if not self.harq.timeline:  # without the HARQ timeline: the hash of earlier versions
            fields["harq"] = {"max_transmissions", "rv_sequence"}
        if self.ntn is not None:
            fields["ntn"] = True
        for name in ("pdsch", "pucch", "prach"):  # only when used: PUSCH hashes are unchanged
            if getattr(self, name) is not None:
                fields[name] = True
        from softran.sim.link import RESULTS_VERSION

        text = self._canonical(fields)
        if RESULTS_VERSION > 1:  # version 1: the hash of softran before the version existed
            text += f"|results-version={RESULTS_VERSION}"
        return hashlib.sha256(text.encode()).hexdigest()

    @cached_property
    def content_hash(self) -> str:
        """sha256 (hex) of everything that changes the reported results (module docstring)."""
        stopping: Any = True
        if self.stopping.target_throughput is None:  # off: the hash of earlier versions
            stopping = set(type(self.stopping).model_fields) - {"target_throughput"}
        text = self.stream_hash + self._canonical({"snr": {"points_db"}, "stopping": stopping})
        return hashlib.sha256(text.encode()).hexdigest()


class ScenarioError(ValueError):
    """A malformed scenario: one line ``<source>: <dotted.key>: <message>``."""


_SECTION_MODELS: dict[str, type[BaseModel]] = {
    "scenario": ScenarioSection, "channel": ChannelSection, "antennas": AntennasSection,
    "snr": SNRSection, "harq": HARQSection, "stopping": StoppingSection, "run": RunSection,
    "ntn": NTNSection,
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
    from softran.sim.link import LinkConfigError, check_link_config, link_section

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
        section = link_section(scenario.scenario.link)
    except LinkConfigError as err:
        raise ScenarioError(f"{source}: {err}") from None
    # the canonical link table (defaults filled) is what is hashed
    object.__setattr__(scenario, section, dict(pusch))
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
