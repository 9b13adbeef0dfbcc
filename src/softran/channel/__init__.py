"""Channel models: AWGN (TS 38.104 SNR per RE per receive antenna), TDL fading
(TR 38.901 §7.7.2; TS 38.101-4 / TS 38.104 conformance profiles) and CDL fading
(TR 38.901 §7.7.1) between antenna panels (§7.3); carrier frequency offset, timing
offset and phase noise impairment blocks.
Transmitter impairments: memoryless power amplifier (Rapp, Saleh) and IQ imbalance.

Stands alone: imports nothing from :mod:`softran.nr`.
"""

from softran.channel.antenna import AntennaArray, element_pattern_db
from softran.channel.awgn import AWGN, ebn0_from_esn0, esn0_from_ebn0, noise_variance
from softran.channel.cdl import CDLChannel, angular_spread
from softran.channel.cdl_profiles import CDL_PROFILE_NAMES, CDLProfile, cdl_profile
from softran.channel.fractional_delay import fractional_delay_error, fractional_delay_taps
from softran.channel.impairments import (
    PHASE_NOISE_MODELS,
    PHASE_NOISE_PARAMETER_SETS,
    FrequencyOffset,
    PhaseNoise,
    TimingOffset,
    phase_noise_psd,
)
from softran.channel.iq_imbalance import IQImbalance, image_rejection_ratio_db
from softran.channel.ntn import NTNCDLChannel, NTNTDLChannel, SatelliteDoppler
from softran.channel.ntn_profiles import (
    NTN_CDL_PROFILE_NAMES,
    NTN_TDL_PROFILE_NAMES,
    ntn_cdl_profile,
    ntn_tdl_profile,
)
from softran.channel.power_amplifier import PA_MODELS, PowerAmplifier
from softran.channel.profiles import TDL_PROFILE_NAMES, TDLProfile, tdl_profile
from softran.channel.tdl import TDLChannel, spatial_correlation_matrix

__all__ = [
    "PA_MODELS",
    "PHASE_NOISE_MODELS",
    "PHASE_NOISE_PARAMETER_SETS",
    "FrequencyOffset",
    "IQImbalance",
    "PhaseNoise",
    "PowerAmplifier",
    "TimingOffset",
    "phase_noise_psd",
    "AWGN",
    "AntennaArray",
    "CDLChannel",
    "CDLProfile",
    "CDL_PROFILE_NAMES",
    "TDLChannel",
    "TDLProfile",
    "TDL_PROFILE_NAMES",
    "angular_spread",
    "cdl_profile",
    "ebn0_from_esn0",
    "element_pattern_db",
    "esn0_from_ebn0",
    "image_rejection_ratio_db",
    "noise_variance",
    "spatial_correlation_matrix",
    "tdl_profile",
    "NTNCDLChannel",
    "NTNTDLChannel",
    "NTN_CDL_PROFILE_NAMES",
    "NTN_TDL_PROFILE_NAMES",
    "SatelliteDoppler",
    "ntn_cdl_profile",
    "ntn_tdl_profile",
    "fractional_delay_error",
    "fractional_delay_taps",
]
