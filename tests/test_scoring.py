"""Scoring daily arrivals against the record, beside the seasonal naive forecast and a
negative binomial regression."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from channelsim import ParameterError, data, scoring, validation

PERIOD = ("2024-01-01", "2024-06-30")


def _members(values: np.ndarray, start: str, n: int, noise: float, seed: int = 0) -> list[pd.DataFrame]:
    rng = np.random.default_rng(seed)
    index = pd.date_range(start, periods=len(values), freq="D", name="date")
    return [pd.DataFrame({"arrivals": rng.poisson(values * (1 + noise * rng.standard_normal()) ** 2)
                          if noise else values}, index=index) for _ in range(n)]


def test_crps_of_samples():
    # a point forecast scores its absolute error; two members at 0 and 2 score 0.5 at 1
    assert scoring.crps_sample(np.array([[3.0]]), np.array([7.0])) == pytest.approx([4.0])
    assert scoring.crps_sample(np.array([[0.0], [2.0]]), np.array([1.0])) == pytest.approx([0.5])
    # a large standard normal sample at 0 scores close to the closed form 2 phi(0) - 1/sqrt(pi)
    x = np.random.default_rng(1).standard_normal((20000, 1))
    assert scoring.crps_sample(x, np.array([0.0]))[0] == pytest.approx(0.2337, abs=0.005)


def test_an_ensemble_that_is_the_record_scores_perfectly_and_beats_both_baselines():
    rec = data.record().people.loc[PERIOD[0]:PERIOD[1]].to_numpy()
    s = validation.score(_members(rec, PERIOD[0], 3, 0.0))
    model = s.table.xs("model", level="forecaster")
    assert (model.crps == 0).all() and (model.mae_median == 0).all()
    assert (model.coverage_90 == 1).all() and (model.coverage_50 == 1).all()
    assert s.table.loc[("week", "model"), "periods"] == 26 and s.table.loc[("month", "model"), "periods"] == 6
    assert s.beats_naive("week") and s.beats_naive("month")
    assert "the model beats the seasonal naive forecast" in s.verdict
    assert (s.table.loc[("week", "naive"), "crps"] > 50) and (s.table.loc[("week", "negbin"), "crps"] > 50)


def test_an_ensemble_far_below_the_record_is_told_it_loses_to_the_naive_forecast():
    rec = data.record().people.loc[PERIOD[0]:PERIOD[1]].to_numpy()
    s = validation.score(_members(rec // 10, PERIOD[0], 3, 0.0))
    assert not s.beats_naive("week") and "does NOT beat the seasonal naive forecast" in s.verdict
    assert s.table.loc[("week", "model"), "coverage_90"] < 0.2


def test_only_whole_weeks_and_months_are_scored_and_the_record_is_summed_over_them():
    rec = data.record().people
    sims = _members(rec.loc["2024-01-03":"2024-03-10"].to_numpy(), "2024-01-03", 2, 0.0)
    s = validation.score(sims)
    weeks = s.periods.loc["week"]
    assert weeks.index[0] == "2024-01-08/2024-01-14" and weeks.index[-1] == "2024-03-04/2024-03-10"
    assert weeks.loc["2024-01-08/2024-01-14", "record"] == rec.loc["2024-01-08":"2024-01-14"].sum()
    assert list(s.periods.loc["month"].index) == ["2024-02"]


def test_baselines_use_nothing_from_the_scored_period(monkeypatch):
    sims = _members(data.record().people.loc[PERIOD[0]:PERIOD[1]].to_numpy(), PERIOD[0], 3, 0.1)
    before = validation.score(sims, seed=4)
    real = data.record()
    changed = real.copy()
    changed.loc[PERIOD[0]:, "people"] *= 3
    monkeypatch.setattr(data, "record", lambda: changed)
    after = validation.score(sims, seed=4)
    for f in ("naive", "negbin"):
        pd.testing.assert_series_equal(before.periods[f + "_median"], after.periods[f + "_median"])
    assert after.table.loc[("week", "model"), "crps"] > before.table.loc[("week", "model"), "crps"]


def test_the_same_seed_gives_the_same_table():
    sims = _members(data.record().people.loc[PERIOD[0]:PERIOD[1]].to_numpy(), PERIOD[0], 3, 0.2)
    pd.testing.assert_frame_equal(validation.score(sims, seed=2).table, validation.score(sims, seed=2).table)


def test_periods_outside_the_record_or_the_runs_are_refused():
    sims = _members(np.ones(400), "2025-06-01", 2, 0.0)
    with pytest.raises(ParameterError, match=r"end=2025-08-31 is outside the record"):
        validation.score(sims, "2025-06-01", "2025-08-31")
    with pytest.raises(ParameterError, match=r"start=2017-12-01 is outside the record"):
        validation.score(sims, "2017-12-01", "2018-02-01")
    with pytest.raises(ParameterError, match="not all simulated"):
        validation.score(sims, "2025-01-01", "2025-07-31")
    with pytest.raises(ParameterError, match="freqs: 'day'"):
        validation.score(sims, "2025-06-01", "2025-07-31", freqs=["day"])
    with pytest.raises(ParameterError, match="sims="):
        validation.score([], "2025-06-01", "2025-07-31")
