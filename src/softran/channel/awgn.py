"""Additive white Gaussian noise and SNR conversions.

SNR convention (TS 38.104 §8 performance requirements, as applied by the conformance
implementations, see ``conformance.md`` §0.1): the SNR is **per resource element and
per receive antenna**, ``SNR = E[|s|^2] / N0`` where ``E[|s|^2]`` is the average received
signal energy per RE at one antenna (unit average channel power) and ``N0`` the noise
energy per RE at that antenna. When the noise is added in the time domain after an
OFDM modulator, ``N0`` must be rescaled by the modulator's normalisation (with an
orthonormal IFFT, ``norm="ortho"``, the per-RE and per-sample variances are equal).
"""

from __future__ import annotations

import math
import numbers

import torch

from softran.validation import check_finite, check_int, check_positive, check_variance

__all__ = ["AWGN", "noise_variance", "ebn0_from_esn0", "esn0_from_ebn0"]

Number = float | torch.Tensor


def _check_real(name: str, value: object) -> Number:
    if isinstance(value, torch.Tensor):
        if value.is_complex() or not (value.is_floating_point()):
            raise TypeError(f"{name} must be a real floating tensor, got dtype {value.dtype}")
        return value
    if isinstance(value, bool) or not isinstance(value, numbers.Real):
        raise TypeError(f"{name} must be a real number or tensor, got {type(value).__name__}")
    if not math.isfinite(float(value)):
        raise ValueError(f"{name} = {value} is not allowed; it must be finite")
    return float(value)


def noise_variance(snr_db: Number, signal_power: float = 1.0) -> Number:
    """Noise variance ``N0 = signal_power * 10**(-snr_db/10)`` for an SNR per RE per
    receive antenna (TS 38.104 §8 SNR definition).

    Args:
        snr_db: SNR in dB, a float or a real tensor of any shape.
        signal_power: average signal energy per RE per receive antenna (> 0).

    Returns:
        ``N0`` with the type and shape of ``snr_db``.

    >>> noise_variance(10.0)
    0.1
    >>> noise_variance(torch.tensor([0.0, 3.0]), signal_power=2.0)
    tensor([2.0000, 1.0024])
    """
    snr_db = _check_real("snr_db", snr_db)
    signal_power = check_positive("signal_power", signal_power)
    if isinstance(snr_db, torch.Tensor):
        return signal_power * torch.pow(10.0, -snr_db / 10.0)
    return signal_power * 10.0 ** (-snr_db / 10.0)


def _rate_db(bits_per_symbol: int, code_rate: float) -> float:
    q = check_int("bits_per_symbol", bits_per_symbol, 1)
    r = check_positive("code_rate", code_rate)
    if r > 1.0:
        raise ValueError(f"code_rate = {r} is not allowed; allowed: 0 < code_rate <= 1")
    return 10.0 * math.log10(q * r)


def ebn0_from_esn0(esn0_db: Number, bits_per_symbol: int, code_rate: float = 1.0) -> Number:
    """Eb/N0 in dB from Es/N0 in dB: ``Eb/N0 = Es/N0 - 10 log10(Qm * R)``.

    ``Es`` is the energy per modulation symbol (= per RE for one layer), ``Qm`` the bits
    per symbol (TS 38.211 §5.1) and ``R`` the code rate (information bits per coded bit).

    >>> round(ebn0_from_esn0(10.0, bits_per_symbol=2, code_rate=0.5), 6)
    10.0
    >>> round(ebn0_from_esn0(10.0, bits_per_symbol=4), 4)
    3.9794
    """
    return _check_real("esn0_db", esn0_db) - _rate_db(bits_per_symbol, code_rate)


def esn0_from_ebn0(ebn0_db: Number, bits_per_symbol: int, code_rate: float = 1.0) -> Number:
    """Es/N0 in dB from Eb/N0 in dB: ``Es/N0 = Eb/N0 + 10 log10(Qm * R)`` (inverse of
    :func:`ebn0_from_esn0`; Q_m of TS 38.211 §5.1, R of TS 38.214 §5.1.3.1).

    >>> round(esn0_from_ebn0(3.9794, bits_per_symbol=4), 4)
    10.0
    """
    return _check_real("ebn0_db", ebn0_db) + _rate_db(bits_per_symbol, code_rate)


class AWGN(torch.nn.Module):
    """Add circular complex Gaussian noise ``n ~ CN(0, noise_var)`` (the noise of the TS 38.104
    SNR definition: N0 per RE per receive antenna, see :func:`noise_variance`).

    Real and imaginary parts are independent with variance ``noise_var / 2`` each, so
    ``E|n|^2 = noise_var`` (the N0 of :func:`noise_variance`).

    Args:
        seed: seed of the block's own generator; ``None`` uses torch's global generator.

    Shapes: ``x`` complex ``[...]``, finite; ``noise_var`` a float >= 0 or a real tensor
    broadcastable to ``x``, finite and >= 0 (NaN and inf are refused, see
    :func:`softran.validation.check_finite`); output like ``x``.

    >>> awgn = AWGN(seed=1)
    >>> y = awgn(torch.zeros(100_000, dtype=torch.complex64), 0.5)
    >>> round(float(y.abs().pow(2).mean()), 1)
    0.5
    """

    def __init__(self, seed: int | None = None) -> None:
        super().__init__()
        self.seed = None if seed is None else check_int("seed", seed, 0)
        self._generator: torch.Generator | None = None
        self.reset()

    def reset(self) -> None:
        """Restart the noise sequence from ``seed``."""
        self._generator = None
        if self.seed is not None:
            self._generator = torch.Generator(device="cpu")
            self._generator.manual_seed(self.seed)

    def forward(self, x: torch.Tensor, noise_var: Number) -> torch.Tensor:
        x = check_finite("x", x)
        if not x.is_complex():
            raise TypeError(f"x must be a complex tensor, got dtype {x.dtype}")
        noise_var = check_variance("noise_var", noise_var)
        if isinstance(noise_var, torch.Tensor):
            try:
                torch.broadcast_shapes(noise_var.shape, x.shape)
            except RuntimeError as err:
                raise ValueError(f"noise_var of shape {tuple(noise_var.shape)} does not "
                                 f"broadcast to x of shape {tuple(x.shape)}") from err
            scale = noise_var.to(x.device).sqrt()
        else:
            scale = math.sqrt(noise_var)
        # torch's complex randn has E|n|^2 = 1 with independent halves of variance 1/2
        n = torch.randn(x.shape, dtype=x.dtype, generator=self._generator)
        return x + (n.to(x.device) * scale).to(x.dtype)
