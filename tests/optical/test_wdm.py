"""WDM comb on the ITU-T G.694.1 grid, multiplexing and demultiplexing."""

import math

import pytest
import torch

from softran.optical.wdm import flex_slot, itu_grid, wdm_demultiplex, wdm_multiplex


def test_fixed_grid_by_hand():
    f = itu_grid(16, 50.0)
    # G.694.1: 193.1 THz + n * 0.05 THz, n = -7 .. 8
    assert f.dtype == torch.float64
    assert [round(v / 1e9, 3) for v in f.tolist()] == [193100.0 + n * 50.0 for n in range(-7, 9)]
    assert itu_grid(1, 100.0).tolist() == [193.1e12]
    assert [v / 1e9 for v in itu_grid(3, 100.0).tolist()] == pytest.approx(
        [193000.0, 193100.0, 193200.0], abs=1e-6)
    assert [v / 1e9 for v in itu_grid(2, 12.5, n_first=4).tolist()] == pytest.approx(
        [193150.0, 193162.5], abs=1e-6)


def test_flex_grid_by_hand():
    # G.694.1 flexible grid example: n = -5, m = 3 -> 193.06875 THz, slot 37.5 GHz
    centre, width = flex_slot(-5, 3)
    assert centre == pytest.approx(193.06875e12, abs=1e-3)
    assert width == 37.5e9
    f = itu_grid(4, 75.0, flex=True)           # m = 6: n_k = -18, -6, 6, 18
    assert [v / 1e9 for v in f.tolist()] == pytest.approx(
        [193100.0 + n * 6.25 for n in (-18, -6, 6, 18)], abs=1e-6)
    f = itu_grid(2, 50.0, flex=True, n_first=3)   # m = 4: n = 3, 11
    assert [v / 1e9 for v in f.tolist()] == pytest.approx([193118.75, 193168.75], abs=1e-6)


def _bandlimited(shape, n, bins, seed):
    """Random channels whose spectrum occupies only |f| <= bins (exact band limit)."""
    g = torch.Generator().manual_seed(seed)
    spec = torch.zeros(*shape, n, dtype=torch.complex128)
    k = torch.arange(n)
    occ = (k <= bins) | (k >= n - bins)
    spec[..., occ] = torch.randn(*shape, int(occ.sum()), dtype=torch.complex128, generator=g)
    return torch.fft.ifft(spec)


def test_mux_demux_round_trip_exact():
    n, fs = 4096, 512e9                   # bin 125 MHz
    offsets = itu_grid(3, 100.0) - 193.1e12
    x = _bandlimited((2, 3, 2), n, 300, 1)          # [batch, channel, pol, n], +-37.5 GHz
    y = wdm_multiplex(x, offsets, fs)
    assert y.shape == (2, 2, n)
    z = wdm_demultiplex(y, offsets, fs, bandwidth=100e9, decimation=4)
    assert z.shape == (2, 3, 2, n // 4)
    assert torch.allclose(z, x[..., ::4], atol=1e-12)
    z1 = wdm_demultiplex(y, offsets, fs, bandwidth=100e9)
    assert torch.allclose(z1, x, atol=1e-12)


def test_mux_is_sum_of_shifted_channels_brute_force():
    n, fs = 64, 64e9                      # bin 1 GHz
    x = torch.randn(2, 1, n, dtype=torch.complex128, generator=torch.Generator().manual_seed(0))
    y = wdm_multiplex(x, [-5e9, 12e9], fs)
    t = torch.arange(n, dtype=torch.float64) / fs
    ref = (x[0, 0] * torch.exp(-2j * math.pi * 5e9 * t)
           + x[1, 0] * torch.exp(2j * math.pi * 12e9 * t))
    assert torch.allclose(y[0], ref, atol=1e-12)
    # the channel appears at FFT frequency +offset (FFT bin f <-> optical nu_0 + f)
    one = torch.ones(1, 1, n, dtype=torch.complex128)
    spec = torch.fft.fft(wdm_multiplex(one, [12e9], fs))[0].abs()
    assert int(spec.argmax()) == 12


def test_demux_filter_rejects_neighbour():
    n, fs = 1024, 256e9                   # bin 250 MHz
    x = _bandlimited((2, 1), n, 60, 2)              # +-15 GHz channels
    y = wdm_multiplex(x, [-25e9, 25e9], fs)
    z = wdm_demultiplex(y, [-25e9, 25e9], fs, bandwidth=40e9)
    assert torch.allclose(z, x, atol=1e-12)
    z_wide = wdm_demultiplex(y, [-25e9], fs, bandwidth=120e9)  # takes in the neighbour too
    assert not torch.allclose(z_wide[0], x[0], atol=1e-3)


def test_bad_inputs():
    with pytest.raises(ValueError, match="spacing_ghz"):
        itu_grid(4, 37.5)
    with pytest.raises(ValueError, match="slot width"):
        itu_grid(4, 30.0, flex=True)
    with pytest.raises(ValueError, match="n_channels"):
        itu_grid(0)
    with pytest.raises(ValueError, match="m"):
        flex_slot(0, 0)
    x = torch.zeros(2, 2, 64, dtype=torch.complex128)
    with pytest.raises(ValueError, match="whole number of FFT bins"):
        wdm_multiplex(x, [0.0, 1.5e9], 64e9)
    with pytest.raises(ValueError, match="one per channel"):
        wdm_multiplex(x, [0.0], 64e9)
    with pytest.raises(ValueError, match="inside"):
        wdm_multiplex(x, [0.0, 40e9], 64e9)
    with pytest.raises(TypeError, match="complex"):
        wdm_multiplex(x.real, [0.0, 1e9], 64e9)
    with pytest.raises(ValueError, match="decimation"):
        wdm_demultiplex(x[0], [0.0], 64e9, 10e9, decimation=3)
    with pytest.raises(ValueError, match="bandwidth"):
        wdm_demultiplex(x[0], [0.0], 64e9, 40e9, decimation=2)
