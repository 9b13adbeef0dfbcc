"""Erbium-doped fibre amplifier: gain and amplified spontaneous emission (Desurvire,
*Erbium-Doped Fiber Amplifiers*, ch. 2; Agrawal, *Fiber-Optic Communication Systems*,
§7.2 (amplifier noise)).

Noise model. An amplifier of power gain ``G`` adds, per polarisation mode, white ASE with
(one-sided, per polarisation) power spectral density ``S_ASE = n_sp h nu (G - 1)`` [W/Hz];
over the simulation bandwidth ``B_sim = fs`` (the whole band of the complex baseband
samples) that is::

    P_ASE = n_sp h nu (G - 1) B_sim      per polarisation

added as circular complex Gaussian noise with ``E|n|^2 = P_ASE`` on each polarisation.

Noise figure. The spontaneous-emission factor comes from the noise figure by the exact
(signal-spontaneous beat plus shot noise) relation ``NF = [1 + 2 n_sp (G - 1)] / G``, i.e.::

    n_sp = (G NF - 1) / (2 (G - 1))   so   P_ASE = (G NF - 1) h nu B_sim / 2

which tends to the familiar ``NF = 2 n_sp`` in the high-gain limit (``G >> 1``); at
16 dB gain and 5 dB NF the two differ by 1.8 %. ``n_sp >= 1`` (full inversion) requires
``NF >= 2 - 1/G`` (the 3 dB quantum limit at high gain); lower noise figures are rejected.
``nu`` is the optical centre frequency of the simulated band (default ``c / 1550 nm``).
"""

from __future__ import annotations

import math

import torch

from softran.optical._random import DeviceGenerators
from softran.optical.constants import PLANCK, REFERENCE_WAVELENGTH, SPEED_OF_LIGHT
from softran.validation import check_finite, check_int, check_positive, check_real, check_tensor

__all__ = ["EDFA", "ase_power"]


_real = check_real


def _check_nf(gain: float, nf: float, nf_db: float) -> None:
    if gain < 1.0:
        raise ValueError(f"gain = {10 * math.log10(gain):.4g} dB is not allowed; an EDFA "
                         "gain must be >= 0 dB")
    if nf < 2.0 - 1.0 / gain - 1e-12:
        raise ValueError(f"noise_figure_db = {nf_db} is below the quantum limit "
                         f"10 log10(2 - 1/G) = {10 * math.log10(2 - 1 / gain):.4g} dB at gain "
                         f"{10 * math.log10(gain):.4g} dB (n_sp < 1)")


def ase_power(gain_db: float, noise_figure_db: float, bandwidth: float,
              frequency: float = SPEED_OF_LIGHT / REFERENCE_WAVELENGTH) -> float:
    """ASE power per polarisation ``P_ASE = n_sp h nu (G - 1) B`` with
    ``n_sp = (G NF - 1) / (2 (G - 1))`` (Desurvire ch. 2; see the module docstring), in W.

    Args:
        gain_db: power gain G in dB (>= 0). noise_figure_db: NF in dB.
        bandwidth: noise bandwidth B in Hz (the simulation bandwidth ``fs``).
        frequency: optical frequency nu in Hz.

    >>> import math   # G = 100, NF = 2: (G NF - 1) / 2 = 99.5, h nu = 1.2794941e-19 J
    >>> round(ase_power(20.0, 10 * math.log10(2), 1e9, 193.1e12) * 1e9, 4)
    12.731
    """
    g = 10.0 ** (_real("gain_db", gain_db) / 10.0)
    nf_db = _real("noise_figure_db", noise_figure_db)
    nf = 10.0 ** (nf_db / 10.0)
    _check_nf(g, nf, nf_db)
    bandwidth = check_positive("bandwidth", bandwidth)
    frequency = check_positive("frequency", frequency)
    return (g * nf - 1.0) / 2.0 * PLANCK * frequency * bandwidth


class EDFA(torch.nn.Module):
    """Erbium-doped fibre amplifier: ``E_out = sqrt(G) E_in + n`` with ASE ``n`` of power
    :func:`ase_power` per polarisation over the simulation bandwidth ``fs`` (Desurvire ch. 2).

    Exactly one of:

    * ``gain_db``: fixed gain (``EDFA.for_span(span)`` sets it to the span loss);
    * ``target_power_dbm``: constant output power; per batch element
      ``G = P_target / P_in`` with ``P_in`` the measured mean of ``sum_pol |E|^2`` of the
      input (signal plus incoming noise); the output exceeds the target by the ASE added.

    Args:
        gain_db, target_power_dbm: see above.
        noise_figure_db: noise figure NF in dB (``>= 10 log10(2 - 1/G)``).
        frequency: optical centre frequency nu of the simulated band [Hz].
        seed: seed of the block's generator (one per device, created at first use; the
            noise differs between CPU and CUDA for the same seed); ``None``: unseeded.

    ``forward(field, fs)``: ``field`` complex ``[..., n_pol, n]`` -> same shape; noise is
    added on each of the ``n_pol`` polarisations present.

    >>> amp = EDFA(gain_db=20.0, noise_figure_db=5.0, seed=1)
    >>> y = amp(torch.zeros(2, 100_000, dtype=torch.complex128), 64e9)
    >>> round(float(y.abs().square().mean() / ase_power(20.0, 5.0, 64e9)), 2)
    1.0
    """

    def __init__(self, gain_db: float | None = None, noise_figure_db: float = 5.0, *,
                 target_power_dbm: float | None = None,
                 frequency: float = SPEED_OF_LIGHT / REFERENCE_WAVELENGTH,
                 seed: int | None = None) -> None:
        super().__init__()
        if (gain_db is None) == (target_power_dbm is None):
            raise ValueError("give exactly one of gain_db and target_power_dbm")
        self.gain_db = None if gain_db is None else _real("gain_db", gain_db)
        self.target_power_dbm = (None if target_power_dbm is None
                                 else _real("target_power_dbm", target_power_dbm))
        self.noise_figure_db = _real("noise_figure_db", noise_figure_db)
        self.frequency = check_positive("frequency", frequency)
        if self.gain_db is not None:
            _check_nf(10 ** (self.gain_db / 10), 10 ** (self.noise_figure_db / 10),
                      self.noise_figure_db)
        elif 10 ** (self.noise_figure_db / 10) < 1.0:
            raise ValueError(f"noise_figure_db = {self.noise_figure_db} is not allowed; "
                             "it must be >= 0 dB")
        self.seed = None if seed is None else check_int("seed", seed, 0)
        self._generators = DeviceGenerators(self.seed)

    @classmethod
    def for_span(cls, span: object, noise_figure_db: float = 5.0, *,
                 frequency: float = SPEED_OF_LIGHT / REFERENCE_WAVELENGTH,
                 seed: int | None = None) -> EDFA:
        """An EDFA whose gain equals the loss ``alpha_db_km * length_km`` of ``span`` (a
        :class:`~softran.optical.fibre.FibreSpan`).

        >>> from softran.optical.fibre import FibreSpan
        >>> EDFA.for_span(FibreSpan(80.0, 0.2)).gain_db
        16.0
        """
        loss_db = getattr(span, "loss_db", None)
        if loss_db is None:
            raise TypeError(f"span must be a FibreSpan, got {type(span).__name__}")
        return cls(loss_db, noise_figure_db, frequency=frequency, seed=seed)

    def reset(self) -> None:
        """Restart the noise sequence from ``seed``."""
        self._generators = DeviceGenerators(self.seed)

    def forward(self, field: torch.Tensor, fs: float) -> torch.Tensor:
        field = check_tensor("field", field, min_dim=2)
        if not field.is_complex():
            raise TypeError(f"field must be a complex tensor, got dtype {field.dtype}")
        check_finite("field", field)
        fs = check_positive("fs", fs)
        h_nu_b = PLANCK * self.frequency * fs
        nf = 10.0 ** (self.noise_figure_db / 10.0)
        gen = self._generators.get(field.device)
        noise = torch.randn(field.shape, dtype=field.dtype, device=field.device, generator=gen)
        if self.gain_db is not None:
            g = 10.0 ** (self.gain_db / 10.0)
            return field * math.sqrt(g) + noise * math.sqrt((g * nf - 1.0) / 2.0 * h_nu_b)
        p_in = (field.real.square() + field.imag.square()).sum(-2, keepdim=True)
        p_in = p_in.mean(-1, keepdim=True)
        if bool((p_in <= 0).any()):
            raise ValueError("target_power_dbm needs a non-zero input power in every batch element")
        g = 1e-3 * 10.0 ** (self.target_power_dbm / 10.0) / p_in
        if bool((g < 1.0).any()):
            raise ValueError(f"target_power_dbm = {self.target_power_dbm} is below the input "
                             "power of some batch element; an EDFA gain must be >= 0 dB")
        if bool((nf < 2.0 - 1.0 / g - 1e-12).any()):
            raise ValueError(f"noise_figure_db = {self.noise_figure_db} is below the quantum "
                             "limit 10 log10(2 - 1/G) at the gain this target needs")
        p_ase = (g * nf - 1.0) / 2.0 * h_nu_b
        return field * g.sqrt() + noise * p_ase.sqrt()
