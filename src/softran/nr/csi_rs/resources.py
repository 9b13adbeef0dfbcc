"""CSI-RS sequence and mapping, TS 38.211 §7.4.1.5.2 - §7.4.1.5.3 (MATLAB ``nrCSIRS`` /
``nrCSIRSIndices``), and the overlap check of CSI-RS with other signals.

Mapping (§7.4.1.5.3): port p = 3000 + s + j L (CDM index s = 0..L-1 of CDM group j) uses the
entries (k_bar, l_bar) of its group j, at k = n N_sc^RB + k_bar + k', l = l_bar + l' for every
k', l' of the row and every RB n of the resource (rho = 0.5: even or odd common RBs), with

    a_{k,l}^(p) = beta_CSIRS w_f(k') w_t(l') r_l(m'),  m' = floor(n alpha) + k' + floor(k_bar rho / 12),

alpha = rho for X = 1 port and 2 rho otherwise, n the common resource block number, and the
sequence r_l(m) = ((1 - 2 c(2m)) + j (1 - 2 c(2m+1))) / sqrt(2) of §7.4.1.5.2 with
c_init = (2^10 (N_symb^slot n_s,f + l + 1)(2 n_ID + 1) + n_ID) mod 2^31.
"""

from __future__ import annotations

from collections.abc import Sequence

import torch

from softran.nr.config import N_SC_RB, CarrierConfig
from softran.nr.csi_rs.config import CSIRSConfig
from softran.nr.csi_rs.table import csi_rs_cdm_weights
from softran.nr.sequences import prbs_qpsk
from softran.validation import check_int, check_tensor

__all__ = ["check_csi_rs_overlap", "csi_rs", "csi_rs_c_init", "csi_rs_indices"]

DeviceLike = torch.device | str | None


def _check(carrier: object, csirs: object) -> tuple[CarrierConfig, CSIRSConfig]:
    if not isinstance(carrier, CarrierConfig):
        raise TypeError(f"carrier must be a CarrierConfig, got {type(carrier).__name__}")
    if not isinstance(csirs, CSIRSConfig):
        raise TypeError(f"csirs must be a CSIRSConfig, got {type(csirs).__name__}")
    csirs.check_carrier(carrier)
    return carrier, csirs


def csi_rs_c_init(carrier: CarrierConfig, n_id: int, l: int) -> int:
    """c_init of the CSI-RS sequence of symbol l, TS 38.211 §7.4.1.5.2:
    ``(2^10 (N_symb^slot n_s,f + l + 1)(2 n_ID + 1) + n_ID) mod 2^31``.

    >>> csi_rs_c_init(CarrierConfig(n_slot=2), 5, 4)     # 2^10 * (28 + 5) * 11 + 5
    371717
    """
    n_id = check_int("n_id", n_id, 0, 1023)
    l = check_int("l", l, 0, carrier.symbols_per_slot - 1)
    return ((1 << 10) * (carrier.symbols_per_slot * carrier.slot_in_frame + l + 1)
            * (2 * n_id + 1) + n_id) % (1 << 31)


def _crbs(carrier: CarrierConfig, csirs: CSIRSConfig, device: DeviceLike) -> torch.Tensor:
    crb = carrier.n_start_grid + csirs.rb_offset + torch.arange(csirs.n_rb, device=device)
    if csirs.density == "dot5even":
        crb = crb[crb % 2 == 0]
    elif csirs.density == "dot5odd":
        crb = crb[crb % 2 == 1]
    return crb


def _layout(carrier: CarrierConfig, csirs: CSIRSConfig, device: DeviceLike
            ) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor, torch.Tensor]:
    """Per port p, sorted by (l, k): grid subcarrier k, symbol l, sequence index m' and the
    cover w_f w_t, each ``[X, n]``."""
    row = csirs.row
    crb = _crbs(carrier, csirs, device)
    dev = crb.device
    rho = csirs.rho
    alpha = rho if row.ports == 1 else 2 * rho
    weights = csi_rs_cdm_weights(row.cdm_type)
    big_l = row.cdm_size
    ks, ls, ms, ws = [], [], [], []
    for p in range(row.ports):
        j, s = divmod(p, big_l)
        wf, wt = weights[s]
        cols_k, cols_l, cols_m, cols_w = [], [], [], []
        for ((ki, ko), (li, lo)), group in zip(row.entries, row.cdm_group, strict=True):
            if group != j:
                continue
            k_bar = csirs.subcarrier_locations[ki] + ko
            l_bar = csirs.symbol_locations[li] + lo
            for kp in row.k_prime:
                for lp in row.l_prime:
                    cols_k.append(N_SC_RB * (crb - carrier.n_start_grid) + k_bar + kp)
                    cols_l.append(torch.full_like(crb, l_bar + lp))
                    cols_m.append(torch.floor(crb.to(torch.float64) * alpha).to(torch.int64)
                                  + kp + int(k_bar * rho // N_SC_RB))
                    cols_w.append(torch.full((crb.numel(),), float(wf[kp] * wt[lp]),
                                             device=dev))
        k, l = torch.cat(cols_k), torch.cat(cols_l)
        order = torch.argsort(l * (N_SC_RB * 275 + N_SC_RB) + k)
        ks.append(k[order])
        ls.append(l[order])
        ms.append(torch.cat(cols_m)[order])
        ws.append(torch.cat(cols_w)[order])
    return torch.stack(ks), torch.stack(ls), torch.stack(ms), torch.stack(ws)


def csi_rs_indices(carrier: CarrierConfig, csirs: CSIRSConfig, *,
                   device: DeviceLike = None) -> torch.Tensor:
    """Linear indices of the CSI-RS REs of each port, TS 38.211 §7.4.1.5.3 (MATLAB
    ``nrCSIRSIndices``, 0-based), in slot ``carrier.n_slot`` (empty when the resource is not
    transmitted in that slot, see :meth:`CSIRSConfig.is_active`).

    Returns int64 ``[X, n_re]``: ``p n_symbols K + l K + k`` into a port grid
    ``[X, carrier.symbols_per_slot, K]`` (port 3000 + p), sorted by symbol then subcarrier.

    >>> c = CarrierConfig(n_size_grid=1)
    >>> trs = CSIRSConfig(row_number=1, density="three", subcarrier_locations=[1],
    ...                   symbol_locations=[6], n_rb=1)
    >>> (csi_rs_indices(c, trs) - 6 * 12).tolist()            # k0 = 1, 5, 9 (density 3)
    [[1, 5, 9]]
    """
    carrier, csirs = _check(carrier, csirs)
    if not csirs.is_active(carrier):
        return torch.zeros(csirs.ports, 0, dtype=torch.int64, device=device)
    k, l, _, _ = _layout(carrier, csirs, device)
    n_k = carrier.n_subcarriers
    p = torch.arange(csirs.ports, device=k.device)[:, None]
    return p * carrier.symbols_per_slot * n_k + l * n_k + k


def csi_rs(carrier: CarrierConfig, csirs: CSIRSConfig, *,
           device: DeviceLike = None) -> torch.Tensor:
    """CSI-RS values of each port, TS 38.211 §7.4.1.5 (MATLAB ``nrCSIRS``), in the order of
    :func:`csi_rs_indices`: beta_CSIRS w_f(k') w_t(l') r_l(m') (module docstring) for NZP,
    zeros for ZP.

    Returns complex64 ``[X, n_re]``.

    >>> c = CarrierConfig(n_size_grid=2)
    >>> x = csi_rs(c, CSIRSConfig(row_number=3, density="one", subcarrier_locations=[2],
    ...                           symbol_locations=[9], n_rb=2))
    >>> x.shape, bool(torch.allclose(x[1, 1::2], -x[0, 1::2]))     # w_f of port 3001
    (torch.Size([2, 4]), True)
    """
    carrier, csirs = _check(carrier, csirs)
    if not csirs.is_active(carrier):
        return torch.zeros(csirs.ports, 0, dtype=torch.complex64, device=device)
    k, l, m, w = _layout(carrier, csirs, device)
    if csirs.csirs_type == "zp":
        return torch.zeros(k.shape, dtype=torch.complex64, device=k.device)
    symbols = sorted(set(l.flatten().tolist()))
    c_init = torch.tensor([csi_rs_c_init(carrier, csirs.n_id, s) for s in symbols],
                          dtype=torch.int64, device=k.device)
    r = prbs_qpsk(c_init, int(m.max()) + 1)                          # [n_symbols_used, len]
    row_of = torch.full((carrier.symbols_per_slot,), -1, dtype=torch.int64, device=k.device)
    row_of[torch.tensor(symbols, device=k.device)] = torch.arange(len(symbols), device=k.device)
    amp = 10.0 ** (csirs.power_db / 20.0)
    return (r[row_of[l], m] * w * amp).to(torch.complex64)


def check_csi_rs_overlap(carrier: CarrierConfig, resources: Sequence[CSIRSConfig], *,
                         dmrs: torch.Tensor | None = None,
                         ssb: torch.Tensor | None = None) -> None:
    """Raise ``ValueError`` if CSI-RS resources transmitted in slot ``carrier.n_slot`` overlap
    each other, the DM-RS REs ``dmrs`` or the SS/PBCH block REs ``ssb`` (linear indices
    ``l K + k`` into the slot grid ``[n_symbols, K]``, any port). TS 38.211 §7.4.1.1.2 / TS
    38.214 §5.1.6.1: the UE does not expect CSI-RS on DM-RS or SS/PBCH REs; the error names
    the resource, the symbol and the subcarrier.

    >>> c = CarrierConfig(n_size_grid=4)
    >>> trs = CSIRSConfig(row_number=1, density="three", subcarrier_locations=[0],
    ...                   symbol_locations=[2], n_rb=4)
    >>> check_csi_rs_overlap(c, [trs], dmrs=torch.tensor([2 * 48 + 4]))
    Traceback (most recent call last):
    ...
    ValueError: CSI-RS resource 0 (row 1) overlaps the DM-RS on symbol 2, subcarrier 4
    """
    n_k = carrier.n_subcarriers
    plane = carrier.symbols_per_slot * n_k
    others = [("the DM-RS", dmrs), ("the SS/PBCH block", ssb)]
    positions, owners = [], []
    for i, res in enumerate(resources):
        pos = (csi_rs_indices(carrier, res) % plane).flatten().unique()
        for name, ref in others:
            if ref is None:
                continue
            ref = check_tensor(name, ref).flatten().to(pos.device) % plane
            hit = pos[torch.isin(pos, ref)]
            if hit.numel():
                l, k = divmod(int(hit[0]), n_k)
                raise ValueError(f"CSI-RS resource {i} (row {res.row_number}) overlaps {name} "
                                 f"on symbol {l}, subcarrier {k}")
        positions.append(pos)
        owners.append(torch.full_like(pos, i))
    if len(positions) > 1:
        pos, owner = torch.cat(positions), torch.cat(owners)
        order = torch.argsort(pos, stable=True)
        pos, owner = pos[order], owner[order]
        dup = (pos[1:] == pos[:-1]).nonzero().flatten()
        if dup.numel():
            d = int(dup[0])
            l, k = divmod(int(pos[d]), n_k)
            raise ValueError(f"CSI-RS resources {int(owner[d])} and {int(owner[d + 1])} overlap "
                             f"on symbol {l}, subcarrier {k}")
