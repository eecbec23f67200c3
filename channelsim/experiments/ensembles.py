"""Ensembles: one scenario run many times with independent random streams, and comparisons.

>>> import channelsim
>>> base = channelsim.ensemble("baseline_2024", 20, seed=0)                # doctest: +SKIP
>>> pilot = channelsim.ensemble("pilot_announced", 20, seed=0)             # doctest: +SKIP
>>> base.summary[["arrivals", "deaths"]].describe()                        # doctest: +SKIP
>>> base.plot("arrivals")                                                  # doctest: +SKIP
>>> channelsim.compare(base, pilot).table                                  # doctest: +SKIP
"""

from __future__ import annotations

import datetime as dt
import os
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Literal, Mapping, Sequence

import numpy as np
import pandas as pd

from .. import checks
from ..formatting import table_html
from ..params import ParameterError
from ..results import aggregate
from .runner import check_points, run_experiment
from .runs import check_seed, resolve_setting, run_seed

if TYPE_CHECKING:
    from matplotlib.axes import Axes
    from matplotlib.figure import Figure

__all__ = ["Ensemble", "ensemble", "Comparison", "compare", "HEADLINE_OUTPUTS"]

#: The totals a comparison shows unless told otherwise (those a run has).
HEADLINE_OUTPUTS = ("arrivals", "boats", "people_per_boat", "attempts", "stopped", "deaths",
                    "rescued", "mean_in_camps", "detained", "returned", "admitted", "recrossed",
                    "net_effect")


_check_count = checks.count
_check_level = checks.level


@dataclass
class Ensemble:
    """``n`` runs of one scenario that differ only in their random streams.

    Attributes:
        summary: one row per finished run, indexed by ``replicate``: the run's ``seed`` (pass it
            to :func:`channelsim.simulate` to reproduce the run) and its totals over the period
            (every result column: flows summed, levels averaged; see
            :func:`channelsim.experiments.run_totals`).
        daily: the daily results of every run, tidy: one row per run and day, with columns
            ``replicate``, ``date`` and the result columns (empty if ``keep_daily=False``).
        failures: runs that raised: replicate, seed, error, traceback (usually empty).
        draws: with a posterior, the parameters each replicate drew from it (one row per
            replicate); None otherwise.
    """

    scenario: str
    n: int
    days: int
    start: dt.date
    seed: int
    overrides: dict[str, Any]
    summary: pd.DataFrame
    daily: pd.DataFrame
    failures: pd.DataFrame
    out: os.PathLike | None = None
    _scenario_toml: str | None = field(default=None, repr=False)
    draws: pd.DataFrame | None = field(default=None, repr=False)
    posterior_digest: str | None = field(default=None, repr=False)

    def __repr__(self) -> str:
        changed = "".join(f", {k}={v!r}" for k, v in self.overrides.items())
        return (f"Ensemble({self.scenario!r}{changed}: {len(self.summary)} of {self.n} runs finished"
                f"{f', {len(self.failures)} failed' if len(self.failures) else ''}; {self.days} days "
                f"from {self.start:%Y-%m-%d}, seed {self.seed})")

    @property
    def label(self) -> str:
        """The scenario's name and the parameters set on top of it."""
        changed = ", ".join(f"{k}={v!r}" for k, v in self.overrides.items())
        return f"{self.scenario} ({changed})" if changed else self.scenario

    @property
    def outputs(self) -> list[str]:
        """Names of the totals in :attr:`summary`."""
        return [c for c in self.summary.columns if c != "seed"]

    def describe(self, outputs: Sequence[str] | None = None, level: float = 0.9) -> pd.DataFrame:
        """Mean, standard deviation and the central ``level`` range (quantiles over runs) of each
        total, with a Student t confidence interval of the mean at the same level.

        Returns a DataFrame with one row per total (``outputs``, or every total in
        ``summary``), in that total's unit (see ``channelsim.results.summary``: people, boats,
        days, ...), and columns ``mean``, ``std``, the lower quantile (``q0.05`` for
        ``level=0.9``), ``median``, the upper quantile (``q0.95``), ``mean_low`` and
        ``mean_high`` (the interval of the mean; NaN with a single run) and ``runs`` (finished
        runs). Raises ``ParameterError`` for a name that is not a total or a ``level`` outside
        (0, 1).

        >>> ens.describe(["arrivals", "deaths"], level=0.9)  # doctest: +SKIP
        """
        from scipy import stats

        level = _check_level(level)
        cols = _check_outputs(outputs or self.outputs, self.summary, "ensemble")
        data = self.summary[cols]
        n = len(data)
        lo, hi = (1 - level) / 2, (1 + level) / 2
        half = stats.t.ppf(hi, n - 1) * data.std(ddof=1) / np.sqrt(n) if n > 1 else np.nan
        return pd.DataFrame({
            "mean": data.mean(), "std": data.std(ddof=1),
            f"q{lo:.3g}": data.quantile(lo), "median": data.median(), f"q{hi:.3g}": data.quantile(hi),
            "mean_low": data.mean() - half, "mean_high": data.mean() + half, "runs": n,
        })

    @property
    def scenario_definition(self):
        """The :class:`~channelsim.scenarios.Scenario` the runs used (None for the defaults)."""
        from .. import scenarios

        return scenarios.loads(self._scenario_toml) if self._scenario_toml else None

    def daily_of(self, replicate: int) -> pd.DataFrame:
        """The daily results of one run, indexed by date, as :func:`channelsim.simulate` returns
        them (re-simulated from the run's seed if the ensemble did not keep them)."""
        if replicate in set(self.daily.get("replicate", ())):
            one = self.daily[self.daily["replicate"] == replicate]
            return one.drop(columns="replicate").set_index("date")
        if not 0 <= replicate < self.n:
            raise ParameterError(f"replicate={replicate!r} is invalid: expected 0 to {self.n - 1}")
        from ..simulation import simulate

        return simulate(self.scenario_definition, days=self.days, start=self.start, seed=run_seed(self.seed, replicate),
                        **self.overrides)

    def bands(self, column: str = "arrivals", freq: str = "week",
              quantiles: Sequence[float] = (0.05, 0.25, 0.5, 0.75, 0.95)) -> pd.DataFrame:
        """``column`` aggregated by ``freq`` ("day", "week", "month", "year") in every run, then
        summarised over runs: one row per period with the mean and the given quantiles
        (columns ``mean``, ``q0.05``, ...). Periods the runs cover only in part (a first or
        last week cut by the start or the end) are left out, so that a short period does not
        look like a fall.

        Returns a DataFrame indexed by the period's label (as ``channelsim.results.aggregate``
        labels it), in the column's unit per period (e.g. people a week for ``arrivals`` by
        week; levels such as ``in_camps`` are means over the period), with columns ``mean``,
        one ``q<quantile>`` per quantile (e.g. ``q0.05``) and ``runs`` (the runs with that
        period). Raises ``ParameterError`` if the ensemble kept no daily results or ``column``
        is not a daily result, and ``ValueError`` for a bad ``freq``.

        >>> ens.bands("arrivals", "month")[["mean", "q0.05", "q0.95"]]  # doctest: +SKIP
        """
        wide = self._per_period(column, freq)
        out = pd.DataFrame({"mean": wide.mean(axis=1)})
        for q in quantiles:
            out[f"q{q:g}"] = wide.quantile(q, axis=1)
        out["runs"] = wide.notna().sum(axis=1)
        return out

    def _per_period(self, column: str, freq: str) -> pd.DataFrame:
        if self.daily.empty:
            raise ParameterError("this ensemble kept no daily results: run it with keep_daily=True")
        if column not in self.daily.columns or column in ("replicate", "date"):
            known = [c for c in self.daily.columns if c not in ("replicate", "date")]
            raise ParameterError(f"column={column!r} is not a daily result: expected one of "
                                 + ", ".join(known))
        per_run = {}
        for rep, frame in self.daily.groupby("replicate", sort=True):
            periods = aggregate(frame.drop(columns="replicate").set_index("date"), freq)
            per_run[rep] = periods.loc[_complete(periods, freq), column]
        return pd.DataFrame(per_run)

    def plot(self, column: str = "arrivals", freq: str = "week", ax: Axes | None = None) -> Figure:
        """Fan chart of ``column`` per ``freq``: the mean over runs, and the bands holding the
        central 50% and 90% of runs in each period."""
        import matplotlib.pyplot as plt

        b = self.bands(column, freq)
        if ax is None:
            fig, ax = plt.subplots(figsize=(10, 4), layout="constrained")
        else:
            fig = ax.figure
        x = b.index
        ax.fill_between(x, b["q0.05"], b["q0.95"], color="#1f5fa8", alpha=0.18, lw=0,
                        label="90% of runs")
        ax.fill_between(x, b["q0.25"], b["q0.75"], color="#1f5fa8", alpha=0.35, lw=0,
                        label="50% of runs")
        ax.plot(x, b["mean"], color="#0b2f5c", lw=1.8, label="mean")
        ax.set_ylabel(f"{column} per {freq}")
        ax.set_ylim(bottom=min(0, float(b["q0.05"].min())))
        ax.set_title(f"{self.label}: {column} per {freq}, {len(self.summary)} runs")
        ax.legend(loc="upper left", frameon=False)
        return fig


def _complete(periods: pd.DataFrame, freq: str) -> np.ndarray:
    """Which rows of an :func:`~channelsim.results.aggregate` table cover their whole period."""
    index = periods.index
    full = {"day": 1, "week": 7}.get(freq)
    if freq == "month":
        full = index.days_in_month
    elif freq == "year":
        full = 365 + index.is_leap_year.astype(int)
    if full is None:  # a pandas frequency code: keep every period
        return np.ones(len(periods), dtype=bool)
    return (periods["days"] == full).to_numpy()


def ensemble(scenario: Any, n: int, *, days: int | None = None, start: Any = None, seed: int = 0,
             executor: Any = None, progress: bool = True, out: str | os.PathLike | None = None,
             keep_daily: bool = True, format: Literal["parquet", "csv"] = "parquet",
             crashed: Literal["skip", "retry"] = "skip", allow_version_change: bool = False,
             allow_large: bool = False, posterior: Any = None, **overrides: Any) -> Ensemble:
    """Run ``scenario`` ``n`` times with independent random streams and collect the results.

    Args:
        scenario: a scenario name (see :func:`channelsim.scenarios.names`), a
            :class:`~channelsim.scenarios.Scenario`, a path to a scenario TOML file, or None for
            the registry defaults.
        n: number of runs (replicates).
        days, start: the period; by default the scenario's own (the whole of 2024, 366 days
            from 2024-01-01, without a scenario).
        seed: root seed. Run ``i`` uses ``SeedSequence(seed).spawn(n)[i]``, so the same call
            gives the same runs on any machine and executor, and run ``i`` does not depend on
            ``n`` (an ensemble of 50 extends one of 20).
        executor: where runs go: None (local processes, one per core; in this process when a
            script starts the ensemble outside ``if __name__ == "__main__":``, with a warning
            naming the line to move under it), ``"inprocess"``, a number
            of processes, a Dask scheduler address, or any ``concurrent.futures.Executor``
            (e.g. a Dask ``client.get_executor()``); see :func:`channelsim.experiments.open_executor`.
        progress: show a progress bar (terminal or Jupyter).
        out: a folder to write each run to as it finishes; started again with the same
            arguments, it resumes, running only the missing runs.
        keep_daily: keep every run's daily table (:attr:`Ensemble.daily`); about 130 kB a run-year.
        format: "parquet" or "csv", for ``out``.
        crashed: on resuming ``out``, what to do with runs that killed the process running them
            in an earlier attempt (recorded in ``failures.csv`` with the exit code): "skip"
            them (the default) or "retry" them.
        allow_version_change: resume an ``out`` folder written by another version of channelsim
            (refused by default: the results of two model versions would be mixed).
        allow_large: go ahead with more than 100,000 runs, or more than 10,000 daily tables
            (refused by default, with the size they would take).
        posterior: a :class:`channelsim.posterior.Posterior` (or ``"shipped"`` for the one
            shipped with the package): run ``i`` also draws its calibrated parameters from it
            (:meth:`~channelsim.posterior.Posterior.sample` with ``seed``), so the spread over
            runs carries what the record leaves unknown as well as chance. ``overrides`` win
            over the draws for the parameters they set.
        **overrides: registry parameters set on top of the scenario's (e.g. ``officers_per_day=1200``).

    Returns:
        An ``Ensemble``: ``summary`` (one row of totals per finished run, each in its unit:
        people, boats, days, ...), ``daily`` (every run's daily table) and ``failures``; use
        ``describe`` for means and ranges over runs and ``bands`` or ``plot`` for each period.

    Raises:
        ParameterError: naming the culprit, for a bad ``n``, ``seed``, period, scenario or
            override (unknown parameter, wrong type, out of range), before any run starts.

    Examples:
        >>> ens = ensemble("baseline_2024", n=20, days=90, officers_per_day=1200)  # doctest: +SKIP
        >>> ens.describe(["arrivals", "deaths"])  # people in 90 days, over 20 runs  # doctest: +SKIP
        >>> ens.bands("arrivals", "week")  # people a week  # doctest: +SKIP
    """
    n = _check_count(n, "n")
    seed = check_seed(seed)
    setting = resolve_setting(scenario, days, start)
    overrides = check_points([overrides], setting)[0]  # typed by the registry: 1200 -> 1200.0
    draws, digest = posterior_draws(posterior, n, seed, overrides)
    identity = {"kind": "ensemble", "scenario": setting.scenario_name,
                "scenario_toml": setting.scenario_toml, "days": setting.days,
                "start": setting.start.isoformat(), "seed": seed, "overrides": overrides}
    if digest is not None:
        identity["posterior"] = digest
    runs = run_experiment([overrides], setting=setting, replicates=n, seed=seed, identity=identity,
                          per_replicate=None if draws is None else draws.to_dict("records"),
                          executor=executor, progress=progress, out=out, format=format,
                          keep_daily=keep_daily, desc=f"ensemble {setting.scenario_name}",
                          crashed=crashed, allow_version_change=allow_version_change,
                          allow_large=allow_large)
    params = list(overrides)
    summary = runs.summary.drop(columns=["point", *params], errors="ignore")
    summary = summary.set_index("replicate") if len(summary) else pd.DataFrame(
        columns=["seed"], index=pd.Index([], name="replicate", dtype="int64"))
    frames = [frame.reset_index().assign(replicate=key[1]) for key, frame in sorted(runs.daily.items())]
    daily = pd.concat(frames, ignore_index=True) if frames else pd.DataFrame(columns=["replicate", "date"])
    daily = daily[["replicate", *[c for c in daily.columns if c != "replicate"]]]
    failures = runs.failures.drop(columns=["point", *params], errors="ignore")
    return Ensemble(scenario=setting.scenario_name, n=n, days=setting.days, start=setting.start,
                    seed=seed, overrides=dict(overrides), summary=summary,
                    daily=daily, failures=failures, out=out, _scenario_toml=setting.scenario_toml,
                    draws=draws, posterior_digest=digest)


def posterior_draws(posterior: Any, n: int, seed: int,
                    overrides: Mapping[str, Any]) -> tuple[pd.DataFrame | None, str | None]:
    """Each of ``n`` replicates' parameters drawn from ``posterior`` with ``seed`` (without the
    parameters ``overrides`` set), indexed by replicate, and the posterior's digest."""
    from ..posterior import check_posterior

    post = check_posterior(posterior)
    if post is None:
        return None, None
    draws = post.sample(n, seed).drop(columns=[k for k in overrides if k in post.parameters])
    return draws.rename_axis("replicate"), post.digest()


def _check_outputs(outputs: Sequence[str] | str, table: pd.DataFrame, what: str) -> list[str]:
    if isinstance(outputs, str):
        outputs = [outputs]
    known = [c for c in table.columns if c not in ("seed", "point", "replicate")]
    for name in outputs:
        if name not in known:
            raise ParameterError(f"output {name!r} is not a total of this {what}: expected one of "
                                 + ", ".join(known))
    return list(outputs)


# ---------------------------------------------------------------------------- comparisons
@dataclass
class Comparison:
    """Differences of the totals of two ensembles (``alternative - baseline``), with intervals.

    ``table`` has one row per output: the two means, the difference and its interval
    (``low``/``high`` at ``level``), the same as a percentage of the baseline mean, the number
    of runs used and the method: a *paired* t-interval when both ensembles share their seeds
    (replicate ``i`` of each used the same random stream, so the noise common to both cancels),
    else Welch's t-interval for two independent samples.
    """

    baseline: str
    alternative: str
    level: float
    table: pd.DataFrame

    def _repr_html_(self) -> str:
        return table_html(self.table)

    def plot(self, outputs: Sequence[str] | None = None, relative: bool = True,
             ax: Axes | None = None) -> Figure:
        """The differences with their intervals, one row per output: as a percentage of the
        baseline mean (``relative=True``, so that outputs in different units share an axis)
        or in the outputs' own units."""
        import matplotlib.pyplot as plt

        t = self.table.loc[list(outputs)] if outputs is not None else self.table
        if relative:
            t = t[np.isfinite(t["relative_difference"])]
        mid, low, high = ((t["relative_difference"], t["relative_low"], t["relative_high"])
                          if relative else (t["difference"], t["low"], t["high"]))
        if ax is None:
            fig, ax = plt.subplots(figsize=(8, 0.45 * len(t) + 1.4), layout="constrained")
        else:
            fig = ax.figure
        y = np.arange(len(t))[::-1]
        for yi, m, lo, hi in zip(y, mid, low, high):
            # blue: the interval is above zero; red: below; grey: it includes zero
            colour = "#1f5fa8" if lo > 0 else "#b22222" if hi < 0 else "#777777"
            ax.errorbar([m], [yi], xerr=[[m - lo], [hi - m]], fmt="o", color=colour,
                        elinewidth=2, capsize=3)
        ax.axvline(0, color="black", lw=0.8)
        ax.set_yticks(y, t.index)
        method = t["method"].iloc[0] if len(t) else ""
        ax.set_xlabel(f"{'difference, % of the baseline mean' if relative else 'difference'} "
                      f"(mean and {self.level:.0%} {method}-interval)")
        ax.set_title(f"{self.alternative}\nagainst {self.baseline}", fontsize="medium")
        return fig


def compare(baseline: Ensemble, alternative: Ensemble, outputs: Sequence[str] | None = None, *,
            level: float = 0.9) -> Comparison:
    """How ``alternative`` differs from ``baseline``, output by output (see :class:`Comparison`).

    ``outputs`` defaults to the headline totals (:data:`HEADLINE_OUTPUTS`) both ensembles have.
    """
    from scipy import stats

    level = _check_level(level)
    if baseline.days != alternative.days:
        raise ParameterError(f"compare() needs ensembles over periods of the same length: the baseline "
                             f"ran {baseline.days} days, the alternative {alternative.days}")
    a, b = baseline.summary, alternative.summary
    if outputs is None:
        outputs = [c for c in HEADLINE_OUTPUTS if c in a.columns and c in b.columns]
    else:
        outputs = _check_outputs(outputs, a, "baseline ensemble")
        _check_outputs(outputs, b, "alternative ensemble")
    common = a.index.intersection(b.index)
    paired = len(common) >= 2 and (a.loc[common, "seed"] == b.loc[common, "seed"]).all()
    rows = {}
    for name in outputs:
        if paired:
            x, y = a.loc[common, name].to_numpy(float), b.loc[common, name].to_numpy(float)
            diff = y - x
            mean = diff.mean()
            spread = diff.std(ddof=1)
            low, high = ((mean, mean) if spread == 0 else
                         stats.ttest_rel(y, x).confidence_interval(level))
            method, runs = "paired t", len(common)
        else:
            x, y = a[name].to_numpy(float), b[name].to_numpy(float)
            if len(x) < 2 or len(y) < 2:
                raise ParameterError(f"compare() needs at least 2 finished runs in each ensemble "
                                     f"(baseline has {len(x)}, alternative {len(y)})")
            mean = y.mean() - x.mean()
            low, high = ((mean, mean) if x.std() == 0 and y.std() == 0 else
                         stats.ttest_ind(y, x, equal_var=False).confidence_interval(level))
            method, runs = "Welch t", min(len(x), len(y))
        base_mean = x.mean()
        scale = 100.0 / base_mean if base_mean else np.nan
        rows[name] = {"baseline_mean": base_mean, "alternative_mean": y.mean(), "difference": mean,
                      "low": float(low), "high": float(high),
                      "relative_difference": mean * scale, "relative_low": float(low) * scale,
                      "relative_high": float(high) * scale, "runs": runs, "method": method}
    table = pd.DataFrame.from_dict(rows, orient="index")
    table.index.name = "output"
    return Comparison(baseline=baseline.label, alternative=alternative.label, level=level,
                      table=table)
