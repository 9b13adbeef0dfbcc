"""Fixed-point LDPC decoder (``ldpc_decode(..., kernel="numba-int8")``, TS 38.212 §5.3.2 codes):
the Numba kernel against its integer torch reference (bit for bit), against the float torch
decoder (same decisions at high SNR) and its waterfall against the float decoder's (loss
<= 0.1 dB, paired draws)."""

from __future__ import annotations

import math

import numba
import pytest
import torch
from hypothesis import given, settings
from hypothesis import strategies as st

from softran.nr.coding.ldpc import base_graph_dims, ldpc_decode, ldpc_encode
from softran.nr.coding.ldpc.decode_kernels_fixed import (
    LLR_TARGET,
    decode_fixed,
    decode_fixed_reference,
    fixed_scaling,
    quantize_llr,
)
from softran.nr.coding.ldpc.plan import decode_plan

LAYERED = ("layered-min-sum", "layered-offset-min-sum")


def random_blocks(bgn: int, zc: int, n: int, seed: int) -> tuple[torch.Tensor, torch.Tensor]:
    _, _, kb = base_graph_dims(bgn)
    cbs = torch.randint(0, 2, (n, kb * zc), generator=torch.Generator().manual_seed(seed),
                        dtype=torch.uint8)
    return cbs, ldpc_encode(cbs, bgn)


def awgn_llr(d: torch.Tensor, ebn0_db: float, rate: float, n_tx: int,
             noise: torch.Tensor) -> torch.Tensor:
    """BPSK over AWGN with the given unit-variance ``noise``: exact LLRs 2y/sigma^2;
    positions >= n_tx not transmitted (LLR 0)."""
    sigma2 = 1.0 / (2.0 * rate * 10.0 ** (ebn0_db / 10.0))
    llr = 2.0 * ((1.0 - 2.0 * d.float()) + math.sqrt(sigma2) * noise) / sigma2
    llr[..., n_tx:] = 0.0
    return llr


def noise_like(d: torch.Tensor, seed: int) -> torch.Tensor:
    return torch.randn(d.shape, generator=torch.Generator().manual_seed(seed))


# ------------------------------------------------------------------ quantisation


def test_quantisation_scale_sign_and_saturation() -> None:
    gen = torch.Generator().manual_seed(5)
    llr = 3.7 * torch.randn(4, 500, generator=gen)
    llr[0, :10] = math.inf
    llr[1, :10] = -math.inf
    llr[2, :250] = 0.0
    q, scale = quantize_llr(llr)
    assert q.dtype == torch.int8 and scale.dtype == torch.float64
    finite = llr.isfinite() & (llr != 0)
    # the mean magnitude of the finite nonzero LLRs becomes LLR_TARGET levels
    for b in range(4):
        mean = llr[b][finite[b]].abs().double().mean()
        assert float(scale[b]) == pytest.approx(LLR_TARGET / float(mean), rel=1e-6)
    expect = (llr.double() * scale[:, None]).clamp(-127, 127)
    expect = torch.where(expect >= 0, torch.floor(expect + 0.5), -torch.floor(0.5 - expect))
    assert torch.equal(q.long(), expect.long())
    assert q[0, :10].tolist() == [127] * 10 and q[1, :10].tolist() == [-127] * 10
    assert int(q[2, :250].abs().sum()) == 0
    # normalised min-sum is scale invariant: so is the quantiser (a power of 2 is exact)
    q2, scale2 = quantize_llr(8.0 * llr)
    assert torch.equal(q2, q) and torch.allclose(scale2 * 8.0, scale)


def test_all_zero_block_keeps_scale_one() -> None:
    q, scale = quantize_llr(torch.zeros(1, 16))
    assert scale.tolist() == [1.0] and int(q.abs().sum()) == 0


def test_three_quarters_in_bytes_is_the_normalisation() -> None:
    """_simd.three_quarters8 (the vector kernel's default 0.75 in 8-bit lanes) equals the
    module docstring's (m num) >> 4 with num = fixed_scaling(0.75) = 12 for every m."""
    import numpy as np
    from numba import njit

    from softran.nr.coding.ldpc._simd import LANES, load8, store8, three_quarters8

    @njit
    def scaled(m, out):
        for o in range(0, m.shape[0], LANES):
            store8(out, o, three_quarters8(load8(m, o)))

    m = np.arange(128, dtype=np.int8)
    out = np.empty_like(m)
    scaled(m, out)
    assert fixed_scaling(0.75) == 12
    assert out.tolist() == [(12 * v) >> 4 for v in range(128)]


def test_scale_of_the_transmitted_part_is_the_blocks() -> None:
    """The vector kernel scales only ``llr[:n]`` (n = _nonzero_length: the zero tail of
    untransmitted bits left out); that is bit for bit the scale of the whole block, on
    values whose float64 sum rounds differently in another order (checked: reversed)."""
    import numpy as np
    from numba import njit

    from softran.nr.coding.ldpc.decode_kernels_fixed import _block_scale, _nonzero_length

    @njit
    def scales(x):
        n = _nonzero_length(x)
        return n, _block_scale(x, 16.0, 1e20), _block_scale(x[:n], 16.0, 1e20)

    rng = np.random.default_rng(18)
    reordered = 0
    for trial in range(300):
        size = int(rng.choice([66 * 320, 66 * 384, 50 * 20, 50 * 15, 999, 70]))
        x = (rng.standard_normal(size) * 10.0 ** rng.uniform(-8, 8, size)).astype(np.float32)
        x[rng.integers(0, size, 3)] = np.inf if trial % 2 else -np.inf
        tail = int(rng.integers(0, size + 1))
        x[tail:] = 0.0
        if trial % 5 == 0 and tail < size:
            x[-1] = -0.0 if trial % 10 else 1e-3        # a last nonzero (or negative zero)
        n, whole, part = scales(x)
        assert n == size or (n % 8 == 0 and n >= 64 and not x[n:].view(np.uint32).any())
        assert n >= tail - tail % 8 or n == size
        assert whole == part, (size, tail, n)
        reordered += _block_scale(x[::-1].copy(), 16.0, 1e20) != whole
    assert reordered > 100


# ------------------------------------------------------------------ kernel vs reference


@pytest.mark.parametrize("algorithm", LAYERED)
@pytest.mark.parametrize("early", [True, False])
@pytest.mark.parametrize("bgn,zc,rate,ebn0", [pytest.param(1, 384, 1 / 3, 1.0,
                                                           marks=pytest.mark.slow),
                                              (1, 208, 0.5, 1.5),
                                              (2, 15, 0.4, 0.5), (2, 352, 0.25, 0.8),
                                              (1, 2, 1 / 3, 2.0), (2, 7, 0.2, 1.0),
                                              (1, 64, 1 / 3, 1.0), (2, 128, 0.5, 1.5),
                                              (1, 320, 0.6, 2.2), (1, 16, 0.5, 2.0),
                                              (2, 60, 0.3, 1.0)])
def test_kernel_matches_integer_reference(algorithm: str, early: bool, bgn: int, zc: int,
                                          rate: float, ebn0: float) -> None:
    """Bit for bit: hard bits and signed iteration counts, also where decoding fails for some
    blocks, with punctured parity (row skipping) and saturated / zero LLRs."""
    _, _, kb = base_graph_dims(bgn)
    _, d = random_blocks(bgn, zc, 5, seed=zc)
    e = round(kb * zc / rate)
    llr = awgn_llr(d, ebn0, rate, e - 2 * zc, noise_like(d, zc + 1))
    llr[0, :3] = math.inf                                   # filler-like bits
    llr[1, 5:9] = 0.0                                       # erasures
    llr[2] *= 1e3                                           # large magnitudes
    plan = decode_plan(bgn, zc)
    offset_ms = algorithm == "layered-offset-min-sum"
    fast = decode_fixed(llr, plan, 6, offset_ms, 0.75, 0.5, early)
    ref = decode_fixed_reference(llr, plan, 6, offset_ms, 0.75, 0.5, early)
    assert torch.equal(fast[0], ref[0])
    assert torch.equal(fast[1], ref[1])
    # through the public function: |iterations| and the parity flag from the sign
    bits, iters, ok = ldpc_decode(llr, bgn, 6, algorithm=algorithm, early_termination=early,
                                  kernel="numba-int8", return_parity_check=True)
    assert torch.equal(bits, ref[0]) and torch.equal(iters, ref[1].abs())
    assert torch.equal(ok, ref[1] > 0)


@pytest.mark.parametrize("scaling", [1.0, 0.8125, 0.5])
def test_other_scalings_match_reference(scaling: float) -> None:
    _, d = random_blocks(2, 32, 4, seed=9)
    llr = awgn_llr(d, 1.0, 0.3, d.shape[-1], noise_like(d, 10))
    plan = decode_plan(2, 32)
    fast = decode_fixed(llr, plan, 5, False, scaling, 0.5, True)
    ref = decode_fixed_reference(llr, plan, 5, False, scaling, 0.5, True)
    assert torch.equal(fast[0], ref[0]) and torch.equal(fast[1], ref[1])


@pytest.mark.parametrize("zc", [12, 96])  # the scalar and the vector kernel
def test_threads_give_identical_results(zc: int) -> None:
    _, d = random_blocks(1, zc, 6, seed=2)
    llr = awgn_llr(d, 1.0, 1 / 3, d.shape[-1], noise_like(d, 3))
    old_torch, old_numba = torch.get_num_threads(), numba.get_num_threads()
    try:
        torch.set_num_threads(1)
        one = ldpc_decode(llr, 1, 5, kernel="numba-int8")
        torch.set_num_threads(max(2, old_torch))
        many = ldpc_decode(llr, 1, 5, kernel="numba-int8")
    finally:
        torch.set_num_threads(old_torch)
    assert numba.get_num_threads() == old_numba
    assert torch.equal(one[0], many[0]) and torch.equal(one[1], many[1])


@settings(max_examples=25, deadline=None, derandomize=True)
@given(bgn=st.sampled_from([1, 2]), zc=st.sampled_from([6, 16, 20, 36, 64, 72, 104]),
       rate=st.floats(0.2, 0.9), ebn0=st.floats(-1.0, 4.0), max_it=st.integers(1, 7),
       early=st.booleans(), offset_ms=st.booleans(), seed=st.integers(0, 2**16))
def test_kernel_matches_integer_reference_property(bgn: int, zc: int, rate: float, ebn0: float,
                                                   max_it: int, early: bool, offset_ms: bool,
                                                   seed: int) -> None:
    """Bit for bit over drawn base graphs, lifting sizes (scalar and vector kernel, Zc a
    multiple of 64 or not), code rates (shortened / punctured parity: rows skipped),
    SNRs (decoding that converges, and that fails), iteration limits and both variants."""
    _, n_cols, kb = base_graph_dims(bgn)
    _, d = random_blocks(bgn, zc, 3, seed=seed)
    n_tx = min((n_cols - 2) * zc, max(kb * zc, round(kb * zc / rate)))
    llr = awgn_llr(d, ebn0, rate, n_tx, noise_like(d, seed + 1))
    plan = decode_plan(bgn, zc)
    fast = decode_fixed(llr, plan, max_it, offset_ms, 0.75, 0.5, early)
    ref = decode_fixed_reference(llr, plan, max_it, offset_ms, 0.75, 0.5, early)
    assert torch.equal(fast[0], ref[0]) and torch.equal(fast[1], ref[1])
    # without the parity flag (the kernel then skips work only the parity check needs)
    bits, iters = ldpc_decode(llr, bgn, max_it, algorithm=LAYERED[offset_ms],
                              early_termination=early, kernel="numba-int8")
    assert torch.equal(bits, ref[0]) and torch.equal(iters, ref[1].abs())


@pytest.mark.parametrize("zc", [72, 128])
def test_blocks_with_other_skipped_rows_in_one_batch(zc: int) -> None:
    """Blocks whose punctured parity differs (so other rows are skipped) in one batch, in
    both orders and through one kept decoder call after another: each block as the
    reference decodes it alone (the vector kernel keeps its buffer walk per pattern of
    skipped rows)."""
    _, d = random_blocks(1, zc, 4, seed=zc + 7)
    llr = awgn_llr(d, 1.5, 0.5, d.shape[-1], noise_like(d, zc + 8))
    for b, n_tx in enumerate([30 * zc, 66 * zc, 44 * zc, 30 * zc]):
        llr[b, n_tx:] = 0.0
    plan = decode_plan(1, zc)
    ref = decode_fixed_reference(llr, plan, 6, False, 0.75, 0.5, True)
    old = torch.get_num_threads()
    try:
        torch.set_num_threads(1)     # the serial kernel: one workspace for all blocks
        for order in ([0, 1, 2, 3], [3, 2, 1, 0], [1], [0], [2]):
            fast = decode_fixed(llr[order], plan, 6, False, 0.75, 0.5, True)
            assert torch.equal(fast[0], ref[0][order]) and torch.equal(fast[1], ref[1][order])
    finally:
        torch.set_num_threads(old)
    assert len(set(ref[1].tolist())) > 1      # the patterns do decode differently


# ------------------------------------------------------------------ against the float decoder


@pytest.mark.parametrize("algorithm", LAYERED)
@pytest.mark.parametrize("bgn,zc,rate,ebn0", [(1, 384, 1 / 3, 3.0), (2, 64, 0.5, 4.0),
                                              (1, 20, 0.8, 5.5)])
def test_same_decisions_as_float_torch_at_high_snr(algorithm: str, bgn: int, zc: int,
                                                   rate: float, ebn0: float) -> None:
    _, _, kb = base_graph_dims(bgn)
    cbs, d = random_blocks(bgn, zc, 6, seed=zc + 20)
    e = round(kb * zc / rate)
    llr = awgn_llr(d, ebn0, rate, e - 2 * zc, noise_like(d, zc + 21))
    fixed, it_fixed = ldpc_decode(llr, bgn, 10, algorithm=algorithm, kernel="numba-int8")
    ref, _ = ldpc_decode(llr, bgn, 10, algorithm=algorithm, kernel="torch")
    assert torch.equal(ref, cbs)
    assert torch.equal(fixed, ref)
    assert int(it_fixed.max()) <= 10


def _waterfall_discordance(bgn: int, zc: int, rate: float, ebn0: float, n: int,
                           algorithm: str) -> tuple[int, int, int, int]:
    """Paired draws: the fixed-point decoder at ``ebn0`` and the float decoder 0.1 dB lower,
    the same noise samples. Returns (fixed fails and float succeeds, the reverse, fixed
    failures, float failures at ``ebn0``)."""
    _, _, kb = base_graph_dims(bgn)
    cbs, d = random_blocks(bgn, zc, n, seed=100 + zc)
    e = round(kb * zc / rate)
    noise = noise_like(d, 101 + zc)
    llr = awgn_llr(d, ebn0, rate, e - 2 * zc, noise)
    fixed, _ = ldpc_decode(llr, bgn, 10, algorithm=algorithm, kernel="numba-int8")
    same, _ = ldpc_decode(llr, bgn, 10, algorithm=algorithm, kernel="numba")
    lower = awgn_llr(d, ebn0 - 0.1, rate, e - 2 * zc, noise)
    # the float Numba kernel is bit-identical to the torch decoder (test_ldpc_decode.py)
    ref, _ = ldpc_decode(lower, bgn, 10, algorithm=algorithm, kernel="numba")
    f_fail, r_fail = (fixed != cbs).any(-1), (ref != cbs).any(-1)
    return (int((f_fail & ~r_fail).sum()), int((~f_fail & r_fail).sum()), int(f_fail.sum()),
            int((same != cbs).any(-1).sum()))


def _assert_not_worse(a: int, b: int, fixed_fail: int, n: int) -> None:
    # the test has power only where blocks fail: the point must be in the waterfall
    assert 0.05 * n < fixed_fail < 0.95 * n, (fixed_fail, n)
    # if the fixed decoder at SNR were as good as the float one at SNR - 0.1 dB, each
    # discordant pair would go either way with probability 1/2: a - b <= 3 sigma
    assert a - b <= 3.0 * math.sqrt(max(a + b, 1)), (a, b)


@pytest.mark.parametrize("algorithm", LAYERED)
def test_waterfall_within_0_1_db_bg2(algorithm: str) -> None:
    n = 400
    a, b, fixed_fail, _ = _waterfall_discordance(2, 64, 0.5, 2.0, n, algorithm)
    _assert_not_worse(a, b, fixed_fail, n)


@pytest.mark.slow
@pytest.mark.parametrize("algorithm", LAYERED)
@pytest.mark.parametrize("bgn,zc,rate,ebn0", [(1, 384, 1 / 3, 0.9), (2, 15, 0.4, 1.5),
                                              (1, 208, 0.5, 1.6),
                                              # the UL latency slot's code blocks (16QAM
                                              # MCS 16: R = 658/1024)
                                              (1, 320, 0.64, 2.35)])
def test_waterfall_within_0_1_db(algorithm: str, bgn: int, zc: int, rate: float,
                                 ebn0: float) -> None:
    n = 300
    a, b, fixed_fail, _ = _waterfall_discordance(bgn, zc, rate, ebn0, n, algorithm)
    _assert_not_worse(a, b, fixed_fail, n)


@pytest.mark.parametrize("zc", [52, 13])
def test_nan_llr_refused(zc: int) -> None:
    """The fixed-point kernels find a NaN while they scale the block (both kernels: Zc = 52
    vector, 13 scalar); ldpc_decode then raises check_llr's error."""
    llr = torch.full((2, 3, 66 * zc), 4.0)
    llr[1, 2, 17] = math.nan
    with pytest.raises(ValueError, match=r"llr contains NaN \(first at index \(1, 2, 17\)\)"):
        ldpc_decode(llr, 1, kernel="numba-int8")
    with pytest.raises(TypeError, match="llr"):
        ldpc_decode(torch.zeros(1, 66 * zc, dtype=torch.int32), 1, kernel="numba-int8")


def test_batch_shape_and_parity_flag() -> None:
    """Leading batch dimensions are kept; the parity flag is False for a block whose
    decisions fail a check (here: random LLRs with one iteration)."""
    cbs, d = random_blocks(1, 64, 6, seed=40)
    llr = (4.0 * (1 - 2 * d.float())).view(2, 3, -1)
    bits, iters, ok = ldpc_decode(llr, 1, 5, kernel="numba-int8", return_parity_check=True)
    assert bits.shape == (2, 3, 22 * 64) and iters.shape == ok.shape == (2, 3)
    assert torch.equal(bits.view(6, -1), cbs) and bool(ok.all()) and iters.tolist() == [[1] * 3] * 2
    noise = torch.randn(llr.shape, generator=torch.Generator().manual_seed(41))
    bits, iters, ok = ldpc_decode(noise, 1, 1, kernel="numba-int8", return_parity_check=True)
    assert not bool(ok.any()) and iters.tolist() == [[1] * 3] * 2


def test_bad_kernel_uses() -> None:
    good = torch.zeros(1, 50 * 2)
    with pytest.raises(ValueError, match="numba-int8"):
        ldpc_decode(good, 2, algorithm="sum-product", kernel="numba-int8")
    with pytest.raises(ValueError, match="kernel"):
        ldpc_decode(good, 2, kernel="int8")


# ------------------------------------------------------------------ through the receivers


def test_ulsch_decoder_with_fixed_point_kernel() -> None:
    from softran.nr.coding.sch import ULSCHDecoder, ULSCHEncoder

    gen = torch.Generator().manual_seed(30)
    tb = torch.randint(0, 2, (3, 4000), dtype=torch.uint8, generator=gen)
    enc = ULSCHEncoder(0.4)
    g = 10800
    cw = enc(tb, "16QAM", 1, g)
    noise = torch.randn(cw.shape, generator=gen)
    llr = 2.0 * ((1.0 - 2.0 * cw.float()) + 0.6 * noise) / 0.36
    fixed = ULSCHDecoder(0.4, 4000, ldpc_kernel="numba-int8")
    ref = ULSCHDecoder(0.4, 4000, ldpc_kernel="torch")
    out_f, err_f = fixed(llr, "16QAM", 1, new_data=True)
    out_r, err_r = ref(llr, "16QAM", 1, new_data=True)
    assert not bool(err_f.any()) and not bool(err_r.any())
    assert torch.equal(out_f, tb) and torch.equal(out_r, tb)
    with pytest.raises(ValueError, match="ldpc_kernel"):
        ULSCHDecoder(0.4, 4000, ldpc_kernel="int8")


def test_pusch_receiver_with_fixed_point_kernel() -> None:
    from softran.nr import CarrierConfig, PUSCHConfig, PUSCHReceiver, PUSCHTransmitter

    carrier = CarrierConfig(subcarrier_spacing=30, n_size_grid=24)
    cfg = PUSCHConfig(prb_set=range(24), mcs_index=10)
    tx = PUSCHTransmitter(carrier, cfg)
    gen = torch.Generator().manual_seed(31)
    tb = torch.randint(0, 2, (2, cfg.tb_size), dtype=torch.uint8, generator=gen)
    wave = tx(tb).expand(-1, 2, -1)
    rx_wave = wave + 0.05 * torch.randn(wave.shape, dtype=wave.dtype, generator=gen)
    rx = PUSCHReceiver(carrier, cfg, n_rx=2, ldpc_kernel="numba-int8")
    assert rx.decoder.ldpc_kernel == "numba-int8"
    out, err = rx(rx_wave, new_data=True)
    assert not bool(err.any()) and torch.equal(out, tb)
