"""Tapped-delay-line (TDL) power-delay profiles.

* TR 38.901 §7.7.2, Tables 7.7.2-1..5: ``"TDL-A"`` .. ``"TDL-E"``, delays normalised to
  the delay spread (scale with §7.7.3: ``tau_scaled = tau_model * DS_desired``).
* TS 38.101-4 Annex B / TS 38.104 Annex G conformance profiles with absolute delays:
  ``"TDLA10"``, ``"TDLA30"``, ``"TDLB100"``, ``"TDLC60"``, ``"TDLC300"``, ``"TDLD10"``,
  ``"TDLD30"`` (the number is the RMS delay spread in ns).

The tables are read from ``softran/channel/data/*.json`` (copied from the shared 3GPP
reference set), never retyped here.

For LOS profiles (TDL-D, TDL-E, TDLD10, TDLD30) the first two entries share delay 0:
entry 0 is the specular LOS path and entry 1 the Rayleigh (Laplacian) part of the first
tap. The K factor of the first tap is therefore ``powers_db[0] - powers_db[1]``
(13.3 dB for TDL-D and 22.0 dB for TDL-E, as TR 38.901 Tables 7.7.2-4/5 state).
"""

from __future__ import annotations

import functools
import json
import math
from dataclasses import dataclass
from importlib import resources

from softran.validation import check_name

__all__ = ["TDLProfile", "tdl_profile", "TDL_PROFILE_NAMES"]

_FILES: dict[str, str] = {
    "TDL-A": "tr38901_TDL-A.json",
    "TDL-B": "tr38901_TDL-B.json",
    "TDL-C": "tr38901_TDL-C.json",
    "TDL-D": "tr38901_TDL-D.json",
    "TDL-E": "tr38901_TDL-E.json",
    "TDLA10": "ts38101-4_TDL-A10.json",
    "TDLA30": "ts38101-4_TDL-A30.json",
    "TDLB100": "ts38101-4_TDL-B100.json",
    "TDLC60": "ts38101-4_TDL-C60.json",
    "TDLC300": "ts38101-4_TDL-C300.json",
    "TDLD10": "ts38101-4_TDL-D10.json",
    "TDLD30": "ts38101-4_TDL-D30.json",
}

#: Names accepted by :func:`tdl_profile` (case-insensitive).
TDL_PROFILE_NAMES: tuple[str, ...] = tuple(_FILES)


@dataclass(frozen=True)
class TDLProfile:
    """One TDL power-delay profile.

    Attributes:
        name: canonical name (``"TDL-A"``, ``"TDLC300"``, ...).
        delays: path delays; normalised (units of the delay spread) when
            ``scale_delays`` is true (TR 38.901), else in seconds (conformance profiles).
        powers_db: path powers in dB, as tabulated (not normalised).
        los: true when path 0 is a specular LOS path (Rician first tap).
        k_factor_db: K factor of the first tap in dB (LOS profiles), else ``None``.
        scale_delays: true when ``delays`` must be multiplied by a delay spread.
    """

    name: str
    delays: tuple[float, ...]
    powers_db: tuple[float, ...]
    los: bool
    k_factor_db: float | None
    scale_delays: bool

    @property
    def n_paths(self) -> int:
        """Number of paths (for LOS profiles the LOS path counts as one)."""
        return len(self.delays)

    def rms_delay_spread(self) -> float:
        """RMS delay spread of the profile in the units of ``delays`` (TR 38.901 §7.7.3).

        >>> round(tdl_profile("TDL-A").rms_delay_spread(), 3)
        1.0
        """
        p = [10.0 ** (x / 10.0) for x in self.powers_db]
        total = sum(p)
        mean = sum(a * t for a, t in zip(p, self.delays)) / total
        return math.sqrt(sum(a * (t - mean) ** 2 for a, t in zip(p, self.delays)) / total)


@functools.cache
def tdl_profile(name: str) -> TDLProfile:
    """Return the TDL profile ``name`` (TR 38.901 Tables 7.7.2-1..5; TS 38.101-4 Annex B).

    Args:
        name: one of :data:`TDL_PROFILE_NAMES`, case-insensitive.

    Returns:
        A frozen :class:`TDLProfile`; conformance profiles carry delays in seconds.

    >>> p = tdl_profile("TDL-A")
    >>> p.delays[:3], p.powers_db[:3], p.scale_delays
    ((0.0, 0.3819, 0.4025), (-13.4, 0.0, -2.2), True)
    >>> tdl_profile("tdl-d").k_factor_db
    13.3
    """
    canonical = check_name("name", name, TDL_PROFILE_NAMES)
    text = resources.files("softran.channel").joinpath("data", _FILES[canonical]).read_text()
    data = json.loads(text)
    delays = [float(d) for d in data["delays"]]
    powers = [float(p) for p in data["powers"]]
    if len(delays) != len(powers):
        raise ValueError(f"profile {canonical}: {len(delays)} delays but {len(powers)} powers")
    scale = bool(data["scale_delays"])
    if not scale:
        delays = [d * 1e-9 for d in delays]  # tabulated in ns
    los = bool(data["los"])
    k_db = round(powers[0] - powers[1], 6) if los else None
    return TDLProfile(canonical, tuple(delays), tuple(powers), los, k_db, scale)
