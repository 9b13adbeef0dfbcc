"""Kept DFT plans for the OFDM latency paths (TS 38.211 §5.3.1: the useful part of each
OFDM symbol is the IDFT of its subcarriers; the receiver's demodulator takes the DFT of
each FFT window).

``torch.fft.fft`` / ``torch.fft.ifft`` on the CPU build, set up and commit an MKL DFTI
descriptor on every call, then free it: a few µs on a warm core, tens of µs when the slot's
other work has evicted MKL's set-up code and tables from the caches. :class:`KeptDFT` makes
the descriptor once, with the settings torch gives it for a C-contiguous complex64
``[rows, n]`` tensor along the last dimension (single precision, complex domain, ``rows``
transforms ``n`` apart, unit strides, the ``norm`` scale), and keeps it committed: each call
is one ``DftiComputeForward`` / ``DftiComputeBackward``. It uses the MKL that torch itself
links (the DFTI functions of ``libtorch_cpu``); where that is not there (a torch built
without MKL) or its output is not bit for bit torch's on a probe input, :func:`kept_dft`
returns None and the caller keeps ``torch.fft``.
"""

from __future__ import annotations

import ctypes
import functools
import os
import weakref
from collections.abc import Callable

import numpy as np
import torch
from llvmlite import ir
from numba.core import types
from numba.extending import intrinsic

from softran.validation import check_int

__all__ = ["KeptDFT", "dfti_compute", "kept_dft"]

# mkl_dfti.h: configuration parameters and values
_DFTI_FORWARD_SCALE = 4
_DFTI_BACKWARD_SCALE = 5
_DFTI_NUMBER_OF_TRANSFORMS = 7
_DFTI_PLACEMENT = 11
_DFTI_INPUT_STRIDES = 12
_DFTI_OUTPUT_STRIDES = 13
_DFTI_INPUT_DISTANCE = 14
_DFTI_OUTPUT_DISTANCE = 15
_DFTI_COMPLEX = 32
_DFTI_INPLACE = 43
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
                     "DftiComputeForward", "DftiComputeBackward", "DftiFreeDescriptor"):
            getattr(lib, name)
    except (OSError, AttributeError):
        return None
    lib.DftiComputeForward.restype = ctypes.c_long
    lib.DftiComputeBackward.restype = ctypes.c_long
    return lib


def _free(lib: ctypes.CDLL, handle: ctypes.c_void_p) -> None:
    lib.DftiFreeDescriptor(ctypes.byref(handle))


_NORMS = ("backward", "ortho", "forward")


class KeptDFT:
    """The committed MKL descriptor of ``torch.fft.ifft(x, dim=-1, norm=norm)`` (``inverse``)
    or ``torch.fft.fft(x, dim=-1, norm=norm)`` for complex64 ``x`` ``[rows, n]`` (module
    notes; TS 38.211 §5.3.1), kept from call to call; ``in_place``: the transform overwrites
    its input. Raises RuntimeError where MKL's DFTI functions are not there or refuse the
    settings; :func:`kept_dft` is the checked way to get one.

    :meth:`bind` ``(x, out)`` checks the arrays once and returns a call without arguments
    that writes the transform of ``x`` into ``out`` (``out`` is ``x`` for an in-place plan).

    >>> plan = KeptDFT(8, 2, inverse=True, norm="ortho")
    >>> x = (np.arange(16) % 3).astype(np.complex64).reshape(2, 8)
    >>> out = np.empty_like(x)
    >>> plan.bind(x, out)()
    >>> bool(np.array_equal(out, torch.fft.ifft(torch.from_numpy(x), norm="ortho").numpy()))
    True
    """

    def __init__(self, n: int, rows: int, *, inverse: bool, norm: str = "backward",
                 in_place: bool = False) -> None:
        self.n, self.rows = _check_args(n, rows, norm)
        self.inverse, self.norm, self.in_place = bool(inverse), norm, bool(in_place)
        lib = _dfti()
        if lib is None:
            raise RuntimeError("MKL's DFTI functions are not in this torch build")
        self._lib = lib
        handle = ctypes.c_void_p()
        c_int, c_long = ctypes.c_int, ctypes.c_long
        strides = (c_long * 2)(0, 1)
        # the scale of the transform's direction, as torch passes it (float -> double)
        scaled = norm == "ortho" or (norm == "backward") == self.inverse
        scale = float(np.float32(1.0 / (np.sqrt(n) if norm == "ortho" else n)))
        which = _DFTI_BACKWARD_SCALE if self.inverse else _DFTI_FORWARD_SCALE
        placement = _DFTI_INPLACE if self.in_place else _DFTI_NOT_INPLACE
        steps = [
            lambda: lib.DftiCreateDescriptor_s_1d(ctypes.byref(handle), c_int(_DFTI_COMPLEX),
                                                  c_long(n)),
            lambda: lib.DftiSetValue(handle, c_int(_DFTI_PLACEMENT), c_int(placement)),
            lambda: lib.DftiSetValue(handle, c_int(_DFTI_NUMBER_OF_TRANSFORMS), c_long(rows)),
            lambda: lib.DftiSetValue(handle, c_int(_DFTI_INPUT_DISTANCE), c_long(n)),
            lambda: lib.DftiSetValue(handle, c_int(_DFTI_OUTPUT_DISTANCE), c_long(n)),
            lambda: lib.DftiSetValue(handle, c_int(_DFTI_INPUT_STRIDES), strides),
            lambda: lib.DftiSetValue(handle, c_int(_DFTI_OUTPUT_STRIDES), strides),
        ]
        if scaled:
            steps.append(lambda: lib.DftiSetValue(handle, c_int(which), ctypes.c_double(scale)))
        steps.append(lambda: lib.DftiCommitDescriptor(handle))
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
        checked here; the same array for an in-place plan, not overlapping otherwise) as a
        call without arguments; it keeps both arrays (and this plan) alive."""
        for name, a in (("x", x), ("out", out)):
            if (not isinstance(a, np.ndarray) or a.dtype != np.complex64
                    or a.shape != (self.rows, self.n) or not a.flags.c_contiguous):
                raise ValueError(f"{name} must be a C-contiguous complex64 array of shape "
                                 f"{(self.rows, self.n)}, got {getattr(a, 'shape', type(a))} "
                                 f"{getattr(a, 'dtype', '')}")
        if self.in_place:
            if x.ctypes.data != out.ctypes.data:
                raise ValueError("out must be x: the plan is in place")
        elif np.shares_memory(x, out):
            raise ValueError("x and out must not overlap (the plan is out of place)")
        if not out.flags.writeable:
            raise ValueError("out must be writeable")
        lib = self._lib
        compute = lib.DftiComputeBackward if self.inverse else lib.DftiComputeForward
        ptrs = (ctypes.c_void_p(x.ctypes.data),) if self.in_place else \
            (ctypes.c_void_p(x.ctypes.data), ctypes.c_void_p(out.ctypes.data))
        args = (self._handle, *ptrs)
        keep = (self, x, out)

        def run() -> None:
            if compute(*args) != 0:
                raise RuntimeError(f"MKL DFTI compute failed ({keep[0].rows} x {keep[0].n})")
        return run


    def native(self) -> tuple[int, int]:
        """``(function, descriptor)``: the addresses of ``DftiComputeForward`` (or
        ``DftiComputeBackward``, inverse) and of this plan's committed descriptor, for a
        compiled caller that runs the in-place transform itself
        (:func:`dfti_compute`; it must keep this plan alive while it uses them, and pass a
        C-contiguous complex64 ``[rows, n]`` array, as :meth:`bind` checks). In-place
        plans only.

        >>> plan = KeptDFT(8, 1, inverse=False, in_place=True)
        >>> all(a > 0 for a in plan.native())
        True
        """
        if not self.in_place:
            raise ValueError("native() is for in-place plans; this plan is out of place")
        compute = self._lib.DftiComputeBackward if self.inverse else self._lib.DftiComputeForward
        return int(ctypes.cast(compute, ctypes.c_void_p).value or 0), int(self._handle.value or 0)


@intrinsic
def dfti_compute(typingctx, function, descriptor, data):  # type: ignore[no-untyped-def]
    """``function(descriptor, data)`` inside Numba-compiled code: the MKL call of
    :meth:`KeptDFT.native` (``function``, ``descriptor`` its integer addresses) on the array
    address ``data`` (``x.ctypes.data``), one in-place DFT of the plan's rows (TS 38.211
    §5.3.1); returns MKL's status (0: done). The call is made as to the variadic C function
    it is (``MKL_LONG DftiComputeForward(DFTI_DESCRIPTOR_HANDLE, void *, ...)``).
    Nothing is checked: the caller passes what :meth:`KeptDFT.bind` would accept."""
    if not all(isinstance(t, types.Integer) for t in (function, descriptor, data)):
        return None
    sig = types.int64(function, descriptor, data)

    def codegen(context, builder, signature, args):  # type: ignore[no-untyped-def]
        i64 = ir.IntType(64)
        ptr = ir.IntType(8).as_pointer()
        fn_type = ir.FunctionType(i64, [ptr, ptr], var_arg=True)
        values = [context.cast(builder, a, t, types.int64)
                  for a, t in zip(args, signature.args, strict=True)]
        fn = builder.inttoptr(values[0], fn_type.as_pointer())
        return builder.call(fn, [builder.inttoptr(values[1], ptr),
                                 builder.inttoptr(values[2], ptr)])
    return sig, codegen


def _check_args(n: int, rows: int, norm: str) -> tuple[int, int]:
    if norm not in _NORMS:
        raise ValueError(f"norm = {norm!r} is not allowed; allowed: {', '.join(_NORMS)}")
    return check_int("n", n, 1), check_int("rows", rows, 1)


@functools.lru_cache(maxsize=64)
def _checked_plan(n: int, rows: int, inverse: bool, norm: str, in_place: bool
                  ) -> KeptDFT | None:
    """The plan, made once per set of arguments, if it gives torch's bits on a probe input;
    else None. One plan serves any number of bound buffer pairs."""
    plan = KeptDFT(n, rows, inverse=inverse, norm=norm, in_place=in_place)
    gen = torch.Generator().manual_seed(n * 7919 + rows * 2 + inverse)
    x = torch.randn(rows, n, dtype=torch.complex64, generator=gen)
    want = (torch.fft.ifft if inverse else torch.fft.fft)(x, dim=-1, norm=norm)
    src = x.numpy().copy()
    out = src if in_place else np.empty((rows, n), dtype=np.complex64)
    plan.bind(src, out)()
    return plan if torch.equal(torch.from_numpy(out), want) else None


def kept_dft(n: int, rows: int, *, inverse: bool, norm: str = "backward",
             in_place: bool = False) -> KeptDFT | None:
    """A :class:`KeptDFT` for ``rows`` transforms of length ``n`` (TS 38.211 §5.3.1), or
    None where MKL's DFTI functions are not in this torch build or the plan does not give
    ``torch.fft.ifft`` / ``torch.fft.fft(x, dim=-1, norm=norm)`` bit for bit on a probe
    input (checked once per set of arguments; the same plan is returned each time).

    >>> plan = kept_dft(1024, 3, inverse=True, norm="ortho")
    >>> plan is None or (plan.n, plan.rows) == (1024, 3)
    True
    """
    n, rows = _check_args(n, rows, norm)
    if _dfti() is None:
        return None
    try:
        return _checked_plan(n, rows, bool(inverse), norm, bool(in_place))
    except RuntimeError:
        return None
