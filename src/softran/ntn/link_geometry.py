"""Delay and Doppler of an NTN link (TR 38.821 §4.2, §7.2; TR 38.811 §6.9.2 satellite
Doppler; transparent payload: UE - satellite service link plus satellite - gateway feeder
link).

For a satellite state ``(r_s, v_s, a_s)`` and a ground point ``r_g`` (fixed in ECEF), the
range ``d = |r_s - r_g|``, its rate ``d' = (r_s - r_g) . v_s / d`` and acceleration
``d'' = (|v_s|^2 + (r_s - r_g) . a_s - d'^2) / d`` (range is the same in every frame, so
ECEF derivatives are the inertial ones). At carrier ``f_c``:

* one-way delay ``d / c``; Doppler ``f_D = -f_c d' / c``; Doppler rate ``-f_c d'' / c``;
* round-trip delay (transparent payload) ``2 (d_service + d_feeder) / c`` -- the UE -
  gNB round trip through the satellite; regenerative payload ``2 d_service / c``.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from softran.ntn.constants import SPEED_OF_LIGHT
from softran.ntn.geometry import GroundPoint, look_angles
from softran.ntn.orbit import OrbitState
from softran.validation import check_name, check_positive

__all__ = ["PAYLOADS", "LinkGeometry", "link_geometry", "range_derivatives"]

#: satellite payload architectures (TR 38.821 §4.1)
PAYLOADS = ("transparent", "regenerative")


def range_derivatives(state: OrbitState, point: GroundPoint
                      ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Range (m), range rate (m/s) and range acceleration (m/s^2) from ``point`` to the
    satellite, each ``[N]`` (module notes).

    >>> from softran.ntn.orbit import CircularOrbit
    >>> d, rate, acc = range_derivatives(CircularOrbit(600e3, 90.0).state([0.0]),
    ...                                  GroundPoint(0.0, 0.0))
    >>> round(float(d[0])), round(float(rate[0]), 6)   # overhead: no radial motion
    (600000, 0.0)
    """
    dr = state.position - point.ecef
    d = np.sqrt(np.einsum("ij,ij->i", dr, dr))
    rate = np.einsum("ij,ij->i", dr, state.velocity) / d
    acc = (np.einsum("ij,ij->i", state.velocity, state.velocity)
           + np.einsum("ij,ij->i", dr, state.acceleration) - rate * rate) / d
    return d, rate, acc


@dataclass(frozen=True)
class LinkGeometry:
    """Geometry of an NTN link on a time grid (arrays ``[N]``, SI units).

    Attributes:
        times: seconds.
        elevation: UE elevation of the satellite in degrees.
        azimuth: degrees clockwise from north.
        slant_range: UE - satellite distance in metres.
        feeder_range: satellite - gateway distance in metres (0 without a gateway).
        delay: one-way service-link delay in seconds.
        round_trip_delay: UE - gNB round trip in seconds (payload-dependent).
        doppler: service-link Doppler shift at the carrier in Hz.
        doppler_rate: its rate of change in Hz/s.
        range_rate: service-link range rate in m/s.
        carrier_frequency: Hz.
        payload: "transparent" or "regenerative".
    """

    times: np.ndarray
    elevation: np.ndarray
    azimuth: np.ndarray
    slant_range: np.ndarray
    feeder_range: np.ndarray
    delay: np.ndarray
    round_trip_delay: np.ndarray
    doppler: np.ndarray
    doppler_rate: np.ndarray
    range_rate: np.ndarray
    carrier_frequency: float
    payload: str


def link_geometry(state: OrbitState, ue: GroundPoint, carrier_frequency: float,
                  gateway: GroundPoint | None = None,
                  payload: str = "transparent") -> LinkGeometry:
    """Elevation, delay, round trip, Doppler and Doppler rate of a UE's link (module notes).

    Args:
        state: satellite state (:meth:`CircularOrbit.state`, :meth:`TLEOrbit.state`).
        ue: the UE position.
        carrier_frequency: service-link carrier in Hz.
        gateway: the gateway (feeder link) for a transparent payload; ``None``: the feeder
            link is left out (``feeder_range`` 0).
        payload: "transparent" (round trip through the gateway) or "regenerative" (the gNB
            is on board).

    >>> from softran.ntn.orbit import CircularOrbit
    >>> g = link_geometry(CircularOrbit(600e3, 90.0).state([0.0]), GroundPoint(0.0, 0.0),
    ...                   2e9, payload="regenerative")
    >>> round(float(g.elevation[0]), 6), round(float(g.round_trip_delay[0]) * 1e3, 4)
    (90.0, 4.0028)
    """
    fc = check_positive("carrier_frequency", carrier_frequency)
    payload = check_name("payload", payload, PAYLOADS)
    if not isinstance(ue, GroundPoint):
        raise TypeError(f"ue must be a GroundPoint, got {type(ue).__name__}")
    el, az, _ = look_angles(ue, state.position)
    d, rate, acc = range_derivatives(state, ue)
    if gateway is None:
        feeder = np.zeros_like(d)
    else:
        if not isinstance(gateway, GroundPoint):
            raise TypeError(f"gateway must be a GroundPoint, got {type(gateway).__name__}")
        feeder = range_derivatives(state, gateway)[0]
    rtt = 2.0 * (d + feeder) / SPEED_OF_LIGHT if payload == "transparent" else \
        2.0 * d / SPEED_OF_LIGHT
    return LinkGeometry(times=state.times, elevation=el, azimuth=az, slant_range=d,
                        feeder_range=feeder, delay=d / SPEED_OF_LIGHT, round_trip_delay=rtt,
                        doppler=-fc * rate / SPEED_OF_LIGHT,
                        doppler_rate=-fc * acc / SPEED_OF_LIGHT, range_rate=rate,
                        carrier_frequency=fc, payload=payload)
