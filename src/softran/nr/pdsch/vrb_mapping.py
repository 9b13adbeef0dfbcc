"""Virtual-to-physical resource block mapping of the PDSCH (TS 38.211 §7.3.1.6) and the
precoding resource block groups of PRB bundling (TS 38.214 §5.1.2.3).

* :func:`vrb_bundles` -- the resource block bundles of a BWP for bundle size L_i.
* :func:`vrb_to_prb` -- PRB of each VRB, non-interleaved (identity) or interleaved with
  L_i = 2 or 4 (*vrb-ToPRB-Interleaver*).
* :func:`prg_index` -- the precoding resource block group of each common resource block for a
  PRG size P'_BWP = 2, 4 or wideband.
"""

from __future__ import annotations

import torch

from softran.validation import check_choice, check_int

__all__ = ["prg_index", "vrb_bundles", "vrb_to_prb"]

DeviceLike = torch.device | str | None


def vrb_bundles(n_start_bwp: int, n_size_bwp: int, bundle_size: int) -> list[range]:
    """The resource block bundles of a BWP, TS 38.211 §7.3.1.6: bundle 0 holds
    L_i - (N_start mod L_i) RBs, the last (N_start + N_size) mod L_i RBs when that is not 0
    (else L_i), the others L_i; N_bundle = ceil((N_size + (N_start mod L_i)) / L_i). RB
    numbers are relative to the BWP start.

    >>> [list(b) for b in vrb_bundles(3, 8, 4)]
    [[0], [1, 2, 3, 4], [5, 6, 7]]
    """
    n_start_bwp = check_int("n_start_bwp", n_start_bwp, 0)
    n_size_bwp = check_int("n_size_bwp", n_size_bwp, 1, 275)
    big_l = check_choice("bundle_size", check_int("bundle_size", bundle_size), (2, 4))
    n_bundle = -(-(n_size_bwp + n_start_bwp % big_l) // big_l)
    first = big_l - n_start_bwp % big_l
    edges = [0] + [min(first + j * big_l, n_size_bwp) for j in range(n_bundle)]
    edges[-1] = n_size_bwp
    return [range(edges[j], edges[j + 1]) for j in range(n_bundle)]


def vrb_to_prb(vrbs: torch.Tensor | list[int], n_start_bwp: int, n_size_bwp: int, *,
               interleaved: bool = False, bundle_size: int = 2,
               device: DeviceLike = None) -> torch.Tensor:
    """The PRB (within the BWP) of each VRB, TS 38.211 §7.3.1.6.

    Non-interleaved: PRB n = VRB n. Interleaved (*vrb-ToPRB-Interleaver* = L_i in {2, 4}):
    VRB bundle N_bundle - 1 maps to PRB bundle N_bundle - 1 and VRB bundle
    j < N_bundle - 1 to PRB bundle f(j) = r C + c, where j = c R + r, R = 2,
    C = floor(N_bundle / R); the i-th VRB of a bundle maps to the i-th PRB of its PRB bundle
    (bundles of :func:`vrb_bundles`, the same for VRBs and PRBs). The interleaver of a
    PDSCH scheduled by DCI format 1_0 in a common search space (bundles from CORESET 0) is
    not modelled.

    Returns int64 ``[len(vrbs)]``.

    >>> vrb_to_prb(list(range(8)), 0, 8, interleaved=True).tolist()   # 4 bundles of 2
    [0, 1, 4, 5, 2, 3, 6, 7]
    """
    v = torch.as_tensor(vrbs, dtype=torch.int64, device=device)
    n_size_bwp = check_int("n_size_bwp", n_size_bwp, 1, 275)
    if v.numel() and (int(v.min()) < 0 or int(v.max()) >= n_size_bwp):
        raise ValueError(f"VRB {int(v.max()) if int(v.max()) >= n_size_bwp else int(v.min())} "
                         f"is outside the BWP of {n_size_bwp} RBs")
    if not interleaved:
        return v.clone()
    bundles = vrb_bundles(n_start_bwp, n_size_bwp, bundle_size)
    n_bundle = len(bundles)
    c_cols = n_bundle // 2
    table = torch.empty(n_size_bwp, dtype=torch.int64)
    for j, vb in enumerate(bundles):
        f = n_bundle - 1 if j == n_bundle - 1 else (j % 2) * c_cols + j // 2
        pb = bundles[f]
        table[list(vb)] = torch.tensor(list(pb), dtype=torch.int64)
    return table.to(v.device)[v]


def prg_index(crbs: torch.Tensor, prg_size: int | None) -> torch.Tensor:
    """The precoding resource block group of each common resource block for PRB bundling,
    TS 38.214 §5.1.2.3: PRGs of P'_BWP = ``prg_size`` (2 or 4) consecutive CRBs aligned to
    CRB 0 (the first PRG of a BWP holds P - N_start mod P PRBs), numbered from CRB 0 as
    MATLAB's ``nrPDSCHPrecode`` does; ``None`` is *wideband* (one PRG, index 0).

    >>> prg_index(torch.arange(3, 9), 4).tolist()
    [0, 1, 1, 1, 1, 2]
    """
    if prg_size is None:
        return torch.zeros_like(crbs)
    p = check_choice("prg_size", check_int("prg_size", prg_size), (2, 4))
    return torch.div(crbs, p, rounding_mode="floor")
