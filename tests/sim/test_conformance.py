"""TS 38.104 §8.2 PUSCH conformance data and TS 38.141-1 harness maths."""

import math
from types import SimpleNamespace

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from rich.console import Console

import softran.sim.conformance_report as report
import softran.sim.requirements as requirements
from softran.channel import TDLChannel, tdl_profile
from softran.nr.tables import mcs
from softran.sim.conformance import (
    ThroughputPoint,
    isotonic_increasing,
    snr_points_around,
    throughput_crossing,
    throughput_interval,
    throughput_points,
    verdict,
)
from softran.sim.propagation import parse_channel_name
from softran.sim.requirements import FRC_NAMES, frc, pusch_requirements

# --- FRCs ------------------------------------------------------------------------------------

# Payloads (TBS) of the TS 38.104 Annex A FRCs (Tables A.3-x, A.4-x, A.5-x: TS 38.214 §6.1.4.2
# applied to each FRC's allocation, modulation and code rate), typed independently of the CSV.
REFERENCE_PAYLOAD = {
    "A3-8": 1352, "A3-9": 2856, "A3-10": 5768, "A3-11": 1320, "A3-12": 2792, "A3-13": 5768,
    "A3-14": 14856,
    "A4-8": 9224, "A4-9": 19464, "A4-10": 38936, "A4-11": 8968, "A4-12": 18960,
    "A4-13": 38936, "A4-14": 100392,
    "A5-8": 12040, "A5-9": 25104, "A5-10": 50184, "A5-11": 11528, "A5-12": 24576,
    "A5-13": 50184, "A5-14": 131176,
    "A3-22": 2728, "A3-23": 5640, "A3-24": 11528, "A3-25": 2600, "A3-26": 5512,
    "A3-27": 11528, "A3-28": 29736,
    "A4-22": 18432, "A4-23": 38936, "A4-24": 77896, "A4-25": 17928, "A4-26": 37896,
    "A4-27": 77896, "A4-28": 200808,
    "A3-31": 1352, "A3-32": 1320,
    "A3-39": 5384, "A3-41": 5256, "A3-42": 59496,
    "A7-1": 24576, "A7-3": 23568, "A7-4": 270576,
}


def test_frc_list_is_the_reference_list():
    assert sorted(FRC_NAMES) == sorted("G-FR1-" + k for k in REFERENCE_PAYLOAD)


@pytest.mark.parametrize("short", sorted(REFERENCE_PAYLOAD))
def test_computed_tbs_equals_reference_payload(short):
    f = frc(short)
    assert f.tbs == REFERENCE_PAYLOAD[short]
    assert f.payload == REFERENCE_PAYLOAD[short]  # the CSV column agrees too


@pytest.mark.parametrize("name", FRC_NAMES)
def test_mcs_index_gives_the_frc_modulation_and_rate(name):
    f = frc(name)
    modulation, rate = mcs(f.mcs_index, f.mcs_table)
    assert (modulation, rate) == (f.modulation, f.code_rate_x1024 / 1024)


def test_frc_mcs_indices_from_table_5_1_3_1_1():
    # TS 38.214 Table 5.1.3.1-1: I_MCS 2 = QPSK 193, 12 = 16QAM 434, 16 = 16QAM 658,
    # 20 = 64QAM 567; Table 6.1.4.1-1 I_MCS 2 = QPSK 193.
    assert (frc("A3-8").mcs_index, frc("A7-1").mcs_index, frc("A4-8").mcs_index,
            frc("A5-8").mcs_index) == (2, 12, 16, 20)
    assert (frc("A3-31").mcs_table, frc("A3-31").mcs_index) == ("tp-qam64", 2)


def test_frc_derived_quantities_by_hand():
    f = frc("G-FR1-A3-8")
    # 14 symbols, DM-RS on 2 and 11 with both CDM groups empty of data: 12 x 12 = 144 RE
    assert f.n_dmrs_symbols == 2 and f.n_re_per_prb == 144
    assert f.coded_bits == 144 * 25 * 2 == 7200  # G column of §1.4
    assert frc("A4-14").coded_bits == 157248 and frc("A5-14").coded_bits == 235872
    assert frc("A3-22").coded_bits == 2 * 7200  # 2 layers: twice the bits
    assert f.max_throughput_bps == 1_352_000  # §1.4 note: 1.352 Mbit/s
    assert frc("A3-14").slots_per_second == 2000
    for name in FRC_NAMES:
        g = frc(name)
        assert (g.n_re_per_prb, g.mapping_type, g.start_symbol, g.n_symbols) == (144, "A", 0, 14)
        assert (g.dmrs_config_type, g.dmrs_additional_position,
                g.num_cdm_groups_without_data) == (1, 1, 2)


def test_frc_names_are_case_insensitive_and_short_form():
    assert frc("a3-10") is frc("G-FR1-A3-10") is frc("g-fr1-a3-10")


def test_frc_bad_names():
    with pytest.raises(ValueError, match="G-FR1-A3-8"):
        frc("A3-7")
    with pytest.raises(TypeError):
        frc(8)


# --- requirements -----------------------------------------------------------------------------

# 38.104 Table 5.3.2-1 N_RB, from conformance.md §1.1
N_RB = {(5, 15): 25, (10, 15): 52, (20, 15): 106, (10, 30): 24, (20, 30): 51, (40, 30): 106,
        (100, 30): 273}


def test_table_8_2_1_2_3_one_by_two_by_hand():
    rows = pusch_requirements(bandwidth_mhz=20, scs_khz=15, n_tx=1, n_rx=2)
    got = {(r.channel, r.frc): r.snr_db for r in rows}
    assert got == {("TDLB100-400", "G-FR1-A3-10"): -2.1, ("TDLC300-100", "G-FR1-A4-10"): 10.0,
                   ("TDLA30-10", "G-FR1-A5-10"): 12.4}
    assert {r.table_id for r in rows} == {"8.2.1.2-3"}
    assert all(r.correlation == "low" and r.n_prb == 106 for r in rows)


def test_more_rows_by_hand():
    def one(**kw):
        (row,) = pusch_requirements(**kw)
        return row.snr_db
    assert one(bandwidth_mhz=100, n_tx=1, n_rx=8, channel="TDLA30-10") == 5.8
    assert one(bandwidth_mhz=100, n_tx=2, n_rx=2, channel="TDLC300-100") == 19.2
    assert one(frc="A7-1", n_rx=4) == 14.6
    assert one(frc="A3-42", n_rx=4) == 2.0
    assert one(bandwidth_mhz=40, n_tx=2, n_rx=2, channel="TDLC300-100") == 19.5
    assert one(frc="A3-32", n_rx=8) == -8.4
    assert one(bandwidth_mhz=5, scs_khz=15, n_tx=1, n_rx=2, channel="tdlb100-400",
               transform_precoding=False) == -2.3


def test_row_counts_per_table():
    counts = {}
    for r in pusch_requirements():
        counts[r.table_id] = counts.get(r.table_id, 0) + 1
    assert counts == {"8.2.1.2-1": 12, "8.2.1.2-2": 10, "8.2.1.2-3": 15, "8.2.1.2-4": 12,
                      "8.2.1.2-5": 10, "8.2.1.2-6": 10, "8.2.1.2-7": 17, "8.2.2.2-1": 3,
                      "8.2.2.2-2": 3}


def test_every_row_is_consistent_with_its_frc():
    family = {"TDLB100-400": ("QPSK",), "TDLC300-100": ("16QAM",), "TDLA30-10": ("64QAM",)}
    for r in pusch_requirements():
        f = r.frc_config
        assert N_RB[(r.bandwidth_mhz, r.scs_khz)] == r.n_prb == f.n_prb
        assert f.scs_khz == r.scs_khz
        assert r.n_layers == r.n_tx == f.n_layers
        assert f.transform_precoding == r.transform_precoding == r.table_id.startswith("8.2.2")
        assert f.modulation in family[r.channel]


def test_filter_errors_list_what_exists():
    with pytest.raises(ValueError, match=r"scs_khz = 15 is not allowed with bandwidth_mhz=40; "
                                         r"allowed: 30"):
        pusch_requirements(bandwidth_mhz=40, scs_khz=15)
    with pytest.raises(ValueError, match=r"bandwidth_mhz = 30 .*allowed: 5, 10, 20, 40, 100"):
        pusch_requirements(bandwidth_mhz=30, scs_khz=15)
    with pytest.raises(ValueError, match=r"n_rx = 8 .*allowed: 2, 4"):
        pusch_requirements(bandwidth_mhz=10, scs_khz=15, n_rx=8)
    # 5 MHz has 8 Rx only with transform precoding (Table 8.2.2.2-1)
    assert {r.frc for r in pusch_requirements(bandwidth_mhz=5, n_rx=8)} == {"G-FR1-A3-31"}
    with pytest.raises(ValueError, match="TDLA30-10"):
        pusch_requirements(channel="EPA5")
    with pytest.raises(ValueError, match="allowed"):
        pusch_requirements(frc="A5-8", n_tx=2)
    with pytest.raises(TypeError):
        pusch_requirements(n_rx="2")
    with pytest.raises(TypeError):
        pusch_requirements(transform_precoding=1)


# --- test tolerance ----------------------------------------------------------------------------

def test_tolerance_examples_from_38_141_1():
    # conformance.md §1.1 (NV 38.141-1 block): -2.8 -> -2.2, 10.2 -> 10.8, 13.0 -> 13.6 (1 layer);
    # 1.4 -> 2.2, 19.2 -> 20.0, -2.2 -> -1.4 (2 layers), 100 MHz / 30 kHz rows
    def t(**kw):
        (row,) = pusch_requirements(bandwidth_mhz=100, **kw)
        return requirements.test_snr_db(row)
    assert t(n_tx=1, n_rx=2, channel="TDLB100-400") == -2.2
    assert t(n_tx=1, n_rx=2, channel="TDLC300-100") == 10.8
    assert t(n_tx=1, n_rx=2, channel="TDLA30-10") == 13.6
    assert t(n_tx=2, n_rx=2, channel="TDLB100-400") == 2.2
    assert t(n_tx=2, n_rx=2, channel="TDLC300-100") == 20.0
    assert t(n_tx=2, n_rx=4, channel="TDLB100-400") == -1.4


def test_tolerance_rule_for_every_row():
    for r in pusch_requirements():
        expected = 0.6 if r.n_layers == 1 else 0.8  # 4 layers: the chosen 2-layer value
        assert requirements.test_tolerance_db(r) == expected
        assert requirements.test_snr_db(r) == pytest.approx(r.snr_db + expected, abs=1e-9)
    (tp,) = pusch_requirements(frc="A3-31", n_rx=2)
    assert requirements.test_snr_db(tp) == -1.8


def test_tolerance_bad_input():
    with pytest.raises(TypeError):
        requirements.test_snr_db("8.2.1.2-3")


# --- channel names -----------------------------------------------------------------------------

def test_parse_conformance_channel_names():
    assert parse_channel_name("TDLB100-400") == ("TDLB100", None, 400.0, 100e-9, None)
    assert parse_channel_name("TDLC300-100") == ("TDLC300", None, 100.0, 300e-9, None)
    assert parse_channel_name("TDLA30-10") == ("TDLA30", None, 10.0, 30e-9, None)
    assert parse_channel_name("tdlb100-400-Low").correlation == "low"
    assert parse_channel_name("TDLA30-300-Medium-A").correlation == "medium-a"
    assert parse_channel_name("AWGN") == ("AWGN", None, 0.0, 0.0, None)


def test_parsed_profiles_have_the_named_delay_spread_and_build_a_channel():
    for r in pusch_requirements():
        spec = parse_channel_name(r.channel)
        # the absolute-delay profile's RMS delay spread is the DS of the name (within 0.5 %)
        assert tdl_profile(spec.profile).rms_delay_spread() == pytest.approx(
            spec.rms_delay_spread, rel=5e-3)
    spec = parse_channel_name("TDLB100-400")
    ch = TDLChannel(spec.profile, spec.delay_spread, spec.max_doppler, n_tx=1, n_rx=2,
                    sample_rate=7.68e6, seed=0, correlation="low")
    assert ch.max_doppler == 400.0 and ch.n_rx == 2


def test_parse_falls_back_to_the_scaled_tr38901_model():
    spec = parse_channel_name("TDLA100-10")
    assert spec[:3] == ("TDL-A", 100e-9, 10.0)
    assert TDLChannel(spec.profile, spec.delay_spread, spec.max_doppler, seed=0).delay_spread \
        == 100e-9


@pytest.mark.parametrize("bad", ["TDLF100-400", "EPA5", "TDLB100", "TDLB-400", "", "TDLB0-400",
                                 "TDLB100-400-Extreme"])
def test_parse_bad_names(bad):
    with pytest.raises(ValueError):
        parse_channel_name(bad)


def test_parse_bad_type():
    with pytest.raises(TypeError):
        parse_channel_name(100)


# --- Wilson interval --------------------------------------------------------------------------

def test_wilson_by_hand():
    z = 1.959963984540054
    # p = 0.5, n = 100: centre 0.5, half-width z sqrt(0.0025 + z^2/40000) / (1 + z^2/100)
    half = z * math.sqrt(0.0025 + z * z / 40000) / (1 + z * z / 100)
    low, high = throughput_interval([0.5], 100)
    assert low[0] == pytest.approx(0.5 - half, abs=1e-12)
    assert high[0] == pytest.approx(0.5 + half, abs=1e-12)
    # p = 1 and p = 0: (n / (n + z^2), 1) and (0, z^2 / (n + z^2))
    low, high = throughput_interval([1.0, 0.0], [100, 100])
    assert low.tolist() == pytest.approx([100 / (100 + z * z), 0.0], abs=1e-12)
    assert high.tolist() == pytest.approx([1.0, z * z / (100 + z * z)], abs=1e-12)


def test_wilson_coverage():
    # 2000 binomial(200, 0.7) experiments: coverage of the 95 % interval is 0.95 within
    # 4 standard errors (sqrt(0.95 * 0.05 / 2000) = 0.0049) plus the interval's own
    # discreteness (Wilson at n = 200 stays within about 0.94..0.96).
    rng = np.random.default_rng(7)
    n, p, reps = 200, 0.7, 2000
    frac = rng.binomial(n, p, reps) / n
    low, high = throughput_interval(frac, n)
    coverage = np.mean((low <= p) & (p <= high))
    assert abs(coverage - 0.95) < 0.01 + 4 * 0.0049


# --- isotonic repair -------------------------------------------------------------------------

def _minmax_isotonic(y, w):
    """Brute-force reference: f_i = max_{j<=i} min_{k>=i} weighted mean of y[j..k]."""
    n = len(y)
    out = []
    for i in range(n):
        out.append(max(min(np.dot(w[j:k + 1], y[j:k + 1]) / np.sum(w[j:k + 1])
                           for k in range(i, n)) for j in range(i + 1)))
    return np.array(out)


@settings(max_examples=80, deadline=None)
@given(st.lists(st.tuples(st.floats(0, 1), st.integers(1, 50)), min_size=1, max_size=7))
def test_isotonic_matches_brute_force(pairs):
    y = np.array([p for p, _ in pairs])
    w = np.array([n for _, n in pairs], dtype=float)
    fit = isotonic_increasing(y, w)
    assert np.all(np.diff(fit) >= -1e-12)
    np.testing.assert_allclose(fit, _minmax_isotonic(y, w), atol=1e-12)
    assert np.dot(w, fit) == pytest.approx(np.dot(w, y), abs=1e-9)  # mass preserved


def test_isotonic_bad_inputs():
    with pytest.raises(ValueError):
        isotonic_increasing([0.1, 0.2], [1, 0])
    with pytest.raises(ValueError):
        isotonic_increasing([0.1, 0.2], [1])
    with pytest.raises(ValueError):
        isotonic_increasing([])


# --- crossing ------------------------------------------------------------------------------

def test_crossing_by_hand():
    c = throughput_crossing([0.0, 1.0], [0.5, 0.9], 1000)
    assert c.bracketed and c.snr_db == pytest.approx(0.5)
    # (1, 0.6) -> (2, 0.8): 1 + (0.7 - 0.6) / 0.2 = 1.5; input order does not matter
    c = throughput_crossing([2.0, 0.0, 1.0], [0.8, 0.2, 0.6], [500, 500, 500])
    assert c.snr_db == pytest.approx(1.5)
    # target hit exactly at a point: that point
    assert throughput_crossing([0.0, 1.0, 2.0], [0.1, 0.7, 0.9], 100).snr_db == 1.0
    assert throughput_crossing([0.0, 1.0], [0.7, 0.9], 100).snr_db == 0.0
    # another target
    assert throughput_crossing([0.0, 1.0], [0.0, 1.0], 100, target=0.25).snr_db == \
        pytest.approx(0.25)


def test_crossing_uses_monotone_repair():
    # the dip 0.8 -> 0.6 is pooled to 0.7, 0.7: target 0.5 between (0, 0.2) and (1, 0.7): 0.6
    c = throughput_crossing([0.0, 1.0, 2.0, 3.0], [0.2, 0.8, 0.6, 0.9], 100, target=0.5)
    assert c.snr_db == pytest.approx(0.6)
    # weighted by slots: (0.8 * 100 + 0.6 * 300) / 400 = 0.65 -> 0.3 / 0.45
    c = throughput_crossing([0.0, 1.0, 2.0, 3.0], [0.2, 0.8, 0.6, 0.9], [100, 100, 300, 100],
                            target=0.5)
    assert c.snr_db == pytest.approx(0.3 / 0.45)


def test_crossing_not_bracketed():
    above = throughput_crossing([0.0, 1.0], [0.8, 0.9], 1000)
    assert not above.bracketed and above.snr_db is None
    assert above.low == -math.inf and above.high == 0.0  # even the lower bound is above 70 %
    below = throughput_crossing([0.0, 1.0], [0.1, 0.3], 1000)
    assert not below.bracketed and below.snr_db is None
    assert below.high == math.inf and below.low == 1.0
    # few slots: the optimistic bound does reach 70 % inside the range
    below_few = throughput_crossing([0.0, 1.0], [0.1, 0.6], 10)
    assert below_few.snr_db is None and below_few.high == math.inf and below_few.low < 1.0
    # bracketed estimate, but the pessimistic curve never reaches 70 %
    c = throughput_crossing([0.0, 1.0], [0.5, 0.72], 20)
    assert c.bracketed and c.high == math.inf and c.low < c.snr_db


@settings(max_examples=60, deadline=None)
@given(st.lists(st.floats(0, 1), min_size=2, max_size=6), st.integers(5, 400),
       st.integers(2, 10))
def test_crossing_ci_contains_estimate_and_shrinks(fracs, n, k):
    fracs = sorted(fracs)
    snr = np.arange(len(fracs), dtype=float)
    c1 = throughput_crossing(snr, fracs, n)
    c2 = throughput_crossing(snr, fracs, n * k)
    assert c1.low <= c1.high
    if c1.bracketed:
        assert c1.low <= c1.snr_db <= c1.high
    assert c2.snr_db == c1.snr_db  # same fractions: same estimate
    assert c2.low >= c1.low - 1e-12 and c2.high <= c1.high + 1e-12


@pytest.mark.parametrize("kwargs, exc", [
    (dict(snr_db=[0.0, 1.0], throughput_fraction=[0.5], n_slots=10), ValueError),
    (dict(snr_db=[0.0, 1.0], throughput_fraction=[0.5, 1.1], n_slots=10), ValueError),
    (dict(snr_db=[0.0, 0.0], throughput_fraction=[0.5, 0.9], n_slots=10), ValueError),
    (dict(snr_db=[0.0, float("nan")], throughput_fraction=[0.5, 0.9], n_slots=10), ValueError),
    (dict(snr_db=[0.0, 1.0], throughput_fraction=[0.5, 0.9], n_slots=0), ValueError),
    (dict(snr_db=[0.0, 1.0], throughput_fraction=[0.5, 0.9], n_slots=[10, 0.5]), ValueError),
    (dict(snr_db=[0.0, 1.0], throughput_fraction=[0.5, 0.9], n_slots=[10]), ValueError),
    (dict(snr_db=[0.0, 1.0], throughput_fraction=[0.5, 0.9], n_slots=10, target=1.0), ValueError),
    (dict(snr_db=[0.0, 1.0], throughput_fraction=[0.5, 0.9], n_slots=10, confidence=1.0),
     ValueError),
    (dict(snr_db=[], throughput_fraction=[], n_slots=10), ValueError),
    (dict(snr_db="0 1", throughput_fraction=[0.5, 0.9], n_slots=10), TypeError),
    (dict(snr_db=[0.0, 1.0], throughput_fraction=[0.5, 0.9], n_slots=10, target="0.7"),
     TypeError),
])
def test_crossing_bad_inputs(kwargs, exc):
    with pytest.raises(exc):
        throughput_crossing(**kwargs)


# --- verdict -----------------------------------------------------------------------------------

REQ = pusch_requirements(frc="A3-10", n_rx=2)[0]  # -2.1 dB -> test SNR -1.5 dB
TBS = 5768


def _pt(snr, slots, delivered_tbs):
    return ThroughputPoint(snr, slots, delivered_tbs * TBS, slots * TBS)


def test_verdict_measured_at_test_snr():
    # the point at the test SNR decides, even when a neighbour is higher (non-monotone noise)
    pts = [_pt(-2.5, 1000, 600), _pt(-1.5, 1000, 700), _pt(-1.0, 1000, 650)]
    r = verdict(pts, REQ)
    assert r.measured_at_test and r.throughput == 0.7 and r.passed and r.verdict == "PASS"
    r = verdict([_pt(-2.5, 1000, 600), _pt(-1.5, 1000, 699)], REQ)
    assert not r.passed and r.verdict == "FAIL"
    assert r.crossing.snr_db is None and r.margin_db is None  # never reaches 70 %


def test_verdict_interpolated_and_margin():
    # (-2.5, 0.5) .. (-0.5, 0.9): 0.7 at the test SNR -1.5 by interpolation; crossing -1.5
    r = verdict([_pt(-2.5, 400, 200), _pt(-0.5, 400, 360)], REQ)
    assert not r.measured_at_test
    assert r.throughput == pytest.approx(0.7) and r.passed
    assert r.crossing.snr_db == pytest.approx(-1.5) and r.margin_db == pytest.approx(0.0)
    assert r.throughput_low < 0.7 < r.throughput_high and not r.conclusive
    r = verdict([_pt(-2.5, 400, 100), _pt(-0.5, 400, 360)], REQ)  # 0.25..0.9: 0.575 at -1.5
    assert r.throughput == pytest.approx(0.575) and not r.passed
    assert r.margin_db == pytest.approx(-1.5 - (-2.5 + 0.45 / 0.65 * 2))


def test_verdict_from_counts_mapping():
    counts = {-1.5: SimpleNamespace(slots=2000, delivered_bits=1900 * TBS, max_bits=2000 * TBS,
                                    blocks=2000, block_errors=150),
              -3.5: SimpleNamespace(slots=2000, delivered_bits=200 * TBS, max_bits=2000 * TBS)}
    r = verdict(counts, REQ)
    assert r.passed and r.conclusive and r.throughput == 0.95
    assert r.crossing.snr_db == pytest.approx(-3.5 + 0.6 / 0.85 * 2)
    assert r.margin_db == pytest.approx(-1.5 - r.crossing.snr_db)


def test_verdict_bad_inputs():
    with pytest.raises(ValueError, match="outside the measured range"):
        verdict([_pt(-3.0, 10, 5), _pt(-2.0, 10, 9)], REQ)
    with pytest.raises(TypeError):
        verdict([_pt(-1.5, 10, 5)], "8.2.1.2-3")
    with pytest.raises(ValueError):
        verdict([], REQ)
    with pytest.raises(ValueError):
        throughput_points([ThroughputPoint(0.0, 10, 11, 10)])
    with pytest.raises(TypeError):
        throughput_points({0.0: SimpleNamespace(slots=10, max_bits=10)})
    with pytest.raises(TypeError):
        throughput_points([1.0])


def test_snr_points_around():
    pts = snr_points_around(REQ)
    assert pts == [-3.5, -3.0, -2.5, -2.0, -1.5, -1.0, -0.5]
    for r in pusch_requirements():
        grid = snr_points_around(r)
        assert requirements.test_snr_db(r) in grid
        assert np.allclose(np.diff(grid), 0.5)
    with pytest.raises(TypeError):
        snr_points_around("A3-10")


# --- reports ---------------------------------------------------------------------------------

def test_conformance_table_rows():
    r1 = verdict([_pt(-2.5, 1000, 500), _pt(-1.5, 1000, 900)], REQ)
    r2 = verdict([_pt(-2.5, 1000, 800), _pt(-1.5, 1000, 900)], REQ)  # crossing below range
    table = report.conformance_table([r1, r2])
    console = Console(record=True, width=250)
    console.print(table)
    text = console.export_text()
    assert table.row_count == 2
    assert "PASS" in text and "-2.00 [" in text and "+0.50 [" in text
    assert "< -2.50" in text and "> +1.00" in text
    with pytest.raises(TypeError):
        report.conformance_table(["x"])


def test_plot_conformance_writes_png(tmp_path):
    path = report.plot_conformance([_pt(-2.5, 100, 50), _pt(-1.5, 100, 90)], REQ,
                                 tmp_path / "sub" / "tp.png")
    assert path.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
