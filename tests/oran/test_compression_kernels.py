"""The Numba kernels behind softran.oran.compression agree with the torch reference path."""

from __future__ import annotations

import pytest
import torch
from hypothesis import given, settings
from hypothesis import strategies as st
from kernel_paths import kernel_then_reference

from softran.oran import _kernels
from softran.oran.compression import CompressedPRBs, compress, decompress


def _both(fn):  # kernel path on, then the torch reference
    return kernel_then_reference(_kernels, fn, switch="ENABLED")


def _iq(seed: int, shape: tuple[int, ...], spread: float) -> torch.Tensor:
    g = torch.Generator().manual_seed(seed)
    v = torch.round(torch.randn(*shape, 12, 2, generator=g) * spread).clamp(-32768, 32767)
    v[..., 0, 0, 0] = -32768                                    # the extra negative code
    v[..., 1, 1, 1] = 32767
    return torch.view_as_complex(v)


@pytest.mark.parametrize("width", range(1, 17))
@pytest.mark.parametrize("mode", ["floor-shift", "round-saturate"])
def test_bfp_kernel_equals_torch_every_width(width: int, mode: str) -> None:
    iq = _iq(width, (3, 40), 6000.0)
    iq[1] = iq[1] / 300                                           # small PRBs: exponent 0..
    iq = torch.view_as_complex(torch.round(torch.view_as_real(iq)))
    a, b = _both(lambda: compress(iq, "bfp", width, mode=mode))
    assert torch.equal(a.mantissa, b.mantissa) and torch.equal(a.exponent, b.exponent)
    assert a.mantissa.dtype == b.mantissa.dtype == torch.int16
    wa, wb = _both(lambda: a.to_bytes())
    assert wa == wb
    ra, rb = _both(lambda: CompressedPRBs.from_bytes(wa, 40, "bfp", width, batch_shape=(3,)))
    assert torch.equal(ra.mantissa, rb.mantissa) and torch.equal(ra.param, rb.param)
    assert torch.equal(decompress(ra), decompress(a))


@pytest.mark.parametrize(("method", "width"), [("none", 16), ("none", 9), ("block-scaling", 8),
                                               ("mu-law", 8)])
def test_packing_kernels_equal_torch_other_methods(method: str, width: int) -> None:
    iq = _iq(5, (2, 7), 3000.0)
    if method == "none" and width < 16:
        iq = torch.view_as_complex(torch.floor(torch.view_as_real(iq) / 2 ** (16 - width)))
    c = compress(iq, method, width)
    wa, wb = _both(lambda: c.to_bytes())
    assert wa == wb
    ra, rb = _both(lambda: CompressedPRBs.from_bytes(wa, 7, method, width, batch_shape=(2,)))
    assert torch.equal(ra.mantissa, rb.mantissa)


@settings(max_examples=40, deadline=None)
@given(st.lists(st.integers(-32768, 32767), min_size=24, max_size=24),
       st.integers(1, 16), st.booleans(), st.floats(0.5, 4.0))
def test_bfp_kernel_with_full_scale_matches_torch(values: list[int], width: int, rs: bool,
                                                  a: float) -> None:
    v = torch.tensor(values, dtype=torch.float32).reshape(1, 12, 2) * (a / 2 ** 15)
    iq = torch.view_as_complex(v)
    mode = "round-saturate" if rs else "floor-shift"
    x, y = _both(lambda: compress(iq, "bfp", width, mode=mode, full_scale=a))
    assert torch.equal(x.mantissa, y.mantissa) and torch.equal(x.exponent, y.exponent)


def test_bad_input_raises_the_same_error_with_kernels() -> None:
    big = torch.full((1, 12), 40000.0 + 0j)
    frac = torch.full((1, 12), 0.5 + 0j)
    for iq, match in ((big, "outside -32768..32767"), (frac, "integer-valued")):
        for enabled in (True, False):
            _kernels.ENABLED = enabled
            try:
                with pytest.raises(ValueError, match=match):
                    compress(iq, "bfp", 9)
            finally:
                _kernels.ENABLED = True
    with pytest.raises(ValueError, match="outside"):
        compress(torch.full((1, 12), complex(float("nan"), 0)), "bfp", 9)


@pytest.mark.parametrize("width", range(1, 17))
@pytest.mark.parametrize("full_scale", [None, 3.981])
def test_decompress_prb_bytes_equals_from_bytes_and_decompress(width: int,
                                                               full_scale: float | None) -> None:
    """The fused BFP bytes -> IQ kernel against the torch path, on random wire bytes (every
    exponent 0..15, reserved high nibble set) and on compressed PRBs of every width."""
    import numpy as np

    from softran.oran.compression import decompress_prb_bytes

    per = 1 + 3 * width
    octets = np.random.default_rng(width).integers(0, 256, (3, 17, per), dtype=np.uint8)
    iq = _iq(width, (2, 9), 6000.0)
    if full_scale is not None:
        iq = iq / 32768 * full_scale
    wire = np.frombuffer(compress(iq, "bfp", width, full_scale=full_scale).to_bytes(),
                         dtype=np.uint8).reshape(2, 9, per)
    for data in (octets, wire):
        ref = decompress(CompressedPRBs.from_bytes(data.tobytes(), data.shape[1], "bfp", width,
                                                   batch_shape=data.shape[:1],
                                                   full_scale=full_scale))
        a, b = _both(lambda d=data: decompress_prb_bytes(d, "bfp", width, full_scale=full_scale))
        assert torch.equal(a, ref) and torch.equal(b, ref)
    with pytest.raises(ValueError, match="bytes per PRB"):
        decompress_prb_bytes(octets[..., 1:], "bfp", width)


def test_bfp_kernel_takes_views_conjugates_and_grad_tensors() -> None:
    """The slot path reads contiguous IQ as a numpy view; a strided, conjugated or
    grad-tracking tensor gives the same PRBs as its plain contiguous copy."""
    iq = _iq(3, (4, 6), 5000.0)
    plain = compress(iq.conj().resolve_conj().contiguous(), "bfp", 9)
    for variant in (iq.conj(), iq.conj().resolve_conj().transpose(0, 1).contiguous()
                    .transpose(0, 1), iq.conj().resolve_conj().clone().requires_grad_(True)):
        c = compress(variant, "bfp", 9)
        assert torch.equal(c.mantissa, plain.mantissa) and torch.equal(c.exponent,
                                                                      plain.exponent)
        assert c.to_bytes() == plain.to_bytes()
    strided = CompressedPRBs("bfp", 9, plain.mantissa.transpose(0, 1).contiguous()
                             .transpose(0, 1), plain.exponent.t().contiguous().t())
    assert strided.to_bytes() == plain.to_bytes()


@pytest.mark.parametrize("width", [1, 4, 8, 9, 12, 14, 16])
@pytest.mark.parametrize("mode", ["floor-shift", "round-saturate"])
@pytest.mark.parametrize("full_scale", [None, 3.981])
def test_compress_prb_bytes_equals_compress_to_bytes(width: int, mode: str,
                                                     full_scale: float | None) -> None:
    """The fused BFP quantise-and-pack kernel gives the bytes of compress().to_bytes(), with
    the kernels and with the torch reference path."""
    import numpy as np

    from softran.oran.compression import compress_prb_bytes

    iq = _iq(width + 100, (2, 3, 17), 7000.0)
    if full_scale is not None:
        iq = iq / 32768 * full_scale
    want = compress(iq, "bfp", width, mode=mode, full_scale=full_scale).to_bytes()
    a, b = _both(lambda: compress_prb_bytes(iq, "bfp", width, mode=mode,
                                            full_scale=full_scale))
    for got in (a, b):
        assert got.dtype == np.uint8 and got.shape == (2, 3, 17, 1 + 3 * width)
        assert got.tobytes() == want


def test_compress_prb_bytes_other_methods_and_bad_input() -> None:
    from softran.oran.compression import compress_prb_bytes

    iq = _iq(4, (5,), 3000.0)
    for method, width in (("none", 16), ("block-scaling", 8), ("mu-law", 8)):
        assert compress_prb_bytes(iq, method, width).tobytes() == \
            compress(iq, method, width).to_bytes()
    with pytest.raises(ValueError, match="outside -32768..32767"):
        compress_prb_bytes(torch.full((1, 12), 40000.0 + 0j), "bfp", 9)
    with pytest.raises(ValueError, match="use compress"):
        compress_prb_bytes(iq, "bfp-selective-re", 9)


def test_compress_prb_bytes_takes_views_conjugates_and_grad_tensors() -> None:
    """The slot path reads the IQ through numpy(); a conjugated, strided or grad-tracking
    tensor (which numpy() refuses, or gives a strided array for) is packed to the bytes of
    its plain contiguous copy (the reference path: strided and grad-tracking ones)."""
    from softran.oran.compression import compress_prb_bytes

    iq = _iq(8, (4, 6), 5000.0)
    for full_scale in (None, 2.5):
        x = iq if full_scale is None else iq / 32768 * full_scale
        plain = x.conj().resolve_conj().contiguous()
        want = compress(plain, "bfp", 9, full_scale=full_scale).to_bytes()
        strided = plain.transpose(0, 1).contiguous().transpose(0, 1)
        grad = plain.clone().requires_grad_(True)
        for variant, both in ((x.conj(), False), (strided, True), (grad, True)):
            for enabled in (True, False) if both else (True,):
                _kernels.ENABLED = enabled
                try:
                    got = compress_prb_bytes(variant, "bfp", 9, full_scale=full_scale)
                finally:
                    _kernels.ENABLED = True
                assert got.shape == (4, 6, 28) and got.tobytes() == want


def test_bfp_takes_a_tensor_with_the_negative_bit() -> None:
    """A lazily negated view (torch's negative bit, which numpy() refuses) compresses to the
    bytes of its resolved copy, with the kernels and with the torch reference path."""
    from softran.oran.compression import compress_prb_bytes

    iq = _iq(9, (3, 5), 5000.0) / 32768 * 0.5      # float IQ, full scale 1
    neg = torch._neg_view(iq)
    assert neg.is_neg()
    plain = neg.resolve_neg().contiguous()
    want = compress(plain, "bfp", 9, full_scale=1.0).to_bytes()
    for enabled in (True, False):
        _kernels.ENABLED = enabled
        try:
            assert compress(neg, "bfp", 9, full_scale=1.0).to_bytes() == want
            assert compress_prb_bytes(neg, "bfp", 9, full_scale=1.0).tobytes() == want
        finally:
            _kernels.ENABLED = True
