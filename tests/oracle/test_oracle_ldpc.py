"""LDPC coding against Sionna PHY and py3gpp: every lifting size of both base graphs, rate
matching for every redundancy version, segmentation, and the whole UL-SCH chain
(TS 38.212 §5.2.2, §5.3.2, §5.4.2, §5.5, §6.2; TS 38.211 §6.3.1.1).

Sionna's tables (``5G_bg1.csv``, ``5G_bg2.csv``) were typed independently of softran's. For
each (base graph, Z_c) the full softran codeword is checked against Sionna's lifted parity-check
matrix H (H c = 0, which fixes the parity bits uniquely, so every shift value
V(i, j) mod Z_c of the set i_LS is checked; the largest Z_c of each set makes it V itself),
and the rate-matched bits of redundancy versions 0..3 are compared bit for bit with Sionna's
encoder (Q_m 1..8 in turn, filler bits where the size allows).

Disagreement: py3gpp's ``nrLDPCEncode`` picks the set index i_LS from K_b(K) with K = 10 Z_c
for base graph 2, so for Z_c <= 64 it takes another set's shifts (it raises on the sizes).
§5.3.2 sets i_LS as the set that contains Z_c; softran follows the clause, and Sionna agrees.
py3gpp is compared where its choice coincides with the clause (base graph 1, base graph 2
with Z_c >= 72).

Disagreement: Sionna's ``TBEncoder`` applies the base-graph rule of §7.2.2 / §6.2.2 ("A <= 3824
and R <= 0.67") to the code block size with the CRC (A + 16) instead of the payload size A
("where A is the payload size in Subclause 7.2.1"): for A = 3824, R = 0.42 it takes base graph
1. softran (and py3gpp's ``nrDLSCHInfo``) take base graph 2 (``test_base_graph_at_a_3824``).
"""

from __future__ import annotations

import numpy as np
import pytest
import torch

from oracles import oracle, sionna_phy
from softran.nr import ULSCHEncoder, pusch_scramble
from softran.nr.coding import dlsch_info
from softran.nr.coding.ldpc import (
    code_block_segment_ldpc,
    ldpc_encode,
    lifting_sizes,
    rate_match_ldpc,
)

pytestmark = pytest.mark.oracle
py3gpp = oracle("py3gpp")
sionna_phy()
from sionna.phy.fec.ldpc import LDPC5GEncoder  # noqa: E402
from sionna.phy.nr import TBEncoder  # noqa: E402

MODULATION = {1: "pi/2-BPSK", 2: "QPSK", 4: "16QAM", 6: "64QAM", 8: "256QAM"}


def _kb(b: int) -> int:
    """K_b of base graph 2 for B (§5.2.2)."""
    return 10 if b > 640 else 9 if b > 560 else 8 if b > 192 else 6


def _case(bgn: int, i: int, z: int) -> tuple[int, int, int]:
    """(K' information bits, E output bits, Q_m) for which Sionna selects Z_c = z: base graph
    1 with a third of Z_c as filler bits; base graph 2 with K' = K_b Z_c; E the whole circular
    buffer where the rate limit of Sionna's encoder allows (R >= 1/3, 1/5)."""
    if bgn == 1:
        k = 22 * z - z // 3
    else:
        k = next(kb * z for kb in (6, 8, 9, 10) if _kb(kb * z) == kb)
    big_k, big_n = (22 if bgn == 1 else 10) * z, (66 if bgn == 1 else 50) * z
    qm = (1, 2, 4, 6, 8)[i % 5]
    r_min = 1 / 3 if bgn == 1 else 1 / 5
    e = min(big_n - 2 * z - (big_k - k), int(k / r_min))
    e -= e % qm
    while k / e < r_min:
        e -= qm
    return k, e, qm


@pytest.mark.parametrize("bgn", [1, 2])
@pytest.mark.parametrize("z", lifting_sizes())
def test_ldpc_encode_and_rate_match_every_lifting_size(bgn, z):
    i = lifting_sizes().index(z)
    k, e, qm = _case(bgn, i, z)
    if k < 12:
        pytest.skip("Sionna's encoder needs K' >= 12 (BG1, Z_c = 2 has K = 44: never here)")
    enc = LDPC5GEncoder(k, e, num_bits_per_symbol=qm, bg=f"bg{bgn}")
    assert enc.z == z
    gen = torch.Generator().manual_seed(1000 * bgn + z)
    u = torch.randint(0, 2, (2, k), generator=gen)
    big_k = (22 if bgn == 1 else 10) * z
    cbs = torch.full((2, big_k), -1, dtype=torch.int8)
    cbs[:, :k] = u
    d = ldpc_encode(cbs, bgn)
    # H [c_0 .. c_{2Zc-1}, d] = 0 (filler bits are 0 in the code)
    c = torch.cat([cbs[:, :2 * z], d], -1).clamp(min=0).numpy().astype(np.int64)
    assert not ((enc.pcm @ c.T) % 2).any()
    want = enc(u.float(), rv=[0, 1, 2, 3]).to(torch.uint8)
    for rv in range(4):
        got = rate_match_ldpc(d[:, None], e, rv, MODULATION[qm])
        assert torch.equal(got, want[:, rv]), f"rv {rv}"


@pytest.mark.parametrize("bgn,z", [(1, z) for z in (2, 15, 208, 224, 240, 256, 288, 320, 352,
                                                    384)]
                         + [(2, z) for z in (72, 104, 144, 240, 256, 288, 384)])
def test_ldpc_encode_py3gpp(bgn, z):
    rng = np.random.default_rng(z)
    big_k = (22 if bgn == 1 else 10) * z
    u = rng.integers(0, 2, (big_k, 2))
    u[big_k - z // 2:] = -1                                  # filler bits
    want = py3gpp.nrLDPCEncode(u.astype(np.int64), bgn)
    got = ldpc_encode(torch.tensor(u.T, dtype=torch.int8), bgn).numpy().T
    np.testing.assert_array_equal(got, want)


@pytest.mark.parametrize("b", [24, 100, 193, 292, 561, 641, 1000, 3840, 3841, 3900, 8448, 8449,
                               20000, 100000])
@pytest.mark.parametrize("bgn", [1, 2])
def test_code_block_segmentation_py3gpp(b, bgn):
    blk = np.random.default_rng(b + bgn).integers(0, 2, b)
    want = py3gpp.nrCodeBlockSegmentLDPC(blk.copy(), bgn)
    got = code_block_segment_ldpc(torch.tensor(blk, dtype=torch.uint8), bgn).numpy().T
    np.testing.assert_array_equal(got, want)


def test_dlsch_info_py3gpp():
    for a in (24, 100, 292, 293, 1000, 3824, 3825, 8424, 8425, 20000, 100000, 1277992):
        for r in (0.1, 0.25, 0.3, 0.5, 0.67, 0.7, 0.9):
            want, got = py3gpp.nrDLSCHInfo(a, r), dlsch_info(a, r)
            assert (got.crc, got.bgn, got.c, got.l_cb, got.f, got.zc, got.k, got.n) == (
                want["CRC"], want["BGN"], want["C"], want["Lcb"], want["F"], want["Zc"],
                want["K"], want["N"]), (a, r)


@pytest.mark.parametrize("a,g,r,qm,n_layers", [
    (1032, 2400, 0.4, 2, 1),          # BG2, one code block
    (8456, 17280, 0.5, 4, 1),         # BG1, two code blocks
    (19968, 28800, 0.7, 6, 2),        # BG1, three code blocks, two layers
    (3752, 9000, 0.42, 6, 1),         # BG2, K_b = 10, Z_c = 384 (filler bits)
    (40976, 54000, 0.75, 8, 1),       # BG1, five code blocks, 256QAM
])
def test_ulsch_chain_and_scrambling_sionna(a, g, r, qm, n_layers):
    """CRC24A/16, segmentation with CRC24B, LDPC, rate matching (rv 0), bit interleaving and
    concatenation, then the PUSCH scrambling of §6.3.1.1 (n_RNTI 2^15 + n_ID)."""
    gen = torch.Generator().manual_seed(a)
    tb = torch.randint(0, 2, (2, a), generator=gen)
    plain = TBEncoder(a, g, r, qm, num_layers=n_layers, use_scrambler=False, verbose=False)
    assert plain.tb_size == a
    got = ULSCHEncoder(r)(tb.to(torch.uint8), MODULATION[qm], n_layers, g, rv=0)
    assert torch.equal(got, plain(tb.float()).to(torch.uint8))
    scrambled = TBEncoder(a, g, r, qm, num_layers=n_layers, n_rnti=4660, n_id=77,
                          channel_type="PUSCH", verbose=False)
    assert torch.equal(pusch_scramble(got, 77, 4660),
                       scrambled(tb.float()).to(torch.uint8))


def test_base_graph_at_a_3824():
    # §6.2.2: A = 3824 <= 3824 and R = 0.42 <= 0.67 -> base graph 2, CRC16, B = 3840 =
    # K_cb of base graph 2: one code block, K_b = 10, Z_c = 384, no filler bits
    from softran.nr.coding import ulsch_info

    info = ulsch_info(3824, 0.42)
    assert (info.bgn, info.crc, info.c, info.zc, info.f) == (2, "16", 1, 384, 0)
    assert py3gpp.nrDLSCHInfo(3824, 0.42)["BGN"] == 2
