import math

import numpy as np
import pytest

from softran.sim.bounds import (
    biawgn_capacity_dispersion,
    normal_approximation_bler,
    normal_approximation_snr,
)


def test_rate_half_shannon_limit():
    # The BI-AWGN limit for rate 1/2 is Eb/N0 = 0.187 dB (a textbook figure); with
    # snr = A^2/sigma^2 = 2 Eb R / N0 = Eb/N0 for R = 1/2, capacity is 1/2 there.
    c, _ = biawgn_capacity_dispersion(0.187)
    assert c == pytest.approx(0.5, abs=2e-3)


def test_quadrature_matches_monte_carlo():
    rng = np.random.default_rng(1)
    n = 400_000
    snr_db = 1.0
    sigma = 10 ** (-snr_db / 20)
    y = 1 + sigma * rng.standard_normal(n)
    info = 1 - np.logaddexp(0, -2 * y / sigma**2) / math.log(2)
    c, v = biawgn_capacity_dispersion(snr_db)
    # tolerances: 5 standard errors of the Monte-Carlo mean and variance estimates
    assert c == pytest.approx(info.mean(), abs=5 * info.std() / math.sqrt(n))
    assert v == pytest.approx(info.var(), abs=5 * math.sqrt(2 / n) * info.var() * 3)


def test_limits_and_monotonicity():
    assert biawgn_capacity_dispersion(20.0)[0] == pytest.approx(1.0, abs=1e-9)
    assert biawgn_capacity_dispersion(-30.0)[0] < 1e-3
    blers = [normal_approximation_bler(500, 1000, s) for s in np.arange(-1, 3, 0.25)]
    assert all(a >= b for a, b in zip(blers, blers[1:]))


def test_snr_inverse_and_longer_codes_need_less_snr():
    s = normal_approximation_snr(1000, 2000, 1e-2)
    assert normal_approximation_bler(1000, 2000, s) == pytest.approx(1e-2, rel=1e-3)
    assert normal_approximation_snr(8000, 16000, 1e-2) < s
    # the gap to capacity shrinks with n: rate 1/2 in QPSK terms -> towards 0.187 dB
    assert 0.187 < normal_approximation_snr(8000, 16000, 1e-2) < s


def test_bad_input():
    with pytest.raises(ValueError, match="bler"):
        normal_approximation_snr(10, 20, 1.5)
    with pytest.raises(ValueError, match="n = 5"):
        normal_approximation_bler(10, 5, 0.0)
