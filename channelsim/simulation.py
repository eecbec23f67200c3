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
    path in the scenario replaces the path. ``start`` defaults to the scenario's."""
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
