"""The ONNX graph under construction by the generator (`generate.py`), with concrete shapes.

NNSmith's concolic variant: every op is solved locally as it is inserted (its attributes
chosen so that it is valid for the concrete shapes of the values it takes), so the graph is
valid by construction and `finish` only confirms it (strict shape inference, `onnx.checker`).

    b = GraphBuilder(random.Random(0), GenConfig(), opset=17)
    x = b.add_input((1, 3, 5, 5), "float32")
    [y] = b.node("Relu", [x], [b.like(x)])
    proto = b.finish()

A `Value` knows its shape, element type and a rough bound on its magnitude (and whether it is
positive), so the rules can keep Exp, Pow, Log, Sqrt, Div and integer arithmetic away from
inf, nan and overflow: the differential oracles compare numbers, and a nan on both sides says
nothing.
"""

from __future__ import annotations

import math
import random
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, replace
from typing import Any

import numpy as np
import onnx
from onnx import TensorProto, helper, numpy_helper

Shape = tuple[int, ...]

DTYPES: dict[str, int] = {
    "float32": TensorProto.FLOAT,
    "int64": TensorProto.INT64,
    "int32": TensorProto.INT32,
    "bool": TensorProto.BOOL,
}
"""The element types tcc accepts (`tcompiler.frontend.support.SUPPORTED_DTYPES`)."""

INTEGERS = ("int64", "int32")
NUMERIC = ("float32", "int64", "int32")
ODD_DIMS = (1, 1, 2, 3, 3, 4, 5, 6, 7, 8, 11, 13)
"""Dims drawn for fresh tensors: many 1s and primes (odd and degenerate sizes)."""

LARGE = 1e4
"""A value bounded above this is steered through a squashing op before Exp, Pow or Mul."""


@dataclass(frozen=True)
class GenConfig:
    """What the generator may produce (tiny shapes by default: the oracles interpret them)."""

    min_ops: int = 1
    max_ops: int = 8
    max_inputs: int = 3
    max_outputs: int = 3
    max_rank: int = 4
    max_dim: int = 8
    max_elements: int = 1024
    zero_size: float = 0.03  # chance that a fresh input has a zero-size dim
    scalars: float = 0.03  # chance that a fresh input is rank 0
    integer_inputs: float = 0.15  # chance that a fresh input is int64/int32/bool
    opsets: tuple[int, ...] = (13, 14, 17, 17, 17, 18, 18, 20, 21)
    ops: tuple[str, ...] = ()  # restrict to rules emitting only these op types (empty: all)
    schedule_stage: float = 0.3  # chance a kernels-level case is taken after plan-memory


@dataclass(frozen=True)
class Value:
    name: str
    shape: Shape
    dtype: str = "float32"
    bound: float = 4.0  # |element| <= bound, roughly
    positive: bool = False  # every element > 0 (floats: >= some margin)
    const: bool = False  # computed from weights only (the frontend may fold it)

    @property
    def rank(self) -> int:
        return len(self.shape)

    @property
    def size(self) -> int:
        return math.prod(self.shape)

    @property
    def is_float(self) -> bool:
        return self.dtype == "float32"


def broadcast(*shapes: Shape) -> Shape | None:
    """numpy's broadcast of `shapes`, or None when they do not broadcast."""
    rank = max((len(s) for s in shapes), default=0)
    out: list[int] = []
    for axis in range(rank):
        dims = {s[axis - rank + len(s)] for s in shapes if axis - rank + len(s) >= 0}
        dims.discard(1)
        if len(dims) > 1:
            return None
        out.append(dims.pop() if dims else 1)
    return tuple(out)


@dataclass
class GraphBuilder:
    rng: random.Random
    config: GenConfig
    opset: int = 17
    nodes: list[onnx.NodeProto] = field(default_factory=list)
    initializers: dict[str, np.ndarray] = field(default_factory=dict)
    inputs: list[Value] = field(default_factory=list)
    values: list[Value] = field(default_factory=list)
    uses: dict[str, int] = field(default_factory=dict)
    counter: int = 0
    np_rng: np.random.Generator = field(init=False)

    def __post_init__(self) -> None:
        self.np_rng = np.random.default_rng(self.rng.getrandbits(63))

    # --- names, dims, shapes ---------------------------------------------------------------

    def fresh(self, stem: str) -> str:
        self.counter += 1
        return f"{stem}_{self.counter}"

    def chance(self, p: float) -> bool:
        return self.rng.random() < p

    def dim(self, high: int | None = None) -> int:
        high = self.config.max_dim if high is None else high
        choices = [d for d in ODD_DIMS if d <= high] or [1]
        return self.rng.choice(choices)

    def shape(self, rank: int, budget: int | None = None) -> Shape:
        """A random shape of `rank` within the element budget."""
        budget = self.config.max_elements if budget is None else budget
        dims: list[int] = []
        for _ in range(rank):
            left = max(1, budget // max(1, math.prod(dims)))
            dims.append(self.dim(min(self.config.max_dim, left)))
        return tuple(dims)

    def allows(self, op: str) -> bool:
        return not self.config.ops or op in self.config.ops

    def choose(self, ops: Sequence[str]) -> str | None:
        """One of `ops` that `config.ops` allows (None when it allows none of them)."""
        allowed = [o for o in ops if self.allows(o)]
        return self.rng.choice(allowed) if allowed else None

    def fits(self, shape: Sequence[int]) -> bool:
        return math.prod(shape) <= self.config.max_elements

    # --- values ----------------------------------------------------------------------------

    def pick(self, ok: Callable[[Value], bool]) -> Value | None:
        """A value satisfying `ok`, recent ones preferred (deeper chains)."""
        found = [v for v in self.values if ok(v)]
        if not found:
            return None
        weights = [(1.0 + i) * (3.0 if not self.uses.get(v.name) else 1.0)
                   * (0.1 if v.const else 1.0) for i, v in enumerate(found)]
        return self.rng.choices(found, weights)[0]

    def pick_all(self, ok: Callable[[Value], bool]) -> list[Value]:
        return [v for v in self.values if ok(v)]

    def add_input(self, shape: Shape, dtype: str = "float32") -> Value:
        bound = {"float32": 4.0, "bool": 1.0}.get(dtype, 3.0)
        value = Value(self.fresh("in"), tuple(shape), dtype, bound)
        self.inputs.append(value)
        self.values.append(value)
        return value

    def can_add_input(self) -> bool:
        return len(self.inputs) < self.config.max_inputs

    def weight(self, shape: Shape, dtype: str = "float32", *, scale: float = 1.0,
               positive: bool = False, low: int = -3, high: int = 3,
               array: np.ndarray | None = None, stem: str = "w") -> Value:
        """An initializer with random values (or `array`)."""
        if array is None:
            array = self.random_array(shape, dtype, scale=scale, positive=positive,
                                      low=low, high=high)
        name = self.fresh(stem)
        self.initializers[name] = array
        bound = float(np.abs(array).max()) if array.size and dtype != "bool" else 1.0
        is_positive = bool(array.size == 0 or (dtype != "bool" and array.min() > 0))
        value = Value(name, tuple(array.shape), dtype, max(bound, 1e-3), is_positive, True)
        self.values.append(value)
        return value

    def random_array(self, shape: Shape, dtype: str, *, scale: float = 1.0,
                     positive: bool = False, low: int = -3, high: int = 3) -> np.ndarray:
        if dtype == "float32":
            data = self.np_rng.standard_normal(shape) * scale
            if positive:
                data = np.abs(data) + 0.5 * scale
            return data.astype(np.float32)
        if dtype == "bool":
            return self.np_rng.random(shape) < 0.5
        low = max(low, 1) if positive else low
        return self.np_rng.integers(low, high + 1, shape).astype(dtype)

    def ints(self, values: Sequence[int], stem: str = "c") -> str:
        """A constant int64 1-D tensor (an initializer or a Constant node) for shape operands."""
        array = np.array(list(values), dtype=np.int64)
        return self.constant(array, stem)

    def floats(self, values: Sequence[float], stem: str = "c") -> str:
        return self.constant(np.array(list(values), dtype=np.float32), stem)

    def scalar(self, value: float | int, dtype: str, stem: str = "s") -> str:
        return self.constant(np.array(value, dtype=dtype), stem)

    def constant(self, array: np.ndarray, stem: str) -> str:
        """Constant data, not a `Value` the rules pick from: an initializer or a Constant."""
        name = self.fresh(stem)
        if self.chance(0.3):
            self.nodes.append(helper.make_node("Constant", [], [name],
                                               value=numpy_helper.from_array(array, name)))
        else:
            self.initializers[name] = array
        return name

    # --- nodes -----------------------------------------------------------------------------

    def like(self, v: Value, **changes: object) -> Value:
        """An output spec like `v` (its name is replaced by `node`)."""
        return replace(v, name="", **changes)  # type: ignore[arg-type]

    def out(self, shape: Shape, dtype: str = "float32", bound: float = 4.0,
            positive: bool = False) -> Value:
        return Value("", tuple(shape), dtype, bound, positive)

    def node(self, op_type: str, inputs: Sequence[Value | str], outputs: Sequence[Value],
             **attrs: Any) -> list[Value]:
        """Append a node; `outputs` give shapes and dtypes (their names are made here)."""
        names = [i if isinstance(i, str) else i.name for i in inputs]
        for name in names:
            if name:
                self.uses[name] = self.uses.get(name, 0) + 1
        const = all(i.const for i in inputs if isinstance(i, Value))
        made = [replace(o, name=self.fresh(op_type.lower()), bound=min(o.bound, 1e30),
                        const=const) for o in outputs]
        self.nodes.append(helper.make_node(op_type, names, [o.name for o in made],
                                           name=self.fresh(f"n_{op_type}"), **attrs))
        self.values.extend(made)
        return made

    # --- guards: keep values finite --------------------------------------------------------

    def positive(self, v: Value) -> Value:
        """`v` if it is positive, else Abs(v) + c (c >= 0.5)."""
        if v.positive:
            return v
        [a] = self.node("Abs", [v], [self.like(v)])
        c = self.weight((), v.dtype, positive=True, scale=1.0, low=1, high=2, stem="eps")
        [p] = self.node("Add", [a, c], [self.like(v, bound=v.bound + c.bound, positive=True)])
        return p

    def squashed(self, v: Value, limit: float) -> Value:
        """`v` if its bound is within `limit`, else a Tanh, Sigmoid or Clip of it."""
        if v.bound <= limit:
            return v
        if not v.is_float:
            lo, hi = self.scalar(-int(limit), v.dtype), self.scalar(int(limit), v.dtype)
            return self.node("Clip", [v, lo, hi], [self.like(v, bound=limit)])[0]
        kind = self.rng.choice(["Tanh", "Sigmoid", "Clip"])
        if kind == "Clip":
            lo, hi = self.scalar(-limit, "float32"), self.scalar(limit, "float32")
            return self.node("Clip", [v, lo, hi], [self.like(v, bound=limit)])[0]
        return self.node(kind, [v], [self.like(v, bound=1.0, positive=kind == "Sigmoid")])[0]

    # --- broadcasting partners -------------------------------------------------------------

    def partner(self, v: Value, dtype: str | None = None, *, exact: bool = False) -> Value:
        """A second operand for an elementwise op with `v`: an existing value whose shape
        broadcasts with v's to v's shape (or to a larger one), a new input, or a weight."""
        dtype = dtype or v.dtype
        existing = self.pick_all(lambda u: u.dtype == dtype and u.name != v.name and (
            u.shape == v.shape if exact else broadcast(u.shape, v.shape) == v.shape))
        if existing and self.chance(0.5):
            return self.rng.choice(existing)
        shape = v.shape if exact else self.broadcast_shape(v.shape)
        if self.can_add_input() and self.chance(0.3):
            return self.add_input(shape, dtype)
        return self.weight(shape, dtype)

    def broadcast_shape(self, shape: Shape) -> Shape:
        """A shape that broadcasts to `shape`: a suffix of it with some dims set to 1."""
        drop = self.rng.randint(0, len(shape)) if self.chance(0.4) else 0
        dims = [1 if self.chance(0.3) else d for d in shape[drop:]]
        return tuple(dims)

    # --- the model -------------------------------------------------------------------------

    def finish(self, outputs: Sequence[Value]) -> onnx.ModelProto:
        """The model with `outputs` as its outputs, shape-inferred strictly and checked."""
        graph = helper.make_graph(
            self.nodes, "fuzz",
            [helper.make_tensor_value_info(v.name, DTYPES[v.dtype], v.shape) for v in self.inputs],
            [helper.make_tensor_value_info(v.name, DTYPES[v.dtype], v.shape) for v in outputs],
            [numpy_helper.from_array(a, n) for n, a in self.initializers.items()])
        proto = helper.make_model(graph, opset_imports=[helper.make_opsetid("", self.opset)],
                                  producer_name="tcc-fuzz")
        proto.ir_version = min(proto.ir_version, 8 if self.opset < 19 else 9)
        return checked(proto)


def checked(proto: onnx.ModelProto) -> onnx.ModelProto:
    """`proto` after strict shape inference and the full checker (raises when invalid)."""
    onnx.checker.check_model(proto)
    inferred = onnx.shape_inference.infer_shapes(proto, check_type=True, strict_mode=True,
                                                 data_prop=True)
    onnx.checker.check_model(inferred, full_check=True)
    unshaped = [v.name for v in inferred.graph.value_info
                if not v.type.tensor_type.HasField("shape")]
    if unshaped:
        raise ValueError(f"shape inference leaves {', '.join(unshaped)} without a shape")
    return proto
