"""The ``softran`` command line (Typer). Thin: it parses, validates and calls the library.

Bad arguments end in one line on stderr (``softran: error: ...``) and exit code 2.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path
from typing import Annotated, Any

import typer

import softran

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


@app.command()
def info() -> None:
    """Versions of softran and its engines, CPU threads, and whether CUDA is usable."""
    import numba
    import torch

    rows = [
        ("softran", softran.__version__),
        ("python", sys.version.split()[0]),
        ("torch", torch.__version__),
        ("numba", numba.__version__),
        ("cpu threads", f"{os.cpu_count()} logical, torch uses {torch.get_num_threads()}"),
    ]
    if torch.cuda.is_available():
        rows.append(("cuda", f"usable: {torch.cuda.get_device_name(0)} "
                             f"(CUDA {torch.version.cuda}, {torch.cuda.device_count()} device(s))"))
    else:
        built = torch.version.cuda or "none (CPU build of torch)"
        rows.append(("cuda", f"not usable; torch built with CUDA: {built}"))
    width = max(len(k) for k, _ in rows)
    for key, value in rows:
        typer.echo(f"{key:<{width}}  {value}")


@app.command()
def generate(
    out: Annotated[Path, typer.Option(help="Output folder.")] = Path("out"),
    scs: Annotated[int, typer.Option(help="Subcarrier spacing in kHz: 15, 30, 60, 120, 240.")] = 30,
    n_prb: Annotated[int, typer.Option(help="Carrier bandwidth in resource blocks, 20..275.")] = 273,
    modulation: Annotated[str, typer.Option(help="Data modulation: QPSK, 16QAM, 64QAM, 256QAM, "
                                                 "1024QAM.")] = "256QAM",
    n_cell_id: Annotated[int, typer.Option(help="Physical cell identity 0..1007.")] = 1,
    n_slot: Annotated[int, typer.Option(help="Slot number.")] = 0,
    seed: Annotated[int, typer.Option(help="Random seed of the data bits.")] = 0,
) -> None:
    """Generate one NR downlink slot (data + PSS/SSS) as a SigMF recording and a picture.

    The picture shows the resource grid and the spectrum of the waveform.
    """
    from softran.nr import CarrierConfig, downlink_slot
    from softran.recording import write_sigmf
    from softran.sim.plots import plot_grid_and_spectrum

    carrier = CarrierConfig(subcarrier_spacing=scs, n_size_grid=n_prb, n_cell_id=n_cell_id,
                            n_slot=n_slot)
    slot = downlink_slot(carrier, modulation, seed=seed)
    name = f"nr_dl_{scs}khz_{n_prb}prb_slot{n_slot}"
    wf = slot.waveform[0]
    data_path, meta_path = write_sigmf(
        out / name, slot.waveform, slot.info.sample_rate,
        description=f"NR downlink slot: {n_prb} PRB at {scs} kHz, {modulation} data, PSS/SSS of "
                    f"cell {n_cell_id}",
        extra={"subcarrier_spacing_khz": scs, "n_size_grid": n_prb, "n_cell_id": n_cell_id,
               "n_slot": n_slot, "nfft": slot.info.nfft, "modulation": modulation,
               "ssb_first_subcarrier": slot.ssb_first_subcarrier,
               "ssb_first_symbol": slot.ssb_first_symbol})
    png = plot_grid_and_spectrum(slot.grid, slot.waveform, slot.info.sample_rate,
                                 out / f"{name}.png",
                                 title=f"NR downlink slot: {n_prb} PRB, {scs} kHz, {modulation}, "
                                       f"cell {n_cell_id}")
    power = wf.abs().square()
    papr_db = 10 * float((power.max() / power.mean()).log10())
    typer.echo(f"carrier    {n_prb} PRB x 12 = {carrier.n_subcarriers} subcarriers at {scs} kHz "
               f"({carrier.n_subcarriers * scs / 1e3:.2f} MHz occupied), cell {n_cell_id}, "
               f"slot {n_slot}")
    typer.echo(f"ofdm       nfft {slot.info.nfft}, sample rate {slot.info.sample_rate / 1e6:.2f} MHz, "
               f"{wf.numel()} samples, PAPR {papr_db:.1f} dB")
    typer.echo(f"content    {int(slot.data_mask.sum())} {modulation} data REs "
               f"({slot.data_bits.numel()} bits), PSS on symbol {slot.ssb_first_symbol}, "
               f"SSS on symbol {slot.ssb_first_symbol + 2}, SSB at subcarrier "
               f"{slot.ssb_first_subcarrier}")
    typer.echo(f"wrote      {data_path}")
    typer.echo(f"wrote      {meta_path}")
    typer.echo(f"wrote      {png}")


def _console() -> Any:
    from rich.console import Console

    return Console(width=None if sys.stdout.isatty() else 160)


def _points_table(points: list[Any], title: str) -> Any:
    from rich.table import Table

    from rich.markup import escape

    table = Table(title=escape(title), title_justify="left")
    for col in ("SNR (dB)", "batches", "slots", "blocks", "block errors", "BLER",
                "BLER CI", "throughput", "throughput CI", "done"):
        table.add_column(col, justify="right")
    for p in points:
        c = p.counts
        table.add_row(f"{p.snr_db:.3f}", str(p.n_batches), str(c.slots), str(c.blocks),
                      str(c.block_errors), f"{p.bler:.3g}",
                      f"[{p.bler_ci[0]:.3g}, {p.bler_ci[1]:.3g}]",
                      f"{100 * p.throughput:.1f} %",
                      f"[{100 * p.throughput_ci[0]:.1f}, {100 * p.throughput_ci[1]:.1f}] %",
                      "yes" if p.done else "no")
    return table


@app.command()
def simulate(
    scenario: Annotated[Path, typer.Argument(help="Scenario file (TOML).")],
    store: Annotated[Path, typer.Option(help="Results store (SQLite).")] = Path("results.db"),
    engine: Annotated[str | None, typer.Option(
        help="Execution engine: inprocess, processes, dask (default: the scenario's).")] = None,
    workers: Annotated[int | None, typer.Option(
        help="Worker processes (processes engine, or a local Dask cluster).")] = None,
    scheduler: Annotated[str | None, typer.Option(
        help="Address of a running Dask scheduler, e.g. tcp://host:8786.")] = None,
    plot: Annotated[Path | None, typer.Option(
        help="Write BLER and throughput curves to this .png or .svg.")] = None,
    requirement_snr: Annotated[float | None, typer.Option(
        help="Mark a performance requirement at this SNR (dB) on the plot.")] = None,
    quiet: Annotated[bool, typer.Option("--quiet", help="No progress bar.")] = False,
) -> None:
    """Run a link-level simulation scenario; results go into the store (a killed run resumes)."""
    from softran.sim.plots import plot_link_curves
    from softran.sim.runner import simulate as run_simulation
    from softran.sim.scenario import load_scenario

    s = load_scenario(scenario)
    points = run_simulation(s, store, engine=engine, workers=workers, scheduler=scheduler,
                            progress=not quiet)
    _console().print(_points_table(points, f"{s.scenario.name}  [{s.content_hash[:12]}]  "
                                           f"store {store}"))
    if plot is not None:
        out = plot_link_curves(points, plot, requirement_snr, title=s.scenario.name)
        typer.echo(f"wrote {out}")


conformance_app = typer.Typer(help="TS 38.104 performance (conformance) tests.",
                              no_args_is_help=True)
app.add_typer(conformance_app, name="conformance")


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
    from softran.sim.conformance import conformance_table, pusch_requirements
    from softran.sim.conformance_run import run_pusch_conformance

    rows = pusch_requirements(bandwidth, scs, rx, tx, channel, frc, transform_precoding=False)
    console = _console()
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


optical_app = typer.Typer(help="Coherent optical transport: link planning.",
                          no_args_is_help=True)
app.add_typer(optical_app, name="optical")


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


results_app = typer.Typer(help="Inspect and export the results store.", no_args_is_help=True)
app.add_typer(results_app, name="results")

_STORE_OPTION = typer.Option(help="Results store (SQLite).")


def _open_store(path: Path) -> Any:
    from softran.sim.store import ResultsStore

    if not path.exists():
        raise ValueError(f"store = {str(path)!r} does not exist")
    return ResultsStore(path)


@results_app.command("ls")
def results_ls(store: Annotated[Path, _STORE_OPTION] = Path("results.db")) -> None:
    """List the stored scenarios: hash, name, link, points done, batches."""
    from rich.markup import escape
    from rich.table import Table

    with _open_store(store) as st:
        records = st.scenarios()
    table = Table(title=escape(f"{store}: {len(records)} scenario(s)"), title_justify="left")
    for col in ("hash", "name", "link", "points done", "batches", "updated"):
        table.add_column(col)
    for r in records:
        table.add_row(r.hash[:12], escape(r.name), r.link, f"{r.n_done}/{r.n_points}",
                      str(r.n_batches), r.updated)
    _console().print(table)


@results_app.command("show")
def results_show(
    hash_prefix: Annotated[str, typer.Argument(help="Scenario hash (a unique prefix).")],
    store: Annotated[Path, _STORE_OPTION] = Path("results.db"),
) -> None:
    """Show the per-SNR results of one stored scenario."""
    with _open_store(store) as st:
        h = st.find(hash_prefix)
        s = st.scenario(h)
        points = st.points(h)
    _console().print(_points_table(points, f"{s.scenario.name}  [{h}]  link {s.scenario.link}"))


@results_app.command("export")
def results_export(
    hash_prefix: Annotated[str, typer.Argument(help="Scenario hash (a unique prefix).")],
    csv: Annotated[Path | None, typer.Option("--csv", help="Write CSV here.")] = None,
    parquet: Annotated[Path | None, typer.Option("--parquet", help="Write Parquet here.")] = None,
    store: Annotated[Path, _STORE_OPTION] = Path("results.db"),
) -> None:
    """Export the per-SNR results of one stored scenario as CSV and/or Parquet."""
    if csv is None and parquet is None:
        raise ValueError("give --csv FILE and/or --parquet FILE")
    with _open_store(store) as st:
        h = st.find(hash_prefix)
        if csv is not None:
            typer.echo(f"wrote {st.export_csv(h, csv)}")
        if parquet is not None:
            typer.echo(f"wrote {st.export_parquet(h, parquet)}")


def _one_line(exc: BaseException) -> str:
    """One line for an error: pydantic's multi-line report is reduced to its messages."""
    errors = getattr(exc, "errors", None)
    if callable(errors):
        try:
            return "; ".join(e["msg"].removeprefix("Value error, ") for e in errors())
        except (TypeError, KeyError, AttributeError):  # not a pydantic error after all
            pass
    if isinstance(exc, typer.TyperException):
        return " ".join(exc.format_message().split())
    return " ".join(str(exc).split())


def main(argv: list[str] | None = None) -> int:
    """Entry point of the ``softran`` command; returns the exit code."""
    args = list(sys.argv[1:] if argv is None else argv)
    command = typer.main.get_command(app)
    try:
        result = command.main(args=args or ["--help"], prog_name="softran",
                              standalone_mode=False)
    except typer.Exit as exc:
        return exc.exit_code
    except typer.Abort:
        typer.echo("softran: aborted", err=True)
        return 1
    except typer.TyperException as exc:  # usage errors: unknown option, bad value, ...
        typer.echo(f"softran: error: {_one_line(exc)}", err=True)
        return 2
    except (ValueError, TypeError) as exc:
        typer.echo(f"softran: error: {_one_line(exc)}", err=True)
        return 2
    return result if isinstance(result, int) else 0


def run() -> None:
    """Console-script entry point: ``sys.exit(main())``."""
    sys.exit(main())


if __name__ == "__main__":
    run()
