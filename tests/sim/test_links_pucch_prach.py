"""The ``pucch`` and ``prach`` links: configuration checks, counts, determinism, the channel's
band edges, and the PUSCH scenario hashes they must leave alone."""

from __future__ import annotations

import math

import pytest
import torch

from softran.nr import CarrierConfig, PRACHConfig, PUCCHConfig
from softran.sim.link import make_link
from softran.sim.links.prach import PRACHLink
from softran.sim.links.pucch import PUCCHLink, oversampled_channel
from softran.sim.scenario import ScenarioError, validate_scenario

TDLC = {"model": "TDLC300-100", "profile": "TDLC300", "max_doppler": 100.0,
        "correlation": "low"}


def _pucch(**pucch):
    return {"scenario": {"name": "t", "link": "pucch"}, "carrier": {"n_size_grid": 6},
            "pucch": pucch, "antennas": {"n_rx": 2}, "snr": {"points_db": [10.0]}}


def _prach(**prach):
    return {"scenario": {"name": "t", "link": "prach"}, "carrier": {"n_size_grid": 25},
            "prach": prach, "antennas": {"n_rx": 2}, "snr": {"points_db": [-10.0]}}


def test_pucch_scenario_is_canonical_and_defaults_are_filled():
    s = validate_scenario(_pucch(format=2, prb_set=[0, 1]))
    assert s.pucch["n_bits"] == 4 and s.pucch["metric"] == "uci-bler"
    assert s.pucch["pucch"]["prb_set"] == [0, 1] and s.pucch["false_alarm"] == 0.01
    again = validate_scenario({**_pucch(), "pucch": s.pucch})     # canonical table validates
    assert again.content_hash == s.content_hash
    assert validate_scenario(_pucch(format=0)).pucch["metric"] == "ack-missed"


@pytest.mark.parametrize("data,match", [
    (_pucch(formatt=0), "pucch.formatt: unknown key for link 'pucch'"),
    (_pucch(format=0, metric="uci-bler"), "pucch.metric: 'uci-bler' needs format 2, 3 or 4"),
    (_pucch(format=0, n_bits=0, metric="ack-missed"), "pucch.n_bits"),
    (_pucch(format=2, n_bits=2), "pucch.n_bits"),
    (_pucch(format=0, false_alarm=1.5), "pucch.false_alarm"),
    (_pucch(format=0, prb_set=[7]), "pucch"),
    ({**_pucch(format=0), "antennas": {"n_tx": 2, "n_rx": 2}}, "antennas.n_tx"),
    ({**_pucch(format=0), "channel": {"model": "CDL-A", "delay_spread": 100,
                                      "max_doppler": 10}}, "channel.model"),
    ({**_pucch(format=0), "impairments": {"phase_noise": "wiener", "linewidth": 100}},
     "impairments.phase_noise"),
    (_prach(configuration_index=300), "prach"),
    (_prach(metric="missed"), "prach.metric"),
    (_prach(zero_correlation_zone=1, time_error_tolerance=-1), "prach.time_error_tolerance"),
    (_prach(configuration_index=87, subcarrier_spacing=15, unknown=1), "prach.unknown"),
])
def test_bad_configurations_name_their_key(data, match):
    with pytest.raises(ScenarioError, match=match):
        validate_scenario(data)


def test_prach_scenario_defaults_the_time_error_tolerance():
    s = validate_scenario(_prach(configuration_index=198, subcarrier_spacing=15,
                                 zero_correlation_zone=11))
    assert s.prach["time_error_tolerance"] == 0.52 and s.prach["metric"] == "detection"
    fading = validate_scenario({**_prach(), "channel": {"model": "TDLC300-100"}})
    assert fading.prach["time_error_tolerance"] == 2.55
    own = validate_scenario(_prach(time_error_tolerance=3.0))
    assert own.prach["time_error_tolerance"] == 3.0


def test_pusch_scenario_hashes_are_unchanged(monkeypatch):
    # computed with the code before the pucch / prach tables existed (commit 02cc598), which
    # had no results version: RESULTS_VERSION 1 keeps those hashes, a later one changes them
    from softran.sim import link

    current = link.RESULTS_VERSION
    monkeypatch.setattr(link, "RESULTS_VERSION", 1)
    s = validate_scenario({"scenario": {"name": "h", "link": "pusch"},
                           "pusch": {"frc": "G-FR1-A3-8"}, "channel": {"model": "TDLB100-400"},
                           "antennas": {"n_rx": 2}, "snr": {"points_db": [1.0, 2.0]}})
    assert s.content_hash == "ee572b3aca6078762f786cdf62bdc12811d222d3da111f684447e97169bdbc2f"
    s = validate_scenario({"scenario": {"name": "h", "link": "sch-awgn"},
                           "pusch": {"n_prb": 2, "target_code_rate": 0.5},
                           "snr": {"points_db": [1.0]}})
    assert s.content_hash == "a89a7bb5831386b5d17d08573bbebea49c61e90cdb9e9424a7a7596439322525"
    monkeypatch.setattr(link, "RESULTS_VERSION", current)
    assert current > 1
    again = validate_scenario(s.to_dict())
    assert again.content_hash != s.content_hash and again.stream_hash != s.stream_hash


def test_pucch_link_counts_are_deterministic_and_metric_specific():
    link = make_link(validate_scenario({**_pucch(format=1, symbol_allocation=[0, 14]),
                                        "channel": {"model": "TDLC300-100"}}))
    a, b = link.run(0.0, 40, seed=3), link.run(0.0, 40, seed=3)
    assert a == b and a.slots == 40
    assert 0 < a.blocks < 80 and a.block_errors <= a.blocks      # ACK bits of 40 x 2 bits
    assert a.delivered_bits == a.blocks - a.block_errors == a.max_bits - a.block_errors
    c = CarrierConfig(n_size_grid=6)
    cfg = PUCCHConfig(format=2, prb_set=[0, 1, 2, 3])
    bler = PUCCHLink(c, cfg, 2, n_bits=4, metric="uci-bler").run(30.0, 20, seed=1)
    assert (bler.blocks, bler.block_errors) == (20, 0)
    fa = PUCCHLink(c, cfg, 2, n_bits=4, metric="false-ack").run(0.0, 50, seed=1)
    assert fa.blocks == 200                                        # 4 bits per occasion
    with pytest.raises(ValueError, match="needs format 2, 3 or 4"):
        PUCCHLink(c, PUCCHConfig(), 2, n_bits=1, metric="uci-bler")


def test_pucch_frequency_domain_and_time_domain_paths_agree():
    # a frequency offset of 1 Hz sends the slot through the time-domain channel; the two
    # paths must give the same statistics (here: no errors at a high SNR, in fading)
    c = CarrierConfig(n_size_grid=25)
    cfg = PUCCHConfig(format=3, symbol_allocation=(0, 14), prb_set=[0],
                      frequency_hopping="intra-slot", second_hop_prb=24)
    for fo in (0.0, 1.0):
        link = PUCCHLink(c, cfg, 2, n_bits=16, metric="uci-bler", channel=TDLC,
                         frequency_offset=fo)
        r = link.run(20.0, 20, seed=2)
        assert (r.blocks, r.block_errors) == (20, 0)


def test_oversampled_channel_keeps_the_band_edges():
    # at the carrier's own sample rate the interpolated delays halve the edge power; the
    # oversampled channel keeps it within 0.5 dB of the centre
    fs, n, nfft = 7.68e6, 400, 512
    t = torch.arange(nfft, dtype=torch.float64)
    tones = torch.stack([torch.exp(2j * math.pi * k * t / nfft) for k in (3, 150)])
    wave = tones.to(torch.complex64).repeat(n, 1).reshape(2 * n, 1, nfft)
    y = oversampled_channel(wave, TDLC, 2, fs, seed=5)[..., 100:-100]
    power = [float(y[i::2].abs().square().mean()) for i in (0, 1)]   # near centre, near edge
    assert abs(10 * math.log10(power[1] / power[0])) < 0.5
    awgn = oversampled_channel(wave[:2], {"model": "AWGN"}, 2, fs, seed=5)
    assert torch.equal(awgn, wave[:2].expand(-1, 2, -1))


def test_prach_link_detection_and_false_alarm():
    c = CarrierConfig(n_size_grid=25)
    p = PRACHConfig(zero_correlation_zone=1, sequence_index=22, preamble_index=32)
    det = PRACHLink(c, p, 2, metric="detection", time_error_tolerance=1.04)
    r = det.run(-8.0, 30, seed=1)
    assert (r.slots, r.blocks, r.block_errors) == (30, 30, 0)
    assert det.run(-8.0, 30, seed=1) == r
    assert det.run(-40.0, 30, seed=1).block_errors >= 25          # far below sensitivity
    fa = PRACHLink(c, p, 2, metric="false-alarm", time_error_tolerance=1.04,
                   false_alarm=0.2).run(0.0, 200, seed=4)
    assert 15 <= fa.block_errors <= 70                              # 20 % target, sd 2.8 %
    fading = PRACHLink(c, p, 2, metric="detection", time_error_tolerance=2.55, channel=TDLC,
                       frequency_offset=400.0)
    assert fading.run(5.0, 20, seed=1).block_errors == 0


@pytest.mark.parametrize("name", ["pucch_f3_tdlc.toml", "prach_b4_tdlc.toml"])
def test_example_scenarios_load_and_run(name):
    from pathlib import Path

    from softran.sim.scenario import load_scenario

    path = Path(__file__).resolve().parents[2] / "scenarios" / name
    s = load_scenario(path)
    link = make_link(s)
    r = link.run(s.snr.points_db[-1], 10, seed=1)
    assert r.slots == 10 and r.block_errors <= r.blocks
