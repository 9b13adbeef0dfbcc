"""Antenna model of TR 38.901 §7.3: element pattern (Table 7.3-1), polarisation model 2,
panel geometry and element order."""

import math

import pytest
import torch
from hypothesis import given, settings
from hypothesis import strategies as st

from softran.channel.antenna import AntennaArray, element_pattern_db, unit_vector


def test_element_pattern_values_by_hand():
    # Table 7.3-1: 8 dBi at boresight; -3 dB at half the 65 deg beamwidth in both planes
    th = torch.tensor([90.0, 90.0, 122.5, 90.0, 0.0, 0.0, 90.0])
    ph = torch.tensor([0.0, 32.5, 0.0, 65.0, 0.0, 90.0, 180.0])
    ref = torch.tensor([8.0, 5.0, 5.0, 8 - 12.0, 8 - 12 * (90 / 65) ** 2, 8 - 30.0, 8 - 30.0],
                       dtype=torch.float64)
    assert torch.allclose(element_pattern_db(th, ph), ref)
    assert torch.equal(element_pattern_db(th, ph, "isotropic"), torch.zeros(7, dtype=torch.float64))


@settings(max_examples=50, deadline=None)
@given(st.floats(0, 180), st.floats(-720, 720))
def test_element_pattern_bounds_and_azimuth_period(theta, phi):
    f64 = torch.float64
    a = element_pattern_db(torch.tensor(theta, dtype=f64), torch.tensor(phi, dtype=f64))
    assert -22.0 - 1e-9 <= float(a) <= 8.0 + 1e-9  # A_max = 30 dB below 8 dBi
    b = element_pattern_db(torch.tensor(theta, dtype=f64), torch.tensor(phi + 360.0, dtype=f64))
    assert float(a) == pytest.approx(float(b), abs=1e-6)


def test_bearing_turns_the_boresight():
    a = AntennaArray(element="38.901", bearing=120.0)
    f = a.field_pattern(torch.tensor([90.0, 90.0]), torch.tensor([120.0, 0.0]))[:, 0, 0]
    assert float(f[0]) == pytest.approx(10 ** (8 / 20))
    assert float(f[1]) == pytest.approx(10 ** ((8 - 30) / 20))  # 120 deg off boresight


def test_polarisation_model_2():
    # eq. 7.3-4/7.3-5: F_theta = sqrt(A) cos(zeta), F_phi = sqrt(A) sin(zeta)
    f = AntennaArray(n_pol=2, element="38.901").field_pattern(torch.tensor(90.0), torch.tensor(0.0))
    g = 10 ** (8 / 20)
    s = g / math.sqrt(2)
    assert torch.allclose(f, torch.tensor([[s, s], [s, -s]], dtype=torch.float64))
    v = AntennaArray().field_pattern(torch.tensor(45.0), torch.tensor(10.0))
    assert torch.equal(v, torch.tensor([[1.0, 0.0]], dtype=torch.float64))


def test_element_order_and_positions():
    # index (m * N + n) * P + p; d = (0, n d_H, m d_V) wavelengths at bearing 0
    a = AntennaArray(n_rows=2, n_cols=3, n_pol=2, spacing=(0.8, 0.5))
    pos = a.positions()
    assert a.n_elements == 12 and pos.shape == (12, 3)
    for m in range(2):
        for n in range(3):
            for p in range(2):
                i = (m * 3 + n) * 2 + p
                assert pos[i].tolist() == pytest.approx([0.0, 0.5 * n, 0.8 * m])
    f = a.field_pattern(torch.tensor(90.0), torch.tensor(0.0))
    assert torch.allclose(f[0::2, 1], torch.full((6,), 1 / math.sqrt(2), dtype=torch.float64))
    assert torch.allclose(f[1::2, 1], torch.full((6,), -1 / math.sqrt(2), dtype=torch.float64))
    # bearing 90: the row of columns lies along -x
    b = AntennaArray(n_cols=2, bearing=90.0).positions()
    assert b[1].tolist() == pytest.approx([-0.5, 0.0, 0.0])


def test_unit_vector_and_response_phase():
    r = unit_vector(torch.tensor([90.0, 0.0, 90.0]), torch.tensor([0.0, 0.0, 180.0]))
    assert torch.allclose(r, torch.tensor([[1.0, 0, 0], [0, 0, 1.0], [-1.0, 0, 0]],
                                          dtype=torch.float64), atol=1e-12)
    # endfire along y (phi = 90): adjacent half-wave elements differ by pi
    resp = AntennaArray(n_cols=3).response(torch.tensor(90.0), torch.tensor(90.0))[:, 0]
    assert torch.allclose(resp, torch.tensor([1, -1, 1], dtype=torch.complex128), atol=1e-12)


def test_bad_antenna_inputs():
    with pytest.raises(ValueError):
        AntennaArray(n_pol=3)
    with pytest.raises(ValueError):
        AntennaArray(n_rows=0)
    with pytest.raises(TypeError):
        AntennaArray(n_cols=1.5)
    with pytest.raises(ValueError):
        AntennaArray(element="dipole")
    with pytest.raises(ValueError):
        AntennaArray(spacing=(0.5, 0.0))
    with pytest.raises(ValueError):
        AntennaArray(spacing=(0.5, 0.5, 0.5))
    with pytest.raises(TypeError):
        AntennaArray(bearing="north")
    with pytest.raises(ValueError):
        element_pattern_db(torch.tensor(0.0), torch.tensor(0.0), "omni")


def test_array_too_large_for_memory_is_refused():
    with pytest.raises(ValueError, match=r"n_rows \* n_cols = 1000000000000 would need"):
        AntennaArray(n_rows=10**6, n_cols=10**6)
