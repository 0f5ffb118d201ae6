"""One fuzzing input: a program at some level and the pass pipeline to run on it.

    case = Case(level="onnx", model=model_bytes, pipeline=("onnx-canonicalize", ...))
    case = Case(level="kernels", ir=text, weights=weights, pipeline=("fuse-elementwise", ...))
    case.save(folder); Case.load(folder)

Levels: `onnx` (an ONNX model, run through the frontend first, so the importer is fuzzed
too), `kernels` (kernel-dialect IR, outlined or not), `loops` (loop-level kernel functions).
`pipeline` is a list of pass specs in tcc-opt syntax (`name{opt=value ...}`), run in order
after the level's entry point. Weights a kernel-level program refers to (`kernel.weight
"name"`) travel with it, as tcc-opt's `--weights` file does.

On disk (a corpus entry, a bug's reproducer):

    case.json       {"level", "pipeline": [...], "seed", "origin"}
    model.onnx      level onnx
    program.mlir    levels kernels and loops
    weights.npz     when the program has weights
"""

from __future__ import annotations

import io
import json
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

import numpy as np

LEVELS = ("onnx", "kernels", "loops")


@dataclass(frozen=True)
class Case:
    level: str
    pipeline: tuple[str, ...] = ()
    model: bytes | None = None  # a serialized ONNX ModelProto (level onnx)
    ir: str | None = None  # IR text (levels kernels and loops)
    weights: dict[str, np.ndarray] = field(default_factory=dict, compare=False, hash=False)
    seed: int = 0  # the generator or mutator seed that made it (for the record)
    origin: str = ""  # how it was made: "generated", "mutate-ir:<mutator>", ...

    def __post_init__(self) -> None:
        if self.level not in LEVELS:
            raise ValueError(f"unknown level {self.level!r} (one of {', '.join(LEVELS)})")
        if (self.level == "onnx") != (self.model is not None):
            raise ValueError("an onnx-level case holds a model; the others hold IR text")
        if self.level != "onnx" and self.ir is None:
            raise ValueError(f"a {self.level}-level case needs IR text")

    def with_pipeline(self, pipeline: tuple[str, ...], origin: str) -> Case:
        return replace(self, pipeline=pipeline, origin=origin)

    def save(self, folder: str | Path) -> Path:
        folder = Path(folder)
        folder.mkdir(parents=True, exist_ok=True)
        meta: dict[str, Any] = {"level": self.level, "pipeline": list(self.pipeline),
                                "seed": self.seed, "origin": self.origin}
        (folder / "case.json").write_text(json.dumps(meta, indent=1) + "\n")
        if self.model is not None:
            (folder / "model.onnx").write_bytes(self.model)
        if self.ir is not None:
            (folder / "program.mlir").write_text(self.ir)
        if self.weights:
            buffer = io.BytesIO()
            np.savez(buffer, **self.weights)  # pyright: ignore[reportArgumentType]
            (folder / "weights.npz").write_bytes(buffer.getvalue())
        return folder

    @staticmethod
    def load(folder: str | Path) -> Case:
        """A saved case; ValueError (or OSError) if the folder does not hold one."""
        folder = Path(folder)
        meta = json.loads((folder / "case.json").read_text())
        model = folder / "model.onnx"
        program = folder / "program.mlir"
        weights: dict[str, np.ndarray] = {}
        if (folder / "weights.npz").exists():
            with np.load(folder / "weights.npz", allow_pickle=False) as data:
                weights = {name: data[name] for name in data.files}
        return Case(level=meta["level"], pipeline=tuple(meta.get("pipeline", ())),
                    model=model.read_bytes() if model.exists() else None,
                    ir=program.read_text() if program.exists() else None,
                    weights=weights, seed=int(meta.get("seed", 0)),
                    origin=str(meta.get("origin", "")))
