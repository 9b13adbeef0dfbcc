"""Shared plumbing of the receiver: parse reference (DM-RS) indices, LS estimates, CDM
despreading and the common phase slope (private; see the public modules for the maths).

Reference layout (shared convention of :mod:`softran.nr.receiver`)
-----------------------------------------------------------------
``ref_indices`` int64 ``[n_layers, n_ref]`` are 0-based linear indices into a
``[n_layers, n_symbols, n_subcarriers]`` grid in C order
(``idx = layer * n_symbols * K + l * K + k``); row ``p`` holds the references of layer
``p``, sorted by symbol ``l`` and then subcarrier ``k``. ``ref_symbols`` complex
``[..., n_layers, n_ref]`` are the reference values in the same order. Every layer must
have its references on the same OFDM symbols, the same number on each symbol and the same
subcarriers on each of its symbols (true of TS 38.211 §6.4.1.1 / §7.4.1.1 DM-RS).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import torch

from softran.nr.receiver.despread_kernels import slope_despread
from softran.validation import check_finite, check_int, check_tensor

#: Use the Numba kernel of :func:`slope_compensated_despread` for CPU complex64 input (tests
#: switch this off to run the torch reference).
KERNELS: bool = True


def kernel_ready(t: torch.Tensor) -> bool:
    """Whether a Numba kernel can take the complex64 tensor ``t`` as a numpy array: kernels
    switched on, on the CPU, strided, not empty, no autograd, no conjugate or negative bit.

    >>> kernel_ready(torch.ones(2, dtype=torch.complex64)), kernel_ready(torch.ones(2))
    (True, False)
    """
    return (KERNELS and t.dtype == torch.complex64 and t.device.type == "cpu"
            and t.layout == torch.strided and t.numel() > 0 and not t.requires_grad
            and not t.is_conj() and not t.is_neg())


#: numpy views of tensors that a kernel wrapper produced or found finite, by id: the receiver
#: passes the grid and the channel estimate from one stage to the next, and each is checked
#: (and converted) once. An entry holds the tensor (so that its id is not reused) and its
#: version counter, so it serves only while the tensor is unchanged (in-place torch
#: operations bump the version); the last few are kept.
_CHECKED: dict[int, tuple[torch.Tensor, int, np.ndarray]] = {}
_CHECKED_SIZE = 8


def remember_checked(*pairs: tuple[torch.Tensor, np.ndarray]) -> None:
    """Note that each CPU tensor ``t`` of the ``(t, array)`` pairs (viewed by numpy as
    ``array``) holds finite values.

    >>> t = torch.ones(3)
    >>> remember_checked((t, t.numpy()))
    >>> checked_array(t) is not None, checked_array(t.add_(1.0)) is None   # changed: gone
    (True, True)
    """
    for t, array in pairs:
        if len(_CHECKED) >= _CHECKED_SIZE:
            del _CHECKED[next(iter(_CHECKED))]
        _CHECKED[id(t)] = (t, t._version, array)


def checked_array(t: torch.Tensor) -> np.ndarray | None:
    """The numpy view of ``t`` if :func:`remember_checked` noted it and it is unchanged."""
    hit = _CHECKED.get(id(t))
    if hit is not None and hit[0] is t and hit[1] == t._version:
        return hit[2]
    return None


@dataclass
class KernelPlan:
    """What a kernel wrapper keeps per references: the reference tensors themselves (so that
    a later call is recognised by identity) with their version counters at planning time
    (in-place changes bump them), and the grid they were parsed for."""

    ref_indices: torch.Tensor
    ref_symbols: torch.Tensor
    versions: tuple[int, int]
    n_layers: int
    n_symbols: int
    n_sc: int

    def matches(self, ref_indices: object, ref_symbols: object) -> bool:
        """Whether these are the plan's references, unchanged."""
        return (self.ref_indices is ref_indices and self.ref_symbols is ref_symbols
                and self.ref_indices._version == self.versions[0]
                and self.ref_symbols._version == self.versions[1])


@dataclass(frozen=True)
class RefLayout:
    """Geometry of the references (all tensors on the device of the indices).

    symbols : ``[n_dsym]`` OFDM symbols carrying references (ascending).
    k : ``[n_layers, m]`` subcarriers of each layer's references on every such symbol.
    pos : ``[n_layers, n_ref]`` positions ``l * K + k`` in a flattened ``[n_symbols, K]`` grid.
    fd, td : CDM lengths in frequency and time.
    """

    n_layers: int
    n_symbols: int
    n_subcarriers: int
    symbols: torch.Tensor
    k: torch.Tensor
    pos: torch.Tensor
    fd: int
    td: int

    @property
    def n_dsym(self) -> int:
        return int(self.symbols.numel())

    @property
    def m(self) -> int:
        return int(self.k.shape[1])

    @property
    def n_blocks(self) -> int:
        """M: CDM blocks per layer and DM-RS symbol group."""
        return self.m // self.fd

    @property
    def n_groups(self) -> int:
        """Number of DM-RS symbol groups (td consecutive reference symbols each)."""
        return self.n_dsym // self.td

    def block_k(self) -> torch.Tensor:
        """``[n_layers, M]`` float64 centre subcarrier of every CDM block."""
        return self.k.to(torch.float64).reshape(self.n_layers, self.n_blocks, self.fd).mean(-1)

    def group_l(self) -> torch.Tensor:
        """``[n_groups]`` float64 centre symbol of every DM-RS symbol group."""
        return self.symbols.to(torch.float64).reshape(self.n_groups, self.td).mean(-1)


def check_cdm_lengths(cdm_lengths: object) -> tuple[int, int]:
    if not isinstance(cdm_lengths, (tuple, list)) or len(cdm_lengths) != 2:
        raise TypeError(f"cdm_lengths must be a pair (fd, td) of integers, got {cdm_lengths!r}")
    fd = check_int("cdm_lengths[0] (fd)", cdm_lengths[0], 1, 12)
    td = check_int("cdm_lengths[1] (td)", cdm_lengths[1], 1, 14)
    return fd, td


def check_grid(name: str, grid: object, min_dim: int = 3) -> torch.Tensor:
    grid = check_tensor(name, grid, min_dim=min_dim)
    if not grid.is_complex():
        raise TypeError(f"{name} must be a complex tensor, got dtype {grid.dtype}")
    return check_finite(name, grid)


#: parse_references results by the content of the references: a receiver passes the same
#: DM-RS indices and symbols slot after slot, and a layout, once checked, stays valid
_PARSE_CACHE: dict[tuple[object, ...], tuple[RefLayout, torch.Tensor]] = {}
_PARSE_CACHE_SIZE = 32


def _content_key(t: object) -> tuple[object, ...] | None:
    """``(dtype, shape, bytes)`` of a plain CPU tensor (None for anything else)."""
    if (not isinstance(t, torch.Tensor) or t.device.type != "cpu" or t.requires_grad
            or t.is_conj() or t.is_neg() or t.layout != torch.strided):
        return None
    return (t.dtype, tuple(t.shape), t.contiguous().numpy().tobytes())


def parse_references(ref_indices: object, ref_symbols: object, n_symbols: int,
                     n_subcarriers: int, cdm_lengths: object) -> tuple[RefLayout, torch.Tensor]:
    """Validate the references; return their layout and ``ref_symbols`` (complex).

    References seen before (the same indices and symbols, by content, on the CPU) return
    the layout object of the first call without checking again."""
    fd, td = check_cdm_lengths(cdm_lengths)
    ki, ks = _content_key(ref_indices), _content_key(ref_symbols)
    key = None
    if ki is not None and ks is not None:
        key = (ki, ks, n_symbols, n_subcarriers, fd, td)
        hit = _PARSE_CACHE.get(key)
        if hit is not None:
            assert isinstance(ref_symbols, torch.Tensor)
            return hit[0], ref_symbols
    layout, sym = _parse_references(ref_indices, ref_symbols, n_symbols, n_subcarriers, fd, td)
    if key is not None:
        if len(_PARSE_CACHE) >= _PARSE_CACHE_SIZE:
            _PARSE_CACHE.pop(next(iter(_PARSE_CACHE)))
        _PARSE_CACHE[key] = (layout, sym)
    return layout, sym


def _parse_references(ref_indices: object, ref_symbols: object, n_symbols: int,
                      n_subcarriers: int, fd: int, td: int) -> tuple[RefLayout, torch.Tensor]:
    idx = check_tensor("ref_indices", ref_indices, min_dim=2)
    if idx.dim() != 2 or idx.is_floating_point() or idx.is_complex() or idx.dtype == torch.bool:
        raise TypeError(f"ref_indices must be a 2-D integer tensor [n_layers, n_ref], got "
                        f"dtype {idx.dtype} and shape {tuple(idx.shape)}")
    n_layers, n_ref = idx.shape
    if n_layers < 1 or n_ref < 1:
        raise ValueError(f"ref_indices must have at least one layer and one reference, got "
                         f"shape {tuple(idx.shape)}")
    sym = check_tensor("ref_symbols", ref_symbols, min_dim=2)
    if not sym.is_complex():
        raise TypeError(f"ref_symbols must be a complex tensor, got dtype {sym.dtype}")
    if tuple(sym.shape[-2:]) != (n_layers, n_ref):
        raise ValueError(f"ref_symbols must have shape [..., {n_layers}, {n_ref}] like "
                         f"ref_indices, got {tuple(sym.shape)}")
    if sym.numel() and not bool((torch.isfinite(sym) & (sym != 0)).all()):
        raise ValueError("ref_symbols must be finite and nonzero")
    idx = idx.to(torch.int64)
    per_layer = n_symbols * n_subcarriers
    if bool((idx < 0).any()) or bool((idx >= n_layers * per_layer).any()):
        raise ValueError(f"ref_indices must lie in 0..{n_layers * per_layer - 1} "
                         f"(n_layers * n_symbols * n_subcarriers - 1)")
    layer = idx // per_layer
    if not bool((layer == torch.arange(n_layers, device=idx.device)[:, None]).all()):
        raise ValueError("row p of ref_indices must index layer p of the [n_layers, n_symbols, "
                         "n_subcarriers] grid (idx // (n_symbols * n_subcarriers) == p)")
    pos = idx - layer * per_layer
    if n_ref > 1 and not bool((pos[:, 1:] > pos[:, :-1]).all()):
        raise ValueError("ref_indices of each layer must be sorted by symbol, then subcarrier, "
                         "without repeats")
    l = pos // n_subcarriers
    k = pos % n_subcarriers
    symbols = torch.unique(l[0])
    n_dsym = int(symbols.numel())
    if n_ref % n_dsym:
        raise ValueError("every reference symbol must carry the same number of references")
    m = n_ref // n_dsym
    l3 = l.reshape(n_layers, n_dsym, m)
    k3 = k.reshape(n_layers, n_dsym, m)
    if not (bool((l3 == symbols[None, :, None]).all()) and bool((k3 == k3[:, :1]).all())):
        raise ValueError("every layer must have references on the same OFDM symbols, on the "
                         "same subcarriers in each of them")
    if m % fd:
        raise ValueError(f"cdm_lengths[0] (fd) = {fd} must divide the {m} references per "
                         "layer and symbol")
    if n_dsym % td:
        raise ValueError(f"cdm_lengths[1] (td) = {td} must divide the {n_dsym} reference "
                         "symbols")
    if td > 1:
        s = symbols.reshape(-1, td)
        if not bool((s[:, 1:] - s[:, :-1] == 1).all()):
            raise ValueError(f"cdm_lengths[1] (td) = {td} needs groups of {td} consecutive "
                             f"reference symbols, got symbols {symbols.tolist()}")
    layout = RefLayout(n_layers, n_symbols, n_subcarriers, symbols, k3[:, 0].contiguous(), pos,
                       fd, td)
    return layout, sym


def least_squares(rx_grid: torch.Tensor, layout: RefLayout,
                  ref_symbols: torch.Tensor) -> torch.Tensor:
    """Raw LS ``y conj(r) / |r|^2`` at the references: ``[..., n_rx, n_layers, n_ref]``."""
    y = rx_grid.flatten(-2)[..., layout.pos]                   # [..., R, P, n_ref]
    r = ref_symbols.to(rx_grid.dtype).unsqueeze(-3)            # [..., 1, P, n_ref]
    return y * (r.conj() / (r.real.square() + r.imag.square()))


def despread(g: torch.Tensor, layout: RefLayout) -> torch.Tensor:
    """Average LS values over every CDM block: ``[..., n_rx, P, n_ref] -> [..., R, P, G, M]``.

    With orthogonal cover codes over the block, the other layers' terms cancel exactly
    when their channel is constant over the block.
    """
    shape = (*g.shape[:-1], layout.n_groups, layout.td, layout.n_blocks, layout.fd)
    return g.reshape(shape).mean(dim=(-3, -1))


def phase_slope(g: torch.Tensor, kb: torch.Tensor) -> torch.Tensor:
    """Common phase slope (radians per subcarrier) of despread estimates ``[..., R, P, G, M]``
    at block positions ``kb [P, M]``: the argument of the lag-one autocorrelation over the
    most common (smallest) block spacing, summed over rx, layers and symbol groups, divided
    by that spacing. Returns ``[...]`` (float64).
    """
    dk = kb[:, 1:] - kb[:, :-1]                                # [P, M-1]
    d0 = dk.min()
    mask = (torch.abs(dk - d0) < 1e-9).to(g.real.dtype)
    corr = (g[..., 1:] * g[..., :-1].conj() * mask[:, None, :]).sum(dim=(-4, -3, -2, -1))
    return torch.angle(corr.to(torch.complex128)) / d0


def slope_compensated_despread(g_raw: torch.Tensor, layout: RefLayout
                               ) -> tuple[torch.Tensor, torch.Tensor]:
    """Despread after removing the common phase slope (two passes).

    Pass 1 estimates the slope from the plainly despread estimates; pass 2 removes it from
    the raw LS values *before* despreading (so that a timing offset does not leak the other
    CDM layers into each other), re-estimates the residual slope and adds it.
    Returns (despread estimates with the slope removed ``[..., R, P, G, M]``, slope ``[...]``).
    """
    if (KERNELS and g_raw.device.type == "cpu" and g_raw.dtype == torch.complex64
            and not g_raw.requires_grad and g_raw.dim() >= 3):
        hit = _SLOPE_TERMS.get(id(layout))
        if hit is None or hit[0] is not layout:
            kb = layout.block_k()
            dk = kb[:, 1:] - kb[:, :-1]
            d0 = float(dk.min())
            k_ref = layout.k.to(torch.float64).repeat(1, layout.n_dsym)       # [P, n_ref]
            hit = (layout, k_ref.numpy(), (torch.abs(dk - d0) < 1e-9).numpy(), d0)
            if len(_SLOPE_TERMS) >= 64:
                _SLOPE_TERMS.pop(next(iter(_SLOPE_TERMS)))
            _SLOPE_TERMS[id(layout)] = hit
        lead = g_raw.shape[:-3]
        out, phi_np = slope_despread(
            g_raw.reshape(-1, *g_raw.shape[-3:]).resolve_conj().resolve_neg().numpy(),
            hit[1], hit[2], hit[3], layout.n_groups, layout.td, layout.n_blocks, layout.fd)
        return (torch.from_numpy(out).reshape(*lead, *out.shape[1:]),
                torch.from_numpy(phi_np).reshape(lead))
    kb = layout.block_k()
    k_ref = layout.k.to(torch.float64).repeat(1, layout.n_dsym)       # [P, n_ref]
    phi = phase_slope(despread(g_raw, layout), kb)
    for _ in range(2):
        rot = torch.exp(-1j * phi[..., None, None, None] * k_ref).to(g_raw.dtype)
        gd = despread(g_raw * rot, layout)
        phi = phi + phase_slope(gd, kb)
    rot = torch.exp(-1j * phi[..., None, None, None] * k_ref).to(g_raw.dtype)
    return despread(g_raw * rot, layout), phi


#: per layout object (checked by identity): (layout, k_ref, lag-one mask, d0) of the kernel
_SLOPE_TERMS: dict[int, tuple[RefLayout, object, object, float]] = {}


def block_noise_factor(ref_symbols: torch.Tensor, layout: RefLayout) -> torch.Tensor:
    """``c [..., P, G, M]``: noise variance of a despread estimate per unit RE noise
    variance, ``c = (1/B^2) sum_{i in block} 1/|r_i|^2`` with ``B = fd * td``."""
    inv = 1.0 / (ref_symbols.real.square() + ref_symbols.imag.square()).to(torch.float32)
    shape = (*inv.shape[:-1], layout.n_groups, layout.td, layout.n_blocks, layout.fd)
    return inv.reshape(shape).mean(dim=(-3, -1)) / (layout.fd * layout.td)
