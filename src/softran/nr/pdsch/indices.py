"""PDSCH data resource elements, TS 38.211 §7.3.1.5-§7.3.1.6 (MATLAB ``nrPDSCHIndices``,
layer domain).

The data REs of a PDSCH are those of its resource blocks on its symbols that are not DM-RS REs
of a CDM group without data, not PT-RS REs and not reserved (TS 38.214 §5.1.4: RB-symbol
patterns, listed REs such as CSI-RS, LTE CRS). They are listed in the order the modulation
symbols are mapped: by symbol, then over the virtual resource blocks in increasing VRB order
(each at its physical RB after the VRB-to-PRB mapping), subcarrier by subcarrier.
"""

from __future__ import annotations

from dataclasses import dataclass

import torch

from softran.nr.config import N_SC_RB, CarrierConfig
from softran.nr.dmrs import dmrs_port_table
from softran.nr.pdsch.allocation import (
    pdsch_data_re_mask,
    pdsch_dmrs_symbols_l_prime,
    pdsch_ptrs_positions,
)
from softran.nr.pdsch.config import PDSCHConfig, check_pdsch_config

__all__ = ["PDSCHIndicesInfo", "pdsch_indices"]

DeviceLike = torch.device | str | None


@dataclass(frozen=True)
class PDSCHIndicesInfo:
    """Resource information of a PDSCH (MATLAB ``nrPDSCHIndices`` info structure).

    ``G``: coded bits of each codeword, n_re * (layers of the codeword) * Q_m (MATLAB ``G``);
    ``n_re``: data REs per layer (``Gd``); ``n_re_per_prb``: N'_RE of TS 38.214 §5.1.3.2;
    ``dmrs_symbols`` / ``ptrs_symbols``: OFDM symbols within the slot; ``prb_set``: the
    physical RBs of the BWP in VRB order; ``cdm_groups``: the DM-RS CDM group of each layer;
    ``codeword_layers``, ``qm``.
    """

    G: tuple[int, ...]
    n_re: int
    n_re_per_prb: int
    dmrs_symbols: tuple[int, ...]
    ptrs_symbols: tuple[int, ...]
    prb_set: tuple[int, ...]
    cdm_groups: tuple[int, ...]
    codeword_layers: tuple[int, ...]
    qm: int


def pdsch_indices(carrier: CarrierConfig, pdsch: PDSCHConfig, *,
                  device: DeviceLike = None) -> tuple[torch.Tensor, PDSCHIndicesInfo]:
    """Linear indices of the PDSCH data REs and the allocation info, TS 38.211 §7.3.1.5.

    Returns ``(indices, info)``: int64 ``[n_layers, n_re]`` linear indices
    ``j n_symbols K + l K + k`` into the layer grid ``[n_layers, carrier.symbols_per_slot,
    K = 12 n_size_grid]`` in mapping order (module docstring), and :class:`PDSCHIndicesInfo`.

    >>> p = PDSCHConfig(prb_set=range(25))
    >>> p.dmrs.additional_position = 1
    >>> ind, info = pdsch_indices(CarrierConfig(n_size_grid=25), p)
    >>> ind.shape, info.G, info.dmrs_symbols
    (torch.Size([1, 3600]), (7200,), (2, 11))
    """
    check_pdsch_config(carrier, pdsch)
    mask, prb = pdsch_data_re_mask(carrier, pdsch, device=device)
    row, col, sc = mask.nonzero(as_tuple=True)   # lexicographic: symbol, VRB order, subcarrier
    bwp_start, _ = pdsch.bwp(carrier)
    n_k = carrier.n_subcarriers
    l = pdsch.symbol_allocation[0] + row
    k = N_SC_RB * (bwp_start - carrier.n_start_grid + prb[col]) + sc
    layer = torch.arange(pdsch.n_layers, device=mask.device)
    ind = layer[:, None] * carrier.symbols_per_slot * n_k + (l * n_k + k)[None, :]
    n_re = int(row.numel())
    table = dmrs_port_table(pdsch.dmrs.dmrs_type)
    info = PDSCHIndicesInfo(
        G=tuple(n_re * v * pdsch.qm for v in pdsch.codeword_layers),
        n_re=n_re,
        n_re_per_prb=pdsch.n_re_per_prb,
        dmrs_symbols=tuple(l for l, _ in pdsch_dmrs_symbols_l_prime(pdsch)),
        ptrs_symbols=tuple(pdsch_ptrs_positions(pdsch)[0]),
        prb_set=tuple(prb.tolist()),
        cdm_groups=tuple(table[p][0] for p in pdsch.dmrs_ports),
        codeword_layers=pdsch.codeword_layers,
        qm=pdsch.qm,
    )
    return ind, info
