"""Calibration: the packaged targets copy the published record, the distance means what it says,
bad targets and parameters are named, and a fit recovers parameters the model itself generated."""

from __future__ import annotations

import pandas as pd
import pytest

import channelsim
from channelsim import calibration
from channelsim.params import ParameterError
from channelsim.validation import load_facts


def test_packaged_targets_copy_the_published_record():
    targets = calibration.load_targets()
    facts = load_facts()
    assert set(targets.output) <= set(calibration.OUTPUTS)
    for name, t in targets.iterrows():
        rows = facts[(facts.fact == t.fact) & (facts.period == t.period)]
        assert len(rows), f"{name}: no row {t.fact!r} for {t.period!r} in channel_facts.csv"
        published = rows.value.astype(float)
        # a single figure is copied as it is; two counts of the same thing give the range
        assert t.low == pytest.approx(published.min()) and t.high == pytest.approx(published.max()) \
            or t.value == pytest.approx(published.iloc[0]), name
        assert t.source and t.tolerance_basis and t.tolerance > 0, name
    calibrated = targets[targets.calibrate]
    assert set(calibrated.index) == {"arrivals_2024", "people_per_boat_2024", "stopped_share_2024",
                                     "deaths_2024"}
    assert targets.loc["stopped_share_2024", ["low", "high"]].tolist() == [0.40, 0.50]
    assert targets.loc["deaths_2024", ["low", "high"]].tolist() == [73, 78]


def test_distance_counts_tolerances_squared():
    targets = calibration.load_targets()
    targets = targets[targets.calibrate]
    exact = targets["value"].copy()
    assert calibration.distance(exact, targets) == 0.0
    off = exact.copy()
    off["arrivals_2024"] += 2 * targets.loc["arrivals_2024", "tolerance"]
    off["deaths_2024"] -= targets.loc["deaths_2024", "tolerance"]
    assert calibration.distance(off, targets) == pytest.approx(4.0 + 1.0)
    # an ensemble counts through its mean
    runs = pd.DataFrame([exact + targets["tolerance"], exact - targets["tolerance"]])
    assert calibration.distance(runs, targets) == pytest.approx(0.0)
    with pytest.raises(calibration.TargetsError, match="deaths_2024"):
        calibration.distance(exact.drop("deaths_2024"), targets)


def test_outputs_are_measured_over_each_target_window():
    daily = channelsim.simulate(days=40, start="2024-06-01", seed=3)
    targets = calibration.load_targets(pd.DataFrame({
        "target": ["june", "july_weekly", "june_boats"],
        "output": ["arrivals", "arrivals_per_week", "people_per_boat"],
        "value": [1, 1, 1], "tolerance": [1, 1, 1],
        "start": ["2024-06-01", "2024-07-01", "2024-06-01"],
        "end": ["2024-06-30", "2024-07-10", "2024-06-30"]}))
    got = calibration.measure(daily, targets)
    june = daily.loc["2024-06"]
    assert got["june"] == june["arrivals"].sum()
    assert got["july_weekly"] == pytest.approx(daily.loc["2024-07-01":"2024-07-10", "arrivals"].sum() * 7 / 10)
    assert got["june_boats"] == pytest.approx((june.people_per_boat * june.boats).sum() / june.boats.sum())
    late = targets.copy()
    late.loc["june", "end"] = pd.Timestamp("2024-08-01").date()
    with pytest.raises(calibration.TargetsError, match="'june' needs 2024-06-01 to 2024-08-01"):
        calibration.measure(daily, late)


def test_a_bad_targets_file_is_named_with_its_line_and_column(tmp_path):
    path = tmp_path / "mine.csv"
    path.write_text("# my targets\ntarget,output,value,tolerance,start,end\n"
                    "a,arrivals,100,10,2024-01-01,2024-01-31\n"
                    "b,arivals,100,10,2024-01-01,2024-01-31\n")
    with pytest.raises(calibration.TargetsError, match=r"mine\.csv, line 4, column output: 'arivals'"):
        calibration.load_targets(path)
    path.write_text("target,output,value,tolerance,start,end\na,deaths,70,0,2024-01-01,2024-12-31\n")
    with pytest.raises(calibration.TargetsError, match=r"line 2, column tolerance: '0'.*> 0"):
        calibration.load_targets(path)
    path.write_text("target,output,value,tolerance,start,end\na,deaths,70,5,2024-12-31,2024-01-01\n")
    with pytest.raises(calibration.TargetsError, match="line 2: end=2024-01-01 is before start"):
        calibration.load_targets(path)
    path.write_text("target,output,value,start,end\n")
    with pytest.raises(calibration.TargetsError, match="line 1: no column 'tolerance'"):
        calibration.load_targets(path)


def test_bad_calibration_requests_are_refused_before_any_run():
    with pytest.raises(ParameterError, match="did you mean 'inflow_per_year'"):
        calibration.calibrate(["inflow_per_yer"])
    with pytest.raises(ParameterError, match="n_gangs is not a continuous parameter"):
        calibration.calibrate(["n_gangs"])
    with pytest.raises(ParameterError, match=r"bounds\['stop_effectiveness'\] upper bound 2"):
        calibration.calibrate(["stop_effectiveness"], bounds={"stop_effectiveness": (0.05, 2)})
    targets = calibration.load_targets()
    with pytest.raises(ParameterError, match="fitting 2 parameters needs at least as many targets"):
        calibration.calibrate(["inflow_per_year", "stop_effectiveness"], targets.iloc[:1])
    with pytest.raises(ParameterError, match="inflow_per_year is both fitted and fixed"):
        calibration.calibrate(["inflow_per_year"], inflow_per_year=30000)


def test_calibration_recovers_parameters_from_targets_the_model_generated():
    """Targets made by the model at known values are fitted back from the defaults to within a
    few percent, and the 90% intervals hold the truth (an identical-twin experiment: the targets
    and the fit share their seeds, so that the weather of the runs is the same)."""
    # Beach stops saturate as effectiveness grows (1 - exp(-k x)): the share stopped identifies
    # it best below the calibrated value (above it gangs shift launches to taxi boats, which beach
    # police cannot stop), so the truth is set there.
    truth = {"inflow_per_year": 56000.0, "stop_effectiveness": 0.06}
    window = {"start": "2024-05-01", "end": "2024-08-28"}  # 120 summer days
    frame = pd.DataFrame({"target": ["arrivals", "camps", "stopped"],
                          "output": ["arrivals", "mean_in_camps", "stopped_share"],
                          "value": 0.0, "tolerance": 1.0, **window})
    synthetic = calibration.ensemble_outputs(calibration.load_targets(frame), n=3, seed=4, **truth)
    frame["value"] = synthetic.mean().to_numpy()
    frame["tolerance"] = [0.03 * frame.loc[0, "value"], 0.03 * frame.loc[1, "value"], 0.02]

    start = {"inflow_per_year": 44500.0, "stop_effectiveness": 0.1}  # away from the truth
    result = calibration.calibrate(list(truth), frame, n=3, seed=4, start=start)

    assert result.start == start
    assert result.fitted["inflow_per_year"] == pytest.approx(truth["inflow_per_year"], rel=0.05)
    assert result.fitted["stop_effectiveness"] == pytest.approx(truth["stop_effectiveness"], rel=0.12)
    for name, value in truth.items():
        low, high = result.interval[name]
        assert low < value < high, f"{name}: {value} outside its 90% interval ({low}, {high})"
    assert result.distance < result.start_distance / 10
    assert result.serves == {"inflow_per_year": "camps", "stop_effectiveness": "stopped"}
    assert list(result.table().index) == list(truth)
    assert result.evaluations == len(result.history) <= 40
