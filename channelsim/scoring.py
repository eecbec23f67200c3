"""Scoring simulated arrivals against the Home Office daily record, beside two baselines.

:func:`score` takes an ensemble's daily arrivals (or a list of daily tables), adds them up by
week and by month over a period inside the record, and scores three forecasters of the same
weeks and months in one table:

* ``model``: the ensemble's members as samples of the predictive distribution;
* ``naive``: the seasonal naive forecast, the same week (or month) of the previous year,
  with bands from its own past errors (the empirical distribution of the change of each week
  over the same week a year earlier, over the record before the scored period);
* ``negbin``: a negative binomial regression of the counts on a log-linear trend and
  yearly harmonics (``statsmodels``), fitted only on the record before the scored period
  (the last ``baseline_years``) and sampled for its bands and CRPS.

Scores per forecaster and frequency: coverage of the central 50% and 90% bands (the share of
weeks or months whose record lies inside), the mean CRPS (continuous ranked probability score,
sample form ``E|X - y| - E|X - X'|/2``, in people; lower is better; for a point forecast it is the
absolute error) and the mean absolute error of the median. :attr:`Score.verdict` says plainly
whether the model beats the naive forecast.

>>> import channelsim
>>> ens = channelsim.ensemble("history_2018_2025", 3, seed=1)        # doctest: +SKIP
>>> channelsim.validation.score(ens, start="2024-01-01", end="2024-12-31").table  # doctest: +SKIP
"""

from __future__ import annotations

import datetime as dt
import warnings
from dataclasses import dataclass
from typing import Any, Iterable

import numpy as np
import pandas as pd

from . import data
from .params import ParameterError, parse_date

__all__ = ["Score", "score", "crps_sample", "member_matrix", "check_period", "FREQS",
           "FORECASTERS"]

#: Frequencies scored, as pandas period codes: calendar weeks (Monday to Sunday) and months.
FREQS: dict[str, str] = {"week": "W-SUN", "month": "M"}
#: Periods a year of each frequency (the seasonal naive forecast's lag).
_LAG = {"week": 52, "month": 12}
#: The forecasters scored, in table order.
FORECASTERS = ("model", "naive", "negbin")
#: Record columns by the name of the model's daily result they are compared with.
_RECORD_COLUMN = {"arrivals": "people", "boats": "boats"}


# ------------------------------------------------------------------------------------ inputs
def check_period(start: Any, end: Any) -> tuple[dt.date, dt.date]:
    """``start`` and ``end`` as dates inside the record, or a ParameterError naming the one
    outside it."""
    out = []
    for name, value in (("start", start), ("end", end)):
        date = parse_date(value)
        if date is None:
            raise ParameterError(f"{name}={value!r} is invalid: expected a date (YYYY-MM-DD)")
        if not data.RECORD_FIRST <= date <= data.RECORD_LAST:
            raise ParameterError(f"{name}={date} is outside the record: expected a date between "
                                 f"{data.RECORD_FIRST} and {data.RECORD_LAST}")
        out.append(date)
    if out[1] < out[0]:
        raise ParameterError(f"end={out[1]} is before start={out[0]}: expected end >= start")
    return out[0], out[1]


def member_matrix(sims: Any, column: str = "arrivals") -> pd.DataFrame:
    """The daily ``column`` of every member as a table: one row per date, one column per member.

    ``sims`` is an :class:`~channelsim.Ensemble` (its ``daily``), a tidy table with columns
    ``replicate``, ``date`` and ``column``, or an iterable of daily tables indexed by date
    (as :func:`channelsim.simulate` returns)."""
    tidy = getattr(sims, "daily", sims)
    if isinstance(tidy, pd.DataFrame):
        if not {"replicate", "date", column} <= set(tidy.columns):
            raise ParameterError(f"sims has no 'replicate', 'date' and {column!r} columns: expected "
                                 "an Ensemble, a tidy daily table or a list of daily tables")
        wide = tidy.pivot_table(index="date", columns="replicate", values=column, aggfunc="sum")
    else:
        frames = list(sims) if isinstance(sims, Iterable) else []
        if not frames or not all(isinstance(f, pd.DataFrame) and column in f for f in frames):
            raise ParameterError(f"sims={type(sims).__name__} is invalid: expected an Ensemble or "
                                 f"a non-empty list of daily tables with a {column!r} column")
        wide = pd.concat({k: f[column] for k, f in enumerate(frames)}, axis=1)
    wide.index = pd.DatetimeIndex(wide.index, name="date")
    if wide.empty:
        raise ParameterError("sims holds no daily results (was the ensemble run with keep_daily=False?)")
    return wide.sort_index().astype(float)


def _by_period(daily: pd.DataFrame | pd.Series, freq: str, start: dt.date, end: dt.date):
    """Sums of ``daily`` over each whole week or month between ``start`` and ``end``."""
    daily = daily.loc[pd.Timestamp(start):pd.Timestamp(end)]
    periods = daily.index.to_period(FREQS[freq])
    sums = daily.groupby(periods).sum()
    days = pd.Series(1, index=daily.index).groupby(periods).sum()
    whole = days.to_numpy() == np.array([p.end_time.normalize().toordinal() - p.start_time.toordinal()
                                         + 1 for p in days.index])
    return sums[whole]


# ------------------------------------------------------------------------------------ scores
def crps_sample(samples: np.ndarray, observed: np.ndarray) -> np.ndarray:
    """CRPS of each column's sample against its observation: ``E|X - y| - E|X - X'|/2``.

    ``samples`` has shape (members, periods) and ``observed`` (periods,). One member (a point
    forecast) gives the absolute error."""
    x = np.sort(np.asarray(samples, float), axis=0)
    y = np.asarray(observed, float)
    m = x.shape[0]
    first = np.abs(x - y[None, :]).mean(axis=0)
    weights = (2.0 * np.arange(1, m + 1) - m - 1)[:, None]
    spread = 2.0 * (weights * x).sum(axis=0) / (m * m)  # E|X - X'| from the order statistics
    return first - 0.5 * spread


def _scores(samples: np.ndarray, observed: np.ndarray) -> dict[str, float]:
    """Coverage of the 50% and 90% bands, mean CRPS and MAE of the median over the periods
    whose forecast exists (columns without NaN)."""
    ok = ~np.isnan(samples).any(axis=0) & ~np.isnan(observed)
    if not ok.any():
        return {"periods": 0, "coverage_50": np.nan, "coverage_90": np.nan, "crps": np.nan,
                "mae_median": np.nan}
    x, y = samples[:, ok], observed[ok]
    q = np.quantile(x, [0.05, 0.25, 0.5, 0.75, 0.95], axis=0)
    return {"periods": int(ok.sum()),
            "coverage_50": float(np.mean((q[1] <= y) & (y <= q[3]))),
            "coverage_90": float(np.mean((q[0] <= y) & (y <= q[4]))),
            "crps": float(crps_sample(x, y).mean()),
            "mae_median": float(np.abs(q[2] - y).mean())}


# ------------------------------------------------------------------------------------ baselines
def naive_samples(full: pd.Series, before: pd.Series, target: pd.PeriodIndex, freq: str,
                  years: float) -> np.ndarray:
    """Samples of the seasonal naive forecast of ``target`` periods: the record a year earlier
    (from ``full``, the record by period) plus each change of a period over the same period a
    year earlier seen in the last ``years`` of ``before`` (the record before the scored period),
    floored at zero people. NaN where the year before is not recorded."""
    lag = _LAG[freq]
    counts = before.astype(float)
    changes = (counts - counts.shift(lag)).dropna()
    first = before.index[-1].start_time - pd.DateOffset(years=years) if len(before) else None
    changes = changes[changes.index.start_time >= first].to_numpy() if first is not None else []
    last_year = full.reindex(target - lag).to_numpy(float)
    if len(changes) == 0:
        return np.full((1, len(target)), np.nan)
    return np.maximum(last_year[None, :] + changes[:, None], 0.0)


def _design(periods: pd.PeriodIndex, origin: pd.Timestamp) -> np.ndarray:
    """Intercept, trend (years since ``origin``) and two yearly harmonics at each period's middle."""
    mid = periods.start_time + (periods.end_time - periods.start_time) / 2
    years = np.asarray((mid - origin) / pd.Timedelta(days=365.25), float)
    cols = [np.ones_like(years), years]
    for k in (1, 2):
        cols += [np.sin(2 * np.pi * k * years), np.cos(2 * np.pi * k * years)]
    return np.column_stack(cols)


def negbin_samples(history: pd.Series, target: pd.PeriodIndex, years: float, draws: int,
                   rng: np.random.Generator) -> np.ndarray:
    """Samples of a negative binomial (NB2) regression on trend and season fitted to the last
    ``years`` of ``history`` (the record by period before the scored period)."""
    from statsmodels.discrete.discrete_model import NegativeBinomial

    first = history.index[-1].start_time - pd.DateOffset(years=years)
    train = history[history.index.start_time >= first]
    if len(train) < 8:
        return np.full((1, len(target)), np.nan)
    origin = train.index[0].start_time
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # convergence chatter on short or flat stretches
        fit = NegativeBinomial(train.to_numpy(float), _design(train.index, origin)).fit(
            disp=False, maxiter=200)
    beta, alpha = fit.params[:-1], max(float(fit.params[-1]), 1e-8)
    mu = np.exp(_design(target, origin) @ beta)
    size = 1.0 / alpha
    return rng.negative_binomial(size, size / (size + mu), size=(draws, len(target))).astype(float)


# ------------------------------------------------------------------------------------ score
@dataclass
class Score:
    """What :func:`score` found."""

    table: pd.DataFrame  #: one row per (freq, forecaster): periods, coverage_50, coverage_90, crps, mae_median
    periods: pd.DataFrame  #: one row per (freq, period): record, model median and bands, naive and negbin medians
    start: dt.date
    end: dt.date

    def beats_naive(self, freq: str = "week") -> bool:
        """The model's mean CRPS is below the seasonal naive forecast's at ``freq``."""
        t = self.table.loc[freq]
        return bool(t.loc["model", "crps"] < t.loc["naive", "crps"])

    @property
    def verdict(self) -> str:
        """One sentence per frequency: does the model beat each baseline on CRPS?"""
        lines = []
        for freq in self.table.index.get_level_values(0).unique():
            t = self.table.loc[freq]
            m, nv, nb = (t.loc[k, "crps"] for k in FORECASTERS)
            if np.isnan(nv):
                lines.append(f"By {freq}: no naive forecast (its spread needs more than a year "
                             f"of record before {self.start}).")
                continue
            says = "beats" if m < nv else "does NOT beat"
            nb_says = "beats" if m < nb else "does not beat"
            lines.append(f"By {freq}, {self.start} to {self.end}: the model {says} the seasonal "
                         f"naive forecast (CRPS {m:,.0f} against {nv:,.0f} people) and {nb_says} "
                         f"the negative binomial regression ({nb:,.0f}).")
        return "\n".join(lines)


def score(sims: Any, start: Any = None, end: Any = None, *, column: str = "arrivals",
          freqs: Iterable[str] = ("week", "month"), baseline_years: float = 3.0,
          draws: int = 2000, seed: int = 0) -> Score:
    """Score an ensemble's ``column`` against the record over ``start`` to ``end``, by week and
    by month, with the seasonal naive forecast and a negative binomial regression beside it.

    ``sims``: an Ensemble, a tidy daily table or a list of daily tables (see
    :func:`member_matrix`). ``start``/``end`` default to the span of the simulated days; both
    must lie inside the record (2018-01-01 to 2025-07-31) and be simulated. Only whole weeks
    (Monday to Sunday) and whole months inside the period are scored. The baseline regression
    is fitted on the last ``baseline_years`` of the record before ``start`` and sampled
    ``draws`` times from a generator seeded with ``seed`` (the same call gives the same table).
    """
    if column not in _RECORD_COLUMN:
        raise ParameterError(f"column={column!r} is invalid: expected one of {list(_RECORD_COLUMN)}")
    freqs = list(freqs)
    for f in freqs:
        if f not in FREQS:
            raise ParameterError(f"freqs: {f!r} is invalid: expected 'week' or 'month'")
    wide = member_matrix(sims, column)
    start, end = check_period(wide.index[0] if start is None else start,
                              wide.index[-1] if end is None else end)
    if pd.Timestamp(start) < wide.index[0] or pd.Timestamp(end) > wide.index[-1]:
        raise ParameterError(f"the period {start} to {end} is not all simulated: the runs cover "
                             f"{wide.index[0]:%Y-%m-%d} to {wide.index[-1]:%Y-%m-%d}")
    rec = data.record()[_RECORD_COLUMN[column]]
    rng = np.random.default_rng(seed)
    rows, detail = {}, {}
    for freq in freqs:
        rows[freq], detail[freq] = _score_freq(wide, rec, freq, start, end, baseline_years,
                                               draws, rng)
    table = pd.concat({f: pd.DataFrame(r).T for f, r in rows.items()}, names=["freq", "forecaster"])
    table["periods"] = table["periods"].astype(int)
    return Score(table=table, periods=pd.concat(detail, names=["freq", "period"]), start=start,
                 end=end)


def _score_freq(wide, rec, freq, start, end, years, draws, rng):
    """Scores of the three forecasters at one frequency, and the per-period detail."""
    model = _by_period(wide, freq, start, end)
    if model.empty:
        raise ParameterError(f"the period {start} to {end} holds no whole {freq}: expected a "
                             f"longer period")
    target = model.index
    before = _by_period(rec, freq, data.RECORD_FIRST, start - dt.timedelta(days=1))
    full = _by_period(rec, freq, data.RECORD_FIRST, end)
    none = np.full((1, len(target)), np.nan)
    samples = {"model": model.to_numpy().T,
               "naive": naive_samples(full, before, target, freq, years) if len(before) else none,
               "negbin": negbin_samples(before, target, years, draws, rng) if len(before) else none}
    observed = full.reindex(target).to_numpy(float)
    scores = {k: _scores(samples[k], observed) for k in FORECASTERS}
    q = np.quantile(samples["model"], [0.05, 0.25, 0.5, 0.75, 0.95], axis=0)
    detail = pd.DataFrame({"record": observed, "model_median": q[2], "model_q05": q[0],
                           "model_q25": q[1], "model_q75": q[3], "model_q95": q[4],
                           "naive_median": np.median(samples["naive"], axis=0),
                           "negbin_median": np.median(samples["negbin"], axis=0)},
                          index=target.astype(str))
    return scores, detail
