"""DL-SCH / UL-SCH parameters: TB CRC (§7.2.1), base graph (§7.2.2), segmentation (§5.2.2)."""

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from softran.nr.coding.ldpc.base_graph import lifting_sizes
from softran.nr.coding.sch_info import SCHInfo, dlsch_info, ldpc_segment_info, ulsch_info


@pytest.mark.parametrize("a, crc, big_l", [(24, "16", 16), (3824, "16", 16), (3825, "24A", 24),
                                           (1277992, "24A", 24)])
def test_tb_crc(a, crc, big_l):
    info = dlsch_info(a, 0.5)
    assert (info.crc, info.crc_length, info.b, info.a) == (crc, big_l, a + big_l, a)


@pytest.mark.parametrize("a, rate, bgn", [
    (292, 0.9, 2), (293, 0.9, 1),                    # A <= 292
    (3824, 0.67, 2), (3824, 0.6701, 1),              # A <= 3824 and R <= 0.67
    (3825, 0.67, 1), (3825, 0.5, 1),
    (100000, 0.25, 2), (100000, 0.2501, 1),          # R <= 0.25
    (24, 0.95, 2),
])
def test_base_graph_selection(a, rate, bgn):
    assert dlsch_info(a, rate).bgn == bgn
    assert ulsch_info(a, rate).bgn == bgn


@pytest.mark.parametrize("b, bgn, c, l_cb, k_prime, zc, k, f", [
    # B = K_cb: one block, no CB CRC. 8448 = 22 * 384 exactly; 3840 = 10 * 384
    (8448, 1, 1, 0, 8448, 384, 8448, 0),
    (3840, 2, 1, 0, 3840, 384, 3840, 0),
    # one bit more: C = ceil(B / (K_cb - 24)) = 2; B' = B + 48 is odd -> K' = ceil(B'/2), 1 bit pad
    (8449, 1, 2, 24, 4249, 208, 4576, 327),
    (3841, 2, 2, 24, 1945, 208, 2080, 135),
    # MATLAB nrCodeBlockSegmentLDPC / nrCodeBlockDesegmentLDPC examples: 4000 bits -> 4224 x 1
    # (BG1) and 2080 x 2 (BG2); 10000 bits, BG1 -> 5280 x 2
    (4000, 1, 1, 0, 4000, 192, 4224, 224),
    (4000, 2, 2, 24, 2024, 208, 2080, 56),
    (10000, 1, 2, 24, 5024, 240, 5280, 256),
])
def test_segmentation_boundaries(b, bgn, c, l_cb, k_prime, zc, k, f):
    s = ldpc_segment_info(b, bgn)
    assert (s.c, s.l_cb, s.k_prime, s.zc, s.k, s.f) == (c, l_cb, k_prime, zc, k, f)
    assert s.n == (66 if bgn == 1 else 50) * zc
    assert s.pad == c * k_prime - (b + c * l_cb)


@pytest.mark.parametrize("b, k_b, zc", [
    # BG2: K_b = 10 if B > 640, 9 if B > 560, 8 if B > 192, else 6 (K' = B for C = 1)
    (641, 10, 72), (640, 9, 72), (561, 9, 64), (560, 8, 72), (193, 8, 26), (192, 6, 32),
    (40, 6, 7),
])
def test_bg2_kb_thresholds(b, k_b, zc):
    s = ldpc_segment_info(b, 2)
    assert (s.k_b, s.zc, s.k) == (k_b, zc, 10 * zc)
    assert k_b * zc >= b


def test_dlsch_info_of_max_tbs():
    # 1277992 + 24 = 1278016; C = ceil(1278016 / 8424) = 152; B' = 1278016 + 152 * 24
    info = dlsch_info(1277992, 948 / 1024)
    assert (info.bgn, info.c, info.l_cb) == (1, 152, 24)
    assert info.k_prime == (1278016 + 152 * 24) // 152 == 8432
    assert (info.zc, info.k, info.f, info.n, info.pad) == (384, 8448, 16, 25344, 0)
    assert isinstance(info, SCHInfo)


@settings(max_examples=300, deadline=None)
@given(b=st.integers(1, 400000), bgn=st.sampled_from([1, 2]))
def test_segmentation_rules(b, bgn):
    s = ldpc_segment_info(b, bgn)
    k_cb = 8448 if bgn == 1 else 3840
    if b <= k_cb:
        assert (s.c, s.l_cb) == (1, 0)
    else:
        assert s.l_cb == 24
        assert (s.c - 1) * (k_cb - 24) < b <= s.c * (k_cb - 24)     # C = ceil(B / (K_cb - L))
    b_prime = b + s.c * s.l_cb
    assert s.k_prime == -(-b_prime // s.c) and 0 <= s.pad < s.c
    assert s.k_prime <= k_cb
    zs = lifting_sizes()
    assert s.zc in zs and s.k_b * s.zc >= s.k_prime
    smaller = [z for z in zs if z < s.zc]
    assert not smaller or s.k_b * smaller[-1] < s.k_prime                # minimal Zc
    assert s.k == (22 if bgn == 1 else 10) * s.zc and s.f == s.k - s.k_prime >= 0
    if b >= 40:                      # the smallest B of a TB: 24 + 16 CRC bits
        assert s.k_prime > 2 * s.zc  # fillers never fall into the punctured 2Zc columns


def test_bad_inputs():
    with pytest.raises(ValueError, match="tbs"):
        dlsch_info(0, 0.5)
    with pytest.raises(ValueError, match="target_code_rate"):
        dlsch_info(100, 0)
    with pytest.raises(ValueError, match="target_code_rate"):
        dlsch_info(100, 0.96)
    with pytest.raises(ValueError, match="target_code_rate"):
        ulsch_info(100, 1.0)
    with pytest.raises(TypeError):
        dlsch_info(100.0, 0.5)
    with pytest.raises(ValueError, match="bgn"):
        ldpc_segment_info(100, 3)
    with pytest.raises(ValueError, match="b "):
        ldpc_segment_info(0, 1)
