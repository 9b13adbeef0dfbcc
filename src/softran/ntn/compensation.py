"""UE-side pre-compensation of delay and Doppler and the NTN scheduling offsets
(TS 38.211 §4.3.1; TS 38.213 §4.2, §8; TS 38.300 §16.14.2).

* **Timing advance** (TS 38.211 §4.3.1): ``T_TA = (N_TA + N_TA,offset + N_TA,adj^common +
  N_TA,adj^UE) T_c`` with ``T_c = 1 / (480 kHz * 4096)``. ``N_TA,adj^UE`` is the UE's own
  estimate of the service-link round trip (``2 d_est / c``, from its GNSS position and the
  broadcast ephemeris, TS 38.213 §4.2); ``N_TA,adj^common`` covers the network's common
  part (the feeder link to the uplink time-synchronisation reference point, from
  ``ta-Common`` and its drifts), both in units of ``T_c``.
* **Doppler pre-compensation** (TS 38.300 §16.14.2): the UE shifts its uplink by the
  negative of the service-link Doppler it predicts from the same estimates.
* **Residual** (what reaches the gNB receiver): the true delay / Doppler minus the UE's
  prediction. Errors come from the GNSS position error (metres), the ephemeris error at
  its epoch and its growth with the ephemeris age (``position_error + velocity_error *
  age``), each a fixed vector in a random direction drawn from ``seed``; the UE's own
  oscillator error after downlink synchronisation (``frequency_error_ppm``) adds
  ``ppm * 1e-6 * f_c``.
* **Downlink** (``direction="downlink"``, what reaches the UE receiver; our model, the
  mirror of the uplink): the satellite transmits on ``f_c`` (the feeder link's Doppler is
  taken as compensated by the network, as for the uplink), the UE receives ``f_c +
  f_D`` and tunes its receiver to ``f_c (1 + ppm 1e-6) + f_D,predicted`` -- its oscillator
  plus the service-link Doppler it predicts from the same GNSS position and ephemeris. The
  residual is ``f_D - f_D,predicted - ppm 1e-6 f_c``: the same prediction error as the
  uplink, the oscillator term with the opposite sign. A UE that tracks the carrier in
  closed loop on SSB / TRS instead is the case of zero position and ephemeris errors with
  its tracking error as ``frequency_error_ppm``.
* **K_offset** (TS 38.213 §8, ``cellSpecificKoffset-r17``): the scheduling offset added to
  the PUSCH / HARQ-ACK timing must cover the UE - gNB round trip; :func:`k_offset` gives the
  smallest number of slots that does. **K_mac** (TS 38.321 §5.18, TS 38.213 §4.2): the
  offset of MAC-CE actions, covering the gNB - reference-point round trip (the feeder link
  when the uplink is aligned at the satellite).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from softran.ntn.constants import SPEED_OF_LIGHT
from softran.ntn.geometry import GroundPoint
from softran.ntn.link_geometry import range_derivatives
from softran.ntn.orbit import OrbitState
from softran.validation import check_int, check_name, check_positive, check_real

__all__ = ["T_C", "PrecompensationErrors", "Residual", "k_mac", "k_offset",
           "residual_after_precompensation", "slots_covering", "timing_advance"]

#: basic time unit T_c of TS 38.211 §4.1, seconds
T_C = 1.0 / (480e3 * 4096)


def slots_covering(duration: float, subcarrier_spacing: int) -> int:
    """The smallest number of slots of numerology ``subcarrier_spacing`` (kHz) whose length
    is at least ``duration`` seconds (a slot is ``1 ms / 2^mu``, TS 38.211 §4.3.2).

    >>> slots_covering(25.77e-3, 30)
    52
    """
    d = check_real("duration", duration, low=0.0)
    scs = check_int("subcarrier_spacing", subcarrier_spacing)
    if scs not in (15, 30, 60, 120, 240, 480, 960):
        raise ValueError(f"subcarrier_spacing = {scs} is not allowed; allowed: 15, 30, 60, "
                         "120, 240, 480, 960 (kHz)")
    slot = 1e-3 * 15 / scs
    return math.ceil(d / slot - 1e-9)


def k_offset(round_trip_delay: float, subcarrier_spacing: int = 15) -> int:
    """Smallest ``K_offset`` (slots, TS 38.213 §8 ``cellSpecificKoffset-r17``) that covers
    the UE - gNB ``round_trip_delay`` (seconds).

    >>> k_offset(541.46e-3)   # GEO transparent, 15 kHz slots
    542
    """
    return slots_covering(round_trip_delay, subcarrier_spacing)


def k_mac(reference_round_trip: float, subcarrier_spacing: int = 15) -> int:
    """``K_mac`` (slots, TS 38.213 §4.2 / TS 38.321 §5.18): covers the gNB - uplink
    time-synchronisation reference point round trip (seconds); 0 when the reference point
    is at the gNB.

    >>> k_mac(0.0), k_mac(12.9e-3, 30)
    (0, 26)
    """
    return slots_covering(reference_round_trip, subcarrier_spacing)


def timing_advance(ue_round_trip: float, common_round_trip: float = 0.0, n_ta: int = 0,
                   n_ta_offset: int = 0) -> tuple[int, float]:
    """``(N_TA,total, T_TA)``: the timing advance of TS 38.211 §4.3.1 in units of ``T_c``
    (rounded to an integer) and in seconds, from the UE-estimated service-link round trip
    (``N_TA,adj^UE``), the common part (``N_TA,adj^common``), both in seconds, and the
    closed-loop ``N_TA`` and ``N_TA,offset`` in ``T_c``.

    >>> n, t = timing_advance(4.0e-3)
    >>> n, round(t * 1e3, 6)
    (7864320, 4.0)
    """
    ue = check_real("ue_round_trip", ue_round_trip, low=0.0)
    common = check_real("common_round_trip", common_round_trip, low=0.0)
    n = check_int("n_ta", n_ta, 0) + check_int("n_ta_offset", n_ta_offset, 0)
    total = n + round(ue / T_C) + round(common / T_C)
    return total, total * T_C


@dataclass(frozen=True)
class PrecompensationErrors:
    """What the UE's estimates get wrong (module notes).

    Attributes:
        gnss_error: UE position error in metres (horizontal).
        ephemeris_position_error: satellite position error at the ephemeris epoch, metres.
        ephemeris_velocity_error: satellite velocity error, m/s (also grows the position
            error with the ephemeris age).
        ephemeris_age: seconds since the ephemeris epoch.
        frequency_error_ppm: the UE oscillator's residual error after downlink sync, ppm.
        seed: seed of the error directions.
    """

    gnss_error: float = 0.0
    ephemeris_position_error: float = 0.0
    ephemeris_velocity_error: float = 0.0
    ephemeris_age: float = 0.0
    frequency_error_ppm: float = 0.0
    seed: int = 0

    def __post_init__(self) -> None:
        for name in ("gnss_error", "ephemeris_position_error", "ephemeris_velocity_error",
                     "ephemeris_age"):
            object.__setattr__(self, name, check_real(name, getattr(self, name), low=0.0))
        object.__setattr__(self, "frequency_error_ppm",
                           check_real("frequency_error_ppm", self.frequency_error_ppm))
        check_int("seed", self.seed, 0)


@dataclass(frozen=True)
class Residual:
    """Residual errors after UE pre-compensation on a time grid (``[N]``).

    Attributes:
        delay: one-way service-link delay error in seconds (true - predicted); the timing
            error at the gNB is twice this (the UE advances by its round-trip estimate).
        doppler: frequency error at the receiver in Hz (uplink, at the gNB: true Doppler -
            predicted, plus the oscillator error; downlink, at the UE: true Doppler -
            predicted, minus the oscillator error).
        predicted_delay, predicted_doppler: the UE's predictions.
    """

    delay: np.ndarray
    doppler: np.ndarray
    predicted_delay: np.ndarray
    predicted_doppler: np.ndarray


def _unit(rng: np.random.Generator) -> np.ndarray:
    v = rng.standard_normal(3)
    return v / np.linalg.norm(v)


def residual_after_precompensation(state: OrbitState, ue: GroundPoint,
                                   carrier_frequency: float,
                                   errors: PrecompensationErrors,
                                   direction: str = "uplink") -> Residual:
    """Residual delay and Doppler after the UE pre-compensates with its own estimates: at
    the gNB for the ``"uplink"``, at the UE receiver for the ``"downlink"`` (module notes).

    >>> from softran.ntn.orbit import CircularOrbit
    >>> s = CircularOrbit(600e3, 90.0, phase=-10.0).state([0.0])
    >>> e = PrecompensationErrors(frequency_error_ppm=0.1)
    >>> r = residual_after_precompensation(s, GroundPoint(0.0, 0.0), 2e9, e)
    >>> float(r.delay[0]), round(float(r.doppler[0]), 6)
    (0.0, 200.0)
    >>> d = residual_after_precompensation(s, GroundPoint(0.0, 0.0), 2e9, e, "downlink")
    >>> round(float(d.doppler[0]), 6)
    -200.0
    """
    fc = check_positive("carrier_frequency", carrier_frequency)
    sign = {"uplink": 1.0, "downlink": -1.0}[check_name("direction", direction,
                                                         ("uplink", "downlink"))]
    if not isinstance(errors, PrecompensationErrors):
        raise TypeError(f"errors must be PrecompensationErrors, got {type(errors).__name__}")
    rng = np.random.default_rng(errors.seed)
    u_pos, u_vel, u_gnss = _unit(rng), _unit(rng), _unit(rng)
    d_true, rate_true, _ = range_derivatives(state, ue)
    pos_err = (errors.ephemeris_position_error
               + errors.ephemeris_velocity_error * errors.ephemeris_age) * u_pos
    est = OrbitState(state.times, state.position + pos_err,
                     state.velocity + errors.ephemeris_velocity_error * u_vel,
                     state.acceleration)
    # GNSS error in the local horizontal plane of the UE
    up = ue.enu_rotation[2]
    h = u_gnss - np.dot(u_gnss, up) * up
    h = h / np.linalg.norm(h) if np.linalg.norm(h) > 0 else h
    ue_est_ecef = ue.ecef + errors.gnss_error * h
    dr = est.position - ue_est_ecef
    d_est = np.sqrt(np.einsum("ij,ij->i", dr, dr))
    rate_est = np.einsum("ij,ij->i", dr, est.velocity) / d_est
    f_true = -fc * rate_true / SPEED_OF_LIGHT
    f_est = -fc * rate_est / SPEED_OF_LIGHT
    osc = sign * errors.frequency_error_ppm * 1e-6 * fc
    return Residual(delay=(d_true - d_est) / SPEED_OF_LIGHT, doppler=f_true - f_est + osc,
                    predicted_delay=d_est / SPEED_OF_LIGHT, predicted_doppler=f_est)
