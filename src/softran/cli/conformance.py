"""``softran conformance``: the TS 38.104 performance (conformance) tests."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from softran.cli.simulate import STORE_HELP, interrupted, store_path
from softran.cli.terminal import make_console, output_path

if TYPE_CHECKING:
    from softran.sim.requirements_control import PRACHRequirement, PUCCHRequirement

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


def _rate_rows_run(rows: list[PUCCHRequirement] | list[PRACHRequirement], family: str,
                   quick: bool, store: Path | None, out: Path, engine: str | None,
                   workers: int | None, scheduler: str | None, quiet: bool) -> None:
    """Run PUCCH / PRACH requirement rows, print the verdict table, exit 1 on a FAIL."""
    from softran.sim.conformance_rates_report import rate_table
    from softran.sim.conformance_rates_run import run_control_conformance

    store = store_path(store)
    output_path(store, "store")        # checked before any work, as every command does
    output_path(out, "out", folder=True)
    console = make_console()
    runs = run_control_conformance(
        rows, family=family, quick=quick, store=store, out_dir=out, engine=engine,
        workers=workers, scheduler=scheduler, progress=not quiet,
        on_row=lambda r: console.print(f"[bold]{r.label}[/bold]: {r.channel}, 1x{r.n_rx}"))
    console.print(rate_table([r.result for r in runs]))
    for r in runs:
        console.print(f"plot {r.plot}   results {store} (scenario {r.content_hash[:12]})")
    failed = [r for r in runs if not r.result.passed]
    console.print(f"{len(runs) - len(failed)} of {len(runs)} rows PASS")
    if failed:
        raise typer.Exit(1)


@conformance_app.command("pucch")
def conformance_pucch(
    format: Annotated[int | None, typer.Option(
        "--format", help="PUCCH format 0-4 (TS 38.104 §8.3.2-§8.3.6).")] = None,
    rx: Annotated[int | None, typer.Option(help="Receive antennas (2, 4).")] = None,
    scs: Annotated[int | None, typer.Option(help="Subcarrier spacing in kHz (15, 30).")] = None,
    bandwidth: Annotated[int | None, typer.Option(help="Channel bandwidth in MHz.")] = None,
    metric: Annotated[str | None, typer.Option(
        help="ack-missed, nack-to-ack, false-ack or uci-bler.")] = None,
    test: Annotated[str | None, typer.Option(
        help="Test configuration: 1-symbol, 2-symbol, 2-bit, 4-bit, 22-bit, test-1, test-2."
    )] = None,
    additional_dmrs: Annotated[bool | None, typer.Option(
        "--additional-dmrs/--no-additional-dmrs",
        help="Formats 3/4: rows with / without additional DM-RS.")] = None,
    quick: Annotated[bool, typer.Option(
        "--quick", help="2 SNR points and 600 occasions each (noise only: 2000): minutes.")
                     ] = False,
    store: Annotated[Path | None, typer.Option(help=STORE_HELP, show_default=False)] = None,
    out: Annotated[Path, typer.Option(help="Folder for the failure-rate plots.")] = Path("out"),
    engine: Annotated[str | None, typer.Option(
        help="Execution engine: inprocess, processes, dask.")] = None,
    workers: Annotated[int | None, typer.Option(help="Worker processes / local Dask workers.")
                       ] = None,
    scheduler: Annotated[str | None, typer.Option(
        help="Address of a running Dask scheduler, e.g. tcp://host:8786.")] = None,
    quiet: Annotated[bool, typer.Option("--quiet", help="No progress bars.")] = False,
) -> None:
    """Run the selected TS 38.104 §8.3 PUCCH requirement rows at their TS 38.141-1 test SNR.

    FR1, 1 Tx, TDLC300-100; each row is judged on its limit: ACK missed / UCI BLER <= 1 %,
    NACK to ACK <= 0.1 %, false ACK on noise <= 1 %."""
    from softran.sim.requirements_control import pucch_requirements

    rows = pucch_requirements(format=format, n_rx=rx, scs_khz=scs,
                   bandwidth_mhz=bandwidth, metric=metric, test=test,
                   additional_dmrs=additional_dmrs)
    _rate_rows_run(rows, "pucch", quick, store, out, engine, workers, scheduler, quiet)


@conformance_app.command("prach")
def conformance_prach(
    format: Annotated[str | None, typer.Option(
        "--format", help="Preamble format: 0, A1, A2, A3, B4, C0, C2.")] = None,
    scs: Annotated[float | None, typer.Option(
        help="Delta f_RA in kHz (1.25 for format 0, 15, 30).")] = None,
    rx: Annotated[int | None, typer.Option(help="Receive antennas (2, 4).")] = None,
    channel: Annotated[str | None, typer.Option(
        help="AWGN or TDLC300-100 (with a 400 Hz frequency offset).")] = None,
    metric: Annotated[str | None, typer.Option(help="detection or false-alarm.")] = None,
    quick: Annotated[bool, typer.Option(
        "--quick", help="2 SNR points and 1000 occasions each (false alarm: 5000): minutes.")
                     ] = False,
    store: Annotated[Path | None, typer.Option(help=STORE_HELP, show_default=False)] = None,
    out: Annotated[Path, typer.Option(help="Folder for the failure-rate plots.")] = Path("out"),
    engine: Annotated[str | None, typer.Option(
        help="Execution engine: inprocess, processes, dask.")] = None,
    workers: Annotated[int | None, typer.Option(help="Worker processes / local Dask workers.")
                       ] = None,
    scheduler: Annotated[str | None, typer.Option(
        help="Address of a running Dask scheduler, e.g. tcp://host:8786.")] = None,
    quiet: Annotated[bool, typer.Option("--quiet", help="No progress bars.")] = False,
) -> None:
    """Run the selected TS 38.104 §8.4 PRACH requirement rows at their TS 38.141-1 test SNR.

    FR1, 1 Tx; each row is judged on missed detection (the timing within the time-error
    tolerance) <= 1 % and false alarm on noise <= 0.1 %."""
    from softran.sim.requirements_control import prach_requirements

    rows = prach_requirements(format=format, scs_khz=scs, n_rx=rx, channel=channel,
                   metric=metric)
    _rate_rows_run(rows, "prach", quick, store, out, engine, workers, scheduler, quiet)
