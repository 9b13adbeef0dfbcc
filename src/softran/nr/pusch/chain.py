"""PUSCH modulation chain at function level (TS 38.211 §6.3.1.1 - §6.3.1.4), MATLAB
``nrPUSCH`` / ``nrPUSCHDecode``.

The transmit chain is scrambling (§6.3.1.1) -> modulation (§6.3.1.2) -> layer mapping
(§6.3.1.3) -> transform precoding (§6.3.1.4, when enabled). Precoding (§6.3.1.5) is *not*
applied here: every PUSCH function of :mod:`softran.nr` works in the layer domain (the
pattern of :func:`~softran.nr.pusch.indices` is that of each layer) and the caller, e.g.
:class:`~softran.nr.PUSCHTransmitter`, precodes the whole layer grid (data and DM-RS)
with :func:`~softran.nr.precode`. MATLAB's ``nrPUSCH`` precodes codebook transmissions
itself; there, pass ``precode=True`` here to get the same port-domain output.
"""

from __future__ import annotations

import torch

from softran.nr.config import CarrierConfig
from softran.nr.layers import (
    layer_demap,
    layer_map,
    precode,
    pusch_codebook,
    transform_deprecode,
    transform_precode,
)
from softran.nr.modulation import symbol_demodulate, symbol_modulate
from softran.nr.pusch.config import PUSCHConfig, check_pusch_config
from softran.nr.scrambling import pusch_descramble, pusch_scramble, pusch_scrambling_sequence
from softran.validation import check_bits, check_finite, check_tensor

__all__ = ["pusch", "pusch_decode", "pusch_precoding_matrix"]


def _n_id(carrier: CarrierConfig, config: PUSCHConfig) -> int:
    return carrier.n_cell_id if config.n_id is None else config.n_id


def pusch_precoding_matrix(config: PUSCHConfig, *, device: torch.device | str | None = None
                           ) -> torch.Tensor | None:
    """The precoding matrix ``W`` ``[n_antenna_ports, n_layers]`` of a codebook-based PUSCH
    (TS 38.211 §6.3.1.5, Tables 6.3.1.5-1..7 by ``tpmi``), or ``None`` (identity) for
    non-codebook transmission or one antenna port.

    >>> p = PUSCHConfig(transmission_scheme="codebook", n_antenna_ports=2, tpmi=2)
    >>> pusch_precoding_matrix(p).flatten().tolist()
    [(0.7071067690849304+0j), (0.7071067690849304+0j)]
    """
    if config.transmission_scheme != "codebook" or config.n_antenna_ports == 1:
        return None
    return pusch_codebook(config.n_layers, config.n_antenna_ports, config.tpmi,
                          config.transform_precoding, device=device)


def pusch(cw: torch.Tensor, carrier: CarrierConfig, config: PUSCHConfig, *,
          precode_output: bool = False, x_placeholders: torch.Tensor | None = None,
          y_placeholders: torch.Tensor | None = None) -> torch.Tensor:
    """PUSCH symbols of a coded UL-SCH codeword (TS 38.211 §6.3.1.1 - §6.3.1.4).

    Args:
        cw: coded bits ``[..., G]`` uint8 with ``G = config.num_coded_bits`` (MATLAB
            ``nrPUSCH(carrier, pusch, cw)``).
        carrier: the carrier (its cell identity is n_ID when ``config.n_id`` is None).
        config: the PUSCH.
        precode_output: apply the codebook precoder (§6.3.1.5) as MATLAB does.
        x_placeholders, y_placeholders: the 'x' / 'y' bits of a multiplexed 1-2 bit HARQ-ACK
            (bool ``[G]`` or of the shape of ``cw``; TS 38.211 §6.3.1.1, from
            :func:`~softran.nr.pusch.uci.ulsch_multiplex_layout`).

    Returns:
        complex64 ``[..., n_layers, n_re]`` in the order of
        :func:`~softran.nr.pusch.indices` (``[..., n_antenna_ports, n_re]`` when
        precoded). With transform precoding each OFDM symbol's ``12 n_prb`` values are
        the DFT of its modulation symbols.

    >>> c = CarrierConfig(n_size_grid=25)
    >>> p = PUSCHConfig(prb_set=range(25), mcs_index=2)
    >>> cw = torch.randint(0, 2, (3, p.num_coded_bits), dtype=torch.uint8)
    >>> tuple(pusch(cw, c, p).shape)
    (3, 1, 3900)
    """
    carrier, config = check_pusch_config(carrier, config)
    cw = check_bits("cw", cw)
    g = config.num_coded_bits
    if cw.shape[-1] != g:
        raise ValueError(f"cw has {cw.shape[-1]} bits in its last dimension; this PUSCH "
                         f"carries G = {g} (n_re {config.n_re} x {config.n_layers} layers x "
                         f"Q_m {config.qm})")
    scrambled = pusch_scramble(cw, _n_id(carrier, config), config.rnti,
                               **_placeholders(cw, x_placeholders, y_placeholders))
    symbols = symbol_modulate(scrambled, config.modulation)
    layers = layer_map(symbols, config.n_layers)
    if config.transform_precoding:
        layers = transform_precode(layers, 12 * config.n_prb)
    if precode_output:
        w = pusch_precoding_matrix(config, device=layers.device)
        if w is not None:
            layers = precode(layers, w)
    return layers


def _placeholders(like: torch.Tensor, x: torch.Tensor | None, y: torch.Tensor | None
                  ) -> dict[str, torch.Tensor]:
    """The placeholder masks expanded to the codeword's shape (keyword arguments of the
    scramblers; empty without placeholders)."""
    out = {}
    for name, mask in (("x_placeholders", x), ("y_placeholders", y)):
        if mask is not None:
            out[name] = mask.to(like.device).expand(like.shape)
    return out


def pusch_decode(symbols: torch.Tensor, carrier: CarrierConfig, config: PUSCHConfig,
                 noise_var: float | torch.Tensor, *, method: str = "maxlog",
                 x_placeholders: torch.Tensor | None = None,
                 y_placeholders: torch.Tensor | None = None) -> torch.Tensor:
    """Soft bits of received (equalised) PUSCH symbols: the inverse of :func:`pusch`
    (TS 38.211 §6.3.1.4 - §6.3.1.1), MATLAB ``nrPUSCHDecode``.

    Args:
        symbols: equalised layer symbols ``[..., n_layers, n_re]`` complex.
        carrier, config: as for :func:`pusch`.
        noise_var: noise variance of each symbol: a number or a tensor broadcastable to
            ``symbols`` (e.g. the post-equalisation noise of an MMSE detector). With
            transform precoding the variance of each deprecoded symbol is the mean of its
            OFDM symbol's ``12 n_prb`` values (the IDFT spreads the noise evenly).
        method: ``"maxlog"`` or ``"exact"`` demapping.
        x_placeholders, y_placeholders: as for :func:`pusch` (LLR 0 at an 'x', the LLR of the
            repeated bit at a 'y').

    Returns:
        descrambled LLRs ``[..., G]`` float32 (``LLR = ln P(0)/P(1)``).

    >>> c = CarrierConfig(n_size_grid=25)
    >>> p = PUSCHConfig(prb_set=range(25), mcs_index=2)
    >>> cw = torch.randint(0, 2, (2, p.num_coded_bits), dtype=torch.uint8)
    >>> llr = pusch_decode(pusch(cw, c, p), c, p, 0.1)
    >>> bool(((llr < 0).to(torch.uint8) == cw).all())
    True
    """
    carrier, config = check_pusch_config(carrier, config)
    x = check_tensor("symbols", symbols, min_dim=2)
    if not x.is_complex():
        raise TypeError(f"symbols must be complex, got dtype {x.dtype}")
    if config.transform_precoding or x_placeholders is not None or y_placeholders is not None:
        check_finite("symbols", x)       # (otherwise symbol_demodulate checks them)
    if x.shape[-2:] != (config.n_layers, config.n_re):
        raise ValueError(f"symbols must have shape [..., n_layers={config.n_layers}, "
                         f"n_re={config.n_re}], got {tuple(x.shape)}")
    nv = noise_var
    if config.transform_precoding:
        m_sc = 12 * config.n_prb
        x = transform_deprecode(x, m_sc)
        if isinstance(nv, torch.Tensor) and nv.numel() > 1:
            nv = torch.broadcast_to(nv, x.shape)
            shape = nv.shape
            nv = nv.reshape(*shape[:-1], -1, m_sc).mean(-1, keepdim=True)
            nv = nv.expand(*shape[:-1], shape[-1] // m_sc, m_sc).reshape(shape)
    if config.n_layers == 1:             # layer demapping of one layer: the same values
        y = x.flatten(-2)
        if isinstance(nv, torch.Tensor) and nv.dim() >= 2:
            nv = torch.broadcast_to(nv, x.shape).flatten(-2)
    else:
        if isinstance(nv, torch.Tensor) and nv.numel() > 1:
            nv = torch.broadcast_to(nv, x.shape)
            nv = layer_demap(nv.contiguous())
        y = layer_demap(x)
    if x_placeholders is None and y_placeholders is None:
        # descrambling without placeholders is a sign flip: fused into the demapper
        seq = pusch_scrambling_sequence(_n_id(carrier, config), config.rnti, y.shape[-1]
                                        * config.qm, device=y.device)
        return symbol_demodulate(y, config.modulation, nv, method=method, sequence=seq)
    llr = symbol_demodulate(y, config.modulation, nv, method=method)
    return pusch_descramble(llr, _n_id(carrier, config), config.rnti,
                            **_placeholders(llr, x_placeholders, y_placeholders))
