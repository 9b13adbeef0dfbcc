"""Modulation mapper and soft/hard demapper of TS 38.211 §5.1.

``symbol_modulate`` maps bits to complex-valued symbols exactly as TS 38.211 §5.1.1-§5.1.7
(pi/2-BPSK, BPSK, QPSK, 16QAM, 64QAM, 256QAM, 1024QAM); ``symbol_demodulate`` is its
inverse: hard decisions or log-likelihood ratios (exact or max-log) for an AWGN channel.
MATLAB namesakes: ``nrSymbolModulate`` / ``nrSymbolDemodulate``.

How the constellations are built
--------------------------------
Every table is built once per modulation from the clause's own formula (nothing is
typed in point by point). For the square QAMs (QPSK ... 1024QAM) the clause writes each
axis as a nested expression in the bits of that axis; with ``k = Qm / 2`` bits per axis,
``c_0 .. c_{k-1}`` (the I axis takes ``b(Qm i), b(Qm i + 2), ...``, the Q axis
``b(Qm i + 1), b(Qm i + 3), ...``)::

    x = (1 - 2 c_0) [2^(k-1) - (1 - 2 c_1) [2^(k-2) - ... [2 - (1 - 2 c_{k-1})]]]

divided by ``sqrt(2 (M - 1) / 3)`` = sqrt(2), sqrt(10), sqrt(42), sqrt(170), sqrt(682)
(§5.1.3-§5.1.7). The table index of a symbol is its Qm bits read as a binary number,
b(Qm i) first (most significant). On the CPU a Numba kernel forms the index and reads the
table in one pass; other devices use torch (index as a weighted sum, then a gather).

Demodulation
------------
The square QAMs are Cartesian products of two Gray-labelled PAMs (I bits on the real
axis, Q bits on the imaginary axis), and ``|y - x|^2 = (Re y - Re x)^2 + (Im y - Im x)^2``,
so with equiprobable symbols the exact LLR of an I bit depends only on ``Re y`` (the Q
terms factor out of numerator and denominator) and likewise for Q bits. Both the exact
and the max-log LLRs are therefore computed per axis against the ``sqrt(M)`` levels of
that axis: memory ``[..., m, 2, sqrt(M)]`` (``[..., m, 2, 32]`` for 1024QAM) instead of
``[..., m, M]``. BPSK is a one-dimensional PAM along ``(1 + j) / sqrt(2)``; pi/2-BPSK
first undoes the rotation ``exp(j pi/2 (i mod 2))``.

With complex noise variance ``N0 = E|n|^2`` (``noise_var``),
``LLR = ln P(b=0 | y) / P(b=1 | y)``:

* ``"exact"``: ``ln sum_{x: b=0} exp(-|y-x|^2/N0) - ln sum_{x: b=1} exp(-|y-x|^2/N0)``;
* ``"maxlog"``: ``(min_{x: b=1} |y-x|^2 - min_{x: b=0} |y-x|^2) / N0``.
"""

from __future__ import annotations

import functools
import math
import numbers

import numpy as np
import torch
from numba import njit

from softran.nr.modulation_kernels import (
    DEMAP_BPSK,
    DEMAP_PI2_BPSK,
    DEMAP_QAM,
    maxlog_demap,
)
from softran.validation import (
    check_bits,
    check_choice,
    check_finite,
    check_int,
    check_name,
    check_positive,
    check_tensor,
)

__all__ = ["MODULATIONS", "bits_per_symbol", "constellation", "symbol_demodulate",
           "symbol_modulate", "symbol_modulate_into", "modulate_into_rows",
           "symbol_demodulate_into", "maxlog_demap_levels", "label_runs",
           "map_label_runs_into_rows"]

#: Modulation schemes of TS 38.211 §5.1, in the clause's order (names as MATLAB).
MODULATIONS: tuple[str, ...] = ("pi/2-BPSK", "BPSK", "QPSK", "16QAM", "64QAM", "256QAM",
                                "1024QAM")

#: Modulation order Q_m (bits per symbol) of each scheme (TS 38.211 Table 5.1-1 ff.).
_QM: dict[str, int] = {"pi/2-BPSK": 1, "BPSK": 1, "QPSK": 2, "16QAM": 4, "64QAM": 6,
                       "256QAM": 8, "1024QAM": 10}

_METHODS: tuple[str, ...] = ("maxlog", "exact")

#: Use the Numba kernel of :func:`symbol_demodulate` (max-log LLRs of complex64 symbols on
#: the CPU); tests switch this off to run the torch reference.
KERNELS: bool = True


def _check_modulation(modulation: object) -> str:
    return check_name("modulation", modulation, MODULATIONS)


def bits_per_symbol(modulation: str) -> int:
    """Modulation order Q_m of a TS 38.211 §5.1 scheme (case-insensitive name).

    >>> bits_per_symbol("256qam")
    8
    """
    return _QM[_check_modulation(modulation)]


@functools.cache
def _pam(k: int) -> tuple[tuple[int, ...], int]:
    """Integer levels of one QAM axis with ``k`` bits, indexed by (c_0 .. c_{k-1}) MSB first.

    Evaluates the nested formula of TS 38.211 §5.1.3-§5.1.7 for all 2^k bit patterns and
    returns (levels, norm) where ``norm`` is the clause's power normalisation
    2 (M - 1) / 3 = 2, 10, 42, 170, 682 for M = 4^k.
    """
    idx = torch.arange(2 ** k, dtype=torch.int64)
    s = 1 - 2 * ((idx[:, None] >> torch.arange(k - 1, -1, -1)) & 1)  # s[:, j] = 1 - 2 c_j
    t = s[:, k - 1]
    for j in range(k - 2, -1, -1):            # innermost bracket outwards (k <= 5 terms)
        t = s[:, j] * (2 ** (k - 1 - j) - t)
    norm = 2 * (4 ** k - 1) // 3
    return tuple(int(v) for v in t), norm


@functools.cache
def _table128(modulation: str) -> torch.Tensor:
    """Constellation in complex128: [2^Qm] (pi/2-BPSK: [4], index b + 2 (i mod 2))."""
    if modulation in ("BPSK", "pi/2-BPSK"):
        b = torch.tensor([0.0, 1.0], dtype=torch.float64)
        bpsk = torch.complex(1 - 2 * b, 1 - 2 * b) / math.sqrt(2)        # §5.1.2
        if modulation == "BPSK":
            return bpsk
        # §5.1.1: d(i) = e^{j pi/2 (i mod 2)} / sqrt(2) [(1-2b(i)) + j(1-2b(i))]; e^{j pi/2} = j
        return torch.cat([bpsk, bpsk * 1j])
    qm = _QM[modulation]
    k = qm // 2
    levels, norm = _pam(k)
    lev = torch.tensor(levels, dtype=torch.float64)
    n = torch.arange(2 ** qm, dtype=torch.int64)
    bits = (n[:, None] >> torch.arange(qm - 1, -1, -1)) & 1           # b(Qm i + q), q = 0..Qm-1
    weights = 2 ** torch.arange(k - 1, -1, -1)
    c_i = (bits[:, 0::2] * weights).sum(-1)                           # I axis: even bits
    c_q = (bits[:, 1::2] * weights).sum(-1)                           # Q axis: odd bits
    return torch.complex(lev[c_i], lev[c_q]) / math.sqrt(norm)


@functools.lru_cache(maxsize=64)
def _table(modulation: str, device: torch.device) -> torch.Tensor:
    return _table128(modulation).to(torch.complex64).to(device)


def constellation(modulation: str) -> torch.Tensor:
    """Constellation points of a TS 38.211 §5.1 scheme, complex64 ``[2^Qm]``.

    Entry ``n`` is the symbol of the Qm bits whose binary value (b(Qm i) first, most
    significant) is ``n``. For pi/2-BPSK the four entries are the two points of an even
    symbol index i followed by the two of an odd one (index ``b + 2 (i mod 2)``).

    >>> constellation("QPSK")
    tensor([ 0.7071+0.7071j,  0.7071-0.7071j, -0.7071+0.7071j, -0.7071-0.7071j])
    """
    return _table128(_check_modulation(modulation)).to(torch.complex64)


@njit(cache=True, nogil=True)
def _modulate_rows(bits, qm, pi2, table, out):  # pragma: no cover - compiled
    """CPU kernel of :func:`symbol_modulate`: ``out[r, i] = table[index]``, the index being
    the Q_m bits of symbol i read MSB first (plus 2 (i mod 2) for pi/2-BPSK)."""
    for r in range(bits.shape[0]):
        for i in range(out.shape[1]):
            index = np.int64(0)
            for q in range(qm):
                index = (index << 1) | np.int64(bits[r, i * qm + q])
            if pi2:
                index += 2 * (i & 1)
            out[r, i] = table[index]


def _check_bits_modulation(bits: object, modulation: object) -> tuple[torch.Tensor, str, int]:
    """(bits as uint8, modulation name, Q_m), the length of the bits a multiple of Q_m."""
    bits = check_bits("bits", bits, min_dim=1)
    modulation = _check_modulation(modulation)
    qm = _QM[modulation]
    n = bits.shape[-1]
    if n % qm:
        raise ValueError(f"bits has length {n} along its last dimension, which is not a "
                         f"multiple of Qm = {qm} for {modulation}")
    return bits, modulation, qm


def symbol_modulate(bits: torch.Tensor, modulation: str) -> torch.Tensor:
    """Map bits to complex modulation symbols (TS 38.211 §5.1; MATLAB ``nrSymbolModulate``).

    Parameters
    ----------
    bits : ``[..., n]`` uint8/bool (or integer) 0/1 tensor; ``n`` a multiple of Q_m. Each
        group of Q_m consecutive bits ``b(Qm i) .. b(Qm i + Qm - 1)`` gives symbol ``d(i)``.
    modulation : ``"pi/2-BPSK"``, ``"BPSK"``, ``"QPSK"``, ``"16QAM"``, ``"64QAM"``,
        ``"256QAM"`` or ``"1024QAM"`` (case-insensitive); Q_m = 1, 1, 2, 4, 6, 8, 10.

    Returns
    -------
    ``[..., n / Q_m]`` complex64 symbols with unit average power, on the device of ``bits``.
    For pi/2-BPSK the rotation ``exp(j pi/2 (i mod 2))`` uses the symbol index ``i`` along
    the last dimension (§5.1.1).

    >>> symbol_modulate(torch.tensor([0, 0, 1, 1, 0, 1], dtype=torch.uint8), "QPSK")
    tensor([ 0.7071+0.7071j, -0.7071-0.7071j,  0.7071-0.7071j])
    >>> symbol_modulate(torch.tensor([0, 0], dtype=torch.uint8), "pi/2-BPSK")
    tensor([ 0.7071+0.7071j, -0.7071+0.7071j])
    >>> b = torch.tensor([0, 0, 0, 0, 1, 1, 1, 1], dtype=torch.uint8)
    >>> symbol_modulate(b, "16QAM") * 10 ** 0.5
    tensor([ 1.+1.j, -3.-3.j])
    """
    bits, modulation, qm = _check_bits_modulation(bits, modulation)
    n = bits.shape[-1]
    m = n // qm
    if bits.device.type == "cpu" and bits.numel():
        flat = bits.reshape(-1, n).contiguous()
        out = torch.empty(flat.shape[0], m, dtype=torch.complex64)
        _modulate_rows(flat.numpy(), qm, modulation == "pi/2-BPSK",
                       _table(modulation, bits.device).numpy(), out.numpy())
        return out.reshape(*bits.shape[:-1], m)
    if qm == 1:
        index = bits.to(torch.int64)
    else:
        weights = 2 ** torch.arange(qm - 1, -1, -1, device=bits.device, dtype=torch.int32)
        index = (bits.reshape(*bits.shape[:-1], m, qm).to(torch.int32) * weights).sum(
            -1, dtype=torch.int64)
    if modulation == "pi/2-BPSK":
        index = index + 2 * (torch.arange(m, device=bits.device) % 2)
    return _table(modulation, bits.device)[index]


@njit(cache=True, nogil=True)
def modulate_into_rows(bits, seq, scramble, qm, pi2, table, index, out
                        ):  # pragma: no cover - compiled
    """CPU kernel of :func:`symbol_modulate_into` (TS 38.211 §5.1 mapping, §7.3.1.1
    scrambling): ``out[r, index[i]] = table[...]`` of the
    Q_m bits of symbol i (XOR ``seq`` where ``scramble``). Returns the first i whose index
    is outside ``out[r]`` (nothing written from there on), or -1."""
    u = np.uint64
    n = u(out.shape[1])
    q8 = u(qm)
    if qm == 8 and scramble and bits.shape[1] % 8 == 0:
        # 256QAM: one symbol's 8 bit-bytes are one 64-bit word; XOR with c(i) word-wise and
        # gather bit j of byte j into bit 7 - j of the index by one multiplication (the byte
        # products never carry: each byte is 0 or 1)
        c = seq.view(np.uint64)
        for r in range(bits.shape[0]):
            w = bits[r].view(np.uint64)
            dst = out[r]
            for i in range(index.shape[0]):
                k = u(index[i])
                if k >= n:
                    return i
                dst[k] = table[((w[i] ^ c[i]) * u(0x8040201008040201)) >> u(56)]
        return -1
    for r in range(bits.shape[0]):
        src = bits[r]
        dst = out[r]
        for i in range(index.shape[0]):
            k = u(index[i])
            if k >= n:                          # also a negative index (wraps to >= 2^63)
                return i
            b0 = u(i) * q8
            idx = u(0)
            if scramble:
                for q in range(qm):
                    idx = (idx << u(1)) | u(src[b0 + u(q)] ^ seq[b0 + u(q)])
            else:
                for q in range(qm):
                    idx = (idx << u(1)) | u(src[b0 + u(q)])
            if pi2:
                idx += u(2 * (i & 1))
            dst[k] = table[idx]
    return -1


def label_runs(index: np.ndarray, stride: int) -> np.ndarray:
    """The positions ``index`` ``[n]`` (int64) of symbols as runs for
    :func:`map_label_runs_into_rows`: rows ``(i0, k0, m)`` int64 ``[n_runs, 3]`` such that
    symbol ``i0 + t stride`` goes to ``k0 + t`` for t < m, the symbols of each residue
    ``i mod stride`` in order (e.g. the layers of TS 38.211 §7.3.1.3: symbol i on layer
    i mod v), split where the positions stop counting up by one.

    >>> label_runs(np.array([5, 9, 6, 10, 7, 2]), 2).tolist()
    [[0, 5, 3], [1, 9, 2], [5, 2, 1]]
    """
    stride = check_int("stride", stride, 1)
    index = np.asarray(index)
    if index.ndim != 1 or not (index.dtype.kind in "iu" or index.size == 0):
        raise ValueError(f"index must be a 1-D integer array, got shape {index.shape} dtype "
                         f"{index.dtype}")
    index = index.astype(np.int64, copy=False)
    runs = []
    for lane in range(stride):
        pos = index[lane::stride]
        if pos.size == 0:
            continue
        cut = np.flatnonzero(np.diff(pos) != 1) + 1
        first = np.concatenate([[0], cut])
        length = np.diff(np.concatenate([first, [pos.size]]))
        runs.append(np.stack([lane + stride * first, pos[first], length], axis=1))
    return (np.concatenate(runs).astype(np.int64) if runs
            else np.zeros((0, 3), dtype=np.int64))


@njit(cache=True, nogil=True)
def map_label_runs_into_rows(labels, table, runs, stride, out):  # pragma: no cover - compiled
    """Symbol mapping (TS 38.211 §5.1) of given labels to given positions, the positions as
    runs of :func:`label_runs`: ``out[r, k0 + t] = table[labels[r, i0 + t stride]]`` for
    each run ``(i0, k0, m)``, t < m (labels uint8 / uint16 ``[R, n]``, each below the size
    of the constellation ``table`` in label order, as
    :func:`~softran.nr.coding.ldpc.encode_rate_match.encode_rate_match_labels_into` writes
    them; out complex ``[R, N]``): the resource mapping of modulated symbols whose bits are
    already packed, with contiguous stores and no index per symbol. Returns the first run
    that does not fit in ``out[r]`` (nothing written from there on), or -1.

    >>> out = np.zeros((1, 4), dtype=np.complex64)
    >>> t = constellation("QPSK").numpy()
    >>> lab = np.array([[3, 0, 1]], dtype=np.uint8)
    >>> map_label_runs_into_rows(lab, t, label_runs(np.array([1, 3, 2]), 2), 2, out)
    -1
    >>> bool(out[0, 1] == t[3] and out[0, 2] == t[1] and out[0, 3] == t[0])
    True
    """
    u = np.uint64
    n = out.shape[1]
    step = u(stride)
    for r in range(labels.shape[0]):
        src = labels[r]
        dst = out[r]
        for q in range(runs.shape[0]):
            i0 = runs[q, 0]
            k0 = runs[q, 1]
            m = runs[q, 2]
            if k0 < 0 or m < 0 or k0 + m > n or i0 < 0 or i0 + (m - 1) * stride >= src.shape[0]:
                return q
            s = src[u(i0):]
            d = dst[u(k0):]
            for t in range(u(m)):
                d[t] = table[s[t * step]]
    return -1


def symbol_modulate_into(bits: torch.Tensor, modulation: str, out: torch.Tensor,
                         index: torch.Tensor, *, sequence: torch.Tensor | None = None
                         ) -> torch.Tensor:
    """Modulate bits and write the symbols at given positions of an existing tensor:
    ``out[..., index[i]] = symbol_modulate(bits ^ sequence, modulation)[..., i]`` (TS 38.211
    §5.1), with the bit scrambling of §7.3.1.1 / §6.3.1.1 (``sequence`` c(i)) fused in.

    The transmit chain's scrambling, modulation and resource mapping in one pass on the CPU
    (a Numba kernel for complex64 ``out``, no intermediate tensors): the bits are read once
    and every symbol goes straight to its resource element, e.g. of a grid or of IFFT bins
    reused from slot to slot. Other devices and dtypes run ``symbol_modulate`` and an
    index_put; both give the same values (the same constellation table).

    Parameters
    ----------
    bits : ``[..., n]`` uint8/bool 0/1 tensor, ``n`` a multiple of Q_m.
    modulation : as :func:`symbol_modulate`.
    out : complex tensor ``[..., N]`` (the leading dimensions of ``bits``), written in place
        at ``index`` only (the other entries keep their values). If an index is out of range
        the ValueError comes after the symbols before it have been written.
    index : int64 ``[n / Q_m]``, positions in ``0..N-1`` (distinct, or later symbols win).
    sequence : optional uint8/bool ``[n]`` 0/1 scrambling sequence (e.g.
        :func:`~softran.nr.scrambling.pdsch_scrambling_sequence`), XORed onto every row of
        ``bits``; None: no scrambling.

    Returns
    -------
    ``out``.

    >>> out = torch.zeros(1, 4, dtype=torch.complex64)
    >>> b = torch.tensor([[0, 0, 1, 1]], dtype=torch.uint8)
    >>> symbol_modulate_into(b, "QPSK", out, torch.tensor([3, 0]))
    tensor([[-0.7071-0.7071j,  0.0000+0.0000j,  0.0000+0.0000j,  0.7071+0.7071j]])
    >>> c = torch.tensor([1, 1, 0, 0], dtype=torch.uint8)
    >>> symbol_modulate_into(b, "QPSK", out, torch.tensor([3, 0]), sequence=c)[0, ::3]
    tensor([-0.7071-0.7071j, -0.7071-0.7071j])
    """
    bits, modulation, qm = _check_bits_modulation(bits, modulation)
    n = bits.shape[-1]
    out = check_tensor("out", out, min_dim=1)
    if not out.is_complex():
        raise TypeError(f"out must be a complex tensor, got dtype {out.dtype}")
    if tuple(out.shape[:-1]) != tuple(bits.shape[:-1]):
        raise ValueError(f"out has shape {tuple(out.shape)}; its leading dimensions must be "
                         f"those of bits, {tuple(bits.shape[:-1])}")
    index = check_tensor("index", index, min_dim=1)
    if index.dtype != torch.int64 or index.dim() != 1 or index.numel() != n // qm:
        raise ValueError(f"index must be int64 [n / Qm] = [{n // qm}], got {index.dtype} "
                         f"{tuple(index.shape)}")
    if sequence is not None:
        sequence = check_bits("sequence", sequence)
        if tuple(sequence.shape) != (n,):
            raise ValueError(f"sequence must have shape ({n},) (the bits' last dimension), "
                             f"got {tuple(sequence.shape)}")
    big_n = out.shape[-1]
    if bits.numel() == 0:
        return out
    cpu = (bits.device.type == out.device.type == index.device.type == "cpu"
           and (sequence is None or sequence.device.type == "cpu"))
    if cpu and out.dtype == torch.complex64 and out.is_contiguous() and not out.requires_grad:
        rows = bits.reshape(-1, n).contiguous()           # uint8 (check_bits)
        seq = rows.new_zeros(0) if sequence is None else sequence.contiguous()
        bad = modulate_into_rows(rows.numpy(), seq.numpy(), sequence is not None, qm,
                                  modulation == "pi/2-BPSK", _table(modulation, out.device).numpy(),
                                  index.contiguous().numpy(), out.view(-1, big_n).numpy())
        if bad >= 0:
            raise ValueError(f"index must lie in 0..{big_n - 1} (the last dimension of out), "
                             f"got {int(index[bad])} at position {bad}")
        return out
    if index.numel() and (int(index.min()) < 0 or int(index.max()) >= big_n):
        raise ValueError(f"index must lie in 0..{big_n - 1} (the last dimension of out), got "
                         f"{int(index.min())}..{int(index.max())}")
    b = bits if sequence is None else bits ^ sequence.to(bits.device)
    out[..., index.to(out.device)] = symbol_modulate(b, modulation).to(out.device, out.dtype)
    return out


def _check_noise_var(noise_var: object, symbols: torch.Tensor,
                     dtype: torch.dtype) -> torch.Tensor | float:
    if isinstance(noise_var, torch.Tensor):
        if noise_var.is_complex() or noise_var.dtype == torch.bool:
            raise TypeError(f"noise_var must be a real tensor, got dtype {noise_var.dtype}")
        try:
            shape = torch.broadcast_shapes(noise_var.shape, symbols.shape)
        except RuntimeError:
            shape = None
        if shape != symbols.shape:
            raise ValueError(f"noise_var of shape {tuple(noise_var.shape)} does not broadcast to "
                             f"symbols of shape {tuple(symbols.shape)}")
        nv = noise_var.to(device=symbols.device, dtype=dtype)
        bad = ~(torch.isfinite(nv) & (nv > 0))
        if nv.numel() and bool(bad.any()):
            raise ValueError("noise_var must be finite and > 0, found "
                             f"{nv[bad].flatten()[0].item()}")
        return nv
    if isinstance(noise_var, numbers.Real) and not isinstance(noise_var, bool):
        return check_positive("noise_var", noise_var)
    raise TypeError(f"noise_var must be a number > 0 or a real tensor, got "
                    f"{type(noise_var).__name__}")


def _axes(symbols: torch.Tensor, modulation: str, real: torch.dtype) -> tuple[torch.Tensor,
                                                                             torch.Tensor, int]:
    """Project symbols onto the PAM axes: (values [..., m, A], levels [L], k bits/axis)."""
    if modulation in ("BPSK", "pi/2-BPSK"):
        re, im = symbols.real, symbols.imag
        if modulation == "pi/2-BPSK":
            # undo e^{j pi/2 (i mod 2)}: for odd i, y * (-j) = Im y - j Re y
            odd = (torch.arange(symbols.shape[-1], device=symbols.device) % 2) == 1
            re, im = torch.where(odd, symbols.imag, re), torch.where(odd, -symbols.real, im)
        # |y - s (1+j)/sqrt2|^2 = (z - s)^2 + const with z = (Re y + Im y) / sqrt2, s = +-1
        z = (re + im) * (1 / math.sqrt(2))
        levels = torch.tensor([1.0, -1.0], dtype=real, device=symbols.device)  # b = 0, 1
        return z.unsqueeze(-1), levels, 1
    k = _QM[modulation] // 2
    lev, norm = _pam(k)
    levels = torch.tensor(lev, dtype=torch.float64).div(math.sqrt(norm)).to(
        dtype=real, device=symbols.device)
    return torch.stack((symbols.real, symbols.imag), dim=-1), levels, k


def symbol_demodulate(symbols: torch.Tensor, modulation: str,
                      noise_var: float | torch.Tensor | None = None, *,
                      method: str = "maxlog", sequence: torch.Tensor | None = None
                      ) -> torch.Tensor:
    """Demap symbols to LLRs or hard bits (inverse of TS 38.211 §5.1).

    MATLAB namesake: ``nrSymbolDemodulate``.

    Parameters
    ----------
    symbols : ``[..., m]`` complex tensor (complex64; complex128 is computed in float64).
    modulation : as :func:`symbol_modulate` (case-insensitive). For pi/2-BPSK the symbol
        index ``i`` along the last dimension sets the rotation that is undone.
    noise_var : complex noise variance N0 = E|n|^2: a number > 0, or a real tensor of
        positive values broadcastable to ``symbols`` (e.g. per-RE post-equalisation noise).
        ``None`` gives hard decisions.
    method : ``"maxlog"`` (default) or ``"exact"`` (log-sum-exp over the constellation).
    sequence : optional uint8/bool ``[m * Q_m]`` scrambling sequence c(n) (e.g. of
        TS 38.211 §6.3.1.1 / §7.3.1.1), only with ``noise_var``: the LLR of bit n changes
        sign where c(n) is nonzero, i.e. the LLRs of the descrambled bits (the descrambler
        fused into the demapper).

    Returns
    -------
    With ``noise_var``: float32 LLRs ``[..., m * Q_m]``, ``LLR = ln P(b=0)/P(b=1)``
    (positive means 0), bit order as :func:`symbol_modulate`. Without: uint8 hard
    decisions ``[..., m * Q_m]``, the bits of the nearest constellation point.

    Max-log LLRs of complex64 symbols on the CPU come from one Numba pass
    (:mod:`softran.nr.modulation_kernels`, the same float32 operations as the torch code).

    >>> y = torch.tensor([1 + 1j, -1 + 1j], dtype=torch.complex64) / 2 ** 0.5
    >>> symbol_demodulate(y, "QPSK")
    tensor([0, 0, 1, 0], dtype=torch.uint8)
    >>> symbol_demodulate(y, "QPSK", 0.5)    # 2 sqrt(2) Re(y) / N0 = 4
    tensor([ 4.0000,  4.0000, -4.0000,  4.0000])
    >>> symbol_demodulate(y, "QPSK", 0.5, sequence=torch.tensor([1, 0, 0, 1], dtype=torch.uint8))
    tensor([-4.0000,  4.0000, -4.0000, -4.0000])
    """
    symbols = check_tensor("symbols", symbols, min_dim=1)
    if not symbols.is_complex():
        raise TypeError(f"symbols must be a complex tensor, got dtype {symbols.dtype}")
    modulation = _check_modulation(modulation)
    method = check_choice("method", method, _METHODS)
    if sequence is not None:
        sequence = _check_sequence(sequence, symbols, modulation, noise_var)
    if (KERNELS and method == "maxlog" and noise_var is not None
            and symbols.dtype == torch.complex64 and symbols.device.type == "cpu"
            and not symbols.requires_grad and symbols.numel()):
        out = _demodulate_kernel(symbols, modulation, noise_var, sequence)
        if out is not None:
            return out
    check_finite("symbols", symbols)
    real = torch.float64 if symbols.dtype == torch.complex128 else torch.float32
    nv = None if noise_var is None else _check_noise_var(noise_var, symbols, real)

    x, levels, k = _axes(symbols, modulation, real)         # [..., m, A], [L]
    n_axes = x.shape[-1]
    out_shape = (*symbols.shape[:-1], symbols.shape[-1] * k * n_axes)
    shifts = torch.arange(k - 1, -1, -1, device=symbols.device)

    if nv is None:
        # nearest level of the uniform PAM by rounding, then its label c (MSB first)
        order = torch.argsort(levels)                       # sorted position -> label c
        lo = levels[order[0]]
        step = (levels[order[-1]] - lo) / (levels.numel() - 1)
        pos = torch.round((x - lo) / step).clamp_(0, levels.numel() - 1).to(torch.int64)
        idx = order[pos]                                    # [..., m, A]
        hard = (idx.unsqueeze(-2) >> shifts.unsqueeze(-1)) & 1   # [..., m, k, A]
        return hard.to(torch.uint8).reshape(out_shape)

    d = (x.unsqueeze(-1) - levels).square()                 # [..., m, A, L]
    if isinstance(nv, torch.Tensor):
        nv = nv.expand(symbols.shape)[..., None, None]      # [..., m, 1, 1]
    if method == "exact":
        d = d.div_(nv).neg_()                               # -|y - x|^2 / N0 per axis
    llrs = []
    for j in range(k):                                      # bit c_j of each axis (k <= 5)
        # level index = (..., c_j, ...) MSB first: split the level axis at bit j
        dv = d.unflatten(-1, (2 ** j, 2, 2 ** (k - 1 - j)))
        d0, d1 = dv.select(-2, 0), dv.select(-2, 1)         # [..., m, A, 2^j, 2^(k-1-j)]
        if method == "maxlog":
            llrs.append(d1.amin((-2, -1)) - d0.amin((-2, -1)))
        else:
            llrs.append(torch.logsumexp(d0, (-2, -1)) - torch.logsumexp(d1, (-2, -1)))
    llr = torch.stack(llrs, dim=-2)                         # [..., m, k, A]: bit 2 j + a
    if method == "maxlog":
        llr = llr / nv
    llr = llr.to(torch.float32).reshape(out_shape)
    if sequence is not None:
        llr = torch.where(sequence.to(llr.device).bool(), -llr, llr)
    return llr


def _check_sequence(sequence: object, symbols: torch.Tensor, modulation: str,
                    noise_var: object) -> torch.Tensor:
    """The scrambling sequence of :func:`symbol_demodulate`: uint8/bool ``[m * Q_m]``."""
    sequence = check_tensor("sequence", sequence, min_dim=1)
    if sequence.dtype not in (torch.uint8, torch.bool):
        raise TypeError(f"sequence must be a uint8 or bool tensor, got dtype {sequence.dtype}")
    n = symbols.shape[-1] * _QM[modulation]
    if tuple(sequence.shape) != (n,):
        raise ValueError(f"sequence must have shape ({n},) (m * Qm bits), got "
                         f"{tuple(sequence.shape)}")
    if noise_var is None:
        raise ValueError("sequence descrambles LLRs: it needs noise_var (hard decisions "
                         "take no sequence)")
    return sequence


@functools.lru_cache(maxsize=16)
def _kernel_levels(modulation: str) -> tuple[np.ndarray, int, int]:
    """(levels of one axis in label order, float32 as the torch code's; k; kernel mode)."""
    if modulation in ("BPSK", "pi/2-BPSK"):
        mode = DEMAP_BPSK if modulation == "BPSK" else DEMAP_PI2_BPSK
        return np.array([1.0, -1.0], dtype=np.float32), 1, mode
    k = _QM[modulation] // 2
    lev, norm = _pam(k)
    levels = torch.tensor(lev, dtype=torch.float64).div(math.sqrt(norm)).to(torch.float32)
    return levels.numpy(), k, DEMAP_QAM


def _demodulate_kernel(symbols: torch.Tensor, modulation: str, noise_var: object,
                       sequence: torch.Tensor | None) -> torch.Tensor | None:
    """Max-log LLRs by :func:`~softran.nr.modulation_kernels.maxlog_demap`; None where the
    inputs need the reference's checks (which then raise the error). Few tensor calls:
    numpy views of the inputs (copies only of lazily conjugated / broadcast ones)."""
    shape = symbols.shape
    m = shape[-1]
    try:
        x = symbols.numpy()
    except RuntimeError:                     # a lazy conjugate / negative view
        x = symbols.resolve_conj().resolve_neg().numpy()
    x = x.reshape(-1, 1, m)
    if isinstance(noise_var, torch.Tensor):
        if (noise_var.dtype != torch.float32 or not noise_var.is_cpu
                or noise_var.requires_grad):
            if (noise_var.is_complex() or noise_var.dtype == torch.bool
                    or not noise_var.is_cpu):
                return None
            noise_var = noise_var.detach().to(torch.float32)
        nv = noise_var.numpy()
        if nv.shape != shape:
            if nv.ndim > len(shape):
                return None
            try:
                nv = np.broadcast_to(nv, shape)
            except ValueError:
                return None
        nv = nv.reshape(-1, 1, m)            # (a view, also of a broadcast: strides 0)
    elif isinstance(noise_var, numbers.Real) and not isinstance(noise_var, bool):
        nv = np.broadcast_to(np.float32(noise_var), x.shape)
    else:
        return None
    levels, k, mode = _kernel_levels(modulation)
    if sequence is None:
        seq = _NO_SEQUENCE
    else:
        seq = sequence.numpy()
        if seq.dtype != np.uint8:
            seq = seq.view(np.uint8)         # bool: the same bytes, 0 / 1
    out = np.empty((x.shape[0], m * _QM[modulation]), dtype=np.float32)
    if maxlog_demap(x, nv, levels, k, mode, seq, out):
        return None                          # a non-finite symbol or a bad noise variance
    return torch.from_numpy(out).reshape(*shape[:-1], out.shape[-1])


_NO_SEQUENCE = np.zeros(0, dtype=np.uint8)


def symbol_demodulate_into(symbols: np.ndarray, noise_var: np.ndarray, modulation: str,
                           out: np.ndarray, sequence: np.ndarray | None = None) -> bool:
    """Max-log LLRs of :func:`symbol_demodulate` (the inverse of TS 38.211 §5.1, with the
    descrambling of ``sequence`` fused in) on NumPy arrays, written into ``out``: for a
    caller that has checked its inputs once and keeps its buffers (no tensor conversion,
    no allocation). ``symbols`` complex64 ``[B, m]``, ``noise_var`` float32 ``[B, m]`` (any
    strides), ``out`` C-contiguous float32 ``[B, m Q_m]``, ``sequence`` uint8 ``[m Q_m]`` or
    None (checked by cheap attribute tests: TypeError / ValueError naming the argument). The
    same kernel and values as :func:`symbol_demodulate` with ``method="maxlog"``.

    Returns True, or False at a non-finite symbol or a noise variance that is not finite and
    > 0 (``out`` is then incomplete: run :func:`symbol_demodulate` for its error).

    >>> y = np.array([[1 + 1j, -1 + 1j]], dtype=np.complex64) / np.float32(2 ** 0.5)
    >>> out = np.empty((1, 4), dtype=np.float32)
    >>> symbol_demodulate_into(y, np.full((1, 2), 0.5, np.float32), "QPSK", out)
    True
    >>> out.round(4).tolist()                  # 2 sqrt(2) Re(y) / N0 = 4
    [[4.0, 4.0, -4.0, 4.0]]
    """
    if modulation not in _QM:
        modulation = _check_modulation(modulation)
    levels, k, mode = _kernel_levels(modulation)
    m = symbols.shape[-1] if symbols.ndim == 2 else -1
    n_bits = m * _QM[modulation]
    # cheap attribute checks: the kernel writes without bounds checks
    if not (isinstance(symbols, np.ndarray) and symbols.dtype == np.complex64 and m >= 0):
        raise TypeError(f"symbols must be a complex64 ndarray [B, m], got "
                        f"{getattr(symbols, 'dtype', type(symbols).__name__)} "
                        f"{list(getattr(symbols, 'shape', ()))}")
    if not (isinstance(noise_var, np.ndarray) and noise_var.dtype == np.float32
            and noise_var.shape == symbols.shape):
        raise ValueError(f"noise_var must be float32 of the symbols' shape "
                         f"{list(symbols.shape)}, got {getattr(noise_var, 'dtype', None)} "
                         f"{list(getattr(noise_var, 'shape', ()))}")
    if not (isinstance(out, np.ndarray) and out.dtype == np.float32
            and out.shape == (symbols.shape[0], n_bits) and out.flags.c_contiguous):
        raise ValueError(f"out must be a C-contiguous float32 ndarray [B, m Q_m] = "
                         f"{[symbols.shape[0], n_bits]}, got {getattr(out, 'dtype', None)} "
                         f"{list(getattr(out, 'shape', ()))}")
    if sequence is not None and not (isinstance(sequence, np.ndarray)
                                     and sequence.dtype == np.uint8 and sequence.ndim == 1
                                     and sequence.shape[0] >= n_bits):
        raise ValueError(f"sequence must be a uint8 ndarray of >= m Q_m = {n_bits} entries or "
                         f"None, got {getattr(sequence, 'dtype', type(sequence).__name__)} "
                         f"{list(getattr(sequence, 'shape', ()))}")
    return maxlog_demap(symbols.reshape(-1, 1, m), noise_var.reshape(-1, 1, m), levels, k,
                        mode, _NO_SEQUENCE if sequence is None else sequence,
                        out.reshape(-1, m * _QM[modulation])) == 0


def maxlog_demap_levels(modulation: str) -> tuple[np.ndarray, int, int]:
    """``(levels, k, mode)``: the arguments of
    :func:`~softran.nr.modulation_kernels.maxlog_demap` for a modulation of TS 38.211 §5.1
    (the levels of one axis in label order, float32 as :func:`symbol_demodulate` computes
    them; bits per axis; the kernel's mode), for a caller that runs the demapping kernel
    inside a larger compiled pass. Unknown modulation: ValueError naming it.

    >>> levels, k, mode = maxlog_demap_levels("16QAM")
    >>> (levels * np.sqrt(10)).round(4).tolist(), k, mode       # 1, 3, -1, -3 over sqrt(10)
    ([1.0, 3.0, -1.0, -3.0], 2, 0)
    """
    return _kernel_levels(_check_modulation(modulation))
