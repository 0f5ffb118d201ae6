"""Rules for neural-network ops: Conv, ConvTranspose, Gemm, MatMul, pools, Softmax, LogSoftmax,
LRN, and the normalizations (BatchNormalization, InstanceNormalization, LayerNormalization).

- MatMul of two 2-d f32 matrices is a `kernel.gemm` (so a following Relu fuses); every other
  rank (1-d operands, batched with numpy broadcasting) is a `kernel.matmul`.
- MaxPool's Indices output is a sibling `kernel.pool` of kind `argmax` (i64 flat indices).
- The normalizations are `kernel.normalize` over their axes (BatchNormalization in training
  mode: over N and the spatial dims, with batch statistics; its running mean/var outputs are
  `input * momentum + batch_stat * (1 - momentum)`, a map over `normalize` parts mean/var).
  LayerNormalization's Mean and InvStdDev outputs are parts of their own kernels.
"""

from __future__ import annotations

import numpy as np
from xdsl.dialects.builtin import (
    FloatAttr,
    IntegerAttr,
    MemRefType,
    StringAttr,
    TensorType,
    UnitAttr,
    f32,
    i64,
)
from xdsl.ir import Attribute, Operation, SSAValue

from tcompiler.dialects import kernel, onnx
from tcompiler.dialects.kernel import ints
from tcompiler.dialects.onnx import attr_float, attr_int, node_name, shape_of
from tcompiler.errors import UnsupportedModelError
from tcompiler.kernels.attrs import conv_props, conv_transpose_props, normalize_axis, pool_props
from tcompiler.kernels.convert import GraphConverter, known_array
from tcompiler.kernels.fusion import Deferred, Leaf, Node, PendingConv, PendingGemm


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
    props = {
        "kind": StringAttr(kind), "kernel_shape": ints(p["kernel_shape"]),
        "strides": ints(p["strides"]), "pads": ints(p["pads"]),
        "dilations": ints(p["dilations"]),
        "count_include_pad": IntegerAttr(p["count_include_pad"], i64)}
    c.define(op.results[0], c.deferred(kernel.PoolOp, [op.operands[0]], f"{kind}pool", props))
    if isinstance(op, onnx.MaxPoolOp) and op.Indices is not None:
        order = IntegerAttr(attr_int(op, "storage_order", 0), i64)
        c.define(op.Indices, c.deferred(kernel.PoolOp, [op.X], "argmaxpool", {
            **props, "kind": StringAttr("argmax"), "storage_order": order}))


def global_pool(c: GraphConverter, op: onnx.GlobalAveragePoolOp | onnx.GlobalMaxPoolOp) -> None:
    spatial = list(shape_of(op.X)[2:])
    n = len(spatial)
    kind = "max" if isinstance(op, onnx.GlobalMaxPoolOp) else "avg"
    c.define(op.Y, c.deferred(kernel.PoolOp, [op.X], "globalpool", {
        "kind": StringAttr(kind), "kernel_shape": ints(spatial), "strides": ints([1] * n),
        "pads": ints([0] * (2 * n)), "dilations": ints([1] * n),
        "count_include_pad": IntegerAttr(0, i64)}))


def softmax(c: GraphConverter, op: onnx.SoftmaxOp | onnx.LogSoftmaxOp) -> None:
    axis = normalize_axis(attr_int(op, "axis", -1), len(shape_of(op.input)))
    props: dict[str, Attribute] = {"axis": IntegerAttr(axis, i64)}
    if isinstance(op, onnx.LogSoftmaxOp):
        props["log"] = UnitAttr()
    kind = "logsoftmax" if "log" in props else "softmax"
    c.define(op.output, c.deferred(kernel.SoftmaxOp, [op.input], kind, props))


def lrn(c: GraphConverter, op: onnx.LRNOp) -> None:
    c.define(op.Y, c.deferred(kernel.LRNOp, [op.X], "lrn", {
        "size": IntegerAttr(op.size.value.data, i64),
        "alpha": FloatAttr(attr_float(op, "alpha", 1e-4), f32),
        "beta": FloatAttr(attr_float(op, "beta", 0.75), f32),
        "bias": FloatAttr(attr_float(op, "bias", 1.0), f32)}))


def batchnorm(c: GraphConverter, op: onnx.BatchNormalizationOp) -> None:
    if attr_int(op, "training_mode", 0):
        batchnorm_training(c, op)
        return
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


def _f32_only(op: Operation, *values: SSAValue) -> None:
    for value in values:
        ty = value.type
        if isinstance(ty, TensorType) and ty.element_type != f32:
            raise UnsupportedModelError([
                f"{op.name} ({node_name(op)}) on {ty.element_type} (tcc: float32 only)"])


def conv_transpose(c: GraphConverter, op: onnx.ConvTransposeOp) -> None:
    _f32_only(op, op.X)
    p = conv_transpose_props(op)
    bias = [c.materialize(op.B)] if op.B is not None else []
    props = {"strides": ints(p["strides"]), "pads": ints(p["pads"]),
             "dilations": ints(p["dilations"]), "group": IntegerAttr(p["group"], i64)}
    operands = [c.materialize(op.X), c.materialize(op.W), bias]
    c.define(op.Y, Deferred(kernel.ConvTransposeOp, operands, "conv_transpose", props))


def matmul(c: GraphConverter, op: onnx.MatMulOp) -> None:
    _f32_only(op, op.A)
    if len(shape_of(op.A)) == 2 and len(shape_of(op.B)) == 2:
        operands = {"A": c.materialize(op.A), "B": c.materialize(op.B)}
        props = {"trans_a": IntegerAttr(0, i64), "trans_b": IntegerAttr(0, i64),
                 "alpha": FloatAttr(1.0, f32), "beta": FloatAttr(1.0, f32)}
        c.define(op.Y, PendingGemm(operands, props, names=[node_name(op)]))
        return
    c.define(op.Y, c.deferred(kernel.MatMulOp, [op.A, op.B], "matmul", {}))


def normalize(c: GraphConverter, x: SSAValue, axes: list[int], eps: float, part: str,
              scale: SSAValue | None = None, bias: SSAValue | None = None) -> Deferred:
    """A pending `kernel.normalize` of `x` over `axes` (scale/bias already memrefs)."""
    props = {"axes": ints(axes), "epsilon": FloatAttr(eps, f32), "part": StringAttr(part)}
    operands = [c.materialize(x), [scale] if scale else [], [bias] if bias else []]
    return Deferred(kernel.NormalizeOp, operands, f"normalize_{part}", props)


def channel_params(c: GraphConverter, x: SSAValue, *params: SSAValue) -> list[SSAValue]:
    """Per-channel [C] tensors as [C, 1, ...] views broadcasting over X's dim 1."""
    rank = len(shape_of(x))
    return [c.channel_view(p, (shape_of(x)[1],) + (1,) * (rank - 2)) for p in params]


def batchnorm_training(c: GraphConverter, op: onnx.BatchNormalizationOp) -> None:
    _f32_only(op, op.X)
    rank, eps = len(shape_of(op.X)), attr_float(op, "epsilon", 1e-5)
    axes = [0, *range(2, rank)]
    scale, bias = channel_params(c, op.X, op.scale, op.B)
    c.define(op.Y, normalize(c, op.X, axes, eps, "normalize", scale, bias))
    momentum = attr_float(op, "momentum", 0.9)
    for result, running, part in ((op.running_mean, op.input_mean, "mean"),
                                  (op.running_var, op.input_var, "var")):
        if result is None or not (result.uses or result in c.output_slot):
            continue
        stat = kernel.BufferOp(MemRefType(f32, shape_of(result)))
        c.block.add_op(stat)
        c.emit_pending(normalize(c, op.X, axes, eps, part), stat.result)
        old = Node("mul", (c.expr(running, shape_of(result)), Node("const", value=momentum)))
        new = Node("mul", (Leaf(stat.result), Node("const", value=1.0 - momentum)))
        c.define(result, Node("add", (old, new)))


def instancenorm(c: GraphConverter, op: onnx.InstanceNormalizationOp) -> None:
    _f32_only(op, op.input)
    rank = len(shape_of(op.input))
    scale, bias = channel_params(c, op.input, op.scale, op.B)
    c.define(op.output, normalize(c, op.input, list(range(2, rank)),
                                  attr_float(op, "epsilon", 1e-5), "normalize", scale, bias))


def layernorm(c: GraphConverter, op: onnx.LayerNormalizationOp) -> None:
    _f32_only(op, op.X)
    rank = len(shape_of(op.X))
    axes = list(range(normalize_axis(attr_int(op, "axis", -1), rank), rank))
    eps = attr_float(op, "epsilon", 1e-5)
    scale = c.materialize(op.Scale)
    bias = c.materialize(op.B) if op.B is not None else None
    c.define(op.Y, normalize(c, op.X, axes, eps, "normalize", scale, bias))
    if op.Mean is not None:
        c.define(op.Mean, normalize(c, op.X, axes, eps, "mean"))
    if op.InvStdDev is not None:
        c.define(op.InvStdDev, normalize(c, op.X, axes, eps, "inv_std_dev"))


RULES = {
    onnx.ConvTransposeOp: conv_transpose,
    onnx.MatMulOp: matmul,
    onnx.GlobalMaxPoolOp: global_pool,
    onnx.LogSoftmaxOp: softmax,
    onnx.InstanceNormalizationOp: instancenorm,
    onnx.LayerNormalizationOp: layernorm,
    onnx.ConvOp: conv,
    onnx.GemmOp: gemm,
    onnx.MaxPoolOp: pool,
    onnx.AveragePoolOp: pool,
    onnx.GlobalAveragePoolOp: global_pool,
    onnx.SoftmaxOp: softmax,
    onnx.LRNOp: lrn,
    onnx.BatchNormalizationOp: batchnorm,
}
