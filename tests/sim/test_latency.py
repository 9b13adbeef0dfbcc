"""The per-slot latency instrument (issue 18): what it times and what it reports."""

from __future__ import annotations

import csv

import numpy as np
import pytest

from softran.sim.latency import LatencyConfig, measure_latency, write_latency_csv


@pytest.fixture(scope="module")
def report():
    cfg = LatencyConfig(n_prb=12, n_slots=4, warmup=1, snr_db=25.0, chains=("UL", "DL"))
    return measure_latency(cfg)


def test_totals_are_the_per_slot_sums_of_the_stages(report) -> None:
    for chain, total in report.totals.items():
        stages = [s for s in report.stages if s.chain == chain]
        assert stages, chain
        np.testing.assert_allclose(total.cpu, np.sum([s.cpu for s in stages], axis=0))
        np.testing.assert_allclose(total.wall, np.sum([s.wall for s in stages], axis=0))
        assert all(s.cpu.shape == (4,) and (s.wall > 0).all() for s in stages)


def test_one_call_rows_time_the_public_classes_and_stay_out_of_the_totals(report) -> None:
    assert [(s.chain, s.stage) for s in report.calls] == [("UL", "PUSCHReceiver()"),
                                                          ("DL", "PDSCHTransmitter()")]
    assert all((s.wall > 0).all() for s in report.calls)
    # at 25 dB both the stage-by-stage chain and the one call decode every slot
    assert "BLER 0 (PUSCHReceiver(): 0)" in report.notes["UL"]


def test_csv_has_a_row_per_stage_total_and_call(report, tmp_path) -> None:
    path = write_latency_csv(report, tmp_path / "latency.csv")
    rows = list(csv.DictReader(path.open()))
    assert len(rows) == len(report.stages) + len(report.totals) + len(report.calls)
    ul = next(r for r in rows if r["chain"] == "UL" and r["stage"] == "total")
    total = report.totals["UL"].stats("cpu")
    assert float(ul["cpu_median_us"]) == pytest.approx(total["median"] * 1e6, abs=0.06)
    assert float(ul["cpu_p99_share_of_slot"]) == pytest.approx(total["p99"] / 5e-4, abs=1e-4)


@pytest.mark.parametrize("field, value", [("n_prb", 0), ("scs", 45), ("chains", ("XX",)),
                                          ("ldpc_kernel", "fast"), ("chains", ())])
def test_bad_configuration_names_the_parameter(field: str, value: object) -> None:
    with pytest.raises(ValueError, match=field.rstrip("s") if field == "chains" else field):
        LatencyConfig(**{field: value})
