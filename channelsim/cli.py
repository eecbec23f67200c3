"""The ``channelsim`` command line: simulate a scenario, run ensembles and sweeps, list scenarios.

    channelsim run --scenario pilot_announced --days 365 --out out/pilot
    channelsim ensemble --scenario baseline_2024 -n 20 --seed 0 --out out/baseline
    channelsim sweep sweep.toml --out out/sweep          # run it again to resume
    channelsim scenarios
    channelsim app --scenario pilot_announced      # the dashboard as a web page (Voila)

Bad input gets one line on stderr (``channelsim: error: ...``) and exit status 2, before any
run starts. Ctrl-C (status 130) and SIGTERM from a batch system (status 143) stop an experiment
keeping every finished run: the same command resumes it. ``--retry-crashed`` runs again the runs
that killed their worker process, ``--allow-large`` confirms a very large experiment, and
``--allow-version-change`` resumes a folder written by another version of channelsim.
"""

from __future__ import annotations

import argparse
import sys
import tomllib
import warnings
from pathlib import Path
from typing import Any, NoReturn

__all__ = ["main", "build_parser", "CliError"]


class CliError(Exception):
    """Bad input on the command line: printed as one line, exit status 2."""


class _Parser(argparse.ArgumentParser):
    """Argument errors as one line (``channelsim: error: ...``), without the usage block."""

    def error(self, message: str) -> NoReturn:
        self.exit(2, f"channelsim: error: {message} (see `{self.prog} --help`)\n")


def _setting(text: str) -> tuple[str, Any]:
    """``NAME=VALUE`` with VALUE read as TOML (numbers, true/false, dates) or else as text."""
    name, sep, raw = text.partition("=")
    if not sep or not name.strip():
        raise argparse.ArgumentTypeError(f"{text!r} is invalid: expected NAME=VALUE, e.g. officers_per_day=1200")
    try:
        value = tomllib.loads(f"v = {raw.strip()}")["v"]
    except tomllib.TOMLDecodeError:
        value = raw.strip()
    return name.strip(), value


_OPTIONS = {"seed": "--seed", "days": "--days", "start": "--start", "scenario": "--scenario",
            "n": "-n/--runs", "runs": "-n/--runs", "executor": "--workers or --scheduler",
            "out": "--out", "format": "--format"}


def _overrides(settings: list[tuple[str, Any]] | None) -> dict[str, Any]:
    """The ``--set`` pairs as registry parameters, each name and value checked before anything
    runs: an error names the setting that is wrong."""
    from .params import ParameterError, check_value, spec

    overrides: dict[str, Any] = {}
    for name, value in settings or []:
        if name in _OPTIONS:
            raise CliError(f"--set {name}=...: {name} is not a model parameter: use {_OPTIONS[name]}")
        if name in overrides:
            raise CliError(f"--set {name} is given twice ({overrides[name]!r} and {value!r}): "
                           "expected each parameter once")
        try:
            spec(name)
            overrides[name] = check_value(name, value)
        except ParameterError as err:
            raise CliError(f"--set {name}={value!r}: {err}") from None
    return overrides


def _check_column(column: str) -> str:
    from .experiments.runs import daily_names

    if column not in daily_names():
        raise CliError(f"--column {column!r} is not a daily result: expected one of " + ", ".join(daily_names()))
    return column


def _positive(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"invalid whole number: {text!r}") from None
    if value < 1:
        raise argparse.ArgumentTypeError(f"{value} is invalid: expected a whole number >= 1")
    return value


def _resilience(args: argparse.Namespace) -> dict[str, Any]:
    return {"crashed": "retry" if args.retry_crashed else "skip", "allow_large": args.allow_large,
            "allow_version_change": args.allow_version_change}


def _executor(args: argparse.Namespace) -> Any:
    if args.scheduler and args.workers:
        raise CliError("give --workers (local processes) or --scheduler (a Dask cluster), not both")
    return args.scheduler or args.workers  # None: one local process per core


def _report_failures(failures: Any, out: Path) -> int:
    if failures is None or not len(failures):
        return 0
    print(f"channelsim: {len(failures)} runs failed (the others were kept; details in "
          f"{out / 'failures.csv'}):", file=sys.stderr)
    for row in failures.head(5).itertuples():
        where = f"point {row.point}, " if hasattr(row, "point") else ""
        print(f"  {where}replicate {row.replicate}: {row.error}", file=sys.stderr)
    return 1


def _save_table(table: Any, out: Path, stem: str, index: bool) -> list[Path]:
    paths = [out / f"{stem}.csv"]
    table.to_csv(paths[0], index=index)
    try:
        table.to_parquet(out / f"{stem}.parquet", index=index)
        paths.append(out / f"{stem}.parquet")
    except ImportError:  # pyarrow is in the experiments extra; CSV alone is enough
        pass
    return paths


# ---------------------------------------------------------------------------------- commands
def _run(args: argparse.Namespace) -> int:
    import matplotlib

    matplotlib.use("Agg")
    from .plotting import overview
    from .results import summary
    from .simulation import simulate

    daily = simulate(args.scenario, days=args.days, start=args.start, seed=args.seed,
                     **_overrides(args.set))
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


def _ensemble(args: argparse.Namespace) -> int:
    import matplotlib

    matplotlib.use("Agg")
    from .experiments import HEADLINE_OUTPUTS, RunFailureWarning, ensemble

    out = Path(args.out)
    overrides, column = _overrides(args.set), _check_column(args.column)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RunFailureWarning)  # reported below, one line a run
        ens = ensemble(args.scenario, args.runs, days=args.days, start=args.start, seed=args.seed,
                       executor=_executor(args), progress=not args.quiet, out=out,
                       format=args.format, keep_daily=True, **_resilience(args), **overrides)
    written = _save_table(ens.summary, out, "summary", index=True)
    if len(ens.summary):
        fig = ens.plot(column, "week")
        fig.savefig(out / f"fan_{column}.png", dpi=110)
        written.append(out / f"fan_{column}.png")
        shown = [c for c in HEADLINE_OUTPUTS if c in ens.summary.columns]
        print(f"{ens!r}\n")
        print(ens.describe(shown).to_string(float_format=lambda v: f"{v:,.1f}"))
    print("\n" + "\n".join(f"wrote {p}" for p in written))
    return _report_failures(ens.failures, out)


def _sweep(args: argparse.Namespace) -> int:
    from .experiments import RunFailureWarning, SweepSpec, sweep

    spec = SweepSpec.load(args.spec)
    out = Path(args.out)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RunFailureWarning)
        result = sweep(spec, executor=_executor(args), progress=not args.quiet, out=out,
                       format=args.format, **_resilience(args))
    written = _save_table(result.summary, out, "summary", index=False)
    means = result.means()
    written += _save_table(means, out, "means", index=True)
    print(f"{result!r}\n")
    print(means.head(20).to_string(float_format=lambda v: f"{v:,.4g}"))
    if len(means) > 20:
        print(f"... {len(means) - 20} more points in {out / 'means.csv'}")
    print("\n" + "\n".join(f"wrote {p}" for p in written))
    return _report_failures(result.failures, out)


def _scenarios(args: argparse.Namespace) -> int:
    from . import scenarios

    names = scenarios.names()
    width = max(map(len, names))
    for name in names:
        scen = scenarios.get(name)
        print(f"{name:<{width}}  {scen.description}")
    return 0


def _app(args: argparse.Namespace) -> int:
    from .dashboard.app_server import serve

    return serve(args.scenario, seed=args.seed, days=args.days, port=args.port,
                 open_browser=not args.no_browser)


# ------------------------------------------------------------------------------------ parser
def _add_period(p: argparse.ArgumentParser, seed: int) -> None:
    p.add_argument("--scenario", default=None,
                   help="scenario name (see `channelsim scenarios`) or path to a scenario .toml")
    p.add_argument("--days", type=_positive, default=None,
                   help="days to simulate (default: the scenario's period; the whole of 2024 without one)")
    p.add_argument("--start", default=None,
                   help="first day, YYYY-MM-DD (default: the scenario's; 2024-01-01 without one)")
    p.add_argument("--seed", type=int, default=seed, help=f"random seed (default {seed})")
    p.add_argument("--set", type=_setting, action="append", metavar="NAME=VALUE",
                   help="set a registry parameter on top of the scenario (repeatable)")


def _add_execution(p: argparse.ArgumentParser) -> None:
    p.add_argument("--workers", type=_positive, default=None,
                   help="local worker processes (default: one per core; 1 runs in this process)")
    p.add_argument("--scheduler", default=None, metavar="tcp://HOST:PORT",
                   help="run on the Dask cluster whose scheduler is at this address")
    p.add_argument("--format", choices=("parquet", "csv"), default="parquet",
                   help="file format of the runs in the output folder (default parquet)")
    p.add_argument("--quiet", action="store_true", help="no progress bar")
    p.add_argument("--retry-crashed", action="store_true",
                   help="on resuming, run again the runs that killed their worker process "
                        "(skipped by default; see failures.csv)")
    p.add_argument("--allow-large", action="store_true",
                   help="go ahead with more than 100,000 runs or 10,000 daily tables")
    p.add_argument("--allow-version-change", action="store_true",
                   help="resume a folder written by another version of channelsim")


def build_parser() -> argparse.ArgumentParser:
    """The ``channelsim`` command-line parser, with its subcommands ``run``, ``ensemble``,
    ``sweep``, ``app`` and ``scenarios`` (each sets ``func``, the function that carries it out)."""
    parser = _Parser(prog="channelsim", description=__doc__,
                     formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    run = sub.add_parser("run", help="simulate one scenario and write daily.csv and overview.png")
    _add_period(run, seed=1)
    run.add_argument("--out", default="out/run", help="output folder (default out/run)")
    run.set_defaults(func=_run)

    ens = sub.add_parser("ensemble", help="run a scenario many times with independent random "
                                          "streams; write summary.csv and a fan chart")
    _add_period(ens, seed=0)
    ens.add_argument("-n", "--runs", type=_positive, default=20, help="number of runs (default 20)")
    ens.add_argument("--out", default="out/ensemble",
                     help="output folder (default out/ensemble); the same command resumes there")
    ens.add_argument("--column", default="arrivals", help="daily result shown in the fan chart")
    _add_execution(ens)
    ens.set_defaults(func=_ensemble)

    swp = sub.add_parser("sweep", help="run a parameter sweep from a TOML specification "
                                       "(resumable); write summary.csv and means.csv")
    swp.add_argument("spec", help="the sweep specification (.toml); see docs/experiments.md")
    swp.add_argument("--out", default="out/sweep",
                     help="output folder (default out/sweep); the same command resumes there")
    _add_execution(swp)
    swp.set_defaults(func=_sweep)

    app = sub.add_parser("app", help="open the dashboard as a web page on this computer (Voila)")
    app.add_argument("--scenario", default=None, help="scenario to start from (default: the registry defaults)")
    app.add_argument("--seed", type=int, default=1, help="random seed (default 1)")
    app.add_argument("--days", type=_positive, default=None, help="days to simulate (default: the scenario's)")
    app.add_argument("--port", type=_positive, default=8866, help="port on 127.0.0.1 (default 8866)")
    app.add_argument("--no-browser", action="store_true", help="do not open a browser")
    app.set_defaults(func=_app)

    scen = sub.add_parser("scenarios", help="list the built-in scenarios")
    scen.set_defaults(func=_scenarios)
    return parser


def main(argv: list[str] | None = None) -> int:
    """Run the ``channelsim`` command with arguments ``argv`` (default: ``sys.argv[1:]``).

    Returns the exit status: 0 on success; 1 if an experiment's runs failed (the first run's
    traceback is printed); 2 for bad input or a missing optional extra (the error, on one line,
    names what was wrong); 130 when interrupted (143 on SIGTERM). Finished runs are kept in the
    output folder and the same command resumes there.

    >>> main(["scenarios"])  # doctest: +SKIP
    """
    from .experiments.executors import WorkersFailed
    from .experiments.runner import ExperimentFailed

    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        return args.func(args)
    except KeyboardInterrupt as err:
        out = getattr(args, "out", None)
        kept = f"; finished runs are kept in {out}: run the same command to resume" if out else ""
        by = f" ({err})" if str(err) else ""
        print(f"\nchannelsim: interrupted{by}{kept}", file=sys.stderr)
        return 143 if "SIGTERM" in str(err) else 130
    except (ExperimentFailed, WorkersFailed) as err:
        print(f"channelsim: error: {err}", file=sys.stderr)  # with the first run's traceback
        return 1
    except ImportError as err:
        print(f"channelsim: error: {err}: install the extras with "
              "pip install 'channelsim[experiments]'", file=sys.stderr)
        return 2
    except (ValueError, TypeError, OSError, CliError) as err:
        message = " ".join(str(err).split())  # one line, whatever the message holds
        print(f"channelsim: error: {message}", file=sys.stderr)
        return 2
