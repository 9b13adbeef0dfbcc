"""Run a call twice, on a module's compiled kernel path and on its torch reference path, for
the tests that compare the two (each fast path sits behind a module-level switch)."""

from __future__ import annotations

from collections.abc import Callable
from types import ModuleType
from typing import TypeVar

T = TypeVar("T")


def kernel_then_reference(module: ModuleType, fn: Callable[[], T], *,
                          switch: str = "KERNELS") -> tuple[T, T]:
    """``(fn() with module.<switch> = True, fn() with it False)``; the switch is restored."""
    saved = getattr(module, switch)
    try:
        setattr(module, switch, True)
        a = fn()
        setattr(module, switch, False)
        b = fn()
    finally:
        setattr(module, switch, saved)
    return a, b
