"""Single-mode fibre: Manakov equation / scalar NLSE by the symmetric split-step Fourier
method (Agrawal, *Nonlinear Fiber Optics*, §2.3 (NLSE), §2.4.1
(split-step Fourier method), §6.6 / Marcuse, Menyuk and Wai, J. Lightw. Technol. 15(9), 1997
(Manakov-PMD equation)).

Equation solved, for the field ``E = [E_x, E_y]`` in sqrt(W) (time ``T`` in the frame moving
at the group velocity)::

    dE/dz = -alpha/2 E - j beta2/2 d2E/dT2 + beta3/6 d3E/dT3 + j gamma_eff |E|^2 E

with ``|E|^2 = |E_x|^2 + |E_y|^2`` and ``gamma_eff = 8/9 gamma`` (Manakov: the nonlinearity
averaged over the fast random birefringence) for two polarisations, ``gamma_eff = gamma``
for one (scalar NLSE).

Frequency convention (read this before writing a receiver). Spectra are taken with
``torch.fft.fft`` (kernel ``exp(-j 2 pi f t)``) and ``omega = 2 pi f`` is the FFT frequency;
FFT bin ``f`` stands for the optical frequency ``nu_0 + f`` (what :mod:`softran.optical.wdm`
assumes: a channel at ``+50 GHz`` is multiplied by ``exp(+j 2 pi 50 GHz t)``). The linear
step is Agrawal's dispersion transfer function (§3.2, with the third-order term)::

    H(omega, h) = exp[(j beta2/2 omega^2 + j beta3/6 omega^3 - alpha/2) h]

so a receiver compensates chromatic dispersion with ``exp(-j beta2/2 omega^2 L ...)``
(Savory 2010: ``exp(+j D lambda^2 omega^2 L / (4 pi c))``). With this pairing the local
dispersion at FFT frequency ``f`` is ``beta2 + beta3 omega`` as at optical frequency
``nu_0 + f``; the one thing it mirrors relative to Agrawal's envelope (which has
``exp(-j omega T)`` for ``+omega``) is the direction of time (walk-off sign), which no
receiver metric sees.

Symmetric SSFM (Agrawal §2.4.1): each step ``h`` is ``D(h/2) N(h) D(h/2)`` with the
nonlinear operator evaluated on the field at the step's midpoint; adjacent half steps are
merged into one ``D((h_k + h_{k+1})/2)`` so a step costs one FFT pair. With loss, the
midpoint power ``P_mid`` is scaled to the exact integral of the power over the step:
``phi = gamma_eff P_mid h_eff``, ``h_eff = 2 sinh(alpha h / 2) / alpha`` (-> ``h`` for
``alpha = 0``). Step choice: fixed ``step`` (the last step of a span takes the remainder), or
adaptive from the nonlinear phase bound ``gamma_eff P_peak L_eff(h) <= max_phase_rotation``
(Sinkin et al., J. Lightw. Technol. 21(1), 2003, "nonlinear phase rotation method"),
``L_eff(h) = (1 - exp(-alpha h)) / alpha``. In adaptive mode the peak power that sets step
``k+1`` is the peak of the midpoint field of step ``k`` times ``exp(-alpha h_k / 2)`` (the
field is not transformed back to the time domain at step boundaries); one step length is
shared by the whole batch (the batch's largest peak), ``step`` (if given) caps it.

PMD (waveplate / coarse-step model, Marcuse-Menyuk-Wai 1997; Prola et al., IEEE PTL 9(6),
1997): with ``pmd=True`` the linear operator of each step ``h_k`` carries one birefringent
section ``T_k(omega) = R_k^H diag(exp(j omega tau_k / 2), exp(-j omega tau_k / 2)) R_k``,
with ``R_k`` a Haar-random 2x2 unitary (uniform on the Poincare sphere) per section and per
batch element, and ``tau_k = sqrt(3 pi / 8) D_PMD sqrt(h_k)``: the sections' PMD vectors add
with ``E[DGD^2] = sum tau_k^2 = (3 pi / 8) D_PMD^2 L``, i.e. mean DGD ``D_PMD sqrt(L)``
(Maxwellian).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import torch

from softran.optical._random import DeviceGenerators
from softran.optical.amplifier import EDFA
from softran.optical.constants import REFERENCE_WAVELENGTH
from softran.optical.split_step import (
    FibreOperators,
    NumpyOps,
    TorchOps,
    propagate_local_error,
    propagate_symmetric,
)
from softran.optical.units import (
    db_per_km_to_per_m,
    dispersion_to_beta2,
    gamma_to_si,
    slope_to_beta3,
)
from softran.validation import (
    check_allocation,
    check_finite,
    check_choice,
    check_int,
    check_positive,
    check_real,
    check_tensor,
)

__all__ = ["FibreLink", "FibreSpan", "dispersion_transfer_function", "ssfm"]

_MANAKOV = 8.0 / 9.0


@dataclass(frozen=True)
class FibreSpan:
    """Parameters of one fibre span in the user's units, with SI properties for the solver.

    User units (the usual data-sheet units): ``length_km`` [km], ``alpha_db_km`` [dB/km],
    ``dispersion`` D [ps/(nm km)], ``slope`` S [ps/(nm^2 km)], ``gamma_w_km`` [1/(W km)],
    ``pmd_ps_sqrt_km`` [ps/sqrt(km)], ``a_eff_um2`` [um^2] (informational; ``gamma`` is given
    directly), ``reference_wavelength`` [m] (where D, S are specified and ``beta2``,
    ``beta3`` are evaluated). Defaults: the standard single-mode fibre (ITU-T G.652.D) of
    ``softran/optical/data/fibre_types.json`` ("SSMF") at 1550 nm.

    SI conversions (Agrawal, *Nonlinear Fiber Optics*, §1.2.3; computed
    by the helpers of :mod:`softran.optical.units`):

    * ``alpha = alpha_db_km * ln(10) / 10 / 1000`` [1/m] (power attenuation);
    * ``beta2 = -D lambda^2 / (2 pi c)`` [s^2/m];
    * ``beta3 = (lambda^2 / (2 pi c))^2 (S + 2 D / lambda)`` [s^3/m] (from
      ``S = (2 pi c / lambda^2)^2 beta3 + (4 pi c / lambda^3) beta2``);
    * ``gamma = gamma_w_km / 1000`` [1/(W m)]; ``pmd = pmd_ps_sqrt_km * 1e-12 / sqrt(1000)``
      [s/sqrt(m)].

    >>> s = FibreSpan(80.0, 0.2, 17.0, 0.0, 1.3)
    >>> round(s.beta2 * 1e27, 3), round(s.loss_db, 1), round(s.effective_length / 1e3, 2)
    (-21.683, 16.0, 21.17)
    """

    length_km: float = 80.0
    alpha_db_km: float = 0.2
    dispersion: float = 16.7
    slope: float = 0.057
    gamma_w_km: float = 1.3
    pmd_ps_sqrt_km: float = 0.0
    a_eff_um2: float = 80.0
    reference_wavelength: float = REFERENCE_WAVELENGTH

    def __post_init__(self) -> None:
        check_positive("length_km", self.length_km)
        check_real("alpha_db_km", self.alpha_db_km, low=0.0)
        check_real("dispersion", self.dispersion)
        check_real("slope", self.slope)
        check_real("gamma_w_km", self.gamma_w_km, low=0.0)
        check_real("pmd_ps_sqrt_km", self.pmd_ps_sqrt_km, low=0.0)
        check_positive("a_eff_um2", self.a_eff_um2)
        check_positive("reference_wavelength", self.reference_wavelength)

    @property
    def length(self) -> float:
        """Span length [m]."""
        return self.length_km * 1e3

    @property
    def alpha(self) -> float:
        """Power attenuation coefficient [1/m]."""
        return float(db_per_km_to_per_m(self.alpha_db_km))

    @property
    def beta2(self) -> float:
        """Group-velocity dispersion ``-D lambda^2 / (2 pi c)`` [s^2/m]."""
        return float(dispersion_to_beta2(self.dispersion, self.reference_wavelength))

    @property
    def beta3(self) -> float:
        """Third-order dispersion ``(lambda^2 / (2 pi c))^2 (S + 2 D / lambda)`` [s^3/m]."""
        return float(slope_to_beta3(self.slope, self.dispersion, self.reference_wavelength))

    @property
    def gamma(self) -> float:
        """Nonlinear coefficient [1/(W m)]."""
        return float(gamma_to_si(self.gamma_w_km))

    @property
    def pmd(self) -> float:
        """PMD coefficient [s/sqrt(m)]."""
        return self.pmd_ps_sqrt_km * 1e-12 / math.sqrt(1e3)

    @property
    def loss_db(self) -> float:
        """Span loss ``alpha_db_km * length_km`` [dB]."""
        return self.alpha_db_km * self.length_km

    @property
    def effective_length(self) -> float:
        """``L_eff = (1 - exp(-alpha L)) / alpha`` [m] (``L`` for a lossless fibre)."""
        a = self.alpha
        return self.length if a == 0 else -math.expm1(-a * self.length) / a


def _omega(n: int, fs: float, device: torch.device) -> torch.Tensor:
    return 2 * math.pi * torch.fft.fftfreq(n, d=1.0 / fs, dtype=torch.float64, device=device)


def dispersion_transfer_function(span: FibreSpan, n: int, fs: float, length: float | None = None,
                                 *, dtype: torch.dtype = torch.complex128,
                                 device: torch.device | str | None = None) -> torch.Tensor:
    """Linear fibre response ``H(omega, z) = exp[(j beta2/2 omega^2 + j beta3/6 omega^3 -
    alpha/2) z]`` (Agrawal, *Nonlinear Fiber Optics*, §3.2, plus the ``beta3`` term and
    loss) on the ``torch.fft`` frequency grid ``omega = 2 pi fftfreq(n, 1/fs)``.

    Args:
        span: fibre parameters. n: number of samples. fs: sample rate [Hz].
        length: propagation length ``z`` [m]; default the span length.

    Returns:
        ``[n]`` complex (``dtype``, ``device``).

    >>> h = dispersion_transfer_function(FibreSpan(alpha_db_km=0.0), 8, 64e9)
    >>> bool(torch.allclose(h.abs(), torch.ones(8, dtype=torch.float64)))
    True
    """
    if not isinstance(span, FibreSpan):
        raise TypeError(f"span must be a FibreSpan, got {type(span).__name__}")
    n = check_int("n", n, 1)
    fs = check_positive("fs", fs)
    z = span.length if length is None else check_real("length", length, low=0.0)
    dev = torch.device("cpu" if device is None else device)
    check_allocation("n", n, 6 * 16 * n, device=dev)  # frequency grid, phase, magnitude, H
    return _linear_operator(span, n, fs, z, dtype, dev)


def _linear_operator(span: FibreSpan, n: int, fs: float, h: float, dtype: torch.dtype,
                     device: torch.device, omega: torch.Tensor | None = None) -> torch.Tensor:
    w = _omega(n, fs, device) if omega is None else omega
    phase = (span.beta2 / 2 * h) * w.square() + (span.beta3 / 6 * h) * w.pow(3)
    mag = torch.full_like(w, math.exp(-span.alpha * h / 2))
    return torch.polar(mag, phase).to(dtype)


def _haar_unitary(batch: tuple[int, ...], generator: torch.Generator | None,
                  device: torch.device, dtype: torch.dtype) -> torch.Tensor:
    """Haar-random SU(2) matrices ``[*batch, 2, 2]``: ``[[a, -b*], [b, a*]]`` with (a, b) a
    uniform point on the unit 3-sphere (normalised 4-D Gaussian)."""
    q = torch.randn((*batch, 4), dtype=torch.float64, generator=generator, device=device)
    q = q / q.norm(dim=-1, keepdim=True)
    a = torch.complex(q[..., 0], q[..., 1])
    b = torch.complex(q[..., 2], q[..., 3])
    r = torch.stack([torch.stack([a, -b.conj()], -1), torch.stack([b, a.conj()], -1)], -2)
    return r.to(dtype)


def ssfm(field: torch.Tensor, span: FibreSpan, fs: float, *, step: float | None = None,
         max_phase_rotation: float | None = None, local_error: float | None = None,
         manakov: bool = True, pmd: bool = False, generator: torch.Generator | None = None,
         kernel: str = "auto", stats: dict | None = None,
         _cache: dict | None = None) -> torch.Tensor:
    """Propagate an optical field through one fibre span by the symmetric split-step Fourier
    method (Agrawal, *Nonlinear Fiber Optics*, §2.4.1, symmetric form): Manakov equation for two
    polarisations (Marcuse-Menyuk-Wai 1997, ``8/9 gamma``), scalar NLSE (Agrawal §2.3)
    for one; loss, ``beta2``, ``beta3``; optional PMD waveplates. See the module docstring for
    the frequency convention, the loss-exact nonlinear step and the step rules, and
    :mod:`softran.optical.split_step` for the loops.

    Step rules (give at least one):

    * ``step`` alone: fixed steps [m] (the last step of the span takes the remainder);
    * ``max_phase_rotation`` [rad]: adaptive steps from the nonlinear-phase bound
      (Sinkin 2003), capped by ``step`` if given;
    * ``local_error``: Sinkin's local-error method (step doubling with local extrapolation,
      relative local error per step ``local_error``, e.g. 1e-5; the recommended mode: the
      steps follow the error, long where the power is low). ``step`` caps the step; the first
      step is ``step`` or the nonlinear-phase step of 5 mrad.

    Args:
        field: complex ``[..., n_pol, n]`` in sqrt(W), ``n_pol`` 1 or 2; leading dimensions
            are independent runs. Runs on the field's device, in its dtype (complex64 agrees
            with complex128 to about 1e-9 normalised MSE over a 400 km link, far below any
            ASE; ``tests/optical/test_fibre.py``).
        span: :class:`FibreSpan`.
        fs: sample rate [Hz] (the simulation bandwidth).
        step, max_phase_rotation, local_error: step rules above.
        manakov: two polarisations: ``True`` uses ``8/9 gamma``; ``False`` uses ``gamma``
            on the total power (no birefringence averaging).
        pmd: add the waveplate PMD model (random sections drawn from ``generator``, on the
            field's device; fixed or nonlinear-phase steps).
        generator: random generator for PMD sections (on the field's device).
        kernel: ``"auto"`` (compiled CPU kernels for CPU fields without PMD or autograd,
            torch otherwise), ``"numba"`` or ``"torch"``.
        stats: a dict that receives ``"steps"``, the number of (accepted) steps.

    Returns:
        The output field, shape, dtype and device of ``field``.

    >>> span = FibreSpan(length_km=10.0, alpha_db_km=0.0, gamma_w_km=0.0)
    >>> x = torch.randn(2, 256, dtype=torch.complex128)
    >>> y = ssfm(x, span, 64e9, step=1e3)
    >>> bool(torch.allclose(y.abs().square().sum(), x.abs().square().sum()))
    True
    """
    field = check_finite("field", check_tensor("field", field, min_dim=2))
    if field.dtype not in (torch.complex64, torch.complex128):
        raise TypeError(f"field must be complex64 or complex128, got dtype {field.dtype}")
    if not isinstance(span, FibreSpan):
        raise TypeError(f"span must be a FibreSpan, got {type(span).__name__}")
    n_pol, n = field.shape[-2], field.shape[-1]
    if n_pol not in (1, 2):
        raise ValueError(f"field has n_pol = {n_pol} (shape {tuple(field.shape)}); allowed: 1, 2")
    if n < 1:
        raise ValueError("field must have at least one sample")
    fs = check_positive("fs", fs)
    if step is None and max_phase_rotation is None and local_error is None:
        raise ValueError("give step (fixed step in m), max_phase_rotation (rad) and/or "
                         "local_error (relative local error per step)")
    if step is not None:
        step = check_positive("step", step)
    if max_phase_rotation is not None:
        max_phase_rotation = check_positive("max_phase_rotation", max_phase_rotation)
    if local_error is not None:
        local_error = check_positive("local_error", local_error)
        if max_phase_rotation is not None:
            raise ValueError("give either max_phase_rotation or local_error, not both")
    if not isinstance(manakov, bool) or not isinstance(pmd, bool):
        raise TypeError("manakov and pmd must be bool")
    if pmd and n_pol != 2:
        raise ValueError("pmd=True needs two polarisations (n_pol = 2)")
    if pmd and local_error is not None:
        raise ValueError("pmd=True works with step / max_phase_rotation, not local_error")
    kernel = check_choice("kernel", kernel, ("auto", "numba", "torch"))
    if kernel == "numba" and (field.device.type != "cpu" or pmd):
        raise ValueError(f"kernel = 'numba' needs a CPU field without PMD (device "
                         f"{field.device}, pmd={pmd})")
    if generator is not None and generator.device != field.device:
        raise ValueError(f"generator is on {generator.device}, the field on {field.device}; "
                         "they must be on the same device")

    device, dtype = field.device, field.dtype
    gamma_eff = span.gamma * (_MANAKOV if (n_pol == 2 and manakov) else 1.0)
    fibre_ops = FibreOperators(alpha=span.alpha, beta2=span.beta2, beta3=span.beta3,
                               gamma_eff=gamma_eff, length=span.length)
    cache = {} if _cache is None else _cache
    omega_key = ("omega", n, fs, str(device))
    if omega_key not in cache:
        cache[omega_key] = _omega(n, fs, device)
    omega = cache[omega_key]
    use_numba = kernel == "numba" or (kernel == "auto" and device.type == "cpu" and not pmd
                                      and not field.requires_grad)
    batch = tuple(field.shape[:-2])
    buffers = True                                # the loops keep what FFTs would overwrite
    ops_key = ("ops", use_numba, fibre_ops, n, fs, str(device), dtype,
               math.prod(batch), n_pol, buffers)
    ops = cache.get(ops_key)
    if ops is None:
        if use_numba:
            ops = NumpyOps((math.prod(batch), n_pol, n), fs, dtype, fibre_ops, omega,
                           buffers=buffers)
        else:
            ops = TorchOps(n, fs, dtype, device, fibre_ops, omega)
        cache[ops_key] = ops

    hook = None
    if pmd:
        dgd_cache: dict[float, torch.Tensor] = {}

        def hook(spec: torch.Tensor, h: float) -> torch.Tensor:
            tau = math.sqrt(3 * math.pi / 8) * span.pmd * math.sqrt(h)
            d = dgd_cache.get(tau)
            if d is None:
                d = torch.polar(torch.ones_like(omega), omega * (tau / 2)).to(dtype)
                d = torch.stack([d, d.conj()])                                  # [2, n]
                dgd_cache[tau] = d
            r = _haar_unitary(batch, generator, device, dtype)
            return r.mH @ ((r @ spec) * d)

    if use_numba:
        x = field.detach().resolve_conj().cpu().numpy().reshape(math.prod(batch), n_pol, n)
        x = np.array(x, copy=True, order="C")
    else:
        x = field
    if local_error is not None:
        first = step if step is not None else fibre_ops.nl_bound(
            ops.peak_power(x), 5e-3, span.length)
        y, steps = propagate_local_error(x, ops, local_error=local_error, step=step,
                                         first_step=first)
    else:
        y, steps = propagate_symmetric(x, ops, step=step,
                                       max_phase_rotation=max_phase_rotation, hook=hook)
    if stats is not None:
        stats["steps"] = steps
    if use_numba:                                 # a copy: the FFT buffers are reused
        return torch.from_numpy(np.array(y, order="C", copy=True)).reshape(field.shape)
    return y


class FibreLink(torch.nn.Module):
    """A multi-span link: span ``i`` (:func:`ssfm`), then amplifier ``i`` (an
    :class:`~softran.optical.amplifier.EDFA`, or ``None`` for none), for each span in order
    (per-span parameters; Agrawal, *Fiber-Optic Communication Systems*, §7.1 periodic
    amplification).

    Args:
        spans: the spans, in order (a single :class:`FibreSpan` is one span).
        amplifiers: one per span (or ``None``: no amplifiers). ``EDFA.for_span(span)`` gives
            an amplifier that compensates its span's loss.
        step, max_phase_rotation, manakov, pmd: passed to :func:`ssfm`.
        seed: seed of the PMD generator (created on the field's device at the first call).

    ``forward(field, fs)``: ``field`` ``[..., n_pol, n]`` -> same shape.

    >>> span = FibreSpan(length_km=1.0, gamma_w_km=0.0)
    >>> link = FibreLink([span, span], [EDFA.for_span(span, seed=1), EDFA.for_span(span, seed=2)],
    ...                  step=500.0)
    >>> x = torch.ones(2, 64, dtype=torch.complex128)     # 2 W; each EDFA adds ~10 nW of ASE
    >>> bool(torch.allclose(link(x, 64e9), x, atol=1e-3))
    True
    """

    def __init__(self, spans: Sequence[FibreSpan] | FibreSpan,
                 amplifiers: Sequence[EDFA | None] | None = None, *,
                 step: float | None = None, max_phase_rotation: float | None = None,
                 manakov: bool = True, pmd: bool = False, seed: int | None = None) -> None:
        super().__init__()
        spans = [spans] if isinstance(spans, FibreSpan) else list(spans)
        if not spans:
            raise ValueError("spans must contain at least one FibreSpan")
        for i, s in enumerate(spans):
            if not isinstance(s, FibreSpan):
                raise TypeError(f"spans[{i}] must be a FibreSpan, got {type(s).__name__}")
        amps = [None] * len(spans) if amplifiers is None else list(amplifiers)
        if len(amps) != len(spans):
            raise ValueError(f"amplifiers has {len(amps)} entries; one per span "
                             f"({len(spans)}) is required (None for no amplifier)")
        for i, a in enumerate(amps):
            if a is not None and not isinstance(a, EDFA):
                raise TypeError(f"amplifiers[{i}] must be an EDFA or None, got {type(a).__name__}")
        if step is None and max_phase_rotation is None:
            raise ValueError("give step (fixed step in m) and/or max_phase_rotation (rad)")
        self.spans = spans
        self.amplifiers = torch.nn.ModuleList([a if a is not None else torch.nn.Identity()
                                               for a in amps])
        self._has_amp = [a is not None for a in amps]
        self.step, self.max_phase_rotation = step, max_phase_rotation
        self.manakov, self.pmd = manakov, pmd
        self.seed = None if seed is None else check_int("seed", seed, 0)
        self._generators = DeviceGenerators(self.seed)

    def reset(self) -> None:
        """Restart the PMD generator (and the amplifiers' noise) from their seeds."""
        self._generators = DeviceGenerators(self.seed)
        for a, has in zip(self.amplifiers, self._has_amp):
            if has:
                a.reset()

    def forward(self, field: torch.Tensor, fs: float) -> torch.Tensor:
        gen = self._generators.get(field.device) if self.pmd else None
        cache: dict = {}
        for s, amp, has in zip(self.spans, self.amplifiers, self._has_amp):
            field = ssfm(field, s, fs, step=self.step, max_phase_rotation=self.max_phase_rotation,
                         manakov=self.manakov, pmd=self.pmd, generator=gen, _cache=cache)
            if has:
                field = amp(field, fs)
        return field
