"""Loops for the int8 packings (`dialects/kernel_quant.py`): qpack_rows and qpack_im2col.

qpack_im2col's units are (n, group q): the four bytes k = 4q + j (j = 0..3, the lanes) of
every output pixel, lane j read from input plane c_j at tap (kh_j, kw_j). Per output row oh
and lane, the columns whose window is inside X form one range, so a row is zeros, a copy,
zeros (no bounds checks inside the loops; the padding holds `zero`). With stride-1 columns and
four real lanes, in the rows inside all four lanes' windows, the columns inside all their
ranges are copied 16 at a time (the last 16 overlapping the chunk before when the range is not
a multiple of 16): four vector<16xi8> loads (one per lane) interleaved by two rounds of
`vector.shuffle` into one vector<64xi8> store; the other bytes go one by one.
"""

from __future__ import annotations

from dataclasses import dataclass

from xdsl.dialects import arith, vector
from xdsl.dialects.builtin import DenseArrayBase, IntegerType, Signedness, VectorType, i8, i64
from xdsl.ir import SSAValue

from tcompiler.codegen.loops.builder import Idx, LoopBuilder, parallel_nest
from tcompiler.codegen.loops.conv import valid_range
from tcompiler.dialects.kernel import int_values, shape
from tcompiler.dialects.kernel_quant import QPackIm2ColOp, QPackRowsOp
from tcompiler.kernels.conv_math import output_hw

LANES = 16


def _byte(b: LoopBuilder, value: SSAValue, flip: bool) -> SSAValue:
    """An 8-bit integer (or a vector of them) as signless i8, its sign bit flipped when
    `flip`."""
    ty = value.type
    element = ty.element_type if isinstance(ty, VectorType) else ty
    assert isinstance(element, IntegerType)
    signless = VectorType(i8, ty.get_shape()) if isinstance(ty, VectorType) else i8
    if element.signedness.data != Signedness.SIGNLESS:
        value = b.insert(arith.BitcastOp(value, signless)).results[0]
    if not flip:
        return value
    mask = b.constants.get(-128, i8)
    if isinstance(ty, VectorType):
        mask = b.insert(vector.BroadcastOp(mask, VectorType(i8, ty.get_shape()))).results[0]
    return b.insert(arith.XOrIOp(value, mask)).results[0]


def emit_qpack_rows(b: LoopBuilder, op: QPackRowsOp, sched: object) -> None:
    x, y = shape(op.X), shape(op.Y)
    k, flip = x[-1], bool(op.flip.value.data)

    def row(b: LoopBuilder, ivs: list[Idx]) -> None:
        b.loop(0, k, lambda b, kk: b.store(_byte(b, b.load(op.X, [*ivs, kk]), flip), op.Y,
                                           [*ivs, kk]))
        b.loop(k, y[-1], lambda b, kk: b.store(b.constants.get(0, i8), op.Y, [*ivs, kk]))

    parallel_nest(b, [*x[:-1], 1], lambda b, ivs: row(b, ivs[:-1]))


@dataclass(frozen=True)
class _Lane:
    """Lane j of a group: its input plane and tap, and the output rows and columns whose
    window is inside X."""

    c: Idx
    kh: Idx
    kw: Idx
    rows: tuple[Idx, Idx]
    columns: tuple[Idx, Idx]


def _cmp(b: LoopBuilder, predicate: str, a: Idx, c: Idx) -> SSAValue:
    return b.insert(arith.CmpiOp(b.index(a), b.index(c), predicate)).results[0]


def _select(b: LoopBuilder, cond: SSAValue, a: Idx, c: Idx) -> Idx:
    return b.insert(arith.SelectOp(cond, b.index(a), b.index(c))).results[0]


def _inside(b: LoopBuilder, i: Idx, bounds: tuple[Idx, Idx]) -> SSAValue:
    lo, hi = (_cmp(b, "sge", i, bounds[0]), _cmp(b, "slt", i, bounds[1]))
    return b.insert(arith.AndIOp(lo, hi)).results[0]


def emit_qpack_im2col(b: LoopBuilder, op: QPackIm2ColOp, sched: object) -> None:
    x, y = shape(op.X), shape(op.Y)
    kh_n, kw_n = int_values(op.kernel_shape)
    (sh, sw), (dh, dw) = int_values(op.strides), int_values(op.dilations)
    pt, pl = int_values(op.pads)[:2]
    k_total, groups = x[1] * kh_n * kw_n, y[1]
    out_h, out_w = output_hw(x, [kh_n, kw_n], [sh, sw], int_values(op.pads), [dh, dw])
    flip = bool(op.flip.value.data)
    full_groups = k_total // 4
    vectorized = sw == 1 and out_w >= LANES and full_groups > 0

    def lane(b: LoopBuilder, k: Idx) -> _Lane:
        kh, kw = b.rem(b.floordiv(k, kw_n), kh_n), b.rem(k, kw_n)
        oh_lo, oh_hi = valid_range(b, kh, out_h, x[2], sh, pt, dh)
        ow_lo, ow_hi = valid_range(b, kw, out_w, x[3], sw, pl, dw)
        return _Lane(b.floordiv(k, kh_n * kw_n), kh, kw, (b.min(oh_lo, out_h), oh_hi),
                     (b.min(ow_lo, out_w), ow_hi))

    def unit(b: LoopBuilder, u: Idx) -> None:
        n, q = b.floordiv(u, groups), b.rem(u, groups)

        def at(b: LoopBuilder, oh: Idx, ow: Idx, j: int) -> list[Idx]:
            return [n, q, b.add(b.mul(b.add(b.mul(oh, out_w), ow), 4), j)]

        def lane_row(b: LoopBuilder, ln: _Lane, j: int, oh: Idx, start: Idx, stop: Idx,
                     checked: bool = True) -> None:
            """Columns [start, stop) of lane j in row oh: zeros, a copy, zeros (`checked`:
            zeros only when oh is outside the lane's rows)."""
            zero = b.constants.get(op.zero.value.data - 256 * (op.zero.value.data > 127), i8)
            lo: Idx = b.min(b.max(start, ln.columns[0]), stop)
            hi: Idx = b.min(stop, ln.columns[1])
            if checked:
                inside = _inside(b, oh, ln.rows)
                lo, hi = _select(b, inside, lo, start), _select(b, inside, hi, start)
            ih = b.add(b.mul(oh, sh), b.sub(b.mul(ln.kh, dh), pt))
            b.loop(start, lo, lambda b, ow: b.store(zero, op.Y, at(b, oh, ow, j)))
            b.loop(lo, hi, lambda b, ow: b.store(_byte(b, b.load(op.X, [
                n, ln.c, ih, b.add(b.mul(ow, sw), b.sub(b.mul(ln.kw, dw), pl))]), flip),
                op.Y, at(b, oh, ow, j)))
            b.loop(b.max(hi, lo), stop, lambda b, ow: b.store(zero, op.Y, at(b, oh, ow, j)))

        def bytewise(b: LoopBuilder) -> None:
            for j in range(4):
                k = b.add(b.mul(q, 4), j)

                def real(b: LoopBuilder, k: Idx = k, j: int = j) -> None:
                    ln = lane(b, k)
                    b.loop(0, out_h, lambda b, oh: lane_row(b, ln, j, oh, 0, out_w))

                def padding(b: LoopBuilder, j: int = j) -> None:
                    b.nest([out_h, out_w], lambda b, iv: b.store(
                        b.constants.get(0, i8), op.Y, at(b, iv[0], iv[1], j)))

                b.when_less(k, k_total, real, padding)

        def vectors(b: LoopBuilder) -> None:
            """Rows inside all four lanes' windows: their common columns in 16-byte chunks
            (the last one ending at the range's end, overlapping the one before), the rest
            lane by lane; the other rows lane by lane."""
            lanes = [lane(b, b.add(b.mul(q, 4), j)) for j in range(4)]
            rows = (_max(b, [ln.rows[0] for ln in lanes]), _min(b, [ln.rows[1] for ln in lanes]))
            lo = _max(b, [ln.columns[0] for ln in lanes])
            hi = b.max(_min(b, [ln.columns[1] for ln in lanes]), lo)
            span = b.sub(hi, lo)
            stop = b.add(lo, b.mul(b.floordiv(span, LANES), LANES))
            wide = _cmp(b, "sge", span, LANES)
            last = b.sub(hi, LANES)
            end, last_stop = _select(b, wide, hi, lo), _select(b, wide, b.add(last, 1), last)

            def interior(b: LoopBuilder, oh: Idx) -> None:
                for j, ln in enumerate(lanes):
                    lane_row(b, ln, j, oh, 0, lo, checked=False)
                    lane_row(b, ln, j, oh, end, out_w, checked=False)

                def chunk(b: LoopBuilder, ow: Idx) -> None:
                    _interleave(b, op, lanes, n, oh, ow, flip, at(b, oh, ow, 0))

                b.loop(lo, stop, chunk, step=LANES)
                b.loop(last, last_stop, chunk)

            def edge(b: LoopBuilder, oh: Idx) -> None:
                for j, ln in enumerate(lanes):
                    lane_row(b, ln, j, oh, 0, out_w)

            b.loop(0, rows[0], edge)
            b.loop(rows[0], rows[1], interior)
            b.loop(b.max(rows[1], rows[0]), out_h, edge)

        if not vectorized:
            bytewise(b)
            return
        if full_groups == groups:
            vectors(b)
            return
        b.when_less(q, full_groups, vectors, bytewise)

    b.parallel(x[0] * groups, unit)


def _max(b: LoopBuilder, values: list[Idx]) -> Idx:
    out = values[0]
    for v in values[1:]:
        out = b.max(out, v)
    return out


def _min(b: LoopBuilder, values: list[Idx]) -> Idx:
    out = values[0]
    for v in values[1:]:
        out = b.min(out, v)
    return out


def _shuffle(b: LoopBuilder, first: SSAValue, second: SSAValue, mask: list[int]) -> SSAValue:
    op = vector.ShuffleOp(first, second, DenseArrayBase.from_list(i64, mask),
                          result_type=VectorType(i8, [len(mask)]))
    return b.insert(op).results[0]


def _interleave(b: LoopBuilder, op: QPackIm2ColOp, lanes: list[_Lane], n: Idx, oh: Idx,
                ow: Idx, flip: bool, dest: list[Idx]) -> None:
    """Y's 64 bytes of the 16 pixels from (oh, ow): four 16-byte loads (stride-1 columns, one
    per lane) interleaved byte by byte."""
    (sh, _), (dh, dw) = int_values(op.strides), int_values(op.dilations)
    pt, pl = int_values(op.pads)[:2]
    element = op.X.type.element_type  # type: ignore[attr-defined]
    loads: list[SSAValue] = []
    for ln in lanes:
        ih = b.add(b.mul(oh, sh), b.sub(b.mul(ln.kh, dh), pt))
        iw = b.add(ow, b.sub(b.mul(ln.kw, dw), pl))
        raw = b.insert(vector.LoadOp(op.X, [b.index(i) for i in (n, ln.c, ih, iw)],
                                     VectorType(element, [LANES]))).results[0]
        loads.append(_byte(b, raw, flip))
    pairs = [i + half * LANES for i in range(LANES) for half in (0, 1)]
    low, high = _shuffle(b, loads[0], loads[1], pairs), _shuffle(b, loads[2], loads[3], pairs)
    quads = [2 * i + d + half * 2 * LANES for i in range(LANES) for half in (0, 1)
             for d in (0, 1)]
    packed = _shuffle(b, low, high, quads)
    b.insert(vector.StoreOp(packed, op.Y, [b.index(i) for i in dest]))
