"""The SS/PBCH block and the SS burst (TS 38.211 §7.4.3.1, TS 38.213 §4.1).

* :func:`ssb_indices` -- resource elements of the PSS, SSS, PBCH and DM-RS for PBCH within
  the 4 x 240 block, Table 7.4.3.1-1 (``data/ssb_resources.csv``; MATLAB ``nrPSSIndices``,
  ``nrSSSIndices``, ``nrPBCHIndices``, ``nrPBCHDMRSIndices``);
* :func:`ssb_grid` -- one SS/PBCH block ``[..., 4, 240]`` (§7.4.3.1.1 - §7.4.3.1.4);
* :func:`ssb_candidate_symbols` -- first OFDM symbols of the candidate SS/PBCH blocks in
  a half frame, cases A .. E of TS 38.213 §4.1;
* :func:`ssb_burst` -- the resource grid of one half frame holding every transmitted block
  of the burst, ready for :func:`ofdm_modulate`.

Index convention: the block is a ``[4, 240]`` tensor (OFDM symbol l, subcarrier k), and an
index is ``l * 240 + k`` (0-based) into its flattened form; this equals MATLAB's 1-based
column-major index on a 240 x 4 block minus 1. Indices are listed in mapping order
(increasing k first, then l, §7.4.3.1.3).
"""

from __future__ import annotations

import functools
from collections.abc import Sequence
from typing import NamedTuple

import torch

from softran.nr.coding.bch import bch_encode
from softran.nr.config import CarrierConfig
from softran.nr.datafiles import read_csv
from softran.nr.sequences import pss, sss
from softran.nr.ssb.mib import MIB
from softran.nr.ssb.pbch import pbch, pbch_dmrs
from softran.validation import check_bits, check_choice, check_int, check_int_or_tensor, check_name

__all__ = [
    "SSB_CASES",
    "SSB_N_SUBCARRIERS",
    "SSB_N_SYMBOLS",
    "SSBIndices",
    "ssb_burst",
    "ssb_candidate_symbols",
    "ssb_grid",
    "ssb_indices",
]

#: OFDM symbols of an SS/PBCH block (TS 38.211 §7.4.3.1).
SSB_N_SYMBOLS: int = 4
#: Subcarriers of an SS/PBCH block (TS 38.211 §7.4.3.1).
SSB_N_SUBCARRIERS: int = 240
_N_RE = SSB_N_SYMBOLS * SSB_N_SUBCARRIERS
_MAX_CELL_ID = 1007

#: Cases of TS 38.213 §4.1: (subcarrier spacing in kHz, symbol offsets within a period,
#: period in symbols, {L_max: the values of n}). Case C's L_max = 4 is for paired spectrum
#: with f <= 3 GHz or unpaired spectrum with f < 1.88 GHz; L_max = 8 above.
_CASES: dict[str, tuple[int, tuple[int, ...], int, dict[int, tuple[int, ...]]]] = {
    "A": (15, (2, 8), 14, {4: (0, 1), 8: (0, 1, 2, 3)}),
    "B": (30, (4, 8, 16, 20), 28, {4: (0,), 8: (0, 1)}),
    "C": (30, (2, 8), 14, {4: (0, 1), 8: (0, 1, 2, 3)}),
    "D": (120, (4, 8, 16, 20), 28,
          {64: (0, 1, 2, 3, 5, 6, 7, 8, 10, 11, 12, 13, 15, 16, 17, 18)}),
    "E": (240, (8, 12, 16, 20, 32, 36, 40, 44), 56, {64: (0, 1, 2, 3, 5, 6, 7, 8)}),
}
#: The SS/PBCH block cases A .. E of TS 38.213 §4.1.
SSB_CASES: tuple[str, ...] = tuple(_CASES)

_BETA_PSS_DB = (0, 3)


class SSBIndices(NamedTuple):
    """Resource elements of the SS/PBCH block (0-based ``l * 240 + k``, mapping order)."""

    pss: torch.Tensor
    sss: torch.Tensor
    pbch: torch.Tensor
    pbch_dmrs: torch.Tensor


@functools.cache
def _resource_rows() -> tuple[tuple[str, int, int, int, int, int], ...]:
    """Rows of TS 38.211 Table 7.4.3.1-1: (channel, l, k_first, k_last, step, plus_v)."""
    rows = read_csv("ssb_resources.csv")
    out = tuple((r["channel"], int(r["l"]), int(r["k_first"]), int(r["k_last"]), int(r["step"]),
                 int(r["plus_v"])) for r in rows)
    if {r[0] for r in out} != {"pss", "sss", "pbch", "pbch_dmrs", "zero"}:
        raise RuntimeError("ssb_resources.csv: unexpected channels")
    return out


def _channel_mask(channel: str, v: int) -> torch.Tensor:
    """bool ``[4 * 240]``: the REs of the runs of ``channel`` in Table 7.4.3.1-1."""
    mask = torch.zeros(SSB_N_SYMBOLS, SSB_N_SUBCARRIERS, dtype=torch.bool)
    for name, l, k_first, k_last, step, plus_v in _resource_rows():
        if name == channel:
            mask[l, k_first + plus_v * v:k_last + plus_v * v + 1:step] = True
    return mask.flatten()


@functools.cache
def _indices_cpu(v: int) -> SSBIndices:
    dmrs = _channel_mask("pbch_dmrs", v)
    pbch_mask = _channel_mask("pbch", v) & ~dmrs
    return SSBIndices(*(m.nonzero().flatten() for m in
                        (_channel_mask("pss", v), _channel_mask("sss", v), pbch_mask, dmrs)))


def ssb_indices(n_cell_id: int, *, device: torch.device | str | None = None) -> SSBIndices:
    """Resource elements of the PSS, SSS, PBCH and DM-RS for PBCH in an SS/PBCH block.

    TS 38.211 §7.4.3.1, Table 7.4.3.1-1: PSS on l = 0 and SSS on l = 2, k = 56..182; PBCH on
    l = 1, 3 (k = 0..239) and l = 2 (k = 0..47, 192..239) except the DM-RS, which sits on
    k = 0 + v, 4 + v, ..., with v = N_ID^cell mod 4. MATLAB namesakes: ``nrPSSIndices``,
    ``nrSSSIndices``, ``nrPBCHIndices``, ``nrPBCHDMRSIndices`` (1-based, column-major).

    Parameters
    ----------
    n_cell_id : N_ID^cell, 0..1007.
    device : device of the index tensors (default CPU).

    Returns
    -------
    :class:`SSBIndices` ``(pss [127], sss [127], pbch [432], pbch_dmrs [144])`` of int64
    indices ``l * 240 + k`` into a flattened ``[4, 240]`` block, in mapping order.

    >>> ind = ssb_indices(17)
    >>> (ind.pbch_dmrs[:3] + 1).tolist()      # MATLAB nrPBCHDMRSIndices(17): 242, 246, 250
    [242, 246, 250]
    >>> [t.numel() for t in ind]
    [127, 127, 432, 144]
    """
    n_cell_id = check_int("n_cell_id", n_cell_id, 0, _MAX_CELL_ID)
    return SSBIndices(*(t.to(device) for t in _indices_cpu(n_cell_id % 4)))


def ssb_grid(n_cell_id: int, cw: torch.Tensor, i_ssb: int | torch.Tensor,
             half_frame: int | torch.Tensor, l_max: int, *,
             beta_pss_db: int = 0) -> torch.Tensor:
    """One SS/PBCH block, TS 38.211 §7.4.3.1 (PSS, SSS, PBCH, DM-RS for PBCH).

    The PSS (§7.4.2.2) scaled by β_PSS, the SSS (§7.4.2.3), the PBCH symbols of
    :func:`pbch` with v = i_SSB mod 4 (L_max = 4) or mod 8, and the DM-RS of
    :func:`pbch_dmrs` with ī_SSB = i_SSB mod 4 + 4 n_hf (L_max = 4) or i_SSB mod 8, mapped by
    Table 7.4.3.1-1; every other RE (including the guard subcarriers around PSS / SSS) is 0.
    β_SSS = β_PBCH = β_PBCH^DM-RS = 1.

    Parameters
    ----------
    n_cell_id : N_ID^cell, 0..1007.
    cw : ``[..., 864]`` 0/1 BCH codeword(s) (:func:`bch_encode`).
    i_ssb : SS/PBCH block index, 0..l_max-1 (int or integer tensor broadcastable to ``[...]``).
    half_frame : n_hf, 0 or 1 (int or integer tensor broadcastable to ``[...]``).
    l_max : L_max, 4, 8 or 64.
    beta_pss_db : PSS to SSS EPRE ratio in dB, 0 or 3 (TS 38.213 §4.1); β_PSS = 10^(dB/20).

    Returns
    -------
    complex64 ``[..., 4, 240]`` (symbol l, subcarrier k), on the device of ``cw``.

    >>> g = ssb_grid(17, torch.zeros(864, dtype=torch.uint8), 0, 0, 8)
    >>> g.shape, int((g != 0).sum())                 # 127 + 127 + 432 + 144 REs
    (torch.Size([4, 240]), 830)
    """
    n_cell_id = check_int("n_cell_id", n_cell_id, 0, _MAX_CELL_ID)
    cw = check_bits("cw", cw, min_dim=1)
    l_max = check_choice("l_max", check_int("l_max", l_max), (4, 8, 64))
    beta_pss_db = check_choice("beta_pss_db", check_int("beta_pss_db", beta_pss_db), _BETA_PSS_DB)
    dev = cw.device
    batch = cw.shape[:-1]
    idx = check_int_or_tensor("i_ssb", i_ssb, 0, l_max - 1, dev)
    n_hf = check_int_or_tensor("half_frame", half_frame, 0, 1, dev)
    v = idx % 4 if l_max == 4 else idx % 8
    ibar = idx % 4 + 4 * n_hf if l_max == 4 else idx % 8
    try:
        ibar = ibar.expand(batch)
    except RuntimeError:
        raise ValueError(f"i_ssb of shape {tuple(idx.shape)} and half_frame of shape "
                         f"{tuple(n_hf.shape)} must broadcast to the batch shape "
                         f"{tuple(batch)} of cw") from None
    ind = ssb_indices(n_cell_id, device=dev)
    grid = torch.zeros(*batch, _N_RE, dtype=torch.complex64, device=dev)
    beta_pss = 10.0 ** (beta_pss_db / 20.0)
    grid[..., ind.pss] = (beta_pss * pss(n_cell_id, device=dev)).to(torch.complex64)
    grid[..., ind.sss] = sss(n_cell_id, device=dev).to(torch.complex64)
    grid[..., ind.pbch] = pbch(cw, n_cell_id, v)
    grid[..., ind.pbch_dmrs] = pbch_dmrs(n_cell_id, ibar)
    return grid.reshape(*batch, SSB_N_SYMBOLS, SSB_N_SUBCARRIERS)


def _check_case(case: object) -> str:
    return check_name("case", case, SSB_CASES)


def ssb_candidate_symbols(case: str, l_max: int) -> list[int]:
    """First OFDM symbols of the candidate SS/PBCH blocks in a half frame, TS 38.213 §4.1.

    Symbol 0 is the first symbol of the first slot of the half frame; candidate block i_SSB
    (0..L_max-1) starts at entry i_SSB:

    * Case A, 15 kHz: {2, 8} + 14 n; n = 0, 1 (L_max = 4: f <= 3 GHz) or 0..3 (L_max = 8,
      FR1 above 3 GHz);
    * Case B, 30 kHz: {4, 8, 16, 20} + 28 n; n = 0 (L_max = 4) or 0, 1 (L_max = 8);
    * Case C, 30 kHz: {2, 8} + 14 n; n = 0, 1 (L_max = 4: paired f <= 3 GHz, unpaired
      f < 1.88 GHz) or 0..3 (L_max = 8);
    * Case D, 120 kHz: {4, 8, 16, 20} + 28 n, n = 0..3, 5..8, 10..13, 15..18 (L_max = 64);
    * Case E, 240 kHz: {8, 12, 16, 20, 32, 36, 40, 44} + 56 n, n = 0..3, 5..8 (L_max = 64).

    The frequency thresholds select L_max; pass the L_max that applies. Shared-spectrum
    channel access (Case A / C with L_max = 10 / 20) and cases F, G are not supported.

    Parameters
    ----------
    case : ``"A"`` .. ``"E"`` (case-insensitive).
    l_max : L_max: 4 or 8 for cases A, B, C; 64 for cases D, E.

    Returns
    -------
    list of L_max ints, ascending.

    >>> ssb_candidate_symbols("B", 8)
    [4, 8, 16, 20, 32, 36, 44, 48]
    """
    case = _check_case(case)
    _, offsets, period, n_values = _CASES[case]
    l_max = check_int("l_max", l_max)
    if l_max not in n_values:
        raise ValueError(f"l_max = {l_max} is not allowed for case {case}; allowed: "
                         + ", ".join(str(x) for x in n_values))
    return sorted(o + period * n for n in n_values[l_max] for o in offsets)


def _check_positions(ssb_positions: object) -> list[int]:
    if isinstance(ssb_positions, torch.Tensor):
        bits = check_bits("ssb_positions", ssb_positions, min_dim=1)
        if bits.dim() != 1:
            raise ValueError(f"ssb_positions must be one-dimensional, got shape "
                             f"{tuple(bits.shape)}")
        return [int(b) for b in bits.tolist()]
    if isinstance(ssb_positions, str) or not isinstance(ssb_positions, Sequence):
        raise TypeError(f"ssb_positions must be a sequence or tensor of 0/1, got "
                        f"{type(ssb_positions).__name__}")
    return [check_choice(f"ssb_positions[{i}]", check_int(f"ssb_positions[{i}]", b), (0, 1))
            for i, b in enumerate(ssb_positions)]


def ssb_burst(carrier: CarrierConfig, case: str, mib: MIB, half_frame: int,
              ssb_positions: Sequence[int] | torch.Tensor, k_ssb: int, ssb_subcarrier: int, *,
              beta_pss_db: int = 0, device: torch.device | str | None = None) -> torch.Tensor:
    """The resource grid of one half frame carrying an SS burst, TS 38.213 §4.1 / TS 38.211
    §7.4.3.

    Every transmitted block i_SSB (``ssb_positions[i_SSB] = 1``, the bitmap of
    ``ssb-PositionsInBurst``, first entry i_SSB = 0) is built by :func:`bch_encode`
    (N_ID^cell = ``carrier.n_cell_id``, SFN = ``mib.system_frame_number``) and
    :func:`ssb_grid`, and placed on OFDM symbols s(i_SSB) .. s(i_SSB) + 3 of the half frame,
    s from :func:`ssb_candidate_symbols`, and on grid subcarriers ``ssb_subcarrier`` ..
    ``ssb_subcarrier + 239`` (subcarrier k = 0 of the block at ``ssb_subcarrier``).

    The grid starts at the first slot of the half frame: pass it to :func:`ofdm_modulate`
    with ``carrier.n_slot`` set to that slot (``5 * 2^mu * half_frame``, within frame
    ``mib.system_frame_number``).

    Parameters
    ----------
    carrier : subcarrier spacing (must be that of ``case``, normal cyclic prefix), grid size
        and N_ID^cell.
    case : ``"A"`` .. ``"E"`` (TS 38.213 §4.1).
    mib : the MIB; its ``system_frame_number`` is the SFN of the burst, its
        ``sub_carrier_spacing_common`` must belong to the case's frequency range (15 / 30 kHz
        for cases A - C, 60 / 120 kHz for D, E).
    half_frame : n_hf, 0 or 1.
    ssb_positions : L_max bits (0/1), L_max = 4 or 8 (cases A - C) or 64 (D, E).
    k_ssb : k_SSB (0..31 for L_max 4 / 8, 0..15 for L_max 64); its 4 LSBs must equal
        ``mib.ssb_subcarrier_offset``.
    ssb_subcarrier : index in the carrier grid of the block's subcarrier k = 0, in units of
        the SS/PBCH block subcarrier spacing; 0 .. 12 * n_size_grid - 240.
    beta_pss_db : PSS to SSS EPRE ratio, 0 or 3 dB.
    device : device of the grid (default CPU).

    Returns
    -------
    complex64 ``[1, 5 * 14 * 2^mu, 12 * n_size_grid]`` (port, OFDM symbol, subcarrier).

    >>> c = CarrierConfig(subcarrier_spacing=30, n_size_grid=24, n_cell_id=17)
    >>> g = ssb_burst(c, "C", MIB(system_frame_number=4), 0, [1, 0, 1, 0], 0, 12)
    >>> g.shape, (g[0].abs().sum(-1) > 0).nonzero().flatten().tolist()
    (torch.Size([1, 140, 288]), [2, 3, 4, 5, 16, 17, 18, 19])
    """
    if not isinstance(carrier, CarrierConfig):
        raise TypeError(f"carrier must be a CarrierConfig, got {type(carrier).__name__}")
    if not isinstance(mib, MIB):
        raise TypeError(f"mib must be a MIB, got {type(mib).__name__}")
    case = _check_case(case)
    scs, _, _, n_values = _CASES[case]
    if carrier.subcarrier_spacing != scs:
        raise ValueError(f"carrier.subcarrier_spacing = {carrier.subcarrier_spacing} does not "
                         f"match case {case}, which uses {scs} kHz (TS 38.213 §4.1)")
    if carrier.cyclic_prefix != "normal":
        raise ValueError("carrier.cyclic_prefix = 'extended' is not allowed: SS/PBCH blocks "
                         "use the normal cyclic prefix")
    fr = "FR2" if case in ("D", "E") else "FR1"
    if mib.frequency_range != fr:
        raise ValueError(f"mib.sub_carrier_spacing_common = {mib.sub_carrier_spacing_common} "
                         f"is a {mib.frequency_range} value; case {case} is {fr}")
    half_frame = check_int("half_frame", half_frame, 0, 1)
    positions = _check_positions(ssb_positions)
    l_max = len(positions)
    if l_max not in n_values:
        raise ValueError(f"ssb_positions has {l_max} entries; case {case} needs L_max = "
                         + " or ".join(str(x) for x in n_values))
    k_ssb = check_int("k_ssb", k_ssb, 0, 15 if l_max == 64 else 31)
    if k_ssb % 16 != mib.ssb_subcarrier_offset:
        raise ValueError(f"k_ssb = {k_ssb} does not match mib.ssb_subcarrier_offset = "
                         f"{mib.ssb_subcarrier_offset} (the 4 LSBs of k_SSB)")
    k = carrier.n_subcarriers
    ssb_subcarrier = check_int("ssb_subcarrier", ssb_subcarrier, 0, k - SSB_N_SUBCARRIERS)
    beta_pss_db = check_choice("beta_pss_db", check_int("beta_pss_db", beta_pss_db), _BETA_PSS_DB)

    n_symbols = 5 * carrier.symbols_per_subframe
    grid = torch.zeros(1, n_symbols, k, dtype=torch.complex64, device=device)
    sent = [i for i, b in enumerate(positions) if b]
    if not sent:
        return grid
    dev = grid.device
    i_ssb = torch.tensor(sent, dtype=torch.int64, device=dev)
    mib_bits = mib.pack(device=dev).expand(len(sent), -1)
    cw = bch_encode(mib_bits, mib.system_frame_number, half_frame, i_ssb, k_ssb, l_max,
                    carrier.n_cell_id)
    blocks = ssb_grid(carrier.n_cell_id, cw, i_ssb, half_frame, l_max,
                      beta_pss_db=beta_pss_db)                           # [n, 4, 240]
    first = torch.tensor(ssb_candidate_symbols(case, l_max), dtype=torch.int64, device=dev)
    rows = (first[i_ssb].unsqueeze(-1) + torch.arange(SSB_N_SYMBOLS, device=dev)).flatten()
    grid[0, rows, ssb_subcarrier:ssb_subcarrier + SSB_N_SUBCARRIERS] = blocks.reshape(
        -1, SSB_N_SUBCARRIERS)
    return grid
