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


LINK_FILES = sorted((ROOT / "scenarios" / "ntn").glob("set*_*.toml"))


@pytest.mark.parametrize("path", LINK_FILES, ids=lambda p: p.stem)
def test_every_example_link_file_budgets(path, capsys):
    """The TR 38.821 Set-1 / Set-2 example files: EIRP = density + 10 log10(B / MHz), FSPL
    at each direction's own frequency, and the uplink only where the file gives G/T."""
    import math

    f = load_link_file(path)
    ln, sat = f.tables["link"], f.tables["satellite"]
    assert main(["ntn", "budget", str(path)]) == 0
    out = capsys.readouterr().out
    budgets = f.budgets()
    assert ("uplink" in budgets) == (sat["g_over_t"] is not None)
    if "uplink" not in budgets:
        assert "uplink: no budget" in out
    for direction, rows in budgets.items():
        fc = ln[f"{direction}_frequency"]
        for el, r in rows:
            d = r.lines["slant range (km)"] * 1e3
            assert r.lines["FSPL (dB)"] == pytest.approx(
                20 * math.log10(4 * math.pi * d * fc / 299_792_458.0), abs=0.01)
            if direction == "downlink":
                assert r.lines["EIRP (dBW)"] == pytest.approx(
                    sat["eirp_density"] + 10 * math.log10(ln["downlink_bandwidth"] / 1e6))
            assert f"{r.cnr:.2f}" in out


def test_ka_band_file_has_two_frequencies_and_no_pass_without_g_over_t(capsys):
    ka = load_link_file(ROOT / "scenarios" / "ntn" / "set1_leo600_kaband.toml")
    down, up = ka.budgets()["downlink"][0][1], ka.budgets()["uplink"][0][1]
    # 30 GHz up, 20 GHz down: 20 log10(1.5) dB more free-space loss at the same range
    assert up.lines["FSPL (dB)"] - down.lines["FSPL (dB)"] == pytest.approx(
        20 * __import__("math").log10(1.5), abs=1e-9)
    geo = ROOT / "scenarios" / "ntn" / "set1_geo_kaband.toml"
    assert main(["ntn", "pass", str(geo)]) == 2
    err = capsys.readouterr().err
    assert "satellite.g_over_t" in err and err.count("\n") == 1


def test_link_file_frequencies(tmp_path):
    sat = "[satellite]\naltitude_km = 600\neirp_density = 4\n"
    with pytest.raises(ValueError, match="link.carrier_frequency: missing key"):
        load_link_file(sat + "[link]\ndownlink_frequency = 2e10\n")
    f = load_link_file(sat + "[link]\ndownlink_frequency = 2e10\nuplink_frequency = 3e10\n")
    assert f.directions == ("downlink",) and f.tables["link"]["carrier_frequency"] is None
    f = load_link_file(sat + "g_over_t = 1.1\n[link]\ncarrier_frequency = 2e9\n")
    assert f.tables["link"]["uplink_frequency"] == f.tables["link"]["downlink_frequency"] == 2e9
    with pytest.raises(ValueError, match="link.uplink_frequency"):
        load_link_file(sat + "[link]\ncarrier_frequency = 2e9\nuplink_frequency = -1\n")
