"""Policies: dated, composable objects plugged into the model.

A policy is in force from ``start`` to ``end`` (inclusive) and acts through three hooks that
the model calls at fixed points of its day:

* :meth:`Policy.adjust` in the morning, to set today's :class:`~channelsim.model.Levers`
  (officers on the beaches, France's maritime doctrine, the UK's pull, boat supply, Border Force
  fleet, whether a legal route takes applications);
* :meth:`Policy.on_landed` after the day's landings, to act on the people who reached the UK;
* :meth:`Policy.on_day_end`, to finish the day's casework (called every day, so that cases
  opened while the policy was in force are completed after it ends).

The model's step has no ``if`` for any policy: it calls the hooks of whichever are attached.
A policy acts on people only through the model's named operations (``model.detain``,
``model.return_to_france``, ``model.admit_from_queue``, ``model.announce``) and reads through
the casework's queries (:mod:`channelsim.world.casework`); it never writes a module's state.
Standing values of the levers come from the parameter registry; a dated policy changes a lever
only while it is in force.

A run's policies are the only switch: the one-in-one-out pilot is part of a run if and only if
its policies include :class:`OneInOneOut` (a ``[[policies]]`` entry with ``type =
"one_in_one_out"`` in a scenario). The pilot's dates are its own settings; its capacities and
delays (``weekly_return_cap``, ``detention_places``, ...) default to the registry's values of
the model it runs in, so that sliders, sweeps and a scenario's ``[params]`` reach them.

Settings are pydantic fields with their constraints declared (``Field(ge=, le=)``, ``Literal``
choices); a setting that shares a registry parameter's meaning names it
(``json_schema_extra={"registry": ...}``) and has the same bounds and unit. A bad value raises
:class:`~channelsim.params.ParameterError` naming the policy, the setting, the value and what
was expected::

    >>> MaritimeDoctrine(rate=1.5)
    Traceback (most recent call last):
    ...
    channelsim.checks.ParameterError: maritime_doctrine.rate=1.5 is out of range: expected a number between 0 and 1 (share) (as the registry's sea_interception_rate)
"""

from __future__ import annotations

import datetime as dt
import math
from typing import Annotated, Any, ClassVar, Literal

import numpy as np
from pydantic import BaseModel, BeforeValidator, ConfigDict, Field, ValidationError, model_validator

from .checks import CalendarDate
from .params import ParameterError, Params, ParamSpec, _message, _python_scalar, spec

__all__ = [
    "Policy", "OneInOneOut", "SafeRoutes", "BeachPatrols", "MaritimeDoctrine",
    "WorkingCrackdown", "GangDisruption", "BorderForceFleet", "POLICY_TYPES",
    "policy_from_dict", "admit_from_queue", "default_policies", "registry_parameter",
]

#: Number and whole-number settings: numpy scalars are taken like the Python values they hold;
#: anything else is checked strictly (a bool or a string is not a number, 3.0 is not a whole number).
_Number = Annotated[float, BeforeValidator(_python_scalar), Field(allow_inf_nan=False)]
_Whole = Annotated[int, BeforeValidator(_python_scalar)]


def _from(param: str, default: Any = None, **constraints: Any) -> Any:
    """A setting that shares registry parameter ``param``'s meaning, bounds and unit;
    ``default`` None means "the registry's value in the model the policy runs in"."""
    return Field(default, json_schema_extra={"registry": param}, **constraints)


def registry_parameter(cls: type["Policy"], setting: str) -> str | None:
    """The registry parameter whose meaning, bounds and unit ``cls``'s ``setting`` shares
    (e.g. ``registry_parameter(OneInOneOut, "seats_per_week") == "removal_seats_per_week"``),
    or None for a setting of the policy's own (its dates)."""
    extra = cls.model_fields[setting].json_schema_extra
    return extra.get("registry") if isinstance(extra, dict) else None


_DATE = ParamSpec("date", "date", None, "date", "policy", "", "", kind="date")


class Policy(BaseModel):
    """Base class: a policy in force from ``start`` to ``end`` (inclusive; None = open-ended).

    Subclasses declare their settings as pydantic fields with constraints. A setting whose
    default is None and which names a registry parameter takes that parameter's value in the
    model the policy is attached to. Runtime state (set in :meth:`attach`) is kept apart from the
    settings: it is not validated, not compared and not written by :meth:`to_dict`.
    """

    model_config = ConfigDict(extra="forbid", strict=True, validate_assignment=True)

    start: CalendarDate | None = None
    end: CalendarDate | None = None

    kind: ClassVar[str] = "policy"

    def __init__(self, **settings: Any) -> None:
        try:
            super().__init__(**settings)
        except ValidationError as err:
            raise self._error(err, settings) from None
        object.__setattr__(self, "model", None)

    def __setattr__(self, name: str, value: Any) -> None:
        if name not in type(self).model_fields:  # runtime state: a plain attribute
            object.__setattr__(self, name, value)
            return
        try:
            super().__setattr__(name, value)
        except ValidationError as err:
            raise self._error(err, {name: value}) from None

    @model_validator(mode="after")
    def _ends_after_start(self) -> "Policy":
        if self.start and self.end and self.end < self.start:
            raise ParameterError(f"{self.kind}.end={self.end} is before {self.kind}.start="
                                 f"{self.start}: expected an end on or after the start")
        return self

    @classmethod
    def _error(cls, err: ValidationError, given: dict[str, Any]) -> ParameterError:
        """The first error of a failed validation, naming the policy, the setting, the value
        and what was expected."""
        first = err.errors()[0]
        original = first.get("ctx", {}).get("error")
        if isinstance(original, ParameterError):  # a rule across settings
            return original
        name = str(first["loc"][0]) if first["loc"] else ""
        if name not in cls.model_fields:
            return ParameterError(f"{cls.kind}: unknown setting {name!r}: expected "
                                  + ", ".join(sorted(cls.model_fields)))
        param = registry_parameter(cls, name)
        value = given.get(name, first.get("input"))
        if isinstance(value, dt.date) and not isinstance(value, dt.datetime):
            value = value.isoformat()  # as a file spells it, not datetime.date(1, 1, 1)
        message = _message(spec(param) if param else _DATE, first, value,
                           name=f"{cls.kind}.{name}")
        if param and param != name:
            message += f" (as the registry's {param})"
        return ParameterError(message)

    def attach(self, model) -> None:
        """Called once by the model that runs this policy (a fresh state per model); settings
        left to the registry take the model's values."""
        self.model = model
        self.take_registry_values(model.params)

    def take_registry_values(self, params: Params) -> "Policy":
        """Settings left to the registry (unset, with a default of None) take their values in
        ``params``; given settings are kept. Returns the policy."""
        given = self._given()
        for name, field in type(self).model_fields.items():
            param = registry_parameter(type(self), name)
            if param and field.default is None and name not in given:
                object.__setattr__(self, name, getattr(params, param))
        return self

    def _given(self) -> set[str]:
        """The settings given (on construction or since), as opposed to left to defaults."""
        return set(self.model_fields_set)

    def active(self, date: dt.date) -> bool:
        """True if the policy is in force on ``date`` (``start`` and ``end`` inclusive)."""
        return (self.start is None or date >= self.start) and (self.end is None or date <= self.end)

    def adjust(self, model, levers) -> None:
        """Set today's levers (before anything happens)."""

    def on_landed(self, model, landed: np.ndarray) -> None:
        """Act on the people who landed in the UK today (population slots)."""

    def on_day_end(self, model) -> None:
        """Finish the day's casework (called even when not in force)."""

    def settings(self) -> dict[str, Any]:
        """The settings as they stand (those left to the registry are None until the policy is
        attached to a model, then the model's values)."""
        return {name: getattr(self, name) for name in type(self).model_fields}

    def to_dict(self) -> dict[str, Any]:
        """Settings as plain TOML-ready data, with ``type``: the settings that were given or
        have a default of their own (those left to the registry are left out, so that the entry
        reads the same before and after a run)."""
        fields, given = type(self).model_fields, self._given()
        out: dict[str, Any] = {"type": self.kind}
        for name, value in self.settings().items():
            from_registry = fields[name].default is None and registry_parameter(type(self), name)
            if value is not None and (name in given or not from_registry):
                out[name] = value
        return out

    def describe(self) -> str:
        """One line: the policy's kind, period and settings, e.g.
        ``"beach_patrols (2024-01-01 to ...: officers_per_day=800.0)"``; settings still left to
        the registry (before the policy is attached) are summed up as such."""
        period = f"{self.start or '...'} to {self.end or '...'}"
        shown = {k: v for k, v in self.settings().items() if k not in ("start", "end")}
        parts = [f"{k}={v}" for k, v in shown.items() if v is not None]
        if any(v is None and registry_parameter(type(self), k) for k, v in shown.items()):
            parts.append("the others at their registry values")
        return f"{self.kind} ({period}{': ' + ', '.join(parts) if parts else ''})"


# ----------------------------------------------------------------------------- the legal route
def admit_from_queue(model, n: int) -> int:
    """Admit up to ``n`` legal-route applicants in the order they applied, after security
    checks (:meth:`channelsim.world.casework.Casework.admit_from_queue`); returns how many."""
    return model.admit_from_queue(n)


# ----------------------------------------------------------------------------- the pilot
class OneInOneOut(Policy):
    """The UK–France pilot, stage by stage.

    On landing, the UK selects a ``selection_share`` of the returnable people (and every
    returnee who lands again, identified by fingerprints, first under ``returnees_first``) up to
    the free ``detention_places``. Each case then goes through the UK's referral
    (``referral_days``), France's answer (``answer_days``) and any legal challenge
    (:meth:`channelsim.world.casework.Casework.advance_cases`). From ``first_removal_days``
    after the start, people whose case is through are flown back, up to the seats on flights a
    week (``seats_per_week``) and never more than ``weekly_return_cap`` a week.

    The legal route takes expressions of interest from ``route_opens``; admissions follow
    returns: cumulative admissions are brought up to ``admissions_per_return`` times the
    returns made at least ``parity_lag_days`` before, plus at most ``parity_lead``, once a week
    (on the weekday the route opened), from the applicants cleared by then.

    The pilot's dates are its own: by default it is in force from 4 August 2025
    (``pilot_in_force`` in the facts table) to 30 June 2026 (``pilot_end``: "runs to June
    2026"), and the route opens with it unless ``route_opens`` is given (the platform opened on
    7 August 2025: ``legal_route_eoi_platform_opened``). Every other setting left unset takes the
    registry's value in the model the pilot runs in (``weekly_return_cap``,
    ``pilot_selection_share``, ``removal_seats_per_week``, ...).
    """

    start: CalendarDate | None = Field(
        dt.date(2025, 8, 4), description="First day the pilot is in force",
        json_schema_extra={"source": "fact:pilot_in_force"})
    end: CalendarDate | None = Field(
        dt.date(2026, 6, 30), description="Last day the pilot is in force (reported: it runs to "
        "June 2026)", json_schema_extra={"source": "fact:pilot_end"})
    route_opens: CalendarDate | None = Field(
        None, description="First day people in France can express interest in the legal route "
        "(None: the day the pilot starts; the platform opened on 2025-08-07)",
        json_schema_extra={"source": "fact:legal_route_eoi_platform_opened"})
    weekly_return_cap: _Whole | None = _from("weekly_return_cap", ge=0, le=5000)
    selection_share: _Number | None = _from("pilot_selection_share", ge=0, le=1)
    detention_places: _Whole | None = _from("detention_places", ge=0, le=10000)
    referral_days: _Whole | None = _from("referral_days", ge=0, le=14)
    answer_days: _Whole | None = _from("answer_days", ge=0, le=14)
    first_removal_days: _Whole | None = _from("first_removal_days", ge=0, le=365)
    seats_per_week: _Whole | None = _from("removal_seats_per_week", ge=0, le=5000)
    admissions_per_return: _Number | None = _from("admissions_per_return", ge=0, le=10)
    parity_lag_days: _Whole | None = _from("parity_lag_days", ge=1, le=180)
    parity_lead: _Whole | None = _from("parity_lead", ge=0, le=5000)
    detention_rule: Literal["random", "returnees_first"] | None = _from("detention_rule")

    kind: ClassVar[str] = "one_in_one_out"

    def attach(self, model) -> None:
        super().attach(model)
        self._week: tuple[int, int] | None = None
        self.returned_this_week = 0
        self._seats = 0.0
        self.returns_by_day: list[int] = []  # cumulative returns at the end of each day
        self.admitted_total = 0
        self._announced = False

    def _roll_week(self, date: dt.date) -> None:
        week = date.isocalendar()[:2]
        if week != self._week:
            self._week = week
            self.returned_this_week = 0
            self._seats = 0.0  # a week's flights: seats left unused do not carry into the next

    def _route_opens(self) -> dt.date:
        return self.route_opens or self.start or dt.date.min

    def _first_removal(self) -> dt.date:
        if self.start is None:
            return dt.date.min
        return self.start + dt.timedelta(days=self.first_removal_days)

    def adjust(self, model, levers) -> None:
        levers.route_open = levers.route_open or model.date >= self._route_opens()
        if not self._announced:
            self._announce(model)

    def _announce(self, model) -> None:
        """News of the pilot: people in the camps revise their chance of being returned toward
        the announced rate (the weekly cap over recent arrivals a week), as far as
        ``news_weight`` lets news move beliefs; and hear that a legal route opens. Nothing is
        heard with ``channel_announcement`` off."""
        self._announced = True
        if not model.params.channel_announcement:
            return
        recent = max(model.recent_weekly_arrivals(), 1.0)
        model.announce("return", min(1.0, self.weekly_return_cap / recent))
        eligible = max(model.casework.eligible_in_camps(), 1)
        model.announce("admit", min(1.0, self.weekly_return_cap * self.admissions_per_return / eligible))

    def on_landed(self, model, landed: np.ndarray) -> None:
        """Select people who landed for detention: returnees first (biometrics), then a
        ``selection_share`` of the returnable (``pilot_returnable_share``), up to the free places."""
        free = self.detention_places - model.casework.in_detention()
        if free <= 0 or len(landed) == 0 or min(self.weekly_return_cap, self.seats_per_week) == 0:
            return  # nobody is detained who could never be returned
        order = model.rng.permutation(landed)
        returnee = model.casework.returnees(order)
        share = model.params.pilot_returnable_share * self.selection_share
        selected = model.rng.random(len(order)) < share
        if self.detention_rule == "returnees_first":
            selected |= returnee
            first = np.argsort(~returnee, kind="stable")
            order, selected = order[first], selected[first]
        chosen = order[selected][:free]
        if len(chosen):
            model.detain(chosen, self.referral_days)

    def on_day_end(self, model) -> None:
        """Cases move on; people whose case is through are flown back within the week's seats
        and cap; then the admissions parity owes are made (on the route's weekly day)."""
        if self.model is None:
            return
        self._roll_week(model.date)
        model.advance_cases(self.answer_days)
        flown = 0
        if model.date >= self._first_removal():
            # seats come a seventh of the week's each day; unused ones wait until the week's end
            self._seats = min(self._seats + self.seats_per_week / 7.0, float(self.seats_per_week))
            room = min(math.floor(self._seats + 1e-9),
                       self.weekly_return_cap - self.returned_this_week)
            back = model.ready_for_removal(room)
            model.return_to_france(back)
            flown = len(back)
            self._seats -= flown
            self.returned_this_week += flown
        self.returns_by_day.append((self.returns_by_day[-1] if self.returns_by_day else 0) + flown)
        self._admit(model)

    def admissions_owed(self) -> int:
        """Admissions due under parity today: ratio x returns made ``parity_lag_days`` or more
        days ago, plus the allowed lead, less those already made."""
        k = len(self.returns_by_day) - 1 - self.parity_lag_days
        matched = self.returns_by_day[k] if k >= 0 else 0
        if matched == 0:
            return 0
        target = math.floor(self.admissions_per_return * matched + 1e-9) + self.parity_lead
        return max(0, target - self.admitted_total)

    def _admit(self, model) -> None:
        opens = self._route_opens()
        if model.date < opens or (model.date - opens).days % 7:
            return
        self.admitted_total += model.admit_from_queue(self.admissions_owed())


class SafeRoutes(Policy):
    """Admissions through safe routes not tied to returns: ``per_week`` people a week from the
    legal-route queue (which this policy keeps open)."""

    per_week: _Number = _from("extra_safe_route_per_week", 0.0, ge=0, le=5000)

    kind: ClassVar[str] = "safe_routes"

    def attach(self, model) -> None:
        super().attach(model)
        self._owed = 0.0

    def adjust(self, model, levers) -> None:
        levers.route_open = True

    def on_day_end(self, model) -> None:
        if not self.active(model.date):
            return
        self._owed += self.per_week / 7.0
        self._owed -= model.admit_from_queue(int(math.floor(self._owed + 1e-9)))
        self._owed = min(self._owed, self.per_week)  # no backlog beyond a week when nobody applies


# ----------------------------------------------------------------------------- the levers
class BeachPatrols(Policy):
    """French officers on the beaches each day while in force."""

    officers_per_day: _Number = _from("officers_per_day", 800.0, ge=0, le=5000)

    kind: ClassVar[str] = "beach_patrols"

    def adjust(self, model, levers) -> None:
        levers.officers_per_day = self.officers_per_day


class MaritimeDoctrine(Policy):
    """France's maritime doctrine: French forces intercept boats at sea in the inshore band
    (up to 300 m from shore: ``french_plan_to_intervene_up_to``). ``target`` says which:
    ``"taxi"``, empty taxi boats before anyone boards (the framework signed on 25 November 2025:
    ``maritime_interception_framework_signed``; first interception on 17 January 2026 on the Aa
    canal at Gravelines: ``first_taxi_boat_interception_at_sea``), ``"loaded"`` boats, or
    ``"both"``. A targeted boat is intercepted with chance ``rate``; each person aboard, or
    waiting in the water for a taxi boat, dies with chance ``death_risk``."""

    target: Literal["taxi", "loaded", "both"] = _from("sea_interception_target", "taxi")
    rate: _Number = _from("sea_interception_rate", 0.3, ge=0, le=1)
    death_risk: _Number = _from("interception_death_risk", 0.004, ge=0, le=0.2)

    kind: ClassVar[str] = "maritime_doctrine"
    #: The day of the first interception at sea (``first_taxi_boat_interception_at_sea``).
    FIRST_INTERCEPTION: ClassVar[dt.date] = dt.date(2026, 1, 17)

    def adjust(self, model, levers) -> None:
        levers.sea_interceptions = True
        levers.sea_interception_target = self.target
        levers.sea_interception_rate = self.rate
        levers.interception_death_risk = self.death_risk


class WorkingCrackdown(Policy):
    """The crackdown on illegal working in the UK lowers its pull by ``pull_reduction``."""

    pull_reduction: _Number = _from("working_crackdown", 0.2, ge=0, le=1)

    kind: ClassVar[str] = "working_crackdown"

    def adjust(self, model, levers) -> None:
        levers.pull_factor *= 1.0 - self.pull_reduction


class GangDisruption(Policy):
    """Seizures of boats and engines upstream, before they reach the coast ("smash the gangs"):
    each boat sent to the gangs is seized with chance ``supply_cut`` (on top of any standing
    ``gang_disruption``); the price of a place rises as boats grow scarce."""

    supply_cut: _Number = _from("gang_disruption", 0.3, ge=0, le=1)

    kind: ClassVar[str] = "gang_disruption"

    def adjust(self, model, levers) -> None:
        levers.upstream_seizure = 1.0 - (1.0 - levers.upstream_seizure) * (1.0 - self.supply_cut)


class BorderForceFleet(Policy):
    """Border Force vessels on task each day while in force."""

    vessels: _Whole = _from("bf_vessels", 4, ge=0, le=50)

    kind: ClassVar[str] = "border_force_fleet"

    def adjust(self, model, levers) -> None:
        levers.bf_vessels = self.vessels


#: Every policy class by its ``kind``, the ``type`` a scenario's policy table gives (e.g.
#: ``"one_in_one_out"``, ``"beach_patrols"``).
POLICY_TYPES: dict[str, type[Policy]] = {
    cls.kind: cls for cls in (OneInOneOut, SafeRoutes, BeachPatrols, MaritimeDoctrine,
                              WorkingCrackdown, GangDisruption, BorderForceFleet)
}


def policy_from_dict(data: dict[str, Any], where: str = "policy") -> Policy:
    """Build a policy from ``{"type": ..., "start": ..., ...}``; unknown types or settings and
    invalid values raise :class:`ParameterError` naming ``where`` and the culprit."""
    data = dict(data)
    kind = data.pop("type", None)
    if kind not in POLICY_TYPES:
        raise ParameterError(f"{where}: unknown policy type {kind!r}: expected one of "
                             + ", ".join(POLICY_TYPES))
    cls = POLICY_TYPES[kind]
    allowed = set(cls.model_fields)
    unknown = sorted(set(data) - allowed)
    if unknown:
        raise ParameterError(f"{where}: unknown setting {unknown[0]!r} for {kind}: expected "
                             + ", ".join(sorted(allowed)))
    try:
        return cls(**data)
    except ParameterError as err:
        raise ParameterError(f"{where}: {err}") from None


def default_policies(p: Params) -> list[Policy]:
    """The policies the registry switches on: standing safe routes
    (``extra_safe_route_per_week`` > 0). The pilot is never among them: it is part of a run
    only through its policies (a :class:`OneInOneOut`)."""
    if p.extra_safe_route_per_week > 0:
        return [SafeRoutes(per_week=p.extra_safe_route_per_week)]
    return []

