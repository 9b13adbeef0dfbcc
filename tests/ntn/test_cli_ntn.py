"""``softran ntn budget|pass``: output, the plot, one-line errors with exit code 2."""

from pathlib import Path

import pytest

from softran.cli.app import main
from softran.ntn.linkfile import load_link_file, satellite_pass

ROOT = Path(__file__).resolve().parents[2]
LINK = ROOT / "scenarios" / "ntn" / "set1_leo600_sband.toml"


def test_budget_prints_the_cnr_of_both_directions(capsys):
    assert main(["ntn", "budget", str(LINK)]) == 0
    out = capsys.readouterr().out
    f = load_link_file(LINK)
    for direction, rows in f.budgets().items():
        assert f"{direction}" in out
        for _, r in rows:
            assert f"{r.cnr:.2f}" in out


def test_pass_writes_the_plot(tmp_path, capsys):
    png = tmp_path / "pass.png"
    assert main(["ntn", "pass", str(LINK), "--plot", str(png), "--hours", "2"]) == 0
    assert png.stat().st_size > 10_000 and png.read_bytes()[:4] == b"\x89PNG"
    out = capsys.readouterr().out
    r = satellite_pass(load_link_file(LINK), 2.0)
    assert f"{r.window[1] - r.window[0]:.1f}" in out
    # the throughput is the TBS per slot where the CNR reaches the threshold
    assert set(r.throughput.tolist()) <= {0.0, r.tbs / 1e-3}
    assert ((r.throughput > 0) == (r.cnr >= r.threshold_db)).all()


@pytest.mark.parametrize("args, message", [
    (["ntn", "budget", "missing.toml"], "cannot read"),
    (["ntn", "pass", str(LINK), "--plot", "x.pdf"], "png or .svg"),
    (["ntn", "pass", str(LINK), "--hours", "-1"], "hours"),
])
def test_bad_input_is_one_line_and_exit_code_2(args, message, capsys):
    assert main(args) == 2
    err = capsys.readouterr().err
    assert message in err and err.count("\n") == 1 and err.startswith("softran: error:")


def test_bad_link_file_names_the_key(tmp_path, capsys):
    bad = tmp_path / "bad.toml"
    bad.write_text(LINK.read_text().replace("altitude_km = 600.0", "altitude_km = -600.0"))
    assert main(["ntn", "budget", str(bad)]) == 2
    assert "bad.toml: satellite.altitude_km" in capsys.readouterr().err
    bad.write_text(LINK.read_text().replace("elevations = [10.0, 30.0, 90.0]",
                                            "elevations = [10.0, 95.0]"))
    assert main(["ntn", "budget", str(bad)]) == 2
    assert "link.elevations[1]" in capsys.readouterr().err
