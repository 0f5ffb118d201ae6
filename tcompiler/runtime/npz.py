"""`run_npz`: run an artifact on inputs from an .npz file, write outputs to an .npz file.

Inputs are read by name (`model_inputs`); a missing or extra name raises `InputError`, as does
an inputs file that is not an .npz of plain arrays (a lone .npy, an ONNX model, pickled object
arrays). Outputs are written under their output names, atomically (`write_npz`: nothing is left
at the path if anything fails). This is the body of `tcc run` (whose `--profile` is
`CompiledModel.profile`).
"""

from __future__ import annotations

import os
import zipfile
from collections.abc import Mapping

import numpy as np

from tcompiler.artifact import atomic_output
from tcompiler.errors import InputError
from tcompiler.runtime.loader import load
from tcompiler.runtime.model import CompiledModel

NPY_MAGIC = b"\x93NUMPY"
SAVEZ_HINT = "write one with numpy.savez(path, name=array, ...)"


def read_npz(path: str | os.PathLike[str]) -> dict[str, np.ndarray]:
    name = os.fspath(path)
    if not os.path.exists(name):
        raise InputError(f"{name}: no such file")
    if os.path.isdir(name):
        raise InputError(f"{name}: is a folder, not an .npz file")
    if not zipfile.is_zipfile(name):
        with open(name, "rb") as f:
            lone = f.read(len(NPY_MAGIC)) == NPY_MAGIC
        what = "a single .npy array, not an .npz of named arrays" if lone else "not an .npz file"
        raise InputError(f"{name}: {what}; {SAVEZ_HINT}")
    try:
        with np.load(name, allow_pickle=False) as data:
            return {key: data[key] for key in data.files}
    except ValueError as err:
        if "pickle" in str(err):
            raise InputError(f"{name}: holds object (pickled) arrays, which tcc does not load; "
                             "save numeric arrays") from None
        raise InputError(f"{name}: not a readable .npz file ({err})") from None
    except (OSError, EOFError, zipfile.BadZipFile) as err:
        raise InputError(f"{name}: not a readable .npz file ({err})") from None


def model_inputs(model: CompiledModel, inputs_npz: str | os.PathLike[str]
                 ) -> dict[str, np.ndarray]:
    """The arrays of `inputs_npz`, exactly the model's inputs by name."""
    arrays = read_npz(inputs_npz)
    names = [spec.name for spec in model.inputs]
    missing = [n for n in names if n not in arrays]
    if missing:
        raise InputError(f"{os.fspath(inputs_npz)}: missing input(s): {', '.join(missing)}")
    extra = sorted(n for n in arrays if n not in names)
    if extra:
        raise InputError(f"{os.fspath(inputs_npz)}: unknown input(s): {', '.join(extra)} "
                         f"(model inputs: {', '.join(names)})")
    return arrays


def write_npz(path: str | os.PathLike[str], arrays: Mapping[str, np.ndarray]) -> None:
    with atomic_output(path) as f:
        np.savez(f, **arrays)  # type: ignore[arg-type]


def run_npz(artifact_path: str | os.PathLike[str], inputs_npz: str | os.PathLike[str],
            outputs_npz: str | os.PathLike[str] | None, threads: int | None = None
            ) -> dict[str, np.ndarray]:
    """Run the artifact on the named arrays of `inputs_npz` on `threads` threads (default: see
    `load`); write the outputs to `outputs_npz` (if given) and return them."""
    model = load(artifact_path, threads=threads)
    outputs = model.run_dict(model_inputs(model, inputs_npz))
    if outputs_npz is not None:
        write_npz(outputs_npz, outputs)
    return outputs

