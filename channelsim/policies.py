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
from collections import deque
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
    """The UK–France pilot: people landing by small boat are detained and, after the UK's
    referral and France's answer, returned to France (at most ``weekly_return_cap`` a week);
    for each return, ``admissions_per_return`` people in France who never attempted an
    irregular crossing are admitted through a legal route after security checks."""

    weekly_return_cap: int = 50
    detention_places: int = 200
    referral_days: int = 3
    answer_days: int = 14
    admissions_per_return: float = 1.0
    detention_rule: str = "returnees_first"

    kind: ClassVar[str] = "one_in_one_out"
    VALIDATE: ClassVar[dict[str, str]] = {
        "weekly_return_cap": "weekly_return_cap", "detention_places": "detention_places",
        "referral_days": "referral_days", "answer_days": "answer_days",
        "admissions_per_return": "admissions_per_return", "detention_rule": "detention_rule",
    }

    @classmethod
    def from_params(cls, p: Params) -> "OneInOneOut":
        return cls(start=p.pilot_start, end=p.pilot_end, weekly_return_cap=p.weekly_return_cap,
                   detention_places=p.detention_places, referral_days=p.referral_days,
                   answer_days=p.answer_days, admissions_per_return=p.admissions_per_return,
                   detention_rule=p.detention_rule)

    def attach(self, model) -> None:
        super().attach(model)
        self._due: deque[tuple[int, int]] = deque()  # (day France's answer arrives, slot)
        self._week: tuple[int, int] | None = None
        self.detained_this_week = 0
        self.returned_this_week = 0
        self.owed_admissions = 0.0
        self._announced = False

    def _roll_week(self, date: dt.date) -> None:
        week = date.isocalendar()[:2]
        if week != self._week:
            self._week = week
            self.detained_this_week = self.returned_this_week = 0

    def adjust(self, model, levers) -> None:
        levers.route_open = True
        if not self._announced:
            self._announce(model)

    def _announce(self, model) -> None:
        """News of the pilot: people in the camps revise their chance of being returned toward
        the announced rate (returns a week over recent arrivals a week), as far as
        ``news_weight`` lets news move beliefs; and hear that a legal route opens."""
        self._announced = True
        recent = max(model.recent_weekly_arrivals(), 1.0)
        model.announce("return", min(1.0, self.weekly_return_cap / recent))
        eligible = max(model.casework.eligible_in_camps(), 1)
        model.announce("admit", min(1.0, self.weekly_return_cap * self.admissions_per_return / eligible))

    def on_landed(self, model, landed: np.ndarray) -> None:
        """Detain people who landed, up to the free detention places and what is left of this
        week's cap (the weekly return cap binds here first, on detention)."""
        self._roll_week(model.date)
        free = self.detention_places - model.casework.in_detention()
        room = min(len(landed), free, self.weekly_return_cap - self.detained_this_week)
        if room <= 0:
            return
        order = model.rng.permutation(landed)
        if self.detention_rule == "returnees_first":
            order = order[np.argsort(~model.casework.returnees(order), kind="stable")]
        chosen = order[:room]
        model.detain(chosen)
        due = model.steps + self.referral_days + self.answer_days
        self._due.extend((due, int(s)) for s in chosen)
        self.detained_this_week += room

    def on_day_end(self, model) -> None:
        """Return the people whose answer from France has arrived, within this week's cap
        (the cap binds again here, on returns), then admit the legal-route applicants owed."""
        if self.model is None or not self._due and self.owed_admissions < 1:
            return
        self._roll_week(model.date)
        back = []
        while self._due and self._due[0][0] <= model.steps and \
                self.returned_this_week + len(back) < self.weekly_return_cap:
            back.append(self._due.popleft()[1])
        if back:
            model.return_to_france(np.array(back, dtype=np.int64))
            self.returned_this_week += len(back)
            self.owed_admissions += len(back) * self.admissions_per_return
        owed = int(math.floor(self.owed_admissions + 1e-9))
        if owed:
            self.owed_admissions -= model.admit_from_queue(owed)


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
