"""Carrier recovery: frequency-offset estimation and carrier-phase recovery (Savory 2010 §VI).

* :func:`frequency_offset_estimate`: the 4th power removes the QAM modulation (``E[s^4]`` of a
  square QAM is real and negative), leaving a tone at 4 times the offset; its periodogram
  peak, refined by a parabola through the three bins around it, gives the offset (Leven,
  Kaneda, Koc, Chen, PTL 19(6) 2007; Savory 2010 §VI.A).
* :func:`viterbi_viterbi`: 4th-power feedforward phase estimate over a sliding window
  (Viterbi & Viterbi, IEEE Trans. IT 29(4) 1983; Savory 2010 eq. (27)):
  ``theta_k = arg(-sum_{|j - k| <= N} x_j^4) / 4``.
* :func:`blind_phase_search`: ``B`` test phases ``phi_b = (b / B - 1/2) pi/2``; the squared
  distance of each rotated sample to its nearest constellation point, summed over a sliding
  window of ``2N + 1`` symbols, picks the phase (Pfau, Hoffmann, Noé, JLT 27(8) 2009,
  eqs. (1)-(4)).

Both phase estimators are ambiguous modulo pi/2 (the square QAM's symmetry). The estimates
are unwrapped (Pfau 2009 eq. (5)): each estimate is moved by a multiple of pi/2 to within pi/4
of its predecessor. That recursion equals a cumulative sum of the wrapped differences, which
is how it is vectorised here; it removes the spurious jumps of the raw estimates, but a true
cycle slip (a noise-driven jump of the unwrapped phase by pi/2) remains possible at low SNR
or large linewidth, and an absolute ambiguity of k pi/2 is left to differential coding or
pilots (:func:`softran.optical.metrics.align_symbols` resolves it against known data).
"""

from __future__ import annotations

import math

import torch

from softran.optical.qam import check_modulation, check_signal, qam_decide
from softran.validation import check_allocation, check_int, check_positive

__all__ = ["blind_phase_search", "frequency_offset_compensate", "frequency_offset_estimate",
           "unwrap_phase", "viterbi_viterbi"]


def frequency_offset_estimate(x: torch.Tensor, fs: float, *, n_fft: int | None = None) -> \
        torch.Tensor:
    """Carrier frequency offset by the 4th-power periodogram (Leven et al. 2007).

    ``S(f) = sum_pol |DFT(x^4)(f)|^2``; ``f_hat = argmax S / 4``, refined by parabolic
    interpolation of ``S`` at the peak. The polarisations share one transmitter laser and one
    LO, so their spectra are summed (dimension -2).

    Args:
        x: ``[..., n_pol, n]`` symbols at ``fs`` (normally one sample per symbol, after the
            equaliser), any constant phase.
        fs: sample rate of ``x`` [Hz]. The unambiguous range is ``|f| < fs / 8``.
        n_fft: FFT size (>= n; default the next power of two >= 4 n, a 4-times zero-padded
            periodogram).

    Returns:
        ``[...]`` float64 offset estimates [Hz].

    >>> n = torch.arange(4096)
    >>> s = torch.polar(torch.ones(4096), math.pi / 4 + math.pi / 2 * (n * n % 4))  # QPSK
    >>> x = (s * torch.polar(torch.ones(4096), 2 * math.pi * 0.0123 * n)).reshape(1, -1)
    >>> round(frequency_offset_estimate(x, 1.0).item(), 5)
    0.0123
    """
    x = check_signal("x", x, min_dim=2)
    fs = check_positive("fs", fs)
    n = x.shape[-1]
    if n < 4:
        raise ValueError(f"x has {n} samples; at least 4 are needed")
    if n_fft is None:
        n_fft = 1 << (4 * n - 1).bit_length()
    n_fft = check_int("n_fft", n_fft, n)
    # complex128 4th power padded to n_fft, its spectrum and power, per row of x
    check_allocation("n_fft", n_fft, 3 * 16 * (x.numel() // n) * n_fft, device=x.device)
    spec = torch.fft.fft(x.to(torch.complex128) ** 4, n_fft, dim=-1).abs().square().sum(-2)
    k = spec.argmax(-1, keepdim=True)
    s0 = spec.gather(-1, (k - 1) % n_fft)
    s1 = spec.gather(-1, k)
    s2 = spec.gather(-1, (k + 1) % n_fft)
    den = s0 - 2 * s1 + s2
    delta = torch.where(den != 0, 0.5 * (s0 - s2) / torch.where(den != 0, den, 1.0), 0.0)
    kf = k.to(torch.float64) + delta
    kf = torch.where(kf >= n_fft / 2, kf - n_fft, kf)             # signed bin
    return (kf * fs / n_fft / 4).squeeze(-1)


def frequency_offset_compensate(x: torch.Tensor, offset: float | torch.Tensor,
                                fs: float) -> torch.Tensor:
    """Remove a carrier frequency offset: ``x[n] exp(-j 2 pi f n / fs)`` (Savory 2010 §VI.A).

    Args:
        x: ``[..., n]`` complex. offset: [Hz], a number or a real tensor broadcastable to
            ``x.shape[:-1]`` (e.g. the ``[...]`` output of :func:`frequency_offset_estimate`
            with a pol dimension added by ``unsqueeze(-1)``). fs: [Hz].

    >>> x = torch.polar(torch.ones(4), torch.arange(4) * 0.5)
    >>> frequency_offset_compensate(x, 0.5 / (2 * math.pi), 1.0).angle().abs().max().item() < 1e-6
    True
    """
    x = check_signal("x", x, min_dim=1)
    fs = check_positive("fs", fs)
    n = torch.arange(x.shape[-1], device=x.device, dtype=torch.float64)
    f = torch.as_tensor(offset, dtype=torch.float64, device=x.device)
    if f.is_complex() or not bool(torch.isfinite(f).all()):
        raise ValueError("offset must be real and finite")
    phase = -2 * math.pi * f[..., None] * n / fs
    return x * torch.polar(torch.ones_like(phase), phase).to(x.dtype)


def unwrap_phase(theta: torch.Tensor, period: float = math.pi / 2) -> torch.Tensor:
    """Unwrap phase estimates of a ``period``-ambiguous estimator (Pfau 2009 eq. (5)).

    ``theta_u[k] = theta[k] + m_k period`` with ``m_k`` chosen so that ``|theta_u[k] -
    theta_u[k-1]| <= period / 2``; computed as ``theta[0] + cumsum(wrap(diff(theta)))``.

    >>> unwrap_phase(torch.tensor([0.7, -0.8, -0.7]), math.pi / 2)
    tensor([0.7000, 0.7708, 0.8708])
    """
    theta = _check_real_tensor("theta", theta)
    d = torch.diff(theta, dim=-1)
    d = d - period * torch.round(d / period)
    return torch.cat([theta[..., :1], theta[..., :1] + torch.cumsum(d, -1)], -1)


def _check_real_tensor(name: str, t: object) -> torch.Tensor:
    if not isinstance(t, torch.Tensor):
        raise TypeError(f"{name} must be a torch.Tensor, got {type(t).__name__}")
    if not t.is_floating_point() or t.dim() < 1:
        raise TypeError(f"{name} must be a real floating tensor with >= 1 dimension, got "
                        f"dtype {t.dtype} and shape {tuple(t.shape)}")
    return t


def _window_sum(v: torch.Tensor, half: int) -> torch.Tensor:
    """Centred moving sum over ``2 half + 1`` samples along -2 or -1 (truncated at the edges)."""
    n = v.shape[-1]
    c = torch.nn.functional.pad(torch.cumsum(v, -1), (1, 0))
    hi = torch.clamp(torch.arange(n, device=v.device) + half + 1, max=n)
    lo = torch.clamp(torch.arange(n, device=v.device) - half, min=0)
    return c[..., hi] - c[..., lo]


def viterbi_viterbi(x: torch.Tensor, n_half: int = 16) -> tuple[torch.Tensor, torch.Tensor]:
    """Viterbi-Viterbi 4th-power carrier-phase recovery (Viterbi & Viterbi 1983).

    ``theta_k = arg(-sum_{|j-k| <= n_half} x_j^4) / 4`` (the minus sign because the QPSK
    points ``(+-1 +-j)/sqrt2`` have ``s^4 = -1``), unwrapped with period pi/2
    (:func:`unwrap_phase`); the output is ``x e^{-j theta}``. Also usable for square QAM, whose
    ``E[s^4]`` is real and negative too, with a larger estimation variance.

    Args:
        x: ``[..., n]`` complex symbols (one sample per symbol).
        n_half: half window ``N``: the average runs over ``2N + 1`` symbols (>= 0).

    Returns:
        ``(y, theta)``: ``y`` ``[..., n]`` phase-corrected, ``theta`` ``[..., n]`` float phase.

    >>> s = torch.tensor([1 + 1j, -1 + 1j, -1 - 1j, 1 - 1j] * 8, dtype=torch.complex64) / 2 ** .5
    >>> y, theta = viterbi_viterbi(s * torch.polar(torch.tensor(1.0), torch.tensor(0.3)))
    >>> round(theta.mean().item(), 4), bool(torch.allclose(y, s, atol=1e-5))
    (0.3, True)
    """
    x = check_signal("x", x, min_dim=1)
    n_half = check_int("n_half", n_half, 0)
    s = _window_sum(-(x.to(torch.complex128) ** 4), n_half)
    theta = unwrap_phase(s.angle() / 4)
    return x * torch.polar(torch.ones_like(theta), -theta).to(x.dtype), theta.to(x.real.dtype)


def blind_phase_search(x: torch.Tensor, modulation: str, n_test_phases: int = 32,
                       n_half: int = 16) -> tuple[torch.Tensor, torch.Tensor]:
    """Blind phase search carrier recovery (Pfau, Hoffmann, Noé, JLT 27(8) 2009).

    Test phases ``phi_b = (b / B - 1/2) pi/2``, ``b = 0..B-1`` (Pfau eq. (1)); distances
    ``|x_k e^{-j phi_b} - D(x_k e^{-j phi_b})|^2`` to the nearest constellation point ``D``
    (eq. (2)), summed over ``2N + 1`` symbols centred on ``k`` (eq. (3)); the minimising
    ``phi_b`` is the estimate (eq. (4)), unwrapped with period pi/2 (eq. (5)).

    Args:
        x: ``[..., n]`` complex symbols at one sample per symbol, scaled to the unit-power
            constellation (the equaliser output).
        modulation: ``"QPSK"``, ``"16QAM"``, ``"64QAM"`` or ``"256QAM"``.
        n_test_phases: ``B`` (>= 2); the phase resolution is ``pi / (2 B)``.
        n_half: ``N`` (>= 0); the window has ``2N + 1`` symbols.

    Returns:
        ``(y, theta)``: ``y = x e^{-j theta}`` ``[..., n]``, ``theta`` ``[..., n]`` (float).

    >>> s = torch.tensor([3 + 1j, -1 + 3j, -3 - 3j, 1 - 1j] * 8, dtype=torch.complex64) / 10 ** .5
    >>> y, theta = blind_phase_search(s * torch.polar(torch.tensor(1.0), torch.tensor(0.3)),
    ...                               "16QAM", n_test_phases=64)
    >>> round(theta.mean().item(), 2), bool((y - s).abs().max() < 0.03)
    (0.29, True)
    """
    x = check_signal("x", x, min_dim=1)
    modulation = check_modulation(modulation)
    n_test_phases = check_int("n_test_phases", n_test_phases, 2)
    n_half = check_int("n_half", n_half, 0)
    # rotated copies [..., B, n], their decisions, distances and window sums
    check_allocation("n_test_phases", n_test_phases,
                     5 * x.numel() * n_test_phases * x.element_size(), device=x.device)
    real = x.real.dtype
    phi = (torch.arange(n_test_phases, device=x.device, dtype=real) / n_test_phases - 0.5) \
        * (math.pi / 2)
    rot = torch.polar(torch.ones_like(phi), -phi).to(x.dtype)         # [B]
    z = x.unsqueeze(-2) * rot[:, None]                               # [..., B, n]
    d = (z - qam_decide(z, modulation)).abs().square()
    metric = _window_sum(d, n_half)                                  # [..., B, n]
    theta = unwrap_phase(phi[metric.argmin(-2)])
    return x * torch.polar(torch.ones_like(theta), -theta).to(x.dtype), theta
