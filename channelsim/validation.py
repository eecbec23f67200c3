"""Validation: baseline ensembles against the published record, and the 2018–2024 history.

:func:`validate` runs an ensemble from 2024-01-01 to 2025-07-10 and compares every record
figure of ``channelsim/data/targets.csv`` (the 2024 figures the calibration fits, the number of
days too windy to cross, and the mid-2025 figures held out from the calibration) with the
ensemble's median and 5–95% band. :func:`discrepancies` turns the misses into sentences.

:func:`history` asks what the model can honestly say about 2018–2024. It cannot re-run each
year's world (it has no per-year record of police numbers, boat supply or weather), so it
scales demand and boat supply to each year's recorded arrivals, sweeps the enforcement lever
(French officers a day) and reads off:

* for years with a recorded share of attempts stopped (2022–2024), the enforcement that gives
  that share, and the people per boat the model then predicts, against the record;
* for earlier years, whether any enforcement level gives the recorded people per boat at all.

>>> table = validate(n=20)                      # doctest: +SKIP
>>> table[["record", "median", "q05", "q95", "inside_band"]]   # doctest: +SKIP
"""

from __future__ import annotations

import datetime as dt
import math
from dataclasses import dataclass
from importlib import resources
from typing import Any

import numpy as np
import pandas as pd

from . import calibration
from .params import Params
from .scoring import Score, score


def backtest(*args: Any, **kwargs: Any) -> pd.DataFrame:
    """Rolling-origin backtest against the record: see :func:`channelsim.forecasting.backtest`."""
    from .forecasting import backtest as run

    return run(*args, **kwargs)

__all__ = ["load_facts", "validate", "discrepancies", "history", "History", "HISTORY_YEARS",
           "HISTORY_OFFICERS", "score", "Score", "backtest"]

#: Years of the recorded history (arrivals and people per boat are recorded for each).
HISTORY_YEARS: tuple[int, ...] = tuple(range(2018, 2025))
#: Enforcement levels swept by :func:`history` (French officers on the coast a day).
HISTORY_OFFICERS: tuple[float, ...] = (0.0, 200.0, 400.0, 800.0, 1200.0)
#: The year whose record the registry defaults are calibrated to.
BASE_YEAR = 2024


def load_facts() -> pd.DataFrame:
    """The published figures shipped with the package (``channelsim/data/channel_facts.csv``):
    columns ``fact, value, unit, period, source`` (values as text: some are dates)."""
    with resources.files("channelsim.data").joinpath("channel_facts.csv").open(encoding="utf-8") as fh:
        return pd.read_csv(fh, dtype=str, comment="#")


def _yearly(facts: pd.DataFrame, fact: str) -> pd.Series:
    rows = facts[(facts.fact == fact) & facts.period.str.fullmatch(r"\d{4}")]
    return pd.Series(rows.value.astype(float).to_numpy(), index=rows.period.astype(int).to_numpy(),
                     name=fact)


# ------------------------------------------------------------------------------------ validate
def validate(n: int = 20, seed: int = 2024, executor: Any = "inprocess", *, scenario: Any = None,
             targets: pd.DataFrame | str | None = None, runs: pd.DataFrame | None = None,
             **overrides: Any) -> pd.DataFrame:
    """Compare an ensemble of ``n`` runs with every record figure; one row per figure.

    The runs start on 2024-01-01 and end on 2025-07-10 (the span of the targets' windows) with
    ``scenario`` (default: the registry defaults) and ``overrides``; ``executor`` runs them in
    parallel (see :func:`channelsim.calibration.ensemble_outputs`). Pass ``runs`` (one row per
    run, one column per target, as that function returns) to compare runs made earlier.

    Columns: ``output, unit, period, record, record_low, record_high`` (the published figure
    and range), ``median, q05, q95, mean`` of the ensemble, ``relative_error`` ((median -
    record) / record), ``inside_band`` (the record lies within the 5–95% band),
    ``calibrated`` (the figure was a calibration target: an in-sample check) and ``source``.
    ``table.attrs`` holds ``runs``, ``n`` and ``seed``.

    Returns that table, indexed by the target's name; ``record`` to ``mean`` are in the
    figure's ``unit`` (people, people/week, people/boat, days, or ``share``, a fraction from 0
    to 1) over
    its ``period``, and ``relative_error`` is a fraction (0.1: the median is 10% above the
    record). Raises ``TargetsError`` if ``targets`` is malformed or ``runs`` lacks a target's
    column, and ``ParameterError`` for a bad ``n``, ``seed``, scenario or override.

    >>> table = validate(n=8, seed=2024)  # doctest: +SKIP
    >>> table[~table["inside_band"]][["record", "median", "q05", "q95"]]  # doctest: +SKIP
    """
    table = calibration.load_targets(targets)
    if runs is None:
        runs = calibration.ensemble_outputs(table, n=n, seed=seed, scenario=scenario,
                                            executor=executor, **overrides)
    missing = [t for t in table.index if t not in runs.columns]
    if missing:
        raise calibration.TargetsError(f"runs have no column for target {missing[0]!r}: expected "
                                       "the output of calibration.ensemble_outputs for these targets")
    runs = runs[list(table.index)]
    q = runs.quantile([0.05, 0.5, 0.95])
    out = pd.DataFrame({
        "output": table["output"], "unit": table["unit"], "period": table["period"],
        "record": table["value"], "record_low": table["low"], "record_high": table["high"],
        "median": q.loc[0.5], "q05": q.loc[0.05], "q95": q.loc[0.95], "mean": runs.mean(),
    })
    out["relative_error"] = (out["median"] - out["record"]) / out["record"]
    out["inside_band"] = (out["q05"] <= out["record"]) & (out["record"] <= out["q95"])
    out["calibrated"] = table["calibrate"]
    out["source"] = table["source"]
    out.attrs.update(runs=runs, n=len(runs), seed=seed)
    return out


def _fmt(x: float, unit: str, with_unit: bool = False) -> str:
    if unit == "share":
        return f"{x:.0%}"
    text = f"{x:,.0f}" if abs(x) >= 100 else f"{x:.3g}"
    return f"{text} {unit}" if with_unit and unit else text


def discrepancies(table: pd.DataFrame) -> list[str]:
    """One plain sentence per record figure outside the ensemble's 5–95% band (from
    :func:`validate`), saying on which side, by how much, and whether it was fitted."""
    lines = []
    for name, r in table[~table["inside_band"]].iterrows():
        side = "above" if r["record"] > r["q95"] else "below"
        fitted = "a calibration target" if r["calibrated"] else "not a calibration target"
        lines.append(
            f"{name} ({r['output']}, {r['period']}): the record "
            f"{_fmt(r['record'], r['unit'], with_unit=True)} lies {side} the model's 90% band "
            f"[{_fmt(r['q05'], r['unit'])}, "
            f"{_fmt(r['q95'], r['unit'])}]; the median {_fmt(r['median'], r['unit'])} is "
            f"{r['relative_error']:+.0%} off ({fitted}).")
    return lines


# ------------------------------------------------------------------------------------ history
def _sweep(officers, years, arrivals, n, seed, executor, scenario, overrides) -> pd.DataFrame:
    """Runs of each year at each enforcement level: one row per (year, level, replicate)."""
    from .experiments import ensemble, open_executor

    base = Params(**overrides)
    frames = []
    with open_executor(executor, n) as pool:  # one pool for the whole sweep
        for y in years:
            scaled = {**overrides, **_year_overrides(base, arrivals[y] / arrivals[BASE_YEAR])}
            start = dt.date(y, 1, 1)
            days = (dt.date(y + 1, 1, 1) - start).days
            for level in officers:
                ens = ensemble(scenario, n, days=days, start=start, seed=seed, executor=pool,
                               progress=False, keep_daily=False,
                               **{**scaled, "officers_per_day": float(level)})
                if len(ens.failures):
                    raise RuntimeError(f"{y}, officers_per_day={level}: {len(ens.failures)} of "
                                       f"{n} runs failed: {ens.failures.iloc[0]['error']}")
                frames.append(ens.summary[["arrivals", "people_per_boat", "stopped_share"]]
                              .reset_index().assign(year=y, officers_per_day=float(level)))
    return pd.concat(frames, ignore_index=True)[
        ["year", "officers_per_day", "replicate", "arrivals", "people_per_boat", "stopped_share"]]


def _year_verdict(y: int, curve: pd.DataFrame, rec_arrivals: float, rec_ppb: float,
                  rec_stop: float, tolerance: float) -> dict[str, Any]:
    """One year's row of :attr:`History.by_year` from the median curves over enforcement."""
    lo_ppb, hi_ppb = float(curve.people_per_boat.min()), float(curve.people_per_boat.max())
    row = {"year": y, "record_arrivals": rec_arrivals, "record_people_per_boat": rec_ppb,
           "record_stopped_share": rec_stop, "model_ppb_min": lo_ppb, "model_ppb_max": hi_ppb,
           "implied_officers": math.nan, "model_stopped_share": math.nan,
           "model_people_per_boat": math.nan, "relative_error": math.nan}
    if math.isnan(rec_stop):
        reproduced, verdict = _verdict_without_share(y, curve, rec_ppb, lo_ppb, hi_ppb, row)
    else:
        reproduced, verdict = _verdict_with_share(y, curve, rec_ppb, rec_stop, tolerance, row)
    row.update(reproduced=reproduced, verdict=verdict)
    return row


def _verdict_with_share(y, curve, rec_ppb, rec_stop, tolerance, row) -> tuple[bool, str]:
    """A year with a recorded share stopped: people per boat at the enforcement that stops it."""
    implied = _interp(rec_stop, curve.stopped_share.to_numpy(), curve.index.to_numpy())
    row["implied_officers"] = implied
    if math.isnan(implied):
        return False, (f"{y}: the recorded {rec_stop:.0%} of attempts stopped is outside what "
                       f"the swept enforcement gives ({curve.stopped_share.min():.0%} to "
                       f"{curve.stopped_share.max():.0%}).")
    model = _interp(implied, curve.index.to_numpy(), curve.people_per_boat.to_numpy())
    err = (model - rec_ppb) / rec_ppb
    row.update(model_people_per_boat=model, relative_error=err, model_stopped_share=rec_stop)
    reproduced = abs(err) <= tolerance
    return reproduced, (f"{y}: at the {implied:,.0f} officers a day that stop the recorded "
                        f"{rec_stop:.0%} of attempts, the model loads {model:.0f} people a boat "
                        f"against {rec_ppb:.0f} recorded ({err:+.0%}): "
                        + ("reproduced." if reproduced else "not reproduced."))


def _verdict_without_share(y, curve, rec_ppb, lo_ppb, hi_ppb, row) -> tuple[bool, str]:
    """A year without a recorded share stopped: does any enforcement give its people per boat?"""
    implied = _interp(rec_ppb, curve.people_per_boat.to_numpy(), curve.index.to_numpy())
    row["implied_officers"] = implied
    if not math.isnan(implied):
        share = _interp(implied, curve.index.to_numpy(), curve.stopped_share.to_numpy())
        row.update(model_people_per_boat=rec_ppb, relative_error=0.0, model_stopped_share=share)
        return True, (f"{y}: the recorded {rec_ppb:.0f} people a boat is reached at about "
                      f"{implied:,.0f} officers a day, where the model stops {share:.0%} of "
                      f"attempts (no record of the share stopped in {y} to check that against).")
    if rec_ppb < lo_ppb:
        return False, (f"{y}: not reproduced: even with {curve.index.min():,.0f} officers the "
                       f"model's gangs load {lo_ppb:.0f} people a boat, above the recorded "
                       f"{rec_ppb:.0f}.")
    return False, (f"{y}: not reproduced: even with {curve.index.max():,.0f} officers the "
                   f"model's gangs load {hi_ppb:.0f} people a boat, below the recorded "
                   f"{rec_ppb:.0f}.")


def _year_overrides(base: Params, scale: float) -> dict[str, Any]:
    """Demand and boat supply of a year whose record arrivals are ``scale`` times the base year's."""
    return {"inflow_per_year": base.inflow_per_year * scale,
            "initial_camp_population": int(round(base.initial_camp_population * scale)),
            "boat_supply_per_day": base.boat_supply_per_day * scale,
            "initial_boat_stock": max(1, int(round(base.initial_boat_stock * scale)))}


@dataclass
class History:
    """What :func:`history` found: the enforcement sweep and one verdict per year."""

    sweep: pd.DataFrame  #: one row per (year, officers_per_day, replicate): arrivals, people_per_boat, stopped_share
    #: one row per year: the record, the model's range of people per boat over the sweep, the
    #: enforcement implied by the record (or needed for its people per boat), the model's share
    #: stopped and people per boat there, the relative error, ``reproduced`` and a ``verdict``
    by_year: pd.DataFrame
    tolerance: float  #: relative error within which a year's people per boat counts as reproduced

    def curves(self) -> pd.DataFrame:
        """Median, 5% and 95% of people per boat and share stopped per (year, officers_per_day)."""
        g = self.sweep.groupby(["year", "officers_per_day"])[["people_per_boat", "stopped_share"]]
        return pd.concat({"median": g.median(), "q05": g.quantile(0.05), "q95": g.quantile(0.95)},
                         axis=1)

    def not_reproduced(self) -> list[str]:
        """The verdicts of the years the model does not reproduce."""
        return list(self.by_year.loc[~self.by_year["reproduced"], "verdict"])


def _interp(x: float, xs: np.ndarray, ys: np.ndarray) -> float:
    """Linear interpolation of ``ys`` at ``x`` over increasing or decreasing ``xs``; NaN outside."""
    xs, ys = np.asarray(xs, float), np.asarray(ys, float)
    if not (min(xs) <= x <= max(xs)):
        return math.nan
    order = np.argsort(xs, kind="stable")
    return float(np.interp(x, xs[order], ys[order]))


def history(officers: tuple[float, ...] = HISTORY_OFFICERS, *, years: tuple[int, ...] = HISTORY_YEARS,
            n: int = 3, seed: int = 2024, executor: Any = "inprocess", scenario: Any = None,
            tolerance: float = 0.10, **overrides: Any) -> History:
    """Sweep enforcement in each recorded year and set the model beside the 2018–2024 record.

    For each year, demand (``inflow_per_year``, ``initial_camp_population``) and boat supply
    (``boat_supply_per_day``, ``initial_boat_stock``) are the calibrated values scaled by the
    year's recorded arrivals over 2024's: an input, so arrivals are not a test here. Each year is
    run ``n`` times at each of ``officers`` (French officers a day), with everything else at the
    registry defaults (and ``overrides``); the runs are those of :func:`channelsim.ensemble` with
    ``seed`` (the same seeds at every level: common random numbers) on ``executor``. The
    model's weather is its seasonal process, not the year's own.

    A year with a recorded share of attempts stopped is *reproduced* when the model's people
    per boat, at the enforcement that gives that share, is within ``tolerance`` (relative) of
    the record. A year without one is reproduced when some enforcement in the sweep gives its
    recorded people per boat. ``by_year['verdict']`` says which, in words.
    """
    facts = load_facts()
    arrivals = _yearly(facts, "people_arriving_small_boat")
    ppb = _yearly(facts, "people_per_boat_mean")
    stopped = _yearly(facts, "france_share_of_attempts_stopped")
    unknown = [y for y in years if y not in arrivals.index or y not in ppb.index]
    if unknown:
        raise ValueError(f"year {unknown[0]} has no recorded arrivals and people per boat: "
                         f"expected years among {sorted(set(arrivals.index) & set(ppb.index))}")
    if len(officers) < 2 or any(o < 0 for o in officers):
        raise ValueError(f"officers={officers!r} is invalid: expected at least two levels >= 0")
    sweep = _sweep(officers, years, arrivals, n, seed, executor, scenario, overrides)
    med = sweep.groupby(["year", "officers_per_day"])[["people_per_boat", "stopped_share"]].median()
    rows = [_year_verdict(y, med.loc[y], float(arrivals[y]), float(ppb[y]),
                          float(stopped.get(y, math.nan)), tolerance) for y in years]
    return History(sweep=sweep, by_year=pd.DataFrame(rows).set_index("year"), tolerance=tolerance)
