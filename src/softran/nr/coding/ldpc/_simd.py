"""Explicit 64-lane integer vectors for the Numba LDPC kernels (no standard clause: a
code-generation helper of ``decode_kernels_fixed.py``).

Numba has no SIMD types, and LLVM vectorises only innermost loops: a kernel that keeps a
row's running minima in registers while it walks the row's edges (the loop over z outside
the loop over edges) cannot be written with scalar code. These intrinsics give Numba two
LLVM vector types, ``V8`` = ``<LANES x i8>`` and ``V16`` = ``<LANES x i16>`` (LANES = 64),
held in registers (two / four AVX2 registers), with loads / stores from 1-D int8 / int16
arrays at an element offset and the handful of lane-wise operations the kernels need. LLVM
lowers them to whatever vector width the CPU has (SSE, AVX2, AVX-512). No bounds checks:
the callers guarantee ``offset + LANES <= len(array)``.

>>> import numpy as np
>>> from numba import njit
>>> @njit
... def lane_max(a, b, out):
...     store8(out, 0, max8(load8(a, 0), load8(b, 0)))
>>> a, b = np.arange(LANES, dtype=np.int8), np.full(LANES, 10, dtype=np.int8)
>>> out = np.empty(LANES, dtype=np.int8)
>>> lane_max(a, b, out)
>>> out[:12].tolist()
[10, 10, 10, 10, 10, 10, 10, 10, 10, 10, 10, 11]
"""

from __future__ import annotations

from llvmlite import ir
from numba.core import cgutils, types
from numba.extending import intrinsic, models, register_model

LANES = 64

_I1, _I8, _I16 = ir.IntType(1), ir.IntType(8), ir.IntType(16)


class VecType(types.Type):
    """A Numba type for ``<LANES x iN>`` (N = 8 or 16)."""

    def __init__(self, bits: int) -> None:
        self.bits = bits
        super().__init__(name=f"v{LANES}i{bits}")


V8 = VecType(8)
V16 = VecType(16)


@register_model(VecType)
class _VecModel(models.PrimitiveModel):
    def __init__(self, dmm, fe_type):  # Numba's signature
        super().__init__(dmm, fe_type, ir.VectorType(ir.IntType(fe_type.bits), LANES))


def _vty(bits: int) -> ir.VectorType:
    return ir.VectorType(ir.IntType(bits), LANES)


def _splat_const(bits: int, value: int) -> ir.Constant:
    return ir.Constant(_vty(bits), [ir.Constant(ir.IntType(bits), value)] * LANES)


def _splat(builder: ir.IRBuilder, x: ir.Value, bits: int) -> ir.Value:
    """A vector of ``bits``-bit lanes all equal to the scalar x (of that width)."""
    undef = ir.Constant(_vty(bits), ir.Undefined)
    v = builder.insert_element(undef, x, ir.Constant(ir.IntType(32), 0))
    zeros = ir.Constant(ir.VectorType(ir.IntType(32), LANES), [0] * LANES)
    return builder.shuffle_vector(v, undef, zeros)


def _ptr(context, builder, arrty, arr, off, bits):
    data = context.make_array(arrty)(context, builder, arr).data
    p = builder.gep(data, [off])
    return builder.bitcast(p, _vty(bits).as_pointer())


def _fn(builder: ir.IRBuilder, name: str, ret: ir.Type, *args: ir.Type) -> ir.Function:
    return cgutils.get_or_insert_function(builder.module, ir.FunctionType(ret, list(args)), name)


def _load(vt: VecType):  # returns a Numba intrinsic
    def typer(typingctx, arr, off):
        def codegen(context, builder, sig, args):
            v = builder.load(_ptr(context, builder, sig.args[0], args[0], args[1], vt.bits))
            v.align = vt.bits // 8
            return v
        return vt(arr, off), codegen

    typer.__name__ = f"load{vt.bits}"
    typer.__doc__ = f"arr[off:off + LANES] of an int{vt.bits} array as a V{vt.bits}."
    return intrinsic(typer)


def _store(vt: VecType):  # returns a Numba intrinsic
    def typer(typingctx, arr, off, v):
        def codegen(context, builder, sig, args):
            ptr = _ptr(context, builder, sig.args[0], args[0], args[1], vt.bits)
            builder.store(args[2], ptr).align = vt.bits // 8
            return context.get_dummy_value()
        return types.none(arr, off, vt), codegen

    typer.__name__ = f"store{vt.bits}"
    typer.__doc__ = f"arr[off:off + LANES] = v (an int{vt.bits} array, a V{vt.bits})."
    return intrinsic(typer)


load8, load16, store8, store16 = _load(V8), _load(V16), _store(V8), _store(V16)


@intrinsic
def splat8(typingctx, x):
    """A V8 with every lane = x (an integer, truncated to 8 bits)."""
    def codegen(context, builder, sig, args):
        s = builder.trunc(args[0], _I8) if args[0].type.width > 8 else args[0]
        return _splat(builder, s, 8)
    return V8(x), codegen


def _vbinary(op: str, vt: VecType):
    bits = vt.bits

    def typer(typingctx, a, b):
        def codegen(context, builder, sig, args):
            x, y = args
            if op in ("add", "sub", "xor"):
                return getattr(builder, op)(x, y)
            return builder.call(_fn(builder, f"llvm.{op}.v{LANES}i{bits}", _vty(bits), _vty(bits),
                                    _vty(bits)), [x, y])
        return vt(vt, vt), codegen

    typer.__name__ = f"{op}{bits}"
    return intrinsic(typer)


add16, sub16, xor16 = _vbinary("add", V16), _vbinary("sub", V16), _vbinary("xor", V16)
max8, xor8 = _vbinary("smax", V8), _vbinary("xor", V8)
sub8 = _vbinary("sub", V8)
umin8, umax8 = _vbinary("umin", V8), _vbinary("umax", V8)


@intrinsic
def widen(typingctx, a):
    """V8 -> V16, sign extension."""
    def codegen(context, builder, sig, args):
        return builder.sext(args[0], _vty(16))
    return V16(V8), codegen


@intrinsic
def narrow8(typingctx, a):
    """V16 -> V8 clamped to -128..127 (one saturating narrowing)."""
    def codegen(context, builder, sig, args):
        t = _vty(16)
        v = builder.call(_fn(builder, f"llvm.smin.v{LANES}i16", t, t, t),
                         [args[0], _splat_const(16, 127)])
        v = builder.call(_fn(builder, f"llvm.smax.v{LANES}i16", t, t, t),
                         [v, _splat_const(16, -128)])
        return builder.trunc(v, _vty(8))
    return V8(V16), codegen


@intrinsic
def abs8(typingctx, a):
    """|a| lane-wise (|-128| = -128, i.e. 128 read as unsigned)."""
    def codegen(context, builder, sig, args):
        t = _vty(8)
        return builder.call(_fn(builder, f"llvm.abs.v{LANES}i8", t, t, _I1),
                            [args[0], ir.Constant(_I1, 0)])
    return V8(V8), codegen


@intrinsic
def select_eq8(typingctx, x, y, a, b):
    """Lane-wise ``a if x == y else b``."""
    def codegen(context, builder, sig, args):
        return builder.select(builder.icmp_signed("==", args[0], args[1]), args[2], args[3])
    return V8(V8, V8, V8, V8), codegen


@intrinsic
def neg_where8(typingctx, s, m):
    """Lane-wise ``-m if s < 0 else m`` (m > -128)."""
    def codegen(context, builder, sig, args):
        neg = builder.icmp_signed("<", args[0], _splat_const(8, 0))
        return builder.select(neg, builder.neg(args[1]), args[1])
    return V8(V8, V8), codegen


@intrinsic
def scale8(typingctx, m, num):
    """Lane-wise ``(m num) >> 4`` of a V8 with 0 <= m <= 127 and an integer 1 <= num <= 16
    (the result is at most 127)."""
    def codegen(context, builder, sig, args):
        w = builder.sext(args[0], _vty(16))
        n = builder.trunc(args[1], _I16) if args[1].type.width > 16 else args[1]
        p = builder.ashr(builder.mul(w, _splat(builder, n, 16)), _splat_const(16, 4))
        return builder.trunc(p, _vty(8))
    return V8(V8, num), codegen


@intrinsic
def any_negative16(typingctx, a):
    """True if some lane of the V16 is negative."""
    def codegen(context, builder, sig, args):
        t = _vty(16)
        r = builder.call(_fn(builder, f"llvm.vector.reduce.or.v{LANES}i16", _I16, t), [args[0]])
        return builder.icmp_signed("<", r, ir.Constant(_I16, 0))
    return types.boolean(V16), codegen


@intrinsic
def zeros16(typingctx):
    """A V16 of zeros."""
    def codegen(context, builder, sig, args):
        return _splat_const(16, 0)
    return V16(), codegen



@intrinsic
def and16(typingctx, a, b):
    """Lane-wise a & b of two V16."""
    def codegen(context, builder, sig, args):
        return builder.and_(args[0], args[1])
    return V16(V16, V16), codegen


@intrinsic
def lanes_below16(typingctx, n):
    """A V16 mask: all ones in lanes 0..n-1, zeros in the others."""
    def codegen(context, builder, sig, args):
        idx = ir.Constant(_vty(16), [ir.Constant(_I16, j) for j in range(LANES)])
        m = builder.trunc(args[0], _I16) if args[0].type.width > 16 else args[0]
        below = builder.icmp_signed("<", idx, _splat(builder, m, 16))
        return builder.sext(below, _vty(16))
    return V16(n), codegen


@intrinsic
def three_quarters8(typingctx, m):
    """Lane-wise ``(12 m) >> 4`` of a V8 with 0 <= m <= 127, in 8-bit lanes:
    ``m - ((m + 3) >> 2)`` (= m - ceil(m / 4) = floor(3 m / 4); m + 3 <= 130 fits an
    unsigned byte), the same as ``scale8(m, 12)`` without widening to 16 bits."""
    def codegen(context, builder, sig, args):
        q = builder.lshr(builder.add(args[0], _splat_const(8, 3)), _splat_const(8, 2))
        return builder.sub(args[0], q)
    return V8(V8), codegen
