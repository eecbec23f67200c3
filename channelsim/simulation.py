"""Running the model: build a model from a scenario and overrides, run it, get the results."""

from __future__ import annotations

import numbers
from typing import Any

import pandas as pd

from .model import ChannelModel
from .params import ParameterError, Params

__all__ = ["build_model", "simulate"]


def build_model(scenario: str | Any | None = None, *, start: Any = "2024-01-01", seed: Any = None,
                weather: Any = None, params: Params | None = None, **overrides: Any) -> ChannelModel:
    """A :class:`ChannelModel` for ``scenario`` (a name, a :class:`~channelsim.scenarios.Scenario`
    or None for the defaults) with registry parameters ``overrides`` applied on top."""
    from . import scenarios

    scen = scenarios.get(scenario) if scenario is not None else None
    base = params if params is not None else Params()
    if scen is not None:
        base = base.replace(**scen.params)
    p = base.replace(**overrides) if overrides else base
    policies = scen.make_policies(p) if scen is not None else scenarios.default_policies(p)
    return ChannelModel(p, start=start, rng=seed, weather=weather, policies=policies)


def _check_days(days: Any) -> int:
    if isinstance(days, bool) or not isinstance(days, numbers.Integral) or days < 1:
        raise ParameterError(f"days={days!r} is invalid: expected a whole number of days >= 1")
    return int(days)


def simulate(scenario: str | Any | None = None, *, days: int = 365, start: Any = "2024-01-01",
             seed: Any = None, weather: Any = None, **overrides: Any) -> pd.DataFrame:
    """Simulate ``days`` days from ``start`` and return the daily results (one row per day,
    indexed by date). ``seed`` makes the run reproducible; ``overrides`` are registry
    parameters (e.g. ``officers_per_day=1200``)."""
    days = _check_days(days)
    model = build_model(scenario, start=start, seed=seed, weather=weather, **overrides)
    model.run_for(days)
    df = model.results()
    df.attrs.update(scenario=getattr(scenario, "name", scenario) or "default", seed=seed,
                    params=model.params.changed())
    return df
