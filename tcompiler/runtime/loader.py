"""`load(path) -> CompiledModel`: read and validate a `.tcc` artifact, then bind it."""

from __future__ import annotations

import os

from tcompiler.artifact import read_artifact
from tcompiler.runtime.model import CompiledModel


def load(path: str | os.PathLike[str]) -> CompiledModel:
    """Load the artifact at `path`; raises `ArtifactError` if it is unusable on this machine."""
    return CompiledModel(read_artifact(path), name=os.fspath(path))
