"""Running the model: build a model from a scenario and overrides, run it, get the results."""

from __future__ import annotations

import datetime as dt
import numbers
from typing import Any

import pandas as pd

from .model import ChannelModel
from .params import ParameterError, Params

__all__ = ["build_model", "simulate", "check_days"]


def build_model(scenario: str | Any | None = None, *, start: Any = None, seed: Any = None,
                weather: Any = None, params: Params | None = None, **overrides: Any) -> ChannelModel:
    """A :class:`ChannelModel` for ``scenario`` (a name, a :class:`~channelsim.scenarios.Scenario`,
    a path to a scenario TOML file, or None for the defaults) with registry parameters
    ``overrides`` applied on top (an override of a parameter with a dated path in the scenario
    replaces the path). ``start`` defaults to the scenario's (2024-01-01 without one)."""
    from . import scenarios

    scen = scenarios.get(scenario) if scenario is not None else None
    if start is None:
        start = scen.start if scen is not None else "2024-01-01"
    base = params if params is not None else Params()
    if scen is not None:
        base = base.replace(**scen.params)
    p = base.replace(**overrides) if overrides else base
    policies = scen.make_policies(p) if scen is not None else scenarios.default_policies(p)
    # a parameter given explicitly replaces the scenario's dated path of it
    paths = {k: v for k, v in scen.paths.items() if k not in overrides} if scen is not None else None
    return ChannelModel(p, start=start, rng=seed, weather=weather, policies=policies, paths=paths)


def check_days(days: Any) -> int:
    """``days`` as the length of a run (a whole number >= 1), or a :class:`ParameterError`."""
    if isinstance(days, bool) or not isinstance(days, numbers.Integral) or days < 1:
        raise ParameterError(f"days={days!r} is invalid: expected a whole number of days >= 1")
    return int(days)


def _check_weather_covers(model: ChannelModel, days: int) -> None:
    """A user's weather series must cover the whole run: say so before running, not on the
    first missing day."""
    from .weather import SeriesWeather

    w = model.weather
    if isinstance(w, SeriesWeather):
        end = model.start + dt.timedelta(days=days - 1)
        if model.start < w.first or end > w.last:
            raise ParameterError(f"weather {w.name} covers {w.first} to {w.last}, but the run needs "
                                 f"{model.start} to {end}")


def simulate(scenario: str | Any | None = None, *, days: int | None = None, start: Any = None,
             seed: Any = None, weather: Any = None, **overrides: Any) -> pd.DataFrame:
    """Simulate ``days`` days from ``start`` and return the daily results (one row per day,
    indexed by date). ``seed`` makes the run reproducible; ``overrides`` are registry
    parameters (e.g. ``officers_per_day=1200``). Without ``days``/``start``, a scenario runs
    over its own period, and no scenario means 365 days from 2024-01-01."""
    from . import scenarios

    if days is None:
        days = scenarios.get(scenario).days if scenario is not None else 365
    days = check_days(days)
    model = build_model(scenario, start=start, seed=seed, weather=weather, **overrides)
    _check_weather_covers(model, days)
    model.run_for(days)
    df = model.results()
    df.attrs.update(scenario=getattr(scenario, "name", scenario) or "default", seed=seed,
                    params=model.params.changed())
    return df
