"""A Gaussian-process emulator of the summary statistics, and MCMC on it.

One Gaussian process per statistic (scikit-learn's ``GaussianProcessRegressor``), on the
parameters' positions on their priors' unit scale, with a kernel

    constant x RBF(one length scale per parameter) + white noise

The white noise is the run-to-run spread of the statistic at fixed parameters (the model is
stochastic, and each design point is run once); the length scales say how fast the statistic
changes with each parameter (a parameter it ignores gets a long one). The predictive variance
of a new point adds the emulator's own uncertainty to that noise.

:func:`sample` draws from the posterior with ``emcee``'s affine-invariant ensemble sampler
(Foreman-Mackey et al. 2013), vectorised over walkers.

>>> import numpy as np
>>> from channelsim.emulator import Emulator
>>> rng = np.random.default_rng(0)
>>> x = rng.random((40, 2)); y = np.c_[3 * x[:, 0] + 0.01 * rng.standard_normal(40)]
>>> em = Emulator.fit(x, y, ["s"], seed=0)
>>> mean, var = em.predict(np.array([[0.5, 0.5]]))
>>> round(float(mean[0, 0]), 1)
1.5
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Sequence

import numpy as np
import pandas as pd
from scipy.linalg import solve_triangular

__all__ = ["Emulator", "log_likelihood", "sample", "Z90"]

Z90 = 1.6448536269514722  #: a central 90% normal interval is +-Z90 sd


@dataclass
class _GP:
    """What prediction needs from one fitted process (kept as arrays, so that predicting for
    many points and statistics at once is a few matrix products)."""

    x: np.ndarray  #: training inputs scaled by the length scales
    alpha: np.ndarray
    chol: np.ndarray
    amplitude: float
    noise: float
    y_mean: float
    y_std: float
    scales: np.ndarray  #: length scales on the unit cube

    def predict(self, xs: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        z = xs / self.scales
        d2 = (np.sum(z**2, 1)[:, None] + np.sum(self.x**2, 1)[None, :] - 2 * z @ self.x.T)
        k = self.amplitude * np.exp(-0.5 * np.maximum(d2, 0.0))
        mean = k @ self.alpha
        v = solve_triangular(self.chol, k.T, lower=True, check_finite=False)
        var = np.maximum(self.amplitude + self.noise - np.sum(v**2, 0), 1e-12)
        return mean * self.y_std + self.y_mean, var * self.y_std**2


def _fit_one(x: np.ndarray, y: np.ndarray, seed: int, subset: int = 150) -> _GP:
    """One process: its hyperparameters by maximum likelihood on ``subset`` runs (the cost
    grows with the cube of the runs), then conditioned on all of them."""
    import warnings

    from sklearn.exceptions import ConvergenceWarning
    from sklearn.gaussian_process import GaussianProcessRegressor
    from sklearn.gaussian_process.kernels import RBF, ConstantKernel, WhiteKernel

    d = x.shape[1]
    kernel = (ConstantKernel(1.0, (1e-3, 1e3)) * RBF(np.full(d, 0.5), (1e-2, 1e3))
              + WhiteKernel(0.1, (1e-8, 10.0)))
    pick = np.random.default_rng(seed).permutation(len(x))[:subset]
    with warnings.catch_warnings():
        # a parameter a statistic ignores runs its length scale to the bound: that is the answer
        warnings.simplefilter("ignore", ConvergenceWarning)
        tuned = GaussianProcessRegressor(kernel, normalize_y=True, random_state=seed).fit(x[pick], y[pick])
    gp = GaussianProcessRegressor(tuned.kernel_, normalize_y=True, optimizer=None).fit(x, y)
    prod, white = gp.kernel_.k1, gp.kernel_.k2
    scales = np.atleast_1d(prod.k2.length_scale).astype(float)
    return _GP(x=x / scales, alpha=gp.alpha_.ravel(), chol=gp.L_, amplitude=float(prod.k1.constant_value),
               noise=float(white.noise_level), y_mean=float(np.ravel(gp._y_train_mean)[0]),
               y_std=float(np.ravel(gp._y_train_std)[0]), scales=scales)


@dataclass
class Emulator:
    """Gaussian processes of the statistics ``names`` over the unit cube of the parameters."""

    names: list[str]
    gps: list[_GP]

    @classmethod
    def fit(cls, unit: np.ndarray, stats: np.ndarray, names: Sequence[str], *, seed: int = 0) -> "Emulator":
        """Fit one process per column of ``stats`` (runs x statistics) on ``unit`` (runs x
        parameters, each in 0 to 1)."""
        unit, stats = np.asarray(unit, float), np.asarray(stats, float)
        if unit.ndim != 2 or stats.shape != (len(unit), len(names)):
            raise ValueError(f"the design has {unit.shape} inputs and {stats.shape} statistics "
                             f"for {len(names)} names: they must agree")
        from threadpoolctl import threadpool_limits

        with threadpool_limits(1):  # small matrices: threads only contend (5x slower on 2 cores)
            gps = [cls._fit_column(unit, stats[:, j], seed) for j in range(stats.shape[1])]
        return cls(list(names), gps)

    @staticmethod
    def _fit_column(unit: np.ndarray, col: np.ndarray, seed: int) -> _GP:
        if np.ptp(col) == 0:  # a statistic that never moves: a constant
            return _GP(unit[:1] * 0, np.zeros(1), np.ones((1, 1)), 0.0, 1e-12, float(col[0]), 1.0,
                       np.ones(unit.shape[1]))
        return _fit_one(unit, col, seed)

    def predict(self, unit: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Mean and predictive variance (points x statistics) at ``unit`` (points x parameters)."""
        unit = np.atleast_2d(np.asarray(unit, float))
        out = [gp.predict(unit) for gp in self.gps]
        return np.column_stack([m for m, _ in out]), np.column_stack([v for _, v in out])

    def length_scales(self, parameters: Sequence[str]) -> pd.DataFrame:
        """Each statistic's length scale per parameter (unit cube): short means it matters."""
        return pd.DataFrame([gp.scales for gp in self.gps], index=self.names, columns=list(parameters))

    def validate(self, unit: np.ndarray, stats: np.ndarray) -> pd.DataFrame:
        """How well the emulator predicts runs it was not fitted on: per statistic, the root
        mean square error, the share of the runs' variance it explains (R^2), and the share
        of held-out runs inside its 90% predictive interval (0.9 if its variance is right)."""
        mean, var = self.predict(unit)
        stats = np.asarray(stats, float)
        err = stats - mean
        total = np.var(stats, axis=0)
        r2 = 1 - np.mean(err**2, axis=0) / np.where(total > 0, total, np.nan)
        inside = np.mean(np.abs(err) <= Z90 * np.sqrt(var), axis=0)
        return pd.DataFrame({"rmse": np.sqrt(np.mean(err**2, axis=0)), "r2": r2,
                             "coverage_90": inside, "held_out_runs": len(stats)}, index=self.names)


def log_likelihood(emulator: Emulator, unit: np.ndarray, observed: np.ndarray,
                   discrepancy: np.ndarray) -> np.ndarray:
    """Log likelihood of the observed statistics at each row of ``unit`` (outside the unit
    cube: minus infinity, the prior's support)."""
    unit = np.atleast_2d(unit)
    out = np.full(len(unit), -np.inf)
    inside = np.all((unit >= 0) & (unit <= 1), axis=1)
    if inside.any():
        mean, var = emulator.predict(unit[inside])
        total = var + discrepancy**2
        out[inside] = -0.5 * np.sum((observed - mean) ** 2 / total + np.log(2 * np.pi * total), axis=1)
    return out


def sample(emulator: Emulator, observed: np.ndarray, discrepancy: np.ndarray, d: int, *,
           draws: int = 4000, walkers: int | None = None, burn: int = 500, thin: int = 10,
           seed: int = 0, progress: bool = False) -> tuple[np.ndarray, float]:
    """Posterior draws on the unit cube (``draws`` x ``d``) and the sampler's mean acceptance
    rate. Walkers start spread over the prior; the first ``burn`` steps are dropped, then every
    ``thin``-th step of each walker is kept (successive steps of a walker are correlated)."""
    import emcee

    walkers = walkers or max(4 * d, 24)
    rng = np.random.default_rng(seed)
    start = rng.random((walkers, d))
    steps = burn + thin * int(np.ceil(draws / walkers))
    sampler = emcee.EnsembleSampler(
        walkers, d, lambda u: log_likelihood(emulator, u, observed, discrepancy), vectorize=True)
    sampler.random_state = np.random.RandomState(int(rng.integers(2**31))).get_state()
    from threadpoolctl import threadpool_limits

    with threadpool_limits(1):
        sampler.run_mcmc(start, steps, progress=progress)
    chain = sampler.get_chain(discard=burn, thin=thin, flat=True)
    return chain[-draws:], float(np.mean(sampler.acceptance_fraction))
