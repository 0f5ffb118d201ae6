"""The kernel DAG the planners work on: pure data, read off `@main` at the kernel level.

    graph = KernelGraph.from_main(main)        # or KernelGraph.build(...) in tests

- `tensors[i]`: every storage base a call touches except weights (read-only, outside the arena):
  `kind` is "arena" (a `kernel.buffer`, the planner gives it an offset), "input" or "output"
  (`@main` arguments: the arena planner ignores them, scratchpad mode tracks them). `nbytes` is
  rounded up to the 64-byte alignment, so every size the planners add is an aligned one.
- `ops[k]`: the k-th `func.call` in program order, with the tensors it reads and writes (views
  resolved to their base) and `inplace`: inputs the kernel may overwrite with its output
  (asked of the kernel op: map and copy element-for-element, conv's residual R; never softmax,
  lrn, gemm, ...). An in-place pair is only used when the op is that input's last reader.
- `deps`: (a, b) with a before b in every valid order: read-after-write, write-after-read and
  write-after-write on one tensor, in program order.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from functools import cached_property

from xdsl.dialects import func
from xdsl.dialects.builtin import ArrayAttr, IntegerAttr, MemRefType
from xdsl.ir import BlockArgument, Operation, SSAValue

from tcompiler import ir_names
from tcompiler.dialects import kernel
from tcompiler.memplan.lifetimes import base_of, is_whole, nbytes
from tcompiler.weights import align_up

KINDS = ("arena", "input", "output")


@dataclass(frozen=True)
class Tensor:
    name: str
    nbytes: int  # 64-byte aligned
    kind: str = "arena"


@dataclass(frozen=True)
class Op:
    name: str
    reads: tuple[int, ...]
    writes: tuple[int, ...]
    inplace: tuple[int, ...] = ()  # inputs whose bytes the output may take over

    @property
    def touches(self) -> tuple[int, ...]:
        return tuple(dict.fromkeys(self.reads + self.writes))


@dataclass(frozen=True)
class KernelGraph:
    tensors: tuple[Tensor, ...]
    ops: tuple[Op, ...]
    deps: tuple[tuple[int, int], ...] = field(default=())

    # ------------------------------------------------------------------ construction

    @staticmethod
    def build(tensors: Sequence[Tensor | tuple[str, int] | tuple[str, int, str]],
              ops: Sequence[Op | tuple[str, Sequence[int], Sequence[int]]]) -> KernelGraph:
        """A graph from plain data; `deps` are derived from the accesses in program order."""
        ts = tuple(t if isinstance(t, Tensor) else Tensor(t[0], align_up(t[1]), *t[2:])
                   for t in tensors)
        os_ = tuple(o if isinstance(o, Op) else Op(o[0], tuple(o[1]), tuple(o[2])) for o in ops)
        return KernelGraph(ts, os_, derive_deps(os_))

    @staticmethod
    def from_main(main: func.FuncOp, element_bytes: int = 0
                  ) -> tuple[KernelGraph, list[kernel.BufferOp | None]]:
        """The graph of `@main`, and for each tensor its `kernel.buffer` (None for arguments);
        `element_bytes` > 0 sizes every tensor at that many bytes per element."""
        callees = _callee_ops(main)
        index: dict[SSAValue, int] = {}
        tensors: list[Tensor] = []
        owners: list[kernel.BufferOp | None] = []
        args = list(main.body.block.args)
        outputs = set(_output_args(main, args))

        def tensor_of(value: SSAValue) -> int | None:
            base = base_of(value)
            owner = base.owner
            if isinstance(owner, kernel.WeightOp):
                return None
            if base not in index:
                index[base] = len(tensors)
                if isinstance(base, BlockArgument):
                    kind = "output" if base in outputs else "input"
                    tensors.append(Tensor(f"arg{base.index}",
                                          align_up(nbytes(base, element_bytes)), kind))
                    owners.append(None)
                else:
                    assert isinstance(owner, kernel.BufferOp), f"unexpected storage {owner}"
                    tensors.append(Tensor(f"%{base.name_hint or len(tensors)}",
                                          align_up(nbytes(base, element_bytes)), "arena"))
                    owners.append(owner)
            return index[base]

        ops: list[Op] = []
        for call in (o for o in main.body.block.ops if isinstance(o, func.CallOp)):
            operands = buffer_arguments(call)
            ids = [tensor_of(v) for v in operands]
            count = _writes(call)
            reads = tuple(dict.fromkeys(i for i in ids[:-count] if i is not None))
            writes = tuple(i for i in ids[-count:] if i is not None)
            kop = callees.get(call.callee.string_value())
            if kop is None and ir_names.INPLACE in call.attributes:
                inplace = _recorded_inplace(call, ids)
            else:
                inplace = _inplace_inputs(kop, operands, ids, tensors)
            ops.append(Op(call.callee.string_value(), reads, writes, inplace))
        return KernelGraph(tuple(tensors), tuple(ops), derive_deps(ops)), owners

    @staticmethod
    def from_graph_stage(main: func.FuncOp, element_bytes: int = 0) -> KernelGraph:
        """The operator graph of the `graph` stage (onnx dialect, one op per ONNX node after
        folding): COSMA's setting, before kernel fusion. Initializers and constants are
        weights; block arguments are inputs; returned values are outputs; no in-place.
        `element_bytes` > 0 sizes every tensor at that many bytes per element."""
        index: dict[SSAValue, int] = {}
        tensors: list[Tensor] = []
        returned: set[SSAValue] = set()
        for op in main.body.block.ops:
            if isinstance(op, func.ReturnOp):
                returned.update(op.operands)

        def tensor_of(value: SSAValue) -> int:
            if value not in index:
                index[value] = len(tensors)
                kind = "input" if isinstance(value, BlockArgument) else (
                    "output" if value in returned else "arena")
                tensors.append(Tensor(f"%{value.name_hint or len(tensors)}",
                                      align_up(nbytes(value, element_bytes)), kind))
            return index[value]

        ops: list[Op] = []
        for op in main.body.block.ops:
            if isinstance(op, func.ReturnOp) or not op.results or _is_constant(op):
                continue
            reads = tuple(dict.fromkeys(
                tensor_of(v) for v in op.operands
                if not (isinstance(v.owner, Operation) and _is_constant(v.owner))))
            writes = tuple(tensor_of(r) for r in op.results)
            ops.append(Op(op.name, reads, writes))
        return KernelGraph(tuple(tensors), tuple(ops), derive_deps(ops))

    # ------------------------------------------------------------------ queries

    @cached_property
    def producers(self) -> tuple[int | None, ...]:
        """First op writing each tensor (None for graph inputs)."""
        first: dict[int, int] = {}
        for k, op in enumerate(self.ops):
            for t in op.writes:
                first.setdefault(t, k)
        return tuple(first.get(t) for t in range(len(self.tensors)))

    @cached_property
    def users(self) -> tuple[tuple[int, ...], ...]:
        """Ops touching each tensor, in program order."""
        users: list[list[int]] = [[] for _ in self.tensors]
        for k, op in enumerate(self.ops):
            for t in op.touches:
                users[t].append(k)
        return tuple(tuple(u) for u in users)

    @cached_property
    def preds(self) -> tuple[tuple[int, ...], ...]:
        p: list[list[int]] = [[] for _ in self.ops]
        for a, b in self.deps:
            p[b].append(a)
        return tuple(tuple(x) for x in p)

    @cached_property
    def succs(self) -> tuple[tuple[int, ...], ...]:
        s: list[list[int]] = [[] for _ in self.ops]
        for a, b in self.deps:
            s[a].append(b)
        return tuple(tuple(x) for x in s)

    @cached_property
    def ancestors(self) -> tuple[frozenset[int], ...]:
        anc: list[frozenset[int]] = []
        for k in range(len(self.ops)):  # program order is topological
            acc: set[int] = set()
            for p in self.preds[k]:
                acc.add(p)
                acc |= anc[p]
            anc.append(frozenset(acc))
        return tuple(anc)

    @cached_property
    def descendants(self) -> tuple[frozenset[int], ...]:
        desc: list[frozenset[int]] = [frozenset()] * len(self.ops)
        for k in reversed(range(len(self.ops))):
            acc: set[int] = set()
            for s in self.succs[k]:
                acc.add(s)
                acc |= desc[s]
            desc[k] = frozenset(acc)
        return tuple(desc)

    def arena_tensors(self, kinds: Sequence[str] = ("arena",)) -> list[int]:
        """Tensors of these kinds that some op touches (the ones a plan places)."""
        return [i for i, t in enumerate(self.tensors) if t.kind in kinds and self.users[i]]

    def is_topological(self, order: Sequence[int]) -> bool:
        if sorted(order) != list(range(len(self.ops))):
            return False
        pos = {k: i for i, k in enumerate(order)}
        return all(pos[a] < pos[b] for a, b in self.deps)

    def live_ranges(self, order: Sequence[int], inplace: dict[int, int] | None = None
                    ) -> dict[int, tuple[int, int]]:
        """Tensor -> [first, last] positions in `order` of the ops touching it. A tensor taken
        over in place (`inplace`: input -> op position) ends one step earlier: its bytes belong
        to the op's output from that step on."""
        pos = {k: i for i, k in enumerate(order)}
        ranges: dict[int, tuple[int, int]] = {}
        for t, users in enumerate(self.users):
            if not users:
                continue
            times = [pos[k] for k in users]
            first, last = min(times), max(times)
            if inplace and t in inplace:
                last = inplace[t] - 1
            ranges[t] = (first, last)
        return ranges


def _is_constant(op: Operation) -> bool:
    constants = ("onnx.initializer", "onnx.Constant", "onnx.ConstantOfShape")
    return op.name in constants and not op.operands


def derive_deps(ops: Sequence[Op]) -> tuple[tuple[int, int], ...]:
    last_write: dict[int, int] = {}
    reads_since: dict[int, list[int]] = {}
    deps: set[tuple[int, int]] = set()
    for k, op in enumerate(ops):
        for t in op.reads:
            if t in last_write:
                deps.add((last_write[t], k))
            reads_since.setdefault(t, []).append(k)
        for t in op.writes:
            if t in last_write:
                deps.add((last_write[t], k))
            deps.update((r, k) for r in reads_since.get(t, []) if r != k)
            last_write[t] = k
            reads_since[t] = []
    return tuple(sorted(d for d in deps if d[0] != d[1]))


def _output_args(main: func.FuncOp, args: list[BlockArgument]) -> list[BlockArgument]:
    names = main.attributes.get(ir_names.OUTPUT_NAMES)
    inputs = main.attributes.get(ir_names.INPUT_NAMES)
    if inputs is not None:
        return args[len(inputs.data):]  # type: ignore[attr-defined]
    if names is not None:
        return args[len(args) - len(names.data):]  # type: ignore[attr-defined]
    written = set()
    for call in (o for o in main.body.block.ops if isinstance(o, func.CallOp)):
        buffers = buffer_arguments(call)
        base = base_of(buffers[-1]) if buffers else None
        if isinstance(base, BlockArgument):
            written.add(base)
    return [a for a in args if a in written]


def _callee_ops(main: func.FuncOp) -> dict[str, Operation]:
    """Kernel function name -> its single kernel op, for the functions of main's module."""
    module = main.parent_op()
    found: dict[str, Operation] = {}
    if module is None:
        return found
    for fn in module.walk():
        if not isinstance(fn, func.FuncOp) or ir_names.KERNEL not in fn.attributes:
            continue
        for op in fn.body.walk():
            if isinstance(op, kernel.KERNEL_OPS):
                found[fn.sym_name.data] = op
                break
    return found


def _recorded_inplace(call: func.CallOp, ids: list[int | None]) -> tuple[int, ...]:
    """The takeovers `plan-memory` recorded on a call (`tcc.inplace`: argument positions),
    for a callee that is no longer one kernel op (lowered to loops): the plan's own claim."""
    attr = call.attributes[ir_names.INPLACE]
    assert isinstance(attr, ArrayAttr)
    positions = [p.value.data for p in attr.data if isinstance(p, IntegerAttr)]
    return tuple(dict.fromkeys(t for p in positions if p < len(ids) - 1
                               and (t := ids[p]) is not None))


def _writes(call: func.CallOp) -> int:
    """How many trailing arguments `call` writes (`ir_names.WRITES`, else its output)."""
    count = call.attributes.get(ir_names.WRITES)
    return count.value.data if isinstance(count, IntegerAttr) else 1


def _inplace_inputs(kop: Operation | None, operands: list[SSAValue], ids: list[int | None],
                    tensors: list[Tensor]) -> tuple[int, ...]:
    """Arena inputs of the call the kernel may overwrite with its output: the kernel op's
    `inplace_inputs()` (destination-style), where input and output are whole bases of one
    size (never a slice: `concat-in-place`'s inputs live inside their concat's bytes)."""
    out = ids[-1]
    if not isinstance(kop, kernel.KernelOp) or out is None or tensors[out].kind != "arena":
        return ()
    if not is_whole(operands[-1]):
        return ()
    if len(kop.operands) != len(operands):
        return ()
    allowed = set(kop.inplace_inputs())
    found: list[int] = []
    for pos, t in enumerate(ids[:-1]):
        if t is None or t == out or t in found or tensors[t].kind != "arena":
            continue
        positions = [p for p, u in enumerate(ids[:-1]) if u == t]
        if (tensors[t].nbytes != tensors[out].nbytes or not is_whole(operands[pos])
                or nbytes(base_of(operands[pos])) != nbytes(base_of(operands[-1]))):
            continue
        if all(p in allowed for p in positions):
            found.append(t)
    return tuple(found)


def buffer_arguments(call: func.CallOp) -> list[SSAValue]:
    """The buffers a kernel call passes, its output last: after `lower-kernels-to-loops` a
    parallel kernel's call also passes its unit range (index constants), which are not."""
    return [a for a in call.arguments if isinstance(a.type, MemRefType)]
