"""`load(path) -> CompiledModel`: read and validate a `.tcc` artifact, then bind it."""

from __future__ import annotations

import os

from tcompiler.artifact import read_artifact
from tcompiler.runtime.model import CompiledModel


def load(path: str | os.PathLike[str], threads: int | None = None) -> CompiledModel:
    """Load the artifact at `path` to run on `threads` threads (default: `TCC_NUM_THREADS`, else
    every core the process may run on); raises `ArtifactError` if it is unusable here."""
    return CompiledModel(read_artifact(path), name=os.fspath(path), threads=threads)
