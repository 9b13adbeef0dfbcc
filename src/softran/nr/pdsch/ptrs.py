"""Phase-tracking reference signals for PDSCH, TS 38.211 §7.4.1.2.

* :func:`pdsch_ptrs_symbols` -- PT-RS OFDM symbols (§7.4.1.2.2, time density L_PT-RS,
  restarted after each DM-RS symbol).
* :func:`pdsch_ptrs_indices` / :func:`pdsch_ptrs` -- PT-RS resource elements and values
  (MATLAB ``nrPDSCHPTRSIndices`` / ``nrPDSCHPTRS``): one PT-RS port, in the layer grid of the
  layer whose DM-RS port is associated with it (layer domain).

The PT-RS REs of a symbol that are reserved for other signals (ZP / NZP CSI-RS, SS/PBCH, the
RB-symbol rate-matching patterns, LTE CRS; TS 38.211 §7.4.1.2.2) are not used. The values
are unit-modulus (no beta_PT-RS, see :class:`~softran.nr.pdsch.reference_config.PDSCHPTRSConfig`).
"""

from __future__ import annotations

import torch

from softran.nr.config import N_SC_RB, CarrierConfig
from softran.nr.dmrs import dmrs_port_table, dmrs_re_pattern
from softran.nr.pdsch.allocation import (
    pdsch_dmrs_symbols_l_prime,
    pdsch_ptrs_positions,
    reserved_re_mask,
)
from softran.nr.pdsch.config import PDSCHConfig, check_pdsch_config
from softran.nr.pdsch.dmrs import pdsch_dmrs_c_init
from softran.nr.ptrs import ptrs_k_ref
from softran.nr.sequences import prbs_qpsk

__all__ = ["pdsch_ptrs", "pdsch_ptrs_indices", "pdsch_ptrs_symbols"]

DeviceLike = torch.device | str | None


def pdsch_ptrs_symbols(carrier: CarrierConfig, pdsch: PDSCHConfig) -> list[int]:
    """OFDM symbols (within the slot) carrying PDSCH PT-RS, TS 38.211 §7.4.1.2.2 (the same
    stepping as :func:`softran.nr.ptrs.ptrs_symbol_offsets`); empty without PT-RS.

    >>> p = PDSCHConfig(enable_ptrs=True)
    >>> p.dmrs.additional_position = 1
    >>> pdsch_ptrs_symbols(CarrierConfig(), p)
    [0, 1, 3, 4, 5, 6, 7, 8, 9, 10, 12, 13]
    """
    check_pdsch_config(carrier, pdsch)
    return pdsch_ptrs_positions(pdsch)[0]


def _layout(carrier: CarrierConfig, pdsch: PDSCHConfig, device: DeviceLike):
    """(layer, k_ref^RE, symbols [n_s], PT-RS CRBs [n_rb], keep [n_s, n_rb]) or None."""
    check_pdsch_config(carrier, pdsch)
    symbols, rbs = pdsch_ptrs_positions(pdsch)
    if not symbols or not rbs:
        return None
    bwp_start, _ = pdsch.bwp(carrier)
    prb = torch.tensor(sorted(pdsch.prbs(carrier)), dtype=torch.int64, device=device)
    crb = bwp_start + prb[torch.tensor(rbs, dtype=torch.int64, device=prb.device)]
    port = pdsch.ptrs_port
    k_re = ptrs_k_ref(pdsch.dmrs.dmrs_type, port, pdsch.ptrs.re_offset)
    l_t = torch.tensor(symbols, dtype=torch.int64, device=prb.device)
    k = N_SC_RB * (crb - carrier.n_start_grid) + k_re
    keep = ~reserved_re_mask(carrier, pdsch, device=prb.device)[l_t[:, None], k[None, :]]
    return pdsch.dmrs_ports.index(port), k_re, l_t, crb, keep


def pdsch_ptrs_indices(carrier: CarrierConfig, pdsch: PDSCHConfig, *,
                       device: DeviceLike = None) -> torch.Tensor:
    """Linear indices of the PDSCH PT-RS REs, TS 38.211 §7.4.1.2.2 (MATLAB
    ``nrPDSCHPTRSIndices``, 0-based, layer domain).

    Subcarrier k = k_ref^RE + (i K_PT-RS + k_ref^RB) N_sc^RB over the PDSCH's RBs in
    increasing order, k_ref^RB = n_RNTI mod K_PT-RS if N_RB mod K_PT-RS = 0 else n_RNTI mod
    (N_RB mod K_PT-RS), k_ref^RE of Table 7.4.1.2.2-1 for the associated DM-RS port; on the
    symbols of :func:`pdsch_ptrs_symbols`; reserved REs left out.

    Returns int64 ``[n_re]`` into the layer grid ``[n_layers, n_symbols, K]`` (in the layer
    of the associated DM-RS port), sorted by symbol then subcarrier; empty without PT-RS.

    >>> p = PDSCHConfig(prb_set=range(4), enable_ptrs=True, rnti=1, symbol_allocation=(0, 4))
    >>> pdsch_ptrs_indices(CarrierConfig(n_size_grid=4), p).tolist()  # symbols 0, 1, 3; RBs 1, 3
    [12, 36, 60, 84, 156, 180]
    """
    lay = _layout(carrier, pdsch, device)
    if lay is None:
        return torch.zeros(0, dtype=torch.int64, device=device)
    layer, _, l_t, crb, keep = lay
    k = N_SC_RB * (crb - carrier.n_start_grid)
    n_k = carrier.n_subcarriers
    k = k + ptrs_k_ref(pdsch.dmrs.dmrs_type, pdsch.ptrs_port, pdsch.ptrs.re_offset)
    idx = layer * carrier.symbols_per_slot * n_k + l_t[:, None] * n_k + k[None, :]
    return idx[keep]


def pdsch_ptrs(carrier: CarrierConfig, pdsch: PDSCHConfig, *,
               device: DeviceLike = None) -> torch.Tensor:
    """PDSCH PT-RS values, TS 38.211 §7.4.1.2.1: ``r_k = r(2m + k')``, the DM-RS sequence of
    §7.4.1.1.1 of the associated DM-RS port at the first DM-RS symbol l_0 and the PT-RS
    subcarrier k (no cover codes, no beta), repeated on every PT-RS symbol. MATLAB namesake
    ``nrPDSCHPTRS``.

    Returns complex64 ``[n_re]`` in the order of :func:`pdsch_ptrs_indices`.

    >>> p = PDSCHConfig(prb_set=range(4), enable_ptrs=True, symbol_allocation=(0, 4))
    >>> pdsch_ptrs(CarrierConfig(n_size_grid=4), p).shape
    torch.Size([6])
    """
    lay = _layout(carrier, pdsch, device)
    if lay is None:
        return torch.zeros(0, dtype=torch.complex64, device=device)
    _, k_re, l_t, crb, keep = lay
    port = pdsch.ptrs_port
    cdm_group, delta = dmrs_port_table(pdsch.dmrs.dmrs_type)[port][:2]
    offsets = dmrs_re_pattern(pdsch.dmrs.dmrs_type)[0].tolist()
    i_in_rb = offsets.index(k_re - delta)       # the DM-RS RE of the port at subcarrier k_re
    m = len(offsets) * crb + i_in_rb
    l0 = pdsch_dmrs_symbols_l_prime(pdsch)[0][0]
    c_init = pdsch_dmrs_c_init(carrier, pdsch, l0, cdm_group)
    r = prbs_qpsk(torch.tensor(c_init, dtype=torch.int64, device=crb.device), int(m.max()) + 1)
    values = r[m].unsqueeze(0).expand(l_t.numel(), -1)
    return values[keep].to(torch.complex64)
