"""PUCCH transmitter and receiver blocks (formats 0-4): UCI bits -> waveform -> detection.

:class:`PUCCHTransmitter` builds the slot grid from :func:`~softran.nr.pucch.pucch` and
:func:`~softran.nr.pucch.pucch_dmrs` (formats 2-4 encode the UCI with
:func:`~softran.nr.uci_encode`, TS 38.212 §6.3.1) and OFDM-modulates it.

:class:`PUCCHReceiver` is the gNB side:

* formats 0 and 1: the GLRT of :mod:`softran.nr.pucch.detect` over the HARQ-ACK hypotheses,
  with a DTX threshold set from a target false-alarm probability;
* formats 2-4: per hop a DM-RS channel estimate (:mod:`softran.nr.pucch.estimate`: LMMSE
  over a delay-limited frequency model, averaged over the DM-RS symbols of the hop; the
  generic :func:`~softran.nr.channel_estimate` is built for wide PUSCH allocations and loses
  several dB on a one-PRB hop with one DM-RS symbol), maximum-ratio combining
  (:func:`~softran.nr.mrc_combine`), :func:`~softran.nr.pucch.pucch_decode` and
  :func:`~softran.nr.uci_decode`. DTX: polar-coded UCI (A >= 12) is detected by its CRC;
  for A <= 11 the decoder's normalised correlation is compared with a threshold set, like the
  format 0/1 one, from a target false-alarm probability -- here from its distribution on
  noise-only input to this very receiver (estimation and combining change the LLRs'
  statistics, so i.i.d. Gaussian LLRs, :func:`uci_dtx_threshold`, under-estimate it),
  computed once per configuration by a seeded Monte-Carlo draw of 20000 occasions.
"""

from __future__ import annotations

import functools

import torch

from softran.nr.coding.small_block import SMALL_BLOCK_MAX, small_block_decode
from softran.nr.coding.uci import UCIDecodeResult, uci_decode, uci_encode
from softran.nr.config import N_SC_RB, CarrierConfig
from softran.nr.modulation import symbol_modulate
from softran.nr.ofdm import ofdm_demodulate, ofdm_info, ofdm_modulate
from softran.nr.pucch.chain import pucch, pucch_decode, pucch_format0_cyclic_shift
from softran.nr.pucch.config import PUCCHConfig, check_pucch_config
from softran.nr.pucch.detect import PUCCHDetection, dtx_threshold, glrt_detect
from softran.nr.pucch.dmrs import f1_spreading, low_papr_symbols, pucch_dmrs
from softran.nr.pucch.estimate import (
    PUCCH_DELAY_WINDOW,
    DelaySubspace,
    delay_subspace,
    subspace_estimate,
)
from softran.nr.pucch.resources import pucch_dmrs_indices, pucch_indices
from softran.nr.receiver import mrc_combine
from softran.validation import check_bits, check_int, check_real, check_tensor

__all__ = ["PUCCHReceiver", "PUCCHTransmitter", "uci_dtx_threshold"]

#: DTX thresholds of formats 2-4 with A <= 11, per receiver configuration
_DTX_CACHE: dict[tuple[str, str, int, int, float, tuple[float, float], str], float] = {}


def _check_n_bits(config: PUCCHConfig, n_bits: object) -> int:
    if config.format in (0, 1):
        return check_int("n_bits (HARQ-ACK bits of format 0/1)", n_bits, 0, 2)
    return check_int(f"n_bits (UCI bits of format {config.format})", n_bits, 3, 1706)


@functools.lru_cache(maxsize=64)
def uci_dtx_threshold(a: int, e: int, qm: int, false_alarm: float) -> float:
    """Threshold on the normalised correlation of :func:`~softran.nr.coding.small_block_decode`
    (A <= 11 bits, E coded bits) with false-alarm probability ``false_alarm`` on independent
    Gaussian LLRs: the (1 - false_alarm) quantile of 20000 seeded draws.

    >>> 0.2 < uci_dtx_threshold(4, 64, 2, 0.01) < 0.6
    True
    """
    a = check_int("a", a, 1, SMALL_BLOCK_MAX)
    p = check_real("false_alarm", false_alarm, 0.0, 1.0)
    if not 0.0 < p < 1.0:
        raise ValueError(f"false_alarm = {false_alarm} is out of range; allowed: 0 < false_alarm < 1")
    g = torch.Generator().manual_seed(20240 + 97 * a + e)
    _, rho = small_block_decode(torch.randn(20000, e, generator=g), a, qm)
    return float(torch.quantile(rho, 1.0 - p))


class PUCCHTransmitter(torch.nn.Module):
    """A UE's PUCCH in one slot (module docstring).

    ``forward(bits, sr=False)``: formats 0/1 ``bits`` uint8 ``[batch, A]`` HARQ-ACK bits (A
    <= 2) and ``sr`` a positive SR; formats 2-4 the UCI payload ``[batch, A]`` (A >= 3, encoded
    here). Returns the waveform complex64 ``[batch, 1, T]``; ``last_grid`` keeps the grid.

    >>> c = CarrierConfig(n_size_grid=25)
    >>> tx = PUCCHTransmitter(c, PUCCHConfig(format=2, prb_set=range(4)))
    >>> tx(torch.ones(3, 4, dtype=torch.uint8)).shape
    torch.Size([3, 1, 7680])
    """

    def __init__(self, carrier: CarrierConfig, config: PUCCHConfig, *, nfft: int | None = None,
                 sample_rate: float | None = None,
                 device: torch.device | str | None = None) -> None:
        super().__init__()
        check_pucch_config(carrier, config, "config")
        self.carrier = carrier.model_copy()
        self.config = config.model_copy()
        self.device = torch.device("cpu") if device is None else torch.device(device)
        self.info = ofdm_info(self.carrier, nfft=nfft, sample_rate=sample_rate)
        self.nfft = self.info.nfft
        self.sample_rate = float(self.info.sample_rate)
        dev = self.device
        self.indices, self.indices_info = pucch_indices(self.carrier, self.config, device=dev)
        self.dmrs_indices = pucch_dmrs_indices(self.carrier, self.config, device=dev)
        self.dmrs_symbols = pucch_dmrs(self.carrier, self.config, device=dev)
        self.last_grid: torch.Tensor | None = None

    def grid(self, bits: torch.Tensor, sr: bool | torch.Tensor = False) -> torch.Tensor:
        """The slot grid ``[batch, 1, n_symbols, K]``."""
        bits = check_bits("bits", bits, min_dim=2).to(self.device)
        cfg = self.config
        if cfg.format in (0, 1):
            x = pucch(self.carrier, cfg, bits, sr=sr)
            active = (x != 0).any(-1)                              # DTX: no DM-RS either
        else:
            x = pucch(self.carrier, cfg, uci_encode(bits, self.indices_info.G, cfg.qm))
            active = torch.ones(x.shape[0], dtype=torch.bool, device=self.device)
        batch = x.shape[0]
        n = self.carrier.symbols_per_slot * self.carrier.n_subcarriers
        grid = torch.zeros(batch, n, dtype=torch.complex64, device=self.device)
        grid[:, self.indices] = x
        if self.dmrs_indices.numel():
            grid[:, self.dmrs_indices] = self.dmrs_symbols * active[:, None]
        return grid.reshape(batch, 1, self.carrier.symbols_per_slot, self.carrier.n_subcarriers)

    def forward(self, bits: torch.Tensor, sr: bool | torch.Tensor = False) -> torch.Tensor:
        """Waveform ``[batch, 1, T]`` of one slot."""
        g = self.grid(bits, sr)
        self.last_grid = g
        return ofdm_modulate(g, self.carrier, nfft=self.nfft)


class PUCCHReceiver(torch.nn.Module):
    """One UE's PUCCH at the gNB (module docstring).

    Args:
        carrier, config: as for :class:`PUCCHTransmitter`.
        n_rx: receive antennas.
        n_bits: HARQ-ACK bits of formats 0/1 (0..2; 0: a positive SR alone), UCI bits A of
            formats 2-4 (>= 3).
        false_alarm: target probability of declaring a PUCCH on noise only (formats 0, 1, and
            2-4 with A <= 11), default 0.01.
        nfft, sample_rate: OFDM size (waveform input).
        list_length: polar list length (A >= 12).
        delay_window: formats 2-4: the delay window (s) of the channel estimator's frequency
            model (:mod:`softran.nr.pucch.estimate`), default -0.25 .. 1.25 µs.
        device: where the receiver runs.

    ``forward(rx)``: a waveform ``[batch, n_rx, T]`` or a grid ``[batch, n_rx, n_symbols, K]``
    -> :class:`~softran.nr.pucch.PUCCHDetection`.

    >>> c = CarrierConfig(n_size_grid=25)
    >>> p = PUCCHConfig(format=0, symbol_allocation=(12, 2))
    >>> tx, rx = PUCCHTransmitter(c, p), PUCCHReceiver(c, p, n_rx=2, n_bits=1)
    >>> w = tx(torch.tensor([[1], [0]], dtype=torch.uint8)).expand(-1, 2, -1)
    >>> out = rx(w + 0.01 * torch.randn_like(w))
    >>> out.bits.flatten().tolist(), out.detected.tolist()
    ([1, 0], [True, True])
    """

    def __init__(self, carrier: CarrierConfig, config: PUCCHConfig, n_rx: int, n_bits: int, *,
                 false_alarm: float = 0.01, nfft: int | None = None,
                 sample_rate: float | None = None, list_length: int = 8,
                 delay_window: tuple[float, float] = PUCCH_DELAY_WINDOW,
                 device: torch.device | str | None = None) -> None:
        super().__init__()
        check_pucch_config(carrier, config, "config")
        self.carrier = carrier.model_copy()
        self.config = config.model_copy()
        self.n_rx = check_int("n_rx", n_rx, 1)
        self.n_bits = _check_n_bits(self.config, n_bits)
        self.false_alarm = check_real("false_alarm", false_alarm, 0.0, 1.0)
        if not 0.0 < self.false_alarm < 1.0:
            raise ValueError(f"false_alarm = {false_alarm} is out of range; allowed: 0 < x < 1")
        self.list_length = list_length
        lo, hi = (check_real("delay_window", v) for v in delay_window)
        if not hi > lo:
            raise ValueError(f"delay_window = {delay_window} is empty; it must be (lo, hi) "
                             "seconds with hi > lo")
        self.delay_window = (lo, hi)
        self.device = torch.device("cpu") if device is None else torch.device(device)
        self.info = ofdm_info(self.carrier, nfft=nfft, sample_rate=sample_rate)
        self.nfft = self.info.nfft
        self.slot_length = (sum(self.info.slot_cyclic_prefix_lengths(self.carrier.n_slot))
                            + self.carrier.symbols_per_slot * self.nfft)
        dev = self.device
        self.indices, self.indices_info = pucch_indices(self.carrier, self.config, device=dev)
        if self.config.format in (0, 1):
            self._setup_glrt()
        else:
            self._setup_coherent()

    # ---- formats 0 and 1 ---------------------------------------------------------------
    def _setup_glrt(self) -> None:
        cfg, car, dev = self.config, self.carrier, self.device
        k_grid = car.n_subcarriers
        hops = self.indices_info.hops
        syms = [l for h, _ in hops for l in h]
        k0 = {l: k for h, k in hops for l in h}
        self.re = torch.tensor([[l * k_grid + k0[l] + n for n in range(N_SC_RB)] for l in syms],
                               device=dev)                                   # [L, 12]
        a = self.n_bits
        if cfg.format == 0:
            base = low_papr_symbols(car, cfg, tuple(syms), cfg.initial_cyclic_shift, 0, N_SC_RB)
            if a == 0:
                hyp = [()]
                bins = [pucch_format0_cyclic_shift([], sr=True)]
            else:
                hyp = [tuple((v >> (a - 1 - j)) & 1 for j in range(a)) for v in range(1 << a)]
                bins = [pucch_format0_cyclic_shift(list(h)) for h in hyp]
            coeff = torch.ones(len(hyp), len(syms), dtype=torch.complex64)
        else:
            parts = {}
            for dm in (True, False):
                for ss, w in f1_spreading(cfg, dmrs=dm):
                    r = low_papr_symbols(car, cfg, ss, cfg.initial_cyclic_shift, 0, N_SC_RB)
                    for j, l in enumerate(ss):
                        parts[l] = (w[j] * r[j], dm)
            base = torch.stack([parts[l][0] for l in syms])
            hyp = [()] if a == 0 else [tuple((v >> (a - 1 - j)) & 1 for j in range(a))
                                       for v in range(1 << a)]
            bits = torch.tensor([list(h) or [0] for h in hyp], dtype=torch.uint8)
            d0 = symbol_modulate(bits, "BPSK" if bits.shape[-1] == 1 else "QPSK")[:, 0]
            is_dmrs = torch.tensor([parts[l][1] for l in syms])
            coeff = torch.where(is_dmrs[None, :], torch.ones(1, dtype=torch.complex64),
                                d0[:, None])
            bins = [0] * len(hyp)
        self.hypotheses = torch.tensor([list(h) for h in hyp], dtype=torch.uint8,
                                       device=dev).reshape(len(hyp), a)
        self.base = base.to(dev)
        self.bins = torch.tensor(bins, dtype=torch.int64, device=dev)
        self.coeff = coeff.to(dev)
        pos = {l: i for i, l in enumerate(syms)}
        self.hop_positions = [[pos[l] for l in h] for h, _ in hops]
        window = {(b - o) % N_SC_RB for b in bins for o in (0, 1)}
        w = len(hops) * self.n_rx
        u = self.n_rx * len(syms) * (N_SC_RB - len(window))
        self.threshold = dtx_threshold(self.false_alarm, w, len(hyp), u)

    # ---- formats 2-4 -------------------------------------------------------------------
    def _setup_coherent(self) -> None:
        cfg, car, dev = self.config, self.carrier, self.device
        k_grid = car.n_subcarriers
        n_sc = self.indices_info.n_sc
        dmrs_ind = pucch_dmrs_indices(car, cfg)
        dmrs_val = pucch_dmrs(car, cfg)
        data_ind = self.indices.cpu()
        # per hop: its symbols and first subcarrier; the DM-RS as [L_d, N_ref] (symbol,
        # subcarrier) positions in the cropped [n_symbols of the hop, n_sc] grid with their
        # values; the delay subspace of the reference subcarriers; the data REs (cropped
        # grid positions, subcarriers) and where they sit in the output
        self.hop_plan = []
        for syms, k0 in self.indices_info.hops:
            first, last = syms[0], syms[-1]
            l, k = dmrs_ind // k_grid, dmrs_ind % k_grid
            sel_r = (l >= first) & (l <= last)
            ref_l = sorted({int(v) for v in l[sel_r]})
            ref_local = ((l[sel_r] - first) * n_sc + (k[sel_r] - k0)).reshape(len(ref_l), -1)
            ref_k = (k[sel_r] - k0).reshape(len(ref_l), -1)[0]
            ref_val = dmrs_val[sel_r].reshape(len(ref_l), -1)
            ld, kd = data_ind // k_grid, data_ind % k_grid
            sel_d = (ld >= first) & (ld <= last)
            data_local = (ld[sel_d] - first) * n_sc + (kd[sel_d] - k0)
            scs = 1e3 * car.subcarrier_spacing
            space = delay_subspace(ref_k, torch.arange(n_sc), (self.delay_window[0] * scs,
                                                               self.delay_window[1] * scs))
            space = DelaySubspace(*(t.to(dev) for t in space))
            self.hop_plan.append((slice(first, last + 1), k0, ref_local.flatten().to(dev),
                                  ref_val.conj().to(dev), space, data_local.to(dev),
                                  (kd[sel_d] - k0).to(dev), sel_d.nonzero().flatten().to(dev)))
        self.g = self.indices_info.G
        self._stack = self._stacked_plan()
        self.threshold = (self._dtx_threshold() if self.n_bits <= SMALL_BLOCK_MAX else 0.0)

    def _stacked_plan(self) -> dict[str, torch.Tensor] | None:
        """When every hop has the same DM-RS layout (the same number of DM-RS symbols and
        reference subcarriers, hence one delay subspace): the gathers that let
        :meth:`equalize` estimate all hops in one batched pass, from the slot grid
        (``grid``) or from the hops' cropped grids laid end to end (``crops``): the DM-RS REs
        hop by hop, then the data REs in :func:`~softran.nr.pucch.pucch_indices` order;
        ``h`` picks each data RE's estimate from the hops' estimates laid end to end."""
        plans = self.hop_plan
        first = plans[0]
        if any(p[3].shape != first[3].shape or not torch.equal(p[4].u, first[4].u)
               for p in plans[1:]):
            return None
        n_sc, k_grid = self.indices_info.n_sc, self.carrier.n_subcarriers
        n_re = self.indices.numel()
        grid_ref, crop_ref = [], []
        crop_data = torch.empty(n_re, dtype=torch.int64, device=self.device)
        h_index = torch.empty(n_re, dtype=torch.int64, device=self.device)
        offset = 0
        for i, (syms, k0, ref, _, _, data, data_k, sel) in enumerate(plans):
            grid_ref.append((ref // n_sc + syms.start) * k_grid + ref % n_sc + k0)
            crop_ref.append(ref + offset)
            crop_data[sel] = data + offset
            h_index[sel] = i * n_sc + data_k
            offset += (syms.stop - syms.start) * n_sc
        return {"grid": torch.cat([*grid_ref, self.indices]), "crops": torch.cat([*crop_ref,
                                                                                  crop_data]),
                "h": h_index, "ref_conj": torch.stack([p[3] for p in plans])}

    def grid(self, rx: torch.Tensor) -> torch.Tensor:
        """The received grid ``[batch, n_rx, n_symbols, K]`` of a waveform or grid input."""
        rx = check_tensor("rx", rx, min_dim=3)
        if not rx.is_complex():
            raise TypeError(f"rx must be complex, got dtype {rx.dtype}")
        if rx.shape[1] != self.n_rx:
            raise ValueError(f"rx has {rx.shape[1]} receive antennas in dimension 1; this "
                             f"receiver has n_rx = {self.n_rx}")
        n_sym, k = self.carrier.symbols_per_slot, self.carrier.n_subcarriers
        if rx.dim() == 3:
            if rx.shape[-1] != self.slot_length:
                raise ValueError(f"rx waveform has {rx.shape[-1]} samples; one slot at nfft = "
                                 f"{self.nfft} has {self.slot_length}")
            return ofdm_demodulate(rx.to(self.device), self.carrier, nfft=self.nfft)
        if rx.dim() != 4 or tuple(rx.shape[-2:]) != (n_sym, k):
            raise ValueError(f"rx must be a waveform [batch, n_rx, T] or a grid "
                             f"[batch, n_rx, {n_sym}, {k}], got {tuple(rx.shape)}")
        return rx.to(self.device)

    def _detect01(self, grid: torch.Tensor) -> PUCCHDetection:
        y = grid.flatten(-2)[..., self.re]                               # [B, R, L, 12]
        best, detected, metric = glrt_detect(y, self.base, self.hop_positions, self.bins,
                                             self.coeff, self.threshold)
        return PUCCHDetection(self.hypotheses[best], detected, metric)

    def equalize(self, grid: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        """Formats 2-4: per-hop channel estimate (:mod:`softran.nr.pucch.estimate`, the noise
        pooled over the hops and antennas) and maximum-ratio combining: ``(x_hat,
        noise_var)``, each ``[batch, n_re]`` in :func:`~softran.nr.pucch.pucch_indices`
        order."""
        if self._stack is not None:
            return self._equalize_stacked(grid.flatten(-2), self._stack["grid"])
        n_sc = self.indices_info.n_sc
        return self._equalize_hops([grid[..., plan[0], plan[1]:plan[1] + n_sc].flatten(-2)
                                    for plan in self.hop_plan])   # symbols are contiguous

    def _equalize_stacked(self, flat: torch.Tensor, index: torch.Tensor
                          ) -> tuple[torch.Tensor, torch.Tensor]:
        """:meth:`_equalize_hops` with all hops at once: the same estimate and combining (the
        values agree to float32 rounding; the operations run on other tensor layouts), one
        gather, one batched estimate and one combining instead of a loop over the hops.
        ``flat`` ``[B, R, T]`` and ``index`` one of the gathers of :meth:`_stacked_plan`."""
        st = self._stack
        assert st is not None
        b = flat.shape[0]
        ref_conj = st["ref_conj"]                                      # [H, L_d, N_ref]
        n_hops = ref_conj.shape[0]
        n_ref = ref_conj[0].numel()
        y = flat.index_select(-1, index)                               # [B, R, H L_d N + n_re]
        ls = ((y[..., :n_hops * n_ref] * ref_conj.flatten())           # LS, [B, R, H L_d N]
              .unflatten(-1, (n_hops, *ref_conj.shape[-2:])).transpose(1, 2).contiguous())
        h, energy, dof = subspace_estimate(ls, self.hop_plan[0][4])   # h [B, H, R, n_sc]
        n0 = (energy.sum(-1) / (dof * n_hops)).clamp_min(1e-30)[:, None].expand(b, self.n_rx)
        h_data = h.transpose(1, 2).flatten(-2).index_select(-1, st["h"])   # [B, R, n_re]
        x, nv = mrc_combine(y[..., n_hops * n_ref:], h_data.unsqueeze(-2), n0)
        return x[:, 0], torch.nan_to_num(nv[:, 0], posinf=1e30).clamp_min(1e-12)

    def _equalize_hops(self, subs: list[torch.Tensor]) -> tuple[torch.Tensor, torch.Tensor]:
        """:meth:`equalize` on the hops' cropped grids ``[B, R, L_hop n_sc]``."""
        b, dev = subs[0].shape[0], subs[0].device
        n_re = self.indices.numel()
        hops = []
        energy = torch.zeros(b, dtype=torch.float32, device=dev)
        dof = 0
        for sub, (_, _, ref, ref_conj, space, data, data_k, sel) in zip(subs, self.hop_plan):
            # index_select: advanced indexing of the last dimension is far slower here
            ls = sub.index_select(-1, ref).unflatten(-1, ref_conj.shape) * ref_conj
            h, e, d = subspace_estimate(ls, space)                      # ls [B, R, L_d, N_ref]
            energy = energy + e
            dof += d
            hops.append((h.index_select(-1, data_k), sub.index_select(-1, data), sel))
        n0 = (energy / dof).clamp_min(1e-30)[:, None].expand(b, self.n_rx)  # [B, R]
        x_hat = torch.zeros(b, n_re, dtype=subs[0].dtype, device=dev)
        nv_out = torch.zeros(b, n_re, dtype=torch.float32, device=dev)
        for h, y, sel in hops:
            x, nv = mrc_combine(y, h.unsqueeze(-2), n0)
            x_hat.index_copy_(1, sel, x[:, 0])
            nv_out.index_copy_(1, sel, torch.nan_to_num(nv[:, 0], posinf=1e30).clamp_min(1e-12))
        return x_hat, nv_out

    def _decode(self, x_hat: torch.Tensor, nv: torch.Tensor) -> UCIDecodeResult:
        llr = pucch_decode(self.carrier, self.config, x_hat, nv)
        return uci_decode(llr, self.n_bits, self.config.qm, list_length=self.list_length)

    def _dtx_threshold(self) -> float:
        """Formats 2-4 with A <= 11: the (1 - false_alarm) quantile of the decoder's
        normalised correlation on noise-only input to this receiver (estimation, combining,
        demapping and decoding as in :meth:`forward`), from 20000 seeded draws; cached per
        configuration."""
        key = (self.carrier.model_dump_json(), self.config.model_dump_json(), self.n_rx,
               self.n_bits, self.false_alarm, self.delay_window, str(self.device))
        if key not in _DTX_CACHE:
            g = torch.Generator().manual_seed(20240 + 97 * self.n_bits + self.n_rx)
            n_sc = self.indices_info.n_sc
            rho = []
            for _ in range(5):
                subs = [torch.randn(4000, self.n_rx, (plan[0].stop - plan[0].start) * n_sc,
                                    generator=g,
                                    dtype=torch.complex64).to(self.device)
                        for plan in self.hop_plan]
                eq = (self._equalize_stacked(torch.cat(subs, -1), self._stack["crops"])
                      if self._stack is not None else self._equalize_hops(subs))
                rho.append(self._decode(*eq).metric.float().cpu())
            _DTX_CACHE[key] = float(torch.quantile(torch.cat(rho), 1.0 - self.false_alarm))
        return _DTX_CACHE[key]

    def _detect234(self, grid: torch.Tensor) -> PUCCHDetection:
        x_hat, nv = self.equalize(grid)
        out = self._decode(x_hat, nv)
        # no energy on any RE (h = 0 everywhere: nothing arrived) is DTX; without this the
        # all-zero LLRs decode to the all-zero word, whose CRC (zero initial state) passes
        heard = (nv < 1e29).any(-1)
        if self.n_bits <= SMALL_BLOCK_MAX:
            metric = out.metric / self.threshold
            return PUCCHDetection(out.bits, (metric >= 1.0) & heard, metric)
        return PUCCHDetection(out.bits, out.crc_ok & heard, out.metric)

    def forward(self, rx: torch.Tensor) -> PUCCHDetection:
        """Detect the PUCCH in ``rx`` (class docstring)."""
        grid = self.grid(rx)
        if self.config.format in (0, 1):
            return self._detect01(grid)
        return self._detect234(grid)
