"""The `.tcc` artifact: one file holding a whole `Program`.

Format (version 1): a zip archive, every member ZIP_STORED with a fixed timestamp, in order
  manifest.json       sorted-key JSON, described below
  objects/<name>.o    one ELF relocatable per `Program.objects` entry (sorted by name)
  weights.bin         the packed weights blob
The manifest holds "format": "tcompiler-artifact", "format_version": 1, "compiler"
{name, version}, "target" {triple, cpu, features}, "inputs"/"outputs" (TensorSpec JSON),
"objects" {name: {file, sha256, nbytes}}, "kernels" {symbol: object name}, "steps", "buffers",
"arena_bytes", "weights" {file, sha256, nbytes}, "loops" {step name: `LoopBody` JSON} when the
program has loops, and `Program.meta` verbatim under "meta".
Identical programs give byte-identical files.

`write_artifact` is atomic: it writes a temporary file beside `path`, fsyncs it and renames it
over `path`; on any error nothing is left behind. `read_artifact` validates everything (zip,
manifest, field types, buffer bounds, checksums, host CPU) and raises `ArtifactError` with a
one-line message "<path>: <reason>".
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import tempfile
import zipfile
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import IO, Any

import numpy as np

import tcompiler
from tcompiler.errors import ArtifactError, OptionError
from tcompiler.host_cpu import host_arch, missing_features
from tcompiler.program import ALIGNMENT, Buffer, LoopBody, Program, Step, TensorSpec, lengths

FORMAT = "tcompiler-artifact"
FORMAT_VERSION = 2
"""Version 2 added "loops"; a program without loops is written as version 1, which every
reader since the first can load."""
MANIFEST = "manifest.json"
WEIGHTS = "weights.bin"
WEIGHTS_CHUNK = 1 << 22  # bytes read from the weights member at a time
ZIP_TIME = (1980, 1, 1, 0, 0, 0)
_OBJECT_NAME = re.compile(r"[A-Za-z0-9_][A-Za-z0-9_.\-]*")
_KINDS = ("input", "output", "weight", "arena")


def object_member(name: str) -> str:
    return f"objects/{name}.o"


def sha256(data: bytes | memoryview) -> str:
    return hashlib.sha256(data).hexdigest()


# ---------------------------------------------------------------------------------------------
# Writing


@contextmanager
def atomic_output(path: str | os.PathLike[str]) -> Iterator[IO[bytes]]:
    """Yield a binary file that replaces `path` only if the `with` body completes. A `path`
    that is a folder or a special file (/dev/null) is never replaced: `OptionError`."""
    dest = Path(path)
    if dest.exists() and not dest.is_file():
        raise OptionError(f"{os.fspath(path)}: not a regular file; will not replace it")
    fd, tmp = tempfile.mkstemp(dir=dest.parent or ".", prefix=f".{dest.name}.", suffix=".tmp")
    try:
        os.fchmod(fd, 0o644)
        with os.fdopen(fd, "wb") as f:
            yield f
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, dest)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def manifest_of(program: Program) -> dict[str, Any]:
    return {
        "format": FORMAT,
        "format_version": FORMAT_VERSION if program.loops else 1,
        "compiler": {"name": "tcompiler", "version": tcompiler.__version__},
        "target": {k: str(program.target.get(k, "")) for k in ("triple", "cpu", "features")},
        "inputs": [spec.to_json() for spec in program.inputs],
        "outputs": [spec.to_json() for spec in program.outputs],
        "objects": {
            name: {"file": object_member(name), "sha256": sha256(data), "nbytes": len(data)}
            for name, data in program.objects.items()
        },
        "kernels": dict(program.kernels),
        "steps": [step.to_json() for step in program.steps],
        "buffers": [buffer.to_json() for buffer in program.buffers],
        "arena_bytes": program.arena_bytes,
        "weights": {"file": WEIGHTS, "sha256": sha256(program.weights),
                    "nbytes": len(program.weights)},
        "meta": program.meta,
        **({"loops": {name: body.to_json() for name, body in program.loops.items()}}
           if program.loops else {}),
    }


def _add_member(archive: zipfile.ZipFile, name: str, data: bytes | memoryview) -> None:
    info = zipfile.ZipInfo(name, date_time=ZIP_TIME)
    info.compress_type = zipfile.ZIP_STORED
    info.create_system = 3
    info.external_attr = 0o644 << 16
    archive.writestr(info, data)


def write_artifact(path: str | os.PathLike[str], program: Program) -> None:
    """Write `program` to `path` atomically (see the module docstring for the format)."""
    problem = program_problem(program)
    if problem is not None:
        raise ArtifactError(f"{os.fspath(path)}: cannot write an invalid program: {problem}")
    manifest = json.dumps(manifest_of(program), sort_keys=True, indent=1).encode()
    with atomic_output(path) as f, zipfile.ZipFile(f, "w", zipfile.ZIP_STORED) as archive:
        _add_member(archive, MANIFEST, manifest)
        for name in sorted(program.objects):
            _add_member(archive, object_member(name), program.objects[name])
        _add_member(archive, WEIGHTS, program.weights)


# ---------------------------------------------------------------------------------------------
# Validation shared by writing and reading


def _spec_problem(spec: TensorSpec) -> str | None:
    try:
        np.dtype(spec.dtype)
    except TypeError:
        return f"tensor '{spec.name}' has unknown dtype '{spec.dtype}'"
    if any(d < 0 for d in spec.shape):
        return f"tensor '{spec.name}' has a negative dimension {list(spec.shape)}"
    if spec.dynamic_axis is not None and not 0 <= spec.dynamic_axis < len(spec.shape):
        return f"tensor '{spec.name}' has dynamic axis {spec.dynamic_axis} outside its rank"
    return None


def _nbytes(spec: TensorSpec) -> int:
    return int(np.prod(spec.shape, dtype=np.int64)) * np.dtype(spec.dtype).itemsize


def _buffer_problem(buf: Buffer, program: Program) -> str | None:
    if buf.kind not in _KINDS:
        return f"buffer {buf.id} has unknown kind '{buf.kind}'"
    if buf.nbytes < 0 or buf.offset < 0 or buf.index < 0:
        return f"buffer {buf.id} has a negative size, offset or index"
    if buf.kind in ("input", "output"):
        specs = program.inputs if buf.kind == "input" else program.outputs
        if buf.index >= len(specs):
            return f"{buf.kind} buffer {buf.id} has index {buf.index} out of range"
        if buf.nbytes != _nbytes(specs[buf.index]):
            return f"{buf.kind} buffer {buf.id} is {buf.nbytes} bytes, its tensor is not"
        return None
    limit = len(program.weights) if buf.kind == "weight" else program.arena_bytes
    if buf.offset % ALIGNMENT:
        return f"{buf.kind} buffer {buf.id} offset {buf.offset} is not {ALIGNMENT}-byte aligned"
    if buf.offset + buf.nbytes > limit:
        return f"{buf.kind} buffer {buf.id} [{buf.offset}, +{buf.nbytes}) exceeds {limit} bytes"
    return None


def program_problem(program: Program) -> str | None:
    """The first inconsistency in `program` (a reference or bound that cannot hold), or None."""
    for spec in [*program.inputs, *program.outputs]:
        problem = _spec_problem(spec)
        if problem is not None:
            return problem
    for spec in (program.outputs[i] for i in lengths(program.outputs).values()):
        if spec.shape != (1,) or spec.dtype != "int64" or spec.dynamic_axis is not None:
            return f"length output '{spec.name}' is not an int64 [1] tensor"
    if program.arena_bytes < 0:
        return f"arena_bytes {program.arena_bytes} is negative"
    bad_names = [n for n in program.objects if not _OBJECT_NAME.fullmatch(n)]
    if bad_names:
        return f"object name '{bad_names[0]}' is not a plain file name"
    for symbol, obj in program.kernels.items():
        if obj not in program.objects:
            return f"kernel '{symbol}' names a missing object '{obj}'"
    ids = [buf.id for buf in program.buffers]
    if len(set(ids)) != len(ids):
        return "buffer ids are not unique"
    for buf in program.buffers:
        problem = _buffer_problem(buf, program)
        if problem is not None:
            return problem
    for i, step in enumerate(program.steps):
        if step.kernel not in program.kernels and step.kernel not in program.loops:
            return f"step {i} calls unknown kernel '{step.kernel}'"
        missing = [a for a in step.args if a not in set(ids)]
        if missing:
            return f"step {i} uses unknown buffer {missing[0]}"
    written = {buf.index for buf in program.buffers if buf.kind == "output"}
    unbound = [spec.name for i, spec in enumerate(program.outputs) if i not in written]
    if unbound:
        return f"output '{unbound[0]}' has no buffer"
    return None


# ---------------------------------------------------------------------------------------------
# Reading


def _fail(path: str, reason: str) -> ArtifactError:
    return ArtifactError(f"{path}: {reason}")


def _field(manifest: dict[str, Any], key: str, kind: type | tuple[type, ...]) -> Any:
    if key not in manifest:
        raise ValueError(f"missing field '{key}'")
    value = manifest[key]
    if not isinstance(value, kind) or isinstance(value, bool):
        raise ValueError(f"field '{key}' has the wrong type")
    return value


def _parsed_list(manifest: dict[str, Any], key: str, parse: Callable[[Any], Any]) -> list[Any]:
    items = _field(manifest, key, list)
    try:
        return [parse(item) for item in items]
    except (KeyError, TypeError, ValueError, AttributeError) as err:
        raise ValueError(f"bad entry in '{key}': {err!r}") from None


def _program_fields(manifest: dict[str, Any]) -> dict[str, Any]:
    """Every Program field except objects and weights, typed; ValueError names a bad field."""
    target = _field(manifest, "target", dict)
    if not all(isinstance(target.get(k), str) for k in ("triple", "cpu", "features")):
        raise ValueError("field 'target' needs string triple, cpu and features")
    kernels = _field(manifest, "kernels", dict)
    if not all(isinstance(k, str) and isinstance(v, str) for k, v in kernels.items()):
        raise ValueError("field 'kernels' must map symbols to object names")
    meta = manifest.get("meta", {})
    if not isinstance(meta, dict):
        raise ValueError("field 'meta' has the wrong type")
    return {
        "inputs": _parsed_list(manifest, "inputs", TensorSpec.from_json),
        "outputs": _parsed_list(manifest, "outputs", TensorSpec.from_json),
        "kernels": dict(kernels),
        "steps": _parsed_list(manifest, "steps", Step.from_json),
        "buffers": _parsed_list(manifest, "buffers", Buffer.from_json),
        "arena_bytes": _field(manifest, "arena_bytes", int),
        "target": {k: target[k] for k in ("triple", "cpu", "features")},
        "meta": meta,
        "loops": {str(name): LoopBody.from_json(body)
                  for name, body in _field(manifest, "loops", dict).items()}
        if "loops" in manifest else {},
    }


def _member_entry(entry: Any, what: str) -> tuple[str, str]:
    if not isinstance(entry, dict) or not isinstance(entry.get("file"), str):
        raise ValueError(f"bad {what} entry")
    if not isinstance(entry.get("sha256"), str):
        raise ValueError(f"bad {what} entry")
    return entry["file"], entry["sha256"]


def _read_member(archive: zipfile.ZipFile, path: str, member: str, digest: str) -> bytes:
    try:
        data = archive.read(member)
    except KeyError:
        raise _fail(path, f"corrupt: {member} is missing") from None
    except (zipfile.BadZipFile, OSError, EOFError):
        raise _fail(path, f"corrupt: {member} checksum mismatch") from None
    if sha256(data) != digest:
        raise _fail(path, f"corrupt: {member} checksum mismatch")
    return data


def _read_weights(archive: zipfile.ZipFile, path: str, member: str, digest: str) -> memoryview:
    """The weights member, read in chunks straight into 64-byte-aligned memory (a read-only
    view the runtime uses in place): the weights are in memory once while loading, not twice."""
    try:
        size = archive.getinfo(member).file_size
    except KeyError:
        raise _fail(path, f"corrupt: {member} is missing") from None
    raw = np.empty(size + ALIGNMENT, np.uint8)
    start = -raw.ctypes.data % ALIGNMENT
    view = memoryview(raw[start:start + size])
    hashed = hashlib.sha256()
    try:
        with archive.open(member) as f:  # the zip CRC is checked as the last chunk is read
            done = 0
            while done < size:
                chunk = f.read(min(WEIGHTS_CHUNK, size - done))
                if not chunk:
                    raise EOFError
                view[done:done + len(chunk)] = chunk
                hashed.update(chunk)
                done += len(chunk)
    except (zipfile.BadZipFile, OSError, EOFError):
        raise _fail(path, f"corrupt: {member} checksum mismatch") from None
    if hashed.hexdigest() != digest:
        raise _fail(path, f"corrupt: {member} checksum mismatch")
    return view.toreadonly()


def _open_manifest(archive: zipfile.ZipFile, path: str) -> dict[str, Any]:
    if MANIFEST not in archive.namelist():
        raise _fail(path, "foreign file: a zip archive without a tcc manifest")
    try:
        manifest = json.loads(archive.read(MANIFEST))
    except (zipfile.BadZipFile, OSError, EOFError, ValueError):
        raise _fail(path, "corrupt: manifest.json is unreadable") from None
    if not isinstance(manifest, dict) or manifest.get("format") != FORMAT:
        found = manifest.get("format") if isinstance(manifest, dict) else None
        raise _fail(path, f"foreign file: format {found!r}, expected {FORMAT!r}")
    version = manifest.get("format_version")
    if not isinstance(version, int) or isinstance(version, bool) or version < 1:
        raise _fail(path, f"malformed manifest: bad format_version {version!r}")
    if version > FORMAT_VERSION:
        raise _fail(path, f"format version {version} is newer than this tcc reads "
                          f"({FORMAT_VERSION}); upgrade tcompiler")
    return manifest


def _read_archive(archive: zipfile.ZipFile, path: str) -> Program:
    manifest = _open_manifest(archive, path)
    try:
        fields = _program_fields(manifest)
        objects = _field(manifest, "objects", dict)
        entries = {name: _member_entry(e, "object") for name, e in objects.items()}
        weights_entry = _member_entry(_field(manifest, "weights", dict), "weights")
    except ValueError as err:
        raise _fail(path, f"malformed manifest: {err}") from None
    bad_names = [n for n in entries if not _OBJECT_NAME.fullmatch(n)]
    if bad_names:
        raise _fail(path, f"malformed manifest: object name {bad_names[0]!r}")
    blobs = {name: _read_member(archive, path, member, digest)
             for name, (member, digest) in entries.items()}
    weights = _read_weights(archive, path, *weights_entry)
    program = Program(objects=blobs, weights=weights, **fields)
    problem = program_problem(program)
    if problem is not None:
        raise _fail(path, f"malformed manifest: {problem}")
    return program


def host_problem(target: dict[str, str]) -> str | None:
    """Why code built for `target` cannot run on this machine, or None if it can."""
    arch = target.get("triple", "").split("-")[0]
    host = host_arch()
    if arch and arch != host:
        return f"built for {target['triple']}, this machine is {host}"
    missing = missing_features(target.get("features", ""))
    if not missing:
        return None
    cpu = target.get("cpu") or "another CPU"
    return f"built for {cpu}, needs CPU features this machine lacks: {', '.join(missing)}"


def read_artifact(path: str | os.PathLike[str], *, check_host: bool = True) -> Program:
    """Read and validate the artifact at `path`; `check_host` also checks the CPU can run it."""
    name = os.fspath(path)
    if not os.path.exists(name):
        raise _fail(name, "no such file")
    if not os.path.isfile(name):
        raise _fail(name, "not a file")
    try:
        with zipfile.ZipFile(name) as archive:
            program = _read_archive(archive, name)
    except zipfile.BadZipFile:
        raise _fail(name, "not a tcc artifact (not a zip archive, or truncated)") from None
    except OSError as err:
        raise _fail(name, f"cannot read: {err.strerror or err}") from None
    problem = host_problem(program.target) if check_host else None
    if problem is not None:
        raise _fail(name, f"{problem}; recompile for this machine")
    return program
