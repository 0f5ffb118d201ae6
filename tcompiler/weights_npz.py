"""Weights as an `.npz` file beside the IR: what `tcc compile --emit=STAGE --weights-out w.npz`
writes and `tcc-opt --weights w.npz` reads, so passes run on text IR see the model's real
weights.

    write_npz(path, store, referenced(module))   # the weights the IR names, one array each
"""

from __future__ import annotations

import io
import zipfile
from pathlib import Path

import numpy as np
from xdsl.ir import Operation

from tcompiler.dialects.kernel import WeightOp
from tcompiler.dialects.onnx import InitializerOp
from tcompiler.weights import WeightStore


def weight_name(op: Operation) -> str | None:
    """The weight an `onnx.initializer` or `kernel.weight` op names; None for other ops."""
    return op.weight_name.data if isinstance(op, InitializerOp | WeightOp) else None


def referenced(module: Operation) -> list[str]:
    """The weights `module` names, in IR order."""
    return list(dict.fromkeys(n for op in module.walk() if (n := weight_name(op)) is not None))


def write_npz(path: Path, store: WeightStore, names: list[str]) -> None:
    """The named weights as `path`, an `.npz` that `np.load` reads back name for name.

    Written entry by entry rather than with `np.savez(path, **arrays)`, which would append
    `.npz` to other names and takes a weight named `file` for its own argument.
    """
    with zipfile.ZipFile(path, "w", zipfile.ZIP_STORED) as archive:
        for name in names:
            data = io.BytesIO()
            np.lib.format.write_array(data, store.arrays[name], allow_pickle=False)
            archive.writestr(f"{name}.npy", data.getvalue())
