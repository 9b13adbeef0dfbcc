"""PDSCH transmitter block of the gNB: transport blocks -> resource grid -> OFDM waveform.

TS 38.212 §7.2 (DL-SCH), TS 38.211 §7.3.1 (PDSCH), §7.4.1.1 (DM-RS), §7.4.1.2 (PT-RS),
§5.3.1 (OFDM); precoding per PRG as TS 38.214 §5.1.2.3. Built from the level-1 functions
:class:`~softran.nr.DLSCHEncoder`, :func:`~softran.nr.pdsch.chain.pdsch`,
:func:`~softran.nr.pdsch.dmrs.pdsch_dmrs`, :func:`~softran.nr.pdsch.ptrs.pdsch_ptrs` and
:func:`~softran.nr.ofdm_modulate`.

The fused CPU path
------------------
On the CPU without precoding (and where no data RE is also a DM-RS / PT-RS RE) the
transmitter keeps the slot's OFDM input from call to call: IFFT bins ``[batch, n_layers,
n_symbols, nfft]`` that already hold the DM-RS, PT-RS and the zero guard bins, and a work
buffer for the IFFT. Each call writes only the data REs: scrambling (the cached c^(q) of
:func:`~softran.nr.scrambling.pdsch_scrambling_sequence`), modulation, layer mapping and
resource mapping in one pass (:func:`~softran.nr.modulation.symbol_modulate_into`, with
the bin of every layer-mapped symbol worked out once), then
:func:`~softran.nr.ofdm.ofdm_modulate_bins`. The same values as the chain of level-1
functions (the tests check it bit for bit); the waveform returned is always a new tensor
the caller owns, and the buffers are rebuilt when the batch size changes.

With one codeword given as a tensor, ``forward`` is a few calls around one Numba kernel
(the slot's latency path), which runs
:func:`~softran.nr.coding.ldpc.encode_rate_match.encode_rate_match_labels_into`
(the block's CRC of TS 38.212 §7.2.1 into a kept tail buffer, segmentation, CRC24B, LDPC,
rate matching with the plan of the redundancy version, cached, and kept work buffers; the
block's CRC and each code block's CRC24B in one pass over the copied bytes, and the check
that the block holds bits, taken while its bytes are copied into the code blocks) into kept
symbol labels with the scrambling c(n) of TS 38.211 §7.3.1.1 XORed in (packed per symbol
once), then
:func:`~softran.nr.modulation.map_label_runs_into_rows` (modulation, layer and resource
mapping, the bins of each layer as runs) into the kept bins of the IFFT rows (layer,
symbol) that hold data; the IDFT transforms only those rows (the rows without
data, such as DM-RS symbols of CDM groups without data, are the same every slot:
transformed once, with the whole slot's rows, and kept). The same kernel
(:func:`_slot_waveform`) then runs the IDFT of the data rows by kept MKL plans of
:func:`~softran.nr.kept_dft.kept_dft` (``torch.fft.ifft``'s bits without its per-call plan
set-up) that write each symbol's useful part straight into its place in the new waveform
(one plan call per run of equally spaced symbols, :func:`~softran.nr.kept_dft.dfti_compute`),
and :func:`~softran.nr.ofdm.cyclic_prefix_in_place` adds the cyclic prefixes and the kept
rows: no copy of the slot through a buffer. Where those plans are not there, the data rows
go through a kept plan (or ``torch.fft.ifft``) into a buffer and
:func:`~softran.nr.ofdm.cyclic_prefix_gather_two` copies them with the cyclic prefixes into
the new waveform. Inputs are checked once per call by type, dtype and shape; other inputs
(a list, other dtypes) take the step-by-step path, which checks them fully.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
import torch
from numba import njit

from softran.nr.coding.crc import crc_byte_tables, crc_length, crc_pair_tables_reflected
from softran.nr.coding.ldpc.encode_rate_match import (
    encode_rate_match_labels_into,
    encode_rate_match_plan,
    encode_rate_match_workspace,
)
from softran.nr.coding.sch import DLSCHEncoder
from softran.nr.config import N_SC_RB, CarrierConfig
from softran.nr.grid import map_to_grid, reference_grid
from softran.nr.kept_dft import dfti_compute, kept_dft
from softran.nr.kernel_entry import compiled_entry
from softran.nr.modulation import (
    bits_per_symbol,
    constellation,
    label_runs,
    map_label_runs_into_rows,
    symbol_modulate_into,
)
from softran.nr.module_call import plain_call
from softran.nr.ofdm import (
    cyclic_prefix_gather_two,
    cyclic_prefix_in_place,
    ofdm_info,
    ofdm_modulate,
    ofdm_modulate_bins,
    ofdm_subcarrier_bins,
)
from softran.nr.pdsch.chain import pdsch, pdsch_n_id
from softran.nr.pdsch.config import PDSCHConfig, check_pdsch_config
from softran.nr.pdsch.dmrs import pdsch_dmrs, pdsch_dmrs_indices
from softran.nr.pdsch.indices import pdsch_indices
from softran.nr.pdsch.ptrs import pdsch_ptrs, pdsch_ptrs_indices
from softran.nr.pdsch.vrb_mapping import prg_index
from softran.nr.scrambling import pdsch_scrambling_sequence
from softran.validation import check_bits, check_int, check_tensor

__all__ = ["PDSCHTransmitter"]

_BIT_DTYPES = (torch.uint8, torch.bool)


@njit(cache=True, nogil=True)
def _slot_data(tb, tail, crc_l, crc_table, crc_g, crc_pair, enc, work, labels, mask, table,
               runs, stride, bins):  # pragma: no cover - compiled
    """The data of one codeword into the kept IFFT bins, one pass per step: the check that
    ``tb`` ``[R, A]`` (uint8) holds bits, its CRC (TS 38.212 §7.2.1: L = ``crc_l`` parity
    bits into ``tail[:, :L]``; the rest of ``tail`` is the zero padding of segmentation),
    segmentation, LDPC, rate matching and scrambling (:func:`encode_rate_match_labels_into`
    with the plan ``enc``, the scrambling bits c(n) packed per symbol ``mask`` and the kept
    work buffers ``work`` of :func:`encode_rate_match_workspace`; the TB CRC is computed
    there, in the same pass over the bytes as the code blocks' CRC) into the symbol labels
    ``labels`` ``[R, G / Q_m]``, then modulation and mapping to the bins of ``bins``
    ``[R, N]`` given as the runs ``runs`` of symbols ``stride`` apart
    (:func:`map_label_runs_into_rows`). Returns the OR of all bytes of ``tb`` (taken while
    the encoder copies them into its code blocks): > 1 means a value that is not a bit, and
    nothing was written to ``bins`` (only to the kept scratch buffers). ``crc_pair``: the
    TB CRC's and CRC24B's tables reflected and side by side
    (:func:`~softran.nr.coding.crc.crc_pair_tables_reflected`, C > 1: the bits packed 64
    at a time)."""
    buf, acc, sel = work
    top = encode_rate_match_labels_into(tb, tail, *enc, mask, labels, buf, acc, sel, crc_l,
                                        crc_table, crc_g, None, crc_pair)
    if top > 1:
        return top
    map_label_runs_into_rows(labels, table, runs, stride, bins)
    return top


@njit(cache=True, nogil=True)
def _slot_waveform(tb, tail, crc_l, crc_table, crc_g, crc_pair, enc, work, labels, mask,
                   table, runs, stride, bins, fn, dft_runs, kept, rows, cps,
                   out):  # pragma: no cover - compiled
    """:func:`_slot_data` (the bits into the kept bins ``bins`` ``[R, D nfft]``), then the
    IDFT of the data rows straight into the waveform ``out`` ``[R, n_layers, T]`` (TS 38.211
    §5.3.1): per row of ``dft_runs`` (handle of a kept MKL plan of
    :func:`~softran.nr.kept_dft.kept_dft` whose output rows are that run's symbols apart,
    byte offset of its first input row in ``bins``, byte offset of its first symbol's useful
    part in ``out``) one call of the compute function at ``fn``
    (:func:`~softran.nr.kept_dft.dfti_compute`), then the cyclic prefixes and the kept rows
    ``kept`` (:func:`~softran.nr.ofdm.cyclic_prefix_in_place` with ``rows``, ``cps``).
    Returns :func:`_slot_data`'s value (> 1: not bits, nothing written), or -1 where MKL
    refused a transform."""
    top = _slot_data(tb, tail, crc_l, crc_table, crc_g, crc_pair, enc, work, labels, mask,
                     table, runs, stride, bins)
    if top > 1:
        return top
    x0 = np.int64(bins.ctypes.data)
    y0 = np.int64(out.ctypes.data)
    for k in range(dft_runs.shape[0]):
        if dfti_compute(fn, dft_runs[k, 0], x0 + dft_runs[k, 1], y0 + dft_runs[k, 2]) != 0:
            return -1
    cyclic_prefix_in_place(out.reshape(rows.shape[0], out.shape[-1]), kept, rows, cps)
    return top


class PDSCHTransmitter(torch.nn.Module):
    """One PDSCH in one slot: DL-SCH encoding of each codeword, PDSCH modulation and layer
    mapping, DM-RS / PT-RS, the layer grid, optional PRG-wise precoding onto antenna ports and
    OFDM modulation.

    Args:
        carrier: the carrier (``n_slot`` sets the DM-RS / PT-RS sequences).
        config: the PDSCH (its MCS or ``target_code_rate`` sets the LDPC rate).
        nfft, sample_rate: OFDM size, as :func:`~softran.nr.ofdm_info`.
        n_ref: limited-buffer rate matching N_ref (TS 38.212 §5.4.2.1), ``None``: full buffer.
        precoding: W per PRG ``[n_prg, n_ports, n_layers]`` (or ``[n_ports, n_layers]``) as
            :func:`~softran.nr.pdsch.chain.pdsch_precode` with ``config.prg_bundle_size``;
            None: the layers are the ports (identity).
        ptrs_power_db: PT-RS EPRE relative to one layer's data EPRE (TS 38.214 Table 4.1-2
            *epre-Ratio*; 0 dB by default).
        device: where the grids and waveforms are built.

    ``forward(tb, rv)``: ``tb`` uint8 ``[batch, A]`` (one codeword) or a list of two
    ``[batch, A_q]`` -> waveform complex64 ``[batch, n_ports, T]``, a new tensor on every
    call. After a call ``last_layer_grid`` and ``last_grid`` give the layer and port grids
    of the latest call (new tensors; on the fused path, module notes, they are read from the
    kept IFFT bins when asked for, so read them before the next call).

    >>> c = CarrierConfig(n_size_grid=25)
    >>> p = PDSCHConfig(prb_set=range(25), mcs_index=2)
    >>> tx = PDSCHTransmitter(c, p)
    >>> tb = torch.randint(0, 2, (2, p.tb_sizes[0]), dtype=torch.uint8)
    >>> tuple(tx(tb).shape), tx.sample_rate
    ((2, 1, 7680), 7680000.0)
    """

    def __init__(self, carrier: CarrierConfig, config: PDSCHConfig, *, nfft: int | None = None,
                 sample_rate: float | None = None, n_ref: int | None = None,
                 precoding: torch.Tensor | None = None, ptrs_power_db: float = 0.0,
                 device: torch.device | str | None = None) -> None:
        super().__init__()
        check_pdsch_config(carrier, config, "config")
        self.carrier = carrier.model_copy()
        self.config = config.model_copy(deep=True)
        self.device = torch.device("cpu") if device is None else torch.device(device)
        self.info = ofdm_info(self.carrier, nfft=nfft, sample_rate=sample_rate)
        self.nfft = self.info.nfft
        self.sample_rate = float(self.info.sample_rate)
        cfg, dev = self.config, self.device
        self.encoders = torch.nn.ModuleList(
            DLSCHEncoder(cfg.code_rate, n_ref=n_ref) for _ in range(cfg.n_codewords))
        self.tb_sizes = cfg.tb_sizes
        self.indices, self.indices_info = pdsch_indices(self.carrier, cfg, device=dev)
        self.dmrs_indices = pdsch_dmrs_indices(self.carrier, cfg, device=dev)
        self.dmrs_symbols = pdsch_dmrs(self.carrier, cfg, device=dev)
        self.ptrs_indices = pdsch_ptrs_indices(self.carrier, cfg, device=dev)
        amp = 10.0 ** (float(ptrs_power_db) / 20.0)
        self.ptrs_symbols = pdsch_ptrs(self.carrier, cfg, device=dev) * amp
        self.n_layers = cfg.n_layers
        n_sym, k = self.carrier.symbols_per_slot, self.carrier.n_subcarriers
        self.grid_shape = (self.n_layers, n_sym, k)
        #: precoder per subcarrier ``[K, n_ports, n_layers]`` or None (identity)
        self.precoder: torch.Tensor | None = None
        if precoding is not None:
            w = check_tensor("precoding", precoding, min_dim=2).to(dev, torch.complex64)
            w = w.unsqueeze(0) if w.dim() == 2 else w
            if w.dim() != 3 or w.shape[-1] != self.n_layers:
                raise ValueError(f"precoding must be [n_prg, n_ports, n_layers={self.n_layers}]"
                                 f" or [n_ports, n_layers], got {tuple(precoding.shape)}")
            crb = self.carrier.n_start_grid + torch.arange(k, device=dev) // N_SC_RB
            prg = prg_index(crb, cfg.prg_bundle_size)
            if int(prg.max()) >= w.shape[0]:
                raise ValueError(f"precoding holds {w.shape[0]} PRG matrices; the carrier "
                                 f"needs {int(prg.max()) + 1} (prg_bundle_size = "
                                 f"{cfg.prg_bundle_size})")
            self.precoder = w[prg]
        self.n_ports = self.n_layers if self.precoder is None else self.precoder.shape[1]
        # resource mapping in one pass: the grid position of each layer-mapped symbol in
        # symbol-major order (x^(j)(i) at i*v + j, the order of the modulated codeword for
        # one codeword), onto a copy of a grid that already holds DM-RS and PT-RS
        self._data_index = self.indices.transpose(0, 1).reshape(-1)
        #: the DM-RS / PT-RS grid, or None where data REs overlap them (then the data is
        #: written first and the reference signals over it, as the clause's order)
        self._base_grid = reference_grid(
            self.n_layers * n_sym * k, self._data_index,
            [(self.dmrs_indices, self.dmrs_symbols), (self.ptrs_indices, self.ptrs_symbols)])
        self._last_layer_grid: torch.Tensor | None = None
        self._last_grid: torch.Tensor | None = None
        #: the fused CPU path (module notes): per codeword the IFFT bin of each of its
        #: modulated symbols (layer mapping of TS 38.211 Table 7.3.1.3-1: symbol m of a
        #: codeword with v_q layers goes to its layer m mod v_q, RE m div v_q)
        self._fused = (self.precoder is None and self._base_grid is not None
                       and dev.type == "cpu")
        self._n_id = pdsch_n_id(self.carrier, cfg)
        self._bin_index: list[torch.Tensor] = []
        self._workspace: tuple | None = None
        self._bins_ready = False
        #: whether the latest grid is in the slot path's data rows (else in the full bins)
        self._grid_in_rows = False
        if self._fused:
            self._subcarrier_bins = ofdm_subcarrier_bins(self.carrier, nfft=self.nfft)
            off = 0
            for v in cfg.codeword_layers:
                grid_index = self.indices[off:off + v].transpose(0, 1).reshape(-1)
                self._bin_index.append(self._to_bins(grid_index).contiguous())
                off += v
            assert self._base_grid is not None
            self._base_bins = torch.zeros(self.n_layers * n_sym, self.nfft,
                                          dtype=torch.complex64)
            self._base_bins[:, self._subcarrier_bins] = self._base_grid.reshape(-1, k)
        #: the one-codeword path of ``forward`` (one Numba kernel for the bits, the IDFT and
        #: the cyclic prefixes): (L + pad of the TB CRC and segmentation, L, CRC
        #: tables, the TB CRC's and CRC24B's reflected tables, G, Q_m, constellation,
        #: c(i) packed per symbol, the data bins as runs of label_runs, CP lengths), or None
        self._slot_plan: tuple | None = None
        if self._fused and cfg.n_codewords == 1:
            a, g = self.tb_sizes[0], self.indices_info.G[0]
            poly = self.encoders[0].info(a).crc
            crc_l = crc_length(poly)
            table, gen = crc_byte_tables(poly)
            qm = bits_per_symbol(cfg.modulation)
            pad = encode_rate_match_plan(a + crc_l, self.encoders[0].info(a).bgn, g, 0, qm,
                                         self.n_layers, self.encoders[0].n_ref).pad
            seq = pdsch_scrambling_sequence(self._n_id, cfg.rnti, 0, g, dev)
            # c(n) packed as the symbol labels (TS 38.211 §5.1 bit order: c(i Q_m) the most
            # significant bit of symbol i's label)
            weights = 1 << np.arange(qm - 1, -1, -1, dtype=np.int64)
            mask = (seq.numpy().astype(np.int64).reshape(-1, qm) @ weights).astype(
                np.uint8 if qm <= 8 else np.uint16)
            cps = np.array(self.info.slot_cyclic_prefix_lengths(self.carrier.n_slot, n_sym),
                           dtype=np.int64)
            # the IFFT rows (layer, symbol) that hold data; the others (DM-RS symbols
            # without data, empty symbols) are the same every slot: their IFFT is kept
            # (made with the workspace) and only the data rows are kept as bins and
            # transformed, the data bin index counted in those rows
            full_index = self._bin_index[0]
            n_rows = self.n_layers * n_sym
            data_rows = torch.unique(full_index // self.nfft)
            const_rows = torch.ones(n_rows, dtype=torch.bool)
            const_rows[data_rows] = False
            row_pos = torch.full((n_rows,), -1, dtype=torch.int64)
            row_pos[data_rows] = torch.arange(data_rows.numel())
            self._slot_rows = (data_rows, const_rows.nonzero().reshape(-1), row_pos)
            index = row_pos[full_index // self.nfft] * self.nfft + full_index % self.nfft
            self._slot_plan = (crc_l + pad, crc_l, table, np.int64(gen),
                               crc_pair_tables_reflected(table, crc_byte_tables("24B")[0]),
                               g, qm,
                               constellation(cfg.modulation).numpy(), mask,
                               label_runs(index.numpy(), self.n_layers), cps,
                               int(cps.sum()) + n_sym * self.nfft)
            #: per redundancy version, made on first use: the plan of
            #: encode_rate_match_rows_into and the kept work buffers of _slot_data
            self._slot_enc: dict[int, tuple[tuple, tuple]] = {}
        #: per redundancy version, made on first use for the kept workspace:
        #: _slot_waveform's compiled entry for its argument types
        #: (:func:`~softran.nr.kernel_entry.compiled_entry`: no per-call type matching)
        self._slot_entry: dict[int, Any] = {}

    def _to_bins(self, grid_index: torch.Tensor) -> torch.Tensor:
        """Flat layer-grid indices ``(layer n_symbols + l) K + k`` -> flat IFFT-bin indices
        ``(layer n_symbols + l) nfft + bin(k)``."""
        k = self.grid_shape[-1]
        return (grid_index // k) * self.nfft + self._subcarrier_bins[grid_index % k]

    def _bins(self, batch: int) -> tuple:
        """The kept (IFFT bins, IFFT work buffer) for ``batch`` rows, made on first use,
        followed by what the one-codeword path of ``forward`` reuses
        (:meth:`_slot_workspace`)."""
        if self._workspace is None or self._workspace[0].shape[0] != batch:
            shape = (batch, self.n_layers, self.grid_shape[1], self.nfft)
            bins = self._base_bins.reshape(1, *shape[1:]).repeat(batch, 1, 1, 1)
            work = torch.empty(shape, dtype=torch.complex64)
            extra: tuple = ()
            if self._slot_plan is not None:
                extra = self._slot_workspace(batch)
            self._workspace = (bins, work, *extra)
            self._slot_entry = {}
        return self._workspace

    def _slot_workspace(self, batch: int) -> tuple:
        """What the one-codeword path of ``forward`` reuses for ``batch`` rows: the data
        rows' bins ``[batch, D nfft]`` (numpy, DM-RS / PT-RS / zero bins in place), the IFFT
        of the C rows that are the same every slot ``[C, nfft]`` (numpy, transformed here
        once), the TB CRC + padding ``[batch, L + pad]`` (padding zero), the symbol labels
        ``[batch, G / Q_m]``, the data bins as a tensor ``[batch D, nfft]``, the kept IDFT
        of the data rows (:func:`~softran.nr.kept_dft.kept_dft`: its call from the
        data bins into a kept output ``[batch D, nfft]``, and that output) or None (then
        ``torch.fft.ifft``), and the
        IFFT row of each (port row, symbol) ``[batch n_layers, n_symbols]`` (int64: >= 0 a
        row of the data rows' IFFT, < 0 the kept row -1 - i; see
        :func:`~softran.nr.ofdm.cyclic_prefix_gather_two`)."""
        tail_len, g = self._slot_plan[0], self.indices_info.G[0]  # type: ignore[index]
        data_rows, const_rows, row_pos = self._slot_rows
        n_d, n_c, nfft, n_sym = data_rows.numel(), const_rows.numel(), self.nfft, \
            self.grid_shape[1]
        dbins = self._base_bins[data_rows].repeat(batch, 1)
        kept = torch.zeros(n_c, nfft, dtype=torch.complex64)
        if n_c:
            # the whole slot's rows as ofdm_modulate_bins transforms them, the kept ones kept
            whole = torch.fft.ifft(self._base_bins, dim=-1, norm="ortho")
            kept = whole[const_rows].contiguous()
        const_pos = torch.zeros_like(row_pos)
        const_pos[const_rows] = torch.arange(n_c)
        b = torch.arange(batch).reshape(-1, 1)
        src = torch.where(row_pos >= 0, b * n_d + row_pos, -1 - const_pos)
        direct = self._direct_dft(batch)
        spec = None
        idft = None if direct is not None else kept_dft(nfft, batch * n_d, inverse=True,
                                                         norm="ortho")
        if idft is not None:
            spec_np = np.empty((batch * n_d, nfft), dtype=np.complex64)
            spec = (idft.bind(dbins.numpy(), spec_np), spec_np)
        return (dbins.numpy().reshape(batch, -1), kept.numpy(),
                np.zeros((batch, tail_len), dtype=np.uint8),
                np.empty((batch, g // self._slot_plan[6]),  # type: ignore[index]
                         dtype=self._slot_plan[8].dtype),  # type: ignore[index]
                dbins, spec, src.reshape(batch * self.n_layers, n_sym).numpy(), direct)

    def _direct_dft(self, batch: int) -> tuple | None:
        """The IDFT of the data rows straight into the waveform (TS 38.211 §5.3.1), for
        :func:`_slot_waveform`: (the compute function's address, the runs ``[n, 3]`` int64
        (plan handle, input byte offset, output byte offset), the plans (kept alive)), or
        None where a kept plan is not there (then the data rows are transformed into a
        buffer and copied with their prefixes). The data rows, in the order of the kept
        bins (batch row, then layer and symbol), are cut into runs whose useful parts lie
        equally far apart in the waveform ``[batch, n_layers, T]`` (e.g. the symbols of one
        layer between DM-RS symbols: the same cyclic prefix), one kept plan per (run length,
        distance)."""
        data_rows = self._slot_rows[0].numpy()
        nfft, n_sym = self.nfft, self.grid_shape[1]
        cps, t_len = self._slot_plan[10], self._slot_plan[11]  # type: ignore[index]
        # the start of each symbol's useful part in its row of the waveform
        starts = np.cumsum(cps) + np.arange(n_sym) * nfft
        out_off = ((np.arange(batch)[:, None] * self.n_layers + data_rows // n_sym) * t_len
                   + starts[data_rows % n_sym]).reshape(-1)
        runs: list[tuple[int, int, int]] = []           # (first row, rows, distance)
        i = 0
        while i < out_off.size:
            j = i + 1
            d = int(out_off[j] - out_off[i]) if j < out_off.size else nfft
            while j < out_off.size and out_off[j] - out_off[j - 1] == d:
                j += 1
            runs.append((i, j - i, d if j - i > 1 else nfft))
            i = j
        plans = {}
        for _, count, d in runs:
            if (count, d) not in plans:
                plan = kept_dft(nfft, count, inverse=True, norm="ortho", out_distance=d)
                if plan is None:
                    return None
                plans[count, d] = plan
        size = np.dtype(np.complex64).itemsize
        table = np.array([(plans[count, d].handle, i * nfft * size, int(out_off[i]) * size)
                          for i, count, d in runs], dtype=np.int64)
        first = next(iter(plans.values()))
        return first.compute_address, table, list(plans.values())

    def _fill_bins(self, tbs: list[torch.Tensor], rv: int) -> torch.Tensor:
        """Encode, scramble, modulate and map the data of ``tbs`` into the kept IFFT bins."""
        cfg = self.config
        batch = tbs[0].shape[0]
        bins = self._bins(batch)[0]
        self._bins_ready = False
        self._grid_in_rows = False
        flat = bins.view(batch, -1)
        for q, (enc, t, v, g) in enumerate(zip(self.encoders, tbs, cfg.codeword_layers,
                                               self.indices_info.G, strict=True)):
            # 0/1 by construction: as bool no value is checked again
            cw = enc(t.view(torch.bool), cfg.modulation, v, g, rv)
            seq = pdsch_scrambling_sequence(self._n_id, cfg.rnti, q, g, self.device)
            symbol_modulate_into(cw.view(torch.bool), cfg.modulation, flat,
                                 self._bin_index[q], sequence=seq.view(torch.bool))
        self._bins_ready = True
        return bins

    def _grid_from_bins(self) -> torch.Tensor:
        if not self._bins_ready or self._workspace is None:
            raise RuntimeError("no slot transmitted yet: last_layer_grid / last_grid exist "
                                 "after a call")
        bins = self._workspace[0]
        if self._grid_in_rows:
            # the slot path's data rows over the reference-signal rows
            data_rows = self._slot_rows[0]
            bins = self._base_bins.repeat(bins.shape[0], 1, 1)
            bins[:, data_rows] = self._workspace[6].view(bins.shape[0], data_rows.numel(), -1)
            bins = bins.view(self._workspace[0].shape)
        return bins.index_select(-1, self._subcarrier_bins)

    @property
    def last_layer_grid(self) -> torch.Tensor:
        """Layer grid ``[batch, n_layers, n_symbols, K]`` of the latest call (a new tensor)."""
        if self._fused:
            return self._grid_from_bins()
        if self._last_layer_grid is None:
            raise RuntimeError("no slot transmitted yet: last_layer_grid exists after a call")
        return self._last_layer_grid

    @property
    def last_grid(self) -> torch.Tensor:
        """Port grid ``[batch, n_ports, n_symbols, K]`` of the latest call (the layer grid
        without precoding)."""
        if self._fused:
            return self._grid_from_bins()
        if self._last_grid is None:
            raise RuntimeError("no slot transmitted yet: last_grid exists after a call")
        return self._last_grid

    def _check_tb(self, tb: torch.Tensor | Sequence[torch.Tensor]) -> list[torch.Tensor]:
        tbs = [tb] if isinstance(tb, torch.Tensor) else list(tb)
        if len(tbs) != len(self.tb_sizes):
            raise ValueError(f"this PDSCH carries {len(self.tb_sizes)} transport block(s), got "
                             f"{len(tbs)}")
        out = []
        for q, (t, a) in enumerate(zip(tbs, self.tb_sizes, strict=True)):
            t = check_bits("tb", t, min_dim=2)
            if t.dim() != 2 or t.shape[-1] != a:
                raise ValueError(f"tb must have shape [batch, A={a}] (codeword {q}), got "
                                 f"{tuple(t.shape)}")
            out.append(t.to(self.device))
        if len({t.shape[0] for t in out}) != 1:
            raise ValueError("the transport blocks of the two codewords must share the batch size")
        return out

    def _forward_slot(self, tb: torch.Tensor, rv: int) -> torch.Tensor:
        """``forward`` of one codeword on the fused CPU path: the bits by one Numba kernel
        (:func:`_slot_data`), the IFFT of the data rows, the cyclic prefixes (with the kept
        rows) by one more into a new waveform. ``tb`` uint8/bool [batch, A] on the CPU (its
        values are checked in the kernel); ``rv`` 0..3."""
        (_, crc_l, table, gen, pair, g, qm, points, mask, runs, cps,
         t_len) = self._slot_plan  # type: ignore[misc]
        batch = tb.shape[0]
        _, _, bins_np, kept_np, tail, labels, dbins, idft, rows, direct = self._bins(batch)
        kept = self._slot_enc.get(rv)
        if kept is None:
            plan = encode_rate_match_plan(
                self.tb_sizes[0] + crc_l, self.encoders[0].info(self.tb_sizes[0]).bgn, g, rv,
                qm, self.n_layers, self.encoders[0].n_ref)
            kept = self._slot_enc[rv] = (plan.args, encode_rate_match_workspace(plan))
        enc, kernel_work = kept
        x = (tb if tb.is_contiguous() else tb.contiguous()).numpy()
        if x.dtype != np.uint8:
            x = x.view(np.uint8)
        state = self.__dict__           # plain attributes: no Module.__setattr__
        if direct is not None:
            # one kernel: the bits, the IDFT into the new waveform, the cyclic prefixes
            out = torch.empty(batch, self.n_layers, t_len, dtype=torch.complex64)
            args = (x, tail, crc_l, table, gen, pair, enc, kernel_work, labels, mask, points,
                    runs, self.n_layers, bins_np, direct[0], direct[1], kept_np, rows, cps,
                    out.numpy())
            # the kernel's compiled entry for these types: the kept workspace and plan fix
            # all but x (uint8 [batch, A] C-contiguous: checked in forward, made contiguous
            # and viewed as uint8 above) and the new waveform (complex64 [batch, v, T])
            entry = self._slot_entry.get(rv)
            if entry is None:
                entry = self._slot_entry[rv] = compiled_entry(_slot_waveform, args)
            top = entry(*args)
            if top > 1:
                self._check_tb(tb)      # raises the ValueError naming tb
                raise ValueError("tb must hold bits (0 or 1)")  # pragma: no cover - guard
            if top < 0:
                state["_bins_ready"] = False   # the bins hold this slot, the waveform not
                raise RuntimeError("MKL refused the IDFT of the slot's data rows")
            state["_bins_ready"] = True
            state["_grid_in_rows"] = True
            return out
        if _slot_data(x, tail, crc_l, table, gen, pair, enc, kernel_work, labels, mask, points,
                      runs, self.n_layers, bins_np) > 1:
            # nothing written: the latest slot's grid stays as it was
            self._check_tb(tb)          # raises the ValueError naming tb
            raise ValueError("tb must hold bits (0 or 1)")  # pragma: no cover - guard
        if idft is not None:
            # the kept MKL plan of torch.fft.ifft into the kept output (the same bits)
            idft[0]()
            spec = idft[1]
        else:
            # a new tensor (an out= argument would be one more copy inside torch)
            spec = torch.fft.ifft(dbins, dim=-1, norm="ortho").numpy()
        out = torch.empty(batch, self.n_layers, t_len, dtype=torch.complex64)
        cyclic_prefix_gather_two(spec, kept_np, rows, cps, out.numpy().reshape(-1, t_len))
        state["_bins_ready"] = True
        state["_grid_in_rows"] = True
        return out

    def layer_grid(self, tb: torch.Tensor | Sequence[torch.Tensor], rv: int = 0) -> torch.Tensor:
        """Layer grid ``[batch, n_layers, n_symbols, K]`` with data, DM-RS and PT-RS."""
        tbs = self._check_tb(tb)
        rv = check_int("rv", rv, 0, 3)
        if self._fused:
            self._fill_bins(tbs, rv)
            return self._grid_from_bins()
        cfg = self.config
        # the blocks are 0/1 (checked in _check_tb): as bool the encoder need not check
        # every value again
        cws = [enc(t.view(torch.bool), cfg.modulation, v, g, rv) for enc, t, v, g in
               zip(self.encoders, tbs, cfg.codeword_layers, self.indices_info.G, strict=True)]
        sym = pdsch(cws if len(cws) > 1 else cws[0], self.carrier, cfg)  # [B, v, n_re]
        batch = tbs[0].shape[0]
        if self._base_grid is not None:
            # [B, n_re, v] is the modulated codeword itself for one codeword (no copy)
            grid = map_to_grid(self._base_grid, self._data_index,
                               sym.transpose(-1, -2).reshape(batch, -1))
            return grid.reshape(batch, *self.grid_shape)
        n = self.n_layers * self.grid_shape[1] * self.grid_shape[2]
        grid = torch.zeros(batch, n, dtype=torch.complex64, device=self.device)
        grid[:, self.indices.reshape(-1)] = sym.reshape(batch, -1)
        grid[:, self.dmrs_indices.reshape(-1)] = self.dmrs_symbols.reshape(-1)
        if self.ptrs_indices.numel():
            grid[:, self.ptrs_indices] = self.ptrs_symbols
        return grid.reshape(batch, *self.grid_shape)

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        """``forward`` directly where ``torch.nn.Module.__call__`` would do only that (no
        hooks of the module's or global ones, no tracing, not compiled:
        :func:`~softran.nr.module_call.plain_call`), else ``Module.__call__``: the same
        result, without torch's call machinery on the slot path."""
        if plain_call(self, _TX_CALL):
            return self.forward(*args, **kwargs)
        return _MODULE_CALL(self, *args, **kwargs)

    def forward(self, tb: torch.Tensor | Sequence[torch.Tensor], rv: int = 0) -> torch.Tensor:
        """Waveform ``[batch, n_ports, T]`` of the transport block(s) ``tb``."""
        if (self._slot_plan is not None and type(tb) is torch.Tensor and tb.dtype in _BIT_DTYPES
                and tb.dim() == 2 and tb.shape[1] == self.tb_sizes[0] and tb.is_cpu
                and type(rv) is int and 0 <= rv <= 3 and tb.shape[0] > 0):
            return self._forward_slot(tb, rv)
        if self._fused:
            bins = self._fill_bins(self._check_tb(tb), check_int("rv", rv, 0, 3))
            return ofdm_modulate_bins(bins, self.carrier, nfft=self.nfft, work=self._bins(
                bins.shape[0])[1])
        layers = self.layer_grid(tb, rv)
        grid = layers if self.precoder is None else torch.einsum(
            "kpv,bvsk->bpsk", self.precoder, layers)
        self._last_layer_grid = layers
        self._last_grid = grid
        return ofdm_modulate(grid, self.carrier, nfft=self.nfft)


_TX_CALL = PDSCHTransmitter.__call__
_MODULE_CALL = torch.nn.Module.__call__
