"""Where a PUCCH sits in the slot: its data and DM-RS resource elements, TS 38.211 §6.3.2.3.2 -
§6.3.2.6.5 (data) and §6.4.1.3.1.2 - §6.4.1.3.3.2 (DM-RS); MATLAB ``nrPUCCHIndices`` and
``nrPUCCHDMRSIndices``.

Grid conventions (as :mod:`softran.nr.pusch.dmrs`): the PUCCH is one antenna port; indices are
0-based linear indices ``l * K + k`` into a ``[n_symbols, K = 12 * n_size_grid]`` grid, sorted
by symbol then subcarrier.

* format 0: all 12 subcarriers of its 1-2 symbols, no DM-RS;
* format 1: DM-RS on the symbols l = 0, 2, 4, ... of the PUCCH, data on l = 1, 3, 5, ...;
* format 2: DM-RS on subcarriers k = 3m + 1 of every PRB of every symbol, data on the other 8;
* formats 3 and 4: DM-RS on the symbols of Table 6.4.1.3.3.2-1
  (``data/pucch_format34_dmrs_positions.csv``), data on all subcarriers of the others.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass

import torch

from softran.nr.config import N_SC_RB, CarrierConfig
from softran.nr.datafiles import read_csv
from softran.nr.pucch.config import PUCCHConfig, check_pucch_config

__all__ = [
    "PUCCHIndicesInfo",
    "pucch_dmrs_indices",
    "pucch_dmrs_symbols",
    "pucch_indices",
    "pucch_re_layout",
]


@functools.cache
def _f34_table() -> dict[int, tuple[tuple[int, ...], ...]]:
    cols = ("no_additional_no_hop", "additional_no_hop", "no_additional_hop", "additional_hop")
    return {int(r["n_symbols"]): tuple(tuple(int(x) for x in r[c].split()) for c in cols)
            for r in read_csv("pucch_format34_dmrs_positions.csv")}


def pucch_dmrs_symbols(config: PUCCHConfig) -> tuple[int, ...]:
    """Slot symbols carrying the PUCCH DM-RS (empty for format 0; every symbol for format 2,
    whose DM-RS shares the symbol with data).

    >>> pucch_dmrs_symbols(PUCCHConfig(format=3, symbol_allocation=(0, 10), prb_set=[0],
    ...                                additional_dmrs=True))
    (1, 3, 6, 8)
    """
    if not isinstance(config, PUCCHConfig):
        raise TypeError(f"config must be a PUCCHConfig, got {type(config).__name__}")
    s, n = config.symbol_allocation
    if config.format == 0:
        return ()
    if config.format == 1:
        return tuple(range(s, s + n, 2))
    if config.format == 2:
        return tuple(range(s, s + n))
    col = int(config.additional_dmrs) + 2 * int(config.frequency_hopping == "intra-slot")
    return tuple(s + x for x in _f34_table()[n][col])


@dataclass(frozen=True)
class PUCCHIndicesInfo:
    """Resources of a PUCCH (MATLAB ``nrPUCCHIndices`` info): ``G`` the bit capacity of
    formats 2-4 (E_tot of TS 38.212 Table 6.3.1.4-1; 0 for formats 0, 1), ``n_re`` data REs,
    ``data_symbols`` / ``dmrs_symbols`` slot symbols, ``hops`` the (symbols, first
    subcarrier) of each hop, ``n_sc`` subcarriers per symbol (12 n_PRB)."""

    G: int
    n_re: int
    data_symbols: tuple[int, ...]
    dmrs_symbols: tuple[int, ...]
    hops: tuple[tuple[tuple[int, ...], int], ...]
    n_sc: int


def pucch_re_layout(carrier: CarrierConfig, config: PUCCHConfig
                    ) -> tuple[tuple[tuple[int, ...], int], ...]:
    """Per hop: (its slot symbols, its first subcarrier k in the carrier grid).

    >>> p = PUCCHConfig(format=1, symbol_allocation=(0, 14), frequency_hopping="intra-slot",
    ...                 second_hop_prb=24)
    >>> [(h[0][0], h[1]) for h in pucch_re_layout(CarrierConfig(n_size_grid=25), p)]
    [(0, 0), (7, 288)]
    """
    carrier, config = check_pucch_config(carrier, config)
    start, _ = config.bwp(carrier)
    off = start - carrier.n_start_grid
    return tuple((syms, N_SC_RB * (off + config.hop_prb(h, carrier)))
                 for h, syms in enumerate(config.hop_symbols))


def _positions(carrier: CarrierConfig, config: PUCCHConfig, dmrs: bool) -> torch.Tensor:
    k_grid = carrier.n_subcarriers
    n_sc = N_SC_RB * config.n_prb
    dmrs_syms = set(pucch_dmrs_symbols(config))
    out = []
    for syms, k0 in pucch_re_layout(carrier, config):
        for l in syms:
            k = torch.arange(n_sc)
            if config.format == 2:
                pilot = (k % 3) == 1
                k = k[pilot] if dmrs else k[~pilot]
            elif (l in dmrs_syms) != dmrs:
                continue
            out.append(l * k_grid + k0 + k)
    return torch.cat(out) if out else torch.zeros(0, dtype=torch.int64)


def pucch_indices(carrier: CarrierConfig, config: PUCCHConfig, *,
                  device: torch.device | str | None = None
                  ) -> tuple[torch.Tensor, PUCCHIndicesInfo]:
    """Linear indices of the PUCCH data REs and the resource info (module docstring;
    TS 38.211 §6.3.2.3.2, §6.3.2.4.2, §6.3.2.5.3, §6.3.2.6.5; MATLAB ``nrPUCCHIndices``).

    Returns
    -------
    ``(indices, info)``: int64 ``[n_re]`` into ``[n_symbols, 12 * n_size_grid]``, sorted by
    symbol then subcarrier, and :class:`PUCCHIndicesInfo`.

    >>> ind, info = pucch_indices(CarrierConfig(n_size_grid=25),
    ...                           PUCCHConfig(format=2, symbol_allocation=(13, 1), prb_set=range(4)))
    >>> ind.numel(), info.G
    (32, 64)
    """
    carrier, config = check_pucch_config(carrier, config)
    ind = _positions(carrier, config, dmrs=False).to(device)
    s, n = config.symbol_allocation
    dmrs_syms = pucch_dmrs_symbols(config)
    data_syms = tuple(l for l in range(s, s + n) if config.format in (0, 2) or l not in dmrs_syms)
    n_re = int(ind.numel())
    if config.format in (0, 1):
        g = 0
    elif config.format == 4:
        g = n_re // config.spreading_factor * config.qm
    else:
        g = n_re * config.qm
    info = PUCCHIndicesInfo(G=g, n_re=n_re, data_symbols=data_syms, dmrs_symbols=dmrs_syms,
                            hops=pucch_re_layout(carrier, config), n_sc=N_SC_RB * config.n_prb)
    return ind, info


def pucch_dmrs_indices(carrier: CarrierConfig, config: PUCCHConfig, *,
                       device: torch.device | str | None = None) -> torch.Tensor:
    """Linear indices of the PUCCH DM-RS REs, int64 ``[n_dmrs]`` (empty for format 0;
    TS 38.211 §6.4.1.3.1.2, §6.4.1.3.2.2, §6.4.1.3.3.2; MATLAB ``nrPUCCHDMRSIndices``).

    >>> pucch_dmrs_indices(CarrierConfig(n_size_grid=25), PUCCHConfig(format=2, prb_set=[0]))[:4]
    tensor([3901, 3904, 3907, 3910])
    """
    carrier, config = check_pucch_config(carrier, config)
    return _positions(carrier, config, dmrs=True).to(device)
