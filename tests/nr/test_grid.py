"""Tests of softran.nr.grid (TS 38.211 §4.4.4)."""

from __future__ import annotations

import pytest
import torch

from softran.nr.config import CarrierConfig
from softran.nr.grid import resource_grid


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
