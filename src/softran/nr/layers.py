"""Layer mapping, transform precoding and precoding of the shared channels (TS 38.211).

* :func:`layer_map` / :func:`layer_demap` -- codeword-to-layer mapping of Table 7.3.1.3-1
  (PDSCH §7.3.1.3; PUSCH §6.3.1.3 uses the same table). MATLAB ``nrLayerMap`` /
  ``nrLayerDemap``.
* :func:`transform_precode` / :func:`transform_deprecode` -- the DFT of §6.3.1.4 (PUSCH
  with transform precoding, DFT-s-OFDM). MATLAB ``nrTransformPrecode`` /
  ``nrTransformDeprecode``.
* :func:`pusch_codebook`, :func:`pusch_tpmi_count` -- the precoding matrices W of
  §6.3.1.5, Tables 6.3.1.5-1 to 6.3.1.5-7 (2 and 4 antenna ports), read from
  ``data/pusch_tpmi.json``. MATLAB ``nrPUSCHCodebook`` (which returns W transposed).
* :func:`precode` -- ``z = W y`` of §6.3.1.5 (W the identity for non-codebook-based
  transmission).

Shapes follow the specification's indexing: a layer-mapped signal is ``[..., n_layers, n]``
with ``x[..., j, i] = x^(j)(i)``; precoded signals are ``[..., n_ports, n]``.
"""

from __future__ import annotations

import functools
import json
import math
from collections.abc import Sequence

import torch

from softran.nr.config import N_SC_RB
from softran.nr.datafiles import data_path
from softran.validation import check_choice, check_finite, check_int, check_tensor

__all__ = [
    "PUSCH_CODEBOOK_PORTS",
    "layer_demap",
    "layer_map",
    "precode",
    "pusch_codebook",
    "pusch_tpmi_count",
    "transform_deprecode",
    "transform_precode",
]

#: Largest number of layers of one codeword (Table 7.3.1.3-1).
_MAX_LAYERS_ONE_CW = 4
#: Largest number of layers of the table (two codewords).
_MAX_LAYERS = 8
#: Numbers of antenna ports rho of codebook-based PUSCH transmission supported here
#: (Tables 6.3.1.5-1 .. -7; W = 1 for one port).
PUSCH_CODEBOOK_PORTS: tuple[int, ...] = (1, 2, 4)

_ENTRY = {"0": 0j, "1": 1 + 0j, "-1": -1 + 0j, "j": 1j, "-j": -1j}

DeviceLike = torch.device | str | None


# --------------------------------------------------------------------------------------------
# Layer mapping, Table 7.3.1.3-1
# --------------------------------------------------------------------------------------------


def _codeword_layers(n_layers: int) -> tuple[int, ...]:
    """Layers per codeword of Table 7.3.1.3-1: one codeword up to 4 layers, else
    codeword 0 gets floor(v/2) and codeword 1 gets ceil(v/2) layers."""
    if n_layers <= _MAX_LAYERS_ONE_CW:
        return (n_layers,)
    return (n_layers // 2, n_layers - n_layers // 2)


def _check_group(group: object) -> int:
    return check_int("group", group, 1)


def layer_map(symbols: torch.Tensor | Sequence[torch.Tensor], n_layers: int, *,
              group: int = 1) -> torch.Tensor:
    """Codeword-to-layer mapping of TS 38.211 Table 7.3.1.3-1 (§7.3.1.3, §6.3.1.3).

    One codeword, ``v = n_layers`` in 1..4: ``x^(j)(i) = d^(0)(v i + j)``,
    ``M_symb^layer = M_symb^(0) / v``. Two codewords, v in 5..8: codeword 0 goes to layers
    ``0 .. v0-1`` and codeword 1 to layers ``v0 .. v-1`` with ``v0 = floor(v/2)``, each in
    the same round-robin way, ``M_symb^layer = M_symb^(0) / v0 = M_symb^(1) / (v - v0)``.
    PUSCH (§6.3.1.3) uses the same mapping. MATLAB namesake: ``nrLayerMap``.

    Parameters
    ----------
    symbols : ``[..., M]`` tensor of any dtype (the codeword's modulation symbols d(i)), or
        a sequence of one such tensor (v <= 4) or of two (v >= 5; leading dimensions are
        broadcast).
    n_layers : v, 1..8.
    group : number of consecutive elements along the last dimension that form one symbol
        (default 1; e.g. Q_m to map per-bit values with their symbols).

    Returns
    -------
    ``[..., n_layers, M_symb^layer * group]``; ``out[..., j, i] = x^(j)(i)``.

    >>> layer_map(torch.arange(6), 2)
    tensor([[0, 2, 4],
            [1, 3, 5]])
    >>> layer_map([torch.arange(4), torch.arange(10, 16)], 5)
    tensor([[ 0,  2],
            [ 1,  3],
            [10, 13],
            [11, 14],
            [12, 15]])
    """
    n_layers = check_int("n_layers", n_layers, 1, _MAX_LAYERS)
    group = _check_group(group)
    if isinstance(symbols, torch.Tensor):
        codewords = [symbols]
    elif isinstance(symbols, (list, tuple)):
        codewords = list(symbols)
    else:
        raise TypeError(f"symbols must be a torch.Tensor or a list/tuple of one or two "
                        f"tensors, got {type(symbols).__name__}")
    per_cw = _codeword_layers(n_layers)
    if len(codewords) != len(per_cw):
        raise ValueError(f"n_layers = {n_layers} needs {len(per_cw)} codeword(s) "
                         f"(TS 38.211 Table 7.3.1.3-1: 1..4 layers one codeword, 5..8 two), "
                         f"got {len(codewords)}")
    layers = []
    for q, (d, v) in enumerate(zip(codewords, per_cw, strict=True)):
        d = check_tensor(f"symbols[{q}]" if len(per_cw) > 1 else "symbols", d, min_dim=1)
        length = d.shape[-1]
        if length % (v * group):
            raise ValueError(f"codeword {q} has {length} elements, which is not a multiple of "
                             f"its number of layers {v}" + (f" times group = {group}"
                                                            if group > 1 else ""))
        x = d.reshape(*d.shape[:-1], length // (v * group), v, group).transpose(-3, -2)
        layers.append(x.reshape(*d.shape[:-1], v, length // v))
    if len(layers) == 1:
        return layers[0]
    a, b = layers
    if a.shape[-1] != b.shape[-1]:
        raise ValueError(f"the two codewords give {a.shape[-1] // group} and "
                         f"{b.shape[-1] // group} symbols per layer; Table 7.3.1.3-1 needs "
                         f"M_symb^(0) / {per_cw[0]} = M_symb^(1) / {per_cw[1]}")
    try:
        batch = torch.broadcast_shapes(a.shape[:-2], b.shape[:-2])
    except RuntimeError as err:
        raise ValueError(f"the leading dimensions of the codewords, {tuple(a.shape[:-2])} and "
                         f"{tuple(b.shape[:-2])}, do not broadcast") from err
    return torch.cat((a.expand(*batch, *a.shape[-2:]), b.expand(*batch, *b.shape[-2:])), -2)


def layer_demap(x: torch.Tensor, *, group: int = 1
                ) -> torch.Tensor | tuple[torch.Tensor, torch.Tensor]:
    """Layer-to-codeword demapping, the inverse of :func:`layer_map` (TS 38.211
    Table 7.3.1.3-1). MATLAB namesake: ``nrLayerDemap``.

    Works on any dtype: symbols, per-symbol values (noise variances, ...), or soft bits with
    ``group = Q_m`` consecutive LLRs per symbol.

    Parameters
    ----------
    x : ``[..., n_layers, M_symb^layer * group]`` tensor, n_layers = v in 1..8.
    group : number of consecutive elements along the last dimension per symbol (default 1).

    Returns
    -------
    For v <= 4 the codeword ``[..., v M_symb^layer * group]``; for v >= 5 a tuple of the
    two codewords ``([..., v0 M_symb^layer * group], [..., (v - v0) M_symb^layer * group])``,
    ``v0 = floor(v/2)``.

    >>> layer_demap(torch.tensor([[0, 2, 4], [1, 3, 5]]))
    tensor([0, 1, 2, 3, 4, 5])
    >>> layer_demap(torch.tensor([[0., 0.5, 2., 2.5], [1., 1.5, 3., 3.5]]), group=2)
    tensor([0.0000, 0.5000, 1.0000, 1.5000, 2.0000, 2.5000, 3.0000, 3.5000])
    """
    x = check_tensor("x", x, min_dim=2)
    group = _check_group(group)
    n_layers = x.shape[-2]
    if not 1 <= n_layers <= _MAX_LAYERS:
        raise ValueError(f"x has {n_layers} layers (dimension -2); allowed: 1..{_MAX_LAYERS}")
    if x.shape[-1] % group:
        raise ValueError(f"x has {x.shape[-1]} elements per layer, which is not a multiple of "
                         f"group = {group}")
    m = x.shape[-1] // group
    out = []
    start = 0
    for v in _codeword_layers(n_layers):
        part = x[..., start:start + v, :].reshape(*x.shape[:-2], v, m, group)
        out.append(part.transpose(-3, -2).reshape(*x.shape[:-2], v * m * group))
        start += v
    return out[0] if len(out) == 1 else (out[0], out[1])


# --------------------------------------------------------------------------------------------
# Transform precoding, §6.3.1.4
# --------------------------------------------------------------------------------------------


def _is_235_smooth(n: int) -> bool:
    for p in (2, 3, 5):
        while n % p == 0:
            n //= p
    return n == 1


def _check_m_sc(m_sc: object) -> int:
    m_sc = check_int("m_sc", m_sc, N_SC_RB)
    if m_sc % N_SC_RB or not _is_235_smooth(m_sc // N_SC_RB):
        raise ValueError(f"m_sc = {m_sc} is not allowed: TS 38.211 §6.3.1.4 needs "
                         f"M_sc^PUSCH = 12 M_RB^PUSCH with M_RB^PUSCH = 2^a2 3^a3 5^a5 "
                         f"(e.g. 12, 24, 36, 48, 60, 72, 96, 108, ...)")
    return m_sc


def _check_blocks(name: str, x: object, m_sc: int) -> torch.Tensor:
    x = check_tensor(name, x, min_dim=1)
    if not x.is_complex():
        raise TypeError(f"{name} must be a complex tensor, got dtype {x.dtype}")
    check_finite(name, x)
    if x.shape[-1] % m_sc or x.shape[-1] == 0:
        raise ValueError(f"{name} has {x.shape[-1]} samples along its last dimension, which is "
                         f"not a positive multiple of m_sc = {m_sc} (whole OFDM symbols, at "
                         "least one)")
    return x


def transform_precode(x: torch.Tensor, m_sc: int) -> torch.Tensor:
    """Transform precoding of TS 38.211 §6.3.1.4 (MATLAB ``nrTransformPrecode``).

    For each OFDM symbol l = 0 .. M_symb^layer / M_sc - 1 and k = 0 .. M_sc - 1::

        y(l M_sc + k) = 1/sqrt(M_sc) sum_{i=0}^{M_sc-1} x(l M_sc + i) exp(-j 2 pi i k / M_sc)

    i.e. a unitary DFT of size M_sc = M_sc^PUSCH over each block of M_sc consecutive
    samples (with PT-RS, x already holds the PT-RS samples inserted as §6.3.1.4 describes).
    Transform precoding is defined for one layer; a layer dimension of size 1 can be kept
    as a batch dimension.

    Parameters
    ----------
    x : ``[..., n_symbols * m_sc]`` complex tensor, x^(0)(0 .. M_symb^layer - 1) as in the
        clause (reshape ``[..., n_symbols, m_sc]`` to this and back if that is the layout).
    m_sc : M_sc^PUSCH = 12 M_RB^PUSCH with M_RB^PUSCH = 2^a2 3^a3 5^a5.

    Returns
    -------
    ``[..., n_symbols * m_sc]`` complex tensor y, the dtype and device of ``x``.

    >>> x = torch.full((12,), (1 + 1j) / 2 ** 0.5, dtype=torch.complex64)
    >>> y = transform_precode(x, 12)      # a constant is one tone: y(0) = sqrt(12) x(0)
    >>> round(abs(y[0].item()) ** 2, 4), round(y[1:].abs().max().item(), 5)
    (12.0, 0.0)
    """
    m_sc = _check_m_sc(m_sc)
    x = _check_blocks("x", x, m_sc)
    if x.numel() == 0:  # an empty batch (FFT libraries refuse zero-size transforms)
        return x.clone()
    blocks = x.reshape(*x.shape[:-1], x.shape[-1] // m_sc, m_sc)
    return torch.fft.fft(blocks, dim=-1, norm="ortho").reshape(x.shape)


def transform_deprecode(y: torch.Tensor, m_sc: int) -> torch.Tensor:
    """Inverse of :func:`transform_precode` (TS 38.211 §6.3.1.4; MATLAB
    ``nrTransformDeprecode``): a unitary IDFT of size M_sc over each block of M_sc samples.

    Parameters
    ----------
    y : ``[..., n_symbols * m_sc]`` complex tensor.
    m_sc : as :func:`transform_precode`.

    Returns
    -------
    ``[..., n_symbols * m_sc]`` complex tensor, the dtype and device of ``y``.

    >>> x = torch.arange(24).to(torch.complex64)
    >>> bool(torch.allclose(transform_deprecode(transform_precode(x, 24), 24), x, atol=1e-5))
    True
    """
    m_sc = _check_m_sc(m_sc)
    y = _check_blocks("y", y, m_sc)
    if y.numel() == 0:  # an empty batch
        return y.clone()
    blocks = y.reshape(*y.shape[:-1], y.shape[-1] // m_sc, m_sc)
    return torch.fft.ifft(blocks, dim=-1, norm="ortho").reshape(y.shape)


# --------------------------------------------------------------------------------------------
# Precoding, §6.3.1.5
# --------------------------------------------------------------------------------------------


@functools.cache
def _codebooks() -> dict[tuple[int, int, bool], tuple[str, torch.Tensor]]:
    """(n_layers, n_ports, transform_precoding) -> (table name, W [n_tpmi, P, L] complex128)
    from ``data/pusch_tpmi.json`` (TS 38.211 Tables 6.3.1.5-1 .. -7)."""
    path = data_path("pusch_tpmi.json")
    tables = json.loads(path.read_text())["tables"]
    out: dict[tuple[int, int, bool], tuple[str, torch.Tensor]] = {}
    for name, table in tables.items():
        n_layers, n_ports = table["n_layers"], table["n_ports"]
        mats = []
        for tpmi, entry in enumerate(table["tpmi"]):
            w = entry["w"]
            if len(w) != n_ports or any(len(row) != n_layers for row in w):
                raise RuntimeError(f"{path.name}: Table {name} TPMI {tpmi} is not "
                                   f"{n_ports} x {n_layers}")
            scale = 1 / math.sqrt(entry["inv_scale_squared"])
            mats.append([[_ENTRY[e] * scale for e in row] for row in w])
        codebook = torch.tensor(mats, dtype=torch.complex128)
        tp = table["transform_precoding"]
        for flag in ((False, True) if tp is None else (bool(tp),)):
            out[(n_layers, n_ports, flag)] = (name, codebook)
    return out


def _check_codebook_args(n_layers: object, n_ports: object, transform_precoding: object
                         ) -> tuple[int, int, bool]:
    n_ports = check_choice("n_ports", n_ports, PUSCH_CODEBOOK_PORTS)
    n_layers = check_int("n_layers", n_layers, 1, max(PUSCH_CODEBOOK_PORTS))
    if not isinstance(transform_precoding, bool):
        raise TypeError(f"transform_precoding must be a bool, got {transform_precoding!r}")
    if n_layers > n_ports:
        raise ValueError(f"n_layers = {n_layers} is not allowed with n_ports = {n_ports}: "
                         f"codebook-based PUSCH has at most as many layers as antenna ports")
    if transform_precoding and n_layers > 1:
        raise ValueError(f"n_layers = {n_layers} is not allowed with transform_precoding=True: "
                         "TS 38.211 Tables 6.3.1.5-4 .. -7 (2 to 4 layers) are defined with "
                         "transform precoding disabled only")
    return n_layers, n_ports, transform_precoding


def pusch_tpmi_count(n_layers: int, n_ports: int, transform_precoding: bool = False) -> int:
    """Number of TPMI values of the PUSCH codebook for v = ``n_layers`` layers on
    ``n_ports`` antenna ports (TS 38.211 §6.3.1.5, Tables 6.3.1.5-1 .. -7; 1 for one port).

    Parameters
    ----------
    n_layers, n_ports, transform_precoding : as :func:`pusch_codebook`.

    Returns
    -------
    The number of rows of the table; valid TPMIs are ``0 .. count - 1``.

    >>> pusch_tpmi_count(1, 2), pusch_tpmi_count(2, 4), pusch_tpmi_count(4, 4)
    (6, 22, 5)
    """
    n_layers, n_ports, tp = _check_codebook_args(n_layers, n_ports, transform_precoding)
    if n_ports == 1:
        return 1
    return int(_codebooks()[(n_layers, n_ports, tp)][1].shape[0])


def pusch_codebook(n_layers: int, n_ports: int, tpmi: int, transform_precoding: bool = False,
                   *, device: DeviceLike = None) -> torch.Tensor:
    """Precoding matrix W of codebook-based PUSCH transmission, TS 38.211 §6.3.1.5.

    ============  ========  ======================  ===============  ======
    layers v      ports     transform precoding     table            TPMIs
    ============  ========  ======================  ===============  ======
    1             1         either                  W = 1            1
    1             2         either                  6.3.1.5-1        6
    1             4         enabled                 6.3.1.5-2        28
    1             4         disabled                6.3.1.5-3        28
    2             2         disabled                6.3.1.5-4        3
    2             4         disabled                6.3.1.5-5        22
    3             4         disabled                6.3.1.5-6        7
    4             4         disabled                6.3.1.5-7        5
    ============  ========  ======================  ===============  ======

    MATLAB namesake: ``nrPUSCHCodebook`` (which returns the transpose, ``v x rho``). The
    8-port codebooks of Rel-18 (Tables 6.3.1.5-8 ..) are not supported.

    Parameters
    ----------
    n_layers : number of layers v, 1..n_ports.
    n_ports : number of antenna ports rho, 1, 2 or 4.
    tpmi : transmitted precoding matrix indicator, 0 .. :func:`pusch_tpmi_count` - 1.
    transform_precoding : whether transform precoding is enabled (only one layer then).
    device : device of the output (default CPU).

    Returns
    -------
    ``[n_ports, n_layers]`` complex64 W (rows: antenna ports, columns: layers).

    >>> w = pusch_codebook(1, 2, 4)               # 1/sqrt(2) [1, j]^T
    >>> bool(torch.allclose(w, torch.tensor([[1], [1j]]) / 2 ** 0.5))
    True
    >>> pusch_codebook(2, 2, 1) * 2
    tensor([[ 1.+0.j,  1.+0.j],
            [ 1.+0.j, -1.+0.j]])
    """
    n_layers, n_ports, tp = _check_codebook_args(n_layers, n_ports, transform_precoding)
    if n_ports == 1:
        check_int("tpmi", tpmi, 0, 0)
        return torch.ones(1, 1, dtype=torch.complex64, device=device)
    name, codebook = _codebooks()[(n_layers, n_ports, tp)]
    tpmi = check_int("tpmi", tpmi)
    if not 0 <= tpmi < codebook.shape[0]:
        raise ValueError(f"tpmi = {tpmi} is out of range; allowed: 0..{codebook.shape[0] - 1} "
                         f"(TS 38.211 Table {name}: {n_layers} layer(s), {n_ports} ports, "
                         f"transform precoding {'enabled' if tp else 'disabled'})")
    return codebook[tpmi].to(dtype=torch.complex64, device=device)


def precode(x: torch.Tensor, w: torch.Tensor | None = None, *,
            per_sample: bool = False) -> torch.Tensor:
    """Precoding of TS 38.211 §6.3.1.5: ``[z^(0)(i) .. z^(rho-1)(i)]^T = W [y^(0)(i) ..
    y^(v-1)(i)]^T``.

    For non-codebook-based transmission W is the identity (``w=None``: ``z = y``).

    Parameters
    ----------
    x : ``[..., n_layers, n]`` complex tensor y (layers of :func:`layer_map`, after
        transform precoding if enabled).
    w : ``[n_ports, n_layers]`` or batched ``[..., n_ports, n_layers]`` complex W (e.g.
        :func:`pusch_codebook`), broadcast against the leading dimensions of ``x``; with
        ``per_sample=True``, ``[..., n_ports, n_layers, n]``: one W per sample i (its last
        dimension may also be 1). Cast to the dtype of ``x``; it must be on the device of
        ``x``.
    per_sample : whether ``w`` has a trailing sample dimension.

    Returns
    -------
    ``[..., n_ports, n]`` complex tensor z, the dtype of ``x``.

    >>> y = torch.tensor([[1 + 0j, 1j], [1, 1]], dtype=torch.complex64)   # 2 layers, n = 2
    >>> precode(y, pusch_codebook(2, 2, 1)) * 2      # W = 1/2 [[1, 1], [1, -1]]
    tensor([[ 2.+0.j,  1.+1.j],
            [ 0.+0.j, -1.+1.j]])
    """
    x = check_tensor("x", x, min_dim=2)
    if not x.is_complex():
        raise TypeError(f"x must be a complex tensor, got dtype {x.dtype}")
    if w is None:
        return x
    w = check_tensor("w", w, min_dim=3 if per_sample else 2)
    if w.device != x.device:
        raise ValueError(f"w is on {w.device} but x is on {x.device}; move one of them")
    if w.is_floating_point() or w.is_complex():
        w = w.to(x.dtype)
    else:
        raise TypeError(f"w must be a complex (or real) floating tensor, got dtype {w.dtype}")
    n_layers, n = x.shape[-2], x.shape[-1]
    layer_dim = -2 if per_sample else -1
    if w.shape[layer_dim] != n_layers:
        raise ValueError(f"w has shape {tuple(w.shape)}: its layer dimension ({layer_dim}) is "
                         f"{w.shape[layer_dim]}, but x has {n_layers} layers")
    if per_sample:
        if w.shape[-1] not in (1, n):
            raise ValueError(f"w has {w.shape[-1]} samples (last dimension) but x has {n}")
        return (w * x.unsqueeze(-3)).sum(-2)
    return torch.matmul(w, x)
