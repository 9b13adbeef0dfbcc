"""Minimal DP-QAM signal helpers for the DSP tests (independent of transmitter.py)."""

from __future__ import annotations

import math

import torch

from softran.nr.modulation import bits_per_symbol, symbol_modulate
from softran.optical.dsp.matched_filter import rrc_taps


def dp_qam(modulation: str, n_sym: int, gen: torch.Generator, n_pol: int = 2):
    """(bits [n_pol, n_sym Qm] uint8, symbols [n_pol, n_sym] complex128)."""
    q = bits_per_symbol(modulation)
    bits = torch.randint(0, 2, (n_pol, n_sym * q), generator=gen, dtype=torch.uint8)
    return bits, symbol_modulate(bits, modulation).to(torch.complex128)


def shape(symbols: torch.Tensor, sps: int, rolloff: float, span: int = 64) -> torch.Tensor:
    """Circular RRC pulse shaping; sample k*sps carries symbol k; mean power = symbol power."""
    n = symbols.shape[-1] * sps
    up = torch.zeros(*symbols.shape[:-1], n, dtype=torch.complex128)
    up[..., ::sps] = symbols
    h = rrc_taps(rolloff, sps, span) * math.sqrt(sps)
    half = (h.numel() - 1) // 2
    g = torch.zeros(n, dtype=torch.float64).index_add_(0, torch.arange(-half, half + 1) % n, h)
    return torch.fft.ifft(torch.fft.fft(up) * torch.fft.fft(g))


def awgn(x: torch.Tensor, snr_db: float, sps: int, gen: torch.Generator) -> torch.Tensor:
    """Add complex white noise for Es/N0 = snr_db per polarisation: sigma^2 = P sps / SNR."""
    p = x.abs().square().mean(-1, keepdim=True)
    var = p * sps / 10 ** (snr_db / 10)
    n = torch.complex(torch.randn(x.shape, generator=gen, dtype=torch.float64),
                      torch.randn(x.shape, generator=gen, dtype=torch.float64))
    return x + n * (var / 2).sqrt()


def ber_tolerance(p: float, n_bits: int, k: float = 5.0) -> float:
    """k standard deviations of a binomial BER estimate (errors assumed independent)."""
    return k * math.sqrt(p * (1 - p) / n_bits)
