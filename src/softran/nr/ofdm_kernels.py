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
def _not_finite(f):  # pragma: no cover - compiled
    """Whether a float32 array holds a NaN or an infinity (branch-free: vectorised)."""
    big = np.float32(np.inf)
    bad = False
    for n in range(f.shape[0]):
        bad |= not (abs(f[np.uint64(n)]) < big)
    return bad


@njit(cache=True, nogil=True)
def fft_windows(wave, starts, out):  # pragma: no cover - compiled
    """Cyclic-prefix removal (TS 38.211 §5.3.1 inverse): ``out[r, s, :] = wave[r, starts[s] :
    starts[s] + nfft]`` (wave complex64 ``[R, T]``
    C-contiguous, out ``[R, S, nfft]``): one contiguous copy per symbol. Returns 0, 1 if
    a sample of the waveform (any, not only those copied) is not finite, 2 if a window
    runs past the end of the waveform (nothing copied then)."""
    n_r, n_s, nfft = out.shape
    n_t = wave.shape[1]
    for s in range(n_s):
        if starts[s] < 0 or starts[s] + nfft > n_t:
            return 2
    # one pass: each window checked as it is copied, the samples between windows checked
    bad = False
    for r in range(n_r):
        f = wave[r].view(np.float32)
        done = 0                                # samples before this are checked
        for s in range(n_s):
            a = starts[s]
            if a > done:
                bad |= _not_finite(f[2 * done:2 * a])
            bad |= _copy_checked(f[2 * a:2 * (a + nfft)], out[r, s].view(np.float32))
            done = max(done, a + nfft)
        if n_t > done:
            bad |= _not_finite(f[2 * done:])
    return 1 if bad else 0


@njit(cache=True, nogil=True, error_model="numpy")
def _copy_checked(src, dst):  # pragma: no cover - compiled
    """``dst[:] = src`` (float32, one length), and whether a value is not finite
    (branch-free: vectorised)."""
    big = np.float32(np.inf)
    bad = False
    for n in range(src.shape[0]):
        v = src[np.uint64(n)]
        bad |= not (abs(v) < big)
        dst[np.uint64(n)] = v
    return bad


@njit(cache=True, nogil=True, error_model="numpy")
def _phase_rows(src, cor, dst, n):  # pragma: no cover - compiled
    """``dst[k] = src[k] * cor[k]``, k < n, on float32 views of complex64 rows."""
    u = np.uint64
    for k in range(n):
        q = u(2 * k)
        ar = src[q]
        ai = src[q + u(1)]
        br = cor[q]
        bi = cor[q + u(1)]
        dst[q] = ar * br - ai * bi
        dst[q + u(1)] = ar * bi + ai * br


@njit(cache=True, nogil=True)
def select_subcarriers(spec, half, corr, out):  # pragma: no cover - compiled
    """Subcarrier selection after the FFT (TS 38.211 §5.3.1, §5.4 phase): ``out[r, s, k] =
    spec[r, s, (k - half) mod nfft] * corr[s, k]`` (spec complex64
    ``[R, S, nfft]``, out ``[R, S, 2 half]``, all C-contiguous): the grid's subcarriers
    (the upper half of the grid from bin 0, the lower half from bin nfft - half) picked
    from the FFT bins and phase-corrected, as two contiguous runs per symbol."""
    n_r, n_s, nfft = spec.shape
    for r in range(n_r):
        for s in range(n_s):
            f = spec[r, s].view(np.float32)
            c = corr[s].view(np.float32)
            o = out[r, s].view(np.float32)
            _phase_rows(f[2 * (nfft - half):], c, o, half)
            _phase_rows(f, c[2 * half:], o[2 * half:], half)
