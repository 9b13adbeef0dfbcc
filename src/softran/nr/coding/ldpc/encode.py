"""LDPC encoding (TS 38.212 §5.3.2), the counterpart of MATLAB ``nrLDPCEncode``.

The encoder solves H [c; w] = 0 for the parity bits w with an encoding schedule that is derived
once per (base graph, Zc) from the base-graph table itself (nothing about the double-diagonal
core is hard-coded):

1. For each of the 4 core rows (the rows without a degree-1 column) the syndrome of the
   systematic part, lambda_i[z] = XOR_j c_j[(z + P_ij) mod Zc], is formed.
2. The 4 core parity columns are solved one at a time: the smallest set of core rows whose
   sum (identical circulants cancel in GF(2)) leaves exactly one unknown circulant I(P) gives
   that column as a cyclic shift of a known sum. For BG1 the sum of all 4 rows leaves I(0)
   (I(105 mod Zc) for i_LS = 6), for BG2 I(1) (I(0) for i_LS in {3, 7}); rows 0..3 then give
   the other three columns one by one.
3. Every extension row owns one degree-1 parity column with shift 0; its parity bits are the
   XOR of the row's other (already known) circulant blocks.

Step ``s`` of the schedule, with target circulant ``(t, P_t)`` and sources ``(c_e, P_e)``, writes
``buf[t*Zc + (z + P_t) mod Zc] = XOR_e buf[c_e*Zc + (z + P_e) mod Zc]`` for z = 0..Zc-1. CPU
tensors run it in a Numba kernel (two contiguous runs per cyclic shift); other devices run the
same schedule as padded torch index gathers, or (CUDA) the Triton kernel of ``encode_triton``.
"""

from __future__ import annotations

import functools

import numpy as np
import torch

from softran.nr.coding.ldpc.base_graph import base_graph_dims, lifting_size_for_length
from softran.nr.coding.ldpc.plan import EncodePlan, encode_plan
from softran.nr.coding.ldpc.triton_support import triton_usable
from softran.validation import check_choice, check_int, check_tensor

__all__ = ["ldpc_encode"]


@functools.cache
def _torch_levels(bgn: int, zc: int, device: torch.device
                  ) -> tuple[tuple[torch.Tensor, torch.Tensor, int], ...]:
    """Per level: padded source gather index [n_steps, max_src*Zc], target index, max_src.

    Padding points at an all-zero pseudo column (index n_buf_cols) of the work buffer.
    """
    plan = encode_plan(bgn, zc)
    z = np.arange(zc)
    out = []
    for steps in plan.levels:
        n_src = [plan.src_ptr[s + 1] - plan.src_ptr[s] for s in steps]
        width = max(n_src)
        gather = np.full((len(steps), width, zc), plan.n_buf_cols * zc, dtype=np.int64)
        target = np.empty((len(steps), zc), dtype=np.int64)
        for k, s in enumerate(steps):
            for m, e in enumerate(range(plan.src_ptr[s], plan.src_ptr[s + 1])):
                gather[k, m] = plan.src_col[e] * zc + (z + plan.src_shift[e]) % zc
            target[k] = plan.tgt_col[s] * zc + (z + plan.tgt_shift[s]) % zc
        out.append((torch.from_numpy(gather.reshape(-1)).to(device),
                    torch.from_numpy(target.reshape(-1)).to(device), width))
    return tuple(out)


def _encode_torch(c: torch.Tensor, plan: EncodePlan) -> torch.Tensor:
    """Parity columns kb..n_cols-1 (uint8 [B, (n_cols-kb)*Zc]) by index gathers."""
    zc = plan.zc
    buf = torch.zeros(c.shape[0], (plan.n_buf_cols + 1) * zc, dtype=torch.uint8, device=c.device)
    buf[:, :plan.kb * zc] = c
    for gather, target, width in _torch_levels(plan.bgn, zc, c.device):
        g = buf[:, gather].view(c.shape[0], -1, width, zc)
        buf[:, target] = (g.sum(dim=2, dtype=torch.uint8) & 1).view(c.shape[0], -1)
    return buf[:, plan.kb * zc:plan.n_cols * zc]


def _encode_numba(c: torch.Tensor, out: torch.Tensor, plan: EncodePlan) -> None:
    """Parity columns kb..n_cols-1 into out[:, K - 2Zc:] (int8 [B, N], CPU) by the Numba kernel."""
    from softran.nr.coding.ldpc.decode_kernels import encode_blocks, kernel_threads

    c_np = c.contiguous().numpy()
    with kernel_threads(c_np.shape[0]) as parallel:
        encode_blocks(c_np, out.numpy(), (plan.kb - 2) * plan.zc, plan.tgt_col, plan.tgt_shift,
                      plan.src_ptr, plan.src_col, plan.src_shift, plan.zc, plan.kb, plan.n_cols,
                      plan.n_buf_cols, parallel)


def _encode_numba_checked(cbs: torch.Tensor, bgn: int, zc: int, n_cols: int
                          ) -> torch.Tensor | None:
    """The CPU codewords int8 ``[..., N]`` of int8 / uint8 / bool ``cbs`` in one serial Numba
    pass that checks the values too (None where one is not a bit or a filler: the caller
    raises; None also where the blocks would run on several threads)."""
    from softran.nr.coding.ldpc.decode_kernels import encode_blocks_checked, kernel_threads

    k = cbs.shape[-1]
    flat = cbs.detach().contiguous().numpy().reshape(-1, k)
    with kernel_threads(flat.shape[0]) as parallel:
        if parallel:
            return None
        plan = encode_plan(bgn, zc)
        out = np.empty((*cbs.shape[:-1], (n_cols - 2) * zc), dtype=np.int8)
        ok = encode_blocks_checked(flat.view(np.uint8), cbs.dtype == torch.int8,
                                   out.reshape(-1, out.shape[-1]).view(np.uint8), plan.tgt_col,
                                   plan.tgt_shift, plan.src_ptr, plan.src_col, plan.src_shift,
                                   zc, plan.kb, plan.n_cols, plan.n_buf_cols)
    return torch.from_numpy(out) if ok else None


def ldpc_encode(cbs: torch.Tensor, bgn: int, *, kernel: str = "auto") -> torch.Tensor:
    """LDPC-encode code blocks with base graph ``bgn`` (TS 38.212 §5.3.2; MATLAB ``nrLDPCEncode``).

    ``cbs`` is [..., K] with K = 22*Zc (``bgn`` = 1) or 10*Zc (``bgn`` = 2) for one of the 51
    lifting sizes Zc; bits are 0/1 (uint8, bool or any integer dtype), and filler bits may be
    marked -1 (signed dtypes): they are encoded as 0 and stay -1 in the output.

    Returns int8 [..., N], N = 66*Zc (``bgn`` = 1) or 50*Zc (``bgn`` = 2): d_k = c_{k+2Zc} for
    k < K - 2Zc (the first 2*Zc systematic bits are punctured), then the parity bits w that
    solve H [c; w] = 0.

    ``kernel``: "auto" (Numba on CPU; on CUDA Triton when installed, else torch), "numba" (CPU
    only), "triton" (CUDA, or CPU tensors in Triton's interpreter with ``TRITON_INTERPRET=1``)
    or "torch" (index gathers, any device).

    >>> cbs = torch.zeros(2, 10 * 2, dtype=torch.uint8)
    >>> cbs[:, 5] = 1
    >>> d = ldpc_encode(cbs, 2)
    >>> tuple(d.shape), d.dtype, d[0, :4].tolist()
    ((2, 100), torch.int8, [0, 1, 0, 0])
    """
    cbs = check_tensor("cbs", cbs, min_dim=1)
    bgn = check_int("bgn", bgn, 1, 2)
    kernel = check_choice("kernel", kernel, ("auto", "torch", "numba", "triton"))
    if cbs.is_floating_point() or cbs.is_complex():
        raise TypeError(f"cbs must be an integer or bool tensor of 0/1 bits (-1 for filler bits), "
                        f"got dtype {cbs.dtype}")
    _, n_cols, kb = base_graph_dims(bgn)
    k = cbs.shape[-1]
    zc = lifting_size_for_length("K (cbs.shape[-1])", k, bgn, kb)
    if (kernel in ("auto", "numba") and cbs.is_cpu and cbs.numel()
            and cbs.dtype in (torch.int8, torch.uint8, torch.bool)):
        out = _encode_numba_checked(cbs, bgn, zc, n_cols)
        if out is not None:
            return out
    if cbs.dtype != torch.bool and cbs.numel():
        low, high = (0, int(cbs.max())) if cbs.dtype == torch.uint8 else map(
            int, torch.aminmax(cbs))
        if low < -1 or high > 1:
            # (a uint8 255 is not -1, though torch compares it equal to the scalar -1)
            bad = (cbs[cbs > 1] if cbs.dtype == torch.uint8
                   else cbs[(cbs != 0) & (cbs != 1) & (cbs != -1)]).flatten()[0].item()
            raise ValueError(f"cbs must contain only 0, 1 and -1 (filler), found {bad}")
    if kernel == "numba" and cbs.device.type != "cpu":
        raise ValueError(f"kernel = 'numba' needs a CPU tensor, got device {cbs.device}")
    if kernel == "triton" and not triton_usable(cbs.device):
        raise ValueError(f"kernel = 'triton' needs Triton and a CUDA tensor (or "
                         f"TRITON_INTERPRET=1 for a CPU tensor), got device {cbs.device}")
    if kernel == "auto":
        if cbs.device.type == "cpu":
            kernel = "numba"
        else:
            kernel = "triton" if triton_usable(cbs.device) else "torch"

    plan = encode_plan(bgn, zc)
    batch = cbs.shape[:-1]
    flat = cbs.detach().reshape(-1, k)
    if flat.dtype in (torch.uint8, torch.bool):
        c = flat.to(torch.uint8)
    else:
        c = flat.clamp_min(0).to(torch.uint8)  # filler bits (-1) are encoded as 0
    out = torch.empty(flat.shape[0], (n_cols - 2) * zc, dtype=torch.int8, device=cbs.device)
    out[:, :k - 2 * zc] = flat[:, 2 * zc:]
    if kernel == "numba":
        _encode_numba(c, out, plan)
    elif kernel == "triton":
        from softran.nr.coding.ldpc.encode_triton import encode_blocks_triton

        encode_blocks_triton(c, out, bgn, zc)
    else:
        out[:, k - 2 * zc:] = _encode_torch(c, plan)
    return out.reshape(*batch, (n_cols - 2) * zc)
