"""Coherent optical transport: transmitter, fibre (split-step Manakov/NLSE), amplifiers,
WDM on the ITU-T G.694.1 grid, coherent receiver DSP (:mod:`softran.optical.dsp`), metrics
(:mod:`softran.optical.metrics`: BER, SER, EVM, SNR, Q, GMI/MI, FEC thresholds) and the
GN-model link planner.

Stands alone: imports only torch/numpy and, for QAM mapping, :mod:`softran.nr.modulation`.
Conventions: optical field ``[..., n_pol, n]`` complex in sqrt(W) (power summed over
polarisations), SI units in code, constants in :mod:`softran.optical.constants`.
"""

from softran.optical import metrics, units
from softran.optical.amplifier import EDFA, ase_power
from softran.optical.constants import PLANCK, REFERENCE_WAVELENGTH, SPEED_OF_LIGHT
from softran.optical.dsp import (
    CoherentReceiver,
    adaptive_equalize,
    blind_phase_search,
    cd_compensate,
    cd_filter_length,
    cd_transfer_function,
    digital_back_propagation,
    frequency_offset_compensate,
    frequency_offset_estimate,
    gardner_clock_recovery,
    matched_filter,
    rrc_taps,
    unwrap_phase,
    viterbi_viterbi,
)
from softran.optical.fibre import FibreLink, FibreSpan, dispersion_transfer_function, ssfm
from softran.optical.fibre_types import FibreType, fibre_type, fibre_type_names
from softran.optical.frontend import adc_quantize, coherent_frontend
from softran.optical.gn_model import (
    ase_power_dual_pol,
    fibre_latency,
    gsnr,
    nli_coefficient,
    nli_power,
    optimum_launch_power,
    shannon_rate,
)
from softran.optical.link import Amplifier, Link, LinkError, Span, load_link, validate_link
from softran.optical.planner import (
    FronthaulFit,
    PlanResult,
    fronthaul_fits,
    plan,
    plan_table,
    plot_gsnr_vs_power,
)
from softran.optical.system import (
    OSNR_REFERENCE_BANDWIDTH,
    LinkResult,
    osnr_to_snr,
    simulate_link,
    snr_to_osnr,
)
from softran.optical.transmitter import (
    OPTICAL_MODULATIONS,
    DPTransmitter,
    laser_phase_noise,
    pulse_shape,
    qam_symbols,
    rrc_filter,
)
from softran.optical.wdm import flex_slot, itu_grid, wdm_demultiplex, wdm_multiplex

__all__ = [
    "Amplifier",
    "CoherentReceiver",
    "DPTransmitter",
    "EDFA",
    "FibreLink",
    "FibreSpan",
    "FibreType",
    "FronthaulFit",
    "Link",
    "LinkError",
    "LinkResult",
    "OPTICAL_MODULATIONS",
    "OSNR_REFERENCE_BANDWIDTH",
    "PLANCK",
    "PlanResult",
    "REFERENCE_WAVELENGTH",
    "SPEED_OF_LIGHT",
    "Span",
    "adaptive_equalize",
    "adc_quantize",
    "ase_power",
    "ase_power_dual_pol",
    "blind_phase_search",
    "cd_compensate",
    "cd_filter_length",
    "cd_transfer_function",
    "coherent_frontend",
    "digital_back_propagation",
    "dispersion_transfer_function",
    "fibre_latency",
    "fibre_type",
    "fibre_type_names",
    "flex_slot",
    "frequency_offset_compensate",
    "frequency_offset_estimate",
    "fronthaul_fits",
    "gardner_clock_recovery",
    "gsnr",
    "itu_grid",
    "laser_phase_noise",
    "load_link",
    "matched_filter",
    "metrics",
    "nli_coefficient",
    "nli_power",
    "optimum_launch_power",
    "osnr_to_snr",
    "plan",
    "plan_table",
    "plot_gsnr_vs_power",
    "pulse_shape",
    "qam_symbols",
    "rrc_filter",
    "rrc_taps",
    "shannon_rate",
    "simulate_link",
    "snr_to_osnr",
    "ssfm",
    "units",
    "unwrap_phase",
    "validate_link",
    "viterbi_viterbi",
    "wdm_demultiplex",
    "wdm_multiplex",
]
