"""Modulation mapping and LLR demapping against py3gpp and Sionna PHY (TS 38.211 §5.1).

Sionna's LLRs are ln P(b=1)/P(b=0), the negative of softran's ln P(b=0)/P(b=1)."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from oracles import oracle, sionna_phy
from softran.nr import symbol_demodulate, symbol_modulate

pytestmark = pytest.mark.oracle
py3gpp = oracle("py3gpp")
sionna_phy()
from sionna.phy.mapping import Demapper, Mapper  # noqa: E402

QM = {"pi/2-BPSK": 1, "BPSK": 1, "QPSK": 2, "16QAM": 4, "64QAM": 6, "256QAM": 8,
      "1024QAM": 10}


def all_labels(qm: int) -> np.ndarray:
    """Every Q_m-bit label, b(0) first, in counting order, twice (so pi/2-BPSK sees both
    symbol parities)."""
    n = np.arange(2 ** qm)
    bits = (n[:, None] >> np.arange(qm - 1, -1, -1)) & 1
    return np.concatenate([bits, bits]).reshape(-1)


@pytest.mark.parametrize("modulation", ["pi/2-BPSK", "BPSK", "QPSK", "16QAM", "64QAM",
                                        "256QAM"])
def test_symbol_modulate_py3gpp(modulation):
    bits = all_labels(QM[modulation])
    got = symbol_modulate(torch.tensor(bits, dtype=torch.uint8), modulation).numpy()
    np.testing.assert_allclose(got, py3gpp.nrSymbolModulate(bits, modulation), atol=1e-6)


@pytest.mark.parametrize("modulation", ["QPSK", "16QAM", "64QAM", "256QAM", "1024QAM"])
def test_symbol_modulate_sionna(modulation):
    # Sionna's QAM is the recursive Gray labelling of TS 38.211 §5.1 for any even Q_m
    qm = QM[modulation]
    bits = torch.tensor(all_labels(qm), dtype=torch.uint8)
    want = Mapper("qam", qm, precision="double")(bits.double())
    got = symbol_modulate(bits, modulation)
    torch.testing.assert_close(got.to(torch.complex128), want, rtol=0, atol=1e-6)


@pytest.mark.parametrize("modulation", ["QPSK", "16QAM", "64QAM", "256QAM", "1024QAM"])
@pytest.mark.parametrize("method", ["exact", "maxlog"])
def test_llrs_sionna(modulation, method):
    qm = QM[modulation]
    gen = torch.Generator().manual_seed(qm)
    bits = torch.randint(0, 2, (4, 300 * qm), dtype=torch.uint8, generator=gen)
    n0 = torch.tensor([[0.01], [0.1], [0.5], [2.0]], dtype=torch.float64)
    x = symbol_modulate(bits, modulation).to(torch.complex128)
    y = x + n0.sqrt() * torch.randn(x.shape, dtype=torch.complex128, generator=gen)
    demapper = Demapper("app" if method == "exact" else "maxlog", "qam", qm,
                        precision="double")
    want = -demapper(y, n0)
    got = symbol_demodulate(y, modulation, n0, method=method)
    torch.testing.assert_close(got.double(), want, rtol=1e-5, atol=1e-4 * want.abs().max())


@pytest.mark.parametrize("modulation", ["BPSK", "QPSK", "16QAM"])
def test_hard_decisions_py3gpp(modulation):
    # py3gpp's soft output is a scaled linear approximation (not the LLR of any method);
    # only its hard decisions are comparable
    rng = np.random.default_rng(QM[modulation])
    bits = rng.integers(0, 2, 240 * QM[modulation])
    y = py3gpp.nrSymbolModulate(bits, modulation)
    y = y + 0.05 * (rng.standard_normal(y.shape) + 1j * rng.standard_normal(y.shape))
    want = py3gpp.nrSymbolDemodulate(y, modulation, DecisionType="hard")
    got = symbol_demodulate(torch.tensor(y, dtype=torch.complex64), modulation)
    np.testing.assert_array_equal(got.numpy(), want)
