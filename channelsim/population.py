"""Migrants: Mesa agents whose state lives in columns shared by the whole population.

Each person on the coast is a :class:`Migrant` (a ``mesa.Agent``, reachable through
``model.agents_by_type[Migrant]``). Their state (where they are, their attempts, beliefs and
eligibility for the legal route) is kept in :class:`Population`, one numpy column per variable
and one row ("slot") per person, so that the daily choice of thousands of people is taken in one
vectorised draw (:mod:`channelsim.decisions`) instead of thousands of Python calls. People who
leave the system (landed and not detained, admitted, left the coast, dead) are removed from the
model and their slot reused: memory follows the number of people present, not the history.

Hundreds of people arrive and leave every day. The population registers them with Mesa in one
pass a day, doing for each exactly what ``Agent(model)`` and ``agent.remove()`` do to the
model's agent sets and numbering, but without the per-agent signal and debug message; whenever
someone observes the model's agents or Mesa logs at debug level it goes through Mesa one agent at
a time instead, so that nothing they would have received is missed.

In a :class:`~channelsim.ChannelModel` (a population made with ``lazy=True``) a newcomer's
Migrant agent is made when someone first looks at the model's agents (``model.agents``,
``model.agents_by_type``, ``model.agent_types``, ``Population.agents``), not on arrival: each
person's ``unique_id`` is taken on arrival, and the agents are made in that order, so every
look finds the agents, numbering and order that making them on arrival would give. Most people
come and go between two looks (a run looks at none), and then cost Mesa nothing.
"""

from __future__ import annotations

import collections
import logging
from enum import IntEnum

import mesa
import mesa.model
from mesa import mesa_logging
import numpy as np

__all__ = ["State", "Migrant", "Population", "AccountingError", "BELIEF_NAMES", "COLUMN_NAMES"]


class State(IntEnum):
    """Where a person is. Everyone who ever entered is in exactly one state."""

    IN_CAMP = 0  #: waiting on the French coast
    LANDED = 1  #: reached the UK by small boat (and not detained)
    LEFT = 2  #: gave up and left the coast
    DEAD = 3  #: died in the attempt
    DETAINED = 4  #: detained in the UK under the pilot, awaiting return
    APPLICANT = 5  #: in France, waiting for an answer from the legal route
    ADMITTED = 6  #: reached the UK through the legal route
    AWAY = 7  #: returned to France under the pilot, not (yet) back on the coast


#: States whose people are still modelled individually (the others are only counted).
ACTIVE = (State.IN_CAMP, State.DETAINED, State.APPLICANT, State.AWAY)
FREE = -1


class AccountingError(RuntimeError):
    """People were created or lost: the states no longer add up to everyone who entered."""


class Migrant(mesa.Agent):
    """One person. Attributes read and write the population's columns at this agent's slot.

    The population creates Migrants in bulk without calling ``__init__`` (see
    :func:`_create_migrants`): a Migrant holds nothing but its slot; its state is in the columns.
    """

    def __init__(self, model: mesa.Model, slot: int) -> None:
        super().__init__(model)
        self.slot = slot

    @property
    def _pop(self) -> "Population":
        return self.model.population

    @property
    def state(self) -> State:
        """Where this person is now in the journey (a ``State``)."""
        return State(int(self._pop.state[self.slot]))

    @property
    def camp(self) -> str:
        """The name of the camp this person belongs to on the French coast."""
        return self.model.geo.camps[int(self._pop.camp[self.slot])]

    @property
    def attempts(self) -> int:
        """Irregular crossing attempts so far."""
        return int(self._pop.attempts[self.slot])

    @property
    def returnee(self) -> bool:
        """Returned to France under the pilot (flagged by biometrics)."""
        return bool(self._pop.returnee[self.slot])

    @property
    def eligible(self) -> bool:
        """Eligible for the legal route: never attempted irregularly, never refused by it."""
        return bool(self._pop.attempts[self.slot] == 0 and not self._pop.refused[self.slot])

    @property
    def beliefs(self) -> dict[str, float]:
        """Perceived chances of being stopped, dying, being returned and being admitted."""
        pop, i = self._pop, self.slot
        return {"stop": float(pop.b_stop[i]), "death": float(pop.b_death[i]),
                "return": float(pop.b_return[i]), "admit": float(pop.b_admit[i])}

    def __repr__(self) -> str:
        return f"Migrant({self.unique_id}, {self.state.name}, camp={self.camp}, attempts={self.attempts})"


#: Mesa's logger for agent registration: when it logs at debug level, every agent is registered
#: through Mesa one by one so that each registration is logged.
_MESA_MODEL_LOG = logging.getLogger(f"{mesa_logging.LOGGER_NAME}.{mesa.model.__name__}")


def _registered_one_by_one(model: mesa.Model) -> bool:
    """Whether Migrants must go through ``Agent.__init__`` and ``Agent.remove`` one at a time:
    when anything beyond numbering them and keeping Mesa's agent sets would be missed: someone
    observes the model's agents (the added and removed signals), signals are being batched,
    Mesa logs at debug level, or a Mesa dataset tracks Migrants."""
    return (any(name == "agents" for name, _ in model.subscribers)
            or getattr(model, "_batch_context", None) is not None
            or _MESA_MODEL_LOG.isEnabledFor(logging.DEBUG)
            or bool(Migrant._datasets))


def registered_sets(model: mesa.Model) -> tuple[dict, "mesa.agent.AgentSet"]:
    """Mesa's agent sets as registered: ``(agents by type, all agents)``. Unlike
    ``model.agents_by_type`` and ``model.agents`` on a ChannelModel, reading them makes no
    waiting Migrant (:meth:`Population.make_agents`)."""
    return mesa.Model.agents_by_type.fget(model), mesa.Model.agents.fget(model)


def _create_migrants(model: mesa.Model, slots: np.ndarray, uids: np.ndarray | None = None) -> np.ndarray:
    """One registered Migrant per slot, as ``Migrant(model, slot)`` would make them in order:
    the same ``unique_id``s, in the same order in ``model.agents`` and
    ``model.agents_by_type[Migrant]``. Unless :func:`_registered_one_by_one`, they are
    numbered and added to Mesa's two agent sets in one pass, without the per-agent signal and
    debug message that nobody receives.

    ``uids`` (increasing) are numbers taken earlier (a lazy population's arrivals), instead of
    the next ones: the agents then take their place among the model's agents by number."""
    if uids is None and _registered_one_by_one(model):
        return _object_array([Migrant(model, s) for s in slots.tolist()])
    counter = model.agent_id_counter
    ids = list(range(counter, counter + len(slots))) if uids is None else uids.tolist()
    by_type, everyone = registered_sets(model)
    late = uids is not None and _numbered_after(everyone, ids[0])  # agents made since they arrived
    # The first Migrant of a model goes through Mesa, which makes the set of its type (a lazy
    # population makes it on arrival).
    agents = [] if Migrant in by_type else [Migrant(model, int(slots[0]))]
    rest = slots[len(agents):].tolist()
    new = Migrant.__new__
    made = [new(Migrant) for _ in rest]
    for agent, uid, slot in zip(made, ids[len(agents):], rest):
        # the attributes Agent.__init__ sets, in its order
        agent.model = model
        agent.unique_id = uid
        agent.pos = None
        agent.slot = slot
    if late:
        _add_in_order(everyone, made)
    else:
        _add_all(everyone, made)
    _add_all(by_type[Migrant], made)
    if uids is None:
        model.agent_id_counter = counter + len(slots)
    agents += made
    return _object_array(agents)


def _numbered_after(agent_set, uid: int) -> bool:
    """Whether an agent of ``agent_set`` was numbered after ``uid`` (the last one, in Mesa's
    order by number)."""
    members = _members(agent_set)
    if members is None:
        return any(agent.unique_id > uid for agent in agent_set)
    last = next(reversed(members), None)
    return last is not None and last.unique_id > uid


def _add_in_order(agent_set, agents: list) -> None:
    """Add ``agents`` to ``agent_set`` where making them in order of ``unique_id`` puts them."""
    everyone = sorted([*agent_set, *agents], key=lambda agent: agent.unique_id)
    members = _members(agent_set)
    if members is None:
        for agent in list(agent_set):
            agent_set.remove(agent)
        for agent in everyone:
            agent_set.add(agent)
    else:
        members.clear()
        members.update(dict.fromkeys(everyone))


def _object_array(items: list) -> np.ndarray:
    """``items`` as a one-dimensional object array (without numpy looking into each item for
    dimensions, as assigning the list would)."""
    return np.fromiter(items, dtype=object, count=len(items))


def _remove_migrants(model: mesa.Model, agents: list[Migrant], one_by_one: bool) -> None:
    """Deregister ``agents`` from the model, as ``agent.remove()`` would one by one (and through
    it if ``one_by_one``: :func:`_registered_one_by_one`)."""
    if one_by_one:
        for agent in agents:
            agent.remove()
        return
    by_type, everyone = registered_sets(model)
    _remove_all(by_type[Migrant], agents)
    _remove_all(everyone, agents)


def _members(agent_set) -> dict | None:
    """The dictionary a Mesa agent set keeps its agents in (as keys, in the order they were
    added), or None if this version of Mesa keeps them otherwise."""
    members = getattr(agent_set, "_agents", None)
    return members if type(members) is dict else None


def _add_all(agent_set, agents: list) -> None:
    """``agent_set.add(a)`` for each of ``agents`` in order, in one update of its dictionary."""
    members = _members(agent_set)
    if members is None:
        for agent in agents:
            agent_set.add(agent)
    else:
        members.update(dict.fromkeys(agents))


def _remove_all(agent_set, agents: list) -> None:
    """``agent_set.remove(a)`` for each of ``agents`` (KeyError if one is not there)."""
    members = _members(agent_set)
    if members is None:
        for agent in agents:
            agent_set.remove(agent)
    else:
        collections.deque(map(members.__delitem__, agents), maxlen=0)  # the loop, run in C


_COLUMNS: dict[str, type] = {
    "state": np.int8, "camp": np.int8, "attempts": np.int16, "failures": np.int16,
    "returnee": np.bool_, "refused": np.bool_, "pull": np.float64,
    "arrived": np.int32,  # day the person reached the coast (model step)
    "since": np.int32,  # day of the last booking or application
    "gang": np.int8,  # the gang a person has paid and waits with, -1 if none
    "case_stage": np.int8,  # stage of a person's pilot case or legal-route application (casework)
    "case_due": np.int32,  # day the current stage ends (model step)
    "held_since": np.int32,  # day a detained person landed (model step)
    "patient": np.bool_,  # an applicant who stops trying to cross while waiting
}
#: The four beliefs (perceived chances, shares): columns ``b_<name>`` of one (slots x 4) matrix,
#: ``Population.belief_matrix``, so that the camps' evening update is one pass over all four.
BELIEF_NAMES = ("stop", "death", "return", "admit")
#: One row of the belief matrix as a single item (four float64), to move whole rows at once.
_BELIEF_ROW = np.dtype((np.void, 8 * len(BELIEF_NAMES)))
#: Every column of the population, by attribute name (``Population.<name>``, one value per slot).
COLUMN_NAMES: tuple[str, ...] = tuple(_COLUMNS) + tuple("b_" + name for name in BELIEF_NAMES)


class Population:
    """Column store of the people present, with slot reuse and the accounting of who is where."""

    def __init__(self, model: mesa.Model, capacity: int = 4096, lazy: bool = False) -> None:
        self.model = model
        #: make Migrant agents when the model's agents are looked at (:meth:`make_agents`),
        #: not on arrival; the model must call :meth:`make_agents` before showing its agents
        self.lazy = lazy
        self.capacity = 0
        #: free slots as a stack: the next people take the slots on top, last freed first
        self._free = np.empty(0, dtype=np.int64)
        self._n_free = 0
        #: the Migrant agent at each slot (None where the slot is free or its agent not made yet)
        self._agents = np.empty(0, dtype=object)
        self.uid = np.empty(0, dtype=np.int64)  #: each person's ``unique_id``, taken on arrival
        self._unmade = 0  #: people present whose Migrant agent is not made yet
        for name, dtype in _COLUMNS.items():
            setattr(self, name, np.empty(0, dtype=dtype))
        #: beliefs, one row per slot and one column per :data:`BELIEF_NAMES` (``b_stop`` is a view
        #: of column 0, and so on)
        self.belief_matrix = np.empty((0, len(BELIEF_NAMES)))
        self._grow(capacity)
        #: slots below it have held someone; every slot from it up is free (scans stop there)
        self.span = 0
        self.entered = 0  #: everyone who ever entered (initial population and inflow)
        self.removed = np.zeros(len(State), dtype=np.int64)  #: removed people, by final state

    # -------------------------------------------------------------------------- storage
    def _grow(self, capacity: int) -> None:
        """Make room for ``capacity`` people; the new slots go on top of the free stack, lowest
        slot first out."""
        old = self.capacity
        for name, dtype in _COLUMNS.items():
            col = np.zeros(capacity, dtype=dtype)
            col[:old] = getattr(self, name)
            setattr(self, name, col)
        beliefs = np.zeros((capacity, len(BELIEF_NAMES)))
        beliefs[:old] = self.belief_matrix
        self._set_beliefs(beliefs)
        self.state[old:] = FREE
        self.gang[old:] = -1
        agents = np.full(capacity, None, dtype=object)
        agents[:old] = self._agents
        self._agents = agents
        uid = np.full(capacity, -1, dtype=np.int64)
        uid[:old] = self.uid
        self.uid = uid
        free = np.empty(capacity, dtype=np.int64)  # room for every slot: a stack never overflows
        top = self._n_free
        free[:top] = self._free[:top]
        free[top:top + capacity - old] = np.arange(capacity - 1, old - 1, -1)
        self._free, self._n_free = free, top + capacity - old
        self.capacity = capacity

    def _set_beliefs(self, matrix: np.ndarray) -> None:
        self.belief_matrix = matrix
        for k, name in enumerate(BELIEF_NAMES):
            setattr(self, "b_" + name, matrix[:, k])

    def beliefs_of(self, slots: np.ndarray) -> np.ndarray:
        """The beliefs of the people at ``slots``: a new (len(slots) x 4) array, columns in the
        order of :data:`BELIEF_NAMES`."""
        return np.take(self.belief_matrix, slots, axis=0)

    def set_beliefs(self, slots: np.ndarray, rows: np.ndarray) -> None:
        """Set the beliefs of the people at ``slots`` to ``rows`` (len(slots) x 4)."""
        rows = np.ascontiguousarray(rows, dtype=np.float64)
        if rows.shape != (len(slots), len(BELIEF_NAMES)):
            raise ValueError(f"set_beliefs: rows of shape {rows.shape} for {len(slots)} slots: "
                             f"expected ({len(slots)}, {len(BELIEF_NAMES)})")
        # Whole rows at once: each row as one 32-byte item (numpy's row scatter is slower).
        np.put(self.belief_matrix.view(_BELIEF_ROW).reshape(-1), slots, rows.view(_BELIEF_ROW).reshape(-1))

    def __getstate__(self) -> dict:
        state = self.__dict__.copy()  # the b_ views are made again from the matrix on load
        for name in BELIEF_NAMES:
            state.pop("b_" + name, None)
        return state

    def __setstate__(self, state: dict) -> None:
        self.__dict__.update(state)
        if "span" not in state:  # pickled before scans stopped at the span: scan every slot
            self.span = self.capacity
        if "_agents" not in state:  # pickled when every agent was made on arrival
            self._agents = self.__dict__.pop("agents")
            self.uid = np.array([-1 if a is None else a.unique_id for a in self._agents], dtype=np.int64)
            self.lazy, self._unmade = False, 0
        self._set_beliefs(self.belief_matrix)

    def add(self, n: int, camp: np.ndarray, pull: np.ndarray,
            beliefs: dict[str, np.ndarray] | np.ndarray, day: int) -> np.ndarray:
        """Bring ``n`` people into camps; returns their slots. ``beliefs`` are theirs, as
        ``{name: values}`` (names of :data:`BELIEF_NAMES`) or as rows (n x 4) in that order."""
        if n <= 0:
            return np.empty(0, dtype=np.int64)
        model = self.model
        now = not self.lazy or _registered_one_by_one(model)  # make their agents now
        if now:
            self.make_agents()  # anyone waiting first: Mesa numbers them in order
        while self._n_free < n:
            self._grow(self.capacity * 2)
        top = self._n_free
        slots = self._free[top - n:top][::-1].copy()
        self._n_free = top - n
        self.span = max(self.span, int(slots.max()) + 1)
        self.state[slots] = State.IN_CAMP
        self.camp[slots] = camp
        for name in ("attempts", "failures", "returnee", "refused", "case_stage", "patient"):
            getattr(self, name)[slots] = 0
        self.gang[slots] = -1
        self.pull[slots] = pull
        if isinstance(beliefs, dict):
            for key, values in beliefs.items():
                getattr(self, "b_" + key)[slots] = values
        else:
            self.set_beliefs(slots, beliefs)
        self.since[slots] = day
        self.arrived[slots] = day
        if now:
            made_now = n
        else:  # the model's first Migrant is made on arrival (Mesa makes the set of its type)
            made_now = int(Migrant not in registered_sets(model)[0])
        if made_now:
            made = _create_migrants(model, slots[:made_now])
            self._agents[slots[:made_now]] = made
            self.uid[slots[:made_now]] = [a.unique_id for a in made]
        if made_now < n:  # numbered now, made when looked at
            first = model.agent_id_counter
            self.uid[slots[made_now:]] = np.arange(first, first + n - made_now)
            model.agent_id_counter = first + n - made_now
            self._unmade += n - made_now
        self.entered += n
        return slots

    @property
    def agents(self) -> np.ndarray:
        """The Migrant agent at each slot (None where the slot is free), every agent made."""
        self.make_agents()
        return self._agents

    def make_agents(self) -> None:
        """Make the Migrant agents of the people present who have none yet (a lazy
        population's newcomers), with the ``unique_id`` each took on arrival, and register them
        with Mesa in that order: the model's agents are then those that making every Migrant
        on arrival gives, in the same order."""
        if not self._unmade:
            return
        present = np.flatnonzero(self.in_use(self.state) != FREE)
        waiting = present[self._agents[present] == None]  # noqa: E711 (elementwise over objects)
        waiting = waiting[np.argsort(self.uid[waiting], kind="stable")]
        self._agents[waiting] = _create_migrants(self.model, waiting, self.uid[waiting])
        self._unmade = 0

    def remove(self, slots: np.ndarray, final: State) -> None:
        """Take people out of the model for good, counting them in their final state."""
        slots = np.asarray(slots, dtype=np.int64)
        if len(slots) == 0:
            return
        ordered = np.sort(slots)
        twice = ordered[1:][ordered[1:] == ordered[:-1]]
        absent = slots[self.state[slots] == FREE]
        if len(absent) or len(twice):
            raise AccountingError(
                f"cannot remove slots {absent.tolist()} (nobody there) and {np.unique(twice).tolist()} "
                f"(given twice) as {State(final).name}: expected each slot once, of someone present")
        one_by_one = _registered_one_by_one(self.model)
        if one_by_one:
            self.make_agents()  # observers hear of everyone who leaves
        agents = self._agents[slots].tolist()  # None where the agent was not made yet
        if self._unmade:
            unmade = agents.count(None)
            if unmade:
                agents = [a for a in agents if a is not None]
                self._unmade -= unmade
        self.removed[final] += len(slots)
        self.state[slots] = FREE
        self.gang[slots] = -1
        _remove_migrants(self.model, agents, one_by_one)
        self._agents[slots] = None
        self.uid[slots] = -1
        top = self._n_free
        self._free[top:top + len(slots)] = slots
        self._n_free = top + len(slots)

    # -------------------------------------------------------------------------- queries
    def in_use(self, column: np.ndarray) -> np.ndarray:
        """The part of one of the population's columns that can hold someone (a view): the
        slots below the span. Scans stop there; every slot from the span up is free."""
        return column[:self.span]

    def where(self, state: State, *more: State) -> np.ndarray:
        """Slots of the people currently in ``state`` (or in any of ``more``), in slot order."""
        states = self.in_use(self.state)
        found = states == state
        for other in more:
            found |= states == other
        return found.nonzero()[0]

    def count(self, state: State) -> int:
        """How many people are in ``state`` now (people removed are not counted: see
        ``counts``)."""
        return int(np.count_nonzero(self.in_use(self.state) == state))

    def counts(self) -> np.ndarray:
        """People in each state (present and removed), indexed by :class:`State`."""
        return self.present() + self.removed

    def present(self) -> np.ndarray:
        """People present now in each state, indexed by :class:`State`."""
        # Free slots hold -1, which reads as 255 unsigned: counted apart, past the states.
        return np.bincount(self.in_use(self.state).view(np.uint8), minlength=256)[:len(State)]

    def check(self) -> None:
        """Raise :class:`AccountingError` unless everyone who entered is in exactly one state."""
        # people in one of the states (free slots, -1, read as 255 unsigned)
        present = int(np.count_nonzero(self.in_use(self.state).view(np.uint8) < len(State)))
        total = present + int(self.removed.sum())
        if total != self.entered:
            raise AccountingError(
                f"{self.entered} people entered but the states hold {total}: "
                + ", ".join(f"{s.name.lower()}={c}" for s, c in zip(State, self.counts())))
        made = len(registered_sets(self.model)[0].get(Migrant, ()))  # made ones only
        if present != made + self._unmade:
            raise AccountingError(f"{present} people present but {made} Migrant agents "
                                  f"and {self._unmade} to make")
