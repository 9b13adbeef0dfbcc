"""Polar encoding, TS 38.212 §5.3.1 (input interleaving, u with PC bits, x = u G_N)."""

from __future__ import annotations

import pytest
import torch
from hypothesis import given, settings
from hypothesis import strategies as st

from softran.nr.coding.polar import (
    input_interleaver_pattern,
    polar_construct,
    polar_encode,
    polar_transform,
)

GEN = torch.Generator().manual_seed(7)


def dense_g(n: int) -> torch.Tensor:
    """G_N = F^{⊗n} by explicit Kronecker products (int64)."""
    f = torch.tensor([[1, 0], [1, 1]])
    g = torch.ones(1, 1, dtype=torch.int64)
    while g.shape[0] < n:
        g = torch.kron(g, f)
    return g


def ref_encode(c: list[int], e: int, n_max: int, i_il: bool) -> list[int]:
    """§5.3.1.1 + §5.3.1.2 bit by bit: interleave, the PC shift register loop, dense u G_N."""
    k = len(c)
    frozen, q_pc, n = polar_construct(k, e, n_max)
    if i_il:
        pi = input_interleaver_pattern(k).tolist()
        c = [c[pi[j]] for j in range(k)]
    pcs = set(q_pc.tolist())
    u = [0] * n
    kk = 0
    y = [0, 0, 0, 0, 0]
    for i in range(n):
        y = y[1:] + y[:1]                       # y_tmp = y0; y0 = y1; ...; y4 = y_tmp
        if not frozen[i]:
            if i in pcs:
                u[i] = y[0]
            else:
                u[i] = c[kk]
                kk += 1
                y[0] ^= u[i]
    x = (torch.tensor(u) @ dense_g(n)) % 2
    return x.tolist()


@pytest.mark.parametrize("n", [2, 4, 8, 32, 64])
def test_transform_matches_dense_kronecker(n: int) -> None:
    u = torch.randint(0, 2, (5, n), generator=GEN, dtype=torch.uint8)
    x = polar_transform(u)
    assert torch.equal(x.long(), (u.long() @ dense_g(n)) % 2)


def test_transform_n2_by_hand() -> None:
    # G_2 = F: x_0 = u_0 + u_1, x_1 = u_1
    u = torch.tensor([[0, 0], [0, 1], [1, 0], [1, 1]], dtype=torch.uint8)
    assert polar_transform(u).tolist() == [[0, 0], [1, 1], [1, 0], [0, 1]]


def test_transform_is_an_involution() -> None:
    u = torch.randint(0, 2, (3, 4, 256), generator=GEN, dtype=torch.uint8)
    assert torch.equal(polar_transform(polar_transform(u)), u)


@pytest.mark.parametrize(("k", "e", "n_max", "i_il"), [
    (56, 864, 9, True),        # PBCH
    (64, 108, 9, True),        # DCI
    (8, 32, 9, True),
    (14, 24, 9, False),        # shortening
    (4, 12, 9, False),         # puncturing
    (20, 100, 10, False),      # UCI, 3 PC bits
    (24, 400, 10, False),      # UCI, 3 PC bits, one of them at minimum weight
    (40, 200, 10, False),
])
def test_encode_matches_reference(k: int, e: int, n_max: int, i_il: bool) -> None:
    c = torch.randint(0, 2, (6, k), generator=GEN, dtype=torch.uint8)
    d = polar_encode(c, e, n_max, i_il)
    assert d.dtype == torch.uint8
    for row in range(6):
        assert d[row].tolist() == ref_encode(c[row].tolist(), e, n_max, i_il)


@given(st.integers(1, 164), st.integers(0, 600), st.booleans(), st.integers(0, 2 ** 31 - 1))
@settings(max_examples=40, deadline=None)
def test_encode_matches_reference_random(k: int, extra: int, i_il: bool, seed: int) -> None:
    e = k + 3 + extra
    c = torch.randint(0, 2, (k,), generator=torch.Generator().manual_seed(seed),
                      dtype=torch.uint8)
    assert polar_encode(c, e, 10, i_il).tolist() == ref_encode(c.tolist(), e, 10, i_il)


def test_encode_is_linear_and_batched() -> None:
    a = torch.randint(0, 2, (2, 3, 56), generator=GEN, dtype=torch.uint8)
    b = torch.randint(0, 2, (2, 3, 56), generator=GEN, dtype=torch.uint8)
    da, db = polar_encode(a, 864), polar_encode(b, 864)
    assert da.shape == (2, 3, 512)
    assert torch.equal(polar_encode(a ^ b, 864), da ^ db)
    assert torch.equal(polar_encode(a[1, 2], 864), da[1, 2])


def test_all_zero_input_gives_zero_codeword() -> None:
    assert not polar_encode(torch.zeros(25, dtype=torch.uint8), 300, 10, False).any()


def test_bad_inputs() -> None:
    k_of_bits = r"K \(length of bits along its last dimension\)"
    with pytest.raises(ValueError, match=k_of_bits + " = 57 is larger than e = 56"):
        polar_encode(torch.zeros(57, dtype=torch.uint8), 56)              # K > E
    with pytest.raises(ValueError, match="e"):
        polar_encode(torch.zeros(20, dtype=torch.uint8), 8193, 10, False)  # E > 8192
    with pytest.raises(ValueError, match=k_of_bits + " = 165 is out of range"):
        polar_encode(torch.zeros(165, dtype=torch.uint8), 1000, 10, True)  # K > 164 with I_IL
    with pytest.raises(TypeError):
        polar_encode(torch.zeros(20), 100)                                # float, not bits
    with pytest.raises(ValueError):
        polar_encode(torch.full((20,), 2, dtype=torch.uint8), 100)
    with pytest.raises(ValueError):
        polar_transform(torch.zeros(12, dtype=torch.uint8))


def test_empty_or_long_input_names_the_bits_argument():
    with pytest.raises(ValueError, match=r"K \(length of bits along its last dimension\) = 0 "
                                         r"is out of range; allowed: 1..164"):
        polar_encode(torch.zeros(2, 0, dtype=torch.uint8), 864)
    with pytest.raises(ValueError, match=r"K \(length of bits along its last dimension\) = 200"):
        polar_encode(torch.zeros(200, dtype=torch.uint8), 864)
