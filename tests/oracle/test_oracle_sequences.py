"""CRC, Gold sequence, PSS/SSS, PBCH and its DM-RS, BCH and the SS/PBCH block indices
against py3gpp (TS 38.212 §5.1, §7.1; TS 38.211 §5.2.1, §7.3.3, §7.4.1.4, §7.4.2, §7.4.3)."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from oracles import oracle
from softran.nr import crc_encode, prbs, pss, sss
from softran.nr.coding import bch_encode
from softran.nr.ssb import MIB, pbch, pbch_dmrs
from softran.nr.ssb.block import ssb_indices

pytestmark = pytest.mark.oracle
py3gpp = oracle("py3gpp")

# a spread of physical cell IDs: both ends, every N_ID^(2) and many N_ID^(1)
CELL_IDS = sorted({0, 1, 2, 3, 4, 5, 500, 501, 502, 1005, 1006, 1007, *range(7, 1007, 61)})


@pytest.mark.parametrize("poly", ["6", "11", "16", "24A", "24B", "24C"])
def test_crc_encode(poly):
    rng = np.random.default_rng(int.from_bytes(poly.encode(), "little"))
    length = int(poly[:2])
    for k in (1, 2, 11, 24, 57, 164, 1000):
        a = rng.integers(0, 2, k)
        for mask in (0, int(rng.integers(1, 2 ** length))):
            want = py3gpp.nrCRCEncode(a.copy(), poly, mask)[:, 0]
            got = crc_encode(torch.tensor(a, dtype=torch.uint8), poly, mask)
            np.testing.assert_array_equal(got.numpy(), want, err_msg=f"K={k} mask={mask}")


@pytest.mark.parametrize("c_init", [0, 1, 2, 3, 0x1234567, 2 ** 30, 2 ** 31 - 1, 987654321])
def test_prbs(c_init):
    np.testing.assert_array_equal(prbs(c_init, 4000).numpy(), py3gpp.nrPRBS(c_init, 4000))


def test_pss_sss_every_cell_id():
    for n in range(1008):
        np.testing.assert_allclose(pss(n).numpy(), py3gpp.nrPSS(n), atol=1e-6, err_msg=str(n))
        np.testing.assert_allclose(sss(n).numpy(), py3gpp.nrSSS(n), atol=1e-6, err_msg=str(n))


@pytest.mark.parametrize("n_cell_id", CELL_IDS)
def test_pbch_dmrs(n_cell_id):
    for i_ssb_bar in range(8):
        np.testing.assert_allclose(pbch_dmrs(n_cell_id, i_ssb_bar).numpy(),
                                   py3gpp.nrPBCHDMRS(n_cell_id, i_ssb_bar), atol=1e-6)


@pytest.mark.parametrize("n_cell_id", [0, 17, 502, 1007])
def test_pbch_scrambling_and_modulation(n_cell_id):
    rng = np.random.default_rng(n_cell_id)
    for v in range(8):
        bits = rng.integers(0, 2, 864)
        got = pbch(torch.tensor(bits, dtype=torch.uint8), n_cell_id, v).numpy()
        np.testing.assert_allclose(got, py3gpp.nrPBCH(n_cell_id, v, bits), atol=1e-6)


@pytest.mark.parametrize("n_cell_id", [0, 3, 321, 1007])
def test_ssb_indices(n_cell_id):
    # py3gpp's nrPBCHIndices takes N_ID^cell (it gives the DM-RS shift v = N_ID^cell mod 4)
    idx = ssb_indices(n_cell_id)
    np.testing.assert_array_equal(idx.pss.numpy(), py3gpp.nrPSSIndices())
    np.testing.assert_array_equal(idx.sss.numpy(), py3gpp.nrSSSIndices())
    np.testing.assert_array_equal(idx.pbch.numpy(), py3gpp.nrPBCHIndices(n_cell_id))
    np.testing.assert_array_equal(idx.pbch_dmrs.numpy(), py3gpp.nrPBCHDMRSIndices(n_cell_id))


@pytest.mark.parametrize("l_max", [4, 8, 64])
def test_bch_encode(l_max):
    """py3gpp's ``nrBCH`` leaves the payload bits ā_{A+5..A+7} at 0 (its ``idxoffset`` is not
    used): the cases keep k_SSB < 16 (L_max = 4, 8) and i_SSB < 8 (L_max = 64), where the clause
    (§7.1.1) makes those bits 0 too."""
    rng = np.random.default_rng(l_max)
    for n_cell_id, sfn, hrf in [(0, 0, 0), (321, 10, 1), (1007, 1023, 0), (17, 517, 1),
                               (500, 2, 0), (77, 255, 1)]:
        k_ssb = int(rng.integers(0, 16))
        ssb_index = int(rng.integers(0, min(l_max, 8)))
        mib = MIB(system_frame_number=sfn, ssb_subcarrier_offset=k_ssb,
                  pdcch_config_sib1=int(rng.integers(0, 256)),
                  dmrs_type_a_position=int(rng.integers(2, 4)),
                  cell_barred=bool(rng.integers(0, 2))).pack()
        want = py3gpp.nrBCH(mib.numpy().astype(int), sfn, hrf, l_max, 0, n_cell_id)
        got = bch_encode(mib, sfn, hrf, ssb_index, k_ssb, l_max, n_cell_id)
        np.testing.assert_array_equal(got.numpy(), want, err_msg=f"{n_cell_id} {sfn} {hrf}")
