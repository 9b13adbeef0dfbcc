"""Coherent receiver DSP (Savory, IEEE JSTQE 16(5) 2010): CD compensation, matched filter,
clock recovery, 2x2 adaptive equalisation, carrier recovery, digital back-propagation and the
:class:`CoherentReceiver` chain."""

from softran.optical.dsp.carrier import (
    blind_phase_search,
    frequency_offset_compensate,
    frequency_offset_estimate,
    unwrap_phase,
    viterbi_viterbi,
)
from softran.optical.dsp.cd_compensation import (
    cd_compensate,
    cd_filter_length,
    cd_transfer_function,
)
from softran.optical.dsp.clock_recovery import gardner_clock_recovery
from softran.optical.dsp.dbp import digital_back_propagation
from softran.optical.dsp.equalizer import ALGORITHMS, adaptive_equalize
from softran.optical.dsp.matched_filter import matched_filter, rrc_taps
from softran.optical.dsp.receiver import CoherentReceiver

__all__ = [
    "ALGORITHMS",
    "CoherentReceiver",
    "adaptive_equalize",
    "blind_phase_search",
    "cd_compensate",
    "cd_filter_length",
    "cd_transfer_function",
    "digital_back_propagation",
    "frequency_offset_compensate",
    "frequency_offset_estimate",
    "gardner_clock_recovery",
    "matched_filter",
    "rrc_taps",
    "unwrap_phase",
    "viterbi_viterbi",
]
