"""The ``pusch`` link: a UE's PUSCH through a fading channel to the gNB receiver, with HARQ.

Per transmission: :class:`~softran.nr.PUSCHTransmitter` (UL-SCH, PUSCH, DM-RS, precoding,
OFDM) -> channel (AWGN, TDL with TS 38.104 Annex G correlation, or CDL) -> oscillator
impairments (``[impairments]``: frequency offset, phase noise; see
:class:`~softran.sim.scenario.ImpairmentsSection`) -> AWGN at the SNR
-> :class:`~softran.nr.PUSCHReceiver` (OFDM demodulation, DM-RS channel estimation or the
true channel, PT-RS phase tracking, MMSE-IRC, demapping) -> UL-SCH decoding with HARQ soft
combining.

**SNR** (TS 38.104 §8 definition, conformance.md §0.1): per RE and per receive antenna,
``SNR = P / N0`` with ``P`` the average energy per data RE summed over the transmit ports
(the number of layers for non-codebook transmission, ``||W||_F^2`` with TPMI precoding)
and ``N0`` the noise energy per RE at one antenna. The fading channels are normalised to unit
average power per link, so ``P`` is also the average received data-RE energy at one
antenna. The noise is added in the time domain with variance ``N0`` per sample, which the
orthonormal OFDM demodulator turns into ``N0`` per RE.

**Fading** is independent from transmission to transmission ("slot-independent" fading, as
the TS 38.104 conformance implementations run it): every transmission draws a new
realisation from the batch's seed stream. ``[channel] model``:

* ``"AWGN"``: a fixed channel ``h[r, t] = exp(j 2π r t / max(n_rx, n_tx))`` (unit gain on
  every link, full rank for ``n_rx >= n_tx``; one transmit antenna: all ones);
* ``"<profile>-<Doppler>"`` (``TDLB100-400``, ``TDLC300-100``, ``TDLA30-10``) or ``"TDL"``:
  :class:`~softran.channel.TDLChannel` with the scenario's ``correlation``;
* ``"CDL-A"`` .. ``"CDL-E"``: :class:`~softran.channel.CDLChannel` in the uplink with
  uniform linear arrays of vertically polarised isotropic elements at half-wavelength
  spacing on both sides.

The fading channels realise fractional path delays with a band-limited interpolator whose
output lags by ``filter_delay`` samples (:mod:`softran.channel.delay_line`); the link removes
that lag (ideal timing, as the receiver has no timing estimation), so the perfect-CSI channel
(``frequency_response`` at the FFT window centres) and the waveform agree.

``[pusch]`` keys: ``frc`` (a TS 38.104 Annex A FRC name such as ``"G-FR1-A3-8"``; then the
PUSCH fields below are not allowed and the carrier defaults to the FRC's SCS and PRBs), or
``n_prb``, ``mcs_index`` + ``mcs_table`` or ``modulation`` + ``target_code_rate``,
``n_layers``, ``transform_precoding``, ``mapping_type``, ``symbol_allocation``,
``dmrs_type``, ``dmrs_additional_position``, ``dmrs_max_length``,
``num_cdm_groups_without_data``, ``transmission_scheme``, ``tpmi``, ``enable_ptrs`` with
``ptrs_time_density`` (L_PT-RS 1, 2, 4) and ``ptrs_frequency_density`` (K_PT-RS 2, 4),
``rnti``; receiver options (allowed with ``frc`` too): ``channel_estimation``
(``"estimated"`` or ``"perfect"``), ``detector`` (``"mmse-irc"``, ``"mmse"``),
``max_iterations`` (LDPC).
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING, Any

import torch

from softran.nr import (
    PUSCH_DETECTORS,
    CarrierConfig,
    PUSCHConfig,
    PUSCHReceiver,
    PUSCHTransmitter,
    ofdm_info,
    ulsch_info,
)
from softran.sim.harq import HARQModel
from softran.sim.link import (
    LinkConfigError,
    SlotCounts,
    check_batch_memory,
    link_value,
    register_link,
)
from softran.sim.links._radio import RadioLink, check_canonical_table
from softran.sim.links.sch_awgn import harq_counts
from softran.validation import check_allocation, check_int

if TYPE_CHECKING:
    from softran.sim.scenario import Scenario

__all__ = ["PUSCHLink", "harq_model", "pusch_link_config"]

_PUSCH_KEYS = ("n_prb", "mcs_index", "mcs_table", "modulation", "target_code_rate", "n_layers",
               "transform_precoding", "mapping_type", "symbol_allocation", "dmrs_type",
               "dmrs_additional_position", "dmrs_max_length", "num_cdm_groups_without_data",
               "transmission_scheme", "tpmi", "enable_ptrs", "ptrs_time_density",
               "ptrs_frequency_density", "rnti")
_RX_KEYS = ("channel_estimation", "detector", "max_iterations")
_ESTIMATION = ("estimated", "perfect")


_key = link_value


def _pusch_from_table(table: dict[str, Any], n_tx: int) -> tuple[dict[str, Any], dict[str, Any]]:
    """Canonical PUSCHConfig keyword arguments and carrier defaults of the [pusch] table."""
    if "frc" in table:
        from softran.sim.requirements import frc

        for key in table:
            if key in _PUSCH_KEYS:
                raise LinkConfigError(f"pusch.{key}", "not allowed together with frc (the FRC "
                                      "fixes it); remove it or drop frc")
        f = _key("pusch.frc", frc, table["frc"])
        kw = dict(prb_set=list(range(f.n_prb)), mcs_index=f.mcs_index, mcs_table=f.mcs_table,
                  n_layers=f.n_layers, transform_precoding=f.transform_precoding,
                  mapping_type=f.mapping_type, symbol_allocation=[f.start_symbol, f.n_symbols],
                  dmrs={"dmrs_type": f.dmrs_config_type, "max_length": f.dmrs_length,
                        "additional_position": f.dmrs_additional_position,
                        "num_cdm_groups_without_data": f.num_cdm_groups_without_data})
        return kw, {"subcarrier_spacing": f.scs_khz, "n_size_grid": f.n_prb, "frc": f.name}
    kw: dict[str, Any] = {}
    if "n_prb" in table:
        kw["prb_set"] = list(range(_key("pusch.n_prb", check_int, "n_prb", table["n_prb"], 1,
                                        275)))
    for key in ("mcs_index", "mcs_table", "modulation", "target_code_rate", "n_layers",
                "transform_precoding", "mapping_type", "transmission_scheme", "tpmi",
                "enable_ptrs", "rnti"):
        if key in table:
            kw[key] = table[key]
    if "symbol_allocation" in table:
        kw["symbol_allocation"] = list(table["symbol_allocation"])
    dmrs = {}
    for key, field in (("dmrs_type", "dmrs_type"), ("dmrs_additional_position",
                                                    "additional_position"),
                       ("dmrs_max_length", "max_length"),
                       ("num_cdm_groups_without_data", "num_cdm_groups_without_data")):
        if key in table:
            dmrs[field] = table[key]
    if dmrs:
        kw["dmrs"] = dmrs
    ptrs = {field: table[key] for key, field in (("ptrs_time_density", "time_density"),
                                                 ("ptrs_frequency_density",
                                                  "frequency_density")) if key in table}
    if ptrs:
        if table.get("enable_ptrs") is not True:
            key = next(k for k in ("ptrs_time_density", "ptrs_frequency_density") if k in table)
            raise LinkConfigError(f"pusch.{key}", "only used with enable_ptrs = true")
        kw["ptrs"] = ptrs
    if kw.get("transmission_scheme") == "codebook":
        kw["n_antenna_ports"] = n_tx
    return kw, {}


def _bytes_per_slot(carrier: CarrierConfig, config: PUSCHConfig, n_rx: int) -> int:
    """Estimated memory of one slot of :meth:`PUSCHLink.run`: its dominant tensors (waveforms
    through the channel, noise and impairments; the received grid, channel estimates and
    equaliser outputs; LLRs; the decoder's soft buffer and LDPC state; TB bits)."""
    info = ofdm_info(carrier)
    s, k = carrier.symbols_per_slot, carrier.n_subcarriers
    t = sum(info.symbol_lengths[:s])                     # samples of one slot (the longest)
    n_l = config.n_layers
    n_tx = config.n_antenna_ports if config.transmission_scheme == "codebook" else n_l
    sch = ulsch_info(config.tb_size, config.code_rate)
    cn = sch.c * sch.n
    return (8 * t * (n_tx + 6 * n_rx) + 8 * s * k * (3 * n_rx + 3 * n_rx * n_l + 2 * n_l)
            + 2 * 4 * config.num_coded_bits + 5 * 4 * cn + 2 * config.tb_size)


def pusch_link_config(scenario: Scenario) -> dict[str, Any]:
    """Validate the scenario for the ``pusch`` link and return its canonical ``[pusch]`` table
    (PUSCH keyword arguments, carrier and receiver options). Raises
    :class:`~softran.sim.LinkConfigError` naming the dotted key."""
    table = dict(scenario.pusch)
    if isinstance(table.get("pusch"), dict):  # already canonical (validated scenario)
        return _canonical(table)
    for key in table:
        if key not in _PUSCH_KEYS + _RX_KEYS + ("frc",):
            raise LinkConfigError(f"pusch.{key}", "unknown key for link 'pusch'; allowed: frc, "
                                  + ", ".join(_PUSCH_KEYS + _RX_KEYS))
    n_tx, n_rx = scenario.antennas.n_tx, scenario.antennas.n_rx
    kw, carrier_defaults = _pusch_from_table(table, n_tx)
    frc_name = carrier_defaults.pop("frc", None)
    carrier_kw = {**carrier_defaults, **scenario.carrier}
    carrier = _key("carrier", CarrierConfig, **carrier_kw)
    if frc_name is not None:
        if carrier.subcarrier_spacing != carrier_defaults["subcarrier_spacing"]:
            raise LinkConfigError("carrier.subcarrier_spacing", f"{frc_name} is defined at "
                                  f"{carrier_defaults['subcarrier_spacing']} kHz")
    config = _key("pusch", PUSCHConfig, **kw)
    _key("pusch", config.check_carrier, carrier)
    n_ports = config.n_antenna_ports if config.transmission_scheme == "codebook" else \
        config.n_layers
    if n_ports != n_tx:
        raise LinkConfigError("antennas.n_tx", f"n_tx = {n_tx} but the PUSCH transmits on "
                              f"{n_ports} port(s) ({config.n_layers} layer(s), "
                              f"{config.transmission_scheme}); they must be equal")
    if n_rx < config.n_layers:
        raise LinkConfigError("antennas.n_rx", f"n_rx = {n_rx} cannot separate "
                              f"{config.n_layers} layers; use n_rx >= n_layers")
    est = table.get("channel_estimation", "estimated")
    if est not in _ESTIMATION:
        raise LinkConfigError("pusch.channel_estimation", f"{est!r} is not allowed; allowed: "
                              + ", ".join(repr(e) for e in _ESTIMATION))
    det = table.get("detector", "mmse-irc")
    if det not in PUSCH_DETECTORS:
        raise LinkConfigError("pusch.detector", f"{det!r} is not allowed; allowed: "
                              + ", ".join(repr(d) for d in PUSCH_DETECTORS))
    iters = _key("pusch.max_iterations", check_int, "max_iterations",
                 table.get("max_iterations", 12), 1, 100)
    if config.tb_size <= 0:
        raise LinkConfigError("pusch", "the allocation carries no transport block")
    check_batch_memory(scenario, _bytes_per_slot(carrier, config, n_rx))
    out = {"pusch": config.model_dump(mode="json"), "carrier": carrier.model_dump(mode="json"),
           "channel_estimation": est, "detector": det, "max_iterations": iters}
    if frc_name is not None:
        out["frc"] = frc_name
    return out


def _canonical(table: dict[str, Any]) -> dict[str, Any]:
    return check_canonical_table(table, "pusch", PUSCHConfig, (
        "pusch", "carrier", "channel_estimation", "detector", "max_iterations", "frc"))


class PUSCHLink(RadioLink):
    """PUSCH link with HARQ (module docstring); implements :class:`~softran.sim.Link`.

    >>> from softran.nr import CarrierConfig, PUSCHConfig
    >>> link = PUSCHLink(CarrierConfig(n_size_grid=4), PUSCHConfig(prb_set=range(4),
    ...                  mcs_index=2), n_rx=2)
    >>> c = link.run(snr_db=10.0, n_slots=4, seed=1)
    >>> c.blocks, c.block_errors, c.slots
    (4, 0, 4)
    """

    def __init__(self, carrier: CarrierConfig, config: PUSCHConfig, n_rx: int, *,
                 channel: dict[str, Any] | None = None,
                 impairments: dict[str, Any] | None = None, max_transmissions: int = 4,
                 rv_sequence: tuple[int, ...] = (0, 2, 3, 1),
                 channel_estimation: str = "estimated", detector: str = "mmse-irc",
                 max_iterations: int = 12, device: str = "cpu",
                 harq_model: HARQModel | None = None) -> None:
        self.device = torch.device(device)
        #: the HARQ timeline (processes, feedback, round trip), or None: no stall
        self.harq_model = harq_model
        self.tx = PUSCHTransmitter(carrier, config, device=self.device)
        self.rx = PUSCHReceiver(carrier, config, n_rx, detector=detector,
                                max_iterations=max_iterations, device=self.device)
        self.carrier, self.config = self.tx.carrier, self.tx.config
        self.n_tx, self.n_rx = self.tx.n_ports, check_int("n_rx", n_rx, 1)
        self.channel = dict(channel or {"model": "AWGN"})
        self.impairments = self._impairments(impairments or {})
        self.max_transmissions = check_int("max_transmissions", max_transmissions, 1, 4)
        self.rv_sequence = tuple(check_int("rv", rv, 0, 3) for rv in rv_sequence)
        if channel_estimation not in _ESTIMATION:
            raise ValueError(f"channel_estimation = {channel_estimation!r} is not allowed; "
                             f"allowed: {_ESTIMATION}")
        self.perfect = channel_estimation == "perfect"
        w = self.tx.precoder
        #: average transmitted energy per data RE, summed over the ports (the SNR's P)
        self.signal_energy = (float(config.n_layers) if w is None
                              else float(w.abs().square().sum()))
        self._init_radio()

    def bytes_per_slot(self) -> int:
        """Estimated memory of one slot of :meth:`run` (its dominant tensors), for the memory
        check of ``n_slots`` (and of ``run.batch_slots`` when a scenario is validated)."""
        return _bytes_per_slot(self.carrier, self.config, self.n_rx)

    def run(self, snr_db: float, n_slots: int, seed: int) -> SlotCounts:
        """Simulate ``n_slots`` new transport blocks, each retransmitted until acknowledged or
        ``max_transmissions`` (RV ``rv_sequence[i % len]`` for transmission ``i``)."""
        n_slots = check_int("n_slots", n_slots, 1)
        check_allocation("n_slots", n_slots, n_slots * self.bytes_per_slot(), device=self.device)
        seed = check_int("seed", seed, 0, 2**63 - 1)
        gen = torch.Generator(device=self.device).manual_seed(seed)
        n0 = self.signal_energy / 10.0 ** (float(snr_db) / 10.0)
        dev, a, g = self.device, self.config.tb_size, self.config.num_coded_bits
        tb = torch.randint(0, 2, (n_slots, a), generator=gen, device=dev, dtype=torch.uint8)
        decoded = torch.zeros_like(tb)
        active = torch.ones(n_slots, dtype=torch.bool, device=dev)
        acked = torch.zeros_like(active)
        n_tx = torch.zeros(n_slots, dtype=torch.int64, device=dev)
        decoder = self.rx.decoder
        oscillator = self.oscillator(gen)
        allowed = (None if self.harq_model is None
                   else self.harq_model.allowed_transmissions(n_slots, dev))
        for i in range(self.max_transmissions):
            idx = active.nonzero().flatten()
            if idx.numel() == 0:
                break
            rv = self.rv_sequence[i % len(self.rv_sequence)]
            wave = self.tx(tb[idx], rv)
            y, h = self.propagate(wave, gen)
            y = self._impair(y, oscillator)
            noise = torch.randn(y.shape, dtype=y.dtype, generator=gen, device=dev)
            y = y + noise * math.sqrt(n0)
            llr_active = self.rx.llr(y, h=h, noise_var=n0 if self.perfect else None)
            # finished blocks get zero LLRs: the soft buffer keeps one shape and a block with
            # no soft bits is not decoded (a decoded block has cleared its soft bits)
            llr = torch.zeros(n_slots, g, dtype=llr_active.dtype, device=dev)
            llr[idx] = llr_active
            # the first transmission is new data (NDI toggled), the others retransmissions
            out, err = decoder(llr, self.config.modulation, self.config.n_layers, rv=rv,
                               harq_process=0, new_data=i == 0)
            n_tx += active
            decoded = torch.where(active.unsqueeze(-1), out, decoded)
            acked |= active & ~err
            active &= err
            if allowed is not None:  # feedback disabled: no retransmission
                active &= n_tx < allowed
        decoder.reset_soft_buffer(0)
        counts = harq_counts(tb, decoded, acked, n_tx)
        if self.harq_model is not None:
            counts = self.harq_model.counts(counts, n_tx, a)
        return counts


def _factory(scenario: Scenario, device: str) -> PUSCHLink:
    cfg = pusch_link_config(scenario)
    carrier = CarrierConfig(**cfg["carrier"])
    config = PUSCHConfig(**cfg["pusch"])
    channel = scenario.channel.model_dump(mode="json")
    return PUSCHLink(carrier, config, scenario.antennas.n_rx, channel=channel,
                     impairments=scenario.impairments.model_dump(mode="json"),
                     max_transmissions=scenario.harq.max_transmissions,
                     rv_sequence=tuple(scenario.harq.rv_sequence),
                     channel_estimation=cfg["channel_estimation"], detector=cfg["detector"],
                     max_iterations=cfg["max_iterations"], device=device,
                     harq_model=harq_model(scenario))


def harq_model(scenario: Scenario, round_trip_slots: int | None = None) -> HARQModel | None:
    """The scenario's HARQ timeline (``[harq] n_processes`` set), else None;
    ``round_trip_slots`` is the default of an unset ``[harq] round_trip_slots`` (1)."""
    h = scenario.harq
    if not h.timeline:
        return None
    assert h.n_processes is not None
    rtt = h.round_trip_slots or round_trip_slots or 1
    return HARQModel(h.n_processes, rtt, h.feedback_disabled, h.max_transmissions)


register_link("pusch", _factory, pusch_link_config)
