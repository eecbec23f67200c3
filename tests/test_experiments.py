"""Tests of channelsim.experiments: seeds, ensembles, comparisons, sweep designs and
specifications, the on-disk store (resume after an interruption) and failing runs.

Runs here are short (a few weeks) and in-process; executors are tested in test_executors.py.
"""

from __future__ import annotations

import json
import warnings

import numpy as np
import pandas as pd
import pytest
from matplotlib.container import ErrorbarContainer

import channelsim
from channelsim import experiments as ex
from channelsim.experiments import runs as runs_module
from channelsim.params import ParameterError, spec

DAYS = 21  # three weeks from 1 January: a few crossable days, about 0.1 s a run
FAST = dict(days=DAYS, executor="inprocess", progress=False)


@pytest.fixture(scope="module")
def four_runs() -> ex.Ensemble:
    return ex.ensemble(None, 4, seed=7, **FAST)


# ------------------------------------------------------------------------------------- seeds
def test_run_seed_is_spawned_child_whatever_n():
    for n in (3, 10):
        children = np.random.SeedSequence(42).spawn(n)
        for i, child in enumerate(children):
            expected = int(child.generate_state(1, np.uint64)[0] >> np.uint64(11))
            assert ex.run_seed(42, i) == expected
    seeds = {ex.run_seed(42, i) for i in range(1000)} | {ex.run_seed(42, i, 1) for i in range(1000)}
    assert len(seeds) == 2000
    assert all(0 <= s < 2**53 and int(float(s)) == s for s in seeds)  # exact even as a float


def test_same_call_same_ensemble_and_replicates_differ(four_runs):
    again = ex.ensemble(None, 4, seed=7, **FAST)
    pd.testing.assert_frame_equal(again.summary, four_runs.summary)
    pd.testing.assert_frame_equal(again.daily, four_runs.daily)
    # different replicates: different seeds and different days
    assert four_runs.summary["seed"].nunique() == 4
    attempts = four_runs.daily.pivot(index="date", columns="replicate", values="attempts")
    for a in range(4):
        for b in range(a + 1, 4):
            assert not attempts[a].equals(attempts[b])
    other = ex.ensemble(None, 4, seed=8, **FAST)
    assert not other.summary["attempts"].equals(four_runs.summary["attempts"])


def test_a_run_is_reproduced_from_its_seed(four_runs):
    seed = int(four_runs.summary.loc[2, "seed"])
    daily = channelsim.simulate(days=DAYS, seed=seed)
    pd.testing.assert_frame_equal(four_runs.daily_of(2), daily, check_freq=False, check_names=False)


def test_replicate_does_not_depend_on_n(four_runs):
    two = ex.ensemble(None, 2, seed=7, **FAST)
    pd.testing.assert_frame_equal(two.summary, four_runs.summary.loc[[0, 1]])


def test_summary_totals_sum_flows_and_average_levels(four_runs):
    s, d = four_runs.summary, four_runs.daily
    g = d.groupby("replicate")
    assert (s["days"] == DAYS).all()
    np.testing.assert_array_equal(s["arrivals"], g["arrivals"].sum())
    np.testing.assert_array_equal(s["stopped_beach"], g["stopped_beach"].sum())
    np.testing.assert_allclose(s["in_camps"], g["in_camps"].mean())
    np.testing.assert_allclose(s["boats_in_stock"], g["boats_in_stock"].mean())
    price = (g["revenue_eur"].sum() / g["attempts"].sum()).fillna(0.0)  # 0 for a run nobody paid in
    np.testing.assert_allclose(s["price_eur"], price)
    assert set(channelsim.model.RESULT_COLUMNS) - {"crossable"} <= set(s.columns)


def test_bands_are_ordered_and_the_mean_is_over_runs(four_runs):
    bands = four_runs.bands("arrivals", "week")
    weekly = {r: channelsim.aggregate(four_runs.daily_of(r), "week")["arrivals"] for r in range(4)}
    np.testing.assert_allclose(bands["mean"], pd.DataFrame(weekly).mean(axis=1))
    q = bands[["q0.05", "q0.25", "q0.5", "q0.75", "q0.95"]].to_numpy()
    assert (np.diff(q, axis=1) >= 0).all()
    assert (bands["runs"] == 4).all()
    fig = four_runs.plot("arrivals")
    fig.canvas.draw()
    ax = fig.axes[0]
    assert len(ax.collections) == 2 and len(ax.lines) == 1  # two bands, one mean line
    np.testing.assert_allclose(ax.lines[0].get_ydata(), bands["mean"])
    with pytest.raises(ParameterError, match="column='arivals' is not a daily result"):
        four_runs.bands("arivals")


def test_bands_leave_out_weeks_cut_by_the_period():
    ens = ex.ensemble(None, 2, seed=1, days=24, start="2024-01-03", executor="inprocess",
                      progress=False)  # Wednesday 3 January to Friday 26 January
    weeks = ens.bands("attempts", "week")
    assert weeks.index.tolist() == list(pd.date_range("2024-01-14", periods=2, freq="W-SUN"))
    assert len(ens.bands("attempts", "day")) == 24
    assert ens.bands("attempts", "month").empty


def test_keep_daily_false_still_gives_a_run_on_request():
    ens = ex.ensemble(None, 2, seed=7, keep_daily=False, **FAST)
    assert ens.daily.empty
    assert ens.daily_of(1)["arrivals"].sum() == ens.summary.loc[1, "arrivals"]


# ------------------------------------------------------------------------------- comparisons
def test_compare_paired_when_seeds_shared(four_runs):
    same = ex.compare(four_runs, four_runs)
    assert (same.table["method"] == "paired t").all()
    assert (same.table[["difference", "low", "high"]] == 0).all().all()

    longer = dict(FAST, days=60)  # two months of winter: enough crossable nights to compare
    base = ex.ensemble(None, 6, seed=7, **longer)
    policed = ex.ensemble(None, 6, seed=7, officers_per_day=5000, stop_effectiveness=0.5,
                          taxi_slots_per_waterway=0, **longer)  # no taxi boat to escape the beaches
    c = ex.compare(base, policed, ["arrivals", "stopped_share"], level=0.9)
    row = c.table.loc["arrivals"]
    diffs = policed.summary["arrivals"] - base.summary["arrivals"]
    assert row["difference"] == pytest.approx(diffs.mean())
    assert row["low"] < row["difference"] < row["high"]
    assert row["high"] < 0  # a massive police presence on beaches with no taxi boats: fewer arrive
    assert c.table.loc["stopped_share", "low"] > 0
    assert row["relative_difference"] == pytest.approx(
        100 * diffs.mean() / base.summary["arrivals"].mean())
    assert "officers_per_day=5000" in c.alternative and "taxi_slots_per_waterway=0" in c.alternative
    fig = c.plot()
    fig.canvas.draw()
    assert [t.get_text() for t in fig.axes[0].get_yticklabels()] == ["arrivals", "stopped_share"]
    intervals = [c for c in fig.axes[0].containers if isinstance(c, ErrorbarContainer)]
    assert len(intervals) == 2  # one point per output, each with its interval
    mean, (low_cap, high_cap) = intervals[0].lines[0], intervals[0].lines[1]
    assert mean.get_xdata()[0] == pytest.approx(row["relative_difference"])  # arrivals, drawn first, at the top
    assert low_cap.get_xdata()[0] == pytest.approx(row["relative_low"])


def test_compare_needs_periods_of_the_same_length(four_runs):
    longer = ex.ensemble(None, 2, seed=7, days=DAYS + 7, executor="inprocess", progress=False)
    with pytest.raises(ParameterError, match="the baseline ran 21 days, the alternative 28"):
        ex.compare(four_runs, longer)


def test_compare_welch_when_seeds_differ(four_runs):
    other = ex.ensemble(None, 5, seed=99, **FAST)
    c = ex.compare(four_runs, other, ["arrivals"], level=0.95)
    row = c.table.loc["arrivals"]
    assert row["method"] == "Welch t"
    assert row["low"] <= row["difference"] <= row["high"]
    with pytest.raises(ParameterError, match="output 'arrival' is not a total"):
        ex.compare(four_runs, other, ["arrival"])


# ----------------------------------------------------------------------------------- designs
def test_grid_is_the_full_product():
    s = ex.SweepSpec.create({"officers_per_day": (400, 1600), "bf_vessels": [2, 4, 8],
                             "sea_interceptions": None, "detention_rule": None}, levels=4)
    pts = s.points()
    assert len(pts) == 4 * 3 * 2 * 2
    assert sorted(pts["officers_per_day"].unique()) == [400, 800, 1200, 1600]
    assert set(pts["sea_interceptions"]) == {False, True}
    assert set(pts["detention_rule"]) == set(spec("detention_rule").choices)
    assert not pts.duplicated().any()


@pytest.mark.parametrize("design,samples", [("lhs", 20), ("sobol", 16)])
def test_samples_fill_the_registry_range(design, samples):
    s = ex.SweepSpec.create(["officers_per_day", "n_gangs"], design=design, samples=samples, seed=3)
    pts = s.points()
    assert len(pts) == samples
    for name in pts:
        r = spec(name)
        assert pts[name].between(r.low, r.high).all()
    assert all(isinstance(v, int) for v in pts["n_gangs"])
    if design == "lhs":  # one point in each of the n equal slices of each range
        r = spec("officers_per_day")
        slices = np.floor((pts["officers_per_day"] - r.low) / (r.high - r.low) * samples)
        assert sorted(slices.astype(int)) == list(range(samples))
    pd.testing.assert_frame_equal(pts, s.points())  # the design is part of the seed's promise
    assert not pts.equals(ex.SweepSpec.create(["officers_per_day", "n_gangs"], design=design,
                                              samples=samples, seed=4).points())


def test_integer_parameters_sampled_evenly():
    s = ex.SweepSpec.create({"bf_vessels": (2, 4), "officers_per_day": None}, design="lhs",
                            samples=300)
    counts = s.points()["bf_vessels"].value_counts()
    assert set(counts.index) == {2, 3, 4}
    assert counts.min() >= 99  # 300 strata over 3 whole numbers: 100 each, give or take one


@pytest.mark.parametrize("parameters,fields,message", [
    ({"oficers_per_day": None}, {}, "unknown parameter 'oficers_per_day' .did you mean 'officers_per_day'"),
    ({"officers_per_day": (-5, 100)}, {}, "officers_per_day: low=-5 is outside the registry's range"),
    ({"officers_per_day": (100, 9000)}, {}, "high=9000 is outside the registry's range"),
    ({"officers_per_day": (900, 100)}, {}, "low=900 is not below high=100: expected low < high"),
    ({"bf_vessels": (1.5, 4)}, {}, "expected whole numbers for an integer parameter"),
    ({"sea_interceptions": None}, {"design": "lhs", "samples": 8}, "is a bool parameter: it cannot be sampled"),
    ({"bf_vessels": [2, 4]}, {"design": "lhs", "samples": 8}, "listed values are only for design 'grid'"),
    ({"bf_vessels": [2, 400]}, {}, "bf_vessels=400 is out of range"),
    ({"officers_per_day": None}, {"design": "lhs", "samples": 0}, "samples=0 is invalid"),
    ({"officers_per_day": None}, {"design": "lhs"}, "needs samples"),
    ({"officers_per_day": None}, {"design": "sobol", "samples": 48}, "power of 2 such as 32 or 64"),
    ({"officers_per_day": None}, {"design": "random"}, "design='random' is invalid"),
    ({"officers_per_day": None}, {"replicates": 0}, "replicates=0 is invalid"),
    ({"officers_per_day": None}, {"fixed": {"officers_per_day": 5}}, "both swept"),
    ({"officers_per_day": None}, {"fixed": {"bf_vessels": -1}}, r"\[fixed\] bf_vessels=-1 is out of range"),
    ({"officers_per_day": None}, {"outputs": ["arivals"]}, "unknown output 'arivals' .did you mean 'arrivals'"),
    ({"officers_per_day": None}, {"sede": 1}, "unknown sweep setting 'sede'"),
    ({}, {}, "parameters is empty"),
])
def test_bad_specifications_are_rejected(parameters, fields, message):
    with pytest.raises(ParameterError, match=message):
        ex.SweepSpec.create(parameters, **fields)


def test_cross_parameter_errors_are_caught_before_running(monkeypatch):
    calls = _count_runs(monkeypatch)
    with pytest.raises(ParameterError, match="point 1: base_load=100.0 is above max_load=50.0"):
        ex.sweep({"base_load": [40.0, 100.0], "max_load": [50.0]}, **FAST)
    assert calls == []


def test_toml_specification_errors_name_file_and_line(tmp_path):
    bad_syntax = tmp_path / "a.toml"
    bad_syntax.write_text('days = 30\ndesign = "grid\n')
    with pytest.raises(ParameterError, match=r"a.toml: malformed TOML: .*line 2"):
        ex.SweepSpec.load(bad_syntax)
    bad_range = tmp_path / "b.toml"
    bad_range.write_text('days = 30\n\n[parameters]\nbf_vessels = [2, 4]\n'
                         'officers_per_day = { low = -3, high = 10 }\n')
    with pytest.raises(ParameterError, match=r"b.toml, line 5: \[parameters\] officers_per_day: low=-3"):
        ex.SweepSpec.load(bad_range)
    no_scenario = tmp_path / "d.toml"
    no_scenario.write_text('days = 30\nscenario = "pilot_anounced"\n[parameters]\nbf_vessels = [2]\n')
    with pytest.raises(ParameterError, match=r"d.toml, line 2: unknown scenario 'pilot_anounced'"):
        ex.SweepSpec.load(no_scenario)
    unknown = tmp_path / "c.toml"
    unknown.write_text('days = 30\nsampels = 4\n[parameters]\nbf_vessels = [2]\n')
    with pytest.raises(ParameterError, match=r"c.toml, line 2: unknown key 'sampels'"):
        ex.SweepSpec.load(unknown)


def test_toml_specification_round_trip(tmp_path):
    path = tmp_path / "s.toml"
    path.write_text('scenario = "baseline_2024"\ndays = 30\nseed = 5\ndesign = "lhs"\nsamples = 6\n'
                    'replicates = 2\noutputs = ["arrivals"]\n\n[parameters]\n'
                    'officers_per_day = {}\nstop_effectiveness = { low = 0.05, high = 0.2 }\n\n'
                    '[fixed]\ngang_disruption = 0.2\n')
    s = ex.SweepSpec.load(path)
    assert s.design == "lhs" and s.samples == 6 and s.replicates == 2 and s.seed == 5
    assert s.parameters[0] == ex.Factor("officers_per_day", 0.0, 5000.0)
    assert s.parameters[1] == ex.Factor("stop_effectiveness", 0.05, 0.2)
    assert s.fixed == {"gang_disruption": 0.2} and s.outputs == ("arrivals",)
    assert ex.sweep(path, samples=2, replicates=1, days=7, fixed={}, executor="inprocess",
                    progress=False).summary.shape[0] == 2  # settings given to sweep() win
    with pytest.raises(ParameterError, match="unknown sweep setting 'replicate'"):
        ex.sweep(path, replicate=1)
    assert ex.SweepSpec.create(**{"parameters": {p.name: p.describe() for p in s.parameters}},
                               **{k: v for k, v in s.to_dict().items() if k != "parameters"}) == s


# ------------------------------------------------------------------------------------ sweeps
def test_sweep_rows_carry_parameters_and_common_random_numbers():
    res = ex.sweep({"officers_per_day": [300.0, 3000.0], "bf_vessels": [2, 6]}, replicates=2,
                   seed=1, fixed={"gang_disruption": 0.1}, **FAST)
    s = res.summary
    assert len(s) == 8 and list(s.columns[:5]) == ["point", "replicate", "seed", "officers_per_day",
                                                   "bf_vessels"]
    assert "gang_disruption" not in s
    # replicate r has the same seed at every point
    assert (s.groupby("replicate")["seed"].nunique() == 1).all()
    assert s.groupby("replicate")["seed"].first().tolist() == [ex.run_seed(1, 0), ex.run_seed(1, 1)]
    # each row is what simulate gives for its parameters and seed
    row = s.iloc[5]
    daily = channelsim.simulate(days=DAYS, seed=int(row.seed), officers_per_day=row.officers_per_day,
                                bf_vessels=int(row.bf_vessels), gang_disruption=0.1)
    assert row.arrivals == daily["arrivals"].sum() and row.stopped == daily["stopped"].sum()
    # more police stop more on average
    means = res.means()
    assert (means.groupby("officers_per_day")["stopped_share"].mean().diff().dropna() > 0).all()
    independent = ex.sweep({"officers_per_day": [300.0, 3000.0]}, replicates=2, seed=1,
                           common_random_numbers=False, **FAST)
    assert independent.summary["seed"].nunique() == 4


# ------------------------------------------------------------------- store, resume, failures
def _count_runs(monkeypatch, fail_when=None, interrupt_after=None):
    """Replace the model call of the work unit (in this process) with one that records its
    parameters and can fail or be interrupted."""
    calls: list[dict] = []
    real = runs_module.simulate

    def counted(scenario=None, **kw):
        if interrupt_after is not None and len(calls) >= interrupt_after:
            raise KeyboardInterrupt
        calls.append(kw)
        if fail_when is not None and fail_when(kw):
            raise RuntimeError("boat supply exhausted")
        return real(scenario, **kw)

    monkeypatch.setattr(runs_module, "simulate", counted)
    return calls


SPEC = dict(parameters={"officers_per_day": [400.0, 800.0, 1600.0], "bf_vessels": [2, 6]},
            replicates=2, seed=3)


def test_interrupted_sweep_resumes_without_recomputing(tmp_path, monkeypatch):
    reference = ex.sweep(SPEC["parameters"], replicates=2, seed=3, **FAST).summary
    out = tmp_path / "sweep"
    _count_runs(monkeypatch, interrupt_after=5)
    with pytest.raises(KeyboardInterrupt):
        ex.sweep(SPEC["parameters"], replicates=2, seed=3, out=out, **FAST)
    stored = ex.RunStore(out, json.loads((out / "experiment.json").read_text())).finished()
    assert len(stored) == 5  # every run finished before the interruption is on disk

    monkeypatch.undo()
    calls = _count_runs(monkeypatch)
    resumed = ex.sweep(SPEC["parameters"], replicates=2, seed=3, out=out, **FAST)
    assert len(calls) == 12 - 5
    done_before = set(zip(stored.point, stored.replicate))
    rerun = {(p, r) for p in range(6) for r in range(2)} - done_before
    assert len(rerun) == 7
    pd.testing.assert_frame_equal(resumed.summary, reference, check_dtype=False)

    again = ex.sweep(SPEC["parameters"], replicates=2, seed=3, out=out, **FAST)
    assert len(calls) == 7  # nothing left to do
    pd.testing.assert_frame_equal(again.summary, reference, check_dtype=False)
    assert len(list((out / "runs").glob("*.parquet"))) == 1  # merged once complete

    more = ex.sweep(SPEC["parameters"], replicates=3, seed=3, out=out, **FAST)
    assert len(calls) == 7 + 6  # one more replicate per point; the others are reused
    assert len(more.summary) == 18


def test_csv_store_resumes_and_repairs_a_cut_line(tmp_path, monkeypatch):
    out = tmp_path / "csv"
    first = ex.ensemble(None, 3, seed=2, out=out, format="csv", **FAST)
    runs_csv = out / "runs.csv"
    lines = runs_csv.read_text().splitlines(keepends=True)
    assert len(lines) == 4  # header and three runs
    runs_csv.write_text("".join(lines[:3]) + lines[3][:25])  # the last line was being written
    calls = _count_runs(monkeypatch)
    again = ex.ensemble(None, 3, seed=2, out=out, format="csv", **FAST)
    assert len(calls) == 1
    pd.testing.assert_frame_equal(again.summary, first.summary, check_dtype=False)
    pd.testing.assert_frame_equal(again.daily, first.daily, check_dtype=False)


def test_a_folder_holds_one_experiment(tmp_path):
    out = tmp_path / "ens"
    ex.ensemble(None, 2, seed=2, out=out, **FAST)
    with pytest.raises(ex.ExperimentMismatch, match=r"different experiment \(seed: folder has 2, now 3\)"):
        ex.ensemble(None, 2, seed=3, out=out, **FAST)
    with pytest.raises(ex.ExperimentMismatch, match="days: folder has 21, now 22"):
        ex.ensemble(None, 2, seed=2, out=out, days=22, executor="inprocess", progress=False)
    with pytest.raises(ex.ExperimentMismatch, match="format: folder has 'parquet', now 'csv'"):
        ex.ensemble(None, 2, seed=2, out=out, format="csv", **FAST)
    (tmp_path / "file").write_text("x")
    with pytest.raises(ParameterError, match="is a file: expected a folder"):
        ex.ensemble(None, 2, seed=2, out=tmp_path / "file", **FAST)


def test_a_failing_run_keeps_the_others(tmp_path, monkeypatch):
    out = tmp_path / "sweep"
    calls = _count_runs(monkeypatch, fail_when=lambda kw: kw.get("officers_per_day") == 800.0
                        and kw.get("bf_vessels") == 2 and kw["seed"] == ex.run_seed(3, 1))
    with pytest.warns(ex.RunFailureWarning, match=r"1 of 12 runs failed and 11 were kept; first: "
                                                  r"point 2, replicate 1 \(officers_per_day=800.0, "
                                                  r"bf_vessels=2\): RuntimeError: boat supply exhausted"):
        res = ex.sweep(SPEC["parameters"], replicates=2, seed=3, out=out, **FAST)
    assert len(calls) == 12 and len(res.summary) == 11
    f = res.failures
    assert f[["point", "replicate", "officers_per_day", "bf_vessels"]].values.tolist() == [[2, 1, 800.0, 2]]
    assert f.loc[0, "error"] == "RuntimeError: boat supply exhausted"
    assert "Traceback" in f.loc[0, "traceback"]
    on_disk = pd.read_csv(out / "failures.csv")
    assert on_disk.loc[0, "error"] == "RuntimeError: boat supply exhausted"

    monkeypatch.undo()
    calls = _count_runs(monkeypatch)
    with warnings.catch_warnings():
        warnings.simplefilter("error", ex.RunFailureWarning)
        fixed = ex.sweep(SPEC["parameters"], replicates=2, seed=3, out=out, **FAST)
    assert len(calls) == 1 and len(fixed.summary) == 12 and fixed.failures.empty
    assert not (out / "failures.csv").exists()


def test_a_failing_run_in_an_ensemble(monkeypatch):
    _count_runs(monkeypatch, fail_when=lambda kw: kw["seed"] == ex.run_seed(0, 2))
    with pytest.warns(ex.RunFailureWarning, match="point 0, replicate 2"):
        ens = ex.ensemble(None, 4, **FAST)
    assert ens.summary.index.tolist() == [0, 1, 3]
    assert ens.failures["replicate"].tolist() == [2]
    assert sorted(ens.daily["replicate"].unique()) == [0, 1, 3]
    assert "3 of 4 runs finished, 1 failed" in repr(ens)


@pytest.mark.parametrize("kwargs,message", [
    (dict(n=0), "n=0 is invalid"),
    (dict(seed=-1), "seed=-1 is invalid"),
    (dict(days=0), "days=0 is invalid"),
    (dict(officers_per_dy=5), "unknown parameter 'officers_per_dy'"),
    (dict(bf_vessels=-2), "bf_vessels=-2 is out of range"),
    (dict(executor="threads"), "executor='threads' is invalid"),
    (dict(format="xlsx", out="x"), "format='xlsx' is invalid"),
])
def test_bad_ensemble_arguments(kwargs, message, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    args = {"n": 2, "days": DAYS, "executor": "inprocess", "progress": False, **kwargs}
    with pytest.raises(ParameterError, match=message):
        ex.ensemble(None, **args)


def test_specifications_are_checked_however_they_are_made():
    good = ex.SweepSpec(parameters=[ex.Factor("officers_per_day", 400, 1600)], replicates=2)
    assert good.parameters[0].low == 400.0 and good.replicates == 2
    with pytest.raises(ex.SpecError, match="replicates=0 is invalid: expected a whole number >= 1"):
        ex.SweepSpec(parameters=["officers_per_day"], replicates=0)
    with pytest.raises(ex.SpecError, match="replicates=-1 is invalid"):
        good.model_copy(update={"replicates": -1})
    with pytest.raises(ex.SpecError, match="unknown sweep setting 'weather'"):
        good.model_copy(update={"weather": "gales.csv"})
    with pytest.raises(ex.SpecError, match="seed=True is invalid"):
        ex.SweepSpec.model_validate({"parameters": ["officers_per_day"], "seed": True})
    with pytest.raises(ex.SpecError, match="days=0 is invalid"):
        ex.SweepSpec(parameters=["officers_per_day"], days=0)
    with pytest.raises(ParameterError, match="unknown parameter 'oficers_per_day'"):
        ex.Factor("oficers_per_day")
    with pytest.raises(ex.SpecError, match="officers_per_day: low='400' is invalid: expected a number"):
        ex.Factor("officers_per_day", "400", 1600)
    with pytest.raises(ex.SpecError, match="levels=1 is invalid"):
        ex.Factor("officers_per_day", levels=1)
    schema = ex.SweepSpec.model_json_schema()["properties"]
    assert schema["replicates"]["minimum"] == 1 and schema["levels"]["minimum"] == 2
    assert schema["design"]["enum"] == ["grid", "lhs", "sobol"]
