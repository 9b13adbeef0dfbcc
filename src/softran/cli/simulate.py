"""``softran simulate`` (run a link-level scenario into the results store) and the
``softran results`` group (list, show and export what the store holds)."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any

import typer

from softran.cli.terminal import make_console

__all__ = ["results_app", "simulate"]


def _points_table(points: list[Any], title: str) -> Any:
    from rich.markup import escape
    from rich.table import Table

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
    from softran.sim.scenario import DOWNLINK_LINKS, load_scenario

    s = load_scenario(scenario)
    points = run_simulation(s, store, engine=engine, workers=workers, scheduler=scheduler,
                            progress=not quiet)
    make_console().print(_points_table(points, f"{s.scenario.name}  [{s.content_hash[:12]}]  "
                                           f"store {store}"))
    if s.scenario.link in DOWNLINK_LINKS:
        typer.echo(_crossing_line(points))
    if plot is not None:
        out = plot_link_curves(points, plot, requirement_snr, title=s.scenario.name)
        typer.echo(f"wrote {out}")


results_app = typer.Typer(help="Inspect and export the results store.", no_args_is_help=True)

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
    make_console().print(table)


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
    make_console().print(_points_table(points, f"{s.scenario.name}  [{h}]  link {s.scenario.link}"))


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
