"""MCS/TBS tables (TS 38.214 §5.1.3.1, §6.1.4.1, Table 5.1.3.2-1) and TBS (§5.1.3.2)."""

from fractions import Fraction

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from softran.nr.coding.sch_info import dlsch_info
from softran.nr.coding.tbs import tbs
from softran.nr.tables import MCS_TABLE_NAMES, mcs, mcs_table, modulation_order, tbs_table

# ---------------------------------------------------------------------------------------------
# Tables: spot checks against values cited from independent sources
# ---------------------------------------------------------------------------------------------

# (table, I_MCS, Qm, R x 1024, spectral efficiency) as printed in TS 38.214 Tables 5.1.3.1-1..4;
# the same rows appear in OpenAirInterface nr_mac_common.c (Qm, 10 x R x 1024) and in the
# MATLAB 5G Toolbox FRC helper tables (with spectral efficiency).
MCS_ROWS = [
    ("qam64", 0, 2, 120, 0.2344),
    ("qam64", 9, 2, 679, 1.3262),
    ("qam64", 10, 4, 340, 1.3281),
    ("qam64", 17, 6, 438, 2.5664),
    ("qam64", 28, 6, 948, 5.5547),
    ("qam256", 5, 4, 378, 1.4766),
    ("qam256", 20, 8, 682.5, 5.3320),
    ("qam256", 26, 8, 916.5, 7.1602),
    ("qam256", 27, 8, 948, 7.4063),
    ("qam64LowSE", 0, 2, 30, 0.0586),
    ("qam64LowSE", 15, 4, 340, 1.3281),
    ("qam64LowSE", 28, 6, 772, 4.5234),
    ("qam1024", 2, 2, 449, 0.8770),
    ("qam1024", 15, 8, 682.5, 5.3320),
    ("qam1024", 23, 10, 805.5, 7.8662),   # also in US 11,985,664: (10, 805.5/1024)
    ("qam1024", 26, 10, 948, 9.2578),
    ("tp-qam64", 17, 6, 466, 2.7305),     # Table 6.1.4.1-1 skips 438 (unlike 5.1.3.1-1)
    ("tp-qam64", 27, 6, 948, 5.5547),
    ("tp-qam64LowSE", 22, 4, 699, 2.7305),
    ("tp-qam64LowSE", 23, 4, 772, 3.0156),
    ("tp-qam64LowSE", 27, 6, 772, 4.5234),
]


@pytest.mark.parametrize("name, index, qm, rate_x1024, se", MCS_ROWS)
def test_mcs_rows(name, index, qm, rate_x1024, se):
    row = mcs_table(name)[index]
    assert (row.mcs_index, row.qm, row.target_code_rate_x1024, row.spectral_efficiency) == (
        index, qm, rate_x1024, se)
    assert row.target_code_rate == rate_x1024 / 1024
    assert not row.reserved


@pytest.mark.parametrize("name, first_reserved, reserved_qm", [
    ("qam64", 29, [2, 4, 6]), ("qam256", 28, [2, 4, 6, 8]), ("qam64LowSE", 29, [2, 4, 6]),
    ("qam1024", 27, [2, 4, 6, 8, 10]), ("tp-qam64", 28, [2, 2, 4, 6]),
    ("tp-qam64LowSE", 28, [2, 2, 4, 6]),
])
def test_reserved_rows(name, first_reserved, reserved_qm):
    table = mcs_table(name)
    assert len(table) == 32 and [r.mcs_index for r in table] == list(range(32))
    assert [r.reserved for r in table] == [i >= first_reserved for i in range(32)]
    assert [r.qm for r in table[first_reserved:]] == reserved_qm
    assert all(r.spectral_efficiency is None for r in table[first_reserved:])


def test_spectral_efficiency_is_qm_times_rate():
    for name in MCS_TABLE_NAMES:
        for row in mcs_table(name):
            if not row.reserved:
                assert abs(row.spectral_efficiency - row.qm * row.target_code_rate) <= 0.00005


@pytest.mark.parametrize("name, q_rows", [
    # Table 6.1.4.1-1: rows 0, 1 are (q, 240/q), (q, 314/q); Table 6.1.4.1-2: rows 0..5
    ("tp-qam64", [240, 314]),
    ("tp-qam64LowSE", [60, 80, 100, 128, 156, 198]),
])
def test_transform_precoding_q_rows(name, q_rows):
    for q, tp in ((1, True), (2, False)):
        table = mcs_table(name, tp_pi2bpsk=tp)
        for i, num in enumerate(q_rows):
            assert table[i].qm == q
            assert table[i].target_code_rate_x1024 == num / q
            assert table[i].modulation == ("pi/2-BPSK" if q == 1 else "QPSK")
        assert table[28].qm == q and table[28].reserved
        assert table[len(q_rows)].qm == 2    # the first row that does not depend on q


def test_tp_rows_match_second_source():
    # OpenAirInterface Table_61411 / Table_61412 (q = 2) and a Python port (q = 1) agree:
    assert mcs(0, "tp-qam64") == ("QPSK", 120 / 1024)
    assert mcs(0, "tp-qam64", tp_pi2bpsk=True) == ("pi/2-BPSK", 240 / 1024)
    assert mcs(5, "tp-qam64LowSE") == ("QPSK", 99 / 1024)
    assert mcs(5, "tp-qam64LowSE", tp_pi2bpsk=True) == ("pi/2-BPSK", 198 / 1024)
    assert mcs(16, "tp-qam64LowSE") == ("16QAM", 378 / 1024)


def test_mcs_lookup():
    assert mcs(27, "qam256") == ("256QAM", 948 / 1024)
    assert mcs(10) == ("16QAM", 340 / 1024)
    assert mcs(26, "QAM1024") == ("1024QAM", 948 / 1024)      # names are case-insensitive
    assert mcs(31, "qam256") == ("256QAM", None)


def test_mcs_bad_inputs():
    with pytest.raises(ValueError, match="index"):
        mcs(32)
    with pytest.raises(ValueError, match="index"):
        mcs(-1)
    with pytest.raises(ValueError, match="name"):
        mcs(0, "qam4096")
    with pytest.raises(TypeError):
        mcs_table(64)
    with pytest.raises(TypeError):
        mcs(1.0)
    with pytest.raises(TypeError):
        mcs_table("tp-qam64", tp_pi2bpsk=1)


def test_tbs_table():
    t = tbs_table()
    # TS 38.214 Table 5.1.3.2-1, as also listed in srsRAN (tbs_calculator_test.cpp) and OAI
    assert len(t) == 93
    assert t[:8] == (24, 32, 40, 48, 56, 64, 72, 80)
    assert t[21:24] == (192, 208, 224)
    assert t[52:56] == (984, 1032, 1064, 1128)
    assert t[-6:] == (3240, 3368, 3496, 3624, 3752, 3824)
    assert all(a < b for a, b in zip(t, t[1:]))
    assert all(v % 8 == 0 for v in t)


def test_modulation_order():
    assert [modulation_order(m) for m in ("pi/2-BPSK", "qpsk", "16QAM", "64qam", "256QAM",
                                          "1024QAM")] == [1, 2, 4, 6, 8, 10]
    with pytest.raises(ValueError, match="modulation"):
        modulation_order("8PSK")
    with pytest.raises(TypeError):
        modulation_order(2)


# ---------------------------------------------------------------------------------------------
# TBS: hand-worked examples of TS 38.214 §5.1.3.2
# ---------------------------------------------------------------------------------------------

def test_tbs_one_prb_qpsk():
    # N'_RE = 12 * 12 = 144; N_RE = 144; N_info = 144 * 120/1024 * 2 = 33.75
    # n = max(3, floor(log2 33.75) - 6) = 3; N'_info = max(24, 8 * floor(33.75 / 8)) = 32
    # smallest table TBS >= 32: 32
    assert tbs("QPSK", 1, 1, 144, 120 / 1024) == 32


def test_tbs_maximum_four_layers():
    # 273 PRB, 14 symbols, 12 DM-RS REs per PRB: N'_RE = 168 - 12 = 156 -> N_RE = 156 * 273
    n_re = 156 * 273
    assert n_re == 42588
    n_info = Fraction(n_re) * Fraction(948, 1024) * 8 * 4          # 1261669.5
    assert n_info == Fraction(2523339, 2)
    n = 20 - 5                                                     # floor(log2(N_info - 24)) = 20
    assert 2 ** 20 <= n_info - 24 < 2 ** 21
    n_info_prime = 2 ** n * 39                            # round(1261645.5 / 32768 = 38.50...)
    assert 38.5 < (n_info - 24) / 2 ** n < 39
    c = -(-(n_info_prime + 24) // 8424)                            # R > 1/4, N'_info > 8424
    assert c == 152
    expected = 8 * c * (-(-(n_info_prime + 24) // (8 * c))) - 24
    assert expected == 1277992
    assert tbs("256QAM", 4, 273, 12 * 14 - 12, 948 / 1024) == 1277992
    # N'_RE above 156 is capped: 14 symbols without DM-RS gives the same N_RE
    assert tbs("256QAM", 4, 273, 168, 948 / 1024) == 1277992


def test_tbs_n_info_exactly_3824_uses_the_table():
    # QPSK, R = 478/1024, N_RE = 128 * 32 = 4096: N_info = 4096 * 478/1024 * 2 = 3824 exactly
    # -> step 3: n = max(3, 11 - 6) = 5, N'_info = 32 * floor(119.5) = 3808 -> TBS 3824
    assert tbs("QPSK", 1, 32, 128, 478 / 1024) == 3824


def test_tbs_round_ties_go_up():
    # QPSK, R = 651/1024, N_RE = 4096: N_info = 5208; n = floor(log2 5184) - 5 = 7;
    # (N_info - 24) / 2^7 = 40.5 -> round up to 41 (ties to the larger integer) -> N'_info = 5248
    # R > 1/4, N'_info <= 8424: TBS = 8 ceil(5272 / 8) - 24 = 5248 (half-to-even would give 5120)
    assert tbs("QPSK", 1, 32, 128, 651 / 1024) == 5248


def test_tbs_low_rate_branch():
    # R = 1/4 exactly (256/1024) uses the C = ceil((N'_info + 24) / 3816) branch:
    # 16QAM, 2 layers, 100 PRB, N'_RE = 156: N_info = 15600 * 1/4 * 4 * 2 = 31200
    # n = floor(log2 31176) - 5 = 9; round(31176 / 512 = 60.89) = 61 -> N'_info = 31232
    # C = ceil(31256 / 3816) = 9; TBS = 72 ceil(31256 / 72) - 24 = 72 * 435 - 24 = 31296
    assert tbs("16QAM", 2, 100, 156, 0.25) == 31296
    # just above 1/4 the BG1 branch applies: C = ceil(31256 / 8424) = 4 -> 32 * 977 - 24 = 31240
    assert tbs("16QAM", 2, 100, 156, 257 / 1024) == 31240


def test_tbs_overhead_and_scaling():
    # N'_RE = 12 * 12 - 6 = 138, xOverhead 12 -> 126 per PRB; 6 PRB -> N_RE = 756
    # N_info = 756 * 0.1 * 2 * 0.25 = 37.8 -> n = 3, N'_info = max(24, 32) = 32 -> TBS 32
    assert tbs("QPSK", 1, 6, 138, 0.1, x_overhead=12, tb_scaling=0.25) == 32


# Cross-check against MATLAB nrTBS output, as stored by srsRAN_Project
# (tests/unittests/scheduler/support/tbs_calculator_test_data.h, "generated using MATLAB"):
# (N_symb^sh, N_DMRS^PRB, N_oh, modulation, R x 1024, layers, TB scaling field, n_PRB) -> TBS
SRSRAN_MATLAB_CASES = [
    (12, 6, 0, "QPSK", 102.4, 1, 0, 6, 160),
    (12, 6, 0, "QPSK", 102.4, 1, 2, 6, 40),
    (12, 36, 12, "QPSK", 921.6, 1, 0, 6, 1032),
    (12, 6, 0, "QPSK", 921.6, 4, 0, 11, 11016),
    (12, 6, 12, "16QAM", 921.6, 4, 0, 11, 19968),
    (12, 36, 12, "16QAM", 921.6, 1, 0, 11, 3824),
    (12, 6, 0, "64QAM", 921.6, 4, 0, 11, 32776),
    (12, 6, 12, "64QAM", 921.6, 4, 0, 11, 29704),
    (12, 36, 0, "64QAM", 102.4, 4, 0, 11, 2856),
    (12, 6, 0, "256QAM", 102.4, 4, 0, 11, 4872),
    (12, 6, 12, "256QAM", 921.6, 4, 0, 11, 39936),
    (12, 36, 0, "256QAM", 921.6, 4, 0, 11, 33816),
    (12, 36, 12, "256QAM", 921.6, 4, 2, 11, 7552),
]


@pytest.mark.parametrize("n_symb, n_dmrs, n_oh, mod, r1024, layers, scaling, n_prb, expected",
                         SRSRAN_MATLAB_CASES)
def test_tbs_matches_matlab_vectors(n_symb, n_dmrs, n_oh, mod, r1024, layers, scaling, n_prb,
                                    expected):
    s = (1, 0.5, 0.25)[scaling]
    got = tbs(mod, layers, n_prb, 12 * n_symb - n_dmrs, r1024 / 1024, x_overhead=n_oh,
              tb_scaling=s)
    assert got == expected


# ---------------------------------------------------------------------------------------------
# Properties
# ---------------------------------------------------------------------------------------------

_MODS = st.sampled_from(["pi/2-BPSK", "QPSK", "16QAM", "64QAM", "256QAM", "1024QAM"])
_RATES = st.one_of(
    st.sampled_from([r.target_code_rate for name in MCS_TABLE_NAMES for r in mcs_table(name)
                     if not r.reserved]),
    st.integers(1, 972).map(lambda x: x / 1024),
)


@settings(max_examples=300, deadline=None)
@given(mod=_MODS, v=st.integers(1, 4), n_prb=st.integers(1, 274), n_re=st.integers(19, 168),
       rate=_RATES, xoh=st.sampled_from([0, 6, 12, 18]))
def test_tbs_properties(mod, v, n_prb, n_re, rate, xoh):
    t = tbs(mod, v, n_prb, n_re, rate, x_overhead=xoh)
    assert t % 8 == 0 and t >= 24
    # monotone in the number of PRBs
    assert tbs(mod, v, n_prb + 1, n_re, rate, x_overhead=xoh) >= t
    # TBS close to N_info (quantisation error below 2^n + table spacing)
    n_info = min(156, n_re - xoh) * n_prb * Fraction(repr(rate)) * modulation_order(mod) * v
    assert t <= max(n_info * Fraction(105, 100) + 64, 24)
    if n_info > 3824:
        assert t >= n_info * Fraction(95, 100) - 64
        # §5.1.3.2 makes TBS + 24 a multiple of 8C: equal code blocks without padding
        info = dlsch_info(t, rate)
        assert info.crc == "24A"
        assert (t + 24) % info.c == 0 and (t + 24) % (8 * info.c) == 0
        assert info.pad == 0
        assert info.k_prime * info.c == t + 24 + (24 * info.c if info.c > 1 else 0)
        # and the number of code blocks is the C of the TBS formula
        k_cb = 3816 if Fraction(repr(rate)) <= Fraction(1, 4) else 8424
        assert info.c == max(1, -(-(t + 24) // k_cb))
    else:
        info = dlsch_info(t, rate)
        assert info.c == 1 and info.pad == 0


def test_tbs_bad_inputs():
    good = dict(modulation="QPSK", n_layers=1, n_prb=10, n_re_per_prb=144, target_code_rate=0.5)
    for key, value in [("modulation", "8PSK"), ("n_layers", 0), ("n_layers", 5), ("n_prb", 0),
                       ("n_prb", 276), ("n_re_per_prb", 0), ("n_re_per_prb", 169),
                       ("target_code_rate", 0.0), ("target_code_rate", 0.96),
                       ("target_code_rate", 1.5), ("target_code_rate", -0.1),
                       ("target_code_rate", float("nan"))]:
        with pytest.raises(ValueError, match=key if key != "modulation" else "modulation"):
            tbs(**{**good, key: value})
    with pytest.raises(ValueError, match="x_overhead"):
        tbs(**good, x_overhead=5)
    with pytest.raises(ValueError, match="tb_scaling"):
        tbs(**good, tb_scaling=0.3)
    with pytest.raises(ValueError, match="leaves no"):
        tbs("QPSK", 1, 10, 6, 0.5, x_overhead=6)
    with pytest.raises(TypeError):
        tbs("QPSK", 1.0, 10, 144, 0.5)
    with pytest.raises(TypeError):
        tbs("QPSK", 1, 10, 144, "0.5")
    with pytest.raises(TypeError):
        tbs("QPSK", 1, 10, 144, True)
    with pytest.raises(TypeError):
        tbs("QPSK", 1, 10, 144, 0.5, tb_scaling=True)


def test_tbs_accepts_exact_fractions():
    assert tbs("QPSK", 1, 32, 128, Fraction(651, 1024)) == 5248
    assert tbs("QPSK", 1, 6, 138, Fraction(1, 10)) == 160
