"""Error-rate sanity of the LDPC shared-channel chain in AWGN (slow; `make test-all`).

QPSK with Gray mapping gives each coded bit a BI-AWGN channel at the symbol's Es/N0, so the
block error rate of an (n = G, k = A) transport block is compared with the normal
approximation of the best code of that size (softran.sim.bounds). Counts are checked against
the binomial spread: with N blocks at true BLER p, a count beyond N p + 3 sqrt(N p (1 - p))
happens with probability < 0.2 %.
"""

import math

import pytest
import torch

from softran.nr.coding.sch import DLSCHDecoder, DLSCHEncoder
from softran.nr.modulation import symbol_demodulate, symbol_modulate
from softran.sim.bounds import normal_approximation_snr

pytestmark = pytest.mark.slow


def _block_errors(tbs, g, snr_db, n_blocks, algorithm="layered-min-sum", max_iterations=12,
                  seed=0, batch=500):
    gen = torch.Generator().manual_seed(seed)
    enc = DLSCHEncoder(tbs / g)
    dec = DLSCHDecoder(tbs / g, tbs, algorithm=algorithm, max_iterations=max_iterations)
    n0 = 10 ** (-snr_db / 10)
    errors = 0
    for start in range(0, n_blocks, batch):
        b = min(batch, n_blocks - start)
        tb = torch.randint(0, 2, (b, tbs), dtype=torch.uint8, generator=gen)
        sym = symbol_modulate(enc(tb, "QPSK", 1, g), "QPSK")
        noise = torch.complex(torch.randn(sym.shape, generator=gen),
                              torch.randn(sym.shape, generator=gen)) * math.sqrt(n0 / 2)
        llr = symbol_demodulate(sym + noise, "QPSK", n0)
        out, err = dec(llr, "QPSK", 1)
        dec.reset_soft_buffer(0)
        errors += int((err | (out != tb).any(-1)).sum())
    return errors


def _at_most(errors, n, p):
    return errors <= n * p + 3 * math.sqrt(n * p * (1 - p))


def _at_least(errors, n, p):
    return errors >= n * p - 3 * math.sqrt(n * p * (1 - p))


@pytest.mark.parametrize("tbs, g", [(1000, 2000), (20_000, 40_000)])
def test_within_1p5_db_of_normal_approximation(tbs, g):
    s_na = normal_approximation_snr(tbs, g, 1e-2)
    n = 3000 if tbs < 5000 else 600
    # 1.5 dB above the bound, the BLER must be at most 1e-2 ...
    assert _at_most(_block_errors(tbs, g, s_na + 1.5, n), n, 1e-2)
    # ... and the test can see a failure: at the bound itself a real code misses 1e-2
    assert _at_least(_block_errors(tbs, g, s_na, n, seed=1), n, 1e-2)


def test_min_sum_variants_within_0p5_db_of_sum_product():
    # One operating point on the waterfall of the sum-product reference (about 5 % BLER at
    # 0.6 dB above the normal approximation, K = 1000, rate 1/2, 30 iterations for every
    # algorithm): 0.5 dB further, each min-sum variant must do at least as well, i.e. its
    # BLER curve lies less than 0.5 dB to the right of the reference there.
    tbs, g, iters = 1000, 2000, 30
    s = normal_approximation_snr(tbs, g, 1e-2) + 0.6
    n_sp, n_ms = 600, 3000
    e_sp = _block_errors(tbs, g, s, n_sp, "sum-product", iters, seed=3, batch=300)
    assert e_sp >= 10  # the reference sits on its waterfall: the comparison can fail
    p_sp = e_sp / n_sp
    for algorithm in ("layered-min-sum", "layered-offset-min-sum"):
        p_ms = _block_errors(tbs, g, s + 0.5, n_ms, algorithm, iters, seed=4) / n_ms
        sigma = math.sqrt(p_sp * (1 - p_sp) / n_sp + p_ms * (1 - p_ms) / n_ms)
        assert p_ms <= p_sp + 3 * sigma, (algorithm, p_ms, p_sp)
