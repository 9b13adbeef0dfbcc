"""LLVM vector code for one BFP PRB (O-RAN.WG4.CUS.0 Annex A.1, clause 8.3.3), for the Numba
kernels of :mod:`softran.oran._kernels`.

Three Numba intrinsics, each emitting the LLVM IR of one PRB (24 values: 12 REs, I and Q) as
whole-vector operations (``<24 x double>``, ``<24 x i32>``, byte shuffles), which LLVM lowers
to the CPU's SIMD instructions (AVX2 here: ``vpshufb``, ``vpsllvd``, ``vcvtdq2pd`` ...).
Numba's own loops over 24 values are fully unrolled before LLVM's loop vectoriser runs, and
its scalar code then stays scalar (every small integer is widened to 64 bits, and loads and
stores of different arrays may alias), so the PRB is written here as vectors directly:

* :func:`quantise_prb` -- 24 float32 to BFP mantissas and the exponent (Annex A.1.2), with the
  16-bit fixed point ``rint(x * scale)`` (``scale = 0``: the values must be integers);
* :func:`pack_prb` -- 24 int16 mantissas as ``3 width`` bytes, ``width``-bit two's complement,
  MSB first (clause 8.3.3);
* :func:`unpack_prb` -- the reverse, ``(m << e) * scale`` as float32 (Annex A.1.3).

The bit placement of a width is fixed when the code is generated: each intrinsic switches on
``width`` (1..16, one vector body per width; the switch is on a loop-invariant value, which
LLVM hoists out of the caller's PRB loop). Arrays must be C-contiguous; offsets are in
elements of the flat array and are not bounds-checked (the callers in ``_kernels`` pass
whole PRBs of arrays they sized).
"""

from __future__ import annotations

from typing import Any

from llvmlite import ir
from numba import types
from numba.core import cgutils
from numba.extending import intrinsic

__all__ = ["pack_prb", "quantise_prb", "unpack_prb", "wide_bytes"]

_I1, _I8, _I16, _I32, _I64 = (ir.IntType(b) for b in (1, 8, 16, 32, 64))
_F32, _F64 = ir.FloatType(), ir.DoubleType()
_N = 24                                                # values per PRB
_WIDTHS = range(1, 17)


def _vec(t: ir.Type, n: int = _N) -> ir.VectorType:
    return ir.VectorType(t, n)


def _const_vec(t: ir.Type, values: list[int] | list[float]) -> ir.Constant:
    return ir.Constant(_vec(t, len(values)), [ir.Constant(t, v) for v in values])


def _splat(builder: ir.IRBuilder, value: ir.Value, n: int = _N) -> ir.Value:
    undef = ir.Constant(_vec(value.type, n), ir.Undefined)
    v = builder.insert_element(undef, value, ir.Constant(_I32, 0))
    return builder.shuffle_vector(v, undef, ir.Constant(_vec(_I32, n), [ir.Constant(_I32, 0)] * n))


def _declare(builder: ir.IRBuilder, name: str, ret: ir.Type, args: list[ir.Type]) -> Any:
    return cgutils.get_or_insert_function(builder.module, ir.FunctionType(ret, args), name)


def _pointer(context: Any, builder: ir.IRBuilder, aty: types.Array, aval: ir.Value,
             index: ir.Value, elt: ir.Type) -> ir.Value:
    """``&a.flat[index]`` as a pointer to ``elt``."""
    ary = context.make_array(aty)(context, builder, aval)
    return builder.bitcast(builder.gep(ary.data, [index]), elt.as_pointer())


def _array(a: types.Type, dtype: types.Type) -> bool:
    return isinstance(a, types.Array) and a.dtype == dtype and a.layout == "C"


def _literal_width(width: types.Type) -> int | None:
    if isinstance(width, types.IntegerLiteral) and width.literal_value in _WIDTHS:
        return int(width.literal_value)
    return None


def wide_bytes(width: int) -> int:
    """The bytes :func:`unpack_prb` reads with ``wide``: ``3 width`` rounded up to 16."""
    return 16 * -(-3 * width // 16)


def _terms(w: int) -> int:
    """Mantissas that one output byte can take bits from, at most (``8 <= (K - 1) w + 1``)."""
    return 1 + -(-7 // w)


@intrinsic
def quantise_prb(typingctx: Any, x: types.Type, xp: types.Type, scale: types.Type,
                 width: types.Type, round_sat: types.Type, mant: types.Type,
                 mp: types.Type) -> Any:
    """``x.flat[xp:xp + 24]`` (float32) -> int16 BFP mantissas at ``mant.flat[mp:]``;
    returns ``(exponent << 2) | (a non-integer without scale) << 1 | (a value outside
    -32768..32767, or NaN)``.

    The fixed point is ``rint(float64(x) * scale)`` (half to even; ``scale`` 0: ``x`` as it
    is). ``exponent = max(bit_length(OR_k (v_k ^ (v_k >> 31))) - width + 1, 0)``, the bit
    length of ``max(maxV, |minV| - 1)`` (Annex A.1.2); the mantissa is ``v >> exponent``
    (floor-shift) or ``round_half_away(v / 2^exponent)`` saturated at ``2^(width-1) - 1``
    (round-saturate). ``rint`` and the conversion are one ``lrint`` (ties to even, as
    ``rint``); the range is checked on ``|x|`` against a bound safely inside it (``32767 /
    |scale|`` rounded well down) and, only where a value is above it or NaN, exactly
    (``rint(d)`` in -32768..32767 exactly when ``-32768.5 <= d < 32767.5``). A PRB with a
    value that does not fit gets unspecified mantissas and exponent (the status says so).
    """
    if not (_array(x, types.float32) and _array(mant, types.int16)
            and isinstance(xp, types.Integer) and isinstance(mp, types.Integer)
            and isinstance(scale, types.Float) and isinstance(width, types.Integer)
            and isinstance(round_sat, types.Boolean)):
        return None
    sig = types.int64(x, xp, scale, width, round_sat, mant, mp)

    def codegen(context: Any, builder: ir.IRBuilder, signature: Any, args: Any) -> ir.Value:
        xa, xpv, sc, wv, rs, ma, mpv = args
        sc = builder.fpext(sc, _F64) if sc.type != _F64 else sc
        w = builder.trunc(wv, _I32) if wv.type.width > 32 else builder.sext(wv, _I32) \
            if wv.type.width < 32 else wv
        rs = builder.trunc(rs, _I1) if rs.type != _I1 else rs
        use_scale = builder.fcmp_unordered("!=", sc, ir.Constant(_F64, 0.0))

        def path(scaled: bool, round_sat: bool) -> ir.Value:
            # one whole path per case: a vector value that crosses blocks (a phi) is split
            # into scalars by the code generator
            or32 = _declare(builder, "llvm.vector.reduce.or.v24i32", _I32, [_vec(_I32)])
            xf = builder.load(_pointer(context, builder, signature.args[0], xa, xpv,
                                       _vec(_F32)), align=4)
            fabs = _declare(builder, "llvm.fabs.v24f32", _vec(_F32), [_vec(_F32)])
            if scaled:
                # rint(x * scale) and the conversion in one lrint (round to nearest even, as
                # rint; a value outside int32 gives an unspecified one, flagged below)
                d = builder.fmul(builder.fpext(xf, _vec(_F64)), _splat(builder, sc))
                lrint = _declare(builder, "llvm.lrint.v24i32.v24f64", _vec(_I32),
                                 [_vec(_F64)])
                v = builder.call(lrint, [d])
                # |x| <= safe (32767 / |scale|, rounded well down to float32): in range
                fabs64 = _declare(builder, "llvm.fabs.f64", _F64, [_F64])
                safe = builder.fptrunc(builder.fdiv(ir.Constant(_F64, 32767.0 * (1 - 2.0 ** -20)),
                                                    builder.call(fabs64, [sc])), _F32)
                big = builder.fcmp_unordered(">", builder.call(fabs, [xf]), _splat(builder, safe))
                frac = None
            else:
                lrint = _declare(builder, "llvm.lrint.v24i32.v24f32", _vec(_I32),
                                 [_vec(_F32)])
                v = builder.call(lrint, [xf])
                big = builder.fcmp_unordered(">", builder.call(fabs, [xf]),
                                             _splat(builder, ir.Constant(_F32, 32767.0)))
                rint = _declare(builder, "llvm.rint.v24f32", _vec(_F32), [_vec(_F32)])
                frac = builder.call(or32, [builder.bitcast(
                    builder.fsub(xf, builder.call(rint, [xf])), _vec(_I32))])
                frac = builder.shl(builder.zext(builder.icmp_unsigned(
                    "!=", frac, ir.Constant(_I32, 0)), _I64), ir.Constant(_I64, 1))
            maybe_bad = builder.icmp_unsigned("!=", builder.call(or32, [builder.sext(
                big, _vec(_I32))]), ir.Constant(_I32, 0))
            sign = builder.ashr(v, _splat(builder, ir.Constant(_I32, 31)))
            acc = builder.call(or32, [builder.xor(v, sign)])
            ctlz = _declare(builder, "llvm.ctlz.i32", _I32, [_I32, _I1])
            bits = builder.sub(ir.Constant(_I32, 32),
                               builder.call(ctlz, [acc, ir.Constant(_I1, 0)]))
            e = builder.sub(builder.add(bits, ir.Constant(_I32, 1)), w)
            e = builder.select(builder.icmp_signed(">", e, ir.Constant(_I32, 0)), e,
                               ir.Constant(_I32, 0))
            es = _splat(builder, e)
            if round_sat:                       # |v| + 2^(e-1) >> e, sign back, saturate
                mag = builder.sub(builder.xor(v, sign), sign)
                half = builder.lshr(builder.shl(ir.Constant(_I32, 1), e), ir.Constant(_I32, 1))
                r = builder.ashr(builder.add(mag, _splat(builder, half)), es)
                r = builder.sub(builder.xor(r, sign), sign)
                top = _splat(builder, builder.sub(builder.shl(ir.Constant(_I32, 1), builder.sub(
                    w, ir.Constant(_I32, 1))), ir.Constant(_I32, 1)))
                m = builder.select(builder.icmp_signed("<", r, top), r, top)
            else:
                m = builder.ashr(v, es)
            builder.store(builder.trunc(m, _vec(_I16)),
                          _pointer(context, builder, signature.args[5], ma, mpv, _vec(_I16)),
                          align=2)
            # the exact range check, where a value is above the safe bound (or NaN): the
            # fixed point rint(d) in -32768..32767 <=> -32768.5 <= d < 32767.5 (ties to even)
            before = builder.block
            with builder.if_then(maybe_bad, likely=False):
                if scaled:
                    ok = builder.and_(
                        builder.fcmp_ordered(">=", d, _splat(builder, ir.Constant(_F64, -32768.5))),
                        builder.fcmp_ordered("<", d, _splat(builder, ir.Constant(_F64, 32767.5))))
                else:
                    ok = builder.and_(
                        builder.fcmp_ordered(">=", xf, _splat(builder, ir.Constant(_F32, -32768.0))),
                        builder.fcmp_ordered("<=", xf, _splat(builder, ir.Constant(_F32, 32767.0))))
                out = builder.call(or32, [builder.sext(builder.not_(ok), _vec(_I32))])
                exact = builder.zext(builder.icmp_unsigned("!=", out, ir.Constant(_I32, 0)), _I64)
                checked = builder.block
            status = builder.phi(_I64)
            status.add_incoming(ir.Constant(_I64, 0), before)
            status.add_incoming(exact, checked)
            if frac is not None:
                status = builder.or_(status, frac)
            return builder.or_(status, builder.shl(builder.zext(e, _I64), ir.Constant(_I64, 2)))

        results = []
        with builder.if_else(use_scale) as (scaled, integer):
            for flag, block in ((True, scaled), (False, integer)):
                with block:
                    with builder.if_else(rs) as (rnd, flr):
                        with rnd:
                            r1 = (path(flag, True), builder.block)
                        with flr:
                            r0 = (path(flag, False), builder.block)
                    phi = builder.phi(_I64)
                    for value, src in (r1, r0):
                        phi.add_incoming(value, src)
                    results.append((phi, builder.block))
        out = builder.phi(_I64)
        for value, src in results:
            out.add_incoming(value, src)
        return out

    return sig, codegen


@intrinsic(prefer_literal=True)
def pack_prb(typingctx: Any, mant: types.Type, mp: types.Type, width: types.Type,
             dst: types.Type, dp: types.Type) -> Any:
    """The 24 int16 mantissas ``mant.flat[mp:mp + 24]`` as ``width``-bit two's complement,
    MSB first, one bit stream of ``3 width`` bytes at ``dst.flat[dp:]`` (uint8).

    Byte ``j`` holds stream bits ``8j .. 8j + 7``: with ``a = 8j // width`` the first
    mantissa there, ``d = (a + 1) width - 8j`` its bits from ``8j`` on and ``K`` the most
    mantissas a byte touches, byte ``j = (OR_t u[a + t] << (K - 1 - t) width) >> ((K - 1)
    width + d - 8)`` (low 8 bits; ``u`` the mantissas' low ``width`` bits, 0 past the 24th):
    one vector shuffle, shift and OR per term, a fixed pattern per width.
    """
    w = _literal_width(width)
    if w is None or not (_array(mant, types.int16) and _array(dst, types.uint8)
                         and isinstance(mp, types.Integer) and isinstance(dp, types.Integer)):
        return None
    sig = types.void(mant, mp, width, dst, dp)

    def codegen(context: Any, builder: ir.IRBuilder, signature: Any, args: Any) -> Any:
        ma, mpv, _, da, dpv = args
        nb, k = 3 * w, _terms(w)
        u = builder.and_(builder.load(_pointer(context, builder, signature.args[0], ma, mpv,
                                               _vec(_I16)), align=2),
                         _splat(builder, ir.Constant(_I16, (1 << w) - 1)))
        zero = ir.Constant(_vec(_I16), None)
        acc = None
        for t in range(k):
            pick, left, right = [], [], []
            for j in range(nb):
                a_j = (8 * j) // w
                n = (k - 1 - t) * w - ((k - 1) * w + (a_j + 1) * w - 8 * j - 8)
                if a_j + t >= _N or n <= -16:               # nothing of this term in byte j
                    pick.append(_N)
                    left.append(0)
                    right.append(0)
                else:
                    pick.append(a_j + t)
                    left.append(max(n, 0))
                    right.append(max(-n, 0))
            if all(q == _N for q in pick):
                continue
            y = builder.shuffle_vector(u, zero, _const_vec(_I32, pick))
            if any(left):
                y = builder.shl(y, _const_vec(_I16, left))
            if any(right):
                y = builder.lshr(y, _const_vec(_I16, right))
            acc = y if acc is None else builder.or_(acc, y)
        builder.store(builder.trunc(acc, _vec(_I8, nb)),
                      _pointer(context, builder, signature.args[3], da, dpv, _vec(_I8, nb)),
                      align=1)
        return context.get_dummy_value()

    return sig, codegen


@intrinsic(prefer_literal=True)
def unpack_prb(typingctx: Any, src: types.Type, sp: types.Type, width: types.Type,
               exponent: types.Type, scale: types.Type, dst: types.Type, dp: types.Type,
               wide: types.Type) -> Any:
    """The 24 ``width``-bit two's complement mantissas ``m`` packed MSB first at
    ``src.flat[sp:sp + 3 width]`` (uint8) -> ``float32(float64(m << exponent) * scale)`` at
    ``dst.flat[dp:dp + 24]`` (float32).

    Mantissa ``i`` starts at stream bit ``o = i width``: the bytes ``o // 8 .. o // 8 + 2``
    (those past the PRB read as 0) are shuffled into a big-endian 32-bit lane, shifted left
    by ``o % 8`` (the mantissa now in the top ``width`` bits), masked, and shifted right
    arithmetically by ``32 - width - exponent``: ``m << exponent`` (at most 2^30 in
    magnitude), exact in float64; times ``scale``, rounded once to float64 and once to
    float32 (the same as ``m * (2^exponent scale)``). ``wide`` (a constant): read the
    bytes as one vector of :func:`wide_bytes` bytes (the caller makes sure that the array
    has them from ``sp`` on), not ``3 width`` (an odd-sized vector is loaded byte by byte).
    """
    w = _literal_width(width)
    if w is None or not (_array(src, types.uint8) and _array(dst, types.float32)
                         and isinstance(sp, types.Integer) and isinstance(dp, types.Integer)
                         and isinstance(exponent, types.Integer)
                         and isinstance(scale, types.Float)
                         and isinstance(wide, types.BooleanLiteral)):
        return None
    sig = types.void(src, sp, width, exponent, scale, dst, dp, wide)
    nb, nl = 3 * w, wide_bytes(w) if wide.literal_value else 3 * w

    def codegen(context: Any, builder: ir.IRBuilder, signature: Any, args: Any) -> Any:
        sa, spv, _, ev, sc, da, dpv, _ = args
        sc = builder.fpext(sc, _F64) if sc.type != _F64 else sc
        e = builder.trunc(ev, _I32) if ev.type.width > 32 else builder.zext(ev, _I32) \
            if ev.type.width < 32 else ev
        b = builder.load(_pointer(context, builder, signature.args[0], sa, spv, _vec(_I8, nl)),
                         align=1)
        pick = []
        for i in range(_N):
            q = (i * w) // 8                         # little-endian lane: 0, q + 2, q + 1, q
            pick += [nl] + [q + t if q + t < nb else nl for t in (2, 1, 0)]
        v = builder.bitcast(builder.shuffle_vector(b, ir.Constant(_vec(_I8, nl), None),
                                                   _const_vec(_I32, pick)), _vec(_I32))
        v = builder.shl(v, _const_vec(_I32, [(i * w) % 8 for i in range(_N)]))
        v = builder.and_(v, _splat(builder, ir.Constant(_I32, -(1 << (32 - w)))))
        v = builder.ashr(v, _splat(builder, builder.sub(ir.Constant(_I32, 32 - w), e)))
        f = builder.fmul(builder.sitofp(v, _vec(_F64)), _splat(builder, sc))
        builder.store(builder.fptrunc(f, _vec(_F32)),
                      _pointer(context, builder, signature.args[5], da, dpv, _vec(_F32)),
                      align=4)
        return context.get_dummy_value()

    return sig, codegen
