"""``softran optical``: coherent optical transport (link planning)."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

__all__ = ["optical_app"]


optical_app = typer.Typer(help="Coherent optical transport: link planning.",
                          no_args_is_help=True)


@optical_app.command("plan")
def optical_plan(
    link: Annotated[Path, typer.Argument(help="Link description (TOML).")],
    plot: Annotated[Path | None, typer.Option(
        help="Write GSNR versus launch power to this .png or .svg.")] = None,
) -> None:
    """Plan an optical line with the closed-form GN model: per-span ASE and NLI, GSNR,
    optimum launch power, achievable rate, the modulation that closes, latency."""
    from softran.optical.planner import plan_cli

    raise typer.Exit(plan_cli(link, plot))
