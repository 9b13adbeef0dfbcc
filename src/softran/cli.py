"""The ``softran`` command line (Typer). Thin: it parses, validates and calls the library.

Bad arguments end in one line on stderr (``softran: error: ...``) and exit code 2.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path
from typing import Annotated

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
