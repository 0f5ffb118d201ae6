"""The stage table is the one source of the stage names: `--emit` choices, stage contracts,
`--passes` stages; kernel-scope stages come after every module-scope one."""

from __future__ import annotations

import argparse

import pytest

from tcompiler import contracts
from tcompiler.cli import build_parser
from tcompiler.errors import OptionError
from tcompiler.pipeline import CompileOptions
from tcompiler.stages import STAGE_NAMES, STAGES


def test_emit_choices_are_the_stage_names() -> None:
    parser = build_parser()
    sub = next(a for a in parser._actions if isinstance(a, argparse._SubParsersAction))
    emit = next(a for a in sub.choices["compile"]._actions if a.dest == "emit")
    assert tuple(emit.choices or ()) == STAGE_NAMES


def test_every_stage_has_a_contract() -> None:
    assert tuple(contracts.STAGES) == STAGE_NAMES


def test_kernel_stages_follow_module_stages() -> None:
    scopes = [s.scope for s in STAGES]
    assert scopes == sorted(scopes, key=lambda s: s == "kernel") and "kernel" in scopes


def test_extra_passes_name_a_stage_after_onnx() -> None:
    CompileOptions(passes=(("llvm", "cse"),))
    for bad in ("onnx", "codegen"):
        with pytest.raises(OptionError, match="unknown stage"):
            CompileOptions(passes=((bad, "cse"),))


def test_emitted_low_stages_keep_the_call_order() -> None:
    """--emit=loops keeps @main (its calls now pass unit ranges); --emit=llvm prints it as a
    comment above the llvm module, which still parses as IR."""
    import sys
    from pathlib import Path

    from tcompiler.context import parse_module
    from tcompiler.ir_names import GRAPH
    from tcompiler.pipeline import compile_to_stage, stage_text

    sys.path.insert(0, str(Path(__file__).parents[2] / "examples"))
    import two_op_model

    loops = compile_to_stage(two_op_model.build(), "loops")
    graphs = [op for op in loops.module.body.block.ops if GRAPH in op.attributes]
    assert len(graphs) == 1 and "func.call @" in str(graphs[0])
    assert not list(contracts.stage_violations(loops.module, "loops"))
    llvm = compile_to_stage(two_op_model.build(), "llvm")
    text = stage_text(llvm)
    calls = [line for line in text.splitlines() if line.startswith("//") and "func.call @" in line]
    assert calls == [f"// {line}" for line in str(graphs[0]).splitlines() if "func.call @" in line]
    module = parse_module(text)
    assert not list(contracts.stage_violations(module, "llvm"))
    assert all(op.name == "llvm.func" for op in module.body.block.ops)
