"""Tests of channelsim.weather: the seasonal AR(1) sea state, replayed series and weather CSVs."""

from __future__ import annotations

import datetime as dt
import math
import pathlib
import random
import time

import numpy as np
import pandas as pd
import pytest

from channelsim.params import Params
from channelsim.weather import (UNCROSSABLE_BEAUFORT, SeasonalWeather, SeriesWeather, Weather,
                                WeatherFileError, _solve_level, crossable_days, load_weather_csv,
                                make_weather)

START = dt.date(2024, 1, 1)
DAY = dt.timedelta(days=1)


def series(w: Weather, start: dt.date, n: int) -> np.ndarray:
    return np.array([w.beaufort(start + DAY * i) for i in range(n)])


def yearly_uncrossable(params: Params, seeds: range, years: int) -> np.ndarray:
    """Days a calendar year with Beaufort >= 6.5, one entry per (seed, year)."""
    out = []
    for seed in seeds:
        w = SeasonalWeather(params, np.random.default_rng(seed), START)
        for y in range(years):
            first = dt.date(START.year + y, 1, 1)
            n = (dt.date(START.year + y + 1, 1, 1) - first).days
            out.append(n - crossable_days(w, first, n))
    return np.array(out)


# --------------------------------------------------------------------------- calibration
def test_uncrossable_days_match_the_coastguard_figure():
    counts = yearly_uncrossable(Params(), range(10), years=4)
    assert Params().beaufort7_days_per_year == 120
    assert abs(counts.mean() - 120) < 8, counts.mean()
    # The yearly count's sd is about 15 days (AR(1) spells), so single years are checked at ~3 sd.
    assert np.all(np.abs(counts - 120) < 45), counts
    assert 8 < counts.std() < 25, counts.std()


def test_target_days_move_the_count():
    counts = yearly_uncrossable(Params(beaufort7_days_per_year=60), range(10), years=4)
    assert abs(counts.mean() - 60) < 8, counts.mean()


@pytest.mark.parametrize("target", [1.0, 60.0, 120.0, 250.0, 364.0])
def test_level_solves_the_expected_count(target):
    amp, sd = 1.3, 1.6
    level = _solve_level(target, amp, sd)
    expected = sum(0.5 * math.erfc((6.5 - level - amp * math.cos(2 * math.pi * (d - 15) / 365.25))
                                   / (sd * math.sqrt(2))) for d in range(1, 366))
    assert expected == pytest.approx(target, abs=1e-6)


def test_level_is_cheap_to_solve():
    _solve_level.cache_clear()
    t = time.perf_counter()
    _solve_level(123.0, 2.1, 1.7)
    assert time.perf_counter() - t < 0.05  # ~1.5 ms measured; generous for loaded machines


def test_winter_is_rougher_than_summer():
    p = Params()
    winter, summer = [], []
    for seed in range(10):
        w = SeasonalWeather(p, np.random.default_rng(seed), START)
        for i in range(3 * 365):
            d = START + DAY * i
            (winter if d.month in (12, 1, 2) else summer if d.month in (6, 7, 8) else []).append(
                not w.crossable(d))
    assert np.mean(winter) > 2 * np.mean(summer), (np.mean(winter), np.mean(summer))


@pytest.mark.parametrize("persistence", [0.3, 0.65, 0.9])
def test_anomaly_autocorrelation_and_spread(persistence):
    p = Params(weather_persistence=persistence)
    w = SeasonalWeather(p, np.random.default_rng(7), START)
    n = 10 * 365
    values = series(w, START, n)
    anomaly = values - np.array([w.seasonal_mean(START + DAY * i) for i in range(n)])
    r1 = np.corrcoef(anomaly[:-1], anomaly[1:])[0, 1]
    assert abs(r1 - persistence) < 0.1, r1
    assert abs(anomaly.std() - p.weather_variability) < 0.2 * p.weather_variability


def test_first_day_is_drawn_from_the_stationary_distribution():
    p = Params(weather_persistence=0.9)  # a cold start would give sd 0.44 * 1.6 = 0.70
    first = []
    for seed in range(400):
        w = SeasonalWeather(p, np.random.default_rng(seed), START)
        first.append(w.beaufort(START) - w.seasonal_mean(START))
    assert abs(np.std(first) - p.weather_variability) < 0.2, np.std(first)


def test_seasonal_mean_peaks_in_mid_january():
    w = SeasonalWeather(Params(), np.random.default_rng(0), START)
    means = [w.seasonal_mean(START + DAY * i) for i in range(366)]
    assert (START + DAY * int(np.argmax(means))) == dt.date(2024, 1, 15)
    assert max(means) - min(means) == pytest.approx(2 * Params().weather_seasonal_amplitude, abs=1e-3)


# ----------------------------------------------------------------------------- determinism
def test_same_seed_same_series_different_seed_different():
    p = Params()
    a = series(SeasonalWeather(p, np.random.default_rng(42), START), START, 800)
    b = series(SeasonalWeather(p, np.random.default_rng(42), START), START, 800)
    c = series(SeasonalWeather(p, np.random.default_rng(43), START), START, 800)
    assert np.array_equal(a, b)
    assert not np.allclose(a, c)


def test_draws_only_from_the_given_generator():
    p = Params()
    np.random.seed(1)
    random.seed(1)
    a = series(SeasonalWeather(p, np.random.default_rng(5), START), START, 400)
    np.random.seed(2)
    random.seed(2)
    b = series(SeasonalWeather(p, np.random.default_rng(5), START), START, 400)
    assert np.array_equal(a, b)


def test_cached_by_day_and_independent_of_call_pattern():
    p = Params()
    stepped = SeasonalWeather(p, np.random.default_rng(3), START)
    ref = series(stepped, START, 1000)
    assert stepped.beaufort(START + DAY * 500) == ref[500]  # asked twice, same value
    skipping = SeasonalWeather(p, np.random.default_rng(3), START)
    first = skipping.beaufort(START + DAY * 900)  # jump ahead, then fill in
    assert first == ref[900]
    order = np.random.default_rng(0).permutation(1000)
    assert all(skipping.beaufort(START + DAY * int(i)) == ref[i] for i in order)


def test_date_before_start_is_refused():
    w = SeasonalWeather(Params(), np.random.default_rng(0), START)
    w.beaufort(START)
    with pytest.raises(ValueError, match="2023-12-31"):
        w.beaufort(dt.date(2023, 12, 31))


def test_values_stay_in_0_to_12_even_when_clipping():
    p = Params(weather_seasonal_amplitude=4, weather_variability=4, beaufort7_days_per_year=200)
    values = series(SeasonalWeather(p, np.random.default_rng(11), START), START, 3 * 365)
    assert values.min() >= 0 and values.max() <= 12
    assert (values == 0).any() and (values == 12).any()  # the extremes were actually clipped


def test_hot_loop_is_cheap():
    w = SeasonalWeather(Params(), np.random.default_rng(0), START)
    days = [START + DAY * i for i in range(3653)]
    t = time.perf_counter()
    for d in days:
        w.crossable(d)
    per_day = (time.perf_counter() - t) / len(days)
    assert per_day < 20e-6, per_day  # ~0.4 us measured, generation included


# ------------------------------------------------------------------------- replayed series
def test_crossable_threshold_and_crossable_days():
    s = pd.Series([6.49, 6.5, 0.0, 12.0, 3.2], index=pd.date_range("2024-03-01", periods=5))
    w = SeriesWeather(s)
    assert UNCROSSABLE_BEAUFORT == 7
    assert [w.crossable(dt.date(2024, 3, 1) + DAY * i) for i in range(5)] == [
        True, False, True, False, True]
    assert crossable_days(w, dt.date(2024, 3, 1), 5) == 3
    assert crossable_days(w, dt.date(2024, 3, 2), 2) == 1


def test_series_date_outside_range_names_date_and_range():
    w = SeriesWeather(pd.Series([3.0, 4.0], index=[dt.date(2024, 5, 1), dt.date(2024, 5, 2)]))
    assert w.beaufort(dt.date(2024, 5, 2)) == 4.0
    assert w.beaufort(pd.Timestamp("2024-05-01")) == 3.0
    with pytest.raises(ValueError, match=r"2024-05-03.*2024-05-01 to 2024-05-02"):
        w.beaufort(dt.date(2024, 5, 3))
    with pytest.raises(ValueError, match="2024-04-30"):
        w.beaufort(dt.date(2024, 4, 30))


@pytest.mark.parametrize("values, index, match", [
    ([3.0, 13.0], ["2024-01-01", "2024-01-02"], "13"),
    ([3.0, float("nan")], ["2024-01-01", "2024-01-02"], "nan"),
    ([3.0, 4.0], ["2024-01-01", "2024-01-03"], "2024-01-03"),
    ([3.0, 4.0], ["2024-01-01", "2024-01-01"], "repeats"),
    ([3.0], ["not a date"], "not a date"),
    ([], [], "empty"),
])
def test_series_weather_validates(values, index, match):
    with pytest.raises(ValueError, match=match):
        SeriesWeather(pd.Series(values, index=index, dtype=float))


# ----------------------------------------------------------------------------------- CSVs
def test_csv_round_trip(tmp_path: pathlib.Path):
    path = tmp_path / "weather.csv"
    path.write_text("date,station,beaufort\n2024-02-28,Dover,5.5\n2024-02-29,Dover,7\n"
                    "2024-03-01,Dover,0\n")
    s = load_weather_csv(path)
    assert list(s) == [5.5, 7.0, 0.0]
    assert list(s.index.date) == [dt.date(2024, 2, 28), dt.date(2024, 2, 29), dt.date(2024, 3, 1)]
    w = SeriesWeather(s, name=str(path))
    assert [w.beaufort(dt.date(2024, 2, 28) + DAY * i) for i in range(3)] == [5.5, 7.0, 0.0]
    assert crossable_days(w, dt.date(2024, 2, 28), 3) == 2


@pytest.mark.parametrize("text, line, fragment", [
    ("", 1, "empty"),
    ("date,wind\n2024-01-01,3\n", 1, "beaufort"),
    ("day,beaufort\n2024-01-01,3\n", 1, "date"),
    ("date,beaufort\n", 2, "no data"),
    ("date,beaufort\n2024-01-01,3\n2024-13-01,3\n", 3, "2024-13-01"),
    ("date,beaufort\n01/02/2024,3\n", 2, "YYYY-MM-DD"),
    ("date,beaufort\n2024-01-01,3\n2024-01-02,4\n2024-01-02,4\n", 4, "repeats"),
    ("date,beaufort\n2024-01-01,3\n2024-01-02,4\n2024-01-04,4\n", 4, "2024-01-03"),
    ("date,beaufort\n2024-01-02,3\n2024-01-01,4\n", 3, "2024-01-03"),
    ("date,beaufort\n2024-01-01,3\n2024-01-02,abc\n", 3, "'abc' is not a number between 0 and 12"),
    ("date,beaufort\n2024-01-01,nan\n", 2, "'nan'"),
    ("date,beaufort\n2024-01-01,inf\n", 2, "'inf'"),
    ("date,beaufort\n2024-01-01,12.5\n", 2, "'12.5'"),
    ("date,beaufort\n2024-01-01,-1\n", 2, "'-1'"),
    ("date,beaufort\n2024-01-01,\n", 2, "''"),
    ("date,beaufort\n2024-01-01,3,4\n", 2, "3 fields"),
    ("date,beaufort\n2024-01-01\n", 2, "1 fields"),
    ("date,beaufort\n2024-01-01,3\n\n2024-01-02,x\n", 4, "'x'"),  # blank lines still count
])
def test_malformed_csv_names_file_and_line(tmp_path, text, line, fragment):
    path = tmp_path / "bad_weather.csv"
    path.write_text(text)
    with pytest.raises(WeatherFileError) as info:
        load_weather_csv(path)
    msg = str(info.value)
    assert "bad_weather.csv" in msg and f"line {line}:" in msg and fragment in msg, msg
    assert isinstance(info.value, ValueError)


def test_missing_file_names_the_file(tmp_path):
    with pytest.raises(WeatherFileError, match="nowhere.csv.*no such file"):
        load_weather_csv(tmp_path / "nowhere.csv")


# ---------------------------------------------------------------------------- make_weather
def test_make_weather_dispatches(tmp_path):
    p, rng = Params(), np.random.default_rng(0)
    path = tmp_path / "w.csv"
    path.write_text("date,beaufort\n2024-01-01,2\n2024-01-02,8\n")
    assert isinstance(make_weather(None, p, rng, START), SeasonalWeather)
    for arg in (path, str(path)):
        w = make_weather(arg, p, rng, START)
        assert isinstance(w, SeriesWeather) and w.beaufort(dt.date(2024, 1, 2)) == 8.0
        assert "w.csv" in w.name
    s = pd.Series([2.0, 8.0], index=pd.to_datetime(["2024-01-01", "2024-01-02"]))
    assert make_weather(s, p, rng, START).beaufort(dt.date(2024, 1, 1)) == 2.0
    cols = pd.DataFrame({"date": ["2024-01-01", "2024-01-02"], "beaufort": [2, 8], "x": [0, 0]})
    assert make_weather(cols, p, rng, START).beaufort(dt.date(2024, 1, 2)) == 8.0
    indexed = pd.DataFrame({"beaufort": [2.0, 8.0]}, index=pd.date_range("2024-01-01", periods=2))
    assert not make_weather(indexed, p, rng, START).crossable(dt.date(2024, 1, 2))
    existing = SeriesWeather(s)
    assert make_weather(existing, p, rng, START) is existing


def test_make_weather_validates_frames_and_rejects_other_types():
    p, rng = Params(), np.random.default_rng(0)
    with pytest.raises(ValueError, match="beaufort"):
        make_weather(pd.DataFrame({"date": ["2024-01-01"], "wind": [3]}), p, rng, START)
    with pytest.raises(ValueError, match="2024-01-02.*not a number"):
        make_weather(pd.DataFrame({"date": ["2024-01-01", "2024-01-02"], "beaufort": [3, 99]}),
                     p, rng, START)
    for bad in (42, [1.0, 2.0], {"2024-01-01": 3.0}):
        with pytest.raises(TypeError, match=type(bad).__name__):
            make_weather(bad, p, rng, START)
