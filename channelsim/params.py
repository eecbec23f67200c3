"""The parameter registry: the single source of truth for every model parameter.

Each parameter is declared once, in :data:`REGISTRY`, with its default, bounds, unit, group,
a short label, a one-line description and a source (a row of
``channelsim/data/channel_facts.csv``, or the calibration that set it). Validation
(:class:`Params`, a pydantic model whose fields carry the registry's constraints), the
dashboard's controls, the sweeps' bounds and the documentation's parameter table are all derived
from this list.

>>> p = Params(officers_per_day=1200)
>>> p.officers_per_day
1200.0
>>> Params(officers_per_day=-5)
Traceback (most recent call last):
...
channelsim.checks.ParameterError: officers_per_day=-5 is out of range: expected a number between 0 and 5000 (officers)

Values are taken strictly: a number parameter takes an ``int`` or ``float`` (numpy scalars
too), never a bool or a string; an integer parameter takes a whole ``int`` only, so
``n_gangs=3.0`` is refused rather than silently truncated or accepted; a switch takes ``True``
or ``False`` only (not ``1`` nor ``"TRUE"``); a date takes a date, a datetime or
``"YYYY-MM-DD"``; a choice takes one of its listed strings.
"""

from __future__ import annotations

import datetime as dt
import math
from dataclasses import dataclass
from typing import Annotated, Any, Iterable, Literal, Mapping

import numpy as np
import pandas as pd
from pydantic import (BaseModel, BeforeValidator, ConfigDict, Field, TypeAdapter, ValidationError,
                      create_model, model_validator)

from .checks import FIRST_DATE, LAST_DATE, CalendarDate, ParameterError, parse_date

__all__ = ["ParamSpec", "REGISTRY", "GROUPS", "Params", "ParameterError", "spec", "parameter_table",
           "check_value", "parse_date"]


@dataclass(frozen=True)
class ParamSpec:
    """One registry entry.

    ``label`` is the short human name shown next to a control ("Officers on the coast per
    day"); ``unit`` is a physical unit, or ``"share"``, ``"ratio"``, ``"probability"``,
    ``"utility"`` or ``""`` for dimensionless numbers. ``kind`` is ``"float"``, ``"int"``,
    ``"bool"``, ``"date"`` or ``"choice"``. Numbers carry inclusive bounds ``low``/``high``;
    choices carry ``choices``. ``source`` is either the name of a row in the facts table
    (``fact:<name>``), the calibration that set it (``"calibrated (2024,
    channelsim.calibration): <target>"`` for values fitted by
    :func:`channelsim.calibration.calibrate`, ``"calibrated (2024, by hand): <target>"`` for
    values tuned by hand against the record) or ``"assumption: <why>"``.
    """

    name: str
    label: str
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
            unit = f" ({self.unit})" if self.unit else ""
            return f"{what} between {_fmt(self.low)} and {_fmt(self.high)}{unit}"
        if self.kind == "bool":
            return "true or false"
        if self.kind == "date":
            return f"a date (YYYY-MM-DD) between {FIRST_DATE} and {LAST_DATE}"
        return "one of " + ", ".join(repr(c) for c in self.choices)

    def title(self) -> str:
        """The label with its unit, as a control shows it: "Officers on the coast per day
        (officers)"; dimensionless numbers, switches, dates and choices show the label alone."""
        show_unit = self.kind in ("float", "int") and self.unit
        return f"{self.label} ({self.unit})" if show_unit else self.label


def _fmt(x: float | None) -> str:
    if x is None:
        return "?"
    return str(int(x)) if float(x).is_integer() else f"{x:g}"


#: Parameter groups, in display order: group name -> title shown by the dashboard and the
#: documentation.
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

#: Every model parameter, with its default, unit, group, bounds and source or calibration.
REGISTRY: tuple[ParamSpec, ...] = (
    # ----------------------------------------------------------------------------------- weather
    ParamSpec("beaufort7_days_per_year", "Stormy days a year (Beaufort 7+)",
              120.0, "days/year", "weather",
              "Expected days a year with wind of Beaufort 7 or more (no launches on those days)",
              F + "days_wind_beaufort7_or_more", low=0, high=365),
    ParamSpec("weather_seasonal_amplitude", "Winter-summer wind difference",
              1.3, "Beaufort", "weather",
              "Half the difference between the mean winter and summer wind force",
              "assumption: Dover Strait climatology, winter gales and summer calms", low=0, high=4),
    ParamSpec("weather_persistence", "Persistence of the weather", 0.65, "", "weather",
              "Day-to-day autocorrelation of the wind force (calm and stormy spells)",
              "assumption: synoptic weather systems last 2-4 days", low=0, high=0.98),
    ParamSpec("weather_variability", "Day-to-day wind variability", 1.6, "Beaufort", "weather",
              "Standard deviation of the daily wind force about its seasonal mean",
              "assumption: spread of daily mean wind in the Dover Strait", low=0.1, high=4),
    # ---------------------------------------------------------------------------------- migrant
    ParamSpec("inflow_per_year", "People reaching the coast per year",
              44600.0, "people/year", "migrant",
              "People arriving on the French coast intending to cross, per year",
              "calibrated (2024, channelsim.calibration): 36,816 arrivals (people_arriving_small_boat); "
              "90% interval 37,600-53,000", low=0, high=200000),
    ParamSpec("inflow_seasonality", "Seasonality of arrivals on the coast",
              0.45, "ratio", "migrant",
              "Relative amplitude of the seasonal inflow (0 = flat; peak in late summer)",
              "calibrated (2024, by hand): arrivals concentrated from May to October", low=0, high=0.95),
    ParamSpec("initial_camp_population", "People on the coast at the start",
              2000, "people", "migrant",
              "People waiting on the French coast when the run starts",
              F + "camp_population_loon_plage", kind="int", low=0, high=50000),
    ParamSpec("uk_pull", "Pull of the UK", 1.0, "utility", "migrant",
              "Mean pull of the UK (work, family, language) as a utility weight",
              "assumption: normalising unit of the choice model", low=0, high=5),
    ParamSpec("uk_pull_spread", "Spread of the UK's pull between people", 0.3, "ratio", "migrant",
              "Coefficient of variation of the UK's pull between people (lognormal)",
              "assumption: family ties and work prospects differ", low=0, high=3),
    ParamSpec("crossing_propensity", "Readiness to try a crossing", -2.2, "utility", "migrant",
              "Base utility of trying to cross today against waiting (daily logit)",
              "calibrated (2024, by hand): attempts and camp population", low=-10, high=5),
    ParamSpec("risk_aversion", "Weight of the risk of dying", 40.0, "utility", "migrant",
              "Weight of the perceived chance of dying at sea in the daily choice",
              "calibrated (2024, by hand): deaths do not stop crossings; assumption on magnitude",
              low=0, high=100),
    ParamSpec("return_aversion", "Weight of the risk of return", 3.0, "utility", "migrant",
              "Weight of the perceived chance of being returned to France",
              "assumption: a return costs the journey and the price, not life", low=0, high=50),
    ParamSpec("stop_aversion", "Weight of the risk of a police stop", 0.8, "utility", "migrant",
              "Weight of the perceived chance of being stopped by French police",
              "assumption: a stop costs a retry, often discounted", low=0, high=20),
    ParamSpec("price_sensitivity", "Weight of the price", 0.25, "utility/1000 EUR", "migrant",
              "Weight of the price of a place, per 1000 euros",
              "assumption: prices of 1500-7000 EUR still sell", low=0, high=5),
    ParamSpec("leave_propensity", "Readiness to leave the coast", -6.5, "utility", "migrant",
              "Base utility of leaving the coast (giving up, moving elsewhere) against waiting",
              "calibrated (2024, by hand): camp turnover", low=-15, high=5),
    ParamSpec("leave_per_failure", "Push to leave after each failure", 0.35, "utility", "migrant",
              "Added utility of leaving per failed attempt (stopped or returned)",
              "assumption: repeated failure wears people down", low=0, high=5),
    ParamSpec("leave_per_month_waiting", "Push to leave per month of waiting",
              0.25, "utility/month", "migrant",
              "Added utility of leaving per month spent on the coast",
              "assumption: long waits push people to move on within Europe", low=0, high=5),
    ParamSpec("belief_learning_rate", "Learning from camp news", 0.05, "share/event", "migrant",
              "How far one observed event (a stop, a death, a return) moves a belief",
              "assumption: word of mouth within a camp", low=0, high=1),
    ParamSpec("own_experience_weight", "Weight of one's own experience", 0.3, "share", "migrant",
              "How far a person's own stop or return moves their belief",
              "assumption: one's own failure weighs more than hearsay", low=0, high=1),
    ParamSpec("smuggler_reassurance", "Smugglers' reassurance", 0.3, "share", "migrant",
              "Share of bad news that smugglers' counter-messaging cancels",
              "assumption: smugglers advertise success and discount danger", low=0, high=1),
    ParamSpec("prior_stop_belief", "Newcomers' belief in a police stop",
              0.45, "probability", "migrant",
              "Chance of being stopped by French police that newcomers first believe",
              F + "france_share_of_attempts_stopped", low=0, high=1),
    ParamSpec("prior_death_belief", "Newcomers' belief in dying at sea",
              0.005, "probability", "migrant",
              "Chance of dying at sea that newcomers first believe",
              "assumption: above the recorded 0.1-0.2% per attempt (deaths_in_channel)", low=0, high=1),
    # ------------------------------------------------------------------------------------- gang
    ParamSpec("n_gangs", "Smuggling gangs", 6, "gangs", "gang",
              "Smuggling networks sharing the coast between them",
              "assumption: a handful of networks control the launch beaches", kind="int", low=0, high=40),
    ParamSpec("boat_supply_per_day", "Boats delivered per day", 3.4, "boats/day", "gang",
              "Boats with engines delivered to the gangs along the coast per day",
              "calibrated (2024, by hand): about 700 boats landed (arrivals / people_per_boat_mean)",
              low=0, high=100),
    ParamSpec("initial_boat_stock", "Boats in stock at the start", 30, "boats", "gang",
              "Boats held by all gangs together when the run starts",
              "assumption: about a week of supply", kind="int", low=0, high=10000),
    ParamSpec("price_eur", "Price of a place", 3500.0, "EUR/person", "gang",
              "Standard price of a place in a boat",
              F + "price_per_person_eur_typical", low=0, high=20000),
    ParamSpec("repeat_discount", "Discount for people stopped before", 0.55, "share", "gang",
              "Discount on the price for people who were stopped before",
              F + "price_per_person_eur_low (1500 against 3500)", low=0, high=1),
    ParamSpec("base_load", "People per boat without pressure", 40.0, "people/boat", "gang",
              "People a gang puts in a boat when it risks nothing by launching and has boats to spare",
              "calibrated (2024, by hand): 53 people a boat (people_per_boat_mean) with the loading "
              "rule of decisions.gang_load",
              low=1, high=100),
    ParamSpec("max_load", "Physical ceiling of a boat's load", 112.0, "people/boat", "gang",
              "Most people one dinghy can physically carry: no boat ever leaves with more",
              F + "largest_boatload_2024 (112 aboard at Wimereux, April 2024)", low=1, high=150),
    ParamSpec("load_enforcement_response", "Loads' response to losing boats", 1.5, "",
              "gang",
              "How strongly a gang's target load rises with the chance that a launch loses the boat "
              "(seized on the beach or intercepted at sea)",
              "calibrated (2024, by hand): 53 people a boat (people_per_boat_mean)", low=0, high=20),
    ParamSpec("load_scarcity_response", "Loads' response to scarce boats", 0.5, "", "gang",
              "Share of the people paid beyond the target load per boat in stock that a gang packs "
              "on top of the target",
              "calibrated (2024, by hand): 53 people a boat (people_per_boat_mean)", low=0, high=10),
    ParamSpec("taxi_boats_from", "Taxi boats used from", dt.date(2022, 9, 1), "date", "gang",
              "First day gangs may launch taxi boats from waterways (beach launches only before)",
              F + "taxi_boat_method_first_seen (autumn 2022)", kind="date"),
    ParamSpec("taxi_capacity", "Most people boarding a taxi boat", 80.0, "people/boat", "gang",
              "Most people who can board a taxi boat from the water off a beach",
              F + "people_waiting_in_water_for_taxi_boat_observed (80 at Wissant)", low=1, high=150),
    ParamSpec("taxi_slots_per_waterway", "Taxi launches a waterway allows a night", 0.5, "boats/night",
              "gang",
              "Mean number of taxi boats that can be put in on one waterway in one night (boats "
              "hidden, a pilot, a quiet stretch of bank; a Poisson number each night)",
              "calibrated (2024, by hand): 45% of attempts stopped (france_share_of_attempts_stopped) "
              "with taxi boats succeeding 81-85% and beach launches 58% (taxi_boat_success_rate, "
              "beach_boarding_success_rate); 22 taxi events on the Pas-de-Calais waterways in 8 months "
              "of 2023 (taxi_boat_events_on_pas_de_calais_waterways)", low=0, high=100),
    ParamSpec("taxi_launch_cost_eur", "Extra cost of a taxi launch", 2500.0, "EUR/launch", "gang",
              "What a taxi launch costs a gang beyond a beach launch (moving the boat to a waterway, "
              "a pilot, fuel)",
              "assumption: a few thousand euros, less than a boat (boat_cost_eur)", low=0, high=50000),
    ParamSpec("taxi_gathering_stop_factor", "Beach police reach over taxi gatherings", 0.22, "share",
              "gang",
              "Share of a beach's stop chance that applies to each person gathering for a taxi boat "
              "(police can stop people on the beach, not the boat at sea)",
              "calibrated (2024, by hand): taxi boats succeed 81-85% against 58% for beach launches "
              "(taxi_boat_success_rate, beach_boarding_success_rate)", low=0, high=1),
    ParamSpec("mode_choice_sharpness", "Sharpness of the choice of launch mode", 0.05,
              "1/(1000 EUR)", "gang",
              "How sharply gangs prefer the launch mode with the better expected return per launch "
              "(logit weight per 1000 euros)",
              "assumption: gangs follow returns, but each network keeps its habits and contacts",
              low=0, high=10),
    ParamSpec("price_scarcity_response", "Price response to scarce boats", 0.5, "", "gang",
              "How far the price of a place rises when the people booked outnumber the places in "
              "the gangs' boats (at most 1 + this, as a multiple of price_eur)",
              "assumption: smugglers charge more when boats are scarce", low=0, high=5),
    ParamSpec("police_avoidance", "Gangs' avoidance of police", 2.5, "", "gang",
              "How strongly gangs shift launches away from beaches with more police",
              "assumption: displacement along the coast as reported", low=0, high=20),
    ParamSpec("weather_sensitivity", "Gangs' sensitivity to wind", 0.5, "1/Beaufort", "gang",
              "Fall in launch propensity per Beaufort force above calm (force 2)",
              F + "red_day_definition (crossings cluster on calm days)", low=0, high=5),
    ParamSpec("boat_cost_eur", "Cost of a boat", 12000.0, "EUR/boat", "gang",
              "Cost to a gang of one boat with engine",
              "assumption: dinghy and outboard bought through the supply chain", low=0, high=100000),
    # ---------------------------------------------------------------------------- french police
    ParamSpec("officers_per_day", "Officers on the coast per day",
              800.0, "officers", "french_police",
              "French officers patrolling the coast each day",
              F + "french_coast_patrol_officers_per_day", low=0, high=5000),
    ParamSpec("officers_per_unit", "Officers per patrol unit", 20, "officers/unit", "french_police",
              "Officers in one patrol unit (the unit of allocation along the coast)",
              "assumption: a section of gendarmes or CRS", kind="int", low=1, high=200),
    ParamSpec("patrol_focus", "Patrols sent to recent launches", 0.6, "share", "french_police",
              "Share of units sent where launches were recent (the rest spread evenly)",
              "assumption: intelligence-led patrolling", low=0, high=1),
    ParamSpec("stop_effectiveness", "Effectiveness of a beach patrol",
              0.103, "1/(officer/km)", "french_police",
              "Chance of stopping a launch per officer per km of coast watched at that point",
              "calibrated (2024, channelsim.calibration): 45% of attempts stopped "
              "(france_share_of_attempts_stopped); 90% interval 0.076-0.140", low=0, high=1),
    ParamSpec("seizure_on_stop", "Boats seized when a launch is stopped",
              0.7, "share", "french_police",
              "Chance the boat and engine are seized or destroyed when a launch is stopped",
              "assumption: boats slashed or seized on the beach", low=0, high=1),
    # ----------------------------------------------------------------------------- border force
    ParamSpec("bf_vessels", "Border Force vessels on task", 4, "vessels", "border_force",
              "Border Force and partner vessels working the Strait on a day",
              "assumption: cutters and coastal patrol vessels on task", kind="int", low=0, high=50),
    ParamSpec("bf_capacity_per_trip", "People a vessel takes per trip",
              100, "people/trip", "border_force",
              "People one vessel can take aboard before returning to Dover",
              "assumption: cutter deck capacity", kind="int", low=1, high=500),
    ParamSpec("bf_trip_hours", "Hours per Border Force trip", 3.0, "hours", "border_force",
              "Hours for one pick-up, landing at Dover and return to station",
              "assumption: about 20 nautical miles at 15 knots plus transfer", low=0.5, high=24),
    ParamSpec("bf_detection_per_hour", "Chance per hour of finding a boat",
              0.7, "1/hour", "border_force",
              "Chance per hour that a boat in UK waters is found when a vessel is free",
              "assumption: radar, aircraft and coastguard coordination", low=0, high=1),
    # ------------------------------------------------------------------------------------- risk
    ParamSpec("dinghy_safe_capacity", "Safe load of a dinghy", 20, "people/boat", "risk",
              "People a small-boat dinghy is built to carry safely",
              F + "dinghy_safe_capacity", kind="int", low=1, high=200),
    ParamSpec("boat_speed_kmh", "Speed of a dinghy", 6.0, "km/h", "risk",
              "Speed of an overloaded dinghy across the Strait",
              "assumption: 10-14 hours for 60-80 km crossings as reported", low=1, high=30),
    ParamSpec("distress_hazard_per_hour", "Hourly risk of distress", 0.000028, "1/hour", "risk",
              "Hourly chance that a boat at its safe load in calm water gets into distress",
              "calibrated (2024, by hand, with taxi boats and the loads of decisions.gang_load): "
              "73-78 deaths (deaths_in_channel)", low=0, high=1),
    ParamSpec("overload_risk", "Added risk from overloading", 1.2, "", "risk",
              "Growth of the distress hazard per safe-capacity of overloading (exponential)",
              "calibrated (2024, by hand): deaths rise as boats fill (deaths_in_channel)", low=0, high=10),
    ParamSpec("sea_state_risk", "Added risk from rough sea", 0.35, "1/Beaufort", "risk",
              "Growth of the distress hazard per Beaufort force (exponential)",
              "assumption: rough water swamps dinghies", low=0, high=3),
    ParamSpec("death_share_in_distress", "Deaths among people in distress", 0.12, "share", "risk",
              "Share of people aboard who die when a boat in distress is reached in time",
              "calibrated (2024, by hand): 73-78 deaths (deaths_in_channel)", low=0, high=1),
    ParamSpec("crush_risk_per_overload", "Risk of dying in the crush", 0.00006, "1/person", "risk",
              "Chance per person per safe-capacity of overloading of dying in the crush at launch",
              "calibrated (2024, by hand): deaths in the crush reported aboard overloaded boats",
              low=0, high=0.1),
    ParamSpec("boarding_drowning_risk", "Risk of drowning while boarding a taxi boat",
              0.001, "1/person", "risk",
              "Chance per person wading out to a taxi boat of drowning while boarding",
              "calibrated (2024, by hand): 73-78 deaths (deaths_in_channel), most by drowning "
              "(deaths_by_cause_iom_partial)", low=0, high=0.2),
    # ------------------------------------------------------------------------------------ pilot
    ParamSpec("weekly_return_cap", "Most returns per week", 50, "people/week", "pilot",
              "Most people returned to France in one week (a ceiling: the pipeline sets the pace)",
              F + "pilot_returns_per_week_announced", kind="int", low=0, high=5000),
    ParamSpec("pilot_returnable_share", "Returnable among people landing", 0.5, "share", "pilot",
              "Share of people landing who make no asylum claim or an inadmissible one (returnable)",
              F + "pilot_returnable (the share is an assumption: most claims are made, few "
              "are found inadmissible at once)", low=0, high=1),
    ParamSpec("pilot_selection_share", "UK's selection of returnable people", 0.1, "share", "pilot",
              "Share of returnable people landing whom the UK selects for detention under the pilot "
              "(returnees landing again are always selected)",
              "calibrated (2025, by hand): detention under the pilot full within weeks of its start",
              low=0, high=1),
    ParamSpec("detention_places", "Detention places", 200, "people", "pilot",
              "Places in immigration detention for people awaiting return",
              "assumption: a share of the removal-centre estate set aside", kind="int",
              low=0, high=10000),
    ParamSpec("referral_days", "Days to refer to France", 3, "days", "pilot",
              "Days from landing to the UK's referral of a detained person to France (target 3, "
              "at most 14)", F + "pilot_uk_referral_days (at most 14: pilot_readmission_request_deadline)",
              kind="int", low=0, high=14),
    ParamSpec("answer_days", "Days for France to answer", 14, "days", "pilot",
              "Days France takes to answer a referral (at most 14)",
              F + "pilot_france_answer_days", kind="int", low=0, high=14),
    ParamSpec("france_refusal_share", "France refuses a referral", 0.1, "share", "pilot",
              "Share of referrals France refuses (the person is released in the UK)",
              "assumption: France accepts most referrals of people who transited its coast",
              low=0, high=1),
    ParamSpec("challenges_from", "Legal challenges from", dt.date(2025, 9, 16), "date", "pilot",
              "First day a legal challenge can delay a removal",
              F + "pilot_first_injunction_against_removal", kind="date"),
    ParamSpec("challenge_share", "Cases challenged in court", 0.25, "share", "pilot",
              "Share of accepted cases whose removal is challenged in court (trafficking, "
              "human-rights claims)",
              "assumption: injunctions were reported from the first weeks of removals", low=0, high=1),
    ParamSpec("challenge_days", "Days a challenge delays removal", 21, "days", "pilot",
              "Days a legal challenge holds a removal before the court decides",
              "assumption: first injunction 16 Sep 2025, appeal refused 23 Sep (a week); "
              "full hearings take weeks", kind="int", low=0, high=180),
    ParamSpec("challenge_success_share", "Challenges that stop removal", 0.3, "share", "pilot",
              "Share of legal challenges that stop the removal (the person is released in the UK)",
              "assumption: some injunctions held, others were lifted", low=0, high=1),
    ParamSpec("first_removal_days", "Days to the first removal flight", 45, "days", "pilot",
              "Days from the pilot's start to the first day people can be flown back to France",
              F + "pilot_first_return (18 Sep 2025, 45 days after pilot_in_force)", kind="int",
              low=0, high=365),
    ParamSpec("removal_seats_per_week", "Seats on removal flights per week", 13, "people/week",
              "pilot", "Seats a week on scheduled flights to France for people being returned",
              "calibrated (2025, by hand): 113 returned by mid-November 2025 on 13 flights "
              "(pilot_returns_admissions_cumulative)", kind="int", low=0, high=5000),
    ParamSpec("detention_limit_days", "Longest wait for removal", 90, "days", "pilot",
              "Days from landing after which a person not yet returned is released in the UK",
              F + "pilot_return_process_maximum", kind="int", low=1, high=365),
    ParamSpec("returnee_coast_share", "Returnees back on the coast", 0.7, "share", "pilot",
              "Share of people returned (released in Paris) who go back to the coast",
              "assumption: returnees were reported back on the coast and crossing again; "
              "others stay inland", low=0, high=1),
    ParamSpec("returnee_days_to_coast", "Days before a returnee is back on the coast", 14, "days",
              "pilot", "Days from release in Paris to being back in a camp on the coast",
              "assumption: released in Paris (pilot_first_return: flights to Paris); the journey "
              "north and finding a gang again", kind="int", low=0, high=180),
    ParamSpec("admissions_per_return", "Admissions per return", 1.0, "admissions/return", "pilot",
              "People admitted through the legal route for each person returned",
              F + "pilot_exchange_ratio", low=0, high=10),
    ParamSpec("parity_lag_days", "Days admissions follow returns", 10, "days", "pilot",
              "Admissions match the returns made at least this many days before (never on the day "
              "of the matched return)",
              "calibrated (2025, by hand): 84 admitted against 113 returned by mid-November 2025",
              kind="int", low=1, high=180),
    ParamSpec("parity_lead", "Admissions allowed ahead of parity", 0, "people", "pilot",
              "How many people the route may admit beyond returns times the ratio",
              "assumption: the agreement balances admissions against returns", kind="int",
              low=0, high=5000),
    ParamSpec("route_priority_share", "Applicants of priority nationalities", 0.5, "share",
              "pilot", "Share of applicants whose nationality has a UK grant rate above 80% "
              "(the route's priority; the others are not taken forward)",
              F + "legal_route_priority_grant_rate_threshold (the share is an assumption)",
              low=0, high=1),
    ParamSpec("security_check_days", "Days of security checks", 35, "days", "pilot",
              "Days from an expression of interest to the end of eligibility and security checks",
              "calibrated (2025, by hand): first admissions 24 Sep 2025, seven weeks after the "
              "route opened (pilot_first_legal_route_arrivals)", kind="int", low=0, high=365),
    ParamSpec("security_refusal_share", "Refused after security checks", 0.1, "share", "pilot",
              "Share of legal-route candidates refused after security checks",
              "assumption: checks refuse a minority", low=0, high=1),
    ParamSpec("applicant_stop_trying_share", "Applicants who stop trying to cross", 0.5, "share",
              "pilot", "Share of applicants who stop trying to cross while they wait for an answer "
              "(the others may still cross, which makes them ineligible)",
              "assumption: plausible range 0.2-0.9; applicants lose their chance by crossing",
              low=0, high=1),
    ParamSpec("detention_rule", "Who is detained", "returnees_first", "", "pilot",
              "Who is detained among recent arrivals: at random, or returnees who crossed again first",
              "assumption: returnees are identified by their fingerprints", kind="choice",
              choices=("random", "returnees_first")),
    ParamSpec("legal_route_appeal", "Appeal of the legal route", -6.0, "utility", "pilot",
              "Base utility of applying to the legal route against waiting, while eligible "
              "(the pull of the UK times the perceived chance of admission is added)",
              "assumption: few apply while admission looks unlikely", low=-15, high=10),
    ParamSpec("news_weight", "Weight of policy news", 0.5, "share", "pilot",
              "How strongly news of a policy moves beliefs beyond what camps observe",
              "assumption: announcements are heard but discounted", low=0, high=1),
    ParamSpec("channel_return_news", "Returns heard of in the camps", True, "", "pilot",
              "Returns reach the camps' beliefs (off: nobody learns of them; for measuring the "
              "deterrence by returns)", "assumption: on; a switch for the decomposition", kind="bool"),
    ParamSpec("channel_removal", "Returned people leave the UK", True, "", "pilot",
              "People returned are flown to France (off: they stay in the UK, though their return "
              "is heard of; for measuring removal)", "assumption: on; a switch for the decomposition",
              kind="bool"),
    ParamSpec("channel_diversion", "Applicants stop trying to cross", True, "", "pilot",
              "Applicants to the legal route who stop trying to cross while they wait do so (off: "
              "every applicant keeps trying; for measuring diversion)",
              "assumption: on; a switch for the decomposition", kind="bool"),
    ParamSpec("channel_announcement", "The pilot is announced", True, "", "pilot",
              "The pilot's announcement moves beliefs (off: camps learn only from what happens)",
              "assumption: on; a switch for the decomposition", kind="bool"),
    # ----------------------------------------------------------------------------------- levers
    ParamSpec("sea_interceptions", "France's maritime doctrine", False, "", "levers",
              "French forces intercept boats at sea in the inshore band all run (the dated "
              "maritime_doctrine policy sets a start)",
              F + "first_taxi_boat_interception_at_sea (off in 2024; first interception 17 January 2026)",
              kind="bool"),
    ParamSpec("sea_interception_target", "Boats the doctrine targets", "taxi", "", "levers",
              "Which boats French forces intercept at sea: empty taxi boats in the inshore band "
              "before anyone boards, loaded boats, or both",
              F + "maritime_interception_framework_signed (boats stopped only before anyone boards)",
              kind="choice", choices=("taxi", "loaded", "both")),
    ParamSpec("sea_interception_rate", "Chance of an interception at sea", 0.3, "share", "levers",
              "Chance a targeted boat in the inshore band is intercepted while the doctrine is in force",
              "assumption: 5-6 teams for 130 km of coast (maritime_interception_teams_planned)",
              low=0, high=1),
    ParamSpec("interception_death_risk", "Risk of dying in an interception",
              0.004, "1/person", "levers",
              "Chance per person (aboard, or waiting in the water for a taxi boat) of dying in an "
              "interception at sea",
              "assumption: interventions near people in the water are dangerous", low=0, high=0.2),
    ParamSpec("working_crackdown", "Crackdown on illegal working", 0.0, "share", "levers",
              "Fall in the UK's pull from the crackdown on illegal working",
              "assumption: policy lever, 0 in 2024", low=0, high=1),
    ParamSpec("gang_disruption", "Boats seized upstream", 0.0, "share", "levers",
              "Share of the boats and engines seized before they reach the coast (each boat of "
              "the supply is seized with this chance)",
              "assumption: policy lever, 0 in 2024 (boats_or_engines_seized counted in supply)",
              low=0, high=1),
    ParamSpec("extra_safe_route_per_week", "Extra safe-route admissions per week",
              0.0, "people/week", "levers",
              "Admissions through safe routes not tied to returns",
              "assumption: policy lever, 0 in 2024", low=0, high=5000),
    # ------------------------------------------------------- demand process (channelsim.drivers)
    ParamSpec("demand_volatility", "Volatility of demand", 0.0, "log scale", "migrant",
              "Standard deviation of the random log-multiplier on the inflow (0 = no randomness "
              "of demand beyond daily Poisson noise)",
              "assumption: 0 keeps the calibrated 2024 scenarios' numbers; calibrated (history): "
              "0.6 in history_2018_2025 (85% of months inside the 90% band; backtest CRPS lower "
              "than with 0.3)",
              low=0, high=2),
    ParamSpec("demand_memory_days", "Memory of demand surges", 60.0, "days", "migrant",
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


_PILOT_POLICY = ('[[policies]] entry of type "one_in_one_out" (in a scenario file: '
                 '[[policies]] / type = "one_in_one_out" / start = 2025-08-04 / end = 2026-06-30; '
                 'in Python: ChannelModel(policies=[channelsim.policies.OneInOneOut(start=..., '
                 'end=...)]) or simulate(channelsim.scenarios.Scenario(policies=[{"type": '
                 '"one_in_one_out"}])))')

#: Parameters that left the registry, and where their meaning went: a value given for one gets
#: this message rather than "unknown parameter".
RETIRED: dict[str, str] = {
    "pilot_enabled": ("pilot_enabled is no longer a parameter: the one-in-one-out pilot is part "
                      "of a run only through its policy: remove pilot_enabled and add a "
                      + _PILOT_POLICY),
    "pilot_start": ("pilot_start is no longer a parameter: the pilot's first day is the 'start' "
                    "setting of its " + _PILOT_POLICY),
    "pilot_end": ("pilot_end is no longer a parameter: the pilot's last day is the 'end' "
                  "setting of its " + _PILOT_POLICY),
    "route_opens": ("route_opens is no longer a parameter: the day the legal route opens is the "
                    "'route_opens' setting of the pilot's " + _PILOT_POLICY),
}


def _unknown(name: str) -> str:
    import difflib

    if name in RETIRED:
        return RETIRED[name]

    close = difflib.get_close_matches(str(name), list(_BY_NAME), n=1)
    hint = f" (did you mean {close[0]!r}?)" if close else ""
    return f"unknown parameter {name!r}{hint}"


# ------------------------------------------------------------------------------ the fields
def _python_scalar(value: Any) -> Any:
    """A numpy scalar (``np.float64``, ``np.int64``, ``np.bool_``) as the Python value it
    holds, so that a value read from an array or a table is taken like a literal; anything else
    is passed on unchanged for the strict type check."""
    return value.item() if isinstance(value, np.generic) else value


def _annotation(s: ParamSpec) -> Any:
    """The pydantic type of a registry entry, with its constraints."""
    scalar = BeforeValidator(_python_scalar)
    if s.kind == "float":
        return Annotated[float, Field(ge=s.low, le=s.high, allow_inf_nan=False), scalar]
    if s.kind == "int":
        return Annotated[int, Field(ge=int(s.low), le=int(s.high)), scalar]
    if s.kind == "bool":
        return Annotated[bool, scalar]
    if s.kind == "date":
        return CalendarDate
    return Literal[s.choices]  # type: ignore[valid-type]


def _field(s: ParamSpec) -> tuple[Any, Any]:
    return (_annotation(s), Field(default=s.default, title=s.label, description=s.description))


_STRICT = ConfigDict(strict=True)
_ADAPTERS: dict[str, TypeAdapter] = {s.name: TypeAdapter(_annotation(s), config=_STRICT)
                                     for s in REGISTRY}


def _message(s: ParamSpec, error: Mapping[str, Any], given: Any, name: str | None = None) -> str:
    """A pydantic error on parameter ``s`` as the registry's message: the parameter (or
    ``name``, e.g. a policy's setting that shares the parameter's bounds), the value as the user
    gave it, and what was expected."""
    kind = error["type"]
    given = _python_scalar(given)  # np.float64(3.5) reads as 3.5
    head = f"{name or s.name}={given!r}"
    if kind in ("greater_than_equal", "less_than_equal"):
        return f"{head} is out of range: expected {s.expected()}"
    is_float = isinstance(given, float)
    if s.kind in ("float", "int") and is_float and not math.isfinite(given):
        return f"{head} is not finite: expected {s.expected()}"
    if s.kind == "int" and is_float:
        hint = f" (write {int(given)})" if float(given).is_integer() else ""
        return f"{head} is not an integer: expected {s.expected()}{hint}"
    return f"{head} is invalid: expected {s.expected()}"


def _translate(err: ValidationError, given: Mapping[str, Any]) -> ParameterError:
    """The first error of a failed validation as a :class:`ParameterError`."""
    first = err.errors()[0]
    original = first.get("ctx", {}).get("error")
    if isinstance(original, ParameterError):  # a cross-parameter rule
        return original
    name = first["loc"][0] if first["loc"] else None
    if name not in _BY_NAME:
        return ParameterError(_unknown(name) if first["type"] == "extra_forbidden"
                              else f"{name}: {first['msg']}")
    return ParameterError(_message(_BY_NAME[name], first, given.get(name, first.get("input"))))


def check_value(name: str, value: Any) -> Any:
    """Validate one value of parameter ``name`` alone (bounds, type), returning it typed."""
    s = spec(name)
    try:
        return _ADAPTERS[name].validate_python(value)
    except ValidationError as err:
        raise ParameterError(_message(s, err.errors()[0], value)) from None


# ------------------------------------------------------------------------------ the model
class _Base(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, strict=True, validate_default=True)

    @model_validator(mode="after")
    def _rules_across_parameters(self) -> "_Base":
        """Rules that tie two parameters together; each names both."""
        if self.base_load > self.max_load:
            raise ParameterError(
                f"base_load={self.base_load!r} is above max_load={self.max_load!r}: expected the "
                "people a gang puts in a boat without pressure to be at most the most it will "
                "put in one boat (lower base_load or raise max_load)")
        return self


_Model = create_model("_ParamsFields", __base__=_Base, **{s.name: _field(s) for s in REGISTRY})


class Params(_Model):  # type: ignore[misc, valid-type]
    """Validated, immutable model parameters; every field is declared in :data:`REGISTRY`.

    ``Params(**overrides)`` starts from the defaults. Unknown names and invalid values raise
    :class:`ParameterError` naming the parameter, the value and what was expected. Every way
    of making a ``Params`` validates: the constructor, :meth:`replace`, ``model_copy(update=)``,
    ``model_validate`` and ``model_construct`` all check the values and the rules that tie two
    parameters together (``base_load <= max_load``).
    """

    def __init__(self, **overrides: Any) -> None:
        for name in overrides:
            if name not in _BY_NAME:
                raise ParameterError(_unknown(name))
        try:
            super().__init__(**overrides)
        except ValidationError as err:
            raise _translate(err, overrides) from None

    @classmethod
    def model_validate(cls, obj: Any, **_: Any) -> "Params":  # type: ignore[override]
        """``obj`` (a Params or a mapping of parameter values) as a validated Params."""
        if isinstance(obj, Params):
            return obj
        if not isinstance(obj, Mapping):
            raise ParameterError(f"params={obj!r} is invalid: expected Params or a mapping of "
                                 "parameter names to values")
        return cls(**obj)

    @classmethod
    def model_construct(cls, _fields_set: Any = None,  # type: ignore[override]
                        **values: Any) -> "Params":
        """Validated like the constructor: there is no unchecked way to make parameters."""
        return cls(**values)

    def model_copy(self, *, update: Mapping[str, Any] | None = None,  # type: ignore[override]
                   deep: bool = False) -> "Params":
        """A copy; values in ``update`` are validated as by :meth:`replace`."""
        return self.replace(**update) if update else super().model_copy(deep=deep)

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
        rows.append({"name": s.name, "label": s.label, "group": GROUPS[s.group],
                     "default": s.default, "range": rng, "unit": s.unit,
                     "description": s.description, "source": s.source})
    return pd.DataFrame(rows)
