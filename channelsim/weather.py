"""Daily sea state in the Dover Strait, as the wind force on the Beaufort scale (0-12).

One model day is one value: :class:`SeasonalWeather` draws an AR(1) anomaly around a seasonal mean
(windiest in mid-January), :class:`SeriesWeather` replays a daily series (:func:`load_weather_csv`).

Sources: ``beaufort7_days_per_year`` (default 120 days/year) is the French coastguard's figure
as reported: about 120 days a year of Beaufort 7 or more in the Strait; the mean level is solved
so the expected yearly count of days >= 6.5 (force 7 once rounded) matches it. The seasonal
amplitude, persistence and variability are assumptions (see :mod:`channelsim.params`).
"""

from __future__ import annotations

import abc
import csv
import datetime as dt
import functools
import math
import pathlib
from typing import Any

import numpy as np
import pandas as pd

from .checks import parse_date

__all__ = ["UNCROSSABLE_BEAUFORT", "WeatherFileError", "Weather", "SeasonalWeather",
           "SeriesWeather", "load_weather_csv", "make_weather", "crossable_days"]

UNCROSSABLE_BEAUFORT: int = 7  #: no small boat launches on days of Beaufort 7 or more
_THRESHOLD = UNCROSSABLE_BEAUFORT - 0.5  # a value >= 6.5 rounds to force 7
_BLOCK = 366  # normals drawn from the generator per block of days
_ONE_DAY = dt.timedelta(days=1)
_EPOCH = dt.date(1970, 1, 1).toordinal()


class WeatherFileError(ValueError):
    """A weather file is missing or malformed; the message names the file and the line."""


_as_date = parse_date  #: date, datetime, Timestamp or 'YYYY-MM-DD' as a date; None if not one


def _beaufort_or_none(v: Any) -> float | None:
    """``v`` as a float in [0, 12], or None if it is not a finite number in that range."""
    try:
        x = float(v.strip() if isinstance(v, str) else v)
    except (TypeError, ValueError):
        return None
    return x if not isinstance(v, bool) and math.isfinite(x) and 0.0 <= x <= 12.0 else None


def _seasonal_shape(doy: Any) -> Any:  # day of year (1-based, int or array) -> 1 in mid-January
    return np.cos(2.0 * np.pi * (np.asarray(doy) - 15) / 365.25)


class Weather(abc.ABC):
    """A daily wind force (Beaufort) for the Dover Strait."""

    @abc.abstractmethod
    def beaufort(self, date: dt.date) -> float:
        """Wind force on ``date`` (Beaufort, a float in [0, 12])."""

    def crossable(self, date: dt.date) -> bool:
        """True if boats can launch on ``date``: the force rounds to 6 or less."""
        return self.beaufort(date) < _THRESHOLD


@functools.lru_cache(maxsize=256)
def _solve_level(target: float, amplitude: float, sd: float) -> float:
    """Level (Beaufort) whose expected count of days a year >= 6.5 equals ``target`` (days)."""
    shapes, k = (amplitude * _seasonal_shape(np.arange(1, 366))).tolist(), 1 / (sd * math.sqrt(2))

    def expected(level: float) -> float:  # sum over the year of P(N(mean, sd) >= 6.5)
        return 0.5 * sum(math.erfc((_THRESHOLD - level - s) * k) for s in shapes)

    # bisection (the count increases with the level); a target of 0 or 365 ends at a bound
    lo, hi = _THRESHOLD - amplitude - 9.0 * sd, _THRESHOLD + amplitude + 9.0 * sd
    for _ in range(40):  # the bracket is < 80 Beaufort wide: 80 / 2**40 < 1e-10
        mid = 0.5 * (lo + hi)
        lo, hi = (mid, hi) if expected(mid) < target else (lo, mid)
    return 0.5 * (lo + hi)


class SeasonalWeather(Weather):
    """AR(1) wind force around a seasonal mean, drawn lazily from ``rng``, one normal a day.

    ``mean(doy) = level + amplitude * cos(2 pi (doy - 15) / 365.25)`` (Beaufort);
    ``anomaly_t = persistence * anomaly_{t-1} + sqrt(1 - persistence^2) * variability * N(0, 1)``,
    started from its stationary distribution; the value ``mean + anomaly`` is clipped to [0, 12].
    Values are cached by day, so the series does not depend on the call pattern.
    """

    def __init__(self, params: Any, rng: np.random.Generator, start: dt.date) -> None:
        self.amplitude = float(params.weather_seasonal_amplitude)  # Beaufort
        self.persistence = float(params.weather_persistence)  # 1
        self.variability = float(params.weather_variability)  # Beaufort
        self.target_days = float(params.beaufort7_days_per_year)  # days/year
        self.level = _solve_level(self.target_days, self.amplitude, self.variability)  # Beaufort
        if (day := _as_date(start)) is None:
            raise TypeError(f"start={start!r} is not a date: expected a datetime.date")
        self.start = day
        self._rng, self._start_ord = rng, self.start.toordinal()
        self._innov = math.sqrt(1.0 - self.persistence ** 2) * self.variability
        self._anomaly, self._values = 0.0, []  # last anomaly; one float per day from start

    def seasonal_mean(self, date: dt.date) -> float:
        """Mean wind force expected on ``date`` (Beaufort), before clipping."""
        return self.level + self.amplitude * float(_seasonal_shape(date.timetuple().tm_yday))

    def beaufort(self, date: dt.date) -> float:
        """Wind force on ``date`` (Beaufort, in [0, 12]); ``date`` must not precede ``start``."""
        i = date.toordinal() - self._start_ord
        if 0 <= i < len(self._values):
            return self._values[i]
        if i < 0:
            raise ValueError(f"weather asked for {date} which is before its start {self.start}")
        while i >= len(self._values):
            self._extend()
        return self._values[i]

    def _extend(self) -> None:  # the next block of days, from one draw of _BLOCK normals
        n0 = len(self._values)
        z = self._rng.standard_normal(_BLOCK).tolist()
        d = (np.arange(n0, n0 + _BLOCK) + (self._start_ord - _EPOCH)).astype("datetime64[D]")
        doy = (d - d.astype("datetime64[Y]")).astype(np.int64) + 1
        means = (self.level + self.amplitude * _seasonal_shape(doy)).tolist()
        a, phi, s, out = self._anomaly, self.persistence, self._innov, []
        if n0 == 0 and s > 0:  # day 0 from the stationary distribution: anomaly = variability * z
            a, z[0] = 0.0, z[0] * self.variability / s
        for m, zk in zip(means, z):
            a = phi * a + s * zk
            v = m + a
            out.append(12.0 if v > 12.0 else (0.0 if v < 0.0 else v))
        self._anomaly = a
        self._values.extend(out)


class SeriesWeather(Weather):
    """Replays a daily series of wind forces (Beaufort), indexed by date, one value per day."""

    def __init__(self, series: pd.Series, name: str = "weather series") -> None:
        self.name = name
        if len(series) == 0:
            raise ValueError(f"{name} is empty: expected one Beaufort value per day")
        pairs = []
        for d, v in series.items():
            if (day := _as_date(d)) is None:
                raise ValueError(f"{name}: {d!r} is not a date: expected a date or YYYY-MM-DD")
            if (x := _beaufort_or_none(v)) is None:
                raise ValueError(f"{name}, {day}: beaufort {v!r} is not a number between 0 and 12")
            pairs.append((day, x))
        pairs.sort(key=lambda p: p[0])
        for (d0, _), (d1, _) in zip(pairs, pairs[1:]):
            if d1 != d0 + _ONE_DAY:
                what = "repeats" if d1 == d0 else f"follows {d0}"
                raise ValueError(f"{name}: date {d1} {what}: expected one value per consecutive day")
        self.first, self.last = pairs[0][0], pairs[-1][0]
        self._start_ord, self._values = self.first.toordinal(), [v for _, v in pairs]

    def beaufort(self, date: dt.date) -> float:
        """Wind force on ``date`` (Beaufort); ValueError if the series does not cover it."""
        i = date.toordinal() - self._start_ord
        if 0 <= i < len(self._values):
            return self._values[i]
        raise ValueError(f"{self.name} has no value for {_as_date(date) or date}: "
                         f"it covers {self.first} to {self.last}")


def load_weather_csv(path: str | pathlib.Path) -> pd.Series:
    """Read a daily CSV with columns ``date`` (YYYY-MM-DD, consecutive) and ``beaufort`` (0-12).

    Returns a float Series named ``beaufort`` on a DatetimeIndex named ``date``. Any problem
    raises :class:`WeatherFileError` naming the file and the 1-based line (header = line 1).
    """
    name = str(path)

    def fail(line: int, msg: str) -> WeatherFileError:
        return WeatherFileError(f"{name}, line {line}: {msg}")

    dates, values, prev_line = [], [], 1
    try:
        with open(path, newline="", encoding="utf-8-sig") as fh:
            reader = csv.reader(fh)
            header = next(reader, None)
            if header is None:
                raise fail(1, "file is empty: expected a header with columns date and beaufort")
            cols = [c.strip().lower() for c in header]
            for col in ("date", "beaufort"):
                if col not in cols:
                    raise fail(1, f"no column {col!r} in the header {header}: expected date and beaufort")
            i_date, i_bft = cols.index("date"), cols.index("beaufort")
            for row in reader:
                line = reader.line_num
                if not any(c.strip() for c in row):
                    continue  # blank line
                if len(row) != len(header):
                    raise fail(line, f"{len(row)} fields: expected {len(header)} as in the header")
                if (day := _as_date(row[i_date])) is None:
                    raise fail(line, f"date {row[i_date]!r} is not a date: expected YYYY-MM-DD")
                if dates and day != dates[-1] + _ONE_DAY:
                    what = "repeats" if day == dates[-1] else "does not follow"
                    raise fail(line, f"date {day} {what} {dates[-1]} (line {prev_line}): "
                                     f"expected {dates[-1] + _ONE_DAY}")
                if (x := _beaufort_or_none(row[i_bft])) is None:
                    raise fail(line, f"beaufort {row[i_bft]!r} is not a number between 0 and 12")
                dates.append(day)
                values.append(x)
                prev_line = line
    except (OSError, UnicodeDecodeError, csv.Error) as err:
        what = "no such file" if isinstance(err, FileNotFoundError) else f"unreadable ({err})"
        raise WeatherFileError(f"{name}: {what}: expected a CSV text file with columns date and "
                               "beaufort") from None
    if not dates:
        raise fail(2, "no data rows: expected one row per day after the header")
    return pd.Series(values, index=pd.DatetimeIndex(dates, name="date"), name="beaufort", dtype=float)


def make_weather(weather: Any, params: Any, rng: np.random.Generator, start: dt.date) -> Weather:
    """A :class:`Weather` from ``None`` (seasonal model), a CSV path, a Series, a DataFrame
    (``date`` and ``beaufort`` columns, or a date index and a ``beaufort`` column) or a Weather.

    ``params`` supplies the seasonal model's settings (``weather_*``), ``rng`` its random
    draws and ``start`` its first day; a series is used as given (forces in Beaufort)."""
    if isinstance(weather, Weather):
        return weather
    if weather is None:
        return SeasonalWeather(params, rng, start)
    if isinstance(weather, (str, pathlib.Path)):
        return SeriesWeather(load_weather_csv(weather), name=str(weather))
    if isinstance(weather, pd.Series):
        return SeriesWeather(weather, name="weather series")
    if isinstance(weather, pd.DataFrame):
        if "beaufort" not in weather.columns:
            raise ValueError(f"weather DataFrame has no 'beaufort' column: {list(weather.columns)}")
        index = weather["date"] if "date" in weather.columns else weather.index
        return SeriesWeather(pd.Series(list(weather["beaufort"]), index=list(index)),
                             name="weather DataFrame")
    raise TypeError(f"weather of type {type(weather).__name__} is not supported: expected None, "
                    "a CSV path, a pandas Series or DataFrame, or a Weather")


def crossable_days(weather: Weather, start: dt.date, days: int) -> int:
    """Number of crossable days among the ``days`` days from ``start`` (inclusive): days whose
    wind force rounds to less than :data:`UNCROSSABLE_BEAUFORT`, when boats can launch."""
    return sum(weather.crossable(start + _ONE_DAY * k) for k in range(days))
