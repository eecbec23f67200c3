"""Driving the model with a daily weather series of your own (a CSV of date and Beaufort force).

    python examples/custom_weather.py                                   # the sample series
    python examples/custom_weather.py --weather my_station.csv --seed 3

The CSV needs a header with the columns ``date`` (YYYY-MM-DD, one row per consecutive day) and
``beaufort`` (0-12); a malformed file is reported with its name and line. The sample,
``examples/data/weather_synthetic_2024.csv``, is a synthetic year drawn from channelsim's own
seasonal weather model (seed 2024), not observations.

The script runs the year with the series as given and with the same series one Beaufort force
windier, and prints how crossable days, arrivals and deaths change.
"""

from __future__ import annotations

import argparse
from pathlib import Path

import pandas as pd

import channelsim
from channelsim.weather import load_weather_csv

SAMPLE = Path(__file__).resolve().parent / "data" / "weather_synthetic_2024.csv"


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--weather", type=Path, default=SAMPLE, help="CSV with date and beaufort columns")
    parser.add_argument("--days", type=int, default=None, help="days to simulate (default: the whole series)")
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args(argv)

    series = load_weather_csv(args.weather)  # WeatherFileError names the file and line
    days = args.days or len(series)
    start = series.index[0].date()
    windier = (series + 1.0).clip(upper=12.0)
    rows = {}
    for label, weather in (("as given", series), ("one force windier", windier)):
        daily = channelsim.simulate(days=days, start=start, seed=args.seed, weather=weather)
        totals = channelsim.summary(daily)
        rows[label] = {"crossable days": int(totals["crossable_days"]),
                       "arrivals": int(totals["arrivals"]),
                       "people per boat": f"{totals['people_per_boat']:.1f}",
                       "deaths": int(totals["deaths"])}
    table = pd.DataFrame(rows)
    print(f"{args.weather.name}: {days} days from {start}, seed {args.seed}")
    print(table.to_string())


if __name__ == "__main__":
    main()
