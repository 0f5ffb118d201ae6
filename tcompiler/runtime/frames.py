"""The LLVM IR of the runner's step functions (`native.runner_ir` assembles them).

A `Frame` says where a program's buffers are (its io pointer array, its arena pointer, the
weights): the model's own at top level, a loop body's (`program.LoopBody`) inside a loop.
`step_call` runs a step function at once or on the thread pool (`@parallel`, native.py).
`loop_function` writes a loop step: the body's step functions, then a loop in native code that
sets the body's io slots (iteration number, condition and carried values in the scratch,
captured values in the parent's buffers, each scan output's slice i at byte i x its size),
runs the body's steps, copies the condition and carried values out -> in, and stops at the
trip count or on a false condition; the carried values are copied to the results at the end.
"""

from __future__ import annotations

from dataclasses import dataclass

from tcompiler.ir_names import units_symbol
from tcompiler.program import Buffer, LoopBody, Step


def step_call(function: str, kernel: str, parallel: set[str], name: str) -> list[str]:
    """The lines that run a step function: at once, or on the pool for a parallel kernel."""
    if kernel not in parallel:
        return [f"  call void {function}(i64 0, i64 1)"]
    return [f'  %{name} = load i64, ptr @"{units_symbol(kernel)}"',
            f"  call void @parallel(ptr {function}, i64 %{name})"]


@dataclass(frozen=True)
class Frame:
    """Where a (sub-)program's buffers are: io slots in the pointer array `io` (inputs first),
    arena buffers at their offsets from the pointer in global `arena`, weights in @weights."""

    prefix: str  # of the step function names
    buffers: dict[int, Buffer]
    n_inputs: int
    io: str
    arena: str

    def pointer(self, buf: Buffer, value: str) -> list[str]:
        """Lines setting `value` to the address of `buf`."""
        if buf.kind in ("input", "output"):
            slot = buf.index + (self.n_inputs if buf.kind == "output" else 0)
            return [f"  {value}.p = getelementptr inbounds ptr, ptr {self.io}, i64 {slot}",
                    f"  {value} = load ptr, ptr {value}.p"]
        base = "@weights" if buf.kind == "weight" else self.arena
        return [f"  {value}.b = load ptr, ptr {base}",
                f"  {value} = getelementptr inbounds i8, ptr {value}.b, i64 {buf.offset}"]

    def arguments(self, step: Step) -> list[str]:
        """Lines setting %a0, %a1, ... to the addresses of the step's buffers."""
        return [line for position, arg in enumerate(step.args)
                for line in self.pointer(self.buffers[arg], f"%a{position}")]

    def step_function(self, index: int, step: Step, parallel: set[str]) -> list[str]:
        """`void @<prefix>step<index>(i64 lo, i64 hi)`: the kernel call of `step`."""
        args = [f"ptr %a{position}" for position in range(len(step.args))]
        if step.kernel in parallel:
            args += ["i64 %lo", "i64 %hi"]
        name = f'@"{self.prefix}step{index}"' if self.prefix else f"@step{index}"
        return [f"define internal void {name}(i64 %lo, i64 %hi) {{",
                *self.arguments(step), f'  call void @"{step.kernel}"({", ".join(args)})',
                "  ret void", "}", ""]


def loop_function(index: int, step: Step, body: LoopBody, outer: Frame, parallel: set[str]
                   ) -> list[str]:
    """The step function of a loop step (`program.LoopBody`): the body's step functions, its
    io slots and arena pointer as globals, and a loop that runs them per iteration."""
    name = step.kernel
    n_in = len(body.inputs)
    carried, captured = body.carried, n_in - 2 - body.carried
    scans = len(body.outputs) - 1 - carried
    io, arena = f'@"{name}.io"', f'@"{name}.arena"'
    frame = Frame(f"{name}.", {b.id: b for b in body.buffers}, n_in, io, arena)
    lines = [f"{io} = internal global [{n_in + len(body.outputs)} x ptr] zeroinitializer",
             f"{arena} = internal global ptr null", ""]
    for position, inner in enumerate(body.steps):
        lines += frame.step_function(position, inner, parallel)
    offsets, _ = body.state_offsets()
    scratch = f"%a{len(step.args) - 1}"
    slots = [*range(2 + carried), *range(n_in, n_in + 1 + carried)]
    specs = [*body.inputs[:2 + carried], *body.outputs[:1 + carried]]
    first = 1 if body.trip_arg else 0  # the step's args: [trip], initial, captured, results

    def arg(k: int) -> str:
        return f"%a{first + k}"

    finals = [arg(carried + captured + k) for k in range(carried)]
    code = [f"define internal void @step{index}(i64 %lo, i64 %hi) {{", "entry:",
            *outer.arguments(step), f"  store ptr {scratch}, ptr {arena}"]
    for k, (slot, offset) in enumerate(zip(slots, offsets, strict=True)):
        code += [f"  %s{k} = getelementptr inbounds i8, ptr {scratch}, i64 {offset}",
                 *_store_slot(io, slot, f"%s{k}", f"s{k}")]
    for j in range(captured):
        code += _store_slot(io, 2 + carried + j, arg(carried + j), f"c{j}")
    for k in range(carried):  # carried in <- initial
        code.append(_memcpy(f"%s{2 + k}", arg(k), specs[2 + k].nbytes))
    if body.trip_arg:
        code.append("  %trips = load i64, ptr %a0")
    code += ["  store i8 1, ptr %s1", "  br label %head", "head:",
             "  %i = phi i64 [ 0, %entry ], [ %next, %body ]",
             "  %cond = load i8, ptr %s1", "  %running = icmp ne i8 %cond, 0"]
    if body.trip_count >= 0 or body.trip_arg:
        bound = "%trips" if body.trip_arg else body.trip_count
        code += [f"  %more = icmp slt i64 %i, {bound}", "  %go = and i1 %running, %more"]
    else:
        code.append("  %go = or i1 %running, false")
    code += ["  br i1 %go, label %body, label %exit", "body:", "  store i64 %i, ptr %s0"]
    for k in range(scans):
        spec = body.outputs[1 + carried + k]
        code += [f"  %at{k} = mul i64 %i, {spec.nbytes}",
                 f"  %y{k} = getelementptr inbounds i8, ptr {arg(2 * carried + captured + k)}, "
                 f"i64 %at{k}",
                 *_store_slot(io, n_in + 1 + carried + k, f"%y{k}", f"y{k}")]
    for position, inner in enumerate(body.steps):
        code += step_call(f'@"{name}.step{position}"', inner.kernel, parallel, f"u{position}")
    for k in range(1 + carried):  # condition and carried values: out -> in
        code.append(_memcpy(f"%s{1 + k}", f"%s{2 + carried + k}", specs[1 + k].nbytes))
    code += ["  %next = add i64 %i, 1", "  br label %head", "exit:"]
    code += [_memcpy(final, f"%s{2 + k}", specs[2 + k].nbytes) for k, final in enumerate(finals)]
    return [*lines, *code, "  ret void", "}", ""]


def _store_slot(io: str, slot: int, pointer: str, name: str) -> list[str]:
    return [f"  %{name}.slot = getelementptr inbounds ptr, ptr {io}, i64 {slot}",
            f"  store ptr {pointer}, ptr %{name}.slot"]


def _memcpy(dest: str, source: str, nbytes: int) -> str:
    return (f"  call void @llvm.memcpy.p0.p0.i64(ptr {dest}, ptr {source}, i64 {nbytes}, "
            "i1 false)")
