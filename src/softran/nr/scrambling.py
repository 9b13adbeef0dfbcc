"""Bit scrambling of the shared channels: TS 38.211 §6.3.1.1 (PUSCH) and §7.3.1.1 (PDSCH).

* :func:`pusch_scramble` / :func:`pusch_descramble` -- ``b~(i) = (b(i) + c(i)) mod 2`` with
  ``c_init = n_RNTI 2^15 + n_ID`` (MATLAB ``nrPUSCHScramble`` / ``nrPUSCHDescramble``),
  including the UCI placeholder rule for the 'x' and 'y' bits of TS 38.212 §5.3.3.
* :func:`pdsch_scramble` / :func:`pdsch_descramble` -- the same with
  ``c_init = n_RNTI 2^15 + q 2^14 + n_ID`` for codeword ``q`` (MATLAB ``nrPDSCH`` internals).

c(i) is the Gold sequence of §5.2.1 (:func:`softran.nr.sequences.prbs`). Descrambling of
soft bits flips the sign of the LLR wherever c(i) = 1: with ``LLR = ln P(b=0)/P(b=1)``, the
LLR of ``b = b~ xor 1`` is minus the LLR of ``b~``.

Identities may be Python ints or integer tensors (one scrambling sequence per entry); a
tensor's shape must broadcast against the leading (batch) dimensions of the bits.
"""

from __future__ import annotations

import torch

from softran.nr.sequences import prbs
from softran.validation import check_bits, check_int, check_llr, check_tensor

__all__ = [
    "pdsch_descramble",
    "pdsch_scramble",
    "pdsch_scrambling_sequence",
    "pusch_descramble",
    "pusch_scramble",
    "pusch_scrambling_sequence",
]

#: n_RNTI is a 16-bit identity (TS 38.321 §7.1).
_MAX_RNTI = 2 ** 16 - 1
#: n_ID in {0, ..., 1023} (dataScramblingIdentityPUSCH / -PDSCH, or N_ID^cell <= 1007).
_MAX_N_ID = 1023

IntOrTensor = int | torch.Tensor


def _id(name: str, value: object, high: int, device: torch.device) -> torch.Tensor:
    """An int or an integer tensor with entries in 0..high, as int64 on ``device``."""
    if isinstance(value, torch.Tensor):
        if value.dtype == torch.bool or value.is_floating_point() or value.is_complex():
            raise TypeError(f"{name} must be an int or an integer tensor, got dtype {value.dtype}")
        out = value.to(torch.int64)
        bad = (out < 0) | (out > high)
        if out.numel() and bool(bad.any()):
            raise ValueError(f"{name} = {int(out[bad].flatten()[0])} is out of range; "
                             f"allowed: 0..{high}")
        # the identities are parameters, not signal data: they follow the bits' device
        return out.to(device)
    return torch.tensor(check_int(name, value, 0, high), dtype=torch.int64, device=device)


#: Gold sequences of one c_init by (c_init, length, device): a slot's sequence is the same in
#: every slot of a PUSCH / PDSCH configuration, so it is generated once (the 16 latest kept;
#: callers only read it). The one cache of scrambling sequences of the shared channels
#: (:func:`pdsch_scrambling_sequence` hands its entries out).
_SEQUENCE_CACHE: dict[tuple[int, int, str], torch.Tensor] = {}


def _sequence(c_init: torch.Tensor, batch: torch.Size, g: int, what: str) -> torch.Tensor:
    """c(0..g-1) for every entry of ``c_init``, checked to broadcast against ``batch``."""
    # broadcasting by hand: torch.broadcast_shapes imports sympy on its first call (~1 s)
    shape: tuple[int, ...] | None = ()
    a, b = tuple(c_init.shape), tuple(batch)
    n = max(len(a), len(b))
    a, b = (1,) * (n - len(a)) + a, (1,) * (n - len(b)) + b
    for x, y in zip(a, b, strict=True):
        if x != y and 1 not in (x, y):
            shape = None
            break
        shape = (*shape, y if x == 1 else x)
    if shape != tuple(batch):
        raise ValueError(f"the scrambling identities (shape {tuple(c_init.shape)}) do not "
                         f"broadcast to the leading dimensions {tuple(batch)} of the {what}")
    if c_init.numel() != 1:
        return prbs(c_init, g)                                   # [*c_init.shape, g]
    key = (int(c_init), g, str(c_init.device))
    seq = _SEQUENCE_CACHE.get(key)
    if seq is None:
        seq = prbs(c_init.reshape(()), g)
        if len(_SEQUENCE_CACHE) >= 16:
            _SEQUENCE_CACHE.pop(next(iter(_SEQUENCE_CACHE)))
        _SEQUENCE_CACHE[key] = seq
    return seq.reshape(*c_init.shape, g)


def _mask(name: str, mask: torch.Tensor | None, like: torch.Tensor) -> torch.Tensor | None:
    if mask is None:
        return None
    mask = check_tensor(name, mask, min_dim=1)
    if mask.dtype != torch.bool:
        raise TypeError(f"{name} must be a bool tensor, got dtype {mask.dtype}")
    if mask.shape != like.shape:
        raise ValueError(f"{name} has shape {tuple(mask.shape)}; it must have the shape "
                         f"{tuple(like.shape)} of the codeword")
    if mask.device != like.device:
        raise ValueError(f"{name} is on {mask.device} but the codeword is on {like.device}")
    return mask


def _source_index(y: torch.Tensor) -> torch.Tensor:
    """For every position i, the last position j <= i that is not a 'y' placeholder (so
    ``j = i`` where ``y[i]`` is False). Raises if a codeword starts with 'y'."""
    pos = torch.arange(y.shape[-1], device=y.device).expand(y.shape)
    src = torch.where(y, torch.full_like(pos, -1), pos).cummax(dim=-1).values
    if y.numel() and bool((src < 0).any()):
        raise ValueError("y_placeholders marks a bit with no preceding non-'y' bit (e.g. the "
                         "first bit); a 'y' repeats the previous scrambled bit (TS 38.211 "
                         "§6.3.1.1)")
    return src


def _c_init(n_id: IntOrTensor, n_rnti: IntOrTensor, q: int | None,
            device: torch.device) -> torch.Tensor:
    c = _id("n_rnti", n_rnti, _MAX_RNTI, device) * 2 ** 15 + _id("n_id", n_id, _MAX_N_ID, device)
    return c if q is None else c + q * 2 ** 14


def pusch_scramble(bits: torch.Tensor, n_id: IntOrTensor, n_rnti: IntOrTensor, *,
                   x_placeholders: torch.Tensor | None = None,
                   y_placeholders: torch.Tensor | None = None) -> torch.Tensor:
    """PUSCH bit scrambling of TS 38.211 §6.3.1.1 (MATLAB ``nrPUSCHScramble``).

    ``b~(i) = (b(i) + c(i)) mod 2`` with the Gold sequence c(i) of §5.2.1 initialised with
    ``c_init = n_RNTI 2^15 + n_ID``, except at the UCI placeholders of TS 38.212 §5.3.3:
    ``b~(i) = 1`` where b(i) is an 'x' and ``b~(i) = b~(i - 1)`` where b(i) is a 'y'.

    Parameters
    ----------
    bits : ``[..., G]`` 0/1 tensor (uint8/bool/integer), the codeword b(0..G-1) of
        TS 38.212 §6.2.7. The values at placeholder positions are ignored.
    n_id : n_ID, 0..1023 (*dataScramblingIdentityPUSCH*, else N_ID^cell): an int or an
        integer tensor broadcastable to ``bits.shape[:-1]``.
    n_rnti : n_RNTI, 0..65535 (the C-RNTI, MCS-C-RNTI, TC-RNTI or CS-RNTI): as ``n_id``.
    x_placeholders, y_placeholders : optional bool tensors of the shape of ``bits`` marking
        the 'x' and 'y' placeholder bits. The msgA form of §6.3.1.1 (n_RAPID) is not
        supported.

    Returns
    -------
    ``[..., G]`` uint8 scrambled bits b~, on the device of ``bits``.

    >>> from softran.nr.sequences import prbs
    >>> b = torch.zeros(8, dtype=torch.uint8)
    >>> bool((pusch_scramble(b, 17, 100) == prbs(100 * 2 ** 15 + 17, 8)).all())
    True
    >>> x = torch.tensor([False, False, True, False])
    >>> y = torch.tensor([False, True, False, True])
    >>> c = prbs(100 * 2 ** 15 + 17, 4)
    >>> pusch_scramble(torch.zeros(4, dtype=torch.uint8), 17, 100, x_placeholders=x,
    ...                y_placeholders=y).tolist() == [int(c[0]), int(c[0]), 1, 1]
    True
    """
    bits = check_bits("bits", bits, min_dim=1)
    c_init = _c_init(n_id, n_rnti, None, bits.device)
    return _scramble(bits, c_init, x_placeholders, y_placeholders)


def _scramble(bits: torch.Tensor, c_init: torch.Tensor, x_placeholders: torch.Tensor | None,
              y_placeholders: torch.Tensor | None) -> torch.Tensor:
    x = _mask("x_placeholders", x_placeholders, bits)
    y = _mask("y_placeholders", y_placeholders, bits)
    out = bits ^ _sequence(c_init, bits.shape[:-1], bits.shape[-1], "bits")
    if x is not None:
        out = torch.where(x, torch.ones_like(out), out)
    if y is not None:
        if x is not None and bool((x & y).any()):
            raise ValueError("x_placeholders and y_placeholders mark the same bit")
        out = out.gather(-1, _source_index(y))
    return out


def pusch_descramble(llr: torch.Tensor, n_id: IntOrTensor, n_rnti: IntOrTensor, *,
                     x_placeholders: torch.Tensor | None = None,
                     y_placeholders: torch.Tensor | None = None) -> torch.Tensor:
    """Inverse of :func:`pusch_scramble` on soft bits (TS 38.211 §6.3.1.1; MATLAB
    ``nrPUSCHDescramble``).

    The LLR sign is flipped wherever c(i) = 1. With placeholders (known to the receiver
    from the UCI multiplexing of TS 38.212 §6.2.7): an 'x' bit was sent as a constant 1 and
    carries no information about the codeword, so its output LLR is 0; a 'y' bit repeats
    the scrambled bit b~(j) of the last non-'y' position j before it, so it is descrambled
    with c(j) and its output is an LLR of b(j) (0 if b(j) is an 'x'); a decoder may add it
    to the LLR at j.

    Parameters
    ----------
    llr : ``[..., G]`` real tensor of soft bits, ``LLR = ln P(b~=0)/P(b~=1)``.
    n_id, n_rnti, x_placeholders, y_placeholders : as :func:`pusch_scramble`.

    Returns
    -------
    ``[..., G]`` LLRs of b(i), the dtype and device of ``llr``.

    >>> from softran.nr.sequences import prbs
    >>> c = prbs(100 * 2 ** 15 + 17, 6)
    >>> out = pusch_descramble(torch.ones(6), 17, 100)
    >>> bool((out == 1 - 2 * c.float()).all())
    True
    """
    llr = _check_llr(llr)
    c_init = _c_init(n_id, n_rnti, None, llr.device)
    return _descramble(llr, c_init, x_placeholders, y_placeholders)


def pusch_scrambling_sequence(n_id: int, n_rnti: int, length: int,
                              device: torch.device | str | None = None) -> torch.Tensor:
    """The PUSCH scrambling sequence c(0..length-1) of TS 38.211 §6.3.1.1 (the Gold
    sequence of §5.2.1 with ``c_init = n_RNTI 2^15 + n_ID``), uint8 ``[length]``, from the
    cache :func:`pusch_scramble` uses: generated once per (c_init, length, device).

    The tensor is shared with later calls and must only be read (``pusch_descramble(llr,
    ...)`` equals ``llr`` with its sign flipped where this sequence is 1, without
    placeholders); for a fused receive path that descrambles while it demaps.

    >>> from softran.nr.sequences import prbs
    >>> c = pusch_scrambling_sequence(17, 100, 8)
    >>> bool((c == prbs(100 * 2 ** 15 + 17, 8)).all())
    True
    """
    length = check_int("length", length, 0)
    dev = torch.device("cpu") if device is None else torch.device(device)
    c_init = check_int("n_rnti", n_rnti, 0, _MAX_RNTI) * 2 ** 15 + check_int("n_id", n_id, 0,
                                                                             _MAX_N_ID)
    seq = _SEQUENCE_CACHE.get((c_init, length, str(dev)))   # once per slot: no tensors made
    if seq is not None:
        return seq
    return _sequence(torch.tensor(c_init, device=dev), torch.Size([]), length, "sequence")


def _check_llr(llr: torch.Tensor) -> torch.Tensor:
    return check_llr("llr", llr)


def _descramble(llr: torch.Tensor, c_init: torch.Tensor, x_placeholders: torch.Tensor | None,
                y_placeholders: torch.Tensor | None) -> torch.Tensor:
    x = _mask("x_placeholders", x_placeholders, llr)
    y = _mask("y_placeholders", y_placeholders, llr)
    c = _sequence(c_init, llr.shape[:-1], llr.shape[-1], "llr")
    if y is not None:
        if x is not None and bool((x & y).any()):
            raise ValueError("x_placeholders and y_placeholders mark the same bit")
        src = _source_index(y)
        c = c.expand(llr.shape).gather(-1, src)                # c(j) of the repeated bit
        if x is not None:
            x = x.gather(-1, src)                              # a 'y' after an 'x' is an 'x'
    out = torch.where(c.bool(), -llr, llr)
    if x is not None:
        out = torch.where(x, torch.zeros_like(out), out)
    return out


def pdsch_scramble(bits: torch.Tensor, n_id: IntOrTensor, n_rnti: IntOrTensor,
                   q: int = 0) -> torch.Tensor:
    """PDSCH bit scrambling of TS 38.211 §7.3.1.1.

    ``b~(q)(i) = (b(q)(i) + c(q)(i)) mod 2`` with c(q) the Gold sequence of §5.2.1 for
    ``c_init = n_RNTI 2^15 + q 2^14 + n_ID``.

    Parameters
    ----------
    bits : ``[..., G]`` 0/1 tensor, codeword q.
    n_id : n_ID, 0..1023 (*dataScramblingIdentityPDSCH*, else N_ID^cell): an int or an
        integer tensor broadcastable to ``bits.shape[:-1]``.
    n_rnti : n_RNTI, 0..65535: as ``n_id``.
    q : codeword index, 0 or 1.

    Returns
    -------
    ``[..., G]`` uint8 scrambled bits, on the device of ``bits``.

    >>> from softran.nr.sequences import prbs
    >>> b = torch.zeros(8, dtype=torch.uint8)
    >>> bool((pdsch_scramble(b, 17, 100, q=1) == prbs(100 * 2 ** 15 + 2 ** 14 + 17, 8)).all())
    True
    """
    bits = check_bits("bits", bits, min_dim=1)
    q = check_int("q", q, 0, 1)
    return _scramble(bits, _c_init(n_id, n_rnti, q, bits.device), None, None)


def pdsch_scrambling_sequence(n_id: int, n_rnti: int, q: int, length: int,
                              device: torch.device | str | None = None) -> torch.Tensor:
    """The PDSCH scrambling sequence c^(q)(0..length-1) of TS 38.211 §7.3.1.1 (the Gold
    sequence of §5.2.1 with ``c_init = n_RNTI 2^15 + q 2^14 + n_ID``), uint8 ``[length]``,
    from the cache :func:`pdsch_scramble` uses: generated once per (c_init, length, device).

    The tensor is shared with later calls and must only be read (``pdsch_scramble(bits, ...)
    == bits ^ pdsch_scrambling_sequence(...)``); for a fused transmit path that scrambles
    while it modulates.

    >>> from softran.nr.sequences import prbs
    >>> c = pdsch_scrambling_sequence(17, 100, 1, 8)
    >>> bool((c == prbs(100 * 2 ** 15 + 2 ** 14 + 17, 8)).all())
    True
    """
    q = check_int("q", q, 0, 1)
    length = check_int("length", length, 0)
    dev = torch.device("cpu") if device is None else torch.device(device)
    c_init = (check_int("n_rnti", n_rnti, 0, _MAX_RNTI) * 2 ** 15 + q * 2 ** 14
              + check_int("n_id", n_id, 0, _MAX_N_ID))
    seq = _SEQUENCE_CACHE.get((c_init, length, str(dev)))   # once per slot: no tensors made
    if seq is not None:
        return seq
    return _sequence(torch.tensor(c_init, device=dev), torch.Size([]), length, "sequence")


def pdsch_descramble(llr: torch.Tensor, n_id: IntOrTensor, n_rnti: IntOrTensor,
                     q: int = 0) -> torch.Tensor:
    """Inverse of :func:`pdsch_scramble` on soft bits (TS 38.211 §7.3.1.1): the LLR sign is
    flipped wherever c(q)(i) = 1.

    Parameters
    ----------
    llr : ``[..., G]`` real tensor, LLRs of the scrambled bits of codeword q.
    n_id, n_rnti, q : as :func:`pdsch_scramble`.

    Returns
    -------
    ``[..., G]`` LLRs of the codeword bits, dtype and device of ``llr``.

    >>> from softran.nr.sequences import prbs
    >>> c = prbs(7 * 2 ** 15 + 3, 5)
    >>> bool((pdsch_descramble(torch.ones(5), 3, 7) == 1 - 2 * c.float()).all())
    True
    """
    llr = _check_llr(llr)
    q = check_int("q", q, 0, 1)
    return _descramble(llr, _c_init(n_id, n_rnti, q, llr.device), None, None)
