"""onnx dialect (tensors) -> kernel dialect (buffers), one op at a time: no fusion here.

`GraphConverter(module, weights, rules).run()` rewrites `@main` in place of the onnx-level one:
arguments become memrefs (inputs, then one destination per output); every op becomes, through
its rule (`rules.RULES`, op class -> rule), either a view of an existing buffer (Reshape,
Flatten, Unsqueeze, Squeeze), an alias of one (Identity, Dropout, a Cast to the same type...),
a weight (initializers, constants), or a `kernel.buffer` and the one kernel op writing it.
Elementwise ops become single-op `kernel.map`s whose bodies inline splat constants. A result
that is returned once is written straight into its output argument.

Outputs whose size depends on input data (`dialects/onnx_detect.dynamic_axis`) get an int64
[1] length argument each, after the outputs (`length(result)`), named `<name>:length` in
`tcc.output_names`, with their axes in `tcc.dynamic_axes` (`program.py`).

Order: a kernel whose result has exactly one use is placed where that use asks for its buffer
(right before its reader, so the buffer lives only from there); any other kernel where its op
stands. Results nobody reads are not computed. (This is the order the fusing converter used to
emit, so the fusion passes that follow leave the same kernels in the same order.)

The rules' interface is the public methods below: `memref`, `expr`, `define`, `define_kernel`,
`define_map`, `destination`, `alias`, `bind`, `view`, `buffer`, `weight`, `insert`, `needed`,
`length`, and `weights`.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from typing import Any

import numpy as np
from xdsl.dialects import func
from xdsl.dialects.builtin import (
    ArrayAttr,
    IntegerAttr,
    MemRefType,
    ModuleOp,
    StringAttr,
    TensorType,
    UnitAttr,
    i64,
)
from xdsl.ir import Attribute, Block, Operation, Region, SSAValue
from xdsl.irdl import IRDLOperation

from tcompiler import ir_names
from tcompiler.dialects import kernel, onnx
from tcompiler.dialects.onnx import ELEMENT_TYPES, dense_value, node_name
from tcompiler.dialects.onnx_detect import dynamic_axis
from tcompiler.errors import UnsupportedModelError
from tcompiler.kernels.expr import Expr, Leaf, Node
from tcompiler.kernels.maps import build_map
from tcompiler.kernels.values import memref_of, splat_of
from tcompiler.weights import WeightStore

Rule = Callable[["GraphConverter", Any], None]
"""rule(converter, op): define every result of `op` (see the module docstring)."""

Build = Callable[[SSAValue], Operation]
"""build(destination) -> the kernel op computing a result into `destination`."""

# Results of these ops live in another op's buffer (or are constants): never in an output.
_NOT_WRITTEN = (onnx.InitializerOp, onnx.ConstantOp, onnx.ReshapeOp, onnx.FlattenOp,
                onnx.UnsqueezeOp, onnx.IdentityOp, onnx.DropoutOp)


class GraphConverter:
    def __init__(self, module: ModuleOp, weights: WeightStore,
                 rules: Mapping[type[Operation], Rule]):
        self.module = module
        self.weights = weights
        self.rules = rules
        main = find_main(module)
        assert main is not None, "module has no @main"
        self.main = main
        self.block = Block()
        self._storage: dict[SSAValue, SSAValue] = {}
        self._deferred: dict[SSAValue, Build] = {}
        self._uses: dict[SSAValue, int] = {}
        self._slots: dict[SSAValue, SSAValue] = {}
        self._lengths: dict[SSAValue, SSAValue] = {}

    # ------------------------------------------------------------------ driver

    def run(self) -> None:
        old = self.main.body.block
        ret = old.last_op
        assert isinstance(ret, func.ReturnOp)
        returned = list(ret.arguments)
        dynamic = [v for v in returned if dynamic_axis(v) is not None]
        in_types = [memref_of(a.type) for a in old.args]
        self.block = Block(arg_types=[*in_types, *(memref_of(v.type) for v in returned),
                                      *(MemRefType(i64, (1,)) for _ in dynamic)])
        self._storage.update(zip(old.args, self.block.args))
        out_args = self.block.args[len(in_types):len(in_types) + len(returned)]
        self._lengths = dict(zip(dynamic, self.block.args[len(in_types) + len(returned):]))
        for value, slot in zip(returned, out_args):
            if returned.count(value) == 1 and not isinstance(value.owner, _NOT_WRITTEN):
                self._slots[value] = slot
        for op in old.ops:
            for operand in op.operands:
                self._uses[operand] = self._uses.get(operand, 0) + 1
        for op in list(old.ops)[:-1]:
            self._convert(op)
        for value, slot in zip(returned, out_args):
            src = self.memref(value)
            if src is not slot:
                self.insert(kernel.CopyOp.build(operands=[src, slot]))
        self.block.add_op(func.ReturnOp())
        self._replace_main()
        if dynamic:
            self._name_lengths(returned, dynamic)

    def _convert(self, op: Operation) -> None:
        rule = self.rules.get(type(op))
        if rule is None:
            raise UnsupportedModelError([f"{op.name} ({node_name(op)}) has no kernel lowering"])
        rule(self, op)

    def _replace_main(self) -> None:
        new_main = func.FuncOp("main", (list(self.block.arg_types), []), Region(self.block))
        for name, attr in self.main.attributes.items():
            if name not in ("function_type", "sym_name"):
                new_main.attributes[name] = attr
        new_main.attributes[ir_names.GRAPH] = UnitAttr()
        self.module.body.block.insert_op_before(new_main, self.main)
        self.main.detach()
        self.main.erase(safe_erase=False)

    def _name_lengths(self, returned: list[SSAValue], dynamic: list[SSAValue]) -> None:
        main = find_main(self.module)
        assert main is not None
        names = main.attributes.get(ir_names.OUTPUT_NAMES)
        assert isinstance(names, ArrayAttr)
        out_names = [n.data for n in names.data if isinstance(n, StringAttr)]
        lengths = [out_names[returned.index(v)] + ":length" for v in dynamic]
        main.attributes[ir_names.OUTPUT_NAMES] = ArrayAttr(
            [StringAttr(n) for n in [*out_names, *lengths]])
        axes = [dynamic_axis(v) for v in returned]
        main.attributes[ir_names.DYNAMIC_AXES] = ArrayAttr(
            [IntegerAttr(-1 if a is None else a, i64) for a in axes])

    # ------------------------------------------------------------------ values

    def memref(self, value: SSAValue) -> SSAValue:
        """The buffer holding `value`; a deferred kernel computing it is placed now."""
        if value in self._storage:
            return self._storage[value]
        owner = value.owner
        if isinstance(owner, onnx.InitializerOp):
            weight = self.insert(kernel.WeightOp(owner.weight_name.data, memref_of(value.type)))
            self._storage[value] = weight.results[0]
            return weight.results[0]
        if isinstance(owner, onnx.ConstantOp):
            name = node_name(owner) if onnx.NODE_NAME in owner.attributes else (
                value.name_hint or "constant")
            self._storage[value] = self.weight(dense_value(owner.value), name)
            return self._storage[value]
        build = self._deferred.pop(value, None)
        if build is None:
            raise AssertionError(f"no rule defined {value} before its use")
        dest = self._slots.pop(value, None)
        if dest is None:
            dest = self.buffer(memref_of(value.type))
            dest.name_hint = value.name_hint  # the ONNX tensor's name, for plans and reports
        self._storage[value] = dest
        self.insert(build(dest))
        return dest

    def expr(self, value: SSAValue) -> Expr:
        """`value` as an operand of an elementwise expression: a splat constant is a `const`
        node (no buffer), anything else the leaf of its buffer."""
        splat = splat_of(value)
        if splat is not None:
            ty = value.type
            assert isinstance(ty, TensorType)
            return Node("const", value=splat, type=ty.element_type)
        return Leaf(self.memref(value))

    def length(self, result: SSAValue) -> SSAValue:
        """The int64 [1] length output of `result`, a model output whose size depends on
        input data (the frontend admits such values as model outputs only)."""
        return self._lengths[result]

    def needed(self, result: SSAValue) -> bool:
        """Whether anything reads `result` (an op or the return)."""
        return self._uses.get(result, 0) > 0 or result in self._slots

    # ------------------------------------------------------------------ definitions

    def define(self, result: SSAValue, build: Build) -> None:
        """`result` is computed by the kernel op `build(destination)`: placed at once unless
        the result has one use (then when that use asks for it); dropped if nobody reads it."""
        if not self.needed(result):
            return
        self._deferred[result] = build
        if self._uses.get(result, 0) != 1:
            self.memref(result)

    def define_kernel(self, result: SSAValue, op_class: type[IRDLOperation],
                      operands: Sequence[SSAValue | Sequence[SSAValue] | None],
                      properties: Mapping[str, Attribute]) -> None:
        """result = op_class(*operands, destination) with `properties` (operands: memrefs,
        a list for a variadic operand, None or [] for an absent optional one)."""
        self.define(result, lambda dest: op_class.build(
            operands=[*operands, dest], properties=dict(properties)))

    def define_map(self, result: SSAValue, expr: Expr) -> None:
        """result = `expr` elementwise: a `kernel.map` (a `kernel.copy` for a bare buffer)."""
        if isinstance(expr, Leaf):
            self.define(result, lambda dest: kernel.CopyOp.build(operands=[expr.value, dest]))
            return
        self.define(result, lambda dest: build_map(expr, dest))

    def destination(self, result: SSAValue) -> SSAValue:
        """The buffer an op that writes several results itself (a loop's call) writes `result`
        to: its output argument if it is returned once, else a new buffer."""
        dest = self._slots.pop(result, None)
        if dest is None:
            dest = self.buffer(memref_of(result.type))
            dest.name_hint = result.name_hint
        self._storage[result] = dest
        return dest

    def alias(self, result: SSAValue, source: SSAValue) -> None:
        """`result` holds the same elements as `source` (no kernel). A deferred source with
        this one use is computed straight into wherever `result` goes."""
        if source in self._deferred and self._uses.get(source) == 1:
            self.define(result, self._deferred.pop(source))
            return
        self._storage[result] = self.memref(source)

    def bind(self, result: SSAValue, memref: SSAValue) -> None:
        """`result` is held in `memref` (a view or a weight the rule made)."""
        self._storage[result] = memref

    # ------------------------------------------------------------------ graph-level ops

    def insert(self, op: Operation) -> Operation:
        """Append `op` to the new `@main`."""
        self.block.add_op(op)
        return op

    def buffer(self, ty: MemRefType[Attribute]) -> SSAValue:
        return self.insert(kernel.BufferOp(ty)).results[0]

    def view(self, memref: SSAValue, ty: MemRefType[Attribute]) -> SSAValue:
        """The elements of `memref` seen with type `ty` (a `kernel.view`)."""
        return self.insert(kernel.ViewOp(memref, ty)).results[0]

    def weight(self, array: np.ndarray, name: str) -> SSAValue:
        """A new weight holding `array` (of an `ELEMENT_TYPES` dtype, kept), stored under
        `name` or a fresh variant of it."""
        dtype = array.dtype
        element = ELEMENT_TYPES.get(dtype.name)
        if element is None:
            raise UnsupportedModelError([f"constant {name!r} of element type {dtype.name}"])
        stored = self.weights.add(name, np.ascontiguousarray(array, dtype=dtype))
        return self.insert(kernel.WeightOp(stored, MemRefType(element, array.shape))).results[0]


def find_main(module: ModuleOp) -> func.FuncOp | None:
    """The function `@main` of `module`, if it has one."""
    for op in module.body.block.ops:
        if isinstance(op, func.FuncOp) and op.sym_name.data == "main":
            return op
    return None
