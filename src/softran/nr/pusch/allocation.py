"""Where things sit in a PUSCH allocation: the positions that the DM-RS, PT-RS, data-RE and
configuration modules all need, in one place (TS 38.211 §6.4.1.1.3, §6.4.1.2.2.1; TS 38.214
§6.2.2).

* :func:`dmrs_symbols_l_prime` / :func:`dmrs_symbol_positions` -- DM-RS symbols l = l_bar + l'
  (Tables 6.4.1.1.3-3/-4).
* :func:`ptrs_relative_symbols`, :func:`ptrs_rbs` -- PT-RS symbols and RBs.
* :func:`dmrs_port_table`, :func:`dmrs_re_pattern` (Tables 6.4.1.1.3-1/-2) and
  :func:`ptrs_k_ref` (Table 6.4.1.2.2.1-1) are the shared-channel pieces of
  :mod:`softran.nr.dmrs` / :mod:`softran.nr.ptrs` (PDSCH uses the same tables), re-exported
  here under their PUSCH names.
* :func:`data_re_mask` -- the data REs of the allocation.

These functions read a PUSCH configuration (a :class:`~softran.nr.pusch.config.PUSCHConfig`)
and import nothing above them, so that the configuration's derived properties can use them.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import torch

from softran.nr.config import N_SC_RB
from softran.nr.dmrs import dmrs_port_table, dmrs_positions, dmrs_re_pattern
from softran.nr.ptrs import ptrs_k_ref, ptrs_rb_offsets, ptrs_symbol_offsets

if TYPE_CHECKING:
    from softran.nr.pusch.config import PUSCHConfig

__all__ = [
    "data_re_mask",
    "dmrs_port_table",
    "dmrs_re_pattern",
    "dmrs_symbol_positions",
    "dmrs_symbols_l_prime",
    "ptrs_k_ref",
    "ptrs_rbs",
    "ptrs_relative_symbols",
]

DeviceLike = torch.device | str | None


def dmrs_symbols_l_prime(pusch: PUSCHConfig) -> list[tuple[int, int]]:
    """(l, l') of every DM-RS symbol, l within the slot, sorted (TS 38.211 §6.4.1.1.3,
    Tables 6.4.1.1.3-3/-4).

    >>> from types import SimpleNamespace
    >>> dmrs_symbols_l_prime(SimpleNamespace(symbol_allocation=(0, 14), mapping_type="A",
    ...     dmrs=SimpleNamespace(type_a_position=2, additional_position=1, max_length=1)))
    [(2, 0), (11, 0)]
    """
    d = pusch.dmrs
    return dmrs_positions("pusch", pusch.mapping_type, pusch.symbol_allocation,
                          d.type_a_position, d.additional_position, d.max_length)

def dmrs_symbol_positions(pusch: PUSCHConfig) -> list[int]:
    """DM-RS symbols of ``pusch`` within the slot, without a carrier (no cyclic-prefix check);
    see :func:`pusch_dmrs_symbols`.

    >>> from softran.nr.pusch.config import PUSCHConfig
    >>> dmrs_symbol_positions(PUSCHConfig(mapping_type="B", symbol_allocation=(2, 8)))
    [2]
    """
    return [l for l, _ in dmrs_symbols_l_prime(pusch)]

def ptrs_relative_symbols(pusch: PUSCHConfig) -> list[int]:
    """PT-RS symbols relative to the start of the allocation, TS 38.211 §6.4.1.2.2.1 steps
    1-5 (see :func:`softran.nr.pusch.ptrs.pusch_ptrs_symbols`)."""
    s, length = pusch.symbol_allocation
    dmrs = [l - s for l, _ in dmrs_symbols_l_prime(pusch)]
    return ptrs_symbol_offsets(length, dmrs, pusch.ptrs.time_density)

def ptrs_rbs(pusch: PUSCHConfig) -> list[int]:
    """Positions (in allocation order) of the RBs carrying PT-RS: i K_PT-RS + k_ref^RB
    (TS 38.211 §6.4.1.2.2.1, k_ref^RB from the RNTI)."""
    return ptrs_rb_offsets(pusch.n_prb, pusch.ptrs.frequency_density, pusch.rnti)

def data_re_mask(pusch: PUSCHConfig, *, device: DeviceLike = None) -> torch.Tensor:
    """Boolean ``[L, n_prb, 12]`` mask of the data REs of the allocation (symbol S + row, the
    row's allocated PRBs in increasing order, subcarrier within the PRB), without a carrier.

    >>> from softran.nr.pusch.config import PUSCHConfig
    >>> p = PUSCHConfig(prb_set=[0])
    >>> p.dmrs.num_cdm_groups_without_data = 1
    >>> data_re_mask(p)[2].int().tolist()   # DM-RS symbol 2: odd subcarriers carry data
    [[0, 1, 0, 1, 0, 1, 0, 1, 0, 1, 0, 1]]
    """
    s, length = pusch.symbol_allocation
    mask = torch.ones(length, pusch.n_prb, N_SC_RB, dtype=torch.bool, device=device)
    # DM-RS symbols: the REs of CDM groups 0 .. num_cdm_groups_without_data - 1
    dmrs_rows = [l - s for l, _ in dmrs_symbols_l_prime(pusch)]
    d = pusch.dmrs
    sc = torch.arange(N_SC_RB, device=device)
    if pusch.transform_precoding:
        no_data = torch.ones(N_SC_RB, dtype=torch.bool, device=device)
    elif d.dmrs_type == 1:  # group lambda: k mod 2 = Delta = lambda
        no_data = (sc % 2) < d.num_cdm_groups_without_data
    else:  # group lambda: k mod 6 in {2 lambda, 2 lambda + 1}
        no_data = (sc % 6) // 2 < d.num_cdm_groups_without_data
    mask[dmrs_rows] &= ~no_data
    if pusch.enable_ptrs:
        if pusch.transform_precoding:
            raise NotImplementedError("PT-RS with transform precoding is not implemented")
        rows = torch.tensor(ptrs_relative_symbols(pusch), dtype=torch.int64, device=device)
        rbs = torch.tensor(ptrs_rbs(pusch), dtype=torch.int64, device=device)
        for p in pusch.ptrs_ports:
            k_re = ptrs_k_ref(d.dmrs_type, p, pusch.ptrs.re_offset)
            mask[rows[:, None], rbs[None, :], k_re] = False
    return mask
