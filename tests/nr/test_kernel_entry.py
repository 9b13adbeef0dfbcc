"""softran.nr.kernel_entry: a kernel's compiled entry and its kept arguments packed as one
(KernelArgs) give what the dispatcher gives with the arguments one by one; the packed
arrays are the caller's (written in place, kept alive), bad field names are refused."""

from __future__ import annotations

import gc

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from numba import njit

from softran.nr.kernel_entry import KernelArgs, compiled_entry, kernel_args


@njit
def _axpy(x, y, scale, out):
    for i in range(x.shape[0]):
        out[i] = scale * x[i] + y[i][0]
    return out.sum()


@njit
def _axpy_packed(x, a):
    return _axpy(x, a.y[0], a.scale, a.out)


def test_packed_arguments_equal_the_arguments_one_by_one():
    rng = np.random.default_rng(3)
    x = rng.standard_normal(7).astype(np.float32)
    y = rng.standard_normal((7, 1))
    out1, out2 = np.empty(7, np.float32), np.empty(7, np.float32)
    want = _axpy(x, y, 2.5, out1)
    a = kernel_args(y=(y.copy(),), scale=2.5, out=out2)
    assert isinstance(a, KernelArgs)
    entry = compiled_entry(_axpy_packed, (x, a))
    gc.collect()                    # the struct keeps its arrays alive (the copy of y)
    _ = [np.full(7, 9.0) for _ in range(100)]
    got = entry(x, a)
    assert got == want and np.array_equal(out1, out2)     # written into the caller's array


def test_kernel_args_refuses_bad_field_names():
    with pytest.raises(ValueError, match="field names"):
        kernel_args()
    with pytest.raises(ValueError, match="field names"):
        kernel_args(_hidden=np.zeros(2))


@njit(cache=False)
def _axpy_plain(a, x, y, out):  # pragma: no cover - compiled
    for i in range(x.shape[0]):
        out[i] = a * x[i] + y[i]
    return x.shape[0]


@settings(max_examples=25, deadline=None)
@given(n=st.integers(0, 40), a=st.floats(-4, 4), seed=st.integers(0, 2**31 - 1))
def test_entry_equals_the_dispatcher(n: int, a: float, seed: int) -> None:
    rng = np.random.default_rng(seed)
    x, y = rng.standard_normal(n), rng.standard_normal(n)
    want, got = np.empty(n), np.empty(n)
    entry = compiled_entry(_axpy_plain, (1.0, x, y, got))
    assert entry(a, x, y, got) == _axpy_plain(a, x, y, want) == n
    assert np.array_equal(got, want)


def test_entry_serves_new_arrays_of_the_same_types() -> None:
    """Made once from one set of arrays, the entry serves others of the same types (how the
    slot paths keep it beside their workspaces)."""
    entry = compiled_entry(_axpy_plain, (2.0, np.ones(3), np.ones(3), np.empty(3)))
    x, y, out = np.arange(5.0), np.full(5, 0.5), np.empty(5)
    assert entry(2.0, x, y, out) == 5
    assert out.tolist() == [0.5, 2.5, 4.5, 6.5, 8.5]


@pytest.mark.parametrize("kernel", [lambda a: a, np.add, 3])
def test_not_a_dispatcher_is_refused(kernel: object) -> None:
    with pytest.raises(TypeError, match="kernel must be a Numba dispatcher"):
        compiled_entry(kernel, (1,))
