"""Large-scale loss and the link budget of an NTN link (TR 38.811 §6.6; TR 38.821 §6.1.1.1).

* **Free-space path loss** (TR 38.811 §6.6.2 eq. 6.6-2):
  ``FSPL = 32.45 + 20 log10(f_c / GHz) + 20 log10(d / m)`` dB.
* **Atmospheric absorption, rain/cloud attenuation and tropospheric scintillation**
  (TR 38.811 §6.6.4-6.6.6, which point to ITU-R P.676, P.618 and P.840): through the
  ``itur`` package (:func:`atmospheric_losses`; its digital maps load on first use, about
  ten seconds). Ionospheric scintillation below 6 GHz (TR 38.811 §6.6.6.1) is not in
  ``itur``: give it as ``scintillation_loss`` in the budget.
* **Link budget** (TR 38.821 §6.1.1.1)::

      CNR = EIRP + G/T - k - PL - 10 log10(B)          [dB]
      PL  = FSPL + atmospheric + shadow margin + scintillation + polarisation + additional
      G/T = G_rx - NF - 10 log10(T0 + (T_a - T0) 10^(-NF/10))    (a UE receiver, T0 = 290 K)

  with ``k = -228.6 dBW/K/Hz``. Downlink: the satellite EIRP comes from its EIRP density
  (dBW/MHz) over the bandwidth; uplink: the UE's transmit power plus antenna gain, against
  the satellite G/T.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

import numpy as np

from softran.ntn.geometry import check_elevation
from softran.validation import check_name, check_positive, check_real

__all__ = ["BOLTZMANN_DBW", "DIRECTIONS", "BudgetResult", "LinkBudget", "atmospheric_losses",
           "cnr_db", "free_space_path_loss", "g_over_t"]

#: Boltzmann's constant in dBW/K/Hz, as TR 38.821 Table 6.1.1.1 uses it
BOLTZMANN_DBW = -228.6
#: link directions of :class:`LinkBudget`
DIRECTIONS = ("downlink", "uplink")
_T0 = 290.0


def free_space_path_loss(distance: float | np.ndarray,
                         carrier_frequency: float) -> float | np.ndarray:
    """FSPL in dB at ``distance`` metres and ``carrier_frequency`` Hz (TR 38.811 eq. 6.6-2).

    >>> round(free_space_path_loss(600e3, 2e9), 2)
    154.03
    """
    fc = check_positive("carrier_frequency", carrier_frequency)
    d = np.asarray(distance, dtype=np.float64)
    if d.size and not np.all(d > 0):
        raise ValueError("distance must be > 0 m")
    out = 32.45 + 20.0 * math.log10(fc / 1e9) + 20.0 * np.log10(d)
    return float(out) if out.ndim == 0 else out


def g_over_t(antenna_gain: float, noise_figure: float, antenna_temperature: float) -> float:
    """Receiver figure of merit G/T in dB/K of a UE receiver (TR 38.821 §6.1.1.1):
    ``G - NF - 10 log10(T0 + (T_a - T0) 10^(-NF/10))``, ``T0 = 290 K``.

    >>> round(g_over_t(0.0, 7.0, 290.0), 2)      # handheld
    -31.62
    >>> round(g_over_t(39.7, 1.2, 150.0), 2)     # VSAT
    15.86
    """
    g = check_real("antenna_gain", antenna_gain)
    nf = check_real("noise_figure", noise_figure, low=0.0)
    ta = check_real("antenna_temperature", antenna_temperature, low=0.0)
    return g - nf - 10.0 * math.log10(_T0 + (ta - _T0) * 10.0 ** (-nf / 10.0))


def cnr_db(eirp_dbw: float | np.ndarray, g_over_t_db: float, path_loss_db: float | np.ndarray,
           bandwidth: float) -> float | np.ndarray:
    """Carrier-to-noise ratio in dB: ``EIRP + G/T - k - PL - 10 log10(B)`` (TR 38.821
    §6.1.1.1).

    >>> round(cnr_db(-7.0, 1.1, 160.0, 360e3), 2)
    7.14
    """
    b = check_positive("bandwidth", bandwidth)
    out = (np.asarray(eirp_dbw, dtype=np.float64) + g_over_t_db - BOLTZMANN_DBW
           - np.asarray(path_loss_db, dtype=np.float64) - 10.0 * math.log10(b))
    return float(out) if out.ndim == 0 else out


def atmospheric_losses(latitude: float, longitude: float, carrier_frequency: float,
                       elevation: float, exceedance: float = 1.0,
                       antenna_diameter: float = 1.0) -> dict[str, float]:
    """Gaseous (ITU-R P.676), cloud (P.840), rain (P.618) attenuation and tropospheric
    scintillation (P.618) in dB exceeded ``exceedance`` % of the time on a slant path, and
    their P.618 combination ``total`` (TR 38.811 §6.6.4-6.6.6), via ``itur``.

    Args:
        latitude, longitude: ground point in degrees.
        carrier_frequency: Hz (1..1000 GHz for P.676).
        elevation: degrees, 5..90.
        exceedance: percentage of an average year, 0.001..50.
        antenna_diameter: receive antenna diameter in metres (scintillation).
    """
    check_real("latitude", latitude, low=-90.0, high=90.0)
    check_real("longitude", longitude, low=-180.0, high=360.0)
    fc = check_positive("carrier_frequency", carrier_frequency)
    el = check_elevation("elevation", elevation)
    if el < 5.0:
        raise ValueError(f"elevation = {el} is not allowed for the ITU-R slant-path models; "
                         "it must be >= 5 degrees")
    p = check_real("exceedance", exceedance, low=0.001, high=50.0)
    dia = check_positive("antenna_diameter", antenna_diameter)
    import itur  # deferred: loads astropy and the ITU-R maps

    gas, cloud, rain, scint, total = itur.atmospheric_attenuation_slant_path(
        latitude, longitude, fc / 1e9, el, p, dia, return_contributions=True)
    return {"gas": float(gas.value), "cloud": float(cloud.value), "rain": float(rain.value),
            "scintillation": float(scint.value), "total": float(total.value)}


@dataclass(frozen=True)
class BudgetResult:
    """The lines of a computed budget (dB values) and its CNR."""

    lines: dict[str, float]
    cnr: float


@dataclass(frozen=True)
class LinkBudget:
    """One direction of an NTN link budget (TR 38.821 §6.1.1.1, Tables 6.1.1.1-1..3).

    Attributes:
        direction: "downlink" (satellite -> UE) or "uplink".
        carrier_frequency: Hz.
        bandwidth: Hz.
        eirp_density: satellite EIRP density in dBW/MHz (downlink).
        tx_power: UE transmit power in dBm (uplink).
        tx_antenna_gain: UE transmit antenna gain in dBi (uplink).
        satellite_g_over_t: satellite G/T in dB/K (uplink).
        rx_antenna_gain: UE receive antenna gain in dBi (downlink).
        noise_figure: UE noise figure in dB (downlink).
        antenna_temperature: UE antenna temperature in K (downlink).
        shadow_margin, scintillation_loss, polarization_loss, additional_loss,
            atmospheric_loss: dB added to the path loss.

    >>> b = LinkBudget("uplink", 2e9, 360e3, tx_power=23.0, satellite_g_over_t=1.1)
    >>> round(b.compute(slant_range=600e3).cnr, 2)
    13.1
    """

    direction: str
    carrier_frequency: float
    bandwidth: float
    eirp_density: float | None = None
    tx_power: float | None = None
    tx_antenna_gain: float = 0.0
    satellite_g_over_t: float | None = None
    rx_antenna_gain: float = 0.0
    noise_figure: float = 7.0
    antenna_temperature: float = 290.0
    shadow_margin: float = 0.0
    scintillation_loss: float = 0.0
    polarization_loss: float = 0.0
    additional_loss: float = 0.0
    atmospheric_loss: float = 0.0
    extra: dict[str, float] = field(default_factory=dict)

    def __post_init__(self) -> None:
        object.__setattr__(self, "direction", check_name("direction", self.direction,
                                                         DIRECTIONS))
        check_positive("carrier_frequency", self.carrier_frequency)
        check_positive("bandwidth", self.bandwidth)
        for name in ("shadow_margin", "scintillation_loss", "polarization_loss",
                     "additional_loss", "atmospheric_loss"):
            check_real(name, getattr(self, name), low=0.0)
        if self.direction == "downlink":
            if self.eirp_density is None:
                raise ValueError("eirp_density (dBW/MHz) is required for a downlink budget")
            check_real("eirp_density", self.eirp_density)
        else:
            for name in ("tx_power", "satellite_g_over_t"):
                if getattr(self, name) is None:
                    raise ValueError(f"{name} is required for an uplink budget")
                check_real(name, getattr(self, name))

    @property
    def eirp_dbw(self) -> float:
        """Transmit EIRP in dBW over the bandwidth."""
        if self.direction == "downlink":
            assert self.eirp_density is not None
            return self.eirp_density + 10.0 * math.log10(self.bandwidth / 1e6)
        assert self.tx_power is not None
        return self.tx_power - 30.0 + self.tx_antenna_gain

    @property
    def receiver_g_over_t(self) -> float:
        """Receiver G/T in dB/K (the UE's on the downlink, the satellite's on the uplink)."""
        if self.direction == "downlink":
            return g_over_t(self.rx_antenna_gain, self.noise_figure, self.antenna_temperature)
        assert self.satellite_g_over_t is not None
        return self.satellite_g_over_t

    def compute(self, slant_range: float) -> BudgetResult:
        """The budget at one UE - satellite distance (metres)."""
        fspl = free_space_path_loss(check_positive("slant_range", slant_range),
                                    self.carrier_frequency)
        losses = {"atmospheric loss": self.atmospheric_loss,
                  "shadow margin": self.shadow_margin,
                  "scintillation loss": self.scintillation_loss,
                  "polarization loss": self.polarization_loss,
                  "additional loss": self.additional_loss, **self.extra}
        pl = float(fspl) + sum(losses.values())
        cnr = cnr_db(self.eirp_dbw, self.receiver_g_over_t, pl, self.bandwidth)
        lines = {"EIRP (dBW)": self.eirp_dbw, "G/T (dB/K)": self.receiver_g_over_t,
                 "slant range (km)": slant_range / 1e3, "FSPL (dB)": float(fspl),
                 **{f"{k} (dB)": v for k, v in losses.items()}, "path loss (dB)": pl,
                 "bandwidth (MHz)": self.bandwidth / 1e6, "CNR (dB)": float(cnr)}
        return BudgetResult(lines, float(cnr))
