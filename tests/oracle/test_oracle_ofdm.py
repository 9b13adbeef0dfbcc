"""OFDM modulation against py3gpp ``nrOFDMModulate`` (TS 38.211 §5.3.1, §5.4).

py3gpp scales the IFFT by 1/N_FFT, softran by N_FFT^-1/2 (unit power per subcarrier).

Two disagreements, both py3gpp's errors:

* it takes μ = Δf / 15 kHz - 1 instead of log2(Δf / 15 kHz) (§4.2: Δf = 2^μ 15 kHz), so from
  60 kHz on its cyclic prefixes are wrong (60 kHz, N_FFT 256: 17 / 9 samples instead of
  26 / 18);
* it reads ``initialNSlot`` as a symbol offset, so for a slot other than 0 it puts the long
  cyclic prefix on the wrong symbol (§5.3.1: N_CP,l is long for l = 0 and l = 7·2^μ, l
  counting the symbols of the subframe).

For those cases the test compares the useful parts of the symbols with py3gpp and the cyclic
prefix lengths with the clause.
"""

from __future__ import annotations

import math

import numpy as np
import pytest
import torch

from oracles import oracle
from softran.nr import CarrierConfig, ofdm_info, ofdm_modulate

pytestmark = pytest.mark.oracle
py3gpp = oracle("py3gpp")


def _grid(n_rb: int, n_sym: int, seed: int) -> np.ndarray:
    rng = np.random.default_rng(seed)
    return rng.standard_normal((12 * n_rb, n_sym)) + 1j * rng.standard_normal((12 * n_rb, n_sym))


@pytest.mark.parametrize("scs,n_rb,n_sym,f0", [
    (15, 52, 14, 0.0), (15, 25, 28, 0.0), (15, 52, 28, 2.0e9), (15, 106, 14, 0.0),
    (30, 24, 28, 0.0), (30, 51, 14, 3.5e9), (30, 273, 14, 0.0)])
def test_ofdm_modulate(scs, n_rb, n_sym, f0):
    g = _grid(n_rb, n_sym, scs + n_rb)
    carrier = CarrierConfig(subcarrier_spacing=scs, n_size_grid=n_rb)
    want, info = py3gpp.nrOFDMModulate(py3gpp.nrCarrierConfig(NSizeGrid=n_rb,
                                                              SubcarrierSpacing=scs),
                                       g.copy(), CarrierFrequency=f0)
    got = ofdm_modulate(torch.tensor(g.T[None]), carrier, carrier_frequency=f0)[0].numpy()
    nfft = ofdm_info(carrier).nfft
    assert nfft == info["Nfft"]
    # float64 phases of f0 t at GHz: a few 1e-9 of rounding
    np.testing.assert_allclose(got, want * math.sqrt(nfft), rtol=0, atol=1e-7)


def _clause_cp(mu: int, nfft: int, symbols_in_subframe: range) -> list[int]:
    """N_CP,l in samples at N_FFT (§5.3.1, normal CP): 144 κ 2^-μ, plus 16 κ for l = 0 and
    l = 7·2^μ, in units of the sample period 2048 κ 2^-μ / N_FFT."""
    return [(144 + 16 * 2 ** mu * (l % (7 * 2 ** mu) == 0)) * nfft // 2048
            for l in symbols_in_subframe]


@pytest.mark.parametrize("scs,n_rb,n_slot", [(60, 11, 0), (60, 11, 1), (60, 24, 2),
                                              (120, 11, 3), (30, 24, 1)])
def test_ofdm_modulate_where_py3gpp_is_wrong(scs, n_rb, n_slot):
    mu = int(math.log2(scs // 15))
    g = _grid(n_rb, 14, scs + n_slot)
    carrier = CarrierConfig(subcarrier_spacing=scs, n_size_grid=n_rb, n_slot=n_slot)
    nfft = ofdm_info(carrier).nfft
    got = ofdm_modulate(torch.tensor(g.T[None]), carrier)[0].numpy()
    slot_in_subframe = n_slot % 2 ** mu
    cp = _clause_cp(mu, nfft, range(14 * slot_in_subframe, 14 * slot_in_subframe + 14))
    assert list(ofdm_info(carrier).slot_cyclic_prefix_lengths(n_slot)) == cp
    assert got.shape == (sum(cp) + 14 * nfft,)
    want, info = py3gpp.nrOFDMModulate(py3gpp.nrCarrierConfig(NSizeGrid=n_rb,
                                                              SubcarrierSpacing=scs),
                                       g.copy())
    assert info["Nfft"] == nfft
    start_got = np.cumsum([0] + [c + nfft for c in cp])[:-1] + np.array(cp)
    start_want = np.cumsum([0, *info["SymbolLengths"][:-1]]) + info["CyclicPrefixLengths"]
    for l in range(14):
        useful_got = got[start_got[l]:start_got[l] + nfft]
        useful_want = want[start_want[l]:start_want[l] + nfft] * math.sqrt(nfft)
        np.testing.assert_allclose(useful_got, useful_want, rtol=0, atol=1e-9)
        # and the cyclic prefix is the end of the useful part
        np.testing.assert_allclose(got[start_got[l] - cp[l]:start_got[l]],
                                   useful_got[nfft - cp[l]:], rtol=0, atol=1e-12)
