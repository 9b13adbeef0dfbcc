"""OFDM numerology, modulation and demodulation (TS 38.211 §5.3.1, §5.4).

Conventions (shared by every function here)
-------------------------------------------
* Sampling: the waveform is sampled at ``sample_rate = nfft * Δf``. With T_c = 1/(480e3*4096) s
  and κ = 64, one sample lasts ``2048 * κ * 2^-μ / nfft`` T_c, so N_u = 2048 κ 2^-μ T_c is
  ``nfft`` samples and the cyclic prefix N_CP,l of §5.3.1 is, in samples,

  - normal CP: ``144*nfft/2048``, plus ``16*nfft*2^μ/2048`` for l = 0 and l = 7*2^μ,
  - extended CP: ``512*nfft/2048``,

  where l counts the OFDM symbols of a subframe (0 .. 14*2^μ - 1, or 12*2^μ - 1).
* Frequency: grid subcarrier k (0..K-1, K = 12 N_grid^size) sits at (k - K/2) Δf, i.e.
  k_0^μ = 0 in §5.3.1 (the grid is centred on the baseband centre); there is no DC null,
  the subcarrier k = K/2 is at 0 Hz.
* Scaling: a unitary IFFT/FFT (``norm="ortho"``). Sample n of the useful part of symbol l is
  ``x[n] = nfft^-1/2 * sum_k a_{k,l} exp(j 2π (k - K/2) n / nfft)``, so the energy of the useful
  part equals ``sum_k |a_{k,l}|^2`` and the mean power per sample is the mean resource-element
  power times ``K / nfft``. ``ofdm_demodulate`` uses the matching forward transform, so it
  inverts ``ofdm_modulate`` exactly (up to float rounding).
* Symbol timing: the first symbol of a grid is symbol 0 of slot ``carrier.n_slot``; its index in
  the subframe is ``(n_slot mod 2^μ) * N_symb^slot``, and further symbols (a grid may span
  several slots) follow on, wrapping at the end of each subframe.
"""

from __future__ import annotations

import functools
import math
import threading
from collections.abc import Callable
from dataclasses import dataclass
from fractions import Fraction
from typing import Any

import numpy as np
import torch
from numba import njit

from softran.nr.config import CarrierConfig
from softran.nr.kept_dft import kept_dft
from softran.nr.ofdm_kernels import fft_windows, select_subcarriers
from softran.validation import (
    check_allocation,
    check_finite,
    check_int,
    check_positive,
    check_real,
    check_tensor,
)

__all__ = ["OFDMInfo", "ofdm_info", "ofdm_modulate", "ofdm_demodulate", "ofdm_modulate_bins",
           "ofdm_subcarrier_bins", "cyclic_prefix_rows", "OFDMSlotDemodulator",
           "cyclic_prefix_gather", "cyclic_prefix_gather_two", "cyclic_prefix_in_place"]

#: κ = T_s / T_c (TS 38.211 §4.1).
KAPPA = 64
#: 1 / T_c in Hz: Δf_max * N_f = 480e3 * 4096 (TS 38.211 §4.1).
INV_TC = 480_000 * 4096
#: Use the Numba kernels of :func:`ofdm_demodulate` (complex64 on the CPU without autograd:
#: :mod:`softran.nr.ofdm_kernels` around one FFT into a reused workspace); tests switch this
#: off to run the torch reference.
KERNELS: bool = True
#: Largest share of the FFT that the grid may fill when nfft is chosen automatically
#: (as MATLAB ``nrOFDMInfo``).
MAX_OCCUPANCY = Fraction(85, 100)
#: complex64 as a NumPy dtype (the one object NumPy's arrays of that type carry)
_C64 = np.dtype(np.complex64)


@dataclass(frozen=True)
class OFDMInfo:
    """OFDM dimensions of a carrier, TS 38.211 §5.3.1 (MATLAB namesake: the struct of
    ``nrOFDMInfo``).

    Attributes
    ----------
    nfft : FFT size (samples of the useful part N_u of every symbol).
    sample_rate : nfft * Δf in Hz.
    cyclic_prefix_lengths : N_CP,l in samples of every symbol l of one subframe.
    symbol_lengths : nfft + N_CP,l in samples, for every symbol of one subframe.
    symbols_per_slot : N_symb^slot (14 normal, 12 extended CP).
    slots_per_subframe : 2^μ.
    windowing : W, the number of samples of the raised-cosine overlap (0 = no windowing).
    """

    nfft: int
    sample_rate: float
    cyclic_prefix_lengths: tuple[int, ...]
    symbol_lengths: tuple[int, ...]
    symbols_per_slot: int
    slots_per_subframe: int
    windowing: int

    @property
    def symbols_per_subframe(self) -> int:
        """N_symb^{subframe,μ}: number of OFDM symbols of one subframe (1 ms)."""
        return len(self.cyclic_prefix_lengths)

    @property
    def samples_per_subframe(self) -> int:
        """Number of samples of one subframe (``sample_rate * 1 ms``)."""
        return sum(self.symbol_lengths)

    def first_symbol(self, n_slot: int) -> int:
        """Index within its subframe of the first OFDM symbol of slot ``n_slot``."""
        n_slot = check_int("n_slot", n_slot, 0)
        return (n_slot % self.slots_per_subframe) * self.symbols_per_slot

    def slot_cyclic_prefix_lengths(self, n_slot: int, n_symbols: int | None = None
                                   ) -> tuple[int, ...]:
        """N_CP,l in samples of ``n_symbols`` consecutive symbols from the start of slot ``n_slot``.

        ``n_symbols`` defaults to one slot and may span several slots and subframes.

        >>> info = ofdm_info(CarrierConfig(subcarrier_spacing=60), nfft=1024)
        >>> info.slot_cyclic_prefix_lengths(2, 2), info.slot_cyclic_prefix_lengths(3, 2)
        ((104, 72), (72, 72))
        """
        n_symbols = self.symbols_per_slot if n_symbols is None else n_symbols
        n_symbols = check_int("n_symbols", n_symbols, 0)
        check_allocation("n_symbols", n_symbols, n_symbols, 8)  # a tuple: one pointer each
        first = self.first_symbol(n_slot)
        m = self.symbols_per_subframe
        return tuple(self.cyclic_prefix_lengths[(first + i) % m] for i in range(n_symbols))


# ---------------------------------------------------------------------------------------
# numerology
# ---------------------------------------------------------------------------------------
def _check_carrier(carrier: Any) -> CarrierConfig:
    if not isinstance(carrier, CarrierConfig):
        raise TypeError(f"carrier must be a CarrierConfig, got {type(carrier).__name__}")
    return carrier


def _default_nfft(n_subcarriers: int) -> int:
    nfft = 128
    while Fraction(n_subcarriers, nfft) > MAX_OCCUPANCY:
        nfft *= 2
    return nfft


def _cyclic_prefix_lengths(mu: int, cyclic_prefix: str, nfft: int) -> tuple[int, ...]:
    """N_CP,l of §5.3.1 converted from T_c units to samples at nfft * Δf, one subframe."""
    delta_f = 15_000 << mu
    samples_per_tc = Fraction(nfft * delta_f, INV_TC)
    n_u = Fraction(2048 * KAPPA, 1 << mu) * samples_per_tc
    assert n_u == nfft  # N_u is nfft samples by construction
    symbols = (14 if cyclic_prefix == "normal" else 12) << mu
    lengths = []
    for l in range(symbols):  # noqa: E741 (the standard's symbol index)
        if cyclic_prefix == "extended":
            n_cp = Fraction(512 * KAPPA, 1 << mu)
        elif l == 0 or l == 7 * (1 << mu):
            n_cp = Fraction(144 * KAPPA, 1 << mu) + 16 * KAPPA
        else:
            n_cp = Fraction(144 * KAPPA, 1 << mu)
        n_cp_samples = n_cp * samples_per_tc
        if n_cp_samples.denominator != 1:
            raise ValueError(
                f"nfft = {nfft} is not allowed for subcarrier spacing {15 << mu} kHz with "
                f"{cyclic_prefix} cyclic prefix: N_CP,{l} would be {float(n_cp_samples):g} "
                f"samples; nfft must make every cyclic prefix a whole number of samples "
                f"(a multiple of 128 for normal, of 4 for extended cyclic prefix)")
        lengths.append(int(n_cp_samples))
    return tuple(lengths)


@functools.lru_cache(maxsize=256)
def _ofdm_info(mu: int, cyclic_prefix: str, n_subcarriers: int, nfft: int | None,
               sample_rate: float | None, windowing: int) -> OFDMInfo:
    delta_f = 15_000 << mu
    if sample_rate is not None:
        ratio = sample_rate / delta_f
        n = round(ratio)
        if n < 1 or abs(ratio - n) > 1e-9 * ratio:
            raise ValueError(
                f"sample_rate = {sample_rate:g} Hz is not allowed: it must be an integer "
                f"multiple nfft * {delta_f} of the subcarrier spacing")
        if nfft is not None and n != nfft:
            raise ValueError(
                f"sample_rate = {sample_rate:g} Hz and nfft = {nfft} disagree: with subcarrier "
                f"spacing {delta_f} Hz, nfft = {nfft} needs sample_rate = {nfft * delta_f} Hz")
        if n < n_subcarriers:
            raise ValueError(
                f"sample_rate = {sample_rate:g} Hz is too low: it gives nfft = {n} < "
                f"{n_subcarriers} subcarriers of the grid; allowed: sample_rate >= "
                f"{n_subcarriers * delta_f} Hz")
        nfft = n
    elif nfft is None:
        nfft = _default_nfft(n_subcarriers)
    if nfft < n_subcarriers:
        raise ValueError(f"nfft = {nfft} is out of range: the grid has {n_subcarriers} "
                         f"subcarriers; allowed: nfft >= {n_subcarriers}")
    cps = _cyclic_prefix_lengths(mu, cyclic_prefix, nfft)
    if windowing % 2 or windowing > min(cps):
        raise ValueError(f"windowing = {windowing} is not allowed; allowed: an even number of "
                         f"samples from 0 to the shortest cyclic prefix, {min(cps)}")
    return OFDMInfo(
        nfft=nfft,
        sample_rate=float(nfft * delta_f),
        cyclic_prefix_lengths=cps,
        symbol_lengths=tuple(nfft + c for c in cps),
        symbols_per_slot=14 if cyclic_prefix == "normal" else 12,
        slots_per_subframe=1 << mu,
        windowing=windowing,
    )


def ofdm_info(carrier: CarrierConfig, nfft: int | None = None, sample_rate: float | None = None,
              windowing: int = 0) -> OFDMInfo:
    """FFT size, sample rate and cyclic prefix lengths of ``carrier``.

    TS 38.211 §5.3.1 (N_u, N_CP,l, t_start,l), §4.1 (T_c, κ). MATLAB namesake:
    ``nrOFDMInfo``.

    Parameters
    ----------
    carrier : the carrier (subcarrier spacing, cyclic prefix, grid size).
    nfft : FFT size, >= 12 * n_size_grid (need not be a power of 2, but must make every
        cyclic prefix a whole number of samples). Default: the smallest power of two
        >= 128 for which the grid fills at most 85 % of it (as ``nrOFDMInfo``).
    sample_rate : sample rate in Hz; an alternative to ``nfft``, which is then
        ``sample_rate / Δf`` and must be an integer. If both are given they must agree.
    windowing : W, samples of raised-cosine overlap between symbols (see
        :func:`ofdm_modulate`); even, from 0 (no windowing, the default) to the shortest
        cyclic prefix.

    Returns
    -------
    :class:`OFDMInfo`. ``cyclic_prefix_lengths`` and ``symbol_lengths`` list every symbol of
    one subframe; ``slot_cyclic_prefix_lengths(n_slot)`` gives those of one slot.

    >>> info = ofdm_info(CarrierConfig(subcarrier_spacing=30, n_size_grid=273))
    >>> info.nfft, info.sample_rate, info.cyclic_prefix_lengths[:2], info.cyclic_prefix_lengths[14]
    (4096, 122880000.0, (352, 288), 352)
    """
    carrier = _check_carrier(carrier)
    if nfft is not None:
        nfft = check_int("nfft", nfft, 1)
    if sample_rate is not None:
        sample_rate = check_positive("sample_rate", sample_rate)
    windowing = check_int("windowing", windowing, 0)
    return _ofdm_info(carrier.mu, carrier.cyclic_prefix, carrier.n_subcarriers, nfft,
                      sample_rate, windowing)


# ---------------------------------------------------------------------------------------
# helpers shared by modulation and demodulation
# ---------------------------------------------------------------------------------------
def _check_complex(name: str, x: Any, min_dim: int) -> torch.Tensor:
    x = check_tensor(name, x, min_dim=min_dim)
    if x.dtype not in (torch.complex64, torch.complex128):
        raise TypeError(f"{name} must be a complex64 or complex128 tensor, got dtype {x.dtype}")
    # one vectorised Numba pass on the CPU (torch's complex sum in check_finite costs ~50 µs
    # for a slot); the error, if any, from check_finite
    if (x.is_cpu and x.is_contiguous() and x.numel() and not x.requires_grad
            and not x.is_conj() and _all_finite(torch.view_as_real(x).numpy().reshape(-1))):
        return x
    return check_finite(name, x)


@njit(cache=True, nogil=True)
def _all_finite(f):  # pragma: no cover - compiled
    """Whether every entry of the float array ``f`` is finite (x - x is 0 only then)."""
    bad = False
    for i in range(f.shape[0]):
        bad |= (f[i] - f[i]) != 0
    return not bad


def _check_memory(rows: int, n_symbols: int, info: OFDMInfo, x: torch.Tensor,
                  nfft: int | None, sample_rate: float | None) -> None:
    """Refuse an FFT size that would not fit in memory (validation.check_allocation): ``rows``
    FFTs of ``info.nfft`` points per symbol (input bins, transform, output with the cyclic
    prefix) plus the int64 / float64 sample plans (about 8 per sample of the symbols)."""
    samples = n_symbols * (info.nfft + max(info.cyclic_prefix_lengths))
    n_bytes = 3 * rows * samples * x.element_size() + 8 * 8 * samples
    if nfft is not None:
        name, value = "nfft", nfft
    elif sample_rate is not None:
        name, value = "sample_rate", sample_rate
    else:
        name, value = f"{'grid' if x.dim() > 2 else 'waveform'}.shape", tuple(x.shape)
    check_allocation(name, value, n_bytes, device=x.device)


def _symbol_timing(info: OFDMInfo, first: int, n_symbols: int
                   ) -> tuple[list[int], list[int]]:
    """CP lengths and t_start,l (samples from the start of the subframe) of the symbols."""
    m = info.symbols_per_subframe
    starts_in_subframe = [0]
    for length in info.symbol_lengths[:-1]:
        starts_in_subframe.append(starts_in_subframe[-1] + length)
    ls = [(first + i) % m for i in range(n_symbols)]
    return ([info.cyclic_prefix_lengths[l] for l in ls],  # noqa: E741
            [starts_in_subframe[l] for l in ls])  # noqa: E741


def _carrier_phase_cycles(info: OFDMInfo, first: int, n_symbols: int,
                          carrier_frequency: float) -> torch.Tensor:
    """f0 * (t_start,l + N_CP,l T_c) in cycles, modulo 1, float64 [n_symbols] (§5.4)."""
    cps, t_start = _symbol_timing(info, first, n_symbols)
    return torch.tensor([math.fmod(carrier_frequency * (t + c) / info.sample_rate, 1.0)
                         for t, c in zip(t_start, cps)], dtype=torch.float64)


def _real_dtype(dtype: torch.dtype) -> torch.dtype:
    return torch.float64 if dtype == torch.complex128 else torch.float32


@functools.lru_cache(maxsize=64)
def _modulation_plan(info: OFDMInfo, first: int, n_symbols: int, device: torch.device,
                     dtype: torch.dtype
                     ) -> tuple[torch.Tensor, torch.Tensor | None, torch.Tensor | None,
                                torch.Tensor | None]:
    """Gather indices (into the flattened IFFT outputs) and window weights of every sample.

    Output sample t belongs to symbol s at position n (0 <= n < N_CP + nfft); its primary
    source is IFFT sample (n - N_CP) mod nfft of symbol s, weighted by w1. With windowing,
    a secondary source (the neighbouring symbol's cyclic extension) is added with weight w2.
    """
    nfft, w = info.nfft, info.windowing
    cps_list, _ = _symbol_timing(info, first, n_symbols)
    cps = torch.tensor(cps_list, dtype=torch.int64)
    lens = cps + nfft
    starts = torch.cumsum(lens, 0) - lens
    total = int(lens.sum())
    sym = torch.repeat_interleave(torch.arange(n_symbols), lens)
    n = torch.arange(total) - starts[sym]
    length = lens[sym]
    idx1 = sym * nfft + torch.remainder(n - cps[sym], nfft)
    if w == 0:
        return idx1.to(device), None, None, None
    half = w // 2
    ramp = 0.5 * (1.0 - torch.cos(math.pi * (torch.arange(w, dtype=torch.float64) + 0.5) / w))
    w1 = torch.ones(total, dtype=torch.float64)
    w2 = torch.zeros(total, dtype=torch.float64)
    idx2 = idx1.clone()
    head = n < half  # rising ramp of s; falling tail (cyclic suffix) of s - 1 adds here
    i = n[head] + half
    w1[head] = ramp[i]
    w2[head] = 1.0 - ramp[i]
    idx2[head] = torch.remainder(sym[head] - 1, n_symbols) * nfft + n[head]
    tail = n >= length - half  # falling ramp of s; rising head (prefix) of s + 1 adds here
    i = n[tail] - (length[tail] - half)
    w1[tail] = 1.0 - ramp[i]
    w2[tail] = ramp[i]
    nxt = torch.remainder(sym[tail] + 1, n_symbols)
    idx2[tail] = nxt * nfft + torch.remainder(n[tail] - length[tail] - cps[nxt], nfft)
    rdt = _real_dtype(dtype)
    return idx1.to(device), w1.to(device, rdt), idx2.to(device), w2.to(device, rdt)


@functools.lru_cache(maxsize=64)
def _carrier_phase(info: OFDMInfo, first: int, n_symbols: int, carrier_frequency: float,
                   sign: int, device: torch.device, dtype: torch.dtype) -> torch.Tensor:
    """exp(sign * j 2π f0 (t_start,l + N_CP,l T_c)) per symbol, shape [n_symbols, 1]."""
    cycles = _carrier_phase_cycles(info, first, n_symbols, carrier_frequency)
    return torch.polar(torch.ones_like(cycles), sign * 2 * math.pi * cycles
                       ).to(device, dtype).unsqueeze(-1)


@functools.lru_cache(maxsize=64)
def _demodulation_plan(info: OFDMInfo, first: int, n_symbols: int, n_subcarriers: int,
                       cp_fraction: float, carrier_frequency: float, device: torch.device,
                       dtype: torch.dtype) -> tuple[torch.Tensor, torch.Tensor]:
    """FFT-window gather indices [n_symbols * nfft] and phase corrections [n_symbols, K]."""
    nfft = info.nfft
    cps_list, _ = _symbol_timing(info, first, n_symbols)
    cps = torch.tensor(cps_list, dtype=torch.int64)
    lens = cps + nfft
    starts = torch.cumsum(lens, 0) - lens
    # FFT window offset into the CP: floor(cp_fraction * N_CP) (guarded against 0.7*10 = 6.99..)
    offsets = torch.tensor([math.floor(round(cp_fraction * c, 9)) for c in cps_list],
                           dtype=torch.int64)
    idx = (starts + offsets).unsqueeze(-1) + torch.arange(nfft)
    # The window starts delta = N_CP - offset samples early: FFT bin of frequency index
    # k - K/2 picks up exp(-j 2π (k - K/2) delta / nfft); undo it (exact integer phase).
    delta = cps - offsets
    kf = torch.arange(n_subcarriers, dtype=torch.int64) - n_subcarriers // 2
    cycles = torch.remainder(delta.unsqueeze(-1) * kf, nfft).to(torch.float64) / nfft
    if carrier_frequency:
        cycles = cycles + _carrier_phase_cycles(info, first, n_symbols,
                                                carrier_frequency).unsqueeze(-1)
    corr = torch.polar(torch.ones_like(cycles), 2 * math.pi * cycles)
    return idx.reshape(-1).to(device), corr.to(device, dtype)


def _take(x: torch.Tensor, idx: torch.Tensor) -> torch.Tensor:
    """``x.index_select(-1, idx)``; on the CPU without autograd by ``numpy.take`` (the same
    elements, several times faster than torch's index_select along the last dimension)."""
    if x.device.type == "cpu" and not (x.requires_grad and torch.is_grad_enabled()):
        x = x.detach().resolve_conj().resolve_neg()
        return torch.from_numpy(np.take(x.numpy(), idx.numpy(), axis=-1))
    return x.index_select(-1, idx)


# ---------------------------------------------------------------------------------------
# modulation / demodulation
# ---------------------------------------------------------------------------------------
def ofdm_modulate(grid: torch.Tensor, carrier: CarrierConfig, *, nfft: int | None = None,
                  sample_rate: float | None = None, windowing: int = 0,
                  carrier_frequency: float = 0.0) -> torch.Tensor:
    """OFDM baseband signal generation of a resource grid.

    TS 38.211 §5.3.1 (OFDM baseband signal, cyclic prefix N_CP,l, t_start,l) and §5.4
    (modulation and upconversion: symbol phase compensation). MATLAB namesake:
    ``nrOFDMModulate``. Sampling, subcarrier placement and scaling follow the module
    conventions: sample n (0 <= n < N_CP,l + nfft) of symbol l is
    ``nfft^-1/2 * sum_k a_{k,l} exp(j 2π (k - K/2)(n - N_CP,l) / nfft)``, so the cyclic prefix
    is a copy of the last N_CP,l samples of the symbol.

    Parameters
    ----------
    grid : complex tensor ``[..., n_ports, n_symbols, K]`` with K = 12 * n_size_grid and any
        number of symbols >= 1 (several slots allowed); the first symbol is symbol 0 of slot
        ``carrier.n_slot``, which fixes the CP length of every symbol.
    carrier : the carrier.
    nfft, sample_rate : FFT size or sample rate, as in :func:`ofdm_info`.
    windowing : W (even, 0 .. shortest CP; 0 = off). Weighted overlap-add: every symbol
        (CP + useful part, L samples) is extended cyclically by W/2 samples before its CP and
        W/2 samples after its end; its first W samples (positions -W/2 .. W/2-1) are weighted
        by ``r(i) = (1 - cos(π (i + 1/2) / W)) / 2``, i = 0..W-1, its last W samples
        (L - W/2 .. L + W/2 - 1) by ``1 - r(i)``; neighbouring symbols overlap by W samples
        and are added, so the waveform keeps its length. The overlap is circular: the first
        symbol's leading W/2 samples are added onto the end of the waveform and the last
        symbol's trailing W/2 samples onto its start. Only the first W/2 samples of each CP
        and the last W/2 samples of each symbol change.
    carrier_frequency : f0 in Hz (>= 0) of §5.4: symbol l is multiplied by
        ``exp(-j 2π f0 (t_start,l + N_CP,l T_c))``, t_start,l counted from the start of its
        subframe (as MATLAB's ``CarrierFrequency``); 0 (default) disables it.

    Returns
    -------
    Waveform ``[..., n_ports, T]`` of the grid's dtype (complex64 for a complex64 grid; a
    complex128 grid gives complex128), T = sum of N_CP,l + nfft over the symbols, on the
    grid's device. Mean power per sample is the mean RE power times K / nfft.

    >>> c = CarrierConfig(subcarrier_spacing=15, n_size_grid=52)
    >>> w = ofdm_modulate(torch.ones(1, 14, 624, dtype=torch.complex64), c)
    >>> w.shape, w.dtype
    (torch.Size([1, 15360]), torch.complex64)
    """
    carrier = _check_carrier(carrier)
    grid = _check_complex("grid", grid, 3)
    k = carrier.n_subcarriers
    if grid.shape[-1] != k:
        raise ValueError(f"grid has {grid.shape[-1]} subcarriers (last dimension of shape "
                         f"{tuple(grid.shape)}); carrier with n_size_grid = "
                         f"{carrier.n_size_grid} needs {k}")
    n_symbols = grid.shape[-2]
    if n_symbols < 1:
        raise ValueError(f"grid must have at least 1 OFDM symbol, got shape {tuple(grid.shape)}")
    carrier_frequency = check_real("carrier_frequency", carrier_frequency, 0.0)
    info = ofdm_info(carrier, nfft, sample_rate, windowing)
    _check_memory(grid.numel() // max(k * n_symbols, 1), n_symbols, info, grid, nfft,
                  sample_rate)
    first = info.first_symbol(carrier.n_slot)
    device, dtype = grid.device, grid.dtype
    if grid.numel() == 0:  # an empty batch (FFT libraries refuse zero-size transforms)
        length = sum(_symbol_timing(info, first, n_symbols)[0]) + n_symbols * info.nfft
        return grid.new_zeros((*grid.shape[:-2], length))

    if carrier_frequency:
        grid = grid * _carrier_phase(info, first, n_symbols, carrier_frequency, -1, device, dtype)
    # bin (k - K/2) mod nfft carries subcarrier k: upper half of the grid at 0, 1, ...;
    # lower half at nfft - K/2, ..., nfft - 1.
    half = k // 2
    if grid.is_cpu and not (grid.requires_grad and torch.is_grad_enabled()):
        # one Numba pass into a new buffer (no zero fill then two copies), IFFT in place
        bins = torch.empty((*grid.shape[:-1], info.nfft), dtype=dtype)
        _grid_to_bins(grid.detach().resolve_conj().resolve_neg().contiguous().numpy()
                      .reshape(-1, k), bins.numpy().reshape(-1, info.nfft))
        return _cyclic_prefix(torch.fft.ifft(bins, dim=-1, norm="ortho", out=bins), info,
                              first)
    bins = grid.new_zeros((*grid.shape[:-1], info.nfft))
    bins[..., :half] = grid[..., half:]
    bins[..., info.nfft - half:] = grid[..., :half]
    if bins.requires_grad and torch.is_grad_enabled():
        x = torch.fft.ifft(bins, dim=-1, norm="ortho")
    else:  # in place: one buffer less to allocate (and fault in) per call
        x = torch.fft.ifft(bins, dim=-1, norm="ortho", out=bins)
    return _cyclic_prefix(x, info, first)


@njit(cache=True, nogil=True)
def _grid_to_bins(grid, bins):  # pragma: no cover - compiled
    """IFFT bins ``[R, nfft]`` of grid rows ``[R, K]``: subcarrier k at bin (k - K/2) mod
    nfft, zeros elsewhere (explicit loops from 0: they vectorise)."""
    k = grid.shape[1]
    nfft = bins.shape[1]
    half = k // 2
    for r in range(grid.shape[0]):
        src = grid[r]
        upper = bins[r, :half]
        hi = src[half:]
        for i in range(half):
            upper[i] = hi[i]
        gap = bins[r, half:nfft - half]
        for i in range(nfft - 2 * half):
            gap[i] = 0
        lower = bins[r, nfft - half:]
        for i in range(half):
            lower[i] = src[i]


@njit(cache=True, nogil=True)
def cyclic_prefix_rows(x, cps, out):  # pragma: no cover - compiled
    """Cyclic-prefix insertion of TS 38.211 §5.3.1 (Numba): ``out[r]`` = for every symbol s:
    the last ``cps[s]`` samples of ``x[r, s]``, then
    ``x[r, s]`` (x ``[R, S, nfft]``, out ``[R, T]``): two contiguous copies per symbol."""
    for r in range(x.shape[0]):
        o = 0
        for s in range(x.shape[1]):
            o = _prefixed_symbol(x[r, s], cps[s], out[r], o)


@njit(cache=True, nogil=True, inline="always")
def _prefixed_symbol(src, cp, row, o):  # pragma: no cover - compiled
    """``row[o:]`` = the last ``cp`` samples of ``src`` then ``src``; returns the offset
    after them."""
    nfft = src.shape[0]
    # explicit loops over views from 0: Numba's array-to-slice assignment runs ~20x
    # slower than these (which become memcpy)
    head = row[o:o + cp]
    tail = src[nfft - cp:]
    for i in range(cp):
        head[i] = tail[i]
    o += cp
    body = row[o:o + nfft]
    for i in range(nfft):
        body[i] = src[i]
    return o + nfft


@njit(cache=True, nogil=True)
def cyclic_prefix_gather(x, rows, cps, out):  # pragma: no cover - compiled
    """:func:`cyclic_prefix_rows` (TS 38.211 §5.3.1) with the IFFT outputs gathered:
    symbol s of ``out[r]`` is the row ``x[rows[r, s]]`` (x ``[N, nfft]``, rows ``[R, S]``
    int64, out ``[R, T]``), so that rows shared by several symbols (a symbol that is the
    same every slot) are kept once. ``rows[r, s] = r S + s`` is :func:`cyclic_prefix_rows`.

    >>> import numpy as np
    >>> x = np.arange(8, dtype=np.complex64).reshape(2, 4)
    >>> out = np.empty((1, 10), dtype=np.complex64)
    >>> cyclic_prefix_gather(x, np.array([[1, 0]]), np.array([1, 1]), out)
    >>> out.real.astype(int).tolist()
    [[7, 4, 5, 6, 7, 3, 0, 1, 2, 3]]
    """
    for r in range(rows.shape[0]):
        o = 0
        for s in range(rows.shape[1]):
            o = _prefixed_symbol(x[rows[r, s]], cps[s], out[r], o)


@njit(cache=True, nogil=True)
def cyclic_prefix_gather_two(x, y, rows, cps, out):  # pragma: no cover - compiled
    """:func:`cyclic_prefix_gather` (TS 38.211 §5.3.1) from two sets of IFFT outputs:
    symbol s of ``out[r]`` is the row ``x[rows[r, s]]`` where ``rows[r, s] >= 0``, else
    ``y[-1 - rows[r, s]]`` (x ``[N, nfft]``, y ``[M, nfft]``, out ``[R, T]``): e.g. the
    symbols transformed in this slot and those kept from slot to slot, without first
    copying them into one buffer.

    >>> import numpy as np
    >>> x = np.arange(4, dtype=np.complex64).reshape(1, 4)
    >>> y = 10 + np.arange(4, dtype=np.complex64).reshape(1, 4)
    >>> out = np.empty((1, 10), dtype=np.complex64)
    >>> cyclic_prefix_gather_two(x, y, np.array([[-1, 0]]), np.array([1, 1]), out)
    >>> out.real.astype(int).tolist()
    [[13, 10, 11, 12, 13, 3, 0, 1, 2, 3]]
    """
    for r in range(rows.shape[0]):
        o = 0
        for s in range(rows.shape[1]):
            k = rows[r, s]
            src = x[k] if k >= 0 else y[-1 - k]
            o = _prefixed_symbol(src, cps[s], out[r], o)


@njit(cache=True, nogil=True)
def cyclic_prefix_in_place(out, y, rows, cps):  # pragma: no cover - compiled
    """Cyclic-prefix insertion (TS 38.211 §5.3.1) into a waveform ``out`` ``[R, T]`` whose
    symbols' useful parts are partly in place already (e.g. an IDFT that wrote them there):
    symbol s of ``out[r]`` (its useful part at ``sum(cps[:s + 1]) + s nfft``) gets its
    prefix from its own last ``cps[s]`` samples where ``rows[r, s] >= 0``; else its prefix
    and useful part are the row ``y[-1 - rows[r, s]]`` (y ``[M, nfft]``: e.g. symbols kept
    from slot to slot), as :func:`cyclic_prefix_gather_two` writes them.

    >>> import numpy as np
    >>> out = np.zeros((1, 10), dtype=np.complex64)
    >>> out[0, 6:] = np.arange(4)
    >>> y = 10 + np.arange(4, dtype=np.complex64).reshape(1, 4)
    >>> cyclic_prefix_in_place(out, y, np.array([[-1, 0]]), np.array([1, 1]))
    >>> out.real.astype(int).tolist()
    [[13, 10, 11, 12, 13, 3, 0, 1, 2, 3]]
    """
    nfft = y.shape[1]
    for r in range(rows.shape[0]):
        row = out[r]
        o = 0
        for s in range(rows.shape[1]):
            k = rows[r, s]
            cp = cps[s]
            if k < 0:
                o = _prefixed_symbol(y[-1 - k], cp, row, o)
                continue
            head = row[o:o + cp]
            tail = row[o + nfft:o + nfft + cp]
            for i in range(cp):
                head[i] = tail[i]
            o += cp + nfft


@functools.lru_cache(maxsize=64)
def _cyclic_prefix_array(info: OFDMInfo, first: int, n_symbols: int) -> np.ndarray:
    """N_CP,l in samples of the ``n_symbols`` symbols from ``first``, int64 (read only)."""
    out = np.asarray(_symbol_timing(info, first, n_symbols)[0], dtype=np.int64)
    out.flags.writeable = False
    return out


def _cyclic_prefix(x: torch.Tensor, info: OFDMInfo, first: int) -> torch.Tensor:
    """The waveform ``[..., T]`` of IFFT outputs ``x`` ``[..., n_symbols, nfft]``: cyclic
    prefixes inserted (and windowing applied) as :func:`ofdm_modulate` describes; a new
    tensor. On the CPU without windowing or autograd one Numba pass of block copies."""
    n_symbols = x.shape[-2]
    if (info.windowing == 0 and x.device.type == "cpu" and x.is_contiguous()
            and not (x.requires_grad and torch.is_grad_enabled())):
        cps = _cyclic_prefix_array(info, first, n_symbols)
        rows = x.reshape(-1, n_symbols, info.nfft)
        out = torch.empty(rows.shape[0], int(cps.sum()) + n_symbols * info.nfft, dtype=x.dtype)
        cyclic_prefix_rows(rows.detach().numpy(), cps, out.numpy())
        return out.reshape(*x.shape[:-2], out.shape[-1])
    flat = x.flatten(-2)
    idx1, w1, idx2, w2 = _modulation_plan(info, first, n_symbols, x.device, x.dtype)
    out = _take(flat, idx1)
    if w1 is not None:
        out = out * w1 + _take(flat, idx2) * w2
    return out


def ofdm_subcarrier_bins(carrier: CarrierConfig, nfft: int | None = None,
                         sample_rate: float | None = None) -> torch.Tensor:
    """The IFFT bin of every grid subcarrier k: ``(k - K/2) mod nfft``, int64 ``[K]`` (the
    module's frequency convention, TS 38.211 §5.3.1 with k_0 = 0): where
    :func:`ofdm_modulate_bins` expects subcarrier k.

    >>> ofdm_subcarrier_bins(CarrierConfig(n_size_grid=1), nfft=128).tolist()
    [122, 123, 124, 125, 126, 127, 0, 1, 2, 3, 4, 5]
    """
    carrier = _check_carrier(carrier)
    info = ofdm_info(carrier, nfft, sample_rate)
    k = carrier.n_subcarriers
    return torch.remainder(torch.arange(k, dtype=torch.int64) - k // 2, info.nfft)


def ofdm_modulate_bins(bins: torch.Tensor, carrier: CarrierConfig, *, nfft: int | None = None,
                       sample_rate: float | None = None, windowing: int = 0,
                       work: torch.Tensor | None = None) -> torch.Tensor:
    """OFDM baseband signal generation (TS 38.211 §5.3.1) of a grid already laid out in IFFT
    bins: :func:`ofdm_modulate` from its IFFT on, for a caller that builds (and keeps) the
    bins itself, e.g. a transmitter that writes each slot's data straight into them.

    ``ofdm_modulate(grid, carrier, ...) == ofdm_modulate_bins(bins, carrier, ...)`` when
    ``bins[..., ofdm_subcarrier_bins(carrier, nfft)] = grid`` and the other bins are 0 (bins
    outside the grid are transmitted as they are).

    Parameters
    ----------
    bins : complex ``[..., n_symbols, nfft]``; the first symbol is symbol 0 of slot
        ``carrier.n_slot``. Not changed.
    carrier, nfft, sample_rate, windowing : as :func:`ofdm_modulate`.
    work : optional complex tensor of the shape and dtype of ``bins`` that receives the IFFT
        (a scratch buffer the caller reuses from call to call); None: a new one.

    Returns
    -------
    Waveform ``[..., T]``, a new tensor (not a view of ``work``).

    >>> c = CarrierConfig(subcarrier_spacing=15, n_size_grid=52)
    >>> g = torch.randn(2, 14, 624, dtype=torch.complex64)
    >>> b = torch.zeros(2, 14, 1024, dtype=torch.complex64)
    >>> b[..., ofdm_subcarrier_bins(c, 1024)] = g
    >>> torch.equal(ofdm_modulate_bins(b, c, nfft=1024), ofdm_modulate(g, c, nfft=1024))
    True
    """
    carrier = _check_carrier(carrier)
    bins = _check_complex("bins", bins, 2)
    info = ofdm_info(carrier, nfft, sample_rate, windowing)
    if bins.shape[-1] != info.nfft:
        raise ValueError(f"bins has {bins.shape[-1]} bins (last dimension of shape "
                         f"{tuple(bins.shape)}); nfft is {info.nfft}")
    if bins.shape[-2] < 1 or bins.numel() == 0:
        raise ValueError(f"bins must hold at least 1 OFDM symbol and 1 row, got shape "
                         f"{tuple(bins.shape)}")
    if work is not None:
        work = check_tensor("work", work, min_dim=2)
        if work.shape != bins.shape or work.dtype != bins.dtype or work.device != bins.device:
            raise ValueError(f"work must be a {bins.dtype} tensor of shape {tuple(bins.shape)} "
                             f"on {bins.device} (that of bins), got {work.dtype} "
                             f"{tuple(work.shape)} on {work.device}")
    grad = bins.requires_grad and torch.is_grad_enabled()
    if work is None or grad:
        x = torch.fft.ifft(bins, dim=-1, norm="ortho")
    else:
        x = torch.fft.ifft(bins, dim=-1, norm="ortho", out=work)
    return _cyclic_prefix(x, info, info.first_symbol(carrier.n_slot))


@functools.lru_cache(maxsize=256)
def _whole_symbols(info: OFDMInfo, first: int, n_samples: int) -> int:
    """Whole OFDM symbols (CP + nfft) in ``n_samples`` samples from symbol ``first`` of a
    subframe: whole subframes, then whole symbols of the partial subframe that follows."""
    m = info.symbols_per_subframe
    full, rest = divmod(n_samples, info.samples_per_subframe)
    n_symbols = full * m
    for i in range(m):
        length = info.symbol_lengths[(first + i) % m]
        if length > rest:
            break
        rest -= length
        n_symbols += 1
    return n_symbols


def ofdm_demodulate(waveform: torch.Tensor, carrier: CarrierConfig, *, nfft: int | None = None,
                    sample_rate: float | None = None, cp_fraction: float = 0.5,
                    carrier_frequency: float = 0.0) -> torch.Tensor:
    """OFDM demodulation of a waveform back to a resource grid.

    Inverse of :func:`ofdm_modulate` (TS 38.211 §5.3.1, §5.4). MATLAB namesake:
    ``nrOFDMDemodulate``. The waveform starts at symbol 0 of slot ``carrier.n_slot``; every
    whole symbol (CP + nfft samples) it holds is demodulated and trailing samples that do not
    fill a symbol are ignored. The FFT window of symbol l starts ``floor(cp_fraction * N_CP,l)``
    samples into its cyclic prefix; the linear phase this early start causes,
    ``exp(-j 2π (k - K/2) (N_CP,l - offset) / nfft)``, is removed, so that
    ``ofdm_demodulate(ofdm_modulate(grid)) == grid`` to float precision for any cp_fraction
    (with windowing W: when ``W/2 <= floor(cp_fraction*N_CP,l) <= N_CP,l - W/2``, e.g.
    cp_fraction = 0.5). A unitary FFT (``norm="ortho"``) matches the modulator's scaling.

    Parameters
    ----------
    waveform : complex tensor ``[..., n_ports, T]``, T >= the length of the first symbol.
    carrier : the carrier.
    nfft, sample_rate : FFT size or sample rate, as in :func:`ofdm_info`.
    cp_fraction : position of the FFT window in the cyclic prefix, 0..1 (0: start of the
        CP, 1: end of the CP, i.e. the ideal position without delay spread).
    carrier_frequency : f0 in Hz (>= 0); undoes the §5.4 symbol phase compensation
        applied by :func:`ofdm_modulate` with the same f0; 0 disables it.

    Returns
    -------
    Grid ``[..., n_ports, n_symbols, K]`` of the waveform's dtype, K = 12 * n_size_grid.

    >>> c = CarrierConfig(subcarrier_spacing=30, n_size_grid=24)
    >>> g = torch.randn(2, 14, 288, dtype=torch.complex64)
    >>> r = ofdm_demodulate(ofdm_modulate(g, c), c)
    >>> r.shape, bool(torch.allclose(r, g, atol=1e-5))
    (torch.Size([2, 14, 288]), True)
    """
    carrier = _check_carrier(carrier)
    waveform = check_tensor("waveform", waveform, min_dim=2)
    if waveform.dtype not in (torch.complex64, torch.complex128):
        raise TypeError(f"waveform must be a complex64 or complex128 tensor, got dtype "
                        f"{waveform.dtype}")
    fast = (KERNELS and waveform.dtype == torch.complex64 and waveform.is_cpu
            and not waveform.requires_grad and waveform.numel() > 0)
    if not fast:                          # (the kernel checks the samples as it reads them)
        check_finite("waveform", waveform)
    cp_fraction = check_real("cp_fraction", cp_fraction, 0.0, 1.0)
    carrier_frequency = check_real("carrier_frequency", carrier_frequency, 0.0)
    info = ofdm_info(carrier, nfft, sample_rate)
    first = info.first_symbol(carrier.n_slot)
    n_samples = waveform.shape[-1]
    n_symbols = _whole_symbols(info, first, n_samples)
    if n_symbols == 0:
        raise ValueError(f"waveform has {n_samples} samples (last dimension of shape "
                         f"{tuple(waveform.shape)}), fewer than one OFDM symbol "
                         f"({info.symbol_lengths[first]} samples)")
    _check_memory(waveform.numel() // max(n_samples, 1), n_symbols, info, waveform, nfft,
                  sample_rate)
    if waveform.numel() == 0:  # an empty batch (FFT libraries refuse zero-size transforms)
        return waveform.new_zeros((*waveform.shape[:-1], n_symbols, carrier.n_subcarriers))
    if fast:
        out = _demodulate_kernel(waveform, info, first, n_symbols, carrier.n_subcarriers,
                                 cp_fraction, carrier_frequency)
        if out is not None:
            return out
        check_finite("waveform", waveform)   # the kernel found a sample that is not
    idx, corr = _demodulation_plan(info, first, n_symbols, carrier.n_subcarriers, cp_fraction,
                                   carrier_frequency, waveform.device, waveform.dtype)
    y = _take(waveform, idx).unflatten(-1, (n_symbols, info.nfft))
    y = torch.fft.fft(y, dim=-1, norm="ortho")
    half = carrier.n_subcarriers // 2
    return torch.cat((y[..., info.nfft - half:], y[..., :half]), dim=-1) * corr


@functools.lru_cache(maxsize=64)
def _kernel_plan(info: OFDMInfo, first: int, n_symbols: int, n_subcarriers: int,
                 cp_fraction: float, carrier_frequency: float
                 ) -> tuple[np.ndarray, np.ndarray]:
    """The plan of :func:`_demodulation_plan` for the kernels: FFT window starts (int64
    ``[n_symbols]``) and the phase corrections times 1 / sqrt(nfft) (complex64
    ``[n_symbols, K]``), read only.
    (Subcarrier k is FFT bin (k - K/2) mod nfft: the upper half of the grid from bin 0.)"""
    idx, corr = _demodulation_plan(info, first, n_symbols, n_subcarriers, cp_fraction,
                                   carrier_frequency, torch.device("cpu"), torch.complex64)
    starts = idx.view(n_symbols, info.nfft)[:, 0].numpy().copy()
    # the unitary FFT's 1 / sqrt(nfft) rides on the phase corrections (one pass less)
    scaled = (corr.to(torch.complex128) / math.sqrt(info.nfft)).to(torch.complex64)
    out = (starts, np.ascontiguousarray(scaled.numpy()))
    for a in out:
        a.flags.writeable = False
    return out


#: FFT workspaces of :func:`ofdm_demodulate` by (rows, symbols, nfft, thread): the
#: windows, transformed in place, reused from call to call (one per thread, so that
#: threads demodulating at the same time do not share one).
_WORKSPACES: dict[tuple[int, int, int, int], torch.Tensor] = {}


def _demodulate_kernel(waveform: torch.Tensor, info: OFDMInfo, first: int, n_symbols: int,
                       n_subcarriers: int, cp_fraction: float, carrier_frequency: float
                       ) -> torch.Tensor | None:
    """:func:`ofdm_demodulate` of a complex64 CPU waveform by the kernels of
    :mod:`softran.nr.ofdm_kernels` around one batched FFT; None if a sample is not finite."""
    starts, corr = _kernel_plan(info, first, n_symbols, n_subcarriers, cp_fraction,
                                      carrier_frequency)
    try:
        wave = waveform.numpy()
    except RuntimeError:                     # a lazy conjugate / negative view
        wave = waveform.resolve_conj().resolve_neg().numpy()
    wave = np.ascontiguousarray(wave.reshape(-1, wave.shape[-1]))
    nfft = info.nfft
    key = (wave.shape[0], n_symbols, nfft, threading.get_ident())
    work = _WORKSPACES.get(key)
    if work is None:
        if len(_WORKSPACES) >= 32:
            _WORKSPACES.pop(next(iter(_WORKSPACES)))
        shape = (wave.shape[0], n_symbols, nfft)
        work = _WORKSPACES[key] = torch.empty(shape, dtype=torch.complex64)
    if fft_windows(wave, starts, work.numpy()):
        return None
    spec = torch.fft.fft(work, dim=-1, out=work)     # in place; unscaled (see _kernel_plan)
    out = torch.empty(*waveform.shape[:-1], n_symbols, n_subcarriers, dtype=torch.complex64)
    select_subcarriers(spec.numpy(), n_subcarriers // 2, corr,
                       out.view(-1, n_symbols, n_subcarriers).numpy())
    return out


class OFDMSlotDemodulator:
    """:func:`ofdm_demodulate` of one slot of ``carrier`` (TS 38.211 §5.3.1), checked once:
    for a receiver that demodulates the same slot shape every slot. The FFT workspace and
    the output grid are kept per batch shape and reused (no allocation after the first
    call), the arguments are checked at construction.

    ``demodulate(waveform)``: the grid ``[..., n_ports, n_symbols, K]`` of a waveform
    ``[..., n_ports, n_samples]`` (``n_samples`` the slot's length), the values of
    :func:`ofdm_demodulate` with the same arguments. A complex64 contiguous CPU waveform is
    demodulated into the kept grid: valid until the next call with the same batch shape
    (copy it to keep it). Other inputs, and a waveform with a sample that is not finite (the
    error), go through :func:`ofdm_demodulate` (a new tensor).

    >>> c = CarrierConfig(subcarrier_spacing=30, n_size_grid=24)
    >>> g = torch.randn(2, 14, 288, dtype=torch.complex64)
    >>> w = ofdm_modulate(g, c)
    >>> d = OFDMSlotDemodulator(c)
    >>> d.n_samples == w.shape[-1], bool(torch.equal(d.demodulate(w), ofdm_demodulate(w, c)))
    (True, True)
    """

    def __init__(self, carrier: CarrierConfig, *, nfft: int | None = None,
                 sample_rate: float | None = None, cp_fraction: float = 0.5,
                 carrier_frequency: float = 0.0) -> None:
        self.carrier = _check_carrier(carrier).model_copy()
        self.cp_fraction = check_real("cp_fraction", cp_fraction, 0.0, 1.0)
        self.carrier_frequency = check_real("carrier_frequency", carrier_frequency, 0.0)
        self.nfft, self.sample_rate = nfft, sample_rate
        info = ofdm_info(self.carrier, nfft, sample_rate)
        first = info.first_symbol(self.carrier.n_slot)
        #: samples of one slot (the waveform length :meth:`demodulate` takes)
        self.n_samples = (sum(info.slot_cyclic_prefix_lengths(self.carrier.n_slot))
                          + self.carrier.symbols_per_slot * info.nfft)
        self.n_symbols = _whole_symbols(info, first, self.n_samples)
        self._k = self.carrier.n_subcarriers
        self._fft = info.nfft
        self._plan = _kernel_plan(info, first, self.n_symbols, self._k, self.cp_fraction,
                                  self.carrier_frequency)
        # by (batch shape, thread), at most 32: FFT work (tensor, numpy), grid (tensor,
        # numpy), in-place transform (the kept plan, or torch.fft.fft)
        self._buffers: dict[tuple[tuple[int, ...], int], tuple] = {}
        # the last waveform layout :meth:`spectrum` checked in full: its thread, NumPy shape
        # and strides, and that thread's FFT work array and transform
        self._hot: tuple[Any, ...] | None = None

    def demodulate(self, waveform: torch.Tensor) -> torch.Tensor:
        """The grid of one slot's ``waveform`` (class docstring)."""
        spec = self.spectrum(waveform)
        if spec is None:
            return self._reference(waveform)            # other inputs; a non-finite sample
        out, out_np = self._buffers[(tuple(waveform.shape[:-1]), threading.get_ident())][2:4]
        select_subcarriers(spec, self._k // 2, self.corrections, out_np)
        return out

    def spectrum(self, waveform: torch.Tensor) -> np.ndarray | None:
        """The unscaled FFT bins ``[rows, n_symbols, nfft]`` of every symbol's FFT window
        (TS 38.211 §5.3.1: the cyclic prefix removed; rows = the waveform's rows) in this
        demodulator's kept workspace (valid until the next call with the same batch shape),
        for a caller that selects the subcarriers itself:
        :func:`~softran.nr.ofdm_kernels.select_subcarriers` with ``n_subcarriers // 2`` and
        :attr:`corrections` makes the grid of :meth:`demodulate`. None where
        :meth:`demodulate` would not take its kernel path (see the class docstring) or a
        sample is not finite.

        >>> c = CarrierConfig(subcarrier_spacing=30, n_size_grid=24)
        >>> w = ofdm_modulate(torch.randn(2, 14, 288, dtype=torch.complex64), c)
        >>> d = OFDMSlotDemodulator(c)
        >>> d.spectrum(w).shape, d.spectrum(w.to(torch.complex128)) is None
        ((2, 14, 512), True)
        """
        hot = self._hot
        if (KERNELS and hot is not None and waveform.__class__ is torch.Tensor
                and hot[0] == threading.get_ident()):
            # this thread's last waveform layout again (one check): numpy() refuses tensors
            # that require grad, have the conjugate or negative bit set, are not on the CPU
            # or not strided; the dtype, shape and strides (contiguous) are those checked
            # below (anything else goes through them)
            try:
                wave = waveform.numpy()
            except (RuntimeError, TypeError):
                wave = None
            if (wave is not None and wave.dtype is _C64 and wave.shape == hot[1]
                    and wave.strides == hot[2]):
                return self._transform(wave, hot[3], hot[4])
        if not (KERNELS and isinstance(waveform, torch.Tensor)
                and waveform.dtype == torch.complex64 and waveform.is_cpu
                and waveform.dim() >= 2 and waveform.shape[-1] == self.n_samples
                and waveform.is_contiguous() and waveform.numel()
                and not waveform.requires_grad and not waveform.is_conj()
                and not waveform.is_neg()):
            return None
        bufs = self._workspace(tuple(waveform.shape[:-1]), waveform.numel() // self.n_samples)
        wave = waveform.numpy()
        self._hot = (threading.get_ident(), wave.shape, wave.strides, bufs[1], bufs[4])
        return self._transform(wave, bufs[1], bufs[4])

    def fft_work(self, shape: tuple[int, ...]) -> np.ndarray:
        """This thread's kept FFT work array for waveforms of batch shape ``shape``
        (complex64 C-contiguous ``[rows, n_symbols, nfft]``, rows the product of ``shape``;
        made if not there yet): the memory :meth:`spectrum` cuts the windows into and
        transforms in place (TS 38.211 §5.3.1), for a caller that runs both steps itself
        on the same buffer.

        >>> d = OFDMSlotDemodulator(CarrierConfig(subcarrier_spacing=30, n_size_grid=24))
        >>> d.fft_work((2,)).shape
        (2, 14, 512)
        """
        shape = tuple(int(n) for n in shape)
        return self._workspace(shape, int(np.prod(shape, dtype=np.int64)))[1]

    def _workspace(self, shape: tuple[int, ...], rows: int) -> tuple:
        """This thread's kept buffers for waveforms of batch shape ``shape`` (``rows``
        rows): FFT work (tensor, numpy), grid (tensor, numpy), in-place transform."""
        key = (shape, threading.get_ident())
        bufs = self._buffers.get(key)
        if bufs is None:
            if len(self._buffers) >= 32:
                self._buffers.pop(next(iter(self._buffers)))
                self._hot = None                  # (it may hold the evicted entry)
            work = torch.empty(rows, self.n_symbols, self._fft, dtype=torch.complex64)
            out = torch.empty(*shape, self.n_symbols, self._k, dtype=torch.complex64)
            # torch.fft.fft's transform as a kept MKL plan, in place (else torch.fft.fft)
            plan = kept_dft(self._fft, rows * self.n_symbols, inverse=False, in_place=True)
            flat = work.numpy().reshape(-1, self._fft)
            transform = functools.partial(torch.fft.fft, work, dim=-1, out=work) \
                if plan is None else plan.bind(flat, flat)
            bufs = self._buffers[key] = (work, work.numpy(), out,
                                         out.view(-1, self.n_symbols, self._k).numpy(),
                                         transform)
        return bufs

    def _transform(self, wave: np.ndarray, work_np: np.ndarray,
                   transform: Callable[[], object]) -> np.ndarray | None:
        """The FFT windows of ``wave`` into ``work_np``, transformed in place (unscaled,
        see _kernel_plan); None where a sample is not finite."""
        if fft_windows(wave.reshape(-1, self.n_samples), self._plan[0], work_np):
            return None
        transform()
        return work_np

    @property
    def window_starts(self) -> np.ndarray:
        """The first sample of each symbol's FFT window in the slot (int64 ``[n_symbols]``,
        read only; TS 38.211 §5.3.1: the cyclic prefix removed, ``cp_fraction`` into it):
        what :meth:`spectrum` cuts (:func:`~softran.nr.ofdm_kernels.fft_windows`) before
        its FFT of ``nfft`` bins."""
        return self._plan[0]

    @property
    def corrections(self) -> np.ndarray:
        """The phase correction of each grid subcarrier times 1 / sqrt(nfft) (complex64
        ``[n_symbols, K]``, read only; TS 38.211 §5.3.1 window position, §5.4 phase): what
        :meth:`spectrum`'s bins are multiplied by."""
        return self._plan[1]

    def _reference(self, waveform: torch.Tensor) -> torch.Tensor:
        return ofdm_demodulate(waveform, self.carrier, nfft=self.nfft,
                               sample_rate=self.sample_rate, cp_fraction=self.cp_fraction,
                               carrier_frequency=self.carrier_frequency)
