"""Figures of the transmitter measurements (matplotlib, written to PNG files): EVM versus
subcarrier and versus OFDM symbol, the equalised constellation (:func:`plot_evm`), and the
spectrum with the ACLR channels (:func:`plot_aclr`)."""

from __future__ import annotations

from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt
import numpy as np

from softran.sim.aclr import ACLRResult
from softran.sim.evm import EVMResult

__all__ = ["plot_aclr", "plot_evm"]


def _save(fig: plt.Figure, path: Path) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(path, dpi=110)
    plt.close(fig)
    return path


def plot_evm(result: EVMResult, prefix: str | Path, title: str = "") -> list[Path]:
    """Write ``<prefix>_evm_subcarrier.png``, ``<prefix>_evm_symbol.png`` and
    ``<prefix>_constellation.png``; returns their paths."""
    prefix = Path(prefix)
    limit = min(result.limits_percent.values(), default=None)
    out = []
    for name, series, xlabel in (("subcarrier", result.per_subcarrier_percent, "subcarrier"),
                                 ("symbol", result.per_symbol_percent, "OFDM symbol")):
        fig, ax = plt.subplots(figsize=(9, 3.8), constrained_layout=True)
        y = series.detach().cpu().numpy()
        ax.plot(np.arange(y.size), y, lw=0.7)
        if limit is not None:
            ax.axhline(limit, color="tab:red", ls="--", lw=0.9, label=f"limit {limit:g} %")
            ax.legend(loc="upper right")
        ax.set_xlabel(xlabel)
        ax.set_ylabel("EVM (%)")
        ax.set_title(f"{title} EVM per {name} ({result.window} window, W = "
                     f"{result.window_length})".strip())
        ax.grid(True, alpha=0.3)
        out.append(_save(fig, prefix.with_name(prefix.name + f"_evm_{name}.png")))
    pts, ideal = result.constellation
    fig, ax = plt.subplots(figsize=(5.2, 5.2), constrained_layout=True)
    p = pts.detach().cpu().numpy()
    q = ideal.detach().cpu().numpy()
    ax.plot(p.real, p.imag, ".", ms=1.5, alpha=0.4, label="measured")
    ax.plot(q.real, q.imag, "+", ms=6, color="tab:red", label="ideal")
    ax.set_aspect("equal")
    ax.set_xlabel("in-phase")
    ax.set_ylabel("quadrature")
    ax.set_title(f"{title} constellation".strip())
    ax.grid(True, alpha=0.3)
    out.append(_save(fig, prefix.with_name(prefix.name + "_constellation.png")))
    return out


def plot_aclr(result: ACLRResult, path: str | Path, title: str = "") -> Path:
    """Write the spectrum (dB per Hz relative to the assigned channel's mean) with the
    assigned and adjacent measurement bands and their ACLR."""
    f = result.freqs.detach().cpu().numpy() / 1e6
    p = result.psd_db.detach().cpu().numpy()
    fig, ax = plt.subplots(figsize=(10, 4.2), constrained_layout=True)
    ax.plot(f, p, lw=0.7)
    half = result.measurement_bandwidth_hz / 2e6
    spacing = result.channel_spacing_hz / 1e6
    ax.axvspan(-half, half, color="tab:green", alpha=0.12, label="assigned channel")
    for (order, side), v in sorted(result.aclr_db.items()):
        c = (-1 if side == "lower" else 1) * order * spacing
        ax.axvspan(c - half, c + half, color="tab:orange", alpha=0.12)
        ax.text(c, 5, f"{v:.1f} dB", ha="center", va="bottom", fontsize=8)
    ax.set_ylim(max(float(np.min(p)), -140), 20)
    ax.set_xlabel("frequency (MHz)")
    ax.set_ylabel("PSD (dB rel. channel mean)")
    ax.set_title(f"{title} ACLR (limit {result.limit_db:g} dB)".strip())
    ax.grid(True, alpha=0.3)
    ax.legend(loc="lower center")
    return _save(fig, Path(path))
