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
only while it is in force. The one-in-one-out pilot (:class:`OneInOneOut`) and standing safe
routes (:class:`SafeRoutes`) read their settings from the registry (``pilot_*``,
``extra_safe_route_per_week``), so sliders and sweeps reach them.
"""

from __future__ import annotations

import datetime as dt
import math
from dataclasses import asdict, dataclass, fields
from typing import Any, ClassVar

import numpy as np

from . import checks
from .params import ParameterError, Params, check_value, spec

__all__ = [
    "Policy", "OneInOneOut", "SafeRoutes", "BeachPatrols", "MaritimeDoctrine",
    "WorkingCrackdown", "GangDisruption", "BorderForceFleet", "POLICY_TYPES",
    "policy_from_dict", "admit_from_queue", "default_policies",
]


def _date(value: Any, name: str) -> dt.date | None:
    return None if value is None else checks.date(value, name)


@dataclass
class Policy:
    """Base class: a policy in force from ``start`` to ``end`` (inclusive; None = open-ended).

    Subclasses declare their settings as dataclass fields; ``VALIDATE`` maps a field to the
    registry parameter whose bounds and unit it shares, so that values are checked the same way.
    """

    start: dt.date | None = None
    end: dt.date | None = None

    kind: ClassVar[str] = "policy"
    VALIDATE: ClassVar[dict[str, str]] = {}

    def __post_init__(self) -> None:
        self.start = _date(self.start, f"{self.kind}.start")
        self.end = _date(self.end, f"{self.kind}.end")
        if self.start and self.end and self.end < self.start:
            raise ParameterError(f"{self.kind}.end={self.end} is before {self.kind}.start={self.start}")
        for name, param in self.VALIDATE.items():
            try:
                value = check_value(param, getattr(self, name))
            except ParameterError as err:
                raise ParameterError(f"{self.kind}.{name}: {err}") from None
            setattr(self, name, value)
        self.model: Any = None

    def attach(self, model) -> None:
        """Called once by the model that runs this policy (a fresh state per model)."""
        self.model = model

    def active(self, date: dt.date) -> bool:
        """True if the policy is in force on ``date`` (``start`` and ``end`` inclusive)."""
        return (self.start is None or date >= self.start) and (self.end is None or date <= self.end)

    def adjust(self, model, levers) -> None:
        """Set today's levers (before anything happens)."""

    def on_landed(self, model, landed: np.ndarray) -> None:
        """Act on the people who landed in the UK today (population slots)."""

    def on_day_end(self, model) -> None:
        """Finish the day's casework (called even when not in force)."""

    def to_dict(self) -> dict[str, Any]:
        """Settings as plain TOML-ready data, with ``type``."""
        out: dict[str, Any] = {"type": self.kind}
        for f in fields(self):
            value = getattr(self, f.name)
            if value is not None:
                out[f.name] = value
        return out

    def describe(self) -> str:
        """One line: the policy's kind, period and settings, e.g.
        ``"beach_patrols (2024-01-01 to ...: officers_per_day=800.0)"``."""
        period = f"{self.start or '...'} to {self.end or '...'}"
        settings = ", ".join(f"{k}={v}" for k, v in asdict(self).items() if k not in ("start", "end"))
        return f"{self.kind} ({period}{': ' + settings if settings else ''})"


# ----------------------------------------------------------------------------- the legal route
def admit_from_queue(model, n: int) -> int:
    """Admit up to ``n`` legal-route applicants in the order they applied, after security
    checks (:meth:`channelsim.world.casework.Casework.admit_from_queue`); returns how many."""
    return model.admit_from_queue(n)


# ----------------------------------------------------------------------------- the pilot
@dataclass
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
    """

    weekly_return_cap: int = 50
    selection_share: float = 0.1
    detention_places: int = 200
    referral_days: int = 3
    answer_days: int = 14
    first_removal_days: int = 45
    seats_per_week: int = 13
    admissions_per_return: float = 1.0
    parity_lag_days: int = 10
    parity_lead: int = 0
    route_opens: dt.date | None = None
    detention_rule: str = "returnees_first"

    kind: ClassVar[str] = "one_in_one_out"
    VALIDATE: ClassVar[dict[str, str]] = {
        "weekly_return_cap": "weekly_return_cap", "selection_share": "pilot_selection_share",
        "detention_places": "detention_places", "referral_days": "referral_days",
        "answer_days": "answer_days", "first_removal_days": "first_removal_days",
        "seats_per_week": "removal_seats_per_week",
        "admissions_per_return": "admissions_per_return", "parity_lag_days": "parity_lag_days",
        "parity_lead": "parity_lead", "detention_rule": "detention_rule",
    }

    def __post_init__(self) -> None:
        super().__post_init__()
        self.route_opens = _date(self.route_opens, f"{self.kind}.route_opens")

    @classmethod
    def from_params(cls, p: Params) -> "OneInOneOut":
        """The pilot as the registry parameters ``p`` set it (``pilot_start`` to
        ``pilot_end``, ``weekly_return_cap``, ``pilot_selection_share``, ...)."""
        return cls(start=p.pilot_start, end=p.pilot_end, weekly_return_cap=p.weekly_return_cap,
                   selection_share=p.pilot_selection_share, detention_places=p.detention_places,
                   referral_days=p.referral_days, answer_days=p.answer_days,
                   first_removal_days=p.first_removal_days, seats_per_week=p.removal_seats_per_week,
                   admissions_per_return=p.admissions_per_return,
                   parity_lag_days=p.parity_lag_days, parity_lead=p.parity_lead,
                   route_opens=p.route_opens, detention_rule=p.detention_rule)

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


@dataclass
class SafeRoutes(Policy):
    """Admissions through safe routes not tied to returns: ``per_week`` people a week from the
    legal-route queue (which this policy keeps open)."""

    per_week: float = 0.0

    kind: ClassVar[str] = "safe_routes"
    VALIDATE: ClassVar[dict[str, str]] = {"per_week": "extra_safe_route_per_week"}

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
@dataclass
class BeachPatrols(Policy):
    """French officers on the beaches each day while in force."""

    officers_per_day: float = 800.0

    kind: ClassVar[str] = "beach_patrols"
    VALIDATE: ClassVar[dict[str, str]] = {"officers_per_day": "officers_per_day"}

    def adjust(self, model, levers) -> None:
        levers.officers_per_day = self.officers_per_day


@dataclass
class MaritimeDoctrine(Policy):
    """France's maritime doctrine: French forces intercept boats at sea in the inshore band
    (up to 300 m from shore: ``french_plan_to_intervene_up_to``). ``target`` says which:
    ``"taxi"``, empty taxi boats before anyone boards (the framework signed on 25 November 2025:
    ``maritime_interception_framework_signed``; first interception on 17 January 2026 on the Aa
    canal at Gravelines: ``first_taxi_boat_interception_at_sea``), ``"loaded"`` boats, or
    ``"both"``. A targeted boat is intercepted with chance ``rate``; each person aboard, or
    waiting in the water for a taxi boat, dies with chance ``death_risk``."""

    target: str = "taxi"
    rate: float = 0.3
    death_risk: float = 0.004

    kind: ClassVar[str] = "maritime_doctrine"
    VALIDATE: ClassVar[dict[str, str]] = {"target": "sea_interception_target",
                                          "rate": "sea_interception_rate",
                                          "death_risk": "interception_death_risk"}
    #: The day of the first interception at sea (``first_taxi_boat_interception_at_sea``).
    FIRST_INTERCEPTION: ClassVar[dt.date] = dt.date(2026, 1, 17)

    def adjust(self, model, levers) -> None:
        levers.sea_interceptions = True
        levers.sea_interception_target = self.target
        levers.sea_interception_rate = self.rate
        levers.interception_death_risk = self.death_risk


@dataclass
class WorkingCrackdown(Policy):
    """The crackdown on illegal working in the UK lowers its pull by ``pull_reduction``."""

    pull_reduction: float = 0.2

    kind: ClassVar[str] = "working_crackdown"
    VALIDATE: ClassVar[dict[str, str]] = {"pull_reduction": "working_crackdown"}

    def adjust(self, model, levers) -> None:
        levers.pull_factor *= 1.0 - self.pull_reduction


@dataclass
class GangDisruption(Policy):
    """Seizures of boats and engines upstream, before they reach the coast ("smash the gangs"):
    each boat sent to the gangs is seized with chance ``supply_cut`` (on top of any standing
    ``gang_disruption``); the price of a place rises as boats grow scarce."""

    supply_cut: float = 0.3

    kind: ClassVar[str] = "gang_disruption"
    VALIDATE: ClassVar[dict[str, str]] = {"supply_cut": "gang_disruption"}

    def adjust(self, model, levers) -> None:
        levers.upstream_seizure = 1.0 - (1.0 - levers.upstream_seizure) * (1.0 - self.supply_cut)


@dataclass
class BorderForceFleet(Policy):
    """Border Force vessels on task each day while in force."""

    vessels: int = 4

    kind: ClassVar[str] = "border_force_fleet"
    VALIDATE: ClassVar[dict[str, str]] = {"vessels": "bf_vessels"}

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
    allowed = {f.name for f in fields(cls)}
    unknown = sorted(set(data) - allowed)
    if unknown:
        raise ParameterError(f"{where}: unknown setting {unknown[0]!r} for {kind}: expected "
                             + ", ".join(sorted(allowed)))
    try:
        return cls(**data)
    except ParameterError as err:
        raise ParameterError(f"{where}: {err}") from None


def default_policies(p: Params) -> list[Policy]:
    """The policies the registry switches on: the pilot (``pilot_enabled``) and standing safe
    routes (``extra_safe_route_per_week`` > 0)."""
    out: list[Policy] = []
    if p.pilot_enabled:
        out.append(OneInOneOut.from_params(p))
    if p.extra_safe_route_per_week > 0:
        out.append(SafeRoutes(per_week=p.extra_safe_route_per_week))
    return out


# Settings shared with the registry must agree with it on their kind.
for _cls in POLICY_TYPES.values():
    for _field, _param in _cls.VALIDATE.items():
        spec(_param)
