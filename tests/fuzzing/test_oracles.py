"""Each oracle fires on a planted bug (tests/fuzzing/planted.py), and what is not a bug is not
reported: a precondition error or a user error makes the input invalid or declined."""

from __future__ import annotations

import random

import pytest

from tcompiler.fuzz import worker
from tcompiler.fuzz.case import Case
from tcompiler.fuzz.generate import generate
from tcompiler.fuzz.mutate_passes import default_pipeline
from tcompiler.fuzz.worker import Execution, Executor

from .conftest import chain_model, gemm_model

PIPELINE = default_pipeline("onnx")
PLANNED = PIPELINE.index("plan-memory{method=greedy}") + 1


def run(executor: Executor, case: Case, native: bool = False,
        differential: bool = False) -> Execution:
    return executor.run(case, native=native, differential=differential)


def onnx_case(passes: tuple[str, ...], model: bytes | None = None) -> Case:
    return Case("onnx", passes, model=chain_model() if model is None else model)


def test_the_default_pipeline_is_clean(executor: Executor) -> None:
    execution = run(executor, onnx_case(PIPELINE), native=True)
    assert execution.status == "valid" and execution.finding is None
    assert "interp" in execution.oracles and "native" in execution.oracles


def test_crash(executor: Executor) -> None:
    execution = run(executor, onnx_case(("crash-on-gemm", *PIPELINE), gemm_model()))
    finding = execution.finding
    assert finding is not None and finding.kind == "crash"
    assert finding.culprit == "crash-on-gemm"
    assert finding.signature == "crash|crash-on-gemm|KeyError|planted.py:apply"


def test_invalid_ir_after_a_pass(executor: Executor) -> None:
    finding = run(executor, onnx_case(("drop-return",))).finding
    assert finding is not None and finding.kind == "invalid-ir"
    assert finding.culprit == "drop-return" and "VerifyException" in finding.signature


def test_miscompilation(executor: Executor) -> None:
    execution = run(executor, onnx_case(("onnx-canonicalize", "drop-conv-bias", *PIPELINE)))
    finding = execution.finding
    assert finding is not None and finding.kind == "miscompile"
    assert finding.culprit == "drop-conv-bias"  # the pass after which outputs differ
    assert finding.signature == "miscompile|drop-conv-bias|Mul"  # the op computing the output
    assert set(execution.evidence) == {"inputs", "expected", "actual"}
    assert finding.expected != finding.actual


def test_pipeline_differential(executor: Executor, monkeypatch: pytest.MonkeyPatch) -> None:
    def variant(case: Case, key: str) -> tuple[Case | None, str]:
        return case.with_pipeline(("drop-conv-bias", *case.pipeline), "variant"), "planted"

    monkeypatch.setattr(worker, "variant_case", variant)
    execution = run(executor, onnx_case(PIPELINE), differential=True)
    finding = execution.finding
    assert finding is not None and finding.kind == "pipeline-differential"
    assert finding.signature == "pipeline-differential|planted|Mul"


def test_memory_plan_violation(executor: Executor) -> None:
    pipeline = (*PIPELINE[:PLANNED], "overlap-plan", *PIPELINE[PLANNED:])
    finding = run(executor, onnx_case(pipeline)).finding
    assert finding is not None and finding.kind == "memory-plan"
    assert finding.culprit == "overlap-plan" and "overlap" in finding.message


def test_hang_over_the_pass_budget(executor: Executor) -> None:
    finding = run(executor, onnx_case(("spin",))).finding
    assert finding is not None and finding.kind == "hang"
    assert finding.signature == "hang|spin"
    # the executor goes on after a hang
    assert run(executor, onnx_case(PIPELINE)).finding is None


def test_segfault_in_native_code_is_a_bug_report(executor: Executor) -> None:
    case = generate(random.Random(0), "loops")
    execution = run(executor, case.with_pipeline((*case.pipeline, "oob-store"), "planted"),
                    native=True)
    finding = execution.finding
    assert finding is not None and finding.kind == "crash"
    assert finding.signature == "crash|native|SIGSEGV"
    # the native child was restarted: the next native run works
    clean = run(executor, case, native=True)
    assert clean.finding is None and "native" in clean.oracles


def test_precondition_errors_are_invalid_inputs(executor: Executor) -> None:
    execution = run(executor, onnx_case(("lower-kernels-to-loops",)))
    assert execution.status == "invalid" and execution.finding is None


def test_user_errors_are_declines(executor: Executor) -> None:
    from onnx import TensorProto, helper

    x = helper.make_tensor_value_info("x", TensorProto.FLOAT, [2])
    y = helper.make_tensor_value_info("y", TensorProto.FLOAT, [2])
    graph = helper.make_graph([helper.make_node("NoSuchOp", ["x"], ["y"])], "g", [x], [y])
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17)])
    execution = run(executor, onnx_case(PIPELINE, model.SerializeToString()))
    assert execution.status == "declined" and execution.finding is None


def test_unparsable_ir_is_invalid(executor: Executor) -> None:
    execution = run(executor, Case("loops", (), ir="func.func @f( {"))
    assert execution.status == "invalid" and execution.finding is None


IN_PLACE_COPY = """builtin.module {
  func.func @main(%x: memref<64xf32>, %y: memref<64xf32>) attributes {tcc.graph} {
    %a = kernel.buffer : memref<64xf32>
    func.call @k(%x, %a) : (memref<64xf32>, memref<64xf32>) -> ()
    %b = kernel.buffer : memref<64xf32>
    func.call @k(%a, %b) : (memref<64xf32>, memref<64xf32>) -> ()
    func.call @k(%b, %y) : (memref<64xf32>, memref<64xf32>) -> ()
    func.return
  }
  func.func @k(%i: memref<64xf32>, %o: memref<64xf32>) attributes {tcc.kernel} {
    kernel.copy %i -> %o : memref<64xf32> -> memref<64xf32>
    func.return
  }
}
"""


def test_in_place_plans_stay_valid_after_lowering(executor: Executor) -> None:
    """A copy kernel takes its input's bytes over; lowered to loops, the call no longer says
    it may, and the validator must not call that an overlap (a false positive found by
    fuzzing)."""
    case = Case("kernels", ("plan-memory", "lower-kernels-to-loops"), ir=IN_PLACE_COPY)
    execution = run(executor, case)
    assert execution.status == "valid" and execution.finding is None
    chain = (*PIPELINE, "overlap-plan")  # after lowering: a real overlap is still found
    finding = run(executor, onnx_case(chain)).finding
    assert finding is not None and finding.kind == "memory-plan"


def test_ill_conditioned_programs_are_not_miscompilations(executor: Executor) -> None:
    """A LayerNorm whose variance is sum(|x - mean|) = 0 up to rounding (an IR mutant found by
    `tcc fuzz`): native and interpreted outputs differ by 2e-3, but so does the reference
    under 1-ulp inputs, so it is counted as unstable, not reported. (The reducer had left two
    outputs that empty kernels never wrote; they were removed: such a case is invalid.)"""
    from pathlib import Path

    case = Case.load(Path(__file__).parent / "data" / "ill_conditioned")
    executor.errors.clear()
    execution = run(executor, case, native=True)
    assert execution.status == "valid" and execution.finding is None
    assert "native" in execution.oracles
    assert any(key.startswith("unstable") for key in executor.errors)


def test_wrong_results_are_told_apart_by_what_computes_them() -> None:
    """A signature names the op (ONNX) or kernel (IR levels) computing the differing output,
    so one pass's distinct miscompilations are not deduplicated into one."""
    import re

    from tcompiler.context import make_context, parse_module
    from tcompiler.fuzz import oracles
    from tcompiler.ir_names import OUTPUT_NAMES

    case = generate(random.Random(3), "kernels")
    assert case.ir is not None
    module = parse_module(case.ir, make_context())
    main = next(op for op in module.ops if OUTPUT_NAMES in op.attributes)
    output = main.attributes[OUTPUT_NAMES].data[0].data  # type: ignore[attr-defined]
    site = oracles.output_site(case, module, output)
    assert site and not re.search(r"_\d+$", site)
    assert oracles.output_site(case, module, "no such output") == ""


def test_no_output_is_compared_where_onnxruntime_refuses_the_inputs(executor: Executor) -> None:
    """A MaxPool whose SAME_LOWER pads onnxruntime refuses at run time: onnx.reference, the
    fallback, is wrong there (it shifts the window a row), so the output is not compared
    (found by `tcc fuzz` as a false miscompile); crashes and invalid IR still count."""
    from pathlib import Path

    case = Case.load(Path(__file__).parent / "data" / "ort_refuses")
    executor.errors.clear()
    execution = run(executor, case, native=True)
    assert execution.status == "valid" and execution.finding is None
    assert any(key.startswith("reference: onnxruntime refuses") for key in executor.errors)


def test_onnxruntime_runs_out_of_process(executor: Executor,
                                         monkeypatch: pytest.MonkeyPatch) -> None:
    """onnxruntime segfaulted inside a campaign's process on a mutated model (seen in the
    ablation runs): the reference now runs in the native child, and a crash there only means
    no output is compared."""
    real = executor.native.run
    jobs: list[str] = []

    def crashing(job: tuple) -> tuple[str, object]:
        jobs.append(job[0])
        return ("died", "SIGSEGV") if job[0] == "reference" else real(job)

    monkeypatch.setattr(executor.native, "run", crashing)
    executor.errors.clear()
    execution = run(executor, onnx_case(PIPELINE))
    assert jobs[0] == "reference"
    assert execution.status == "valid" and execution.finding is None
    assert executor.errors.get("reference: onnxruntime died") == 1
