"""The network planner's engine and outputs: one span with connector losses by hand, link
files propagated channel by channel agree with the closed form, CSV/JSON, plots."""

from __future__ import annotations

import csv
import io
import json
import math

import pytest

from softran.optical.link import validate_link
from softran.optical.network_plan import (
    link_to_network,
    plan_network,
    plot_gsnr_vs_distance,
    plot_gsnr_vs_frequency,
)
from softran.optical.network_propagation import PropagationOptions
from softran.optical.planner import plan

H = 6.62607015e-34
C = 299792458.0


def _one_span(con_in=1.0, con_out=0.5, extra=0.0, fd=False):
    return validate_link({
        "link": {"name": "one span"},
        "transceiver": {"symbol_rate_gbd": 64, "channel_spacing_ghz": 75, "n_channels": 1,
                        "centre_frequency_thz": 193.1, "launch_power_dbm": 0.0},
        "spans": [{"length_km": 80, "con_in_db": con_in, "con_out_db": con_out,
                   "extra_loss_db": extra}],
        "amplifier_per_span": {"noise_figure_db": 5.0},
        "model": {"frequency_dependent": fd}})


def _by_hand(con_in, con_out, extra):
    """GSNR [dB] of one 80 km SSMF span (0.2 dB/km, D 16.7 ps/(nm km), gamma 1.3 /(W km)),
    one 64 GBd channel launched at 0 dBm before the input connector, amplifier gain = span
    loss (connectors included), NF 5 dB."""
    lam = 1550e-9
    alpha = 0.2 * math.log(10) / 10 / 1e3
    beta2 = -16.7e-6 * lam ** 2 / (2 * math.pi * C)
    gamma = 1.3e-3
    r = 64e9
    l_eff = (1 - math.exp(-alpha * 80e3)) / alpha
    l_a = 1 / alpha
    p_f = 1e-3 * 10 ** (-con_in / 10)                      # into the fibre
    g = p_f / r
    p_nli = 8 / 27 * gamma ** 2 * g ** 3 * l_eff ** 2 * math.asinh(
        math.pi ** 2 / 2 * abs(beta2) * l_a * r ** 2) / (math.pi * abs(beta2) * l_a) * r
    gain = 10 ** ((16.0 + con_in + con_out + extra) / 10)
    f = 10 ** 0.5
    p_ase = (f * gain - 1) * H * 193.1e12 * r                # at the amplifier output
    nsr = p_nli / p_f + p_ase / 1e-3                         # output signal is 0 dBm again
    return -10 * math.log10(nsr), 10 * math.log10(p_f / p_nli)


@pytest.mark.parametrize("con_in, con_out, extra", [(0.0, 0.0, 0.0), (1.0, 0.5, 0.0),
                                                    (2.0, 0.0, 0.7)])
def test_one_span_with_connector_losses_by_hand(con_in, con_out, extra):
    link = _one_span(con_in, con_out, extra)
    ref, ref_nli = _by_hand(con_in, con_out, extra)
    r = plan(link)                                           # closed form
    assert float(r.gsnr_db[0]) == pytest.approx(ref, abs=1e-9)
    assert float(r.gsnr_nli_db[0]) == pytest.approx(ref_nli, abs=1e-9)
    net, eq = link_to_network(link)                          # propagated channel by channel
    p = plan_network(net, eq, design=False,
                     options=PropagationOptions(ase_exact=True, nli_from_total_power=False))
    assert float(p.result.gsnr_db[0]) == pytest.approx(ref, abs=2e-3)
    assert p.element_rows()[1]["loss_db"] == pytest.approx(16.0 + con_in + con_out + extra)


def test_input_connector_lowers_the_nli_by_three_times_its_loss():
    _, nli0 = _by_hand(0.0, 0.0, 0.0)
    r = plan(_one_span(1.0, 0.0))
    # NLI ~ P^3 referred to a signal ~ P: the NLI-only SNR rises by 2 dB for 1 dB of loss
    assert float(r.gsnr_nli_db[0]) - nli0 == pytest.approx(2.0, abs=1e-9)


@pytest.mark.parametrize("fd", [False, True])
def test_link_file_propagation_equals_the_closed_form(fd):
    link = validate_link({
        "link": {"name": "x"},
        "transceiver": {"symbol_rate_gbd": 64, "channel_spacing_ghz": 75, "n_channels": 24,
                        "launch_power_dbm": 1.5, "back_to_back_snr_db": 22},
        "spans": [{"length_km": 80, "count": 6, "con_in_db": 0.4, "con_out_db": 0.6}],
        "amplifier_per_span": {"noise_figure_db": 5}, "model": {"frequency_dependent": fd}})
    r = plan(link)
    net, eq = link_to_network(link)
    p = plan_network(net, eq, design=False,
                     options=PropagationOptions(ase_exact=True, nli_from_total_power=False))
    # the only difference: the propagation takes the NLI out of the signal (second order)
    assert float((p.result.gsnr_db - r.gsnr_db).abs().max()) < 5e-3
    if fd:
        flat = plan(validate_link({"link": {"name": "x"}, "transceiver": {
            "symbol_rate_gbd": 64, "channel_spacing_ghz": 75, "n_channels": 24,
            "launch_power_dbm": 1.5, "back_to_back_snr_db": 22}, "spans": [{
                "length_km": 80, "count": 6, "con_in_db": 0.4, "con_out_db": 0.6}],
            "amplifier_per_span": {"noise_figure_db": 5}}))
        # gamma(f) rises with frequency: the high channels see more NLI than at 1550 nm
        d = r.gsnr_nli_db - flat.gsnr_nli_db
        assert float(d[-1]) < float(d[0])


def test_srs_and_total_power_nli_change_the_result_in_the_right_direction():
    base = {"link": {"name": "wide"},
            "transceiver": {"symbol_rate_gbd": 64, "channel_spacing_ghz": 75, "n_channels": 64,
                            "launch_power_dbm": 3.0},
            "spans": [{"length_km": 100, "count": 4}], "amplifier_per_span": {
                "noise_figure_db": 5}}
    link = validate_link(base)
    net, eq = link_to_network(link)
    ref = plan_network(net, eq, design=False, options=PropagationOptions(
        ase_exact=True, nli_from_total_power=False))
    srs = plan_network(net, eq, design=False, options=PropagationOptions(
        ase_exact=True, nli_from_total_power=False, srs=True))
    p_low, p_high = srs.result.final.signal[0], srs.result.final.signal[-1]
    assert float(p_low / p_high) > 1.5                     # power moved to low frequencies
    # without SRS the edges differ only by the NLI taken out of them (edge channels less)
    assert float(ref.result.final.signal[0] / ref.result.final.signal[-1]) == pytest.approx(
        1.0, abs=1e-5)
    total = plan_network(net, eq, design=False, options=PropagationOptions(ase_exact=True))
    assert bool((total.result.snr_nli_db <= ref.result.snr_nli_db + 1e-12).all())


def test_tables_csv_json_and_plots(tmp_path):
    link = validate_link({"link": {"name": "x"}, "transceiver": {
        "symbol_rate_gbd": 64, "channel_spacing_ghz": 75, "n_channels": 5,
        "launch_power_dbm": 0.0}, "spans": [{"length_km": 80, "count": 3}],
        "amplifier_per_span": {"noise_figure_db": 5}})
    p = plan_network(*link_to_network(link), design=False)
    rows = list(csv.DictReader(io.StringIO(p.csv_text("channels"))))
    assert [int(r["channel"]) for r in rows] == [1, 2, 3, 4, 5]
    assert float(rows[2]["gsnr_db"]) == pytest.approx(float(p.result.gsnr_db[2]))
    els = list(csv.DictReader(io.StringIO(p.csv_text("elements"))))
    assert [r["kind"] for r in els] == ["transceiver"] + ["fibre", "amplifier"] * 3 + [
        "transceiver"]
    assert float(els[-2]["distance_km"]) == 240.0
    noise = list(csv.DictReader(io.StringIO(p.csv_text("noise"))))
    assert len(noise) == 6 * 5                               # 3 fibres + 3 amplifiers, 5 ch
    # the per-span noise adds up to the receiver's: 1/GSNR_line = sum of 1/SNR of the rows
    inv = sum(10 ** (-float(r["snr_db"]) / 10) for r in noise if r["channel"] == "3")
    s = p.result.final
    assert 10 * math.log10(1 / inv) == pytest.approx(
        10 * math.log10(float(s.signal[2] / (s.ase[2] + s.nli[2]))), abs=0.01)
    doc = json.loads(json.dumps(p.to_json(), default=str))
    assert doc["summary"]["spans"] == 3 and len(doc["channels"]) == 5
    with pytest.raises(ValueError, match="table"):
        p.csv_text("nope")
    for fn in (plot_gsnr_vs_frequency, plot_gsnr_vs_distance):
        out = fn(p, tmp_path / f"{fn.__name__}.png")
        assert out.read_bytes()[:4] == b"\x89PNG"
    with pytest.raises(ValueError, match="suffix"):
        plot_gsnr_vs_frequency(p, tmp_path / "x.pdf")


def test_plan_network_errors():
    link = validate_link({"link": {"name": "x"}, "transceiver": {
        "symbol_rate_gbd": 64, "channel_spacing_ghz": 75, "n_channels": 2,
        "launch_power_dbm": 0.0}, "spans": [{"length_km": 80}],
        "amplifier_per_span": {"noise_figure_db": 5}})
    net, eq = link_to_network(link)
    with pytest.raises(ValueError, match="source = 'nowhere' is not a transceiver"):
        plan_network(net, eq, "nowhere", design=False)
    with pytest.raises(ValueError, match="no path from 'rx' to 'tx'"):
        plan_network(net, eq, "rx", "tx", design=False)
