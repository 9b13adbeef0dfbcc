"""Where things sit in a PDSCH allocation (TS 38.211 §7.3.1.5-§7.3.1.6, §7.4.1.1.2,
§7.4.1.2.2; TS 38.214 §5.1.4): the positions the DM-RS, PT-RS, data-RE and index modules
share.

* :func:`pdsch_dmrs_symbols_l_prime` -- DM-RS symbols l = l_bar + l' (Tables 7.4.1.1.2-3/-4).
* :func:`pdsch_ptrs_positions` -- PT-RS symbols and RB positions.
* :func:`reserved_re_mask` -- the REs of the slot the PDSCH is rate-matched around: the
  RB-symbol patterns, the listed REs and the LTE CRS (TS 38.214 §5.1.4.1 / §5.1.4.2).
* :func:`pdsch_data_re_mask` -- the data REs of the allocation, RB by RB in VRB order.

Every function takes the carrier (the reserved resources and the PRBs depend on it) and a
:class:`~softran.nr.pdsch.config.PDSCHConfig`; configurations are not re-checked here (the
public functions of :mod:`softran.nr.pdsch` check them first).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import torch

from softran.nr.config import N_SC_RB, CarrierConfig
from softran.nr.dmrs import dmrs_port_table, dmrs_positions
from softran.nr.ptrs import ptrs_k_ref, ptrs_rb_offsets, ptrs_symbol_offsets

if TYPE_CHECKING:
    from softran.nr.pdsch.config import PDSCHConfig

__all__ = [
    "pdsch_data_re_mask",
    "pdsch_dmrs_symbols_l_prime",
    "pdsch_ptrs_positions",
    "reserved_re_mask",
]

DeviceLike = torch.device | str | None


def pdsch_dmrs_symbols_l_prime(pdsch: PDSCHConfig) -> list[tuple[int, int]]:
    """(l, l') of every PDSCH DM-RS symbol, l within the slot, sorted (TS 38.211 §7.4.1.1.2,
    Tables 7.4.1.1.2-3/-4; see :func:`softran.nr.dmrs.dmrs_positions`).

    >>> from softran.nr.pdsch.config import PDSCHConfig
    >>> p = PDSCHConfig(mapping_type="B", symbol_allocation=(4, 7))
    >>> p.dmrs.max_length = 2
    >>> pdsch_dmrs_symbols_l_prime(p)
    [(4, 0), (5, 1)]
    """
    d = pdsch.dmrs
    return dmrs_positions("pdsch", pdsch.mapping_type, pdsch.symbol_allocation,
                          d.type_a_position, d.additional_position, d.max_length)


def pdsch_ptrs_positions(pdsch: PDSCHConfig) -> tuple[list[int], list[int]]:
    """(PT-RS symbols within the slot, positions of the PT-RS RBs among the allocated PRBs in
    increasing PRB order), TS 38.211 §7.4.1.2.2; ``([], [])`` without PT-RS.

    >>> from softran.nr.pdsch.config import PDSCHConfig
    >>> p = PDSCHConfig(prb_set=range(4), enable_ptrs=True, rnti=3)
    >>> p.ptrs.time_density, p.dmrs.additional_position = 2, 1
    >>> pdsch_ptrs_positions(p)
    ([0, 4, 6, 8, 10, 13], [1, 3])
    """
    if not pdsch.enable_ptrs:
        return [], []
    s, length = pdsch.symbol_allocation
    dmrs = [l - s for l, _ in pdsch_dmrs_symbols_l_prime(pdsch)]
    symbols = [s + l for l in ptrs_symbol_offsets(length, dmrs, pdsch.ptrs.time_density)]
    return symbols, ptrs_rb_offsets(pdsch.n_prb, pdsch.ptrs.frequency_density, pdsch.rnti)


def _lte_crs_mask(carrier: CarrierConfig, pdsch: PDSCHConfig, mask: torch.Tensor) -> None:
    crs = pdsch.lte_crs
    n_k = carrier.n_subcarriers
    for l in crs.crs_symbols():
        if l >= carrier.symbols_per_slot:
            continue
        k_lte = torch.tensor(crs.crs_subcarriers(l), dtype=torch.int64, device=mask.device)
        half = 6 * crs.n_rb
        # NR subcarrier relative to point A; the LTE DC subcarrier sits at carrier_freq_dl
        k_nr = crs.carrier_freq_dl - half + k_lte + (k_lte >= half).to(torch.int64)
        k = k_nr - N_SC_RB * carrier.n_start_grid
        k = k[(k >= 0) & (k < n_k)]
        mask[l, k] = True


def reserved_re_mask(carrier: CarrierConfig, pdsch: PDSCHConfig, *,
                     device: DeviceLike = None) -> torch.Tensor:
    """Boolean ``[n_symbols, K]`` mask of the REs of slot ``carrier.n_slot`` that the PDSCH is
    rate-matched around (TS 38.214 §5.1.4): every :class:`PDSCHReservedConfig` of
    ``pdsch.reserved_prb`` (its PRBs x its symbols of this slot, the slot taken modulo the
    pattern's period), the REs of ``pdsch.reserved_re`` and, with ``pdsch.lte_crs``, the LTE
    CRS REs (see :class:`~softran.nr.pdsch.reference_config.LTECRSConfig`).

    >>> from softran.nr.pdsch.config import PDSCHConfig
    >>> from softran.nr.pdsch.reference_config import PDSCHReservedConfig
    >>> p = PDSCHConfig(reserved_prb=[PDSCHReservedConfig(prb_set=[1], symbol_set=[0, 1])])
    >>> m = reserved_re_mask(CarrierConfig(n_size_grid=2), p)
    >>> int(m.sum()), m[0, 12:].all().item(), m[2].any().item()
    (24, True, False)
    """
    n_sym, n_k = carrier.symbols_per_slot, carrier.n_subcarriers
    mask = torch.zeros(n_sym, n_k, dtype=torch.bool, device=device)
    for r in pdsch.reserved_prb:
        syms = r.symbols_in_slot(carrier.n_slot, n_sym)
        if not syms or not r.prb_set:
            continue
        prb = torch.tensor(r.prb_set, dtype=torch.int64, device=mask.device)
        k = (N_SC_RB * prb[:, None] + torch.arange(N_SC_RB, device=mask.device)).reshape(-1)
        l = torch.tensor(syms, dtype=torch.int64, device=mask.device)
        mask[l[:, None], k[None, :]] = True
    if pdsch.reserved_re:
        flat = mask.view(-1)
        flat[torch.tensor(pdsch.reserved_re, dtype=torch.int64, device=mask.device)] = True
    if pdsch.lte_crs is not None:
        _lte_crs_mask(carrier, pdsch, mask)
    return mask


def _dmrs_no_data(pdsch: PDSCHConfig, device: DeviceLike) -> torch.Tensor:
    """[12] mask of the subcarriers of an RB on a DM-RS symbol that carry no data: the REs of
    CDM groups 0 .. num_cdm_groups_without_data - 1 (TS 38.214 §5.1.6.2)."""
    d = pdsch.dmrs
    sc = torch.arange(N_SC_RB, device=device)
    if d.dmrs_type == 1:  # group lambda: k mod 2 = lambda
        return (sc % 2) < d.num_cdm_groups_without_data
    return (sc % 6) // 2 < d.num_cdm_groups_without_data  # k mod 6 in {2 lambda, 2 lambda + 1}


def pdsch_data_re_mask(carrier: CarrierConfig, pdsch: PDSCHConfig, *,
                       device: DeviceLike = None) -> tuple[torch.Tensor, torch.Tensor]:
    """The data REs of the allocation, TS 38.211 §7.3.1.5 / §7.3.1.6: ``(mask, prb)`` with
    ``mask`` boolean ``[L, n_prb, 12]`` (symbol S + row, the allocated RBs in VRB order,
    subcarrier) and ``prb`` int64 ``[n_prb]`` the physical RB (within the BWP) of each column.

    A RE carries data unless it is a DM-RS RE of a CDM group without data, a PT-RS RE, or a
    reserved RE (:func:`reserved_re_mask`). Raises ``ValueError`` where a reserved RE falls on
    a DM-RS RE of the PDSCH (TS 38.214 §5.1.4: the DM-RS is not rate-matched; such a
    configuration is not allowed).

    >>> from softran.nr.pdsch.config import PDSCHConfig
    >>> p = PDSCHConfig(prb_set=[0])
    >>> p.dmrs.num_cdm_groups_without_data = 1
    >>> mask, prb = pdsch_data_re_mask(CarrierConfig(n_size_grid=1), p)
    >>> mask[2].int().tolist(), prb.tolist()     # DM-RS symbol 2: odd subcarriers carry data
    ([[0, 1, 0, 1, 0, 1, 0, 1, 0, 1, 0, 1]], [0])
    """
    s, length = pdsch.symbol_allocation
    prb = torch.tensor(pdsch.prbs(carrier), dtype=torch.int64, device=device)
    dev = prb.device
    mask = torch.ones(length, pdsch.n_prb, N_SC_RB, dtype=torch.bool, device=dev)
    dmrs_rows = [l - s for l, _ in pdsch_dmrs_symbols_l_prime(pdsch)]
    no_data = _dmrs_no_data(pdsch, dev)
    mask[dmrs_rows] &= ~no_data
    bwp_start, _ = pdsch.bwp(carrier)
    k = N_SC_RB * (bwp_start - carrier.n_start_grid + prb)[:, None] + torch.arange(N_SC_RB,
                                                                                  device=dev)
    reserved = reserved_re_mask(carrier, pdsch, device=dev)[s:s + length][:, k]  # [L, n, 12]
    if reserved.any():
        d = pdsch.dmrs
        group = (torch.arange(N_SC_RB, device=dev) % 2 if d.dmrs_type == 1
                 else torch.arange(N_SC_RB, device=dev) % 6 // 2)
        used = torch.zeros(N_SC_RB, dtype=torch.bool, device=dev)
        table = dmrs_port_table(d.dmrs_type)
        for p in pdsch.dmrs_ports:
            used |= group == table[p][0]
        clash = reserved[dmrs_rows][..., used]
        if clash.any():
            raise ValueError(
                f"reserved resources (reserved_prb / reserved_re / lte_crs) fall on DM-RS REs "
                f"of the PDSCH on symbols {[s + r for r in dmrs_rows]}; the DM-RS is not "
                "rate-matched (TS 38.214 §5.1.4): move the pattern or the DM-RS")
        mask &= ~reserved
    ptrs_symbols, ptrs_rbs = pdsch_ptrs_positions(pdsch)
    if ptrs_symbols:
        order = torch.argsort(prb)                       # PT-RS RBs count in PRB order
        cols = order[torch.tensor(ptrs_rbs, dtype=torch.int64, device=dev)]
        rows = torch.tensor(ptrs_symbols, dtype=torch.int64, device=dev) - s
        k_re = ptrs_k_ref(pdsch.dmrs.dmrs_type, pdsch.ptrs_port, pdsch.ptrs.re_offset)
        mask[rows[:, None], cols[None, :], k_re] = False
    return mask, prb
