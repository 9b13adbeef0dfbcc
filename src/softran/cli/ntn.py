"""``softran ntn``: NR over satellite -- the link budget of a link file and a satellite pass
(elevation, delay, Doppler, CNR and the throughput of an MCS)."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from softran.cli.terminal import make_console

__all__ = ["ntn_app"]

ntn_app = typer.Typer(help="NR over satellite (NTN): link budget and satellite passes.",
                      no_args_is_help=True)


@ntn_app.command("budget")
def ntn_budget(
    link: Annotated[Path, typer.Argument(help="NTN link file (TOML).")],
) -> None:
    """Link budget per TR 38.821 §6.1.1.1 in both directions at the link file's elevations.

    Rows: EIRP, G/T, free-space path loss, the other losses and the CNR."""
    from rich.table import Table

    from softran.ntn.linkfile import load_link_file

    f = load_link_file(link)
    console = make_console()
    for direction, rows in f.budgets().items():
        sat = f.tables["satellite"]["name"]
        table = Table(title=f"{sat}: {direction}", title_justify="left")
        table.add_column("elevation (deg)")
        for el, _ in rows:
            table.add_column(f"{el:g}", justify="right")
        for key in rows[0][1].lines:
            table.add_row(key, *(f"{r.lines[key]:.2f}" for _, r in rows))
        console.print(table)


@ntn_app.command("pass")
def ntn_pass(
    link: Annotated[Path, typer.Argument(help="NTN link file (TOML).")],
    plot: Annotated[Path | None, typer.Option(
        help="Write elevation, delay, Doppler, CNR and throughput to this .png or .svg.")
    ] = None,
    hours: Annotated[float, typer.Option(help="Search the first pass within these hours.")
                     ] = 24.0,
) -> None:
    """The first pass of the satellite over the UE, with delay, Doppler, CNR and throughput.

    Prints the pass window, the extremes of delay and Doppler, the uplink CNR and the
    throughput of the link file's MCS along the pass."""
    from rich.table import Table

    from softran.ntn.linkfile import load_link_file, satellite_pass
    from softran.ntn.plots import plot_pass

    if not hours > 0:
        raise ValueError(f"hours = {hours} is not allowed; it must be > 0")
    if plot is not None and plot.suffix.lower() not in (".png", ".svg"):
        raise ValueError(f"plot = {str(plot)!r} is not allowed; write a .png or .svg file")
    f = load_link_file(link)
    r = satellite_pass(f, hours)
    g = r.geometry
    start, end = r.window
    table = Table(title=f"{f.tables['satellite']['name']}: pass over "
                        f"({f.tables['ue']['latitude']:g}, {f.tables['ue']['longitude']:g})",
                  title_justify="left")
    table.add_column("quantity")
    table.add_column("value", justify="right")
    rows = [
        ("window start / end (s)", f"{start:.1f} / {end:.1f}"),
        ("duration (s)", f"{end - start:.1f}"),
        ("max elevation (deg)", f"{g.elevation.max():.2f}"),
        ("RTT UE-satellite min / max (ms)",
         f"{g.round_trip_delay.min() * 1e3:.3f} / {g.round_trip_delay.max() * 1e3:.3f}"),
        ("Doppler min / max (kHz)", f"{g.doppler.min() / 1e3:.3f} / {g.doppler.max() / 1e3:.3f}"),
        ("max |Doppler rate| (Hz/s)", f"{abs(g.doppler_rate).max():.1f}"),
        ("uplink CNR min / max (dB)", f"{r.cnr.min():.2f} / {r.cnr.max():.2f}"),
        ("MCS TBS (bits)", str(r.tbs)),
        ("CNR threshold (dB)", f"{r.threshold_db:.2f} ({r.threshold_source})"),
        ("time above threshold (%)", f"{100 * (r.throughput > 0).mean():.1f}"),
        ("mean throughput (Mbit/s)", f"{r.throughput.mean() / 1e6:.3f}"),
    ]
    for k, v in rows:
        table.add_row(k, v)
    make_console().print(table)
    if plot is not None:
        plot_pass(r, plot, title=f"{f.tables['satellite']['name']}")
        typer.echo(f"wrote {plot}")
