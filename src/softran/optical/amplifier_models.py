r"""Optical amplifier types for network planning: noise-figure models, gain shape and tilt,
output-power limit (the amplifier library of :mod:`softran.optical.equipment`, the models
that GNPy's equipment files name; Auge, Curri and Le Rouzic, "Open design for multi-vendor
optical networks", OFC 2019, and GNPy's documentation of its amplifier models).

Noise-figure models (``type_def``), for a gain ``G`` [dB] between ``gain_min`` and
``gain_flatmax`` (below ``gain_min`` an input pad of ``gain_min - G`` dB is assumed: the gain
is raised to ``gain_min`` and the pad adds to the NF):

* ``"variable_gain"``: two coils with a mid-stage attenuator (the NF-range model):
  ``NF = NF1 + NF2 / G1a`` (linear), ``G1a = G - delta_p - (gain_flatmax - G)`` [dB] (the
  first coil's gain minus the attenuation that lowers the total gain below
  ``gain_flatmax``). ``NF1``, ``NF2`` and ``delta_p`` follow from the data-sheet NF at
  ``gain_flatmax`` (``nf_min``) and at ``gain_min`` (``nf_max``):
  :func:`two_coil_nf_model`;
* ``"fixed_gain"``: ``NF = nf0``;
* ``"advanced_model"``: a polynomial in ``dg = G - gain_flatmax`` [dB]: ``NF = sum_k c_k
  dg^(n-k)`` (``nf_fit_coeff``, highest power first), plus a ripple over frequency;
* ``"openroadm"``: from the OpenROADM OSNR-versus-input-power polynomial:
  ``NF = P_in,50 - poly(P_in,50) + 58`` with ``P_in,50`` the input power per 50 GHz [dBm]
  (``nf_coef``); ``"openroadm_preamp"``: ``NF = P_in,50 - min((4 P_in,50 + 275) / 7, 33)
  + 58``; ``"openroadm_booster"``: noiseless;
* ``"dual_stage"``: a preamplifier at its ``gain_flatmax`` ``G1`` then a booster at ``G -
  G1``: ``NF = NF_pre + NF_boost / G1`` (Friis).

ASE: ``P_ASE = NF h f R`` per channel at the amplifier input, ``R`` the symbol rate (the
high-gain form of ``(NF G - 1) h f R / G``), then amplified with the signal.

Gain shape: ``g(f) = ripple(f) + gain_flatmax + dgt(f) s - voa`` with the dynamic-gain-tilt
profile ``dgt(f)`` (di Muro, J. Lightw. Technol. 18(3) 2000), ``s`` set by the tilt target
(``-tilt / (f_max - f_min)`` over the slope of a line fitted to ``dgt``), ``voa`` such that
the mean linear gain is ``G``; then the operating point moves along ``dgt`` (``s += x``)
until the power-weighted gain of the actual input channels is ``G``. A flat profile
(one ``dgt`` value, or no ripple and no tilt) is ``G`` on every channel.
"""

from __future__ import annotations

import functools
import json
import math
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import torch

from softran.validation import check_choice, check_real

__all__ = [
    "AMPLIFIER_TYPE_DEFS",
    "AmplifierType",
    "default_dgt_profile",
    "two_coil_nf_model",
]

#: The noise-figure models (module docstring).
AMPLIFIER_TYPE_DEFS = ("variable_gain", "fixed_gain", "advanced_model", "openroadm",
                       "openroadm_preamp", "openroadm_booster", "dual_stage")

_DGT_FILE = Path(__file__).parent / "data" / "edfa_default_dgt.json"


def _lin(db: float) -> float:
    return 10.0 ** (db / 10.0)


def _db(x: float) -> float:
    return 10.0 * math.log10(x)


@functools.cache
def default_dgt_profile() -> dict[str, Any]:
    """The default DGT and ripple profile (``softran/optical/data/edfa_default_dgt.json``,
    GNPy's default EDFA configuration): ``f_min``, ``f_max`` [Hz], ``dgt``, ``gain_ripple``,
    ``nf_ripple``.

    >>> p = default_dgt_profile()
    >>> len(p["dgt"]), p["f_min"], p["gain_ripple"]
    (96, 191275000000000.0, (0.0,))
    """
    data = json.loads(_DGT_FILE.read_text(encoding="utf-8"))
    return {"f_min": float(data["f_min"]), "f_max": float(data["f_max"]),
            "dgt": tuple(float(v) for v in data["dgt"]),
            "gain_ripple": tuple(float(v) for v in data["gain_ripple"]),
            "nf_ripple": tuple(float(v) for v in data["nf_ripple"])}


def two_coil_nf_model(gain_min: float, gain_max: float, nf_min: float, nf_max: float,
                      name: str = "amplifier") -> tuple[float, float, float]:
    """``(NF1, NF2, delta_p)`` [dB] of the variable-gain model (module docstring) whose NF is
    ``nf_min`` at ``gain_max`` and ``nf_max`` at ``gain_min``: with ``delta_p = 5`` dB,
    ``G1a = gain_max - delta_p`` at ``gain_max`` and ``gain_min - (gain_max - gain_min) -
    delta_p`` at ``gain_min``, solve ``nf = NF1 + NF2 / G1a`` at both points; if ``NF2``
    falls outside ``(NF1 + 0.3, NF1 + 2)`` dB it is clipped there and ``delta_p`` re-solved
    (it must lie in (1, 11) dB). ``NF1 < 4`` dB or a model that misses ``nf_min`` /
    ``nf_max`` by more than 0.01 dB is an error.

    >>> nf1, nf2, dp = two_coil_nf_model(15, 26, 6, 10)
    >>> round(_db(_lin(nf1) + _lin(nf2) / _lin(26 - dp)), 6)      # NF at gain_max
    6.0
    """
    if nf_min < -10 or nf_max < -10:
        raise ValueError(f"{name}: nf_min = {nf_min}, nf_max = {nf_max} dB: must be >= -10")
    if not nf_max > nf_min or not gain_max > gain_min:
        raise ValueError(f"{name}: the variable-gain model needs nf_max > nf_min and "
                         f"gain_flatmax > gain_min, got nf {nf_min}..{nf_max} dB, gain "
                         f"{gain_min}..{gain_max} dB")
    delta_p = 5.0
    g1a_min = gain_min - (gain_max - gain_min) - delta_p
    g1a_max = gain_max - delta_p
    nf2 = _db((_lin(nf_min) - _lin(nf_max)) / (1 / _lin(g1a_max) - 1 / _lin(g1a_min)))
    first = _lin(nf_min) - _lin(nf2) / _lin(g1a_max)
    if not first > 0:
        raise ValueError(f"{name}: nf_min = {nf_min}, nf_max = {nf_max} dB fit no two-coil "
                         "model (the first coil's NF comes out negative)")
    nf1 = _db(first)
    if nf1 < 4:
        raise ValueError(f"{name}: the first coil's NF {nf1:.2f} dB is below 4 dB; revise "
                         f"nf_min = {nf_min}, nf_max = {nf_max}")
    if not nf1 + 0.3 < nf2 < nf1 + 2:
        nf2 = min(max(nf2, nf1 + 0.3), nf1 + 2)
        g1a_max = _db(_lin(nf2) / (_lin(nf_min) - _lin(nf1)))
        delta_p = gain_max - g1a_max
        g1a_min = gain_min - (gain_max - gain_min) - delta_p
        if not 1 < delta_p < 11:
            raise ValueError(f"{name}: the two-coil model needs delta_p = {delta_p:.2f} dB "
                             "(allowed 1..11); revise nf_min / nf_max")
    for nf, g1a, label in ((nf_min, g1a_max, "nf_min"), (nf_max, g1a_min, "nf_max")):
        calc = _db(_lin(nf1) + _lin(nf2) / _lin(g1a))
        if abs(calc - nf) > 0.01:
            raise ValueError(f"{name}: the two-coil model gives {calc:.2f} dB for {label} = "
                             f"{nf}; revise nf_min / nf_max")
    return nf1, nf2, delta_p


def _polyval(coeffs: tuple[float, ...], x: float) -> float:
    y = 0.0
    for c in coeffs:
        y = y * x + c
    return y


@dataclass(frozen=True)
class AmplifierType:
    """An amplifier of the library (module docstring for the models).

    ``name``, ``type_def`` (:data:`AMPLIFIER_TYPE_DEFS`), ``gain_flatmax``, ``gain_min``,
    ``p_max`` (total output power limit) [dB, dBm]; per model: ``nf_min``/``nf_max``
    (variable gain), ``nf0`` (fixed), ``nf_fit_coeff`` (advanced), ``nf_coef``
    (openroadm), ``preamp``/``booster`` (dual stage); the band ``f_min``..``f_max`` [Hz] and
    the profiles ``dgt``, ``gain_ripple``, ``nf_ripple`` (dB, sampled uniformly over the
    band); ``pmd`` [s], ``pdl`` [dB]; ``allowed_for_design`` (auto-design may choose it),
    ``raman`` (a hybrid Raman/EDFA), ``out_voa_auto``.

    >>> amp = AmplifierType("std_medium_gain", "variable_gain", 26, 15, 23, nf_min=6,
    ...                     nf_max=10)
    >>> round(amp.noise_figure(18.5)[0], 2)          # GNPy prints 7.12 for this amplifier
    7.12
    """

    name: str
    type_def: str
    gain_flatmax: float
    gain_min: float
    p_max: float
    nf_min: float | None = None
    nf_max: float | None = None
    nf0: float | None = None
    nf_fit_coeff: tuple[float, ...] | None = None
    nf_coef: tuple[float, ...] | None = None
    preamp: AmplifierType | None = None
    booster: AmplifierType | None = None
    f_min: float = 191.275e12
    f_max: float = 196.125e12
    dgt: tuple[float, ...] = ()
    gain_ripple: tuple[float, ...] = (0.0,)
    nf_ripple: tuple[float, ...] = (0.0,)
    pmd: float = 0.0
    pdl: float = 0.0
    allowed_for_design: bool = False
    raman: bool = False
    out_voa_auto: bool = False
    _two_coil: tuple[float, float, float] | None = field(default=None, compare=False,
                                                         repr=False)

    def __post_init__(self) -> None:
        check_choice("type_def", self.type_def, AMPLIFIER_TYPE_DEFS)
        for key in ("gain_flatmax", "gain_min", "p_max"):
            check_real(f"{self.name}.{key}", getattr(self, key))
        if not self.dgt:
            object.__setattr__(self, "dgt", default_dgt_profile()["dgt"])
        needs = {"variable_gain": ("nf_min", "nf_max"), "fixed_gain": ("nf0",),
                 "advanced_model": ("nf_fit_coeff",), "openroadm": ("nf_coef",),
                 "dual_stage": ("preamp", "booster")}.get(self.type_def, ())
        for key in needs:
            if getattr(self, key) is None:
                raise ValueError(f"amplifier {self.name!r} ({self.type_def}) needs {key}")
        if self.type_def == "variable_gain":
            object.__setattr__(self, "_two_coil", two_coil_nf_model(
                self.gain_min, self.gain_flatmax, float(self.nf_min), float(self.nf_max),
                self.name))
        if not self.f_min < self.f_max:
            raise ValueError(f"amplifier {self.name!r}: f_min = {self.f_min} must be below "
                             f"f_max = {self.f_max}")

    @property
    def two_coil(self) -> tuple[float, float, float]:
        """``(NF1, NF2, delta_p)`` of a variable-gain amplifier."""
        if self._two_coil is None:
            raise ValueError(f"amplifier {self.name!r} is {self.type_def}, not variable_gain")
        return self._two_coil

    def _nf_model(self, gain: float, pin_ch_50: float) -> tuple[float, float]:
        pad = max(self.gain_min - gain, 0.0)
        gain += pad
        dg = max(self.gain_flatmax - gain, 0.0)
        if self.type_def == "variable_gain":
            nf1, nf2, delta_p = self.two_coil
            nf = _db(_lin(nf1) + _lin(nf2) / _lin(gain - delta_p - dg))
        elif self.type_def == "fixed_gain":
            nf = float(self.nf0)
        elif self.type_def == "advanced_model":
            nf = _polyval(tuple(self.nf_fit_coeff or ()), -dg)
        elif self.type_def == "openroadm":
            nf = pin_ch_50 - _polyval(tuple(self.nf_coef or ()), pin_ch_50) + 58
        elif self.type_def == "openroadm_preamp":
            nf = pin_ch_50 - min((4 * pin_ch_50 + 275) / 7, 33) + 58
        elif self.type_def == "openroadm_booster":
            nf = -math.inf
        else:
            raise ValueError(f"amplifier {self.name!r}: no single-stage model for "
                             f"{self.type_def}")
        return nf + pad, pad

    def noise_figure(self, gain: float, pin_total_dbm: float = 0.0, n_channels: int = 88,
                     slot_width: float = 50e9) -> tuple[float, float]:
        """``(NF, pad)`` [dB] averaged over the band at ``gain`` [dB] (before the ripple), for
        a total input power ``pin_total_dbm`` of ``n_channels`` in ``slot_width`` [Hz] (the
        OpenROADM models; the defaults are those GNPy's design uses)."""
        pin_ch_50 = pin_total_dbm - _db(n_channels) + _db(50e9 / slot_width)
        if self.type_def != "dual_stage":
            return self._nf_model(gain, pin_ch_50)
        pre, boost = self.preamp, self.booster
        assert pre is not None and boost is not None
        g1 = pre.gain_flatmax
        nf1, _ = pre._nf_model(g1, pin_ch_50)
        nf2, _ = boost._nf_model(gain - g1, pin_ch_50)
        return _db(_lin(nf1) + _lin(nf2 - g1)), 0.0

    def profile(self, key: str, frequencies: torch.Tensor) -> torch.Tensor:
        """``dgt``, ``gain_ripple`` or ``nf_ripple`` interpolated at ``frequencies`` [Hz]
        (the table spans ``f_min``..``f_max`` uniformly; one value is flat)."""
        values = getattr(self, check_choice("key", key, ("dgt", "gain_ripple", "nf_ripple")))
        f = torch.as_tensor(frequencies, dtype=torch.float64)
        if len(values) == 1:
            return torch.full_like(f, float(values[0]))
        xs = torch.linspace(self.f_min, self.f_max, len(values), dtype=torch.float64)
        ys = torch.tensor(values, dtype=torch.float64)
        i = torch.searchsorted(xs, f.clamp(self.f_min, self.f_max), right=True)
        i = i.clamp(1, len(values) - 1)
        t = (f.clamp(self.f_min, self.f_max) - xs[i - 1]) / (xs[i] - xs[i - 1])
        return ys[i - 1] + (ys[i] - ys[i - 1]) * t

    def gain_profile(self, gain: float, tilt: float, frequencies: torch.Tensor,
                     pch_in: torch.Tensor) -> torch.Tensor:
        """Per-channel gain [dB] (module docstring) at mean gain ``gain`` [dB] and tilt target
        ``tilt`` [dB over the band] for input channel powers ``pch_in`` [W]."""
        f = torch.as_tensor(frequencies, dtype=torch.float64)
        dgt = self.profile("dgt", f)
        if len(self.dgt) == 1:
            return torch.full_like(f, gain)
        if f.numel() > 1:
            fc = f - f.mean()
            slope = float((fc * (dgt - dgt.mean())).sum() / (fc * fc).sum())
        else:
            slope = 0.0
        s1 = (-tilt / (self.f_max - self.f_min)) / slope if slope != 0 else 0.0
        g1 = self.profile("gain_ripple", f) + self.gain_flatmax + dgt * s1
        voa = _db(float(torch.pow(10.0, g1 / 10).mean())) - gain
        g0 = g1 - voa
        if float(g1.max() - g1.min()) <= 0.05:
            return g0
        w = pch_in / pch_in.sum()
        x = 0.0
        for _ in range(50):                              # Newton on the weighted mean gain
            lin = w * torch.pow(10.0, (g0 + dgt * x) / 10)
            mean_db = _db(float(lin.sum()))
            deriv = float((lin * dgt).sum() / lin.sum())
            step = (gain - mean_db) / deriv
            x += step
            if abs(step) < 1e-12:
                break
        return g0 + dgt * x
