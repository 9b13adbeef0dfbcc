"""Figures of an inline cell run: delivered throughput and BLER per UE against time."""

from __future__ import annotations

from pathlib import Path

__all__ = ["plot_cell"]


def plot_cell(history: list[tuple[float, list[tuple[int, int, int, int, int, int]]]],
              path: str | Path, *, window_ms: float = 5.0) -> Path:
    """Write a figure of ``InlineCell.history`` to ``path`` (.png / .svg): per UE the
    downlink and uplink throughput delivered (bytes over a sliding ``window_ms``) and the
    cumulative BLER of the transport blocks against simulated time.

    >>> import tempfile, pathlib
    >>> h = [(0.5 * (n + 1), [(100 * n, 10 * n, n, 0, n, 0)]) for n in range(20)]
    >>> p = plot_cell(h, pathlib.Path(tempfile.mkdtemp()) / "cell.png")
    >>> p.stat().st_size > 1000
    True
    """
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    path = Path(path)
    if not history:
        raise ValueError("history is empty: run at least one slot before plotting")
    t = [h[0] for h in history]
    n_ue = len(history[0][1])
    step = t[0] if len(t) == 1 else t[1] - t[0]
    lag = max(1, round(window_ms / step))
    fig, axes = plt.subplots(3, 1, figsize=(8, 8), sharex=True)
    for k in range(n_ue):
        for ax, col, name in ((axes[0], 0, "DL"), (axes[1], 1, "UL")):
            v = [h[1][k][col] for h in history]
            rate = [8 * (v[i] - v[max(0, i - lag)]) / (1e3 * (t[i] - t[max(0, i - lag)]) or 1)
                    for i in range(len(v))]
            ax.plot(t, rate, label=f"UE {k}")
            ax.set_ylabel(f"{name} Mbit/s\n({window_ms:g} ms window)")
        dl = [h[1][k][3] / h[1][k][2] if h[1][k][2] else float("nan") for h in history]
        ul = [h[1][k][5] / h[1][k][4] if h[1][k][4] else float("nan") for h in history]
        axes[2].plot(t, dl, label=f"UE {k} DL")
        axes[2].plot(t, ul, "--", label=f"UE {k} UL")
    axes[2].set_ylabel("BLER (cumulative)")
    axes[2].set_xlabel("simulated time (ms)")
    for ax in axes:
        ax.grid(True, alpha=0.3)
        ax.legend(fontsize="small")
    fig.tight_layout()
    fig.savefig(path)
    plt.close(fig)
    return path
