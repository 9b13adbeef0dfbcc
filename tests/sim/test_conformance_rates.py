"""TS 38.104 §8.3 PUCCH / §8.4 PRACH requirement tables, verdicts, scenarios and reports."""

from __future__ import annotations

import pytest
from rich.console import Console

from softran.sim.conformance_rates import RatePoint, rate_points_around, rate_verdict
from softran.sim.conformance_rates_report import plot_rates, rate_table
from softran.sim.conformance_rates_run import (
    control_scenario,
    prach_test_config,
    pucch_test_config,
)
from softran.sim.requirements_control import (
    CONTROL_METRICS,
    control_test_snr_db,
    metric_limit,
    prach_requirements,
    prach_time_error_tolerance,
    pucch_requirements,
)


def test_pucch_table_has_every_fr1_row_of_conformance_md():
    rows = pucch_requirements()
    assert len(rows) == 210
    # 38.104 rows: F0 2 tests x (3 + 4 bandwidths) x 2 Rx, F1 NACK->ACK and ACK missed,
    # F2 4-bit and 22-bit, F3 test 1 (two DM-RS options) and test 2, F4 (two DM-RS options)
    signal = [r for r in rows if r.snr_db is not None]
    assert len(signal) == 7 * 2 * (2 + 2 + 2 + 3 + 2)
    assert {r.n_rx for r in rows} == {2, 4}
    # spot values of conformance.md §2.2
    f0 = pucch_requirements(format=0, test="2-symbol", n_rx=4, scs_khz=30, bandwidth_mhz=100,
                            metric="ack-missed")
    assert [r.snr_db for r in f0] == [-0.8]
    f3 = pucch_requirements(format=3, test="test-1", n_rx=4, scs_khz=15, bandwidth_mhz=10)
    assert sorted(r.snr_db for r in f3) == [-4.0, -3.3]
    f4 = pucch_requirements(format=4, n_rx=2, scs_khz=30, bandwidth_mhz=100,
                            additional_dmrs=True)
    assert [r.snr_db for r in f4] == [2.2]
    n2a = pucch_requirements(format=1, metric="nack-to-ack", n_rx=4, scs_khz=30,
                             bandwidth_mhz=40)
    assert [r.snr_db for r in n2a] == [-7.5]


def test_prach_table_has_every_fr1_row_of_conformance_md():
    rows = prach_requirements()
    assert len(rows) == 78
    det = [r for r in rows if r.metric == "detection"]
    assert len(det) == 4 + 2 * 2 * 2 * 6                 # format 0 + 6 short formats x 2 SCS
    assert {r.format for r in rows} == {"0", "A1", "A2", "A3", "B4", "C0", "C2"}
    b4 = prach_requirements(format="B4", scs_khz=15, n_rx=4, channel="TDLC300-100")
    assert [r.snr_db for r in b4] == [-13.8]
    c0 = prach_requirements(format="C0", scs_khz=30, n_rx=2, channel="TDLC300-100")
    assert [r.snr_db for r in c0] == [0.1]
    assert all(r.frequency_offset == 400.0 for r in rows if r.channel != "AWGN")


def test_limits_tolerances_and_time_errors():
    assert metric_limit("ack-missed") == metric_limit("uci-bler") == 0.01
    assert metric_limit("nack-to-ack") == metric_limit("false-alarm") == 0.001
    assert set(CONTROL_METRICS) >= {"ack-missed", "nack-to-ack", "false-ack", "uci-bler",
                                    "detection", "false-alarm"}
    awgn = prach_requirements(format="B4", scs_khz=30, n_rx=2, channel="AWGN",
                              metric="detection")[0]
    fading = prach_requirements(format="B4", scs_khz=30, n_rx=2, channel="TDLC300-100")[0]
    assert control_test_snr_db(awgn) == -16.2 and control_test_snr_db(fading) == -9.3
    assert control_test_snr_db(pucch_requirements(format=2, test="22-bit", n_rx=2,
                                                  bandwidth_mhz=20, scs_khz=15)[0]) == 1.8
    assert prach_time_error_tolerance("0", 1.25, "AWGN") == 1.04
    assert prach_time_error_tolerance("A1", 30, "TDLC300-100") == 1.77
    assert fading.time_error_tolerance_us == 1.77
    with pytest.raises(ValueError, match="time-error tolerance"):
        prach_time_error_tolerance("A1", 60, "AWGN")


@pytest.mark.parametrize("kwargs,match", [
    (dict(format=5), "format"),
    (dict(format=0, test="4-bit"), "test = '4-bit' is not allowed with format=0"),
    (dict(n_rx=8), "n_rx = 8"),
    (dict(metric="bler"), "metric"),
])
def test_pucch_filters_that_select_nothing_raise(kwargs, match):
    with pytest.raises(ValueError, match=match):
        pucch_requirements(**kwargs)


def test_prach_filters_that_select_nothing_raise():
    with pytest.raises(ValueError, match="format"):
        prach_requirements(format="B1")
    with pytest.raises(ValueError, match="scs_khz = 1.25 is not allowed with format='A1'"):
        prach_requirements(format="A1", scs_khz=1.25)


def test_verdict_uses_the_test_snr_point_and_the_wilson_interval():
    req = prach_requirements(format="0", n_rx=2, channel="AWGN", metric="detection")[0]
    pts = [RatePoint(-15.2, 1000, 80), RatePoint(-14.2, 4000, 20), RatePoint(-13.2, 4000, 1)]
    res = rate_verdict(pts, req)
    assert res.test_snr_db == -14.2 and (res.trials, res.failures) == (4000, 20)
    assert res.passed and res.verdict == "PASS" and res.conclusive
    assert res.low < res.rate == 0.005 < res.high < 0.01
    fail = rate_verdict([RatePoint(-14.2, 1000, 30)], req)
    assert not fail.passed and fail.verdict == "FAIL" and fail.conclusive
    near = rate_verdict([RatePoint(-14.2, 300, 2)], req)
    assert near.passed and not near.conclusive
    with pytest.raises(ValueError, match="no point was measured at the test SNR -14.2"):
        rate_verdict([RatePoint(-15.2, 100, 1)], req)
    with pytest.raises(ValueError, match="points is empty"):
        rate_verdict([], req)
    with pytest.raises(ValueError, match="bad counts"):
        rate_verdict([RatePoint(-14.2, 10, 11)], req)
    with pytest.raises(TypeError, match="req must be"):
        rate_verdict(pts, "0")  # type: ignore[arg-type]


def test_noise_only_rows_pool_their_points():
    req = prach_requirements(metric="false-alarm", format="B4", scs_khz=30, n_rx=4)[0]
    res = rate_verdict([RatePoint(0.0, 10000, 1), RatePoint(0.0, 10000, 1)], req)
    assert res.test_snr_db is None and res.trials == 20000 and res.failures == 2
    assert res.passed and res.conclusive                   # upper bound < 0.1 %
    assert rate_points_around(req) == [0.0] == rate_points_around(req, quick=True)


def test_every_requirement_row_has_a_valid_scenario():
    for req in pucch_requirements() + prach_requirements():
        s = control_scenario(req, quick=True)
        assert s.scenario.link == req.family
        assert s.antennas.n_rx == req.n_rx and s.antennas.n_tx == 1
        assert s.channel.model == req.channel
        table = getattr(s, req.family)
        assert table["metric"] == req.metric
        t = control_test_snr_db(req)
        assert (t is None and s.snr.points_db == (0.0,)) or any(
            abs(t - v) < 1e-6 for v in s.snr.points_db)


def test_pucch_test_configurations():
    req = pucch_requirements(format=0, test="2-symbol", n_rx=2, bandwidth_mhz=20,
                             scs_khz=15)[0]
    t = pucch_test_config(req)
    assert t["symbol_allocation"] == [12, 2] and t["second_hop_prb"] == 105
    req = pucch_requirements(format=3, test="test-2", n_rx=4, bandwidth_mhz=100)[0]
    t = pucch_test_config(req)
    assert t["prb_set"] == [0, 1, 2] and t["symbol_allocation"] == [0, 4]
    assert t["n_bits"] == 16 and t["additional_dmrs"] is False
    req = pucch_requirements(format=4, additional_dmrs=True, n_rx=2, bandwidth_mhz=5)[0]
    s = control_scenario(req)
    assert s.pucch["pucch"]["additional_dmrs"] is True
    assert s.pucch["pucch"]["spreading_factor"] == 2 and s.pucch["n_bits"] == 22
    assert s.stopping.target_block_errors == 200 and s.stopping.max_slots == 20000
    with pytest.raises(TypeError, match="PUCCHRequirement"):
        pucch_test_config(prach_requirements()[0])  # type: ignore[arg-type]


def test_prach_test_configurations_and_statistics():
    req = prach_requirements(format="0", n_rx=4, channel="TDLC300-100")[0]
    carrier, table = prach_test_config(req)
    assert carrier == {"subcarrier_spacing": 15, "n_size_grid": 25}
    assert (table["sequence_index"], table["preamble_index"],
            table["zero_correlation_zone"]) == (22, 32, 1)
    s = control_scenario(req)
    assert s.prach["prach"]["configuration_index"] == 0
    assert s.prach["time_error_tolerance"] == 2.55
    assert s.impairments.frequency_offset == 400.0
    req = prach_requirements(format="C2", scs_khz=15, n_rx=2, channel="AWGN",
                             metric="detection")[0]
    s = control_scenario(req)
    assert s.prach["prach"]["configuration_index"] == 236 and s.impairments.frequency_offset == 0
    fa = prach_requirements(format="A3", scs_khz=30, n_rx=2, metric="false-alarm")[0]
    full, quick = control_scenario(fa), control_scenario(fa, quick=True)
    assert full.stopping.min_slots == full.stopping.max_slots == 20000
    assert quick.stopping.max_slots == 5000
    assert full.stopping.target_block_errors == 0


def test_rate_table_fits_80_columns_and_plots(tmp_path):
    req = pucch_requirements(format=3, test="test-1", additional_dmrs=True, n_rx=2,
                             bandwidth_mhz=5)[0]
    fa = prach_requirements(metric="false-alarm")[0]
    results = [rate_verdict([RatePoint(0.5, 1000, 14)], req),
               rate_verdict([RatePoint(0.0, 20000, 0)], fa)]
    console = Console(width=80, record=True)
    console.print(rate_table(results))
    text = console.export_text()
    assert max(len(line) for line in text.splitlines()) <= 80
    assert "FAIL?" in text and "PASS" in text and "noise" in text
    path = plot_rates([RatePoint(-0.5, 500, 40), RatePoint(0.5, 1000, 14)], req,
                      tmp_path / "r.png")
    assert path.stat().st_size > 1000
    assert plot_rates([RatePoint(0.0, 20000, 0)], fa, tmp_path / "f.png").stat().st_size > 1000
