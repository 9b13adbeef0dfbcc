"""``softran waveform tm`` and ``softran measure evm|aclr``: recordings in, verdicts and plots
out, one-line errors (exit 2) for bad input, exit 1 on a FAIL verdict."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest
import torch

from softran.cli import main
from softran.recording import read_sigmf, write_recording


def _tm(tmp_path, capsys, name, *extra):
    base = tmp_path / name
    argv = ["waveform", "tm", "NR-FR1-TM3.1", "--bandwidth", "5", "--scs", "15", "--out",
            str(base), *extra]
    assert main(argv) == 0
    out = capsys.readouterr().out
    assert "wrote" in out and "NR-FR1-TM3.1" in out
    return base, out


def test_waveform_tm_metadata(tmp_path, capsys):
    base, out = _tm(tmp_path, capsys, "tm", "--impair", "snr=40", "--impair", "cfo=100")
    x, meta = read_sigmf(base)
    assert x.shape == (1, 76800) and meta["core:sample_rate"] == 7.68e6
    assert meta["softran:test_model"] == "NR-FR1-TM3.1"
    assert meta["softran:bandwidth_mhz"] == 5 and meta["softran:duplex"] == "fdd"
    assert meta["softran:impairments"] == "cfo=100 snr=40"
    assert "impairments cfo=100 snr=40" in out


def test_measure_evm_pass_and_plots(tmp_path, capsys):
    base, _ = _tm(tmp_path, capsys, "tm", "--impair", "snr=35", "--impair", "delay=20")
    assert main(["measure", "evm", str(base) + ".sigmf-meta", "--out", str(tmp_path / "p")]) \
        == 0
    out = capsys.readouterr().out
    assert "64QAM" in out and "PASS" in out and "timing 20 samples" in out
    pngs = sorted(p.name for p in (tmp_path / "p").glob("*.png"))
    assert len(pngs) == 3 and all(p.startswith("tm") for p in pngs)


def test_measure_evm_fail_exits_1(tmp_path, capsys):
    base, _ = _tm(tmp_path, capsys, "bad", "--impair", "pa=rapp:1")
    assert main(["measure", "evm", str(base)]) == 1
    assert "FAIL" in capsys.readouterr().out


def test_measure_aclr(tmp_path, capsys):
    base = tmp_path / "wide"
    assert main(["waveform", "tm", "NR-FR1-TM1.1", "--bandwidth", "5", "--scs", "15",
                 "--nfft", "2048", "--window", "36", "--out", str(base)]) == 0
    capsys.readouterr()
    code = main(["measure", "aclr", str(base)])
    out = capsys.readouterr().out
    assert code in (0, 1) and ("PASS" in out or "FAIL" in out)
    assert "first lower" in out and "second upper" in out and "BW_Config" in out
    assert (tmp_path / "wide_aclr.png").stat().st_size > 1000


def test_measure_aclr_npy_needs_options(tmp_path, capsys):
    path = write_recording(tmp_path / "n", torch.ones(1, 4096, dtype=torch.complex64),
                           30.72e6, format="npy")[0]
    assert main(["measure", "aclr", str(path), "--sample-rate", "30.72e6"]) == 2
    err = capsys.readouterr().err
    assert "softran:bandwidth_mhz" in err and "--bandwidth" in err and err.count("\n") == 1


@pytest.mark.parametrize("argv, pattern", [
    (["waveform", "tm", "NR-FR1-TM9", "--out", "x"], "model = 'NR-FR1-TM9'"),
    (["waveform", "tm", "NR-FR1-TM1.1", "--bandwidth", "7", "--out", "x"], "bandwidth"),
    (["waveform", "tm", "NR-FR1-TM1.1", "--impair", "pa=tube:3", "--out", "x"], "tube"),
    (["waveform", "tm", "NR-FR1-TM1.1", "--duplex", "half", "--out", "x"], "duplex"),
    (["measure", "evm", "nowhere.sigmf-meta"], "does not exist"),
    (["measure", "aclr", "nowhere.npy", "--sample-rate", "1e6"], "does not exist"),
])
def test_bad_arguments_exit_2(tmp_path, monkeypatch, capsys, argv, pattern):
    monkeypatch.chdir(tmp_path)
    assert main(argv) == 2
    err = capsys.readouterr().err
    assert err.startswith("softran: error: ") and pattern in err, err
    assert err.count("\n") == 1 and "Traceback" not in err


def test_measure_evm_piped_fits_80_columns(tmp_path, capsys):
    base, _ = _tm(tmp_path, capsys, "tm")
    env = {**os.environ, "COLUMNS": "80"}
    r = subprocess.run([sys.executable, "-m", "softran", "measure", "evm", str(base), "--out",
                        str(tmp_path)], capture_output=True, text=True, env=env, timeout=600,
                       check=False)
    assert r.returncode == 0, r.stderr
    # every line but the file paths fits in 80 columns
    assert all(len(line) <= 80 for line in r.stdout.splitlines() if str(tmp_path) not in line)
    assert "\x1b[" not in r.stdout
