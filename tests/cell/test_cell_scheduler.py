"""Proportional-fair scheduling in the test MAC (``scheduler = "pf"``) against round-robin: three
UEs with a full buffer, fading SNRs (Rayleigh power, one draw per 20 slots) around 14, 8 and
4 dB, their CQI (table 1) given to the MAC directly, every HARQ-ACK positive. (A UE can take
at most every other slot: one HARQ-ACK bit per PUCCH, in odd slots; so three UEs leave the
scheduler a choice in every slot.)"""

from __future__ import annotations

import math

import pytest
import torch

from softran.cell.mac import MAC, UEContext
from softran.cell.plan import cell_plan
from softran.fapi import UciHarqF01, UciIndication, UciPucchF01
from softran.nr import cqi_select

N_SLOTS = 800
MEANS_DB = (14.0, 8.0, 4.0)


def _run(scheduler: str) -> list[UEContext]:
    mac = MAC(cell_plan(20), dl_link_adaptation=True, scheduler=scheduler, pf_window=50)
    ues = [UEContext(rnti=0x4601 + k, index=k, state="connected", attach_slot=0)
           for k in range(len(MEANS_DB))]
    for u in ues:
        u.dl_queue += bytes(10**7)
        mac.ues[u.rnti] = u
    g = torch.Generator().manual_seed(5)             # the same fading for both schedulers
    for n in range(N_SLOTS):
        if n % 20 == 0:
            for u, mean in zip(ues, MEANS_DB, strict=True):
                power = -math.log(float(torch.rand(1, generator=g)))
                u.cqi = int(cqi_select(mean + 10 * math.log10(power)))
        mac.slot(n)
        acks = tuple(UciPucchF01(rnti=r, harq=UciHarqF01(harq_values=(0,)))
                     for (s, r) in list(mac._ack_of) if s == n)
        if acks:
            mac.indication(UciIndication(sfn=0, slot=0, ucis=acks), n)
    return ues


@pytest.fixture(scope="module")
def runs():
    return _run("rr"), _run("pf")


def test_pf_gives_the_high_snr_ue_more_than_rr(runs):
    rr, pf = runs
    thr = [[u.dl_bytes_acked for u in r] for r in (rr, pf)]
    # PF serves each UE near its fading peaks: the strong UE gains, and so does the total
    assert thr[1][0] > 1.05 * thr[0][0], thr
    assert sum(thr[1]) > sum(thr[0]), thr


def test_pf_starves_no_ue(runs):
    rr, pf = runs
    for u_rr, u_pf in zip(rr, pf, strict=True):
        # each UE keeps 80 % of its round-robin slots and throughput, and is never left out
        # for more than two averaging windows (T_c = 50 slots)
        assert len(u_pf.dl_slots) > 0.8 * len(u_rr.dl_slots)
        assert u_pf.dl_bytes_acked > 0.8 * u_rr.dl_bytes_acked
        gaps = [b - a for a, b in zip(u_pf.dl_slots, u_pf.dl_slots[1:], strict=False)]
        assert max(gaps) <= 2 * 50


def test_rr_takes_turns(runs):
    rr, _ = runs
    counts = [len(u.dl_slots) for u in rr]
    assert max(counts) - min(counts) <= 1


def test_bad_scheduler():
    with pytest.raises(ValueError, match="scheduler"):
        MAC(cell_plan(20), scheduler="max-ci")
