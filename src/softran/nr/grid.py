"""The NR resource grid of one slot (TS 38.211 §4.4.4).

Layout is batch-first, as everywhere in softran: ``[n_ports, n_symbols, n_subcarriers]``
(MATLAB's ``nrResourceGrid`` returns subcarriers x symbols x ports).
"""

from __future__ import annotations

import torch

from softran.nr.config import CarrierConfig
from softran.validation import check_choice, check_int

__all__ = ["resource_grid"]

#: Largest number of antenna ports accepted by :func:`resource_grid`.
MAX_PORTS = 32


def resource_grid(carrier: CarrierConfig, n_ports: int = 1, *,
                  dtype: torch.dtype = torch.complex64,
                  device: torch.device | str | None = None) -> torch.Tensor:
    """An empty (all-zero) resource grid of one slot of ``carrier``.

    TS 38.211 §4.4.4: one resource grid per antenna port with N_grid^size * N_sc^RB
    subcarriers and N_symb^slot OFDM symbols (14 for normal, 12 for extended cyclic
    prefix). MATLAB namesake: ``nrResourceGrid`` (whose layout is transposed).

    Parameters
    ----------
    carrier : the carrier (grid size and cyclic prefix).
    n_ports : number of antenna ports P, 1..32.
    dtype : ``torch.complex64`` (default) or ``torch.complex128``.
    device : device of the grid (default: the current default device).

    Returns
    -------
    Tensor ``[n_ports, symbols_per_slot, 12 * n_size_grid]`` of zeros.

    >>> g = resource_grid(CarrierConfig(n_size_grid=52), 2)
    >>> g.shape, g.dtype
    (torch.Size([2, 14, 624]), torch.complex64)
    """
    if not isinstance(carrier, CarrierConfig):
        raise TypeError(f"carrier must be a CarrierConfig, got {type(carrier).__name__}")
    n_ports = check_int("n_ports", n_ports, 1, MAX_PORTS)
    if not isinstance(dtype, torch.dtype):
        raise TypeError(f"dtype must be a torch.dtype, got {type(dtype).__name__}")
    dtype = check_choice("dtype", dtype, (torch.complex64, torch.complex128))
    return torch.zeros(n_ports, carrier.symbols_per_slot, carrier.n_subcarriers,
                       dtype=dtype, device=device)
