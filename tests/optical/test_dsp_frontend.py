"""Coherent front end (Kikuchi 2016): hybrid + balanced detection by hand, ADC SQNR."""

import math

import pytest
import torch

from softran.optical.frontend import adc_quantize, coherent_frontend


def test_balanced_detection_by_hand():
    g = torch.Generator().manual_seed(1)
    e = torch.complex(torch.randn(2, 100, generator=g, dtype=torch.float64),
                      torch.randn(2, 100, generator=g, dtype=torch.float64)) * 1e-3
    # a LO with phase 0.3 rad, 4 mW split over two pols
    lo = torch.polar(torch.full((2, 100), math.sqrt(2e-3), dtype=torch.float64),
                     torch.full((2, 100), 0.3, dtype=torch.float64))
    out = coherent_frontend(e, lo, responsivity=0.8, dtype=torch.complex128)
    assert torch.allclose(out, 0.8 * e * lo.conj(), atol=1e-15)
    cw = coherent_frontend(e, lo_power=4e-3, responsivity=0.8, dtype=torch.complex128)
    assert torch.allclose(cw, 0.8 * math.sqrt(2e-3) * e, atol=1e-15)
    # single polarisation: the whole LO power
    one = coherent_frontend(e[:1], lo_power=4e-3, dtype=torch.complex128)
    assert torch.allclose(one, math.sqrt(4e-3) * e[:1], atol=1e-15)


def test_lo_frequency_offset_appears_in_baseband():
    n, fs, df = 256, 64e9, 1e9
    t = torch.arange(n, dtype=torch.float64) / fs
    e = torch.full((2, n), 1e-3 + 0j, dtype=torch.complex128)
    lo = torch.polar(torch.full((2, n), math.sqrt(5e-4), dtype=torch.float64), 2 * math.pi * df * t)
    out = coherent_frontend(e, lo, dtype=torch.complex128)
    phase = (out[..., 1:] * out[..., :-1].conj()).angle()
    assert torch.allclose(phase, torch.full_like(phase, -2 * math.pi * df / fs), atol=1e-9)


@pytest.mark.parametrize("bits", [4, 6, 8])
def test_adc_sqnr_uniform_quantiser(bits):
    """SQNR of a Gaussian rail = 3 4^b / CR^2 when clipping is negligible (CR = 5)."""
    g = torch.Generator().manual_seed(bits)
    x = torch.complex(torch.randn(200_000, generator=g, dtype=torch.float64),
                      torch.randn(200_000, generator=g, dtype=torch.float64))
    q = adc_quantize(x, bits, clipping_ratio=5.0)
    sqnr = 10 * math.log10(x.abs().square().mean() / (q - x).abs().square().mean())
    assert sqnr == pytest.approx(10 * math.log10(3 * 4 ** bits / 25), abs=0.15)
    levels = torch.unique(q.real)
    assert levels.numel() <= 2 ** bits


def test_frontend_adc_option():
    x = torch.randn(2, 1000, dtype=torch.complex128,
            generator=torch.Generator().manual_seed(1020)) * 1e-3
    out = coherent_frontend(x, adc_bits=3, clipping_ratio=2.0)
    assert torch.unique(out.real[0]).numel() <= 8 and out.dtype == torch.complex64


def test_bad_inputs():
    e = torch.zeros(2, 8, dtype=torch.complex64)
    with pytest.raises(ValueError, match="n_pol"):
        coherent_frontend(torch.zeros(3, 8, dtype=torch.complex64))
    with pytest.raises(ValueError, match="lo_power"):
        coherent_frontend(e, lo_power=0.0)
    with pytest.raises(ValueError, match="lo_field"):
        coherent_frontend(e, torch.zeros(3, 8, dtype=torch.complex64))
    with pytest.raises(ValueError, match="adc_bits"):
        coherent_frontend(e, adc_bits=0)
    with pytest.raises(ValueError, match="clipping_ratio"):
        adc_quantize(e, 4, clipping_ratio=-1.0)
    with pytest.raises(TypeError, match="complex"):
        coherent_frontend(torch.zeros(2, 8))
