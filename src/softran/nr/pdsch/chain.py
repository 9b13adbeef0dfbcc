"""PDSCH modulation chain at function level (TS 38.211 §7.3.1.1 - §7.3.1.5), MATLAB
``nrPDSCH`` / ``nrPDSCHDecode`` / ``nrPDSCHPrecode``.

Transmit: scrambling of each codeword (§7.3.1.1, c_init = n_RNTI 2^15 + q 2^14 + n_ID) ->
modulation (§7.3.1.2) -> layer mapping (§7.3.1.3, one codeword for 1..4 layers, two for 5..8)
-> layer symbols in the order of :func:`~softran.nr.pdsch.indices.pdsch_indices`. Antenna-port
mapping (§7.3.1.4) puts layer j on DM-RS port 1000 + ``dmrs_ports[j]``; precoding onto
physical antennas is implementation-specific and PRB-group wise (TS 38.214 §5.1.2.3), done by
:func:`pdsch_precode` with the matrices the caller chooses.
"""

from __future__ import annotations

from collections.abc import Sequence

import torch

from softran.nr.config import N_SC_RB, CarrierConfig
from softran.nr.layers import layer_demap, layer_map, precode
from softran.nr.modulation import symbol_demodulate, symbol_modulate
from softran.nr.pdsch.config import PDSCHConfig, check_pdsch_config
from softran.nr.pdsch.vrb_mapping import prg_index
from softran.nr.scrambling import pdsch_descramble, pdsch_scrambling_sequence
from softran.validation import check_bits, check_tensor

__all__ = ["pdsch", "pdsch_decode", "pdsch_n_id", "pdsch_precode"]


def pdsch_n_id(carrier: CarrierConfig, config: PDSCHConfig) -> int:
    """n_ID of the PDSCH scrambling (TS 38.211 §7.3.1.1): *dataScramblingIdentityPDSCH*
    (``config.n_id``) if configured, else N_ID^cell.

    >>> pdsch_n_id(CarrierConfig(n_cell_id=7), PDSCHConfig()), pdsch_n_id(
    ...     CarrierConfig(n_cell_id=7), PDSCHConfig(n_id=500))
    (7, 500)
    """
    return carrier.n_cell_id if config.n_id is None else config.n_id


def _codewords(cws: torch.Tensor | Sequence[torch.Tensor], n: int) -> list[torch.Tensor]:
    if isinstance(cws, torch.Tensor):
        cws = [cws]
    elif not isinstance(cws, (list, tuple)):
        raise TypeError(f"cws must be a tensor or a list of {n} tensors, got "
                        f"{type(cws).__name__}")
    if len(cws) != n:
        raise ValueError(f"this PDSCH carries {n} codeword(s) (TS 38.211 Table 7.3.1.3-1), got "
                         f"{len(cws)}")
    return list(cws)


def pdsch(cws: torch.Tensor | Sequence[torch.Tensor], carrier: CarrierConfig,
          config: PDSCHConfig) -> torch.Tensor:
    """PDSCH layer symbols of one or two coded DL-SCH codewords (TS 38.211 §7.3.1.1 -
    §7.3.1.3), MATLAB ``nrPDSCH``.

    Args:
        cws: codeword bits ``[..., G_q]`` uint8, a tensor (1..4 layers) or a list of two
            (5..8 layers); ``G_q`` a multiple of (layers of codeword q) x Q_m, the two
            codewords filling the same number of REs per layer (``G_q = info.G[q]`` of
            :func:`~softran.nr.pdsch.indices.pdsch_indices` fills the allocation; as MATLAB's
            ``nrPDSCH`` the length is not checked against the allocation here).
        carrier: the carrier (N_ID^cell is n_ID when ``config.n_id`` is None).
        config: the PDSCH.

    Returns:
        complex64 ``[..., n_layers, G_q / (v_q Q_m)]``, in the order of ``pdsch_indices``.

    >>> c = CarrierConfig(n_size_grid=25)
    >>> p = PDSCHConfig(prb_set=range(25), mcs_index=2, n_layers=2)
    >>> cw = torch.randint(0, 2, (3, 2 * 3900 * 2), dtype=torch.uint8)
    >>> tuple(pdsch(cw, c, p).shape)
    (3, 2, 3900)
    """
    carrier, config = check_pdsch_config(carrier, config)
    cws = _codewords(cws, config.n_codewords)
    n_id = pdsch_n_id(carrier, config)
    symbols = []
    for q, (cw, v) in enumerate(zip(cws, config.codeword_layers, strict=True)):
        cw = check_bits(f"cws[{q}]" if config.n_codewords > 1 else "cws", cw)
        g = cw.shape[-1]
        if g % (v * config.qm):
            raise ValueError(f"codeword {q} has {g} bits in its last dimension, not a multiple "
                             f"of {v} layers x Q_m {config.qm} (G = n_re x {v} x {config.qm})")
        seq = pdsch_scrambling_sequence(n_id, config.rnti, q, g, cw.device)
        # the scrambled bits are 0/1 (checked above): as bool, symbol_modulate need not
        # check every value again
        symbols.append(symbol_modulate((cw ^ seq).view(torch.bool), config.modulation))
    return layer_map(symbols if len(symbols) > 1 else symbols[0], config.n_layers)


def pdsch_decode(symbols: torch.Tensor, carrier: CarrierConfig, config: PDSCHConfig,
                 noise_var: float | torch.Tensor, *, method: str = "maxlog"
                 ) -> torch.Tensor | tuple[torch.Tensor, torch.Tensor]:
    """Soft bits of received (equalised) PDSCH layer symbols: the inverse of :func:`pdsch`
    (TS 38.211 §7.3.1.3 - §7.3.1.1), MATLAB ``nrPDSCHDecode``.

    Args:
        symbols: ``[..., n_layers, n_re]`` complex.
        carrier, config: as for :func:`pdsch`.
        noise_var: noise variance per symbol, a number or a tensor broadcastable to
            ``symbols``.
        method: ``"maxlog"`` or ``"exact"`` demapping.

    Returns:
        descrambled LLRs ``[..., G]`` float32 (one codeword) or a tuple of two.

    >>> c = CarrierConfig(n_size_grid=25)
    >>> p = PDSCHConfig(prb_set=range(25), mcs_index=2)
    >>> cw = torch.randint(0, 2, (2, 3900 * 2), dtype=torch.uint8)
    >>> llr = pdsch_decode(pdsch(cw, c, p), c, p, 0.1)
    >>> bool(((llr < 0).to(torch.uint8) == cw).all())
    True
    """
    carrier, config = check_pdsch_config(carrier, config)
    x = check_tensor("symbols", symbols, min_dim=2)
    if not x.is_complex():
        raise TypeError(f"symbols must be complex, got dtype {x.dtype}")
    if x.shape[-2] != config.n_layers:
        raise ValueError(f"symbols must have shape [..., n_layers={config.n_layers}, n_re], "
                         f"got {tuple(x.shape)}")
    nv = noise_var
    if isinstance(nv, torch.Tensor) and nv.numel() > 1:
        nv = layer_demap(torch.broadcast_to(nv, x.shape).contiguous())
    y = layer_demap(x)
    ys = (y,) if isinstance(y, torch.Tensor) else y
    nvs = (nv,) * len(ys) if not isinstance(nv, tuple) else nv
    n_id = pdsch_n_id(carrier, config)
    out = tuple(pdsch_descramble(symbol_demodulate(yq, config.modulation, nq, method=method),
                                 n_id, config.rnti, q)
                for q, (yq, nq) in enumerate(zip(ys, nvs, strict=True)))
    return out[0] if len(out) == 1 else out


def pdsch_precode(carrier: CarrierConfig, symbols: torch.Tensor, indices: torch.Tensor,
                  w: torch.Tensor, *, prg_size: int | None = None
                  ) -> tuple[torch.Tensor, torch.Tensor]:
    """Precoding of layer symbols onto antenna ports with one matrix per precoding RB group,
    z = W y (TS 38.211 §7.3.1.4-§7.3.1.5 with the PRB bundling of TS 38.214 §5.1.2.3),
    MATLAB ``nrPDSCHPrecode``.

    Args:
        carrier: the carrier.
        symbols: layer symbols ``[..., n_layers, n_re]`` (PDSCH data, DM-RS or PT-RS).
        indices: their layer-grid indices ``[n_layers, n_re]`` (as returned by
            ``pdsch_indices`` / ``pdsch_dmrs_indices``; every row holds the same REs).
        w: ``[n_prg, n_ports, n_layers]`` (or ``[n_ports, n_layers]`` for wideband) complex;
            W of PRG g applies to the REs of the CRBs in that PRG. With ``prg_size`` P the
            PRGs are CRBs floor(n / P) (numbered from CRB 0 as MATLAB; ``n_prg`` must cover
            the carrier: ceil((n_start_grid + n_size_grid) / P)).
        prg_size: P'_BWP, 2 or 4, or None (wideband: one matrix).

    Returns:
        ``(port_symbols [..., n_ports, n_re], port_indices [n_ports, n_re])``, the indices
        into a port grid ``[n_ports, n_symbols, K]``. (MATLAB's W is ``n_layers x n_ports x
        n_prg``, the transpose per PRG.)

    >>> c = CarrierConfig(n_size_grid=4)
    >>> y = torch.ones(2, 3, dtype=torch.complex64)
    >>> ind = torch.tensor([[0, 12, 40], [672, 684, 712]])     # K = 48: CRBs 0, 1, 3
    >>> w = torch.tensor([[[1, 0], [0, 1]], [[0, 1], [1, 0]]], dtype=torch.complex64)
    >>> z, zi = pdsch_precode(c, y * torch.tensor([[1.], [2.]]), ind, w, prg_size=2)
    >>> z.real.tolist(), zi[1].tolist()
    ([[1.0, 1.0, 2.0], [2.0, 2.0, 1.0]], [672, 684, 712])
    """
    if not isinstance(carrier, CarrierConfig):
        raise TypeError(f"carrier must be a CarrierConfig, got {type(carrier).__name__}")
    y = check_tensor("symbols", symbols, min_dim=2)
    indices = check_tensor("indices", indices, min_dim=2)
    w = check_tensor("w", w, min_dim=2)
    if not y.is_complex():
        raise TypeError(f"symbols must be complex, got dtype {y.dtype}")
    if tuple(indices.shape) != tuple(y.shape[-2:]):
        raise ValueError(f"indices must have shape [n_layers, n_re] = {tuple(y.shape[-2:])}, "
                         f"got {tuple(indices.shape)}")
    n_layers = y.shape[-2]
    if w.dim() == 2:
        w = w.unsqueeze(0)
    if w.dim() != 3 or w.shape[-1] != n_layers:
        raise ValueError(f"w must be [n_prg, n_ports, n_layers={n_layers}] or [n_ports, "
                         f"n_layers], got {tuple(w.shape)}")
    n_grid = carrier.symbols_per_slot * carrier.n_subcarriers
    pos = indices[0] % n_grid
    crb = carrier.n_start_grid + (pos % carrier.n_subcarriers) // N_SC_RB
    prg = prg_index(crb, prg_size)
    if int(prg.max()) >= w.shape[0] if prg.numel() else False:
        raise ValueError(f"w holds {w.shape[0]} PRG matrices; the REs reach PRG "
                         f"{int(prg.max())} (prg_size = {prg_size})")
    w_re = w.to(y.device)[prg].permute(1, 2, 0)                      # [n_ports, v, n_re]
    z = precode(y, w_re, per_sample=True)
    n_ports = w.shape[1]
    port_idx = torch.arange(n_ports, device=pos.device)[:, None] * n_grid + pos[None, :]
    return z, port_idx
