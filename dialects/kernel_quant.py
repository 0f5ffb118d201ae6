"""Int8 kernels (part of the `kernel` dialect; `kernel.py` lists them in `KERNEL_OPS` through
`QUANT_KERNELS`). Destination-passing like every kernel op: the last operand Y is written.

They compute int32 dot products of u8 x s8 bytes four at a time, in the layout AVX-512 VNNI's
`vpdpbusd` reads: K in groups of 4 consecutive bytes, one group per 32-bit lane.

- qpack_im2col: Y [N, Kq, OH*OW*4] (i8) = the im2col columns of X [N, C, H, W] (ui8 or si8),
  K = C*KH*KW in (c, kh, kw) order padded to Kq = ceil(K / 4) groups:
  Y[n, k // 4, 4*p + k % 4] = flip(X[n, c, ih, iw]) for output pixel p, `zero` where the
  window is outside X, 0 for k >= K. flip(v) = v xor 0x80 when `flip` is 1 (s8 -> u8 + 128),
  else v.
- qpack_rows: Y [..., M, Kq*4] (i8) = flip(X [..., M, K]), each row padded with zeros.
- qgemm: Y [BY, M, N] = C + A . B with A [BA, M, Kq*4] (i8), B [BB, Kq, N*4] (i8),
  BA and BB 1 or BY (broadcast), C [M, 1] or [1, N] (i32, broadcast):
  acc[b, m, n] = C[m | n] + sum_k a(A[b, m, k]) * b(B[b, k // 4, 4*n + k % 4])
  where the `unsigned` operand ("a" or "b") is read as u8 and the other as s8. Y (i32) = acc,
  or, with a multiplier S (f32, shaped as C), Y (ui8 or i8) = saturate(round_half_even(
  f32(acc) * S[m | n]) + `zero`): requantized as onnxruntime does. With `vnni` the loops call
  `vpdpbusd` (AVX-512 VNNI), else they are portable integer loops. Sums wrap in int32 (as
  `vpdpbusd`); with 8-bit operands K would need 2^15 terms to reach it.
"""

from __future__ import annotations

from xdsl.dialects.builtin import (
    IntegerAttr,
    IntegerType,
    MemRefType,
    StringAttr,
    f32,
    i32,
)
from xdsl.ir import Attribute
from xdsl.irdl import (
    AttrSizedOperandSegments,
    ParsePropInAttrDict,
    irdl_op_definition,
    operand_def,
    opt_operand_def,
    opt_prop_def,
    prop_def,
)
from xdsl.utils.exceptions import VerifyException

from tcompiler.dialects.kernel import (
    KernelOp,
    _check_conv_window,
    _ConvTransformOp,
    _memref,
    shape,
)

I8 = IntegerType(8)


def groups(k: int) -> int:
    """Kq: the groups of 4 bytes that hold K bytes."""
    return -(-k // 4)


def _element(op: KernelOp, value: object, what: str, expected: Attribute) -> None:
    ty = _memref(value, what).element_type  # type: ignore[arg-type]
    if ty != expected:
        raise VerifyException(f"{op.name}: {what} must hold {expected}, got {ty}")


def _eight_bit(op: KernelOp, value: object, what: str = "X") -> None:
    ty = _memref(value, what).element_type  # type: ignore[arg-type]
    if not isinstance(ty, IntegerType) or ty.width.data != 8:
        raise VerifyException(f"{op.name}: {what} must hold 8-bit integers, got {ty}")


@irdl_op_definition
class QPackIm2ColOp(_ConvTransformOp):
    name = "kernel.qpack_im2col"
    zero = prop_def(IntegerAttr)
    flip = prop_def(IntegerAttr)

    def expected_shape(self, x: tuple[int, ...]) -> tuple[int, ...]:
        from tcompiler.kernels.conv_math import output_hw

        window = _check_conv_window(self)
        oh, ow = output_hw(x, *window)
        kh, kw = window[0]
        return (x[0], groups(x[1] * kh * kw), oh * ow * 4)

    def verify_(self) -> None:
        super().verify_()
        _eight_bit(self, self.X)
        _element(self, self.Y, "Y", I8)


@irdl_op_definition
class QPackRowsOp(KernelOp):
    name = "kernel.qpack_rows"
    X = operand_def(MemRefType)
    Y = operand_def(MemRefType)
    flip = prop_def(IntegerAttr)
    assembly_format = "$X `->` $Y attr-dict `:` type($X) `->` type($Y)"

    def verify_(self) -> None:
        x, y = shape(self.X), shape(self.Y)
        _eight_bit(self, self.X)
        _element(self, self.Y, "Y", I8)
        if not x or y != (*x[:-1], groups(x[-1]) * 4):
            raise VerifyException(f"{self.name}: Y {y} must be {(*x[:-1], groups(x[-1]) * 4)}")


@irdl_op_definition
class QGemmOp(KernelOp):
    name = "kernel.qgemm"
    A = operand_def(MemRefType)
    B = operand_def(MemRefType)
    C = operand_def(MemRefType)
    S = opt_operand_def(MemRefType)
    Y = operand_def(MemRefType)
    unsigned = prop_def(StringAttr)
    vnni = prop_def(IntegerAttr)
    zero = opt_prop_def(IntegerAttr)
    irdl_options = (AttrSizedOperandSegments(as_property=True), ParsePropInAttrDict())
    assembly_format = (
        "$A `,` $B `,` $C (`scale` $S^)? `->` $Y attr-dict `:` type($A) `,` type($B) `,` "
        "type($C) (`scale` type($S)^)? `->` type($Y)")

    def verify_(self) -> None:
        a, b, c, y = shape(self.A), shape(self.B), shape(self.C), shape(self.Y)
        for value, what, ty in ((self.A, "A", I8), (self.B, "B", I8), (self.C, "C", i32)):
            _element(self, value, what, ty)
        if self.S is None:
            _element(self, self.Y, "Y", i32)
        else:
            _element(self, self.S, "S", f32)
            _eight_bit(self, self.Y, "Y")
            if shape(self.S) != c or self.zero is None:
                raise VerifyException(f"{self.name}: a scale S needs C's shape {c} and a zero")
        if self.unsigned.data not in ("a", "b"):
            raise VerifyException(f"{self.name}: unsigned must be \"a\" or \"b\", got "
                                  f"{self.unsigned.data!r}")
        if len(a) != 3 or len(b) != 3 or len(y) != 3:
            raise VerifyException(f"{self.name}: A {a}, B {b}, Y {y} must be 3-d")
        batch, m, n = y
        ok = (a[0] in (1, batch) and b[0] in (1, batch) and a[1] == m and b[2] == 4 * n
              and a[2] == 4 * b[1] and c in ((m, 1), (1, n)))
        if not ok:
            raise VerifyException(f"{self.name}: shapes A {a}, B {b}, C {c}, Y {y} disagree "
                                  "(A [1|B, M, 4Kq], B [1|B, Kq, 4N], C [M, 1] or [1, N], "
                                  "Y [B, M, N])")


QUANT_KERNELS = (QPackIm2ColOp, QPackRowsOp, QGemmOp)
