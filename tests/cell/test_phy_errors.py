"""softran.phy.PHY: a bad FAPI request gets an ERROR.indication with the SCF 222 Table 3-31
code and is dropped; the PHY goes on."""

from __future__ import annotations

from softran.cell.mac import MAC
from softran.cell.plan import cell_plan
from softran.fapi import (
    DlTtiRequest,
    ErrorCode,
    MessageType,
    PdschCodeword,
    PdschPdu,
    UlDciRequest,
)
from softran.phy import PHY


def _phy() -> tuple[PHY, MAC]:
    plan = cell_plan(20)
    return PHY(plan.carrier, plan.prach), MAC(plan)


def test_wrong_slot_is_sfn_out_of_sync() -> None:
    phy, _ = _phy()
    phy.slot_indication(25)                       # SFN 1, slot 5
    (err,) = phy.handle(DlTtiRequest(sfn=1, slot=4))
    assert (err.sfn, err.slot, err.error_code) == (1, 4, ErrorCode.SFN_OUT_OF_SYNC)
    assert err.message_id == MessageType.DL_TTI_REQUEST
    assert phy.handle(DlTtiRequest(sfn=1, slot=5)) == []


def test_pdsch_outside_the_carrier_is_msg_slot_err() -> None:
    phy, _ = _phy()
    phy.slot_indication(3)
    cw = PdschCodeword(target_code_rate=1930, qam_mod_order=2, tb_size=10)
    bad = PdschPdu(rnti=1, bwp_size=51, codewords=(cw,), rb_start=40, rb_size=20,
                   nr_of_symbols=12, start_symbol_index=2)
    (err,) = phy.handle(DlTtiRequest(sfn=0, slot=3, pdus=(bad,)))
    assert err.error_code == ErrorCode.MSG_SLOT_ERR
    assert phy.downlink().abs().sum() == 0        # nothing was kept for the slot


def test_bad_ul_dci_is_msg_ul_dci_err() -> None:
    phy, mac = _phy()
    phy.slot_indication(3)
    pdcch = mac._pdcch([mac._dci(0x4601, 0, [0] * 39)])
    from dataclasses import replace
    bad = replace(pdcch, dl_dcis=(replace(pdcch.dl_dcis[0], aggregation_level=3),))
    (err,) = phy.handle(UlDciRequest(sfn=0, slot=3, pdus=(bad,)))
    assert err.error_code == ErrorCode.MSG_UL_DCI_ERR


def test_pdsch_without_tx_data_is_msg_tx_err() -> None:
    phy, mac = _phy()
    phy.slot_indication(3)
    pdu, _ = mac._pdsch(0x4601, 0, 0, 4, 2, 0)
    assert phy.handle(DlTtiRequest(sfn=0, slot=3, pdus=(pdu,))) == []
    phy.downlink()                                 # TX_DATA.request never came
    assert [e.error_code for e in phy.errors] == [ErrorCode.MSG_TX_ERR]
