"""Hypothesis strategies for every SCF 222 structure of softran.fapi, built from the
structure's own LAYOUT (so a new field is covered without editing this file): each integer
over its whole range (counts that size other data kept small), each optional part present or
absent, each list and PDU list of 0-3 elements (PDSCH: 1-2 codewords)."""

from __future__ import annotations

from collections import ChainMap
from typing import Any

from hypothesis import strategies as st

from softran.fapi.layout import (
    Blob,
    Derived,
    Fixed,
    Int,
    ListOf,
    Nested,
    Opt,
    Pad,
    PduList,
    Struct,
)

# integers that size other data: kept small so examples stay small
SMALL = {"dig_bf_interfaces": 3, "num_cb": 40, "payload_size_bits": 200, "sr_bit_len": 40,
         "harq_bit_len": 40, "csi_bit_len": 80}
# lists the structure limits further than its count field does
LIST_SIZES = {("PdschPdu", "codewords"): (1, 2)}


def _int(item: Int) -> st.SearchStrategy[int]:
    high = min(item.high, SMALL[item.name]) if item.name in SMALL else item.high
    return st.integers(item.low, high)


@st.composite
def _struct(draw: st.DrawFn, cls: type[Struct], parent: ChainMap | None) -> Struct:
    ctx: ChainMap = ChainMap() if parent is None else parent.new_child()
    values: dict[str, Any] = {}
    for item in cls.LAYOUT:
        if isinstance(item, (Derived, Pad)):
            continue
        if isinstance(item, Int):
            values[item.name] = ctx[item.name] = draw(_int(item))
        elif isinstance(item, Fixed):
            values[item.name] = draw(st.binary(min_size=item.size, max_size=item.size))
        elif isinstance(item, Blob):
            if callable(item.length):
                n = item.length(ctx)
                values[item.name] = draw(st.binary(min_size=n, max_size=n))
            else:
                values[item.name] = draw(st.binary(max_size=24))
        elif isinstance(item, ListOf):
            if isinstance(item.count, str) and item.count in ctx:
                lo = hi = ctx[item.count]
            else:
                lo, hi = LIST_SIZES.get((cls.__name__, item.name), (0, 3))
            elem = _int(item.item) if isinstance(item.item, Int) else _struct(item.item, ctx)
            values[item.name] = tuple(draw(st.lists(elem, min_size=lo, max_size=hi)))
        elif isinstance(item, Opt):
            values[item.name] = draw(st.none() | _struct(item.cls, ctx))
        elif isinstance(item, Nested):
            values[item.name] = draw(_struct(item.cls, ctx))
        elif isinstance(item, PduList):
            pdu = st.one_of([_struct(c, ctx) for c in item.types.values()])
            values[item.name] = tuple(draw(st.lists(pdu, max_size=3)))
        else:  # pragma: no cover - a new layout item needs a strategy here
            raise NotImplementedError(type(item).__name__)
    return cls(**values)


def structs(cls: type[Struct]) -> st.SearchStrategy[Struct]:
    """Valid instances of ``cls`` (any SCF 222 message, PDU or part of softran.fapi)."""
    return _struct(cls, None)
