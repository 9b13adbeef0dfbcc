"""2x2 butterfly adaptive equaliser: CMA, RDE and decision-directed LMS (Savory 2010 §V).

Structure (Savory, IEEE JSTQE 16(5) 2010, eq. (21); Savory 2008 Opt. Express §4): the
input is the dual-polarisation signal at 2 samples per symbol, the output one sample per
symbol. With ``n_taps`` (odd) complex taps per branch and the window ``x_q[2k + i -
(n_taps-1)/2]`` (zero outside the signal),

    y_p[k] = sum_q sum_i h_pq[i] x_q[2k + i - (n_taps - 1)/2],     p, q in {X, Y}

and after each output symbol every branch is updated by a stochastic-gradient step
``h_pq[i] += mu e_p[k] conj(x_q[2k + i - (n_taps-1)/2])`` with the error of the algorithm in
force for that symbol:

* ``"cma"`` (Godard 1980; Savory 2010 eq. (22)): ``e = y (R2 - |y|^2)``,
  ``R2 = E|s|^4 / E|s|^2`` of the constellation;
* ``"rde"`` radius-directed (multi-modulus; Savory 2010 eq. (25)): ``e = y (R_d^2 - |y|^2)``
  with ``R_d`` the constellation ring radius nearest to ``|y|`` (one ring for QPSK, where it
  equals CMA; three for 16QAM, nine for 64QAM);
* ``"dd"`` decision-directed LMS (Savory 2010 §V.C): ``e = d e^{j phi} - y`` with ``d`` the
  nearest constellation point of ``z = y e^{-j phi}``; ``phi`` is a first-order decision-
  directed phase tracker per polarisation, ``phi += pll_gain Im(z conj(d))`` (``pll_gain =
  0`` keeps ``phi = 0``: the taps then absorb any static phase, which must be less than 45
  degrees at the switch from the blind stage, otherwise DD locks to a rotated quadrant).

CMA and RDE are blind to the carrier phase and so run before frequency-offset and phase
recovery; DD needs the phase (within a quadrant), so it follows a converged blind stage.

The sequence of algorithms is a ``schedule`` of ``(algorithm, n_symbols, mu)`` entries, applied
in order; ``n_symbols = None`` in the last entry runs it to the end, otherwise the taps are
frozen after the schedule. The input of each polarisation is normalised to unit mean power
first (the radii assume a unit-power constellation).

The update is sequential per symbol: a compiled Numba loop over batch rows and symbols
(``kernel="numba"``, CPU) and a plain torch loop over symbols vectorised over the batch
(``kernel="torch"``, any device; the reference the tests compare the kernel against).
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import torch

from softran.optical.qam import (
    check_modulation,
    check_signal,
    qam_axis,
    qam_decide,
    qam_moments,
)
from softran.validation import (
    check_allocation,
    check_choice,
    check_int,
    check_positive,
    check_tensor,
)

__all__ = ["ALGORITHMS", "adaptive_equalize"]

#: Error functions of :func:`adaptive_equalize`, in the order of their kernel codes.
ALGORITHMS: tuple[str, ...] = ("cma", "rde", "dd")
_HOLD = 3

Schedule = Sequence[tuple[str, int | None, float]]


def _plan(schedule: object, n_sym: int) -> tuple[np.ndarray, np.ndarray]:
    """Per-symbol algorithm codes [n_sym] int8 and step sizes [n_sym] float32."""
    if isinstance(schedule, (str, bytes)) or not isinstance(schedule, Sequence) or not schedule:
        raise TypeError("schedule must be a non-empty sequence of (algorithm, n_symbols, mu) "
                        f"tuples, got {schedule!r}")
    alg = np.full(n_sym, _HOLD, dtype=np.int8)
    mu = np.zeros(n_sym, dtype=np.float32)
    start = 0
    for j, entry in enumerate(schedule):
        if not isinstance(entry, (tuple, list)) or len(entry) != 3:
            raise TypeError(f"schedule[{j}] must be an (algorithm, n_symbols, mu) tuple, got "
                            f"{entry!r}")
        name, count, step = entry
        name = check_choice(f"schedule[{j}] algorithm", name, ALGORITHMS)
        if count is None:
            if j != len(schedule) - 1:
                raise ValueError(f"schedule[{j}] has n_symbols = None, which is allowed only in "
                                 "the last entry")
            stop = n_sym
        else:
            stop = min(n_sym, start + check_int(f"schedule[{j}] n_symbols", count, 1))
        step = check_positive(f"schedule[{j}] mu", step)
        alg[start:stop] = ALGORITHMS.index(name)
        mu[start:stop] = step
        start = stop
    return alg, mu


def _equalize_torch(xp: torch.Tensor, h: torch.Tensor, alg: np.ndarray, mu: np.ndarray,
                    r2: float, radii: torch.Tensor, modulation: str, pll_gain: float,
                    n_sym: int) -> torch.Tensor:
    """Reference: loop over symbols, vectorised over the batch. xp [B, 2, Np], h [B, 2, 2, T]."""
    n_taps = h.shape[-1]
    y = torch.empty(xp.shape[0], 2, n_sym, dtype=xp.dtype, device=xp.device)
    phi = torch.zeros(xp.shape[0], 2, dtype=xp.real.dtype, device=xp.device)
    for k in range(n_sym):
        win = xp[:, :, 2 * k:2 * k + n_taps]                         # [B, q, T]
        out = (h * win[:, None]).sum((-2, -1))                        # [B, p]
        y[:, :, k] = out
        a = int(alg[k])
        if a == _HOLD:
            continue
        pw = out.real.square() + out.imag.square()
        if a == 0:
            e = out * (r2 - pw)
        elif a == 1:
            best = radii[(radii - pw.sqrt()[..., None]).abs().argmin(-1)]
            e = out * (best.square() - pw)
        else:
            rot = torch.polar(torch.ones_like(phi), phi)
            z = out * rot.conj()
            d = qam_decide(z, modulation)
            e = d * rot - out
            phi = phi + pll_gain * (z * d.conj()).imag
        h = h + (float(mu[k]) * e)[:, :, None, None] * win.conj()[:, None]
    return y, h


def adaptive_equalize(x: torch.Tensor, modulation: str, *, n_taps: int = 15,
                      schedule: Schedule = (("cma", None, 1e-3),), pll_gain: float = 0.0,
                      taps: torch.Tensor | None = None,
                      kernel: str = "auto") -> tuple[torch.Tensor, torch.Tensor]:
    """2x2 MIMO fractionally spaced adaptive equaliser (Savory 2010 §V, eqs. (21)-(25)).

    Args:
        x: ``[..., 2, n_samples]`` complex dual-polarisation signal at 2 samples per symbol
            (after CD compensation, matched filtering and timing recovery), symbol instants
            at the even samples.
        modulation: ``"QPSK"``, ``"16QAM"``, ``"64QAM"`` or ``"256QAM"`` (radii, decisions).
        n_taps: taps per butterfly branch, odd, >= 1 (at 2 sps: spans ``n_taps / 2`` symbols).
        schedule: ``(algorithm, n_symbols, mu)`` entries run in order, algorithm ``"cma"``,
            ``"rde"`` or ``"dd"``; ``n_symbols = None`` (last entry only) runs to the end,
            otherwise the taps are frozen after the schedule. E.g. ``(("cma", 5000, 1e-3),
            ("rde", None, 5e-4))`` for 16QAM.
        pll_gain: gain of the decision-directed phase tracker of the ``"dd"`` stage (>= 0).
        taps: initial taps ``[..., 2, 2, n_taps]`` (broadcast over the batch); default a
            unit centre tap on ``h_XX`` and ``h_YY``.
        kernel: ``"auto"`` (Numba on CPU, torch elsewhere), ``"numba"`` or ``"torch"``.

    Returns:
        ``(y, taps)``: ``y`` ``[..., 2, n_samples // 2]`` equalised symbols (complex64; the
        symbol scale of a unit-power constellation), ``taps`` ``[..., 2, 2, n_taps]`` the final
        taps (``y_p = sum_q h_pq * x_q`` as in the module docstring).

    >>> g = torch.Generator().manual_seed(1)
    >>> s = (torch.randint(0, 2, (2, 4000), generator=g) * 2 - 1 + 1j * (
    ...      torch.randint(0, 2, (2, 4000), generator=g) * 2 - 1)).to(torch.complex64) / 2 ** 0.5
    >>> x = torch.zeros(2, 8000, dtype=torch.complex64); x[:, ::2] = s        # 2 sps
    >>> mix = torch.tensor([[0.8, 0.6j], [0.6j, 0.8]], dtype=torch.complex64)  # unitary
    >>> y, h = adaptive_equalize(mix @ x, "QPSK", n_taps=5)
    >>> bool(((y[:, -1000:].abs() - 1).abs() < 0.02).all())                      # constant modulus
    True
    """
    x = check_signal("x", x, min_dim=2)
    if x.shape[-2] != 2:
        raise ValueError(f"x must have 2 polarisations in dimension -2, got shape "
                         f"{tuple(x.shape)}")
    modulation = check_modulation(modulation)
    n_taps = check_int("n_taps", n_taps, 1)
    # zero-padded input and taps [..., 2, 2, n_taps] (complex64), per batch row
    check_allocation("n_taps", n_taps, 8 * (x.numel() // (2 * max(x.shape[-1], 1)))
                     * (2 * (x.shape[-1] + n_taps) + 2 * 4 * n_taps), device=x.device)
    if n_taps % 2 == 0:
        raise ValueError(f"n_taps = {n_taps} is not allowed; it must be odd (a centre tap)")
    if isinstance(pll_gain, bool) or not isinstance(pll_gain, (int, float)) or pll_gain < 0:
        raise ValueError(f"pll_gain = {pll_gain!r} is not allowed; it must be a number >= 0")
    kernel = check_choice("kernel", kernel, ("auto", "numba", "torch"))
    if kernel == "numba" and x.device.type != "cpu":
        raise ValueError(f"kernel = 'numba' needs a CPU tensor, got device {x.device}")
    n = x.shape[-1]
    n_sym = n // 2
    if n_sym < 1:
        raise ValueError(f"x has {n} samples; at least 2 (one symbol at 2 sps) are needed")
    alg, mu = _plan(schedule, n_sym)

    batch = x.shape[:-2]
    xb = x.reshape(-1, 2, n).to(torch.complex64)
    power = xb.abs().square().mean(-1, keepdim=True)
    xb = xb / power.clamp_min(torch.finfo(torch.float32).tiny).sqrt()
    half = (n_taps - 1) // 2
    xp = torch.nn.functional.pad(xb, (half, half + 1))
    if taps is None:
        h = torch.zeros(xb.shape[0], 2, 2, n_taps, dtype=torch.complex64, device=x.device)
        h[:, 0, 0, half] = 1
        h[:, 1, 1, half] = 1
    else:
        taps = check_signal("taps", check_tensor("taps", taps, min_dim=3), min_dim=3)
        if taps.shape[-3:] != (2, 2, n_taps):
            raise ValueError(f"taps must have shape [..., 2, 2, {n_taps}], got "
                             f"{tuple(taps.shape)}")
        h = taps.to(device=x.device, dtype=torch.complex64).expand(
            *batch, 2, 2, n_taps).reshape(-1, 2, 2, n_taps).clone()

    r2, rings = qam_moments(modulation)
    n_levels, scale = qam_axis(modulation)
    use_numba = kernel == "numba" or (kernel == "auto" and x.device.type == "cpu")
    if use_numba:
        from softran.optical.dsp.equalizer_kernels import equalize_blocks

        h_np = h.numpy().copy()
        y_np = np.empty((xb.shape[0], 2, n_sym), dtype=np.complex64)
        equalize_blocks(np.ascontiguousarray(xp.numpy()), h_np, alg, mu, np.float32(r2),
                        np.sqrt(np.asarray(rings, dtype=np.float32)), np.float32(scale),
                        np.float32(n_levels - 1), np.float32(pll_gain), y_np)
        y, h = torch.from_numpy(y_np), torch.from_numpy(h_np)
    else:
        radii = torch.tensor(rings, dtype=torch.float32, device=x.device).sqrt()
        y, h = _equalize_torch(xp, h, alg, mu, r2, radii, modulation, float(pll_gain), n_sym)
    return y.reshape(*batch, 2, n_sym), h.reshape(*batch, 2, 2, n_taps)
