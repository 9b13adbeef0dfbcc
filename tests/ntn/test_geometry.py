"""Geometry, orbits, delay and Doppler (TR 38.811 §6.6.2, TR 38.821 §4.2, §7.2)."""

import math

import numpy as np
import pytest

from softran.ntn import (
    WGS84_A,
    WGS84_B,
    CircularOrbit,
    GroundPoint,
    TLEOrbit,
    link_geometry,
    look_angles,
    max_doppler,
    max_doppler_rate,
    pass_duration,
    slant_range,
    visibility_windows,
)

C = 299_792_458.0
GM = 3.986004418e14
ISS1 = "1 25544U 98067A   08264.51782528 -.00002182  00000-0 -11606-4 0  2927"
ISS2 = "2 25544  51.6416 247.4627 0006703 130.5360 325.0288 15.72125391563537"


def _slant(el_deg, h, r):
    """TR 38.811 eq. 6.6-3, written out here independently of the library."""
    s = math.sin(math.radians(el_deg))
    return math.sqrt(r * r * s * s + h * h + 2 * h * r) - r * s


def _central_angle(el_deg, h, r):
    e = math.radians(el_deg)
    return math.acos(r * math.cos(e) / (r + h)) - e


# TR 38.821 Table 4.2-2 (transparent payload, UE and gateway at 10 degrees): maximum
# round-trip delay in ms. The TR's own distances use R = 6378 km.
TR38821_RTT_MS = {35786e3: 541.46, 1200e3: 41.77, 600e3: 25.77}


@pytest.mark.parametrize("h", sorted(TR38821_RTT_MS))
def test_round_trip_delay_at_10_degrees(h):
    # equatorial orbit seen from the equator, Earth not turning: a planar problem whose
    # Earth radius is WGS-84's a (the ellipsoid normal is radial on the equator)
    lam = _central_angle(10.0, h, WGS84_A)
    orbit = CircularOrbit(h, 0.0, phase=math.degrees(lam), earth_rotation=False)
    ue = GroundPoint(0.0, 0.0)
    gw = GroundPoint(0.0, 2 * math.degrees(lam))  # the gateway sees 10 degrees too
    g = link_geometry(orbit.state([0.0]), ue, 2e9, gateway=gw)
    d = _slant(10.0, h, WGS84_A)
    assert float(g.elevation[0]) == pytest.approx(10.0, abs=1e-9)
    assert float(g.slant_range[0]) == pytest.approx(d, rel=1e-12)
    assert float(g.round_trip_delay[0]) == pytest.approx(4 * d / C, rel=1e-12)
    # the TR's value (rounded to 0.01 ms, R = 6378 km, c rounded): within 0.05 %
    assert float(g.round_trip_delay[0]) * 1e3 == pytest.approx(TR38821_RTT_MS[h], rel=5e-4)
    regen = link_geometry(orbit.state([0.0]), ue, 2e9, payload="regenerative")
    assert float(regen.round_trip_delay[0]) == pytest.approx(2 * d / C, rel=1e-12)


def test_slant_range_formula_and_tr38821_distances():
    assert slant_range(10.0, 600e3, 6378e3) / 1e3 == pytest.approx(1932.24, abs=0.01)
    el = np.array([10.0, 45.0, 90.0])
    want = [_slant(e, 600e3, 6371e3) for e in el]
    assert np.allclose(slant_range(el, 600e3), want, rtol=1e-13)


def _pole_pass(h, dt):
    """A polar orbit over a UE at the north pole: the pole does not move as the Earth
    turns, so the geometry is the planar one with R = b (the polar radius), r = a + h."""
    orbit = CircularOrbit(h, 90.0, phase=0.0)
    t = np.arange(0.0, orbit.period / 2, dt)
    return orbit, t, link_geometry(orbit.state(t), GroundPoint(90.0, 0.0), 2e9)


def test_visibility_window_of_a_leo_pass_matches_geometry():
    h = 600e3
    orbit, t, g = _pole_pass(h, 0.05)
    (start, end), = visibility_windows(t, g.elevation, 10.0)
    # closed form with R = b and orbit radius a + h (altitude passed as a + h - b)
    want = pass_duration(WGS84_A + h - WGS84_B, 10.0, earth_radius=WGS84_B)
    lam = _central_angle(10.0, WGS84_A + h - WGS84_B, WGS84_B)
    n = math.sqrt(GM / (WGS84_A + h) ** 3)
    assert want == pytest.approx(2 * lam / n, rel=1e-12)
    assert end - start == pytest.approx(want, abs=0.01)  # linear interpolation on 50 ms
    # the pass is centred on the pole crossing at a quarter period
    assert 0.5 * (start + end) == pytest.approx(orbit.period / 4, abs=0.01)


def test_max_doppler_and_rate_of_a_leo_pass_match_closed_forms():
    h, fc = 600e3, 2e9
    _, t, g = _pole_pass(h, 0.01)
    above = g.elevation >= 10.0
    alt = WGS84_A + h - WGS84_B
    fmax = max_doppler(alt, 10.0, fc, earth_radius=WGS84_B)
    # the largest |Doppler| on the grid is at the first/last sample above 10 degrees
    got = np.abs(g.doppler[above]).max()
    assert got == pytest.approx(fmax, rel=2e-4)
    assert got <= fmax * (1 + 1e-9)
    # at every sample: f = f_c n R cos(e) / c (approaching: positive before the pole)
    n = math.sqrt(GM / (WGS84_A + h) ** 3)
    ref = fc * n * WGS84_B * np.cos(np.radians(g.elevation)) / C
    sign = np.where(t < t[np.argmax(g.elevation)], 1.0, -1.0)
    assert np.allclose(g.doppler, sign * ref, atol=1e-6 * fc * 1e-3)
    rate_max = max_doppler_rate(alt, fc, earth_radius=WGS84_B)
    assert np.abs(g.doppler_rate).max() == pytest.approx(rate_max, rel=1e-5)
    # doppler_rate is the derivative of doppler
    assert np.allclose(np.gradient(g.doppler, t)[1:-1], g.doppler_rate[1:-1], atol=0.05)


def test_look_angles_agree_with_pymap3d():
    pymap3d = pytest.importorskip("pymap3d")
    ue = GroundPoint(48.85, 2.35, 35.0)
    s = CircularOrbit(1200e3, 53.0, raan=10.0, phase=40.0).state(np.arange(0, 600, 60.0))
    el, az, rng = look_angles(ue, s.position)
    az2, el2, rng2 = pymap3d.ecef2aer(*s.position.T, ue.latitude, ue.longitude, ue.height)
    assert np.allclose(el, el2, atol=1e-9) and np.allclose(rng, rng2, rtol=1e-12)
    assert np.allclose(np.radians(az), np.radians(az2), atol=1e-9)


def test_circular_orbit_speed_and_rotating_frame():
    orb = CircularOrbit(600e3, 97.8, raan=30.0, phase=5.0)
    s = orb.state(np.linspace(0, 300, 7))
    r = np.linalg.norm(s.position, axis=1)
    assert np.allclose(r, WGS84_A + 600e3, rtol=1e-13)
    # finite differences of the ECEF position give the ECEF velocity
    fine = orb.state(np.array([100.0 - 1e-3, 100.0, 100.0 + 1e-3]))
    v_fd = (fine.position[2] - fine.position[0]) / 2e-3
    assert np.allclose(v_fd, fine.velocity[1], atol=1e-3)
    a_fd = (fine.velocity[2] - fine.velocity[0]) / 2e-3
    assert np.allclose(a_fd, fine.acceleration[1], atol=1e-3)


def test_tle_orbit_propagates_and_is_consistent():
    iss = TLEOrbit(ISS1, ISS2)
    t = np.arange(0.0, 600.0, 1.0)
    s = iss.state(t)
    v_fd = np.gradient(s.position, t, axis=0)
    assert np.allclose(v_fd[1:-1], s.velocity[1:-1], atol=0.05)
    # mean motion 15.72125391 rev/day: the period in the TLE
    assert np.linalg.norm(s.velocity[0]) == pytest.approx(7400, rel=0.01)


def test_visibility_windows_edges():
    t = np.arange(6.0)
    el = np.array([30.0, 30.0, 0.0, 0.0, 30.0, 30.0])
    assert visibility_windows(t, el, 15.0) == [(0.0, 1.5), (3.5, 5.0)]
    assert visibility_windows(t, np.zeros(6), 15.0) == []


def test_bad_input_raises_clear_errors():
    with pytest.raises(ValueError, match="altitude"):
        CircularOrbit(-1.0, 53.0)
    with pytest.raises(ValueError, match="altitude"):
        slant_range(10.0, -5.0)
    with pytest.raises(ValueError, match="altitude"):
        pass_duration(0.0, 10.0)
    with pytest.raises(ValueError, match="elevation_deg = 95.0"):
        slant_range(95.0, 600e3)
    with pytest.raises(ValueError, match="min_elevation = -1.0"):
        pass_duration(600e3, -1.0)
    with pytest.raises(ValueError, match="min_elevation = 91.0"):
        max_doppler(600e3, 91.0, 2e9)
    bad = ISS1[:-1] + str((int(ISS1[-1]) + 1) % 10)
    with pytest.raises(ValueError, match="line1: bad checksum"):
        TLEOrbit(bad, ISS2)
    with pytest.raises(ValueError, match="69"):
        TLEOrbit(ISS1[:-3], ISS2)
    with pytest.raises(ValueError, match="different satellites"):
        TLEOrbit(ISS1, ISS2.replace("25544", "25545", 1)[:-1] + "8")
    with pytest.raises(ValueError, match="latitude"):
        GroundPoint(91.0, 0.0)
