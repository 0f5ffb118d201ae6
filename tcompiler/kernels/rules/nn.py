"""Rules for neural-network ops: Conv, Gemm, pools, Softmax, LRN, BatchNormalization."""

from __future__ import annotations

import numpy as np
from xdsl.dialects.builtin import FloatAttr, IntegerAttr, StringAttr, f32, i64
from xdsl.ir import Operation

from tcompiler.dialects import kernel, onnx
from tcompiler.dialects.kernel import ints
from tcompiler.dialects.onnx import attr_float, attr_int, node_name, shape_of
from tcompiler.kernels.attrs import conv_props, normalize_axis, pool_props
from tcompiler.kernels.convert import GraphConverter, known_array
from tcompiler.kernels.fusion import Leaf, Node, PendingConv, PendingGemm


def conv(c: GraphConverter, op: onnx.ConvOp) -> None:
    p = conv_props(op)
    operands = {"X": c.materialize(op.X), "W": c.materialize(op.W)}
    if op.B is not None:
        operands["B"] = c.materialize(op.B)
    props = {"strides": ints(p["strides"]), "pads": ints(p["pads"]),
             "dilations": ints(p["dilations"]), "group": IntegerAttr(p["group"], i64)}
    c.define(op.Y, PendingConv(operands, props, names=[node_name(op)]))


def gemm(c: GraphConverter, op: onnx.GemmOp) -> None:
    operands = {"A": c.materialize(op.A), "B": c.materialize(op.B)}
    if op.C is not None:
        operands["C"] = c.materialize(op.C)
    props = {"trans_a": IntegerAttr(attr_int(op, "transA", 0), i64),
             "trans_b": IntegerAttr(attr_int(op, "transB", 0), i64),
             "alpha": FloatAttr(attr_float(op, "alpha", 1.0), f32),
             "beta": FloatAttr(attr_float(op, "beta", 1.0), f32)}
    c.define(op.Y, PendingGemm(operands, props, names=[node_name(op)]))


def pool(c: GraphConverter, op: Operation) -> None:
    p = pool_props(op)
    kind = "max" if isinstance(op, onnx.MaxPoolOp) else "avg"
    c.define(op.results[0], c.deferred(kernel.PoolOp, [op.operands[0]], f"{kind}pool", {
        "kind": StringAttr(kind), "kernel_shape": ints(p["kernel_shape"]),
        "strides": ints(p["strides"]), "pads": ints(p["pads"]),
        "dilations": ints(p["dilations"]),
        "count_include_pad": IntegerAttr(p["count_include_pad"], i64)}))


def global_pool(c: GraphConverter, op: onnx.GlobalAveragePoolOp) -> None:
    spatial = list(shape_of(op.X)[2:])
    n = len(spatial)
    c.define(op.Y, c.deferred(kernel.PoolOp, [op.X], "globalpool", {
        "kind": StringAttr("avg"), "kernel_shape": ints(spatial), "strides": ints([1] * n),
        "pads": ints([0] * (2 * n)), "dilations": ints([1] * n),
        "count_include_pad": IntegerAttr(0, i64)}))


def softmax(c: GraphConverter, op: onnx.SoftmaxOp) -> None:
    axis = normalize_axis(attr_int(op, "axis", -1), len(shape_of(op.input)))
    c.define(op.output, c.deferred(kernel.SoftmaxOp, [op.input], "softmax",
                                     {"axis": IntegerAttr(axis, i64)}))


def lrn(c: GraphConverter, op: onnx.LRNOp) -> None:
    c.define(op.Y, c.deferred(kernel.LRNOp, [op.X], "lrn", {
        "size": IntegerAttr(op.size.value.data, i64),
        "alpha": FloatAttr(attr_float(op, "alpha", 1e-4), f32),
        "beta": FloatAttr(attr_float(op, "beta", 0.75), f32),
        "bias": FloatAttr(attr_float(op, "bias", 1.0), f32)}))


def batchnorm(c: GraphConverter, op: onnx.BatchNormalizationOp) -> None:
    x = shape_of(op.X)
    channel_shape = (x[1],) + (1,) * (len(x) - 2)
    eps = attr_float(op, "epsilon", 1e-5)
    params = [known_array(c.weights, v) for v in (op.scale, op.B, op.input_mean, op.input_var)]
    if all(p is not None for p in params):
        gamma, beta, mean, var = (p.astype(np.float64) for p in params)  # type: ignore[union-attr]
        scale = gamma / np.sqrt(var + eps)
        shift = beta - mean * scale
        name = node_name(op)
        s = Leaf(c.weight(scale.reshape(channel_shape), f"{name}.scale"))
        t = Leaf(c.weight(shift.reshape(channel_shape), f"{name}.shift"))
        c.define(op.Y, Node("add", (Node("mul", (c.expr(op.X, x), s)), t)))
        return
    gamma, beta, mean, var = (Leaf(c.channel_view(v, channel_shape))
                              for v in (op.scale, op.B, op.input_mean, op.input_var))
    inv = Node("div", (gamma, Node("sqrt", (Node("add", (var, Node("const", value=eps))),))))
    centered = Node("sub", (c.expr(op.X, x), mean))
    c.define(op.Y, Node("add", (Node("mul", (centered, inv)), beta)))


RULES = {
    onnx.ConvOp: conv,
    onnx.GemmOp: gemm,
    onnx.MaxPoolOp: pool,
    onnx.AveragePoolOp: pool,
    onnx.GlobalAveragePoolOp: global_pool,
    onnx.SoftmaxOp: softmax,
    onnx.LRNOp: lrn,
    onnx.BatchNormalizationOp: batchnorm,
}
