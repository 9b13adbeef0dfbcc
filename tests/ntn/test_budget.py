"""Link budget and losses (TR 38.811 §6.6.2, TR 38.821 §6.1.1.1)."""

import math

import pytest

from softran.ntn import LinkBudget, atmospheric_losses, cnr_db, free_space_path_loss, g_over_t


def test_fspl_is_friis_to_the_rounding_of_its_constant():
    for d, f in ((600e3, 2e9), (40586e3, 20e9), (1932e3, 30e9)):
        friis = 20 * math.log10(4 * math.pi * d * f / 299_792_458.0)
        # 32.45 is 20 log10(4 pi 1e9 / c) = 32.4478 rounded
        assert free_space_path_loss(d, f) == pytest.approx(friis + 0.0022, abs=1e-3)


def test_g_over_t_of_tr38821_terminals():
    # TR 38.821 Table 6.1.1.1-3: handheld (0 dBi, NF 7 dB, 290 K) and VSAT
    # (39.7 dBi, NF 1.2 dB, 150 K): G/T -31.6 and 15.9 dB/K
    assert g_over_t(0.0, 7.0, 290.0) == pytest.approx(-31.6, abs=0.05)
    assert g_over_t(39.7, 1.2, 150.0) == pytest.approx(15.9, abs=0.05)
    # with T_a = T0 the formula is G - NF - 10 log10(T0)
    assert g_over_t(3.0, 5.0, 290.0) == pytest.approx(3 - 5 - 10 * math.log10(290), abs=1e-12)


def test_downlink_budget_adds_up():
    b = LinkBudget("downlink", 2e9, 30e6, eirp_density=34.0, shadow_margin=3.0,
                   scintillation_loss=2.2, polarization_loss=3.0, atmospheric_loss=0.1)
    r = b.compute(slant_range=1932.24e3)
    eirp = 34.0 + 10 * math.log10(30)
    gt = -7.0 - 10 * math.log10(290)
    pl = 32.45 + 20 * math.log10(2) + 20 * math.log10(1932.24e3) + 3.0 + 2.2 + 3.0 + 0.1
    want = eirp + gt + 228.6 - pl - 10 * math.log10(30e6)
    assert r.cnr == pytest.approx(want, abs=1e-9)
    assert r.lines["CNR (dB)"] == r.cnr
    assert cnr_db(eirp, gt, pl, 30e6) == pytest.approx(want, abs=1e-9)


def test_uplink_budget_uses_ue_power_and_satellite_g_over_t():
    b = LinkBudget("uplink", 2e9, 360e3, tx_power=23.0, satellite_g_over_t=1.1)
    r = b.compute(600e3)
    want = (23 - 30) + 1.1 + 228.6 - (32.45 + 20 * math.log10(2) + 20 * math.log10(600e3)) \
        - 10 * math.log10(360e3)
    assert r.cnr == pytest.approx(want, abs=1e-9)


def test_bad_budgets():
    with pytest.raises(ValueError, match="eirp_density"):
        LinkBudget("downlink", 2e9, 30e6)
    with pytest.raises(ValueError, match="tx_power"):
        LinkBudget("uplink", 2e9, 30e6, satellite_g_over_t=1.1)
    with pytest.raises(ValueError, match="direction"):
        LinkBudget("sideways", 2e9, 30e6)
    with pytest.raises(ValueError, match="shadow_margin"):
        LinkBudget("uplink", 2e9, 1e6, tx_power=23.0, satellite_g_over_t=0.0, shadow_margin=-1)
    with pytest.raises(ValueError, match="elevation"):
        atmospheric_losses(0.0, 0.0, 20e9, 3.0)


@pytest.mark.slow
def test_itur_losses_grow_as_the_elevation_falls_and_with_frequency():
    # ITU-R P.618 / P.676 / P.840 through itur (loads its maps: slow)
    lo = atmospheric_losses(41.39, -71.05, 20e9, 20.0, 1.0, 1.2)
    hi = atmospheric_losses(41.39, -71.05, 20e9, 60.0, 1.0, 1.2)
    s = atmospheric_losses(41.39, -71.05, 2e9, 20.0, 1.0, 1.2)
    for key in ("gas", "rain", "total"):
        assert lo[key] > hi[key] > 0
        assert lo[key] > s[key]
    assert lo["total"] >= max(lo["gas"], lo["rain"])
