"""Oscillator impairments ([impairments]: frequency offset, phase noise) in the pusch link,
and the PT-RS keys that let its receiver track them (TS 38.211 §6.4.1.2)."""

from __future__ import annotations

import math

import pytest
import torch

from softran.sim.link import make_link
from softran.sim.scenario import ScenarioError, load_scenario

TEMPLATE = """
[scenario]
name = "t"
link = "{link}"
[carrier]
n_size_grid = 24
subcarrier_spacing = 30
[pusch]
{pusch}
[antennas]
n_tx = 1
n_rx = 2
[snr]
points_db = [30.0]
[harq]
max_transmissions = 1
{impairments}
"""

PUSCH_64QAM = "n_prb = 24\nmcs_index = 25"


def scenario(pusch: str = PUSCH_64QAM, impairments: str = "", link: str = "pusch"):
    return load_scenario(TEMPLATE.format(link=link, pusch=pusch, impairments=impairments))


@pytest.mark.parametrize("impairments, key", [
    ('[impairments]\nphase_noise = "TR38.803"', "impairments.carrier_frequency"),
    ('[impairments]\nphase_noise = "wiener"', "impairments.linewidth"),
    ('[impairments]\nphase_noise = "TR38.803"\ncarrier_frequency = 28e9\nlinewidth = 1e3',
     "impairments.linewidth"),
    ('[impairments]\nparameter_set = "45"', "impairments.parameter_set"),
    ('[impairments]\nphase_noise = "flicker"', "impairments.phase_noise"),
    ('[impairments]\nfrequency_offset = "1 kHz"', "impairments.frequency_offset"),
    ('[impairments]\nphase_noise = "wiener"\nlinewidth = -5.0', "impairments.linewidth"),
    ("[impairments]\nwobble = 1", "impairments.wobble"),
])
def test_bad_impairments_name_the_key(impairments: str, key: str) -> None:
    with pytest.raises(ScenarioError, match=key.replace(".", r"\.")):
        scenario(impairments=impairments)


def test_sch_awgn_link_refuses_impairments() -> None:
    with pytest.raises(ScenarioError, match=r"impairments: .*sch-awgn"):
        scenario("target_code_rate = 0.5", "[impairments]\nfrequency_offset = 100.0",
                 link="sch-awgn")


def test_ptrs_keys() -> None:
    s = scenario(PUSCH_64QAM + "\nenable_ptrs = true\nptrs_time_density = 2\n"
                 "ptrs_frequency_density = 4")
    assert s.pusch["pusch"]["ptrs"]["time_density"] == 2
    assert s.pusch["pusch"]["ptrs"]["frequency_density"] == 4
    with pytest.raises(ScenarioError, match=r"pusch\.ptrs_time_density: only used with"):
        scenario(PUSCH_64QAM + "\nptrs_time_density = 2")
    with pytest.raises(ScenarioError, match=r"pusch"):
        scenario(PUSCH_64QAM + "\nenable_ptrs = true\nptrs_time_density = 3")


def test_hash_unchanged_without_impairments_and_changed_with_them() -> None:
    plain = scenario()
    explicit = scenario(impairments="[impairments]\nfrequency_offset = 0.0")
    assert plain.stream_hash == explicit.stream_hash
    cfo = scenario(impairments="[impairments]\nfrequency_offset = 100.0")
    cfo2 = scenario(impairments="[impairments]\nfrequency_offset = 200.0")
    assert len({plain.stream_hash, cfo.stream_hash, cfo2.stream_hash}) == 3


def test_frequency_offset_is_the_exact_phase_ramp() -> None:
    link = make_link(scenario(impairments="[impairments]\nfrequency_offset = 250.0"))
    x = torch.ones(1, 2, 1000, dtype=torch.complex64)
    assert link.oscillator(torch.Generator().manual_seed(0)) is None
    y = link._impair(x, None)
    n = torch.arange(1000, dtype=torch.float64)
    expected = torch.polar(torch.ones(1000, dtype=torch.float64),
                           2 * math.pi * 250.0 * n / link.tx.sample_rate)
    assert torch.allclose(y[0, 1].to(torch.complex128), expected, atol=1e-5)


def test_phase_noise_is_one_oscillator_running_on() -> None:
    link = make_link(scenario(impairments='[impairments]\nphase_noise = "wiener"\n'
                                          "linewidth = 2e3"))
    x = torch.ones(3, 2, 4000, dtype=torch.complex64)
    osc = link.oscillator(torch.Generator().manual_seed(0))
    a, b = link._impair(x, osc), link._impair(x, osc)
    assert torch.equal(a[:, 0], a[:, 1])                  # common to the receive antennas
    assert torch.allclose(a.abs(), x.abs(), atol=1e-6)    # a pure phase
    # the slots of a call and the calls are consecutive stretches of one Wiener process:
    # phase steps between neighbouring samples are small everywhere, also across the seams
    seq = torch.cat([a[:, 0], b[:, 0]]).reshape(-1)
    steps = torch.angle(seq[1:] * seq[:-1].conj())
    sigma = math.sqrt(2 * math.pi * 2e3 / link.tx.sample_rate)
    assert steps.abs().max() < 6 * sigma
    assert not torch.allclose(a, b)                       # it moved on
    # the same seed gives the same realisation
    again = link._impair(x, link.oscillator(torch.Generator().manual_seed(0)))
    assert torch.equal(again, a)


@pytest.mark.parametrize("impairments, min_errors", [
    ("[impairments]\nfrequency_offset = 300.0", 28),     # 0.07 rad per symbol at 30 kHz
    ('[impairments]\nphase_noise = "TR38.803"\ncarrier_frequency = 70e9', 4),
])
def test_ptrs_tracking_rescues_64qam(impairments: str, min_errors: int) -> None:
    # 64QAM at 30 dB, one transmission, 32 slots: without PT-RS the phase drift across the
    # slot breaks blocks (all of them with the offset; 8 with these seeds under phase noise);
    # with PT-RS (L = 1, K = 2) the receiver follows it and (nearly) all decode
    no_ptrs = make_link(scenario(impairments=impairments)).run(30.0, 32, seed=3)
    ptrs = make_link(scenario(PUSCH_64QAM + "\nenable_ptrs = true",
                              impairments=impairments)).run(30.0, 32, seed=3)
    assert no_ptrs.block_errors >= min_errors
    assert ptrs.block_errors <= 1


def test_example_scenario_file_loads_with_its_impairments() -> None:
    from pathlib import Path

    path = Path(__file__).parents[2] / "scenarios" / "pusch_fr2_phase_noise.toml"
    s = load_scenario(path)
    assert s.impairments.phase_noise == "TR38.803" and s.impairments.active
    assert s.pusch["pusch"]["enable_ptrs"] is True
    link = make_link(s)
    assert link.run(26.0, 2, seed=1).blocks == 2
