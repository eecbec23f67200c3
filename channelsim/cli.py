"""The ``channelsim`` command line: ``channelsim run`` simulates a scenario and writes its results."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

__all__ = ["main"]


class CliError(Exception):
    """Bad input on the command line: printed as one line, exit status 2."""


def _run(args: argparse.Namespace) -> int:
    import matplotlib

    matplotlib.use("Agg")
    from .plotting import overview
    from .results import summary
    from .simulation import simulate

    daily = simulate(args.scenario, days=args.days, start=args.start, seed=args.seed)
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    daily.to_csv(out / "daily.csv")
    fig = overview(daily, title=f"channelsim: {args.scenario or 'baseline_2024'}, "
                                f"{daily.index[0]:%d %b %Y} to {daily.index[-1]:%d %b %Y}, seed {args.seed}")
    fig.savefig(out / "overview.png", dpi=110)
    s = summary(daily)
    print(s.to_frame("value").to_string(float_format=lambda v: f"{v:,.2f}"))
    print(f"\nwrote {out / 'daily.csv'}\nwrote {out / 'overview.png'}")
    return 0


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="channelsim", description=__doc__)
    sub = parser.add_subparsers(dest="command", required=True)
    run = sub.add_parser("run", help="simulate one scenario and write daily.csv and overview.png")
    run.add_argument("--scenario", default=None, help="scenario name (see `channelsim scenarios`)")
    run.add_argument("--days", type=int, default=365, help="days to simulate (default 365)")
    run.add_argument("--start", default="2024-01-01", help="first day, YYYY-MM-DD")
    run.add_argument("--seed", type=int, default=1, help="random seed (default 1)")
    run.add_argument("--out", default="out/run", help="output folder")
    run.set_defaults(func=_run)
    return parser


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        return args.func(args)
    except (ValueError, TypeError, OSError, CliError) as err:
        print(f"channelsim: error: {err}", file=sys.stderr)
        return 2
