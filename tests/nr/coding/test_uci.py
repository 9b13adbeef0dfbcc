"""UCI coding: the small block codes of TS 38.212 §5.3.3 against their tables, and the polar
UCI chain of §6.3.1 (segmentation, CRC, rate matching) by round trips and error checks."""

from __future__ import annotations

import csv

import pytest
import torch

from softran.nr.coding import (
    crc_decode,
    reed_muller_basis,
    small_block_decode,
    small_block_encode,
    small_block_placeholders,
    uci_crc_length,
    uci_decode,
    uci_encode,
    uci_segment_info,
)
from softran.nr.datafiles import data_path
from softran.nr.scrambling import pusch_descramble, pusch_scramble


def _table_rows() -> list[list[int]]:
    with open(data_path("uci_reed_muller_basis.csv")) as f:
        rows = list(csv.reader(line for line in f if not line.startswith("#")))[1:]
    return [[int(x) for x in r[1:]] for r in rows]


def test_reed_muller_encoder_is_the_sum_of_basis_sequences():
    # d_i = (sum_n c_n M_{i,n}) mod 2 (TS 38.212 §5.3.3.3), bit by bit from the table file
    m = _table_rows()
    g = torch.Generator().manual_seed(1)
    for a in range(3, 12):
        c = torch.randint(0, 2, (40, a), generator=g, dtype=torch.uint8)
        d = small_block_encode(c, 32)
        for row, cw in zip(c.tolist(), d.tolist(), strict=True):
            want = [sum(row[n] * m[i][n] for n in range(a)) % 2 for i in range(32)]
            assert cw == want


def test_reed_muller_table_values_typed_from_the_clause():
    m = reed_muller_basis()
    assert m.shape == (32, 11)
    assert m[:, 0].tolist() == [1] * 32                          # column M_i,0: all ones
    assert m[30].tolist() == [1] * 11 and m[31].tolist() == [1] + [0] * 10
    assert m[16].tolist() == [1, 1, 1, 0, 1, 1, 1, 0, 0, 1, 0]
    assert int(m.sum()) == sum(map(sum, _table_rows()))


def test_reed_muller_rate_matching_repeats_the_block():
    c = torch.tensor([1, 0, 1, 1], dtype=torch.uint8)
    d = small_block_encode(c, 32)
    assert small_block_encode(c, 70).tolist() == (d.tolist() * 3)[:70]   # e_k = d_(k mod 32)
    assert small_block_encode(c, 20).tolist() == d[:20].tolist()


@pytest.mark.parametrize("qm,seq", [(1, "c0"), (2, "c0 y"), (4, "c0 y x x"), (6, "c0 y x x x x")])
def test_one_bit_patterns_table_5_3_3_1_1(qm, seq):
    tokens = seq.split()
    x, y = small_block_placeholders(1, 2 * len(tokens), qm)
    assert x.tolist() == [t == "x" for t in tokens] * 2
    assert y.tolist() == [t == "y" for t in tokens] * 2
    out = small_block_encode(torch.tensor([1], dtype=torch.uint8), 2 * len(tokens), qm)
    assert out.tolist() == [1 if t == "c0" else 0 for t in tokens] * 2


def test_two_bit_simplex_table_5_3_3_2_1():
    # Q_m = 4: c0 c1 x x c2 c0 x x c1 c2 x x with c2 = c0 xor c1
    for c0 in (0, 1):
        for c1 in (0, 1):
            out = small_block_encode(torch.tensor([c0, c1], dtype=torch.uint8), 12, 4).tolist()
            c2 = c0 ^ c1
            assert out == [c0, c1, 0, 0, c2, c0, 0, 0, c1, c2, 0, 0]
    x, _ = small_block_placeholders(2, 12, 4)
    assert x.tolist() == [False, False, True, True] * 3


@pytest.mark.parametrize("a", range(1, 12))
@pytest.mark.parametrize("qm", [1, 2, 6])
def test_small_block_round_trip_with_noise(a, qm):
    g = torch.Generator().manual_seed(10 * a + qm)
    e = 48
    c = torch.randint(0, 2, (64, a), generator=g, dtype=torch.uint8)
    d = small_block_encode(c, e, qm)
    x, y = (m.expand(64, e) for m in small_block_placeholders(a, e, qm))
    # through the PUSCH scrambler of TS 38.211 §6.3.1.1, which resolves the placeholders
    sent = pusch_scramble(d, 7, 100, x_placeholders=x, y_placeholders=y)
    llr = 4.0 * (1.0 - 2.0 * sent.float()) + 1.0 * torch.randn(64, e, generator=g)
    llr = pusch_descramble(llr, 7, 100, x_placeholders=x, y_placeholders=y)
    bits, metric = small_block_decode(llr, a, qm)
    assert torch.equal(bits, c)
    assert bool((metric > 0.7).all())


def test_small_block_metric_on_noise_is_small():
    g = torch.Generator().manual_seed(3)
    _, metric = small_block_decode(torch.randn(20000, 64, generator=g), 4)
    # the best of 16 codewords over 64 noise LLRs: rho ~ max of 16 N(0, 1/64) draws
    assert float(metric.mean()) < 0.35 and float((metric > 0.7).float().mean()) == 0.0
    _, m0 = small_block_decode(torch.zeros(2, 32), 5)
    assert m0.tolist() == [0.0, 0.0]


def test_crc_lengths_and_segmentation_clauses():
    assert [uci_crc_length(a) for a in (1, 11, 12, 19, 20, 1706)] == [0, 0, 6, 6, 11, 11]
    assert uci_segment_info(359, 2000).c == 1               # A < 360: one block
    assert uci_segment_info(360, 1088).c == 2               # A >= 360 and E >= 1088
    assert uci_segment_info(360, 1086).c == 1
    s = uci_segment_info(1013, 1200)                        # A >= 1013: always two
    assert (s.c, s.filler, s.k, s.e_r) == (2, 1, 507 + 11, 600)


@pytest.mark.parametrize("a,e", [(12, 40), (19, 60), (20, 64), (22, 96), (64, 200), (400, 1200),
                                 (1013, 2400)])
def test_polar_uci_round_trip(a, e):
    g = torch.Generator().manual_seed(a)
    bits = torch.randint(0, 2, (3, a), generator=g, dtype=torch.uint8)
    f = uci_encode(bits, e)
    assert f.shape == (3, e)
    out = uci_decode(5.0 * (1.0 - 2.0 * f.float()), a)
    assert torch.equal(out.bits, bits) and out.crc_ok.all()
    assert torch.allclose(out.metric, torch.ones(3))


def test_polar_uci_blocks_carry_their_own_crc():
    # two code blocks: each f_r is a rate-matched polar codeword of (payload half + CRC11)
    a, e = 400, 1200
    bits = torch.randint(0, 2, (1, a), generator=torch.Generator().manual_seed(5),
                         dtype=torch.uint8)
    info = uci_segment_info(a, e)
    out = uci_decode(3.0 * (1.0 - 2.0 * uci_encode(bits, e).float()), a)
    assert info.c == 2 and bool(out.crc_ok)
    # corrupt the second block only: CRC fails
    llr = 3.0 * (1.0 - 2.0 * uci_encode(bits, e).float())
    llr[:, 600:] = -llr[:, 600:]
    assert not bool(uci_decode(llr, a).crc_ok)
    # and the CRC of each block is the TS 38.212 §5.1 CRC11 of its half
    from softran.nr.coding import crc_encode
    half = crc_encode(bits.reshape(2, 200), "11")
    assert bool((crc_decode(half, "11")[1] == 0).all())


def test_noise_only_polar_uci_fails_crc_mostly():
    g = torch.Generator().manual_seed(7)
    out = uci_decode(torch.randn(200, 96, generator=g), 22)
    # CRC11 with list 8: a false pass has probability about 8 * 2^-11 per block
    assert float(out.crc_ok.float().mean()) < 0.03


def test_bad_configurations_raise():
    with pytest.raises(ValueError, match="too small"):
        uci_segment_info(22, 30)
    with pytest.raises(ValueError, match="odd"):
        uci_segment_info(1013, 2401)
    with pytest.raises(ValueError, match="qm"):
        uci_encode(torch.ones(5, dtype=torch.uint8), 32, qm=3)
    with pytest.raises(ValueError, match="E >= A"):
        uci_encode(torch.ones(5, dtype=torch.uint8), 4)
    with pytest.raises(TypeError):
        uci_decode(torch.ones(32, dtype=torch.int64), 5)
