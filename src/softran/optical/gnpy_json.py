"""Reader of GNPy's JSON files (GNPy 3.x, the files of ``gnpy/example-data``): the equipment
library (``eqpt_config.json``), the network topology (``elements`` and ``connections``)
and the simulation parameters (``sim_params.json``), into :class:`~softran.optical.
equipment.Equipment`, :class:`~softran.optical.network.OpticalNetwork` and
:class:`~softran.optical.network_propagation.PropagationOptions`.

What is read (GNPy's meaning, units as in GNPy: SI, dB, dBm; fibre ``loss_coef`` in dB/km,
``length`` in ``length_units``):

* equipment: ``Edfa`` (``type_def`` ``variable_gain`` (default), ``fixed_gain``,
  ``advanced_model``, ``openroadm``, ``openroadm_preamp``, ``openroadm_booster``,
  ``dual_stage``; ``advanced_config_from_json`` / ``default_config_from_json`` files are
  looked up next to the equipment file), ``Fiber``, ``Span``, ``Roadm`` (with
  ``roadm-path-impairments``), ``SI`` (one band), ``Transceiver`` (modes with their CD / PMD / PDL penalties), ``RamanFiber``
  (library entries only);
* topology: ``Transceiver``, ``Roadm`` (per-element targets, ``per_degree_pch_out_db``,
  restrictions, ``per_degree_impairments``), ``Fused``, ``Fiber`` (``loss_coef`` a number
  or ``{"value": [...], "frequency": [...]}``, ``att_in``, ``con_in``, ``con_out``,
  ``pmd_coef``, ``lumped_losses``), ``Edfa`` (``type_variety`` optional, ``operational``:
  ``gain_target``, ``delta_p``, ``tilt_target``, ``out_voa``, ``in_voa``);
* sim params: ``raman_params.flag`` (stimulated Raman scattering: softran's triangular
  approximation, :mod:`softran.optical.raman`), ``nli_params.method`` =
  ``"gn_model_analytic"``.

Anything else is refused with :class:`GnpyFormatError`, one line naming the file, the
element and the key: an unknown key or element type, a ``RamanFiber`` element (Raman pumps
are not modelled), a ``Multiband_amplifier`` or multi-band design, a numerical GGN NLI
method. Nothing is silently dropped.
"""

from __future__ import annotations

import json
import math
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from softran.optical.amplifier_models import AMPLIFIER_TYPE_DEFS, AmplifierType, default_dgt_profile
from softran.optical.equipment import (
    PENALTY_IMPAIRMENTS,
    Equipment,
    FibreSpec,
    RoadmImpairment,
    RoadmType,
    SpanRules,
    SpectrumDefaults,
    TransceiverMode,
    TransceiverType,
)
from softran.optical.fibre_model import FibreModel
from softran.optical.network import (
    AmplifierNode,
    FibreNode,
    FusedNode,
    OpticalNetwork,
    RoadmNode,
    TransceiverNode,
)
from softran.optical.network_propagation import PropagationOptions

__all__ = [
    "GnpyFormatError",
    "equipment_from_gnpy",
    "load_gnpy_equipment",
    "load_gnpy_sim_params",
    "load_gnpy_topology",
    "sim_params_from_gnpy",
    "topology_from_gnpy",
]


class GnpyFormatError(ValueError):
    """A GNPy file softran cannot honour: ``<file>: <where>: <message>`` (one line)."""


def _read(path: str | Path) -> tuple[str, Any, Path]:
    p = Path(path)
    try:
        text = p.read_text(encoding="utf-8")
    except OSError as err:
        raise GnpyFormatError(f"{p}: cannot read: {err.strerror or err}") from None
    try:
        return str(p), json.loads(text), p.parent
    except json.JSONDecodeError as err:
        raise GnpyFormatError(f"{p}: not JSON: {err.msg} at line {err.lineno}") from None


class _Ctx:
    def __init__(self, source: str) -> None:
        self.source = source

    def fail(self, where: str, message: str) -> GnpyFormatError:
        return GnpyFormatError(f"{self.source}: {where}: {message}")

    def keys(self, where: str, obj: Any, allowed: set[str]) -> dict[str, Any]:
        if not isinstance(obj, Mapping):
            raise self.fail(where, f"must be an object, got {type(obj).__name__}")
        extra = sorted(set(obj) - allowed)
        if extra:
            raise self.fail(f"{where}.{extra[0]}", "unknown or unsupported key; allowed: "
                            + ", ".join(sorted(allowed)))
        return dict(obj)

    def number(self, where: str, value: Any, *, low: float | None = None,
               positive: bool = False) -> float:
        if isinstance(value, bool) or not isinstance(value, int | float) \
                or not math.isfinite(value):
            raise self.fail(where, f"must be a finite number, got {value!r}")
        v = float(value)
        if positive and not v > 0:
            raise self.fail(where, f"must be > 0, got {v}")
        if low is not None and v < low:
            raise self.fail(where, f"must be >= {low}, got {v}")
        return v

    def opt(self, where: str, obj: Mapping[str, Any], key: str, default: Any = None,
            **kw: Any) -> Any:
        v = obj.get(key)
        if v is None or v == "":
            return default
        return self.number(f"{where}.{key}", v, **kw)

    def numbers(self, where: str, value: Any) -> tuple[float, ...]:
        if not isinstance(value, list | tuple) or not value:
            raise self.fail(where, f"must be a non-empty list of numbers, got {value!r}")
        return tuple(self.number(f"{where}[{i}]", v) for i, v in enumerate(value))


def _length(ctx: _Ctx, where: str, value: Any, units: Any) -> float:
    v = ctx.number(where, value, positive=True)
    if units in ("km", "kilometer"):
        return v * 1e3
    if units in ("m", "meter"):
        return v
    raise ctx.fail(f"{where}_units", f"must be 'km' or 'm', got {units!r}")


# ---------------------------------------------------------------------------- equipment
_EDFA_KEYS = {"type_variety", "type_def", "gain_flatmax", "gain_min", "p_max", "nf_min", "nf_max",
              "nf0", "nf_coef", "out_voa_auto", "allowed_for_design", "raman", "preamp_variety",
              "booster_variety", "advanced_config_from_json", "default_config_from_json", "pmd",
              "pdl", "f_min", "f_max", "other_name"}
_CONFIG_KEYS = {"nf_fit_coeff", "f_min", "f_max", "nf_ripple", "dgt", "gain_ripple"}


def _config(ctx: _Ctx, where: str, name: str, base: Path | None,
            configs: Mapping[str, Mapping[str, Any]] | None) -> dict[str, Any]:
    if configs is not None and name in configs:
        data = configs[name]
    else:
        path = (base / name) if base is not None else Path(name)
        if not path.is_file():
            raise ctx.fail(where, f"the amplifier configuration {name!r} is not found (looked "
                           f"for {path}); put it next to the equipment file")
        try:
            data = json.loads(path.read_text(encoding="utf-8"))
        except (OSError, json.JSONDecodeError) as err:
            raise ctx.fail(where, f"cannot read {path}: {err}") from None
    return ctx.keys(f"{where} ({name})", data, _CONFIG_KEYS)


def _amplifier(ctx: _Ctx, where: str, e: dict[str, Any], base: Path | None,
               configs: Mapping[str, Mapping[str, Any]] | None) -> dict[str, Any]:
    if isinstance(e, Mapping) and e.get("type_def") == "multi_band":
        raise ctx.fail(f"{where}.type_def", "multi_band amplifiers are not supported")
    e = ctx.keys(where, e, _EDFA_KEYS)
    name = e.get("type_variety")
    if not isinstance(name, str) or not name:
        raise ctx.fail(f"{where}.type_variety", "missing (every amplifier needs a name)")
    type_def = e.get("type_def", "variable_gain")
    if type_def == "multi_band":
        raise ctx.fail(f"{where}.type_def", "multi_band amplifiers are not supported")
    if type_def not in AMPLIFIER_TYPE_DEFS:
        raise ctx.fail(f"{where}.type_def", f"{type_def!r} is not allowed; allowed: "
                       + ", ".join(AMPLIFIER_TYPE_DEFS))
    cfg_name = e.get("advanced_config_from_json") or e.get("default_config_from_json")
    if type_def == "advanced_model" and not cfg_name:
        raise ctx.fail(f"{where}.advanced_config_from_json", "missing (advanced_model needs it)")
    cfg = dict(default_dgt_profile())
    if cfg_name:
        cfg.update(_config(ctx, where, cfg_name, base, configs))
    spec: dict[str, Any] = {"name": name, "type_def": type_def}
    if type_def != "dual_stage":
        for key in ("gain_flatmax", "gain_min", "p_max"):
            if key not in e:
                raise ctx.fail(f"{where}.{key}", "missing key (required)")
            spec[key] = ctx.number(f"{where}.{key}", e[key])
    else:
        spec["gain_min"] = ctx.number(f"{where}.gain_min", e.get("gain_min"))
        for key in ("preamp_variety", "booster_variety"):
            if not isinstance(e.get(key), str):
                raise ctx.fail(f"{where}.{key}", "missing (dual_stage needs it)")
        spec["preamp"], spec["booster"] = e["preamp_variety"], e["booster_variety"]
    for key in ("nf_min", "nf_max", "nf0"):
        if e.get(key) is not None:
            spec[key] = ctx.number(f"{where}.{key}", e[key])
    if e.get("nf_coef") is not None:
        spec["nf_coef"] = ctx.numbers(f"{where}.nf_coef", e["nf_coef"])
    if type_def == "advanced_model":
        spec["nf_fit_coeff"] = ctx.numbers(f"{where}.nf_fit_coeff", cfg.get("nf_fit_coeff"))
    for key in ("dgt", "gain_ripple", "nf_ripple"):
        spec[key] = ctx.numbers(f"{where}.{key}", list(cfg[key]))
    spec["f_min"] = ctx.number(f"{where}.f_min", e.get("f_min", cfg["f_min"]))
    spec["f_max"] = ctx.number(f"{where}.f_max", e.get("f_max", cfg["f_max"]))
    for key in ("pmd", "pdl"):
        spec[key] = ctx.opt(where, e, key, 0.0, low=0.0)
    for key in ("allowed_for_design", "raman", "out_voa_auto"):
        v = e.get(key, False)
        if not isinstance(v, bool):
            raise ctx.fail(f"{where}.{key}", f"must be true or false, got {v!r}")
        spec[key] = v
    aliases = e.get("other_name", [])
    if not isinstance(aliases, list) or not all(isinstance(a, str) for a in aliases):
        raise ctx.fail(f"{where}.other_name", "must be a list of names")
    spec["aliases"] = aliases
    return spec


def _build_amplifiers(ctx: _Ctx, specs: list[tuple[str, dict[str, Any]]]
                      ) -> dict[str, AmplifierType]:
    out: dict[str, AmplifierType] = {}
    pending = [(w, s) for w, s in specs]
    for where, s in pending:
        if s["type_def"] == "dual_stage":
            continue
        kw = {k: v for k, v in s.items() if k not in ("aliases",)}
        try:
            amp = AmplifierType(**kw)
        except ValueError as err:
            raise ctx.fail(where, str(err)) from None
        for n in [s["name"], *s["aliases"]]:
            out[n] = amp if n == s["name"] else AmplifierType(**{**kw, "name": n})
    for where, s in pending:
        if s["type_def"] != "dual_stage":
            continue
        pre, boost = out.get(s["preamp"]), out.get(s["booster"])
        for key, amp in (("preamp_variety", pre), ("booster_variety", boost)):
            if amp is None:
                raise ctx.fail(f"{where}.{key}", f"{s[key.split('_')[0]]!r} is not an "
                               "amplifier of the library")
        assert pre is not None and boost is not None
        if s["gain_min"] < pre.gain_min:
            raise ctx.fail(f"{where}.gain_min", f"{s['gain_min']} is below the preamplifier's "
                           f"gain_min {pre.gain_min}")
        kw = {k: v for k, v in s.items() if k not in ("aliases", "preamp", "booster")}
        kw.update(gain_flatmax=pre.gain_flatmax + boost.gain_flatmax, p_max=boost.p_max,
                  preamp=pre, booster=boost)
        try:
            out[s["name"]] = AmplifierType(**kw)
        except ValueError as err:
            raise ctx.fail(where, str(err)) from None
    return out


_FIBRE_LIB_KEYS = {"type_variety", "dispersion", "dispersion_slope", "effective_area", "gamma",
                   "pmd_coef", "dispersion_per_frequency", "ref_wavelength", "ref_frequency"}


def _fibre_spec(ctx: _Ctx, where: str, e: dict[str, Any]) -> FibreSpec:
    e = ctx.keys(where, e, _FIBRE_LIB_KEYS)
    name = e.get("type_variety", "default")
    disp: float | tuple[tuple[float, float], ...] = 16.7e-6
    if "dispersion_per_frequency" in e:
        t = ctx.keys(f"{where}.dispersion_per_frequency", e["dispersion_per_frequency"],
                     {"value", "frequency"})
        vals = ctx.numbers(f"{where}.dispersion_per_frequency.value", t.get("value"))
        freqs = ctx.numbers(f"{where}.dispersion_per_frequency.frequency", t.get("frequency"))
        if len(vals) != len(freqs):
            raise ctx.fail(f"{where}.dispersion_per_frequency", "value and frequency differ "
                           "in length")
        disp = tuple(zip(freqs, vals))
    elif e.get("dispersion") is not None:
        disp = ctx.number(f"{where}.dispersion", e["dispersion"])
    ref = None
    if e.get("ref_frequency") is not None:
        ref = ctx.number(f"{where}.ref_frequency", e["ref_frequency"], positive=True)
    elif e.get("ref_wavelength") is not None:
        ref = 299792458.0 / ctx.number(f"{where}.ref_wavelength", e["ref_wavelength"],
                                       positive=True)
    return FibreSpec(name=name, dispersion=disp,
                     dispersion_slope=ctx.opt(where, e, "dispersion_slope"),
                     effective_area=ctx.opt(where, e, "effective_area", positive=True),
                     gamma=ctx.opt(where, e, "gamma", positive=True),
                     pmd_coef=ctx.opt(where, e, "pmd_coef", 0.0, low=0.0), ref_frequency=ref)


_SPAN_KEYS = {"power_mode", "delta_power_range_db", "max_fiber_lineic_loss_for_raman",
              "target_extended_gain", "max_length", "length_units", "max_loss", "padding", "EOL",
              "con_in", "con_out", "span_loss_ref", "power_slope", "voa_margin", "voa_step",
              "type_variety"}


def _span(ctx: _Ctx, where: str, e: dict[str, Any]) -> SpanRules:
    e = ctx.keys(where, e, _SPAN_KEYS)
    pm = e.get("power_mode", True)
    if not isinstance(pm, bool):
        raise ctx.fail(f"{where}.power_mode", f"must be true or false, got {pm!r}")
    rng = e.get("delta_power_range_db")
    rng_t = None
    if rng is not None:
        vals = ctx.numbers(f"{where}.delta_power_range_db", rng)
        if len(vals) != 3:
            raise ctx.fail(f"{where}.delta_power_range_db", "must be [low, high, step]")
        rng_t = (vals[0], vals[1], vals[2])
    d = SpanRules()
    max_len = _length(ctx, f"{where}.max_length", e.get("max_length", 150),
                      e.get("length_units", "km"))
    return SpanRules(
        power_mode=pm, delta_power_range_db=rng_t,
        max_fiber_lineic_loss_for_raman=ctx.opt(where, e, "max_fiber_lineic_loss_for_raman",
                                                d.max_fiber_lineic_loss_for_raman),
        target_extended_gain=ctx.opt(where, e, "target_extended_gain", d.target_extended_gain),
        max_length=max_len, max_loss=ctx.opt(where, e, "max_loss"),
        padding=ctx.opt(where, e, "padding", d.padding), eol=ctx.opt(where, e, "EOL", d.eol),
        con_in=ctx.opt(where, e, "con_in", d.con_in, low=0.0),
        con_out=ctx.opt(where, e, "con_out", d.con_out, low=0.0),
        span_loss_ref=ctx.opt(where, e, "span_loss_ref", d.span_loss_ref),
        power_slope=ctx.opt(where, e, "power_slope", d.power_slope),
        voa_margin=ctx.opt(where, e, "voa_margin", d.voa_margin),
        voa_step=ctx.opt(where, e, "voa_step", d.voa_step))


_IMPAIRMENT_KEYS = {"roadm-pmd", "roadm-cd", "roadm-pdl", "roadm-inband-crosstalk",
                    "roadm-maxloss", "roadm-minloss", "roadm-typloss", "roadm-pmin",
                    "roadm-pmax", "roadm-ptyp", "roadm-osnr", "roadm-noise-figure",
                    "frequency-range"}
_PATH_TYPES = {"roadm-express-path": "express", "roadm-add-path": "add",
               "roadm-drop-path": "drop"}


def _impairments(ctx: _Ctx, where: str, value: Any) -> tuple[tuple[int, RoadmImpairment], ...]:
    if value in (None, []):
        return ()
    if not isinstance(value, list):
        raise ctx.fail(where, "must be a list")
    out = []
    for i, item in enumerate(value):
        w = f"{where}[{i}]"
        item = ctx.keys(w, item, {"roadm-path-impairments-id", *_PATH_TYPES})
        kinds = [k for k in item if k in _PATH_TYPES]
        if len(kinds) != 1:
            raise ctx.fail(w, "needs exactly one of " + ", ".join(_PATH_TYPES))
        ident = int(ctx.number(f"{w}.roadm-path-impairments-id",
                               item.get("roadm-path-impairments-id")))
        ranges = []
        for j, r in enumerate(item[kinds[0]]):
            rw = f"{w}.{kinds[0]}[{j}]"
            r = ctx.keys(rw, r, _IMPAIRMENT_KEYS)
            fr = ctx.keys(f"{rw}.frequency-range", r.get("frequency-range", {}),
                          {"lower-frequency", "upper-frequency"})
            lo = ctx.opt(f"{rw}.frequency-range", fr, "lower-frequency")
            hi = ctx.opt(f"{rw}.frequency-range", fr, "upper-frequency")
            for key in ("roadm-cd", "roadm-inband-crosstalk"):
                if r.get(key) not in (None, 0, 0.0):
                    raise ctx.fail(f"{rw}.{key}", "non-zero values are not modelled")
            vals = tuple((k, ctx.opt(rw, r, k)) for k in
                         ("roadm-maxloss", "roadm-osnr", "roadm-pmd", "roadm-pdl"))
            ranges.append((lo, hi, vals))
        out.append((ident, RoadmImpairment(_PATH_TYPES[kinds[0]], tuple(ranges))))
    return tuple(out)


_ROADM_KEYS = {"type_variety", "target_pch_out_db", "target_psd_out_mWperGHz",
               "target_out_mWperSlotWidth", "add_drop_osnr", "pmd", "pdl", "restrictions",
               "roadm-path-impairments", "design_bands"}


def _restriction_lists(ctx: _Ctx, where: str, value: Any) -> tuple[tuple[str, ...], ...]:
    r = ctx.keys(where, value or {}, {"preamp_variety_list", "booster_variety_list"})
    out = []
    for key in ("booster_variety_list", "preamp_variety_list"):
        v = r.get(key, [])
        if not isinstance(v, list) or not all(isinstance(x, str) for x in v):
            raise ctx.fail(f"{where}.{key}", "must be a list of amplifier names")
        out.append(tuple(v))
    return tuple(out)


def _roadm_type(ctx: _Ctx, where: str, e: dict[str, Any]) -> RoadmType:
    e = ctx.keys(where, e, _ROADM_KEYS)
    bands = e.get("design_bands")
    if bands and len(bands) > 1:
        raise ctx.fail(f"{where}.design_bands", "multi-band designs are not supported")
    booster, preamp = _restriction_lists(ctx, f"{where}.restrictions", e.get("restrictions"))
    try:
        return RoadmType(
            name=e.get("type_variety", "default"),
            target_pch_out_db=ctx.opt(where, e, "target_pch_out_db"),
            target_psd_out_mw_per_ghz=ctx.opt(where, e, "target_psd_out_mWperGHz",
                                              positive=True),
            target_out_mw_per_slot_width=ctx.opt(where, e, "target_out_mWperSlotWidth",
                                                 positive=True),
            add_drop_osnr=ctx.opt(where, e, "add_drop_osnr", 100.0),
            pmd=ctx.opt(where, e, "pmd", 0.0, low=0.0), pdl=ctx.opt(where, e, "pdl", 0.0, low=0.0),
            booster_variety_list=booster, preamp_variety_list=preamp,
            impairments=_impairments(ctx, f"{where}.roadm-path-impairments",
                                     e.get("roadm-path-impairments")))
    except ValueError as err:
        raise ctx.fail(where, str(err)) from None


_SI_KEYS = {"f_min", "f_max", "baud_rate", "spacing", "power_dbm", "power_range_db", "roll_off",
            "tx_osnr", "sys_margins", "tx_power_dbm", "use_si_channel_count_for_design",
            "type_variety"}


def _si(ctx: _Ctx, where: str, e: dict[str, Any]) -> SpectrumDefaults:
    e = ctx.keys(where, e, _SI_KEYS)
    d = SpectrumDefaults()
    rng = e.get("power_range_db")
    rng_t = d.power_range_db if rng is None else ctx.numbers(f"{where}.power_range_db", rng)
    if len(rng_t) != 3:
        raise ctx.fail(f"{where}.power_range_db", "must be [low, high, step]")
    use = e.get("use_si_channel_count_for_design", False)
    if not isinstance(use, bool):
        raise ctx.fail(f"{where}.use_si_channel_count_for_design", "must be true or false")
    try:
        return SpectrumDefaults(
            f_min=ctx.opt(where, e, "f_min", d.f_min, positive=True),
            f_max=ctx.opt(where, e, "f_max", d.f_max, positive=True),
            baud_rate=ctx.opt(where, e, "baud_rate", d.baud_rate, positive=True),
            spacing=ctx.opt(where, e, "spacing", d.spacing, positive=True),
            power_dbm=ctx.opt(where, e, "power_dbm", d.power_dbm),
            power_range_db=(rng_t[0], rng_t[1], rng_t[2]),
            roll_off=ctx.opt(where, e, "roll_off", d.roll_off, low=0.0),
            tx_osnr=ctx.opt(where, e, "tx_osnr", d.tx_osnr),
            sys_margins=ctx.opt(where, e, "sys_margins", d.sys_margins),
            tx_power_dbm=ctx.opt(where, e, "tx_power_dbm"),
            use_si_channel_count_for_design=use)
    except ValueError as err:
        raise ctx.fail(where, str(err)) from None


_MODE_KEYS = {"format", "baud_rate", "OSNR", "bit_rate", "roll_off", "tx_osnr", "min_spacing",
              "cost", "other_name", "equalization_offset_db", "penalties"}


def _penalties(ctx: _Ctx, where: str, value: Any
               ) -> tuple[tuple[str, tuple[tuple[float, float], ...]], ...]:
    if not value:
        return ()
    if not isinstance(value, list):
        raise ctx.fail(where, "must be a list of {impairment: value, penalty_value: dB}")
    rows: dict[str, list[tuple[float, float]]] = {}
    for i, item in enumerate(value):
        item = ctx.keys(f"{where}[{i}]", item, {*PENALTY_IMPAIRMENTS, "penalty_value"})
        kinds = [k for k in item if k in PENALTY_IMPAIRMENTS]
        if len(kinds) != 1:
            raise ctx.fail(f"{where}[{i}]", "needs exactly one of "
                           + ", ".join(PENALTY_IMPAIRMENTS))
        rows.setdefault(kinds[0], []).append(
            (ctx.number(f"{where}[{i}].{kinds[0]}", item[kinds[0]]),
             ctx.number(f"{where}[{i}].penalty_value", item.get("penalty_value"))))
    out = []
    for key, r in rows.items():
        r.sort()
        if all(x > 0 for x, _ in r):
            r.insert(0, (0.0, 0.0))
        out.append((key, tuple(r)))
    return tuple(out)


def _transceiver(ctx: _Ctx, where: str, e: dict[str, Any]) -> TransceiverType:
    e = ctx.keys(where, e, {"type_variety", "frequency", "mode"})
    fr = ctx.keys(f"{where}.frequency", e.get("frequency") or {}, {"min", "max"})
    modes = []
    for i, m in enumerate(e.get("mode") or []):
        w = f"{where}.mode[{i}]"
        m = ctx.keys(w, m, _MODE_KEYS)
        penalties = _penalties(ctx, f"{w}.penalties", m.get("penalties"))
        if ctx.opt(w, m, "equalization_offset_db", 0.0) != 0.0:
            raise ctx.fail(f"{w}.equalization_offset_db", "non-zero offsets are not modelled")
        names = [m.get("format", f"mode {i}"), *m.get("other_name", [])]
        for name in names:
            modes.append(TransceiverMode(
                format=str(name), baud_rate=ctx.opt(w, m, "baud_rate", positive=True),
                osnr=ctx.opt(w, m, "OSNR"), bit_rate=ctx.opt(w, m, "bit_rate"),
                roll_off=ctx.opt(w, m, "roll_off", 0.15), tx_osnr=ctx.opt(w, m, "tx_osnr", 45.0),
                min_spacing=ctx.opt(w, m, "min_spacing"), cost=ctx.opt(w, m, "cost", 1.0),
                penalties=penalties))
    return TransceiverType(name=str(e.get("type_variety", "default")),
                           f_min=ctx.opt(where, fr, "min"), f_max=ctx.opt(where, fr, "max"),
                           modes=tuple(modes))


def equipment_from_gnpy(data: Any, *, source: str = "equipment", base_dir: Path | None = None,
                        configs: Mapping[str, Mapping[str, Any]] | None = None) -> Equipment:
    """The :class:`~softran.optical.equipment.Equipment` of a parsed GNPy equipment file
    (module docstring). ``base_dir``: where ``*_config_from_json`` files are; ``configs``:
    those files already parsed, by name.

    >>> eq = equipment_from_gnpy({"Edfa": [{"type_variety": "a", "gain_flatmax": 26,
    ...     "gain_min": 15, "p_max": 23, "nf_min": 6, "nf_max": 10}],
    ...     "SI": [{"f_min": 191.35e12, "f_max": 195.1e12}],
    ...     "Roadm": [{"target_pch_out_db": -20}]})
    >>> eq.amplifier("a").type_def, eq.si.n_channels, eq.roadm("default").target_pch_out_db
    ('variable_gain', 76, -20.0)
    >>> equipment_from_gnpy({"Edfa": [{"type_variety": "a", "type_def": "multi_band"}]})
    Traceback (most recent call last):
    softran.optical.gnpy_json.GnpyFormatError: equipment: Edfa[0].type_def: multi_band amplifiers are not supported
    """
    ctx = _Ctx(source)
    doc = ctx.keys("(top)", data, {"Edfa", "Fiber", "RamanFiber", "Span", "Roadm", "SI",
                                   "Transceiver", "library-information"})
    amp_specs = [(f"Edfa[{i}]", _amplifier(ctx, f"Edfa[{i}]", e, base_dir, configs))
                 for i, e in enumerate(doc.get("Edfa", []))]
    amps = _build_amplifiers(ctx, amp_specs)
    fibres = {}
    for i, e in enumerate(doc.get("Fiber", [])):
        spec = _fibre_spec(ctx, f"Fiber[{i}]", e)
        fibres[spec.name] = spec
    for i, e in enumerate(doc.get("RamanFiber", [])):
        _fibre_spec(ctx, f"RamanFiber[{i}]", e)         # validated; used by no element
    spans = doc.get("Span", [{}])
    if len(spans) != 1:
        raise ctx.fail("Span", f"one entry expected, got {len(spans)}")
    roadms = {}
    for i, e in enumerate(doc.get("Roadm", [])):
        rt = _roadm_type(ctx, f"Roadm[{i}]", e)
        roadms[rt.name] = rt
    if not roadms:
        roadms["default"] = RoadmType()
    sis = doc.get("SI", [{}])
    if len(sis) != 1:
        raise ctx.fail("SI", f"{len(sis)} entries: multi-band spectra are not supported")
    trx = {}
    for i, e in enumerate(doc.get("Transceiver", [])):
        t = _transceiver(ctx, f"Transceiver[{i}]", e)
        trx[t.name] = t
    eq = Equipment(amplifiers=amps, fibres=fibres, span=_span(ctx, "Span[0]", spans[0]),
                   roadms=roadms, si=_si(ctx, "SI[0]", sis[0]), transceivers=trx,
                   source=source)
    for name, rt in eq.roadms.items():
        for amp in rt.booster_variety_list + rt.preamp_variety_list:
            if amp not in amps:
                raise ctx.fail(f"Roadm {name!r}.restrictions", f"{amp!r} is not an amplifier "
                               "of the library")
    return eq


def load_gnpy_equipment(path: str | Path) -> Equipment:
    """Read a GNPy equipment file (``eqpt_config.json``); amplifier configuration files it
    names are read from the same folder.

    >>> import json, tempfile, pathlib
    >>> with tempfile.TemporaryDirectory() as d:
    ...     p = pathlib.Path(d) / "eqpt.json"
    ...     _ = p.write_text(json.dumps({"Edfa": [{"type_variety": "f", "type_def":
    ...         "fixed_gain", "gain_flatmax": 21, "gain_min": 20, "p_max": 21, "nf0": 5.5}]}))
    ...     load_gnpy_equipment(p).amplifier("f").nf0
    5.5
    """
    source, data, base = _read(path)
    return equipment_from_gnpy(data, source=source, base_dir=base)


# ----------------------------------------------------------------------------- topology
_ELEMENT_KEYS = {"uid", "type", "type_variety", "params", "operational", "metadata"}
_FIBRE_KEYS = {"length", "length_units", "loss_coef", "att_in", "con_in", "con_out", "pmd_coef",
               "lumped_losses", "dispersion", "dispersion_slope", "effective_area", "gamma",
               "ref_wavelength", "ref_frequency", "type_variety"}
_EDFA_OP_KEYS = {"gain_target", "delta_p", "tilt_target", "out_voa", "in_voa"}
_ROADM_EL_KEYS = {"target_pch_out_db", "target_psd_out_mWperGHz", "target_out_mWperSlotWidth",
                  "per_degree_pch_out_db", "restrictions", "per_degree_impairments",
                  "design_bands", "per_degree_design_bands"}


def _location(e: Mapping[str, Any]) -> tuple[float, float]:
    loc = (e.get("metadata") or {}).get("location") or {}
    try:
        return float(loc.get("latitude", 0.0)), float(loc.get("longitude", 0.0))
    except (TypeError, ValueError):
        return 0.0, 0.0


def _fibre_node(ctx: _Ctx, where: str, uid: str, e: Mapping[str, Any], eq: Equipment
                ) -> FibreNode:
    variety = e.get("type_variety", "default")
    if variety not in eq.fibres:
        raise ctx.fail(f"{where}.type_variety", f"{variety!r} is not a fibre of the equipment "
                       f"library ({', '.join(sorted(eq.fibres)) or 'none'})")
    spec = eq.fibres[variety]
    p = ctx.keys(f"{where}.params", e.get("params") or {}, _FIBRE_KEYS)
    if "length" not in p:
        raise ctx.fail(f"{where}.params.length", "missing key (required)")
    length = _length(ctx, f"{where}.params.length", p["length"], p.get("length_units", "km"))
    loss = p.get("loss_coef")
    if isinstance(loss, Mapping):
        t = ctx.keys(f"{where}.params.loss_coef", loss, {"value", "frequency"})
        vals = ctx.numbers(f"{where}.params.loss_coef.value", t.get("value"))
        freqs = ctx.numbers(f"{where}.params.loss_coef.frequency", t.get("frequency"))
        if len(vals) != len(freqs):
            raise ctx.fail(f"{where}.params.loss_coef", "value and frequency differ in length")
        loss_v: float | tuple[tuple[float, float], ...] = tuple(zip(freqs, vals))
    elif loss is None:
        raise ctx.fail(f"{where}.params.loss_coef", "missing key (required)")
    else:
        loss_v = ctx.number(f"{where}.params.loss_coef", loss, low=0.0)
    lumped = []
    for i, item in enumerate(p.get("lumped_losses") or []):
        w = f"{where}.params.lumped_losses[{i}]"
        item = ctx.keys(w, item, {"position", "loss"})
        z = ctx.number(f"{w}.position", item.get("position")) * 1e3      # km
        if not 0 < z < length:
            raise ctx.fail(f"{w}.position", f"must lie inside the fibre (0..{length / 1e3} km)")
        lumped.append((z, ctx.number(f"{w}.loss", item.get("loss"), low=0.0)))
    disp = spec.dispersion if p.get("dispersion") is None else ctx.number(
        f"{where}.params.dispersion", p["dispersion"])
    slope = spec.dispersion_slope if p.get("dispersion_slope") is None else ctx.number(
        f"{where}.params.dispersion_slope", p["dispersion_slope"])
    area = spec.effective_area if p.get("effective_area") is None else ctx.number(
        f"{where}.params.effective_area", p["effective_area"], positive=True)
    gamma = spec.gamma if p.get("gamma") is None else ctx.number(
        f"{where}.params.gamma", p["gamma"], positive=True)
    pmd = spec.pmd_coef if p.get("pmd_coef") is None else ctx.number(
        f"{where}.params.pmd_coef", p["pmd_coef"], low=0.0)
    ref = spec.ref_frequency
    if p.get("ref_frequency") is not None:
        ref = ctx.number(f"{where}.params.ref_frequency", p["ref_frequency"], positive=True)
    elif p.get("ref_wavelength") is not None:
        ref = 299792458.0 / ctx.number(f"{where}.params.ref_wavelength", p["ref_wavelength"],
                                       positive=True)
    kw: dict[str, Any] = {}
    if ref is not None:
        kw["ref_frequency"] = ref
    try:
        model = FibreModel(length=length, loss_db_km=loss_v, dispersion=disp,
                           dispersion_slope=None if isinstance(disp, tuple) else slope,
                           effective_area=area if area is not None else 83e-12, gamma=gamma,
                           att_in_db=ctx.opt(f"{where}.params", p, "att_in", 0.0, low=0.0),
                           lumped_losses=tuple(lumped), pmd_coef=pmd, name=uid, **kw)
    except ValueError as err:
        raise ctx.fail(f"{where}.params", str(err)) from None
    return FibreNode(uid=uid, fibre=model, type_variety=variety,
                     con_in_db=ctx.opt(f"{where}.params", p, "con_in", low=0.0),
                     con_out_db=ctx.opt(f"{where}.params", p, "con_out", low=0.0),
                     location=_location(e))


def _roadm_node(ctx: _Ctx, where: str, uid: str, e: Mapping[str, Any], eq: Equipment
                ) -> RoadmNode:
    variety = e.get("type_variety", "default")
    if variety not in eq.roadms:
        raise ctx.fail(f"{where}.type_variety", f"{variety!r} is not a ROADM of the equipment "
                       f"library ({', '.join(sorted(eq.roadms))})")
    base = eq.roadms[variety]
    p = ctx.keys(f"{where}.params", e.get("params") or {}, _ROADM_EL_KEYS)
    if p.get("design_bands") and len(p["design_bands"]) > 1 or p.get("per_degree_design_bands"):
        raise ctx.fail(f"{where}.params", "multi-band or per-degree design bands are not "
                       "supported")
    targets = {k: p[k] for k in ("target_pch_out_db", "target_psd_out_mWperGHz",
                                 "target_out_mWperSlotWidth") if p.get(k) is not None}
    rt = base
    if targets:
        if len(targets) > 1:
            raise ctx.fail(f"{where}.params", "give one equalisation target")
        (key, value), = targets.items()
        v = ctx.number(f"{where}.params.{key}", value)
        rt = RoadmType(name=base.name, add_drop_osnr=base.add_drop_osnr, pmd=base.pmd,
                       pdl=base.pdl, booster_variety_list=base.booster_variety_list,
                       preamp_variety_list=base.preamp_variety_list,
                       impairments=base.impairments,
                       target_pch_out_db=v if key == "target_pch_out_db" else None,
                       target_psd_out_mw_per_ghz=v if key == "target_psd_out_mWperGHz" else None,
                       target_out_mw_per_slot_width=v if key == "target_out_mWperSlotWidth"
                       else None)
    if p.get("restrictions") is not None:
        booster, preamp = _restriction_lists(ctx, f"{where}.params.restrictions",
                                             p["restrictions"])
        for amp in booster + preamp:
            if amp not in eq.amplifiers:
                raise ctx.fail(f"{where}.params.restrictions", f"{amp!r} is not an amplifier "
                               "of the equipment library")
        rt = RoadmType(**{**rt.__dict__, "booster_variety_list": booster or
                          rt.booster_variety_list,
                          "preamp_variety_list": preamp or rt.preamp_variety_list})
    per_degree = {}
    for deg, v in (p.get("per_degree_pch_out_db") or {}).items():
        per_degree[str(deg)] = ctx.number(f"{where}.params.per_degree_pch_out_db.{deg}", v)
    imps = {}
    for i, item in enumerate(p.get("per_degree_impairments") or []):
        w = f"{where}.params.per_degree_impairments[{i}]"
        item = ctx.keys(w, item, {"from_degree", "to_degree", "impairment_id"})
        imps[(str(item.get("from_degree")), str(item.get("to_degree")))] = int(
            ctx.number(f"{w}.impairment_id", item.get("impairment_id")))
    return RoadmNode(uid=uid, roadm_type=rt, per_degree_pch_out_db=per_degree,
                     per_degree_impairments=imps, location=_location(e))


def _edfa_node(ctx: _Ctx, where: str, uid: str, e: Mapping[str, Any], eq: Equipment
               ) -> AmplifierNode:
    variety = e.get("type_variety")
    amp = None
    if variety not in (None, "", "default"):
        if variety not in eq.amplifiers:
            raise ctx.fail(f"{where}.type_variety", f"{variety!r} is not an amplifier of the "
                           "equipment library")
        amp = eq.amplifiers[variety]
    if e.get("params"):
        raise ctx.fail(f"{where}.params", "per-element amplifier parameters are not supported "
                       "(describe the amplifier in the equipment library)")
    op = ctx.keys(f"{where}.operational", e.get("operational") or {}, _EDFA_OP_KEYS)
    w = f"{where}.operational"
    return AmplifierNode(uid=uid, amp_type=amp, gain_target=ctx.opt(w, op, "gain_target"),
                         delta_p=ctx.opt(w, op, "delta_p"), tilt_target=ctx.opt(w, op, "tilt_target"),
                         out_voa=ctx.opt(w, op, "out_voa", low=0.0),
                         in_voa=ctx.opt(w, op, "in_voa", 0.0, low=0.0), location=_location(e))


def topology_from_gnpy(data: Any, equipment: Equipment, *, source: str = "topology"
                       ) -> OpticalNetwork:
    """The :class:`~softran.optical.network.OpticalNetwork` of a parsed GNPy topology
    (module docstring), with ``equipment`` filling in the library values.

    >>> from softran.optical.equipment import Equipment, FibreSpec
    >>> eq = Equipment(fibres={"SSMF": FibreSpec("SSMF")})
    >>> net = topology_from_gnpy({"elements": [{"uid": "A", "type": "Transceiver"},
    ...     {"uid": "f", "type": "Fiber", "type_variety": "SSMF", "params": {"length": 80,
    ...      "loss_coef": 0.2}}, {"uid": "B", "type": "Transceiver"}],
    ...     "connections": [{"from_node": "A", "to_node": "f"}, {"from_node": "f",
    ...     "to_node": "B"}]}, eq)
    >>> [e.uid for e in net.path("A", "B")], net.elements["f"].fibre.length
    (['A', 'f', 'B'], 80000.0)
    >>> topology_from_gnpy({"elements": [{"uid": "r", "type": "RamanFiber"}],
    ...                     "connections": []}, eq)
    Traceback (most recent call last):
    softran.optical.gnpy_json.GnpyFormatError: topology: elements[0] (uid 'r').type: RamanFiber (distributed Raman amplification with pumps) is not modelled
    """
    ctx = _Ctx(source)
    doc = ctx.keys("(top)", data, {"elements", "connections", "network_name"})
    if not isinstance(doc.get("elements"), list) or not isinstance(doc.get("connections"), list):
        raise ctx.fail("(top)", "needs the lists 'elements' and 'connections'")
    net = OpticalNetwork(name=str(doc.get("network_name") or Path(source).stem))
    for i, e in enumerate(doc["elements"]):
        if not isinstance(e, Mapping):
            raise ctx.fail(f"elements[{i}]", "must be an object")
        uid = e.get("uid")
        where = f"elements[{i}] (uid {uid!r})"
        e = ctx.keys(where, e, _ELEMENT_KEYS)
        if not isinstance(uid, str) or not uid:
            raise ctx.fail(f"elements[{i}].uid", "missing (every element needs a uid)")
        kind = e.get("type")
        if kind == "Transceiver":
            if e.get("params") or e.get("operational"):
                extra = sorted(set(e.get("params") or {}) | set(e.get("operational") or {}))
                if set(extra) - {"system_margin"}:
                    raise ctx.fail(f"{where}.params", f"unsupported transceiver keys {extra}")
            element: Any = TransceiverNode(uid=uid, location=_location(e))
        elif kind == "Roadm":
            element = _roadm_node(ctx, where, uid, e, equipment)
        elif kind == "Fused":
            p = ctx.keys(f"{where}.params", e.get("params") or {}, {"loss"})
            element = FusedNode(uid=uid, loss_db=ctx.opt(f"{where}.params", p, "loss", 1.0,
                                                         low=0.0), location=_location(e))
        elif kind == "Fiber":
            element = _fibre_node(ctx, where, uid, e, equipment)
        elif kind == "Edfa":
            element = _edfa_node(ctx, where, uid, e, equipment)
        elif kind == "RamanFiber":
            raise ctx.fail(f"{where}.type", "RamanFiber (distributed Raman amplification with "
                           "pumps) is not modelled")
        elif kind == "Multiband_amplifier":
            raise ctx.fail(f"{where}.type", "Multiband_amplifier is not supported")
        else:
            raise ctx.fail(f"{where}.type", f"{kind!r} is not an element type; allowed: "
                           "Transceiver, Roadm, Fused, Fiber, Edfa")
        try:
            net.add(element)
        except ValueError as err:
            raise ctx.fail(where, str(err)) from None
    for i, c in enumerate(doc["connections"]):
        c = ctx.keys(f"connections[{i}]", c, {"from_node", "to_node"})
        try:
            net.connect(str(c.get("from_node")), str(c.get("to_node")))
        except ValueError as err:
            raise ctx.fail(f"connections[{i}]", str(err)) from None
    for uid, element in net.elements.items():
        if isinstance(element, FibreNode | FusedNode | AmplifierNode):
            n_out, n_in = len(net.successors(uid)), len(net.predecessors(uid))
            if n_out > 1 or n_in > 1:
                raise ctx.fail(f"element {uid!r}", f"{type(element).__name__} has {n_in} "
                               f"inputs and {n_out} outputs; a line element has one of each")
    return net


def load_gnpy_topology(path: str | Path, equipment: Equipment) -> OpticalNetwork:
    """Read a GNPy topology JSON file with ``equipment`` (:func:`load_gnpy_equipment`).

    >>> import json, tempfile, pathlib
    >>> from softran.optical.equipment import Equipment
    >>> with tempfile.TemporaryDirectory() as d:
    ...     p = pathlib.Path(d) / "topo.json"
    ...     _ = p.write_text(json.dumps({"elements": [{"uid": "A", "type": "Transceiver"}],
    ...                                  "connections": []}))
    ...     net = load_gnpy_topology(p, Equipment())
    >>> net.name, list(net.elements)
    ('topo', ['A'])
    """
    source, data, _ = _read(path)
    return topology_from_gnpy(data, equipment, source=source)


def sim_params_from_gnpy(data: Any, *, source: str = "sim_params") -> PropagationOptions:
    """The :class:`~softran.optical.network_propagation.PropagationOptions` of a parsed GNPy
    ``sim_params`` file (module docstring).

    >>> sim_params_from_gnpy({"raman_params": {"flag": True}}).srs
    True
    >>> sim_params_from_gnpy({"nli_params": {"method": "ggn_spectrally_separated"}})
    Traceback (most recent call last):
    softran.optical.gnpy_json.GnpyFormatError: sim_params: nli_params.method: 'ggn_spectrally_separated' is not supported; softran computes the closed-form GN model (gn_model_analytic)
    """
    ctx = _Ctx(source)
    doc = ctx.keys("(top)", data, {"raman_params", "nli_params"})
    raman = ctx.keys("raman_params", doc.get("raman_params") or {},
                     {"flag", "method", "order", "result_spatial_resolution",
                      "solver_spatial_resolution"})
    nli = ctx.keys("nli_params", doc.get("nli_params") or {},
                   {"method", "dispersion_tolerance", "phase_shift_tolerance",
                    "computed_channels", "computed_number_of_channels"})
    method = str(nli.get("method", "gn_model_analytic")).lower()
    if method != "gn_model_analytic":
        raise ctx.fail("nli_params.method", f"{method!r} is not supported; softran computes the "
                       "closed-form GN model (gn_model_analytic)")
    flag = raman.get("flag", False)
    if not isinstance(flag, bool):
        raise ctx.fail("raman_params.flag", f"must be true or false, got {flag!r}")
    return PropagationOptions(srs=flag)


def load_gnpy_sim_params(path: str | Path) -> PropagationOptions:
    """Read a GNPy ``sim_params.json``.

    >>> import tempfile, pathlib
    >>> with tempfile.TemporaryDirectory() as d:
    ...     p = pathlib.Path(d) / "sim.json"
    ...     _ = p.write_text('{"raman_params": {"flag": true}}')
    ...     load_gnpy_sim_params(p).srs
    True
    """
    source, data, _ = _read(path)
    return sim_params_from_gnpy(data, source=source)
