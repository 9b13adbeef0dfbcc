"""Phase-tracking reference signals for PUSCH without transform precoding, TS 38.211 §6.4.1.2.

* :func:`pusch_ptrs_symbols` -- the OFDM symbols of §6.4.1.2.2.1 (time density L_PT-RS,
  restarted after each DM-RS symbol).
* :func:`pusch_ptrs_indices` / :func:`pusch_ptrs` -- PT-RS resource elements and values (MATLAB
  ``nrPUSCHPTRSIndices`` / ``nrPUSCHPTRS``), one row per PT-RS port, placed in the layer grid of
  the layer whose DM-RS port is associated with that PT-RS port (layer domain, before TPMI
  precoding; same grid and index conventions as :mod:`softran.nr.pusch.dmrs`).

The PT-RS values are not scaled: beta_PT-RS (TS 38.214 §6.2.3.1, Table 6.2.3.1-3, which
depends on the codebook coherence and *ptrs-Power*) is left to the transmitter.

Not implemented: PT-RS with transform precoding (PT-RS groups of §6.4.1.2.1.2 / §6.4.1.2.2.2)
-- those functions raise ``NotImplementedError`` -- and intra-slot frequency hopping.
"""

from __future__ import annotations

import torch

from softran.nr.config import N_SC_RB, CarrierConfig
from softran.nr.dmrs import dmrs_port_table, dmrs_re_pattern
from softran.nr.ptrs import ptrs_k_ref
from softran.nr.pusch.allocation import dmrs_symbols_l_prime, ptrs_rbs, ptrs_relative_symbols
from softran.nr.pusch.config import PUSCHConfig
from softran.nr.pusch.dmrs import pusch_dmrs_c_init
from softran.nr.sequences import prbs_qpsk

__all__ = ["pusch_ptrs", "pusch_ptrs_indices", "pusch_ptrs_symbols"]

DeviceLike = torch.device | str | None


def _check(carrier: CarrierConfig, pusch: PUSCHConfig) -> None:
    if not isinstance(pusch, PUSCHConfig):
        raise TypeError(f"pusch must be a PUSCHConfig, got {type(pusch).__name__}")
    pusch.check_carrier(carrier)
    if pusch.enable_ptrs and pusch.transform_precoding:
        raise NotImplementedError("PT-RS with transform precoding (TS 38.211 §6.4.1.2.1.2, PT-RS "
                                  "groups) is not implemented")


def pusch_ptrs_symbols(carrier: CarrierConfig, pusch: PUSCHConfig) -> list[int]:
    """OFDM symbols (within the slot) carrying PUSCH PT-RS, TS 38.211 §6.4.1.2.2.1.

    Relative to the allocation start: i = 0, l_ref = 0; while l_ref + i L_PT-RS is inside the
    allocation, if a symbol of max(l_ref + (i-1) L_PT-RS + 1, l_ref) .. l_ref + i L_PT-RS is a
    DM-RS symbol then i = 1 and l_ref = that DM-RS symbol (the second of a double-symbol
    DM-RS), else l_ref + i L_PT-RS is a PT-RS symbol and i = i + 1. Empty list when
    ``pusch.enable_ptrs`` is False.

    >>> p = PUSCHConfig(enable_ptrs=True)
    >>> p.dmrs.additional_position = 1
    >>> pusch_ptrs_symbols(CarrierConfig(), p)
    [0, 1, 3, 4, 5, 6, 7, 8, 9, 10, 12, 13]
    """
    _check(carrier, pusch)
    if not pusch.enable_ptrs:
        return []
    return [pusch.symbol_allocation[0] + l for l in ptrs_relative_symbols(pusch)]


def _ptrs_layout(carrier: CarrierConfig, pusch: PUSCHConfig, device: DeviceLike):
    """(symbols, per PT-RS port: layer, sub-RB offset k_ref^RE, PT-RS PRB positions)."""
    _check(carrier, pusch)
    if not pusch.enable_ptrs:
        return [], []
    symbols = pusch_ptrs_symbols(carrier, pusch)
    rbs = torch.tensor(ptrs_rbs(pusch), dtype=torch.int64, device=device)
    ports = []
    for p in pusch.ptrs_ports:
        ports.append((pusch.dmrs_ports.index(p), p,
                      ptrs_k_ref(pusch.dmrs.dmrs_type, p, pusch.ptrs.re_offset)))
    return symbols, [(layer, p, k_re, rbs) for layer, p, k_re in ports]


def pusch_ptrs_indices(carrier: CarrierConfig, pusch: PUSCHConfig, *,
                       device: DeviceLike = None) -> torch.Tensor:
    """Linear indices of the PUSCH PT-RS resource elements, TS 38.211 §6.4.1.2.2.1.

    Subcarrier k = k_ref^RE + (i K_PT-RS + k_ref^RB) N_sc^RB counted over the allocated RBs in
    increasing order (i = 0, 1, ...), with k_ref^RB = n_RNTI mod K_PT-RS if N_RB mod K_PT-RS = 0
    and n_RNTI mod (N_RB mod K_PT-RS) otherwise, and k_ref^RE of Table 6.4.1.2.2.1-1 for the
    associated DM-RS port; on the symbols of :func:`pusch_ptrs_symbols`. MATLAB namesake
    ``nrPUSCHPTRSIndices`` (0-based, layer domain).

    Returns
    -------
    int64 tensor ``[n_ptrs_ports, n_re]`` into the layer grid ``[n_layers, n_symbols, K]``
    (the row of PT-RS port q lies in the layer of DM-RS port ``pusch.ptrs_ports[q]``), sorted
    by symbol then subcarrier; ``[0, 0]`` when PT-RS is disabled.

    >>> p = PUSCHConfig(prb_set=range(4), enable_ptrs=True, rnti=1,
    ...                 symbol_allocation=(0, 4))
    >>> pusch_ptrs_indices(CarrierConfig(n_size_grid=4), p).tolist()  # symbols 0, 1, 3; RBs 1, 3
    [[12, 36, 60, 84, 156, 180]]
    """
    symbols, ports = _ptrs_layout(carrier, pusch, device)
    if not ports or not symbols:
        return torch.zeros(len(ports), 0, dtype=torch.int64, device=device)
    n_k = carrier.n_subcarriers
    bwp_start, _ = pusch.bwp(carrier)
    prb = torch.tensor(pusch.prb_set, dtype=torch.int64, device=device)
    l_t = torch.tensor(symbols, dtype=torch.int64, device=device)
    rows = []
    for layer, _, k_re, rbs in ports:
        k = N_SC_RB * (bwp_start - carrier.n_start_grid + prb[rbs]) + k_re
        rows.append((layer * carrier.symbols_per_slot * n_k + l_t[:, None] * n_k
                     + k[None, :]).reshape(-1))
    return torch.stack(rows)


def pusch_ptrs(carrier: CarrierConfig, pusch: PUSCHConfig, *,
               device: DeviceLike = None) -> torch.Tensor:
    """PUSCH PT-RS values, TS 38.211 §6.4.1.2.1.1 (transform precoding disabled).

    ``r_k = r(2m + k')``: the DM-RS sequence of §6.4.1.1.1.1 of the associated DM-RS port at
    the first DM-RS symbol l_0 and the PT-RS subcarrier k (no w_f / w_t cover, no
    beta scaling), repeated on every PT-RS symbol. MATLAB namesake ``nrPUSCHPTRS``.

    Returns
    -------
    complex64 tensor ``[n_ptrs_ports, n_re]`` in the order of :func:`pusch_ptrs_indices`.

    >>> p = PUSCHConfig(prb_set=range(4), enable_ptrs=True, symbol_allocation=(0, 4))
    >>> pusch_ptrs(CarrierConfig(n_size_grid=4), p).shape
    torch.Size([1, 6])
    """
    symbols, ports = _ptrs_layout(carrier, pusch, device)
    if not ports or not symbols:
        return torch.zeros(len(ports), 0, dtype=torch.complex64, device=device)
    l0 = dmrs_symbols_l_prime(pusch)[0][0]
    bwp_start, _ = pusch.bwp(carrier)
    prb = torch.tensor(pusch.prb_set, dtype=torch.int64, device=device)
    offsets, _ = dmrs_re_pattern(pusch.dmrs.dmrs_type)
    offsets = offsets.tolist()
    per_rb = len(offsets)
    table = dmrs_port_table(pusch.dmrs.dmrs_type)
    rows = []
    for _, p, k_re, rbs in ports:
        cdm_group, delta = table[p][0], table[p][1]
        i_in_rb = offsets.index(k_re - delta)  # the DM-RS RE of port p at subcarrier k_re
        m = per_rb * (bwp_start + prb[rbs]) + i_in_rb
        c_init = pusch_dmrs_c_init(carrier, pusch, l0, cdm_group)
        r = prbs_qpsk(torch.tensor(c_init, dtype=torch.int64, device=device),
                           int(m.max()) + 1)
        rows.append(r[m].repeat(len(symbols)))
    return torch.stack(rows).to(torch.complex64)
