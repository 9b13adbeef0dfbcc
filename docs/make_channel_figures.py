"""Figures of the channel user guide (docs/channel.md).

    python docs/make_channel_figures.py --out docs/figures [--quick]

Writes three PNGs (matplotlib, Agg canvas, dpi 100):

* ``tdl_c_pdp.png``: power-delay profile of TR 38.901 TDL-C scaled to a 300 ns delay
  spread (§7.7.3) next to the TS 38.101-4 TDLC300 conformance profile (stem plots).
* ``tdl_doppler.png``: measured Doppler spectrum of the TDLChannel path gains
  (``f_D`` = 100 Hz, Hann-windowed periodograms averaged over paths and realisations)
  with the classical Jakes spectrum ``1 / (pi f_D sqrt(1 - (f/f_D)^2))`` overlaid.
* ``tdl_time_frequency.png``: ``|H(f, t)|`` in dB of a TDLC300-100 channel over
  about 20 MHz x 100 ms (``TDLChannel.frequency_response``).

The data functions (:func:`pdp_data`, :func:`doppler_spectrum`,
:func:`time_frequency_response`) return plain tensors so tests can check them.
"""

from __future__ import annotations

import argparse
import math
from pathlib import Path

import torch
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure

from softran.channel import TDLChannel

DPI = 100


def pdp_data(delay_spread: float = 300e-9) -> dict[str, tuple[torch.Tensor, torch.Tensor]]:
    """Path delays (s) and normalised powers (linear) of TR 38.901 TDL-C at
    ``delay_spread`` and of the TS 38.101-4 TDLC300 profile."""
    out = {}
    for label, ch in ((f"TDL-C, DS = {delay_spread * 1e9:.0f} ns (TR 38.901)",
                       TDLChannel("TDL-C", delay_spread=delay_spread, seed=0)),
                      ("TDLC300 (TS 38.101-4)", TDLChannel("TDLC300", seed=0))):
        out[label] = (ch.path_delays.clone(), ch.path_powers.clone())
    return out


def doppler_spectrum(max_doppler: float = 100.0, sample_rate: float = 1000.0,
                     n_samples: int = 4096, n_realisations: int = 8,
                     seed: int = 0) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
    """Measured Doppler PSD of TDLChannel path gains and the Jakes spectrum.

    Every path of every realisation (TDLA30: 12 paths) is one unit-power Rayleigh
    process; their Hann-windowed periodograms are averaged. Returns ``(f, measured,
    jakes)`` with ``f`` in Hz (fftshifted, ``[n_samples]``) and both PSDs in 1/Hz
    (normalised to unit total power; Jakes is 0 outside ``|f| < f_D``).
    """
    ch = TDLChannel("TDLA30", max_doppler=max_doppler, sample_rate=sample_rate,
                    gain_interval=1, seed=seed)
    ch(torch.zeros(n_realisations, 1, n_samples, dtype=torch.complex64))
    g = ch.path_gains[:, 0, 0, :, :n_samples].to(torch.complex128)  # [B, P, T]
    g = g / ch.path_powers.sqrt()[:, None]
    w = torch.hann_window(n_samples, periodic=True, dtype=torch.float64)
    spec = torch.fft.fft(g * w).abs() ** 2 / (sample_rate * (w ** 2).sum())
    measured = torch.fft.fftshift(spec.mean(dim=(0, 1)))
    f = torch.fft.fftshift(torch.fft.fftfreq(n_samples, 1 / sample_rate, dtype=torch.float64))
    inside = f.abs() < max_doppler
    jakes = torch.zeros_like(f)
    jakes[inside] = 1 / (math.pi * max_doppler
                         * torch.sqrt(1 - (f[inside] / max_doppler) ** 2))
    return f, measured, jakes


def time_frequency_response(n_subcarriers: int = 330, subcarrier_spacing: float = 60e3,
                            duration: float = 0.1, n_times: int = 200,
                            seed: int = 1) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
    """``|H(f, t)|`` in dB of TDLC300-100 (TS 38.101-4: TDLC300, f_D = 100 Hz) at
    30.72 MHz. Returns ``(f_hz [K], t_s [N], mag_db [K, N])``."""
    fs = 30.72e6
    ch = TDLChannel("TDLC300", max_doppler=100.0, sample_rate=fs, seed=seed)
    ch(torch.zeros(1, 1, 1, dtype=torch.complex64))  # fixes the batch size (one link)
    times = torch.linspace(0, duration * fs, n_times, dtype=torch.float64).round().long()
    h = ch.frequency_response(n_subcarriers, subcarrier_spacing, times)[0, 0, 0]
    f = (torch.arange(n_subcarriers, dtype=torch.float64) - n_subcarriers // 2) \
        * subcarrier_spacing
    mag_db = 20 * torch.log10(h.abs().to(torch.float64).clamp(min=1e-6))
    return f, times.to(torch.float64) / fs, mag_db


def _save(fig: Figure, path: Path) -> None:
    FigureCanvasAgg(fig)
    fig.savefig(path, dpi=DPI)


def main(out: Path | str = "docs/figures", quick: bool = False) -> list[Path]:
    """Draw the three figures into ``out``; ``quick`` uses smaller data (for tests)."""
    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    paths = []

    fig = Figure(figsize=(6.4, 3.6))
    ax = fig.add_subplot()
    for (label, (d, p)), fmt in zip(pdp_data().items(), ("C0", "C1"), strict=True):
        m, s, _ = ax.stem(d.numpy() * 1e9, 10 * torch.log10(p).numpy(), linefmt=fmt,
                          markerfmt=fmt + "o", basefmt=" ", bottom=-40, label=label)
    ax.set_xlabel("delay (ns)")
    ax.set_ylabel("path power (dB, total 0 dB)")
    ax.set_ylim(-40, 0)
    ax.grid(alpha=0.3)
    ax.legend(fontsize=8)
    ax.set_title("TDL-C power-delay profiles")
    fig.tight_layout()
    paths.append(out / "tdl_c_pdp.png")
    _save(fig, paths[-1])

    f, meas, jakes = doppler_spectrum(n_samples=1024 if quick else 4096,
                                      n_realisations=2 if quick else 16)
    fig = Figure(figsize=(6.4, 3.6))
    ax = fig.add_subplot()
    ax.plot(f.numpy(), 10 * torch.log10(meas.clamp(min=1e-12)).numpy(), lw=1,
            label="TDLChannel path gains (averaged periodogram)")
    inside = jakes > 0
    ax.plot(f[inside].numpy(), 10 * torch.log10(jakes[inside]).numpy(), "k--", lw=1,
            label=r"Jakes $1/(\pi f_D\sqrt{1-(f/f_D)^2})$")
    ax.set_xlim(-200, 200)
    ax.set_ylim(-60, 0)
    ax.set_xlabel("Doppler frequency (Hz)")
    ax.set_ylabel("PSD (dB/Hz)")
    ax.set_title(r"Doppler spectrum, $f_D$ = 100 Hz")
    ax.grid(alpha=0.3)
    ax.legend(fontsize=8, loc="lower center")
    fig.tight_layout()
    paths.append(out / "tdl_doppler.png")
    _save(fig, paths[-1])

    f, t, mag = time_frequency_response(n_subcarriers=66 if quick else 330,
                                        n_times=40 if quick else 160)
    fig = Figure(figsize=(6.4, 4.0))
    ax = fig.add_subplot()
    mesh = ax.pcolormesh(t.numpy() * 1e3, f.numpy() / 1e6, mag.numpy(), shading="auto",
                         cmap="viridis", vmin=-30, vmax=10, rasterized=True)
    fig.colorbar(mesh, ax=ax, label="|H| (dB)")
    ax.set_xlabel("time (ms)")
    ax.set_ylabel("frequency (MHz)")
    ax.set_title("TDLC300-100: |H(f, t)|")
    fig.tight_layout()
    paths.append(out / "tdl_time_frequency.png")
    _save(fig, paths[-1])
    return paths


def _cli() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", default="docs/figures", help="output folder")
    parser.add_argument("--quick", action="store_true", help="small data (tests)")
    args = parser.parse_args()
    for p in main(args.out, args.quick):
        print(p, p.stat().st_size, "bytes")


if __name__ == "__main__":
    _cli()
