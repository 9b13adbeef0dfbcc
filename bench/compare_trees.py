"""Old / new source trees measured alternately: the ``--compare OLD_SRC NEW_SRC`` of the
issue-18 before/after scripts (``ul_front_end.py``, ``ul_decode_back_end.py``,
``ul_receive_stages.py``, ``pdsch_slot_ab.py``, ``ul_receive_call.py``, ``fh_chain_ab.py``),
and their entry point :func:`run_script`.

Each round runs the script once with ``PYTHONPATH=OLD_SRC`` and once with ``NEW_SRC``, in
fresh processes, so that both trees meet the host's drift in the same minutes; the script's
``--json`` run prints its figures as one JSON line, read back here.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
from collections.abc import Callable, Iterator, Sequence
from typing import Any


def add_compare_arguments(ap: argparse.ArgumentParser) -> None:
    """``--calls``, ``--compare OLD_SRC NEW_SRC``, ``--rounds`` and the hidden ``--json``."""
    ap.add_argument("--calls", type=int, default=300, help="timed calls (>= 10)")
    ap.add_argument("--compare", nargs=2, metavar=("OLD_SRC", "NEW_SRC"),
                    help="alternate two source trees (their src folders)")
    ap.add_argument("--rounds", type=int, default=2, help="rounds of --compare (>= 1)")
    ap.add_argument("--json", action="store_true", help=argparse.SUPPRESS)


def parse_compare_arguments(ap: argparse.ArgumentParser) -> argparse.Namespace:
    """Parse, and refuse bad values in one line with exit code 2 (argparse's error)."""
    a = ap.parse_args()
    if a.calls < 10:
        ap.error(f"--calls {a.calls}: give at least 10")
    if a.rounds < 1:
        ap.error(f"--rounds {a.rounds}: give at least 1")
    for option in ("compare", "paired"):            # (--paired: ul_receive_call.py)
        for src in getattr(a, option, None) or ():
            if not os.path.isdir(src):
                ap.error(f"--{option}: {src!r} is not a folder")
    return a


def compare_rounds(script: str, a: argparse.Namespace, extra: Sequence[str] = ()
                   ) -> Iterator[tuple[int, str, float, dict[str, Any]]]:
    """``(round, "old" | "new", load average, figures)`` for each run of ``script``."""
    for r in range(a.rounds):
        for label, src in zip(("old", "new"), a.compare, strict=True):
            env = dict(os.environ, PYTHONPATH=os.path.abspath(src))
            load = os.getloadavg()[0]
            out = subprocess.run([sys.executable, os.path.abspath(script), "--calls",
                                  str(a.calls), "--json", *extra], env=env, check=True,
                                 stdout=subprocess.PIPE, text=True).stdout
            yield r, label, load, json.loads(out.strip().splitlines()[-1])


def print_figures(res: dict[str, Any], as_json: bool) -> None:
    """One run's ``{row: (median, p99)}`` in µs: the JSON line ``--json`` asks for (what
    :func:`compare_rounds` reads back), else a line per row."""
    if as_json:
        print(json.dumps(res))
        return
    width = max(map(len, res), default=0)
    for k, (med, p99) in res.items():
        print(f"{k:{width}s} median {med:8.1f} us   p99 {p99:8.1f} us")


def compare_main(script: str, doc: str, measure: Callable[[int], dict[str, Any]],
                 digits: int = 1) -> int:
    """The ``main`` of a script whose ``measure(calls)`` returns ``{row: (median, p99)}``
    in µs: its figures, or with ``--compare`` a line per round and tree (``digits`` after
    the point)."""
    ap = argparse.ArgumentParser(description=doc.splitlines()[0])
    add_compare_arguments(ap)
    a = parse_compare_arguments(ap)
    if not a.compare:
        print_figures(measure(a.calls), a.json)
        return 0
    for r, label, load, res in compare_rounds(script, a):
        print(f"round {r} {label} (load {load:.2f}): " + ", ".join(
            f"{k} {med:.{digits}f}/{p99:.{digits}f}" for k, (med, p99) in res.items()),
            flush=True)
    return 0


def run_script(main: Callable[[], int]) -> None:
    """Exit with ``main()``'s code; Ctrl-C ends the script with one line and exit code 130,
    a run of a tree that failed (its own error already on stderr) with one line and 1."""
    name = os.path.basename(sys.argv[0])
    try:
        code = main()
    except KeyboardInterrupt:
        print(f"{name}: interrupted", file=sys.stderr)
        code = 130
    except subprocess.CalledProcessError as err:
        print(f"{name}: error: a measuring run exited with code {err.returncode} (its "
              "message is above)", file=sys.stderr)
        code = 1
    sys.exit(code)
