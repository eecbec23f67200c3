"""Casework: what happens to people once they land in the UK, and the legal route from France.

This module holds the operations through which policies act on people (:mod:`channelsim.policies`
never writes another module's state): :meth:`Casework.detain` people who landed,
:meth:`Casework.return_to_france` the detained, :meth:`Casework.admit_from_queue` applicants to
the legal route after security checks, and the queries a policy needs (who landed today, who of
them was returned before, how many are detained or eligible). Every evening, people who landed
and were not detained leave the model, and with no legal route open the applicants go back to
the camps.
"""

from __future__ import annotations

import numpy as np

from ..population import State
from .base import Module, Result

__all__ = ["Casework"]


class Casework(Module):
    """Landings, detention, returns, the legal route and admissions."""

    OWNS = ("returnee", "refused")
    RESULTS = (
        Result("detained", "people", "flow", "people detained on landing under the pilot"),
        Result("returned", "people", "flow", "people returned to France"),
        Result("admitted", "people", "flow", "people admitted through a legal route"),
        Result("recrossed", "people", "flow", "returnees who landed in the UK again"),
        Result("legal_queue", "people", "level", "applicants to the legal route waiting at day's end"),
        Result("in_detention", "people", "level", "people held in detention at day's end"),
        Result("net_effect", "people", "flow", "arrivals - returned + admitted: net additions to the UK"),
    )
    DAY = ("morning: policies set the levers; after the landings: policies act on the people who "
           "landed, the rest of them leave the model; evening: casework (returns, admissions)")

    # ----------------------------------------------------------------- queries for policies
    def landed_today(self) -> np.ndarray:
        """Population slots of the people who landed today and are not detained."""
        return self.model.population.where(State.LANDED)

    def returnees(self, slots: np.ndarray) -> np.ndarray:
        """Whether each person at ``slots`` was returned to France before (biometrics)."""
        return self.model.population.returnee[slots]

    def in_detention(self) -> int:
        return self.model.population.count(State.DETAINED)

    def eligible_in_camps(self) -> int:
        """People in camps who never attempted an irregular crossing."""
        pop = self.model.population
        idx = pop.where(State.IN_CAMP)
        return int(np.count_nonzero(pop.attempts[idx] == 0))

    # ----------------------------------------------------------------- operations
    def apply(self, slots: np.ndarray) -> None:
        """The people at ``slots`` apply to the legal route and wait in France for an answer."""
        m = self.model
        m.population.state[slots] = State.APPLICANT
        m.beliefs.record("applied", slots)

    def detain(self, slots: np.ndarray) -> None:
        """Detain people who landed today (they stay in the model until returned)."""
        self.model.population.state[slots] = State.DETAINED
        self.model.tally.detained += len(slots)

    def return_to_france(self, slots: np.ndarray) -> None:
        """Return detained people to the French camps: they are flagged as returnees, count one
        more failure, learn that returns happen, and their camps hear of it."""
        m = self.model
        pop = m.population
        pop.state[slots] = State.IN_CAMP
        pop.returnee[slots] = True
        m.demand.record_failure(slots)
        m.beliefs.experience("return", slots)
        m.beliefs.record("returned", slots)
        m.tally.returned += len(slots)

    def admit_from_queue(self, n: int) -> int:
        """Admit up to ``n`` legal-route applicants in the order they applied.

        Each candidate passes security checks except for a ``security_refusal_share``; refused
        candidates go back to the camps and cannot apply again. Only people who never attempted
        an irregular crossing are ever in the queue. Returns the number admitted.
        """
        if n <= 0:
            return 0
        m = self.model
        pop = m.population
        queue = pop.where(State.APPLICANT)
        if len(queue) == 0:
            return 0
        queue = queue[np.argsort(pop.since[queue], kind="stable")]
        refused = m.rng.random(len(queue)) < m.params.security_refusal_share
        accepted = np.flatnonzero(~refused)[:n]
        last = accepted[-1] if len(accepted) == n else len(queue) - 1
        considered = queue[: last + 1]
        admitted = queue[accepted]
        turned_down = considered[refused[: last + 1]]
        assert not np.any(pop.attempts[admitted]), "an irregular entrant reached the legal route"
        pop.state[turned_down] = State.IN_CAMP
        pop.refused[turned_down] = True
        m.beliefs.record("admitted", admitted)
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
        m.population.remove(self.landed_today(), State.LANDED)

    def end_of_day(self, policies: list) -> None:
        """Casework of every policy (inactive ones may still have cases to finish); with no
        legal route open, applicants go back to the camps (still eligible)."""
        m = self.model
        for policy in policies:
            policy.on_day_end(m)
        if not m.levers.route_open:
            pop = m.population
            pop.state[pop.where(State.APPLICANT)] = State.IN_CAMP

    def record_results(self) -> None:
        m = self.model
        pop, t = m.population, m.tally
        t.legal_queue = pop.count(State.APPLICANT)
        t.in_detention = pop.count(State.DETAINED)
        t.net_effect = t.arrivals - t.returned + t.admitted
