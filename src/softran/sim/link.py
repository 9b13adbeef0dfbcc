"""The plug-in interface between the simulation engine and a link (transmitter, channel, receiver).

A *link* simulates batches of slots at one SNR and returns additive counts. The engine
(:mod:`softran.sim.runner`) owns seeds, stopping rules, the results store and the execution
engine; the link owns everything physical, HARQ included.

Contract of :meth:`Link.run` (``snr_db``, ``n_slots``, ``seed``):

* ``n_slots`` independent HARQ processes each start one new transport block and retransmit it
  with the scenario's redundancy-version sequence (TS 38.214 §6.1.2.1, Table 6.1.2.1-2 for the
  RV order; default 0, 2, 3, 1) until it is acknowledged (CRC pass, TS 38.212 §6.2.1) or
  ``harq.max_transmissions`` transmissions are spent. Each transmission occupies one slot.
* Counts are additive (sum two batches field by field): ``slots`` occupied, ``transmissions``
  (transport-block transmissions; one per slot and codeword), ``transmission_errors`` (NACKs),
  ``blocks`` (transport blocks finished), ``block_errors`` (finished without being delivered
  intact: the residual block errors after HARQ), ``bits`` / ``bit_errors`` (payload bits of the
  finished blocks and their errors after the last transmission), ``delivered_bits`` (payload of
  the blocks delivered intact) and ``max_bits`` (the payload a perfect link delivers in the
  same slots: TBS per transmission) and ``first_transmission_errors`` (blocks whose first
  transmission was NACKed; its ratio to ``blocks`` is the first-transmission BLER, the BLER
  without HARQ). Throughput (fraction of the maximum) is ``delivered_bits / max_bits``.
  Two optional counts give the throughput its HARQ-aware interval (:mod:`softran.sim.stopping`):
  ``delivered_transmissions`` (the transmissions of the delivered blocks, summed) and
  ``transmissions_squared`` (the square of each block's number of transmissions, summed);
  a link counts them when its throughput is a ratio over blocks of one TBS, one slot per
  transmission (``slots == transmissions``, ``max_bits`` = TBS x transmissions).
* The result depends on ``(snr_db, n_slots, seed)`` and the scenario only: the same arguments
  give the same counts on every engine and in any order.

Links register under a kind (``scenario.link``). A kind ``k`` that is not registered yet is
looked up as the module ``softran.sim.links.<k with '-' -> '_'>``, which must call
:func:`register_link` when it is imported; worker processes find links the same way.
"""

from __future__ import annotations

import dataclasses
import importlib
import pkgutil
import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Protocol, runtime_checkable

from softran.validation import check_allocation

if TYPE_CHECKING:
    from softran.sim.scenario import Scenario

__all__ = ["LINK_SECTIONS", "RESULTS_VERSION", "Link", "LinkConfigError", "SlotCounts", "check_batch_memory",
           "check_link_config", "link_kinds", "link_section", "link_value", "make_link",
           "register_link"]


#: Version of the results that links return. It is part of every scenario's
#: :attr:`~softran.sim.Scenario.stream_hash`, so a results store never resumes batches that
#: older code computed: **bump it in any change that alters the counts a link returns for the
#: same scenario, SNR, slots and seed** (a fidelity fix, a receiver change, another use of the
#: random stream, a new count). 1: softran before the version existed (the stream hash had no
#: version component; version 1 keeps those hashes); 2: band-limited fractional delays in the
#: fading channels, HARQ new-data indicator (the ``fidelity`` merge), and the counts
#: ``delivered_transmissions`` / ``transmissions_squared`` of the throughput interval.
RESULTS_VERSION = 2

#: counts that may be ``None`` (not counted); every other count is an int >= 0
_OPTIONAL_COUNTS = frozenset({"first_transmission_errors", "delivered_transmissions",
                              "transmissions_squared"})


def _add(a: int | None, b: int | None) -> int | None:
    return None if a is None or b is None else a + b


@dataclass(frozen=True)
class SlotCounts:
    """Additive counts of a batch of slots (see the module docstring for each field).

    ``first_transmission_errors``, ``delivered_transmissions`` and ``transmissions_squared``
    are ``None`` where they were not counted (batches stored by a softran that did not count
    them, links that do not); a sum with ``None`` in it is ``None``: unknown.

    >>> a = SlotCounts(slots=3, transmissions=3, blocks=2, block_errors=1, max_bits=300,
    ...                first_transmission_errors=1)
    >>> (a + a).slots, (a + a).block_errors, (a + a).first_transmission_errors
    (6, 2, 2)
    >>> SlotCounts.zero() + a == a
    True
    >>> (a + SlotCounts(slots=1)).first_transmission_errors is None
    True
    """

    slots: int = 0
    transmissions: int = 0
    transmission_errors: int = 0
    blocks: int = 0
    block_errors: int = 0
    bits: int = 0
    bit_errors: int = 0
    delivered_bits: int = 0
    max_bits: int = 0
    first_transmission_errors: int | None = None
    delivered_transmissions: int | None = None
    transmissions_squared: int | None = None

    def __post_init__(self) -> None:
        for f in dataclasses.fields(self):
            v = getattr(self, f.name)
            if v is None and f.name in _OPTIONAL_COUNTS:
                continue
            if isinstance(v, bool) or not isinstance(v, int) or v < 0:
                raise ValueError(f"SlotCounts.{f.name} = {v!r} is not allowed; it must be an "
                                 "integer >= 0")

    @classmethod
    def zero(cls) -> SlotCounts:
        """All counts 0."""
        return cls(**{n: 0 for n in cls.field_names()})

    @classmethod
    def field_names(cls) -> tuple[str, ...]:
        """The count fields in declaration order (the columns of the results store)."""
        return tuple(f.name for f in dataclasses.fields(cls))

    def __add__(self, other: SlotCounts) -> SlotCounts:
        if not isinstance(other, SlotCounts):
            return NotImplemented
        return SlotCounts(**{n: _add(getattr(self, n), getattr(other, n))
                             for n in self.field_names()})

    def as_dict(self) -> dict[str, int]:
        """The counts as a plain dict (field name -> int)."""
        return dataclasses.asdict(self)


@runtime_checkable
class Link(Protocol):
    """A simulated link: ``run(snr_db, n_slots, seed) -> SlotCounts`` (module docstring)."""

    def run(self, snr_db: float, n_slots: int, seed: int) -> SlotCounts:
        """Simulate ``n_slots`` new transport blocks (with their HARQ retransmissions)."""
        ...


class LinkConfigError(ValueError):
    """A scenario value that a link rejects; ``key`` is its dotted path (``pusch.modulation``).

    >>> str(LinkConfigError("pusch.n_prb", "n_prb = 0 is out of range"))
    'pusch.n_prb: n_prb = 0 is out of range'
    """

    def __init__(self, key: str, message: str) -> None:
        self.key = key
        self.message = message
        super().__init__(f"{key}: {message}")


def link_value(key: str, fn: Callable[..., Any], *args: Any, **kw: Any) -> Any:
    """``fn(*args, **kw)`` with its ``TypeError`` / ``ValueError`` turned into a
    :class:`LinkConfigError` naming the scenario key ``key`` (first line of the message).

    >>> link_value("pucch.format", int, "x")
    Traceback (most recent call last):
    softran.sim.link.LinkConfigError: pucch.format: invalid literal for int() with base 10: 'x'
    """
    try:
        return fn(*args, **kw)
    except LinkConfigError:
        raise
    except (TypeError, ValueError) as err:
        raise LinkConfigError(key, str(err).splitlines()[0]) from None


#: check(scenario) -> canonical [pusch] table (defaults filled); raises LinkConfigError
LinkCheck = Callable[["Scenario"], dict[str, Any]]
#: factory(scenario, device) -> Link
LinkFactory = Callable[["Scenario", str], Link]

_REGISTRY: dict[str, tuple[LinkFactory, LinkCheck]] = {}
#: the scenario table that holds each link's parameters (default ``"pusch"``)
_SECTIONS: dict[str, str] = {}
#: scenario tables a link may name as its own (fields of :class:`~softran.sim.Scenario`)
LINK_SECTIONS: tuple[str, ...] = ("pusch", "pdsch", "pucch", "prach")
_KIND = re.compile(r"^[a-z][a-z0-9-]*$")


def register_link(kind: str, factory: LinkFactory, check: LinkCheck,
                  section: str = "pusch") -> None:
    """Register a link under ``kind`` (the ``[scenario] link`` value).

    ``check(scenario)`` validates the scenario for this link without building it (cheap) and
    returns the canonical ``[pusch]`` table with its defaults filled in (it is hashed, so
    spell values canonically); it raises :class:`LinkConfigError` naming the dotted key.
    ``factory(scenario, device)`` builds the link on ``device`` (``"cpu"``, ``"cuda"``).
    ``section`` names the scenario table of the link's parameters: ``"pusch"`` (default),
    ``"pdsch"``, ``"pucch"`` or ``"prach"``; ``check`` then validates and returns that table.

    >>> register_link("Bad Kind", lambda s, d: None, lambda s: {})
    Traceback (most recent call last):
    ValueError: kind = 'Bad Kind' is not allowed; use lower-case letters, digits and '-'
    """
    if not isinstance(kind, str) or not _KIND.match(kind):
        raise ValueError(f"kind = {kind!r} is not allowed; use lower-case letters, digits and '-'")
    if not callable(factory) or not callable(check):
        raise TypeError("factory and check must be callables")
    if section not in LINK_SECTIONS:
        raise ValueError(f"section = {section!r} is not allowed; allowed: {LINK_SECTIONS}")
    _REGISTRY[kind] = (factory, check)
    _SECTIONS[kind] = section


def link_kinds() -> tuple[str, ...]:
    """Kinds that are registered or can be imported from :mod:`softran.sim.links`.

    >>> "sch-awgn" in link_kinds()
    True
    """
    import softran.sim.links as links

    found = {m.name.replace("_", "-") for m in pkgutil.iter_modules(links.__path__)
             if not m.name.startswith("_")}
    return tuple(sorted(found | set(_REGISTRY)))


def _entry(kind: str) -> tuple[LinkFactory, LinkCheck]:
    if kind not in _REGISTRY and isinstance(kind, str) and _KIND.match(kind):
        name = "softran.sim.links." + kind.replace("-", "_")
        try:
            importlib.import_module(name)
        except ModuleNotFoundError as err:
            if err.name != name:  # the module exists but something it imports does not
                raise
    if kind not in _REGISTRY:
        raise LinkConfigError("scenario.link", f"{kind!r} is not an available link; allowed: "
                              + ", ".join(repr(k) for k in link_kinds()))
    return _REGISTRY[kind]


def link_section(kind: str) -> str:
    """The scenario table that holds the parameters of link ``kind`` (importing its module
    when needed).

    >>> link_section("sch-awgn")
    'pusch'
    """
    _entry(kind)
    return _SECTIONS.get(kind, "pusch")


def check_link_config(scenario: Scenario) -> dict[str, Any]:
    """Validate ``scenario`` for its link; returns the canonical ``[pusch]`` table.

    Raises :class:`LinkConfigError` (a ``ValueError``) naming the dotted key.
    """
    return _entry(scenario.scenario.link)[1](scenario)


def make_link(scenario: Scenario, device: str = "cpu") -> Link:
    """Build the link that ``scenario.scenario.link`` names, on ``device``.

    >>> from softran.sim.scenario import load_scenario
    >>> s = load_scenario('''
    ... [scenario]
    ... name = "doc"
    ... link = "sch-awgn"
    ... [pusch]
    ... modulation = "QPSK"
    ... target_code_rate = 0.5
    ... n_prb = 2
    ... [snr]
    ... points_db = [10.0]
    ... ''')
    >>> make_link(s).run(10.0, 4, seed=1).block_errors
    0
    """
    return _entry(scenario.scenario.link)[0](scenario, device)


def check_batch_memory(scenario: Scenario, bytes_per_slot: int) -> None:
    """Refuse a ``run.batch_slots`` whose batch would not fit in memory: a link's check calls
    this with its estimate of the memory one slot of :meth:`Link.run` needs (its dominant
    tensors); ``batch_slots`` times that is checked by
    :func:`softran.validation.check_allocation` on ``run.device``. Parallel engines run one
    batch per worker at a time. Raises :class:`LinkConfigError` naming ``run.batch_slots``.

    >>> from softran.sim.scenario import load_scenario
    >>> s = load_scenario("[scenario]\\nname = 'x'\\n[pusch]\\ntarget_code_rate = 0.5\\n"
    ...                   "[snr]\\npoints_db = [0]\\n[run]\\nbatch_slots = 1000")
    >>> check_batch_memory(s, 10**7)        # doctest: +ELLIPSIS
    Traceback (most recent call last):
    softran.sim.link.LinkConfigError: run.batch_slots: batch_slots = 1000 would need about ...
    """
    n = scenario.run.batch_slots
    try:
        check_allocation("batch_slots", n, n * bytes_per_slot, device=scenario.run.device)
    except ValueError as err:
        raise LinkConfigError("run.batch_slots", f"{err}; the link needs about "
                              f"{bytes_per_slot / 2**20:.3g} MiB per slot of a batch") from None
