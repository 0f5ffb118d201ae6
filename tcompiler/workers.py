"""Worker processes for work that scales out: a local process pool or a Dask cluster, behind
one `concurrent.futures.Executor` (measurements of `tcc tune`, rounds of `tcc fuzz`).

    with WorkerPool(jobs=2) as pool:               # or WorkerPool(cluster="tcp://host:8786")
        future = pool.submit(fn, task)             # pool.width tasks at a time
        pool.restart()                             # after a worker died or hung (local)

Locally, `jobs` forkserver processes (`ignore_sigint`: they leave Ctrl-C to the driver, which
kills them); on a cluster, `distributed.Client(address).get_executor()` (Dask: pure Python,
pip-installable, a drop-in futures executor), `width` then counting the workers' threads.
Dask replaces dead workers itself; a local pool is killed and started afresh.
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


class WorkerPool:
    def __init__(self, jobs: int = 1, cluster: str | None = None, ignore_sigint: bool = False):
        self.jobs, self.cluster, self.ignore_sigint = jobs, cluster, ignore_sigint
        self.client: Any = None
        self.executor: Executor | None = None
        self.width = jobs

    def __enter__(self) -> WorkerPool:
        self.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def start(self) -> None:
        if self.cluster is None:
            context = multiprocessing.get_context("forkserver")
            self.executor = ProcessPoolExecutor(
                max_workers=self.jobs, mp_context=context,
                initializer=_ignore_sigint if self.ignore_sigint else None)
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
