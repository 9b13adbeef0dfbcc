"""Tests of softran.nr.sequences: Gold PRBS (TS 38.211 §5.2.1), low-PAPR sequences (§5.2.2),
PSS (§7.4.2.2) and SSS (§7.4.2.3).

The references below are slow, plain-Python transcriptions of the clauses (bit by bit, as
written in the specification); nothing here is produced by the code under test.
"""

from __future__ import annotations

import cmath
import math
from fractions import Fraction

import numpy as np
import pytest
import torch
from hypothesis import given, settings
from hypothesis import strategies as st

from softran.nr import sequences
from softran.nr.sequences import low_papr_sequence, prbs, prbs_qpsk, pss, sss
from softran.validation import max_allocation

# --------------------------------------------------------------------------------------------
# Plain-Python references of the clauses
# --------------------------------------------------------------------------------------------


def ref_prbs(c_init: int, n: int, nc: int = 1600) -> list[int]:
    """§5.2.1 bit by bit: c(n) = (x1(n + Nc) + x2(n + Nc)) mod 2."""
    x1 = [1] + [0] * 30
    x2 = [(c_init >> i) & 1 for i in range(31)]
    while len(x1) < n + nc:
        k = len(x1) - 31
        x1.append((x1[k + 3] + x1[k]) % 2)
        x2.append((x2[k + 3] + x2[k + 2] + x2[k + 1] + x2[k]) % 2)
    return [(x1[i + nc] + x2[i + nc]) % 2 for i in range(n)]


def ref_m_sequence(init_x6_to_x0: list[int], taps: tuple[int, int]) -> list[int]:
    """x(i + 7) = (x(i + a) + x(i + b)) mod 2, initial [x(6), ..., x(0)] as written in §7.4.2."""
    x = list(reversed(init_x6_to_x0))  # x(0) .. x(6)
    a, b = taps
    for i in range(127 - 7):
        x.append((x[i + a] + x[i + b]) % 2)
    return x


def ref_pss(n_cell_id: int) -> list[int]:
    x = ref_m_sequence([1, 1, 1, 0, 1, 1, 0], (4, 0))
    n_id2 = n_cell_id % 3
    return [1 - 2 * x[(n + 43 * n_id2) % 127] for n in range(127)]


def ref_sss(n_cell_id: int) -> list[int]:
    x0 = ref_m_sequence([0, 0, 0, 0, 0, 0, 1], (4, 0))
    x1 = ref_m_sequence([0, 0, 0, 0, 0, 0, 1], (1, 0))
    n_id1, n_id2 = n_cell_id // 3, n_cell_id % 3
    m0 = 15 * (n_id1 // 112) + 5 * n_id2
    m1 = n_id1 % 112
    return [(1 - 2 * x0[(n + m0) % 127]) * (1 - 2 * x1[(n + m1) % 127]) for n in range(127)]


def is_prime(k: int) -> bool:
    return k >= 2 and all(k % d for d in range(2, int(k ** 0.5) + 1))


def ref_zc_low_papr(u: int, v: int, alpha: float, m_zc: int) -> list[complex]:
    """§5.2.2.1 with exact rational q_bar."""
    n_zc = max(p for p in range(2, m_zc) if is_prime(p))
    q_bar = Fraction(n_zc * (u + 1), 31)
    q = math.floor(q_bar + Fraction(1, 2)) + v * (-1) ** math.floor(2 * q_bar)
    out = []
    for n in range(m_zc):
        m = n % n_zc
        out.append(cmath.exp(1j * alpha * n) * cmath.exp(-1j * math.pi * q * m * (m + 1) / n_zc))
    return out


def assert_close_complex(got: torch.Tensor, want: list[complex], atol: float = 2e-6) -> None:
    w = torch.tensor(want, dtype=torch.complex128)
    assert got.dtype == torch.complex64
    assert torch.allclose(got.to(torch.complex128), w, atol=atol, rtol=0)


# --------------------------------------------------------------------------------------------
# §5.2.1 PRBS
# --------------------------------------------------------------------------------------------


def test_reference_worked_by_hand() -> None:
    # The registers of §5.2.1 from n = 0 (Nc = 0), worked by hand:
    # x1: x1(0) = 1, x1(1..30) = 0; x1(n + 31) = x1(n + 3) + x1(n):
    #   x1(31) = x1(3) + x1(0) = 1, x1(32..58) = 0, x1(59) = x1(31) + x1(28) = 1,
    #   x1(60) = x1(32) + x1(29) = 0, x1(61) = x1(33) + x1(30) = 0, x1(62) = x1(34) + x1(31) = 1.
    x1 = [1] + [0] * 30 + [1] + [0] * 27 + [1, 0, 0, 1]
    # x2 for c_init = 1: x2(0) = 1, x2(1..30) = 0; x2(n + 31) = x2(n + 3) + ... + x2(n):
    #   x2(31) = 1, x2(32..58) = 0, x2(59) = x2(31) + x2(30) + x2(29) + x2(28) = 1,
    #   x2(60) = x2(32) + x2(31) + x2(30) + x2(29) = 1, x2(61) = 1, x2(62) = 1.
    x2 = [1] + [0] * 30 + [1] + [0] * 27 + [1, 1, 1, 1]
    assert ref_prbs(0, 63, nc=0) == x1
    assert ref_prbs(1, 63, nc=0) == [a ^ b for a, b in zip(x1, x2)]
    # c_init = 2^31 - 1: x2(0..30) = 1, x2(31) = 0 (four ones), x2(32) = 0, ...
    assert ref_prbs(2 ** 31 - 1, 33, nc=0) == [0] + [1] * 30 + [1, 0]


@pytest.mark.parametrize("c_init", [0, 1, 2, 3, 0x2AAAAAAA, 0x55555555, 2 ** 30, 2 ** 31 - 1,
                                    123456789, 1007])
@pytest.mark.parametrize("n", [0, 1, 7, 30, 31, 32, 61, 62, 63, 100, 1599, 1601, 4000])
def test_prbs_matches_clause(c_init: int, n: int) -> None:
    got = prbs(c_init, n)
    assert got.dtype == torch.uint8 and got.shape == (n,)
    assert got.tolist() == ref_prbs(c_init, n)


@settings(max_examples=60, deadline=None)
@given(c_init=st.integers(0, 2 ** 31 - 1), n=st.integers(0, 2500))
def test_prbs_matches_clause_property(c_init: int, n: int) -> None:
    assert prbs(c_init, n).tolist() == ref_prbs(c_init, n)


def test_prbs_nc_offset() -> None:
    # The output starts at n = Nc = 1600 of the two registers, not at 0 or 1599 / 1601.
    for c_init in (0, 1, 5, 2 ** 31 - 1):
        got = prbs(c_init, 200).tolist()
        assert got == ref_prbs(c_init, 200, nc=1600)
        for nc in (0, 1599, 1601):
            assert got != ref_prbs(c_init, 200, nc=nc)


def test_prbs_prefix_consistency() -> None:
    long = prbs(987654, 5000)
    for n in (1, 31, 62, 1000, 4999):
        assert torch.equal(prbs(987654, n), long[:n])


def test_prbs_obeys_gold_recurrence_long() -> None:
    # c = x1 + x2 is annihilated by the product of the two characteristic polynomials:
    # (D^31 + D^3 + 1)(D^31 + D^3 + D^2 + D + 1)
    #     = D^62 + D^33 + D^32 + D^6 + D^5 + D^4 + D^2 + D + 1 over GF(2), i.e.
    # c(n+62) = c(n+33) + c(n+32) + c(n+6) + c(n+5) + c(n+4) + c(n+2) + c(n+1) + c(n).
    n = 10 ** 6
    c = prbs(0x1234567, n).numpy().astype(np.int64)
    k = n - 62
    lhs = c[62:62 + k]
    rhs = sum(c[t:t + k] for t in (33, 32, 6, 5, 4, 2, 1, 0)) % 2
    assert np.array_equal(lhs, rhs)
    # and the beginning matches the bit-level clause
    assert c[:3000].tolist() == ref_prbs(0x1234567, 3000)


def test_prbs_single_register_recurrences() -> None:
    # c_init = 0: x2 = 0, so c(n) = x1(n + Nc) obeys x1(n + 31) = x1(n + 3) + x1(n).
    c = prbs(0, 20000).numpy().astype(np.int64)
    assert np.array_equal(c[31:], (c[3:-28] + c[:-31]) % 2)
    # prbs(a) + prbs(0) = x2 for c_init = a, which obeys the four-tap recurrence.
    x2 = (prbs(0x7531, 20000) ^ prbs(0, 20000)).numpy().astype(np.int64)
    assert np.array_equal(x2[31:], (x2[3:-28] + x2[2:-29] + x2[1:-30] + x2[:-31]) % 2)


@settings(max_examples=40, deadline=None)
@given(a=st.integers(0, 2 ** 31 - 1), b=st.integers(0, 2 ** 31 - 1))
def test_prbs_linearity_in_c_init(a: int, b: int) -> None:
    # x2 is linear in its initial state and x1 does not depend on c_init:
    # c(a) + c(b) + c(a xor b) = c(0) (mod 2).
    n = 700
    assert torch.equal(prbs(a, n) ^ prbs(b, n) ^ prbs(a ^ b, n), prbs(0, n))


def test_prbs_batched_matches_single() -> None:
    c_init = torch.tensor([[0, 1, 2 ** 31 - 1], [77, 1 << 20, 424242]])
    out = prbs(c_init, 3000)
    assert out.shape == (2, 3, 3000) and out.dtype == torch.uint8
    for i in range(2):
        for j in range(3):
            assert torch.equal(out[i, j], prbs(int(c_init[i, j]), 3000))
    # other integer dtypes and a 0-dim tensor
    assert torch.equal(prbs(c_init.to(torch.int32), 100), out[..., :100])
    assert torch.equal(prbs(torch.tensor(77), 100), prbs(77, 100))
    assert prbs(torch.tensor(77), 100).shape == (100,)
    assert prbs(c_init, 0).shape == (2, 3, 0)
    assert prbs(torch.zeros(0, dtype=torch.int64), 10).shape == (0, 10)


def test_prbs_batch_against_reference() -> None:
    rng = np.random.default_rng(7)
    c_init = rng.integers(0, 2 ** 31, size=20)
    out = prbs(torch.from_numpy(c_init), 400)
    for k, ci in enumerate(c_init.tolist()):
        assert out[k].tolist() == ref_prbs(ci, 400)


def test_prbs_device_keyword() -> None:
    out = prbs(5, 64, device="cpu")
    assert out.device.type == "cpu"
    assert torch.equal(out, prbs(torch.tensor([5]), 64, device=torch.device("cpu"))[0])


@pytest.mark.parametrize("c_init, exc", [
    (-1, ValueError), (2 ** 31, ValueError), (2 ** 40, ValueError),
    (1.0, TypeError), (True, TypeError), ("5", TypeError), (None, TypeError),
    (torch.tensor([1.0, 2.0]), TypeError), (torch.tensor([True]), TypeError),
    (torch.tensor([0, -1]), ValueError), (torch.tensor([2 ** 31]), ValueError),
])
def test_prbs_bad_c_init(c_init: object, exc: type) -> None:
    with pytest.raises(exc, match="c_init"):
        prbs(c_init, 10)


@pytest.mark.parametrize("n, exc", [(-1, ValueError), (1.5, TypeError), (10.0, TypeError)])
def test_prbs_bad_n(n: object, exc: type) -> None:
    with pytest.raises(exc, match=r"^n "):
        prbs(3, n)


# --------------------------------------------------------------------------------------------
# §7.4.2.2 PSS
# --------------------------------------------------------------------------------------------


def test_pss_first_values_by_hand() -> None:
    # [x(6) .. x(0)] = [1 1 1 0 1 1 0] -> x(0..6) = 0 1 1 0 1 1 1; N_ID^(2) = 0 -> m = n:
    # d(n) = 1 - 2 x(n) = 1, -1, -1, 1, -1, -1, -1; x(7) = x(4) + x(0) = 1 -> d(7) = -1,
    # x(8) = x(5) + x(1) = 0 -> d(8) = 1.
    assert pss(0)[:9].tolist() == [1, -1, -1, 1, -1, -1, -1, -1, 1]
    # N_ID^(2) = 1: d(0) = 1 - 2 x(43); N_ID^(2) = 2: d(0) = 1 - 2 x(86)
    x = ref_m_sequence([1, 1, 1, 0, 1, 1, 0], (4, 0))
    assert pss(1)[0].item() == 1 - 2 * x[43]
    assert pss(2)[0].item() == 1 - 2 * x[86]


@pytest.mark.parametrize("n_cell_id", [0, 1, 2, 3, 4, 5, 500, 1005, 1006, 1007])
def test_pss_matches_clause(n_cell_id: int) -> None:
    d = pss(n_cell_id)
    assert d.dtype == torch.float32 and d.shape == (127,)
    assert d.tolist() == ref_pss(n_cell_id)


def test_pss_correlations() -> None:
    # The three PSS are cyclic shifts (by 0, 43, 86) of one BPSK m-sequence of period 127, whose
    # periodic autocorrelation is 127 at lag 0 and -1 at every other lag; so the zero-lag
    # cross-correlation between two different PSS is exactly -1.
    d = pss(torch.tensor([0, 1, 2])).to(torch.float64)
    gram = d @ d.T
    assert torch.equal(gram, torch.full((3, 3), -1.0, dtype=torch.float64) + 128 * torch.eye(3))
    for i in range(3):
        for lag in range(127):
            ac = float((d[i] * torch.roll(d[i], lag)).sum())
            assert ac == (127.0 if lag == 0 else -1.0)
        # balanced m-sequence: 64 ones and 63 zeros -> sum of 1 - 2x is -1
        assert float(d[i].sum()) == -1.0


def test_pss_batched() -> None:
    ids = torch.arange(1008).reshape(336, 3)
    d = pss(ids)
    assert d.shape == (336, 3, 127)
    base = pss(torch.tensor([0, 1, 2]))
    assert torch.equal(d, base.expand(336, 3, 127))
    assert torch.equal(pss(torch.tensor(4)), pss(4))


# --------------------------------------------------------------------------------------------
# §7.4.2.3 SSS
# --------------------------------------------------------------------------------------------


def test_sss_first_values_by_hand() -> None:
    # N_ID^cell = 0: m0 = m1 = 0. x0(0..6) = x1(0..6) = 1, 0, 0, 0, 0, 0, 0, so the product
    # of (1 - 2 x0(n)) (1 - 2 x1(n)) is +1 for n < 7; x0(7) = x0(4) + x0(0) = 1 and
    # x1(7) = x1(1) + x1(0) = 1 -> +1; x0(8) = x0(5) + x0(1) = 0, x1(8) = x1(2) + x1(1) = 0 -> +1;
    # x0(9) = x1(9) = 0 -> +1; x0(10) = x0(7) + x0(3) = 1, x1(10) = x1(4) + x1(3) = 0 -> -1.
    assert sss(0)[:11].tolist() == [1] * 10 + [-1]


@pytest.mark.parametrize("n_cell_id", [0, 1, 2, 3, 17, 335, 336, 337, 500, 671, 1000, 1007])
def test_sss_matches_clause(n_cell_id: int) -> None:
    d = sss(n_cell_id)
    assert d.dtype == torch.float32 and d.shape == (127,)
    assert d.tolist() == ref_sss(n_cell_id)


@settings(max_examples=40, deadline=None)
@given(n_cell_id=st.integers(0, 1007))
def test_sss_matches_clause_property(n_cell_id: int) -> None:
    assert sss(n_cell_id).tolist() == ref_sss(n_cell_id)
    assert pss(n_cell_id).tolist() == ref_pss(n_cell_id)


def test_sss_all_distinct_and_batched() -> None:
    d = sss(torch.arange(1008))
    assert d.shape == (1008, 127)
    assert torch.unique(d, dim=0).shape[0] == 1008
    assert set(d.unique().tolist()) == {-1.0, 1.0}
    for k in (0, 250, 1007):
        assert torch.equal(d[k], sss(k))
    assert torch.equal(sss(torch.arange(12).reshape(2, 2, 3)), d[:12].reshape(2, 2, 3, 127))


@pytest.mark.parametrize("fn", [pss, sss])
@pytest.mark.parametrize("bad, exc", [
    (1008, ValueError), (-1, ValueError), (1.0, TypeError), (True, TypeError),
    (torch.tensor([0, 1008]), ValueError), (torch.tensor([0.0]), TypeError),
])
def test_sync_bad_cell_id(fn, bad: object, exc: type) -> None:
    with pytest.raises(exc, match="n_cell_id"):
        fn(bad)


# --------------------------------------------------------------------------------------------
# §5.2.2 Low-PAPR sequences
# --------------------------------------------------------------------------------------------


def test_low_papr_matlab_documentation_example() -> None:
    # MathWorks nrLowPAPRS documentation: u = 9, v = 0, alpha = 2*pi, m = 36 (first 10 values),
    # and the single-precision example with alpha = [pi/2, pi] (first 4 values).
    want = [1, -0.4404 - 0.8978j, 0.9795 + 0.2013j, 0.9190 + 0.3944j, 0.1514 - 0.9885j,
            0.5290 + 0.8486j, 0.1514 + 0.9885j, 0.9795 - 0.2013j, -0.7588 + 0.6514j,
            -0.9949 + 0.1012j]
    got = low_papr_sequence(9, 0, 2 * math.pi, 36)
    assert_close_complex(got[:10], want, atol=1e-4)
    got2 = low_papr_sequence(9, 0, torch.tensor([math.pi / 2, math.pi]), 36)
    assert_close_complex(got2[0, :4], [1, 0.8978 - 0.4404j, -0.9795 - 0.2013j, 0.3944 - 0.9190j],
                         atol=1e-4)
    assert_close_complex(got2[1, :4], [1, 0.4404 + 0.8978j, 0.9795 + 0.2013j, -0.9190 - 0.3944j],
                         atol=1e-4)


def test_zc_q_by_hand() -> None:
    # m_zc = 36: N_ZC = 31, u = 9 -> q_bar = 10, q = 10: r(1) = exp(-j pi 10 * 2 / 31)
    r1 = low_papr_sequence(9, 0, 0.0, 36)[1:2]
    assert_close_complex(r1, [cmath.exp(-1j * math.pi * 20 / 31)])
    # m_zc = 72: N_ZC = 71, u = 0 -> q_bar = 71/31 = 2.29: floor(q_bar + 1/2) = 2 and
    # floor(2 q_bar) = 4 (even): q = 2 for v = 0 and q = 3 for v = 1.
    assert_close_complex(low_papr_sequence(0, 0, 0.0, 72)[1:2], [cmath.exp(-1j * math.pi * 4 / 71)])
    assert_close_complex(low_papr_sequence(0, 1, 0.0, 72)[1:2], [cmath.exp(-1j * math.pi * 6 / 71)])
    # m_zc = 48: N_ZC = 47, u = 1 -> q_bar = 94/31 = 3.03: q = 3; floor(2 q_bar) = 6.
    assert_close_complex(low_papr_sequence(1, 0, 0.0, 48)[1:2], [cmath.exp(-1j * math.pi * 6 / 47)])
    # u = 2, N_ZC = 71: q_bar = 213/31 = 6.87, floor(q_bar + 1/2) = 7, floor(2 q_bar) = 13 (odd):
    # q = 7 - v -> v = 1 gives q = 6.
    r1 = low_papr_sequence(2, 1, 0.0, 72)[1:2]
    assert_close_complex(r1, [cmath.exp(-1j * math.pi * 12 / 71)])
    # the sequence wraps at N_ZC: r(N_ZC) = x_q(0) = 1
    assert_close_complex(low_papr_sequence(5, 1, 0.0, 72)[71:72], [1])


@pytest.mark.parametrize("m_zc", [36, 48, 60, 72, 96, 144, 288, 1200, 3300])
@pytest.mark.parametrize("u", [0, 1, 9, 15, 29])
def test_low_papr_zc_matches_clause(m_zc: int, u: int) -> None:
    for v in ((0, 1) if m_zc >= 72 else (0,)):
        for alpha in (0.0, 2 * math.pi * 5 / 12, 1.234):
            got = low_papr_sequence(u, v, alpha, m_zc)
            assert got.shape == (m_zc,)
            assert_close_complex(got, ref_zc_low_papr(u, v, alpha, m_zc), atol=2e-5)


def test_low_papr_zc_ideal_periodic_autocorrelation() -> None:
    # x_q is a Zadoff-Chu sequence of prime length N_ZC: zero periodic autocorrelation at
    # every non-zero lag; the base sequence is its cyclic extension to M_ZC.
    for m_zc, n_zc in ((36, 31), (48, 47), (72, 71), (96, 89)):
        for u in (0, 7, 29):
            for v in ((0, 1) if m_zc >= 72 else (0,)):
                r = low_papr_sequence(u, v, 0.0, m_zc).to(torch.complex128)
                x = r[:n_zc]
                assert torch.allclose(r[n_zc:], x[:m_zc - n_zc], atol=1e-5)
                for lag in range(n_zc):
                    ac = abs(complex((x * torch.roll(x, lag).conj()).sum()))
                    assert ac == pytest.approx(n_zc if lag == 0 else 0.0, abs=1e-4)


def test_low_papr_length_30() -> None:
    # §5.2.2.2: M_ZC = 30 -> r(n) = exp(-j pi (u + 1)(n + 1)(n + 2) / 31); length 30 exists
    # with delta >= 1 (m = 5, delta = 1: PUSCH DM-RS with transform precoding on 5 PRBs).
    for u in (0, 13, 29):
        want = [cmath.exp(1j * 0.5 * n)
                * cmath.exp(-1j * math.pi * (u + 1) * (n + 1) * (n + 2) / 31) for n in range(30)]
        assert_close_complex(low_papr_sequence(u, 0, 0.5, 30, delta=1), want, atol=2e-5)


# Rows of TS 38.211 Tables 5.2.2.2-1 .. -4 as given (identically, all 1800 entries) by two
# independent public sources: srsRAN (low_papr_sequence_generator_impl.cpp, phi_M_sc_6 ..
# phi_M_sc_24) and a public MATLAB PUCCH script's getPhiType1 (phiTable, "Table 5.2.2.2-k").
SPOT_ROWS = {
    (6, 0): [-3, -1, 3, 3, -1, -3],
    (6, 29): [1, 1, -3, 1, -1, -1],
    (12, 0): [-3, 1, -3, -3, -3, 3, -3, -1, 1, 1, 1, -3],
    (12, 1): [-3, 3, 1, -3, 1, 3, -1, -1, 1, 3, 3, 3],
    (12, 29): [-3, 3, -3, 3, -3, -3, 3, -1, -1, 1, 3, -3],
    (18, 0): [-1, 3, -1, -3, 3, 1, -3, -1, 3, -3, -1, -1, 1, 1, 1, -1, -1, -1],
    (18, 29): [-3, 3, 1, -1, -1, -1, -1, 1, -1, 3, 3, -3, -1, 1, 3, -1, 3, -1],
    (24, 0): [-1, -3, 3, -1, 3, 1, 3, -1, 1, -3, -1, -3, -1, 1, 3, -3, -1, -3, 3, 3, 3, -3, -3, -3],
    (24, 29): [3, -3, -1, 1, 3, -1, -1, -3, -1, 3, -1, -3, -1, -3, 3, -1, 3, 1, 1, -3, 3, -3, -3,
               -3],
}


@pytest.mark.parametrize("m_zc, u", sorted(SPOT_ROWS))
def test_low_papr_table_spot_checks(m_zc: int, u: int) -> None:
    delta = 0 if m_zc % 12 == 0 else 1
    want = [cmath.exp(1j * p * math.pi / 4) for p in SPOT_ROWS[(m_zc, u)]]
    assert_close_complex(low_papr_sequence(u, 0, 0.0, m_zc, delta=delta), want)


def test_low_papr_tables_properties() -> None:
    # Every table sequence: constant modulus, phases on the QPSK grid (phi in {-3,-1,1,3}), all
    # 30 groups distinct; and low PAPR: every one of them, mapped on M_ZC subcarriers and 8x
    # oversampled, stays below 7 dB, and its periodic autocorrelation sidelobes stay below
    # 0.7 M_ZC.
    for m_zc in (6, 12, 18, 24):
        delta = 0 if m_zc % 12 == 0 else 1
        seqs = torch.stack([low_papr_sequence(u, 0, 0.0, m_zc, delta=delta) for u in range(30)])
        seqs = seqs.to(torch.complex128)
        assert torch.allclose(seqs.abs(), torch.ones_like(seqs.abs()), atol=1e-6)
        phi = torch.angle(seqs) / (math.pi / 4)
        assert torch.allclose(phi, phi.round(), atol=1e-5)
        assert set(phi.round().to(torch.int64).unique().tolist()) <= {-3, -1, 1, 3}
        assert torch.unique(phi.round(), dim=0).shape[0] == 30
        for r in seqs:
            zeros = torch.zeros(7 * m_zc, dtype=r.dtype)
            padded = torch.cat([r[: m_zc // 2], zeros, r[m_zc // 2:]])
            p = torch.fft.ifft(padded).abs() ** 2
            assert 10 * math.log10(float(p.max() / p.mean())) < 7.0
            side = [abs(complex((r * torch.roll(r, lag).conj()).sum())) for lag in range(1, m_zc)]
            assert max(side) < 0.7 * m_zc


@settings(max_examples=40, deadline=None)
@given(u=st.integers(0, 29), v=st.integers(0, 1),
       m_zc=st.sampled_from([6, 12, 18, 24, 30, 36, 42, 48, 60, 72, 78, 120, 300]),
       alpha=st.floats(-20, 20, allow_nan=False))
def test_low_papr_constant_modulus_and_cyclic_shift(u: int, v: int, m_zc: int,
                                                    alpha: float) -> None:
    delta = 0 if m_zc % 12 == 0 else 1
    v = v if m_zc >= 72 else 0
    base = low_papr_sequence(u, v, 0.0, m_zc, delta=delta).to(torch.complex128)
    got = low_papr_sequence(u, v, alpha, m_zc, delta=delta).to(torch.complex128)
    assert torch.allclose(got.abs(), torch.ones(m_zc, dtype=torch.float64), atol=1e-6)
    n = torch.arange(m_zc, dtype=torch.float64)
    assert torch.allclose(got, base * torch.polar(torch.ones_like(n), alpha * n), atol=1e-5)


def test_low_papr_cyclic_shift_is_time_domain_delay() -> None:
    # alpha = 2 pi k / M_ZC is a cyclic delay by k samples after an M_ZC-point IDFT.
    r0 = low_papr_sequence(4, 0, 0.0, 12)
    for k in range(12):
        rk = low_papr_sequence(4, 0, 2 * math.pi * k / 12, 12)
        t0, tk = torch.fft.ifft(r0.to(torch.complex128)), torch.fft.ifft(rk.to(torch.complex128))
        assert torch.allclose(tk, torch.roll(t0, -k), atol=1e-6)


def test_low_papr_alpha_batch_and_delta() -> None:
    alpha = torch.tensor([[0.0, 1.0, 2.0], [3.0, 4.0, 5.0]])
    out = low_papr_sequence(7, 1, alpha, 96)
    assert out.shape == (2, 3, 96) and out.dtype == torch.complex64
    for i in range(2):
        for j in range(3):
            assert torch.allclose(out[i, j], low_papr_sequence(7, 1, float(alpha[i, j]), 96))
    # delta only selects which lengths exist; the values do not depend on it
    assert torch.equal(low_papr_sequence(3, 0, 0.3, 72, delta=0),
                       low_papr_sequence(3, 0, 0.3, 72, delta=1))
    # SRS with K_TC = 8 (delta = 3): M_ZC = m_SRS 12 / 8, e.g. m_SRS = 4 -> 6
    assert low_papr_sequence(3, 0, 0.0, 6, delta=3).shape == (6,)
    assert low_papr_sequence(3, 0, 0.0, 39, delta=2).shape == (39,)


@pytest.mark.parametrize("kwargs, exc, match", [
    (dict(u=30), ValueError, "u"), (dict(u=-1), ValueError, "u"), (dict(u=1.0), TypeError, "u"),
    (dict(v=2), ValueError, "v"), (dict(v=1, m_zc=36), ValueError, "v = 1"),
    (dict(v=1, m_zc=60), ValueError, "v = 1"),
    (dict(m_zc=30), ValueError, "m_zc = 30"),  # 30 needs delta >= 1
    (dict(m_zc=6), ValueError, "m_zc = 6"),  # 6 needs delta >= 1
    (dict(m_zc=7, delta=3), ValueError, "m_zc = 7"),
    (dict(m_zc=9, delta=2), ValueError, "m_zc = 9"),  # no base sequence of length 9
    (dict(m_zc=66, delta=1), ValueError, "m_zc = 66"),  # m / 2^delta = 5.5 is no group length
    (dict(m_zc=0), ValueError, "m_zc"), (dict(m_zc=3312), ValueError, "m_zc = 3312"),
    (dict(m_zc=36.0), TypeError, "m_zc"),
    (dict(delta=4), ValueError, "delta"), (dict(delta=-1), ValueError, "delta"),
    (dict(alpha="0"), TypeError, "alpha"), (dict(alpha=1j), TypeError, "alpha"),
    (dict(alpha=float("nan")), ValueError, "alpha"),
    (dict(alpha=torch.tensor([1j])), TypeError, "alpha"),
])
def test_low_papr_bad_inputs(kwargs: dict, exc: type, match: str) -> None:
    args = dict(u=0, v=0, alpha=0.0, m_zc=36)
    args.update(kwargs)
    delta = args.pop("delta", 0)
    with pytest.raises(exc, match=match):
        low_papr_sequence(args["u"], args["v"], args["alpha"], args["m_zc"], delta=delta)


def test_huge_lengths_are_refused_before_allocating():
    # prbs(5, 10**11) would need ~373 GiB (x1, x2 and the output as uint8): a ValueError
    # naming n and the limit, not the allocator's crash
    with pytest.raises(ValueError, match=r"^n = 100000000000 would need about .* GiB of memory, "
                                         r"more than the limit"):
        prbs(5, 10**11)
    with max_allocation("1M"):
        assert prbs(5, 1000).shape == (1000,)
        with pytest.raises(ValueError, match=r"n = 100000 would need .* limit of 1 MiB"):
            prbs(torch.arange(10), 100_000)                  # 10 sequences of 10**5 bits
        with pytest.raises(ValueError, match="length = 100000 would need"):
            prbs_qpsk(5, 100_000)
        with pytest.raises(ValueError, match=r"alpha.shape = \(1000,\) would need"):
            low_papr_sequence(0, 0, torch.zeros(1000), 3300)


def test_lfsr_sequence_is_the_recurrence():
    init = torch.tensor([1, 0, 0, 1, 1], dtype=torch.uint8)
    x = sequences.lfsr_sequence(init, 40, (0, 2)).tolist()
    assert x[:5] == [1, 0, 0, 1, 1]
    assert all(x[i + 5] == x[i] ^ x[i + 2] for i in range(35))
    assert len({tuple(x[i:i + 5]) for i in range(31)}) == 31       # primitive: period 31
    with pytest.raises(ValueError):
        sequences.lfsr_sequence(init, 10, (0, 7))
