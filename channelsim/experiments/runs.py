"""One run as a unit of work, its seed, and running many runs on any executor.

The unit of work, :func:`run_task`, is a top-level function that takes plain data (a
:class:`RunTask`: the scenario as TOML text, parameter overrides, the period and an integer
seed) and returns plain data (a :class:`RunOutcome`: the run's totals and, if asked, its daily
table). Being plain and picklable, it runs unchanged in this process, in a pool of local
processes, or on the workers of a Dask cluster, and gives the same numbers everywhere.

Seeds: run ``replicate`` of an experiment with root seed ``seed`` draws its random numbers from
``numpy.random.SeedSequence(seed).spawn(...)[replicate]`` (whose spawn key is ``(replicate,)``),
condensed into one 53-bit integer (:func:`run_seed`). That integer is stored with the run's
results, and ``channelsim.simulate(..., seed=that_integer)`` reproduces the run exactly.
"""

from __future__ import annotations

import concurrent.futures as cf
import contextlib
import datetime as dt
import functools
import multiprocessing
import numbers
import os
import traceback
from dataclasses import dataclass, field
from typing import Any, Callable, Iterator, Mapping, Sequence

import numpy as np
import pandas as pd

from .. import scenarios
from .. import checks
from ..params import ParameterError
from ..results import LEVELS, RATIOS, TOTAL_NAMES, summary
from ..simulation import simulate

__all__ = [
    "RunTask", "RunOutcome", "run_task", "run_totals", "output_names", "check_outputs", "run_seed", "check_seed",
    "InProcessExecutor", "open_executor", "execute", "ExperimentSetting", "resolve_setting",
]


# ------------------------------------------------------------------------------------ seeds
check_seed = checks.seed  #: ``seed`` as a whole number >= 0, or a ParameterError naming it


def run_seed(seed: int, replicate: int, point: int | None = None) -> int:
    """The integer seed of one run, derived from the experiment's root ``seed``.

    With ``point=None`` this is child ``replicate`` of ``SeedSequence(seed).spawn(n)`` (for any
    ``n > replicate``), so replicate ``i`` does not depend on how many runs there are, on the
    executor, or on the order in which runs finish. With a ``point``, the spawn key is
    ``(point, replicate)``: a stream independent of every other point's.
    """
    key = (replicate,) if point is None else (point, replicate)
    state = np.random.SeedSequence(seed, spawn_key=key).generate_state(1, np.uint64)[0]
    # 53 bits: exact as a float64 too, so a seed read from any table row or file stays exact
    return int(state >> np.uint64(11))


# ------------------------------------------------------------------------------ the setting
@dataclass(frozen=True)
class ExperimentSetting:
    """What every run of an experiment shares: the scenario (as TOML text, so that a worker on
    another machine needs no file) and the period."""

    scenario_name: str  #: for display: the scenario's name, or "default"
    scenario_toml: str | None  #: the scenario as TOML text, None for the registry defaults
    days: int
    start: dt.date


def resolve_setting(scenario: Any, days: Any, start: Any) -> ExperimentSetting:
    """The scenario (a name, a :class:`~channelsim.scenarios.Scenario`, a path to a TOML file or
    None) and the period, checked; ``days``/``start`` default to the scenario's own period."""
    scen = scenarios.get(scenario) if scenario is not None else None
    if days is None:
        days = (scen or scenarios.DEFAULT).days
    if start is None:
        start = (scen or scenarios.DEFAULT).start
    return ExperimentSetting(
        scenario_name=scen.name if scen is not None else "default",
        scenario_toml=scenarios.dumps(scen) if scen is not None else None,
        days=checks.days(days),
        start=checks.date(start),
    )


# ---------------------------------------------------------------------------- the work unit
@dataclass(frozen=True)
class RunTask:
    """One run to do: plain data only, so that it can be sent to any process or machine."""

    point: int  #: which design point (0 for an ensemble)
    replicate: int  #: which replicate of that point
    seed: int  #: the run's own seed (see :func:`run_seed`)
    params: Mapping[str, Any]  #: registry parameters set on top of the scenario's
    days: int
    start: dt.date
    scenario_toml: str | None = None
    keep_daily: bool = False  #: return the daily table as well as the totals

    @property
    def key(self) -> tuple[int, int]:
        return (self.point, self.replicate)


@dataclass
class RunOutcome:
    """What came back from one run: its totals, or the error it raised."""

    point: int
    replicate: int
    seed: int
    totals: dict[str, float] | None = None
    daily: pd.DataFrame | None = field(default=None, repr=False)
    error: str | None = None  #: "ExceptionType: message" if the run failed
    traceback: str | None = field(default=None, repr=False)

    @property
    def key(self) -> tuple[int, int]:
        return (self.point, self.replicate)


@functools.lru_cache(maxsize=16)
def _scenario(text: str) -> scenarios.Scenario:
    return scenarios.loads(text, source="experiment scenario")


def run_totals(daily: pd.DataFrame) -> dict[str, float]:
    """Totals of one run, as floats: :func:`channelsim.results.summary`, then every other
    numeric result column under its own name (flows summed over the run, levels such as
    ``in_camps`` averaged, ratios such as ``price_eur`` recomputed from their flows)."""
    totals = {k: float(v) for k, v in summary(daily).items()}
    for col in daily.columns:
        if col in totals or daily[col].dtype == bool or not pd.api.types.is_numeric_dtype(daily[col]):
            continue
        if col in LEVELS:
            totals[col] = float(daily[col].mean())
        elif col in RATIOS:
            weight = daily[RATIOS[col]]
            totals[col] = float((daily[col] * weight).sum() / weight.sum()) if weight.sum() else 0.0
        else:
            totals[col] = float(daily[col].sum())
    return totals


@functools.cache
def output_names() -> tuple[str, ...]:
    """Names of a run's totals (:func:`run_totals`), in order (known without running)."""
    return TOTAL_NAMES


def check_outputs(outputs: Any, where: str = "") -> tuple[str, ...] | None:
    """``outputs`` (None for all, or names of run totals) checked against :func:`output_names`."""
    if outputs is None:
        return None
    if isinstance(outputs, str):
        outputs = [outputs]
    if not isinstance(outputs, (list, tuple)) or not outputs:
        raise ParameterError(f"{where}outputs={outputs!r} is invalid: expected a non-empty list of "
                             "names of run totals such as 'arrivals'")
    known = output_names()
    for name in outputs:
        if name not in known:
            import difflib

            close = difflib.get_close_matches(str(name), known, n=1)
            hint = f" (did you mean {close[0]!r}?)" if close else ""
            raise ParameterError(f"{where}unknown output {name!r}{hint}: expected one of "
                                 + ", ".join(known))
    return tuple(outputs)


def run_task(task: RunTask) -> RunOutcome:
    """Run the model once: the unit of work of every ensemble, sweep and sensitivity analysis.

    Raises whatever the model raises; :func:`execute` records it as the run's failure.
    """
    scen = _scenario(task.scenario_toml) if task.scenario_toml is not None else None
    daily = simulate(scen, days=task.days, start=task.start, seed=task.seed, **task.params)
    return RunOutcome(task.point, task.replicate, task.seed, totals=run_totals(daily),
                      daily=daily if task.keep_daily else None)


def run_task_capturing_errors(task: RunTask) -> RunOutcome:
    """:func:`run_task`, with an exception turned into a failed :class:`RunOutcome` (so that
    the worker's traceback comes back as text, whatever the executor)."""
    try:
        return run_task(task)
    except Exception as err:  # noqa: BLE001 - any model error becomes this run's failure
        return _failed(task, err, traceback.format_exc())


def _failed(task: RunTask, err: BaseException, tb: str | None = None) -> RunOutcome:
    return RunOutcome(task.point, task.replicate, task.seed,
                      error=f"{type(err).__name__}: {err}",
                      traceback=tb or "".join(traceback.format_exception(err)))


# ------------------------------------------------------------------------------- executors
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


@contextlib.contextmanager
def open_executor(executor: Any, n_tasks: int) -> Iterator[cf.Executor]:
    """The executor to use for ``n_tasks`` runs.

    ``executor`` is one of:

    * ``None`` or ``"processes"``: a pool of local processes, one per core (at most one per
      run), started for this call and shut down after it;
    * an integer ``n``: a pool of ``n`` local processes (``1`` runs in this process);
    * ``"inprocess"``: every run in this process, one after another;
    * ``"tcp://host:port"``: the Dask cluster whose scheduler is at that address;
    * any :class:`concurrent.futures.Executor`, e.g. a ``ProcessPoolExecutor`` or a Dask
      ``client.get_executor()``: used as it is and left running.
    """
    if executor is None or executor == "processes":
        workers = max(1, min(os.cpu_count() or 1, n_tasks))
        yield from _pool(workers)
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
    pool = cf.ProcessPoolExecutor(max_workers=workers, mp_context=_process_context())
    try:
        yield pool
    except BaseException:
        pool.shutdown(wait=True, cancel_futures=True)
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


# ------------------------------------------------------------------------------- execution
def execute(tasks: Sequence[RunTask], executor: Any, *, on_outcome: Callable[[RunOutcome], None],
            progress: bool = True, desc: str = "runs", done: int = 0) -> None:
    """Run ``tasks`` on ``executor`` (see :func:`open_executor`), calling ``on_outcome`` in this
    process with each outcome as soon as it arrives, in completion order.

    A run that raises, or whose worker dies, arrives as a failed outcome; the others go on.
    If this call is interrupted (Ctrl-C), runs already finished are still handed to
    ``on_outcome`` before the interruption propagates, and runs not started are cancelled.
    ``done`` counts runs finished earlier (resumed from disk), for the progress bar.
    """
    if not tasks:
        return
    from tqdm.auto import tqdm

    with open_executor(executor, len(tasks)) as pool, \
            tqdm(total=len(tasks) + done, initial=done, desc=desc, unit="run",
                 disable=not progress, leave=True) as bar:
        if isinstance(pool, InProcessExecutor):
            for task in tasks:
                on_outcome(run_task_capturing_errors(task))
                bar.update()
            return
        futures = {pool.submit(run_task_capturing_errors, task): task for task in tasks}
        handled: set[cf.Future] = set()
        try:
            for future in cf.as_completed(futures):
                handled.add(future)
                on_outcome(_outcome(future, futures[future]))
                bar.update()
        except BaseException:
            for future, task in futures.items():
                if future in handled:
                    continue
                if future.done() and not future.cancelled() and future.exception() is None:
                    on_outcome(future.result())
                else:
                    future.cancel()
            raise


def _outcome(future: cf.Future, task: RunTask) -> RunOutcome:
    try:
        return future.result()
    except Exception as err:  # noqa: BLE001 - a worker died or the result could not come back
        return _failed(task, err)


