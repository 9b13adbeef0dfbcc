"""`softran conformance pucch` and `softran conformance prach`."""

from __future__ import annotations

import pytest

from softran.cli import main


@pytest.mark.parametrize("args,words", [
    (["pucch", "--format", "7"], ["format = 7"]),
    (["pucch", "--format", "0", "--test", "22-bit"], ["test = '22-bit'", "1-symbol"]),
    (["pucch", "--rx", "8"], ["n_rx = 8", "2, 4"]),
    (["prach", "--format", "B9"], ["format", "B4"]),
    (["prach", "--format", "A1", "--scs", "1.25"], ["scs_khz = 1.25", "15.0"]),
    (["prach", "--channel", "TDLA30-10"], ["channel", "TDLC300-100"]),
])
def test_bad_filters_are_one_line_exit_2(args, words, capsys):
    rc = main(["conformance", *args])
    err = capsys.readouterr().err.strip().splitlines()
    assert rc == 2 and len(err) == 1, err
    for w in words:
        assert w in err[0]


@pytest.mark.slow
def test_quick_pucch_row_passes_and_writes_its_results(tmp_path, capsys):
    rc = main(["conformance", "pucch", "--format", "0", "--test", "1-symbol", "--rx", "2",
               "--bandwidth", "5", "--metric", "ack-missed", "--quick", "--quiet",
               "--store", str(tmp_path / "r.db"), "--out", str(tmp_path)])
    out = capsys.readouterr().out
    assert rc == 0, out
    assert "8.3.2.2-1" in out and "PASS" in out and "1 of 1 rows PASS" in out
    pngs = list(tmp_path.glob("*.png"))
    assert len(pngs) == 1 and pngs[0].stat().st_size > 1000
    assert (tmp_path / "r.db").stat().st_size > 0


@pytest.mark.slow
def test_quick_prach_row_passes_and_resumes_from_the_store(tmp_path, capsys):
    args = ["conformance", "prach", "--format", "B4", "--scs", "30", "--rx", "2",
            "--channel", "AWGN", "--metric", "detection", "--quick", "--quiet",
            "--store", str(tmp_path / "r.db"), "--out", str(tmp_path)]
    rc = main(args)
    out = capsys.readouterr().out
    assert rc == 0, out
    assert "8.4.2.2-3" in out and "1 of 1 rows PASS" in out
    assert main(args) == 0                          # a rerun reads the stored points
    assert capsys.readouterr().out.count("PASS") >= 1
