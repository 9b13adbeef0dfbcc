"""The Numba kernels behind channel_estimate and noise_covariance (complex64 CPU input)
agree with the torch reference (``references.KERNELS = False``) to float32 rounding, on the
PUSCH DM-RS of TS 38.211 §6.4.1.1 (types 1 and 2, single and double symbol, 1-4 layers),
every smoothing and interpolation option, batch shapes, gapped allocations and random
channels; and they refuse bad input like the reference."""

from __future__ import annotations

import importlib
import math

import pytest
import torch
from hypothesis import given, settings
from hypothesis import strategies as st
from test_channel_estimate import awgn, dmrs_type1, tap_channel, transmit

from softran.nr import CarrierConfig, PUSCHConfig
from softran.nr.pusch.dmrs import pusch_dmrs, pusch_dmrs_indices
from softran.nr.receiver import channel_estimate, noise_covariance, references

_ESTIMATE = importlib.import_module("softran.nr.receiver.channel_estimate")
_COVARIANCE = importlib.import_module("softran.nr.receiver.noise_covariance")


@pytest.fixture(autouse=True)
def _count_kernel_calls(monkeypatch):
    """Count the calls of both kernels (to check that the kernel side ran the kernel)."""
    calls = {"n": 0}
    for module, name in ((_ESTIMATE, "estimate_slot"), (_COVARIANCE, "covariance_slot")):
        kernel = getattr(module, name)

        def counted(*args, _kernel=kernel):
            calls["n"] += 1
            return _kernel(*args)
        monkeypatch.setattr(module, name, counted)
    _CALLS.append(calls)
    yield
    _CALLS.pop()


_CALLS: list[dict[str, int]] = []


def _both(fn):  # kernel on (checked to run a kernel), then the torch reference
    saved = references.KERNELS
    try:
        references.KERNELS = True
        before = _CALLS[-1]["n"]
        a = fn()
        assert _CALLS[-1]["n"] == before + 1, "the kernel did not run"
        references.KERNELS = False
        b = fn()
        assert _CALLS[-1]["n"] == before + 1
    finally:
        references.KERNELS = saved
    return a, b


def _pusch_refs(n_prb: int, n_layers: int, dmrs_type: int, max_length: int,
                additional_position: int = 1, prb_set: range | list[int] | None = None
                ) -> tuple[torch.Tensor, torch.Tensor, int, tuple[int, int]]:
    carrier = CarrierConfig(subcarrier_spacing=30, n_size_grid=n_prb)
    pusch = PUSCHConfig(prb_set=range(n_prb) if prb_set is None else prb_set,
                        n_layers=n_layers,
                        dmrs={"dmrs_type": dmrs_type, "max_length": max_length,
                                  "additional_position": additional_position,
                                  "num_cdm_groups_without_data": 2 if dmrs_type == 1 else 3})
    return (pusch_dmrs_indices(carrier, pusch), pusch_dmrs(carrier, pusch), 12 * n_prb,
            (2, max_length))


def _slot(ind: torch.Tensor, sym: torch.Tensor, k_grid: int, batch: int, n_rx: int,
          delays: list[float], nv: float, gen: torch.Generator) -> torch.Tensor:
    h = tap_channel(batch, n_rx, ind.shape[0], k_grid, delays, gen)
    return transmit(h, ind, sym, k_grid) + awgn((batch, n_rx, 14, k_grid), nv, gen)


def _assert_estimates_equal(a, b) -> None:
    (ha, na), (hb, nb) = a, b
    assert ha.shape == hb.shape and ha.dtype == hb.dtype == torch.complex64
    assert na.shape == nb.shape and na.dtype == nb.dtype == torch.float32
    scale = float(hb.abs().max())
    assert torch.allclose(ha, hb, rtol=0, atol=2e-6 * scale)
    assert torch.allclose(na, nb, rtol=2e-5, atol=0)


@pytest.mark.parametrize(("n_layers", "dmrs_type", "max_length"),
                         [(1, 1, 1), (2, 1, 1), (3, 1, 1), (4, 1, 1), (1, 2, 1), (4, 2, 1),
                          (2, 1, 2), (4, 1, 2), (3, 2, 2)])
def test_channel_estimate_kernel_equals_torch_pusch_dmrs(n_layers: int, dmrs_type: int,
                                                         max_length: int) -> None:
    gen = torch.Generator().manual_seed(100 * n_layers + 10 * dmrs_type + max_length)
    ind, sym, k_grid, cdm = _pusch_refs(51, n_layers, dmrs_type, max_length)
    rx = _slot(ind, sym, k_grid, 2, 2, [0.0, 2.5, 6.0], 0.05, gen)
    _assert_estimates_equal(*_both(lambda: channel_estimate(rx, ind, sym, cdm_lengths=cdm)))


@pytest.mark.parametrize("options", [
    {"time_interpolation": "average"}, {"freq_smoothing": 1}, {"freq_smoothing": 7},
    {"delay_spread": 300e-9, "subcarrier_spacing": 30e3}, {"timing_compensation": False},
    {"subcarrier_spacing": 30e3}])
def test_channel_estimate_kernel_equals_torch_options(options: dict) -> None:
    gen = torch.Generator().manual_seed(len(str(options)))
    ind, sym, k_grid = dmrs_type1(51, 2)
    rx = _slot(ind, sym, k_grid, 2, 2, [0.0, 3.0, 7.5], 0.05, gen)
    _assert_estimates_equal(*_both(lambda: channel_estimate(rx, ind, sym, **options)))


@pytest.mark.parametrize("shape", [(), (3,), (2, 2)])
def test_channel_estimate_kernel_batch_shapes(shape: tuple[int, ...]) -> None:
    gen = torch.Generator().manual_seed(len(shape))
    ind, sym, k_grid = dmrs_type1(24, 1)
    n = math.prod(shape)
    rx = _slot(ind, sym, k_grid, n, 2, [0.0, 4.0], 0.1, gen).reshape(*shape, 2, 14, k_grid)
    a, b = _both(lambda: channel_estimate(rx, ind, sym))
    assert a[0].shape == (*shape, 2, 1, 14, k_grid) and a[1].shape == (*shape, 2)
    _assert_estimates_equal(a, b)
    # a non-contiguous grid (every other subcarrier of a wider one's view) gives the same
    wide = torch.zeros((*shape, 2, 14, 2 * k_grid), dtype=torch.complex64)
    wide[..., ::2] = rx
    view = wide[..., ::2]
    assert not view.is_contiguous()
    _assert_estimates_equal(channel_estimate(view, ind, sym), b)


def test_channel_estimate_kernel_gapped_and_small_allocations() -> None:
    """PRBs 2-7 and 14-21 of 24 (windows of unequal geometry, resource blocks without
    references left at 0) and a 4-PRB allocation (fewer blocks than the Wiener window)."""
    gen = torch.Generator().manual_seed(5)
    ind, sym, k_grid, cdm = _pusch_refs(24, 2, 1, 1, prb_set=[*range(2, 8), *range(14, 22)])
    rx = _slot(ind, sym, k_grid, 2, 2, [0.0, 2.0], 0.05, gen)
    a, b = _both(lambda: channel_estimate(rx, ind, sym, cdm_lengths=cdm))
    _assert_estimates_equal(a, b)
    assert bool((a[0][..., :24] == 0).all()) and bool((a[0][..., 8 * 12:14 * 12] == 0).all())
    ind, sym, k_grid = dmrs_type1(4, 1, first_prb=3, n_prb_grid=10)
    rx = _slot(ind, sym, k_grid, 1, 1, [0.0], 0.05, gen)
    _assert_estimates_equal(*_both(lambda: channel_estimate(rx, ind, sym)))


@settings(max_examples=12, deadline=None)
@given(seed=st.integers(0, 2**31 - 1), n_layers=st.integers(1, 4),
       delay=st.floats(0.0, 12.0), snr_db=st.floats(-5.0, 35.0),
       n_prb=st.integers(3, 40))
def test_channel_estimate_kernel_equals_torch_random(seed: int, n_layers: int, delay: float,
                                                     snr_db: float, n_prb: int) -> None:
    gen = torch.Generator().manual_seed(seed)
    ind, sym, k_grid = dmrs_type1(n_prb, n_layers, seed=seed % 1000)
    rx = _slot(ind, sym, k_grid, 1, 2, [0.0, delay], 10.0 ** (-snr_db / 10.0), gen)
    _assert_estimates_equal(*_both(lambda: channel_estimate(rx, ind, sym)))


def test_channel_estimate_kernel_plan_follows_the_references() -> None:
    """Changing the reference symbols in place (same tensor) or the options gives the
    estimate of the new references; outputs of two calls are separate tensors."""
    gen = torch.Generator().manual_seed(9)
    ind, sym, k_grid = dmrs_type1(24, 1)
    rx = _slot(ind, sym, k_grid, 1, 2, [0.0, 2.0], 0.01, gen)
    h1, _ = channel_estimate(rx, ind, sym)
    h2, _ = channel_estimate(2.0 * rx, ind, sym)
    assert torch.allclose(h2, 2.0 * h1, rtol=0, atol=1e-5) and h1.data_ptr() != h2.data_ptr()
    sym.mul_(-1.0)                                   # the same tensor, new content
    h3, _ = channel_estimate(rx, ind, sym)
    assert torch.allclose(h3, -h1, rtol=0, atol=1e-5)
    a, b = _both(lambda: channel_estimate(rx, ind, sym, freq_smoothing=3))
    _assert_estimates_equal(a, b)


def test_channel_estimate_kernel_refuses_bad_grids() -> None:
    ind, sym, k_grid = dmrs_type1(12, 1)
    rx = torch.zeros(1, 2, 14, k_grid, dtype=torch.complex64)
    channel_estimate(rx, ind, sym)                   # the plan exists
    for value in (float("nan"), float("inf")):
        bad = rx.clone()
        bad[0, 1, 5, 7] = value
        with pytest.raises(ValueError, match="rx_grid contains"):
            channel_estimate(bad, ind, sym)
    # other dtypes and autograd go to the torch reference, same results
    h64, _nv64 = channel_estimate(rx.to(torch.complex128) + 0.1, ind, sym)
    h32, _nv32 = channel_estimate(rx + 0.1, ind, sym)
    assert torch.allclose(h64.to(torch.complex64), h32, atol=1e-6)
    req = (rx + 0.1).requires_grad_(True)
    assert torch.allclose(channel_estimate(req, ind, sym)[0].detach(), h32, atol=1e-6)


@pytest.mark.parametrize(("n_layers", "options", "with_nv"), [
    (1, {}, True), (2, {}, True), (4, {"prb_block": 2}, True), (1, {"loading": 0.0}, False),
    (3, {"prb_block": 3, "loading": 0.1}, True)])
def test_noise_covariance_kernel_equals_torch(n_layers: int, options: dict,
                                              with_nv: bool) -> None:
    gen = torch.Generator().manual_seed(n_layers + 7 * len(options))
    ind, sym, k_grid, _ = _pusch_refs(51, n_layers, 1, 1)
    rx = _slot(ind, sym, k_grid, 3, 2, [0.0, 3.0, 7.5], 0.05, gen)
    interferer = awgn((3, 1, 14, k_grid), 0.5, gen) * torch.tensor([1.0, -0.5j])[:, None, None]
    rx = rx + interferer
    h, nv = channel_estimate(rx, ind, sym)
    a, b = _both(lambda: noise_covariance(rx, h, ind, sym, noise_var=nv if with_nv else None,
                                          **options))
    assert a.shape == b.shape and a.dtype == b.dtype == torch.complex64
    assert torch.allclose(a, b, rtol=0, atol=2e-6 * float(b.abs().max()))
    assert torch.equal(a, a.transpose(-3, -2).conj())             # Hermitian per block


def test_noise_covariance_kernel_silent_blocks_and_batch_shapes() -> None:
    gen = torch.Generator().manual_seed(11)
    ind, sym, k_grid = dmrs_type1(24, 1)
    rx = awgn((2, 2, 2, 14, k_grid), 1.0, gen)
    rx[..., :96] = 0                                 # first two blocks lost
    rx[1, 0] = 0                                     # nothing at all in one slot
    h = torch.zeros(2, 2, 2, 1, 14, k_grid, dtype=torch.complex64)
    a, b = _both(lambda: noise_covariance(rx, h, ind, sym))
    assert a.shape == (2, 2, 2, 2, 6)
    assert torch.allclose(a, b, rtol=0, atol=2e-6 * float(b.abs().max()))
    assert torch.equal(a[1, 0], b[1, 0])             # the tiny identity


def test_noise_covariance_kernel_refuses_bad_input() -> None:
    gen = torch.Generator().manual_seed(12)
    ind, sym, k_grid = dmrs_type1(12, 1)
    rx = awgn((1, 2, 14, k_grid), 1.0, gen)
    h = torch.zeros(1, 2, 1, 14, k_grid, dtype=torch.complex64)
    nv = torch.ones(1, 2)
    noise_covariance(rx, h, ind, sym, noise_var=nv)     # the plan exists
    with pytest.raises(ValueError, match="noise_var must be finite and >= 0"):
        noise_covariance(rx, h, ind, sym, noise_var=torch.tensor([[1.0, -1.0]]))
    bad = h.clone()
    bad[0, 0, 0, 3, 4] = float("nan")
    with pytest.raises(ValueError, match="h contains NaN"):
        noise_covariance(rx, bad, ind, sym, noise_var=nv)
    with pytest.raises(ValueError, match="h must have shape"):
        noise_covariance(rx, h[..., :-12], ind, sym)


def test_noise_covariance_after_the_estimate_checks_changed_tensors() -> None:
    """The covariance takes the estimate's outputs without checking them again, unless they
    were changed in place since."""
    gen = torch.Generator().manual_seed(13)
    ind, sym, k_grid = dmrs_type1(12, 1)
    rx = _slot(ind, sym, k_grid, 1, 2, [0.0, 1.0], 0.1, gen)
    h, nv = channel_estimate(rx, ind, sym)
    a, b = _both(lambda: noise_covariance(rx, h, ind, sym, noise_var=nv))
    assert torch.allclose(a, b, rtol=0, atol=2e-6 * float(b.abs().max()))
    h[0, 1, 0, 4, 5] = float("inf")
    with pytest.raises(ValueError, match="h contains inf"):
        noise_covariance(rx, h, ind, sym, noise_var=nv)
    nv[0, 0] = -1.0
    with pytest.raises(ValueError, match="noise_var must be finite and >= 0"):
        noise_covariance(rx, channel_estimate(rx, ind, sym)[0], ind, sym, noise_var=nv)
    h2, _ = channel_estimate(rx, ind, sym)          # rx noted as checked
    rx[0, 0, 0, 0] = float("nan")
    with pytest.raises(ValueError, match="rx_grid contains NaN"):
        noise_covariance(rx, h2, ind, sym)
