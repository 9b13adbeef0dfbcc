"""PUCCH demodulation reference signals, TS 38.211 §6.4.1.3 (MATLAB ``nrPUCCHDMRS``).

* format 1 (§6.4.1.3.1): ``z = w_i(m) r^(alpha, 0)_{u,v}(n)`` on the symbols l = 0, 2, 4, ... of
  each hop, the cyclic shift of :func:`~softran.nr.pucch.hopping.pucch_alpha` with m_0 =
  *initialCyclicShift* and m_cs = 0, w_i of Table 6.3.2.4.1-2 with the DM-RS spreading factor
  of Table 6.4.1.3.1.1-1 and the OCC index of the data;
* format 2 (§6.4.1.3.2): the QPSK sequence ``r_l(m)`` of the Gold sequence with
  ``c_init = (2^17 (N_symb^slot n_s + l + 1)(2 N_ID^0 + 1) + 2 N_ID^0) mod 2^31`` on
  ``k = 3m + 1``, m counted from subcarrier 0 of common resource block 0 (4 values per CRB);
* formats 3 and 4 (§6.4.1.3.3): ``r^(alpha, 0)_{u,v}(n)`` of length 12 n_PRB with m_cs = 0 and
  m_0 = 0 (format 3) or m_0 of Table 6.4.1.3.3.1-1 by the OCC index (format 4).
"""

from __future__ import annotations

import functools
import math

import torch

from softran.nr.config import N_SC_RB, CarrierConfig
from softran.nr.datafiles import read_csv
from softran.nr.pucch.config import PUCCHConfig, check_pucch_config, pucch_format1_spreading
from softran.nr.pucch.hopping import pucch_alpha, pucch_cyclic_shift_hopping, pucch_group_sequence
from softran.nr.pucch.resources import pucch_dmrs_symbols, pucch_re_layout
from softran.nr.sequences import low_papr_sequence, prbs_qpsk

__all__ = ["pucch_dmrs", "pucch_format1_occ", "pucch_format4_occ", "pucch_hopping_id"]


@functools.cache
def _occ1() -> dict[tuple[int, int], tuple[int, ...]]:
    return {(int(r["n_sf"]), int(r["i"])): tuple(int(x) for x in r["phi"].split())
            for r in read_csv("pucch_format1_occ.csv")}


def pucch_format1_occ(n_sf: int, i: int) -> torch.Tensor:
    """w_i(m) = exp(j 2 pi phi(m) / N_SF), m = 0..N_SF-1, of TS 38.211 Table 6.3.2.4.1-2:
    complex64 ``[N_SF]``.

    >>> pucch_format1_occ(4, 1).real.round().tolist()
    [1.0, -1.0, 1.0, -1.0]
    """
    key = (int(n_sf), int(i))
    if key not in _occ1():
        raise ValueError(f"no orthogonal sequence i = {i} for N_SF = {n_sf} (TS 38.211 Table "
                         f"6.3.2.4.1-2 has i = 0..N_SF-1, N_SF = 1..7)")
    phi = torch.tensor(_occ1()[key], dtype=torch.float64)
    return torch.polar(torch.ones_like(phi), 2 * math.pi * phi / n_sf).to(torch.complex64)


@functools.cache
def _occ4() -> dict[tuple[int, int], tuple[tuple[complex, ...], int]]:
    val = {"1": 1, "-1": -1, "j": 1j, "-j": -1j}
    return {(int(r["n_sf"]), int(r["n"])): (tuple(val[x] for x in r["blocks"].split()),
                                            int(r["dmrs_m0"]))
            for r in read_csv("pucch_format4_occ.csv")}


def pucch_format4_occ(n_sf: int, n: int) -> tuple[torch.Tensor, int]:
    """(w_n(k), k = 0..11, complex64 ``[12]``; the DM-RS cyclic shift m_0) of TS 38.211
    Tables 6.3.2.6.3-1/-2 and 6.4.1.3.3.1-1.

    >>> w, m0 = pucch_format4_occ(4, 1)
    >>> [(round(z.real), round(z.imag)) for z in w[::3].tolist()], m0
    ([(1, 0), (0, -1), (-1, 0), (0, 1)], 6)
    """
    blocks, m0 = _occ4()[(int(n_sf), int(n))]
    w = torch.tensor(blocks, dtype=torch.complex64).repeat_interleave(N_SC_RB // n_sf)
    return w, m0


def pucch_hopping_id(carrier: CarrierConfig, config: PUCCHConfig) -> int:
    """n_ID of the hopping sequences: *hoppingId*, else N_ID^cell (TS 38.211 §6.3.2.2)."""
    return carrier.n_cell_id if config.hopping_id is None else config.hopping_id


def low_papr_symbols(carrier: CarrierConfig, config: PUCCHConfig, symbols: tuple[int, ...],
                     m0: int, m_cs: int, m_zc: int) -> torch.Tensor:
    """``r^(alpha_l, 0)_{u,v}(n)`` for each slot symbol l of ``symbols`` (u, v of its hop,
    alpha_l of §6.3.2.2.2): complex64 ``[len(symbols), m_zc]``."""
    n_id = pucch_hopping_id(carrier, config)
    hops = config.hop_symbols
    n_cs = pucch_cyclic_shift_hopping(carrier, n_id, symbols)
    alpha = pucch_alpha(m0, m_cs, n_cs)
    rows = []
    for j, l in enumerate(symbols):
        n_hop = 1 if len(hops) == 2 and l in hops[1] else 0
        u, v = pucch_group_sequence(carrier, n_id, config.group_hopping, n_hop, m_zc)
        rows.append(low_papr_sequence(u, v, alpha[j:j + 1], m_zc))
    return torch.cat(rows, dim=0)


def f1_spreading(config: PUCCHConfig, dmrs: bool) -> list[tuple[tuple[int, ...], torch.Tensor]]:
    """Format 1: per hop, (its DM-RS or data symbols, w_i(m) for them)."""
    dm = set(pucch_dmrs_symbols(config))
    sf = pucch_format1_spreading()[config.n_symbols]
    out = []
    for h, syms in enumerate(config.hop_symbols):
        sel = tuple(l for l in syms if (l in dm) == dmrs)
        out.append((sel, pucch_format1_occ(len(sel), config.occ_index)))
    n_sf = [len(s) for s, _ in out]
    want = ([sf[3]] if len(out) == 1 else [sf[4], sf[5]]) if dmrs else \
        ([sf[0]] if len(out) == 1 else [sf[1], sf[2]])
    if n_sf != want:  # pragma: no cover - the tables and the symbol layout agree
        raise RuntimeError(f"format 1 spreading factors {n_sf} disagree with the tables {want}")
    return out


def pucch_dmrs(carrier: CarrierConfig, config: PUCCHConfig, *,
               device: torch.device | str | None = None) -> torch.Tensor:
    """PUCCH DM-RS values in the order of :func:`~softran.nr.pucch.pucch_dmrs_indices`
    (module docstring; TS 38.211 §6.4.1.3; MATLAB ``nrPUCCHDMRS``): complex64 ``[n_dmrs]``
    (empty for format 0).

    >>> d = pucch_dmrs(CarrierConfig(n_size_grid=25), PUCCHConfig(format=2, prb_set=[0]))
    >>> d.shape, bool(torch.allclose(d.abs(), torch.ones(4)))
    (torch.Size([4]), True)
    """
    carrier, config = check_pucch_config(carrier, config)
    f = config.format
    if f == 0:
        out = torch.zeros(0, dtype=torch.complex64)
    elif f == 1:
        parts = []
        for syms, w in f1_spreading(config, dmrs=True):
            r = low_papr_symbols(carrier, config, syms, config.initial_cyclic_shift, 0, N_SC_RB)
            parts.append((w[:, None] * r).flatten())
        out = torch.cat(parts)
    elif f == 2:
        n_id0 = carrier.n_cell_id if config.n_id0 is None else config.n_id0
        n_symb = carrier.symbols_per_slot
        parts = []
        for syms, k0 in pucch_re_layout(carrier, config):
            crb = k0 // N_SC_RB + carrier.n_start_grid          # first CRB of the hop
            for l in syms:
                c_init = ((1 << 17) * (n_symb * carrier.slot_in_frame + l + 1)
                          * (2 * n_id0 + 1) + 2 * n_id0) % (1 << 31)
                r = prbs_qpsk(c_init, 4 * (crb + config.n_prb))
                parts.append(r[4 * crb:])
        out = torch.cat(parts)
    else:
        m0 = 0 if f == 3 else pucch_format4_occ(config.spreading_factor, config.occ_index)[1]
        syms = pucch_dmrs_symbols(config)
        out = low_papr_symbols(carrier, config, syms, m0, 0, N_SC_RB * config.n_prb).flatten()
    return out.to(device=device)
