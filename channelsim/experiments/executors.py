"""Where runs go, and running many of them so that what clusters do to jobs costs little.

* Local worker processes (:class:`LocalPool`) exit with the process that started them, however
  it ends (Ctrl-C, SIGTERM from a batch system, ``kill -9``): each worker holds the reading end
  of a pipe whose only writer is that process, and leaves when the pipe closes.
* A worker that dies (a segfault, the out-of-memory killer) costs one run: the pool is rebuilt,
  runs that had not started are submitted again, and the runs that were in flight are tried
  again one at a time, each in a process of its own, so that the one that kills its process is
  found and recorded with its exit code or signal.
* Runs are submitted as workers become free (at most two per worker wait in the queue), so an
  experiment of a million runs starts at once and holds only what it needs.
* SIGTERM is handled as Ctrl-C: finished runs are handed over, the workers are stopped, and
  ``KeyboardInterrupt`` propagates.
"""

from __future__ import annotations

import collections
import concurrent.futures as cf
import contextlib
import multiprocessing
import numbers
import os
import signal
import threading
import time
from concurrent.futures.process import BrokenProcessPool
from typing import Any, Callable, Iterable, Iterator

from ..params import ParameterError
from .runs import RunOutcome, RunTask, _failed, run_task_capturing_errors

__all__ = ["InProcessExecutor", "LocalPool", "open_executor", "execute", "describe_exit", "WorkersFailed"]


class InProcessExecutor(cf.Executor):
    """Runs each call in this process when it is submitted: no parallelism, no start-up cost,
    and ordinary tracebacks and debuggers."""

    def submit(self, fn: Callable[..., Any], /, *args: Any, **kwargs: Any) -> cf.Future:
        future: cf.Future = cf.Future()
        try:
            future.set_result(fn(*args, **kwargs))
        except Exception as err:  # noqa: BLE001 - delivered through the future, as executors do
            future.set_exception(err)
        return future


def _process_context() -> multiprocessing.context.BaseContext:
    """"forkserver" where available (Linux, macOS), else "spawn": never a plain fork of a
    process that may hold threads (Jupyter kernels, Dask clients, GUI back ends)."""
    if "forkserver" not in multiprocessing.get_all_start_methods():
        return multiprocessing.get_context("spawn")
    context = multiprocessing.get_context("forkserver")
    # the server imports the model once; each worker forked from it starts with it loaded
    context.set_forkserver_preload([__name__])
    return context


# ---------------------------------------------------------------------------- the workers
_STARTED: Any = None  #: in a worker: the queue on which it announces each run it starts


def _leave_with_parent(lifeline: Any) -> None:
    """Block until the pipe's writer (the process that started this worker) is gone, then exit."""
    with contextlib.suppress(EOFError, OSError):
        while True:
            lifeline.recv_bytes()
    os._exit(0)


def _worker_init(lifeline: Any, started: Any) -> None:
    global _STARTED
    _STARTED = started
    threading.Thread(target=_leave_with_parent, args=(lifeline,), daemon=True,
                     name="channelsim-lifeline").start()


Work = Callable[[RunTask], RunOutcome]  #: what a worker does with a task


def _run_announced(work: Work, task: RunTask) -> RunOutcome:
    """``work(task)``, announced first so that the parent knows the run started."""
    if _STARTED is not None:
        _STARTED.put(task.key)
    return work(task)


def _run_alone(work: Work, task: RunTask, lifeline: Any, result: Any) -> None:
    _worker_init(lifeline, None)
    result.send(work(task))
    result.close()


class WorkersFailed(RuntimeError):
    """Local worker processes die before they can start a run (a broken environment)."""


def describe_exit(code: int | None) -> str:
    """A worker's exit code in words: ``exit code 3``, ``signal SIGKILL (9)``."""
    if code is None:
        return "no exit code"
    if code < 0:
        try:
            return f"signal {signal.Signals(-code).name} ({-code})"
        except ValueError:
            return f"signal {-code}"
    return f"exit code {code}"


class LocalPool(cf.Executor):
    """A pool of ``workers`` local processes that exit when this process ends, and that can be
    rebuilt after one of them dies (:meth:`rebuild`)."""

    def __init__(self, workers: int, context: multiprocessing.context.BaseContext | None = None) -> None:
        self.workers = int(workers)
        self._context = context or _process_context()
        self._start()

    def _start(self) -> None:
        # the worker side of the pipe stays open here too, so that workers started later get it
        self._lifeline_r, self._lifeline_w = self._context.Pipe(duplex=False)
        self._started = self._context.SimpleQueue()
        self._pool = cf.ProcessPoolExecutor(self.workers, mp_context=self._context,
                                            initializer=_worker_init,
                                            initargs=(self._lifeline_r, self._started))

    def submit(self, fn: Callable[..., Any], /, *args: Any, **kwargs: Any) -> cf.Future:
        return self._pool.submit(fn, *args, **kwargs)

    def started_keys(self) -> set[tuple[int, int]]:
        """Keys of the runs whose start the workers announced since the pool was (re)built."""
        keys = set()
        with contextlib.suppress(OSError, EOFError):
            while not self._started.empty():
                keys.add(tuple(self._started.get()))
        return keys

    def shutdown(self, wait: bool = True, *, cancel_futures: bool = False) -> None:
        self._pool.shutdown(wait=wait, cancel_futures=cancel_futures)
        self._close_lifeline()

    def terminate(self) -> None:
        """Stop every worker now (their runs are lost) and release the pool."""
        self._close_lifeline()  # each worker leaves as soon as it sees the pipe close
        self._pool.shutdown(wait=True, cancel_futures=True)

    def rebuild(self) -> None:
        """Replace a pool broken by a dying worker with a fresh one of the same size."""
        self.terminate()
        self._start()

    def run_alone(self, task: RunTask, work: Work = run_task_capturing_errors) -> RunOutcome:
        """Run one task in a process of its own: its outcome, or a failure recording how the
        process died if it died."""
        receive, send = self._context.Pipe(duplex=False)
        process = self._context.Process(target=_run_alone, args=(work, task, self._lifeline_r, send),
                                        name=f"channelsim-run-{task.point}-{task.replicate}")
        process.start()
        send.close()
        try:
            outcome = receive.recv()
        except EOFError:  # the process died before sending its outcome
            outcome = None
        except BaseException:  # interrupted: the run is abandoned, as on the pool
            process.terminate()
            raise
        finally:
            receive.close()
            process.join()
        if outcome is not None:
            return outcome
        how = describe_exit(process.exitcode)
        return RunOutcome(task.point, task.replicate, task.seed, exitcode=process.exitcode,
                          error=f"WorkerDied: the process running this run died ({how})",
                          traceback=f"the worker process ended with {how} before returning a result\n")

    def _close_lifeline(self) -> None:
        for conn in (self._lifeline_w, self._lifeline_r):
            conn.close()


# ------------------------------------------------------------------------------- executors
@contextlib.contextmanager
def open_executor(executor: Any, n_tasks: int) -> Iterator[cf.Executor]:
    """The executor to use for ``n_tasks`` runs.

    ``executor`` is one of:

    * ``"processes"``: a pool of local processes, one per core (at most one per run), started
      for this call and shut down after it (``None`` too, except in a script that would start
      workers from outside an ``if __name__ == "__main__":`` block: see :func:`default_executor`);
    * an integer ``n``: a pool of ``n`` local processes (``1`` runs in this process);
    * ``"inprocess"``: every run in this process, one after another;
    * ``"tcp://host:port"``: the Dask cluster whose scheduler is at that address;
    * any :class:`concurrent.futures.Executor`, e.g. a ``ProcessPoolExecutor`` or a Dask
      ``client.get_executor()``: used as it is and left running.
    """
    from .guard import check_can_start_workers, default_executor

    if executor is None:
        executor = default_executor()
    elif executor == "processes" or (isinstance(executor, numbers.Integral) and executor > 1):
        check_can_start_workers(executor)
    if executor == "processes":
        yield from _pool(max(1, min(os.cpu_count() or 1, n_tasks)))
    elif isinstance(executor, numbers.Integral) and not isinstance(executor, bool):
        if executor < 1:
            raise ParameterError(f"executor={executor!r} is invalid: expected a number of "
                                 "worker processes >= 1")
        if executor == 1:
            yield InProcessExecutor()
        else:
            yield from _pool(min(int(executor), max(n_tasks, 1)))
    elif executor in ("inprocess", "serial"):
        yield InProcessExecutor()
    elif isinstance(executor, str) and executor.startswith(("tcp://", "tls://", "ucx://")):
        yield from _dask(executor)
    elif callable(getattr(executor, "submit", None)):
        yield executor
    else:
        raise ParameterError(
            f"executor={executor!r} is invalid: expected None or 'processes' (all cores), a "
            "number of processes, 'inprocess', a Dask scheduler address 'tcp://host:port', or "
            "a concurrent.futures.Executor such as a Dask client.get_executor()")


def _pool(workers: int) -> Iterator[cf.Executor]:
    pool = LocalPool(workers)
    try:
        yield pool
    except BaseException:
        pool.terminate()
        raise
    else:
        pool.shutdown(wait=True)


def _dask(address: str) -> Iterator[cf.Executor]:
    try:
        from distributed import Client
    except ImportError:  # pragma: no cover - the experiments extra is not installed
        raise ParameterError(f"executor={address!r} needs Dask: pip install 'channelsim[experiments]'") from None
    try:
        client = Client(address, timeout=10)
    except OSError as err:
        raise ParameterError(f"executor={address!r}: cannot reach the Dask scheduler ({err})") from None
    try:
        yield client.get_executor()
    finally:
        client.close()


def _capacity(pool: cf.Executor) -> int:
    """How many runs the executor can work on at once."""
    if isinstance(pool, LocalPool):
        return pool.workers
    workers = getattr(pool, "_max_workers", None)  # a ProcessPoolExecutor or ThreadPoolExecutor
    if isinstance(workers, int):
        return workers
    client = getattr(pool, "_client", None)  # a Dask client.get_executor()
    with contextlib.suppress(Exception):
        return max(1, sum(client.nthreads().values()))
    return os.cpu_count() or 1


# ------------------------------------------------------------------------------- execution
@contextlib.contextmanager
def _sigterm_as_interrupt() -> Iterator[None]:
    """While inside, SIGTERM (how batch systems stop jobs) raises KeyboardInterrupt, so that it
    takes the same path as Ctrl-C. Only in the main thread, where signals are handled."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return

    def interrupt(signum: int, frame: Any) -> None:
        raise KeyboardInterrupt(f"stopped by {signal.Signals(signum).name}")

    previous = signal.signal(signal.SIGTERM, interrupt)
    try:
        yield
    finally:
        signal.signal(signal.SIGTERM, previous)


def execute(tasks: Iterable[RunTask], executor: Any, *, on_outcome: Callable[[RunOutcome], None],
            progress: bool = True, desc: str = "runs", done: int = 0, total: int | None = None,
            work: Work = run_task_capturing_errors) -> None:
    """Run ``tasks`` on ``executor`` (see :func:`open_executor`), calling ``on_outcome`` in this
    process with each outcome as soon as it arrives, in completion order.

    ``tasks`` may be a lazy iterable: runs are taken from it as the executor has room (at most
    twice its number of workers waiting), ``total`` of them (for the progress bar and the pool's
    size; ``len(tasks)`` if not given). A run that raises arrives as a failed outcome; a run
    whose worker dies is tried again alone, and arrives as a failed outcome with the worker's
    ``exitcode`` if it kills its process again; the other runs go on. If this call is interrupted
    (Ctrl-C or SIGTERM), runs already finished are still handed to ``on_outcome``, the workers
    are stopped, and the interruption propagates. ``done`` counts runs finished earlier
    (resumed from disk), for the progress bar. ``work`` is what is done with each task (a
    top-level function, so that it reaches any process; it returns failures as outcomes).
    """
    if total is None:
        tasks = list(tasks)
        total = len(tasks)
    if total == 0:
        return
    from tqdm.auto import tqdm

    with _sigterm_as_interrupt(), open_executor(executor, total) as pool, \
            tqdm(total=total + done, initial=done, desc=desc, unit="run",
                 disable=not progress, leave=True) as bar:
        def deliver(outcome: RunOutcome) -> None:
            on_outcome(outcome)
            bar.update()

        if isinstance(pool, InProcessExecutor):
            for task in tasks:
                deliver(work(task))
        else:
            _Feeder(pool, iter(tasks), deliver, work).run()


class _Feeder:
    """Keeps an executor busy with a bounded number of runs and survives workers that die."""

    def __init__(self, pool: cf.Executor, tasks: Iterator[RunTask],
                 deliver: Callable[[RunOutcome], None], work: Work) -> None:
        self.pool, self.tasks, self.deliver, self.work = pool, tasks, deliver, work
        self.limit = 2 * _capacity(pool)
        self.sized = time.monotonic()  # when the limit was set (a cluster may grow or shrink)
        self.again: collections.deque[RunTask] = collections.deque()  # to submit before new ones
        self.inflight: dict[cf.Future, RunTask] = {}
        self.own: LocalPool | None = None  # a replacement for a broken pool we were lent
        self.started: set[tuple[int, int]] = set()  # runs a worker announced, not yet back
        self.fruitless = 0  # pool breaks in a row with no run started

    def _next(self) -> RunTask | None:
        return self.again.popleft() if self.again else next(self.tasks, None)

    def _fill(self) -> bool:
        """Submit runs up to the limit; False if the pool turned out to be broken."""
        if not isinstance(self.pool, LocalPool) and time.monotonic() - self.sized > 5:
            self.limit, self.sized = 2 * _capacity(self.pool), time.monotonic()
        while len(self.inflight) < self.limit:
            task = self._next()
            if task is None:
                return True
            try:
                if isinstance(self.pool, LocalPool):
                    future = self.pool.submit(_run_announced, self.work, task)
                else:
                    future = self.pool.submit(self.work, task)
            except BrokenProcessPool:  # a worker died since the last look
                self.again.appendleft(task)
                return False
            self.inflight[future] = task
        return True

    def run(self) -> None:
        try:
            while True:
                if not self._fill():
                    self._recover([])
                    continue
                if not self.inflight:
                    return
                finished, _ = cf.wait(self.inflight, return_when=cf.FIRST_COMPLETED)
                self._drain()
                broken = self._collect(finished)
                if broken:
                    self._recover(broken)
        except BaseException:
            self._collect([f for f in self.inflight if f.done()], final=True)
            for future in self.inflight:
                future.cancel()
            if isinstance(self.pool, LocalPool):
                self.pool.terminate()
            raise
        finally:
            if self.own is not None:
                self.own.shutdown()

    def _drain(self) -> None:
        """Read the workers' announcements (so that their queue never fills)."""
        if isinstance(self.pool, LocalPool):
            self.started |= self.pool.started_keys()

    def _collect(self, finished: Iterable[cf.Future], final: bool = False) -> list[RunTask]:
        """Hand over the outcomes of ``finished``; return the runs lost to a broken pool."""
        broken = []
        for future in list(finished):
            task = self.inflight.pop(future)
            if future.cancelled():
                continue
            try:
                outcome = future.result()
            except BrokenProcessPool:
                broken.append(task)
                continue
            except Exception as err:  # noqa: BLE001 - the result could not come back
                outcome = _failed(task, err)
            self.started.discard(task.key)
            self.fruitless = 0
            self.deliver(outcome)
        return [] if final else broken

    def _recover(self, broken: list[RunTask]) -> None:
        """A worker died: every run on the pool is lost. Rebuild it, submit again the runs that
        had not started, and try the runs that had, one at a time, each in its own process."""
        rest, _ = cf.wait(list(self.inflight))
        broken += self._collect(rest)
        pool = self.pool
        if not isinstance(pool, LocalPool):  # lent to us: run the rest on a pool of our own
            self.own = self.pool = pool = LocalPool(_capacity(pool))
            started = {t.key for t in broken}
        else:
            self._drain()
            started = self.started
            pool.rebuild()
        self.started = set()
        suspects = [task for task in broken if task.key in started]
        self.again.extend(task for task in broken if task.key not in started)
        self.fruitless = 0 if suspects else self.fruitless + 1
        if self.fruitless >= 2 and self.again:  # workers die before any run starts
            self._give_up_if_workers_cannot_start(self.again.popleft())
        for task in suspects:
            self.deliver(pool.run_alone(task, self.work))

    def _give_up_if_workers_cannot_start(self, task: RunTask) -> None:
        """Run ``task`` alone; if its process dies too, no worker can start: stop, rather than
        rebuild the pool for ever."""
        assert isinstance(self.pool, LocalPool)
        outcome = self.pool.run_alone(task, self.work)
        if outcome.exitcode is None:
            self.fruitless = 0
            self.deliver(outcome)
            return
        raise WorkersFailed(
            f"worker processes die before they start a run: the pool broke twice with no run "
            f"started, and a process running point {task.point}, replicate {task.replicate} "
            f"alone died with {describe_exit(outcome.exitcode)} (their error output is above). "
            "Finished runs are kept; try executor='inprocess' to see the error here")
