"""The broadcast channel BCH of TS 38.212 §7.1 (MATLAB ``nrBCH`` / ``nrBCHDecode``).

Transmit chain, per transport block (the 24 BCCH-BCH-Message bits a_0 .. a_23, A = 24):

1. §7.1.1 PBCH payload generation: append 8 timing bits (4 SFN LSBs, the half-frame bit,
   then the 3 MSBs of the SS/PBCH block index for L_max = 64, or the MSB of k_SSB and two
   reserved bits otherwise), giving ā_0 .. ā_31, and interleave them with the pattern G(j)
   of Table 7.1.1-1 (``data/pbch_payload_interleaver.csv``) into a'_0 .. a'_31;
2. §7.1.2 scrambling: a''_i = a'_i + s_i, s_i = 0 on the bits of the SS/PBCH block index
   (L_max = 64), the half-frame bit and the 2nd and 3rd LSBs of the SFN, otherwise
   s_i = c(j + v M) for the j-th scrambled bit, c of TS 38.211 §5.2.1 with
   c_init = N_ID^cell, v = 2 (3rd LSB of SFN) + (2nd LSB of SFN), M = Ā - 3 (L_max = 4, 8)
   or Ā - 6 (L_max = 64);
3. §7.1.3 CRC24C attachment (K = 56);
4. §7.1.4 polar coding, n_max = 9, I_IL = 1, no parity-check bits (N = 512);
5. §7.1.5 rate matching to E = 864, I_BIL = 0.

The receiver does not need v: the CRC is attached after scrambling (so CRC-aided list
decoding does not depend on v) and the 2nd and 3rd SFN LSBs that make v are sent
unscrambled, so v is read from the decoded bits before descrambling (as MATLAB's
``nrBCHDecode`` does).
"""

from __future__ import annotations

import functools
from typing import NamedTuple

import torch

from softran.nr.coding.crc import crc_decode, crc_encode
from softran.nr.coding.polar import polar_decode, polar_encode, rate_match_polar, rate_recover_polar
from softran.nr.datafiles import read_csv
from softran.nr.sequences import prbs
from softran.validation import (
    check_bits,
    check_choice,
    check_int,
    check_int_or_tensor,
    check_llr,
)

__all__ = [
    "BCH_E",
    "BCH_K",
    "BCHDecodeResult",
    "L_MAX_VALUES",
    "bch_decode",
    "bch_encode",
    "pbch_payload_interleaver",
]

#: A, the BCH transport block size (TS 38.212 §7.1.1).
BCH_A: int = 24
#: Ā = A + 8, the PBCH payload size (TS 38.212 §7.1.1).
BCH_A_BAR: int = BCH_A + 8
#: K = Ā + 24, the polar encoder input size (TS 38.212 §7.1.3).
BCH_K: int = BCH_A_BAR + 24
#: E, the rate-matching output size (TS 38.212 §7.1.5).
BCH_E: int = 864
#: n_max of the PBCH polar code (TS 38.212 §7.1.4).
_N_MAX: int = 9
#: L_max values (maximum number of SS/PBCH blocks in a half frame, TS 38.213 §4.1).
L_MAX_VALUES: tuple[int, ...] = (4, 8, 64)
_MAX_CELL_ID = 1007

# Starting values of the counters of the §7.1.1 interleaving loop.
_J_SFN, _J_HRF, _J_SSB, _J_OTHER = 0, 10, 11, 14
# Positions of the SFN bits of the BCCH-BCH-Message (systemFrameNumber, TS 38.331).
_MIB_SFN_BITS = range(1, 7)


@functools.cache
def _g_table() -> tuple[int, ...]:
    """G(0..31) of TS 38.212 Table 7.1.1-1."""
    rows = read_csv("pbch_payload_interleaver.csv")
    g = tuple(int(r["g"]) for r in rows)
    if [int(r["j"]) for r in rows] != list(range(BCH_A_BAR)) or sorted(g) != list(range(32)):
        raise RuntimeError("pbch_payload_interleaver.csv: unexpected layout")
    return g


@functools.cache
def _destinations() -> tuple[int, ...]:
    """dest[i]: a'_{dest[i]} = ā_i, the §7.1.1 interleaving loop run once (it depends on
    the bit positions only, not on L_max)."""
    g = _g_table()
    j_sfn, j_other, j_ssb = _J_SFN, _J_OTHER, _J_SSB
    dest = []
    for i in range(BCH_A_BAR):
        if i in _MIB_SFN_BITS or BCH_A <= i <= BCH_A + 3:      # an SFN bit
            dest.append(g[j_sfn])
            j_sfn += 1
        elif i == BCH_A + 4:                                   # the half-frame bit
            dest.append(g[_J_HRF])
        elif BCH_A + 5 <= i <= BCH_A + 7:
            dest.append(g[j_ssb])
            j_ssb += 1
        else:
            dest.append(g[j_other])
            j_other += 1
    return tuple(dest)


@functools.cache
def _scrambled_positions(l_max: int) -> tuple[int, ...]:
    """Positions i of a' (ascending) with s_i = c(j + v M) (TS 38.212 §7.1.2); there are M."""
    dest = _destinations()
    unscrambled = {dest[BCH_A + 1], dest[BCH_A + 2], dest[BCH_A + 4]}  # 3rd, 2nd SFN LSB; HRF
    if l_max == 64:
        unscrambled |= {dest[BCH_A + 5], dest[BCH_A + 6], dest[BCH_A + 7]}  # SSB index bits
    return tuple(i for i in range(BCH_A_BAR) if i not in unscrambled)


def pbch_payload_interleaver() -> torch.Tensor:
    """Where the PBCH payload interleaving of TS 38.212 §7.1.1 puts each bit.

    Returns
    -------
    int64 ``[32]``: entry i is the position in a'_0 .. a'_31 of ā_i, i.e.
    ``a'[..., dest] = ā`` (from the loop of §7.1.1 with G(j) of Table 7.1.1-1).

    >>> pbch_payload_interleaver()[[0, 1, 24, 28]].tolist()  # G(14), G(0), G(6), G(10)
    [1, 16, 10, 0]
    """
    return torch.tensor(_destinations(), dtype=torch.int64)




def _broadcast(name: str, value: torch.Tensor, batch: torch.Size) -> torch.Tensor:
    try:
        return value.expand(batch)
    except RuntimeError:
        raise ValueError(f"{name} of shape {tuple(value.shape)} does not broadcast to the "
                         f"batch shape {tuple(batch)}") from None


def _bits_of(value: torch.Tensor, shifts: tuple[int, ...]) -> torch.Tensor:
    """uint8 ``[..., len(shifts)]``: bit ``s`` of ``value`` for each s in shifts."""
    s = torch.tensor(shifts, dtype=torch.int64, device=value.device)
    return ((value.unsqueeze(-1) >> s) & 1).to(torch.uint8)


def _scrambling(n_cell_id: torch.Tensor, v: torch.Tensor, l_max: int,
                batch: torch.Size) -> torch.Tensor:
    """s_0 .. s_31 of TS 38.212 §7.1.2, uint8 ``[*batch, 32]``."""
    pos = _scrambled_positions(l_max)
    m = len(pos)                                              # M = Ā - 3 or Ā - 6
    dev = v.device
    c = prbs(n_cell_id, 4 * m).expand(*batch, 4 * m)         # c(0 .. 4M - 1); v <= 3
    idx = v.unsqueeze(-1) * m + torch.arange(m, device=dev)  # j + v M
    s = torch.zeros(*batch, BCH_A_BAR, dtype=torch.uint8, device=dev)
    s[..., torch.tensor(pos, device=dev)] = torch.gather(c, -1, idx)
    return s


def bch_encode(mib_bits: torch.Tensor, sfn: int | torch.Tensor, half_frame: int | torch.Tensor,
               ssb_index: int | torch.Tensor, k_ssb: int | torch.Tensor, l_max: int,
               n_cell_id: int | torch.Tensor) -> torch.Tensor:
    """BCH transport channel coding of TS 38.212 §7.1 (MATLAB ``nrBCH``).

    Payload generation and interleaving (§7.1.1), scrambling (§7.1.2), CRC24C (§7.1.3),
    polar coding with n_max = 9, I_IL = 1 (§7.1.4) and rate matching to E = 864 with
    I_BIL = 0 (§7.1.5). MATLAB's ``nrBCH(trblk, sfn, hrf, lssb, idxoffset, ncellid)`` takes
    k_SSB or the SS/PBCH block index in one argument; here both are separate.

    Parameters
    ----------
    mib_bits : ``[..., 24]`` 0/1, the BCCH-BCH-Message a_0 .. a_23 (e.g. :meth:`MIB.pack`).
        Its systemFrameNumber bits a_1 .. a_6 must be the 6 MSBs of ``sfn``.
    sfn : system frame number 0..1023 (int, or an integer tensor broadcastable to the batch
        shape ``[...]``); its 4 LSBs go in the payload, its 2nd and 3rd LSBs give v.
    half_frame : half-frame bit ā_HRF, 0 or 1 (int or tensor).
    ssb_index : SS/PBCH block index i_SSB, 0..l_max-1 (int or tensor); its 3 MSBs
        (bits 5, 4, 3) go in the payload for L_max = 64, else it is not used.
    k_ssb : k_SSB (TS 38.213 §4.1; int or tensor): 0..31 for L_max = 4 or 8, whose MSB
        (bit 4) is payload bit ā_{A+5}; 0..15 for L_max = 64 (not in the payload). Its 4 LSBs
        must equal ssb-SubcarrierOffset, bits a_8 .. a_11 of ``mib_bits``.
    l_max : L_max, 4, 8 or 64.
    n_cell_id : N_ID^cell, 0..1007 (int or tensor), c_init of the §7.1.2 scrambling.

    Returns
    -------
    uint8 ``[..., 864]``: the BCH codeword f_0 .. f_863 (input of :func:`pbch`).

    >>> from softran.nr.ssb.mib import MIB
    >>> mib = MIB(system_frame_number=10, ssb_subcarrier_offset=2).pack()
    >>> cw = bch_encode(mib, 10, 1, 0, 18, 8, 321)      # MATLAB's nrBCH example settings
    >>> cw.shape, cw.dtype
    (torch.Size([864]), torch.uint8)
    """
    mib_bits = check_bits("mib_bits", mib_bits, min_dim=1)
    if mib_bits.shape[-1] != BCH_A:
        raise ValueError(f"mib_bits must have {BCH_A} bits along its last dimension, got shape "
                         f"{tuple(mib_bits.shape)}")
    l_max = check_choice("l_max", check_int("l_max", l_max), L_MAX_VALUES)
    dev = mib_bits.device
    batch = mib_bits.shape[:-1]
    sfn_t = _broadcast("sfn", check_int_or_tensor("sfn", sfn, 0, 1023, dev), batch)
    hrf = _broadcast("half_frame", check_int_or_tensor("half_frame", half_frame, 0, 1, dev), batch)
    idx = _broadcast("ssb_index", check_int_or_tensor("ssb_index", ssb_index, 0, l_max - 1, dev), batch)
    kssb = _broadcast("k_ssb", check_int_or_tensor("k_ssb", k_ssb, 0, 15 if l_max == 64 else 31, dev),
                      batch)
    cell = check_int_or_tensor("n_cell_id", n_cell_id, 0, _MAX_CELL_ID, dev)
    if cell.dim():
        cell = _broadcast("n_cell_id", cell, batch)

    if bool((mib_bits[..., 1:7] != _bits_of(sfn_t, (9, 8, 7, 6, 5, 4))).any()):
        raise ValueError("mib_bits a_1..a_6 (systemFrameNumber) differ from the 6 MSBs of sfn; "
                         "the MIB and sfn must describe the same frame")
    if bool((mib_bits[..., 8:12] != _bits_of(kssb, (3, 2, 1, 0))).any()):
        raise ValueError("mib_bits a_8..a_11 (ssb-SubcarrierOffset) differ from the 4 LSBs of "
                         "k_ssb")

    # §7.1.1: ā = a, 4th..1st LSB of SFN, HRF, then 6th..4th bit of i_SSB or MSB of k_SSB.
    if l_max == 64:
        extra = _bits_of(idx, (5, 4, 3))
    else:
        extra = torch.cat([_bits_of(kssb, (4,)),
                           torch.zeros(*batch, 2, dtype=torch.uint8, device=dev)], dim=-1)
    a_bar = torch.cat([mib_bits, _bits_of(sfn_t, (3, 2, 1, 0)), _bits_of(hrf, (0,)), extra],
                      dim=-1)
    a_prime = torch.empty_like(a_bar)
    a_prime[..., pbch_payload_interleaver().to(dev)] = a_bar
    # §7.1.2: v from the 3rd and 2nd LSBs of the SFN.
    v = (sfn_t >> 1) & 3
    a_2prime = a_prime ^ _scrambling(cell, v, l_max, batch)
    # §7.1.3 - §7.1.5.
    c = crc_encode(a_2prime, "24C")
    d = polar_encode(c, BCH_E, _N_MAX, True, n_pc=0, n_pc_wm=0)
    return rate_match_polar(d, BCH_K, BCH_E, False)


class BCHDecodeResult(NamedTuple):
    """Output of :func:`bch_decode` (the names of MATLAB's ``nrBCHDecode`` outputs).

    mib_bits : uint8 ``[..., 24]``, the descrambled BCCH-BCH-Message a_0 .. a_23.
    sfn_lsbs : int64 ``[...]``, the 4 LSBs of the SFN (0..15).
    half_frame : int64 ``[...]``, the half-frame bit (0 or 1).
    msb_idx_offset : int64 ``[...]``: for L_max = 64 the 3 MSBs of the SS/PBCH block index
        (i_SSB >> 3, 0..7); for L_max = 4 or 8 the MSB of k_SSB (k_SSB >> 4, 0 or 1).
    crc_ok : bool ``[...]``, True where the CRC24C check passed.
    """

    mib_bits: torch.Tensor
    sfn_lsbs: torch.Tensor
    half_frame: torch.Tensor
    msb_idx_offset: torch.Tensor
    crc_ok: torch.Tensor


def bch_decode(llr: torch.Tensor, n_cell_id: int | torch.Tensor, l_max: int,
               list_length: int = 8) -> BCHDecodeResult:
    """BCH decoding, the inverse of TS 38.212 §7.1 (MATLAB ``nrBCHDecode``).

    Rate recovery (§7.1.5), CRC-aided SCL polar decoding (§7.1.4; the list path whose
    CRC24C passes), CRC check (§7.1.3), descrambling (§7.1.2) with v read from the decoded
    2nd and 3rd SFN LSBs (sent unscrambled), and payload de-interleaving (§7.1.1).

    Parameters
    ----------
    llr : ``[..., 864]`` float LLRs of the BCH codeword f_0 .. f_863 (positive means 0),
        e.g. from :func:`pbch_decode`.
    n_cell_id : N_ID^cell, 0..1007 (int, or an integer tensor broadcastable to ``[...]``).
    l_max : L_max, 4, 8 or 64.
    list_length : SCL list size L: 1, 2, 4, 8, 16 or 32.

    Returns
    -------
    :class:`BCHDecodeResult` ``(mib_bits, sfn_lsbs, half_frame, msb_idx_offset, crc_ok)``.

    >>> from softran.nr.ssb.mib import MIB
    >>> mib = MIB(system_frame_number=10, ssb_subcarrier_offset=2).pack()
    >>> cw = bch_encode(mib, 10, 1, 0, 18, 8, 321)
    >>> out = bch_decode(4.0 * (1.0 - 2.0 * cw.float()), 321, 8)
    >>> bool((out.mib_bits == mib).all()), int(out.sfn_lsbs), int(out.msb_idx_offset)
    (True, 10, 1)
    """
    llr = check_llr("llr", llr)
    if llr.shape[-1] != BCH_E:
        raise ValueError(f"llr must have {BCH_E} values along its last dimension, got shape "
                         f"{tuple(llr.shape)}")
    l_max = check_choice("l_max", check_int("l_max", l_max), L_MAX_VALUES)
    dev = llr.device
    batch = llr.shape[:-1]
    cell = check_int_or_tensor("n_cell_id", n_cell_id, 0, _MAX_CELL_ID, dev)
    if cell.dim():
        cell = _broadcast("n_cell_id", cell, batch)

    d_llr = rate_recover_polar(llr.to(torch.float32), BCH_K, 1 << _N_MAX, False)
    c = polar_decode(d_llr, BCH_K, BCH_E, list_length, _N_MAX, True, 24, n_pc=0, n_pc_wm=0)
    a_2prime, err = crc_decode(c, "24C")
    dest = pbch_payload_interleaver().to(dev)
    v = (2 * a_2prime[..., _destinations()[BCH_A + 1]].to(torch.int64)
         + a_2prime[..., _destinations()[BCH_A + 2]].to(torch.int64))
    a_prime = a_2prime ^ _scrambling(cell, v, l_max, batch)
    a_bar = a_prime[..., dest].to(torch.int64)
    weights4 = torch.tensor([8, 4, 2, 1], dtype=torch.int64, device=dev)
    sfn_lsbs = (a_bar[..., BCH_A:BCH_A + 4] * weights4).sum(-1)
    if l_max == 64:
        msb = (a_bar[..., BCH_A + 5:BCH_A + 8] * weights4[1:]).sum(-1)
    else:
        msb = a_bar[..., BCH_A + 5]
    return BCHDecodeResult(a_bar[..., :BCH_A].to(torch.uint8), sfn_lsbs,
                           a_bar[..., BCH_A + 4], msb, err == 0)
