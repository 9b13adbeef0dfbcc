"""The Numba MMSE(-IRC) detector with the RE / covariance gather fused in agrees with the
torch reference of mmse_equalize on several layer / antenna counts and covariance forms."""

from __future__ import annotations

import pytest
import torch
from hypothesis import given, settings
from hypothesis import strategies as st
from kernel_paths import kernel_then_reference

from softran.nr.receiver import equalize, mmse_equalize


def _both(fn):  # kernel path on, then the torch reference
    return kernel_then_reference(equalize, fn)


def _cn(shape: tuple[int, ...], gen: torch.Generator) -> torch.Tensor:
    return torch.randn(shape, dtype=torch.complex64, generator=gen)


def _covariance(lead: tuple[int, ...], n_r: int, n: int, gen: torch.Generator) -> torch.Tensor:
    """Hermitian positive definite ``[*lead, R, R, n]``: a a^H / R + 0.1 I per entry."""
    a = _cn((*lead, n, n_r, n_r), gen)
    r = a @ a.mH / n_r + 0.1 * torch.eye(n_r, dtype=torch.complex64)
    return r.movedim(-3, -1).contiguous()


def _assert_close(a: tuple[torch.Tensor, torch.Tensor], b: tuple[torch.Tensor, torch.Tensor]
                  ) -> None:
    (xa, na), (xb, nb) = a, b
    assert xa.shape == xb.shape and xa.dtype == xb.dtype == torch.complex64
    assert na.shape == nb.shape and na.dtype == nb.dtype == torch.float32
    # float32 rounding, relative to each RE's magnitude and its conditioning: mu = 1 - A_jj
    # is formed by a cancellation that loses digits in proportion to 1 + nv = 1 / mu
    cond = 1 + nb.abs()
    assert bool(((xa - xb).abs() <= 2e-5 * (1 + xb.abs()) * cond).all())
    assert bool(((na - nb).abs() <= 2e-5 * nb.abs() * cond).all())


@pytest.mark.parametrize(("n_r", "n_p"), [(1, 1), (2, 1), (4, 1), (2, 2), (4, 2), (4, 4),
                                          (8, 3), (8, 4)])
def test_kernel_equals_torch_with_gather(n_r: int, n_p: int) -> None:
    gen = torch.Generator().manual_seed(10 * n_r + n_p)
    n, n_blk = 300, 7
    y = _cn((2, n_r, n), gen)
    h = _cn((2, n_r, n_p, n), gen)
    index = torch.randperm(n, generator=gen)[:200].sort().values
    index[50:90] = torch.arange(100, 140)          # a run of consecutive REs
    blocks = torch.randint(0, n_blk, (200,), generator=gen)
    blocks[50:90] = 3
    cov = _covariance((2,), n_r, n_blk, gen)
    _assert_close(*_both(lambda: mmse_equalize(y, h, cov, index=index, noise_index=blocks)))
    # the gather is y[..., index], h[..., index], cov[..., blocks]
    fused = mmse_equalize(y, h, cov, index=index, noise_index=blocks)
    _assert_close(fused, mmse_equalize(y[..., index], h[..., index], cov[..., blocks]))
    # one covariance for all REs, one per RE
    _assert_close(*_both(lambda: mmse_equalize(y, h, cov[..., :1])))
    per_re = _covariance((2,), n_r, n, gen)
    _assert_close(*_both(lambda: mmse_equalize(y, h, per_re)))


@settings(max_examples=30, deadline=None)
@given(st.integers(1, 8), st.integers(1, 4), st.integers(1, 60), st.integers(0, 2 ** 31 - 1),
       st.floats(1e-3, 1e3))
def test_kernel_equals_torch_property(n_r: int, n_p: int, n: int, seed: int,
                                      scale: float) -> None:
    n_p = min(n_p, n_r)
    gen = torch.Generator().manual_seed(seed)
    y = _cn((n_r, n), gen) * scale
    h = _cn((n_r, n_p, n), gen) * scale             # SNR independent of the scale
    cov = _covariance((), n_r, 3, gen) * scale ** 2
    blocks = torch.randint(0, 3, (n,), generator=gen)
    _assert_close(*_both(lambda: mmse_equalize(y, h, cov, noise_index=blocks)))


def test_zero_channel_gives_erasures_in_both() -> None:
    gen = torch.Generator().manual_seed(5)
    y = _cn((1, 2, 64), gen)
    h = _cn((1, 2, 1, 64), gen)
    h[..., 10:20] = 0
    cov = _covariance((1,), 2, 2, gen)
    blocks = torch.arange(64) // 32
    (xa, na), (xb, nb) = _both(lambda: mmse_equalize(y, h, cov, noise_index=blocks))
    assert bool((xa[..., 10:20] == 0).all()) and bool(torch.isinf(na[..., 10:20]).all())
    assert torch.equal(xa[..., 10:20], xb[..., 10:20])
    assert torch.equal(na[..., 10:20], nb[..., 10:20])
    _assert_close((xa[..., 20:], na[..., 20:]), (xb[..., 20:], nb[..., 20:]))


def test_kernel_refuses_what_the_reference_refuses() -> None:
    gen = torch.Generator().manual_seed(6)
    y = _cn((1, 2, 16), gen)
    h = _cn((1, 2, 1, 16), gen)
    cov = _covariance((1,), 2, 2, gen)
    blocks = torch.arange(16) // 8
    with pytest.raises(ValueError, match="index must lie in 0..15"):
        mmse_equalize(y, h, cov, index=torch.tensor([0, 16]), noise_index=blocks[:2])
    with pytest.raises(ValueError, match="noise_index must lie in 0..1"):
        mmse_equalize(y, h, cov, noise_index=blocks + 1)
    bad = y.clone()
    bad[0, 1, 3] = float("nan")
    with pytest.raises(ValueError, match="y contains NaN"):
        mmse_equalize(bad, h, cov, noise_index=blocks)
    singular = cov.clone()
    singular[0, :, :, 1] = 0
    with pytest.raises(ValueError, match="positive definite"):
        mmse_equalize(y, h, singular, noise_index=blocks)


def test_pusch_receiver_detect_equals_gather_then_reference() -> None:
    from softran.nr import CarrierConfig, PUSCHConfig, PUSCHReceiver, PUSCHTransmitter

    carrier = CarrierConfig(subcarrier_spacing=30, n_size_grid=24)
    cfg = PUSCHConfig(prb_set=range(24), mcs_index=16, mcs_table="qam64",
                      dmrs={"additional_position": 1, "num_cdm_groups_without_data": 2})
    tx, rx = PUSCHTransmitter(carrier, cfg), PUSCHReceiver(carrier, cfg, n_rx=2)
    gen = torch.Generator().manual_seed(8)
    tb = torch.randint(0, 2, (1, cfg.tb_size), dtype=torch.uint8, generator=gen)
    w = tx(tb).expand(-1, 2, -1)
    w = w + 0.3 * torch.randn(w.shape, dtype=w.dtype, generator=gen)
    grid = rx.grid(w)
    h, nv = rx.estimate(grid)
    cov = rx.covariance(grid, h, nv)
    pos = rx.data_positions
    blocks = (pos % carrier.n_subcarriers) // (12 * rx.prb_block)
    equalize.KERNELS = False
    try:
        ref = mmse_equalize(grid.flatten(-2)[..., pos], h.flatten(-2)[..., pos],
                            cov[..., blocks])
    finally:
        equalize.KERNELS = True
    _assert_close(rx.detect(grid, h, cov), ref)


def _gather_case(seed: int, n: int = 300, n_re: int = 200, n_blk: int = 7):
    """y [2, 2, n], h [2, 2, 1, n], covariance blocks, sorted data REs with a long run, and
    their blocks (NumPy, the kernels' layouts)."""
    gen = torch.Generator().manual_seed(seed)
    y, h = _cn((2, 2, n), gen), _cn((2, 2, 1, n), gen)
    index = torch.randperm(n, generator=gen)[:n_re].sort().values
    index[50:90] = torch.arange(100, 140)
    blocks = torch.randint(0, n_blk, (n_re,), generator=gen)
    blocks[50:90] = 3
    cov = _covariance((2,), 2, n_blk, gen)
    return y.numpy(), h.numpy(), cov.numpy(), index.numpy(), blocks.numpy()


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_runs_kernel_equals_the_gather_kernel_bit_for_bit(seed: int) -> None:
    import numpy as np

    from softran.nr.receiver.equalize_kernels import data_runs, mmse_gather, mmse_gather_runs

    y, h, cov, index, blocks = _gather_case(seed)
    runs = data_runs(index, blocks)
    # the runs cover the output REs in order, each run consecutive REs of one block
    assert runs[0, 1] == 0 and int(runs[:, 2].sum()) == index.size
    assert (runs[1:, 1] == runs[:-1, 1] + runs[:-1, 2]).all()
    for src, dst, length, c in runs.tolist():
        assert (index[dst:dst + length] == np.arange(src, src + length)).all()
        assert (blocks[dst:dst + length] == c).all()
    assert runs.shape[0] < index.size               # the run of 40 REs is one run
    x1, n1 = np.empty((2, 1, index.size), np.complex64), np.empty((2, 1, index.size), np.float32)
    x2, n2 = np.empty_like(x1), np.empty_like(n1)
    assert mmse_gather(y, h, cov, index, blocks, x1, n1) == 0
    assert mmse_gather_runs(y, h, cov, runs, x2, n2) == 0
    assert np.array_equal(x1, x2) and np.array_equal(n1, n2)


def test_runs_kernel_statuses() -> None:
    import numpy as np

    from softran.nr.receiver.equalize_kernels import data_runs, mmse_gather_runs

    y, h, cov, index, blocks = _gather_case(4)
    runs = data_runs(index, blocks)
    x, nv = np.empty((2, 1, index.size), np.complex64), np.empty((2, 1, index.size), np.float32)
    bad_y = y.copy()
    bad_y[1, 0, index[7]] = np.nan
    assert mmse_gather_runs(bad_y, h, cov, runs, x, nv) == 1
    bad_cov = cov.copy()
    bad_cov[0, 0, 0, 2] = -1.0                      # not positive definite
    assert mmse_gather_runs(y, h, bad_cov, runs, x, nv) == 2
    for col, value in ((0, y.shape[-1]), (3, cov.shape[-1]), (1, index.size)):
        bad_runs = runs.copy()
        bad_runs[-1, col] = value                   # past the grid, the blocks, the outputs
        assert mmse_gather_runs(y, h, cov, bad_runs, x, nv) == 3
    h2 = np.ascontiguousarray(np.concatenate([h, h], axis=2))     # two layers
    assert mmse_gather_runs(y, h2, cov, runs, x, nv) == 4
    with pytest.raises(ValueError, match="one length"):
        data_runs(index, blocks[:-1])
    assert data_runs(index[:0], blocks[:0]).shape == (0, 4)
    with pytest.raises(ValueError, match="index must be a 1-D integer array"):
        data_runs(index.astype(np.float64) + 0.5, blocks)
    with pytest.raises(ValueError, match="block must be a 1-D integer array"):
        data_runs(index, blocks.reshape(1, -1))
