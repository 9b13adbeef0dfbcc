"""CoherentReceiver: the DSP chain of a digital coherent receiver (Savory 2010, Fig. 2).

Stages, in order (each a callable ``Tensor -> Tensor`` in :attr:`CoherentReceiver.stages`,
an ordered dict the caller may edit: replace a stage, set it to ``None`` to skip it, or
insert one):

1. ``"cdc"``: :func:`cd_compensate` of the accumulated dispersion (skipped when D L = 0);
2. ``"matched_filter"``: RRC :func:`matched_filter`;
3. ``"clock_recovery"``: :func:`gardner_clock_recovery` to 2 samples per symbol (when
   disabled, plain decimation from ``sps`` to 2);
4. ``"equalizer"``: :func:`adaptive_equalize` 2x2 CMA -> RDE (16/64/256QAM) or CMA (QPSK);
5. ``"foe"``: :func:`frequency_offset_estimate` + :func:`frequency_offset_compensate`;
6. ``"cpr"``: :func:`blind_phase_search` (or :func:`viterbi_viterbi`).
"""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Callable

import torch

from softran.optical.constants import REFERENCE_WAVELENGTH
from softran.optical.dsp.carrier import (
    blind_phase_search,
    frequency_offset_compensate,
    frequency_offset_estimate,
    viterbi_viterbi,
)
from softran.optical.dsp.cd_compensation import cd_compensate
from softran.optical.dsp.clock_recovery import gardner_clock_recovery
from softran.optical.dsp.equalizer import adaptive_equalize
from softran.optical.dsp.matched_filter import matched_filter
from softran.optical.qam import check_modulation, check_signal
from softran.validation import check_choice, check_int, check_positive

__all__ = ["CoherentReceiver"]

Stage = Callable[[torch.Tensor], torch.Tensor]


class CoherentReceiver(torch.nn.Module):
    """Chain of coherent-receiver DSP stages with swappable stages (Savory 2010 Fig. 2).

    Args:
        modulation: ``"QPSK"``, ``"16QAM"``, ``"64QAM"`` or ``"256QAM"``.
        symbol_rate: ``rs`` [Bd]. sps: samples per symbol of the input (even, >= 2).
        rolloff: RRC roll-off of the transmitter.
        dispersion: D [s/m^2] and ``length`` [m] of the link to compensate.
        wavelength: carrier wavelength [m].
        n_taps, schedule: equaliser taps and schedule (default ``[("cma", 5000, 1e-3),
            ("rde", None, 5e-4)]``; CMA only for QPSK).
        clock_recovery: use the Gardner loop (else decimate by ``sps / 2``).
        cpr: ``"bps"`` or ``"vv"``; ``n_test_phases`` and ``cpr_half_window`` set them.
        foe: estimate and remove a carrier frequency offset.

    ``forward(x)``: ``x`` ``[..., 2, n]`` complex baseband (e.g. :func:`coherent_frontend`
    output) at ``sps * symbol_rate`` -> ``[..., 2, n // sps]`` recovered symbols (unit-power
    scale; delay, polarisation order and the pi/2 ambiguity unresolved, see
    :func:`softran.optical.metrics.align_symbols`).

    >>> rx = CoherentReceiver("16QAM", 32e9, 2)
    >>> list(rx.stages)
    ['cdc', 'matched_filter', 'clock_recovery', 'equalizer', 'foe', 'cpr']
    >>> rx.stages["cpr"] = None                                  # skip a stage
    """

    def __init__(self, modulation: str, symbol_rate: float, sps: int = 2, *,
                 rolloff: float = 0.1, dispersion: float = 0.0, length: float = 0.0,
                 wavelength: float = REFERENCE_WAVELENGTH, n_taps: int = 15,
                 schedule: tuple[tuple[str, int | None, float], ...] | None = None,
                 clock_recovery: bool = True, cpr: str = "bps", n_test_phases: int = 32,
                 cpr_half_window: int = 16, foe: bool = True) -> None:
        super().__init__()
        self.modulation = check_modulation(modulation)
        self.symbol_rate = check_positive("symbol_rate", symbol_rate)
        self.sps = check_int("sps", sps, 2)
        if self.sps % 2:
            raise ValueError(f"sps = {sps} is not allowed; it must be even")
        cpr = check_choice("cpr", cpr, ("bps", "vv"))
        if schedule is None:
            schedule = ((("cma", None, 1e-3),) if self.modulation == "QPSK"
                        else (("cma", 5000, 1e-3), ("rde", None, 5e-4)))
        fs = self.sps * self.symbol_rate
        mod, s = self.modulation, self.sps
        self.stages: OrderedDict[str, Stage | None] = OrderedDict()
        self.stages["cdc"] = (None if dispersion == 0 or length == 0 else
                              lambda x: cd_compensate(x, fs, dispersion, length, wavelength))
        self.stages["matched_filter"] = lambda x: matched_filter(x, s, rolloff)
        self.stages["clock_recovery"] = ((lambda x: gardner_clock_recovery(x, s)[0])
                                         if clock_recovery else (lambda x: x[..., ::s // 2]))
        self.stages["equalizer"] = lambda x: adaptive_equalize(
            x, mod, n_taps=n_taps, schedule=schedule)[0]
        self.stages["foe"] = ((lambda x: frequency_offset_compensate(
            x, frequency_offset_estimate(x, 1.0)[..., None], 1.0)) if foe else None)
        if cpr == "bps":
            self.stages["cpr"] = lambda x: blind_phase_search(x, mod, n_test_phases,
                                                              cpr_half_window)[0]
        else:
            self.stages["cpr"] = lambda x: viterbi_viterbi(x, cpr_half_window)[0]

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        """Run the stages in order on ``x`` ``[..., 2, n]``."""
        x = check_signal("x", x, min_dim=2)
        if x.shape[-2] != 2:
            raise ValueError(f"x must have 2 polarisations in dimension -2, got shape "
                             f"{tuple(x.shape)}")
        for stage in self.stages.values():
            if stage is not None:
                x = stage(x)
        return x
