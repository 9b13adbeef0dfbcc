"""Every command and subcommand of `softran`, discovered from the Typer app, with bad arguments:
each ends in exit code 2 and one line on stderr (`softran: error: ...`), never a traceback.

A new command is covered automatically: its number and text options get wrong types and
unknown names; its path parameters must be given a role below (the test says so when one is
missing), and a command with required arguments a valid baseline.
"""

from __future__ import annotations

import signal
import socket
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
import typer

from softran.cli import app, main

# ---- the commands ------------------------------------------------------------------------


def _commands() -> Iterator[tuple[tuple[str, ...], Any]]:
    def walk(cmd: Any, path: tuple[str, ...]) -> Iterator[tuple[tuple[str, ...], Any]]:
        sub = getattr(cmd, "commands", None)
        if sub:
            for name, c in sub.items():
                yield from walk(c, (*path, name))
        else:
            yield path, cmd

    yield from walk(typer.main.get_command(app), ())


COMMANDS = dict(_commands())

# what each path parameter is: its bad values follow from it
ROLES: dict[tuple[tuple[str, ...], str], str] = {
    (("generate",), "out"): "output-folder",
    (("simulate",), "scenario"): "input",
    (("simulate",), "store"): "store",
    (("simulate",), "plot"): "figure",
    (("cellsearch",), "recording"): "input",
    (("conformance", "pusch"), "store"): "store",
    (("conformance", "pusch"), "out"): "output-folder",
    (("conformance", "pucch"), "store"): "store",
    (("conformance", "pucch"), "out"): "output-folder",
    (("conformance", "prach"), "store"): "store",
    (("conformance", "prach"), "out"): "output-folder",
    (("optical", "plan"), "link"): "input",
    (("optical", "plan"), "plot"): "figure",
    (("optical", "plan"), "equipment"): "input",
    (("optical", "plan"), "sim_params"): "input",
    (("optical", "plan"), "csv"): "output-file",
    (("optical", "plan"), "elements_csv"): "output-file",
    (("optical", "plan"), "noise_csv"): "output-file",
    (("optical", "plan"), "plot_frequency"): "figure",
    (("optical", "plan"), "plot_distance"): "figure",
    (("optical", "submarine"), "cable"): "input",
    (("optical", "submarine"), "plot"): "figure",
    (("optical", "submarine"), "csv"): "output-file",
    (("results", "ls"), "store"): "stored",
    (("results", "show"), "store"): "stored",
    (("results", "export"), "store"): "stored",
    (("results", "export"), "csv"): "output-file",
    (("results", "export"), "parquet"): "output-file",
    (("waveform", "ssb"), "out"): "output-file",
    (("fronthaul", "capture"), "out"): "output-file",
    (("waveform", "tm"), "out"): "output-file",
    (("ntn", "budget"), "link"): "input",
    (("ntn", "pass"), "link"): "input",
    (("ntn", "pass"), "plot"): "figure",
    (("measure", "evm"), "recording"): "input",
    (("measure", "evm"), "out"): "output-folder",
    (("measure", "aclr"), "recording"): "input",
    (("measure", "aclr"), "out"): "output-folder",
    (("cell", "run"), "cell_file"): "input",
    (("cell", "run"), "out"): "output-folder",
    (("cell", "run"), "pcap"): "output-file",
    (("cell", "run"), "plot"): "figure",
    (("bench", "latency"), "out"): "output-file",
}
# text options whose every value is plausible (an address), and so has no bad name
FREE_TEXT = {(("simulate",), "scheduler"), (("conformance", "pusch"), "scheduler"),
             (("conformance", "pucch"), "scheduler"), (("conformance", "prach"), "scheduler")}
# host names and the UDP ports a command binds
HOSTS = {"ru_host", "du_host"}
LOCAL_PORTS = {(("fronthaul", "du"), "port"), (("fronthaul", "ru"), "port")}

SCENARIO = """
[scenario]
name = "bad arguments"
link = "sch-awgn"
[pusch]
target_code_rate = 0.5
n_prb = 1
[snr]
points_db = [0.0]
[stopping]
max_slots = 4
[run]
batch_slots = 4
"""


class Files:
    """The files the cases point at (made once per test session)."""

    def __init__(self, root: Path) -> None:
        from softran.nr import MIB, ssb_waveform
        from softran.recording import write_recording
        from softran.sim.scenario import load_scenario
        from softran.sim.store import ResultsStore

        self.root = root
        self.a_file = root / "a_file"                   # a file where a folder must be
        self.a_file.write_text("not a folder\n")
        self.garbage = root / "garbage.bin"             # not TOML, not SQLite, not a recording
        self.garbage.write_bytes(bytes(range(256)) * 8)
        self.empty = root / "empty.db"                  # SQLite (empty) but no results store
        self.empty.write_bytes(b"")
        self.scenario = root / "scenario.toml"
        self.scenario.write_text(SCENARIO)
        self.store = root / "results.db"
        s = load_scenario(self.scenario)
        with ResultsStore(self.store) as st:
            st.add_scenario(s)
        self.hash = s.content_hash[:12]
        w = ssb_waveform(3, MIB(sub_carrier_spacing_common=30), case="C",
                         ssb_positions=[1, 0, 0, 0], sample_rate=7.68e6)
        self.recording = write_recording(root / "burst", w, 7.68e6)[1]
        self.link = Path(__file__).parents[1] / "scenarios" / "optical" / "fronthaul_20km.toml"
        self.ntn_link = Path(__file__).parents[1] / "scenarios" / "ntn" / "set1_leo600_sband.toml"
        tm = root / "tm" / "tm11"                       # the smallest NR-FR1 test model
        assert main(["waveform", "tm", "NR-FR1-TM1.1", "--bandwidth", "5", "--scs", "15",
                     "--out", str(tm)]) == 0
        self.tm = tm.with_suffix(".sigmf-meta")
        self.cell = Path(__file__).parents[1] / "scenarios" / "cell" / "one_ue_high_snr.toml"

    def path_values(self, role: str) -> list[tuple[str, str]]:
        under = str(self.a_file / "x")
        missing = str(self.root / "missing" / "nothing.toml")
        folder = str(self.root)
        return {
            "input": [("missing file", missing), ("folder", folder),
                      ("under a file", under), ("wrong file", str(self.garbage))],
            "stored": [("missing file", missing), ("folder", folder),
                       ("under a file", under), ("not SQLite", str(self.garbage)),
                       ("not a results store", str(self.empty))],
            "store": [("folder", folder), ("under a file", under),
                      ("not SQLite", str(self.garbage))],
            "output-file": [("folder", folder), ("under a file", under)],
            "figure": [("folder", folder), ("under a file", under + ".png"),
                       ("bad suffix", str(self.root / "plot.txt"))],
            "output-folder": [("a file", str(self.a_file)), ("under a file", under)],
        }[role]


BASELINES: dict[tuple[str, ...], Callable[[Files], list[str]]] = {
    ("simulate",): lambda f: [str(f.scenario)],
    ("cellsearch",): lambda f: [str(f.recording)],
    ("optical", "plan"): lambda f: [str(f.link)],
    ("optical", "submarine"): lambda f: [str(f.link.with_name("submarine_6000km.toml"))],
    ("results", "show"): lambda f: [f.hash, "--store", str(f.store)],
    ("results", "export"): lambda f: [f.hash, "--store", str(f.store),
                                      "--csv", str(f.root / "export" / "x.csv")],
    ("waveform", "ssb"): lambda f: ["--out", str(f.root / "ssb" / "burst")],
    ("fronthaul", "capture"): lambda f: ["--out", str(f.root / "cap" / "x.pcap")],
    ("waveform", "tm"): lambda f: ["NR-FR1-TM1.1", "--bandwidth", "5", "--scs", "15",
                                   "--out", str(f.root / "tm2" / "x")],
    ("ntn", "budget"): lambda f: [str(f.ntn_link)],
    ("ntn", "pass"): lambda f: [str(f.ntn_link), "--hours", "2"],
    ("measure", "evm"): lambda f: [str(f.tm)],
    ("measure", "aclr"): lambda f: [str(f.tm)],
    ("cell", "run"): lambda f: [str(f.cell), "--inline", "--frames", "1"],
}


def _annotation(param: Any) -> Any:
    return getattr(getattr(param, "type_descriptor", None), "annotation", None)


def _cases() -> Iterator[tuple[tuple[str, ...], str, str, str]]:
    """(command, parameter, what is wrong, value or a marker) for every command."""
    for path, cmd in COMMANDS.items():
        for p in cmd.params:
            if p.name == "help" or getattr(p, "is_flag", False):
                continue
            ann = _annotation(p)
            if ann is Path:
                role = ROLES.get((path, p.name))
                yield path, p.name, f"role:{role}", ""
            elif ann in (int, float):
                yield path, p.name, "not a number", "abc"
            elif p.name in HOSTS:
                yield path, p.name, "unknown host", "not.a.host"
            elif ann is str and (path, p.name) not in FREE_TEXT:
                yield path, p.name, "unknown name", "nonsense"
            if (path, p.name) in LOCAL_PORTS:
                yield path, p.name, "busy port", "<busy>"


CASES = list(_cases())


@pytest.fixture(scope="module")
def files(tmp_path_factory: pytest.TempPathFactory) -> Files:
    return Files(tmp_path_factory.mktemp("bad-arguments"))


@pytest.fixture(scope="module")
def busy_port() -> Iterator[int]:
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as s:
        s.bind(("127.0.0.1", 0))
        yield int(s.getsockname()[1])


def _argv(path: tuple[str, ...], cmd: Any, name: str, value: str, files: Files) -> list[str]:
    param = next(p for p in cmd.params if p.name == name)
    base = BASELINES.get(path, lambda f: [])(files)
    if param.param_type_name == "argument":
        # the argument is the first of the baseline (every command here has at most one)
        return [*path, value, *base[1:]]
    opt = param.opts[0]
    if opt in base:  # replace the baseline's value of this option
        i = base.index(opt)
        base = base[:i] + base[i + 2:]
    return [*path, *base, opt, value]


class _Timeout(Exception):
    pass


def _run(argv: list[str], seconds: int = 120) -> int:
    def alarm(signum: int, frame: Any) -> None:
        raise _Timeout(f"{' '.join(argv)} still running after {seconds} s")

    old = signal.signal(signal.SIGALRM, alarm)
    signal.alarm(seconds)
    try:
        return main(argv)
    finally:
        signal.alarm(0)
        signal.signal(signal.SIGALRM, old)


def test_every_command_is_covered() -> None:
    # every path parameter has a role and every command with required parameters a baseline
    for path, cmd in COMMANDS.items():
        for p in cmd.params:
            if _annotation(p) is Path:
                assert (path, p.name) in ROLES, f"give {' '.join(path)} --{p.name} a role"
        if any(p.required for p in cmd.params):
            assert path in BASELINES, f"give {' '.join(path)} a baseline of valid arguments"
    assert {("results", "ls"), ("fronthaul", "ru"), ("generate",)} <= set(COMMANDS)
    assert len(CASES) > 100


@pytest.mark.parametrize("path, name, what, value", CASES,
                         ids=[f"{' '.join(c[0])} {c[1]}: {c[2]}" for c in CASES])
def test_bad_argument_is_one_line_and_exit_2(path, name, what, value, files, busy_port,
                                             tmp_path, monkeypatch, capsys):
    monkeypatch.chdir(tmp_path)                # default outputs (out/...) land here
    monkeypatch.setenv("COLUMNS", "80")
    cmd = COMMANDS[path]
    if what.startswith("role:"):
        values = files.path_values(what.removeprefix("role:"))
    else:
        values = [(what, str(busy_port) if value == "<busy>" else value)]
    for label, v in values:
        argv = _argv(path, cmd, name, v, files)
        rc = _run(argv)
        out, err = capsys.readouterr()
        assert rc == 2, f"{argv} ({label}): exit {rc}\nstdout: {out[-2000:]}\nstderr: {err}"
        assert err.startswith("softran: error: ") and err.count("\n") == 1, (argv, err)
        assert "Traceback" not in err + out, argv
