"""Running the runs of an experiment: design points times replicates, with an optional store.

Ensembles, sweeps and sensitivity analyses are all "these parameter points, each run with these
replicates": :func:`run_experiment` checks every point against the registry before anything
runs, skips the runs an output folder already holds, runs the rest on the chosen executor,
writes each one as it finishes, and reports failures without losing the other runs.
"""

from __future__ import annotations

import os
import warnings
from dataclasses import dataclass, field
from typing import Any, Literal, Mapping, Sequence

import pandas as pd

from .. import scenarios
from ..params import ParameterError, Params
from .executors import execute
from .runs import ExperimentSetting, RunOutcome, RunTask, run_seed
from .store import RunStore

__all__ = ["run_experiment", "ExperimentRuns", "RunFailureWarning"]


class RunFailureWarning(UserWarning):
    """Some runs of an experiment raised; the others were kept."""


@dataclass
class ExperimentRuns:
    """What :func:`run_experiment` returns."""

    summary: pd.DataFrame  #: one row per finished run: point, replicate, seed, parameters, totals
    failures: pd.DataFrame  #: one row per failed run: point, replicate, seed, parameters, error
    daily: dict[tuple[int, int], pd.DataFrame] = field(default_factory=dict)  #: if kept
    store: RunStore | None = None


def base_params(setting: ExperimentSetting) -> Params:
    """The scenario's parameters (the registry defaults without a scenario)."""
    if setting.scenario_toml is None:
        return Params()
    return scenarios.loads(setting.scenario_toml, source=setting.scenario_name).make_params()


def check_points(points: Sequence[Mapping[str, Any]], setting: ExperimentSetting) -> list[dict[str, Any]]:
    """Every point's parameters on top of the scenario, validated by the registry before any
    run starts; values come back in their parameters' types (e.g. ints rounded by the caller
    stay ints). The error names the point and the offending parameter."""
    base = base_params(setting)
    checked = []
    for i, point in enumerate(points):
        try:
            p = base.replace(**point)
        except ParameterError as err:
            where = f"point {i}" if len(points) > 1 else "parameters"
            raise ParameterError(f"{where}: {err}") from None
        checked.append({name: getattr(p, name) for name in point})
    return checked


def run_experiment(points: Sequence[Mapping[str, Any]], *, setting: ExperimentSetting,
                   replicates: int, seed: int, identity: Mapping[str, Any],
                   common_random_numbers: bool = True, executor: Any = None,
                   progress: bool = True, out: str | os.PathLike | None = None,
                   format: Literal["parquet", "csv"] = "parquet", keep_daily: bool = False,
                   desc: str = "runs") -> ExperimentRuns:
    """Run every point ``replicates`` times and collect the totals of each run.

    Run ``(point, replicate)`` gets :func:`run_seed(seed, replicate) <run_seed>` with common
    random numbers (every point sees the same ``replicates`` streams, so that differences
    between points come from the parameters rather than from luck), else
    ``run_seed(seed, replicate, point)``.
    """
    checked = check_points(points, setting)
    store = RunStore(out, dict(identity), format) if out is not None else None
    done: set[tuple[int, int]] = set()
    if store is not None:
        done = store.finished_keys()
        if keep_daily:
            done = {k for k in done if store.daily_path(*k).exists()}
    tasks = [
        RunTask(point=i, replicate=r,
                seed=run_seed(seed, r) if common_random_numbers else run_seed(seed, r, i),
                params=params, days=setting.days, start=setting.start,
                scenario_toml=setting.scenario_toml, keep_daily=keep_daily)
        for i, params in enumerate(checked) for r in range(replicates)
    ]
    wanted = {t.key for t in tasks}
    todo = [t for t in tasks if t.key not in done]
    by_key = {t.key: t for t in tasks}
    rows: list[dict[str, Any]] = []
    failures: list[dict[str, Any]] = []
    daily: dict[tuple[int, int], pd.DataFrame] = {}

    def on_outcome(outcome: RunOutcome) -> None:
        params = dict(by_key[outcome.key].params)
        head = {"point": outcome.point, "replicate": outcome.replicate, "seed": outcome.seed}
        if outcome.error is not None:
            failures.append({**head, **params, "error": outcome.error, "traceback": outcome.traceback})
            if store is not None:
                store.write_failures(failures)
            return
        row = {**head, **params, **outcome.totals}
        rows.append(row)
        if outcome.daily is not None:
            daily[outcome.key] = outcome.daily
        if store is not None:
            store.add(row, outcome.daily)

    try:
        execute(todo, executor, on_outcome=on_outcome, progress=progress, desc=desc,
                done=len(tasks) - len(todo))
    finally:
        if store is not None:
            store.write_failures(failures)
            store.compact()

    if store is not None:
        summary = store.finished()
        summary = summary[[k in wanted for k in zip(summary["point"], summary["replicate"])]]
        if keep_daily:
            for key in zip(summary["point"].astype(int), summary["replicate"].astype(int)):
                if key not in daily:
                    daily[key] = store.daily(*key)
    else:
        summary = pd.DataFrame(rows)
    if len(summary):
        summary = summary.sort_values(["point", "replicate"], ignore_index=True)
        summary[["point", "replicate", "seed"]] = summary[["point", "replicate", "seed"]].astype("int64")
    failed = pd.DataFrame(failures)
    if len(failed):
        failed = failed.sort_values(["point", "replicate"], ignore_index=True)
        first = failed.iloc[0]
        where = f" in {store.folder / 'failures.csv'}" if store is not None else ""
        warnings.warn(
            f"{len(failed)} of {len(tasks)} runs failed and {len(tasks) - len(failed)} were kept; "
            f"first: point {first.point}, replicate {first.replicate} "
            f"({_describe(by_key[(int(first.point), int(first.replicate))].params)}): {first.error}. "
            f"Details in .failures{where}", RunFailureWarning, stacklevel=3)
    return ExperimentRuns(summary=summary, failures=failed, daily=daily, store=store)


def _describe(params: Mapping[str, Any]) -> str:
    return ", ".join(f"{k}={v!r}" for k, v in params.items()) or "no parameters changed"
