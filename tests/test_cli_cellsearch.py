"""Tests of the `softran waveform ssb` and `softran cellsearch` commands and of the recording
readers they use (softran.recording: SigMF and .npy)."""

from __future__ import annotations

import json

import numpy as np
import pytest
import torch

from softran.cli import main
from softran.recording import read_recording, write_recording, write_sigmf

FS = 7.68e6


# ------------------------------------------------------------------ recordings
@pytest.mark.parametrize("fmt", ["sigmf", "npy"])
def test_recording_round_trip(tmp_path, fmt: str) -> None:
    x = torch.randn(2, 1000, dtype=torch.complex64, generator=torch.Generator().manual_seed(1023))
    paths = write_recording(tmp_path / "rec", x, FS, format=fmt, extra={"l_max": 8})
    y, fs, meta = read_recording(paths[-1], sample_rate=FS if fmt == "npy" else None)
    assert torch.equal(x, y) and fs == FS
    assert meta.get("softran:l_max") == (8 if fmt == "sigmf" else None)
    one = write_recording(tmp_path / "one", x[0], FS, format=fmt)[-1]
    assert read_recording(one, sample_rate=FS)[0].shape == (1, 1000)


@pytest.mark.filterwarnings("ignore:Data source does not contain an integer number")
def test_bad_recordings(tmp_path) -> None:
    np.save(tmp_path / "f32.npy", np.zeros(10, dtype=np.float32))
    with pytest.raises(ValueError, match="dtype float32; allowed: complex64"):
        read_recording(tmp_path / "f32.npy", sample_rate=FS)
    np.save(tmp_path / "c.npy", np.zeros((2, 2, 2), dtype=np.complex64))
    with pytest.raises(ValueError, match="shape"):
        read_recording(tmp_path / "c.npy", sample_rate=FS)
    np.save(tmp_path / "ok.npy", np.zeros(10, dtype=np.complex64))
    with pytest.raises(ValueError, match="no sample rate"):
        read_recording(tmp_path / "ok.npy")
    (tmp_path / "junk.npy").write_bytes(b"not an array")
    with pytest.raises(ValueError, match="not a readable .npy"):
        read_recording(tmp_path / "junk.npy", sample_rate=FS)
    with pytest.raises(ValueError, match="does not exist"):
        read_recording(tmp_path / "missing.npy", sample_rate=FS)
    with pytest.raises(ValueError, match="does not exist"):
        read_recording(tmp_path / "missing")

    # SigMF: data of 8 * 3 + 4 bytes is not a whole number of cf32 samples
    data, meta = write_sigmf(tmp_path / "s", torch.ones(3, dtype=torch.complex64), FS)
    with data.open("ab") as f:
        f.write(b"\0\0\0\0")
    with pytest.raises(ValueError, match="inconsistent"):              # checksum differs
        read_recording(meta)
    m = json.loads(meta.read_text())
    del m["global"]["core:sha512"]
    meta.write_text(json.dumps(m))
    with pytest.raises(ValueError, match="28 bytes, not a multiple of 8"):
        read_recording(meta)
    # missing sample rate, disagreeing sample rate, unreadable metadata
    data, meta = write_sigmf(tmp_path / "t", torch.ones(3, dtype=torch.complex64), FS)
    with pytest.raises(ValueError, match="disagrees"):
        read_recording(meta, sample_rate=2 * FS)
    m = json.loads(meta.read_text())
    del m["global"]["core:sample_rate"]
    meta.write_text(json.dumps(m))
    with pytest.raises(ValueError, match="no core:sample_rate"):
        read_recording(meta)
    meta.write_text("{not json")
    with pytest.raises(ValueError, match="unreadable"):
        read_recording(meta)
    with pytest.raises(ValueError, match="format"):
        write_recording(tmp_path / "u", torch.ones(3, dtype=torch.complex64), FS, format="wav")


# ------------------------------------------------------------------ CLI
def test_waveform_ssb_then_cellsearch_sigmf(tmp_path, capsys) -> None:
    out = tmp_path / "burst"
    assert main(["waveform", "ssb", "--cell-id", "321", "--scs", "30", "--case", "C",
                 "--l-max", "8", "--sfn", "77", "--out", str(out), "--snr-db", "10",
                 "--cfo-hz", "1500", "--sample-rate", str(FS), "--ssb-positions", "01000000",
                 "--pdcch-config-sib1", "105", "--n-half-frames", "2"]) == 0
    assert "wrote" in capsys.readouterr().out
    assert main(["cellsearch", str(out) + ".sigmf-meta"]) == 0
    text = capsys.readouterr().out
    # the table row (the title line holds the file path, whose pytest-NNN may read 321)
    row = next(line for line in text.splitlines()
               if line.lstrip().startswith("│") and "321" in line)
    cells = [c.strip() for c in row.strip("│ ").split("│")]
    assert cells[:4] == ["321", "1", "0", "77"]                      # ID, SSB, half frame, SFN
    assert abs(float(cells[4]) - 1500) < 300
    assert cells[10:12] == ["6", "9"]                                 # CORESET#0 6, SS#0 9


def test_waveform_ssb_then_cellsearch_npy(tmp_path, capsys) -> None:
    out = tmp_path / "burst"
    assert main(["waveform", "ssb", "--cell-id", "5", "--case", "A", "--scs", "15",
                 "--l-max", "4", "--sfn", "1000", "--format", "npy", "--sample-rate", "3.84e6",
                 "--out", str(out), "--n-half-frames", "1", "--ssb-positions", "0010"]) == 0
    capsys.readouterr()
    assert main(["cellsearch", str(out) + ".npy", "--scs", "15", "--l-max", "4",
                 "--sample-rate", "3.84e6"]) == 0
    row = next(line for line in capsys.readouterr().out.splitlines() if "│" in line
               and line.strip("│ ").startswith("5 "))
    assert [c.strip() for c in row.strip("│ ").split("│")][:4] == ["5", "2", "0", "1000"]


def test_cellsearch_noise_only(tmp_path, capsys) -> None:
    x = torch.randn(1, 20000, dtype=torch.complex64, generator=torch.Generator().manual_seed(1022))
    path = write_recording(tmp_path / "noise", x, FS, format="npy")[0]
    assert main(["cellsearch", str(path), "--sample-rate", str(FS)]) == 0
    assert "no cell found" in capsys.readouterr().out


@pytest.mark.parametrize(
    "argv, pattern",
    [
        (["waveform", "ssb", "--out", "x", "--case", "C", "--scs", "15"], "does not match case"),
        (["waveform", "ssb", "--out", "x", "--cell-id", "1008"], "n_cell_id = 1008"),
        (["waveform", "ssb", "--out", "x", "--ssb-positions", "1012"], "ssb_positions"),
        (["waveform", "ssb", "--out", "x", "--format", "wav"], "format = 'wav'"),
        (["waveform", "ssb", "--out", "x", "--sample-rate", "7e6"], "sample_rate"),
        (["waveform", "ssb"], "Missing option '--out'"),
        (["cellsearch", "nowhere.npy", "--sample-rate", "7.68e6"], "does not exist"),
        (["cellsearch", "nowhere.sigmf-meta"], "does not exist"),
    ],
)
def test_bad_arguments_exit_2(tmp_path, monkeypatch, capsys, argv, pattern) -> None:
    monkeypatch.chdir(tmp_path)
    assert main(argv) == 2
    err = capsys.readouterr().err
    assert err.startswith("softran: error: ") and pattern in err and err.count("\n") == 1


def test_cellsearch_npy_needs_sample_rate(tmp_path, capsys) -> None:
    path = write_recording(tmp_path / "r", torch.ones(3000, dtype=torch.complex64), FS,
                           format="npy")[0]
    assert main(["cellsearch", str(path)]) == 2
    assert "no sample rate" in capsys.readouterr().err
    assert main(["cellsearch", str(path), "--sample-rate", str(FS), "--scs", "60"]) == 2
    assert "scs = 60" in capsys.readouterr().err


# ------------------------------------------------------------------ generate -> cellsearch
@pytest.mark.parametrize("scs, n_prb", [(30, 51), (15, 25)])
def test_generated_slot_is_a_recording_cellsearch_decodes(tmp_path, capsys, monkeypatch, scs,
                                                           n_prb) -> None:
    monkeypatch.setenv("COLUMNS", "80")
    assert main(["generate", "--out", str(tmp_path / "new"), "--scs", str(scs), "--n-prb",
                 str(n_prb), "--n-cell-id", "417", "--sfn", "77", "--modulation", "64QAM"]) == 0
    out = capsys.readouterr().out
    assert f"created    {tmp_path / 'new'}" in out and "PBCH (MIB: SFN 77)" in out
    base = tmp_path / "new" / f"nr_dl_{scs}khz_{n_prb}prb_slot0"
    assert main(["cellsearch", f"{base}.sigmf-meta"]) == 0
    out = capsys.readouterr().out
    assert "1 cell(s)" in out and "no cell found" not in out
    assert all(len(line) <= 80 for line in out.splitlines()) and "…" not in out
    rows = {line.split("│")[1].strip(): line.split("│")[2].strip()
            for line in out.splitlines() if line.count("│") >= 3}
    # k_SSB in 15 kHz units: 25 RB at 15 kHz centre the block half an RB off the RB grid
    assert (rows["cell ID"], rows["SFN"], rows["SSB index"], rows["k_SSB"]) == \
        ("417", "77", "0", "6" if n_prb % 2 and scs == 15 else "0")
