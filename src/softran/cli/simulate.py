"""``softran simulate`` (run a link-level scenario into the results store) and the
``softran results`` group (list, show and export what the store holds).

The results store of every command is ``out/results.db`` (:data:`softran.sim.store.DEFAULT_STORE`,
the one ``make demo`` writes) unless ``--store`` names another.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any, NoReturn

import typer

from softran.cli.terminal import check_figure_path, make_console, output_path

__all__ = ["STORE_HELP", "interrupted", "results_app", "simulate", "store_path"]

#: help of every ``--store`` option (the default is resolved by :func:`store_path`)
STORE_HELP = "Results store (SQLite); default out/results.db, the store of `make demo`."


def store_path(store: Path | None) -> Path:
    """The ``--store`` given, or the default store (:data:`softran.sim.store.DEFAULT_STORE`)."""
    from softran.sim.store import DEFAULT_STORE

    return DEFAULT_STORE if store is None else store


def interrupted(progress: Any, store: Path) -> NoReturn:
    """End a run stopped by Ctrl-C: what it kept, and how to go on (exit code 130)."""
    n = progress.new_batches
    typer.echo(f"softran: interrupted: {n} new batch{'es' if n != 1 else ''} kept in {store}; "
               "run the same command again to resume", err=True)
    raise typer.Exit(130)


def _ci(lo: float, hi: float, scale: float = 1.0, fmt: str = ".3g") -> str:
    return f"[{scale * lo:{fmt}}, {scale * hi:{fmt}}]"


def _points_table(points: list[Any], title: str, width: int | None = None,
                  narrow: bool = False) -> Any:
    """The per-SNR results: all columns when they fit ``width``, else folded (each
    interval under its value, the batch and slot counts left out) so that 80 columns hold
    every cell whole. A point without blocks reads "not started"."""
    import math

    from rich.markup import escape
    from rich.table import Table

    from softran.report_table import NARROW_COLUMNS, fits

    if width is not None and not narrow:
        wide = _points_table(points, title)
        if width >= NARROW_COLUMNS and fits(wide, width):
            return wide
        narrow = True
    table = Table(title=escape(title), title_justify="left")
    cols = (("SNR (dB)", "blocks", "BLER", "1st-tx BLER", "throughput (%)", "done") if narrow
            else ("SNR (dB)", "batches", "slots", "blocks", "block errors", "BLER", "BLER CI",
                  "1st-tx BLER", "throughput", "throughput CI", "done"))
    for col in cols:
        table.add_column(col, justify="right")
    sep = "\n" if narrow else None
    for p in points:
        c = p.counts
        done = "yes" if p.done else "no"
        if not p.started:
            table.add_row(f"{p.snr_db:.3f}", "not started", *["–"] * (len(cols) - 3), done)
            continue
        first = ("–" if p.first_transmission_bler is None or math.isnan(p.first_transmission_bler)
                 else f"{p.first_transmission_bler:.3g}")
        bler, bler_ci = f"{p.bler:.3g}", _ci(*p.bler_ci)
        thr, thr_ci = f"{100 * p.throughput:.1f}", _ci(*p.throughput_ci, 100.0, ".1f")
        if narrow:
            table.add_row(f"{p.snr_db:.3f}", str(c.blocks), bler + sep + bler_ci, first,
                          thr + sep + thr_ci, done)
        else:
            table.add_row(f"{p.snr_db:.3f}", str(p.n_batches), str(c.slots), str(c.blocks),
                          str(c.block_errors), bler, bler_ci, first, f"{thr} %",
                          f"{thr_ci} %", done)
    return table


def _crossing_line(points: list[Any]) -> str:
    """The 70 % throughput SNR of a run with its 95 % interval (the TS 38.101-4 metric)."""
    from softran.sim.links.pdsch import pdsch_throughput_crossing

    c = pdsch_throughput_crossing(points)
    if c.snr_db is None:
        side = "above" if c.high == float("inf") else "below"
        return f"70 % throughput: not reached inside the SNR range (it lies {side} it)"
    return f"70 % throughput at {c.snr_db:.2f} dB (95 % CI [{c.low:.2f}, {c.high:.2f}] dB)"


def simulate(
    scenario: Annotated[Path, typer.Argument(help="Scenario file (TOML).")],
    store: Annotated[Path | None, typer.Option(help=STORE_HELP, show_default=False)] = None,
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
    quiet: Annotated[bool, typer.Option("--quiet", help="No progress.")] = False,
) -> None:
    """Run a link-level simulation scenario; results go into the store (a rerun resumes)."""
    from softran.sim.plots import plot_link_curves
    from softran.sim.progress import RunProgress
    from softran.sim.runner import simulate as run_simulation
    from softran.sim.scenario import load_scenario

    check_figure_path("plot", plot)
    s = load_scenario(scenario)
    store = store_path(store)
    output_path(store, "store")
    if plot is not None:
        output_path(plot, "plot")
    progress = RunProgress(not quiet)
    try:
        points = run_simulation(s, store, engine=engine, workers=workers, scheduler=scheduler,
                                progress=progress)
    except KeyboardInterrupt:
        interrupted(progress, store)
    console = make_console()
    if (line := progress.resumed_line()) is not None:
        console.print(line)
    console.print(_points_table(points, f"{s.scenario.name}  [{s.content_hash[:12]}]  "
                                        f"store {store}", console.width))
    if s.scenario.link == "pdsch":
        typer.echo(_crossing_line(points))
    if plot is not None:
        out = plot_link_curves(points, plot, requirement_snr, title=s.scenario.name)
        typer.echo(f"wrote {out}")


results_app = typer.Typer(help="Inspect and export the results store.", no_args_is_help=True)

_STORE_OPTION = typer.Option(help=STORE_HELP, show_default=False)


def _open_store(path: Path | None) -> Any:
    from softran.sim.store import ResultsStore

    return ResultsStore(store_path(path), create=False)


@results_app.command("ls")
def results_ls(store: Annotated[Path | None, _STORE_OPTION] = None) -> None:
    """List the stored scenarios: hash, name, link, points done, batches."""
    from rich.markup import escape
    from rich.table import Table

    from softran.report_table import NARROW_COLUMNS

    with _open_store(store) as st:
        records = st.scenarios()
    console = make_console()
    narrow = console.width < NARROW_COLUMNS
    table = Table(title=escape(f"{store_path(store)}: {len(records)} scenario(s)"),
                  title_justify="left")
    for col in ("hash", "name", "link", "points done", "batches", "updated"):
        table.add_column(col, no_wrap=col in ("hash", "updated"))
    for r in records:
        updated = r.updated.replace("T", "\n" if narrow else " ").removesuffix("+00:00")
        table.add_row(r.hash[:12], escape(r.name), r.link, f"{r.n_done}/{r.n_points}",
                      str(r.n_batches), updated + " UTC")
    console.print(table)


@results_app.command("show")
def results_show(
    hash_prefix: Annotated[str, typer.Argument(help="Scenario hash (a unique prefix).",
                                               metavar="HASH")],
    store: Annotated[Path | None, _STORE_OPTION] = None,
) -> None:
    """Show the per-SNR results of one stored scenario."""
    with _open_store(store) as st:
        h = st.find(hash_prefix)
        s = st.scenario(h)
        points = st.points(h)
    console = make_console()
    console.print(_points_table(points, f"{s.scenario.name}  [{h}]  link {s.scenario.link}",
                                console.width))


@results_app.command("export")
def results_export(
    hash_prefix: Annotated[str, typer.Argument(help="Scenario hash (a unique prefix).",
                                               metavar="HASH")],
    csv: Annotated[Path | None, typer.Option("--csv", help="Write CSV here.")] = None,
    parquet: Annotated[Path | None, typer.Option("--parquet", help="Write Parquet here.")] = None,
    store: Annotated[Path | None, _STORE_OPTION] = None,
) -> None:
    """Export the per-SNR results of one stored scenario as CSV and/or Parquet."""
    if csv is None and parquet is None:
        raise ValueError("give --csv FILE and/or --parquet FILE")
    with _open_store(store) as st:
        h = st.find(hash_prefix)
        if csv is not None:
            typer.echo(f"wrote {st.export_csv(h, output_path(csv, 'csv'))}")
        if parquet is not None:
            typer.echo(f"wrote {st.export_parquet(h, output_path(parquet, 'parquet'))}")
