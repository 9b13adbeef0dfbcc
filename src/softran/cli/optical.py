"""``softran optical``: coherent optical transport (link planning)."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from softran.cli.terminal import check_figure_path, make_console, output_path

__all__ = ["optical_app"]


optical_app = typer.Typer(help="Coherent optical transport: link planning.",
                          no_args_is_help=True)


@optical_app.command("plan")
def optical_plan(
    link: Annotated[Path, typer.Argument(help="Link description (TOML).")],
    plot: Annotated[Path | None, typer.Option(
        help="Write GSNR versus launch power to this .png or .svg.")] = None,
) -> None:
    """Plan an optical line with the closed-form GN model.

    Per span: ASE and NLI; for the line: GSNR, optimum launch power, achievable rate, the
    modulation that closes, latency."""
    from softran.optical.planner import plan_cli

    check_figure_path("plot", plot)
    if plot is not None:
        output_path(plot, "plot")
    raise typer.Exit(plan_cli(link, plot, console=make_console()))
