"""Figures: resource grids and spectra (matplotlib, written to files, no display needed)."""

from __future__ import annotations

from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import torch  # noqa: E402

__all__ = ["plot_grid_and_spectrum", "power_spectrum"]


def power_spectrum(waveform: torch.Tensor, sample_rate: float, nfft: int = 1024
                   ) -> tuple[np.ndarray, np.ndarray]:
    """Welch estimate (Hann window, 50 % overlap) of the power spectral density of a 1-D
    complex waveform, in dB relative to its peak; returns (frequency in Hz, PSD in dB)."""
    x = waveform.detach().cpu().numpy().reshape(-1)
    nfft = min(nfft, x.size)
    window = np.hanning(nfft)
    hop = nfft // 2
    n_seg = 1 + (x.size - nfft) // hop
    idx = np.arange(nfft)[None, :] + hop * np.arange(n_seg)[:, None]
    psd = np.mean(np.abs(np.fft.fft(x[idx] * window, axis=-1)) ** 2, axis=0)
    psd = np.fft.fftshift(psd)
    freq = np.fft.fftshift(np.fft.fftfreq(nfft, 1 / sample_rate))
    return freq, 10 * np.log10(psd / psd.max() + 1e-30)


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
