"""Where fuzzing rounds run when there is more than one worker: a local process pool or a Dask
cluster, behind one `concurrent.futures.Executor` (the seam `tcc tune --cluster` uses too,
`tcompiler.costmodel.executor`).

    with RoundPool(jobs=2) as pool:                 # or RoundPool(cluster="tcp://host:8786")
        future = pool.submit(fuzz_round, task)     # pool.width rounds at a time
        pool.restart()                             # after a worker died or hung (local)

Local workers are forkserver processes that ignore SIGINT (the driver handles Ctrl-C and
kills them). On Dask, each worker process runs one round at a time (`campaign.fuzz_round`
holds a per-process lock: coverage is process-wide), so start workers with `--nthreads 1`
and one process per core; `width` counts their threads. Plug-ins given by file path must be
readable at that path on the workers.
"""

from __future__ import annotations

import multiprocessing
import signal
from collections.abc import Callable
from concurrent.futures import Executor, Future, ProcessPoolExecutor
from typing import Any

from tcompiler.errors import OptionError


def _ignore_sigint() -> None:
    signal.signal(signal.SIGINT, signal.SIG_IGN)


class RoundPool:
    def __init__(self, jobs: int = 1, cluster: str | None = None):
        self.jobs, self.cluster = jobs, cluster
        self.client: Any = None
        self.executor: Executor | None = None
        self.width = jobs

    def __enter__(self) -> RoundPool:
        self.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def start(self) -> None:
        if self.cluster is None:
            context = multiprocessing.get_context("forkserver")
            self.executor = ProcessPoolExecutor(max_workers=self.jobs, mp_context=context,
                                                initializer=_ignore_sigint)
            return
        self.client = connect(self.cluster)
        self.executor = self.client.get_executor()
        workers = self.client.scheduler_info().get("workers", {})
        self.width = max(1, sum(w.get("nthreads", 1) for w in workers.values()))

    def submit(self, fn: Callable[..., Any], *args: Any) -> Future[Any]:
        assert self.executor is not None
        return self.executor.submit(fn, *args)

    def restart(self) -> None:
        """Kill the local workers (one died or hangs) and start fresh ones; on a cluster,
        Dask replaces dead workers itself."""
        if self.cluster is None:
            self._kill_local()
            self.start()

    def close(self) -> None:
        if self.client is not None:
            self.client.close()
            self.client = None
        elif self.executor is not None:
            self._kill_local()
        self.executor = None

    def _kill_local(self) -> None:
        assert isinstance(self.executor, ProcessPoolExecutor)
        for process in list(getattr(self.executor, "_processes", {}).values()):
            process.kill()
        self.executor.shutdown(wait=True, cancel_futures=True)


def connect(address: str) -> Any:
    """A Dask client of the scheduler at `address` (one-line OptionError if impossible)."""
    try:
        from distributed import Client
    except ImportError:
        raise OptionError("--cluster needs Dask distributed: pip install distributed") from None
    try:
        return Client(address, timeout=30)
    except OSError as err:
        raise OptionError(f"--cluster {address}: cannot connect ({err})") from None
