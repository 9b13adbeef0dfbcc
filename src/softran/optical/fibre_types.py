"""Named single-mode fibre types with their typical parameters at 1550 nm.

The table is data (``softran/optical/data/fibre_types.json``, loaded once; its header
names the sources): ITU-T G.652.D standard single-mode fibre (``"SSMF"``), G.654.E
large-area terrestrial fibre (``"G.654.E"``), ultra-low-loss large-area submarine fibre
(``"ULL-150"``) and G.655 non-zero dispersion-shifted fibre (``"NZDSF"``). Names and
aliases are matched case-insensitively.

A :class:`FibreType` keeps the datasheet units (dB/km, ps/(nm km), 1/(W km), µm²) and
exposes the SI values that the physics uses as properties (conversions of
:mod:`softran.optical.units`).
"""

from __future__ import annotations

import functools
import json
import math
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from softran.optical.constants import REFERENCE_WAVELENGTH, SPEED_OF_LIGHT
from softran.optical.units import (
    db_per_km_to_per_m,
    dispersion_to_beta2,
    gamma_to_si,
    slope_to_beta3,
)
from softran.validation import check_name

__all__ = ["FibreType", "fibre_type", "fibre_type_names"]

_DATA = Path(__file__).parent / "data" / "fibre_types.json"


@dataclass(frozen=True)
class FibreType:
    """Parameters of a fibre at the 1550 nm reference wavelength, in datasheet units.

    ``alpha_db_km`` power attenuation [dB/km], ``dispersion_ps_nm_km`` D [ps/(nm km)],
    ``slope_ps_nm2_km`` S [ps/(nm² km)], ``gamma_per_w_km`` γ [1/(W km)], ``a_eff_um2``
    effective area [µm²], ``group_index`` n_g.

    >>> f = fibre_type("ssmf")
    >>> f.name, f.alpha_db_km, f.a_eff_um2
    ('SSMF', 0.2, 80.0)
    >>> round(f.beta2 * 1e27, 2)   # -D λ²/(2π c) in ps²/km
    -21.3
    """

    name: str
    standard: str
    alpha_db_km: float
    dispersion_ps_nm_km: float
    slope_ps_nm2_km: float
    gamma_per_w_km: float
    a_eff_um2: float
    group_index: float

    @property
    def alpha(self) -> float:
        """Power attenuation coefficient α [1/m] (``P(z) = P(0) exp(-α z)``)."""
        return db_per_km_to_per_m(self.alpha_db_km)

    @property
    def beta2(self) -> float:
        """Group-velocity dispersion β2 [s²/m] at 1550 nm (Agrawal eq. (1.2.11))."""
        return dispersion_to_beta2(self.dispersion_ps_nm_km, REFERENCE_WAVELENGTH)

    @property
    def beta3(self) -> float:
        """Third-order dispersion β3 [s³/m] at 1550 nm from S and D."""
        return slope_to_beta3(self.slope_ps_nm2_km, self.dispersion_ps_nm_km,
                              REFERENCE_WAVELENGTH)

    @property
    def gamma(self) -> float:
        """Nonlinear coefficient γ [1/(W m)]."""
        return gamma_to_si(self.gamma_per_w_km)

    @property
    def a_eff(self) -> float:
        """Effective area [m²]."""
        return self.a_eff_um2 * 1e-12

    @property
    def delay_per_m(self) -> float:
        """Group delay per metre ``n_g / c`` [s/m] (1.468 / c = 4.897 µs/km)."""
        return self.group_index / SPEED_OF_LIGHT


@functools.cache
def _table() -> tuple[dict[str, FibreType], dict[str, str]]:
    data: dict[str, Any] = json.loads(_DATA.read_text(encoding="utf-8"))
    types: dict[str, FibreType] = {}
    aliases: dict[str, str] = {}
    for name, row in data["types"].items():
        values = {k: float(row[k]) for k in ("alpha_db_km", "dispersion_ps_nm_km",
                                              "slope_ps_nm2_km", "gamma_per_w_km",
                                              "a_eff_um2", "group_index")}
        if not all(math.isfinite(v) for v in values.values()):
            raise ValueError(f"{_DATA.name}: fibre type {name!r} has a non-finite value")
        types[name] = FibreType(name=name, standard=str(row["standard"]), **values)
        aliases[name] = name
        for alias in row.get("aliases", []):
            aliases[str(alias)] = name
    return types, aliases


def fibre_type_names() -> tuple[str, ...]:
    """The fibre type names of the table (aliases excluded).

    >>> fibre_type_names()
    ('SSMF', 'G.654.E', 'ULL-150', 'NZDSF')
    """
    return tuple(_table()[0])


def fibre_type(name: str) -> FibreType:
    """The :class:`FibreType` called ``name`` or one of its aliases (case-insensitive):
    ``"SSMF"`` (``"G.652.D"``, ``"SMF"``), ``"G.654.E"``, ``"ULL-150"`` (``"ULL"``,
    ``"submarine"``), ``"NZDSF"`` (``"G.655"``, ``"LEAF"``).

    >>> fibre_type("G.655").dispersion_ps_nm_km
    4.0
    """
    types, aliases = _table()
    canonical = check_name("fibre", name, list(aliases))
    return types[aliases[canonical]]
