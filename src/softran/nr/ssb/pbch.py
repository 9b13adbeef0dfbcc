"""The physical broadcast channel PBCH and its DM-RS (TS 38.211 §7.3.3, §7.4.1.4.1).

* :func:`pbch` / :func:`pbch_decode` -- scrambling (§7.3.3.1) and QPSK modulation (§7.3.3.2)
  of the 864-bit BCH codeword, and the inverse (MATLAB ``nrPBCH`` / ``nrPBCHDecode``);
* :func:`pbch_dmrs` -- the 144 DM-RS symbols of §7.4.1.4.1 (MATLAB ``nrPBCHDMRS``);
* :func:`pbch_v` / :func:`pbch_dmrs_issb_bar` -- the scrambling phase v and ī_SSB from the
  SS/PBCH block index (and half frame).

Mapping to the SS/PBCH block is in :mod:`softran.nr.ssb.block`.
"""

from __future__ import annotations

import math

import numpy as np
import torch

from softran.nr.modulation import symbol_demodulate, symbol_modulate
from softran.nr.sequences import prbs
from softran.validation import (
    check_bits,
    check_choice,
    check_finite,
    check_int,
    check_int_or_tensor,
    check_tensor,
)

__all__ = [
    "PBCH_DMRS_LENGTH",
    "PBCH_M_BIT",
    "pbch",
    "pbch_decode",
    "pbch_dmrs",
    "pbch_dmrs_issb_bar",
    "pbch_v",
]

#: M_bit, the number of bits of the PBCH per SS/PBCH block (TS 38.211 §7.3.3.1).
PBCH_M_BIT: int = 864
#: Number of DM-RS symbols for PBCH in an SS/PBCH block (TS 38.211 §7.4.1.4.1, 7.4.3.1).
PBCH_DMRS_LENGTH: int = 144
_MAX_CELL_ID = 1007
_L_MAX_VALUES = (4, 8, 64)




def _scrambling_sequence(n_cell_id: object, v: object, batch: torch.Size,
                         device: torch.device) -> torch.Tensor:
    """c(i + v M_bit), i = 0..M_bit - 1, c_init = N_ID^cell (§7.3.3.1): uint8 ``[*batch, 864]``."""
    cell = check_int_or_tensor("n_cell_id", n_cell_id, 0, _MAX_CELL_ID, device)
    v_t = check_int_or_tensor("v", v, 0, 7, device)
    try:  # numpy's: torch.broadcast_shapes imports sympy on its first call (seconds)
        shape = torch.Size(np.broadcast_shapes(tuple(cell.shape), tuple(v_t.shape),
                                               tuple(batch)))
    except ValueError:
        shape = None
    if shape != batch:
        raise ValueError(f"n_cell_id of shape {tuple(cell.shape)} and v of shape "
                         f"{tuple(v_t.shape)} must broadcast to the batch shape {tuple(batch)}")
    if v_t.dim() == 0:                      # one phase: generate just enough of c
        v0 = int(v_t)
        c = prbs(cell, (v0 + 1) * PBCH_M_BIT)[..., v0 * PBCH_M_BIT:]
        return c.expand(*batch, PBCH_M_BIT)
    c = prbs(cell, 8 * PBCH_M_BIT).expand(*batch, 8 * PBCH_M_BIT)
    idx = v_t.expand(batch).unsqueeze(-1) * PBCH_M_BIT + torch.arange(PBCH_M_BIT, device=device)
    return torch.gather(c, -1, idx)


def pbch_v(i_ssb: int, l_max: int) -> int:
    """Scrambling phase v of TS 38.211 §7.3.3.1 for SS/PBCH block index ``i_ssb``.

    v is the 2 LSBs of i_SSB for L_max = 4 and its 3 LSBs for L_max = 8 or 64.

    >>> pbch_v(3, 4), pbch_v(6, 8), pbch_v(13, 64)
    (3, 6, 5)
    """
    l_max = check_choice("l_max", check_int("l_max", l_max), _L_MAX_VALUES)
    i_ssb = check_int("i_ssb", i_ssb, 0, l_max - 1)
    return i_ssb % 4 if l_max == 4 else i_ssb % 8


def pbch_dmrs_issb_bar(i_ssb: int, n_hf: int, l_max: int) -> int:
    """ī_SSB of TS 38.211 §7.4.1.4.1 (time-dependent part of the PBCH DM-RS c_init).

    L_max = 4: ī_SSB = i_SSB + 4 n_hf (i_SSB its 2 LSBs, n_hf the half-frame number);
    L_max = 8 or 64: ī_SSB = the 3 LSBs of i_SSB.

    >>> pbch_dmrs_issb_bar(2, 1, 4), pbch_dmrs_issb_bar(13, 1, 64)
    (6, 5)
    """
    l_max = check_choice("l_max", check_int("l_max", l_max), _L_MAX_VALUES)
    i_ssb = check_int("i_ssb", i_ssb, 0, l_max - 1)
    n_hf = check_int("n_hf", n_hf, 0, 1)
    return i_ssb % 4 + 4 * n_hf if l_max == 4 else i_ssb % 8


def pbch(cw: torch.Tensor, n_cell_id: int | torch.Tensor, v: int | torch.Tensor) -> torch.Tensor:
    """PBCH scrambling and modulation, TS 38.211 §7.3.3 (MATLAB ``nrPBCH``).

    ``b~(i) = (b(i) + c(i + v M_bit)) mod 2`` with M_bit = 864 and c of §5.2.1 initialised
    with c_init = N_ID^cell (§7.3.3.1), then QPSK (§7.3.3.2).

    Parameters
    ----------
    cw : ``[..., 864]`` 0/1, the BCH codeword b(0) .. b(863) (:func:`bch_encode`).
    n_cell_id : N_ID^cell, 0..1007: an int or an integer tensor broadcastable to ``[...]``.
    v : scrambling phase, 0..7 (:func:`pbch_v`: i_SSB mod 4 for L_max = 4, else i_SSB mod 8):
        an int or an integer tensor broadcastable to ``[...]``.

    Returns
    -------
    complex64 ``[..., 432]``, d_PBCH(0) .. d_PBCH(431).

    >>> sym = pbch(torch.zeros(864, dtype=torch.uint8), 17, 0)
    >>> sym.shape, sym.dtype
    (torch.Size([432]), torch.complex64)
    """
    cw = check_bits("cw", cw, min_dim=1)
    if cw.shape[-1] != PBCH_M_BIT:
        raise ValueError(f"cw must have {PBCH_M_BIT} bits along its last dimension, got shape "
                         f"{tuple(cw.shape)}")
    c = _scrambling_sequence(n_cell_id, v, cw.shape[:-1], cw.device)
    return symbol_modulate(cw ^ c, "QPSK")


def pbch_decode(symbols: torch.Tensor, n_cell_id: int | torch.Tensor, v: int | torch.Tensor,
                noise_var: float | torch.Tensor) -> torch.Tensor:
    """PBCH demodulation and descrambling, inverse of TS 38.211 §7.3.3 (MATLAB ``nrPBCHDecode``).

    Parameters
    ----------
    symbols : ``[..., 432]`` complex PBCH symbols (equalised).
    n_cell_id : N_ID^cell, 0..1007 (int or integer tensor broadcastable to ``[...]``).
    v : scrambling phase 0..7 (int or tensor), as in :func:`pbch`.
    noise_var : noise variance N0 > 0 of the symbols: a number or a real tensor broadcastable
        to ``symbols`` (see :func:`symbol_demodulate`).

    Returns
    -------
    float32 ``[..., 864]`` LLRs of b(0) .. b(863), LLR = ln P(b=0) / P(b=1).

    >>> cw = torch.tensor([0, 1] * 432, dtype=torch.uint8)
    >>> llr = pbch_decode(pbch(cw, 17, 3), 17, 3, 0.5)
    >>> bool(((llr < 0).to(torch.uint8) == cw).all()), round(float(llr.abs().max()), 4)
    (True, 4.0)
    """
    symbols = check_finite("symbols", check_tensor("symbols", symbols, min_dim=1))
    if symbols.shape[-1] != PBCH_M_BIT // 2:
        raise ValueError(f"symbols must have {PBCH_M_BIT // 2} values along its last dimension, "
                         f"got shape {tuple(symbols.shape)}")
    llr = symbol_demodulate(symbols, "QPSK", noise_var)
    c = _scrambling_sequence(n_cell_id, v, llr.shape[:-1], llr.device)
    return torch.where(c.bool(), -llr, llr)


def pbch_dmrs(n_cell_id: int | torch.Tensor, i_ssb_bar: int | torch.Tensor) -> torch.Tensor:
    """DM-RS for PBCH, TS 38.211 §7.4.1.4.1 (MATLAB ``nrPBCHDMRS``).

    ``r(m) = (1 - 2 c(2m)) / sqrt(2) + j (1 - 2 c(2m + 1)) / sqrt(2)``, m = 0..143, with c of
    §5.2.1 initialised with::

        c_init = 2^11 (ī_SSB + 1)(floor(N_ID^cell / 4) + 1) + 2^6 (ī_SSB + 1) + (N_ID^cell mod 4)

    Parameters
    ----------
    n_cell_id : N_ID^cell, 0..1007: an int or an integer tensor.
    i_ssb_bar : ī_SSB, 0..7 (:func:`pbch_dmrs_issb_bar`): an int or an integer tensor; the
        two broadcast to the batch shape ``[...]``.

    Returns
    -------
    complex64 ``[..., 144]`` (``[144]`` for two ints), on the device of the tensor inputs.

    >>> r = pbch_dmrs(0, 0)              # c_init = 2^11 + 2^6 = 2112
    >>> r.shape, bool(torch.allclose(r.abs(), torch.full((144,), 1.0)))
    (torch.Size([144]), True)
    """
    device = None
    for x in (n_cell_id, i_ssb_bar):
        if isinstance(x, torch.Tensor):
            device = x.device
            break
    cell = check_int_or_tensor("n_cell_id", n_cell_id, 0, _MAX_CELL_ID, device)
    ibar = check_int_or_tensor("i_ssb_bar", i_ssb_bar, 0, 7, device)
    c_init = ((1 << 11) * (ibar + 1) * (torch.div(cell, 4, rounding_mode="floor") + 1)
              + (1 << 6) * (ibar + 1) + cell % 4)
    c = prbs(c_init, 2 * PBCH_DMRS_LENGTH).to(torch.float32)
    re = (1 - 2 * c[..., 0::2]) * (1 / math.sqrt(2))
    im = (1 - 2 * c[..., 1::2]) * (1 / math.sqrt(2))
    return torch.complex(re, im)
