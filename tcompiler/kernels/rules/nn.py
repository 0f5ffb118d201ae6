"""Rules for neural-network ops: Conv, ConvTranspose, Gemm, MatMul, pools, Softmax, LogSoftmax,
LRN, and the normalizations (BatchNormalization, InstanceNormalization, LayerNormalization).

- MatMul of two 2-d f32 matrices is a `kernel.gemm` (so a following Relu can fuse); every other
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
from tcompiler.kernels.convert import Build, GraphConverter
from tcompiler.kernels.expr import Leaf, Node
from tcompiler.kernels.values import constant_of


def conv(c: GraphConverter, op: onnx.ConvOp) -> None:
    x, w = c.memref(op.X), c.memref(op.W)
    b = c.memref(op.B) if op.B is not None else None
    c.define_kernel(op.Y, kernel.ConvOp, [x, w, b, None], conv_props(op))


def gemm(c: GraphConverter, op: onnx.GemmOp) -> None:
    a, b = c.memref(op.A), c.memref(op.B)
    bias = c.memref(op.C) if op.C is not None else None
    c.define_kernel(op.Y, kernel.GemmOp, [a, b, bias], {
        "trans_a": IntegerAttr(attr_int(op, "transA", 0), i64),
        "trans_b": IntegerAttr(attr_int(op, "transB", 0), i64),
        "alpha": FloatAttr(attr_float(op, "alpha", 1.0), f32),
        "beta": FloatAttr(attr_float(op, "beta", 1.0), f32)})


def pool(c: GraphConverter, op: Operation) -> None:
    kind = "max" if isinstance(op, onnx.MaxPoolOp) else "avg"
    props = {"kind": StringAttr(kind), **pool_props(op)}
    c.define_kernel(op.results[0], kernel.PoolOp, [c.memref(op.operands[0])], props)
    if isinstance(op, onnx.MaxPoolOp) and op.Indices is not None:
        order = IntegerAttr(attr_int(op, "storage_order", 0), i64)
        c.define_kernel(op.Indices, kernel.PoolOp, [c.memref(op.X)], {
            **props, "kind": StringAttr("argmax"), "storage_order": order})


def global_pool(c: GraphConverter, op: onnx.GlobalAveragePoolOp | onnx.GlobalMaxPoolOp) -> None:
    spatial = list(shape_of(op.X)[2:])
    n = len(spatial)
    kind = "max" if isinstance(op, onnx.GlobalMaxPoolOp) else "avg"
    c.define_kernel(op.Y, kernel.PoolOp, [c.memref(op.X)], {
        "kind": StringAttr(kind), "kernel_shape": ints(spatial), "strides": ints([1] * n),
        "pads": ints([0] * (2 * n)), "dilations": ints([1] * n),
        "count_include_pad": IntegerAttr(0, i64)})


def softmax(c: GraphConverter, op: onnx.SoftmaxOp | onnx.LogSoftmaxOp) -> None:
    axis = normalize_axis(attr_int(op, "axis", -1), len(shape_of(op.input)))
    props: dict[str, Attribute] = {"axis": IntegerAttr(axis, i64)}
    if isinstance(op, onnx.LogSoftmaxOp):
        props["log"] = UnitAttr()
    c.define_kernel(op.output, kernel.SoftmaxOp, [c.memref(op.input)], props)


def lrn(c: GraphConverter, op: onnx.LRNOp) -> None:
    c.define_kernel(op.Y, kernel.LRNOp, [c.memref(op.X)], {
        "size": IntegerAttr(op.size.value.data, i64),
        "alpha": FloatAttr(attr_float(op, "alpha", 1e-4), f32),
        "beta": FloatAttr(attr_float(op, "beta", 0.75), f32),
        "bias": FloatAttr(attr_float(op, "bias", 1.0), f32)})


def batchnorm(c: GraphConverter, op: onnx.BatchNormalizationOp) -> None:
    """Inference BatchNormalization as a map: x * scale + shift per channel (folded here when
    the parameters are constants), else (x - mean) * (gamma / sqrt(var + eps)) + beta."""
    if attr_int(op, "training_mode", 0):
        batchnorm_training(c, op)
        return
    x = shape_of(op.X)
    channel_shape = (x[1],) + (1,) * (len(x) - 2)
    eps = attr_float(op, "epsilon", 1e-5)
    params = [constant_of(c.weights, v) for v in (op.scale, op.B, op.input_mean, op.input_var)]
    if all(p is not None for p in params):
        gamma, beta, mean, var = (p.astype(np.float64) for p in params)  # type: ignore[union-attr]
        scale = gamma / np.sqrt(var + eps)
        shift = beta - mean * scale
        name = node_name(op)
        s = Leaf(c.weight(scale.reshape(channel_shape).astype(np.float32), f"{name}.scale"))
        t = Leaf(c.weight(shift.reshape(channel_shape).astype(np.float32), f"{name}.shift"))
        c.define_map(op.Y, Node("add", (Node("mul", (c.expr(op.X), s)), t)))
        return
    gamma, beta, mean, var = (Leaf(c.view(c.memref(v), MemRefType(f32, channel_shape)))
                              for v in (op.scale, op.B, op.input_mean, op.input_var))
    inv = Node("div", (gamma, Node("sqrt", (Node("add", (var, Node("const", value=eps))),))))
    centered = Node("sub", (c.expr(op.X), mean))
    c.define_map(op.Y, Node("add", (Node("mul", (centered, inv)), beta)))


def _f32_only(op: Operation, *values: SSAValue) -> None:
    for value in values:
        ty = value.type
        if isinstance(ty, TensorType) and ty.element_type != f32:
            raise UnsupportedModelError([
                f"{op.name} ({node_name(op)}) on {ty.element_type} (tcc: float32 only)"])


def conv_transpose(c: GraphConverter, op: onnx.ConvTransposeOp) -> None:
    _f32_only(op, op.X)
    bias = [c.memref(op.B)] if op.B is not None else []
    c.define_kernel(op.Y, kernel.ConvTransposeOp, [c.memref(op.X), c.memref(op.W), bias],
                    conv_transpose_props(op))


def matmul(c: GraphConverter, op: onnx.MatMulOp) -> None:
    _f32_only(op, op.A)
    a, b = c.memref(op.A), c.memref(op.B)
    if len(shape_of(op.A)) == 2 and len(shape_of(op.B)) == 2:
        c.define_kernel(op.Y, kernel.GemmOp, [a, b, None], {
            "trans_a": IntegerAttr(0, i64), "trans_b": IntegerAttr(0, i64),
            "alpha": FloatAttr(1.0, f32), "beta": FloatAttr(1.0, f32)})
        return
    c.define_kernel(op.Y, kernel.MatMulOp, [a, b], {})


def normalize(c: GraphConverter, x: SSAValue, axes: list[int], eps: float, part: str,
              scale: SSAValue | None = None, bias: SSAValue | None = None) -> Build:
    """The `kernel.normalize` of `x` over `axes` (scale/bias already memrefs), to build."""
    props = {"axes": ints(axes), "epsilon": FloatAttr(eps, f32), "part": StringAttr(part)}
    operands = [c.memref(x), [] if scale is None else [scale], [] if bias is None else [bias]]
    return lambda dest: kernel.NormalizeOp.build(operands=[*operands, dest], properties=props)


def channel_params(c: GraphConverter, x: SSAValue, *params: SSAValue) -> list[SSAValue]:
    """Per-channel [C] tensors as [C, 1, ...] views broadcasting over X's dim 1."""
    rank = len(shape_of(x))
    shape = MemRefType(f32, (shape_of(x)[1],) + (1,) * (rank - 2))
    return [c.view(c.memref(p), shape) for p in params]


def batchnorm_training(c: GraphConverter, op: onnx.BatchNormalizationOp) -> None:
    _f32_only(op, op.X)
    rank, eps = len(shape_of(op.X)), attr_float(op, "epsilon", 1e-5)
    axes = [0, *range(2, rank)]
    scale, bias = channel_params(c, op.X, op.scale, op.B)
    c.define(op.Y, normalize(c, op.X, axes, eps, "normalize", scale, bias))
    momentum = attr_float(op, "momentum", 0.9)
    for result, running, part in ((op.running_mean, op.input_mean, "mean"),
                                  (op.running_var, op.input_var, "var")):
        if result is None or not c.needed(result):
            continue
        stat = c.buffer(MemRefType(f32, shape_of(result)))
        c.insert(normalize(c, op.X, axes, eps, part)(stat))
        old = Node("mul", (c.expr(running), Node("const", value=momentum)))
        new = Node("mul", (Leaf(stat), Node("const", value=1.0 - momentum)))
        c.define_map(result, Node("add", (old, new)))


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
    scale = c.memref(op.Scale)
    bias = c.memref(op.B) if op.B is not None else None
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
