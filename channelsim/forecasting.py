"""Forecasts from the history's state on a date, and the rolling-origin backtest.

:func:`forecast` runs the history scenario once (one seed) up to the day before ``from_date``,
then branches: each of ``n`` members is a copy of that model (``copy.deepcopy``) whose random
generator is reseeded from ``SeedSequence(seed).spawn(n)[member]``, and whose future weather is
drawn afresh from that generator, so members share the past and have independent futures. One
seed gives one result in any process.

What a member knows of the future inputs: with ``inputs="held"`` (the default) every dated path
keeps only its dates up to the eve of the origin (a forecaster on that day knows neither the
demand fitted to later records nor later police numbers): most hold their last value, and
the demand holds its mean over the last year (see :func:`_held`); with ``inputs="scenario"`` the scenario's paths run on (for "what if the
inputs had been known" questions).

:func:`backtest` runs the history once, branches at each origin in turn and scores each
origin's members against the record over the next ``horizon_days`` with
:func:`channelsim.validation.score` (the model beside the seasonal naive forecast and the
negative binomial regression).

>>> import channelsim
>>> fc = channelsim.forecast("2025-08-01", days=90, n=10, seed=1)       # doctest: +SKIP
>>> fc.bands("arrivals", "week")                                        # doctest: +SKIP
"""

from __future__ import annotations

import copy
import datetime as dt
from dataclasses import dataclass, field
from typing import Any, Iterable, Iterator, Literal

import numpy as np
import pandas as pd

from . import scenarios
from .drivers import DatedPath, own_stream
from .experiments.ensembles import posterior_draws
from .model import ChannelModel, as_date
from .params import ParameterError
from .posterior import check_posterior
from .scoring import check_period, score
from .simulation import build_model, check_days
from .weather import SeasonalWeather

__all__ = ["Forecast", "forecast", "backtest", "DEFAULT_SCENARIO"]

#: The scenario forecasts branch from when none is given: the history run over the record.
DEFAULT_SCENARIO = "history_2018_2025"


@dataclass
class Forecast:
    """Members' daily results from ``from_date`` on: ``daily`` is tidy (``replicate``, ``date``
    and the result columns), as an :class:`~channelsim.Ensemble`'s, so that
    :func:`channelsim.validation.score` takes it."""

    scenario: str
    from_date: dt.date
    days: int
    n: int
    seed: int
    inputs: str
    daily: pd.DataFrame = field(repr=False)
    #: with a posterior, the parameters each member drew from it from the origin on
    draws: pd.DataFrame | None = field(default=None, repr=False)

    def daily_of(self, member: int) -> pd.DataFrame:
        """The daily results of one member, indexed by date."""
        one = self.daily[self.daily["replicate"] == member]
        if one.empty:
            raise ParameterError(f"member={member!r} is invalid: expected 0 to {self.n - 1}")
        return one.drop(columns="replicate").set_index("date")

    @property
    def totals(self) -> pd.DataFrame:
        """Each member's totals of arrivals, boats and deaths over the forecast."""
        return self.daily.groupby("replicate")[["arrivals", "boats", "deaths"]].sum()

    def bands(self, column: str = "arrivals", freq: str = "week") -> pd.DataFrame:
        """Median and 5-95% band of ``column`` summed by ``freq`` (``week`` or ``month``)."""
        code = {"week": "W-SUN", "month": "M"}.get(freq)
        if code is None:
            raise ParameterError(f"freq={freq!r} is invalid: expected 'week' or 'month'")
        wide = self.daily.pivot_table(index="date", columns="replicate", values=column)
        sums = wide.groupby(pd.DatetimeIndex(wide.index).to_period(code)).sum()
        return pd.DataFrame({"median": sums.median(axis=1), "q05": sums.quantile(0.05, axis=1),
                             "q95": sums.quantile(0.95, axis=1)})


# ------------------------------------------------------------------------------------ branching
def _trunk(scenario: scenarios.Scenario, seed: int, origins: list[dt.date],
           overrides: dict[str, Any]) -> Iterator[tuple[dt.date, ChannelModel]]:
    """Run the scenario once and yield the model as it stands on the eve of each origin."""
    model = build_model(scenario, seed=seed, **overrides)
    last = scenario.start + dt.timedelta(days=scenario.days - 1)
    for origin in origins:
        if not scenario.start < origin <= last + dt.timedelta(days=1):
            raise ParameterError(
                f"from_date={origin} is not reached by the history: expected a date from "
                f"{scenario.start + dt.timedelta(days=1)} to {last + dt.timedelta(days=1)} "
                f"(scenario {scenario.name!r} runs {scenario.start} to {last})")
        model.run_for((origin - model.start).days - model.steps)
        yield origin, model


#: Paths that, held from an origin, hold their mean over the year to the eve instead of their
#: last value: the demand, fitted by quarter, whose last value is one season's (the model's
#: own seasonal cycle of the inflow still applies on top).
YEARLY_MEAN_PATHS = frozenset({"inflow_per_year"})
_YEAR = 365


def _held(path: DatedPath, origin: dt.date) -> DatedPath | None:
    """``path`` as known on the eve of ``origin``: only its dates up to the eve, then a held
    value: the value of its last date on or before the eve (interpolating toward a later date
    would use what was not known), or for :data:`YEARLY_MEAN_PATHS` its daily mean over the
    year to the eve. Two other rules for the demand were tried in the backtest and dropped:
    repeating its last year (it carries one year's surges into the next) and scaling that by
    the last year's growth (it overshoots at every turn of the trend)."""
    eve = origin - dt.timedelta(days=1)
    n = sum(d <= eve for d in path.dates)
    if n == 0:
        return None
    dates, values = list(path.dates[:n]), list(path.values[:n])
    if path.parameter in YEARLY_MEAN_PATHS:
        days = [eve - dt.timedelta(days=k) for k in range(_YEAR)]
        known = [v for d in days if (v := path.value_at(d)) is not None]
        dates, values = dates + [origin], values + [float(np.mean(known))]
    return DatedPath(parameter=path.parameter, dates=dates, values=values, interpolation="step")


def _branch(model: ChannelModel, member_seed: np.random.SeedSequence, origin: dt.date,
            inputs: str) -> ChannelModel:
    """An independent copy of ``model`` with its own generator, weather to come and inputs."""
    twin = copy.deepcopy(model)
    twin.rng = np.random.default_rng(member_seed)
    twin.random.seed(int(member_seed.generate_state(1)[0]))
    if twin.drivers is not None:  # the member's own demand to come
        twin.drivers.rng = own_stream(twin.rng)
    w = twin.weather.process  # the weather module's process (a series, or the seasonal model)
    if isinstance(w, SeasonalWeather):  # forget the weather drawn ahead; draw it from the new generator
        kept = (origin - w.start).days
        w._values = w._values[:kept]
        last = w.start + dt.timedelta(days=kept - 1)
        w._anomaly = w._values[-1] - w.seasonal_mean(last) if kept else 0.0
        w._rng = twin.rng
    if inputs == "held" and twin.drivers is not None:
        paths = {k: _held(p, origin) for k, p in twin.drivers.paths.items()}
        twin.drivers.paths = {k: p for k, p in paths.items() if p is not None}
    return twin


def _members(model: ChannelModel, origin: dt.date, days: int, n: int, seed: int, inputs: str,
             key: int, draws: pd.DataFrame | None = None) -> pd.DataFrame:
    frames = []
    for member, child in enumerate(np.random.SeedSequence(seed, spawn_key=(key,)).spawn(n)):
        twin = _branch(model, child, origin, inputs)
        if draws is not None:  # this member's parameters from the origin on
            twin.params = twin.params.replace(**draws.iloc[member].to_dict())
        twin.run_for(days)
        out = twin.results().loc[pd.Timestamp(origin):].reset_index()
        frames.append(out.assign(replicate=member))
    daily = pd.concat(frames, ignore_index=True)
    return daily[["replicate", "date"] + [c for c in daily.columns if c not in ("replicate", "date")]]


def _check(days: Any, n: Any, seed: Any, inputs: Any) -> tuple[int, int, int]:
    from .experiments.runs import check_seed

    if inputs not in ("held", "scenario"):
        raise ParameterError(f"inputs={inputs!r} is invalid: expected 'held' or 'scenario'")
    if isinstance(n, bool) or not isinstance(n, (int, np.integer)) or n < 1:
        raise ParameterError(f"n={n!r} is invalid: expected a whole number of members >= 1")
    return check_days(days), int(n), check_seed(seed)


def forecast(from_date: Any, days: int, n: int, scenario: Any = None, *, seed: int = 0,
             inputs: Literal["held", "scenario"] = "held", posterior: Any = None,
             **overrides: Any) -> Forecast:
    """``n`` futures of ``days`` days from ``from_date``, branching from the history's state.

    ``scenario`` (default ``history_2018_2025``) is run once with ``seed`` and ``overrides``
    (registry parameters, e.g. ``officers_per_day=1200``) from its start to the day before
    ``from_date``, which must be after its start and no later than the day after its last day.
    See the module's docstring for ``inputs``.

    With a ``posterior`` (a :class:`channelsim.posterior.Posterior`, or ``"shipped"``), the
    history runs at the posterior medians, and each member draws its calibrated parameters
    from the posterior (:meth:`~channelsim.posterior.Posterior.sample` with ``seed``) from the
    origin on: the state on the eve is the one the record led to, and the members' spread
    carries what the record leaves unknown about behaviour as well as chance. ``overrides``
    win over the medians and the draws."""
    days, n, seed = _check(days, n, seed, inputs)
    scen = scenarios.get(scenario if scenario is not None else DEFAULT_SCENARIO)
    origin = as_date(from_date, "from_date")
    draws, trunk_params = None, dict(overrides)
    post = check_posterior(posterior)
    if post is not None:
        trunk_params = {**{k: v for k, v in post.medians().items() if k not in overrides}, **overrides}
        draws, _ = posterior_draws(post, n, seed, overrides)
    (_, model), = _trunk(scen, seed, [origin], trunk_params)
    daily = _members(model, origin, days, n, seed, inputs, key=0, draws=draws)
    return Forecast(scenario=scen.name, from_date=origin, days=days, n=n, seed=seed,
                    inputs=inputs, daily=daily, draws=draws)


def backtest(origins: Iterable[Any], horizon_days: int, n: int, scenario: Any = None, *,
             seed: int = 0, inputs: Literal["held", "scenario"] = "held",
             freqs: Iterable[str] = ("week", "month"), **overrides: Any) -> pd.DataFrame:
    """Rolling-origin backtest: from each origin, ``n`` members forecast ``horizon_days`` days
    and are scored against the record beside the two baselines (:func:`score`).

    One history run (``seed``) serves every origin. Each origin and its horizon must lie inside
    the record. Returns one row per (origin, freq, forecaster) with ``periods, coverage_50,
    coverage_90, crps, mae_median``; ``attrs['summary']`` averages them over origins and
    ``attrs['verdicts']`` holds each origin's sentence."""
    horizon, n, seed = _check(horizon_days, n, seed, inputs)
    wanted = sorted(as_date(o, "origins") for o in origins)
    if not wanted:
        raise ParameterError("origins=[] is invalid: expected at least one date")
    for o in wanted:
        try:
            check_period(o, o + dt.timedelta(days=horizon - 1))
        except ParameterError as err:
            raise ParameterError(f"origin {o} with horizon_days={horizon}: {err}") from None
    scen = scenarios.get(scenario if scenario is not None else DEFAULT_SCENARIO)
    rows, verdicts = [], {}
    for k, (origin, model) in enumerate(_trunk(scen, seed, wanted, overrides)):
        members = _members(model, origin, horizon, n, seed, inputs, key=k)
        s = score(members, origin, origin + dt.timedelta(days=horizon - 1), freqs=freqs, seed=seed)
        rows.append(s.table.assign(origin=origin).reset_index())
        verdicts[origin] = s.verdict
    table = pd.concat(rows, ignore_index=True).set_index(["origin", "freq", "forecaster"])
    table.attrs["summary"] = table.groupby(level=["freq", "forecaster"]).mean()
    table.attrs["verdicts"] = verdicts
    return table
