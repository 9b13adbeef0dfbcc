"""Chromatic-dispersion compensation in the frequency domain (Savory 2008, 2010).

Dispersion model
----------------
The linear part of the NLSE (Agrawal, *Nonlinear Fiber Optics*, eq. (2.3.43) with
alpha = gamma = 0) is ``dA/dz = -j beta2/2 d^2A/dT^2``. With the DFT convention of
``torch.fft`` (``X(f) = sum x(t) exp(-j 2 pi f t)``) and ``omega = 2 pi f`` this is the all-pass

    H_fibre(omega) = exp(j beta2 omega^2 L / 2),    beta2 = -D lambda^2 / (2 pi c)

(Savory, Opt. Express 16(2) 2008, eq. (2): ``G(z, omega) = exp(-j D lambda^2 z omega^2 / (4 pi
c))``, the same expression written with D). The compensating filter is its inverse
``H_c = conj(H_fibre) = exp(-j beta2 omega^2 L / 2)``; ``|H_c| = 1``, so it is exact and noise
neutral. Because ``omega^2`` is even, the result does not depend on the sign convention of the
Fourier transform, only on the sign of the NLSE dispersion term, which the Gaussian-pulse test
pins against Agrawal's closed form (eq. (3.2.7)).

Filter length
-------------
A time-domain FIR that undoes dispersion needs (Savory 2008, eq. (9))

    N = 2 floor(|D| lambda^2 L / (2 c T^2)) + 1 = 2 floor(pi |beta2| L fs^2) + 1

taps at the sample period ``T = 1/fs``: the dispersive spread of the whole sampled band
``|beta2| L 2 pi fs`` in samples. For a signal of (two-sided) bandwidth ``B`` the memory that
actually matters is ``2 pi |beta2| L B fs`` samples, smaller by ``B / fs``. In overlap-save
frequency-domain compensation the FFT size must exceed ``N`` (each block keeps ``fft_size -
N + 1`` outputs); ``fft_size`` about 2 to 4 N is the usual efficient choice.

Units are SI: D in s/m^2 (``17 ps/(nm km) = 17e-6 s/m^2``), L in m, fs in Hz, lambda in m.
"""

from __future__ import annotations

import math

import torch

from softran.optical.constants import REFERENCE_WAVELENGTH, SPEED_OF_LIGHT
from softran.optical.qam import check_signal
from softran.validation import check_allocation, check_int, check_positive, check_real

__all__ = ["cd_compensate", "cd_filter_length", "cd_transfer_function"]


def _check_common(fs: float, D: float, length: float, wavelength: float) -> tuple[float, ...]:
    fs = check_positive("fs", fs)
    D = check_real("D", D)
    length = check_real("length", length)
    if length < 0:
        raise ValueError(f"length = {length} is not allowed; it must be >= 0 m "
                         "(use a negative D to apply instead of compensate dispersion)")
    wavelength = check_positive("wavelength", wavelength)
    return fs, D, length, wavelength


def _beta2(D: float, wavelength: float) -> float:
    return -D * wavelength ** 2 / (2 * math.pi * SPEED_OF_LIGHT)


def cd_filter_length(D: float, length: float, fs: float,
                     wavelength: float = REFERENCE_WAVELENGTH) -> int:
    """Taps of a time-domain FIR that compensates the accumulated dispersion ``D L``.

    Savory, Opt. Express 16(2) 804 (2008), eq. (9): ``N = 2 floor(|D| lambda^2 L / (2 c T^2))
    + 1`` with ``T = 1/fs`` (equivalently ``2 floor(pi |beta2| L fs^2) + 1``). The same ``N`` is
    the overlap that overlap-save compensation (:func:`cd_compensate` with ``fft_size``) needs.

    Args:
        D: dispersion parameter [s/m^2] (17 ps/(nm km) = 17e-6 s/m^2); the sign is ignored.
        length: fibre length [m], >= 0.
        fs: sample rate [Hz].
        wavelength: carrier wavelength [m].

    >>> cd_filter_length(17e-6, 1000e3, 64e9)      # 1000 km SSMF at 32 GBd, 2 sps
    559
    >>> cd_filter_length(17e-6, 0.0, 64e9)
    1
    """
    fs, D, length, wavelength = _check_common(fs, D, length, wavelength)
    spread = abs(D) * wavelength ** 2 * length * fs ** 2 / (2 * SPEED_OF_LIGHT)
    return 2 * math.floor(spread) + 1


def cd_transfer_function(n_fft: int, fs: float, D: float, length: float,
                         wavelength: float = REFERENCE_WAVELENGTH, *,
                         device: torch.device | str | None = None,
                         dtype: torch.dtype = torch.complex64) -> torch.Tensor:
    """Compensating all-pass ``H_c(omega) = exp(-j beta2 omega^2 L / 2)`` on the FFT grid.

    Savory 2008 eq. (2) inverted; ``beta2 = -D lambda^2 / (2 pi c)``. Bin ``k`` is at the
    frequency ``torch.fft.fftfreq(n_fft, 1/fs)[k]``. The phase is computed in float64.

    Returns:
        ``[n_fft]`` tensor of ``dtype`` with ``|H_c| = 1``.

    >>> h = cd_transfer_function(4, 4.0, 17e-6, 0.0)
    >>> h
    tensor([1.+0.j, 1.+0.j, 1.+0.j, 1.+0.j])
    """
    n_fft = check_int("n_fft", n_fft, 1)
    fs, D, length, wavelength = _check_common(fs, D, length, wavelength)
    check_allocation("n_fft", n_fft, 4 * 16 * n_fft, device=device)  # float64 grid, H
    omega = 2 * math.pi * torch.fft.fftfreq(n_fft, 1.0 / fs, dtype=torch.float64, device=device)
    phase = -0.5 * _beta2(D, wavelength) * length * omega.square()
    return torch.polar(torch.ones_like(phase), phase).to(dtype)


def cd_compensate(x: torch.Tensor, fs: float, D: float, length: float,
                  wavelength: float = REFERENCE_WAVELENGTH, *,
                  fft_size: int | None = None) -> torch.Tensor:
    """Undo the chromatic dispersion ``D L`` of a sampled field (Savory 2010 §IV.A).

    Multiplies the spectrum by ``H_c = exp(-j beta2 omega^2 L / 2)``, the inverse of the
    fibre's dispersion (Agrawal eq. (3.2.5); Savory 2008 eq. (2)).

    * ``fft_size=None``: one FFT over the whole last dimension (circular; exact for a
      periodic signal and the reference for the block form).
    * ``fft_size=N_fft``: overlap-save in blocks of ``N_fft`` with an overlap of
      :func:`cd_filter_length` samples (linear convolution with the band-limited inverse;
      the streaming form of a real receiver). ``N_fft`` must exceed that overlap.

    A negative ``D`` applies dispersion instead (``cd_compensate(x, fs, -D, L)`` is what a
    fibre of dispersion ``D`` and length ``L`` does to ``x``, without loss or nonlinearity).

    Args:
        x: ``[..., n_samples]`` complex field or baseband (e.g. ``[..., n_pol, n]``).
        fs: sample rate [Hz]. D: [s/m^2]. length: [m] (>= 0). wavelength: [m].
        fft_size: block FFT size for overlap-save, or ``None``.

    Returns:
        ``[..., n_samples]``, the dtype and device of ``x``.

    >>> x = torch.zeros(2, 64, dtype=torch.complex64); x[:, 32] = 1
    >>> y = cd_compensate(cd_compensate(x, 64e9, -17e-6, 20e3), 64e9, 17e-6, 20e3)
    >>> bool(torch.allclose(y, x, atol=1e-5))
    True
    """
    x = check_signal("x", x, min_dim=1)
    fs, D, length, wavelength = _check_common(fs, D, length, wavelength)
    n = x.shape[-1]
    if fft_size is None:
        h = cd_transfer_function(n, fs, D, length, wavelength, device=x.device, dtype=x.dtype)
        return torch.fft.ifft(torch.fft.fft(x, dim=-1) * h, dim=-1)
    fft_size = check_int("fft_size", fft_size, 2)
    # padded blocks (at least one of fft_size samples per row), their spectra and outputs
    rows = x.numel() // max(n, 1)
    check_allocation("fft_size", fft_size, 4 * rows * (n + fft_size) * x.element_size(),
                     device=x.device)
    overlap = cd_filter_length(D, length, fs, wavelength) - 1   # even: 2 floor(...)
    if fft_size <= overlap:
        raise ValueError(f"fft_size = {fft_size} is too small for the dispersion: the overlap "
                         f"is {overlap} samples (cd_filter_length - 1); allowed: fft_size > "
                         f"{overlap}")
    half = overlap // 2
    keep = fft_size - overlap
    n_blocks = -(-n // keep)
    pad_end = n_blocks * keep + overlap - n - half
    xp = torch.nn.functional.pad(x.reshape(-1, n), (half, pad_end)).reshape(*x.shape[:-1], -1)
    blocks = xp.unfold(-1, fft_size, keep)                     # [..., n_blocks, fft_size]
    h = cd_transfer_function(fft_size, fs, D, length, wavelength, device=x.device, dtype=x.dtype)
    y = torch.fft.ifft(torch.fft.fft(blocks, dim=-1) * h, dim=-1)[..., half:half + keep]
    return y.reshape(*x.shape[:-1], n_blocks * keep)[..., :n]
