"""The NR resource grid of one slot (TS 38.211 §4.4.4).

Layout is batch-first, as everywhere in softran: ``[n_ports, n_symbols, n_subcarriers]``
(MATLAB's ``nrResourceGrid`` returns subcarriers x symbols x ports).
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import torch
from numba import njit

from softran.nr.config import CarrierConfig
from softran.validation import check_choice, check_int, check_tensor

__all__ = ["map_to_grid", "reference_grid", "resource_grid"]

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


def reference_grid(n: int, data_index: torch.Tensor,
                   parts: Sequence[tuple[torch.Tensor, torch.Tensor]]) -> torch.Tensor | None:
    """The flattened grid (``n`` REs) of one slot's fixed parts, e.g. DM-RS and PT-RS
    (TS 38.211 §7.4.1.1.2, §7.4.1.2.2, §6.4.1.1.3, §6.4.1.2.3): ``parts`` are (flat indices,
    symbols) written in order onto zeros; complex64 ``[n]``. ``None`` when one of the data
    REs ``data_index`` is also one of theirs (then data and reference signals must be
    written in the clause's order instead of data onto this grid).

    >>> reference_grid(6, torch.tensor([0, 2]), [(torch.tensor([1, 4]), torch.ones(2))])
    tensor([0.+0.j, 1.+0.j, 0.+0.j, 0.+0.j, 1.+0.j, 0.+0.j])
    >>> reference_grid(6, torch.tensor([1]), [(torch.tensor([1]), torch.ones(1))]) is None
    True
    """
    n = check_int("n", n, 0)
    device = data_index.device
    base = torch.zeros(n, dtype=torch.complex64, device=device)
    used = torch.zeros(n, dtype=torch.bool, device=device)
    for index, symbols in parts:
        base[index.reshape(-1)] = symbols.reshape(-1).to(torch.complex64)
        used[index.reshape(-1)] = True
    return None if bool(used[data_index.reshape(-1)].any()) else base


@njit(cache=True, nogil=True)
def _scatter_rows(base, index, values, out):  # pragma: no cover - compiled
    """out[b] = base, then out[b, index[k]] = values[b, k]."""
    for b in range(out.shape[0]):
        row = out[b]
        for q in range(base.shape[0]):
            row[np.uint64(q)] = base[np.uint64(q)]
        src = values[b]
        for k in range(index.shape[0]):
            row[np.uint64(index[k])] = src[np.uint64(k)]


def map_to_grid(base: torch.Tensor, index: torch.Tensor, values: torch.Tensor) -> torch.Tensor:
    """Resource mapping (TS 38.211 §7.3.1.5, §6.3.1.6) onto a copy of a flattened grid: ``out
    [..., n]`` is ``base`` ``[n]`` with ``values[..., k]`` at ``index[k]`` (int64, distinct,
    in ``0..n-1``). One Numba pass on the CPU for complex64; an index_put elsewhere.

    >>> map_to_grid(torch.zeros(4, dtype=torch.complex64), torch.tensor([3, 0]),
    ...             torch.tensor([[1j, 2.0]], dtype=torch.complex64))
    tensor([[2.+0.j, 0.+0.j, 0.+0.j, 0.+1.j]])
    """
    base = check_tensor("base", base, min_dim=1)
    values = check_tensor("values", values, min_dim=1)
    index = check_tensor("index", index, min_dim=1).reshape(-1)
    if values.shape[-1] != index.numel():
        raise ValueError(f"values has {values.shape[-1]} symbols in its last dimension, index "
                         f"{index.numel()} positions")
    n = base.shape[-1]
    if index.numel() and (int(index.min()) < 0 or int(index.max()) >= n):
        raise ValueError(f"index must lie in 0..{n - 1} (the grid's REs), got "
                         f"{int(index.min())}..{int(index.max())}")
    batch = values.shape[:-1]
    rows = 1
    for d in batch:
        rows *= d
    flat = values.reshape(rows, index.numel())
    if (base.device.type == "cpu" and base.dtype == values.dtype == torch.complex64
            and index.device.type == "cpu" and values.device.type == "cpu"
            and not values.requires_grad):
        out = torch.empty(flat.shape[0], n, dtype=torch.complex64)
        _scatter_rows(base.contiguous().numpy(), index.contiguous().numpy(),
                      flat.contiguous().numpy(), out.numpy())
        return out.reshape(*batch, n)
    out = base.to(values.dtype).repeat(flat.shape[0], 1)
    out[:, index] = flat
    return out.reshape(*batch, n)
