"""The Numba OFDM demodulation (window copy, one FFT into a reused workspace, subcarrier
selection with phase correction) agrees with the torch reference of ofdm_demodulate."""

from __future__ import annotations

import threading

import numpy as np
import pytest
import torch
from hypothesis import given, settings
from hypothesis import strategies as st
from kernel_paths import kernel_then_reference

from softran.nr import CarrierConfig, ofdm, ofdm_demodulate, ofdm_info, ofdm_modulate


def _both(fn):  # kernel path on, then the torch reference
    return kernel_then_reference(ofdm, fn)


def _close(a: torch.Tensor, b: torch.Tensor) -> None:
    assert a.shape == b.shape and a.dtype == b.dtype == torch.complex64
    # the same FFT of the same samples; the phase corrections are the reference's own
    assert torch.allclose(a, b, rtol=0, atol=1e-6 * float(b.abs().max())), float(
        (a - b).abs().max())


@pytest.mark.parametrize(("scs", "cp", "n_prb", "nfft", "n_slot", "extra"), [
    (30, "normal", 51, 1024, 0, 0), (30, "normal", 51, 1024, 1, 100), (15, "normal", 52, 1536, 3, 0),
    (60, "extended", 24, 512, 2, 7), (120, "normal", 66, 1024, 5, 0), (15, "normal", 1, 128, 0, 3)])
@pytest.mark.parametrize("cp_fraction", [0.0, 0.5, 1.0])
def test_kernel_equals_torch(scs: int, cp: str, n_prb: int, nfft: int, n_slot: int,
                             extra: int, cp_fraction: float) -> None:
    carrier = CarrierConfig(subcarrier_spacing=scs, cyclic_prefix=cp, n_size_grid=n_prb,
                            n_slot=n_slot)
    gen = torch.Generator().manual_seed(n_prb + nfft)
    n_sym = carrier.symbols_per_slot
    grid = torch.randn(2, 2, n_sym, 12 * n_prb, dtype=torch.complex64, generator=gen)
    wave = ofdm_modulate(grid, carrier, nfft=nfft)
    wave = torch.cat((wave, torch.randn(2, 2, extra, dtype=torch.complex64, generator=gen)), -1)
    wave = wave + 0.1 * torch.randn(wave.shape, dtype=wave.dtype, generator=gen)
    a, b = _both(lambda: ofdm_demodulate(wave, carrier, nfft=nfft, cp_fraction=cp_fraction))
    _close(a, b)
    a, b = _both(lambda: ofdm_demodulate(wave, carrier, nfft=nfft, cp_fraction=cp_fraction,
                                         carrier_frequency=3.5e9))
    _close(a, b)


@settings(max_examples=25, deadline=None)
@given(st.integers(0, 3), st.booleans(), st.integers(1, 30), st.integers(0, 2 ** 31 - 1),
       st.integers(1, 3), st.integers(0, 2))
def test_kernel_equals_torch_property(mu: int, extended: bool, n_prb: int, seed: int,
                                      n_rows: int, n_slot: int) -> None:
    cp = "extended" if extended and mu == 2 else "normal"
    carrier = CarrierConfig(subcarrier_spacing=15 << mu, cyclic_prefix=cp, n_size_grid=n_prb,
                            n_slot=n_slot)
    info = ofdm_info(carrier)
    gen = torch.Generator().manual_seed(seed)
    t = sum(info.slot_cyclic_prefix_lengths(n_slot)) + info.symbols_per_slot * info.nfft
    wave = torch.randn(n_rows, t + seed % 50, dtype=torch.complex64, generator=gen)
    _close(*_both(lambda: ofdm_demodulate(wave, carrier)))


def test_workspace_is_reused_and_the_result_is_not() -> None:
    carrier = CarrierConfig(subcarrier_spacing=30, n_size_grid=24)
    gen = torch.Generator().manual_seed(1)
    info = ofdm_info(carrier)
    t = sum(info.slot_cyclic_prefix_lengths(0)) + 14 * info.nfft
    w1 = torch.randn(1, 2, t, dtype=torch.complex64, generator=gen)
    w2 = torch.randn(1, 2, t, dtype=torch.complex64, generator=gen)
    g1 = ofdm_demodulate(w1, carrier)
    keep = g1.clone()
    n_work = len(ofdm._WORKSPACES)
    g2 = ofdm_demodulate(w2, carrier)
    assert len(ofdm._WORKSPACES) == n_work           # the same workspace again
    assert torch.equal(g1, keep) and not torch.equal(g1, g2)
    # another thread gets its own workspace and the same result
    out = []
    th = threading.Thread(target=lambda: out.append(ofdm_demodulate(w1, carrier)))
    th.start()
    th.join()
    assert torch.equal(out[0], g1)


def test_kernel_refuses_non_finite_samples_anywhere() -> None:
    carrier = CarrierConfig(subcarrier_spacing=30, n_size_grid=24)
    info = ofdm_info(carrier)
    t = sum(info.slot_cyclic_prefix_lengths(0)) + 14 * info.nfft
    for pos in (3, t - 1):                            # in a cyclic prefix, at the very end
        w = torch.zeros(1, t, dtype=torch.complex64)
        w[0, pos] = float("nan")
        with pytest.raises(ValueError, match="waveform contains NaN"):
            ofdm_demodulate(w, carrier)


@pytest.mark.parametrize("fields, kw", [
    (dict(subcarrier_spacing=30, n_size_grid=51), {}),
    (dict(subcarrier_spacing=15, n_size_grid=25, n_slot=1), dict(cp_fraction=0.25)),
    (dict(subcarrier_spacing=60, n_size_grid=11, cyclic_prefix="extended", n_slot=3),
     dict(nfft=256, carrier_frequency=3.5e9)),
    (dict(subcarrier_spacing=30, n_size_grid=24, n_slot=7), dict(nfft=1024, cp_fraction=1.0)),
])
def test_slot_demodulator_equals_ofdm_demodulate(fields, kw):
    # the kept-buffer slot path against ofdm_demodulate and its torch reference, bit for bit
    # against the former, on two slots through the same buffers, batch shapes [2], [1, 3]
    from softran.nr.ofdm import OFDMSlotDemodulator, ofdm_demodulate

    c = CarrierConfig(**fields)
    d = OFDMSlotDemodulator(c, **kw)
    gen = torch.Generator().manual_seed(51)
    for shape in ((2,), (1, 3), (2,)):
        w = torch.randn(*shape, d.n_samples, dtype=torch.complex64, generator=gen)
        out = d.demodulate(w)
        fast, ref = _both(lambda: ofdm_demodulate(w, c, **kw))
        assert torch.equal(out, fast)
        torch.testing.assert_close(out, ref, rtol=1e-5, atol=1e-5)
        assert d.demodulate(w).data_ptr() == out.data_ptr()     # the grid buffer is kept


def test_slot_demodulator_falls_back_and_refuses_what_ofdm_demodulate_refuses():
    from softran.nr.ofdm import OFDMSlotDemodulator, ofdm_demodulate

    c = CarrierConfig(subcarrier_spacing=30, n_size_grid=12)
    d = OFDMSlotDemodulator(c)
    gen = torch.Generator().manual_seed(52)
    w = torch.randn(2, d.n_samples, dtype=torch.complex128, generator=gen)
    assert torch.equal(d.demodulate(w), ofdm_demodulate(w, c))        # complex128: reference
    w = w.to(torch.complex64)
    assert torch.equal(d.demodulate(w.conj()), ofdm_demodulate(w.conj(), c))   # lazy conj
    w[1, 100] = complex("nan")
    with pytest.raises(ValueError, match="waveform"):
        d.demodulate(w)
    with pytest.raises(ValueError, match="cp_fraction"):
        OFDMSlotDemodulator(c, cp_fraction=1.5)


def test_slot_demodulator_layout_check_after_the_first_waveform():
    # after a waveform checked in full, one of the same layout takes the one-check path; any
    # other (lazy conj or neg, grad, strided, another dtype or batch, a NaN) is checked again
    # and falls back or is refused as before, the values always those of ofdm_demodulate
    from softran.nr.ofdm import OFDMSlotDemodulator, ofdm_demodulate

    c = CarrierConfig(subcarrier_spacing=30, n_size_grid=12)
    d = OFDMSlotDemodulator(c)
    gen = torch.Generator().manual_seed(54)
    n = d.n_samples
    w = torch.randn(2, n, dtype=torch.complex64, generator=gen)
    assert torch.equal(d.demodulate(w), ofdm_demodulate(w, c))
    assert d._hot is not None and d._hot[1] == (2, n)   # (thread, shape, ...)
    others = [torch.randn(2, n, dtype=torch.complex64, generator=gen),     # same layout
              w.conj(), w._neg_view(), w.clone().requires_grad_(),
              torch.randn(2, 2 * n, dtype=torch.complex64, generator=gen)[:, ::2],
              w.to(torch.complex128), torch.randn(3, n, dtype=torch.complex64, generator=gen),
              torch.randn(2, n, dtype=torch.complex64, generator=gen)]
    for v in others:
        got = d.spectrum(v)
        plain = (v.dtype == torch.complex64 and v.is_contiguous() and not v.requires_grad
                 and not v.is_conj() and not v.is_neg())
        assert (got is not None) is plain
        with torch.no_grad():
            assert torch.equal(d.demodulate(v), ofdm_demodulate(v, c))
    w = others[-1].clone()
    w[0, 7] = complex("inf")
    assert d.spectrum(w) is None
    with pytest.raises(ValueError, match="waveform"):
        d.demodulate(w)


@pytest.mark.parametrize("cp_fraction", [0.0, 0.5, 1.0])
def test_fft_windows_checks_every_sample_and_copies_the_windows(cp_fraction):
    # one pass: the windows checked as they are copied, the samples between them checked
    # only; a NaN or an infinity anywhere (before the first window, inside a window, in
    # the part of a cyclic prefix between two windows, at the end) is found
    from softran.nr.ofdm import OFDMSlotDemodulator
    from softran.nr.ofdm_kernels import fft_windows

    c = CarrierConfig(subcarrier_spacing=30, n_size_grid=24)
    d = OFDMSlotDemodulator(c, cp_fraction=cp_fraction)
    starts = d._plan[0]
    nfft, t = ofdm_info(c).nfft, d.n_samples
    gen = torch.Generator().manual_seed(53)
    w = torch.randn(2, t, dtype=torch.complex64, generator=gen).numpy()
    out = np.empty((2, len(starts), nfft), np.complex64)
    assert fft_windows(w, starts, out) == 0
    for s, a in enumerate(starts):
        assert np.array_equal(out[:, s], w[:, a:a + nfft])
    ends = starts + nfft
    positions = {0, int(starts[0]), int(starts[3]) + 17, int(ends[3]) - 1, t - 1}
    positions |= {int(e) for e in ends[:-1] if e < t}          # a sample after a window
    for pos in sorted(positions):
        for bad in (complex(np.nan, 0.0), complex(0.0, np.inf), complex(-np.inf, 1.0)):
            v = w.copy()
            v[1, pos] = bad
            assert fft_windows(v, starts, out) == 1, (pos, bad)
