"""The vector BFP kernels (softran.oran._bfp_simd behind softran.oran._kernels) against the
torch reference path of softran.oran.compression, bit for bit: every width 1..16, both
rounding modes, with and without full scale, any number of PRBs (the last PRBs of an array
take the exact-size load), and the edge cases (all-zero PRBs, full-scale and extreme values,
fixed-point values at the rounding and range boundaries, NaN and infinities)."""

from __future__ import annotations

import numpy as np
import pytest
import torch
from hypothesis import given, settings
from hypothesis import strategies as st
from kernel_paths import kernel_then_reference

from softran.oran import _kernels
from softran.oran.compression import (
    CompressedPRBs,
    compress,
    compress_prb_bytes,
    decompress,
    decompress_prb_bytes,
)
from softran.oran.uplane import UdCompHdr, UPlaneFormat, UPlaneSlotEncoder

MODES = ("floor-shift", "round-saturate")


def _both(fn):  # the kernel path, then the torch reference
    return kernel_then_reference(_kernels, fn, switch="ENABLED")


def _float_iq(seed: int, n_prb: int, full_scale: float | None, spread: float) -> torch.Tensor:
    """``[n_prb, 12]`` complex64 I/Q in the units of ``full_scale`` (integers without), with
    all-zero, tiny, full-scale and extreme PRBs mixed in."""
    g = torch.Generator().manual_seed(seed)
    v = torch.randn(n_prb, 12, 2, generator=g, dtype=torch.float64) * spread
    kind = torch.randint(0, 5, (n_prb,), generator=g)
    v[kind == 0] = 0.0                                          # all-zero PRBs
    v[kind == 1] /= 2 ** 12                                     # exponent 0 for every width
    ext = torch.where(v < 0, -32768.0, 32767.0).to(torch.float64)
    v = torch.where((kind == 2)[:, None, None], ext, v)               # the extremes
    v = v.clamp(-32768, 32767)
    if full_scale is None:
        v = torch.round(v)
    else:
        v = v * (full_scale / 32768)
    return torch.view_as_complex(v.to(torch.float32).contiguous())


def _scale(full_scale: float | None) -> float:
    return 0.0 if full_scale is None else 2.0 ** 15 / full_scale


def _status(iq: torch.Tensor, full_scale: float | None, width: int = 9) -> int:
    """The kernel's own status (0: it took the values; else the reference path runs)."""
    x = torch.view_as_real(iq).contiguous().numpy().reshape(-1, 24)
    return _kernels.bfp_from_float(x, _scale(full_scale), width, False)[2]


def _raises_on_both_paths(call, match: str) -> None:
    """``call()`` raises the ValueError ``match`` with the kernels and without them."""
    for enabled in (True, False):
        _kernels.ENABLED = enabled
        try:
            with pytest.raises(ValueError, match=match):
                call()
        finally:
            _kernels.ENABLED = True


def _reference_bytes(iq: torch.Tensor, width: int, mode: str,
                     full_scale: float | None) -> np.ndarray:
    _kernels.ENABLED = False
    try:
        return compress_prb_bytes(iq, "bfp", width, mode=mode, full_scale=full_scale)
    finally:
        _kernels.ENABLED = True


@settings(max_examples=120, deadline=None)
@given(width=st.integers(1, 16), mode=st.sampled_from(MODES), n_prb=st.integers(1, 40),
       scaled=st.booleans(), spread=st.sampled_from([3.0, 300.0, 9000.0, 40000.0]),
       seed=st.integers(0, 2 ** 16))
def test_compress_bytes_equal_the_reference(width: int, mode: str, n_prb: int, scaled: bool,
                                            spread: float, seed: int) -> None:
    full_scale = 3.981 if scaled else None
    iq = _float_iq(seed, n_prb, full_scale, spread)
    got, status = _kernels.bfp_from_float_to_bytes(                  # the kernel itself
        iq.numpy().view(np.float32).reshape(n_prb, 24), _scale(full_scale), width,
        mode == "round-saturate")
    assert status == 0
    assert got.tobytes() == _reference_bytes(iq, width, mode, full_scale).tobytes()
    a, b = _both(lambda: compress(iq, "bfp", width, mode=mode, full_scale=full_scale))
    assert torch.equal(a.mantissa, b.mantissa) and torch.equal(a.exponent, b.exponent)


@settings(max_examples=120, deadline=None)
@given(width=st.integers(1, 16), n_prb=st.integers(1, 40), scaled=st.booleans(),
       seed=st.integers(0, 2 ** 16))
def test_decompress_equals_the_reference_on_any_bytes(width: int, n_prb: int, scaled: bool,
                                                      seed: int) -> None:
    """Random wire bytes: every exponent 0..15 and reserved high nibbles; the PRBs near the
    end of the array take the exact-size load, the others the wide one."""
    full_scale = 0.7071 if scaled else None
    octets = np.random.default_rng(seed).integers(0, 256, (n_prb, 1 + 3 * width),
                                                  dtype=np.uint8)
    ref = decompress(CompressedPRBs.from_bytes(octets.tobytes(), n_prb, "bfp", width,
                                               full_scale=full_scale))
    a, b = _both(lambda: decompress_prb_bytes(octets, "bfp", width, full_scale=full_scale))
    assert torch.equal(a, ref)
    assert torch.equal(a, b)


@pytest.mark.parametrize("width", range(1, 17))
@pytest.mark.parametrize("mode", MODES)
def test_round_trip_of_extremes_every_width(width: int, mode: str) -> None:
    """-32768, 32767, +-1, 0 in every position of a PRB: the kernel bytes are the reference
    bytes, and decompression of them is the reference decompression."""
    values = torch.tensor([-32768.0, 32767.0, -1.0, 1.0, 0.0, -32767.0, 16384.0, -16385.0])
    v = values[torch.arange(24 * 8) % 8].reshape(8, 12, 2)
    v[3] = 0.0
    iq = torch.view_as_complex(v.contiguous())
    got = compress_prb_bytes(iq, "bfp", width, mode=mode)
    assert got.tobytes() == _reference_bytes(iq, width, mode, None).tobytes()
    a, b = _both(lambda: decompress_prb_bytes(got, "bfp", width))
    assert torch.equal(a, b)
    assert torch.equal(a[3], torch.zeros(12, dtype=torch.complex64))   # all-zero PRB: 0


@pytest.mark.parametrize("mode", MODES)
def test_fixed_point_boundaries_with_full_scale(mode: str) -> None:
    """Float I/Q whose fixed point x * 2^15 / full_scale lands just inside and outside
    -32768..32767 (32767.5 rounds to the even 32768: outside; -32768.5 to -32768: inside),
    and on half-integers (ties to even): the kernel accepts and refuses what the reference
    does, with the same bytes."""
    full_scale = 1.0
    step = full_scale / 32768                  # one 16-bit unit
    inside = [32767.49, 32767.0, -32768.0, -32768.5, 0.5, 1.5, -0.5, -2.5, 32766.5]
    for u in inside:
        x = torch.zeros(2, 12, 2, dtype=torch.float64)
        x[1, 5, 0] = u * step
        iq = torch.view_as_complex(x.to(torch.float32))
        fixed = float(x.to(torch.float32)[1, 5, 0]) * (32768 / full_scale)
        assert _status(iq, full_scale) == (0 if -32768.5 <= fixed < 32767.5 else 1), u
        for width in (1, 9, 16):
            if -32768.5 <= fixed < 32767.5:
                got = compress_prb_bytes(iq, "bfp", width, mode=mode, full_scale=full_scale)
                assert got.tobytes() == _reference_bytes(iq, width, mode,
                                                         full_scale).tobytes(), (u, width)
    for u in (32767.5, 32768.0, -32768.51, -32769.0, 1e9):
        x = torch.zeros(1, 12, 2)
        x[0, 0, 1] = u * step
        iq = torch.view_as_complex(x)
        assert _status(iq, full_scale) == 1
        _raises_on_both_paths(lambda iq=iq: compress_prb_bytes(
            iq, "bfp", 9, mode=mode, full_scale=full_scale), "outside -32768..32767")


@pytest.mark.parametrize("bad", [float("nan"), float("inf"), float("-inf"), 40000.0,
                                 -32769.0])
@pytest.mark.parametrize("full_scale", [None, 2.0])
def test_nan_infinity_and_out_of_range_raise_as_the_reference(bad: float,
                                                             full_scale: float | None) -> None:
    """One bad value in the last PRB of many (the kernel's status, then the reference's
    error): the same ValueError with and without the kernels."""
    x = torch.zeros(30, 12, 2)
    x[29, 11, 1] = bad if full_scale is None or not np.isfinite(bad) else bad / 16384
    iq = torch.view_as_complex(x)
    assert _status(iq, full_scale) == 1
    _raises_on_both_paths(lambda: compress_prb_bytes(iq, "bfp", 9, full_scale=full_scale),
                          "outside -32768..32767")
    _raises_on_both_paths(lambda: compress(iq, "bfp", 9, full_scale=full_scale),
                          "outside -32768..32767")


def test_non_integer_without_full_scale_raises_as_the_reference() -> None:
    x = torch.zeros(5, 12, 2)
    x[4, 0, 0] = 0.5
    iq = torch.view_as_complex(x)
    assert _status(iq, None) == 2
    _raises_on_both_paths(lambda: compress_prb_bytes(iq, "bfp", 12), "integer-valued")


@pytest.mark.parametrize("width", [1, 5, 8, 9, 12, 14, 16])
@pytest.mark.parametrize("mode", MODES)
def test_encode_bfp_block_equals_the_reference_block(width: int, mode: str) -> None:
    """The fused quantise-and-pack into a slot's messages (bfp_refill_uplane) gives the
    messages of the reference bytes, every width of the fast paths and a few others."""
    n_e, n_prb, full_scale = 2, 5, 1.5
    g = torch.Generator().manual_seed(width)
    grid = torch.randn(n_e, 14, 12 * n_prb, dtype=torch.complex64, generator=g) * 0.3
    grid[1, 3] = 0
    enc = UPlaneSlotEncoder((n_e, 14, n_prb, 1 + 3 * width), [0, 1], [0, 1], range(14),
                            [(0, n_prb)], section_id=1, direction=1,
                            fmt=UPlaneFormat(static_comp_hdr=UdCompHdr(width, 1)))
    ref_bytes = _reference_bytes(grid.reshape(n_e, 14, n_prb, 12), width, mode, full_scale)
    want = enc.encode_block(ref_bytes, 3, 1, 0, [7, 200]).copy()
    x = grid.numpy().view(np.float32).reshape(n_e, 14, n_prb, 24)
    got = enc.encode_bfp_block(x, 2.0 ** 15 / full_scale, width, mode == "round-saturate",
                               3, 1, 0, [7, 200])
    assert got is not None and np.array_equal(got, want)
