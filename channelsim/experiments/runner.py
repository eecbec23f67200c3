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
from typing import Any, Iterator, Literal, Mapping, Sequence

import pandas as pd

from .. import scenarios
from ..params import ParameterError, Params
from .executors import Work, execute
from .runs import ExperimentSetting, RunOutcome, RunTask, run_seed, run_task_capturing_errors
from .store import RunStore

__all__ = ["run_experiment", "ExperimentRuns", "RunFailureWarning", "ExperimentFailed", "check_size",
           "CRASHED", "LARGE_RUNS", "LARGE_FILES"]

CRASHED = ("skip", "retry")  #: what a resume does with runs whose worker process died
LARGE_RUNS = 100_000  #: more runs than this need allow_large=True
LARGE_FILES = 10_000  #: more per-run daily tables than this need allow_large=True
DAILY_BYTES = 360  #: about what one run-day of a daily table takes (130 kB a run-year)


class RunFailureWarning(UserWarning):
    """Some runs of an experiment raised; the others were kept."""


class ExperimentFailed(RuntimeError):
    """Every run of an experiment failed: nothing to analyse."""


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


def check_size(runs: int, *, days: int, keep_daily: bool, out: Any, allow_large: bool) -> None:
    """Refuse an experiment of absurd size before anything runs, unless ``allow_large``."""
    if allow_large:
        return
    advice = ("pass allow_large=True (command line: --allow-large) if you mean it, or ask for "
              "fewer runs")
    if runs > LARGE_RUNS:
        raise ParameterError(f"{runs:,} runs is more than {LARGE_RUNS:,}: at a tenth of a second "
                             f"or more a run that is days of computing, and the table of totals "
                             f"alone is held in memory; {advice}")
    if keep_daily and runs > LARGE_FILES:
        size = runs * days * DAILY_BYTES
        size_text = f"{size / 1e9:,.1f} GB" if size >= 1e9 else f"{size / 1e6:,.0f} MB"
        where = f" and {runs:,} files in {out}/daily" if out is not None else " in memory"
        raise ParameterError(f"{runs:,} runs keeping their daily tables would take about "
                             f"{size_text}{where}; {advice}, or keep_daily=False")


def _check_choice(value: Any, name: str, choices: Sequence[str]) -> str:
    if value not in choices:
        raise ParameterError(f"{name}={value!r} is invalid: expected one of "
                             + ", ".join(map(repr, choices)))
    return value


def run_experiment(points: Sequence[Mapping[str, Any]], *, setting: ExperimentSetting,
                   replicates: int, seed: int, identity: Mapping[str, Any],
                   common_random_numbers: bool = True, executor: Any = None,
                   progress: bool = True, out: str | os.PathLike | None = None,
                   format: Literal["parquet", "csv"] = "parquet", keep_daily: bool = False,
                   desc: str = "runs", crashed: Literal["skip", "retry"] = "skip",
                   allow_version_change: bool = False, allow_large: bool = False,
                   work: Work = run_task_capturing_errors,
                   per_replicate: Sequence[Mapping[str, Any]] | None = None) -> ExperimentRuns:
    """Run every point ``replicates`` times and collect the totals of each run.

    Run ``(point, replicate)`` gets :func:`run_seed(seed, replicate) <run_seed>` with common
    random numbers (every point sees the same ``replicates`` streams, so that differences
    between points come from the parameters rather than from luck), else
    ``run_seed(seed, replicate, point)``.

    With ``out``, runs already in the folder are skipped; so are runs that killed their worker
    process in an earlier attempt (recorded with its exit code), unless ``crashed="retry"``.
    If every run fails, :class:`ExperimentFailed` carries the first one's traceback; if some
    do, a :class:`RunFailureWarning` gives the count and the others are kept.

    ``per_replicate`` (one mapping of registry parameters per replicate, e.g. draws from a
    posterior) is set on top of every point's parameters in that replicate, so that replicate
    ``r`` of every point shares its parameter draw as well as its random stream.
    """
    crashed = _check_choice(crashed, "crashed", CRASHED)
    checked = check_points(points, setting)
    extra = _check_per_replicate(per_replicate, replicates, setting)
    total = len(checked) * replicates
    check_size(total, days=setting.days, keep_daily=keep_daily, out=out, allow_large=allow_large)
    store = None
    if out is not None:
        store = RunStore(out, dict(identity), format, params=base_params(setting).as_dict(),
                         allow_version_change=allow_version_change)
    try:
        return _run(checked, store, setting=setting, replicates=replicates, seed=seed,
                    common_random_numbers=common_random_numbers, executor=executor,
                    progress=progress, keep_daily=keep_daily, desc=desc, crashed=crashed, work=work,
                    per_replicate=extra)
    finally:
        if store is not None:
            store.close()


def _run(checked: list[dict[str, Any]], store: RunStore | None, *, setting: ExperimentSetting,
         replicates: int, seed: int, common_random_numbers: bool, executor: Any, progress: bool,
         keep_daily: bool, desc: str, crashed: str, work: Work,
         per_replicate: list[dict[str, Any]] | None = None) -> ExperimentRuns:
    total = len(checked) * replicates

    def wanted(key: tuple[int, int]) -> bool:
        return 0 <= key[0] < len(checked) and 0 <= key[1] < replicates

    done, failures = _resumed(store, keep_daily, crashed, wanted)
    skip = done | {(int(f["point"]), int(f["replicate"])) for f in failures}

    def task(i: int, r: int) -> RunTask:
        return RunTask(point=i, replicate=r,
                       seed=run_seed(seed, r) if common_random_numbers else run_seed(seed, r, i),
                       params={**checked[i], **per_replicate[r]} if per_replicate else checked[i],
                       days=setting.days, start=setting.start,
                       scenario_toml=setting.scenario_toml, keep_daily=keep_daily)

    def todo() -> Iterator[RunTask]:  # lazily: a million runs start at once
        for i in range(len(checked)):
            for r in range(replicates):
                if (i, r) not in skip:
                    yield task(i, r)

    rows: list[dict[str, Any]] = []
    daily: dict[tuple[int, int], pd.DataFrame] = {}

    def on_outcome(outcome: RunOutcome) -> None:
        head = {"point": outcome.point, "replicate": outcome.replicate, "seed": outcome.seed}
        if outcome.error is not None:
            failures.append({**head, **checked[outcome.point], "error": outcome.error,
                             "exitcode": outcome.exitcode, "traceback": outcome.traceback})
            if store is not None:
                store.write_failures(failures)
            return
        row = {**head, **checked[outcome.point], **outcome.totals}
        if store is not None:
            store.add(row, outcome.daily)
        else:
            rows.append(row)
        if outcome.daily is not None:
            daily[outcome.key] = outcome.daily

    try:
        execute(todo(), executor, on_outcome=on_outcome, progress=progress, desc=desc,
                done=len(skip), total=total - len(skip), work=work)
    finally:
        if store is not None:
            store.write_failures(failures)
            store.compact()
    summary = _summary(store, rows, wanted)
    if store is not None and keep_daily:
        for key in zip(summary["point"].astype(int), summary["replicate"].astype(int)):
            if key not in daily:
                daily[key] = store.daily(*key)
    failed = _report(pd.DataFrame(failures), summary, total, store, checked)
    return ExperimentRuns(summary=summary, failures=failed, daily=daily, store=store)


def _check_per_replicate(per_replicate: Sequence[Mapping[str, Any]] | None, replicates: int,
                         setting: ExperimentSetting) -> list[dict[str, Any]] | None:
    """One mapping of parameters per replicate, each checked by the registry like a point."""
    if per_replicate is None:
        return None
    rows = list(per_replicate)
    if len(rows) != replicates:
        raise ParameterError(f"per_replicate has {len(rows)} parameter sets for {replicates} "
                             "replicates: expected one per replicate")
    return check_points(rows, setting)


def _resumed(store: RunStore | None, keep_daily: bool, crashed: str,
             wanted: Any) -> tuple[set[tuple[int, int]], list[dict[str, Any]]]:
    """Runs the folder holds, and the failures to carry over: runs that killed their worker,
    unless they are to be retried."""
    if store is None:
        return set(), []
    done = {k for k in store.finished_keys() if wanted(k)}
    if keep_daily:
        done = {k for k in done if store.daily_path(*k).exists()}
    carried: list[dict[str, Any]] = []
    if crashed == "skip":
        old = store.failures()
        if "exitcode" in old.columns:
            old = old[old["exitcode"].notna()].drop(columns="experiment_id", errors="ignore")
            carried = [row for row in old.to_dict(orient="records")
                       if wanted((row["point"], row["replicate"])) and (row["point"], row["replicate"]) not in done]
    return done, carried


def _summary(store: RunStore | None, rows: list[dict[str, Any]], wanted: Any) -> pd.DataFrame:
    summary = store.finished() if store is not None else pd.DataFrame(rows)
    if len(summary):
        summary = summary[[wanted(k) for k in zip(summary["point"], summary["replicate"])]]
    if len(summary):
        summary = summary.sort_values(["point", "replicate"], ignore_index=True)
        summary[["point", "replicate", "seed"]] = summary[["point", "replicate", "seed"]].astype("int64")
    return summary


def _report(failed: pd.DataFrame, summary: pd.DataFrame, total: int, store: RunStore | None,
            checked: list[dict[str, Any]]) -> pd.DataFrame:
    """Raise if every run failed; warn with the count if some did."""
    if not len(failed):
        return failed
    failed = failed.sort_values(["point", "replicate"], ignore_index=True)
    first = failed.iloc[0]
    which = (f"point {first.point}, replicate {first.replicate} "
             f"({_describe(checked[int(first.point)])})")
    where = f" and in {store.folder / 'failures.csv'}" if store is not None else ""
    crashed = int(failed["exitcode"].notna().sum()) if "exitcode" in failed.columns else 0
    if crashed:
        where += (f"; {crashed} killed the process running it and will be skipped when the "
                  "experiment is resumed, unless crashed='retry'")
    if not len(summary):
        raise ExperimentFailed(
            f"all {len(failed)} runs failed (details in .failures{where}). The first, {which}, "
            f"failed with {first.error}:\n{first.traceback}")
    warnings.warn(
        f"{len(failed)} of {total} runs failed and {len(summary)} were kept; first: {which}: "
        f"{first.error}. Details in .failures{where}", RunFailureWarning, stacklevel=5)
    return failed


def _describe(params: Mapping[str, Any]) -> str:
    return ", ".join(f"{k}={v!r}" for k, v in params.items()) or "no parameters changed"
