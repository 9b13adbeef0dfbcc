"""The ``pusch`` simulation link and the conformance runner's scenarios."""

from __future__ import annotations

import math

import pytest
import torch

from softran.sim.conformance_run import conformance_scenario
from softran.sim.link import make_link
from softran.sim.links.pusch import PUSCHLink
from softran.sim.requirements import pusch_requirements, test_snr_db
from softran.sim.scenario import ScenarioError, load_scenario

BASE = """
[scenario]
name = "t"
[carrier]
n_size_grid = 4
[pusch]
n_prb = 4
mcs_index = 2
{extra}
[channel]
model = "{model}"
[antennas]
n_tx = {n_tx}
n_rx = 2
[snr]
points_db = [10.0]
"""


def _scenario(model: str = "AWGN", extra: str = "", n_tx: int = 1):
    return load_scenario(BASE.format(model=model, extra=extra, n_tx=n_tx))


@pytest.mark.parametrize("extra, n_tx, key", [
    ('frc = "G-FR1-A3-8"', 1, "pusch.n_prb"),
    ("colour = 3", 1, "pusch.colour"),
    ("", 2, "antennas.n_tx"),
    ('detector = "zf"', 1, "pusch.detector"),
    ('channel_estimation = "magic"', 1, "pusch.channel_estimation"),
    ("n_layers = 4", 4, "antennas.n_rx"),
])
def test_bad_pusch_tables_name_the_key(extra, n_tx, key):
    with pytest.raises(ScenarioError, match=key.replace(".", r"\.")):
        _scenario(extra=extra, n_tx=n_tx)


def test_frc_scenario_takes_the_frc_carrier_and_hash_is_canonical():
    text = """
[scenario]
name = "frc"
[pusch]
frc = "G-FR1-A3-8"
[channel]
model = "TDLB100-400"
[antennas]
n_tx = 1
n_rx = 2
[snr]
points_db = [0.0]
"""
    s = load_scenario(text)
    assert s.pusch["carrier"]["n_size_grid"] == 25
    assert s.pusch["carrier"]["subcarrier_spacing"] == 15
    assert s.pusch["pusch"]["mcs_index"] == 2
    # the canonical table validates to itself (scenario round trip keeps the hash)
    again = load_scenario(text.replace('name = "frc"', 'name = "other"'))
    assert again.stream_hash == s.stream_hash


def test_awgn_high_snr_is_error_free_and_low_snr_fails():
    link = make_link(_scenario())
    good = link.run(12.0, 6, seed=1)
    assert (good.blocks, good.block_errors, good.slots, good.transmission_errors) == (6, 0, 6, 0)
    assert good.delivered_bits == good.max_bits == 6 * link.config.tb_size
    bad = link.run(-20.0, 3, seed=1)
    # every block fails all 4 transmissions: 12 slots, nothing delivered
    assert (bad.blocks, bad.block_errors, bad.slots, bad.delivered_bits) == (3, 3, 12, 0)
    assert bad.max_bits == 12 * link.config.tb_size


def test_same_seed_same_counts():
    link = make_link(_scenario(model="TDLB100-400"))
    assert link.run(0.0, 4, seed=5) == link.run(0.0, 4, seed=5)


def test_perfect_csi_in_fading_at_high_snr():
    s = _scenario(model="TDLC300-100", extra='channel_estimation = "perfect"')
    c = make_link(s).run(25.0, 4, seed=2)
    assert c.block_errors == 0


def test_two_layer_awgn_channel_is_full_rank():
    s = _scenario(extra="n_layers = 2", n_tx=2)
    link = make_link(s)
    h = link.awgn_h
    assert torch.linalg.matrix_rank(h) == 2
    assert torch.allclose(h.abs(), torch.ones_like(h.abs()))
    assert link.run(15.0, 3, seed=1).block_errors == 0


def test_snr_definition_noise_energy():
    link = make_link(_scenario())
    assert isinstance(link, PUSCHLink)
    # one layer: P = 1 per data RE, so N0 = 10^(-SNR/10)
    assert link.signal_energy == 1.0
    s2 = make_link(_scenario(extra="n_layers = 2", n_tx=2))
    assert s2.signal_energy == 2.0


def test_conformance_scenarios_follow_the_requirement_rows():
    req = pusch_requirements(bandwidth_mhz=20, scs_khz=15, n_rx=2, n_tx=1,
                             channel="TDLC300-100")[0]
    s = conformance_scenario(req, quick=True)
    assert s.pusch["frc"] == req.frc == "G-FR1-A4-10"
    assert s.channel.model == "TDLC300-100" and s.channel.correlation == "low"
    assert s.harq.rv_sequence == (0, 2, 3, 1) and s.harq.max_transmissions == 4
    assert any(math.isclose(p, test_snr_db(req)) for p in s.snr.points_db)
    assert s.pusch["carrier"]["n_size_grid"] == 106


def test_a_batch_beyond_memory_is_refused_before_it_runs():
    from softran.nr import CarrierConfig, PUSCHConfig
    from softran.validation import max_allocation

    link = PUSCHLink(CarrierConfig(n_size_grid=4), PUSCHConfig(prb_set=range(4), mcs_index=2),
                     n_rx=2)
    per_slot = link.bytes_per_slot()
    with max_allocation(100 * per_slot):
        with pytest.raises(ValueError, match=r"^n_slots = 101 would need"):
            link.run(10.0, 101, seed=1)


@pytest.mark.slow
def test_received_power_per_data_re_is_the_snr_label_in_fading():
    # TS 38.104 §8 SNR: P is the average received energy per data RE at one antenna, so with
    # unit-power fading it must equal the transmitted P. G-FR1-A3-8 in TDLB100-400 (7.68
    # Msps, 300 subcarriers): with linearly interpolated path delays it was 0.65 dB low.
    text = """
[scenario]
name = "power"
[pusch]
frc = "G-FR1-A3-8"
[channel]
model = "TDLB100-400"
[antennas]
n_tx = 1
n_rx = 8
[snr]
points_db = [0.0]
"""
    link = make_link(load_scenario(text))
    gen = torch.Generator().manual_seed(3)
    powers = []
    for _ in range(6):
        tb = torch.randint(0, 2, (64, link.config.tb_size), dtype=torch.uint8, generator=gen)
        y, _ = link.propagate(link.tx(tb, 0), gen)
        data = link.rx.grid(y).flatten(-2)[..., link.rx.data_positions]  # [B, R, n_re]
        powers.append(data.abs().square().mean(-1).double() / link.signal_energy)
    p = torch.cat(powers).flatten()  # one value per slot and antenna: 384 x 8, independent
    # (a new realisation per slot; uncorrelated antennas, TDL "low" correlation)
    se = float(p.std()) / math.sqrt(p.numel())
    assert 5 * se < 1 - 10 ** -0.03  # the test resolves 0.3 dB (5 standard errors)
    assert abs(float(p.mean()) - 1.0) <= 5 * se, 10 * math.log10(float(p.mean()))
