"""The Numba max-log demapper (with the descrambling sign flip and layer demapping fused in)
agrees with the torch reference of symbol_demodulate / pusch_decode, for every modulation."""

from __future__ import annotations

import pytest
import torch
from hypothesis import given, settings
from hypothesis import strategies as st
from kernel_paths import kernel_then_reference

from softran.nr import (
    MODULATIONS,
    CarrierConfig,
    PUSCHConfig,
    PUSCHReceiver,
    modulation,
    pusch,
    pusch_decode,
    symbol_demodulate,
    symbol_modulate,
)
from softran.nr.scrambling import pusch_descramble, pusch_scrambling_sequence
from softran.nr.sequences import prbs


def _both(fn):  # kernel path on, then the torch reference
    return kernel_then_reference(modulation, fn)


def _close(a: torch.Tensor, b: torch.Tensor) -> None:
    # the kernel multiplies by 1 / N0 where the reference divides: within 2 ulp
    assert a.dtype == b.dtype == torch.float32 and a.shape == b.shape
    assert torch.allclose(a, b, rtol=3e-7, atol=0), float((a - b).abs().max())


def _noisy(shape: tuple[int, ...], mod: str, gen: torch.Generator) -> torch.Tensor:
    qm = modulation.bits_per_symbol(mod)
    bits = torch.randint(0, 2, (*shape[:-1], shape[-1] * qm), dtype=torch.uint8, generator=gen)
    noise = torch.randn(shape, dtype=torch.complex64, generator=gen)
    return symbol_modulate(bits, mod) + 0.3 * noise


@pytest.mark.parametrize("mod", MODULATIONS)
def test_kernel_equals_torch_every_modulation(mod: str) -> None:
    gen = torch.Generator().manual_seed(len(mod))
    y = _noisy((3, 257), mod, gen)
    nv = 0.05 + torch.rand(3, 257, generator=gen)
    qm = modulation.bits_per_symbol(mod)
    seq = prbs(1234, 257 * qm)
    for noise in (nv, 0.37, nv[0], torch.tensor(0.2)):
        a, plain = _both(lambda n=noise: symbol_demodulate(y, mod, n))
        _close(a, plain)
        a, b = _both(lambda n=noise: symbol_demodulate(y, mod, n, sequence=seq))
        _close(a, b)
        # the sign flip is descrambling: the reference demapper, then the descrambler
        assert torch.equal(b, torch.where(seq.bool(), -plain, plain))


@settings(max_examples=40, deadline=None)
@given(st.sampled_from(MODULATIONS), st.integers(1, 40), st.integers(0, 2 ** 31 - 1),
       st.floats(1e-3, 1e3))
def test_kernel_equals_torch_property(mod: str, m: int, seed: int, scale: float) -> None:
    gen = torch.Generator().manual_seed(seed)
    y = _noisy((2, m), mod, gen) * scale
    nv = scale * (0.01 + torch.rand(2, m, generator=gen))
    a, b = _both(lambda: symbol_demodulate(y, mod, nv))
    _close(a, b)


def test_kernel_refuses_what_the_reference_refuses() -> None:
    y = torch.tensor([1 + 1j, float("nan")], dtype=torch.complex64)
    with pytest.raises(ValueError, match="symbols contains NaN"):
        symbol_demodulate(y, "16QAM", 0.5)
    y = torch.tensor([1 + 1j, 0.5], dtype=torch.complex64)
    for bad in (torch.tensor([1.0, 0.0]), torch.tensor([float("inf"), 1.0]), -1.0):
        with pytest.raises(ValueError, match="noise_var"):
            symbol_demodulate(y, "QPSK", bad)
    with pytest.raises(ValueError, match="sequence must have shape"):
        symbol_demodulate(y, "QPSK", 0.5, sequence=torch.zeros(3, dtype=torch.uint8))
    with pytest.raises(ValueError, match="needs noise_var"):
        symbol_demodulate(y, "QPSK", sequence=torch.zeros(4, dtype=torch.uint8))
    with pytest.raises(TypeError, match="sequence must be a uint8"):
        symbol_demodulate(y, "QPSK", 0.5, sequence=torch.zeros(4))


@pytest.mark.parametrize(("mod", "n_layers"), [("pi/2-BPSK", 1), ("QPSK", 2), ("16QAM", 1),
                                               ("64QAM", 3), ("256QAM", 4)])
def test_pusch_decode_equals_demap_then_descramble(mod: str, n_layers: int) -> None:
    """pusch_decode (fused) against the reference chain: layer demapping, the torch
    demapper, pusch_descramble; and the receiver's demap stage against pusch_decode."""
    carrier = CarrierConfig(n_size_grid=12)
    tp = mod == "pi/2-BPSK"
    cfg = PUSCHConfig(prb_set=range(12), n_layers=n_layers, modulation=mod,
                      target_code_rate=0.5, transform_precoding=tp,
                      n_antenna_ports=4 if n_layers == 3 else n_layers)
    gen = torch.Generator().manual_seed(n_layers)
    cw = torch.randint(0, 2, (2, cfg.num_coded_bits), dtype=torch.uint8, generator=gen)
    x = pusch(cw, carrier, cfg)
    x = x + 0.2 * torch.randn(x.shape, dtype=x.dtype, generator=gen)
    nv = 0.02 + torch.rand(x.shape, generator=gen)
    a, b = _both(lambda: pusch_decode(x, carrier, cfg, nv))
    _close(a, b)
    if not tp:
        from softran.nr.layers import layer_demap
        modulation.KERNELS = False
        try:
            plain = symbol_demodulate(layer_demap(x), mod, layer_demap(nv))
        finally:
            modulation.KERNELS = True
        ref = pusch_descramble(plain, carrier.n_cell_id, cfg.rnti)
        _close(a, ref)
        rx = PUSCHReceiver(carrier, cfg, n_rx=n_layers)
        _close(rx.demap(x, nv), a)


def test_pusch_scrambling_sequence_is_the_descrambler() -> None:
    llr = torch.randn(2, 100, generator=torch.Generator().manual_seed(3))
    c = pusch_scrambling_sequence(17, 100, 100)
    assert torch.equal(torch.where(c.bool(), -llr, llr), pusch_descramble(llr, 17, 100))
    assert pusch_scrambling_sequence(17, 100, 100).data_ptr() == c.data_ptr()   # cached


@pytest.mark.parametrize("mod", MODULATIONS)
@pytest.mark.parametrize("scrambled", [False, True])
def test_symbol_demodulate_into_equals_symbol_demodulate(mod, scrambled):
    # the array entry (checked once by its caller, buffers kept) against the public function
    import numpy as np

    from softran.nr.modulation import bits_per_symbol, symbol_demodulate_into

    gen = torch.Generator().manual_seed(41)
    b, m = 3, 50
    qm = bits_per_symbol(mod)
    x = torch.randn(b, m, dtype=torch.complex64, generator=gen)
    nv = torch.rand(b, m, generator=gen) + 0.01
    seq = torch.randint(0, 2, (m * qm,), dtype=torch.uint8, generator=gen) if scrambled else None
    ref = symbol_demodulate(x, mod, nv, sequence=seq)
    out = np.empty((b, m * qm), dtype=np.float32)
    assert symbol_demodulate_into(x.numpy(), nv.numpy(), mod, out,
                                  None if seq is None else seq.numpy())
    assert torch.equal(torch.from_numpy(out), ref)
    bad = nv.clone()
    bad[1, 7] = 0.0                                           # not > 0
    assert not symbol_demodulate_into(x.numpy(), bad.numpy(), mod, out)
    y = x.clone()
    y[2, 3] = complex("nan")
    assert not symbol_demodulate_into(y.numpy(), nv.numpy(), mod, out)


def test_symbol_demodulate_into_refuses_what_the_kernel_would_write_past():
    import numpy as np

    from softran.nr.modulation import symbol_demodulate_into

    x = np.ones((2, 5), np.complex64)
    nv = np.ones((2, 5), np.float32)
    out = np.empty((2, 20), np.float32)
    assert symbol_demodulate_into(x, nv, "16QAM", out)
    with pytest.raises(ValueError, match="out must be"):
        symbol_demodulate_into(x, nv, "16QAM", np.empty((2, 19), np.float32))
    with pytest.raises(ValueError, match="out must be"):
        symbol_demodulate_into(x, nv, "16QAM", np.empty((2, 40), np.float32)[:, ::2])
    with pytest.raises(ValueError, match="noise_var must be"):
        symbol_demodulate_into(x, nv[:, :4], "16QAM", out)
    with pytest.raises(ValueError, match="sequence must be"):
        symbol_demodulate_into(x, nv, "16QAM", out, np.zeros(19, np.uint8))
    with pytest.raises(TypeError, match="symbols must be"):
        symbol_demodulate_into(x.astype(np.complex128), nv, "16QAM", out)
    with pytest.raises(ValueError, match="modulation"):
        symbol_demodulate_into(x, nv, "32QAM", out)
