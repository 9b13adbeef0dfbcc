"""Demodulation reference signals for PUSCH, TS 38.211 §6.4.1.1.

* :func:`pusch_dmrs_symbols` -- DM-RS OFDM symbols l = l_bar + l' (§6.4.1.1.3, Tables
  6.4.1.1.3-3/-4, stored in ``data/pusch_dmrs_positions_*.csv``).
* :func:`pusch_dmrs` / :func:`pusch_dmrs_indices` -- DM-RS values and their resource elements
  (MATLAB ``nrPUSCHDMRS`` / ``nrPUSCHDMRSIndices``), in the **layer domain**: one row per layer
  j with DM-RS port p~_j, *before* TPMI precoding (MATLAB precodes the DM-RS of a codebook
  PUSCH onto the antenna ports; here the transmitter precodes the whole layer grid afterwards).
* :func:`pusch_dmrs_cdm` -- CDM group, Delta, w_f and w_t of each layer (Tables 6.4.1.1.3-1/-2)
  for receivers, as a :class:`~softran.nr.dmrs.DMRSCDMInfo` (the shared-channel type, also
  exported here).
* :func:`pusch_dmrs_c_init`, :func:`pusch_dmrs_sequence`, :func:`pusch_dmrs_low_papr_group` --
  the sequence-generation steps of §6.4.1.1.1.1 and §6.4.1.1.1.2.

Grid conventions (shared by softran.nr): the layer grid is ``[n_layers, n_symbols,
n_subcarriers]`` with ``n_subcarriers = 12 * carrier.n_size_grid``; indices are 0-based linear
indices in C order, ``idx = j * n_symbols * K + l * K + k``; RE lists are sorted by symbol, then
subcarrier.

Not implemented: intra-slot frequency hopping (Table 6.4.1.1.3-6), the Rel-16 pi/2-BPSK
DM-RS (low-PAPR sequence type 2, *dmrs-UplinkTransformPrecoding-r16*) -- transform-precoded
DM-RS always uses the type 1 low-PAPR sequence here.
"""

from __future__ import annotations

import torch

from softran.nr.config import N_SC_RB, CarrierConfig
from softran.nr.dmrs import DMRSCDMInfo, dmrs_c_init, dmrs_cdm_info, dmrs_re_pattern
from softran.nr.pusch.allocation import dmrs_symbol_positions, dmrs_symbols_l_prime
from softran.nr.pusch.config import PUSCHConfig
from softran.nr.sequences import low_papr_sequence, prbs, prbs_qpsk
from softran.validation import check_int

__all__ = [
    "DMRSCDMInfo",
    "pusch_dmrs",
    "pusch_dmrs_c_init",
    "pusch_dmrs_cdm",
    "pusch_dmrs_indices",
    "pusch_dmrs_low_papr_group",
    "pusch_dmrs_sequence",
    "pusch_dmrs_symbols",
]

DeviceLike = torch.device | str | None

#: Number of low-PAPR sequence groups u (TS 38.211 §5.2.2).
_N_GROUPS = 30


def _check_pusch(pusch: object) -> PUSCHConfig:
    if not isinstance(pusch, PUSCHConfig):
        raise TypeError(f"pusch must be a PUSCHConfig, got {type(pusch).__name__}")
    return pusch


def pusch_dmrs_symbols(carrier: CarrierConfig, pusch: PUSCHConfig) -> list[int]:
    """OFDM symbols l (0-based, within the slot) that carry PUSCH DM-RS, TS 38.211 §6.4.1.1.3.

    l = l_bar + l' with l_bar from Table 6.4.1.1.3-3 (single-symbol) or 6.4.1.1.3-4
    (double-symbol, l' = 0, 1), intra-slot frequency hopping disabled:

    * mapping type A: l_0 = ``dmrs.type_a_position``, l_bar counted from the slot start, the
      duration l_d runs from symbol 0 to the last symbol of the allocation (S + L);
    * mapping type B: l_0 = 0, l_bar counted from the first allocated symbol S, l_d = L.

    Raises ``ValueError`` where the table has no entry ('-') or a DM-RS symbol would fall
    outside the allocation.

    >>> c = CarrierConfig()
    >>> p = PUSCHConfig()
    >>> p.dmrs.additional_position = 1
    >>> pusch_dmrs_symbols(c, p)
    [2, 11]
    >>> p.dmrs.additional_position = 2
    >>> pusch_dmrs_symbols(c, p)
    [2, 7, 11]
    """
    _check_pusch(pusch).check_carrier(carrier)
    return dmrs_symbol_positions(pusch)


def pusch_dmrs_cdm(pusch: PUSCHConfig, *, device: DeviceLike = None) -> DMRSCDMInfo:
    """CDM group, Delta and orthogonal cover codes of each layer's DM-RS port.

    TS 38.211 §6.4.1.1.3, Table 6.4.1.1.3-1 (type 1) / 6.4.1.1.3-2 (type 2). Layer j uses port
    ``pusch.dmrs_ports[j]``.

    >>> info = pusch_dmrs_cdm(PUSCHConfig(n_layers=4))
    >>> info.cdm_group.tolist(), info.w_f[:, 1].tolist()
    ([0, 0, 1, 1], [1.0, -1.0, 1.0, -1.0])
    """
    _check_pusch(pusch)
    return dmrs_cdm_info(pusch.dmrs.dmrs_type, pusch.dmrs_ports, device=device)


def _n_id_and_n_scid(carrier: CarrierConfig, pusch: PUSCHConfig,
                     cdm_group: int) -> tuple[int, int, int]:
    """(N_ID^{n_SCID-bar}, n_SCID-bar, lambda-bar) of §6.4.1.1.1.1."""
    d = pusch.dmrs
    if d.dmrs_uplink_r16:
        lam = cdm_group
        n_scid = 1 - d.n_scid if lam == 1 else d.n_scid
    else:
        lam, n_scid = 0, d.n_scid
    n_id = carrier.n_cell_id if d.n_id_n_scid is None else d.n_id_n_scid[n_scid]
    return n_id, n_scid, lam


def pusch_dmrs_c_init(carrier: CarrierConfig, pusch: PUSCHConfig, l: int,
                      cdm_group: int = 0) -> int:
    """c_init of the PUSCH DM-RS Gold sequence, TS 38.211 §6.4.1.1.1.1 (no transform precoding).

    ::

        c_init = (2^17 (N_symb^slot n_s,f + l + 1)(2 N_ID^{n_SCID-bar} + 1)
                  + 2^17 floor(lambda-bar / 2) + 2 N_ID^{n_SCID-bar} + n_SCID-bar) mod 2^31

    with l the OFDM symbol within the slot, n_s,f the slot within the frame, N_ID^0/N_ID^1 =
    ``dmrs.n_id_n_scid`` (N_ID^cell if None). With ``dmrs.dmrs_uplink_r16``: lambda-bar =
    ``cdm_group`` and n_SCID-bar = n_SCID for lambda 0, 2 and 1 - n_SCID for lambda 1;
    otherwise lambda-bar = 0 and n_SCID-bar = n_SCID (the Rel-15 formula).

    >>> pusch_dmrs_c_init(CarrierConfig(n_cell_id=1), PUSCHConfig(), 2)   # 2^17 * 3 * 3 + 2
    1179650
    """
    _check_pusch(pusch)
    l = check_int("l", l, 0, carrier.symbols_per_slot - 1)
    cdm_group = check_int("cdm_group", cdm_group, 0, 2)
    n_id, n_scid, lam = _n_id_and_n_scid(carrier, pusch, cdm_group)
    return dmrs_c_init(carrier.symbols_per_slot, carrier.slot_in_frame, l, n_id, n_scid, lam)


def pusch_dmrs_sequence(carrier: CarrierConfig, pusch: PUSCHConfig, l: int, length: int,
                        cdm_group: int = 0, *, device: DeviceLike = None) -> torch.Tensor:
    """The DM-RS sequence r(0), ..., r(length-1) of symbol l, TS 38.211 §6.4.1.1.1.1.

    ``r(m) = (1 - 2 c(2m)) / sqrt(2) + j (1 - 2 c(2m+1)) / sqrt(2)`` with c the Gold sequence
    of :func:`softran.nr.prbs` initialised with :func:`pusch_dmrs_c_init`. The index m counts
    from subcarrier 0 of common resource block 0 (6 values per RB for type 1, 4 for type 2).

    Returns complex64 ``[length]``.

    >>> p = PUSCHConfig()   # MATLAB's nrPUSCHDMRS example: N_ID = 10, n_SCID = 1, l = 2
    >>> p.dmrs.n_id_n_scid, p.dmrs.n_scid = 10, 1
    >>> r = pusch_dmrs_sequence(CarrierConfig(), p, 2, 4) * 2 ** 0.5
    >>> r.real.round().tolist(), r.imag.round().tolist()
    ([-1.0, 1.0, -1.0, -1.0], [-1.0, -1.0, 1.0, -1.0])
    """
    length = check_int("length", length, 0)
    c_init = pusch_dmrs_c_init(carrier, pusch, l, cdm_group)
    return prbs_qpsk(torch.tensor(c_init, dtype=torch.int64, device=device), length)


def pusch_dmrs_low_papr_group(carrier: CarrierConfig, pusch: PUSCHConfig,
                              l: int) -> tuple[int, int]:
    """(u, v) of the transform-precoding DM-RS of symbol l, TS 38.211 §6.4.1.1.1.2.

    u = (f_gh + n_ID^RS) mod 30 with n_ID^RS = ``dmrs.n_pusch_identity`` (N_ID^cell if None):

    * group hopping: f_gh = (sum_{m=0}^{7} 2^m c(8 (N_symb^slot n_s,f + l) + m)) mod 30,
      c initialised with floor(n_ID^RS / 30); v = 0;
    * sequence hopping: f_gh = 0, v = c(N_symb^slot n_s,f + l) if M_ZC >= 6 N_sc^RB (else 0),
      c initialised with n_ID^RS;
    * neither: f_gh = 0, v = 0.

    ``l`` is the OFDM symbol within the slot (the first symbol of a double-symbol DM-RS).

    >>> pusch_dmrs_low_papr_group(CarrierConfig(n_cell_id=37), PUSCHConfig(prb_set=[0]), 2)
    (7, 0)
    """
    _check_pusch(pusch)
    l = check_int("l", l, 0, carrier.symbols_per_slot - 1)
    d = pusch.dmrs
    n_id_rs = carrier.n_cell_id if d.n_pusch_identity is None else d.n_pusch_identity
    n = carrier.symbols_per_slot * carrier.slot_in_frame + l
    f_gh, v = 0, 0
    if d.group_hopping:
        c = prbs(n_id_rs // _N_GROUPS, 8 * n + 8)[8 * n:].tolist()
        f_gh = sum(bit << m for m, bit in enumerate(c)) % _N_GROUPS
    elif d.sequence_hopping and 6 * pusch.n_prb >= 6 * N_SC_RB:  # M_ZC = M_sc / 2 >= 72
        v = int(prbs(n_id_rs, n + 1)[n])
    return (f_gh + n_id_rs) % _N_GROUPS, v


def _dmrs_layout(carrier: CarrierConfig, pusch: PUSCHConfig, device: DeviceLike):
    """Shared geometry: (l, l') list, per-layer subcarrier k in the grid [n_layers, n_k],
    sequence index m [n_layers, n_k], k' [n_k]."""
    _check_pusch(pusch).check_carrier(carrier)
    sym = dmrs_symbols_l_prime(pusch)
    bwp_start, _ = pusch.bwp(carrier)
    prb = torch.tensor(pusch.prb_set, dtype=torch.int64, device=device)
    crb = bwp_start + prb  # common resource block numbers
    offsets, k_prime = (t.to(device) for t in dmrs_re_pattern(pusch.dmrs.dmrs_type))
    per_rb = offsets.numel()
    info = pusch_dmrs_cdm(pusch, device=device)
    # sequence index m: from CRB 0 without transform precoding, from the allocation start with
    rb_for_m = prb - prb[0] if pusch.transform_precoding else crb
    m = (per_rb * rb_for_m[:, None] + torch.arange(per_rb, device=device)).reshape(-1)
    k = (N_SC_RB * (crb - carrier.n_start_grid)[:, None] + offsets).reshape(-1)
    k = k.unsqueeze(0) + info.delta[:, None]  # [n_layers, n_k]
    return sym, k, m, k_prime.repeat(prb.numel()), info


def pusch_dmrs_indices(carrier: CarrierConfig, pusch: PUSCHConfig, *,
                       device: DeviceLike = None) -> torch.Tensor:
    """Linear indices of the PUSCH DM-RS resource elements, TS 38.211 §6.4.1.1.3.

    Layer j (DM-RS port p~_j with CDM group Delta) uses subcarriers k = 4n + 2k' + Delta
    (type 1) or 6n + k' + Delta (type 2) of the allocated PRBs on every DM-RS symbol
    (:func:`pusch_dmrs_symbols`). MATLAB namesake ``nrPUSCHDMRSIndices`` (0-based, layer domain).

    Returns
    -------
    int64 tensor ``[n_layers, n_re]``: ``j * n_symbols * K + l * K + k`` into the layer grid
    ``[n_layers, carrier.symbols_per_slot, K = 12 * carrier.n_size_grid]``, sorted by symbol
    then subcarrier.

    >>> idx = pusch_dmrs_indices(CarrierConfig(n_size_grid=1), PUSCHConfig(prb_set=[0]))
    >>> (idx[0] - 2 * 12).tolist()           # symbol 2, even subcarriers (port 0)
    [0, 2, 4, 6, 8, 10]
    """
    sym, k, _, _, _ = _dmrs_layout(carrier, pusch, device)
    n_k = carrier.n_subcarriers
    n_layers = pusch.n_layers
    l_t = torch.tensor([l for l, _ in sym], dtype=torch.int64, device=k.device)
    layer = torch.arange(n_layers, device=k.device)
    idx = (layer[:, None, None] * carrier.symbols_per_slot * n_k
           + l_t[None, :, None] * n_k + k[:, None, :])
    return idx.reshape(n_layers, -1)


def pusch_dmrs(carrier: CarrierConfig, pusch: PUSCHConfig, *,
               device: DeviceLike = None) -> torch.Tensor:
    """PUSCH DM-RS values a_{k,l} in the layer domain, TS 38.211 §6.4.1.1.

    ``a = beta_PUSCH^DMRS w_f(k') w_t(l') r(2n + k')`` on the REs of
    :func:`pusch_dmrs_indices` (same order):

    * transform precoding disabled (§6.4.1.1.1.1): r is the QPSK Gold sequence of
      :func:`pusch_dmrs_sequence` of each DM-RS symbol l (c_init per layer's CDM group with
      ``dmrs_uplink_r16``), indexed from common resource block 0 -- so the values depend on
      where the BWP starts, as in the standard;
    * transform precoding enabled (§6.4.1.1.1.2): r(n) = r_{u,v}^{(0, 1)}(n), the type 1
      low-PAPR sequence (delta = 1) of length M_ZC = 6 n_PRB indexed from the first allocated
      PRB, (u, v) from :func:`pusch_dmrs_low_papr_group` (for a double-symbol DM-RS both
      symbols use l of the first one).

    beta_PUSCH^DMRS = 10^(-beta_DMRS / 20) with beta_DMRS from TS 38.214 Table 6.2.2-1 (0, -3,
    -4.77 dB for 1, 2, 3 CDM groups without data): the amplitude relative to unit-power data,
    e.g. 10^(3/20) = 1.4125 with 2 CDM groups (DM-RS EPRE 3 dB above data). MATLAB's ``nrPUSCHDMRS``
    returns unit-modulus values; divide by ``pusch.dmrs.beta_dmrs`` to compare. The values are
    not precoded (layer domain; see the module docstring).

    Returns
    -------
    complex64 tensor ``[n_layers, n_re]``.

    >>> s = pusch_dmrs(CarrierConfig(), PUSCHConfig())
    >>> s.shape, round(float(s.abs().max()), 4)
    (torch.Size([1, 312]), 1.4125)
    """
    sym, k, m, k_prime, info = _dmrs_layout(carrier, pusch, device)
    dev = k.device
    n_layers = pusch.n_layers
    beta = pusch.dmrs.beta_dmrs
    w_f = info.w_f[:, k_prime]  # [n_layers, n_k]
    rows = []
    if pusch.transform_precoding:
        m_zc = 6 * pusch.n_prb
        for l, l_prime in sym:
            u, v = pusch_dmrs_low_papr_group(carrier, pusch, l - l_prime)
            r = low_papr_sequence(u, v, 0.0, m_zc, delta=1, device=dev)
            rows.append(r[m].unsqueeze(0).expand(n_layers, -1)
                        * info.w_t[:, l_prime:l_prime + 1])
    else:
        length = int(m.max()) + 1
        c_init = torch.tensor(
            [[pusch_dmrs_c_init(carrier, pusch, l, int(g)) for l, _ in sym]
             for g in info.cdm_group.tolist()], dtype=torch.int64, device=dev)
        r = prbs_qpsk(c_init, length)  # [n_layers, n_sym, length]
        for s, (_, l_prime) in enumerate(sym):
            rows.append(r[:, s, m] * info.w_t[:, l_prime:l_prime + 1])
    values = torch.stack(rows, dim=1) * w_f[:, None, :] * beta  # [n_layers, n_sym, n_k]
    return values.reshape(n_layers, -1).to(torch.complex64)
