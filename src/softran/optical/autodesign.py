"""Auto-design of an optical network: the amplifiers, gains and losses a topology leaves
open, by the rules of GNPy's auto-design (Auge, Curri and Le Rouzic, "Open design for
multi-vendor optical networks", OFC 2019, eq. (4); GNPy's documentation), so that a GNPy
topology plans here as it does there.

1. **Missing elements** (``insert_amplifiers=True``): a fibre longer than ``max_length`` is
   split into ``n`` equal spans (the ``n`` whose length is in ``[max(padding / 0.2 dB/km,
   50 km), max_length]``, the one nearer 90 km when both fit); an amplifier is added after a
   ROADM degree that leads into fibre (booster), before a ROADM degree fed by fibre
   (preamplifier) and between two fibres that follow each other directly (in-line).
   Fibres joined by a ``Fused`` element form one span (no amplifier between them).
2. **Losses**: fibres without connector losses get the rules' ``con_in`` / ``con_out``,
   plus the end-of-life margin ``eol`` on ``con_out`` unless the next element is a splice;
   a span whose loss is below ``padding`` gets an input attenuator (on its first fibre)
   that makes it up.
3. **Amplifier settings**, from each ROADM degree (and each transceiver) to the next ROADM,
   with the reference channel power ``P_ref`` [dBm] and the reference total power ``P_ref +
   10 log10(n_ch)``:

   * the target output power per channel of an amplifier is ``P_ref + delta_p``: the
     topology's ``delta_p``, else ``delta_p = clip(round((L_next - span_loss_ref)
     power_slope, step), low, high)`` from the loss ``L_next`` of the span it feeds (0
     before a ROADM); the ROADM's own output is its target power;
   * in power mode its gain is ``L_prev + delta_p - delta_p,prev`` (``L_prev`` the loss of
     the span before it); in gain mode the topology's gain is kept and ``delta_p`` follows;
   * an amplifier without a type gets, among the library's ``allowed_for_design`` types (or
     the ROADM's booster / preamplifier restrictions), one whose gain range and output power
     (``p_max``, ``gain_flatmax + target_extended_gain``) fit, the one with the lowest NF
     at that gain; when none fits, the most powerful within 0.3 dB, and the power target
     drops by the shortfall;
   * a target above ``p_max`` of a given type lowers ``delta_p`` and the gain to fit;
   * an automatic output VOA (``out_voa_auto``) takes the gain headroom.

Rounding follows Python's ``round`` (half to even), as GNPy's.
"""

from __future__ import annotations

import math
from collections.abc import Iterator
from dataclasses import dataclass, replace

from softran.optical.equipment import Equipment, automatic_channel_count
from softran.optical.network import (
    AmplifierNode,
    FibreNode,
    FusedNode,
    NetworkElement,
    OpticalNetwork,
    RoadmNode,
    TransceiverNode,
)

__all__ = ["design_network", "round_to_step", "span_loss"]


def round_to_step(x: float, step: float) -> float:
    """``x`` rounded to a multiple of ``step`` (``step`` itself rounded to 0.1; below 0.01
    it rounds to 0.01), half to even.

    >>> round_to_step(-1.8, 0.5), round_to_step(-1.5, 0.5), round_to_step(123.25, 0.5)
    (-2.0, -1.5, 123.0)
    """
    step = round(step, 1)
    if step >= 0.01:
        return round(round(x / step, 0) * step, 1)
    return round(x, 2)


def _loss(e: NetworkElement) -> float:
    if isinstance(e, FibreNode):
        return e.loss_db
    if isinstance(e, FusedNode):
        return e.loss_db
    return 0.0


def _chain_prev(net: OpticalNetwork, e: NetworkElement) -> Iterator[NetworkElement]:
    """Elements before ``e`` joined to it by splices (Fused) without an amplifier."""
    prv = net.predecessors(e.uid)
    if not prv:
        return
    p = prv[0]
    if (isinstance(p, FusedNode) and isinstance(e, FibreNode | FusedNode)) or \
            (isinstance(p, FibreNode | FusedNode) and isinstance(e, FusedNode)):
        yield p
        yield from _chain_prev(net, p)


def _chain_next(net: OpticalNetwork, e: NetworkElement) -> Iterator[NetworkElement]:
    nxt = net.successors(e.uid)
    if not nxt:
        return
    n = nxt[0]
    if (isinstance(n, FusedNode) and isinstance(e, FibreNode | FusedNode)) or \
            (isinstance(n, FibreNode | FusedNode) and isinstance(e, FusedNode)):
        yield n
        yield from _chain_next(net, n)


def span_loss(net: OpticalNetwork, e: NetworkElement, cache: dict[str, float] | None = None
              ) -> float:
    """Loss [dB] of the span that contains ``e``: its own loss plus that of the fibres and
    splices joined to it by splices (0 for a ROADM, an amplifier or a transceiver).

    >>> from softran.optical.fibre_model import FibreModel
    >>> net = OpticalNetwork()
    >>> for el in (FibreNode("a", FibreModel(40e3)), FusedNode("s", 0.5),
    ...            FibreNode("b", FibreModel(20e3))):
    ...     net.add(el)
    >>> net.connect("a", "s"); net.connect("s", "b")
    >>> span_loss(net, net.elements["b"])              # 8 + 0.5 + 4 dB
    12.5
    """
    if cache is not None and e.uid in cache:
        return cache[e.uid]
    return (_loss(e) + sum(_loss(p) for p in _chain_prev(net, e))
            + sum(_loss(n) for n in _chain_next(net, e)))


def _new_length(length: float, lo: float, hi: float, target: float) -> tuple[float, int]:
    if length < hi:
        return length, 1
    n2 = int(length // target)
    n1 = n2 + 1
    l1, l2 = length / n1, length / n2
    in1, in2 = lo <= l1 <= hi, lo <= l2 <= hi
    if in1 and not in2:
        return l1, n1
    if in2 and not in1:
        return l2, n2
    if l2 - target <= target - l1 and l2 <= hi:
        return l2, n2
    return l1, n1


def _split_fibres(net: OpticalNetwork, eq: Equipment) -> None:
    hi = float(int(eq.span.max_length))
    lo = float(max(int(eq.span.padding / 0.2 * 1e3), 50_000))
    target = max(lo, min(hi, 90_000.0))
    for fibre in list(net.of_type(FibreNode)):
        assert isinstance(fibre, FibreNode)
        length, n = _new_length(fibre.fibre.length, lo, hi, target)
        if n == 1:
            continue
        prev, nxt = net.prev_of(fibre.uid), net.next_of(fibre.uid)
        net.remove(fibre.uid)
        last = prev.uid
        for k in range(n):
            span = FibreNode(uid=f"{fibre.uid}_({k + 1}/{n})",
                             fibre=replace(fibre.fibre, length=length),
                             type_variety=fibre.type_variety, con_in_db=fibre.con_in_db,
                             con_out_db=fibre.con_out_db, location=fibre.location)
            net.add(span)
            net.connect(last, span.uid)
            last = span.uid
        net.connect(last, nxt.uid)


def _is_amp_or_end(e: NetworkElement) -> bool:
    return isinstance(e, TransceiverNode | FusedNode | AmplifierNode)


def _add_missing_elements(net: OpticalNetwork, eq: Equipment) -> None:
    _split_fibres(net, eq)
    for roadm in list(net.of_type(RoadmNode)):
        for prev in net.predecessors(roadm.uid):
            if not _is_amp_or_end(prev):
                net.insert_between(prev.uid, roadm.uid, AmplifierNode(
                    uid=f"Edfa_preamp_{roadm.uid}_from_{prev.uid}", tilt_target=0.0,
                    location=roadm.location))
        for nxt in net.successors(roadm.uid):
            if not _is_amp_or_end(nxt):
                net.insert_between(roadm.uid, nxt.uid, AmplifierNode(
                    uid=f"Edfa_booster_{roadm.uid}_to_{nxt.uid}", tilt_target=0.0,
                    location=roadm.location))
    for fibre in list(net.of_type(FibreNode)):
        nxt = net.next_of(fibre.uid)
        if isinstance(nxt, FibreNode):
            net.insert_between(fibre.uid, nxt.uid, AmplifierNode(
                uid=f"Edfa_{fibre.uid}", tilt_target=0.0, location=fibre.location))


def _connector_losses_and_padding(net: OpticalNetwork, eq: Equipment,
                                  cache: dict[str, float]) -> None:
    rules = eq.span
    fibres = [f for f in net.of_type(FibreNode)]
    for fibre in fibres:
        assert isinstance(fibre, FibreNode)
        nxt = net.next_of(fibre.uid)
        if fibre.con_in_db is None:
            fibre.con_in_db = rules.con_in
        if fibre.con_out_db is None:
            fibre.con_out_db = rules.con_out
        if not isinstance(nxt, FusedNode):
            fibre.con_out_db += rules.eol
    for fibre in fibres:
        assert isinstance(fibre, FibreNode)
        if isinstance(net.next_of(fibre.uid), FusedNode):
            continue
        loss = span_loss(net, fibre, cache)
        cache[fibre.uid] = loss
        if loss < rules.padding:
            first: NetworkElement = fibre
            for first in _chain_prev(net, fibre):
                pass
            if isinstance(first, FibreNode):
                first.fibre = replace(first.fibre,
                                      att_in_db=first.fibre.att_in_db + rules.padding - loss)
                cache[fibre.uid] = loss + first.fibre.att_in_db


@dataclass(frozen=True)
class _Candidate:
    name: str
    power: float
    gain_min: float
    nf: float


def _select_amplifier(uid: str, names: list[str], gain: float, power_target: float,
                      raman_allowed: bool, eq: Equipment) -> tuple[str, float]:
    pin = power_target - gain
    ext = eq.span.target_extended_gain
    edfas, ramans = [], []
    for name in names:
        a = eq.amplifiers[name]
        power = min(pin + a.gain_flatmax + ext, a.p_max) - power_target
        nf = a.noise_figure(gain)[0]
        if a.raman:
            if raman_allowed:
                ramans.append(_Candidate(name, power, gain - a.gain_min, nf))
        else:
            edfas.append(_Candidate(name, power, gain + 3 - a.gain_min, nf))
    ok_gain = [c for c in edfas + ramans if c.gain_min > 0]
    if not ok_gain:
        if not edfas:
            raise ValueError(f"auto-design: no amplifier fits the minimum gain at {uid!r} "
                             f"(gain {gain:.2f} dB); increase the span padding")
        ok_gain = edfas
    ok_power = [c for c in ok_gain if c.power > 0]
    if not ok_power:
        best = max(c.power for c in ok_gain)
        ok_power = [c for c in ok_gain if c.power - best > -0.3]
    chosen = min(ok_power, key=lambda c: c.nf)
    return chosen.name, min(chosen.power, 0.0)


def _restrictions(node: AmplifierNode, prev: NetworkElement, nxt: NetworkElement,
                  eq: Equipment, band: tuple[float, float]) -> list[str]:
    if node.amp_type is not None:
        return [node.amp_type.name]
    allowed: tuple[str, ...] = node.restrictions
    if not allowed and isinstance(prev, RoadmNode) and prev.roadm_type.booster_variety_list:
        allowed = prev.roadm_type.booster_variety_list
    elif not allowed and isinstance(nxt, RoadmNode) and nxt.roadm_type.preamp_variety_list:
        allowed = nxt.roadm_type.preamp_variety_list
    names = [n for n, a in eq.amplifiers.items()
             if a.f_min <= band[0] and a.f_max >= band[1]
             and (n in allowed or (not allowed and a.allowed_for_design))]
    if not names:
        raise ValueError(f"auto-design: no amplifier of the library fits {node.uid!r} "
                         f"(band {band[0] / 1e12:.4f}..{band[1] / 1e12:.4f} THz, restrictions "
                         f"{list(allowed) or 'none'})")
    return names


def _oms(net: OpticalNetwork, first: NetworkElement) -> list[tuple[NetworkElement,
                                                                   NetworkElement]]:
    edges = []
    node = first
    seen: set[str] = set()
    while not isinstance(node, RoadmNode | TransceiverNode):
        nxt = net.next_of(node.uid)
        seen.add(node.uid)
        if nxt.uid in seen:
            raise ValueError(f"{net.name}: loop at {node.uid!r}; check the topology")
        edges.append((node, nxt))
        node = nxt
    return edges


def _target_delta_p(net: OpticalNetwork, nxt: NetworkElement, eq: Equipment,
                    cache: dict[str, float]) -> float:
    if isinstance(nxt, RoadmNode):
        return 0.0
    rng = eq.span.delta_power_range_db
    if rng is None:
        raise ValueError(f"{eq.source}: Span.delta_power_range_db is needed (power mode: an "
                         "amplifier without delta_p takes it from the span loss)")
    low, high, step = rng
    dp = round_to_step((span_loss(net, nxt, cache) - eq.span.span_loss_ref)
                       * eq.span.power_slope, step)
    return min(high, max(low, dp))


def _set_amplifier(net: OpticalNetwork, node: AmplifierNode, prev: NetworkElement,
                   nxt: NetworkElement, prev_dp: float, prev_voa: float, p_ref: float,
                   p_ref_total: float, band: tuple[float, float], eq: Equipment,
                   cache: dict[str, float]) -> tuple[float, float]:
    power_mode = eq.span.power_mode
    node_loss = span_loss(net, prev, cache)
    voa = node.out_voa or 0.0
    in_voa = node.in_voa or 0.0
    dp = _target_delta_p(net, nxt, eq, cache) + voa if node.delta_p is None else node.delta_p
    if node.effective_gain is None or power_mode:
        gain = node_loss + dp - prev_dp + prev_voa + in_voa
    else:
        gain = node.effective_gain
        dp = prev_dp - node_loss - prev_voa + gain - in_voa
    power_target = p_ref_total + dp
    names = _restrictions(node, prev, nxt, eq, band)
    if node.amp_type is None:
        raman_allowed = (isinstance(prev, FibreNode) and float(prev.fibre.loss_db_per_km(
            prev.fibre.ref_frequency)) < eq.span.max_fiber_lineic_loss_for_raman)
        name, reduction = _select_amplifier(node.uid, names, gain, power_target,
                                            raman_allowed, eq)
        node.amp_type = eq.amplifiers[name]
    else:
        p_max = node.amp_type.p_max
        if power_mode:
            reduction = min(0.0, p_max - (p_ref_total + dp))
        else:
            pout = p_ref_total + prev_dp - node_loss - prev_voa + gain
            reduction = min(0.0, p_max - pout)
    dp += reduction
    gain += reduction
    node.design_delta_p = dp if power_mode else None       # gain mode: no power target
    node.effective_gain = gain
    node.design_tilt = node.tilt_target or 0.0
    if node.out_voa is None:
        amp = node.amp_type
        if power_mode and amp.out_voa_auto:
            auto = min(amp.p_max - power_target, amp.gain_flatmax - node.effective_gain)
            auto = max(round_to_step(auto, eq.span.voa_step) - eq.span.voa_margin, 0.0)
            node.design_delta_p = (node.design_delta_p or 0.0) + auto
            node.effective_gain += auto
            node.out_voa = auto
        else:
            node.out_voa = 0.0
    if node.in_voa is None:
        node.in_voa = 0.0
    return dp, voa


def _design_band(net: OpticalNetwork, first: NetworkElement, eq: Equipment
                 ) -> tuple[float, float]:
    lo, hi = eq.si.f_min, eq.si.f_max
    for node, _ in _oms(net, first):
        if isinstance(node, AmplifierNode) and node.amp_type is not None:
            lo, hi = max(lo, node.amp_type.f_min), min(hi, node.amp_type.f_max)
    if not lo < hi:
        raise ValueError(f"{net.name}: the amplifiers after {first.uid!r} share no band with "
                         f"the spectrum (SI {eq.si.f_min / 1e12:.4f}..{eq.si.f_max / 1e12:.4f}"
                         " THz)")
    return lo, hi


def _egress(net: OpticalNetwork, start: RoadmNode | TransceiverNode, eq: Equipment,
            p_ref: float, cache: dict[str, float]) -> None:
    for first in net.successors(start.uid):
        if isinstance(first, TransceiverNode):
            continue
        band = _design_band(net, first, eq)
        n_ch = eq.si.n_channels if eq.si.use_si_channel_count_for_design else \
            automatic_channel_count(band[0], band[1], eq.si.spacing)
        p_total = p_ref + 10 * math.log10(n_ch)
        if isinstance(start, TransceiverNode):
            out = eq.si.tx_power_dbm if eq.si.tx_power_dbm is not None else p_ref
        else:
            out = start.per_degree_pch_out_db.get(
                first.uid, start.roadm_type.target_dbm(eq.si.baud_rate, eq.si.spacing))
        prev_dp, prev_voa = out - p_ref, 0.0
        prev: NetworkElement = start
        for node, nxt in _oms(net, first):
            if isinstance(node, AmplifierNode):
                prev_dp, prev_voa = _set_amplifier(net, node, prev, nxt, prev_dp, prev_voa,
                                                   p_ref, p_total, band, eq, cache)
            prev = node


def design_network(network: OpticalNetwork, equipment: Equipment, *,
                   power_dbm: float | None = None, insert_amplifiers: bool = True,
                   set_connector_losses: bool = True) -> OpticalNetwork:
    """A designed copy of ``network`` (module docstring) for the reference channel power
    ``power_dbm`` [dBm] (default the SI's ``power_dbm``). ``insert_amplifiers=False`` keeps
    the topology's elements (no split, no added amplifier).

    >>> from softran.optical.amplifier_models import AmplifierType
    >>> from softran.optical.equipment import SpanRules
    >>> from softran.optical.fibre_model import FibreModel
    >>> eq = Equipment(amplifiers={"a": AmplifierType("a", "variable_gain", 26, 15, 23,
    ...     nf_min=6, nf_max=10, allowed_for_design=True)},
    ...     span=SpanRules(delta_power_range_db=(-2, 3, 0.5)))
    >>> net = OpticalNetwork()
    >>> for e in (TransceiverNode("A"), FibreNode("f1", FibreModel(100e3)),
    ...           FibreNode("f2", FibreModel(100e3)), TransceiverNode("B")):
    ...     net.add(e)
    >>> for a, b in (("A", "f1"), ("f1", "f2"), ("f2", "B")): net.connect(a, b)
    >>> d = design_network(net, eq)
    >>> amp = d.elements["Edfa_f1"]        # inserted between the fibres: 20 dB span, dp 0
    >>> amp.amp_type.name, amp.effective_gain, amp.design_delta_p
    ('a', 20.0, 0.0)
    """
    net = network.copy()
    eq = equipment
    p_ref = eq.si.power_dbm if power_dbm is None else float(power_dbm)
    if insert_amplifiers:
        _add_missing_elements(net, eq)
    cache: dict[str, float] = {}
    if set_connector_losses:
        _connector_losses_and_padding(net, eq, cache)
    for amp in net.of_type(AmplifierNode):
        assert isinstance(amp, AmplifierNode)
        if amp.effective_gain is None:
            amp.effective_gain = amp.gain_target
    starts = list(net.of_type(RoadmNode)) + list(net.of_type(TransceiverNode))
    for start in starts:
        assert isinstance(start, RoadmNode | TransceiverNode)
        _egress(net, start, eq, p_ref, cache)
    return net
