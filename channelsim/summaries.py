"""Summary statistics of a run of the history, and the same statistics of the published record.

The Bayesian calibration (:mod:`channelsim.posterior`) compares the model with the record
through these numbers. Each :class:`Statistic` is a function of a run's daily table, a
published value (from the Home Office daily record, ``channelsim.data.record``, or the facts
table) and a *discrepancy*: how far the model may honestly miss it even with the right
parameters (the record's own error and what the model leaves out), in the statistic's units.

* ``arrivals_<quarter>``: log(people landed in the quarter + 50), 2018Q1 to 2025Q3 (July only).
  The log makes a 15% miss weigh the same in 2018 as in 2022; the 50 keeps quiet winters of
  2018 from dominating. Discrepancy 0.15 (about 15%): the demand path is fitted by quarter,
  and the daily record itself is revised by a few per cent.
* ``weekly_spread_<years>``: standard deviation of log(weekly people + 10) around its own
  13-week centred mean: how bursty arrivals are (weather, surges). Discrepancy 0.05.
* ``people_per_boat_<year>``: people landed / boats landed, 2018 to 2025 (January to July).
  Discrepancy 10% of the record's value (boat counts are revised; kayaks counted as boats).
* ``stopped_share_<year>``: attempts stopped in France / attempts, 2022-2024 (facts:
  france_share_of_attempts_stopped). Discrepancy 0.04: the French figure counts people
  "prevented", with its own definitions.
* ``deaths_<year>``: sqrt(deaths in the Channel), 2020-2024 and 2025 to 26 July (facts:
  deaths_home_office 6/34/4/12 for 2020-2023; 73 (Home Office) and 78 (IOM) for 2024, used as
  75.5; deaths_to_26_july_2025: 18). The square root steadies the variance of counts;
  discrepancy 1.0 on that scale (about +-2 deaths at 4, +-17 at 75): counts differ between
  sources, and bodies are found weeks later.
* ``pilot_returned``/``pilot_admitted``: sqrt(people returned to France / admitted by the
  legal route) by 15 November 2025 (facts: pilot_returns_admissions_cumulative, 113 / 84).
  Discrepancy 1.0 on that scale (about +-20 at 100).

>>> from channelsim import summaries
>>> obs = summaries.observed()
>>> print(f"{len(obs)} statistics; people per boat 2024: {obs['people_per_boat_2024']:.1f}")
52 statistics; people per boat 2024: 53.0
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from . import checks, data

__all__ = ["Statistic", "STATISTICS", "PILOT_COUNT_DATE", "compute", "observed", "discrepancy",
           "table", "check_names", "SummaryError", "last_day", "select", "covered", "published_deaths"]

#: The day the pilot's published cumulative returns and admissions refer to (113 / 84).
PILOT_COUNT_DATE = dt.date(2025, 11, 15)
_DEATHS = {2020: 6.0, 2021: 34.0, 2022: 4.0, 2023: 12.0, 2024: 75.5}
_DEATHS_2025 = (dt.date(2025, 1, 1), dt.date(2025, 7, 26), 18.0)
_STOPPED = {2022: 0.424, 2023: 0.469, 2024: 0.45}
_PILOT = {"returned": 113.0, "admitted": 84.0}
_SPREAD_PERIODS = {"2018_2021": ("2018-01-01", "2021-12-31"), "2022_2025": ("2022-01-01", "2025-07-31")}


class SummaryError(ValueError):
    """A summary statistic that does not exist, or one over dates a run or the record lacks."""


@dataclass(frozen=True)
class Statistic:
    """One number compared between a run and the record."""

    name: str
    group: str  #: arrivals, weekly_spread, people_per_boat, stopped_share, deaths or pilot
    start: dt.date  #: first day it reads
    end: dt.date  #: last day it reads
    discrepancy: float  #: how far the model may miss it, in its own units (one sd)
    source: str


def _quarters() -> list[pd.Period]:
    return list(pd.period_range(data.RECORD_FIRST, data.RECORD_LAST, freq="Q"))


def _definitions() -> tuple[Statistic, ...]:
    rec = "Home Office daily record (channelsim.data.record)"
    out = []
    for q in _quarters():
        out.append(Statistic(f"arrivals_{q}", "arrivals", q.start_time.date(),
                             min(q.end_time.date(), data.RECORD_LAST), 0.15, rec))
    for label, (a, b) in _SPREAD_PERIODS.items():
        out.append(Statistic(f"weekly_spread_{label}", "weekly_spread", checks.date(a, "start"),
                             checks.date(b, "end"), 0.05, rec))
    for year in range(2018, 2026):
        end = min(dt.date(year, 12, 31), data.RECORD_LAST)
        out.append(Statistic(f"people_per_boat_{year}", "people_per_boat", dt.date(year, 1, 1),
                             end, 0.0, rec))
    for year in _STOPPED:
        out.append(Statistic(f"stopped_share_{year}", "stopped_share", dt.date(year, 1, 1),
                             dt.date(year, 12, 31), 0.04, "facts: france_share_of_attempts_stopped"))
    for year in _DEATHS:
        out.append(Statistic(f"deaths_{year}", "deaths", dt.date(year, 1, 1), dt.date(year, 12, 31),
                             1.0, "facts: deaths_home_office, deaths_in_channel"))
    a, b, _ = _DEATHS_2025
    out.append(Statistic("deaths_2025", "deaths", a, b, 1.0, "facts: deaths_to_26_july_2025"))
    for what in _PILOT:
        out.append(Statistic(f"pilot_{what}", "pilot", dt.date(2025, 8, 4), PILOT_COUNT_DATE, 1.0,
                             "facts: pilot_returns_admissions_cumulative (113 / 84)"))
    return tuple(out)


#: Every statistic the calibration can use, in order.
STATISTICS: tuple[Statistic, ...] = _definitions()
_BY_NAME = {s.name: s for s in STATISTICS}


def published_deaths() -> dict[int, float]:
    """Deaths in the Channel by year as the statistics read them (2024: the mean of the Home
    Office's 73 and IOM's 78; 2025: to 26 July)."""
    return {**_DEATHS, _DEATHS_2025[0].year: _DEATHS_2025[2]}


def check_names(names: Any) -> tuple[str, ...]:
    """``names`` (None for all) as a tuple of known statistics, or a :class:`SummaryError`
    naming the unknown one."""
    if names is None:
        return tuple(_BY_NAME)
    if isinstance(names, str) or not isinstance(names, (list, tuple)) or not names:
        raise SummaryError(f"statistics={names!r} is invalid: expected a non-empty list of names "
                           "from channelsim.summaries.STATISTICS")
    for name in names:
        if name not in _BY_NAME:
            raise SummaryError(f"unknown summary statistic {name!r}: the record covers "
                               f"{', '.join(_BY_NAME)}")
    return tuple(names)


def covered(index: Any) -> tuple[str, ...]:
    """The statistics a run over the dates ``index`` can compute (those wholly inside it)."""
    index = pd.DatetimeIndex(index)
    first, last = index.min().date(), index.max().date()
    return tuple(s.name for s in STATISTICS if s.start >= first and s.end <= last)


def last_day(names: Any = None) -> dt.date:
    """The last day a run must cover to compute ``names``."""
    return max(_BY_NAME[n].end for n in check_names(names))


def _log_sum(x: pd.Series) -> float:
    return float(np.log(x.sum() + 50.0))


def _spread(people: pd.Series) -> float:
    weekly = np.log(people.resample("W-SUN").sum() + 10.0)
    smooth = weekly.rolling(13, center=True, min_periods=7).mean()
    return float((weekly - smooth).std())


def _ratio(num: pd.Series, den: pd.Series) -> float:
    total = float(den.sum())
    return float(num.sum()) / total if total > 0 else 0.0


def _value(stat: Statistic, people: pd.Series, boats: pd.Series, extra: dict[str, pd.Series]) -> float:
    window = slice(pd.Timestamp(stat.start), pd.Timestamp(stat.end))
    g = stat.group
    if g == "arrivals":
        return _log_sum(people[window])
    if g == "weekly_spread":
        return _spread(people[window])
    if g == "people_per_boat":
        return _ratio(people[window], boats[window])
    if g == "stopped_share":
        return _ratio(extra["stopped"][window], extra["attempts"][window])
    if g == "deaths":
        return float(np.sqrt(extra["deaths"][window].sum()))
    return float(np.sqrt(extra[stat.name.removeprefix("pilot_")][window].sum()))


def _check_covers(index: pd.DatetimeIndex, names: tuple[str, ...], what: str) -> None:
    first, last = index.min().date(), index.max().date()
    for name in names:
        s = _BY_NAME[name]
        if s.start < first or s.end > last:
            raise SummaryError(f"statistic {name!r} reads {s.start} to {s.end}, but {what} covers "
                               f"{first} to {last}")


def compute(daily: pd.DataFrame, names: Any = None) -> pd.Series:
    """The statistics ``names`` (None for all) of one run's daily table (indexed by date).

    Raises :class:`SummaryError` if a statistic reads days the run does not cover."""
    names = check_names(names)
    _check_covers(pd.DatetimeIndex(daily.index), names, "the run")
    extra = {c: daily[c] for c in ("stopped", "attempts", "deaths", "returned", "admitted")}
    return pd.Series({n: _value(_BY_NAME[n], daily["arrivals"], daily["boats"], extra) for n in names},
                     name="simulated")


def observed(names: Any = None) -> pd.Series:
    """The statistics ``names`` (None for all) of the published record."""
    names = check_names(names)
    rec = data.record()
    out = {}
    for name in names:
        s = _BY_NAME[name]
        if s.group in ("arrivals", "weekly_spread", "people_per_boat"):
            out[name] = _value(s, rec.people, rec.boats, {})
        elif s.group == "stopped_share":
            out[name] = _STOPPED[s.start.year]
        elif s.group == "deaths":
            out[name] = float(np.sqrt(_DEATHS.get(s.start.year, _DEATHS_2025[2])))
        else:
            out[name] = float(np.sqrt(_PILOT[name.removeprefix("pilot_")]))
    return pd.Series(out, name="observed")


def discrepancy(names: Any = None) -> pd.Series:
    """How far the model may miss each statistic (one sd, the statistic's units); for people
    per boat, 10% of the record's value."""
    names = check_names(names)
    obs = observed(names)
    return pd.Series({n: (0.1 * obs[n] if _BY_NAME[n].group == "people_per_boat"
                          else _BY_NAME[n].discrepancy) for n in names}, name="discrepancy")


def table(names: Any = None) -> pd.DataFrame:
    """The statistics as a table: group, period, observed value, discrepancy and source."""
    names = check_names(names)
    rows = [{"statistic": n, "group": _BY_NAME[n].group, "start": _BY_NAME[n].start,
             "end": _BY_NAME[n].end, "source": _BY_NAME[n].source} for n in names]
    out = pd.DataFrame(rows).set_index("statistic")
    out["observed"] = observed(names)
    out["discrepancy"] = discrepancy(names)
    return out


def select(start: Any = None, end: Any = None) -> tuple[str, ...]:
    """The statistics that lie wholly within ``start`` to ``end`` (None: the first or last
    day of any statistic). The published figures stop where the record stops: a period that
    reaches past the daily record's last day (31 July 2025) or its first (1 January 2018) is
    refused, except that ``end`` may be the pilot count's date, 15 November 2025."""
    a = data.RECORD_FIRST if start is None else checks.date(start, "start")
    b = PILOT_COUNT_DATE if end is None else checks.date(end, "end")
    if a < data.RECORD_FIRST or (b > data.RECORD_LAST and b != PILOT_COUNT_DATE) or b < a:
        raise SummaryError(f"the period {a} to {b} is not covered by the record: statistics read "
                           f"the daily record ({data.RECORD_FIRST} to {data.RECORD_LAST}) and the "
                           f"pilot's counts to {PILOT_COUNT_DATE}")
    names = tuple(s.name for s in STATISTICS if s.start >= a and s.end <= b)
    if not names:
        raise SummaryError(f"no summary statistic lies within {a} to {b}")
    return names
