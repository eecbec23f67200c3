"""Re-run the 2024 calibration and print the fitted values, their 90% intervals and the distance.

    .venv/bin/python benchmarks/calibrate_2024.py                 # defaults: 8 runs, seed 2024
    .venv/bin/python benchmarks/calibrate_2024.py --runs 16 --workers 2
    .venv/bin/python benchmarks/calibrate_2024.py --targets my_targets.csv --parameters inflow_per_year

The fitted values are what the registry's "calibrated (2024)" defaults should be set to; the
last block prints each one with the target it serves, ready to copy into
``channelsim/params.py``.
"""

from __future__ import annotations

import argparse
import time

from channelsim import calibration
from channelsim.params import spec


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--parameters", nargs="+", default=list(calibration.DEFAULT_PARAMETERS),
                    help="registry parameters to fit (default: %(default)s)")
    ap.add_argument("--targets", default=None,
                    help="a targets CSV (default: the packaged 2024 targets marked calibrate)")
    ap.add_argument("--runs", type=int, default=8, help="runs per evaluation (default: 8)")
    ap.add_argument("--seed", type=int, default=2024, help="seed of the runs (default: 2024)")
    ap.add_argument("--workers", type=int, default=1,
                    help="processes running each ensemble (default: 1, in this process)")
    ap.add_argument("--quiet", action="store_true", help="do not print every evaluation")
    args = ap.parse_args()

    started = time.perf_counter()
    result = calibration.calibrate(args.parameters, args.targets, n=args.runs, seed=args.seed,
                                   executor=args.workers, log=None if args.quiet else print)
    elapsed = time.perf_counter() - started
    print()
    print(result)
    print(f"\n{result.evaluations} evaluations x {result.n} runs in {elapsed:.0f} s")
    targets = calibration.load_targets(args.targets)
    print("\nRegistry defaults and sources (value [90% interval], the target each serves):")
    for name in result.parameters:
        lo, hi = result.interval[name]
        t = targets.loc[result.serves[name]]
        print(f"  {name} = {result.fitted[name]:.4g}  [{lo:.4g}, {hi:.4g}] {spec(name).unit}  "
              f"-> \"calibrated (2024): {t['value']:g} {t['output']} ({t['fact']})\"")


if __name__ == "__main__":
    main()
