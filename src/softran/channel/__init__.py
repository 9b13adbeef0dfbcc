"""Channel models: AWGN (TS 38.104 SNR per RE per receive antenna) and TDL fading
(TR 38.901 §7.7.2; TS 38.101-4 / TS 38.104 conformance profiles).

Stands alone: imports nothing from :mod:`softran.nr`.
"""

from softran.channel.awgn import AWGN, ebn0_from_esn0, esn0_from_ebn0, noise_variance
from softran.channel.profiles import TDL_PROFILE_NAMES, TDLProfile, tdl_profile
from softran.channel.tdl import TDLChannel, spatial_correlation_matrix

__all__ = [
    "AWGN",
    "TDLChannel",
    "TDLProfile",
    "TDL_PROFILE_NAMES",
    "ebn0_from_esn0",
    "esn0_from_ebn0",
    "noise_variance",
    "spatial_correlation_matrix",
    "tdl_profile",
]
