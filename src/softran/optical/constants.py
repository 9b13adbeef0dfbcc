"""Physical constants of softran.optical, in SI units (one place for every module).

PLANCK and SPEED_OF_LIGHT are the exact SI defining constants (SI Brochure, 9th ed., 2019);
REFERENCE_WAVELENGTH is the 1550 nm reference of the C band.
"""

from __future__ import annotations

__all__ = ["ITU_ANCHOR_FREQUENCY", "ITU_FIXED_SPACINGS", "ITU_FLEX_CENTRE_GRANULARITY",
           "ITU_FLEX_SLOT_GRANULARITY", "PLANCK", "REFERENCE_WAVELENGTH", "SPEED_OF_LIGHT"]

#: Planck constant h [J s] (exact, SI 2019).
PLANCK: float = 6.62607015e-34
#: Speed of light in vacuum c [m/s] (exact, SI 2019).
SPEED_OF_LIGHT: float = 299792458.0
#: Reference wavelength [m] (1550 nm).
REFERENCE_WAVELENGTH: float = 1550e-9

#: ITU-T G.694.1: anchor of the DWDM frequency grid [Hz] (193.1 THz).
ITU_ANCHOR_FREQUENCY: float = 193.1e12
#: ITU-T G.694.1 fixed grid: channel spacings [Hz] (12.5, 25, 50, 100 GHz).
ITU_FIXED_SPACINGS: tuple[float, ...] = (12.5e9, 25e9, 50e9, 100e9)
#: ITU-T G.694.1 flexible grid: nominal central frequency granularity [Hz] (6.25 GHz).
ITU_FLEX_CENTRE_GRANULARITY: float = 6.25e9
#: ITU-T G.694.1 flexible grid: slot width granularity [Hz] (12.5 GHz).
ITU_FLEX_SLOT_GRANULARITY: float = 12.5e9
