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
