"""What every part of the interpreter shares: values, rules, and their xDSL registration.

Values. A `memref` is a flat, contiguous 1-D numpy array of its element type (a view of the
storage it names; its shape lives in the IR type, so `kernel.view` is the identity and a
buffer planned into an arena is a slice of it). A scalar is a numpy scalar of its type
(`f32` -> `np.float32`, `i1` -> `np.bool_`, ...) except `index`, a Python `int`. A vector is
a 1-D numpy array. A tensor (onnx stage) is a numpy array of its shape.

Rules. A rule states one op's semantics once, for every executor:

    rule(op, arrays) -> fn          fn(*operand values) -> result value (None: no result)

`arrays` is True when the values are numpy arrays rather than scalars (vector ops, and
`kernel.map` bodies run over whole tensors), so a rule may pick a faster scalar form. The
same rule runs op by op under xDSL's `Interpreter` (`rule_functions` turns a rule table into
an `InterpreterFunctions` class, one `@impl` per op) and inside the closures of
`tcompiler.interp.compiled`.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

import ml_dtypes
import numpy as np
from xdsl.dialects.builtin import (
    BFloat16Type,
    Float4E2M1FNType,
    Float8E4M3FNType,
    Float8E4M3FNUZType,
    Float8E5M2FNUZType,
    Float8E5M2Type,
    Float16Type,
    Float32Type,
    Float64Type,
    IndexType,
    IntegerType,
    MemRefType,
    Signedness,
    TensorType,
    VectorType,
)
from xdsl.interpreter import Interpreter, InterpreterFunctions, PythonValues, impl, register_impls
from xdsl.ir import Attribute, Operation

from tcompiler.errors import TcError

Fn = Callable[..., Any]
Rule = Callable[[Any, bool], Fn]  # (the op, of the type the rule is registered for; arrays)


class InterpretError(TcError):
    """The IR cannot be interpreted: a missing input or weight, an op without semantics,
    a function that is not there."""


_FLOATS = {Float16Type: np.float16, Float32Type: np.float32, Float64Type: np.float64,
           BFloat16Type: ml_dtypes.bfloat16, Float8E4M3FNType: ml_dtypes.float8_e4m3fn,
           Float8E4M3FNUZType: ml_dtypes.float8_e4m3fnuz, Float8E5M2Type: ml_dtypes.float8_e5m2,
           Float8E5M2FNUZType: ml_dtypes.float8_e5m2fnuz,
           Float4E2M1FNType: ml_dtypes.float4_e2m1fn}


def numpy_dtype(ty: Attribute) -> np.dtype[Any]:
    """The numpy dtype holding values of scalar (or element) type `ty`."""
    if isinstance(ty, IndexType):
        return np.dtype(np.int64)
    if isinstance(ty, IntegerType):
        width = ty.width.data
        if width == 1:
            return np.dtype(np.bool_)
        if width in (2, 4, 8, 16, 32, 64):  # 2 and 4: ml_dtypes' int2/int4, a byte each
            unsigned = ty.signedness.data == Signedness.UNSIGNED
            return np.dtype(f"{'u' if unsigned else ''}int{width}")
    for kind, dtype in _FLOATS.items():
        if isinstance(ty, kind):
            return np.dtype(dtype)
    raise InterpretError(f"no numpy dtype for type {ty}")


def element_type(ty: Attribute) -> Attribute:
    """The element type of a shaped type, or `ty` itself for a scalar type."""
    if isinstance(ty, MemRefType | VectorType | TensorType):
        return ty.get_element_type()  # pyright: ignore[reportUnknownMemberType]
    return ty


def shape_of(ty: Attribute) -> tuple[int, ...]:
    assert isinstance(ty, MemRefType | VectorType | TensorType), f"not a shaped type: {ty}"
    return tuple(ty.get_shape())  # pyright: ignore[reportUnknownArgumentType]


def row_major_strides(shape: tuple[int, ...]) -> tuple[int, ...]:
    """Element strides of a contiguous row-major array of `shape`."""
    strides, step = [], 1
    for extent in reversed(shape):
        strides.append(step)
        step *= extent
    return tuple(reversed(strides))


def uses_vectors(op: Operation) -> bool:
    """Whether `op` works on vector values (its rule then gets `arrays=True`)."""
    return any(isinstance(v.type, VectorType) for v in (*op.operands, *op.results))


def _run_rule(functions: RuleFunctions, interpreter: Interpreter, op: Operation,
              args: PythonValues) -> PythonValues:
    cache: dict[Operation, Fn] = interpreter.get_data(type(functions), "fns", dict)
    fn = cache.get(op)
    if fn is None:
        fn = cache[op] = functions.rules[type(op)](op, uses_vectors(op))
    value = fn(*args)
    return () if not op.results else (value,)


class RuleFunctions(InterpreterFunctions):
    """Interpreter functions whose `@impl`s all run the op's rule (see `rule_functions`)."""

    rules: Mapping[type[Operation], Any] = {}


Runner = Callable[[Any, Interpreter, Operation, PythonValues], PythonValues]


def rule_functions(name: str, rules: Mapping[type[Operation], Any],
                   runner: Runner = _run_rule) -> type[RuleFunctions]:
    """An xDSL `InterpreterFunctions` class with one `@impl` per op type of `rules`, each
    `runner(functions, interpreter, op, args)` (by default: apply the op's rule)."""
    namespace: dict[str, Any] = {
        f"run_{op_type.__name__}": impl(op_type)(runner) for op_type in rules}
    namespace["rules"] = rules
    return register_impls(type(name, (RuleFunctions,), namespace))
