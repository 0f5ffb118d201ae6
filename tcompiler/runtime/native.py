"""The native entry of a loaded model: one call runs every step, on a pool of threads.

At load time, once the kernel objects are relocated and the arena and weights allocated, every
pointer a step passes is known except the caller's inputs and outputs. `runner_ir` writes an
LLVM module with those addresses as constants:

    void run(void **io)         // io: the input then output pointers of this inference
    void worker(int64 t)        // thread t's loop (t = 1 .. T-1); returns after shutdown()
    void shutdown(void)

`run` calls the kernels in step order. A parallel kernel (`<kernel>.units = P`, see
`LoopBuilder.parallel`) gets the unit range [P*t/T, P*(t+1)/T) on thread t, the calling
thread being thread 0: `run` publishes the step (a `void step(lo, hi)` wrapper) and bumps a
generation counter, runs its own share, then waits for the others. Workers wait for the next
generation spinning (`pause`) for about a millisecond, then sleep on a futex, so a model
between inferences costs no CPU; the sleeper count tells `run` when a futex wake is needed.
The split is by output units only, never inside a reduction, so results are the same bit
for bit whatever T.

`NativeRunner` compiles the module (MCJIT, no system compiler) and starts T-1 Python threads
that each call `worker` through ctypes, which releases the GIL: the threads spend their life
in native code. `close()` stops and joins them; a runner forked into a child process starts
its threads again there.
"""

from __future__ import annotations

import ctypes
import os
import threading
from collections.abc import Sequence
from dataclasses import dataclass

from llvmlite import binding as llb

from tcompiler.codegen.llvm_backend import init_llvm
from tcompiler.codegen.target import Target

SPIN_ITERATIONS = 1 << 14  # x `pause`: about a millisecond of spinning before a futex sleep
SYS_FUTEX, FUTEX_WAIT_PRIVATE, FUTEX_WAKE_PRIVATE = 202, 128, 129


@dataclass(frozen=True)
class NativeArg:
    """A kernel argument: a fixed address, or slot `io_slot` of the per-call io array."""

    address: int = 0
    io_slot: int = -1


@dataclass(frozen=True)
class NativeStep:
    address: int  # the kernel's entry
    args: tuple[NativeArg, ...]
    units: int  # 0: no unit range; else the kernel's parallel extent


def default_threads() -> int:
    """`TCC_NUM_THREADS` if set, else every core this process may run on."""
    value = os.environ.get("TCC_NUM_THREADS", "").strip()
    if value:
        return int(value)
    return len(os.sched_getaffinity(0))


def runner_ir(steps: Sequence[NativeStep], n_io: int, threads: int) -> str:
    """The LLVM IR of `run`, `worker` and `shutdown` for `steps` on `threads` threads."""
    lines = [
        f"@io = internal global [{max(n_io, 1)} x ptr] zeroinitializer, align 64",
        "@gen = internal global i32 0, align 64",
        "@pending = internal global i32 0, align 64",
        "@sleepers = internal global i32 0, align 64",
        "@stop = global i32 0, align 64",
        "@task = internal global ptr null, align 64",
        "@units = internal global i64 0",
        "declare i64 @syscall(i64, ...)",
        "declare void @llvm.x86.sse2.pause()",
        "declare void @llvm.memcpy.p0.p0.i64(ptr, ptr, i64, i1)",
        "",
    ]
    run_body: list[str] = [f"  call void @llvm.memcpy.p0.p0.i64(ptr @io, ptr %ios, i64 "
                           f"{8 * n_io}, i1 false)"]
    for index, step in enumerate(steps):
        loads, args = _step_args(step)
        ranged = step.units > 0
        signature = ", ".join(["ptr"] * len(args) + (["i64", "i64"] if ranged else []))
        call_args = ", ".join([f"ptr {a}" for a in args]
                              + (["i64 %lo", "i64 %hi"] if ranged else []))
        callee = f"inttoptr (i64 {step.address} to ptr)"
        lines += [f"define internal void @step{index}(i64 %lo, i64 %hi) {{", *loads,
                  f"  call void {callee}({call_args})  ; void ({signature})",
                  "  ret void", "}", ""]
        if ranged and threads > 1 and step.units > 1:
            run_body.append(f"  call void @parallel(ptr @step{index}, i64 {step.units})")
        else:
            run_body.append(f"  call void @step{index}(i64 0, i64 {max(step.units, 1)})")
    lines += [
        "define void @run(ptr %ios) {", *run_body, "  ret void", "}", "",
        *_pool_ir(threads),
    ]
    return "\n".join(lines) + "\n"


def _step_args(step: NativeStep) -> tuple[list[str], list[str]]:
    loads: list[str] = []
    args: list[str] = []
    for position, arg in enumerate(step.args):
        if arg.io_slot >= 0:
            loads.append(f"  %a{position}.p = getelementptr inbounds ptr, ptr @io, i64 "
                         f"{arg.io_slot}")
            loads.append(f"  %a{position} = load ptr, ptr %a{position}.p")
            args.append(f"%a{position}")
        else:
            args.append(f"inttoptr (i64 {arg.address} to ptr)")
    return loads, args


def _pool_ir(threads: int) -> list[str]:
    t = threads
    return [
        # thread %t's share of the published step
        "define internal void @chunk(i64 %t) {",
        "  %task = load ptr, ptr @task",
        "  %units = load i64, ptr @units",
        "  %a = mul i64 %units, %t",
        f"  %lo = udiv i64 %a, {t}",
        "  %t1 = add i64 %t, 1",
        "  %b = mul i64 %units, %t1",
        f"  %hi = udiv i64 %b, {t}",
        "  %some = icmp ult i64 %lo, %hi",
        "  br i1 %some, label %go, label %done",
        "go:",
        "  call void %task(i64 %lo, i64 %hi)",
        "  br label %done",
        "done:",
        "  ret void",
        "}",
        "",
        "define internal void @parallel(ptr %task, i64 %units) {",
        "  store ptr %task, ptr @task",
        "  store i64 %units, ptr @units",
        f"  store atomic i32 {t - 1}, ptr @pending release, align 4",
        "  %old = atomicrmw add ptr @gen, i32 1 seq_cst",
        "  %sleeping = load atomic i32, ptr @sleepers seq_cst, align 4",
        "  %wake = icmp ne i32 %sleeping, 0",
        "  br i1 %wake, label %futex, label %own",
        "futex:",
        f"  %w = call i64 (i64, ...) @syscall(i64 {SYS_FUTEX}, ptr @gen, "
        f"i64 {FUTEX_WAKE_PRIVATE}, i64 2147483647)",
        "  br label %own",
        "own:",
        "  call void @chunk(i64 0)",
        "  br label %join",
        "join:",
        "  %left = load atomic i32, ptr @pending acquire, align 4",
        "  %finished = icmp eq i32 %left, 0",
        "  br i1 %finished, label %done, label %relax",
        "relax:",
        "  call void @llvm.x86.sse2.pause()",
        "  br label %join",
        "done:",
        "  ret void",
        "}",
        "",
        "define void @worker(i64 %t) {",
        "entry:",
        "  %g0 = load atomic i32, ptr @gen acquire, align 4",
        "  br label %wait",
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
        "  %stopping = load atomic i32, ptr @stop acquire, align 4",
        "  %quit = icmp ne i32 %stopping, 0",
        "  br i1 %quit, label %exit, label %work",
        "work:",
        "  call void @chunk(i64 %t)",
        "  %p = atomicrmw sub ptr @pending, i32 1 release",
        "  br label %wait",
        "exit:",
        "  ret void",
        "}",
        "",
        "define void @shutdown() {",
        "  store atomic i32 1, ptr @stop release, align 4",
        "  %old = atomicrmw add ptr @gen, i32 1 seq_cst",
        f"  %w = call i64 (i64, ...) @syscall(i64 {SYS_FUTEX}, ptr @gen, "
        f"i64 {FUTEX_WAKE_PRIVATE}, i64 2147483647)",
        "  ret void",
        "}",
    ]


class NativeRunner:
    """`run(io)` of `runner_ir`, compiled, with its worker threads started."""

    def __init__(self, steps: Sequence[NativeStep], n_io: int, threads: int):
        init_llvm()
        self.threads = threads
        target = Target.host()
        tm = llb.Target.from_triple(target.triple).create_target_machine(
            cpu=target.cpu, features=target.features, opt=2, reloc="pic", codemodel="default",
            jit=True)
        module = llb.parse_assembly(runner_ir(steps, n_io, threads))
        module.verify()
        self._engine = llb.create_mcjit_compiler(module, tm)
        self._engine.finalize_object()
        address = self._engine.get_function_address
        self._run = ctypes.CFUNCTYPE(None, ctypes.c_void_p)(address("run"))
        self._worker = ctypes.CFUNCTYPE(None, ctypes.c_int64)(address("worker"))
        self._shutdown = ctypes.CFUNCTYPE(None)(address("shutdown"))
        self._stop = ctypes.c_int32.from_address(self._engine.get_global_value_address("stop"))
        self._io = (ctypes.c_void_p * max(n_io, 1))()
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
        if self._pid != os.getpid():  # forked: the threads did not come along
            self._start()
        self._io[:len(pointers)] = pointers
        self._run(self._io)

    def close(self) -> None:
        if self._threads and self._pid == os.getpid():
            self._shutdown()
            for thread in self._threads:
                thread.join()
        self._threads = []
