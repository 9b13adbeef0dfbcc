"""The ``pucch`` link: one UE's PUCCH (formats 0-4) through a fading channel to the gNB
receiver, counted as the failures of a TS 38.104 §8.3 metric.

Per occasion (one slot): random HARQ-ACK / UCI bits -> :class:`~softran.nr.PUCCHTransmitter`
(1 transmit antenna) -> channel (``[channel]``: ``"AWGN"``, a unit-gain channel on every
receive antenna, or a TDL model such as ``"TDLC300-100"``, independent fading per occasion)
-> ``[impairments] frequency_offset`` -> AWGN at the SNR -> :class:`~softran.nr.PUCCHReceiver`.

**Frequency-domain channel.** Without a frequency offset the link works on the resource grid:
each PUCCH symbol is multiplied by the TDL channel's frequency response at the symbol's
centre (:meth:`~softran.channel.TDLChannel.frequency_response`, the response of the same
filter the time-domain channel applies) and the noise is added per RE. This leaves out the
inter-carrier interference of the Doppler spread (about ``(pi f_D / Delta f)^2 / 3``: -40 dB
at 100 Hz and 15 kHz) and the inter-symbol interference of taps beyond the cyclic prefix
(TDLC300 at 30 kHz: its last tap, -16 dB relative, at 2.6 µs against a 2.3 µs prefix), both
far below the test SNRs' noise, and spares the OFDM modulation, the time-domain filtering of
the whole carrier and the demodulation (the 100 MHz rows run about ten times faster). With
a frequency offset the waveform goes through the time-domain channel.

**Band edges.** :class:`~softran.channel.TDLChannel` realises fractional path delays by
linear interpolation between samples, which attenuates subcarriers far from the centre: at
the carrier's own sample rate (25 PRBs at 7.68 MHz) the TDLC300 response at the band edge
has half the power it has at the centre (-3 dB), and the PUCCH of the TS 38.104 tests sits
at the band edges (PRB 0 and N - 1). The link therefore runs the channel 8 times oversampled
in the frequency domain (exact: only the response formula sees the sample rate) and 4 times
in the time domain (:func:`oversampled_channel`: -0.2 dB at the edge at worst).

**SNR**: per RE and receive antenna (TS 38.104 §8 definition): the PUCCH REs carry unit
average energy, so the noise energy per RE is ``N0 = 10^(-SNR/10)``.

**Metrics** (``metric``; the counts of :class:`~softran.sim.SlotCounts`: ``slots`` the
occasions, ``blocks`` the trials, ``block_errors`` the failures):

* ``"ack-missed"``: trials are the transmitted ACK bits (value 1); a failure is an ACK bit
  that is not detected (DTX declared) or decoded as NACK;
* ``"nack-to-ack"``: trials are the transmitted NACK bits; a failure is a NACK bit decoded
  as ACK in a detected PUCCH;
* ``"false-ack"``: noise only (nothing is transmitted; the SNR point sets the noise level,
  which the scale-invariant detectors do not see); trials are the A bit positions of each
  occasion, a failure is a bit reported as ACK in a detected PUCCH (the fraction of falsely
  detected ACK bits);
* ``"uci-bler"`` (formats 2-4): trials are the UCI blocks; a failure is a block that is
  not detected (CRC failure / DTX) or decoded with an error.

The payload is random (the ACK / NACK bits of a trial are those of the drawn payload).
Noise-only occasions are drawn directly on the resource grid (the orthonormal OFDM
demodulation of white noise is white noise of the same power per RE: the same statistics,
without the OFDM work).

``[pucch]`` keys: the fields of :class:`~softran.nr.PUCCHConfig` (``format``,
``symbol_allocation``, ``prb_set``, ``frequency_hopping``, ``second_hop_prb``,
``group_hopping``, ``hopping_id``, ``initial_cyclic_shift``, ``occ_index``,
``spreading_factor``, ``modulation``, ``additional_dmrs``, ``n_id``, ``rnti``, ...), and
``n_bits`` (HARQ-ACK bits of formats 0/1, UCI bits A of formats 2-4; default 1, 2, 4, 16,
22 for formats 0..4), ``metric`` (default ``"ack-missed"`` for formats 0/1, ``"uci-bler"``
for 2-4), ``false_alarm`` (the receiver's DTX target, default 0.01) and ``list_length``
(polar list decoder, default 8).
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING, Any

import torch

from softran.channel.impairments import FrequencyOffset
from softran.channel.tdl import TDLChannel
from softran.nr import CarrierConfig, PUCCHConfig, PUCCHReceiver, PUCCHTransmitter
from softran.nr.pucch import check_pucch_config
from softran.sim.link import LinkConfigError, SlotCounts, link_value, register_link
from softran.validation import check_int, check_name, check_real

if TYPE_CHECKING:
    from softran.sim.scenario import Scenario

__all__ = [
    "FREQUENCY_OVERSAMPLING",
    "PUCCH_METRICS",
    "TIME_OVERSAMPLING",
    "PUCCHLink",
    "check_control_channel",
    "control_fading",
    "oversampled_channel",
    "pucch_link_config",
]

#: The failure metrics the ``pucch`` link counts (module docstring).
PUCCH_METRICS: tuple[str, ...] = ("ack-missed", "nack-to-ack", "false-ack", "uci-bler")
_DEFAULT_BITS = {0: 1, 1: 2, 2: 4, 3: 16, 4: 22}
_LINK_KEYS = ("n_bits", "metric", "false_alarm", "list_length")


def check_control_channel(scenario: Scenario, link: str) -> None:
    """Raise :class:`~softran.sim.LinkConfigError` unless the scenario's channel and
    impairments are ones the ``pucch`` / ``prach`` links simulate: AWGN or a TDL model, a
    frequency offset, no phase noise, one transmit antenna."""
    model = scenario.channel.model
    if model.upper().startswith("CDL"):
        raise LinkConfigError("channel.model", f"{model!r} is not supported by link {link!r}; "
                              "allowed: 'AWGN' or a TDL model such as 'TDLC300-100'")
    if scenario.impairments.phase_noise != "none":
        raise LinkConfigError("impairments.phase_noise", f"not supported by link {link!r}; "
                              "allowed: 'none' (frequency_offset is supported)")
    if scenario.antennas.n_tx != 1:
        raise LinkConfigError("antennas.n_tx", f"n_tx = {scenario.antennas.n_tx} but the "
                              f"{link.upper()} is transmitted from 1 antenna; use n_tx = 1")


def control_fading(channel: dict[str, Any], n_rx: int, sample_rate: float, seed: int
                   ) -> TDLChannel | None:
    """The fading channel of a ``[channel]`` table (its ``model_dump``) from 1 transmit to
    ``n_rx`` receive antennas, or None for AWGN.

    >>> control_fading({"model": "AWGN"}, 2, 7.68e6, 0) is None
    True
    >>> ch = control_fading({"model": "TDLC300-100", "profile": "TDLC300", "max_doppler": 100.0,
    ...                      "correlation": "low"}, 2, 7.68e6, 1)
    >>> ch(torch.ones(3, 1, 100, dtype=torch.complex64)).shape
    torch.Size([3, 2, 100])
    """
    if channel.get("model", "AWGN").upper() == "AWGN":
        return None
    corr = channel.get("correlation", "low")
    ds = channel.get("delay_spread")
    return TDLChannel(channel["profile"], None if ds is None else ds * 1e-9,
                      float(channel["max_doppler"]), 1, n_rx, sample_rate, seed=seed,
                      correlation=None if corr == "low" else corr)


#: Oversampling of the fading channel: the time-domain path (a frequency offset, and the PRACH
#: link) and the frequency-domain path of the PUCCH link (module docstring, "Band edges").
TIME_OVERSAMPLING = 4
FREQUENCY_OVERSAMPLING = 8


def oversampled_channel(wave: torch.Tensor, channel: dict[str, Any], n_rx: int,
                        sample_rate: float, seed: int, frequency_offset: float = 0.0,
                        factor: int = TIME_OVERSAMPLING, guard: int = 64) -> torch.Tensor:
    """``wave`` ``[B, 1, T]`` at ``sample_rate`` through the ``[channel]`` fading (see
    :func:`control_fading`) and a frequency offset, the channel run at ``factor`` times the
    sample rate: ``[B, n_rx, T]``. The waveform is interpolated by zero-padding its spectrum
    (with ``guard`` zero samples on both sides against wrap-around) and decimated back the
    same way; the fading's linear interpolation of fractional path delays, which at the
    carrier's own sample rate attenuates the band edges by up to 3 dB, is then accurate over
    the occupied band. AWGN: the waveform on every antenna, no resampling.

    >>> ch = {"model": "TDLC300-100", "profile": "TDLC300", "max_doppler": 100.0}
    >>> oversampled_channel(torch.ones(2, 1, 100, dtype=torch.complex64), ch, 4, 7.68e6,
    ...                     seed=1).shape
    torch.Size([2, 4, 100])
    """
    fading = control_fading(channel, n_rx, sample_rate * factor, seed)
    if fading is None:
        y = wave.expand(-1, n_rx, -1)
        return y if not frequency_offset else FrequencyOffset(frequency_offset, sample_rate)(y)
    t = wave.shape[-1]
    x = torch.nn.functional.pad(wave, (guard, guard))
    n = x.shape[-1]
    half = n // 2
    spec = torch.fft.fft(x)
    up = torch.zeros(*spec.shape[:-1], n * factor, dtype=spec.dtype, device=spec.device)
    up[..., :half] = spec[..., :half]
    up[..., n * factor - (n - half):] = spec[..., half:]
    y = fading(torch.fft.ifft(up) * factor)
    if frequency_offset:
        y = FrequencyOffset(frequency_offset, sample_rate * factor)(y)
    spec = torch.fft.fft(y)
    down = torch.cat([spec[..., :half], spec[..., n * factor - (n - half):]], dim=-1)
    return (torch.fft.ifft(down) / factor)[..., guard:guard + t]


def _check_metric(config: PUCCHConfig, n_bits: int, metric: str) -> None:
    if metric == "uci-bler" and config.format in (0, 1):
        raise LinkConfigError("pucch.metric", f"'uci-bler' needs format 2, 3 or 4 (format "
                              f"{config.format} carries HARQ-ACK bits: use 'ack-missed', "
                              "'nack-to-ack' or 'false-ack')")
    if metric != "uci-bler" and n_bits < 1:
        raise LinkConfigError("pucch.n_bits", f"metric {metric!r} counts HARQ-ACK bits; "
                              "n_bits must be >= 1")


def control_link_tables(scenario: Scenario, link: str, config_cls: Any, check: Any,
                        link_keys: tuple[str, ...]) -> tuple[Any, Any, dict[str, Any] | None]:
    """The shared first part of the ``pucch`` / ``prach`` link checks: the scenario's
    channel (:func:`check_control_channel`) and its ``[<link>]`` table, either canonical (a
    ``<link>`` and a ``carrier`` sub-table and the ``link_keys``) or as written (the fields of
    ``config_cls`` and the ``link_keys``). Returns ``(carrier, config, canonical)`` with the
    checked :class:`~softran.nr.CarrierConfig` and ``config_cls``, and the canonical table
    itself (None when the table was written by hand). ``check(carrier, config)`` checks the
    pair."""
    table = dict(getattr(scenario, link))
    check_control_channel(scenario, link)
    if isinstance(table.get(link), dict):                   # already canonical
        allowed = {link, "carrier", *link_keys}
        for key in table:
            if key not in allowed:
                raise LinkConfigError(f"{link}.{key}", f"unknown key in a canonical {link} table")
        carrier = link_value(f"{link}.carrier", CarrierConfig, **table["carrier"])
        config = link_value(f"{link}.{link}", config_cls, **table[link])
        link_value(link, check, carrier, config)
        return carrier, config, table
    fields = tuple(config_cls.model_fields)
    for key in table:
        if key not in fields + link_keys:
            raise LinkConfigError(f"{link}.{key}", f"unknown key for link {link!r}; allowed: "
                                  + ", ".join(fields + link_keys))
    config = link_value(link, config_cls, **{k: v for k, v in table.items() if k in fields})
    carrier = link_value("carrier", CarrierConfig, **scenario.carrier)
    link_value(link, check, carrier, config)
    return carrier, config, None


def pucch_link_config(scenario: Scenario) -> dict[str, Any]:
    """Validate the scenario for the ``pucch`` link and return its canonical ``[pucch]``
    table (PUCCHConfig and carrier fields, n_bits, metric, false_alarm, list_length). Raises
    :class:`~softran.sim.LinkConfigError` naming the dotted key."""
    carrier, config, canonical = control_link_tables(scenario, "pucch", PUCCHConfig,
                                                     check_pucch_config, _LINK_KEYS)
    if canonical is not None:
        return canonical
    table = scenario.pucch
    fmt = config.format
    n_bits = link_value("pucch.n_bits", check_int, "n_bits",
                        table.get("n_bits", _DEFAULT_BITS[fmt]), 0 if fmt < 2 else 3,
                        2 if fmt < 2 else 1706)
    metric = link_value("pucch.metric", check_name, "metric",
                        table.get("metric", "ack-missed" if fmt < 2 else "uci-bler"),
                        PUCCH_METRICS)
    _check_metric(config, n_bits, metric)
    fa = link_value("pucch.false_alarm", check_real, "false_alarm",
                    table.get("false_alarm", 0.01), 0.0, 1.0)
    if not 0.0 < fa < 1.0:
        raise LinkConfigError("pucch.false_alarm", f"false_alarm = {fa} is out of range; "
                              "allowed: 0 < false_alarm < 1")
    ll = link_value("pucch.list_length", check_int, "list_length",
                    table.get("list_length", 8), 1, 32)
    # the receiver's own checks (e.g. the payload fits the resource) fail here, not in a run
    link_value("pucch", PUCCHTransmitter, carrier, config)
    return {"pucch": config.model_dump(mode="json"), "carrier": carrier.model_dump(mode="json"),
            "n_bits": n_bits, "metric": metric, "false_alarm": fa, "list_length": ll}


class PUCCHLink:
    """The PUCCH link (module docstring); implements :class:`~softran.sim.Link`.

    >>> c = CarrierConfig(n_size_grid=6)
    >>> link = PUCCHLink(c, PUCCHConfig(format=0), n_rx=2, n_bits=1, metric="ack-missed")
    >>> r = link.run(snr_db=20.0, n_slots=40, seed=1)
    >>> r.slots, r.block_errors, 0 < r.blocks < 40
    (40, 0, True)
    """

    def __init__(self, carrier: CarrierConfig, config: PUCCHConfig, n_rx: int, *,
                 n_bits: int, metric: str, false_alarm: float = 0.01,
                 channel: dict[str, Any] | None = None, frequency_offset: float = 0.0,
                 list_length: int = 8, device: str = "cpu") -> None:
        self.device = torch.device(device)
        self.metric = check_name("metric", metric, PUCCH_METRICS)
        self.n_rx = check_int("n_rx", n_rx, 1)
        self.tx = PUCCHTransmitter(carrier, config, device=self.device)
        self.rx = PUCCHReceiver(carrier, config, n_rx, n_bits, false_alarm=false_alarm,
                                list_length=list_length, device=self.device)
        self.carrier, self.config, self.n_bits = self.tx.carrier, self.tx.config, self.rx.n_bits
        try:
            _check_metric(self.config, self.n_bits, self.metric)
        except LinkConfigError as err:
            raise ValueError(err.message) from None
        self.channel = dict(channel or {"model": "AWGN"})
        self.frequency_offset = check_real("frequency_offset", frequency_offset)
        if self.frequency_offset:
            FrequencyOffset(self.frequency_offset, self.tx.sample_rate)
        first, n_sym = self.config.symbol_allocation
        #: the PUCCH's symbols and the sample index of each one's centre
        self.symbols = torch.arange(first, first + n_sym, device=self.device)
        info = self.tx.info
        starts, t = [], 0
        for cp in info.slot_cyclic_prefix_lengths(self.carrier.n_slot):
            starts.append(t + cp + info.nfft // 2)
            t += cp + info.nfft
        self.symbol_centres = torch.tensor(starts, dtype=torch.int64)[first:first + n_sym]

    def _received(self, bits: torch.Tensor, n0: float, gen: torch.Generator) -> torch.Tensor:
        n = bits.shape[0]
        car, dev = self.carrier, self.device
        shape = (n, self.n_rx, car.symbols_per_slot, car.n_subcarriers)
        if self.metric == "false-ack":                          # noise only, on the grid
            return torch.randn(shape, dtype=torch.complex64, generator=gen,
                               device=dev) * math.sqrt(n0)
        seed = int(torch.randint(0, 2**62, (1,), generator=gen, device=dev))
        if self.frequency_offset:                               # time domain
            y = oversampled_channel(self.tx(bits), self.channel, self.n_rx,
                                    self.tx.sample_rate, seed, self.frequency_offset)
            noise = torch.randn(y.shape, dtype=y.dtype, generator=gen, device=dev)
            return y + noise * math.sqrt(n0)
        # frequency domain: the channel sampled at each PUCCH symbol's centre
        grid = self.tx.grid(bits)[:, :, self.symbols]               # [n, 1, L, K]
        fading = control_fading(self.channel, self.n_rx,
                                self.tx.sample_rate * FREQUENCY_OVERSAMPLING, seed)
        if fading is None:
            y_sym = grid.expand(-1, self.n_rx, -1, -1)
        else:
            fading(torch.zeros(n, 1, 1, dtype=torch.complex64, device=dev))  # draw it
            h = fading.frequency_response(car.n_subcarriers, 1e3 * car.subcarrier_spacing,
                                          self.symbol_centres * FREQUENCY_OVERSAMPLING)
            y_sym = h[:, :, 0].transpose(-1, -2) * grid              # h: [n, R, 1, K, L]
        noise = torch.randn(y_sym.shape, dtype=y_sym.dtype, generator=gen, device=dev)
        y = torch.zeros(shape, dtype=torch.complex64, device=dev)
        y[:, :, self.symbols] = y_sym + noise * math.sqrt(n0)
        return y

    def run(self, snr_db: float, n_slots: int, seed: int) -> SlotCounts:
        """Simulate ``n_slots`` PUCCH occasions and count the metric's trials and failures."""
        n_slots = check_int("n_slots", n_slots, 1)
        seed = check_int("seed", seed, 0, 2**63 - 1)
        gen = torch.Generator(device=self.device).manual_seed(seed)
        n0 = 10.0 ** (-float(snr_db) / 10.0)
        bits = torch.randint(0, 2, (n_slots, self.n_bits), generator=gen, device=self.device,
                             dtype=torch.uint8)
        det = self.rx(self._received(bits, n0, gen))
        detected = det.detected.reshape(n_slots)
        dec = det.bits.reshape(n_slots, self.n_bits)
        if self.metric == "ack-missed":
            mask = bits == 1
            fail = mask & (~detected[:, None] | (dec != 1))
        elif self.metric == "nack-to-ack":
            mask = bits == 0
            fail = mask & detected[:, None] & (dec == 1)
        elif self.metric == "false-ack":
            mask = torch.ones_like(bits, dtype=torch.bool)
            fail = detected[:, None] & (dec == 1)
        else:
            mask = torch.ones(n_slots, dtype=torch.bool, device=self.device)
            fail = ~detected | (dec != bits).any(-1)
        trials, failures = int(mask.sum()), int(fail.sum())
        return SlotCounts(slots=n_slots, transmissions=n_slots, transmission_errors=failures,
                          blocks=trials, block_errors=failures, bits=trials,
                          bit_errors=failures, delivered_bits=trials - failures,
                          max_bits=trials)


def _factory(scenario: Scenario, device: str) -> PUCCHLink:
    cfg = pucch_link_config(scenario)
    return PUCCHLink(CarrierConfig(**cfg["carrier"]), PUCCHConfig(**cfg["pucch"]),
                     scenario.antennas.n_rx, n_bits=cfg["n_bits"], metric=cfg["metric"],
                     false_alarm=cfg["false_alarm"],
                     channel=scenario.channel.model_dump(mode="json"),
                     frequency_offset=scenario.impairments.frequency_offset,
                     list_length=cfg["list_length"], device=device)


register_link("pucch", _factory, pucch_link_config, section="pucch")
