r"""Inter-channel stimulated Raman scattering (SRS): the power transfer from the high- to the
low-frequency channels of a WDM comb, in the triangular approximation of the Raman gain.

Model (Christodoulides and Jander, IEEE Photon. Technol. Lett. 8(12) 1996; Zirngibl,
Electron. Lett. 34(8) 1998; Semrau et al., J. Lightw. Technol. 36(14) 2018, eq. (2)): the
Raman gain between two channels rises linearly with their frequency difference, slope
``C_r`` [1/(W m Hz)], and the channels obey

    dP_i/dz = -alpha_i P_i + C_r P_i sum_k (f_k - f_i) P_k

(channel ``i`` gains from every channel above it and feeds every channel below it; the
photon-energy ratio ``f_i / f_k ~ 1`` of the exact Raman equations is neglected).

* Uniform loss ``alpha`` (:func:`srs_power_profile`): the exact solution is

      P_i(z) = P_i(0) e^{-alpha z} P_tot e^{-C_r L_eff(z) P_tot f_i}
               / sum_k P_k(0) e^{-C_r L_eff(z) P_tot f_k},

  ``P_tot = sum_k P_k(0)``, ``L_eff(z) = (1 - e^{-alpha z}) / alpha``; only frequency
  differences matter.
* Flat comb of bandwidth ``B`` (:func:`srs_flat_comb`, the continuous limit): ``P(z, f) /
  (P(0, f) e^{-alpha z}) = x B e^{-x f} / (2 sinh(x B / 2))`` with ``x = C_r L_eff P_tot``
  and ``f`` from the comb's centre; the edge-to-edge tilt is ``10 log10(e) x B`` dB
  (:func:`srs_tilt_db`).
* Frequency-dependent loss or lumped losses (:func:`srs_power_profile_numerical`): the
  equations above integrated over ``z`` (fourth-order Runge-Kutta on ``ln P``, lumped
  losses applied where they are).
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Sequence

import torch

from softran.validation import check_int, check_positive, check_real, check_tensor

__all__ = [
    "srs_flat_comb",
    "srs_power_profile",
    "srs_power_profile_numerical",
    "srs_tilt_db",
]


def _leff(alpha: float, z: float) -> float:
    return z if alpha == 0 else -math.expm1(-alpha * z) / alpha


def _inputs(powers: torch.Tensor, frequencies: torch.Tensor) -> tuple[torch.Tensor, ...]:
    p = check_tensor("powers", powers, min_dim=1).to(torch.float64)
    f = check_tensor("frequencies", frequencies, min_dim=1).to(torch.float64)
    if p.shape != f.shape:
        raise ValueError(f"powers {tuple(p.shape)} and frequencies {tuple(f.shape)} must "
                         "have the same shape")
    if bool((p < 0).any()):
        raise ValueError("powers must be >= 0 (W)")
    return p, f


def srs_power_profile(powers: torch.Tensor, frequencies: torch.Tensor, *, alpha: float,
                      raman_gain_slope: float, z: float) -> torch.Tensor:
    """Channel powers [W] after ``z`` [m] of fibre with uniform loss ``alpha`` [1/m] and
    triangular Raman gain of slope ``raman_gain_slope`` [1/(W m Hz)] (the exact solution
    of the module docstring). ``powers`` and ``frequencies`` [Hz] are ``[n_ch]``.

    Two channels 10 THz apart, 100 mW in total, no loss, 10 km, ``C_r = 2.8e-17``:
    ``x = C_r z P_tot = 2.8e-14 /Hz``, the lower one gains ``2 e^{x 5 THz} / (e^{x 5 THz} +
    e^{-x 5 THz})`` = 1 + tanh(0.14):

    >>> p = srs_power_profile(torch.tensor([0.05, 0.05]), torch.tensor([0.0, 10e12]),
    ...                       alpha=0.0, raman_gain_slope=2.8e-17, z=10e3)
    >>> round(float(p[0] / 0.05), 6), round(1 + math.tanh(0.14), 6)
    (1.139092, 1.139092)
    """
    p, f = _inputs(powers, frequencies)
    alpha = check_real("alpha", alpha, low=0.0)
    c_r = check_real("raman_gain_slope", raman_gain_slope, low=0.0)
    z = check_real("z", z, low=0.0)
    p_tot = float(p.sum())
    x = c_r * _leff(alpha, z) * p_tot
    e = -x * (f - f.mean())                          # only differences matter
    log_norm = torch.logsumexp(e + torch.log(p.clamp_min(1e-300)), dim=-1)
    return p * math.exp(-alpha * z) * torch.exp(e - log_norm) * p_tot


def srs_flat_comb(offsets: torch.Tensor, *, bandwidth: float, total_power: float,
                  alpha: float, raman_gain_slope: float, z: float) -> torch.Tensor:
    """Power ratio ``P(z, f) / (P(0, f) e^{-alpha z})`` of a flat comb of ``bandwidth``
    [Hz] and ``total_power`` [W] at frequency ``offsets`` [Hz] from its centre (continuous
    limit, module docstring; Semrau et al. 2018, eq. (2)).

    >>> r = srs_flat_comb(torch.tensor([-2e12, 0.0, 2e12]), bandwidth=4e12, total_power=0.1,
    ...                   alpha=0.0, raman_gain_slope=2.8e-17, z=20e3)
    >>> round(float(r[0] / r[2]), 6) == round(math.exp(2.8e-17 * 20e3 * 0.1 * 4e12), 6)
    True
    """
    f = check_tensor("offsets", offsets).to(torch.float64)
    b = check_positive("bandwidth", bandwidth)
    x = (check_real("raman_gain_slope", raman_gain_slope, low=0.0)
         * _leff(check_real("alpha", alpha, low=0.0), check_real("z", z, low=0.0))
         * check_real("total_power", total_power, low=0.0))
    if x * b < 1e-12:
        return torch.ones_like(f)
    return x * b * torch.exp(-x * f) / (2 * math.sinh(x * b / 2))


def srs_tilt_db(*, bandwidth: float, total_power: float, alpha: float, raman_gain_slope: float,
                z: float) -> float:
    """Edge-to-edge SRS tilt [dB] of a flat comb: ``10 log10(e) C_r L_eff(z) P_tot B``
    (low-frequency edge minus high-frequency edge).

    76 channels of 0 dBm (76 mW) over 3.75 THz after 80 km of 0.2 dB/km fibre with
    ``C_r = 2.7e-17`` (83 um^2): about 0.72 dB.

    >>> round(srs_tilt_db(bandwidth=3.75e12, total_power=0.076, alpha=4.60517e-5,
    ...                   raman_gain_slope=2.7e-17, z=80e3), 2)
    0.71
    """
    b = check_positive("bandwidth", bandwidth)
    x = (check_real("raman_gain_slope", raman_gain_slope, low=0.0)
         * _leff(check_real("alpha", alpha, low=0.0), check_real("z", z, low=0.0))
         * check_real("total_power", total_power, low=0.0))
    return 10 * math.log10(math.e) * x * b


def srs_power_profile_numerical(powers: torch.Tensor, frequencies: torch.Tensor, *,
                                alpha: torch.Tensor | float, raman_gain_slope: float,
                                length: float, lumped_losses: Sequence[tuple[float, float]] = (),
                                steps: int = 200) -> torch.Tensor:
    """Channel powers [W] after ``length`` [m] by integrating the SRS equations of the module
    docstring (RK4 on ``ln P`` over ``steps`` equal steps between lumped losses), for a
    per-channel loss ``alpha`` [1/m] (a number or ``[n_ch]``) and lumped losses ``(z [m],
    dB)``.

    Uniform loss reproduces :func:`srs_power_profile`:

    >>> p0, f = torch.tensor([0.03, 0.03, 0.04]), torch.tensor([0.0, 2e12, 5e12])
    >>> a = srs_power_profile_numerical(p0, f, alpha=4.6e-5, raman_gain_slope=3e-17,
    ...                                 length=80e3)
    >>> b = srs_power_profile(p0, f, alpha=4.6e-5, raman_gain_slope=3e-17, z=80e3)
    >>> bool(torch.allclose(a, b, rtol=1e-9))
    True
    """
    p, f = _inputs(powers, frequencies)
    c_r = check_real("raman_gain_slope", raman_gain_slope, low=0.0)
    length = check_positive("length", length)
    steps = check_int("steps", steps, 1)
    a = torch.as_tensor(alpha, dtype=torch.float64).expand_as(p)
    if bool((a < 0).any()):
        raise ValueError("alpha must be >= 0 (1/m)")
    g = c_r * (f.unsqueeze(0) - f.unsqueeze(1))      # g[i, k] = C_r (f_k - f_i)
    cuts = sorted((float(z), float(db)) for z, db in lumped_losses)
    for z, _ in cuts:
        if not 0.0 <= z <= length:
            raise ValueError(f"lumped loss at z = {z} m lies outside the fibre (0..{length})")
    edges = [0.0] + [z for z, _ in cuts] + [length]
    lp = torch.log(p.clamp_min(1e-300))

    def rhs(lq: torch.Tensor) -> torch.Tensor:
        return -a + g @ torch.exp(lq)

    for i, (z0, z1) in enumerate(itertools.pairwise(edges)):
        n = max(1, math.ceil(steps * (z1 - z0) / length)) if z1 > z0 else 0
        h = (z1 - z0) / n if n else 0.0
        for _ in range(n):
            k1 = rhs(lp)
            k2 = rhs(lp + h / 2 * k1)
            k3 = rhs(lp + h / 2 * k2)
            k4 = rhs(lp + h * k3)
            lp = lp + h / 6 * (k1 + 2 * k2 + 2 * k3 + k4)
        if i < len(cuts):
            lp = lp - cuts[i][1] * math.log(10) / 10
    return torch.where(p > 0, torch.exp(lp), torch.zeros_like(p))
