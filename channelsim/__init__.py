"""channelsim: agent-based simulation of small-boat crossings of the English Channel.

>>> import channelsim
>>> daily = channelsim.simulate(days=30, seed=1)          # doctest: +SKIP
>>> channelsim.results.summary(daily)                      # doctest: +SKIP
"""

from . import calibration, data, decisions, geography, policies, results, scenarios, validation
from .agents import BorderForceVessel, FrenchPoliceUnit, SmugglingGang
from .analysis import PolicyEffect, effect_drivers, policy_effect
from .experiments import Ensemble, compare, ensemble, sweep
from .forecasting import Forecast, backtest, forecast
from .model import ChannelModel
from .params import REGISTRY, Params, ParameterError
from .population import Migrant, State
from .results import aggregate, summary
from .simulation import build_model, simulate
from .weather import WeatherFileError

__version__ = "0.1.0"

__all__ = [
    "ChannelModel", "Params", "ParameterError", "REGISTRY", "simulate", "build_model",
    "aggregate", "summary", "Migrant", "State", "SmugglingGang", "FrenchPoliceUnit",
    "BorderForceVessel", "WeatherFileError", "scenarios", "results", "decisions", "geography",
    "calibration", "validation", "policies", "ensemble", "Ensemble", "compare", "sweep",
    "policy_effect", "effect_drivers", "PolicyEffect", "Dashboard", "forecast", "Forecast",
    "backtest", "data",
]


def __getattr__(name: str):
    """``channelsim.Dashboard`` is imported on first use, so that ``import channelsim`` does
    not need ipywidgets (the ``jupyter`` extra)."""
    if name == "Dashboard":
        from .dashboard import Dashboard

        return Dashboard
    raise AttributeError(f"module 'channelsim' has no attribute {name!r}")
