"""NR-FR1 test models (TS 38.141-1 §4.9.2): the definitions, the TDD pattern, the per-slot
allocation worked out by hand from the clause, the PN23 data and the generated grids."""

from __future__ import annotations

import math

import pytest
import torch

from softran.nr.bandwidth import n_rb_for_bandwidth
from softran.sim.nr_tm import (
    NR_TEST_MODELS,
    nr_tm,
    nr_tm_definition,
    nr_tm_plan,
    pn23,
    tdd_downlink_symbols,
)


def test_the_ten_models():
    assert NR_TEST_MODELS == ("NR-FR1-TM1.1", "NR-FR1-TM1.2", "NR-FR1-TM2", "NR-FR1-TM2a",
                              "NR-FR1-TM2b", "NR-FR1-TM3.1", "NR-FR1-TM3.1a", "NR-FR1-TM3.1b",
                              "NR-FR1-TM3.2", "NR-FR1-TM3.3")
    # TS 38.141-1 §4.9.2.2: the modulation of each model's (target) PDSCH
    mods = {"NR-FR1-TM1.1": "QPSK", "NR-FR1-TM1.2": "QPSK", "NR-FR1-TM2": "64QAM",
            "NR-FR1-TM2a": "256QAM", "NR-FR1-TM2b": "1024QAM", "NR-FR1-TM3.1": "64QAM",
            "NR-FR1-TM3.1a": "256QAM", "NR-FR1-TM3.1b": "1024QAM", "NR-FR1-TM3.2": "16QAM",
            "NR-FR1-TM3.3": "QPSK"}
    for name, mod in mods.items():
        assert nr_tm_definition(name).modulation == mod
    with pytest.raises(ValueError, match="model"):
        nr_tm_definition("NR-FR1-TM4")


def test_tdd_pattern_table_4_9_2_2_1():
    assert tdd_downlink_symbols(15) == (14, 14, 14, 10, 0)           # DDDSU, S = 10D:2G:2U
    assert tdd_downlink_symbols(30) == (14,) * 7 + (6, 0, 0)         # 7D S(6D:4G:4U) 2U
    assert tdd_downlink_symbols(60) == (14,) * 14 + (12, 0, 0, 0, 0, 0)
    with pytest.raises(ValueError):
        tdd_downlink_symbols(120)


def test_tm1_1_plan_fdd():
    plan = nr_tm_plan("NR-FR1-TM1.1", 52, 15)
    assert len(plan) == 10
    for n_dl, pdschs in plan:
        assert n_dl == 14
        (a, b) = pdschs
        assert (a.rnti, a.prbs, a.symbol_allocation, a.power_db) == (0, tuple(range(3, 52)),
                                                                      (0, 14), 0.0)
        assert (b.rnti, b.prbs, b.symbol_allocation) == (2, (0, 1, 2), (2, 12))


def test_tdd_plan_special_slot_ends_early():
    plan = nr_tm_plan("NR-FR1-TM3.1", 273, 30, "tdd")
    assert len(plan) == 40                                   # 20 ms at 30 kHz
    assert plan[8] == (0, []) and plan[9] == (0, [])          # uplink
    n_dl, pdschs = plan[7]                                   # special slot: 6 DL symbols
    assert n_dl == 6 and [p.symbol_allocation for p in pdschs] == [(0, 6), (2, 4)]


def test_tm2_single_prb_walks_the_band():
    plan = nr_tm_plan("NR-FR1-TM2a", 273, 30)
    prbs = [p[1][0].prbs for p in plan]
    assert prbs[:6] == [(0,), (136,), (272,), (0,), (136,), (272,)]
    assert prbs[18:20] == [(0,), (136,)]       # slot 18 = 3 * 6: PRB 0 again
    assert all(len(p[1]) == 1 and p[1][0].rnti == 2 for p in plan)


def test_tm1_2_split_worked_by_hand():
    # 10 MHz at 15 kHz: N_RB = 52; RNTI 0 allocation PRBs 3..51 (49 RBs), P = 4 (37..72
    # RBs, TS 38.214 Table 5.1.2.2.1-1 config. 1); 40 % -> floor(0.4 * 49 / 4) = 4 groups,
    # every other group from the second, the last one included: groups 1, 3, 5, 12 of the
    # CRB-aligned grid = PRBs 4-7, 12-15, 20-23, 48-51, boosted +3 dB; the other 33 PRBs
    # carry the balance at 10 log10((49 - 10^0.3 * 16) / 33) dB.
    plan = nr_tm_plan("NR-FR1-TM1.2", 52, 15)
    target, balance, rnti2 = plan[0][1]
    assert target.rnti == 0 and target.power_db == 3.0
    assert target.prbs == (*range(4, 8), *range(12, 16), *range(20, 24), *range(48, 52))
    assert balance.rnti == 1 and len(balance.prbs) == 33
    assert set(balance.prbs) | set(target.prbs) == set(range(3, 52))
    expect = 10 * math.log10((49 - 10 ** 0.3 * 16) / 33)
    assert balance.power_db == pytest.approx(expect, abs=1e-9)
    assert rnti2.prbs == (0, 1, 2) and rnti2.modulation == "QPSK"


@pytest.mark.parametrize("name", ["NR-FR1-TM1.2", "NR-FR1-TM3.2", "NR-FR1-TM3.3"])
@pytest.mark.parametrize("bw, scs", [(5, 15), (20, 15), (40, 30), (100, 30), (50, 60)])
def test_boosted_models_keep_the_total_power(name, bw, scs):
    n_rb = n_rb_for_bandwidth(bw, scs)
    d = nr_tm_definition(name)
    pdschs = nr_tm_plan(name, n_rb, scs)[0][1]
    total = sum(len(p.prbs) * 10 ** (p.power_db / 10) for p in pdschs if p.rnti != 2)
    assert total == pytest.approx(n_rb - 3, rel=1e-9)
    # the (de-)boosted PDSCH: RNTI 0 when boosted, 1 when de-boosted (MATLAB's layout)
    target = next(p for p in pdschs if p.rnti == (0 if d.boosted_power_db > 0 else 1))
    assert target.power_db == d.boosted_power_db and target.modulation == d.modulation
    # the target share is close to (at most) the clause's percentage of the allocation
    assert len(target.prbs) <= d.boosted_percent / 100 * (n_rb - 3) + 16


def _pn23_reference(n):
    reg = [1] * 23
    out = []
    for _ in range(n):
        out.append(reg[0])
        reg = reg[1:] + [reg[0] ^ reg[18]]
    return out


def test_pn23_recurrence():
    assert pn23(3000).tolist() == _pn23_reference(3000)
    b = pn23(500).tolist()
    assert all(b[i + 23] == b[i] ^ b[i + 18] for i in range(477))     # x^23 + x^18 + 1


def test_tm1_1_fills_every_resource_element():
    tm = nr_tm("NR-FR1-TM1.1", 5, 15)
    assert tm.carrier.n_size_grid == 25 and tm.grid.shape == (1, 140, 300)
    assert bool((tm.grid.abs() > 0).all())     # PDCCH + DM-RS + PDSCH on all of it
    data = tm.pdsch_id >= 0
    assert tm.grid[0][data].abs().square().mean().item() == pytest.approx(1.0, abs=1e-5)
    # DM-RS on symbols 2 and 11 (type A position 2, one additional position, L = 14)
    sym = torch.nonzero((tm.dmrs_id >= 0).any(-1)).flatten().tolist()
    assert sym[:2] == [2, 11] and len(sym) == 20
    assert tm.waveform.shape == (1, 76800) and tm.sample_rate == 7.68e6


def test_tm2_occupancy_and_tm1_2_boost():
    tm = nr_tm("NR-FR1-TM2", 5, 15)
    occupied = (tm.grid[0] != 0).reshape(10, 14, -1).sum((1, 2))
    # per slot: the PDCCH's CCE 0 (RBs 0-2 on 2 symbols, 72 RE) + one PRB on symbols 2..13
    assert occupied.tolist() == [72 + 12 * 12] * 10
    tm = nr_tm("NR-FR1-TM1.2", 10, 15)
    target = [i for i, (_, p) in enumerate(tm.pdschs) if p.rnti == 0]
    sel = torch.isin(tm.pdsch_id, torch.tensor(target, dtype=torch.int16))
    assert tm.grid[0][sel].abs().square().mean().item() == pytest.approx(10 ** 0.3, rel=1e-4)


def test_tdd_model_length_and_silent_uplink():
    tm = nr_tm("NR-FR1-TM3.1", 5, 15, duplex="tdd")
    assert tm.grid.shape[1] == 20 * 14
    assert bool((tm.grid[0, 4 * 14:5 * 14] == 0).all())        # slot 4: U
    assert bool((tm.grid[0, 3 * 14 + 10:4 * 14] == 0).all())   # slot 3: S after 10 D symbols
    assert tm.waveform.shape[-1] == 2 * 76800


def test_bad_arguments():
    with pytest.raises(ValueError, match="bandwidth"):
        nr_tm("NR-FR1-TM1.1", 7, 15)
    with pytest.raises(ValueError, match="duplex"):
        nr_tm_plan("NR-FR1-TM1.1", 52, 15, "hdx")
    with pytest.raises(ValueError, match="n_cell_id"):
        nr_tm("NR-FR1-TM1.1", 5, 15, n_cell_id=1008)
