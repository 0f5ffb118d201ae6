"""Running one case through tcc and every oracle (`tcompiler.fuzz.oracles`).

    with Executor(ExecConfig(...), collector) as executor:
        execution = executor.run(case)      # status, finding, new coverage, per-pass deltas

The steps, in process (fast, and covered by the collector):
1. load: an onnx-level case goes through the frontend (a `TcError` is a clean decline, any
   other exception a `frontend` crash); an IR-level case is parsed and verified (a mutant that
   does not parse or verify is invalid, discarded and counted);
2. the reference: onnxruntime (else `onnx.reference`) on the model, or the interpreted input IR;
3. the case's pipeline pass by pass, each under a time budget (`hang`), verified after it
   (`invalid-ir`), its new coverage recorded; `PassPreconditionError` and `TcError` make the
   input invalid, any other exception is a `crash`; a memory plan in the IR is validated
   after every pass (`memory-plan`);
4. the result interpreted and compared with the reference (`miscompile`; the culprit is found
   by interpreting after every pass of a replay; `memory-plan` when it is `plan-memory`);
5. for a fraction of the executions (`native_rate`), the kernels are lowered to loops (and
   interpreted), then to the llvm dialect (the kernel stages, in process), and compiled and
   RUN in a child process (`NativeRunner`): a segfault or an abort there is a `crash` of
   `native`, not a dead campaign; a native run that outlives `native_seconds` is a `hang`;
   it runs twice, unwritten memory filled with different bytes, and outputs that differ
   make the case invalid (`oracles.unwritten_output`; so does a difference of the
   interpreted outputs or reference that moves with the interpreter's fill);
6. for a fraction (`differential_rate`), a variant pipeline (the same without its fusion
   passes, or with random schedules) is run and compared (`pipeline-differential`).

Time budgets: a watchdog thread raises `Hang` (a BaseException, so passes cannot swallow it)
in the fuzzing thread through `PyThreadState_SetAsyncExc` when a pass outlives its budget; this
works in any thread (Dask runs tasks in worker threads, where SIGALRM cannot reach). Code
blocked inside a C call (a solver, LLVM) is interrupted when it returns to Python.

The native child is `python -m tcompiler.fuzz.worker` speaking length-prefixed pickles on
stdin/stdout (a subprocess, not multiprocessing, so Dask's daemonic workers can start it).
"""

from __future__ import annotations

import contextlib
import ctypes
import os
import pickle
import select
import signal
import struct
import subprocess
import sys
import threading
import time
import warnings
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from typing import IO, Any

import numpy as np
from xdsl.dialects import func
from xdsl.dialects.builtin import MemRefType, ModuleOp
from xdsl.passes import ModulePass

from tcompiler import contracts, ir_names
from tcompiler.context import make_context, module_text, parse_module
from tcompiler.contracts import PassPreconditionError
from tcompiler.errors import TcError, first_line
from tcompiler.fuzz import oracles
from tcompiler.fuzz.case import Case
from tcompiler.fuzz.coverage import Collector, Scope
from tcompiler.fuzz.oracles import Finding
from tcompiler.plugins import PluginSettings, Registry, discover
from tcompiler.stages import CONV_ALGORITHM_PIPELINE
from tcompiler.weights import TccContext, WeightStore

KERNEL_STAGES = ("lower-kernels-to-loops", "lower-to-llvm")
FUSION_PREFIX = "fuse-"


class Hang(BaseException):
    """Raised in the fuzzing thread when a pass outlives its budget."""


class Watchdog:
    """Raises `Hang` in the thread inside a `limit(seconds)` block when it runs too long."""

    def __init__(self) -> None:
        self._cond = threading.Condition()
        self._armed: tuple[int, float, int] | None = None  # thread id, deadline, generation
        self._generation = 0
        self._fired = False
        self._thread: threading.Thread | None = None

    @contextlib.contextmanager
    def limit(self, seconds: float) -> Iterator[None]:
        self._ensure_thread()
        tid = threading.get_ident()
        with self._cond:
            self._generation += 1
            self._armed = (tid, time.monotonic() + seconds, self._generation)
            self._fired = False
            self._cond.notify()
        try:
            yield
        finally:
            with self._cond:
                self._armed = None
                if self._fired:  # the Hang may still be pending: drop it
                    ctypes.pythonapi.PyThreadState_SetAsyncExc(ctypes.c_ulong(tid), None)
                self._fired = False

    def _ensure_thread(self) -> None:
        if self._thread is None:
            self._thread = threading.Thread(target=self._watch, name="tcc-fuzz-watchdog",
                                            daemon=True)
            self._thread.start()

    def _watch(self) -> None:
        with self._cond:
            while True:
                if self._armed is None:
                    self._cond.wait()
                    continue
                tid, deadline, generation = self._armed
                left = deadline - time.monotonic()
                if left > 0:
                    self._cond.wait(left)
                    continue
                if self._armed is not None and self._armed[2] == generation and not self._fired:
                    self._fired = True
                    ctypes.pythonapi.PyThreadState_SetAsyncExc(ctypes.c_ulong(tid),
                                                               ctypes.py_object(Hang))
                self._cond.wait()


@dataclass(frozen=True)
class ExecConfig:
    plugins: PluginSettings = field(default_factory=PluginSettings)
    plugin_dirs: tuple[str, ...] = ()  # plug-in package folders: their frames sign crashes
    pass_seconds: float = 10.0  # budget of one pass (hang)
    native_rate: float = 0.25  # fraction of valid executions also compiled and run natively
    native_seconds: float = 60.0  # budget of one native compile and run (hang)
    differential_rate: float = 0.2  # fraction also run under a variant pipeline


@dataclass
class Execution:
    status: str  # "valid" | "invalid" (outside a contract, unparsable) | "declined" (TcError)
    reason: str = ""
    finding: Finding | None = None
    points: list[str] = field(default_factory=list)  # new coverage, in first-hit order
    pass_points: dict[str, int] = field(default_factory=dict)  # pass name -> new points
    useful: tuple[int, ...] = ()  # indices of the pipeline's passes that found new points
    seconds: float = 0.0
    oracles: tuple[str, ...] = ()  # the comparisons that ran: interp, native, differential
    variant: str | None = None  # the differential's variant ("fusion", "schedules:<seed>")
    evidence: dict[str, dict[str, np.ndarray]] = field(default_factory=dict)  # inputs,
    # expected, actual: the arrays of a wrong result


class Rejected(Exception):
    """The input was invalid or declined (not a bug): `status` and `reason` say which."""

    def __init__(self, status: str, reason: str):
        super().__init__(reason)
        self.status, self.reason = status, reason


class Found(Exception):
    """A bug: carries the finding (and, for wrong results, the arrays) up to `Executor.run`."""

    def __init__(self, finding: Finding, evidence: dict[str, dict[str, np.ndarray]] | None = None):
        super().__init__(finding.message)
        self.finding, self.evidence = finding, evidence or {}


@dataclass
class State:
    """One execution in progress."""

    case: Case
    module: ModuleOp
    ctx: TccContext
    feeds: dict[str, np.ndarray]
    reference: dict[str, np.ndarray] | None
    op_types: list[str]
    execution: Execution
    done: list[str] = field(default_factory=list)  # pass specs run so far


class Executor:
    def __init__(self, config: ExecConfig = ExecConfig(), collector: Collector | None = None,
                 seed: int = 0):
        import random

        self.config = config
        self.collector = collector
        self.scope = collector.scope if collector else Scope.for_tcc(config.plugin_dirs)
        self.registry: Registry = discover(config.plugins)
        self.watchdog = Watchdog()
        self.native = NativeRunner(config.native_seconds)
        self.rng = random.Random(seed)
        self.errors: dict[str, int] = {}  # oracle errors by kind (the oracle was skipped)

    def __enter__(self) -> Executor:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def close(self) -> None:
        self.native.close()

    # ------------------------------------------------------------------------- entry point

    def run(self, case: Case, *, native: bool | None = None,
            differential: bool | None = None, variant: str | None = None) -> Execution:
        """Execute `case` (see the module doc); `native`/`differential` force those oracles
        on or off (default: at their configured rates), `variant` the differential's variant
        (default: a random one)."""
        start = time.perf_counter()
        execution = Execution("valid")
        self._take()
        try:
            with warnings.catch_warnings(), np.errstate(all="ignore"):
                warnings.simplefilter("ignore")  # numpy's about NaN and empty means
                state = self._load(case, execution)
                for index, spec in enumerate(case.pipeline):
                    self._pass(state, spec, index)
                self._check(state, native, differential, variant)
        except Rejected as rejected:
            execution.status, execution.reason = rejected.status, rejected.reason
        except Found as found:
            execution.finding, execution.evidence = found.finding, found.evidence
        execution.points += self._take()
        execution.seconds = time.perf_counter() - start
        return execution

    def _take(self) -> list[str]:
        return self.collector.take() if self.collector else []

    # ------------------------------------------------------------------------------ load

    def _load(self, case: Case, execution: Execution,
              feeds: Mapping[str, np.ndarray] | None = None) -> State:
        """`case` parsed or imported, with its inputs (`feeds`, else the seeded ones) and
        the reference outputs for them."""
        if case.level == "onnx":
            return self._load_onnx(case, execution, feeds)
        ctx = make_context(WeightStore(dict(case.weights)))
        self.registry.register_dialects(ctx)
        assert case.ir is not None
        try:
            with self.watchdog.limit(self.config.pass_seconds):
                module = parse_module(case.ir, ctx)
                module.verify()
        except (Exception, Hang) as err:  # a mutant that does not parse or verify: invalid
            raise Rejected("invalid", f"input: {type(err).__name__}: {first_line(err)}") from None
        feeds = dict(feeds) if feeds is not None else ir_feeds(module)
        reference = self._interpret(module, ctx, feeds)
        return State(case, module, ctx, feeds, reference, [], execution)

    def _load_onnx(self, case: Case, execution: Execution,
                   feeds: Mapping[str, np.ndarray] | None = None) -> State:
        from tcompiler.frontend import import_model

        assert case.model is not None
        try:
            with self.watchdog.limit(self.config.pass_seconds):
                imported = import_model(case.model)
        except TcError as err:
            raise Rejected("declined", f"frontend: {first_line(err)}") from None
        except Hang:
            raise Found(Finding("hang", "frontend", "hang|frontend",
                                f"the frontend took over {self.config.pass_seconds:g}s")) from None
        except Exception as err:
            raise Found(oracles.crash("crash", "frontend", err, self.scope)) from None
        execution.pass_points["frontend"] = len(self._peek())
        ctx = make_context(imported.weights)
        self.registry.register_dialects(ctx)
        feeds = dict(feeds) if feeds is not None else oracles.onnx_feeds(case.model)
        # onnxruntime runs in the native child: it can crash on a strange model too
        status, reference = self.native.run(("reference", case.model, feeds))
        if status == "ok" and reference is None:  # no reference runs it: the interpreted
            reference = self._interpret(imported.module, ctx, feeds)  # import stands in
        elif status != "ok":  # no output compared (crashes etc. of tcc still count)
            why = "refuses the inputs" if status == "refused" else status
            key = f"reference: onnxruntime {why}"
            self.errors[key] = self.errors.get(key, 0) + 1
            reference = None
        return State(case, imported.module, ctx, feeds, reference,
                     oracles.onnx_op_types(case.model), execution)

    def _peek(self) -> list[str]:
        return self.collector.new if self.collector else []

    # ---------------------------------------------------------------------------- passes

    def make_pass(self, spec: str) -> ModulePass:
        try:
            passes = self.registry.pipeline(spec).passes
        except TcError as err:
            raise Rejected("invalid", f"pipeline: {first_line(err)}") from None
        if len(passes) != 1:
            raise Rejected("invalid", f"pipeline entry {spec!r} is not one pass")
        return passes[0]

    def _pass(self, state: State, spec: str, index: int) -> None:
        p = self.make_pass(spec)
        before = len(self._peek())
        self.apply(p, state.module, state.ctx)
        state.done.append(spec)
        gained = len(self._peek()) - before
        execution = state.execution
        execution.pass_points[p.name] = execution.pass_points.get(p.name, 0) + gained
        if gained:
            execution.useful += (index,)
        problems = oracles.plan_problems(state.module)
        if problems:
            raise Found(Finding("memory-plan", p.name, f"memory-plan|{p.name}|validator",
                                f"after '{p.name}': {problems[0]}"))

    def apply(self, p: ModulePass, module: ModuleOp, ctx: TccContext) -> None:
        """Run one pass and verify: Rejected for inputs outside its contract or user errors,
        Found for crashes, hangs and invalid IR."""
        try:
            with self.watchdog.limit(self.config.pass_seconds):
                p.apply(ctx, module)
        except PassPreconditionError as err:
            raise Rejected("invalid", first_line(err)) from None
        except TcError as err:
            raise Rejected("declined", f"pass '{p.name}': {first_line(err)}") from None
        except Hang:
            raise Found(Finding("hang", p.name, f"hang|{p.name}",
                                f"pass '{p.name}' took over {self.config.pass_seconds:g}s")
                        ) from None
        except Exception as err:
            raise Found(oracles.crash("crash", p.name, err, self.scope)) from None
        try:
            with self.watchdog.limit(self.config.pass_seconds):
                module.verify()
        except Hang:
            raise Found(Finding("hang", p.name, f"hang|{p.name}|verify",
                                f"verifying after '{p.name}' took over "
                                f"{self.config.pass_seconds:g}s")) from None
        except Exception as err:
            raise Found(oracles.crash("invalid-ir", p.name, err, self.scope)) from None

    # ---------------------------------------------------------------------------- oracles

    def _check(self, state: State, native: bool | None, differential: bool | None,
               variant: str | None) -> None:
        ran: list[str] = []
        outputs = None
        if not is_llvm(state.module):
            outputs = self._interpret(state.module, state.ctx, state.feeds)
        if outputs is not None and state.reference is not None:
            ran.append("interp")
            self._compare(state, outputs, native=False, module=state.module)
        if native if native is not None else self.rng.random() < self.config.native_rate:
            if self._native(state):
                ran.append("native")
        state.execution.oracles = tuple(ran)
        if differential if differential is not None else \
                self.rng.random() < self.config.differential_rate:
            if self._differential(state, outputs, variant):
                state.execution.oracles += ("differential",)

    def _interpret(self, module: ModuleOp, ctx: TccContext, feeds: Mapping[str, np.ndarray]
                   ) -> dict[str, np.ndarray] | None:
        """The interpreted outputs, or None when the interpreter cannot run this IR (counted
        in `errors`: the comparison is skipped, never a bug)."""
        from tcompiler import interp

        weights = ctx.weights.arrays if ctx.weights else {}
        try:
            with self.watchdog.limit(self.config.pass_seconds):
                return interp.interpret(module, feeds, weights)
        except (Exception, Hang) as err:
            key = f"interp: {type(err).__name__}"
            self.errors[key] = self.errors.get(key, 0) + 1
            return None

    def _compare(self, state: State, outputs: Mapping[str, np.ndarray], native: bool,
                 culprit: str | None = None, module: ModuleOp | None = None) -> None:
        """Raise Found when `outputs` (interpreted from `module`, else native) differ from
        the reference, unless either depends on unwritten memory (Rejected) or the
        reference is unstable."""
        assert state.reference is not None
        bound = oracles.tolerance(state.op_types, native)
        name = oracles.first_difference(outputs, state.reference, bound)
        if name is None:
            return
        self.reject_unwritten(state, outputs, module)
        if self.unstable(state, bound):
            return
        if culprit is None:
            culprit = self.culprit(state.case, state.feeds, state.reference, bound)
        kind = "memory-plan" if culprit == "plan-memory" else "miscompile"
        got = outputs.get(name, np.zeros(0))
        site = oracles.output_site(state.case, state.module, name)
        raise Found(oracles.wrong_result(kind, culprit, name, state.reference[name], got,
                                         "native code" if native else "interpreted", site),
                    {"inputs": state.feeds, "expected": dict(state.reference),
                     "actual": dict(outputs)})

    def reject_unwritten(self, state: State, outputs: Mapping[str, np.ndarray],
                         module: ModuleOp | None) -> None:
        """Rejected if the interpreted reference (IR-level cases) or `outputs` interpreted
        from `module` change when unwritten memory holds other bytes."""
        from tcompiler.interp.memref import unwritten_fill

        with unwritten_fill(oracles.UNWRITTEN_FILLS[1]):
            if state.case.level != "onnx" and state.reference is not None:
                try:
                    again = self._load(state.case, Execution("valid"), state.feeds).reference
                except (Rejected, Found):
                    again = None
                name = None if again is None else \
                    oracles.unwritten_output(state.reference, again)
                if name is not None:
                    raise Rejected("invalid", oracles.unwritten_reason(name, "reference"))
            again = None if module is None else \
                self._interpret(module, state.ctx, state.feeds)
            name = None if again is None else oracles.unwritten_output(outputs, again)
            if name is not None:
                raise Rejected("invalid", oracles.unwritten_reason(name, "interpreted"))

    def unstable(self, state: State, bound: float) -> bool:
        """Whether the reference itself moves by more than `bound` when every float input
        moves by one ulp: the program is ill-conditioned at these inputs (its outputs are
        amplified rounding, e.g. a variance of values that cancel), so a difference is no
        evidence of a miscompilation. Counted in `errors`, never reported."""
        assert state.reference is not None
        nudged = {k: np.nextafter(v, np.inf).astype(v.dtype) if v.dtype.kind == "f" else v
                  for k, v in state.feeds.items()}
        try:
            again = self._load(state.case, Execution("valid"), nudged).reference
        except (Rejected, Found):
            return False
        if again is None or oracles.first_difference(again, state.reference, bound) is None:
            return False
        key = "unstable: the reference moves by more than the tolerance under 1-ulp inputs"
        self.errors[key] = self.errors.get(key, 0) + 1
        return True

    def culprit(self, case: Case, feeds: Mapping[str, np.ndarray],
                reference: Mapping[str, np.ndarray], bound: float) -> str:
        """The first step after which the interpreted IR disagrees with `reference`: the
        frontend, or a pass of the case's pipeline (the last one if none reproduces it)."""
        try:
            state = self._load(case, Execution("valid"))
        except (Rejected, Found):
            return case.pipeline[-1].split("{")[0] if case.pipeline else "frontend"
        steps = [("frontend", None), *((spec.split("{")[0], spec) for spec in case.pipeline)]
        for name, spec in steps:
            if spec is not None:
                try:
                    self.apply(self.make_pass(spec), state.module, state.ctx)
                except (Rejected, Found):
                    return name
            outputs = None if is_llvm(state.module) else \
                self._interpret(state.module, state.ctx, feeds)
            if outputs is not None and oracles.first_difference(outputs, reference, bound):
                return name
        return steps[-1][0]

    # ----------------------------------------------------------------------------- native

    def _native(self, state: State) -> bool:
        """Lower, compile and run the result natively; compare (True if it ran)."""
        module = state.module.clone()
        main = graph_function(module)
        if main is not None:
            return self._native_program(state, module, main)
        return self._native_function(state, module)

    def _lower_to_loops(self, state: State, module: ModuleOp) -> None:
        if next(contracts.KERNELS.violations(module), None) is not None:
            return
        if not any(ir_names.KERNEL in f.attributes for f in module.body.block.ops
                   if isinstance(f, func.FuncOp)):
            return
        self.apply(self.make_pass(KERNEL_STAGES[0]), module, state.ctx)
        if state.reference is None:
            return
        outputs = self._interpret(module, state.ctx, state.feeds)
        if outputs is not None:
            self._compare(state, outputs, native=False, culprit=KERNEL_STAGES[0],
                          module=module)

    def _native_program(self, state: State, module: ModuleOp, main: func.FuncOp) -> bool:
        from tcompiler.assemble import assemble, kernel_functions

        if ir_names.ARENA_SIZE not in main.attributes or ir_names.INPUT_NAMES not in \
                main.attributes:
            return False
        self._lower_to_loops(state, module)
        texts = {}
        for fn in kernel_functions(module):
            kernel_module = ModuleOp([fn.clone()])
            if next(contracts.LLVM.violations(kernel_module), None) is not None:
                self.apply(self.make_pass(KERNEL_STAGES[1]), kernel_module, state.ctx)
            texts[fn.sym_name.data] = module_text(kernel_module)
        weights = state.ctx.weights or WeightStore()
        num_inputs = len(main.attributes[ir_names.INPUT_NAMES].data)  # type: ignore[attr-defined]
        try:
            program = assemble(module, weights, num_inputs)
        except (AssertionError, KeyError):
            return False
        job = ("program", texts, program, {s.name: state.feeds[s.name] for s in program[0]})
        return self._run_native(state, job)

    def _native_function(self, state: State, module: ModuleOp) -> bool:
        from tcompiler import interp

        try:
            entry = interp.entry_function(module)
        except Exception:  # noqa: BLE001  (no single entry: nothing to call)
            return False
        types = entry.function_type.inputs.data
        if not types or not all(isinstance(t, MemRefType) for t in types) or \
                entry.function_type.outputs.data:
            return False
        name = entry.sym_name.data
        self._lower_to_loops(state, module)
        if next(contracts.LLVM.violations(module), None) is not None:
            if next(contracts.LOOPS_TO_LLVM.violations(module), None) is not None:
                return False
            self.apply(self.make_pass(KERNEL_STAGES[1]), module, state.ctx)
        if any(f"arg{i}" not in state.feeds for i in range(len(types))):
            return False
        args = [state.feeds[f"arg{i}"] for i in range(len(types))]
        return self._run_native(state, ("function", module_text(module), name, args))

    def _run_native(self, state: State, job: tuple[Any, ...]) -> bool:
        status, payload = self.native.run(job)
        if status == "hang":
            raise Found(Finding("hang", "native", "hang|native",
                                f"the native run took over {self.config.native_seconds:g}s"))
        if status == "died":
            raise Found(Finding("crash", "native", f"crash|native|{payload}",
                                f"the native run died: {payload}"))
        if status == "unwritten":
            raise Rejected("invalid", oracles.unwritten_reason(payload, "native code"))
        if status == "error":
            culprit, kind, site, message = payload
            raise Found(Finding("crash", culprit, f"crash|{culprit}|{kind}|{site}",
                                f"{culprit}: {kind}: {message}"[:500]))
        if state.reference is not None:
            self._compare(state, payload, native=True, culprit=KERNEL_STAGES[1])
        return True

    # ---------------------------------------------------------------------- differential

    def _differential(self, state: State, outputs: dict[str, np.ndarray] | None,
                      key: str | None) -> bool:
        """Run a variant pipeline and compare the loops-level results (True if it ran)."""
        if outputs is None:
            return False
        key = key or self.variant_key(state.case)
        variant, label = variant_case(state.case, key) if key else (None, "")
        if variant is None:
            return False
        state.execution.variant = key
        primary = self.loops_outputs(state.case)
        other = self.loops_outputs(variant)
        if primary is None or other is None:
            return False
        bound = oracles.tolerance(state.op_types, native=False)
        name = oracles.first_difference(other, primary, bound)
        if name is not None:
            self.reject_unwritten_variants(state.case, variant, primary, other)
        if name is not None and state.reference is not None and self.unstable(state, bound):
            return True
        if name is not None:
            finding = oracles.wrong_result("pipeline-differential", label, name, primary[name],
                                           other.get(name, np.zeros(0)), f"with {label}",
                                           oracles.output_site(state.case, state.module, name))
            raise Found(finding, {"inputs": state.feeds, "expected": primary, "actual": other})
        return True

    def reject_unwritten_variants(self, case: Case, variant: Case,
                                   *outputs: dict[str, np.ndarray]) -> None:
        """Rejected if either pipeline's `outputs` change when unwritten memory holds other
        bytes."""
        from tcompiler.interp.memref import unwritten_fill

        with unwritten_fill(oracles.UNWRITTEN_FILLS[1]):
            for which, before in zip((case, variant), outputs):
                again = self.loops_outputs(which)
                name = None if again is None else oracles.unwritten_output(before, again)
                if name is not None:
                    raise Rejected("invalid", oracles.unwritten_reason(name, "interpreted"))

    def variant_key(self, case: Case) -> str | None:
        """A random variant that applies to `case`: "fusion" (its fusion passes left out)
        or "schedules:<seed>" (random schedules chosen before plan-memory)."""
        keys = []
        if any(s.startswith(FUSION_PREFIX) for s in case.pipeline):
            keys.append("fusion")
        if any(s.split("{")[0] == "plan-memory" for s in case.pipeline):
            keys.append(f"schedules:{self.rng.randrange(1 << 16)}")
        return self.rng.choice(keys) if keys else None

    def loops_outputs(self, case: Case) -> dict[str, np.ndarray] | None:
        """`case` run quietly (no findings, no native) and its kernels lowered to loops,
        interpreted; None if anything fails."""
        try:
            state = self._load(case, Execution("valid"))
            for index, spec in enumerate(case.pipeline):
                self._pass(state, spec, index)
            module = state.module
            if any(ir_names.KERNEL in f.attributes for f in module.body.block.ops
                   if isinstance(f, func.FuncOp)) and \
                    next(contracts.KERNELS.violations(module), None) is None:
                self.apply(self.make_pass(KERNEL_STAGES[0]), module, state.ctx)
        except (Rejected, Found):
            return None
        return self._interpret(state.module, state.ctx, state.feeds)


# ------------------------------------------------------------------------------- helpers


def variant_case(case: Case, key: str) -> tuple[Case | None, str]:
    """The variant `key` of `case` (see `Executor.variant_key`) and its label, or None when
    it does not apply."""
    if key == "fusion":
        fused = sorted({s.split("{")[0] for s in case.pipeline if s.startswith(FUSION_PREFIX)})
        rest = tuple(s for s in case.pipeline if not s.startswith(FUSION_PREFIX))
        return (case.with_pipeline(rest, case.origin), f"without {','.join(fused)}") \
            if fused else (None, "")
    at = next((i for i, s in enumerate(case.pipeline) if s.split("{")[0] == "plan-memory"), None)
    if at is None or not key.startswith("schedules:"):
        return None, ""
    choose = f"choose-schedules{{policy=random seed={key.split(':')[1]} override=true}}"
    rewrites = tuple(CONV_ALGORITHM_PIPELINE.split(","))  # a random conv algorithm needs them
    pipeline = case.pipeline[:at] + (choose, *rewrites) + case.pipeline[at:]
    return case.with_pipeline(pipeline, case.origin), "random schedules"


def is_llvm(module: ModuleOp) -> bool:
    return next(contracts.LLVM.violations(module), None) is None


def graph_function(module: ModuleOp) -> func.FuncOp | None:
    for op in module.body.block.ops:
        if isinstance(op, func.FuncOp) and ir_names.GRAPH in op.attributes:
            return op
    return None


def ir_feeds(module: ModuleOp) -> dict[str, np.ndarray]:
    """Inputs for the entry function of IR-level `module` (as the interpreter names them)."""
    from tcompiler import interp
    from tcompiler.interp.core import element_type, numpy_dtype
    from tcompiler.interp.run import names_of

    try:
        fn = interp.entry_function(module)
    except Exception:  # noqa: BLE001  (no entry function: nothing to feed)
        return {}
    types = fn.function_type.inputs.data
    names = names_of(fn, ir_names.INPUT_NAMES) or [f"arg{i}" for i in range(len(types))]
    feeds = {}
    for name, ty in zip(names, types):
        shape = tuple(ty.get_shape()) if hasattr(ty, "get_shape") else ()  # type: ignore[attr-defined]
        try:
            dtype = numpy_dtype(element_type(ty))
        except Exception:  # noqa: BLE001  (a type the interpreter has no numpy twin for)
            continue
        feeds[name] = oracles.input_value(name, shape, dtype)
    return feeds


# ------------------------------------------------------------------ native child process


class NativeRunner:
    """The parent's side of the native child: one persistent process, restarted after it
    dies or hangs. `run(job)` -> ("ok", outputs) | ("error", (culprit, type, site, message))
    | ("died", signal name) | ("hang", None); a ("reference", model, feeds) job runs
    `oracles.onnx_reference` there (onnxruntime can crash too) -> ("ok", outputs or None) |
    ("refused", why) | died | hang."""

    def __init__(self, seconds: float):
        self.seconds = seconds
        self.process: subprocess.Popen[bytes] | None = None

    def _start(self) -> subprocess.Popen[bytes]:
        if self.process is None or self.process.poll() is not None:
            self.process = subprocess.Popen(
                [sys.executable, "-m", "tcompiler.fuzz.worker"], stdin=subprocess.PIPE,
                stdout=subprocess.PIPE, stderr=subprocess.DEVNULL,
                start_new_session=True)  # a Ctrl-C in the campaign's terminal is not its own
        return self.process

    def run(self, job: tuple[Any, ...]) -> tuple[str, Any]:
        process = self._start()
        assert process.stdin is not None and process.stdout is not None
        try:
            send(process.stdin, job)
            reply = receive(process.stdout, self.seconds)
        except TimeoutError:
            self.close()
            return "hang", None
        except (BrokenPipeError, EOFError, OSError):
            return "died", self._reap()
        return reply

    def _reap(self) -> str:
        assert self.process is not None
        code = self.process.wait()
        self.process = None
        if code < 0:
            return signal.Signals(-code).name
        return f"exit {code}"

    def close(self) -> None:
        if self.process is not None:
            if self.process.poll() is None:
                self.process.kill()
            self.process.wait()
            for stream in (self.process.stdin, self.process.stdout):
                if stream is not None:
                    stream.close()
            self.process = None


def send(stream: IO[bytes], message: Any) -> None:
    data = pickle.dumps(message, protocol=pickle.HIGHEST_PROTOCOL)
    stream.write(struct.pack("<Q", len(data)) + data)
    stream.flush()


def receive(stream: IO[bytes], seconds: float | None = None) -> Any:
    head = _read(stream, 8, seconds)
    return pickle.loads(_read(stream, struct.unpack("<Q", head)[0], seconds))


def _read(stream: IO[bytes], size: int, seconds: float | None) -> bytes:
    deadline = None if seconds is None else time.monotonic() + seconds
    chunks, left = [], size
    fd = stream.fileno()
    while left:
        if deadline is not None:
            ready, _, _ = select.select([fd], [], [], max(0.0, deadline - time.monotonic()))
            if not ready:
                raise TimeoutError
        chunk = os.read(fd, left)
        if not chunk:
            raise EOFError
        chunks.append(chunk)
        left -= len(chunk)
    return b"".join(chunks)


def serve(requests: IO[bytes], replies: IO[bytes]) -> None:
    """The child's loop: compile and run each job until stdin closes."""
    compiled: dict[str, bytes] = {}
    while True:
        try:
            job = receive(requests)
        except EOFError:
            return
        send(replies, _serve_one(job, compiled))


def _serve_one(job: tuple[Any, ...], compiled: dict[str, bytes]) -> tuple[str, Any]:
    if job[0] == "reference":
        try:
            return "ok", oracles.onnx_reference(job[1], job[2])
        except oracles.ReferenceRefuses as err:
            return "refused", str(err)
    try:
        if job[0] == "program":
            return _run_program(job[1], job[2], job[3], compiled)
        return "ok", _run_function(job[1], job[2], job[3], compiled)
    except Exception as err:  # noqa: BLE001  (reported to the parent as a crash)
        site = oracles.error_site(err.__traceback__, Scope.for_tcc())
        return "error", ("native", type(err).__name__, site, first_line(err))


def _object(text: str, compiled: dict[str, bytes]) -> bytes:
    from tcompiler.codegen import Target, compile_to_object

    if text not in compiled:
        if len(compiled) > 256:
            compiled.clear()
        compiled[text] = compile_to_object(parse_module(text), Target.host())
    return compiled[text]


def _run_program(texts: dict[str, str], program: tuple[Any, ...], feeds: dict[str, np.ndarray],
                 compiled: dict[str, bytes]) -> tuple[str, Any]:
    """("ok", the outputs), or ("unwritten", an output's name) when the outputs differ
    between runs with unwritten memory filled with each of `oracles.UNWRITTEN_FILLS`."""
    from tcompiler.codegen import Target
    from tcompiler.program import Program
    from tcompiler.runtime import CompiledModel

    inputs, outputs, steps, buffers, arena, blob = program
    objects = {name: _object(text, compiled) for name, text in texts.items()}
    model = CompiledModel(Program(inputs=inputs, outputs=outputs, objects=objects,
                                  kernels={n: n for n in objects}, steps=steps, buffers=buffers,
                                  arena_bytes=arena, weights=blob,
                                  target=Target.host().to_json()), threads=1)
    runs = []
    for byte in oracles.UNWRITTEN_FILLS:
        model.unwritten_fill = byte
        runs.append({k: np.array(v) for k, v in model.run_dict(feeds).items()})
    name = oracles.unwritten_output(*runs)
    return ("ok", runs[0]) if name is None else ("unwritten", name)


def _run_function(text: str, name: str, args: list[np.ndarray], compiled: dict[str, bytes]
                  ) -> dict[str, np.ndarray]:
    from tcompiler.codegen import load_objects
    from tcompiler.runtime.model import aligned_empty

    library = load_objects([_object(text, compiled)])
    buffers = []
    for arg in args:
        buffer = aligned_empty(arg.shape, arg.dtype)
        buffer[...] = arg
        buffers.append(buffer)
    library.function(name, len(buffers))(*(b.ctypes.data for b in buffers))
    return {f"arg{i}": b for i, b in enumerate(buffers)}


def main() -> None:
    """`python -m tcompiler.fuzz.worker`: the native child (see the module doc)."""
    replies = os.fdopen(os.dup(1), "wb")
    os.dup2(2, 1)  # anything printed goes to stderr, never into the reply stream
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    serve(sys.stdin.buffer, replies)


if __name__ == "__main__":
    main()
