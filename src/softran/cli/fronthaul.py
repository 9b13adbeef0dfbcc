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


def _triton_version() -> str:
    """Triton's version without importing it (an import would fix its interpreter mode)."""
    from importlib import metadata

    try:
        return f"{metadata.version('triton')} (GPU LDPC decoder)"
    except metadata.PackageNotFoundError:
        return "not installed (GPU LDPC decoding falls back to the torch path)"


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
        ("triton", _triton_version()),
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


waveform_app = typer.Typer(help="Write test waveforms as recordings.", no_args_is_help=True)
app.add_typer(waveform_app, name="waveform")


@waveform_app.command("ssb")
def waveform_ssb(
    out: Annotated[Path, typer.Option(help="Output recording (base name).")],
    cell_id: Annotated[int, typer.Option(help="Physical cell identity N_ID^cell, 0..1007.")] = 1,
    scs: Annotated[int, typer.Option(help="SS/PBCH block subcarrier spacing in kHz: 15, 30, "
                                          "120, 240 (must be the case's).")] = 30,
    case: Annotated[str, typer.Option(help="SS/PBCH block case A..E (TS 38.213 4.1).")] = "C",
    l_max: Annotated[int, typer.Option(help="L_max: 4 or 8 (cases A-C), 64 (D, E).")] = 8,
    ssb_positions: Annotated[str | None, typer.Option(
        help="ssb-PositionsInBurst as L_max characters 0/1 (default: all 1).")] = None,
    sfn: Annotated[int, typer.Option(help="System frame number 0..1023.")] = 0,
    half_frame: Annotated[int, typer.Option(help="Half frame of the burst, 0 or 1.")] = 0,
    k_ssb: Annotated[int, typer.Option(help="k_SSB (signalled in the MIB / PBCH).")] = 0,
    pdcch_config_sib1: Annotated[int, typer.Option(help="pdcch-ConfigSIB1, 0..255.")] = 0,
    n_half_frames: Annotated[int, typer.Option(
        help="Recording length in half frames of 5 ms (the burst is in the first).")] = 4,
    snr_db: Annotated[float | None, typer.Option(
        help="Add white Gaussian noise: SNR per resource element in dB.")] = None,
    cfo_hz: Annotated[float, typer.Option(help="Carrier frequency offset in Hz.")] = 0.0,
    delay: Annotated[int, typer.Option(help="Delay in samples (leading silence).")] = 0,
    format: Annotated[str, typer.Option(help="Recording format: sigmf or npy.")] = "sigmf",
    sample_rate: Annotated[float | None, typer.Option(
        help="Sample rate in Hz, nfft x scs (default: nfft 512).")] = None,
    seed: Annotated[int, typer.Option(help="Seed of the noise.")] = 0,
) -> None:
    """Write an SS burst (PSS, SSS, PBCH with the MIB) of one cell as a recording."""
    import torch

    from softran.channel import AWGN, FrequencyOffset
    from softran.nr import MIB, SSB_CASE_SCS, ssb_waveform
    from softran.recording import write_recording
    from softran.validation import check_int, check_name

    case = check_name("case", case, tuple(SSB_CASE_SCS))
    if SSB_CASE_SCS[case] != scs:
        raise ValueError(f"scs = {scs} does not match case {case}, which uses "
                         f"{SSB_CASE_SCS[case]} kHz (TS 38.213 4.1)")
    positions_text = "1" * l_max if ssb_positions is None else ssb_positions
    if set(positions_text) - {"0", "1"} or len(positions_text) != l_max:
        raise ValueError(f"ssb_positions = {positions_text!r} is not allowed; allowed: "
                         f"{l_max} characters 0/1 (L_max = {l_max})")
    delay = check_int("delay", delay, 0)
    k_ssb = check_int("k_ssb", k_ssb, 0, 15 if l_max == 64 else 31)
    scs_common = scs if scs in (15, 30) else 120
    mib = MIB(system_frame_number=sfn, sub_carrier_spacing_common=scs_common,
              ssb_subcarrier_offset=k_ssb % 16,
              pdcch_config_sib1=pdcch_config_sib1)
    w = ssb_waveform(cell_id, mib, case=case, ssb_positions=[int(c) for c in positions_text],
                     half_frame=half_frame, k_ssb=k_ssb, sample_rate=sample_rate,
                     n_half_frames=n_half_frames)
    fs = float(sample_rate) if sample_rate is not None else w.shape[-1] / (5e-3 * n_half_frames)
    if delay:
        w = torch.cat([w.new_zeros(1, delay), w[:, :w.shape[-1] - delay]], dim=-1)
    if cfo_hz:
        w = FrequencyOffset(cfo_hz, fs)(w)
    if snr_db is not None:
        w = AWGN(seed=seed)(w, 10.0 ** (-snr_db / 10.0))
    paths = write_recording(
        out, w, fs, format=format,
        description=f"NR SS burst: cell {cell_id}, case {case}, {scs} kHz, L_max {l_max}, "
                    f"SFN {sfn}, half frame {half_frame}",
        extra={"subcarrier_spacing_khz": scs, "ssb_case": case, "l_max": l_max,
               "n_cell_id": cell_id})
    typer.echo(f"SS burst   cell {cell_id}, case {case} ({scs} kHz), L_max {l_max}, blocks "
               f"{positions_text}, SFN {sfn}, half frame {half_frame}; {w.shape[-1]} samples at "
               f"{fs / 1e6:g} MHz")
    for p in paths:
        typer.echo(f"wrote      {p}")


@app.command()
def cellsearch(
    recording: Annotated[Path, typer.Argument(help="Recording: SigMF (.sigmf-meta or base "
                                                   "name) or complex64 .npy.")],
    scs: Annotated[int | None, typer.Option(
        help="SS/PBCH block subcarrier spacing in kHz (default: the recording's softran "
             "metadata, else 30).")] = None,
    l_max: Annotated[int | None, typer.Option(
        help="L_max: 4, 8 or 64 (default: the recording's metadata, else from "
             "--carrier-frequency, else 8 / 64).")] = None,
    case: Annotated[str | None, typer.Option(help="SS/PBCH block case A..E (for the frame "
                                                  "timing).")] = None,
    sample_rate: Annotated[float | None, typer.Option(
        help="Sample rate in Hz (required for .npy).")] = None,
    carrier_frequency: Annotated[float | None, typer.Option(
        help="Carrier frequency in Hz (selects L_max when not given).")] = None,
    max_cfo_hz: Annotated[float, typer.Option(help="Largest |CFO| searched, Hz.")] = 5e3,
) -> None:
    """Find the cells in a recording: PSS/SSS, PBCH DM-RS and MIB decoding."""
    from rich.markup import escape
    from rich.table import Table

    from softran.nr import cell_search
    from softran.recording import read_recording

    x, fs, meta = read_recording(recording, sample_rate=sample_rate)
    if scs is None:
        scs = int(meta.get("softran:subcarrier_spacing_khz", 30))
    if l_max is None and carrier_frequency is None and "softran:l_max" in meta:
        l_max = int(meta["softran:l_max"])
    if case is None and meta.get("softran:subcarrier_spacing_khz") == scs:
        case = meta.get("softran:ssb_case")
    cells = cell_search(x, fs, scs=scs, l_max=l_max, case=case,
                        carrier_frequency=carrier_frequency, max_cfo_hz=max_cfo_hz)
    if not cells:
        typer.echo(f"no cell found in {recording} ({x.shape[-1]} samples at {fs / 1e6:g} MHz, "
                   f"{x.shape[0]} channel(s))")
        return
    table = Table(title=escape(f"{recording}: {len(cells)} cell(s)"), title_justify="left")
    for col in ("cell ID", "SSB index", "half frame", "SFN", "CFO (Hz)", "timing (samples)",
                "timing (us)", "SNR (dB)", "k_SSB", "scs common", "CORESET#0", "SS#0",
                "DM-RS pos", "barred", "intra-freq resel."):
        table.add_column(col, justify="right")
    for c in cells:
        m = c.mib
        table.add_row(str(c.n_cell_id), str(c.ssb_index), str(c.half_frame), str(c.sfn),
                      f"{c.cfo_hz:.1f}", f"{c.timing:.2f}", f"{1e6 * c.timing_s:.2f}",
                      f"{c.snr_db:.1f}", str(c.k_ssb), f"{m.sub_carrier_spacing_common} kHz",
                      str(m.control_resource_set_zero), str(m.search_space_zero),
                      str(m.dmrs_type_a_position), "yes" if m.cell_barred else "no",
                      "allowed" if m.intra_freq_reselection else "not allowed")
    _console().print(table)


fronthaul_app = typer.Typer(help="O-RAN 7.2x fronthaul: O-DU / O-RU over UDP, captures, "
                                 "bit rates.", no_args_is_help=True)
app.add_typer(fronthaul_app, name="fronthaul")

_FH_BANDWIDTH = typer.Option(help="Channel bandwidth in MHz (N_RB from TS 38.104 Table "
                                  "5.3.2-1/-2).")
_FH_NPRB = typer.Option(help="PRBs of the carrier (instead of --bandwidth).")
_FH_SCS = typer.Option(help="Subcarrier spacing in kHz: 15, 30, 60, 120.")
_FH_ANT = typer.Option(help="Antennas = eAxC streams (eAxC IDs 0..n-1).")
_FH_METHOD = typer.Option(help="U-plane compression: none, bfp, block-scaling, mu-law.")
_FH_WIDTH = typer.Option(help="udIqWidth in bits (16 for none, 9 or 14 for bfp, ...).")
_FH_MTU = typer.Option(help="Largest Ethernet payload of a message, bytes (1500, 9000).")


def _fh_setup(bandwidth: int, n_prb: int | None, scs: int, antennas: int, method: str,
              width: int | None, mtu: int, paced: bool = False) -> Any:
    from softran.nr import CarrierConfig
    from softran.oran.endpoints import FronthaulConfig
    from softran.oran.rate import n_rb_for_bandwidth
    from softran.oran.timing import TimingWindows

    if method == "modulation":
        raise ValueError("method = 'modulation' is not offered by the fronthaul commands: "
                         "their NR slots hold empty REs and PSS/SSS, which modulation "
                         "compression (O-RAN.WG4.CUS.0 Annex A.5) cannot carry; allowed: none, "
                         "bfp, block-scaling, mu-law")
    n_prb = n_rb_for_bandwidth(bandwidth, scs) if n_prb is None else n_prb
    carrier = CarrierConfig(subcarrier_spacing=scs, n_size_grid=n_prb)
    width = (16 if method == "none" else 9) if width is None else width
    return carrier, FronthaulConfig.from_carrier(
        carrier, antennas, method=method, width=width, mtu=mtu,
        windows=TimingWindows() if paced else None)


def _fh_tables(*endpoints: Any) -> Any:
    from rich.console import Group

    return Group(*(e.counters.table(title=f"{e.role} counters") for e in endpoints))


@fronthaul_app.command("rate")
def fronthaul_rate(
    bandwidth: Annotated[int | None, _FH_BANDWIDTH] = 100,
    n_prb: Annotated[int | None, _FH_NPRB] = None,
    scs: Annotated[int, _FH_SCS] = 30,
    antennas: Annotated[int, _FH_ANT] = 4,
    method: Annotated[str, _FH_METHOD] = "bfp",
    width: Annotated[int, _FH_WIDTH] = 9,
    mtu: Annotated[int, _FH_MTU] = 1500,
    transport: Annotated[str, typer.Option(help="ethernet, udp-ipv4 or udp-ipv6.")] = "ethernet",
    vlan: Annotated[bool, typer.Option(help="802.1Q tag on every frame.")] = True,
    cplane: Annotated[bool, typer.Option(help="Count one C-plane message per slot and eAxC.")
                      ] = True,
    line_overhead: Annotated[bool, typer.Option(help="Count preamble, SFD, inter-frame gap.")
                             ] = True,
) -> None:
    """Bit rate of one fronthaul direction at full load (O-RAN.WG4.CUS.0 frame layout)."""
    from softran.oran.rate import fronthaul_bitrate

    r = fronthaul_bitrate(None if n_prb is not None else bandwidth, scs, antennas, method,
                          width, n_prb=n_prb, mtu=mtu, transport=transport, vlan=vlan,
                          cplane=cplane, line_overhead=line_overhead)
    rows = [("carrier", f"{r.n_prb} PRB at {r.scs_khz} kHz, {r.n_antennas} eAxC, "
                        f"{r.method}-{r.width}"),
            ("messages", f"{r.messages_per_symbol} per symbol and eAxC, up to "
                         f"{r.prbs_per_message} PRBs each; frames {list(r.uplane_frame_bytes)} "
                         "bytes"),
            ("IQ", f"{r.iq_bps / 1e9:.6f} Gbit/s"),
            ("udCompParam", f"{r.comp_param_bps / 1e9:.6f} Gbit/s"),
            ("U-plane headers", f"{r.uplane_header_bps / 1e9:.6f} Gbit/s"),
            ("transport", f"{r.transport_bps / 1e9:.6f} Gbit/s ({transport})"),
            ("C-plane", f"{r.cplane_bps / 1e9:.6f} Gbit/s"),
            ("total", f"{r.total_gbps:.6f} Gbit/s")]
    for key, value in rows:
        typer.echo(f"{key:<16} {value}")


@fronthaul_app.command("capture")
def fronthaul_capture(
    out: Annotated[Path, typer.Option(help="pcap file to write.")],
    bandwidth: Annotated[int, _FH_BANDWIDTH] = 100,
    n_prb: Annotated[int | None, _FH_NPRB] = None,
    scs: Annotated[int, _FH_SCS] = 30,
    antennas: Annotated[int, _FH_ANT] = 4,
    method: Annotated[str, _FH_METHOD] = "bfp",
    width: Annotated[int | None, _FH_WIDTH] = None,
    mtu: Annotated[int, _FH_MTU] = 1500,
    transport: Annotated[str, typer.Option(help="udp (IPv4, --port) or ethernet (0xAEFE).")
                         ] = "udp",
    port: Annotated[int, typer.Option(help="UDP port of the eCPRI flow.")] = 50000,
    modulation: Annotated[str, typer.Option(help="Data modulation of the slot.")] = "256QAM",
    seed: Annotated[int, typer.Option(help="Seed of the data bits.")] = 0,
) -> None:
    """Write the C-plane and U-plane of one NR downlink slot as a pcap (tshark reads it)."""
    from softran.oran.session import antenna_grids, capture_slot

    carrier, cfg = _fh_setup(bandwidth, n_prb, scs, antennas, method, width, mtu)
    grid = antenna_grids(carrier, antennas, modulation, seed=seed)
    n = capture_slot(out, cfg, grid, transport=transport, udp_port=port)
    typer.echo(f"slot       {cfg.n_prb} PRB at {scs} kHz, {antennas} eAxC, {cfg.method}-"
               f"{cfg.width}, {modulation}; {n} messages ({antennas} C-plane)")
    typer.echo(f"wrote      {out}")
    decode = f" -d udp.port=={port},ecpri" if transport == "udp" else ""
    comp = {"none": "No Compression", "bfp": "Block Floating Point Compression",
            "block-scaling": "Block Scaling Compression", "mu-law": "u-Law Compression"}
    typer.echo(f"read with  tshark -r {out}{decode} -o oran_fh_cus.oran.iq_bitwidth_down:"
               f"{cfg.width} -o \"oran_fh_cus.oran.ud_comp_down:{comp[cfg.method]}\" "
               "-o oran_fh_cus.oran.ud_comp_hdr_down:FALSE")


@fronthaul_app.command("loop")
def fronthaul_loop(
    slots: Annotated[int, typer.Option(help="Slots to send.")] = 2,
    bandwidth: Annotated[int, _FH_BANDWIDTH] = 100,
    n_prb: Annotated[int | None, _FH_NPRB] = None,
    scs: Annotated[int, _FH_SCS] = 30,
    antennas: Annotated[int, _FH_ANT] = 4,
    method: Annotated[str, _FH_METHOD] = "bfp",
    width: Annotated[int | None, _FH_WIDTH] = None,
    mtu: Annotated[int, _FH_MTU] = 1500,
    uplink: Annotated[bool, typer.Option(help="Turn each slot around at the O-RU (loopback) "
                                              "and rebuild it at the O-DU.")] = True,
    modulation: Annotated[str, typer.Option(help="Data modulation of the slot.")] = "256QAM",
    seed: Annotated[int, typer.Option(help="Seed of the data bits.")] = 0,
) -> None:
    """O-DU -> UDP loopback -> O-RU in one process; prints counters and EVM per slot."""
    from rich.live import Live

    from softran.oran.session import antenna_grids, run_loop
    from softran.validation import check_int

    check_int("slots", slots, 1)
    carrier, cfg = _fh_setup(bandwidth, n_prb, scs, antennas, method, width, mtu)
    grid = antenna_grids(carrier, antennas, modulation, seed=seed)
    console = _console()
    live = Live(console=console, refresh_per_second=4) if console.is_terminal else None

    def show(k: int, odu: Any, oru: Any) -> None:
        if live is not None:
            live.update(_fh_tables(odu, oru))

    if live is not None:
        live.start()
    try:
        r = run_loop(cfg, grid, slots, uplink=uplink, on_slot=show)
    finally:
        if live is not None:
            live.stop()
    console.print(_fh_tables(r.odu, r.oru))
    for k, (d, u) in enumerate(zip(r.dl_evm, r.ul_evm)):
        ul = "" if u is None else f", uplink at the O-DU {u:.4f} %"
        console.print(f"slot {k}: EVM downlink at the O-RU {d:.4f} %{ul}")


@fronthaul_app.command("du")
def fronthaul_du(
    ru_port: Annotated[int, typer.Option(help="UDP port of the O-RU.")] = 50001,
    ru_host: Annotated[str, typer.Option(help="Address of the O-RU.")] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="Local UDP port (uplink arrives here).")] = 50000,
    slots: Annotated[int, typer.Option(help="Slots to send.")] = 10,
    paced: Annotated[bool, typer.Option(help="Send at the numerology's symbol timing "
                                             "(default: as fast as possible).")] = False,
    uplink: Annotated[bool, typer.Option(help="Ask for the uplink of every slot.")] = False,
    bandwidth: Annotated[int, _FH_BANDWIDTH] = 100,
    n_prb: Annotated[int | None, _FH_NPRB] = None,
    scs: Annotated[int, _FH_SCS] = 30,
    antennas: Annotated[int, _FH_ANT] = 4,
    method: Annotated[str, _FH_METHOD] = "bfp",
    width: Annotated[int | None, _FH_WIDTH] = None,
    mtu: Annotated[int, _FH_MTU] = 1500,
    modulation: Annotated[str, typer.Option(help="Data modulation of the slots.")] = "256QAM",
    seed: Annotated[int, typer.Option(help="Seed of the data bits.")] = 0,
) -> None:
    """Run an O-DU: send NR downlink slots to an O-RU over UDP, with live counters."""
    import time

    from rich.live import Live

    from softran.oran.endpoints import ODU
    from softran.oran.session import antenna_grids
    from softran.oran.transport import UDPTransport
    from softran.validation import check_int

    check_int("slots", slots, 1)
    carrier, cfg = _fh_setup(bandwidth, n_prb, scs, antennas, method, width, mtu, paced)
    grid = antenna_grids(carrier, antennas, modulation, seed=seed)
    odu = ODU(cfg, UDPTransport(port, ru_port, remote_host=ru_host), paced=paced)
    console = _console()
    odu.start()
    try:
        with Live(odu.counters.table("O-DU counters"), console=console,
                  refresh_per_second=4, transient=not console.is_terminal) as live:
            per_frame = 10 * cfg.slots_per_subframe
            for k in range(slots):
                if paced:
                    f, sf, s = odu.next_slot()
                else:
                    f, rest = divmod(k % (256 * per_frame), per_frame)
                    sf, s = divmod(rest, cfg.slots_per_subframe)
                odu.send_slot(grid, f, sf, s)
                if uplink:
                    odu.request_uplink(f, sf, s)
                live.update(odu.counters.table("O-DU counters"))
            time.sleep(0.2 if uplink else 0.0)
    finally:
        odu.close()
    odu.close_slots()
    console.print(odu.counters.table("O-DU counters"))


@fronthaul_app.command("ru")
def fronthaul_ru(
    port: Annotated[int, typer.Option(help="Local UDP port (downlink arrives here).")] = 50001,
    du_port: Annotated[int, typer.Option(help="UDP port of the O-DU (uplink goes there).")
                       ] = 50000,
    du_host: Annotated[str, typer.Option(help="Address of the O-DU.")] = "127.0.0.1",
    loopback: Annotated[bool, typer.Option(help="Answer uplink C-plane with the downlink "
                                                "received for the same slot.")] = True,
    duration: Annotated[float, typer.Option(help="Seconds to run (0: until Ctrl-C).")] = 0.0,
    paced: Annotated[bool, typer.Option(help="Check early/late against the reception "
                                             "windows and send uplink at Ta3.")] = False,
    bandwidth: Annotated[int, _FH_BANDWIDTH] = 100,
    n_prb: Annotated[int | None, _FH_NPRB] = None,
    scs: Annotated[int, _FH_SCS] = 30,
    antennas: Annotated[int, _FH_ANT] = 4,
    method: Annotated[str, _FH_METHOD] = "bfp",
    width: Annotated[int | None, _FH_WIDTH] = None,
    mtu: Annotated[int, _FH_MTU] = 1500,
) -> None:
    """Run an O-RU: rebuild downlink grids from C-/U-plane over UDP, with live counters."""
    import time

    from rich.live import Live

    from softran.oran.endpoints import ORU
    from softran.oran.transport import UDPTransport

    if duration < 0:
        raise ValueError(f"duration = {duration} is not allowed; allowed: >= 0 seconds")
    _, cfg = _fh_setup(bandwidth, n_prb, scs, antennas, method, width, mtu, paced)
    oru = ORU(cfg, UDPTransport(port, du_port, remote_host=du_host), paced=paced,
              loopback=loopback)
    console = _console()
    oru.start()
    end = time.monotonic() + duration if duration else None
    try:
        with Live(oru.counters.table("O-RU counters"), console=console,
                  refresh_per_second=4, transient=not console.is_terminal) as live:
            while end is None or time.monotonic() < end:
                time.sleep(0.25)
                live.update(oru.counters.table("O-RU counters"))
    except KeyboardInterrupt:
        pass
    finally:
        oru.close()
    oru.close_slots()
    console.print(oru.counters.table("O-RU counters"))


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
