import subprocess
import sys

import pytest

import softran
from softran.cli import main
from softran.recording import read_sigmf


def test_version(capsys):
    assert main(["--version"]) == 0
    assert capsys.readouterr().out.strip() == f"softran {softran.__version__}"


def test_help_lists_commands(capsys):
    assert main(["--help"]) == 0
    out = capsys.readouterr().out
    assert "info" in out and "generate" in out


def test_commands_and_groups_in_registration_order():
    import typer

    from softran.cli import app

    command = typer.main.get_command(app)
    names = command.list_commands(typer.Context(command))
    # commands first, then groups, each as registered in softran.cli.app
    assert names == ["info", "generate", "simulate", "cellsearch", "conformance", "optical",
                     "results", "waveform", "fronthaul", "ntn", "measure", "cell",
                     "bench"]


def test_unwritable_output_is_one_line_exit_2(tmp_path, capsys):
    blocker = tmp_path / "a_file"
    blocker.write_text("")
    assert main(["waveform", "ssb", "--out", str(blocker / "burst")]) == 2
    err = capsys.readouterr().err
    assert err.startswith("softran: error: ") and str(blocker) in err
    assert err.count("\n") == 1 and "Traceback" not in err


def test_info_reports_engines(capsys):
    import torch

    assert main(["info"]) == 0
    out = capsys.readouterr().out
    assert f"torch        {torch.__version__}" in out
    assert "numba" in out and "cuda" in out
    assert out.count("triton") == 1  # its version, or that it is not installed


@pytest.mark.parametrize(
    "argv, pattern",
    [
        (["generate", "--scs", "45"], "subcarrier_spacing = 45 is not allowed"),
        (["generate", "--n-prb", "300"], "n_size_grid = 300 is out of range"),
        (["generate", "--n-prb", "10"], "n_size_grid = 10 is too small"),
        (["generate", "--modulation", "8PSK"], "modulation = '8PSK' is not allowed"),
        (["generate", "--bogus"], "No such option: --bogus"),
        (["nonsense"], "No such command"),
    ],
)
def test_bad_arguments_one_line_exit_2(capsys, argv, pattern):
    assert main(argv) == 2
    err = capsys.readouterr().err
    assert err.startswith("softran: error: ") and pattern in err
    assert err.count("\n") == 1 and "Traceback" not in err


def test_console_script_exit_code_and_no_traceback():
    proc = subprocess.run([sys.executable, "-m", "softran", "generate", "--scs", "7"],
                          capture_output=True, text=True)
    assert proc.returncode == 2
    assert proc.stderr.count("\n") == 1 and "Traceback" not in proc.stderr


def test_generate_writes_recording_and_picture(tmp_path, capsys):
    assert main(["generate", "--out", str(tmp_path), "--scs", "15", "--n-prb", "25",
                 "--modulation", "QPSK", "--n-cell-id", "5"]) == 0
    out = capsys.readouterr().out
    base = tmp_path / "nr_dl_15khz_25prb_slot0"
    assert f"wrote      {base}.sigmf-data" in out
    x, meta = read_sigmf(base)
    # 25 PRB at 15 kHz: nfft 512 (300/512 <= 0.85), one slot = 1 ms / 1 = 7680 samples
    assert x.shape == (1, 7680) and meta["core:sample_rate"] == 7.68e6
    assert meta["softran:n_cell_id"] == 5
    png = base.with_suffix(".png")
    assert png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


def test_ctrl_c_in_a_command_is_one_line_exit_130(monkeypatch, capsys):
    """Typer turns Ctrl-C into a silent exit code 130; the command line says it."""
    import softran.sim.latency as latency

    def interrupted(*args, **kwargs):
        raise KeyboardInterrupt

    monkeypatch.setattr(latency, "measure_latency", interrupted)
    assert main(["bench", "latency", "--slots", "1", "--quiet"]) == 130
    err = capsys.readouterr().err
    assert err == "softran: interrupted\n"
