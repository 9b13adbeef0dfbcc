import pytest
import torch

from softran.nr import (
    CarrierConfig,
    downlink_slot,
    ofdm_demodulate,
    pss,
    sss,
    symbol_demodulate,
)


@pytest.mark.parametrize("scs, n_prb", [(15, 25), (30, 51), (30, 273)])
def test_slot_contents_survive_ofdm(scs, n_prb):
    carrier = CarrierConfig(subcarrier_spacing=scs, n_size_grid=n_prb, n_cell_id=123)
    s = downlink_slot(carrier, "16QAM", seed=3)
    rx = ofdm_demodulate(s.waveform, carrier)
    assert torch.allclose(rx, s.grid, atol=1e-5)
    # data: every RE outside the SSB carries 16QAM, and hard decisions give the bits back
    hard = symbol_demodulate(rx[0][s.data_mask], "16QAM")
    assert torch.equal(hard, s.data_bits)
    # SSB: 240 x 4 REs without data, centred (subcarrier 120 of the block at the carrier
    # centre); the first candidate of case A / C in slot 0 (TS 38.213 §4.1): symbol 2, i_SSB 0
    assert int((~s.data_mask).sum()) == 240 * 4
    k0, l0 = s.ssb_first_subcarrier, s.ssb_first_symbol
    assert k0 + 120 == 6 * n_prb and (l0, s.ssb_index, s.l_max) == (2, 0, 8)
    assert s.ssb_case == ("A" if scs == 15 else "C")
    # k_SSB in 15 kHz units from the common RB below (TS 38.211 §7.4.3.1): an odd number of
    # 15 kHz RBs puts the centre half an RB off the RB grid
    assert s.k_ssb == (6 if scs == 15 and n_prb % 2 else 0)
    assert torch.allclose(rx[0, l0, k0 + 56:k0 + 183].real, pss(123), atol=1e-5)
    assert torch.allclose(rx[0, l0 + 2, k0 + 56:k0 + 183].real, sss(123), atol=1e-5)
    # PBCH + DM-RS: every RE of symbols 1 and 3 is a QPSK point of energy 1
    assert torch.allclose(rx[0, l0 + 1, k0:k0 + 240].abs(), torch.ones(240), atol=1e-5)
    assert torch.allclose(rx[0, l0 + 3, k0:k0 + 240].abs(), torch.ones(240), atol=1e-5)


@pytest.mark.parametrize("scs, n_prb, n_slot", [(15, 25, 1), (30, 51, 3), (120, 66, 7),
                                                (240, 32, 2)])
def test_slot_is_a_recording_that_cell_search_decodes(scs, n_prb, n_slot):
    from softran.nr import MIB, cell_search

    carrier = CarrierConfig(subcarrier_spacing=scs, n_size_grid=n_prb, n_cell_id=517,
                            n_slot=n_slot)
    k_ssb = 6 if scs == 15 else 0        # 25 RB at 15 kHz: the centre is half an RB off
    mib = MIB(system_frame_number=301, sub_carrier_spacing_common=30 if scs <= 30 else 120,
              pdcch_config_sib1=77, ssb_subcarrier_offset=k_ssb)
    s = downlink_slot(carrier, "64QAM", seed=5, mib=mib)
    assert s.ssb_index is not None
    (cell,) = cell_search(s.waveform, s.info.sample_rate, scs=scs, l_max=s.l_max)
    assert (cell.n_cell_id, cell.sfn, cell.ssb_index, cell.k_ssb) == \
        (517, 301, s.ssb_index, k_ssb)
    assert cell.mib == s.mib


def test_slots_without_a_candidate_hold_data_only():
    # case C, L_max 8: candidates in slots 0..3 of a half frame; none in slot 4, none at 60 kHz
    for c in (CarrierConfig(subcarrier_spacing=30, n_size_grid=24, n_slot=4),
              CarrierConfig(subcarrier_spacing=60, n_size_grid=24)):
        s = downlink_slot(c, "QPSK", seed=1)
        assert s.ssb_first_symbol is None and bool(s.data_mask.all())
    with pytest.raises(ValueError, match="ssb_first_symbol = 5 is not a candidate"):
        downlink_slot(CarrierConfig(subcarrier_spacing=30, n_size_grid=24), ssb_first_symbol=5)


def test_seed_reproducible_and_bad_input():
    c = CarrierConfig(n_size_grid=20)
    assert torch.equal(downlink_slot(c, "QPSK", seed=1).waveform,
                       downlink_slot(c, "QPSK", seed=1).waveform)
    with pytest.raises(ValueError, match="n_size_grid = 19 is too small"):
        downlink_slot(CarrierConfig(n_size_grid=19))
    with pytest.raises(ValueError, match="modulation = '8PSK'"):
        downlink_slot(c, "8PSK")
    with pytest.raises(ValueError, match="ssb_first_symbol = 11"):
        downlink_slot(c, ssb_first_symbol=11)
    with pytest.raises(TypeError, match="carrier must be a CarrierConfig"):
        downlink_slot("carrier")
