"""Coherent optical transmitter: dual-polarisation QAM, root-raised-cosine pulses, laser
phase noise (Savory, "Digital coherent optical receivers: algorithms and subsystems", IEEE
J. Sel. Topics Quantum Electron. 16(5), 2010; Proakis, *Digital Communications*, §9.2 for
the raised-cosine family).

Field convention (shared by :mod:`softran.optical`): a complex tensor ``[..., n_pol, n]``
in sqrt(W), ``n_pol = 2`` (X, Y) or 1; the power is ``P(t) = sum_pol |E|^2`` in W. The
launch power is the *expected* mean of ``P(t)`` (total over both polarisations), set by a
deterministic scale, not by measuring the realisation.

Periodic signals. Pulse shaping is a *circular* convolution over the block of
``n_symbols * sps`` samples (done in the frequency domain), so the block is one period of
a periodic signal, as the split-step Fourier method (:func:`softran.optical.fibre.ssfm`)
assumes. Sample ``k * sps`` is the peak of symbol ``k`` (zero delay).

QAM mapping reuses :func:`softran.nr.modulation.symbol_modulate` (the Gray mapping of TS
38.211 §5.1.3-§5.1.6, unit average energy): bits ``b(Qm i) ..`` with even bits on I and
odd bits on Q.
"""

from __future__ import annotations

import math
import numbers
from collections.abc import Sequence

import torch

from softran.nr.modulation import bits_per_symbol, symbol_modulate
from softran.validation import (
    check_allocation,
    check_bits,
    check_int,
    check_name,
    check_positive,
    check_real,
    check_tensor,
)

__all__ = ["OPTICAL_MODULATIONS", "DPTransmitter", "laser_phase_noise", "pulse_shape",
           "qam_symbols", "rrc_filter"]

#: Square QAM formats of the transmitter (Gray mapping of TS 38.211 §5.1).
OPTICAL_MODULATIONS: tuple[str, ...] = ("QPSK", "16QAM", "64QAM", "256QAM")


def _check_roll_off(beta: object) -> float:
    if isinstance(beta, bool) or not isinstance(beta, numbers.Real):
        raise TypeError(f"beta must be a number, got {beta!r} ({type(beta).__name__})")
    beta = float(beta)
    if not 0.0 <= beta <= 1.0:
        raise ValueError(f"beta = {beta} is not allowed; the roll-off must be in [0, 1]")
    return beta


def _check_nonnegative(name: str, value: object) -> float:
    return check_real(name, value, low=0.0)


_check_real = check_real


def rrc_filter(beta: float, sps: int, span: int) -> torch.Tensor:
    """Root-raised-cosine FIR taps, unit energy (Proakis, *Digital Communications* 5th ed.,
    §9.2: square root of the raised-cosine spectrum; MATLAB ``rcosdesign(beta, span, sps)``).

    With ``t`` in symbol periods (``t = n / sps``, ``n = -span*sps/2 .. span*sps/2``)::

        h(t) = [sin(pi t (1-beta)) + 4 beta t cos(pi t (1+beta))] / [pi t (1 - (4 beta t)^2)]
        h(0) = 1 - beta + 4 beta / pi
        h(+-1/(4 beta)) = beta/sqrt(2) [(1 + 2/pi) sin(pi/(4 beta)) + (1 - 2/pi) cos(pi/(4 beta))]

    then scaled to ``sum h^2 = 1``. ``beta = 0`` gives the truncated sinc.

    Args:
        beta: roll-off factor in [0, 1].
        sps: samples per symbol (>= 1).
        span: filter length in symbols (>= 1); ``span * sps`` must be even.

    Returns:
        float64 ``[span * sps + 1]``, symmetric, peak at index ``span * sps / 2``.

    >>> h = rrc_filter(0.25, 4, 8)
    >>> h.shape, round(float(h.square().sum()), 12), int(h.argmax())
    (torch.Size([33]), 1.0, 16)
    """
    beta = _check_roll_off(beta)
    sps = check_int("sps", sps, 1)
    span = check_int("span", span, 1)
    check_allocation("span * sps", span * sps, 6 * 8 * (span * sps + 1))  # float64 taps, temps
    if (span * sps) % 2:
        raise ValueError(f"span * sps = {span * sps} is odd; it must be even (an odd number of "
                         "taps centred on the peak), as in rcosdesign")
    n = torch.arange(-(span * sps) // 2, span * sps // 2 + 1, dtype=torch.float64)
    t = n / sps
    if beta == 0.0:
        h = torch.sinc(t)
    else:
        num = (torch.sin(math.pi * t * (1 - beta))
               + 4 * beta * t * torch.cos(math.pi * t * (1 + beta)))
        den = math.pi * t * (1 - (4 * beta * t) ** 2)
        at_zero = t == 0
        at_sing = (4 * beta * t).abs().sub(1).abs() < 1e-12
        safe = torch.where(at_zero | at_sing, torch.ones_like(den), den)
        h = num / safe
        h = torch.where(at_zero, torch.full_like(h, 1 - beta + 4 * beta / math.pi), h)
        a = math.pi / (4 * beta)
        v_sing = beta / math.sqrt(2) * ((1 + 2 / math.pi) * math.sin(a)
                                        + (1 - 2 / math.pi) * math.cos(a))
        h = torch.where(at_sing, torch.full_like(h, v_sing), h)
    return h / h.square().sum().sqrt()


def pulse_shape(symbols: torch.Tensor, sps: int, beta: float, span: int = 64) -> torch.Tensor:
    """Upsample by ``sps`` and filter with :func:`rrc_filter` (Proakis §9.2), circularly.

    ``y[n] = sum_k s[k] g[(n - k sps) mod N]`` with ``N = n_symbols * sps`` and
    ``g = sqrt(sps) * rrc_filter(beta, sps, span)`` centred on sample 0, so the block is one
    period of a periodic signal, sample ``k sps`` is the peak of symbol ``k``, and the mean
    output power equals the mean symbol power (``sum g^2 / sps = 1``). Computed in the
    frequency domain: the spectrum of the upsampled sequence is the symbol spectrum repeated
    ``sps`` times.

    Args:
        symbols: complex ``[..., n_symbols]``.
        sps: samples per symbol (>= 1).
        beta: roll-off in [0, 1].
        span: RRC length in symbols (``span * sps`` even).

    Returns:
        ``[..., n_symbols * sps]``, dtype and device of ``symbols``.

    >>> s = torch.tensor([1, -1, 1, 1, -1, -1, 1, -1], dtype=torch.complex128)
    >>> y = pulse_shape(s, 2, 0.5, span=8)
    >>> y.shape
    torch.Size([16])
    """
    symbols = check_tensor("symbols", symbols, min_dim=1)
    if not symbols.is_complex():
        raise TypeError(f"symbols must be a complex tensor, got dtype {symbols.dtype}")
    sps = check_int("sps", sps, 1)
    # upsampled symbols, their FFT, the filter's and the product (complex128 at worst)
    check_allocation("sps", sps, 4 * 16 * symbols.numel() * sps, device=symbols.device)
    taps = rrc_filter(beta, sps, span) * math.sqrt(sps)
    n_sym = symbols.shape[-1]
    if n_sym == 0:
        raise ValueError("symbols must contain at least one symbol along the last dimension")
    n = n_sym * sps
    half = (taps.numel() - 1) // 2
    idx = torch.arange(-half, half + 1) % n
    g = torch.zeros(n, dtype=torch.float64).index_add_(0, idx, taps)   # circular wrap of taps
    big_g = torch.fft.fft(g).to(device=symbols.device, dtype=symbols.dtype)
    spec = torch.fft.fft(symbols).repeat(*([1] * (symbols.dim() - 1)), sps)  # S[k mod n_sym]
    return torch.fft.ifft(spec * big_g)


def qam_symbols(source: torch.Tensor | torch.Generator, modulation: str, n_pol: int = 2,
                n_symbols: int | None = None,
                batch_shape: Sequence[int] = ()) -> tuple[torch.Tensor, torch.Tensor]:
    """Dual-polarisation (or single) square-QAM symbols with the Gray mapping of TS 38.211
    §5.1 (reuses :func:`softran.nr.modulation.symbol_modulate`; unit average energy).

    Args:
        source: either bits, a uint8/bool 0/1 tensor ``[..., n_pol, n_symbols * Qm]``, or a
            ``torch.Generator`` that draws i.i.d. equiprobable bits on its device (then
            ``n_symbols`` is required and the shape is ``[*batch_shape, n_pol, n_symbols*Qm]``).
        modulation: ``"QPSK"``, ``"16QAM"``, ``"64QAM"`` or ``"256QAM"``.
        n_pol: 2 (X, Y) or 1.
        n_symbols: symbols per polarisation (generator source only).
        batch_shape: leading batch shape (generator source only).

    Returns:
        ``(symbols, bits)``: complex64 ``[..., n_pol, n_symbols]`` and uint8
        ``[..., n_pol, n_symbols * Qm]``.

    >>> s, b = qam_symbols(torch.tensor([[0, 0], [1, 1]], dtype=torch.uint8), "QPSK")
    >>> s
    tensor([[ 0.7071+0.7071j],
            [-0.7071-0.7071j]])
    >>> s, b = qam_symbols(torch.Generator().manual_seed(1), "16QAM", n_symbols=5)
    >>> s.shape, b.shape
    (torch.Size([2, 5]), torch.Size([2, 20]))
    """
    modulation = check_name("modulation", modulation, OPTICAL_MODULATIONS)
    n_pol = check_int("n_pol", n_pol, 1, 2)
    qm = bits_per_symbol(modulation)
    if isinstance(source, torch.Generator):
        if n_symbols is None:
            raise ValueError("n_symbols is required when source is a torch.Generator")
        n_symbols = check_int("n_symbols", n_symbols, 1)
        shape = (*(check_int("batch_shape", d, 0) for d in batch_shape), n_pol, n_symbols * qm)
        # bits (uint8) and complex64 symbols, with the mapper's temporaries
        check_allocation("n_symbols", n_symbols, math.prod(shape) * (2 + 3 * 8 // qm),
                         device=source.device)
        bits = torch.randint(0, 2, shape, generator=source, device=source.device,
                             dtype=torch.uint8)
    else:
        bits = check_bits("source", source, min_dim=2)
        if n_symbols is not None or tuple(batch_shape):
            raise ValueError("n_symbols and batch_shape apply only to a torch.Generator source; "
                             "with bits the shape comes from the bits")
        if bits.shape[-2] != n_pol:
            raise ValueError(f"source has {bits.shape[-2]} polarisation row(s) (shape "
                             f"{tuple(bits.shape)}); n_pol = {n_pol} is required")
    return symbol_modulate(bits, modulation), bits


def laser_phase_noise(linewidth: float, fs: float, shape: Sequence[int],
                      generator: torch.Generator | None = None) -> torch.Tensor:
    """Laser phase noise as a Wiener process (Savory 2010; Lorentzian line of FWHM
    ``linewidth``): ``theta[n] = sum_{k <= n} Delta_k`` with i.i.d. increments
    ``Delta_k ~ N(0, 2 pi linewidth / fs)``; ``theta[0] = Delta_0``.

    Args:
        linewidth: laser linewidth (FWHM) in Hz, >= 0 (0 gives zeros).
        fs: sample rate in Hz.
        shape: output shape ``[..., n]``; the walk runs along the last dimension.
        generator: random generator (its device is the output device); ``None`` uses the
            global CPU generator.

    Returns:
        float64 phase in rad, ``shape``.

    >>> g = torch.Generator().manual_seed(0)
    >>> laser_phase_noise(100e3, 64e9, (2, 1000), g).shape
    torch.Size([2, 1000])
    """
    linewidth = _check_nonnegative("linewidth", linewidth)
    fs = check_positive("fs", fs)
    shape = tuple(check_int("shape", d, 0) for d in shape)
    if not shape:
        raise ValueError("shape must have at least one dimension (the time axis)")
    device = generator.device if generator is not None else torch.device("cpu")
    check_allocation("shape", shape, 3 * 8 * math.prod(shape), device=device)  # float64 walk
    if linewidth == 0.0:
        return torch.zeros(shape, dtype=torch.float64, device=device)
    step = torch.randn(shape, dtype=torch.float64, generator=generator, device=device)
    return torch.cumsum(step * math.sqrt(2 * math.pi * linewidth / fs), dim=-1)


class DPTransmitter(torch.nn.Module):
    """Dual-polarisation coherent QAM transmitter (Savory 2010): Gray QAM per
    polarisation (TS 38.211 §5.1 via :func:`qam_symbols`), RRC pulse shaping
    (:func:`pulse_shape`), scaled to the launch power, times the phase noise of one laser
    shared by both polarisations (:func:`laser_phase_noise`).

    ``field = sqrt(P / n_pol) * pulse_shape(symbols) * exp(j theta)`` with
    ``P = 1 mW * 10^(launch_power_dbm / 10)``: the expected power summed over polarisations.

    Args:
        symbol_rate: Rs in Bd. sps: samples per symbol (``fs = sps * Rs``).
        modulation: ``"QPSK"``, ``"16QAM"``, ``"64QAM"``, ``"256QAM"``.
        roll_off: RRC roll-off in [0, 1]. launch_power_dbm: launch power of the channel.
        linewidth: laser linewidth in Hz (0: no phase noise).
        seed: seed of the block's own generator (created on ``device``); ``None``: global RNG.
        n_pol: 2 (dual polarisation) or 1. span: RRC length in symbols.
        dtype: complex dtype of the field (complex128 for the fibre). device: output device.

    ``forward(n_symbols, batch_shape=())`` returns ``(field, symbols, bits)``: field
    ``[*batch_shape, n_pol, n_symbols * sps]`` (``dtype``), symbols complex64
    ``[*batch_shape, n_pol, n_symbols]``, bits uint8 ``[*batch_shape, n_pol, n_symbols*Qm]``.

    >>> tx = DPTransmitter(32e9, 2, "QPSK", 0.1, launch_power_dbm=0.0, seed=1)
    >>> field, symbols, bits = tx(4096)
    >>> field.shape, field.dtype, round(float(field.abs().square().sum(-2).mean()) * 1e3, 1)
    (torch.Size([2, 8192]), torch.complex128, 1.0)
    """

    def __init__(self, symbol_rate: float, sps: int = 2, modulation: str = "16QAM",
                 roll_off: float = 0.1, launch_power_dbm: float = 0.0, linewidth: float = 0.0,
                 seed: int | None = None, *, n_pol: int = 2, span: int = 64,
                 dtype: torch.dtype = torch.complex128,
                 device: torch.device | str | None = None) -> None:
        super().__init__()
        self.symbol_rate = check_positive("symbol_rate", symbol_rate)
        self.sps = check_int("sps", sps, 1)
        self.modulation = check_name("modulation", modulation, OPTICAL_MODULATIONS)
        self.roll_off = _check_roll_off(roll_off)
        self.launch_power_dbm = _check_real("launch_power_dbm", launch_power_dbm)
        self.linewidth = _check_nonnegative("linewidth", linewidth)
        self.n_pol = check_int("n_pol", n_pol, 1, 2)
        self.span = check_int("span", span, 1)
        if (self.span * self.sps) % 2:
            raise ValueError(f"span * sps = {self.span * self.sps} is odd; it must be even")
        if dtype not in (torch.complex64, torch.complex128):
            raise ValueError(f"dtype = {dtype} is not allowed; allowed: torch.complex64, "
                             "torch.complex128")
        self.dtype = dtype
        self.device = torch.device("cpu") if device is None else torch.device(device)
        self.seed = None if seed is None else check_int("seed", seed, 0)
        self.reset()

    @property
    def fs(self) -> float:
        """Sample rate ``sps * symbol_rate`` in Hz."""
        return self.sps * self.symbol_rate

    @property
    def launch_power(self) -> float:
        """Launch power in W (total over polarisations)."""
        return 1e-3 * 10.0 ** (self.launch_power_dbm / 10.0)

    def reset(self) -> None:
        """Restart the random sequence from ``seed``."""
        self._generator = torch.Generator(device=self.device)
        if self.seed is not None:
            self._generator.manual_seed(self.seed)
        else:
            self._generator.seed()

    def forward(self, n_symbols: int,
                batch_shape: Sequence[int] = ()) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
        n_symbols = check_int("n_symbols", n_symbols, 1)
        # the pulse-shaped field (sps samples per symbol) and its filter / phase-noise buffers
        check_allocation("n_symbols", n_symbols,
                         math.prod(int(b) for b in batch_shape) * self.n_pol * n_symbols
                         * self.sps * 6 * 16, device=self._generator.device)
        symbols, bits = qam_symbols(self._generator, self.modulation, self.n_pol, n_symbols,
                                    batch_shape)
        field = pulse_shape(symbols.to(self.dtype), self.sps, self.roll_off, self.span)
        field = field * math.sqrt(self.launch_power / self.n_pol)
        if self.linewidth > 0:
            theta = laser_phase_noise(self.linewidth, self.fs,
                                      (*field.shape[:-2], 1, field.shape[-1]), self._generator)
            field = field * torch.polar(torch.ones_like(theta), theta).to(self.dtype)
        return field, symbols, bits
