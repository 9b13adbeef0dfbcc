"""UE-side PDCCH blind decoding: TS 38.213 §10.1 search spaces, TS 38.211 §7.3.2 / §7.4.1.3,
TS 38.212 §7.3.

For every RNTI, the UE computes the candidates of the search space set in the slot
(:func:`softran.nr.pdcch.coreset.pdcch_candidates`) and, for every aggregation level, processes all
of its candidates at once:

1. channel estimate: least squares on the candidate's DM-RS REs, ``h = y conj(r)``
   (|r| = 1), averaged over each REG bundle (the UE may assume the same precoding within a
   REG bundle, TS 38.211 §7.3.2.2 ``sameAsREG-bundle``), one value per bundle and receive
   antenna;
2. noise variance (unless given): the spread of the LS estimates about their bundle means,
   ``N0 = sum |h_ls - h_bundle|^2 / (n_rx n_bundles (n_p - 1))`` with n_p = 3 L DM-RS REs per
   bundle (unbiased for a channel that is flat within the bundle), per candidate;
3. maximum-ratio combining over the receive antennas and exact QPSK LLRs
   ``2 sqrt(2) Re / Im(sum_r conj(h_r) y_r) / N0`` (the LLR of the combined symbol), then
   descrambling (TS 38.211 §7.3.2.3);
4. :func:`softran.nr.coding.dci.dci_decode` of the LLRs of all candidates of the level in one call per
   (DCI size, RNTI); a candidate is reported when the CRC with the RNTI mask passes.

A DCI sent at aggregation level AL can also pass the CRC on a smaller candidate whose CCEs lie
inside it (when the smaller candidate's REs and rate matching read a prefix of the same
codeword); such a repeat of the same (RNTI, size, bits) on nested CCEs is reported once, at
the largest aggregation level.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import NamedTuple

import torch

from softran.nr.coding.dci import DCI_CRC_LENGTH, DCI_MAX_PAYLOAD, DCI_MIN_PAYLOAD, dci_decode
from softran.nr.config import CarrierConfig
from softran.nr.pdcch.chain import (
    check_pdcch_setup,
    pdcch_descramble,
    pdcch_dmrs_values,
    pdcch_resources,
)
from softran.nr.pdcch.coreset import CORESETConfig, SearchSpaceConfig, pdcch_candidates
from softran.validation import check_finite, check_int, check_positive, check_tensor

__all__ = ["PDCCHDetection", "pdcch_blind_decode"]

#: Coded bits per CCE: 6 REGs x 9 PDCCH REs x 2 (QPSK) (TS 38.211 §7.3.2).
BITS_PER_CCE = 108
#: Floor of an estimated noise variance, relative to the mean |h_ls|^2 of the candidate, so
#: that a noiseless input gives large finite LLRs instead of a division by zero.
_N0_FLOOR = 1e-6


class PDCCHDetection(NamedTuple):
    """A DCI found by :func:`pdcch_blind_decode`."""

    batch_index: tuple[int, ...]   # position in the leading dimensions of rx_grid
    rnti: int
    aggregation_level: int
    first_cce: int
    dci_size: int                  # A
    bits: torch.Tensor             # uint8 [A], the DCI payload


def _int_list(name: str, value: object, low: int, high: int) -> list[int]:
    if isinstance(value, Sequence) and not isinstance(value, (str, bytes)):
        items = [check_int(f"{name}[{i}]", v, low, high) for i, v in enumerate(value)]
    else:
        items = [check_int(name, value, low, high)]
    if not items:
        raise ValueError(f"{name} is empty; give at least one value")
    if len(set(items)) != len(items):
        raise ValueError(f"{name} = {items} has repeated entries")
    return items


def _noise_var(noise_var: object, batch: torch.Size, device: torch.device) -> torch.Tensor | None:
    """None, or float32 [B, 1] per batch entry."""
    if noise_var is None:
        return None
    if isinstance(noise_var, torch.Tensor):
        if noise_var.is_complex() or not noise_var.is_floating_point():
            raise TypeError(f"noise_var must be a real floating-point tensor, got dtype "
                            f"{noise_var.dtype}")
        try:
            nv = noise_var.to(device=device, dtype=torch.float32).expand(batch)
        except RuntimeError:
            raise ValueError(f"noise_var of shape {tuple(noise_var.shape)} does not broadcast "
                             f"to the leading dimensions {tuple(batch)} of rx_grid") from None
        if nv.numel() and not bool((torch.isfinite(nv) & (nv > 0)).all()):
            raise ValueError("noise_var must be finite and > 0")
        return nv.reshape(-1, 1)
    nv0 = check_positive("noise_var", noise_var)
    return torch.full((max(1, math.prod(batch)), 1), nv0, dtype=torch.float32, device=device)


def _candidate_llrs(rx: torch.Tensor, carrier: CarrierConfig, coreset: CORESETConfig,
                    firsts: list[int], al: int, start_symbol: int, n_id: int, n_rnti: int,
                    nv: torch.Tensor | None) -> torch.Tensor:
    """LLRs [B, M, 108 AL] of the M candidates (first CCEs ``firsts``) of level ``al``;
    ``rx`` is [B, n_rx, n_symbols K]."""
    lay = pdcch_resources(carrier, coreset, firsts, al, start_symbol, rx.device)
    y_d = rx[:, :, lay.data]                                     # [B, R, M, nd]
    y_p = rx[:, :, lay.dmrs]                                     # [B, R, M, np]
    r = pdcch_dmrs_values(carrier, n_id, lay.dmrs_l, lay.dmrs_m).to(rx.dtype)
    h_ls = y_p * r.conj()
    n_bundles = 6 * al // coreset.reg_bundle_size
    per_bundle = 3 * coreset.reg_bundle_size                     # DM-RS REs per bundle
    onehot = torch.nn.functional.one_hot(lay.dmrs_bundle, n_bundles).to(h_ls.dtype)
    h_b = torch.einsum("brmp,mpq->brmq", h_ls, onehot) / per_bundle   # [B, R, M, nb]
    b, n_rx, m = h_ls.shape[0], h_ls.shape[1], h_ls.shape[2]
    if nv is None:
        idx_p = lay.dmrs_bundle.expand(b, n_rx, -1, -1)
        resid = h_ls - h_b.gather(-1, idx_p)
        dof = n_rx * n_bundles * (per_bundle - 1)
        n0 = resid.abs().square().sum((1, 3)) / dof              # [B, M]
        floor = _N0_FLOOR * h_ls.abs().square().mean((1, 3))
        n0 = torch.maximum(n0, floor).clamp_min(torch.finfo(n0.dtype).tiny)
    else:
        n0 = nv.to(h_ls.real.dtype).expand(b, m)
    h_d = h_b.gather(-1, lay.data_bundle.expand(b, n_rx, -1, -1))    # [B, R, M, nd]
    num = (h_d.conj() * y_d).sum(1)                              # [B, M, nd]
    scale = (2.0 * math.sqrt(2.0)) / n0[..., None]
    llr = torch.stack([num.real * scale, num.imag * scale], dim=-1).reshape(b, m, -1)
    return pdcch_descramble(llr.to(torch.float32), n_id, n_rnti)


def pdcch_blind_decode(rx_grid: torch.Tensor, carrier: CarrierConfig, coreset: CORESETConfig,
                       search_space: SearchSpaceConfig, rntis: int | Sequence[int],
                       dci_sizes: int | Sequence[int], *,
                       noise_var: float | torch.Tensor | None = None, list_length: int = 8,
                       kernel: str = "auto") -> list[PDCCHDetection]:
    """Blind decoding of the PDCCH candidates of a search space set, TS 38.213 §10.1 with
    TS 38.211 §7.3.2 / §7.4.1.3 and TS 38.212 §7.3 (see the module docstring for the receiver).

    Parameters
    ----------
    rx_grid : ``[..., n_rx, n_symbols, K]`` complex received grid of one slot
        (``carrier.symbols_per_slot`` symbols, K = 12 ``carrier.n_size_grid``).
    carrier : the carrier (slot number for the hashing function and the DM-RS, cell identity).
    coreset : the CORESET (``pdcch_dmrs_scrambling_id``: n_ID of scrambling and DM-RS, and
        then n_RNTI = C-RNTI for a USS; else N_ID^cell and n_RNTI = 0, TS 38.211 §7.3.2.3).
    search_space : the search space set (type, first symbol, candidates per level).
    rntis : the RNTI(s) to try, 1..65535 (for a USS each RNTI has its own candidates).
    dci_sizes : the DCI payload size(s) A to try, 1..140; a size whose K = max(A, 12) + 24
        exceeds the 108 AL bits of a level is not tried at that level.
    noise_var : noise variance N0 per RE and receive antenna: a number > 0, a real tensor
        broadcastable to the leading dimensions, or ``None`` to estimate it per candidate.
    list_length : L of the CA-SCL polar decoder (1, 2, 4, 8, 16, 32).
    kernel : polar decoder kernel, as :func:`softran.nr.coding.polar.polar_decode`.

    Returns
    -------
    list of :class:`PDCCHDetection`, sorted by batch index, RNTI, first CCE and aggregation
    level.

    >>> from softran.nr.coding.dci import dci_encode
    >>> from softran.nr.pdcch.chain import pdcch, pdcch_dmrs, pdcch_indices
    >>> carrier = CarrierConfig(n_size_grid=52, n_cell_id=7)
    >>> cs = CORESETConfig(frequency_resources=[1] * 8, duration=2)
    >>> ss = SearchSpaceConfig(n_candidates=(0, 0, 2, 0, 0))
    >>> first = pdcch_candidates(cs, ss, n_rnti=100)[4][1]
    >>> grid = torch.zeros(1, 14, 624, dtype=torch.complex64)
    >>> data, dmrs = pdcch_indices(carrier, cs, first, 4)
    >>> bits = torch.ones(30, dtype=torch.uint8)
    >>> grid[0].view(-1)[data] = pdcch(dci_encode(bits, 100, 432), 7, 0)
    >>> grid[0].view(-1)[dmrs] = pdcch_dmrs(carrier, cs, first, 4)
    >>> found = pdcch_blind_decode(grid, carrier, cs, ss, [100, 200], 30, noise_var=0.01)
    >>> [(f.rnti, f.aggregation_level, f.first_cce == first) for f in found]
    [(100, 4, True)]
    """
    rx_grid = check_tensor("rx_grid", rx_grid, min_dim=3)
    if not rx_grid.is_complex():
        raise TypeError(f"rx_grid must be a complex tensor, got dtype {rx_grid.dtype}")
    check_finite("rx_grid", rx_grid)
    if not isinstance(search_space, SearchSpaceConfig):
        raise TypeError(f"search_space must be a SearchSpaceConfig, got "
                        f"{type(search_space).__name__}")
    start = check_pdcch_setup(carrier, coreset, search_space.start_symbol)
    n_symb, n_k = carrier.symbols_per_slot, carrier.n_subcarriers
    if tuple(rx_grid.shape[-2:]) != (n_symb, n_k):
        raise ValueError(f"rx_grid has shape {tuple(rx_grid.shape)}; its last two dimensions "
                         f"must be ({n_symb}, {n_k}) for this carrier")
    rntis = _int_list("rntis", rntis, 1, 2 ** 16 - 1)
    sizes = _int_list("dci_sizes", dci_sizes, 1, DCI_MAX_PAYLOAD)
    batch = rx_grid.shape[:-3]
    n_rx = rx_grid.shape[-3]
    rx = rx_grid.reshape(-1, n_rx, n_symb * n_k)
    nv = _noise_var(noise_var, batch, rx.device)
    scr_id = coreset.pdcch_dmrs_scrambling_id
    n_id = carrier.n_cell_id if scr_id is None else scr_id
    ue = search_space.search_space_type == "ue"
    cache: dict[tuple[int, tuple[int, ...], int], torch.Tensor] = {}
    hits: list[PDCCHDetection] = []
    for rnti in rntis:
        cands = pdcch_candidates(coreset, search_space, n_rnti=rnti if ue else None,
                                 n_slot=carrier.slot_in_frame)
        n_rnti = rnti if (ue and scr_id is not None) else 0
        for al, firsts in cands.items():
            fits = [a for a in sizes
                    if max(a, DCI_MIN_PAYLOAD) + DCI_CRC_LENGTH <= BITS_PER_CCE * al]
            if not fits:
                continue
            key = (al, tuple(firsts), n_rnti)
            if key not in cache:
                cache[key] = _candidate_llrs(rx, carrier, coreset, firsts, al, start, n_id,
                                             n_rnti, nv)
            llr = cache[key]                                     # [B, M, 108 AL]
            for a in fits:
                bits, mask = dci_decode(llr, a, rnti, list_length, kernel=kernel)
                for bi, mi in (mask == 0).nonzero().tolist():
                    hits.append(PDCCHDetection(_unravel(bi, batch), rnti, al, firsts[mi], a,
                                               bits[bi, mi].clone()))
    return _deduplicate(hits)


def _unravel(flat: int, shape: torch.Size) -> tuple[int, ...]:
    out = []
    for n in reversed(shape):
        out.append(flat % n)
        flat //= n
    return tuple(reversed(out))


def _deduplicate(hits: list[PDCCHDetection]) -> list[PDCCHDetection]:
    """Drop a hit whose (batch, RNTI, size, bits) repeats a hit of a larger level that
    contains its CCEs."""
    kept: list[PDCCHDetection] = []
    for h in sorted(hits, key=lambda h: -h.aggregation_level):
        dup = any(k.batch_index == h.batch_index and k.rnti == h.rnti
                  and k.dci_size == h.dci_size and torch.equal(k.bits, h.bits)
                  and k.first_cce <= h.first_cce
                  and h.first_cce + h.aggregation_level <= k.first_cce + k.aggregation_level
                  for k in kept)
        if not dup:
            kept.append(h)
    return sorted(kept, key=lambda h: (h.batch_index, h.rnti, h.first_cce, h.aggregation_level))
