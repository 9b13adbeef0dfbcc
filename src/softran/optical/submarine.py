r"""The submarine question: how much capacity a repeatered cable carries when the electrical
power fed to its repeaters is the limit, and how many fibre pairs (spatial-division
multiplexing) at what launch power carry the most (Dar, Winzer, Chraplyvy, Zhu,
"Cost-optimized submarine cables using massive spatial parallelism", J. Lightw. Technol.
36(18) 2018; Sinkin et al., "SDM for power-efficient undersea transmission", J. Lightw.
Technol. 36(2) 2018; Pecci et al., "Pump farming as enabling factor to increase fiber pair
count in subsea cables", ECOC 2019; Krause Perin et al., J. Lightw. Technol. 37(9) 2019).

Model (every number is a field of :class:`CableSpec`, read from a TOML file by
:func:`load_cable`):

* **Power feed**: the shore power-feed equipment drives a constant current ``I`` through
  the cable's conductor (resistance ``r`` per km) at up to the feed voltage ``V`` (the sum
  over both ends). What reaches the repeaters is ``P_rep,total = V I - I^2 r L``, shared by
  the ``N_rep = ceil(L / L_span) - 1`` repeaters: ``P_rep = P_rep,total / N_rep``.
* **Repeater**: a fixed electrical load ``P_fixed`` (supervision, control) and per
  amplifier ``P_amp`` (pump drivers, monitoring), two amplifiers per fibre pair (one per
  direction); the rest drives the pumps, and a fraction ``eta`` of it (pump wall-plug
  efficiency times the EDFA's power conversion) comes out as signal power:
  ``P_out = eta (P_rep - P_fixed - 2 N P_amp) / (2 N)`` per amplifier for ``N`` pairs.
* **Line**: ``N_rep + 1`` spans of the fibre, each amplifier's gain equal to its span's loss
  (``NF``), the C band filled with channels of symbol rate ``R``: per channel ``1 / GSNR_i
  = A_i / P + B_i P^2 + 1 / SNR_trx`` (closed-form GN model of :mod:`softran.optical.
  planner`), ``P = P_out / n_ch`` at most: below the nonlinear optimum the power is the
  limit, above it the surplus is not used (the launch power maximises the capacity of the
  pair, :func:`best_launch_power`).
* **Capacity** per direction of the cable: ``N sum_i C_i`` with ``C_i`` the Shannon rate
  ``2 R log2(1 + GSNR_i)``, or the net rate of the best rung of a modulation/FEC ladder
  (square QAM QPSK..256QAM with each FEC of :data:`softran.optical.metrics.FEC_THRESHOLDS`:
  required SNR at the FEC threshold plus ``margin_db``, net ``2 R log2 M / (1 + OH)``).

Under a power limit the per-pair SNR falls only logarithmically in capacity while the pair
count grows linearly, so the total keeps rising with more pairs at lower power each (the SDM
argument); the per-amplifier overhead ``P_amp`` ends it: the optimum is where the marginal
pair costs more power than it returns (:func:`optimise_cable`).
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import torch
from pydantic import BaseModel, ConfigDict, ValidationError, field_validator

from softran.optical.gn_model import MODULATION_FORMATS, required_snr_db
from softran.optical.link import Link, validate_link
from softran.optical.metrics import FEC_OVERHEADS, FEC_THRESHOLDS
from softran.optical.planner import LineNoise, line_noise
from softran.tomlfile import format_loc, read_toml, split_message

__all__ = [
    "CableError",
    "CableResult",
    "CableSpec",
    "LadderRung",
    "PairsPoint",
    "best_launch_power",
    "cable_from_dict",
    "capacity_at",
    "load_cable",
    "modulation_ladder",
    "optimise_cable",
    "plot_capacity_vs_pairs",
    "sweep_rows",
]


class CableError(ValueError):
    """A malformed cable file: one line ``<source>: <dotted.key>: <message>``."""


# ----------------------------------------------------------------------------- the file
class _Section(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


def _pos(v: Any) -> float:
    if isinstance(v, bool) or not isinstance(v, int | float) or not math.isfinite(v):
        raise ValueError(f"must be a finite number, got {v!r}")
    if not v > 0:
        raise ValueError(f"must be > 0, got {v}")
    return float(v)


def _nonneg(v: Any) -> float:
    if isinstance(v, bool) or not isinstance(v, int | float) or not math.isfinite(v):
        raise ValueError(f"must be a finite number, got {v!r}")
    if v < 0:
        raise ValueError(f"must be >= 0, got {v}")
    return float(v)


class _CableSection(_Section):
    name: str
    description: str = ""
    length_km: float
    repeater_spacing_km: float
    fibre: str = "ULL-150"
    loss_db_per_km: float | None = None

    @field_validator("length_km", "repeater_spacing_km", mode="before")
    @classmethod
    def positive(cls, v: Any) -> Any:
        return _pos(v)

    @field_validator("loss_db_per_km", mode="before")
    @classmethod
    def optional_positive(cls, v: Any) -> Any:
        return None if v is None else _pos(v)


class _FeedSection(_Section):
    feed_voltage_kv: float
    current_a: float
    cable_resistance_ohm_per_km: float

    @field_validator("feed_voltage_kv", "current_a", mode="before")
    @classmethod
    def positive(cls, v: Any) -> Any:
        return _pos(v)

    @field_validator("cable_resistance_ohm_per_km", mode="before")
    @classmethod
    def non_negative(cls, v: Any) -> Any:
        return _nonneg(v)


class _RepeaterSection(_Section):
    fixed_electrical_w: float = 0.0
    per_amplifier_electrical_w: float = 0.0
    electrical_to_optical: float
    noise_figure_db: float = 4.5

    @field_validator("fixed_electrical_w", "per_amplifier_electrical_w", "noise_figure_db",
                     mode="before")
    @classmethod
    def non_negative(cls, v: Any) -> Any:
        return _nonneg(v)

    @field_validator("electrical_to_optical", mode="before")
    @classmethod
    def efficiency(cls, v: Any) -> float:
        v = _pos(v)
        if v > 1:
            raise ValueError(f"must be in (0, 1], got {v}")
        return v


class _TransceiverSection(_Section):
    symbol_rate_gbd: float = 32.0
    channel_spacing_ghz: float = 37.5
    band_ghz: float = 4500.0
    centre_frequency_thz: float = 193.7
    roll_off: float = 0.05
    back_to_back_snr_db: float | None = None
    margin_db: float = 1.0

    @field_validator("symbol_rate_gbd", "channel_spacing_ghz", "band_ghz",
                     "centre_frequency_thz", mode="before")
    @classmethod
    def positive(cls, v: Any) -> Any:
        return _pos(v)

    @field_validator("roll_off", "margin_db", mode="before")
    @classmethod
    def non_negative(cls, v: Any) -> Any:
        return _nonneg(v)


class _SearchSection(_Section):
    max_pairs: int = 64

    @field_validator("max_pairs", mode="before")
    @classmethod
    def pair_limit(cls, v: Any) -> int:
        if isinstance(v, bool) or not isinstance(v, int) or not 1 <= v <= 1000:
            raise ValueError(f"must be an integer in 1..1000, got {v!r}")
        return v


class _CableFile(_Section):
    cable: _CableSection
    power_feed: _FeedSection
    repeater: _RepeaterSection
    transceiver: _TransceiverSection = _TransceiverSection()
    search: _SearchSection = _SearchSection()


@dataclass(frozen=True)
class CableSpec:
    """A cable (module docstring): ``name``; ``link`` (one fibre of one pair: spans,
    amplifiers, channels; :class:`~softran.optical.link.Link`); ``n_repeaters``; the power
    feed ``feed_voltage`` [V], ``current`` [A], ``cable_resistance`` [ohm/m], ``length``
    [m]; the repeater ``fixed_w``, ``per_amplifier_w`` [W] and ``eta``; ``margin_db`` of
    the ladder; ``max_pairs`` searched."""

    name: str
    link: Link
    n_repeaters: int
    feed_voltage: float
    current: float
    cable_resistance: float
    length: float
    fixed_w: float
    per_amplifier_w: float
    eta: float
    margin_db: float = 1.0
    max_pairs: int = 64
    source: str = "cable"

    @property
    def ohmic_loss_w(self) -> float:
        """``I^2 r L`` [W] dissipated in the conductor."""
        return self.current ** 2 * self.cable_resistance * self.length

    @property
    def power_budget_w(self) -> float:
        """``V I`` [W] the feed delivers."""
        return self.feed_voltage * self.current

    @property
    def repeater_power_w(self) -> float:
        """Electrical power per repeater ``(V I - I^2 r L) / N_rep`` [W]."""
        return (self.power_budget_w - self.ohmic_loss_w) / self.n_repeaters

    def optical_power_per_amplifier(self, pairs: int) -> float:
        """Signal output power per amplifier [W] with ``pairs`` fibre pairs (0 when the
        overheads take it all)."""
        pumps = self.repeater_power_w - self.fixed_w - 2 * pairs * self.per_amplifier_w
        return max(self.eta * pumps / (2 * pairs), 0.0)


def cable_from_dict(data: dict[str, Any], *, source: str = "cable") -> CableSpec:
    """Validate a parsed cable file (sections ``[cable]``, ``[power_feed]``,
    ``[repeater]``, optional ``[transceiver]``, ``[search]``; see
    ``scenarios/optical/submarine_*.toml``).

    >>> c = cable_from_dict({"cable": {"name": "x", "length_km": 1200,
    ...     "repeater_spacing_km": 60}, "power_feed": {"feed_voltage_kv": 3,
    ...     "current_a": 1, "cable_resistance_ohm_per_km": 1.0},
    ...     "repeater": {"electrical_to_optical": 0.1}})
    >>> c.n_repeaters, c.repeater_power_w                 # (3000 - 1200) W / 19
    (19, 94.73684210526316)
    >>> cable_from_dict({"cable": {"name": "x"}})
    Traceback (most recent call last):
    softran.optical.submarine.CableError: cable: cable.length_km: missing key (required); cable.repeater_spacing_km: missing key (required); power_feed: missing section (required); repeater: missing section (required)
    """
    if not isinstance(data, dict):
        raise TypeError(f"data must be a dict, got {type(data).__name__}")
    try:
        doc = _CableFile.model_validate(data)
    except ValidationError as err:
        msgs = []
        for e in err.errors():
            loc, msg = split_message(tuple(e["loc"]), e["msg"])
            if e["type"] == "missing":
                msg = "missing section (required)" if len(loc) == 1 else "missing key (required)"
            elif e["type"] == "extra_forbidden":
                msg = "unknown key"
            line = f"{format_loc(loc)}: {msg}"
            if line not in msgs:
                msgs.append(line)
        raise CableError(f"{source}: " + "; ".join(msgs)) from None
    c, t = doc.cable, doc.transceiver
    n_spans = math.ceil(c.length_km / c.repeater_spacing_km - 1e-9)
    if n_spans < 2:
        raise CableError(f"{source}: cable.repeater_spacing_km: {c.repeater_spacing_km} km "
                         f"leaves no repeater on {c.length_km} km")
    span_km = c.length_km / n_spans
    span: dict[str, Any] = {"fibre": c.fibre, "length_km": span_km, "count": n_spans}
    if c.loss_db_per_km is not None:
        span["loss_db_per_km"] = c.loss_db_per_km
    transceiver: dict[str, Any] = {
        "symbol_rate_gbd": t.symbol_rate_gbd, "channel_spacing_ghz": t.channel_spacing_ghz,
        "band_ghz": t.band_ghz, "centre_frequency_thz": t.centre_frequency_thz,
        "roll_off": t.roll_off, "launch_power_dbm": 0.0}
    if t.back_to_back_snr_db is not None:
        transceiver["back_to_back_snr_db"] = t.back_to_back_snr_db
    try:
        link = validate_link({"link": {"name": c.name, "description": c.description},
                              "transceiver": transceiver, "spans": [span],
                              "amplifier_per_span": {"noise_figure_db":
                                                     doc.repeater.noise_figure_db}},
                             source=source)
    except ValueError as err:
        raise CableError(str(err)) from None
    f = doc.power_feed
    spec = CableSpec(name=c.name, link=link, n_repeaters=n_spans - 1,
                     feed_voltage=f.feed_voltage_kv * 1e3, current=f.current_a,
                     cable_resistance=f.cable_resistance_ohm_per_km / 1e3,
                     length=c.length_km * 1e3, fixed_w=doc.repeater.fixed_electrical_w,
                     per_amplifier_w=doc.repeater.per_amplifier_electrical_w,
                     eta=doc.repeater.electrical_to_optical, margin_db=t.margin_db,
                     max_pairs=doc.search.max_pairs, source=source)
    if spec.repeater_power_w <= spec.fixed_w:
        raise CableError(f"{source}: power_feed: {spec.power_budget_w:.0f} W fed, "
                         f"{spec.ohmic_loss_w:.0f} W lost in the conductor: "
                         f"{spec.repeater_power_w:.1f} W per repeater does not cover "
                         f"repeater.fixed_electrical_w = {spec.fixed_w} W")
    return spec


def load_cable(path: str | Path) -> CableSpec:
    """Read and validate a cable TOML file (:func:`cable_from_dict`).

    >>> load_cable('[cable]\\nname = "x"\\nlength_km = 1000\\nrepeater_spacing_km = 50\\n'
    ...            '[power_feed]\\nfeed_voltage_kv = 3\\ncurrent_a = 1\\n'
    ...            'cable_resistance_ohm_per_km = 1\\n[repeater]\\n'
    ...            'electrical_to_optical = 0.1').n_repeaters
    19
    """
    name, _, data = read_toml(path, "cable", CableError)
    return cable_from_dict(data, source=name)


# ------------------------------------------------------------------------------ physics
@dataclass(frozen=True)
class LadderRung:
    """A modulation/FEC pair: ``name``, ``required_snr_db`` (at the FEC's pre-FEC BER
    threshold), ``net_bits`` per dual-polarisation symbol."""

    name: str
    required_snr_db: float
    net_bits: float


def modulation_ladder() -> tuple[LadderRung, ...]:
    """Every square QAM of :data:`~softran.optical.gn_model.MODULATION_FORMATS` with every
    FEC of :data:`~softran.optical.metrics.FEC_THRESHOLDS` (required SNR of
    :func:`~softran.optical.gn_model.required_snr_db` at its threshold, net ``2 log2 M /
    (1 + overhead)`` bits per symbol), densest last.

    >>> lad = modulation_ladder()
    >>> lad[0].name, round(lad[0].net_bits, 3)
    ('QPSK SD-FEC-20%', 3.333)
    """
    rungs = []
    for fec, ber in FEC_THRESHOLDS.items():
        for mod, bits in MODULATION_FORMATS.items():
            rungs.append(LadderRung(f"{mod} {fec}", required_snr_db(mod, ber),
                                    2 * bits / (1 + FEC_OVERHEADS[fec])))
    return tuple(sorted(rungs, key=lambda r: (r.net_bits, -r.required_snr_db)))


def _ladder_rate(gsnr_db: torch.Tensor, rs: float, margin: float,
                 ladder: tuple[LadderRung, ...]) -> tuple[torch.Tensor, list[str]]:
    rate = torch.zeros_like(gsnr_db)
    names = ["none"] * gsnr_db.numel()
    for rung in ladder:                                     # densest wins
        ok = gsnr_db >= rung.required_snr_db + margin
        better = ok & (rung.net_bits * rs > rate)
        rate = torch.where(better, torch.full_like(rate, rung.net_bits * rs), rate)
        for i in torch.nonzero(better).flatten().tolist():
            names[i] = rung.name
    return rate, names


@dataclass(frozen=True)
class PairsPoint:
    """The cable with ``pairs`` fibre pairs: ``optical_per_amplifier`` [W] available,
    ``launch_per_channel`` [W] used, per channel ``gsnr_db``, capacity per direction
    ``shannon_bps`` and ``ladder_bps``, the ladder ``formats`` per channel."""

    pairs: int
    optical_per_amplifier: float
    launch_per_channel: float
    gsnr_db: torch.Tensor
    shannon_bps: float
    ladder_bps: float
    formats: tuple[str, ...]
    power_limited: bool


def _gsnr(p: float, a: torch.Tensor, b: torch.Tensor, snr_trx: float) -> torch.Tensor:
    return 1.0 / (a / p + b * p ** 2 + 1.0 / snr_trx)


def best_launch_power(spec: CableSpec, available: float, noise: LineNoise | None = None
                      ) -> float:
    """Launch power per channel [W] at most ``available`` that maximises the pair's Shannon
    capacity: the nonlinear optimum of the Shannon sum (golden-section search in dB) when it
    is below ``available``, else ``available`` (the ladder, a staircase of the same GSNR,
    uses the same power). ``noise``: :func:`~softran.optical.planner.line_noise` of the
    cable's link, if already computed.

    >>> c = cable_from_dict({"cable": {"name": "x", "length_km": 1200,
    ...     "repeater_spacing_km": 60}, "power_feed": {"feed_voltage_kv": 3,
    ...     "current_a": 1, "cable_resistance_ohm_per_km": 1.0},
    ...     "repeater": {"electrical_to_optical": 0.1}})
    >>> best_launch_power(c, 1e-6) == 1e-6          # 1 uW per channel: the power is the limit
    True
    >>> 1e-4 < best_launch_power(c, 1.0) < 1e-2     # 1 W: the nonlinear optimum
    True
    """
    n = line_noise(spec.link) if noise is None else noise
    rs = spec.link.symbol_rate

    def cap(p_dbm: float) -> float:
        g = _gsnr(1e-3 * 10 ** (p_dbm / 10), n.ase, n.nli, n.snr_trx)
        return float((2 * rs * torch.log2(1 + g)).sum())

    hi = 10 * math.log10(available * 1e3)
    lo = hi - 40.0
    phi = (math.sqrt(5) - 1) / 2
    a, b = lo, hi + 20.0
    for _ in range(60):
        c, d = b - phi * (b - a), a + phi * (b - a)
        if cap(c) >= cap(d):
            b = d
        else:
            a = c
    p_opt = 1e-3 * 10 ** (((a + b) / 2) / 10)
    return min(p_opt, available)


def capacity_at(spec: CableSpec, pairs: int, noise: LineNoise | None = None) -> PairsPoint:
    """The cable with ``pairs`` fibre pairs (module docstring); ``noise`` as in
    :func:`best_launch_power`.

    >>> c = cable_from_dict({"cable": {"name": "x", "length_km": 1200,
    ...     "repeater_spacing_km": 60}, "power_feed": {"feed_voltage_kv": 3,
    ...     "current_a": 1, "cable_resistance_ohm_per_km": 1.0},
    ...     "repeater": {"electrical_to_optical": 0.1}})
    >>> one, two = capacity_at(c, 1), capacity_at(c, 2)
    >>> two.optical_per_amplifier == one.optical_per_amplifier / 2
    True
    """
    if isinstance(pairs, bool) or not isinstance(pairs, int) or pairs < 1:
        raise ValueError(f"pairs = {pairs!r} is not allowed; it must be an integer >= 1")
    n = line_noise(spec.link) if noise is None else noise
    n_ch = spec.link.n_channels
    rs = spec.link.symbol_rate
    avail = spec.optical_power_per_amplifier(pairs)
    if avail <= 0:
        zero = torch.full((n_ch,), -math.inf, dtype=torch.float64)
        return PairsPoint(pairs, 0.0, 0.0, zero, 0.0, 0.0, ("none",) * n_ch, True)
    p_avail = avail / n_ch
    p = best_launch_power(spec, p_avail, n)
    g = _gsnr(p, n.ase, n.nli, n.snr_trx)
    g_db = 10 * torch.log10(g)
    shannon = float((2 * rs * torch.log2(1 + g)).sum()) * pairs
    lad, names = _ladder_rate(g_db, rs, spec.margin_db, modulation_ladder())
    return PairsPoint(pairs=pairs, optical_per_amplifier=avail, launch_per_channel=p,
                      gsnr_db=g_db, shannon_bps=shannon, ladder_bps=float(lad.sum()) * pairs,
                      formats=tuple(names), power_limited=p >= p_avail * (1 - 1e-9))


@dataclass
class CableResult:
    """Result of :func:`optimise_cable`: the ``spec``, every ``points`` (1..max pairs while
    power remains) and the optima ``best_shannon`` / ``best_ladder``."""

    spec: CableSpec
    points: list[PairsPoint]
    best_shannon: PairsPoint
    best_ladder: PairsPoint
    notes: list[str] = field(default_factory=list)

    def summary(self) -> dict[str, Any]:
        """Headline numbers (the optimum under Shannon and under the ladder)."""
        s, lad, c = self.best_shannon, self.best_ladder, self.spec
        return {
            "cable": c.name, "length_km": c.length / 1e3, "repeaters": c.n_repeaters,
            "span_km": c.link.spans[0].length_km, "span_loss_db": c.link.spans[0].loss_db,
            "feed_power_kw": c.power_budget_w / 1e3,
            "conductor_loss_kw": c.ohmic_loss_w / 1e3,
            "power_per_repeater_w": c.repeater_power_w,
            "channels_per_fibre": c.link.n_channels,
            "shannon_optimum_pairs": s.pairs,
            "shannon_optimum_capacity_tbps": s.shannon_bps / 1e12,
            "shannon_optimum_launch_dbm_per_channel": 10 * math.log10(s.launch_per_channel * 1e3),
            "shannon_optimum_gsnr_db": float(s.gsnr_db.min()),
            "ladder_optimum_pairs": lad.pairs,
            "ladder_optimum_capacity_tbps": lad.ladder_bps / 1e12,
            "ladder_optimum_format": max(set(lad.formats), key=lad.formats.count),
            "ladder_optimum_gsnr_db": float(lad.gsnr_db.min()),
            "one_pair_shannon_tbps": self.points[0].shannon_bps / 1e12,
        }

    def to_json(self) -> dict[str, Any]:
        """Summary and the sweep as JSON-ready data."""
        return {"summary": self.summary(), "pairs": sweep_rows(self), "notes": self.notes}


def optimise_cable(spec: CableSpec) -> CableResult:
    """Sweep the number of fibre pairs from 1 to ``spec.max_pairs`` (or until the overheads
    take all the power) and return the capacity of each and the optima (Shannon, ladder).

    >>> c = cable_from_dict({"cable": {"name": "x", "length_km": 3000,
    ...     "repeater_spacing_km": 60}, "power_feed": {"feed_voltage_kv": 6,
    ...     "current_a": 1, "cable_resistance_ohm_per_km": 0.8},
    ...     "repeater": {"electrical_to_optical": 0.1, "per_amplifier_electrical_w": 1.0},
    ...     "search": {"max_pairs": 40}})
    >>> r = optimise_cable(c)
    >>> 1 < r.best_shannon.pairs < 40, r.best_shannon.shannon_bps > r.points[0].shannon_bps
    (True, True)
    """
    points = []
    notes = []
    noise = line_noise(spec.link)
    for pairs in range(1, spec.max_pairs + 1):
        pt = capacity_at(spec, pairs, noise)
        if pt.optical_per_amplifier <= 0:
            notes.append(f"from {pairs} pairs the per-amplifier overhead takes all the power")
            break
        points.append(pt)
    if not points:
        raise ValueError(f"{spec.source}: no optical power is left even for one fibre pair")
    best_s = max(points, key=lambda p: p.shannon_bps)
    best_l = max(points, key=lambda p: (p.ladder_bps, -p.pairs))
    if best_s.pairs == points[-1].pairs and len(points) == spec.max_pairs:
        notes.append(f"the Shannon optimum is at the search limit max_pairs = "
                     f"{spec.max_pairs}; raise [search] max_pairs")
    return CableResult(spec=spec, points=points, best_shannon=best_s, best_ladder=best_l,
                       notes=notes)


def sweep_rows(result: CableResult) -> list[dict[str, Any]]:
    """One row per number of pairs: ``pairs``, ``available_mw_per_amplifier`` and
    ``used_mw_per_amplifier`` (signal output power), ``launch_dbm_per_channel``, ``gsnr_db``
    (worst channel), ``shannon_tbps``, ``ladder_tbps``, ``ladder_format`` (most channels),
    ``power_limited``.

    >>> c = cable_from_dict({"cable": {"name": "x", "length_km": 1200,
    ...     "repeater_spacing_km": 60}, "power_feed": {"feed_voltage_kv": 3,
    ...     "current_a": 1, "cable_resistance_ohm_per_km": 1.0},
    ...     "repeater": {"electrical_to_optical": 0.1}, "search": {"max_pairs": 3}})
    >>> [r["pairs"] for r in sweep_rows(optimise_cable(c))]
    [1, 2, 3]
    """
    rows = []
    n_ch = result.spec.link.n_channels
    for p in result.points:
        rows.append({"pairs": p.pairs, "available_mw_per_amplifier": p.optical_per_amplifier * 1e3,
                     "used_mw_per_amplifier": p.launch_per_channel * n_ch * 1e3,
                     "launch_dbm_per_channel": 10 * math.log10(p.launch_per_channel * 1e3),
                     "gsnr_db": float(p.gsnr_db.min()), "shannon_tbps": p.shannon_bps / 1e12,
                     "ladder_tbps": p.ladder_bps / 1e12,
                     "ladder_format": max(set(p.formats), key=p.formats.count),
                     "power_limited": p.power_limited})
    return rows


def plot_capacity_vs_pairs(result: CableResult, path: str | Path) -> Path:
    """Save capacity (Shannon and ladder) and worst-channel GSNR versus the number of fibre
    pairs, with both optima marked (.png/.svg).

    >>> import tempfile, pathlib
    >>> c = cable_from_dict({"cable": {"name": "x", "length_km": 1200,
    ...     "repeater_spacing_km": 60}, "power_feed": {"feed_voltage_kv": 3,
    ...     "current_a": 1, "cable_resistance_ohm_per_km": 1.0},
    ...     "repeater": {"electrical_to_optical": 0.1}, "search": {"max_pairs": 3}})
    >>> with tempfile.TemporaryDirectory() as d:
    ...     plot_capacity_vs_pairs(optimise_cable(c), pathlib.Path(d) / "c.png").suffix
    '.png'
    """
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    out = Path(path)
    if out.suffix.lower() not in (".png", ".svg"):
        raise ValueError(f"path = {str(out)!r} is not allowed; the suffix must be .png or .svg")
    rows = sweep_rows(result)
    x = [r["pairs"] for r in rows]
    fig, ax = plt.subplots(figsize=(7.5, 4.6), constrained_layout=True)
    ax.plot(x, [r["shannon_tbps"] for r in rows], "-", lw=2, label="Shannon")
    ax.plot(x, [r["ladder_tbps"] for r in rows], "-", lw=1.5, drawstyle="steps-mid",
            label="modulation/FEC ladder")
    bs, bl = result.best_shannon, result.best_ladder
    ax.plot([bs.pairs], [bs.shannon_bps / 1e12], "o", color="C0")
    ax.plot([bl.pairs], [bl.ladder_bps / 1e12], "s", color="C1")
    ax.annotate(f"{bs.pairs} pairs, {bs.shannon_bps / 1e12:.0f} Tb/s",
                (bs.pairs, bs.shannon_bps / 1e12), textcoords="offset points", xytext=(6, 6),
                fontsize=8)
    ax.set_xlabel("fibre pairs")
    ax.set_ylabel("capacity per direction (Tb/s)")
    ax2 = ax.twinx()
    ax2.plot(x, [r["gsnr_db"] for r in rows], ":", color="0.4", lw=1, label="GSNR (worst)")
    ax2.set_ylabel("GSNR of the worst channel (dB)")
    s = result.spec
    ax.set_title(f"{s.name}: {s.power_budget_w / 1e3:g} kW fed, "
                 f"{s.repeater_power_w:.0f} W per repeater", fontsize=10)
    ax.grid(True, alpha=0.3)
    h1, l1 = ax.get_legend_handles_labels()
    h2, l2 = ax2.get_legend_handles_labels()
    ax.legend(h1 + h2, l1 + l2, fontsize=8, loc="lower right")
    out.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(out, dpi=110)
    plt.close(fig)
    return out
