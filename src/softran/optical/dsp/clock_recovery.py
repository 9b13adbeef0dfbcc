"""Clock recovery: Gardner timing-error detector, PI loop filter and cubic interpolator.

Gardner, IEEE Trans. Commun. 34(5) 1986, eq. (3); interpolator Erup, Gardner, Harris,
IEEE Trans. Commun. 41(6) 1993 (cubic Lagrange, Farrow structure); in coherent receivers
Savory 2010 §IV.B. For symbol ``k`` the strobe is at ``t_k = k sps + tau_k`` input samples and
the mid-point at ``t_k + sps / 2``; with the interpolated values ``y(t)``

    e_k = sum_pol Re{ conj(m_{k-1}) (y(t_k) - y(t_{k-1})) },   m_{k-1} = y(t_{k-1} + sps/2)

(positive when the strobes are late). The proportional-integral loop filter updates
``v_k = v_{k-1} + k_i e_k`` and ``tau_{k+1} = tau_k - k_p e_k - v_k``; the integral path
tracks a sampling-frequency offset. The input is normalised to unit mean power per batch
element (summed over polarisations) so the gains do not depend on the signal scale.
``y(t)`` at ``t = i + mu`` (``0 <= mu < 1``) is the cubic Lagrange interpolation through
``x[i-1], x[i], x[i+1], x[i+2]``; samples outside the input are zero.

The loop is sequential per symbol: a compiled Numba loop over batch rows and symbols
(``kernel="numba"``, CPU) and a torch loop over symbols vectorised over the batch
(``kernel="torch"``, any device; the reference). The number of output symbols is fixed,
``n_samples // sps``; with a sampling-frequency offset the strobes drift and those that
run past the end of the input read zeros.
"""

from __future__ import annotations

import numpy as np
import torch
from numba import njit

from softran.optical.qam import check_signal
from softran.validation import check_choice, check_int

__all__ = ["gardner_clock_recovery"]

_PAD = 4


@njit(cache=True)
def _interp(x: np.ndarray, b: int, p: int, t: float) -> complex:  # pragma: no cover
    i = int(np.floor(t))
    mu = t - i
    j = i + _PAD
    if j - 1 < 0 or j + 2 >= x.shape[2]:
        return 0j
    c0 = -mu * (mu - 1.0) * (mu - 2.0) / 6.0
    c1 = (mu + 1.0) * (mu - 1.0) * (mu - 2.0) / 2.0
    c2 = -(mu + 1.0) * mu * (mu - 2.0) / 2.0
    c3 = (mu + 1.0) * mu * (mu - 1.0) / 6.0
    return c0 * x[b, p, j - 1] + c1 * x[b, p, j] + c2 * x[b, p, j + 1] + c3 * x[b, p, j + 2]


@njit(cache=True)
def _gardner_numba(xp: np.ndarray, sps: int, n_sym: int, kp: float, ki: float, tau0: float,
                   y: np.ndarray, tau: np.ndarray) -> None:  # pragma: no cover
    n_batch, n_pol = xp.shape[0], xp.shape[1]
    half = sps / 2.0
    prev = np.zeros(n_pol, dtype=np.complex128)
    mid = np.zeros(n_pol, dtype=np.complex128)
    for b in range(n_batch):
        t = tau0
        v = 0.0
        for k in range(n_sym):
            tau[b, k] = t
            base = k * sps + t
            e = 0.0
            for p in range(n_pol):
                on = _interp(xp, b, p, base)
                if k > 0:
                    d = on - prev[p]
                    e += mid[p].real * d.real + mid[p].imag * d.imag
                prev[p] = on
                mid[p] = _interp(xp, b, p, base + half)
                y[b, p, 2 * k] = on
                y[b, p, 2 * k + 1] = mid[p]
            v += ki * e
            t = t - kp * e - v


def _interp_torch(xp: torch.Tensor, t: torch.Tensor) -> torch.Tensor:
    """xp [B, P, Np] (padded by _PAD), t [B] float64 -> [B, P]."""
    i = torch.floor(t)
    mu = (t - i)[:, None]
    j = i.to(torch.int64) + _PAD
    ok = ((j - 1 >= 0) & (j + 2 < xp.shape[-1]))[:, None]
    idx = (j[:, None] + torch.arange(-1, 3, device=xp.device)).clamp(0, xp.shape[-1] - 1)
    pts = xp.gather(-1, idx[:, None, :].expand(-1, xp.shape[1], -1))          # [B, P, 4]
    c = torch.stack([-mu * (mu - 1) * (mu - 2) / 6, (mu + 1) * (mu - 1) * (mu - 2) / 2,
                     -(mu + 1) * mu * (mu - 2) / 2, (mu + 1) * mu * (mu - 1) / 6], -1)
    return torch.where(ok, (pts * c).sum(-1), torch.zeros((), dtype=xp.dtype, device=xp.device))


def _gardner_torch(xp: torch.Tensor, sps: int, n_sym: int, kp: float, ki: float,
                   tau0: float) -> tuple[torch.Tensor, torch.Tensor]:
    n_batch, n_pol = xp.shape[:2]
    y = torch.empty(n_batch, n_pol, 2 * n_sym, dtype=xp.dtype, device=xp.device)
    tau = torch.empty(n_batch, n_sym, dtype=torch.float64, device=xp.device)
    t = torch.full((n_batch,), tau0, dtype=torch.float64, device=xp.device)
    v = torch.zeros_like(t)
    prev = mid = None
    for k in range(n_sym):
        tau[:, k] = t
        on = _interp_torch(xp, k * sps + t)
        if k > 0:
            d = on - prev
            e = (mid.real * d.real + mid.imag * d.imag).sum(-1)
        else:
            e = torch.zeros_like(t)
        prev = on
        mid = _interp_torch(xp, k * sps + t + sps / 2)
        y[:, :, 2 * k] = on
        y[:, :, 2 * k + 1] = mid
        v = v + ki * e
        t = t - kp * e - v
    return y, tau


def gardner_clock_recovery(x: torch.Tensor, sps: int, *, kp: float = 1e-2, ki: float = 2e-5,
                           tau0: float = 0.0,
                           kernel: str = "auto") -> tuple[torch.Tensor, torch.Tensor]:
    """Gardner timing recovery with a PI loop and a cubic interpolator (Gardner 1986).

    Args:
        x: ``[..., n_pol, n_samples]`` complex baseband at ``sps`` samples per symbol, after
            CD compensation and matched filtering (the detector works on the band-edge
            energy, so it needs roll-off > 0; phase and polarisation rotations do not matter).
        sps: input samples per symbol, even, >= 2.
        kp, ki: proportional and integral loop gains (>= 0; per unit-power signal).
        tau0: initial strobe offset [input samples].
        kernel: ``"auto"`` (Numba on CPU, torch elsewhere), ``"numba"`` or ``"torch"``.

    Returns:
        ``(y, tau)``: ``y`` ``[..., n_pol, 2 (n_samples // sps)]`` resampled at 2 samples per
        symbol (strobes at the even samples, mid-points at the odd ones; normalised input
        scale, dtype of ``x``); ``tau`` ``[..., n_samples // sps]`` float64 strobe offsets
        ``tau_k`` in input samples (``t_k = k sps + tau_k``).

    >>> g = torch.Generator().manual_seed(0)
    >>> from softran.optical.dsp.matched_filter import matched_filter
    >>> s = torch.zeros(1, 16000, dtype=torch.complex64)
    >>> s[0, ::4] = torch.randint(0, 2, (4000,), generator=g) * 2 - 1.0          # BPSK, 4 sps
    >>> x = matched_filter(matched_filter(s, 4, 0.5), 4, 0.5)[:, 1:]           # 1 sample early
    >>> y, tau = gardner_clock_recovery(x, 4)
    >>> round(tau[2500:3800].mean().item(), 2)                                   # strobe at -1
    -1.0
    """
    x = check_signal("x", x, min_dim=2)
    sps = check_int("sps", sps, 2)
    if sps % 2:
        raise ValueError(f"sps = {sps} is not allowed; it must be even (mid-point samples)")
    for name, val in (("kp", kp), ("ki", ki)):
        if isinstance(val, bool) or not isinstance(val, (int, float)) or not val >= 0:
            raise ValueError(f"{name} = {val!r} is not allowed; it must be a number >= 0")
    if isinstance(tau0, bool) or not isinstance(tau0, (int, float)):
        raise TypeError(f"tau0 must be a number, got {type(tau0).__name__}")
    kernel = check_choice("kernel", kernel, ("auto", "numba", "torch"))
    if kernel == "numba" and x.device.type != "cpu":
        raise ValueError(f"kernel = 'numba' needs a CPU tensor, got device {x.device}")
    n_pol, n = x.shape[-2], x.shape[-1]
    n_sym = n // sps
    if n_sym < 2:
        raise ValueError(f"x has {n} samples; at least 2 symbols ({2 * sps} samples) are needed")
    batch = x.shape[:-2]
    xb = x.reshape(-1, n_pol, n).to(torch.complex128)
    power = xb.abs().square().mean(-1).sum(-1)[:, None, None]
    xb = xb / power.clamp_min(1e-300).sqrt()
    xp = torch.nn.functional.pad(xb, (_PAD, _PAD))
    use_numba = kernel == "numba" or (kernel == "auto" and x.device.type == "cpu")
    if use_numba:
        y_np = np.empty((xb.shape[0], n_pol, 2 * n_sym), dtype=np.complex128)
        tau_np = np.empty((xb.shape[0], n_sym), dtype=np.float64)
        _gardner_numba(xp.numpy(), sps, n_sym, float(kp), float(ki), float(tau0), y_np, tau_np)
        y, tau = torch.from_numpy(y_np), torch.from_numpy(tau_np)
    else:
        y, tau = _gardner_torch(xp, sps, n_sym, float(kp), float(ki), float(tau0))
    return (y.to(x.dtype).reshape(*batch, n_pol, 2 * n_sym), tau.reshape(*batch, n_sym))
