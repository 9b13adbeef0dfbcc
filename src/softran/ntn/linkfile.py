"""NTN link files (TOML) for ``softran ntn budget`` and ``softran ntn pass``: a satellite, a
UE, the carrier and the losses of a TR 38.821 §6.1.1.1 link budget, and (for a pass) the
MCS whose throughput is drawn along it.

Tables and keys (SI units unless the key says otherwise)::

    [satellite]  name, altitude_km (circular orbit; or tle = ["line 1", "line 2"]),
                 inclination (deg, default 90), eirp_density (dBW/MHz, downlink),
                 g_over_t (dB/K, uplink; optional: without it the file has no uplink
                 budget and no pass)
    [ue]         latitude, longitude (deg, default 0), tx_power (dBm, default 23),
                 tx_antenna_gain, rx_antenna_gain (dBi, default 0), noise_figure (dB,
                 default 7), antenna_temperature (K, default 290)
    [link]       carrier_frequency (Hz), downlink_frequency, uplink_frequency (Hz, default
                 carrier_frequency; give both instead of carrier_frequency for a Ka-band
                 link, 20 GHz down and 30 GHz up),
                 downlink_bandwidth, uplink_bandwidth (Hz),
                 elevations (deg list for the budget, default [10, 30, 90]),
                 min_elevation (deg, default 10), shadow_margin, scintillation_loss,
                 polarization_loss, additional_loss, atmospheric_loss (dB, default 0)
    [pass]       mcs_index (default 4), mcs_table (default "qam64"), n_prb (default 25),
                 subcarrier_spacing (kHz, default 15), required_snr_db (the CNR the MCS
                 needs; default: Shannon with snr_gap_db, default 3 dB), step (s, default 1)

**Throughput along a pass** (our model, not a 3GPP procedure): the uplink CNR of the budget
at each instant; the MCS delivers its TBS (TS 38.214 §6.1.4.2, 12 data symbols per slot)
in every slot where the CNR reaches ``required_snr_db`` and nothing elsewhere. Without
``required_snr_db`` the threshold is the SNR at which ``log2(1 + SNR / gap)`` equals the
MCS's spectral efficiency ``Q_m R`` (Shannon with a gap). Give the threshold measured with
``softran simulate`` for anything better than a sketch.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from softran.ntn.budget import BudgetResult, LinkBudget
from softran.ntn.geometry import GroundPoint, slant_range
from softran.ntn.link_geometry import LinkGeometry, link_geometry
from softran.ntn.orbit import CircularOrbit, TLEOrbit
from softran.ntn.visibility import visibility_windows
from softran.tomlfile import read_toml
from softran.validation import check_int, check_positive, check_real

__all__ = ["NTNLinkFile", "PassResult", "load_link_file", "satellite_pass"]

_KEYS = {
    "satellite": {"name", "altitude_km", "tle", "inclination", "eirp_density", "g_over_t"},
    "ue": {"latitude", "longitude", "tx_power", "tx_antenna_gain", "rx_antenna_gain",
           "noise_figure", "antenna_temperature"},
    "link": {"carrier_frequency", "downlink_frequency", "uplink_frequency",
             "downlink_bandwidth", "uplink_bandwidth", "elevations",
             "min_elevation", "shadow_margin", "scintillation_loss", "polarization_loss",
             "additional_loss", "atmospheric_loss"},
    "pass": {"mcs_index", "mcs_table", "n_prb", "subcarrier_spacing", "required_snr_db",
             "snr_gap_db", "step"},
}
_LOSSES = ("shadow_margin", "scintillation_loss", "polarization_loss", "additional_loss",
           "atmospheric_loss")


def _key(file: str, key: str, fn: Any, *args: Any) -> Any:
    try:
        return fn(*args)
    except (TypeError, ValueError) as err:
        raise ValueError(f"{file}: {key}: {err}") from None


@dataclass(frozen=True)
class NTNLinkFile:
    """A validated link file (module notes); ``tables`` holds the checked values."""

    name: str
    tables: dict[str, dict[str, Any]]

    @property
    def ue(self) -> GroundPoint:
        """The UE's ground point."""
        u = self.tables["ue"]
        return GroundPoint(u["latitude"], u["longitude"])

    @property
    def directions(self) -> tuple[str, ...]:
        """The directions the file has a budget for: ``downlink``, and ``uplink`` when
        ``satellite.g_over_t`` is given."""
        has_up = self.tables["satellite"]["g_over_t"] is not None
        return ("downlink", "uplink") if has_up else ("downlink",)

    def budget(self, direction: str) -> LinkBudget:
        """The TR 38.821 §6.1.1.1 budget of one direction."""
        s, u, ln = self.tables["satellite"], self.tables["ue"], self.tables["link"]
        losses = {k: ln[k] for k in _LOSSES}
        if direction == "downlink":
            return LinkBudget("downlink", ln["downlink_frequency"], ln["downlink_bandwidth"],
                              eirp_density=s["eirp_density"],
                              rx_antenna_gain=u["rx_antenna_gain"],
                              noise_figure=u["noise_figure"],
                              antenna_temperature=u["antenna_temperature"], **losses)
        if s["g_over_t"] is None:
            raise ValueError(f"{self.name}: satellite.g_over_t: the uplink budget needs the "
                             "satellite's G/T (dB/K); the link file does not give it")
        return LinkBudget("uplink", ln["uplink_frequency"], ln["uplink_bandwidth"],
                          tx_power=u["tx_power"], tx_antenna_gain=u["tx_antenna_gain"],
                          satellite_g_over_t=s["g_over_t"], **losses)

    def budgets(self) -> dict[str, list[tuple[float, BudgetResult]]]:
        """Every direction of :attr:`directions` at every ``[link] elevations`` (circular
        orbits only)."""
        h = self.tables["satellite"].get("altitude_km")
        if h is None:
            raise ValueError(f"{self.name}: satellite.altitude_km: a budget needs the altitude "
                             "(a TLE has no fixed one)")
        out = {}
        for direction in self.directions:
            b = self.budget(direction)
            out[direction] = [(el, b.compute(slant_range(el, h * 1e3)))
                              for el in self.tables["link"]["elevations"]]
        return out


def load_link_file(source: str | Path) -> NTNLinkFile:
    """Read and check a link file; errors are one line ``<file>: <table.key>: <message>``.

    >>> f = load_link_file('[satellite]\\naltitude_km = 600\\neirp_density = 34\\ng_over_t = 1.1\\n'
    ...                    '[link]\\ncarrier_frequency = 2e9\\n')
    >>> round(f.budgets()["uplink"][0][1].cnr, 2)
    2.95
    """
    name, _, data = read_toml(source, "link", ValueError)
    for table, value in data.items():
        if table not in _KEYS:
            raise ValueError(f"{name}: {table}: unknown table; allowed: " + ", ".join(_KEYS))
        if not isinstance(value, dict):
            raise ValueError(f"{name}: {table}: must be a table")
        for key in value:
            if key not in _KEYS[table]:
                raise ValueError(f"{name}: {table}.{key}: unknown key; allowed: "
                                 + ", ".join(sorted(_KEYS[table])))
    sat = dict(data.get("satellite", {}))
    ue = dict(data.get("ue", {}))
    ln = dict(data.get("link", {}))
    ps = dict(data.get("pass", {}))
    t: dict[str, dict[str, Any]] = {"satellite": {}, "ue": {}, "link": {}, "pass": {}}
    s = t["satellite"]
    s["name"] = str(sat.get("name", name))
    if ("tle" in sat) == ("altitude_km" in sat):
        raise ValueError(f"{name}: satellite: give either altitude_km or tle")
    if "tle" in sat:
        tle = sat["tle"]
        if not isinstance(tle, list) or len(tle) != 2:
            raise ValueError(f"{name}: satellite.tle: must be a list of the two TLE lines")
        s["tle"] = tuple(tle)
        _key(name, "satellite.tle", TLEOrbit, *tle)
    else:
        s["altitude_km"] = _key(name, "satellite.altitude_km", check_positive, "altitude_km",
                                sat["altitude_km"])
    s["inclination"] = _key(name, "satellite.inclination", check_real, "inclination",
                            sat.get("inclination", 90.0), 0.0, 180.0)
    if "eirp_density" not in sat:
        raise ValueError(f"{name}: satellite.eirp_density: missing key (required)")
    s["eirp_density"] = _key(name, "satellite.eirp_density", check_real, "eirp_density",
                             sat["eirp_density"])
    s["g_over_t"] = (None if "g_over_t" not in sat else
                     _key(name, "satellite.g_over_t", check_real, "g_over_t", sat["g_over_t"]))
    u = t["ue"]
    u["latitude"] = _key(name, "ue.latitude", check_real, "latitude",
                         ue.get("latitude", 0.0), -90.0, 90.0)
    u["longitude"] = _key(name, "ue.longitude", check_real, "longitude",
                          ue.get("longitude", 0.0), -180.0, 360.0)
    for key, default in (("tx_power", 23.0), ("tx_antenna_gain", 0.0),
                         ("rx_antenna_gain", 0.0), ("noise_figure", 7.0),
                         ("antenna_temperature", 290.0)):
        low = 0.0 if key in ("noise_figure", "antenna_temperature") else None
        u[key] = _key(name, f"ue.{key}", check_real, key, ue.get(key, default), low)
    lk = t["link"]
    both = "downlink_frequency" in ln and "uplink_frequency" in ln
    if "carrier_frequency" not in ln and not both:
        raise ValueError(f"{name}: link.carrier_frequency: missing key (required unless "
                         "downlink_frequency and uplink_frequency are both given)")
    if "carrier_frequency" in ln:
        lk["carrier_frequency"] = _key(name, "link.carrier_frequency", check_positive,
                                       "carrier_frequency", ln["carrier_frequency"])
    for key, default in (("downlink_frequency", lk.get("carrier_frequency")),
                         ("uplink_frequency", lk.get("carrier_frequency")),
                         ("downlink_bandwidth", 30e6), ("uplink_bandwidth", 360e3)):
        lk[key] = _key(name, f"link.{key}", check_positive, key, ln.get(key, default))
    lk.setdefault("carrier_frequency", None)
    els = ln.get("elevations", [10.0, 30.0, 90.0])
    if not isinstance(els, list) or not els:
        raise ValueError(f"{name}: link.elevations: must be a non-empty list of degrees")
    lk["elevations"] = [_key(name, f"link.elevations[{i}]", check_real, "elevation", e, 0.0,
                             90.0) for i, e in enumerate(els)]
    lk["min_elevation"] = _key(name, "link.min_elevation", check_real, "min_elevation",
                               ln.get("min_elevation", 10.0), 0.0, 89.0)
    for key in _LOSSES:
        lk[key] = _key(name, f"link.{key}", check_real, key, ln.get(key, 0.0), 0.0)
    p = t["pass"]
    p["mcs_index"] = _key(name, "pass.mcs_index", check_int, "mcs_index",
                          ps.get("mcs_index", 4), 0, 27)
    p["mcs_table"] = str(ps.get("mcs_table", "qam64"))
    p["n_prb"] = _key(name, "pass.n_prb", check_int, "n_prb", ps.get("n_prb", 25), 1, 275)
    p["subcarrier_spacing"] = _key(name, "pass.subcarrier_spacing", check_int,
                                   "subcarrier_spacing", ps.get("subcarrier_spacing", 15), 15,
                                   120)
    p["required_snr_db"] = (None if "required_snr_db" not in ps else
                            _key(name, "pass.required_snr_db", check_real, "required_snr_db",
                                 ps["required_snr_db"]))
    p["snr_gap_db"] = _key(name, "pass.snr_gap_db", check_real, "snr_gap_db",
                           ps.get("snr_gap_db", 3.0), 0.0)
    p["step"] = _key(name, "pass.step", check_positive, "step", ps.get("step", 1.0))
    return NTNLinkFile(name, t)


@dataclass(frozen=True)
class PassResult:
    """One pass: its geometry, the uplink CNR and the MCS throughput (bit/s) on the grid,
    the MCS's TBS and CNR threshold, and how the threshold was obtained."""

    geometry: LinkGeometry
    cnr: np.ndarray
    throughput: np.ndarray
    tbs: int
    threshold_db: float
    threshold_source: str
    window: tuple[float, float]


def _orbit(f: NTNLinkFile) -> CircularOrbit | TLEOrbit:
    s = f.tables["satellite"]
    if "tle" in s:
        return TLEOrbit(*s["tle"])
    ue = f.tables["ue"]
    # a circular orbit whose plane contains the UE at t = 0, the UE 30 degrees ahead
    return CircularOrbit(s["altitude_km"] * 1e3, s["inclination"], raan=ue["longitude"],
                         phase=ue["latitude"] - 30.0)


def satellite_pass(f: NTNLinkFile, search_hours: float = 24.0) -> PassResult:
    """The first pass of the satellite above ``[link] min_elevation`` within
    ``search_hours``: geometry (Doppler at the uplink frequency), uplink CNR and throughput of
    the ``[pass]`` MCS (module notes)."""
    from softran.nr import bits_per_symbol, mcs, tbs

    up = f.budget("uplink")     # the pass draws the uplink CNR: the file needs g_over_t
    orbit = _orbit(f)
    ue = f.ue
    emin = f.tables["link"]["min_elevation"]
    coarse = np.arange(0.0, search_hours * 3600.0, 10.0)
    fc = f.tables["link"]["uplink_frequency"]
    g0 = link_geometry(orbit.state(coarse), ue, fc)
    windows = visibility_windows(coarse, g0.elevation, emin)
    if not windows:
        raise ValueError(f"{f.name}: the satellite never rises above {emin} degrees over the "
                         f"UE within {search_hours} h")
    start, end = windows[0]
    p = f.tables["pass"]
    t = np.arange(max(0.0, start - p["step"]), end + p["step"], p["step"])
    geo = link_geometry(orbit.state(t), ue, fc)
    keep = geo.elevation >= emin
    geo = LinkGeometry(**{k: (v[keep] if isinstance(v, np.ndarray) else v)
                          for k, v in geo.__dict__.items()})
    cnr = np.array([up.compute(float(d)).cnr for d in geo.slant_range])
    mod, rate = mcs(p["mcs_index"], p["mcs_table"])
    if rate is None:
        raise ValueError(f"{f.name}: pass.mcs_index: {p['mcs_index']} is reserved")
    size = tbs(mod, 1, p["n_prb"], 144, rate)
    if p["required_snr_db"] is not None:
        thr, how = p["required_snr_db"], "pass.required_snr_db"
    else:
        eff = bits_per_symbol(mod) * float(rate)
        thr = 10 * math.log10(2.0 ** eff - 1.0) + p["snr_gap_db"]
        how = f"Shannon with a {p['snr_gap_db']:g} dB gap (Q_m R = {eff:.3f} bit/s/Hz)"
    slot = 1e-3 * 15 / p["subcarrier_spacing"]
    thru = np.where(cnr >= thr, size / slot, 0.0)
    return PassResult(geo, cnr, thru, size, thr, how, (start, end))
