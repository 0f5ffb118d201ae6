"""What counts as a bug, and the references a compiled program is compared against.

Bug kinds (`KINDS`), each found by one check of `tcompiler.fuzz.worker`:

    crash                  a pass, the frontend or the native code raised an exception other
                           than a user error (`TcError`: a clean decline) or a precondition
                           error (`PassPreconditionError`: the input was outside the pass's
                           contract, so the mutant is discarded and counted, never a bug);
                           a native run that dies on a signal
    invalid-ir             the IR a pass left does not verify
    miscompile             the interpreted (`tcompiler.interp`) or native outputs differ from
                           the reference: onnxruntime (else `onnx.reference`) for onnx-level
                           cases, the interpreted input IR for kernels- and loops-level ones
    pipeline-differential  two valid pipelines of the same program (the case's, and the same
                           without its fusion passes or with other random schedules) disagree
    memory-plan            the plan `plan-memory` left in the IR fails the independent
                           validator (`tcompiler.memplan.validate`), or the interpreter, which
                           keeps every buffer in one arena at its planned offset, disagrees
                           with the reference right after `plan-memory`
    hang                   a pass (or the native run) outlived its time budget

Not a bug: outputs that depend on memory nothing wrote (an output never written, a buffer read
before any write, as a reduction that empties a kernel leaves). The native code runs twice,
the arena and outputs first filled with each of `UNWRITTEN_FILLS`; where the interpreter
(whose unwritten memory is NaN / the lowest integer / 0xFF bytes) disagrees with the
reference, both are interpreted again with unwritten memory as 0xA5 bytes. Outputs that move
with the fill make the case invalid (`unwritten_output`), for the campaign and the reducer.

A `Finding` names its kind, the culprit pass (`frontend`, a pass name, or `native` for the
machine code) and a signature for deduplication: kind + pass + exception type + innermost
frame of tcc's (or the plug-in's) code for crashes; kind + pass for wrong results (the pass
found by interpreting after every pass; the differing output and its values are in the
message, not the signature, since generated programs name their outputs arbitrarily).
"""

from __future__ import annotations

import traceback
import zlib
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from types import TracebackType
from typing import Any

import numpy as np

from tcompiler.fuzz.coverage import Scope
from tcompiler.interp import relative_error

KINDS = ("crash", "invalid-ir", "miscompile", "pipeline-differential", "memory-plan", "hang")

TOLERANCE = 1e-4
"""Relative error (`relative_error`: max |a - b| / max |b|) allowed between any output and its
reference: the interpreter stays within 1.3e-6 of onnxruntime on real models."""

NATIVE_TOLERANCE = 1e-3
"""The same for native code (fast-math reassociation, polynomial exp/tanh)."""

OP_TOLERANCE = {"Exp": 1e-3, "Tanh": 1e-3, "Sigmoid": 1e-3, "Softmax": 1e-3, "LogSoftmax": 1e-3,
                "Erf": 1e-3, "Gelu": 1e-3, "Log": 1e-3, "Pow": 1e-3, "Sqrt": 1e-3,
                "Reciprocal": 1e-3, "Div": 1e-3, "HardSwish": 1e-3, "LRN": 1e-3,
                "InstanceNormalization": 1e-3, "LayerNormalization": 1e-3}
"""Per ONNX op: a wider bound for ops whose result amplifies rounding or runs through
approximations; a model's bound is the widest of its ops'."""


@dataclass(frozen=True)
class Finding:
    kind: str
    culprit: str  # "frontend", a pass name, or "native"
    signature: str
    message: str  # one line: what went wrong
    expected: str = ""  # for wrong results: the reference values (summary)
    actual: str = ""

    def __post_init__(self) -> None:
        assert self.kind in KINDS, self.kind


def error_site(tb: TracebackType | None, scope: Scope) -> str:
    """`file:function` of the innermost frame in `scope` (tcc and the focused plug-ins), else
    of the innermost frame at all."""
    frames = traceback.extract_tb(tb)
    for frame in reversed(frames):
        prefix = scope.key_prefix(frame.filename)
        if prefix is not None:
            return f"{prefix}:{frame.name}"
    if frames:
        last = frames[-1]
        return f"{last.filename.rsplit('/', 1)[-1]}:{last.name}"
    return "?"


def crash(kind: str, culprit: str, err: BaseException, scope: Scope) -> Finding:
    """A crash or invalid-IR finding for the exception `err` raised by `culprit`."""
    site = error_site(err.__traceback__, scope)
    text = str(err).strip().splitlines()
    message = f"{type(err).__name__}: {text[0] if text else ''}".rstrip(": ")
    return Finding(kind, culprit, f"{kind}|{culprit}|{type(err).__name__}|{site}",
                   f"pass '{culprit}': {message}"[:500])


WRONG_RESULTS = ("miscompile", "pipeline-differential", "memory-plan")


def same_bug(found: Finding | None, original: Finding) -> bool:
    """Whether `found` (on a reduced case) is still `original`'s bug: the same signature; for a
    wrong result, the same kind and pass (reducing the program may remove the ops after the
    one that goes wrong, which changes what computes the differing output)."""
    if found is None:
        return False
    if original.kind in WRONG_RESULTS:
        return (found.kind, found.culprit) == (original.kind, original.culprit)
    return found.signature == original.signature


def wrong_result(kind: str, culprit: str, output: str, expected: np.ndarray,
                 actual: np.ndarray, what: str, site: str = "") -> Finding:
    """A wrong-result finding; its signature is kind, pass and `site` (what computes the
    differing output: an ONNX op type, or a kernel), so one pass's distinct bugs stay apart."""
    error = relative_error(actual, expected) if actual.shape == expected.shape else float("inf")
    return Finding(kind, culprit, "|".join(p for p in (kind, culprit, site) if p),
                   f"{what}: output '{output}' differs after '{culprit}' "
                   f"(relative error {error:.3g})",
                   expected=summary(expected), actual=summary(actual))


def summary(array: np.ndarray, limit: int = 12) -> str:
    flat = np.asarray(array).reshape(-1)
    values = np.array2string(flat[:limit], precision=5, separator=", ")
    more = f" ... ({flat.size} values)" if flat.size > limit else ""
    return f"{array.dtype}{list(array.shape)} {values}{more}"


# ------------------------------------------------------------------------ comparing outputs


def tolerance(op_types: Sequence[str], native: bool) -> float:
    base = NATIVE_TOLERANCE if native else TOLERANCE
    return max([base, *(OP_TOLERANCE.get(t, 0.0) for t in op_types)])


def first_difference(actual: Mapping[str, np.ndarray], expected: Mapping[str, np.ndarray],
                     bound: float) -> str | None:
    """The name of the first output of `expected` that `actual` misses or gets wrong (floats
    within `bound`, other types exactly; elements the reference leaves NaN or infinite are
    not compared), or None when they agree."""
    for name, want in expected.items():
        got = actual.get(name)
        if got is None or got.shape != want.shape:
            return name
        if not _close(np.asarray(got), np.asarray(want), bound):
            return name
    return None


def _close(got: np.ndarray, want: np.ndarray, bound: float) -> bool:
    if want.dtype.kind != "f":
        return bool(np.array_equal(got, want))
    finite = np.isfinite(want)
    if not finite.any():
        return True
    return relative_error(got[finite], want[finite]) <= bound


UNWRITTEN_FILLS = (0x00, 0xA5)
"""The bytes unwritten memory holds in two runs (0xA5A5A5A5: a finite f32, a negative int)."""


def unwritten_output(first: Mapping[str, np.ndarray], second: Mapping[str, np.ndarray]
                     ) -> str | None:
    """The first output whose bytes differ between two runs of one program on the same inputs
    that only differ in what unwritten memory holds (it depends on that memory), else None."""
    for name, array in first.items():
        other = second.get(name)
        if other is None or np.asarray(other).tobytes() != np.asarray(array).tobytes():
            return name
    return None


def unwritten_reason(name: str, what: str) -> str:
    return f"{what}: output '{name}' depends on memory nothing wrote"


# ------------------------------------------------------------------------------ inputs


def input_value(name: str, shape: Sequence[int], dtype: np.dtype[Any]) -> np.ndarray:
    """The input fed under `name`: seeded by the name and shape, so every run of a case and of
    its reductions sees the same values (floats standard normal, integers in 0..2, bools)."""
    seed = zlib.crc32(f"{name}:{tuple(shape)}".encode())
    rng = np.random.default_rng(seed)
    if dtype.kind == "f":
        return rng.standard_normal(tuple(shape)).astype(dtype)
    if dtype.kind == "b":
        return np.asarray(rng.random(tuple(shape)) < 0.5)  # an array even at rank 0
    return rng.integers(0, 3, tuple(shape)).astype(dtype)


# ------------------------------------------------------------------- onnx-level reference


class ReferenceRefuses(Exception):  # noqa: N818  (an outcome, not an error of ours)
    """onnxruntime loads the model but refuses to run it on these inputs (a pad past what
    reflect allows, negative SAME pads...): the model is at the edge of validity, where
    onnx.reference is least trustworthy, so no output is compared."""


def onnx_reference(model: bytes, feeds: Mapping[str, np.ndarray]
                   ) -> dict[str, np.ndarray] | None:
    """onnxruntime's outputs for `feeds`; where onnxruntime cannot load the model (an op,
    opset or type it lacks), `onnx.reference`'s (with tcc's fixes); else None (neither runs
    the model: the interpreted import stands in). Raises ReferenceRefuses."""
    try:
        session = _onnxruntime_session(model)
    except Exception:  # noqa: BLE001  (onnxruntime lacks the op, or is not installed)
        session = None
    if session is not None:
        names = [o.name for o in session.get_outputs()]
        try:
            outputs = session.run(None, dict(feeds))
        except Exception as err:  # noqa: BLE001
            raise ReferenceRefuses(str(err).splitlines()[0][:200]) from None
        return {n: np.asarray(v) for n, v in zip(names, outputs)}
    try:
        return _onnx_reference(model, feeds)
    except Exception:  # noqa: BLE001
        return None


def _onnxruntime_session(model: bytes) -> Any:
    import onnxruntime as ort

    options = ort.SessionOptions()
    options.log_severity_level = 4  # its own errors are expected (declined ops, int / 0)
    options.graph_optimization_level = ort.GraphOptimizationLevel.ORT_DISABLE_ALL
    return ort.InferenceSession(model, options, providers=["CPUExecutionProvider"])


def _onnx_reference(model: bytes, feeds: Mapping[str, np.ndarray]) -> dict[str, np.ndarray]:
    import onnx

    from tcompiler.frontend.reference import reference_evaluator

    proto = onnx.ModelProto.FromString(model)
    results = reference_evaluator(proto).run(None, dict(feeds))
    return {o.name: np.asarray(v) for o, v in zip(proto.graph.output, results)}


def onnx_feeds(model: bytes) -> dict[str, np.ndarray]:
    """An input for every graph input of `model` that is not an initializer."""
    import onnx
    from onnx import helper

    proto = onnx.ModelProto.FromString(model)
    initializers = {i.name for i in proto.graph.initializer}
    feeds = {}
    for value in proto.graph.input:
        if value.name in initializers:
            continue
        tensor = value.type.tensor_type
        shape = [d.dim_value if d.HasField("dim_value") else 1 for d in tensor.shape.dim]
        dtype = np.dtype(helper.tensor_dtype_to_np_dtype(tensor.elem_type))
        feeds[value.name] = input_value(value.name, shape, dtype)
    return feeds


def output_site(case: Any, module: Any, output: str) -> str:
    """What computes graph output `output`: the ONNX op type of its node (onnx cases), else
    the kernel function that writes it, without its number (`conv` for @conv_3_alias)."""
    import re

    import onnx
    from xdsl.dialects import func

    from tcompiler import ir_names
    from tcompiler.memplan.graph import buffer_arguments

    if case.model is not None:
        graph = onnx.ModelProto.FromString(case.model).graph
        return next((n.op_type for n in graph.node if output in n.output), "")
    for main in module.body.block.ops:
        names = main.attributes.get(ir_names.OUTPUT_NAMES)
        if not isinstance(main, func.FuncOp) or names is None:
            continue
        texts = [n.data for n in names.data]
        if output not in texts:
            return ""
        arg = main.body.block.args[len(main.body.block.args) - len(texts) + texts.index(output)]
        for call in main.body.walk():
            if isinstance(call, func.CallOp) and buffer_arguments(call)[-1:] == [arg]:
                return re.sub(r"(_\d+|_alias\d*)+$", "", call.callee.string_value())
    return ""


def onnx_op_types(model: bytes) -> list[str]:
    import onnx

    return sorted({n.op_type for n in onnx.ModelProto.FromString(model).graph.node})


# ------------------------------------------------------------------------ memory plans


def plan_problems(module: Any) -> list[str]:
    """What the independent validator finds wrong with the memory plan in `module` (the
    offsets `plan-memory` put on the buffers of each planned graph function, in their call
    order); empty when there is no plan or it is valid."""
    from xdsl.dialects import func
    from xdsl.dialects.builtin import IntegerAttr

    from tcompiler import ir_names

    problems: list[str] = []
    for main in module.body.block.ops:
        arena = main.attributes.get(ir_names.ARENA_SIZE)
        if isinstance(main, func.FuncOp) and ir_names.GRAPH in main.attributes and \
                isinstance(arena, IntegerAttr):
            problems += _function_plan_problems(main, arena.value.data)
    return problems


def _function_plan_problems(main: Any, arena_bytes: int) -> list[str]:
    """The validator's findings; a call whose kernel is already lowered takes over the
    inputs `plan-memory` recorded on it (`tcc.inplace`), see `KernelGraph.from_main`."""
    from tcompiler.memplan.graph import KernelGraph
    from tcompiler.memplan.plans import ArenaPlan
    from tcompiler.memplan.validate import validate_arena

    try:
        graph, owners = KernelGraph.from_main(main)
    except Exception:  # noqa: BLE001  (IR the planner could not read either: not a plan)
        return []
    offsets = {t: owner.offset.value.data for t, owner in enumerate(owners)
               if owner is not None and owner.offset is not None}
    missing = [graph.tensors[t].name for t, owner in enumerate(owners)
               if owner is not None and owner.offset is None and graph.users[t]]
    if missing:
        return [f"buffers without an offset in a planned function: {', '.join(missing[:3])}"]
    plan = ArenaPlan("ir", tuple(range(len(graph.ops))), offsets, arena_bytes, 0,
                     inplace=_takeovers(graph, offsets))
    return validate_arena(graph, plan)


def _takeovers(graph: Any, offsets: dict[int, int]) -> dict[int, int]:
    """In-place takeovers the IR implies: an op's output at the same bytes as an input the op
    may overwrite, the op being that input's last user and the output's first."""
    found: dict[int, int] = {}
    for k, op in enumerate(graph.ops):
        if not op.writes or op.writes[0] not in offsets:
            continue
        j = op.writes[0]
        for i in op.inplace:
            same = offsets.get(i) == offsets[j] and \
                graph.tensors[i].nbytes == graph.tensors[j].nbytes
            if same and max(graph.users[i]) == k and min(graph.users[j]) == k:
                found[i] = k
    return found
