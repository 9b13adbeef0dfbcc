"""Tests of softran.nr.scrambling against TS 38.211 §6.3.1.1 / §7.3.1.1 worked by hand."""

from __future__ import annotations

import pytest
import torch
from hypothesis import given, settings
from hypothesis import strategies as st

from softran.nr.modulation import symbol_demodulate, symbol_modulate
from softran.nr.scrambling import (
    pdsch_descramble,
    pdsch_scramble,
    pusch_descramble,
    pusch_scramble,
)
from softran.nr.sequences import prbs


def gold(c_init: int, n: int) -> list[int]:
    """c(0..n-1) of TS 38.211 §5.2.1, written out bit by bit (independent of prbs)."""
    n_c = 1600
    x1 = [1] + [0] * 30
    x2 = [(c_init >> i) & 1 for i in range(31)]
    for k in range(n + n_c):
        x1.append((x1[k + 3] + x1[k]) % 2)
        x2.append((x2[k + 3] + x2[k + 2] + x2[k + 1] + x2[k]) % 2)
    return [(x1[k + n_c] + x2[k + n_c]) % 2 for k in range(n)]


def rand_bits(*shape: int, seed: int = 0) -> torch.Tensor:
    g = torch.Generator().manual_seed(seed)
    return torch.randint(0, 2, shape, generator=g, dtype=torch.uint8)


# ------------------------------------------------------------------------------------------
# The scrambling formula
# ------------------------------------------------------------------------------------------


def test_pusch_c_init_by_hand() -> None:
    # n_RNTI = 20, n_ID = 3: c_init = 20 * 2^15 + 3 = 655363 (§6.3.1.1)
    b = rand_bits(200)
    c = torch.tensor(gold(655363, 200), dtype=torch.uint8)
    assert torch.equal(pusch_scramble(b, 3, 20), (b + c) % 2)


def test_pdsch_c_init_by_hand() -> None:
    # n_RNTI = 20, q = 1, n_ID = 3: c_init = 655360 + 16384 + 3 = 671747 (§7.3.1.1)
    b = rand_bits(150, seed=1)
    c = torch.tensor(gold(671747, 150), dtype=torch.uint8)
    assert torch.equal(pdsch_scramble(b, 3, 20, q=1), (b + c) % 2)
    # q = 0 is the PUSCH initialisation
    assert torch.equal(pdsch_scramble(b, 3, 20), pusch_scramble(b, 3, 20))


def test_largest_identities_fit_31_bits() -> None:
    # n_RNTI = 65535, q = 1, n_ID = 1023: c_init = 2^31 - 2^15 + 2^14 + 1023 < 2^31
    b = torch.zeros(64, dtype=torch.uint8)
    c_init = 65535 * 2 ** 15 + 2 ** 14 + 1023
    assert torch.equal(pdsch_scramble(b, 1023, 65535, q=1), prbs(c_init, 64))


@settings(max_examples=30, deadline=None)
@given(st.integers(0, 1023), st.integers(0, 65535), st.integers(1, 500), st.integers(0, 2 ** 16))
def test_scramble_matches_prbs(n_id: int, n_rnti: int, g: int, seed: int) -> None:
    b = rand_bits(2, g, seed=seed)
    c = prbs(n_rnti * 2 ** 15 + n_id, g)
    assert torch.equal(pusch_scramble(b, n_id, n_rnti), b ^ c)
    assert torch.equal(pusch_scramble(pusch_scramble(b, n_id, n_rnti), n_id, n_rnti), b)


def test_per_batch_identities() -> None:
    b = rand_bits(3, 2, 40)
    n_rnti = torch.tensor([[1], [2], [3]])                       # broadcast over dim 1
    n_id = torch.tensor([10, 11])
    out = pusch_scramble(b, n_id, n_rnti)
    for i in range(3):
        for j in range(2):
            assert torch.equal(out[i, j], pusch_scramble(b[i, j], int(n_id[j]), int(n_rnti[i, 0])))
    llr = torch.randn(3, 2, 40, generator=torch.Generator().manual_seed(1018))
    d = pusch_descramble(llr, n_id, n_rnti)
    for i in range(3):
        for j in range(2):
            ref = pusch_descramble(llr[i, j], int(n_id[j]), int(n_rnti[i, 0]))
            assert torch.equal(d[i, j], ref)


# ------------------------------------------------------------------------------------------
# Soft descrambling
# ------------------------------------------------------------------------------------------


@settings(max_examples=20, deadline=None)
@given(st.integers(0, 1023), st.integers(0, 65535), st.integers(0, 1))
def test_descramble_flips_llr_signs(n_id: int, n_rnti: int, q: int) -> None:
    llr = torch.randn(4, 96, generator=torch.Generator().manual_seed(n_id))
    c = prbs(n_rnti * 2 ** 15 + q * 2 ** 14 + n_id, 96)
    expect = torch.where(c.bool(), -llr, llr)
    assert torch.equal(pdsch_descramble(llr, n_id, n_rnti, q), expect)
    if q == 0:
        assert torch.equal(pusch_descramble(llr, n_id, n_rnti), expect)


def test_descramble_after_modulation_recovers_bits() -> None:
    b = rand_bits(5, 240, seed=3)
    s = symbol_modulate(pusch_scramble(b, 7, 1234), "16QAM")
    llr = symbol_demodulate(s, "16QAM", 0.1)
    out = pusch_descramble(llr, 7, 1234)
    assert out.dtype == torch.float32
    assert torch.equal((out < 0).to(torch.uint8), b)          # LLR > 0 means bit 0


def test_descramble_keeps_float64() -> None:
    llr = torch.randn(10, dtype=torch.float64, generator=torch.Generator().manual_seed(1017))
    assert pusch_descramble(llr, 1, 1).dtype == torch.float64


# ------------------------------------------------------------------------------------------
# UCI placeholders 'x' and 'y' (§6.3.1.1)
# ------------------------------------------------------------------------------------------


def test_placeholders_by_hand() -> None:
    # 1-bit UCI on QPSK after a data bit: [d, u, y, x, x, y] (y after x repeats the 1)
    n_id, n_rnti = 5, 77
    c = gold(n_rnti * 2 ** 15 + n_id, 6)
    b = torch.tensor([1, 0, 1, 0, 0, 1], dtype=torch.uint8)       # values under x/y ignored
    x = torch.tensor([False, False, False, True, True, False])
    y = torch.tensor([False, False, True, False, False, True])
    out = pusch_scramble(b, n_id, n_rnti, x_placeholders=x, y_placeholders=y)
    u = (0 + c[1]) % 2
    assert out.tolist() == [(1 + c[0]) % 2, u, u, 1, 1, 1]


def test_consecutive_y_repeat_the_same_bit() -> None:
    c = gold(3, 5)
    y = torch.tensor([False, True, True, False, True])
    out = pusch_scramble(torch.zeros(5, dtype=torch.uint8), 3, 0, y_placeholders=y)
    assert out.tolist() == [c[0], c[0], c[0], c[3], c[3]]


def test_descramble_with_placeholders() -> None:
    n_id, n_rnti = 9, 4000
    b = rand_bits(2, 12, seed=5)
    x = torch.zeros(2, 12, dtype=torch.bool)
    y = torch.zeros(2, 12, dtype=torch.bool)
    x[0, 3:5] = True
    y[0, 2] = True
    y[1, 7] = True
    y[0, 5] = True                                              # follows an 'x'
    tx = pusch_scramble(b, n_id, n_rnti, x_placeholders=x, y_placeholders=y)
    llr = 1.0 - 2.0 * tx.float()                               # noiseless BPSK-like LLRs
    out = pusch_descramble(llr, n_id, n_rnti, x_placeholders=x, y_placeholders=y)
    plain = ~(x | y)
    assert torch.equal(out[plain], 1.0 - 2.0 * b[plain].float())
    assert out[0, 2] == 1.0 - 2.0 * b[0, 1]                    # LLR of the repeated bit b(1)
    assert out[1, 7] == 1.0 - 2.0 * b[1, 6]
    assert out[0, 3] == 0 and out[0, 4] == 0 and out[0, 5] == 0  # no information


def test_placeholder_errors() -> None:
    b = torch.zeros(4, dtype=torch.uint8)
    first = torch.tensor([True, False, False, False])
    with pytest.raises(ValueError, match="no preceding"):
        pusch_scramble(b, 0, 0, y_placeholders=first)
    with pytest.raises(ValueError, match="same bit"):
        pusch_scramble(b, 0, 0, x_placeholders=~first, y_placeholders=~first)
    with pytest.raises(TypeError, match="x_placeholders must be a bool"):
        pusch_scramble(b, 0, 0, x_placeholders=torch.zeros(4, dtype=torch.uint8))
    with pytest.raises(ValueError, match="y_placeholders has shape"):
        pusch_descramble(torch.zeros(4), 0, 0, y_placeholders=torch.zeros(3, dtype=torch.bool))


# ------------------------------------------------------------------------------------------
# Bad inputs
# ------------------------------------------------------------------------------------------


def test_bad_identities() -> None:
    b = torch.zeros(8, dtype=torch.uint8)
    with pytest.raises(ValueError, match=r"n_rnti = 65536 is out of range; allowed: 0..65535"):
        pusch_scramble(b, 0, 65536)
    with pytest.raises(ValueError, match=r"n_id = 1024 is out of range; allowed: 0..1023"):
        pusch_scramble(b, 1024, 0)
    with pytest.raises(ValueError, match="n_id = -1"):
        pdsch_scramble(b, torch.tensor([-1]), 0)
    with pytest.raises(TypeError, match="n_id"):
        pusch_scramble(b, 1.0, 0)
    with pytest.raises(TypeError, match="n_rnti"):
        pusch_scramble(b, 0, torch.tensor([1.0]))
    with pytest.raises(ValueError, match=r"q = 2 is out of range; allowed: 0..1"):
        pdsch_scramble(b, 0, 0, q=2)
    with pytest.raises(ValueError, match="do not broadcast"):
        pusch_scramble(torch.zeros(2, 8, dtype=torch.uint8), torch.tensor([1, 2, 3]), 0)


def test_bad_bits_and_llrs() -> None:
    with pytest.raises(TypeError, match="bits"):
        pusch_scramble(torch.zeros(8), 0, 0)
    with pytest.raises(ValueError, match="only 0 and 1"):
        pusch_scramble(torch.full((8,), 2, dtype=torch.uint8), 0, 0)
    with pytest.raises(TypeError, match="llr must be a floating-point tensor of LLRs"):
        pusch_descramble(torch.zeros(8, dtype=torch.int32), 0, 0)
    with pytest.raises(ValueError, match=r"llr contains NaN \(first at index 3\)"):
        pusch_descramble(torch.tensor([0.0, 1.0, 2.0, float("nan")]), 0, 0)
    with pytest.raises(ValueError, match="at least 1 dimension"):
        pdsch_descramble(torch.tensor(1.0), 0, 0)


def test_cached_sequence_is_the_gold_sequence_every_call():
    """The per-identity cache of the slot path returns c(i) of TS 38.211 §5.2.1 on every call
    (nothing a caller does to its output changes the next call's)."""
    from softran.nr.scrambling import pusch_descramble, pusch_scramble
    from softran.nr.sequences import prbs

    c = prbs(321 * 2 ** 15 + 77, 1000)
    zeros = torch.zeros(3, 1000, dtype=torch.uint8)
    for _ in range(3):
        out = pusch_scramble(zeros, 77, 321)
        assert torch.equal(out, c.expand(3, -1))
        out ^= 1                                               # the caller owns its output
        llr = pusch_descramble(torch.ones(1000), 77, 321)
        assert torch.equal(llr, 1.0 - 2.0 * c.float())


def test_cached_sequence_gives_the_same_bits_every_call() -> None:
    """The Gold sequence of one c_init is generated once and reused: repeated calls (and a
    caller that changes its output in place) still give b XOR c of TS 38.211 §6.3.1.1."""
    gen = torch.Generator().manual_seed(4)
    bits = torch.randint(0, 2, (2, 5000), dtype=torch.uint8, generator=gen)
    expected = bits ^ prbs(321 * 2 ** 15 + 9, 5000)
    first = pusch_scramble(bits, 9, 321)
    first ^= 1
    for n_id in (9, torch.tensor(9), torch.tensor([9])):
        assert torch.equal(pusch_scramble(bits, n_id, 321).reshape(2, 5000), expected)
    llr = 1.0 - 2.0 * bits.float()
    assert torch.equal(pusch_descramble(llr, 9, 321), 1.0 - 2.0 * expected.float())


def test_pdsch_scrambling_sequence_is_the_gold_sequence_of_the_clause() -> None:
    """c^(q) of TS 38.211 §7.3.1.1 (c_init = n_RNTI 2^15 + q 2^14 + n_ID) against the Gold
    sequence written out bit by bit, and the same sequence pdsch_scramble XORs on."""
    from softran.nr.scrambling import pdsch_scrambling_sequence

    for q in (0, 1):
        c = pdsch_scrambling_sequence(5, 1234, q, 300)
        assert c.dtype == torch.uint8 and c.tolist() == gold(1234 * 2 ** 15 + q * 2 ** 14 + 5, 300)
        bits = torch.randint(0, 2, (2, 300), dtype=torch.uint8,
                             generator=torch.Generator().manual_seed(q))
        assert torch.equal(pdsch_scramble(bits, 5, 1234, q), bits ^ c)
    with pytest.raises(ValueError, match="q = 2"):
        pdsch_scrambling_sequence(5, 1234, 2, 300)
    with pytest.raises(ValueError, match="n_rnti = 70000"):
        pdsch_scrambling_sequence(5, 70000, 0, 300)
