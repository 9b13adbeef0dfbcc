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

A plan may also write its rows ``out_distance`` elements apart (e.g. straight into a
waveform, each symbol's useful part after its cyclic prefix) or read them ``in_distance``
apart: each row's values are still torch's (the probe checks it). Such a plan is called
from a Numba kernel by :func:`dfti_compute` with its :attr:`KeptDFT.handle` and
:attr:`KeptDFT.compute_address` (no Python call per transform).
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
from numba import types
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
    its input; ``in_distance`` / ``out_distance`` (elements, >= ``n``; default ``n``): the
    rows of the input / output are that far apart (module notes; out of place only).
    Raises RuntimeError where MKL's DFTI functions are not there or refuse the settings;
    :func:`kept_dft` is the checked way to get one.

    :meth:`bind` ``(x, out)`` checks the arrays once and returns a call without arguments
    that writes the transform of ``x`` into ``out`` (``out`` is ``x`` for an in-place plan;
    rows ``n`` apart); :attr:`handle` and :attr:`compute_address` serve
    :func:`dfti_compute` (any distances).

    >>> plan = KeptDFT(8, 2, inverse=True, norm="ortho")
    >>> x = (np.arange(16) % 3).astype(np.complex64).reshape(2, 8)
    >>> out = np.empty_like(x)
    >>> plan.bind(x, out)()
    >>> bool(np.array_equal(out, torch.fft.ifft(torch.from_numpy(x), norm="ortho").numpy()))
    True
    """

    def __init__(self, n: int, rows: int, *, inverse: bool, norm: str = "backward",
                 in_place: bool = False, in_distance: int | None = None,
                 out_distance: int | None = None) -> None:
        self.n, self.rows = _check_args(n, rows, norm)
        self.inverse, self.norm, self.in_place = bool(inverse), norm, bool(in_place)
        self.in_distance, self.out_distance = _check_distances(
            self.n, in_distance, out_distance, self.in_place)
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
            lambda: lib.DftiSetValue(handle, c_int(_DFTI_INPUT_DISTANCE),
                                     c_long(self.in_distance)),
            lambda: lib.DftiSetValue(handle, c_int(_DFTI_OUTPUT_DISTANCE),
                                     c_long(self.out_distance)),
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

    @property
    def handle(self) -> int:
        """The address of the committed descriptor (valid while this plan lives), the second
        argument of :func:`dfti_compute`."""
        return int(self._handle.value)  # type: ignore[arg-type]

    @property
    def compute_address(self) -> int:
        """The address of MKL's ``DftiComputeBackward`` (``inverse``) or
        ``DftiComputeForward``, the first argument of :func:`dfti_compute`."""
        fn = self._lib.DftiComputeBackward if self.inverse else self._lib.DftiComputeForward
        return int(ctypes.cast(fn, ctypes.c_void_p).value)  # type: ignore[arg-type]

    def bind(self, x: np.ndarray, out: np.ndarray) -> Callable[[], None]:
        """The transform of ``x`` into ``out`` (both complex64 C-contiguous ``[rows, n]``,
        checked here; the same array for an in-place plan, not overlapping otherwise) as a
        call without arguments; it keeps both arrays (and this plan) alive. Only for a plan
        whose rows are ``n`` apart (else ValueError: use :func:`dfti_compute`)."""
        if self.in_distance != self.n or self.out_distance != self.n:
            raise ValueError(f"bind serves plans with rows n = {self.n} apart; this one has "
                             f"in_distance {self.in_distance}, out_distance "
                             f"{self.out_distance} (call it by dfti_compute)")
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


def _check_args(n: int, rows: int, norm: str) -> tuple[int, int]:
    if norm not in _NORMS:
        raise ValueError(f"norm = {norm!r} is not allowed; allowed: {', '.join(_NORMS)}")
    return check_int("n", n, 1), check_int("rows", rows, 1)


def _check_distances(n: int, in_distance: int | None, out_distance: int | None,
                     in_place: bool) -> tuple[int, int]:
    d_in = n if in_distance is None else check_int("in_distance", in_distance, n)
    d_out = n if out_distance is None else check_int("out_distance", out_distance, n)
    if in_place and (d_in, d_out) != (n, n):
        raise ValueError(f"in_distance / out_distance must be n = {n} for an in-place plan, "
                         f"got {d_in} / {d_out}")
    return d_in, d_out


@intrinsic
def dfti_compute(typingctx, fn, handle, x, out):  # type: ignore[no-untyped-def]
    """``DftiComputeBackward`` / ``DftiComputeForward`` (the function at address ``fn``,
    :attr:`KeptDFT.compute_address`) of the committed descriptor at ``handle``
    (:attr:`KeptDFT.handle`) from the address ``x`` into ``out`` (integers: e.g.
    ``a.ctypes.data`` plus a byte offset), called from a Numba kernel (TS 38.211 §5.3.1:
    the IDFT of the OFDM symbols without a Python call per transform). Returns MKL's
    status (0: done). Nothing is checked: the caller makes sure that the plan's rows (its
    ``rows``, ``n``, distances) lie inside the arrays and that the plan lives; an
    in-place plan takes ``out`` = ``x``.

    >>> from numba import njit
    >>> @njit
    ... def run(fn, handle, x, out):
    ...     return dfti_compute(fn, handle, x.ctypes.data, out.ctypes.data)
    >>> plan = kept_dft(8, 1, inverse=True, norm="ortho")
    >>> x = np.arange(8).astype(np.complex64)
    >>> out = np.zeros(10, dtype=np.complex64)
    >>> plan is None or run(plan.compute_address, plan.handle, x, out[2:]) == 0
    True
    >>> plan is None or bool(np.array_equal(
    ...     out[2:], torch.fft.ifft(torch.from_numpy(x), norm="ortho").numpy()))
    True
    """
    sig = types.int64(types.int64, types.int64, types.int64, types.int64)

    def codegen(context, builder, signature, args):  # type: ignore[no-untyped-def]
        ptr = ir.IntType(8).as_pointer()
        # MKL declares the compute functions variadic (the descriptor, then one or two
        # buffers)
        fnty = ir.FunctionType(ir.IntType(64), [ptr, ptr], var_arg=True)
        call = builder.inttoptr(args[0], fnty.as_pointer())
        return builder.call(call, [builder.inttoptr(a, ptr) for a in args[1:]])
    return sig, codegen


@functools.lru_cache(maxsize=64)
def _checked_plan(n: int, rows: int, inverse: bool, norm: str, in_place: bool,
                  in_distance: int, out_distance: int) -> KeptDFT | None:
    """The plan, made once per set of arguments, if it gives torch's bits on a probe input;
    else None. One plan serves any number of bound buffer pairs."""
    plan = KeptDFT(n, rows, inverse=inverse, norm=norm, in_place=in_place,
                   in_distance=in_distance, out_distance=out_distance)
    gen = torch.Generator().manual_seed(n * 7919 + rows * 2 + inverse)
    x = torch.randn(rows, n, dtype=torch.complex64, generator=gen)
    want = (torch.fft.ifft if inverse else torch.fft.fft)(x, dim=-1, norm=norm)
    if (in_distance, out_distance) == (n, n):
        src = x.numpy().copy()
        out = src if in_place else np.empty((rows, n), dtype=np.complex64)
        plan.bind(src, out)()
        return plan if torch.equal(torch.from_numpy(out), want) else None
    # rows apart: the probe's rows placed and read back at the plan's distances, the gaps
    # holding a marker that must survive
    src = np.full((rows - 1) * in_distance + n, 7, dtype=np.complex64)
    dst = np.full((rows - 1) * out_distance + n, 7, dtype=np.complex64)
    take_in = np.arange(rows)[:, None] * in_distance + np.arange(n)
    take_out = np.arange(rows)[:, None] * out_distance + np.arange(n)
    src[take_in] = x.numpy()
    compute = plan._lib.DftiComputeBackward if inverse else plan._lib.DftiComputeForward
    if compute(plan._handle, ctypes.c_void_p(src.ctypes.data),
               ctypes.c_void_p(dst.ctypes.data)) != 0:
        return None
    gaps = np.ones(dst.size, dtype=bool)
    gaps[take_out] = False
    ok = torch.equal(torch.from_numpy(dst[take_out]), want) and bool(np.all(dst[gaps] == 7))
    return plan if ok else None


def kept_dft(n: int, rows: int, *, inverse: bool, norm: str = "backward",
             in_place: bool = False, in_distance: int | None = None,
             out_distance: int | None = None) -> KeptDFT | None:
    """A :class:`KeptDFT` for ``rows`` transforms of length ``n`` (TS 38.211 §5.3.1), or
    None where MKL's DFTI functions are not in this torch build or the plan does not give
    ``torch.fft.ifft`` / ``torch.fft.fft(x, dim=-1, norm=norm)`` bit for bit on a probe
    input (checked once per set of arguments; the same plan is returned each time).
    ``in_distance`` / ``out_distance``: the rows that far apart (:class:`KeptDFT`; the probe
    also checks that nothing between the output rows is written).

    >>> plan = kept_dft(1024, 3, inverse=True, norm="ortho")
    >>> plan is None or (plan.n, plan.rows) == (1024, 3)
    True
    """
    n, rows = _check_args(n, rows, norm)
    d_in, d_out = _check_distances(n, in_distance, out_distance, bool(in_place))
    if _dfti() is None:
        return None
    try:
        return _checked_plan(n, rows, bool(inverse), norm, bool(in_place), d_in, d_out)
    except RuntimeError:
        return None
