"""LDPC code block segmentation / desegmentation, TS 38.212 §5.2.2."""

import pytest
import torch
from hypothesis import given, settings
from hypothesis import strategies as st

from softran.nr.coding.ldpc.segment import code_block_desegment_ldpc, code_block_segment_ldpc
from softran.nr.coding.sch_info import ldpc_segment_info

# g_CRC24B(D) = D^24 + D^23 + D^6 + D^5 + D + 1 (TS 38.212 §5.1)
_CRC24B = (24, 23, 6, 5, 1, 0)


def _crc24b_reference(bits: list[int]) -> list[int]:
    """CRC24B parity by polynomial long division, bit by bit (independent of softran.nr.coding.crc)."""
    g = [0] * 25
    for e in _CRC24B:
        g[24 - e] = 1                       # g[0] is the D^24 coefficient
    reg = list(bits) + [0] * 24
    for i in range(len(bits)):
        if reg[i]:
            for j in range(25):
                reg[i + j] ^= g[j]
    return reg[len(bits):]


def _random_bits(*shape: int, seed: int = 0) -> torch.Tensor:
    gen = torch.Generator().manual_seed(seed)
    return torch.randint(0, 2, shape, generator=gen, dtype=torch.uint8)


@pytest.mark.parametrize("b, bgn, c, k_prime, k", [
    (8448, 1, 1, 8448, 8448), (8449, 1, 2, 4249, 4576),
    (3840, 2, 1, 3840, 3840), (3841, 2, 2, 1945, 2080),
    (4000, 2, 2, 2024, 2080), (10000, 1, 2, 5024, 5280),
])
def test_segment_layout(b, bgn, c, k_prime, k):
    blk = _random_bits(b, seed=b)
    cbs = code_block_segment_ldpc(blk, bgn)
    assert cbs.shape == (c, k) and cbs.dtype == torch.int8
    assert bool((cbs[:, k_prime:] == -1).all())                       # F fillers at the end
    assert bool(((cbs[:, :k_prime] == 0) | (cbs[:, :k_prime] == 1)).all())
    l_cb = 24 if c > 1 else 0
    data = cbs[:, :k_prime - l_cb].reshape(-1)
    assert torch.equal(data[:b].to(torch.uint8), blk)                 # bits in order
    assert bool((data[b:] == 0).all())                                # zero padding (if any)
    if c > 1:
        for r in range(c):
            bits = cbs[r, :k_prime - 24].tolist()
            assert cbs[r, k_prime - 24:k_prime].tolist() == _crc24b_reference(bits)


def test_small_hand_example():
    # B = 40 bits (TBS 24 + CRC16), BG2: C = 1, K' = 40, K_b = 6, Zc = 7, K = 70, F = 30
    blk = torch.tensor([1, 0] * 20, dtype=torch.uint8)
    cbs = code_block_segment_ldpc(blk, 2)
    assert cbs.shape == (1, 70)
    assert cbs[0, :40].tolist() == [1, 0] * 20 and cbs[0, 40:].tolist() == [-1] * 30


def test_batched_segmentation_matches_single():
    blk = _random_bits(2, 3, 9000, seed=3)
    cbs = code_block_segment_ldpc(blk, 1)
    assert cbs.shape == (2, 3, 2, ldpc_segment_info(9000, 1).k)
    for i in range(2):
        for j in range(3):
            assert torch.equal(cbs[i, j], code_block_segment_ldpc(blk[i, j], 1))


@settings(max_examples=40, deadline=None)
@given(b=st.integers(1, 30000), bgn=st.sampled_from([1, 2]), batch=st.integers(1, 3),
       seed=st.integers(0, 2**31 - 1))
def test_round_trip(b, bgn, batch, seed):
    blk = _random_bits(batch, b, seed=seed)
    cbs = code_block_segment_ldpc(blk, bgn)
    seg = ldpc_segment_info(b, bgn)
    # filler content is ignored by desegmentation
    cbs_hard = cbs.clone()
    cbs_hard[..., seg.k_prime:] = torch.randint(0, 2, cbs_hard[..., seg.k_prime:].shape,
                                                dtype=torch.int8,
                                                        generator=torch.Generator().manual_seed(1005))
    for inp in (cbs, cbs_hard, cbs_hard.to(torch.uint8)):
        out, err = code_block_desegment_ldpc(inp, bgn, b)
        assert out.dtype == torch.uint8 and torch.equal(out, blk)
        assert err.shape == (batch, seg.c) and not bool(err.any())


@pytest.mark.parametrize("b, bgn", [(20000, 1), (3841, 2), (30000, 2)])
def test_flipped_bit_is_detected(b, bgn):
    blk = _random_bits(b, seed=7)
    cbs = code_block_segment_ldpc(blk, bgn)
    seg = ldpc_segment_info(b, bgn)
    assert seg.c > 1
    for r, pos in [(0, 0), (seg.c - 1, seg.k_prime - 1), (seg.c // 2, seg.k_prime // 2)]:
        bad = cbs.clone()
        bad[r, pos] ^= 1
        out, err = code_block_desegment_ldpc(bad, bgn, b)
        assert err[r] != 0
        assert not bool(torch.cat([err[:r], err[r + 1:]]).any())


def test_single_block_has_no_crc_and_zero_status():
    blk = _random_bits(500, seed=1)
    cbs = code_block_segment_ldpc(blk, 1)
    cbs[0, 10] ^= 1
    out, err = code_block_desegment_ldpc(cbs, 1, 500)
    assert err.shape == (1,) and int(err[0]) == 0
    assert int((out != blk).sum()) == 1


def test_bad_inputs():
    blk = _random_bits(100)
    with pytest.raises(ValueError, match="bgn"):
        code_block_segment_ldpc(blk, 3)
    with pytest.raises(ValueError, match="blk"):
        code_block_segment_ldpc(torch.full((10,), 2, dtype=torch.uint8), 1)
    with pytest.raises(TypeError):
        code_block_segment_ldpc(blk.float(), 1)
    with pytest.raises(TypeError):
        code_block_segment_ldpc([0, 1], 1)
    with pytest.raises(ValueError):
        code_block_segment_ldpc(torch.zeros(0, dtype=torch.uint8), 1)
    cbs = code_block_segment_ldpc(blk, 1)
    with pytest.raises(ValueError, match="shape"):
        code_block_desegment_ldpc(cbs, 1, 120)                  # K = 132, not 110
    with pytest.raises(ValueError, match="shape"):
        code_block_desegment_ldpc(cbs, 2, 100)                  # wrong base graph
    with pytest.raises(ValueError, match="bgn"):
        code_block_desegment_ldpc(cbs, 0, 100)
    with pytest.raises(TypeError):
        code_block_desegment_ldpc(cbs.float(), 1, 100)
    bad = cbs.clone()
    bad[0, 0] = -1                                               # -1 outside the filler part
    with pytest.raises(ValueError, match="cbs"):
        code_block_desegment_ldpc(bad, 1, 100)


@settings(max_examples=30, deadline=None)
@given(b=st.integers(1, 30000), bgn=st.sampled_from([1, 2]), batch=st.integers(1, 3),
       flips=st.integers(0, 3), seed=st.integers(0, 1000))
def test_desegment_kernel_equals_torch_path(b, bgn, batch, flips, seed):
    # the CPU kernel (uint8 / int8 code blocks, any K, fillers as -1 or junk) against the
    # torch path (int64 code blocks): the same block and the same CRC24B syndromes, also
    # with bit errors
    gen = torch.Generator().manual_seed(seed)
    x = torch.randint(0, 2, (batch, b), generator=gen, dtype=torch.uint8)
    cbs = code_block_segment_ldpc(x, bgn)
    seg = ldpc_segment_info(b, bgn)
    for _ in range(flips):
        i = int(torch.randint(0, seg.k_prime, (1,), generator=gen))
        cbs[..., i] ^= 1
    ref_blk, ref_err = code_block_desegment_ldpc(cbs.long(), bgn, b)
    for cb in (cbs, cbs.clamp_min(0).to(torch.uint8)):
        blk, err = code_block_desegment_ldpc(cb, bgn, b)
        assert blk.dtype == torch.uint8 and err.dtype == torch.int64
        assert torch.equal(blk, ref_blk) and torch.equal(err, ref_err)
    if flips == 0:
        assert torch.equal(ref_blk, x) and not ref_err.any()


def test_desegment_kernel_refuses_non_bits():
    cbs = code_block_segment_ldpc(torch.zeros(9000, dtype=torch.uint8), 1)
    cbs[1, 5] = 2
    with pytest.raises(ValueError, match="must contain only 0 and 1, found 2"):
        code_block_desegment_ldpc(cbs, 1, 9000)
    cbs[1, 5] = 0
    cbs[1, -1] = 7                              # a filler position: not inspected
    assert code_block_desegment_ldpc(cbs, 1, 9000)[1].tolist() == [0, 0]


@settings(max_examples=30, deadline=None)
@given(b=st.integers(1, 30000), bgn=st.sampled_from([1, 2]), batch=st.integers(1, 3),
       seed=st.integers(0, 1000))
def test_segment_kernel_equals_torch_path(b, bgn, batch, seed):
    # the CPU kernel (uint8 / bool blocks, any K, padding) against the torch path (int64
    # blocks: CRC24B by crc_encode), and its value check
    x = torch.randint(0, 2, (batch, b), generator=torch.Generator().manual_seed(seed),
                      dtype=torch.uint8)
    ref = code_block_segment_ldpc(x.long(), bgn)
    for blk in (x, x.bool(), x[:, :b]):
        out = code_block_segment_ldpc(blk, bgn)
        assert out.dtype == torch.int8 and torch.equal(out, ref)
    x[-1, -1] = 3
    with pytest.raises(ValueError, match="blk must contain only 0 and 1, found 3"):
        code_block_segment_ldpc(x, bgn)
