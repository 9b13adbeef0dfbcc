"""The ``softran`` command line (Typer): the root app, its ``--version``, and the table of its
commands and groups. Thin: the commands parse, validate and call the library.

Each command group lives in its own module of :mod:`softran.cli` and is registered here with
one line: ``app.command()(module.function)`` for a top-level command,
``app.add_typer(module.group_app, name="group")`` for a group. ``softran --help`` lists the
commands, then the groups, each in the order registered here.
"""

from __future__ import annotations

import sys
from typing import Annotated

import typer

import softran
from softran.cli import conformance, fronthaul, info, optical, simulate, waveform
from softran.cli import ntn
from softran.cli import measure
from softran.cli import cell
from softran.cli.terminal import invoke, use_command_class
from softran.cli import bench

__all__ = ["app", "main", "run"]

app = typer.Typer(
    name="softran",
    help="softran: a software base-station physical layer (5G NR, O-RAN fronthaul, channels, "
         "link-level simulation, coherent optics).",
    add_completion=True,
    no_args_is_help=True,
    pretty_exceptions_enable=False,
)


def _version(value: bool) -> None:
    if value:
        typer.echo(f"softran {softran.__version__}")
        raise typer.Exit()


@app.callback()
def _root(
    version: Annotated[bool, typer.Option("--version", callback=_version, is_eager=True,
                                          help="Print the version and exit.")] = False,
) -> None:
    """softran: a software base-station physical layer."""


# ---- commands ------------------------------------------------------------------------------
app.command()(info.info)
app.command()(waveform.generate)
app.command()(simulate.simulate)
app.command()(waveform.cellsearch)

# ---- groups --------------------------------------------------------------------------------
app.add_typer(conformance.conformance_app, name="conformance")
app.add_typer(optical.optical_app, name="optical")
app.add_typer(simulate.results_app, name="results")
app.add_typer(waveform.waveform_app, name="waveform")
app.add_typer(fronthaul.fronthaul_app, name="fronthaul")
app.add_typer(ntn.ntn_app, name="ntn")
app.add_typer(measure.measure_app, name="measure")
app.add_typer(cell.cell_app, name="cell")
app.add_typer(bench.bench_app, name="bench")

use_command_class(app)  # usage lines: SCENARIO, not {scenario} (after the registrations)


def main(argv: list[str] | None = None) -> int:
    """Entry point of the ``softran`` command; returns the exit code.

    >>> main(["--version"])  # doctest: +ELLIPSIS
    softran ...
    0
    """
    args = list(sys.argv[1:] if argv is None else argv)
    return invoke(typer.main.get_command(app), args, prog_name="softran")


def run() -> None:
    """Console-script entry point: ``sys.exit(main())``."""
    sys.exit(main())
