"""SIB1's servingCellConfigCommon (TS 38.331 ServingCellConfigCommonSIB): UPER round trips,
the values the test cell's MAC broadcasts are its plan's, and bad values are refused."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from softran.cell.plan import cell_plan
from softran.cell.rrc import ServingCellCommon, SIB1Info, decode_sib1, encode_sib1
from softran.nr import k_ssb


def test_round_trip_with_tdd_pattern_and_long_preambles() -> None:
    c = ServingCellCommon(subcarrier_spacing=15, n_rb=106, offset_to_point_a=2199, band=78,
                          ssb_positions_in_burst=0b11110000, ssb_periodicity_ms=20,
                          ss_pbch_block_power=-60, n_timing_advance_offset=25600,
                          prach_configuration_index=16, msg1_fdm=8, msg1_frequency_start=274,
                          zero_correlation_zone=15, preamble_received_target_power=-202,
                          preamble_trans_max=200, power_ramping_step=6, ra_response_window=80,
                          ra_contention_resolution_timer=64, prach_root_sequence_index=837,
                          prach_root_sequence_length=839, msg1_subcarrier_spacing=None,
                          restricted_set="B", tdd=(2.5, 3, 10, 1, 2))
    info = SIB1Info(cell_identity=9, serving_cell=c)
    data = encode_sib1(info)
    assert decode_sib1(data) == info
    assert decode_sib1(data + bytes(30)) == info           # the transport block's zero fill


@settings(max_examples=30, deadline=None, derandomize=True)
@given(n_rb=st.integers(1, 275), fstart=st.integers(0, 274), zcz=st.integers(0, 15),
       root=st.integers(0, 137), window=st.sampled_from((1, 2, 4, 8, 10, 20, 40, 80)),
       index=st.integers(0, 255), point_a=st.integers(0, 2199))
def test_round_trip_property(n_rb, fstart, zcz, root, window, index, point_a) -> None:
    c = ServingCellCommon(n_rb=n_rb, msg1_frequency_start=fstart, zero_correlation_zone=zcz,
                          prach_root_sequence_index=root, ra_response_window=window,
                          prach_configuration_index=index, offset_to_point_a=point_a)
    assert decode_sib1(encode_sib1(SIB1Info(serving_cell=c))).serving_cell == c


def test_the_mac_broadcasts_the_plans_values() -> None:
    from softran.cell.mac import MAC

    plan = cell_plan(20)
    mac = MAC(plan)
    c = decode_sib1(mac.sib1).serving_cell
    assert c is not None
    # the plan (cell/plan.py docstring): PRACH configuration 105 at RB 38, N_CS config 8,
    # logical root 1 of L_RA = 139 at 30 kHz, RAR window 10 slots, contention resolution
    # 16 slots = 8 subframes at 30 kHz; 51 RBs, no TDD pattern
    assert (c.prach_configuration_index, c.msg1_frequency_start, c.zero_correlation_zone,
            c.prach_root_sequence_index, c.prach_root_sequence_length,
            c.msg1_subcarrier_spacing, c.restricted_set) == (105, 38, 8, 1, 139, 30,
                                                             "unrestricted")
    assert (c.ra_response_window, c.ra_contention_resolution_timer) == (10, 8)
    assert (c.subcarrier_spacing, c.n_rb, c.tdd, c.msg1_fdm) == (30, 51, None, 1)
    # the block's subcarrier 0 is carrier subcarrier 186 (centred: 51 * 6 - 120): 186 * 30 kHz
    # = 5580 kHz = 31 RBs of 180 kHz from point A, so offsetToPointA 31 and k_SSB 0
    assert c.offset_to_point_a == 31
    assert k_ssb(plan.carrier, plan.ssb_first_subcarrier, 30) == 0
    # one block (L_max 4: the four leftmost bits), every frame
    assert (c.ssb_positions_in_burst, c.ssb_periodicity_ms) == (0b10000000, 10)
    # what the UE's PRACH is built from equals the plan's PRACH
    p = c.prach_config(0, active_slot=1)
    for field in ("configuration_index", "sequence_index", "zero_correlation_zone",
                  "frequency_start", "subcarrier_spacing", "restricted_set", "spectrum"):
        assert getattr(p, field) == getattr(plan.prach, field), field
    assert (p.l_ra, p.n_cs) == (plan.prach.l_ra, plan.prach.n_cs)


def test_asn1_fields_as_the_standard_names_them() -> None:
    """Decode the MAC's SIB1 with pycrate directly: locationAndBandwidth is the RIV over 275
    RBs (TS 38.214 §5.1.2.2.2): 275 (51 - 1) + 0 = 13750."""
    from pycrate_asn1dir import RRCNR

    from softran.cell.mac import MAC

    msg = RRCNR.NR_RRC_Definitions.BCCH_DL_SCH_Message
    msg.from_uper(MAC(cell_plan(20)).sib1)
    scc = msg.get_val()["message"][1][1]["servingCellConfigCommon"]
    bwp = scc["uplinkConfigCommon"]["initialUplinkBWP"]
    assert bwp["genericParameters"]["locationAndBandwidth"] == 13750
    gen = bwp["rach-ConfigCommon"][1]["rach-ConfigGeneric"]
    assert gen["ra-ResponseWindow"] == "sl10" and gen["msg1-FDM"] == "one"
    assert bwp["rach-ConfigCommon"][1]["prach-RootSequenceIndex"] == ("l139", 1)
    assert scc["n-TimingAdvanceOffset"] == "n0"
    assert "tdd-UL-DL-ConfigurationCommon" not in scc


def test_sib1_fits_its_pdsch() -> None:
    from softran.cell.mac import MAC
    from softran.cell.rnti import SI_RNTI

    plan = cell_plan(20)
    mac = MAC(plan)
    n = mac.sib1_rbs
    assert plan.pdsch(SI_RNTI, 0, n, 2).tb_sizes[0] // 8 >= len(mac.sib1)
    assert n == 8 or plan.pdsch(SI_RNTI, 0, n - 1, 2).tb_sizes[0] // 8 < len(mac.sib1)


@pytest.mark.parametrize(("field", "value", "match"), [
    ("ra_response_window", 3, "ra_response_window"),
    ("msg1_frequency_start", 275, "msg1_frequency_start"),
    ("prach_root_sequence_index", 138, "prach_root_sequence_index"),
    ("n_timing_advance_offset", 100, "n_timing_advance_offset"),
    ("restricted_set", "C", "restricted_set"),
    ("tdd", (3.0, 1, 0, 1, 0), "tdd periodicity"),
])
def test_bad_values_are_refused(field, value, match) -> None:
    with pytest.raises(ValueError, match=match):
        encode_sib1(SIB1Info(serving_cell=ServingCellCommon(**{field: value})))
