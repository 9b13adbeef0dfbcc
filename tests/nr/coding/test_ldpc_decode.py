"""LDPC decoder (TS 38.212 §5.3.2 codes; MATLAB nrLDPCDecode semantics)."""

from __future__ import annotations

import math
import threading

import numba
import numpy as np
import pytest
import torch

import softran.nr.coding.ldpc.decode as decode_module
from softran.nr.coding.ldpc import base_graph_dims, ldpc_decode, ldpc_encode, parity_check_matrix
from softran.nr.coding.ldpc.plan import decode_plan

ALGORITHMS = ("layered-min-sum", "layered-offset-min-sum", "sum-product")
LAYERED = ("layered-min-sum", "layered-offset-min-sum")


def random_blocks(bgn: int, zc: int, n: int, seed: int) -> tuple[torch.Tensor, torch.Tensor]:
    _, _, kb = base_graph_dims(bgn)
    cbs = torch.randint(0, 2, (n, kb * zc), generator=torch.Generator().manual_seed(seed),
                        dtype=torch.uint8)
    return cbs, ldpc_encode(cbs, bgn)


def awgn_llr(d: torch.Tensor, ebn0_db: float, rate: float, n_tx: int, seed: int) -> torch.Tensor:
    """BPSK over AWGN, exact LLRs 2y/sigma^2; positions >= n_tx not transmitted (LLR 0)."""
    sigma2 = 1.0 / (2.0 * rate * 10.0 ** (ebn0_db / 10.0))
    gen = torch.Generator().manual_seed(seed)
    y = (1.0 - 2.0 * d.float()) + math.sqrt(sigma2) * torch.randn(d.shape, generator=gen)
    llr = 2.0 * y / sigma2
    llr[..., n_tx:] = 0.0
    return llr


# ------------------------------------------------------------------ noiseless / AWGN


@pytest.mark.parametrize("algorithm", ALGORITHMS)
@pytest.mark.parametrize("kernel", ["auto", "torch"])
@pytest.mark.parametrize("bgn,zc", [(1, 384), (2, 13), (1, 6)])
def test_noiseless_decodes_in_one_iteration(algorithm: str, kernel: str, bgn: int, zc: int) -> None:
    cbs, d = random_blocks(bgn, zc, 3, seed=zc)
    llr = 8.0 * (1.0 - 2.0 * d.float())
    bits, iters = ldpc_decode(llr, bgn, algorithm=algorithm, kernel=kernel)
    assert bits.dtype == torch.uint8 and iters.dtype == torch.int32
    assert torch.equal(bits, cbs)
    assert iters.tolist() == [1, 1, 1]


@pytest.mark.parametrize("algorithm", ALGORITHMS)
def test_awgn_bg2_rate_half_decodes(algorithm: str) -> None:
    bgn, zc = 2, 64
    cbs, d = random_blocks(bgn, zc, 16, seed=3)
    k = 10 * zc
    llr = awgn_llr(d, ebn0_db=3.0, rate=0.5, n_tx=2 * k, seed=4)
    bits, iters = ldpc_decode(llr, bgn, 25, algorithm=algorithm)
    assert torch.equal(bits, cbs)
    assert int(iters.max()) < 25


def test_early_termination_off_runs_all_iterations() -> None:
    cbs, d = random_blocks(2, 8, 2, seed=1)
    llr = 5.0 * (1.0 - 2.0 * d.float())
    for algorithm in ALGORITHMS:
        bits, iters = ldpc_decode(llr, 2, 7, algorithm=algorithm, early_termination=False)
        assert torch.equal(bits, cbs) and iters.tolist() == [7, 7]


def test_sum_product_stops_each_block_on_its_own(monkeypatch) -> None:
    # three blocks: noiseless (1 iteration), noisy (a few), hopeless (all 12, fails). Each
    # leaves the batch after its own stopping iteration; results are those of decoding it
    # alone.
    bgn, zc, n_it = 2, 16, 12
    cbs, d = random_blocks(bgn, zc, 3, seed=41)
    llr = torch.stack([8.0 * (1.0 - 2.0 * d[0].float()),
                       awgn_llr(d[1], 2.5, 0.4, d.shape[-1], seed=42),
                       awgn_llr(d[2], -3.0, 0.4, d.shape[-1], seed=43)])
    sizes: list[int] = []
    real = decode_module._syndrome_ok

    def spy(L, active, plan, index):
        sizes.append(L.shape[0])
        return real(L, active, plan, index)

    monkeypatch.setattr(decode_module, "_syndrome_ok", spy)
    bits, iters, ok = ldpc_decode(llr, bgn, n_it, algorithm="sum-product",
                                  return_parity_check=True)
    monkeypatch.setattr(decode_module, "_syndrome_ok", real)
    assert iters[0] == 1 and 1 < iters[1] < n_it and iters[2] == n_it
    assert ok.tolist() == [True, True, False]
    assert torch.equal(bits[:2], cbs[:2])
    # the checks after iteration i see only the blocks still running
    running = [int((iters > i).sum()) for i in range(n_it)]
    assert sizes == running and sizes[:2] == [3, 2] and sizes[-1] == 1
    for b in range(3):
        alone = ldpc_decode(llr[b:b + 1], bgn, n_it, algorithm="sum-product",
                            return_parity_check=True)
        assert torch.equal(alone[0][0], bits[b]) and int(alone[1][0]) == int(iters[b])
        assert bool(alone[2][0]) == bool(ok[b])


def test_filler_bits_as_infinite_llrs() -> None:
    bgn, zc = 1, 64
    k = 22 * zc
    n_fill = 200
    cbs, _ = random_blocks(bgn, zc, 4, seed=11)
    cbs[:, k - n_fill:] = 0
    marked = cbs.to(torch.int8)
    marked[:, k - n_fill:] = -1
    d = ldpc_encode(marked, bgn)
    llr = awgn_llr(d.clamp_min(0), ebn0_db=2.5, rate=1 / 3, n_tx=d.shape[-1], seed=5)
    llr[d == -1] = math.inf
    llr[:, 0] = torch.where(d[:, 0] == 1, -math.inf, math.inf)  # a known bit, both signs
    for algorithm in ALGORITHMS:
        for kernel in ("auto", "torch"):
            bits, _ = ldpc_decode(llr, bgn, 20, algorithm=algorithm, kernel=kernel)
            assert torch.equal(bits, cbs), (algorithm, kernel)
            assert int(bits[:, k - n_fill:].sum()) == 0


# ------------------------------------------------------------------ numba vs torch


@pytest.mark.parametrize("algorithm", LAYERED)
@pytest.mark.parametrize("early", [True, False])
@pytest.mark.parametrize("bgn,zc,rate,ebn0", [(1, 384, 1 / 3, 1.2), (1, 208, 0.5, 1.5),
                                              (2, 15, 0.4, 0.5), (2, 352, 0.25, 0.8)])
def test_numba_and_torch_identical(algorithm: str, early: bool, bgn: int, zc: int, rate: float,
                                   ebn0: float) -> None:
    """Same float32 operations in the same order: identical hard bits and iteration counts,
    also at SNRs where decoding fails for some blocks (the hardest case for agreement)."""
    _, _, kb = base_graph_dims(bgn)
    cbs, d = random_blocks(bgn, zc, 5, seed=zc)
    e = int(round(kb * zc / rate))
    llr = awgn_llr(d, ebn0, rate, e - 2 * zc, seed=zc + 1)
    b_n, i_n = ldpc_decode(llr, bgn, 6, algorithm=algorithm, early_termination=early,
                           kernel="numba")
    b_t, i_t = ldpc_decode(llr, bgn, 6, algorithm=algorithm, early_termination=early,
                           kernel="torch")
    assert torch.equal(b_n, b_t)
    assert torch.equal(i_n, i_t)


def test_threads_give_identical_results() -> None:
    cbs, d = random_blocks(1, 96, 6, seed=2)
    llr = awgn_llr(d, 1.0, 1 / 3, d.shape[-1], seed=3)
    old_torch, old_numba = torch.get_num_threads(), numba.get_num_threads()
    try:
        torch.set_num_threads(1)
        one = ldpc_decode(llr, 1, 5)
        torch.set_num_threads(max(2, old_torch))
        many = ldpc_decode(llr, 1, 5)
    finally:
        torch.set_num_threads(old_torch)
    assert numba.get_num_threads() == old_numba
    assert torch.equal(one[0], many[0]) and torch.equal(one[1], many[1])


def test_concurrent_calls_from_threads() -> None:
    cbs, d = random_blocks(1, 32, 4, seed=6)
    llr = awgn_llr(d, 2.0, 1 / 3, d.shape[-1], seed=7)
    expected = ldpc_decode(llr, 1)
    results: list[bool] = []

    def work() -> None:
        for _ in range(4):
            bits, iters = ldpc_decode(llr, 1)
            results.append(torch.equal(bits, expected[0]) and torch.equal(iters, expected[1]))

    threads = [threading.Thread(target=work) for _ in range(3)]
    for th in threads:
        th.start()
    for th in threads:
        th.join()
    assert results == [True] * 12 and torch.equal(expected[0], cbs)


@pytest.mark.parametrize("kernel", ["numba", "torch"])
def test_plain_min_sum_two_ways(kernel: str) -> None:
    """offset 0 and scaling 1 are both plain min-sum: identical results."""
    cbs, d = random_blocks(2, 40, 6, seed=12)
    llr = awgn_llr(d, 1.0, 0.5, 20 * 40, seed=13)
    a = ldpc_decode(llr, 2, 8, algorithm="layered-min-sum", scaling=1.0, kernel=kernel)
    b = ldpc_decode(llr, 2, 8, algorithm="layered-offset-min-sum", offset=0.0, kernel=kernel)
    assert torch.equal(a[0], b[0]) and torch.equal(a[1], b[1])


# ------------------------------------------------------------------ row skipping is exact


@pytest.mark.parametrize("algorithm", ALGORITHMS)
def test_row_skipping_is_exact(algorithm: str, monkeypatch: pytest.MonkeyPatch) -> None:
    """Skipping layers whose degree-1 parity column has only zero LLRs changes nothing."""
    bgn, zc = 1, 32
    cbs, d = random_blocks(bgn, zc, 6, seed=8)
    # the first 42*Zc + 7 bits of the N buffer: columns 2..43 and 7 bits of column 44
    llr = awgn_llr(d, 0.9, 0.5, 42 * zc + 7, seed=9)
    llr[3:, 20 * zc:] = 0.0  # some blocks at a higher rate
    skipped = ldpc_decode(llr, bgn, 6, algorithm=algorithm, early_termination=False,
                          kernel="torch")
    active = decode_module._active_rows(llr, decode_plan(bgn, zc),
                                        decode_module._torch_index(bgn, zc, llr.device))
    assert int(active[0].sum()) == 4 + 19  # rows 0..3 and 4..22 (parity columns 26..44)
    assert int(active[3].sum()) == 4
    monkeypatch.setattr(decode_module, "_active_rows",
                        lambda llr, plan, index: torch.ones(llr.shape[0], plan.n_rows,
                                                            dtype=torch.bool))
    full = ldpc_decode(llr, bgn, 6, algorithm=algorithm, early_termination=False, kernel="torch")
    assert torch.equal(skipped[0], full[0])


# ------------------------------------------------------------------ brute-force references


def _edges_from_dense_h(bgn: int, zc: int) -> list[list[int]]:
    h = parity_check_matrix(bgn, zc).numpy()
    return [list(np.flatnonzero(row)) for row in h]


def _reference_layered(llr_full: np.ndarray, checks: list[list[int]], zc: int, n_it: int,
                       scaling: float) -> np.ndarray:
    """Check-by-check layered normalised min-sum in float64 (Zc checks of a layer in turn)."""
    L = llr_full.astype(np.float64).copy()
    R = [np.zeros(len(c)) for c in checks]
    for _ in range(n_it):
        for ci, vs in enumerate(checks):
            t = L[vs] - R[ci]
            new = np.empty(len(vs))
            for e in range(len(vs)):
                others = np.delete(t, e)
                sign = -1.0 if np.sum(others < 0) % 2 else 1.0
                new[e] = sign * scaling * np.min(np.abs(others))
            L[vs] = t + new
            R[ci] = new
    return L


def _reference_flooding(llr_full: np.ndarray, checks: list[list[int]], n_it: int) -> np.ndarray:
    """Check-by-check flooding sum-product in float64."""
    R = [np.zeros(len(c)) for c in checks]
    L = llr_full.astype(np.float64).copy()
    for _ in range(n_it):
        new_R = []
        for ci, vs in enumerate(checks):
            q = L[vs] - R[ci]
            tq = np.tanh(q / 2)
            new_R.append(np.array([2 * np.arctanh(np.prod(np.delete(tq, e)))
                                   for e in range(len(vs))]))
        R = new_R
        L = llr_full.astype(np.float64).copy()
        for ci, vs in enumerate(checks):
            L[vs] += R[ci]
    return L


@pytest.mark.parametrize("n_it", [1, 3])
def test_layered_min_sum_matches_check_by_check_reference(n_it: int) -> None:
    bgn, zc = 2, 3
    k = 10 * zc
    checks = _edges_from_dense_h(bgn, zc)
    cbs, d = random_blocks(bgn, zc, 4, seed=21)
    llr = awgn_llr(d, 0.0, 0.5, 2 * k, seed=22)
    for kernel in ("numba", "torch"):
        bits, _ = ldpc_decode(llr, bgn, n_it, scaling=0.75, early_termination=False,
                              kernel=kernel)
        for b in range(4):
            full = np.concatenate([np.zeros(2 * zc), llr[b].numpy()])
            ref = _reference_layered(full, checks, zc, n_it, 0.75)
            assert np.array_equal(bits[b].numpy(), (ref[:k] < 0).astype(np.uint8)), (kernel, b)


@pytest.mark.parametrize("n_it", [1, 4])
def test_sum_product_matches_check_by_check_reference(n_it: int) -> None:
    bgn, zc = 2, 2
    k = 10 * zc
    checks = _edges_from_dense_h(bgn, zc)
    cbs, d = random_blocks(bgn, zc, 4, seed=31)
    llr = awgn_llr(d, 1.0, 0.4, d.shape[-1], seed=32)
    bits, _ = ldpc_decode(llr, bgn, n_it, algorithm="sum-product", early_termination=False)
    for b in range(4):
        full = np.concatenate([np.zeros(2 * zc), llr[b].numpy()])
        ref = _reference_flooding(full, checks, n_it)
        assert np.array_equal(bits[b].numpy(), (ref[:k] < 0).astype(np.uint8))


# ------------------------------------------------------------------ shapes and bad inputs


def test_batch_shapes() -> None:
    cbs, d = random_blocks(2, 4, 6, seed=1)
    llr = (4.0 * (1.0 - 2.0 * d.float())).reshape(2, 3, -1)
    bits, iters = ldpc_decode(llr, 2)
    assert bits.shape == (2, 3, 40) and iters.shape == (2, 3)
    assert torch.equal(bits.reshape(6, -1), cbs)
    bits1, iters1 = ldpc_decode(llr[0, 0], 2)
    assert bits1.shape == (40,) and iters1.shape == () and int(iters1) == 1
    b0, i0 = ldpc_decode(torch.zeros(0, 200), 2)
    assert b0.shape == (0, 40) and i0.shape == (0,)


def test_float64_and_float16_inputs() -> None:
    cbs, d = random_blocks(2, 4, 2, seed=1)
    llr = 4.0 * (1.0 - 2.0 * d.double())
    assert torch.equal(ldpc_decode(llr, 2)[0], cbs)
    assert torch.equal(ldpc_decode(llr.half(), 2)[0], cbs)


def test_bad_inputs() -> None:
    good = torch.zeros(200)
    with pytest.raises(ValueError, match="bgn"):
        ldpc_decode(good, 3)
    with pytest.raises(ValueError, match=r"N .*= 201.*bgn = 2"):
        ldpc_decode(torch.zeros(201), 2)
    with pytest.raises(ValueError, match="max_iterations"):
        ldpc_decode(good, 2, 0)
    with pytest.raises(TypeError, match="max_iterations"):
        ldpc_decode(good, 2, 2.5)  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="algorithm"):
        ldpc_decode(good, 2, algorithm="bit-flipping")
    with pytest.raises(TypeError, match="llr"):
        ldpc_decode(torch.zeros(200, dtype=torch.int32), 2)
    with pytest.raises(TypeError, match="llr"):
        ldpc_decode(np.zeros(200), 2)  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="NaN"):
        ldpc_decode(torch.full((200,), math.nan), 2)
    with pytest.raises(ValueError, match="scaling"):
        ldpc_decode(good, 2, scaling=0.0)
    with pytest.raises(ValueError, match="scaling"):
        ldpc_decode(good, 2, scaling=1.5)
    with pytest.raises(ValueError, match="offset"):
        ldpc_decode(good, 2, offset=-0.1)
    with pytest.raises(ValueError, match="offset"):
        ldpc_decode(good, 2, offset=math.inf)
    with pytest.raises(TypeError, match="early_termination"):
        ldpc_decode(good, 2, early_termination=1)  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="kernel"):
        ldpc_decode(good, 2, kernel="cuda")
    with pytest.raises(ValueError, match="sum-product"):
        ldpc_decode(good, 2, algorithm="sum-product", kernel="numba")


@pytest.mark.parametrize("kernel, algorithm", [("numba", "layered-min-sum"),
                                               ("torch", "layered-min-sum"),
                                               ("torch", "sum-product")])
@pytest.mark.parametrize("early", [True, False])
def test_final_parity_check_flag(kernel, algorithm, early):
    # noiseless codewords satisfy H c = 0; pure-noise LLRs after 2 iterations do not
    cbs = torch.randint(0, 2, (3, 10 * 16), dtype=torch.uint8, generator=torch.Generator().manual_seed(2))
    good = 8.0 * (1 - 2 * ldpc_encode(cbs, 2).float())
    noise = torch.randn(3, 50 * 16, generator=torch.Generator().manual_seed(3))
    llr = torch.cat([good, noise])
    bits, iters, ok = ldpc_decode(llr, 2, 2, algorithm=algorithm, kernel=kernel,
                                  early_termination=early, return_parity_check=True)
    assert ok.tolist() == [True] * 3 + [False] * 3
    assert (iters > 0).all() and (iters <= 2).all()
    assert torch.equal(bits[:3], cbs)


def test_the_kernels_leave_torchs_thread_count_alone():
    # Numba's OpenMP layer sets OpenMP's thread count (torch's) when it launches its threads
    # and in set_num_threads: a single-threaded worker (the simulator's process pool) must
    # stay single-threaded after an LDPC call. A fresh process: the launch happens once.
    import subprocess
    import sys

    code = ("import torch; torch.set_num_threads(1)\n"
            "from softran.nr.coding.ldpc.decode_kernels import kernel_threads\n"
            "with kernel_threads(8) as parallel: assert not parallel\n"
            "assert torch.get_num_threads() == 1, torch.get_num_threads()\n"
            "torch.set_num_threads(2)\n"
            "with kernel_threads(8): pass\n"
            "assert torch.get_num_threads() == 2, torch.get_num_threads()\n")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=False,
                          timeout=120)
    assert done.returncode == 0, done.stderr
