"""DCI formats 1_1 and 0_1 (TS 38.212 §7.3.1.2.2, §7.3.1.1.2) with the field sizes of the test
cell's configuration: sizes worked out from the clauses, field positions, round trips."""

from __future__ import annotations

import math

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from softran.cell.dci import (
    DCI0_1,
    DCI1_1,
    antenna_ports_0_1,
    antenna_ports_1_1,
    dci_size_0_1,
    dci_size_1_0,
    dci_size_1_1,
    pack_dci,
    riv,
    unpack_dci_uss,
)


@pytest.mark.parametrize("n_bwp", [24, 51, 106, 273])
def test_sizes_from_the_clauses(n_bwp):
    fdra = math.ceil(math.log2(n_bwp * (n_bwp + 1) / 2))
    # 1_1: id 1, FDRA, TDRA 4, MCS 5, NDI 1, RV 2, HARQ 4, DAI 2, TPC 2, PRI 3, K1 3,
    # antenna ports 4, SRS request 2, DMRS sequence initialization 1
    assert dci_size_1_1(n_bwp) == 1 + fdra + 4 + 5 + 1 + 2 + 4 + 2 + 2 + 3 + 3 + 4 + 2 + 1
    # 0_1: id 1, FDRA, TDRA 4, MCS 5, NDI 1, RV 2, HARQ 4, DAI 2, TPC 2, antenna ports 3,
    # SRS request 2, DMRS sequence initialization 1, UL-SCH indicator 1
    assert dci_size_0_1(n_bwp) == 1 + fdra + 4 + 5 + 1 + 2 + 4 + 2 + 2 + 3 + 2 + 1 + 1
    assert dci_size_1_1(n_bwp) != dci_size_1_0(n_bwp)


def _field(bits, start, width):
    return int("".join(map(str, bits[start:start + width])), 2)


def test_field_positions_1_1():
    d = DCI1_1(fdra=riv(51, 3, 10), tdra=5, mcs=27, ndi=1, rv=2, harq_process=9, dai=3,
               tpc=0, pucch_resource=6, harq_timing=4, antenna_ports=3, srs_request=1,
               dmrs_seq_init=1)
    b = pack_dci(d, 51)
    assert b[0] == 1 and _field(b, 1, 11) == 462 and _field(b, 12, 4) == 5
    assert _field(b, 16, 5) == 27 and b[21] == 1 and _field(b, 22, 2) == 2
    assert _field(b, 24, 4) == 9 and _field(b, 28, 2) == 3 and _field(b, 30, 2) == 0
    assert _field(b, 32, 3) == 6 and _field(b, 35, 3) == 4 and _field(b, 38, 4) == 3
    assert _field(b, 42, 2) == 1 and b[44] == 1


def test_field_positions_0_1():
    b = pack_dci(DCI0_1(fdra=100, tdra=14, mcs=17, ndi=1, rv=3, harq_process=15, dai=1,
                        tpc=2, antenna_ports=2, srs_request=3, dmrs_seq_init=0, ul_sch=1), 51)
    assert b[0] == 0 and _field(b, 1, 11) == 100 and _field(b, 12, 4) == 14
    assert _field(b, 16, 5) == 17 and b[21] == 1 and _field(b, 22, 2) == 3
    assert _field(b, 24, 4) == 15 and _field(b, 28, 2) == 1 and _field(b, 30, 2) == 2
    assert _field(b, 32, 3) == 2 and _field(b, 35, 2) == 3 and b[37] == 0 and b[38] == 1


@settings(max_examples=80, deadline=None)
@given(st.sampled_from([24, 51, 106, 273]), st.data())
def test_round_trip(n_bwp, data):
    f = data.draw(st.integers(0, 2 ** math.ceil(math.log2(n_bwp * (n_bwp + 1) / 2)) - 1))
    common = dict(fdra=f, tdra=data.draw(st.integers(0, 15)), mcs=data.draw(st.integers(0, 31)),
                  ndi=data.draw(st.integers(0, 1)), rv=data.draw(st.integers(0, 3)),
                  harq_process=data.draw(st.integers(0, 15)), dai=data.draw(st.integers(0, 3)),
                  tpc=data.draw(st.integers(0, 3)), srs_request=data.draw(st.integers(0, 3)),
                  dmrs_seq_init=data.draw(st.integers(0, 1)))
    dl = DCI1_1(**common, pucch_resource=data.draw(st.integers(0, 7)),
                harq_timing=data.draw(st.integers(0, 7)),
                antenna_ports=data.draw(st.integers(0, 15)))
    ul = DCI0_1(**common, antenna_ports=data.draw(st.integers(0, 7)),
                ul_sch=data.draw(st.integers(0, 1)))
    assert unpack_dci_uss(pack_dci(dl, n_bwp), n_bwp) == dl
    assert unpack_dci_uss(pack_dci(ul, n_bwp), n_bwp) == ul


def test_bad_input():
    with pytest.raises(ValueError, match="mcs"):
        pack_dci(DCI1_1(fdra=0, mcs=32), 51)
    with pytest.raises(ValueError, match="neither"):
        unpack_dci_uss([1] * 39, 51)                 # 39 bits with identifier 1: not 0_1
    with pytest.raises(ValueError, match="reserved"):
        antenna_ports_1_1(12)
    with pytest.raises(ValueError, match="reserved"):
        antenna_ports_0_1(6)


def test_antenna_ports_tables():
    assert antenna_ports_1_1(10).dmrs_ports == (0, 1, 2, 3)
    assert antenna_ports_1_1(0).cdm_groups_without_data == 1
    assert [antenna_ports_0_1(v).dmrs_ports for v in range(6)] == [(0,), (1,), (0,), (1,),
                                                                    (2,), (3,)]


def test_mac_uses_1_1_and_0_1_in_the_ue_specific_search_space_after_attach():
    from softran.cell.mac import MAC, UEContext
    from softran.cell.plan import cell_plan
    from softran.fapi import DlTtiRequest, UlDciRequest, unpack_payload
    from softran.nr import pdcch_candidates

    plan = cell_plan(20, cqi_table=2)
    mac = MAC(plan, dl_mcs=9)
    ue = UEContext(rnti=0x4601, index=0, state="connected", attach_slot=0)
    ue.dl_queue += bytes(5000)
    ue.ul_expected = 3000
    mac.ues[ue.rnti] = ue
    for slot in (2, 3, 4):
        msgs = mac.slot(slot)
        dl = next(m for m in msgs if isinstance(m, DlTtiRequest))
        (pdcch,) = [p for p in dl.pdus if hasattr(p, "dl_dcis")]
        ul = next(m for m in msgs if isinstance(m, UlDciRequest))
        dcis = list(pdcch.dl_dcis) + list(ul.pdus[0].dl_dcis)
        uss = [int(c) for c in pdcch_candidates(plan.coreset, plan.uss, n_rnti=ue.rnti,
                                                  n_slot=slot)[2]]
        cces = set()
        for d in dcis:
            assert d.aggregation_level == 2 and d.cce_index in uss
            assert not cces.intersection({d.cce_index, d.cce_index + 1})
            cces.update({d.cce_index, d.cce_index + 1})
        (d_dl,), (d_ul,) = pdcch.dl_dcis, ul.pdus[0].dl_dcis
        got_dl = unpack_dci_uss(unpack_payload(d_dl.payload, d_dl.payload_size_bits).tolist(),
                                plan.n_rb)
        got_ul = unpack_dci_uss(unpack_payload(d_ul.payload, d_ul.payload_size_bits).tolist(),
                                plan.n_rb)
        assert isinstance(got_dl, DCI1_1) and isinstance(got_ul, DCI0_1)
        # no CQI yet: dl_mcs 9 of table qam64 (QPSK 679/1024, SE 1.3262) as the qam256 MCS of
        # no larger efficiency: MCS 4 (QPSK 602, 1.1758) of Table 5.1.3.1-2
        assert got_dl.mcs == 4
        (pdsch,) = [p for p in dl.pdus if hasattr(p, "codewords")]
        assert pdsch.codewords[0].mcs_table == 1                    # qam256
