"""The native entry of a compiled model: one call runs every step, on a pool of threads.

`runner_ir(program)` writes an LLVM module that calls the program's kernels by symbol:

    void tcc_run(void **io, void *arena, void *weights)  // io: input then output pointers
    void tcc_run_timed(void **io, void *arena, void *weights, int64 *stamps)
                                // the same steps; stamps[0] before the first, stamps[i + 1]
                                // after step i: CLOCK_MONOTONIC nanoseconds
    void tcc_worker(int64 t)    // thread t's loop (t = 1 .. T-1); returns after tcc_shutdown()
    void tcc_shutdown(void)
    int64 tcc_threads           // T, set by the loader before the first run (default 1)

The compiler builds it into the artifact's object `tcc_runner` (`runner_object`), so loading
links it with the kernel objects (`tcompiler.codegen.elf_loader`) and compiles nothing; a
program without it (built by hand) gets it compiled at load time.

`tcc_run` calls the kernels in step order; a loop step (`Program.loops`) runs its body's steps
per iteration in a loop of its own step function (`frames.loop_function`). `tcc_run_timed`
is written by the same code, so the two cannot drift; it reads
`clock_gettime(CLOCK_MONOTONIC)` between steps (through the vDSO: some 20 ns a reading,
nanoseconds with no calibration, unlike the cycle counter whose rate would have to be
measured). A parallel step's stamp is taken after its join, so it times
the step on the whole pool, as `tcc_run` runs it. A parallel kernel (its object exports
`<kernel>.units = P`, see `LoopBuilder.parallel`) runs as chunks of P / (2T) units that the
threads claim: `tcc_run` publishes the step (a `void step(lo, hi)` wrapper) under a new
generation, claims chunks itself, then waits until every unit is done. A claim is a
compare-and-swap on a ticket holding (generation, next unit); publishing first closes the
ticket under the new generation, then writes the step, then opens it, so a claim never pairs
one step's ticket with another step's task, and a worker that wakes late claims nothing of a
finished step, and a thread that is descheduled (other processes on the
cores) only delays the chunk it holds: the others take the rest. Workers wait for the next
generation spinning (`pause`) for about a millisecond, then sleep on a futex, so a model
between inferences costs no CPU; the sleeper count tells `tcc_run` when a futex wake is
needed. The split is by output units only, never inside a reduction, so results are the same
bit for bit whatever T.

Every kernel that exports units runs on the pool, however small: measured on the 2-core Xeon
(per-step profile, median of 50 runs), the memory-bound steps that lose at 2 threads (Winograd
transforms and concats of 0.2-1.5 MB: SqueezeNet's winograd_output of 1.3 MB 0.051 -> 0.063
ms, of 0.7 MB 0.015 -> 0.030) lose as much or more when run on the calling thread instead (0.100
and 0.040 ms; ShuffleNet's 0.2 MB concat 0.003 -> 0.005 on the pool, 0.007 alone), and chunks
of units / T (static halves) were no better. The cost is not the handoff but the input: the
previous step wrote it from both cores, so half of it is in the other core's L2, and a step
whose units split its input differently than the producer split its output (channels after
tiles, say) fetches across cores either way. Matching the split by ordering the Winograd
matmul's units panel-major (the output transform splits channels) cost the matmul more than it
saved (SqueezeNet's matmul_2 0.052 -> 0.085 ms at 2 threads, the transform unchanged).

`NativeRunner` finds those symbols in the loaded library and starts T-1 Python threads that
each call `tcc_worker` through ctypes, which releases the GIL: the threads spend their life in
native code. `close()` stops and joins them; a runner forked into a child process starts its
threads again there.
"""

from __future__ import annotations

import ctypes
import os
import threading
from collections.abc import Sequence
from typing import TYPE_CHECKING

from tcompiler.codegen.elf import defined_symbols
from tcompiler.codegen.jit import JitLibrary
from tcompiler.errors import OptionError
from tcompiler.ir_names import units_symbol
from tcompiler.program import Program
from tcompiler.runtime.frames import Frame, loop_function, step_call

if TYPE_CHECKING:
    from tcompiler.codegen.target import Target

SPIN_ITERATIONS = 1 << 14  # x `pause`: about a millisecond of spinning before a futex sleep
CHUNKS_PER_THREAD = 2  # a step's units are claimed in chunks of units / (this x threads)
SYS_FUTEX, FUTEX_WAIT_PRIVATE, FUTEX_WAKE_PRIVATE = 202, 128, 129
CLOCK_MONOTONIC = 1


MAX_THREADS = 1024


def thread_count(threads: int | None) -> int:
    """`threads` checked, or by default `TCC_NUM_THREADS` if set, else every core this process
    may run on. Raises `OptionError` for anything but an integer in [1, MAX_THREADS]."""
    if threads is None:
        value = os.environ.get("TCC_NUM_THREADS", "").strip()
        if not value:
            return len(os.sched_getaffinity(0))
        try:
            threads = int(value)
        except ValueError:
            raise OptionError(f"TCC_NUM_THREADS={value!r}: not an integer") from None
        where = f"TCC_NUM_THREADS={value}"
    else:
        where = f"threads={threads}"
    if isinstance(threads, bool) or not isinstance(threads, int) or not (
            1 <= threads <= MAX_THREADS):
        raise OptionError(f"{where}: the thread count must be an integer from 1 to "
                          f"{MAX_THREADS}")
    return threads


RUNNER_OBJECT = "tcc_runner"
TIMED_ENTRY = "tcc_run_timed"


def runner_ir(program: Program) -> str:
    """The LLVM IR of the runner of `program` (module doc)."""
    n_io = len(program.inputs) + len(program.outputs)
    parallel = {k for k in program.kernels
                if units_symbol(k) in defined_symbols(program.objects[program.kernels[k]])}
    lines = [
        f"@io = internal global [{max(n_io, 1)} x ptr] zeroinitializer, align 64",
        "@arena = internal global ptr null",
        "@weights = internal global ptr null",
        "@tcc_threads = global i64 1, align 64",
        "@gen = internal global i32 0, align 64",
        "@ticket = internal global i64 0, align 64",
        "@done = internal global i64 0, align 64",
        "@chunk = internal global i64 1",
        "@sleepers = internal global i32 0, align 64",
        "@tcc_stop = global i32 0, align 64",
        "@task = internal global ptr null, align 64",
        "@units = internal global i64 0",
        "declare i64 @syscall(i64, ...)",
        "declare i32 @sched_yield()",
        "declare void @llvm.x86.sse2.pause()",
        "declare void @llvm.memcpy.p0.p0.i64(ptr, ptr, i64, i1)",
        "",
    ]
    every = [*program.steps, *(s for body in program.loops.values() for s in body.steps)]
    arity = {step.kernel: len(step.args) for step in every}
    for kernel in sorted(k for k in arity if k not in program.loops):
        ranged = ["i64", "i64"] if kernel in parallel else []
        lines.append(f'declare void @"{kernel}"({", ".join(["ptr"] * arity[kernel] + ranged)})')
        if kernel in parallel:
            lines.append(f'@"{units_symbol(kernel)}" = external constant i64')
    buffers = {buf.id: buf for buf in program.buffers}
    top = Frame("", buffers, len(program.inputs), "@io", "@arena")
    calls: list[list[str]] = []  # per step, the lines of the entry that run it
    for index, step in enumerate(program.steps):
        body = program.loops.get(step.kernel)
        if body is None:
            lines += top.step_function(index, step, parallel)
        else:
            lines += loop_function(index, step, body, top, parallel)
        calls.append(step_call(f"@step{index}", step.kernel, parallel, f"u{index}"))
    return "\n".join([*lines, *_entry(calls, n_io, timed=False), *_entry(calls, n_io, timed=True),
                      *_stamp_ir(), *_pool_ir()]) + "\n"


def _entry(calls: list[list[str]], n_io: int, timed: bool) -> list[str]:
    """`tcc_run`, or with `timed` `tcc_run_timed`: a stamp before the steps and after each."""
    head = ("define void @tcc_run_timed(ptr %ios, ptr %arena, ptr %weights, ptr %stamps) {"
            if timed else "define void @tcc_run(ptr %ios, ptr %arena, ptr %weights) {")
    body = [head, "  store ptr %arena, ptr @arena", "  store ptr %weights, ptr @weights",
            f"  call void @llvm.memcpy.p0.p0.i64(ptr @io, ptr %ios, i64 {8 * n_io}, i1 false)"]
    if timed:
        body.append("  call void @stamp(ptr %stamps, i64 0)")
    for index, lines in enumerate(calls):
        body += lines
        if timed:
            body.append(f"  call void @stamp(ptr %stamps, i64 {index + 1})")
    return [*body, "  ret void", "}", ""]


def _stamp_ir() -> list[str]:
    """stamp(stamps, i): stamps[i] = CLOCK_MONOTONIC in nanoseconds."""
    return [
        "declare i32 @clock_gettime(i32, ptr)",
        "define internal void @stamp(ptr %stamps, i64 %i) {",
        "  %ts = alloca { i64, i64 }, align 8",
        f"  %r = call i32 @clock_gettime(i32 {CLOCK_MONOTONIC}, ptr %ts)",
        "  %s = load i64, ptr %ts",
        "  %nsp = getelementptr inbounds { i64, i64 }, ptr %ts, i32 0, i32 1",
        "  %ns = load i64, ptr %nsp",
        "  %s_ns = mul i64 %s, 1000000000",
        "  %t = add i64 %s_ns, %ns",
        "  %slot = getelementptr inbounds i64, ptr %stamps, i64 %i",
        "  store i64 %t, ptr %slot",
        "  ret void",
        "}",
        "",
    ]


def runner_object(program: Program, target: Target) -> bytes:
    """`runner_ir(program)` compiled for `target` (an ELF object to add to the program).
    Compiling imports LLVM; running the runner does not."""
    from llvmlite import binding as llb

    from tcompiler.codegen.llvm_backend import target_machine

    machine = target_machine(target, opt_level=2)
    module = llb.parse_assembly(runner_ir(program))
    module.verify()
    return bytes(machine.emit_object(module))


def _pool_ir() -> list[str]:
    return [
        # claim and run chunks of generation %g's step until none is left
        "define internal void @work(i64 %g) {",
        "entry:",
        "  br label %claim",
        "claim:",
        "  %ticket = load atomic i64, ptr @ticket acquire, align 8",
        "  %tg = lshr i64 %ticket, 32",
        "  %current = icmp eq i64 %tg, %g",
        "  br i1 %current, label %check, label %over",
        "check:",
        "  %k = and i64 %ticket, 4294967295",
        "  %units = load atomic i64, ptr @units monotonic, align 8",
        "  %left = icmp ult i64 %k, %units",
        "  br i1 %left, label %take, label %over",
        "take:",
        "  %size = load atomic i64, ptr @chunk monotonic, align 8",
        "  %end = add i64 %k, %size",
        "  %short = icmp ult i64 %end, %units",
        "  %hi = select i1 %short, i64 %end, i64 %units",
        "  %task = load atomic ptr, ptr @task monotonic, align 8",
        "  %high = shl i64 %g, 32",
        "  %next = or i64 %high, %hi",
        "  %cas = cmpxchg ptr @ticket, i64 %ticket, i64 %next acq_rel acquire",
        "  %won = extractvalue { i64, i1 } %cas, 1",
        "  br i1 %won, label %run, label %claim",
        "run:",
        "  call void %task(i64 %k, i64 %hi)",
        "  %n = sub i64 %hi, %k",
        "  %d = atomicrmw add ptr @done, i64 %n release",
        "  br label %claim",
        "over:",
        "  ret void",
        "}",
        "",
        # publish a step: first close the ticket under the new generation (no claim of the
        # last step can succeed any more, and a claim that already did read that step's
        # task), then write the new step, then open the ticket
        "define internal void @parallel(ptr %task, i64 %units) {",
        "entry:",
        "  %threads = load i64, ptr @tcc_threads",
        "  %alone = icmp ult i64 %threads, 2",
        "  br i1 %alone, label %inline, label %publish",
        "inline:",
        "  call void %task(i64 0, i64 %units)",
        "  ret void",
        "publish:",
        "  %old = load i32, ptr @gen",
        "  %g32 = add i32 %old, 1",
        "  %g = zext i32 %g32 to i64",
        "  %high = shl i64 %g, 32",
        "  %closed = or i64 %high, 4294967295",
        "  %last = atomicrmw xchg ptr @ticket, i64 %closed seq_cst",
        "  store atomic ptr %task, ptr @task monotonic, align 8",
        "  store atomic i64 %units, ptr @units monotonic, align 8",
        f"  %shares = mul i64 %threads, {CHUNKS_PER_THREAD}",
        "  %share = udiv i64 %units, %shares",
        "  %tiny = icmp eq i64 %share, 0",
        "  %size = select i1 %tiny, i64 1, i64 %share",
        "  store atomic i64 %size, ptr @chunk monotonic, align 8",
        "  store atomic i64 0, ptr @done monotonic, align 8",
        "  store atomic i64 %high, ptr @ticket release, align 8",
        "  store atomic i32 %g32, ptr @gen seq_cst, align 4",
        "  %sleeping = load atomic i32, ptr @sleepers seq_cst, align 4",
        "  %wake = icmp ne i32 %sleeping, 0",
        "  br i1 %wake, label %futex, label %own",
        "futex:",
        f"  %w = call i64 (i64, ...) @syscall(i64 {SYS_FUTEX}, ptr @gen, "
        f"i64 {FUTEX_WAKE_PRIVATE}, i64 2147483647)",
        "  br label %own",
        "own:",
        "  call void @work(i64 %g)",
        "  br label %join",
        "join:",
        "  %n = phi i64 [ 0, %own ], [ %n1, %relax ], [ 0, %yield ]",
        "  %finished = load atomic i64, ptr @done acquire, align 8",
        "  %all = icmp eq i64 %finished, %units",
        "  br i1 %all, label %exit, label %more",
        "more:",
        "  %n1 = add i64 %n, 1",
        "  %patient = icmp ult i64 %n1, 256",
        "  br i1 %patient, label %relax, label %yield",
        "relax:",
        "  call void @llvm.x86.sse2.pause()",
        "  br label %join",
        "yield:",  # the thread we wait for may be descheduled: let it have this core
        "  %y = call i32 @sched_yield()",
        "  br label %join",
        "exit:",
        "  ret void",
        "}",
        "",
        "define void @tcc_worker(i64 %t) {",
        "entry:",  # a worker starting after shutdown() sees its generation, so checks stop
        "  %g0 = load atomic i32, ptr @gen acquire, align 4",
        "  %stopped = load atomic i32, ptr @tcc_stop acquire, align 4",
        "  %late = icmp ne i32 %stopped, 0",
        "  br i1 %late, label %exit, label %wait",
        "wait:",
        "  %seen = phi i32 [ %g0, %entry ], [ %g, %work ]",
        "  br label %spin",
        "spin:",
        "  %n = phi i64 [ 0, %wait ], [ %n1, %relax ], [ 0, %sleep ]",
        "  %g = load atomic i32, ptr @gen acquire, align 4",
        "  %changed = icmp ne i32 %g, %seen",
        "  br i1 %changed, label %got, label %more",
        "more:",
        "  %n1 = add i64 %n, 1",
        f"  %patient = icmp ult i64 %n1, {SPIN_ITERATIONS}",
        "  br i1 %patient, label %relax, label %sleep",
        "relax:",
        "  call void @llvm.x86.sse2.pause()",
        "  br label %spin",
        "sleep:",
        "  %s0 = atomicrmw add ptr @sleepers, i32 1 seq_cst",
        "  %seen64 = zext i32 %seen to i64",
        f"  %r = call i64 (i64, ...) @syscall(i64 {SYS_FUTEX}, ptr @gen, "
        f"i64 {FUTEX_WAIT_PRIVATE}, i64 %seen64, ptr null)",
        "  %s1 = atomicrmw sub ptr @sleepers, i32 1 seq_cst",
        "  br label %spin",
        "got:",
        "  %stopping = load atomic i32, ptr @tcc_stop acquire, align 4",
        "  %quit = icmp ne i32 %stopping, 0",
        "  br i1 %quit, label %exit, label %work",
        "work:",
        "  %g64 = zext i32 %g to i64",
        "  call void @work(i64 %g64)",
        "  br label %wait",
        "exit:",
        "  ret void",
        "}",
        "",
        "define void @tcc_shutdown() {",
        "  store atomic i32 1, ptr @tcc_stop release, align 4",
        "  %old = atomicrmw add ptr @gen, i32 1 seq_cst",
        f"  %w = call i64 (i64, ...) @syscall(i64 {SYS_FUTEX}, ptr @gen, "
        f"i64 {FUTEX_WAKE_PRIVATE}, i64 2147483647)",
        "  ret void",
        "}",
    ]


class NativeRunner:
    """The runner of a loaded library (`tcc_run` linked with the kernels), its threads started."""

    def __init__(self, library: JitLibrary, n_io: int, arena: int, weights: int, threads: int):
        self.threads = threads
        self._library = library  # the code the threads run: alive as long as this runner
        self._run = ctypes.CFUNCTYPE(None, ctypes.c_void_p, ctypes.c_void_p, ctypes.c_void_p)(
            library.address("tcc_run"))
        self._run_timed = ctypes.CFUNCTYPE(
            None, ctypes.c_void_p, ctypes.c_void_p, ctypes.c_void_p, ctypes.c_void_p)(
            library.address(TIMED_ENTRY)) if TIMED_ENTRY in library.symbols else None
        self._worker = ctypes.CFUNCTYPE(None, ctypes.c_int64)(library.address("tcc_worker"))
        self._shutdown = ctypes.CFUNCTYPE(None)(library.address("tcc_shutdown"))
        self._stop = ctypes.c_int32.from_address(library.address("tcc_stop"))
        ctypes.c_int64.from_address(library.address("tcc_threads")).value = threads
        self._io = (ctypes.c_void_p * max(n_io, 1))()
        self._bases = (arena, weights)
        self._threads: list[threading.Thread] = []
        self._pid = 0
        self._start()

    def _start(self) -> None:
        self._stop.value = 0
        self._pid = os.getpid()
        self._threads = [threading.Thread(target=self._worker, args=(t,), daemon=True,
                                          name=f"tcc-worker-{t}")
                         for t in range(1, self.threads)]
        for thread in self._threads:
            thread.start()

    def run(self, pointers: Sequence[int]) -> None:
        """One inference: `pointers` are the input then output data addresses."""
        self._bind(pointers)
        self._run(self._io, *self._bases)

    def run_timed(self, pointers: Sequence[int], stamps: int) -> None:
        """`run`, writing a CLOCK_MONOTONIC nanosecond stamp before the first step and after
        each to the int64 array at address `stamps` (steps + 1 long)."""
        assert self._run_timed is not None, "a runner without tcc_run_timed"
        self._bind(pointers)
        self._run_timed(self._io, *self._bases, stamps)

    def _bind(self, pointers: Sequence[int]) -> None:
        if self._pid != os.getpid():  # forked: the threads did not come along
            self._start()
        self._io[:len(pointers)] = pointers

    def close(self) -> None:
        if self._threads and self._pid == os.getpid():
            self._shutdown()
            for thread in self._threads:
                thread.join()
        self._threads = []
