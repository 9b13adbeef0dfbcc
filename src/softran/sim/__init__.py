"""softran.sim: scenarios, simulation runs and the figures they produce."""

from softran.sim.plots import plot_grid_and_spectrum

__all__ = ["plot_grid_and_spectrum"]
