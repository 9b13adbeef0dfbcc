"""Unit conversions at the user boundary of softran.optical (code is SI everywhere else).

Link files and datasheets speak dB, dBm, dB/km, ps/(nm km), 1/(W km), µm², GHz and THz;
the physics in :mod:`softran.optical.gn_model` and the split-step fibre speak W, 1/m, s²/m,
1/(W m), m² and Hz. Every crossing goes through one of these helpers, each a plain
definition:

* power ratio: ``x_dB = 10 log10(x)``; power ``P_dBm = 10 log10(P / 1 mW)``;
* attenuation: ``α [1/m] = α_dB [dB/km] · ln(10) / 10 / 1000`` (power attenuation
  coefficient, ``P(z) = P(0) exp(-α z)``);
* dispersion: ``1 ps/(nm km) = 1e-6 s/m²``;
  ``β2 = -D λ² / (2π c)`` (Agrawal, *Nonlinear Fiber Optics*, eq. (1.2.11));
  ``β3 = (λ / (2π c))² (λ² S + 2 λ D)`` (Agrawal eq. (2.4.27)'s companion for the slope
  S = dD/dλ);
* nonlinear coefficient: ``1 /(W km) = 1e-3 /(W m)``;
* frequency and wavelength: ``ν = c / λ``.

Every function takes a Python number or a ``torch.Tensor`` (element-wise, any shape) and
returns the same kind.
"""

from __future__ import annotations

import math
from typing import TypeVar

import torch

from softran.optical.constants import REFERENCE_WAVELENGTH, SPEED_OF_LIGHT

__all__ = [
    "beta2_to_dispersion",
    "db_per_km_to_per_m",
    "db_to_linear",
    "dbm_to_watt",
    "dispersion_to_beta2",
    "dispersion_to_si",
    "frequency_to_wavelength",
    "gamma_to_si",
    "ghz",
    "linear_to_db",
    "per_m_to_db_per_km",
    "slope_to_beta3",
    "thz",
    "watt_to_dbm",
    "wavelength_to_frequency",
]

Num = TypeVar("Num", float, torch.Tensor)

_DB_PER_NEPER_POWER = 10.0 / math.log(10.0)  # 4.3429 dB per neper of power


def _log10(x: Num) -> Num:
    if isinstance(x, torch.Tensor):
        return torch.log10(x)
    x = float(x)
    if not x > 0:
        raise ValueError(f"cannot take the logarithm of {x}; the value must be > 0")
    return math.log10(x)


def _pow10(x: Num) -> Num:
    if isinstance(x, torch.Tensor):
        return torch.pow(10.0, x)
    return 10.0 ** float(x)


def db_to_linear(x_db: Num) -> Num:
    """Power ratio from decibels: ``10^(x_dB / 10)``.

    >>> db_to_linear(20.0)
    100.0
    """
    return _pow10(x_db / 10.0)


def linear_to_db(x: Num) -> Num:
    """Power ratio in decibels: ``10 log10(x)`` (``x > 0``).

    >>> linear_to_db(1000.0)
    30.0
    """
    return 10.0 * _log10(x)


def dbm_to_watt(p_dbm: Num) -> Num:
    """Power in W from dBm: ``1 mW · 10^(P_dBm / 10)``.

    >>> dbm_to_watt(0.0)
    0.001
    """
    return 1e-3 * _pow10(p_dbm / 10.0)


def watt_to_dbm(p_w: Num) -> Num:
    """Power in dBm from W: ``10 log10(P / 1 mW)``.

    >>> round(watt_to_dbm(0.01), 12)
    10.0
    """
    return 10.0 * _log10(p_w / 1e-3)


def db_per_km_to_per_m(alpha_db_km: Num) -> Num:
    """Power attenuation coefficient in 1/m from dB/km: ``α_dB ln(10) / 10 / 1000``.

    >>> round(db_per_km_to_per_m(0.2) * 1e5, 6)   # 0.2 dB/km = 4.6052e-5 /m
    4.60517
    """
    return alpha_db_km / _DB_PER_NEPER_POWER / 1e3


def per_m_to_db_per_km(alpha: Num) -> Num:
    """Inverse of :func:`db_per_km_to_per_m`.

    >>> round(per_m_to_db_per_km(db_per_km_to_per_m(0.16)), 12)
    0.16
    """
    return alpha * _DB_PER_NEPER_POWER * 1e3


def dispersion_to_si(d_ps_nm_km: Num) -> Num:
    """Dispersion parameter D in s/m² from ps/(nm km): ``1 ps/(nm km) = 1e-6 s/m²``.

    >>> dispersion_to_si(17.0)
    1.7e-05
    """
    return d_ps_nm_km * 1e-6


def dispersion_to_beta2(d_ps_nm_km: Num, wavelength: float = REFERENCE_WAVELENGTH) -> Num:
    """Group-velocity dispersion β2 in s²/m from D in ps/(nm km):
    ``β2 = -D λ² / (2π c)`` (Agrawal, *Nonlinear Fiber Optics*, eq. (1.2.11)).

    >>> round(dispersion_to_beta2(17.0) * 1e27, 3)   # SSMF at 1550 nm: -21.68 ps²/km
    -21.683
    """
    return -dispersion_to_si(d_ps_nm_km) * wavelength ** 2 / (2.0 * math.pi * SPEED_OF_LIGHT)


def beta2_to_dispersion(beta2: Num, wavelength: float = REFERENCE_WAVELENGTH) -> Num:
    """D in ps/(nm km) from β2 in s²/m (inverse of :func:`dispersion_to_beta2`).

    >>> round(beta2_to_dispersion(dispersion_to_beta2(4.0)), 12)
    4.0
    """
    return -beta2 * 2.0 * math.pi * SPEED_OF_LIGHT / wavelength ** 2 / 1e-6


def slope_to_beta3(s_ps_nm2_km: Num, d_ps_nm_km: Num,
                   wavelength: float = REFERENCE_WAVELENGTH) -> Num:
    """Third-order dispersion β3 in s³/m from the dispersion slope S [ps/(nm² km)] and D:
    ``β3 = (λ / (2π c))² (λ² S + 2 λ D)`` (differentiate β2(ω) = -D λ²/(2πc) once more in ω;
    Agrawal, *Nonlinear Fiber Optics*, §1.2.3).

    >>> round(slope_to_beta3(0.057, 16.7) * 1e39, 4)   # SSMF: about 0.12 ps³/km
    0.1278
    """
    s_si = s_ps_nm2_km * 1e3  # ps/(nm² km) -> s/m³: 1e-12 / (1e-18 * 1e3)
    d_si = dispersion_to_si(d_ps_nm_km)
    return (wavelength / (2.0 * math.pi * SPEED_OF_LIGHT)) ** 2 * (
        wavelength ** 2 * s_si + 2.0 * wavelength * d_si)


def gamma_to_si(gamma_per_w_km: Num) -> Num:
    """Nonlinear coefficient γ in 1/(W m) from 1/(W km).

    >>> round(gamma_to_si(1.3), 12)
    0.0013
    """
    return gamma_per_w_km * 1e-3


def ghz(x: Num) -> Num:
    """GHz to Hz.

    >>> ghz(12.5)
    12500000000.0
    """
    return x * 1e9


def thz(x: Num) -> Num:
    """THz to Hz.

    >>> thz(193.1)
    193100000000000.0
    """
    return x * 1e12


def wavelength_to_frequency(wavelength: Num) -> Num:
    """Optical frequency in Hz of a vacuum wavelength in m: ``ν = c / λ``.

    >>> round(wavelength_to_frequency(1550e-9) / 1e12, 3)
    193.414
    """
    return SPEED_OF_LIGHT / wavelength


def frequency_to_wavelength(frequency: Num) -> Num:
    """Vacuum wavelength in m of an optical frequency in Hz: ``λ = c / ν``.

    >>> round(frequency_to_wavelength(193.1e12) * 1e9, 3)
    1552.524
    """
    return SPEED_OF_LIGHT / frequency
