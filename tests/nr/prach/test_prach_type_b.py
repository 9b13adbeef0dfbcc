"""PRACH restricted set type B: the cyclic shifts C_v of TS 38.211 §6.3.3.1.

The hand-worked cases below follow the clause step by step (L_RA = 839); ``d_u`` is checked
from ``u d_u = +-1 (mod 839)`` first, then n_shift, d_start, n_group, nbar_shift, the extra
groups (n2 = n-double-bar_shift from dbar_start, n3 = n-triple-bar_shift from d-double-bar_start)
and C_v.
"""

from __future__ import annotations

import math

import pytest
import torch
from hypothesis import given, settings
from hypothesis import strategies as st

from softran.nr import CarrierConfig
from softran.nr.prach import (
    PRACHConfig,
    PRACHDetector,
    prach,
    prach_cyclic_shifts,
    prach_ncs,
    prach_preamble_map,
)

L = 839


def _d_u(u: int) -> int:
    q = pow(u, -1, L)
    return q if q < L / 2 else L - q


# (u, N_CS, d_u, C_v), each worked out by hand from the clause:
CASES = [
    # u = 151: 151 * 50 = 7550 = 9 * 839 - 1, so q = 789 and d_u = 839 - 789 = 50.
    # Range N_CS <= d_u < L/5 = 167.8 (N_CS = 15): n_shift = floor(50/15) = 3,
    # d_start = 4*50 + 3*15 = 245, n_group = floor(839/245) = 3,
    # nbar = max(floor((839 - 200 - 3*245)/15), 0) = max(floor(-96/15), 0) = 0.
    # w = 3*3 + 0 = 9: C_v = 245 floor(v/3) + 15 (v mod 3).
    (151, 15, 50, (0, 15, 30, 245, 260, 275, 490, 505, 520)),
    # u = 92: 92 * 228 = 20976 = 25 * 839 + 1, so d_u = 228.
    # Range (L + N_CS)/4 = 215.25 <= 228 < 2L/7 = 239.71 (N_CS = 22):
    # n_shift = floor((912 - 839)/22) = floor(73/22) = 3, d_start = 73 + 66 = 139,
    # n_group = floor(228/139) = 1, nbar = max(floor((839 - 684 - 139)/22), 0) = floor(16/22) = 0,
    # dbar_start = 839 - 684 + 139 + 0 = 294,
    # n2 = floor(min(228 - 139, 73 - 0)/22) = floor(73/22) = 3,
    # d2_start = 839 - 456 + 139 + 3*22 = 588,
    # n3 = floor(((1 - 0)(228 - 139) + 0)/22) - 3 = floor(89/22) - 3 = 1.
    # w = 3: C_0..2 = 0, 22, 44; C_3..5 = 294, 316, 338; C_6 = 588.
    (92, 22, 228, (0, 22, 44, 294, 316, 338, 588)),
    # u = 198: 198 * 250 = 49500 = 59 * 839 - 1, so q = 589 and d_u = 250.
    # Range 2L/7 = 239.71 <= 250 <= (L - N_CS)/3 = 272.3 (N_CS = 22):
    # n_shift = floor((839 - 750)/22) = floor(89/22) = 4, d_start = 89 + 88 = 177,
    # n_group = floor(250/177) = 1, nbar = max(floor((1000 - 839 - 177)/22), 0) = 0,
    # dbar_start = 250 + 177 + 0 = 427, n2 = floor(min(250 - 177, 89 - 0)/22) = floor(73/22) = 3.
    # w = 4: C_0..3 = 0, 22, 44, 66; C_4..6 = 427, 449, 471.
    (198, 22, 250, (0, 22, 44, 66, 427, 449, 471)),
    # u = 674 (= 839 - 165): d_u = 300 (165 * 300 = 49500 = 59 * 839 - 1, q(674) = 300).
    # Range (L + N_CS)/3 = 287 <= 300 < 2L/5 = 335.6 (N_CS = 22):
    # n_shift = floor((900 - 839)/22) = 2, d_start = 61 + 44 = 105, n_group = floor(300/105) = 2,
    # nbar = max(floor((839 - 600 - 210)/22), 0) = floor(29/22) = 1.
    # w = 2*2 + 1 = 5: C_v = 105 floor(v/2) + 22 (v mod 2) = 0, 22, 105, 127, 210.
    (674, 22, 300, (0, 22, 105, 127, 210)),
    # u = 343: 343 * 340 = 116620 = 139 * 839 - 1, so q = 499 and d_u = 340. Range 2L/5 = 335.6 <= 340 <= (L - N_CS)/2 = 408.5 (N_CS = 22):
    # n_shift = floor((839 - 680)/22) = floor(159/22) = 7, d_start = 2*159 + 7*22 = 472,
    # n_group = floor((839 - 340)/472) = 1, nbar = max(floor((1020 - 839 - 472)/22), 0) = 0.
    # w = 7: C_v = 22 v, v = 0..6.
    (343, 22, 340, tuple(22 * v for v in range(7))),
]


@pytest.mark.parametrize("u,n_cs,d_u,want", CASES)
def test_cyclic_shifts_worked_by_hand(u, n_cs, d_u, want):
    assert _d_u(u) == d_u
    assert prach_cyclic_shifts(u, L, n_cs, "B") == want


def test_no_cyclic_shift_outside_the_ranges():
    # d_u = 20 < N_CS = 22: "for all other values of d_u there are no cyclic shifts"
    assert _d_u(42) == 20 and prach_cyclic_shifts(42, L, 22, "B") == ()


def _ncs_or_none(df: float, z: int) -> int | None:
    """Type-B N_CS of Tables 6.3.3.1-5 / -6 (the data file), None where not allowed."""
    try:
        return prach_ncs(df, z, "B")
    except ValueError:
        return None


def _cyc(x: int) -> int:
    x %= L
    return min(x, L - x)


@settings(max_examples=150, deadline=None)
@given(u=st.integers(1, L - 1), df=st.sampled_from([1.25, 5.0]), z=st.integers(0, 15))
def test_properties(u, df, z):
    n_cs = _ncs_or_none(df, z)
    if n_cs is None:
        return
    c = prach_cyclic_shifts(u, L, n_cs, "B")
    assert len(set(c)) == len(c)
    assert all(0 <= x < L for x in c)
    # the zero-correlation zone of each shift keeps N_CS clear of every other shift and of
    # the Doppler images at +-d_u and +-2 d_u (what type B is built for)
    d = _d_u(u)
    for a in c:
        for b in c:
            for k in (0, 1, -1, 2, -2):
                if a != b or k != 0:
                    assert _cyc(a - b + k * d) >= n_cs


def test_count_is_the_number_of_preambles_per_root_of_the_clause():
    # n_shift n_group + nbar_shift + n2 + n3, from the worked cases: 3*3+0, 3*1+0+3+1,
    # 4*1+0+3, 2*2+1, 7*1+0
    for (u, n_cs, _, _), n in zip(CASES, (9, 7, 7, 5, 7)):
        assert len(prach_cyclic_shifts(u, L, n_cs, "B")) == n


def test_preamble_map_collects_64_type_b_preambles():
    p = PRACHConfig(configuration_index=0, restricted_set="B", zero_correlation_zone=2,
                    sequence_index=100)
    m = prach_preamble_map(p)
    assert p.n_cs == 22 and len(m) == 64 and len(set(m)) == 64
    for u in {u for u, _ in m}:                   # each root's shifts in the order of C_v
        got = [c for r, c in m if r == u]
        full = prach_cyclic_shifts(u, L, 22, "B")
        assert tuple(got) == full[:len(got)]


def test_round_trip_through_prach_and_prach_detect():
    carrier = CarrierConfig(n_size_grid=25)
    p = PRACHConfig(configuration_index=0, restricted_set="B", zero_correlation_zone=2,
                    sequence_index=100, preamble_index=37)
    det = PRACHDetector(carrier, p, n_rx=1)
    w = torch.roll(prach(carrier, p), 30)
    g = torch.Generator().manual_seed(16)
    n0 = 10 ** (-20 / 10)                                            # 20 dB SNR
    noise = torch.complex(torch.randn(4, 1, w.shape[-1], generator=g),
                          torch.randn(4, 1, w.shape[-1], generator=g))
    out = det(w.expand(4, 1, -1) + math.sqrt(n0 / 2) * noise)
    assert bool(out.detected[:, 37].all())
    assert int(out.detected.sum()) == 4                              # nothing else
