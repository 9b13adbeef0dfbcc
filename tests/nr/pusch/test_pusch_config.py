"""Tests of softran.nr.pusch.config: PUSCHConfig / PUSCHDMRSConfig / PUSCHPTRSConfig.

TBS values are those of the TS 38.104 Annex A FRCs (Tables A.3-x, A.4-x, A.5-x)
(G-FR1-A3-8 = 1352, A4-8 = 9224, A5-8 = 12040, A3-22 = 2728, A3-31 = 1352 bits; 144 data RE per
PRB, G = 7200 / 14400 / 21600). The MCS indices are those of TS 38.214 Table 5.1.3.1-1 with the
FRC's modulation and rate (MCS 2: QPSK 193, MCS 16: 16QAM 658, MCS 20: 64QAM 567).
"""

from __future__ import annotations

import math

import pytest

from softran.nr.config import CarrierConfig
from softran.nr.pusch import PUSCHConfig, PUSCHDMRSConfig, PUSCHPTRSConfig, dmrs_port_table


def frc(n_prb: int = 25, **kw) -> PUSCHConfig:
    """FR1 PUSCH FRC set-up: type A, S = 0, L = 14, DM-RS type 1 pos1, 2 CDM groups."""
    p = PUSCHConfig(prb_set=range(n_prb), **kw)
    p.dmrs.additional_position = 1
    return p


@pytest.mark.parametrize("mcs_index, modulation, tbs, g", [
    (2, "QPSK", 1352, 7200),     # G-FR1-A3-8
    (16, "16QAM", 9224, 14400),  # G-FR1-A4-8
    (20, "64QAM", 12040, 21600),  # G-FR1-A5-8
])
def test_frc_tbs_from_mcs(mcs_index: int, modulation: str, tbs: int, g: int) -> None:
    p = frc(mcs_index=mcs_index, mcs_table="qam64")
    assert p.modulation == modulation
    assert p.dmrs_symbols == [2, 11]
    assert p.n_re_per_prb == 144
    assert p.n_re == 25 * 144
    assert p.tb_size == tbs
    assert p.num_coded_bits == g


def test_frc_two_layers_and_transform_precoding() -> None:
    assert frc(mcs_index=2, n_layers=2).tb_size == 2728          # G-FR1-A3-22
    assert frc(mcs_index=16, n_layers=2).tb_size == 18432        # G-FR1-A4-22
    tp = frc(transform_precoding=True, modulation="QPSK", target_code_rate=193 / 1024)
    assert tp.tb_size == 1352 and tp.num_coded_bits == 7200      # G-FR1-A3-31
    assert frc(n_prb=24, transform_precoding=True, target_code_rate=193 / 1024).tb_size == 1320


def test_n_re_per_prb_by_cdm_groups() -> None:
    p = frc()
    p.dmrs.num_cdm_groups_without_data = 1   # type 1: 6 DM-RS REs per PRB per DM-RS symbol
    assert p.n_re_per_prb == 12 * 14 - 2 * 6
    p.dmrs.dmrs_type = 2
    for groups, per_symbol in ((1, 4), (2, 8), (3, 12)):
        p.dmrs.num_cdm_groups_without_data = groups
        assert p.n_re_per_prb == 12 * 14 - 2 * per_symbol


def test_beta_dmrs_table_6_2_2_1() -> None:
    # TS 38.214 Table 6.2.2-1: 1 group 0 dB, 2 groups -3 dB, 3 groups -4.77 dB
    d = PUSCHDMRSConfig(dmrs_type=2)
    for groups, db in ((1, 0.0), (2, -3.0), (3, -4.77)):
        d.num_cdm_groups_without_data = groups
        assert d.beta_dmrs_db == db
        assert d.beta_dmrs == pytest.approx(10 ** (-db / 20))
    assert 10 * math.log10(PUSCHDMRSConfig().beta_dmrs ** 2) == pytest.approx(3.0)


def test_port_tables_spot_checks() -> None:
    # TS 38.211 Table 6.4.1.1.3-1 rows p = 0, 5, 7 and Table 6.4.1.1.3-2 rows p = 2, 11
    t1, t2 = dmrs_port_table(1), dmrs_port_table(2)
    assert t1[0] == (0, 0, (1, 1), (1, 1))
    assert t1[5] == (0, 0, (1, -1), (1, -1))
    assert t1[7] == (1, 1, (1, -1), (1, -1))
    assert t2[2] == (1, 2, (1, 1), (1, 1))
    assert t2[11] == (2, 4, (1, -1), (1, -1))
    assert sorted(t1) == list(range(8)) and sorted(t2) == list(range(12))


def test_mcs_sets_modulation_and_conflicts_raise() -> None:
    p = PUSCHConfig(mcs_index=16)
    assert (p.modulation, p.target_code_rate) == ("16QAM", 658 / 1024)
    p.mcs_index = 20
    assert p.modulation == "64QAM"
    with pytest.raises(ValueError, match="modulation"):
        p.modulation = "QPSK"
    assert p.modulation == "64QAM"                     # failed assignment left no trace
    with pytest.raises(ValueError, match="mcs_index"):
        PUSCHConfig(mcs_index=2, modulation="16QAM")
    p.mcs_index = None
    p.modulation = "QPSK"
    assert p.modulation == "QPSK"


def test_tp_tables_and_pi2bpsk() -> None:
    p = PUSCHConfig(prb_set=range(25), transform_precoding=True, mcs_table="tp-qam64",
                    tp_pi2bpsk=True, mcs_index=0)
    assert p.modulation == "pi/2-BPSK" and p.qm == 1
    with pytest.raises(ValueError, match="transform_precoding"):
        PUSCHConfig(modulation="pi/2-BPSK")


def test_failed_assignment_leaves_object_unchanged() -> None:
    p = PUSCHConfig(n_layers=2)
    with pytest.raises(ValueError, match="n_layers"):
        p.transform_precoding = True
    assert p.transform_precoding is False and p.n_layers == 2


def test_bwp_and_prb_checks() -> None:
    with pytest.raises(ValueError, match="prb_set"):
        PUSCHConfig(n_size_bwp=20, prb_set=range(25))
    p = PUSCHConfig(prb_set=[51])
    with pytest.raises(ValueError, match="prb_set contains PRB 51"):
        p.check_carrier(CarrierConfig(n_size_grid=50))
    with pytest.raises(ValueError, match="not inside the carrier grid"):
        PUSCHConfig(n_start_bwp=5, n_size_bwp=50, prb_set=[0]).check_carrier(
            CarrierConfig(n_size_grid=52))
    with pytest.raises(ValueError, match="not inside the carrier grid"):
        PUSCHConfig(n_start_bwp=3, prb_set=[0]).check_carrier(
            CarrierConfig(n_start_grid=4, n_size_grid=52))
    assert PUSCHConfig(prb_set=(5, 1, 3)).prb_set == (1, 3, 5)
    with pytest.raises(ValueError, match="repeated"):
        PUSCHConfig(prb_set=[1, 1])
    with pytest.raises(ValueError, match="empty"):
        PUSCHConfig(prb_set=[])


@pytest.mark.parametrize("mapping, alloc", [
    ("A", (1, 13)),   # type A starts at 0
    ("A", (0, 3)),    # type A L >= 4
    ("B", (10, 5)),   # S + L <= 14
    ("B", (0, 0)),    # L >= 1
])
def test_bad_symbol_allocation(mapping: str, alloc: tuple[int, int]) -> None:
    with pytest.raises(ValueError, match="symbol_allocation"):
        PUSCHConfig(mapping_type=mapping, symbol_allocation=alloc)


def test_extended_cp_symbol_allocation() -> None:
    ecp = CarrierConfig(subcarrier_spacing=60, cyclic_prefix="extended")
    PUSCHConfig(symbol_allocation=(0, 12)).check_carrier(ecp)
    with pytest.raises(ValueError, match="extended cyclic prefix"):
        PUSCHConfig(symbol_allocation=(0, 14)).check_carrier(ecp)
    with pytest.raises(ValueError, match="extended cyclic prefix"):
        PUSCHConfig(mapping_type="B", symbol_allocation=(12, 1)).check_carrier(ecp)


def test_transform_precoding_rules() -> None:
    with pytest.raises(ValueError, match="n_layers = 1"):
        PUSCHConfig(transform_precoding=True, n_layers=2)
    with pytest.raises(ValueError, match="2\\^a 3\\^b 5\\^c"):
        PUSCHConfig(transform_precoding=True, prb_set=range(7))
    with pytest.raises(ValueError, match="contiguous"):
        PUSCHConfig(transform_precoding=True, prb_set=[0, 1, 3])
    with pytest.raises(ValueError, match="dmrs_type = 1"):
        PUSCHConfig(transform_precoding=True, dmrs=PUSCHDMRSConfig(dmrs_type=2))
    for n in (1, 2, 3, 4, 5, 6, 8, 9, 10, 12, 15, 16, 18, 20, 24, 25, 27, 30, 270):
        PUSCHConfig(transform_precoding=True, prb_set=range(n))
    for n in (7, 11, 13, 14, 21, 22, 26, 28, 49):
        with pytest.raises(ValueError):
            PUSCHConfig(transform_precoding=True, prb_set=range(n))


def test_dmrs_port_rules() -> None:
    with pytest.raises(ValueError, match="n_layers"):
        PUSCHConfig(n_layers=2, dmrs=PUSCHDMRSConfig(dmrs_ports=[0]))
    with pytest.raises(ValueError, match="CDM group 1"):
        PUSCHConfig(dmrs=PUSCHDMRSConfig(dmrs_ports=[2], num_cdm_groups_without_data=1))
    with pytest.raises(ValueError, match="dmrs_ports"):
        PUSCHDMRSConfig(dmrs_ports=[4])               # ports 4..7 need double symbol
    PUSCHDMRSConfig(dmrs_ports=[4], max_length=2)
    with pytest.raises(ValueError, match="additional_position"):
        PUSCHDMRSConfig(max_length=2, additional_position=2)
    with pytest.raises(ValueError, match="dmrs_type = 2"):
        PUSCHDMRSConfig(num_cdm_groups_without_data=3)
    with pytest.raises(ValueError, match="group_hopping"):
        PUSCHDMRSConfig(group_hopping=True, sequence_hopping=True)
    assert PUSCHDMRSConfig(n_id_n_scid=7).n_id_n_scid == (7, 7)
    with pytest.raises(ValueError, match="n_id_n_scid"):
        PUSCHDMRSConfig(n_id_n_scid=(1, 2, 3))
    with pytest.raises(ValueError, match="n_id_n_scid\\[1\\]"):
        PUSCHDMRSConfig(n_id_n_scid=(1, 65536))


def test_ptrs_port_rules() -> None:
    with pytest.raises(ValueError, match="ptrs_ports"):
        PUSCHConfig(enable_ptrs=True, ptrs=PUSCHPTRSConfig(ptrs_ports=[1]))
    p = PUSCHConfig(n_layers=2, enable_ptrs=True, ptrs=PUSCHPTRSConfig(ptrs_ports=[1]))
    assert p.ptrs_ports == (1,)
    assert PUSCHConfig(n_layers=2, dmrs=PUSCHDMRSConfig(dmrs_ports=[3, 2])).ptrs_ports == (2,)
    with pytest.raises(ValueError, match="time_density"):
        PUSCHPTRSConfig(time_density=3)
    with pytest.raises(ValueError, match="re_offset"):
        PUSCHPTRSConfig(re_offset="12")


@pytest.mark.parametrize("field, value, exc", [
    ("n_layers", 5, ValueError), ("n_layers", True, TypeError), ("n_layers", 1.0, TypeError),
    ("rnti", 65536, ValueError), ("n_id", 1024, ValueError), ("tpmi", 28, ValueError),
    ("modulation", "8PSK", ValueError), ("modulation", 2, TypeError),
    ("mapping_type", "C", ValueError), ("transform_precoding", 1, TypeError),
    ("n_antenna_ports", 3, ValueError), ("x_overhead", 5, ValueError),
    ("tb_scaling", 0.3, ValueError), ("target_code_rate", 0.96, ValueError),
    ("mcs_table", "qam512", ValueError), ("dmrs", 3, TypeError),
])
def test_bad_fields(field: str, value: object, exc: type) -> None:
    with pytest.raises(exc, match=field):
        PUSCHConfig(**{field: value})


def test_codebook_layers_vs_ports_and_tb_size_needs_rate() -> None:
    with pytest.raises(ValueError, match="n_antenna_ports"):
        PUSCHConfig(transmission_scheme="codebook", n_layers=2, n_antenna_ports=1)
    with pytest.raises(ValueError, match="target_code_rate"):
        _ = PUSCHConfig().tb_size
    with pytest.raises(ValueError, match="target_code_rate"):
        _ = PUSCHConfig(mcs_index=29).tb_size         # reserved index: no code rate


@pytest.mark.parametrize("dmrs_type", [1, 2])
@pytest.mark.parametrize("cdm", [1, 2, 3])
@pytest.mark.parametrize(("mapping", "alloc", "add_pos", "tp"), [
    ("A", (0, 14), 1, False), ("A", (0, 12), 3, False), ("B", (3, 7), 1, False),
    ("A", (0, 14), 0, True), ("B", (2, 5), 0, False)])
def test_n_re_without_ptrs_equals_the_data_mask(dmrs_type: int, cdm: int, mapping: str,
                                                alloc: tuple[int, int], add_pos: int,
                                                tp: bool) -> None:
    """n_re without PT-RS comes from N'_RE per PRB (no mask): the count of the data RE mask."""
    from softran.nr.pusch.allocation import data_re_mask

    if cdm == 3 and dmrs_type == 1 or tp and (dmrs_type == 2 or cdm == 1):
        pytest.skip("not a valid DM-RS configuration")
    cfg = PUSCHConfig(prb_set=range(5), mapping_type=mapping, symbol_allocation=alloc,
                      transform_precoding=tp,
                      dmrs={"dmrs_type": dmrs_type, "num_cdm_groups_without_data": cdm,
                            "additional_position": add_pos})
    assert cfg.n_re == int(data_re_mask(cfg).sum())
