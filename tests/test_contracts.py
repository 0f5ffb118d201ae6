"""Stage contracts (`tcompiler.contracts`): every registered pass rejects IR outside its input
contract with one `PassPreconditionError` line naming the pass and the offending op, and
accepts the IR of a stage inside it; every stage's IR satisfies its stage contract.

The samples are the IR of the two-op model (`examples/two_op_model.py`) at the onnx, kernels,
loops and llvm stages. Passes added later are covered as soon as they declare
`input_contract`.
"""

from __future__ import annotations

import functools
import subprocess
import sys
from pathlib import Path

import pytest
from xdsl.dialects.builtin import ModuleOp
from xdsl.parser import Parser

from tcompiler import contracts
from tcompiler.context import make_context
from tcompiler.contracts import PassPreconditionError
from tcompiler.passes import PASSES
from tcompiler.pipeline import compile_to_stage, module_text
from tcompiler.weights import WeightStore

ROOT = Path(__file__).parents[1]
sys.path.insert(0, str(ROOT / "examples"))
import two_op_model  # noqa: E402

SAMPLES = ("onnx", "kernels", "loops", "llvm")


@functools.cache
def sample_text(stage: str) -> str:
    return module_text(compile_to_stage(two_op_model.build(), stage).module)


def sample(stage: str) -> ModuleOp:
    return Parser(make_context(), sample_text(stage)).parse_module()


def contract_of(name: str) -> contracts.Contract:
    cls = PASSES[name]()
    contract = getattr(cls, "input_contract", None)
    if contract is None:
        pytest.skip(f"pass '{name}' declares no input_contract yet")
    assert isinstance(contract, contracts.Contract)
    return contract


@pytest.mark.parametrize("stage", SAMPLES)
def test_samples_satisfy_their_stage_contract(stage: str) -> None:
    bad = [op.name for op in contracts.stage_violations(sample(stage), stage)]
    assert not bad


@pytest.mark.parametrize("name", sorted(PASSES))
def test_pass_rejects_ir_outside_its_contract(name: str) -> None:
    contract = contract_of(name)
    graph = getattr(PASSES[name](), "graph_contract", None)
    outside = [s for s in SAMPLES
               if next(contracts.violations(sample(s), contract, graph), None) is not None]
    assert outside, f"{name}: every sample stage is inside its contract {contract.name!r}"
    for stage in outside:
        module = sample(stage)
        first = next(contracts.violations(module, contract, graph))
        with pytest.raises(PassPreconditionError) as info:
            PASSES[name]()().apply(make_context(WeightStore()), module)
        message = str(info.value)
        assert len(message.splitlines()) == 1, message
        assert message.startswith(f"pass '{name}' precondition failed: ")
        assert f"'{first.name}'" in message, (stage, message)
        assert info.value.pass_name == name


@pytest.mark.parametrize("name", sorted(PASSES))
def test_pass_accepts_a_stage_inside_its_contract(name: str) -> None:
    contract = contract_of(name)
    graph = getattr(PASSES[name](), "graph_contract", None)
    inside = [s for s in SAMPLES
              if next(contracts.violations(sample(s), contract, graph), None) is None]
    for stage in inside:
        PASSES[name]()().apply(make_context(WeightStore()), sample(stage))


def test_lower_to_llvm_conversions_chain() -> None:
    """Each conversion's input contract holds on what the previous ones leave."""
    from tcompiler.passes.lower_to_llvm import LowerToLLVMPass, graph_functions

    module = sample("loops")
    for graph in graph_functions(module):  # not lowered: lower-to-llvm drops it first
        graph.detach()
    ctx = make_context()
    for conversion in LowerToLLVMPass().conversions():
        contract = getattr(conversion, "input_contract", contracts.LOOPS_TO_LLVM)
        assert next(contract.violations(module), None) is None, conversion.name
        conversion.apply(ctx, module)
        module.verify()
    assert next(contracts.LLVM.violations(module), None) is None


def test_structural_preconditions() -> None:
    plan = PASSES["plan-memory"]()()
    module = sample("kernels")
    main = next(op for op in module.ops if op.attributes.get("tcc.graph") is not None)
    main.attributes.pop("tcc.graph")
    with pytest.raises(PassPreconditionError, match="no graph function"):
        plan.apply(make_context(), module)

    inline = Parser(make_context(), module_text(compile_to_stage(
        two_op_model.build(), "graph").module)).parse_module()
    PASSES["convert-onnx-to-kernel"]()().apply(make_context(), inline)
    with pytest.raises(PassPreconditionError, match="outline the kernels first"):
        plan.apply(make_context(), inline)

    kernels = sample("kernels")
    for fn in kernels.ops:
        fn.attributes.pop("tcc.kernel", None)
    with pytest.raises(PassPreconditionError, match="is not directly in a kernel function"):
        PASSES["lower-kernels-to-loops"]()().apply(make_context(), kernels)


def test_tcc_opt_prints_a_precondition_error_as_one_line(tmp_path: Path) -> None:
    path = tmp_path / "onnx.mlir"
    path.write_text(sample_text("onnx"))
    exe = Path(sys.executable).parent / "tcc-opt"
    proc = subprocess.run([str(exe), str(path), "-p", "lower-kernels-to-loops"],
                          capture_output=True, text=True)
    assert proc.returncode == 1
    lines = proc.stderr.strip().splitlines()
    assert len(lines) == 1, proc.stderr
    assert lines[0].startswith("tcc-opt: error: pass 'lower-kernels-to-loops' precondition "
                               "failed: op 'onnx."), lines[0]
