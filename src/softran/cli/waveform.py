"""Waveform commands: ``softran generate`` (one NR downlink slot), ``softran waveform ssb``
(an SS burst as a recording), ``softran waveform tm`` (an NR-FR1 test model) and
``softran cellsearch`` (the cells in a recording)."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from softran.cli.terminal import make_console, output_path

__all__ = ["cellsearch", "generate", "waveform_app", "waveform_tm"]


def generate(
    out: Annotated[Path, typer.Option(help="Output folder.")] = Path("out"),
    scs: Annotated[int, typer.Option(help="Subcarrier spacing in kHz: 15, 30, 60, 120, 240 "
                                          "(60: no SS/PBCH block).")] = 30,
    n_prb: Annotated[int, typer.Option(
        help="Carrier bandwidth in resource blocks, 20..275.")] = 273,
    modulation: Annotated[str, typer.Option(help="Data modulation: QPSK, 16QAM, 64QAM, 256QAM, "
                                                 "1024QAM.")] = "256QAM",
    n_cell_id: Annotated[int, typer.Option(help="Physical cell identity 0..1007.")] = 1,
    n_slot: Annotated[int, typer.Option(help="Slot number in the frame.")] = 0,
    sfn: Annotated[int, typer.Option(help="System frame number 0..1023 (in the MIB).")] = 0,
    seed: Annotated[int, typer.Option(help="Random seed of the data bits.")] = 0,
) -> None:
    """Generate one NR downlink slot (data + SS/PBCH block) as a SigMF recording and a picture.

    The SS/PBCH block (PSS, SSS, PBCH with the MIB, DM-RS) is the first candidate block of
    the slot (TS 38.213 §4.1 case A, C, D or E at 15, 30, 120, 240 kHz), centred in the
    carrier: `softran cellsearch` finds the cell in the recording. The picture shows the
    resource grid and the spectrum of the waveform.
    """
    from softran.nr import CarrierConfig, downlink_slot
    from softran.recording import write_sigmf
    from softran.sim.plots import plot_grid_and_spectrum
    from softran.validation import check_int

    carrier = CarrierConfig(subcarrier_spacing=scs, n_size_grid=n_prb, n_cell_id=n_cell_id,
                            n_slot=n_slot)
    sfn = check_int("sfn", sfn, 0, 1023)
    slot = downlink_slot(carrier, modulation, seed=seed, sfn=sfn)
    name = f"nr_dl_{scs}khz_{n_prb}prb_slot{n_slot}"
    wf = slot.waveform[0]
    output_path(out, "out", folder=True)
    extra = {"subcarrier_spacing_khz": scs, "n_size_grid": n_prb, "n_cell_id": n_cell_id,
             "n_slot": n_slot, "nfft": slot.info.nfft, "modulation": modulation}
    if slot.ssb_case is not None:
        extra.update({"ssb_case": slot.ssb_case, "l_max": slot.l_max,
                      "ssb_index": slot.ssb_index, "k_ssb": slot.k_ssb, "sfn": sfn,
                      "ssb_first_subcarrier": slot.ssb_first_subcarrier,
                      "ssb_first_symbol": slot.ssb_first_symbol})
    ssb_text = ("no SS/PBCH block" if slot.ssb_case is None else
                f"SS/PBCH block {slot.ssb_index} (case {slot.ssb_case}) of cell {n_cell_id}")
    data_path, meta_path = write_sigmf(
        out / name, slot.waveform, slot.info.sample_rate,
        description=f"NR downlink slot: {n_prb} PRB at {scs} kHz, {modulation} data, {ssb_text}",
        extra=extra)
    png = plot_grid_and_spectrum(slot.grid, slot.waveform, slot.info.sample_rate,
                                 out / f"{name}.png",
                                 title=f"NR downlink slot: {n_prb} PRB, {scs} kHz, {modulation}, "
                                       f"cell {n_cell_id}")
    power = wf.abs().square()
    papr_db = 10 * float((power.max() / power.mean()).log10())
    typer.echo(f"carrier    {n_prb} PRB x 12 = {carrier.n_subcarriers} subcarriers at {scs} kHz "
               f"({carrier.n_subcarriers * scs / 1e3:.2f} MHz occupied), cell {n_cell_id}, "
               f"slot {n_slot}")
    typer.echo(f"ofdm       nfft {slot.info.nfft}, "
               f"sample rate {slot.info.sample_rate / 1e6:.2f} MHz, "
               f"{wf.numel()} samples, PAPR {papr_db:.1f} dB")
    typer.echo(f"content    {int(slot.data_mask.sum())} {modulation} data REs "
               f"({slot.data_bits.numel()} bits)")
    if slot.ssb_case is None:
        why = ("TS 38.213 §4.1 has no SS/PBCH block case at 60 kHz" if scs == 60 else
               "this slot holds no candidate SS/PBCH block position (TS 38.213 §4.1)")
        typer.echo(f"ssb        none: {why}")
    else:
        typer.echo(f"ssb        block {slot.ssb_index} of case {slot.ssb_case} (L_max "
                   f"{slot.l_max}) on symbols {slot.ssb_first_symbol}.."
                   f"{slot.ssb_first_symbol + 3}, subcarriers {slot.ssb_first_subcarrier}.."
                   f"{slot.ssb_first_subcarrier + 239} (centred), k_SSB {slot.k_ssb}; "
                   f"PSS, SSS, PBCH (MIB: SFN {sfn}) and its DM-RS")
    typer.echo(f"wrote      {data_path}")
    typer.echo(f"wrote      {meta_path}")
    typer.echo(f"wrote      {png}")


waveform_app = typer.Typer(help="Write test waveforms as recordings.", no_args_is_help=True)


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

    output_path(out, "out")
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

    from softran.nr import cell_search
    from softran.recording import read_recording
    from softran.report_table import record_table

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
    fields = [(col, "right") for col in (
        "cell ID", "SSB index", "half frame", "SFN", "CFO (Hz)", "timing (samples)",
        "timing (us)", "SNR (dB)", "k_SSB", "scs common", "CORESET#0", "SS#0", "DM-RS pos",
        "barred", "intra-freq resel.")]
    rows = []
    for c in cells:
        m = c.mib
        rows.append([str(c.n_cell_id), str(c.ssb_index), str(c.half_frame), str(c.sfn),
                     f"{c.cfo_hz:.1f}", f"{c.timing:.2f}", f"{1e6 * c.timing_s:.2f}",
                     f"{c.snr_db:.1f}", str(c.k_ssb), f"{m.sub_carrier_spacing_common} kHz",
                     str(m.control_resource_set_zero), str(m.search_space_zero),
                     str(m.dmrs_type_a_position), "yes" if m.cell_barred else "no",
                     "allowed" if m.intra_freq_reselection else "not allowed"])
    console = make_console()
    console.print(record_table(escape(f"{recording}: {len(cells)} cell(s)"), fields, rows,
                               console.width))


@waveform_app.command("tm")
def waveform_tm(
    model: Annotated[str, typer.Argument(help="NR-FR1 test model of TS 38.141-1 4.9.2: "
                                              "NR-FR1-TM1.1, -TM1.2, -TM2, -TM2a, -TM2b, "
                                              "-TM3.1, -TM3.1a, -TM3.1b, -TM3.2, -TM3.3.")],
    bandwidth: Annotated[int, typer.Option(help="Channel bandwidth in MHz.")] = 100,
    scs: Annotated[int, typer.Option(help="Subcarrier spacing in kHz: 15, 30, 60.")] = 30,
    duplex: Annotated[str, typer.Option(help="fdd (10 ms) or tdd (20 ms).")] = "fdd",
    n_cell_id: Annotated[int, typer.Option(help="Physical cell identity 0..1007.")] = 1,
    nfft: Annotated[int | None, typer.Option(
        help="FFT size (default: the smallest power of two above 12 N_RB / 0.85; larger "
             "oversamples, e.g. 4x for ACLR).")] = None,
    window: Annotated[int, typer.Option(
        help="OFDM windowing W in samples (weighted overlap-add; 0 = none).")] = 0,
    impair: Annotated[list[str] | None, typer.Option(
        help="Impairment name=value, repeatable: iq=<dB>:<deg>, cfo=<Hz>, "
             "phase-noise=wiener:<Hz>|tr38803:<GHz>, pa=rapp:<backoff dB>[:<p>]|"
             "saleh:<backoff dB>, snr=<dB per RE>, delay=<samples>.")] = None,
    seed: Annotated[int, typer.Option(help="Seed of the noise and phase noise.")] = 0,
    out: Annotated[Path, typer.Option(help="Output recording (base name).")] = Path("tm"),
) -> None:
    """Write a full-length NR-FR1 test model (TS 38.141-1 4.9.2) as a SigMF recording."""
    from softran.recording import write_sigmf
    from softran.sim.nr_tm import nr_tm
    from softran.sim.tx_impairments import TransmitterImpairments

    impairments = TransmitterImpairments.parse(impair)
    output_path(out, "out")
    console = make_console()
    with console.status(f"generating {model} ..."):
        tm = nr_tm(model, bandwidth, scs, duplex=duplex, n_cell_id=n_cell_id, nfft=nfft,
                   windowing=window)
    wave = impairments.apply(tm.waveform, tm.sample_rate, seed=seed)
    data_path, meta_path = write_sigmf(
        out, wave, tm.sample_rate,
        description=f"{tm.name}, {bandwidth} MHz at {scs} kHz, {tm.duplex.upper()}, cell "
                    f"{n_cell_id} (TS 38.141-1 4.9.2)",
        extra={"test_model": tm.name, "bandwidth_mhz": bandwidth, "subcarrier_spacing_khz": scs,
               "duplex": tm.duplex, "n_cell_id": n_cell_id, "n_size_grid": tm.carrier.n_size_grid,
               "nfft": tm.nfft, "windowing": window, "impairments": impairments.describe()})
    n_slots = len(tm.plan)
    n_dl = sum(1 for n, _ in tm.plan if n)
    typer.echo(f"test model {tm.name}: {tm.carrier.n_size_grid} PRB x {scs} kHz, "
               f"{tm.duplex.upper()} {n_slots} slots ({n_dl} with downlink)")
    typer.echo(f"target     RNTI {', '.join(map(str, tm.target_rnti))} (EVM)")
    typer.echo(f"ofdm       nfft {tm.nfft}, sample rate {tm.sample_rate / 1e6:g} MHz, "
               f"{wave.shape[-1]} samples, windowing {window}")
    if impairments.specs:
        typer.echo(f"impairments {impairments.describe()}")
    typer.echo(f"wrote      {data_path}")
    typer.echo(f"wrote      {meta_path}")
