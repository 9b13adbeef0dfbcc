"""softran.nr.kernel_entry: a kernel's compiled entry and its kept arguments packed as one
(KernelArgs) give what the dispatcher gives with the arguments one by one; the packed
arrays are the caller's (written in place, kept alive), bad field names are refused."""

from __future__ import annotations

import gc

import numpy as np
import pytest
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
