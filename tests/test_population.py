"""The population store: slots, columns, and Migrant agents registered with Mesa.

People arrive and leave by the hundred every day. The store registers them with Mesa in one
pass; these tests hold it to what Mesa's own ``Agent(model)`` and ``agent.remove()`` would have
left behind (numbering, agent sets, signals to anyone observing), and to its slot bookkeeping.
"""

from __future__ import annotations

import gc
import logging
import pickle
import weakref

import mesa
import numpy as np
import pytest
from mesa.experimental.mesa_signals import ModelSignals

import channelsim
from channelsim.population import FREE, AccountingError, Migrant, Population, State

BELIEFS = ("stop", "death", "return", "admit")


def _add(pop: Population, n: int, day: int = 0, camp: int = 0) -> np.ndarray:
    beliefs = {key: np.full(n, 0.1 * (k + 1)) for k, key in enumerate(BELIEFS)}
    return pop.add(n, np.full(n, camp, dtype=np.int8), np.linspace(1.0, 2.0, n), beliefs, day)


def _store(capacity: int = 8) -> tuple[mesa.Model, Population]:
    model = mesa.Model(rng=1)
    return model, Population(model, capacity=capacity)


def _migrants(model: mesa.Model) -> list[tuple[int, int]]:
    """(unique_id, slot) of every Migrant, in Mesa's own order."""
    return [(a.unique_id, a.slot) for a in model.agents_by_type.get(Migrant, ())]


# ----------------------------------------------------------------------------- slots and columns
def test_slots_of_people_who_left_are_reused_last_freed_first():
    model, pop = _store(capacity=8)
    first = _add(pop, 5)
    assert first.tolist() == [0, 1, 2, 3, 4]
    pop.remove(np.array([3, 1]), State.LEFT)
    assert _add(pop, 2).tolist() == [1, 3]  # the last freed (1) first, then 3
    assert pop.capacity == 8
    assert _add(pop, 3).tolist() == [5, 6, 7]


def test_growing_keeps_everyone_and_their_columns():
    model, pop = _store(capacity=4)
    slots = _add(pop, 3, day=7, camp=2)
    pop.attempts[slots] = [1, 2, 3]
    more = _add(pop, 6, day=8)  # 9 people: the store doubles twice
    assert pop.capacity == 16
    assert more.tolist() == [8, 9, 10, 11, 12, 13]  # new slots are handed out first
    assert pop.attempts[slots].tolist() == [1, 2, 3]
    assert pop.camp[slots].tolist() == [2, 2, 2] and pop.arrived[slots].tolist() == [7, 7, 7]
    present = np.concatenate([slots, more])
    free = np.setdiff1d(np.arange(16), present)
    assert pop.count(State.IN_CAMP) == 9 and (pop.state[free] == FREE).all()
    assert (pop.gang[free] == -1).all()
    assert [pop.agents[s].slot for s in present] == present.tolist()
    assert all(pop.agents[s] is None for s in free)
    assert _add(pop, 7).tolist() == [14, 15, 4, 5, 6, 7, 3]  # then every free slot, none lost


def test_scans_stop_at_the_span_above_which_every_slot_is_free():
    """``span`` is one past the highest slot anyone has held: every slot from it up is free, so
    counting and finding people there gives what a scan of every slot gives."""
    model, pop = _store(capacity=4)
    assert pop.span == 0 and pop.where(State.IN_CAMP).tolist() == [] and pop.count(State.IN_CAMP) == 0
    _add(pop, 3)
    assert pop.span == 3
    assert _add(pop, 3).tolist() == [4, 5, 6]  # grows to 8: new slots first, slot 3 stays free
    assert (pop.capacity, pop.span) == (8, 7)
    pop.remove(np.array([6, 0]), State.LEFT)
    assert pop.span == 7  # it never comes down: slot 6 is free again, below it
    assert _add(pop, 1).tolist() == [0]  # the last freed, not a new slot
    assert pop.span == 7
    pop.state[[1, 2]] = State.APPLICANT
    rng = np.random.default_rng(3)
    for _ in range(30):  # people come and go; the span covers everyone
        present = np.flatnonzero(pop.state != FREE)
        pop.remove(rng.choice(present, size=min(len(present), int(rng.integers(0, 4))), replace=False), State.LEFT)
        _add(pop, int(rng.integers(0, 5)))
        assert (pop.state[pop.span:] == FREE).all() and pop.span <= pop.capacity
        for state in State:
            assert pop.where(state).tolist() == np.flatnonzero(pop.state == state).tolist()
            assert pop.count(state) == np.count_nonzero(pop.state == state)
        assert pop.present().tolist() == [np.count_nonzero(pop.state == s) for s in State]
        pop.check()


def test_people_in_any_of_several_states_are_found_in_slot_order():
    model, pop = _store(capacity=8)
    _add(pop, 6)
    pop.state[[1, 4]] = State.APPLICANT
    pop.state[2] = State.DETAINED
    assert pop.where(State.IN_CAMP, State.APPLICANT).tolist() == [0, 1, 3, 4, 5]
    assert pop.where(State.DETAINED, State.AWAY).tolist() == [2]
    assert pop.in_use(pop.state).tolist() == pop.state[:6].tolist() and pop.span == 6


def test_a_store_pickled_without_a_span_scans_every_slot():
    import pickle

    model, pop = _store(capacity=8)
    _add(pop, 5)
    state = pop.__getstate__()
    del state["span"]
    old = Population.__new__(Population)
    old.__setstate__(pickle.loads(pickle.dumps(state)))
    assert old.span == old.capacity == 8
    assert old.where(State.IN_CAMP).tolist() == [0, 1, 2, 3, 4]


def test_a_reused_slot_starts_afresh():
    model, pop = _store(capacity=4)
    slot = _add(pop, 1)
    pop.attempts[slot], pop.failures[slot], pop.gang[slot] = 3, 2, 1
    pop.returnee[slot] = pop.refused[slot] = True
    pop.remove(slot, State.LEFT)
    again = _add(pop, 1, day=5)
    assert again.tolist() == slot.tolist()
    assert (pop.attempts[again], pop.failures[again], pop.gang[again]) == (0, 0, -1)
    assert not pop.returnee[again] and not pop.refused[again]
    assert pop.b_admit[again] == pytest.approx(0.4) and pop.since[again] == 5


def test_columns_keep_their_types_through_growth():
    model, pop = _store(capacity=2)
    _add(pop, 5)
    kinds = {name: getattr(pop, name).dtype for name in
             ("state", "camp", "gang", "attempts", "failures", "returnee", "refused",
              "arrived", "since", "pull", "b_stop")}
    assert kinds == {"state": np.int8, "camp": np.int8, "gang": np.int8, "attempts": np.int16,
                     "failures": np.int16, "returnee": np.bool_, "refused": np.bool_,
                     "arrived": np.int32, "since": np.int32, "pull": np.float64,
                     "b_stop": np.float64}


def test_accounting_counts_present_and_removed_people():
    model, pop = _store()
    slots = _add(pop, 6)
    pop.state[slots[:2]] = State.APPLICANT
    pop.remove(slots[4:], State.DEAD)
    assert pop.counts()[[State.IN_CAMP, State.APPLICANT, State.DEAD]].tolist() == [2, 2, 2]
    assert pop.entered == 6 and pop.counts().sum() == 6
    pop.check()


def test_belief_columns_are_views_of_one_matrix_through_growth_and_pickling():
    """``b_stop`` ... ``b_admit`` are the columns of ``belief_matrix``: a write to either is seen
    by the other, after the store grows and after a pickle round trip (a deepcopy of a model
    mid-run goes through the same path)."""
    import pickle

    model, pop = _store(capacity=2)
    slots = _add(pop, 5)  # grows twice
    for k, name in enumerate(BELIEFS):
        assert np.shares_memory(getattr(pop, "b_" + name), pop.belief_matrix)
        np.testing.assert_array_equal(pop.belief_matrix[slots, k], getattr(pop, "b_" + name)[slots])
    pop.b_death[slots[0]] = 0.9
    assert pop.belief_matrix[slots[0], 1] == 0.9
    copy = pickle.loads(pickle.dumps(pop))
    copy.belief_matrix[slots[1], 2] = 0.7
    assert copy.b_return[slots[1]] == 0.7 and pop.b_return[slots[1]] != 0.7
    assert np.shares_memory(copy.b_stop, copy.belief_matrix)


def test_beliefs_are_read_and_written_by_the_row():
    model, pop = _store(capacity=8)
    slots = _add(pop, 6)
    rows = np.arange(12, dtype=float).reshape(3, 4) / 20
    pop.set_beliefs(slots[[4, 1, 2]], rows)
    np.testing.assert_array_equal(pop.beliefs_of(slots[[4, 1, 2]]), rows)
    assert pop.b_admit[slots[1]] == rows[1, 3] and pop.b_stop[slots[0]] == pytest.approx(0.1)
    rows_as_dict = {key: rows[:, k] for k, key in enumerate(BELIEFS)}
    again = pop.add(3, np.zeros(3, dtype=np.int8), np.ones(3), rows_as_dict, 1)
    np.testing.assert_array_equal(pop.beliefs_of(again), rows)  # a dict and rows agree
    with pytest.raises(ValueError, match=r"rows of shape \(2, 4\) for 3 slots: expected \(3, 4\)"):
        pop.set_beliefs(slots[:3], rows[:2])


def test_people_present_by_state_leave_out_free_slots_and_the_removed():
    model, pop = _store(capacity=16)
    slots = _add(pop, 7)
    pop.state[slots[:2]] = State.DETAINED
    pop.state[slots[2]] = State.AWAY
    pop.remove(slots[5:], State.LANDED)
    present = pop.present()
    assert present.tolist() == [2, 0, 0, 0, 2, 0, 0, 1]
    assert present.tolist() == [pop.count(s) for s in State]
    assert (pop.counts() - present)[State.LANDED] == 2


# ----------------------------------------------------------------------------- bad input
@pytest.mark.parametrize("bad, named", [([2, 1, 2], r"\[\] \(nobody there\) and \[2\]"),
                                        ([5, 0], r"\[5\] \(nobody there\) and \[\]")],
                         ids=["twice", "free slot"])
def test_removing_someone_absent_is_refused_and_changes_nothing(bad, named):
    model, pop = _store()
    _add(pop, 4)
    before = (pop.state.copy(), pop.removed.copy(), _migrants(model))
    with pytest.raises(AccountingError, match=f"cannot remove slots {named} .* as LEFT"):
        pop.remove(np.array(bad), State.LEFT)
    assert (pop.state == before[0]).all() and (pop.removed == before[1]).all()
    assert _migrants(model) == before[2]
    pop.check()


def test_nobody_added_or_removed_is_a_no_op():
    model, pop = _store()
    assert len(_add(pop, 0)) == 0
    pop.remove(np.empty(0, dtype=np.int64), State.LEFT)
    assert pop.entered == 0 and pop.removed.sum() == 0 and _migrants(model) == []


# ----------------------------------------------------------------------------- Mesa agents
def test_people_are_numbered_and_kept_by_mesa_as_agent_would_do():
    model, pop = _store()
    mesa.Agent(model)  # another agent first: Migrants continue its numbering
    _add(pop, 3)
    _add(pop, 2)
    assert _migrants(model) == [(2, 0), (3, 1), (4, 2), (5, 3), (6, 4)]
    assert [a.unique_id for a in model.agents] == [1, 2, 3, 4, 5, 6]
    assert model.agent_id_counter == 7
    pop.remove(np.array([1, 3]), State.LANDED)
    assert _migrants(model) == [(2, 0), (4, 2), (6, 4)]
    assert len(model.agents) == 4
    assert pop.agents[1] is None and pop.agents[3] is None
    one_by_one = Migrant(mesa.Model(rng=1), slot=0)
    assert vars(pop.agents[2]).keys() == vars(one_by_one).keys()  # nothing Agent() sets is missing
    assert vars(pop.agents[2])["model"] is model and pop.agents[2].pos is None


def test_people_who_leave_are_freed_from_memory():
    model, pop = _store()
    _add(pop, 1)
    slots = _add(pop, 50)
    gone = [weakref.ref(a) for a in pop.agents[slots]]
    pop.remove(slots, State.LEFT)
    gc.collect()
    assert all(ref() is None for ref in gone)


def _day_by_day(model: channelsim.ChannelModel, days: int) -> list[tuple[int, int]]:
    model.run_for(days)
    return _migrants(model)


def test_a_run_is_the_same_whether_or_not_anyone_observes_the_agents():
    """Observing the model's agents makes every Migrant go through Mesa's own ``Agent(model)``
    and ``agent.remove()``: the run, the numbering and the order of agents stay the same, and
    the observer hears of every person who entered or left."""
    heard = {ModelSignals.AGENT_ADDED: 0, ModelSignals.AGENT_REMOVED: 0}

    def listen(signal):
        if isinstance(signal.additional_kwargs["args"][0], Migrant):
            heard[signal.signal_type] += 1

    quiet = channelsim.build_model(seed=5)
    observed = channelsim.build_model(seed=5)
    entered_at_start = observed.population.entered
    observed.observe("agents", ModelSignals.AGENT_ADDED, listen)
    observed.observe("agents", ModelSignals.AGENT_REMOVED, listen)
    assert _day_by_day(quiet, 40) == _day_by_day(observed, 40)
    assert [a.unique_id for a in quiet.agents] == [a.unique_id for a in observed.agents]
    assert quiet.results().equals(observed.results())
    pop = observed.population
    assert heard[ModelSignals.AGENT_ADDED] == pop.entered - entered_at_start > 1000
    assert heard[ModelSignals.AGENT_REMOVED] == pop.removed.sum() > 300


def test_mesa_debug_log_names_every_person_registered(caplog):
    model, pop = _store()
    _add(pop, 2)
    with caplog.at_level(logging.DEBUG, logger="MESA.mesa.model"):
        _add(pop, 3)
        pop.remove(np.array([0]), State.LEFT)
    messages = [r.getMessage() for r in caplog.records]
    assert [m for m in messages if m.startswith("registered Migrant")] == [
        "registered Migrant with agent_id 3", "registered Migrant with agent_id 4",
        "registered Migrant with agent_id 5"]
    assert "deregistered agent with agent_id 1" in messages


def test_without_mesas_agent_dictionary_people_join_and_leave_through_the_sets_methods(monkeypatch):
    """The one-pass registration reads the dictionary Mesa 3.5's agent sets keep; where a Mesa
    keeps its agents otherwise, the sets' own ``add`` and ``remove`` are called instead: the
    same run, the same agents in the same order."""
    import channelsim.population as population

    fast = channelsim.build_model(seed=3)
    fast.run_for(30)
    monkeypatch.setattr(population, "_members", lambda agent_set: None)
    slow = channelsim.build_model(seed=3)
    slow.run_for(30)
    assert fast.results().equals(slow.results())
    assert _migrants(fast) == _migrants(slow)
    assert [a.unique_id for a in fast.agents] == [a.unique_id for a in slow.agents]


# ----------------------------------------------------------------------------- agents made when looked at
def _everyone(model: mesa.Model) -> list[tuple[str, int]]:
    return [(type(a).__name__, a.unique_id) for a in model.agents]


def test_a_models_migrants_are_made_when_looked_at_as_if_made_on_arrival():
    """A ChannelModel makes a person's Migrant agent only when someone looks at the agents;
    whenever that is, the agents, their numbers and Mesa's order (police units and vessels
    made in between included) are those of making every Migrant on arrival."""
    lazy = channelsim.build_model(seed=4)
    eager = channelsim.build_model(seed=4)
    eager.population.lazy = False  # every Migrant from now on is made on arrival
    pop = lazy.population
    lazy.run_for(20)
    made = len(mesa.Model.agents_by_type.fget(lazy)[Migrant])
    present = int(pop.present().sum())
    assert made == 1 and pop._unmade == present - 1 > 1000  # only the first: nobody looked
    eager.run_for(20)
    assert _everyone(lazy) == _everyone(eager)  # looking makes them, in Mesa's order
    assert pop._unmade == 0 and len(lazy.agents_by_type[Migrant]) == present
    lazy.run_for(40)
    eager.run_for(40)
    assert lazy.results().equals(eager.results())
    assert _migrants(lazy) == _migrants(eager) and _everyone(lazy) == _everyone(eager)
    assert Migrant in lazy.agent_types
    assert [a.slot for a in lazy.population.agents if a is not None] == \
        sorted(s for _, s in _migrants(lazy))


def test_people_who_come_and_go_unseen_are_never_made_and_the_accounting_holds():
    model = channelsim.build_model(seed=6)
    model.run_for(90)  # Population.check runs every day: present = made + to make
    pop = model.population
    assert pop.entered - pop.removed.sum() == int(pop.present().sum())
    made = len(mesa.Model.agents_by_type.fget(model)[Migrant])
    assert made + pop._unmade == int(pop.present().sum())
    assert model.agent_id_counter > pop.entered  # every person took a number on arrival
    pop._unmade += 1  # a person counted as waiting for an agent who is not there
    with pytest.raises(AccountingError, match="Migrant agents"):
        pop.check()


def test_a_model_pickled_with_migrants_not_yet_made_makes_them_after_loading():
    model = channelsim.build_model(seed=2)
    model.run_for(15)
    copy = pickle.loads(pickle.dumps(model))
    assert copy.population._unmade == model.population._unmade > 0
    assert _everyone(copy) == _everyone(model)
    copy.run_for(10)
    model.run_for(10)
    assert copy.results().equals(model.results())
