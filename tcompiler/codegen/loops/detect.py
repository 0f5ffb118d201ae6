"""Loops for the data-dependent detection kernels (`dialects/kernel_detect.py`): nonzero,
compress, nms. Each runs sequentially (where an element lands depends on everything before
it), threading the count of what it wrote so far through its loops; it writes Y under
`scf.if` and the final count to N.

- nonzero walks X in row-major order; a nonzero element (NaN included) stores its indices as
  column `count` of Y.
- compress walks the condition; a true entry j copies the slice X[.., j, ..] to
  Y[.., count, ..].
- nms walks each (batch, class)'s boxes in `order`: a box is a candidate while fewer than
  max_per_class are kept and its score is above the threshold; it is kept unless its IoU with
  a box kept before for the same (batch, class) (the rows of Y from that class's first) is
  above iou_threshold. The IoU is onnxruntime's, in f32 and in its order of operations, so a
  box exactly at the threshold goes the same way; degenerate boxes (no area, no overlap)
  never suppress.
"""

from __future__ import annotations

from xdsl.dialects import arith
from xdsl.dialects.builtin import Float32Type, IndexType, IntegerAttr, IntegerType, i1, i64
from xdsl.ir import SSAValue

from tcompiler.codegen.loops.builder import Idx, LoopBuilder
from tcompiler.codegen.loops.index import _and, _at, _cmpi, _off_axis, _select, _when
from tcompiler.costmodel.schedules import LoopSchedule
from tcompiler.dialects.kernel import shape
from tcompiler.dialects.kernel_detect import CompressOp, NmsOp, NonZeroOp


def to_i64(b: LoopBuilder, i: Idx) -> SSAValue:
    return b.insert(arith.IndexCastOp(b.index(i), i64)).results[0]


def to_index(b: LoopBuilder, v: SSAValue) -> SSAValue:
    return b.insert(arith.IndexCastOp(v, IndexType())).results[0]


def cmpf(b: LoopBuilder, a: SSAValue, c: SSAValue, predicate: str) -> SSAValue:
    return b.insert(arith.CmpfOp(a, c, predicate)).results[0]


def fsub(b: LoopBuilder, a: SSAValue, c: SSAValue) -> SSAValue:
    return b.fop(arith.SubfOp, a, c)


def _bump(b: LoopBuilder, taken: SSAValue, count: SSAValue) -> SSAValue:
    return _select(b, taken, b.add(count, 1), count)


def _nonzero(b: LoopBuilder, value: SSAValue) -> SSAValue:
    ty = value.type
    if isinstance(ty, Float32Type):
        return cmpf(b, value, b.f32(0.0), "une")
    assert isinstance(ty, IntegerType)
    zero = b.insert(arith.ConstantOp(IntegerAttr(0, ty))).results[0]
    return b.insert(arith.CmpiOp(value, zero, "ne")).results[0]


def emit_nonzero(b: LoopBuilder, op: NonZeroOp, sched: LoopSchedule) -> None:
    def step(b: LoopBuilder, ivs: list[Idx], count: SSAValue) -> SSAValue:
        hit = _nonzero(b, b.load(op.X, ivs))

        def put(b: LoopBuilder) -> None:
            for d, i in enumerate(ivs):
                b.store(to_i64(b, i), op.Y, [d, count])

        _when(b, hit, put)
        return _bump(b, hit, count)

    count = b.reduce_nest([(0, e) for e in shape(op.X)], b.index(0), step)
    b.store(to_i64(b, count), op.N, [0])


def emit_compress(b: LoopBuilder, op: CompressOp, sched: LoopSchedule) -> None:
    x, axis = shape(op.X), op.axis.value.data

    def step(b: LoopBuilder, j: Idx, count: SSAValue) -> SSAValue:
        keep = b.load(op.C, [j])

        def copy(b: LoopBuilder) -> None:
            b.nest(_off_axis(x, axis), lambda b, ivs: b.store(
                b.load(op.X, _at(ivs, axis, j)), op.Y, _at(ivs, axis, count)))

        _when(b, keep, copy)
        return _bump(b, keep, count)

    count = b.reduce(0, min(shape(op.C)[0], x[axis]), b.index(0), step)
    b.store(to_i64(b, count), op.N, [0])


def emit_nms(b: LoopBuilder, op: NmsOp, sched: LoopSchedule) -> None:
    batches, boxes, _ = shape(op.boxes)
    classes = shape(op.scores)[1]
    limit = min(op.max_per_class.value.data, boxes)
    threshold = op.score_threshold

    def per_class(b: LoopBuilder, ivs: list[Idx], start: SSAValue) -> SSAValue:
        batch, cls = ivs

        def candidate(b: LoopBuilder, t: Idx, count: SSAValue) -> SSAValue:
            box = to_index(b, b.load(op.order, [batch, cls, t]))
            ok = _cmpi(b, b.sub(count, start), limit, "slt")
            if threshold is not None:
                score = b.load(op.scores, [batch, cls, box])
                ok = _and(b, ok, cmpf(b, score, b.f32(threshold.value.data), "ogt"))

            def check(b: LoopBuilder, r: Idx, suppressed: SSAValue) -> SSAValue:
                kept = to_index(b, b.load(op.Y, [r, 2]))
                return b.insert(arith.OrIOp(suppressed, _overlaps(b, op, batch, box, kept))
                                ).results[0]

            false = b.insert(arith.ConstantOp(IntegerAttr(0, i1))).results[0]
            suppressed = b.reduce(start, _select(b, ok, count, start), false, check)
            take = _and(b, ok, b.insert(arith.XOrIOp(
                suppressed, b.insert(arith.ConstantOp(IntegerAttr(1, i1))).results[0])
            ).results[0])

            def put(b: LoopBuilder) -> None:
                for column, value in enumerate((batch, cls, box)):
                    b.store(to_i64(b, value), op.Y, [count, column])

            _when(b, take, put)
            return _bump(b, take, count)

        return b.reduce(0, boxes, start, candidate)

    count = b.reduce_nest([(0, batches), (0, classes)], b.index(0), per_class)
    b.store(to_i64(b, count), op.N, [0])


def _extent(b: LoopBuilder, op: NmsOp, batch: Idx, box: Idx, axis: int
            ) -> tuple[SSAValue, SSAValue]:
    """(min, max) of box `box` along x (`axis` 0) or y (1)."""
    coords = [b.load(op.boxes, [batch, box, k]) for k in range(4)]
    if op.center_point_box.value.data:
        half = b.fmul(coords[axis + 2], b.f32(0.5))
        return fsub(b, coords[axis], half), b.fadd(coords[axis], half)
    a, c = coords[1 - axis], coords[3 - axis]
    return b.fop(arith.MinimumfOp, a, c), b.fop(arith.MaximumfOp, a, c)


def _overlaps(b: LoopBuilder, op: NmsOp, batch: Idx, one: Idx, other: Idx) -> SSAValue:
    """IoU(one, other) > iou_threshold, as onnxruntime's SuppressByIOU."""
    (x1, x2), (y1, y2) = _extent(b, op, batch, one, 0), _extent(b, op, batch, one, 1)
    (u1, u2), (v1, v2) = _extent(b, op, batch, other, 0), _extent(b, op, batch, other, 1)
    left, right = b.fop(arith.MaximumfOp, x1, u1), b.fop(arith.MinimumfOp, x2, u2)
    bottom, top = b.fop(arith.MaximumfOp, y1, v1), b.fop(arith.MinimumfOp, y2, v2)
    inter = b.fmul(fsub(b, right, left), fsub(b, top, bottom))
    area1 = b.fmul(fsub(b, x2, x1), fsub(b, y2, y1))
    area2 = b.fmul(fsub(b, u2, u1), fsub(b, v2, v1))
    union = fsub(b, b.fadd(area1, area2), inter)
    iou = b.fop(arith.DivfOp, inter, union)
    zero = b.f32(0.0)
    conditions = [cmpf(b, right, left, "ogt"), cmpf(b, top, bottom, "ogt"),
                  cmpf(b, inter, zero, "ogt"), cmpf(b, area1, zero, "ogt"),
                  cmpf(b, area2, zero, "ogt"), cmpf(b, union, zero, "ogt"),
                  cmpf(b, iou, b.f32(op.iou_threshold.value.data), "ogt")]
    result = conditions[0]
    for condition in conditions[1:]:
        result = _and(b, result, condition)
    return result


DETECT_EMITTERS = {
    NonZeroOp: emit_nonzero,
    CompressOp: emit_compress,
    NmsOp: emit_nms,
}
