"""The Bayesian calibration's machinery (priors, statistics, design database, emulator, MCMC,
SBC), on a tiny model and a short period; and the shipped posterior."""

from __future__ import annotations

import dataclasses
import datetime as dt
import math
import sqlite3

import numpy as np
import pandas as pd
import pytest

import channelsim as cs
from channelsim import data, posterior as P, scenarios, summaries
from channelsim.emulator import Emulator, log_likelihood, sample
from channelsim.params import ParameterError

# a short period (the first half of 2024) and two parameters: a few seconds a design
TINY_PRIORS = (
    P.Prior(name="crossing_propensity", low=-3.0, high=-1.0, reason="test"),
    P.Prior(name="stop_effectiveness", low=0.05, high=0.2, scale="log", reason="test"),
)
TINY_STATS = ["arrivals_2024Q1", "arrivals_2024Q2"]


def tiny_scenario() -> scenarios.Scenario:
    return dataclasses.replace(scenarios.DEFAULT, name="tiny", days=182)


def tiny_design(db, runs=12, **kw):
    return P.run_design(db, TINY_PRIORS, runs=runs, statistics=TINY_STATS, seed=5,
                        executor="inprocess", progress=False, scenario=tiny_scenario(), **kw)


# ------------------------------------------------------------------------------------ priors
@pytest.mark.parametrize("bad, words", [
    ({"name": "no_such_parameter", "low": 0, "high": 1}, "no_such_parameter"),
    ({"name": "news_weight", "low": 0.5, "high": 0.5}, "must be below"),
    ({"name": "news_weight", "low": -1, "high": 0.5}, "impossible"),
    ({"name": "crossing_propensity", "low": -3, "high": -1, "scale": "log"}, "low > 0"),
    ({"name": "taxi_boats_from", "low": 0, "high": 1}, "numeric"),
])
def test_priors_with_impossible_bounds_or_unknown_names_are_refused_by_name(bad, words):
    with pytest.raises(ParameterError, match=words):
        P.check_priors([{"reason": "r", **bad}])


def test_a_parameter_given_two_priors_is_refused():
    with pytest.raises(ParameterError, match="'news_weight' is given twice"):
        P.check_priors([{"name": "news_weight", "low": 0, "high": 1, "reason": "r"}] * 2)


def test_every_default_prior_has_a_reason_and_lies_inside_the_registry():
    for p in P.DEFAULT_PRIORS:
        s = cs.params.spec(p.name)
        assert s.low <= p.low < p.high <= s.high, p.name
        assert len(p.reason) > 20, p.name
        assert p.to_unit(p.to_value(0.3)) == pytest.approx(0.3)


# -------------------------------------------------------------------------------- statistics
def test_observed_statistics_are_the_records_figures():
    obs = summaries.observed()
    rec = data.record()
    q1 = rec.people["2024-01-01":"2024-03-31"].sum()
    assert obs["arrivals_2024Q1"] == pytest.approx(math.log(q1 + 50))
    ppb = rec.people["2024"].sum() / rec.boats["2024"].sum()
    assert obs["people_per_boat_2024"] == pytest.approx(ppb)
    assert obs["deaths_2021"] ** 2 == pytest.approx(34)
    assert obs["pilot_returned"] ** 2 == pytest.approx(113)
    assert (summaries.discrepancy() > 0).all()


def test_statistics_the_record_does_not_cover_are_refused():
    with pytest.raises(summaries.SummaryError, match="not covered by the record"):
        summaries.select("2024-01-01", "2025-10-01")
    with pytest.raises(summaries.SummaryError, match="unknown summary statistic 'arrivals_2026Q1'"):
        summaries.check_names(["arrivals_2026Q1"])
    daily = cs.simulate(days=40, seed=1)
    with pytest.raises(summaries.SummaryError, match="arrivals_2024Q1.*2024-01-01 to 2024-02-09"):
        summaries.compute(daily, ["arrivals_2024Q1"])
    with pytest.raises(summaries.SummaryError, match="does not cover"):
        P.calibrate_posterior("unused.db", TINY_PRIORS, statistics=["people_per_boat_2024"],
                              scenario=tiny_scenario())


def test_a_runs_statistics_follow_its_daily_table():
    daily = cs.simulate(days=182, seed=3)
    s = summaries.compute(daily, TINY_STATS + ["weekly_spread_2018_2021"][:0])
    assert s["arrivals_2024Q2"] == pytest.approx(math.log(daily.loc["2024-04":"2024-06", "arrivals"].sum() + 50))
    assert summaries.select("2018-01-01", "2018-12-31") == (
        "arrivals_2018Q1", "arrivals_2018Q2", "arrivals_2018Q3", "arrivals_2018Q4", "people_per_boat_2018")


# ------------------------------------------------------------------------------ the database
def test_a_design_resumes_running_only_the_missing_runs(tmp_path, monkeypatch):
    db = tmp_path / "cal.db"
    first = tiny_design(db, runs=6)
    with sqlite3.connect(db) as con:
        con.execute("DELETE FROM runs WHERE point IN (1, 4)")
    ran = []
    real = P.statistics_work
    monkeypatch.setattr(P, "statistics_work", lambda task: ran.append(task.point) or real(task))
    again = tiny_design(db, runs=6)
    assert sorted(ran) == [1, 4]
    pd.testing.assert_frame_equal(first.stats, again.stats)  # same seeds, same numbers
    assert len(again.params) == 6 and again.failed == 0


def test_a_database_made_with_other_settings_is_refused(tmp_path, monkeypatch):
    db = tmp_path / "cal.db"
    tiny_design(db, runs=3)
    other = (TINY_PRIORS[0], P.Prior(name="stop_effectiveness", low=0.05, high=0.3, reason="x"))
    with pytest.raises(P.CalibrationDatabaseError, match="priors"):
        P.run_design(db, other, runs=3, statistics=TINY_STATS, seed=5, executor="inprocess",
                     progress=False, scenario=tiny_scenario())
    with pytest.raises(P.CalibrationDatabaseError, match="another size"):
        tiny_design(db, runs=4)
    monkeypatch.setattr(P, "__version__", "9.9.9")
    with pytest.raises(P.CalibrationDatabaseError, match="model_version"):
        tiny_design(db, runs=3)
    junk = tmp_path / "junk.db"
    junk.write_text("not a database at all " * 50)
    with pytest.raises(P.CalibrationDatabaseError, match="not a calibration database"):
        tiny_design(junk, runs=3)


# ------------------------------------------------------------------------------ the emulator
def toy(n, seed):
    rng = np.random.default_rng(seed)
    u = rng.random((n, 2))
    return u, np.c_[2 * u[:, 0] + 0.05 * rng.standard_normal(n)]


def test_the_emulator_learns_a_response_and_its_noise_and_knows_what_is_ignored():
    u, y = toy(80, 0)
    em = Emulator.fit(u, y, ["y"], seed=0)
    ut, yt = toy(40, 1)
    val = em.validate(ut, yt).loc["y"]
    assert val["rmse"] < 0.08 and val["r2"] > 0.98
    assert 0.75 <= val["coverage_90"] <= 1.0
    scales = em.length_scales(["u0", "u1"]).loc["y"]
    assert scales["u1"] > 5 * scales["u0"]
    assert log_likelihood(em, np.array([[1.2, 0.5]]), np.array([1.0]), np.array([0.1]))[0] == -np.inf


def test_mcmc_on_the_emulator_finds_the_parameter_the_data_pin_and_leaves_the_other():
    u, y = toy(80, 0)
    em = Emulator.fit(u, y, ["y"], seed=0)
    draws, acceptance = sample(em, np.array([1.0]), np.array([0.05]), 2, draws=2000, burn=200, seed=1)
    assert np.median(draws[:, 0]) == pytest.approx(0.5, abs=0.04)
    assert draws[:, 0].std() < 0.06
    assert draws[:, 1].std() == pytest.approx(1 / math.sqrt(12), abs=0.04)  # the prior's
    assert 0.2 < acceptance < 0.9


# ------------------------------------------------------------------------------ end to end
@pytest.fixture(scope="module")
def tiny_posterior(tmp_path_factory):
    db = tmp_path_factory.mktemp("cal") / "cal.db"
    return P.calibrate_posterior(db, TINY_PRIORS, statistics=TINY_STATS, runs=14, draws=600,
                                 burn=150, seed=5, executor="inprocess", progress=False,
                                 scenario=tiny_scenario(), sbc_datasets=3), db


def test_calibrate_posterior_returns_draws_inside_the_priors_with_its_record(tiny_posterior):
    post, _ = tiny_posterior
    assert list(post.draws.columns) == ["crossing_propensity", "stop_effectiveness"]
    assert len(post) == 600
    for p in TINY_PRIORS:
        assert post.draws[p.name].between(p.low, p.high).all()
    assert post.info["runs"] == 14 and post.info["statistics"] == TINY_STATS
    table = post.summary()
    assert set(["prior_low", "prior_high", "median", "q05", "q95", "narrowing"]) <= set(table.columns)
    assert (table["q05"] <= table["median"]).all() and (table["median"] <= table["q95"]).all()
    assert post.validation is not None and len(post.validation) == 2
    # simulation-based calibration: 3 synthetic data sets x 2 parameters, ranks in range
    assert len(post.sbc) == 6 and post.sbc["rank"].between(0, post.sbc["of"]).all()


def test_a_posterior_samples_reproducibly_and_survives_a_round_trip(tiny_posterior, tmp_path):
    post, _ = tiny_posterior
    pd.testing.assert_frame_equal(post.sample(5, seed=1), post.sample(5, seed=1))
    assert not post.sample(5, seed=1).equals(post.sample(5, seed=2))
    back = P.Posterior.load(post.save(tmp_path / "post"))
    np.testing.assert_allclose(back.draws.to_numpy(), post.draws.to_numpy(), rtol=1e-5)
    assert back.info == post.info and back.priors == post.priors
    fig = post.pair_plot()
    assert len(fig.axes) == 4
    with pytest.raises(ParameterError, match="news_weight"):
        post.pair_plot(["news_weight"])


def test_sbc_uniformity_tells_uniform_ranks_from_biased_ones():
    rng = np.random.default_rng(0)
    fair = pd.DataFrame({"parameter": "a", "rank": rng.integers(0, 100, 400), "of": 99})
    biased = pd.DataFrame({"parameter": "b", "rank": rng.integers(0, 30, 400), "of": 99})
    table = P.sbc_uniformity(pd.concat([fair, biased]))
    assert table.loc["a", "p_value"] > 0.01 and table.loc["b", "p_value"] < 1e-6


# --------------------------------------------------------------------- runs that draw from it
@pytest.fixture(scope="module")
def wide():
    rng = np.random.default_rng(0)
    pri = TINY_PRIORS
    return P.Posterior(pd.DataFrame({p.name: p.to_value(rng.random(200)) for p in pri}), pri)


def test_an_ensemble_draws_each_runs_parameters_from_the_posterior(wide):
    ens = cs.ensemble(None, 3, days=30, seed=4, posterior=wide, executor="inprocess",
                      progress=False, stop_effectiveness=0.1)
    assert list(ens.draws.columns) == ["crossing_propensity"]  # the override wins
    expected = wide.sample(3, seed=4)["crossing_propensity"].to_numpy()
    np.testing.assert_allclose(ens.draws["crossing_propensity"].to_numpy(), expected)
    for r in range(3):
        alone = cs.simulate(days=30, seed=int(ens.summary.loc[r, "seed"]), stop_effectiveness=0.1,
                            crossing_propensity=expected[r])
        assert alone["attempts"].sum() == ens.summary.loc[r, "attempts"]


def test_a_policy_effect_pairs_the_same_draws_and_refuses_mismatched_ensembles(wide):
    eff = cs.policy_effect("pilot_announced", n=3, days=60, start="2025-08-01", seed=2,
                           posterior=wide, executor="inprocess", progress=False)
    pd.testing.assert_frame_equal(eff.policy_runs.draws, eff.counterfactual_runs.draws)
    with pytest.raises(ParameterError, match="at least 20 paired runs"):
        eff.drivers("arrivals")
    with pytest.raises(ParameterError, match="run without the posterior"):
        cs.policy_effect(eff.policy_runs, cs.ensemble("no_policy_counterfactual", 3, days=60,
                                                      start="2025-08-01", seed=2, progress=False,
                                                      executor="inprocess"),
                         n=3, seed=2, posterior=wide, progress=False)


def test_a_forecast_with_a_single_valued_posterior_is_the_forecast_with_that_value():
    one = P.Posterior(pd.DataFrame({"crossing_propensity": [-1.5] * 10}), [TINY_PRIORS[0]])
    a = cs.forecast("2019-03-01", 20, 2, seed=3, posterior=one)
    b = cs.forecast("2019-03-01", 20, 2, seed=3, crossing_propensity=-1.5)
    pd.testing.assert_frame_equal(a.daily, b.daily)
    assert (a.draws["crossing_propensity"] == -1.5).all()
    with pytest.raises(ParameterError, match="posterior='best'"):
        cs.forecast("2019-03-01", 20, 2, posterior="best")


def test_the_predictive_check_sets_weekly_bands_beside_the_record(wide):
    check = P.predictive_check(wide, n=3, seed=1, executor="inprocess", progress=False, days=400)
    w = check.weekly
    assert w.index.min() >= pd.Timestamp("2018-01-01") and w.index.max() <= pd.Timestamp("2019-02-04")
    assert (w["q05"] <= w["median"]).all() and (w["median"] <= w["q95"]).all()
    assert check.coverage == pytest.approx(w["inside"].mean())
    rec = data.record().people
    first = w.index[0]
    assert w.loc[first, "record"] == rec[first - pd.Timedelta(days=6):first].sum()
    assert check.yearly.loc[2018, "arrivals_record"] == rec["2018"].sum()
    assert len(check.plot().axes) == 1


# ------------------------------------------------------------------------ the shipped posterior
@pytest.fixture(scope="module")
def shipped():
    return P.shipped()


def test_the_shipped_posterior_was_made_from_the_whole_record_and_checked(shipped):
    assert shipped.parameters == [p.name for p in P.DEFAULT_PRIORS]
    assert shipped.info["runs"] >= 200 and shipped.info["failed_runs"] == 0
    assert len(shipped) >= 2000
    assert shipped.info["statistics"] == list(summaries.check_names(None))
    for p in shipped.priors:
        assert shipped.draws[p.name].between(p.low, p.high).all(), p.name
    # simulation-based calibration on at least 20 synthetic data sets, every parameter
    assert shipped.sbc.groupby("parameter").size().min() >= 20
    assert set(P.sbc_uniformity(shipped.sbc).index) == set(shipped.parameters)
    # the emulator's own validation on held-out runs, one row per statistic
    assert len(shipped.validation) == len(shipped.info["statistics"])
    assert shipped.validation["coverage_90"].between(0, 1).all()
    assert 0 < shipped.info["predictive_coverage_90"] <= 1


def test_the_record_pins_the_share_stopped_through_the_police_effectiveness(shipped):
    # the share of attempts stopped (facts: 42-47%) is read from stop_effectiveness alone
    assert shipped.summary().loc["stop_effectiveness", "identified"] == "yes"


def test_drivers_name_the_parameter_that_moves_the_effect():
    """A made-up effect of 20 paired runs that follows one parameter: drivers ranks it first."""
    from channelsim.analysis import PolicyEffect

    rng = np.random.default_rng(3)
    draws = pd.DataFrame({"return_aversion": rng.random(40) * 10, "news_weight": rng.random(40)})
    diff = -50 * draws["return_aversion"] + rng.normal(0, 5, 40)
    per_run = pd.concat({"difference": pd.DataFrame({"arrivals": diff})}, axis=1,
                        names=["series", "output"])
    runs = dataclasses.replace(cs.ensemble(None, 1, days=1, progress=False, executor="inprocess"),
                               draws=draws)
    effect = PolicyEffect("p", "c", (dt.date(2025, 1, 1), dt.date(2025, 1, 2)), 0.9, per_run,
                          pd.DataFrame(index=["arrivals"]), runs, runs)
    table = effect.drivers("arrivals")
    assert table.index[0] == "return_aversion" and table.loc["return_aversion", "S1"] > 0.7
    assert abs(table.loc["news_weight", "S1"]) < 0.3


def test_a_design_runs_the_same_on_any_concurrent_futures_executor(tmp_path):
    from concurrent.futures import ThreadPoolExecutor

    alone = tiny_design(tmp_path / "a.db", runs=4)
    with ThreadPoolExecutor(2) as pool:
        pooled = P.run_design(tmp_path / "b.db", TINY_PRIORS, runs=4, statistics=TINY_STATS,
                              seed=5, executor=pool, progress=False, scenario=tiny_scenario())
    pd.testing.assert_frame_equal(alone.stats, pooled.stats)
    pd.testing.assert_frame_equal(alone.params, pooled.params)
