"""The history scenario (2018-01-01 to 2025-07-31): its dated drivers and how they were fitted.

The scenario ``history_2018_2025`` (``channelsim/data/scenarios/history_2018_2025.toml``) is
written by :func:`write_scenario` from four dated paths:

* **French officers on the coast** (``officers_per_day``, linear between dates), from the facts
  table: a few hundred in 2018-2019 (assumed 150 rising to 250), the UK-funded increase of
  November 2022 (``french_officers_on_beaches``: 200 to 300 UK-funded, on top of others; assumed
  600 in all), about 800 a night in 2023, over 1,000 in summer 2024 and 1,200 in mid-2025.
* **Boat supply** (``boat_supply_per_day``, linear between mid-years): each year's recorded
  boats a day times the ratio of the calibrated 2024 supply to 2024's recorded boats (3.4 a day
  for 695 boats): gangs get the boats that, with 2024's losses on the beach, carry what landed.
* **Boat type** (``base_load``, the load of a boat without enforcement or scarcity; step by
  year): the kayaks, small RHIBs and fishing boats of 2018-2019 carried far fewer than the
  large dinghies of 2022 on. Fitted to the record's people per boat by year with the gangs'
  loading rule (:func:`channelsim.decisions.gang_load`): five iterations of two runs, each
  multiplying every year's value by (record / model people per boat) damped to a power 0.5
  to 0.8, alongside the demand's update; then rounded (5 in 2018, 10 in 2020, 30 in 2022, the
  calibrated 40 in 2024, 45 in 2025) and held fixed while the demand was fitted.
* **Demand** (``inflow_per_year``, linear between the middles of quarters): people reaching the
  coast. Fitted to the record's arrivals by quarter with :func:`fit_demand`: start from 1.2
  times each quarter's recorded arrivals (the calibrated 2024 ratio of inflow to arrivals) at a
  yearly rate, run the history ``seeds`` times, multiply each quarter's value by
  (record + 50) / (model mean + 50), damped by a power 0.7, repeat ``iterations`` times with
  fresh seeds, and keep the mean of the last two iterates. The packaged path was refitted
  after the gangs' loading rules changed, from the earlier path: five joint iterations with
  the boat type (two runs each; the last two without the demand's own randomness), then
  seventeen with it, in six rounds, each started from the last round's path (4, 6, 8, 10, 16
  and 16 runs an iteration), since arrivals respond less than in proportion to a surge.

The demand also has randomness of its own in this scenario (``demand_volatility``, see
:mod:`channelsim.drivers`), so an ensemble's spread includes surges and lulls nobody foresaw.
Its size, the police's effectiveness and the gangs' loading response are the posterior medians
of the Bayesian calibration to the whole record (:mod:`channelsim.posterior`), the three
parameters the record identifies.

>>> from channelsim import hindcast
>>> dates, values, log = hindcast.fit_demand(iterations=3, seeds=2)   # doctest: +SKIP
>>> hindcast.write_scenario(dates, values)                              # doctest: +SKIP
"""

from __future__ import annotations

import datetime as dt
from importlib import resources
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from . import checks, data, scenarios

__all__ = ["HISTORY_START", "HISTORY_DAYS", "OFFICERS", "BASE_LOAD", "supply_path", "yearly_table",
           "misses", "YEARLY_PERIODS",
           "initial_demand", "history_scenario", "fit_demand", "write_scenario", "SCENARIO_NAME"]

#: The name of the history scenario this module builds.
SCENARIO_NAME = "history_2018_2025"
#: First day of the history run: the first day of the record.
HISTORY_START = data.RECORD_FIRST
#: Days in the history run: the whole record, to 31 July 2025.
HISTORY_DAYS = (data.RECORD_LAST - data.RECORD_FIRST).days + 1
#: French officers on the coast a day: (date, officers), linear between dates (facts table:
#: french_officers_on_beaches, french_coast_patrol_officers_per_day; 2018-2022 assumed).
OFFICERS: tuple[tuple[str, float], ...] = (
    ("2018-01-01", 150.0), ("2020-01-01", 250.0), ("2021-07-01", 400.0), ("2022-11-15", 600.0),
    ("2023-07-01", 800.0), ("2024-07-01", 1000.0), ("2025-06-01", 1200.0))
#: People a boat carries without enforcement or scarcity, by year (boat type; fitted to the
#: record's people per boat with decisions.gang_load, see the module's docstring).
BASE_LOAD: tuple[tuple[str, float], ...] = (
    ("2018-01-01", 5.0), ("2019-01-01", 8.5), ("2020-01-01", 10.0), ("2021-01-01", 21.5),
    ("2022-01-01", 30.0), ("2023-01-01", 38.5), ("2024-01-01", 40.0), ("2025-01-01", 45.0))
#: Calibrated 2024 boat supply (boats/day) per recorded boat landed a day in 2024.
SUPPLY_PER_BOAT = 3.4 / (695 / 366)
#: Parameters of the scenario besides the paths (read when the model is built, or constant).
#: The three parameters the record identifies (channelsim.posterior: the posterior's 90%
#: interval under half the prior's spread) are at their posterior medians, rounded.
PARAMS: dict[str, Any] = {"initial_camp_population": 30, "initial_boat_stock": 5,
                          "demand_volatility": 0.46, "demand_memory_days": 60.0,
                          "stop_effectiveness": 0.123, "load_enforcement_response": 1.44}
#: Inflow per recorded arrival (the calibrated 2024 ratio: 44,600 a year for 36,816 landed).
INFLOW_PER_ARRIVAL = 1.2


def _quarters() -> pd.PeriodIndex:
    return pd.period_range(data.RECORD_FIRST, data.RECORD_LAST, freq="Q")


def _quarter_knots() -> list[dt.date]:
    """The first day, then the middle of each quarter of the record (the last one: the middle
    of its recorded part); the first two knots share the first quarter's value."""
    knots = [HISTORY_START]
    for q in _quarters():
        first = q.start_time.date()
        last = min(q.end_time.date(), data.RECORD_LAST)
        knots.append(first + (last - first) / 2)
    return knots


def supply_path() -> dict[str, Any]:
    """Boat supply a day at each mid-year: the year's recorded boats a day times the calibrated
    2024 supply per boat."""
    rec = data.record().boats
    dates, values = [], []
    for year, boats in rec.groupby(rec.index.year):
        days = len(boats)
        dates.append(boats.index[0].date() + dt.timedelta(days=days // 2))
        values.append(round(float(boats.sum()) / days * SUPPLY_PER_BOAT, 3))
    # from the first day on (the standing value must not apply before the first mid-year)
    return {"dates": [HISTORY_START] + dates, "values": values[:1] + values, "interpolation": "linear"}


def initial_demand() -> tuple[list[dt.date], list[float]]:
    """First guess of the demand path: 1.2 times each quarter's recorded arrivals, a year's rate."""
    rec = data.record().people
    by_q = rec.groupby(rec.index.to_period("Q"))
    rates = (by_q.sum() / by_q.size() * 365.25 * INFLOW_PER_ARRIVAL).round(1).tolist()
    return _quarter_knots(), rates


def _with_start(values: list[float]) -> list[float]:
    """One value a quarter, plus the first quarter's again for the first day."""
    values = list(values)
    return values[:1] + values


def history_scenario(demand_dates: list[dt.date], demand_values: list[float],
                     description: str = "") -> scenarios.Scenario:
    """The history scenario with the given demand path and the sourced paths."""
    paths = {
        "inflow_per_year": {"dates": list(demand_dates), "values": _with_start(demand_values),
                            "interpolation": "linear"},
        "officers_per_day": {"dates": [checks.date(d, "officers path") for d, _ in OFFICERS],
                             "values": [v for _, v in OFFICERS], "interpolation": "linear"},
        "boat_supply_per_day": supply_path(),
        "base_load": {"dates": [checks.date(d, "base_load path") for d, _ in BASE_LOAD],
                      "values": [v for _, v in BASE_LOAD], "interpolation": "step"},
    }
    return scenarios.Scenario(
        name=SCENARIO_NAME, start=HISTORY_START, days=HISTORY_DAYS, params=dict(PARAMS),
        paths=paths, description=description or (
            "2018-01-01 to 2025-07-31 with dated demand (fitted to the record by quarter), "
            "French officers on the coast (facts table), boat supply and boat type"))


def _quarterly_means(scen: scenarios.Scenario, seeds: int, seed: int, executor: Any) -> np.ndarray:
    """Mean arrivals per quarter over ``seeds`` runs of the whole history."""
    from .experiments import ensemble

    ens = ensemble(scen, seeds, seed=seed, executor=executor, progress=False)
    if len(ens.failures):
        raise RuntimeError(f"history runs failed: {ens.failures.iloc[0]['error']}")
    daily = ens.daily.set_index("date")
    by_q = daily.groupby([daily.index.to_period("Q"), "replicate"])["arrivals"].sum()
    return by_q.groupby(level=0).mean().reindex(_quarters()).to_numpy(float)


def fit_demand(iterations: int = 4, seeds: int = 3, seed: int = 2018, executor: Any = 2,
               damping: float = 0.7, start: tuple[list, list] | None = None,
               demand_volatility: float = 0.0):
    """Fit the demand path to the record's arrivals by quarter (see the module's docstring).

    The runs use ``demand_volatility`` (0: the path the random multiplier wanders around; the
    scenario's value: the path whose ensemble mean meets the record, since arrivals respond
    less than in proportion to a surge of demand). Returns ``(dates, values, log)``: the path
    and a table of each iteration's model and record arrivals by quarter. Costs
    ``iterations * seeds`` history runs."""
    dates, values = start if start is not None else initial_demand()
    values = np.asarray(values, float)
    rec = data.record().people
    record = rec.groupby(rec.index.to_period("Q")).sum().reindex(_quarters()).to_numpy(float)
    log, previous = {"record": record}, values
    for k in range(iterations):
        scen = history_scenario(dates, values.round(1).tolist())
        scen.params["demand_volatility"] = demand_volatility
        model = _quarterly_means(scen, seeds, seed + k, executor)
        log[f"model_{k}"] = model
        previous, values = values, values * ((record + 50.0) / (model + 50.0)) ** damping
        values = np.clip(values, 0.0, 200000.0)  # the parameter's bounds, an input not an output
    # the mean of the last two iterates: the runs' noise makes single iterates jitter
    values = (values + previous) / 2.0 if iterations > 1 else values
    return dates, values.round(1).tolist(), pd.DataFrame(log, index=_quarters().astype(str))


_HEADER = """\
# The history 2018-01-01 to 2025-07-31, written by channelsim.hindcast.write_scenario.
# Paths (see channelsim/hindcast.py and docs/ODD.md, section 7.11):
#   officers_per_day    French officers on the coast: facts table (french_officers_on_beaches,
#                       french_coast_patrol_officers_per_day); 2018-2022 values assumed.
#   boat_supply_per_day each year's recorded boats a day x the calibrated 2024 supply per boat.
#   base_load           boat type (load without pressure), step by year: refitted after the
#                       gangs' loading rules changed (decisions.gang_load) to the record's people
#                       per boat by year, jointly with the demand (5 iterations of 2 runs,
#                       multiplicative updates), then rounded and held fixed.
#   inflow_per_year     demand reaching the coast: refitted with these loads to the record's
#                       arrivals by quarter (channelsim.hindcast.fit_demand: {iterations}
#                       iterations of {seeds} runs, multiplicative updates damped to the power
#                       0.7, mean of the last two).
#   [params]            demand_volatility, stop_effectiveness and load_enforcement_response at
#                       their posterior medians, rounded (channelsim.posterior.shipped(): the
#                       parameters the record identifies, calibrated to 2018 to mid-2025)
"""


def write_scenario(dates: list[dt.date], values: list[float], path: str | Path | None = None,
                   iterations: int | str = 0, seeds: int | str = 0) -> Path:
    """Write the history scenario with this demand path (default: the packaged TOML), with a
    header saying how each path was set."""
    if path is None:
        path = Path(str(resources.files("channelsim.data").joinpath("scenarios"))) / f"{SCENARIO_NAME}.toml"
    text = _HEADER.format(iterations=iterations, seeds=seeds) + scenarios.dumps(
        history_scenario(dates, values))
    path = Path(path)
    path.write_text(text, encoding="utf-8")
    return path


# ------------------------------------------------------------------------------------ tables
#: Periods of the yearly table: each calendar year of the record, then the first half of 2025.
YEARLY_PERIODS: tuple[tuple[str, str, str], ...] = tuple(
    (str(y), f"{y}-01-01", f"{y}-12-31") for y in range(2018, 2025)) + (
    ("2025 H1", "2025-01-01", "2025-06-30"),)


def yearly_table(sims: Any) -> pd.DataFrame:
    """People, boats and people per boat by year (and 2025 H1): the record against the
    members' median and 5-95% band. ``sims`` as :func:`channelsim.scoring.member_matrix` takes
    (an Ensemble of the history, or a list of daily tables); periods not simulated are left out."""
    from .scoring import member_matrix

    people, boats = member_matrix(sims, "arrivals"), member_matrix(sims, "boats")
    rec = data.record()
    rows = []
    for label, first, last in YEARLY_PERIODS:
        if people.index[0] > pd.Timestamp(first) or people.index[-1] < pd.Timestamp(last):
            continue
        p, b = people.loc[first:last].sum(), boats.loc[first:last].sum()
        r = rec.loc[first:last].sum()
        ppb = p / b.where(b > 0)
        rows.append({"period": label, "record_people": r.people, "people_median": p.median(),
                     "people_q05": p.quantile(0.05), "people_q95": p.quantile(0.95),
                     "record_boats": r.boats, "boats_median": b.median(),
                     "boats_q05": b.quantile(0.05), "boats_q95": b.quantile(0.95),
                     "record_ppb": r.people / r.boats, "ppb_median": ppb.median(),
                     "ppb_q05": ppb.quantile(0.05), "ppb_q95": ppb.quantile(0.95)})
    table = pd.DataFrame(rows).set_index("period")
    table["people_error"] = table.people_median / table.record_people - 1.0
    table["ppb_error"] = table.ppb_median / table.record_ppb - 1.0
    return table


def misses(yearly: pd.DataFrame, backtest: pd.DataFrame | None = None,
           tolerance: float = 0.2) -> list[str]:
    """Where the model misses, in sentences: years whose median people or people per boat is
    more than ``tolerance`` off the record or whose record lies outside the 90% band, and
    backtest origins where the model loses to the seasonal naive forecast."""
    lines = []
    for period, r in yearly.iterrows():
        for what, unit, f in (("people", "people", ",.0f"), ("ppb", "people a boat", ".1f")):
            rec, med = r[f"record_{what}"], r[f"{what}_median"]
            lo, hi = r[f"{what}_q05"], r[f"{what}_q95"]
            off, outside = med / rec - 1.0, not lo <= rec <= hi
            if abs(off) > tolerance or outside:
                lines.append(f"{period}: {unit}: model median {med:{f}} against {rec:{f}} "
                             f"recorded ({off:+.0%})" + (f"; the record is outside the 90% band "
                                                         f"[{lo:{f}}, {hi:{f}}]" if outside else "") + ".")
    if backtest is not None:
        crps = backtest["crps"].unstack("forecaster")
        for (origin, freq), row in crps.iterrows():
            if row["model"] >= row["naive"]:
                lines.append(f"Forecast from {origin} by {freq}: the model (CRPS {row['model']:,.0f}) "
                             f"does not beat the seasonal naive forecast ({row['naive']:,.0f}).")
    return lines
