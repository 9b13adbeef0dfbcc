"""PRACH preamble sequences, TS 38.211 §6.3.3.1 (MATLAB ``nrPRACH`` internals).

* root Zadoff-Chu sequence ``x_u(i) = exp(-j pi u i (i + 1) / L_RA)``, u from the logical root
  index (Tables 6.3.3.1-3 / -4);
* preamble ``x_{u,v}(n) = x_u((n + C_v) mod L_RA)`` with the cyclic shift C_v:

  - unrestricted set: ``C_v = v N_CS`` for v = 0..floor(L_RA / N_CS) - 1 (C_0 = 0 only, when
    N_CS = 0);
  - restricted set type A: with ``d_u = q`` (q < L_RA / 2) or ``L_RA - q``, q the inverse of u
    modulo L_RA: for ``N_CS <= d_u < L_RA / 3``: ``n_shift = floor(d_u / N_CS)``,
    ``d_start = 2 d_u + n_shift N_CS``, ``n_group = floor(L_RA / d_start)``,
    ``nbar_shift = max(floor((L_RA - 2 d_u - n_group d_start) / N_CS), 0)``; for
    ``L_RA / 3 <= d_u <= (L_RA - N_CS) / 2``: ``n_shift = floor((L_RA - 2 d_u) / N_CS)``,
    ``d_start = L_RA - 2 d_u + n_shift N_CS``, ``n_group = floor(d_u / d_start)``,
    ``nbar_shift = min(max(floor((d_u - n_group d_start) / N_CS), 0), n_shift)``; otherwise no
    cyclic shift; ``C_v = d_start floor(v / n_shift) + (v mod n_shift) N_CS`` for
    ``v < n_shift n_group + nbar_shift``;
  - restricted set type B (same d_u), six ranges of d_u, each giving n_shift, d_start, n_group,
    nbar_shift and, in two of them, extra shift groups (n2 = n-double-bar_shift starting at
    dbar_start, n3 = n-triple-bar_shift starting at d-double-bar_start):

    * ``N_CS <= d_u < L_RA / 5``: ``n_shift = floor(d_u / N_CS)``, ``d_start = 4 d_u + n_shift
      N_CS``, ``n_group = floor(L_RA / d_start)``, ``nbar_shift = max(floor((L_RA - 4 d_u -
      n_group d_start) / N_CS), 0)``;
    * ``L_RA / 5 <= d_u <= (L_RA - N_CS) / 4``: ``n_shift = floor((L_RA - 4 d_u) / N_CS)``,
      ``d_start = L_RA - 4 d_u + n_shift N_CS``, ``n_group = floor(d_u / d_start)``,
      ``nbar_shift = min(max(floor((d_u - n_group d_start) / N_CS), 0), n_shift)``;
    * ``(L_RA + N_CS) / 4 <= d_u < 2 L_RA / 7``: ``n_shift = floor((4 d_u - L_RA) / N_CS)``,
      ``d_start = 4 d_u - L_RA + n_shift N_CS``, ``n_group = floor(d_u / d_start)``,
      ``nbar_shift = max(floor((L_RA - 3 d_u - n_group d_start) / N_CS), 0)``,
      ``dbar_start = L_RA - 3 d_u + n_group d_start + nbar_shift N_CS``,
      ``n2 = floor(min(d_u - n_group d_start, 4 d_u - L_RA - nbar_shift N_CS) / N_CS)``,
      ``d2_start = L_RA - 2 d_u + n_group d_start + n2 N_CS``,
      ``n3 = floor(((1 - min(1, nbar_shift)) (d_u - n_group d_start) + min(1, nbar_shift)
      (4 d_u - L_RA - nbar_shift N_CS)) / N_CS) - n2``;
    * ``2 L_RA / 7 <= d_u <= (L_RA - N_CS) / 3``: ``n_shift = floor((L_RA - 3 d_u) / N_CS)``,
      ``d_start = L_RA - 3 d_u + n_shift N_CS``, ``n_group = floor(d_u / d_start)``,
      ``nbar_shift = max(floor((4 d_u - L_RA - n_group d_start) / N_CS), 0)``,
      ``dbar_start = d_u + n_group d_start + nbar_shift N_CS``,
      ``n2 = floor(min(d_u - n_group d_start, L_RA - 3 d_u - nbar_shift N_CS) / N_CS)``, n3 = 0;
    * ``(L_RA + N_CS) / 3 <= d_u < 2 L_RA / 5``: ``n_shift = floor((3 d_u - L_RA) / N_CS)``,
      ``d_start = 3 d_u - L_RA + n_shift N_CS``, ``n_group = floor(d_u / d_start)``,
      ``nbar_shift = max(floor((L_RA - 2 d_u - n_group d_start) / N_CS), 0)``, n2 = n3 = 0;
    * ``2 L_RA / 5 <= d_u <= (L_RA - N_CS) / 2``: ``n_shift = floor((L_RA - 2 d_u) / N_CS)``,
      ``d_start = 2 (L_RA - 2 d_u) + n_shift N_CS``, ``n_group = floor((L_RA - d_u) / d_start)``,
      ``nbar_shift = max(floor((3 d_u - L_RA - n_group d_start) / N_CS), 0)``, n2 = n3 = 0;
    * otherwise no cyclic shift.

    With ``w = n_shift n_group + nbar_shift``: ``C_v = d_start floor(v / n_shift) + (v mod
    n_shift) N_CS`` for v < w, ``C_v = dbar_start + (v - w) N_CS`` for w <= v < w + n2, and
    ``C_v = d2_start + (v - w - n2) N_CS`` for w + n2 <= v < w + n2 + n3.

* the 64 preambles of a cell are numbered in increasing cyclic shift of one root, then in
  increasing logical root index from *prach-RootSequenceIndex* (§6.3.3.1);
* the frequency-domain sequence ``y_{u,v}(n) = sum_m x_{u,v}(m) exp(-j 2 pi m n / L_RA)``, here
  scaled by ``1 / sqrt(L_RA)`` so that every PRACH subcarrier has unit magnitude (beta_PRACH of
  §6.3.3.2 is a power-control choice).
"""

from __future__ import annotations

import functools
import math

import torch

from softran.nr.prach.config import PRACHConfig
from softran.nr.prach.tables import prach_logical_root
from softran.validation import check_choice, check_int, check_name

__all__ = ["N_PREAMBLES", "prach_cyclic_shifts", "prach_preamble_map", "prach_root_sequence",
           "prach_sequence"]

#: Preambles per cell and PRACH occasion (TS 38.211 §6.3.3.1).
N_PREAMBLES = 64


def prach_root_sequence(u: int, l_ra: int) -> torch.Tensor:
    """``x_u(i) = exp(-j pi u i (i + 1) / L_RA)``, i = 0..L_RA-1 (TS 38.211 §6.3.3.1):
    complex64 ``[L_RA]`` (the phase is reduced exactly before the exponential).

    >>> x = prach_root_sequence(1, 139)
    >>> round(x[1].real.item(), 6), round(x[1].imag.item(), 6)    # exp(-j 2 pi / 139)
    (0.998979, -0.045187)
    """
    l_ra = check_choice("l_ra", check_int("l_ra", l_ra), (839, 139))
    u = check_int("u", u, 1, l_ra - 1)
    i = torch.arange(l_ra, dtype=torch.int64)
    k = (u * i * (i + 1)) % (2 * l_ra)
    phase = k.to(torch.float64) * (-math.pi / l_ra)
    return torch.polar(torch.ones_like(phase), phase).to(torch.complex64)


@functools.cache
def prach_cyclic_shifts(u: int, l_ra: int, n_cs: int, restricted_set: str) -> tuple[int, ...]:
    """The cyclic shifts C_v of root u (module docstring, TS 38.211 §6.3.3.1).

    >>> prach_cyclic_shifts(1, 139, 46, "unrestricted")
    (0, 46, 92)
    >>> prach_cyclic_shifts(56, 839, 15, "A")[:4]     # d_u = 15: d_start = 45, 18 groups
    (0, 45, 90, 135)
    >>> prach_cyclic_shifts(92, 839, 22, "B")         # d_u = 228: 3 + 3 + 1 shifts
    (0, 22, 44, 294, 316, 338, 588)
    """
    l_ra = check_choice("l_ra", check_int("l_ra", l_ra), (839, 139))
    u = check_int("u", u, 1, l_ra - 1)
    n_cs = check_int("n_cs", n_cs, 0, l_ra)
    restricted_set = check_name("restricted_set", restricted_set, ("unrestricted", "A", "B"))
    if restricted_set == "unrestricted":
        if n_cs == 0:
            return (0,)
        return tuple(v * n_cs for v in range(l_ra // n_cs))
    q = pow(u, -1, l_ra)
    d_u = q if q < l_ra / 2 else l_ra - q
    if restricted_set == "B":
        return _type_b_shifts(d_u, l_ra, n_cs)
    if n_cs <= d_u < l_ra / 3:
        n_shift = d_u // n_cs
        d_start = 2 * d_u + n_shift * n_cs
        n_group = l_ra // d_start
        n_bar = max((l_ra - 2 * d_u - n_group * d_start) // n_cs, 0)
    elif l_ra / 3 <= d_u <= (l_ra - n_cs) / 2:
        n_shift = (l_ra - 2 * d_u) // n_cs
        d_start = l_ra - 2 * d_u + n_shift * n_cs
        n_group = d_u // d_start
        n_bar = min(max((d_u - n_group * d_start) // n_cs, 0), n_shift)
    else:
        return ()
    count = n_shift * n_group + n_bar
    return tuple(d_start * (v // n_shift) + (v % n_shift) * n_cs for v in range(count))


def _type_b_shifts(d_u: int, l_ra: int, n_cs: int) -> tuple[int, ...]:
    """C_v of restricted set type B for one d_u (module docstring, TS 38.211 §6.3.3.1)."""
    if n_cs == 0:
        return ()
    n2 = n3 = d2_start = d3_start = 0
    if n_cs <= d_u < l_ra / 5:
        n_shift = d_u // n_cs
        d_start = 4 * d_u + n_shift * n_cs
        n_group = l_ra // d_start
        n_bar = max((l_ra - 4 * d_u - n_group * d_start) // n_cs, 0)
    elif l_ra / 5 <= d_u <= (l_ra - n_cs) / 4:
        n_shift = (l_ra - 4 * d_u) // n_cs
        d_start = l_ra - 4 * d_u + n_shift * n_cs
        n_group = d_u // d_start
        n_bar = min(max((d_u - n_group * d_start) // n_cs, 0), n_shift)
    elif (l_ra + n_cs) / 4 <= d_u < 2 * l_ra / 7:
        n_shift = (4 * d_u - l_ra) // n_cs
        d_start = 4 * d_u - l_ra + n_shift * n_cs
        n_group = d_u // d_start
        n_bar = max((l_ra - 3 * d_u - n_group * d_start) // n_cs, 0)
        d2_start = l_ra - 3 * d_u + n_group * d_start + n_bar * n_cs
        n2 = min(d_u - n_group * d_start, 4 * d_u - l_ra - n_bar * n_cs) // n_cs
        d3_start = l_ra - 2 * d_u + n_group * d_start + n2 * n_cs
        m = min(1, n_bar)
        n3 = ((1 - m) * (d_u - n_group * d_start)
              + m * (4 * d_u - l_ra - n_bar * n_cs)) // n_cs - n2
    elif 2 * l_ra / 7 <= d_u <= (l_ra - n_cs) / 3:
        n_shift = (l_ra - 3 * d_u) // n_cs
        d_start = l_ra - 3 * d_u + n_shift * n_cs
        n_group = d_u // d_start
        n_bar = max((4 * d_u - l_ra - n_group * d_start) // n_cs, 0)
        d2_start = d_u + n_group * d_start + n_bar * n_cs
        n2 = min(d_u - n_group * d_start, l_ra - 3 * d_u - n_bar * n_cs) // n_cs
    elif (l_ra + n_cs) / 3 <= d_u < 2 * l_ra / 5:
        n_shift = (3 * d_u - l_ra) // n_cs
        d_start = 3 * d_u - l_ra + n_shift * n_cs
        n_group = d_u // d_start
        n_bar = max((l_ra - 2 * d_u - n_group * d_start) // n_cs, 0)
    elif 2 * l_ra / 5 <= d_u <= (l_ra - n_cs) / 2:
        n_shift = (l_ra - 2 * d_u) // n_cs
        d_start = 2 * (l_ra - 2 * d_u) + n_shift * n_cs
        n_group = (l_ra - d_u) // d_start
        n_bar = max((3 * d_u - l_ra - n_group * d_start) // n_cs, 0)
    else:
        return ()
    w = n_shift * n_group + n_bar
    first = [d_start * (v // n_shift) + (v % n_shift) * n_cs for v in range(w)]
    second = [d2_start + k * n_cs for k in range(max(n2, 0))]
    third = [d3_start + k * n_cs for k in range(max(n3, 0))]
    return tuple(first + second + third)


def prach_preamble_map(config: PRACHConfig) -> tuple[tuple[int, int], ...]:
    """(u, C_v) of the 64 preambles 0..63 of the cell (module docstring).

    >>> m = prach_preamble_map(PRACHConfig(configuration_index=158, spectrum="unpaired",
    ...                                    subcarrier_spacing=30, zero_correlation_zone=14))
    >>> m[:4], len({u for u, _ in m})
    (((1, 0), (1, 46), (1, 92), (138, 0)), 22)
    """
    if not isinstance(config, PRACHConfig):
        raise TypeError(f"config must be a PRACHConfig, got {type(config).__name__}")
    return _preamble_map(config.sequence_index, config.l_ra, config.n_cs, config.restricted_set)


@functools.cache
def _preamble_map(sequence_index: int, l_ra: int, n_cs: int, restricted_set: str
                  ) -> tuple[tuple[int, int], ...]:
    out: list[tuple[int, int]] = []
    i = sequence_index
    tried = 0
    while len(out) < N_PREAMBLES:
        if tried >= l_ra - 1:
            raise ValueError(f"the {l_ra - 1} root sequences give only {len(out)} preambles with "
                             f"N_CS = {n_cs} and restricted_set = {restricted_set!r}; 64 needed")
        u = prach_logical_root(i, l_ra)
        out.extend((u, c) for c in prach_cyclic_shifts(u, l_ra, n_cs, restricted_set))
        i += 1
        tried += 1
    return tuple(out[:N_PREAMBLES])


def prach_sequence(config: PRACHConfig, preamble_index: int | None = None) -> torch.Tensor:
    """The frequency-domain preamble y_{u,v}(n), n = 0..L_RA-1, of ``preamble_index`` (default
    ``config.preamble_index``), scaled to unit magnitude (module docstring): complex64
    ``[L_RA]``.

    >>> y = prach_sequence(PRACHConfig(configuration_index=158, spectrum="unpaired",
    ...                                subcarrier_spacing=30, zero_correlation_zone=14))
    >>> y.shape, bool(torch.allclose(y.abs(), torch.ones(139), atol=1e-4))
    (torch.Size([139]), True)
    """
    if not isinstance(config, PRACHConfig):
        raise TypeError(f"config must be a PRACHConfig, got {type(config).__name__}")
    p = config.preamble_index if preamble_index is None else check_int(
        "preamble_index", preamble_index, 0, N_PREAMBLES - 1)
    u, c_v = prach_preamble_map(config)[p]
    x = torch.roll(prach_root_sequence(u, config.l_ra), -c_v)          # x_u((n + C_v) mod L)
    return (torch.fft.fft(x.to(torch.complex128)) / math.sqrt(config.l_ra)).to(torch.complex64)
