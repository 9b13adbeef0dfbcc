"""LDPC rate matching / recovery, TS 38.212 §5.4.2 (bit selection, bit interleaving) and §5.5."""

import math

import pytest
import torch
from hypothesis import given, settings
from hypothesis import strategies as st

from softran.nr.coding.ldpc.base_graph import lifting_sizes
from softran.nr.coding.ldpc.encode import ldpc_encode
from softran.nr.coding.ldpc.rate_match import (
    LDPCRateRecovery,
    rate_match_ldpc,
    rate_match_segments,
    rate_recover_ldpc,
)
from softran.nr.coding.ldpc.segment import code_block_segment_ldpc
from softran.nr.coding.sch_info import dlsch_info
from softran.validation import max_allocation

QM = {"pi/2-BPSK": 1, "QPSK": 2, "16QAM": 4, "64QAM": 6, "256QAM": 8, "1024QAM": 10}


# ---------------------------------------------------------------------------------------------
# Brute-force reference: the loops of TS 38.212 §5.4.2.1, §5.4.2.2 and §5.5, bit by bit
# ---------------------------------------------------------------------------------------------

def ref_k0(rv: int, bgn: int, n_cb: int, zc: int) -> int:
    # Table 5.4.2.1-2
    if rv == 0:
        return 0
    num = {1: {1: 17, 2: 33, 3: 56}, 2: {1: 13, 2: 25, 3: 43}}[bgn][rv]
    den = 66 if bgn == 1 else 50
    return math.floor(num * n_cb / (den * zc)) * zc


def ref_rate_match(cw: list[list[int]], g: int, rv: int, qm: int, n_l: int, n_cb: int, bgn: int,
                   zc: int) -> tuple[list[int], list[tuple[int, int]]]:
    """Rate-matched bits and, for each, the (code block, codeword position) it came from."""
    c = len(cw)
    k0 = ref_k0(rv, bgn, n_cb, zc)
    out, where = [], []
    j = 0
    for r in range(c):
        if j <= c - (g // (n_l * qm)) % c - 1:
            e_r = n_l * qm * math.floor(g / (n_l * qm * c))
        else:
            e_r = n_l * qm * math.ceil(g / (n_l * qm * c))
        j += 1
        e, e_pos = [], []
        k = jj = 0
        while k < e_r:                                   # bit selection
            p = (k0 + jj) % n_cb
            if cw[r][p] != -1:
                e.append(cw[r][p])
                e_pos.append(p)
                k += 1
            jj += 1
        f = [0] * e_r
        f_pos = [0] * e_r
        for jx in range(e_r // qm):                      # bit interleaving
            for i in range(qm):
                f[i + jx * qm] = e[i * (e_r // qm) + jx]
                f_pos[i + jx * qm] = e_pos[i * (e_r // qm) + jx]
        out += f                                         # code block concatenation
        where += [(r, p) for p in f_pos]
    return out, where


def make_cw(c: int, n: int, fill_start: int, fill_len: int, seed: int) -> torch.Tensor:
    gen = torch.Generator().manual_seed(seed)
    cw = torch.randint(0, 2, (c, n), generator=gen, dtype=torch.int8)
    cw[:, fill_start:fill_start + fill_len] = -1
    return cw


def check_against_reference(cw, tbs, rate, g, rv, mod, n_l, n_ref, bgn, zc):
    qm = QM[mod]
    c, n = cw.shape
    n_cb = n if n_ref is None else min(n, n_ref)
    ref, where = ref_rate_match(cw.tolist(), g, rv, qm, n_l, n_cb, bgn, zc)
    out = rate_match_ldpc(cw, g, rv, mod, n_l, n_ref=n_ref)
    assert out.dtype == torch.uint8 and out.shape == (g,)
    assert out.tolist() == ref
    if tbs is None:
        return
    # LLR = (1 - 2 f) * distinct magnitude: each soft bit must come back to its position
    llr = (1 - 2 * out.to(torch.float32)) * torch.arange(1, g + 1, dtype=torch.float32)
    rec = rate_recover_ldpc(llr, tbs, rate, rv, mod, n_l, n_ref=n_ref)
    expected = torch.zeros(c, n, dtype=torch.float32)
    for j, (r, p) in enumerate(where):
        expected[r, p] += llr[j]                         # repetitions are summed
    expected[cw == -1] = float("inf")
    assert rec.dtype == torch.float32 and rec.shape == (c, n)
    assert torch.equal(rec, expected)
    sent = torch.zeros(c, n, dtype=torch.bool)
    for r, p in where:
        sent[r, p] = True
    assert torch.equal((rec[sent] > 0), (cw[sent] == 0))  # the sign is the bit that was sent


# ---------------------------------------------------------------------------------------------
# Hand-worked values
# ---------------------------------------------------------------------------------------------

@pytest.mark.parametrize("tbs, bgn, n_ref, k0s", [
    # BG1, Zc = 384, N_cb = N = 66 Zc: k0 = {0, 17, 33, 56} Zc
    (8424, 1, None, [0, 17 * 384, 33 * 384, 56 * 384]),
    # limited buffer N_cb = 15000: floor(17*15000/25344) = 10, floor(33*15000/25344) = 19,
    # floor(56*15000/25344) = 33
    (8424, 1, 15000, [0, 10 * 384, 19 * 384, 33 * 384]),
    # BG2, Zc = 384, N_cb = N = 50 Zc: k0 = {0, 13, 25, 43} Zc
    (3824, 2, None, [0, 13 * 384, 25 * 384, 43 * 384]),
    # limited buffer N_cb = 10000: floor(13*10000/19200) = 6, floor(25e4/19200) = 13,
    # floor(43e4/19200) = 22
    (3824, 2, 10000, [0, 6 * 384, 13 * 384, 22 * 384]),
])
def test_k0(tbs, bgn, n_ref, k0s):
    info = dlsch_info(tbs, 0.5)
    assert (info.bgn, info.zc, info.c, info.f) == (bgn, 384, 1, 0)
    for rv, k0 in enumerate(k0s):
        # pi/2-BPSK (Qm = 1, no interleaving), E = 8: soft bits j land on k0 + j
        rec = rate_recover_ldpc(torch.arange(1.0, 9.0), tbs, 0.5, rv, "pi/2-BPSK", n_ref=n_ref)
        nz = rec[0].nonzero().flatten().tolist()
        assert nz == list(range(k0, k0 + 8))
        assert rec[0, k0:k0 + 8].tolist() == [1.0, 2, 3, 4, 5, 6, 7, 8]
        # rate matching a one-hot codeword at k0: the first output bit is 1
        cw = torch.zeros(1, info.n, dtype=torch.int8)
        cw[0, k0] = 1
        assert rate_match_ldpc(cw, 8, rv, "pi/2-BPSK", n_ref=n_ref).tolist() == [1] + [0] * 7


def test_interleaving_e8_qm4():
    # E = 8, Qm = 4: f_{i + 4j} = e_{2i + j} -> f = e0 e2 e4 e6 e1 e3 e5 e7,
    # so e_k goes to output position [0, 4, 1, 5, 2, 6, 3, 7][k]
    target = [0, 4, 1, 5, 2, 6, 3, 7]
    for k in range(8):
        cw = torch.zeros(1, 50 * 2, dtype=torch.int8)            # BG2, Zc = 2, rv 0: e_k = d_k
        cw[0, k] = 1
        out = rate_match_ldpc(cw, 8, 0, "16QAM")
        assert out.tolist() == [int(p == target[k]) for p in range(8)]


def test_k0_inside_filler_region_skips_fillers():
    # BG1, Zc = 3 (N = 198), K' = 50: fillers at d_44 .. d_59; rv 1: k0 = floor(17*198/198)*3 = 51
    cw = make_cw(1, 198, 44, 16, seed=5)
    out = rate_match_ldpc(cw, 8, 1, "pi/2-BPSK")
    assert out.tolist() == cw[0, 60:68].tolist()


def test_two_e_values_across_code_blocks():
    # QPSK, 1 layer: G = 2 (3 * 10 + 1) = 62 over C = 3 blocks -> G/(N_L Qm) = 31,
    # mod(31, 3) = 1: r = 0, 1 get 2 floor(31/3) = 20, r = 2 gets 2 ceil(31/3) = 22
    info = dlsch_info(8000, 0.2)
    assert info.c == 3
    rec = rate_recover_ldpc(torch.ones(62), 8000, 0.2, 0, "QPSK")
    finite_nonzero = (rec != 0) & rec.isfinite()
    assert finite_nonzero.sum(-1).tolist() == [20, 20, 22]


def test_repetition_soft_combining():
    # E > N_cb - F: every transmitted position is read more than once and its LLRs add up
    info = dlsch_info(200, 0.5)                          # BG2, C = 1
    n_avail = info.n - info.f
    g = 2 * n_avail + 6                                  # QPSK, 1 layer
    rec = rate_recover_ldpc(torch.ones(g), 200, 0.5, 0, "QPSK")
    finite = rec[0][rec[0].isfinite()]
    assert float(finite.sum()) == g
    assert set(finite.unique().tolist()) == {2.0, 3.0}
    assert int((finite == 3).sum()) == 6


def test_no_n_ref_equals_large_n_ref():
    cw = make_cw(2, 66 * 16, 300, 20, seed=2)
    for rv in range(4):
        a = rate_match_ldpc(cw, 1200, rv, "64QAM", 2)
        assert torch.equal(a, rate_match_ldpc(cw, 1200, rv, "64QAM", 2, n_ref=66 * 16))
        assert torch.equal(a, rate_match_ldpc(cw, 1200, rv, "64QAM", 2, n_ref=10**6))


def test_batched_matches_single():
    cws = torch.stack([make_cw(3, 50 * 20, 100, 30, seed=s) for s in range(4)]).reshape(2, 2, 3,
                                                                                        1000)
    out = rate_match_ldpc(cws, 3 * 4 * 301, 2, "16QAM", 3)
    assert out.shape == (2, 2, 3 * 4 * 301)
    for i in range(2):
        for j in range(2):
            assert torch.equal(out[i, j], rate_match_ldpc(cws[i, j], 3 * 4 * 301, 2, "16QAM", 3))
    llr = torch.randn(2, 5, 4 * 1500, generator=torch.Generator().manual_seed(1004))
    rec = rate_recover_ldpc(llr, 5000, 0.5, 1, "16QAM", 2)
    assert rec.shape[:2] == (2, 5)
    assert torch.equal(rec[1, 3], rate_recover_ldpc(llr[1, 3], 5000, 0.5, 1, "16QAM", 2))


def test_other_integer_dtypes():
    cw = make_cw(2, 50 * 6, 40, 8, seed=4)
    ref = rate_match_ldpc(cw, 600, 3, "64QAM")
    for dtype in (torch.int16, torch.int64):
        assert torch.equal(rate_match_ldpc(cw.to(dtype), 600, 3, "64QAM"), ref)
    no_fillers = make_cw(2, 50 * 6, 0, 0, seed=4)           # uint8 works without fillers
    assert torch.equal(rate_match_ldpc(no_fillers.to(torch.uint8), 600, 1, "QPSK"),
                       rate_match_ldpc(no_fillers, 600, 1, "QPSK"))


def test_zero_length_output():
    cw = make_cw(2, 100, 10, 4, seed=0)
    assert rate_match_ldpc(cw, 0, 0, "QPSK").shape == (0,)


def test_recovery_refuses_code_blocks_without_soft_bits():
    # G = 0 (or G < C * N_L * Q_m) leaves a code block with E_r = 0: nothing to decode from,
    # and the output would be the fillers' +inf around zeros. Refused, naming llr.
    with pytest.raises(ValueError, match=r"llr has 0 soft bits .*G >= 2"):
        rate_recover_ldpc(torch.zeros(0), 100, 0.5, 0, "QPSK")
    # tbs = 20000 at R = 1/2: C = 3 code blocks (TS 38.212 §5.2.2, K_cb = 8448), 16QAM, 2 layers
    with pytest.raises(ValueError, match=r"C = 3 code block.*G >= 24"):
        rate_recover_ldpc(torch.zeros(16), 20000, 0.5, 0, "16QAM", 2)
    assert rate_recover_ldpc(torch.zeros(24), 20000, 0.5, 0, "16QAM", 2).shape[-2] == 3


def test_recovery_refuses_nan_and_keeps_inf():
    llr = torch.zeros(4500)
    llr[7] = float("nan")
    with pytest.raises(ValueError, match=r"llr contains NaN \(first at index 7\)"):
        rate_recover_ldpc(llr, 4000, 0.5, 0, "QPSK")
    llr[7] = -float("inf")                       # a certain 1 stays certain
    out = rate_recover_ldpc(llr, 4000, 0.5, 0, "QPSK")
    assert float(out.min()) == -float("inf") and not bool(out.isnan().any())


def test_huge_sizes_are_refused_before_allocating():
    # tbs = 10**9: about 118,000 code blocks of N = 25344 float32 LLRs, 12 GB
    with pytest.raises(ValueError, match=r"tbs = 1000000000 would need about 11.2 GiB.*limit"):
        rate_recover_ldpc(torch.zeros(4500), 10**9, 0.5, 0, "QPSK")
    cw = make_cw(1, 100, 10, 4, seed=0)
    with max_allocation("1M"):
        with pytest.raises(ValueError, match=r"out_len = 10000000 would need .* limit of 1 MiB"):
            rate_match_ldpc(cw, 10**7, 0, "QPSK")


# ---------------------------------------------------------------------------------------------
# Properties against the brute-force reference
# ---------------------------------------------------------------------------------------------

@settings(max_examples=60, deadline=None)
@given(data=st.data(), tbs=st.integers(24, 14000), rate=st.sampled_from([0.1, 0.2, 0.25, 0.4,
                                                                        0.5, 0.7, 0.9]),
       rv=st.integers(0, 3), mod=st.sampled_from(list(QM)), n_l=st.integers(1, 4),
       limited=st.booleans(), seed=st.integers(0, 1000))
def test_round_trip_against_reference(data, tbs, rate, rv, mod, n_l, limited, seed):
    info = dlsch_info(tbs, rate)
    n_ref = data.draw(st.integers(info.n // 3, info.n + 50)) if limited else None
    n_cb = info.n if n_ref is None else min(info.n, n_ref)
    nq = n_l * QM[mod]
    # from one group of n_l * Q_m bits per code block (recovery refuses fewer) to > 2x
    # repetition; often not divisible by C
    gq = data.draw(st.integers(info.c, max(info.c, (5 * info.c * n_cb) // (2 * nq))))
    g = gq * nq
    fill_start = info.k_prime - 2 * info.zc
    cw = make_cw(info.c, info.n, fill_start, info.f, seed)
    check_against_reference(cw, tbs, rate, g, rv, mod, n_l, n_ref, info.bgn, info.zc)


@settings(max_examples=60, deadline=None)
@given(data=st.data(), bgn=st.sampled_from([1, 2]), c=st.integers(1, 4), rv=st.integers(0, 3),
       mod=st.sampled_from(list(QM)), n_l=st.integers(1, 4), seed=st.integers(0, 1000))
def test_rate_match_any_filler_layout(data, bgn, c, rv, mod, n_l, seed):
    zc = data.draw(st.sampled_from([z for z in lifting_sizes() if z <= 64]))
    n = (66 if bgn == 1 else 50) * zc
    k_sys = (22 if bgn == 1 else 10) * zc - 2 * zc                 # systematic bits in d
    fill_start = data.draw(st.integers(1, k_sys))
    fill_len = data.draw(st.integers(0, k_sys - fill_start))
    n_ref = data.draw(st.one_of(st.none(), st.integers(fill_start + 1, n + 10)))
    nq = n_l * QM[mod]
    g = nq * data.draw(st.integers(0, (3 * c * n) // nq))
    cw = make_cw(c, n, fill_start, fill_len, seed)
    check_against_reference(cw, None, None, g, rv, mod, n_l, n_ref, bgn, zc)


def test_chain_with_ldpc_encoder_fillers():
    # segmentation -> LDPC encoding: fillers of the codewords are where rate recovery puts +inf
    tbs, rate = 20496, 0.5
    info = dlsch_info(tbs, rate)
    blk = torch.randint(0, 2, (info.b,), dtype=torch.uint8, generator=torch.Generator()
                        .manual_seed(0))
    cw = ldpc_encode(code_block_segment_ldpc(blk, info.bgn), info.bgn)
    assert cw.shape == (info.c, info.n)
    g = 4 * 3 * 2000
    out = rate_match_ldpc(cw, g, 2, "16QAM", 3)
    rec = rate_recover_ldpc((1 - 2 * out.float()), tbs, rate, 2, "16QAM", 3)
    assert torch.equal(rec.isinf(), cw == -1)
    sent = (rec != 0) & rec.isfinite()
    assert torch.equal(rec[sent] > 0, cw[sent] == 0)


# ---------------------------------------------------------------------------------------------
# Bad inputs
# ---------------------------------------------------------------------------------------------

def test_bad_inputs():
    cw = make_cw(2, 100, 10, 4, seed=0)
    with pytest.raises(ValueError, match="rv"):
        rate_match_ldpc(cw, 100, 4, "QPSK")
    with pytest.raises(ValueError, match="rv"):
        rate_match_ldpc(cw, 100, -1, "QPSK")
    with pytest.raises(ValueError, match="multiple"):
        rate_match_ldpc(cw, 101, 0, "QPSK")
    with pytest.raises(ValueError, match="multiple"):
        rate_match_ldpc(cw, 100, 0, "64QAM")
    with pytest.raises(ValueError, match="multiple"):
        rate_match_ldpc(cw, 100, 0, "QPSK", 3)
    with pytest.raises(ValueError, match="N = 67"):
        rate_match_ldpc(torch.zeros(1, 67, dtype=torch.int8), 10, 0, "QPSK")
    with pytest.raises(ValueError, match="N = 66"):
        rate_match_ldpc(torch.zeros(1, 66, dtype=torch.int8), 10, 0, "QPSK")     # Zc = 1
    with pytest.raises(ValueError, match="modulation"):
        rate_match_ldpc(cw, 100, 0, "8PSK")
    with pytest.raises(ValueError, match="n_layers"):
        rate_match_ldpc(cw, 100, 0, "QPSK", 5)
    with pytest.raises(ValueError, match="n_ref"):
        rate_match_ldpc(cw, 100, 0, "QPSK", n_ref=0)
    with pytest.raises(ValueError, match="out_len"):
        rate_match_ldpc(cw, -2, 0, "QPSK")
    with pytest.raises(TypeError):
        rate_match_ldpc(cw.float(), 100, 0, "QPSK")
    with pytest.raises(TypeError):
        rate_match_ldpc(cw.bool(), 100, 0, "QPSK")
    with pytest.raises(ValueError, match="0, 1 and -1"):
        rate_match_ldpc(cw * 2, 100, 0, "QPSK")
    uneven = cw.clone()
    uneven[1, 10] = 0
    with pytest.raises(ValueError, match="same"):
        rate_match_ldpc(uneven, 100, 0, "QPSK")
    stray = cw.clone()
    stray[1, 0] = -1                                     # a -1 outside the filler run, selected
    with pytest.raises(ValueError, match="0, 1 and -1"):
        rate_match_ldpc(stray, 100, 0, "QPSK")
    split = cw.clone()
    split[:, 12] = 0
    with pytest.raises(ValueError, match="consecutive"):
        rate_match_ldpc(split, 100, 0, "QPSK")
    with pytest.raises(ValueError, match="at least 2"):
        rate_match_ldpc(torch.zeros(100, dtype=torch.int8), 10, 0, "QPSK")
    llr = torch.zeros(100)
    with pytest.raises(ValueError, match="rv"):
        rate_recover_ldpc(llr, 1000, 0.5, 4, "QPSK")
    with pytest.raises(ValueError, match="multiple"):
        rate_recover_ldpc(torch.zeros(101), 1000, 0.5, 0, "QPSK")
    with pytest.raises(ValueError, match="modulation"):
        rate_recover_ldpc(llr, 1000, 0.5, 0, "QAM")
    with pytest.raises(ValueError, match="target_code_rate"):
        rate_recover_ldpc(llr, 1000, 0.99, 0, "QPSK")
    with pytest.raises(ValueError, match="tbs"):
        rate_recover_ldpc(llr, 0, 0.5, 0, "QPSK")
    with pytest.raises(TypeError):
        rate_recover_ldpc(torch.zeros(100, dtype=torch.int64), 1000, 0.5, 0, "QPSK")


def test_n_ref_that_leaves_only_filler_bits_is_a_clear_error() -> None:
    """Limited-buffer rate matching (TS 38.212 §5.4.2.1) with N_cb = min(N, N_ref) no longer
    than the filler run at d_0: bit selection skips every <NULL>, so nothing is left to send
    -> ValueError naming n_ref, its value and what is allowed. One more bit of buffer is
    allowed: then every e_k is d_10, the one non-filler bit (k0 = 0 for rv 0)."""
    cw = torch.zeros(1, 100, dtype=torch.int8)          # BG2, Zc = 2: N = 50 Zc = 100
    cw[0, :10] = -1                                      # fillers d_0..d_9
    cw[0, 10] = 1
    with pytest.raises(ValueError, match=r"n_ref = 10 leaves only filler bits.*allowed: "
                                         r"n_ref > 10 \(TS 38.212 §5.4.2.1\)"):
        rate_match_ldpc(cw, 8, 0, "QPSK", n_ref=10)
    with pytest.raises(ValueError, match="n_ref = 3 leaves only filler bits"):
        rate_match_segments(2, 2, 1, 0, 10, 8, 0, 2, 1, n_ref=3)
    assert rate_match_ldpc(cw, 8, 0, "QPSK", n_ref=11).tolist() == [1] * 8
    assert rate_match_ldpc(cw, 0, 0, "QPSK", n_ref=10).shape == (0,)     # nothing to send


@settings(max_examples=40, deadline=None)
@given(data=st.data(), tbs=st.integers(24, 30000), rate=st.sampled_from([0.1, 0.3, 0.5, 0.8]),
       rv=st.integers(0, 3), mod=st.sampled_from(list(QM)), n_l=st.integers(1, 4),
       limited=st.booleans(), batch=st.integers(1, 3), seed=st.integers(0, 1000))
def test_recovery_kernel_equals_torch_path(data, tbs, rate, rv, mod, n_l, limited, batch, seed):
    # the CPU kernel against the index_add_ path (which autograd takes), on random float
    # LLRs with +-inf, from one group of soft bits per code block to > 3x repetition
    info = dlsch_info(tbs, rate)
    n_ref = data.draw(st.integers(info.n // 3, info.n + 50)) if limited else None
    n_cb = info.n if n_ref is None else min(info.n, n_ref)
    nq = n_l * QM[mod]
    g = nq * data.draw(st.integers(info.c, max(info.c, (7 * info.c * n_cb) // (2 * nq))))
    gen = torch.Generator().manual_seed(seed)
    llr = torch.randn(batch, g, generator=gen) * 5
    llr[:, torch.randint(0, g, (3,), generator=gen)] = float("inf")
    fast = rate_recover_ldpc(llr, tbs, rate, rv, mod, n_l, n_ref=n_ref)
    ref = rate_recover_ldpc(llr.clone().requires_grad_(), tbs, rate, rv, mod, n_l,
                            n_ref=n_ref).detach()
    assert fast.shape == ref.shape == (batch, info.c, info.n)
    assert torch.equal(fast, ref)


def test_recovery_kernel_refuses_nan_and_takes_other_layouts():
    info = dlsch_info(5000, 0.5)
    llr = torch.ones(2, 6000, dtype=torch.float64)[:, ::2]          # float64, strided
    ref = rate_recover_ldpc(torch.ones(2, 3000), 5000, 0.5, 0, "QPSK")
    assert torch.equal(rate_recover_ldpc(llr, 5000, 0.5, 0, "QPSK"), ref)
    assert ref.shape == (2, info.c, info.n)
    llr = torch.ones(3000)
    llr[1234] = float("nan")
    with pytest.raises(ValueError, match=r"llr contains NaN \(first at index 1234\)"):
        rate_recover_ldpc(llr, 5000, 0.5, 0, "QPSK")


@settings(max_examples=30, deadline=None)
@given(data=st.data(), tbs=st.integers(24, 30000), rate=st.sampled_from([0.1, 0.3, 0.5, 0.8]),
       rv=st.integers(0, 3), mod=st.sampled_from(list(QM)), n_l=st.integers(1, 4),
       limited=st.booleans(), batch=st.integers(1, 3), seed=st.integers(0, 1000))
def test_rate_recovery_plan_equals_torch_path(data, tbs, rate, rv, mod, n_l, limited, batch,
                                              seed):
    # LDPCRateRecovery (checked once, buffer reused) against the index_add_ path, twice on
    # different LLRs through the same buffer
    info = dlsch_info(tbs, rate)
    n_ref = data.draw(st.integers(info.n // 3, info.n + 50)) if limited else None
    n_cb = info.n if n_ref is None else min(info.n, n_ref)
    nq = n_l * QM[mod]
    g = nq * data.draw(st.integers(info.c, max(info.c, (7 * info.c * n_cb) // (2 * nq))))
    rr = LDPCRateRecovery(tbs, rate, rv, mod, n_l, g, n_ref=n_ref)
    gen = torch.Generator().manual_seed(seed)
    for _ in range(2):
        llr = torch.randn(batch, g, generator=gen) * 5
        llr[:, torch.randint(0, g, (3,), generator=gen)] = float("inf")
        ref = rate_recover_ldpc(llr.clone().requires_grad_(), tbs, rate, rv, mod, n_l,
                                n_ref=n_ref).detach()
        out = rr.recover(llr)
        assert out.shape == ref.shape == (batch, info.c, info.n)
        assert torch.equal(out, ref)


def test_rate_recovery_plan_reuses_its_buffer_and_checks_once():
    rr = LDPCRateRecovery(5000, 0.5, 0, "QPSK", 1, 3000)
    a = rr.recover(torch.ones(2, 3000))
    b = rr.recover(-torch.ones(2, 3000))
    assert a.data_ptr() == b.data_ptr()                      # no allocation after the first
    assert torch.equal(b, rate_recover_ldpc(-torch.ones(2, 3000), 5000, 0.5, 0, "QPSK"))
    # other layouts and dtypes: the full function, a new tensor with the same values
    c = rr.recover(torch.ones(2, 6000, dtype=torch.float64)[:, ::2])
    assert c.data_ptr() != a.data_ptr()
    assert torch.equal(c, rate_recover_ldpc(torch.ones(2, 3000), 5000, 0.5, 0, "QPSK"))
    llr = torch.ones(3000)
    llr[1234] = float("nan")
    with pytest.raises(ValueError, match=r"llr contains NaN \(first at index 1234\)"):
        rr.recover(llr)
    with pytest.raises(ValueError, match="llr.shape"):
        rr.recover(torch.ones(2999))                         # not g: the full function's error
    with pytest.raises(ValueError, match="g = 4 soft bits are too few for the C = 3"):
        LDPCRateRecovery(20000, 0.5, 0, "QPSK", 1, 4)
    with pytest.raises(ValueError, match="modulation"):
        LDPCRateRecovery(5000, 0.5, 0, "8PSK", 1, 3000)
