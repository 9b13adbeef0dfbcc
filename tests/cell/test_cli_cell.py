"""``softran cell run``: bad input is one line on stderr and exit code 2."""

from __future__ import annotations

from pathlib import Path

import pytest

from softran.cli import main

SCENARIOS = Path(__file__).parents[2] / "scenarios" / "cell"


def test_bad_cell_file_is_one_line_exit_2(tmp_path: Path, capsys) -> None:
    bad = tmp_path / "bad.toml"
    bad.write_text("[cell]\nframes = 2\n[[ue]]\nsnr_db = 'high'\n")
    assert main(["cell", "run", str(bad), "--inline"]) == 2
    out, err = capsys.readouterr()
    assert err.startswith("softran: error: bad.toml: ue[0].snr_db: ") and err.count("\n") == 1
    assert "Traceback" not in out + err


def test_unknown_key_and_channel_are_named(tmp_path: Path, capsys) -> None:
    for text, where in (("[cell]\nframez = 2\n", "cell.framez"),
                        ("[[ue]]\nchannel = 'TDL-Z'\n", "ue[0].channel")):
        f = tmp_path / "c.toml"
        f.write_text(text)
        assert main(["cell", "run", str(f), "--inline"]) == 2
        err = capsys.readouterr().err
        assert f"c.toml: {where}: " in err and err.count("\n") == 1


def test_busy_port_is_one_line_exit_2(capsys) -> None:
    # the O-DU's port, then the O-RU's (port + 1), taken by another socket: one line naming
    # the port, exit code 2, no process started
    import socket

    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as busy:
        busy.bind(("127.0.0.1", 0))
        p = busy.getsockname()[1]
        for port, what in ((p, "O-DU"), (p - 1, "O-RU")):
            if port < 1:
                continue
            code = main(["cell", "run", str(SCENARIOS / "one_ue_high_snr.toml"), "--port",
                         str(port)])
            err = capsys.readouterr().err
            if what == "O-RU" and f"127.0.0.1:{port}:" in err:
                continue                    # port - 1 happened to be taken as well
            assert code == 2, err
            assert err.startswith(f"softran: error: port = {port}: cannot bind the {what} "
                                  f"fronthaul socket (UDP 127.0.0.1:{p})"), err
            assert "--port" in err and err.count("\n") == 1


def test_port_is_for_the_processes(capsys) -> None:
    assert main(["cell", "run", str(SCENARIOS / "one_ue_high_snr.toml"), "--inline", "--port",
                 "50000"]) == 2
    err = capsys.readouterr().err
    assert "port = 50000" in err and "--inline" in err and err.count("\n") == 1
    assert main(["cell", "run", str(SCENARIOS / "one_ue_high_snr.toml"), "--port",
                 "70000"]) == 2
    assert "allowed: 0..65534" in capsys.readouterr().err


def test_every_example_cell_file_loads() -> None:
    from softran.cell.config import load_cell_config

    files = sorted(SCENARIOS.glob("*.toml"))
    assert len(files) >= 3
    for f in files:
        assert load_cell_config(f).ue



@pytest.mark.slow
@pytest.mark.parametrize("mode", ["--inline", "processes"])
@pytest.mark.parametrize("name", sorted(p.name for p in SCENARIOS.glob("*.toml")))
def test_example_cell_file_runs(name: str, mode: str, tmp_path: Path, capsys) -> None:
    # `make test-all`: every example attaches its UEs and delivers their bytes intact, in one
    # process and as separate processes
    import csv

    args = ["cell", "run", str(SCENARIOS / name), "--out", str(tmp_path)]
    assert main(args + ([mode] if mode == "--inline" else [])) == 0
    with open(tmp_path / "results.csv") as f:
        rows = list(csv.DictReader(f))
    assert rows and all(r["state"] == "attached" for r in rows), rows
    assert all(r["dl_intact"] == "True" and r["ul_intact"] == "True" for r in rows), rows
