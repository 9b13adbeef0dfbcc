"""`softran optical plan` from the command line."""

from __future__ import annotations

from pathlib import Path

from softran.cli import main

ROOT = Path(__file__).resolve().parents[2]


def test_plan_prints_and_plots(tmp_path, capsys):
    plot = tmp_path / "gsnr.png"
    rc = main(["optical", "plan", str(ROOT / "scenarios/optical/metro_80kmx10.toml"),
               "--plot", str(plot)])
    out = capsys.readouterr().out
    assert rc == 0
    assert "GSNR" in out and "800 km" in out
    assert plot.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


def test_bad_link_file_is_one_line_and_exit_2(tmp_path, capsys):
    bad = tmp_path / "bad.toml"
    text = (ROOT / "scenarios/optical/metro_80kmx10.toml").read_text()
    bad.write_text(text.replace("length_km = 80", "length_km = -80", 1))
    rc = main(["optical", "plan", str(bad)])
    err = capsys.readouterr().err.strip().splitlines()
    assert rc == 2
    assert len(err) == 1 and "length_km" in err[0]


GNPY = ROOT / "tests" / "optical" / "data" / "gnpy"


def test_plan_gnpy_topology_json_csv_and_plots(tmp_path, capsys):
    import csv
    import json

    ref = json.loads((GNPY / "reference_gsnr.json").read_text())
    case = next(c for c in ref["cases"] if c["id"] == "mesh_brest_vannes")
    ch, el = tmp_path / "ch.csv", tmp_path / "el.csv"
    pf, pd = tmp_path / "f.svg", tmp_path / "d.png"
    rc = main(["optical", "plan", str(GNPY / "meshTopologyExampleV2.json"), "-e",
               str(GNPY / "eqpt_config.json"), "--source", "trx Brest_KLA", "--destination",
               "trx Vannes_KBE", "--json", "--csv", str(ch), "--elements-csv", str(el),
               "--plot-frequency", str(pf), "--plot-distance", str(pd)])
    assert rc == 0
    doc = json.loads(capsys.readouterr().out)
    ours = [r["gsnr_db"] for r in doc["channels"]]
    assert max(abs(a - c["gsnr_db"]) for a, c in zip(ours, case["channels"])) <= 0.0051
    rows = list(csv.DictReader(ch.open()))
    assert len(rows) == 76 and float(rows[0]["gsnr_db"]) == doc["channels"][0]["gsnr_db"]
    assert [r["uid"] for r in csv.DictReader(el.open())][-1] == "trx Vannes_KBE"
    assert pf.read_text().startswith("<?xml") and pd.read_bytes()[:4] == b"\x89PNG"


def test_plan_gnpy_tables(capsys):
    rc = main(["optical", "plan", str(GNPY / "edfa_example_network.json"), "-e",
               str(GNPY / "eqpt_config.json"), "--channels"])
    out = capsys.readouterr().out
    assert rc == 0 and "Site_A -> Site_B" in out and "Edfa1" in out
    assert "195.10" in out                       # the per-channel table's last channel


def test_plan_link_json_has_closed_form_and_channels(capsys):
    import json

    rc = main(["optical", "plan", str(ROOT / "scenarios/optical/metro_80kmx10.toml"), "--json"])
    doc = json.loads(capsys.readouterr().out)
    assert rc == 0 and doc["closed_form"]["modulation"] == "16QAM"
    worst = min(r["gsnr_db"] for r in doc["channels"])
    assert abs(worst - doc["closed_form"]["worst_gsnr_db"]) < 0.01


def test_plan_bad_inputs_are_one_line_exit_2(tmp_path, capsys):
    bad = tmp_path / "topo.json"
    bad.write_text('{"elements": [{"uid": "r", "type": "RamanFiber"}], "connections": []}')
    cases = [
        (["optical", "plan", str(GNPY / "meshTopologyExampleV2.json")], "--equipment"),
        (["optical", "plan", str(bad), "-e", str(GNPY / "eqpt_config.json")], "RamanFiber"),
        (["optical", "plan", str(ROOT / "scenarios/optical/metro_80kmx10.toml"), "-e",
          str(GNPY / "eqpt_config.json")], "--equipment applies to a GNPy topology"),
        (["optical", "plan", str(tmp_path / "link.txt")], ".toml"),
        (["optical", "plan", str(GNPY / "edfa_example_network.json"), "-e",
          str(GNPY / "eqpt_config.json"), "--source", "Nowhere"], "Nowhere"),
        (["optical", "plan", str(GNPY / "edfa_example_network.json"), "-e",
          str(GNPY / "eqpt_config.json"), "--plot", str(tmp_path / "p.png")], "--plot"),
    ]
    for args, what in cases:
        rc = main(args)
        err = capsys.readouterr().err.strip().splitlines()
        assert rc == 2, args
        assert len(err) == 1 and what in err[0], (args, err)


def test_submarine_command(tmp_path, capsys):
    import json

    cable = ROOT / "scenarios/optical/submarine_transpacific_6600km.toml"
    out_csv, out_png = tmp_path / "s.csv", tmp_path / "s.png"
    rc = main(["optical", "submarine", str(cable), "--json", "--csv", str(out_csv), "--plot",
               str(out_png)])
    doc = json.loads(capsys.readouterr().out)
    assert rc == 0
    s = doc["summary"]
    best = max(doc["pairs"], key=lambda r: r["shannon_tbps"])
    assert best["pairs"] == s["shannon_optimum_pairs"]
    assert out_csv.read_text().splitlines()[0].startswith("pairs,")
    assert out_png.read_bytes()[:4] == b"\x89PNG"
    rc = main(["optical", "submarine", str(cable)])
    assert rc == 0 and "fibre pairs" in capsys.readouterr().out


def test_submarine_bad_file_one_line(tmp_path, capsys):
    bad = tmp_path / "c.toml"
    bad.write_text('[cable]\nname = "x"\nlength_km = -1\n')
    rc = main(["optical", "submarine", str(bad)])
    err = capsys.readouterr().err.strip().splitlines()
    assert rc == 2 and len(err) == 1 and "cable.length_km" in err[0]
