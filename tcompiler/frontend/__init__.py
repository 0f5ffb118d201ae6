"""The frontend (stage `onnx`): an ONNX model -> the `onnx` dialect with static shapes.

    imported = import_model("resnet50.onnx", input_shapes={"data": (1, 3, 224, 224)})
    imported.module   # builtin.module { func.func @main(...) {...} }, verified
    imported.weights  # WeightStore: every tensor the IR names with onnx.initializer

Steps, each failing with a one-line `TcError`:
1. load + `onnx.checker` (`ModelError`: missing file, not a protobuf, invalid model);
2. plain Attention nodes written as MatMul/Softmax without copying KV heads (`attention.py`),
   function ops tcc has no op for expanded into their ONNX function bodies (`functions.py`),
   then every unsupported construct of the expanded graph at once (`UnsupportedModelError`,
   exit code 2; `support.py`);
3. opset upgrade to `target_opset` with `onnx.version_converter` when older (`ModelError`);
   after it each op has one semantics: Softmax single-axis, Unsqueeze/Dropout take axes/ratio
   as operands, Reshape has `allowzero`, BatchNormalization has no training outputs;
4. `input_shapes` overrides, shape inference, constant folding of shape computations and the
   rewriting of control flow and recurrent ops (`expand.py`) until every value is static
   (`ShapeError` otherwise; `shapes.py`, `fold.py`); outputs whose size depends on input
   data get their upper bound (`dynamic.py`);
5. import into IR (`importer.py`), verified op by op.

This package and `tcompiler.backend` are the only modules of tcc that import `onnx`.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from pathlib import Path

import onnx
from xdsl.dialects.builtin import ModuleOp

from tcompiler.errors import OptionError, UnsupportedModelError
from tcompiler.frontend.attention import rewrite_attention
from tcompiler.frontend.dynamic import bound_dynamic_outputs
from tcompiler.frontend.expand import expand_structured
from tcompiler.frontend.fold import fold_constants
from tcompiler.frontend.functions import inline_functions
from tcompiler.frontend.importer import build_module, check_importable
from tcompiler.frontend.load import default_opset, load_model, upgrade_opset
from tcompiler.frontend.payloads import restore_payloads
from tcompiler.frontend.shapes import (
    apply_input_shapes,
    drop_weight_inputs,
    infer_shapes,
    value_types,
)
from tcompiler.frontend.support import unfolded_ops, unsupported_constructs
from tcompiler.program import TensorSpec
from tcompiler.weights import WeightStore

__all__ = ["ImportedModel", "import_model", "MIN_OPSET"]

MIN_OPSET = 14
"""The oldest target opset: from 14 on, the supported ops have the semantics the dialect uses."""

MAX_FOLD_ROUNDS = 8


@dataclass(frozen=True)
class ImportedModel:
    module: ModuleOp
    weights: WeightStore
    inputs: list[TensorSpec]
    outputs: list[TensorSpec]
    name: str
    opset: int
    sha256: str


def import_model(
    model: str | Path | bytes | onnx.ModelProto,
    input_shapes: dict[str, tuple[int, ...]] | None = None,
    target_opset: int = 17,
) -> ImportedModel:
    """Import `model` into the `onnx` dialect (see the module docstring for the steps)."""
    newest = onnx.defs.onnx_opset_version()
    if not MIN_OPSET <= target_opset <= newest:
        raise OptionError(f"target opset {target_opset} is outside {MIN_OPSET}..{newest}")
    loaded = load_model(model)
    loaded = replace(loaded, proto=inline_functions(rewrite_attention(loaded.proto)))
    weights = {t.name: t for t in loaded.payloads.tensors}
    problems = unsupported_constructs(loaded.proto, weights)
    if problems:
        raise UnsupportedModelError(problems, model=loaded.name)
    proto = onnx.ModelProto()
    proto.CopyFrom(upgrade_opset(loaded, target_opset))
    opset = default_opset(proto)
    drop_weight_inputs(proto)
    apply_input_shapes(proto, dict(input_shapes or {}), loaded.label,
                       weights=(t.name for t in loaded.payloads.tensors))
    proto = infer_shapes(proto, loaded.label)
    declined: dict[str, str] = {}
    for _ in range(MAX_FOLD_ROUNDS):
        proto, folded = fold_constants(proto, value_types(proto), opset, weights)
        proto, expanded, declined = expand_structured(proto, value_types(proto))
        if not (folded or expanded):
            break
        proto = infer_shapes(proto, loaded.label)
    bound_dynamic_outputs(proto)
    leftover = unfolded_ops(proto, opset, declined)
    if leftover:
        raise UnsupportedModelError(leftover, model=loaded.name)
    check_importable(proto, opset, loaded.name, loaded.label)
    restore_payloads(proto, loaded.payloads)
    weights = WeightStore()
    module, inputs, outputs = build_module(proto, weights, loaded.label)
    module.verify()
    return ImportedModel(module, weights, inputs, outputs, loaded.name, opset, loaded.sha256)
