"""What the command line looks like: usage lines, help summaries, and the report tables at 80
columns (every cell whole: no line longer than 80, no cell cut with "…")."""

from __future__ import annotations

import io
import re

import pytest
import typer
from rich.console import Console

from softran.cli import app, main
from softran.sim.link import SlotCounts
from softran.sim.scenario import load_scenario
from softran.sim.store import ResultsStore


def _commands():
    def walk(cmd, path):
        yield path, cmd
        for name, c in (getattr(cmd, "commands", None) or {}).items():
            yield from walk(c, (*path, name))

    yield from walk(typer.main.get_command(app), ())


LEAVES = [(p, c) for p, c in _commands() if not getattr(c, "commands", None)]


@pytest.mark.parametrize("path", [p for p, _ in LEAVES], ids=" ".join)
def test_usage_line_names_arguments_in_upper_case(path, capsys, monkeypatch):
    monkeypatch.setenv("COLUMNS", "80")
    assert main([*path, "--help"]) == 0
    usage = next(line for line in capsys.readouterr().out.splitlines() if "Usage:" in line)
    assert re.fullmatch(rf"\s*Usage: softran {' '.join(path)} \[OPTIONS\]"
                        r"( [A-Z_]+| \[[A-Z_]+\])*\s*", usage), usage


def test_every_help_summary_is_one_sentence_on_one_line():
    for path, cmd in _commands():
        first = (cmd.help or "").strip().split("\n\n")[0]
        assert first and "\n" not in first and first.endswith("."), (path, first)


def _lines_fit(text: str, width: int = 80) -> None:
    for line in text.splitlines():
        assert len(line) <= width, line
    assert "…" not in text


def test_conformance_table_at_80_columns_shows_every_cell():
    from softran.sim import ThroughputPoint, pusch_requirements, verdict
    from softran.sim.conformance_report import conformance_table

    req = pusch_requirements(frc="A3-10", n_rx=2)[0]            # test SNR -1.5 dB
    r = verdict([ThroughputPoint(-2.5, 1000, 500, 1000, 700, 300),
                 ThroughputPoint(-1.5, 1000, 900, 1000, 900, 171)], req)
    for results in ([r], [r, r]):
        console = Console(width=80, record=True, file=io.StringIO())
        console.print(conformance_table(results, width=80))
        text = console.export_text()
        _lines_fit(text)
        # crossing, margin with their intervals; the first-transmission BLER 171/900
        assert "-2.00 [" in text and "+0.50 [" in text and "0.190" in text
        assert "PASS" in text and "1st-tx BLER" in text


TOML = """
[scenario]
name = "layout test"
link = "sch-awgn"
[pusch]
target_code_rate = 0.5
n_prb = 1
[snr]
points_db = [-1.0, 2.5]
[stopping]
max_slots = 40
[run]
batch_slots = 10
"""


def test_results_tables_at_80_columns_and_not_started_points(tmp_path, capsys, monkeypatch):
    monkeypatch.setenv("COLUMNS", "80")
    s = load_scenario(TOML)
    db = tmp_path / "r.db"
    with ResultsStore(db) as st:
        st.add_scenario(s)
        # one batch of the first point; the second point has none: "not started"
        st.add_batch(s.stream_hash, s.snr.points_mdb[0], 0, -1.0, 10,
                     SlotCounts(slots=12, transmissions=12, transmission_errors=3, blocks=10,
                                block_errors=1, bits=1440, bit_errors=7, delivered_bits=9,
                                max_bits=12, first_transmission_errors=3),
                     seed=1, elapsed=0.1, engine="inprocess")
    assert main(["results", "show", s.content_hash[:8], "--store", str(db)]) == 0
    out = capsys.readouterr().out
    _lines_fit(out)
    assert "not started" in out and "nan" not in out
    assert "0.3" in out and "75.0" in out         # 1st-tx BLER 3/10, throughput 9/12
    assert main(["results", "ls", "--store", str(db)]) == 0
    out = capsys.readouterr().out
    _lines_fit(out)
    assert s.content_hash[:12] in out and "0/2" in out
    monkeypatch.setenv("COLUMNS", "160")             # wide: every column, one line a point
    assert main(["results", "show", s.content_hash[:8], "--store", str(db)]) == 0
    out = capsys.readouterr().out
    assert "block errors" in out and "not started" in out
