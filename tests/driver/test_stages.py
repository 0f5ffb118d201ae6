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
