"""Stage contracts: which ops the IR of each stage may hold (MLIR's `ConversionTarget` idea).

    contracts.STAGES["kernels"].violations(module)   -> the ops outside that stage's contract
    contracts.require(module, "plan-memory", contracts.KERNELS)
    contracts.precondition(has_graph, "plan-memory", "no graph function")

A `Contract` names legal dialects (every op of them) and legal ops (single ops of dialects
that are otherwise illegal). The driver (`tcompiler.pipeline`) checks the stage contract after
each stage; each pass declares `input_contract: ClassVar[Contract]` and checks it first with
`require` (plus structural checks with `precondition`), which raise `PassPreconditionError`:
one line naming the pass, the first offending op (and its function) and the contract. A
fuzzer tells "the input was outside the pass's contract" (this error) from "the pass crashed"
(anything else); `tcc-opt` and `tcc compile` print it as one line.

Besides the stage contracts, `LOOPS_TO_LLVM`, `LOOPS_CF`, `LOOPS_PTR` and `LLVM_FUNC` are the
inputs of the conversions `lower-to-llvm` runs in order (each is what the previous one leaves).
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field

from xdsl.ir import Operation
from xdsl.utils.exceptions import DiagnosticException


class PassPreconditionError(DiagnosticException):
    """A pass was given IR outside its input contract (not a bug of the pass)."""

    def __init__(self, pass_name: str, message: str):
        self.pass_name = pass_name
        super().__init__(f"pass '{pass_name}' precondition failed: {message}")


@dataclass(frozen=True)
class Contract:
    """The ops IR may hold: whole dialects, plus single ops of other dialects."""

    name: str
    dialects: frozenset[str] = field(default_factory=frozenset)
    ops: frozenset[str] = field(default_factory=frozenset)

    def allows(self, op: Operation) -> bool:
        return op.name in self.ops or op.dialect_name() in self.dialects

    def violations(self, root: Operation) -> Iterator[Operation]:
        """Ops under `root` (itself excluded) outside the contract, in walk order."""
        for op in root.walk():
            if op is not root and not self.allows(op):
                yield op

    def union(self, name: str, other: Contract) -> Contract:
        return Contract(name, self.dialects | other.dialects, self.ops | other.ops)


def _ops(dialect: str, names: str) -> frozenset[str]:
    return frozenset(f"{dialect}.{n}" for n in names.split())


def contract(name: str, dialects: Iterable[str] = (), ops: Iterable[str] = ()) -> Contract:
    return Contract(name, frozenset(dialects), frozenset(ops))


_MODULE = frozenset({"builtin.module"})
_FUNC = _ops("func", "func call return")

ONNX = contract("onnx", ["onnx"], _MODULE | _FUNC)
"""The `onnx` and `graph` stages: the onnx dialect on tensors inside func.func."""

_FREM = frozenset({"llvm.frem"})
"""The float remainder (C fmod): arith has none in xDSL, so map bodies use LLVM's."""

KERNELS = contract("kernels", ["kernel", "arith", "math"], _MODULE | _FUNC | _FREM)
"""The `kernels` and `schedule` stages: kernel ops on memrefs, one function per kernel
(arith and math, and `_FREM`, appear only as the scalar bodies of `kernel.map`)."""

_MEMREF_ACCESS = _ops("memref", "load store alloca") | _ops("vector", "load store")
_BRANCHES = _ops("cf", "br cond_br")

_LLVM_VECTOR = _ops("llvm", "call_intrinsic bitcast sitofp trunc")
"""What neither arith nor vector has for vectors, used by the int8 kernels: target
instructions (AVX-512 VNNI `vpdpbusd`) as LLVM intrinsics, bitcasts, int -> float, truncation."""

LOOPS = contract("loops", ["scf", "arith", "math"], _MODULE | _FUNC | _MEMREF_ACCESS | _FREM
                 | _LLVM_VECTOR | _ops("vector", "broadcast fma shuffle insert reduction"))
"""The `loops` stage: scf loops of scalar and 1-D vector arithmetic on memref arguments (the
vector ops are those `lower-to-llvm` lowers)."""

LLVM = contract("llvm", ["llvm"], _MODULE)
"""The `llvm` stage: only llvm.func (and globals) ready for translation to LLVM IR."""

# `lower-to-llvm` runs its conversions in this order; each takes what the previous one leaves.
LOOPS_TO_LLVM = contract("loops lowering to llvm", [*LOOPS.dialects, "cf", "llvm"],
                         LOOPS.ops | _BRANCHES)
"""The input of `lower-to-llvm` and `convert-scf-to-cf`: the loops stage, possibly partly
lowered already (cf branches, llvm ops)."""

LOOPS_CF = contract("loops after convert-scf-to-cf", LOOPS_TO_LLVM.dialects - {"scf"},
                    LOOPS_TO_LLVM.ops)
"""The input of `convert-memref-to-llvm`: no scf."""

LOOPS_PTR = contract("loops after convert-memref-to-llvm", LOOPS_CF.dialects,
                     LOOPS_CF.ops - _MEMREF_ACCESS)
"""The input of the arith, math and vector conversions (in any order): no memref access."""

LLVM_FUNC = contract("llvm ops in func.func", ["llvm"], _MODULE | _FUNC | _BRANCHES)
"""The input of `convert-func-to-llvm`, the last conversion: llvm ops, func and cf branches."""

STAGES: dict[str, Contract] = {
    "onnx": ONNX, "graph": ONNX, "kernels": KERNELS, "schedule": KERNELS, "loops": LOOPS,
    "llvm": LLVM,
}


GRAPH_AT_STAGE: dict[str, Contract] = {"loops": KERNELS, "llvm": KERNELS}
"""Below the schedule stage the graph function (`tcc.graph`) is not lowered: it stays at the
kernels contract, calling the kernels in order (`tcc compile --emit=loops|llvm` prints it)."""


def stage_violations(module: Operation, stage: str) -> Iterator[Operation]:
    """Ops of `module` outside `stage`'s contract: the graph function is held to
    `GRAPH_AT_STAGE` where the stage names one, every other op to `STAGES[stage]`."""
    yield from violations(module, STAGES[stage], GRAPH_AT_STAGE.get(stage))


def violations(module: Operation, contract: Contract, graph: Contract | None = None
               ) -> Iterator[Operation]:
    """Ops of `module` outside `contract`, the graph function's held to `graph` if given."""
    from xdsl.dialects.builtin import ModuleOp

    from tcompiler.ir_names import GRAPH

    if graph is None or not isinstance(module, ModuleOp):
        yield from contract.violations(module)
        return
    for op in module.body.block.ops:
        rule = graph if GRAPH in op.attributes else contract
        if not rule.allows(op):
            yield op
        yield from rule.violations(op)


def describe(op: Operation) -> str:
    """`op`'s name and, where it has one, the function it sits in."""
    parent = op.parent_op()
    while parent is not None and parent.name not in ("func.func", "llvm.func"):
        parent = parent.parent_op()
    where = f" in @{parent.sym_name.data}" if parent is not None else ""  # type: ignore[attr-defined]
    return f"'{op.name}'{where}"


def require(root: Operation, pass_name: str, allowed: Contract,
            graph: Contract | None = None) -> None:
    """Raise `PassPreconditionError` if `root` holds an op outside `allowed` (its graph
    function: outside `graph`, when given)."""
    for op in violations(root, allowed, graph):
        raise PassPreconditionError(
            pass_name, f"op {describe(op)} is outside its input contract ({allowed.name})")


def precondition(ok: bool, pass_name: str, message: str) -> None:
    """Raise `PassPreconditionError(pass_name, message)` unless `ok` (for structural checks)."""
    if not ok:
        raise PassPreconditionError(pass_name, message)
