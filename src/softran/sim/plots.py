"""Figures: resource grids, spectra, BLER and throughput curves (matplotlib, written to files,
no display needed)."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import torch  # noqa: E402

from softran.sim.spectrum import welch_psd

if TYPE_CHECKING:
    from softran.sim.stopping import PointResult

__all__ = ["plot_grid_and_spectrum", "plot_link_curves", "power_spectrum"]


def power_spectrum(waveform: torch.Tensor, sample_rate: float, nfft: int = 1024
                   ) -> tuple[np.ndarray, np.ndarray]:
    """Welch estimate (Hann window, 50 % overlap) of the power spectral density of a 1-D
    complex waveform, in dB relative to its peak; returns (frequency in Hz, PSD in dB)."""
    x = waveform.detach().cpu().reshape(-1)
    freq, psd = welch_psd(x, sample_rate, min(nfft, x.numel()))
    psd = psd.numpy()
    return freq.numpy(), 10 * np.log10(psd / psd.max() + 1e-30)


def plot_grid_and_spectrum(grid: torch.Tensor, waveform: torch.Tensor, sample_rate: float,
                           path: str | Path, title: str = "") -> Path:
    """Save a two-panel figure: |grid| of port 0 (subcarriers x symbols) and the waveform PSD."""
    g = grid.detach().cpu().reshape(-1, *grid.shape[-2:])[0].abs().numpy()
    fig, (ax0, ax1) = plt.subplots(1, 2, figsize=(12, 4.5), constrained_layout=True)
    im = ax0.imshow(g.T, aspect="auto", origin="lower", interpolation="nearest", cmap="viridis")
    ax0.set_xlabel("OFDM symbol")
    ax0.set_ylabel("subcarrier")
    ax0.set_title("resource grid |X[k, l]|")
    fig.colorbar(im, ax=ax0)
    freq, psd = power_spectrum(waveform.reshape(-1, waveform.shape[-1])[0], sample_rate)
    ax1.plot(freq / 1e6, psd, lw=0.8)
    ax1.set_xlabel("frequency (MHz)")
    ax1.set_ylabel("PSD (dB rel. peak)")
    ax1.set_title("spectrum (Welch, 1024-point Hann)")
    ax1.set_ylim(max(psd.min(), -120), 5)
    ax1.grid(True, alpha=0.3)
    if title:
        fig.suptitle(title)
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(path, dpi=110)
    plt.close(fig)
    return path


def plot_link_curves(points: Sequence[PointResult], path: str | Path,
                     requirement_snr_db: float | None = None, target: float = 0.7,
                     title: str = "") -> Path:
    """Save BLER (log scale, with its confidence interval) and throughput in % of the maximum
    versus SNR as a two-panel figure; PNG or SVG by the suffix of ``path``.

    ``requirement_snr_db`` (a TS 38.104 §8 performance requirement: the SNR at which the
    throughput must reach ``target`` of the maximum, 70 % for PUSCH) is marked by a vertical
    line on both panels and ``target`` by a horizontal line on the throughput panel. Points
    without blocks are left out; a BLER of 0 is drawn as a marker at the upper end of its
    interval.

    >>> import tempfile, pathlib
    >>> from softran.sim.link import SlotCounts
    >>> from softran.sim.scenario_sections import StoppingSection
    >>> from softran.sim.stopping import point_result
    >>> rule = StoppingSection()
    >>> pts = [point_result(s, [SlotCounts(slots=100, transmissions=100, blocks=100,
    ...        block_errors=e, delivered_bits=(100 - e) * 10, max_bits=1000)], rule)
    ...        for s, e in [(0.0, 60), (1.0, 20), (2.0, 0)]]
    >>> with tempfile.TemporaryDirectory() as d:
    ...     out = plot_link_curves(pts, pathlib.Path(d) / "c.svg", requirement_snr_db=0.8)
    ...     out.suffix, out.stat().st_size > 1000
    ('.svg', True)
    """
    path = Path(path)
    if path.suffix.lower() not in (".png", ".svg"):
        raise ValueError(f"path = {str(path)!r} is not allowed; the suffix must be .png or .svg")
    if not 0 < target <= 1:
        raise ValueError(f"target = {target} is out of range; allowed: 0 < target <= 1")
    pts = sorted((p for p in points if p.counts.blocks), key=lambda p: p.snr_db)
    snr = np.array([p.snr_db for p in pts])
    bler = np.array([p.bler for p in pts])
    lo = np.array([p.bler_ci[0] for p in pts])
    hi = np.array([p.bler_ci[1] for p in pts])
    fig, (ax0, ax1) = plt.subplots(1, 2, figsize=(11, 4.2), constrained_layout=True)
    pos, zero = bler > 0, bler == 0
    ax0.errorbar(snr[pos], bler[pos], yerr=[bler[pos] - lo[pos], hi[pos] - bler[pos]],
                 fmt="o-", ms=4, capsize=3, lw=1)
    if np.any(zero):
        ax0.plot(snr[zero], hi[zero], "v", color="C3", label="no error: upper CI bound")
        ax0.legend(loc="lower left")
    ax0.set_yscale("log")
    ax0.set_xlabel("SNR (dB)")
    ax0.set_ylabel("BLER")
    ax0.set_title("block error rate")
    ax0.grid(True, which="both", alpha=0.3)
    thr = np.array([100 * p.throughput for p in pts])
    tlo = np.array([100 * p.throughput_ci[0] for p in pts])
    thi = np.array([100 * p.throughput_ci[1] for p in pts])
    ax1.errorbar(snr, thr, yerr=[thr - np.minimum(tlo, thr), np.maximum(thi, thr) - thr],
                 fmt="o-", ms=4, capsize=3, lw=1)
    ax1.axhline(100 * target, color="C2", ls="--", lw=1, label=f"{100 * target:g} % of maximum")
    if requirement_snr_db is not None:
        for ax in (ax0, ax1):
            ax.axvline(requirement_snr_db, color="C3", ls=":", lw=1.2,
                       label=f"requirement {requirement_snr_db:g} dB")
    ax1.set_ylim(0, 105)
    ax1.set_xlabel("SNR (dB)")
    ax1.set_ylabel("throughput (% of maximum)")
    ax1.set_title("throughput")
    ax1.grid(True, alpha=0.3)
    ax1.legend(loc="lower right")
    if title:
        fig.suptitle(title)
    path.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(path, dpi=110)
    plt.close(fig)
    return path
