"""SRS sequence and resource mapping, TS 38.211 §6.4.1.4.2 - §6.4.1.4.3 (MATLAB ``nrSRS`` /
``nrSRSIndices``), port grid ``[n_ports, n_symbols, K]`` as :mod:`softran.nr.pusch.dmrs`.

* Sequence: ``r^(p_i)(n, l') = r^(alpha_i, delta)_{u,v}(n)``, n < M_sc,b^SRS = m_SRS,b 12 / K_TC,
  delta = log2 K_TC, ``alpha_i = 2 pi n_cs,i / n_cs,max``,
  ``n_cs,i = (n_SRS^cs + n_cs,max (p_i - 1000) / N_ap) mod n_cs,max``; ``u = (f_gh + n_ID^SRS)
  mod 30``: group hopping ``f_gh = sum_{m<8} c(8 (n_s N_symb^slot + l_0 + l') + m) 2^m mod 30``,
  sequence hopping ``v = c(n_s N_symb^slot + l_0 + l')`` when M_sc,b >= 72 (c_init =
  n_ID^SRS), else f_gh = v = 0.
* Mapping: ``a(K_TC k' + k_0^(p_i), l' + l_0) = r^(p_i)(k', l')`` with
  ``k_0^(p_i) = n_shift N_sc^RB + k_TC^(p_i) + sum_{b=0}^{B_SRS} K_TC M_sc,b^SRS n_b``,
  k counted from subcarrier 0 of common resource block 0; ``k_TC^(p_i) = (kbar_TC + K_TC / 2)
  mod K_TC`` for ports 1001 and 1003 of a 4-port SRS with n_SRS^cs >= n_cs,max / 2, else
  kbar_TC.
* Frequency positions: ``n_b = floor(4 n_RRC / m_SRS,b) mod N_b`` for b <= b_hop (and every b
  without hopping, b_hop >= B_SRS); otherwise ``n_b = (F_b(n_SRS) + floor(4 n_RRC / m_SRS,b))
  mod N_b`` with ``F_b = (N_b / 2) floor((n_SRS mod P_b) / P_{b-1}) + floor((n_SRS mod P_b) /
  (2 P_{b-1}))`` for even N_b and ``floor(N_b / 2) floor(n_SRS / P_{b-1})`` for odd N_b,
  ``P_b = prod_{b'=b_hop}^{b} N_b'`` with N_{b_hop} = 1; ``n_SRS = floor(l' / R)``
  (aperiodic) or ``((N_slot^frame n_f + n_s - T_offset) / T_SRS) (N_symb^SRS / R) +
  floor(l' / R)`` (periodic, semi-persistent).
"""

from __future__ import annotations

import math

import torch

from softran.nr.config import N_SC_RB, CarrierConfig
from softran.nr.sequences import low_papr_sequence, prbs
from softran.nr.srs.config import SRSConfig, check_srs_config, srs_bandwidth_configuration

__all__ = ["srs", "srs_frequency_positions", "srs_indices", "srs_port_shifts",
           "srs_sequence_numbers"]


def srs_frequency_positions(carrier: CarrierConfig, config: SRSConfig, l_prime: int
                            ) -> tuple[int, ...]:
    """(n_0, .., n_B_SRS) of symbol l' (module docstring; TS 38.211 §6.4.1.4.3).

    >>> s = SRSConfig(c_srs=25, b_srs=2, b_hop=0, n_symbols=4, start_symbol=10,
    ...               resource_type="aperiodic")
    >>> [srs_frequency_positions(CarrierConfig(), s, l) for l in range(4)]  # N = 1, 2, 13
    [(0, 0, 0), (0, 1, 0), (0, 0, 6), (0, 1, 6)]
    """
    rows = srs_bandwidth_configuration(config.c_srs)
    r = config.repetition
    if config.resource_type == "aperiodic":
        n_srs = l_prime // r
    else:
        n = carrier.slots_per_frame * (carrier.n_frame % 1024) + carrier.slot_in_frame
        n_srs = ((n - config.offset) // config.periodicity) * (config.n_symbols // r) \
            + l_prime // r
    out = []
    prod_prev = 1                                   # P_{b-1} over b' = b_hop..b-1
    for b in range(config.b_srs + 1):
        m_b, n_b_tab = rows[b]
        base = (4 * config.frequency_position) // m_b
        if not config.hopping or b <= config.b_hop:
            out.append(base % n_b_tab)
            if b == config.b_hop:
                prod_prev = 1                       # N_{b_hop} = 1
            continue
        n_b = n_b_tab
        prod = prod_prev * n_b
        if n_b % 2 == 0:
            f_b = (n_b // 2) * ((n_srs % prod) // prod_prev) + (n_srs % prod) // (2 * prod_prev)
        else:
            f_b = (n_b // 2) * (n_srs // prod_prev)
        out.append((f_b + base) % n_b)
        prod_prev = prod
    return tuple(out)


def srs_port_shifts(config: SRSConfig) -> tuple[tuple[int, int], ...]:
    """Per port p_i: (n_SRS^cs,i, k_TC^(p_i)) of TS 38.211 §6.4.1.4.2 / §6.4.1.4.3.

    >>> srs_port_shifts(SRSConfig(n_ports=4, comb=2, cyclic_shift=5))
    ((5, 0), (7, 1), (1, 0), (3, 1))
    """
    m = config.n_cs_max
    out = []
    for i in range(config.n_ports):
        n_cs = (config.cyclic_shift + m * i // config.n_ports) % m
        k_tc = config.comb_offset
        if config.n_ports == 4 and config.cyclic_shift >= m // 2 and i in (1, 3):
            k_tc = (config.comb_offset + config.comb // 2) % config.comb
        out.append((n_cs, k_tc))
    return tuple(out)


def srs_sequence_numbers(carrier: CarrierConfig, config: SRSConfig) -> tuple[tuple[int, int], ...]:
    """(u, v) of each SRS symbol l' (group / sequence hopping of §6.4.1.4.2).

    >>> srs_sequence_numbers(CarrierConfig(), SRSConfig(sequence_id=77, n_symbols=2, start_symbol=12))
    ((17, 0), (17, 0))
    """
    n_symb = carrier.symbols_per_slot
    base = carrier.slot_in_frame * n_symb + config.start_symbol
    out = []
    for lp in range(config.n_symbols):
        f_gh, v = 0, 0
        if config.group_hopping == "group":
            c = prbs(config.sequence_id, 8 * (base + lp) + 8)[-8:].to(torch.int64)
            f_gh = int((c * (2 ** torch.arange(8))).sum()) % 30
        elif config.group_hopping == "sequence" and config.n_sc >= 6 * N_SC_RB:
            v = int(prbs(config.sequence_id, base + lp + 1)[-1])
        out.append(((f_gh + config.sequence_id) % 30, v))
    return tuple(out)


def _first_subcarrier(carrier: CarrierConfig, config: SRSConfig, l_prime: int, k_tc: int) -> int:
    rows = srs_bandwidth_configuration(config.c_srs)
    nb = srs_frequency_positions(carrier, config, l_prime)
    k0 = config.frequency_shift * N_SC_RB + k_tc + sum(
        config.comb * (rows[b][0] * N_SC_RB // config.comb) * nb[b]
        for b in range(config.b_srs + 1))
    return k0 - N_SC_RB * carrier.n_start_grid


def srs_indices(carrier: CarrierConfig, config: SRSConfig, *,
                device: torch.device | str | None = None) -> torch.Tensor:
    """Linear indices of the SRS REs of each port, int64 ``[n_ports, n_symbols * M_sc]`` into
    the port grid ``[n_ports, n_symbols_slot, K]`` (module docstring; MATLAB
    ``nrSRSIndices``).

    >>> ind = srs_indices(CarrierConfig(n_size_grid=52), SRSConfig(c_srs=14, comb=4))
    >>> ind.shape, (ind[0, :3] % 624).tolist()
    (torch.Size([1, 156]), [0, 4, 8])
    """
    carrier, config = check_srs_config(carrier, config)
    k_grid = carrier.n_subcarriers
    per_port = carrier.symbols_per_slot * k_grid
    rows = []
    for p, (_, k_tc) in enumerate(srs_port_shifts(config)):
        parts = []
        for lp in range(config.n_symbols):
            k0 = _first_subcarrier(carrier, config, lp, k_tc)
            k = k0 + config.comb * torch.arange(config.n_sc)
            if k0 < 0 or int(k[-1]) >= k_grid:
                raise ValueError(f"the SRS of symbol {lp} occupies subcarriers {k0}..{int(k[-1])} "
                                 f"of the grid, outside 0..{k_grid - 1} (n_size_grid = "
                                 f"{carrier.n_size_grid}, n_start_grid = {carrier.n_start_grid})")
            parts.append(p * per_port + (config.start_symbol + lp) * k_grid + k)
        rows.append(torch.cat(parts))
    return torch.stack(rows).to(device)


def srs(carrier: CarrierConfig, config: SRSConfig, *,
        device: torch.device | str | None = None) -> torch.Tensor:
    """The SRS values of each port in the order of :func:`srs_indices`, complex64
    ``[n_ports, n_symbols * M_sc]`` (module docstring; MATLAB ``nrSRS``).

    >>> x = srs(CarrierConfig(n_size_grid=52), SRSConfig(n_ports=2, c_srs=14))
    >>> x.shape, bool(torch.allclose(x.abs(), torch.ones(1)))
    (torch.Size([2, 312]), True)
    """
    carrier, config = check_srs_config(carrier, config)
    delta = config.comb.bit_length() - 1
    uv = srs_sequence_numbers(carrier, config)
    rows = []
    for n_cs, _ in srs_port_shifts(config):
        alpha = 2 * math.pi * n_cs / config.n_cs_max
        rows.append(torch.cat([low_papr_sequence(u, v, alpha, config.n_sc, delta=delta)
                               for u, v in uv]))
    return torch.stack(rows).to(device)
