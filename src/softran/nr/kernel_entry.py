"""The machine-code entry of a Numba kernel for one set of argument types, for slot loops
that call the same kernel with arguments of the same types every slot (the receive chains
of TS 38.211 / TS 38.212 on their kept workspaces).

Calling a Numba dispatcher matches the argument types against its compiled versions on
every call; the entry of one compiled version takes the arguments straight to their
unboxing. With the dozens of workspace arrays a slot kernel takes, the matching cost about
4 µs per call warm and 13 µs with the caches cold (measured on a 70-argument call). The
caller must pass arguments of exactly the types the entry was made for (the same dtypes,
dimensions, layouts, read-only and alignment flags, the same tuple structure): it keeps
the entry beside the workspace whose arrays fix those types.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

from numba import njit, typeof, types
from numba.experimental import structref

__all__ = ["KernelArgs", "KernelArgsType", "compiled_entry", "kernel_args"]


def compiled_entry(kernel: Any, args: Sequence[object]) -> Callable[..., Any]:
    """The compiled entry of the Numba dispatcher ``kernel`` for the types of ``args``
    (compiled, or loaded from the cache, now if it is not yet; infrastructure of the
    TS 38.211 / TS 38.212 slot paths, no clause of its own): ``entry(*args)`` returns
    what ``kernel(*args)`` returns for arguments of those types (module notes).

    >>> import numpy as np
    >>> from numba import njit
    >>> total = njit(lambda a, b: a.sum() + b)
    >>> entry = compiled_entry(total, (np.ones(3), 2.0))
    >>> entry(np.arange(4.0), 0.5)
    6.5
    """
    if not (hasattr(kernel, "typeof_pyval") and hasattr(kernel, "compile")):
        raise TypeError(f"kernel must be a Numba dispatcher, got {type(kernel).__name__}")
    return kernel.compile(tuple(kernel.typeof_pyval(a) for a in args))


@structref.register
class KernelArgsType(types.StructRef):
    """The Numba type of :class:`KernelArgs`: a struct of named fields (arrays, tuples of
    them, numbers), one type per set of field names and types."""

    def preprocess_fields(self, fields: Sequence[tuple[str, Any]]) -> tuple[tuple[str, Any], ...]:
        return tuple((name, types.unliteral(t)) for name, t in fields)


class KernelArgs(structref.StructRefProxy):
    """A kernel's kept arguments as one object (:func:`kernel_args`): a compiled kernel
    takes it as one argument and reads its fields by name (``args.grid``).

    Passing a workspace's arrays one by one costs their unboxing on every call (a memory
    record per array, made and released: about 10 µs warm for 60 arrays, several times that
    with the caches cold, measured); this object unboxes as one pointer, its arrays held
    inside it (they stay alive while it does)."""


structref.define_boxing(KernelArgsType, KernelArgs)

#: the compiled constructor of :class:`KernelArgs` per tuple of field names
_MAKERS: dict[tuple[str, ...], Any] = {}


def kernel_args(**fields: object) -> KernelArgs:
    """The fields (NumPy arrays, tuples of them, numbers, bools) as one :class:`KernelArgs`
    for a compiled kernel of a slot path (the TS 38.211 / TS 38.212 receive chains; no
    clause of its own: module notes): the arrays themselves, not copies (what the
    kernel writes into ``args.x`` is in the array given as ``x``). Its constructor compiles
    once per set of field names and types (not cached on disk: a fraction of a second).

    >>> import numpy as np
    >>> from numba import njit
    >>> args = kernel_args(a=np.arange(3.0), n=2)
    >>> fill = njit(lambda args: args.a[:args.n].sum())
    >>> float(fill(args))
    1.0
    """
    names = tuple(fields)
    if not names or not all(n.isidentifier() and not n.startswith("_") for n in names):
        raise ValueError(f"kernel_args: field names must be public identifiers, got {names}")
    make = _MAKERS.get(names)
    if make is None:
        params = ", ".join(names)
        src = (f"def make(kind, {params}):\n    s = structref.new(kind)\n"
               + "".join(f"    s.{n} = {n}\n" for n in names) + "    return s\n")
        scope: dict[str, Any] = {"structref": structref}
        exec(src, scope)  # noqa: S102 (a constructor over the given identifiers)
        make = _MAKERS[names] = njit(scope["make"])
    kind = KernelArgsType([(n, typeof(v)) for n, v in fields.items()])
    return make(kind, *fields.values())
