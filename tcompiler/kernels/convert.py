"""onnx dialect (tensors) -> kernel dialect (buffers + one function per distinct kernel).

`GraphConverter(module, weights).run()` rewrites `@main` in place of the onnx-level one:
arguments become memrefs (inputs, then one destination per output), every op becomes either a
view of an existing buffer (Reshape, Flatten, Unsqueeze, Identity, Dropout), a weight
(initializers, constants), or part of a kernel call. Fusion (see `fusion.py`): conv/gemm
absorb a following residual Add and Relu; elementwise ops (Add, Mul, Sum, Relu,
BatchNormalization) fuse into one `kernel.map` when each intermediate has one use and the
consumer's shape. A result that is returned is written straight into its output buffer.
"""

from __future__ import annotations

from typing import Any

import numpy as np
from xdsl.dialects import func
from xdsl.dialects.builtin import (
    ArrayAttr,
    DenseIntOrFPElementsAttr,
    FloatAttr,
    IntegerAttr,
    IntegerType,
    MemRefType,
    ModuleOp,
    StringAttr,
    TensorType,
    UnitAttr,
    f32,
    i64,
)
from xdsl.ir import Attribute, Block, Operation, Region, SSAValue

from tcompiler.dialects import kernel, onnx
from tcompiler.dialects.kernel import ints
from tcompiler.dialects.onnx import attr_float, attr_int, attr_ints, node_name, shape_of
from tcompiler.errors import UnsupportedModelError
from tcompiler.kernels.attrs import conv_props, normalize_axis, pool_props
from tcompiler.kernels.emit import KernelTable, build_map
from tcompiler.kernels.fusion import (
    Deferred,
    Expr,
    Leaf,
    Node,
    Pending,
    PendingConv,
    PendingGemm,
    size,
)
from tcompiler.weights import WeightStore

MAX_FUSED_EXPR = 24
GRAPH_ATTR = "tcc.graph"


def memref_of(ty: Attribute) -> MemRefType[Attribute]:
    assert isinstance(ty, TensorType)
    return MemRefType(ty.element_type, ty.get_shape())


class GraphConverter:
    def __init__(self, module: ModuleOp, weights: WeightStore):
        self.module = module
        self.weights = weights
        self.main = _find_main(module)
        self.kernels = KernelTable(module)
        self.storage: dict[SSAValue, SSAValue] = {}
        self.pending: dict[SSAValue, Pending] = {}
        self.uses: dict[SSAValue, int] = {}
        self.output_slot: dict[SSAValue, SSAValue] = {}
        self.block = Block()

    # ------------------------------------------------------------------ driver

    def run(self) -> None:
        old = self.main.body.block
        ret = old.last_op
        assert isinstance(ret, func.ReturnOp)
        in_types = [memref_of(a.type) for a in old.args]
        out_types = [memref_of(v.type) for v in ret.arguments]
        self.block = Block(arg_types=[*in_types, *out_types])
        for arg, new in zip(old.args, self.block.args):
            self.storage[arg] = new
        out_args = self.block.args[len(in_types):]
        returned = [v for v in ret.arguments]
        for value, slot in zip(returned, out_args):
            if returned.count(value) == 1 and not _is_source(value):
                self.output_slot[value] = slot
        for op in old.ops:
            for operand in op.operands:
                self.uses[operand] = self.uses.get(operand, 0) + 1
        for op in list(old.ops):
            if op is ret:
                break
            self.convert(op)
        for value, slot in zip(returned, out_args):
            src = self.materialize(value)
            if src is not slot:
                self.launch(kernel.CopyOp.build(operands=[src, slot]), "copy")
        self.block.add_op(func.ReturnOp())
        new_main = func.FuncOp("main", (list(self.block.arg_types), []), Region(self.block))
        new_main.attributes.update(self.main.attributes)
        new_main.attributes.pop("function_type", None)
        new_main.attributes.pop("sym_name", None)
        new_main.attributes[GRAPH_ATTR] = UnitAttr()
        self.main.detach()
        self.main.erase(safe_erase=False)
        self.module.body.block.insert_op_before(new_main, self.module.body.block.first_op) \
            if self.module.body.block.first_op else self.module.body.block.add_op(new_main)

    def convert(self, op: Operation) -> None:
        handler = _HANDLERS.get(type(op))
        if handler is None:
            raise UnsupportedModelError([f"{op.name} ({node_name(op)}) has no kernel lowering"])
        handler(self, op)

    # ------------------------------------------------------------------ storage

    def launch(self, op: Operation, kind: str) -> None:
        self.block.add_op(self.kernels.call(op, kind))

    def destination(self, value: SSAValue) -> SSAValue:
        slot = self.output_slot.pop(value, None)
        if slot is not None:
            return slot
        buf = kernel.BufferOp(memref_of(value.type))
        self.block.add_op(buf)
        return buf.result

    def materialize(self, value: SSAValue) -> SSAValue:
        if value in self.storage:
            return self.storage[value]
        owner = value.owner
        if isinstance(owner, onnx.InitializerOp):
            self.storage[value] = _weight_ref(self.block, owner.weight_name.data, value.type)
            return self.storage[value]
        if isinstance(owner, onnx.ConstantOp):
            name = node_name(owner).replace("/", "_") or "constant"
            self.storage[value] = self.weight(_constant_array(owner), name)
            return self.storage[value]
        pending = self.pending.pop(value, None)
        if pending is None:
            raise AssertionError(f"value {value} was never defined")
        dest = self.destination(value)
        self.storage[value] = dest
        self.emit_pending(pending, dest)
        return dest

    def emit_pending(self, pending: Pending, dest: SSAValue) -> None:
        if isinstance(pending, PendingConv):
            o = pending.operands
            props = dict(pending.props)
            if pending.activation != "none":
                props["activation"] = StringAttr(pending.activation)
            self.launch(kernel.ConvOp.build(
                operands=[o["X"], o["W"], o.get("B"), pending.residual, dest], properties=props),
                "conv")
            return
        if isinstance(pending, PendingGemm):
            o = pending.operands
            props = dict(pending.props)
            if pending.activation != "none":
                props["activation"] = StringAttr(pending.activation)
            self.launch(kernel.GemmOp.build(operands=[o["A"], o["B"], o.get("C"), dest],
                                            properties=props), "gemm")
            return
        if isinstance(pending, Deferred):
            operands = [pending.inputs, dest] if pending.variadic else [*pending.inputs, dest]
            self.launch(pending.op_class.build(operands=operands, properties=pending.props),
                        pending.kind)
            return
        if isinstance(pending, Leaf):
            self.launch(kernel.CopyOp.build(operands=[pending.value, dest]), "copy")
            return
        self.launch(build_map(pending, dest), "map")

    def define(self, result: SSAValue, pending: Pending) -> None:
        """`result` is computed by `pending`; keep it open for fusion if it has one use."""
        uses = self.uses.get(result, 0)
        if uses == 0 and result not in self.output_slot:
            return
        self.pending[result] = pending
        if uses != 1:
            self.materialize(result)

    def alias(self, result: SSAValue, source: SSAValue) -> None:
        if source in self.pending and self.uses.get(source) == 1:
            self.define(result, self.pending.pop(source))
            return
        self.storage[result] = self.materialize(source)

    def weight(self, array: np.ndarray, name: str) -> SSAValue:
        """A weight holding `array`: floats as f32, int64/int32/bool as they are."""
        dtype = np.dtype(np.float32) if array.dtype.kind == "f" else array.dtype
        element = _ELEMENT_TYPES.get(dtype.name)
        if element is None:
            raise UnsupportedModelError([f"constant {name!r} of element type {dtype.name}"])
        stored = self.weights.add(name, np.ascontiguousarray(array, dtype=dtype))
        op = kernel.WeightOp(stored, MemRefType(element, array.shape))
        self.block.add_op(op)
        return op.result

    # ------------------------------------------------------------------ expressions

    def expr(self, value: SSAValue, out_shape: tuple[int, ...]) -> Expr:
        """`value` as an expression operand of an elementwise op producing `out_shape`."""
        pending = self.pending.get(value)
        if isinstance(pending, (Leaf, Node)) and shape_of(value) == out_shape and size(pending) < MAX_FUSED_EXPR:
            del self.pending[value]
            return pending
        const = _splat(value)
        if const is not None:
            return Node("const", value=const)
        return Leaf(self.materialize(value))

    # ------------------------------------------------------------------ op handlers

    def on_source(self, op: Operation) -> None:
        """Weights and constants become buffers when (and if) a kernel reads them."""

    def on_view(self, op: Operation) -> None:
        source = self.materialize(op.operands[0])
        view = kernel.ViewOp(source, memref_of(op.results[0].type))
        self.block.add_op(view)
        self.storage[op.results[0]] = view.result

    def on_identity(self, op: Operation) -> None:
        self.alias(op.results[0], op.operands[0])

    def on_dropout(self, op: onnx.DropoutOp) -> None:
        """Inference Dropout (or training with ratio 0) is the identity; its mask all true."""
        training = _constant_of(self.weights, op.training_mode) if op.training_mode else None
        ratio = _constant_of(self.weights, op.ratio) if op.ratio else None
        if op.training_mode is not None and (training is None or training.any()):
            if ratio is None or ratio.any():
                raise UnsupportedModelError([
                    f"Dropout ({node_name(op)}): training mode with a nonzero or unknown ratio "
                    "(random output)"])
        self.alias(op.output, op.data)
        if op.mask is not None and op.mask.uses:
            mask = np.ones(shape_of(op.mask), dtype=np.bool_)
            self.storage[op.mask] = self.weight(mask, f"{node_name(op) or 'dropout'}.mask")

    def on_conv(self, op: onnx.ConvOp) -> None:
        p = conv_props(op)
        operands = {"X": self.materialize(op.X), "W": self.materialize(op.W)}
        if op.B is not None:
            operands["B"] = self.materialize(op.B)
        props = {"strides": ints(p["strides"]), "pads": ints(p["pads"]),
                 "dilations": ints(p["dilations"]), "group": IntegerAttr(p["group"], i64)}
        self.define(op.Y, PendingConv(operands, props, names=[node_name(op)]))

    def on_gemm(self, op: onnx.GemmOp) -> None:
        operands = {"A": self.materialize(op.A), "B": self.materialize(op.B)}
        if op.C is not None:
            operands["C"] = self.materialize(op.C)
        props = {"trans_a": IntegerAttr(attr_int(op, "transA", 0), i64),
                 "trans_b": IntegerAttr(attr_int(op, "transB", 0), i64),
                 "alpha": FloatAttr(attr_float(op, "alpha", 1.0), f32),
                 "beta": FloatAttr(attr_float(op, "beta", 1.0), f32)}
        self.define(op.Y, PendingGemm(operands, props, names=[node_name(op)]))

    def on_relu(self, op: onnx.ReluOp) -> None:
        pending = self.pending.get(op.X)
        if isinstance(pending, (PendingConv, PendingGemm)) and pending.activation == "none":
            del self.pending[op.X]
            pending.activation = "relu"
            self.define(op.Y, pending)
            return
        out = shape_of(op.Y)
        self.define(op.Y, Node("max", (self.expr(op.X, out), Node("const", value=0.0))))

    def on_add(self, op: onnx.AddOp) -> None:
        self.add(op.A, op.B, op.C)

    def add(self, a: SSAValue, b: SSAValue, result: SSAValue) -> None:
        """result = a + b, as a conv's residual epilogue if one side is a pending conv."""
        out = shape_of(result)
        for this, other in ((a, b), (b, a)):
            pending = self.pending.get(this)
            if (isinstance(pending, PendingConv) and pending.residual is None
                    and pending.activation == "none" and this is not other
                    and shape_of(other) == out == shape_of(this)):
                del self.pending[this]
                pending.residual = self.materialize(other)
                self.define(result, pending)
                return
        self.define(result, Node("add", (self.expr(a, out), self.expr(b, out))))

    def on_mul(self, op: onnx.MulOp) -> None:
        out = shape_of(op.C)
        self.define(op.C, Node("mul", (self.expr(op.A, out), self.expr(op.B, out))))

    def on_sum(self, op: onnx.SumOp) -> None:
        if len(op.data_0) == 2:
            self.add(op.data_0[0], op.data_0[1], op.sum)
            return
        out = shape_of(op.sum)
        terms = [self.expr(v, out) for v in op.data_0]
        expr = terms[0]
        for term in terms[1:]:
            expr = Node("add", (expr, term))
        if len(terms) == 1:
            expr = Node("add", (expr, Node("const", value=0.0)))
        self.define(op.sum, expr)

    def on_batchnorm(self, op: onnx.BatchNormalizationOp) -> None:
        x = shape_of(op.X)
        channel_shape = (x[1],) + (1,) * (len(x) - 2)
        eps = attr_float(op, "epsilon", 1e-5)
        params = [_known_array(self.weights, v) for v in (op.scale, op.B, op.input_mean, op.input_var)]
        if all(p is not None for p in params):
            gamma, beta, mean, var = (p.astype(np.float64) for p in params)  # type: ignore[union-attr]
            scale = gamma / np.sqrt(var + eps)
            shift = beta - mean * scale
            name = node_name(op)
            s = Leaf(self.weight(scale.reshape(channel_shape), f"{name}.scale"))
            t = Leaf(self.weight(shift.reshape(channel_shape), f"{name}.shift"))
            self.define(op.Y, Node("add", (Node("mul", (self.expr(op.X, x), s)), t)))
            return
        gamma, beta, mean, var = (Leaf(self.channel_view(v, channel_shape))
                                  for v in (op.scale, op.B, op.input_mean, op.input_var))
        inv = Node("div", (gamma, Node("sqrt", (Node("add", (var, Node("const", value=eps))),))))
        centered = Node("sub", (self.expr(op.X, x), mean))
        self.define(op.Y, Node("add", (Node("mul", (centered, inv)), beta)))

    def deferred(self, op_class: type[Operation], inputs: list[SSAValue], kind: str,
                 props: dict[str, Attribute], variadic: bool = False) -> Deferred:
        return Deferred(op_class, [self.materialize(v) for v in inputs], kind, props, variadic)

    def channel_view(self, value: SSAValue, shape: tuple[int, ...]) -> SSAValue:
        view = kernel.ViewOp(self.materialize(value), MemRefType(f32, shape))
        self.block.add_op(view)
        return view.result

    def on_pool(self, op: Operation) -> None:
        p = pool_props(op)
        kind = "max" if isinstance(op, onnx.MaxPoolOp) else "avg"
        self.define(op.results[0], self.deferred(kernel.PoolOp, [op.operands[0]], f"{kind}pool", {
            "kind": StringAttr(kind), "kernel_shape": ints(p["kernel_shape"]),
            "strides": ints(p["strides"]), "pads": ints(p["pads"]),
            "dilations": ints(p["dilations"]),
            "count_include_pad": IntegerAttr(p["count_include_pad"], i64)}))

    def on_global_pool(self, op: onnx.GlobalAveragePoolOp) -> None:
        spatial = list(shape_of(op.X)[2:])
        n = len(spatial)
        self.define(op.Y, self.deferred(kernel.PoolOp, [op.X], "globalpool", {
            "kind": StringAttr("avg"), "kernel_shape": ints(spatial), "strides": ints([1] * n),
            "pads": ints([0] * (2 * n)), "dilations": ints([1] * n),
            "count_include_pad": IntegerAttr(0, i64)}))

    def on_softmax(self, op: onnx.SoftmaxOp) -> None:
        axis = normalize_axis(attr_int(op, "axis", -1), len(shape_of(op.input)))
        self.define(op.output, self.deferred(kernel.SoftmaxOp, [op.input], "softmax",
                                         {"axis": IntegerAttr(axis, i64)}))

    def on_lrn(self, op: onnx.LRNOp) -> None:
        self.define(op.Y, self.deferred(kernel.LRNOp, [op.X], "lrn", {
            "size": IntegerAttr(op.size.value.data, i64),
            "alpha": FloatAttr(attr_float(op, "alpha", 1e-4), f32),
            "beta": FloatAttr(attr_float(op, "beta", 0.75), f32),
            "bias": FloatAttr(attr_float(op, "bias", 1.0), f32)}))

    def on_transpose(self, op: onnx.TransposeOp) -> None:
        rank = len(shape_of(op.data))
        perm = attr_ints(op, "perm", list(range(rank))[::-1]) or []
        self.define(op.transposed, self.deferred(kernel.TransposeOp, [op.data], "transpose",
                                             {"perm": ints(perm)}))

    def on_concat(self, op: onnx.ConcatOp) -> None:
        axis = normalize_axis(op.axis.value.data, len(shape_of(op.concat_result)))
        self.define(op.concat_result, self.deferred(kernel.ConcatOp, list(op.inputs), "concat",
                                                {"axis": IntegerAttr(axis, i64)}, variadic=True))


_HANDLERS = {
    onnx.InitializerOp: GraphConverter.on_source,
    onnx.ConstantOp: GraphConverter.on_source,
    onnx.ReshapeOp: GraphConverter.on_view,
    onnx.FlattenOp: GraphConverter.on_view,
    onnx.UnsqueezeOp: GraphConverter.on_view,
    onnx.IdentityOp: GraphConverter.on_identity,
    onnx.DropoutOp: GraphConverter.on_dropout,
    onnx.ConvOp: GraphConverter.on_conv,
    onnx.GemmOp: GraphConverter.on_gemm,
    onnx.ReluOp: GraphConverter.on_relu,
    onnx.AddOp: GraphConverter.on_add,
    onnx.MulOp: GraphConverter.on_mul,
    onnx.SumOp: GraphConverter.on_sum,
    onnx.BatchNormalizationOp: GraphConverter.on_batchnorm,
    onnx.MaxPoolOp: GraphConverter.on_pool,
    onnx.AveragePoolOp: GraphConverter.on_pool,
    onnx.GlobalAveragePoolOp: GraphConverter.on_global_pool,
    onnx.SoftmaxOp: GraphConverter.on_softmax,
    onnx.LRNOp: GraphConverter.on_lrn,
    onnx.TransposeOp: GraphConverter.on_transpose,
    onnx.ConcatOp: GraphConverter.on_concat,
}


def _find_main(module: ModuleOp) -> func.FuncOp:
    for op in module.body.block.ops:
        if isinstance(op, func.FuncOp) and op.sym_name.data == "main":
            return op
    raise AssertionError("module has no @main")


def _is_source(value: SSAValue) -> bool:
    """Graph inputs, weights and constants cannot be written into an output buffer."""
    owner = value.owner
    return not isinstance(owner, Operation) or isinstance(
        owner, (onnx.InitializerOp, onnx.ConstantOp, onnx.ReshapeOp, onnx.FlattenOp,
                onnx.UnsqueezeOp, onnx.IdentityOp, onnx.DropoutOp))


def _weight_ref(block: Block, name: str, ty: Attribute) -> SSAValue:
    op = kernel.WeightOp(name, memref_of(ty))
    block.add_op(op)
    return op.result


def _splat(value: SSAValue) -> float | None:
    owner = value.owner
    if not isinstance(owner, onnx.ConstantOp):
        return None
    attr = owner.value
    if not isinstance(attr, DenseIntOrFPElementsAttr):
        return None
    values = attr.get_values()
    if not values or any(v != values[0] for v in values):
        return None
    return float(values[0])


_ELEMENT_TYPES: dict[str, Attribute] = {
    "float32": f32, "int64": i64, "int32": IntegerType(32), "bool": IntegerType(1)}
_NUMPY_TYPES = {"f32": np.float32, "i64": np.int64, "i32": np.int32, "i1": np.bool_}


def _constant_array(op: onnx.ConstantOp) -> np.ndarray:
    """The value of an onnx.Constant as numpy, in its own element type."""
    ty = op.output.type
    assert isinstance(ty, TensorType)
    dtype = _NUMPY_TYPES.get(str(ty.element_type), np.float32)
    return np.array(op.value.get_values(), dtype=dtype).reshape(ty.get_shape())


def _constant_of(weights: WeightStore, value: SSAValue) -> np.ndarray | None:
    """The value of a weight or constant, None if it is computed at run time."""
    owner = value.owner
    if isinstance(owner, onnx.InitializerOp):
        return weights[owner.weight_name.data]
    if isinstance(owner, onnx.ConstantOp):
        return _constant_array(owner)
    return None


def _known_array(weights: WeightStore, value: SSAValue) -> np.ndarray | None:
    owner = value.owner
    if isinstance(owner, onnx.InitializerOp):
        return weights[owner.weight_name.data]
    if isinstance(owner, onnx.ConstantOp):
        return np.array(owner.value.get_values(), dtype=np.float64).reshape(shape_of(value))
    return None


__all__ = ["GraphConverter", "ArrayAttr"]
