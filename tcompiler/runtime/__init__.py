"""The tcc runtime: run compiled artifacts with no compiler and no linker.

- `load(path) -> CompiledModel` reads a `.tcc` file (`tcompiler.artifact`) and binds it.
- `CompiledModel(program)` runs a `Program`: `model(*arrays, **named)`, `model.run(...)`,
  `model.run_dict(...)`, `model.inputs`, `model.outputs`, `model.meta`.
- `run_npz(artifact, inputs.npz, outputs.npz)` is the body of `tcc run`.
"""

from __future__ import annotations

from tcompiler.runtime.loader import load
from tcompiler.runtime.model import CompiledModel
from tcompiler.runtime.npz import run_npz

__all__ = ["CompiledModel", "load", "run_npz"]
