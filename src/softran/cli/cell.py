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
    """The live view: per UE state, bytes, throughput (transport blocks received correctly),
    BLER, HARQ retransmissions, CQI, TA; fronthaul counters; in process mode the CPU seconds
    each process has used."""
    from rich.table import Table

    r = cell.result()
    table = Table(title=f"slot {n}/{total} ({n * cell.slot_ms:g} ms simulated); DL | UL: kB "
                  "received, Mbit/s, BLER, HARQ reTx", title_justify="left", box=None,
                  pad_edge=False, padding=(0, 1))
    for name in ("UE", "state", "DL kB", "Mbit/s", "BLER", "reTx", "UL kB", "Mbit/s", "BLER",
                 "reTx", "CQI", "TA"):
        table.add_column(name, justify="left" if name in ("UE", "state") else "right")
    for u in r.ues:
        table.add_row(str(u.ue), u.state, f"{u.dl_bytes / 1e3:.1f}", f"{u.dl_tb_mbps:.2f}",
                      f"{u.dl_bler:.2f}", str(u.dl_retx), f"{u.ul_bytes / 1e3:.1f}",
                      f"{u.ul_tb_mbps:.2f}", f"{u.ul_bler:.2f}", str(u.ul_retx), _fmt(u.cqi),
                      _fmt(u.timing_advance))
    table.caption = "fronthaul: " + ", ".join(f"{k} {v}" for k, v in r.fronthaul.items())
    cpu = getattr(cell, "process_cpu", None)
    if cpu:                                      # separate processes: CPU seconds of each
        table.caption += "\nCPU s per process: " + ", ".join(
            f"{role} {sec:.1f}" for role, sec in cpu.items())
    return table


@cell_app.command("run")
def cell_run(
    cell_file: Annotated[Path, typer.Argument(help="Cell file (TOML): [cell], [fronthaul], "
                                                   "[[ue]].")],
    inline: Annotated[bool, typer.Option(
        "--inline", help="Run O-DU, O-RU, air and UEs in this one process (default: each "
                         "in a process of its own, over loopback sockets).")] = False,
    port: Annotated[int, typer.Option(
        help="UDP port of the O-DU's fronthaul socket; the O-RU's is PORT+1 (0: free ports). "
             "Not with --inline.")] = 0,
    realtime: Annotated[bool, typer.Option(
        "--realtime", help="Start each slot on the wall clock and report the slot time per "
                           "stage against the slot budget.")] = False,
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
    from softran.cell.config import load_cell_config
    from softran.cell.run import InlineCell

    if frames is not None and not 1 <= frames <= 10_000:
        raise ValueError(f"frames = {frames} is not allowed; allowed: 1..10000")
    if out is not None:
        out = output_path(out, "out", folder=True)
    if pcap is not None:
        pcap = output_path(pcap, "pcap")
    plot = check_figure_path("plot", plot)
    if plot is not None:
        plot = output_path(plot, "plot")
    if not 0 <= port <= 65534:
        raise ValueError(f"port = {port} is not allowed; allowed: 0..65534")
    if inline and port:
        raise ValueError(f"port = {port}: --port is for the separate processes; drop it or "
                         "--inline")
    config = load_cell_config(cell_file)
    console = make_console()
    cell: Any
    t0 = time.monotonic()
    if inline:
        cell = InlineCell(config, pcap=pcap, realtime=realtime)
    else:
        from softran.cell.processes import ProcessCell

        cell = ProcessCell(config, port=port, pcap=pcap, realtime=realtime)
        console.print("processes: " + ", ".join(f"{r} pid {p}" for r, p in cell.pids.items())
                      + f"; fronthaul UDP ports {cell.ports[0]} (O-DU), {cell.ports[1]} (O-RU)")
    try:
        result = _run(cell, config, frames, console, t0)
    except KeyboardInterrupt:
        what = "the cell" if inline else ("the cell's processes (" + ", ".join(cell.pids) + ")")
        typer.echo(f"softran: interrupted: stopped {what} after slot {cell.n_done}", err=True)
        raise typer.Exit(130) from None
    finally:
        close = getattr(cell, "close", None)
        if callable(close):
            close()
    wall = time.monotonic() - t0
    _report(cell, result, cell_file, console, realtime, wall, inline)
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


def _run(cell: Any, config: Any, frames: int | None, console: Any, t0: float) -> Any:
    """Run ``cell`` with the live dashboard (a terminal) or progress lines (piped)."""
    total = (frames or config.cell.frames) * cell.plan.slots_per_frame

    def states(c: Any) -> str:
        return ", ".join(f"UE {u.ue_id}: {u.state}" for u in c.ues)

    if console.is_terminal:
        from rich.live import Live

        with Live(_dashboard(cell, 0, total), console=console, refresh_per_second=4,
                  transient=True) as live:

            def progress(n: int, tot: int, c: Any) -> None:
                live.update(_dashboard(c, n, tot))

            return cell.run(total, progress)
    step = max(1, cell.plan.slots_per_frame // 2)

    def progress_line(n: int, tot: int, c: Any) -> None:
        if n % step == 0 or n == tot:
            print(f"slot {n}/{tot} ({n * c.slot_ms:g} ms, {time.monotonic() - t0:.1f} s): "
                  f"{states(c)}", flush=True)

    return cell.run(total, progress_line)


def _report(cell: Any, result: Any, cell_file: Path, console: Any, realtime: bool, wall: float,
            inline: bool) -> None:
    """The per-UE table, CPU time per stage (against the slot budget with ``realtime``) and
    the counters."""
    from rich.table import Table

    from softran.report_table import record_table

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
    budget = result.slot_ms
    cpu = Table(title="CPU time per slot (ms)" + (f" against the {budget:g} ms slot budget"
                                                  if realtime else ""), title_justify="left")
    cpu.add_column("stage")
    cpu.add_column("ms / slot", justify="right")
    if realtime:
        cpu.add_column("x budget", justify="right")
        cpu.add_column("wall ms", justify="right")
    for k, v in result.cpu_per_slot.items():
        row = [k, f"{1e3 * v:.2f}"]
        if realtime:
            w = result.wall_per_slot.get(k)
            row += [f"{1e3 * v / budget:.1f}", "-" if w is None else f"{1e3 * w:.2f}"]
        cpu.add_row(*row)
    console.print(cpu)
    walls = sorted(cell.slot_wall)
    if walls:
        mean = sum(walls) / len(walls)
        p95 = walls[min(len(walls) - 1, int(0.95 * len(walls)))]
        line = (f"slot wall time ({'one process' if inline else 'processes'}): mean "
                f"{1e3 * mean:.1f} ms, 95 % {1e3 * p95:.1f} ms, max {1e3 * walls[-1]:.1f} ms "
                f"per {budget:g} ms slot; run {wall:.1f} s")
        if realtime and cell.pacer is not None:
            over = sum(w > budget / 1e3 for w in walls)
            line += (f"; {over} of {len(walls)} slots over budget, {cell.pacer.late_slots} "
                     "started more than a slot late")
        console.print(line)
    counters = {**result.counters, **result.fronthaul}
    console.print("counters: " + ", ".join(f"{k} {v}" for k, v in counters.items()))
