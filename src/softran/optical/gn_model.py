r"""Closed-form Gaussian-noise (GN) model of a coherent WDM line: NLI, ASE, GSNR, rate.

References: P. Poggiolini, "The GN model of non-linear propagation in uncompensated
coherent optical systems", J. Lightw. Technol. 30(24), 2012 (the GN integral and its
closed forms); P. Poggiolini et al., "The GN-model of fiber non-linear propagation and its
applications", J. Lightw. Technol. 32(4), 2014; P. Poggiolini et al., "A detailed
analytical derivation of the GN model of non-linear interference in coherent optical
transmission systems", arXiv:1209.0394 (the per-channel closed form below).

The GN integral (one span, dual polarisation, NLI referred to the span input)
-------------------------------------------------------------------------------
With the total (both polarisations) signal power spectral density ``G(f)`` [W/Hz], the
power attenuation coefficient ``α`` [1/m] (``P(z) = P(0) e^{-αz}``), ``β2`` [s²/m], ``γ``
[1/(W m)] and the span length ``L`` [m]::

    G_NLI(f) = 16/27 γ² ∬ G(f1) G(f2) G(f1+f2-f) |ρ(f1,f2,f)|² df1 df2
    |ρ|²     = |1 - exp(-α L + j Δβ L)|² / (α² + Δβ²),   Δβ = 4π² β2 (f1-f)(f2-f)

The closed form (what this module computes)
-------------------------------------------
Channels are ideal rectangles: channel ``k`` has centre ``f_k``, width ``R_k`` (its symbol
rate; Nyquist shaping, the roll-off only widens the occupied slot) and flat PSD
``G_k = P_k / R_k``. With the effective length ``L_eff = (1 - e^{-αL}) / α`` and the
asymptotic effective length ``L_eff,a = 1 / α``, the NLI PSD at the centre of channel ``i``
is the self-channel term plus one cross-channel term per other channel (multi-channel
terms, where f1, f2 and f1+f2-f lie in three different channels, are neglected)::

    G_NLI(f_i) = 16/27 γ² L_eff² / (2π |β2| L_eff,a) · G_i Σ_k G_k² ψ_ik
    ψ_ii = asinh(π²/2 |β2| L_eff,a R_i²)
    ψ_ik = asinh(π² |β2| L_eff,a R_k (Δf_ik + R_k/2))
         - asinh(π² |β2| L_eff,a R_k (Δf_ik - R_k/2)),     Δf_ik = |f_k - f_i|

For a single channel this is Poggiolini's ``8/27 γ² G³ L_eff² asinh(π²/2 |β2| L_eff,a
R²) / (π |β2| L_eff,a)``. ``G_NLI`` is taken flat over channel ``i`` ("locally white"),
so the NLI power in the receiver's noise bandwidth ``R_i`` is ``P_NLI,i = G_NLI(f_i) R_i``
and, for equal channel powers ``P``, ``P_NLI,i = η_i P³`` with the NLI coefficient ``η_i``
[1/W²] of :func:`nli_coefficient`.

Spans add incoherently (``η_total = Σ_spans η_s`` at equal launch power: no coherence
factor ε). ASE of one amplifier of gain ``G`` and noise figure ``F`` in the bandwidth
``B`` (both polarisations; ``F = 1/G + 2 n_sp (G-1)/G``, the signal-spontaneous beat
noise figure with the shot-noise term)::

    P_ASE = 2 n_sp h ν (G - 1) B = (F G - 1) h ν B

(the common ``F h ν G B`` is its high-gain limit). With the transceiver's own SNR
``SNR_trx`` the generalised SNR of a channel is ``1/GSNR = (P_ASE + η P³)/P + 1/SNR_trx``;
``dGSNR/dP = 0`` gives the optimum launch power ``P_opt = (P_ASE / (2 η))^(1/3)`` at which
``P_NLI = P_ASE / 2``.
"""

from __future__ import annotations

import math
from statistics import NormalDist

import torch

from softran.optical.constants import PLANCK, SPEED_OF_LIGHT
from softran.optical.units import db_to_linear
from softran.validation import check_name, check_positive, check_real, check_tensor

__all__ = [
    "MODULATION_FORMATS",
    "ase_power_dual_pol",
    "asymptotic_effective_length",
        "effective_length",
    "fibre_latency",
    "gsnr",
    "line_rate",
    "nli_coefficient",
    "nli_power",
    "nli_power_per_channel",
    "optimum_launch_power",
    "qam_ber",
    "required_snr_db",
    "shannon_rate",
]

#: Square QAM formats of :func:`required_snr_db` with their bits per symbol and
#: polarisation (the names of :data:`softran.optical.transmitter.OPTICAL_MODULATIONS`;
#: every channel is dual-polarisation).
MODULATION_FORMATS: dict[str, int] = {"QPSK": 2, "16QAM": 4, "64QAM": 6, "256QAM": 8}

#: Group index used for latency when none is given (G.652.D at 1550 nm: ~4.897 µs/km).
DEFAULT_GROUP_INDEX: float = 1.468


_check_real = check_real


def effective_length(alpha: float, length: float) -> float:
    """Effective length ``L_eff = (1 - exp(-α L)) / α`` [m] of a span (Agrawal, *Nonlinear
    Fiber Optics*, eq. (4.1.6); the GN-model ``L_eff`` with power attenuation ``α`` [1/m]).

    >>> round(effective_length(4.60517e-5, 80e3) / 1e3, 2)   # 80 km at 0.2 dB/km
    21.17
    """
    alpha = check_positive("alpha", alpha)
    length = check_positive("length", length)
    return -math.expm1(-alpha * length) / alpha


def asymptotic_effective_length(alpha: float) -> float:
    """Asymptotic effective length ``L_eff,a = 1 / α`` [m] (Poggiolini 2012).

    >>> round(asymptotic_effective_length(4.60517e-5) / 1e3, 3)
    21.715
    """
    return 1.0 / check_positive("alpha", alpha)


def _check_span(alpha: float, beta2: float, gamma: float, length: float) -> tuple[float, ...]:
    alpha = check_positive("alpha", alpha)
    beta2 = _check_real("beta2", beta2)
    if beta2 == 0.0:
        raise ValueError("beta2 = 0.0 is not allowed; the closed-form GN model needs a "
                         "dispersive fibre (|beta2| > 0)")
    gamma = check_positive("gamma", gamma)
    length = check_positive("length", length)
    return alpha, abs(beta2), gamma, length


def _psi(frequencies: torch.Tensor, symbol_rates: torch.Tensor, abs_beta2: torch.Tensor,
         l_eff_a: torch.Tensor) -> torch.Tensor:
    """ψ_ik of the module docstring, shape ``[..., n_ch (i), n_ch (k)]``; ``abs_beta2`` is
    ``[..., i, k]`` (or broadcastable) and ``l_eff_a`` belongs to the interfering channel
    ``k`` (``[..., 1, k]`` or a number)."""
    r_k = symbol_rates.unsqueeze(-2)                       # [..., 1, k]
    df = (frequencies.unsqueeze(-1) - frequencies.unsqueeze(-2)).abs()   # [..., i, k]
    a = math.pi ** 2 * abs_beta2 * l_eff_a
    psi = torch.asinh(a * r_k * (df + r_k / 2)) - torch.asinh(a * r_k * (df - r_k / 2))
    self_term = torch.asinh(a / 2 * r_k ** 2)              # used on the diagonal (i = k)
    eye = torch.eye(frequencies.shape[-1], dtype=torch.bool, device=frequencies.device)
    return torch.where(eye, self_term.expand_as(psi), psi)


def _prepare(frequencies: torch.Tensor, symbol_rates: torch.Tensor | float
             ) -> tuple[torch.Tensor, torch.Tensor]:
    frequencies = check_tensor("frequencies", frequencies, min_dim=1)
    if frequencies.is_complex() or not frequencies.is_floating_point():
        raise TypeError(f"frequencies must be a real floating tensor, got {frequencies.dtype}")
    if isinstance(symbol_rates, torch.Tensor):
        rates = symbol_rates.to(frequencies.dtype)
    else:
        rates = torch.tensor(check_positive("symbol_rates", symbol_rates),
                             dtype=frequencies.dtype, device=frequencies.device)
    rates = torch.broadcast_to(rates, frequencies.shape)
    if not bool((rates > 0).all()) or not bool(torch.isfinite(rates).all()):
        raise ValueError("symbol_rates must all be finite and > 0")
    return frequencies, rates


def nli_power(powers: torch.Tensor, frequencies: torch.Tensor,
              symbol_rates: torch.Tensor | float, *, alpha: float, beta2: float,
              gamma: float, length: float) -> torch.Tensor:
    """NLI power ``P_NLI,i = G_NLI(f_i) R_i`` [W] of each channel after one span, from the
    closed-form GN model of the module docstring (Poggiolini 2012; arXiv:1209.0394), for
    arbitrary per-channel launch powers.

    ``powers`` [W], ``frequencies`` [Hz] (offsets or absolute; only differences enter) and
    ``symbol_rates`` [Bd] are ``[..., n_ch]`` (rates may be a number); ``alpha`` [1/m],
    ``beta2`` [s²/m], ``gamma`` [1/(W m)], ``length`` [m]. Returns ``[..., n_ch]``.

    Single 32 GBd channel at 1 mW on 80 km SSMF: ``8/27 γ² G³ L_eff² asinh(π²/2 |β2|
    L_eff,a R²)/(π |β2| L_eff,a) · R`` = 2.390e-7 W (-36.2 dBm):

    >>> p = nli_power(torch.tensor([1e-3], dtype=torch.float64),
    ...               torch.tensor([0.0], dtype=torch.float64), 32e9,
    ...               alpha=4.60517e-5, beta2=-21.3e-27, gamma=1.3e-3, length=80e3)
    >>> f"{p.item():.4g}"
    '2.39e-07'
    """
    alpha, abs_beta2, gamma, length = _check_span(alpha, beta2, gamma, length)
    frequencies, rates = _prepare(frequencies, symbol_rates)
    powers = check_tensor("powers", powers, min_dim=1)
    if powers.is_complex() or not bool((powers >= 0).all()):
        raise ValueError("powers must be real and >= 0 (W)")
    full = torch.ones_like(frequencies)
    return nli_power_per_channel(powers.to(frequencies.dtype), frequencies, rates,
                                 alpha=full * alpha, beta2=full * -abs_beta2,
                                 gamma=full * gamma, length=length)


def nli_power_per_channel(powers: torch.Tensor, frequencies: torch.Tensor,
                          symbol_rates: torch.Tensor, *, alpha: torch.Tensor,
                          beta2: torch.Tensor, gamma: torch.Tensor, length: float
                          ) -> torch.Tensor:
    """NLI power [W] of each channel after one span whose parameters vary with frequency:
    the closed form of :func:`nli_power` with, for cut channel ``i`` and interfering channel
    ``k``, ``γ = γ_i``, ``β2 = (β2_i + β2_k) / 2``, and ``L_eff``, ``L_eff,a`` of ``α_k``
    (the per-channel GN model of GNPy's ``gn_model_analytic``; Poggiolini 2012,
    arXiv:1209.0394 eq. (120)). All of ``powers`` [W], ``frequencies`` [Hz],
    ``symbol_rates`` [Bd], ``alpha`` [1/m], ``beta2`` [s²/m], ``gamma`` [1/(W m)] are
    ``[..., n_ch]`` (validated by the callers); ``length`` [m].

    With the same parameters on every channel it is :func:`nli_power`:

    >>> f = torch.tensor([0.0, 50e9, 100e9], dtype=torch.float64)
    >>> p = torch.full((3,), 1e-3, dtype=torch.float64)
    >>> one = torch.ones(3, dtype=torch.float64)
    >>> a = nli_power_per_channel(p, f, 32e9 * one, alpha=4.6e-5 * one, beta2=-21e-27 * one,
    ...                           gamma=1.3e-3 * one, length=80e3)
    >>> b = nli_power(p, f, 32e9, alpha=4.6e-5, beta2=-21e-27, gamma=1.3e-3, length=80e3)
    >>> bool(torch.allclose(a, b, rtol=1e-12))
    True
    """
    alpha_k = alpha.unsqueeze(-2)                          # [..., 1, k]
    l_eff = -torch.expm1(-alpha_k * length) / alpha_k
    l_eff_a = 1.0 / alpha_k
    abs_b2 = ((beta2.unsqueeze(-1) + beta2.unsqueeze(-2)) / 2).abs()     # [..., i, k]
    psd = powers / symbol_rates                            # G_k [W/Hz]
    psi = _psi(frequencies, symbol_rates, abs_b2, l_eff_a)
    coeff = 16.0 / 27.0 * l_eff ** 2 / (2.0 * math.pi * abs_b2 * l_eff_a)
    g_nli = gamma ** 2 * psd * (coeff * psi * (psd ** 2).unsqueeze(-2)).sum(-1)
    return g_nli * symbol_rates


def nli_coefficient(frequencies: torch.Tensor, symbol_rates: torch.Tensor | float, *,
                    alpha: float, beta2: float, gamma: float, length: float) -> torch.Tensor:
    """NLI coefficient ``η_i = P_NLI,i / P³`` [1/W²] of each channel after one span when
    every channel is launched at the same power ``P`` (closed-form GN model, module
    docstring; Poggiolini 2012). Shapes as :func:`nli_power`.

    >>> eta = nli_coefficient(torch.tensor([0.0], dtype=torch.float64), 32e9,
    ...                       alpha=4.60517e-5, beta2=-21.3e-27, gamma=1.3e-3, length=80e3)
    >>> f"{eta.item():.4g}"   # 1/W²: 2.390e-7 W of NLI at 1 mW
    '239'
    """
    frequencies, rates = _prepare(frequencies, symbol_rates)
    ones = torch.ones_like(frequencies)
    return nli_power(ones, frequencies, rates, alpha=alpha, beta2=beta2, gamma=gamma,
                     length=length)


def ase_power_dual_pol(noise_figure_db: float | torch.Tensor, gain_db: float | torch.Tensor,
              frequency: float | torch.Tensor, bandwidth: float | torch.Tensor
              ) -> float | torch.Tensor:
    """ASE power [W] of one optical amplifier in both polarisations within ``bandwidth``
    [Hz] at optical ``frequency`` [Hz]: ``P_ASE = 2 n_sp h ν (G - 1) B = (F G - 1) h ν B``
    with the noise figure ``F = 1/G + 2 n_sp (G - 1)/G`` (module docstring; twice the
    per-polarisation :func:`softran.optical.amplifier.ase_power`). ``F`` must be at least
    the quantum limit ``2 - 1/G`` (``n_sp >= 1``). Element-wise on numbers or tensors.

    NF 5 dB, gain 16 dB, 193.1 THz, 64 GHz: ``(3.1623 · 39.811 - 1) · 1.2795e-19 J ·
    64e9 Hz`` = 1.0227 µW (-29.90 dBm; the "-58 dBm + NF + G in 0.1 nm" rule):

    >>> round(ase_power_dual_pol(5.0, 16.0, 193.1e12, 64e9) * 1e6, 4)
    1.0227
    """
    f_lin = db_to_linear(noise_figure_db)
    g_lin = db_to_linear(gain_db)
    g_t = g_lin if isinstance(g_lin, torch.Tensor) else torch.tensor(float(g_lin))
    f_t = f_lin if isinstance(f_lin, torch.Tensor) else torch.tensor(float(f_lin))
    if not bool((g_t >= 1.0).all()):
        raise ValueError(f"gain_db must be >= 0 dB, got {gain_db}")
    if not bool((f_t >= 2.0 - 1.0 / g_t - 1e-12).all()):
        raise ValueError(f"noise_figure_db = {noise_figure_db} is below the quantum limit "
                         f"10 log10(2 - 1/G) (n_sp < 1) at gain_db = {gain_db}")
    for name, value in (("frequency", frequency), ("bandwidth", bandwidth)):
        v = value if isinstance(value, torch.Tensor) else torch.tensor(float(value))
        if not bool((v > 0).all()):
            raise ValueError(f"{name} must be > 0 (Hz), got {value}")
    return (f_lin * g_lin - 1.0) * PLANCK * frequency * bandwidth


def optimum_launch_power(p_ase: float | torch.Tensor, eta: float | torch.Tensor
                         ) -> float | torch.Tensor:
    """Launch power per channel [W] that maximises ``GSNR = P / (P_ASE + η P³)``:
    ``P_opt = (P_ASE / (2 η))^(1/3)`` (set dGSNR/dP = 0; Poggiolini 2014, the "LOGO"
    optimum). ``p_ase`` [W] and ``eta`` [1/W²] are the totals of the line (or per span:
    the ratio is the same for identical spans).

    >>> round(optimum_launch_power(2e-6, 1000.0) * 1e3, 3)   # (1e-9)^(1/3) W = 1 mW
    1.0
    """
    return (p_ase / (2.0 * eta)) ** (1.0 / 3.0)


def gsnr(power: float | torch.Tensor, p_ase: float | torch.Tensor,
         eta: float | torch.Tensor, snr_trx: float | torch.Tensor | None = None
         ) -> float | torch.Tensor:
    """Generalised SNR (linear) of a channel: ``1/GSNR = (P_ASE + η P³)/P + 1/SNR_trx``
    (Poggiolini 2014; ``snr_trx`` is the transceiver's back-to-back SNR, linear, ``None``
    for an ideal transceiver). ``power`` [W] is the launch power per channel.

    At the optimum the NLI is half the ASE, so GSNR = P / (1.5 P_ASE):

    >>> round(gsnr(1e-3, 2e-6, 1000.0), 3)   # 1e-3 / 3e-6
    333.333
    """
    inv = (p_ase + eta * power ** 3) / power
    if snr_trx is not None:
        inv = inv + 1.0 / snr_trx
    return 1.0 / inv


def shannon_rate(snr: float | torch.Tensor, symbol_rate: float, n_pol: int = 2
                 ) -> float | torch.Tensor:
    """Achievable information rate [bit/s] of a channel with Gaussian signalling:
    ``n_pol · R_s · log2(1 + SNR)`` (Shannon 1948; two polarisations by default).

    >>> shannon_rate(15.0, 64e9) / 1e9   # 2 · 64 GBd · log2(16)
    512.0
    """
    symbol_rate = check_positive("symbol_rate", symbol_rate)
    if isinstance(snr, torch.Tensor):
        return n_pol * symbol_rate * torch.log2(1.0 + snr)
    return n_pol * symbol_rate * math.log2(1.0 + float(snr))


def _bits(modulation: str) -> int:
    return MODULATION_FORMATS[check_name("modulation", modulation, MODULATION_FORMATS)]


def line_rate(modulation: str, symbol_rate: float, n_pol: int = 2) -> float:
    """Gross line rate [bit/s] of a channel: ``n_pol · R_s · log2(M)`` (before FEC).

    >>> line_rate("16qam", 64e9) / 1e9   # DP-16QAM at 64 GBd
    512.0
    """
    return n_pol * check_positive("symbol_rate", symbol_rate) * _bits(modulation)


def qam_ber(modulation: str, snr: float) -> float:
    """Bit error ratio of Gray-coded square M-QAM on AWGN at ``snr = E_s / N_0`` (linear,
    per polarisation = per channel), nearest-neighbour approximation (Proakis, *Digital
    Communications*, 5th ed., §4.3): ``BER ≈ 4/log2(M) (1 - 1/√M) Q(√(3 SNR / (M - 1)))``
    (exact for QPSK: ``Q(√SNR)``).

    >>> round(qam_ber("QPSK", 9.0), 6)   # Q(3)
    0.00135
    """
    m = 2 ** _bits(modulation)
    snr = check_positive("snr", snr)
    a = 4.0 / math.log2(m) * (1.0 - 1.0 / math.sqrt(m))
    return a * (1.0 - NormalDist().cdf(math.sqrt(3.0 * snr / (m - 1))))


def required_snr_db(modulation: str, ber: float) -> float:
    """SNR [dB] at which :func:`qam_ber` equals the pre-FEC threshold ``ber`` (its exact
    inverse: ``SNR = (M - 1)/3 · Q^-1(BER / a)²``).

    >>> round(required_snr_db("QPSK", 0.00135), 2)   # Q(3) -> SNR 9 = 9.54 dB
    9.54
    """
    m = 2 ** _bits(modulation)
    if isinstance(ber, bool) or not isinstance(ber, int | float) or not 0.0 < ber:
        raise ValueError(f"ber = {ber!r} is not allowed; it must be a number in (0, "
                         "the BER at SNR 0)")
    a = 4.0 / math.log2(m) * (1.0 - 1.0 / math.sqrt(m))
    if ber >= a / 2:
        raise ValueError(f"ber = {ber} is not allowed for {modulation}; it must be < "
                         f"{a / 2:.4g} (the BER at zero SNR)")
    q_inv = -NormalDist().inv_cdf(ber / a)
    return 10.0 * math.log10((m - 1) / 3.0 * q_inv ** 2)


def fibre_latency(length: float, group_index: float = DEFAULT_GROUP_INDEX) -> float:
    """One-way propagation delay [s] of ``length`` [m] of fibre: ``n_g L / c``
    (group index 1.468: 4.897 µs/km).

    >>> round(fibre_latency(1e3) * 1e6, 3)
    4.897
    """
    length = _check_real("length", length)
    if length < 0:
        raise ValueError(f"length = {length} is not allowed; it must be >= 0 (m)")
    return check_positive("group_index", group_index) * length / SPEED_OF_LIGHT
