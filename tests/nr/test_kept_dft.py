"""The kept MKL DFT plans (softran.nr.kept_dft) against torch.fft.ifft / torch.fft.fft, the
references of the OFDM modulator and demodulator (TS 38.211 §5.3.1), bit for bit; and the
PDSCH slot path and the slot demodulator with and without them."""

from __future__ import annotations

import importlib

import numpy as np
import pytest
import torch

from softran.nr.config import CarrierConfig
from softran.nr.kept_dft import KeptDFT, kept_dft
from softran.nr.ofdm import ofdm_modulate
from softran.nr.pdsch import PDSCHConfig, PDSCHDMRSConfig, PDSCHTransmitter

needs_mkl = pytest.mark.skipif(kept_dft(64, 1, inverse=True, norm="ortho") is None,
                               reason="no MKL DFTI in this torch build")


@needs_mkl
@pytest.mark.parametrize("n, rows", [(1024, 24), (2048, 1), (4096, 3), (128, 7), (12, 5)])
@pytest.mark.parametrize("inverse, norm, in_place", [
    (True, "ortho", False), (False, "backward", True), (False, "backward", False),
    (False, "ortho", True), (True, "backward", True), (True, "forward", False),
    (False, "forward", False)])
def test_kept_plan_equals_torch_fft_bit_for_bit(n, rows, inverse, norm, in_place) -> None:
    """Several inputs through one bound plan (kept from call to call) each give
    torch.fft.ifft's / torch.fft.fft's output exactly, including an input with zero rows and
    large values."""
    plan = kept_dft(n, rows, inverse=inverse, norm=norm, in_place=in_place)
    assert plan is not None
    reference = torch.fft.ifft if inverse else torch.fft.fft
    gen = torch.Generator().manual_seed(n + rows)
    x = np.empty((rows, n), dtype=np.complex64)
    out = x if in_place else np.empty((rows, n), dtype=np.complex64)
    run = plan.bind(x, out)
    for scale in (1.0, 1e3, 0.0):
        x[:] = (torch.randn(rows, n, dtype=torch.complex64, generator=gen) * scale).numpy()
        x[rows // 2] = 0
        want = reference(torch.from_numpy(x.copy()), dim=-1, norm=norm)
        run()
        assert torch.equal(torch.from_numpy(out), want)


@needs_mkl
def test_bind_refuses_wrong_buffers() -> None:
    plan = KeptDFT(16, 2, inverse=True)
    good = np.zeros((2, 16), dtype=np.complex64)
    for bad, match in ((np.zeros((2, 16), dtype=np.complex128), "complex64"),
                       (np.zeros((3, 16), dtype=np.complex64), r"\(2, 16\)"),
                       (np.zeros((2, 32), dtype=np.complex64)[:, ::2], "C-contiguous")):
        with pytest.raises(ValueError, match="x must"):
            plan.bind(bad, good)
        with pytest.raises(ValueError, match="out must"):
            plan.bind(good, bad)
    with pytest.raises(ValueError, match="overlap"):
        plan.bind(good, good)
    with pytest.raises(ValueError, match="n"):
        KeptDFT(0, 2, inverse=True)
    with pytest.raises(ValueError, match="norm = 'unit'"):
        kept_dft(16, 2, inverse=False, norm="unit")
    in_place = KeptDFT(16, 2, inverse=False, in_place=True)
    with pytest.raises(ValueError, match="out must be x"):
        in_place.bind(good, np.zeros((2, 16), dtype=np.complex64))


def test_pdsch_slot_path_without_the_kept_plan(monkeypatch) -> None:
    """Where no kept plan is made (a torch without MKL), the PDSCH slot path transforms with
    torch.fft.ifft: the same waveform as the level-1 chain's ofdm_modulate of the grid, as
    with the plan."""
    c = CarrierConfig(n_size_grid=24, subcarrier_spacing=30)
    p = PDSCHConfig(prb_set=range(24), n_layers=2, mcs_index=20, mcs_table="qam256",
                    dmrs=PDSCHDMRSConfig(additional_position=1, num_cdm_groups_without_data=2))
    gen = torch.Generator().manual_seed(24)
    tb = torch.randint(0, 2, (1, p.tb_sizes[0]), dtype=torch.uint8, generator=gen)
    with_plan = PDSCHTransmitter(c, p)(tb)
    asked = []

    def no_plan(n: int, rows: int, **kw: object) -> None:
        asked.append((n, rows, kw))

    monkeypatch.setattr(importlib.import_module("softran.nr.pdsch.transmitter"),
                        "kept_dft", no_plan)
    tx = PDSCHTransmitter(c, p)
    without = tx(tb)
    # the first plan straight into the waveform (symbols 0, 1 of layer 0: rows 1 symbol
    # apart, 512 + 36 samples), refused; then the plan of the data rows into a buffer:
    # 2 layers x 12 data symbols, batch 1
    assert asked == [(tx.nfft, 2, {"inverse": True, "norm": "ortho", "out_distance": 548}),
                     (tx.nfft, 24, {"inverse": True, "norm": "ortho"})]
    assert torch.equal(without, with_plan)
    assert torch.equal(without, ofdm_modulate(tx.last_layer_grid, c, nfft=tx.nfft))


@needs_mkl
@pytest.mark.parametrize("scs, n_slot, cp", [(30, 0, "normal"), (15, 0, "normal"),
                                             (15, 3, "normal"), (60, 1, "extended")])
def test_pdsch_slot_path_into_the_waveform_and_its_fallback(monkeypatch, scs, n_slot,
                                                            cp) -> None:
    """The PDSCH slot path's IDFT straight into the waveform (kept plans whose output rows
    are a symbol apart, called from the kernel; at 15 kHz the long cyclic prefix of
    symbol 7 splits each layer's symbols into two runs): the same waveform as the level-1
    chain's ofdm_modulate of the grid (TS 38.211 §5.3.1) bit for bit, batch 1 and 2, and as
    the path through a buffer where those plans are refused (the plan of the rows into a
    buffer kept)."""
    from softran.nr.kept_dft import kept_dft as real

    c = CarrierConfig(n_size_grid=24, subcarrier_spacing=scs, n_slot=n_slot, cyclic_prefix=cp)
    p = PDSCHConfig(prb_set=range(2, 22), n_layers=2, mcs_index=20, mcs_table="qam256",
                    symbol_allocation=(0, c.symbols_per_slot),
                    dmrs=PDSCHDMRSConfig(additional_position=1, num_cdm_groups_without_data=1))
    gen = torch.Generator().manual_seed(scs + n_slot)
    tbs = torch.randint(0, 2, (2, p.tb_sizes[0]), dtype=torch.uint8, generator=gen)
    tx = PDSCHTransmitter(c, p)
    for tb in (tbs[:1], tbs, tbs[1:]):
        w = tx(tb)
        assert tx._workspace[-1] is not None                 # the direct path ran
        assert torch.equal(w, ofdm_modulate(tx.last_layer_grid, c, nfft=tx.nfft))
    module = importlib.import_module("softran.nr.pdsch.transmitter")
    monkeypatch.setattr(module, "kept_dft", lambda n, rows, **kw: None if "out_distance"
                        in kw else real(n, rows, **kw))
    tx2 = PDSCHTransmitter(c, p)
    for tb in (tbs, tbs[:1]):
        w = tx2(tb)
        assert tx2._workspace[-1] is None and tx2._workspace[7] is not None
        assert torch.equal(w, tx(tb))


@needs_mkl
@pytest.mark.parametrize("n, rows, d_in, d_out, inverse, norm", [
    (1024, 8, 1024, 1096, True, "ortho"), (1024, 2, 1100, 1112, True, "ortho"),
    (512, 5, 512, 548, False, "backward"), (2048, 3, 2048, 2048, True, "forward"),
    (128, 1, 128, 160, True, "backward")])
def test_strided_plan_equals_torch_fft_by_dfti_compute(n, rows, d_in, d_out, inverse,
                                                       norm) -> None:
    """A kept plan whose input / output rows are d_in / d_out apart, called from a Numba
    kernel by dfti_compute at byte offsets into the arrays: each output row is
    torch.fft.ifft's / torch.fft.fft's of its input row bit for bit, and nothing between
    or around the rows is written."""
    from numba import njit

    from softran.nr.kept_dft import dfti_compute

    @njit
    def run(fn, handle, x, x_off, out, out_off):  # type: ignore[no-untyped-def]
        return dfti_compute(fn, handle, np.int64(x.ctypes.data) + x_off * 8,
                            np.int64(out.ctypes.data) + out_off * 8)

    plan = kept_dft(n, rows, inverse=inverse, norm=norm, in_distance=d_in, out_distance=d_out)
    assert plan is not None
    assert plan is kept_dft(n, rows, inverse=inverse, norm=norm, in_distance=d_in,
                            out_distance=d_out)
    gen = torch.Generator().manual_seed(n + rows + d_out)
    x = torch.randn(rows, n, dtype=torch.complex64, generator=gen)
    x[rows // 2] = 0
    src = np.zeros(5 + (rows - 1) * d_in + n, dtype=np.complex64)
    take_in = 5 + np.arange(rows)[:, None] * d_in + np.arange(n)
    src[take_in] = x.numpy()
    out = np.full(3 + (rows - 1) * d_out + n + 4, 9, dtype=np.complex64)
    take_out = 3 + np.arange(rows)[:, None] * d_out + np.arange(n)
    assert run(plan.compute_address, plan.handle, src, 5, out, 3) == 0
    want = (torch.fft.ifft if inverse else torch.fft.fft)(x, dim=-1, norm=norm)
    assert torch.equal(torch.from_numpy(out[take_out]), want)
    rest = np.ones(out.size, dtype=bool)
    rest[take_out] = False
    assert np.all(out[rest] == 9)


@needs_mkl
def test_strided_plan_arguments() -> None:
    with pytest.raises(ValueError, match="out_distance"):
        kept_dft(16, 2, inverse=True, out_distance=15)
    with pytest.raises(ValueError, match="in_distance"):
        KeptDFT(16, 2, inverse=True, in_distance=8)
    with pytest.raises(ValueError, match="in-place"):
        kept_dft(16, 2, inverse=False, in_place=True, out_distance=20)
    plan = KeptDFT(16, 2, inverse=True, out_distance=20)
    good = np.zeros((2, 16), dtype=np.complex64)
    with pytest.raises(ValueError, match="dfti_compute"):
        plan.bind(good, good.copy())
    assert plan.handle != 0 and plan.compute_address != 0


def test_slot_demodulator_without_the_kept_plan(monkeypatch) -> None:
    """The slot demodulator's spectrum by the kept forward plan (in place, unscaled) and,
    where none is made, by torch.fft.fft: the same grid, equal to ofdm_demodulate's kernel
    path on the same waveform."""
    from softran.nr.ofdm import OFDMSlotDemodulator, ofdm_demodulate

    c = CarrierConfig(n_size_grid=24, subcarrier_spacing=30)
    gen = torch.Generator().manual_seed(7)
    w = ofdm_modulate(torch.randn(2, 14, 288, dtype=torch.complex64, generator=gen), c)
    with_plan = OFDMSlotDemodulator(c).demodulate(w).clone()
    asked = []

    def no_plan(n: int, rows: int, **kw: object) -> None:
        asked.append((n, rows, kw))

    monkeypatch.setattr(importlib.import_module("softran.nr.ofdm"), "kept_dft", no_plan)
    without = OFDMSlotDemodulator(c).demodulate(w)
    assert asked == [(512, 28, {"inverse": False, "in_place": True})]
    assert torch.equal(without, with_plan)
    assert torch.equal(without, ofdm_demodulate(w, c))


def test_slot_demodulator_workspaces_per_thread() -> None:
    """Two threads demodulating at the same time each get their own FFT workspace (a
    thread's spectrum is not overwritten by the other's), and more than 32 batch shapes
    evict the oldest without breaking the next call."""
    import threading

    from softran.nr.ofdm import OFDMSlotDemodulator, ofdm_demodulate

    c = CarrierConfig(n_size_grid=24, subcarrier_spacing=30)
    gen = torch.Generator().manual_seed(11)
    waves = [ofdm_modulate(torch.randn(2, 14, 288, dtype=torch.complex64, generator=gen), c)
             for _ in range(2)]
    d = OFDMSlotDemodulator(c)
    specs: dict[int, np.ndarray] = {}
    barrier = threading.Barrier(2)

    def run(k: int) -> None:
        for _ in range(3):
            spec = d.spectrum(waves[k])
            barrier.wait()               # both spectra computed before either is read
            specs[k] = spec.copy()
            barrier.wait()

    threads = [threading.Thread(target=run, args=(k,)) for k in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    for k in range(2):
        assert np.array_equal(specs[k], d.spectrum(waves[k]).copy())
    assert not np.array_equal(specs[0], specs[1])
    for b in range(1, 36):                                # 35 batch shapes: evictions
        w = waves[0].expand(b, -1, -1).contiguous()
        assert torch.equal(d.demodulate(w), ofdm_demodulate(w, c))
    assert torch.equal(d.demodulate(waves[1]), ofdm_demodulate(waves[1], c))


@needs_mkl
@pytest.mark.parametrize("n, rows, inverse, norm", [(1024, 28, False, "backward"),
                                                    (512, 3, True, "ortho"),
                                                    (12, 5, True, "forward")])
def test_native_compute_in_compiled_code_equals_torch_fft(n, rows, inverse, norm) -> None:
    """dfti_compute with an in-place plan's compute_address and handle (the same array as
    input and output), called inside a Numba kernel, gives torch.fft.fft's /
    torch.fft.ifft's bits in place, call after call."""
    from numba import njit

    from softran.nr.kept_dft import dfti_compute

    @njit
    def compute(function, descriptor, x):
        return dfti_compute(function, descriptor, x.ctypes.data, x.ctypes.data)

    plan = kept_dft(n, rows, inverse=inverse, norm=norm, in_place=True)
    assert plan is not None
    function, descriptor = plan.compute_address, plan.handle
    gen = torch.Generator().manual_seed(n + rows)
    fft = torch.fft.ifft if inverse else torch.fft.fft
    for _ in range(2):
        x = torch.randn(rows, n, dtype=torch.complex64, generator=gen)
        got = x.numpy().copy()
        assert compute(function, descriptor, got) == 0
        assert np.array_equal(got, fft(x, dim=-1, norm=norm).numpy())
