"""Polar rate matching / recovery, TS 38.212 §5.4.1 (sub-block interleaving, bit selection,
coded-bit interleaving)."""

from __future__ import annotations

import math

import pytest
import torch
from hypothesis import given, settings
from hypothesis import strategies as st

from softran.nr.coding.polar import (
    SHORTENED_LLR,
    coded_bit_interleaver_pattern,
    polar_construct,
    polar_encode,
    rate_match_polar,
    rate_recover_polar,
)

P_TABLE = [0, 1, 2, 4, 3, 5, 6, 7, 8, 16, 9, 17, 10, 18, 11, 19, 12, 20, 13, 21, 14, 22, 15, 23,
           24, 25, 26, 28, 27, 29, 30, 31]          # TS 38.212 Table 5.4.1.1-1


def ref_rate_match(d: list[int], k: int, e: int, i_bil: bool) -> list[int]:
    """§5.4.1.1 - §5.4.1.3 loop by loop."""
    n = len(d)
    y = [0] * n
    for i in range(n):                                   # sub-block interleaving
        blk = math.floor(32 * i / n)
        j = P_TABLE[blk] * (n // 32) + i % (n // 32)
        y[i] = d[j]
    if e >= n:                                           # bit selection
        ee = [y[i % n] for i in range(e)]
    elif k / e <= 7 / 16:
        ee = [y[i + n - e] for i in range(e)]
    else:
        ee = [y[i] for i in range(e)]
    if not i_bil:
        return ee
    t = 0
    while t * (t + 1) / 2 < e:
        t += 1
    v = [[None] * t for _ in range(t)]
    kk = 0
    for i in range(t):
        for j in range(t - i):
            if kk < e:
                v[i][j] = ee[kk]
            kk += 1
    f = []
    for j in range(t):
        for i in range(t - j):
            if v[i][j] is not None:
                f.append(v[i][j])
    return f


def test_subblock_interleaver_by_hand() -> None:
    # N = 32, E = N, no interleaving of coded bits: e_n = d_{P(n)}
    d = torch.arange(32)
    assert rate_match_polar(d, 8, 32).tolist() == P_TABLE


def test_coded_bit_interleaver_by_hand() -> None:
    # E = 10: T = 4, rows e0 e1 e2 e3 / e4 e5 e6 / e7 e8 / e9, read by columns
    assert coded_bit_interleaver_pattern(10).tolist() == [0, 4, 7, 9, 1, 5, 8, 2, 6, 3]
    # E = 8: T = 4, the triangle has 10 places, the last 2 <NULL>
    assert coded_bit_interleaver_pattern(8).tolist() == [0, 4, 7, 1, 5, 2, 6, 3]


@given(st.sampled_from([32, 64, 128, 256, 512, 1024]), st.integers(1, 2000), st.integers(1, 400),
       st.booleans())
@settings(max_examples=80, deadline=None)
def test_rate_match_matches_reference(n: int, e: int, k: int, i_bil: bool) -> None:
    if k > e:
        return
    d = torch.arange(n)
    assert rate_match_polar(d, k, e, i_bil).tolist() == ref_rate_match(list(range(n)), k, e, i_bil)


def test_rate_match_batched_bits() -> None:
    d = torch.randint(0, 2, (2, 3, 64), dtype=torch.uint8,
            generator=torch.Generator().manual_seed(1006))
    f = rate_match_polar(d, 20, 50, i_bil=True)
    assert f.shape == (2, 3, 50) and f.dtype == torch.uint8
    assert f[1, 2].tolist() == ref_rate_match(d[1, 2].tolist(), 20, 50, True)


@given(st.sampled_from([32, 64, 128, 256, 512]), st.integers(1, 1500), st.integers(1, 300),
       st.booleans())
@settings(max_examples=80, deadline=None)
def test_recover_inverts_match(n: int, e: int, k: int, i_bil: bool) -> None:
    """Rate recovery puts each received LLR back where it came from: with LLRs of +-1 from a
    codeword, every transmitted position gets (number of copies) * (+-1), the others 0 (E < N,
    K/E <= 7/16) or SHORTENED_LLR."""
    if k > e:
        return
    d = torch.randint(0, 2, (2, n), generator=torch.Generator().manual_seed(n + e + k),
                      dtype=torch.uint8)
    llr = 1.0 - 2.0 * rate_match_polar(d, k, e, i_bil).float()
    rec = rate_recover_polar(llr, k, n, i_bil)
    copies = torch.zeros(n)
    copies.index_add_(0, rate_match_polar(torch.arange(n), k, e, i_bil), torch.ones(e))
    sent = copies > 0
    assert torch.equal(rec[:, sent], copies[sent] * (1.0 - 2.0 * d[:, sent].float()))
    if e >= n:
        assert bool(sent.all()) and int(copies.sum()) == e
    elif 16 * k <= 7 * e:
        assert bool((rec[:, ~sent] == 0).all())
    else:
        assert bool((rec[:, ~sent] == SHORTENED_LLR).all())


@pytest.mark.parametrize(("k", "e", "n_max", "i_il"), [(14, 24, 9, False), (40, 60, 9, True),
                                                       (25, 50, 10, False), (100, 150, 9, True)])
def test_shortened_bits_are_zero(k: int, e: int, n_max: int, i_il: bool) -> None:
    """Shortening pre-freezes the u bits that reach the shortened positions, so every codeword is
    0 there: the LLR SHORTENED_LLR (bit 0 known) is right."""
    _, _, n = polar_construct(k, e, n_max)
    assert e < n and 16 * k > 7 * e
    c = torch.randint(0, 2, (50, k), generator=torch.Generator().manual_seed(3), dtype=torch.uint8)
    d = polar_encode(c, e, n_max, i_il)
    shortened = rate_recover_polar(torch.zeros(e), k, n) == SHORTENED_LLR
    assert int(shortened.sum()) == n - e
    assert not d[:, shortened].any()


def test_bad_inputs() -> None:
    with pytest.raises(ValueError, match="N"):
        rate_match_polar(torch.zeros(48, dtype=torch.uint8), 10, 40)      # N not a power of 2
    with pytest.raises(ValueError, match="N"):
        rate_match_polar(torch.zeros(16, dtype=torch.uint8), 10, 40)      # N < 32
    with pytest.raises(ValueError, match="k = 41"):
        rate_match_polar(torch.zeros(64, dtype=torch.uint8), 41, 40)      # K > E
    with pytest.raises(ValueError, match="e"):
        rate_match_polar(torch.zeros(64, dtype=torch.uint8), 41, 8193)    # E > 8192
    with pytest.raises(TypeError):
        rate_match_polar([0] * 64, 10, 40)
    with pytest.raises(TypeError):
        rate_recover_polar(torch.zeros(40, dtype=torch.uint8), 10, 64)    # bits, not LLRs
    with pytest.raises(ValueError):
        rate_recover_polar(torch.zeros(40), 10, 100)                      # N not a power of 2
    with pytest.raises(ValueError):
        rate_recover_polar(torch.zeros(8193), 10, 1024)


def test_recovery_of_empty_or_nan_llrs_is_refused_naming_llr():
    with pytest.raises(ValueError, match=r"E \(length of llr along its last dimension\) = 0"):
        rate_recover_polar(torch.zeros(3, 0), 8, 32)
    with pytest.raises(ValueError, match="llr contains NaN"):
        rate_recover_polar(torch.tensor([float("nan")] * 40), 8, 32)
