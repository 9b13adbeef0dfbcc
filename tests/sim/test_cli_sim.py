"""`softran simulate` and `softran results ls/show/export`."""

import csv
import re
import subprocess
import sys
from pathlib import Path

import pytest

from softran.cli import main
from softran.sim.scenario import load_scenario
from softran.sim.store import ResultsStore

TOML = """
[scenario]
name = "cli test"
link = "sch-awgn"
[pusch]
target_code_rate = 0.5
n_prb = 1
[antennas]
n_rx = 1
[snr]
points_db = [-5.0, 8.0]
[harq]
max_transmissions = 1
[stopping]
target_block_errors = 5
max_slots = 12
[run]
batch_slots = 6
"""


@pytest.fixture
def scenario(tmp_path):
    path = tmp_path / "scenario.toml"
    path.write_text(TOML)
    return path


def _one_line_error(capsys, argv, pattern):
    assert main(argv) == 2
    err = capsys.readouterr().err
    assert err.startswith("softran: error: ") and pattern in err, err
    assert err.count("\n") == 1 and "Traceback" not in err
    return err


def test_simulate_ls_show_export(tmp_path, scenario, capsys):
    db = tmp_path / "r.db"
    png = tmp_path / "out" / "curves.png"
    assert main(["simulate", str(scenario), "--store", str(db), "--quiet", "--plot", str(png),
                 "--requirement-snr", "1.0"]) == 0
    out = capsys.readouterr().out
    h = load_scenario(scenario).content_hash
    assert "cli test" in out and h[:12] in out and f"wrote {png}" in out
    assert png.stat().st_size > 1000
    # -5 dB: 6 blocks, 6 errors (stops at 5); 8 dB: 12 blocks, no error
    with ResultsStore(db) as store:
        p0, p1 = store.points(h)
    assert (p0.counts.blocks, p0.counts.block_errors, p1.counts.blocks,
            p1.counts.block_errors) == (6, 6, 12, 0)
    assert main(["results", "ls", "--store", str(db)]) == 0
    out = capsys.readouterr().out
    assert h[:12] in out and "2/2" in out and "sch-awgn" in out
    assert main(["results", "show", h[:8], "--store", str(db)]) == 0
    out = capsys.readouterr().out
    assert h in out and "-5.000" in out and "8.000" in out
    csv_path, pq_path = tmp_path / "r.csv", tmp_path / "r.parquet"
    assert main(["results", "export", h[:8], "--csv", str(csv_path), "--parquet", str(pq_path),
                 "--store", str(db)]) == 0
    with open(csv_path, newline="") as f:
        rows = list(csv.DictReader(f))
    assert [(r["snr_db"], r["blocks"], r["block_errors"], r["slots"], r["done"])
            for r in rows] == [("-5.0", "6", "6", "6", "True"), ("8.0", "12", "0", "12", "True")]
    assert float(rows[0]["bler"]) == 1.0 and float(rows[1]["throughput"]) == 1.0
    assert pq_path.stat().st_size > 0


def test_bad_scenario_one_line_exit_2(tmp_path, capsys):
    bad = tmp_path / "scenario.toml"
    bad.write_text(TOML.replace("max_slots = 12", "max_slots = 0"))
    _one_line_error(capsys, ["simulate", str(bad), "--store", str(tmp_path / "r.db")],
                    "scenario.toml: stopping.max_slots: max_slots = 0 is out of range")
    bad.write_text(TOML.replace("n_prb = 1", "n_prb = 1\nwhatever = 2"))
    _one_line_error(capsys, ["simulate", str(bad)], "scenario.toml: pusch.whatever: unknown key")
    _one_line_error(capsys, ["simulate", str(tmp_path / "missing.toml")],
                    "missing.toml: cannot read")


def test_bad_options_exit_2(tmp_path, scenario, capsys):
    db = tmp_path / "r.db"
    _one_line_error(capsys, ["simulate", str(scenario), "--store", str(db), "--engine", "mpi"],
                    "engine = 'mpi' is not allowed")
    _one_line_error(capsys, ["simulate", str(scenario), "--store", str(db), "--engine",
                             "processes", "--scheduler", "tcp://127.0.0.1:1"],
                    "needs engine = 'dask'")
    _one_line_error(capsys, ["simulate", str(scenario), "--store", str(db), "--workers", "0"],
                    "workers = 0 is out of range")
    _one_line_error(capsys, ["results", "ls", "--store", str(tmp_path / "none.db")],
                    "does not exist")
    assert main(["simulate", str(scenario), "--store", str(db), "--quiet"]) == 0
    capsys.readouterr()
    _one_line_error(capsys, ["results", "show", "0000000", "--store", str(db)]
                    if not load_scenario(scenario).content_hash.startswith("0000000")
                    else ["results", "show", "fffffff", "--store", str(db)], "no scenario")
    _one_line_error(capsys, ["results", "export", "abcd", "--store", str(db)],
                    "give --csv FILE and/or --parquet FILE")


def test_help_lists_new_commands(capsys):
    assert main(["--help"]) == 0
    out = capsys.readouterr().out
    assert "simulate" in out and "results" in out and "generate" in out and "info" in out
    assert main(["results", "--help"]) == 0
    out = capsys.readouterr().out
    assert "ls" in out and "show" in out and "export" in out


def test_console_script_bad_scenario(tmp_path):
    bad = tmp_path / "scenario.toml"
    bad.write_text(TOML.replace("[snr]\npoints_db = [-5.0, 8.0]", ""))
    proc = subprocess.run([sys.executable, "-m", "softran", "simulate", str(bad)],
                          capture_output=True, text=True, cwd=tmp_path)
    assert proc.returncode == 2
    assert proc.stderr == "softran: error: scenario.toml: snr: missing section (required)\n"


def test_default_store_is_the_demo_store_and_a_rerun_says_it_resumed(tmp_path, scenario,
                                                                      capsys, monkeypatch):
    from softran.sim.store import DEFAULT_STORE

    monkeypatch.chdir(tmp_path)
    # `make demo` writes the store that the CLI reads when none is named
    makefile = (Path(__file__).parents[2] / "Makefile").read_text()
    assert f"--store {DEFAULT_STORE.as_posix()}" in makefile
    assert main(["simulate", str(scenario), "--quiet"]) == 0
    out = capsys.readouterr().out
    assert f"created    {DEFAULT_STORE.parent}" in out and "resumed" not in out
    assert (tmp_path / DEFAULT_STORE).is_file()
    assert main(["simulate", str(scenario), "--quiet"]) == 0
    assert "resumed: 2 of 2 points already done" in capsys.readouterr().out
    assert main(["results", "ls"]) == 0
    assert "cli test" in capsys.readouterr().out
    # export: missing folders are created, and said
    h = load_scenario(scenario).content_hash[:8]
    target = tmp_path / "a" / "b" / "r.csv"
    assert main(["results", "export", h, "--csv", str(target)]) == 0
    out = capsys.readouterr().out
    assert f"created    {target.parent}" in out and f"wrote {target}" in out


LONG = """
[scenario]
name = "long run"
link = "sch-awgn"
[pusch]
target_code_rate = 0.5
n_prb = 1
[snr]
start = 10.0
stop = 20.0
step = 0.5
[harq]
max_transmissions = 1
[stopping]
max_slots = 1000000
[run]
batch_slots = 500
"""


def test_ctrl_c_says_how_to_resume_and_progress_is_plain_lines_when_piped(tmp_path):
    import os

    from process_events import Process

    path = tmp_path / "long.toml"
    path.write_text(LONG)
    db = tmp_path / "r.db"
    with Process([sys.executable, "-m", "softran", "simulate", str(path), "--store", str(db)],
                 cwd=tmp_path, env={**os.environ, "COLUMNS": "80"}) as proc:
        # the first progress line comes once the first batch is stored (the runner stores a
        # batch, then shows it): then Ctrl-C
        first = proc.err.wait_for(lambda line: line.startswith("SNR "))
        code, _, err = proc.interrupt()
    assert first is not None, err
    with ResultsStore(db) as st:
        assert st._db.execute("SELECT count(*) FROM batches").fetchone()[0] >= 1
    assert code == 130, err
    lines = err.strip().splitlines()
    # piped: plain lines (no bar), each point's counts as they come
    assert lines[0].startswith("long run [") and "engine inprocess" in lines[0]
    assert any(line.startswith("SNR   10.000 dB") and "1st-tx BLER" in line for line in lines)
    assert "\x1b" not in err and "Traceback" not in err
    assert re.fullmatch(r"softran: interrupted: \d+ new batch(es)? kept in .*r\.db; run the same "
                        r"command again to resume", lines[-1])
