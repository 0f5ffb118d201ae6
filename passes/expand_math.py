"""`expand-math`: f32 `math.exp/exp2/log/log2/tanh/erf` to branch-free `arith` + `math.fma`.

Input: loop-level IR, possibly partly lowered already (`contracts.LOOPS_TO_LLVM`; it is the
first conversion `lower-to-llvm` runs). Each of those ops on `f32` or a 1-D `vector<Nxf32>`
is replaced where it stands; other types (f64, ...) are left to `convert-math-to-llvm`. The
expansions have no calls and no branches, so LLVM's loop vectorizer can vectorize a loop
around them, which it cannot do around the `llvm.exp` intrinsic or a libm call. Special cases
are decided on the integer bit pattern: on scalars `arith.cmpi` + `arith.select`; on vectors
(xDSL's arith.cmpi and arith.select take i1 only) masks (a - b) >> 31 and and/or blends,
which LLVM turns back into vector compares and selects. Horner steps and the range
reductions are `math.fma` (an intrinsic call carries no fastmath flags), so the `reassoc`
flag `convert-arith-to-llvm` gives float ops cannot undo a reduction.

- exp(x): x clamped to [-104, 89] (NaN passes; e^-104 < 2^-150 rounds to 0 and e^89
  overflows, so the clamps give exact 0 and inf); n = round(x log2 e) by adding 1.5 * 2^23
  in one fma; r = x - n ln2 with ln2 in two parts (Cody-Waite, two fmas), |r| <= ln2/2;
  e^r by a degree-7 polynomial (Cephes expf coefficients); the scale 2^n is applied as
  2^(n//2) * 2^(n - n//2): the first by adding to the exponent bits (exact, the value stays
  normal), the second as one multiply, which rounds once into denormals or overflows to inf
  like libm. NaN in -> NaN out by a final select.
- exp2(x): the same with n = roundeven(x), r = (x - n) ln2; x clamped to [-151, 129].
- log(x): denormals are scaled by 2^23 first; the bits minus those of sqrt(1/2) split x into
  2^k m with m in [sqrt(1/2), sqrt(2)) (integer ops only); with f = m - 1 (exact),
  log(1 + f) = f - f^2/2 + f^3 P(f) (Cephes logf, degree-8 P), plus k ln2 in two parts.
  log(+-0) = -inf, log(x < 0) = NaN, log(inf) = inf, log(NaN) = NaN.
- log2(x): the same log(1 + f), times log2 e in two parts, plus k.
- tanh(x) = sign(x) t(|x|): |x| < 0.625: |x| + |x|^3 P(x^2) (Cephes tanhf, degree 4), else
  1 - 2 / (e^(2|x|) + 1) with the exp above, which saturates to 1 (and to exact 1 past
  ~9.01); tiny x gives x, -0 gives -0.
- erf(x) = sign(x) e(|x|): |x| < 1: |x| + |x| R(x^2) (degree 6), else 1 - e^(Q(clamp(|x|, 1, 4)))
  with Q ~ log erfc (degree 6, least squares weighted by erfc on [1, 4], so the error
  relative to erf is uniform; erf(4) rounds to 1). R and Q were fitted with numpy, rounded
  to f32.

Accuracy, measured (benchmarks/math_ulps.py, results/2026-12-01-math-ulps.json) over every
2^12-th f32 bit pattern and dense sweeps, as |result - exact| in ulps of the exact result
rounded to f32 (a correctly rounded result is within 0.5), where that is a normal f32:
exp 0.87, exp2 0.87, log 1.57, log2 1.60, tanh 1.28, erf 1.05 (mean 0.12-0.33). Denormal
results (exp, exp2, erf) are within 0.8 of the denormal spacing 2^-149. inf, 0 and NaN
results are exactly libm's. tests/passes/test_expand_math.py asserts these bounds.

Before:

    func.func @k(%x: f32) -> f32 {
      %e = math.exp %x : f32
      func.return %e : f32
    }

After (abridged; `tcc-opt -p expand-math` prints all 50 ops):

    func.func @k(%x: f32) -> f32 {
      %0 = arith.constant -1.040000e+02 : f32
      %1 = arith.maximumf %x, %0 : f32
      %2 = arith.constant 8.900000e+01 : f32
      %c = arith.minimumf %1, %2 : f32
      %k = math.fma %c, %log2e, %magic : f32
      %n = arith.subf %k, %magic : f32
      %r0 = math.fma %n, %minus_ln2_hi, %c : f32
      %r = math.fma %n, %minus_ln2_lo, %r0 : f32
      ...                                       // 7 fmas: the polynomial p(r)
      %kb = arith.bitcast %k : f32 to i32
      %ni = arith.subi %kb, %magic_bits : i32      // n as an integer
      ...                                       // p * 2^(n/2) * 2^(n - n/2)
      %y = arith.mulf %scaled, %s : f32
      ...
      %nan = arith.cmpi slt, %inf_bits, %abs_bits : i32
      %e = arith.select %nan, %x, %y : f32
      func.return %e : f32
    }
"""

from __future__ import annotations

import struct
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import ClassVar

from xdsl.context import Context
from xdsl.dialects import arith, math
from xdsl.dialects.builtin import (
    DenseIntOrFPElementsAttr,
    Float32Type,
    FloatAttr,
    IntegerAttr,
    ModuleOp,
    VectorType,
    f32,
    i32,
)
from xdsl.ir import Attribute, Operation, SSAValue
from xdsl.passes import ModulePass
from xdsl.pattern_rewriter import (
    GreedyRewritePatternApplier,
    PatternRewriter,
    PatternRewriteWalker,
    RewritePattern,
    op_type_rewrite_pattern,
)

from tcompiler import contracts

NAME = "expand-math"

ABS_MASK = 0x7FFFFFFF
SIGN_MASK = -0x80000000  # 0x80000000 as an i32
INF_BITS = 0x7F800000
MAGIC = 12582912.0  # 1.5 * 2^23: adding it rounds to an integer held in the low bits
MAGIC_BITS = 0x4B400000

# Cephes expf: e^r ~ 1 + r + r^2 (EXP_P[0] r^5 + ... + EXP_P[5]), |r| <= ln2 / 2.
EXP_P = (1.9875691500e-4, 1.3981999507e-3, 8.3334519073e-3, 4.1665795894e-2,
         1.6666665459e-1, 5.0000001201e-1, 1.0, 1.0)
LN2_HI, LN2_LO = 0.693145751953125, 1.428606765330187045e-06  # ln2_hi has 12 zero low bits
LOG2E = 1.44269504088896341
# Cephes logf: log(1 + f) ~ f - f^2 / 2 + f^3 P(f), f in [sqrt(1/2) - 1, sqrt(2) - 1).
LOG_P = (7.0376836292e-2, -1.1514610310e-1, 1.1676998740e-1, -1.2420140846e-1,
         1.4249322787e-1, -1.6668057665e-1, 2.0000714765e-1, -2.4999993993e-1,
         3.3333331174e-1)
LOG_C1, LOG_C2 = 0.693359375, -2.12194440e-4  # ln2 = C1 + C2, C1 exact in 9 bits
SQRT_HALF_BITS = 0x3F3504F3
LOG2E_HI, LOG2E_LO = 1.4426950216293335, 1.92596298909109e-08
# Cephes tanhf, |x| < 0.625: tanh x ~ x + x^3 P(x^2).
TANH_P = (-5.70498872745e-3, 2.06390887954e-2, -5.37397155531e-2, 1.33314422036e-1,
          -3.33332819422e-1)
TANH_SMALL_BITS = 0x3F200000  # 0.625
# erf x ~ x + x R(x^2) for |x| < 1; erf x ~ 1 - e^Q(x) on [1, 4] (highest degree first).
ERF_R = (7.898209878476337e-05, -0.0008024353883229196, 0.00519005348905921,
         -0.026854809373617172, 0.11283612251281738, -0.3761262893676758,
         0.12837916612625122)
ERF_Q = (0.00018655171152204275, -0.002948945853859186, 0.021841706708073616,
         -0.10311145335435867, -0.638142466545105, -1.1270889043807983,
         -0.0003419623535592109)
ONE_BITS = 0x3F800000


def f32_round(v: float) -> float:
    """`v` rounded to the nearest f32 (the constant the IR will hold)."""
    return struct.unpack("f", struct.pack("f", v))[0]


@dataclass
class Builder:
    """Appends ops computing on `ft` (f32 or vector<Nxf32>) and its i32 twin `it`."""

    ft: Attribute
    ops: list[Operation] = field(default_factory=list[Operation])

    @property
    def lanes(self) -> int | None:
        return self.ft.get_shape()[0] if isinstance(self.ft, VectorType) else None

    def like(self, element: Attribute) -> Attribute:
        return element if self.lanes is None else VectorType(element, [self.lanes])

    def add(self, op: Operation) -> SSAValue:
        self.ops.append(op)
        return op.results[0]

    def constant(self, value: float | int, element: Attribute) -> SSAValue:
        t = self.like(element)
        scalar = (FloatAttr(f32_round(value), f32) if element == f32
                  else IntegerAttr(int(value), i32))
        if isinstance(t, VectorType):
            values = [float(scalar.value.data)] * t.get_shape()[0] if element == f32 else (
                [int(value)] * t.get_shape()[0])
            attr = DenseIntOrFPElementsAttr.from_list(t, values)  # type: ignore[arg-type]
            return self.add(arith.ConstantOp(attr, t))
        return self.add(arith.ConstantOp(scalar, t))

    def f(self, value: float) -> SSAValue:
        return self.constant(value, f32)

    def i(self, value: int) -> SSAValue:
        return self.constant(value, i32)

    def fma(self, a: SSAValue, b: SSAValue, c: SSAValue) -> SSAValue:
        return self.add(math.FmaOp(a, b, c))

    def horner(self, x: SSAValue, coefficients: Sequence[float]) -> SSAValue:
        """coefficients[0] x^d + ... + coefficients[d], one fma per degree."""
        p = self.f(coefficients[0])
        for c in coefficients[1:]:
            p = self.fma(p, x, self.f(c))
        return p

    def bits(self, x: SSAValue) -> SSAValue:
        return self.add(arith.BitcastOp(x, self.like(i32)))

    def float(self, x: SSAValue) -> SSAValue:
        return self.add(arith.BitcastOp(x, self.ft))

    def below(self, a: SSAValue, b: SSAValue) -> SSAValue:
        """The condition a < b, for i32 a and b in [0, 2^31) (bit patterns of |x|, or x as a
        signed int against 0). Scalars: an i1 from `arith.cmpi`. Vectors: an i32 mask, all
        ones where true, as (a - b) >> 31 (xDSL's arith.cmpi and arith.select take i1 only)."""
        if self.lanes is None:
            return self.add(arith.CmpiOp(a, b, "slt"))
        return self.binary(arith.ShRSIOp, self.binary(arith.SubiOp, a, b), self.i(31))

    def negative(self, ix: SSAValue) -> SSAValue:
        """The condition ix < 0 (the sign bit of an f32 bit pattern)."""
        if self.lanes is None:
            return self.add(arith.CmpiOp(ix, self.i(0), "slt"))
        return self.binary(arith.ShRSIOp, ix, self.i(31))

    def select(self, cond: SSAValue, a: SSAValue, b: SSAValue) -> SSAValue:
        """cond ? a : b; vectors blend through the mask: (a & m) | (b & ~m)."""
        if self.lanes is None:
            return self.add(arith.SelectOp(cond, a, b))
        floats = a.type == self.ft
        a, b = (self.bits(a), self.bits(b)) if floats else (a, b)
        inverse = self.binary(arith.XOrIOp, cond, self.i(-1))
        picked = self.binary(arith.OrIOp, self.binary(arith.AndIOp, a, cond),
                             self.binary(arith.AndIOp, b, inverse))
        return self.float(picked) if floats else picked

    def binary(self, kind: Callable[[SSAValue, SSAValue], Operation], a: SSAValue,
               b: SSAValue) -> SSAValue:
        return self.add(kind(a, b))


# ----------------------------------------------------------------------------- expansions


def scale(b: Builder, p: SSAValue, n: SSAValue) -> SSAValue:
    """p * 2^n for p in [0.5, 2) and i32 n in [-152, 129]: normal, denormal or inf."""
    half = b.binary(arith.ShRSIOp, n, b.i(1))
    rest = b.binary(arith.SubiOp, n, half)
    shifted = b.binary(arith.ShLIOp, half, b.i(23))
    y = b.float(b.binary(arith.AddiOp, b.bits(p), shifted))  # exact: y stays normal
    biased = b.binary(arith.AddiOp, rest, b.i(127))
    s = b.float(b.binary(arith.ShLIOp, biased, b.i(23)))
    return b.binary(arith.MulfOp, y, s)


def keep_nan(b: Builder, x: SSAValue, result: SSAValue) -> SSAValue:
    """`x` where it is NaN, else `result`."""
    magnitude = b.binary(arith.AndIOp, b.bits(x), b.i(ABS_MASK))
    return b.select(b.below(b.i(INF_BITS), magnitude), x, result)


def exp_poly(b: Builder, r: SSAValue) -> SSAValue:
    return b.horner(r, EXP_P)


def exp(b: Builder, x: SSAValue) -> SSAValue:
    c = b.binary(arith.MinimumfOp, b.binary(arith.MaximumfOp, x, b.f(-104.0)), b.f(89.0))
    k = b.fma(c, b.f(LOG2E), b.f(MAGIC))
    n = b.binary(arith.SubfOp, k, b.f(MAGIC))
    r = b.fma(n, b.f(-LN2_HI), c)
    r = b.fma(n, b.f(-LN2_LO), r)
    ni = b.binary(arith.SubiOp, b.bits(k), b.i(MAGIC_BITS))
    return keep_nan(b, x, scale(b, exp_poly(b, r), ni))


def exp2(b: Builder, x: SSAValue) -> SSAValue:
    c = b.binary(arith.MinimumfOp, b.binary(arith.MaximumfOp, x, b.f(-151.0)), b.f(129.0))
    n = b.add(math.RoundEvenOp(c))
    ni = b.binary(arith.SubiOp, b.bits(b.binary(arith.AddfOp, n, b.f(MAGIC))), b.i(MAGIC_BITS))
    d = b.binary(arith.SubfOp, c, n)  # exact
    r = b.fma(d, b.f(LN2_HI), b.binary(arith.MulfOp, d, b.f(LN2_LO)))
    return keep_nan(b, x, scale(b, exp_poly(b, r), ni))


def log1p_parts(b: Builder, x: SSAValue) -> tuple[SSAValue, SSAValue, SSAValue]:
    """(k, f, y) with x = 2^k (1 + f), log(1 + f) = f + y; k as f32. x > 0 finite here."""
    magnitude = b.binary(arith.AndIOp, b.bits(x), b.i(ABS_MASK))
    tiny = b.below(magnitude, b.i(0x00800000))
    scaled = b.select(tiny, b.binary(arith.MulfOp, x, b.f(8388608.0)), x)  # 2^23
    offset = b.binary(arith.SubiOp, b.bits(scaled), b.i(SQRT_HALF_BITS))
    k = b.binary(arith.ShRSIOp, offset, b.i(23))
    k = b.binary(arith.SubiOp, k, b.select(tiny, b.i(23), b.i(0)))
    mantissa = b.binary(arith.AndIOp, offset, b.i(0x007FFFFF))
    m = b.float(b.binary(arith.AddiOp, mantissa, b.i(SQRT_HALF_BITS)))
    f = b.binary(arith.SubfOp, m, b.f(1.0))  # exact: m in [sqrt(1/2), sqrt(2))
    z = b.binary(arith.MulfOp, f, f)
    y = b.binary(arith.MulfOp, b.binary(arith.MulfOp, f, z), b.horner(f, LOG_P))
    y = b.fma(z, b.f(-0.5), y)
    kf = b.add(arith.SIToFPOp.build(operands=[k], result_types=[b.ft]))  # f32 or a vector
    return kf, f, y


def log_specials(b: Builder, x: SSAValue, result: SSAValue) -> SSAValue:
    """x for inf and NaN, NaN for x < 0 (-inf too), -inf for +-0, else `result`."""
    ix = b.bits(x)
    magnitude = b.binary(arith.AndIOp, ix, b.i(ABS_MASK))
    result = b.select(b.below(b.i(INF_BITS - 1), magnitude), x, result)
    result = b.select(b.negative(ix), b.f(float("nan")), result)
    return b.select(b.below(magnitude, b.i(1)), b.f(float("-inf")), result)


def log(b: Builder, x: SSAValue) -> SSAValue:
    kf, f, y = log1p_parts(b, x)
    y = b.fma(kf, b.f(LOG_C2), y)
    return log_specials(b, x, b.fma(kf, b.f(LOG_C1), b.binary(arith.AddfOp, f, y)))


def log2(b: Builder, x: SSAValue) -> SSAValue:
    kf, f, y = log1p_parts(b, x)
    small = b.fma(y, b.f(LOG2E_HI), b.binary(arith.MulfOp, f, b.f(LOG2E_LO)))
    fraction = b.fma(f, b.f(LOG2E_HI), small)
    return log_specials(b, x, b.binary(arith.AddfOp, fraction, kf))


def odd(b: Builder, x: SSAValue, magnitude_of: Callable[[Builder, SSAValue, SSAValue],
                                                        SSAValue]) -> SSAValue:
    """sign(x) * magnitude_of(b, |x|, bits of |x|)."""
    ix = b.bits(x)
    abs_bits = b.binary(arith.AndIOp, ix, b.i(ABS_MASK))
    sign = b.binary(arith.AndIOp, ix, b.i(SIGN_MASK))
    magnitude = magnitude_of(b, b.float(abs_bits), abs_bits)
    return b.float(b.binary(arith.OrIOp, b.bits(magnitude), sign))


TINY = 2.0 ** -60
"""Arguments of the branch not taken are clamped into its domain, and squares of tiny ones to
TINY^2 (still normal): a denormal intermediate costs a microcode assist per vector on x86,
tens of times the polynomial (measured: erf-GELU 6x slower on BERT's activations)."""


def clamp(b: Builder, a: SSAValue, lo: float, hi: float) -> SSAValue:
    return b.binary(arith.MinimumfOp, b.binary(arith.MaximumfOp, a, b.f(lo)), b.f(hi))


def tanh_magnitude(b: Builder, a: SSAValue, abs_bits: SSAValue) -> SSAValue:
    s = clamp(b, a, TINY, 1.0)
    z = b.binary(arith.MulfOp, s, s)
    small = b.fma(b.binary(arith.MulfOp, b.horner(z, TANH_P), z), a, a)
    e = exp(b, b.binary(arith.AddfOp, a, a))
    one = b.f(1.0)
    quotient = b.binary(arith.DivfOp, b.f(2.0), b.binary(arith.AddfOp, e, one))
    large = b.binary(arith.SubfOp, one, quotient)
    return b.select(b.below(abs_bits, b.i(TANH_SMALL_BITS)), small, large)


def tanh(b: Builder, x: SSAValue) -> SSAValue:
    return odd(b, x, tanh_magnitude)


def erf_magnitude(b: Builder, a: SSAValue, abs_bits: SSAValue) -> SSAValue:
    s = clamp(b, a, TINY, 1.0)
    small = b.fma(a, b.horner(b.binary(arith.MulfOp, s, s), ERF_R), a)
    t = clamp(b, a, 1.0, 4.0)
    large = b.binary(arith.SubfOp, b.f(1.0), exp(b, b.horner(t, ERF_Q)))
    return b.select(b.below(abs_bits, b.i(ONE_BITS)), small, large)


def erf(b: Builder, x: SSAValue) -> SSAValue:
    return odd(b, x, erf_magnitude)


EXPANSIONS: dict[type[Operation], Callable[[Builder, SSAValue], SSAValue]] = {
    math.ExpOp: exp, math.Exp2Op: exp2, math.LogOp: log, math.Log2Op: log2,
    math.TanhOp: tanh, math.ErfOp: erf,
}


# ----------------------------------------------------------------------------- patterns


def expandable(t: Attribute) -> bool:
    """f32, or a 1-D vector of f32."""
    if isinstance(t, VectorType):
        return t.get_num_dims() == 1 and isinstance(t.element_type, Float32Type)
    return isinstance(t, Float32Type)


def expand(op: Operation, operand: SSAValue, rewriter: PatternRewriter) -> None:
    if not expandable(operand.type):
        return
    b = Builder(operand.type)
    result = EXPANSIONS[type(op)](b, operand)
    rewriter.replace(op, b.ops, [result])


class ExpandExp(RewritePattern):
    @op_type_rewrite_pattern
    def match_and_rewrite(self, op: math.ExpOp, rewriter: PatternRewriter) -> None:
        expand(op, op.operand, rewriter)


class ExpandExp2(RewritePattern):
    @op_type_rewrite_pattern
    def match_and_rewrite(self, op: math.Exp2Op, rewriter: PatternRewriter) -> None:
        expand(op, op.operand, rewriter)


class ExpandLog(RewritePattern):
    @op_type_rewrite_pattern
    def match_and_rewrite(self, op: math.LogOp, rewriter: PatternRewriter) -> None:
        expand(op, op.operand, rewriter)


class ExpandLog2(RewritePattern):
    @op_type_rewrite_pattern
    def match_and_rewrite(self, op: math.Log2Op, rewriter: PatternRewriter) -> None:
        expand(op, op.operand, rewriter)


class ExpandTanh(RewritePattern):
    @op_type_rewrite_pattern
    def match_and_rewrite(self, op: math.TanhOp, rewriter: PatternRewriter) -> None:
        expand(op, op.operand, rewriter)


class ExpandErf(RewritePattern):
    @op_type_rewrite_pattern
    def match_and_rewrite(self, op: math.ErfOp, rewriter: PatternRewriter) -> None:
        expand(op, op.operand, rewriter)


@dataclass(frozen=True)
class ExpandMathPass(ModulePass):
    """f32 exp, exp2, log, log2, tanh, erf to branch-free arith; see module doc."""

    name = NAME

    input_contract: ClassVar[contracts.Contract] = contracts.LOOPS_TO_LLVM

    def apply(self, ctx: Context, op: ModuleOp) -> None:
        contracts.require(op, self.name, self.input_contract)
        patterns = GreedyRewritePatternApplier([
            ExpandExp(), ExpandExp2(), ExpandLog(), ExpandLog2(), ExpandTanh(), ExpandErf()])
        PatternRewriteWalker(patterns, apply_recursively=False).rewrite_module(op)
