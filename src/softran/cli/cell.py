"""``softran cell``: a whole cell in software -- test MAC + FAPI PHY (O-DU), O-RAN fronthaul,
O-RU, the air and UEs, from cell search to data."""

from __future__ import annotations

import csv
import time
from pathlib import Path
from typing import Annotated, Any

import typer

from softran.cli.terminal import check_figure_path, make_console, output_path

__all__ = ["cell_app"]

cell_app = typer.Typer(help="A whole cell: O-DU (MAC + FAPI PHY), fronthaul, O-RU, air, UEs.",
                       no_args_is_help=True)

_COLUMNS = ("ue", "state", "rnti", "found_ms", "attach_ms", "preambles", "timing_advance",
            "dl_bytes", "dl_expected", "dl_intact", "ul_bytes", "ul_expected", "ul_intact",
            "dl_blocks", "dl_bler", "dl_retx", "ul_blocks", "ul_bler", "ul_retx", "dl_mbps",
            "dl_tb_mbps", "dl_scheduled_mbps", "ul_mbps", "ul_tb_mbps", "ul_scheduled_mbps",
            "cqi", "csi_reports", "dl_mcs")


def _fmt(v: Any) -> str:
    if v is None:
        return "-"
    if isinstance(v, bool):
        return "yes" if v else "no"
    if isinstance(v, float):
        return f"{v:.3g}"
    return str(v)


def _dashboard(cell: Any, n: int, total: int) -> Any:
    """The live view: per UE state, bytes, BLER, HARQ retransmissions, TA; fronthaul."""
    from rich.table import Table

    r = cell.result()
    table = Table(title=f"slot {n}/{total} ({n * cell.slot_ms:g} ms simulated)",
                  title_justify="left")
    for name in ("UE", "state", "DL bytes", "DL BLER", "DL reTx", "UL bytes", "UL BLER",
                 "UL reTx", "TA"):
        table.add_column(name, justify="left" if name in ("UE", "state") else "right")
    for u in r.ues:
        table.add_row(str(u.ue), u.state, f"{u.dl_bytes}/{u.dl_expected}", f"{u.dl_bler:.3f}",
                      str(u.dl_retx), f"{u.ul_bytes}/{u.ul_expected}", f"{u.ul_bler:.3f}",
                      str(u.ul_retx), _fmt(u.timing_advance))
    table.caption = "fronthaul: " + ", ".join(f"{k} {v}" for k, v in r.fronthaul.items())
    return table


@cell_app.command("run")
def cell_run(
    cell_file: Annotated[Path, typer.Argument(help="Cell file (TOML): [cell], [fronthaul], "
                                                   "[[ue]].")],
    inline: Annotated[bool, typer.Option(
        "--inline", help="Run O-DU, O-RU, air and UEs in this one process (required: the "
                         "separate-process mode is not built yet).")] = False,
    frames: Annotated[int | None, typer.Option(
        help="Frames of 10 ms to run (default: the cell file's).")] = None,
    out: Annotated[Path | None, typer.Option(
        help="Folder for results.csv (one row per UE) and events.txt.")] = None,
    pcap: Annotated[Path | None, typer.Option(
        help="Write the fronthaul (eCPRI) and FAPI (SCF 222 over UDP) messages to this pcap.")
    ] = None,
    plot: Annotated[Path | None, typer.Option(
        help="Write throughput and BLER against time, per UE, to this .png or .svg.")] = None,
) -> None:
    """Run the cell in simulated time and print per-UE state, throughput, BLER and HARQ.

    Each UE searches the cell, reads SIB1, attaches by 4-step random access and then moves
    the cell file's bytes down- and uplink; the table says whether they arrived intact."""
    from rich.table import Table

    from softran.cell.config import load_cell_config
    from softran.cell.run import InlineCell
    from softran.report_table import record_table

    if frames is not None and not 1 <= frames <= 10_000:
        raise ValueError(f"frames = {frames} is not allowed; allowed: 1..10000")
    if out is not None:
        out = output_path(out, "out", folder=True)
    if pcap is not None:
        pcap = output_path(pcap, "pcap")
    plot = check_figure_path("plot", plot)
    if plot is not None:
        plot = output_path(plot, "plot")
    config = load_cell_config(cell_file)
    if not inline:
        raise ValueError("the separate-process cell (O-DU, O-RU, air and UEs over loopback UDP) "
                         "is not built yet; run with --inline")
    console = make_console()
    cell = InlineCell(config, pcap=pcap)
    total = (frames or config.cell.frames) * cell.plan.slots_per_frame
    t0 = time.monotonic()

    def states(c: InlineCell) -> str:
        return ", ".join(f"UE {u.ue_id}: {u.state}" for u in c.ues)

    if console.is_terminal:
        from rich.live import Live

        with Live(_dashboard(cell, 0, total), console=console, refresh_per_second=4,
                  transient=True) as live:

            def progress(n: int, tot: int, c: InlineCell) -> None:
                live.update(_dashboard(c, n, tot))

            result = cell.run(total, progress)
    else:
        step = max(1, cell.plan.slots_per_frame // 2)

        def progress(n: int, tot: int, c: InlineCell) -> None:
            if n % step == 0 or n == tot:
                print(f"slot {n}/{tot} ({n * c.slot_ms:g} ms, {time.monotonic() - t0:.1f} s): "
                      f"{states(c)}", flush=True)

        result = cell.run(total, progress)

    fields = [("UE", "left"), ("state", "left"), ("attach (ms)", "right"),
              ("DL bytes", "right"), ("DL Mbit/s SDU/TB/sched", "right"), ("DL BLER", "right"),
              ("DL reTx", "right"), ("UL bytes", "right"), ("UL Mbit/s SDU/TB/sched", "right"),
              ("UL BLER", "right"), ("UL reTx", "right"), ("TA", "right"), ("CQI", "right"),
              ("DL MCS", "right")]
    records = [[
        str(u.ue), u.state, _fmt(u.attach_ms),
        f"{u.dl_bytes}/{u.dl_expected}" + (" ok" if u.dl_intact else ""),
        f"{u.dl_mbps:.2f}/{u.dl_tb_mbps:.2f}/{u.dl_scheduled_mbps:.2f}", f"{u.dl_bler:.3f}",
        str(u.dl_retx), f"{u.ul_bytes}/{u.ul_expected}" + (" ok" if u.ul_intact else ""),
        f"{u.ul_mbps:.2f}/{u.ul_tb_mbps:.2f}/{u.ul_scheduled_mbps:.2f}", f"{u.ul_bler:.3f}",
        str(u.ul_retx), _fmt(u.timing_advance), _fmt(u.cqi), _fmt(u.dl_mcs)]
        for u in result.ues]
    table = record_table(f"{cell_file.name}: {result.slots} slots "
                         f"({result.slots * result.slot_ms:g} ms simulated)", fields, records,
                         width=console.width)
    console.print(table)
    cpu = Table(title="CPU time per slot (ms)", title_justify="left")
    cpu.add_column("stage")
    cpu.add_column("ms / slot", justify="right")
    for k, v in result.cpu_per_slot.items():
        cpu.add_row(k, f"{1e3 * v:.2f}")
    console.print(cpu)
    counters = {**result.counters, **result.fronthaul}
    console.print("counters: " + ", ".join(f"{k} {v}" for k, v in counters.items()))
    if out is not None:
        with open(out / "results.csv", "w", newline="") as f:
            w = csv.writer(f)
            w.writerow(_COLUMNS)
            for u in result.ues:
                w.writerow([getattr(u, c) for c in _COLUMNS])
        (out / "events.txt").write_text("".join(f"{t:8.1f} ms  {e}\n" for t, e in result.log))
        console.print(f"wrote {out / 'results.csv'} and {out / 'events.txt'}")
    if pcap is not None:
        console.print(f"wrote {pcap}")
    if plot is not None:
        from softran.cell.plots import plot_cell

        console.print(f"wrote {plot_cell(cell.history, plot)}")
