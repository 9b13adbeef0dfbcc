"""Polar coding and rate matching against Sionna PHY and py3gpp (TS 38.212 §5.3.1, §5.4.1,
§6.3.1.2-6.3.1.4 UCI, §7.3.2-7.3.4 DCI).

Sionna's ``Polar5GEncoder`` is CRC + polar code + rate matching: uplink (UCI: CRC6/CRC11,
n_max = 10, no input interleaver, coded-bit interleaver) and downlink (DCI without the 24 leading
ones and the RNTI mask: CRC24C, n_max = 9, input interleaver, no coded-bit interleaver). It
leaves out the 3 parity-check bits of §6.3.1.3.1 for 12 <= A <= 19 (its documentation says
so); softran is compared there with ``n_pc=0``. py3gpp's ``nrPolarEncode`` always uses
N = 2^n_max and ``nrRateMatchPolar`` only repeats, so py3gpp is compared where the clause gives
N = 512 and E >= N.
"""

from __future__ import annotations

import numpy as np
import pytest
import torch

from oracles import oracle, sionna_phy
from softran.nr import crc_encode
from softran.nr.coding.polar import polar_encode, rate_match_polar

pytestmark = pytest.mark.oracle
py3gpp = oracle("py3gpp")
sionna_phy()
from sionna.phy.fec.polar import Polar5GEncoder  # noqa: E402


def _bits(shape, seed):
    return torch.randint(0, 2, shape, dtype=torch.uint8,
                         generator=torch.Generator().manual_seed(seed))


# (A, E): repetition, puncturing (K/E <= 7/16), shortening, N = 32 .. 1024
UPLINK = [(12, 40), (19, 100), (20, 36), (20, 200), (25, 60), (40, 64), (64, 140), (100, 180),
          (120, 400), (200, 500), (300, 1000), (360, 1088), (500, 900), (40, 1088)]
DOWNLINK = [(12, 40), (20, 60), (39, 108), (40, 108), (60, 216), (100, 432), (140, 576),
            (1, 25), (30, 200), (64, 300)]


@pytest.mark.parametrize("a,e", UPLINK)
def test_uci_polar_chain_sionna(a, e):
    u = _bits((3, a), a * e)
    with pytest.MonkeyPatch.context() as mp:              # its note on the 3 PC bits
        mp.setattr("builtins.print", lambda *args, **kw: None)
        want = Polar5GEncoder(a, e, channel_type="uplink")(u.float()).to(torch.uint8)
    c = crc_encode(u, "6" if a <= 19 else "11")
    d = polar_encode(c, e, n_max=10, i_il=False, n_pc=0, n_pc_wm=0)
    got = rate_match_polar(d, c.shape[-1], e, i_bil=True)
    assert torch.equal(got, want)


@pytest.mark.parametrize("a,e", DOWNLINK)
def test_dci_polar_chain_sionna(a, e):
    u = _bits((3, a), a * e + 1)
    want = Polar5GEncoder(a, e, channel_type="downlink")(u.float()).to(torch.uint8)
    c = crc_encode(u, "24C")
    d = polar_encode(c, e, n_max=9, i_il=True, n_pc=0, n_pc_wm=0)
    got = rate_match_polar(d, c.shape[-1], e, i_bil=False)
    assert torch.equal(got, want)


@pytest.mark.parametrize("k,e", [(56, 864), (64, 700), (100, 600), (164, 1000)])
@pytest.mark.parametrize("i_il", [True, False])
def test_polar_encode_and_repetition_py3gpp(k, e, i_il):
    c = np.random.default_rng(k + e).integers(0, 2, k)
    d = py3gpp.nrPolarEncode(c, e, nmax=9, iil=i_il)
    got = polar_encode(torch.tensor(c, dtype=torch.uint8), e, n_max=9, i_il=i_il, n_pc=0,
                       n_pc_wm=0)
    np.testing.assert_array_equal(got.numpy(), d)
    np.testing.assert_array_equal(rate_match_polar(got, k, e).numpy(),
                                  py3gpp.nrRateMatchPolar(d, k, e))
