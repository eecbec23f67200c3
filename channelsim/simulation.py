"""Running the model: build a model from a scenario and overrides, run it, get the results."""

from __future__ import annotations

from typing import Any, Mapping

import pandas as pd

from . import checks, scenarios
from .model import ChannelModel
from .params import ParameterError, Params

__all__ = ["build_model", "simulate", "check_days"]

#: ``days`` as the length of a run (a whole number from 1 to :data:`channelsim.checks.MAX_DAYS`).
check_days = checks.days


def _base_params(params: Params | Mapping[str, Any] | None) -> Params:
    """``params`` as the parameters the scenario's are applied on top of."""
    if params is None or isinstance(params, Params):
        return params or Params()
    if isinstance(params, Mapping):
        return Params(**params)
    raise ParameterError(f"params={params!r} is invalid: expected Params, a mapping of "
                         "parameter names to values, or None")


def build_model(scenario: str | Any | None = None, *, start: Any = None, seed: Any = None,
                weather: Any = None, params: Params | Mapping[str, Any] | None = None,
                **overrides: Any) -> ChannelModel:
    """A :class:`ChannelModel` for ``scenario`` (a name, a :class:`~channelsim.scenarios.Scenario`,
    a path to a scenario TOML file, or None for the default calibrated year).

    The parameters are ``params`` (a :class:`Params` or a mapping of parameter values; the
    registry defaults if None), then the scenario's ``[params]``, then ``overrides`` (registry
    parameters by name), each on top of the one before; an override of a parameter with a dated
    path in the scenario replaces the path. ``start`` (a date or ISO string) defaults to the
    scenario's; ``seed`` seeds the model's one random generator; ``weather`` replaces the
    scenario's weather.

    Returns the model on its start date, with nothing simulated yet: step it with
    ``run_for(days)`` and read ``results()``.

    Raises ``ParameterError`` naming the culprit: an unknown parameter (with a suggestion), a
    value of the wrong type or out of its range (with the range and unit), or a bad
    ``start``/``seed``; its subclass ``ScenarioError`` for an unknown scenario name (listing
    the built-in ones) or a malformed scenario file.

    >>> model = build_model("baseline_2024", seed=1, officers_per_day=1200)  # doctest: +SKIP
    >>> model.run_for(7)  # doctest: +SKIP
    >>> model.results()["arrivals"].sum()  # doctest: +SKIP
    """
    scen = scenarios.get(scenario)
    p = _base_params(params).replace(**{**scen.params, **overrides})
    return ChannelModel(p, start=scen.start if start is None else start, rng=seed,
                        weather=weather, policies=scen.make_policies(p),
                        paths={k: v for k, v in scen.paths.items() if k not in overrides})


def _check_weather_covers(model: ChannelModel, days: int) -> None:
    """A user's weather series must cover the whole run: say so before running, not on the
    first missing day."""
    from .weather import SeriesWeather

    w = model.weather.process
    if isinstance(w, SeriesWeather):
        end = checks.period_end(model.start, days)
        if model.start < w.first or end > w.last:
            raise ParameterError(f"weather {w.name} covers {w.first} to {w.last}, but the run needs "
                                 f"{model.start} to {end}")


def simulate(scenario: str | Any | None = None, *, days: int | None = None, start: Any = None,
             seed: Any = None, weather: Any = None,
             params: Params | Mapping[str, Any] | None = None, **overrides: Any) -> pd.DataFrame:
    """Simulate ``days`` days from ``start`` and return the daily results (one row per day,
    indexed by date).

    ``seed`` makes the run reproducible; ``params`` (a :class:`Params` or a mapping) and
    ``overrides`` (e.g. ``officers_per_day=1200``) are registry parameters, as for
    :func:`build_model`. Without ``days``/``start``, a scenario runs over its own period; no
    scenario means the default calibrated year, the whole of 2024 (366 days from 1 January).

    Returns a DataFrame with one row per simulated day, indexed by date (``date``), and one
    column per daily result, each in its own unit (mostly people a day; see
    ``channelsim.results.COLUMNS`` and ``channelsim.results.unit``); ``attrs`` holds the
    ``scenario`` name, the ``seed`` and the ``params`` that differ from the defaults. Sum it
    with ``channelsim.results.summary`` or aggregate it with ``channelsim.results.aggregate``.
    The same arguments give the same table, in any process.

    Raises ``ParameterError`` naming the culprit, as ``build_model`` does, and also for
    ``days`` that are not a whole number from 1 up, a period running past the calendar's end,
    or a weather series that does not cover the whole period (its span and the run's).

    >>> from channelsim import simulate
    >>> daily = simulate("baseline_2024", days=28, seed=1)  # doctest: +SKIP
    >>> daily["arrivals"].sum()  # people landed in the UK in 28 days  # doctest: +SKIP
    >>> simulate(days=7, seed=1, officers_per_day=-5)  # doctest: +SKIP
    Traceback (most recent call last):
    ParameterError: officers_per_day=-5 is out of range: expected a number between 0 and 5000 (officers)
    """
    scen = scenarios.get(scenario)
    days = check_days(scen.days if days is None else days)
    model = build_model(scen, start=start, seed=seed, weather=weather, params=params, **overrides)
    checks.period_end(model.start, days)
    _check_weather_covers(model, days)
    model.run_for(days)
    df = model.results()
    df.attrs.update(scenario=scen.name, seed=seed, params=model.params.changed())
    return df
