"""softran.nr: the 3GPP NR physical layer (TS 38.211 / 38.212 / 38.213 / 38.214)."""

from softran.nr.config import SUBCARRIER_SPACINGS, CarrierConfig

__all__ = ["SUBCARRIER_SPACINGS", "CarrierConfig"]
