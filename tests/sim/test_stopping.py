"""Stopping rule (deterministic stop index) and confidence intervals."""

import math

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from softran.sim.link import SlotCounts
from softran.sim.scenario_sections import StoppingSection
from softran.sim.stopping import point_result, rule_holds, stop_index, wilson_interval

Z95 = 1.959963984540054  # the 0.975 quantile of N(0, 1)


def test_wilson_by_hand():
    # 5 / 100: p = 0.05, z^2 = 3.84145882; denominator 1 + z^2/n = 1.03841459
    # centre (0.05 + 0.01920729) / 1.03841459 = 0.06664707
    # half   z sqrt(0.05 * 0.95 / 100 + 3.84145882 / 40000) / 1.03841459
    #      = 1.95996398 * sqrt(0.00057103647) / 1.03841459 = 0.04510340
    # i.e. [0.02154368, 0.11175047]
    lo, hi = wilson_interval(5, 100)
    assert lo == pytest.approx(0.02154368, abs=1e-8)
    assert hi == pytest.approx(0.11175047, abs=1e-8)
    # 0 / n: lower bound 0, upper bound z^2 / (n + z^2)
    lo, hi = wilson_interval(0, 100)
    assert lo == 0 and hi == pytest.approx(Z95 ** 2 / (100 + Z95 ** 2))
    # 99 % level: z = 2.5758293; n / n: lower bound n / (n + z^2)
    lo, hi = wilson_interval(50, 50, 0.99)
    assert hi == 1 and lo == pytest.approx(50 / (50 + 2.5758293035489 ** 2))
    assert wilson_interval(0, 0) == (0.0, 1.0)


@given(st.integers(1, 10_000), st.data(), st.sampled_from([0.8, 0.9, 0.95, 0.99]))
def test_wilson_properties(n, data, level):
    k = data.draw(st.integers(0, n))
    lo, hi = wilson_interval(k, n, level)
    assert 0 <= lo <= k / n <= hi <= 1
    lo2, hi2 = wilson_interval(n - k, n, level)          # symmetric in k <-> n - k
    assert lo2 == pytest.approx(1 - hi, abs=1e-12) and hi2 == pytest.approx(1 - lo, abs=1e-12)
    wider = wilson_interval(k, n, min(0.999, level + 0.005))
    assert wider[0] <= lo + 1e-15 and wider[1] >= hi - 1e-15


def test_wilson_bad_input():
    for args in [(5, 4), (-1, 10), (1, 10, 1.0), (1, 10, 0.0)]:
        with pytest.raises(ValueError):
            wilson_interval(*args)


def _b(errors, slots=10):
    return SlotCounts(slots=slots, transmissions=slots, blocks=slots, block_errors=errors,
                      delivered_bits=slots - errors, max_bits=slots)


def test_rule_by_hand():
    rule = StoppingSection(target_block_errors=10, min_slots=100, max_slots=1000)
    assert not rule_holds(SlotCounts(slots=50, blocks=50, block_errors=40), rule)  # < min_slots
    assert rule_holds(SlotCounts(slots=100, blocks=100, block_errors=10), rule)
    assert not rule_holds(SlotCounts(slots=999, blocks=999, block_errors=9), rule)
    assert rule_holds(SlotCounts(slots=1000, blocks=1000), rule)                 # max_slots
    # target 0 disables the error target: only max_slots stops
    off = StoppingSection(target_block_errors=0, max_slots=50)
    assert not rule_holds(SlotCounts(slots=49, blocks=49, block_errors=49), off)
    assert rule_holds(SlotCounts(slots=50, blocks=50), off)


def test_relative_ci_width_by_hand():
    # 100 errors in 1000 blocks: half width z sqrt(0.09/1000 + z^2/4e6) / (1 + z^2/1000)
    # = 1.959964 * 0.00953735 / 1.00384146 = 0.0186215; width 0.037243 = 0.37243 * BLER
    c = SlotCounts(slots=1000, blocks=1000, block_errors=100)
    lo, hi = wilson_interval(100, 1000)
    assert hi - lo == pytest.approx(0.037243, abs=2e-6)
    base = {"target_block_errors": 0, "max_slots": 10**6}
    assert rule_holds(c, StoppingSection(**base, ci_relative_width=0.373))
    assert not rule_holds(c, StoppingSection(**base, ci_relative_width=0.372))
    # no error yet: the relative width is undefined and never stops
    assert not rule_holds(SlotCounts(slots=1000, blocks=1000),
                          StoppingSection(**base, ci_relative_width=100.0))


def test_stop_index_first_batch_where_rule_holds():
    rule = StoppingSection(target_block_errors=5, max_slots=100)
    batches = [_b(e) for e in (1, 2, 0, 2, 9, 0)]       # cumulative 1, 3, 3, 5, 14, 14
    assert stop_index(batches, rule) == 3
    assert stop_index(batches[:3], rule) is None
    r = point_result(2.0, batches, rule)                 # batches 4, 5 are not counted
    assert r.n_batches == 4 and r.done and r.counts.block_errors == 5
    assert r.counts.blocks == 40 and r.bler == 5 / 40
    assert r.bler_ci == wilson_interval(5, 40)
    assert r.throughput == 35 / 40 and r.throughput_ci == wilson_interval(35, 40)
    # max_slots: 10 batches of 10 slots
    assert stop_index([_b(0)] * 12, rule) == 9


@given(st.lists(st.integers(0, 10), min_size=1, max_size=30),
       st.lists(st.integers(0, 10), max_size=10), st.integers(0, 40), st.integers(1, 400))
def test_stop_index_ignores_later_batches(errors, extra, target, max_slots):
    # what parallel engines computed beyond the stop changes nothing
    rule = StoppingSection(target_block_errors=target, max_slots=max_slots)
    batches = [_b(e) for e in errors]
    b = stop_index(batches, rule)
    more = batches + [_b(e) for e in extra]
    if b is not None:
        assert stop_index(more, rule) == b
        assert point_result(0.0, more, rule) == point_result(0.0, batches, rule)
        cumulative = [sum(errors[:i + 1]) for i in range(len(errors))]
        slots = [10 * (i + 1) for i in range(len(errors))]
        hold = [s >= max_slots or (target > 0 and c >= target)
                for s, c in zip(slots, cumulative)]
        assert b == hold.index(True)


def test_empty_point():
    r = point_result(0.0, [], StoppingSection())
    assert r.n_batches == 0 and not r.done and math.isnan(r.bler) and r.bler_ci == (0.0, 1.0)


def test_target_throughput_rule_stops_once_the_interval_excludes_the_target():
    from softran.sim.stopping import throughput_ci

    rule = StoppingSection(target_block_errors=0, min_slots=100, max_slots=10_000,
                           target_throughput=0.7)

    def counts(slots, delivered):
        return SlotCounts(slots=slots, transmissions=slots, blocks=delivered,
                          delivered_bits=delivered, max_bits=slots)

    # 90 of 100 slots: Wilson [0.826, 0.945] lies above 0.7; 75 of 100: [0.657, 0.826] holds it
    assert throughput_ci(counts(100, 90))[0] > 0.7 and rule_holds(counts(100, 90), rule)
    lo, hi = throughput_ci(counts(100, 75))
    assert lo < 0.7 < hi and not rule_holds(counts(100, 75), rule)
    assert rule_holds(counts(100, 50), rule)                     # [0.404, 0.596] below
    assert not rule_holds(counts(99, 99), rule)                  # min_slots first
    assert rule_holds(counts(10_000, 7000), rule)                # max_slots
    # off by default, and then the scenario's content hash is that of earlier versions
    assert StoppingSection().target_throughput is None
    with pytest.raises(ValueError, match="target_throughput = 1.5 is out of range"):
        StoppingSection(target_throughput=1.5)


# ---- the throughput's interval: ratio estimator over independent blocks -------------------
def _harq_blocks(rng, p: float, n: int):
    """n blocks of a HARQ link with combining gain: the k-th transmission of a block succeeds,
    given that the earlier ones failed, with probability 1 - (1 - p)^(1, 3, 6, 10)[k]; at most
    4 transmissions. Returns the counts and the exact throughput E[delivered] / E[transmissions]."""
    q = 1 - (1 - p) ** np.array([1, 3, 6, 10])
    survive = np.cumprod(np.r_[1.0, 1 - q[:-1]])           # P(t >= k)
    exact = (1 - np.prod(1 - q)) / survive.sum()
    ok_at = rng.random((n, 4)) < q
    ok = ok_at.any(1)
    t = np.where(ok, ok_at.argmax(1) + 1, 4)
    s = int(t.sum())
    return SlotCounts(slots=s, transmissions=s, transmission_errors=s - int(ok.sum()), blocks=n,
                      block_errors=int((~ok).sum()), delivered_bits=int(ok.sum()), max_bits=s,
                      first_transmission_errors=int(((t > 1) | ~ok).sum()),
                      delivered_transmissions=int(t[ok].sum()),
                      transmissions_squared=int((t * t).sum())), exact


def test_throughput_trials_by_hand_and_fallbacks():
    from softran.sim.stopping import throughput_ci, throughput_trials

    # 4 blocks: t = 1, 2, 2 delivered, 4 lost: D = 3, T = 9, R = 1/3,
    # residuals d - R t = 2/3, 1/3, 1/3, -4/3: sum of squares 22/9, Var = 22/9 * 4/3 / 81
    n_eff = throughput_trials(1 / 3, 4, 9, 5, 25)
    assert n_eff == pytest.approx((1 / 3) * (2 / 3) / (22 / 9 * 4 / 3 / 81))
    # without the sums, or no spread (R 1), or one block: the transmissions (Bernoulli)
    assert throughput_trials(1 / 3, 4, 9, None, 25) == 9.0
    assert throughput_trials(1.0, 4, 4, 4, 4) == 4.0 and throughput_trials(0.5, 1, 2, 1, 4) == 2.0
    # one transmission per block: the Bernoulli count times (n - 1) / n
    assert throughput_trials(0.7, 100, 100, 70, 100) == pytest.approx(99.0)
    # a HARQ timeline (slots != transmissions): the Bernoulli reading of the transmissions
    c = SlotCounts(slots=12, transmissions=9, blocks=4, delivered_bits=3, max_bits=12,
                   delivered_transmissions=5, transmissions_squared=25)
    assert throughput_ci(c) == wilson_interval(3 / 12 * 9, 9)


@pytest.mark.parametrize("p", [0.25, 0.6, 0.85])
def test_throughput_interval_covers_the_exact_throughput_with_harq(p):
    from softran.sim.stopping import throughput_ci

    rng = np.random.default_rng(int(p * 100))
    m, covered, covered_bernoulli, ratio = 1000, 0, 0, []
    for _ in range(m):
        c, exact = _harq_blocks(rng, p, 200)
        lo, hi = throughput_ci(c)
        covered += lo <= exact <= hi
        blo, bhi = wilson_interval(c.delivered_bits, c.transmissions)
        covered_bernoulli += blo <= exact <= bhi
        ratio.append(((bhi - blo) / (hi - lo)) ** 2)
    # 95 % nominal; the count's binomial sd is sqrt(0.95 * 0.05 / 1000) = 0.0069: 4 sd
    assert abs(covered / m - 0.95) <= 4 * math.sqrt(0.95 * 0.05 / m)
    # the Bernoulli reading of the slots overstates the variance (HARQ combining): it
    # covers nearly always, and its interval needs 1.4x - 3x the slots for the same width
    assert covered_bernoulli / m > 0.97 and np.median(ratio) > 1.3
