"""Weights live beside the IR, never inside it.

A `WeightStore` maps a weight name (the ONNX initializer name, or a name a pass invents for a
folded tensor) to a numpy array. IR refers to weights by name (`onnx.initializer`,
`kernel.weight`); passes that read or create weight values get the store from the
`TccContext` they run in. `pack()` lays every weight out in one 64-byte-aligned blob for the
artifact.

`TccContext.clone()` (what `ModulePass.apply_to_clone` and `schedule_space` use) copies the
store with the context: the clone sees every weight, and the weights a pass adds to the clone
stay out of the original. Arrays are shared, never copied: passes add weights, they do not
write into them.

A lookup (`name in store`, `store[name]`) of a name the store does not hold is remembered in
`missed`: a pass that wanted a weight and did not get it (tcc-opt without `--weights`) is then
reported by tcc-opt instead of silently changing nothing.
"""

from __future__ import annotations

from dataclasses import dataclass, field, fields

import numpy as np
from xdsl.context import Context

from tcompiler.program import ALIGNMENT  # noqa: E402

SMALL = 64
"""Tensors of at most this many elements live in the IR as constants (the frontend keeps such
initializers for shape folding; folding passes keep such results inline); larger ones are
weights in the `WeightStore`."""


def align_up(n: int, alignment: int = ALIGNMENT) -> int:
    return (n + alignment - 1) // alignment * alignment


@dataclass
class WeightStore:
    arrays: dict[str, np.ndarray] = field(default_factory=dict)
    missed: set[str] = field(default_factory=set, compare=False)
    """Names looked up that the store does not hold (see the module docstring)."""

    def __contains__(self, name: str) -> bool:
        if name in self.arrays:
            return True
        self.missed.add(name)
        return False

    def __getitem__(self, name: str) -> np.ndarray:
        if name not in self.arrays:
            self.missed.add(name)
        return self.arrays[name]

    def add(self, name: str, value: np.ndarray) -> str:
        """Store `value` under `name`, or under a fresh variant of it if taken; return the name."""
        unique, n = name, 0
        while unique in self.arrays:
            n += 1
            unique = f"{name}_{n}"
        self.arrays[unique] = np.ascontiguousarray(value)
        return unique

    def copy(self) -> WeightStore:
        """A store with the same names and arrays; adding to it leaves this one unchanged."""
        return WeightStore(dict(self.arrays))

    def pack(self, names: list[str]) -> tuple[bytes, dict[str, int]]:
        """Concatenate the named weights, each at a 64-byte-aligned offset."""
        offsets: dict[str, int] = {}
        chunks: list[bytes] = []
        size = 0
        for name in names:
            data = self.arrays[name].tobytes()
            start = align_up(size)
            chunks.append(b"\0" * (start - size))
            offsets[name] = start
            chunks.append(data)
            size = start + len(data)
        return b"".join(chunks), offsets


@dataclass
class TccContext(Context):
    """An xDSL context that also carries the weights of the module being compiled."""

    weights: WeightStore | None = None

    def clone(self) -> TccContext:
        """A copy of the context and of its weight store (xDSL's `Context.clone` drops both)."""
        base = super().clone()
        tables = {f.name: getattr(base, f.name) for f in fields(base)}
        return TccContext(**tables, weights=None if self.weights is None else self.weights.copy())


def weights_of(ctx: Context) -> WeightStore | None:
    """The weight store of `ctx`, or None when passes run without weights (e.g. plain tcc-opt)."""
    return getattr(ctx, "weights", None)
