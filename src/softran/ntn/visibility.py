"""Visibility windows of a satellite above a minimum elevation, and the closed forms of a
circular-orbit pass over a spherical, non-rotating Earth (TR 38.821 §4.2, §7.2).

For an orbit of radius ``r = R + h`` with mean motion ``n = sqrt(mu / r^3)`` passing
directly over a ground point at distance ``R`` from the Earth's centre:

* the Earth central angle from the sub-satellite point to the point where the elevation is
  ``e`` is ``lambda(e) = arccos(R cos(e) / r) - e``, so the pass above ``e_min`` lasts
  ``T = 2 lambda(e_min) / n``;
* the range rate is ``n R cos(e)`` (the sine rule in the Earth-centre / UE / satellite
  triangle), so the Doppler at elevation ``e`` is ``f_c n R cos(e) / c`` and its largest
  value over the pass is at ``e_min``;
* the Doppler rate is largest overhead: ``f_c n^2 r R / ((r - R) c)``.
"""

from __future__ import annotations

import math

import numpy as np

from softran.ntn.constants import EARTH_MU, EARTH_RADIUS, SPEED_OF_LIGHT
from softran.ntn.geometry import check_elevation
from softran.validation import check_positive, check_real

__all__ = ["max_doppler", "max_doppler_rate", "pass_duration", "visibility_windows"]


def _orbit(altitude: float, earth_radius: float) -> tuple[float, float, float]:
    h = check_real("altitude", altitude)
    if h <= 0:
        raise ValueError(f"altitude = {h} is not allowed; it must be > 0 m")
    big_r = check_positive("earth_radius", earth_radius)
    r = big_r + h
    return big_r, r, math.sqrt(EARTH_MU / r ** 3)


def pass_duration(altitude: float, min_elevation: float,
                  earth_radius: float = EARTH_RADIUS) -> float:
    """Seconds an overhead pass stays above ``min_elevation`` degrees (module notes).

    >>> round(pass_duration(600e3, 10.0) / 60, 2)
    8.49
    """
    big_r, r, n = _orbit(altitude, earth_radius)
    e = math.radians(check_elevation("min_elevation", min_elevation))
    lam = math.acos(big_r * math.cos(e) / r) - e
    return 2.0 * lam / n


def max_doppler(altitude: float, min_elevation: float, carrier_frequency: float,
                earth_radius: float = EARTH_RADIUS) -> float:
    """Largest Doppler shift (Hz) of an overhead pass seen above ``min_elevation``:
    ``f_c n R cos(e_min) / c`` (module notes).

    >>> round(max_doppler(600e3, 0.0, 2e9) / 2e9 * 1e6, 2)   # ppm at the horizon
    23.05
    """
    big_r, _, n = _orbit(altitude, earth_radius)
    e = math.radians(check_elevation("min_elevation", min_elevation))
    fc = check_positive("carrier_frequency", carrier_frequency)
    return fc * n * big_r * math.cos(e) / SPEED_OF_LIGHT


def max_doppler_rate(altitude: float, carrier_frequency: float,
                     earth_radius: float = EARTH_RADIUS) -> float:
    """Largest |Doppler rate| (Hz/s) of an overhead pass, reached at zenith (module notes).

    >>> round(max_doppler_rate(600e3, 2e9))
    581
    """
    big_r, r, n = _orbit(altitude, earth_radius)
    fc = check_positive("carrier_frequency", carrier_frequency)
    return fc * n * n * r * big_r / ((r - big_r) * SPEED_OF_LIGHT)


def visibility_windows(times: np.ndarray, elevation: np.ndarray,
                       min_elevation: float) -> list[tuple[float, float]]:
    """Intervals ``(start, end)`` in seconds where ``elevation`` (degrees, sampled at
    ``times``) is at least ``min_elevation``; crossings are located by linear
    interpolation between samples, and a window open at either end of the grid is cut
    there.

    >>> t = np.arange(5.0)
    >>> visibility_windows(t, np.array([0.0, 10.0, 30.0, 10.0, 0.0]), 20.0)
    [(1.5, 2.5)]
    """
    t = np.asarray(times, dtype=np.float64)
    el = np.asarray(elevation, dtype=np.float64)
    if t.ndim != 1 or el.shape != t.shape or t.size == 0:
        raise ValueError(f"times and elevation must be 1-D of one length, got {t.shape} and "
                         f"{el.shape}")
    emin = check_elevation("min_elevation", min_elevation, low=-90.0)
    above = el >= emin
    edges = np.flatnonzero(np.diff(above.astype(np.int8)))

    def cross(i: int) -> float:
        e0, e1 = el[i], el[i + 1]
        return float(t[i] + (emin - e0) / (e1 - e0) * (t[i + 1] - t[i]))

    out: list[tuple[float, float]] = []
    start = float(t[0]) if above[0] else None
    for i in edges:
        if not above[i]:      # rising edge between i and i + 1
            start = cross(int(i))
        else:                 # falling edge
            assert start is not None
            out.append((start, cross(int(i))))
            start = None
    if start is not None:
        out.append((start, float(t[-1])))
    return out
