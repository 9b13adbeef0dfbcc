"""Tests of softran.nr.ssb.mib: the MIB and its BCCH-BCH-Message bits (TS 38.331 §6.2.1, §6.2.2).

Expected bit strings are written out field by field from the ASN.1 definitions (UPER: each
field most significant bit first, a two-value ENUMERATED as its index, the CHOICE index
first).
"""

from __future__ import annotations

import pytest
import torch
from hypothesis import given, settings
from hypothesis import strategies as st

from softran.nr.ssb.mib import MIB, MIB_LENGTH


def _bits(text: str) -> list[int]:
    return [int(c) for c in text.replace(" ", "")]


def test_hand_worked_layout() -> None:
    m = MIB(system_frame_number=718, sub_carrier_spacing_common=30, ssb_subcarrier_offset=10,
            dmrs_type_a_position=3, pdcch_config_sib1=105, cell_barred=False,
            intra_freq_reselection=True, spare=0)
    # 718 = 0b10_1100_1110: 6 MSBs 101100; 105 = 0110 1001 (CORESET#0 = 6, SS#0 = 9)
    expected = _bits("0"            # CHOICE mib
                     " 101100"      # systemFrameNumber
                     " 1"           # scs30or120
                     " 1010"        # ssb-SubcarrierOffset = 10
                     " 1"           # pos3
                     " 0110 1001"   # controlResourceSetZero, searchSpaceZero
                     " 1"           # notBarred
                     " 0"           # allowed
                     " 0")          # spare
    assert len(expected) == MIB_LENGTH
    bits = m.pack()
    assert bits.dtype == torch.uint8 and bits.tolist() == expected
    assert m.control_resource_set_zero == 6 and m.search_space_zero == 9


def test_default_and_all_ones() -> None:
    assert MIB().pack().tolist() == [0] * 21 + [1, 0, 0]     # only cellBarred = notBarred
    m = MIB(system_frame_number=1023, sub_carrier_spacing_common=120, ssb_subcarrier_offset=15,
            dmrs_type_a_position=3, pdcch_config_sib1=255, cell_barred=False,
            intra_freq_reselection=False, spare=1)
    assert m.pack().tolist() == [0] + [1] * 23
    assert m.frequency_range == "FR2"


def test_sfn_lsbs_not_in_mib() -> None:
    assert MIB(system_frame_number=15).pack().tolist() == MIB().pack().tolist()
    assert MIB(system_frame_number=16).pack().tolist()[1:7] == [0, 0, 0, 0, 0, 1]


@st.composite
def _mibs(draw: st.DrawFn) -> MIB:
    fr2 = draw(st.booleans())
    return MIB(system_frame_number=draw(st.integers(0, 1023)),
               sub_carrier_spacing_common=draw(st.sampled_from((60, 120) if fr2 else (15, 30))),
               ssb_subcarrier_offset=draw(st.integers(0, 15)),
               dmrs_type_a_position=draw(st.sampled_from((2, 3))),
               pdcch_config_sib1=draw(st.integers(0, 255)),
               cell_barred=draw(st.booleans()),
               intra_freq_reselection=draw(st.booleans()),
               spare=draw(st.integers(0, 1)))


@settings(max_examples=100, deadline=None)
@given(_mibs())
def test_round_trip(m: MIB) -> None:
    bits = m.pack()
    assert bits.shape == (24,) and int(bits[0]) == 0
    back = MIB.unpack(bits, sfn_lsbs=m.system_frame_number % 16,
                      frequency_range=m.frequency_range)
    assert back == m


@settings(max_examples=50, deadline=None)
@given(st.lists(st.integers(0, 1), min_size=23, max_size=23))
def test_unpack_pack_bits(rest: list[int]) -> None:
    bits = torch.tensor([0] + rest, dtype=torch.uint8)
    assert MIB.unpack(bits).pack().tolist() == bits.tolist()


def test_bad_inputs() -> None:
    with pytest.raises(ValueError, match="system_frame_number"):
        MIB(system_frame_number=1024)
    with pytest.raises(ValueError, match="sub_carrier_spacing_common"):
        MIB(sub_carrier_spacing_common=240)
    with pytest.raises(ValueError, match="ssb_subcarrier_offset"):
        MIB(ssb_subcarrier_offset=16)
    with pytest.raises(ValueError, match="dmrs_type_a_position"):
        MIB(dmrs_type_a_position=1)
    with pytest.raises(ValueError, match="pdcch_config_sib1"):
        MIB(pdcch_config_sib1=256)
    with pytest.raises(TypeError, match="cell_barred"):
        MIB(cell_barred=1)  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="spare"):
        MIB(spare=2)
    with pytest.raises(TypeError, match="system_frame_number"):
        MIB(system_frame_number=1.0)  # type: ignore[arg-type]
    good = MIB().pack()
    with pytest.raises(ValueError, match="shape"):
        MIB.unpack(good[:23])
    with pytest.raises(ValueError, match="messageClassExtension"):
        MIB.unpack(torch.ones(24, dtype=torch.uint8))
    with pytest.raises(ValueError, match="sfn_lsbs"):
        MIB.unpack(good, sfn_lsbs=16)
    with pytest.raises(ValueError, match="frequency_range"):
        MIB.unpack(good, frequency_range="FR3")
    with pytest.raises(TypeError, match="bits"):
        MIB.unpack(good.float())
    with pytest.raises(AttributeError):
        MIB().spare = 1  # type: ignore[misc]
