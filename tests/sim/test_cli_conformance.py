"""`softran conformance pusch` (the README's main job)."""

from __future__ import annotations

import pytest

from softran.cli import main


def test_unknown_bandwidth_is_one_line_exit_2(capsys):
    rc = main(["conformance", "pusch", "--bandwidth", "30", "--scs", "15"])
    err = capsys.readouterr().err.strip().splitlines()
    assert rc == 2 and len(err) == 1
    assert "bandwidth_mhz = 30" in err[0] and "20" in err[0]


def test_filters_that_select_nothing_are_errors(capsys):
    rc = main(["conformance", "pusch", "--bandwidth", "5", "--scs", "15", "--rx", "8"])
    assert rc == 2
    assert "n_rx" in capsys.readouterr().err


@pytest.mark.slow
def test_main_job_row_passes_and_writes_its_results(tmp_path, capsys):
    rc = main(["conformance", "pusch", "--bandwidth", "5", "--scs", "15", "--tx", "1",
               "--rx", "2", "--channel", "TDLB100-400", "--quick", "--quiet",
               "--store", str(tmp_path / "r.db"), "--out", str(tmp_path)])
    out = capsys.readouterr().out
    assert rc == 0, out
    assert "G-FR1-A3-8" in out and "PASS" in out and "1 of 1 rows PASS" in out
    pngs = list(tmp_path.glob("*.png"))
    assert len(pngs) == 1 and pngs[0].stat().st_size > 1000
    assert (tmp_path / "r.db").stat().st_size > 0
