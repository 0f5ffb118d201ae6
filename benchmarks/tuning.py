"""The cost model and the tuner, measured: ranking quality, search efficiency, end to end.

    python benchmarks/tuning.py eval --db held_out.jsonl [--model FILE]
    python benchmarks/tuning.py search --db exhaustive.jsonl [--kernels 6] [--max-space 400]
    python benchmarks/tuning.py e2e --db tuned.jsonl [--models squeezenet ...] [--per-kernel 30]

- eval: `tcc costmodel eval` on records of kernels the model was not trained on (the held-out
  light models of `tcompiler.costmodel.training`).
- search: kernels of the held-out models whose spaces have at most `--max-space` schedules
  are measured exhaustively, `--rounds` times each in separate passes (into `--db`, reused on
  reruns; a schedule's time is the median of its rounds, so the "best" is not the luckiest of
  hundreds of noisy single measurements); then the tuner itself is replayed
  over those measurements (a measurer that looks them up) with the `costmodel` strategy and
  with `random` (mean over seeds): for each, the best time found after every trial, and the
  trials needed to reach 95% of the exhaustive best, against 10% of the space.
- e2e: each light model compiled with heuristic schedules, with the default (the shipped
  model), and after `tcc tune` with at most `--per-kernel` trials per distinct kernel; all
  three and onnxruntime timed alternately in one process; medians and ratios.

Output: one JSON object on stdout (save it under benchmarks/results/); progress on stderr.
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import math
import statistics
import sys
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import numpy as np


def log(message: str) -> None:
    print(f"[tuning] {message}", file=sys.stderr, flush=True)


def run_eval(args: argparse.Namespace) -> dict[str, Any]:
    from tcompiler.costmodel.db import TuningDB
    from tcompiler.costmodel.evaluate import evaluate
    from tcompiler.costmodel.model import CostModel

    model = CostModel.load(args.model)
    return {"model": args.model or "shipped", "model_meta": model.meta,
            **evaluate(model, TuningDB(args.db).read())}


class Replay:
    """A `Measurer` stand-in that answers from recorded measurements."""

    width = 1

    def __init__(self, times: dict[tuple[str, str], float | None]):
        self.times = times

    def run(self, tasks: list[Any]) -> Iterator[tuple[Any, Any]]:
        from tcompiler.costmodel.kernel import KernelSpec
        from tcompiler.costmodel.measure import MeasureResult

        for task in tasks:
            key = (KernelSpec(task.text).signature, json.dumps(task.knobs, sort_keys=True))
            us = self.times.get(key)
            yield task, MeasureResult(valid=us is not None, times_us=[us or 0.0],
                                      median_us=us or math.nan, noise=0.0)


def _search_tasks(args: argparse.Namespace) -> list[Any]:
    from tcompiler import zoo
    from tcompiler.costmodel.training import HELD_OUT_MODELS
    from tcompiler.costmodel.tune import kernel_tasks
    from tcompiler.pipeline import CompileOptions

    chosen: dict[str, Any] = {}
    for name in HELD_OUT_MODELS:
        for task in kernel_tasks(str(zoo.light_model_path(name)), CompileOptions()):
            if 20 <= len(task.space) <= args.max_space and task.spec.flops > 1e6:
                chosen.setdefault(task.spec.signature, task)
    ordered = sorted(chosen.values(), key=lambda t: (-len(t.space), t.spec.signature))
    step = max(1, len(ordered) // args.kernels)
    return ordered[::step][:args.kernels]


def _replay(task: Any, times: dict[tuple[str, str], float | None], strategy: str, seed: int,
            trials: int) -> list[float]:
    """Best time after each trial of the tuner run over recorded times."""
    from tcompiler.costmodel.db import TuningDB
    from tcompiler.costmodel.tune import Task, TuneOptions, Tuner

    fresh = Task(task.spec, 1, task.space)
    with tempfile.TemporaryDirectory() as tmp:
        options = TuneOptions(trials=trials, strategy=strategy, seed=seed, end_to_end=False)
        tuner = Tuner([fresh], TuningDB(Path(tmp) / "db.jsonl"), options, lambda line: None)
        curve: list[float] = []
        original = tuner.record

        def record(task_: Any, schedule: Any, result: Any) -> None:
            original(task_, schedule, result)
            best = fresh.best
            curve.append(best[1] if best else math.inf)

        tuner.record = record  # type: ignore[method-assign]
        tuner.run(Replay(times))  # type: ignore[arg-type]
    return curve


def run_search(args: argparse.Namespace) -> dict[str, Any]:
    from tcompiler.costmodel.db import TuningDB
    from tcompiler.costmodel.executor import Measurer
    from tcompiler.costmodel.tune import TuneOptions, Tuner

    tasks = _search_tasks(args)
    log(f"{len(tasks)} kernels, spaces {[len(t.space) for t in tasks]}")
    db = TuningDB(args.db)
    tuner = Tuner(tasks, db, TuneOptions(seconds=math.inf, strategy="exhaustive", jobs=args.jobs,
                                         end_to_end=False), lambda line: log(line))
    rounds: dict[tuple[str, str], list[float | None]] = {}
    for r in db.iter_records():
        key = (r.signature, json.dumps(r.knobs, sort_keys=True))
        rounds.setdefault(key, []).append(r.median_us if r.valid else None)
    todo = [(t, s) for t in tasks for s in t.space
            for _ in range(args.rounds - len(rounds.get(
                (t.spec.signature, json.dumps(s.knobs(), sort_keys=True)), [])))]
    with Measurer(jobs=args.jobs) as measurer:
        for start in range(0, len(todo), 16):
            tuner.measure(measurer, todo[start:start + 16])
    rounds = {}
    for r in db.iter_records():
        key = (r.signature, json.dumps(r.knobs, sort_keys=True))
        rounds.setdefault(key, []).append(r.median_us if r.valid else None)
    kernels = []
    for task in tasks:
        times: dict[tuple[str, str], float | None] = {}
        for s in task.space:
            key = (task.spec.signature, json.dumps(s.knobs(), sort_keys=True))
            valid = [us for us in rounds.get(key, []) if us is not None]
            times[key] = statistics.median(valid) if valid else None
        best = min(us for us in times.values() if us is not None)
        budget = max(1, math.ceil(0.1 * len(task.space)))
        goal = best / 0.95
        model_curve = _replay(task, times, "costmodel", 0, len(task.space))
        random_curves = [_replay(task, times, "random", seed, len(task.space))
                         for seed in range(args.seeds)]

        def reach(curve: list[float], goal: float = goal) -> int | None:
            return next((i + 1 for i, us in enumerate(curve) if us <= goal), None)

        random_reach = [reach(c) for c in random_curves]
        kernels.append({
            "kernel": task.spec.name, "signature": task.spec.signature,
            "space": len(task.space), "best_us": round(best, 3),
            "heuristic_us": times[(task.spec.signature,
                                   json.dumps(task.heuristic.knobs(), sort_keys=True))],
            "budget_10pct": budget,
            "costmodel_trials_to_95pct": reach(model_curve),
            "random_trials_to_95pct_mean": statistics.mean(r or len(task.space)
                                                           for r in random_reach),
            "costmodel_within_budget": (reach(model_curve) or math.inf) <= budget,
            "curve_costmodel": [round(best / us, 4) for us in model_curve[:budget * 3]],
            "curve_random_mean": [round(statistics.mean(best / c[i] for c in random_curves), 4)
                                  for i in range(min(budget * 3, len(task.space)))]})
        log(json.dumps({k: v for k, v in kernels[-1].items() if not k.startswith("curve")}))
    return {"kernels": kernels,
            "within_budget": sum(k["costmodel_within_budget"] for k in kernels)}


def _time_all(programs: dict[str, Any], session: Any, feed: list[np.ndarray], runs: int
              ) -> dict[str, float]:
    from tcompiler.runtime import CompiledModel

    models = {name: CompiledModel(p) for name, p in programs.items()}
    names = session.get_inputs()
    ort_feed = {i.name: a for i, a in zip(names, feed)}
    runners = {**{n: (lambda m=m: m.run(feed)) for n, m in models.items()},
               "onnxruntime": lambda: session.run(None, ort_feed)}
    for run in runners.values():
        run()
    times: dict[str, list[float]] = {n: [] for n in runners}
    for _ in range(runs):
        for name, run in runners.items():
            start = time.perf_counter()
            run()
            times[name].append((time.perf_counter() - start) * 1e3)
    return {n: round(statistics.median(t), 3) for n, t in times.items()}


def run_e2e(args: argparse.Namespace) -> dict[str, Any]:
    import onnxruntime as ort

    from tcompiler import zoo
    from tcompiler.costmodel.endtoend import random_feed
    from tcompiler.costmodel.tune import TuneOptions, kernel_tasks, tune
    from tcompiler.pipeline import CompileOptions, compile_model

    results = []
    for name in args.models:
        model = zoo.randomized(name, seed=0)
        base = CompileOptions(jobs=2)
        distinct = len(kernel_tasks(model, base))
        trials = 0
        if args.per_kernel:
            log(f"{name}: tuning {distinct} kernels x {args.per_kernel} trials")
            trials = tune(model, args.db, TuneOptions(trials=distinct * args.per_kernel,
                                                      jobs=args.jobs, end_to_end=False),
                          base)["trials"]
        variants = {"heuristic": {"schedules": "heuristic"}, "default": {"schedules": "costmodel"}}
        if args.per_kernel:
            variants["tuned"] = {"schedules": "costmodel", "tuning_db": args.db}
        programs = {v: compile_model(model, dataclasses.replace(base, **o))[0]
                    for v, o in variants.items()}
        options = ort.SessionOptions()
        options.intra_op_num_threads = 1
        options.log_severity_level = 3
        session = ort.InferenceSession(model.SerializeToString(), options,
                                       providers=["CPUExecutionProvider"])
        ms = _time_all(programs, session, random_feed(programs["heuristic"]), args.runs)
        row = {"model": name, "kernels": distinct, "trials": trials, "median_ms": ms,
               "default_speedup": round(ms["heuristic"] / ms["default"], 3),
               "heuristic_over_ort": round(ms["heuristic"] / ms["onnxruntime"], 3),
               "default_over_ort": round(ms["default"] / ms["onnxruntime"], 3)}
        if "tuned" in ms:
            row["tuned_speedup"] = round(ms["heuristic"] / ms["tuned"], 3)
            row["tuned_over_ort"] = round(ms["tuned"] / ms["onnxruntime"], 3)
        results.append(row)
        log(json.dumps(results[-1]))

    def geomean(key: str) -> float | None:
        values = [r[key] for r in results if key in r]
        return round(math.exp(statistics.mean(math.log(v) for v in values)), 3) if values else None

    return {"models": results, "per_kernel_trials": args.per_kernel,
            **{f"geomean_{k}": geomean(k) for k in ("default_speedup", "tuned_speedup",
                                                     "heuristic_over_ort", "default_over_ort",
                                                     "tuned_over_ort")}}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="the cost model and the tuner, measured")
    sub = parser.add_subparsers(dest="what", required=True)
    e = sub.add_parser("eval")
    e.add_argument("--db", required=True)
    e.add_argument("--model")
    s = sub.add_parser("search")
    s.add_argument("--db", required=True)
    s.add_argument("--kernels", type=int, default=6)
    s.add_argument("--max-space", type=int, default=400)
    s.add_argument("--seeds", type=int, default=20)
    s.add_argument("--jobs", type=int, default=2)
    s.add_argument("--rounds", type=int, default=3,
                   help="measurements of every schedule (their median is its time)")
    t = sub.add_parser("e2e")
    t.add_argument("--db", default="tuning.jsonl")
    t.add_argument("--models", nargs="+", default=["squeezenet", "shufflenet", "resnet50"])
    t.add_argument("--per-kernel", type=int, default=30,
                   help="tuning trials per distinct kernel (0: compare heuristic and default only)")
    t.add_argument("--jobs", type=int, default=2)
    t.add_argument("--runs", type=int, default=15)
    args = parser.parse_args(argv)
    run = {"eval": run_eval, "search": run_search, "e2e": run_e2e}[args.what]
    import platform

    import tcompiler

    out = {"benchmark": f"tuning {args.what}",
           "machine": platform.processor() or platform.machine(),
           "tcompiler": tcompiler.__version__, **run(args)}
    json.dump(out, sys.stdout, indent=1)
    sys.stdout.write("\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
