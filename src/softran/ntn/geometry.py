"""Ground points and look angles on the WGS-84 ellipsoid, and the spherical-Earth slant
range of TR 38.811 §6.6.2 / TR 38.821 §4.2.

* :class:`GroundPoint`: a UE or gateway at geodetic latitude, longitude and height
  (WGS-84; ECEF through ``pymap3d.geodetic2ecef``).
* :func:`look_angles`: elevation, azimuth and range from a ground point to ECEF positions
  (the local east-north-up frame of the ground point, as ``pymap3d.ecef2aer``; the rotation
  is built once and applied to all positions, so a pass of 600 000 samples costs one matrix
  product).
* :func:`slant_range`: ``d = sqrt(R^2 sin^2(a) + h^2 + 2 h R) - R sin(a)`` (TR 38.811
  §6.6.2 eq. 6.6-3), ``a`` the elevation, ``h`` the altitude, ``R`` the Earth radius.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from softran.ntn.constants import EARTH_RADIUS
from softran.validation import check_real

__all__ = ["GroundPoint", "check_elevation", "look_angles", "slant_range"]


def check_elevation(name: str, value: object, low: float = 0.0) -> float:
    """An elevation angle in degrees within ``[low, 90]``.

    >>> check_elevation("min_elevation", 10)
    10.0
    >>> check_elevation("min_elevation", 95)
    Traceback (most recent call last):
    ValueError: min_elevation = 95.0 is not allowed; it must be <= 90
    """
    return check_real(name, value, low=low, high=90.0)


def slant_range(elevation_deg: float | np.ndarray, altitude: float,
                earth_radius: float = EARTH_RADIUS) -> float | np.ndarray:
    """Distance in metres from a ground point to a platform at ``altitude`` seen at
    ``elevation_deg`` over a spherical Earth (TR 38.811 §6.6.2 eq. 6.6-3).

    Args:
        elevation_deg: elevation angle(s) in degrees, 0..90.
        altitude: platform altitude ``h`` in metres (> 0).
        earth_radius: ``R`` in metres (TR 38.811 uses 6371 km).

    >>> round(slant_range(90.0, 600e3) / 1e3, 3)
    600.0
    >>> round(slant_range(10.0, 600e3, earth_radius=6378e3) / 1e3, 2)  # TR 38.821 Table 4.2-2
    1932.24
    """
    h = check_real("altitude", altitude, low=0.0)
    if h == 0.0:
        raise ValueError("altitude = 0.0 is not allowed; it must be > 0 m")
    r = check_real("earth_radius", earth_radius, low=1.0)
    el = np.asarray(elevation_deg, dtype=np.float64)
    if el.size and (not np.all(np.isfinite(el)) or el.min() < 0.0 or el.max() > 90.0):
        bad = el[(~np.isfinite(el)) | (el < 0) | (el > 90)].flat[0]
        raise ValueError(f"elevation_deg = {float(bad)} is not allowed; it must be in 0..90")
    s = np.sin(np.radians(el))
    d = np.sqrt((r * s) ** 2 + h * h + 2.0 * h * r) - r * s
    return float(d) if d.ndim == 0 else d


@dataclass(frozen=True)
class GroundPoint:
    """A point on or above the WGS-84 ellipsoid (a UE or a gateway).

    Attributes:
        latitude: geodetic latitude in degrees, -90..90.
        longitude: longitude in degrees, -180..360.
        height: height above the ellipsoid in metres (>= -500).

    >>> p = GroundPoint(0.0, 0.0)
    >>> p.ecef
    array([6378137.,       0.,       0.])
    """

    latitude: float
    longitude: float
    height: float = 0.0

    def __post_init__(self) -> None:
        object.__setattr__(self, "latitude",
                           check_real("latitude", self.latitude, low=-90.0, high=90.0))
        object.__setattr__(self, "longitude",
                           check_real("longitude", self.longitude, low=-180.0, high=360.0))
        object.__setattr__(self, "height", check_real("height", self.height, low=-500.0))

    @property
    def ecef(self) -> np.ndarray:
        """ECEF position in metres, ``[3]`` (``pymap3d.geodetic2ecef``, WGS-84)."""
        import pymap3d

        x, y, z = pymap3d.geodetic2ecef(self.latitude, self.longitude, self.height)
        return np.array([x, y, z], dtype=np.float64)

    @property
    def enu_rotation(self) -> np.ndarray:
        """``[3, 3]`` rotation from ECEF offsets to local east, north, up."""
        lat, lon = math.radians(self.latitude), math.radians(self.longitude)
        sl, cl, so, co = math.sin(lat), math.cos(lat), math.sin(lon), math.cos(lon)
        return np.array([[-so, co, 0.0],
                         [-sl * co, -sl * so, cl],
                         [cl * co, cl * so, sl]])


def look_angles(point: GroundPoint, position: np.ndarray
                ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Elevation and azimuth (degrees, azimuth clockwise from north in 0..360) and range
    (metres) from ``point`` to ECEF ``position`` ``[..., 3]`` (as ``pymap3d.ecef2aer``).

    >>> p = GroundPoint(0.0, 0.0)
    >>> el, az, rng = look_angles(p, p.ecef + np.array([1000.0, 0.0, 0.0]))
    >>> float(el), float(rng)
    (90.0, 1000.0)
    """
    pos = np.asarray(position, dtype=np.float64)
    if pos.shape[-1:] != (3,):
        raise ValueError(f"position must have shape [..., 3], got {pos.shape}")
    enu = (pos - point.ecef) @ point.enu_rotation.T
    e, n, u = enu[..., 0], enu[..., 1], enu[..., 2]
    horiz = np.hypot(e, n)
    rng = np.sqrt(horiz * horiz + u * u)
    el = np.degrees(np.arctan2(u, horiz))
    az = np.degrees(np.arctan2(e, n)) % 360.0
    return el, az, rng
