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
    # SSB: 240 x 4 REs without data; PSS/SSS of the cell on SSB subcarriers 56..182
    assert int((~s.data_mask).sum()) == 240 * 4
    k0, l0 = s.ssb_first_subcarrier, s.ssb_first_symbol
    assert k0 % 12 == 0
    assert torch.allclose(rx[0, l0, k0 + 56:k0 + 183].real, pss(123), atol=1e-5)
    assert torch.allclose(rx[0, l0 + 2, k0 + 56:k0 + 183].real, sss(123), atol=1e-5)
    assert torch.all(rx[0, l0 + 1, k0:k0 + 240].abs() < 1e-5)  # PBCH REs not yet filled


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
