"""Numba CPU kernels around the FFT of :func:`~softran.nr.ofdm_demodulate` (TS 38.211
§5.3.1): cyclic prefix removal (copying each symbol's FFT window into a workspace) and the
selection of the grid's subcarriers from the FFT bins with the phase correction of each.

The torch code of ``ofdm_demodulate`` stays the reference (tests compare both): the gather
of the FFT windows, the FFT, the reordering of the bins and the multiplication by the
phase correction, as several tensor operations, become two passes here around one batched
FFT into a workspace reused from call to call.
"""

from __future__ import annotations

import numpy as np
from numba import njit

__all__ = ["fft_windows", "select_subcarriers"]


@njit(cache=True, nogil=True, error_model="numpy")
def fft_windows(wave, starts, out):  # pragma: no cover - compiled
    """``out[r, s, :] = wave[r, starts[s] : starts[s] + nfft]`` (wave complex ``[R, T]``,
    out ``[R, S, nfft]``): one contiguous copy per symbol. Returns 0, 1 if a sample of
    the waveform (any, not only those copied) is not finite, 2 if a window runs past the
    end of the waveform (nothing copied then)."""
    n_r, n_s, nfft = out.shape
    big = np.float32(np.inf)
    for s in range(n_s):
        if starts[s] < 0 or starts[s] + nfft > wave.shape[1]:
            return 2
    bad = False
    for r in range(n_r):
        row = wave[r]
        for n in range(row.shape[0]):
            v = row[n]
            bad |= not (abs(v.real) + abs(v.imag) < big)
    if bad:
        return 1
    for r in range(n_r):
        for s in range(n_s):
            out[r, s, :] = wave[r, starts[s]:starts[s] + nfft]
    return 0


@njit(cache=True, nogil=True)
def select_subcarriers(spec, bins, corr, out):  # pragma: no cover - compiled
    """``out[r, s, k] = spec[r, s, bins[k]] * corr[s, k]`` (spec ``[R, S, nfft]``, out
    ``[R, S, K]``): the grid's subcarriers picked from the FFT bins and phase-corrected."""
    n_r, n_s, n_k = out.shape
    for r in range(n_r):
        for s in range(n_s):
            for k in range(n_k):
                out[r, s, k] = spec[r, s, bins[k]] * corr[s, k]
