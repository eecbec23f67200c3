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

import datetime as dt
import functools
import traceback
from dataclasses import dataclass, field
from typing import Any, Mapping

import numpy as np
import pandas as pd

from .. import scenarios
from .. import checks
from ..params import ParameterError
from ..results import LEVELS, MAXIMA, RATIOS, TOTAL_NAMES, summary
from ..simulation import simulate

__all__ = [
    "RunTask", "RunOutcome", "run_task", "run_totals", "output_names", "daily_names", "check_outputs", "run_seed", "check_seed",
    "ExperimentSetting", "resolve_setting",
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
        """``(point, replicate)``: which run this is, as the store keys it."""
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
    exitcode: int | None = None  #: if the run's worker process died: its exit code (-N: signal N)

    @property
    def key(self) -> tuple[int, int]:
        """``(point, replicate)``: which run this came from, as the store keys it."""
        return (self.point, self.replicate)


@functools.lru_cache(maxsize=16)
def _scenario(text: str) -> scenarios.Scenario:
    return scenarios.loads(text, source="experiment scenario")


def run_totals(daily: pd.DataFrame) -> dict[str, float]:
    """Totals of one run, as floats: :func:`channelsim.results.summary`, then every other
    numeric result column under its own name (flows summed over the run, levels such as
    ``in_camps`` averaged, ratios such as ``price_eur`` recomputed from their flows, maxima
    such as ``largest_load`` the largest of the days)."""
    totals = {k: float(v) for k, v in summary(daily).items()}
    for col in daily.columns:
        if col in totals or daily[col].dtype == bool or not pd.api.types.is_numeric_dtype(daily[col]):
            continue
        if col in LEVELS:
            totals[col] = float(daily[col].mean())
        elif col in MAXIMA:
            totals[col] = float(daily[col].max())
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


@functools.cache
def daily_names() -> tuple[str, ...]:
    """Names of the columns of a run's daily table, in order."""
    from ..simulation import simulate as one_day  # the model itself, whatever wraps simulate here

    return tuple(one_day(days=1, seed=0).columns)


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


