"""Tests of softran.nr.grid (TS 38.211 §4.4.4)."""

from __future__ import annotations

import pytest
import torch
from hypothesis import given, settings
from hypothesis import strategies as st

from softran.nr.config import CarrierConfig
from softran.nr.grid import map_to_grid, resource_grid


@pytest.mark.parametrize(("scs", "cp", "n_prb", "n_ports", "shape"), [
    (15, "normal", 52, 1, (1, 14, 624)),
    (30, "normal", 273, 4, (4, 14, 3276)),
    (60, "extended", 11, 2, (2, 12, 132)),   # extended CP: 12 symbols per slot
    (120, "normal", 1, 32, (32, 14, 12)),
])
def test_shape_and_zeros(scs: int, cp: str, n_prb: int, n_ports: int, shape: tuple) -> None:
    carrier = CarrierConfig(subcarrier_spacing=scs, cyclic_prefix=cp, n_size_grid=n_prb)
    g = resource_grid(carrier, n_ports)
    assert g.shape == shape
    assert g.dtype == torch.complex64
    assert g.device.type == "cpu"
    assert not g.any()


def test_dtype_and_device() -> None:
    g = resource_grid(CarrierConfig(n_size_grid=6), dtype=torch.complex128, device="cpu")
    assert g.dtype == torch.complex128 and g.shape == (1, 14, 72)


def test_default_is_one_port() -> None:
    assert resource_grid(CarrierConfig(n_size_grid=25)).shape == (1, 14, 300)


@pytest.mark.parametrize("n_ports", [0, 33, -1])
def test_bad_n_ports_value(n_ports: int) -> None:
    with pytest.raises(ValueError, match="n_ports"):
        resource_grid(CarrierConfig(), n_ports)


@pytest.mark.parametrize("n_ports", [1.0, "2", True])
def test_bad_n_ports_type(n_ports: object) -> None:
    with pytest.raises(TypeError, match="n_ports"):
        resource_grid(CarrierConfig(), n_ports)  # type: ignore[arg-type]


def test_bad_dtype() -> None:
    with pytest.raises(ValueError, match="dtype"):
        resource_grid(CarrierConfig(), dtype=torch.float32)
    with pytest.raises(TypeError, match="dtype"):
        resource_grid(CarrierConfig(), dtype="complex64")  # type: ignore[arg-type]


def test_bad_carrier() -> None:
    with pytest.raises(TypeError, match="carrier"):
        resource_grid({"n_size_grid": 52})  # type: ignore[arg-type]


@given(n=st.integers(1, 3000), frac=st.floats(0.0, 1.0), batch=st.lists(st.integers(1, 3),
       max_size=2), seed=st.integers(0, 2 ** 31 - 1))
@settings(max_examples=40, deadline=None)
def test_map_to_grid_equals_index_put(n: int, frac: float, batch: list[int], seed: int) -> None:
    """The CPU kernel of map_to_grid writes what a copy of the base grid plus an index_put
    writes, for any batch shape (values as strided views too)."""
    gen = torch.Generator().manual_seed(seed)
    base = torch.randn(n, dtype=torch.complex64, generator=gen)
    index = torch.randperm(n, generator=gen)[:int(frac * n)]
    values = torch.randn(*batch, index.numel(), 2, dtype=torch.complex64, generator=gen)[..., 0]
    expected = base.expand(*batch, n).clone()
    expected[..., index] = values
    assert torch.equal(map_to_grid(base, index, values), expected)


def test_map_to_grid_bad_inputs() -> None:
    base = torch.zeros(4, dtype=torch.complex64)
    with pytest.raises(ValueError, match="index must lie in 0..3"):
        map_to_grid(base, torch.tensor([4]), torch.ones(1, 1, dtype=torch.complex64))
    with pytest.raises(ValueError, match="values has 2 symbols"):
        map_to_grid(base, torch.tensor([1]), torch.ones(1, 2, dtype=torch.complex64))
