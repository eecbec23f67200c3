"""Make the posterior shipped with the package, check it, and time every stage.

    .venv/bin/python benchmarks/bench_posterior.py                      # 300 runs, 24 SBC data sets
    .venv/bin/python benchmarks/bench_posterior.py --runs 120 --sbc 20 --ppc 20 --workers 2
    .venv/bin/python benchmarks/bench_posterior.py --ship               # also write channelsim/data/posterior.*

Stages, each timed (wall seconds):

1. **One run** of the calibration period (2018-01-01 to 2025-11-15), alone, in this process:
   the unit of the budget.
2. **The design**: ``--runs`` runs on a Latin hypercube over the priors, on ``--workers``
   processes, written to ``--database`` as they finish (start the script again to resume).
3. **The emulator**: one Gaussian process per statistic, validated on the last 20% of the runs
   (fitted on the rest): RMSE, R^2 and coverage of its 90% predictive interval.
4. **MCMC** on the emulator (emcee), then **simulation-based calibration**: ``--sbc`` data sets
   simulated at parameters drawn from the prior, each calibrated in turn; the ranks of the
   true values should be uniform (chi-square per parameter).
5. **Posterior predictive check**: the history run ``--ppc`` times with parameters drawn from
   the posterior; the share of weeks whose recorded arrivals lie inside the runs' 90% band.

The report (tables and timings) is written to ``benchmarks/results/posterior.md``.
"""

from __future__ import annotations

import argparse
import time
from pathlib import Path

import pandas as pd

from channelsim import posterior as P
from channelsim import simulate


def _one_run() -> float:
    scen = P.calibration_scenario()
    started = time.perf_counter()
    simulate(scen, seed=1)
    return time.perf_counter() - started


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--runs", type=int, default=300, help="design runs (default: %(default)s)")
    ap.add_argument("--sbc", type=int, default=24, help="SBC data sets (default: %(default)s)")
    ap.add_argument("--ppc", type=int, default=30, help="predictive-check runs (default: %(default)s)")
    ap.add_argument("--workers", type=int, default=2, help="processes (default: %(default)s)")
    ap.add_argument("--database", default="benchmarks/results/posterior.db",
                    help="the calibration database (default: %(default)s)")
    ap.add_argument("--seed", type=int, default=2018, help="seed (default: %(default)s)")
    ap.add_argument("--ship", action="store_true",
                    help="write the posterior to channelsim/data/posterior.csv/.json")
    args = ap.parse_args()
    Path(args.database).parent.mkdir(parents=True, exist_ok=True)
    times = {"one run of the calibration period (s)": round(_one_run(), 1)}
    print(f"one run: {times['one run of the calibration period (s)']} s", flush=True)

    started = time.perf_counter()
    post = P.calibrate_posterior(args.database, runs=args.runs, executor=args.workers,
                                 seed=args.seed, sbc_datasets=args.sbc)
    times["calibration: design, emulator, MCMC and SBC (s)"] = round(time.perf_counter() - started, 1)
    times["of which simulating the design (s)"] = post.info["seconds_simulating"]
    started = time.perf_counter()
    check = P.predictive_check(post, n=args.ppc, executor=args.workers, seed=args.seed)
    times["posterior predictive check (s)"] = round(time.perf_counter() - started, 1)
    post.info.update({"predictive_coverage_90": round(check.coverage, 3),
                      "predictive_runs": check.runs, "timings": times})
    report(post, check, times)
    if args.ship:
        post.save(Path("channelsim/data/posterior"))
        print("wrote channelsim/data/posterior.csv and .json")


def _block(table: pd.DataFrame | pd.Series, fmt: str = "{:,.4g}") -> str:
    """A table as a fixed-width text block (no extra dependency)."""
    text = table.to_string(float_format=lambda v: fmt.format(v))
    return f"```\n{text}\n```"


def report(post: P.Posterior, check: P.PredictiveCheck, times: dict) -> None:
    out = Path("benchmarks/results")
    out.mkdir(parents=True, exist_ok=True)
    sbc = P.sbc_uniformity(post.sbc) if post.sbc is not None else None
    val = post.validation
    parts = [
        "# The posterior\n",
        _block(pd.Series(times).to_frame("value")),
        f"\nruns: {post.info['runs']} ({post.info['failed_runs']} failed); acceptance rate "
        f"{post.info['acceptance_rate']}; predictive coverage of weekly arrivals "
        f"{check.coverage:.2f} (90% band, {check.runs} runs)\n",
        "## Posterior table\n", _block(post.summary()),
        "\n## Emulator on held-out runs\n",
        _block(val.describe().loc[["mean", "min", "50%", "max"]], "{:.3f}") if val is not None else "-",
        "\n## Simulation-based calibration\n", _block(sbc, "{:.3f}") if sbc is not None else "-",
        "\n## Yearly figures, record against the runs\n", _block(check.yearly, "{:,.1f}"),
    ]
    text = "\n".join(parts) + "\n"
    (out / "posterior.md").write_text(text)
    print(text)


if __name__ == "__main__":
    main()
