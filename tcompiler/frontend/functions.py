"""Expanding ONNX function ops into their bodies, as onnxruntime does for ops without a kernel.

Many ONNX ops are defined by a function body in their schema (RMSNormalization, the Reduce
family, the losses, Attention, Celu, ...), static or built for the node's input types
(context-dependent). `inline_functions(proto)` replaces every node whose op tcc has no dialect
op for (not in `ONNX_OPS`) and whose schema at the model's opset has a body by that body (ops
of ONNX's other domains too, such as ai.onnx.preview's FlexAttention):

- the body of the schema version the model's opset selects, with the node's attributes
  substituted (`ref_attr_name`; attributes the node leaves out take the schema's default);
  bodies written for an older opset are converted to the model's (onnx's version converter);
  when a body exists only for a later opset (Shrink-9's and Elu-6's use opset 18's ops, which
  cannot be converted down), the model is first upgraded to that opset;
- nested function ops of the body (not in `ONNX_OPS` either) expanded in turn;
- every value the body defines renamed to a fresh name `<node>/<value>`, and every expanded
  node named `<node>/<op>_<i>` (`<node>`: the original node's name, or `<op_type>_<index>`),
  so errors about the body name the node it came from.

Each body is taken from the schema (built for the node and its input types when it is
context-dependent) and declared as a model-local function of a one-node model, which onnx's
C++ inliner (`onnx.inliner.inline_local_functions`) expands: it substitutes attributes and
converts opsets; one node at a time, so that each body is renamed apart. (The inliner's own
schema-function mode drops attributes the node leaves out, and fails on a context-dependent
body when an optional input is left out, as in most Attention nodes.) A node whose body cannot
be built (a context-dependent body without input types, ...) is left as it is, to be reported
as an unsupported op. An op that gets a dialect op in `ONNX_OPS` is no longer expanded.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Mapping
from typing import Protocol, cast

import onnx
import onnx.inliner
import onnx.version_converter
from onnx import helper

from tcompiler.dialects.onnx import ONNX_OPS
from tcompiler.frontend.load import DEFAULT_DOMAINS, default_opset
from tcompiler.frontend.shapes import value_types
from tcompiler.frontend.support import node_label

PRIVATE = "tcc.function"
"""The domain bodies are declared in while they are expanded (as model-local functions)."""

MAX_DEPTH = 8
"""How deep function bodies may nest (a body using a function op using one, ...)."""


def inline_functions(proto: onnx.ModelProto) -> onnx.ModelProto:
    """`proto` with every function op tcc has no op for expanded, in its graph and in the
    graphs nested in it (If branches, Loop and Scan bodies); `proto` itself when there is none."""
    opsets = opset_versions(proto)
    calls = list(_calls(proto.graph, opsets))
    if not calls:
        return proto
    newest = max(_body_opset(node, opsets) for node in calls)
    if newest > opsets[""]:
        proto = _upgraded(proto, newest)
        opsets = opset_versions(proto)
    types = _types(_inferred(proto).graph) | value_types(proto)
    expanded = onnx.ModelProto()
    expanded.CopyFrom(proto)
    _expand(expanded.graph, types, list(proto.opset_import), opsets, _names(proto.graph))
    return expanded


def _calls(graph: onnx.GraphProto, opsets: Mapping[str, int]) -> Iterator[onnx.NodeProto]:
    """The function ops to expand in `graph` and in the graphs nested in it."""
    for node in graph.node:
        if is_function_op(node, opsets):
            yield node
        for attr in node.attribute:
            for sub in _subgraphs(attr):
                yield from _calls(sub, opsets)


def _expand(graph: onnx.GraphProto, types: dict[str, onnx.TypeProto],
            opset_import: list[onnx.OperatorSetIdProto], opsets: Mapping[str, int],
            used: set[str]) -> None:
    """Expand the function ops of `graph` and of the graphs nested in it, in place."""
    nodes: list[onnx.NodeProto] = []
    for index, node in enumerate(graph.node):
        for attr in node.attribute:
            for sub in _subgraphs(attr):
                _expand(sub, types, opset_import, opsets, used)
        expands = is_function_op(node, opsets)
        body = _body(node, types, opset_import, opsets) if expands else None
        nodes += [_copy(node)] if body is None else _renamed(body, node, node_label(node, index),
                                                             used)
    graph.ClearField("node")
    graph.node.extend(nodes)


def _copy(node: onnx.NodeProto) -> onnx.NodeProto:
    copy = onnx.NodeProto()
    copy.CopyFrom(node)
    return copy


def _types(graph: onnx.GraphProto) -> dict[str, onnx.TypeProto]:
    """name -> type of every value of `graph` and of the graphs nested in it that has one."""
    types = {v.name: v.type for v in (*graph.value_info, *graph.input, *graph.output)}
    for node in graph.node:
        for attr in node.attribute:
            for sub in _subgraphs(attr):
                types |= _types(sub)
    return types


def opset_versions(proto: onnx.ModelProto) -> dict[str, int]:
    """domain -> the model's opset version of it ("" for the default domain)."""
    versions = {o.domain: o.version for o in proto.opset_import if o.domain not in DEFAULT_DOMAINS}
    return versions | {"": default_opset(proto)}


def is_function_op(node: onnx.NodeProto, opsets: Mapping[str, int]) -> bool:
    """An op of ONNX (any of its domains: ai.onnx.preview's FlexAttention too) that tcc has no
    op for, whose schema at the model's opset (`opsets`: domain -> version) has a body."""
    if node.domain in DEFAULT_DOMAINS and node.op_type in ONNX_OPS:
        return False
    schema = _schema(node, opsets)
    return schema is not None and (schema.has_function or schema.has_context_dependent_function)


class _FunctionSchema(Protocol):
    """The function members of `onnx.defs.OpSchema` that onnx's type stubs leave out."""

    attributes: dict[str, onnx.defs.OpSchema.Attribute]
    has_function: bool
    has_context_dependent_function: bool
    function_opset_versions: list[int]
    context_dependent_function_opset_versions: list[int]

    def get_function_with_opset_version(self, opset: int) -> bytes: ...

    def get_context_dependent_function_with_opset_version(
        self, opset: int, node: bytes, input_types: list[bytes]) -> bytes: ...


def _schema(node: onnx.NodeProto, opsets: Mapping[str, int]) -> _FunctionSchema | None:
    domain = "" if node.domain in DEFAULT_DOMAINS else node.domain
    if domain not in opsets:
        return None
    try:
        return cast(_FunctionSchema, onnx.defs.get_schema(node.op_type, opsets[domain], domain))
    except onnx.defs.SchemaError:
        return None


def _opset(node: onnx.NodeProto, opsets: Mapping[str, int]) -> int:
    return opsets["" if node.domain in DEFAULT_DOMAINS else node.domain]


def _inferred(proto: onnx.ModelProto) -> onnx.ModelProto:
    """`proto` with the types shape inference finds (context-dependent bodies need them)."""
    try:
        return onnx.shape_inference.infer_shapes(proto)
    except (onnx.shape_inference.InferenceError, RuntimeError, ValueError):
        return proto


def _body(node: onnx.NodeProto, types: dict[str, onnx.TypeProto],
          opset_import: Iterable[onnx.OperatorSetIdProto],
          opsets: Mapping[str, int]) -> list[onnx.NodeProto] | None:
    """The nodes `node` expands to (function ops of the body expanded too), or None."""
    inputs = [_value_info(name, types.get(name)) for name in dict.fromkeys(node.input) if name]
    outputs = [_value_info(name, types.get(name)) for name in node.output if name]
    model = helper.make_model(helper.make_graph([node], "node", inputs, outputs),
                              opset_imports=[*opset_import, helper.make_opsetid(PRIVATE, 1)])
    for _ in range(MAX_DEPTH):
        calls = [i for i, n in enumerate(model.graph.node) if is_function_op(n, opsets)]
        if not calls:
            return list(model.graph.node)
        model = _inferred(model)  # the inliner needs every type to convert a body's opset
        types = value_types(model) | types
        for i in calls:
            call = _with_defaults(model.graph.node[i], opsets)
            function = _function(call, opsets, types, f"f{i}")
            if function is None:
                return None
            model.functions.append(function)
            call.domain, call.op_type = PRIVATE, function.name
            model.graph.node[i].CopyFrom(call)
        try:
            model = onnx.inliner.inline_local_functions(model, convert_version=True)
        except Exception:  # noqa: BLE001 - the inliner raises bare C++ errors; keep the node
            return None
    return None


def _function(node: onnx.NodeProto, opsets: Mapping[str, int],
              types: dict[str, onnx.TypeProto], name: str) -> onnx.FunctionProto | None:
    """The body of `node`'s op at the model's opset for its attributes and input types, as a
    function `PRIVATE.<name>` (None when the body needs an input type nobody knows)."""
    schema = _schema(node, opsets)
    assert schema is not None
    opset = _opset(node, opsets)
    static = _body_version(schema.function_opset_versions, opset)
    dependent = _body_version(schema.context_dependent_function_opset_versions, opset)
    if static is not None:
        data = schema.get_function_with_opset_version(static)
    elif dependent is not None:
        if any(name and name not in types for name in node.input):
            return None
        input_types = [types[n] if n else onnx.TypeProto() for n in node.input]
        data = schema.get_context_dependent_function_with_opset_version(
            dependent, node.SerializeToString(), [t.SerializeToString() for t in input_types])
    else:
        return None
    function = onnx.FunctionProto.FromString(data)
    function.domain, function.name = PRIVATE, name
    return function


def _value_info(name: str, ty: onnx.TypeProto | None) -> onnx.ValueInfoProto:
    info = onnx.ValueInfoProto(name=name)
    if ty is not None:
        info.type.CopyFrom(ty)
    return info


def _body_opset(node: onnx.NodeProto, opsets: Mapping[str, int]) -> int:
    """The default-domain opset `node`'s body needs: the model's, or a later one when the body
    is written only with a later opset's ops."""
    schema = _schema(node, opsets)
    assert schema is not None
    opset = opsets[""]
    if node.domain not in DEFAULT_DOMAINS:
        return opset
    versions = [*schema.function_opset_versions, *schema.context_dependent_function_opset_versions]
    return max(opset, _body_version(versions, opset) or opset)


def _upgraded(proto: onnx.ModelProto, opset: int) -> onnx.ModelProto:
    """`proto` converted to `opset` (as it is when the version converter cannot)."""
    try:
        return onnx.version_converter.convert_version(proto, opset)
    except Exception:  # noqa: BLE001 - the converter raises bare C++ errors
        return proto


def _body_version(versions: list[int], opset: int) -> int | None:
    """The opset of the body to use at `opset`: the newest not after it, else the oldest (a
    schema may define its body only with ops of a later opset, as Shrink-9's with opset 18's;
    the inliner converts the body to the model's opset)."""
    older = [v for v in versions if v <= opset]
    return max(older) if older else min(versions, default=None)


def _with_defaults(node: onnx.NodeProto, opsets: Mapping[str, int]) -> onnx.NodeProto:
    """`node` with every attribute it leaves out that its schema gives a default value (a body
    refers to them by `ref_attr_name` whether the node sets them or not)."""
    schema = _schema(node, opsets)
    assert schema is not None
    present = {a.name for a in node.attribute}
    filled = onnx.NodeProto()
    filled.CopyFrom(node)
    for name, attr in schema.attributes.items():
        default = attr.default_value
        if name not in present and default.type != onnx.AttributeProto.UNDEFINED:
            filled.attribute.append(default)
            filled.attribute[-1].name = name
    return filled


def _names(graph: onnx.GraphProto) -> set[str]:
    """Every value name of `graph` (inputs, initializers, node outputs, nested graphs too)."""
    names = {v.name for v in (*graph.input, *graph.output)}
    names |= {init.name for init in graph.initializer}
    for node in graph.node:
        names.update(node.output)
        for attr in node.attribute:
            for sub in _subgraphs(attr):
                names |= _names(sub)
    return names


def _subgraphs(attr: onnx.AttributeProto) -> list[onnx.GraphProto]:
    if attr.type == onnx.AttributeProto.GRAPH:
        return [attr.g]
    return list(attr.graphs) if attr.type == onnx.AttributeProto.GRAPHS else []


def _renamed(body: list[onnx.NodeProto], node: onnx.NodeProto, label: str,
             used: set[str]) -> list[onnx.NodeProto]:
    """`body` with the values it defines (not `node`'s outputs) renamed `<label>/<name>`, made
    unique against `used` (which grows), and its nodes named `<label>/<op>_<i>`."""
    keep = set(node.input) | set(node.output)
    fresh: dict[str, str] = {}

    def rename(name: str) -> str:
        if not name or name in keep:
            return name
        if name not in fresh:
            candidate, count = f"{label}/{name}", 1
            while candidate in used:
                candidate, count = f"{label}/{name}_{count}", count + 1
            used.add(candidate)
            fresh[name] = candidate
        return fresh[name]

    renamed: list[onnx.NodeProto] = []
    for index, body_node in enumerate(body):
        copy = _rename_node(body_node, rename)
        copy.name = f"{label}/{body_node.op_type}_{index}"
        renamed.append(copy)
    return renamed


def _rename_node(node: onnx.NodeProto, rename: Callable[[str], str]) -> onnx.NodeProto:
    copy = _copy(node)
    copy.input[:] = [rename(n) for n in node.input]
    copy.output[:] = [rename(n) for n in node.output]
    for attr in copy.attribute:
        for sub in _subgraphs(attr):
            _rename_graph(sub, rename)
    return copy


def _rename_graph(graph: onnx.GraphProto, rename: Callable[[str], str]) -> None:
    """Rename every value of a nested graph in place (inner names, and outer names it reads)."""
    for value in (*graph.input, *graph.output, *graph.value_info):
        value.name = rename(value.name)
    for init in graph.initializer:
        init.name = rename(init.name)
    for index, inner in enumerate(graph.node):
        graph.node[index].CopyFrom(_rename_node(inner, rename))
