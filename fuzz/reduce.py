"""Reducing a failing case while its bug holds (`oracles.same_bug`), and writing its folder.

    reduced = reduce_case(executor, case, execution, seconds=60)
    report = bug_report(executor, case, execution, found_at, seconds=60)
    write_bug(Path("campaign/bugs/miscompile-x-1a2b3c4d"), report, plugins=())

Delta debugging (Zeller's ddmin, complements first) in process, every test one
`Executor.run` with the native and differential oracles forced as the finding needs them:
1. the pass list (the culprit pass cannot go: it is part of the signature);
2. the program: ONNX nodes for onnx-level cases (a removed node's outputs that others still
   read become graph inputs, typed by shape inference, so every candidate is a valid model;
   then the graph outputs), the top-level ops of every function for IR-level ones (an op
   whose results are still used stays; functions nothing calls go);
3. pass options back to their defaults;
repeated until nothing changes or the time is up (the best case so far is kept).

A bug folder holds the reduced program (`program.mlir` at its level, for onnx-level cases as
the frontend imports it, plus `program.onnx`; `program.npz` with its weights), `repro.sh`
(the `tcc-opt` command that runs the failing pipeline on it, the comparison of wrong results,
and `tcc fuzz --replay` which runs every oracle as the campaign did), `bug.json` (kind,
signature, message, expected and actual values), `inputs.npz` / `expected.npz` / `actual.npz`
for wrong results, and the cases themselves: `reduced/` and the unreduced `original/`.
"""

from __future__ import annotations

import json
import shlex
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar

import numpy as np

from tcompiler.context import make_context, module_text, parse_module
from tcompiler.fuzz.case import Case
from tcompiler.fuzz.oracles import Finding, same_bug

if TYPE_CHECKING:
    from tcompiler.fuzz.worker import Execution, Executor

T = TypeVar("T")

NATIVE_CULPRITS = ("native", "lower-to-llvm")


@dataclass
class BugReport:
    finding: Finding
    original: Case
    reduced: Case
    program: str  # the reduced program's IR (onnx level: as the frontend imports it)
    program_weights: dict[str, Any]
    evidence: dict[str, dict[str, Any]]  # inputs / expected / actual arrays (wrong results)
    seconds: float  # into the round, when found
    reduce_seconds: float
    variant: str | None = None  # the differential's variant (pipeline-differential)


def bug_report(executor: Executor, case: Case, execution: Execution, found_at: float,
               seconds: float) -> BugReport:
    """Reduce `case` (which produced `execution.finding`) and gather what its folder shows."""
    start = time.monotonic()
    reduced = reduce_case(executor, case, execution, seconds)
    final = replay(executor, reduced, execution)
    assert execution.finding is not None
    if not same_bug(final.finding, execution.finding):
        reduced, final = case, execution  # flaky: report the original as found
    program, weights = program_text(reduced)
    assert final.finding is not None
    return BugReport(final.finding, case, reduced, program, weights,
                     {k: dict(v) for k, v in final.evidence.items()}, found_at,
                     time.monotonic() - start, execution.variant)


def replay(executor: Executor, case: Case, like: Execution) -> Execution:
    """Run `case` with the oracles `like`'s finding needs."""
    finding = like.finding
    assert finding is not None
    return executor.run(case, native=finding.culprit in NATIVE_CULPRITS
                        or finding.kind in ("crash", "hang") and finding.culprit == "native",
                        differential=finding.kind == "pipeline-differential",
                        variant=like.variant)


def reduce_case(executor: Executor, case: Case, execution: Execution,
                seconds: float) -> Case:
    """The smallest case found within `seconds` that still has `execution`'s bug
    (`oracles.same_bug`)."""
    original = execution.finding
    assert original is not None
    deadline = time.monotonic() + seconds

    def holds(candidate: Case) -> bool:
        return same_bug(replay(executor, candidate, execution).finding, original)

    current = case
    while time.monotonic() < deadline:
        before = size_of(current)
        current = reduce_pipeline(current, holds, deadline)
        current = reduce_program(current, holds, deadline)
        current = reduce_options(current, holds, deadline)
        if size_of(current) >= before:
            break
    return current


def size_of(case: Case) -> tuple[int, int, int]:
    program = len(case.model) if case.model is not None else len(case.ir or "")
    return (len(case.pipeline), program, sum(len(s) for s in case.pipeline))


# -------------------------------------------------------------------------------- ddmin


def ddmin(items: Sequence[T], test: Callable[[list[T]], bool], deadline: float) -> list[T]:
    """A 1-minimal subsequence of `items` for which `test` holds (assumed for `items`), or
    the smallest found when `deadline` (time.monotonic) passes."""
    current = list(items)
    n = 2
    while len(current) >= 2 and time.monotonic() < deadline:
        size = max(1, len(current) // n)
        chunks = [current[i:i + size] for i in range(0, len(current), size)]
        for k in range(len(chunks)):
            complement = [x for j, c in enumerate(chunks) if j != k for x in c]
            if time.monotonic() < deadline and test(complement):
                current, n = complement, max(n - 1, 2)
                break
        else:
            if n >= len(current):
                break
            n = min(2 * n, len(current))
    return current


def reduce_pipeline(case: Case, holds: Callable[[Case], bool], deadline: float) -> Case:
    kept = ddmin(range(len(case.pipeline)), lambda keep: holds(
        case.with_pipeline(tuple(case.pipeline[i] for i in keep), case.origin)), deadline)
    return case.with_pipeline(tuple(case.pipeline[i] for i in kept), case.origin)


def reduce_options(case: Case, holds: Callable[[Case], bool], deadline: float) -> Case:
    for index, spec in enumerate(case.pipeline):
        if "{" not in spec or time.monotonic() >= deadline:
            continue
        pipeline = list(case.pipeline)
        pipeline[index] = spec.split("{")[0]
        candidate = case.with_pipeline(tuple(pipeline), case.origin)
        if holds(candidate):
            case = candidate
    return case


def reduce_program(case: Case, holds: Callable[[Case], bool], deadline: float) -> Case:
    if case.model is not None:
        return reduce_model(case, holds, deadline)
    return reduce_ir(case, holds, deadline)


# --------------------------------------------------------------------------- ONNX models


def reduce_model(case: Case, holds: Callable[[Case], bool], deadline: float) -> Case:
    import onnx

    assert case.model is not None
    proto = onnx.ModelProto.FromString(case.model)
    try:
        types = value_types(proto)
    except Exception:  # noqa: BLE001  (shape inference fails: keep the model as it is)
        return case

    def with_nodes(keep: list[int]) -> Case | None:
        model = sub_model(proto, keep, types)
        return None if model is None else replace(case, model=model)

    def test(keep: list[int]) -> bool:
        candidate = with_nodes(keep)
        return candidate is not None and holds(candidate)

    nodes = ddmin(range(len(proto.graph.node)), test, deadline)
    reduced = with_nodes(nodes) or case
    assert reduced.model is not None
    smaller = onnx.ModelProto.FromString(reduced.model)
    outputs = [o.name for o in smaller.graph.output]

    def test_outputs(keep: list[str]) -> bool:
        return bool(keep) and holds(replace(reduced, model=with_outputs(smaller, keep)))

    kept = ddmin(outputs, test_outputs, deadline)
    return replace(reduced, model=with_outputs(smaller, kept)) if kept != outputs else reduced


def value_types(proto: Any) -> dict[str, Any]:
    """The type of every value of the graph (inputs, outputs, and what shape inference
    finds for the others)."""
    import onnx

    inferred = onnx.shape_inference.infer_shapes(proto)
    graph = inferred.graph
    return {v.name: v.type for v in [*graph.input, *graph.value_info, *graph.output]}


def sub_model(proto: Any, keep: Sequence[int], types: dict[str, Any]) -> bytes | None:
    """The model of the nodes `keep`: values they read that no kept node makes become graph
    inputs; graph outputs no kept node makes are dropped (the last kept node's outputs stand
    in if none is left). None when that is not a valid model."""
    import onnx
    from onnx import helper

    graph = proto.graph
    nodes = [graph.node[i] for i in keep]
    if not nodes:
        return None
    made = {o for n in nodes for o in n.output if o}
    read = [i for n in nodes for i in n.input if i and i not in made]
    initializers = [t for t in graph.initializer if t.name in set(read)]
    known = {t.name for t in initializers}
    inputs, seen = [], set()
    for name in read:
        if name in known or name in seen:
            continue
        seen.add(name)
        if name not in types:
            return None
        inputs.append(helper.make_value_info(name, types[name]))
    outputs = [o for o in graph.output if o.name in made]
    if not outputs:
        last = [o for o in nodes[-1].output if o]
        if not last or any(o not in types for o in last):
            return None
        outputs = [helper.make_value_info(o, types[o]) for o in last]
    new_graph = helper.make_graph(nodes, graph.name, inputs, outputs, initializers)
    model = helper.make_model(new_graph, opset_imports=list(proto.opset_import),
                              ir_version=proto.ir_version)
    try:
        onnx.checker.check_model(model, full_check=True)
    except Exception:  # noqa: BLE001  (any checker complaint: not a candidate)
        return None
    return model.SerializeToString()


def with_outputs(proto: Any, names: Sequence[str]) -> bytes:
    import onnx

    model = onnx.ModelProto()
    model.CopyFrom(proto)
    keep = [o for o in model.graph.output if o.name in set(names)]
    del model.graph.output[:]
    model.graph.output.extend(keep)
    return model.SerializeToString()


# ------------------------------------------------------------------------------- IR ops


def reduce_ir(case: Case, holds: Callable[[Case], bool], deadline: float) -> Case:
    assert case.ir is not None
    try:
        count = len(top_level_ops(parse_module(case.ir, make_context())))
    except Exception:  # noqa: BLE001  (dialects of a plug-in: leave the IR as it is)
        return case

    def with_ops(keep: list[int]) -> Case | None:
        text = sub_program(case.ir or "", set(keep))
        return None if text is None else replace(case, ir=text)

    def test(keep: list[int]) -> bool:
        candidate = with_ops(keep)
        return candidate is not None and holds(candidate)

    kept = ddmin(range(count), test, deadline)
    return (with_ops(kept) or case) if len(kept) < count else case


def top_level_ops(module: Any) -> list[Any]:
    """The ops directly in the body of every function of `module`, but the terminators."""
    from xdsl.dialects import func

    return [op for fn in module.body.block.ops if isinstance(fn, func.FuncOp)
            for op in fn.body.block.ops if op is not fn.body.block.last_op]


def sub_program(text: str, keep: set[int]) -> str | None:
    """`text` with only the top-level ops `keep` (None if a removed op's results are still
    used); functions no call and no graph needs are dropped too."""
    module = parse_module(text, make_context())
    ops = top_level_ops(module)
    for index in reversed(range(len(ops))):
        if index in keep:
            continue
        op = ops[index]
        if any(result.uses for result in op.results):
            return None
        op.detach()
        op.erase()
    drop_uncalled_functions(module)
    try:
        module.verify()
    except Exception:  # noqa: BLE001
        return None
    return module_text(module)


def drop_uncalled_functions(module: Any) -> None:
    from xdsl.dialects import func

    from tcompiler import ir_names

    functions = [f for f in module.body.block.ops if isinstance(f, func.FuncOp)]
    called = {op.callee.string_value() for op in module.walk() if isinstance(op, func.CallOp)}
    roots = [f for f in functions if ir_names.GRAPH in f.attributes]
    if not roots:
        return  # lone functions: each may be the entry
    for fn in functions:
        if fn not in roots and fn.sym_name.data not in called:
            fn.detach()
            fn.erase()


# ---------------------------------------------------------------------------- the folder


def program_text(case: Case) -> tuple[str, dict[str, Any]]:
    """The case's program as IR text at its level, and the weights it names (onnx level:
    what the frontend imports; empty if the frontend fails on it)."""
    if case.model is None:
        return case.ir or "", dict(case.weights)
    from tcompiler.frontend import import_model

    try:
        imported = import_model(case.model)
    except Exception:  # noqa: BLE001  (a frontend bug: the .onnx is the reproducer)
        return "", {}
    return module_text(imported.module), dict(imported.weights.arrays)


def write_bug(folder: Path, bug: BugReport, plugins: Sequence[str] = ()) -> None:
    folder.mkdir(parents=True, exist_ok=True)
    finding = bug.finding
    bug.original.save(folder / "original")
    bug.reduced.save(folder / "reduced")
    if bug.reduced.model is not None:
        (folder / "program.onnx").write_bytes(bug.reduced.model)
    if bug.program:
        (folder / "program.mlir").write_text(bug.program)
    if bug.program_weights:
        np.savez(folder / "program.npz", **bug.program_weights)
    for name, arrays in bug.evidence.items():
        if arrays:
            np.savez(folder / f"{name}.npz", **arrays)
    record = {"kind": finding.kind, "signature": finding.signature, "culprit": finding.culprit,
              "message": finding.message, "expected": finding.expected,
              "actual": finding.actual, "pipeline": list(bug.reduced.pipeline),
              "level": bug.reduced.level, "seconds": round(bug.seconds, 3),
              "reduce_seconds": round(bug.reduce_seconds, 3),
              "original_pipeline": list(bug.original.pipeline), "variant": bug.variant}
    (folder / "bug.json").write_text(json.dumps(record, indent=1) + "\n")
    script = folder / "repro.sh"
    script.write_text(repro_script(bug, plugins))
    script.chmod(0o755)


def repro_script(bug: BugReport, plugins: Sequence[str]) -> str:
    finding = bug.finding
    load = "".join(f" --load-plugin {shlex.quote(p)}" for p in plugins)
    pipeline = ",".join(bug.reduced.pipeline)
    weights = " --weights program.npz" if bug.program_weights else ""
    lines = ["#!/bin/sh", f"# {finding.kind} in '{finding.culprit}': {finding.message}",
             f"# signature: {finding.signature}", 'cd "$(dirname "$0")"', ""]
    if bug.program:
        lines += ["# the failing pipeline on the reduced program:"]
        if "inputs" in bug.evidence and finding.culprit not in NATIVE_CULPRITS:
            lines += [f"tcc-opt program.mlir -p {shlex.quote(pipeline)}{weights}{load} "
                      "--interpret --inputs inputs.npz --outputs actual.npz",
                      "python3 -c 'import numpy as np; e = np.load(\"expected.npz\"); "
                      "a = np.load(\"actual.npz\"); "
                      "print({k: float(abs(a[k].astype(float) - e[k]).max()) for k in e.files "
                      "if k in a.files})'"]
        else:
            lines += [f"tcc-opt program.mlir -p {shlex.quote(pipeline)}{weights}{load}"
                      " > /dev/null"]
    elif bug.reduced.model is not None:
        lines += ["# the frontend on the reduced model:", "tcc compile program.onnx --emit onnx"]
    lines += ["", "# every oracle, as the campaign ran them (exit 1: the bug reproduces):",
              f"exec tcc fuzz --replay reduced{load}", ""]
    return "\n".join(lines)
