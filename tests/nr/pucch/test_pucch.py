"""PUCCH formats 0-4 (TS 38.211 §6.3.2, §6.4.1.3; TS 38.213 §9.2): sequences against the
clauses (computed here bit by bit from the Gold sequence and the low-PAPR tables), resource
positions, round trips through every format, bad configurations, and the false-ACK rate of the
detectors on noise only."""

from __future__ import annotations

import csv
import math

import pytest
import torch

from softran.nr import CarrierConfig, prbs
from softran.nr.coding import uci_encode
from softran.nr.datafiles import data_path
from softran.nr.pucch import (
    PUCCHConfig,
    PUCCHReceiver,
    PUCCHTransmitter,
    pucch,
    pucch_decode,
    pucch_dmrs,
    pucch_dmrs_indices,
    pucch_format1_occ,
    pucch_group_sequence,
    pucch_indices,
)

CARRIER = CarrierConfig(n_size_grid=25, n_slot=7, n_cell_id=301)


def phi12(u: int) -> list[int]:
    with open(data_path("low_papr_phi_12.csv")) as f:
        rows = list(csv.reader(line for line in f if not line.startswith("#")))[1:]
    return [int(x) for x in rows[u][1:]]


def c_bits(c_init: int, n: int) -> list[int]:
    return [int(b) for b in prbs(c_init, n)]


def n_cs(n_id: int, n_s: int, l: int) -> int:
    c = c_bits(n_id, 8 * 14 * n_s + 8 * l + 8)
    return sum(c[8 * 14 * n_s + 8 * l + m] << m for m in range(8))


def test_format0_sequence_is_the_cyclic_shift_of_the_low_papr_base():
    # §6.3.2.3.1: x(l N_sc + n) = exp(j alpha_l n) rbar_u(n), alpha_l = 2 pi/12 ((m0 + mcs +
    # ncs(ns, l + l')) mod 12), u = n_ID mod 30 without hopping, rbar(n) = exp(j phi(n) pi/4)
    cfg = PUCCHConfig(format=0, symbol_allocation=(12, 2), initial_cyclic_shift=5, hopping_id=77)
    x = pucch(CARRIER, cfg, torch.tensor([0, 1], dtype=torch.uint8))     # mcs = 3
    u = 77 % 30
    for j, l in enumerate((12, 13)):
        alpha = 2 * math.pi / 12 * ((5 + 3 + n_cs(77, 7, l)) % 12)
        want = [complex(math.cos(alpha * n + p * math.pi / 4), math.sin(alpha * n + p * math.pi / 4))
                for n, p in enumerate(phi12(u))]
        got = x[12 * j:12 * (j + 1)].tolist()
        assert max(abs(a - b) for a, b in zip(got, want, strict=True)) < 1e-5


def test_group_hopping_against_the_clause():
    # §6.3.2.2.1 'enable': f_gh = sum_m 2^m c(8(2 n_s + n_hop) + m) mod 30, c_init = n_ID // 30
    for n_id, n_hop in ((512, 0), (512, 1), (29, 1), (1023, 0)):
        c = c_bits(n_id // 30, 8 * (2 * 7 + n_hop) + 8)
        f_gh = sum(c[8 * (2 * 7 + n_hop) + m] << m for m in range(8)) % 30
        assert pucch_group_sequence(CARRIER, n_id, "enable", n_hop) == ((f_gh + n_id % 30) % 30, 0)
        # 'disable': v = c(2 n_s + n_hop), c_init = 32 (n_ID // 30) + n_ID mod 30
        v = c_bits(32 * (n_id // 30) + n_id % 30, 2 * 7 + n_hop + 1)[-1]
        assert pucch_group_sequence(CARRIER, n_id, "disable", n_hop, m_zc=72) == (n_id % 30, v)
        assert pucch_group_sequence(CARRIER, n_id, "disable", n_hop, m_zc=12)[1] == 0


def test_format1_orthogonal_sequences_table_6_3_2_4_1_2():
    # typed from the clause: N_SF = 3, i = 1: phi = 0 1 2; N_SF = 7, i = 3: 0 3 6 2 5 1 4
    for n_sf, i, phi in ((3, 1, [0, 1, 2]), (7, 3, [0, 3, 6, 2, 5, 1, 4]), (2, 1, [0, 1])):
        w = pucch_format1_occ(n_sf, i)
        want = torch.tensor([complex(math.cos(2 * math.pi * p / n_sf), math.sin(2 * math.pi * p / n_sf))
                             for p in phi], dtype=torch.complex64)
        assert torch.allclose(w, want, atol=1e-6)
    # the sequences of one N_SF are orthogonal
    w = torch.stack([pucch_format1_occ(7, i) for i in range(7)])
    assert torch.allclose(w @ w.conj().T, 7 * torch.eye(7, dtype=torch.complex64), atol=1e-4)


def test_format2_dmrs_against_the_clause():
    # §6.4.1.3.2.1: r(m) = QPSK(c(2m), c(2m+1)), c_init = (2^17 (14 n_s + l + 1)(2 N_ID0 + 1)
    # + 2 N_ID0) mod 2^31, mapped to k = 3m' + 1 with m counted from CRB 0
    cfg = PUCCHConfig(format=2, symbol_allocation=(10, 1), prb_set=[3, 4], n_id0=999)
    ind = pucch_dmrs_indices(CARRIER, cfg)
    assert (ind % 300).tolist() == [36 + 3 * m + 1 for m in range(8)]
    c_init = ((1 << 17) * (14 * 7 + 10 + 1) * (2 * 999 + 1) + 2 * 999) % (1 << 31)
    c = c_bits(c_init, 2 * 4 * 5)
    want = [complex(1 - 2 * c[2 * m], 1 - 2 * c[2 * m + 1]) / math.sqrt(2) for m in range(12, 20)]
    got = pucch_dmrs(CARRIER, cfg).tolist()
    assert max(abs(a - b) for a, b in zip(got, want, strict=True)) < 1e-6


def test_format34_dmrs_positions_table_6_4_1_3_3_2_1():
    cases = {(14, False, False): [3, 10], (14, True, False): [1, 5, 8, 12],
             (4, False, False): [1], (4, False, True): [0, 2], (10, True, False): [1, 3, 6, 8]}
    for (n, add, hop), want in cases.items():
        cfg = PUCCHConfig(format=3, symbol_allocation=(0, n), prb_set=[0], additional_dmrs=add,
                          frequency_hopping="intra-slot" if hop else "neither",
                          second_hop_prb=20 if hop else None)
        syms = sorted({int(i) // 300 for i in pucch_dmrs_indices(CARRIER, cfg)})
        assert syms == want


def test_resource_counts_and_capacity_table_6_3_1_4_1():
    f2 = PUCCHConfig(format=2, symbol_allocation=(12, 2), prb_set=range(9))
    assert pucch_indices(CARRIER, f2)[1].G == 16 * 2 * 9               # 16 N_symb N_PRB
    f3 = PUCCHConfig(format=3, symbol_allocation=(0, 14), prb_set=[0])
    assert pucch_indices(CARRIER, f3)[1].G == 24 * 12 * 1              # 24 (14 - 2) N_PRB
    f3b = PUCCHConfig(format=3, symbol_allocation=(0, 14), prb_set=[0], modulation="pi/2-BPSK")
    assert pucch_indices(CARRIER, f3b)[1].G == 12 * 12
    f4 = PUCCHConfig(format=4, symbol_allocation=(0, 14), prb_set=[0], spreading_factor=4,
                     additional_dmrs=True)
    assert pucch_indices(CARRIER, f4)[1].G == 24 * 10 // 4              # 24 N_symb,UCI / N_SF


HOP = dict(frequency_hopping="intra-slot", second_hop_prb=24)
ALL = [
    (PUCCHConfig(format=0, symbol_allocation=(13, 1)), 1),
    (PUCCHConfig(format=0, symbol_allocation=(12, 2), group_hopping="enable", **HOP), 2),
    (PUCCHConfig(format=1, symbol_allocation=(0, 14), occ_index=2, **HOP), 2),
    (PUCCHConfig(format=1, symbol_allocation=(2, 5), initial_cyclic_shift=7), 1),
    (PUCCHConfig(format=2, symbol_allocation=(13, 1), prb_set=range(4)), 4),
    (PUCCHConfig(format=2, symbol_allocation=(12, 2), prb_set=range(9),
                 frequency_hopping="intra-slot", second_hop_prb=16), 22),
    (PUCCHConfig(format=3, symbol_allocation=(0, 14), prb_set=[0], **HOP), 16),
    (PUCCHConfig(format=3, symbol_allocation=(0, 4), prb_set=range(3), additional_dmrs=True,
                 modulation="pi/2-BPSK", frequency_hopping="intra-slot", second_hop_prb=20), 16),
    (PUCCHConfig(format=3, symbol_allocation=(0, 14), prb_set=range(6), group_hopping="disable"), 40),
    (PUCCHConfig(format=4, symbol_allocation=(0, 14), prb_set=[0], spreading_factor=4,
                 occ_index=3, **HOP), 22),
    (PUCCHConfig(format=4, symbol_allocation=(1, 12), prb_set=[0], additional_dmrs=True), 5),
]


@pytest.mark.parametrize("cfg,a", ALL, ids=lambda v: str(v) if isinstance(v, int) else f"F{v.format}")
def test_round_trip_through_transmitter_and_receiver(cfg, a):
    g = torch.Generator().manual_seed(a + 10 * cfg.format)
    tx, rx = PUCCHTransmitter(CARRIER, cfg), PUCCHReceiver(CARRIER, cfg, n_rx=2, n_bits=a)
    bits = torch.randint(0, 2, (32, a), generator=g, dtype=torch.uint8)
    grid = tx.grid(bits)
    h = torch.complex(torch.randn(32, 2, 1, 1, generator=g), torch.randn(32, 2, 1, 1, generator=g))
    noise = torch.complex(torch.randn(32, 2, 14, 300, generator=g),
                          torch.randn(32, 2, 14, 300, generator=g))
    out = rx(grid * h + 0.05 * noise)
    assert torch.equal(out.bits, bits) and bool(out.detected.all())


@pytest.mark.parametrize("cfg,a", [c for c in ALL if c[0].format >= 2],
                         ids=lambda v: str(v) if isinstance(v, int) else f"F{v.format}")
def test_format234_chain_round_trip(cfg, a):
    _, info = pucch_indices(CARRIER, cfg)
    cw = uci_encode(torch.randint(0, 2, (3, a), generator=torch.Generator().manual_seed(a),
                                  dtype=torch.uint8), info.G, cfg.qm)
    x = pucch(CARRIER, cfg, cw)
    assert x.shape == (3, info.n_re)
    llr = pucch_decode(CARRIER, cfg, x, 0.01)
    assert torch.equal((llr < 0).to(torch.uint8), cw)


@pytest.mark.parametrize("cfg,a", [c for c in ALL if c[0].format >= 2],
                         ids=lambda v: str(v) if isinstance(v, int) else f"F{v.format}")
def test_batched_hop_equaliser_matches_the_per_hop_one(cfg, a):
    """The one-pass estimate of all hops (gathers planned once) against the per-hop loop it
    replaces: the same equalised symbols and noise variances up to float32 rounding (the
    operations run on other tensor layouts), the same decisions."""
    g = torch.Generator().manual_seed(7 * a + cfg.format)
    tx, rx = PUCCHTransmitter(CARRIER, cfg), PUCCHReceiver(CARRIER, cfg, n_rx=4, n_bits=a)
    assert rx._stack is not None
    bits = torch.randint(0, 2, (48, a), generator=g, dtype=torch.uint8)
    shape = (48, 4, 14, 300)
    h = torch.complex(torch.randn(48, 4, 1, 1, generator=g), torch.randn(48, 4, 1, 1, generator=g))
    y = tx.grid(bits) * h + torch.complex(torch.randn(shape, generator=g),
                                          torch.randn(shape, generator=g))
    x1, nv1 = rx.equalize(y)
    stack, rx._stack = rx._stack, None
    try:
        x2, nv2 = rx.equalize(y)
        out2 = rx(y)
    finally:
        rx._stack = stack
    torch.testing.assert_close(x1, x2, rtol=1e-5, atol=1e-5)
    torch.testing.assert_close(nv1, nv2, rtol=1e-5, atol=0.0)
    out1 = rx(y)
    assert torch.equal(out1.bits, out2.bits) and torch.equal(out1.detected, out2.detected)


def test_dtx_is_not_transmitted():
    cfg = PUCCHConfig(format=1, symbol_allocation=(0, 14))
    tx = PUCCHTransmitter(CARRIER, cfg)
    assert float(tx.grid(torch.zeros(2, 0, dtype=torch.uint8)).abs().sum()) == 0.0
    assert float(tx.grid(torch.zeros(2, 0, dtype=torch.uint8), sr=True).abs().sum()) > 0.0


@pytest.mark.parametrize("kwargs,match", [
    (dict(format=0, symbol_allocation=(13, 1), frequency_hopping="intra-slot", second_hop_prb=5),
     "needs at least 2 symbols"),
    (dict(format=2, symbol_allocation=(13, 1), prb_set=[0], frequency_hopping="intra-slot",
          second_hop_prb=5), "needs at least 2 symbols"),
    (dict(format=4, symbol_allocation=(0, 14), prb_set=[0, 1]), "OCC"),
    (dict(format=4, symbol_allocation=(0, 14), prb_set=[0], spreading_factor=2, occ_index=2),
     "occ_index"),
    (dict(format=1, symbol_allocation=(0, 4), occ_index=2), "occ_index"),
    (dict(format=1, symbol_allocation=(0, 14), occ_index=3, frequency_hopping="intra-slot",
          second_hop_prb=5), "occ_index"),
    (dict(format=3, symbol_allocation=(0, 14), prb_set=range(7)), "2\\^a 3\\^b 5\\^c"),
    (dict(format=0, symbol_allocation=(0, 4)), "1..2 symbols"),
    (dict(format=1, symbol_allocation=(12, 2)), "4..14 symbols"),
    (dict(format=0, symbol_allocation=(12, 2), frequency_hopping="inter-slot", second_hop_prb=3),
     "inter-slot"),
    (dict(format=1, symbol_allocation=(0, 14), frequency_hopping="intra-slot"), "second_hop_prb"),
    (dict(format=2, modulation="pi/2-BPSK"), "formats 3 and 4"),
    (dict(format=2, prb_set=[0, 2]), "contiguous"),
    (dict(format=3, symbol_allocation=(12, 4)), "ends after symbol 13"),
])
def test_bad_configurations_raise(kwargs, match):
    with pytest.raises(ValueError, match=match):
        PUCCHConfig(**kwargs)


def test_carrier_checks_raise():
    with pytest.raises(ValueError, match="second hop"):
        pucch_indices(CARRIER, PUCCHConfig(format=1, symbol_allocation=(0, 14),
                                           frequency_hopping="intra-slot", second_hop_prb=25))
    with pytest.raises(ValueError, match="G = E_tot"):
        pucch(CARRIER, PUCCHConfig(format=2, prb_set=[0]), torch.zeros(1, 5, dtype=torch.uint8))
    with pytest.raises(ValueError, match="n_bits"):
        PUCCHReceiver(CARRIER, PUCCHConfig(format=2, prb_set=[0]), 2, n_bits=2)


SMALL_HOP = dict(frequency_hopping="intra-slot", second_hop_prb=5)


@pytest.mark.parametrize("cfg,a,n_rx", [
    (PUCCHConfig(format=0, symbol_allocation=(13, 1)), 1, 2),
    (PUCCHConfig(format=0, symbol_allocation=(12, 2), **SMALL_HOP), 1, 4),
    (PUCCHConfig(format=1, symbol_allocation=(0, 14), **SMALL_HOP), 2, 2),
    (PUCCHConfig(format=2, symbol_allocation=(13, 1), prb_set=range(4)), 4, 4),
], ids=["F0-1sym", "F0-2sym-hop", "F1", "F2-4bit"])
def test_measured_false_detection_on_noise_matches_the_target(cfg, a, n_rx):
    # noise only: the receiver declares a PUCCH with probability false_alarm = 1 %; with
    # n = 8000 trials the count is binomial, sd = sqrt(n p (1 - p)) ~ 8.9: accept 4.5 sd
    n = 8000
    small = CarrierConfig(n_size_grid=6, n_slot=7, n_cell_id=301)
    rx = PUCCHReceiver(small, cfg, n_rx=n_rx, n_bits=a, false_alarm=0.01)
    g = torch.Generator().manual_seed(11)
    noise = torch.complex(torch.randn(n, n_rx, 14, 72, generator=g),
                          torch.randn(n, n_rx, 14, 72, generator=g))
    out = rx(noise)
    count = int(out.detected.sum())
    assert abs(count - 0.01 * n) <= 4.5 * math.sqrt(n * 0.01 * 0.99) + 1
    # a false ACK needs a detection and a decided ACK
    false_ack = int((out.detected[:, None] & (out.bits == 1)).sum())
    assert false_ack <= count * a


@pytest.mark.parametrize("cfg, a", [
    (PUCCHConfig(format=2, symbol_allocation=(12, 2), prb_set=range(9)), 22),
    (PUCCHConfig(format=2, symbol_allocation=(13, 1), prb_set=range(4)), 4),
    (PUCCHConfig(format=3, symbol_allocation=(0, 14), second_hop_prb=50,
                 frequency_hopping="intra-slot"), 16),
    (PUCCHConfig(format=3, symbol_allocation=(0, 4), prb_set=range(3)), 30),
])
def test_nothing_received_is_dtx(cfg, a):
    """A grid of zeros (the PRBs were lost on the fronthaul) is DTX: no NaN, and the all-zero
    word that zero LLRs decode to is not taken for a UCI although its CRC (zero initial
    state, TS 38.212 §5.1) passes."""
    carrier = CarrierConfig(n_size_grid=51)
    rx = PUCCHReceiver(carrier, cfg, 2, a)
    det = rx(torch.zeros(3, 2, 14, 51 * 12, dtype=torch.complex64))
    assert not det.detected.any()
    assert torch.isfinite(det.metric.float()).all()
