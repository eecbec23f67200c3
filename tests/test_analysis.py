"""Tests of channelsim.analysis: the paired policy effect over a window of dates, its table,
phrases and charts, its checks of windows and reused ensembles, and the drivers of the effect.

Runs are short: the pilot scenarios from 20 July 2025 for 60 days (the pilot starts on
4 August), three runs each, in this process.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import math

import numpy as np
import pandas as pd
import pytest

import channelsim
from channelsim import analysis
from channelsim.params import ParameterError

START, DAYS, N = "2025-07-20", 60, 3
PILOT_START = dt.date(2025, 8, 4)
LAST_DAY = dt.date(2025, 9, 17)  # START + DAYS - 1
FAST = dict(n=N, start=START, days=DAYS, executor="inprocess", progress=False)


@pytest.fixture(scope="module")
def effect() -> analysis.PolicyEffect:
    return analysis.policy_effect("pilot_announced", "no_policy_counterfactual", seed=11, **FAST)


# ----------------------------------------------------------------------------- the effect
def test_default_window_is_the_pilot_period_clipped_to_the_runs(effect):
    assert effect.window == (PILOT_START, LAST_DAY)
    assert list(effect.per_run.index) == [0, 1, 2]
    assert list(effect.table.index) == list(analysis.EFFECT_OUTPUTS)


def test_differences_are_policy_minus_counterfactual_run_by_run(effect):
    per_run = effect.per_run
    for output in analysis.EFFECT_OUTPUTS:
        expected = per_run["policy", output] - per_run["counterfactual", output]
        np.testing.assert_allclose(per_run["difference", output], expected)
        assert effect.table.loc[output, "difference"] == pytest.approx(expected.mean())


def test_run_totals_are_the_window_totals_of_the_seeded_run(effect):
    """Replicate 0 of the policy is simulate() with its seed; totals cover the window only."""
    seed = int(effect.policy_runs.summary.loc[0, "seed"])
    daily = channelsim.simulate("pilot_announced", start=START, days=DAYS, seed=seed)
    inside = daily.loc[str(PILOT_START):str(LAST_DAY)]
    assert len(inside) == (LAST_DAY - PILOT_START).days + 1
    run = effect.per_run["policy"].loc[0]
    assert run["arrivals"] == inside["arrivals"].sum() < daily["arrivals"].sum()
    assert run["returned"] == inside["returned"].sum()
    assert run["people_per_boat"] == pytest.approx(
        (inside["people_per_boat"] * inside["boats"]).sum() / inside["boats"].sum())
    assert run["deaths_per_1000_attempts"] == pytest.approx(
        1000 * inside["deaths"].sum() / inside["attempts"].sum())
    assert run["mean_in_camps"] == pytest.approx(inside["in_camps"].mean())


def test_interval_holds_the_mean_difference_and_relative_change_is_on_the_counterfactual(effect):
    t = effect.table
    assert (t["low"] <= t["difference"]).all() and (t["difference"] <= t["high"]).all()
    assert (t["per_run_q05"] <= t["per_run_q95"]).all()
    assert (t["runs"] == N).all()
    varied = t.loc["arrivals"]
    assert varied["high"] > varied["low"]  # the runs differ: a real interval, not a point
    assert varied["relative_change"] == pytest.approx(
        100 * varied["difference"] / varied["counterfactual_mean"])
    assert varied["relative_low"] == pytest.approx(100 * varied["low"] / varied["counterfactual_mean"])
    assert varied["excludes_zero"] == (varied["low"] > 0 or varied["high"] < 0)


def test_only_the_policy_returns_and_admits(effect):
    cf, pol = effect.per_run["counterfactual"], effect.per_run["policy"]
    for output in ("detained", "returned", "admitted"):
        assert (cf[output] == 0).all()
    assert (pol["returned"] > 0).all()
    assert (pol["admitted"] <= pol["returned"]).all()
    weeks = math.ceil(((LAST_DAY - PILOT_START).days + 1) / 7)
    assert (pol["returned"] <= 50 * weeks).all()  # the weekly cap of the pilot as announced
    assert math.isnan(effect.table.loc["returned", "relative_change"])
    assert effect.table.loc["returned", "excludes_zero"]


def test_runs_are_paired_identical_until_the_pilot_starts(effect):
    """The reused ensembles are re-totalled, not re-run: before 4 August nothing differs."""
    before = analysis.policy_effect(effect.policy_runs, effect.counterfactual_runs,
                                    window=(START, "2025-08-03"), seed=11, **FAST)
    assert before.policy_runs is effect.policy_runs
    diff = before.per_run["difference"]
    assert (before.per_run["policy", "arrivals"] > 0).all()
    assert (diff.fillna(0) == 0).all().all()
    assert (before.table["difference"].fillna(0) == 0).all()


def test_same_seed_same_effect_in_other_processes(effect):
    again = analysis.policy_effect(effect.policy_runs, "no_policy_counterfactual", seed=11,
                                   **{**FAST, "executor": 2})
    pd.testing.assert_frame_equal(again.per_run, effect.per_run)
    pd.testing.assert_frame_equal(again.table, effect.table)


def test_change_is_a_phrase_built_from_the_table(effect):
    row = effect.table.loc["arrivals"]
    phrase = effect.change("arrivals")
    assert phrase == (f"{row.relative_change:+.1f}% (90% interval {row.relative_low:+.1f}% to "
                      f"{row.relative_high:+.1f}%)").replace("-", "\u2212")
    load = effect.table.loc["people_per_boat"]
    assert effect.change("people_per_boat", relative=False) == (
        f"{load.difference:+.1f} (90% interval {load.low:+.1f} to {load.high:+.1f})").replace("-", "\u2212")
    returned = effect.table.loc["returned", "difference"]
    assert effect.change("returned").startswith(f"+{returned:,.0f} (90% interval")
    with pytest.raises(ParameterError, match="'arrival'.*arrivals"):
        effect.change("arrival")


def _with_interval(effect, output: str, low: float, high: float) -> analysis.PolicyEffect:
    table = effect.table.copy()
    table.loc[output, ["relative_change", "relative_low", "relative_high"]] = [(low + high) / 2, low, high]
    return dataclasses.replace(effect, table=table)


def test_change_says_an_interval_is_too_wide_instead_of_printing_it(effect):
    """A fall of more than 100% is impossible for deaths (no run has fewer than none); an
    interval from a halving to a doubling says nothing: neither is printed."""
    impossible = _with_interval(effect, "deaths", -125.9, 42.2)
    phrase = impossible.change("deaths")
    assert "too wide to mean anything" in phrase and "more than 100%" in phrase
    assert "125.9" not in phrase and "42.2" not in phrase
    assert phrase.startswith("\u221241.9% (too uncertain to say: with 3 runs the 90% interval")
    assert "halving to a doubling" in _with_interval(effect, "deaths", -60.0, 150.0).change("deaths")
    for low, high in ((-40.0, 150.0), (-60.0, 90.0), (-99.0, 20.0)):  # wide, but it says something
        phrase = _with_interval(effect, "deaths", low, high).change("deaths")
        assert "interval" in phrase and "too wide" not in phrase, phrase
        assert not _with_interval(effect, "deaths", low, high).too_wide("deaths")


def test_tables_show_no_exponents_and_no_nan(effect):
    """The effect's table in a notebook: thousands separators, no 3.46e+04, a dash for the
    relative change of an output the counterfactual never has (returns)."""
    shown = effect._repr_html_()
    assert "e+0" not in shown and "e-0" not in shown and "NaN" not in shown
    assert f"<td>{effect.table.loc['arrivals', 'counterfactual_mean']:,.0f}</td>" in shown
    assert "<td>\u2014</td>" in shown


def test_plots_show_each_output_with_its_interval(effect):
    fig = effect.plot()
    ax = fig.axes[0]
    finite = effect.table[np.isfinite(effect.table["relative_change"])]
    assert [t.get_text() for t in ax.get_yticklabels()] == list(finite.index)
    assert len(ax.patches) == len(finite)
    fan = effect.plot_weekly("arrivals").axes[0]
    assert len(fan.lines) == 2  # a mean line for each scenario


# ------------------------------------------------------------------------------ bad input
@pytest.mark.parametrize("window, message", [
    (("2027-01-01", "2027-02-01"), r"window=\(2027-01-01, 2027-02-01\) is outside the runs, "
                                   r"which cover 2025-07-20 to 2025-09-17"),
    (("2025-07-01", "2025-08-10"), r"start 2025-07-01 is before"),
    (("2025-08-10", "2025-09-30"), r"end 2025-09-30 is after"),
    (("2025-08-10", "2025-08-01"), r"end is before its start"),
    (("2025-08-10",), r"expected a \(start, end\) pair"),
    (("2025-08-10", "tomorrow"), r"window end='tomorrow' is invalid"),
])
def test_bad_window_is_rejected_before_any_run(window, message):
    with pytest.raises(ParameterError, match=message):
        analysis.policy_effect("pilot_announced", window=window, **FAST)


def test_default_window_comes_from_the_policies_the_scenario_runs():
    """The pilot's period is read from the run's policies, not from the registry: a scenario
    without the pilot has none, and a pilot outside the runs is named with its dates."""
    with pytest.raises(ParameterError, match=r"'baseline_2024' runs no one-in-one-out pilot"):
        analysis.policy_effect("baseline_2024", "no_policy_counterfactual", n=2, progress=False)
    with pytest.raises(ParameterError,
                       match=r"pilot period of 'pilot_announced' \(2025-08-04 to 2026-06-\d\d\) lies outside"):
        analysis.policy_effect("pilot_announced", n=2, days=30, progress=False)


def test_bad_outputs_runs_and_overrides_are_named():
    with pytest.raises(ParameterError, match=r"unknown output 'deaths_per_attempt'.*did you mean"):
        analysis.policy_effect(outputs=["deaths_per_attempt"], **FAST)
    with pytest.raises(ParameterError, match=r"n=1 is invalid"):
        analysis.policy_effect(**{**FAST, "n": 1})
    with pytest.raises(ParameterError, match=r"weekly_return_cap=-1 is out of range"):
        analysis.policy_effect(weekly_return_cap=-1, **FAST)


def test_an_ensemble_that_cannot_be_paired_is_named(effect):
    with pytest.raises(ParameterError, match=r"counterfactual ensemble .* its seed is 11, not seed=12"):
        analysis.policy_effect("pilot_announced", effect.counterfactual_runs, seed=12, **FAST)
    with pytest.raises(ParameterError,
                       match=r"run with no overrides, not with \{'officers_per_day': 1200.0\}"):
        analysis.policy_effect("pilot_announced", effect.counterfactual_runs, seed=11,
                               officers_per_day=1200, **FAST)
    without_daily = dataclasses.replace(effect.policy_runs, daily=pd.DataFrame())
    with pytest.raises(ParameterError,
                       match=r"policy ensemble 'pilot_announced' .* kept no daily results"):
        analysis.policy_effect(without_daily, effect.counterfactual_runs, seed=11, **FAST)


# -------------------------------------------------------------------------------- drivers
@pytest.fixture(scope="module")
def drivers() -> pd.DataFrame:
    return analysis.effect_drivers({"return_aversion": (1.0, 9.0), "weekly_return_cap": (10, 100)},
                                   output="returned", n=2, seed=3, start="2025-07-28", days=36,
                                   executor="inprocess", progress=False)


def test_drivers_give_one_row_per_parameter_and_value(drivers):
    assert len(drivers) == 4
    assert set(zip(drivers.parameter, drivers.setting, drivers.value)) == {
        ("return_aversion", "low", 1.0), ("return_aversion", "high", 9.0),
        ("weekly_return_cap", "low", 10), ("weekly_return_cap", "high", 100)}
    assert list(drivers.setting) == ["low", "high", "low", "high"]
    np.testing.assert_allclose(drivers["difference"],
                               drivers["policy_mean"] - drivers["counterfactual_mean"])
    assert (drivers["low"] <= drivers["difference"]).all()
    assert (drivers["difference"] <= drivers["high"]).all()
    assert dict(zip(drivers.parameter, drivers.default)) == {"return_aversion": 3.0,
                                                             "weekly_return_cap": 50}
    assert drivers.attrs["output"] == "returned" and drivers.attrs["window"][0] == PILOT_START


def test_drivers_measure_the_effect_of_each_value(drivers):
    """A tight return cap bounds returns: the low cap returns fewer, at most 10 a week, and
    ranks first (above it the pipeline sets the pace); the counterfactual has no pilot and is the same under every cap."""
    cap = drivers[drivers.parameter == "weekly_return_cap"].set_index("setting")
    assert drivers.parameter.iloc[0] == "weekly_return_cap"
    assert cap.loc["low", "policy_mean"] < cap.loc["high", "policy_mean"]
    assert 0 < cap.loc["low", "policy_mean"] <= 10 * 5  # 4 August to 1 September: 5 ISO weeks
    assert (drivers["counterfactual_mean"] == 0).all()
    reference = drivers.attrs["reference"]
    # the tight cap binds; above the seats on flights (13 a week) the cap no longer sets the pace
    assert cap.loc["low", "difference"] < min(reference["difference"], cap.loc["high", "difference"])


def test_plot_drivers_draws_two_bars_per_parameter(drivers):
    ax = analysis.plot_drivers(drivers).axes[0]
    assert len(ax.patches) == 4
    labels = [t.get_text() for t in ax.get_yticklabels()]
    assert labels[0].startswith("weekly_return_cap") and "10 / 100" in labels[0]  # on top


def test_bad_driver_ranges_are_named():
    with pytest.raises(ParameterError,
                       match=r"unknown parameter 'return_averson' \(did you mean 'return_aversion'\?\)"):
        analysis.effect_drivers({"return_averson": (1, 2)}, **FAST)
    with pytest.raises(ParameterError, match=r"parameters\['news_weight'\]=\(0.8, 0.2\) .* low < high"):
        analysis.effect_drivers({"news_weight": (0.8, 0.2)}, **FAST)
    with pytest.raises(ParameterError,
                       match=r"parameters\['news_weight'\]: news_weight=2 is out of range"):
        analysis.effect_drivers({"news_weight": (0.2, 2)}, **FAST)
    with pytest.raises(ParameterError, match=r"'news_weight' is both varied and set"):
        analysis.effect_drivers({"news_weight": (0.2, 0.8)}, news_weight=0.5, **FAST)
    with pytest.raises(ParameterError, match=r"'detention_rule' is a choice"):
        analysis.effect_drivers({"detention_rule": ("random", "returnees_first")}, **FAST)


def test_default_driver_ranges_lie_inside_the_registry_and_around_the_default():
    params = channelsim.Params()
    for name, (low, high, reason) in analysis.DRIVER_RANGES.items():
        s = channelsim.params.spec(name)
        assert s.low <= low < high <= s.high and (low, high) != (s.low, s.high)
        assert low <= getattr(params, name) <= high, name
        assert reason


# ------------------------------------------------------------------------- effect by channel
@pytest.fixture(scope="module")
def channels() -> analysis.PolicyEffect:
    # to 27 October: the first returns (18 September) and admissions are inside the window
    return analysis.policy_effect("pilot_as_run", "no_policy_counterfactual", seed=5,
                                  outputs=["arrivals", "net_effect", "returned", "admitted"],
                                  by_channel=True, **{**FAST, "days": 100})


def test_the_channels_and_their_interaction_add_up_to_the_total(channels):
    for output in ("arrivals", "net_effect", "returned"):
        parts = channels.by_channel(output)
        assert list(parts.index) == [*analysis.CHANNELS, "interaction", "total"]
        assert parts.loc["total", "effect"] == pytest.approx(channels.table.loc[output, "difference"])
        assert parts["effect"].iloc[:-1].sum() == pytest.approx(parts.loc["total", "effect"])
        assert (parts["low"] <= parts["effect"]).all() and (parts["effect"] <= parts["high"]).all()


def test_each_channel_is_measured_by_switching_it_off(channels):
    returned = channels.by_channel("returned")
    # only removal changes who is counted as returned (switched off, they stay in the UK)
    assert returned.loc["removal", "effect"] == returned.loc["total", "effect"] > 0
    admitted = channels.by_channel("admitted")
    # every channel is the pilot itself, switched off in part: admissions happen in each
    assert channels.per_run["policy"]["admitted"].min() > 0
    assert admitted.loc["total", "effect"] > 0


def test_a_decomposition_needs_the_policy_scenario_and_is_asked_for(effect):
    with pytest.raises(ParameterError, match="no decomposition"):
        effect.by_channel("arrivals")
    with pytest.raises(ParameterError, match="by_channel=True needs the policy scenario"):
        analysis.policy_effect(effect.policy_runs, seed=11, by_channel=True, **FAST)
    with pytest.raises(ParameterError, match="by_channel='yes' is invalid"):
        analysis.policy_effect("pilot_as_run", by_channel="yes", **FAST)
