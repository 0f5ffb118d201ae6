"""The fusion passes' output on five models, against golden files.

The golden files are what the single-pass fusing converter (before the stage became the
passes of `tcompiler.kernels.KERNELS_PIPELINE`, which the kernels stage runs before
`choose-schedules`) printed for these models: the same kernel
functions, with the same names, called in the same order from the same `@main`. A change that
alters the kernels of these models fails here; if the change is meant, regenerate with

    python tests/kernels/test_golden.py --update

and review the diff of tests/kernels/golden/.
"""

from __future__ import annotations

import sys
from collections.abc import Callable
from pathlib import Path

import onnx
import pytest

from tcompiler import zoo
from tcompiler.kernels import KERNELS_PIPELINE
from tcompiler.pipeline import compile_to_stage, module_text
from tcompiler.plugins import build_pipeline

ROOT = Path(__file__).parents[2]
GOLDEN = Path(__file__).with_name("golden")
sys.path.insert(0, str(ROOT / "examples"))
sys.path.insert(0, str(ROOT / "tests" / "models"))


def _models() -> dict[str, Callable[[], onnx.ModelProto]]:
    import make_model
    import test_architectures as arch

    return {
        "tiny_resnet": make_model.build,
        "mobilenet_v2": arch.mobilenet_v2,
        "bert_layer": arch.bert_layer,
        "gpt2_block": arch.gpt2_block,
        "squeezenet": lambda: zoo.randomized("squeezenet", seed=0),
    }


def kernels_text(name: str) -> str:
    comp = compile_to_stage(_models()[name](), "graph")
    for p in build_pipeline(KERNELS_PIPELINE).passes:
        p.apply(comp.ctx, comp.module)
    return module_text(comp.module).rstrip() + "\n"


@pytest.mark.parametrize("name", sorted(p.stem for p in GOLDEN.glob("*.mlir")))
def test_kernels_stage_matches_golden(name: str) -> None:
    expected = (GOLDEN / f"{name}.mlir").read_text()
    actual = kernels_text(name)
    assert actual == expected, f"kernels of {name} changed (see this module's docstring)"


def test_every_model_has_a_golden_file() -> None:
    assert sorted(p.stem for p in GOLDEN.glob("*.mlir")) == sorted(_models())


if __name__ == "__main__" and sys.argv[1:] == ["--update"]:
    for model in _models():
        (GOLDEN / f"{model}.mlir").write_text(kernels_text(model))
