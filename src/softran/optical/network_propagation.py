r"""Propagation of a WDM spectrum along a designed path of an optical network: per channel
the signal, ASE and NLI powers through transceivers, ROADMs, splices, fibre spans and
amplifiers (the GN-model planner's engine; the element models of GNPy, Ferrari et al.,
"GNPy: an open source application for physical layer aware open optical networks",
J. Opt. Commun. Netw. 12(6) 2020).

Per channel ``i`` the state is ``(S_i, A_i, N_i)`` [W]: signal, ASE and NLI in the symbol-
rate bandwidth, ``P_i = S_i + A_i + N_i`` the channel's total power; ``GSNR_i = S_i / (A_i
+ N_i)``. Elements:

* **Fibre** (:class:`~softran.optical.fibre_model.FibreModel`): input connector and padding
  loss; NLI of the closed-form GN model with the frequency-dependent ``alpha``, ``beta2``,
  ``gamma`` (:func:`~softran.optical.gn_model.nli_power_per_channel`) computed from the
  total powers ``P`` (signal, ASE and NLI all act as pumps, as in GNPy) at the fibre input
  and taken out of the channel's power: ``S, A <- (1 - r) S, (1 - r) A``, ``N <- (1 - r) N +
  P_NLI``, ``r = P_NLI / P`` (so ``P`` is kept); the loss ``e^{-alpha(f) L}`` with the lumped
  losses, or with stimulated Raman scattering (``srs=True``) the power transfer of
  :mod:`softran.optical.raman` on the total powers (the NLI stays that of the span's own
  attenuation, as GNPy's analytic GN model); output connector loss; dispersion, PMD and
  latency accumulate.
* **Amplifier** (:class:`~softran.optical.amplifier_models.AmplifierType`): input VOA; the
  gain is limited by the output power (``G <- min(G, p_max - P_in,total)``); ASE ``NF h f R``
  per channel added at the input (NF with its ripple); the gain profile (flat, or the DGT
  shape with a tilt); output VOA.
* **ROADM**: the path's maximum loss, then each channel above its target power is
  attenuated to it (never amplified); add and drop paths record an OSNR contribution
  (``add_drop_osnr + 3.01`` dB each, or the path impairment's ``roadm-osnr``).
* **Fused**: a loss.
* **Receiver**: ``GSNR = S / (A + N)``, then the transmitter's ``tx_osnr`` and the ROADM
  add/drop OSNRs (given in 0.1 nm = 12.5 GHz) are added as noise in the signal bandwidth:
  ``1/GSNR_tot = 1/GSNR + sum_j 1/(OSNR_j 12.5 GHz / R)``; the same for the OSNR.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

import torch

from softran.optical.constants import PLANCK
from softran.optical.equipment import RoadmImpairment, SpectrumDefaults
from softran.optical.fibre_model import FibreModel
from softran.optical.gn_model import nli_power_per_channel
from softran.optical.network import (
    AmplifierNode,
    FibreNode,
    FusedNode,
    NetworkElement,
    RoadmNode,
    TransceiverNode,
)
from softran.optical.raman import srs_power_profile, srs_power_profile_numerical
from softran.optical.units import db_to_linear, linear_to_db

__all__ = [
    "OSNR_BANDWIDTH",
    "ElementRecord",
    "PathPropagation",
    "PropagationOptions",
    "Spectrum",
    "propagate_path",
]

#: The OSNR reference bandwidth (0.1 nm at 1550 nm) [Hz].
OSNR_BANDWIDTH: float = 12.5e9


def _f64(x: torch.Tensor | float, like: torch.Tensor) -> torch.Tensor:
    return torch.as_tensor(x, dtype=torch.float64).expand_as(like).clone()


@dataclass
class Spectrum:
    """The WDM comb: per channel (all ``[n_ch]`` float64) ``frequency`` [Hz], ``baud_rate``,
    ``slot_width`` [Hz], ``roll_off``, ``signal``/``ase``/``nli`` [W], ``tx_osnr`` [dB in
    0.1 nm], accumulated ``dispersion`` [s/m], ``pmd2`` [s^2], ``pdl2`` [dB^2],
    ``latency`` [s].

    >>> s = Spectrum.uniform(SpectrumDefaults(f_min=193e12, f_max=193.1e12), 0.0)
    >>> s.n_channels, round(float(s.power_dbm[0]), 6)
    (3, 0.0)
    """

    frequency: torch.Tensor
    baud_rate: torch.Tensor
    slot_width: torch.Tensor
    roll_off: torch.Tensor
    signal: torch.Tensor
    ase: torch.Tensor
    nli: torch.Tensor
    tx_osnr: torch.Tensor
    dispersion: torch.Tensor
    pmd2: torch.Tensor
    pdl2: torch.Tensor
    latency: float = 0.0

    @classmethod
    def uniform(cls, si: SpectrumDefaults, power_dbm: float) -> Spectrum:
        """The SI's comb (``f_min + k spacing``, :func:`~softran.optical.equipment.
        automatic_channel_count` channels) at ``power_dbm`` per channel."""
        n = si.n_channels
        f = si.f_min + si.spacing * torch.arange(n, dtype=torch.float64)
        z = torch.zeros(n, dtype=torch.float64)
        return cls(frequency=f, baud_rate=_f64(si.baud_rate, f), slot_width=_f64(si.spacing, f),
                   roll_off=_f64(si.roll_off, f),
                   signal=_f64(1e-3 * db_to_linear(power_dbm), f), ase=z.clone(),
                   nli=z.clone(), tx_osnr=_f64(si.tx_osnr, f), dispersion=z.clone(),
                   pmd2=z.clone(), pdl2=z.clone())

    @property
    def n_channels(self) -> int:
        """Number of channels."""
        return int(self.frequency.numel())

    @property
    def power(self) -> torch.Tensor:
        """Total power per channel ``S + A + N`` [W]."""
        return self.signal + self.ase + self.nli

    @property
    def power_dbm(self) -> torch.Tensor:
        """Total power per channel [dBm]."""
        return linear_to_db(self.power * 1e3)

    @property
    def total_dbm(self) -> float:
        """Power of the whole comb [dBm]."""
        return 10 * math.log10(float(self.power.sum()) * 1e3)

    def scale(self, factor: torch.Tensor | float) -> None:
        """Multiply every power by ``factor`` (linear, per channel or one)."""
        self.signal = self.signal * factor
        self.ase = self.ase * factor
        self.nli = self.nli * factor

    def attenuate_db(self, loss_db: torch.Tensor | float) -> None:
        """Attenuate by ``loss_db`` [dB] (per channel or one)."""
        self.scale(db_to_linear(-torch.as_tensor(loss_db, dtype=torch.float64)))

    def add_ase(self, ase: torch.Tensor) -> None:
        """Add ASE [W] per channel."""
        self.ase = self.ase + ase

    def add_nli(self, nli: torch.Tensor) -> None:
        """Add NLI [W] taken out of each channel's power (module docstring)."""
        r = nli / self.power
        self.signal = self.signal * (1 - r)
        self.ase = self.ase * (1 - r)
        self.nli = self.nli * (1 - r) + nli

    def select(self, keep: torch.Tensor) -> Spectrum:
        """The channels where ``keep`` (bool ``[n_ch]``) is true."""
        out = {k: (v[keep] if isinstance(v, torch.Tensor) else v)
               for k, v in self.__dict__.items()}
        return Spectrum(**out)

    def copy(self) -> Spectrum:
        """A copy (tensors cloned)."""
        return Spectrum(**{k: (v.clone() if isinstance(v, torch.Tensor) else v)
                           for k, v in self.__dict__.items()})


@dataclass(frozen=True)
class PropagationOptions:
    """``srs``: stimulated Raman scattering in every fibre (triangular approximation);
    ``nli_from_total_power``: the NLI pumps are the total channel powers (signal, ASE, NLI;
    GNPy's choice) rather than the signal alone; ``srs_steps``: integration steps of the
    numerical SRS solution (frequency-dependent loss or lumped losses); ``ase_exact``: an
    amplifier of gain ``G`` adds ``(NF G - 1) h f R`` at its output (the signal-spontaneous
    noise figure with the shot-noise term, as :func:`~softran.optical.gn_model.
    ase_power_dual_pol`) instead of GNPy's ``NF G h f R``."""

    srs: bool = False
    nli_from_total_power: bool = True
    srs_steps: int = 200
    ase_exact: bool = False


@dataclass
class ElementRecord:
    """What one element did, for the per-element tables: ``uid``, ``kind``, ``distance``
    [m] of fibre up to its output, the spectrum after it, and per channel the ``ase_added``
    [W] and ``nli_added`` [W] (at the element's input, where they were added) with the
    signal power there (``signal_at``), and element facts (loss, gain, NF, ...)."""

    uid: str
    kind: str
    distance: float
    spectrum: Spectrum
    signal_at: torch.Tensor | None = None
    ase_added: torch.Tensor | None = None
    nli_added: torch.Tensor | None = None
    facts: dict[str, float | str | None] = field(default_factory=dict)


@dataclass
class PathPropagation:
    """Result of :func:`propagate_path`: the ``records`` (one per element), the ``final``
    spectrum, the extra OSNR contributions [dB in 0.1 nm] of the ROADMs (``roadm_osnr_db``,
    per ROADM add or drop, ``[n_ch]`` each) and the number of SI channels outside the
    amplifiers' common band (left out: ``dropped_channels``)."""

    records: list[ElementRecord]
    final: Spectrum
    roadm_osnr_db: list[torch.Tensor]
    dropped_channels: int = 0

    def _added_noise(self) -> torch.Tensor:
        s = self.final
        inv = 1.0 / db_to_linear(s.tx_osnr)
        for o in self.roadm_osnr_db:
            inv = inv + 1.0 / db_to_linear(o)
        return inv * s.baud_rate / OSNR_BANDWIDTH        # noise/signal in the signal band

    @property
    def gsnr_raw_db(self) -> torch.Tensor:
        """``S / (A + N)`` at the receiver [dB], without the transceiver and ROADM OSNRs."""
        s = self.final
        return linear_to_db(s.signal / (s.ase + s.nli))

    @property
    def gsnr_db(self) -> torch.Tensor:
        """GSNR in the signal bandwidth with ``tx_osnr`` and the ROADM OSNRs [dB]."""
        s = self.final
        return linear_to_db(1.0 / ((s.ase + s.nli) / s.signal + self._added_noise()))

    @property
    def osnr_ase_db(self) -> torch.Tensor:
        """``S / A`` in the signal bandwidth with ``tx_osnr`` and the ROADM OSNRs [dB]."""
        s = self.final
        return linear_to_db(1.0 / (s.ase / s.signal + self._added_noise()))

    @property
    def snr_nli_db(self) -> torch.Tensor:
        """``S / N`` [dB]."""
        s = self.final
        return linear_to_db(s.signal / s.nli)

    @property
    def gsnr_01nm_db(self) -> torch.Tensor:
        """GSNR referred to 0.1 nm: ``gsnr_db - 10 log10(12.5 GHz / R)`` [dB]."""
        return self.gsnr_db - linear_to_db(OSNR_BANDWIDTH / self.final.baud_rate)


def _path_type(prev: NetworkElement, nxt: NetworkElement) -> str:
    if isinstance(prev, TransceiverNode):
        return "add"
    if isinstance(nxt, TransceiverNode):
        return "drop"
    return "express"


def _roadm_impairment(roadm: RoadmNode, prev: NetworkElement, nxt: NetworkElement
                      ) -> RoadmImpairment:
    rt = roadm.roadm_type
    path_type = _path_type(prev, nxt)
    profiles = dict(rt.impairments)
    ident = roadm.per_degree_impairments.get((prev.uid, nxt.uid))
    if ident is not None:
        if ident not in profiles:
            raise ValueError(f"ROADM {roadm.uid!r}: impairment id {ident} is not defined in "
                             f"ROADM type {rt.name!r}")
        if profiles[ident].path_type != path_type:
            raise ValueError(f"ROADM {roadm.uid!r}: impairment id {ident} is a "
                             f"{profiles[ident].path_type} path but {prev.uid!r} -> "
                             f"{nxt.uid!r} is {path_type}")
        return profiles[ident]
    for _, prof in rt.impairments:
        if prof.path_type == path_type:
            return prof
    values: list[tuple[str, float | None]] = [("roadm-pmd", rt.pmd), ("roadm-pdl", rt.pdl)]
    if path_type in ("add", "drop"):
        values.append(("roadm-osnr", rt.add_drop_osnr + 10 * math.log10(2)))
    return RoadmImpairment(path_type, ((None, None, tuple(values)),))


def _per_channel(imp: RoadmImpairment, key: str, freqs: torch.Tensor, default: float | None
                 ) -> torch.Tensor | None:
    vals = [imp.value(key, float(f)) for f in freqs]
    if all(v is None for v in vals):
        return None if default is None else torch.full_like(freqs, default)
    if any(v is None for v in vals):
        raise ValueError(f"ROADM impairment {key} covers only part of the spectrum")
    return torch.tensor(vals, dtype=torch.float64)


def _roadm(s: Spectrum, roadm: RoadmNode, prev: NetworkElement, nxt: NetworkElement,
           record: ElementRecord, osnr: list[torch.Tensor]) -> None:
    imp = _roadm_impairment(roadm, prev, nxt)
    p_in = s.power_dbm
    maxloss = _per_channel(imp, "roadm-maxloss", s.frequency, 0.0)
    s.attenuate_db(maxloss)
    net_in = s.power_dbm
    if nxt.uid in roadm.per_degree_pch_out_db:
        target = torch.full_like(net_in, roadm.per_degree_pch_out_db[nxt.uid])
    else:
        target = torch.tensor([roadm.roadm_type.target_dbm(float(b), float(w))
                               for b, w in zip(s.baud_rate, s.slot_width)], dtype=torch.float64)
    s.attenuate_db((net_in - target).clamp_min(0.0))
    for key, attr in (("roadm-pmd", "pmd2"), ("roadm-pdl", "pdl2")):
        v = _per_channel(imp, key, s.frequency, None)
        if v is not None:
            setattr(s, attr, getattr(s, attr) + v ** 2)
    o = _per_channel(imp, "roadm-osnr", s.frequency, None)
    if o is not None:
        osnr.append(o)
    record.facts.update(path=imp.path_type, loss_db=float((p_in - s.power_dbm).mean()),
                        target_dbm=float(target.mean()),
                        osnr_db=None if o is None else float(o.mean()))


def _fibre(s: Spectrum, node: FibreNode, options: PropagationOptions,
           record: ElementRecord) -> None:
    fm: FibreModel = node.model()
    s.attenuate_db(fm.con_in_db + fm.att_in_db)
    f = s.frequency
    pumps = s.power if options.nli_from_total_power else s.signal
    record.signal_at = s.signal.clone()
    nli = nli_power_per_channel(pumps, f, s.baud_rate, alpha=fm.alpha(f), beta2=fm.beta2(f),
                                gamma=fm.gamma_at(f), length=fm.length)
    s.add_nli(nli)
    record.nli_added = nli
    s.dispersion = s.dispersion + fm.accumulated_dispersion(f)
    s.pmd2 = s.pmd2 + fm.pmd ** 2
    s.latency += fm.latency
    p = s.power
    if options.srs:
        alpha = fm.alpha(f)
        uniform = bool(torch.all(alpha == alpha[0])) and not fm.lumped_losses
        if uniform:
            out = srs_power_profile(p, f, alpha=float(alpha[0]),
                                    raman_gain_slope=fm.raman_slope, z=fm.length)
        else:
            out = srs_power_profile_numerical(p, f, alpha=alpha, raman_gain_slope=fm.raman_slope,
                                              length=fm.length, lumped_losses=fm.lumped_losses,
                                              steps=options.srs_steps)
        s.scale(out / p)
    else:
        s.scale(torch.exp(-fm.alpha(f) * fm.length) * db_to_linear(-fm.lumped_loss_db))
    s.attenuate_db(fm.con_out_db)
    record.facts.update(length_km=fm.length / 1e3, loss_db=fm.loss_db,
                        con_in_db=fm.con_in_db, con_out_db=fm.con_out_db,
                        att_in_db=fm.att_in_db)


def _amplifier(s: Spectrum, node: AmplifierNode, record: ElementRecord, ase_exact: bool
               ) -> None:
    amp = node.amp_type
    if amp is None or node.effective_gain is None:
        raise ValueError(f"amplifier {node.uid!r} has no type or gain; design the network "
                         "first (softran.optical.autodesign.design_network)")
    if node.in_voa:
        s.attenuate_db(node.in_voa)
    pin = s.total_dbm
    gain = min(node.effective_gain, amp.p_max - pin)
    nf_avg, pad = amp.noise_figure(gain, pin, s.n_channels, float(s.slot_width[0]))
    nf = amp.profile("nf_ripple", s.frequency) + nf_avg
    profile = amp.gain_profile(gain, node.design_tilt, s.frequency, s.power)
    nf_lin = db_to_linear(nf)
    if ase_exact:
        nf_lin = (nf_lin - db_to_linear(-profile)).clamp_min(0.0)
    ase = PLANCK * s.frequency * s.baud_rate * nf_lin
    record.signal_at = s.signal.clone()
    record.ase_added = ase
    s.add_ase(ase)
    s.attenuate_db(-(profile - (node.out_voa or 0.0)))
    s.pmd2 = s.pmd2 + amp.pmd ** 2
    s.pdl2 = s.pdl2 + amp.pdl ** 2
    record.facts.update(type_variety=amp.name, gain_db=gain, nf_db=nf_avg, pad_db=pad,
                        pin_dbm=pin, pout_dbm=s.total_dbm, delta_p_db=node.design_delta_p,
                        out_voa_db=node.out_voa or 0.0, tilt_db=node.design_tilt,
                        saturated=gain < node.effective_gain - 1e-9)


def propagate_path(path: list[NetworkElement], spectrum: Spectrum,
                   options: PropagationOptions | None = None) -> PathPropagation:
    """Propagate ``spectrum`` (consumed: pass a copy to keep it) along ``path`` (a designed
    path from transceiver to transceiver, :meth:`~softran.optical.network.OpticalNetwork.
    path`), element by element (module docstring). Channels outside the common band of the
    path's amplifiers are left out first (and counted in ``dropped_channels``).

    >>> from softran.optical.amplifier_models import AmplifierType
    >>> from softran.optical.fibre_model import FibreModel
    >>> amp = AmplifierType("a", "fixed_gain", 20, 10, 25, nf0=5.0)
    >>> path = [TransceiverNode("A"), FibreNode("f", FibreModel(80e3, 0.2)),
    ...         AmplifierNode("g", amp, effective_gain=16.0), TransceiverNode("B")]
    >>> r = propagate_path(path, Spectrum.uniform(SpectrumDefaults(f_min=193e12,
    ...                    f_max=193e12, tx_osnr=100.0), 0.0))
    >>> round(float(r.osnr_ase_db[0]), 2)   # -16 dBm / (NF h f R) = 10 log10(1e-4.6 / 1.29e-8)
    32.88
    """
    if len(path) < 2 or not isinstance(path[0], TransceiverNode) \
            or not isinstance(path[-1], TransceiverNode):
        raise ValueError("path must run from a TransceiverNode to a TransceiverNode")
    options = options or PropagationOptions()
    s = spectrum
    lo = max((e.amp_type.f_min for e in path if isinstance(e, AmplifierNode) and e.amp_type),
             default=-math.inf)
    hi = min((e.amp_type.f_max for e in path if isinstance(e, AmplifierNode) and e.amp_type),
             default=math.inf)
    keep = (s.frequency - s.slot_width / 2 >= lo - 1e-3) & \
        (s.frequency + s.slot_width / 2 <= hi + 1e-3)
    dropped = int((~keep).sum())
    if dropped == s.n_channels:
        raise ValueError(f"no channel of the spectrum fits the amplifiers' common band "
                         f"{lo / 1e12:.4f}..{hi / 1e12:.4f} THz")
    if dropped:
        s = s.select(keep)
    records: list[ElementRecord] = []
    osnr: list[torch.Tensor] = []
    distance = 0.0
    for k, element in enumerate(path):
        kind = type(element).__name__.removesuffix("Node").lower()
        record = ElementRecord(uid=element.uid, kind=kind, distance=distance, spectrum=s)
        if isinstance(element, TransceiverNode):
            pass
        elif isinstance(element, RoadmNode):
            if k == 0 or k == len(path) - 1:
                raise ValueError(f"ROADM {element.uid!r} cannot end a path")
            _roadm(s, element, path[k - 1], path[k + 1], record, osnr)
        elif isinstance(element, FusedNode):
            s.attenuate_db(element.loss_db)
            record.facts["loss_db"] = element.loss_db
        elif isinstance(element, FibreNode):
            _fibre(s, element, options, record)
            distance += element.fibre.length
        elif isinstance(element, AmplifierNode):
            _amplifier(s, element, record, options.ase_exact)
        else:
            raise TypeError(f"unknown network element {type(element).__name__}")
        record.distance = distance
        record.spectrum = s.copy()
        records.append(record)
    return PathPropagation(records=records, final=s, roadm_osnr_db=osnr,
                           dropped_channels=dropped)

