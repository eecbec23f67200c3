"""Dated inputs and the demand process: what changes a run's parameters from one day to the next.

Two things move a run's parameters day by day, both applied each morning by :class:`Drivers`
before anything else happens (``ChannelModel.step`` calls :meth:`Drivers.morning`):

* **Dated paths** (:class:`DatedPath`): any parameter read during the day (not those only read
  when the model is built, :data:`CONSTRUCTION_ONLY`) can follow a table of dates and values,
  held from one date to the next (``step``) or interpolated between them (``linear``). Before
  its first date, the standing value (the scenario's parameter, as the sliders set it)
  applies; after its last date, the last value holds. In a scenario TOML::

      [paths.officers_per_day]
      dates = [2018-01-01, 2023-01-01, 2024-07-01]
      values = [150, 800, 1000]
      interpolation = "linear"

* **The demand process**: people reaching the coast follow the inflow parameter (its path, if
  any) times a random multiplier ``exp(x_t - v_t / 2)`` where the log-intensity ``x`` is an
  AR(1) process, ``x_t = phi x_{t-1} + s e_t`` with ``e_t`` standard normal drawn from the
  model's generator, ``phi = exp(-1 / demand_memory_days)`` and ``s`` such that ``x``'s
  stationary standard deviation is ``demand_volatility``; ``v_t`` is the variance of ``x_t``
  (so the multiplier's mean stays 1). It starts at ``x = 0`` on the run's first day. This is the
  latent log-intensity of Zens and Bijak's count model of weekly Channel crossings (a random
  walk with heavy-tailed or stochastically volatile innovations; arXiv:2508.18716), made
  mean-reverting so that it wanders around the fitted path instead of away from it, with a
  constant volatility. With ``demand_volatility = 0`` nothing is drawn and runs are as before.

>>> path = DatedPath(parameter="officers_per_day", dates=["2020-01-01", "2021-01-01"],
...                  values=[200, 600], interpolation="linear")
>>> round(path.value_at("2020-07-02"))
401
"""

from __future__ import annotations

import copy
import datetime as dt
import math
from typing import Any, Literal, Mapping

import numpy as np
from pydantic import BaseModel, ConfigDict, ValidationError, field_validator, model_validator

from .params import ParameterError, Params, check_value, parse_date, spec
from .policies import POLICY_TYPES, registry_parameter

__all__ = ["DatedPath", "Drivers", "CONSTRUCTION_ONLY", "parse_paths", "make_drivers"]

#: Parameters read only when a model is built (the weather process, the starting camps and
#: stock, the number of gangs, standing safe routes, and the registry values a policy's unset
#: settings take when it is attached, such as the pilot's ``weekly_return_cap``): a dated path
#: could not change them during a run, so one is refused.
CONSTRUCTION_ONLY: frozenset[str] = frozenset({
    "beaufort7_days_per_year", "weather_seasonal_amplitude", "weather_persistence",
    "weather_variability", "initial_camp_population", "initial_boat_stock", "n_gangs",
    "extra_safe_route_per_week",
    *(registry_parameter(cls, name) for cls in POLICY_TYPES.values()
      for name, field in cls.model_fields.items()
      if field.default is None and registry_parameter(cls, name)),
})


def _date(value: Any, where: str) -> dt.date:
    date = parse_date(value)
    if date is None:
        raise ParameterError(f"{where}: {value!r} is not a date: expected YYYY-MM-DD")
    return date


class DatedPath(BaseModel):
    """A parameter's values on dates: ``step`` holds each value until the next date, ``linear``
    interpolates between dates. Dates strictly increase; every value lies inside the
    parameter's registry bounds. Errors name the parameter and the offending date."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    parameter: str
    dates: tuple[dt.date, ...]
    values: tuple[float, ...]
    interpolation: Literal["step", "linear"] = "step"

    def __init__(self, **data: Any) -> None:
        try:
            super().__init__(**data)
        except ValidationError as err:
            first = err.errors()[0]
            original = first.get("ctx", {}).get("error")
            if isinstance(original, ParameterError):
                raise original from None
            name = data.get("parameter", "?")
            loc = ".".join(str(k) for k in first["loc"])
            raise ParameterError(f"path of {name}: {loc}: {first['msg']}") from None

    @field_validator("parameter")
    @classmethod
    def _per_day(cls, name: str) -> str:
        s = spec(name)  # unknown names raise ParameterError
        if name in CONSTRUCTION_ONLY or s.kind not in ("float", "int"):
            why = ("is only read when the model is built" if name in CONSTRUCTION_ONLY
                   else f"is a {s.kind}, not a number")
            raise ParameterError(f"path of {name}: refused: {name} {why}; expected a numeric "
                                 "parameter read every day")
        return name

    @field_validator("dates", mode="before")
    @classmethod
    def _dates(cls, values: Any, info) -> tuple[dt.date, ...]:  # noqa: ANN001
        name = info.data.get("parameter", "?")
        if isinstance(values, (str, bytes)) or not hasattr(values, "__iter__"):
            raise ParameterError(f"path of {name}: dates={values!r} is invalid: expected a list of dates")
        return tuple(_date(v, f"path of {name}") for v in values)

    @model_validator(mode="after")
    def _check(self) -> "DatedPath":
        name = self.parameter
        if not self.dates or len(self.dates) != len(self.values):
            raise ParameterError(f"path of {name}: {len(self.dates)} dates and {len(self.values)} "
                                 "values: expected as many values as dates, at least one")
        for before, date in zip(self.dates, self.dates[1:]):
            if date == before:
                raise ParameterError(f"path of {name}: date {date} appears twice: expected each "
                                     "date once")
            if date < before:
                raise ParameterError(f"path of {name}: date {date} comes after {before}: expected "
                                     "dates in increasing order")
        whole = spec(name).kind == "int"
        for date, value in zip(self.dates, self.values):
            if whole and not float(value).is_integer():
                raise ParameterError(f"path of {name} on {date}: {name}={value!r} is not a whole "
                                     f"number: expected {spec(name).expected()}")
            try:
                check_value(name, int(value) if whole else value)
            except ParameterError as err:
                raise ParameterError(f"path of {name} on {date}: {err}") from None
        return self

    @property
    def _ordinals(self) -> np.ndarray:
        return np.array([d.toordinal() for d in self.dates], dtype=float)

    def value_at(self, date: Any) -> float | None:
        """The path's value on ``date``; None before its first date (the standing value holds)."""
        day = _date(date, f"path of {self.parameter}").toordinal()
        xs = self._ordinals
        if day < xs[0]:
            return None
        if self.interpolation == "linear":
            value = float(np.interp(day, xs, self.values))
        else:
            value = float(self.values[int(np.searchsorted(xs, day, side="right")) - 1])
        return int(round(value)) if spec(self.parameter).kind == "int" else value

    def to_dict(self) -> dict[str, Any]:
        """The path as a scenario's ``[paths.<parameter>]`` table."""
        return {"dates": list(self.dates), "values": list(self.values),
                "interpolation": self.interpolation}


def parse_paths(paths: Mapping[str, Any] | None, where: str = "paths") -> dict[str, DatedPath]:
    """``{parameter: DatedPath}`` from a scenario's ``[paths]`` tables (or DatedPath objects)."""
    out: dict[str, DatedPath] = {}
    if not paths:
        return out
    if not isinstance(paths, Mapping):
        raise ParameterError(f"{where}: expected a table of [paths.<parameter>] tables")
    for name, table in paths.items():
        if isinstance(table, DatedPath):
            if table.parameter != name:
                raise ParameterError(f"{where}: the path under {name!r} is for {table.parameter!r}")
            out[name] = table
            continue
        if not isinstance(table, Mapping):
            raise ParameterError(f"{where}.{name}: expected a table with dates and values")
        out[name] = DatedPath(parameter=name, **table)
    return out


class Drivers:
    """Sets each morning's parameters: the dated paths' values and the demand multiplier.

    The standing parameters are those the model holds when built (or whatever a user sets on
    ``model.params`` later: a change is taken as the new standing values).

    The demand process draws from a stream of its own (``rng``, spawned from the model's
    generator when the model is built), so two runs with the same seed share their demand's
    surges and lulls whatever else differs between them (a policy, another parameter): their
    paired difference is the policy's, not a different demand's."""

    def __init__(self, paths: Mapping[str, DatedPath], params: Params) -> None:
        self.rng: np.random.Generator | None = None  #: the demand's own stream (set by the model)
        self.paths = dict(paths)
        self.standing = params
        self._today: Params | None = None
        self.log_demand = 0.0  #: today's log-intensity x_t of the demand process
        self.log_variance = 0.0  #: variance of x_t given x_0 = 0
        self.demand_multiplier = 1.0  #: today's multiplier on the inflow

    def morning(self, model: Any) -> None:
        """Set ``model.params`` to today's values (call before anything reads them)."""
        if self._today is None or model.params is not self._today:
            self.standing = model.params
        p = self.standing
        today = {name: v for name, path in self.paths.items()
                 if (v := path.value_at(model.date)) is not None}
        p_today = p.model_copy(update=today) if today else p
        self._step_demand(p_today.demand_volatility, p_today.demand_memory_days,
                          self.rng if self.rng is not None else model.rng)
        self._today = model.params = p_today  # demand reads the multiplier itself (Demand.arrive)

    def _step_demand(self, volatility: float, memory_days: float, rng: np.random.Generator) -> None:
        if volatility <= 0:
            self.log_demand, self.log_variance, self.demand_multiplier = 0.0, 0.0, 1.0
            return
        phi = math.exp(-1.0 / memory_days)
        innovation_sd = volatility * math.sqrt(1.0 - phi * phi)
        self.log_demand = phi * self.log_demand + innovation_sd * float(rng.standard_normal())
        self.log_variance = phi * phi * self.log_variance + innovation_sd ** 2
        self.demand_multiplier = math.exp(self.log_demand - self.log_variance / 2.0)


def own_stream(rng: np.random.Generator) -> np.random.Generator:
    """A generator of its own, spawned from ``rng`` without drawing from it (so ``rng`` gives
    the same numbers as before)."""
    try:
        return rng.spawn(1)[0]
    except (TypeError, ValueError, AttributeError):  # a generator without a seed sequence:
        return np.random.default_rng(copy.deepcopy(rng).integers(2**63))  # read from a copy


def make_drivers(paths: Mapping[str, Any] | None, params: Params) -> Drivers | None:
    """A :class:`Drivers` for a model, or None when nothing moves (no paths, no demand
    volatility anywhere): such a model draws exactly the random numbers it always did."""
    parsed = parse_paths(paths)
    moves = params.demand_volatility > 0 or any(
        v > 0 for v in getattr(parsed.get("demand_volatility"), "values", ()))
    return Drivers(parsed, params) if parsed or moves else None
