"""Imported IR prints, re-parses and prints to the same text (custom and generic forms)."""

from __future__ import annotations

import io
from pathlib import Path

import numpy as np
import onnx
import pytest
from onnx import helper
from xdsl.dialects.builtin import ModuleOp
from xdsl.parser import Parser
from xdsl.printer import Printer

from tcompiler.context import make_context
from tcompiler.frontend import import_model

LIGHT = Path(onnx.__file__).parent / "backend" / "test" / "data" / "light"


def text(module: ModuleOp, generic: bool = False) -> str:
    out = io.StringIO()
    Printer(stream=out, print_generic_format=generic).print_op(module)
    return out.getvalue()


def reparse(source: str) -> ModuleOp:
    module = Parser(make_context(), source).parse_module()
    module.verify()
    return module


@pytest.mark.parametrize("name", ["squeezenet", "shufflenet"])
def test_light_model_round_trip(name: str) -> None:
    module = import_model(LIGHT / f"light_{name}.onnx").module
    printed = text(module)
    assert text(reparse(printed)) == printed
    assert text(reparse(text(module, generic=True))) == printed


def test_every_attribute_kind_round_trips(model) -> None:
    node = helper.make_node
    nodes = [
        node("Conv", ["x", "w"], ["c"], pads=[1, 1, 1, 1], auto_pad="NOTSET"),
        node("LRN", ["c"], ["l"], size=3, alpha=1e-4),
        node("Dropout", ["l", "r"], ["d", "mask"]),
        node("Reshape", ["d", "s"], ["y"]),
    ]
    inits = {"w": np.full((4, 3, 3, 3), 0.1, np.float32), "r": np.array(0.1, np.float32),
             "s": np.array([1, -1], np.int64)}
    m = model(nodes, {"x": [1, 3, 4, 4]}, {"y": [1, 64], "mask": [1, 4, 4, 4]}, inits)
    m.graph.output[1].type.tensor_type.elem_type = onnx.TensorProto.BOOL
    printed = text(import_model(m).module)
    assert "array<i64: 1, 1, 1, 1>" in printed and "tensor<1x4x4x4xi1>" in printed
    assert text(reparse(printed)) == printed
