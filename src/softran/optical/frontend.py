"""Coherent receiver front end: polarisation-diverse 90-degree hybrid, balanced detection,
optional ADC (Kikuchi, JLT 34(1) 2016, §III, eqs. (8)-(13); Savory 2010 §II, Fig. 1).

Per polarisation ``p`` the signal ``E_s,p`` and the local oscillator ``E_LO,p`` enter a
2x4 90-degree hybrid whose outputs are ``(E_s + E_LO)/2``, ``(E_s - E_LO)/2``,
``(E_s + j E_LO)/2`` and ``(E_s - j E_LO)/2``; two balanced photodiode pairs of responsivity
``R`` give

    I_p = R (|E_s + E_LO|^2 - |E_s - E_LO|^2) / 4 = R Re(E_s conj(E_LO))
    Q_p = R (|E_s + j E_LO|^2 - |E_s - j E_LO|^2) / 4 = R Im(E_s conj(E_LO))

so ``I_p + j Q_p = R E_s,p conj(E_LO,p)``: the direct-detection terms ``|E_s|^2`` and
``|E_LO|^2`` cancel in the balanced pairs (they are computed here, from the four photodiode
powers, and subtracted, as in the device). A polarisation beam splitter separates X and Y of
the signal; the LO is split equally, ``E_LO,p = sqrt(P_LO / 2) e^{j phi_LO}`` for a CW LO, or
the caller supplies ``lo_field`` (e.g. with phase noise and a frequency offset).

ADC (optional): each of the four real rails is quantised by a uniform mid-rise quantiser with
``2^adc_bits`` levels whose full scale is ``+-clipping_ratio * rms`` of that rail (rms over
the samples of the rail); values beyond full scale saturate at the outermost level. This is
the converter's clipping, modelled on purpose, and ``clipping_ratio`` sets it explicitly.
Quantisation SNR for a Gaussian-like rail: ``3 * 4^b / clipping_ratio^2`` (plus clipping).
Shot and thermal noise are not modelled (add them to the output if needed).
"""

from __future__ import annotations

import math

import torch

from softran.optical.qam import check_signal
from softran.validation import check_int, check_positive

__all__ = ["adc_quantize", "coherent_frontend"]


def adc_quantize(x: torch.Tensor, adc_bits: int, clipping_ratio: float = 4.0) -> torch.Tensor:
    """Uniform mid-rise quantisation of the real and imaginary rails (see module docstring).

    Args:
        x: ``[..., n]`` complex; each rail's rms is taken over the last dimension.
        adc_bits: resolution ``b`` (1..16).
        clipping_ratio: full scale over rms (> 0).

    Returns:
        ``[..., n]`` complex, values on the grid ``(k + 1/2) Delta``, ``Delta = 2 FS / 2^b``.

    >>> x = torch.tensor([0.3 + 1.0j, -0.3 - 1.0j], dtype=torch.complex64)
    >>> adc_quantize(x, 2, clipping_ratio=1.0)     # rms 0.3 / 1.0: levels +-FS/4, +-3FS/4
    tensor([ 0.2250+0.7500j, -0.2250-0.7500j])
    """
    x = check_signal("x", x, min_dim=1)
    adc_bits = check_int("adc_bits", adc_bits, 1, 16)
    clipping_ratio = check_positive("clipping_ratio", clipping_ratio)
    n_levels = 2 ** adc_bits

    def rail(v: torch.Tensor) -> torch.Tensor:
        fs = clipping_ratio * v.square().mean(-1, keepdim=True).sqrt()
        step = 2 * fs / n_levels
        safe = torch.where(step > 0, step, torch.ones_like(step))
        k = torch.floor(v / safe).clamp(-n_levels // 2, n_levels // 2 - 1)
        return torch.where(step > 0, (k + 0.5) * safe, v)

    return torch.complex(rail(x.real), rail(x.imag))


def coherent_frontend(field: torch.Tensor, lo_field: torch.Tensor | None = None, *,
                      lo_power: float = 1e-3, responsivity: float = 1.0,
                      adc_bits: int | None = None, clipping_ratio: float = 4.0,
                      dtype: torch.dtype = torch.complex64) -> torch.Tensor:
    """Polarisation-diverse coherent detection: 90-degree hybrids, balanced photodiodes and
    an optional ADC (Kikuchi 2016 eqs. (8)-(13)).

    Args:
        field: ``[..., n_pol, n]`` received optical field in sqrt(W) (n_pol 1 or 2).
        lo_field: LO field ``[..., n_pol, n]`` (or broadcastable, e.g. ``[..., 1, n]`` is split
            equally over the polarisations by the caller's choice of amplitude) in sqrt(W);
            default a CW LO of ``lo_power`` split equally: ``sqrt(lo_power / n_pol)`` per pol.
        lo_power: CW LO power [W] (used when ``lo_field`` is None).
        responsivity: photodiode responsivity R [A/W].
        adc_bits: ADC resolution, or None for no quantisation.
        clipping_ratio: ADC full scale over the rms of each rail.
        dtype: output complex dtype.

    Returns:
        ``[..., n_pol, n]`` photocurrents ``I + jQ`` [A] ``= R E_s conj(E_LO)`` (quantised if
        ``adc_bits``).

    >>> e = torch.tensor([[1e-3 + 0j], [0 + 2e-3j]], dtype=torch.complex128)    # sqrt(W)
    >>> coherent_frontend(e, lo_power=2e-3, responsivity=0.5) * 1e6             # uA
    tensor([[15.8114+0.0000j],
            [ 0.0000+31.6228j]])
    """
    field = check_signal("field", field, min_dim=2)
    n_pol = field.shape[-2]
    if n_pol not in (1, 2):
        raise ValueError(f"field has n_pol = {n_pol} (shape {tuple(field.shape)}); "
                         "allowed: 1, 2")
    responsivity = check_positive("responsivity", responsivity)
    if lo_field is None:
        lo_power = check_positive("lo_power", lo_power)
        lo = torch.full((), math.sqrt(lo_power / n_pol), dtype=field.dtype, device=field.device)
    else:
        lo = check_signal("lo_field", lo_field, min_dim=1).to(device=field.device)
        try:
            torch.broadcast_shapes(lo.shape, field.shape)
        except RuntimeError:
            raise ValueError(f"lo_field of shape {tuple(lo.shape)} does not broadcast to field "
                             f"of shape {tuple(field.shape)}") from None
    e_s = field.to(torch.complex128)
    e_lo = lo.to(torch.complex128)
    p1 = (e_s + e_lo).abs().square() / 4
    p2 = (e_s - e_lo).abs().square() / 4
    p3 = (e_s + 1j * e_lo).abs().square() / 4
    p4 = (e_s - 1j * e_lo).abs().square() / 4
    out = torch.complex(responsivity * (p1 - p2), responsivity * (p3 - p4))
    if adc_bits is not None:
        out = adc_quantize(out, adc_bits, clipping_ratio)
    return out.to(dtype)
