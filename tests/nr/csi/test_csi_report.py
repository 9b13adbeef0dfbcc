"""CSI (TS 38.214 §5.2.2): CQI tables, CQI selection, the Type I single-panel codebook of one and
two ports, the UE's report and its CSI part 1 bits (TS 38.212 §6.3.1.1.2)."""

import math

import pytest
import torch
from hypothesis import given, settings
from hypothesis import strategies as st

from softran.nr import mcs_table
from softran.nr.csi import (
    CSIReport,
    cqi_select,
    cqi_sinr_threshold_db,
    cqi_table,
    csi_part1_size,
    csi_report,
    effective_sinr,
    mcs_for_cqi,
    pack_csi_part1,
    type1_single_panel_codebook,
    unpack_csi_part1,
)


@pytest.mark.parametrize("table", [1, 2])
def test_cqi_table_spectral_efficiency_is_qm_times_rate(table):
    # TS 38.214 Tables 5.2.2.1-2/-3: efficiency = Q_m x (R x 1024) / 1024, rounded to 4 places
    for e in cqi_table(table)[1:]:
        assert e.spectral_efficiency == pytest.approx(e.qm * e.target_code_rate_x1024 / 1024,
                                                      abs=6e-5)


def test_cqi_table_rows_from_the_spec():
    t1, t2 = cqi_table(1), cqi_table(2)
    assert (t1[7].qm, t1[7].target_code_rate_x1024) == (4, 378)      # 16QAM 378
    assert (t1[10].qm, t1[10].target_code_rate_x1024) == (6, 466)    # 64QAM 466
    assert (t2[12].qm, t2[12].target_code_rate_x1024) == (8, 711)    # 256QAM 711
    assert [e.qm for e in t2[1:]] == [2] * 3 + [4] * 3 + [6] * 5 + [8] * 4
    assert t1[0].qm == 0 and t2[0].qm == 0                           # out of range


@pytest.mark.parametrize("table", [1, 2])
def test_cqi_select_is_monotone_and_meets_thresholds(table):
    snr = torch.arange(-15.0, 35.0, 0.25)
    cqi = cqi_select(snr, table)
    assert bool((cqi[1:] >= cqi[:-1]).all())
    assert int(cqi[0]) == 0 and int(cqi[-1]) == 15
    for s, c in zip(snr.tolist(), cqi.tolist(), strict=True):
        assert s >= cqi_sinr_threshold_db(c, table)
        if c < 15:
            assert s < cqi_sinr_threshold_db(c + 1, table)


def test_cqi_threshold_is_shannon_plus_gap():
    se = cqi_table(1)[9].spectral_efficiency
    assert cqi_sinr_threshold_db(9, gap_db=2.0) == pytest.approx(
        10 * math.log10(2 ** se - 1) + 2.0)


@pytest.mark.parametrize("table,mcs_name", [(1, "qam64"), (2, "qam256")])
def test_mcs_for_cqi_is_the_largest_mcs_not_above_the_cqi_efficiency(table, mcs_name):
    rows = [e for e in mcs_table(mcs_name) if not e.reserved]
    for c in range(1, 16):
        se = cqi_table(table)[c].spectral_efficiency
        m = mcs_for_cqi(c, table)
        if se < rows[0].spectral_efficiency:        # CQI 1 lies below MCS 0: the lowest MCS
            assert m == 0
            continue
        assert rows[m].spectral_efficiency <= se + 1e-9
        assert all(e.spectral_efficiency > se + 1e-9 for e in rows if e.mcs_index > m)
    # where the tables share a point the MCS has the CQI's modulation and code rate
    assert [mcs_for_cqi(c, 1) for c in (6, 7, 9, 15)] == [8, 11, 15, 28]


def test_effective_sinr_of_a_flat_channel_and_jensen():
    assert float(effective_sinr(torch.full((10,), 7.0))) == pytest.approx(7.0)
    x = torch.tensor([0.1, 100.0])
    assert float(effective_sinr(x)) < float(x.mean())


def test_codebook_two_ports():
    w1 = type1_single_panel_codebook(2, 1)
    phi = torch.tensor([1, 1j, -1, -1j], dtype=torch.complex64)
    assert torch.allclose(w1[:, 1, 0] / w1[:, 0, 0], phi)
    assert torch.allclose(w1.abs().square().sum((1, 2)), torch.ones(4))
    w2 = type1_single_panel_codebook(2, 2)
    gram = w2.mH @ w2
    assert torch.allclose(gram, torch.eye(2, dtype=torch.complex64).expand(2, 2, 2) / 2)
    with pytest.raises(ValueError, match="n_ports"):
        type1_single_panel_codebook(4, 1)


def test_report_cqi_high_at_high_snr_low_at_low_snr_and_monotone():
    g = torch.Generator().manual_seed(11)
    h = torch.ones(51, 1, 1, dtype=torch.complex64)
    cqis = []
    for snr in range(-10, 32, 2):
        nv = 10 ** (-snr / 10)
        noise = torch.complex(torch.randn(h.shape, generator=g),
                              torch.randn(h.shape, generator=g)) * math.sqrt(nv / 2)
        # a smoothed estimate: the channel plus a tenth of the noise
        cqis.append(csi_report(h + noise / math.sqrt(10), nv).cqi)
    assert cqis == sorted(cqis)
    assert cqis[0] <= 1 and cqis[-1] == 15


@pytest.mark.parametrize("n", range(4))
def test_report_pmi_matches_the_channel(n):
    # h = [1, j^-n]: W_n = [1, j^n]/sqrt 2 adds the two ports in phase
    h = torch.tensor([[1, (1j) ** (-n)]], dtype=torch.complex64).expand(24, 1, 2)
    r = csi_report(h, 0.1)
    assert (r.ri, r.pmi) == (1, n)
    assert r.sinr_db == pytest.approx(10 * math.log10(2 / 0.1), abs=1e-6)


def test_report_rejects_bad_input():
    with pytest.raises(ValueError, match="noise_var"):
        csi_report(torch.ones(4, 1, 1, dtype=torch.complex64), 0.0)
    with pytest.raises(TypeError, match="complex"):
        csi_report(torch.ones(4, 1, 1), 1.0)
    with pytest.raises(ValueError, match="n_tx"):
        csi_report(torch.ones(4, 1, 4, dtype=torch.complex64), 1.0)


@settings(max_examples=60, deadline=None)
@given(st.integers(1, 2), st.integers(0, 3), st.integers(0, 15), st.integers(1, 2))
def test_csi_part1_round_trip(ri, pmi, cqi, n_ports):
    ri = min(ri, n_ports)
    pmi = 0 if n_ports == 1 else pmi % (4 if ri == 1 else 2)
    rep = CSIReport(ri=ri, pmi=pmi, cqi=cqi)
    bits = pack_csi_part1(rep, n_ports)
    assert bits.numel() == csi_part1_size(n_ports)
    back = unpack_csi_part1(bits, n_ports)
    assert (back.ri, back.pmi, back.cqi) == (ri, pmi, cqi)


def test_csi_part1_layout():
    # 2 ports, rank 1: RI 0, no padding, i2 (2 bits), CQI (4 bits)
    assert pack_csi_part1(CSIReport(1, 2, 9), 2).tolist() == [0, 1, 0, 1, 0, 0, 1]
    with pytest.raises(ValueError, match="bits"):
        unpack_csi_part1(torch.zeros(5, dtype=torch.uint8), 2)
