"""PUCCH modulation chain at function level, TS 38.211 §6.3.2.3 - §6.3.2.6 (MATLAB ``nrPUCCH``
/ ``nrPUCCHDecode``).

* format 0 (§6.3.2.3): ``x(l N_sc + n) = r^(alpha_l, 0)_{u,v}(n)`` with the m_cs of the
  HARQ-ACK / SR value (TS 38.213 Tables 9.2.3-3/-4, 9.2.5-1/-2,
  ``data/pucch_format0_cyclic_shift.csv``);
* format 1 (§6.3.2.4): d(0) = BPSK (1 bit) or QPSK (2 bits) of the HARQ-ACK (b(0) = 0 for a
  positive SR alone), ``y(n) = d(0) r^(alpha_l, 0)_{u,v}(n)``, block-wise spread by w_i(m)
  over the data symbols of each hop;
* format 2 (§6.3.2.5): scrambling with ``c_init = n_RNTI 2^15 + n_ID``, QPSK;
* formats 3 and 4 (§6.3.2.6): scrambling, QPSK or pi/2-BPSK, for format 4 block-wise
  spreading ``y(l M + k) = w_n(k) d(l M / N_SF + k mod (M / N_SF))``, transform precoding
  (:func:`~softran.nr.transform_precode`, M_sc = 12 n_PRB).

Outputs are in the order of :func:`~softran.nr.pucch.pucch_indices` (symbol, then subcarrier).
"""

from __future__ import annotations

import functools

import torch

from softran.nr.config import N_SC_RB, CarrierConfig
from softran.nr.datafiles import read_csv
from softran.nr.layers import transform_deprecode, transform_precode
from softran.nr.modulation import symbol_demodulate, symbol_modulate
from softran.nr.pucch.config import PUCCHConfig, check_pucch_config
from softran.nr.pucch.dmrs import f1_spreading, low_papr_symbols, pucch_format4_occ
from softran.nr.pucch.resources import pucch_indices
from softran.nr.scrambling import pusch_descramble, pusch_scramble
from softran.validation import check_bits, check_tensor

__all__ = ["pucch", "pucch_decode", "pucch_format0_cyclic_shift", "pucch_n_id"]


@functools.cache
def _mcs_table() -> dict[tuple[int, int, str], int]:
    return {(int(r["n_bits"]), int(r["sr"]), r["ack"]): int(r["m_cs"])
            for r in read_csv("pucch_format0_cyclic_shift.csv")}


def pucch_format0_cyclic_shift(ack: tuple[int, ...] | list[int], sr: bool = False) -> int:
    """m_CS of a PUCCH format 0 carrying ``ack`` (0-2 HARQ-ACK bits, 1 = ACK) and a
    positive (``sr=True``) or no SR: TS 38.213 Tables 9.2.3-3/-4 and 9.2.5-1/-2.

    >>> [pucch_format0_cyclic_shift(a) for a in ([0], [1], [0, 0], [0, 1], [1, 1], [1, 0])]
    [0, 6, 0, 3, 6, 9]
    >>> pucch_format0_cyclic_shift([], sr=True), pucch_format0_cyclic_shift([1], sr=True)
    (0, 9)
    """
    key = (len(ack), int(bool(sr)), "".join(str(int(b)) for b in ack))
    if key not in _mcs_table():
        raise ValueError(f"no PUCCH format 0 cyclic shift for HARQ-ACK {list(ack)} and sr = {sr}: "
                         "0-2 HARQ-ACK bits, and sr = True when there are none (TS 38.213 9.2)")
    return _mcs_table()[key]


def pucch_n_id(carrier: CarrierConfig, config: PUCCHConfig) -> int:
    """n_ID of the format 2-4 scrambling: ``config.n_id``, else N_ID^cell (§6.3.2.5.1)."""
    return carrier.n_cell_id if config.n_id is None else config.n_id


def _format01(carrier: CarrierConfig, config: PUCCHConfig, ack: torch.Tensor,
              sr: torch.Tensor) -> torch.Tensor:
    batch = ack.shape[:-1]
    a = ack.shape[-1]
    dev = ack.device
    n = batch.numel()
    flat_ack = ack.reshape(n, a)
    flat_sr = sr.expand(batch).reshape(n)
    if config.format == 0:
        syms = tuple(s for h in config.hop_symbols for s in h)
        # one low-PAPR sequence per m_CS hypothesis (at most 12), picked per codeword
        seqs = {m: low_papr_symbols(carrier, config, syms, config.initial_cyclic_shift, m,
                                    N_SC_RB).flatten() for m in range(12)}
        table = torch.stack([seqs[m] for m in range(12)]).to(dev)
        m_cs = torch.tensor([pucch_format0_cyclic_shift(row, bool(s)) if (a or s) else -1
                             for row, s in zip(flat_ack.tolist(), flat_sr.tolist(), strict=True)],
                            dtype=torch.int64, device=dev)
        out = table[m_cs.clamp_min(0)]
        out = torch.where((m_cs >= 0)[:, None], out, torch.zeros_like(out))
        return out.reshape(*batch, -1)
    # format 1
    if a == 0:
        bits = torch.zeros(n, 1, dtype=torch.uint8, device=dev)
        active = flat_sr
    else:
        bits, active = flat_ack, torch.ones(n, dtype=torch.bool, device=dev)
    d0 = symbol_modulate(bits, "BPSK" if bits.shape[-1] == 1 else "QPSK")[:, 0]   # [n]
    parts = []
    for syms, w in f1_spreading(config, dmrs=False):
        r = low_papr_symbols(carrier, config, syms, config.initial_cyclic_shift, 0, N_SC_RB)
        parts.append((w[:, None] * r).flatten())
    seq = torch.cat(parts).to(dev)
    out = d0[:, None] * seq * active[:, None]
    return out.reshape(*batch, -1)


def _spread4(d: torch.Tensor, config: PUCCHConfig) -> torch.Tensor:
    """Format 4 block-wise spreading: ``[..., n_sym * 12 / N_SF] -> [..., n_sym, 12]``."""
    n_sf = config.spreading_factor
    w, _ = pucch_format4_occ(n_sf, config.occ_index)
    blocks = d.reshape(*d.shape[:-1], -1, N_SC_RB // n_sf)                 # [..., L, 12/N_SF]
    return blocks.repeat(*([1] * (blocks.dim() - 1)), n_sf) * w.to(d.device)


def pucch(carrier: CarrierConfig, config: PUCCHConfig, uci: torch.Tensor, *,
          sr: bool | torch.Tensor = False) -> torch.Tensor:
    """PUCCH symbols of one slot (module docstring; TS 38.211 §6.3.2; MATLAB ``nrPUCCH``).

    Parameters
    ----------
    carrier, config : the carrier (slot, cell identity) and the PUCCH.
    uci : formats 0 and 1: the HARQ-ACK bits ``[..., A]``, A = 0, 1, 2 (1 = ACK); formats
        2-4: the coded UCI bits ``[..., G]`` (``G = pucch_indices(...)[1].G``, e.g. from
        :func:`~softran.nr.uci_encode`).
    sr : formats 0 and 1: a positive scheduling request (a bool or a bool tensor of the batch
        shape). A PUCCH with neither HARQ-ACK nor a positive SR is not transmitted: its
        symbols are 0.

    Returns
    -------
    complex64 ``[..., n_re]`` in the order of :func:`~softran.nr.pucch.pucch_indices`.

    >>> c = CarrierConfig(n_size_grid=25)
    >>> p = PUCCHConfig(format=1, symbol_allocation=(0, 14), prb_set=[0])
    >>> x = pucch(c, p, torch.tensor([[1, 0]], dtype=torch.uint8))
    >>> x.shape, bool(torch.allclose(x.abs(), torch.ones(1)))
    (torch.Size([1, 84]), True)
    """
    carrier, config = check_pucch_config(carrier, config)
    uci = check_bits("uci", uci)
    f = config.format
    if f in (0, 1):
        if uci.shape[-1] > 2:
            raise ValueError(f"PUCCH format {f} carries at most 2 HARQ-ACK bits, got "
                             f"{uci.shape[-1]}")
        if isinstance(sr, bool):
            sr_t = torch.tensor(sr, device=uci.device)
        else:
            sr_t = check_tensor("sr", sr)
            if sr_t.dtype != torch.bool:
                raise TypeError(f"sr must be a bool or a bool tensor, got dtype {sr_t.dtype}")
            sr_t = sr_t.to(uci.device)
        return _format01(carrier, config, uci, sr_t)
    _, info = pucch_indices(carrier, config)
    if uci.shape[-1] != info.G:
        raise ValueError(f"uci has {uci.shape[-1]} bits in its last dimension; PUCCH format {f} "
                         f"with this allocation carries G = E_tot = {info.G} (TS 38.212 Table "
                         f"6.3.1.4-1)")
    b = pusch_scramble(uci, pucch_n_id(carrier, config), config.rnti)
    d = symbol_modulate(b, config.modulation)                        # [..., G / Q_m]
    if f == 2:
        return d
    if f == 4:
        y = _spread4(d, config).flatten(-2)
    else:
        y = d
    return transform_precode(y, info.n_sc)


def pucch_decode(carrier: CarrierConfig, config: PUCCHConfig, symbols: torch.Tensor,
                 noise_var: float | torch.Tensor) -> torch.Tensor:
    """Soft bits of equalised PUCCH format 2-4 symbols, the inverse of :func:`pucch`
    (transform deprecoding, format 4 despreading, demapping, descrambling; MATLAB
    ``nrPUCCHDecode``).

    Parameters
    ----------
    symbols : ``[..., n_re]`` complex, in :func:`~softran.nr.pucch.pucch_indices` order.
    noise_var : noise variance per RE: a number or a tensor broadcastable to ``symbols``;
        with transform precoding the variance of a deprecoded symbol is the mean over its OFDM
        symbol (the IDFT spreads the noise evenly).

    Returns
    -------
    float32 ``[..., G]`` descrambled LLRs (``LLR = ln P(0)/P(1)``).

    >>> c = CarrierConfig(n_size_grid=25)
    >>> p = PUCCHConfig(format=3, symbol_allocation=(0, 14), prb_set=[0, 1, 2])
    >>> g = pucch_indices(c, p)[1].G
    >>> cw = torch.randint(0, 2, (2, g), generator=torch.Generator().manual_seed(1))
    >>> llr = pucch_decode(c, p, pucch(c, p, cw), 0.1)
    >>> bool(((llr < 0).to(torch.uint8) == cw).all())
    True
    """
    carrier, config = check_pucch_config(carrier, config)
    f = config.format
    if f in (0, 1):
        raise ValueError(f"pucch_decode takes PUCCH formats 2-4; format {f} carries its "
                         "HARQ-ACK in the sequence: use pucch_detect")
    x = check_tensor("symbols", symbols, min_dim=1)
    if not x.is_complex():
        raise TypeError(f"symbols must be complex, got dtype {x.dtype}")
    _, info = pucch_indices(carrier, config)
    if x.shape[-1] != info.n_re:
        raise ValueError(f"symbols has {x.shape[-1]} values in its last dimension; this PUCCH has "
                         f"{info.n_re} data REs")
    nv = torch.as_tensor(noise_var, dtype=torch.float32, device=x.device)
    if f in (3, 4):
        m = info.n_sc
        x = transform_deprecode(x, m)
        if nv.numel() > 1:
            nv = torch.broadcast_to(nv, x.shape)
            nv = nv.reshape(*nv.shape[:-1], -1, m).mean(-1, keepdim=True).expand(
                *nv.shape[:-1], nv.shape[-1] // m, m).reshape(nv.shape)
        if f == 4:
            n_sf = config.spreading_factor
            w, _ = pucch_format4_occ(n_sf, config.occ_index)
            blocks = (x.reshape(*x.shape[:-1], -1, N_SC_RB) * w.conj().to(x.device)).reshape(
                *x.shape[:-1], -1, n_sf, N_SC_RB // n_sf)
            x = blocks.mean(-2).flatten(-2)                    # despread: noise / N_SF
            if nv.numel() > 1:
                nv = nv.reshape(*nv.shape[:-1], -1, n_sf, N_SC_RB // n_sf).mean(-2).flatten(-2)
            nv = nv / n_sf
    llr = symbol_demodulate(x, config.modulation, nv)
    return pusch_descramble(llr, pucch_n_id(carrier, config), config.rnti)
