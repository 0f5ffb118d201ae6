"""tcc's dialects and passes as an `xdsl.universe.Universe`, registered under both entry-point
groups `tcompiler.plugins` (tcc discovers its built-ins the way it discovers plug-ins) and
`xdsl.universe` (so `xdsl-opt` parses tcc IR and runs tcc passes).

Both tables are explicit and lazy: nothing is imported until a name is used.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable

from xdsl.ir import Dialect
from xdsl.universe import Universe

from tcompiler.passes import PASSES

_DIALECT_TABLE: dict[str, tuple[str, str]] = {
    # name: (module under tcompiler.dialects, Dialect object)
    "onnx": ("onnx", "ONNX"),
    "kernel": ("kernel", "Kernel"),
}


def _lazy(module: str, attr: str) -> Callable[[], Dialect]:
    def load() -> Dialect:
        return getattr(importlib.import_module(f"tcompiler.dialects.{module}"), attr)

    return load


DIALECTS: dict[str, Callable[[], Dialect]] = {
    name: _lazy(module, attr) for name, (module, attr) in _DIALECT_TABLE.items()
}

TCC_UNIVERSE = Universe(all_dialects=DIALECTS, all_passes=PASSES)
