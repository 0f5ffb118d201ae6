"""Buffers of a graph function before outlining: who writes and who reads them.

Each `kernel.buffer` is written by one kernel op (its last operand, destination-passing) and
read by the ops that take it as another operand; the fusion passes fold a writer into its
only reader.
"""

from __future__ import annotations

from xdsl.ir import Operation, SSAValue

from tcompiler.dialects import kernel


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
