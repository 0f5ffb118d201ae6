"""A fuzz campaign: Tzer's loop, run in rounds on one process, a pool or a Dask cluster.

    summary = Campaign(CampaignConfig(seconds=600, out=Path("campaign"))).run(progress)

**The loop** (`fuzz_round`, in a worker): pick a corpus entry uniformly; mutate its IR
(`mutate_ir.IR_MUTATORS`) until `n_max` mutants in a row found nothing new (Tzer's
tolerance), then its pass pipeline (`mutate_passes.PASS_MUTATORS`) likewise, then both again;
now and then (`generate_rate`, always when both mutations are off) a freshly generated
program instead (`generate.generate`). Each input runs through `worker.Executor`. An input
that reaches coverage points no one reached before joins the corpus, and each pass of its
pipeline that found new points gains weight (`PassInfo.weight`: mutators insert it more
often). With `--no-coverage` (blind fuzzing) only generated programs join and pass weights
stay as they are; coverage is still measured, for the report and the ablation benchmark,
where Python has `sys.monitoring`. A finding whose signature is new is reduced
(`reduce.reduce_case`) and reported.

**Rounds**: the driver sends each worker a `RoundTask` (the config, a seed, a sample of the
corpus, the coverage so far, the pass weights, the bugs known) and merges each `RoundResult`
(new points, corpus additions, bugs, counts), so workers fuzz while the driver only merges,
deduplicates and writes. `--jobs 1` runs rounds in process; `--jobs N` on a local process
pool; `--cluster ADDRESS` on Dask workers (`tcompiler.workers`; start them with
`--nthreads 1`: `fuzz_round` holds a per-process lock, coverage being process-wide). A
worker process keeps its collector and executor between rounds (coverage DISABLE state, the
native child). Plug-ins given by file path must be readable at that path on the workers.

**The campaign folder** is written as it goes, so a campaign killed with SIGKILL resumes from
it (run `tcc fuzz --out DIR` again):

    state.json          counts, timeline, per-pass coverage, bugs (rewritten atomically)
    coverage.txt        every point reached, one per line (appended)
    corpus/NNNNNN/      each corpus entry (`Case.save`)
    bugs/<kind>-<pass>-<hash>/   each bug (reduce.write_bug)
    report.html         at the end (report.py)
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
import random
import socket
import threading
import time
import warnings
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import FIRST_COMPLETED, Future, wait
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from tcompiler.errors import OptionError
from tcompiler.fuzz import coverage
from tcompiler.fuzz.case import LEVELS, Case
from tcompiler.fuzz.coverage import Collector, Scope
from tcompiler.fuzz.reduce import BugReport
from tcompiler.fuzz.report import BugRecord, CampaignState
from tcompiler.fuzz.worker import ExecConfig, Execution
from tcompiler.fuzz.worker import Executor as CaseExecutor

log = logging.getLogger(__name__)

CORPUS_SAMPLE = 128  # corpus entries sent to a worker per round
BLIND_CORPUS = 256  # corpus cap without coverage guidance (generated programs only)


@dataclass(frozen=True)
class CampaignConfig:
    seconds: float
    out: Path
    seed: int = 0
    jobs: int = 1
    cluster: str | None = None
    corpus: Path | None = None  # seed (or resume) from this folder too
    focus: tuple[str, ...] = ()  # --passes: fuzz these passes
    level: str = "all"
    coverage: bool = True
    ir_mutation: bool = True
    pass_mutation: bool = True
    execution: ExecConfig = field(default_factory=ExecConfig)
    stop_after: int | None = None  # stop after this many distinct bugs
    round_seconds: float = 10.0
    n_max: int = 4  # Tzer's tolerance: fruitless mutants in a row before switching
    generate_rate: float = 0.1  # fresh programs among the inputs when mutating
    reduce_seconds: float = 60.0
    seeds_per_level: int = 3  # generated seed programs per level

    def __post_init__(self) -> None:
        if self.level not in (*LEVELS, "all"):
            raise OptionError(f"--level {self.level!r}: choose from {', '.join(LEVELS)}, all")
        if self.jobs < 1:
            raise OptionError(f"--jobs must be >= 1, got {self.jobs}")
        if self.seconds <= 0:
            raise OptionError("--time must be > 0")
        if self.stop_after is not None and self.stop_after < 1:
            raise OptionError(f"--stop-after must be >= 1, got {self.stop_after}")

    @property
    def levels(self) -> tuple[str, ...]:
        return LEVELS if self.level == "all" else (self.level,)

    @property
    def generation_only(self) -> bool:
        return not (self.ir_mutation or self.pass_mutation)


# ------------------------------------------------------------------ what a round exchanges


@dataclass(frozen=True)
class RoundTask:
    config: CampaignConfig
    seed: int
    seconds: float  # the round's fuzzing time
    reduce_seconds: float  # budget of each reduction
    corpus: tuple[Case, ...]
    known: frozenset[str]  # coverage points already reached
    pass_found: dict[str, int]  # pass name -> inputs whose new coverage it found
    bugs: frozenset[str]  # signatures already reported


@dataclass
class RoundResult:
    execs: int = 0
    valid: int = 0
    invalid: int = 0
    declined: int = 0
    discarded: int = 0  # mutators that did not apply
    events: list[tuple[float, list[str]]] = field(default_factory=list)  # (t, new points)
    additions: list[Case] = field(default_factory=list)
    pass_points: dict[str, int] = field(default_factory=dict)
    pass_runs: dict[str, int] = field(default_factory=dict)
    pass_found: dict[str, int] = field(default_factory=dict)
    bugs: list[BugReport] = field(default_factory=list)
    duplicates: dict[str, int] = field(default_factory=dict)  # signature -> hits
    errors: dict[str, int] = field(default_factory=dict)
    seconds: float = 0.0
    interrupted: bool = False
    worker: str = ""  # host:pid of the process that ran it


# ------------------------------------------------------------------------ the worker side


@dataclass
class _Worker:
    collector: Collector | None
    executor: CaseExecutor


_WORKERS: dict[str, _Worker] = {}
_ROUND_LOCK = threading.Lock()  # one round at a time per process (sys.monitoring is global)


def _worker(config: CampaignConfig) -> _Worker:
    key = repr(config.execution)
    if key not in _WORKERS:  # coverage is measured even when blind (where Python allows)
        scope = Scope.for_tcc(config.execution.plugin_dirs)
        collector = Collector(scope) if coverage.available() else None
        if collector is not None:
            collector.start()
        _WORKERS[key] = _Worker(collector, CaseExecutor(config.execution, collector,
                                                        seed=config.seed))
    return _WORKERS[key]


def close_workers() -> None:
    """Stop this process's collectors and native children (the in-process campaign's end)."""
    for worker in _WORKERS.values():
        worker.executor.close()
        if worker.collector is not None:
            worker.collector.stop()
    _WORKERS.clear()


def fuzz_round(task: RoundTask) -> RoundResult:
    """Fuzz for `task.seconds` from `task`'s corpus (see the module doc)."""
    with _ROUND_LOCK:
        worker = _worker(task.config)
        if worker.collector is not None:
            worker.collector.know(task.known)
        return _Round(task, worker).run()


@dataclass
class _Entry:
    case: Case
    ir_fails: int = 0
    pass_fails: int = 0


class _Round:
    def __init__(self, task: RoundTask, worker: _Worker):
        from tcompiler.fuzz.mutate_passes import pass_pool

        self.task, self.config = task, task.config
        self.executor = worker.executor
        self.rng = random.Random(task.seed)
        self.corpus = [_Entry(c) for c in task.corpus]
        level = self.config.level
        self.pool = pass_pool(self.executor.registry, self.config.focus, level)
        for info in self.pool:
            found = task.pass_found.get(info.name, 0)
            info.found = found
            info.weight *= 1.0 + min(found, 20) * 0.25
        self.result = RoundResult()
        self.bugs = set(task.bugs)
        self.start = time.monotonic()

    def run(self) -> RoundResult:
        deadline = self.start + self.task.seconds
        try:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")  # numpy's, on NaN and empty means of inputs
                while time.monotonic() < deadline:
                    self.step()
        except KeyboardInterrupt:
            self.result.interrupted = True
        self.result.worker = f"{socket.gethostname()}:{os.getpid()}"
        self.result.errors = dict(self.executor.errors)
        self.executor.errors.clear()
        self.result.seconds = time.monotonic() - self.start
        return self.result

    # ----------------------------------------------------------------------- one input

    def step(self) -> None:
        case, parent, how = self.next_input()
        if case is None:
            self.result.discarded += 1
            return
        execution = self.executor.run(case)
        self.record(case, parent, how, execution)

    def next_input(self) -> tuple[Case | None, _Entry | None, str]:
        config = self.config
        if config.generation_only or not self.corpus or self.rng.random() < config.generate_rate:
            return self.generated(), None, "generate"
        entry = self.rng.choice(self.corpus)
        if entry.ir_fails >= config.n_max and entry.pass_fails >= config.n_max:
            entry.ir_fails = entry.pass_fails = 0
        ir_turn = config.ir_mutation and (entry.ir_fails < config.n_max or
                                          not config.pass_mutation)
        order = ("ir", "pass") if ir_turn else ("pass", "ir")
        for how in order:
            if (how == "ir" and not config.ir_mutation) or \
                    (how == "pass" and not config.pass_mutation):
                continue
            mutant = self.mutate(entry.case, how)
            if mutant is not None:
                return self.focused(mutant), entry, how
        return None, entry, order[0]

    def generated(self) -> Case | None:
        """A fresh program, or None when the generator fails (a generator bug: counted in
        `errors`, the campaign goes on)."""
        from tcompiler.fuzz.generate import generate

        try:
            case = generate(self.rng, self.rng.choice(self.config.levels))
        except Exception as err:  # noqa: BLE001
            key = f"generator: {type(err).__name__}"
            self.executor.errors[key] = self.executor.errors.get(key, 0) + 1
            return None
        return self.focused(case)

    def mutate(self, case: Case, how: str) -> Case | None:
        from tcompiler.fuzz.mutate_ir import IR_MUTATORS
        from tcompiler.fuzz.mutate_passes import PASS_MUTATORS

        names = list(IR_MUTATORS if how == "ir" else PASS_MUTATORS)
        self.rng.shuffle(names)
        for name in names[:4]:
            try:
                mutant = IR_MUTATORS[name](case, self.rng) if how == "ir" else \
                    PASS_MUTATORS[name](case, self.rng, self.pool)
            except Exception as err:  # noqa: BLE001  (a mutator bug: count it, go on)
                key = f"mutator {name}: {type(err).__name__}"
                self.executor.errors[key] = self.executor.errors.get(key, 0) + 1
                continue
            if mutant is not None:
                return mutant
        return None

    def focused(self, case: Case) -> Case:
        """With `--passes`, a case runs at least one focus pass (inserted if it has none)."""
        from tcompiler.fuzz.mutate_passes import PASS_MUTATORS

        focus = self.config.focus
        if not focus or any(spec.split("{")[0] in focus for spec in case.pipeline):
            return case
        return PASS_MUTATORS["insert"](case, self.rng, self.pool) or case

    def record(self, case: Case, parent: _Entry | None, how: str, e: Execution) -> None:
        result = self.result
        result.execs += 1
        setattr(result, e.status, getattr(result, e.status) + 1)
        for name, points in e.pass_points.items():
            result.pass_points[name] = result.pass_points.get(name, 0) + points
        for spec in case.pipeline[:len(case.pipeline) if e.status == "valid" else 0]:
            name = spec.split("{")[0]
            result.pass_runs[name] = result.pass_runs.get(name, 0) + 1
        new = e.points
        if new:
            result.events.append((time.monotonic() - self.start, list(new)))
        interesting = self.config.coverage and bool(new) and e.status == "valid"
        if interesting or (not self.config.coverage and how == "generate" and
                           e.status == "valid"):
            self.admit(case, e)
        if parent is not None:
            self.count_failure(parent, how, interesting)
        if e.finding is not None:
            self.report(case, e)

    def admit(self, case: Case, e: Execution) -> None:
        self.corpus.append(_Entry(case))
        self.result.additions.append(case)
        for index in e.useful if self.config.coverage else ():
            name = case.pipeline[index].split("{")[0]
            self.result.pass_found[name] = self.result.pass_found.get(name, 0) + 1
            for info in self.pool:
                if info.name == name:
                    info.found += 1
                    info.weight *= 1.25

    @staticmethod
    def count_failure(parent: _Entry, how: str, interesting: bool) -> None:
        if interesting:
            parent.ir_fails = parent.pass_fails = 0
        elif how == "ir":
            parent.ir_fails += 1
        else:
            parent.pass_fails += 1

    def report(self, case: Case, e: Execution) -> None:
        from tcompiler.fuzz.reduce import bug_report

        finding = e.finding
        assert finding is not None
        if finding.signature in self.bugs:
            dup = self.result.duplicates
            dup[finding.signature] = dup.get(finding.signature, 0) + 1
            return
        self.bugs.add(finding.signature)
        found_at = time.monotonic() - self.start
        report = bug_report(self.executor, case, e, found_at, self.task.reduce_seconds)
        if report.finding.signature in self.bugs - {finding.signature}:
            return  # reduced to a bug already known (the driver dedups across workers too)
        self.bugs.add(report.finding.signature)
        self.result.bugs.append(report)


# ------------------------------------------------------------------------- the driver side


Progress = Callable[[str], None]
Warn = Callable[[str], None]


class Campaign:
    def __init__(self, config: CampaignConfig, progress: Progress | None = None,
                 warn: Warn | None = None):
        self.config = config
        self.progress = progress or (lambda line: None)
        self.warn = warn or (lambda line: log.warning("%s", line))
        self.out = config.out
        self.state = CampaignState()
        self.points: set[str] = set()
        self.corpus: list[Case] = []
        self.rng = random.Random(config.seed)
        self.started = 0.0
        self.base = 0.0  # seconds of earlier runs of this campaign
        self.execs_before = 0  # their executions

    # --------------------------------------------------------------------------- running

    def run(self) -> dict[str, Any]:
        """Run the campaign; the summary (report.summary) when it ends, however it ends."""
        if self.config.coverage:
            coverage.require()
        self.prepare()
        self.started = time.monotonic()
        try:
            if self.config.jobs == 1 and self.config.cluster is None:
                self.run_in_process()
            else:
                self.run_parallel()
        except KeyboardInterrupt:
            self.warn("interrupted: the campaign folder holds everything found so far")
        finally:
            self.save()
            close_workers()
        return self.finish()

    def elapsed(self) -> float:
        return time.monotonic() - self.started

    def remaining(self) -> float:
        return self.config.seconds - self.elapsed()

    def done(self) -> bool:
        stop = self.config.stop_after
        return self.remaining() <= 0 or (stop is not None and len(self.state.bugs) >= stop)

    def task(self) -> RoundTask:
        config = self.config
        sample = self.corpus if len(self.corpus) <= CORPUS_SAMPLE else \
            self.rng.sample(self.corpus, CORPUS_SAMPLE)
        seconds = max(0.5, min(config.round_seconds, self.remaining()))
        return RoundTask(config, self.rng.getrandbits(31), seconds,
                         max(5.0, min(config.reduce_seconds, self.remaining())),
                         tuple(sample), frozenset(self.points), dict(self.state.pass_found),
                         frozenset(b.signature for b in self.state.bugs))

    def run_in_process(self) -> None:
        while not self.done():
            result = fuzz_round(self.task())
            self.merge(result, self.elapsed() - result.seconds)
            if result.interrupted:
                raise KeyboardInterrupt

    def run_parallel(self) -> None:
        from tcompiler.workers import WorkerPool

        with WorkerPool(self.config.jobs, self.config.cluster, ignore_sigint=True) as pool:
            running: dict[Future[RoundResult], float] = {}
            while running or not self.done():
                while not self.done() and len(running) < pool.width:
                    running[pool.submit(fuzz_round, self.task())] = self.elapsed()
                finished, _ = wait(running, timeout=1.0, return_when=FIRST_COMPLETED)
                for future in finished:
                    started = running.pop(future)
                    if not self.merge_future(future, started):
                        running = self.restart(pool, running)
                if any(self.elapsed() - t > self.round_limit() for t in running.values()):
                    self.warn("a fuzzing round outlived its limit (a hang no budget caught); "
                              "restarting the workers")
                    running = self.restart(pool, running)
                self.status()

    def round_limit(self) -> float:
        config = self.config
        return config.round_seconds + config.reduce_seconds + config.execution.pass_seconds \
            + config.execution.native_seconds + 60.0

    def restart(self, pool: Any, running: dict[Future[RoundResult], float]
                ) -> dict[Future[RoundResult], float]:
        """Restart the pool; keep the results of rounds that finished meanwhile."""
        for future in running:
            future.cancel()
        pool.restart()
        return {}

    def merge_future(self, future: Future[RoundResult], started: float) -> bool:
        """Merge a finished round; False if its worker died (the pool must restart)."""
        try:
            result = future.result()
        except BrokenProcessPool:
            self.warn("a fuzzing worker died; its round is lost (restarting the workers)")
            return False
        except Exception as err:  # noqa: BLE001  (a round failed: report it, go on)
            self.warn(f"a fuzzing round failed: {type(err).__name__}: {err}")
            return True
        self.merge(result, started)
        return True

    # --------------------------------------------------------------------------- merging

    def merge(self, result: RoundResult, started: float) -> None:
        """Fold one round into the campaign and write what changed."""
        state = self.state
        for name in ("execs", "valid", "invalid", "declined", "discarded"):
            setattr(state, name, getattr(state, name) + getattr(result, name))
        for table, delta in ((state.pass_points, result.pass_points),
                             (state.pass_runs, result.pass_runs),
                             (state.pass_found, result.pass_found), (state.errors, result.errors)):
            for key, value in delta.items():
                table[key] = table.get(key, 0) + value
        state.workers[result.worker] = state.workers.get(result.worker, 0) + result.execs
        self.merge_points(result.events, started)
        for case in result.additions:
            self.add_to_corpus(case)
        for bug in result.bugs:
            self.add_bug(bug, started)
        for signature, hits in result.duplicates.items():
            for record in state.bugs:
                if record.signature == signature:
                    record.hits += hits
        self.save()
        self.status()

    def merge_points(self, events: Sequence[tuple[float, list[str]]], started: float) -> None:
        fresh: list[str] = []
        for t, keys in events:
            new = [k for k in keys if k not in self.points]
            if not new:
                continue
            self.points.update(new)
            fresh += new
            self.state.timeline.append((round(self.base + started + t, 3), len(self.points)))
        if fresh:
            with (self.out / "coverage.txt").open("a") as out:
                out.write("".join(f"{k}\n" for k in fresh))

    def add_to_corpus(self, case: Case) -> None:
        if not self.config.coverage and len(self.corpus) >= BLIND_CORPUS:
            self.corpus[self.rng.randrange(len(self.corpus))] = case
        else:
            self.corpus.append(case)
        case.save(self.out / "corpus" / f"{self.state.corpus:06d}")
        self.state.corpus += 1

    def add_bug(self, bug: BugReport, started: float) -> None:
        from tcompiler.fuzz.reduce import write_bug

        finding = bug.finding
        if any(b.signature == finding.signature for b in self.state.bugs):
            return
        digest = hashlib.sha256(finding.signature.encode()).hexdigest()[:8]
        name = f"{finding.kind}-{_slug(finding.culprit)}-{digest}"
        write_bug(self.out / "bugs" / name, bug, self.config.execution.plugins.load)
        self.state.bugs.append(BugRecord(
            finding.kind, finding.signature, finding.culprit, list(bug.reduced.pipeline),
            f"bugs/{name}", round(self.base + started + bug.seconds, 3), finding.message))

    # ------------------------------------------------------------------------ the folder

    def prepare(self) -> None:
        """Create or resume the campaign folder, load the corpus, add the seeds."""
        from tcompiler.fuzz.report import coverage_total

        try:
            self.out.mkdir(parents=True, exist_ok=True)
        except OSError as err:
            raise OptionError(f"--out {self.out}: cannot create the campaign folder "
                              f"({err.strerror or err})") from None
        resumed = self.resume()
        if self.config.corpus is not None:  # a new campaign keeps a copy in its folder
            for case in load_corpus(self.config.corpus, self.warn):
                if resumed:
                    self.corpus.append(case)
                else:
                    self.add_to_corpus(case)
        if not self.corpus:
            for case in seed_cases(self.config, random.Random(self.config.seed)):
                self.add_to_corpus(case)
        if not resumed:
            self.state.config = config_record(self.config)
        self.state.total = coverage_total(self.config.execution.plugin_dirs)
        self.save()

    def resume(self) -> bool:
        path = self.out / "state.json"
        if not path.exists():
            return False
        try:
            self.state = CampaignState.from_json(json.loads(path.read_text()))
        except (OSError, ValueError, TypeError, KeyError) as err:
            self.warn(f"{path}: unreadable ({err}); starting a new campaign in {self.out}")
            return False
        self.base, self.execs_before = self.state.seconds, self.state.execs
        covered = self.out / "coverage.txt"
        if covered.exists():
            self.points = {line for line in covered.read_text().splitlines() if line}
        self.corpus = list(load_corpus(self.out / "corpus", self.warn))
        # entries written after the last state.json (killed in between) keep their numbers
        numbers = [int(p.name) for p in (self.out / "corpus").glob("[0-9]*") if p.name.isdigit()]
        self.state.corpus = max([self.state.corpus, *(n + 1 for n in numbers)])
        self.progress(f"resuming {self.out}: {self.state.execs} execs, {len(self.points)} "
                      f"points, {len(self.corpus)} corpus entries, {len(self.state.bugs)} bugs")
        return True

    def save(self) -> None:
        if self.started:
            self.state.seconds = round(self.base + self.elapsed(), 3)
        path = self.out / "state.json"
        tmp = path.with_suffix(".json.tmp")
        tmp.write_text(json.dumps(self.state.to_json(), indent=1) + "\n")
        os.replace(tmp, path)

    def finish(self) -> dict[str, Any]:
        from tcompiler.fuzz.report import summary, write_html

        write_html(self.out / "report.html", self.state, len(self.points))
        return summary(self.state, len(self.points))

    def status(self) -> None:
        state = self.state
        seconds = max(self.elapsed(), 1e-9)
        valid = state.valid / state.execs if state.execs else 0.0
        self.progress(f"[{_clock(self.base + self.elapsed())}] {state.execs} execs "
                      f"({(state.execs - self.execs_before) / seconds:.1f}/s) | coverage "
                      f"{len(self.points)}/{state.total} | corpus {len(self.corpus)} | "
                      f"valid {valid:.0%} | bugs {len(state.bugs)}")


def _clock(seconds: float) -> str:
    minutes, secs = divmod(int(seconds), 60)
    return f"{minutes // 60:02d}:{minutes % 60:02d}:{secs:02d}"


def _slug(text: str) -> str:
    return "".join(c if c.isalnum() or c in "-_" else "_" for c in text)[:40] or "unknown"


def config_record(config: CampaignConfig) -> dict[str, Any]:
    return {"seconds": config.seconds, "seed": config.seed, "jobs": config.jobs,
            "cluster": config.cluster, "focus": list(config.focus), "level": config.level,
            "coverage": config.coverage, "ir_mutation": config.ir_mutation,
            "pass_mutation": config.pass_mutation,
            "plugins": list(config.execution.plugins.load)}


# ---------------------------------------------------------------------------- the corpus


def load_corpus(folder: Path, warn: Warn) -> Iterator[Case]:
    """The cases in `folder`: a campaign folder (its `corpus/`), a folder of case folders, or
    one case folder. An entry that cannot be read is skipped with a warning."""
    if (folder / "corpus").is_dir():
        folder = folder / "corpus"
    if not folder.is_dir():
        warn(f"corpus {folder}: not a folder; no corpus loaded from it")
        return
    entries = [folder] if (folder / "case.json").exists() else sorted(
        p for p in folder.iterdir() if p.is_dir())
    for entry in entries:
        try:
            yield Case.load(entry)
        except (OSError, ValueError, TypeError, KeyError) as err:
            warn(f"skipping corpus entry {entry}: {type(err).__name__}: {err}")


def seed_cases(config: CampaignConfig, rng: random.Random) -> Iterator[Case]:
    """The first corpus: the filecheck inputs of the test suite (kernels and loops levels),
    the example models (onnx level), and `seeds_per_level` generated programs per level."""
    from tcompiler.fuzz.generate import generate

    levels = config.levels
    if "onnx" in levels:
        yield from example_models()
    if "kernels" in levels or "loops" in levels:
        yield from (c for c in filecheck_cases() if c.level in levels)
    for level in levels:
        for _ in range(config.seeds_per_level):
            yield generate(rng, level)


def example_models() -> Iterator[Case]:
    """The example models of the repository (examples/*.py with a `build()`), as onnx cases."""
    import importlib.util

    from tcompiler.fuzz.mutate_passes import default_pipeline

    folder = coverage.repository_root() / "examples"
    for path in sorted(folder.glob("*.py")) if folder.is_dir() else []:
        spec = importlib.util.spec_from_file_location(f"_tcc_fuzz_seed_{path.stem}", path)
        if spec is None or spec.loader is None:
            continue
        module = importlib.util.module_from_spec(spec)
        try:
            spec.loader.exec_module(module)
            model = module.build().SerializeToString()
        except Exception:  # noqa: BLE001  (an example that is not a model builder)
            continue
        yield Case("onnx", default_pipeline("onnx"), model=model, origin=f"seed:{path.name}")


def filecheck_cases() -> Iterator[Case]:
    """Each `// -----` chunk of tests/filecheck/**.mlir that parses and holds kernel-level or
    loop-level IR, with the pipeline of the file's first `// RUN:` line (else its level's
    default pipeline) and random weights for the `kernel.weight`s it names."""
    from tcompiler import contracts
    from tcompiler.context import make_context, parse_module
    from tcompiler.fuzz.mutate_passes import default_pipeline
    from tcompiler.opt import split_chunks

    folder = coverage.repository_root() / "tests" / "filecheck"
    for path in sorted(folder.rglob("*.mlir")) if folder.is_dir() else []:
        text = path.read_text()
        pipeline = run_line_pipeline(text)
        for chunk, _ in split_chunks(text, True):
            try:
                module = parse_module(chunk, make_context())
                module.verify()
            except Exception:  # noqa: BLE001  (negative tests, other dialects)
                continue
            level = _level_of(module, contracts)
            if level is not None:
                yield Case(level, pipeline or default_pipeline(level), ir=chunk,
                           weights=weights_named(module),
                           origin=f"seed:{path.relative_to(folder)}")


def run_line_pipeline(text: str) -> tuple[str, ...]:
    """The `-p` pipeline of the first `// RUN: tcc-opt` line, as pass specs."""
    import re

    from xdsl.utils.arg_spec import parse_pipeline

    match = re.search(r"//\s*RUN:.*?tcc-opt\b.*?-p\s+(?:\"([^\"]*)\"|(\S+))", text)
    if match is None:
        return ()
    try:
        return tuple(str(spec) for spec in parse_pipeline(match.group(1) or match.group(2)))
    except Exception:  # noqa: BLE001  (a pipeline xDSL cannot parse: use the default)
        return ()


def weights_named(module: Any) -> dict[str, Any]:
    """Random values for every `kernel.weight` of `module` (seeded by name and shape)."""
    from tcompiler.dialects.kernel import WeightOp
    from tcompiler.fuzz.oracles import input_value
    from tcompiler.interp.core import numpy_dtype

    weights = {}
    for op in module.walk():
        if isinstance(op, WeightOp):
            ty = op.result.type
            weights[op.weight_name.data] = input_value(
                op.weight_name.data, tuple(ty.get_shape()), numpy_dtype(ty.element_type))
    return weights


def _level_of(module: Any, contracts: Any) -> str | None:
    ops = {op.name for op in module.walk()}
    if not ops & {"kernel.map", "kernel.conv", "kernel.gemm", "scf.for", "func.call"} and \
            not any(name.startswith("kernel.") for name in ops):
        return None
    if next(contracts.KERNELS.violations(module), None) is None:
        return "kernels"
    if next(contracts.LOOPS.violations(module), None) is None or _loops_with_main(module):
        return "loops"
    return None


def _loops_with_main(module: Any) -> bool:
    from tcompiler import contracts

    both = contracts.KERNELS.union("kernels or loops", contracts.LOOPS)
    return next(both.violations(module), None) is None
