"""The Numba slope-compensated despreading agrees with the torch reference, and so does the
whole channel estimate built on it."""

from __future__ import annotations

import pytest
import torch
from kernel_paths import kernel_then_reference
from test_channel_estimate import awgn, dmrs_type1, tap_channel, transmit

import softran.nr.receiver.references as references
from softran.nr.receiver import channel_estimate


def _both(fn):  # kernel path on, then the torch reference
    return kernel_then_reference(references, fn)


@pytest.mark.parametrize(("n_layers", "symbols", "td"), [(1, (2, 11), 1), (4, (2, 11), 1),
                                                         (2, (2, 3), 2), (2, (2, 3, 10, 11), 2)])
def test_kernel_equals_torch(n_layers: int, symbols: tuple[int, ...], td: int) -> None:
    gen = torch.Generator().manual_seed(n_layers + 10 * td)
    ind, sym, k_grid = dmrs_type1(24, n_layers, symbols=symbols)
    layout, _ = references.parse_references(ind, sym, 14, k_grid, (2, td))
    n_ref = ind.shape[1]
    k_ref = layout.k.to(torch.float64).repeat(1, layout.n_dsym)
    for shape in ((2, n_layers, n_ref), (3, 2, n_layers, n_ref)):
        slope = torch.exp(-1j * 0.031 * k_ref).to(torch.complex64)
        g_raw = 0.2 * awgn(shape, 1.0, gen) + slope
        (ga, pa), (gb, pb) = _both(lambda g=g_raw: references.slope_compensated_despread(
            g, layout))
        assert ga.shape == gb.shape == (*shape[:-2], n_layers, layout.n_groups,
                                        layout.n_blocks)
        assert pa.shape == pb.shape == shape[:-3] and pa.dtype == pb.dtype == torch.float64
        assert torch.allclose(pa, pb, rtol=0, atol=1e-7)
        assert torch.allclose(ga, gb, rtol=0, atol=2e-6 * float(gb.abs().max()))


def test_channel_estimate_with_the_kernel_equals_torch() -> None:
    gen = torch.Generator().manual_seed(7)
    ind, sym, k_grid = dmrs_type1(51, 2)
    h = tap_channel(2, 2, 2, k_grid, [0.0, 3.0, 7.5], gen)
    rx = transmit(h, ind, sym, k_grid) + awgn((2, 2, 14, k_grid), 0.05, gen)
    (ha, na), (hb, nb) = _both(lambda: channel_estimate(rx, ind, sym))
    assert torch.allclose(ha, hb, rtol=0, atol=1e-5) and torch.allclose(na, nb, rtol=1e-5)
