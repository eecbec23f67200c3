"""Casework: what happens to people once they land in the UK, and the legal route from France.

**The returns pipeline.** A person the pilot selects on landing is detained and their case goes
through stages, each with its delay (population columns ``case_stage`` and ``case_due``):
the UK's referral to France (``referral_days``), France's answer (``answer_days``; a
``france_refusal_share`` is refused), a legal challenge for a ``challenge_share`` of cases from
``challenges_from`` on (``challenge_days``; a ``challenge_success_share`` stops the removal),
then a wait for a seat on a removal flight. People refused, whose removal a court stopped, or
still held ``detention_limit_days`` after landing are released in the UK. Returned people are
flagged by their fingerprints and released in Paris: a ``returnee_coast_share`` of them is back
on the coast ``returnee_days_to_coast`` days later, the others stay inland.

**The legal route.** People in the camps express interest (:meth:`Casework.apply`); they stay
in the camps and keep choosing (a ``applicant_stop_trying_share`` of them stops trying to cross
while waiting). After ``security_check_days`` the priority nationalities
(``route_priority_share``) who pass the security checks are cleared; anyone who has tried to
cross irregularly is never cleared nor admitted. Admissions are made from the cleared, in the
order they applied (:meth:`Casework.admit_from_queue`).

This module holds the operations through which policies act on people (:mod:`channelsim.policies`
never writes another module's state) and the queries a policy needs. Every evening, people who
landed and were not detained leave the model.
"""

from __future__ import annotations

from enum import IntEnum

import numpy as np

from ..population import State
from .base import Module, Result

__all__ = ["Casework", "Stage"]


class Stage(IntEnum):
    """Stage of a person's case (population column ``case_stage``)."""

    NONE = 0
    REFERRAL = 1  #: detained; the UK prepares its referral to France
    ANSWER = 2  #: referred; waiting for France's answer
    COURT = 3  #: accepted by France; a legal challenge holds the removal
    SEAT = 4  #: removable; waiting for a seat on a flight
    AWAY = 5  #: returned; on the way back from Paris to the coast
    CHECKS = 6  #: applied to the legal route; eligibility and security checks under way
    CLEARED = 7  #: cleared by the legal route; waiting to be admitted


class Casework(Module):
    """Landings, the returns pipeline, returnees, the legal route and admissions."""

    OWNS = ("returnee", "refused", "case_stage", "case_due", "held_since", "patient")
    RESULTS = (
        Result("detained", "people", "flow", "people detained on landing under the pilot"),
        Result("returned", "people", "flow", "people returned to France"),
        Result("released_uk", "people", "flow",
               "detained people released in the UK (France refused, a court stopped the removal, "
               "or the time limit ran out)"),
        Result("removal_withheld", "people", "flow",
               "people whose return was made and heard of but who stayed in the UK, counted in "
               "released_uk (only with channel_removal off)"),
        Result("admitted", "people", "flow", "people admitted through a legal route"),
        Result("recrossed", "people", "flow", "returnees who landed in the UK again"),
        Result("legal_queue", "people", "level", "applicants to the legal route waiting at day's end"),
        Result("in_detention", "people", "level", "people held in detention at day's end"),
        Result("returnees_away", "people", "level",
               "returned people in France, not yet back on the coast, at day's end"),
        Result("net_effect", "people", "flow", "arrivals - returned + admitted: net additions to the UK"),
    )
    DAY = ("morning: policies set the levers; after the landings: policies act on the people who "
           "landed, the rest of them leave the model; evening: casework (the returns pipeline, "
           "returnees back on the coast, legal-route checks, returns, admissions)")

    # ----------------------------------------------------------------- queries for policies
    def landed_today(self) -> np.ndarray:
        """Population slots of the people who landed today and are not detained."""
        return self.model.population.where(State.LANDED)

    def returnees(self, slots: np.ndarray) -> np.ndarray:
        """Whether each person at ``slots`` was returned to France before (biometrics)."""
        return self.model.population.returnee[slots]

    def in_detention(self) -> int:
        """People held in UK detention under the pilot now."""
        return self.model.population.count(State.DETAINED)

    def removable(self) -> int:
        """Detained people whose case is through and who wait for a seat on a flight."""
        return len(self._waiting_for_seat())

    def eligible_in_camps(self) -> int:
        """People in camps who never attempted an irregular crossing."""
        pop = self.model.population
        idx = pop.where(State.IN_CAMP)
        return int(np.count_nonzero(pop.attempts[idx] == 0))

    # ----------------------------------------------------------------- the returns pipeline
    def detain(self, slots: np.ndarray, referral_days: int | None = None) -> None:
        """Detain people who landed today and open their cases: the UK's referral to France
        comes first, ``referral_days`` later (the registry's by default)."""
        m = self.model
        if referral_days is None:
            referral_days = m.params.referral_days
        pop = m.population
        pop.state[slots] = State.DETAINED
        pop.case_stage[slots] = Stage.REFERRAL
        pop.case_due[slots] = m.steps + referral_days
        pop.held_since[slots] = m.steps
        m.tally.detained += len(slots)

    def advance_cases(self, answer_days: int) -> None:
        """Cases move on whose stage has run its delay: referral, France's answer (some
        refused), a legal challenge (some removals stopped); people held too long are released."""
        m = self.model
        pop, p, rng, today = m.population, m.params, m.rng, m.steps
        held = pop.where(State.DETAINED)
        if len(held) == 0:
            return
        # stages in order, each read afresh: a case whose delays are zero moves through them all
        waiting = (pop.case_due[held] <= today) & (pop.case_stage[held] == Stage.REFERRAL)
        referred = held[waiting]
        pop.case_stage[referred] = Stage.ANSWER
        pop.case_due[referred] = today + answer_days
        answered = held[(pop.case_due[held] <= today) & (pop.case_stage[held] == Stage.ANSWER)]
        refused = rng.random(len(answered)) < p.france_refusal_share
        challenged = ~refused & (rng.random(len(answered)) < p.challenge_share) \
            & (m.date >= p.challenges_from)
        pop.case_stage[answered[challenged]] = Stage.COURT
        pop.case_due[answered[challenged]] = today + p.challenge_days
        pop.case_stage[answered[~refused & ~challenged]] = Stage.SEAT
        decided = held[(pop.case_due[held] <= today) & (pop.case_stage[held] == Stage.COURT)]
        stopped = rng.random(len(decided)) < p.challenge_success_share
        pop.case_stage[decided[~stopped]] = Stage.SEAT
        too_long = (today - pop.held_since[held] >= p.detention_limit_days) \
            & (pop.case_stage[held] != Stage.SEAT)
        self.release_in_uk(np.concatenate([answered[refused], decided[stopped], held[too_long]]))

    def release_in_uk(self, slots: np.ndarray) -> None:
        """Detained people released in the UK: they leave the model (they have landed)."""
        slots = np.unique(slots)
        pop = self.model.population
        pop.case_stage[slots] = Stage.NONE
        pop.remove(slots, State.LANDED)
        self.model.tally.released_uk += len(slots)

    def ready_for_removal(self, n: int) -> np.ndarray:
        """Up to ``n`` detained people whose case is through (waiting for a seat), those held
        longest first."""
        seat = self._waiting_for_seat()
        return seat[np.argsort(self.model.population.held_since[seat], kind="stable")][:max(int(n), 0)]

    def _waiting_for_seat(self) -> np.ndarray:
        """Slots of the detained people whose case is through (waiting for a seat), in slot order."""
        pop = self.model.population
        return np.flatnonzero((pop.in_use(pop.state) == State.DETAINED)
                              & (pop.in_use(pop.case_stage) == Stage.SEAT))

    def return_to_france(self, slots: np.ndarray) -> None:
        """Fly detained people back to France. They are flagged as returnees, count one more
        failure, learn that returns happen, and their camps hear of it (unless
        ``channel_return_news`` is off); released in Paris, some are back on the coast later.
        With ``channel_removal`` off they stay in the UK, though their return is heard of."""
        m = self.model
        pop, p = m.population, m.params
        if len(slots) == 0:
            return
        # drawn whether or not removal is switched off: the runs compared share their stream
        back = m.rng.random(len(slots)) < p.returnee_coast_share
        if p.channel_return_news:
            m.beliefs.experience("return", slots)
            m.beliefs.record("returned", slots)
        if not p.channel_removal:
            self.release_in_uk(slots)
            m.tally.removal_withheld += len(slots)
            return
        pop.returnee[slots] = True
        m.demand.record_failure(slots)
        pop.state[slots] = State.AWAY
        pop.case_stage[slots[back]] = Stage.AWAY
        pop.case_due[slots[back]] = m.steps + p.returnee_days_to_coast
        pop.case_stage[slots[~back]] = Stage.NONE
        pop.remove(slots[~back], State.LEFT)
        m.tally.left += int(np.count_nonzero(~back))  # they leave the coast for good
        m.tally.returned += len(slots)

    def returnees_reach_coast(self) -> None:
        """Returnees whose journey from Paris is over are back in a camp (their own)."""
        m = self.model
        pop = m.population
        away = pop.where(State.AWAY)
        if len(away) == 0:
            return
        back = away[pop.case_due[away] <= m.steps]
        pop.state[back] = State.IN_CAMP
        pop.case_stage[back] = Stage.NONE
        pop.gang[back] = -1

    # ----------------------------------------------------------------- the legal route
    def apply(self, slots: np.ndarray) -> None:
        """The people at ``slots`` express interest in the legal route; they stay in the camps,
        and a ``applicant_stop_trying_share`` of them stops trying to cross while waiting
        (nobody does with ``channel_diversion`` off)."""
        if len(slots) == 0:
            return
        m = self.model
        pop = m.population
        pop.state[slots] = State.APPLICANT
        pop.case_stage[slots] = Stage.CHECKS
        pop.case_due[slots] = m.steps + m.params.security_check_days
        patient = m.rng.random(len(slots)) < m.params.applicant_stop_trying_share
        pop.patient[slots] = patient & m.params.channel_diversion
        m.beliefs.record("applied", slots)

    def withdraw(self, slots: np.ndarray) -> None:
        """Applicants at ``slots`` leave the queue (they booked a crossing, or the route closed)."""
        if len(slots) == 0:
            return
        pop = self.model.population
        pop.state[slots] = State.IN_CAMP
        pop.case_stage[slots] = Stage.NONE
        pop.patient[slots] = False

    def run_checks(self) -> None:
        """Applicants whose checks are over: the route's priority nationalities who pass the
        security checks and never tried to cross are cleared; the others are turned down, go
        back to the camps and cannot apply again."""
        m = self.model
        pop, p = m.population, m.params
        queue = pop.where(State.APPLICANT)
        done = queue[(pop.case_stage[queue] == Stage.CHECKS) & (pop.case_due[queue] <= m.steps)]
        if len(done) == 0:
            return
        priority = m.rng.random(len(done)) < p.route_priority_share
        passed = m.rng.random(len(done)) >= p.security_refusal_share
        ok = priority & passed & (pop.attempts[done] == 0)
        pop.case_stage[done[ok]] = Stage.CLEARED
        turned_down = done[~ok]
        self.withdraw(turned_down)
        pop.refused[turned_down] = True

    def admit_from_queue(self, n: int) -> int:
        """Admit up to ``n`` cleared applicants in the order they applied; returns how many.

        Nobody who has attempted an irregular crossing is ever admitted."""
        if n <= 0:
            return 0
        m = self.model
        pop = m.population
        queue = pop.where(State.APPLICANT)
        cleared = queue[(pop.case_stage[queue] == Stage.CLEARED) & (pop.attempts[queue] == 0)]
        admitted = cleared[np.argsort(pop.since[cleared], kind="stable")][:n]
        assert not np.any(pop.attempts[admitted]), "an irregular entrant reached the legal route"
        m.beliefs.record("admitted", admitted)
        pop.case_stage[admitted] = Stage.NONE
        pop.remove(admitted, State.ADMITTED)
        m.tally.admitted += len(admitted)
        return len(admitted)

    # ----------------------------------------------------------------- the day
    def after_landings(self, policies: list) -> None:
        """Policies in force act on the people who landed (each on those no earlier policy has
        detained); the others leave the model."""
        m = self.model
        landed = self.landed_today()
        m.tally.recrossed = int(np.count_nonzero(m.population.returnee[landed]))
        for policy in policies:
            policy.on_landed(m, self.landed_today())
        if policies:  # some may have been detained
            landed = self.landed_today()
        m.population.remove(landed, State.LANDED)

    def end_of_day(self, policies: list) -> None:
        """Returnees back on the coast, legal-route checks, then the casework of every policy
        (inactive ones may still have cases to finish); with no legal route open, applicants
        go back to the camps (still eligible)."""
        m = self.model
        self.returnees_reach_coast()
        self.run_checks()
        for policy in policies:
            policy.on_day_end(m)
        if not m.levers.route_open:
            self.withdraw(m.population.where(State.APPLICANT))

    def record_results(self) -> None:
        """Write the day's legal-route queue, people in detention, returnees away and the
        pilot's net effect to the tally."""
        m = self.model
        pop, t = m.population, m.tally
        t.legal_queue = pop.count(State.APPLICANT)
        t.in_detention = pop.count(State.DETAINED)
        t.returnees_away = pop.count(State.AWAY)
        t.net_effect = t.arrivals - t.returned + t.admitted
