"""Every light model of the ONNX test data (opset 9, IR v3, weights built by ConstantOfShape)
imports: upgraded to opset 17, static shapes, verified IR (import only, no compilation)."""

from __future__ import annotations

import hashlib
from collections import Counter
from pathlib import Path

import onnx
import pytest

from tcompiler.frontend import import_model

LIGHT = Path(onnx.__file__).parent / "backend" / "test" / "data" / "light"

EXPECTED = {  # model -> counts of a few op types after import
    "bvlc_alexnet": {"Conv": 5, "Gemm": 3, "LRN": 2, "Dropout": 2, "Softmax": 1},
    "densenet121": {"Conv": 121, "BatchNormalization": 121, "Concat": 58},
    "inception_v1": {"Conv": 57, "MaxPool": 13, "Concat": 9, "Gemm": 1},
    "inception_v2": {"Conv": 69, "BatchNormalization": 69, "AveragePool": 8},
    "resnet50": {"Conv": 53, "BatchNormalization": 53, "Sum": 16, "Gemm": 1},
    "shufflenet": {"Conv": 49, "Transpose": 16, "Reshape": 33, "Sum": 13},
    "squeezenet": {"Conv": 26, "Concat": 8, "GlobalAveragePool": 1, "Softmax": 1},
    "vgg19": {"Conv": 16, "MaxPool": 5, "Gemm": 3},
    "zfnet512": {"Conv": 5, "LRN": 2, "Gemm": 3},
}


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_light_model_imports(name: str) -> None:
    path = LIGHT / f"light_{name}.onnx"
    imported = import_model(path)
    imported.module.verify()
    counts = Counter(op.name.removeprefix("onnx.") for op in imported.module.walk())
    for op_type, count in EXPECTED[name].items():
        assert counts[op_type] == count, op_type
    assert imported.opset == 17
    assert imported.name == f"light_{name}"
    assert [spec.shape for spec in imported.inputs] == [(1, 3, 224, 224)]
    assert imported.outputs[0].shape[:2] == (1, 1000)
    assert all(spec.dtype == "float32" for spec in imported.inputs + imported.outputs)
    assert imported.sha256 == hashlib.sha256(path.read_bytes()).hexdigest()
