"""The ntn-pusch link and its [ntn] / [harq] scenario tables."""

import math

import pytest

from softran.sim.link import make_link
from softran.sim.links._ntn import NTNLinkLayer
from softran.sim.scenario import ScenarioError, load_scenario

C = 299_792_458.0

BASE = """
[scenario]
name = "ntn"
link = "ntn-pusch"
[carrier]
n_size_grid = 4
[pusch]
n_prb = 4
mcs_index = 2
[snr]
points_db = [20.0]
"""


def test_fixed_geometry_layer_round_trip_and_residual():
    layer = NTNLinkLayer({"altitude": 600.0, "elevation": 30.0, "feeder_elevation": 10.0,
                          "channel": "NTN-TDLC5", "frequency_error_ppm": 1.0,
                          "carrier_frequency": 2e9})
    a = 6378137.0

    def slant(el, h):
        s = math.sin(math.radians(el))
        return math.sqrt((a * s) ** 2 + h * h + 2 * h * a) - a * s

    rtt = 2 * (slant(30.0, 600e3) + slant(10.0, 600e3)) / C
    assert layer.max_round_trip == pytest.approx(rtt, rel=1e-9)
    assert float(layer.elevation[0]) == pytest.approx(30.0, abs=1e-9)
    assert float(layer.residual_doppler[0]) == pytest.approx(2000.0)
    # 15 kHz slots: ceil(RTT / 1 ms) + 2 processing slots
    assert layer.round_trip_slots(15) == math.ceil(rtt / 1e-3) + 2


def test_pass_layer_samples_stay_above_min_elevation():
    layer = NTNLinkLayer({"geometry": "pass", "altitude": 600.0, "min_elevation": 20.0,
                          "channel": "NTN-TDL-A", "delay_spread": 100.0, "gnss_error": 5.0})
    assert layer.elevation.min() >= 20.0 and layer.elevation.max() > 80.0
    assert abs(layer.residual_delay).max() <= 5.0 / C * (1 + 1e-9)
    picks = {layer.sample(s) for s in range(50)}
    assert len(picks) > 10  # the seed spreads the transmissions over the pass


def test_ntn_pusch_runs_with_the_harq_timeline():
    s = load_scenario(BASE + """
[ntn]
altitude = 600.0
channel = "NTN-TDLC5"
max_doppler = 100.0
frequency_error_ppm = 0.1
[harq]
n_processes = 4
max_transmissions = 2
""")
    link = make_link(s)
    r = link.harq_model.round_trip_slots
    assert r == link.layer.round_trip_slots(15)
    c = link.run(20.0, 8, seed=3)
    assert c.blocks == 8 and 8 <= c.transmissions <= 16
    # 4 processes with an RTT of r slots: blocks 4..7 cannot start before slot r
    assert c.slots >= r + 4 and c.max_bits == c.slots * link.config.tb_size
    # same seed, same counts (the geometry and channel draws come from the seed)
    assert link.run(20.0, 8, seed=3) == c
    # feedback disabled on every process: one transmission per block, no stall
    s2 = load_scenario(BASE + """
[ntn]
channel = "NTN-TDLC5"
[harq]
n_processes = 4
feedback_disabled = [0, 1, 2, 3]
""")
    c2 = make_link(s2).run(20.0, 8, seed=3)
    assert c2.transmissions == 8 and c2.slots == 8


def test_scenario_errors_name_the_key():
    with pytest.raises(ScenarioError, match=r"ntn: link 'ntn-pusch' needs an \[ntn\] table"):
        load_scenario(BASE)
    with pytest.raises(ScenarioError, match="ntn.delay_spread: required"):
        load_scenario(BASE + '[ntn]\nchannel = "NTN-TDL-A"\n')
    with pytest.raises(ScenarioError, match="ntn.elevation"):
        load_scenario(BASE + '[ntn]\nelevation = 95.0\n')
    with pytest.raises(ScenarioError, match="ntn.altitude"):
        load_scenario(BASE + '[ntn]\naltitude = -600.0\n')
    with pytest.raises(ScenarioError, match="harq.feedback_disabled: needs n_processes"):
        load_scenario(BASE + '[ntn]\n[harq]\nfeedback_disabled = [1]\n')
    with pytest.raises(ScenarioError, match="channel.model"):
        load_scenario(BASE + '[ntn]\n[channel]\nmodel = "TDLA30-10"\n')


def test_terrestrial_hash_is_unchanged_without_the_timeline():
    s = load_scenario(BASE.replace('"ntn-pusch"', '"pusch"'))
    t = load_scenario(BASE.replace('"ntn-pusch"', '"pusch"') + "[harq]\nn_processes = 16\n")
    assert s.stream_hash != t.stream_hash
    assert "n_processes" not in s._canonical({"harq": {"max_transmissions", "rv_sequence"}})


@pytest.mark.parametrize("name", ["leo600_sband_tdlc5_0ppm", "leo600_sband_tdlc5_0p1ppm",
                                  "leo600_sband_tdlc5_1ppm", "geo_kaband_tdla100"])
def test_example_scenarios_load(name):
    from pathlib import Path

    path = Path(__file__).resolve().parents[2] / "scenarios" / "ntn" / f"{name}.toml"
    s = load_scenario(path)
    assert s.scenario.link == "ntn-pusch" and s.ntn is not None
