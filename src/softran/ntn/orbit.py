"""Satellite orbits: circular orbits (altitude, inclination, RAAN, phase) and two-line
element sets propagated with SGP4 (the ``sgp4`` package, no network: TLEs as strings).

Both give an :class:`OrbitState` on any time grid: position, velocity and acceleration in
the Earth-centred Earth-fixed frame (ECEF, WGS-84 axes), float64 arrays ``[N, 3]``.

* **Circular orbit** (two-body, no perturbations): radius ``a = R_WGS84 + h``, mean motion
  ``n = sqrt(mu / a^3)``, argument of latitude ``u(t) = phase + n t``; the inertial frame
  coincides with ECEF at ``t = 0`` (``theta0``, the sidereal angle, turns it) and the Earth turns at
  ``omega_E = 7.292115e-5 rad/s`` (``earth_rotation=False`` stops it). ECEF velocity and
  acceleration include the rotating-frame terms: ``v = R v_i - w x r``,
  ``a = R a_i - 2 w x v - w x (w x r)``.
* **TLE**: SGP4 gives TEME positions; TEME -> ECEF by the Greenwich mean sidereal angle
  (IAU-82 GMST, as Vallado's ``gstime``), polar motion neglected (metre level). The
  acceleration is a central difference of the SGP4 velocity (+-0.5 s). Both lines are
  checked (length, line numbers, catalogue number, modulo-10 checksum) before SGP4 runs.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import UTC, datetime

import numpy as np

from softran.ntn.constants import EARTH_MU, EARTH_ROTATION_RATE, WGS84_A
from softran.validation import check_real

__all__ = ["CircularOrbit", "OrbitState", "TLEOrbit", "tle_checksum"]


@dataclass(frozen=True)
class OrbitState:
    """Satellite state on a time grid (ECEF, SI units).

    Attributes:
        times: seconds, ``[N]``.
        position: metres, ``[N, 3]``.
        velocity: m/s, ``[N, 3]``.
        acceleration: m/s^2, ``[N, 3]``.
    """

    times: np.ndarray
    position: np.ndarray
    velocity: np.ndarray
    acceleration: np.ndarray


def _times(times: object) -> np.ndarray:
    t = np.atleast_1d(np.asarray(times, dtype=np.float64))
    if t.ndim != 1 or not np.all(np.isfinite(t)):
        raise ValueError("times must be a 1-D array of finite seconds")
    return t


def _rotating_frame(r_i: np.ndarray, v_i: np.ndarray, a_i: np.ndarray, angle: np.ndarray,
                    rate: float) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Inertial ``[N, 3]`` state -> Earth-fixed: rotate by ``-angle`` about z, then
    ``v = R v_i - w x r`` and ``a = R a_i - 2 w x v - w x (w x r)`` with ``w = (0, 0, rate)``
    (written out per component on 1-D arrays: one cos/sin for all three vectors)."""
    c, s = np.cos(angle), np.sin(angle)
    rx = c * r_i[:, 0] + s * r_i[:, 1]
    ry = c * r_i[:, 1] - s * r_i[:, 0]
    vx = c * v_i[:, 0] + s * v_i[:, 1] + rate * ry
    vy = c * v_i[:, 1] - s * v_i[:, 0] - rate * rx
    w2 = rate * rate
    ax = c * a_i[:, 0] + s * a_i[:, 1] + 2.0 * rate * vy + w2 * rx
    ay = c * a_i[:, 1] - s * a_i[:, 0] - 2.0 * rate * vx + w2 * ry
    return (np.stack((rx, ry, r_i[:, 2]), axis=1), np.stack((vx, vy, v_i[:, 2]), axis=1),
            np.stack((ax, ay, a_i[:, 2]), axis=1))


class CircularOrbit:
    """A circular orbit (two-body) around the WGS-84 Earth.

    Args:
        altitude: height above the equatorial radius in metres (> 0).
        inclination: degrees, 0..180.
        raan: right ascension of the ascending node in degrees (at ``t = 0``).
        phase: argument of latitude at ``t = 0`` in degrees.
        theta0: Greenwich sidereal angle at ``t = 0`` in degrees (Greenwich lies ``theta0``
            east of the inertial x axis, as GMST).
        earth_rotation: turn the Earth (``False``: ECEF = inertial frame).

    >>> orb = CircularOrbit(600e3, 90.0)
    >>> round(orb.period / 60, 2)   # minutes
    96.69
    >>> s = orb.state([0.0])
    >>> np.round(s.position[0] / 1e3, 3)
    array([6978.137,    0.   ,    0.   ])
    """

    def __init__(self, altitude: float, inclination: float, raan: float = 0.0,
                 phase: float = 0.0, *, theta0: float = 0.0,
                 earth_rotation: bool = True) -> None:
        self.altitude = check_real("altitude", altitude)
        if self.altitude <= 0:
            raise ValueError(f"altitude = {self.altitude} is not allowed; it must be > 0 m "
                             "(height above the Earth's equatorial radius)")
        self.inclination = check_real("inclination", inclination, low=0.0, high=180.0)
        self.raan = check_real("raan", raan)
        self.phase = check_real("phase", phase)
        self.theta0 = check_real("theta0", theta0)
        if not isinstance(earth_rotation, bool):
            raise TypeError(f"earth_rotation must be a bool, got {type(earth_rotation).__name__}")
        self.earth_rotation = earth_rotation
        self.radius = WGS84_A + self.altitude
        #: mean motion in rad/s
        self.mean_motion = math.sqrt(EARTH_MU / self.radius ** 3)

    @property
    def period(self) -> float:
        """Orbital period in seconds."""
        return 2.0 * math.pi / self.mean_motion

    @property
    def speed(self) -> float:
        """Inertial orbital speed in m/s."""
        return self.mean_motion * self.radius

    def state(self, times: object) -> OrbitState:
        """ECEF state at ``times`` (seconds after ``t = 0``)."""
        t = _times(times)
        n, a = self.mean_motion, self.radius
        u = math.radians(self.phase) + n * t
        cu, su = np.cos(u), np.sin(u)
        inc, om = math.radians(self.inclination), math.radians(self.raan)
        ci, si = math.cos(inc), math.sin(inc)
        rate = EARTH_ROTATION_RATE if self.earth_rotation else 0.0
        # Earth-fixed node: the orbital plane seen from the turning Earth (one cos/sin)
        lon = (om - math.radians(self.theta0)) - rate * t
        cl, sl = np.cos(lon), np.sin(lon)
        # r = a (cu p + su q): p = node direction, q = 90 deg ahead in the plane
        px, py = cl, sl
        qx, qy = -sl * ci, cl * ci
        x = a * (cu * px + su * qx)
        y = a * (cu * py + su * qy)
        z = (a * si) * su
        # inertial velocity a n (-su p + cu q), rotated; minus w x r
        an = a * n
        vx = an * (-su * px + cu * qx) + rate * y
        vy = an * (-su * py + cu * qy) - rate * x
        vz = (an * si) * cu
        # inertial acceleration -n^2 r, rotated; minus 2 w x v and w x (w x r)
        k = rate * rate - n * n
        ax = k * x + 2.0 * rate * vy
        ay = k * y - 2.0 * rate * vx
        az = (-n * n) * z
        r = np.stack((x, y, z), axis=1)
        v = np.stack((vx, vy, vz), axis=1)
        acc = np.stack((ax, ay, az), axis=1)
        return OrbitState(t, r, v, acc)


def tle_checksum(line: str) -> int:
    """Modulo-10 checksum of a TLE line: the digits of its first 68 characters, each ``-``
    counting 1 (the NORAD two-line element format).

    >>> tle_checksum("1 25544U 98067A   08264.51782528 -.00002182  00000-0 -11606-4 0  2927")
    7
    """
    return sum(int(c) if c.isdigit() else (1 if c == "-" else 0) for c in line[:68]) % 10


def _check_line(k: int, line: object) -> str:
    name = f"line{k}"
    if not isinstance(line, str):
        raise TypeError(f"{name} must be a string, got {type(line).__name__}")
    s = line.rstrip()
    if len(s) != 69:
        raise ValueError(f"{name} has {len(s)} characters; a TLE line has 69")
    if s[0] != str(k) or s[1] != " ":
        raise ValueError(f"{name} must start with '{k} ', got {s[:2]!r}")
    if not s[68].isdigit():
        raise ValueError(f"{name}: checksum character {s[68]!r} is not a digit")
    want = tle_checksum(s)
    if int(s[68]) != want:
        raise ValueError(f"{name}: bad checksum {s[68]} (the line's digits give {want}); "
                         "the TLE is corrupt")
    return s


def _gmst(jd: np.ndarray, fr: np.ndarray) -> np.ndarray:
    """Greenwich mean sidereal angle (IAU-82) in radians at UT1 Julian date ``jd + fr``."""
    tut1 = ((jd - 2451545.0) + fr) / 36525.0
    sec = (-6.2e-6 * tut1 ** 3 + 0.093104 * tut1 ** 2
           + (876600.0 * 3600.0 + 8640184.812866) * tut1 + 67310.54841)
    return np.remainder(np.radians(sec / 240.0), 2.0 * math.pi)


class TLEOrbit:
    """A satellite from a two-line element set, propagated with SGP4 (WGS-72 constants, as
    the TLE format requires).

    Args:
        line1, line2: the two 69-character lines (checksums are verified).
        start: UTC instant of ``t = 0`` (a timezone-aware or naive-UTC ``datetime``);
            default the TLE epoch.

    >>> iss = TLEOrbit("1 25544U 98067A   08264.51782528 -.00002182  00000-0 -11606-4 0  2927",
    ...                "2 25544  51.6416 247.4627 0006703 130.5360 325.0288 15.72125391563537")
    >>> 300e3 < float(np.linalg.norm(iss.state([0.0]).position[0])) - 6378137 < 400e3
    True
    """

    def __init__(self, line1: str, line2: str, start: datetime | None = None) -> None:
        from sgp4.api import WGS72, Satrec, jday

        l1, l2 = _check_line(1, line1), _check_line(2, line2)
        if l1[2:7] != l2[2:7]:
            raise ValueError(f"line1 and line2 name different satellites ({l1[2:7]!r} and "
                             f"{l2[2:7]!r})")
        self.line1, self.line2 = l1, l2
        self._sat = Satrec.twoline2rv(l1, l2, WGS72)
        if self._sat.error:
            raise ValueError(f"SGP4 cannot use this TLE (error code {self._sat.error})")
        if start is None:
            self._jd0, self._fr0 = self._sat.jdsatepoch, self._sat.jdsatepochF
        else:
            if not isinstance(start, datetime):
                raise TypeError(f"start must be a datetime, got {type(start).__name__}")
            if start.tzinfo is not None:
                start = start.astimezone(UTC)
            self._jd0, self._fr0 = jday(start.year, start.month, start.day, start.hour,
                                        start.minute, start.second + start.microsecond * 1e-6)

    def _teme(self, t: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
        jd = np.full_like(t, self._jd0)
        fr = self._fr0 + t / 86400.0
        err, r, v = self._sat.sgp4_array(jd, fr)
        if np.any(err):
            code = int(err[np.nonzero(err)[0][0]])
            raise ValueError(f"SGP4 failed (error code {code}) inside the requested times")
        return jd, fr, np.asarray(r) * 1e3, np.asarray(v) * 1e3

    def state(self, times: object) -> OrbitState:
        """ECEF state at ``times`` (seconds after ``start``)."""
        t = _times(times)
        jd, fr, r, v = self._teme(t)
        _, _, _, v_plus = self._teme(t + 0.5)
        _, _, _, v_minus = self._teme(t - 0.5)
        a = v_plus - v_minus  # central difference over 1 s
        angle = _gmst(jd, fr)
        pos, vel, acc = _rotating_frame(r, v, a, angle, EARTH_ROTATION_RATE)
        return OrbitState(t, pos, vel, acc)
