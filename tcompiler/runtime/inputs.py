"""Binding run-time inputs to a model's input specs.

`bind_inputs(specs, positional, named)` returns one C-contiguous array per spec, in spec order.
Inputs come by position, by name, or both (never both for the same input). Nothing is cast:
a wrong count, name, type, dtype (including byte order) or shape raises a one-line
`InputError` naming the input, e.g. "input 'x': expected float32[1,3], got float64[1,3]".
Non-contiguous arrays are copied; contiguous ones are used as they are.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np

from tcompiler.errors import InputError
from tcompiler.program import TensorSpec


def describe_spec(spec: TensorSpec) -> str:
    return f"{spec.dtype}[{','.join(str(d) for d in spec.shape)}]"


def describe_array(array: np.ndarray) -> str:
    dtype = array.dtype.name if array.dtype.isnative else array.dtype.str
    return f"{dtype}[{','.join(str(d) for d in array.shape)}]"


def check_input(spec: TensorSpec, value: Any) -> np.ndarray:
    """`value` as a C-contiguous array matching `spec`, or InputError. A numpy scalar
    (`np.float32(2)`, `np.bool_(True)`) is the 0-d array it stands for."""
    if isinstance(value, np.generic):
        value = np.asarray(value)
    if not isinstance(value, np.ndarray):
        raise InputError(f"input '{spec.name}': expected a numpy array {describe_spec(spec)}, "
                         f"got {type(value).__name__}")
    if value.dtype != np.dtype(spec.dtype) or value.shape != spec.shape:
        raise InputError(f"input '{spec.name}': expected {describe_spec(spec)}, "
                         f"got {describe_array(value)}")
    return np.require(value, requirements="C")  # keeps a 0-d array 0-d (ascontiguousarray: 1-d)


def bind_inputs(specs: Sequence[TensorSpec], positional: Sequence[Any],
                named: Mapping[str, Any]) -> list[np.ndarray]:
    names = [spec.name for spec in specs]
    if len(positional) > len(specs):
        raise InputError(f"expected {len(specs)} input(s) ({', '.join(names)}), "
                         f"got {len(positional)} by position")
    unknown = [name for name in named if name not in names]
    if unknown:
        raise InputError(f"unknown input '{unknown[0]}' (model inputs: {', '.join(names)})")
    twice = [name for name in names[: len(positional)] if name in named]
    if twice:
        raise InputError(f"input '{twice[0]}' given both by position and by name")
    values = {**dict(zip(names, positional)), **named}
    missing = [name for name in names if name not in values]
    if missing:
        raise InputError(f"missing input(s): {', '.join(missing)} "
                         f"(model inputs: {', '.join(names)})")
    return [check_input(spec, values[spec.name]) for spec in specs]
