"""compiled_entry: the entry of one compiled version gives the dispatcher's results."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from numba import njit

from softran.nr.kernel_entry import compiled_entry


@njit(cache=False)
def _axpy(a, x, y, out):  # pragma: no cover - compiled
    for i in range(x.shape[0]):
        out[i] = a * x[i] + y[i]
    return x.shape[0]


@settings(max_examples=25, deadline=None)
@given(n=st.integers(0, 40), a=st.floats(-4, 4), seed=st.integers(0, 2**31 - 1))
def test_entry_equals_the_dispatcher(n: int, a: float, seed: int) -> None:
    rng = np.random.default_rng(seed)
    x, y = rng.standard_normal(n), rng.standard_normal(n)
    want, got = np.empty(n), np.empty(n)
    entry = compiled_entry(_axpy, (1.0, x, y, got))
    assert entry(a, x, y, got) == _axpy(a, x, y, want) == n
    assert np.array_equal(got, want)


def test_entry_serves_new_arrays_of_the_same_types() -> None:
    """Made once from one set of arrays, the entry serves others of the same types (how the
    slot paths keep it beside their workspaces)."""
    entry = compiled_entry(_axpy, (2.0, np.ones(3), np.ones(3), np.empty(3)))
    x, y, out = np.arange(5.0), np.full(5, 0.5), np.empty(5)
    assert entry(2.0, x, y, out) == 5
    assert out.tolist() == [0.5, 2.5, 4.5, 6.5, 8.5]


@pytest.mark.parametrize("kernel", [lambda a: a, np.add, 3])
def test_not_a_dispatcher_is_refused(kernel: object) -> None:
    with pytest.raises(TypeError, match="kernel must be a Numba dispatcher"):
        compiled_entry(kernel, (1,))
