"""The ntn-pdsch link: the downlink residual at the UE, the PDSCH with the HARQ timeline,
scenario checks and the example scenarios."""

import math
from pathlib import Path

import numpy as np
import pytest

from softran.sim.link import make_link
from softran.sim.links._ntn import NTNLinkLayer
from softran.sim.links.ntn_pdsch import NTNPDSCHLink
from softran.sim.scenario import ScenarioError, load_scenario

C = 299_792_458.0

BASE = """
[scenario]
name = "ntn-dl"
link = "ntn-pdsch"
[carrier]
n_size_grid = 4
[pdsch]
n_prb = 4
mcs_index = 2
[snr]
points_db = [20.0]
"""


def test_downlink_residual_is_the_prediction_error_minus_the_oscillator():
    # fixed geometry, no position or ephemeris error: the prediction is exact and only the
    # UE oscillator is left, with the opposite sign of the uplink (-1 ppm * 2 GHz)
    table = {"elevation": 40.0, "channel": "NTN-TDLC5", "frequency_error_ppm": 1.0,
             "carrier_frequency": 2e9}
    down = NTNLinkLayer(table, direction="downlink")
    assert float(down.residual_doppler[0]) == pytest.approx(-2000.0, abs=1e-6)
    # a pass with GNSS and ephemeris errors: UL = delta + osc, DL = delta - osc
    table = {"geometry": "pass", "min_elevation": 20.0, "channel": "NTN-TDLC5",
             "gnss_error": 50.0, "ephemeris_velocity_error": 0.5, "ephemeris_age": 60.0,
             "frequency_error_ppm": 0.3, "carrier_frequency": 2e9, "error_seed": 4}
    up = NTNLinkLayer(table)
    down = NTNLinkLayer(table, direction="downlink")
    none = NTNLinkLayer({**table, "frequency_error_ppm": 0.0}, direction="downlink")
    osc = 0.3e-6 * 2e9
    np.testing.assert_allclose((up.residual_doppler - down.residual_doppler) / 2, osc,
                               atol=1e-6)
    np.testing.assert_allclose((up.residual_doppler + down.residual_doppler) / 2,
                               none.residual_doppler, atol=1e-6)
    assert np.abs(none.residual_doppler).max() > 1.0   # the errors do leave a residual
    # the round trip does not depend on the direction
    assert down.max_round_trip == up.max_round_trip


def test_the_channel_carries_the_downlink_residual_of_its_geometry_sample():
    s = load_scenario(BASE + """
[ntn]
geometry = "pass"
channel = "NTN-TDLC5"
gnss_error = 20.0
frequency_error_ppm = 0.2
""")
    link = make_link(s)
    assert isinstance(link, NTNPDSCHLink) and link.layer.direction == "downlink"
    for seed in (3, 17, 123456):
        ch = link._fading(seed)
        k = link.layer.sample(seed)
        assert ch.satellite_doppler == pytest.approx(float(link.layer.residual_doppler[k]))
        assert (ch.n_tx, ch.n_rx) == (link.n_tx, link.n_rx)


def test_ntn_pdsch_runs_with_the_harq_timeline():
    s = load_scenario(BASE + """
[ntn]
channel = "NTN-TDLC5"
max_doppler = 100.0
frequency_error_ppm = 0.1
[harq]
n_processes = 4
max_transmissions = 2
""")
    link = make_link(s)
    r = link.harq_model.round_trip_slots
    h = 600e3 / math.sin(math.radians(30.0))   # rough slant range at 30 degrees
    assert r >= math.ceil(2 * h / C / 1e-3) and r == link.layer.round_trip_slots(15)
    c = link.run(20.0, 8, seed=3)
    assert c.blocks == 8 and 8 <= c.transmissions <= 16
    # 4 processes with an RTT of r slots: blocks 4..7 cannot start before slot r
    assert c.slots >= r + 4 and c.max_bits == c.slots * sum(link.config.tb_sizes)
    assert c.delivered_bits <= c.max_bits
    assert link.run(20.0, 8, seed=3) == c          # the draws come from the seed
    s2 = load_scenario(BASE + """
[ntn]
channel = "NTN-TDLC5"
[harq]
n_processes = 4
feedback_disabled = [0, 1, 2, 3]
""")
    c2 = make_link(s2).run(20.0, 8, seed=3)
    assert c2.transmissions == 8 and c2.slots == 8   # sent once each, no stall


def test_terrestrial_pdsch_takes_the_harq_timeline_too():
    s = load_scenario(BASE.replace('"ntn-pdsch"', '"pdsch"') + """
[harq]
n_processes = 2
round_trip_slots = 5
max_transmissions = 1
""")
    c = make_link(s).run(20.0, 4, seed=1)
    # one transmission each on 2 processes with an RTT of 5: slots 0, 1, 5, 6
    assert c.transmissions == 4 and c.slots == 7 and c.max_bits == 7 * c.bits // 4


def test_scenario_errors_name_the_key():
    with pytest.raises(ScenarioError, match=r"ntn: link 'ntn-pdsch' needs an \[ntn\] table"):
        load_scenario(BASE)
    with pytest.raises(ScenarioError, match="channel.model"):
        load_scenario(BASE + '[ntn]\n[channel]\nmodel = "TDLA30-10"\n')
    with pytest.raises(ScenarioError, match="pusch: not used by link 'ntn-pdsch'"):
        load_scenario(BASE + "[pusch]\nn_prb = 4\n[ntn]\n")
    with pytest.raises(ScenarioError, match="pdsch: missing section"):
        load_scenario(BASE.replace("[pdsch]\nn_prb = 4\nmcs_index = 2\n", "") + "[ntn]\n")
    with pytest.raises(ScenarioError, match="pdsch: only used by link 'ntn-pdsch' or 'pdsch'"):
        load_scenario(BASE.replace('"ntn-pdsch"', '"ntn-pusch"') + "[pusch]\n[ntn]\n")
    with pytest.raises(ValueError, match="direction"):
        NTNLinkLayer({"channel": "NTN-TDLC5"}, direction="sideways")


@pytest.mark.parametrize("name, fc, rtt_ms", [
    ("leo600_sband_tdlc5_dl", 2.0e9, (20.0, 30.0)),
    ("geo_kaband_tdla100_dl", 20.0e9, (500.0, 560.0)),
])
def test_example_scenarios_load(name, fc, rtt_ms):
    path = Path(__file__).resolve().parents[2] / "scenarios" / "ntn" / f"{name}.toml"
    s = load_scenario(path)
    assert s.scenario.link == "ntn-pdsch" and s.ntn.carrier_frequency == fc
    layer = NTNLinkLayer(s.ntn.model_dump(), direction="downlink")
    assert rtt_ms[0] < layer.max_round_trip * 1e3 < rtt_ms[1]
