"""The one seam through which measurements run: a local process pool or a Dask cluster.

    with Measurer(jobs=2) as m:                        # or Measurer(cluster="tcp://host:8786")
        for task, result in m.run(tasks):              # in waves of `m.width` tasks
            ...

Both sides are `concurrent.futures.Executor`s behind `tcompiler.workers.WorkerPool`:
forkserver worker processes on this machine, `distributed.Client(address).get_executor()` on
a cluster (Dask: pure Python, pip-installable, and its client is a drop-in futures executor;
Ray would bring a second runtime to the install for no gain here). Each worker compiles and
measures for its own CPU and says which CPU that was in its result.

Generated code may crash or hang a worker: a crash (BrokenProcessPool locally, a killed
worker on Dask) turns the tasks of that wave into records that say so, re-run one at a time
to tell the culprit from its neighbours; a wave that outlives `timeout_s` is cancelled by
killing the local pool. Either way the next wave starts on fresh workers.
"""

from __future__ import annotations

import importlib.util
from collections.abc import Callable, Iterator
from concurrent.futures import Future, wait
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass

from tcompiler.costmodel.measure import MeasureResult, MeasureTask, measure
from tcompiler.workers import WorkerPool


@dataclass(frozen=True)
class FileFunction:
    """`name` from the Python file `path`, called in the worker: a picklable reference to a
    function that is not importable by module name (tests inject crashes and hangs this way)."""

    path: str
    name: str

    def __call__(self, task: MeasureTask) -> MeasureResult:
        spec = importlib.util.spec_from_file_location(f"_tcc_measure_{abs(hash(self.path))}",
                                                      self.path)
        assert spec is not None and spec.loader is not None
        module = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(module)
        result: MeasureResult = getattr(module, self.name)(task)
        return result


class Measurer:
    def __init__(self, jobs: int = 1, cluster: str | None = None, timeout_s: float = 120.0,
                 function: Callable[[MeasureTask], MeasureResult] = measure):
        self.pool = WorkerPool(jobs, cluster)
        self.timeout_s = timeout_s
        self.function = function  # a picklable top-level function (tests inject crashes)

    @property
    def width(self) -> int:
        return self.pool.width

    def __enter__(self) -> Measurer:
        self.pool.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.pool.close()

    def run(self, tasks: list[MeasureTask]) -> Iterator[tuple[MeasureTask, MeasureResult]]:
        """Measure every task; yields as each wave of `width` tasks completes."""
        for start in range(0, len(tasks), self.width):
            yield from self._wave(tasks[start:start + self.width])

    def _wave(self, wave: list[MeasureTask]) -> Iterator[tuple[MeasureTask, MeasureResult]]:
        futures = [self.pool.submit(self.function, task) for task in wave]
        done, pending = wait(futures, timeout=self.timeout_s)
        if pending:
            yield from self._restart_after(wave, futures, done, "timed out (hang)")
            return
        crashed = [t for t, f in zip(wave, futures) if f.exception() is not None]
        if crashed and len(wave) > 1:
            for task, future in zip(wave, futures):
                if future.exception() is None:
                    yield task, future.result()
            self.pool.restart()
            for task in crashed:  # alone, to tell which one crashes
                yield from self._wave([task])
            return
        for task, future in zip(wave, futures):
            yield task, self._result(future)
        if crashed:
            self.pool.restart()

    def _restart_after(self, wave: list[MeasureTask], futures: list[Future[MeasureResult]],
                       done: set[Future[MeasureResult]], reason: str
                       ) -> Iterator[tuple[MeasureTask, MeasureResult]]:
        for task, future in zip(wave, futures):
            if future in done and future.exception() is None:
                yield task, future.result()
            else:
                yield task, MeasureResult(valid=False, error=f"measurement {reason}")
        self.pool.restart()

    @staticmethod
    def _result(future: Future[MeasureResult]) -> MeasureResult:
        error = future.exception()
        if error is None:
            return future.result()
        kind = "worker crashed" if isinstance(error, BrokenProcessPool) else type(error).__name__
        return MeasureResult(valid=False, error=f"{kind}: {str(error).splitlines()[0][:200]}"
                             if str(error) else kind)
