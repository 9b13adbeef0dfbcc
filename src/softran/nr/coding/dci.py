"""Downlink control information channel coding, TS 38.212 §7.3 (MATLAB ``nrDCIEncode`` /
``nrDCIDecode``).

Chain (§7.3.1 - §7.3.4):

1. §7.3.1: a DCI payload of A < 12 bits gets zeros appended up to A = 12;
2. §7.3.2: CRC24C over a'_0..a'_{A+23} = 24 ones followed by a_0..a_{A-1}; the parity bits
   p_0..p_23 are appended to a (the ones are not transmitted) and the last 16,
   p_8..p_23, are XORed with the RNTI x_rnti,0..x_rnti,15 (most significant bit first):
   ``c = a, p_0..p_7, p_8 + x_rnti,0, ..., p_23 + x_rnti,15`` (K = A + 24 bits);
3. §7.3.3: polar coding with n_max = 9, I_IL = 1, n_PC = n_PC^wm = 0 (§5.3.1);
4. §7.3.4: polar rate matching to E bits with I_BIL = 0 (§5.4.1).

Decoding runs rate recovery and CRC-aided SCL decoding whose list path is chosen by the CRC
with the 24-ones prefix and the RNTI mask, then reports the CRC syndrome XOR the RNTI.
"""

from __future__ import annotations

import torch

from softran.nr.coding.crc import crc_decode, crc_encode
from softran.nr.coding.polar import (
    polar_construct,
    polar_decode,
    polar_encode,
    rate_match_polar,
    rate_recover_polar,
)
from softran.validation import check_bits, check_int, check_llr

__all__ = ["DCI_CRC_LENGTH", "DCI_MIN_PAYLOAD", "dci_decode", "dci_encode"]

#: L of the DCI CRC (CRC24C, TS 38.212 §7.3.2).
DCI_CRC_LENGTH = 24
#: Payloads shorter than this get zeros appended (TS 38.212 §7.3.1).
DCI_MIN_PAYLOAD = 12
#: n_max of the DCI polar code (TS 38.212 §7.3.3).
DCI_N_MAX = 9
#: Largest DCI payload A: K = A + 24 <= K_IL^max = 164 (TS 38.212 §5.3.1.1, I_IL = 1).
DCI_MAX_PAYLOAD = 140
#: The RNTI is a 16-bit identity (TS 38.321 §7.1).
_MAX_RNTI = 2 ** 16 - 1


def _k(a: int) -> int:
    """K = max(A, 12) + 24, the number of bits polar coded."""
    return max(a, DCI_MIN_PAYLOAD) + DCI_CRC_LENGTH


def _check_k_e(k: int, e: int) -> int:
    """Checks E against K (polar coding needs K <= E) and returns N."""
    if e < k:
        raise ValueError(f"e = {e} is smaller than K = {k} (the payload padded to 12 bits plus "
                         "24 CRC bits); TS 38.212 §5.3.1 needs K <= E")
    _, _, n = polar_construct(k, e, DCI_N_MAX, n_pc=0, n_pc_wm=0)
    return n


def dci_encode(dci_bits: torch.Tensor, rnti: int, e: int) -> torch.Tensor:
    """DCI channel coding, TS 38.212 §7.3.1 - §7.3.4 (MATLAB ``nrDCIEncode``).

    Zero-pads a payload shorter than 12 bits, attaches the RNTI-masked CRC24C computed with
    24 leading ones, polar-encodes (n_max = 9, I_IL = 1, no PC bits) and rate-matches
    (I_BIL = 0) to E bits.

    Parameters
    ----------
    dci_bits : ``[..., A]`` 0/1 tensor, the DCI payload a_0..a_{A-1}, 1 <= A <= 140.
    rnti : the RNTI x_rnti that scrambles the last 16 CRC bits, 0..65535.
    e : E, the number of bits of the PDCCH (108 per CCE), with A + 24 <= E (A padded to 12)
        and E <= 8192.

    Returns
    -------
    ``[..., E]`` uint8 codeword f_0..f_{E-1}.

    >>> cw = dci_encode(torch.ones(2, 40, dtype=torch.uint8), 0x4601, 108)   # 1 CCE
    >>> cw.shape, cw.dtype
    (torch.Size([2, 108]), torch.uint8)
    """
    dci_bits = check_bits("dci_bits", dci_bits)
    rnti = check_int("rnti", rnti, 0, _MAX_RNTI)
    e = check_int("e", e, 1, 8192)
    a = dci_bits.shape[-1]
    check_int("A (length of dci_bits along its last dimension)", a, 1, DCI_MAX_PAYLOAD)
    k = _k(a)
    _check_k_e(k, e)
    batch = dci_bits.shape[:-1]
    dev = dci_bits.device
    if a < DCI_MIN_PAYLOAD:
        pad = torch.zeros(*batch, DCI_MIN_PAYLOAD - a, dtype=torch.uint8, device=dev)
        dci_bits = torch.cat([dci_bits, pad], dim=-1)
    ones = torch.ones(*batch, DCI_CRC_LENGTH, dtype=torch.uint8, device=dev)
    c = crc_encode(torch.cat([ones, dci_bits], dim=-1), "24C", mask=rnti)[..., DCI_CRC_LENGTH:]
    d = polar_encode(c, e, DCI_N_MAX, True, n_pc=0, n_pc_wm=0)
    return rate_match_polar(d, k, e, i_bil=False)


def dci_decode(llr: torch.Tensor, k: int, rnti: int = 0, list_length: int = 8, *,
               kernel: str = "auto") -> tuple[torch.Tensor, torch.Tensor]:
    """DCI channel decoding, inverse of TS 38.212 §7.3 (MATLAB ``nrDCIDecode``).

    Rate recovery (§5.4.1, I_BIL = 0), CRC-aided SCL polar decoding (§5.3.1: n_max = 9,
    I_IL = 1) whose list path is chosen by the CRC24C with 24 leading ones and the RNTI mask
    (§7.3.2), then the CRC check.

    Parameters
    ----------
    llr : ``[..., E]`` float LLRs of the DCI codeword (positive means 0), e.g. from
        :func:`softran.nr.pdcch.chain.pdcch_decode`.
    k : the DCI payload size A (1..140), excluding padding and CRC.
    rnti : the RNTI assumed for the CRC mask, 0..65535; 0 decodes without a mask.
    list_length : L of the list decoder, 1, 2, 4, 8, 16 or 32.
    kernel : polar decoder kernel, as :func:`softran.nr.coding.polar.polar_decode`.

    Returns
    -------
    ``(bits, mask)``: ``bits`` uint8 ``[..., A]``, the decoded payload; ``mask`` int64
    ``[...]``, the recomputed CRC XOR the received CRC XOR ``rnti`` read as a 24-bit integer
    (p_0 most significant). ``mask == 0`` means the CRC passed for ``rnti``; decoding with
    ``rnti = 0`` returns the RNTI the transmitter used (MATLAB's second output).

    >>> a = torch.tensor([[1, 0, 1, 1, 0, 0, 1, 0, 1, 1, 1, 0, 0, 1, 0, 1, 1, 0, 0, 1]],
    ...                  dtype=torch.uint8)
    >>> llr = 10.0 * (1.0 - 2.0 * dci_encode(a, 1234, 216).float())       # noiseless
    >>> bits, mask = dci_decode(llr, 20, 1234)
    >>> bool((bits == a).all()), mask.tolist(), dci_decode(llr, 20, 0)[1].tolist()
    (True, [0], [1234])
    """
    llr = check_llr("llr", llr)
    a = check_int("k", k, 1, DCI_MAX_PAYLOAD)
    rnti = check_int("rnti", rnti, 0, _MAX_RNTI)
    e = llr.shape[-1]
    check_int("E (length of llr along its last dimension)", e, 1, 8192)
    big_k = _k(a)
    n = _check_k_e(big_k, e)
    d = rate_recover_polar(llr, big_k, n, i_bil=False)
    c = polar_decode(d, big_k, e, list_length, DCI_N_MAX, True, DCI_CRC_LENGTH, n_pc=0,
                     n_pc_wm=0, rnti=rnti, pad_crc=True, kernel=kernel)
    ones = torch.ones(*c.shape[:-1], DCI_CRC_LENGTH, dtype=torch.uint8, device=c.device)
    _, mask = crc_decode(torch.cat([ones, c], dim=-1), "24C", mask=rnti)
    return c[..., :a], mask
