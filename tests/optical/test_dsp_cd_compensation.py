"""CD compensation (Savory 2008): analytic Gaussian pulse, overlap-save, filter length."""

import math

import pytest
import torch

from softran.optical import fibre
from softran.optical.constants import SPEED_OF_LIGHT
from softran.optical.dsp import cd_compensate, cd_filter_length, cd_transfer_function

D = 17e-6          # 17 ps/(nm km) in s/m^2
LAM = 1550e-9


def beta2(d=D):
    return -d * LAM ** 2 / (2 * math.pi * SPEED_OF_LIGHT)


def gaussian(t, t0, z):
    """Agrawal eq. (3.2.7): A(z,T) = T0/sqrt(T0^2 - j beta2 z) exp(-T^2 / (2 (T0^2 - j beta2 z)))."""
    q = t0 ** 2 - 1j * beta2() * z
    return t0 / torch.sqrt(torch.as_tensor(q, dtype=torch.complex128)) * torch.exp(-t ** 2 / (2 * q))


@pytest.mark.parametrize("z", [20e3, 80e3])
def test_inverts_analytic_gaussian_dispersion(z):
    fs, n, t0 = 1e12, 4096, 5e-12
    t = ((torch.arange(n) - n // 2) / fs).to(torch.complex128)
    dispersed = gaussian(t, t0, z)
    assert dispersed.abs().max() < 0.9              # it really is broadened
    rec = cd_compensate(dispersed[None], fs, D, z)[0]
    assert torch.allclose(rec, gaussian(t, t0, 0.0), atol=1e-6)
    # and applying dispersion (negative D) to the input pulse gives the analytic output
    fwd = cd_compensate(gaussian(t, t0, 0.0)[None], fs, -D, z)[0]
    assert torch.allclose(fwd, dispersed, atol=1e-6)


def test_matches_fibre_module_convention():
    """The compensating filter is the inverse of fibre.py's dispersion (beta3 = loss = 0)."""
    span = fibre.FibreSpan(length_km=50.0, alpha_db_km=0.0, dispersion=17.0, slope=0.0)
    h_f = fibre.dispersion_transfer_function(span, 256, 64e9)
    h_c = cd_transfer_function(256, 64e9, 17e-6, 50e3, dtype=torch.complex128)
    # fibre.py adds the beta3 term (odd in omega) that cd_compensate leaves out: the product's
    # phase must be odd, i.e. r(omega) r(-omega) = 1, and its even part must cancel
    r = h_f * h_c
    r_pos, r_neg = r[1:128], r[129:].flip(0)            # +-omega (bin 128 is -fs/2 alone)
    assert torch.allclose(r_pos * r_neg, torch.ones(127, dtype=torch.complex128), atol=1e-9)
    assert abs(r[0] - 1) < 1e-12


def test_filter_length_by_hand():
    # |D| lambda^2 L fs^2 / (2 c) = 17e-6 * 2.4025e-12 * 1e6 * 4.096e21 / 5.99584916e8 = 279.0
    assert cd_filter_length(17e-6, 1000e3, 64e9) == 2 * 279 + 1
    # 2 pi |beta2| L fs^2 / 2 is the same spread
    spread = math.pi * abs(beta2()) * 1000e3 * 64e9 ** 2
    assert cd_filter_length(-17e-6, 1000e3, 64e9) == 2 * math.floor(spread) + 1
    assert cd_filter_length(17e-6, 0.0, 64e9) == 1


def test_overlap_save_matches_full_fft():
    g = torch.Generator().manual_seed(3)
    fs, z = 64e9, 500e3
    n = 8192
    x = torch.complex(torch.randn(2, n, generator=g), torch.randn(2, n, generator=g))
    x = x.to(torch.complex128)
    n_cd = cd_filter_length(D, z, fs)
    y_full = cd_compensate(x, fs, D, z)
    y_ols = cd_compensate(x, fs, D, z, fft_size=4 * n_cd)
    core = slice(n_cd, n - n_cd)         # away from the circular/linear edge difference
    err = (y_ols[:, core] - y_full[:, core]).abs().square().mean() / y_full.abs().square().mean()
    assert err < 1e-3
    assert y_ols.shape == x.shape


def test_allpass_preserves_energy_and_dtype():
    x = torch.randn(3, 2, 1000, dtype=torch.complex64,
            generator=torch.Generator().manual_seed(1019))
    y = cd_compensate(x, 64e9, D, 1e6)
    assert y.dtype == torch.complex64 and y.shape == x.shape
    assert torch.allclose(y.abs().square().sum(), x.abs().square().sum(), rtol=1e-4)


def test_bad_inputs():
    x = torch.zeros(2, 16, dtype=torch.complex64)
    with pytest.raises(TypeError, match="x"):
        cd_compensate(torch.zeros(2, 16), 64e9, D, 1e3)
    with pytest.raises(ValueError, match="length"):
        cd_compensate(x, 64e9, D, -1.0)
    with pytest.raises(ValueError, match="fs"):
        cd_compensate(x, 0.0, D, 1e3)
    with pytest.raises(ValueError, match="fft_size"):
        cd_compensate(x, 64e9, D, 1000e3, fft_size=64)
    with pytest.raises(TypeError, match="D"):
        cd_compensate(x, 64e9, "17", 1e3)


def test_fft_sizes_beyond_memory_are_refused():
    with pytest.raises(ValueError, match=r"^n_fft = 1000000000000 would need"):
        cd_transfer_function(10**12, 64e9, 17e-6, 1e3)
    x = torch.ones(2, 64, dtype=torch.complex64)
    with pytest.raises(ValueError, match=r"^fft_size = 1000000000000 would need"):
        cd_compensate(x, 64e9, 17e-6, 1e3, fft_size=10**12)
