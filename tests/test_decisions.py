"""Each decision rule alone, given a state and a ``numpy.random.default_rng(seed)``."""

from __future__ import annotations

import datetime as dt

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from channelsim import decisions as dec
from channelsim.decisions import Option
from channelsim.params import Params

P = Params()
COAST_KM = np.array([16, 12, 18, 16, 12, 8, 8, 14, 26], dtype=float)  # as crossing_points.csv


def rng(seed: int = 0) -> np.random.Generator:
    return np.random.default_rng(seed)


# ----------------------------------------------------------------------------- the daily choice
def test_choose_reproduces_the_logit_probabilities():
    rows = np.array([
        [0.0, -2.2, -6.5, -np.inf],
        [0.0, 1.0, -1.0, 0.5],
        [0.0, 3.0, 2.5, -np.inf],
        [0.0, -np.inf, -np.inf, -np.inf],
    ])
    n = 100_000
    for r, u in enumerate(rows):
        expected = dec.choice_probabilities(u[None])[0]
        picks = dec.choose(np.tile(u, (n, 1)), rng(r))
        observed = np.bincount(picks, minlength=len(Option)) / n
        sampling_error = np.sqrt(expected * (1 - expected) / n)
        assert np.all(np.abs(observed - expected) <= 4.5 * sampling_error + 1e-12), (u, observed, expected)


def test_choice_probabilities_are_the_softmax_with_impossible_options_at_zero():
    u = np.array([[0.0, np.log(3.0), -np.inf, 0.0], [1000.0, 1000.0, -np.inf, -np.inf]])
    probs = dec.choice_probabilities(u)
    np.testing.assert_allclose(probs, [[0.2, 0.6, 0.0, 0.2], [0.5, 0.5, 0.0, 0.0]])


def test_impossible_options_are_never_chosen():
    u = rng(1).normal(size=(50_000, 4)) * 5
    u[:, Option.CROSS] = -np.inf
    u[::2, Option.APPLY] = -np.inf
    picks = dec.choose(u, rng(2))
    assert not np.any(picks == Option.CROSS)
    assert not np.any(picks[::2] == Option.APPLY)
    assert np.any(picks[1::2] == Option.APPLY)


def test_choose_is_reproducible_from_the_seed_and_handles_nobody():
    u = rng(3).normal(size=(1000, 4))
    np.testing.assert_array_equal(dec.choose(u, rng(7)), dec.choose(u, rng(7)))
    assert not np.array_equal(dec.choose(u, rng(7)), dec.choose(u, rng(8)))
    assert len(dec.choose(np.empty((0, 4)), rng(0))) == 0


def _utilities(n: int = 5, **changes) -> np.ndarray:
    state = dict(pull=np.ones(n), belief_stop=np.full(n, 0.45), belief_death=np.full(n, 0.005),
                 belief_return=np.zeros(n), belief_admit=np.full(n, 0.5),
                 price_eur=np.full(n, 3500.0), failures=np.zeros(n), months_waiting=np.zeros(n),
                 booked=np.zeros(n, bool), eligible=np.ones(n, bool), crossable=True,
                 route_open=True, p=P)
    state.update(changes)
    return dec.migrant_utilities(**state)


def test_migrant_utilities_weigh_danger_price_and_pull():
    base = _utilities()[0]
    assert base[Option.WAIT] == 0.0
    worse = {"belief_stop": np.full(5, 0.9), "belief_death": np.full(5, 0.05),
             "belief_return": np.full(5, 0.5), "price_eur": np.full(5, 7000.0)}
    for key, value in worse.items():
        assert _utilities(**{key: value})[0, Option.CROSS] < base[Option.CROSS], key
    assert _utilities(pull=np.full(5, 2.0))[0, Option.CROSS] > base[Option.CROSS]
    assert _utilities(pull_factor=0.5)[0, Option.CROSS] < base[Option.CROSS]
    # the danger weight is risk_aversion per unit of perceived chance of death
    delta = base[Option.CROSS] - _utilities(belief_death=np.full(5, 0.105))[0, Option.CROSS]
    assert delta == pytest.approx(P.risk_aversion * 0.1)


def test_leaving_grows_with_failures_and_months_waiting():
    base = _utilities()[0, Option.LEAVE]
    assert _utilities(failures=np.full(5, 3))[0, Option.LEAVE] == pytest.approx(base + 3 * P.leave_per_failure)
    assert _utilities(months_waiting=np.full(5, 2.0))[0, Option.LEAVE] == pytest.approx(
        base + 2 * P.leave_per_month_waiting)


def test_unavailable_options_are_minus_infinity():
    assert np.all(_utilities(crossable=False)[:, Option.CROSS] == -np.inf)
    assert np.all(_utilities(route_open=False)[:, Option.APPLY] == -np.inf)
    eligible = np.array([True, False, True, False, True])
    u = _utilities(eligible=eligible)
    assert np.all(np.isfinite(u[eligible, Option.APPLY]))
    assert np.all(u[~eligible, Option.APPLY] == -np.inf)
    booked = np.array([False, True, False, False, True])
    u = _utilities(booked=booked)
    assert np.all(u[booked][:, [Option.CROSS, Option.APPLY]] == -np.inf)
    assert np.all(np.isfinite(u[booked][:, [Option.WAIT, Option.LEAVE]]))
    assert np.all(np.isfinite(u[~booked]))


# ----------------------------------------------------------------------------- gangs
def test_gang_load_rises_with_stop_risk():
    loads = [dec.gang_load(400, 40, r, P) for r in np.linspace(0, 1, 11)]
    assert all(a <= b for a, b in zip(loads, loads[1:]))
    assert loads[-1] > loads[0]
    assert loads[0] == round(P.base_load)  # no scarcity (40 boats for 400 people), no risk


def test_gang_load_rises_with_scarcity():
    loads = [dec.gang_load(customers, 20, 0.45, P) for customers in (100, 400, 800, 1600, 3200, 10_000)]
    assert all(a <= b for a, b in zip(loads, loads[1:]))
    assert loads[-1] > loads[1]


@settings(max_examples=300, deadline=None)
@given(customers=st.integers(0, 100_000), boats=st.integers(0, 5000), stop_risk=st.floats(0, 1),
       max_load=st.floats(1, 150), base_load=st.floats(1, 100))
def test_gang_load_is_bounded(customers, boats, stop_risk, max_load, base_load):
    p = P.replace(max_load=max_load, base_load=min(base_load, max_load))  # base above cap is refused
    load = dec.gang_load(customers, boats, stop_risk, p)
    assert isinstance(load, int)
    if customers == 0 or boats == 0:
        assert load == 0
    else:
        assert 1 <= load <= max(1, round(min(max_load, customers)))
        assert load <= max_load + 0.5 and load <= customers


def test_launch_propensity_falls_with_wind():
    force = np.arange(0, 7)
    prop = [dec.launch_propensity(b, P) for b in force]
    assert prop[0] == prop[2] == 1.0  # calm
    assert all(a > b for a, b in zip(prop[2:], prop[3:]))
    assert 0 < prop[-1] < 1
    assert dec.launch_propensity(6, P.replace(weather_sensitivity=0)) == 1.0


# ----------------------------------------------------------------------------- French police
@settings(max_examples=100, deadline=None)
@given(n_units=st.integers(0, 300), focus=st.floats(0, 1), seed=st.integers(0, 2**32 - 1),
       recent=st.lists(st.floats(0, 50), min_size=9, max_size=9))
def test_allocate_units_conserves_units(n_units, focus, seed, recent):
    counts = dec.allocate_units(n_units, np.array(recent), COAST_KM, focus, rng(seed))
    assert counts.shape == (9,) and counts.min() >= 0 and counts.sum() == n_units


def test_allocate_units_follows_recent_launches_as_focus_grows():
    recent = np.array([30, 0, 5, 0, 0, 10, 0, 0, 0], dtype=float)
    hot, even = recent / recent.sum(), COAST_KM / COAST_KM.sum()
    gaps = []
    for focus in (0.0, 0.5, 0.9, 1.0):
        draws = np.array([dec.allocate_units(40, recent, COAST_KM, focus, rng(s)) for s in range(400)])
        share = draws.sum(axis=0) / draws.sum()
        expected = focus * hot + (1 - focus) * even
        np.testing.assert_allclose(share, expected, atol=0.015)
        gaps.append(np.abs(share - hot).sum())
    assert all(a > b for a, b in zip(gaps, gaps[1:]))
    only_hot = dec.allocate_units(40, recent, COAST_KM, 1.0, rng(0))
    assert only_hot[recent == 0].sum() == 0


def test_allocate_units_spreads_evenly_without_recent_launches():
    draws = np.array([dec.allocate_units(45, np.zeros(9), COAST_KM, 1.0, rng(s)) for s in range(400)])
    np.testing.assert_allclose(draws.mean(axis=0) / 45, COAST_KM / COAST_KM.sum(), atol=0.015)


def test_stop_probability_rises_with_officers_and_is_a_probability():
    officers = np.array([0, 20, 40, 100, 400, 5000], dtype=float)
    p = dec.stop_probability(officers, np.full(6, 16.0), P.stop_effectiveness)
    assert p[0] == 0.0
    assert np.all(np.diff(p) > 0)
    assert np.all((p >= 0) & (p <= 1))
    # the same officers on a longer stretch of coast stop fewer launches
    assert dec.stop_probability(np.array([100.0]), np.array([26.0]), 0.1)[0] < \
        dec.stop_probability(np.array([100.0]), np.array([8.0]), 0.1)[0]


def test_default_patrol_stops_about_the_reported_share():
    """800 officers spread evenly over the coast stop roughly the reported 40-50% of launches."""
    officers = P.officers_per_day * COAST_KM / COAST_KM.sum()
    stop = dec.stop_probability(officers, COAST_KM, P.stop_effectiveness)
    assert 0.3 < stop.mean() < 0.6


@settings(max_examples=100, deadline=None)
@given(stop=st.lists(st.floats(0, 1), min_size=9, max_size=9), avoid=st.floats(0, 20))
def test_launch_point_weights_sum_to_one(stop, avoid):
    w = dec.launch_point_weights(np.array(stop), np.linspace(0, 60, 9), avoid)
    assert w.sum() == pytest.approx(1.0) and np.all(w > 0)


def test_launch_point_weights_shift_away_from_police():
    home = np.linspace(0, 60, 9)
    calm = dec.launch_point_weights(np.full(9, 0.3), home, P.police_avoidance)
    watched = np.full(9, 0.3)
    watched[2] = 0.9
    shifted = dec.launch_point_weights(watched, home, P.police_avoidance)
    assert shifted[2] < calm[2]
    assert np.all(np.delete(shifted, 2) > np.delete(calm, 2))
    stronger = dec.launch_point_weights(watched, home, 2 * P.police_avoidance)
    assert stronger[2] < shifted[2]
    indifferent = dec.launch_point_weights(watched, home, 0.0)
    np.testing.assert_allclose(indifferent, dec.launch_point_weights(np.full(9, 0.3), home, 0.0))
    assert np.all(np.diff(calm) < 0)  # nearer home is preferred when police are even


# ----------------------------------------------------------------------------- risk at sea
def test_distress_probability_rises_with_load_wind_and_hours():
    loads = np.array([10, 20, 30, 50, 70, 90])
    by_load = dec.distress_probability(loads, 3.0, np.full(6, 10.0), P)
    assert by_load[0] == pytest.approx(by_load[1])  # at or under the safe capacity
    assert np.all(np.diff(by_load[1:]) > 0)
    by_wind = [dec.distress_probability(np.array([50]), b, np.array([10.0]), P)[0] for b in range(7)]
    assert np.all(np.diff(by_wind) > 0)
    by_hours = dec.distress_probability(np.full(5, 50), 3.0, np.array([0, 2, 5, 10, 15.0]), P)
    assert by_hours[0] == 0.0 and np.all(np.diff(by_hours) > 0)


@settings(max_examples=200, deadline=None)
@given(load=st.integers(0, 150), beaufort=st.floats(0, 12), hours=st.floats(0, 48),
       hazard=st.floats(0, 1), overload=st.floats(0, 10))
def test_distress_probability_is_a_probability(load, beaufort, hours, hazard, overload):
    p = P.replace(distress_hazard_per_hour=hazard, overload_risk=overload)
    prob = dec.distress_probability(np.array([load]), beaufort, np.array([hours]), p)[0]
    assert 0.0 <= prob <= 1.0


@settings(max_examples=200, deadline=None)
@given(load=st.integers(0, 150), beaufort=st.floats(0, 12), hours=st.floats(0, 48),
       hazard=st.floats(0, 1), overload=st.floats(0, 10))
def test_one_boats_risks_as_floats_are_the_array_forms(load, beaufort, hours, hazard, overload):
    """For one boat the chances are plain floats, equal to the array forms' (the distress chance
    to 1e-15: the two exps may round their last bit differently, and 1 - exp(-x) keeps that
    error whole however small the chance)."""
    p = P.replace(distress_hazard_per_hour=hazard, overload_risk=overload,
                  crush_risk_per_overload=hazard / 10)
    one = dec.distress_probability(load, beaufort, hours, p)
    assert type(one) is float and 0.0 <= one <= 1.0
    assert one == pytest.approx(dec.distress_probability(np.array([load]), beaufort, np.array([hours]), p)[0],
                                rel=0.0, abs=1e-15)
    crush = dec.crush_probability(load, p)
    assert type(crush) is float and crush == dec.crush_probability(np.array([load]), p)[0]


def test_crush_probability_starts_above_the_safe_capacity():
    prob = dec.crush_probability(np.array([5, 20, 40, 60, 10_000]), P)
    assert prob[0] == prob[1] == 0.0
    assert 0 < prob[2] < prob[3]
    assert prob[-1] <= 1.0


# ----------------------------------------------------------------------------- beliefs
@settings(max_examples=300, deadline=None)
@given(belief=st.floats(0, 1), observed=st.floats(0, 1), weight=st.floats(0, 1),
       reassurance=st.floats(0, 1))
def test_update_beliefs_moves_toward_the_target_and_stays_a_probability(belief, observed, weight,
                                                                        reassurance):
    new = dec.update_beliefs(np.array([belief]), np.array([observed]), weight, reassurance)[0]
    target = observed * (1 - reassurance)
    assert 0.0 <= new <= 1.0
    assert min(belief, target) - 1e-12 <= new <= max(belief, target) + 1e-12
    assert abs(new - target) <= abs(belief - target) + 1e-12


def test_update_beliefs_weights_and_reassurance():
    b = np.array([0.2, 0.5, 0.8])
    np.testing.assert_array_equal(dec.update_beliefs(b, 1.0, 0.0), b)  # no weight: no change
    np.testing.assert_allclose(dec.update_beliefs(b, 0.6, 1.0), 0.6)  # full weight: the observation
    np.testing.assert_allclose(dec.update_beliefs(b, 1.0, 0.5), [0.6, 0.75, 0.9])
    heard = dec.update_beliefs(b, 1.0, 1.0, reassurance=0.3)
    np.testing.assert_allclose(heard, 0.7)  # smugglers cancel 30% of the bad news
    assert np.all(dec.update_beliefs(b, 0.9, 0.4, 0.3) < dec.update_beliefs(b, 0.9, 0.4, 0.0))
    per_person = dec.update_beliefs(b, 1.0, np.array([0.0, 0.5, 1.0]))
    np.testing.assert_allclose(per_person, [0.2, 0.75, 1.0])


# ----------------------------------------------------------------------------- seasonal inflow
def test_seasonal_inflow_integrates_to_the_yearly_inflow():
    for inflow, seasonality in ((44_500.0, 0.45), (10_000.0, 0.0), (80_000.0, 0.95)):
        p = P.replace(inflow_per_year=inflow, inflow_seasonality=seasonality)
        year = sum(dec.seasonal_inflow_rate(d, p) for d in range(1, 366))
        assert year == pytest.approx(inflow, rel=0.003)


def test_seasonal_inflow_peaks_in_august_and_is_lowest_in_february():
    rates = np.array([dec.seasonal_inflow_rate(d, P) for d in range(1, 366)])
    peak = dt.date(2023, 1, 1) + dt.timedelta(days=int(rates.argmax()))
    low = dt.date(2023, 1, 1) + dt.timedelta(days=int(rates.argmin()))
    assert peak.month == 8 and low.month == 2
    assert rates.max() / rates.min() == pytest.approx((1 + P.inflow_seasonality) / (1 - P.inflow_seasonality),
                                                      rel=0.01)
    flat = [dec.seasonal_inflow_rate(d, P.replace(inflow_seasonality=0)) for d in (1, 100, 227)]
    assert flat[0] == flat[1] == flat[2] == pytest.approx(P.inflow_per_year / 365.25)


def test_taxi_probability_stays_a_probability_at_the_sharpest_choice():
    """At the registry's largest sharpness a big difference in value must not overflow."""
    from channelsim.decisions import taxi_probability

    with np.errstate(over="raise"):
        assert taxi_probability(0.0, 500.0, 10.0) == 0.0
        assert taxi_probability(500.0, 0.0, 10.0) == 1.0
    assert taxi_probability(1.0, 1.0, 10.0) == 0.5


# ----------------------------------------------------------------------------- the draw, bit for bit
def _reference_choice(u: np.ndarray, uniforms: np.ndarray, shift: bool = True) -> np.ndarray:
    """The logit draw as specified: every option's exp(u - max) (exp(u) without ``shift``)
    summed in column order, the option taken the number of running sums below
    (1 - uniform) x total (no option skipped)."""
    top = np.max(u, axis=1) if shift else np.zeros(len(u))
    cum = np.cumsum(np.exp(u - top[:, None]), axis=1)
    draw = (1.0 - uniforms) * cum[:, -1]
    return (cum < draw[:, None]).sum(axis=1)


@settings(max_examples=60, deadline=None)
@given(seed=st.integers(0, 10_000), n=st.integers(1, 300),
       closed=st.lists(st.booleans(), min_size=3, max_size=3),
       holes=st.floats(0.0, 0.9))
def test_choose_with_skips_closed_options_without_changing_any_choice(seed, n, closed, holes):
    """Columns that nobody can take (all -inf) are skipped and columns with some -inf kept:
    every row's choice is the one the full cumulative sums give, bit for bit."""
    g = rng(seed)
    u = np.column_stack([np.zeros(n), g.normal(0.0, 3.0, size=(n, 3))])
    u[:, 1:][g.random((n, 3)) < holes] = -np.inf
    for j, shut in enumerate(closed, start=1):
        if shut:
            u[:, j] = -np.inf
    uniforms = g.random(n)
    expected = _reference_choice(u, uniforms)
    np.testing.assert_array_equal(dec.choose_with(u, uniforms), expected)
    columns = [None if np.all(u[:, j] == -np.inf) else u[:, j] for j in range(4)]
    columns[0] = 0.0  # waiting, the same for every row: exp(u) as they stand
    np.testing.assert_array_equal(dec.choose_columns(columns, uniforms),
                                  _reference_choice(u, uniforms, shift=False))


def test_choose_columns_takes_the_utilities_less_the_largest_where_exp_could_overflow():
    """Past EXP_SAFE (or with no option at a number to keep totals above 0) the draw subtracts
    each row's largest utility: no overflow, and the choices of the specified draw."""
    g = rng(4)
    n = 2000
    u = np.column_stack([np.zeros(n), g.normal(0.0, 3.0, size=n), g.normal(0.0, 3.0, size=n)])
    u[::3, 1] = 800.0  # exp(800) is inf
    uniforms = g.random(n)
    with np.errstate(over="raise", invalid="raise"):
        got = dec.choose_columns([0.0, u[:, 1], u[:, 2]], uniforms)
    np.testing.assert_array_equal(got, _reference_choice(u, uniforms))
    assert np.all(got[::3] == Option.CROSS)  # exp(800 - 800) against exp(-800)
    # every option far below 0 (no number among them): a row's exp(u) would all be 0
    low = -900.0 + g.normal(0.0, 1.0, size=(n, 2))
    with np.errstate(under="ignore"):
        got = dec.choose_columns([low[:, 0], low[:, 1]], uniforms)
    np.testing.assert_array_equal(got, _reference_choice(low, uniforms))
    assert 0.3 < got.mean() < 0.7  # both options taken, as their near-equal utilities say


def test_choose_draws_one_uniform_per_row_from_the_generator():
    u = rng(3).normal(size=(50, 4))
    np.testing.assert_array_equal(dec.choose(u, rng(9)), dec.choose_with(u, rng(9).random(50)))


def test_choose_columns_refuses_a_choice_with_no_option_open():
    with pytest.raises(ValueError, match="every option has utility -inf"):
        dec.choose_columns([None, None], np.zeros(3))


@pytest.mark.parametrize("size", [None, 1, 7, 1000])
@pytest.mark.parametrize("p", [[0.2, 0.3, 0.5], [1.0], [0.0, 0.25, 0.0, 0.75], [1e-9, 1 - 1e-9]])
def test_categorical_draws_are_numpys_choice_draw_for_draw(size, p):
    """A cumulative table kept and inverted gives the draws ``Generator.choice(p=...)`` gives,
    from the same generator state, and leaves the generator where choice leaves it."""
    ours, numpys = rng(11), rng(11)
    cdf = dec.categorical_cdf(p)
    for _ in range(3):
        np.testing.assert_array_equal(dec.draw_categorical(cdf, ours, size),
                                      numpys.choice(len(p), size=size, p=p))
    assert ours.random() == numpys.random()


def test_crossing_and_leaving_utilities_are_the_columns_of_the_utility_matrix():
    g = rng(4)
    n = 20
    cols = dict(pull=g.uniform(1, 8, n), belief_stop=g.random(n), belief_death=g.random(n) / 50,
                belief_return=g.random(n), belief_admit=g.random(n), price_eur=g.uniform(500, 3000, n),
                failures=g.integers(0, 4, n), months_waiting=g.uniform(0, 9, n))
    u = dec.migrant_utilities(**cols, booked=np.zeros(n, bool), eligible=np.ones(n, bool), crossable=True,
                              route_open=True, p=P, pull_factor=0.8)
    np.testing.assert_array_equal(u[:, Option.CROSS], dec.crossing_utility(
        cols["pull"] * 0.8, cols["belief_stop"], cols["belief_death"], cols["belief_return"],
        cols["price_eur"], P))
    np.testing.assert_array_equal(u[:, Option.LEAVE],
                                  dec.leave_utility(cols["failures"], cols["months_waiting"], P))
    np.testing.assert_array_equal(u[:, Option.APPLY], dec.apply_utility(
        cols["pull"] * 0.8, cols["belief_admit"], np.ones(n, bool), P))
