"""The loops stage's fast path: a function of scf/arith/math/memref/vector ops compiled once
into Python closures, instead of xDSL's dispatch per op per iteration.

    run = compile_function(fn, call)        # once per function
    results = run(*args)                    # as often as needed

Every SSA value gets a slot in one register list per call; every op becomes a closure
`step(regs)` that reads its operands' slots, applies the op's rule (the same rules the
op-by-op interpreter uses: `scalar`, `memref`, `vector`) and writes its result slot.
Constants are evaluated at compile time into the initial register list. `scf.for` runs its
body's steps in a Python `for` over `range(lo, hi, step)`, threading `iter_args` through
slots; `scf.if` runs one branch's steps; `func.call` goes back to the interpreter (`call`).

`CompiledFuncFunctions` plugs this into xDSL's `Interpreter`: it replaces `func.func`'s
callable implementation, compiling a function the first time it is called if every op in it
has a rule, and falling back to op-by-op interpretation otherwise (e.g. kernel-level IR).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from typing import Any

from xdsl.dialects import arith, func, scf
from xdsl.dialects.builtin import IntegerAttr
from xdsl.interpreter import Interpreter, PythonValues, impl_callable, register_impls
from xdsl.interpreters.func import FuncFunctions
from xdsl.ir import Block, Operation, SSAValue

from tcompiler import ir_names
from tcompiler.interp.core import Fn, InterpretError, Rule, uses_vectors
from tcompiler.interp.memref import MEMREF_RULES
from tcompiler.interp.scalar import ARITH_RULES, MATH_RULES
from tcompiler.interp.vector import VECTOR_RULES

Regs = list[Any]
Step = Callable[[Regs], None]
Call = Callable[[str, tuple[Any, ...]], tuple[Any, ...]]

RULES: Mapping[type[Operation], Rule] = {**ARITH_RULES, **MATH_RULES, **MEMREF_RULES,
                                         **VECTOR_RULES}
STRUCTURAL = (scf.ForOp, scf.IfOp, scf.YieldOp, func.ReturnOp, func.CallOp)


def compilable(fn: func.FuncOp) -> bool:
    """Whether every op in `fn`'s body has a rule or is structural (scf, return, call)."""
    return bool(fn.body.blocks) and all(
        type(op) in RULES or isinstance(op, STRUCTURAL) for op in fn.body.walk())


# ----------------------------------------------------------------------------- steps


def _result_step(fn: Fn, ins: Sequence[int], out: int) -> Step:
    """regs[out] = fn(*regs[ins]), specialized on the arity."""
    if len(ins) == 1:
        (a,) = ins

        def step1(r: Regs) -> None:
            r[out] = fn(r[a])

        return step1
    if len(ins) == 2:
        a, b = ins

        def step2(r: Regs) -> None:
            r[out] = fn(r[a], r[b])

        return step2
    if len(ins) == 3:
        a, b, c = ins

        def step3(r: Regs) -> None:
            r[out] = fn(r[a], r[b], r[c])

        return step3

    def step(r: Regs) -> None:
        r[out] = fn(*[r[i] for i in ins])

    return step


def _effect_step(fn: Fn, ins: Sequence[int]) -> Step:
    """fn(*regs[ins]) for an op without results (stores)."""
    if len(ins) == 3:
        a, b, c = ins

        def effect3(r: Regs) -> None:
            fn(r[a], r[b], r[c])

        return effect3

    def effect(r: Regs) -> None:
        fn(*[r[i] for i in ins])

    return effect


def _run_all(steps: Sequence[Step]) -> Step:
    """One step running `steps` in order."""
    if len(steps) == 1:
        return steps[0]
    body = tuple(steps)

    def run(r: Regs) -> None:
        for f in body:
            f(r)

    return run


def _move(sources: Sequence[int], targets: Sequence[int]) -> Step:
    """regs[targets] = regs[sources], all read before any is written."""
    if len(sources) == 1:
        (source,), (target,) = sources, targets

        def move1(r: Regs) -> None:
            r[target] = r[source]

        return move1

    def move(r: Regs) -> None:
        values = [r[s] for s in sources]
        for t, v in zip(targets, values):
            r[t] = v

    return move


def _for_step(bounds: tuple[int, int, int], iv: int, carried: Sequence[int],
              inits: Sequence[int], yields: Sequence[int], results: Sequence[int],
              body: Sequence[Step]) -> Step:
    lo, hi, st = bounds
    steps = tuple(body)
    if not carried:
        def loop(r: Regs) -> None:
            for i in range(r[lo], r[hi], r[st]):
                r[iv] = i
                for f in steps:
                    f(r)

        return loop
    enter, advance, leave = _move(inits, carried), _move(yields, carried), _move(carried, results)

    def loop_carried(r: Regs) -> None:
        enter(r)
        for i in range(r[lo], r[hi], r[st]):
            r[iv] = i
            for f in steps:
                f(r)
            advance(r)
        leave(r)

    return loop_carried


def _if_step(cond: int, then: tuple[Step, Step], other: tuple[Step, Step]) -> Step:
    def branch(r: Regs) -> None:
        run, finish = then if r[cond] else other
        run(r)
        finish(r)

    return branch


# ----------------------------------------------------------------------------- compiler


class _Compiler:
    """Slots for SSA values, constants in the initial registers, a step per op."""

    def __init__(self, call: Call):
        self.call = call
        self.slots: dict[SSAValue, int] = {}
        self.initial: Regs = []

    def slot(self, value: SSAValue) -> int:
        if value not in self.slots:
            self.slots[value] = len(self.initial)
            self.initial.append(None)
        return self.slots[value]

    def block(self, block: Block) -> tuple[list[Step], list[int]]:
        """The steps of `block`'s ops and the slots its terminator passes on."""
        steps: list[Step] = []
        for op in block.ops:
            if isinstance(op, scf.YieldOp | func.ReturnOp):
                return steps, [self.slot(v) for v in op.operands]
            step = self.op(op)
            if step is not None:
                steps.append(step)
        return steps, []

    def op(self, op: Operation) -> Step | None:
        if isinstance(op, arith.ConstantOp):
            self.initial[self.slot(op.result)] = RULES[arith.ConstantOp](op, False)()
            return None
        if isinstance(op, scf.ForOp):
            return self.for_op(op)
        if isinstance(op, scf.IfOp):
            return self.if_op(op)
        if isinstance(op, func.CallOp):
            return self.call_op(op)
        rule = RULES.get(type(op))
        if rule is None:
            raise InterpretError(f"the loops interpreter has no rule for '{op.name}'")
        fn, ins = rule(op, uses_vectors(op)), [self.slot(v) for v in op.operands]
        if not op.results:
            return _effect_step(fn, ins)
        return _result_step(fn, ins, self.slot(op.results[0]))

    def for_op(self, op: scf.ForOp) -> Step:
        block = op.body.block
        bounds = (self.slot(op.lb), self.slot(op.ub), self.slot(op.step))
        iv, carried = self.slot(block.args[0]), [self.slot(a) for a in block.args[1:]]
        inits, results = [self.slot(v) for v in op.iter_args], [self.slot(v) for v in op.results]
        body, yields = self.block(block)
        return _for_step(bounds, iv, carried, inits, yields, results, body)

    def if_op(self, op: scf.IfOp) -> Step:
        results = [self.slot(v) for v in op.results]

        def branch(region_blocks: Sequence[Block]) -> tuple[Step, Step]:
            if not region_blocks:
                return _run_all([]), _run_all([])
            steps, yields = self.block(region_blocks[0])
            return _run_all(steps), _move(yields, results)

        return _if_step(self.slot(op.cond), branch(list(op.true_region.blocks)),
                        branch(list(op.false_region.blocks)))

    def call_op(self, op: func.CallOp) -> Step:
        callee, call = op.callee.string_value(), self.call
        ins, outs = [self.slot(v) for v in op.operands], [self.slot(v) for v in op.results]

        def step(r: Regs) -> None:
            for out, value in zip(outs, call(callee, tuple(r[i] for i in ins))):
                r[out] = value

        return step


def compile_function(fn: func.FuncOp, call: Call) -> Callable[..., tuple[Any, ...]]:
    """`fn` as a Python function of its arguments returning its results (see module doc)."""
    compiler = _Compiler(call)
    block = fn.body.blocks.first
    assert block is not None
    params = [compiler.slot(a) for a in block.args]
    steps, returns = compiler.block(block)
    body = _run_all(steps)
    initial = compiler.initial
    extent = fn.attributes.get(ir_names.PARALLEL)
    units = (0, extent.value.data) if isinstance(extent, IntegerAttr) else ()

    def run(*args: Any) -> tuple[Any, ...]:
        if units and len(args) == len(params) - 2:  # called as the runtime calls a parallel
            args = (*args, *units)  # kernel (`LoopBuilder.parallel`): all of its units
        r = list(initial)
        for slot, value in zip(params, args):
            r[slot] = value
        body(r)
        return tuple(r[s] for s in returns)

    return run


# ----------------------------------------------------------------------------- xDSL hook


@register_impls
class CompiledFuncFunctions(FuncFunctions):
    """xDSL's func implementations, with `func.func` calls running compiled closures."""

    @impl_callable(func.FuncOp)
    def call_func(self, interpreter: Interpreter, op: func.FuncOp, args: PythonValues
                  ) -> PythonValues:
        cache: dict[func.FuncOp, Callable[..., tuple[Any, ...]] | None] = interpreter.get_data(
            CompiledFuncFunctions, "compiled", dict)
        if op not in cache:
            cache[op] = compile_function(op, _caller(interpreter)) if compilable(op) else None
        run = cache[op]
        if run is None:
            return super().call_func(interpreter, op, args)
        return run(*args)


def _caller(interpreter: Interpreter) -> Call:
    return lambda callee, args: interpreter.call_op(callee, args)
