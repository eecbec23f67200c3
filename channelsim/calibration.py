"""Calibration: the published targets, a distance between an ensemble and them, and a fit.

The targets are figures of the published record (``channelsim/data/targets.csv``, copied from
``channel_facts.csv`` with their sources), each mapped to a model output over a window of dates:

>>> from channelsim import calibration
>>> t = calibration.load_targets().loc["arrivals_2024"]
>>> print(f"{t.output}: {t.value:,.0f} +- {t.tolerance:,.0f} {t.unit}, {t.start} to {t.end}")
arrivals: 36,816 +- 1,841 people, 2024-01-01 to 2024-12-31

**Distance.** For an ensemble of runs with the same parameters and different seeds,

    distance = sum over targets i of ((mean_i - value_i) / tolerance_i) ** 2

where ``mean_i`` is the ensemble mean of target i's output and ``tolerance_i`` its scale: the
half-width of the published range, or a stated relative tolerance (column ``tolerance_basis``).
A distance of ``k`` with ``k`` targets means the ensemble is, on average, one tolerance away.

**Fit.** :func:`calibrate` fits chosen registry parameters by bounded nonlinear least squares
(:func:`scipy.optimize.least_squares`, trust-region reflective) on the scaled residuals
``(mean_i - value_i) / tolerance_i``. Every evaluation runs the same seeds (common random
numbers), so that differences between parameter values are not drowned in seed-to-seed noise.
Parameters are fitted in log coordinates (relative changes) when they are positive, so one step
means the same relative change for an hourly hazard of 5e-5 and for an inflow of 44,500 a year.
The Jacobian is taken by forward differences with a deliberately large step (20% by default):
the model is stochastic, and small steps would measure noise rather than slope. Even with
common random numbers, runs with slightly different parameters drift apart, so the distance
carries noise of its own: the fit stops once its steps become smaller than that noise can
resolve, and reports the distance that noise alone would give at the fit (``noise_floor``: the
sum over targets of the variance of the ensemble mean over the tolerance squared).

**Uncertainty.** Around the fit, the outputs are linear in the (log) parameters, ``m(z) = m* +
J (z - z*)``. The fitted parameters then inherit two sources of error: the record's own
tolerance (read as one standard deviation) and the noise of the ensemble mean (the runs'
variance over the number of runs). Propagated through the least-squares solution, they give
``cov(z) = A diag(tolerance^2 + s^2/n) A^T`` with ``A`` the pseudo-inverse of ``J`` (the local
curvature of the distance, as in a Laplace approximation). The 90% interval is
``z* +- 1.645 sd`` mapped back to the parameter's units (asymmetric for log coordinates). This
local estimate costs no runs beyond the fit itself, which is why it is used instead of refitting
on bootstrapped seed sets (tens of fits) or approximate Bayesian computation (thousands of
runs at about a second each); it assumes the outputs are close to linear within the interval.

Each parameter *serves* one target, the record it is in effect read from: parameters and
targets are paired one to one by their relative gain ``J_ij A_ji`` (Bristol's relative gain
array: how much of target i's response to parameter j remains once the other parameters are
refitted; 1 for a clean pair), choosing the pairing of largest total gain.

Run the full 2024 calibration with ``python benchmarks/calibrate_2024.py``, or::

    result = calibration.calibrate()   # DEFAULT_PARAMETERS on the 2024 targets
    print(result)
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import math
import pathlib
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from importlib import resources
from typing import Any

import numpy as np
import pandas as pd

from . import checks
from .params import ParameterError, Params, spec
from .results import COLUMNS, summary

__all__ = [
    "OUTPUTS", "DEFAULT_PARAMETERS", "TargetsError", "CalibrationResult", "load_targets",
    "measure", "ensemble_outputs", "distance", "calibrate",
]

#: Parameters fitted by default, each chiefly informed by one 2024 record figure.
DEFAULT_PARAMETERS: tuple[str, ...] = (
    "inflow_per_year",  # arrivals
    "stop_effectiveness",  # share of attempts stopped
    "load_enforcement_response",  # people per boat
    "distress_hazard_per_hour",  # deaths
)

Z90 = 1.6448536269514722  #: standard normal quantile of 95%: a central 90% interval is +-Z90 sd


@dataclass(frozen=True)
class Output:
    """A model output a target can map to, computed from the run summary of its window."""

    name: str
    unit: str
    description: str
    compute: Callable[[pd.Series], float] = field(repr=False)


def _total(column: str) -> Callable[[pd.Series], float]:
    """The run summary's ``column``, as a float."""
    return lambda s: float(s[column])


#: Outputs a target can name in its ``output`` column; each is computed from
#: :func:`channelsim.results.summary` of the daily results within the target's window.
def _column_output(column: str) -> Output:
    """An output that totals a daily result column, with the column's unit and meaning."""
    r = COLUMNS[column]
    return Output(column, r.unit, r.description[:1].upper() + r.description[1:], _total(column))


#: What a calibration target can be compared with: totals of result columns (units and
#: meaning from :data:`channelsim.results.COLUMNS`) and figures of the run summary.
OUTPUTS: dict[str, Output] = {o.name: o for o in (
    *(_column_output(c) for c in ("arrivals", "boats", "people_per_boat", "attempts", "stopped",
                                  "deaths", "rescued")),
    Output("stopped_share", "share", "Share of attempts stopped by French police",
           _total("stopped_share")),
    Output("crossable_days", "days", "Days with wind below Beaufort 7",
           _total("crossable_days")),
    Output("uncrossable_days", "days", "Days with wind of Beaufort 7 or more",
           lambda s: float(s["days"] - s["crossable_days"])),
    Output("arrivals_per_week", "people/week", "Mean arrivals per week over the window",
           lambda s: float(s["arrivals"]) * 7.0 / float(s["days"])),
    Output("mean_in_camps", "people", "Mean number of people waiting on the French coast",
           _total("mean_in_camps")),
)}


# ------------------------------------------------------------------------------------ targets
class TargetsError(ValueError):
    """A targets table is malformed; the message names the file, the line and the column."""


_COLUMNS = ("target", "output", "value", "low", "high", "tolerance", "unit", "start", "end",
            "fact", "period", "calibrate", "tolerance_basis", "source")
_REQUIRED = ("target", "output", "value", "tolerance", "start", "end")


def load_targets(source: str | pathlib.Path | pd.DataFrame | None = None) -> pd.DataFrame:
    """The targets as a table indexed by ``target``, checked.

    ``source`` is None for the packaged 2024/2025 record (``channelsim/data/targets.csv``), the
    path of a CSV in the same format (``#`` lines are comments), or a DataFrame with at least
    the columns ``target, output, value, tolerance, start, end``. Missing ``low``/``high``
    default to ``value``, a missing ``calibrate`` to true. Any problem raises
    :class:`TargetsError` naming the file (or "targets table"), the line and the column.
    """
    if isinstance(source, pd.DataFrame):
        frame = source.reset_index() if source.index.name == "target" else source
        rows = [(k + 1, {str(c): ("" if pd.isna(v) else v) for c, v in r.items()})
                for k, r in enumerate(frame.to_dict("records"))]
        return _check_targets(rows, "targets table", "row")
    if source is None:
        name = "channelsim/data/targets.csv"
        text = resources.files("channelsim.data").joinpath("targets.csv").read_text("utf-8")
    else:
        name = str(source)
        try:
            text = pathlib.Path(source).read_text("utf-8-sig")
        except (OSError, UnicodeDecodeError) as err:
            raise TargetsError(f"{name}: cannot read ({err}): expected a CSV text file of "
                               f"targets with columns {', '.join(_REQUIRED)}") from None
    lines = [(k, line) for k, line in enumerate(text.splitlines(), start=1)
             if line.strip() and not line.lstrip().startswith("#")]
    if not lines:
        raise TargetsError(f"{name}: no header: expected columns {', '.join(_REQUIRED)}")
    reader = csv.reader(io.StringIO("\n".join(line for _, line in lines)))
    records = list(reader)
    header = [c.strip() for c in records[0]]
    missing = [c for c in _REQUIRED if c not in header]
    if missing:
        raise TargetsError(f"{name}, line {lines[0][0]}: no column {missing[0]!r} in the header: "
                           f"expected at least {', '.join(_REQUIRED)}")
    rows = []
    for (number, _), record in zip(lines[1:], records[1:]):
        if len(record) != len(header):
            raise TargetsError(f"{name}, line {number}: {len(record)} fields: expected "
                               f"{len(header)} as in the header")
        rows.append((number, dict(zip(header, (v.strip() for v in record)))))
    return _check_targets(rows, name, "line")


def _check_targets(rows: list[tuple[int, dict[str, Any]]], name: str, unit: str) -> pd.DataFrame:
    if not rows:
        raise TargetsError(f"{name}: no targets: expected at least one row after the header")
    out, seen = [], {}
    for number, row in rows:
        where = f"{name}, {unit} {number}"
        target = str(row.get("target", "")).strip()
        if not target:
            raise _invalid(where, row, "target", "a name")
        if target in seen:
            raise TargetsError(f"{where}: target {target!r} repeats {unit} {seen[target]}: "
                               "expected each target once")
        seen[target] = number
        out.append({"target": target, **_check_target_fields(row, where)})
    return pd.DataFrame(out, columns=list(_COLUMNS)).set_index("target")


def _invalid(where: str, row: dict[str, Any], column: str, expected: str) -> TargetsError:
    return TargetsError(f"{where}, column {column}: {row.get(column)!r} is invalid: "
                        f"expected {expected}")


def _check_target_fields(row: dict[str, Any], where: str) -> dict[str, Any]:
    """One target's fields after its name, checked and typed (errors name ``where``)."""
    output = str(row.get("output", "")).strip()
    if output not in OUTPUTS:
        raise _invalid(where, row, "output", "one of " + ", ".join(OUTPUTS))

    def number_in(column: str, default: float | None = None) -> float:
        raw = row.get(column, "")
        if raw == "" and default is not None:
            return default
        try:
            x = float(raw)
        except (TypeError, ValueError):
            x = math.nan
        if not math.isfinite(x):
            raise _invalid(where, row, column, "a finite number")
        return x

    def date_in(column: str) -> dt.date:
        if (day := checks.parse_date(row.get(column, ""))) is None:
            raise _invalid(where, row, column, "a date (YYYY-MM-DD)")
        return day

    value = number_in("value")
    low, high = number_in("low", value), number_in("high", value)
    if not low <= value <= high:
        raise TargetsError(f"{where}: low={low:g}, value={value:g}, high={high:g} are out "
                           "of order: expected low <= value <= high")
    tolerance = number_in("tolerance")
    if tolerance <= 0:
        raise _invalid(where, row, "tolerance",
                       "a number > 0 (the scale of the distance, in the target's unit)")
    start, end = date_in("start"), date_in("end")
    if end < start:
        raise TargetsError(f"{where}: end={end} is before start={start}: expected a window "
                           "of at least one day")
    flag = str(row.get("calibrate", "true")).strip().lower() or "true"
    if flag not in ("true", "false", "1", "0", "yes", "no"):
        raise _invalid(where, row, "calibrate", "true or false")
    return {"output": output, "value": value, "low": low, "high": high,
            "tolerance": tolerance, "unit": str(row.get("unit", "")) or OUTPUTS[output].unit,
            "start": start, "end": end, "fact": str(row.get("fact", "")),
            "period": str(row.get("period", "")), "calibrate": flag in ("true", "1", "yes"),
            "tolerance_basis": str(row.get("tolerance_basis", "")),
            "source": str(row.get("source", ""))}


def _span(targets: pd.DataFrame) -> tuple[dt.date, int]:
    """First day and number of days of a run covering every target's window."""
    first, last = min(targets["start"]), max(targets["end"])
    return first, (last - first).days + 1


def measure(daily: pd.DataFrame, targets: pd.DataFrame) -> pd.Series:
    """Each target's model output in one run's daily results (indexed by target).

    Raises :class:`TargetsError` if the run does not cover a target's window.
    """
    first, last = daily.index[0].date(), daily.index[-1].date()
    values = {}
    for name, t in targets.iterrows():
        if t["start"] < first or t["end"] > last:
            raise TargetsError(f"target {name!r} needs {t['start']} to {t['end']} but the run "
                               f"covers {first} to {last}: expected a run spanning the window")
        window = daily.loc[pd.Timestamp(t["start"]):pd.Timestamp(t["end"])]
        values[name] = OUTPUTS[t["output"]].compute(summary(window))
    return pd.Series(values, name="model", dtype=float)


# ------------------------------------------------------------------------------------ ensembles
def _check_run_count(n: Any) -> int:
    return checks.count(n, "n", what="runs")


def _ensemble_daily(scenario: Any, n: int, *, start: dt.date, days: int, seed: int,
                    executor: Any, **overrides: Any) -> list[pd.DataFrame]:
    """The daily results of ``n`` runs (:func:`channelsim.experiments.ensemble`: run ``i`` has
    seed ``run_seed(seed, i)``); raises if any run failed, since a partial ensemble would bias
    every mean computed from it."""
    from . import experiments

    ens = experiments.ensemble(scenario, n, days=days, start=start, seed=seed, executor=executor,
                               progress=False, keep_daily=True, **overrides)
    if len(ens.failures):
        first = ens.failures.iloc[0]
        raise RuntimeError(f"{len(ens.failures)} of {n} runs failed; first: replicate "
                           f"{first['replicate']} (seed {first['seed']}): {first['error']}")
    return [ens.daily_of(r) for r in range(n)]


def ensemble_outputs(targets: pd.DataFrame | str | pathlib.Path | None = None, *, n: int = 8,
                     seed: int = 2024, scenario: Any = None, executor: Any = "inprocess",
                     start: Any = None, **overrides: Any) -> pd.DataFrame:
    """Run an ensemble and measure every target in each run: one row per run, one column per
    target (in the target's unit).

    The runs start on the earliest target window's first day (or ``start``, for a warm-up) and
    end on the last window's last day. They are the runs of
    ``channelsim.ensemble(scenario, n, seed=seed, ...)``: run ``i`` has the seed
    ``channelsim.experiments.run_seed(seed, i)``, so the same ``(n, seed)`` gives the same runs
    on any executor. ``overrides`` are registry parameters applied to every run. ``executor``
    is as for :func:`channelsim.ensemble`: ``"inprocess"`` (the default here), a number of
    processes, ``"processes"`` (one per core), a Dask scheduler address or any
    ``concurrent.futures.Executor``.
    """
    targets = load_targets(targets) if not isinstance(targets, pd.DataFrame) else targets
    n = _check_run_count(n)
    Params(**overrides)  # report bad overrides before starting any run
    first, days = _span(targets)
    if start is not None:
        start = pd.Timestamp(start).date()
        if start > first:
            raise ParameterError(f"start={start} is after the first target window ({first}): "
                                 "expected a start on or before it")
        days += (first - start).days
        first = start
    runs = _ensemble_daily(scenario, n, start=first, days=days, seed=seed, executor=executor,
                           **overrides)
    out = pd.DataFrame([measure(daily, targets) for daily in runs]).reset_index(drop=True)
    out.index.name = "run"
    return out


def distance(outputs: pd.DataFrame | pd.Series | Mapping[str, float],
             targets: pd.DataFrame | None = None) -> float:
    """Sum over targets of ((ensemble mean - value) / tolerance) squared (dimensionless).

    ``outputs`` is an ensemble (one row per run, one column per target; its mean is used) or
    one value per target. Only the targets in ``targets`` count (default: the packaged targets
    marked ``calibrate``); each must have a column in ``outputs``.
    """
    if targets is None:
        targets = load_targets()
        targets = targets[targets["calibrate"]]
    means = outputs.mean() if isinstance(outputs, pd.DataFrame) else pd.Series(outputs, dtype=float)
    missing = [t for t in targets.index if t not in means.index]
    if missing:
        raise TargetsError(f"no model output for target {missing[0]!r}: expected a column per "
                           f"target ({', '.join(targets.index)})")
    z = (means[targets.index] - targets["value"]) / targets["tolerance"]
    return float((z ** 2).sum())


# ------------------------------------------------------------------------------------ the fit
@dataclass(frozen=True)
class _Axis:
    """One fitted parameter and its fitting coordinate ``z``: ``log(x / origin)`` for positive
    parameters, ``(x - origin) / scale`` otherwise (``scale`` = a tenth of its range)."""

    name: str
    origin: float
    low: float
    high: float
    log: bool
    scale: float

    def z(self, x: float) -> float:
        return math.log(x / self.origin) if self.log else (x - self.origin) / self.scale

    def x(self, z: float) -> float:
        value = self.origin * math.exp(z) if self.log else self.origin + z * self.scale
        return min(max(value, self.low), self.high)


def _axes(parameters: Sequence[str], start: Mapping[str, float],
          bounds: Mapping[str, tuple[float, float]]) -> list[_Axis]:
    axes = []
    for name in parameters:
        s = spec(name)  # ParameterError for unknown names, with a suggestion
        if s.kind != "float":
            raise ParameterError(f"{name} is not a continuous parameter (kind {s.kind!r}): "
                                 "calibration fits float parameters only")
        origin = float(Params(**{name: start[name]}).as_dict()[name]) if name in start else float(s.default)
        low, high = bounds.get(name, (s.low, s.high))
        for what, v in (("lower", low), ("upper", high)):
            if v is None or not math.isfinite(v) or not s.low <= v <= s.high:
                raise ParameterError(f"bounds[{name!r}] {what} bound {v!r} is invalid: expected "
                                     f"a number within the registry range {s.expected()}")
        if not low < high:
            raise ParameterError(f"bounds[{name!r}]=({low}, {high}) is invalid: expected lower < upper")
        if not low <= origin <= high:
            raise ParameterError(f"starting value {name}={origin:g} is outside its bounds "
                                 f"({low:g}, {high:g})")
        positive = s.low >= 0 and origin > 0
        if positive and low <= 0:
            low = origin / 100.0  # a log coordinate cannot reach 0: two orders of magnitude
        axes.append(_Axis(name, origin, float(low), float(high), positive, (high - low) / 10.0))
    if len(set(parameters)) != len(parameters):
        raise ParameterError(f"parameters {list(parameters)} repeat a name: expected each once")
    return axes


@dataclass
class CalibrationResult:
    """What :func:`calibrate` found. ``table()`` and ``str(result)`` show it; ``overrides()``
    gives the fitted values to pass to :func:`channelsim.simulate` or to set as defaults."""

    parameters: tuple[str, ...]
    start: dict[str, float]  #: starting values (the registry defaults unless given)
    fitted: dict[str, float]  #: fitted values
    interval: dict[str, tuple[float, float]]  #: 90% interval of each fitted value
    start_distance: float  #: distance of the starting values
    distance: float  #: distance of the fitted values
    comparison: pd.DataFrame  #: per target: record, tolerance, ensemble at start and at fit
    sensitivity: pd.DataFrame  #: d(output / tolerance) / d(z) at the fit (targets x parameters)
    serves: dict[str, str]  #: the target each parameter is chiefly read from
    noise_floor: float  #: distance expected from the noise of the ensemble means alone, at the fit
    n: int  #: runs per evaluation (the same seeds every time)
    seed: int
    evaluations: int  #: ensembles run (each of n runs)
    message: str  #: the optimiser's stopping reason
    history: pd.DataFrame = field(repr=False)  #: every evaluation: parameters and distance

    def overrides(self) -> dict[str, float]:
        """The fitted values, as registry overrides."""
        return dict(self.fitted)

    def table(self) -> pd.DataFrame:
        """One row per parameter: unit, start, fitted value, 90% interval, the target it serves."""
        rows = []
        for name in self.parameters:
            s, (lo, hi) = spec(name), self.interval[name]
            rows.append({"parameter": name, "unit": s.unit, "start": self.start[name],
                         "fitted": self.fitted[name], "low_90": lo, "high_90": hi,
                         "serves": self.serves[name]})
        return pd.DataFrame(rows).set_index("parameter")

    def __str__(self) -> str:
        with pd.option_context("display.width", 140, "display.max_columns", 20,
                               "display.float_format", "{:.6g}".format):
            return (f"Calibration of {len(self.parameters)} parameters on "
                    f"{len(self.comparison)} targets ({self.n} runs per evaluation, seed "
                    f"{self.seed}, {self.evaluations} evaluations)\n{self.table()}\n\n"
                    f"{self.comparison}\n\ndistance {self.start_distance:.3f} at the start, "
                    f"{self.distance:.3f} fitted (ensemble noise alone: {self.noise_floor:.3f}); "
                    f"{self.message}")

    def _repr_html_(self) -> str:
        return (self.table().to_html(float_format="{:.6g}".format)
                + self.comparison.to_html(float_format="{:.6g}".format)
                + f"<p>distance {self.start_distance:.3f} at the start, {self.distance:.3f} "
                  f"fitted (ensemble noise alone: {self.noise_floor:.3f}); {self.n} runs per "
                  f"evaluation, {self.evaluations} evaluations; {self.message}</p>")


def calibrate(parameters: Sequence[str] = DEFAULT_PARAMETERS,
              targets: pd.DataFrame | str | pathlib.Path | None = None, *,
              n: int = 8, seed: int = 2024, scenario: Any = None, executor: Any = "inprocess",
              start: Mapping[str, float] | None = None,
              bounds: Mapping[str, tuple[float, float]] | None = None,
              step: float = 0.2, max_evaluations: int = 40,
              log: Callable[[str], None] | None = None, **overrides: Any) -> CalibrationResult:
    """Fit registry ``parameters`` so that ensembles reproduce ``targets``.

    Args:
        parameters: names of float parameters in the registry.
        targets: a targets table or CSV (see :func:`load_targets`); default: the packaged
            targets marked ``calibrate`` (the 2024 record). A user table is used whole.
        n, seed: runs per evaluation and the seed they derive from (the same runs at every
            evaluation: common random numbers).
        scenario, overrides: the scenario and fixed registry parameters of every run.
        executor: runs an ensemble's runs in parallel (see :func:`ensemble_outputs`).
        start: starting values (default: the registry defaults).
        bounds: ``{name: (low, high)}`` narrower than the registry's range.
        step: finite-difference step in the fitting coordinate (0.2 = a 20% change).
        max_evaluations: the fit stops after about this many ensembles (the Jacobian in
            progress is finished). It stops earlier when an accepted step moves no parameter
            by more than ``step / 10`` in the fitting coordinate (2% by default: smaller moves
            are below what the noisy distance resolves) or when no step lowers the distance.
        log: called with a line of text after each evaluation (e.g. ``print``).

    Returns a :class:`CalibrationResult`: fitted values, 90% intervals, the target each
    parameter serves, and the ensemble against the record before and after.
    """
    table = load_targets(targets)
    if targets is None:
        table = table[table["calibrate"]]
    axes = _check_fit(table, list(parameters), n, step, start, bounds, overrides)
    fit = _Fit(axes, table, n=_check_run_count(n), seed=seed, scenario=scenario, step=step,
               max_evaluations=max_evaluations, log=log, overrides=overrides)
    from scipy import optimize  # the experiments extra

    from .experiments import open_executor

    z0 = np.array([a.z(a.origin) for a in axes])
    fit.previous = z0
    with open_executor(executor, fit.n) as fit.pool:  # one pool for every evaluation
        found = optimize.least_squares(fit.residuals, z0, jac=fit.jacobian,
                                       bounds=(fit.z_low, fit.z_high), method="trf", x_scale=1.0,
                                       xtol=step / 10, ftol=1e-3, max_nfev=max_evaluations,
                                       callback=fit.settled)
        z_fit = found.x
        runs_fit, runs_start = fit.ensemble(z_fit), fit.ensemble(z0)
        jac = fit.jacobian(z_fit)  # from the cache: the optimiser took it at every accepted step
    return _result(fit, z_fit, jac, runs_fit, runs_start,
                   fit.stopped[0] if fit.stopped else str(found.message))


def _check_fit(table: pd.DataFrame, parameters: list[str], n: Any, step: Any,
               start: Mapping[str, float] | None, bounds: Mapping[str, tuple[float, float]] | None,
               overrides: Mapping[str, Any]) -> list:
    """The fitting axes of ``parameters``, after checking every input of :func:`calibrate`."""
    _check_run_count(n)
    if not 0 < step <= 2:
        raise ParameterError(f"step={step!r} is invalid: expected a number in (0, 2] "
                             "(fitting-coordinate units: 0.2 is a 20% change)")
    fixed = [p for p in parameters if p in overrides]
    if fixed:
        raise ParameterError(f"{fixed[0]} is both fitted and fixed: drop it from the overrides")
    axes = _axes(parameters, dict(start or {}), dict(bounds or {}))
    if len(table) < len(axes):
        raise ParameterError(f"fitting {len(axes)} parameters needs at least as many targets; "
                             f"got {len(table)} ({', '.join(table.index)})")
    Params(**overrides)
    return axes


class _Fit:
    """The objective of a calibration: ensembles at points of the fitting coordinates (cached:
    the same runs at every evaluation), their scaled residuals, Jacobian and noise, and the
    rule that stops the fit."""

    def __init__(self, axes: list, table: pd.DataFrame, *, n: int, seed: int, scenario: Any,
                 step: float, max_evaluations: int, log: Callable[[str], None] | None,
                 overrides: Mapping[str, Any]) -> None:
        self.axes, self.table, self.n, self.seed, self.scenario = axes, table, n, seed, scenario
        self.step, self.max_evaluations, self.log, self.overrides = step, max_evaluations, log, overrides
        self.z_low = np.array([a.z(a.low) for a in axes])
        self.z_high = np.array([a.z(a.high) for a in axes])
        self.tol = table["tolerance"].to_numpy(float)
        self.value = table["value"].to_numpy(float)
        self.cache: dict[tuple[float, ...], pd.DataFrame] = {}
        self.history: list[dict[str, float]] = []
        self.stopped: list[str] = []
        self.previous: np.ndarray | None = None
        self.pool: Any = None

    def values(self, z: np.ndarray) -> dict[str, float]:
        return {a.name: a.x(float(zi)) for a, zi in zip(self.axes, z)}

    def ensemble(self, z: np.ndarray) -> pd.DataFrame:
        key = tuple(np.round(np.asarray(z, float), 12))
        if key not in self.cache:
            x = self.values(z)
            runs = ensemble_outputs(self.table, n=self.n, seed=self.seed, scenario=self.scenario,
                                    executor=self.pool, **self.overrides, **x)
            self.cache[key] = runs
            d = distance(runs, self.table)
            self.history.append({**x, "distance": d})
            if self.log is not None:
                self.log(f"[{len(self.history):3d}] distance {d:10.3f}  "
                         + "  ".join(f"{k}={v:.6g}" for k, v in x.items()))
        return self.cache[key]

    def residuals(self, z: np.ndarray) -> np.ndarray:
        return (self.ensemble(z).mean().to_numpy(float) - self.value) / self.tol

    def jacobian(self, z: np.ndarray) -> np.ndarray:
        r0 = self.residuals(z)
        jac = np.empty((len(self.tol), len(self.axes)))
        for j in range(len(self.axes)):
            h = self.step if z[j] + self.step <= self.z_high[j] else -self.step
            zj = np.array(z, float)
            zj[j] += h
            jac[:, j] = (self.residuals(zj) - r0) / h
        return jac

    def noise(self, z: np.ndarray) -> np.ndarray:
        """Variance of each scaled residual due to the ensemble's own noise (s^2 / n / tol^2)."""
        if self.n < 2:
            return np.zeros(len(self.tol))
        return self.ensemble(z).std(ddof=1).to_numpy(float) ** 2 / self.n / self.tol ** 2

    def settled(self, intermediate_result: Any) -> None:
        """Stop when a step moves no parameter by more than a tenth of the finite-difference
        step (smaller moves are below what the noisy distance can resolve), or after
        ``max_evaluations`` ensembles, Jacobians included."""
        z = np.asarray(intermediate_result.x, float)
        moved = float(np.max(np.abs(z - self.previous)))
        self.previous = z
        if 0 < moved < self.step / 10:
            self.stopped.append(f"the last step moved the parameters by at most {moved:.3f} in the "
                                f"fitting coordinate (less than step / 10)")
        elif len(self.history) >= self.max_evaluations:
            self.stopped.append(f"{len(self.history)} evaluations reached (max_evaluations)")
        if self.stopped:
            raise StopIteration


def _result(fit: _Fit, z_fit: np.ndarray, jac: np.ndarray, runs_fit: pd.DataFrame,
            runs_start: pd.DataFrame, message: str) -> CalibrationResult:
    """Fitted values with their uncertainty (the record's tolerance and the noise of the
    ensemble mean, through the Jacobian's pseudo-inverse), and the target each serves."""
    from scipy import optimize

    axes, table, n = fit.axes, fit.table, fit.n
    var_noise = fit.noise(z_fit)
    var_scaled = 1.0 + var_noise  # variance of each scaled residual, in tolerances squared
    pinv = np.linalg.pinv(jac)
    cov = pinv @ np.diag(var_scaled) @ pinv.T
    sd = np.sqrt(np.clip(np.diag(cov), 0.0, None))
    # Each parameter serves one target: the pairing of largest total relative gain.
    gain = jac * pinv.T  # relative gain array (targets x parameters), free of units and scales
    rows, cols = optimize.linear_sum_assignment(gain, maximize=True)
    serves = {axes[j].name: str(table.index[i]) for i, j in zip(rows, cols)}
    interval = {a.name: tuple(sorted((a.x(z_fit[j] - Z90 * sd[j]), a.x(z_fit[j] + Z90 * sd[j]))))
                for j, a in enumerate(axes)}
    comparison = pd.DataFrame({
        "output": table["output"], "record": table["value"], "tolerance": table["tolerance"],
        "start_mean": runs_start.mean(), "fitted_mean": runs_fit.mean(),
        "fitted_sd": runs_fit.std(ddof=1) if n > 1 else 0.0,
    })
    comparison["fitted_residual"] = (comparison["fitted_mean"] - comparison["record"]) / comparison["tolerance"]
    return CalibrationResult(
        parameters=tuple(a.name for a in axes),
        start={a.name: a.origin for a in axes}, fitted=fit.values(z_fit), interval=interval,
        start_distance=distance(runs_start, table), distance=distance(runs_fit, table),
        comparison=comparison,
        sensitivity=pd.DataFrame(jac, index=table.index, columns=[a.name for a in axes]),
        serves=serves, noise_floor=float(var_noise.sum()), n=int(n), seed=fit.seed,
        evaluations=len(fit.history), message=message,
        history=pd.DataFrame(fit.history),
    )
