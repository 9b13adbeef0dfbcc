"""Memoryless power-amplifier models for transmitter impairments: Rapp (solid-state PA) and
Saleh (travelling-wave tube), driven at an input back-off.

Both act on the complex envelope sample by sample, ``y = g(|x|) exp(j (arg x + phi(|x|)))``
with the AM/AM curve g and the AM/PM curve phi:

* ``"rapp"`` (C. Rapp, "Effects of HPA-nonlinearity on a 4-DPSK/OFDM-signal for a digital
  sound broadcasting system", 1991): ``g(r) = r / (1 + (r / A_sat)^(2p))^(1/(2p))``,
  phi = 0; the smoothness p > 0 (default 2; p -> infinity is a hard limiter).
* ``"saleh"`` (A. A. M. Saleh, "Frequency-independent and frequency-dependent nonlinear
  models of TWT amplifiers", IEEE Trans. Commun. 1981):
  ``g(r) = alpha_a r / (1 + beta_a r^2)``, ``phi(r) = alpha_phi r^2 / (1 + beta_phi r^2)``
  with Saleh's fitted TWT values alpha_a = 2.1587, beta_a = 1.1517, alpha_phi = 4.0033,
  beta_phi = 9.1040 by default; its saturation (the peak of g) is at r = 1/sqrt(beta_a).

Operating point (documented choice): ``backoff_db`` is the input back-off, the ratio of the
saturation input power A_sat^2 to the mean input power of each antenna's waveform (measured
over the samples of the call, or given as ``reference_power``). The waveform is scaled to
that point, passed through the curve, and scaled back by the small-signal gain, so a large
back-off leaves it unchanged (``y -> x``) and only the distortion remains.
"""

from __future__ import annotations

import math

import torch

from softran.validation import check_name, check_positive, check_real, check_tensor

__all__ = ["PA_MODELS", "PowerAmplifier"]

#: models of :class:`PowerAmplifier`
PA_MODELS: tuple[str, ...] = ("rapp", "saleh")


class PowerAmplifier(torch.nn.Module):
    """A memoryless PA (module docstring) at ``backoff_db`` input back-off.

    Args:
        model: ``"rapp"`` or ``"saleh"``.
        backoff_db: input back-off in dB (finite; may be negative: overdriven).
        smoothness: Rapp's p (> 0).
        saleh: (alpha_a, beta_a, alpha_phi, beta_phi), all > 0 except alpha_phi >= 0.
        reference_power: mean input power the back-off refers to; None: measured per
            antenna over the waveform of each call.

    ``forward(waveform)``: ``[..., n_ant, T]`` complex -> same shape and dtype.
    ``am_am(r)`` / ``am_pm(r)`` give the curves on the normalised amplitude (A_sat = 1).

    >>> pa = PowerAmplifier("rapp", backoff_db=6.0)
    >>> round(float(pa.am_am(torch.tensor(1.0))), 4)       # r = A_sat: 2^(-1/4)
    0.8409
    >>> x = torch.full((1, 8), 0.01 + 0j)
    >>> bool(torch.allclose(PowerAmplifier("rapp", backoff_db=40.0)(x), x, atol=1e-6))
    True
    """

    def __init__(self, model: str = "rapp", backoff_db: float = 6.0, *,
                 smoothness: float = 2.0,
                 saleh: tuple[float, float, float, float] = (2.1587, 1.1517, 4.0033, 9.1040),
                 reference_power: float | None = None) -> None:
        super().__init__()
        self.model = check_name("model", model, PA_MODELS)
        self.backoff_db = check_real("backoff_db", backoff_db)
        self.smoothness = check_positive("smoothness", smoothness)
        if len(tuple(saleh)) != 4:
            raise ValueError(f"saleh must be (alpha_a, beta_a, alpha_phi, beta_phi), got "
                             f"{saleh!r}")
        a_a, b_a, a_p, b_p = saleh
        self.saleh = (check_positive("saleh[0] (alpha_a)", a_a),
                      check_positive("saleh[1] (beta_a)", b_a),
                      check_real("saleh[2] (alpha_phi)", a_p, low=0.0),
                      check_positive("saleh[3] (beta_phi)", b_p))
        self.reference_power = (None if reference_power is None
                                else check_positive("reference_power", reference_power))

    def _saturation(self) -> float:
        """Input amplitude at saturation in the model's own units."""
        return 1.0 if self.model == "rapp" else 1.0 / math.sqrt(self.saleh[1])

    def am_am(self, r: torch.Tensor) -> torch.Tensor:
        """Output amplitude for input amplitude ``r`` (in units of A_sat), normalised to unit
        small-signal gain."""
        if self.model == "rapp":
            p2 = 2.0 * self.smoothness
            return r / (1.0 + r.pow(p2)).pow(1.0 / p2)
        a_a, b_a, _, _ = self.saleh
        u = r * self._saturation()
        return a_a * u / (1.0 + b_a * u * u) / (a_a * self._saturation())

    def am_pm(self, r: torch.Tensor) -> torch.Tensor:
        """Phase rotation in radians for input amplitude ``r`` (units of A_sat)."""
        if self.model == "rapp":
            return torch.zeros_like(r)
        _, _, a_p, b_p = self.saleh
        u2 = (r * self._saturation()).square()
        return a_p * u2 / (1.0 + b_p * u2)

    def forward(self, waveform: torch.Tensor) -> torch.Tensor:
        x = check_tensor("waveform", waveform, min_dim=1)
        if not x.is_complex():
            raise TypeError(f"waveform must be complex, got dtype {x.dtype}")
        real = torch.float64 if x.dtype == torch.complex128 else torch.float32
        if self.reference_power is None:
            p = x.abs().square().mean(-1, keepdim=True).to(real)
        else:
            p = torch.full(x.shape[:-1] + (1,), self.reference_power, dtype=real,
                           device=x.device)
        # A_sat^2 = p 10^(IBO/10): amplitudes in units of A_sat
        a_sat = (p * 10.0 ** (self.backoff_db / 10.0)).sqrt().clamp_min(
            torch.finfo(real).tiny)
        r = x.abs().to(real) / a_sat
        gain = torch.where(r > 0, self.am_am(r) / r.clamp_min(torch.finfo(real).tiny),
                           torch.ones_like(r))
        rot = torch.polar(gain, self.am_pm(r))
        return (x * rot).to(x.dtype)
