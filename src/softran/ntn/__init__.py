"""NR over satellite (NTN, 3GPP Rel-17 transparent payload): orbits, geometry, delay and
Doppler, visibility, link budget and UE pre-compensation.

Stands alone (imports nothing from ``sim``, ``cli`` or ``oran``): numpy arrays in SI units,
WGS-84 frames through ``pymap3d``, TLE propagation through ``sgp4``, ITU-R propagation
losses through ``itur`` (loaded on first use). The NTN fading channels are in
:mod:`softran.channel` (:class:`~softran.channel.NTNTDLChannel`).
"""

from softran.ntn.budget import (
    BOLTZMANN_DBW,
    BudgetResult,
    LinkBudget,
    atmospheric_losses,
    cnr_db,
    free_space_path_loss,
    g_over_t,
)
from softran.ntn.compensation import (
    T_C,
    PrecompensationErrors,
    Residual,
    k_mac,
    k_offset,
    residual_after_precompensation,
    slots_covering,
    timing_advance,
)
from softran.ntn.constants import EARTH_MU, EARTH_RADIUS, SPEED_OF_LIGHT, WGS84_A, WGS84_B
from softran.ntn.geometry import GroundPoint, look_angles, slant_range
from softran.ntn.link_geometry import LinkGeometry, link_geometry, range_derivatives
from softran.ntn.orbit import CircularOrbit, OrbitState, TLEOrbit, tle_checksum
from softran.ntn.visibility import (
    max_doppler,
    max_doppler_rate,
    pass_duration,
    visibility_windows,
)

__all__ = [
    "BOLTZMANN_DBW",
    "EARTH_MU",
    "EARTH_RADIUS",
    "SPEED_OF_LIGHT",
    "T_C",
    "WGS84_A",
    "WGS84_B",
    "BudgetResult",
    "CircularOrbit",
    "GroundPoint",
    "LinkBudget",
    "LinkGeometry",
    "OrbitState",
    "PrecompensationErrors",
    "Residual",
    "TLEOrbit",
    "atmospheric_losses",
    "cnr_db",
    "free_space_path_loss",
    "g_over_t",
    "k_mac",
    "k_offset",
    "link_geometry",
    "look_angles",
    "max_doppler",
    "max_doppler_rate",
    "pass_duration",
    "range_derivatives",
    "residual_after_precompensation",
    "slant_range",
    "slots_covering",
    "timing_advance",
    "tle_checksum",
    "visibility_windows",
]
