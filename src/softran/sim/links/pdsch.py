"""The ``pdsch`` link: the gNB's PDSCH through a fading channel to the UE receiver, with HARQ.

Per transmission: :class:`~softran.nr.PDSCHTransmitter` (DL-SCH, PDSCH, DM-RS, OFDM) ->
channel (AWGN, TDL with TS 38.101-4 / TS 38.104 Annex G correlation, or CDL in the downlink)
-> oscillator impairments (``[impairments]``) -> AWGN at the SNR ->
:class:`~softran.nr.PDSCHReceiver` (OFDM demodulation, DM-RS channel estimation or the true
channel, MMSE-IRC, demapping) -> DL-SCH decoding with HARQ soft combining (redundancy
versions ``[harq] rv_sequence``, default 0, 2, 3, 1 as TS 38.101-4 §5.2 uses). Each new
transport block starts from an empty soft buffer: the link resets the decoders' HARQ
process explicitly (:meth:`~softran.nr.PDSCHReceiver.reset_harq`) before and after a run.

**SNR**: as for the ``pusch`` link (TS 38.101-4 / TS 38.104 definition): per RE and receive
antenna, ``P / N0`` with ``P`` the average data-RE energy summed over the transmit ports
(``n_layers``: the layers are the ports) and ``N0`` the noise energy per RE at one antenna.
Fading is independent from transmission to transmission. The channel models are those of
:mod:`softran.sim.links.pusch` (the CDL arrays with the gNB transmitting).

**Antennas**: ``antennas.n_tx`` must equal ``n_layers`` (no precoding: the layers are the
transmit ports) and ``antennas.n_rx >= n_layers``. The TS 38.101-4 2x2 tests of the
R.PDSCH.1-1.x channels precode one layer onto two antennas with a random precoder per PRG;
that precoder is not modelled here (choice: the reference channels run on ``n_tx = 1``).

**Two codewords** (5 to 8 layers): the slot is retransmitted until both transport blocks are
acknowledged or ``max_transmissions`` is reached; a block acknowledged earlier keeps its
decoded bits. ``slots`` counts the slot's transmissions once, ``blocks`` both codewords, and
``max_bits`` is ``(A_0 + A_1)`` per transmitted slot.

``[pdsch]`` keys: see :class:`~softran.sim.scenario_sections.PDSCHSection`. ``frc`` picks a
TS 38.101-4 Annex A.3.2 reference channel, ``"R.PDSCH.1-1.1"`` .. ``"R.PDSCH.1-1.4"``
(``data/ts38101_4_frc_pdsch.csv``: 52 PRB at 15 kHz, QPSK, mapping type A, DM-RS type 1,
PRB bundling 2 or 4); the carrier defaults to its SCS and grid.

:func:`pdsch_throughput_crossing` reads the 70 % throughput SNR and its confidence interval
off a run's points (``softran simulate`` prints it for this link).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING, Any

import torch
from pydantic import ValidationError

from softran.nr import CarrierConfig, PDSCHConfig, PDSCHReceiver, PDSCHTransmitter
from softran.nr.datafiles import read_csv
from softran.sim.link import LinkConfigError, SlotCounts, register_link
from softran.sim.links._radio import RadioLink, check_canonical_table
from softran.tomlfile import split_message
from softran.validation import check_int, check_name

if TYPE_CHECKING:
    from collections.abc import Iterable

    from softran.sim.conformance import Crossing
    from softran.sim.scenario import Scenario

__all__ = ["PDSCHFRC", "PDSCHLink", "pdsch_frc", "pdsch_link_config",
           "pdsch_throughput_crossing"]

_DATA = Path(__file__).parents[1] / "data"
_ESTIMATION = ("estimated", "perfect")
_CANONICAL = ("pdsch", "carrier", "channel_estimation", "detector", "max_iterations", "frc")


@dataclass(frozen=True)
class PDSCHFRC:
    """One TS 38.101-4 Annex A.3.2 PDSCH reference channel (a row of
    ``data/ts38101_4_frc_pdsch.csv``; conformance.md §4.1-§4.2)."""

    name: str
    scs_khz: int
    n_size_grid: int
    n_prb: int
    start_prb: int
    mapping_type: str
    start_symbol: int
    n_symbols: int
    mcs_table: str
    mcs_index: int
    dmrs_additional_position: int
    num_cdm_groups_without_data: int
    prb_bundling: int
    tbs: int

    def config(self) -> PDSCHConfig:
        """The :class:`~softran.nr.PDSCHConfig` of the channel (one layer, DM-RS type 1,
        single symbol, dmrs-TypeA-Position 2).

        >>> pdsch_frc("R.PDSCH.1-1.1").config().tb_sizes
        (3904,)
        """
        return PDSCHConfig(
            prb_set=range(self.start_prb, self.start_prb + self.n_prb),
            mapping_type=self.mapping_type,
            symbol_allocation=(self.start_symbol, self.n_symbols),
            mcs_table=self.mcs_table, mcs_index=self.mcs_index, n_layers=1,
            prg_bundle_size=self.prb_bundling,
            dmrs={"dmrs_type": 1, "max_length": 1, "type_a_position": 2,
                  "additional_position": self.dmrs_additional_position,
                  "num_cdm_groups_without_data": self.num_cdm_groups_without_data})


@cache
def _frcs() -> dict[str, PDSCHFRC]:
    out = {}
    for r in read_csv("ts38101_4_frc_pdsch.csv", _DATA):
        out[r["name"]] = PDSCHFRC(**{key: value if key in ("name", "mapping_type", "mcs_table")
                                     else int(value) for key, value in r.items()})
    return out


def pdsch_frc(name: str) -> PDSCHFRC:
    """The TS 38.101-4 PDSCH reference channel ``name`` (``"R.PDSCH.1-1.1"`` ..
    ``"R.PDSCH.1-1.4"``).

    >>> f = pdsch_frc("R.PDSCH.1-1.4")
    >>> f.mcs_table, f.mcs_index, f.tbs
    ('qam64LowSE', 14, 8064)
    """
    return _frcs()[check_name("frc", name, tuple(_frcs()))]


def _key(key: str, fn: Any, *args: Any, **kw: Any) -> Any:
    try:
        return fn(*args, **kw)
    except LinkConfigError:
        raise
    except ValidationError as err:
        e = err.errors()[0]
        loc, msg = split_message(tuple(e["loc"]), e["msg"])
        sub = ".".join(str(p) for p in loc)
        raise LinkConfigError(f"{key}.{sub}" if sub else key, msg.splitlines()[0]) from None
    except (TypeError, ValueError) as err:
        raise LinkConfigError(key, str(err).splitlines()[0]) from None


def _section(table: dict[str, Any]) -> Any:
    from softran.sim.scenario_sections import PDSCHSection

    for key in table:
        if key not in PDSCHSection.model_fields:
            raise LinkConfigError(f"pdsch.{key}", "unknown key for link 'pdsch'; allowed: "
                                  + ", ".join(PDSCHSection.model_fields))
    return _key("pdsch", PDSCHSection, **table)


def _pdsch_kwargs(s: Any) -> tuple[dict[str, Any], dict[str, Any]]:
    """PDSCHConfig keyword arguments and carrier defaults of a checked [pdsch] section."""
    if s.frc is not None:
        f = _key("pdsch.frc", pdsch_frc, s.frc)
        return f.config().model_dump(mode="json"), {
            "subcarrier_spacing": f.scs_khz, "n_size_grid": f.n_size_grid, "frc": f.name}
    kw: dict[str, Any] = {}
    if s.n_prb is not None or s.prb_start is not None:
        n = _key("pdsch.n_prb", check_int, "n_prb", 52 if s.n_prb is None else s.n_prb, 1, 275)
        start = _key("pdsch.prb_start", check_int, "prb_start", s.prb_start or 0, 0, 274)
        kw["prb_set"] = list(range(start, start + n))
    for key in ("mcs_index", "mcs_table", "modulation", "target_code_rate", "n_layers",
                "mapping_type", "rnti"):
        if getattr(s, key) is not None:
            kw[key] = getattr(s, key)
    if s.symbol_allocation is not None:
        kw["symbol_allocation"] = list(s.symbol_allocation)
    if s.prb_bundling is not None:
        kw["prg_bundle_size"] = None if s.prb_bundling == "wideband" else s.prb_bundling
        if isinstance(s.prb_bundling, str) and s.prb_bundling != "wideband":
            raise LinkConfigError("pdsch.prb_bundling", f"{s.prb_bundling!r} is not allowed; "
                                  "allowed: 2, 4, 'wideband'")
    dmrs = {field: getattr(s, key) for key, field in (
        ("dmrs_type", "dmrs_type"), ("dmrs_additional_position", "additional_position"),
        ("dmrs_max_length", "max_length"),
        ("num_cdm_groups_without_data", "num_cdm_groups_without_data"))
        if getattr(s, key) is not None}
    if dmrs:
        kw["dmrs"] = dmrs
    return kw, {}


def pdsch_link_config(scenario: Scenario) -> dict[str, Any]:
    """Validate the scenario for the ``pdsch`` link and return its canonical ``[pdsch]`` table
    (``pdsch``: the :class:`~softran.nr.PDSCHConfig` fields, ``carrier``, the receiver options
    and ``frc`` when one was named). Raises :class:`~softran.sim.LinkConfigError` naming the
    dotted key.

    >>> from softran.sim.scenario import validate_scenario
    >>> s = validate_scenario({"scenario": {"name": "x", "link": "pdsch"},
    ...     "pdsch": {"frc": "R.PDSCH.1-1.2"}, "snr": {"points_db": [0]}})
    >>> s.pdsch["pdsch"]["prb_set"][:2], s.pdsch["carrier"]["n_size_grid"]
    ([23, 24], 52)
    """
    table = dict(scenario.pdsch or {})
    if isinstance(table.get("pdsch"), dict):  # already canonical (validated scenario)
        return _canonical(table)
    s = _section(table)
    kw, carrier_defaults = _pdsch_kwargs(s)
    frc_name = carrier_defaults.pop("frc", None)
    carrier = _key("carrier", CarrierConfig, **{**carrier_defaults, **scenario.carrier})
    if frc_name is not None and carrier.subcarrier_spacing != carrier_defaults[
            "subcarrier_spacing"]:
        raise LinkConfigError("carrier.subcarrier_spacing", f"{frc_name} is defined at "
                              f"{carrier_defaults['subcarrier_spacing']} kHz")
    config = _key("pdsch", PDSCHConfig, **kw)
    _key("pdsch", config.check_carrier, carrier)
    n_tx, n_rx = scenario.antennas.n_tx, scenario.antennas.n_rx
    if n_tx != config.n_layers:
        raise LinkConfigError("antennas.n_tx", f"n_tx = {n_tx} but the PDSCH has "
                              f"{config.n_layers} layer(s) (the layers are the transmit "
                              "ports); they must be equal")
    if n_rx < config.n_layers:
        raise LinkConfigError("antennas.n_rx", f"n_rx = {n_rx} cannot separate "
                              f"{config.n_layers} layers; use n_rx >= n_layers")
    if min(config.tb_sizes) <= 0:
        raise LinkConfigError("pdsch", "the allocation carries no transport block")
    out = {"pdsch": config.model_dump(mode="json"), "carrier": carrier.model_dump(mode="json"),
           "channel_estimation": s.channel_estimation, "detector": s.detector,
           "max_iterations": s.max_iterations}
    if frc_name is not None:
        out["frc"] = frc_name
    return out


def _canonical(table: dict[str, Any]) -> dict[str, Any]:
    return check_canonical_table(table, "pdsch", PDSCHConfig, _CANONICAL)


class PDSCHLink(RadioLink):
    """PDSCH link with HARQ (module docstring); implements :class:`~softran.sim.Link`.

    >>> from softran.nr import CarrierConfig, PDSCHConfig
    >>> link = PDSCHLink(CarrierConfig(n_size_grid=6), PDSCHConfig(prb_set=range(6),
    ...                  mcs_index=2), n_rx=2)
    >>> c = link.run(snr_db=10.0, n_slots=4, seed=1)
    >>> c.blocks, c.block_errors, c.slots
    (4, 0, 4)
    """

    uplink = False

    def __init__(self, carrier: CarrierConfig, config: PDSCHConfig, n_rx: int, *,
                 channel: dict[str, Any] | None = None,
                 impairments: dict[str, Any] | None = None, max_transmissions: int = 4,
                 rv_sequence: tuple[int, ...] = (0, 2, 3, 1),
                 channel_estimation: str = "estimated", detector: str = "mmse-irc",
                 max_iterations: int = 12, device: str = "cpu") -> None:
        self.device = torch.device(device)
        self.tx = PDSCHTransmitter(carrier, config, device=self.device)
        self.rx = PDSCHReceiver(carrier, config, n_rx, detector=detector,
                                max_iterations=max_iterations, device=self.device)
        self.carrier, self.config = self.tx.carrier, self.tx.config
        self.n_tx, self.n_rx = self.tx.n_ports, check_int("n_rx", n_rx, 1)
        self.channel = dict(channel or {"model": "AWGN"})
        self.impairments = self._impairments(impairments or {})
        self.max_transmissions = check_int("max_transmissions", max_transmissions, 1, 4)
        self.rv_sequence = tuple(check_int("rv", rv, 0, 3) for rv in rv_sequence)
        if not self.rv_sequence:
            raise ValueError("rv_sequence must not be empty")
        self.perfect = check_name("channel_estimation", channel_estimation,
                                  _ESTIMATION) == "perfect"
        #: average transmitted energy per data RE, summed over the ports (the SNR's P)
        self.signal_energy = float(config.n_layers)
        self._init_radio()

    def run(self, snr_db: float, n_slots: int, seed: int) -> SlotCounts:
        """Simulate ``n_slots`` new slots (one transport block per codeword each), each
        retransmitted until every block is acknowledged or ``max_transmissions`` is reached
        (RV ``rv_sequence[i % len]`` for transmission ``i``)."""
        n_slots = check_int("n_slots", n_slots, 1)
        seed = check_int("seed", seed, 0, 2**63 - 1)
        gen = torch.Generator(device=self.device).manual_seed(seed)
        n0 = self.signal_energy / 10.0 ** (float(snr_db) / 10.0)
        dev = self.device
        sizes, g = self.config.tb_sizes, self.rx.indices_info.G
        tbs = [torch.randint(0, 2, (n_slots, a), generator=gen, device=dev, dtype=torch.uint8)
               for a in sizes]
        decoded = [torch.zeros_like(t) for t in tbs]
        pending = [torch.ones(n_slots, dtype=torch.bool, device=dev) for _ in tbs]
        acked = [torch.zeros(n_slots, dtype=torch.bool, device=dev) for _ in tbs]
        n_tx = torch.zeros(n_slots, dtype=torch.int64, device=dev)
        self.rx.reset_harq(0)       # a new transport block per slot: empty soft buffers
        oscillator = self.oscillator(gen)
        for i in range(self.max_transmissions):
            active = torch.stack(pending).any(0)
            idx = active.nonzero().flatten()
            if idx.numel() == 0:
                break
            rv = self.rv_sequence[i % len(self.rv_sequence)]
            wave = self.tx([t[idx] for t in tbs] if len(tbs) > 1 else tbs[0][idx], rv)
            y, h = self.propagate(wave, gen)
            y = self._impair(y, oscillator)
            noise = torch.randn(y.shape, dtype=y.dtype, generator=gen, device=dev)
            y = y + noise * math.sqrt(n0)
            llr_active = self.rx.llr(y, h=h, noise_var=n0 if self.perfect else None)
            llr_active = (llr_active,) if isinstance(llr_active, torch.Tensor) else llr_active
            # slots no longer transmitted get zero LLRs: the soft buffer keeps one shape
            llrs = []
            for q, la in enumerate(llr_active):
                full = torch.zeros(n_slots, g[q], dtype=la.dtype, device=dev)
                full[idx] = la
                llrs.append(full)
            # the first transmission is new data (NDI toggled), the others retransmissions
            out, err = self.rx.decode(tuple(llrs), rv, harq_process=0, new_data=i == 0)
            n_tx += active
            for q in range(len(tbs)):
                now = pending[q] & active
                decoded[q] = torch.where(now.unsqueeze(-1), out[q], decoded[q])
                acked[q] |= now & ~err[q]
                pending[q] &= err[q]
        self.rx.reset_harq(0)
        return _counts(tbs, decoded, acked, n_tx)


def _counts(tbs: list[torch.Tensor], decoded: list[torch.Tensor], acked: list[torch.Tensor],
            n_transmissions: torch.Tensor) -> SlotCounts:
    """Slot counts of one or two codewords per slot (module docstring)."""
    n_tx = int(n_transmissions.sum())
    all_acked = torch.stack(acked).all(0)
    blocks = block_errors = bits = bit_errors = delivered = 0
    for tb, dec, ack in zip(tbs, decoded, acked, strict=True):
        wrong = dec != tb
        ok = ack & ~wrong.any(-1)
        blocks += tb.shape[0]
        block_errors += tb.shape[0] - int(ok.sum())
        bits += tb.numel()
        bit_errors += int(wrong.sum())
        delivered += tb.shape[-1] * int(ok.sum())
    return SlotCounts(slots=n_tx, transmissions=n_tx,
                      transmission_errors=n_tx - int(all_acked.sum()), blocks=blocks,
                      block_errors=block_errors, bits=bits, bit_errors=bit_errors,
                      delivered_bits=delivered,
                      max_bits=sum(t.shape[-1] for t in tbs) * n_tx)


def pdsch_throughput_crossing(points: Iterable[Any], target: float = 0.7,
                              confidence: float = 0.95) -> Crossing:
    """The SNR at which a run's throughput reaches ``target`` (70 % of the maximum, the
    TS 38.101-4 metric) with its confidence interval: :func:`~softran.sim.throughput_crossing`
    on the points of :func:`~softran.sim.simulate` (anything with ``snr_db`` and ``counts``).

    >>> from types import SimpleNamespace as P
    >>> from softran.sim.link import SlotCounts as C
    >>> pts = [P(snr_db=s, counts=C(slots=100, delivered_bits=d, max_bits=1000))
    ...        for s, d in ((0.0, 500), (2.0, 900))]
    >>> round(pdsch_throughput_crossing(pts).snr_db, 3)
    1.0
    """
    from softran.sim.conformance import throughput_crossing, throughput_points

    pts = throughput_points([(p.snr_db, p.counts) for p in points])
    return throughput_crossing([p.snr_db for p in pts], [p.fraction for p in pts],
                               [p.slots for p in pts], target, confidence)


def _factory(scenario: Scenario, device: str) -> PDSCHLink:
    cfg = pdsch_link_config(scenario)
    carrier = CarrierConfig(**cfg["carrier"])
    config = PDSCHConfig(**cfg["pdsch"])
    return PDSCHLink(carrier, config, scenario.antennas.n_rx,
                     channel=scenario.channel.model_dump(mode="json"),
                     impairments=scenario.impairments.model_dump(mode="json"),
                     max_transmissions=scenario.harq.max_transmissions,
                     rv_sequence=tuple(scenario.harq.rv_sequence),
                     channel_estimation=cfg["channel_estimation"], detector=cfg["detector"],
                     max_iterations=cfg["max_iterations"], device=device)


register_link("pdsch", _factory, pdsch_link_config, section="pdsch")
