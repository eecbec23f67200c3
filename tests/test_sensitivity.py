"""Tests of channelsim.sensitivity: SALib Sobol and Morris analyses on replicate means.

Small on purpose: three parameters, four weeks from 1 May (crossings under way), in-process.
"""

from __future__ import annotations

import pandas as pd
import pytest
from matplotlib.container import BarContainer

from channelsim import sensitivity
from channelsim.experiments import run_seed
from channelsim.params import ParameterError

PARAMETERS = ["inflow_per_year", "officers_per_day", "removal_seats_per_week"]  # the last: a pilot setting, and no pilot runs in May 2024
RUN = dict(days=28, start="2024-05-01", executor="inprocess", progress=False, seed=3)


@pytest.fixture(scope="module")
def morris() -> sensitivity.Sensitivity:
    with _no_check():
        return sensitivity.morris(PARAMETERS, ["arrivals", "stopped_share"], trajectories=5,
                                  replicates=2, **RUN)


@pytest.fixture(scope="module")
def sobol() -> sensitivity.Sensitivity:
    with _no_check():
        return sensitivity.sobol(PARAMETERS, ["arrivals"], samples=8, replicates=2, **RUN)


class _no_check:
    """Noise warnings are expected with so few replicates; they are tested on their own."""

    def __enter__(self):
        import warnings

        self._w = warnings.catch_warnings()
        self._w.__enter__()
        warnings.simplefilter("ignore", sensitivity.NoiseWarning)

    def __exit__(self, *exc):
        return self._w.__exit__(*exc)


def test_morris_ranks_a_setting_that_cannot_matter_last(morris):
    ranking = morris.ranking("arrivals")
    assert ranking.index[-1] == "removal_seats_per_week"  # no pilot, no flight
    assert ranking["removal_seats_per_week"] == 0 < ranking["inflow_per_year"]
    assert ranking["removal_seats_per_week"] < ranking["officers_per_day"]
    stopped = morris.ranking("stopped_share")
    assert stopped.index[0] == "officers_per_day"  # police stop launches on the beaches


def test_morris_tables(morris):
    idx = morris.indices
    assert len(idx) == 2 * 3 and set(idx["output"]) == {"arrivals", "stopped_share"}
    assert list(idx.columns) == ["output", "parameter", "mu", "mu_star", "mu_star_conf", "sigma"]
    assert (idx["mu_star"] >= idx["mu"].abs() - 1e-9).all() and (idx["sigma"] >= 0).all()
    assert len(morris.points) == 5 * (3 + 1)
    runs = morris.runs
    assert len(runs) == len(morris.points) * 2
    # each point's replicate r uses the same seed: common random numbers
    assert runs.groupby("replicate")["seed"].unique().map(len).eq(1).all()
    assert runs.loc[runs.replicate == 1, "seed"].iloc[0] == run_seed(3, 1)
    # the noise table: variance of the point means that noise explains, against that between points
    means = runs.groupby("point")["arrivals"].mean()
    assert morris.noise.loc["arrivals", "between_points"] == pytest.approx(means.var())
    within = runs.groupby("point")["arrivals"].var().mean() / 2
    assert morris.noise.loc["arrivals", "noise_of_mean"] == pytest.approx(within)


def test_sobol_indices(sobol):
    idx = sobol.indices.set_index("parameter")
    assert list(sobol.indices.columns) == ["output", "parameter", "S1", "S1_conf", "ST", "ST_conf"]
    assert idx.loc["removal_seats_per_week", "ST"] == 0 and idx.loc["removal_seats_per_week", "S1"] == 0
    assert idx.loc["inflow_per_year", "ST"] > 0.05 or idx.loc["officers_per_day", "ST"] > 0.05
    assert sobol.ranking("arrivals").index[-1] == "removal_seats_per_week"
    assert len(sobol.points) == 8 * (3 + 2)  # Saltelli's scheme, first and total order
    assert (sobol.indices[["S1_conf", "ST_conf"]] >= 0).all().all()


def test_same_seed_same_indices(morris):
    with _no_check():
        again = sensitivity.morris(PARAMETERS, ["arrivals", "stopped_share"], trajectories=5,
                                   replicates=2, **RUN)
    pd.testing.assert_frame_equal(again.indices, morris.indices)


def test_plot_has_one_panel_per_output_and_bars_per_parameter(morris, sobol):
    fig = morris.plot()
    fig.canvas.draw()
    assert [ax.get_title() for ax in fig.axes] == ["arrivals", "stopped_share"]
    ax = fig.axes[0]
    assert len(ax.patches) == 2 * 3  # mu_star and sigma for each parameter
    assert [t.get_text() for t in ax.get_yticklabels()][0] == "removal_seats_per_week"  # least at the bottom
    bars = [c for c in ax.containers if isinstance(c, BarContainer)][0]
    widths = sorted(p.get_width() for p in bars)
    assert widths == pytest.approx(sorted(morris.indices.query("output == 'arrivals'")["mu_star"]))
    fig = sobol.plot()
    fig.canvas.draw()
    assert len(fig.axes) == 1 and len(fig.axes[0].patches) == 2 * 3


def test_noise_warning_when_noise_swamps_the_differences():
    # parameters moved by 1-2% over a January fortnight: the noise dominates the differences
    with pytest.warns(sensitivity.NoiseWarning, match=r"for arrivals \(\d+%\) with 2 replicates.*raise replicates"):
        res = sensitivity.morris({"inflow_per_year": (44_000.0, 45_000.0), "uk_pull": (0.99, 1.01)},
                                 ["arrivals"], trajectories=3, replicates=2, days=14,
                                 executor="inprocess", progress=False)
    assert res.noise.loc["arrivals", "noise_share"] > sensitivity.NOISE_WARNING_SHARE


@pytest.mark.parametrize("call,message", [
    (lambda: sensitivity.sobol(["inflow_per_year"], ["arrivals"]), "expected at least two parameters"),
    (lambda: sensitivity.sobol(PARAMETERS, ["arrivals"], samples=12), "samples=12 is invalid: expected a power of 2"),
    (lambda: sensitivity.sobol(PARAMETERS, ["arivals"]), "unknown output 'arivals'"),
    (lambda: sensitivity.sobol(PARAMETERS, None), "expected the names of the totals"),
    (lambda: sensitivity.morris(["inflow_per_year", "sea_interceptions"], ["arrivals"]),
     "sea_interceptions is a bool parameter"),
    (lambda: sensitivity.morris({"inflow_per_year": (0, 1e9), "n_gangs": None}, ["arrivals"]),
     "high=1000000000.0 is outside the registry's range"),
    (lambda: sensitivity.morris(PARAMETERS, ["arrivals"], levels=3), "levels=3 is invalid"),
    (lambda: sensitivity.morris(PARAMETERS, ["arrivals"], replicates=0, days=5), "replicates=0 is invalid"),
    (lambda: sensitivity.morris(PARAMETERS, ["arrivals"], fixed={"removal_seats_per_week": 1.0}, days=5),
     "removal_seats_per_week is both analysed and fixed"),
])
def test_bad_requests_are_rejected(call, message):
    with pytest.raises(ParameterError, match=message):
        call()
