"""Pre-compensation, timing advance, K_offset and K_mac (TS 38.211 §4.3.1, TS 38.213 §4.2)."""

import math

import numpy as np
import pytest

from softran.ntn import (
    T_C,
    CircularOrbit,
    GroundPoint,
    PrecompensationErrors,
    k_mac,
    k_offset,
    link_geometry,
    residual_after_precompensation,
    slots_covering,
    timing_advance,
)

C = 299_792_458.0


def _pass():
    orbit = CircularOrbit(600e3, 90.0, phase=-15.0)
    t = np.arange(0.0, 300.0, 1.0)
    return orbit.state(t), GroundPoint(80.0, 0.0)


def test_perfect_estimates_leave_only_the_oscillator_error():
    s, ue = _pass()
    r = residual_after_precompensation(s, ue, 2e9, PrecompensationErrors(frequency_error_ppm=1.0))
    assert np.all(r.delay == 0.0)
    assert np.allclose(r.doppler, 2000.0)
    g = link_geometry(s, ue, 2e9)
    assert np.allclose(r.predicted_doppler, g.doppler) and np.allclose(r.predicted_delay, g.delay)


def test_gnss_error_bounds_the_delay_residual():
    s, ue = _pass()
    err = 30.0
    r = residual_after_precompensation(s, ue, 2e9, PrecompensationErrors(gnss_error=err, seed=4))
    # a position error of e metres changes the range by at most e (triangle inequality)
    assert np.abs(r.delay).max() <= err / C * (1 + 1e-9)
    assert np.abs(r.delay).max() > 0.1 * err / C
    # moving the UE changes the line of sight, hence the Doppler, only a little
    assert np.abs(r.doppler).max() < 5.0


def test_ephemeris_velocity_error_bounds_the_doppler_residual():
    s, ue = _pass()
    ev = 0.5  # m/s
    r = residual_after_precompensation(
        s, ue, 2e9, PrecompensationErrors(ephemeris_velocity_error=ev, seed=1))
    # a velocity error dv changes the range rate by at most |dv| (plus the tiny effect of
    # the position error it also grows, here 0 s old): Doppler error <= f_c dv / c
    assert np.abs(r.doppler).max() <= 2e9 * ev / C * (1 + 1e-6)
    older = residual_after_precompensation(
        s, ue, 2e9, PrecompensationErrors(ephemeris_velocity_error=ev, ephemeris_age=60.0,
                                          seed=1))
    # after 60 s the position error is 30 m: the delay residual grows to at most 30 m / c
    assert np.abs(older.delay).max() <= 30.0 / C * (1 + 1e-9)
    assert np.abs(older.delay).max() > np.abs(r.delay).max()


def test_timing_advance_units_and_slot_offsets():
    n, t = timing_advance(2 * 1932.24e3 / C, common_round_trip=1e-3, n_ta_offset=25600)
    assert n == 25600 + round(2 * 1932.24e3 / C / T_C) + round(1e-3 / T_C)
    assert t == pytest.approx(n * T_C)
    assert T_C == pytest.approx(0.509e-9, rel=1e-3)  # TS 38.211 §4.1
    # K_offset covers the round trip: smallest k with k slots >= RTT
    for rtt, scs in ((25.77e-3, 15), (25.77e-3, 30), (541.46e-3, 120), (0.0, 15)):
        k = k_offset(rtt, scs)
        slot = 1e-3 * 15 / scs
        assert k * slot >= rtt - 1e-12 and (k - 1) * slot < rtt
    assert k_mac(0.0) == 0 and slots_covering(1e-3, 15) == 1
    with pytest.raises(ValueError, match="subcarrier_spacing"):
        k_offset(1e-3, 20)
    with pytest.raises(ValueError, match="ue_round_trip"):
        timing_advance(-1e-3)
    with pytest.raises(ValueError, match="gnss_error"):
        PrecompensationErrors(gnss_error=-1.0)
    assert math.isfinite(t)
