"""PUSCH data resource elements, TS 38.211 §6.3.1.6 (MATLAB ``nrPUSCHIndices``, layer domain).

The data REs of a PUSCH are those of the allocated PRBs on the allocated symbols that are not
used by DM-RS -- on a DM-RS symbol every RE of the CDM groups without data (TS 38.214 §6.2.2;
all REs with transform precoding) -- and not used by PT-RS (any PT-RS port). The pattern is the
same for every layer. Indices follow the conventions of :mod:`softran.nr.pusch.dmrs` (layer grid
``[n_layers, n_symbols, 12 * n_size_grid]``, 0-based C-order linear indices, sorted by symbol
then subcarrier).
"""

from __future__ import annotations

from dataclasses import dataclass

import torch

from softran.nr.config import N_SC_RB, CarrierConfig
from softran.nr.dmrs import dmrs_port_table
from softran.nr.pusch.allocation import data_re_mask, dmrs_symbols_l_prime, ptrs_relative_symbols
from softran.nr.pusch.config import PUSCHConfig

__all__ = ["PUSCHIndicesInfo", "pusch_indices"]

DeviceLike = torch.device | str | None


@dataclass(frozen=True)
class PUSCHIndicesInfo:
    """Resource information of a PUSCH (MATLAB ``nrPUSCHIndices`` info structure).

    ``G``: coded bits of the codeword, n_re * n_layers * Q_m; ``n_re``: data REs per layer
    (MATLAB ``Gd``); ``n_re_per_prb``: N'_RE of TS 38.214 §6.1.4.2 (MATLAB ``NREPerPRB``);
    ``dmrs_symbols`` / ``ptrs_symbols``: OFDM symbols within the slot; ``prb_set``: allocated
    PRBs of the BWP (sorted); ``cdm_groups``: the DM-RS CDM group of each layer;
    ``n_layers``, ``qm``.
    """

    G: int
    n_re: int
    n_re_per_prb: int
    dmrs_symbols: tuple[int, ...]
    ptrs_symbols: tuple[int, ...]
    prb_set: tuple[int, ...]
    cdm_groups: tuple[int, ...]
    n_layers: int
    qm: int


def pusch_indices(carrier: CarrierConfig, pusch: PUSCHConfig, *,
                  device: DeviceLike = None) -> tuple[torch.Tensor, PUSCHIndicesInfo]:
    """Linear indices of the PUSCH data REs and the allocation info, TS 38.211 §6.3.1.6.

    The REs of the allocated PRBs (``prb_set`` of the BWP) on symbols S .. S+L-1, less the DM-RS
    REs of the CDM groups without data (:func:`softran.nr.pusch.dmrs.pusch_dmrs_symbols`; every RE of
    a DM-RS symbol with transform precoding) and less the PT-RS REs of all PT-RS ports
    (:func:`softran.nr.pusch.ptrs.pusch_ptrs_indices`). MATLAB namesake ``nrPUSCHIndices`` (0-based,
    layer domain, no UCI / frequency hopping).

    Returns
    -------
    (indices, info): int64 ``[n_layers, n_re]`` linear indices ``j * n_symbols * K + l * K + k``
    into the layer grid ``[n_layers, carrier.symbols_per_slot, K = 12 * n_size_grid]``, sorted
    by symbol then subcarrier; and :class:`PUSCHIndicesInfo`.

    >>> p = PUSCHConfig(prb_set=range(25))
    >>> p.dmrs.additional_position = 1
    >>> ind, info = pusch_indices(CarrierConfig(n_size_grid=25), p)
    >>> ind.shape, info.G, info.dmrs_symbols
    (torch.Size([1, 3600]), 7200, (2, 11))
    """
    if not isinstance(pusch, PUSCHConfig):
        raise TypeError(f"pusch must be a PUSCHConfig, got {type(pusch).__name__}")
    pusch.check_carrier(carrier)
    mask = data_re_mask(pusch, device=device)
    row, rb, sc = mask.nonzero(as_tuple=True)  # lexicographic: symbol, PRB, subcarrier
    bwp_start, _ = pusch.bwp(carrier)
    prb = torch.tensor(pusch.prb_set, dtype=torch.int64, device=mask.device)
    n_k = carrier.n_subcarriers
    l = pusch.symbol_allocation[0] + row
    k = N_SC_RB * (bwp_start - carrier.n_start_grid + prb[rb]) + sc
    layer = torch.arange(pusch.n_layers, device=mask.device)
    ind = layer[:, None] * carrier.symbols_per_slot * n_k + (l * n_k + k)[None, :]
    n_re = int(row.numel())
    s = pusch.symbol_allocation[0]
    ptrs = tuple(s + x for x in ptrs_relative_symbols(pusch)) if pusch.enable_ptrs else ()
    table = dmrs_port_table(pusch.dmrs.dmrs_type)
    info = PUSCHIndicesInfo(
        G=n_re * pusch.n_layers * pusch.qm,
        n_re=n_re,
        n_re_per_prb=pusch.n_re_per_prb,
        dmrs_symbols=tuple(l for l, _ in dmrs_symbols_l_prime(pusch)),
        ptrs_symbols=ptrs,
        prb_set=pusch.prb_set,
        cdm_groups=tuple(table[p][0] for p in pusch.dmrs_ports),
        n_layers=pusch.n_layers,
        qm=pusch.qm,
    )
    return ind, info
