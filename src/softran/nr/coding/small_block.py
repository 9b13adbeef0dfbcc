"""Channel coding of small block lengths, TS 38.212 §5.3.3, with its rate matching (§5.4.3)
and a maximum-likelihood decoder.

* A = 1 (§5.3.3.1, Table 5.3.3.1-1): repetition of c_0 with the placeholders 'x' and 'y' of
  TS 38.211 §6.3.1.1 that keep the one bit on the outer points of the constellation;
* A = 2 (§5.3.3.2, Table 5.3.3.2-1): the simplex code (c_0, c_1, c_2 = c_0 + c_1) with
  placeholders;
* 3 <= A <= 11 (§5.3.3.3): the (32, A) Reed-Muller code ``d_i = sum_n c_n M_{i,n} mod 2`` with
  the basis sequences M of Table 5.3.3.3-1 (``data/uci_reed_muller_basis.csv``).

Rate matching (§5.4.3) repeats the N-bit block: ``e_k = d_{k mod N}``. Placeholders are
returned as two bool masks (the bits there are 0 and are ignored by
:func:`~softran.nr.pusch_scramble`, which puts 1 at an 'x' and repeats the previous scrambled
bit at a 'y').

Decoding: the LLRs of the E bits are folded onto the N positions of one block (repetitions
add), then every one of the 2^A codewords is scored by its correlation
``sum_i (1 - 2 d_i) L_i`` -- maximum likelihood for independent bits -- with one matrix
product. The detection metric returned with the decision is the normalised correlation of the
best codeword, ``rho = max_d sum_k (1 - 2 e_k) L_k / sqrt(E' sum_k L_k^2)`` over the E'
rate-matched bits that carry code bits (not 'x'): 1 for noiseless input with LLRs of equal
magnitude, O(1/sqrt(E')) on noise only (a DTX detector compares it with a threshold).
"""

from __future__ import annotations

import functools

import torch

from softran.nr.datafiles import read_csv
from softran.validation import check_bits, check_choice, check_int, check_tensor

__all__ = [
    "SMALL_BLOCK_MAX",
    "reed_muller_basis",
    "small_block_decode",
    "small_block_encode",
    "small_block_placeholders",
]

#: Largest payload A of the small block codes (TS 38.212 §5.3.3.3); longer UCI is polar coded.
SMALL_BLOCK_MAX = 11
#: Modulation orders Q_m of the placeholder tables 5.3.3.1-1 and 5.3.3.2-1.
_QM = (1, 2, 4, 6, 8)
#: Length N of a Reed-Muller codeword.
_RM_N = 32


@functools.cache
def _basis() -> torch.Tensor:
    rows = read_csv("uci_reed_muller_basis.csv")
    m = torch.tensor([[int(r[f"m_{n}"]) for n in range(SMALL_BLOCK_MAX)] for r in rows],
                     dtype=torch.uint8)
    if m.shape != (_RM_N, SMALL_BLOCK_MAX) or [int(r["i"]) for r in rows] != list(range(_RM_N)):
        raise RuntimeError("uci_reed_muller_basis.csv: unexpected layout")
    return m


def reed_muller_basis() -> torch.Tensor:
    """The basis sequences M_{i,n} of TS 38.212 Table 5.3.3.3-1: uint8 ``[32, 11]``.

    >>> m = reed_muller_basis()
    >>> m[0].tolist(), m[:, 0].sum().item()          # row 0; column 0 is all ones
    ([1, 1, 0, 0, 0, 0, 0, 0, 0, 0, 1], 32)
    """
    return _basis().clone()


@functools.cache
def _pattern(a: int, qm: int) -> tuple[tuple[int, ...], tuple[bool, ...], tuple[bool, ...]]:
    """(source bit index per position, 'x' mask, 'y' mask) of Tables 5.3.3.1-1 / 5.3.3.2-1.

    Source index: 0, 1 for c_0, c_1, 2 for c_2 = c_0 + c_1; -1 at placeholders."""
    for r in read_csv("uci_small_block_repetition.csv"):
        if int(r["a"]) == a and int(r["qm"]) == qm:
            tokens = r["sequence"].split()
            break
    else:  # pragma: no cover - the table covers every (a, qm) that is checked for
        raise RuntimeError(f"uci_small_block_repetition.csv has no row a={a}, qm={qm}")
    src = tuple(int(t[1]) if t.startswith("c") else -1 for t in tokens)
    return src, tuple(t == "x" for t in tokens), tuple(t == "y" for t in tokens)


def _check_a_qm(a: object, qm: object) -> tuple[int, int]:
    a = check_int("a", a, 1, SMALL_BLOCK_MAX)
    qm = check_choice("qm", check_int("qm", qm), _QM)
    return a, qm


def _block_length(a: int, qm: int) -> int:
    return _RM_N if a > 2 else len(_pattern(a, qm)[0])


def small_block_placeholders(a: int, e: int, qm: int = 2) -> tuple[torch.Tensor, torch.Tensor]:
    """The 'x' and 'y' placeholder positions of a rate-matched small block code (TS 38.212
    Tables 5.3.3.1-1 / 5.3.3.2-1 repeated by §5.4.3): two bool tensors ``[E]`` (all False for
    A >= 3 or Q_m = 1).

    >>> x, y = small_block_placeholders(1, 8, qm=4)         # c0 y x x c0 y x x
    >>> x.int().tolist(), y.int().tolist()
    ([0, 0, 1, 1, 0, 0, 1, 1], [0, 1, 0, 0, 0, 1, 0, 0])
    """
    a, qm = _check_a_qm(a, qm)
    e = check_int("e", e, 1)
    if a > 2:
        z = torch.zeros(e, dtype=torch.bool)
        return z, z.clone()
    _, x, y = _pattern(a, qm)
    idx = torch.arange(e) % len(x)
    return torch.tensor(x)[idx], torch.tensor(y)[idx]


def small_block_encode(bits: torch.Tensor, e: int, qm: int = 2) -> torch.Tensor:
    """Encode A = 1..11 UCI bits with the small block codes of TS 38.212 §5.3.3 and rate match
    them to E bits (§5.4.3, ``e_k = d_{k mod N}``).

    Parameters
    ----------
    bits : ``[..., A]`` 0/1, c_0..c_{A-1}, 1 <= A <= 11.
    e : E, the rate-matching output length (>= 1).
    qm : modulation order Q_m (1, 2, 4, 6, 8) of the channel: selects the placeholder pattern
        for A <= 2; ignored for A >= 3.

    Returns
    -------
    ``[..., E]`` uint8; 0 at placeholder positions (:func:`small_block_placeholders`).

    >>> small_block_encode(torch.tensor([1, 0, 1], dtype=torch.uint8), 32)[:6].tolist()  # M_i0 + M_i2
    [1, 0, 1, 0, 0, 1]
    >>> small_block_encode(torch.tensor([1, 1], dtype=torch.uint8), 6).tolist()
    [1, 1, 0, 1, 1, 0]
    """
    bits = check_bits("bits", bits)
    a, qm = _check_a_qm(bits.shape[-1], qm)
    e = check_int("e", e, 1)
    dev = bits.device
    if a > 2:
        m = _basis()[:, :a].to(device=dev, dtype=torch.float32)
        d = torch.remainder(bits.to(torch.float32) @ m.T, 2).to(torch.uint8)   # [..., 32]
    else:
        src, _, _ = _pattern(a, qm)
        c = bits if a == 1 else torch.cat([bits, bits[..., :1] ^ bits[..., 1:2]], dim=-1)
        idx = torch.tensor([max(s, 0) for s in src], device=dev)
        d = c[..., idx] * torch.tensor([s >= 0 for s in src], dtype=torch.uint8, device=dev)
    return d[..., torch.arange(e, device=dev) % d.shape[-1]]


@functools.cache
def _codebook(a: int, qm: int) -> tuple[torch.Tensor, torch.Tensor]:
    """(messages uint8 [2^A, A], codeword signs float32 [2^A, N] with 0 where no code bit)."""
    k = torch.arange(1 << a)
    msgs = ((k.unsqueeze(-1) >> torch.arange(a - 1, -1, -1)) & 1).to(torch.uint8)
    if a > 2:
        cw = torch.remainder(msgs.float() @ _basis()[:, :a].float().T, 2)
        return msgs, 1.0 - 2.0 * cw
    src, _, _ = _pattern(a, qm)
    c = msgs if a == 1 else torch.cat([msgs, msgs[:, :1] ^ msgs[:, 1:2]], dim=-1)
    signs = torch.zeros(1 << a, len(src))
    for j, s in enumerate(src):  # a loop over the <= 24 positions of one block
        if s >= 0:
            signs[:, j] = 1.0 - 2.0 * c[:, s].float()
    return msgs, signs


def small_block_decode(llr: torch.Tensor, a: int, qm: int = 2
                       ) -> tuple[torch.Tensor, torch.Tensor]:
    """Maximum-likelihood decoding of the small block codes of TS 38.212 §5.3.3 (module
    docstring): fold the E LLRs onto one block, correlate with all 2^A codewords.

    Parameters
    ----------
    llr : ``[..., E]`` LLRs (positive means 0) of the rate-matched bits, descrambled; LLRs at
        'y' positions are LLRs of the bit they repeat (as :func:`~softran.nr.pusch_descramble`
        returns them) and are added to it; 'x' positions are ignored.
    a : A, 1..11.
    qm : modulation order Q_m of the placeholder pattern (A <= 2).

    Returns
    -------
    ``(bits, metric)``: uint8 ``[..., A]`` and the normalised correlation of the decision,
    float32 ``[...]`` (1 for noiseless input; 0 when every LLR is 0).

    >>> c = torch.tensor([[1, 0, 1, 1, 0]], dtype=torch.uint8)
    >>> llr = 3.0 * (1 - 2 * small_block_encode(c, 40).float())
    >>> bits, metric = small_block_decode(llr, 5)
    >>> bits.tolist(), round(metric.item(), 3)
    ([[1, 0, 1, 1, 0]], 1.0)
    """
    llr = check_tensor("llr", llr, min_dim=1)
    if not llr.is_floating_point():
        raise TypeError(f"llr must be a real floating-point tensor, got dtype {llr.dtype}")
    a, qm = _check_a_qm(a, qm)
    e = llr.shape[-1]
    dev = llr.device
    n = _block_length(a, qm)
    x = llr.to(torch.float32)
    pos = torch.arange(e, device=dev) % n
    if a <= 2:
        _, xm, ym = _pattern(a, qm)
        keep = torch.tensor(xm, device=dev)[pos].logical_not()
        # a 'y' repeats the bit before it: fold its LLR onto that position
        target = torch.where(torch.tensor(ym, device=dev)[pos], pos - 1, pos)
        x = torch.where(keep, x, torch.zeros_like(x))
    else:
        keep = torch.ones(e, dtype=torch.bool, device=dev)
        target = pos
    folded = torch.zeros(*x.shape[:-1], n, dtype=torch.float32, device=dev)
    folded.index_add_(-1, target, x)
    msgs, signs = _codebook(a, qm)
    corr = folded @ signs.to(dev).T                                  # [..., 2^A]
    best = corr.argmax(dim=-1)
    energy = x.square().sum(-1)                                      # over the code bits
    n_used = int(keep.sum())
    metric = corr.gather(-1, best.unsqueeze(-1)).squeeze(-1) / torch.sqrt(
        n_used * energy).clamp_min(torch.finfo(torch.float32).tiny)
    metric = torch.where(energy > 0, metric, torch.zeros_like(metric))
    return msgs.to(dev)[best], metric
