"""Bayesian calibration to the history: priors, the design of runs, and the posterior.

The model is calibrated to the whole record, 2018 to mid-2025, through the summary statistics
of :mod:`channelsim.summaries` (arrivals by quarter, how bursty weeks are, people per boat by
year, the share stopped in France, deaths by year and the pilot's delivery to 15 November
2025), by the method of the Risk and Rumours model (Bijak and colleagues): a Gaussian-process
emulator of each statistic, then Markov chain Monte Carlo on the emulator.

**Why an emulator rather than ABC-SMC.** One run of the calibration period (1 January 2018 to
15 November 2025, 2,876 days) takes about 5 s on one core. ABC-SMC needs thousands to tens of
thousands of runs for a dozen parameters (hours to days on two cores); a Gaussian process
learns each statistic's response from a few hundred runs spread over the prior (a Latin
hypercube), and MCMC then costs milliseconds a step. The emulator's own error is part of the
likelihood, and its validation on held-out runs is reported (``Posterior.validation``).

**Likelihood.** For parameters ``theta`` and statistic ``j``, the record's value is read as
``y_j ~ Normal(m_j(theta), s_j(theta)^2 + d_j^2)`` where ``m_j`` is the emulator's mean,
``s_j^2`` its predictive variance (the run-to-run noise the emulator learnt plus its own
uncertainty) and ``d_j`` the statistic's discrepancy (:func:`channelsim.summaries.discrepancy`).
Statistics are treated as independent given ``theta``.

**Priors** are uniform on each parameter's range, or on its logarithm (``scale="log"``); each
carries its reason (:data:`DEFAULT_PRIORS`).

**The database.** Every finished run of the design is written at once to a SQLite file with the
settings it belongs to (model version, scenario, priors, statistics, seed). A stopped
calibration resumes where it stopped; a database made with other settings is refused, naming
what differs.

The shipped posterior (``channelsim/data/posterior.csv`` and ``posterior.json``) was made by
``python benchmarks/bench_posterior.py``; :func:`shipped` loads it.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import hashlib
import json
import math
import sqlite3
from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from typing import Any, Mapping, Sequence

import numpy as np
import pandas as pd
from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from . import __version__, checks, data, scenarios, summaries
from .experiments.runs import RunOutcome, RunTask, run_seed, run_task_capturing_errors
from .params import ParameterError, Params, spec

__all__ = ["Prior", "DEFAULT_PRIORS", "CalibrationDatabaseError", "calibration_scenario",
           "check_priors", "Design", "run_design", "statistics_work", "Posterior", "shipped",
           "check_posterior", "fit_emulator", "calibrate_posterior", "simulation_based_calibration",
           "sbc_uniformity", "PredictiveCheck", "predictive_check"]


class CalibrationDatabaseError(ValueError):
    """A calibration database that belongs to other settings (or is not one)."""


class Prior(BaseModel):
    """A uniform prior on a registry parameter's range, or on its logarithm.

    >>> Prior(name="news_weight", low=0, high=1, reason="no published estimate").scale
    'linear'
    """

    model_config = ConfigDict(frozen=True, extra="forbid")
    name: str
    low: float
    high: float
    scale: str = Field("linear", pattern="^(linear|log)$")
    reason: str = Field(min_length=1)

    @model_validator(mode="after")
    def _check(self) -> "Prior":
        s = spec(self.name)  # ParameterError naming an unknown parameter
        if s.kind not in ("float", "int") or s.low is None:
            raise ParameterError(f"prior on {self.name!r}: only numeric registry parameters can "
                                 f"be calibrated ({self.name} is {s.kind})")
        if not (self.low < self.high):
            raise ParameterError(f"prior on {self.name!r}: low={self.low} must be below "
                                 f"high={self.high}")
        if self.low < s.low or self.high > s.high:
            raise ParameterError(f"prior on {self.name!r}: [{self.low}, {self.high}] is impossible: "
                                 f"the registry allows {s.low} to {s.high} {s.unit}".rstrip())
        if self.scale == "log" and self.low <= 0:
            raise ParameterError(f"prior on {self.name!r}: a log-uniform prior needs low > 0, "
                                 f"got {self.low}")
        return self

    def to_value(self, u: np.ndarray | float) -> np.ndarray | float:
        """The parameter's value at position ``u`` (0 to 1) of the prior's cumulative scale."""
        if self.scale == "log":
            return np.exp(np.log(self.low) + np.asarray(u) * (np.log(self.high) - np.log(self.low)))
        return self.low + np.asarray(u) * (self.high - self.low)

    def to_unit(self, x: np.ndarray | float) -> np.ndarray | float:
        """The inverse of :meth:`to_value`: the prior's cumulative probability at ``x``."""
        if self.scale == "log":
            return (np.log(x) - np.log(self.low)) / (np.log(self.high) - np.log(self.low))
        return (np.asarray(x) - self.low) / (self.high - self.low)

    @property
    def sd(self) -> float:
        """Standard deviation of the prior, in the parameter's units."""
        u = np.linspace(0.0005, 0.9995, 1000)
        return float(np.std(self.to_value(u)))


def _p(name: str, low: float, high: float, reason: str, scale: str = "linear") -> Prior:
    return Prior(name=name, low=low, high=high, scale=scale, reason=reason)


#: The parameters calibrated by default, with their priors and reasons.
DEFAULT_PRIORS: tuple[Prior, ...] = (
    _p("crossing_propensity", -4.0, -0.5, "weakly informative: the utility of trying tonight "
       "against waiting; -4 leaves almost everyone waiting, -0.5 sends most out on every calm night"),
    _p("risk_aversion", 5.0, 100.0, "weakly informative on a log scale: deaths have not deterred "
       "crossings (deaths_in_channel rose with arrivals), so the weight may be small or large",
       "log"),
    _p("stop_effectiveness", 0.04, 0.25, "around the 2024 least-squares fit (0.103): from half to "
       "two and a half times it, enough to span 20% to 70% of attempts stopped", "log"),
    _p("load_enforcement_response", 0.3, 3.0, "weakly informative: gangs load 0.3 to 3 times more "
       "per unit of stop risk; the by-hand 2024 value is 1.5"),
    _p("belief_learning_rate", 0.01, 0.3, "weakly informative on a log scale: camps take from a "
       "few days to several months to absorb news", "log"),
    _p("smuggler_reassurance", 0.0, 0.8, "weakly informative: smugglers' claims discount danger "
       "from not at all to by four fifths"),
    _p("demand_volatility", 0.2, 1.2, "weakly informative: surges and lulls of arrivals from 20% "
       "to three times on a log scale; the hand-set history value is 0.6"),
    _p("death_share_in_distress", 0.03, 0.4, "weakly informative: a boat in distress loses from a "
       "few per cent to two in five of those aboard before rescue"),
    _p("boarding_drowning_risk", 2e-4, 4e-3, "weakly informative on a log scale: deaths while "
       "boarding taxi boats reported from 2023 (deaths_by_cause_iom_partial: drowning 32)", "log"),
    _p("return_aversion", 0.0, 10.0, "weakly informative: no published estimate; acts only through "
       "returns, so the record before the pilot carries little on it"),
    _p("legal_route_appeal", -10.0, -2.0, "weakly informative: no published estimate; acts only "
       "once the legal route opens (7 August 2025)"),
    _p("news_weight", 0.0, 1.0, "weakly informative: the whole range of how far announcements are "
       "believed; no published estimate"),
)


def check_priors(priors: Any) -> tuple[Prior, ...]:
    """``priors`` (None for :data:`DEFAULT_PRIORS`, or :class:`Prior` objects or mappings with
    their fields) checked: each a numeric registry parameter with a possible range, each once."""
    if priors is None:
        return DEFAULT_PRIORS
    if isinstance(priors, (str, bytes)) or not isinstance(priors, Sequence) or not priors:
        raise ParameterError(f"priors={priors!r} is invalid: expected a non-empty list of Prior "
                             "(or mappings with name, low, high, scale, reason)")
    out = []
    for k, p in enumerate(priors):
        if isinstance(p, Prior):
            out.append(p)
            continue
        try:
            out.append(Prior(**dict(p)))
        except ValidationError as err:
            raise ParameterError(f"priors[{k}]={p!r}: {err.errors()[0]['msg']}") from None
        except (TypeError, ValueError) as err:
            if isinstance(err, ParameterError):
                raise
            raise ParameterError(f"priors[{k}]={p!r} is invalid: expected a mapping with name, "
                                 "low, high, scale and reason") from None
    names = [p.name for p in out]
    if len(set(names)) != len(names):
        dup = next(n for n in names if names.count(n) > 1)
        raise ParameterError(f"priors: {dup!r} is given twice")
    return tuple(out)


def calibration_scenario() -> scenarios.Scenario:
    """The calibration period: the history (``history_2018_2025``) run on to 15 November 2025
    with the pilot as it ran (``pilot_as_run``'s policies and settings), so that the pilot's
    published delivery can be compared. Arrivals after 31 July 2025 are not compared."""
    hist, pilot = scenarios.get("history_2018_2025"), scenarios.get("pilot_as_run")
    days = (summaries.PILOT_COUNT_DATE - hist.start).days + 1
    return dataclasses.replace(
        hist, name="calibration_2018_2025", days=days, params={**hist.params, **pilot.params},
        policies=list(hist.policies) + list(pilot.policies),
        description="the history to 31 July 2025, run on to 15 November 2025 with the pilot as "
                    "it ran")


# ------------------------------------------------------------------------------- the design
def statistics_work(task: RunTask) -> RunOutcome:
    """One run of the design: the experiments' unit of work, keeping only the summary
    statistics (as the outcome's ``totals``). A top-level function, so that it reaches any
    worker."""
    outcome = run_task_capturing_errors(dataclasses.replace(task, keep_daily=True))
    if outcome.daily is not None:
        outcome.totals = summaries.compute(outcome.daily, summaries.covered(outcome.daily.index)).to_dict()
        outcome.daily = None
    return outcome


@dataclass(frozen=True)
class Design:
    """The runs of a calibration's design, read from its database: parameter values (one row
    a run), their positions on the priors' unit scale, and the statistics each gave."""

    params: pd.DataFrame
    unit: pd.DataFrame
    stats: pd.DataFrame
    seeds: pd.Series
    failed: int


def _settings(priors: tuple[Prior, ...], stats: tuple[str, ...], scenario_toml: str, seed: int,
              start: dt.date, days: int) -> dict[str, str]:
    return {
        "model_version": __version__,
        "scenario": hashlib.sha256(scenario_toml.encode()).hexdigest()[:16],
        "period": f"{start} +{days} days",
        "priors": json.dumps([p.model_dump() for p in priors], sort_keys=True),
        "statistics": ",".join(stats),
        "seed": str(seed),
    }


class _Database:
    """The SQLite file of one calibration: its settings and one row per finished run."""

    def __init__(self, path: str | Path, settings: Mapping[str, str]) -> None:
        self.path = Path(path)
        try:
            self.db = sqlite3.connect(self.path)
            self.db.execute("CREATE TABLE IF NOT EXISTS settings (key TEXT PRIMARY KEY, value TEXT)")
            self.db.execute("CREATE TABLE IF NOT EXISTS runs (kind TEXT, point INTEGER, seed INTEGER, "
                            "params TEXT, stats TEXT, error TEXT, PRIMARY KEY (kind, point))")
        except sqlite3.DatabaseError as err:
            raise CalibrationDatabaseError(f"{self.path} is not a calibration database: {err}") from None
        self._check(dict(settings))

    def _check(self, settings: dict[str, str]) -> None:
        have = dict(self.db.execute("SELECT key, value FROM settings"))
        if not have:
            with self.db:
                self.db.executemany("INSERT INTO settings VALUES (?, ?)", settings.items())
            return
        for key, value in settings.items():
            if have.get(key) != value:
                theirs = have.get(key, "(missing)")
                raise CalibrationDatabaseError(
                    f"{self.path} was made with other settings: {key} is {theirs[:200]!r} there, "
                    f"{value[:200]!r} here. Use another database file, or the settings it was "
                    "made with, to resume it")

    def done(self, kind: str) -> set[int]:
        return {p for (p,) in self.db.execute("SELECT point FROM runs WHERE kind = ?", (kind,))}

    def add(self, kind: str, outcome: RunOutcome, params: Mapping[str, float]) -> None:
        with self.db:
            self.db.execute("INSERT OR REPLACE INTO runs VALUES (?, ?, ?, ?, ?, ?)",
                            (kind, outcome.point, outcome.seed, json.dumps(dict(params)),
                             json.dumps(outcome.totals) if outcome.totals else None, outcome.error))

    def rows(self, kind: str) -> list[tuple[int, int, dict, dict | None, str | None]]:
        cur = self.db.execute("SELECT point, seed, params, stats, error FROM runs WHERE kind = ? "
                              "ORDER BY point", (kind,))
        return [(p, s, json.loads(par), json.loads(st) if st else None, e) for p, s, par, st, e in cur]

    def close(self) -> None:
        self.db.close()


_KINDS = ("design", "synthetic", "predictive")


def _unit_points(n: int, d: int, seed: int, kind: str) -> np.ndarray:
    """``n`` points in the unit cube: a Latin hypercube for the design, independent uniform
    draws (the prior itself) for synthetic data sets."""
    from scipy.stats import qmc

    stream = np.random.default_rng(np.random.SeedSequence(seed, spawn_key=(_KINDS.index(kind),)))
    if kind == "design":
        return qmc.LatinHypercube(d=d, seed=stream).random(n)
    return stream.random((n, d))


def _point_params(priors: tuple[Prior, ...], u: np.ndarray) -> dict[str, float]:
    out = {}
    for p, x in zip(priors, u):
        v = float(p.to_value(x))
        out[p.name] = int(round(v)) if spec(p.name).kind == "int" else v
    return out


def run_design(database: str | Path, priors: Any = None, *, runs: int = 300, kind: str = "design",
               statistics: Any = None, seed: int = 2018, executor: Any = "inprocess",
               progress: bool = True, scenario: scenarios.Scenario | None = None) -> Design:
    """Run (or resume) ``runs`` runs of the calibration period at points spread over the priors,
    writing each to ``database`` as it finishes, and return them all.

    ``kind="design"`` places the points on a Latin hypercube (for the emulator);
    ``kind="synthetic"`` draws them independently from the prior (data sets whose true
    parameters are known, for simulation-based calibration). ``executor`` is anything
    :func:`channelsim.experiments.executors.open_executor` takes: ``"inprocess"``, a number of
    local processes, a ``concurrent.futures`` executor or a Dask client.
    """
    from .experiments.executors import execute

    priors = check_priors(priors)
    stats = summaries.check_names(statistics)
    seed = checks.seed(seed)
    runs = checks.count(runs, "runs", minimum=1)
    scen = scenario or calibration_scenario()
    toml = scenarios.dumps(scen)
    db = _Database(database, _settings(priors, stats, toml, seed, scen.start, scen.days))
    try:
        unit = _unit_points(runs, len(priors), seed, kind)
        done = db.done(kind)
        _check_same_points(db, kind, priors, unit, runs)
        tasks = [RunTask(point=i, replicate=0, seed=run_seed(seed, 0, point=i + (0 if kind == "design" else 10**6)),
                         params=_point_params(priors, unit[i]), days=scen.days, start=scen.start,
                         scenario_toml=toml) for i in range(runs) if i not in done]
        by_point = {t.point: t for t in tasks}
        execute(tasks, executor, on_outcome=lambda o: db.add(kind, o, by_point[o.point].params),
                progress=progress, desc=f"calibration {kind}", done=len(done), total=len(tasks),
                work=statistics_work)
        return _read_design(db, priors, stats, kind, runs)
    finally:
        db.close()


def _check_same_points(db: _Database, kind: str, priors: tuple[Prior, ...], unit: np.ndarray,
                       runs: int) -> None:
    """Runs already in the database must be the points this call would run (a Latin
    hypercube of another size places every point elsewhere)."""
    for point, _, params, _, _ in db.rows(kind):
        planned = _point_params(priors, unit[point]) if point < runs else None
        if planned is None or any(not math.isclose(planned[k], params.get(k, math.nan), rel_tol=1e-9)
                                  for k in planned):
            raise CalibrationDatabaseError(
                f"{db.path} holds {kind} runs of another size: its run {point} is not where "
                f"runs={runs} places it. Resume it with the number of runs it was started with, "
                "or use another database file")


def _read_design(db: _Database, priors: tuple[Prior, ...], stats: tuple[str, ...], kind: str,
                 runs: int) -> Design:
    rows = [r for r in db.rows(kind) if r[0] < runs]
    good = [r for r in rows if r[3] is not None]
    names = [p.name for p in priors]
    params = pd.DataFrame([r[2] for r in good], columns=names, index=[r[0] for r in good])
    unit = pd.DataFrame({p.name: p.to_unit(params[p.name].astype(float)) for p in priors},
                        index=params.index)
    table = pd.DataFrame([r[3] for r in good], index=params.index)[list(stats)]
    return Design(params=params, unit=unit, stats=table,
                  seeds=pd.Series([r[1] for r in good], index=params.index, name="seed"),
                  failed=len(rows) - len(good))


# ------------------------------------------------------------------------------ the posterior
class Posterior:
    """Draws from the posterior of the calibrated parameters, with what made them.

    ``draws`` holds one row per draw, one column per parameter, in the registry's units;
    ``priors`` the priors; ``info`` how it was made (runs, wall time, acceptance rate, model
    version); ``validation`` the emulator's errors on held-out runs; ``sbc`` the
    simulation-based calibration's ranks, if it was run.
    """

    def __init__(self, draws: pd.DataFrame, priors: Sequence[Prior], info: Mapping[str, Any] | None = None,
                 validation: pd.DataFrame | None = None, sbc: pd.DataFrame | None = None) -> None:
        priors = check_priors(list(priors))
        names = [p.name for p in priors]
        if list(draws.columns) != names:
            raise ParameterError(f"posterior draws have columns {list(draws.columns)}, expected the "
                                 f"priors' parameters {names}")
        if len(draws) == 0 or not np.isfinite(draws.to_numpy(float)).all():
            raise ParameterError("posterior draws must be a non-empty table of finite numbers")
        self.draws = draws.reset_index(drop=True)
        self.priors = priors
        self.info = dict(info or {})
        self.validation = validation
        self.sbc = sbc

    @property
    def parameters(self) -> list[str]:
        """The calibrated parameters, in order."""
        return [p.name for p in self.priors]

    def __len__(self) -> int:
        return len(self.draws)

    def __repr__(self) -> str:
        return f"Posterior({len(self.draws)} draws of {', '.join(self.parameters)})"

    def summary(self) -> pd.DataFrame:
        """One row per parameter: unit, prior range, posterior median and 90% interval, and how
        much the record narrowed it (``narrowing``: 1 - posterior sd / prior sd; near 0 means
        the record leaves the parameter at its prior), read as ``identified`` ("yes" from 0.5,
        "partly" from 0.2, else "no")."""
        rows = []
        for p in self.priors:
            x = self.draws[p.name]
            rows.append({"parameter": p.name, "unit": spec(p.name).unit, "prior": p.scale,
                         "prior_low": p.low, "prior_high": p.high, "median": x.median(),
                         "q05": x.quantile(0.05), "q95": x.quantile(0.95),
                         "narrowing": 1 - x.std() / p.sd})
        out = pd.DataFrame(rows).set_index("parameter")
        out["identified"] = np.where(out["narrowing"] >= 0.5, "yes",
                                     np.where(out["narrowing"] >= 0.2, "partly", "no"))
        return out

    def medians(self) -> dict[str, float]:
        """The posterior median of each parameter (rounded for whole-number parameters)."""
        return {p: (int(round(self.draws[p].median())) if spec(p).kind == "int"
                    else float(self.draws[p].median())) for p in self.parameters}

    def sample(self, n: int, seed: int = 0) -> pd.DataFrame:
        """``n`` parameter sets drawn (with replacement) from the posterior draws, reproducibly
        from ``seed``: row ``i`` is the parameters of run ``i`` (registry-typed values)."""
        n, seed = checks.count(n, "n"), checks.seed(seed)
        rng = np.random.default_rng(np.random.SeedSequence(seed, spawn_key=(0x9051,)))
        rows = self.draws.iloc[rng.integers(len(self.draws), size=n)].reset_index(drop=True)
        for p in self.parameters:
            if spec(p).kind == "int":
                rows[p] = rows[p].round().astype(int)
        return rows

    def digest(self) -> str:
        """A short fingerprint of the draws (for experiment identities and resuming)."""
        return hashlib.sha256(pd.util.hash_pandas_object(self.draws, index=False).values.tobytes()
                              ).hexdigest()[:16]

    def pair_plot(self, parameters: Sequence[str] | None = None, max_points: int = 1000):
        """A matrix of scatter plots of the draws (histograms on the diagonal), each axis over
        the parameter's prior range; returns the matplotlib Figure."""
        import matplotlib.pyplot as plt

        names = list(parameters or self.parameters)
        for name in names:
            if name not in self.parameters:
                raise ParameterError(f"pair_plot: {name!r} is not a calibrated parameter: "
                                     f"expected some of {self.parameters}")
        pri = {p.name: p for p in self.priors}
        d = self.draws[names].iloc[: max_points]
        k = len(names)
        fig, axes = plt.subplots(k, k, figsize=(1.6 * k + 1, 1.6 * k + 1), squeeze=False)
        for i, yi in enumerate(names):
            for j, xj in enumerate(names):
                ax = axes[i, j]
                if i == j:
                    ax.hist(self.draws[xj], bins=30, range=(pri[xj].low, pri[xj].high), color="#1f77b4")
                elif i > j:
                    ax.scatter(d[xj], d[yi], s=2, alpha=0.3, color="#1f77b4")
                    ax.set_xlim(pri[xj].low, pri[xj].high)
                    ax.set_ylim(pri[yi].low, pri[yi].high)
                else:
                    ax.axis("off")
                ax.tick_params(labelsize=6)
                if i == k - 1:
                    ax.set_xlabel(xj, fontsize=7)
                if j == 0 and i > 0:
                    ax.set_ylabel(yi, fontsize=7)
        fig.suptitle("Posterior draws (axes span the prior ranges)")
        fig.tight_layout()
        return fig

    def save(self, path: str | Path) -> Path:
        """Write ``<path>.csv`` (the draws) and ``<path>.json`` (priors, info, validation, SBC)."""
        path = Path(path).with_suffix("")
        self.draws.to_csv(path.with_suffix(".csv"), index=False, float_format="%.6g")
        meta = {"priors": [p.model_dump() for p in self.priors], "info": self.info,
                "validation": None if self.validation is None else self.validation.reset_index().to_dict("list"),
                "sbc": None if self.sbc is None else self.sbc.to_dict("list")}
        path.with_suffix(".json").write_text(json.dumps(meta, indent=1, default=str))
        return path

    @classmethod
    def load(cls, path: str | Path) -> "Posterior":
        """Read a posterior written by :meth:`save` (``path`` with or without a suffix)."""
        path = Path(path).with_suffix("")
        try:
            draws = pd.read_csv(path.with_suffix(".csv"))
            meta = json.loads(path.with_suffix(".json").read_text())
        except (OSError, ValueError) as err:
            raise CalibrationDatabaseError(f"cannot read a posterior from {path}(.csv/.json): {err}") from None
        return cls._from_parts(draws, meta)

    @classmethod
    def _from_parts(cls, draws: pd.DataFrame, meta: Mapping[str, Any]) -> "Posterior":
        val = meta.get("validation")
        validation = pd.DataFrame(val).set_index("index") if val else None
        sbc = pd.DataFrame(meta["sbc"]) if meta.get("sbc") else None
        return cls(draws, [Prior(**p) for p in meta["priors"]], meta.get("info"), validation, sbc)


def shipped() -> Posterior:
    """The posterior shipped with the package (``channelsim/data/posterior.csv``/``.json``),
    made by ``benchmarks/bench_posterior.py`` from the record 2018 to mid-2025."""
    folder = resources.files("channelsim.data")
    with folder.joinpath("posterior.csv").open(encoding="utf-8") as fh:
        draws = pd.read_csv(fh)
    meta = json.loads(folder.joinpath("posterior.json").read_text(encoding="utf-8"))
    return Posterior._from_parts(draws, meta)


def check_posterior(posterior: Any, where: str = "posterior") -> Posterior | None:
    """``posterior``: None, a :class:`Posterior`, or ``"shipped"`` for :func:`shipped`."""
    if posterior is None or isinstance(posterior, Posterior):
        return posterior
    if posterior == "shipped":
        return shipped()
    raise ParameterError(f"{where}={posterior!r} is invalid: expected a channelsim Posterior, "
                         "'shipped' (the posterior shipped with the package) or None")


# ---------------------------------------------------------------------- fitting and checking
def _split(design: Design, holdout: float) -> tuple[np.ndarray, np.ndarray]:
    """Held-out runs for the emulator's validation: the last ``holdout`` share of the design."""
    n = len(design.unit)
    k = int(round(n * holdout))
    idx = np.arange(n)
    return idx[: n - k], idx[n - k:]


def fit_emulator(design: Design, *, holdout: float = 0.2, seed: int = 0):
    """The emulator fitted on the whole design, and its validation: the errors, on the held-out
    ``holdout`` share of the runs, of an emulator fitted on the others."""
    from .emulator import Emulator

    if len(design.unit) < 10:
        raise ParameterError(f"the design has {len(design.unit)} finished runs: at least 10 are "
                             "needed to fit an emulator")
    u, y, names = design.unit.to_numpy(), design.stats.to_numpy(), list(design.stats.columns)
    train, test = _split(design, holdout)
    validation = None
    if len(test) >= 2:
        validation = Emulator.fit(u[train], y[train], names, seed=seed).validate(u[test], y[test])
    return Emulator.fit(u, y, names, seed=seed), validation


def calibrate_posterior(database: str | Path, priors: Any = None, *, statistics: Any = None,
                        runs: int = 300, holdout: float = 0.2, draws: int = 4000, burn: int = 500,
                        seed: int = 2018, executor: Any = "inprocess", progress: bool = True,
                        scenario: scenarios.Scenario | None = None, sbc_datasets: int = 0) -> Posterior:
    """The posterior of ``priors``' parameters given the record's summary ``statistics``.

    Runs (or resumes, from ``database``) ``runs`` simulations of the calibration period spread
    over the priors, fits the emulator, checks it on held-out runs, draws ``draws`` samples by
    MCMC, and, with ``sbc_datasets`` > 0, runs simulation-based calibration on that many
    synthetic data sets (:func:`simulation_based_calibration`). ``executor`` is anything
    :func:`channelsim.experiments.open_executor` takes (a number of processes, a
    ``concurrent.futures`` executor, a Dask client). Raises ``ParameterError`` for priors on
    unknown parameters or impossible ranges, ``SummaryError`` for unknown statistics or ones
    the period does not cover, and :class:`CalibrationDatabaseError` for a database made with
    other settings.
    """
    import time

    from .emulator import sample

    started = time.perf_counter()
    priors, stats = check_priors(priors), summaries.check_names(statistics)
    if scenario is not None:
        _check_scenario_covers(scenario, stats)
    if not (isinstance(holdout, (int, float)) and 0 <= holdout < 0.5):
        raise ParameterError(f"holdout={holdout!r} is invalid: expected a share from 0 to 0.5")
    draws, burn = checks.count(draws, "draws"), checks.count(burn, "burn", minimum=0)
    design = run_design(database, priors, runs=runs, statistics=stats, seed=seed,
                        executor=executor, progress=progress, scenario=scenario)
    simulated = time.perf_counter() - started
    em, validation = fit_emulator(design, holdout=holdout, seed=seed)
    obs, disc = summaries.observed(stats).to_numpy(), summaries.discrepancy(stats).to_numpy()
    unit, acceptance = sample(em, obs, disc, len(priors), draws=draws, burn=burn, seed=seed,
                              progress=progress)
    table = pd.DataFrame({p.name: p.to_value(unit[:, k]) for k, p in enumerate(priors)})
    sbc = None
    if sbc_datasets:
        sbc = simulation_based_calibration(em, database, priors, datasets=sbc_datasets, seed=seed,
                                           executor=executor, progress=progress, scenario=scenario,
                                           statistics=stats)
    info = {"model_version": __version__, "runs": len(design.params), "failed_runs": design.failed,
            "statistics": list(stats), "draws": draws, "acceptance_rate": round(acceptance, 3),
            "seconds_simulating": round(simulated, 1),
            "seconds_total": round(time.perf_counter() - started, 1),
            "made": dt.date.today().isoformat()}
    return Posterior(table, priors, info, validation, sbc)


def _check_scenario_covers(scenario: scenarios.Scenario, stats: tuple[str, ...]) -> None:
    idx = pd.date_range(scenario.start, periods=scenario.days, freq="D")
    missing = [s for s in stats if s not in summaries.covered(idx)]
    if missing:
        raise summaries.SummaryError(
            f"the scenario {scenario.name!r} runs {scenario.start} to {idx[-1].date()}, which does "
            f"not cover the statistics {', '.join(missing[:5])}"
            + (" ..." if len(missing) > 5 else ""))


def simulation_based_calibration(emulator: Any, database: str | Path, priors: Any = None, *,
                                 datasets: int = 24, ranks_of: int = 99, seed: int = 2018,
                                 executor: Any = "inprocess", progress: bool = True,
                                 scenario: scenarios.Scenario | None = None,
                                 statistics: Any = None) -> pd.DataFrame:
    """Simulation-based calibration (Talts et al. 2018): draw ``datasets`` parameter sets from
    the prior, simulate each once, compute the posterior from each synthetic data set (with no
    discrepancy: the data come from the model itself), and record the rank of the true value
    among ``ranks_of`` posterior draws. If the inference is right, each parameter's ranks are
    uniform on 0 to ``ranks_of``. Returns one row per data set and parameter (``rank``)."""
    from .emulator import sample

    priors, stats = check_priors(priors), summaries.check_names(statistics)
    synth = run_design(database, priors, runs=datasets, kind="synthetic", statistics=stats,
                       seed=seed, executor=executor, progress=progress, scenario=scenario)
    rows = []
    for k, point in enumerate(synth.unit.index):
        obs = synth.stats.loc[point].to_numpy(float)
        unit, _ = sample(emulator, obs, np.zeros(len(obs)), len(priors), draws=ranks_of * 4,
                         burn=300, seed=seed + 1 + k)
        thinned = unit[:: 4][:ranks_of]
        for j, p in enumerate(priors):
            rows.append({"dataset": int(point), "parameter": p.name,
                         "true": float(synth.params.loc[point, p.name]),
                         "rank": int(np.sum(thinned[:, j] < synth.unit.loc[point, p.name])),
                         "of": len(thinned)})
    return pd.DataFrame(rows)


def sbc_uniformity(ranks: pd.DataFrame, bins: int = 4) -> pd.DataFrame:
    """Per parameter, a chi-square test that the SBC ranks are uniform (``bins`` equal bins):
    the statistic, its p-value and the count in each bin."""
    from scipy import stats as st

    rows = []
    for name, grp in ranks.groupby("parameter", sort=False):
        edges = np.linspace(0, grp["of"].iloc[0] + 1, bins + 1)
        counts, _ = np.histogram(grp["rank"], bins=edges)
        chi2 = st.chisquare(counts)
        rows.append({"parameter": name, "datasets": len(grp), "chi2": chi2.statistic,
                     "p_value": chi2.pvalue, "counts": "/".join(map(str, counts))})
    return pd.DataFrame(rows).set_index("parameter")


# -------------------------------------------------------------------- posterior predictive check
@dataclass
class PredictiveCheck:
    """The history run with parameters drawn from a posterior, against the record.

    ``weekly``: people a week, the record beside the runs' median and central 90% band, and
    whether the record lies inside (complete weeks of 2018 to July 2025); ``coverage``: the
    share of weeks inside (0.9 if the bands are honest); ``yearly``: per year, the record's
    arrivals, people per boat and deaths beside the runs' median and 90% range."""

    weekly: pd.DataFrame
    coverage: float
    yearly: pd.DataFrame
    runs: int

    def plot(self, ax: Any = None):
        """The weekly band and the record; returns the matplotlib Figure."""
        import matplotlib.pyplot as plt

        if ax is None:
            fig, ax = plt.subplots(figsize=(11, 4), layout="constrained")
        else:
            fig = ax.figure
        w = self.weekly
        ax.fill_between(w.index, w["q05"], w["q95"], color="#1f77b4", alpha=0.25, lw=0,
                        label=f"90% of {self.runs} runs (parameters from the posterior)")
        ax.plot(w.index, w["median"], color="#1f77b4", lw=1, label="median run")
        ax.plot(w.index, w["record"], color="black", lw=0.8, label="Home Office record")
        ax.set_ylabel("people a week")
        ax.set_title(f"Posterior predictive check: {self.coverage:.0%} of weeks inside the 90% band")
        ax.legend(loc="upper left", frameon=False, fontsize=9)
        return fig


def predictive_check(posterior: Any = "shipped", n: int = 30, *, seed: int = 0,
                     executor: Any = None, progress: bool = True,
                     days: int | None = None) -> PredictiveCheck:
    """Run the history (``history_2018_2025``; its first ``days`` days if given) ``n`` times,
    each run with its parameters drawn from ``posterior``, and set the weekly arrivals and the
    yearly figures beside the record."""
    from .experiments import ensemble
    from .results import aggregate

    ens = ensemble("history_2018_2025", n, seed=seed, executor=executor, progress=progress,
                   days=days, posterior=check_posterior(posterior) or shipped())
    bands = ens.bands("arrivals", "week", quantiles=(0.05, 0.5, 0.95))
    rec = aggregate(data.record().rename(columns={"people": "arrivals"}), "week")["arrivals"]
    weekly = pd.DataFrame({"record": rec.reindex(bands.index), "median": bands["q0.5"],
                           "q05": bands["q0.05"], "q95": bands["q0.95"]}).dropna()
    weekly["inside"] = weekly["record"].between(weekly["q05"], weekly["q95"])
    return PredictiveCheck(weekly=weekly, coverage=float(weekly["inside"].mean()),
                           yearly=_yearly_check(ens), runs=len(ens.summary))


def _yearly_check(ens: Any) -> pd.DataFrame:
    daily = ens.daily.assign(year=pd.DatetimeIndex(ens.daily["date"]).year)
    per = daily.groupby(["replicate", "year"])[["arrivals", "boats", "deaths"]].sum()
    per["people_per_boat"] = per["arrivals"] / per["boats"].replace(0, np.nan)
    rec = data.record()
    rec_year = rec.groupby(rec.index.year).sum()
    deaths = summaries.published_deaths()
    rows = []
    for year, grp in per.groupby(level="year"):
        row = {"year": year, "arrivals_record": rec_year.loc[year, "people"],
               "people_per_boat_record": rec_year.loc[year, "people"] / rec_year.loc[year, "boats"],
               "deaths_record": deaths.get(year, np.nan)}
        for col in ("arrivals", "people_per_boat", "deaths"):
            q = grp[col].quantile([0.05, 0.5, 0.95])
            row.update({f"{col}_median": q[0.5], f"{col}_q05": q[0.05], f"{col}_q95": q[0.95]})
        rows.append(row)
    return pd.DataFrame(rows).set_index("year")
