"""An optical network as a directed graph of elements (the topology the planner designs and
propagates through): transceivers, ROADMs, fused splices, fibre spans and amplifiers,
connected one way (a bidirectional link is two fibres). Each element leads to at most one
next element except transceivers and ROADMs (their degrees); the path between two
transceivers is the one with the least fibre length (Dijkstra; each fibre weighs its
length, every other hop 0.01 m, as GNPy weighs them).

Elements are small mutable dataclasses: the auto-design (:mod:`softran.optical.
autodesign`) fills in what the topology leaves open (amplifier types, gains, connector
losses, padding) on a copy of the network.
"""

from __future__ import annotations

import copy
import heapq
from collections.abc import Iterator
from dataclasses import dataclass, field, replace

from softran.optical.amplifier_models import AmplifierType
from softran.optical.equipment import RoadmType
from softran.optical.fibre_model import FibreModel

__all__ = [
    "AmplifierNode",
    "FibreNode",
    "FusedNode",
    "NetworkElement",
    "OpticalNetwork",
    "RoadmNode",
    "TransceiverNode",
]


@dataclass
class TransceiverNode:
    """A transceiver (the ends of a path)."""

    uid: str
    location: tuple[float, float] = (0.0, 0.0)


@dataclass
class RoadmNode:
    """A ROADM: its library type, per-degree output targets [dBm] (keyed by the next
    element's uid; else the type's target) and per-degree impairment ids ``(from, to) ->
    id``."""

    uid: str
    roadm_type: RoadmType = field(default_factory=RoadmType)
    per_degree_pch_out_db: dict[str, float] = field(default_factory=dict)
    per_degree_impairments: dict[tuple[str, str], int] = field(default_factory=dict)
    location: tuple[float, float] = (0.0, 0.0)


@dataclass
class FusedNode:
    """A passive splice or patch with a loss [dB]."""

    uid: str
    loss_db: float = 1.0
    location: tuple[float, float] = (0.0, 0.0)


@dataclass
class FibreNode:
    """A fibre span. ``con_in_db`` / ``con_out_db`` ``None``: the design's defaults."""

    uid: str
    fibre: FibreModel
    type_variety: str = ""
    con_in_db: float | None = None
    con_out_db: float | None = None
    location: tuple[float, float] = (0.0, 0.0)

    def model(self) -> FibreModel:
        """The :class:`FibreModel` with the connector losses resolved (``None`` is 0)."""
        return replace(self.fibre, con_in_db=self.con_in_db or 0.0,
                       con_out_db=self.con_out_db or 0.0)

    @property
    def loss_db(self) -> float:
        """Total loss with connectors and padding [dB]."""
        return self.model().loss_db


@dataclass
class AmplifierNode:
    """An amplifier. ``amp_type`` ``None``: the design chooses one. Operational settings
    as in the topology (``None``: the design sets them): ``gain_target`` [dB], ``delta_p``
    [dB, output power per channel relative to the reference], ``tilt_target`` [dB],
    ``out_voa`` / ``in_voa`` [dB]. The design stores its result in ``effective_gain``,
    ``design_delta_p`` and ``design_tilt``."""

    uid: str
    amp_type: AmplifierType | None = None
    gain_target: float | None = None
    delta_p: float | None = None
    tilt_target: float | None = None
    out_voa: float | None = None
    in_voa: float | None = 0.0
    restrictions: tuple[str, ...] = ()
    effective_gain: float | None = None
    design_delta_p: float | None = None
    design_tilt: float = 0.0
    location: tuple[float, float] = (0.0, 0.0)


NetworkElement = TransceiverNode | RoadmNode | FusedNode | FibreNode | AmplifierNode


class OpticalNetwork:
    """A directed graph of :data:`NetworkElement` by uid.

    >>> from softran.optical.fibre_model import FibreModel
    >>> net = OpticalNetwork()
    >>> for e in (TransceiverNode("A"), FibreNode("f", FibreModel(80e3)), TransceiverNode("B")):
    ...     net.add(e)
    >>> net.connect("A", "f"); net.connect("f", "B")
    >>> [e.uid for e in net.path("A", "B")]
    ['A', 'f', 'B']
    """

    def __init__(self, name: str = "network") -> None:
        self.name = name
        self.elements: dict[str, NetworkElement] = {}
        self._next: dict[str, list[str]] = {}
        self._prev: dict[str, list[str]] = {}

    def add(self, element: NetworkElement) -> None:
        """Add ``element`` (its uid must be new)."""
        if element.uid in self.elements:
            raise ValueError(f"{self.name}: element uid {element.uid!r} appears twice")
        self.elements[element.uid] = element
        self._next[element.uid] = []
        self._prev[element.uid] = []

    def remove(self, uid: str) -> None:
        """Remove element ``uid`` and its connections."""
        for n in list(self._next[uid]):
            self.disconnect(uid, n)
        for p in list(self._prev[uid]):
            self.disconnect(p, uid)
        del self.elements[uid], self._next[uid], self._prev[uid]

    def connect(self, a: str, b: str) -> None:
        """Connect ``a -> b`` (both must exist)."""
        for uid in (a, b):
            if uid not in self.elements:
                raise ValueError(f"{self.name}: connection {a!r} -> {b!r} names an unknown "
                                 f"element {uid!r}")
        if b in self._next[a]:
            raise ValueError(f"{self.name}: connection {a!r} -> {b!r} appears twice")
        self._next[a].append(b)
        self._prev[b].append(a)

    def disconnect(self, a: str, b: str) -> None:
        """Remove the connection ``a -> b``."""
        self._next[a].remove(b)
        self._prev[b].remove(a)

    def successors(self, uid: str) -> list[NetworkElement]:
        """Elements after ``uid``."""
        return [self.elements[n] for n in self._next[uid]]

    def predecessors(self, uid: str) -> list[NetworkElement]:
        """Elements before ``uid``."""
        return [self.elements[n] for n in self._prev[uid]]

    def next_of(self, uid: str) -> NetworkElement:
        """The one element after ``uid`` (an error if none)."""
        nxt = self._next[uid]
        if not nxt:
            raise ValueError(f"{self.name}: {type(self.elements[uid]).__name__} {uid!r} is not "
                             "connected to a next element; check the topology")
        return self.elements[nxt[0]]

    def prev_of(self, uid: str) -> NetworkElement:
        """The one element before ``uid`` (an error if none)."""
        prv = self._prev[uid]
        if not prv:
            raise ValueError(f"{self.name}: {type(self.elements[uid]).__name__} {uid!r} has no "
                             "previous element; check the topology")
        return self.elements[prv[0]]

    def of_type(self, cls: type) -> Iterator[NetworkElement]:
        """Elements that are instances of ``cls``, in insertion order."""
        return (e for e in list(self.elements.values()) if isinstance(e, cls))

    def copy(self) -> OpticalNetwork:
        """A deep copy."""
        return copy.deepcopy(self)

    def insert_between(self, a: str, b: str, element: NetworkElement) -> None:
        """Put ``element`` on the connection ``a -> b``."""
        self.disconnect(a, b)
        self.add(element)
        self.connect(a, element.uid)
        self.connect(element.uid, b)

    def _weight(self, uid: str) -> float:
        e = self.elements[uid]
        return e.fibre.length if isinstance(e, FibreNode) else 0.01

    def path(self, source: str, destination: str) -> list[NetworkElement]:
        """Least-weight path ``source -> destination`` (module docstring); an error names
        the ends when none exists."""
        for uid in (source, destination):
            if uid not in self.elements:
                known = [e.uid for e in self.of_type(TransceiverNode)]
                raise ValueError(f"{self.name}: no element {uid!r}; transceivers: "
                                 + ", ".join(known))
        dist = {source: 0.0}
        prev: dict[str, str] = {}
        heap = [(0.0, source)]
        done: set[str] = set()
        while heap:
            d, u = heapq.heappop(heap)
            if u in done:
                continue
            done.add(u)
            if u == destination:
                break
            for v in self._next[u]:
                if isinstance(self.elements[v], TransceiverNode) and v != destination:
                    continue
                nd = d + self._weight(u)
                if nd < dist.get(v, float("inf")) - 1e-12:
                    dist[v] = nd
                    prev[v] = u
                    heapq.heappush(heap, (nd, v))
        if destination not in done:
            raise ValueError(f"{self.name}: no path from {source!r} to {destination!r}")
        out = [destination]
        while out[-1] != source:
            out.append(prev[out[-1]])
        return [self.elements[u] for u in reversed(out)]
