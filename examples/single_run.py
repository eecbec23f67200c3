"""One simulated year from research code: the annual totals and the overview figure.

    python examples/single_run.py                       # the 2024 baseline, seed 1
    python examples/single_run.py --scenario pilot_announced --seed 7 --out out/pilot

Writes ``daily.csv`` (one row per day) and ``overview.png`` to ``--out`` and prints the totals.
"""

from __future__ import annotations

import argparse
from pathlib import Path

import matplotlib

matplotlib.use("Agg")  # write files; never open a window

import channelsim  # noqa: E402
from channelsim.plotting import overview  # noqa: E402


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scenario", default="baseline_2024", help="a scenario name or TOML path")
    parser.add_argument("--days", type=int, default=None, help="days to simulate (default: the scenario's)")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--out", type=Path, default=Path("out/single_run"))
    args = parser.parse_args(argv)

    daily = channelsim.simulate(args.scenario, days=args.days, seed=args.seed)
    totals = channelsim.summary(daily)
    print(f"{args.scenario}, seed {args.seed}: {daily.index[0]:%d %b %Y} to {daily.index[-1]:%d %b %Y}")
    print(totals.to_string(float_format=lambda v: f"{v:,.2f}"))

    weekly = channelsim.aggregate(daily, "week")
    busiest = weekly["arrivals"].idxmax()
    print(f"busiest week: ending {busiest:%d %b %Y}, {int(weekly.loc[busiest, 'arrivals']):,} people")

    args.out.mkdir(parents=True, exist_ok=True)
    daily.to_csv(args.out / "daily.csv")
    fig = overview(daily, title=f"channelsim: {args.scenario}, seed {args.seed}")
    fig.savefig(args.out / "overview.png", dpi=110)
    print(f"wrote {args.out / 'daily.csv'} and {args.out / 'overview.png'}")


if __name__ == "__main__":
    main()
