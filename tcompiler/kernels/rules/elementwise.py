"""Rules for elementwise ops, fused into `kernel.map` expressions (or conv/gemm epilogues)."""

from __future__ import annotations

from tcompiler.dialects import onnx
from tcompiler.dialects.onnx import shape_of
from tcompiler.kernels.convert import GraphConverter
from tcompiler.kernels.fusion import Node, PendingConv, PendingGemm


def relu(c: GraphConverter, op: onnx.ReluOp) -> None:
    pending = c.pending.get(op.X)
    if isinstance(pending, (PendingConv, PendingGemm)) and pending.activation == "none":
        del c.pending[op.X]
        pending.activation = "relu"
        c.define(op.Y, pending)
        return
    out = shape_of(op.Y)
    c.define(op.Y, Node("max", (c.expr(op.X, out), Node("const", value=0.0))))


def add(c: GraphConverter, op: onnx.AddOp) -> None:
    c.add(op.A, op.B, op.C)


def mul(c: GraphConverter, op: onnx.MulOp) -> None:
    out = shape_of(op.C)
    c.define(op.C, Node("mul", (c.expr(op.A, out), c.expr(op.B, out))))


def sum_(c: GraphConverter, op: onnx.SumOp) -> None:
    if len(op.data_0) == 2:
        c.add(op.data_0[0], op.data_0[1], op.sum)
        return
    out = shape_of(op.sum)
    terms = [c.expr(v, out) for v in op.data_0]
    expr = terms[0]
    for term in terms[1:]:
        expr = Node("add", (expr, term))
    if len(terms) == 1:
        expr = Node("add", (expr, Node("const", value=0.0)))
    c.define(op.sum, expr)


RULES = {
    onnx.ReluOp: relu,
    onnx.AddOp: add,
    onnx.MulOp: mul,
    onnx.SumOp: sum_,
}
