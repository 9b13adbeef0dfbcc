"""``softran conformance``: the TS 38.104 performance (conformance) tests."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from softran.cli.terminal import make_console

__all__ = ["conformance_app"]


conformance_app = typer.Typer(help="TS 38.104 performance (conformance) tests.",
                              no_args_is_help=True)


@conformance_app.command("pusch")
def conformance_pusch(
    bandwidth: Annotated[int | None, typer.Option(
        help="Channel bandwidth in MHz (TS 38.104 Tables 8.2.1.2-x).")] = None,
    scs: Annotated[int | None, typer.Option(help="Subcarrier spacing in kHz.")] = None,
    rx: Annotated[int | None, typer.Option(help="Receive antennas (2, 4, 8).")] = None,
    tx: Annotated[int | None, typer.Option(help="Transmit antennas = layers (1, 2, 4).")] = None,
    channel: Annotated[str | None, typer.Option(
        help="Only rows with this channel, e.g. TDLB100-400.")] = None,
    frc: Annotated[str | None, typer.Option(help="Only rows with this FRC, e.g. G-FR1-A3-8.")
                   ] = None,
    quick: Annotated[bool, typer.Option(
        "--quick", help="3 SNR points and 100 transport blocks each: minutes, not hours.")
                     ] = False,
    store: Annotated[Path, typer.Option(help="Results store (SQLite).")] = Path("results.db"),
    out: Annotated[Path, typer.Option(help="Folder for the throughput plots.")] = Path("out"),
    engine: Annotated[str | None, typer.Option(
        help="Execution engine: inprocess, processes, dask.")] = None,
    workers: Annotated[int | None, typer.Option(help="Worker processes / local Dask workers.")
                       ] = None,
    scheduler: Annotated[str | None, typer.Option(
        help="Address of a running Dask scheduler, e.g. tcp://host:8786.")] = None,
    quiet: Annotated[bool, typer.Option("--quiet", help="No progress bars.")] = False,
) -> None:
    """Run the TS 38.104 §8.2.1 PUSCH requirement rows that the options select and judge
    each at its TS 38.141-1 test SNR (70 % of maximum throughput)."""
    from softran.sim.conformance_report import conformance_table
    from softran.sim.conformance_run import run_pusch_conformance
    from softran.sim.requirements import pusch_requirements

    rows = pusch_requirements(bandwidth, scs, rx, tx, channel, frc, transform_precoding=False)
    console = make_console()
    runs = run_pusch_conformance(
        rows, quick=quick, store=store, out_dir=out, engine=engine, workers=workers,
        scheduler=scheduler, progress=not quiet,
        on_row=lambda r: console.print(f"[bold]{r.label}[/bold]: FRC through {r.channel}, "
                                       f"{r.n_tx}x{r.n_rx}"))
    console.print(conformance_table([r.result for r in runs]))
    for r in runs:
        console.print(f"plot {r.plot}   results {store} (scenario {r.content_hash[:12]})")
    failed = [r for r in runs if not r.result.passed]
    console.print(f"{len(runs) - len(failed)} of {len(runs)} rows PASS")
    if failed:
        raise typer.Exit(1)
