"""The kept MKL inverse DFT plan (softran.nr.kept_idft) against torch.fft.ifft(norm="ortho"),
the reference of the OFDM modulator (TS 38.211 §5.3.1), bit for bit; and the PDSCH slot
path with and without it."""

from __future__ import annotations

import importlib

import numpy as np
import pytest
import torch

from softran.nr.config import CarrierConfig
from softran.nr.kept_idft import KeptInverseDFT, kept_inverse_dft
from softran.nr.ofdm import ofdm_modulate
from softran.nr.pdsch import PDSCHConfig, PDSCHDMRSConfig, PDSCHTransmitter

needs_mkl = pytest.mark.skipif(kept_inverse_dft(64, 1) is None,
                               reason="no MKL DFTI in this torch build")


@needs_mkl
@pytest.mark.parametrize("n, rows", [(1024, 24), (2048, 1), (4096, 3), (128, 7), (12, 5)])
def test_kept_plan_equals_torch_ifft_bit_for_bit(n, rows) -> None:
    """Several inputs through one bound plan (kept from call to call) each give
    torch.fft.ifft's output exactly, including an input with zero rows and large values."""
    plan = kept_inverse_dft(n, rows)
    assert plan is not None
    gen = torch.Generator().manual_seed(n + rows)
    x = np.empty((rows, n), dtype=np.complex64)
    out = np.empty((rows, n), dtype=np.complex64)
    run = plan.bind(x, out)
    for scale in (1.0, 1e3, 0.0):
        x[:] = (torch.randn(rows, n, dtype=torch.complex64, generator=gen) * scale).numpy()
        x[rows // 2] = 0
        run()
        assert torch.equal(torch.from_numpy(out),
                           torch.fft.ifft(torch.from_numpy(x), dim=-1, norm="ortho"))


@needs_mkl
def test_bind_refuses_wrong_buffers() -> None:
    plan = KeptInverseDFT(16, 2)
    good = np.zeros((2, 16), dtype=np.complex64)
    for bad, match in ((np.zeros((2, 16), dtype=np.complex128), "complex64"),
                       (np.zeros((3, 16), dtype=np.complex64), r"\(2, 16\)"),
                       (np.zeros((2, 32), dtype=np.complex64)[:, ::2], "C-contiguous")):
        with pytest.raises(ValueError, match="x must"):
            plan.bind(bad, good)
        with pytest.raises(ValueError, match="out must"):
            plan.bind(good, bad)
    with pytest.raises(ValueError, match="overlap"):
        plan.bind(good, good)
    with pytest.raises(ValueError, match="n"):
        KeptInverseDFT(0, 2)


def test_pdsch_slot_path_without_the_kept_plan(monkeypatch) -> None:
    """Where no kept plan is made (a torch without MKL), the PDSCH slot path transforms with
    torch.fft.ifft: the same waveform as the level-1 chain's ofdm_modulate of the grid, as
    with the plan."""
    c = CarrierConfig(n_size_grid=24, subcarrier_spacing=30)
    p = PDSCHConfig(prb_set=range(24), n_layers=2, mcs_index=20, mcs_table="qam256",
                    dmrs=PDSCHDMRSConfig(additional_position=1, num_cdm_groups_without_data=2))
    gen = torch.Generator().manual_seed(24)
    tb = torch.randint(0, 2, (1, p.tb_sizes[0]), dtype=torch.uint8, generator=gen)
    with_plan = PDSCHTransmitter(c, p)(tb)
    asked = []

    def no_plan(n: int, rows: int) -> None:
        asked.append((n, rows))

    monkeypatch.setattr(importlib.import_module("softran.nr.pdsch.transmitter"),
                        "kept_inverse_dft", no_plan)
    tx = PDSCHTransmitter(c, p)
    without = tx(tb)
    assert asked == [(tx.nfft, 24)]          # 2 layers x 12 data symbols, batch 1
    assert torch.equal(without, with_plan)
    assert torch.equal(without, ofdm_modulate(tx.last_layer_grid, c, nfft=tx.nfft))
