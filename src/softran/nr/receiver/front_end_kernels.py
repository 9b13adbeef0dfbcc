"""One compiled pass of a PUSCH / PDSCH receiver's front end after the FFT (a receiver
algorithm over the references of TS 38.211 §6.4.1.1 and the data REs of §6.3.1.6, ending
in the soft demapping of §5.1 and the descrambling of §6.3.1.1).

:func:`front_end_slot` calls, in one Numba call and on workspaces the caller keeps, the
kernels each stage's public function runs on its own: the subcarrier selection of
:func:`~softran.nr.ofdm_demodulate` (:mod:`softran.nr.ofdm_kernels`), the DM-RS channel
estimate (:func:`~softran.nr.receiver.estimate_kernels.estimate_slot`), the interference-
plus-noise covariance (:func:`~softran.nr.receiver.covariance_kernels.covariance_slot`),
MMSE-IRC detection (:func:`~softran.nr.receiver.equalize_kernels.mmse_gather`), the noise
variance sanitising of :meth:`~softran.nr.PUSCHReceiver.demap` and the max-log demapper
with descrambling (:func:`~softran.nr.modulation_kernels.maxlog_demap`). The same kernels
on the same values: the results equal the stage-by-stage kernel path bit for bit; the
gain is the Python and tensor glue between the stages (and the allocations) that this
one call leaves out. A non-zero status says which stage refused (the caller then runs the
stages one by one, which raise the error naming the argument).
"""

from __future__ import annotations

import numpy as np
from numba import njit

from softran.nr.kept_dft import dfti_compute
from softran.nr.modulation_kernels import DEMAP_QAM, maxlog_demap
from softran.nr.ofdm_kernels import fft_windows, select_subcarriers
from softran.nr.receiver.covariance_kernels import covariance_slot
from softran.nr.receiver.equalize_kernels import (
    mmse_demap16_runs,
    mmse_gather,
    mmse_gather_runs,
)
from softran.nr.receiver.estimate_kernels import estimate_slot

__all__ = ["FRONT_END_COVARIANCE", "FRONT_END_DEMAP", "FRONT_END_DETECT",
           "FRONT_END_ESTIMATE", "FRONT_END_FFT", "FRONT_END_SAMPLES",
           "FRONT_END_WAVE_FIELDS", "front_end_slot", "front_end_wave", "front_end_wave_packed",
           "sanitise_noise_var"]

#: status of :func:`front_end_slot`: the grid holds a NaN or an infinity
FRONT_END_ESTIMATE = 1
#: status: the covariance kernel refused (a non-finite noise variance estimate)
FRONT_END_COVARIANCE = 2
#: status: the detector refused (a covariance block not positive definite, ...)
FRONT_END_DETECT = 3
#: status: the demapper refused (a non-finite detected symbol)
FRONT_END_DEMAP = 4
#: status of :func:`front_end_wave`: a waveform sample in an FFT window is not finite
FRONT_END_SAMPLES = 5
#: status of :func:`front_end_wave`: the MKL transform returned an error
FRONT_END_FFT = 6


@njit(cache=True, nogil=True, error_model="numpy")
def sanitise_noise_var(nv, out):  # pragma: no cover - compiled
    """``out = nan_to_num(nv, posinf=1e30).clamp_min(1e-12)`` in float32 (what
    :meth:`~softran.nr.PUSCHReceiver.demap` does to the detector's error variance, TS 38.211
    §5.1 demapping input): NaN and values below 1e-12 (-inf included) become 1e-12, +inf
    becomes 1e30; ``nv``, ``out`` float32 of one size, C-contiguous.

    >>> nv = np.array([0.5, np.inf, np.nan, -np.inf, 0.0], np.float32)
    >>> out = np.empty_like(nv)
    >>> sanitise_noise_var(nv, out)
    >>> bool((out == np.array([0.5, 1e30, 1e-12, 1e-12, 1e-12], np.float32)).all())
    True
    """
    lo = np.float32(1e-12)
    hi = np.float32(1e30)
    big = np.float32(np.inf)
    a = nv.reshape(-1)
    o = out.reshape(-1)
    for i in range(a.shape[0]):
        v = a[i]
        v = v if v > lo else lo  # noqa: FURB136 (NaN compares False: 1e-12, as fmax)
        o[i] = hi if v == big else v


@njit(cache=True, nogil=True)
def front_end_slot(spec, half, corr, grid_rows, grid, est, h, h_flat, nv, cov_args, cov,
                   index, block, runs, x, nv_eff, nv_demap, levels, k, mode, seq, llr
                   ):  # pragma: no cover - compiled
    """The front end of one slot after the FFT (module docstring), every output in the
    caller's buffers: ``spec [B·R, S, nfft]`` the FFT bins of each antenna's symbols ->
    ``grid_rows [B·R, S, K]`` (the same memory as ``grid [B, R, S·K]``; ``half`` = K / 2,
    ``corr [S, K]`` the phase corrections, as :func:`~softran.nr.ofdm_kernels.
    select_subcarriers`) -> the channel estimate ``h [B, R, P, S, K]`` (``h_flat`` the same
    memory ``[B, R, P, S·K]``) and noise variance ``nv [B, R]`` (``est``: the plan's
    arguments of :func:`~softran.nr.receiver.estimate_kernels.estimate_slot` between the grid
    and its outputs) -> the covariance ``cov [B, R, R, n_blocks]`` (``cov_args``: ``uniq, x,
    segments, count, loading, e, acc`` of :func:`~softran.nr.receiver.covariance_kernels.
    covariance_slot`) -> the detected symbols ``x [B, P, n_re]`` and their error variance
    ``nv_eff`` at the data REs ``index`` (covariance block ``block`` of each; or, where
    ``runs`` is not empty, the same REs as the runs of :func:`~softran.nr.receiver.
    equalize_kernels.data_runs`, by :func:`~softran.nr.receiver.equalize_kernels.
    mmse_gather_runs`: one layer, two antennas) -> the
    sanitised variance ``nv_demap`` -> the descrambled LLRs ``llr [B, n_re P Q_m]``
    (``levels``, ``k``, ``mode``, ``seq`` as :func:`~softran.nr.modulation_kernels.
    maxlog_demap`). One layer of 16QAM on two antennas (``runs`` not empty, ``k`` = 2)
    runs the last three steps as one pass over the REs
    (:func:`~softran.nr.receiver.equalize_kernels.mmse_demap16_runs`, the same values),
    which writes neither ``x`` nor ``nv_demap``.

    Returns 0, or the ``FRONT_END_*`` status of the stage that refused (later outputs are
    then not written).
    """
    select_subcarriers(spec, half, corr, grid_rows)
    if not estimate_slot(grid, *est, h, nv):
        return FRONT_END_ESTIMATE
    uniq, xr, segments, count, loading, e, acc = cov_args
    if covariance_slot(grid, h_flat, False, False, uniq, xr, segments, count, nv, True,
                       loading, e, acc, cov):
        return FRONT_END_COVARIANCE
    if runs.shape[0] and mode == DEMAP_QAM and k == 2:
        # one layer of 16QAM on two antennas: detection, sanitising and demapping in one
        # pass over the REs (the same operations; x is not written)
        status = mmse_demap16_runs(grid, h_flat, cov, runs, nv_eff, levels, seq, llr)
        if status == 5:
            return FRONT_END_DEMAP
        return FRONT_END_DETECT if status else 0
    if runs.shape[0]:
        if mmse_gather_runs(grid, h_flat, cov, runs, x, nv_eff):
            return FRONT_END_DETECT
    elif mmse_gather(grid, h_flat, cov, index, block, x, nv_eff):
        return FRONT_END_DETECT
    sanitise_noise_var(nv_eff, nv_demap)
    if maxlog_demap(x, nv_demap, levels, k, mode, seq, llr):
        return FRONT_END_DEMAP
    return 0


@njit(cache=True, nogil=True)
def front_end_wave(wave, starts, work, dft, descriptor, half, corr, grid_rows, grid, est, h,
                   h_flat, nv, cov_args, cov, index, block, runs, x, nv_eff, nv_demap, levels,
                   k, mode, seq, llr):  # pragma: no cover - compiled
    """The front end of one slot from its time-domain samples (TS 38.211 §5.3.1 OFDM
    demodulation first), in one call: ``wave`` complex64 C-contiguous ``[B, R, T]`` ->
    the FFT windows starting at ``starts`` (:func:`~softran.nr.ofdm_kernels.fft_windows`)
    in ``work`` complex64 ``[B·R, S, nfft]`` -> their in-place DFT by the kept MKL plan
    ``dft``, ``descriptor`` (:attr:`~softran.nr.kept_dft.KeptDFT.compute_address` and
    :attr:`~softran.nr.kept_dft.KeptDFT.handle` of ``kept_dft(nfft, B·R·S,
    inverse=False, in_place=True)``: what
    :meth:`~softran.nr.OFDMSlotDemodulator.spectrum` runs, the same bins) ->
    :func:`front_end_slot` with the arguments after ``descriptor``. Returns 0,
    :data:`FRONT_END_SAMPLES`, :data:`FRONT_END_FFT` or the status of
    :func:`front_end_slot` (later outputs are then not written)."""
    rows = wave.shape[0] * wave.shape[1]
    if fft_windows(wave.reshape((rows, wave.shape[2])), starts, work):
        return FRONT_END_SAMPLES
    if dfti_compute(dft, descriptor, work.ctypes.data, work.ctypes.data) != 0:
        return FRONT_END_FFT
    return front_end_slot(work, half, corr, grid_rows, grid, est, h, h_flat, nv, cov_args,
                          cov, index, block, runs, x, nv_eff, nv_demap, levels, k, mode, seq,
                          llr)


#: the names of :func:`front_end_wave`'s arguments after the waveform: the fields of the
#: :class:`~softran.nr.kernel_entry.KernelArgs` that :func:`front_end_wave_packed` takes
FRONT_END_WAVE_FIELDS = ("starts", "work", "dft", "descriptor", "half", "corr", "grid_rows",
                         "grid", "est", "h", "h_flat", "nv", "cov_args", "cov", "index", "block",
                         "runs", "x", "nv_eff", "nv_demap", "levels", "k", "mode", "seq", "llr")


@njit(cache=True, nogil=True)
def front_end_wave_packed(wave, a):  # pragma: no cover - compiled
    """:func:`front_end_wave` of the waveform ``wave`` with its other arguments as the
    fields of ``a`` (a :class:`~softran.nr.kernel_entry.KernelArgs` with the fields
    :data:`FRONT_END_WAVE_FIELDS`): one argument to unbox per call instead of some sixty
    arrays; the same computation (TS 38.211 §5.3.1 OFDM demodulation through TS 38.211
    §6.3.1 demapping, as :func:`front_end_wave`) and status."""
    return front_end_wave(wave, a.starts, a.work, a.dft, a.descriptor, a.half, a.corr,
                          a.grid_rows, a.grid, a.est, a.h, a.h_flat, a.nv, a.cov_args, a.cov,
                          a.index, a.block, a.runs, a.x, a.nv_eff, a.nv_demap, a.levels, a.k,
                          a.mode, a.seq, a.llr)
