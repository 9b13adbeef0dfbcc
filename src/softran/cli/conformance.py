"""``softran conformance``: the TS 38.104 performance (conformance) tests."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from softran.cli.simulate import STORE_HELP, interrupted, store_path
from softran.cli.terminal import make_console, output_path

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
        "--quick", help="Search for the 70 % crossing from the test SNR until its interval is "
                        "at most 0.5 dB wide (minutes) instead of the full 7-point grid of up "
                        "to 1000 slots a point.")] = False,
    store: Annotated[Path | None, typer.Option(help=STORE_HELP, show_default=False)] = None,
    out: Annotated[Path, typer.Option(help="Folder for the throughput plots.")] = Path("out"),
    engine: Annotated[str | None, typer.Option(
        help="Execution engine: inprocess, processes, dask.")] = None,
    workers: Annotated[int | None, typer.Option(help="Worker processes / local Dask workers.")
                       ] = None,
    scheduler: Annotated[str | None, typer.Option(
        help="Address of a running Dask scheduler, e.g. tcp://host:8786.")] = None,
    quiet: Annotated[bool, typer.Option("--quiet", help="No progress.")] = False,
) -> None:
    """Run the TS 38.104 §8.2.1 PUSCH requirement rows that the options select.

    Each row is judged at its TS 38.141-1 test SNR (PASS: at least 70 % of the maximum
    throughput there); its 70 % crossing is reported with its confidence interval and the
    margin to the test SNR. Results go into the store: a rerun resumes.
    """
    from softran.sim.conformance_report import conformance_table
    from softran.sim.conformance_run import run_pusch_conformance
    from softran.sim.progress import RunProgress
    from softran.sim.requirements import pusch_requirements

    rows = pusch_requirements(bandwidth, scs, rx, tx, channel, frc, transform_precoding=False)
    store = store_path(store)
    output_path(store, "store")
    output_path(out, "out", folder=True)
    console = make_console()
    progress = RunProgress(not quiet)
    try:
        runs = run_pusch_conformance(
            rows, quick=quick, store=store, out_dir=out, engine=engine, workers=workers,
            scheduler=scheduler, progress=progress,
            on_row=lambda r: console.print(f"[bold]{r.label}[/bold]"
                                           + (" (quick: crossing search)" if quick else "")))
    except KeyboardInterrupt:
        interrupted(progress, store)
    if (line := progress.resumed_line()) is not None:
        console.print(line)
    console.print(conformance_table([r.result for r in runs], width=console.width))
    for r in runs:
        if r.search is not None:
            console.print(f"search {r.result.requirement.label}: {r.search}")
        console.print(f"plot {r.plot}   results {store} (scenario {r.content_hash[:12]})")
    failed = [r for r in runs if not r.result.passed]
    console.print(f"{len(runs) - len(failed)} of {len(runs)} rows PASS")
    if failed:
        raise typer.Exit(1)
