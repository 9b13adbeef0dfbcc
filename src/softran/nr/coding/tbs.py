"""Transport block size determination, TS 38.214 §5.1.3.2 (PDSCH) and §6.1.4.2 (PUSCH).

All arithmetic is exact (integers and :class:`fractions.Fraction`): N_info, the base-2
logarithms, the floor / round / ceil of the clause are evaluated without floating point, so
boundary cases (N_info exactly 3824, ties in the rounding) follow the clause to the bit.
"""

from __future__ import annotations

import bisect
import numbers
from fractions import Fraction
from typing import Any

from softran.nr.tables import modulation_order, tbs_table
from softran.validation import check_choice, check_int

__all__ = ["MAX_CODE_RATE", "code_rate_fraction", "tbs", "tbs_from_n_info"]

#: Largest target code rate accepted. The MCS tables of TS 38.214 stop at 948/1024 and a UE
#: is not required to decode an effective code rate above 0.95 (TS 38.214 §5.1.3.1).
MAX_CODE_RATE = Fraction(95, 100)


def code_rate_fraction(name: str, value: Any) -> Fraction:
    """``value`` as an exact :class:`~fractions.Fraction` with 0 < R <= 0.95.

    A ``float`` is read as the decimal it prints as (``0.1`` is 1/10, ``948/1024`` is exact),
    so that rates written as decimals behave as written; ``Fraction`` is taken as given.

    >>> code_rate_fraction("r", 0.1), code_rate_fraction("r", 948 / 1024)
    (Fraction(1, 10), Fraction(237, 256))
    """
    if isinstance(value, bool) or not isinstance(value, numbers.Real):
        raise TypeError(f"{name} must be a number, got {type(value).__name__}")
    if isinstance(value, Fraction):
        rate = value
    elif isinstance(value, numbers.Integral):
        rate = Fraction(int(value))
    else:
        as_float = float(value)
        if as_float != as_float or as_float in (float("inf"), float("-inf")):
            raise ValueError(f"{name} = {as_float} is not allowed; allowed: 0 < {name} <= 0.95")
        rate = Fraction(repr(as_float))
    if not 0 < rate <= MAX_CODE_RATE:
        raise ValueError(f"{name} = {float(rate)} is out of range; allowed: 0 < {name} <= 0.95 "
                         "(target code rate R, e.g. 948/1024)")
    return rate


def _floor_log2(x: Fraction) -> int:
    """floor(log2(x)) for a rational x > 0, exactly."""
    if x >= 1:
        return (x.numerator // x.denominator).bit_length() - 1
    y = 1 / x  # y > 1: floor(log2 x) = -ceil(log2 y)
    ceil_y = -((-y.numerator) // y.denominator)
    return -((ceil_y - 1).bit_length())


def _ceil_div(a: int, b: int) -> int:
    return -((-a) // b)


def tbs_from_n_info(n_info: Fraction, target_code_rate: Fraction) -> int:
    """Steps 3 and 4 of TS 38.214 §5.1.3.2: quantise N_info and pick the TBS.

    >>> half = Fraction(1, 2)
    >>> tbs_from_n_info(Fraction(3824), half), tbs_from_n_info(Fraction(3825), half)
    (3824, 3840)
    """
    if n_info <= 3824:
        # Step 3: n = max(3, floor(log2 N_info) - 6), N'_info = max(24, 2^n floor(N_info / 2^n))
        n = max(3, _floor_log2(n_info) - 6)
        n_info_prime = max(24, (1 << n) * (n_info.numerator // (n_info.denominator << n)))
        table = tbs_table()
        return table[bisect.bisect_left(table, n_info_prime)]
    # Step 4: n = floor(log2(N_info - 24)) - 5,
    # N'_info = max(3840, 2^n round((N_info - 24) / 2^n)), ties towards the larger integer
    n = _floor_log2(n_info - 24) - 5
    scaled = (n_info - 24) / (1 << n) + Fraction(1, 2)
    n_info_prime = max(3840, (1 << n) * (scaled.numerator // scaled.denominator))
    if target_code_rate <= Fraction(1, 4):
        c = _ceil_div(n_info_prime + 24, 3816)
        return 8 * c * _ceil_div(n_info_prime + 24, 8 * c) - 24
    if n_info_prime > 8424:
        c = _ceil_div(n_info_prime + 24, 8424)
        return 8 * c * _ceil_div(n_info_prime + 24, 8 * c) - 24
    return 8 * _ceil_div(n_info_prime + 24, 8) - 24


def tbs(modulation: str, n_layers: int, n_prb: int, n_re_per_prb: int, target_code_rate: Any, *,
        x_overhead: int = 0, tb_scaling: float = 1.0) -> int:
    """Transport block size in bits, TS 38.214 §5.1.3.2 (PDSCH) and §6.1.4.2 (PUSCH).

    MATLAB namesake ``nrTBS`` (one codeword). The PUSCH procedure of §6.1.4.2 is the same
    (with S = 1, and Q_m = 1 for pi/2-BPSK when tp-pi2BPSK is configured: pass
    ``"pi/2-BPSK"`` and the q = 1 rate of the table, the N_info formula is unchanged).

    Steps of the clause:

    1. N_RE = min(156, N'_RE - N_oh^PRB) * n_PRB, with N'_RE = 12 N_symb^sh - N_DMRS^PRB.
    2. N_info = N_RE * R * Q_m * v * S.
    3. N_info <= 3824: n = max(3, floor(log2 N_info) - 6), N'_info = max(24, 2^n floor(N_info/2^n)),
       TBS = the smallest value of Table 5.1.3.2-1 not below N'_info.
    4. N_info > 3824: n = floor(log2(N_info - 24)) - 5,
       N'_info = max(3840, 2^n round((N_info - 24) / 2^n)) (ties rounded up);
       R <= 1/4: C = ceil((N'_info+24)/3816); else if N'_info > 8424: C = ceil((N'_info+24)/8424);
       else C = 1; TBS = 8 C ceil((N'_info+24)/(8C)) - 24.

    Parameters
    ----------
    modulation : ``"pi/2-BPSK"``, ``"QPSK"``, ``"16QAM"``, ``"64QAM"``, ``"256QAM"`` or
        ``"1024QAM"``.
    n_layers : v, layers of this codeword, 1..4 (split 5..8 layers into two codewords first).
    n_prb : n_PRB, allocated PRBs, 1..275.
    n_re_per_prb : N'_RE = 12 N_symb^sh - N_DMRS^PRB, data REs per PRB in the allocation
        before the overhead, 1..168.
    target_code_rate : R, 0 < R <= 0.95 (e.g. ``948/1024``; a float is read as the decimal it
        prints as, a :class:`~fractions.Fraction` is exact).
    x_overhead : N_oh^PRB from *xOverhead*: 0, 6, 12 or 18.
    tb_scaling : S of Table 5.1.3.2-2: 1, 0.5 or 0.25.

    Returns
    -------
    int, the TBS (a multiple of 8).

    >>> tbs("QPSK", 1, 1, 12 * 12, 120 / 1024)   # N_info = 144 * 120/1024 * 2 = 33.75
    32
    >>> tbs("256QAM", 4, 273, 12 * 14 - 12, 948 / 1024)
    1277992
    """
    qm = modulation_order(modulation)
    v = check_int("n_layers", n_layers, 1, 4)
    n_prb = check_int("n_prb", n_prb, 1, 275)
    n_re_prime = check_int("n_re_per_prb", n_re_per_prb, 1, 168)
    x_overhead = check_choice("x_overhead", check_int("x_overhead", x_overhead), (0, 6, 12, 18))
    if isinstance(tb_scaling, bool) or not isinstance(tb_scaling, numbers.Real):
        raise TypeError(f"tb_scaling must be a number, got {type(tb_scaling).__name__}")
    if float(tb_scaling) not in (1.0, 0.5, 0.25):
        raise ValueError(f"tb_scaling = {tb_scaling} is not allowed; allowed: 1, 0.5, 0.25 "
                         "(TS 38.214 Table 5.1.3.2-2)")
    s = Fraction(float(tb_scaling))
    rate = code_rate_fraction("target_code_rate", target_code_rate)
    if n_re_prime - x_overhead < 1:
        raise ValueError(f"n_re_per_prb - x_overhead = {n_re_prime} - {x_overhead} leaves no "
                         "resource elements; it must be >= 1")
    n_re = min(156, n_re_prime - x_overhead) * n_prb
    n_info = n_re * rate * qm * v * s
    return tbs_from_n_info(n_info, rate)
