"""Sequence generation of TS 38.211: Gold PRBS, low-PAPR sequences, PSS and SSS.

* :func:`prbs` -- the length-31 Gold sequence c(n) of §5.2.1 (MATLAB ``nrPRBS``).
* :func:`low_papr_sequence` -- low-PAPR sequence type 1 r^(alpha,delta)_{u,v}(n) of §5.2.2
  (MATLAB ``nrLowPAPRS``).
* :func:`pss` / :func:`sss` -- the primary and secondary synchronisation sequences of
  §7.4.2.2 / §7.4.2.3 (MATLAB ``nrPSS`` / ``nrSSS``).

How the binary recurrences are evaluated without a loop over bits
-----------------------------------------------------------------
All the binary sequences here are m-sequences (or sums of two) that obey a linear
recurrence over GF(2) of degree ``d``::

    x(n + d) = sum_{t in taps} x(n + t)  mod 2        (e.g. x1: d = 31, taps = {0, 3})

i.e. ``p(E) x = 0`` for the characteristic polynomial ``p(D) = D^d + sum_t D^t`` and the
shift operator ``E``. Over GF(2), ``p(D)^(2^k) = p(D^(2^k))``, so the same sequence also
obeys the recurrence with every lag stretched by ``L = 2^k``::

    x(n + d L) = sum_{t in taps} x(n + t L)  mod 2.

Once the first ``P >= d L`` values are known, this gives the next ``(d - max(taps)) L``
values at once, as a XOR of shifted slices. Choosing the largest ``L`` at each step, the
known prefix grows geometrically: about 30 tensor steps for 10^6 bits, independent of
any batch dimension (:func:`_lfsr_extend`).

For c(n) = x1(n + N_C) + x2(n + N_C) the generator first jumps both registers to n = N_C:
x1 does not depend on c_init (its state at N_C is a constant), and x2 is linear in its
initial state, so its state at N_C is the GF(2) product of the 31 bits of c_init with a
fixed 31 x 31 matrix whose row i is the state at N_C reached from the unit initial state
x2(i) = 1 (:func:`_x2_jump`). Both registers are then extended from their states at N_C.
"""

from __future__ import annotations

import csv
import functools
import math
import numbers

import torch

from softran.nr.config import N_SC_RB
from softran.nr.datafiles import data_path
from softran.validation import check_allocation, check_bits, check_int, check_int_or_tensor

__all__ = ["lfsr_sequence", "low_papr_sequence", "prbs", "prbs_qpsk", "pss", "sss"]

#: N_C of TS 38.211 §5.2.1: the number of initial outputs of the Gold generator skipped.
N_C: int = 1600

#: Degree of the two m-sequences of the Gold sequence (§5.2.1).
_GOLD_DEGREE = 31
#: x1(n + 31) = (x1(n + 3) + x1(n)) mod 2.
_X1_TAPS = (0, 3)
#: x2(n + 31) = (x2(n + 3) + x2(n + 2) + x2(n + 1) + x2(n)) mod 2.
_X2_TAPS = (0, 1, 2, 3)

#: Length of the PSS and SSS (§7.4.2.2, §7.4.2.3).
SYNC_SEQUENCE_LENGTH: int = 127
_SYNC_DEGREE = 7

#: Physical-layer cell identities N_ID^cell = 3 N_ID^(1) + N_ID^(2) (§7.4.2.1).
_MAX_CELL_ID = 1007

#: Number of low-PAPR sequence groups u (§5.2.2).
_N_GROUPS = 30
#: N_RB^max,UL (TS 38.101): largest uplink transmission bandwidth in resource blocks.
_N_RB_MAX_UL = 275
#: Lengths M_ZC of §5.2.2.2 whose base sequences come from Tables 5.2.2.2-1 .. -4.
_TABLE_LENGTHS = (6, 12, 18, 24)

DeviceLike = torch.device | str | None


# --------------------------------------------------------------------------------------------
# Binary linear recurrences
# --------------------------------------------------------------------------------------------


def _lfsr_extend(init: torch.Tensor, total: int, taps: tuple[int, ...]) -> torch.Tensor:
    """Extend ``init [..., d]`` (uint8 0/1) to ``[..., total]`` with
    ``x(n + d) = XOR_{t in taps} x(n + t)``, by the lag-doubling scheme of the module
    docstring (a loop over O(log total) steps, each a few whole-tensor XORs)."""
    d = init.shape[-1]
    out = torch.empty(*init.shape[:-1], max(total, d), dtype=torch.uint8, device=init.device)
    out[..., :d] = init
    reach = d - max(taps)
    p = d
    while p < total:
        lag = 1 << ((p // d).bit_length() - 1)  # largest power of two with d * lag <= p
        count = min(reach * lag, total - p)
        base = p - d * lag  # out[p + j] = XOR_t out[base + j + t * lag], all indices < p
        acc = out[..., base + taps[0] * lag:base + taps[0] * lag + count].clone()
        for t in taps[1:]:
            acc ^= out[..., base + t * lag:base + t * lag + count]
        out[..., p:p + count] = acc
        p += count
    return out[..., :total]


def lfsr_sequence(init: torch.Tensor, n: int, taps: tuple[int, ...]) -> torch.Tensor:
    """The binary linear recurrence ``x(i + d) = XOR_{t in taps} x(i + t)`` started from
    ``init = x(0..d-1)`` (uint8 0/1, any leading dimensions), extended to ``n`` values: the
    Fibonacci LFSR of the characteristic polynomial ``x^d + sum_t x^t`` (e.g. taps (0, 3),
    d = 31: the x1 sequence of TS 38.211 §5.2.1; taps (0, 18), d = 23: PN23 of ITU-T O.150).

    >>> lfsr_sequence(torch.tensor([1, 0, 0], dtype=torch.uint8), 10, (0, 1)).tolist()
    [1, 0, 0, 1, 0, 1, 1, 1, 0, 0]
    """
    init = check_bits("init", init)
    n = check_int("n", n, 0)
    if not taps or any(not 0 <= t < init.shape[-1] for t in taps) or 0 not in taps:
        raise ValueError(f"taps = {taps} must include 0 and lie in 0..{init.shape[-1] - 1}")
    return _lfsr_extend(init, n, tuple(sorted(taps)))


@functools.cache
def _x1_state(device: torch.device) -> torch.Tensor:
    """x1(N_C), ..., x1(N_C + 30) for x1(0) = 1, x1(1..30) = 0 (§5.2.1). [31] uint8."""
    init = torch.zeros(_GOLD_DEGREE, dtype=torch.uint8)
    init[0] = 1
    state = _lfsr_extend(init, N_C + _GOLD_DEGREE, _X1_TAPS)[N_C:]
    return state.to(device)


@functools.cache
def _x2_jump(device: torch.device) -> torch.Tensor:
    """Row i: x2(N_C), ..., x2(N_C + 30) for the initial state x2(i) = 1, x2(j != i) = 0.

    x2 is linear over GF(2) in its initial state, so the state at N_C for
    c_init = sum_i x2(i) 2^i is the XOR of the rows i with x2(i) = 1. [31, 31] int64."""
    eye = torch.eye(_GOLD_DEGREE, dtype=torch.uint8)
    rows = _lfsr_extend(eye, N_C + _GOLD_DEGREE, _X2_TAPS)[:, N_C:]
    return rows.to(device=device, dtype=torch.int64)


# --------------------------------------------------------------------------------------------
# Input checks
# --------------------------------------------------------------------------------------------


# --------------------------------------------------------------------------------------------
# §5.2.1 Pseudo-random sequence
# --------------------------------------------------------------------------------------------


def prbs(c_init: int | torch.Tensor, n: int, *, device: DeviceLike = None) -> torch.Tensor:
    """The pseudo-random sequence c(0), ..., c(n - 1) of TS 38.211 §5.2.1.

    The length-31 Gold sequence::

        c(n)       = (x1(n + N_C) + x2(n + N_C)) mod 2,                       N_C = 1600
        x1(n + 31) = (x1(n + 3) + x1(n)) mod 2,                   x1(0) = 1, x1(1..30) = 0
        x2(n + 31) = (x2(n + 3) + x2(n + 2) + x2(n + 1) + x2(n)) mod 2,
        c_init     = sum_{i=0}^{30} x2(i) 2^i.

    MATLAB namesake: ``nrPRBS(cinit, n)``.

    Parameters
    ----------
    c_init : an int in 0 .. 2^31 - 1, or an integer tensor of such values of any shape
        ``[...]`` (one sequence per entry).
    n : number of output bits, n >= 0.
    device : device of the output; default: the device of ``c_init`` (CPU for an int).

    Returns
    -------
    uint8 tensor ``[..., n]`` of 0/1 (``[n]`` for an int ``c_init``).

    >>> prbs(0, 12).tolist()
    [0, 0, 0, 0, 0, 0, 1, 0, 0, 0, 0, 1]
    >>> prbs(torch.tensor([[1, 2], [3, 4]]), 1000).shape
    torch.Size([2, 2, 1000])
    """
    c = check_int_or_tensor("c_init", c_init, 0, 2 ** 31 - 1, device)
    n = check_int("n", n, 0)
    dev = c.device
    # x1 (one row), x2 and the output (one row per c_init), uint8, plus the XOR scratch
    check_allocation("n", n, (2 * c.numel() + 2) * (n + _GOLD_DEGREE), device=dev)
    if n == 0:
        return torch.empty(*c.shape, 0, dtype=torch.uint8, device=dev)
    bits = (c.unsqueeze(-1) >> torch.arange(_GOLD_DEGREE, device=dev)) & 1  # x2(0..30)
    x2_state = ((bits.unsqueeze(-1) * _x2_jump(dev)).sum(-2) & 1).to(torch.uint8)  # x2(N_C..)
    x1 = _lfsr_extend(_x1_state(dev), n, _X1_TAPS)  # x1(N_C + k), k < n
    x2 = _lfsr_extend(x2_state, n, _X2_TAPS)  # x2(N_C + k)
    return x1 ^ x2



def prbs_qpsk(c_init: int | torch.Tensor, length: int, *,
              device: DeviceLike = None) -> torch.Tensor:
    """r(m) = ((1 - 2 c(2m)) + j (1 - 2 c(2m+1))) / sqrt(2), m = 0..length-1: the QPSK
    reference-signal sequence built from the Gold sequence c of :func:`prbs` (TS 38.211
    §6.4.1.1.1.1, §7.4.1.1.1 and the other DM-RS / PT-RS / CSI-RS clauses that use it).
    ``c_init`` may be a tensor of initialisations: the output is ``[..., length]`` complex64.

    >>> r = prbs_qpsk(7, 4)
    >>> r.abs().round(decimals=6).tolist()    # unit modulus
    [1.0, 1.0, 1.0, 1.0]
    >>> bool((r.real * 2 ** 0.5).round().eq(1 - 2 * prbs(7, 8)[0::2].float()).all())
    True
    """
    length = check_int("length", length, 0)
    batch = c_init.numel() if isinstance(c_init, torch.Tensor) else 1
    # bits (2 per symbol), their float32 copy and scaled copy, the complex64 output
    check_allocation("length", length, batch * length * (2 * 1 + 2 * 4 + 2 * 4 + 8),
                     device=device if device is not None else
                     (c_init.device if isinstance(c_init, torch.Tensor) else None))
    c = prbs(c_init, 2 * length, device=device).to(torch.float32)
    a = (1.0 - 2.0 * c) * (1.0 / math.sqrt(2.0))
    return torch.complex(a[..., 0::2], a[..., 1::2])

# --------------------------------------------------------------------------------------------
# §5.2.2 Low-PAPR sequence generation type 1
# --------------------------------------------------------------------------------------------


@functools.cache
def _phi_table(m_zc: int) -> tuple[tuple[int, ...], ...]:
    """phi(0..m_zc-1) for u = 0..29 from TS 38.211 Tables 5.2.2.2-1 .. -4 (data/ CSV)."""
    path = data_path(f"low_papr_phi_{m_zc}.csv")
    with path.open(newline="") as f:
        rows = list(csv.reader(line for line in f if not line.startswith("#")))
    header, body = rows[0], rows[1:]
    if header != ["u"] + [f"phi_{i}" for i in range(m_zc)] or len(body) != _N_GROUPS:
        raise RuntimeError(f"{path.name}: unexpected layout")
    table = []
    for u, row in enumerate(body):
        values = tuple(int(x) for x in row)
        if values[0] != u or any(p not in (-3, -1, 1, 3) for p in values[1:]):
            raise RuntimeError(f"{path.name}: bad row for u = {u}")
        table.append(values[1:])
    return tuple(table)


@functools.cache
def _largest_prime_below(m: int) -> int:
    """The largest prime N < m (N_ZC of §5.2.2.1)."""
    for cand in range(m - 1, 1, -1):
        if all(cand % k for k in range(2, math.isqrt(cand) + 1)):
            return cand
    raise ValueError(f"no prime below {m}")


def _zc_q(u: int, v: int, n_zc: int) -> int:
    """q = floor(q_bar + 1/2) + v (-1)^floor(2 q_bar), q_bar = N_ZC (u + 1) / 31, exactly."""
    a = n_zc * (u + 1)  # q_bar = a / 31
    return (2 * a + 31) // 62 + v * (-1) ** ((2 * a) // 31)


def _base_phase(u: int, v: int, m_zc: int) -> torch.Tensor:
    """Phase of r_bar_{u,v}(n), n = 0..m_zc-1, in radians (float64, CPU)."""
    n = torch.arange(m_zc, dtype=torch.int64)
    if m_zc in _TABLE_LENGTHS:  # §5.2.2.2: r_bar(n) = exp(j phi(n) pi / 4)
        phi = torch.tensor(_phi_table(m_zc)[u], dtype=torch.float64)
        return phi * (math.pi / 4)
    if m_zc == 30:  # §5.2.2.2: r_bar(n) = exp(-j pi (u + 1)(n + 1)(n + 2) / 31)
        k = ((u + 1) * (n + 1) * (n + 2)) % 62  # exact, the phase has period 2 pi
        return k.to(torch.float64) * (-math.pi / 31)
    # §5.2.2.1: r_bar(n) = x_q(n mod N_ZC), x_q(m) = exp(-j pi q m (m + 1) / N_ZC)
    n_zc = _largest_prime_below(m_zc)
    q = _zc_q(u, v, n_zc)
    m = n % n_zc
    k = (q * m * (m + 1)) % (2 * n_zc)
    return k.to(torch.float64) * (-math.pi / n_zc)


def _check_m_zc(m_zc: object, delta: int, v: int) -> int:
    m_zc = check_int("m_zc", m_zc, 1)
    if (m_zc << delta) % N_SC_RB:
        raise ValueError(f"m_zc = {m_zc} is not allowed with delta = {delta}: "
                         f"M_ZC = m * 12 / 2^delta for an integer m, so m_zc * 2^delta must "
                         f"be a multiple of 12")
    n_rb = m_zc / N_SC_RB  # m / 2^delta
    if not (m_zc in _TABLE_LENGTHS or m_zc == 30
            or (m_zc >= 3 * N_SC_RB and (n_rb <= 5 or 6 <= n_rb <= _N_RB_MAX_UL))):
        raise ValueError(f"m_zc = {m_zc} is not allowed; allowed (TS 38.211 §5.2.2): "
                         f"6, 12, 18, 24, 30, 36..60 and 72..{N_SC_RB * _N_RB_MAX_UL} "
                         f"(m / 2^delta in [1/2, 5] or [6, {_N_RB_MAX_UL}]), with m_zc * 2^delta "
                         f"a multiple of 12")
    if v == 1 and n_rb < 6:
        raise ValueError(f"v = 1 is not allowed for m_zc = {m_zc}: a sequence group has a "
                         f"second base sequence (v = 1) only for M_ZC >= 72 "
                         f"(m / 2^delta >= 6); use v = 0")
    return m_zc


def low_papr_sequence(u: int, v: int, alpha: float | torch.Tensor, m_zc: int, *,
                      delta: int = 0, device: DeviceLike = None) -> torch.Tensor:
    """Low-PAPR sequence type 1 r^(alpha,delta)_{u,v}(n), n = 0..M_ZC-1, of TS 38.211 §5.2.2.

    ``r(n) = exp(j alpha n) r_bar_{u,v}(n)`` with the base sequence r_bar_{u,v} of group
    ``u`` and number ``v``:

    * M_ZC >= 36 (§5.2.2.1): ``x_q(n mod N_ZC)``, ``x_q(m) = exp(-j pi q m (m + 1) / N_ZC)``,
      N_ZC the largest prime below M_ZC, ``q = floor(q_bar + 1/2) + v (-1)^floor(2 q_bar)``,
      ``q_bar = N_ZC (u + 1) / 31``;
    * M_ZC in {6, 12, 18, 24} (§5.2.2.2): ``exp(j phi(n) pi / 4)``, phi(n) from
      Tables 5.2.2.2-1 .. 5.2.2.2-4;
    * M_ZC = 30 (§5.2.2.2): ``exp(-j pi (u + 1)(n + 1)(n + 2) / 31)``.

    MATLAB namesake: ``nrLowPAPRS(u, v, alpha, m)`` (type 1). ``delta`` only decides which
    lengths exist: M_ZC = m N_sc^RB / 2^delta, with m / 2^delta in [1/2, 5] (one base
    sequence, v = 0) or [6, N_RB^max,UL = 275] (two base sequences, v = 0, 1).

    Parameters
    ----------
    u : sequence group number, 0..29.
    v : base sequence number within the group, 0 or 1 (1 only for m_zc >= 72).
    alpha : cyclic shift in radians: a real number, or a real tensor of any shape ``[...]``
        (one sequence per entry).
    m_zc : sequence length M_ZC: 6, 12, 18, 24, 30, 36..60 or 72..3300, with
        ``m_zc * 2^delta`` a multiple of 12.
    delta : delta of §5.2.2, 0..3 (0: PUCCH; 1: PUSCH DM-RS with transform precoding;
        log2(K_TC) for SRS).
    device : device of the output; default: the device of ``alpha`` (CPU for a number).

    Returns
    -------
    complex64 tensor ``[..., m_zc]`` (``[m_zc]`` for a scalar ``alpha``).

    >>> r = low_papr_sequence(9, 0, 0.0, 36)  # MATLAB's nrLowPAPRS(9, 0, 2*pi, 36) example
    >>> [complex(round(z.real, 4), round(z.imag, 4)) for z in r[:3].tolist()]
    [(1+0j), (-0.4404-0.8978j), (0.9795+0.2013j)]
    >>> low_papr_sequence(3, 1, torch.tensor([0.0, 3.14159]), 72).shape
    torch.Size([2, 72])
    """
    u = check_int("u", u, 0, _N_GROUPS - 1)
    v = check_int("v", v, 0, 1)
    delta = check_int("delta", delta, 0, 3)
    m_zc = _check_m_zc(m_zc, delta, v)
    if isinstance(alpha, torch.Tensor):
        if alpha.dtype == torch.bool or alpha.is_complex():
            raise TypeError(f"alpha must be a real tensor, got dtype {alpha.dtype}")
        alpha_t = alpha.to(torch.float64)
        if device is not None:
            alpha_t = alpha_t.to(device)
    elif isinstance(alpha, numbers.Real) and not isinstance(alpha, bool):
        alpha_t = torch.tensor(float(alpha), dtype=torch.float64,
                               device=device if device is not None else "cpu")
    else:
        raise TypeError(f"alpha must be a real number or tensor, got {type(alpha).__name__}")
    if alpha_t.numel() and not bool(torch.isfinite(alpha_t).all()):
        raise ValueError("alpha must be finite")
    dev = alpha_t.device
    # float64 phase and ones, complex128 polar, complex64 output per entry of alpha
    check_allocation("alpha.shape", tuple(alpha_t.shape), alpha_t.numel() * m_zc * (8 + 8 + 16 + 8),
                     device=dev)
    n = torch.arange(m_zc, dtype=torch.float64, device=dev)
    phase = alpha_t.unsqueeze(-1) * n + _base_phase(u, v, m_zc).to(dev)
    return torch.polar(torch.ones_like(phase), phase).to(torch.complex64)


# --------------------------------------------------------------------------------------------
# §7.4.2 Synchronization signals
# --------------------------------------------------------------------------------------------


@functools.cache
def _sync_m_sequences(device: torch.device) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
    """x of the PSS and x0, x1 of the SSS, each [127] int64 0/1 (§7.4.2.2, §7.4.2.3)."""
    # PSS: x(i + 7) = (x(i + 4) + x(i)) mod 2, [x(6) .. x(0)] = [1 1 1 0 1 1 0]
    x_pss = _lfsr_extend(torch.tensor([0, 1, 1, 0, 1, 1, 1], dtype=torch.uint8),
                         SYNC_SEQUENCE_LENGTH, (0, 4))
    # SSS: x0(i + 7) = (x0(i + 4) + x0(i)) mod 2, x1(i + 7) = (x1(i + 1) + x1(i)) mod 2,
    # [x(6) .. x(0)] = [0 0 0 0 0 0 1] for both
    unit = torch.tensor([1, 0, 0, 0, 0, 0, 0], dtype=torch.uint8)
    x0 = _lfsr_extend(unit, SYNC_SEQUENCE_LENGTH, (0, 4))
    x1 = _lfsr_extend(unit, SYNC_SEQUENCE_LENGTH, (0, 1))
    return tuple(x.to(device=device, dtype=torch.int64) for x in (x_pss, x0, x1))


def pss(n_cell_id: int | torch.Tensor, *, device: DeviceLike = None) -> torch.Tensor:
    """Primary synchronisation signal d_PSS(0..126) of TS 38.211 §7.4.2.2.

    ``d_PSS(n) = 1 - 2 x(m)``, ``m = (n + 43 N_ID^(2)) mod 127``, with
    ``x(i + 7) = (x(i + 4) + x(i)) mod 2`` and ``[x(6) .. x(0)] = [1 1 1 0 1 1 0]``;
    ``N_ID^(2) = N_ID^cell mod 3``. MATLAB namesake: ``nrPSS(ncellid)``.

    Parameters
    ----------
    n_cell_id : physical-layer cell identity N_ID^cell, 0..1007: an int, or an integer
        tensor of any shape ``[...]``.
    device : device of the output; default: the device of ``n_cell_id`` (CPU for an int).

    Returns
    -------
    float32 tensor ``[..., 127]`` of BPSK values +-1.

    >>> pss(0)[:8].tolist()
    [1.0, -1.0, -1.0, 1.0, -1.0, -1.0, -1.0, -1.0]
    >>> pss(torch.arange(1008)).shape
    torch.Size([1008, 127])
    """
    cell = check_int_or_tensor("n_cell_id", n_cell_id, 0, _MAX_CELL_ID, device)
    x, _, _ = _sync_m_sequences(cell.device)
    n = torch.arange(SYNC_SEQUENCE_LENGTH, device=cell.device)
    m = (n + 43 * (cell % 3).unsqueeze(-1)) % SYNC_SEQUENCE_LENGTH
    return (1 - 2 * x[m]).to(torch.float32)


def sss(n_cell_id: int | torch.Tensor, *, device: DeviceLike = None) -> torch.Tensor:
    """Secondary synchronisation signal d_SSS(0..126) of TS 38.211 §7.4.2.3.

    ::

        d_SSS(n) = [1 - 2 x0((n + m0) mod 127)] [1 - 2 x1((n + m1) mod 127)]
        m0 = 15 floor(N_ID^(1) / 112) + 5 N_ID^(2),   m1 = N_ID^(1) mod 112
        x0(i + 7) = (x0(i + 4) + x0(i)) mod 2,   x1(i + 7) = (x1(i + 1) + x1(i)) mod 2
        [x0(6) .. x0(0)] = [x1(6) .. x1(0)] = [0 0 0 0 0 0 1]

    with ``N_ID^(1) = N_ID^cell div 3`` and ``N_ID^(2) = N_ID^cell mod 3``.
    MATLAB namesake: ``nrSSS(ncellid)``.

    Parameters
    ----------
    n_cell_id : physical-layer cell identity N_ID^cell, 0..1007: an int, or an integer
        tensor of any shape ``[...]``.
    device : device of the output; default: the device of ``n_cell_id`` (CPU for an int).

    Returns
    -------
    float32 tensor ``[..., 127]`` of BPSK values +-1.

    >>> sss(0)[8:12].tolist()
    [1.0, 1.0, -1.0, 1.0]
    >>> sss(torch.tensor([17, 1007])).shape
    torch.Size([2, 127])
    """
    cell = check_int_or_tensor("n_cell_id", n_cell_id, 0, _MAX_CELL_ID, device)
    _, x0, x1 = _sync_m_sequences(cell.device)
    n_id1 = torch.div(cell, 3, rounding_mode="floor")
    n_id2 = cell % 3
    m0 = (15 * torch.div(n_id1, 112, rounding_mode="floor") + 5 * n_id2).unsqueeze(-1)
    m1 = (n_id1 % 112).unsqueeze(-1)
    n = torch.arange(SYNC_SEQUENCE_LENGTH, device=cell.device)
    d0 = 1 - 2 * x0[(n + m0) % SYNC_SEQUENCE_LENGTH]
    d1 = 1 - 2 * x1[(n + m1) % SYNC_SEQUENCE_LENGTH]
    return (d0 * d1).to(torch.float32)
