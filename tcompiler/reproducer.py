"""Reproducers: a failing pass's input IR in a file whose `// RUN:` line replays the failure.

    repro = write_reproducer(ir_text, "lower-kernels-to-loops,lower-to-llvm{noalias=true}",
                             failing="lower-to-llvm", plugins=("my_plugin:UNIVERSE",),
                             weights=store)
    repro.path     # /tmp/tcc-opt-repro-lower-to-llvm-x1y2.mlir
    repro.command  # tcc-opt /tmp/tcc-opt-repro-lower-to-llvm-x1y2.mlir -p '...' --load-plugin ...

One writer for `tcc-opt` (the IR the failing pass was given, and that pass) and `tcc compile`
(the IR at the start of the failing stage run, and every pass run since, up to the failing
one). The file starts with `// RUN: tcc-opt %s -p '<pipeline>' [--load-plugin ...]
[--weights W.npz | --no-weights]`: a weight store that holds weights is saved beside the file
(`<file>.npz`, with the weights passes added so far), an empty one needs no flag (tcc-opt's
default), and no store at all is `--no-weights`.
"""

from __future__ import annotations

import os
import shlex
import tempfile
from collections.abc import Sequence
from pathlib import Path
from typing import NamedTuple

import numpy as np

from tcompiler.weights import WeightStore

PREFIX = "tcc-opt-repro-"


class Reproducer(NamedTuple):
    path: Path
    command: str  # the shell command that replays it


def write_reproducer(ir_text: str, pipeline: str, *, failing: str,
                     plugins: Sequence[str] = (), weights: WeightStore | None = None,
                     directory: Path | None = None) -> Reproducer:
    """Write the reproducer (named after the `failing` pass) to `directory` (default: the temp
    directory)."""
    if directory is not None:
        directory.mkdir(parents=True, exist_ok=True)
    fd, name = tempfile.mkstemp(prefix=f"{PREFIX}{failing}-", suffix=".mlir", dir=directory)
    path = Path(name)
    command = ["tcc-opt", "%s", "-p", pipeline]
    for spec in plugins:
        command += ["--load-plugin", spec]
    if weights is None:
        command.append("--no-weights")
    elif weights.arrays:
        weights_path = path.with_name(path.name + ".npz")
        np.savez(weights_path, **weights.arrays)  # type: ignore[arg-type]
        command += ["--weights", str(weights_path)]
    with os.fdopen(fd, "w") as out:
        out.write(f"// RUN: {shlex.join(command)}\n\n{ir_text}")
    return Reproducer(path, shlex.join(command).replace("%s", shlex.quote(str(path))))
