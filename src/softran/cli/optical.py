"""``softran optical``: coherent optical transport (link and network planning, the
submarine power-budget question)."""

from __future__ import annotations

import json
import math
from pathlib import Path
from typing import Annotated, Any

import typer

from softran.cli.terminal import check_figure_path, make_console, output_path

__all__ = ["optical_app"]


optical_app = typer.Typer(help="Coherent optical transport: link and network planning.",
                          no_args_is_help=True)


def _fmt(v: Any) -> str:
    if v is None:
        return "-"
    if isinstance(v, bool):
        return "yes" if v else "no"
    if isinstance(v, float):
        if math.isinf(v):
            return "inf" if v > 0 else "-inf"
        return f"{v + 0.0:.2f}" if abs(v) >= 0.005 else "0.00"
    return str(v)


def _table(title: str, rows: list[dict[str, Any]], columns: list[tuple[str, str]]) -> Any:
    from rich.markup import escape
    from rich.table import Table

    t = Table(title=escape(title), title_justify="left")
    for key, head in columns:
        text = key in _TEXT_COLUMNS
        t.add_column(head, justify="left" if text else "right",
                     min_width=_TEXT_COLUMNS.get(key), overflow="fold", no_wrap=not text)
    for r in rows:
        t.add_row(*(escape(_fmt(r.get(key))) for key, _ in columns))
    return t


def _json_default(o: Any) -> Any:
    if isinstance(o, float) and not math.isfinite(o):
        return str(o)
    raise TypeError(f"not JSON serialisable: {type(o).__name__}")


def _clean(obj: Any) -> Any:
    if isinstance(obj, float) and not math.isfinite(obj):
        return "inf" if obj > 0 else "-inf"
    if isinstance(obj, dict):
        return {k: _clean(v) for k, v in obj.items()}
    if isinstance(obj, list | tuple):
        return [_clean(v) for v in obj]
    return obj


def _write(path: Path, text: str) -> Path:
    path.write_text(text, encoding="utf-8")   # its folder: made by output_path up front
    return path


_TEXT_COLUMNS = {"uid": 10, "type_variety": 8, "kind": 5, "quantity": 12, "value": 10,
                 "transceiver": 10, "mode": 8, "ladder_format": 10}

_CHANNEL_COLUMNS = [("channel", "ch"), ("frequency_thz", "f\nTHz"), ("power_dbm", "P rx\ndBm"),
                    ("osnr_ase_db", "OSNR\nASE dB"), ("snr_nli_db", "SNR\nNLI dB"),
                    ("gsnr_db", "GSNR\ndB"), ("gsnr_01nm_db", "GSNR\n0.1nm dB"),
                    ("shannon_gbps", "Shannon\nGb/s")]
_ELEMENT_COLUMNS = [("index", "#"), ("kind", "kind"), ("uid", "uid"), ("distance_km", "km"),
                    ("type_variety", "type"), ("loss_db", "loss\ndB"), ("gain_db", "gain\ndB"),
                    ("nf_db", "NF\ndB"), ("power_dbm", "P ch\ndBm"), ("osnr_added_db", "OSNR+\ndB"),
                    ("snr_nli_added_db", "NLI+\ndB"), ("gsnr_db", "GSNR\ndB")]
_ELEMENT_COLUMNS_NARROW = [("index", "#"), ("uid", "uid"), ("distance_km", "km"),
                           ("loss_db", "loss"), ("gain_db", "gain"), ("nf_db", "NF"),
                           ("osnr_added_db", "OSNR+"), ("snr_nli_added_db", "NLI+"),
                           ("gsnr_db", "GSNR")]


@optical_app.command("plan")
def optical_plan(
    link: Annotated[Path, typer.Argument(
        help="A softran link file (.toml) or a GNPy topology (.json, with --equipment).")],
    equipment: Annotated[Path | None, typer.Option(
        "--equipment", "-e", help="GNPy equipment file (eqpt_config.json) for a .json topology.")]
    = None,
    sim_params: Annotated[Path | None, typer.Option(
        help="GNPy sim_params.json (Raman flag: stimulated Raman scattering).")] = None,
    source: Annotated[str | None, typer.Option(
        help="Source transceiver uid (default: the topology's first).")] = None,
    destination: Annotated[str | None, typer.Option(
        help="Destination transceiver uid (default: the topology's second).")] = None,
    power: Annotated[float | None, typer.Option(
        help="Reference power per channel [dBm] for the design (GNPy -po).")] = None,
    no_insert_amplifiers: Annotated[bool, typer.Option(
        help="Keep the topology's elements: no fibre split, no added amplifier.")] = False,
    channels: Annotated[bool, typer.Option(
        help="Print the per-channel table.")] = False,
    csv: Annotated[Path | None, typer.Option(
        help="Write the per-channel table (CSV).")] = None,
    elements_csv: Annotated[Path | None, typer.Option(
        help="Write the per-element table (CSV).")] = None,
    noise_csv: Annotated[Path | None, typer.Option(
        help="Write ASE and NLI per span and per channel (CSV).")] = None,
    as_json: Annotated[bool, typer.Option(
        "--json", help="Print the result as JSON (no tables).")] = False,
    plot: Annotated[Path | None, typer.Option(
        help="Link file: write GSNR versus launch power (.png/.svg).")] = None,
    plot_frequency: Annotated[Path | None, typer.Option(
        help="Write GSNR versus channel frequency (.png/.svg).")] = None,
    plot_distance: Annotated[Path | None, typer.Option(
        help="Write GSNR versus distance (.png/.svg).")] = None,
) -> None:
    """Plan a link file or a path of a GNPy network with the GN model.

    Per span ASE and NLI, per-channel GSNR, OSNR and NLI, optimum launch power, rate,
    latency. A .toml link file is planned in closed form (the summary) and propagated channel by
    channel (tables, plots); a GNPy topology (.json) with its equipment file is designed as
    GNPy's auto-design does and propagated from --source to --destination."""
    from softran.optical.network_plan import plot_gsnr_vs_distance, plot_gsnr_vs_frequency

    suffix = link.suffix.lower()
    if suffix not in (".toml", ".json"):
        raise ValueError(f"link = {str(link)!r}: the file must be .toml (softran link) or "
                         ".json (GNPy topology)")
    # output paths are checked (and their folders created) before any work
    for name, fig in (("plot", plot), ("plot_frequency", plot_frequency),
                      ("plot_distance", plot_distance)):
        if fig is not None:
            check_figure_path(name, fig)
            output_path(fig, name)
    for name, table_path in (("csv", csv), ("elements_csv", elements_csv),
                             ("noise_csv", noise_csv)):
        if table_path is not None:
            output_path(table_path, name)
    out = make_console()
    extra: dict[str, Any] = {}
    if suffix == ".toml":
        for name, value in (("--equipment", equipment), ("--sim-params", sim_params),
                            ("--source", source), ("--destination", destination),
                            ("--power", power)):
            if value is not None:
                raise ValueError(f"{name} applies to a GNPy topology (.json), not to a link "
                                 "file (set it in the .toml)")
        net_plan, extra = _plan_toml(link, plot, out, as_json)
    else:
        if plot is not None:
            raise ValueError("--plot (GSNR versus launch power) applies to a link file; use "
                             "--plot-frequency / --plot-distance for a network")
        if equipment is None:
            raise ValueError(f"{link}: a GNPy topology needs --equipment EQPT.json")
        net_plan = _plan_gnpy(link, equipment, sim_params, source, destination, power,
                              not no_insert_amplifiers)
    written = []
    for path, table in ((csv, "channels"), (elements_csv, "elements"), (noise_csv, "noise")):
        if path is not None:
            written.append(_write(path, net_plan.csv_text(table)))
    if plot_frequency is not None:
        written.append(plot_gsnr_vs_frequency(net_plan, plot_frequency))
    if plot_distance is not None:
        written.append(plot_gsnr_vs_distance(net_plan, plot_distance))
    if as_json:
        doc = {**extra, **net_plan.to_json()}
        typer.echo(json.dumps(_clean(doc), indent=1, default=_json_default))
        return
    if suffix == ".json":
        s = net_plan.summary()
        rows = [{"quantity": k, "value": v} for k, v in s.items()]
        out.print(_table(f"{s['network']}: {s['source']} -> {s['destination']}", rows,
                         [("quantity", "quantity"), ("value", "value")]))
        w = net_plan.worst_channel
        narrow = out.width < 120
        out.print(_table(f"elements, channel {w + 1} (the worst): OSNR+ / NLI+ = signal over "
                         "the ASE / NLI the element adds, GSNR = line so far",
                         net_plan.element_rows(),
                         _ELEMENT_COLUMNS_NARROW if narrow else _ELEMENT_COLUMNS))
        modes = net_plan.mode_rows()
        if modes:
            out.print(_table("transceiver modes (margin = GSNR 0.1 nm - penalty - sys_margins "
                             "- OSNR)", modes,
                             [("transceiver", "transceiver"), ("mode", "mode"),
                              ("bit_rate_gbps", "Gb/s"), ("required_osnr_db", "OSNR\nreq dB"),
                              ("penalty_db", "penalty\ndB"), ("margin_db", "margin\ndB"),
                              ("feasible", "ok")]))
    if channels or suffix == ".toml" and net_plan.options.srs:
        out.print(_table("channels", net_plan.channel_rows(), _CHANNEL_COLUMNS))
    for path in written:
        out.print(f"wrote {path}")


def _plan_toml(path: Path, plot: Path | None, out: Any, quiet: bool) -> tuple[Any, dict]:
    from softran.optical.link import load_link
    from softran.optical.network_plan import link_to_network, plan_network
    from softran.optical.network_propagation import PropagationOptions
    from softran.optical.planner import plan, plan_summary_table, plan_table, plot_gsnr_vs_power

    link = load_link(path)
    result = plan(link)
    net, eq = link_to_network(link, result.launch_power_dbm)
    options = PropagationOptions(srs=link.model.srs,
                                 nli_from_total_power=link.model.nli_from_total_power,
                                 ase_exact=True)
    net_plan = plan_network(net, eq, design=False, options=options)
    extra = {"closed_form": {
        "launch_power_dbm": result.launch_power_dbm,
        "optimum_launch_power_dbm": result.optimum_launch_power_dbm,
        "worst_gsnr_db": result.worst_gsnr_db, "modulation": result.modulation,
        "net_rate_gbps": None if result.net_rate_bps is None else result.net_rate_bps / 1e9,
        "latency_us": result.latency_s * 1e6}}
    if not quiet:
        out.print(plan_table(result, narrow=out.width < 120))
        out.print(plan_summary_table(result))
        if link.model.srs or link.model.nli_from_total_power:
            g = net_plan.result.gsnr_db
            out.print(f"[model] srs = {link.model.srs}, nli_from_total_power = "
                      f"{link.model.nli_from_total_power}: propagated GSNR worst / best "
                      f"{float(g.min()):.2f} / {float(g.max()):.2f} dB at "
                      f"{result.launch_power_dbm:.2f} dBm/ch (the summary above is the "
                      "closed form without them)")
    if plot is not None:
        written = plot_gsnr_vs_power(link, plot)
        if not quiet:
            out.print(f"wrote {written}")
    return net_plan, extra


def _plan_gnpy(topology: Path, equipment: Path, sim_params: Path | None, source: str | None,
               destination: str | None, power: float | None, insert: bool) -> Any:
    from softran.optical.gnpy_json import (
        load_gnpy_equipment,
        load_gnpy_sim_params,
        load_gnpy_topology,
    )
    from softran.optical.network_plan import plan_network

    eq = load_gnpy_equipment(equipment)
    net = load_gnpy_topology(topology, eq)
    options = load_gnpy_sim_params(sim_params) if sim_params is not None else None
    return plan_network(net, eq, source, destination, power_dbm=power, options=options,
                        insert_amplifiers=insert)


@optical_app.command("submarine")
def optical_submarine(
    cable: Annotated[Path, typer.Argument(help="Submarine cable description (TOML).")],
    plot: Annotated[Path | None, typer.Option(
        help="Write capacity versus number of fibre pairs (.png/.svg).")] = None,
    csv: Annotated[Path | None, typer.Option(
        help="Write the capacity per number of fibre pairs (CSV).")] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print the result as JSON.")] = False,
) -> None:
    """Fibre pairs and launch power for the most capacity under a power-feed budget.

    How many fibre pairs, at what launch power, carry the most capacity when the electrical
    power fed to the repeaters is the limit (Shannon and a real modulation/FEC ladder)."""
    from softran.optical.submarine import (
        load_cable,
        optimise_cable,
        plot_capacity_vs_pairs,
        sweep_rows,
    )

    spec = load_cable(cable)
    if plot is not None:
        check_figure_path("plot", plot)
        output_path(plot, "plot")
    if csv is not None:
        output_path(csv, "csv")
    result = optimise_cable(spec)
    written = []
    if csv is not None:
        import csv as _csv
        import io

        rows = sweep_rows(result)
        buf = io.StringIO()
        w = _csv.DictWriter(buf, fieldnames=list(rows[0]), lineterminator="\n")
        w.writeheader()
        w.writerows(rows)
        written.append(_write(csv, buf.getvalue()))
    if plot is not None:
        written.append(plot_capacity_vs_pairs(result, plot))
    if as_json:
        typer.echo(json.dumps(_clean(result.to_json()), indent=1, default=_json_default))
        return
    out = make_console()
    s = result.summary()
    out.print(_table(f"{spec.name}: optimum under the {spec.power_budget_w / 1e3:g} kW "
                     "electrical budget", [{"quantity": k, "value": v} for k, v in s.items()],
                     [("quantity", "quantity"), ("value", "value")]))
    out.print(_table("capacity versus fibre pairs (each pair at its best launch power)",
                     sweep_rows(result),
                     [("pairs", "pairs"), ("available_mw_per_amplifier", "avail.\nmW/amp"),
                      ("used_mw_per_amplifier", "used\nmW/amp"),
                      ("launch_dbm_per_channel", "launch\ndBm/ch"),
                      ("gsnr_db", "GSNR\ndB"), ("shannon_tbps", "Shannon\nTb/s"),
                      ("ladder_tbps", "ladder\nTb/s"), ("ladder_format", "format")]))
    for path in written:
        out.print(f"wrote {path}")
