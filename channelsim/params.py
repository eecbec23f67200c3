"""The parameter registry: the single source of truth for every model parameter.

Each parameter is declared once, in :data:`REGISTRY`, with its default, bounds, unit, group,
a one-line description and a source (a row of ``channelsim/data/channel_facts.csv``, or the
calibration that set it). Validation (:class:`Params`), the dashboard's sliders, the sweeps'
bounds and the documentation's parameter table are all derived from this list.

>>> p = Params(officers_per_day=1200)
>>> p.officers_per_day
1200.0
>>> Params(officers_per_day=-5)
Traceback (most recent call last):
...
channelsim.params.ParameterError: officers_per_day=-5 is out of range: expected a number between 0 and 5000 (officers)
"""

from __future__ import annotations

import datetime as dt
import math
from dataclasses import dataclass
from typing import Any, Iterable, Literal

import pandas as pd
from pydantic import BaseModel, ConfigDict, Field, ValidationError, create_model, field_validator

__all__ = ["ParamSpec", "REGISTRY", "GROUPS", "Params", "ParameterError", "spec", "parameter_table",
           "check_value", "parse_date"]


class ParameterError(ValueError):
    """A parameter was unknown, of the wrong type, or out of its allowed range."""


@dataclass(frozen=True)
class ParamSpec:
    """One registry entry.

    ``kind`` is ``"float"``, ``"int"``, ``"bool"``, ``"date"`` or ``"choice"``. Numbers carry
    inclusive bounds ``low``/``high``; choices carry ``choices``. ``source`` is either the name
    of a row in the facts table (``fact:<name>``), the calibration that set it
    (``"calibrated (2024, channelsim.calibration): <target>"`` for values fitted by
    :func:`channelsim.calibration.calibrate`, ``"calibrated (2024, by hand): <target>"`` for values
    tuned by hand against the record) or ``"assumption: <why>"``.
    """

    name: str
    default: Any
    unit: str
    group: str
    description: str
    source: str
    kind: Literal["float", "int", "bool", "date", "choice"] = "float"
    low: float | None = None
    high: float | None = None
    choices: tuple[str, ...] = ()

    def expected(self) -> str:
        """A human description of the allowed values, used in error messages."""
        if self.kind in ("float", "int"):
            what = "an integer" if self.kind == "int" else "a number"
            return f"{what} between {_fmt(self.low)} and {_fmt(self.high)} ({self.unit})"
        if self.kind == "bool":
            return "true or false"
        if self.kind == "date":
            return "a date (YYYY-MM-DD)"
        return "one of " + ", ".join(repr(c) for c in self.choices)


def _fmt(x: float | None) -> str:
    if x is None:
        return "?"
    return str(int(x)) if float(x).is_integer() else f"{x:g}"


# Groups, in display order: name -> title shown by the dashboard and the documentation.
GROUPS: dict[str, str] = {
    "weather": "Weather",
    "migrant": "Migrants",
    "gang": "Smuggling gangs",
    "french_police": "French police",
    "border_force": "UK Border Force",
    "risk": "Risk at sea",
    "pilot": "Policy: one in, one out",
    "levers": "Policy: other levers",
}

F = "fact:"

REGISTRY: tuple[ParamSpec, ...] = (
    # ----------------------------------------------------------------------------------- weather
    ParamSpec("beaufort7_days_per_year", 120.0, "days/year", "weather",
              "Expected days a year with wind of Beaufort 7 or more (no launches on those days)",
              F + "days_wind_beaufort7_or_more", low=0, high=365),
    ParamSpec("weather_seasonal_amplitude", 1.3, "Beaufort", "weather",
              "Half the difference between the mean winter and summer wind force",
              "assumption: Dover Strait climatology, winter gales and summer calms", low=0, high=4),
    ParamSpec("weather_persistence", 0.65, "1", "weather",
              "Day-to-day autocorrelation of the wind force (calm and stormy spells)",
              "assumption: synoptic weather systems last 2-4 days", low=0, high=0.98),
    ParamSpec("weather_variability", 1.6, "Beaufort", "weather",
              "Standard deviation of the daily wind force about its seasonal mean",
              "assumption: spread of daily mean wind in the Dover Strait", low=0.1, high=4),
    # ---------------------------------------------------------------------------------- migrant
    ParamSpec("inflow_per_year", 44600.0, "people/year", "migrant",
              "People arriving on the French coast intending to cross, per year",
              "calibrated (2024, channelsim.calibration): 36,816 arrivals (people_arriving_small_boat); "
              "90% interval 37,600-53,000", low=0, high=200000),
    ParamSpec("inflow_seasonality", 0.45, "1", "migrant",
              "Relative amplitude of the seasonal inflow (0 = flat; peak in late summer)",
              "calibrated (2024, by hand): arrivals concentrated from May to October", low=0, high=0.95),
    ParamSpec("initial_camp_population", 2000, "people", "migrant",
              "People waiting on the French coast when the run starts",
              F + "camp_population_loon_plage", kind="int", low=0, high=50000),
    ParamSpec("uk_pull", 1.0, "1", "migrant",
              "Mean pull of the UK (work, family, language) as a utility weight",
              "assumption: normalising unit of the choice model", low=0, high=5),
    ParamSpec("uk_pull_spread", 0.3, "1", "migrant",
              "Coefficient of variation of the UK's pull between people (lognormal)",
              "assumption: family ties and work prospects differ", low=0, high=3),
    ParamSpec("crossing_propensity", -2.2, "utility", "migrant",
              "Base utility of trying to cross today against waiting (daily logit)",
              "calibrated (2024, by hand): attempts and camp population", low=-10, high=5),
    ParamSpec("risk_aversion", 40.0, "utility", "migrant",
              "Weight of the perceived chance of dying at sea in the daily choice",
              "calibrated (2024, by hand): deaths do not stop crossings; assumption on magnitude",
              low=0, high=100),
    ParamSpec("return_aversion", 3.0, "utility", "migrant",
              "Weight of the perceived chance of being returned to France",
              "assumption: a return costs the journey and the price, not life", low=0, high=50),
    ParamSpec("stop_aversion", 0.8, "utility", "migrant",
              "Weight of the perceived chance of being stopped by French police",
              "assumption: a stop costs a retry, often discounted", low=0, high=20),
    ParamSpec("price_sensitivity", 0.25, "utility/1000 EUR", "migrant",
              "Weight of the price of a place, per 1000 euros",
              "assumption: prices of 1500-7000 EUR still sell", low=0, high=5),
    ParamSpec("leave_propensity", -6.5, "utility", "migrant",
              "Base utility of leaving the coast (giving up, moving elsewhere) against waiting",
              "calibrated (2024, by hand): camp turnover", low=-15, high=5),
    ParamSpec("leave_per_failure", 0.35, "utility", "migrant",
              "Added utility of leaving per failed attempt (stopped or returned)",
              "assumption: repeated failure wears people down", low=0, high=5),
    ParamSpec("leave_per_month_waiting", 0.25, "utility/month", "migrant",
              "Added utility of leaving per month spent on the coast",
              "assumption: long waits push people to move on within Europe", low=0, high=5),
    ParamSpec("belief_learning_rate", 0.05, "1/event", "migrant",
              "How far one observed event (a stop, a death, a return) moves a belief",
              "assumption: word of mouth within a camp", low=0, high=1),
    ParamSpec("own_experience_weight", 0.3, "1", "migrant",
              "How far a person's own stop or return moves their belief",
              "assumption: one's own failure weighs more than hearsay", low=0, high=1),
    ParamSpec("smuggler_reassurance", 0.3, "1", "migrant",
              "Share of bad news that smugglers' counter-messaging cancels",
              "assumption: smugglers advertise success and discount danger", low=0, high=1),
    ParamSpec("prior_stop_belief", 0.45, "probability", "migrant",
              "Chance of being stopped by French police that newcomers first believe",
              F + "france_share_of_attempts_stopped", low=0, high=1),
    ParamSpec("prior_death_belief", 0.005, "probability", "migrant",
              "Chance of dying at sea that newcomers first believe",
              "assumption: above the recorded 0.1-0.2% per attempt (deaths_in_channel)", low=0, high=1),
    # ------------------------------------------------------------------------------------- gang
    ParamSpec("n_gangs", 6, "gangs", "gang",
              "Smuggling networks sharing the coast between them",
              "assumption: a handful of networks control the launch beaches", kind="int", low=0, high=40),
    ParamSpec("boat_supply_per_day", 3.4, "boats/day", "gang",
              "Boats with engines delivered to the gangs along the coast per day",
              "calibrated (2024, by hand): about 700 boats landed (arrivals / people_per_boat_mean)",
              low=0, high=100),
    ParamSpec("initial_boat_stock", 30, "boats", "gang",
              "Boats held by all gangs together when the run starts",
              "assumption: about a week of supply", kind="int", low=0, high=10000),
    ParamSpec("price_eur", 3500.0, "EUR/person", "gang",
              "Standard price of a place in a boat",
              F + "price_per_person_eur_typical", low=0, high=20000),
    ParamSpec("repeat_discount", 0.55, "share", "gang",
              "Discount on the price for people who were stopped before",
              F + "price_per_person_eur_low (1500 against 3500)", low=0, high=1),
    ParamSpec("base_load", 18.0, "people/boat", "gang",
              "People a gang puts in a boat with no enforcement pressure and boats to spare",
              "calibrated (by hand): 13 a boat in 2020 (people_per_boat_mean) at weak enforcement",
              low=1, high=100),
    ParamSpec("max_load", 80.0, "people/boat", "gang",
              "Most people a gang will put in one dinghy",
              F + "people_in_one_boat (70 not unusual)", low=1, high=150),
    ParamSpec("load_enforcement_response", 3.9, "1", "gang",
              "How strongly loads rise with the chance a launch is stopped",
              "calibrated (2024, channelsim.calibration): 53 people a boat (people_per_boat_mean); "
              "90% interval 2.65-5.75", low=0, high=20),
    ParamSpec("load_scarcity_response", 0.8, "1", "gang",
              "How strongly loads rise when people waiting outnumber boats",
              "calibrated (2024, by hand): 53 people a boat (people_per_boat_mean)", low=0, high=10),
    ParamSpec("police_avoidance", 2.5, "1", "gang",
              "How strongly gangs shift launches away from beaches with more police",
              "assumption: displacement along the coast as reported", low=0, high=20),
    ParamSpec("weather_sensitivity", 0.5, "1/Beaufort", "gang",
              "Fall in launch propensity per Beaufort force above calm (force 2)",
              F + "red_day_definition (crossings cluster on calm days)", low=0, high=5),
    ParamSpec("boat_cost_eur", 12000.0, "EUR/boat", "gang",
              "Cost to a gang of one boat with engine",
              "assumption: dinghy and outboard bought through the supply chain", low=0, high=100000),
    # ---------------------------------------------------------------------------- french police
    ParamSpec("officers_per_day", 800.0, "officers", "french_police",
              "French officers patrolling the coast each day",
              F + "french_coast_patrol_officers_per_day", low=0, high=5000),
    ParamSpec("officers_per_unit", 20, "officers/unit", "french_police",
              "Officers in one patrol unit (the unit of allocation along the coast)",
              "assumption: a section of gendarmes or CRS", kind="int", low=1, high=200),
    ParamSpec("patrol_focus", 0.6, "share", "french_police",
              "Share of units sent where launches were recent (the rest spread evenly)",
              "assumption: intelligence-led patrolling", low=0, high=1),
    ParamSpec("stop_effectiveness", 0.103, "1/(officer/km)", "french_police",
              "Chance of stopping a launch per officer per km of coast watched at that point",
              "calibrated (2024, channelsim.calibration): 45% of attempts stopped "
              "(france_share_of_attempts_stopped); 90% interval 0.076-0.140", low=0, high=1),
    ParamSpec("seizure_on_stop", 0.7, "share", "french_police",
              "Chance the boat and engine are seized or destroyed when a launch is stopped",
              "assumption: boats slashed or seized on the beach", low=0, high=1),
    # ----------------------------------------------------------------------------- border force
    ParamSpec("bf_vessels", 4, "vessels", "border_force",
              "Border Force and partner vessels working the Strait on a day",
              "assumption: cutters and coastal patrol vessels on task", kind="int", low=0, high=50),
    ParamSpec("bf_capacity_per_trip", 100, "people/trip", "border_force",
              "People one vessel can take aboard before returning to Dover",
              "assumption: cutter deck capacity", kind="int", low=1, high=500),
    ParamSpec("bf_trip_hours", 3.0, "hours", "border_force",
              "Hours for one pick-up, landing at Dover and return to station",
              "assumption: about 20 nautical miles at 15 knots plus transfer", low=0.5, high=24),
    ParamSpec("bf_detection_per_hour", 0.7, "1/hour", "border_force",
              "Chance per hour that a boat in UK waters is found when a vessel is free",
              "assumption: radar, aircraft and coastguard coordination", low=0, high=1),
    # ------------------------------------------------------------------------------------- risk
    ParamSpec("dinghy_safe_capacity", 20, "people/boat", "risk",
              "People a small-boat dinghy is built to carry safely",
              F + "dinghy_safe_capacity", kind="int", low=1, high=200),
    ParamSpec("boat_speed_kmh", 6.0, "km/h", "risk",
              "Speed of an overloaded dinghy across the Strait",
              "assumption: 10-14 hours for 60-80 km crossings as reported", low=1, high=30),
    ParamSpec("distress_hazard_per_hour", 0.00005, "1/hour", "risk",
              "Hourly chance that a boat at its safe load in calm water gets into distress",
              "calibrated (2024, channelsim.calibration): 73-78 deaths (deaths_in_channel); "
              "90% interval 3.9e-5-6.6e-5", low=0, high=1),
    ParamSpec("overload_risk", 1.2, "1", "risk",
              "Growth of the distress hazard per safe-capacity of overloading (exponential)",
              "calibrated (2024, by hand): deaths rise as boats fill (deaths_in_channel)", low=0, high=10),
    ParamSpec("sea_state_risk", 0.35, "1/Beaufort", "risk",
              "Growth of the distress hazard per Beaufort force (exponential)",
              "assumption: rough water swamps dinghies", low=0, high=3),
    ParamSpec("death_share_in_distress", 0.12, "share", "risk",
              "Share of people aboard who die when a boat in distress is reached in time",
              "calibrated (2024, by hand): 73-78 deaths (deaths_in_channel)", low=0, high=1),
    ParamSpec("crush_risk_per_overload", 0.00006, "1/person", "risk",
              "Chance per person per safe-capacity of overloading of dying in the crush at launch",
              "calibrated (2024, by hand): deaths in the crush reported aboard overloaded boats",
              low=0, high=0.1),
    # ------------------------------------------------------------------------------------ pilot
    ParamSpec("pilot_enabled", False, "", "pilot",
              "The one-in-one-out pilot is part of the run (in force from pilot_start to pilot_end)",
              "assumption: off in the 2024 baseline; on in the pilot scenarios", kind="bool"),
    ParamSpec("pilot_start", dt.date(2025, 8, 4), "date", "pilot",
              "Date the one-in-one-out pilot comes into force", F + "pilot_in_force", kind="date"),
    ParamSpec("pilot_end", dt.date(2026, 6, 30), "date", "pilot",
              "Last day of the pilot", F + "pilot_end", kind="date"),
    ParamSpec("weekly_return_cap", 50, "people/week", "pilot",
              "Most people returned to France in one week",
              F + "pilot_returns_per_week_announced", kind="int", low=0, high=5000),
    ParamSpec("detention_places", 200, "people", "pilot",
              "Places in immigration detention for people awaiting return",
              "assumption: a share of the removal-centre estate set aside", kind="int",
              low=0, high=10000),
    ParamSpec("referral_days", 3, "days", "pilot",
              "Days from landing to the UK's referral of a detained person to France",
              F + "pilot_uk_referral_days", kind="int", low=0, high=60),
    ParamSpec("answer_days", 14, "days", "pilot",
              "Days France takes to answer a referral",
              F + "pilot_france_answer_days", kind="int", low=0, high=90),
    ParamSpec("admissions_per_return", 1.0, "admissions/return", "pilot",
              "People admitted through the legal route for each person returned",
              F + "pilot_exchange_ratio", low=0, high=10),
    ParamSpec("security_refusal_share", 0.1, "share", "pilot",
              "Share of legal-route candidates refused after security checks",
              "assumption: checks refuse a minority", low=0, high=1),
    ParamSpec("detention_rule", "returnees_first", "", "pilot",
              "Who is detained among recent arrivals: at random, or returnees who crossed again first",
              "assumption: pilot as announced", kind="choice",
              choices=("random", "returnees_first")),
    ParamSpec("legal_route_appeal", -6.0, "utility", "pilot",
              "Base utility of applying to the legal route against waiting, while eligible "
              "(the pull of the UK times the perceived chance of admission is added)",
              "assumption: few apply while admission looks unlikely", low=-15, high=10),
    ParamSpec("news_weight", 0.5, "1", "pilot",
              "How strongly news of a policy moves beliefs beyond what camps observe",
              "assumption: announcements are heard but discounted", low=0, high=1),
    # ----------------------------------------------------------------------------------- levers
    ParamSpec("sea_interceptions", False, "", "levers",
              "French forces intercept boats at sea within the inshore band",
              "assumption: off in 2024; announced for 2025", kind="bool"),
    ParamSpec("sea_interception_rate", 0.3, "share", "levers",
              "Chance a boat in the inshore band is intercepted when interceptions are on",
              "assumption: few boats can be caught in the water", low=0, high=1),
    ParamSpec("interception_death_risk", 0.004, "1/person", "levers",
              "Chance per person of dying in an interception at sea",
              "assumption: interventions on overloaded boats are dangerous", low=0, high=0.2),
    ParamSpec("working_crackdown", 0.0, "share", "levers",
              "Fall in the UK's pull from the crackdown on illegal working",
              "assumption: policy lever, 0 in 2024", low=0, high=1),
    ParamSpec("gang_disruption", 0.0, "share", "levers",
              "Share of the boat supply cut by seizures and arrests upstream",
              "assumption: policy lever, 0 in 2024 (boats_or_engines_seized counted in supply)",
              low=0, high=1),
    ParamSpec("extra_safe_route_per_week", 0.0, "people/week", "levers",
              "Admissions through safe routes not tied to returns",
              "assumption: policy lever, 0 in 2024", low=0, high=5000),
    # ------------------------------------------------------- demand process (channelsim.drivers)
    ParamSpec("demand_volatility", 0.0, "1 (log scale)", "migrant",
              "Standard deviation of the random log-multiplier on the inflow (0 = no randomness "
              "of demand beyond daily Poisson noise)",
              "assumption: 0 keeps the calibrated 2024 scenarios' numbers; calibrated (history): "
              "0.6 in history_2018_2025 (85% of months inside the 90% band; backtest CRPS lower "
              "than with 0.3)",
              low=0, high=2),
    ParamSpec("demand_memory_days", 60.0, "days", "migrant",
              "E-folding time of the random log-multiplier on the inflow (AR(1) persistence "
              "exp(-1/days); long memory approaches a random walk)",
              "assumption: surges and lulls of arrivals last weeks to months (Zens and Bijak, "
              "arXiv:2508.18716: weekly log-intensity close to a random walk)", low=1, high=3650),
)

_BY_NAME: dict[str, ParamSpec] = {s.name: s for s in REGISTRY}


def spec(name: str) -> ParamSpec:
    """The registry entry of ``name``; raises :class:`ParameterError` for unknown names."""
    try:
        return _BY_NAME[name]
    except KeyError:
        raise ParameterError(_unknown(name)) from None


def _unknown(name: str) -> str:
    import difflib

    close = difflib.get_close_matches(name, list(_BY_NAME), n=1)
    hint = f" (did you mean {close[0]!r}?)" if close else ""
    return f"unknown parameter {name!r}{hint}"


def _field(s: ParamSpec) -> tuple[Any, Any]:
    py = {"float": float, "int": int, "bool": bool, "date": dt.date, "choice": str}[s.kind]
    return (py, Field(default=s.default, description=s.description))


class _Base(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, validate_default=True, strict=False)

    @field_validator("*", mode="before")
    @classmethod
    def _check(cls, value: Any, info) -> Any:  # noqa: ANN001 - pydantic's ValidationInfo
        s = _BY_NAME[info.field_name]
        return _coerce(s, value)


def parse_date(value: Any) -> dt.date | None:
    """``value`` as a date (from a date, datetime, Timestamp or ``"YYYY-MM-DD"``), else None."""
    if value is pd.NaT:
        return None
    if isinstance(value, dt.datetime):  # also pandas.Timestamp
        return value.date()
    if isinstance(value, dt.date):
        return value
    if isinstance(value, str):
        try:
            return dt.date.fromisoformat(value)
        except ValueError:
            return None
    return None


def check_value(name: str, value: Any) -> Any:
    """Validate one value of parameter ``name`` alone (bounds, type), returning it typed."""
    return _coerce(spec(name), value)


def _coerce(s: ParamSpec, value: Any) -> Any:
    """Check ``value`` against ``s`` and return it in the parameter's type."""
    bad = f"{s.name}={value!r} is invalid: expected {s.expected()}"
    if getattr(value, "ndim", 0):  # a numpy array or similar: one value was expected
        raise ParameterError(bad)
    if s.kind == "bool":
        if isinstance(value, (bool,)) or (hasattr(value, "dtype") and value.dtype == bool):
            return bool(value)
        if isinstance(value, str) and value.lower() in ("true", "false"):
            return value.lower() == "true"
        raise ParameterError(bad)
    if s.kind == "date":
        date = parse_date(value)
        if date is None:
            raise ParameterError(bad)
        return date
    if s.kind == "choice":
        if isinstance(value, str) and value in s.choices:
            return value
        raise ParameterError(bad)
    # numbers
    if isinstance(value, bool) or not isinstance(value, (int, float)) and not hasattr(value, "__float__"):
        raise ParameterError(bad)
    if isinstance(value, str):
        raise ParameterError(bad)
    x = float(value)
    if not math.isfinite(x):
        raise ParameterError(f"{s.name}={value!r} is not finite: expected {s.expected()}")
    if s.kind == "int":
        if not x.is_integer():
            raise ParameterError(f"{s.name}={value!r} is not an integer: expected {s.expected()}")
    if (s.low is not None and x < s.low) or (s.high is not None and x > s.high):
        raise ParameterError(f"{s.name}={value!r} is out of range: expected {s.expected()}")
    return int(x) if s.kind == "int" else x


_Model = create_model("_ParamsFields", __base__=_Base, **{s.name: _field(s) for s in REGISTRY})


class Params(_Model):  # type: ignore[misc, valid-type]
    """Validated, immutable model parameters; every field is declared in :data:`REGISTRY`.

    ``Params(**overrides)`` starts from the defaults. Unknown names and invalid values raise
    :class:`ParameterError` naming the parameter, the value and what was expected.
    """

    def __init__(self, **overrides: Any) -> None:
        for name in overrides:
            if name not in _BY_NAME:
                raise ParameterError(_unknown(name))
        try:
            super().__init__(**overrides)
        except ValidationError as err:
            first = err.errors()[0]
            original = first.get("ctx", {}).get("error")
            if isinstance(original, ParameterError):
                raise original from None
            raise ParameterError(f"{first['loc'][0]}: {first['msg']}") from None
        if self.pilot_end < self.pilot_start:
            raise ParameterError(
                f"pilot_end={self.pilot_end} is before pilot_start={self.pilot_start}: "
                "expected an end on or after the start")

    def replace(self, **overrides: Any) -> "Params":
        """A copy with ``overrides`` applied (and validated)."""
        return Params(**{**self.as_dict(), **overrides})

    def as_dict(self) -> dict[str, Any]:
        """The values as a plain dict, in registry order."""
        return {s.name: getattr(self, s.name) for s in REGISTRY}

    def changed(self) -> dict[str, Any]:
        """Only the values that differ from the defaults."""
        return {k: v for k, v in self.as_dict().items() if v != _BY_NAME[k].default}


def groups() -> Iterable[tuple[str, str, list[ParamSpec]]]:
    """``(group, title, specs)`` in display order."""
    for g, title in GROUPS.items():
        yield g, title, [s for s in REGISTRY if s.group == g]


def parameter_table() -> pd.DataFrame:
    """The registry as a table (one row per parameter), used by the documentation."""
    rows = []
    for s in REGISTRY:
        if s.kind in ("float", "int"):
            rng = f"{_fmt(s.low)} – {_fmt(s.high)}"
        elif s.kind == "choice":
            rng = ", ".join(s.choices)
        else:
            rng = s.kind
        rows.append({"name": s.name, "group": GROUPS[s.group], "default": s.default,
                     "range": rng, "unit": s.unit, "description": s.description,
                     "source": s.source})
    return pd.DataFrame(rows)
