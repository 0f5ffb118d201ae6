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

import numpy as np
from xdsl.dialects import func
from xdsl.dialects.builtin import (
    DenseIntOrFPElementsAttr,
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

from tcompiler import ir_names
from tcompiler.dialects import kernel, onnx
from tcompiler.dialects.onnx import node_name, shape_of
from tcompiler.errors import UnsupportedModelError
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
        new_main.attributes[ir_names.GRAPH] = UnitAttr()
        self.main.detach()
        self.main.erase(safe_erase=False)
        self.module.body.block.insert_op_before(new_main, self.module.body.block.first_op) \
            if self.module.body.block.first_op else self.module.body.block.add_op(new_main)

    def convert(self, op: Operation) -> None:
        from tcompiler.kernels.rules import RULES

        handler = RULES.get(type(op))
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
            name = _constant_name(owner, value)
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
        fusible = isinstance(pending, (Leaf, Node)) and size(pending) < MAX_FUSED_EXPR
        if fusible and shape_of(value) == out_shape:
            del self.pending[value]
            return pending
        const = _splat(value)
        if const is not None:
            ty = value.type
            assert isinstance(ty, TensorType)
            return Node("const", value=const, type=ty.element_type)
        return Leaf(self.materialize(value))

    # ------------------------------------------------------------------ shared helpers

    def deferred(self, op_class: type[Operation], inputs: list[SSAValue], kind: str,
                 props: dict[str, Attribute], variadic: bool = False) -> Deferred:
        return Deferred(op_class, [self.materialize(v) for v in inputs], kind, props, variadic)

    def channel_view(self, value: SSAValue, shape: tuple[int, ...]) -> SSAValue:
        view = kernel.ViewOp(self.materialize(value), MemRefType(f32, shape))
        self.block.add_op(view)
        return view.result

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




def _constant_name(owner: onnx.ConstantOp, value: SSAValue) -> str:
    """A readable weight name for a materialized constant: its node name, else its SSA name."""
    if onnx.NODE_NAME in owner.attributes:
        return node_name(owner)
    return value.name_hint or "constant"


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


def _splat(value: SSAValue) -> float | int | None:
    owner = value.owner
    if not isinstance(owner, onnx.ConstantOp):
        return None
    attr = owner.value
    if not isinstance(attr, DenseIntOrFPElementsAttr):
        return None
    values = attr.get_values()
    if not values or any(v != values[0] for v in values):
        return None
    return values[0]


_ELEMENT_TYPES: dict[str, Attribute] = {
    "float32": f32, "int64": i64, "int32": IntegerType(32), "bool": IntegerType(1)}
_NUMPY_TYPES = {"f32": np.float32, "i64": np.int64, "i32": np.int32, "i1": np.bool_}


def _constant_array(op: onnx.ConstantOp) -> np.ndarray:
    """The value of an onnx.Constant as numpy, in its own element type."""
    ty = op.output.type
    assert isinstance(ty, TensorType)
    dtype = _NUMPY_TYPES.get(str(ty.element_type), np.float32)
    return np.array(op.value.get_values(), dtype=dtype).reshape(ty.get_shape())


def constant_of(weights: WeightStore, value: SSAValue) -> np.ndarray | None:
    """The value of a weight or constant, None if it is computed at run time."""
    owner = value.owner
    if isinstance(owner, onnx.InitializerOp):
        return weights[owner.weight_name.data]
    if isinstance(owner, onnx.ConstantOp):
        return _constant_array(owner)
    return None


def known_array(weights: WeightStore, value: SSAValue) -> np.ndarray | None:
    owner = value.owner
    if isinstance(owner, onnx.InitializerOp):
        return weights[owner.weight_name.data]
    if isinstance(owner, onnx.ConstantOp):
        return np.array(owner.value.get_values(), dtype=np.float64).reshape(shape_of(value))
    return None


