"""LDPC decoding (TS 38.212 §5.3.2 codes), the counterpart of MATLAB ``nrLDPCDecode``.

Three algorithms over the parity-check matrix H of ``base_graph.parity_check_matrix``:

* ``"layered-min-sum"`` (default): layered normalised min-sum. Rows of the base graph are
  processed one after another (a layer = Zc parity checks); the check-to-variable message is
  ``scaling * min|t|`` over the other edges of the check, with the product of their signs
  (t = posterior LLR minus the check's previous message). ``scaling`` (0 < scaling <= 1,
  default 0.75) compensates the min-sum over-estimate of the sum-product magnitude; it is
  dimensionless, so it does not depend on how the LLRs are scaled.
* ``"layered-offset-min-sum"``: the same schedule with ``max(min|t| - offset, 0)``. ``offset``
  (default 0.5) is in the units of the input LLRs (natural-log likelihood ratios): it suits
  exact LLRs such as 2*y/sigma^2 for BPSK over AWGN; LLRs scaled by a factor a need
  ``offset * a``.
* ``"sum-product"``: flooding belief propagation with the exact tanh rule
  ``R = 2 atanh(prod tanh(Q/2))`` in float64, the accuracy reference (torch only). The products
  exclude the own edge through prefix / suffix products (no division); |prod| is limited to
  1 - 1e-15, so messages saturate at about +-35. With early termination a block leaves the
  batch after the iteration that satisfies its checks: the others go on without it, so a
  batch costs the sum of its blocks' iterations, not the slowest block's times the batch.

Shared conventions (MATLAB ``nrLDPCDecode``):

* Input LLRs are those of the N = 66*Zc (BG1) or 50*Zc (BG2) bits of ``ldpc_encode``'s output;
  the decoder inserts zero LLRs for the 2*Zc punctured systematic bits.
* LLR = ln P(0)/P(1). Infinite LLRs (e.g. +inf for filler bits) are allowed: inside the decoder
  input magnitudes above ``LLR_SATURATION`` = 1e20 (+-inf included) are set to 1e20, so that
  inf - inf never occurs; a saturated LLR still outweighs any realistic sum of messages.
* Early termination: after each iteration a block stops when its hard decisions
  (LLR < 0 means 1) satisfy all parity checks; its iteration count says after which iteration.
* Row skipping (exact): an extension row owns a degree-1 parity column. If all LLRs of that
  column are zero (not transmitted, e.g. rate above the lowest), the variable-to-check message
  from that column is exactly 0 in every iteration, so the row sends exactly 0 to all its other
  variables (min|t| = 0 in min-sum, tanh(0) = 0 in sum-product) and changes nothing. Such rows
  are skipped per block, and their checks are left out of early termination (their parity bits
  are not transmitted and do not reach the output). A rate-1/2 BG1 block thus processes 24 of
  the 46 layers.

Kernels: the layered algorithms have four implementations behind ``kernel``:

* ``"numba"``: the CPU kernel of ``decode_kernels.py``, parallel over blocks on
  min(numba.get_num_threads(), torch.get_num_threads()) threads;
* ``"triton"``: the GPU kernel of ``decode_triton.py``, persistent programs that each decode
  blocks in turn, a layer as one gathered tile (CUDA tensors; with ``TRITON_INTERPRET=1`` set
  before the first use it also runs CPU tensors in Triton's interpreter, slowly, for checking
  without a GPU);
* ``"torch"``: the reference, vectorised over blocks and Zc, looping over layers and
  iterations (about 15 small kernels per layer);
* ``"numba-int8"``: the fixed-point CPU kernels of ``decode_kernels_fixed.py`` (8-bit messages,
  16-bit posteriors, each block's LLRs quantised to a mean magnitude of 16 levels; explicit
  64-lane vectors for Zc >= 16), about seven times the float kernel's throughput on one
  thread (bench/bench_ldpc.py). It is not bit-exact with the float kernels (its own
  reference, ``decode_fixed_reference``, is): same decisions at high SNR, and a waterfall
  within 0.1 dB of the float decoder's (tests/nr/coding/test_ldpc_decode_fixed.py). Chosen
  only by name (``"auto"`` keeps the float kernels).

``kernel="auto"`` picks Numba for CPU tensors and Triton for CUDA tensors when Triton is
installed (else torch). Sum-product always runs in torch. All layered paths do the same float32
operations in the same order and give identical bits and iteration counts.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass
from typing import Any

import numpy as np
import torch

from softran.nr.coding.ldpc.base_graph import base_graph_dims, lifting_size_for_length
from softran.nr.coding.ldpc.plan import DecodePlan, decode_plan
from softran.nr.coding.ldpc.triton_support import triton_usable
from softran.validation import check_choice, check_int, check_llr, check_real, check_tensor

__all__ = ["DECODE_KERNELS", "LLR_SATURATION", "LDPCDecoder", "ldpc_decode"]

#: Magnitude at which input LLRs (including +-inf) are saturated inside the decoder.
LLR_SATURATION = 1e20

#: The ``kernel`` names :func:`ldpc_decode` accepts (module docstring).
DECODE_KERNELS: tuple[str, ...] = ("auto", "torch", "numba", "triton", "numba-int8")

_ALGORITHMS = ("layered-min-sum", "layered-offset-min-sum", "sum-product")
_BIG = 3.0e38  # "no minimum yet" (finite, larger than any saturated message sum)
_TANH_MAX = 1.0 - 1e-15


@dataclass(frozen=True)
class _TorchIndex:
    row_idx: tuple[torch.Tensor, ...]  # per row: long [d_i * zc] flat positions in L
    pad_idx: torch.Tensor              # long [n_rows * d_max * zc]; padding -> column n_cols
    valid: torch.Tensor                # bool [n_rows, d_max, 1]
    deg1_col: torch.Tensor             # long [n_rows]


@functools.cache
def _torch_index(bgn: int, zc: int, device: torch.device) -> _TorchIndex:
    plan = decode_plan(bgn, zc)
    z = np.arange(zc)
    flat = plan.cols[:, None] * zc + (z[None, :] + plan.shifts[:, None]) % zc
    row_idx = tuple(torch.from_numpy(flat[plan.row_ptr[i]:plan.row_ptr[i + 1]].reshape(-1))
                    .to(device) for i in range(plan.n_rows))
    pad = np.tile(plan.n_cols * zc + z, (plan.n_rows, plan.d_max, 1))
    valid = np.zeros((plan.n_rows, plan.d_max, 1), dtype=bool)
    for i in range(plan.n_rows):
        d = plan.row_ptr[i + 1] - plan.row_ptr[i]
        pad[i, :d] = flat[plan.row_ptr[i]:plan.row_ptr[i + 1]]
        valid[i, :d] = True
    return _TorchIndex(row_idx=row_idx, pad_idx=torch.from_numpy(pad.reshape(-1)).to(device),
                       valid=torch.from_numpy(valid).to(device),
                       deg1_col=torch.from_numpy(plan.deg1_col).to(device))


def _active_rows(llr: torch.Tensor, plan: DecodePlan, index: _TorchIndex) -> torch.Tensor:
    """bool [B, n_rows]: False where the row's degree-1 column has only zero LLRs."""
    nonzero = (llr.reshape(llr.shape[0], plan.n_cols - 2, plan.zc) != 0).any(-1)
    nonzero = torch.cat([torch.ones_like(nonzero[:, :2]), nonzero], dim=1)  # punctured 0, 1
    has_deg1 = index.deg1_col >= 0
    return torch.where(has_deg1, nonzero[:, index.deg1_col.clamp_min(0)], True)


def _syndrome_ok(L: torch.Tensor, active: torch.Tensor, plan: DecodePlan,
                 index: _TorchIndex) -> torch.Tensor:
    """bool [B]: hard decisions of L (float [B, n_cols*zc]) satisfy every active check."""
    hard = torch.cat([(L < 0).to(torch.uint8), L.new_zeros(L.shape[0], plan.zc, dtype=torch.uint8)],
                     dim=1)
    g = hard[:, index.pad_idx].view(L.shape[0], plan.n_rows, plan.d_max, plan.zc)
    fail = ((g.sum(dim=2, dtype=torch.uint8) & 1) != 0).any(-1) & active
    return ~fail.any(-1)


def _decode_layered_torch(llr: torch.Tensor, plan: DecodePlan, max_iterations: int,
                          offset_ms: bool, scaling: float, offset: float, early: bool
                          ) -> tuple[torch.Tensor, torch.Tensor]:
    b, zc = llr.shape[0], plan.zc
    dev = llr.device
    index = _torch_index(plan.bgn, zc, dev)
    active = _active_rows(llr, plan, index)
    L = torch.zeros(b, plan.n_cols * zc, dtype=torch.float32, device=dev)
    L[:, 2 * zc:] = llr.clamp(-LLR_SATURATION, LLR_SATURATION)
    R = torch.zeros(b, int(plan.row_ptr[-1]), zc, dtype=torch.float32, device=dev)
    running = torch.ones(b, dtype=torch.bool, device=dev)
    iterations = torch.full((b,), max_iterations, dtype=torch.int32, device=dev)
    row_any = active.any(0).tolist()
    edge = torch.arange(plan.d_max, device=dev).view(1, -1, 1)
    for it in range(max_iterations):
        enabled = active & running[:, None]
        needs_mask = (~enabled).any(0).tolist()
        for i in range(plan.n_rows):
            if not row_any[i]:
                continue
            e0, e1 = int(plan.row_ptr[i]), int(plan.row_ptr[i + 1])
            d = e1 - e0
            idx = index.row_idx[i]
            g = L[:, idx].view(b, d, zc)
            r_old = R[:, e0:e1]
            t = g - r_old
            a = t.abs()
            m1, ix = a.min(dim=1)
            a.scatter_(1, ix.unsqueeze(1), _BIG)
            m2 = a.amin(dim=1)
            neg = t < 0
            parity = (neg.sum(dim=1) & 1).bool()
            msg_neg = neg ^ parity.unsqueeze(1)
            if offset_ms:
                a1, a2 = (m1 - offset).clamp_min(0.0), (m2 - offset).clamp_min(0.0)
            else:
                a1, a2 = m1 * scaling, m2 * scaling
            mag = torch.where(edge[:, :d] == ix.unsqueeze(1), a2.unsqueeze(1), a1.unsqueeze(1))
            r = torch.where(msg_neg, -mag, mag)
            new = t + r
            if needs_mask[i]:
                keep = enabled[:, i].view(b, 1, 1)
                new = torch.where(keep, new, g)
                r = torch.where(keep, r, r_old)
            L[:, idx] = new.view(b, -1)
            R[:, e0:e1] = r
        if early:
            iterations, running = _early_stop(it, L, active, plan, index, running, iterations)
            if not bool(running.any()):
                break
    return (L[:, :plan.kb * zc] < 0).to(torch.uint8), _signed(iterations, L, active, plan,
                                                              index, running, early)


def _early_stop(it: int, L: torch.Tensor, active: torch.Tensor, plan: DecodePlan,
                index: _TorchIndex, running: torch.Tensor, iterations: torch.Tensor
                ) -> tuple[torch.Tensor, torch.Tensor]:
    """After iteration ``it``: stop the running blocks whose hard decisions satisfy all
    active checks, recording ``it + 1`` as their iteration count."""
    ok = _syndrome_ok(L[:, :plan.n_cols * plan.zc], active, plan, index) & running
    return torch.where(ok, it + 1, iterations).to(torch.int32), running & ~ok


def _signed(iterations: torch.Tensor, L: torch.Tensor, active: torch.Tensor, plan: DecodePlan,
            index: _TorchIndex, running: torch.Tensor, early: bool) -> torch.Tensor:
    """Iteration counts, negated for blocks whose final hard decisions fail a parity check
    (the kernels' convention, see :func:`ldpc_decode`)."""
    ok = ~running if early else _syndrome_ok(L[:, :plan.n_cols * plan.zc], active, plan, index)
    return torch.where(ok, iterations, -iterations).to(torch.int32)


def _decode_sum_product(llr: torch.Tensor, plan: DecodePlan, max_iterations: int, early: bool
                        ) -> tuple[torch.Tensor, torch.Tensor]:
    b, zc = llr.shape[0], plan.zc
    dev = llr.device
    index = _torch_index(plan.bgn, zc, dev)
    active = _active_rows(llr, plan, index)
    n_flat = (plan.n_cols + 1) * zc  # one dump column for the padding of short rows
    l_ch = torch.zeros(b, n_flat, dtype=torch.float64, device=dev)
    l_ch[:, 2 * zc:plan.n_cols * zc] = llr.to(torch.float64).clamp(-LLR_SATURATION,
                                                                    LLR_SATURATION)
    iterations = torch.full((b,), max_iterations, dtype=torch.int32, device=dev)
    stopped = torch.zeros(b, dtype=torch.bool, device=dev)
    final = l_ch.clone()  # each block's posteriors when it stops
    # the running blocks only: a block whose hard decisions satisfy every check leaves the
    # batch (per-block early termination, as the layered kernels do)
    run = torch.arange(b, device=dev)
    l_run, act = l_ch, active
    R = torch.zeros((b, plan.n_rows, plan.d_max, zc), dtype=torch.float64, device=dev)
    L = l_ch
    for it in range(max_iterations):
        n = run.numel()
        shape = (n, plan.n_rows, plan.d_max, zc)
        send = index.valid.unsqueeze(0) & act.view(n, plan.n_rows, 1, 1)
        q = L[:, index.pad_idx].view(shape) - R
        tq = torch.where(index.valid, torch.tanh(0.5 * q), 1.0)
        prefix = torch.cumprod(tq, dim=2)
        suffix = torch.cumprod(tq.flip(2), dim=2).flip(2)
        prod = torch.ones_like(tq)
        prod[:, :, 1:] = prefix[:, :, :-1]
        prod[:, :, :-1] *= suffix[:, :, 1:]
        R = torch.where(send, 2.0 * torch.atanh(prod.clamp(-_TANH_MAX, _TANH_MAX)), 0.0)
        L = l_run.index_add(1, index.pad_idx, R.view(n, -1))
        if early:
            ok = _syndrome_ok(L[:, :plan.n_cols * zc], act, plan, index)
            if bool(ok.any()):
                done = run[ok]
                final[done], iterations[done], stopped[done] = L[ok], it + 1, True
                keep = ~ok
                run, L, R, l_run, act = run[keep], L[keep], R[keep], l_run[keep], act[keep]
                if run.numel() == 0:
                    break
    final[run] = L
    return (final[:, :plan.kb * zc] < 0).to(torch.uint8), _signed(iterations, final, active,
                                                                  plan, index, ~stopped, early)


def _decode_layered_numba(llr: torch.Tensor, plan: DecodePlan, max_iterations: int,
                          offset_ms: bool, scaling: float, offset: float, early: bool
                          ) -> tuple[torch.Tensor, torch.Tensor]:
    from softran.nr.coding.ldpc.decode_kernels import decode_blocks, kernel_threads

    index = _torch_index(plan.bgn, plan.zc, torch.device("cpu"))
    active = _active_rows(llr, plan, index).contiguous().numpy()
    b = llr.shape[0]
    bits = np.empty((b, plan.kb * plan.zc), dtype=np.uint8)
    iterations = np.empty(b, dtype=np.int32)
    with kernel_threads(b) as parallel:
        decode_blocks(llr.contiguous().numpy(), bits, iterations, active, plan.row_ptr,
                      plan.cols, plan.shifts, plan.zc, plan.n_cols, plan.d_max, max_iterations,
                      1 if offset_ms else 0, scaling, offset, early, LLR_SATURATION, parallel)
    return torch.from_numpy(bits), torch.from_numpy(iterations)


def _decode_layered_triton(llr: torch.Tensor, plan: DecodePlan, max_iterations: int,
                           offset_ms: bool, scaling: float, offset: float, early: bool
                           ) -> tuple[torch.Tensor, torch.Tensor]:
    from softran.nr.coding.ldpc.decode_triton import decode_blocks_triton

    b, zc = llr.shape[0], plan.zc
    index = _torch_index(plan.bgn, zc, llr.device)
    active = _active_rows(llr, plan, index)
    L = torch.zeros(b, plan.n_cols * zc, dtype=torch.float32, device=llr.device)
    L[:, 2 * zc:] = llr.clamp(-LLR_SATURATION, LLR_SATURATION)
    iterations = decode_blocks_triton(L, active, plan.bgn, zc, max_iterations, offset_ms,
                                      scaling, offset, early)
    return (L[:, :plan.kb * zc] < 0).to(torch.uint8), iterations


_OPTIONS_SEEN: dict[tuple[Any, ...], tuple[Any, ...]] = {}


def _checked_options(bgn: Any, max_iterations: Any, algorithm: Any, scaling: Any, offset: Any,
                     early_termination: Any, return_parity_check: Any, kernel: Any
                     ) -> tuple[int, int, str, float, float, str]:
    """ldpc_decode's scalar arguments, checked (``(bgn, max_iterations, algorithm, scaling,
    offset, kernel)``, canonical). A combination that passed once is remembered (keyed by
    the values and their types), so a slot loop pays the checks once, not per call."""
    key: tuple[Any, ...] | None = (
        bgn, type(bgn), max_iterations, type(max_iterations), algorithm, type(algorithm),
        scaling, type(scaling), offset, type(offset), early_termination,
        type(early_termination), return_parity_check, type(return_parity_check), kernel,
        type(kernel))
    try:
        hit = _OPTIONS_SEEN.get(key)
    except TypeError:          # an unhashable argument: checked below (and refused)
        key, hit = None, None
    if hit is not None:
        return hit
    bgn = check_int("bgn", bgn, 1, 2)
    max_iterations = check_int("max_iterations", max_iterations, 1)
    algorithm = check_choice("algorithm", algorithm, _ALGORITHMS)
    scaling = check_real("scaling", scaling, 0.0, 1.0)
    if scaling == 0.0:
        raise ValueError("scaling = 0.0 is not allowed; it must be > 0 (and <= 1)")
    offset = check_real("offset", offset, low=0.0)
    if not isinstance(early_termination, bool):
        raise TypeError(f"early_termination must be a bool, got {early_termination!r}")
    if not isinstance(return_parity_check, bool):
        raise TypeError(f"return_parity_check must be a bool, got {return_parity_check!r}")
    kernel = check_choice("kernel", kernel, DECODE_KERNELS)
    checked = (bgn, max_iterations, algorithm, scaling, offset, kernel)
    if key is not None:
        if len(_OPTIONS_SEEN) >= 256:
            _OPTIONS_SEEN.clear()
        _OPTIONS_SEEN[key] = checked
    return checked


def _decode_fixed_numpy(llr: torch.Tensor, plan: DecodePlan, batch: torch.Size,
                        max_iterations: int, offset_ms: bool, scaling: float, offset: float,
                        early: bool, return_parity_check: bool) -> tuple[torch.Tensor, ...]:
    """``kernel="numba-int8"`` end to end on NumPy arrays (a few microseconds of tensor
    conversions instead of a few torch operations per call)."""
    from softran.nr.coding.ldpc.decode_kernels_fixed import fixed_decoder

    dec = fixed_decoder(plan, max_iterations, offset_ms, scaling, offset, early,
                        parity=return_parity_check)
    x = llr.detach()
    if x.dtype != torch.float32:
        x = x.to(torch.float32)
    return _run_fixed(llr, x, dec, batch, plan.kb * plan.zc, return_parity_check)


def _run_fixed(llr: torch.Tensor, x: torch.Tensor, dec: Any, batch: tuple[int, ...], k: int,
               return_parity_check: bool) -> tuple[torch.Tensor, ...]:
    """``dec`` (a ``FixedDecoder``) on ``x`` (float32 CPU, the values of ``llr``): new
    output tensors; a NaN LLR raises check_llr's error."""
    xn = x.numpy()
    if not xn.flags.c_contiguous:
        xn = np.ascontiguousarray(xn)
    xn = xn.reshape(-1, xn.shape[-1])
    b = xn.shape[0]
    bits = np.empty((b, k), dtype=np.uint8)
    iterations = np.empty(b, dtype=np.int32)
    if dec.run(xn, bits, iterations):   # a block with a NaN LLR was not decoded: the message
        check_llr("llr", llr)
    out = (torch.from_numpy(bits.reshape(*batch, k)),
           torch.from_numpy(np.abs(iterations).reshape(batch)))
    if return_parity_check:
        return (*out, torch.from_numpy((iterations > 0).reshape(batch)))
    return out


# ldpc_decode's kernel="numba-int8" calls that passed every check once, keyed by the
# arguments (values and types) and N: (FixedDecoder, K). A hit skips the checks and look-ups.
_FIXED_SEEN: dict[tuple[Any, ...], tuple[Any, int]] = {}


def _fixed_key(n: int, bgn: Any, max_iterations: Any, algorithm: Any, scaling: Any,
               offset: Any, early_termination: Any, return_parity_check: Any
               ) -> tuple[Any, ...] | None:
    key = (n, bgn, type(bgn), max_iterations, type(max_iterations), algorithm,
           type(algorithm), scaling, type(scaling), offset, type(offset), early_termination,
           type(early_termination), return_parity_check, type(return_parity_check))
    try:
        hash(key)
    except TypeError:          # an unhashable argument: the checks refuse it
        return None
    return key


def ldpc_decode(llr: torch.Tensor, bgn: int, max_iterations: int = 8, *,
                algorithm: str = "layered-min-sum", scaling: float = 0.75, offset: float = 0.5,
                early_termination: bool = True, kernel: str = "auto",
                return_parity_check: bool = False
                ) -> tuple[torch.Tensor, torch.Tensor] | tuple[torch.Tensor, torch.Tensor,
                                                               torch.Tensor]:
    """Decode LDPC code blocks of base graph ``bgn`` (TS 38.212 §5.3.2; MATLAB ``nrLDPCDecode``).

    ``llr``: float [..., N], N = 66*Zc (``bgn`` = 1) or 50*Zc (``bgn`` = 2) for a lifting size
    Zc: the soft bits of ``ldpc_encode``'s output (without the 2*Zc punctured systematic bits,
    which the decoder sets to LLR 0), LLR = ln P(0)/P(1); zeros for bits not received, +inf for
    filler bits. See the module docstring for the algorithms (``"layered-min-sum"``,
    ``"layered-offset-min-sum"``, ``"sum-product"``), ``scaling`` (normalised min-sum factor,
    0 < scaling <= 1), ``offset`` (offset min-sum, >= 0, LLR units), row skipping and kernels
    (``kernel`` = "auto", "numba" (CPU, layered only), "numba-int8" (CPU, layered only,
    fixed point), "triton" (CUDA, layered only) or "torch").

    Returns ``(bits, iterations)``: uint8 [..., K] hard decisions of the K = 22*Zc or 10*Zc
    information bits (filler positions decode to 0), and int32 [...] the iterations run per
    block (the one after which all parity checks held when ``early_termination``, else
    ``max_iterations``). With ``return_parity_check=True`` a third output, bool [...], says
    whether the final hard decisions satisfy every (active) parity check (MATLAB's
    ``finalParityChecks``, reduced to one flag per block).

    >>> from softran.nr.coding.ldpc import ldpc_encode
    >>> cbs = torch.randint(0, 2, (3, 10 * 16), dtype=torch.uint8)
    >>> llr = 10.0 * (1 - 2 * ldpc_encode(cbs, 2).float())
    >>> bits, iters = ldpc_decode(llr, 2)
    >>> bool((bits == cbs).all()), iters.tolist()
    (True, [1, 1, 1])
    """
    # the fixed-point kernel finds NaN LLRs itself (while it scales each block), so that a
    # small batch does not pay for a separate pass over the data: check_llr runs (and raises)
    # only when the kernel reports one. A float32 CPU tensor with arguments seen before goes
    # straight to the kept kernel call.
    fast_key = None
    if (kernel == "numba-int8" and type(llr) is torch.Tensor and llr.dtype == torch.float32
            and llr.is_cpu and llr.dim() >= 1):
        fast_key = _fixed_key(llr.shape[-1], bgn, max_iterations, algorithm, scaling, offset,
                              early_termination, return_parity_check)
        hit = _FIXED_SEEN.get(fast_key) if fast_key is not None else None
        if hit is not None:
            return _run_fixed(llr, llr.detach(), hit[0], llr.shape[:-1], hit[1],
                              return_parity_check)
    nan_in_kernel = (kernel == "numba-int8" and isinstance(llr, torch.Tensor)
                     and llr.is_floating_point())
    llr = check_tensor("llr", llr, min_dim=1) if nan_in_kernel else check_llr("llr", llr)
    bgn, max_iterations, algorithm, scaling, offset, kernel = _checked_options(
        bgn, max_iterations, algorithm, scaling, offset, early_termination,
        return_parity_check, kernel)
    _, n_cols, kb = base_graph_dims(bgn)
    n = llr.shape[-1]
    zc = lifting_size_for_length("N (llr.shape[-1])", n, bgn, n_cols - 2)
    if kernel in ("numba", "numba-int8"):
        if llr.device.type != "cpu":
            raise ValueError(f"kernel = {kernel!r} needs a CPU tensor, got device {llr.device}")
        if algorithm == "sum-product":
            raise ValueError(f"kernel = {kernel!r} is not allowed for algorithm = "
                             "'sum-product'; allowed: 'auto' or 'torch'")
    if kernel == "triton":
        if not triton_usable(llr.device):
            raise ValueError(f"kernel = 'triton' needs Triton and a CUDA tensor (or "
                             f"TRITON_INTERPRET=1 for a CPU tensor), got device {llr.device}")
        if algorithm == "sum-product":
            raise ValueError("kernel = 'triton' is not allowed for algorithm = 'sum-product'; "
                             "allowed: 'auto' or 'torch'")

    plan = decode_plan(bgn, zc)
    batch = llr.shape[:-1]
    if kernel == "numba-int8":
        out = _decode_fixed_numpy(llr, plan, batch, max_iterations,
                                  algorithm == "layered-offset-min-sum", scaling, offset,
                                  early_termination, return_parity_check)
        if fast_key is not None:
            from softran.nr.coding.ldpc.decode_kernels_fixed import fixed_decoder

            if len(_FIXED_SEEN) >= 256:
                _FIXED_SEEN.clear()
            _FIXED_SEEN[fast_key] = (fixed_decoder(
                plan, max_iterations, algorithm == "layered-offset-min-sum", scaling, offset,
                early_termination, parity=return_parity_check), kb * zc)
        return out
    flat = llr.detach().reshape(-1, n)
    if algorithm == "sum-product":
        bits, iterations = _decode_sum_product(flat, plan, max_iterations, early_termination)
    else:
        flat = flat.to(torch.float32)
        offset_ms = algorithm == "layered-offset-min-sum"
        if kernel == "auto":
            if llr.device.type == "cpu":
                kernel = "numba"
            else:
                kernel = "triton" if triton_usable(llr.device) else "torch"
        run = {"numba": _decode_layered_numba, "triton": _decode_layered_triton,
               "torch": _decode_layered_torch}[kernel]
        bits, iterations = run(flat, plan, max_iterations, offset_ms, scaling, offset,
                               early_termination)
    parity_ok = iterations > 0
    bits = bits.reshape(*batch, kb * zc)
    iterations = iterations.abs().reshape(batch)
    if return_parity_check:
        return bits, iterations, parity_ok.reshape(batch)
    return bits, iterations


class LDPCDecoder:
    """:func:`ldpc_decode` for one configuration, checked once (TS 38.212 §5.3.2 codes): a
    receiver that decodes code blocks of the same base graph ``bgn`` and length ``n``
    (N = 66*Zc or 50*Zc) with the same options every slot pays the argument checks and the
    plan look-up once instead of per call.

    ``decode(llr)``: ``(bits, iterations, parity_ok)`` of ``llr`` ``[..., n]``, the values of
    ``ldpc_decode(llr, bgn, max_iterations, ..., return_parity_check=True)``. With
    ``kernel="numba-int8"`` and a float32 contiguous CPU ``llr`` the kernel writes the bits
    into an array this object keeps per batch shape and reuses: ``bits`` is valid until the
    next call with the same batch shape (copy it to keep it); ``iterations`` and
    ``parity_ok`` are new tensors. Other inputs and kernels go through :func:`ldpc_decode`
    (new tensors). A NaN LLR raises :func:`ldpc_decode`'s ``ValueError``.

    >>> from softran.nr.coding.ldpc import ldpc_encode
    >>> cbs = torch.randint(0, 2, (3, 10 * 16), dtype=torch.uint8,
    ...                     generator=torch.Generator().manual_seed(0))
    >>> llr = 4.0 * (1 - 2 * ldpc_encode(cbs, 2).float())
    >>> dec = LDPCDecoder(2, 50 * 16, 8, kernel="numba-int8")
    >>> bits, iters, ok = dec.decode(llr)
    >>> bool(torch.equal(bits, cbs)), iters.tolist(), ok.tolist()
    (True, [1, 1, 1], [True, True, True])
    """

    def __init__(self, bgn: int, n: int, max_iterations: int = 8, *,
                 algorithm: str = "layered-min-sum", scaling: float = 0.75,
                 offset: float = 0.5, early_termination: bool = True,
                 kernel: str = "auto") -> None:
        bgn, max_iterations, algorithm, scaling, offset, kernel = _checked_options(
            bgn, max_iterations, algorithm, scaling, offset, early_termination, True, kernel)
        _, n_cols, kb = base_graph_dims(bgn)
        n = check_int("n", n, 1)
        zc = lifting_size_for_length("n", n, bgn, n_cols - 2)
        if kernel in ("numba", "numba-int8") and algorithm == "sum-product":
            raise ValueError(f"kernel = {kernel!r} is not allowed for algorithm = "
                             "'sum-product'; allowed: 'auto' or 'torch'")
        self.bgn, self.n, self.kernel = bgn, n, kernel
        # read only (properties): the kept kernel call below is made with them
        self._options = (max_iterations, algorithm, scaling, offset, bool(early_termination))
        self._plan = decode_plan(bgn, zc)
        self._k = kb * zc
        self._run: Any = None
        if kernel == "numba-int8":
            from softran.nr.coding.ldpc.decode_kernels_fixed import fixed_decoder
            self._run = fixed_decoder(self._plan, max_iterations,
                                      algorithm == "layered-offset-min-sum", scaling, offset,
                                      early_termination).run
        self._bits: dict[tuple[int, ...], tuple[torch.Tensor, np.ndarray, np.ndarray]] = {}

    @property
    def max_iterations(self) -> int:
        """Iteration limit (read only: make a new decoder for other options)."""
        return self._options[0]

    @property
    def algorithm(self) -> str:
        """Check-node algorithm (read only)."""
        return self._options[1]

    @property
    def scaling(self) -> float:
        """Min-sum scaling (read only)."""
        return self._options[2]

    @property
    def offset(self) -> float:
        """Min-sum offset (read only)."""
        return self._options[3]

    @property
    def early_termination(self) -> bool:
        """Stop a block once its parity checks hold (read only)."""
        return self._options[4]

    def decode(self, llr: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
        """``(bits, iterations, parity_ok)`` of ``llr`` ``[..., n]`` (class docstring)."""
        if (self._run is None or not isinstance(llr, torch.Tensor)
                or llr.dtype != torch.float32 or not llr.is_cpu or llr.dim() < 1
                or llr.shape[-1] != self.n or not llr.is_contiguous() or not llr.numel()
                or (llr.requires_grad and torch.is_grad_enabled())):
            return self._public(llr)
        batch = tuple(llr.shape[:-1])
        hit = self._bits.get(batch)
        if hit is None:
            if len(self._bits) >= 16:
                self._bits.clear()
            bits = torch.empty(*batch, self._k, dtype=torch.uint8)
            hit = self._bits[batch] = (bits, bits.numpy().reshape(-1, self._k),
                                       np.empty(llr.numel() // self.n, dtype=np.int32))
        bits, flat_bits, iterations = hit
        # the checks above are those of decode_fixed_into: the kept kernel call runs unchecked
        if self._run(llr.detach().numpy().reshape(-1, self.n), flat_bits, iterations):
            return self._public(llr)     # a NaN LLR: ldpc_decode's error
        return (bits, torch.from_numpy(np.abs(iterations).reshape(batch)),
                torch.from_numpy((iterations > 0).reshape(batch)))

    def _public(self, llr: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
        out = ldpc_decode(llr, self.bgn, self.max_iterations, algorithm=self.algorithm,
                          scaling=self.scaling, offset=self.offset,
                          early_termination=self.early_termination, kernel=self.kernel,
                          return_parity_check=True)
        return out  # type: ignore[return-value]
