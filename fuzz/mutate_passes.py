"""Pass-pipeline mutation (Tzer's pass mutators) and the default pipeline of each level.

    pool = pass_pool(registry, focus=("my-pass",), level="kernels")   # list[PassInfo]
    mutant = PASS_MUTATORS["insert"](case, rng, pool)                 # Case | None
    default_pipeline("onnx")                                          # tuple of pass specs

A pipeline is `Case.pipeline`, a tuple of tcc-opt pass specs (`name{opt=value ...}`), run
after the level's entry point. The mutators: `insert` (a pool pass, where the pipeline has
reached a stage inside its input contract, mostly), `delete`, `replace` (by another pool
pass), `swap` (two passes), `duplicate` (a pass run twice in a row: idempotence),
`mutate-option` (one option by its declared dataclass field type: bool flipped, int and
float perturbed around the default with edge values, str from the values the pass
documents, e.g. `plan-memory{method=ilp|greedy|naive}`), `reset-options` (a pass back to
its defaults) and `resample` (Tzer's fresh random sequence: the default pipeline with 1 to 4
pool passes inserted). A mutator returns None when it does not apply (nothing to delete, no
option to mutate).

`pass_pool` lists the passes that apply at a level, from their `input_contract`
(`tcompiler.contracts`): a contract applies at a stage whose own contract it contains. Level
`onnx` covers the stages onnx to loops (the default pipeline goes through them), `kernels`
the kernels, schedule and loops stages, `loops` the loops stage, `all` every stage. The
pool holds tcc's passes, the plug-ins' passes and a few generic xDSL passes
(`XDSL_GENERIC`), or only the `focus` passes when given (a plug-in author's: an unknown
name fails as in tcc-opt). Tzer's idea: each `PassInfo` has a mutable `weight`, which the
campaign raises when the pass found new coverage; mutators draw passes by weight.
"""

from __future__ import annotations

import ast
import inspect
import random
import re
import textwrap
import typing
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, fields, replace
from typing import Any

from xdsl.passes import ModulePass
from xdsl.utils.arg_spec import ArgSpec, parse_pipeline

from tcompiler import contracts
from tcompiler.fuzz.case import Case
from tcompiler.plugins import BUILTIN, Registry, builtin_registry
from tcompiler.stages import GRAPH_PIPELINE

LEVEL_STAGES: dict[str, tuple[str, ...]] = {
    "onnx": ("onnx", "graph", "kernels", "schedule", "loops"),
    "kernels": ("kernels", "schedule", "loops"),
    "loops": ("loops",),
    "all": ("onnx", "graph", "kernels", "schedule", "loops", "llvm"),
}
"""The stages a pipeline run on a case of each level goes through."""

XDSL_GENERIC: dict[str, tuple[str, ...]] = {
    "canonicalize": (), "cse": (), "dce": (), "licm": ("loops",),
    "control-flow-hoist": ("loops",), "loop-hoist-memref": ("loops",),
    "scf-for-loop-range-folding": ("loops",), "scf-for-loop-flatten": ("loops",),
    "convert-scf-to-cf": ("loops",),
}
"""xDSL passes that make sense on tcc's IR, with the stages they apply at (() = every)."""

XDSL_WEIGHT = 0.3
"""Starting weight of the generic xDSL passes (tcc's and plug-ins' passes start at 1)."""

STAGE_AFTER: dict[str, str] = {
    "convert-onnx-to-kernel": "kernels", "plan-memory": "schedule",
    "lower-kernels-to-loops": "loops", "lower-to-llvm": "llvm",
}
"""The built-in passes that move the IR to another stage."""

DETERMINISTIC_PLAN = "plan-memory{method=greedy}"
RANDOM_SCHEDULES = "choose-schedules{policy=random seed=0}"


def default_pipeline(level: str, planned: bool = False) -> tuple[str, ...]:
    """The built-in passes from `level`'s entry point through `lower-kernels-to-loops`
    (kernel functions lowered, `@main` kept, so the interpreter still runs the whole
    program), with deterministic options: random schedules with seed 0 and the greedy
    memory plan. `planned`: a kernels-level program already at the schedule stage."""
    graph = split_pipeline(GRAPH_PIPELINE)
    from tcompiler.kernels import KERNELS_PIPELINE
    from tcompiler.stages import CONV_ALGORITHM_PIPELINE

    kernels = (split_pipeline(KERNELS_PIPELINE) + (RANDOM_SCHEDULES,)
               + split_pipeline(CONV_ALGORITHM_PIPELINE))
    if level == "onnx":
        return graph + kernels + (DETERMINISTIC_PLAN, "lower-kernels-to-loops")
    if level == "kernels":
        return ("lower-kernels-to-loops",) if planned else (DETERMINISTIC_PLAN,
                                                            "lower-kernels-to-loops")
    if level == "loops":
        return ()
    raise ValueError(f"unknown level {level!r}")


def split_pipeline(text: str) -> tuple[str, ...]:
    """`a,b{x=1,2},c` -> ("a", "b{x=1,2}", "c")."""
    return tuple(str(spec) for spec in parse_pipeline(text))


# ----------------------------------------------------------------------------- the pool


@dataclass(frozen=True)
class OptionInfo:
    name: str
    kind: str  # bool | int | float | str | ints | floats | strs
    default: Any
    choices: tuple[str, ...] = ()  # the documented values of a str option


@dataclass
class PassInfo:
    """A pass the mutators may insert; `weight` is raised when it finds new coverage."""

    name: str
    owner: str  # the plug-in that registers it: "tcompiler", "xdsl" or a plug-in's name
    cls: type[ModulePass]
    stages: tuple[str, ...]  # where its input contract holds (() = unknown: anywhere)
    options: tuple[OptionInfo, ...] = ()
    weight: float = 1.0
    found: int = field(default=0)  # times it found new coverage (the campaign counts)


def pass_pool(registry: Registry | None = None, focus: Sequence[str] = (),
              level: str = "all") -> list[PassInfo]:
    """The passes applicable at `level` (see the module docstring), or the `focus` ones."""
    if level not in LEVEL_STAGES:
        raise ValueError(f"unknown level {level!r} (one of {', '.join(LEVEL_STAGES)})")
    registry = registry or builtin_registry()
    if focus:
        return [pass_info(registry, name) for name in focus]
    wanted = set(LEVEL_STAGES[level])
    pool: list[PassInfo] = []
    for name, entry in sorted(registry.passes.items()):
        if entry.owner.plugin == "xdsl" and name not in XDSL_GENERIC:
            continue
        info = pass_info(registry, name)
        if not info.stages or wanted.intersection(info.stages):
            pool.append(info)
    return pool


def pass_info(registry: Registry, name: str) -> PassInfo:
    """The `PassInfo` of a registered pass (PipelineError for an unknown name)."""
    entry = registry.pass_entry(name)
    cls = registry.pass_class(name)
    owner = entry.owner.plugin
    if owner == "xdsl":
        stages = XDSL_GENERIC.get(name, ())
        weight = XDSL_WEIGHT
    else:
        stages = contract_stages(getattr(cls, "input_contract", None))
        weight = 1.0
    return PassInfo(name, owner, cls, stages, options_of(cls), weight)


def contract_stages(contract: contracts.Contract | None) -> tuple[str, ...]:
    """The stages whose contract `contract` contains (() when there is no contract)."""
    if contract is None:
        return ()
    return tuple(stage for stage, c in contracts.STAGES.items() if _contains(contract, c))


def _contains(outer: contracts.Contract, inner: contracts.Contract) -> bool:
    return inner.dialects <= outer.dialects and all(
        op in outer.ops or op.split(".")[0] in outer.dialects for op in inner.ops)


# ----------------------------------------------------------------------------- options


def options_of(cls: type[ModulePass]) -> tuple[OptionInfo, ...]:
    """The options of a pass by declared type; options of other types are left out."""
    try:
        hints = typing.get_type_hints(cls)
    except Exception:  # noqa: BLE001  (a plug-in's annotations may not resolve)
        hints = {}
    documented = field_docs(cls)
    found = []
    for f in fields(cls):  # type: ignore[arg-type]
        if f.name == "name":
            continue
        kind, choices = _kind(hints.get(f.name, f.type))
        if kind is None:
            continue
        choices = choices or documented.get(f.name, ())
        found.append(OptionInfo(f.name, kind, f.default, choices))
    return tuple(found)


def _kind(annotation: Any) -> tuple[str | None, tuple[str, ...]]:
    """('bool'|'int'|'float'|'str'|'ints'|'floats'|'strs' or None, Literal choices)."""
    simple = {bool: "bool", int: "int", float: "float", str: "str",
              "bool": "bool", "int": "int", "float": "float", "str": "str"}
    if annotation in simple:
        return simple[annotation], ()
    origin, args = typing.get_origin(annotation), typing.get_args(annotation)
    if origin is typing.Literal:
        return "str", tuple(str(a) for a in args)
    if origin is tuple and args and args[0] in (int, float, str):
        return simple[args[0]] + "s", ()
    if origin in (typing.Union, getattr(__import__("types"), "UnionType", None)):
        literal = [a for a in args if typing.get_origin(a) is typing.Literal]
        if literal:
            return "str", tuple(str(x) for x in typing.get_args(literal[0]))
        kinds = [_kind(a)[0] for a in args if a is not type(None)]
        return (kinds[0], ()) if len(kinds) == 1 else (None, ())
    return None, ()


_ALTERNATIVES = re.compile(r"^\s*([\w.-]+(?:\s*\|\s*[\w.-]+)+)\b")


def field_docs(cls: type) -> dict[str, tuple[str, ...]]:
    """For each dataclass field documented as `a | b | c` (the string literal right after
    the field), those values."""
    try:
        tree = ast.parse(textwrap.dedent(inspect.getsource(cls)))
    except (OSError, TypeError, SyntaxError):
        return {}
    body = tree.body[0].body if tree.body and isinstance(tree.body[0], ast.ClassDef) else []
    docs: dict[str, tuple[str, ...]] = {}
    for stmt, after in zip(body, body[1:]):
        if not (isinstance(stmt, ast.AnnAssign) and isinstance(stmt.target, ast.Name)):
            continue
        if not (isinstance(after, ast.Expr) and isinstance(after.value, ast.Constant)
                and isinstance(after.value.value, str)):
            continue
        match = _ALTERNATIVES.match(after.value.value)
        if match:
            docs[stmt.target.id] = tuple(v.strip() for v in match.group(1).split("|"))
    return docs


RESOURCES = frozenset({"workers", "jobs", "threads"})
"""Int options that size a worker pool: kept small (the fuzzer shares the machine)."""


def mutate_value(option: OptionInfo, current: Any, rng: random.Random) -> Any:
    """Another value for `option` by its type (the current one when nothing else fits)."""
    kind = option.kind
    if option.name in RESOURCES:
        return rng.choice([v for v in (0, 1, 2) if v != current] or [0])
    if kind == "bool":
        return not current
    if kind == "int":
        return _int_near(int(option.default or 0), int(current or 0), rng)
    if kind == "float":
        base = float(option.default or 0.0)
        return rng.choice([base * 0.5, base * 2, 0.0, -1.0, 1e-3, base + rng.gauss(0, 1),
                           round(rng.uniform(0.01, 4.0), 3)])
    if kind == "str":
        others = [c for c in option.choices if c != current]
        if others and rng.random() < 0.9:
            return rng.choice(others)
        return rng.choice(["", "bogus", str(option.default or "")])
    if kind in ("ints", "floats", "strs"):
        items = list(current or option.default or ())
        element = OptionInfo(option.name, kind[:-1], items[0] if items else 0)
        if items and rng.random() < 0.7:
            k = rng.randrange(len(items))
            items[k] = mutate_value(element, items[k], rng)
        elif items and rng.random() < 0.5:
            items.pop(rng.randrange(len(items)))
        else:
            items.append(mutate_value(element, element.default, rng))
        return tuple(items)
    return current


def _int_near(default: int, current: int, rng: random.Random) -> int:
    candidates = [current + 1, current - 1, default, 0, 1, -1, 2 * current, current // 2,
                  default + rng.randint(-8, 8), rng.randint(0, 2 * abs(default) + 8),
                  2**31 - 1]
    others = [c for c in candidates if c != current]
    return rng.choice(others)


# ----------------------------------------------------------------------------- mutators


def _stages_along(case: Case) -> list[str]:
    """The stage the IR is at before each pass of the pipeline (and after the last)."""
    stage = {"onnx": "onnx", "kernels": "kernels", "loops": "loops"}[case.level]
    along = [stage]
    for spec in case.pipeline:
        stage = STAGE_AFTER.get(_name(spec), stage)
        along.append(stage)
    return along


def _name(spec: str) -> str:
    return spec.split("{", 1)[0].strip()


def _draw(pool: Sequence[PassInfo], rng: random.Random,
          ok: Callable[[PassInfo], bool] = lambda p: True) -> PassInfo | None:
    candidates = [p for p in pool if ok(p) and p.weight > 0]
    if not candidates:
        return None
    return rng.choices(candidates, [p.weight for p in candidates])[0]


def _fresh_spec(info: PassInfo, rng: random.Random) -> str:
    """`info`'s pass with its defaults, or one option mutated (one time in four)."""
    spec = ArgSpec(info.name, {})
    if info.options and rng.random() < 0.25:
        option = rng.choice(info.options)
        spec.parameters[option.name] = _as_params(mutate_value(option, option.default, rng))
    return str(spec)


def _as_params(value: Any) -> tuple[Any, ...]:
    return tuple(value) if isinstance(value, tuple) else (value,)


def _with(case: Case, pipeline: list[str], mutator: str) -> Case:
    return case.with_pipeline(tuple(pipeline), origin=f"mutate-passes:{mutator}")


def insert(case: Case, rng: random.Random, pool: list[PassInfo]) -> Case | None:
    """A pool pass at a position where its contract holds (mostly), or anywhere."""
    info = _draw(pool, rng)
    if info is None:
        return None
    along = _stages_along(case)
    fitting = [i for i, stage in enumerate(along) if not info.stages or stage in info.stages]
    where = rng.choice(fitting) if fitting and rng.random() < 0.85 else rng.randrange(len(along))
    pipeline = list(case.pipeline)
    pipeline.insert(where, _fresh_spec(info, rng))
    return _with(case, pipeline, "insert")


def delete(case: Case, rng: random.Random, pool: list[PassInfo]) -> Case | None:
    if not case.pipeline:
        return None
    pipeline = list(case.pipeline)
    del pipeline[rng.randrange(len(pipeline))]
    return _with(case, pipeline, "delete")


def replace_pass(case: Case, rng: random.Random, pool: list[PassInfo]) -> Case | None:
    """A pass replaced by a pool pass, one whose contract holds there when there is one."""
    if not case.pipeline:
        return None
    k = rng.randrange(len(case.pipeline))
    stage = _stages_along(case)[k]
    old = _name(case.pipeline[k])
    info = (_draw(pool, rng, lambda p: p.name != old and (not p.stages or stage in p.stages))
            or _draw(pool, rng, lambda p: p.name != old))
    if info is None:
        return None
    pipeline = list(case.pipeline)
    pipeline[k] = _fresh_spec(info, rng)
    return _with(case, pipeline, "replace")


def swap(case: Case, rng: random.Random, pool: list[PassInfo]) -> Case | None:
    if len(case.pipeline) < 2:
        return None
    i = rng.randrange(len(case.pipeline) - 1)
    j = i + 1 if rng.random() < 0.6 else rng.randrange(len(case.pipeline))
    if i == j:
        j = i + 1
    pipeline = list(case.pipeline)
    pipeline[i], pipeline[j] = pipeline[j], pipeline[i]
    return _with(case, pipeline, "swap")


def duplicate(case: Case, rng: random.Random, pool: list[PassInfo]) -> Case | None:
    if not case.pipeline:
        return None
    k = rng.randrange(len(case.pipeline))
    pipeline = list(case.pipeline)
    pipeline.insert(k + 1, pipeline[k])
    return _with(case, pipeline, "duplicate")


def _options_for(name: str, pool: Sequence[PassInfo]) -> tuple[OptionInfo, ...]:
    for info in pool:
        if info.name == name:
            return info.options
    try:
        return options_of(builtin_registry().pass_class(name))
    except Exception:  # noqa: BLE001  (a pass outside the pool and the built-ins)
        return ()


def mutate_option(case: Case, rng: random.Random, pool: list[PassInfo]) -> Case | None:
    """One option of one pass, changed by its declared type."""
    candidates = [(k, spec) for k, spec in enumerate(case.pipeline)
                  if _options_for(_name(spec), pool)]
    if not candidates:
        return None
    k, text = rng.choice(candidates)
    spec = _parse_one(text)
    option = rng.choice(_options_for(spec.name, pool))
    current = _current(spec, option)
    value = mutate_value(option, current, rng)
    if value == current:
        return None
    params = {_key(n): v for n, v in spec.parameters.items() if _key(n) != option.name}
    params[option.name] = _as_params(value)
    pipeline = list(case.pipeline)
    pipeline[k] = str(ArgSpec(spec.name, params))
    return _with(case, pipeline, "mutate-option")


def _parse_one(text: str) -> ArgSpec:
    return next(iter(parse_pipeline(text)))


def _key(name: str) -> str:
    return name.replace("-", "_")


def _current(spec: ArgSpec, option: OptionInfo) -> Any:
    for name, values in spec.parameters.items():
        if _key(name) == option.name:
            if option.kind in ("ints", "floats", "strs"):
                return tuple(values)
            return values[0] if values else option.default
    return option.default


def reset_options(case: Case, rng: random.Random, pool: list[PassInfo]) -> Case | None:
    candidates = [k for k, spec in enumerate(case.pipeline) if "{" in spec]
    if not candidates:
        return None
    k = rng.choice(candidates)
    pipeline = list(case.pipeline)
    pipeline[k] = _name(pipeline[k])
    return _with(case, pipeline, "reset-options")


def resample(case: Case, rng: random.Random, pool: list[PassInfo]) -> Case | None:
    """Tzer's fresh random pass sequence, kept runnable: the level's default pipeline with
    one to four pool passes inserted where their contracts hold."""
    planned = case.level == "kernels" and not any(
        _name(s) == "plan-memory" for s in case.pipeline) and bool(case.pipeline)
    mutant = replace(case, pipeline=default_pipeline(case.level, planned))
    for _ in range(rng.randint(1, 4)):
        mutant = insert(mutant, rng, pool) or mutant
    return _with(mutant, list(mutant.pipeline), "resample")


PassMutator = Callable[[Case, random.Random, list[PassInfo]], "Case | None"]

PASS_MUTATORS: dict[str, PassMutator] = {
    "insert": insert,
    "delete": delete,
    "replace": replace_pass,
    "swap": swap,
    "duplicate": duplicate,
    "mutate-option": mutate_option,
    "reset-options": reset_options,
    "resample": resample,
}
"""name -> mutator; None when the mutator does not apply to this case."""

__all__ = ["BUILTIN", "PASS_MUTATORS", "OptionInfo", "PassInfo", "default_pipeline",
           "pass_pool", "split_pipeline"]
