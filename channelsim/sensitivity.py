"""Global sensitivity analysis with SALib: which parameters matter for which outputs.

Two methods over chosen registry parameters (their bounds from the registry unless narrowed):

* :func:`sobol`: variance-based indices from Saltelli's sampling scheme (SALib's Sobol'
  sampler): first-order ``S1`` (the share of an output's variance due to the parameter alone)
  and total ``ST`` (including its interactions), with bootstrap confidence intervals;
* :func:`morris`: elementary effects along one-at-a-time trajectories, cheaper, for screening
  many parameters: ``mu_star`` (mean absolute effect, in the output's unit, with a bootstrap
  interval) and ``sigma`` (spread of the effects: non-linearity or interactions).

The model is stochastic. Each sample point is run ``replicates`` times with common random
numbers (replicate ``r`` of every point uses the same seed) and the indices are computed on
the mean over replicates, so that the model's noise does not masquerade as sensitivity.
:attr:`Sensitivity.noise` says how much noise is left: the variance of a point's mean that is
due to noise, as a share of the variance between points; if it is more than a few per cent for
an output, raise ``replicates``.

>>> from channelsim import sensitivity
>>> res = sensitivity.morris(["inflow_per_year", "officers_per_day", "boat_cost_eur"],
...                          outputs=["arrivals", "deaths"], trajectories=10, replicates=4)  # doctest: +SKIP
>>> res.indices                                                                         # doctest: +SKIP
>>> res.plot()                                                                           # doctest: +SKIP
"""

from __future__ import annotations

import os
import warnings
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Literal, Mapping, Sequence

import numpy as np
import pandas as pd

from .experiments.runner import run_experiment
from .experiments.runs import check_outputs, check_seed, resolve_setting
from .experiments.sweeps import Factor, SpecError, _design_digest

if TYPE_CHECKING:
    from matplotlib.figure import Figure

__all__ = ["Sensitivity", "sobol", "morris", "NoiseWarning", "NOISE_WARNING_SHARE"]

#: Above this share of noise in the point means (:attr:`Sensitivity.noise`), a warning suggests
#: more replicates.
NOISE_WARNING_SHARE = 0.2


class NoiseWarning(UserWarning):
    """The model's noise is a large part of the variance the indices apportion."""

_SAMPLER_STREAM = 0x5A17  #: mixed into the root seed for SALib's sampling and bootstrap


@dataclass
class Sensitivity:
    """The result of :func:`sobol` or :func:`morris`.

    Attributes:
        method: "sobol" or "morris".
        indices: tidy, one row per (output, parameter): for Sobol ``S1``, ``S1_conf``, ``ST``,
            ``ST_conf`` (half-widths of the ``level`` confidence intervals); for Morris ``mu``,
            ``mu_star``, ``mu_star_conf`` and ``sigma``.
        second_order: Sobol with ``second_order=True``: ``S2``, ``S2_conf`` per pair of parameters.
        points: the sample, one row per point (index ``point``).
        runs: one row per run: point, replicate, seed, parameters, outputs.
        noise: per output: ``between_points`` (variance of the point means),
            ``noise_of_mean`` (within-point variance / replicates) and their ratio ``noise_share``.
    """

    method: Literal["sobol", "morris"]
    indices: pd.DataFrame
    points: pd.DataFrame
    runs: pd.DataFrame
    noise: pd.DataFrame
    second_order: pd.DataFrame | None = None
    level: float = 0.95

    def ranking(self, output: str) -> pd.Series:
        """Parameters by importance for ``output``: total index ``ST`` (Sobol) or ``mu_star``
        (Morris), largest first."""
        column = "ST" if self.method == "sobol" else "mu_star"
        rows = self.indices[self.indices["output"] == output]
        if rows.empty:
            raise SpecError(f"output {output!r} was not analysed: expected one of "
                            + ", ".join(self.indices["output"].unique()))
        return rows.set_index("parameter")[column].sort_values(ascending=False)

    def plot(self, outputs: Sequence[str] | None = None) -> Figure:
        """Bar chart of the indices, one panel per output, parameters sorted by importance:
        ``S1`` and ``ST`` (Sobol) or ``mu_star`` and ``sigma`` (Morris), with confidence
        intervals as error bars."""
        import matplotlib.pyplot as plt

        outputs = list(outputs) if outputs is not None else list(self.indices["output"].unique())
        n_params = self.indices["parameter"].nunique()
        fig, axes = plt.subplots(1, len(outputs), figsize=(max(6.5, 4.2 * len(outputs)), 0.45 * n_params + 1.8),
                                 layout="constrained", squeeze=False)
        first, second = (("S1", "ST") if self.method == "sobol" else ("mu_star", "sigma"))
        for ax, output in zip(axes[0], outputs):
            rows = self.indices[self.indices["output"] == output].set_index("parameter")
            rows = rows.loc[self.ranking(output).index[::-1]]
            y = np.arange(len(rows))
            h = 0.38
            err1 = rows.get(f"{first}_conf")
            ax.barh(y + h / 2, rows[first], h, xerr=err1, color="#1f5fa8", label=first, capsize=2)
            err2 = rows.get(f"{second}_conf")
            ax.barh(y - h / 2, rows[second], h, xerr=err2, color="#9ab8dc", label=second, capsize=2)
            ax.set_yticks(y, rows.index)
            ax.axvline(0, color="black", lw=0.6)
            ax.set_title(output)
            ax.set_xlabel("share of variance" if self.method == "sobol" else f"effect on {output}")
        axes[0][0].legend(loc="lower right", frameon=False)
        fig.suptitle(f"{'Sobol' if self.method == 'sobol' else 'Morris'} sensitivity: "
                     f"{len(self.points)} points x {self.runs['replicate'].nunique()} replicates\n"
                     f"error bars: {self.level:.0%} confidence intervals", fontsize="medium")
        return fig


def _factors(parameters: Sequence[str] | Mapping[str, Any]) -> list[Factor]:
    if isinstance(parameters, str) or not isinstance(parameters, (Mapping, list, tuple)):
        raise SpecError(f"parameters={parameters!r} is invalid: expected a list of parameter names "
                        "or a mapping of names to (low, high) ranges")
    if not isinstance(parameters, Mapping):
        parameters = {name: None for name in parameters}
    if len(parameters) < 2:
        raise SpecError(f"parameters={list(parameters)!r}: expected at least two parameters to compare")
    factors = []
    for name, value in parameters.items():
        f = Factor.parse(name, value)
        if f.values is not None:
            raise SpecError(f"{name}: listed values cannot be sampled: expected a range (low, high)")
        factors.append(f.checked("lhs"))
    return factors


def _problem(factors: Sequence[Factor]) -> dict[str, Any]:
    return {"num_vars": len(factors), "names": [f.name for f in factors],
            "bounds": [[0.0, 1.0]] * len(factors)}


def _run(method: str, factors: Sequence[Factor], unit: np.ndarray, outputs: Sequence[str], *,
         scenario: Any, days: Any, start: Any, seed: int, replicates: int, fixed: Mapping[str, Any],
         executor: Any, progress: bool, out: Any, settings: dict[str, Any]) -> tuple[pd.DataFrame, pd.DataFrame, np.ndarray]:
    """Run every sample point ``replicates`` times; returns the points, the runs, and the matrix
    of point means (points x outputs)."""
    if isinstance(replicates, bool) or not isinstance(replicates, int) or replicates < 1:
        raise SpecError(f"replicates={replicates!r} is invalid: expected a whole number >= 1")
    setting = resolve_setting(scenario, days, start)
    points = pd.DataFrame({f.name: f.scale(unit[:, j]) for j, f in enumerate(factors)})
    points.index.name = "point"
    fixed = dict(fixed or {})
    both = sorted(set(fixed) & set(points.columns))
    if both:
        raise SpecError(f"{both[0]} is both analysed and fixed: expected one or the other")
    identity = {"kind": f"sensitivity-{method}", "scenario": setting.scenario_name,
                "scenario_toml": setting.scenario_toml, "days": setting.days,
                "start": setting.start.isoformat(), "seed": seed, "fixed": fixed,
                "parameters": {f.name: f.describe() for f in factors}, **settings,
                "design_sha256": _design_digest(points)}
    runs = run_experiment([{**fixed, **row} for row in points.to_dict(orient="records")],
                          setting=setting, replicates=replicates, seed=seed, identity=identity,
                          executor=executor, progress=progress, out=out,
                          desc=f"{method} sensitivity ({len(points)} points)")
    if len(runs.failures):
        first = runs.failures.iloc[0]
        raise SpecError(f"{len(runs.failures)} runs failed, so the indices cannot be computed "
                        f"(first: point {first.point}, replicate {first.replicate}: {first.error}); "
                        "the finished runs are kept" + (f" in {out}" if out is not None else ""))
    table = runs.summary.drop(columns=list(fixed), errors="ignore")
    means = table.groupby("point")[list(outputs)].mean().reindex(points.index)
    return points, table[["point", "replicate", "seed", *points.columns, *outputs]], means.to_numpy(float)


def _noise(runs: pd.DataFrame, outputs: Sequence[str]) -> pd.DataFrame:
    grouped = runs.groupby("point")[list(outputs)]
    replicates = runs["replicate"].nunique()
    between = grouped.mean().var(ddof=1)
    within = grouped.var(ddof=1).mean() / replicates if replicates > 1 else pd.Series(np.nan, index=list(outputs))
    share = within / between.where(between > 0)
    noisy = share[share > NOISE_WARNING_SHARE]
    if len(noisy):
        warnings.warn(
            "the model's noise is a large part of the variance between sample points for "
            + ", ".join(f"{k} ({v:.0%})" for k, v in noisy.items())
            + f" with {replicates} replicates: expected under {NOISE_WARNING_SHARE:.0%}; raise "
            "replicates (noise falls as 1/replicates) or lengthen the period", NoiseWarning, stacklevel=3)
    return pd.DataFrame({"between_points": between, "noise_of_mean": within, "noise_share": share})


def _common(outputs: Any, seed: Any, level: Any) -> tuple[tuple[str, ...], int, float]:
    outputs = check_outputs(outputs)
    if outputs is None:
        raise SpecError("outputs=None: expected the names of the totals to analyse, e.g. ['arrivals']")
    if isinstance(level, bool) or not isinstance(level, float) or not 0 < level < 1:
        raise SpecError(f"level={level!r} is invalid: expected a probability between 0 and 1, e.g. 0.95")
    return outputs, check_seed(seed), level


def _stream(seed: int) -> np.random.Generator:
    return np.random.default_rng(np.random.SeedSequence([seed, _SAMPLER_STREAM]))


def sobol(parameters: Sequence[str] | Mapping[str, Any], outputs: Sequence[str], *,
          samples: int = 64, replicates: int = 4, second_order: bool = False,
          scenario: Any = None, days: int | None = None, start: Any = None, seed: int = 0,
          fixed: Mapping[str, Any] | None = None, level: float = 0.95, executor: Any = None,
          progress: bool = True, out: str | os.PathLike | None = None) -> Sensitivity:
    """Sobol indices of ``outputs`` (run totals such as "arrivals") for ``parameters``.

    ``samples`` (a power of 2) is the base sample size N: the model runs
    ``N * (d + 2) * replicates`` times for ``d`` parameters (``N * (2d + 2) * replicates`` with
    ``second_order``). ``parameters`` lists registry names (whole registry range) or maps names
    to ``(low, high)``. ``scenario``, ``days``, ``start``, ``fixed``, ``executor``, ``progress``
    and ``out`` are as for :func:`channelsim.sweep`.

    Returns:
        A :class:`Sensitivity` with ``method="sobol"``: ``indices`` holds, per output and
        parameter, the first-order ``S1`` and total ``ST`` indices (shares of the output's
        variance, 0 to 1, no unit) with their ``level`` confidence half-widths; ``second_order``
        the pairwise ``S2`` when asked for; ``noise`` how much of the variance is the model's
        own noise between replicates.

    Raises:
        SpecError: ``samples`` is not a power of 2, a parameter or output is unknown, or an
            output does not vary at all.

    >>> from channelsim import sensitivity
    >>> s = sensitivity.sobol(["officers_per_day", "boat_supply_per_day"], ["arrivals"],
    ...                       samples=32, replicates=2, days=90)          # doctest: +SKIP
    >>> s.ranking("arrivals")                                          # doctest: +SKIP
    """
    from SALib.analyze import sobol as sobol_analyze
    from SALib.sample import sobol as sobol_sample

    outputs, seed, level = _common(outputs, seed, level)
    factors = _factors(parameters)
    if isinstance(samples, bool) or not isinstance(samples, int) or samples < 2 or samples & (samples - 1):
        raise SpecError(f"samples={samples!r} is invalid: expected a power of 2 such as 32 or 64 "
                        "(Saltelli's scheme keeps the Sobol' sequence balanced only then)")
    problem = _problem(factors)
    rng = _stream(seed)
    unit = sobol_sample.sample(problem, samples, calc_second_order=second_order, seed=rng)
    points, runs, y = _run("sobol", factors, unit, outputs, scenario=scenario, days=days,
                           start=start, seed=seed, replicates=replicates, fixed=fixed or {},
                           executor=executor, progress=progress, out=out,
                           settings={"samples": samples, "second_order": second_order})
    rows, pairs = [], []
    for j, output in enumerate(outputs):
        if np.ptp(y[:, j]) == 0:
            raise SpecError(f"output {output!r} is the same at every point: no variance to "
                            "apportion (choose another output, or a longer period)")
        si = sobol_analyze.analyze(problem, y[:, j], calc_second_order=second_order,
                                   conf_level=level, seed=int(rng.integers(2**31)))
        for k, name in enumerate(problem["names"]):
            rows.append({"output": output, "parameter": name, "S1": si["S1"][k],
                         "S1_conf": si["S1_conf"][k], "ST": si["ST"][k], "ST_conf": si["ST_conf"][k]})
            if second_order:
                for m in range(k + 1, len(factors)):
                    pairs.append({"output": output, "parameter": name, "other": problem["names"][m],
                                  "S2": si["S2"][k, m], "S2_conf": si["S2_conf"][k, m]})
    return Sensitivity("sobol", pd.DataFrame(rows), points, runs, _noise(runs, outputs),
                       pd.DataFrame(pairs) if second_order else None, level)


def morris(parameters: Sequence[str] | Mapping[str, Any], outputs: Sequence[str], *,
           trajectories: int = 10, levels: int = 4, replicates: int = 4, scenario: Any = None,
           days: int | None = None, start: Any = None, seed: int = 0,
           fixed: Mapping[str, Any] | None = None, level: float = 0.95, executor: Any = None,
           progress: bool = True, out: str | os.PathLike | None = None) -> Sensitivity:
    """Morris elementary effects of ``parameters`` on ``outputs``.

    The model runs ``trajectories * (d + 1) * replicates`` times for ``d`` parameters; each
    trajectory moves one parameter at a time on a grid of ``levels`` values across its range.
    ``mu_star`` and ``sigma`` are in the output's unit per whole range of the parameter.
    Other arguments are as for :func:`sobol`.

    Returns:
        A :class:`Sensitivity` with ``method="morris"``: ``indices`` holds, per output and
        parameter, ``mu``, ``mu_star`` (mean absolute elementary effect) with its ``level``
        confidence half-width ``mu_star_conf``, and ``sigma`` (spread of the effects: a large
        ``sigma`` means interactions or non-linearity), all in the output's unit.

    Raises:
        SpecError: ``trajectories`` or ``levels`` is not a whole number of at least 2, ``levels``
            is odd, or a parameter or output is unknown.

    >>> from channelsim import sensitivity
    >>> m = sensitivity.morris(["officers_per_day", "return_aversion"], ["arrivals"],
    ...                        trajectories=6, replicates=2, days=90)     # doctest: +SKIP
    >>> m.plot()                                                       # doctest: +SKIP
    """
    from SALib.analyze import morris as morris_analyze
    from SALib.sample import morris as morris_sample

    outputs, seed, level = _common(outputs, seed, level)
    factors = _factors(parameters)
    for name, value, low in (("trajectories", trajectories, 2), ("levels", levels, 2)):
        if isinstance(value, bool) or not isinstance(value, int) or value < low:
            raise SpecError(f"{name}={value!r} is invalid: expected a whole number >= {low}")
    if levels % 2:
        raise SpecError(f"levels={levels} is invalid: expected an even number (4 is usual) so that "
                        "Morris steps are balanced")
    problem = _problem(factors)
    rng = _stream(seed)
    unit = morris_sample.sample(problem, trajectories, num_levels=levels, seed=rng)
    points, runs, y = _run("morris", factors, unit, outputs, scenario=scenario, days=days,
                           start=start, seed=seed, replicates=replicates, fixed=fixed or {},
                           executor=executor, progress=progress, out=out,
                           settings={"trajectories": trajectories, "levels": levels})
    rows = []
    for j, output in enumerate(outputs):
        mi = morris_analyze.analyze(problem, unit, y[:, j], conf_level=level, num_levels=levels,
                                    seed=int(rng.integers(2**31)))
        for k, name in enumerate(problem["names"]):
            rows.append({"output": output, "parameter": name, "mu": mi["mu"][k],
                         "mu_star": mi["mu_star"][k], "mu_star_conf": mi["mu_star_conf"][k],
                         "sigma": mi["sigma"][k]})
    return Sensitivity("morris", pd.DataFrame(rows), points, runs, _noise(runs, outputs), None, level)
