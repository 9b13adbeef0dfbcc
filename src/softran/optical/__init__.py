"""Coherent optical transport: transmitter, fibre (split-step Manakov/NLSE), amplifiers,
WDM on the ITU-T G.694.1 grid, coherent receiver DSP (:mod:`softran.optical.dsp`), metrics
(:mod:`softran.optical.metrics`: BER, SER, EVM, SNR, Q, GMI/MI, FEC thresholds), the
GN-model link planner, the GNPy-class network planner (frequency-dependent fibre, SRS,
amplifier models, ROADMs, auto-design, GNPy's JSON files: :mod:`softran.optical.network_plan`)
and the submarine power-budget question (:mod:`softran.optical.submarine`).

Stands alone: imports only torch/numpy and, for QAM mapping, :mod:`softran.nr.modulation`.
Conventions: optical field ``[..., n_pol, n]`` complex in sqrt(W) (power summed over
polarisations), SI units in code, constants in :mod:`softran.optical.constants`.
"""

from softran.optical import metrics, units
from softran.optical.amplifier import EDFA, ase_power
from softran.optical.amplifier_models import AmplifierType
from softran.optical.autodesign import design_network
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
from softran.optical.equipment import Equipment, RoadmType, SpanRules, SpectrumDefaults
from softran.optical.fibre import FibreLink, FibreSpan, dispersion_transfer_function, ssfm
from softran.optical.fibre_model import FibreModel
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
from softran.optical.gnpy_json import (
    GnpyFormatError,
    load_gnpy_equipment,
    load_gnpy_sim_params,
    load_gnpy_topology,
)
from softran.optical.link import Amplifier, Link, LinkError, Span, load_link, validate_link
from softran.optical.network import (
    AmplifierNode,
    FibreNode,
    FusedNode,
    OpticalNetwork,
    RoadmNode,
    TransceiverNode,
)
from softran.optical.network_plan import (
    NetworkPlan,
    link_to_network,
    plan_network,
    plot_gsnr_vs_distance,
    plot_gsnr_vs_frequency,
)
from softran.optical.network_propagation import PropagationOptions, Spectrum, propagate_path
from softran.optical.planner import (
    FronthaulFit,
    PlanResult,
    fronthaul_fits,
    plan,
    plan_table,
    plot_gsnr_vs_power,
)
from softran.optical.raman import srs_flat_comb, srs_power_profile, srs_tilt_db
from softran.optical.submarine import CableSpec, load_cable, optimise_cable
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
    "AmplifierNode",
    "AmplifierType",
    "CableSpec",
    "CoherentReceiver",
    "DPTransmitter",
    "EDFA",
    "Equipment",
    "FibreLink",
    "FibreModel",
    "FibreNode",
    "FibreSpan",
    "FibreType",
    "FronthaulFit",
    "FusedNode",
    "GnpyFormatError",
    "Link",
    "LinkError",
    "LinkResult",
    "NetworkPlan",
    "OPTICAL_MODULATIONS",
    "OSNR_REFERENCE_BANDWIDTH",
    "OpticalNetwork",
    "PLANCK",
    "PlanResult",
    "PropagationOptions",
    "REFERENCE_WAVELENGTH",
    "RoadmNode",
    "RoadmType",
    "SPEED_OF_LIGHT",
    "Span",
    "SpanRules",
    "Spectrum",
    "SpectrumDefaults",
    "TransceiverNode",
    "adaptive_equalize",
    "adc_quantize",
    "ase_power",
    "ase_power_dual_pol",
    "blind_phase_search",
    "cd_compensate",
    "cd_filter_length",
    "cd_transfer_function",
    "coherent_frontend",
    "design_network",
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
    "link_to_network",
    "load_cable",
    "load_gnpy_equipment",
    "load_gnpy_sim_params",
    "load_gnpy_topology",
    "load_link",
    "matched_filter",
    "metrics",
    "nli_coefficient",
    "nli_power",
    "optimise_cable",
    "optimum_launch_power",
    "osnr_to_snr",
    "plan",
    "plan_network",
    "plan_table",
    "plot_gsnr_vs_distance",
    "plot_gsnr_vs_frequency",
    "plot_gsnr_vs_power",
    "propagate_path",
    "pulse_shape",
    "qam_symbols",
    "rrc_filter",
    "rrc_taps",
    "shannon_rate",
    "simulate_link",
    "snr_to_osnr",
    "srs_flat_comb",
    "srs_power_profile",
    "srs_tilt_db",
    "ssfm",
    "units",
    "unwrap_phase",
    "validate_link",
    "viterbi_viterbi",
    "wdm_demultiplex",
    "wdm_multiplex",
]
