"""Declarative byte layouts of SCF 222 structures (SCF 222.10.02 §3.1: little-endian, packed).

Every message and PDU of :mod:`softran.fapi` is a frozen dataclass that derives from
:class:`Struct` and lists its wire fields, in spec order, in ``LAYOUT``. One encoder and one
bounds-checked decoder walk that list, so a field's width is written down exactly once:

* :class:`Int` -- an unsigned (or signed) little-endian integer of 1, 2 or 4 bytes;
* :class:`Fixed` -- a fixed-size byte array (``rbBitmap[36]``, ``FreqDomainResource[6]``);
* :class:`Count` / :class:`Derived` -- a value the encoder computes from the other fields (a
  list's length, ``RachPresent``, ``PDU_Length``); the decoder checks it against what it
  decoded, so a count that disagrees with the data is an error, not a silent repair;
* :class:`Bitmap` -- a ``pduBitmap`` whose bits say which :class:`Opt` parts follow;
* :class:`ListOf` -- a list of structures or integers, sized by a count field;
* :class:`Blob` -- variable-length bytes sized by a count or a function of earlier fields;
* :class:`Nested` -- one structure inside another;
* :class:`PduList` -- the ``PDUType``, ``PDUSize`` framed PDU lists of the slot messages;
* :class:`Pad` -- zero padding to a 4-byte boundary (TLV values, SCF 222 §3.3.1.4).

A count used by a nested structure (``digBFInterfaces`` of Table 3-43) is looked up through
the enclosing structures, as the spec reads.

>>> from dataclasses import dataclass
>>> @dataclass(frozen=True)
... class Pair(Struct):
...     a: int
...     b: tuple[int, ...] = ()
...     LAYOUT = (Int("a", 2), Count("n", 1, "b"), ListOf("b", Int(None, 1), "n"))
>>> encode_struct(Pair(0x0102, (7, 8)))
b'\\x02\\x01\\x02\\x07\\x08'
>>> decode_struct(Pair, Reader(b"\\x02\\x01\\x02\\x07\\x08"))
Pair(a=258, b=(7, 8))
"""

from __future__ import annotations

import struct
from collections import ChainMap
from collections.abc import Callable, Mapping
from dataclasses import fields as dc_fields
from typing import Any, ClassVar, TypeVar

from softran.fapi.errors import FAPIDecodeError
from softran.validation import check_bytes, check_int

__all__ = [
    "Bitmap",
    "Blob",
    "Count",
    "Derived",
    "Fixed",
    "Int",
    "ListOf",
    "Message",
    "Nested",
    "Opt",
    "Pad",
    "PduList",
    "Reader",
    "Struct",
    "decode_struct",
    "encode_struct",
    "field_values",
    "min_size",
]

S = TypeVar("S", bound="Struct")


class Reader:
    """Little-endian cursor over ``data[pos:end]``; every read is bounds checked.

    >>> r = Reader(b"\\x01\\x02\\x03")
    >>> r.uint(2, "x"), r.remaining
    (513, 1)
    >>> r.uint(2, "y")
    Traceback (most recent call last):
    softran.fapi.errors.FAPIDecodeError: truncated y: needs 2 bytes, 1 left
    """

    def __init__(self, data: bytes, pos: int = 0, end: int | None = None) -> None:
        self.data = bytes(data)
        self.pos = pos
        self.end = len(self.data) if end is None else end

    @property
    def remaining(self) -> int:
        """Bytes left before ``end``."""
        return self.end - self.pos

    def take(self, n: int, what: str) -> bytes:
        """The next ``n`` bytes; :class:`FAPIDecodeError` naming ``what`` if fewer are left."""
        if n < 0 or n > self.remaining:
            raise FAPIDecodeError(f"truncated {what}: needs {n} bytes, {self.remaining} left")
        out = self.data[self.pos:self.pos + n]
        self.pos += n
        return out

    def uint(self, n: int, what: str, signed: bool = False) -> int:
        """The next ``n``-byte little-endian integer."""
        return int.from_bytes(self.take(n, what), "little", signed=signed)


class Struct:
    """Base of the SCF 222 structures: a frozen dataclass with a wire ``LAYOUT``.

    Construction checks every field against its layout item (integer ranges, byte sizes,
    list element types, lengths tied to other fields) and then runs :meth:`check` for rules
    that span fields. Lists are stored as tuples.
    """

    LAYOUT: ClassVar[tuple[Any, ...]] = ()
    #: The SCF 222 clause / table of the structure (for messages and error text).
    CLAUSE: ClassVar[str] = ""

    def __post_init__(self) -> None:
        for item in self.LAYOUT:
            item.validate(self)
        self.check()

    def check(self) -> None:
        """Rules across fields (overridden where the spec has them)."""


class Message(Struct):
    """A PHY API message body; ``MESSAGE_TYPE`` is its message type ID (SCF 222.10.02
    Table 3-4)."""

    MESSAGE_TYPE: ClassVar[int]


def field_values(obj: Struct) -> dict[str, Any]:
    """The dataclass fields of ``obj`` as a dict (what length functions of :class:`Blob` see).

    >>> from softran.fapi.indications import SlotIndication
    >>> field_values(SlotIndication(sfn=5, slot=3))
    {'sfn': 5, 'slot': 3}
    """
    cls = type(obj)
    names = _FIELD_NAMES.get(cls)
    if names is None:
        names = _FIELD_NAMES[cls] = tuple(f.name for f in dc_fields(obj))  # type: ignore[arg-type]
    return {n: getattr(obj, n) for n in names}


_FIELD_NAMES: dict[type, tuple[str, ...]] = {}


def _label(obj_or_cls: Any, name: str) -> str:
    cls = obj_or_cls if isinstance(obj_or_cls, type) else type(obj_or_cls)
    return f"{cls.__name__}.{name}"


class Int:
    """An integer of ``size`` bytes (little-endian), optionally narrowed to ``low..high``."""

    def __init__(self, name: str | None, size: int, *, signed: bool = False,
                 low: int | None = None, high: int | None = None) -> None:
        self.name = name
        self.size = size
        self.signed = signed
        bits = 8 * size
        self.low = (-(1 << (bits - 1)) if signed else 0) if low is None else low
        self.high = ((1 << (bits - 1)) - 1 if signed else (1 << bits) - 1) if high is None \
            else high

    def check_value(self, what: str, value: Any) -> int:
        return check_int(what, value, self.low, self.high)

    def validate(self, obj: Struct) -> None:
        assert self.name is not None
        value = getattr(obj, self.name)
        if type(value) is not int or not self.low <= value <= self.high:
            self.check_value(_label(obj, self.name), value)

    def write(self, value: int, out: bytearray) -> None:
        out += int(value).to_bytes(self.size, "little", signed=self.signed)

    def encode(self, obj: Struct, out: bytearray) -> None:
        assert self.name is not None
        self.write(getattr(obj, self.name), out)

    def read(self, r: Reader, what: str) -> int:
        value = r.uint(self.size, what, self.signed)
        if not self.low <= value <= self.high:
            raise FAPIDecodeError(f"{what} = {value} is out of range "
                                  f"{self.low}..{self.high}")
        return value

    def decode(self, cls: type, r: Reader, values: dict[str, Any], ctx: ChainMap) -> None:
        assert self.name is not None
        value = self.read(r, _label(cls, self.name))
        values[self.name] = ctx[self.name] = value


class Fixed:
    """A byte array of exactly ``size`` bytes."""

    def __init__(self, name: str, size: int) -> None:
        self.name = name
        self.size = size

    def validate(self, obj: Struct) -> None:
        value = getattr(obj, self.name)
        if type(value) is bytes and len(value) == self.size:
            return
        what = _label(obj, self.name)
        value = check_bytes(what, value)
        if len(value) != self.size:
            raise ValueError(f"{what} has {len(value)} bytes; it must have {self.size}")
        object.__setattr__(obj, self.name, value)

    def encode(self, obj: Struct, out: bytearray) -> None:
        out += getattr(obj, self.name)

    def decode(self, cls: type, r: Reader, values: dict[str, Any], ctx: ChainMap) -> None:
        values[self.name] = r.take(self.size, _label(cls, self.name))


class Derived:
    """A value the encoder computes (``fn(obj)``) and the decoder checks after decoding."""

    def __init__(self, key: str, size: int, fn: Callable[[Any], int]) -> None:
        self.key = key
        self.int = Int(key, size)
        self.fn = fn

    def validate(self, obj: Struct) -> None:
        value = self.fn(obj)
        if not self.int.low <= value <= self.int.high:
            raise ValueError(f"{_label(obj, self.key)} = {value} does not fit its "
                             f"{self.int.size}-byte field (at most {self.int.high})")

    def encode(self, obj: Struct, out: bytearray) -> None:
        self.int.write(self.fn(obj), out)

    def decode(self, cls: type, r: Reader, values: dict[str, Any], ctx: ChainMap) -> None:
        ctx[self.key] = self.int.read(r, _label(cls, self.key))

    def verify(self, obj: Struct, ctx: Mapping[str, Any]) -> None:
        expected = self.fn(obj)
        if ctx[self.key] != expected:
            raise FAPIDecodeError(f"{_label(obj, self.key)} = {ctx[self.key]} disagrees with "
                                  f"the decoded contents ({expected})")


class Count(Derived):
    """The number of elements of list field ``of``."""

    def __init__(self, key: str, size: int, of: str) -> None:
        super().__init__(key, size, lambda obj: len(getattr(obj, of)))
        self.of = of


class Bitmap(Derived):
    """A ``pduBitmap``: bit ``b`` is set when optional field ``name`` (``bits[name] = b``) is
    present (not None). Bits outside ``bits`` must be zero."""

    def __init__(self, key: str, size: int, bits: dict[str, int]) -> None:
        super().__init__(key, size, lambda obj: sum(
            1 << b for n, b in bits.items() if getattr(obj, n) is not None))
        self.bits = bits

    def decode(self, cls: type, r: Reader, values: dict[str, Any], ctx: ChainMap) -> None:
        super().decode(cls, r, values, ctx)
        self.check_bits(cls, ctx[self.key])

    def check_bits(self, cls: type, value: int) -> None:
        """Refuse bits outside the known optional parts."""
        known = sum(1 << b for b in self.bits.values())
        if value & ~known:
            raise FAPIDecodeError(f"{_label(cls, self.key)} = 0x{value:x} sets bits "
                                  f"softran does not support (known: 0x{known:x})")


def _count(ctx: Mapping[str, Any], count: str | Callable[[Mapping[str, Any]], int]) -> int:
    if callable(count):
        return count(ctx)
    if count not in ctx:
        raise FAPIDecodeError(f"{count} is not known here: decode this part inside the "
                              "structure that carries it")
    return ctx[count]


class ListOf:
    """A list of ``item`` (a :class:`Struct` subclass or an :class:`Int` with no name), its
    length given by ``count`` (a count key or a function of the fields decoded so far)."""

    def __init__(self, name: str, item: type[Struct] | Int,
                 count: str | Callable[[Mapping[str, Any]], int]) -> None:
        self.name = name
        self.item = item
        self.count = count
        self.least: int | None = None

    def validate(self, obj: Struct) -> None:
        what = _label(obj, self.name)
        value = getattr(obj, self.name)
        if isinstance(value, (str, bytes, bytearray, Struct)) or not hasattr(value, "__iter__"):
            raise TypeError(f"{what} must be a list, got {type(value).__name__}")
        value = tuple(value)
        for i, v in enumerate(value):
            if isinstance(self.item, Int):
                self.item.check_value(f"{what}[{i}]", v)
            elif not isinstance(v, self.item):
                raise TypeError(f"{what}[{i}] must be a {self.item.__name__}, "
                                f"got {type(v).__name__}")
        if callable(self.count):
            n = self.count(field_values(obj))
            if len(value) != n:
                raise ValueError(f"{what} has {len(value)} elements; it must have {n}")
        object.__setattr__(obj, self.name, value)

    def encode(self, obj: Struct, out: bytearray) -> None:
        for v in getattr(obj, self.name):
            if isinstance(self.item, Int):
                self.item.write(v, out)
            else:
                out += encode_struct(v)

    def decode(self, cls: type, r: Reader, values: dict[str, Any], ctx: ChainMap) -> None:
        what = _label(cls, self.name)
        n = _count(ctx, self.count)
        least = self.least
        if least is None:
            least = self.least = min_size(self.item)
        if n * least > r.remaining:
            raise FAPIDecodeError(f"{what}: {n} elements of at least {least} bytes cannot fit "
                                  f"in the {r.remaining} bytes left")
        if isinstance(self.item, Int):
            values[self.name] = tuple(self.item.read(r, f"{what}[{i}]") for i in range(n))
        else:
            values[self.name] = tuple(decode_struct(self.item, r, ctx) for _ in range(n))


class Blob:
    """Bytes whose length is ``length`` (a count key or a function of the fields so far)."""

    def __init__(self, name: str, length: str | Callable[[Mapping[str, Any]], int]) -> None:
        self.name = name
        self.length = length

    def validate(self, obj: Struct) -> None:
        what = _label(obj, self.name)
        value = check_bytes(what, getattr(obj, self.name))
        if callable(self.length):
            n = self.length(field_values(obj))
            if len(value) != n:
                raise ValueError(f"{what} has {len(value)} bytes; it must have {n}")
        object.__setattr__(obj, self.name, value)

    def encode(self, obj: Struct, out: bytearray) -> None:
        out += getattr(obj, self.name)

    def decode(self, cls: type, r: Reader, values: dict[str, Any], ctx: ChainMap) -> None:
        values[self.name] = r.take(_count(ctx, self.length), _label(cls, self.name))


class Pad:
    """Zero bytes that bring bytes field ``after`` to a multiple of ``align`` bytes; any
    padding value is accepted when decoding."""

    def __init__(self, after: str, align: int = 4) -> None:
        self.after = after
        self.align = align

    def validate(self, obj: Struct) -> None:
        pass

    def encode(self, obj: Struct, out: bytearray) -> None:
        out += bytes(-len(getattr(obj, self.after)) % self.align)

    def decode(self, cls: type, r: Reader, values: dict[str, Any], ctx: ChainMap) -> None:
        r.take(-len(values[self.after]) % self.align, f"{_label(cls, self.after)} padding")


class Nested:
    """One structure of type ``cls`` inside this one."""

    def __init__(self, name: str, cls: type[Struct]) -> None:
        self.name = name
        self.cls = cls

    def validate(self, obj: Struct) -> None:
        value = getattr(obj, self.name)
        if not isinstance(value, self.cls):
            raise TypeError(f"{_label(obj, self.name)} must be a {self.cls.__name__}, "
                            f"got {type(value).__name__}")

    def encode(self, obj: Struct, out: bytearray) -> None:
        out += encode_struct(getattr(obj, self.name))

    def decode(self, cls: type, r: Reader, values: dict[str, Any], ctx: ChainMap) -> None:
        values[self.name] = decode_struct(self.cls, r, ctx)


class Opt(Nested):
    """An optional structure, present when bit ``bit`` of :class:`Bitmap` ``bitmap`` is set;
    ``None`` when absent."""

    def __init__(self, name: str, cls: type[Struct], bitmap: str, bit: int) -> None:
        super().__init__(name, cls)
        self.bitmap = bitmap
        self.bit = bit

    def validate(self, obj: Struct) -> None:
        if getattr(obj, self.name) is not None:
            super().validate(obj)

    def encode(self, obj: Struct, out: bytearray) -> None:
        if getattr(obj, self.name) is not None:
            super().encode(obj, out)

    def decode(self, cls: type, r: Reader, values: dict[str, Any], ctx: ChainMap) -> None:
        if ctx[self.bitmap] >> self.bit & 1:
            super().decode(cls, r, values, ctx)
        else:
            values[self.name] = None


class PduList:
    """PDUs framed as ``PDUType`` (uint16), ``PDUSize`` (uint16, bytes of the whole PDU with
    these 4) and the PDU (SCF 222.10.02 Tables 3-35, 3-44, 3-54, 3-63). ``types`` maps the
    PDUType to the class; the number of PDUs is the count key ``count``."""

    def __init__(self, name: str, types: Mapping[int, type[Struct]], count: str) -> None:
        self.name = name
        self.types = dict(types)
        self.type_of = {cls: t for t, cls in self.types.items()}
        self.count = count

    def validate(self, obj: Struct) -> None:
        what = _label(obj, self.name)
        value = getattr(obj, self.name)
        if isinstance(value, (str, bytes, Struct)) or not hasattr(value, "__iter__"):
            raise TypeError(f"{what} must be a list of PDUs, got {type(value).__name__}")
        value = tuple(value)
        allowed = ", ".join(c.__name__ for c in self.type_of)
        for i, v in enumerate(value):
            if type(v) not in self.type_of:
                raise TypeError(f"{what}[{i}] is a {type(v).__name__}; allowed: {allowed}")
        object.__setattr__(obj, self.name, value)

    def encode(self, obj: Struct, out: bytearray) -> None:
        for i, pdu in enumerate(getattr(obj, self.name)):
            body = encode_struct(pdu)
            if len(body) + 4 > 0xFFFF:
                raise ValueError(f"{_label(obj, self.name)}[{i}] is {len(body) + 4} bytes; "
                                 "PDUSize allows at most 65535")
            out += self.type_of[type(pdu)].to_bytes(2, "little")
            out += (len(body) + 4).to_bytes(2, "little")
            out += body

    def decode(self, cls: type, r: Reader, values: dict[str, Any], ctx: ChainMap) -> None:
        what = _label(cls, self.name)
        n = ctx[self.count]
        pdus = []
        for i in range(n):
            pdu_type = r.uint(2, f"{what}[{i}].PDUType")
            size = r.uint(2, f"{what}[{i}].PDUSize")
            if pdu_type not in self.types:
                raise FAPIDecodeError(f"{what}[{i}].PDUType = {pdu_type} is unknown; known: "
                                      + ", ".join(str(t) for t in self.types))
            if size < 4 or size - 4 > r.remaining:
                raise FAPIDecodeError(f"{what}[{i}].PDUSize = {size} does not fit the "
                                      f"{r.remaining + 4} bytes left (minimum 4)")
            sub = Reader(r.data, r.pos, r.pos + size - 4)
            pdu_cls = self.types[pdu_type]
            pdus.append(decode_struct(pdu_cls, sub, ctx))
            if sub.remaining:
                raise FAPIDecodeError(f"{what}[{i}].PDUSize = {size}: {sub.remaining} bytes "
                                      f"after the end of the {pdu_cls.__name__}")
            r.pos = sub.end
        values[self.name] = tuple(pdus)


def min_size(item: Any) -> int:
    """The fewest bytes a layout item (or a :class:`Struct` class) takes on the wire.

    >>> from softran.fapi.beamforming import TxPrecodingBeamforming
    >>> min_size(TxPrecodingBeamforming)
    5
    """
    if isinstance(item, type) and issubclass(item, Struct):
        return sum(min_size(i) for i in item.LAYOUT)
    if isinstance(item, Opt):
        return 0
    if isinstance(item, Nested):
        return min_size(item.cls)
    if isinstance(item, Derived):
        return item.int.size
    if isinstance(item, (Int, Fixed)):
        return item.size
    return 0


_FORMAT = {(1, False): "B", (2, False): "H", (4, False): "I",
           (1, True): "b", (2, True): "h", (4, True): "i"}


class _Run:
    """Consecutive fixed-size items (Int, Derived, Fixed) packed / unpacked in one call."""

    def __init__(self, items: list[Any]) -> None:
        self.items = tuple(items)
        fmt = "<"
        for it in self.items:
            if isinstance(it, Fixed):
                fmt += f"{it.size}s"
            else:
                i = it.int if isinstance(it, Derived) else it
                fmt += _FORMAT[(i.size, i.signed)]
        self.struct = struct.Struct(fmt)

    def encode(self, obj: Struct, out: bytearray) -> None:
        out += self.struct.pack(*[it.fn(obj) if isinstance(it, Derived)
                                  else getattr(obj, it.name) for it in self.items])

    def decode(self, cls: type, r: Reader, values: dict[str, Any], ctx: ChainMap) -> None:
        if self.struct.size > r.remaining:   # field by field, to name the one cut short
            for it in self.items:
                it.decode(cls, r, values, ctx)
        raw = self.struct.unpack_from(r.data, r.pos)
        r.pos += self.struct.size
        local = ctx.maps[0]
        for it, v in zip(self.items, raw):
            if isinstance(it, Int):
                if not it.low <= v <= it.high:
                    raise FAPIDecodeError(f"{_label(cls, it.name)} = {v} is out of range "
                                          f"{it.low}..{it.high}")
                values[it.name] = local[it.name] = v
            elif isinstance(it, Fixed):
                values[it.name] = v
            else:
                local[it.key] = v
                if isinstance(it, Bitmap):
                    it.check_bits(cls, v)


_PLANS: dict[type, tuple[Any, ...]] = {}
_DERIVED: dict[type, tuple[Derived, ...]] = {}
_COMPLETE: dict[type, bool] = {}


def _plan(cls: type[Struct]) -> tuple[Any, ...]:
    """``cls.LAYOUT`` with runs of fixed-size items merged (cached per class)."""
    plan = _PLANS.get(cls)
    if plan is None:
        _DERIVED[cls] = tuple(i for i in cls.LAYOUT if isinstance(i, Derived))
        named = {i.name for i in cls.LAYOUT if not isinstance(i, (Derived, Pad))}
        _COMPLETE[cls] = named == {f.name for f in dc_fields(cls)}  # type: ignore[arg-type]
        steps: list[Any] = []
        run: list[Any] = []
        for item in cls.LAYOUT:
            if isinstance(item, (Int, Fixed, Derived)):
                run.append(item)
                continue
            if run:
                steps.append(_Run(run))
                run = []
            steps.append(item)
        if run:
            steps.append(_Run(run))
        plan = _PLANS[cls] = tuple(steps)
    return plan


def encode_struct(obj: Struct) -> bytes:
    """The SCF 222 bytes of ``obj`` (its ``LAYOUT`` in order, little-endian).

    >>> from softran.fapi.indications import SlotIndication
    >>> encode_struct(SlotIndication(sfn=0x0102, slot=3)).hex()
    '02010300'
    """
    out = bytearray()
    for step in _plan(type(obj)):
        step.encode(obj, out)
    return bytes(out)


def decode_struct(cls: type[S], r: Reader, parent: ChainMap | None = None) -> S:
    """Decode one ``cls`` from ``r``; counts of enclosing structures are visible through
    ``parent``. Raises :class:`FAPIDecodeError` naming the field on any bad byte.

    >>> from softran.fapi.indications import SlotIndication
    >>> decode_struct(SlotIndication, Reader(bytes.fromhex("02010300")))
    SlotIndication(sfn=258, slot=3)
    """
    ctx: ChainMap = ChainMap() if parent is None else parent.new_child()
    values: dict[str, Any] = {}
    for step in _plan(cls):
        step.decode(cls, r, values, ctx)
    try:
        if _COMPLETE[cls]:
            # every field came from the layout with its type, range and length checked on
            # the way in: only the rules across fields (check) are left to run
            obj = object.__new__(cls)
            for name, value in values.items():
                object.__setattr__(obj, name, value)
            obj.check()
        else:
            obj = cls(**values)
    except (ValueError, TypeError) as err:
        raise FAPIDecodeError(f"invalid {cls.__name__}: {err}") from None
    for item in _DERIVED[cls]:
        item.verify(obj, ctx)
    return obj
