"""channelsim: agent-based simulation of small-boat crossings of the English Channel.

Migrants, smuggling gangs, French police and UK Border Force interact on a grid of the Dover
Strait, one step a day (a Mesa model, :class:`ChannelModel`), under dated policies such as the
UK-France "one in, one out" pilot (:mod:`channelsim.policies`). The names below are the public
interface:

* run the model: :func:`simulate` (one row a day, columns in people unless stated),
  :func:`build_model`, :class:`ChannelModel`; parameters are validated against the registry
  (:class:`Params`, :data:`REGISTRY`) and named scenarios live in :mod:`channelsim.scenarios`;
* summarise a run: :func:`summary` (totals), :func:`aggregate` (weekly, monthly, yearly tables);
* run many: :func:`ensemble`, :func:`compare`, :func:`sweep`; measure a policy's effect against
  a counterfactual with :func:`policy_effect` and what drives it with :func:`effect_drivers`;
* check the model against the published record: :mod:`channelsim.calibration`,
  :mod:`channelsim.validation`; explore it in Jupyter with :class:`~channelsim.dashboard.Dashboard`.

>>> import channelsim
>>> daily = channelsim.simulate(days=30, seed=1)          # doctest: +SKIP
>>> channelsim.summary(daily)["arrivals"]                 # people landed in 30 days  # doctest: +SKIP
>>> channelsim.aggregate(daily, "week")                   # one row a week            # doctest: +SKIP
"""

__version__ = "0.2.0"

from . import calibration, data, decisions, geography, policies, posterior, results, scenarios, validation
from .agents import BorderForceVessel, FrenchPoliceUnit, SmugglingGang
from .analysis import PolicyEffect, effect_drivers, policy_effect
from .posterior import Posterior
from .experiments import Ensemble, compare, ensemble, sweep
from .forecasting import Forecast, backtest, forecast
from .model import ChannelModel
from .params import REGISTRY, Params, ParameterError
from .population import Migrant, State
from .results import aggregate, summary
from .simulation import build_model, simulate
from .weather import WeatherFileError

__all__ = [
    "ChannelModel", "Params", "ParameterError", "REGISTRY", "simulate", "build_model",
    "aggregate", "summary", "Migrant", "State", "SmugglingGang", "FrenchPoliceUnit",
    "BorderForceVessel", "WeatherFileError", "scenarios", "results", "decisions", "geography",
    "calibration", "validation", "policies", "ensemble", "Ensemble", "compare", "sweep",
    "policy_effect", "effect_drivers", "PolicyEffect", "Posterior", "posterior", "Dashboard", "forecast", "Forecast",
    "backtest", "data",
]


def __getattr__(name: str):
    """``channelsim.Dashboard`` is imported on first use, so that ``import channelsim`` does
    not need ipywidgets (the ``jupyter`` extra)."""
    if name == "Dashboard":
        from .dashboard import Dashboard

        return Dashboard
    raise AttributeError(f"module 'channelsim' has no attribute {name!r}")
