"""Finite-length bounds that a code's block error rate is compared with.

The normal approximation of Polyanskiy, Poor and Verdú ("Channel coding rate in the finite
blocklength regime", IEEE Trans. IT 2010, eq. (296) with the (1/2) log2 n term) for the
binary-input AWGN channel: the best block error rate any code of k information bits and n
coded bits can reach, to within o(log n / n). With Gray-mapped QPSK, each of the two bits of a
symbol sees a BI-AWGN channel whose SNR is the symbol's Es/N0.
"""

from __future__ import annotations

import math
from functools import cache

import numpy as np

from softran.validation import check_int

__all__ = ["biawgn_capacity_dispersion", "normal_approximation_bler", "normal_approximation_snr"]


@cache
def _hermite(n_points: int = 160) -> tuple[np.ndarray, np.ndarray]:
    z, w = np.polynomial.hermite_e.hermegauss(n_points)  # weight exp(-z^2/2)
    return z, w / math.sqrt(2 * math.pi)


def biawgn_capacity_dispersion(snr_db: float) -> tuple[float, float]:
    """Capacity C (bit per channel use) and dispersion V (bit^2) of the BI-AWGN channel
    ``y = x + w``, ``x = +-1``, ``w ~ N(0, 1/snr)``, by Gauss-Hermite quadrature.

    >>> c, v = biawgn_capacity_dispersion(0.0)
    >>> round(c, 4)
    0.4859
    """
    snr = 10 ** (snr_db / 10)
    sigma = 1 / math.sqrt(snr)
    z, w = _hermite()
    llr = 2 * (1 + sigma * z) / sigma**2
    info = 1 - np.logaddexp(0.0, -llr) / math.log(2)
    c = float(np.sum(w * info))
    v = float(np.sum(w * info**2) - c**2)
    return c, max(v, 0.0)


def normal_approximation_bler(k: int, n: int, snr_db: float) -> float:
    """Normal-approximation block error rate of the best (n, k) binary code on BI-AWGN at
    ``snr_db`` per binary channel use (= Es/N0 of QPSK).

    >>> round(normal_approximation_bler(1000, 2000, 1.5), 3) < 0.01
    True
    """
    k = check_int("k", k, 1)
    n = check_int("n", n, k)
    c, v = biawgn_capacity_dispersion(snr_db)
    if v == 0.0:
        return 0.0 if n * c > k else 1.0
    x = (n * c - k + 0.5 * math.log2(n)) / math.sqrt(n * v)
    return 0.5 * math.erfc(x / math.sqrt(2))


def normal_approximation_snr(k: int, n: int, bler: float = 1e-2) -> float:
    """SNR in dB (per binary channel use) at which the normal approximation reaches ``bler``.

    >>> -3 < normal_approximation_snr(1000, 2000, 1e-2) < 2
    True
    """
    if not 0 < bler < 1:
        raise ValueError(f"bler = {bler} is out of range; allowed: 0 < bler < 1")
    lo, hi = -20.0, 30.0
    for _ in range(60):  # bisection; the bound decreases monotonically with SNR
        mid = 0.5 * (lo + hi)
        if normal_approximation_bler(k, n, mid) > bler:
            lo = mid
        else:
            hi = mid
    return 0.5 * (lo + hi)
