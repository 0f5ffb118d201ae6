"""Tzer-style IR mutators: each turns a case into a nearby valid case, or None when it does
not apply (or its mutant does not verify).

    mutant = IR_MUTATORS["onnx-insert-op"](case, random.Random(3))   # Case | None

onnx level (`Case.model`; the graph is opened with `onnx_edit.OnnxGraph`, mutated, and
re-solved: shapes re-inferred strictly, outputs re-typed, `onnx.checker` run):
- `onnx-insert-op`: one of the generator's rules (`onnx_ops.RULES`) applied on the graph,
  its result spliced between a value of its type and that value's users, or made an output;
- `onnx-delete-op`: a node removed, its users rewired to a same-typed earlier value;
- `onnx-replace-op`: a node's op replaced by another of the same signature (Relu -> Tanh,
  Add -> Max, Less -> Greater, ReduceSum -> ReduceMax, MaxPool -> AveragePool, ...);
- `onnx-rewire`: an operand replaced by another earlier data value of its type;
- `onnx-attribute`, `onnx-constant`, `onnx-input-shape`: an attribute, an initializer's
  values, or an input's dim changed, and the graph re-solved.
Replacements keep the generator's guards (measured bounds and positivity, see
`onnx_edit`), so Exp, Log, Div and friends stay finite.

kernels and loops levels (`Case.ir`, parsed in tcc's context; the mutant must verify):
- `ir-rewire`: a scalar operand replaced by another dominating value of its type;
- `ir-constant`: an `arith.constant` given a new value;
- `ir-attribute`: a kernel op's integer or float attribute (by its declared type) or an
  `arith.cmpf`/`cmpi` predicate changed;
- `ir-replace-arith`: an arith binary op replaced by another of its type (addf -> maximumf);
- `loops-wrap-for`, `loops-wrap-if` (loops level): a range of ops in a kernel function
  wrapped in a one-trip `scf.for` or an `scf.if` on a true constant.
Integer values that reach an index computation (`arith.index_cast`, index operands of
memref ops) and `index` values are never changed: the mutants stay in bounds.
"""

from __future__ import annotations

import random
from collections.abc import Callable, Iterator
from dataclasses import replace
from typing import cast

import numpy as np
import onnx
from onnx import AttributeProto, helper, numpy_helper
from xdsl.dialects import arith, func, scf
from xdsl.dialects.builtin import (
    AnyFloat,
    FloatAttr,
    IndexType,
    IntegerAttr,
    IntegerType,
    ModuleOp,
)
from xdsl.ir import Attribute, Block, Operation, Region, SSAValue
from xdsl.rewriter import Rewriter
from xdsl.traits import IsolatedFromAbove, IsTerminator

from tcompiler import ir_names
from tcompiler.fuzz.case import Case
from tcompiler.fuzz.onnx_edit import NON_DATA, OnnxGraph, replace_inputs, resolve
from tcompiler.fuzz.onnx_graph import DTYPES, ODD_DIMS, Value, broadcast
from tcompiler.fuzz.onnx_ops import RULES, SINCE

Mutator = Callable[[Case, random.Random], "Case | None"]

TRIES = 6
"""Attempts a mutator makes (each re-solved and checked) before giving up on a case."""


def _mutant(case: Case, name: str, *, model: onnx.ModelProto | None = None,
            module: ModuleOp | None = None) -> Case | None:
    """The mutated case, or None when the mutant does not re-solve / verify."""
    origin = f"mutate-ir:{name}"
    if model is not None:
        try:
            solved = resolve(model)
        except Exception:  # noqa: BLE001 - onnx raises many kinds: the mutant is invalid
            return None
        return replace(case, model=solved.SerializeToString(), origin=origin)
    assert module is not None
    from tcompiler.context import module_text

    try:
        module.verify()
    except Exception:  # noqa: BLE001 - VerifyException and friends: the mutant is invalid
        return None
    return replace(case, ir=module_text(module), origin=origin)


def _open(case: Case) -> OnnxGraph | None:
    if case.model is None:
        return None
    return OnnxGraph.open(onnx.ModelProto.FromString(case.model), case.seed)


def _fits(new: Value, old: Value) -> bool:
    """`new` may stand where `old` stood without breaking the guards made for `old`."""
    return (new.dtype == old.dtype and new.bound <= max(old.bound, 4.0)
            and (new.positive or not old.positive))


# ----------------------------------------------------------------------------- onnx: insert


def onnx_insert_op(case: Case, rng: random.Random) -> Case | None:
    graph = _open(case)
    if graph is None:
        return None
    b = graph.builder(rng.getrandbits(31))
    old = {v.name for v in b.values} | set(graph.values)
    rules = list(RULES.values())
    if not any(rng.choices(rules, [r.weight for r in rules])[0].apply(b) for _ in range(TRIES)):
        return None
    sinks = [v for v in b.values if v.name not in old and not b.uses.get(v.name)]
    if not sinks:
        return None
    made = rng.choice(sinks)
    proto = _rebuilt(graph, b.nodes, b.initializers, b.inputs)
    spliced = _splice(graph, proto, made, rng)
    if spliced is not None and (mutant := _mutant(case, "onnx-insert-op", model=spliced)):
        return mutant
    proto.graph.output.append(helper.make_tensor_value_info(made.name, DTYPES[made.dtype],
                                                            made.shape))
    return _mutant(case, "onnx-insert-op", model=proto)


def _rebuilt(graph: OnnxGraph, nodes: list[onnx.NodeProto],
             initializers: dict[str, np.ndarray], inputs: list[Value]) -> onnx.ModelProto:
    proto = onnx.ModelProto()
    proto.CopyFrom(graph.proto)
    g = proto.graph
    del g.node[:]
    g.node.extend(nodes)
    known = {i.name for i in g.initializer}
    g.initializer.extend(numpy_helper.from_array(a, n) for n, a in initializers.items()
                         if n not in known)
    present = {i.name for i in g.input}
    g.input.extend(helper.make_tensor_value_info(v.name, DTYPES[v.dtype], v.shape)
                   for v in inputs if v.name not in present)
    return proto


def _splice(graph: OnnxGraph, proto: onnx.ModelProto, made: Value,
            rng: random.Random) -> onnx.ModelProto | None:
    """`proto` with the old users of a value like `made` reading `made` instead."""
    weights = {i.name for i in graph.proto.graph.initializer}
    targets = [v for v in graph.data_values() if v.shape == made.shape and v.name not in weights
               and _fits(made, v) and (graph.users(v.name) or v.name in graph.output_names)]
    if not targets:
        return None
    target = rng.choice(targets)
    old_nodes = len(graph.proto.graph.node)
    for node in list(proto.graph.node)[:old_nodes]:
        replace_inputs(node, target.name, made.name)
    for output in proto.graph.output:
        if output.name == target.name and made.name not in graph.output_names:
            output.name = made.name
    return proto


# ----------------------------------------------------------------------------- onnx: delete


def onnx_delete_op(case: Case, rng: random.Random) -> Case | None:
    graph = _open(case)
    if graph is None:
        return None
    order = list(range(len(graph.nodes)))
    rng.shuffle(order)
    for index in order[:TRIES]:
        proto = _deleted(graph, index, rng)
        if proto is not None and (mutant := _mutant(case, "onnx-delete-op", model=proto)):
            return mutant
    return None


def _deleted(graph: OnnxGraph, index: int, rng: random.Random) -> onnx.ModelProto | None:
    node = graph.nodes[index]
    if node.op_type == "Constant":
        return None
    outputs = graph.output_names
    taken = set(outputs) | graph.input_names
    mapping: dict[str, str] = {}
    for name in node.output:
        used = bool(graph.users(name)) or name in outputs
        if not used:
            continue
        old = graph.values.get(name)
        if old is None:
            return None
        choices = [v.name for v in graph.data_values(before=index)
                   if v.shape == old.shape and _fits(v, old)
                   and (name not in outputs or v.name not in taken)]
        if not choices:
            return None
        mapping[name] = rng.choice(choices)
        taken.add(mapping[name])
    proto = onnx.ModelProto()
    proto.CopyFrom(graph.proto)
    del proto.graph.node[index]
    for other in proto.graph.node:
        for old_name, new_name in mapping.items():
            replace_inputs(other, old_name, new_name)
    for output in proto.graph.output:
        output.name = mapping.get(output.name, output.name)
    return proto


# ----------------------------------------------------------------------------- onnx: replace

SAME_SIGNATURE: tuple[tuple[str, ...], ...] = (
    ("Relu", "Sigmoid", "Tanh", "Abs", "Neg", "Erf", "LeakyRelu", "HardSigmoid", "HardSwish",
     "Identity", "Exp", "Log", "Sqrt", "Reciprocal", "Gelu"),
    ("Add", "Sub", "Mul", "Max", "Min", "Div"),
    ("Equal", "Less", "Greater", "LessOrEqual", "GreaterOrEqual"),
    ("And", "Or"),
    ("ReduceSum", "ReduceMean", "ReduceMax", "ReduceMin"),
    ("GlobalAveragePool", "GlobalMaxPool"),
    ("MaxPool", "AveragePool"),
    ("Softmax", "LogSoftmax"),
)
"""Op types that take and give the same types (so one may stand for another)."""

BOUNDED = {"Sigmoid": 1.0, "Tanh": 1.0, "Erf": 1.0, "HardSigmoid": 1.0}
POSITIVE = frozenset({"Sigmoid", "Exp", "Sqrt", "Reciprocal"})
NEEDS_POSITIVE = frozenset({"Log", "Sqrt", "Reciprocal"})
KEPT_ATTRIBUTES = {
    "ReduceSum": {"axes", "keepdims", "noop_with_empty_axes"},
    "MaxPool": {"auto_pad", "ceil_mode", "dilations", "kernel_shape", "pads", "strides",
                "storage_order"},
    "AveragePool": {"auto_pad", "ceil_mode", "count_include_pad", "kernel_shape", "pads",
                    "strides", "dilations"},
    "Softmax": {"axis"},
}
"""Attributes a replacing op keeps (the others are dropped); ops not listed keep none."""


def onnx_replace_op(case: Case, rng: random.Random) -> Case | None:
    graph = _open(case)
    if graph is None:
        return None
    opset = _opset(graph.proto)
    found = [(i, node) for i, node in enumerate(graph.nodes) if _family(node.op_type)]
    rng.shuffle(found)
    for index, node in found[:TRIES]:
        choices = [op for op in _family(node.op_type) if op != node.op_type
                   and SINCE.get(op, 0) <= opset and _replaces(graph, node, op, opset)]
        if not choices:
            continue
        proto = onnx.ModelProto()
        proto.CopyFrom(graph.proto)
        _retype(proto.graph.node[index], rng.choice(choices), opset)
        if mutant := _mutant(case, "onnx-replace-op", model=proto):
            return mutant
    return None


def _opset(proto: onnx.ModelProto) -> int:
    return next(o.version for o in proto.opset_import if o.domain in ("", "ai.onnx"))


def _family(op: str) -> tuple[str, ...]:
    return next((f for f in SAME_SIGNATURE if op in f), ())


def _replaces(graph: OnnxGraph, node: onnx.NodeProto, op: str, opset: int) -> bool:
    """Whether `op` may stand for `node` (types, reductions' axes form, value guards)."""
    inputs = [graph.values.get(n) for n in node.input if n]
    out = graph.values.get(node.output[0])
    if out is None or None in inputs or len(node.output) != 1:
        return False
    operands = [v for v in inputs if v is not None]
    if op.startswith("Reduce"):
        return _reduction_ok(node, op, opset, operands[0])
    if op in ("Add", "Sub", "Mul", "Max", "Min", "Div"):
        return _binary_ok(op, operands, out)
    if op in ("Equal", "Less", "Greater", "LessOrEqual", "GreaterOrEqual", "And", "Or"):
        return op == "Equal" or operands[0].dtype != "bool" or op in ("And", "Or")
    if op == "AveragePool" and opset < 19:
        return not any(a.name == "dilations" and any(v != 1 for v in a.ints)
                       for a in node.attribute)
    if len(operands) != 1 or not operands[0].is_float:
        return op in ("GlobalAveragePool", "GlobalMaxPool", "MaxPool", "AveragePool",
                      "Softmax", "LogSoftmax")
    return _unary_ok(op, operands[0], out)


def _reduction_ok(node: onnx.NodeProto, op: str, opset: int, x: Value) -> bool:
    axes_input = (node.op_type == "ReduceSum" or opset >= 18)
    if axes_input != (op == "ReduceSum" or opset >= 18):
        return False
    return x.is_float or op != "ReduceMean"


def _binary_ok(op: str, operands: list[Value], out: Value) -> bool:
    if len(operands) != 2 or op == "Div":
        return False
    a, b = operands
    bound = {"Add": a.bound + b.bound, "Sub": a.bound + b.bound,
             "Mul": a.bound * b.bound}.get(op, max(a.bound, b.bound))
    return bound <= max(out.bound, 4.0) and not out.positive


def _unary_ok(op: str, x: Value, out: Value) -> bool:
    if op in NEEDS_POSITIVE and not x.positive:
        return False
    if op == "Exp" and x.bound > 8.0:
        return False
    bound = {"Exp": float(np.exp(min(x.bound, 700.0))), "Log": abs(np.log(x.bound)) + 3.0,
             "Sqrt": float(np.sqrt(x.bound)), "Reciprocal": 20.0}.get(op, BOUNDED.get(op, x.bound))
    return bound <= max(out.bound, 4.0) and (op in POSITIVE or not out.positive)


def _retype(node: onnx.NodeProto, op: str, opset: int) -> None:
    family = "Softmax" if op == "LogSoftmax" else op
    family = "ReduceSum" if op.startswith("Reduce") else family
    kept = KEPT_ATTRIBUTES.get(family, set())
    if op == "MaxPool":
        kept = kept - {"count_include_pad"}
    if op == "AveragePool":
        kept = kept - {"storage_order"} - (set() if opset >= 19 else {"dilations"})
    attributes = [a for a in node.attribute if a.name in kept]
    del node.attribute[:]
    node.attribute.extend(attributes)
    node.op_type = op


# ----------------------------------------------------------------------------- onnx: rewire


MULTIDIRECTIONAL = frozenset({"Add", "Sub", "Mul", "Div", "Max", "Min", "Sum", "Mean",
                              "Equal", "Less", "Greater", "LessOrEqual", "GreaterOrEqual",
                              "And", "Or", "Where"})
"""Ops whose operands broadcast to each other (an operand may be rewired to a value of
another shape that broadcasts to the result's)."""


def onnx_rewire(case: Case, rng: random.Random) -> Case | None:
    graph = _open(case)
    if graph is None:
        return None
    slots = [(i, k) for i, node in enumerate(graph.nodes) for k, name in enumerate(node.input)
             if name in graph.data and k not in NON_DATA.get(node.op_type, ())]
    rng.shuffle(slots)
    for index, position in slots[:TRIES]:
        node = graph.nodes[index]
        old = graph.values[node.input[position]]
        out = graph.values.get(node.output[0])
        broadcasts = node.op_type in MULTIDIRECTIONAL and out is not None
        choices = [v for v in graph.data_values(before=index) if v.name != old.name
                   and _fits(v, old) and (v.shape == old.shape or (
                       broadcasts and out is not None
                       and broadcast(v.shape, out.shape) == out.shape))]
        if not choices:
            continue
        proto = onnx.ModelProto()
        proto.CopyFrom(graph.proto)
        proto.graph.node[index].input[position] = rng.choice(choices).name
        if mutant := _mutant(case, "onnx-rewire", model=proto):
            return mutant
    return None


# ----------------------------------------------------------------------------- onnx: attributes

STRING_CHOICES = {
    "auto_pad": ("NOTSET", "SAME_UPPER", "SAME_LOWER", "VALID"),
    "coordinate_transformation_mode": ("half_pixel", "pytorch_half_pixel", "align_corners",
                                       "asymmetric"),
    "nearest_mode": ("round_prefer_floor", "round_prefer_ceil", "floor", "ceil"),
    "approximate": ("none", "tanh"),
}
MODES = {"Pad": ("constant", "reflect", "edge"), "Resize": ("nearest", "linear", "cubic")}
FLAGS = frozenset({"keepdims", "transA", "transB", "ceil_mode", "count_include_pad",
                   "storage_order", "noop_with_empty_axes"})
POSITIVE_FLOATS = frozenset({"epsilon", "bias", "beta", "alpha"})
"""Float attributes kept positive (LRN's and normalizations'; Gemm's and LeakyRelu's
alpha and beta may take any sign, see `_float_value`)."""
WINDOW = frozenset({"kernel_shape", "strides", "dilations", "pads"})


def onnx_attribute(case: Case, rng: random.Random) -> Case | None:
    graph = _open(case)
    if graph is None:
        return None
    slots = [(i, a.name) for i, node in enumerate(graph.nodes) for a in node.attribute
             if a.type in (AttributeProto.INT, AttributeProto.FLOAT, AttributeProto.INTS,
                           AttributeProto.STRING) and node.op_type != "Constant"]
    rng.shuffle(slots)
    for index, name in slots[:TRIES]:
        proto = onnx.ModelProto()
        proto.CopyFrom(graph.proto)
        node = proto.graph.node[index]
        attribute = next(a for a in node.attribute if a.name == name)
        rank = graph.values[node.input[0]].rank if node.input and node.input[0] in \
            graph.values else 0
        if not _mutate_attribute(node, attribute, rank, rng, graph):
            continue
        if mutant := _mutant(case, "onnx-attribute", model=proto):
            return mutant
    return None


def _mutate_attribute(node: onnx.NodeProto, a: AttributeProto, rank: int,
                      rng: random.Random, graph: OnnxGraph) -> bool:
    """Change `a` in place to another plausible value; False when there is none."""
    if a.type == AttributeProto.STRING:
        choices = MODES.get(node.op_type) if a.name == "mode" else STRING_CHOICES.get(a.name)
        others = [c for c in choices or () if c.encode() != a.s]
        if not others:
            return False
        a.s = rng.choice(others).encode()
        return True
    if a.type == AttributeProto.FLOAT:
        a.f = _float_value(node.op_type, a.name, a.f, rng)
        return True
    if a.type == AttributeProto.INT:
        value = _int_value(node, a.name, a.i, rank, rng, graph)
        if value is None or value == a.i:
            return False
        a.i = value
        return True
    return _mutate_ints(a, rank, rng)


def _float_value(op: str, name: str, value: float, rng: random.Random) -> float:
    if op in ("LeakyRelu", "Gemm", "HardSigmoid") or name not in POSITIVE_FLOATS:
        return rng.choice([0.0, 0.5, 1.0, 2.0, -1.0, -value, value * 2.0])
    return value * rng.choice([0.1, 0.5, 2.0, 10.0])


def _int_value(node: onnx.NodeProto, name: str, value: int, rank: int, rng: random.Random,
               graph: OnnxGraph) -> int | None:
    if name in FLAGS:
        return 1 - value
    if name == "axis":
        top = rank + 1 if node.op_type == "Flatten" else rank
        return rng.randrange(-rank, top) if rank else None
    if name == "to":
        source = graph.values.get(node.input[0])
        if source is None or (source.is_float and source.bound > 1e6):
            return None
        return rng.choice(list(DTYPES.values()))
    if name == "size":
        return rng.choice([1, 3, 5, 7])
    if name == "group":
        return rng.choice([1, 2, 3, value])
    return None


def _mutate_ints(a: AttributeProto, rank: int, rng: random.Random) -> bool:
    values = list(a.ints)
    if a.name == "perm" and len(values) > 1:
        rng.shuffle(values)
    elif a.name == "axes" and rank:
        values = sorted(rng.sample(range(rank), rng.randint(1, rank)))
    elif a.name in WINDOW and values:
        k = rng.randrange(len(values))
        low = 0 if a.name == "pads" else 1
        values[k] = max(low, values[k] + rng.choice([-1, 1, 2]))
    else:
        return False
    if values == list(a.ints):
        return False
    del a.ints[:]
    a.ints.extend(values)
    return True


# ----------------------------------------------------------------------------- onnx: constants

RESIZED = {"Slice": (1, 2), "Tile": (1,), "Pad": (1,)}
"""Shape operands whose values `onnx-constant` changes (the graph is re-solved)."""


def onnx_constant(case: Case, rng: random.Random) -> Case | None:
    graph = _open(case)
    if graph is None:
        return None
    weights = {i.name: k for k, i in enumerate(graph.proto.graph.initializer)}
    data = [n for n in weights if n in graph.data and graph.values[n].size > 0]
    shaped = [node.input[k] for node in graph.nodes for k in RESIZED.get(node.op_type, ())
              if len(node.input) > k and node.input[k] in weights
              and not (node.op_type == "Pad" and _pad_mode(node) != "constant")]
    choices = [(n, False) for n in data] + [(n, True) for n in shaped]
    rng.shuffle(choices)
    for name, is_shape in choices[:TRIES]:
        proto = onnx.ModelProto()
        proto.CopyFrom(graph.proto)
        init = proto.graph.initializer[weights[name]]
        old = numpy_helper.to_array(init)
        new = _shape_values(old, rng) if is_shape else _data_values(old, graph.values[name], rng)
        init.CopyFrom(numpy_helper.from_array(new.astype(old.dtype), name))
        if mutant := _mutant(case, "onnx-constant", model=proto):
            return mutant
    return None


def _pad_mode(node: onnx.NodeProto) -> str:
    return next((a.s.decode() for a in node.attribute if a.name == "mode"), "constant")


def _shape_values(old: np.ndarray, rng: random.Random) -> np.ndarray:
    new = old.astype(np.int64).copy()
    flat = new.reshape(-1)
    if flat.size:
        k = rng.randrange(flat.size)
        flat[k] = max(0, int(flat[k]) + rng.choice([-2, -1, 1, 2])) if flat[k] >= 0 else \
            int(flat[k]) + rng.choice([-1, 1])
    return new


def _data_values(old: np.ndarray, value: Value, rng: random.Random) -> np.ndarray:
    """New values for a data initializer within its bound (and positive if it was)."""
    nprng = np.random.default_rng(rng.getrandbits(63))
    top = max(float(np.abs(old).max()), 1e-3) if old.size and old.dtype != np.bool_ else 1.0
    if old.dtype == np.bool_:
        return ~old if rng.random() < 0.5 else nprng.random(old.shape) < 0.5
    kind = rng.choice(["random", "fill", "negate", "permute"])
    if kind == "permute" or (kind == "negate" and value.positive):
        return nprng.permutation(old.reshape(-1)).reshape(old.shape)
    if kind == "negate":
        return -old
    if kind == "fill":
        fills = [f for f in (0.0, 1.0, -1.0, 0.5, top) if abs(f) <= top
                 and (f > 0.05 or not value.positive)]
        return np.full(old.shape, rng.choice(fills or [top]))
    if old.dtype.kind in "iu":
        low = int(old.min())
        high = int(old.max())
        new = nprng.integers(low, high + 1, old.shape)
        return np.where(new == 0, high, new) if (old != 0).all() else new
    new = nprng.uniform(-top, top, old.shape)
    return np.abs(new) + 0.05 if value.positive else new


# ----------------------------------------------------------------------------- onnx: input shapes


def onnx_input_shape(case: Case, rng: random.Random) -> Case | None:
    graph = _open(case)
    if graph is None:
        return None
    weights = {i.name for i in graph.proto.graph.initializer}
    slots = [(k, d) for k, i in enumerate(graph.proto.graph.input) if i.name not in weights
             for d in range(len(i.type.tensor_type.shape.dim))]
    rng.shuffle(slots)
    for k, d in slots[:TRIES]:
        proto = onnx.ModelProto()
        proto.CopyFrom(graph.proto)
        dim = proto.graph.input[k].type.tensor_type.shape.dim[d]
        others = [v for v in (*ODD_DIMS, 0) if v != dim.dim_value]
        dim.dim_value = rng.choice(others)
        if mutant := _mutant(case, "onnx-input-shape", model=proto):
            return mutant
    return None


# ----------------------------------------------------------------------------- kernels, loops


def _parse(case: Case) -> ModuleOp | None:
    if case.ir is None:
        return None
    from tcompiler.context import make_context, parse_module

    return parse_module(case.ir, make_context())


def _scalar(value: SSAValue) -> bool:
    """A float, bool or integer value that no index computation reads."""
    ty = value.type
    if isinstance(ty, AnyFloat):
        return True
    return isinstance(ty, IntegerType) and not _reaches_index(value)


INDEXING = ("arith.index_cast", "arith.index_castui", "memref.load", "memref.store",
            "vector.load", "vector.store", "vector.transfer_read", "vector.transfer_write",
            "scf.for")
UNSAFE_INTEGER = ("arith.divsi", "arith.divui", "arith.remsi", "arith.remui",
                  "arith.floordivsi", "arith.ceildivsi", "arith.ceildivui", "arith.shli",
                  "arith.shrsi", "arith.shrui")
"""Integer ops whose operands must not change: they index memory, or divide, or shift."""


def _reaches_index(value: SSAValue, seen: set[int] | None = None) -> bool:
    seen = set() if seen is None else seen
    if id(value) in seen:
        return False
    seen.add(id(value))
    for use in value.uses:
        user = use.operation
        if user.name in INDEXING or user.name in UNSAFE_INTEGER:
            if user.name not in ("memref.store", "vector.store") or use.index != 0:
                return True
        if any(_reaches_index(r, seen) for r in user.results):
            return True
        if isinstance(user, scf.YieldOp | scf.ForOp | scf.IfOp):
            return True
    return False


def _kernel_ops(module: ModuleOp) -> Iterator[Operation]:
    """The ops inside kernel functions (not the graph function `@main`)."""
    for fn in module.ops:
        if isinstance(fn, func.FuncOp) and ir_names.KERNEL in fn.attributes:
            yield from (op for op in fn.walk() if op is not fn)


def _dominating(op: Operation) -> list[SSAValue]:
    """Values defined before `op` in its block and its ancestors' blocks, up to the
    kernel op or function that holds it."""
    from tcompiler.dialects.kernel import KernelOp

    found: list[SSAValue] = []
    while (block := op.parent_block()) is not None:
        found.extend(block.args)
        for other in block.ops:
            if other is op:
                break
            found.extend(other.results)
        parent = block.parent_op()
        if parent is None or isinstance(parent, KernelOp | func.FuncOp) or \
                parent.has_trait(IsolatedFromAbove):
            break
        op = parent
    return found


def ir_rewire(case: Case, rng: random.Random) -> Case | None:
    module = _parse(case)
    if module is None:
        return None
    slots = [(op, k) for op in _kernel_ops(module) for k, v in enumerate(op.operands)
             if _scalar(v) and op.name not in UNSAFE_INTEGER]
    rng.shuffle(slots)
    for op, k in slots:
        old = op.operands[k]
        choices = [v for v in _dominating(op) if v is not old and v.type == old.type
                   and _scalar(v)]
        if choices:
            op.operands[k] = rng.choice(choices)
            return _mutant(case, "ir-rewire", module=module)
    return None


def ir_constant(case: Case, rng: random.Random) -> Case | None:
    module = _parse(case)
    if module is None:
        return None
    constants = [op for op in _kernel_ops(module) if isinstance(op, arith.ConstantOp)
                 and _scalar(op.result)]
    if not constants:
        return None
    op = rng.choice(constants)
    ty = op.result.type
    if isinstance(ty, AnyFloat):
        old = op.value.value.data if isinstance(op.value, FloatAttr) else 0.0
        new: Attribute = FloatAttr(rng.choice([0.0, 1.0, -1.0, 0.5, 2.0, -old, old * 2.0,
                                               round(rng.gauss(0.0, 2.0), 3)]), ty)
    else:
        assert isinstance(ty, IntegerType)
        choices = [0, 1] if ty.width.data == 1 else [0, 1, -1, 2, 3, -3]
        new = IntegerAttr(rng.choice(choices), ty)
    op.properties["value"] = new
    return _mutant(case, "ir-constant", module=module)


PREDICATES = {"arith.cmpf": range(1, 15), "arith.cmpi": range(0, 10)}
"""The predicates each comparison may take (cmpf: without the constant false and true)."""
SKIPPED_PROPERTIES = frozenset({"offset", "schedule", "operandSegmentSizes"})


def ir_attribute(case: Case, rng: random.Random) -> Case | None:
    module = _parse(case)
    if module is None:
        return None
    from tcompiler.dialects.kernel import KernelOp

    slots = [(op, name) for op in module.walk() if isinstance(op, KernelOp)
             for name, value in op.properties.items()
             if isinstance(value, IntegerAttr | FloatAttr) and name not in SKIPPED_PROPERTIES]
    slots += [(op, "predicate") for op in _kernel_ops(module) if op.name in PREDICATES]
    rng.shuffle(slots)
    for op, name in slots[:TRIES]:
        old = op.properties[name]
        op.properties[name] = _attribute_value(op, old, rng)
        if _verifies(module):
            return _mutant(case, "ir-attribute", module=module)
        op.properties[name] = old
    return None


def _attribute_value(op: Operation, old: Attribute, rng: random.Random) -> Attribute:
    if op.name in PREDICATES:
        return IntegerAttr(rng.choice(PREDICATES[op.name]), 64)
    if isinstance(old, FloatAttr):
        value = old.value.data
        factor = rng.choice([0.1, 0.5, 2.0, 10.0])
        return FloatAttr(value * factor if value > 0 else rng.choice([0.0, 0.5, 1.0, -1.0]),
                         old.type)
    assert isinstance(old, IntegerAttr)
    value = old.value.data
    return IntegerAttr(rng.choice([v for v in (0, 1, value - 1, value + 1, 2)
                                   if v != value and v >= 0]), old.type)


def _verifies(module: ModuleOp) -> bool:
    try:
        module.verify()
    except Exception:  # noqa: BLE001 - VerifyException and friends
        return False
    return True


FLOAT_BINARY = (arith.AddfOp, arith.SubfOp, arith.MulfOp, arith.MaximumfOp, arith.MinimumfOp)
INT_BINARY = (arith.AddiOp, arith.SubiOp, arith.MuliOp, arith.MaxSIOp, arith.MinSIOp,
              arith.AndIOp, arith.OrIOp, arith.XOrIOp)
BOOL_BINARY = (arith.AndIOp, arith.OrIOp, arith.XOrIOp)


def ir_replace_arith(case: Case, rng: random.Random) -> Case | None:
    module = _parse(case)
    if module is None:
        return None
    found = [op for op in _kernel_ops(module) if _arith_family(op) and _scalar(op.results[0])]
    if not found:
        return None
    op = rng.choice(found)
    kind = rng.choice([k for k in _arith_family(op) if not isinstance(op, k)])
    build = cast(Callable[[SSAValue, SSAValue], Operation], kind)
    lhs, rhs = op.operands
    Rewriter.replace_op(op, build(lhs, rhs))
    return _mutant(case, "ir-replace-arith", module=module)


def _arith_family(op: Operation) -> tuple[type[Operation], ...]:
    if isinstance(op, FLOAT_BINARY + (arith.DivfOp,)):
        return FLOAT_BINARY
    if isinstance(op, INT_BINARY) and isinstance(op.results[0].type, IntegerType):
        width = op.results[0].type
        assert isinstance(width, IntegerType)
        return BOOL_BINARY if width.width.data == 1 else INT_BINARY
    return ()


def loops_wrap_for(case: Case, rng: random.Random) -> Case | None:
    return _wrap(case, rng, "loops-wrap-for")


def loops_wrap_if(case: Case, rng: random.Random) -> Case | None:
    return _wrap(case, rng, "loops-wrap-if")


def _wrap(case: Case, rng: random.Random, name: str) -> Case | None:
    if case.level != "loops":
        return None
    module = _parse(case)
    if module is None:
        return None
    ranges = [r for block in _kernel_blocks(module) for r in _closed_ranges(block)]
    if not ranges:
        return None
    ops = rng.choice(ranges)
    first = ops[0]
    block = first.parent_block()
    assert block is not None
    anchor = ops[-1].next_op
    for op in ops:
        op.detach()
    if name == "loops-wrap-for":
        zero, one = (arith.ConstantOp(IntegerAttr(v, IndexType())) for v in (0, 1))
        body = Block([*ops, scf.YieldOp()], arg_types=[IndexType()])
        new: list[Operation] = [zero, one, scf.ForOp(zero, one, one, [], Region(body))]
    else:
        true = arith.ConstantOp(IntegerAttr(1, IntegerType(1)))
        new = [true, scf.IfOp(true, [], Region(Block([*ops, scf.YieldOp()])))]
    if anchor is None:
        block.add_ops(new)
    else:
        block.insert_ops_before(new, anchor)
    return _mutant(case, name, module=module)


def _kernel_blocks(module: ModuleOp) -> list[Block]:
    blocks: list[Block] = []
    for fn in module.ops:
        if isinstance(fn, func.FuncOp) and ir_names.KERNEL in fn.attributes:
            blocks.extend(b for op in fn.walk() for r in op.regions for b in r.blocks
                          if not _in_kernel_op(b))
    return blocks


def _in_kernel_op(block: Block) -> bool:
    from tcompiler.dialects.kernel import KernelOp

    parent = block.parent_op()
    return isinstance(parent, KernelOp)


def _closed_ranges(block: Block) -> list[list[Operation]]:
    """Runs of non-terminator ops in `block` whose results are used only inside the run
    (at most 8 ops long)."""
    ops = [op for op in block.ops if not op.has_trait(IsTerminator)]
    found: list[list[Operation]] = []
    for i in range(len(ops)):
        for j in range(i + 1, min(len(ops), i + 8) + 1):
            run = ops[i:j]
            inside = set(map(id, run))
            if all(_used_only_in(op, inside) for op in run):
                found.append(run)
    return found


def _used_only_in(op: Operation, inside: set[int]) -> bool:
    for result in op.results:
        for use in result.uses:
            user: Operation | None = use.operation
            while user is not None and id(user) not in inside:
                user = user.parent_op()
            if user is None:
                return False
    return True


IR_MUTATORS: dict[str, Mutator] = {
    "onnx-insert-op": onnx_insert_op,
    "onnx-delete-op": onnx_delete_op,
    "onnx-replace-op": onnx_replace_op,
    "onnx-rewire": onnx_rewire,
    "onnx-attribute": onnx_attribute,
    "onnx-constant": onnx_constant,
    "onnx-input-shape": onnx_input_shape,
    "ir-rewire": ir_rewire,
    "ir-constant": ir_constant,
    "ir-attribute": ir_attribute,
    "ir-replace-arith": ir_replace_arith,
    "loops-wrap-for": loops_wrap_for,
    "loops-wrap-if": loops_wrap_if,
}
"""Every IR mutator by name (stable order); each returns None where it does not apply."""
