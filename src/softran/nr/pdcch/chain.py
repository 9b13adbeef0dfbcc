"""Physical downlink control channel and its DM-RS, TS 38.211 §7.3.2 and §7.4.1.3.

* :func:`pdcch` / :func:`pdcch_decode` -- scrambling (§7.3.2.3,
  ``c_init = (n_RNTI 2^16 + n_ID) mod 2^31``) and QPSK (§7.3.2.4) of a DCI codeword, and the
  inverse to LLRs (MATLAB ``nrPDCCH`` / ``nrPDCCHDecode``).
* :func:`pdcch_indices` -- the resource elements of one PDCCH candidate in the carrier grid,
  data and DM-RS (§7.3.2.5, §7.4.1.3.2; MATLAB ``nrPDCCHResources``).
* :func:`pdcch_dmrs` -- the DM-RS values on those resource elements (§7.4.1.3.1), with
  :func:`pdcch_dmrs_c_init`.

Mapping (§7.3.2.2, §7.3.2.5, §7.4.1.3.2): a candidate of aggregation level AL starting at CCE
j0 uses CCEs j0..j0+AL-1, i.e. 6 AL REGs (1 RB x 1 symbol each, numbered time-first within the
CORESET, :func:`softran.nr.pdcch.coreset.cce_to_reg_bundles`). In every REG the DM-RS sits on
subcarriers 1, 5, 9 (``k = 12 n + 4 k' + 1``) and the PDCCH symbols on the other 9, mapped in
increasing order of first k, then l. The DM-RS sequence index is ``m = 3 n + k'`` with n the
common resource block number (counted from the CORESET's lowest RB for CORESET 0).

Indices are 0-based linear indices ``l K + k`` into one slot of the carrier grid
``[n_symbols, K = 12 n_size_grid]`` (one antenna port), sorted by symbol then subcarrier.
"""

from __future__ import annotations

import math
from typing import NamedTuple

import torch

from softran.nr.config import N_SC_RB, CarrierConfig
from softran.nr.modulation import symbol_demodulate, symbol_modulate
from softran.nr.pdcch.coreset import CORESETConfig, cce_to_reg_bundles
from softran.nr.sequences import prbs
from softran.validation import check_bits, check_int, check_tensor

__all__ = [
    "PDCCHResources",
    "check_pdcch_setup",
    "pdcch",
    "pdcch_descramble",
    "pdcch_dmrs_values",
    "pdcch_resources",
    "pdcch_decode",
    "pdcch_dmrs",
    "pdcch_dmrs_c_init",
    "pdcch_indices",
]

#: Subcarriers of the DM-RS within a REG, k = 4 k' + 1 (TS 38.211 §7.4.1.3.2).
DMRS_SUBCARRIERS: tuple[int, ...] = (1, 5, 9)
#: Subcarriers of the PDCCH symbols within a REG.
DATA_SUBCARRIERS: tuple[int, ...] = (0, 2, 3, 4, 6, 7, 8, 10, 11)
_MAX_ID = 2 ** 16 - 1


# --------------------------------------------------------------------------------------------
# §7.3.2.3 scrambling, §7.3.2.4 modulation
# --------------------------------------------------------------------------------------------


def _scrambling_sequence(n_id: object, n_rnti: object, length: int,
                         device: torch.device) -> torch.Tensor:
    """c(0..length-1) of §7.3.2.3, c_init = (n_RNTI 2^16 + n_ID) mod 2^31; uint8 [length]."""
    n_id = check_int("n_id", n_id, 0, _MAX_ID)
    n_rnti = check_int("n_rnti", n_rnti, 0, _MAX_ID)
    return prbs((n_rnti * 2 ** 16 + n_id) % 2 ** 31, length, device=device)


def pdcch(cw: torch.Tensor, n_id: int, n_rnti: int) -> torch.Tensor:
    """PDCCH scrambling and modulation, TS 38.211 §7.3.2.3 - §7.3.2.4 (MATLAB ``nrPDCCH``).

    ``b~(i) = (b(i) + c(i)) mod 2`` with the Gold sequence c of §5.2.1 initialised with
    ``c_init = (n_RNTI 2^16 + n_ID) mod 2^31``, then QPSK (§5.1.3).

    Parameters
    ----------
    cw : ``[..., E]`` 0/1 tensor, the DCI codeword b(0..E-1) (E even), e.g. from
        :func:`softran.nr.coding.dci.dci_encode`.
    n_id : n_ID, 0..65535: ``pdcch-DMRS-ScramblingID`` if configured, else N_ID^cell.
    n_rnti : n_RNTI, 0..65535: the C-RNTI for a UE-specific search space with
        ``pdcch-DMRS-ScramblingID`` configured, else 0.

    Returns
    -------
    ``[..., E / 2]`` complex64 symbols d(0..E/2-1).

    >>> sym = pdcch(torch.zeros(8, dtype=torch.uint8), 1, 0)
    >>> symbol_demodulate(sym, "QPSK").tolist() == prbs(1, 8).tolist()
    True
    """
    cw = check_bits("cw", cw)
    e = cw.shape[-1]
    if e % 2:
        raise ValueError(f"cw has length {e} along its last dimension; QPSK needs an even "
                         "number of bits")
    c = _scrambling_sequence(n_id, n_rnti, e, cw.device)
    return symbol_modulate(cw ^ c, "QPSK")


def pdcch_descramble(llr: torch.Tensor, n_id: object, n_rnti: object) -> torch.Tensor:
    """Undo the scrambling of TS 38.211 §7.3.2.3 on LLRs ``[..., E]`` (sign flips where
    c(i) = 1); ``n_id``, ``n_rnti`` as for :func:`pdcch`.

    >>> llr = torch.tensor([1.5, -2.0, 0.5, 3.0])
    >>> bool(pdcch_descramble(pdcch_descramble(llr, 1, 0), 1, 0).equal(llr))
    True
    """
    c = _scrambling_sequence(n_id, n_rnti, llr.shape[-1], llr.device)
    return torch.where(c.bool(), -llr, llr)


def pdcch_decode(symbols: torch.Tensor, n_id: int, n_rnti: int,
                 noise_var: float | torch.Tensor) -> torch.Tensor:
    """PDCCH demodulation and descrambling to LLRs, inverse of TS 38.211 §7.3.2.3 - §7.3.2.4
    (MATLAB ``nrPDCCHDecode``).

    Parameters
    ----------
    symbols : ``[..., m]`` complex equalised PDCCH symbols.
    n_id, n_rnti : as :func:`pdcch`.
    noise_var : complex noise variance N0 of the symbols: a number > 0 or a real tensor of
        positive values broadcastable to ``symbols``.

    Returns
    -------
    ``[..., 2 m]`` float32 LLRs (positive means 0) of the codeword b(0..2m-1).

    >>> b = torch.tensor([0, 1, 1, 0, 1, 1], dtype=torch.uint8)
    >>> (pdcch_decode(pdcch(b, 17, 300), 17, 300, 0.1) < 0).to(torch.uint8).tolist()
    [0, 1, 1, 0, 1, 1]
    """
    symbols = check_tensor("symbols", symbols, min_dim=1)
    llr = symbol_demodulate(symbols, "QPSK", noise_var)
    return pdcch_descramble(llr, n_id, n_rnti)


# --------------------------------------------------------------------------------------------
# §7.4.1.3.1 DM-RS sequence
# --------------------------------------------------------------------------------------------


def pdcch_dmrs_c_init(carrier: CarrierConfig, l: int, n_id: int) -> int:
    """c_init of the PDCCH DM-RS sequence of OFDM symbol l, TS 38.211 §7.4.1.3.1::

        c_init = (2^17 (N_symb^slot n_s,f^mu + l + 1)(2 N_ID + 1) + 2 N_ID) mod 2^31

    with n_s,f^mu = ``carrier.slot_in_frame`` and N_ID = ``pdcch-DMRS-ScramblingID`` (0..65535)
    if configured, else N_ID^cell.

    >>> pdcch_dmrs_c_init(CarrierConfig(n_slot=1), 2, 5)     # 2^17 * 17 * 11 + 10
    24510474
    """
    if not isinstance(carrier, CarrierConfig):
        raise TypeError(f"carrier must be a CarrierConfig, got {type(carrier).__name__}")
    l = check_int("l", l, 0, carrier.symbols_per_slot - 1)
    n_id = check_int("n_id", n_id, 0, _MAX_ID)
    n_symb = carrier.symbols_per_slot
    return ((1 << 17) * (n_symb * carrier.slot_in_frame + l + 1) * (2 * n_id + 1)
            + 2 * n_id) % (1 << 31)


def pdcch_dmrs_values(carrier: CarrierConfig, n_id: int, l: torch.Tensor,
                 m: torch.Tensor) -> torch.Tensor:
    """The PDCCH DM-RS r_l(m) = ((1 - 2 c(2m)) + j (1 - 2 c(2m+1))) / sqrt(2) of TS 38.211
    §7.4.1.3.1 at symbols ``l`` and sequence indices ``m`` (same shape); one Gold sequence per
    symbol from min(l) to max(l) (at most 3).

    >>> from softran.nr.config import CarrierConfig
    >>> r = pdcch_dmrs_values(CarrierConfig(), 7, torch.tensor([1, 1]), torch.tensor([0, 5]))
    >>> r.abs().tolist()
    [1.0, 1.0]
    """
    out = torch.empty(l.shape, dtype=torch.complex64, device=l.device)
    if l.numel() == 0:
        return out
    l_min, l_max = int(l.min()), int(l.max())
    c_init = torch.tensor([pdcch_dmrs_c_init(carrier, s, n_id) for s in range(l_min, l_max + 1)],
                          dtype=torch.int64, device=l.device)
    length = int(m.max()) + 1
    c = prbs(c_init, 2 * length).to(torch.float32)                   # [n_sym, 2 length]
    a = (1.0 - 2.0 * c) * (1.0 / math.sqrt(2.0))
    r = torch.complex(a[..., 0::2], a[..., 1::2])                    # [n_sym, length]
    row = l - l_min
    return r[row, m]


# --------------------------------------------------------------------------------------------
# §7.3.2.2, §7.3.2.5, §7.4.1.3.2 resource elements
# --------------------------------------------------------------------------------------------


class PDCCHResources(NamedTuple):
    """Resource elements of M candidates of one aggregation level (rows sorted l K + k)."""

    data: torch.Tensor          # int64 [M, 54 AL] linear indices of the PDCCH symbols
    data_bundle: torch.Tensor   # int64 [M, 54 AL] REG bundle (0..6 AL / L - 1) of each
    dmrs: torch.Tensor          # int64 [M, 18 AL] linear indices of the DM-RS (REGs only)
    dmrs_bundle: torch.Tensor   # int64 [M, 18 AL]
    dmrs_l: torch.Tensor        # int64 [M, 18 AL] OFDM symbol l
    dmrs_m: torch.Tensor        # int64 [M, 18 AL] sequence index m = 3 n + k'
    rb: torch.Tensor            # int64 [M, 6 AL] RB within the CORESET of each REG


def check_pdcch_setup(carrier: object, coreset: object, start_symbol: object) -> int:
    """Check the carrier, the CORESET and its first symbol together (the CORESET inside the
    slot and the carrier grid, TS 38.213 §10.1); returns ``start_symbol``."""
    if not isinstance(carrier, CarrierConfig):
        raise TypeError(f"carrier must be a CarrierConfig, got {type(carrier).__name__}")
    if not isinstance(coreset, CORESETConfig):
        raise TypeError(f"coreset must be a CORESETConfig, got {type(coreset).__name__}")
    start_symbol = check_int("start_symbol", start_symbol, 0, carrier.symbols_per_slot - 1)
    if start_symbol + coreset.duration > carrier.symbols_per_slot:
        raise ValueError(f"start_symbol = {start_symbol} with a CORESET of duration "
                         f"{coreset.duration} runs past the {carrier.symbols_per_slot} symbols "
                         "of the slot")
    crbs = coreset.crbs
    lo, hi = carrier.n_start_grid, carrier.n_start_grid + carrier.n_size_grid - 1
    if crbs[0] < lo or crbs[-1] > hi:
        raise ValueError(f"the CORESET occupies common resource blocks {crbs[0]}..{crbs[-1]}, "
                         f"outside the carrier grid {lo}..{hi}")
    return start_symbol


def _check_cces(coreset: CORESETConfig, first_cce: list[object], aggregation_level: object
                ) -> tuple[list[int], int]:
    al = check_int("aggregation_level", aggregation_level, 1, 16)
    if al not in (1, 2, 4, 8, 16):
        raise ValueError(f"aggregation_level = {al} is not allowed; allowed: 1, 2, 4, 8, 16")
    out = []
    for j in first_cce:
        j = check_int("first_cce", j, 0, coreset.n_cce - al)
        if j % al:
            raise ValueError(f"first_cce = {j} is not a multiple of the aggregation level "
                             f"{al} (TS 38.213 §10.1)")
        out.append(j)
    return out, al


def pdcch_resources(carrier: CarrierConfig, coreset: CORESETConfig, firsts: list[int], al: int,
                    start_symbol: int, device: torch.device | None = None) -> PDCCHResources:
    """The REs of the candidates of aggregation level ``al`` that start at CCEs ``firsts``
    (TS 38.211 §7.3.2.2, §7.3.2.5, §7.4.1.3.2; inputs checked by the caller)."""
    big_l = coreset.reg_bundle_size
    dur = coreset.duration
    n_k = carrier.n_subcarriers
    bundles = cce_to_reg_bundles(coreset, carrier.n_cell_id).to(device)   # [N_CCE, 6/L]
    j0 = torch.tensor(firsts, dtype=torch.int64, device=device)
    cces = j0[:, None] + torch.arange(al, device=device)                    # [M, AL]
    b = bundles[cces].reshape(len(firsts), -1)                              # [M, 6 AL / L]
    reg = (b[..., None] * big_l + torch.arange(big_l, device=device)).reshape(len(firsts), -1)
    local = torch.arange(b.shape[-1], device=device).repeat_interleave(big_l)
    local = local.expand_as(reg)                                            # bundle of REG
    rb = reg // dur                                                         # [M, 6 AL]
    l = start_symbol + reg % dur
    crbs = torch.tensor(coreset.crbs, dtype=torch.int64, device=device)
    crb = crbs[rb]
    k0 = N_SC_RB * (crb - carrier.n_start_grid)
    base = l * n_k + k0                                                     # [M, 6 AL]
    data_sc = torch.tensor(DATA_SUBCARRIERS, device=device)
    dmrs_sc = torch.tensor(DMRS_SUBCARRIERS, device=device)

    def per_re(x: torch.Tensor, n: int) -> torch.Tensor:
        return x[..., None].expand(*x.shape, n).reshape(x.shape[0], -1)

    data = (base[..., None] + data_sc).reshape(len(firsts), -1)
    data, order = torch.sort(data, dim=-1)
    data_bundle = per_re(local, len(DATA_SUBCARRIERS)).gather(-1, order)
    dmrs = (base[..., None] + dmrs_sc).reshape(len(firsts), -1)
    dmrs, order = torch.sort(dmrs, dim=-1)
    n_ref = crb - (coreset.crbs[0] if coreset.coreset_id == 0 else 0)
    m = (3 * n_ref[..., None] + torch.arange(3, device=device)).reshape(len(firsts), -1)
    return PDCCHResources(data, data_bundle, dmrs, per_re(local, 3).gather(-1, order),
                   per_re(l, 3).gather(-1, order), m.gather(-1, order), rb)


def _all_contiguous_dmrs(carrier: CarrierConfig, coreset: CORESETConfig, rb_used: torch.Tensor,
                         start_symbol: int) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
    """DM-RS of ``allContiguousRBs``: every symbol and RB of each run of contiguous CORESET RBs
    that holds a REG of the candidate. Returns (sorted indices, l, m)."""
    dev = rb_used.device
    crbs = torch.tensor(coreset.crbs, dtype=torch.int64, device=dev)
    run = torch.cat([torch.zeros(1, dtype=torch.int64, device=dev),
                     (crbs.diff() != 1).to(torch.int64).cumsum(0)])         # run id per RB
    used_run = torch.zeros(int(run[-1]) + 1, dtype=torch.bool, device=dev)
    used_run[run[rb_used]] = True
    crb = crbs[used_run[run]]                                               # [n_rb]
    l = start_symbol + torch.arange(coreset.duration, device=dev)
    k = N_SC_RB * (crb - carrier.n_start_grid)[:, None] + torch.tensor(DMRS_SUBCARRIERS,
                                                                      device=dev)
    idx = (l[:, None] * carrier.n_subcarriers + k.reshape(1, -1)).reshape(-1)
    n_ref = crb - (coreset.crbs[0] if coreset.coreset_id == 0 else 0)
    m = (3 * n_ref[:, None] + torch.arange(3, device=dev)).reshape(1, -1).expand(l.numel(), -1)
    return idx, l[:, None].expand_as(m).reshape(-1), m.reshape(-1)          # already sorted


def pdcch_indices(carrier: CarrierConfig, coreset: CORESETConfig, first_cce: int,
                  aggregation_level: int, *, start_symbol: int = 0
                  ) -> tuple[torch.Tensor, torch.Tensor]:
    """Resource elements of one PDCCH candidate, TS 38.211 §7.3.2.2, §7.3.2.5, §7.4.1.3.2
    (MATLAB ``nrPDCCHResources``, 0-based).

    CCEs ``first_cce .. first_cce + AL - 1`` -> REG bundles (:func:`cce_to_reg_bundles`) ->
    REGs (time-first in the CORESET) -> per REG 9 PDCCH REs and 3 DM-RS REs (subcarriers
    1, 5, 9). With ``precoder_granularity = "allContiguousRBs"`` the DM-RS covers every RB of
    each run of contiguous CORESET RBs that holds a REG of the candidate, on every CORESET
    symbol.

    Parameters
    ----------
    carrier : the carrier (grid position and size, cell identity for n_shift).
    coreset : the CORESET; its RBs must lie inside the carrier grid.
    first_cce : first CCE of the candidate, a multiple of ``aggregation_level`` with
        ``first_cce + aggregation_level <= N_CCE``.
    aggregation_level : AL, 1, 2, 4, 8 or 16.
    start_symbol : first OFDM symbol of the CORESET in the slot (the search space's
        ``monitoringSymbolsWithinSlot``).

    Returns
    -------
    ``(data, dmrs)``: int64 ``[54 AL]`` and ``[18 AL]`` (sameAsREG-bundle) linear indices
    ``l K + k`` into the grid ``[carrier.symbols_per_slot, K = 12 n_size_grid]``, sorted
    (the order in which the PDCCH symbols and :func:`pdcch_dmrs` values are mapped).

    >>> cs = CORESETConfig(frequency_resources=[1], duration=1)
    >>> data, dmrs = pdcch_indices(CarrierConfig(n_size_grid=6), cs, 0, 1)
    >>> data.numel(), dmrs[:4].tolist()
    (54, [1, 5, 9, 13])
    """
    start_symbol = check_pdcch_setup(carrier, coreset, start_symbol)
    firsts, al = _check_cces(coreset, [first_cce], aggregation_level)
    lay = pdcch_resources(carrier, coreset, firsts, al, start_symbol)
    if coreset.precoder_granularity == "allContiguousRBs":
        dmrs, _, _ = _all_contiguous_dmrs(carrier, coreset, lay.rb[0], start_symbol)
        return lay.data[0], dmrs
    return lay.data[0], lay.dmrs[0]


def pdcch_dmrs(carrier: CarrierConfig, coreset: CORESETConfig, first_cce: int,
               aggregation_level: int, *, start_symbol: int = 0,
               n_id: int | None = None) -> torch.Tensor:
    """PDCCH DM-RS values of one candidate, TS 38.211 §7.4.1.3 (MATLAB ``nrPDCCHResources``'
    DM-RS output).

    ``r_l(m) = (1 - 2 c(2m)) / sqrt(2) + j (1 - 2 c(2m+1)) / sqrt(2)``, c initialised with
    :func:`pdcch_dmrs_c_init`, at ``m = 3 n + k'`` (n the common RB number, or the RB number
    from the CORESET's lowest RB for CORESET 0), beta_PDCCH^DMRS = 1.

    Parameters
    ----------
    carrier, coreset, first_cce, aggregation_level, start_symbol : as :func:`pdcch_indices`.
    n_id : N_ID, 0..65535; default ``coreset.pdcch_dmrs_scrambling_id``, else N_ID^cell.

    Returns
    -------
    complex64 ``[n_dmrs]`` in the order of the DM-RS indices of :func:`pdcch_indices`.

    >>> cs = CORESETConfig(frequency_resources=[1], duration=1)
    >>> r = pdcch_dmrs(CarrierConfig(n_size_grid=6, n_cell_id=0), cs, 0, 1)
    >>> r.shape, bool(torch.allclose(r.abs(), torch.ones(18)))
    (torch.Size([18]), True)
    """
    start_symbol = check_pdcch_setup(carrier, coreset, start_symbol)
    firsts, al = _check_cces(coreset, [first_cce], aggregation_level)
    n_id = _dmrs_n_id(carrier, coreset, n_id)
    lay = pdcch_resources(carrier, coreset, firsts, al, start_symbol)
    if coreset.precoder_granularity == "allContiguousRBs":
        _, l, m = _all_contiguous_dmrs(carrier, coreset, lay.rb[0], start_symbol)
        return pdcch_dmrs_values(carrier, n_id, l, m)
    return pdcch_dmrs_values(carrier, n_id, lay.dmrs_l[0], lay.dmrs_m[0])


def _dmrs_n_id(carrier: CarrierConfig, coreset: CORESETConfig, n_id: object) -> int:
    if n_id is None:
        sid = coreset.pdcch_dmrs_scrambling_id
        return carrier.n_cell_id if sid is None else sid
    return check_int("n_id", n_id, 0, _MAX_ID)


