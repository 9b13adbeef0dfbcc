"""Optical link descriptions: TOML files validated into a :class:`Link` (pydantic v2).

A link is a transceiver pair and a chain of fibre spans, each optionally followed by an
optical amplifier. Example (``scenarios/optical/metro_80kmx10.toml``)::

    [link]
    name = "Metro/regional line, 10 x 80 km SSMF"

    [transceiver]
    symbol_rate_gbd = 64.0
    roll_off = 0.1
    channel_spacing_ghz = 75.0       # n_channels defaults to filling band_ghz (4800 GHz)
    back_to_back_snr_db = 22.0
    margin_db = 1.0

    [[spans]]
    fibre = "SSMF"
    length_km = 80.0
    count = 10

    [amplifier_per_span]             # an amplifier after every span without its own
    noise_figure_db = 5.0            # gain_db defaults to the loss since the last amplifier

Sections and keys (SI only inside the code; units are in the key names):

* ``[link]``: ``name`` (required), ``description``.
* ``[transceiver]``: ``symbol_rate_gbd`` (required), ``roll_off`` (0..1, default 0.1),
  ``channel_spacing_ghz`` (required; at least ``symbol_rate (1 + roll_off)``),
  ``n_channels`` (default: as many as fit in ``band_ghz``, default 4800 GHz = the
  191.3-196.1 THz C band), ``centre_frequency_thz`` (default 193.1, the ITU-T G.694.1
  anchor), ``launch_power_dbm`` per channel (default: the optimum),
  ``back_to_back_snr_db`` (the transceiver's own SNR; default ideal), ``modulation`` (one of
  QPSK, 16QAM, 64QAM, 256QAM: the format to check; default: the densest that closes),
  ``required_snr_db`` (a number for ``modulation``, or a table ``{"16QAM" = 17.0, ...}``;
  default: from ``pre_fec_ber``), ``pre_fec_ber`` (default 2e-2, a soft-decision FEC
  threshold), ``fec_overhead`` (default 0.15), ``margin_db`` (default 0),
  ``power_budget_db`` (the loss the transceiver bridges without amplification: launch
  power minus receiver sensitivity; needed when the receiver follows unamplified fibre).
* ``[[spans]]`` (at least one): ``fibre`` (a name of :func:`~softran.optical.fibre_types.
  fibre_type`, default ``"SSMF"``), ``length_km`` (required, > 0), ``count`` (repeat the
  entry, default 1), overrides ``loss_db_per_km``, ``dispersion_ps_nm_km``,
  ``gamma_per_w_km``, ``a_eff_um2``, ``con_in_db`` / ``con_out_db`` (connector or patch
  loss at the span input / output: the input one lowers the power the fibre is launched
  with), ``extra_loss_db`` (splices; a lumped loss at the span end; default 0), and
  ``amplifier``: a table ``{noise_figure_db = 5.0, gain_db = 16.0}`` or ``false`` for
  none; absent: ``[amplifier_per_span]`` if given, else none.
* ``[amplifier_per_span]``: ``noise_figure_db`` (required), ``gain_db`` (default: the loss
  since the previous amplifier), ``max_gain_db`` (default 35).
* ``[model]`` (optional): ``frequency_dependent`` (``beta2`` and ``gamma`` vary across the
  band), ``srs`` (stimulated Raman scattering), ``nli_from_total_power``; all default false
  (the closed-form GN model at 1550 nm of :mod:`softran.optical.planner`).

Amplifiers: ``gain_db`` defaults to the loss accumulated since the transmitter or the
previous amplifier (a transparent line); a gain above ``max_gain_db`` (default 35 dB) means
an amplifier is missing earlier in the chain. The receiver after unamplified fibre needs
``transceiver.power_budget_db`` at least that loss.

Every problem is a :class:`LinkError` (a ``ValueError``) of one line naming the file and
the dotted key, e.g. ``link.toml: spans[3].length_km: must be > 0, got -5.0``.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import torch
from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    ValidationError,
    field_validator,
    model_validator,
)

from softran.optical.constants import REFERENCE_WAVELENGTH, SPEED_OF_LIGHT
from softran.optical.fibre_model import FibreModel
from softran.optical.fibre_types import FibreType, fibre_type, fibre_type_names
from softran.optical.gn_model import MODULATION_FORMATS, required_snr_db
from softran.tomlfile import format_loc, read_toml, split_message
from softran.validation import check_name

__all__ = ["Amplifier", "Link", "LinkError", "ModelSection", "Span", "load_link", "validate_link"]

#: Extended C band used to fill ``n_channels`` by default [GHz] (191.3-196.1 THz).
DEFAULT_BAND_GHZ: float = 4800.0
#: Default largest amplifier gain [dB]: above it an amplifier is missing before.
DEFAULT_MAX_GAIN_DB: float = 35.0


class LinkError(ValueError):
    """A malformed link file: one line ``<source>: <dotted.key>: <message>``."""


def _number(name: str, v: Any) -> float:
    if isinstance(v, bool) or not isinstance(v, int | float):
        raise ValueError(f"must be a number, got {v!r} ({type(v).__name__})")
    if not math.isfinite(v):
        raise ValueError(f"must be finite, got {v}")
    return float(v)


def _positive(name: str, v: Any) -> float:
    v = _number(name, v)
    if not v > 0:
        raise ValueError(f"must be > 0, got {v}")
    return v


def _nonneg(name: str, v: Any) -> float:
    v = _number(name, v)
    if v < 0:
        raise ValueError(f"must be >= 0, got {v}")
    return v


class _Section(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class LinkSection(_Section):
    """``[link]``: ``name`` and ``description``."""

    name: str
    description: str = ""

    @field_validator("name", "description", mode="before")
    @classmethod
    def _str(cls, v: Any, info: Any) -> str:
        if not isinstance(v, str):
            raise ValueError(f"must be a string, got {v!r}")
        if info.field_name == "name" and not v.strip():
            raise ValueError("must not be empty")
        return v


class AmplifierSection(_Section):
    """An amplifier: ``noise_figure_db``, optional ``gain_db`` and ``max_gain_db``."""

    noise_figure_db: float
    gain_db: float | None = None
    max_gain_db: float = DEFAULT_MAX_GAIN_DB

    @field_validator("noise_figure_db", "gain_db", mode="before")
    @classmethod
    def _db(cls, v: Any, info: Any) -> float | None:
        return None if v is None else _nonneg(info.field_name, v)

    @field_validator("max_gain_db", mode="before")
    @classmethod
    def _max(cls, v: Any) -> float:
        return _positive("max_gain_db", v)


class SpanSection(_Section):
    """One ``[[spans]]`` entry (see the module docstring)."""

    fibre: str = "SSMF"
    length_km: float
    count: int = 1
    loss_db_per_km: float | None = None
    dispersion_ps_nm_km: float | None = None
    gamma_per_w_km: float | None = None
    a_eff_um2: float | None = None
    extra_loss_db: float = 0.0
    con_in_db: float = 0.0
    con_out_db: float = 0.0
    amplifier: AmplifierSection | bool | None = None

    @field_validator("fibre", mode="before")
    @classmethod
    def _fibre(cls, v: Any) -> str:
        if not isinstance(v, str):
            raise ValueError(f"must be a fibre type name, got {v!r}; allowed: "
                             + ", ".join(fibre_type_names()))
        try:
            return fibre_type(v).name
        except (TypeError, ValueError):
            raise ValueError(f"unknown fibre type {v!r}; allowed: "
                             + ", ".join(fibre_type_names())) from None

    @field_validator("length_km", "gamma_per_w_km", "a_eff_um2", mode="before")
    @classmethod
    def _pos(cls, v: Any, info: Any) -> float | None:
        return None if v is None else _positive(info.field_name, v)

    @field_validator("loss_db_per_km", "extra_loss_db", "con_in_db", "con_out_db", mode="before")
    @classmethod
    def _nn(cls, v: Any, info: Any) -> float | None:
        return None if v is None else _nonneg(info.field_name, v)

    @field_validator("dispersion_ps_nm_km", mode="before")
    @classmethod
    def _disp(cls, v: Any) -> float | None:
        if v is None:
            return None
        v = _number("dispersion_ps_nm_km", v)
        if v == 0:
            raise ValueError("must be non-zero (the closed-form GN model needs dispersion)")
        return v

    @field_validator("count", mode="before")
    @classmethod
    def _count(cls, v: Any) -> int:
        if isinstance(v, bool) or not isinstance(v, int):
            raise ValueError(f"must be an integer, got {v!r}")
        if not 1 <= v <= 10_000:
            raise ValueError(f"must be in 1..10000, got {v}")
        return v

    @field_validator("amplifier", mode="before")
    @classmethod
    def _amp(cls, v: Any) -> Any:
        if v is True:
            raise ValueError("true is not allowed; give a table {noise_figure_db = ...} or "
                             "false for no amplifier")
        if v is not None and not isinstance(v, dict | bool | AmplifierSection):
            raise ValueError(f"must be a table {{noise_figure_db = ..., gain_db = ...}} or "
                             f"false, got {v!r}")
        return v


class TransceiverSection(_Section):
    """``[transceiver]`` (see the module docstring)."""

    symbol_rate_gbd: float
    roll_off: float = 0.1
    channel_spacing_ghz: float
    n_channels: int | None = None
    band_ghz: float = DEFAULT_BAND_GHZ
    centre_frequency_thz: float = 193.1
    launch_power_dbm: float | None = None
    back_to_back_snr_db: float | None = None
    modulation: str | None = None
    required_snr_db: float | dict[str, float] | None = None
    pre_fec_ber: float = 2e-2
    fec_overhead: float = 0.15
    margin_db: float = 0.0
    power_budget_db: float | None = None

    @field_validator("symbol_rate_gbd", "channel_spacing_ghz", "band_ghz",
                     "centre_frequency_thz", mode="before")
    @classmethod
    def _pos(cls, v: Any, info: Any) -> float:
        return _positive(info.field_name, v)

    @field_validator("roll_off", mode="before")
    @classmethod
    def _roll_off(cls, v: Any) -> float:
        v = _number("roll_off", v)
        if not 0.0 <= v <= 1.0:
            raise ValueError(f"must be in 0..1, got {v}")
        return v

    @field_validator("n_channels", mode="before")
    @classmethod
    def _n(cls, v: Any) -> int | None:
        if v is None:
            return None
        if isinstance(v, bool) or not isinstance(v, int):
            raise ValueError(f"must be an integer, got {v!r}")
        if not 1 <= v <= 2000:
            raise ValueError(f"must be in 1..2000, got {v}")
        return v

    @field_validator("launch_power_dbm", "back_to_back_snr_db", mode="before")
    @classmethod
    def _real(cls, v: Any, info: Any) -> float | None:
        return None if v is None else _number(info.field_name, v)

    @field_validator("margin_db", "fec_overhead", mode="before")
    @classmethod
    def _nn(cls, v: Any, info: Any) -> float:
        return _nonneg(info.field_name, v)

    @field_validator("power_budget_db", mode="before")
    @classmethod
    def _budget(cls, v: Any) -> float | None:
        return None if v is None else _nonneg("power_budget_db", v)

    @field_validator("pre_fec_ber", mode="before")
    @classmethod
    def _ber(cls, v: Any) -> float:
        v = _number("pre_fec_ber", v)
        if not 0 < v < 0.1:
            raise ValueError(f"must be in (0, 0.1), got {v}")
        return v

    @field_validator("modulation", mode="before")
    @classmethod
    def _modulation(cls, v: Any) -> str | None:
        if v is None:
            return None
        try:
            return check_name("modulation", v, MODULATION_FORMATS)
        except (TypeError, ValueError) as err:
            raise ValueError(str(err)) from None

    @field_validator("required_snr_db", mode="before")
    @classmethod
    def _required(cls, v: Any) -> float | dict[str, float] | None:
        if v is None or not isinstance(v, dict):
            return None if v is None else _number("required_snr_db", v)
        out = {}
        for key, value in v.items():
            try:
                name = check_name("modulation", key, MODULATION_FORMATS)
            except (TypeError, ValueError):
                raise ValueError(f"@{key}: unknown modulation; allowed: "
                                 + ", ".join(MODULATION_FORMATS)) from None
            try:
                out[name] = _number(key, value)
            except ValueError as err:
                raise ValueError(f"@{key}: {err}") from None
        if not out:
            raise ValueError("@required_snr_db: the table is empty")
        return out

    @model_validator(mode="after")
    def _check(self) -> TransceiverSection:
        occupied = self.symbol_rate_gbd * (1.0 + self.roll_off)
        if self.channel_spacing_ghz < occupied - 1e-9:
            raise ValueError(f"@channel_spacing_ghz: {self.channel_spacing_ghz} GHz is "
                             f"narrower than the signal, symbol_rate_gbd (1 + roll_off) = "
                             f"{occupied:.4g} GHz")
        if self.n_channels is None and self.band_ghz < self.channel_spacing_ghz:
            raise ValueError(f"@band_ghz: {self.band_ghz} GHz holds no channel of "
                             f"{self.channel_spacing_ghz} GHz; set n_channels")
        if isinstance(self.required_snr_db, float) and self.modulation is None:
            raise ValueError("@required_snr_db: a single number needs modulation = ...; "
                             "or give a table {\"16QAM\" = 17.0, ...}")
        if (isinstance(self.required_snr_db, dict) and self.modulation is not None
                and self.modulation not in self.required_snr_db):
            raise ValueError(f"@required_snr_db: no entry for modulation = "
                             f"{self.modulation!r}")
        return self


class ModelSection(_Section):
    """``[model]``: ``frequency_dependent`` (``beta2`` from the dispersion slope and
    ``gamma`` from the effective area vary across the band; default false: the 1550 nm
    values), ``srs`` (stimulated Raman scattering, default false),
    ``nli_from_total_power`` (ASE and NLI act as NLI pumps too, as in GNPy; default
    false)."""

    frequency_dependent: bool = False
    srs: bool = False
    nli_from_total_power: bool = False

    @field_validator("frequency_dependent", "srs", "nli_from_total_power", mode="before")
    @classmethod
    def _bool(cls, v: Any) -> bool:
        if not isinstance(v, bool):
            raise ValueError(f"must be true or false, got {v!r}")
        return v


class LinkFile(_Section):
    """The raw TOML document (use :func:`validate_link` to get a resolved :class:`Link`)."""

    link: LinkSection
    transceiver: TransceiverSection
    spans: list[SpanSection] = Field(min_length=1)
    amplifier_per_span: AmplifierSection | None = None
    model: ModelSection = Field(default_factory=ModelSection)


@dataclass(frozen=True)
class Amplifier:
    """A resolved amplifier: ``gain_db`` and ``noise_figure_db``."""

    gain_db: float
    noise_figure_db: float


@dataclass(frozen=True)
class Span:
    """A resolved span: ``fibre`` (with any overrides applied), ``length_km``,
    ``extra_loss_db``, the ``amplifier`` after it (or ``None``) and ``entry``, the index of
    the ``[[spans]]`` entry it came from."""

    fibre: FibreType
    length_km: float
    extra_loss_db: float
    amplifier: Amplifier | None
    entry: int
    con_in_db: float = 0.0
    con_out_db: float = 0.0

    @property
    def length(self) -> float:
        """Length [m]."""
        return self.length_km * 1e3

    @property
    def loss_db(self) -> float:
        """Span loss ``con_in_db + α_dB L + extra_loss_db + con_out_db`` [dB]."""
        return (self.con_in_db + self.fibre.alpha_db_km * self.length_km + self.extra_loss_db
                + self.con_out_db)

    def fibre_model(self, frequency_dependent: bool = False) -> FibreModel:
        """The span as a :class:`~softran.optical.fibre_model.FibreModel`: the fibre type's
        loss, ``D``, ``gamma`` and effective area at 1550 nm, the connector losses
        (``extra_loss_db`` joins ``con_out_db``); ``frequency_dependent`` adds the
        dispersion slope and the frequency dependence of ``gamma``."""
        f = self.fibre
        return FibreModel(
            length=self.length, loss_db_km=f.alpha_db_km,
            dispersion=f.dispersion_ps_nm_km * 1e-6,
            dispersion_slope=f.slope_ps_nm2_km * 1e3 if frequency_dependent else None,
            gamma=f.gamma, effective_area=f.a_eff,
            ref_frequency=SPEED_OF_LIGHT / REFERENCE_WAVELENGTH, con_in_db=self.con_in_db,
            con_out_db=self.con_out_db + self.extra_loss_db, group_index=f.group_index,
            frequency_dependent_gamma=frequency_dependent)


@dataclass(frozen=True)
class Link:
    """A validated optical link: ``name``, ``description``, the resolved ``spans`` (one per
    span, ``count`` expanded), the ``transceiver`` section, and the ``source`` name.

    >>> link = validate_link({"link": {"name": "x"},
    ...                       "transceiver": {"symbol_rate_gbd": 64, "channel_spacing_ghz": 75},
    ...                       "spans": [{"length_km": 80, "count": 3}],
    ...                       "amplifier_per_span": {"noise_figure_db": 5}})
    >>> len(link.spans), link.n_channels, link.spans[0].amplifier.gain_db
    (3, 64, 16.0)
    """

    name: str
    description: str
    spans: tuple[Span, ...]
    transceiver: TransceiverSection
    source: str = "link"
    model: ModelSection = field(default_factory=ModelSection)

    @property
    def n_channels(self) -> int:
        """Number of WDM channels (given, or as many as fit in ``band_ghz``)."""
        t = self.transceiver
        if t.n_channels is not None:
            return t.n_channels
        return max(1, math.floor(t.band_ghz / t.channel_spacing_ghz + 1e-9))

    @property
    def symbol_rate(self) -> float:
        """Symbol rate [Bd]."""
        return self.transceiver.symbol_rate_gbd * 1e9

    @property
    def channel_spacing(self) -> float:
        """Channel spacing [Hz]."""
        return self.transceiver.channel_spacing_ghz * 1e9

    def channel_frequencies(self, dtype: torch.dtype = torch.float64) -> torch.Tensor:
        """Centre frequencies [Hz] of the channels ``[n_channels]``, on a uniform grid of
        ``channel_spacing`` centred at ``centre_frequency_thz``."""
        n = self.n_channels
        k = torch.arange(n, dtype=dtype) - (n - 1) / 2
        return self.transceiver.centre_frequency_thz * 1e12 + k * self.channel_spacing

    @property
    def length_km(self) -> float:
        """Total fibre length [km]."""
        return sum(s.length_km for s in self.spans)

    def required_snrs_db(self) -> dict[str, float]:
        """Required SNR [dB] (before margin) per modulation: the file's table or number,
        else :func:`~softran.optical.gn_model.required_snr_db` at ``pre_fec_ber``; only
        ``modulation`` if the file names one."""
        t = self.transceiver
        if isinstance(t.required_snr_db, dict):
            table = dict(t.required_snr_db)
        elif isinstance(t.required_snr_db, float):
            table = {str(t.modulation): t.required_snr_db}
        else:
            table = {m: required_snr_db(m, t.pre_fec_ber) for m in MODULATION_FORMATS}
        if t.modulation is not None:
            table = {t.modulation: table[t.modulation]}
        return table


_MODELS: dict[str, type[BaseModel]] = {"link": LinkSection, "transceiver": TransceiverSection,
                                       "spans": SpanSection,
                                       "amplifier_per_span": AmplifierSection,
                                       "model": ModelSection}


def _messages(err: ValidationError) -> list[str]:
    out: list[str] = []
    for e in err.errors():
        loc = tuple(e["loc"])
        # a union (AmplifierSection | bool) reports one error per member: keep the table's
        if len(loc) >= 3 and loc[-1] == "bool" or (loc and loc[-1] == "AmplifierSection"):
            loc = tuple(p for p in loc if p not in ("AmplifierSection", "bool"))
            if e["type"] == "bool_type":
                continue
        loc = tuple(p for p in loc if p not in ("AmplifierSection", "float",
                                                "dict[str,float]"))
        loc, msg = split_message(loc, e["msg"])
        if e["type"] == "extra_forbidden":
            parent = None
            if len(loc) >= 2:
                parent = _MODELS.get(str(loc[0]))
                if loc[0] == "spans" and len(loc) == 4 and loc[2] == "amplifier":
                    parent = AmplifierSection
            allowed = (list(parent.model_fields) if parent is not None
                       else list(LinkFile.model_fields) if len(loc) == 1 else [])
            msg = "unknown key" + (f"; allowed: {', '.join(allowed)}" if allowed else "")
        elif e["type"] == "missing":
            msg = "missing section (required)" if len(loc) == 1 else "missing key (required)"
        elif e["type"] in ("model_type", "dict_type", "model_attributes_type"):
            msg = f"must be a table, got {e.get('input')!r}"
        elif e["type"] == "list_type":
            msg = f"must be an array of tables ([[{format_loc(loc)}]]), got {e.get('input')!r}"
        elif e["type"] == "too_short":
            msg = "at least one [[spans]] entry is required"
        line = f"{format_loc(loc)}: {msg}"
        if line not in out:
            out.append(line)
    return out


def _resolve(doc: LinkFile, source: str) -> Link:
    spans: list[Span] = []
    tx = doc.transceiver
    since_amp_db = 0.0       # loss since the transmitter or the last amplifier
    first_unamplified: int | None = None
    for i, entry in enumerate(doc.spans):
        base = fibre_type(entry.fibre)
        fibre = FibreType(
            name=base.name, standard=base.standard,
            alpha_db_km=base.alpha_db_km if entry.loss_db_per_km is None
            else entry.loss_db_per_km,
            dispersion_ps_nm_km=base.dispersion_ps_nm_km if entry.dispersion_ps_nm_km is None
            else entry.dispersion_ps_nm_km,
            slope_ps_nm2_km=base.slope_ps_nm2_km,
            gamma_per_w_km=base.gamma_per_w_km if entry.gamma_per_w_km is None
            else entry.gamma_per_w_km,
            a_eff_um2=base.a_eff_um2 if entry.a_eff_um2 is None else entry.a_eff_um2,
            group_index=base.group_index)
        if fibre.alpha_db_km == 0.0:
            raise LinkError(f"{source}: spans[{i}].loss_db_per_km: must be > 0 for the GN "
                            "model (a lossless fibre has no effective length)")
        if entry.amplifier is False:
            amp_spec = None
            amp_key = f"spans[{i}].amplifier"
        elif isinstance(entry.amplifier, AmplifierSection):
            amp_spec, amp_key = entry.amplifier, f"spans[{i}].amplifier"
        else:
            amp_spec, amp_key = doc.amplifier_per_span, "amplifier_per_span"
        for _ in range(entry.count):
            loss = (fibre.alpha_db_km * entry.length_km + entry.extra_loss_db + entry.con_in_db
                    + entry.con_out_db)
            since_amp_db += loss
            if first_unamplified is None:
                first_unamplified = i
            amp = None
            if amp_spec is not None:
                gain = since_amp_db if amp_spec.gain_db is None else amp_spec.gain_db
                if amp_spec.gain_db is not None and gain > amp_spec.max_gain_db:
                    raise LinkError(f"{source}: {amp_key}.gain_db: {gain} dB exceeds "
                                    f"max_gain_db = {amp_spec.max_gain_db} dB")
                if gain > amp_spec.max_gain_db:
                    raise LinkError(
                        f"{source}: spans[{first_unamplified}].amplifier: missing; the "
                        f"{gain:.1f} dB of fibre loss from spans[{first_unamplified}] to "
                        f"spans[{i}] exceeds the gain limit of the next amplifier "
                        f"({amp_key}.max_gain_db = {amp_spec.max_gain_db} dB)")
                f_lin, g_lin = 10 ** (amp_spec.noise_figure_db / 10), 10 ** (gain / 10)
                if f_lin < 2.0 - 1.0 / g_lin - 1e-12:
                    raise LinkError(
                        f"{source}: {amp_key}.noise_figure_db: {amp_spec.noise_figure_db} dB "
                        f"is below the quantum limit 10 log10(2 - 1/G) = "
                        f"{10 * math.log10(2 - 1 / g_lin):.3f} dB at gain {gain:.1f} dB")
                amp = Amplifier(gain_db=gain, noise_figure_db=amp_spec.noise_figure_db)
                since_amp_db, first_unamplified = 0.0, None
            spans.append(Span(fibre=fibre, length_km=entry.length_km,
                              extra_loss_db=entry.extra_loss_db, amplifier=amp, entry=i,
                              con_in_db=entry.con_in_db, con_out_db=entry.con_out_db))
    if first_unamplified is not None:
        key = f"spans[{len(doc.spans) - 1}].amplifier"
        if tx.power_budget_db is None:
            raise LinkError(
                f"{source}: {key}: missing; the receiver follows {since_amp_db:.1f} dB of "
                f"unamplified fibre (from spans[{first_unamplified}]): give the span an "
                "amplifier (or [amplifier_per_span]) or set transceiver.power_budget_db")
        if since_amp_db > tx.power_budget_db + 1e-9:
            raise LinkError(
                f"{source}: {key}: missing; the {since_amp_db:.1f} dB of unamplified fibre "
                f"before the receiver (from spans[{first_unamplified}]) exceeds "
                f"transceiver.power_budget_db = {tx.power_budget_db}; add an amplifier")
        if tx.launch_power_dbm is None and all(s.amplifier is None for s in spans):
            raise LinkError(f"{source}: transceiver.launch_power_dbm: missing; a line "
                            "without amplifiers has no optimum launch power (no ASE)")
    return Link(name=doc.link.name, description=doc.link.description, spans=tuple(spans),
                transceiver=tx, source=source, model=doc.model)


def validate_link(data: dict[str, Any], *, source: str = "link") -> Link:
    """Validate a link given as nested dicts (a parsed TOML document) and resolve it.

    Raises :class:`LinkError` ``"<source>: <dotted.key>: <message>"`` (one line; several
    problems are joined with ``"; "``).

    >>> validate_link({"link": {"name": "x"},
    ...                "transceiver": {"symbol_rate_gbd": 64, "channel_spacing_ghz": 75},
    ...                "spans": [{"length_km": 80}, {"length_km": -5}]}, source="link.toml")
    Traceback (most recent call last):
    softran.optical.link.LinkError: link.toml: spans[1].length_km: must be > 0, got -5.0
    """
    if not isinstance(data, dict):
        raise TypeError(f"data must be a dict, got {type(data).__name__}")
    try:
        doc = LinkFile.model_validate(data)
    except ValidationError as err:
        raise LinkError(f"{source}: " + "; ".join(_messages(err))) from None
    return _resolve(doc, source)


def load_link(source: str | Path) -> Link:
    """Read and validate a TOML link file: a :class:`~pathlib.Path`, a path string, or TOML
    text (a string containing a newline or ``=`` is read as text). Errors name the file
    (``link`` for text) and the dotted key:

    >>> load_link('[link]\\nname = "x"\\n[transceiver]\\nsymbol_rate_gbd = 64\\n'
    ...           'channel_spacing_ghz = 50\\n[[spans]]\\nlength_km = 80')
    Traceback (most recent call last):
    softran.optical.link.LinkError: link: transceiver.channel_spacing_ghz: 50.0 GHz is narrower than the signal, symbol_rate_gbd (1 + roll_off) = 70.4 GHz
    """
    name, _, data = read_toml(source, "link", LinkError)
    return validate_link(data, source=name)
