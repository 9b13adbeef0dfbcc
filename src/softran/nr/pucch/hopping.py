"""PUCCH sequence and cyclic shift hopping, TS 38.211 §6.3.2.2 (MATLAB ``nrPUCCHHoppingInfo``).

* Group and sequence hopping (§6.3.2.2.1): ``u = (f_gh + f_ss) mod 30`` with
  ``f_ss = n_ID mod 30`` and, by *pucch-GroupHopping*:

  - ``"neither"``: f_gh = 0, v = 0;
  - ``"enable"``: ``f_gh = (sum_{m=0}^{7} 2^m c(8 (2 n_s + n_hop) + m)) mod 30``, c_init =
    floor(n_ID / 30), v = 0;
  - ``"disable"``: f_gh = 0, ``v = c(2 n_s + n_hop)``, c_init = 2^5 floor(n_ID / 30) +
    (n_ID mod 30);

  n_s the slot number in the frame, n_hop = 0 without intra-slot hopping or in the first hop
  and 1 in the second. A sequence group has a second base sequence (v = 1) only for lengths
  M_ZC >= 72 (§5.2.2); shorter PUCCH sequences (formats 0, 1, 4 and format 3 with fewer than 6
  PRBs) use v = 0.
* Cyclic shift hopping (§6.3.2.2.2): ``alpha_l = 2 pi / 12 ((m_0 + m_cs + n_cs(n_s, l + l'))
  mod 12)`` with ``n_cs(n_s, l) = sum_{m=0}^{7} 2^m c(14 * 8 n_s + 8 l + m)`` (N_symb^slot = 14;
  12 with extended CP), c_init = n_ID, l + l' the symbol index in the slot.
"""

from __future__ import annotations

import math

import torch

from softran.nr.config import CarrierConfig
from softran.nr.sequences import prbs
from softran.validation import check_choice, check_int

__all__ = ["pucch_alpha", "pucch_cyclic_shift_hopping", "pucch_group_sequence"]

_N_SC_RB = 12
_POWERS = 2 ** torch.arange(8)


def pucch_group_sequence(carrier: CarrierConfig, n_id: int, group_hopping: str, n_hop: int,
                         m_zc: int = 12) -> tuple[int, int]:
    """Sequence group u and base sequence v of TS 38.211 §6.3.2.2.1 (module docstring) for
    slot ``carrier.n_slot``, hopping identity ``n_id`` (0..1023) and hop ``n_hop`` (0, 1);
    ``m_zc`` the sequence length (v = 0 below 72).

    >>> c = CarrierConfig(n_slot=3)
    >>> pucch_group_sequence(c, 512, "neither", 0), pucch_group_sequence(c, 512, "enable", 1)
    ((2, 0), (22, 0))
    """
    if not isinstance(carrier, CarrierConfig):
        raise TypeError(f"carrier must be a CarrierConfig, got {type(carrier).__name__}")
    n_id = check_int("n_id", n_id, 0, 1023)
    group_hopping = check_choice("group_hopping", group_hopping, ("neither", "enable", "disable"))
    n_hop = check_int("n_hop", n_hop, 0, 1)
    n_s = carrier.slot_in_frame
    f_ss = n_id % 30
    f_gh, v = 0, 0
    if group_hopping == "enable":
        c = prbs(n_id // 30, 8 * (2 * n_s + n_hop) + 8)[-8:]
        f_gh = int((c.to(torch.int64) * _POWERS).sum()) % 30
    elif group_hopping == "disable":
        v = int(prbs(32 * (n_id // 30) + f_ss, 2 * n_s + n_hop + 1)[-1])
        if m_zc < 6 * _N_SC_RB:
            v = 0
    return (f_gh + f_ss) % 30, v


def pucch_cyclic_shift_hopping(carrier: CarrierConfig, n_id: int,
                               symbols: tuple[int, ...] | list[int]) -> torch.Tensor:
    """n_cs(n_s, l) of TS 38.211 §6.3.2.2.2 for the slot symbols ``symbols`` (l + l'):
    int64 ``[len(symbols)]``, each in 0..255.

    >>> pucch_cyclic_shift_hopping(CarrierConfig(), 0, [0, 1]).tolist()   # c(0..7) = 00000010
    [64, 88]
    """
    if not isinstance(carrier, CarrierConfig):
        raise TypeError(f"carrier must be a CarrierConfig, got {type(carrier).__name__}")
    n_id = check_int("n_id", n_id, 0, 1023)
    n_symb = carrier.symbols_per_slot
    l = torch.tensor([check_int("symbol", s, 0, n_symb - 1) for s in symbols], dtype=torch.int64)
    base = 8 * n_symb * carrier.slot_in_frame
    c = prbs(n_id, base + 8 * n_symb).to(torch.int64)
    idx = base + 8 * l[:, None] + torch.arange(8)
    return (c[idx] * _POWERS).sum(-1)


def pucch_alpha(m0: int, m_cs: int | torch.Tensor, n_cs: torch.Tensor) -> torch.Tensor:
    """alpha_l = 2 pi ((m_0 + m_cs + n_cs(n_s, l + l')) mod 12) / 12 of TS 38.211 §6.3.2.2.2,
    float64 radians, the broadcast shape of ``m_cs`` and ``n_cs``.

    >>> pucch_alpha(3, 6, torch.tensor([0, 5])).div(2 * math.pi / 12).round().tolist()
    [9.0, 2.0]
    """
    m0 = check_int("m0", m0, 0, 11)
    total = torch.remainder(m0 + torch.as_tensor(m_cs) + n_cs, _N_SC_RB)
    return total.to(torch.float64) * (2 * math.pi / _N_SC_RB)
