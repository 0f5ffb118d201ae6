"""The `kernels` stage as separate passes: each runs alone, they compose in other orders, the
fusion passes are idempotent, and the converter takes its rule table by injection."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest
from xdsl.dialects.builtin import ModuleOp

from tcompiler.context import make_context, module_text
from tcompiler.dialects import kernel, onnx
from tcompiler.errors import UnsupportedModelError
from tcompiler.frontend import import_model
from tcompiler.kernels import KERNELS_PIPELINE
from tcompiler.kernels.convert import GraphConverter
from tcompiler.kernels.rules import RULES
from tcompiler.pipeline import compile_to_stage
from tcompiler.plugins import build_pipeline
from tcompiler.stages import CONV_ALGORITHM_PIPELINE
from tcompiler.weights import WeightStore

ROOT = Path(__file__).parents[2]
sys.path.insert(0, str(ROOT / "examples"))


def graph_stage() -> tuple[ModuleOp, WeightStore]:
    import make_model

    comp = compile_to_stage(make_model.build(), "graph")
    return comp.module, comp.weights


def run(module: ModuleOp, weights: WeightStore, pipeline: str) -> ModuleOp:
    build_pipeline(pipeline).apply(make_context(weights), module)
    module.verify()
    return module


def kernel_ops(module: ModuleOp) -> list[str]:
    return [op.name for op in module.walk() if isinstance(op, kernel.KERNEL_OPS)]


def test_conversion_alone_is_one_kernel_per_op() -> None:
    """tiny_resnet at the graph stage: 3 Conv, 3 Relu, MaxPool, Add, GlobalAveragePool, Gemm,
    Softmax compute (Flatten is a view): eleven kernel ops, in @main, none outlined."""
    module = run(*graph_stage(), "convert-onnx-to-kernel")
    assert sorted(kernel_ops(module)) == sorted(
        ["kernel.conv"] * 3 + ["kernel.map"] * 4 + ["kernel.pool"] * 2 + ["kernel.gemm",
                                                                           "kernel.softmax"])
    assert [op.name for op in module.body.block.ops] == ["func.func"]


def test_fusion_then_outline_is_the_stage() -> None:
    import make_model

    module, weights = graph_stage()
    staged = compile_to_stage(make_model.build(), "kernels").module
    expected = run(module, weights, f"{KERNELS_PIPELINE},choose-schedules{{policy=costmodel}},"
                                    f"{CONV_ALGORITHM_PIPELINE}")
    assert module_text(expected) == module_text(staged)


def test_outlining_first_fuses_nothing() -> None:
    """Outlined kernels are out of the fusion passes' reach: eleven calls stay (to ten
    functions: the two Relu maps on 1x16x16x16 are one)."""
    module, weights = graph_stage()
    run(module, weights, "convert-onnx-to-kernel,outline-kernels,fuse-conv-epilogue,"
                         "fuse-elementwise,dedup-kernels")
    assert sum(op.name == "func.call" for op in module.walk()) == 11
    assert len(kernel_ops(module)) == 10


@pytest.mark.parametrize("again", ["fuse-conv-epilogue", "fuse-elementwise", "dedup-kernels"])
def test_passes_are_idempotent(again: str) -> None:
    module, weights = graph_stage()
    once = module_text(run(module, weights, KERNELS_PIPELINE))
    assert module_text(run(module, weights, again)) == once


def test_rules_are_injected() -> None:
    """A plug-in converts with its own table: here Relu as Sigmoid's rule (a map of exp)."""
    module, weights = graph_stage()
    rules = {**RULES, onnx.ReluOp: RULES[onnx.SigmoidOp]}
    GraphConverter(module, weights, rules).run()
    assert sum(op.name == "math.exp" for op in module.walk()) == 3


def test_an_op_without_rule_is_unsupported() -> None:
    module, weights = graph_stage()
    rules = {k: v for k, v in RULES.items() if k is not onnx.SoftmaxOp}
    with pytest.raises(UnsupportedModelError, match="onnx.Softmax"):
        GraphConverter(module, weights, rules).run()


def test_import_keeps_weights_for_the_conversion() -> None:
    import make_model

    imported = import_model(make_model.build())
    run(imported.module, imported.weights, "convert-onnx-to-kernel")
    names = {op.weight_name.data for op in imported.module.walk() if isinstance(op, kernel.WeightOp)}
    assert names <= set(imported.weights.arrays) and "fc_w" in names
