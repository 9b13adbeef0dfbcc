"""GN-model planner: incoherent accumulation, optimum launch power, the three example links,
modulation choice, the table/plot/CLI body and the fronthaul bridge."""

import io
import math
from pathlib import Path

import pytest
import torch
from rich.console import Console

from softran.optical.gn_model import required_snr_db
from softran.optical.link import LinkError, load_link, validate_link
from softran.optical.planner import (
    fronthaul_fits,
    gsnr_vs_power,
    line_noise,
    plan,
    plan_cli,
    plan_summary_table,
    plan_table,
    plot_gsnr_vs_power,
)

EXAMPLES = Path(__file__).resolve().parents[2] / "scenarios" / "optical"
H = 6.62607015e-34
C = 299792458.0


def _link(count=1, n_channels=5, **tx):
    return validate_link({
        "link": {"name": "t"},
        "transceiver": {"symbol_rate_gbd": 64.0, "channel_spacing_ghz": 75.0,
                        "n_channels": n_channels, **tx},
        "spans": [{"fibre": "SSMF", "length_km": 80.0, "count": count}],
        "amplifier_per_span": {"noise_figure_db": 5.0}})


def _ase_hand(nf_db, gain_db, nu, b):
    return (10 ** (nf_db / 10) * 10 ** (gain_db / 10) - 1) * H * nu * b


def test_incoherent_accumulation_n_spans_is_n_times_one_span():
    one = line_noise(_link(1))
    for n in (2, 7):
        many = line_noise(_link(n))
        torch.testing.assert_close(many.ase, n * one.ase, rtol=1e-12, atol=0)
        torch.testing.assert_close(many.nli, n * one.nli, rtol=1e-12, atol=0)
    # so the optimum launch power does not depend on the number of spans, and the GSNR at
    # the optimum falls by exactly 10 log10(N)
    r1, r7 = plan(_link(1)), plan(_link(7))
    assert r7.optimum_launch_power_dbm == pytest.approx(r1.optimum_launch_power_dbm, abs=1e-9)
    assert r1.worst_gsnr_db - r7.worst_gsnr_db == pytest.approx(10 * math.log10(7), abs=1e-9)


def test_single_span_ase_by_hand():
    r = plan(_link(1, n_channels=1, launch_power_dbm=0.0))
    p_ase = _ase_hand(5.0, 16.0, 193.1e12, 64e9)
    assert float(r.gsnr_ase_db[0]) == pytest.approx(10 * math.log10(1e-3 / p_ase), abs=1e-9)


def test_optimum_is_the_numeric_maximum_and_nli_is_half_the_ase():
    link = _link(3, n_channels=9)
    r = plan(link)
    w = r.worst_channel
    p = torch.linspace(r.optimum_launch_power_dbm - 3, r.optimum_launch_power_dbm + 3, 60001,
                       dtype=torch.float64)
    g = gsnr_vs_power(link, p)[:, w]
    assert p[int(torch.argmax(g))].item() == pytest.approx(r.optimum_launch_power_dbm,
                                                           abs=2e-3)
    # P_opt = (A / 2B)^(1/3): SNR_NLI = 2 SNR_ASE, a 3.01 dB gap
    assert float(r.gsnr_nli_db[w] - r.gsnr_ase_db[w]) == pytest.approx(10 * math.log10(2),
                                                                      abs=1e-9)
    # the centre channel collects the most NLI: every other channel is better
    assert w == 4 and bool((r.gsnr_db >= r.gsnr_db[w]).all())


def test_non_transparent_gain_sets_the_power_profile():
    link = validate_link({
        "link": {"name": "t"},
        "transceiver": {"symbol_rate_gbd": 64.0, "channel_spacing_ghz": 75.0,
                        "n_channels": 1, "launch_power_dbm": 0.0},
        "spans": [{"length_km": 80.0, "amplifier": {"noise_figure_db": 5.0, "gain_db": 17.0}},
                  {"length_km": 80.0, "amplifier": {"noise_figure_db": 5.0}}]})
    assert link.spans[1].amplifier.gain_db == pytest.approx(16.0)
    n = line_noise(link)
    assert n.gain_profile.tolist() == pytest.approx([1.0, 10 ** 0.1])
    # NLI of span 2 at a launch 1 dB higher: η (g P)³ / (g P) -> g² more NSR
    assert float(n.span_nli[1, 0] / n.span_nli[0, 0]) == pytest.approx(10 ** 0.2)
    # ASE referred to the signal at each amplifier output (+1 dB, then +1 dB still)
    assert float(n.span_ase[0, 0]) == pytest.approx(_ase_hand(5.0, 17.0, 193.1e12, 64e9)
                                                    / 10 ** 0.1)
    assert float(n.span_ase[1, 0]) == pytest.approx(_ase_hand(5.0, 16.0, 193.1e12, 64e9)
                                                    / 10 ** 0.1)
    rows = plan(link).rows
    assert rows[1].launch_power_dbm - rows[0].launch_power_dbm == pytest.approx(1.0)


def test_metro_example():
    """10 x 80 km SSMF, NF 5 dB, 64 x 64 GBd, b2b SNR 22 dB. By hand: ten amplifiers of
    (F G - 1) h ν R_s each; at the optimum the ASE-only SNR is P_opt / (10 P_ASE) and the
    line GSNR is 1.76 dB (factor 1.5) lower, 18.6 dB; with the transceiver's 22 dB it is
    about 17 dB: inside the 15-20 dB usually quoted for a 800 km SSMF metro line at 64 GBd."""
    r = plan(load_link(EXAMPLES / "metro_80kmx10.toml"))
    w = r.worst_channel
    nu = float(r.frequencies[w])
    p_opt = 1e-3 * 10 ** (r.optimum_launch_power_dbm / 10)
    ase = 10 * _ase_hand(5.0, 16.0, nu, 64e9)
    assert float(r.gsnr_ase_db[w]) == pytest.approx(10 * math.log10(p_opt / ase), abs=1e-9)
    line = 10 * math.log10(p_opt / (1.5 * ase))
    assert r.rows[-1].gsnr_db == pytest.approx(line, abs=1e-9)
    total = -10 * math.log10(10 ** (-line / 10) + 10 ** (-2.2))
    assert r.worst_gsnr_db == pytest.approx(total, abs=1e-9)
    assert 15.0 <= r.worst_gsnr_db <= 20.0
    assert -2.0 <= r.optimum_launch_power_dbm <= 3.0
    assert len(r.rows) == 10 and r.rows[-1].distance_km == 800.0
    assert r.latency_s == pytest.approx(800e3 * 1.468 / C)
    assert r.rows[0].delay_us == pytest.approx(80 * 4.8967, abs=0.01)


def test_submarine_example():
    """6,000 km, 100 x 60 km ULL (9.6 dB spans), NF 4.5 dB, 128 x 32 GBd: ASE-only SNR at
    the optimum checked by hand; 12-17 dB worst-channel GSNR (with the 20 dB transceiver) is
    the range of current transoceanic cables at 32 GBd; 29.4 ms one way."""
    r = plan(load_link(EXAMPLES / "submarine_6000km.toml"))
    w = r.worst_channel
    p_opt = 1e-3 * 10 ** (r.optimum_launch_power_dbm / 10)
    ase = 100 * _ase_hand(4.5, 9.6, float(r.frequencies[w]), 32e9)
    assert float(r.gsnr_ase_db[w]) == pytest.approx(10 * math.log10(p_opt / ase), abs=1e-9)
    assert 12.0 <= r.worst_gsnr_db <= 17.0
    assert r.latency_s * 1e3 == pytest.approx(6000 * 4.8967e-3, abs=0.01)


def test_fronthaul_example():
    """20 km unamplified SSMF at 0 dBm: no ASE, NLI far below the transceiver's 20 dB, so
    the GSNR is the transceiver's within 0.15 dB; 97.9 µs of fibre delay."""
    r = plan(load_link(EXAMPLES / "fronthaul_20km.toml"))
    assert r.optimum_launch_power_dbm is None and r.launch_power_dbm == 0.0
    assert math.isinf(float(r.gsnr_ase_db[0])) and float(r.gsnr_nli_db.min()) > 30.0
    assert r.worst_gsnr_db == pytest.approx(20.0, abs=0.15)
    assert r.latency_s * 1e6 == pytest.approx(20 * 4.8967, abs=0.01)
    assert r.rows[0].p_ase_dbm is None


def test_modulation_choice():
    link = _link(10, n_channels=16, back_to_back_snr_db=22.0, margin_db=1.0)
    r = plan(link)
    for m in r.modulations:
        req = required_snr_db(m.modulation, 2e-2)
        assert m.required_snr_db == pytest.approx(req)
        assert m.excess_db == pytest.approx(r.worst_gsnr_db - req - 1.0)
    closing = [m.modulation for m in r.modulations if m.closes]
    order = ["QPSK", "16QAM", "64QAM", "256QAM"]
    assert r.modulation == max(closing, key=order.index)
    assert r.net_rate_bps == pytest.approx(2 * 64e9 * math.log2(16) / 1.15)
    # a required SNR above the GSNR: nothing closes
    r = plan(_link(10, modulation="16QAM", required_snr_db=40.0))
    assert r.modulation is None and r.net_rate_bps is None
    assert not r.modulations[0].closes
    # Shannon rate per channel by hand
    g = 10 ** (r.worst_gsnr_db / 10)
    assert float(r.shannon_rate_bps[r.worst_channel]) == pytest.approx(
        2 * 64e9 * math.log2(1 + g))


def test_fixed_launch_power():
    r_opt = plan(_link(4))
    p = r_opt.optimum_launch_power_dbm + 3.0
    r = plan(_link(4, launch_power_dbm=p))
    assert r.launch_power_dbm == p
    assert r.optimum_launch_power_dbm == pytest.approx(r_opt.optimum_launch_power_dbm)
    assert r.worst_gsnr_db < r_opt.worst_gsnr_db
    torch.testing.assert_close(r.gsnr_db, gsnr_vs_power(_link(4), torch.tensor([p]))[0])


def test_table_plot_and_cli(tmp_path):
    r = plan(_link(3))
    assert plan_table(r).row_count == 3
    assert plan_summary_table(r).row_count >= 10
    buf = io.StringIO()
    out = tmp_path / "g.png"
    assert plan_cli(EXAMPLES / "metro_80kmx10.toml", out,
                    console=Console(file=buf, width=200)) == 0
    text = buf.getvalue()
    assert "Metro/regional line" in text and "GSNR" in text and f"wrote {out}" in text
    assert out.stat().st_size > 10_000
    with pytest.raises(ValueError, match="suffix"):
        plot_gsnr_vs_power(_link(1), tmp_path / "g.pdf")
    bad = tmp_path / "bad.toml"
    bad.write_text(EXAMPLES.joinpath("metro_80kmx10.toml").read_text().replace(
        "length_km = 80.0", "length_km = -80.0"))
    with pytest.raises(LinkError, match=r"^bad.toml: spans\[0\].length_km: must be > 0"):
        plan_cli(bad, None, console=Console(file=io.StringIO()))


def test_fronthaul_bridge():
    link = load_link(EXAMPLES / "fronthaul_20km.toml")
    # 16QAM closes at 32 GBd: 2 x 32 GBd x 4 bit / 1.15 = 222.6 Gb/s net per channel
    fit = fronthaul_fits(link, 25e9, 100e-6)
    assert fit.fits and fit.capacity_ok and fit.delay_ok and fit.reason == "fits"
    assert fit.modulation == "16QAM" and fit.channels_needed == 1
    assert fit.net_rate_per_channel_bps == pytest.approx(2 * 32e9 * 4 / 1.15)
    assert fit.one_way_delay_s == pytest.approx(20e3 * 1.468 / C)
    assert fronthaul_fits(link, 1e12, 100e-6).channels_needed == 5     # ceil(1000 / 222.6)
    slow = fronthaul_fits(link, 25e9, 50e-6)
    assert not slow.fits and slow.capacity_ok and not slow.delay_ok
    assert "one-way delay 97.9 µs exceeds the budget 50.0 µs" in slow.reason
    big = fronthaul_fits(link, 5e12, 1e-3)
    assert not big.fits and not big.capacity_ok and "needs 23 channels" in big.reason
    with pytest.raises(ValueError, match="bitrate_bps"):
        fronthaul_fits(link, 0.0, 1e-4)
    with pytest.raises(ValueError, match="delay_budget_s"):
        fronthaul_fits(link, 1e9, -1.0)
    with pytest.raises(TypeError, match="link"):
        plan("scenarios/optical/metro_80kmx10.toml")
