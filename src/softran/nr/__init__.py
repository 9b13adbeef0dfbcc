"""softran.nr: the 3GPP NR physical layer (TS 38.211 / 38.212 / 38.213 / 38.214)."""

from softran.nr.config import SUBCARRIER_SPACINGS, CarrierConfig
from softran.nr.crc import CRC_POLYNOMIALS, crc_decode, crc_encode, crc_length
from softran.nr.downlink_slot import DownlinkSlot, downlink_slot
from softran.nr.grid import resource_grid
from softran.nr.modulation import (
    MODULATIONS,
    bits_per_symbol,
    constellation,
    symbol_demodulate,
    symbol_modulate,
)
from softran.nr.ofdm import OFDMInfo, ofdm_demodulate, ofdm_info, ofdm_modulate
from softran.nr.sequences import low_papr_sequence, prbs, pss, sss

__all__ = [
    "CRC_POLYNOMIALS",
    "MODULATIONS",
    "SUBCARRIER_SPACINGS",
    "CarrierConfig",
    "DownlinkSlot",
    "OFDMInfo",
    "bits_per_symbol",
    "constellation",
    "crc_decode",
    "crc_encode",
    "crc_length",
    "downlink_slot",
    "low_papr_sequence",
    "ofdm_demodulate",
    "ofdm_info",
    "ofdm_modulate",
    "prbs",
    "pss",
    "resource_grid",
    "sss",
    "symbol_demodulate",
    "symbol_modulate",
]
