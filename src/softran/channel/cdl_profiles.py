"""Clustered-delay-line (CDL) profiles of TR 38.901 §7.7.1, Tables 7.7.1-1..5, and the
ray offset angles of Table 7.5-3.

The tables are read from ``softran/channel/data/tr38901_CDL-*.json`` (copied from the
shared 3GPP reference set) and ``tr38901_ray_offsets.json``, never retyped here. Delays
are normalised to the delay spread (§7.7.3: ``tau_scaled = tau_model * DS_desired``);
angles are in degrees.

For the LOS profiles (CDL-D, CDL-E) row 0 is the specular LOS path and row 1 the
Laplacian (NLOS) part of cluster 1, at the same delay and angles; the K factor of
cluster 1 is ``powers_db[0] - powers_db[1]`` (13.3 dB for CDL-D, 22.0 dB for CDL-E).
"""

from __future__ import annotations

import functools
import json
import math
from dataclasses import dataclass
from importlib import resources

from softran.validation import check_name

__all__ = ["CDLProfile", "CDL_PROFILE_NAMES", "cdl_profile", "ray_offset_angles"]

_FILES: dict[str, str] = {f"CDL-{x}": f"tr38901_CDL-{x}.json" for x in "ABCDE"}

#: Names accepted by :func:`cdl_profile` (case-insensitive; "-", "_" and spaces ignored).
CDL_PROFILE_NAMES: tuple[str, ...] = tuple(_FILES)


def _tuple(name: str, values: object) -> tuple[float, ...]:
    if not isinstance(values, (tuple, list)):
        raise TypeError(f"{name} must be a sequence of numbers, got {type(values).__name__}")
    out = []
    for v in values:
        if isinstance(v, bool) or not isinstance(v, (int, float)) or not math.isfinite(v):
            raise ValueError(f"{name} contains {v!r}; allowed: finite numbers")
        out.append(float(v))
    return tuple(out)


def _nonneg(name: str, v: object) -> float:
    if isinstance(v, bool) or not isinstance(v, (int, float)) or not (0 <= v < math.inf):
        raise ValueError(f"{name} = {v!r} is not allowed; it must be a finite number >= 0")
    return float(v)


@dataclass(frozen=True)
class CDLProfile:
    """One CDL model (TR 38.901 §7.7.1): per-path delay, power and angles, cluster
    angle spreads and XPR. Constructing one by hand gives a custom model.

    Attributes:
        name: canonical name (``"CDL-A"`` ...), free text for custom models.
        delays: normalised path delays (units of the delay spread), ``>= 0``.
        powers_db: path powers in dB as tabulated (not normalised).
        aod, aoa, zod, zoa: cluster angles in degrees (azimuth/zenith of departure/arrival).
        c_asd, c_asa, c_zsd, c_zsa: cluster-wise rms angle spreads in degrees (``>= 0``).
        xpr_db: cross-polarisation power ratio in dB.
        los: true when row 0 is the specular LOS path.
    """

    name: str
    delays: tuple[float, ...]
    powers_db: tuple[float, ...]
    aod: tuple[float, ...]
    aoa: tuple[float, ...]
    zod: tuple[float, ...]
    zoa: tuple[float, ...]
    c_asd: float
    c_asa: float
    c_zsd: float
    c_zsa: float
    xpr_db: float
    los: bool

    def __post_init__(self) -> None:
        n = None
        for field in ("delays", "powers_db", "aod", "aoa", "zod", "zoa"):
            v = _tuple(field, getattr(self, field))
            object.__setattr__(self, field, v)
            if n is None:
                n = len(v)
            elif len(v) != n:
                raise ValueError(f"{field} has {len(v)} entries but delays has {n}; "
                                 "every per-path field needs one entry per path")
        if not n:
            raise ValueError("a CDL profile needs at least one path")
        if min(self.delays) < 0:
            raise ValueError(f"delays = {self.delays} is not allowed; delays must be >= 0")
        for field in ("c_asd", "c_asa", "c_zsd", "c_zsa"):
            object.__setattr__(self, field, _nonneg(field, getattr(self, field)))
        x = self.xpr_db
        if isinstance(x, bool) or not isinstance(x, (int, float)) or not math.isfinite(x):
            raise ValueError(f"xpr_db = {x!r} is not allowed; it must be a finite number")
        object.__setattr__(self, "xpr_db", float(x))
        if not isinstance(self.los, bool):
            raise TypeError(f"los must be a bool, got {type(self.los).__name__}")

    @property
    def n_paths(self) -> int:
        """Number of table rows (for LOS models the LOS path counts as one)."""
        return len(self.delays)

    @property
    def k_factor_db(self) -> float | None:
        """K factor of cluster 1 in dB (LOS models with a second row), else ``None``."""
        if not self.los or self.n_paths < 2:
            return None
        return round(self.powers_db[0] - self.powers_db[1], 6)

    def rms_delay_spread(self) -> float:
        """RMS delay spread of the profile in units of the delay spread (§7.7.3).

        >>> round(cdl_profile("CDL-C").rms_delay_spread(), 4)
        1.0
        """
        p = [10.0 ** (x / 10.0) for x in self.powers_db]
        total = sum(p)
        mean = sum(a * t for a, t in zip(p, self.delays)) / total
        return math.sqrt(sum(a * (t - mean) ** 2 for a, t in zip(p, self.delays)) / total)


def _canonical(name: object) -> str:
    if isinstance(name, str):
        key = name.upper().replace("-", "").replace("_", "").replace(" ", "")
        for canonical in CDL_PROFILE_NAMES:
            if canonical.replace("-", "") == key:
                return canonical
    return check_name("name", name, CDL_PROFILE_NAMES)  # raises with the allowed names


@functools.cache
def _load(canonical: str) -> CDLProfile:
    text = resources.files("softran.channel").joinpath("data", _FILES[canonical]).read_text()
    d = json.loads(text)
    return CDLProfile(
        name=canonical, delays=tuple(d["delays"]), powers_db=tuple(d["powers"]),
        aod=tuple(d["aod"]), aoa=tuple(d["aoa"]), zod=tuple(d["zod"]), zoa=tuple(d["zoa"]),
        c_asd=d["cASD"], c_asa=d["cASA"], c_zsd=d["cZSD"], c_zsa=d["cZSA"],
        xpr_db=d["xpr"], los=bool(d["los"]))


def cdl_profile(name: str) -> CDLProfile:
    """Return the CDL model ``name`` (TR 38.901 Tables 7.7.1-1..5).

    Args:
        name: ``"CDL-A"`` .. ``"CDL-E"``; case-insensitive, ``"-"``/``"_"``/spaces
            ignored (``"cdlc"``, ``"CDL_C"``).

    Returns:
        A frozen :class:`CDLProfile` with normalised delays and angles in degrees.

    >>> p = cdl_profile("cdlc")
    >>> p.name, p.n_paths, p.delays[:2], p.powers_db[:2], p.c_asa, p.xpr_db
    ('CDL-C', 24, (0.0, 0.2099), (-4.4, -1.2), 15.0, 7.0)
    >>> cdl_profile("CDL-D").k_factor_db
    13.3
    """
    return _load(_canonical(name))


@functools.cache
def ray_offset_angles() -> tuple[float, ...]:
    """Ray offset angles ``α_m``, m = 1..20, for unit rms angle spread (TR 38.901
    Table 7.5-3), in table order.

    >>> ray_offset_angles()[:4]
    (0.0447, -0.0447, 0.1413, -0.1413)
    """
    path = resources.files("softran.channel").joinpath("data", "tr38901_ray_offsets.json")
    text = path.read_text()
    return tuple(float(a) for a in json.loads(text)["alpha_m"])
