"""The GNPy JSON reader: what it reads, and that it refuses (one line naming the file, the
element and the key) what it cannot honour, never dropping anything silently."""

from __future__ import annotations

import copy
import json
from pathlib import Path

import pytest

from softran.optical.gnpy_json import (
    GnpyFormatError,
    equipment_from_gnpy,
    load_gnpy_equipment,
    load_gnpy_topology,
    sim_params_from_gnpy,
    topology_from_gnpy,
)
from softran.optical.network import AmplifierNode, FibreNode, FusedNode, RoadmNode

DATA = Path(__file__).parent / "data" / "gnpy"
EQPT = json.loads((DATA / "eqpt_config.json").read_text())
MESH = json.loads((DATA / "meshTopologyExampleV2.json").read_text())


@pytest.fixture(scope="module")
def eq():
    return load_gnpy_equipment(DATA / "eqpt_config.json")


def test_reads_every_element_of_the_mesh(eq):
    net = load_gnpy_topology(DATA / "meshTopologyExampleV2.json", eq)
    assert len(net.elements) == len(MESH["elements"])
    kinds = {t: sum(isinstance(e, c) for e in net.elements.values())
             for t, c in (("Fiber", FibreNode), ("Edfa", AmplifierNode), ("Fused", FusedNode),
                          ("Roadm", RoadmNode))}
    for t, n in kinds.items():
        assert n == sum(e["type"] == t for e in MESH["elements"]), t
    f = net.elements["fiber (Brest_KLA -> Quimper)-"]
    assert f.fibre.length == 75e3 and f.con_in_db is None        # null: design default
    fused = net.elements["west fused spans in Corlay"]
    assert fused.loss_db == 1.0                                  # GNPy's default Fused loss
    assert net.elements["east edfa in Lorient_KMA to Vannes_KBE"].loss_db == 0.0


def test_equipment_values(eq):
    amp = eq.amplifier("std_medium_gain")
    assert (amp.type_def, amp.gain_flatmax, amp.gain_min, amp.p_max) == ("variable_gain", 26,
                                                                         15, 23)
    assert eq.amplifier("std_fixed_gain").nf0 == 5.5
    dual = eq.amplifier("medium+low_gain")
    assert dual.type_def == "dual_stage" and dual.gain_flatmax == 26 + 16 and dual.p_max == 23
    adv = eq.amplifier("high_detail_model_example")
    assert adv.type_def == "advanced_model" and len(adv.dgt) == 96 and adv.nf_fit_coeff
    assert eq.span.power_mode and eq.span.delta_power_range_db == (-2, 3, 0.5)
    assert eq.span.max_length == 150e3 and eq.span.padding == 10
    assert eq.si.n_channels == 76 and eq.si.tx_osnr == 40
    assert eq.roadm("default").target_pch_out_db == -20
    assert eq.roadm("detailed_impairments").impairments[0][1].path_type == "express"


def _topo(**change):
    doc = copy.deepcopy(MESH)
    for i, e in enumerate(doc["elements"]):
        if e["uid"] == change.get("uid"):
            doc["elements"][i] = change["element"]
    return doc


@pytest.mark.parametrize("mutate, where, what", [
    (lambda d: d["elements"].append({"uid": "r", "type": "RamanFiber"}), "type",
     "RamanFiber"),
    (lambda d: d["elements"].append({"uid": "m", "type": "Multiband_amplifier"}), "type",
     "Multiband_amplifier"),
    (lambda d: d["elements"].append({"uid": "x", "type": "Splitter"}), "type", "'Splitter'"),
    (lambda d: d["elements"][16]["params"].update(colour="blue"), "params.colour",
     "unknown or unsupported key"),
    (lambda d: d["elements"][16].update(type_variety="NOPE"), "type_variety", "'NOPE'"),
    (lambda d: d["elements"][16]["params"].pop("length"), "params.length", "missing"),
    (lambda d: d["elements"][16]["params"].update(length_units="mi"), "length_units", "'mi'"),
    (lambda d: d["elements"][16]["params"].update(loss_coef="0.2"), "params.loss_coef",
     "finite number"),
    (lambda d: d["elements"][40]["operational"].update(boost=1), "operational.boost",
     "unknown"),
    (lambda d: d["elements"].append({"uid": "trx Brest_KLA", "type": "Transceiver"}), "",
     "appears twice"),
    (lambda d: d["connections"].append({"from_node": "ghost", "to_node": "trx Brest_KLA"}),
     "connections", "ghost"),
    (lambda d: d.update(services=[]), "services", "unknown"),
])
def test_topology_refusals(eq, mutate, where, what):
    doc = copy.deepcopy(MESH)
    mutate(doc)
    with pytest.raises(GnpyFormatError) as info:
        topology_from_gnpy(doc, eq, source="mesh.json")
    msg = str(info.value)
    assert "\n" not in msg and msg.startswith("mesh.json: ")
    assert where in msg and what in msg


def test_a_line_element_with_two_outputs_is_refused(eq):
    doc = copy.deepcopy(MESH)
    doc["connections"].append({"from_node": "fiber (Brest_KLA -> Quimper)-",
                               "to_node": "trx Rennes_STA"})
    with pytest.raises(GnpyFormatError, match="1 inputs and 2 outputs"):
        topology_from_gnpy(doc, eq)


@pytest.mark.parametrize("mutate, what", [
    (lambda d: d["Edfa"].append({"type_variety": "mb", "type_def": "multi_band",
                                 "amplifiers": []}), "multi_band"),
    (lambda d: d["Edfa"].append({"type_variety": "z", "type_def": "warp"}), "'warp'"),
    (lambda d: d["Edfa"][10].pop("nf_min"), "needs nf_min"),
    (lambda d: d["Edfa"][10].update(nf_max=30), "nf_max"),
    (lambda d: d["Edfa"][0].update(advanced_config_from_json="missing.json"), "missing.json"),
    (lambda d: d["Edfa"][17].update(booster_variety="nope"), "'nope'"),
    (lambda d: d["SI"].append(dict(d["SI"][0])), "multi-band"),
    (lambda d: d["Roadm"][0].update(target_psd_out_mWperGHz=3e-4), "one equalisation"),
    (lambda d: d["Roadm"][0]["restrictions"].update(booster_variety_list=["ghost"]), "ghost"),
    (lambda d: d["Span"][0].update(max_length="far"), "max_length"),
    (lambda d: d["Fiber"][0].update(colour=1), "colour"),
    (lambda d: d["Transceiver"][0]["mode"][0].update(equalization_offset_db=1.0),
     "equalization_offset_db"),
])
def test_equipment_refusals(mutate, what):
    doc = copy.deepcopy(EQPT)
    mutate(doc)
    with pytest.raises(GnpyFormatError) as info:
        equipment_from_gnpy(doc, source="eqpt.json", base_dir=DATA)
    assert "\n" not in str(info.value) and str(info.value).startswith("eqpt.json: ")
    assert what in str(info.value)


def test_sim_params():
    assert sim_params_from_gnpy({}).srs is False
    assert sim_params_from_gnpy(json.loads((DATA / "sim_params_srs_gn.json").read_text())).srs
    for bad, what in (({"nli_params": {"method": "ggn_approx"}}, "ggn_approx"),
                      ({"raman_params": {"flag": "yes"}}, "flag"),
                      ({"raman_params": {"pumps": []}}, "pumps")):
        with pytest.raises(GnpyFormatError, match=what):
            sim_params_from_gnpy(bad)


def test_unreadable_and_bad_json(tmp_path):
    with pytest.raises(GnpyFormatError, match="cannot read"):
        load_gnpy_equipment(tmp_path / "absent.json")
    bad = tmp_path / "bad.json"
    bad.write_text("{not json")
    with pytest.raises(GnpyFormatError, match="not JSON"):
        load_gnpy_equipment(bad)
