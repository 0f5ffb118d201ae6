"""tcompiler (`tcc`): compiles ONNX models to native CPU code through xDSL and LLVM."""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import os

    from tcompiler.runtime import CompiledModel

__version__ = "0.1.0"


def load(path: str | os.PathLike[str], threads: int | None = None) -> CompiledModel:
    """Load a `.tcc` artifact (see `tcompiler.runtime.load`); imported lazily."""
    from tcompiler.runtime import load as load_artifact

    return load_artifact(path, threads=threads)
