"""Polar code construction, TS 38.212 §5.3.1 / §5.3.1.2, and the polar tables in data/."""

from __future__ import annotations

import math

import pytest
import torch
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from softran.nr.coding.polar import (
    input_interleaver_pattern,
    polar_construct,
    polar_pc_params,
    polar_sequence,
    subblock_interleaver_pattern,
)

# TS 38.212 Table 5.3.1.2-1, the first 16 entries Q_0..Q_15 of the polar sequence and its last
SEQ_HEAD = [0, 1, 2, 4, 8, 16, 32, 3, 5, 64, 9, 6, 17, 10, 18, 128]
# Table 5.3.1.2-1 restricted to Q_i < 32 (N = 32), least reliable first, read off the table
SEQ_32 = [0, 1, 2, 4, 8, 16, 3, 5, 9, 6, 17, 10, 18, 12, 20, 24, 7, 11, 19, 13, 14, 21, 26, 25,
          22, 28, 15, 23, 27, 29, 30, 31]
# TS 38.212 Table 5.4.1.1-1, P(i) for i = 0..31
P_TABLE = [0, 1, 2, 4, 3, 5, 6, 7, 8, 16, 9, 17, 10, 18, 11, 19, 12, 20, 13, 21, 14, 22, 15, 23,
           24, 25, 26, 28, 27, 29, 30, 31]


def info_set(frozen: torch.Tensor) -> list[int]:
    return (~frozen).nonzero().flatten().tolist()


# ------------------------------------------------------------------------------- data tables

def test_polar_sequence_spot_checks() -> None:
    full = polar_sequence(1024)
    assert full[:16].tolist() == SEQ_HEAD
    assert full[-4:].tolist() == [1019, 1021, 1022, 1023]       # last row of the table
    assert sorted(full.tolist()) == list(range(1024))
    assert polar_sequence(32).tolist() == SEQ_32


def test_input_interleaver_table_spot_checks() -> None:
    # Table 5.3.1.1-1: m = 0..13 and the entries around the first wrap (m = 64..69); the
    # last 16 entries are 148..163
    full = input_interleaver_pattern(164)
    assert full[:14].tolist() == [0, 2, 4, 7, 9, 14, 19, 20, 24, 25, 26, 28, 31, 34]
    assert full[64:70].tolist() == [139, 140, 1, 3, 5, 8]
    assert full[-16:].tolist() == list(range(148, 164))
    assert sorted(full.tolist()) == list(range(164))


def ref_interleaver(k: int) -> list[int]:
    """§5.3.1.1 loop, on the table typed from the spec for the entries >= 164 - K used here."""
    table = input_interleaver_pattern(164).tolist()        # checked above against the table
    out = []
    for m in range(164):
        if table[m] >= 164 - k:
            out.append(table[m] - (164 - k))
    return out


@given(st.integers(1, 164))
@settings(max_examples=30, deadline=None)
def test_input_interleaver_is_a_permutation(k: int) -> None:
    pi = input_interleaver_pattern(k).tolist()
    assert sorted(pi) == list(range(k))
    assert pi == ref_interleaver(k)


def test_input_interleaver_pbch_by_hand() -> None:
    # K = 56: keep the table entries >= 108, minus 108, in table order
    pi = input_interleaver_pattern(56).tolist()
    assert pi[:8] == [108 - 108, 110 - 108, 111 - 108, 113 - 108, 115 - 108, 118 - 108,
                      119 - 108, 120 - 108]


def test_subblock_interleaver_table() -> None:
    assert subblock_interleaver_pattern(32).tolist() == P_TABLE
    # N = 64: J(n) = P(floor(n/2)) * 2 + n mod 2
    j = subblock_interleaver_pattern(64).tolist()
    assert j[:8] == [0, 1, 2, 3, 4, 5, 8, 9]              # P(0..3) = 0, 1, 2, 4
    assert j[18:20] == [32, 33]                           # P(9) = 16
    assert j[54:58] == [56, 57, 54, 55]                   # P(27) = 28, P(28) = 27


# ----------------------------------------------------------------------------- code length N

@pytest.mark.parametrize(("k", "e", "n_max", "n"), [
    (56, 864, 9, 512),       # PBCH: n1 = 10, n2 = 9 -> n_max
    (64, 108, 9, 128),       # DCI, aggregation level 1: n1 = ceil(log2 108) = 7
    (64, 140, 9, 128),       # E = 140 <= 9/8 * 128 and K/E < 9/16: n1 = 8 - 1
    (64, 216, 9, 256),       # aggregation level 2
    (64, 432, 9, 512),       # n1 = n2 = 9
    (80, 144, 9, 128),       # K/E = 0.5556 < 9/16
    (81, 144, 9, 256),       # K/E = 0.5625, not < 9/16
    (20, 144, 10, 128),      # 144 = 9/8 * 128 exactly
    (20, 145, 10, 256),      # 145 > 9/8 * 128
    (20, 1000, 10, 256),     # R_min: n2 = ceil(log2 160) = 8
    (4, 8, 9, 32),           # n_min = 5
    (200, 1000, 10, 1024),
    (200, 1000, 9, 512),
])
def test_code_length(k: int, e: int, n_max: int, n: int) -> None:
    frozen, _, n_got = polar_construct(k, e, n_max)
    assert n_got == n and frozen.shape == (n,)


def ref_code_length(k: int, e: int, n_max: int) -> int:
    ce = math.ceil(math.log2(e))
    n1 = ce - 1 if (e <= 9 / 8 * 2 ** (ce - 1) and k / e < 9 / 16) else ce
    n2 = math.ceil(math.log2(k / (1 / 8)))
    return 2 ** max(min(n1, n2, n_max), 5)


@given(st.integers(1, 1024), st.integers(1, 8192), st.integers(5, 10))
@settings(max_examples=200, deadline=None)
def test_code_length_formula(k: int, e: int, n_max: int) -> None:
    n = ref_code_length(k, e, n_max)
    assume(k <= e and k + polar_pc_params(k, e)[0] <= min(e, n))
    assert polar_construct(k, e, n_max)[2] == n


# ------------------------------------------------------------------------------ frozen sets

def test_frozen_set_n32_by_hand() -> None:
    # E = N = 32: no pre-freezing, Q_I = the 8 most reliable of SEQ_32
    frozen, q_pc, n = polar_construct(8, 32, 9)
    assert n == 32 and q_pc.numel() == 0
    assert info_set(frozen) == [15, 22, 23, 27, 28, 29, 30, 31]


def test_frozen_set_shortening_by_hand() -> None:
    # K = 14, E = 24, N = 32: K/E > 7/16 -> shortening pre-freezes J(24..31) = P(24..31)
    # = {24, 25, 26, 28, 27, 29, 30, 31}; the 14 most reliable of the rest of SEQ_32
    frozen, _, n = polar_construct(14, 24, 9)
    assert n == 32
    assert info_set(frozen) == [7, 10, 11, 12, 13, 14, 15, 17, 18, 19, 20, 21, 22, 23]


def test_frozen_set_puncturing_by_hand() -> None:
    # K = 4, E = 12 (N = 32): K/E <= 7/16 -> puncturing pre-freezes J(0..19) = P(0..19)
    # = {0..13, 16..21} and, E < 3N/4, {0 .. ceil(9*32/16 - 12/4) - 1} = {0..14};
    # left, in SEQ_32 order: 24, 26, 25, 22, 28, 15, 23, 27, 29, 30, 31
    frozen, _, n = polar_construct(4, 12, 9)
    assert n == 32
    assert info_set(frozen) == [27, 29, 30, 31]
    # K = 8 from the same set: 31, 30, 29, 27, 23, 15, 28, 22
    frozen, _, _ = polar_construct(5, 12, 9)
    assert info_set(frozen) == [23, 27, 29, 30, 31]


def test_frozen_set_puncturing_three_quarters_by_hand() -> None:
    # K = 8, E = 28 (N = 32): puncturing of J(0..3) = {0, 1, 2, 4}; E >= 3N/4 -> also
    # {0 .. ceil(24 - 14) - 1} = {0..9}; 8 most reliable of the rest: as without pre-freezing
    frozen, _, _ = polar_construct(8, 28, 9)
    assert info_set(frozen) == [15, 22, 23, 27, 28, 29, 30, 31]


def ref_construct(k: int, e: int, n: int, n_pc: int, n_pc_wm: int) -> tuple[list[int], list[int]]:
    """Q_I^N (with PC) and Q_PC^N, following the text of §5.3.1.2 step by step."""
    seq = [q for q in polar_sequence(1024).tolist() if q < n]
    j = subblock_interleaver_pattern(n).tolist()
    f_tmp = set()
    if e < n:
        if k / e <= 7 / 16:
            f_tmp |= {j[i] for i in range(n - e)}
            if e >= 3 * n / 4:
                f_tmp |= set(range(math.ceil(3 * n / 4 - e / 2)))
            else:
                f_tmp |= set(range(math.ceil(9 * n / 16 - e / 4)))
        else:
            f_tmp |= {j[i] for i in range(e, n)}
    i_tmp = [q for q in seq if q not in f_tmp]
    q_i = i_tmp[-(k + n_pc):]
    pc = q_i[:n_pc - n_pc_wm]
    if n_pc_wm:
        tilde = q_i[n_pc:]                                  # least reliable first
        weights = [2 ** bin(q).count("1") for q in tilde]
        w_min = min(weights)
        cands = [q for q, w in zip(tilde, weights) if w == w_min]
        pc += cands[-n_pc_wm:]
    return sorted(q_i), sorted(pc)


@given(st.integers(1, 200), st.integers(1, 1200), st.sampled_from([9, 10]))
@settings(max_examples=150, deadline=None)
def test_construction_matches_spec_text(k: int, e: int, n_max: int) -> None:
    n_pc, n_pc_wm = polar_pc_params(k, e)
    n = ref_code_length(k, e, n_max)
    assume(k <= e and k + n_pc <= min(e, n))
    frozen, q_pc, n_got = polar_construct(k, e, n_max)
    q_i, pc = ref_construct(k, e, n, n_pc, n_pc_wm)
    assert n_got == n
    assert info_set(frozen) == q_i
    assert q_pc.tolist() == pc


def test_pc_rule_of_uci() -> None:
    # §6.3.1.3.1: 12 <= A <= 19 (K = A + 6 = 18..25) -> n_PC = 3, n_PC^wm = 1 iff E - K + 3 > 192
    assert polar_pc_params(17, 500) == (0, 0)
    assert polar_pc_params(18, 207) == (3, 0)        # 207 - 18 + 3 = 192
    assert polar_pc_params(18, 208) == (3, 1)
    assert polar_pc_params(25, 500) == (3, 1)
    assert polar_pc_params(26, 500) == (0, 0)


def test_pc_positions_wm_by_hand() -> None:
    # K = 20, E = 300, N = 256 (n_max = 10): 23 info positions; 2 PC bits on the 2 least
    # reliable of them, 1 on the minimum-weight position among the 20 most reliable
    frozen, q_pc, n = polar_construct(20, 300, 10)
    assert n == 256 and int((~frozen).sum()) == 23
    seq = polar_sequence(256).tolist()
    q_i = [q for q in seq if not frozen[q]]                 # least reliable first
    wm = [q for q in q_pc.tolist() if q not in q_i[:2]]
    assert set(q_i[:2]) <= set(q_pc.tolist()) and len(wm) == 1
    weight = {q: bin(q).count("1") for q in q_i[3:]}
    assert weight[wm[0]] == min(weight.values())


def test_explicit_pc_arguments() -> None:
    frozen, q_pc, _ = polar_construct(40, 100, 9, n_pc=3, n_pc_wm=0)
    assert q_pc.numel() == 3 and int((~frozen).sum()) == 43
    _, q_pc, _ = polar_construct(20, 100, 10, n_pc=0)
    assert q_pc.numel() == 0


@pytest.mark.parametrize(("args", "kwargs", "err"), [
    ((57, 56), {}, ValueError),                 # K > E
    ((20, 8193), {}, ValueError),               # E > 8192
    ((20, 100, 11), {}, ValueError),            # n_max > 10
    ((20, 100, 4), {}, ValueError),             # n_max < 5
    ((0, 100), {}, ValueError),
    ((20.0, 100), {}, TypeError),
    ((600, 1000, 9), {}, ValueError),           # K > N = 512
    ((40, 100), {"n_pc": 3, "n_pc_wm": 4}, ValueError),
    ((20, 21), {}, ValueError),                 # K + n_PC > E
])
def test_bad_inputs(args: tuple, kwargs: dict, err: type) -> None:
    with pytest.raises(err):
        polar_construct(*args, **kwargs)
