"""The model's modules: who owns what, the result columns they declare, the public snapshot,
the operations policies act through, and models that pickle and copy safely."""

from __future__ import annotations

import copy
import datetime as dt
import pickle

import numpy as np
import pandas as pd
import pytest

import channelsim
from channelsim import results
from channelsim.model import ChannelModel
from channelsim.policies import OneInOneOut, Policy
from channelsim.population import COLUMN_NAMES, State
from channelsim.world import MODULES, CampNews
from channelsim import decisions
from channelsim.world.beliefs import BELIEF_RULES, mean_by_camp, move_toward


def test_every_population_column_has_exactly_one_owner():
    owners = [c for module in MODULES for c in module.OWNS] + ["state"]  # state: the population's
    assert sorted(owners) == sorted(COLUMN_NAMES), "a column is owned twice, or by nobody"


def test_result_columns_are_known_without_running_and_match_a_run():
    names = list(results.COLUMNS)
    daily = channelsim.simulate(days=3, seed=1)
    assert list(daily.columns) == names
    for name, r in results.COLUMNS.items():
        assert r.unit and r.description, name
        assert r.kind in ("flow", "level", "ratio", "flag", "max")
    assert results.RATIOS == {"people_per_boat": "boats", "price_eur": "attempts", "taxi_share": "launches",
                              "share_60plus": "boats"}
    assert {"in_camps", "legal_queue", "belief_stop"} <= results.LEVELS
    assert "arrivals" not in results.LEVELS
    assert list(channelsim.summary(daily).index) == list(results.SUMMARY_NAMES)
    assert channelsim.experiments.runs.output_names() == tuple(
        channelsim.experiments.run_totals(daily))


def test_camp_news_counts_decay_and_rates():
    news = CampNews(3, memory_days=10.0)
    news.record("attempts", np.array([0, 0, 0, 0, 1]))
    news.record("stopped", np.array([0]))
    rate, heard = news.rate("stopped", "attempts")
    assert rate.tolist() == [0.25, 0.0, 0.0] and heard.tolist() == [True, True, False]
    news.decay()
    assert news.count("attempts")[0] == pytest.approx(4 * np.exp(-0.1))
    assert news.rate("stopped", "attempts")[0][0] == pytest.approx(0.25)  # decay keeps rates
    with pytest.raises(KeyError, match="unknown news 'arrests'"):
        news.record("arrests", np.array([0]))
    assert {r.belief for r in BELIEF_RULES} == {"stop", "death", "return", "admit"}


def test_snapshot_shows_the_day_without_exposing_the_model():
    model = channelsim.build_model("pilot_announced", start="2025-08-01", seed=3)
    model.run_for(30)
    snap = model.snapshot()
    assert snap.date == dt.date(2025, 8, 30) == model.date
    assert snap.tally["arrivals"] == model.results().arrivals.iloc[-1]
    assert len(snap.boats) == len(model.boats_today)
    landed = snap.boats.outcome.isin(["landed", "picked_up"])
    assert snap.boats.aboard[landed].sum() == snap.tally["arrivals"]
    assert snap.police.officers.sum() == pytest.approx(model.levers.officers_per_day)
    assert snap.camps.people.sum() == snap.tally["in_camps"]
    assert len(snap.vessels) == model.levers.bf_vessels
    snap.stop_risk[:] = 5.0  # a copy: the model is unchanged
    assert (model.policing.stop_risk <= 1).all()


def test_a_stormy_day_after_a_calm_one_shows_no_boats():
    days = pd.date_range("2024-07-01", periods=31)
    calm = ChannelModel(start="2024-07-01", rng=0, weather=pd.Series(1.0, index=days))
    for boat_day in range(1, 31):  # the first calm night with boats out
        calm.step()
        if len(calm.snapshot().boats):
            break
    else:
        raise AssertionError("no boat left in 30 calm days")
    weather = pd.Series([1.0] * boat_day + [9.0] * (31 - boat_day), index=days)
    model = ChannelModel(start="2024-07-01", rng=0, weather=weather)  # the same nights, then a storm
    model.run_for(boat_day)
    assert len(model.snapshot().boats) > 0
    model.step()
    assert model.snapshot().boats.empty and model.boats_today == []


def test_a_policy_acts_through_the_model_operations():
    class ReturnEveryone(Policy):
        kind = "return_everyone"

        def on_landed(self, model, landed):
            model.detain(landed)

        def on_day_end(self, model):
            held = model.casework.in_detention()
            if held:
                pop = model.population
                model.return_to_france(pop.where(State.DETAINED))

    model = ChannelModel(start="2024-06-01", rng=2, policies=[ReturnEveryone()])
    model.run_for(20)
    daily = model.results()
    assert daily.arrivals.sum() > 0
    assert (daily.detained == daily.arrivals).all() and (daily.returned == daily.arrivals).all()
    assert (daily.net_effect == 0).all()


def test_a_model_pickles_and_a_pickled_run_continues_identically():
    model = channelsim.build_model("pilot_announced", start="2025-07-20", seed=5)
    pickle.dumps(ChannelModel(rng=5))
    model.run_for(20)
    clone = pickle.loads(pickle.dumps(model))
    twin = copy.deepcopy(model)
    model.run_for(25)
    clone.run_for(25)
    twin.run_for(25)
    pd.testing.assert_frame_equal(model.results(), clone.results())
    pd.testing.assert_frame_equal(model.results(), twin.results())
    assert model.results().returned.sum() > 0  # the pilot's casework crossed the pickle


def test_a_shallow_copy_is_refused_with_a_reason():
    model = ChannelModel(rng=1)
    with pytest.raises(TypeError, match="cannot be copied with copy.copy"):
        copy.copy(model)


def test_the_pilot_cap_binds_on_returns():
    pilot = OneInOneOut(start="2025-08-04", weekly_return_cap=20, detention_places=500,
                        selection_share=1.0, seats_per_week=500, first_removal_days=0,
                        referral_days=1, answer_days=1)
    model = ChannelModel(start="2025-08-04", rng=4, policies=[pilot])
    model.run_for(28)
    weekly = results.aggregate(model.results(), "week")
    assert (weekly.returned <= 20).all() and weekly.returned.max() == 20
    assert weekly.returned.sum() > 0


def test_the_odd_schedule_follows_step():
    """Section 3 of docs/ODD.md names, for each phase, the module method that runs it: each
    exists, and they come in the order ChannelModel.step calls them."""
    import inspect
    import re

    from channelsim import docs

    text = docs.ODD_PATH.read_text(encoding="utf-8")
    section = text[text.index("## 3 Process overview"):text.index("## 4 Design concepts")]
    named = [pair for group in re.findall(r"\[([^\]]*)\]", section)
             for pair in re.findall(r"`(\w+)\.(\w+)`", group)]
    assert len(named) >= 10
    model = ChannelModel(rng=0)
    for module, method in named:
        assert callable(getattr(getattr(model, module), method)), f"{module}.{method}"
    day = inspect.getsource(ChannelModel.step)
    for helper in ("_launch", "_evening", "_set_levers"):
        day = day.replace(f"self.{helper}(", inspect.getsource(getattr(ChannelModel, helper)))
    calls = [m.group(1) + "." + m.group(2)
             for m in re.finditer(r"self\.(\w+)\.(\w+)\(", day)]
    order = [calls.index(f"{a}.{b}") for a, b in named]
    assert order == sorted(order), "the ODD's schedule and step() disagree on the order"


def test_the_evening_update_of_all_beliefs_is_each_belief_updated_alone():
    """Moving the four beliefs at once gives, bit for bit, what updating each belief toward its
    camp's target by its camp's weight gives (:func:`decisions.update_beliefs`)."""
    g = np.random.default_rng(8)
    rows = g.random((500, 4))
    camp = g.integers(0, 5, 500).astype(np.intp)
    weight = g.random((5, 4)) * (g.random((5, 4)) < 0.7)  # some camps heard nothing
    target = g.random((5, 4))
    expected = np.column_stack([decisions.update_beliefs(rows[:, k], target[camp, k], weight[camp, k])
                                for k in range(4)])
    out = move_toward(rows.copy(), camp, weight, target)
    np.testing.assert_array_equal(out, expected)
    assert ((out >= 0) & (out <= 1)).all()


def test_tonights_update_moves_each_belief_toward_its_camps_observed_rate_less_the_reassurance():
    model = channelsim.build_model(seed=2, smuggler_reassurance=0.25, belief_learning_rate=0.08)
    model.run_for(40)
    news = model.beliefs.news
    news.counts[:, 1] = 0.0  # the second camp has heard nothing lately
    weight, target = model.beliefs.evening_update()
    assert weight.shape == target.shape == (news.n_camps, len(BELIEF_RULES))
    for k, rule in enumerate(BELIEF_RULES):
        rate, heard = news.rate(rule.numerator, rule.denominator)
        keep = 0.75 if rule.reassured else 1.0
        np.testing.assert_array_equal(weight[:, k], np.where(heard, 0.08, 0.0))
        np.testing.assert_allclose(target[:, k], rate * keep, rtol=1e-15)
        assert weight[1, k] == 0.0 and target[1, k] == 0.0
    assert weight[0, 0] == 0.08 and 0.0 < target[0, 0] < 0.75  # camp 0 saw attempts and stops


def test_camp_means_are_means_over_each_camps_people_and_the_prior_where_empty():
    g = np.random.default_rng(9)
    rows = g.random((300, 4))
    camp = g.choice([0, 1, 3], size=300).astype(np.intp)  # camp 2 is empty
    empty = np.array([0.1, 0.02, 0.0, 0.0])
    means = mean_by_camp(camp, rows, 4, empty)
    for c in (0, 1, 3):
        np.testing.assert_allclose(means[c], rows[camp == c].mean(axis=0), rtol=1e-12)
    np.testing.assert_array_equal(means[2], empty)
    # beliefs of 0 and 1 for everyone give means of exactly 0 and 1 (no rounding in the sums)
    ends = np.repeat([[0.0, 1.0, 0.0, 1.0]], 300, axis=0)
    np.testing.assert_array_equal(mean_by_camp(camp, ends, 4, empty)[[0, 1, 3]],
                                  [[0.0, 1.0, 0.0, 1.0]] * 3)
    assert mean_by_camp(camp[:0], rows[:0], 4, empty).tolist() == [empty.tolist()] * 4


def test_the_days_mean_beliefs_are_over_the_people_in_camps_that_evening():
    model = channelsim.build_model(seed=4)
    for _ in range(30):
        model.step()
        pop = model.population
        in_camp = pop.where(State.IN_CAMP)
        tally = model.tally
        assert tally.belief_stop == pytest.approx(pop.b_stop[in_camp].mean(), rel=1e-12)
        assert tally.belief_death == pytest.approx(pop.b_death[in_camp].mean(), rel=1e-12)
        assert tally.belief_return == pytest.approx(pop.b_return[in_camp].mean(), rel=1e-12, abs=1e-300)
    # Asked for other people than those who learned this evening, it reads their beliefs.
    some = pop.where(State.IN_CAMP)[::3]
    model.beliefs.record_results(some)
    assert tally.belief_stop == pop.b_stop[some].mean()
    assert tally.belief_return == pop.b_return[some].mean()
