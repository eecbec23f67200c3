"""Scenarios side by side over a few seeds: does the pilot change arrivals, deaths and the
net additions to the UK, against the counterfactual with no new policy?

    python examples/compare_scenarios.py                    # 3 runs of each scenario
    python examples/compare_scenarios.py --runs 20 --workers 2

Each scenario is run ``--runs`` times with the same random streams (common random numbers), so
that differences come from the policies rather than from luck. Prints the mean totals of each
scenario and, for each alternative, its difference from the baseline with a 90% interval.
"""

from __future__ import annotations

import argparse

import pandas as pd

import channelsim

SCENARIOS = ("no_policy_counterfactual", "pilot_announced", "pilot_scaled", "sea_interceptions")
OUTPUTS = ["arrivals", "people_per_boat", "deaths", "returned", "admitted", "net_effect"]


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scenarios", nargs="+", default=list(SCENARIOS),
                        help="the first is the baseline the others are compared with")
    parser.add_argument("--runs", type=int, default=3, help="runs (seeds) per scenario")
    parser.add_argument("--days", type=int, default=None, help="days to simulate (default: each scenario's)")
    parser.add_argument("--seed", type=int, default=0, help="root seed")
    parser.add_argument("--workers", default="inprocess",
                        help="'inprocess', a number of local processes, or a Dask scheduler address")
    args = parser.parse_args(argv)
    executor = int(args.workers) if args.workers.isdigit() else args.workers

    ensembles = {name: channelsim.ensemble(name, args.runs, days=args.days, seed=args.seed,
                                           executor=executor, progress=False)
                 for name in args.scenarios}
    means = pd.DataFrame({name: e.summary[OUTPUTS].mean() for name, e in ensembles.items()})
    print(f"Mean totals over {args.runs} runs each:")
    print(means.to_string(float_format=lambda v: f"{v:,.1f}"))

    baseline, *alternatives = args.scenarios
    for name in alternatives:
        table = channelsim.compare(ensembles[baseline], ensembles[name], OUTPUTS).table
        print(f"\n{name} minus {baseline} (90% interval):")
        print(table[["difference", "low", "high"]].to_string(float_format=lambda v: f"{v:,.1f}"))


if __name__ == "__main__":
    main()
