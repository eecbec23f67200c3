"""Policy analysis: the effect of a policy against a counterfactual, and what drives it.

* :func:`policy_effect` runs a policy scenario and its counterfactual ``n`` times each with the
  same seeds (replicate ``i`` of both draws from the same random stream: common random numbers),
  totals every run over a window of dates (by default the pilot's period), and pairs the runs:
  :class:`PolicyEffect` holds the per-run totals and differences, a table of mean effects with
  paired t-intervals, a bar chart of the relative changes and a fan chart over time.
* :func:`effect_drivers` sets each of a handful of behavioural assumptions, one at a time, at
  the low and the high end of a plausible range (:data:`DRIVER_RANGES`) and measures the
  policy's effect under each: which assumptions the answer hangs on. :func:`plot_drivers`
  draws the result as a tornado chart.

Every run goes through :func:`channelsim.ensemble`, so ``executor`` is anything it takes: None
(local processes), a number of processes, ``"inprocess"``, a Dask scheduler address or a
``concurrent.futures.Executor``.

>>> from channelsim import analysis
>>> effect = analysis.policy_effect("pilot_announced", n=20)               # doctest: +SKIP
>>> effect.table.loc[["arrivals", "deaths", "returned"]]                    # doctest: +SKIP
>>> effect.change("arrivals")                                               # doctest: +SKIP
'−3.1% (90% interval −5.0% to −1.2%)'
>>> drivers = analysis.effect_drivers(output="arrivals", n=10)             # doctest: +SKIP
>>> analysis.plot_drivers(drivers)                                          # doctest: +SKIP
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import math
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Mapping, NamedTuple, Sequence

import numpy as np
import pandas as pd

from . import scenarios
from .experiments import Ensemble, compare, ensemble, open_executor, output_names, run_totals
from . import checks
from .checks import date as as_date
from .params import ParameterError, Params, spec
from .posterior import check_posterior
from .results import COLUMNS
from .checks import days as check_days
from .formatting import table_html

if TYPE_CHECKING:
    from matplotlib.axes import Axes
    from matplotlib.figure import Figure

__all__ = ["PolicyEffect", "policy_effect", "effect_drivers", "plot_drivers", "PlausibleRange",
           "DRIVER_RANGES", "EFFECT_OUTPUTS", "OUTPUT_UNITS", "CHANNELS"]

#: What :func:`policy_effect` reports unless told otherwise: totals over the window (flows
#: summed; ``people_per_boat`` weighted by boats; ``mean_in_camps`` and ``legal_queue`` the
#: means of the daily levels) and ``deaths_per_1000_attempts``, computed run by run.
EFFECT_OUTPUTS: tuple[str, ...] = (
    "arrivals", "attempts", "deaths", "deaths_per_1000_attempts", "people_per_boat", "boats",
    "stopped", "intercepted_sea", "rescued", "left", "mean_in_camps", "revenue_eur",
    "detained", "returned", "admitted", "recrossed", "legal_applications", "legal_queue",
    "net_effect",
)

def _output_unit(name: str) -> str:
    """The unit of an output total, from the result column it totals (a level's total is
    its daily mean; ``mean_in_camps`` is the mean of ``in_camps``)."""
    column = COLUMNS.get("in_camps" if name == "mean_in_camps" else name)
    if column is None:
        return ""
    return f"{column.unit} (daily mean)" if column.kind == "level" else column.unit


#: Unit of each output of :data:`EFFECT_OUTPUTS` (totals over the window), from the result
#: columns' declarations (:data:`channelsim.results.COLUMNS`).
OUTPUT_UNITS: dict[str, str] = {
    **{name: _output_unit(name) for name in EFFECT_OUTPUTS},
    "deaths_per_1000_attempts": "deaths/1000 attempts",
}

#: Outputs computed from a run's totals rather than read from them.
_DERIVED = ("deaths_per_1000_attempts",)


class PlausibleRange(NamedTuple):
    """A low and a high value of a parameter that are both defensible, and why."""

    low: float
    high: float
    reason: str = ""


#: The assumptions :func:`effect_drivers` varies by default: behavioural parameters whose values
#: are not measured (their registry source is an assumption), and the pilot's two capacities.
#: Each range is what the evidence or the parameter's meaning leaves open, not the registry's
#: bounds (which only exclude values that make no sense).
DRIVER_RANGES: dict[str, PlausibleRange] = {
    "return_aversion": PlausibleRange(
        1.0, 9.0, "from a third to three times the default (3): a return costs the journey and "
                  "the price, not life, so it weighs well below the risk of death"),
    "news_weight": PlausibleRange(
        0.2, 0.8, "announcements from mostly discounted to mostly believed"),
    "belief_learning_rate": PlausibleRange(
        0.02, 0.15, "word of mouth moving a belief by 2% to 15% per observed event"),
    "smuggler_reassurance": PlausibleRange(
        0.1, 0.6, "smugglers' counter-messaging cancelling a tenth to over half of bad news"),
    "own_experience_weight": PlausibleRange(
        0.1, 0.6, "one's own stop or return weighing from little more than hearsay to decisive"),
    "legal_route_appeal": PlausibleRange(
        -8.0, -4.0, "the default (-6) give or take 2 utility units: from almost nobody applying "
                    "to many applying while admission looks unlikely"),
    "leave_per_failure": PlausibleRange(
        0.1, 1.0, "each failed attempt adding from a little to a lot to the wish to move on"),
    "weekly_return_cap": PlausibleRange(
        25, 100, "half to twice the 50 a week reported (never officially confirmed)"),
    "detention_places": PlausibleRange(
        100, 400, "half to twice the default (200) share of the removal-centre estate"),
}


# ------------------------------------------------------------------------------------ helpers
_check_level = checks.level


def _check_runs(n: Any) -> int:
    """At least two paired runs: an interval needs them."""
    return checks.count(n, "n", minimum=2, what="runs")


def _check_outputs(outputs: Any) -> tuple[str, ...]:
    if outputs is None:
        return EFFECT_OUTPUTS
    if isinstance(outputs, str):
        outputs = (outputs,)
    outputs = tuple(outputs)
    if not outputs:
        raise ParameterError("outputs=() is invalid: expected at least one output such as 'arrivals'")
    known = (*output_names(), *_DERIVED)
    for name in outputs:
        if name not in known or name in ("seed", "days"):
            import difflib

            close = difflib.get_close_matches(str(name), known, n=1)
            hint = f" (did you mean {close[0]!r}?)" if close else ""
            raise ParameterError(f"unknown output {name!r}{hint}: expected one of "
                                 + ", ".join((*EFFECT_OUTPUTS, "or any run total")))
    return outputs


def _scenario_params(runs: Ensemble | Any, overrides: Mapping[str, Any]) -> Params:
    """The parameters a scenario (or an ensemble already run) uses, with ``overrides``."""
    if isinstance(runs, Ensemble):
        scen = scenarios.get(runs.scenario_definition)  # None: the defaults
        overrides = runs.overrides
    else:
        scen = scenarios.get(runs)
    return scen.make_params().replace(**overrides)


def _pilot_period(runs: Ensemble | Any, params: Params) -> tuple[dt.date | None, dt.date | None] | None:
    """The period of the one-in-one-out pilot that the scenario's runs include (its policies
    are the truth), or None if they run no pilot."""
    from .policies import OneInOneOut

    scen = scenarios.get(runs.scenario_definition if isinstance(runs, Ensemble) else runs)
    pilots = [p for p in scen.make_policies(params) if isinstance(p, OneInOneOut)]
    return (pilots[0].start, pilots[0].end) if pilots else None


def _run_period(start: dt.date, days: int) -> tuple[dt.date, dt.date]:
    return start, start + dt.timedelta(days=days - 1)


def _resolve_window(window: Any, pilot: tuple[dt.date | None, dt.date | None] | None,
                    start: dt.date, days: int, policy_name: str) -> tuple[dt.date, dt.date]:
    """The window of dates (inclusive) the runs are totalled over, checked against the runs;
    by default the period of the pilot the policy scenario runs (``pilot``)."""
    first, last = _run_period(start, days)
    runs = f"the runs, which cover {first} to {last} ({days} days)"
    if window is None:
        if pilot is None:
            raise ParameterError(f"{policy_name!r} runs no one-in-one-out pilot, so it has no pilot "
                                 f"period: pass window=(start, end) with dates inside {runs}")
        lo, hi = max(pilot[0] or first, first), min(pilot[1] or last, last)
        if lo > hi:
            raise ParameterError(
                f"the pilot period of {policy_name!r} ({pilot[0] or '...'} to {pilot[1] or '...'}) "
                f"lies outside {runs}: pass window=(start, end) with dates inside the runs")
        return lo, hi
    if isinstance(window, (str, bytes)) or not isinstance(window, Sequence) or len(window) != 2:
        raise ParameterError(f"window={window!r} is invalid: expected a (start, end) pair of dates "
                             "(YYYY-MM-DD), or None for the pilot's period")
    lo, hi = as_date(window[0], "window start"), as_date(window[1], "window end")
    if hi < lo:
        raise ParameterError(f"window=({lo}, {hi}) is invalid: its end is before its start")
    if lo < first or hi > last:
        culprit = f"start {lo} is before" if lo < first else f"end {hi} is after"
        raise ParameterError(f"window=({lo}, {hi}) is outside {runs}: its {culprit} them; "
                             "expected dates within the runs")
    return lo, hi


def _window_totals(runs: Ensemble, window: tuple[dt.date, dt.date],
                   outputs: Sequence[str]) -> pd.DataFrame:
    """Each run's totals over ``window`` (inclusive): one row per replicate, its ``seed`` and
    ``outputs``, totalled as :func:`channelsim.experiments.run_totals` totals a whole run."""
    lo, hi = pd.Timestamp(window[0]), pd.Timestamp(window[1])
    inside = runs.daily[(runs.daily["date"] >= lo) & (runs.daily["date"] <= hi)]
    rows = {}
    for replicate, frame in inside.groupby("replicate", sort=True):
        totals = run_totals(frame.drop(columns="replicate").set_index("date"))
        attempts = totals["attempts"]
        totals["deaths_per_1000_attempts"] = (1000.0 * totals["deaths"] / attempts if attempts
                                              else math.nan)
        rows[replicate] = {name: totals[name] for name in outputs}
    table = pd.DataFrame.from_dict(rows, orient="index", columns=list(outputs))
    table.index.name = "replicate"
    return table.join(runs.summary[["seed"]], how="left")[["seed", *outputs]]


def _signed(value: float, fmt: str) -> str:
    """A number with its sign, and a true minus sign."""
    return format(value, "+" + fmt).replace("-", "\u2212")


# -------------------------------------------------------------------------------- the effect
@dataclass
class PolicyEffect:
    """The paired effect of a policy against a counterfactual over a window of dates.

    Attributes:
        policy: the policy scenario's label (its name and the parameters set on top).
        counterfactual: the counterfactual scenario's label.
        window: first and last day (inclusive) over which each run is totalled.
        level: confidence level of the intervals (0.9).
        per_run: one row per replicate, columns ``(series, output)`` with ``series`` one of
            ``"counterfactual"``, ``"policy"`` and ``"difference"`` (policy minus counterfactual
            in the same replicate, which shares its random stream).
        table: one row per output: its ``unit``, ``counterfactual_mean``, ``policy_mean``, the
            mean paired ``difference`` with its ``low``/``high`` paired-t interval at ``level``,
            ``per_run_q05``/``per_run_q95`` (the 5-95% range of the per-run differences), the
            ``relative_change`` in % of the counterfactual mean with ``relative_low`` and
            ``relative_high`` (NaN where the counterfactual mean is 0), ``excludes_zero``
            (the interval lies on one side of 0) and the number of paired ``runs``.
        channels: with ``by_channel=True``, the effect split by channel (:data:`CHANNELS`):
            rows ``(output, part)``, see :meth:`by_channel`.
        policy_runs, counterfactual_runs: the two ensembles (with their daily results), to
            reuse in another comparison or to plot.
    """

    policy: str
    counterfactual: str
    window: tuple[dt.date, dt.date]
    level: float
    per_run: pd.DataFrame
    table: pd.DataFrame
    policy_runs: Ensemble = dataclasses.field(repr=False)
    counterfactual_runs: Ensemble = dataclasses.field(repr=False)
    channels: pd.DataFrame | None = None

    @property
    def draws(self) -> pd.DataFrame | None:
        """With a posterior: the parameters each paired replicate drew (None without one)."""
        d = self.policy_runs.draws
        return None if d is None else d.loc[d.index.intersection(self.per_run.index)]

    def drivers(self, output: str = "arrivals", *, seed: int = 0) -> pd.DataFrame:
        """Which unknown drives the effect on ``output`` (needs ``posterior=``): for each
        calibrated parameter, the first-order Sobol index ``S1`` (the share of the variance of
        the per-run effect it explains alone) with a 95% bootstrap half-width ``S1_conf``,
        estimated from the runs as they are by SALib's RBD-FAST, which sorts the runs by each
        parameter in turn and reads the effect's variance at low frequencies (Plischke's EASI;
        any sample will do, so the posterior's correlated draws are used as drawn). Sorted by
        ``S1``; what the parameters leave unexplained is chance (and their interactions)."""
        from SALib.analyze import rbd_fast

        draws = self.draws
        if draws is None or draws.empty:
            raise ParameterError("this effect drew no parameters: run policy_effect(..., "
                                 "posterior=...) to ask which unknown drives it")
        if output not in self.table.index:
            raise ParameterError(f"output {output!r} is not in this effect's table: expected one of "
                                 + ", ".join(self.table.index))
        if len(draws) < 20:
            raise ParameterError(f"drivers needs at least 20 paired runs to split the variance; "
                                 f"this effect has {len(draws)} (run policy_effect with n >= 20)")
        y = self.per_run[("difference", output)].loc[draws.index].to_numpy(float)
        x = draws.to_numpy(float)
        keep = np.ptp(x, axis=0) > 0
        names = [c for c, k in zip(draws.columns, keep) if k]
        if np.ptp(y) == 0:
            return pd.DataFrame({"S1": 0.0, "S1_conf": 0.0}, index=pd.Index(names, name="parameter"))
        problem = {"num_vars": len(names), "names": names,
                   "bounds": [[float(x[:, j].min()), float(x[:, j].max())] for j in np.flatnonzero(keep)]}
        res = rbd_fast.analyze(problem, x[:, keep], y, M=min(10, max(1, len(y) // 8)), seed=seed)
        table = pd.DataFrame({"S1": res["S1"], "S1_conf": res["S1_conf"]},
                             index=pd.Index(names, name="parameter"))
        return table.sort_values("S1", ascending=False)

    def by_channel(self, output: str = "arrivals") -> pd.DataFrame:
        """The decomposition of the effect on ``output`` (``policy_effect(..., by_channel=True)``):
        one row per channel, then ``interaction`` and ``total``; columns ``effect`` (the mean
        over paired runs), ``low``/``high`` (paired t-interval at ``level``) and ``share`` (of
        the total). The channels and the interaction add up to the total, run by run."""
        if self.channels is None:
            raise ParameterError("this effect has no decomposition: run policy_effect(..., "
                                 "by_channel=True)")
        if output not in self.channels.index.get_level_values("output"):
            raise ParameterError(f"output {output!r} is not in the decomposition: expected one of "
                                 + ", ".join(self.channels.index.unique("output")))
        return self.channels.xs(output, level="output")

    def __repr__(self) -> str:
        return (f"PolicyEffect({self.policy!r} against {self.counterfactual!r}, "
                f"{self.window[0]} to {self.window[1]}, {len(self.per_run)} paired runs)")

    def _repr_html_(self) -> str:
        title = (f"<p><b>{self.policy}</b> against <b>{self.counterfactual}</b>, totals from "
                 f"{self.window[0]} to {self.window[1]}, {len(self.per_run)} paired runs, "
                 f"{self.level:.0%} intervals</p>")
        return title + table_html(self.table)

    def change(self, output: str, relative: bool | None = None, digits: int = 1) -> str:
        """The effect on ``output`` as a phrase for prose, e.g. ``"−3.1% (90% interval −5.0%
        to −1.2%)"``: in % of the counterfactual (``relative=True``; the default where the
        counterfactual mean is not 0) or in the output's unit."""
        if output not in self.table.index:
            raise ParameterError(f"output {output!r} is not in this effect's table: expected one of "
                                 + ", ".join(self.table.index))
        row = self.table.loc[output]
        if relative is None:
            relative = bool(np.isfinite(row["relative_change"]))
        if relative:
            mid, lo, hi, fmt, unit = (row["relative_change"], row["relative_low"],
                                      row["relative_high"], f".{digits}f", "%")
        else:
            mid, lo, hi = row["difference"], row["low"], row["high"]
            fmt = ",.0f" if max(abs(mid), abs(lo), abs(hi)) >= 100 else f",.{digits}f"
            unit = ""
        why = self.too_wide(output)
        if why:
            return (f"{_signed(mid, fmt)}{unit} (too uncertain to say: with {int(row['runs'])} runs the "
                    f"{self.level:.0%} interval {why}, too wide to mean anything)")
        return (f"{_signed(mid, fmt)}{unit} ({self.level:.0%} interval {_signed(lo, fmt)}{unit} "
                f"to {_signed(hi, fmt)}{unit})")

    def too_wide(self, output: str) -> str:
        """Why the interval of the effect on ``output`` is too wide to mean anything, or "" if
        it is not: it reaches a fall of more than 100% of the counterfactual for an output no
        run has below zero (a value the output cannot take), or it spans everything from a
        halving to a doubling. With few runs (``CHANNELSIM_QUICK``) small counts such as deaths
        often give such intervals; :meth:`change` then says so instead of printing them."""
        row = self.table.loc[output]
        lo, hi = row["relative_low"], row["relative_high"]
        if not (np.isfinite(lo) and np.isfinite(hi)):
            return ""
        runs = self.per_run[[("counterfactual", output), ("policy", output)]]
        never_negative = bool((runs >= 0).all().all())
        if lo < -100 and never_negative:
            return "reaches a fall of more than 100%"
        if lo <= -50 and hi >= 100:
            return "spans everything from a halving to a doubling"
        return ""

    def plot(self, outputs: Sequence[str] | None = None, ax: Axes | None = None) -> Figure:
        """Bar chart of the relative changes (% of the counterfactual mean), one bar per output,
        with the paired interval as an error bar. Outputs the counterfactual never has (such as
        returns) have no relative change and are left out.

        Returns:
            The figure drawn into (``ax``'s, or a new one).
        """
        import matplotlib.pyplot as plt

        t = self.table.loc[list(outputs)] if outputs is not None else self.table
        t = t[np.isfinite(t["relative_change"])]
        if ax is None:
            fig, ax = plt.subplots(figsize=(8, 0.42 * len(t) + 1.5), layout="constrained")
        else:
            fig = ax.figure
        y = np.arange(len(t))[::-1]
        mid = t["relative_change"].to_numpy()
        lo, hi = t["relative_low"].to_numpy(), t["relative_high"].to_numpy()
        colours = np.where(lo > 0, "#1f5fa8", np.where(hi < 0, "#b22222", "#999999"))
        ax.barh(y, mid, color=colours, alpha=0.75, height=0.65)
        ax.errorbar(mid, y, xerr=[mid - lo, hi - mid], fmt="none", ecolor="black", elinewidth=1.2,
                    capsize=3)
        ax.axvline(0, color="black", lw=0.8)
        ax.set_yticks(y, t.index)
        ax.set_xlabel(f"change, % of the counterfactual mean ({self.level:.0%} paired interval)")
        ax.set_title(f"{self.policy} against {self.counterfactual}\n"
                     f"{self.window[0]} to {self.window[1]}, {len(self.per_run)} paired runs")
        return fig

    def plot_weekly(self, column: str = "arrivals", ax: Axes | None = None) -> Figure:
        """Fan chart of ``column`` per week under the policy and the counterfactual: the mean
        over runs and the band holding 90% of runs, with the window shaded.

        Returns:
            The figure drawn into (``ax``'s, or a new 10 by 4 inch one); the y axis is in
            ``column``'s unit per week.
        """
        import matplotlib.pyplot as plt

        if ax is None:
            fig, ax = plt.subplots(figsize=(10, 4), layout="constrained")
        else:
            fig = ax.figure
        ax.axvspan(pd.Timestamp(self.window[0]), pd.Timestamp(self.window[1]), color="0.92",
                   lw=0, label="window")
        for runs, colour in ((self.counterfactual_runs, "#555555"), (self.policy_runs, "#1f5fa8")):
            b = runs.bands(column, "week", quantiles=(0.05, 0.95))
            ax.fill_between(b.index, b["q0.05"], b["q0.95"], color=colour, alpha=0.22, lw=0)
            ax.plot(b.index, b["mean"], color=colour, lw=1.8,
                    label=f"{runs.label}: mean and 90% of runs")
        ax.set_ylabel(f"{column} per week")
        ax.set_ylim(bottom=0)
        ax.set_title(f"{column} per week, {len(self.per_run)} runs each")
        ax.legend(loc="upper left", frameon=False, fontsize=9)
        return fig


def _check_pairable(side: str, runs: Ensemble, *, n: int, seed: int, days: int, start: dt.date,
                    overrides: Mapping[str, Any], posterior: Any = None) -> None:
    """An ensemble passed in place of a scenario must match the runs it is paired with."""
    problems = []
    digest = posterior.digest() if posterior is not None else None
    if runs.posterior_digest != digest:
        problems.append("its runs drew their parameters from another posterior"
                        if digest and runs.posterior_digest else
                        "it was run without the posterior" if digest else
                        "it drew its parameters from a posterior, and posterior=None here")
    if runs.seed != seed:
        problems.append(f"its seed is {runs.seed}, not seed={seed}")
    if runs.n != n:
        problems.append(f"it has {runs.n} runs, not n={n}")
    if (runs.start, runs.days) != (start, days):
        problems.append(f"it covers {runs.days} days from {runs.start}, not {days} days from {start}")
    if runs.daily.empty:
        problems.append("it kept no daily results (run it with keep_daily=True)")
    typed = Params().replace(**overrides)
    asked = {name: getattr(typed, name) for name in overrides}
    if runs.overrides != asked:
        problems.append(f"it was run with {runs.overrides or 'no overrides'}, not with "
                        f"{asked or 'no overrides'}")
    if problems:
        raise ParameterError(f"the {side} ensemble {runs.label!r} cannot be paired: "
                             + "; ".join(problems) + " (pass the scenario's name to run it afresh)")


def policy_effect(policy: Any = "pilot_announced", counterfactual: Any = "no_policy_counterfactual",
                  n: int = 20, *, seed: int = 0, window: Any = None, days: int | None = None,
                  start: Any = None, outputs: Sequence[str] | None = None, level: float = 0.9,
                  executor: Any = None, progress: bool = True, by_channel: bool = False,
                  posterior: Any = None, **overrides: Any) -> PolicyEffect:
    """The effect of ``policy`` against ``counterfactual``, run by run, over a window of dates.

    Both scenarios run ``n`` times with the same root ``seed``, so replicate ``i`` of each uses
    the same random stream: until the policy first acts the two runs are identical, and the
    noise they share cancels in their difference (common random numbers). Each run is
    totalled over ``window`` and the differences are paired.

    Args:
        policy, counterfactual: scenario names (:func:`channelsim.scenarios.names`), scenarios,
            paths to scenario TOML files, or ensembles already run by :func:`channelsim.ensemble`
            (with ``keep_daily=True``, the same ``seed``, ``n`` and period) to reuse their runs.
        n: runs of each scenario (at least 2).
        seed: root seed shared by both ensembles.
        window: ``(first, last)`` day (inclusive) to total over, inside the runs; None for the
            period of the pilot the policy scenario runs (its one-in-one-out policy) clipped to the runs.
        days, start: the period both scenarios run over; by default the policy scenario's own.
        outputs: what to report (default :data:`EFFECT_OUTPUTS`); any run total is allowed.
        level: confidence level of the paired t-intervals.
        executor: where the runs go (see :func:`channelsim.ensemble`); one pool serves both.
        progress: show progress bars.
        by_channel: also split the effect by channel (:data:`CHANNELS`): the policy scenario
            runs again with each channel switched off, with the same seeds; a channel's effect
            is the full policy minus the policy without it, run by run, and the interaction is
            what the channels leave of the total (:meth:`PolicyEffect.by_channel`).
        posterior: a :class:`channelsim.posterior.Posterior` (or ``"shipped"``): replicate
            ``i`` of both scenarios draws the same calibrated parameters from it, so the
            per-run differences (``per_run_q05``/``per_run_q95``) carry what the record leaves
            unknown as well as chance, and :meth:`PolicyEffect.drivers` says which unknown
            drives the effect.
        **overrides: registry parameters set on top of both scenarios.

    Returns:
        A :class:`PolicyEffect`. Its ``table`` has one row per output, totals over the window
        in the output's ``unit`` (people for most; boats, EUR, days...): the two means, the mean
        paired ``difference`` (policy minus counterfactual) with its ``low``/``high`` interval,
        and the ``relative_change`` in % of the counterfactual mean.

    Raises:
        ParameterError: naming the culprit: an unknown scenario, output or parameter, a window
            outside the runs, or an ensemble that cannot be paired.

    >>> import channelsim
    >>> effect = channelsim.policy_effect("pilot_announced", n=10, seed=0)   # doctest: +SKIP
    >>> effect.table.loc["arrivals", ["difference", "low", "high"]]          # doctest: +SKIP
    >>> effect.change("arrivals")                                            # doctest: +SKIP
    '−3.1% (90% interval −5.0% to −1.2%)'
    """
    n = _check_runs(n)
    level = _check_level(level)
    outputs = _check_outputs(outputs)
    posterior = check_posterior(posterior)
    run_start, run_days, span = _effect_period(policy, counterfactual, overrides, window, days, start)
    sides = {"counterfactual": counterfactual, "policy": policy}
    for side, given in sides.items():
        if isinstance(given, Ensemble):  # checked before anything runs
            _check_pairable(side, given, n=n, seed=seed, days=run_days, start=run_start,
                            overrides=overrides, posterior=posterior)
    if not isinstance(by_channel, bool):
        raise ParameterError(f"by_channel={by_channel!r} is invalid: expected true or false")
    ran = {side: given for side, given in sides.items() if isinstance(given, Ensemble)}
    to_run = {side: (given, {}) for side, given in sides.items() if side not in ran}
    if by_channel:
        if isinstance(policy, Ensemble):
            raise ParameterError("by_channel=True needs the policy scenario itself, not an "
                                 "ensemble already run (each channel is switched off and run again)")
        to_run.update({name: (policy, {switch: False}) for name, switch in CHANNELS.items()})
    if to_run:
        with open_executor(executor, n * len(to_run)) as pool:  # one pool serves all
            for side, (given, switched) in to_run.items():
                ran[side] = ensemble(given, n, days=run_days, start=run_start, seed=seed,
                                     executor=pool, progress=progress, keep_daily=True,
                                     posterior=posterior, **overrides, **switched)
    effect = _paired_effect(ran["counterfactual"], ran["policy"], span, outputs, level)
    if by_channel:
        effect.channels = _channel_table(ran, span, outputs, level)
    return effect


#: The channels through which the pilot acts, each with the registry switch that turns it off.
#: **deterrence by returns**: returns reach the camps' beliefs (own experience and camp news);
#: **removal**: people returned leave the UK (switched off, they stay, though their return is
#: heard of); **diversion to the legal route**: applicants who stop trying to cross while they
#: wait (switched off, every applicant keeps trying, and loses their place by crossing); **the
#: announcement**: the pilot's news moves beliefs before anything happens.
CHANNELS: dict[str, str] = {
    "deterrence by returns": "channel_return_news",
    "removal": "channel_removal",
    "diversion to the legal route": "channel_diversion",
    "announcement": "channel_announcement",
}


def _paired_interval(values: pd.DataFrame, level: float) -> pd.DataFrame:
    """Mean and paired t-interval of each column of per-run ``values``."""
    from scipy import stats

    n = len(values)
    mean, sd = values.mean(), values.std(ddof=1)
    half = stats.t.ppf(0.5 + level / 2, n - 1) * sd / math.sqrt(n)
    return pd.DataFrame({"effect": mean, "low": mean - half, "high": mean + half})


def _channel_table(ran: Mapping[str, Ensemble], span: tuple[dt.date, dt.date],
                   outputs: tuple[str, ...], level: float) -> pd.DataFrame:
    """Per output: each channel's effect (full policy minus the policy without that channel,
    paired run by run), the interaction (total minus the channels) and the total."""
    full = _window_totals(ran["policy"], span, outputs)
    cf = _window_totals(ran["counterfactual"], span, outputs)
    off = {name: _window_totals(ran[name], span, outputs) for name in CHANNELS}
    paired = full.index.intersection(cf.index)
    for table in off.values():
        paired = paired.intersection(table.index)
    cols = list(outputs)
    total = full.loc[paired, cols] - cf.loc[paired, cols]
    parts = {name: full.loc[paired, cols] - table.loc[paired, cols] for name, table in off.items()}
    parts["interaction"] = total - sum(parts.values())
    parts["total"] = total
    frames = []
    for part, values in parts.items():
        t = _paired_interval(values, level)
        t["share"] = t["effect"] / _paired_interval(total, level)["effect"].replace(0, np.nan)
        t["part"] = part
        frames.append(t)
    table = pd.concat(frames).rename_axis("output").reset_index()
    order = {part: i for i, part in enumerate(parts)}
    table = table.sort_values(["output", "part"], key=lambda c: c.map(order) if c.name == "part"
                              else c.map({o: i for i, o in enumerate(cols)}), kind="stable")
    return table.set_index(["output", "part"])[["effect", "low", "high", "share"]]


def _effect_period(policy: Any, counterfactual: Any, overrides: Mapping[str, Any], window: Any,
                   days: Any, start: Any) -> tuple[dt.date, int, tuple[dt.date, dt.date]]:
    """The runs' first day and length, and the window they are totalled over (checked, with
    the scenarios and overrides, before anything runs)."""
    policy_params = _scenario_params(policy, overrides)
    _scenario_params(counterfactual, overrides)  # bad names and overrides fail before any run
    if isinstance(policy, Ensemble):
        own_start, own_days = policy.start, policy.days
    else:
        scen = scenarios.get(policy) if policy is not None else None
        own_start = scen.start if scen is not None else dt.date(2024, 1, 1)
        own_days = scen.days if scen is not None else 365
    run_start = as_date(start) if start is not None else own_start
    run_days = check_days(days) if days is not None else own_days
    policy_name = policy.label if isinstance(policy, Ensemble) else str(getattr(policy, "name", policy))
    span = _resolve_window(window, _pilot_period(policy, policy_params), run_start, run_days,
                           policy_name)
    return run_start, run_days, span


def _paired_effect(cf_runs: Ensemble, policy_runs: Ensemble, span: tuple[dt.date, dt.date],
                   outputs: tuple[str, ...], level: float) -> PolicyEffect:
    """Totals of both ensembles over ``span``, paired run by run, and their differences."""
    cf_tot = _window_totals(cf_runs, span, outputs)
    pol_tot = _window_totals(policy_runs, span, outputs)
    paired = cf_tot.index.intersection(pol_tot.index)
    if len(paired) < 2:
        raise ParameterError(f"only {len(paired)} replicate(s) finished under both scenarios: "
                             "at least 2 are needed for an interval (see the ensembles' failures)")
    cf_tot, pol_tot = cf_tot.loc[paired], pol_tot.loc[paired]
    difference = pol_tot[list(outputs)] - cf_tot[list(outputs)]
    per_run = pd.concat({"counterfactual": cf_tot[list(outputs)], "policy": pol_tot[list(outputs)],
                         "difference": difference}, axis=1, names=["series", "output"])
    stats = compare(dataclasses.replace(cf_runs, summary=cf_tot),
                    dataclasses.replace(policy_runs, summary=pol_tot), list(outputs), level=level).table
    table = pd.DataFrame({
        "unit": [OUTPUT_UNITS.get(o, "") for o in outputs],
        "counterfactual_mean": stats["baseline_mean"], "policy_mean": stats["alternative_mean"],
        "difference": stats["difference"], "low": stats["low"], "high": stats["high"],
        "per_run_q05": difference.quantile(0.05), "per_run_q95": difference.quantile(0.95),
        "relative_change": stats["relative_difference"], "relative_low": stats["relative_low"],
        "relative_high": stats["relative_high"],
        "excludes_zero": (stats["low"] > 0) | (stats["high"] < 0), "runs": stats["runs"],
    }, index=pd.Index(list(outputs), name="output"))
    return PolicyEffect(policy=policy_runs.label, counterfactual=cf_runs.label, window=span,
                        level=level, per_run=per_run, table=table, policy_runs=policy_runs,
                        counterfactual_runs=cf_runs)


# ------------------------------------------------------------------------------- the drivers
def _check_ranges(parameters: Mapping[str, Any], base: Params,
                  overrides: Mapping[str, Any]) -> dict[str, tuple[Any, Any]]:
    if not isinstance(parameters, Mapping) or not parameters:
        raise ParameterError(f"parameters={parameters!r} is invalid: expected a mapping of parameter "
                             "names to (low, high) pairs, e.g. {'return_aversion': (1.0, 9.0)}")
    checked = {}
    for name, pair in parameters.items():
        s = spec(name)  # unknown names: ParameterError with a suggestion
        if s.kind not in ("float", "int"):
            raise ParameterError(f"parameter {name!r} is a {s.kind}: expected a numeric parameter "
                                 "to set at a low and a high value")
        if name in overrides:
            raise ParameterError(f"parameter {name!r} is both varied and set "
                                 f"({name}={overrides[name]!r}): leave it out of the overrides")
        if not isinstance(pair, PlausibleRange) and (
                isinstance(pair, (str, bytes)) or not isinstance(pair, Sequence) or len(pair) != 2):
            raise ParameterError(f"parameters[{name!r}]={pair!r} is invalid: expected a "
                                 "(low, high) pair")
        low, high = pair[0], pair[1]
        try:
            typed = base.replace(**{name: low}), base.replace(**{name: high})
        except ParameterError as err:
            raise ParameterError(f"parameters[{name!r}]: {err}") from None
        low, high = getattr(typed[0], name), getattr(typed[1], name)
        if not low < high:
            raise ParameterError(f"parameters[{name!r}]=({low!r}, {high!r}) is invalid: expected "
                                 "low < high")
        checked[name] = (low, high)
    return checked


def effect_drivers(parameters: Mapping[str, tuple[float, float]] | None = None, *,
                   output: str = "arrivals", policy: Any = "pilot_announced",
                   counterfactual: Any = "no_policy_counterfactual", n: int = 10, seed: int = 0,
                   window: Any = None, days: int | None = None, start: Any = None,
                   level: float = 0.9, executor: Any = None, progress: bool = True,
                   **overrides: Any) -> pd.DataFrame:
    """Which assumptions drive the policy's effect on ``output``: one at a time, each parameter
    is set (in both scenarios) at the low and at the high end of its range, and the paired
    effect (:func:`policy_effect`, same ``seed``, so every setting sees the same random
    streams) is measured under each.

    Args:
        parameters: ``{name: (low, high)}``; default :data:`DRIVER_RANGES` (behavioural
            assumptions and the pilot's capacities, with documented plausible ranges).
        output: the output whose effect is measured (see :data:`EFFECT_OUTPUTS`).
        policy, counterfactual, n, seed, window, days, start, level, executor, \\*\\*overrides:
            as for :func:`policy_effect` (scenarios, not ensembles: each setting is run afresh).

    Returns:
        One row per parameter and setting (``low`` then ``high``), parameters ordered by how far
        the effect moves between their two settings (largest first): ``parameter``,
        ``setting``, ``value``, ``default`` (the value in the policy scenario), ``unit``, then the
        effect on ``output`` as in :attr:`PolicyEffect.table` (``counterfactual_mean``,
        ``policy_mean``, ``difference``, ``low``, ``high``, ``relative_change``,
        ``relative_low``, ``relative_high``, ``runs``). ``attrs`` holds ``output``, ``level``,
        ``window``, the scenarios' labels and ``reference``: the same effect at the parameters'
        default values.
    """
    n = _check_runs(n)
    (output,) = _check_outputs(output)
    base, ranges = _driver_settings(policy, counterfactual, parameters, overrides)
    settings = [(None, None, None)] + [(name, label, value) for name, pair in ranges.items()
                                       for label, value in zip(("low", "high"), pair)]
    from tqdm.auto import tqdm

    rows, reference = [], None
    with open_executor(executor, 2 * n) as pool, \
            tqdm(settings, desc=f"drivers of the effect on {output}", unit="setting",
                 disable=not progress) as bar:
        for name, label, value in bar:
            changed = dict(overrides) if name is None else {**overrides, name: value}
            effect = policy_effect(policy, counterfactual, n, seed=seed, window=window, days=days,
                                   start=start, outputs=[output], level=level, executor=pool,
                                   progress=False, **changed)
            if name is None:
                reference = effect
                continue
            rows.append({"parameter": name, "setting": label, "value": value,
                         "default": getattr(base, name), "unit": spec(name).unit,
                         **_driver_row(effect, output)})
    table = _by_swing(pd.DataFrame(rows))
    table.attrs.update(output=output, level=level, window=reference.window,
                       reference=_driver_row(reference, output),
                       policy=reference.policy, counterfactual=reference.counterfactual)
    return table


#: The columns of :func:`effect_drivers`' effect on its output, per setting.
_DRIVER_COLUMNS = ["counterfactual_mean", "policy_mean", "difference", "low", "high",
                   "relative_change", "relative_low", "relative_high", "runs"]


def _driver_settings(policy: Any, counterfactual: Any, parameters: Any,
                     overrides: Mapping[str, Any]) -> tuple[Params, dict[str, tuple[Any, Any]]]:
    """The policy scenario's parameters and the checked ``{name: (low, high)}`` of
    :func:`effect_drivers`; both scenarios must be scenarios (each setting runs them afresh)."""
    for side, scen in (("policy", policy), ("counterfactual", counterfactual)):
        if isinstance(scen, Ensemble):
            raise ParameterError(f"{side}={scen!r} is invalid for effect_drivers: expected a scenario "
                                 "(each setting runs it afresh), not an ensemble")
    base = _scenario_params(policy, overrides)
    _scenario_params(counterfactual, overrides)
    return base, _check_ranges(DRIVER_RANGES if parameters is None else parameters, base, overrides)


def _driver_row(effect: PolicyEffect, output: str) -> dict[str, Any]:
    """One setting's effect on ``output``, as :func:`effect_drivers` reports it."""
    row = effect.table.loc[output, _DRIVER_COLUMNS].to_dict()
    row["runs"] = int(row["runs"])
    return row


def _by_swing(table: pd.DataFrame) -> pd.DataFrame:
    """The rows of each parameter together, parameters ordered by how far the effect moves
    between their settings (largest first; ties keep their order)."""
    swing = table.groupby("parameter", sort=False)["difference"].agg(lambda d: d.max() - d.min())
    ordered = swing.sort_values(ascending=False, kind="stable").index
    return pd.concat([table[table["parameter"] == name] for name in ordered], ignore_index=True)


def plot_drivers(table: pd.DataFrame, relative: bool = False, ax: Axes | None = None) -> Figure:
    """Tornado chart of :func:`effect_drivers`: for each parameter (largest swing on top), bars
    from the effect at the defaults to the effect at the low value (light) and at the high value
    (dark), each with its paired interval; the vertical line is the effect at the defaults.
    ``relative=True`` draws % of the counterfactual mean instead of the output's unit.

    Returns:
        The figure drawn into (``ax``'s, or a new one).

    Raises:
        ParameterError: ``table`` lacks the columns :func:`effect_drivers` returns.
    """
    import matplotlib.pyplot as plt

    mid, lo, hi = (("relative_change", "relative_low", "relative_high") if relative
                   else ("difference", "low", "high"))
    missing = {"parameter", "setting", "value", mid, lo, hi} - set(table.columns)
    if missing:
        raise ParameterError(f"plot_drivers() needs the table effect_drivers() returns: columns "
                             f"{', '.join(sorted(missing))} are missing")
    params = list(dict.fromkeys(table["parameter"]))
    reference = table.attrs.get("reference")
    centre = reference[mid] if reference else 0.0
    if ax is None:
        fig, ax = plt.subplots(figsize=(9, 0.7 * len(params) + 1.6), layout="constrained")
    else:
        fig = ax.figure
    colours = {"low": "#8fb8e0", "high": "#1f4f8a"}
    y_of = {name: len(params) - 1 - i for i, name in enumerate(params)}
    for setting, offset in (("low", 0.17), ("high", -0.17)):
        part = table[table["setting"] == setting]
        y = part["parameter"].map(y_of).to_numpy() + offset
        value = part[mid].to_numpy()
        ax.barh(y, value - centre, left=centre, height=0.32, color=colours[setting],
                label=f"{setting} value")
        ax.errorbar(value, y, xerr=[value - part[lo].to_numpy(), part[hi].to_numpy() - value],
                    fmt="none", ecolor="black", elinewidth=0.9, capsize=2)
    ax.axvline(centre, color="black", lw=1, label="at the defaults" if reference else None)
    ax.axvline(0, color="0.5", lw=0.8, ls=":")
    values = table.set_index(["parameter", "setting"])["value"]
    ax.set_yticks([y_of[name] for name in params],
                  [f"{name}\n{values[name, 'low']:g} / {values[name, 'high']:g}" for name in params],
                  fontsize=9)
    output = table.attrs.get("output", "the output")
    ax.set_xlabel(f"effect on {output}" + (", % of the counterfactual mean" if relative else
                                           " (policy - counterfactual)"))
    policy, cf = table.attrs.get("policy"), table.attrs.get("counterfactual")
    ax.set_title(f"What drives the effect on {output}" + (f"\n{policy} against {cf}" if policy else ""))
    ax.legend(loc="best", frameon=False, fontsize=8)
    return fig
