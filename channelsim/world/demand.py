"""Demand: people reaching the French coast, and what each of them chooses every day.

New arrivals are drawn each morning (a seasonal Poisson rate, :func:`decisions.seasonal_inflow_rate`),
join a camp, and pick up their camp's beliefs. Everyone waiting then chooses between waiting,
paying a gang for a place, applying to the legal route and leaving (a multinomial logit,
:func:`decisions.migrant_utilities`); who pays is booked with a gang (:meth:`Gangs.take_bookings`).
"""

from __future__ import annotations

import numpy as np

from .. import decisions, kernels
from ..decisions import Option
from ..population import State
from .base import Module, Result

__all__ = ["Demand"]


class Demand(Module):
    """People reaching the coast, choosing, giving up."""

    OWNS = ("camp", "pull", "arrived", "since", "failures")
    RESULTS = (
        Result("inflow", "people", "flow", "people arriving on the French coast"),
        Result("left", "people", "flow", "people who gave up and left the coast"),
        Result("in_camps", "people", "level", "people waiting on the French coast at day's end"),
        Result("legal_applications", "people", "flow", "new applications to the legal route"),
    )
    DAY = ("morning: new arrivals join the camps; midday: everyone waiting chooses to wait, "
           "pay a gang, apply to the legal route or leave")

    def __init__(self, model) -> None:
        super().__init__(model)
        #: where new arrivals go: the cumulative shares of the camps
        self._camp_cdf = decisions.categorical_cdf(model.geo.camp_inflow_share)

    def arrive(self) -> None:
        """Today's arrivals on the coast: a seasonal Poisson draw whose rate is multiplied by
        the demand process's multiplier of the day (1 without one; :mod:`channelsim.drivers`)."""
        m = self.model
        day_of_year = m.date.timetuple().tm_yday
        rate = decisions.seasonal_inflow_rate(day_of_year, m.params)
        if m.drivers is not None:
            rate *= m.drivers.demand_multiplier
        m.tally.inflow = n = int(m.rng.poisson(rate))
        self.add_people(n, day=m.steps)

    def add_people(self, n: int, day: int) -> None:
        """``n`` people reach the coast, join a camp, and hear what the camp believes."""
        if n <= 0:
            return
        m = self.model
        p, rng = m.params, m.rng
        camp = decisions.draw_categorical(self._camp_cdf, rng, n)
        sigma = np.sqrt(np.log1p(p.uk_pull_spread ** 2))
        pull = p.uk_pull * rng.lognormal(-sigma ** 2 / 2, sigma, size=n)
        m.population.add(n, camp.astype(np.int8), pull, m.beliefs.newcomer_beliefs(camp), day)

    def choose(self, crossable: bool) -> None:
        """Everyone waiting on the coast chooses: wait, pay a gang for a place, apply to the
        legal route, or leave. People who already paid a gang or applied to the legal route
        only choose between waiting for it and leaving."""
        m = self.model
        pop, p, t = m.population, m.params, m.tally
        idx = pop.where(State.IN_CAMP, State.APPLICANT)
        if len(idx) == 0:
            return
        uniforms = m.rng.random(len(idx))  # one draw per person, in slot order
        can_cross, route_open = crossable and m.gangs.any(), m.levers.route_open
        # People who paid a gang, or wait patiently for the legal route, only wait or leave;
        # applying is open to people who never crossed nor were refused (kernels.choice_utilities).
        u = np.empty((3, len(idx)))
        top, eligible = kernels.choice_utilities(
            idx, pop.state, pop.gang, pop.patient, pop.arrived, pop.failures, pop.pull,
            pop.belief_matrix, pop.attempts, pop.refused, m.steps,
            (p.leave_propensity, p.leave_per_failure, p.leave_per_month_waiting),
            (p.crossing_propensity, p.stop_aversion, p.risk_aversion, p.return_aversion,
             p.price_sensitivity),
            p.legal_route_appeal, m.gangs.price_today, 1.0 - p.repeat_discount,
            m.levers.pull_factor, can_cross, route_open, u)
        applying = route_open and eligible
        if top <= decisions.EXP_SAFE:
            # numpy's exp, on the rows in use (the others are never read)
            rows = slice(kernels.CROSS if can_cross else kernels.LEAVE,
                         kernels.APPLY + 1 if applying else kernels.APPLY)
            np.exp(u[rows], out=u[rows])
            choice = np.empty(len(idx), dtype=np.int8)
            kernels.choose_by_running_sums(u, uniforms, can_cross, applying, choice)
        else:  # exp could overflow: the draw from the utilities less each row's largest
            choice = decisions.choose_columns([0.0, u[kernels.CROSS] if can_cross else None,
                                               u[kernels.LEAVE], u[kernels.APPLY] if applying else None],
                                              uniforms)
        book = idx[choice == Option.CROSS]
        m.casework.withdraw(book[pop.state[book] == State.APPLICANT])  # they lose their place
        pop.since[book] = m.steps
        m.gangs.take_bookings(book)
        apply = idx[choice == Option.APPLY]
        pop.since[apply] = m.steps
        m.casework.apply(apply)
        t.legal_applications = len(apply)
        leave = idx[choice == Option.LEAVE]
        t.left = len(leave)
        pop.remove(leave, State.LEFT)

    def back_in_camp(self, slots: np.ndarray) -> None:
        """People stopped, or brought back, are in camp again: one more failure, and they
        learn that boats are stopped."""
        self.record_failure(slots)
        self.model.beliefs.experience("stop", slots)

    def record_failure(self, slots: np.ndarray) -> None:
        """One more failed attempt for the people at ``slots`` (it weighs on leaving, and on
        the price: gangs discount a place for people stopped before)."""
        self.model.population.failures[slots] += 1

    def record_results(self, in_camp: np.ndarray) -> None:
        """Write the number of people waiting in camps at day's end to the tally."""
        self.model.tally.in_camps = len(in_camp)
