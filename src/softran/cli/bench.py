"""``softran bench``: measurements of the software itself on this machine -- the per-slot
latency of every physical-layer stage of a cell against the slot budget
(:mod:`softran.sim.latency`)."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Annotated, Any

import typer

from softran.cli.terminal import make_console

__all__ = ["bench_app"]

bench_app = typer.Typer(help="Measure the software on this machine: per-slot latency of a "
                             "cell's stages.", no_args_is_help=True)


class _Progress:
    """A Rich bar on a terminal; otherwise one line per step on stderr (logs, pipes)."""

    def __init__(self, quiet: bool) -> None:
        self.quiet = quiet
        self.tty = sys.stderr.isatty()
        self._bar: Any = None
        self._task: Any = None
        self._phase = ""

    def __call__(self, phase: str, done: int, total: int) -> None:
        if self.quiet:
            return
        if not self.tty:
            typer.echo(f"{phase}: {done}/{total}", err=True)
            return
        if self._bar is None:
            from rich.console import Console
            from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn

            self._bar = Progress(TextColumn("{task.description}"), BarColumn(),
                                 MofNCompleteColumn(), console=Console(stderr=True),
                                 transient=True)
            self._bar.start()
        if phase != self._phase:
            self._phase = phase
            self._task = self._bar.add_task(phase, total=total)
        self._bar.update(self._task, completed=done, total=total)

    def stop(self) -> None:
        if self._bar is not None:
            self._bar.stop()


@bench_app.command("latency")
def bench_latency(
    prb: Annotated[int, typer.Option("--prb", help="PRBs of the carrier (1..275).")] = 51,
    scs: Annotated[int, typer.Option(help="Subcarrier spacing in kHz: 15, 30, 60, 120.")] = 30,
    rx: Annotated[int, typer.Option("--rx", help="Receive antennas (= fronthaul eAxCs).")] = 2,
    mcs: Annotated[int, typer.Option(help="Uplink MCS index (0..28).")] = 16,
    mcs_table: Annotated[str, typer.Option(help="Uplink MCS table: qam64, qam256, "
                                                "qam64LowSE.")] = "qam64",
    dl_mcs: Annotated[int, typer.Option(help="Downlink MCS index (0..28).")] = 27,
    dl_mcs_table: Annotated[str, typer.Option(help="Downlink MCS table.")] = "qam256",
    dl_layers: Annotated[int, typer.Option(help="Downlink layers (1..4).")] = 2,
    snr: Annotated[float | None, typer.Option(
        help="Uplink SNR per RE and antenna, dB (default: 2 dB above the 70 % throughput "
             "point).")] = None,
    ldpc_kernel: Annotated[str, typer.Option(
        help="LDPC decoder kernel: numba-int8 (fixed point), numba (float), torch.")
    ] = "numba-int8",
    width: Annotated[int, typer.Option(help="BFP mantissa width of the fronthaul.")] = 9,
    slots: Annotated[int, typer.Option(help="Slots measured per chain (>= 1).")] = 1000,
    warmup: Annotated[int, typer.Option(help="Unmeasured slots first (JIT, caches).")] = 50,
    chain: Annotated[list[str] | None, typer.Option(
        help="Chains to run: UL, DL, FH (repeat the option; default all).")] = None,
    out: Annotated[Path | None, typer.Option(
        help="Write the CSV here and the stacked-bar plot beside it (.png).")] = None,
    quiet: Annotated[bool, typer.Option("--quiet", help="No progress output.")] = False,
) -> None:
    """Per-slot latency of every stage of the UL, DL and fronthaul chains on one thread.

    Median, 99th percentile and maximum of the CPU and the wall time of each stage of the
    uplink receive chain, the downlink transmit chain and the fronthaul, against the slot
    budget."""
    import numpy as np
    from rich import box
    from rich.table import Table

    from softran.sim.latency import (
        LatencyConfig,
        measure_latency,
        plot_latency,
        write_latency_csv,
    )
    from softran.validation import check_choice

    chains = tuple(check_choice("chain", c.upper(), ("UL", "DL", "FH")) for c in chain) \
        if chain else ("UL", "DL", "FH")
    if out is not None and out.suffix.lower() != ".csv":
        raise ValueError(f"out = {str(out)!r} is not allowed; give a .csv path (the plot is "
                         "written beside it as .png)")
    cfg = LatencyConfig(n_prb=prb, scs=scs, n_rx=rx, ul_mcs=mcs, ul_mcs_table=mcs_table,
                        dl_mcs=dl_mcs, dl_mcs_table=dl_mcs_table, dl_layers=dl_layers,
                        snr_db=snr, ldpc_kernel=ldpc_kernel, bfp_width=width, n_slots=slots,
                        warmup=warmup, chains=chains)
    progress = _Progress(quiet)
    try:
        report = measure_latency(cfg, progress=progress)
    finally:
        progress.stop()
    budget = report.slot_s * 1e6
    # fits 80 columns: short stage names, no borders, the wall maximum only in the CSV
    table = Table(title=f"{prb} PRB, {scs} kHz, {rx} rx, {slots} slots, one thread: µs per "
                        f"slot (budget {budget:.0f})",
                  title_justify="left", box=box.SIMPLE_HEAD, pad_edge=False,
                  show_edge=False)
    table.add_column("", no_wrap=True)
    table.add_column("stage", no_wrap=True)
    for head in ("CPU med", "p99", "max", "wall med", "p99", "%slot"):
        table.add_column(head, justify="right", no_wrap=True)
    for s in list(report.stages) + list(report.totals.values()) + list(report.calls):
        c, w = s.stats("cpu"), s.stats("wall")
        style = "bold" if s.stage == "total" or s in report.calls else None
        table.add_row(s.chain, s.stage, *(f"{c[q] * 1e6:.0f}" for q in ("median", "p99", "max")),
                      *(f"{w[q] * 1e6:.0f}" for q in ("median", "p99")),
                      f"{c['p99'] * 1e6 / budget:.0%}", style=style)
    console = make_console()
    console.print(table)
    console.print(f"load average {report.load[0]:.2f} before, {report.load[1]:.2f} after "
                  "(CPU time is what a free core needs; wall time includes waiting for one)")
    if report.reference_cpu.size:
        ref = report.reference_cpu * 1e6
        console.print(f"reference workload (a fixed arithmetic loop: the host's speed and "
                      f"jitter, to compare runs) CPU best {ref.min():.1f}, median "
                      f"{np.median(ref):.1f}, p99 {np.quantile(ref, 0.99):.1f} µs",
                      highlight=False)
    for k, v in report.notes.items():
        console.print(f"{k}: {v}", highlight=False)
    if out is not None:
        write_latency_csv(report, out)
        png = plot_latency(report, out.with_suffix(".png"))
        typer.echo(f"wrote {out}, {png}")
