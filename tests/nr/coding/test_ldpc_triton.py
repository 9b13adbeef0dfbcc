"""The Triton LDPC kernels (TS 38.212 §5.3.2 codes) against the plain torch reference.

On a machine with CUDA the kernel runs compiled on the GPU; elsewhere this module switches on
Triton's interpreter (TRITON_INTERPRET=1, before the kernel module is first imported) and runs
the same kernel on CPU tensors. The interpreter is slow, so the cases are small: a few blocks,
few iterations, small lifting sizes.
"""

from __future__ import annotations

import importlib.util
import math
import os

import pytest
import torch

if importlib.util.find_spec("triton") is None:
    pytest.skip("Triton is not installed", allow_module_level=True)

CUDA = torch.cuda.is_available()
if not CUDA:  # must happen before triton is first imported
    os.environ.setdefault("TRITON_INTERPRET", "1")

from softran.nr.coding.ldpc import base_graph_dims, ldpc_decode, ldpc_encode
from softran.nr.coding.ldpc.base_graph import lifting_size_set, lifting_sizes

DEVICE = torch.device("cuda" if CUDA else "cpu")


def noisy_blocks(bgn: int, zc: int, n: int, rate: float, ebn0_db: float, seed: int
                 ) -> tuple[torch.Tensor, torch.Tensor]:
    """n random blocks, BPSK over AWGN (LLR 2y/sigma^2); bits past E = K/rate get LLR 0."""
    _, _, kb = base_graph_dims(bgn)
    gen = torch.Generator().manual_seed(seed)
    cbs = torch.randint(0, 2, (n, kb * zc), generator=gen, dtype=torch.uint8)
    d = ldpc_encode(cbs, bgn).float()
    sigma2 = 1.0 / (2.0 * rate * 10.0 ** (ebn0_db / 10.0))
    llr = 2.0 * ((1.0 - 2.0 * d) + math.sqrt(sigma2) * torch.randn(d.shape, generator=gen)) / sigma2
    llr[:, round(kb * zc / rate):] = 0.0
    return cbs, llr


def both(llr: torch.Tensor, bgn: int, iterations: int, **kw):
    got = ldpc_decode(llr.to(DEVICE), bgn, iterations, kernel="triton", return_parity_check=True,
                      **kw)
    ref = ldpc_decode(llr, bgn, iterations, kernel="torch", return_parity_check=True, **kw)
    return [g.cpu() for g in got], ref


@pytest.mark.parametrize("algorithm", ["layered-min-sum", "layered-offset-min-sum"])
@pytest.mark.parametrize("early", [True, False])
def test_same_bits_and_iterations_as_torch(algorithm: str, early: bool) -> None:
    # Eb/N0 in the waterfall: with min-sum and early termination one block stops after 3
    # iterations, one after 4, one fails; every output must agree. Three blocks on two
    # programs (interpreter): one program decodes two blocks in turn
    _, llr = noisy_blocks(2, 16, 3, 1 / 3, 2.0, seed=1)
    got, ref = both(llr, 2, 4, algorithm=algorithm, early_termination=early)
    assert all(torch.equal(g, r) for g, r in zip(got, ref))
    assert not ref[2].all() and ref[2].any()  # the case is informative


def test_skipped_rows_and_chunked_lanes() -> None:
    # BG1 at rate 1/2 (extension rows without transmitted parity are skipped per block) with
    # Zc = 160: three chunks of 64 lanes, the last one partly masked
    cbs, llr = noisy_blocks(1, 160, 2, 1 / 2, 4.0, seed=5)
    llr[1, 30 * 160:] = 0.0  # block 1 loses more parity: its active rows differ from block 0
    got, ref = both(llr, 1, 3, early_termination=True, scaling=0.625)
    assert all(torch.equal(g, r) for g, r in zip(got, ref))
    bits = got[0]
    assert torch.equal(bits[0], cbs[0]) and not torch.equal(bits[1], cbs[1])


@pytest.mark.parametrize("bgn, zc", [(1, 2), (2, 15), (1, 13)])
def test_small_and_odd_lifting_sizes(bgn: int, zc: int) -> None:
    _, llr = noisy_blocks(bgn, zc, 2, 1 / 3, 3.0, seed=zc)
    got, ref = both(llr, bgn, 3, early_termination=False)
    assert all(torch.equal(g, r) for g, r in zip(got, ref))


def test_fillers_and_batch_shape() -> None:
    # +inf filler LLRs are saturated like the other kernels; leading batch dimensions kept
    cbs = torch.randint(0, 2, (2, 3, 10 * 8), dtype=torch.uint8,
                        generator=torch.Generator().manual_seed(3))
    cbs[..., -12:] = 0
    llr = 6.0 * (1 - 2 * ldpc_encode(cbs, 2).float())
    llr[..., 8 * 8 - 2 * 8:8 * 8] = -2.0  # wrong-signed systematic LLRs to be corrected
    llr[..., 10 * 8 - 12 - 16:10 * 8 - 16] = math.inf
    bits, iters = ldpc_decode(llr.to(DEVICE), 2, 4, kernel="triton")
    ref_bits, ref_iters = ldpc_decode(llr, 2, 4, kernel="torch")
    assert bits.shape == (2, 3, 80) and iters.shape == (2, 3)
    assert torch.equal(bits.cpu(), ref_bits) and torch.equal(iters.cpu(), ref_iters)
    assert torch.equal(bits.cpu(), cbs)


def test_empty_batch() -> None:
    bits, iters = ldpc_decode(torch.zeros(0, 50 * 4, device=DEVICE), 2, kernel="triton")
    assert bits.shape == (0, 40) and iters.shape == (0,)


def test_triton_refuses_cpu_without_interpreter(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("TRITON_INTERPRET", "0")
    with pytest.raises(ValueError, match="kernel = 'triton' needs"):
        ldpc_decode(torch.zeros(1, 50 * 4), 2, kernel="triton")
    monkeypatch.setenv("TRITON_INTERPRET", "0" if CUDA else "1")
    with pytest.raises(ValueError, match="sum-product"):
        ldpc_decode(torch.zeros(1, 50 * 4, device=DEVICE), 2, algorithm="sum-product",
                    kernel="triton")


# ---------------------------------------------------------------------------------- encoder

#: one lifting size of each of the 8 sets of TS 38.212 Table 5.3.2-1 (the largest of each,
#: so that several lane chunks and the wrap of the cyclic shifts are exercised)
ONE_PER_SET = [max(z for z in lifting_sizes() if lifting_size_set(z) == i) for i in range(8)]


@pytest.mark.parametrize("bgn", [1, 2])
@pytest.mark.parametrize("zc", ONE_PER_SET)
def test_encoder_matches_torch(bgn: int, zc: int) -> None:
    _, _, kb = base_graph_dims(bgn)
    cbs = torch.randint(0, 2, (3, kb * zc), dtype=torch.uint8,
                        generator=torch.Generator().manual_seed(zc))
    got = ldpc_encode(cbs.to(DEVICE), bgn, kernel="triton").cpu()
    assert torch.equal(got, ldpc_encode(cbs, bgn, kernel="torch"))


def test_encoder_fillers_and_batch_shape() -> None:
    cbs = torch.randint(0, 2, (2, 2, 22 * 6), dtype=torch.int8,
                        generator=torch.Generator().manual_seed(1))
    cbs[..., -10:] = -1                                    # filler bits stay -1 in the output
    got = ldpc_encode(cbs.to(DEVICE), 1, kernel="triton").cpu()
    assert got.shape == (2, 2, 66 * 6)
    assert torch.equal(got, ldpc_encode(cbs, 1, kernel="torch"))
    assert ldpc_encode(torch.zeros(0, 10 * 4, dtype=torch.uint8, device=DEVICE), 2,
                       kernel="triton").shape == (0, 200)


def test_encoder_refuses_cpu_without_interpreter(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("TRITON_INTERPRET", "0")
    with pytest.raises(ValueError, match="kernel = 'triton' needs"):
        ldpc_encode(torch.zeros(1, 10 * 4, dtype=torch.uint8), 2, kernel="triton")
