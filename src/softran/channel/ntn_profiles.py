"""NTN tapped-delay-line profiles (TR 38.811 §6.9.2) and the NTN conformance profiles
(TS 38.101-5 / TS 38.108 names), as :class:`~softran.channel.TDLProfile` objects so that
:class:`~softran.channel.TDLChannel` runs them unchanged.

* ``"NTN-TDL-A"`` .. ``"NTN-TDL-D"``: TR 38.811 Tables 6.9.2-1..4, delays normalised to the
  delay spread (scale with TR 38.901 §7.7.3). A and B are NLOS (Rayleigh taps); C and D are
  LOS: entry 0 is the specular LOS path, entry 1 the Rayleigh part of the first tap, so
  ``K = powers_db[0] - powers_db[1]`` (10.224 dB and 11.707 dB).
* ``"NTN-TDLA100"``, ``"NTN-TDLC5"``: conformance profiles with absolute delays (ns in the
  files). Their provenance is weaker (one public copy; see the files' ``_source``).

The NTN-CDL tables (TR 38.811 §6.9.1) were not available; :func:`ntn_cdl_profile` says so.
"""

from __future__ import annotations

import functools
import json
from importlib import resources

from softran.channel.cdl_profiles import CDLProfile
from softran.channel.profiles import TDLProfile
from softran.validation import check_name

__all__ = ["NTN_CDL_PROFILE_NAMES", "NTN_TDL_PROFILE_NAMES", "ntn_cdl_profile",
           "ntn_tdl_profile"]

_TDL_FILES: dict[str, str] = {
    "NTN-TDL-A": "tr38811_NTN-TDL-A.json",
    "NTN-TDL-B": "tr38811_NTN-TDL-B.json",
    "NTN-TDL-C": "tr38811_NTN-TDL-C.json",
    "NTN-TDL-D": "tr38811_NTN-TDL-D.json",
    "NTN-TDLA100": "ts38101-5_NTN-TDLA100.json",
    "NTN-TDLC5": "ts38101-5_NTN-TDLC5.json",
}
_CDL_FILES: dict[str, str] = {f"NTN-CDL-{x}": f"tr38811_NTN-CDL-{x}.json" for x in "ABCD"}

#: names accepted by :func:`ntn_tdl_profile` (case-insensitive)
NTN_TDL_PROFILE_NAMES: tuple[str, ...] = tuple(_TDL_FILES)
#: names of the TR 38.811 NTN-CDL models (tables not available, see :func:`ntn_cdl_profile`)
NTN_CDL_PROFILE_NAMES: tuple[str, ...] = tuple(_CDL_FILES)


def _read(name: str) -> dict:
    return json.loads(resources.files("softran.channel").joinpath("data", name).read_text())


@functools.cache
def ntn_tdl_profile(name: str) -> TDLProfile:
    """The NTN TDL profile ``name`` (TR 38.811 Tables 6.9.2-1..4; TS 38.101-5 conformance
    profiles) as a :class:`~softran.channel.TDLProfile`.

    >>> p = ntn_tdl_profile("NTN-TDL-C")
    >>> p.delays, p.powers_db, p.k_factor_db, p.scale_delays
    ((0.0, 0.0, 14.8124), (-0.394, -10.618, -23.373), 10.224, True)
    >>> ntn_tdl_profile("ntn-tdla100").delays[-1]
    2.85e-07
    """
    canonical = check_name("name", name, NTN_TDL_PROFILE_NAMES)
    d = _read(_TDL_FILES[canonical])
    delays = [float(x) for x in d["delays"]]
    powers = [float(x) for x in d["powers"]]
    scale = bool(d["scale_delays"])
    if not scale:
        delays = [x * 1e-9 for x in delays]  # tabulated in ns
    los = bool(d["los"])
    k_db = round(powers[0] - powers[1], 6) if los else None
    return TDLProfile(canonical, tuple(delays), tuple(powers), los, k_db, scale)


def ntn_cdl_profile(name: str) -> CDLProfile:
    """The NTN-CDL model ``name`` (TR 38.811 §6.9.1, Tables 6.9.1-1..4).

    The tables could not be found for this repository (their data files say so); this
    raises ``ValueError`` naming the table. Build a
    :class:`~softran.channel.CDLProfile` from the report and give it to
    :class:`~softran.channel.NTNCDLChannel`.

    >>> ntn_cdl_profile("NTN-CDL-A")  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ValueError: NTN-CDL-A: TR 38.811 ... Table 6.9.1-1 is not available in softran ...
    """
    canonical = check_name("name", name, NTN_CDL_PROFILE_NAMES)
    d = _read(_CDL_FILES[canonical])
    if not d.get("available", False):
        raise ValueError(f"{canonical}: {d['_source'].split(':')[0].replace('3GPP ', '')} "
                         "is not available in softran (see its data file); build a "
                         "CDLProfile from the report and pass it to NTNCDLChannel")
    raise AssertionError("unreachable: no NTN-CDL table is shipped")  # pragma: no cover
