"""Tests of softran.nr.pdsch.config: PDSCHConfig, its reference-signal and rate-matching
configurations, and the validation errors.

TBS values: the TS 38.101-4 / 38.521-4 PDSCH reference channels R.PDSCH.1-1.1 .. 1-1.4
(conformance.md §4.1: 3904, 480, 2280, 8064 bits; 52 / 6 / 52 / 52 PRB, 12 / 12 / 7 / 12
symbols, DM-RS 18 / 12 / 12 / 12 RE per PRB, MCS 4 of Table 5.1.3.1-1 or 14 of 5.1.3.1-3),
and TS 38.214 §5.1.3.2 worked by hand for the two-codeword case.
"""

from __future__ import annotations

import pytest

from softran.nr.coding.tbs import tbs
from softran.nr.config import CarrierConfig
from softran.nr.pdsch import (
    LTECRSConfig,
    PDSCHConfig,
    PDSCHDMRSConfig,
    PDSCHPTRSConfig,
    PDSCHReservedConfig,
    check_pdsch_config,
)


def frc(n_prb: int, start: int, symbols: tuple[int, int], mapping: str, pos: int,
        **kw) -> PDSCHConfig:
    return PDSCHConfig(prb_set=range(start, start + n_prb), symbol_allocation=symbols,
                       mapping_type=mapping,
                       dmrs=PDSCHDMRSConfig(additional_position=pos,
                                            num_cdm_groups_without_data=1), **kw)


@pytest.mark.parametrize("config, dmrs_re, tb", [
    (frc(52, 0, (2, 12), "A", 2, mcs_index=4), 18, 3904),                   # R.PDSCH.1-1.1
    (frc(6, 23, (2, 12), "A", 1, mcs_index=4), 12, 480),                    # R.PDSCH.1-1.2
    (frc(52, 0, (2, 7), "B", 1, mcs_index=4), 12, 2280),                    # R.PDSCH.1-1.3
    (frc(52, 0, (2, 12), "A", 1, mcs_index=14, mcs_table="qam64LowSE"), 12, 8064),  # 1-1.4
])
def test_reference_channel_tbs(config: PDSCHConfig, dmrs_re: int, tb: int) -> None:
    assert config.modulation == "QPSK"
    assert config.n_re_per_prb == 12 * config.symbol_allocation[1] - dmrs_re
    assert config.tb_sizes == (tb,)


def test_two_codewords() -> None:
    p = PDSCHConfig(prb_set=range(10), n_layers=7, mcs_index=20, mcs_table="qam256",
                    dmrs=PDSCHDMRSConfig(max_length=2))
    assert p.n_codewords == 2 and p.codeword_layers == (3, 4)
    want = tuple(tbs(p.modulation, v, 10, 12 * 14 - 24, p.code_rate) for v in (3, 4))
    assert p.tb_sizes == want and want[0] < want[1]
    assert p.dmrs_ports == tuple(range(7))


def test_vrb_interleaving_prbs() -> None:
    # BWP 0..9, L = 2: 5 bundles, C = 2, f = (0, 2, 1, 3, 4)
    p = PDSCHConfig(prb_set=range(10), vrb_to_prb_interleaving=True)
    assert p.prbs(CarrierConfig(n_size_grid=10)) == (0, 1, 4, 5, 2, 3, 6, 7, 8, 9)


@pytest.mark.parametrize("kw, match", [
    ({"symbol_allocation": (4, 10)}, "symbol_allocation"),                 # type A S <= 3
    ({"symbol_allocation": (0, 2)}, "symbol_allocation"),                  # type A L >= 3
    ({"mapping_type": "B", "symbol_allocation": (0, 14)}, "symbol_allocation"),
    ({"symbol_allocation": (3, 11)}, "type_a_position = 3"),               # Note 1
    ({"n_layers": 5}, "needs 5 DM-RS ports"),
    ({"n_layers": 2, "dmrs": {"dmrs_ports": [0, 2], "num_cdm_groups_without_data": 1}},
     "CDM group 1"),
    ({"n_layers": 2, "dmrs": {"dmrs_ports": [0]}}, "n_layers = 2 entries"),
    ({"enable_ptrs": True, "ptrs": {"ptrs_port": 1}}, "ptrs_port = 1"),
    ({"enable_ptrs": True, "prb_set": [5]}, "1 PRB"),                      # 38.214 5.1.6.3
    ({"enable_ptrs": True, "prb_set": [5, 6]}, "2 PRB"),
    ({"enable_ptrs": True, "mapping_type": "B", "symbol_allocation": (3, 2),
      "ptrs": {"time_density": 2}}, "duration 2"),
    ({"enable_ptrs": True, "mapping_type": "B", "symbol_allocation": (3, 4),
      "ptrs": {"time_density": 4}}, "duration 4"),
    ({"modulation": "pi/2-BPSK"}, "modulation"),
    ({"n_layers": 9}, "n_layers"),
    ({"mcs_index": 4, "modulation": "16QAM"}, "disagrees"),
    ({"mcs_table": "tp-qam64"}, "mcs_table"),
    ({"prb_set": []}, "empty"),
    ({"n_size_bwp": 10, "prb_set": [10]}, "outside the BWP"),
    ({"vrb_bundle_size": 3}, "vrb_bundle_size"),
    ({"prg_bundle_size": 8}, "prg_bundle_size"),
])
def test_bad_configurations(kw: dict, match: str) -> None:
    with pytest.raises(ValueError, match=match):
        PDSCHConfig(**kw)


def test_carrier_checks() -> None:
    with pytest.raises(ValueError, match="outside the BWP"):
        check_pdsch_config(CarrierConfig(n_size_grid=20), PDSCHConfig(prb_set=[25]))
    with pytest.raises(ValueError, match="15 kHz"):
        check_pdsch_config(CarrierConfig(subcarrier_spacing=30, n_size_grid=52),
                           PDSCHConfig(lte_crs=LTECRSConfig(carrier_freq_dl=300, n_rb=50)))
    with pytest.raises(ValueError, match="reserved_re"):
        check_pdsch_config(CarrierConfig(n_size_grid=1), PDSCHConfig(prb_set=[0],
                                                                     reserved_re=[168]))
    p = PDSCHConfig(mapping_type="B", symbol_allocation=(0, 4))
    p.dmrs.max_length = 2                                       # Table 7.4.1.1.2-4: '-'
    with pytest.raises(ValueError, match="no DM-RS position"):
        check_pdsch_config(CarrierConfig(), p)
    with pytest.raises(TypeError, match="pdsch"):
        check_pdsch_config(CarrierConfig(), object())
    ext = CarrierConfig(subcarrier_spacing=60, cyclic_prefix="extended")
    with pytest.raises(ValueError, match="extended cyclic prefix"):
        check_pdsch_config(ext, PDSCHConfig(symbol_allocation=(0, 14)))
    check_pdsch_config(ext, PDSCHConfig(symbol_allocation=(0, 12)))
    with pytest.raises(ValueError, match="L in 2, 4, 6"):
        check_pdsch_config(ext, PDSCHConfig(mapping_type="B", symbol_allocation=(0, 5)))


def test_reference_configs() -> None:
    assert PDSCHDMRSConfig(num_cdm_groups_without_data=3, dmrs_type=2).beta_dmrs_db == -4.77
    with pytest.raises(ValueError, match="time_density"):
        PDSCHPTRSConfig(time_density=8)
    r = PDSCHReservedConfig(prb_set=[0], symbol_set=[0, 15, 27], period=2)
    assert r.symbols_in_slot(0, 14) == (0,) and r.symbols_in_slot(3, 14) == (1, 13)
    with pytest.raises(ValueError, match="symbol_set contains 14"):
        PDSCHReservedConfig(symbol_set=[14])
    with pytest.raises(ValueError, match="n_rb"):
        LTECRSConfig(carrier_freq_dl=600, n_rb=20)
    with pytest.raises(ValueError, match="below point A"):
        LTECRSConfig(carrier_freq_dl=100, n_rb=50)
    crs = LTECRSConfig(carrier_freq_dl=300, n_rb=6, n_ports=1, v_shift=2)
    # one port: k = 6 m + v_shift on symbols 0, 7; 6 m + v_shift + 3 on 4, 11 (TS 36.211)
    assert crs.crs_subcarriers(0)[:3] == (2, 8, 14)
    assert crs.crs_subcarriers(4)[:3] == (5, 11, 17)
    assert crs.crs_subcarriers(1) == ()
    four = LTECRSConfig(carrier_freq_dl=300, n_rb=6, n_ports=4, v_shift=4)
    assert four.crs_symbols() == (0, 1, 4, 7, 8, 11) and four.crs_subcarriers(8)[:2] == (1, 4)
