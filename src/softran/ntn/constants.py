"""Physical constants of the NTN geometry: speed of light, the WGS-84 ellipsoid and Earth
rotation (NIMA TR8350.2), the Earth's gravitational parameter, and the mean Earth radius of
the spherical-Earth formulas in TR 38.811 §6.6.2.

>>> round(WGS84_B, 3)
6356752.314
"""

from __future__ import annotations

__all__ = [
    "EARTH_MU",
    "EARTH_RADIUS",
    "EARTH_ROTATION_RATE",
    "SPEED_OF_LIGHT",
    "WGS84_A",
    "WGS84_B",
    "WGS84_F",
]

#: speed of light in vacuum, m/s
SPEED_OF_LIGHT = 299_792_458.0
#: WGS-84 semi-major axis, m
WGS84_A = 6_378_137.0
#: WGS-84 flattening
WGS84_F = 1.0 / 298.257223563
#: WGS-84 semi-minor (polar) axis, m
WGS84_B = WGS84_A * (1.0 - WGS84_F)
#: WGS-84 Earth rotation rate, rad/s
EARTH_ROTATION_RATE = 7.292115e-5
#: Earth's gravitational parameter GM (WGS-84), m^3/s^2
EARTH_MU = 3.986004418e14
#: mean Earth radius of the spherical-Earth slant-range formula, TR 38.811 §6.6.2, m
EARTH_RADIUS = 6_371_000.0
