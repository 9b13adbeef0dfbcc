"""A kept inverse DFT plan for the OFDM modulator's latency path (TS 38.211 §5.3.1: the
useful part of each OFDM symbol is the IDFT of its subcarriers, unitary scaling as
:mod:`softran.nr.ofdm`).

``torch.fft.ifft`` on the CPU builds, sets up and commits an MKL DFTI descriptor on every
call, then frees it: a few µs on a warm core, tens of µs when the slot's other work has
evicted MKL's set-up code and tables from the caches. :class:`KeptInverseDFT` makes the
descriptor once, with the settings ``torch.fft.ifft(x, dim=-1, norm="ortho")`` gives it for
a C-contiguous complex64 ``[rows, n]`` tensor (single precision, complex domain, out of
place, ``rows`` transforms ``n`` apart, unit strides, backward scale n^-1/2), and keeps it
committed: each call is one ``DftiComputeBackward`` between two kept buffers. It uses the
MKL that torch itself links (the DFTI functions of ``libtorch_cpu``); where that is not
there (a torch built without MKL) or its output is not bit for bit that of
``torch.fft.ifft`` on a probe input, :func:`kept_inverse_dft` returns None and the caller
keeps ``torch.fft.ifft``.
"""

from __future__ import annotations

import ctypes
import functools
import os
import weakref
from collections.abc import Callable

import numpy as np
import torch

from softran.validation import check_int

__all__ = ["KeptInverseDFT", "kept_inverse_dft"]

# mkl_dfti.h: configuration parameters and values
_DFTI_BACKWARD_SCALE = 5
_DFTI_NUMBER_OF_TRANSFORMS = 7
_DFTI_PLACEMENT = 11
_DFTI_INPUT_STRIDES = 12
_DFTI_OUTPUT_STRIDES = 13
_DFTI_INPUT_DISTANCE = 14
_DFTI_OUTPUT_DISTANCE = 15
_DFTI_COMPLEX = 32
_DFTI_NOT_INPLACE = 44


@functools.lru_cache(maxsize=1)
def _dfti() -> ctypes.CDLL | None:
    """torch's CPU library where it exports MKL's DFTI functions, else None."""
    if not torch.backends.mkl.is_available():
        return None
    try:
        lib = ctypes.CDLL(os.path.join(os.path.dirname(torch.__file__), "lib",
                                       "libtorch_cpu.so"))
        for name in ("DftiCreateDescriptor_s_1d", "DftiSetValue", "DftiCommitDescriptor",
                     "DftiComputeBackward", "DftiFreeDescriptor"):
            getattr(lib, name)
    except (OSError, AttributeError):
        return None
    lib.DftiComputeBackward.restype = ctypes.c_long
    return lib


def _free(lib: ctypes.CDLL, handle: ctypes.c_void_p) -> None:
    lib.DftiFreeDescriptor(ctypes.byref(handle))


class KeptInverseDFT:
    """The committed MKL descriptor of ``torch.fft.ifft(x, dim=-1, norm="ortho")`` for
    complex64 ``x`` ``[rows, n]`` (module notes; TS 38.211 §5.3.1), kept from call to call.
    Raises RuntimeError where MKL's DFTI functions are not there or refuse the settings;
    :func:`kept_inverse_dft` is the checked way to get one.

    :meth:`bind` ``(x, out)`` checks two arrays once and returns a call without arguments
    that writes the transform of ``x`` into ``out``.

    >>> plan = KeptInverseDFT(8, 2)
    >>> x = (np.arange(16) % 3).astype(np.complex64).reshape(2, 8)
    >>> out = np.empty_like(x)
    >>> plan.bind(x, out)()
    >>> bool(np.array_equal(out, torch.fft.ifft(torch.from_numpy(x), norm="ortho").numpy()))
    True
    """

    def __init__(self, n: int, rows: int) -> None:
        self.n = check_int("n", n, 1)
        self.rows = check_int("rows", rows, 1)
        lib = _dfti()
        if lib is None:
            raise RuntimeError("MKL's DFTI functions are not in this torch build")
        self._lib = lib
        handle = ctypes.c_void_p()
        c_int, c_long = ctypes.c_int, ctypes.c_long
        strides = (c_long * 2)(0, 1)
        scale = float(np.float32(1.0 / np.sqrt(n)))   # as torch passes it (float -> double)
        steps = [
            lambda: lib.DftiCreateDescriptor_s_1d(ctypes.byref(handle), c_int(_DFTI_COMPLEX),
                                                  c_long(n)),
            lambda: lib.DftiSetValue(handle, c_int(_DFTI_PLACEMENT), c_int(_DFTI_NOT_INPLACE)),
            lambda: lib.DftiSetValue(handle, c_int(_DFTI_NUMBER_OF_TRANSFORMS), c_long(rows)),
            lambda: lib.DftiSetValue(handle, c_int(_DFTI_INPUT_DISTANCE), c_long(n)),
            lambda: lib.DftiSetValue(handle, c_int(_DFTI_OUTPUT_DISTANCE), c_long(n)),
            lambda: lib.DftiSetValue(handle, c_int(_DFTI_INPUT_STRIDES), strides),
            lambda: lib.DftiSetValue(handle, c_int(_DFTI_OUTPUT_STRIDES), strides),
            lambda: lib.DftiSetValue(handle, c_int(_DFTI_BACKWARD_SCALE),
                                     ctypes.c_double(scale)),
            lambda: lib.DftiCommitDescriptor(handle),
        ]
        for i, step in enumerate(steps):
            status = step()
            if status != 0:
                if handle.value:
                    _free(lib, handle)
                raise RuntimeError(f"MKL DFTI set-up step {i} failed with status {status}")
        self._handle = handle
        self._finalizer = weakref.finalize(self, _free, lib, handle)

    def bind(self, x: np.ndarray, out: np.ndarray) -> Callable[[], None]:
        """The transform of ``x`` into ``out`` (both complex64 C-contiguous ``[rows, n]``,
        not overlapping, checked here) as a call without arguments; it keeps both arrays
        (and this plan) alive."""
        for name, a in (("x", x), ("out", out)):
            if (not isinstance(a, np.ndarray) or a.dtype != np.complex64
                    or a.shape != (self.rows, self.n) or not a.flags.c_contiguous):
                raise ValueError(f"{name} must be a C-contiguous complex64 array of shape "
                                 f"{(self.rows, self.n)}, got {getattr(a, 'shape', type(a))} "
                                 f"{getattr(a, 'dtype', '')}")
        if np.shares_memory(x, out):
            raise ValueError("x and out must not overlap (the plan is out of place)")
        if not out.flags.writeable:
            raise ValueError("out must be writeable")
        compute = self._lib.DftiComputeBackward
        args = (self._handle, ctypes.c_void_p(x.ctypes.data), ctypes.c_void_p(out.ctypes.data))
        keep = (self, x, out)

        def run() -> None:
            if compute(*args) != 0:
                raise RuntimeError(f"MKL DftiComputeBackward failed ({keep[0].rows} x "
                                   f"{keep[0].n})")
        return run


@functools.lru_cache(maxsize=64)
def _bit_exact(n: int, rows: int) -> bool:
    """Whether the kept plan gives ``torch.fft.ifft``'s bits on a probe input."""
    gen = torch.Generator().manual_seed(n * 7919 + rows)
    x = torch.randn(rows, n, dtype=torch.complex64, generator=gen)
    out = np.empty((rows, n), dtype=np.complex64)
    KeptInverseDFT(n, rows).bind(x.numpy(), out)()
    return bool(torch.equal(torch.from_numpy(out), torch.fft.ifft(x, dim=-1, norm="ortho")))


def kept_inverse_dft(n: int, rows: int) -> KeptInverseDFT | None:
    """A :class:`KeptInverseDFT` for ``rows`` transforms of length ``n`` (TS 38.211 §5.3.1),
    or None where MKL's DFTI functions are not in this torch build or the plan does not give
    ``torch.fft.ifft(x, dim=-1, norm="ortho")`` bit for bit on a probe input (checked once
    per size).

    >>> plan = kept_inverse_dft(1024, 3)
    >>> plan is None or (plan.n, plan.rows) == (1024, 3)
    True
    """
    n = check_int("n", n, 1)
    rows = check_int("rows", rows, 1)
    try:
        if _dfti() is None or not _bit_exact(n, rows):
            return None
        return KeptInverseDFT(n, rows)
    except RuntimeError:
        return None
