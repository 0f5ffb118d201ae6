"""Buffers of a graph function before outlining: who writes and who reads them.

Each `kernel.buffer` is written by one kernel op (its last operand, destination-passing) and
read by the ops that take it as another operand; the fusion passes fold a writer into its
only reader. Moving a computation later is sound only while every buffer is written once
and owns its memory, which `require_write_once` checks.
"""

from __future__ import annotations

from xdsl.ir import Operation, SSAValue

from tcompiler import contracts
from tcompiler.dialects import kernel


def base(value: SSAValue) -> SSAValue:
    """The buffer (or argument, or weight) that `value` is a view of, or `value` itself."""
    while isinstance(value.owner, kernel.ViewOp):
        value = value.owner.source
    return value


def require_write_once(root: Operation, pass_name: str) -> None:
    """Raise `PassPreconditionError` unless each buffer under `root` is written by one kernel
    op (through any views) and no buffer has an arena offset yet (memory not shared)."""
    written: set[SSAValue] = set()
    for op in root.walk():
        if isinstance(op, kernel.BufferOp):
            contracts.precondition(op.offset is None, pass_name,
                                   "buffers already have arena offsets (run before plan-memory)")
        if not isinstance(op, kernel.KERNEL_OPS):
            continue
        target = base(op.operands[-1])
        contracts.precondition(target not in written, pass_name,
                               f"{contracts.describe(op)} writes a buffer another kernel op "
                               "writes (fusion needs each buffer written once)")
        written.add(target)


def sole_writer(buffer: SSAValue, reader: Operation) -> Operation | None:
    """The kernel op writing `buffer` when `buffer` is a `kernel.buffer` that only that op
    writes and only `reader` reads (as one operand); else None."""
    users = [use.operation for use in buffer.uses]
    if not isinstance(buffer.owner, kernel.BufferOp) or len(users) != 2:
        return None
    if users.count(reader) != 1:
        return None
    writer = users[0] if users[1] is reader else users[1]
    if not isinstance(writer, kernel.KERNEL_OPS) or writer.operands[-1] is not buffer:
        return None
    return writer
