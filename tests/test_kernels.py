"""The compiled daily passes (channelsim.kernels) give what the rules they fuse give."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import channelsim
from channelsim import decisions, kernels
from channelsim.decisions import Option
from channelsim.params import Params
from channelsim.population import State
from channelsim.world.beliefs import BELIEF_RULES, CampNews, move_toward, totals_by_camp

P = Params()


def _people(seed: int, capacity: int = 600):
    """A population's columns with every case the choice tells apart: people in camp and
    applicants, booked or not, patient or not, with and without attempts, refusals, failures."""
    g = np.random.default_rng(seed)
    state = np.where(g.random(capacity) < 0.25, State.APPLICANT, State.IN_CAMP).astype(np.int8)
    state[g.random(capacity) < 0.1] = -1  # free slots, never chosen
    cols = dict(
        state=state,
        gang=np.where(g.random(capacity) < 0.3, g.integers(0, 6, capacity), -1).astype(np.int8),
        patient=g.random(capacity) < 0.5,
        arrived=g.integers(0, 400, capacity).astype(np.int32),
        failures=np.where(g.random(capacity) < 0.4, g.integers(1, 5, capacity), 0).astype(np.int16),
        pull=g.lognormal(1.0, 0.5, capacity),
        beliefs=g.random((capacity, 4)),
        attempts=np.where(g.random(capacity) < 0.4, g.integers(1, 4, capacity), 0).astype(np.int16),
        refused=g.random(capacity) < 0.1,
    )
    idx = np.flatnonzero(state >= 0)
    return idx, cols


def _reference_utilities(idx, c, day, price_today, pull_factor, can_cross, route_open):
    """The utilities as Demand.choose defined them with numpy, from the decisions' rules."""
    applicant = c["state"][idx] == State.APPLICANT
    committed = (c["gang"][idx] >= 0) | (applicant & c["patient"][idx])
    months = (day - c["arrived"][idx]) / 30.44
    u_leave = decisions.leave_utility(c["failures"][idx], months, P)
    value = c["pull"][idx] * pull_factor
    price = price_today * np.where(c["failures"][idx] > 0, 1.0 - P.repeat_discount, 1.0)
    b = c["beliefs"][idx]
    u_cross = decisions.crossing_utility(value, b[:, 0], b[:, 1], b[:, 2], price, P)
    u_cross[committed] = -np.inf
    eligible = (c["attempts"][idx] == 0) & ~c["refused"][idx] & ~applicant & ~committed
    u_apply = decisions.apply_utility(value, b[:, 3], eligible, P)
    return (u_cross if can_cross else None), u_leave, (u_apply if route_open else None), eligible


def _kernel_utilities(idx, c, day, price_today, pull_factor, can_cross, route_open):
    out = np.full((3, len(idx)), np.nan)
    top, eligible = kernels.choice_utilities(
        idx, c["state"], c["gang"], c["patient"], c["arrived"], c["failures"], c["pull"],
        c["beliefs"], c["attempts"], c["refused"], day,
        (P.leave_propensity, P.leave_per_failure, P.leave_per_month_waiting),
        (P.crossing_propensity, P.stop_aversion, P.risk_aversion, P.return_aversion, P.price_sensitivity),
        P.legal_route_appeal, price_today, 1.0 - P.repeat_discount, pull_factor, can_cross, route_open, out)
    return out, top, eligible


@settings(max_examples=40, deadline=None)
@given(seed=st.integers(0, 10_000), can_cross=st.booleans(), route_open=st.booleans(),
       price=st.floats(100.0, 5000.0), pull_factor=st.floats(0.2, 1.5), day=st.integers(400, 3000))
def test_choice_utilities_are_the_rules_utilities_bit_for_bit(seed, can_cross, route_open, price,
                                                              pull_factor, day):
    idx, c = _people(seed)
    u_cross, u_leave, u_apply, eligible = _reference_utilities(idx, c, day, price, pull_factor,
                                                               can_cross, route_open)
    out, top, any_eligible = _kernel_utilities(idx, c, day, price, pull_factor, can_cross, route_open)
    np.testing.assert_array_equal(out[kernels.LEAVE], u_leave)
    filled = [u_leave]
    if can_cross:
        np.testing.assert_array_equal(out[kernels.CROSS], u_cross)
        filled.append(u_cross)
    else:
        assert np.isnan(out[kernels.CROSS]).all()  # not written
    if route_open:
        np.testing.assert_array_equal(out[kernels.APPLY], u_apply)
        filled.append(u_apply)
        assert any_eligible == bool(eligible.any())
    else:
        assert np.isnan(out[kernels.APPLY]).all() and not any_eligible
    assert top == max(col.max() for col in filled)


@settings(max_examples=60, deadline=None)
@given(seed=st.integers(0, 10_000), n=st.integers(1, 400), crossing=st.booleans(),
       applying=st.booleans(), holes=st.floats(0.0, 0.9))
def test_the_draw_by_running_sums_is_choose_columns_bit_for_bit(seed, n, crossing, applying, holes):
    g = np.random.default_rng(seed)
    u = g.normal(-2.0, 3.0, size=(3, n))
    u[g.random((3, n)) < holes] = -np.inf  # people for whom an option is closed
    uniforms = g.random(n)
    expected = decisions.choose_columns(
        [0.0, u[kernels.CROSS] if crossing else None, u[kernels.LEAVE],
         u[kernels.APPLY] if applying else None], uniforms)
    choice = np.full(n, -1, dtype=np.int8)
    kernels.choose_by_running_sums(np.exp(u), uniforms, crossing, applying, choice)
    np.testing.assert_array_equal(choice, expected)
    if not crossing:
        assert not (choice == Option.CROSS).any()
    if not applying:
        assert not (choice == Option.APPLY).any()


@settings(max_examples=40, deadline=None)
@given(seed=st.integers(0, 10_000), n=st.integers(0, 700), n_camps=st.integers(1, 8),
       learn=st.booleans())
def test_learning_and_the_camps_totals_are_move_toward_and_totals_by_camp(seed, n, n_camps, learn):
    g = np.random.default_rng(seed)
    capacity = 800
    beliefs = g.random((capacity, 4))
    beliefs[:5] = [1.0, 0.0, 1.0, 0.0]  # at the bounds: the clip must hold them
    camp = g.integers(0, n_camps, capacity).astype(np.int8)
    slots = np.sort(g.choice(capacity, n, replace=False)).astype(np.intp)
    weight = g.random((n_camps, 4)) * (g.random((n_camps, 4)) < 0.7)  # some camps heard nothing
    target = g.random((n_camps, 4))
    target[0] = [1.0, 0.0, 1.0, 1.0]
    expected_rows = beliefs[slots].copy()
    if learn:
        expected_rows = move_toward(expected_rows, camp[slots].astype(np.intp), weight, target)
    expected_n, expected_total = totals_by_camp(camp[slots].astype(np.intp), expected_rows, n_camps)
    got = beliefs.copy()
    n_out, total = np.full(n_camps, np.nan), np.full((n_camps, 4), np.nan)
    kernels.learn_and_total(slots, camp, got, weight, target, learn, n_out, total)
    np.testing.assert_array_equal(got[slots], expected_rows)  # the beliefs, bit for bit
    others = np.setdiff1d(np.arange(capacity), slots)
    np.testing.assert_array_equal(got[others], beliefs[others])  # nobody else moves
    assert ((got >= 0) & (got <= 1)).all()
    np.testing.assert_array_equal(n_out, expected_n)
    np.testing.assert_allclose(total, expected_total, rtol=1e-13, atol=1e-12)  # summed in another order


def _evening_update_with_numpy(news: CampNews, reassurance: float, rate: float):
    """Beliefs.evening_update as it was written with numpy."""
    rows = {kind: i for i, kind in enumerate(CampNews.KINDS)}
    numerators = [rows[rule.numerator] for rule in BELIEF_RULES]
    denominators = [rows[rule.denominator] for rule in BELIEF_RULES]
    by_camp = news.counts.T
    den = by_camp[:, denominators]
    heard = den > 0
    observed = np.divide(by_camp[:, numerators], den, out=np.zeros_like(den), where=heard)
    observed *= np.where([rule.reassured for rule in BELIEF_RULES], 1.0 - reassurance, 1.0)
    return rate * heard, observed


@pytest.mark.parametrize("reassurance, rate", [(0.0, 0.08), (0.3, 0.2), (0.9, 0.0)])
def test_the_camps_targets_are_the_evening_update_written_with_numpy(reassurance, rate):
    model = channelsim.build_model(seed=5, smuggler_reassurance=reassurance, belief_learning_rate=rate)
    model.run_for(60)
    news = model.beliefs.news
    news.counts[:, 1] = 0.0  # a camp that heard nothing
    news.counts[news.KINDS.index("landed"), 2] = 0.0  # and one that saw no landing
    weight, target = model.beliefs.evening_update()
    expected_weight, expected_target = _evening_update_with_numpy(news, reassurance, rate)
    np.testing.assert_array_equal(weight, expected_weight)
    np.testing.assert_array_equal(target, expected_target)
    assert model.beliefs._targets()[2] == bool((expected_weight > 0).any())


def test_a_choice_whose_utilities_could_overflow_exp_falls_back_to_the_safe_draw():
    """Someone who values the UK absurdly (a utility of crossing far past EXP_SAFE) still
    chooses without overflow: they book a place, as a utility of thousands says they must."""
    model = channelsim.build_model(seed=1)
    model.run_for(3)
    pop = model.population
    keen = pop.where(State.IN_CAMP)
    keen = keen[pop.gang[keen] < 0][:20]
    pop.pull[keen] = 5000.0
    with np.errstate(over="raise"):
        model.demand.choose(True)
    assert (pop.gang[keen] >= 0).all()  # all booked with a gang
