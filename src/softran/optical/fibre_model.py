r"""A fibre span as functions of frequency across the band: loss, dispersion (beta2, beta3),
nonlinear coefficient gamma, effective area, connector and padding losses, lumped losses
and the Raman gain slope of the stimulated-Raman power transfer (the span model of the
network planner, :mod:`softran.optical.network_propagation`).

Definitions (SI inside: m, s, Hz, W; ``c`` the speed of light, ``lambda = c / f``):

* loss: ``alpha_dB(f)`` [dB/km], one value or a table over frequency (linear interpolation,
  an error outside the table), ``alpha(f) = alpha_dB(f) ln(10) / 10 / 1000`` [1/m];
* dispersion ``D`` [s/m^2] at the reference frequency ``f_ref`` with the slope ``S = dD /
  d lambda`` [s/m^3]: ``D(lambda) = D + S (lambda - lambda_ref)``; without a slope the
  dispersion scales as ``D(f) = D (f / f_ref)^2``, i.e. ``beta2`` is the same at every
  frequency (GNPy's convention for a fibre given by ``D`` alone); or a table ``D(f)``;
* ``beta2(f) = -lambda^2 D(lambda) / (2 pi c)`` (Agrawal, *Nonlinear Fiber Optics*,
  eq. (1.2.11)) and ``beta3(f) = d beta2 / d omega = (lambda^2 / (2 pi c))^2 (S + 2 D(lambda)
  / lambda)`` (zero without a slope);
* effective area: the fundamental mode as a Gaussian of radius ``w = a / sqrt(ln V)``
  (the large-V Gaussian approximation of the LP01 mode, e.g. Marcuse, Bell Syst. Tech. J.
  56(5) 1977; used by GNPy), ``V = 2 pi f a n1 sqrt(2 Delta) / c``, core radius ``a`` and
  index ``n1``, with the index contrast ``Delta`` chosen so that ``A_eff(f_ref)`` is the
  given effective area: ``A_eff(f) = pi w^2 = pi a^2 / (pi a^2 / A_eff,ref + ln(f /
  f_ref))``;
* nonlinear coefficient ``gamma(f) = 2 pi n2 f / (c A_eff(f))`` (Agrawal eq. (2.3.29)),
  ``n2 = 2.6e-20 m^2/W``; over the C band it varies by about +-2.4 % around
  ``gamma(f_ref)``. A given ``gamma`` fixes ``A_eff,ref = 2 pi n2 / (lambda_ref gamma)``;
* Raman gain slope ``C_r`` [1/(W m Hz)] of the triangular approximation of the Raman gain
  (gain rising linearly with the frequency offset; Zirngibl, Electron. Lett. 34(8) 1998;
  Semrau et al., J. Lightw. Technol. 36(14) 2018): by default ``0.028 /(W km THz)`` for
  80 um^2, scaled by ``80 um^2 / A_eff``;
* losses: ``con_in_db`` and ``att_in_db`` (padding) before the fibre, ``con_out_db`` after
  it, and lumped losses ``(z, dB)`` inside it.
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Sequence
from dataclasses import dataclass, field

import torch

from softran.optical.constants import REFERENCE_WAVELENGTH, SPEED_OF_LIGHT
from softran.validation import check_positive, check_real

__all__ = [
    "DEFAULT_RAMAN_GAIN_SLOPE",
    "N2_SILICA",
    "FibreModel",
    "interpolate",
]

#: Nonlinear index of silica [m^2/W] (Agrawal, *Nonlinear Fiber Optics*, §2.3).
N2_SILICA: float = 2.6e-20
#: Raman gain slope of the triangular approximation for 80 um^2 [1/(W m Hz)]
#: (0.028 /(W km THz); Semrau et al., J. Lightw. Technol. 36(14), 2018).
DEFAULT_RAMAN_GAIN_SLOPE: float = 0.028e-3 / 1e12
_REF_AREA_RAMAN = 80e-12


def interpolate(x: torch.Tensor, xp: Sequence[float], fp: Sequence[float], name: str
                ) -> torch.Tensor:
    """Piecewise-linear interpolation of the table ``(xp, fp)`` (``xp`` increasing) at
    ``x``; a value outside ``[xp[0], xp[-1]]`` is an error naming the table (never
    extrapolated or clipped).

    >>> interpolate(torch.tensor([1.5, 2.0]), [1.0, 2.0, 3.0], [10.0, 20.0, 40.0], "t")
    tensor([15., 20.], dtype=torch.float64)
    """
    xt = torch.as_tensor(x, dtype=torch.float64)
    xs = torch.tensor(list(xp), dtype=torch.float64)
    fs = torch.tensor(list(fp), dtype=torch.float64)
    if xs.numel() == 1:
        return torch.full_like(xt, float(fs[0]))
    lo, hi = float(xs[0]), float(xs[-1])
    if bool((xt < lo - 1e-9 * abs(lo)).any()) or bool((xt > hi + 1e-9 * abs(hi)).any()):
        raise ValueError(f"{name}: the table covers {lo:.6g} .. {hi:.6g}; asked for "
                         f"{float(xt.min()):.6g} .. {float(xt.max()):.6g} (no extrapolation)")
    i = torch.searchsorted(xs, xt.clamp(lo, hi), right=True).clamp(1, xs.numel() - 1)
    x0, x1, f0, f1 = xs[i - 1], xs[i], fs[i - 1], fs[i]
    return f0 + (f1 - f0) * (xt.clamp(lo, hi) - x0) / (x1 - x0)


def _table(name: str, value: Sequence[Sequence[float]]) -> tuple[tuple[float, float], ...]:
    rows = tuple((float(a), float(b)) for a, b in value)
    if not rows:
        raise ValueError(f"{name} must have at least one (frequency, value) row")
    xs = [r[0] for r in rows]
    if any(b <= a for a, b in itertools.pairwise(xs)):
        raise ValueError(f"{name}: the frequencies must increase, got {xs}")
    return rows


@dataclass(frozen=True)
class FibreModel:
    """A fibre span (module docstring for every definition).

    Args:
        length: [m].
        loss_db_km: [dB/km], or rows ``((f [Hz], dB/km), ...)``.
        dispersion: ``D`` [s/m^2] at ``ref_frequency`` (16.7 ps/(nm km) = 16.7e-6), or rows
            ``((f, D), ...)``.
        dispersion_slope: ``S`` [s/m^3] or ``None`` (constant ``beta2``).
        effective_area: ``A_eff`` [m^2] at ``ref_frequency`` (ignored when ``gamma`` is set).
        gamma: ``gamma`` [1/(W m)] at ``ref_frequency`` or ``None`` (from ``A_eff``).
        ref_frequency: [Hz] (default ``c / 1550 nm``).
        con_in_db, con_out_db, att_in_db: connector losses and input padding [dB].
        lumped_losses: rows ``((z [m], loss [dB]), ...)`` inside the fibre.
        pmd_coef: [s/sqrt(m)]. raman_gain_slope: ``C_r`` [1/(W m Hz)] or ``None`` (default).
        n2, core_radius, core_index: the mode model (``n2`` [m^2/W], ``a`` [m], ``n1``).
        group_index: for the latency ``n_g L / c``.
        frequency_dependent_gamma: ``False`` keeps ``A_eff`` and ``gamma`` at their
            reference values on every channel. name: label.

    >>> f = FibreModel(80e3, 0.2, effective_area=83e-12)
    >>> round(f.loss_db, 3), round(float(f.gamma_at(f.ref_frequency)) * 1e3, 4)
    (16.0, 1.2698)
    """

    length: float
    loss_db_km: float | tuple[tuple[float, float], ...] = 0.2
    dispersion: float | tuple[tuple[float, float], ...] = 16.7e-6
    dispersion_slope: float | None = None
    effective_area: float = 83e-12
    gamma: float | None = None
    ref_frequency: float = SPEED_OF_LIGHT / REFERENCE_WAVELENGTH
    con_in_db: float = 0.0
    con_out_db: float = 0.0
    att_in_db: float = 0.0
    lumped_losses: tuple[tuple[float, float], ...] = ()
    pmd_coef: float = 0.0
    raman_gain_slope: float | None = None
    n2: float = N2_SILICA
    core_radius: float = 4.2e-6
    core_index: float = 1.468
    group_index: float = 1.468
    frequency_dependent_gamma: bool = True
    name: str = field(default="", compare=False)

    def __post_init__(self) -> None:
        check_positive("length", self.length)
        if isinstance(self.loss_db_km, int | float):
            check_real("loss_db_km", self.loss_db_km, low=0.0)
        else:
            object.__setattr__(self, "loss_db_km", _table("loss_db_km", self.loss_db_km))
        if isinstance(self.dispersion, int | float):
            check_real("dispersion", self.dispersion)
        else:
            object.__setattr__(self, "dispersion", _table("dispersion", self.dispersion))
            if self.dispersion_slope is not None:
                raise ValueError("give dispersion as a table or dispersion_slope, not both")
        if self.dispersion_slope is not None:
            check_real("dispersion_slope", self.dispersion_slope)
        check_positive("effective_area", self.effective_area)
        if self.gamma is not None:
            check_positive("gamma", self.gamma)
        check_positive("ref_frequency", self.ref_frequency)
        for name in ("con_in_db", "con_out_db", "att_in_db", "pmd_coef"):
            check_real(name, getattr(self, name), low=0.0)
        rows = tuple((float(z), float(db)) for z, db in self.lumped_losses)
        for z, db in rows:
            if not 0.0 <= z <= self.length or db < 0:
                raise ValueError(f"lumped_losses: ({z}, {db}) must have 0 <= z <= length "
                                 f"({self.length} m) and a loss >= 0 dB")
        object.__setattr__(self, "lumped_losses", rows)
        if self.raman_gain_slope is not None:
            check_real("raman_gain_slope", self.raman_gain_slope, low=0.0)
        for name in ("n2", "core_radius", "core_index", "group_index"):
            check_positive(name, getattr(self, name))

    # --- loss -------------------------------------------------------------------------
    def loss_db_per_km(self, frequency: torch.Tensor | float) -> torch.Tensor:
        """``alpha_dB(f)`` [dB/km]."""
        f = torch.as_tensor(frequency, dtype=torch.float64)
        if isinstance(self.loss_db_km, tuple):
            xs, ys = zip(*self.loss_db_km)
            return interpolate(f, xs, ys, f"fibre {self.name or ''} loss table".strip())
        return torch.full_like(f, float(self.loss_db_km))

    def alpha(self, frequency: torch.Tensor | float) -> torch.Tensor:
        """Power attenuation ``alpha(f)`` [1/m]."""
        return self.loss_db_per_km(frequency) * (math.log(10) / 10 / 1e3)

    @property
    def lumped_loss_db(self) -> float:
        """Sum of the lumped losses inside the fibre [dB]."""
        return sum(db for _, db in self.lumped_losses)

    @property
    def loss_db(self) -> float:
        """Total loss at ``ref_frequency``: fibre, connectors, padding, lumped [dB]."""
        fibre = float(self.loss_db_per_km(self.ref_frequency)) * self.length / 1e3
        return fibre + self.con_in_db + self.con_out_db + self.att_in_db + self.lumped_loss_db

    def effective_length(self, frequency: torch.Tensor | float) -> torch.Tensor:
        """``L_eff(f) = (1 - exp(-alpha L)) / alpha`` [m] (``L`` without loss)."""
        a = self.alpha(frequency)
        safe = torch.where(a > 0, a, torch.ones_like(a))
        return torch.where(a > 0, -torch.expm1(-safe * self.length) / safe,
                           torch.full_like(a, self.length))

    # --- dispersion -------------------------------------------------------------------
    def dispersion_at(self, frequency: torch.Tensor | float) -> torch.Tensor:
        """``D(f)`` [s/m^2] (module docstring)."""
        f = torch.as_tensor(frequency, dtype=torch.float64)
        if isinstance(self.dispersion, tuple):
            xs, ys = zip(*self.dispersion)
            return interpolate(f, xs, ys, f"fibre {self.name or ''} dispersion table".strip())
        d = float(self.dispersion)
        if self.dispersion_slope is None:
            return d * (f / self.ref_frequency) ** 2
        lam = SPEED_OF_LIGHT / f
        return d + self.dispersion_slope * (lam - SPEED_OF_LIGHT / self.ref_frequency)

    def beta2(self, frequency: torch.Tensor | float) -> torch.Tensor:
        """``beta2(f) = -lambda^2 D / (2 pi c)`` [s^2/m]."""
        f = torch.as_tensor(frequency, dtype=torch.float64)
        lam = SPEED_OF_LIGHT / f
        return -lam ** 2 * self.dispersion_at(f) / (2 * math.pi * SPEED_OF_LIGHT)

    def beta3(self, frequency: torch.Tensor | float) -> torch.Tensor:
        """``beta3(f) = d beta2 / d omega`` [s^3/m]: ``(lambda^2 / (2 pi c))^2 (S + 2 D /
        lambda)`` with a slope, 0 without; for a table, the slope of the table's ``beta2``
        at ``f`` (finite differences of the interpolant)."""
        f = torch.as_tensor(frequency, dtype=torch.float64)
        if isinstance(self.dispersion, tuple):
            df = 1e9
            return (self.beta2(f + df) - self.beta2(f - df)) / (2 * math.pi * 2 * df)
        if self.dispersion_slope is None:
            return torch.zeros_like(f)
        lam = SPEED_OF_LIGHT / f
        return (lam ** 2 / (2 * math.pi * SPEED_OF_LIGHT)) ** 2 * (
            self.dispersion_slope + 2 * self.dispersion_at(f) / lam)

    def accumulated_dispersion(self, frequency: torch.Tensor | float) -> torch.Tensor:
        """``D(f) L`` [s/m]."""
        return self.dispersion_at(frequency) * self.length

    # --- nonlinearity -----------------------------------------------------------------
    @property
    def reference_area(self) -> float:
        """``A_eff`` at ``ref_frequency`` [m^2] (from ``gamma`` when given)."""
        if self.gamma is None:
            return self.effective_area
        return 2 * math.pi * self.n2 * self.ref_frequency / (SPEED_OF_LIGHT * self.gamma)

    def effective_area_at(self, frequency: torch.Tensor | float) -> torch.Tensor:
        """``A_eff(f) = pi a^2 / (pi a^2 / A_eff,ref + ln(f / f_ref))`` [m^2]."""
        f = torch.as_tensor(frequency, dtype=torch.float64)
        if not self.frequency_dependent_gamma:
            return torch.full_like(f, self.reference_area)
        pa2 = math.pi * self.core_radius ** 2
        return pa2 / (pa2 / self.reference_area + torch.log(f / self.ref_frequency))

    def gamma_at(self, frequency: torch.Tensor | float) -> torch.Tensor:
        """``gamma(f) = 2 pi n2 f / (c A_eff(f))`` [1/(W m)] (``gamma(f_ref)`` everywhere
        when ``frequency_dependent_gamma`` is false)."""
        f = torch.as_tensor(frequency, dtype=torch.float64)
        if not self.frequency_dependent_gamma:
            return torch.full_like(f, 2 * math.pi * self.n2 * self.ref_frequency
                                   / (SPEED_OF_LIGHT * self.reference_area))
        return 2 * math.pi * self.n2 * f / (SPEED_OF_LIGHT * self.effective_area_at(f))

    @property
    def raman_slope(self) -> float:
        """``C_r`` [1/(W m Hz)]: the given one or the default scaled to ``A_eff``."""
        if self.raman_gain_slope is not None:
            return self.raman_gain_slope
        return DEFAULT_RAMAN_GAIN_SLOPE * _REF_AREA_RAMAN / self.reference_area

    @property
    def latency(self) -> float:
        """Group delay ``n_g L / c`` [s]."""
        return self.group_index * self.length / SPEED_OF_LIGHT

    @property
    def pmd(self) -> float:
        """Mean DGD ``pmd_coef sqrt(L)`` [s]."""
        return self.pmd_coef * math.sqrt(self.length)
