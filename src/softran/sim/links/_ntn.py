"""The NTN link layer the ``ntn-pusch`` and ``ntn-pdsch`` links share: geometry -> delay and
Doppler -> residual errors after UE pre-compensation -> NTN-TDL channel with the residual
as its common shift -> the HARQ round trip of the link.

* **Geometry** (``[ntn]``, :class:`~softran.sim.scenario_sections.NTNSection`): ``fixed``
  places the satellite (circular orbit, ``altitude``) so that the UE sees it at
  ``elevation``; ``pass`` samples an overhead pass of a polar orbit over the UE every
  second while it is above ``min_elevation``.
* **Residual**: :func:`softran.ntn.residual_after_precompensation` on every geometry
  sample (errors drawn once from ``error_seed``), in the link's direction. Uplink
  (``ntn-pusch``): the UE pre-compensates its transmission, the residual Doppler plus its
  oscillator error reaches the gNB. Downlink (``ntn-pdsch``): the satellite sends on the
  carrier, the UE corrects its receiver with the Doppler it predicts from the same GNSS
  position and ephemeris; the residual minus its oscillator error reaches the UE's
  receiver (see :mod:`softran.ntn.compensation`). The residual becomes the NTN-TDL
  channel's common shift; the UE-motion Doppler is the channel's ``max_doppler``. The
  residual delay (nanoseconds for metre-level errors) is reported but not applied: it is
  far inside the cyclic prefix and the receiver's channel estimate absorbs it.
* **Per transmission** the geometry sample comes from the channel's seed (uniform over
  the pass), so every engine sees the same draws.
* **Round trip** (TR 38.821 §4.2): ``2 (d_service + d_feeder) / c`` with the feeder link at
  ``feeder_elevation``; the HARQ RTT in slots is the smallest number of slots covering the
  largest round trip plus ``harq_processing_slots`` (both directions: a PUSCH waits for the
  gNB's next grant, a PDSCH for the UE's HARQ-ACK, one UE - gNB round trip each).
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np
import torch

from softran.channel.ntn import NTNTDLChannel
from softran.ntn import (
    SPEED_OF_LIGHT,
    WGS84_A,
    CircularOrbit,
    GroundPoint,
    PrecompensationErrors,
    link_geometry,
    residual_after_precompensation,
    slant_range,
    slots_covering,
)
from softran.validation import check_name

__all__ = ["NTNLinkLayer"]

_UE = GroundPoint(0.0, 0.0)


def _central_angle(elevation: float, altitude: float) -> float:
    e = math.radians(elevation)
    return math.degrees(math.acos(WGS84_A * math.cos(e) / (WGS84_A + altitude)) - e)


class NTNLinkLayer:
    """Geometry, residuals, channel and round trip of one ``[ntn]`` table (module notes).

    >>> layer = NTNLinkLayer({"geometry": "fixed", "altitude": 600.0, "elevation": 30.0,
    ...                       "channel": "NTN-TDLC5", "frequency_error_ppm": 0.1})
    >>> round(float(layer.residual_doppler[0]), 3), round(layer.max_round_trip * 1e3, 2)
    (200.0, 20.06)
    >>> down = NTNLinkLayer(layer.section.model_dump(), direction="downlink")
    >>> round(float(down.residual_doppler[0]), 3)
    -200.0
    """

    def __init__(self, table: dict[str, Any], direction: str = "uplink") -> None:
        from softran.sim.scenario_sections import NTNSection

        self.section = NTNSection(**table)
        #: ``"uplink"`` (residual at the gNB) or ``"downlink"`` (residual at the UE)
        self.direction = check_name("direction", direction, ("uplink", "downlink"))
        s = self.section
        h = s.altitude * 1e3
        if s.geometry == "fixed":
            # equatorial orbit seen from the equator, Earth not turning: elevation exact
            orbit = CircularOrbit(h, 0.0, phase=_central_angle(s.elevation, h),
                                  earth_rotation=False)
            times = np.zeros(1)
        else:
            lam = _central_angle(s.min_elevation, h)
            orbit = CircularOrbit(h, 90.0, phase=-lam)
            span = 2 * math.radians(lam) / orbit.mean_motion
            times = np.arange(0.0, span + 1.0, 1.0)
        state = orbit.state(times)
        geo = link_geometry(state, _UE, s.carrier_frequency, payload="regenerative")
        keep = geo.elevation >= (s.min_elevation if s.geometry == "pass" else -90.0)
        if not np.any(keep):  # pragma: no cover - the pass is built above min_elevation
            raise ValueError("the pass never rises above min_elevation")
        self.elevation = geo.elevation[keep]
        self.doppler = geo.doppler[keep]
        errors = PrecompensationErrors(
            gnss_error=s.gnss_error, ephemeris_position_error=s.ephemeris_position_error,
            ephemeris_velocity_error=s.ephemeris_velocity_error,
            ephemeris_age=s.ephemeris_age, frequency_error_ppm=s.frequency_error_ppm,
            seed=s.error_seed)
        res = residual_after_precompensation(state, _UE, s.carrier_frequency, errors,
                                             self.direction)
        #: residual frequency error at the receiver per geometry sample, Hz
        self.residual_doppler = res.doppler[keep]
        #: residual one-way delay error per geometry sample, s
        self.residual_delay = res.delay[keep]
        feeder = slant_range(s.feeder_elevation, h, earth_radius=WGS84_A)
        #: UE - gNB round trip (transparent payload) per geometry sample, s
        self.round_trip = 2.0 * (geo.slant_range[keep] + feeder) / SPEED_OF_LIGHT
        self.max_round_trip = float(self.round_trip.max())

    def round_trip_slots(self, subcarrier_spacing: int) -> int:
        """HARQ RTT in slots: the largest round trip plus the processing slots."""
        return (slots_covering(self.max_round_trip, subcarrier_spacing)
                + self.section.harq_processing_slots)

    def sample(self, seed: int) -> int:
        """The geometry sample of one transmission, drawn from the channel ``seed``."""
        if self.residual_doppler.size == 1:
            return 0
        gen = torch.Generator().manual_seed(seed % (2**63 - 1))
        return int(torch.randint(0, self.residual_doppler.size, (1,), generator=gen))

    def channel(self, seed: int, n_tx: int, n_rx: int, sample_rate: float) -> NTNTDLChannel:
        """The NTN-TDL channel of one transmission: the residual Doppler of its geometry
        sample as the common shift, the UE-motion Doppler as the spread."""
        s = self.section
        k = self.sample(seed)
        ds = None if s.delay_spread is None else s.delay_spread * 1e-9
        return NTNTDLChannel(s.channel, ds, s.max_doppler, n_tx, n_rx, sample_rate,
                             satellite_doppler=float(self.residual_doppler[k]), seed=seed)
