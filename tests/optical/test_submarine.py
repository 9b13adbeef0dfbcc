"""The submarine power-budget model: the power arithmetic by hand, the SDM argument (under a
power limit capacity grows with the pair count), the optimum the per-amplifier overhead
creates, the ladder, the file's errors."""

from __future__ import annotations

import itertools
import math
from pathlib import Path

import pytest
import torch

from softran.optical.planner import line_noise
from softran.optical.submarine import (
    CableError,
    cable_from_dict,
    capacity_at,
    load_cable,
    modulation_ladder,
    optimise_cable,
    plot_capacity_vs_pairs,
    sweep_rows,
)

ROOT = Path(__file__).resolve().parents[2]


def _cable(**over):
    doc = {"cable": {"name": "t", "length_km": 6000, "repeater_spacing_km": 60},
           "power_feed": {"feed_voltage_kv": 12, "current_a": 1.0,
                          "cable_resistance_ohm_per_km": 0.8},
           "repeater": {"fixed_electrical_w": 10, "per_amplifier_electrical_w": 0.0,
                        "electrical_to_optical": 0.05},
           "transceiver": {"symbol_rate_gbd": 32, "channel_spacing_ghz": 37.5,
                           "band_ghz": 1500, "back_to_back_snr_db": 25},
           "search": {"max_pairs": 30}}
    for key, value in over.items():
        section, _, field = key.partition("__")
        doc[section][field] = value
    return cable_from_dict(doc)


def test_power_arithmetic_by_hand():
    c = _cable()
    assert c.n_repeaters == 99                            # 100 spans of 60 km
    assert c.ohmic_loss_w == pytest.approx(1.0 ** 2 * 0.8 * 6000)
    assert c.repeater_power_w == pytest.approx((12000 - 4800) / 99)
    for n in (1, 4, 10):
        assert c.optical_power_per_amplifier(n) == pytest.approx(
            0.05 * (c.repeater_power_w - 10) / (2 * n))
    c2 = _cable(repeater__per_amplifier_electrical_w=2.0)
    assert c2.optical_power_per_amplifier(3) == pytest.approx(
        0.05 * (c2.repeater_power_w - 10 - 12) / 6)
    assert c2.optical_power_per_amplifier(100) == 0.0


def test_power_limited_pair_gsnr_is_the_closed_form_at_the_available_power():
    c = _cable(repeater__electrical_to_optical=0.001)
    pt = capacity_at(c, 2)
    n = line_noise(c.link)
    p = c.optical_power_per_amplifier(2) / c.link.n_channels
    assert pt.power_limited and pt.launch_per_channel == pytest.approx(p)
    ref = 10 * torch.log10(1 / (n.ase / p + n.nli * p ** 2 + 1 / n.snr_trx))
    assert torch.allclose(pt.gsnr_db, ref)
    rs = c.link.symbol_rate
    assert pt.shannon_bps == pytest.approx(2 * float(
        (2 * rs * torch.log2(1 + 10 ** (ref / 10))).sum()))


def test_sdm_argument_capacity_grows_with_pairs_under_a_power_limit():
    """No per-pair overhead, every pair power-limited: capacity N sum log2(1 + c / N) grows
    with N at ever lower power per pair (Dar et al. 2018; Sinkin et al. 2018)."""
    c = _cable(repeater__electrical_to_optical=0.0002, search__max_pairs=40)
    r = optimise_cable(c)
    caps = [p.shannon_bps for p in r.points]
    assert all(p.power_limited for p in r.points)
    assert all(b > a for a, b in itertools.pairwise(caps))
    powers = [p.launch_per_channel for p in r.points]
    assert all(b < a for a, b in itertools.pairwise(powers))
    gsnr = [float(p.gsnr_db.min()) for p in r.points]
    assert gsnr[-1] < gsnr[0]
    assert r.best_shannon.pairs == 40 and any("search limit" in n for n in r.notes)


def test_per_amplifier_overhead_makes_an_interior_optimum():
    c = _cable(repeater__per_amplifier_electrical_w=0.5, search__max_pairs=200)
    r = optimise_cable(c)
    best = r.best_shannon
    assert 1 < best.pairs < len(r.points)
    assert best.shannon_bps > r.points[0].shannon_bps and best.shannon_bps > r.points[-1].shannon_bps
    # unimodal: rising to the optimum, falling after it
    caps = [p.shannon_bps for p in r.points]
    k = best.pairs - 1
    assert all(b >= a for a, b in itertools.pairwise(caps[:k + 1]))
    assert all(b <= a for a, b in zip(caps[k:], caps[k + 1:]))
    assert any("overhead takes all the power" in n for n in r.notes)
    rows = sweep_rows(r)
    assert rows[k]["pairs"] == best.pairs and rows[k]["shannon_tbps"] == best.shannon_bps / 1e12


def test_ladder_picks_the_densest_rung_that_closes():
    lad = modulation_ladder()
    assert lad[0].net_bits == pytest.approx(2 * 2 / 1.2)             # QPSK, 20 % SD-FEC
    assert lad[-1].net_bits == pytest.approx(2 * 8 / 1.067, rel=1e-3)
    c = _cable(repeater__electrical_to_optical=0.01)
    pt = capacity_at(c, 3)
    by_name = {r.name: r for r in lad}
    for g, name in zip(pt.gsnr_db.tolist(), pt.formats):
        if name == "none":
            assert g < lad[0].required_snr_db + c.margin_db
            continue
        assert by_name[name].required_snr_db + c.margin_db <= g
        denser = [r for r in lad if r.net_bits > by_name[name].net_bits]
        assert all(r.required_snr_db + c.margin_db > g for r in denser)
    assert pt.ladder_bps <= pt.shannon_bps


def test_scenario_examples_have_an_interior_optimum(tmp_path):
    for name in ("submarine_transpacific_6600km.toml", "submarine_10000km.toml"):
        c = load_cable(ROOT / "scenarios" / "optical" / name)
        assert c.link.length_km >= 6000
        r = optimise_cable(c)
        assert 1 < r.best_shannon.pairs < r.points[-1].pairs
        assert 1 < r.best_ladder.pairs < r.points[-1].pairs
        out = plot_capacity_vs_pairs(r, tmp_path / f"{name}.png")
        assert out.read_bytes()[:4] == b"\x89PNG"


@pytest.mark.parametrize("over, what", [
    ({"repeater__electrical_to_optical": 1.5}, "repeater.electrical_to_optical: must be in"),
    ({"power_feed__current_a": -1}, "power_feed.current_a: must be > 0"),
    ({"cable__colour": "red"}, "cable.colour: unknown key"),
    ({"power_feed__feed_voltage_kv": 4.0}, "does not cover"),
    ({"cable__repeater_spacing_km": 7000}, "leaves no repeater"),
    ({"cable__fibre": "UNOBTAINIUM"}, "unknown fibre type"),
])
def test_file_errors_are_one_line(over, what):
    with pytest.raises(CableError) as info:
        _cable(**over)
    assert what in str(info.value) and "\n" not in str(info.value)


def test_capacity_at_rejects_bad_pairs():
    with pytest.raises(ValueError, match="pairs = 0"):
        capacity_at(_cable(), 0)
    assert math.isfinite(capacity_at(_cable(), 1).shannon_bps)
