"""Beliefs: what the camps hear about the crossing, and how people learn from it.

Everyone waiting on the coast holds four beliefs (population columns ``b_stop``, ``b_death``,
``b_return``, ``b_admit``): the perceived chances of being stopped, of dying at sea, of being
returned from the UK and of being admitted through a legal route. They move in three ways:

* **camp news** (:class:`CampNews`): each camp keeps decaying counts of what happened to its
  people lately; every evening each belief moves toward the rate its camp observed, as one row
  of :data:`BELIEF_RULES` says (numerator / denominator, softened by the smugglers' reassurance);
* **own experience** (:meth:`Beliefs.experience`): a person stopped, or returned, updates at once;
* **announcements** (:meth:`Beliefs.hear_announcement`): a policy's news moves everyone in the
  camps toward an announced rate, as far as ``news_weight`` lets news move beliefs.

Newcomers take their camp's mean beliefs (word of mouth, :meth:`Beliefs.for_newcomers`).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .. import decisions, kernels
from ..population import BELIEF_NAMES, State
from .base import Module, Result

__all__ = ["CampNews", "BeliefRule", "BELIEF_RULES", "Beliefs", "CAMP_MEMORY_DAYS", "move_toward",
           "mean_by_camp", "totals_by_camp"]

CAMP_MEMORY_DAYS = 30.0  #: how long a camp remembers what happened to its people (e-folding, days)


class CampNews:
    """What each camp has seen lately: decaying counts of its people's attempts, stops, deaths,
    landings, returns, applications and admissions (one row per kind of news, one column per
    camp), e.g. ``news.count("stopped")``."""

    KINDS = ("attempts", "stopped", "deaths", "landed", "returned", "applied", "admitted")

    def __init__(self, n_camps: int, memory_days: float = CAMP_MEMORY_DAYS) -> None:
        self.n_camps = n_camps
        self.memory_days = memory_days
        self._row = {kind: i for i, kind in enumerate(self.KINDS)}
        self.counts = np.zeros((len(self.KINDS), n_camps))

    def count(self, kind: str) -> np.ndarray:
        """The decaying count of ``kind`` in each camp (a view: do not write to it)."""
        return self.counts[self._row[kind]]

    def record(self, kind: str, camps: np.ndarray) -> None:
        """People from ``camps`` (one camp index per person) lived through ``kind`` today."""
        if kind not in self._row:
            raise KeyError(f"unknown news {kind!r}: expected one of {', '.join(self.KINDS)}")
        self.counts[self._row[kind]] += np.bincount(camps, minlength=self.n_camps)

    def rate(self, numerator: str, denominator: str) -> tuple[np.ndarray, np.ndarray]:
        """``numerator / denominator`` in each camp (0 where nothing was seen), and where
        something was seen (denominator > 0)."""
        den = self.count(denominator)
        num = self.count(numerator)
        return np.divide(num, den, out=np.zeros_like(den), where=den > 0), den > 0

    def decay(self) -> None:
        """A day passes: older news weighs less."""
        self.counts *= np.exp(-1.0 / self.memory_days)

    def as_dict(self) -> dict[str, np.ndarray]:
        """A copy of every count, by kind of news: ``{kind: per-camp counts}``."""
        return {kind: self.count(kind).copy() for kind in self.KINDS}


@dataclass(frozen=True)
class BeliefRule:
    """A belief moves toward ``numerator / denominator`` of its camp's news; with ``reassured``
    the smugglers' reassurance cancels a share of the bad news."""

    belief: str
    numerator: str
    denominator: str
    reassured: bool


#: How each belief learns from camp news.
BELIEF_RULES: tuple[BeliefRule, ...] = (
    BeliefRule("stop", "stopped", "attempts", reassured=True),
    BeliefRule("death", "deaths", "attempts", reassured=True),
    BeliefRule("return", "returned", "landed", reassured=True),
    BeliefRule("admit", "admitted", "applied", reassured=False),
)
BELIEFS = BELIEF_NAMES  #: the four beliefs, in the order of the population's belief matrix


def move_toward(rows: np.ndarray, camp: np.ndarray, weight: np.ndarray,
                target: np.ndarray) -> np.ndarray:
    """The camps' evening update of everyone's beliefs at once, in place: each person's
    ``rows`` (people x beliefs) move toward their camp's ``target`` by their camp's ``weight``
    (both camps x beliefs), as :func:`decisions.update_beliefs` moves one belief; ``camp`` holds
    each person's camp (intp). Returns ``rows``. The model runs this rule compiled, with the
    camps' totals, in :func:`kernels.learn_and_total`, which is tested against it."""
    step = np.take(target, camp, axis=0)
    step -= rows
    step *= np.take(weight, camp, axis=0)
    rows += step
    rows.clip(0.0, 1.0, out=rows)
    return rows


def totals_by_camp(camp: np.ndarray, rows: np.ndarray, n_camps: int) -> tuple[np.ndarray, np.ndarray]:
    """The people of each camp (``camp``, intp) and the totals of their ``rows`` (people x
    beliefs): (camps,) and (camps x beliefs). The totals are one matrix product of the camps'
    membership (camps x people, 0 or 1) with ``rows``: a handful of camps, one pass over the
    people. The model sums them person by person in :func:`kernels.learn_and_total`, which is
    tested against this."""
    member = (camp == np.arange(n_camps)[:, None]).astype(np.float64)
    return member.sum(axis=1), member @ rows


def mean_by_camp(camp: np.ndarray, rows: np.ndarray, n_camps: int,
                 empty: np.ndarray) -> np.ndarray:
    """Mean of each column of ``rows`` (people x beliefs) over the people of each camp
    (``camp``, intp): a (camps x beliefs) array, ``empty`` (one value per belief) where a camp
    has nobody."""
    n, total = totals_by_camp(camp, rows, n_camps)
    return _means(n, total, empty)


def _means(n: np.ndarray, total: np.ndarray, empty: np.ndarray) -> np.ndarray:
    return np.where((n > 0)[:, None], total / np.maximum(n, 1.0)[:, None], empty)


class Beliefs(Module):
    """Camp news and learning."""

    OWNS = ("b_stop", "b_death", "b_return", "b_admit")
    RESULTS = (
        Result("belief_stop", "share", "level", "mean perceived chance of being stopped, in camps", dtype=float),
        Result("belief_death", "share", "level", "mean perceived chance of dying at sea, in camps", dtype=float),
        Result("belief_return", "share", "level", "mean perceived chance of being returned, in camps", dtype=float),
    )
    DAY = "evening: camps talk, beliefs move toward what happened to their people lately"

    def __init__(self, model) -> None:
        super().__init__(model)
        self.news = CampNews(len(model.geo.camps))
        rows = {kind: i for i, kind in enumerate(CampNews.KINDS)}
        #: rows of the camp news that each belief's rule divides (in the order of BELIEFS)
        self._numerators = np.array([rows[rule.numerator] for rule in BELIEF_RULES], dtype=np.intp)
        self._denominators = np.array([rows[rule.denominator] for rule in BELIEF_RULES], dtype=np.intp)
        self._reassured = np.array([rule.reassured for rule in BELIEF_RULES])
        if [rule.belief for rule in BELIEF_RULES] != list(BELIEFS):
            raise ValueError("BELIEF_RULES must list one rule per belief, in the order of BELIEFS")
        #: mean beliefs per camp (rows) as of last evening, columns in the order of BELIEFS
        self.camp_means = self._camp_means(np.empty(0, dtype=np.int64))

    # ----------------------------------------------------------------- news and experience
    def record(self, kind: str, slots: np.ndarray) -> None:
        """The camps of the people at ``slots`` hear that ``kind`` happened to them."""
        if len(slots) == 0 and kind in self.news.KINDS:
            return  # nothing to hear (an unknown kind is still refused below)
        self.news.record(kind, self.model.population.camp[slots])

    def experience(self, belief: str, slots: np.ndarray, weight: float | None = None) -> None:
        """The people at ``slots`` lived through it themselves: ``belief`` moves toward 1 by
        ``own_experience_weight`` (or ``weight``)."""
        column = getattr(self.model.population, "b_" + belief)
        w = self.model.params.own_experience_weight if weight is None else weight
        column[slots] = decisions.update_beliefs(column[slots], 1.0, w)

    def hear_announcement(self, belief: str, rate: float) -> None:
        """Everyone in the camps hears an announced ``rate`` for ``belief`` and moves toward it
        as far as ``news_weight`` lets news move beliefs."""
        pop = self.model.population
        idx = pop.where(State.IN_CAMP)
        column = getattr(pop, "b_" + belief)
        column[idx] = decisions.update_beliefs(column[idx], rate, self.model.params.news_weight)

    # ----------------------------------------------------------------- the evening
    def learn(self, in_camp: np.ndarray) -> None:
        """Camps talk: each belief moves toward its camp's observed rate (:data:`BELIEF_RULES`),
        then the news decays and the camps' mean beliefs are taken for tomorrow's newcomers.
        ``in_camp`` are the people in camps this evening."""
        weight = target = None
        if len(in_camp) and self.model.params.belief_learning_rate > 0:
            weight, target, moved = self._targets()
            if not moved:  # no camp heard anything (weight 0 everywhere): no belief moves
                weight = target = None
        self.news.decay()
        # All four beliefs of everyone at once, and the camps' totals of them, in one pass.
        self.camp_means = self._camp_means(in_camp, weight, target)

    def evening_update(self) -> tuple[np.ndarray, np.ndarray]:
        """Per camp (rows) and belief (columns, as ``Population.belief_matrix``): how far the
        belief moves tonight (``belief_learning_rate`` where the camp heard something, else 0)
        and what it moves toward (the observed rate, less the smugglers' reassurance)."""
        weight, target, _ = self._targets()
        return weight, target

    def _targets(self) -> tuple[np.ndarray, np.ndarray, bool]:
        """:meth:`evening_update`, and whether any camp moves tonight (any weight above 0)."""
        p = self.model.params
        n_camps = self.news.n_camps
        weight, target = np.empty((n_camps, len(BELIEFS))), np.empty((n_camps, len(BELIEFS)))
        moved = kernels.camp_targets(self.news.counts, self._numerators, self._denominators,
                                     self._reassured, p.smuggler_reassurance,
                                     p.belief_learning_rate, weight, target)
        return weight, target, moved

    def _camp_means(self, in_camp: np.ndarray, weight: np.ndarray | None = None,
                    target: np.ndarray | None = None) -> np.ndarray:
        """Mean beliefs in each camp (rows; columns as ``Population.belief_matrix``): word of
        mouth for newcomers; priors where a camp is empty. Given ``weight`` and ``target``, the
        beliefs of ``in_camp`` first move toward ``target`` by ``weight`` (:func:`move_toward`,
        done by :func:`kernels.learn_and_total`). The camps' totals are kept with ``in_camp``
        for the day's means (:meth:`record_results`)."""
        pop, p = self.model.population, self.model.params
        n_camps = self.news.n_camps
        n, total = np.empty(n_camps), np.empty((n_camps, len(BELIEFS)))
        learn = weight is not None
        kernels.learn_and_total(np.asarray(in_camp, dtype=np.intp), pop.camp, pop.belief_matrix,
                                weight if learn else total, target if learn else total,  # unread
                                learn, n, total)
        self._totals = (in_camp, n, total)
        prior = np.array([p.prior_stop_belief, p.prior_death_belief, 0.0, 0.0])  # stop, death, return, admit
        return _means(n, total, prior)

    def take_camp_means(self) -> None:
        """Take the camps' mean beliefs from the people in camps now, for the next newcomers
        (the evening does it every day; the model does it once its first people are in)."""
        self.camp_means = self._camp_means(self.model.population.where(State.IN_CAMP))

    def for_newcomers(self, camps: np.ndarray) -> dict[str, np.ndarray]:
        """The beliefs people joining ``camps`` pick up: their camp's mean as of last evening,
        ``{belief: values}``."""
        rows = self.newcomer_beliefs(camps)
        return {key: rows[:, k] for k, key in enumerate(BELIEFS)}

    def newcomer_beliefs(self, camps: np.ndarray) -> np.ndarray:
        """:meth:`for_newcomers` as rows of the population's belief matrix (len(camps) x 4)."""
        return np.take(self.camp_means, camps, axis=0)

    def record_results(self, in_camp: np.ndarray) -> None:
        """Write the day's mean beliefs of the people waiting in camps (``in_camp``) to the tally
        (from the camps' totals when they are the people who learned this evening)."""
        pop, t = self.model.population, self.model.tally
        if not len(in_camp):
            return
        taken, n, total = self._totals
        if taken is in_camp:  # the people who learned this evening: the camps' totals are at hand
            means = (total.sum(axis=0) / n.sum()).tolist()
        else:
            means = [float(getattr(pop, "b_" + key)[in_camp].mean()) for key in BELIEFS[:3]]
        t.belief_stop, t.belief_death, t.belief_return = means[:3]
