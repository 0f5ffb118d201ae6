"""`run_npz`: run an artifact on inputs from an .npz file, write outputs to an .npz file.

Inputs are read by name; a missing or extra name raises `InputError`, as does an unreadable
inputs file. Outputs are written under their output names, atomically (nothing is left at
`outputs_npz` if anything fails). This is the body of `tcc run`; `profile_npz` that of
`tcc run --profile`.
"""

from __future__ import annotations

import os
import zipfile

import numpy as np

from tcompiler.artifact import atomic_output
from tcompiler.errors import InputError
from tcompiler.runtime.loader import load
from tcompiler.runtime.model import CompiledModel
from tcompiler.runtime.profile import Profile


def read_npz(path: str | os.PathLike[str]) -> dict[str, np.ndarray]:
    name = os.fspath(path)
    if not os.path.isfile(name):
        raise InputError(f"{name}: no such file")
    try:
        with np.load(name, allow_pickle=False) as data:
            return {key: data[key] for key in data.files}
    except (OSError, ValueError, zipfile.BadZipFile) as err:
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


def run_npz(artifact_path: str | os.PathLike[str], inputs_npz: str | os.PathLike[str],
            outputs_npz: str | os.PathLike[str], threads: int | None = None
            ) -> dict[str, np.ndarray]:
    """Run the artifact on the named arrays of `inputs_npz` on `threads` threads (default: see
    `load`); write and return the outputs."""
    model = load(artifact_path, threads=threads)
    outputs = model.run_dict(model_inputs(model, inputs_npz))
    with atomic_output(outputs_npz) as f:
        np.savez(f, **outputs)  # type: ignore[arg-type]
    return outputs


def profile_npz(artifact_path: str | os.PathLike[str], inputs_npz: str | os.PathLike[str],
                trace_json: str | os.PathLike[str], runs: int = 10, threads: int | None = None
                ) -> Profile:
    """Profile `runs` runs of the artifact on the arrays of `inputs_npz`; write the Chrome
    trace to `trace_json` (atomically) and return the profile."""
    model = load(artifact_path, threads=threads)
    profile = model.profile(model_inputs(model, inputs_npz), runs=runs)
    profile.write_trace(trace_json)
    return profile
