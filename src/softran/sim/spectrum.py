"""Power spectral density by Welch's method: the one estimator the spectrum plots and the
ACLR measurement (:mod:`softran.sim.aclr`) share."""

from __future__ import annotations

import torch

from softran.validation import check_int, check_positive, check_tensor

__all__ = ["welch_psd"]


def welch_psd(x: torch.Tensor, sample_rate: float, segment: int
              ) -> tuple[torch.Tensor, torch.Tensor]:
    """Two-sided PSD of ``x`` ``[..., T]`` averaged over its leading dimensions: Welch's
    method with ``segment``-sample Hann windows (periodic) at 50 % overlap. Returns
    (frequencies in Hz ascending ``[segment]``, PSD in power per Hz ``[segment]``, float64),
    so that the sum of PSD x bin spacing is the mean power of ``x``.

    >>> f, p = welch_psd(torch.ones(4096, dtype=torch.complex64), 1e6, 1024)
    >>> round(float(p.sum() * (f[1] - f[0])), 3), float(f[512])
    (1.0, 0.0)
    """
    x = check_tensor("x", x, min_dim=1)
    sample_rate = check_positive("sample_rate", sample_rate)
    n = check_int("segment", segment, 2)
    x = x.reshape(-1, x.shape[-1])
    if x.shape[-1] < n:
        raise ValueError(f"x holds {x.shape[-1]} samples, fewer than one segment of {n}")
    frames = x.unfold(-1, n, n // 2)                                # [C, F, n]
    win = torch.hann_window(n, periodic=True, dtype=torch.float64, device=x.device)
    spec = torch.fft.fft(frames.to(torch.complex128) * win, dim=-1)
    psd = spec.abs().square().mean(dim=(0, 1)) / (sample_rate * win.square().sum())
    freqs = torch.fft.fftfreq(n, d=1.0 / sample_rate, dtype=torch.float64, device=x.device)
    return torch.fft.fftshift(freqs), torch.fft.fftshift(psd)
