"""Modulation compression, udCompMeth 4 (O-RAN.WG4.CUS.0 Annex A.5), and the 15-bit
modCompScaler format of C-plane section extensions 4 and 5 (clause 7.7.4.3).

The O-DU sends each I and Q as the ``w``-bit constellation code ``c``; the O-RU reconstructs
``(c / 2^(w-1) + csf 2^-w) * modCompScaler * sqrt(2)`` as a fraction of full scale, with
``csf`` and ``modCompScaler`` from the C-plane (not in the U-plane bytes).
:func:`modulation_compression_params` gives the parameters that carry a TS 38.211 §5.1
constellation exactly. The entry points for IQ are :func:`~softran.oran.compression.compress`
/ :func:`~softran.oran.compression.decompress`.
"""

from __future__ import annotations

import math

import torch

from softran.nr import bits_per_symbol
from softran.oran.fixed_point import NATIVE_BITS
from softran.validation import check_int, check_positive

__all__ = [
    "mod_comp_scaler_code",
    "mod_comp_scaler_value",
    "modulation_compress",
    "modulation_compression_params",
    "modulation_expand",
]


def mod_comp_scaler_code(value: float) -> int:
    """15-bit modCompScaler code for a scale in (0, 1): 4-bit exponent | 11-bit mantissa.

    O-RAN.WG4.CUS.0 clause 7.7.4.3 (section extension 4): value = mantissa * 2^-11 *
    2^-exponent. The mantissa is normalised (>= 1024) where the exponent allows, and
    rounded to nearest; values that round to 1.0 or below 2^-26 are a ``ValueError``.

    >>> mod_comp_scaler_code(0.75), mod_comp_scaler_code(0.25)
    (1536, 3072)
    """
    value = check_positive("mod_comp_scaler", value)
    if value >= 1.0:
        raise ValueError(f"mod_comp_scaler = {value} is not allowed; it must be in (0, 1)")
    frac, k = math.frexp(value)            # value = frac * 2^k, frac in [0.5, 1), k <= 0
    exponent = -k
    mantissa = round(frac * 2048)
    if mantissa == 2048:                   # rounded up to the next power of two
        mantissa, exponent = 1024, exponent - 1
    if exponent > 15:                      # denormalise into the 4-bit exponent
        mantissa = round(value * 2048 * 2 ** 15)
        exponent = 15
    if exponent < 0 or mantissa == 0:
        raise ValueError(f"mod_comp_scaler = {value} is not representable as a 15-bit "
                         "modCompScaler (4-bit exponent, 11-bit mantissa, value < 1)")
    return (exponent << 11) | mantissa


def mod_comp_scaler_value(code: int) -> float:
    """Scale value of a 15-bit modCompScaler code (inverse of :func:`mod_comp_scaler_code`).

    >>> mod_comp_scaler_value(1536), mod_comp_scaler_value((3 << 11) | 1536)
    (0.75, 0.09375)
    """
    code = check_int("mod_comp_scaler code", code, 0, 0x7FFF)
    return (code & 0x7FF) / 2048 / 2 ** (code >> 11)


def modulation_compression_params(modulation: str, amplitude: float = 0.5
                                  ) -> tuple[int, bool, float]:
    """(udIqWidth, csf, modCompScaler) that carry a TS 38.211 §5.1 constellation exactly.

    The O-RU reconstructs each axis as ``(c / 2^(w-1) + csf 2^-w) * modCompScaler * sqrt(2)``
    (O-RAN.WG4.CUS.0 Annex A.5). With ``csf = 1`` and ``w = Q_m / 2`` bits per axis (``w =
    1`` for QPSK and (pi/2-)BPSK, whose points are QPSK points) the code ``c = (L - 1) / 2``
    of a PAM level ``L in {+-1, +-3, ..}`` decodes to ``L 2^-w modCompScaler sqrt(2)``, so
    ``modCompScaler = amplitude 2^w / (sqrt(2) sqrt(2 (M - 1) / 3))`` reproduces the unit-power
    constellation times ``amplitude`` (a fraction of full scale; it must give a scaler < 1).

    >>> modulation_compression_params("16QAM", 0.5)
    (2, True, 0.4472135954999579)
    """
    qm = bits_per_symbol(modulation)
    amplitude = check_positive("amplitude", amplitude)
    w = max(qm // 2, 1)
    norm = 2 * (4 ** w - 1) / 3            # 2, 10, 42, 170, 682
    scaler = amplitude * 2 ** w / (math.sqrt(2) * math.sqrt(norm))
    if scaler >= 1.0:
        raise ValueError(f"amplitude = {amplitude} needs modCompScaler = {scaler:.4f}, which "
                         "is not < 1; choose a smaller amplitude")
    return w, True, scaler


def modulation_compress(iq: torch.Tensor, width: int, csf: bool, scaler: float | None,
                        full_scale: float | None) -> tuple[torch.Tensor, int]:
    """Constellation codes int16 ``[..., n_prb, 12, 2]`` of validated complex IQ, and the
    15-bit modCompScaler code of ``scaler`` (Annex A.5; ``full_scale=None``: the IQ is read as
    16-bit-domain values). A value that maps outside the ``width``-bit code range is a
    ``ValueError``; other values are rounded to the nearest code.

    >>> x = 0.5 / math.sqrt(2)              # a QPSK point at half full scale, scaler 0.5
    >>> codes, code = modulation_compress(torch.full((1, 12), complex(x, -x)), 1, True, 0.5, 1.0)
    >>> codes[0, 0].tolist(), code
    ([0, -1], 1024)
    """
    if scaler is None:
        raise ValueError("mod_comp_scaler is required for 'modulation' (see "
                         "modulation_compression_params)")
    code = mod_comp_scaler_code(scaler)
    s = mod_comp_scaler_value(code)
    x = torch.view_as_real(iq.to(torch.complex128))
    frac = x / (full_scale if full_scale is not None else 2.0 ** (NATIVE_BITS - 1))
    y = frac / (s * math.sqrt(2)) - (2.0 ** -width if csf else 0.0)
    c = _round_half_away(y * 2.0 ** (width - 1))
    low, high = -(1 << (width - 1)), (1 << (width - 1)) - 1
    bad = ~((c >= low) & (c <= high))
    if bool(bad.any()):
        raise ValueError(f"iq value {frac[bad][0].item():.6g} (fraction of full scale) maps to "
                         f"code {c[bad][0].item():.0f}, outside {low}..{high} for udIqWidth "
                         f"{width}, csf {int(csf)}, modCompScaler {s}")
    return c.to(torch.int16), code


def modulation_expand(m: torch.Tensor, width: int, csf: bool, mod_comp_scaler: int,
                      full_scale: float | None) -> torch.Tensor:
    """complex64 ``[..., n_prb, 12]`` of codes ``[..., n_prb, 12, 2]``:
    ``(c / 2^(w-1) + csf 2^-w) * modCompScaler * sqrt(2)`` times the full scale (Annex A.5).

    >>> modulation_expand(torch.tensor([[[0, -1]] * 12]), 1, True, 1024, 1.0)[0, 0]
    tensor(0.3536-0.3536j)
    """
    s = mod_comp_scaler_value(mod_comp_scaler)
    frac = (m.to(torch.float64) / 2.0 ** (width - 1) + (2.0 ** -width if csf else 0.0))
    frac = frac * (s * math.sqrt(2))
    scale = full_scale if full_scale is not None else 2.0 ** (NATIVE_BITS - 1)
    return torch.view_as_complex((frac * scale).to(torch.float32).contiguous())


def _round_half_away(x: torch.Tensor) -> torch.Tensor:
    return torch.sign(x) * torch.floor(x.abs() + 0.5)
