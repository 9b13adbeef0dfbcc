"""GNPy's auto-design rules, case by case."""

from __future__ import annotations

import itertools
import math

import pytest

from softran.optical.amplifier_models import AmplifierType
from softran.optical.autodesign import design_network, round_to_step, span_loss
from softran.optical.equipment import Equipment, RoadmType, SpanRules, SpectrumDefaults
from softran.optical.fibre_model import FibreModel
from softran.optical.network import (
    AmplifierNode,
    FibreNode,
    FusedNode,
    OpticalNetwork,
    RoadmNode,
    TransceiverNode,
)

AMPS = {
    "low": AmplifierType("low", "variable_gain", 16, 8, 23, nf_min=6.5, nf_max=11,
                         allowed_for_design=True),
    "mid": AmplifierType("mid", "variable_gain", 26, 15, 23, nf_min=6, nf_max=10,
                         allowed_for_design=True),
    "high": AmplifierType("high", "variable_gain", 35, 25, 21, nf_min=5.5, nf_max=7,
                          allowed_for_design=True),
}


def _eq(**span) -> Equipment:
    return Equipment(amplifiers=dict(AMPS), span=SpanRules(delta_power_range_db=(-2, 3, 0.5),
                                                           **span),
                     roadms={"default": RoadmType(target_pch_out_db=-20.0)},
                     si=SpectrumDefaults(f_min=191.35e12, f_max=195.1e12, tx_osnr=40.0))


def _chain(*elements, name="n") -> OpticalNetwork:
    net = OpticalNetwork(name)
    for e in elements:
        net.add(e)
    for a, b in itertools.pairwise(elements):
        net.connect(a.uid, b.uid)
    return net


def test_round_to_step_is_half_to_even_like_gnpy():
    assert round_to_step(-1.5, 0.5) == -1.5
    assert round_to_step((14 - 20) * 0.3, 0.5) == -2.0
    assert round_to_step(0.25, 0.5) == 0.0 and round_to_step(0.75, 0.5) == 1.0
    assert round_to_step(1.234, 0.0) == 1.23


@pytest.mark.parametrize("length_km, n, each_km", [(149.0, 1, 149.0), (200.0, 2, 100.0),
                                                    (300.0, 3, 100.0), (400.0, 4, 100.0),
                                                    (451.0, 5, 90.2)])
def test_long_fibres_are_split(length_km, n, each_km):
    """Spans in [50, 150] km; of the two candidate counts the one nearer 90 km."""
    net = _chain(TransceiverNode("A"), FibreNode("f", FibreModel(length_km * 1e3)),
                 TransceiverNode("B"))
    d = design_network(net, _eq())
    fibres = [e for e in d.path("A", "B") if isinstance(e, FibreNode)]
    assert len(fibres) == n
    assert all(f.fibre.length == pytest.approx(each_km * 1e3) for f in fibres)
    amps = [e for e in d.path("A", "B") if isinstance(e, AmplifierNode)]
    assert len(amps) == n - 1                          # in-line amplifiers only


def test_roadm_boosters_preamps_and_fused_spans():
    net = _chain(TransceiverNode("A"), RoadmNode("R1"), FibreNode("f1", FibreModel(40e3)),
                 FusedNode("s", 0.5), FibreNode("f2", FibreModel(35e3)), RoadmNode("R2"),
                 TransceiverNode("B"))
    d = design_network(net, _eq())
    uids = [e.uid for e in d.path("A", "B")]
    assert uids == ["A", "R1", "Edfa_booster_R1_to_f1", "f1", "s", "f2",
                    "Edfa_preamp_R2_from_f2", "R2", "B"]
    # the span (15.5 dB with the splice) feeds from the ROADM's -20 dBm; delta_p from its loss:
    # round((15.5 - 20) 0.3 / 0.5) 0.5 = -1.5 dB, booster gain -1.5 - (-20) = 18.5 dB
    boost = d.elements["Edfa_booster_R1_to_f1"]
    assert boost.design_delta_p == -1.5 and boost.effective_gain == pytest.approx(18.5)
    assert span_loss(d, d.elements["f1"]) == pytest.approx(15.5)
    pre = d.elements["Edfa_preamp_R2_from_f2"]
    assert pre.design_delta_p == 0.0 and pre.effective_gain == pytest.approx(15.5 + 1.5)
    # lowest NF among the amplifiers whose gain range and power fit
    assert boost.amp_type.name == "mid"


def test_padding_and_connector_defaults():
    net = _chain(TransceiverNode("A"), FibreNode("f", FibreModel(20e3)),
                 AmplifierNode("g", tilt_target=0.0), TransceiverNode("B"))
    d = design_network(net, _eq(con_in=0.3, con_out=0.2, eol=0.5))
    f = d.elements["f"]
    assert (f.con_in_db, f.con_out_db) == (0.3, 0.2 + 0.5)
    # 4 + 0.3 + 0.7 = 5 dB < padding 10 dB: 5 dB attenuator at the fibre input
    assert f.fibre.att_in_db == pytest.approx(5.0)
    assert f.loss_db == pytest.approx(10.0)


def test_power_mode_gain_mode_and_saturation():
    def net():
        return _chain(TransceiverNode("A"), FibreNode("f", FibreModel(100e3)),
                      AmplifierNode("g", AMPS["mid"], gain_target=24.0, tilt_target=0.0),
                      TransceiverNode("B"))
    power = design_network(net(), _eq()).elements["g"]
    # before a transceiver: delta_p = clip(round((0 - 20) 0.3), -2, 3) = -2; gain 20 - 2
    assert power.design_delta_p == -2.0 and power.effective_gain == pytest.approx(18.0)
    gain = design_network(net(), _eq(power_mode=False)).elements["g"]
    assert gain.effective_gain == 24.0 and gain.design_delta_p is None
    # p_max 23 dBm: an 8 dBm reference on 76 channels wants 24.8 dBm total at delta_p -2;
    # delta_p and the gain drop by the 1.8 dB excess
    hot = design_network(net(), _eq(), power_dbm=8.0).elements["g"]
    total = 8.0 + 10 * math.log10(76)
    assert hot.design_delta_p == pytest.approx(23 - total) and 23 - total < -2.0
    assert hot.effective_gain == pytest.approx(20.0 + (23 - total) - 0.0)


def test_no_amplifier_fits_is_an_error():
    eq = Equipment(amplifiers={"x": AmplifierType("x", "fixed_gain", 20, 20, 21, nf0=5,
                                                  allowed_for_design=False)},
                   span=SpanRules(delta_power_range_db=(-2, 3, 0.5)))
    net = _chain(TransceiverNode("A"), FibreNode("f1", FibreModel(80e3)),
                 FibreNode("f2", FibreModel(80e3)), TransceiverNode("B"))
    with pytest.raises(ValueError, match="no amplifier of the library fits 'Edfa_f1'"):
        design_network(net, eq)


def test_missing_delta_power_range_is_an_error():
    eq = Equipment(amplifiers=dict(AMPS))
    net = _chain(TransceiverNode("A"), FibreNode("f1", FibreModel(80e3)),
                 FibreNode("f2", FibreModel(80e3)), TransceiverNode("B"))
    with pytest.raises(ValueError, match="delta_power_range_db"):
        design_network(net, eq)
