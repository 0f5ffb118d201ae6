"""`tcc tune`: measurement-based search over each kernel's schedule space, Ansor-like.

    summary = tune(model, db_path, TuneOptions(trials=300), compile_options, progress)

1. The model is compiled to the kernels stage; each distinct kernel (canonical signature) is
   a task, weighted by how often @main calls it.
2. The heuristic schedule of every kernel is measured first (the baseline) unless the
   database already holds it: rerunning a tune continues where the last one stopped.
3. Then, until the budget (`trials` measurements, or `seconds`) is spent, the task scheduler
   picks the kernel with the largest calls x best time / sqrt(1 + its trials) (time spent
   where end-to-end latency is), and the strategy proposes a batch of unmeasured schedules:
   `costmodel` ranks the kernel's whole space with the cost model, corrected by the kernel's
   own measurements so far (`costmodel.search`; spaces hold at most a few thousand schedules,
   so scoring all of them beats evolutionary sampling), and takes the top ones plus one random
   pick per batch (exploration); `random`
   samples uniformly; `exhaustive` walks the space in order.
4. Each batch is measured through `costmodel.executor` (worker processes or a Dask cluster),
   and every measurement is appended to the database at once (Ctrl-C leaves a valid db).
5. The model is retrained on this CPU's records of the database once there are enough and
   they have grown by a fifth since the last training (online learning).

The summary (JSON): {"model", "strategy", "trials", "seconds", "kernels": [{"signature",
"name", "calls", "heuristic_us", "best_us", "best_schedule", "trials"}],
"predicted_speedup", "measured_speedup"}: predicted from the kernel times and call counts,
measured end to end (heuristic vs tuned compile, alternating runs) when `end_to_end` is set.
"""

from __future__ import annotations

import math
import random
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import numpy as np
from xdsl.dialects import func

import tcompiler
from tcompiler import ir_names
from tcompiler.codegen.target import Target
from tcompiler.costmodel.db import Record, TuningDB
from tcompiler.costmodel.executor import Measurer
from tcompiler.costmodel.features import FEATURE_VERSION, features, native_lanes
from tcompiler.costmodel.kernel import KernelSpec
from tcompiler.costmodel.measure import MeasureResult, MeasureTask
from tcompiler.costmodel.model import CostModel, train
from tcompiler.costmodel.schedules import FAMILIES, Schedule
from tcompiler.costmodel.search import corrected_scores
from tcompiler.costmodel.space import space
from tcompiler.errors import OptionError

STRATEGIES = ("costmodel", "random", "exhaustive")
RETRAIN_MIN_RECORDS = 64
RETRAIN_GROWTH = 1.2

Progress = Callable[[str], None]


@dataclass(frozen=True)
class TuneOptions:
    trials: int | None = None
    seconds: float | None = None
    strategy: str = "costmodel"
    jobs: int = 1
    cluster: str | None = None
    seed: int = 0
    model: str | None = None
    repeats: int = 7
    end_to_end: bool = True

    def __post_init__(self) -> None:
        if self.strategy not in STRATEGIES:
            raise OptionError(f"unknown strategy {self.strategy!r} "
                              f"(choose from {', '.join(STRATEGIES)})")
        if self.trials is None and self.seconds is None:
            raise OptionError("tune needs a budget: --trials N or --time DURATION")
        if self.trials is not None and self.trials < 1:
            raise OptionError(f"--trials must be >= 1, got {self.trials}")
        if self.jobs < 1:
            raise OptionError(f"--jobs must be >= 1, got {self.jobs}")


@dataclass
class Task:
    """The tuning state of one distinct kernel."""

    spec: KernelSpec
    calls: int
    space: list[Schedule]
    measured: dict[Schedule, float | None] = field(default_factory=dict)
    trials: int = 0

    @property
    def heuristic(self) -> Schedule:
        return self.space[0]

    @property
    def best(self) -> tuple[Schedule, float] | None:
        valid = [(s, t) for s, t in self.measured.items() if t is not None]
        return min(valid, key=lambda p: p[1], default=None)

    def unmeasured(self) -> list[Schedule]:
        return [s for s in self.space if s not in self.measured]

    def priority(self) -> float:
        best = self.best
        if best is None or not self.unmeasured():
            return -1.0
        return self.calls * best[1] / math.sqrt(1 + self.trials)


def kernel_tasks(model: Any, compile_options: Any) -> list[Task]:
    """The distinct kernels of `model` with their call counts in @main: each conv as a whole
    (heuristic schedules, so no conv is rewritten into its algorithm's kernels; the conv's
    space holds every algorithm and the measurer times a rewrite as its chain of kernels)."""
    import dataclasses

    from tcompiler.pipeline import compile_to_stage

    unscheduled = dataclasses.replace(compile_options, schedules="heuristic",
                                      conv_algorithm="auto")
    comp = compile_to_stage(model, "kernels", unscheduled)
    calls: Counter[str] = Counter()
    functions: dict[str, func.FuncOp] = {}
    for fn in comp.module.body.block.ops:
        if not isinstance(fn, func.FuncOp):
            continue
        if ir_names.KERNEL in fn.attributes:
            functions[fn.sym_name.data] = fn
        elif ir_names.GRAPH in fn.attributes:
            calls.update(c.callee.string_value() for c in fn.body.walk()
                         if isinstance(c, func.CallOp))
    tasks: dict[str, Task] = {}
    for name, fn in functions.items():
        spec = KernelSpec.from_function(fn)
        if spec.signature in tasks:
            tasks[spec.signature].calls += calls[name]
        else:
            tasks[spec.signature] = Task(spec, calls[name], space(spec.op))
    return list(tasks.values())


class Tuner:
    def __init__(self, tasks: list[Task], db: TuningDB, options: TuneOptions,
                 progress: Progress):
        self.tasks, self.db, self.options, self.progress = tasks, db, options, progress
        self.rng = random.Random(options.seed)
        target = Target.host()
        self.cpu = {"cpu": target.cpu, "features": target.features}
        self.lanes = native_lanes(target.features)
        self.model = CostModel.load(options.model) if options.strategy == "costmodel" else None
        self.trained_on = 0
        self.trials = 0
        self.start = time.perf_counter()
        self._resume()

    def _resume(self) -> None:
        by_signature = {t.spec.signature: t for t in self.tasks}
        for r in self.db.iter_records():
            task = by_signature.get(r.signature)
            if task is None or not r.same_target(self.cpu) or r.family not in FAMILIES:
                continue
            schedule = FAMILIES[r.family](**r.knobs)
            previous = task.measured.get(schedule)
            if r.valid and (previous is None or (r.median_us or math.inf) < previous):
                task.measured[schedule] = r.median_us
            else:
                task.measured.setdefault(schedule, None)

    def budget_left(self) -> bool:
        if self.options.trials is not None and self.trials >= self.options.trials:
            return False
        seconds = self.options.seconds
        return seconds is None or time.perf_counter() - self.start < seconds

    def batch_size(self, measurer: Measurer) -> int:
        if self.options.trials is None:
            return measurer.width
        return max(1, min(measurer.width, self.options.trials - self.trials))

    def run(self, measurer: Measurer) -> None:
        baseline = [(t, t.heuristic) for t in self.tasks if t.heuristic not in t.measured]
        while baseline and self.budget_left():
            size = self.batch_size(measurer)
            self.measure(measurer, baseline[:size])
            baseline = baseline[size:]
        while self.budget_left():
            task = max(self.tasks, key=Task.priority)
            if task.priority() < 0:
                break  # every space is measured
            self.maybe_retrain()
            picks = self.propose(task, self.batch_size(measurer))
            self.measure(measurer, [(task, s) for s in picks])

    def propose(self, task: Task, count: int) -> list[Schedule]:
        left = task.unmeasured()
        if self.options.strategy == "exhaustive" or len(left) <= count:
            return left[:count]
        if self.options.strategy == "random":
            return self.rng.sample(left, count)
        assert self.model is not None
        scores = corrected_scores(self.model, task.spec.op, left, task.measured,
                                  self.cpu["features"])
        ranked = [left[i] for i in np.argsort(scores, kind="stable")]
        picks = ranked[:count - 1] if count > 1 else ranked[:1]
        if count > 1 or task.trials % 4 == 3:  # exploration: one random pick per batch
            rest = [s for s in left if s not in picks]
            picks = [*picks[:count - 1], self.rng.choice(rest)]
        return picks

    def measure(self, measurer: Measurer, batch: list[tuple[Task, Schedule]]) -> None:
        tasks = [MeasureTask(t.spec.text, s.knobs(), repeats=self.options.repeats)
                 for t, s in batch]
        for (task, schedule), (_, result) in zip(batch, measurer.run(tasks)):
            self.record(task, schedule, result)

    def record(self, task: Task, schedule: Schedule, result: MeasureResult) -> None:
        self.db.append(Record(
            signature=task.spec.signature, kernel=task.spec.text, target=result.target or self.cpu,
            compiler=tcompiler.__version__,
            schedule={"family": schedule.FAMILY, **schedule.knobs()},
            features=[round(float(v), 6) for v in features(task.spec.op, schedule, self.lanes)],
            feature_version=FEATURE_VERSION, valid=result.valid, times_us=result.times_us,
            median_us=result.median_us if result.valid else None,
            noise=result.noise if result.valid else None, error=result.error,
            strategy=self.options.strategy, time=time.time()))
        task.measured[schedule] = result.median_us if result.valid else None
        task.trials += 1
        self.trials += 1
        self.progress(self.status(task))

    def maybe_retrain(self) -> None:
        if self.options.strategy != "costmodel":
            return
        records = [r for r in self.db.iter_records() if r.same_target(self.cpu) and r.valid]
        if len(records) < RETRAIN_MIN_RECORDS or len(records) < self.trained_on * RETRAIN_GROWTH:
            return
        self.model = train(records, seed=self.options.seed, trees=150)
        self.trained_on = len(records)

    def status(self, task: Task) -> str:
        heuristic_us = task.measured.get(task.heuristic)
        best = task.best
        gain = f"x{heuristic_us / best[1]:.2f}" if heuristic_us and best else "-"
        elapsed = time.perf_counter() - self.start
        total = self.options.trials
        eta = ""
        if total and self.trials:
            eta = f", ETA {elapsed / self.trials * (total - self.trials):.0f}s"
        budget = f"/{total}" if total else ""
        return (f"tune: {self.trials}{budget} trials, {task.spec.name} best {gain} vs "
                f"heuristic, predicted x{self.predicted_speedup():.2f} overall{eta}")

    def predicted_speedup(self) -> float:
        before = after = 0.0
        for t in self.tasks:
            heuristic_us, best = t.measured.get(t.heuristic), t.best
            if heuristic_us and best:
                before += t.calls * heuristic_us
                after += t.calls * best[1]
        return before / after if after else 1.0

    def summary(self) -> dict[str, Any]:
        kernels = []
        for t in sorted(self.tasks, key=lambda t: -t.calls * (t.best or (None, 0.0))[1]):
            best = t.best
            kernels.append({
                "signature": t.spec.signature, "name": t.spec.name, "calls": t.calls,
                "heuristic_us": t.measured.get(t.heuristic),
                "best_us": best[1] if best else None,
                "best_schedule": {"family": best[0].FAMILY, **best[0].knobs()} if best else None,
                "trials": t.trials})
        return {"model": self.options.model or "shipped", "strategy": self.options.strategy,
                "trials": self.trials, "seconds": round(time.perf_counter() - self.start, 2),
                "kernels": kernels, "predicted_speedup": round(self.predicted_speedup(), 4)}


def tune(model: Any, db_path: str, options: TuneOptions, compile_options: Any,
         progress: Progress = lambda line: None) -> dict[str, Any]:
    tasks = kernel_tasks(model, compile_options)
    tuner = Tuner(tasks, TuningDB(db_path), options, progress)
    try:
        with Measurer(jobs=options.jobs, cluster=options.cluster) as measurer:
            tuner.run(measurer)
    except KeyboardInterrupt:
        progress("tune: interrupted; every measurement so far is in the database")
    summary = tuner.summary()
    summary["measured_speedup"] = None
    if options.end_to_end:
        from tcompiler.costmodel.endtoend import measured_speedup

        summary["measured_speedup"] = measured_speedup(model, db_path, compile_options)
    return summary

