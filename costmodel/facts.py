"""The static facts of a kernel op the cost model reads, decoded once per op.

    f = facts(op)
    f.shape("X"), f.ints("strides"), f.int("group"), f.output, f.bytes

Schedules, spaces and features ask the same few questions thousands of times per kernel
(one per candidate schedule); reading them off xDSL attributes each time dominated ranking a
space. `facts` decodes an op's operand shapes and integer properties into plain tuples once
and keeps the last few hundred ops' facts (keyed by the op object).
"""

from __future__ import annotations

import functools
import math
from dataclasses import dataclass
from typing import Any

from xdsl.dialects.builtin import DenseArrayBase, IntegerAttr, MemRefType
from xdsl.ir import SSAValue

from tcompiler.dialects import kernel


@dataclass(frozen=True)
class Facts:
    shapes: dict[str, tuple[int, ...] | None]  # by operand name; None for an absent optional
    props: dict[str, Any]  # integer arrays as tuples, integers as ints
    output: tuple[int, ...]
    bytes: int  # of every operand

    def shape(self, name: str) -> tuple[int, ...]:
        found = self.shapes.get(name)
        assert found is not None, name
        return found

    def has(self, name: str) -> bool:
        return self.shapes.get(name) is not None

    def ints(self, name: str) -> tuple[int, ...]:
        return tuple(self.props[name])

    def int(self, name: str) -> int:
        return int(self.props[name])


def _bytes(value: SSAValue) -> int:
    ty = value.type
    assert isinstance(ty, MemRefType)
    width = max(1, getattr(ty.element_type, "bitwidth", 32) // 8)
    return math.prod(ty.get_shape()) * width


@functools.lru_cache(maxsize=512)
def facts(op: kernel.KernelOp) -> Facts:
    shapes: dict[str, tuple[int, ...] | None] = {}
    for name, _ in type(op).get_irdl_definition().operands:
        value = getattr(op, name)
        shapes[name] = tuple(value.type.get_shape()) if isinstance(value, SSAValue) else None
    props: dict[str, Any] = {}
    for name, attr in op.properties.items():
        if isinstance(attr, DenseArrayBase):
            props[name] = tuple(int(v) for v in attr.iter_values())  # type: ignore[union-attr]
        elif isinstance(attr, IntegerAttr):
            props[name] = int(attr.value.data)
    output = tuple(op.output.type.get_shape())  # type: ignore[attr-defined]
    return Facts(shapes, props, output, sum(_bytes(v) for v in op.operands))
