"""The step loops of the split-step Fourier method behind :func:`softran.optical.fibre.ssfm`
(Agrawal, *Nonlinear Fiber Optics*, §2.4.1; Sinkin et al., J. Lightw. Technol. 21(1), 2003).

Two interchangeable array back ends run the same loops:

* :class:`TorchOps`: torch tensors on any device (the reference; autograd, CUDA);
* :class:`NumpyOps`: NumPy views of CPU tensors, the nonlinear operator as one compiled pass
  (:func:`softran.optical.fibre_kernels.nonlinear_phase`), the FFT from whichever of
  pocketfft (``scipy.fft``), torch's (MKL) and, when pyFFTW is installed, FFTW on reused
  aligned buffers (:class:`FftwPair`) is fastest for the array's length and dtype on this
  CPU (timed once per shape, :func:`fft_backend`).

Operators (module docstring of :mod:`softran.optical.fibre` for the convention):
``D(h) = exp[(j beta2/2 w^2 + j beta3/6 w^3 - alpha/2) h]`` on the FFT grid and
``N(h): x <- x exp(j gamma_eff P h_eff(h))``, ``h_eff = 2 sinh(alpha h / 2) / alpha``, with the
power ``P`` of the field at the step's midpoint. Operators of steps on the geometric grid
``2^(j/Q) m`` are cached (a handful per span), others are computed when used.

Loops:

* :func:`propagate_symmetric`: ``D(h/2) N(h) D(h/2)`` per step with the adjacent half steps
  merged, ``D((h_k + h_{k+1})/2)``: one FFT pair per step. Steps fixed (``step``), or from the
  nonlinear-phase bound ``gamma_eff P_peak L_eff(h) <= phi_max`` (Sinkin 2003, §III.B)
  rounded down to the grid ``2^(j/4) m``; the peak power that sets step ``k+1`` is the peak of
  the midpoint field of step ``k`` times ``exp(-alpha h_k / 2)``.
* :func:`propagate_local_error`: Sinkin's local-error method (2003, §III.D): each trial step
  ``h`` computes the coarse solution ``u_c = S(h) u`` and the fine one ``u_f = S(h/2) S(h/2)
  u`` (``S(h) = D(h/2) N(h) D(h/2)``), the relative local error ``delta = ||u_f - u_c|| /
  ||u_f||``, keeps ``(4 u_f - u_c) / 3`` (local extrapolation: fourth order) when ``delta
  <= 2 delta_G`` and halves ``h`` otherwise; the next step is ``h / 2^(1/3)`` when
  ``delta > delta_G``, ``h 2^(1/3)`` when ``delta < delta_G / 2``, ``h`` otherwise
  (steps on the grid ``2^(j/3) m``).
"""

from __future__ import annotations

import math
import os
import pickle
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import torch

from softran.optical.fibre_kernels import nmse, nonlinear_phase

__all__ = [
    "FftwPair",
    "FibreOperators",
    "NumpyOps",
    "TorchOps",
    "fft_backend",
    "fftw_pair",
    "grid_step",
    "propagate_local_error",
    "propagate_symmetric",
]

#: Cached operators kept per propagation (each is one ``[n]`` complex array).
_MAX_CACHED = 96


def grid_step(h: float, per_octave: int) -> float:
    """The largest step ``2^(j / per_octave)`` metres (integer ``j``) not above ``h``.

    >>> round(grid_step(1000.0, 4), 2), grid_step(1024.0, 4), grid_step(0.9, 1)
    (861.08, 1024.0, 0.5)
    """
    j = math.floor(math.log2(h) * per_octave + 1e-9)
    return 2.0 ** (j / per_octave)


@dataclass(frozen=True)
class FibreOperators:
    """The scalar parameters the loops need: ``alpha`` [1/m], ``beta2`` [s^2/m], ``beta3``
    [s^3/m], ``gamma_eff`` [1/(W m)] (8/9 gamma for Manakov), ``length`` [m]."""

    alpha: float
    beta2: float
    beta3: float
    gamma_eff: float
    length: float

    def h_eff(self, h: float) -> float:
        """Loss-exact nonlinear length of a step: ``2 sinh(alpha h / 2) / alpha``."""
        return h if self.alpha == 0 else 2 * math.sinh(self.alpha * h / 2) / self.alpha

    def nl_bound(self, p_peak: float, phi_max: float, remaining: float) -> float:
        """Largest ``h`` with ``gamma_eff p_peak L_eff(h) <= phi_max`` (or ``remaining``)."""
        if p_peak <= 0 or self.gamma_eff == 0:
            return remaining
        l_eff = phi_max / (self.gamma_eff * p_peak)
        if self.alpha == 0:
            return min(l_eff, remaining)
        x = self.alpha * l_eff
        if x >= 1:
            return remaining
        return min(-math.log1p(-x) / self.alpha, remaining)


class TorchOps:
    """Array operations on torch tensors (any device): the reference back end."""

    def __init__(self, n: int, fs: float, dtype: torch.dtype, device: torch.device,
                 fibre: FibreOperators, omega: torch.Tensor | None = None) -> None:
        self.fibre, self.dtype, self.device = fibre, dtype, device
        self.omega = omega if omega is not None else 2 * math.pi * torch.fft.fftfreq(
            n, d=1.0 / fs, dtype=torch.float64, device=device)
        self._ops: dict[float, Any] = {}

    def operator(self, h: float, cache: bool = True) -> torch.Tensor:
        """``D(h)`` on the FFT grid, in the field's dtype."""
        op = self._ops.get(h)
        if op is None:
            f, w = self.fibre, self.omega
            phase = (f.beta2 / 2 * h) * w.square() + (f.beta3 / 6 * h) * w.pow(3)
            mag = torch.full_like(w, math.exp(-f.alpha * h / 2))
            op = self._finish(torch.polar(mag, phase).to(self.dtype))
            if cache and len(self._ops) < _MAX_CACHED:
                self._ops[h] = op
        return op

    def _finish(self, op: torch.Tensor) -> Any:
        return op

    def fft(self, x: Any) -> Any:
        return torch.fft.fft(x)

    def ifft(self, x: Any) -> Any:
        return torch.fft.ifft(x)

    def mul(self, x: Any, op: Any) -> Any:
        return x.mul_(op)

    def nonlinear(self, x: Any, coef: float) -> float:
        """``x <- x exp(j coef P)`` in place; returns the peak of ``P`` (before)."""
        p = x.real.square() + x.imag.square()
        p = p.sum(-2, keepdim=True)
        peak = float(p.max()) if p.numel() else 0.0
        if coef != 0.0:
            phi = p * coef
            x.mul_(torch.complex(torch.cos(phi), torch.sin(phi)))
        return peak

    def peak_power(self, x: Any) -> float:
        p = (x.real.square() + x.imag.square()).sum(-2)
        return float(p.max()) if p.numel() else 0.0

    def copy(self, x: Any) -> Any:
        return x.clone()

    def keep(self, slot: int, x: Any) -> Any:
        """A copy of ``x`` that later FFTs do not overwrite (slot ``slot`` of the back end)."""
        return x.clone()

    def nmse(self, a: Any, b: Any) -> float:
        den = float((b.real.square() + b.imag.square()).sum())
        d = a - b
        return float((d.real.square() + d.imag.square()).sum()) / den if den > 0 else 0.0

    def extrapolate(self, fine: Any, coarse: Any) -> Any:
        return fine.mul_(4.0 / 3.0).sub_(coarse, alpha=1.0 / 3.0)


_FFT_CHOICE: dict[tuple[int, int, str, int, bool], str] = {}
_FFTW_PLANS: dict[tuple[tuple[int, ...], str, int], FftwPair] = {}


def _have_pyfftw() -> bool:
    try:
        import pyfftw  # noqa: F401
    except ImportError:
        return False
    return True


class FftwPair:
    """Planned FFTW transforms of one array shape (pyFFTW, used when installed) between two
    aligned buffers: ``fft`` copies its input into the time buffer unless it already is that
    buffer and returns the spectrum buffer; ``ifft`` the other way (normalised by ``1/n``).
    The buffers are reused by the next call: copy a result to keep it. Plans: FFTW_MEASURE
    for 16384 points and more (seconds of planning the first time on a machine; FFTW's
    wisdom is kept in ``$XDG_CACHE_HOME/softran/fftw_wisdom.pickle``, default
    ``~/.cache``), FFTW_ESTIMATE below; one per ``(shape, dtype, threads)`` and process
    (:func:`fftw_pair`).

    >>> import numpy as np
    >>> if _have_pyfftw():
    ...     p = fftw_pair((1, 8), np.complex128, 1)
    ...     x = np.arange(8, dtype=np.complex128).reshape(1, 8)
    ...     ok = np.allclose(p.ifft(p.fft(x)), x) and np.allclose(p.fft(x), np.fft.fft(x))
    ... else:
    ...     ok = True
    >>> ok
    True
    """

    def __init__(self, shape: tuple[int, ...], dtype: np.dtype, threads: int) -> None:
        import pyfftw

        self.time = pyfftw.empty_aligned(shape, dtype=dtype)
        self.spectrum = pyfftw.empty_aligned(shape, dtype=dtype)
        measure = shape[-1] >= 16384
        if measure:
            _load_wisdom()
        flags = ("FFTW_MEASURE",) if measure else ("FFTW_ESTIMATE",)
        self._fwd = pyfftw.FFTW(self.time, self.spectrum, axes=(-1,), direction="FFTW_FORWARD",
                                threads=threads, flags=flags)
        self._inv = pyfftw.FFTW(self.spectrum, self.time, axes=(-1,),
                                direction="FFTW_BACKWARD", threads=threads, flags=flags)
        if measure:
            _save_wisdom()

    def fft(self, x: np.ndarray) -> np.ndarray:
        if x is not self.time:
            np.copyto(self.time, x)
        self._fwd()
        return self.spectrum

    def ifft(self, x: np.ndarray) -> np.ndarray:
        if x is not self.spectrum:
            np.copyto(self.spectrum, x)
        self._inv()
        return self.time


def _wisdom_file() -> Path:
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "softran" / "fftw_wisdom.pickle"


def _load_wisdom() -> None:
    import pyfftw

    try:
        pyfftw.import_wisdom(pickle.loads(_wisdom_file().read_bytes()))
    except (OSError, ValueError, pickle.UnpicklingError, EOFError, TypeError):
        pass                                             # no or stale wisdom: plan afresh


def _save_wisdom() -> None:
    import pyfftw

    path = _wisdom_file()
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_suffix(f".{os.getpid()}.tmp")
        tmp.write_bytes(pickle.dumps(pyfftw.export_wisdom()))
        tmp.replace(path)
    except OSError:
        pass                                             # a read-only home: plan every time


def fftw_pair(shape: tuple[int, ...], dtype: np.dtype, threads: int) -> FftwPair:
    """The process's :class:`FftwPair` for ``shape``, ``dtype`` and ``threads``."""
    key = (tuple(int(d) for d in shape), np.dtype(dtype).name, threads)
    pair = _FFTW_PLANS.get(key)
    if pair is None:
        pair = FftwPair(key[0], np.dtype(dtype), threads)
        _FFTW_PLANS[key] = pair
    return pair


def fft_backend(shape: tuple[int, ...], dtype: np.dtype, threads: int,
                buffers: bool = False) -> str:
    """``"scipy"`` (pocketfft), ``"torch"`` (MKL) or, with ``buffers`` and pyFFTW installed,
    ``"fftw"`` (:class:`FftwPair`): the fastest FFT pair for a C-contiguous complex array of
    ``shape`` and ``dtype`` with ``threads`` threads on this CPU (best of a few timed pairs,
    interleaved, measured once per shape and cached; FFTW unless another is 20 % faster:
    its reused buffers avoid the page faults of fresh 1 MB outputs that make the others
    several times slower on a loaded machine). All are exact to rounding; only speed differs.

    >>> fft_backend((2, 1024), np.complex128, 1) in ("scipy", "torch")
    True
    """
    rows = int(np.prod(shape[:-1])) if len(shape) > 1 else 1
    use_fftw = buffers and _have_pyfftw()
    key = (rows, int(shape[-1]), np.dtype(dtype).name, threads, use_fftw)
    choice = _FFT_CHOICE.get(key)
    if choice is None:
        import scipy.fft as sfft

        x = np.zeros(shape, dtype=dtype)
        x.flat[0] = 1.0
        pairs = {name: _fft_pair(name, threads, sfft) for name in ("scipy", "torch")}
        if use_fftw:
            fw = fftw_pair(shape, dtype, threads)
            pairs["fftw"] = (fw.fft, fw.ifft)
        best = dict.fromkeys(pairs, math.inf)
        for name, (fwd, inv) in pairs.items():
            inv(fwd(x.copy()))                           # plans, first-touch
        for _ in range(11):                              # interleaved: fair under load
            for name, (fwd, inv) in pairs.items():
                y = x.copy()
                t0 = time.process_time()
                inv(fwd(y))
                best[name] = min(best[name], time.process_time() - t0)
        choice = min(best, key=best.__getitem__)
        if use_fftw and best[choice] > best["fftw"] / 1.2:
            choice = "fftw"            # reused buffers: steadier under memory pressure
        _FFT_CHOICE[key] = choice
    return choice


def _fft_pair(name: str, threads: int, sfft: Any) -> tuple[Callable, Callable]:
    if name == "scipy":
        return (lambda a: sfft.fft(a, workers=threads, overwrite_x=True),
                lambda a: sfft.ifft(a, workers=threads, overwrite_x=True))
    return (lambda a: torch.fft.fft(torch.from_numpy(a)).numpy(),
            lambda a: torch.fft.ifft(torch.from_numpy(a)).numpy())


class NumpyOps(TorchOps):
    """Array operations on C-contiguous NumPy arrays ``[B, n_pol, n]`` of a CPU field: the
    compiled nonlinear pass and the fastest FFT of this CPU (:func:`fft_backend`). With
    ``buffers`` the FFTW buffers may be used: the arrays ``fft`` / ``ifft`` return are then
    reused by the next call (the loops :meth:`keep` what they need later)."""

    def __init__(self, shape: tuple[int, ...], fs: float, dtype: torch.dtype,
                 fibre: FibreOperators, omega: torch.Tensor | None = None,
                 buffers: bool = False) -> None:
        super().__init__(shape[-1], fs, dtype, torch.device("cpu"), fibre, omega)
        import scipy.fft as sfft

        np_dtype = np.complex64 if dtype == torch.complex64 else np.complex128
        threads = torch.get_num_threads()
        name = fft_backend(shape, np_dtype, threads, buffers)
        if name == "fftw":
            fw = fftw_pair(shape, np_dtype, threads)
            self._fft, self._ifft = fw.fft, fw.ifft
        else:
            self._fft, self._ifft = _fft_pair(name, threads, sfft)
        self.backend = name
        self._p = np.empty((shape[0] + 2, shape[-1]))
        self._slots: dict[int, np.ndarray] = {}

    def _finish(self, op: torch.Tensor) -> Any:
        return op.numpy()

    def fft(self, x: Any) -> Any:
        return self._fft(x)

    def ifft(self, x: Any) -> Any:
        return self._ifft(x)

    def mul(self, x: Any, op: Any) -> Any:
        return np.multiply(x, op, out=x)

    def nonlinear(self, x: Any, coef: float) -> float:
        return nonlinear_phase(x, coef, self._p)

    def peak_power(self, x: Any) -> float:
        p = (x.real ** 2 + x.imag ** 2).sum(-2)
        return float(p.max()) if p.size else 0.0

    def copy(self, x: Any) -> Any:
        return x.copy()

    def keep(self, slot: int, x: Any) -> Any:
        buf = self._slots.get(slot)
        if buf is None or buf.shape != x.shape or buf.dtype != x.dtype:
            buf = np.empty_like(x)
            self._slots[slot] = buf
        if buf is not x:
            np.copyto(buf, x)
        return buf

    def nmse(self, a: Any, b: Any) -> float:
        return nmse(a, b)

    def extrapolate(self, fine: Any, coarse: Any) -> Any:
        fine *= 4.0 / 3.0
        fine -= coarse / 3.0
        return fine


#: Hook applied to the spectrum of each symmetric step (the PMD waveplates): ``(spec, h)``.
SpectrumHook = Callable[[Any, float], Any]


def propagate_symmetric(x: Any, ops: TorchOps, *, step: float | None,
                        max_phase_rotation: float | None,
                        hook: SpectrumHook | None = None) -> tuple[Any, int]:
    """Symmetric split-step with merged half steps (module docstring); ``x`` is consumed.
    Returns the output field and the number of steps.

    >>> f = FibreOperators(alpha=0.0, beta2=-2e-26, beta3=0.0, gamma_eff=0.0, length=2e3)
    >>> ops = TorchOps(64, 64e9, torch.complex128, torch.device("cpu"), f)
    >>> y, n = propagate_symmetric(torch.ones(2, 64, dtype=torch.complex128), ops,
    ...                            step=500.0, max_phase_rotation=None)
    >>> n, bool(torch.allclose(y, torch.ones(2, 64, dtype=torch.complex128)))  # DC: no CD
    (4, True)
    """
    f = ops.fibre
    length = f.length
    adaptive = max_phase_rotation is not None
    p_peak = ops.peak_power(x) if adaptive else 0.0
    z, h_prev, steps = 0.0, 0.0, 0
    while True:
        remaining = length - z
        if adaptive:
            h = f.nl_bound(p_peak, max_phase_rotation, remaining)
            if step is not None and step <= h:
                h = step                                 # the cap rules: fixed steps
            elif h < remaining:
                h = grid_step(h, 4)
        else:
            h = min(step, remaining)
        last = remaining - h <= 1e-9 * length          # no sliver at the end of the span
        if last:
            h = remaining
        spec = ops.fft(x)
        if adaptive:                                     # cached half steps on the grid
            if h_prev > 0:
                spec = ops.mul(spec, ops.operator(h_prev / 2, cache=True))
            spec = ops.mul(spec, ops.operator(h / 2, cache=not last))
        else:                                            # a handful of merged lengths
            spec = ops.mul(spec, ops.operator((h_prev + h) / 2))
        if hook is not None:
            spec = hook(spec, h)
        x = ops.ifft(spec)
        peak = ops.nonlinear(x, f.gamma_eff * f.h_eff(h))
        p_peak = peak * math.exp(-f.alpha * h / 2)
        z += h
        h_prev = h
        steps += 1
        if last:
            break
    spec = ops.mul(ops.fft(x), ops.operator(h_prev / 2, cache=not adaptive))
    return ops.ifft(spec), steps


def _s_step(u_spec: Any, ops: TorchOps, h: float, cache: bool) -> Any:
    """``S(h) = D(h/2) N(h) D(h/2)`` applied to a field given by its spectrum (consumed);
    returns the time-domain field."""
    f = ops.fibre
    x = ops.ifft(ops.mul(u_spec, ops.operator(h / 2, cache)))
    ops.nonlinear(x, f.gamma_eff * f.h_eff(h))
    return ops.ifft(ops.mul(ops.fft(x), ops.operator(h / 2, cache)))


def propagate_local_error(x: Any, ops: TorchOps, *, local_error: float,
                          step: float | None, first_step: float) -> tuple[Any, int]:
    """Sinkin's local-error method (module docstring); ``x`` is consumed. ``step`` caps the
    step, ``first_step`` starts it. Returns the output field and the number of accepted
    steps.

    >>> f = FibreOperators(alpha=0.0, beta2=-2e-26, beta3=0.0, gamma_eff=0.0, length=2e3)
    >>> ops = TorchOps(64, 64e9, torch.complex128, torch.device("cpu"), f)
    >>> y, n = propagate_local_error(torch.ones(2, 64, dtype=torch.complex128), ops,
    ...                              local_error=1e-6, step=None, first_step=2e3)
    >>> n       # 2 km: one step on the 2^(j/3) m grid (1625.5 m), then the rest; exact for DC
    2
    """
    f = ops.fibre
    length = f.length
    z, steps = 0.0, 0
    h = grid_step(min(first_step, length), 3)
    x = ops.keep(0, x)                                   # the field at the step's start
    while length - z > 1e-9 * length:
        remaining = length - z
        last = h >= remaining - 1e-9 * length
        h_try = remaining if last else h
        spec = ops.fft(x)
        half = ops.keep(1, spec)
        coarse = ops.keep(2, _s_step(spec, ops, h_try, not last))
        fine = _s_step(half, ops, h_try / 2, not last)
        fine = _s_step(ops.fft(fine), ops, h_try / 2, not last)
        delta = math.sqrt(ops.nmse(coarse, fine))
        if delta > 2 * local_error and h_try > 1e-3:
            h = grid_step(h_try / 2, 3)                  # reject: halve and retry
            continue
        x = ops.keep(0, ops.extrapolate(fine, coarse))
        z += h_try
        steps += 1
        if delta > local_error:
            h = h_try / 2 ** (1 / 3)
        elif delta < local_error / 2:
            h = h_try * 2 ** (1 / 3)
        else:
            h = h_try
        if step is not None:
            h = min(h, step)
        h = grid_step(h, 3)
    return x, steps
