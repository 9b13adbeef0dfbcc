"""Demodulation reference signals for PDSCH, TS 38.211 §7.4.1.1.

* :func:`pdsch_dmrs_symbols` -- DM-RS OFDM symbols l = l_bar + l' (§7.4.1.1.2, Tables
  7.4.1.1.2-3/-4, ``data/pdsch_dmrs_positions_*.csv``).
* :func:`pdsch_dmrs` / :func:`pdsch_dmrs_indices` -- DM-RS values and resource elements
  (MATLAB ``nrPDSCHDMRS`` / ``nrPDSCHDMRSIndices``) in the layer domain: one row per layer j
  with antenna port 1000 + ``dmrs_ports[j]``, before precoding.
* :func:`pdsch_dmrs_cdm` -- CDM group, Delta, w_f, w_t per layer (Tables 7.4.1.1.2-1/-2).
* :func:`pdsch_dmrs_c_init`, :func:`pdsch_dmrs_sequence` -- §7.4.1.1.1.

Grid conventions are those of :mod:`softran.nr.pusch.dmrs`: layer grid ``[n_layers,
n_symbols, 12 n_size_grid]``, 0-based C-order linear indices ``j n_symbols K + l K + k``,
sorted by symbol then subcarrier. The DM-RS occupies the physical resource blocks of the
PDSCH (after VRB-to-PRB mapping); the sequence index m counts from subcarrier 0 of common
resource block 0 (§7.4.1.1.2; the CORESET 0 reference point of a PDSCH scheduled with SI-RNTI
in the Type0 common search space is not modelled).
"""

from __future__ import annotations

import torch

from softran.nr.config import N_SC_RB, CarrierConfig
from softran.nr.dmrs import DMRSCDMInfo, dmrs_c_init, dmrs_cdm_info, dmrs_re_pattern
from softran.nr.pdsch.allocation import pdsch_dmrs_symbols_l_prime
from softran.nr.pdsch.config import PDSCHConfig, check_pdsch_config
from softran.nr.sequences import prbs_qpsk
from softran.validation import check_int

__all__ = [
    "pdsch_dmrs",
    "pdsch_dmrs_c_init",
    "pdsch_dmrs_cdm",
    "pdsch_dmrs_indices",
    "pdsch_dmrs_sequence",
    "pdsch_dmrs_symbols",
]

DeviceLike = torch.device | str | None


def pdsch_dmrs_symbols(carrier: CarrierConfig, pdsch: PDSCHConfig) -> list[int]:
    """OFDM symbols l (0-based, within the slot) carrying PDSCH DM-RS, TS 38.211 §7.4.1.1.2.

    l = l_bar + l' with l_bar from Table 7.4.1.1.2-3 (single-symbol) or 7.4.1.1.2-4
    (double-symbol, l' = 0, 1): mapping type A counts l_bar from the slot start with l_0 =
    ``dmrs.type_a_position`` and l_d from symbol 0 to the end of the allocation; type B counts
    from the first allocated symbol with l_0 = 0 and l_d = L.

    >>> p = PDSCHConfig()
    >>> p.dmrs.additional_position = 3
    >>> pdsch_dmrs_symbols(CarrierConfig(), p)
    [2, 5, 8, 11]
    """
    check_pdsch_config(carrier, pdsch)
    return [l for l, _ in pdsch_dmrs_symbols_l_prime(pdsch)]


def pdsch_dmrs_cdm(pdsch: PDSCHConfig, *, device: DeviceLike = None) -> DMRSCDMInfo:
    """CDM group, Delta and orthogonal cover codes of each layer's DM-RS port, TS 38.211
    Tables 7.4.1.1.2-1/-2.

    >>> info = pdsch_dmrs_cdm(PDSCHConfig(n_layers=4))
    >>> info.cdm_group.tolist(), info.w_f[:, 1].tolist()
    ([0, 0, 1, 1], [1.0, -1.0, 1.0, -1.0])
    """
    if not isinstance(pdsch, PDSCHConfig):
        raise TypeError(f"pdsch must be a PDSCHConfig, got {type(pdsch).__name__}")
    return dmrs_cdm_info(pdsch.dmrs.dmrs_type, pdsch.dmrs_ports, device=device)


def pdsch_dmrs_c_init(carrier: CarrierConfig, pdsch: PDSCHConfig, l: int,
                      cdm_group: int = 0) -> int:
    """c_init of the PDSCH DM-RS Gold sequence of symbol l, TS 38.211 §7.4.1.1.1::

        c_init = (2^17 (N_symb^slot n_s,f + l + 1)(2 N_ID^{n_SCID-bar} + 1)
                  + 2^17 floor(lambda-bar / 2) + 2 N_ID^{n_SCID-bar} + n_SCID-bar) mod 2^31

    N_ID^0, N_ID^1 = ``dmrs.n_id_n_scid`` (N_ID^cell if None). With ``dmrs.dmrs_downlink_r16``
    lambda-bar is the CDM group lambda and n_SCID-bar = 1 - n_SCID for lambda = 1; otherwise
    lambda-bar = 0 and n_SCID-bar = n_SCID.

    >>> pdsch_dmrs_c_init(CarrierConfig(n_cell_id=1), PDSCHConfig(), 2)   # 2^17 * 3 * 3 + 2
    1179650
    """
    carrier, pdsch = check_pdsch_config(carrier, pdsch)
    l = check_int("l", l, 0, carrier.symbols_per_slot - 1)
    cdm_group = check_int("cdm_group", cdm_group, 0, 2)
    d = pdsch.dmrs
    if d.dmrs_downlink_r16:
        lam = cdm_group
        n_scid = 1 - d.n_scid if lam == 1 else d.n_scid
    else:
        lam, n_scid = 0, d.n_scid
    n_id = carrier.n_cell_id if d.n_id_n_scid is None else d.n_id_n_scid[n_scid]
    return dmrs_c_init(carrier.symbols_per_slot, carrier.slot_in_frame, l, n_id, n_scid, lam)


def pdsch_dmrs_sequence(carrier: CarrierConfig, pdsch: PDSCHConfig, l: int, length: int,
                        cdm_group: int = 0, *, device: DeviceLike = None) -> torch.Tensor:
    """The DM-RS sequence r(0) .. r(length-1) of symbol l, TS 38.211 §7.4.1.1.1:
    ``r(m) = (1 - 2 c(2m)) / sqrt(2) + j (1 - 2 c(2m+1)) / sqrt(2)`` with c initialised by
    :func:`pdsch_dmrs_c_init`; m counts from common resource block 0 (6 values per RB for
    type 1, 4 for type 2).

    >>> r = pdsch_dmrs_sequence(CarrierConfig(n_cell_id=1), PDSCHConfig(), 2, 3)
    >>> r.shape, bool(torch.allclose(r.abs(), torch.ones(3)))
    (torch.Size([3]), True)
    """
    length = check_int("length", length, 0)
    c_init = pdsch_dmrs_c_init(carrier, pdsch, l, cdm_group)
    return prbs_qpsk(torch.tensor(c_init, dtype=torch.int64, device=device), length)


def _layout(carrier: CarrierConfig, pdsch: PDSCHConfig, device: DeviceLike):
    """(l, l') list, per-layer subcarrier k [n_layers, n_k], sequence index m [n_k], k' [n_k],
    CDM info; the physical RBs in increasing order."""
    check_pdsch_config(carrier, pdsch)
    sym = pdsch_dmrs_symbols_l_prime(pdsch)
    bwp_start, _ = pdsch.bwp(carrier)
    prb = torch.tensor(sorted(pdsch.prbs(carrier)), dtype=torch.int64, device=device)
    crb = bwp_start + prb
    offsets, k_prime = (t.to(prb.device) for t in dmrs_re_pattern(pdsch.dmrs.dmrs_type))
    per_rb = offsets.numel()
    info = pdsch_dmrs_cdm(pdsch, device=prb.device)
    m = (per_rb * crb[:, None] + torch.arange(per_rb, device=prb.device)).reshape(-1)
    k = (N_SC_RB * (crb - carrier.n_start_grid)[:, None] + offsets).reshape(-1)
    k = k.unsqueeze(0) + info.delta[:, None]
    return sym, k, m, k_prime.repeat(prb.numel()), info


def pdsch_dmrs_indices(carrier: CarrierConfig, pdsch: PDSCHConfig, *,
                       device: DeviceLike = None) -> torch.Tensor:
    """Linear indices of the PDSCH DM-RS REs, TS 38.211 §7.4.1.1.2 (MATLAB
    ``nrPDSCHDMRSIndices``, 0-based, layer domain).

    Layer j (port 1000 + p with CDM group Delta) uses subcarriers k = 4n + 2k' + Delta (type 1)
    or 6n + k' + Delta (type 2) of the PDSCH's physical RBs on every DM-RS symbol.

    Returns int64 ``[n_layers, n_re]``: ``j n_symbols K + l K + k`` into the layer grid
    ``[n_layers, carrier.symbols_per_slot, K]``, sorted by symbol then subcarrier.

    >>> idx = pdsch_dmrs_indices(CarrierConfig(n_size_grid=1), PDSCHConfig(prb_set=[0]))
    >>> (idx[0] - 2 * 12).tolist()           # symbol 2, even subcarriers (port 1000)
    [0, 2, 4, 6, 8, 10]
    """
    sym, k, _, _, _ = _layout(carrier, pdsch, device)
    n_k, n_layers = carrier.n_subcarriers, pdsch.n_layers
    l_t = torch.tensor([l for l, _ in sym], dtype=torch.int64, device=k.device)
    layer = torch.arange(n_layers, device=k.device)
    idx = (layer[:, None, None] * carrier.symbols_per_slot * n_k
           + l_t[None, :, None] * n_k + k[:, None, :])
    return idx.reshape(n_layers, -1)


def pdsch_dmrs(carrier: CarrierConfig, pdsch: PDSCHConfig, *,
               device: DeviceLike = None) -> torch.Tensor:
    """PDSCH DM-RS values in the layer domain, TS 38.211 §7.4.1.1.2:
    ``a = beta_PDSCH^DMRS w_f(k') w_t(l') r(2n + k')`` on the REs of
    :func:`pdsch_dmrs_indices` (same order), r the sequence of :func:`pdsch_dmrs_sequence` of
    each DM-RS symbol (of each layer's CDM group with ``dmrs_downlink_r16``).

    beta_PDSCH^DMRS = 10^(-beta_DMRS / 20) with beta_DMRS from TS 38.214 Table 4.1-1 (0, -3,
    -4.77 dB for 1, 2, 3 CDM groups without data): the amplitude relative to unit-power data.
    MATLAB's ``nrPDSCHDMRS`` returns unit-modulus values; divide by ``pdsch.dmrs.beta_dmrs``
    to compare.

    Returns complex64 ``[n_layers, n_re]``.

    >>> s = pdsch_dmrs(CarrierConfig(), PDSCHConfig())
    >>> s.shape, round(float(s.abs().max()), 4)
    (torch.Size([1, 312]), 1.4125)
    """
    sym, k, m, k_prime, info = _layout(carrier, pdsch, device)
    dev = k.device
    w_f = info.w_f[:, k_prime]                                           # [v, n_k]
    c_init = torch.tensor(
        [[pdsch_dmrs_c_init(carrier, pdsch, l, int(g)) for l, _ in sym]
         for g in info.cdm_group.tolist()], dtype=torch.int64, device=dev)
    r = prbs_qpsk(c_init, int(m.max()) + 1)                              # [v, n_sym, len]
    rows = [r[:, s, m] * info.w_t[:, lp:lp + 1] for s, (_, lp) in enumerate(sym)]
    values = torch.stack(rows, dim=1) * w_f[:, None, :] * pdsch.dmrs.beta_dmrs
    return values.reshape(pdsch.n_layers, -1).to(torch.complex64)
