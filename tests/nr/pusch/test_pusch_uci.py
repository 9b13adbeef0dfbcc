"""UCI on PUSCH (TS 38.212 §6.2.7, §6.3.2.4; TS 38.213 §9.3): the coded-bit counts against
the clause's formulas evaluated here, the multiplexing rules, round trips through the
transmitter and receiver, and bad configurations."""

from __future__ import annotations

import math

import pytest
import torch

from softran.nr import CarrierConfig, PUSCHConfig, PUSCHReceiver, PUSCHTransmitter
from softran.nr.coding import ulsch_info
from softran.nr.pusch import (
    PUSCHUCIConfig,
    beta_offset,
    ulsch_demultiplex,
    ulsch_multiplex,
    ulsch_multiplex_layout,
    ulsch_uci_info,
)

CARRIER = CarrierConfig(subcarrier_spacing=30, n_size_grid=24)


def frc_a4_11() -> PUSCHConfig:
    p = PUSCHConfig(prb_set=range(24), mcs_index=16)            # G-FR1-A4-11, DM-RS 2 and 11
    p.dmrs.additional_position = 1
    return p


def test_coded_bits_follow_the_clause():
    p = frc_a4_11()
    u = PUSCHUCIConfig(n_ack=7, n_csi1=20, n_csi2=30, beta_offset_ack=beta_offset("harq-ack", 9),
                       beta_offset_csi1=beta_offset("csi", 10), beta_offset_csi2=6.25, scaling=0.8)
    info = ulsch_uci_info(p, u)
    sch = ulsch_info(p.tb_size, p.code_rate)
    # 12 symbols without DM-RS of 288 REs; l_0 = 3 (after DM-RS symbol 2): 11 of them
    sum_uci, from_l0, sum_k = 12 * 288, 11 * 288, sch.c * sch.k
    q_ack = min(math.ceil(7 * 12.625 * sum_uci / sum_k), math.ceil(0.8 * from_l0))
    q1 = min(math.ceil((20 + 11) * 3.5 * sum_uci / sum_k), math.ceil(0.8 * sum_uci) - q_ack)
    q2 = min(math.ceil((30 + 11) * 6.25 * sum_uci / sum_k), math.ceil(0.8 * sum_uci) - q_ack - q1)
    assert (info.q_ack, info.q_csi1, info.q_csi2) == (q_ack, q1, q2)
    assert info.g_ack == 4 * q_ack and info.g_ulsch == 4 * (12 * 288 - q_ack - q1 - q2)


def test_small_harq_ack_reserves_and_punctures():
    p = frc_a4_11()
    u = PUSCHUCIConfig(n_ack=2, n_csi1=5)
    lay = ulsch_multiplex_layout(p, u)
    info = lay.info
    # reserved with O_ACK = 2; the UL-SCH keeps the reserved REs and is punctured by the ACK
    assert info.q_ack_rvd >= info.q_ack > 0
    assert info.g_ulsch == p.num_coded_bits - info.g_csi1
    assert int(lay.ulsch_punctured.sum()) == info.g_ack
    assert bool(torch.isin(lay.ack, lay.ulsch).all())
    # CSI part 1 avoids the reserved REs; everything else is disjoint
    assert not bool(torch.isin(lay.csi1, lay.ulsch).any())
    # QAM placeholders: c0 c1 x x c2 c0 x x ... (Table 5.3.3.2-1, Q_m = 4)
    assert int(lay.x_placeholders[lay.ack].sum()) == info.g_ack // 2


def test_mapping_starts_where_the_clause_says():
    p = frc_a4_11()
    u = PUSCHUCIConfig(n_ack=10, n_csi1=20)
    lay = ulsch_multiplex_layout(p, u)
    bits_per_symbol = 288 * 4
    sym_ack = torch.unique(lay.ack // bits_per_symbol)
    sym_csi = torch.unique(lay.csi1 // bits_per_symbol)
    # symbol rows of the codeword: 0, 1, 2 = DM-RS (no data: 2 CDM groups) skipped, so row
    # r <-> symbol r + (r >= 2) + (r >= 10)
    assert int(sym_ack.min()) == 2                       # symbol 3: first after the DM-RS
    assert int(sym_csi.min()) == 0                       # symbol 0: first without DM-RS
    g = p.num_coded_bits
    every = torch.cat([lay.ulsch, lay.ack, lay.csi1])
    assert every.numel() == g and torch.equal(torch.sort(every).values, torch.arange(g))


@pytest.mark.parametrize("u", [PUSCHUCIConfig(n_ack=1), PUSCHUCIConfig(n_ack=2, n_csi1=3),
                               PUSCHUCIConfig(n_ack=12, n_csi1=11, n_csi2=40)])
def test_multiplex_round_trip(u):
    p = frc_a4_11()
    info = ulsch_uci_info(p, u)
    g = torch.Generator().manual_seed(1)
    parts = [torch.randint(0, 2, (2, n), generator=g, dtype=torch.uint8) if n else None
             for n in (info.g_ulsch, info.g_ack, info.g_csi1, info.g_csi2)]
    cw = ulsch_multiplex(p, u, *parts)
    back = ulsch_demultiplex(p, u, 1.0 - 2.0 * cw.float())
    lay = ulsch_multiplex_layout(p, u)
    ul = (back[0] < 0).to(torch.uint8)
    keep = ~lay.ulsch_punctured
    assert torch.equal(ul[:, keep], parts[0][:, keep])
    assert bool((back[0][:, ~keep] == 0).all())
    for b, a in zip(back[1:], parts[1:], strict=True):
        if a is not None:
            assert torch.equal((b < 0).to(torch.uint8), a)


@pytest.mark.parametrize("u", [PUSCHUCIConfig(n_ack=1), PUSCHUCIConfig(n_ack=2, n_csi1=5, n_csi2=2),
                               PUSCHUCIConfig(n_ack=7, n_csi1=20, n_csi2=20)])
def test_transmitter_receiver_round_trip(u):
    p = frc_a4_11()
    tx, rx = PUSCHTransmitter(CARRIER, p, uci=u), PUSCHReceiver(CARRIER, p, n_rx=2, uci=u)
    g = torch.Generator().manual_seed(3)
    tb = torch.randint(0, 2, (4, p.tb_size), generator=g, dtype=torch.uint8)
    bits = tuple(torch.randint(0, 2, (4, n), generator=g, dtype=torch.uint8) if n else None
                 for n in (u.n_ack, u.n_csi1, u.n_csi2))
    w = tx(tb, uci_bits=bits).expand(-1, 2, -1)
    w = w + 0.05 * torch.complex(torch.randn(w.shape, generator=g), torch.randn(w.shape, generator=g))
    out, err = rx(w)
    assert torch.equal(out, tb) and not bool(err.any())
    for r, b in zip(rx.last_uci, bits, strict=True):
        assert (r is None) == (b is None)
        if r is not None:
            assert torch.equal(r.bits, b) and bool(r.crc_ok.all())


@pytest.mark.parametrize("kwargs,match", [
    (dict(n_ack=1, beta_offset_ack=3.0), "Table 9.3-1"),
    (dict(n_csi1=4, beta_offset_csi1=1.0), "Table 9.3-2"),
    (dict(n_csi2=4), "CSI part 1"),
    (dict(n_ack=1, scaling=0.7), "scaling"),
])
def test_bad_configurations_raise(kwargs, match):
    with pytest.raises(ValueError, match=match):
        PUSCHUCIConfig(**kwargs)


def test_missing_uci_bits_raise():
    p = frc_a4_11()
    tx = PUSCHTransmitter(CARRIER, p, uci=PUSCHUCIConfig(n_ack=2))
    with pytest.raises(ValueError, match="uci_bits"):
        tx(torch.zeros(1, p.tb_size, dtype=torch.uint8))
