"""Results: weekly, monthly and annual aggregation, run summaries, and the figures drawn from them."""

from __future__ import annotations

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
import pytest

from channelsim import ChannelModel, aggregate, summary
from channelsim.plotting import MapView, overview
from channelsim.results import LEVELS, MAXIMA, RATIOS

SUMMARY_KEYS = {"days", "arrivals", "boats", "people_per_boat", "attempts", "stopped", "stopped_share",
                "deaths", "rescued", "crossable_days", "days_with_arrivals", "mean_in_camps"}


@pytest.fixture()
def two_weeks() -> pd.DataFrame:
    """Fourteen days from Monday 1 January 2024, small enough to aggregate by hand."""
    idx = pd.date_range("2024-01-01", periods=14, freq="D", name="date")
    df = pd.DataFrame(0, index=idx, columns=["arrivals", "boats", "people_per_boat", "attempts",
                                             "stopped", "deaths", "in_camps", "beaufort",
                                             "crossable", "price_eur", "revenue_eur"], dtype=float)
    df["crossable"] = False
    # week 1: two boats of 50 on Monday, one of 20 on Tuesday, nothing else
    df.loc["2024-01-01", ["arrivals", "boats", "people_per_boat", "attempts", "stopped", "deaths",
                          "price_eur", "revenue_eur", "crossable"]] = [98, 2, 50, 150, 50, 2, 3000, 450_000, True]
    df.loc["2024-01-02", ["arrivals", "boats", "people_per_boat", "attempts", "stopped",
                          "price_eur", "revenue_eur", "crossable"]] = [20, 1, 20, 50, 30, 1000, 50_000, True]
    # week 2: one day of 3 boats of 40
    df.loc["2024-01-10", ["arrivals", "boats", "people_per_boat", "attempts",
                          "price_eur", "revenue_eur", "crossable"]] = [120, 3, 40, 120, 2000, 240_000, True]
    df["in_camps"] = np.arange(1000, 1014, dtype=float)
    df["beaufort"] = [7, 7, 7, 7, 7, 7, 0, 3, 3, 3, 3, 3, 3, 3]
    return df


# ----------------------------------------------------------------------------- aggregate by hand
def test_weekly_aggregate_by_hand(two_weeks):
    week = aggregate(two_weeks, "week")
    assert list(week.index) == [pd.Timestamp("2024-01-07"), pd.Timestamp("2024-01-14")]  # Sundays
    first, second = week.iloc[0], week.iloc[1]
    # flows are summed
    assert (first.arrivals, first.boats, first.attempts, first.stopped, first.deaths) == (118, 3, 200, 80, 2)
    assert first.revenue_eur == 500_000
    # people per boat is the boat-weighted mean (2 x 50 + 1 x 20) / 3, not the mean of daily means
    assert first.people_per_boat == pytest.approx(40.0)
    assert second.people_per_boat == pytest.approx(40.0)
    # the price is weighted by attempts: (150 x 3000 + 50 x 1000) / 200
    assert first.price_eur == pytest.approx(2500.0)
    # levels are averaged, crossable days counted, days counted
    assert first.in_camps == pytest.approx(1003.0) and second.in_camps == pytest.approx(1010.0)
    assert first.beaufort == pytest.approx(6.0)
    assert (first.crossable, second.crossable) == (2, 1)
    assert (first.days, second.days) == (7, 7)


def test_periods_without_boats_have_zero_people_per_boat(two_weeks):
    quiet = two_weeks.copy()
    quiet.loc["2024-01-10", ["arrivals", "boats", "people_per_boat", "attempts", "price_eur"]] = 0
    week = aggregate(quiet, "week")
    assert week.people_per_boat.iloc[1] == 0.0 and week.price_eur.iloc[1] == 0.0
    assert np.isfinite(week.to_numpy(float)).all()


def test_aggregate_leaves_the_daily_table_unchanged(two_weeks):
    before = two_weeks.copy()
    aggregate(two_weeks, "month")
    pd.testing.assert_frame_equal(two_weeks, before)


@pytest.mark.parametrize("freq, periods", [("week", 53), ("month", 12), ("year", 1)])
def test_period_totals_equal_daily_totals(default_year, freq, periods):
    daily = default_year(0)
    agg = aggregate(daily, freq)
    assert len(agg) == periods
    assert agg.days.sum() == len(daily) == 366  # the whole of 2024
    flows = [c for c in daily.columns
             if c not in LEVELS and c not in RATIOS and c not in MAXIMA and c != "crossable"]
    assert "arrivals" in flows and "launches_calais" in flows
    np.testing.assert_allclose(agg[flows].sum().to_numpy(float), daily[flows].sum().to_numpy(float))
    assert agg.crossable.sum() == daily.crossable.sum()
    # the year's people per boat equals people aboard over boats for the whole run
    people_aboard = (agg.people_per_boat * agg.boats).sum()
    assert people_aboard == pytest.approx((daily.people_per_boat * daily.boats).sum())
    if freq == "month":
        assert agg.index[0] == pd.Timestamp("2024-01-01") and agg.days.iloc[1] == 29  # leap year
        np.testing.assert_allclose(agg.in_camps.iloc[0], daily.in_camps.iloc[:31].mean())


def test_annual_aggregate_agrees_with_summary(default_year):
    daily = default_year(1)
    year, s = aggregate(daily, "year").iloc[0], summary(daily)
    assert year.arrivals == s.arrivals and year.boats == s.boats and year.deaths == s.deaths
    assert year.people_per_boat == pytest.approx(s.people_per_boat)
    assert year.crossable == s.crossable_days


@pytest.mark.parametrize("bad", ["fortnight", "weekly", "", "Q"])
def test_a_bad_frequency_is_named(two_weeks, bad):
    with pytest.raises(ValueError) as err:
        aggregate(two_weeks, bad)
    message = str(err.value)
    assert repr(bad) in message and "week" in message and "month" in message


def test_aggregate_needs_a_date_index(two_weeks):
    with pytest.raises(TypeError, match="indexed by date"):
        aggregate(two_weeks.reset_index(drop=True), "week")


# ----------------------------------------------------------------------------- summary
def test_summary_by_hand(two_weeks):
    s = summary(two_weeks)
    assert set(s.index) >= SUMMARY_KEYS
    assert (s.days, s.arrivals, s.boats, s.attempts, s.stopped, s.deaths) == (14, 238, 6, 320, 80, 2)
    assert s.people_per_boat == pytest.approx((2 * 50 + 20 + 3 * 40) / 6)
    assert s.stopped_share == pytest.approx(80 / 320)
    assert (s.crossable_days, s.days_with_arrivals) == (3, 3)
    assert s.mean_in_camps == pytest.approx(1006.5)


def test_summary_of_a_run_has_the_headline_keys(default_year):
    daily = default_year(0)
    s = summary(daily)
    assert set(s.index) >= SUMMARY_KEYS | {"returned", "admitted", "detained", "net_effect"}
    assert s.arrivals == daily.arrivals.sum() and s.days == 366
    assert 0 < s.stopped_share < 1


# ----------------------------------------------------------------------------- figures
def _panels(fig) -> int:
    """Panels of a figure: axes in distinct grid positions (twin axes share their panel's)."""
    return len({(ax.get_subplotspec().rowspan.start, ax.get_subplotspec().colspan.start)
                for ax in fig.axes})


def test_overview_has_four_panels_and_the_arrivals_total(default_year):
    daily = default_year(0)
    fig = overview(daily)
    try:
        assert _panels(fig) == 4
        titles = [ax.get_title() for ax in fig.axes]
        assert f"{int(daily.arrivals.sum()):,}" in titles[0]
        assert f"{int(daily.boats.sum()):,} boats" in titles[0]
        assert f"Deaths at sea: {int(daily.deaths.sum())}" in titles
        share = daily.stopped.sum() / daily.attempts.sum()
        assert any(f"{share:.0%} of attempts stopped" in t for t in titles)
    finally:
        plt.close(fig)


def test_overview_adds_a_policy_panel_when_people_were_returned(default_year):
    daily = default_year(0).copy()
    daily.loc[daily.index[200], "returned"] = 12
    fig = overview(daily, title="with returns")
    try:
        assert _panels(fig) == 5
        assert any("returns and admissions" in ax.get_title() for ax in fig.axes)
        assert fig.get_suptitle() == "with returns"
    finally:
        plt.close(fig)


@pytest.fixture(scope="module")
def busy_day() -> ChannelModel:
    """A model stopped after a summer day on which at least five boats put to sea."""
    model = ChannelModel(start="2024-07-01", rng=5)
    for _ in range(120):
        model.step()
        if sum(b.outcome != "stopped" for b in model.boats_today) >= 5:
            return model
    pytest.fail("no summer day with five boats at sea in 120 days")


def test_map_shows_one_marker_per_boat_at_sea(busy_day):
    model = busy_day
    fig, ax = plt.subplots()
    try:
        view = MapView(ax)
        shown_any = False
        for hour in np.arange(0.0, 24.0, 0.5):
            view.update(model, hour)
            at_sea = [b for b in model.boats_today
                      if b.outcome != "stopped" and b.launch_hour <= hour < b.end_hour]
            markers = view.boats.get_offsets()
            assert len(markers) == len(at_sea), hour
            assert f"{len(at_sea)} boats at sea" in view.title.get_text()
            shown_any |= len(at_sea) > 0
            for (x, y), boat in zip(np.asarray(markers), at_sea):
                start = model.geo.on_route(boat.point, 0.0)
                end = model.geo.on_route(boat.point, model.geo.route_km[boat.point])
                assert min(start[0], end[0]) - 1e-9 <= x <= max(start[0], end[0]) + 1e-9
                assert min(start[1], end[1]) - 1e-9 <= y <= max(start[1], end[1]) + 1e-9
        assert shown_any
        assert len(view.police.get_offsets()) == len(model.police_units)
        assert len(view.vessels.get_offsets()) == model.params.bf_vessels
    finally:
        plt.close(fig)


@pytest.mark.parametrize("freq", ["week", "month", "year"])
def test_the_largest_load_of_a_period_is_the_largest_of_its_days(default_year, freq):
    """``largest_load`` is the day's fullest boat: over a week, month or year it is the fullest
    boat of any of its days, not a sum nor a mean of the days (in the tables and the totals)."""
    from channelsim.experiments import run_totals

    daily = default_year(0)
    assert "largest_load" in MAXIMA and "largest_load" not in LEVELS
    agg = aggregate(daily, freq)
    rule = {"week": "W-SUN", "month": "MS", "year": "YS"}[freq]
    expected = daily["largest_load"].resample(rule).max()
    np.testing.assert_array_equal(agg["largest_load"].to_numpy(), expected.to_numpy())
    busy = agg[agg.boats > 0]
    assert (busy.largest_load >= busy.people_per_boat).all()  # the fullest boat, not a mean
    assert run_totals(daily)["largest_load"] == daily["largest_load"].max() > 60
