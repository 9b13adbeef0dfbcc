"""Transmitter measurements on recordings: ``softran measure evm`` (TS 38.104 Annex B) and
``softran measure aclr`` (TS 38.104 §6.6.3)."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any

import typer

from softran.cli.terminal import make_console

__all__ = ["aclr", "evm", "measure_app"]

measure_app = typer.Typer(help="Transmitter measurements on recordings (EVM, ACLR).",
                          no_args_is_help=True)


def _meta(meta: dict[str, Any], key: str, given: Any, what: str) -> Any:
    """An option, else the recording's softran metadata, else a one-line error."""
    if given is not None:
        return given
    value = meta.get(f"softran:{key}")
    if value is None:
        raise ValueError(f"the recording has no softran:{key} metadata; give {what}")
    return value


def _stem(recording: Path) -> str:
    name = recording.name
    for suffix in (".sigmf-meta", ".sigmf-data", ".npy"):
        name = name.removesuffix(suffix)
    return name


@measure_app.command("evm")
def evm(
    recording: Annotated[Path, typer.Argument(help="SigMF recording of a test model "
                                                   "(.sigmf-meta or base name).")],
    test_model: Annotated[str | None, typer.Option(
        help="NR-FR1 test model (default: the recording's metadata).")] = None,
    bandwidth: Annotated[int | None, typer.Option(
        help="Channel bandwidth in MHz (default: the recording's metadata).")] = None,
    scs: Annotated[int | None, typer.Option(
        help="Subcarrier spacing in kHz (default: the recording's metadata).")] = None,
    duplex: Annotated[str | None, typer.Option(
        help="fdd or tdd (default: the recording's metadata).")] = None,
    n_cell_id: Annotated[int | None, typer.Option(
        help="Physical cell identity (default: the recording's metadata, else 1).")] = None,
    window_length: Annotated[int | None, typer.Option(
        help="EVM window W in samples (default: TS 38.104 Table B.5.2-x).")] = None,
    out: Annotated[Path | None, typer.Option(
        help="Folder for the plots (default: next to the recording).")] = None,
) -> None:
    """EVM of a test-model recording per TS 38.104 Annex B, against Table 6.5.2.2-1.

    Writes EVM-vs-subcarrier, EVM-vs-symbol and constellation plots (PNG)."""
    from rich.markup import escape
    from rich.table import Table

    from softran.recording import read_recording
    from softran.sim.evm import measure_evm
    from softran.sim.measurement_plots import plot_evm
    from softran.sim.nr_tm import nr_tm

    x, fs, meta = read_recording(recording)
    name = _meta(meta, "test_model", test_model, "--test-model")
    bw = int(_meta(meta, "bandwidth_mhz", bandwidth, "--bandwidth"))
    sc = int(_meta(meta, "subcarrier_spacing_khz", scs, "--scs"))
    dx = str(_meta(meta, "duplex", duplex, "--duplex"))
    cell = int(n_cell_id if n_cell_id is not None else meta.get("softran:n_cell_id", 1))
    nfft = round(fs / (sc * 1e3))
    console = make_console()
    console.print(escape(f"recording {recording}: {x.shape[-1]} samples at {fs / 1e6:g} MHz"))
    with console.status(f"regenerating {name} ({bw} MHz, {sc} kHz, {dx.upper()}) ..."):
        reference = nr_tm(name, bw, sc, duplex=dx, n_cell_id=cell, nfft=nfft)
    if x.shape[0] != 1:
        raise ValueError(f"the recording has {x.shape[0]} channels; EVM is measured on one")
    with console.status("measuring EVM ..."):
        result = measure_evm(x[0], fs, reference, window_length=window_length)
    table = Table(title=escape(f"EVM of {name}, {bw} MHz, {sc} kHz {dx.upper()} "
                               f"(TS 38.104 Annex B)"), title_justify="left")
    for col in ("modulation", "RMS EVM (%)", "peak EVM (%)", "limit (%)", "verdict"):
        table.add_column(col, justify="right")
    verdicts = result.passed()
    for m, v in result.rms_percent.items():
        table.add_row(m, f"{v:.3f}", f"{result.peak_percent[m]:.3f}",
                      f"{result.limits_percent[m]:g}", "PASS" if verdicts[m] else "FAIL")
    console.print(table)
    console.print(f"timing {result.timing} samples, frequency offset {result.cfo_hz:.2f} Hz, "
                  f"IQ offset {100 * result.iq_offset:.3f} %")
    console.print(f"EVM window W = {result.window_length} samples ({result.window} position "
                  "reported)")
    folder = recording.parent if out is None else out
    for path in plot_evm(result, folder / _stem(recording), title=name):
        typer.echo(f"wrote      {path}")
    if not all(verdicts.values()):
        raise typer.Exit(1)


@measure_app.command("aclr")
def aclr(
    recording: Annotated[Path, typer.Argument(help="Recording: SigMF (.sigmf-meta or base "
                                                   "name) or complex64 .npy.")],
    bandwidth: Annotated[int | None, typer.Option(
        help="Channel bandwidth in MHz (default: the recording's metadata).")] = None,
    scs: Annotated[int | None, typer.Option(
        help="Subcarrier spacing in kHz (default: the recording's metadata).")] = None,
    sample_rate: Annotated[float | None, typer.Option(
        help="Sample rate in Hz (required for .npy).")] = None,
    out: Annotated[Path | None, typer.Option(
        help="Folder for the plot (default: next to the recording).")] = None,
) -> None:
    """ACLR for adjacent NR channels of the same bandwidth (TS 38.104 §6.6.3), limit 45 dB.

    Writes the spectrum with the measurement bands (PNG)."""
    from rich.markup import escape
    from rich.table import Table

    from softran.recording import read_recording
    from softran.sim.aclr import measure_aclr
    from softran.sim.measurement_plots import plot_aclr

    x, fs, meta = read_recording(recording, sample_rate=sample_rate)
    bw = int(_meta(meta, "bandwidth_mhz", bandwidth, "--bandwidth"))
    sc = int(_meta(meta, "subcarrier_spacing_khz", scs, "--scs"))
    n_rb = meta.get("softran:n_size_grid")
    result = measure_aclr(x, fs, bandwidth_mhz=bw, scs_khz=sc,
                          n_rb=None if n_rb is None else int(n_rb))
    table = Table(title=escape(f"ACLR of a {bw} MHz channel at {sc} kHz "
                               f"(TS 38.104 §6.6.3)"), title_justify="left")
    for col in ("adjacent channel", "offset (MHz)", "ACLR (dB)", "limit (dB)", "verdict"):
        table.add_column(col, justify="right")
    for (order, side), v in sorted(result.aclr_db.items()):
        offset = (-1 if side == "lower" else 1) * order * bw
        table.add_row(f"{'first' if order == 1 else 'second'} {side}", f"{offset:+g}",
                      f"{v:.2f}", f"{result.limit_db:g}",
                      "PASS" if v >= result.limit_db else "FAIL")
    console = make_console()
    console.print(escape(f"recording {recording}: {x.shape[-1]} samples at {fs / 1e6:g} MHz"))
    console.print(table)
    console.print(f"measurement bandwidth {result.measurement_bandwidth_hz / 1e6:.3f} MHz "
                  "(BW_Config, square filter)")
    folder = recording.parent if out is None else out
    path = plot_aclr(result, folder / f"{_stem(recording)}_aclr.png", title=f"{bw} MHz")
    typer.echo(f"wrote      {path}")
    if not result.passed():
        raise typer.Exit(1)
