"""Figure of a satellite pass: elevation, round-trip delay, Doppler, uplink CNR and the
throughput of an MCS over time (matplotlib, written to a file)."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from softran.ntn.linkfile import PassResult

__all__ = ["plot_pass"]


def plot_pass(result: PassResult, path: str | Path, title: str = "") -> Path:
    """Write the pass figure to ``path`` (.png or .svg) and return the path."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    path = Path(path)
    if path.suffix.lower() not in (".png", ".svg"):
        raise ValueError(f"plot = {str(path)!r} is not allowed; write a .png or .svg file")
    g = result.geometry
    t = (g.times - g.times[0]) / 60.0
    rows = [(g.elevation, "elevation (deg)"),
            (g.round_trip_delay * 1e3, "UE-satellite RTT (ms)"),
            (g.doppler / 1e3, "Doppler (kHz)"),
            (result.cnr, "uplink CNR (dB)"),
            (result.throughput / 1e6, "throughput (Mbit/s)")]
    fig, axes = plt.subplots(len(rows), 1, figsize=(7, 9), sharex=True)
    for ax, (y, label) in zip(axes, rows, strict=True):
        ax.plot(t, y)
        ax.set_ylabel(label, fontsize=8)
        ax.grid(True, alpha=0.3)
    axes[3].axhline(result.threshold_db, color="C3", ls="--", lw=0.8)
    axes[-1].set_xlabel("time in the pass (min)")
    if title:
        axes[0].set_title(title, fontsize=9)
    fig.tight_layout()
    fig.savefig(path)
    plt.close(fig)
    return path
