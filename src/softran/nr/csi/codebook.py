"""Type I single-panel codebook, TS 38.214 §5.2.2.2.1, for the port counts the softran cell
uses: one CSI-RS port (the one-element precoder, no PMI) and two ports (Table 5.2.2.2.1-1:
one layer, i2 = 0..3, W = 1/sqrt(2) [1, phi_n]^T; two layers, i2 = 0..1,
W = 1/2 [[1, 1], [phi_n, -phi_n]], with phi_n = e^{j pi n / 2}). Four or more ports need the
(N1, N2, O1, O2) beam grids of Table 5.2.2.2.1-2 and are refused.
"""

from __future__ import annotations

import math

import torch

from softran.validation import check_choice, check_int

__all__ = ["type1_single_panel_codebook", "type1_single_panel_ranks"]


def type1_single_panel_ranks(n_ports: int) -> tuple[int, ...]:
    """The ranks (layers) the Type I single-panel codebook (TS 38.214 §5.2.2.2.1) has for
    ``n_ports`` CSI-RS ports.

    >>> type1_single_panel_ranks(1), type1_single_panel_ranks(2)
    ((1,), (1, 2))
    """
    n_ports = check_choice("n_ports", check_int("n_ports", n_ports), (1, 2))
    return tuple(range(1, n_ports + 1))


def type1_single_panel_codebook(n_ports: int, n_layers: int) -> torch.Tensor:
    """The precoders W of ``n_layers`` layers for ``n_ports`` CSI-RS ports (TS 38.214
    §5.2.2.2.1 Table 5.2.2.2.1-1, module docstring),
    indexed by the PMI (i2 for two ports): complex64 ``[n_pmi, n_ports, n_layers]``.

    >>> w = type1_single_panel_codebook(2, 1)
    >>> w.shape, [round(complex(x).imag, 3) for x in w[:, 1, 0] * 2 ** 0.5]
    (torch.Size([4, 2, 1]), [0.0, 1.0, 0.0, -1.0])
    >>> type1_single_panel_codebook(2, 2)[1].tolist()
    [[(0.5+0j), (0.5+0j)], [0.5j, -0.5j]]
    """
    ranks = type1_single_panel_ranks(n_ports)
    n_layers = check_choice("n_layers", check_int("n_layers", n_layers), ranks)
    if n_ports == 1:
        return torch.ones(1, 1, 1, dtype=torch.complex64)
    # phi_n = e^{j pi n / 2} = j^n, n = 0..3 (one layer) or 0..1 (two layers)
    phi = torch.tensor([1, 1j, -1, -1j], dtype=torch.complex128)[:4 if n_layers == 1 else 2]
    one = torch.ones_like(phi)
    if n_layers == 1:
        w = torch.stack([one, phi], -1).unsqueeze(-1) / math.sqrt(2)
    else:
        w = torch.stack([torch.stack([one, one], -1), torch.stack([phi, -phi], -1)], -2) / 2
    return (w + 0).to(torch.complex64)          # + 0: no negative zeros
