"""TDL profiles against TR 38.901 Tables 7.7.2-1..5 and TS 38.101-4 Annex B."""

import dataclasses
import math

import pytest

from softran.channel import TDL_PROFILE_NAMES, tdl_profile


def test_tdl_a_spot_check():
    # TR 38.901 Table 7.7.2-1 (TDL-A): taps 1..3 and 23
    p = tdl_profile("TDL-A")
    assert p.delays[:3] == (0.0, 0.3819, 0.4025)
    assert p.powers_db[:3] == (-13.4, 0.0, -2.2)
    assert (p.delays[22], p.powers_db[22]) == (9.6586, -29.7)
    assert p.n_paths == 23 and p.scale_delays and not p.los and p.k_factor_db is None


def test_tdl_b_c_spot_check():
    # Table 7.7.2-2 (TDL-B) taps 1-2; Table 7.7.2-3 (TDL-C) taps 1-2 and 24
    b = tdl_profile("TDL-B")
    assert b.delays[:2] == (0.0, 0.1072) and b.powers_db[:2] == (0.0, -2.2)
    c = tdl_profile("TDL-C")
    assert c.delays[:2] == (0.0, 0.2099) and c.powers_db[:2] == (-4.4, -1.2)
    assert (c.delays[23], c.powers_db[23], c.n_paths) == (8.6523, -22.8, 24)


def test_los_profiles_k_factor():
    # Tables 7.7.2-4/5: K_1 = 13.3 dB (TDL-D), 22 dB (TDL-E); LOS and Rayleigh part at delay 0
    d, e = tdl_profile("TDL-D"), tdl_profile("TDL-E")
    assert d.los and e.los
    assert d.k_factor_db == pytest.approx(13.3) and e.k_factor_db == pytest.approx(22.0)
    assert d.delays[:2] == (0.0, 0.0) and d.powers_db[:2] == (-0.2, -13.5)
    assert e.powers_db[:2] == (-0.03, -22.03)


def test_conformance_profile_absolute_delays():
    # TS 38.101-4 Annex B TDLA30: delays 0, 10, 15, 20 ns, powers -15.5, 0, -5.1, -5.1 dB
    a = tdl_profile("TDLA30")
    assert not a.scale_delays
    assert [round(x * 1e9, 6) for x in a.delays[:4]] == [0.0, 10.0, 15.0, 20.0]
    assert a.powers_db[:4] == (-15.5, 0.0, -5.1, -5.1)
    assert tdl_profile("TDLC300").delays[-1] == pytest.approx(2595e-9)


@pytest.mark.parametrize("name", ["TDL-A", "TDL-B", "TDL-C", "TDL-D", "TDL-E"])
def test_normalised_rms_delay_spread_is_one(name):
    # TR 38.901 §7.7.2: delays are normalised so that the RMS delay spread is 1
    # (TDL-D gives 0.9937 from the tabulated 4-digit values)
    assert tdl_profile(name).rms_delay_spread() == pytest.approx(1.0, rel=0.01)


@pytest.mark.parametrize("name,ds_ns", [("TDLA10", 10), ("TDLA30", 30), ("TDLB100", 100),
                                        ("TDLC60", 60), ("TDLC300", 300), ("TDLD10", 10),
                                        ("TDLD30", 30)])
def test_conformance_rms_delay_spread_matches_name(name, ds_ns):
    assert tdl_profile(name).rms_delay_spread() == pytest.approx(ds_ns * 1e-9, rel=0.01)


def test_rms_delay_spread_two_path_by_hand():
    # equal powers at 0 and 2: RMS = 1
    p = dataclasses.replace(tdl_profile("TDL-A"), delays=(0.0, 2.0), powers_db=(0.0, 0.0))
    assert p.rms_delay_spread() == pytest.approx(1.0)


def test_all_names_load_and_case_insensitive():
    for n in TDL_PROFILE_NAMES:
        p = tdl_profile(n)
        assert len(p.delays) == len(p.powers_db) == p.n_paths
        assert all(d >= 0 for d in p.delays)
    assert tdl_profile("tdlb100").name == "TDLB100"


def test_frozen_and_bad_names():
    p = tdl_profile("TDL-A")
    with pytest.raises(dataclasses.FrozenInstanceError):
        p.los = True
    with pytest.raises(ValueError):
        tdl_profile("TDL-F")
    with pytest.raises(TypeError):
        tdl_profile(3)
    assert math.isfinite(p.rms_delay_spread())
