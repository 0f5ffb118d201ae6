"""A checked, shape-inferred, supported ONNX graph -> `builtin.module { func.func @main }`.

Generic, as torch-mlir's importer: every node becomes the `ONNX_OPS` class of its op type,
operands in ONNX input order (absent optional inputs left out), results typed from shape
inference (outputs the dialect has no result for, e.g. MaxPool Indices, are dropped), ONNX
attributes as properties, the node name in `onnx.name`. Initializers and Constant nodes of at
most `SMALL` elements become inline `onnx.Constant`s; larger ones go to the `WeightStore` and
are read through `onnx.initializer` ops, emitted just before their first use.

`check_importable` reports, before anything is built, attributes the dialect does not know
(`UnsupportedModelError`) and outputs without a static shape (`ShapeError`).
"""

from __future__ import annotations

import re
from collections import defaultdict
from dataclasses import dataclass, field

import numpy as np
import onnx
from xdsl.dialects import func
from xdsl.dialects.builtin import ArrayAttr, ModuleOp, StringAttr, TensorType
from xdsl.ir import Attribute, Block, Operation, Region, SSAValue
from xdsl.irdl import OptionalDef, VariadicDef
from xdsl.utils.exceptions import VerifyException

from tcompiler import ir_names
from tcompiler.dialects.onnx import (
    ELEMENT_TYPES,
    NODE_NAME,
    ONNX_OPS,
    ConstantOp,
    InitializerOp,
    dense_attr,
    dense_value,
    dtype_of,
)
from tcompiler.dialects.onnx_control import LoopOp, YieldOp
from tcompiler.errors import ModelError, UnsupportedModelError
from tcompiler.frontend.convert import attribute, constant_array, tensor_array, tensor_type
from tcompiler.frontend.fold import SMALL
from tcompiler.frontend.load import default_opset, one_line
from tcompiler.frontend.loops import body_model, captured_names
from tcompiler.frontend.op_types import element_type_problems
from tcompiler.frontend.shapes import graph_inputs, require_static, value_types
from tcompiler.frontend.support import SUPPORTED_DTYPES, node_label
from tcompiler.frontend.writer import graph_attr
from tcompiler.program import TensorSpec
from tcompiler.weights import WeightStore


def imported_outputs(node: onnx.NodeProto) -> list[str]:
    """The outputs of `node` that become results (by the op class's result definitions)."""
    if node.op_type == "Constant":
        return []
    if node.op_type == "Loop":
        return list(node.output)
    defs = ONNX_OPS[node.op_type].get_irdl_definition().results
    if any(_is_variadic(d) for _, d in defs):  # Split: one result per output
        return [out for out in node.output if out]
    return [out for out in list(node.output)[: len(defs)] if out]


def _is_variadic(d: object) -> bool:
    """A variadic result definition (OptionalDef subclasses VariadicDef but takes at most one)."""
    return isinstance(d, VariadicDef) and not isinstance(d, OptionalDef)


def check_importable(proto: onnx.ModelProto, opset: int, name: str, label: str) -> None:
    """Raise for attributes or result element types the dialect lacks, then for dynamic shapes."""
    unknown: dict[str, list[str]] = defaultdict(list)
    types = value_types(proto)
    for index, node in enumerate(proto.graph.node):
        if node.op_type == "Loop":  # a real loop: its body is checked when it is imported
            continue
        props = ONNX_OPS[node.op_type].get_irdl_definition().properties
        for attr in node.attribute:
            if node.op_type != "Constant" and (attr.name not in props or attribute(attr) is None):
                unknown[f"{node.op_type} attribute '{attr.name}' (opset {opset})"].append(
                    node_label(node, index))
        for output in imported_outputs(node):
            ty = types.get(output)
            if ty is not None and ty.tensor_type.elem_type not in SUPPORTED_DTYPES:
                kind = onnx.TensorProto.DataType.Name(ty.tensor_type.elem_type).lower()
                unknown[f"element type {kind}"].append(f"{output} (node {node_label(node, index)})")
    for problem, nodes in element_type_problems(proto, types).items():
        unknown[problem] += nodes
    if unknown:
        problems = [f"{what}: nodes {', '.join(nodes)}" for what, nodes in unknown.items()]
        raise UnsupportedModelError(problems, name)
    outputs = [
        (index, node, out) for index, node in enumerate(proto.graph.node)
        for out in imported_outputs(node)
    ]
    require_static(proto, outputs, label)


def build_module(
    proto: onnx.ModelProto, weights: WeightStore, label: str
) -> tuple[ModuleOp, list[TensorSpec], list[TensorSpec]]:
    graph = proto.graph
    types = value_types(proto)
    inputs = graph_inputs(proto)
    block = Block(arg_types=[tensor_type(v.type) for v in inputs])
    builder = _Builder(block, weights, types, {i.name: i for i in graph.initializer}, label,
                       default_opset(proto))
    for arg, value in zip(block.args, inputs, strict=True):
        builder.bind(value.name, arg)
    for index, node in enumerate(graph.node):
        builder.node(node, index)
    results = [builder.value(out.name) for out in graph.output]
    block.add_op(func.ReturnOp(*results))
    signature = ([a.type for a in block.args], [r.type for r in results])
    main = func.FuncOp("main", signature, Region(block))
    main.attributes[ir_names.INPUT_NAMES] = ArrayAttr([StringAttr(v.name) for v in inputs])
    main.attributes[ir_names.OUTPUT_NAMES] = ArrayAttr([StringAttr(v.name) for v in graph.output])
    in_specs = [_spec(v.name, arg.type) for v, arg in zip(inputs, block.args, strict=True)]
    out_specs = [_spec(v.name, r.type) for v, r in zip(graph.output, results, strict=True)]
    return ModuleOp([main]), in_specs, out_specs


def _spec(name: str, ty: Attribute) -> TensorSpec:
    assert isinstance(ty, TensorType)
    return TensorSpec(name, tuple(ty.get_shape()), dtype_of(ty.element_type).name)


@dataclass
class _Builder:
    block: Block
    weights: WeightStore
    types: dict[str, onnx.TypeProto]
    initializers: dict[str, onnx.TensorProto]
    label: str
    opset: int
    values: dict[str, SSAValue] = field(default_factory=dict[str, SSAValue])

    def bind(self, name: str, value: SSAValue) -> None:
        value.name_hint = _hint(name)
        self.values[name] = value

    def value(self, name: str) -> SSAValue:
        if name not in self.values:
            self._emit_tensor(name, tensor_array(self.initializers[name]), None)
        return self.values[name]

    def node(self, node: onnx.NodeProto, index: int) -> None:
        label = node_label(node, index)
        if node.op_type == "Constant":
            value = constant_array(node)
            assert value is not None, "support.py rejects string and sparse constants"
            self._emit_tensor(node.output[0], value, label)
            return
        if node.op_type == "Loop":
            self._loop(node, label)
            return
        op_cls = ONNX_OPS[node.op_type]
        definition = op_cls.get_irdl_definition()
        operands = self._operands(node, definition.operands)
        outputs = imported_outputs(node)
        result_types: list[Attribute | list[Attribute]] = []
        for i, (_, d) in enumerate(definition.results):
            if _is_variadic(d):
                result_types.append([tensor_type(self.types[o]) for o in node.output[i:] if o])
                continue
            out = node.output[i] if i < len(node.output) else ""
            types: list[Attribute] = [tensor_type(self.types[out])] if out else []
            result_types.append(types if isinstance(d, OptionalDef) else types[0])
        properties = {a.name: attribute(a) for a in node.attribute}
        op = op_cls.build(operands=operands, result_types=result_types, properties=properties,
                          attributes={NODE_NAME: StringAttr(label)})
        self._add(op, label)
        for out, result in zip(outputs, op.results, strict=True):
            self.bind(out, result)

    def _loop(self, node: onnx.NodeProto, label: str) -> None:
        """A Loop kept as a real loop (`loops.real_loop`): its body imported as a model of its
        own (checked as the main graph is) into the region of an `onnx.Loop`."""
        proto = body_model(node, self.types, self.opset)
        check_importable(proto, self.opset, self.label, f"{self.label}: node {label}")
        body, _, _ = build_module(proto, self.weights, f"{self.label}: node {label}")
        main = body.body.block.first_op
        assert isinstance(main, func.FuncOp)
        block = main.body.detach_block(0)
        ret = block.last_op
        assert isinstance(ret, func.ReturnOp)
        block.insert_op_before(YieldOp(*ret.arguments), ret)
        block.erase_op(ret)
        trip = node.input[0]
        carried = [self.value(n) for n in node.input[2:]]
        captured = [self.value(n) for n in captured_names(graph_attr(node, "body"))]
        trips, trip_input = -1, self.value(trip) if trip else None
        if trip_input is not None and isinstance(trip_input.owner, ConstantOp):
            trips = int(dense_value(trip_input.owner.value).reshape(-1)[0])
            trip_input = None
        types = [tensor_type(self.types[o]) for o in node.output]
        op = LoopOp(trip_input, carried, captured, trips, types, block)
        op.attributes[NODE_NAME] = StringAttr(label)
        self._add(op, label)
        for out, result in zip(node.output, op.results, strict=True):
            self.bind(out, result)

    def _operands(self, node: onnx.NodeProto, defs: list) -> list[SSAValue | list[SSAValue]]:
        names = list(node.input)
        operands: list[SSAValue | list[SSAValue]] = []
        for i, (_, d) in enumerate(defs):
            if isinstance(d, OptionalDef):
                present = i < len(names) and names[i]
                operands.append([self.value(names[i])] if present else [])
            elif isinstance(d, VariadicDef):
                operands.append([self.value(n) for n in names[i:] if n])
            else:
                operands.append(self.value(names[i]))
        return operands

    def _emit_tensor(self, name: str, value: np.ndarray, label: str | None) -> None:
        attributes = {} if label is None else {NODE_NAME: StringAttr(label)}
        if value.size <= SMALL:
            attr = dense_attr(value)
            op: Operation = ConstantOp.build(properties={"value": attr}, result_types=[attr.type],
                                             attributes=attributes)
        else:
            stored = self.weights.add(name, value)
            ty = TensorType(ELEMENT_TYPES[value.dtype.name], value.shape)
            op = InitializerOp(stored, ty)
            op.attributes.update(attributes)
        self._add(op, label or name)
        self.bind(name, op.results[0])

    def _add(self, op: Operation, label: str) -> None:
        try:
            op.verify()
        except VerifyException as err:
            message = f"{self.label}: node {label} ({op.name}) is invalid: {one_line(err)}"
            raise ModelError(message) from None
        self.block.add_op(op)


def _hint(name: str) -> str:
    hint = re.sub(r"[^A-Za-z0-9_]", "_", name)
    return hint if hint and not hint[0].isdigit() else f"v{hint}"

