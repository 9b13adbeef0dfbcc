"""softran.nr: the 3GPP NR physical layer (TS 38.211 / 38.212 / 38.213 / 38.214)."""

from softran.nr.config import SUBCARRIER_SPACINGS, CarrierConfig
from softran.nr.grid import resource_grid
from softran.nr.ofdm import OFDMInfo, ofdm_demodulate, ofdm_info, ofdm_modulate
from softran.nr.sequences import low_papr_sequence, prbs, pss, sss

__all__ = [
    "SUBCARRIER_SPACINGS",
    "CarrierConfig",
    "OFDMInfo",
    "low_papr_sequence",
    "ofdm_demodulate",
    "ofdm_info",
    "ofdm_modulate",
    "prbs",
    "pss",
    "resource_grid",
    "sss",
]
