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

__all__ = ["compiled_entry"]


def compiled_entry(kernel: Any, args: Sequence[object]) -> Callable[..., Any]:
    """The compiled entry of the Numba dispatcher ``kernel`` for the types of ``args``
    (compiled, or loaded from the cache, now if it is not yet): ``entry(*args)`` returns
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
