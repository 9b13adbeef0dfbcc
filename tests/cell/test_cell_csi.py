"""CSI in the test cell: the CSI-RS PDU between MAC and PHY (SCF 222 Table 3-39 <-> TS 38.211
§7.4.1.5), the PHY's CSI-RS and PUCCH format 2, the UE's CQI from the CSI-RS at known SNRs,
and the MAC's downlink MCS from the reported CQI (TS 38.214 §5.2.2.1)."""

from __future__ import annotations

import math

import pytest
import torch

from softran.cell.mac import MAC, UEContext
from softran.cell.plan import cell_plan
from softran.cell.ue import UE
from softran.fapi import (
    DlTtiRequest,
    ErrorCode,
    UciCsiPart,
    UciIndication,
    UciPucchF234,
    UlTtiRequest,
    pack_payload,
    unpack_payload,
)
from softran.fapi.codec import decode as decode_message
from softran.fapi.codec import encode as encode_message
from softran.nr import (
    CSIReport,
    CSIRSConfig,
    PUCCHTransmitter,
    cqi_select,
    csi_rs,
    csi_rs_indices,
    mcs_for_cqi,
    pack_csi_part1,
    unpack_csi_part1,
)
from softran.phy import PHY, csi_rs_config, csi_rs_pdu

PLAN = cell_plan(20)


@pytest.mark.parametrize("cfg", [
    CSIRSConfig(row_number=1, density="three", subcarrier_locations=[2], symbol_locations=[5],
                n_rb=24, rb_offset=3, n_id=17),
    CSIRSConfig(row_number=2, density="dot5odd", subcarrier_locations=[11],
                symbol_locations=[9], n_rb=51, n_id=1000, power_db=3.0),
    CSIRSConfig(row_number=5, csirs_type="zp", subcarrier_locations=[10], symbol_locations=[8],
                n_rb=10),
    CSIRSConfig(row_number=7, subcarrier_locations=[0, 6], symbol_locations=[2], n_rb=8),
    CSIRSConfig(row_number=13, subcarrier_locations=[0, 4, 8], symbol_locations=[4, 9],
                n_rb=4),
])
def test_csi_rs_pdu_round_trip(cfg):
    pdu = csi_rs_pdu(cfg, bwp_size=51)
    back = decode_message(encode_message(DlTtiRequest(sfn=1, slot=0, pdus=(pdu,)))).pdus[0]
    assert back == pdu
    assert csi_rs_config(back) == cfg.model_copy(update={"period": "on"})


def test_csi_rs_pdu_fields_from_the_tables():
    # row 4: k = 4 f(i) -> k_0 = 8 is bit 2; density one = 2; fd-CDM2 = 1 (SCF 222 Table 3-39)
    pdu = csi_rs_pdu(CSIRSConfig(row_number=4, subcarrier_locations=[8], symbol_locations=[3],
                                 n_rb=4), bwp_size=51)
    assert (pdu.freq_domain, pdu.freq_density, pdu.cdm_type, pdu.csi_type) == (4, 2, 1, 1)


def _downlink_slot0() -> torch.Tensor:
    phy, mac = PHY(PLAN.carrier, PLAN.prach), MAC(PLAN)
    phy.slot_indication(0)
    for m in mac.slot(0):
        assert phy.handle(m) == []
    return phy.downlink()                                       # [1, 14, K]


def test_phy_maps_the_plans_csi_rs_and_leaves_the_csi_im_empty():
    grid = _downlink_slot0().reshape(-1)
    carrier = PLAN.carrier_at(0)
    idx = csi_rs_indices(carrier, PLAN.csi_rs)[0]
    assert torch.equal(grid[idx], csi_rs(carrier, PLAN.csi_rs)[0])
    n = carrier.symbols_per_slot * carrier.n_subcarriers
    im = torch.unique(csi_rs_indices(carrier, PLAN.csi_im) % n)
    assert im.numel() == 4 * PLAN.n_rb and bool((grid[im] == 0).all())


def test_phy_refuses_a_two_port_csi_rs():
    phy = PHY(PLAN.carrier, PLAN.prach)
    phy.slot_indication(0)
    two = csi_rs_pdu(CSIRSConfig(row_number=3, subcarrier_locations=[0], symbol_locations=[6],
                                 n_rb=51), bwp_size=51)
    (err,) = phy.handle(DlTtiRequest(sfn=0, slot=0, pdus=(two,)))
    assert err.error_code == int(ErrorCode.MSG_SLOT_ERR)


def _ue_cqi(snr_db: float, seed: int) -> tuple[int, float]:
    grid = _downlink_slot0()
    g = torch.Generator().manual_seed(seed)
    nv = 10 ** (-snr_db / 10)
    noise = torch.complex(torch.randn(grid.shape, generator=g),
                          torch.randn(grid.shape, generator=g)) * math.sqrt(nv / 2)
    rep = UE(PLAN).measure_csi(0, (grid + noise).unsqueeze(0))
    return rep.cqi, rep.sinr_db


def test_ue_cqi_high_at_high_snr_low_at_low_snr_monotone():
    snrs = list(range(-8, 34, 3))
    got = [_ue_cqi(s, 100 + k) for k, s in enumerate(snrs)]
    cqis = [c for c, _ in got]
    assert cqis == sorted(cqis)
    assert cqis[0] <= 1 and cqis[-1] == 15
    # the SINR estimate S/N: S = mean |h_LS|^2 - N over the 51 CSI-RS REs (variance of one
    # term 2N + N^2 with S = 1), N over the 204 CSI-IM REs (relative variance 1 / 204): the
    # ratio within 3 standard deviations of the truth
    for s, (c, est) in zip(snrs, got, strict=True):
        n = 10 ** (-s / 10)
        sigma = math.sqrt((2 * n + n * n) / 51 + n * n / 204 + 1 / 204)
        assert abs(10 ** (est / 10) * n - 1) < 3 * sigma, (s, est)
        if sigma < 0.05:                              # CQI within one step of the truth
            assert abs(c - int(cqi_select(s))) <= 1


def test_phy_decodes_the_ues_csi_report_on_pucch_format_2():
    rnti, res = 0x4601, 2
    rep = CSIReport(ri=1, pmi=0, cqi=11)
    bits = pack_csi_part1(rep, 1).reshape(1, -1)
    grid = PUCCHTransmitter(PLAN.carrier_at(11), PLAN.pucch_csi(res, rnti)).grid(bits)[0]
    phy = PHY(PLAN.carrier, PLAN.prach, uplink_source=lambda slot: grid)
    mac = MAC(PLAN)
    ue = UEContext(rnti=rnti, index=res, state="connected", attach_slot=0)
    mac.ues[rnti] = ue
    phy.slot_indication(11)
    msgs = mac.slot(11)
    ul = next(m for m in msgs if isinstance(m, UlTtiRequest))
    (pdu,) = [p for p in ul.pdus if getattr(p, "format_type", None) == 2]
    assert (pdu.prb_start, pdu.nr_of_symbols, pdu.bit_len_csi_part1) == (35, 2, 4)
    for m in msgs:
        phy.handle(m)
    (ind,) = [m for m in phy.uplink() if isinstance(m, UciIndication)]
    (uci,) = ind.ucis
    assert isinstance(uci, UciPucchF234) and uci.csi_part1.csi_crc == 2
    assert unpack_csi_part1(unpack_payload(uci.csi_part1.csi_payload, 4), 1).cqi == 11
    mac.indication(decode_message(encode_message(ind)), 11)
    assert (ue.cqi, ue.csi_reports) == (11, 1)


def test_mac_mcs_follows_the_reported_cqi():
    mac = MAC(PLAN, dl_mcs=4, dl_link_adaptation=True)
    fixed = MAC(PLAN, dl_mcs=4)
    for cqi in range(16):
        ue = UEContext(rnti=0x4601, index=0, state="connected", attach_slot=0)
        mac.ues = {ue.rnti: ue}
        mac._csi_of[77] = ue.rnti                   # the handle of the slot's PUCCH PDU
        payload = pack_payload(pack_csi_part1(CSIReport(1, 0, cqi), 1))
        mac.indication(UciIndication(sfn=0, slot=11, ucis=(UciPucchF234(
            handle=77, rnti=ue.rnti, csi_part1=UciCsiPart(csi_crc=2, csi_bit_len=4,
                                                         csi_payload=payload)),)), 11)
        assert ue.cqi == cqi
        assert mac.dl_mcs_for(ue) == mcs_for_cqi(cqi, 1)
        assert fixed.dl_mcs_for(ue) == 4
    # a failed report keeps the last CQI
    mac._csi_of[78] = ue.rnti
    mac.indication(UciIndication(sfn=0, slot=31, ucis=(UciPucchF234(
        handle=78, rnti=ue.rnti, csi_part1=UciCsiPart(csi_crc=1, csi_bit_len=4,
                                                     csi_payload=b"\x00")),)), 31)
    assert (ue.cqi, ue.csi_missed) == (15, 1)
    # MCS grows with CQI
    mcs = [mcs_for_cqi(c) for c in range(16)]
    assert mcs == sorted(mcs) and mcs[15] == 28


def test_harq_ack_never_lands_in_the_csi_report_slot():
    mac = MAC(PLAN)
    ue = UEContext(rnti=0x4601, index=0, state="connected")
    for slot in range(40):
        k1 = mac._k1(ue, slot)
        assert k1 is not None and not PLAN.is_csi_report_slot(slot + k1)
