"""Antenna model of TR 38.901 §7.3 for the CDL channel: uniform rectangular panels of
single-polarised or cross-polarised elements.

* **Element pattern.** ``"isotropic"`` (0 dBi everywhere) or ``"38.901"``, the single
  element of Table 7.3-1 (3 dB beamwidth 65° in both planes, SLA_V = A_max = 30 dB,
  G_E,max = 8 dBi)::

      A_dB,V(θ'') = -min(12 ((θ'' - 90°) / 65°)^2, 30)
      A_dB,H(φ'') = -min(12 (φ'' / 65°)^2, 30)
      A_dB(θ'', φ'') = G_E,max - min(-(A_dB,V + A_dB,H), 30)

* **Polarisation**: model 2 of §7.3.2 (eq. 7.3-4/7.3-5), ``F_θ'' = sqrt(A) cos ζ``,
  ``F_φ'' = sqrt(A) sin ζ`` with slant angle ``ζ = 0°`` for a single (vertical)
  polarisation and ``ζ = +45°, -45°`` for the two cross-polarised elements.
* **Orientation.** Only the bearing angle ``α`` (§7.1.3) is modelled (down-tilt
  ``β = 0``, slant ``γ = 0``). Then the LCS angles are ``θ'' = θ``, ``φ'' = φ - α`` and the
  field components need no rotation (``ψ = 0`` in eq. 7.1-15): GCS ``F_θ, F_φ`` equal the
  LCS ones.
* **Geometry.** The panel lies in the LCS y-z plane, broadside along the LCS x axis
  (the element boresight). Element ``(m, n, p)`` (row ``m`` along z, column ``n`` along
  y, polarisation ``p``) sits at ``d'' = (0, n d_H, m d_V)`` wavelengths, rotated by ``α``
  about z into the GCS: ``d = (-n d_H sin α, n d_H cos α, m d_V)``.
* **Element order**: index ``(m * N + n) * P + p`` (row-major over ``[M, N, P]``,
  polarisation fastest, then column, then row).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import torch

from softran.validation import check_allocation, check_choice, check_int, check_name, check_positive

__all__ = ["ELEMENT_PATTERNS", "AntennaArray", "element_pattern_db", "unit_vector"]

#: element patterns accepted by :class:`AntennaArray`
ELEMENT_PATTERNS = ("isotropic", "38.901")

# TR 38.901 Table 7.3-1
_THETA_3DB = 65.0
_PHI_3DB = 65.0
_SLA_V = 30.0
_A_MAX = 30.0
_G_MAX = 8.0


def element_pattern_db(theta: torch.Tensor, phi: torch.Tensor, element: str = "38.901"
                       ) -> torch.Tensor:
    """Element power pattern ``A(θ'', φ'')`` in dBi (TR 38.901 Table 7.3-1), LCS angles.

    Args:
        theta: zenith angles ``θ''`` in degrees (0..180), any shape.
        phi: azimuth angles ``φ''`` in degrees (any real; wrapped into [-180, 180)),
            broadcastable with ``theta``.
        element: ``"38.901"`` (8 dBi element, 65° beamwidth) or ``"isotropic"`` (0 dBi).

    Returns:
        float64 tensor of the broadcast shape: the pattern in dBi including the maximum
        directional gain ``G_E,max = 8 dBi``.

    >>> element_pattern_db(torch.tensor([90.0, 90.0, 90.0]), torch.tensor([0.0, 32.5, 180.0]))
    tensor([  8.,   5., -22.], dtype=torch.float64)
    """
    element = check_name("element", element, ELEMENT_PATTERNS)
    theta = torch.as_tensor(theta, dtype=torch.float64)
    phi = torch.as_tensor(phi, dtype=torch.float64, device=theta.device)
    if element == "isotropic":
        return torch.zeros(torch.broadcast_shapes(theta.shape, phi.shape), dtype=torch.float64,
                           device=theta.device)
    phi = torch.remainder(phi + 180.0, 360.0) - 180.0
    a_v = -torch.clamp(12.0 * ((theta - 90.0) / _THETA_3DB) ** 2, max=_SLA_V)
    a_h = -torch.clamp(12.0 * (phi / _PHI_3DB) ** 2, max=_A_MAX)
    return _G_MAX - torch.clamp(-(a_v + a_h), max=_A_MAX)


def _spacing(value: tuple[float, float] | float) -> tuple[float, float]:
    if isinstance(value, (tuple, list)):
        if len(value) != 2:
            raise ValueError(f"spacing = {value!r} is not allowed; give (d_V, d_H) in wavelengths")
        return (check_positive("spacing[0] (d_V)", value[0]),
                check_positive("spacing[1] (d_H)", value[1]))
    s = check_positive("spacing", value)
    return (s, s)


@dataclass(frozen=True)
class AntennaArray:
    """Uniform rectangular panel of TR 38.901 §7.3 (one panel, ``M_g = N_g = 1``).

    Args:
        n_rows: ``M``, elements per column (vertical, along z).
        n_cols: ``N``, elements per row (horizontal, along y).
        n_pol: ``P`` = 1 (vertical, slant 0°) or 2 (cross-polarised, slants +45°, -45°).
        spacing: element spacing ``(d_V, d_H)`` in wavelengths, or one number for both.
        element: ``"isotropic"`` or ``"38.901"`` (Table 7.3-1).
        bearing: bearing angle ``α`` of the panel in degrees (§7.1.3); the broadside of
            the panel points at azimuth ``α``.

    Elements are indexed ``(m * n_cols + n) * n_pol + p`` (see the module notes).

    >>> a = AntennaArray(n_rows=1, n_cols=2, n_pol=2)
    >>> a.n_elements, a.slant_angles
    (4, (45.0, -45.0))
    >>> a.positions()
    tensor([[0.0000, 0.0000, 0.0000],
            [0.0000, 0.0000, 0.0000],
            [0.0000, 0.5000, 0.0000],
            [0.0000, 0.5000, 0.0000]], dtype=torch.float64)
    """

    n_rows: int = 1
    n_cols: int = 1
    n_pol: int = 1
    spacing: tuple[float, float] | float = 0.5
    element: str = "isotropic"
    bearing: float = 0.0

    def __post_init__(self) -> None:
        object.__setattr__(self, "n_rows", check_int("n_rows", self.n_rows, 1))
        object.__setattr__(self, "n_cols", check_int("n_cols", self.n_cols, 1))
        object.__setattr__(self, "n_pol", check_choice("n_pol", check_int("n_pol", self.n_pol),
                                                       (1, 2)))
        # element positions [M N P, 3] and per-element responses (float64 / complex128 each)
        check_allocation("n_rows * n_cols", self.n_rows * self.n_cols,
                         self.n_rows * self.n_cols * self.n_pol * 8 * 8)
        object.__setattr__(self, "spacing", _spacing(self.spacing))
        object.__setattr__(self, "element", check_name("element", self.element,
                                                       ELEMENT_PATTERNS))
        b = self.bearing
        if isinstance(b, bool) or not isinstance(b, (int, float)) or not math.isfinite(b):
            raise TypeError(f"bearing must be a finite number of degrees, got {b!r}")
        object.__setattr__(self, "bearing", float(b))

    @property
    def n_elements(self) -> int:
        """Number of elements ``M * N * P``."""
        return self.n_rows * self.n_cols * self.n_pol

    @property
    def slant_angles(self) -> tuple[float, ...]:
        """Polarisation slant angle ``ζ`` in degrees of each polarisation index ``p``."""
        return (0.0,) if self.n_pol == 1 else (45.0, -45.0)

    def positions(self) -> torch.Tensor:
        """Element positions ``d`` in the GCS in wavelengths, ``[n_elements, 3]`` float64."""
        d_v, d_h = self.spacing  # type: ignore[misc]
        m = torch.arange(self.n_rows, dtype=torch.float64)[:, None, None]
        n = torch.arange(self.n_cols, dtype=torch.float64)[None, :, None]
        shape = (self.n_rows, self.n_cols, self.n_pol)
        a = math.radians(self.bearing)
        y = (n * d_h).expand(shape)
        z = (m * d_v).expand(shape)
        pos = torch.stack([-math.sin(a) * y + 0.0, math.cos(a) * y + 0.0, z], dim=-1)  # no -0.0
        return pos.reshape(-1, 3)

    def field_pattern(self, theta: torch.Tensor, phi: torch.Tensor) -> torch.Tensor:
        """Field components ``(F_θ, F_φ)`` of every element for GCS directions (TR 38.901
        §7.3, polarisation model 2, eq. 7.3-4/7.3-5), without the array phase.

        Args:
            theta: zenith angles in degrees, any shape ``S``.
            phi: azimuth angles in degrees, shape ``S``.

        Returns:
            ``[*S, n_elements, 2]`` float64 (last axis: ``F_θ``, ``F_φ``).

        >>> AntennaArray(n_pol=2).field_pattern(torch.tensor(90.0), torch.tensor(0.0))
        tensor([[ 0.7071,  0.7071],
                [ 0.7071, -0.7071]], dtype=torch.float64)
        """
        theta = torch.as_tensor(theta, dtype=torch.float64)
        phi = torch.as_tensor(phi, dtype=torch.float64, device=theta.device)
        amp = torch.pow(10.0, element_pattern_db(theta, phi - self.bearing, self.element) / 20)
        zeta = torch.tensor([math.radians(z) for z in self.slant_angles], dtype=torch.float64,
                            device=theta.device)
        pol = torch.stack([torch.cos(zeta), torch.sin(zeta)], dim=-1)  # [P, 2]
        pol = pol.repeat(self.n_rows * self.n_cols, 1)  # [E, 2], polarisation fastest
        return amp[..., None, None] * pol

    def response(self, theta: torch.Tensor, phi: torch.Tensor) -> torch.Tensor:
        """Field pattern times the array phase ``exp(j 2π r̂ · d)`` (TR 38.901 eq. 7.5-22,
        ``r̂`` of eq. 7.5-23, ``d`` in wavelengths).

        Args:
            theta: zenith angles in degrees, shape ``S``.
            phi: azimuth angles in degrees, shape ``S``.

        Returns:
            ``[*S, n_elements, 2]`` complex128.

        >>> a = AntennaArray(n_cols=2)
        >>> r = a.response(torch.tensor(90.0), torch.tensor(30.0))[:, 0]
        >>> round(float(torch.angle(r[1] / r[0])), 4)  # 2π · 0.5 · sin 30°
        1.5708
        """
        theta = torch.as_tensor(theta, dtype=torch.float64)
        phi = torch.as_tensor(phi, dtype=torch.float64, device=theta.device)
        r_hat = unit_vector(theta, phi)  # [*S, 3]
        pos = self.positions().to(theta.device)
        phase = 2 * math.pi * (r_hat @ pos.T)  # [*S, E]
        steer = torch.polar(torch.ones_like(phase), phase)
        return self.field_pattern(theta, phi) * steer[..., None]


def unit_vector(theta: torch.Tensor, phi: torch.Tensor) -> torch.Tensor:
    """Spherical unit vector ``r̂ = (sin θ cos φ, sin θ sin φ, cos θ)`` (TR 38.901
    eq. 7.5-23/7.5-24), angles in degrees, ``[*S] -> [*S, 3]`` float64.

    >>> unit_vector(torch.tensor(90.0), torch.tensor(90.0)).round(decimals=6)
    tensor([0., 1., 0.], dtype=torch.float64)
    """
    t = torch.deg2rad(torch.as_tensor(theta, dtype=torch.float64))
    p = torch.deg2rad(torch.as_tensor(phi, dtype=torch.float64, device=t.device))
    return torch.stack([torch.sin(t) * torch.cos(p), torch.sin(t) * torch.sin(p), torch.cos(t)],
                       dim=-1)
