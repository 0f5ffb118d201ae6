"""Reading an ONNX model: bytes in, a checked `ModelProto` at a known opset out.

`load_model` accepts a path, raw bytes or a ModelProto; every failure (missing file, bytes that
are not a protobuf, `onnx.checker` rejection) is a one-line `ModelError` naming the model.
`upgrade_opset` runs `onnx.version_converter` when the model's default-domain opset is older
than the target; newer models are left as they are.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from pathlib import Path

import onnx
import onnx.external_data_helper
from google.protobuf.message import DecodeError

from tcompiler.errors import ModelError
from tcompiler.frontend.payloads import Payloads, strip_payloads

DEFAULT_DOMAINS = ("", "ai.onnx")


@dataclass(frozen=True)
class LoadedModel:
    proto: onnx.ModelProto
    label: str  # how error messages name the model: the file path or "<bytes>"
    name: str  # the model's name: the file stem, else the graph name
    sha256: str  # of the serialized model bytes
    payloads: Payloads  # large weights, kept out of `proto` (payloads.py)


def load_model(model: str | Path | bytes | onnx.ModelProto) -> LoadedModel:
    """Read and check `model`; raise `ModelError` when it is missing, unreadable or invalid."""
    if isinstance(model, onnx.ModelProto):
        data, label, stem = model.SerializeToString(), "<ModelProto>", ""
        proto = onnx.ModelProto()
        proto.CopyFrom(model)  # a private copy: its weights are stripped below
    elif isinstance(model, bytes):
        data, label, stem = model, "<bytes>", ""
        proto = _parse(data, label)
    else:
        path = Path(model)
        label, stem = str(path), path.stem
        try:
            data = path.read_bytes()
        except FileNotFoundError:
            raise ModelError(f"{label}: no such file") from None
        except OSError as err:
            raise ModelError(f"{label}: cannot read the file ({err.strerror})") from None
        proto = _parse(data, label)
        _load_external_data(proto, path, label)
    payloads = strip_payloads(proto)
    try:
        onnx.checker.check_model(proto, full_check=False)
    except (onnx.checker.ValidationError, ValueError) as err:
        raise ModelError(f"{label}: not a valid ONNX model: {one_line(err)}") from None
    name = stem or proto.graph.name or "model"
    return LoadedModel(proto, label, name, hashlib.sha256(data).hexdigest(), payloads)


def default_opset(proto: onnx.ModelProto) -> int:
    """The model's opset version for the default (ai.onnx) domain."""
    versions = [o.version for o in proto.opset_import if o.domain in DEFAULT_DOMAINS]
    return max(versions, default=1)


def upgrade_opset(loaded: LoadedModel, target: int) -> onnx.ModelProto:
    """The model converted to opset `target` if it is older, else unchanged."""
    proto = loaded.proto
    opset = default_opset(proto)
    if opset >= target:
        return proto
    try:
        return onnx.version_converter.convert_version(proto, target)
    except Exception as err:  # the converter raises bare RuntimeError/ConvertError subclasses
        raise ModelError(
            f"{loaded.label}: cannot upgrade from opset {opset} to {target}: {one_line(err)}"
        ) from None


def _parse(data: bytes, label: str) -> onnx.ModelProto:
    proto = onnx.ModelProto()
    try:
        proto.ParseFromString(data)
    except (DecodeError, RuntimeError, ValueError) as err:
        raise ModelError(f"{label}: not an ONNX model (cannot decode protobuf: {err})") from None
    if not proto.graph.node and not proto.graph.output and not proto.opset_import:
        raise ModelError(f"{label}: not an ONNX model (no graph, no opset)")
    return proto


def _load_external_data(proto: onnx.ModelProto, path: Path, label: str) -> None:
    helper = onnx.external_data_helper
    for tensor in proto.graph.initializer:
        if not helper.uses_external_data(tensor):
            continue
        data = path.parent / helper.ExternalDataInfo(tensor).location
        if not data.is_file():
            raise ModelError(f"{label}: weight '{tensor.name}' is stored in {data}, which is "
                             "missing (the model's external data file must stay beside it)")
    try:
        helper.load_external_data_for_model(proto, str(path.parent))
    except (OSError, onnx.checker.ValidationError, ValueError) as err:
        raise ModelError(f"{label}: cannot read external weight data ({one_line(err)})") from None


def one_line(err: BaseException) -> str:
    """The error's message on one line, cut at 300 characters."""
    text = " ".join(str(err).split()) or type(err).__name__
    return text if len(text) <= 300 else text[:297] + "..."
