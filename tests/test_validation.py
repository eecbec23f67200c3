"""Validation: baseline ensembles against each record figure, the plain list of misses, and the
2018–2024 history of people per boat against enforcement."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from channelsim import calibration, validation

COLUMNS = ["output", "unit", "period", "record", "record_low", "record_high", "median", "q05",
           "q95", "mean", "relative_error", "inside_band", "calibrated", "source"]


@pytest.fixture(scope="module")
def table() -> pd.DataFrame:
    return validation.validate(n=3, seed=11)


def test_validation_compares_every_record_figure_with_the_ensemble(table):
    targets = calibration.load_targets()
    assert list(table.index) == list(targets.index)
    assert list(table.columns) == COLUMNS
    # the 2024 figures, the windy days and the mid-2025 figures, each from its own window
    assert {"arrivals", "people_per_boat", "stopped_share", "deaths", "uncrossable_days",
            "arrivals_per_week"} <= set(table.output)
    runs = table.attrs["runs"]
    assert len(runs) == 3 and list(runs.columns) == list(targets.index)
    assert (table.q05 <= table["median"]).all() and (table["median"] <= table.q95).all()
    np.testing.assert_allclose(table.relative_error, (table["median"] - table.record) / table.record)
    assert (table.inside_band == ((table.q05 <= table.record) & (table.record <= table.q95))).all()
    assert table.calibrated.tolist() == targets.calibrate.tolist()
    # 366 days of 2024 are each crossable or not; the 2025 windows are 191 days long
    assert 0 < table.loc["uncrossable_days_2024", "median"] < 366
    assert table.loc["arrivals_per_week_2025", "mean"] == pytest.approx(
        runs["arrivals_2025_to_jul10"].mean() * 7 / 191)


def test_bands_and_flags_come_from_the_runs_given():
    targets = calibration.load_targets()
    runs = pd.DataFrame({name: np.linspace(0.5, 1.5, 101) * t.value for name, t in targets.iterrows()})
    runs["arrivals_2024"] *= 0.5  # the record is now above the whole band
    runs["deaths_2024"] *= 3.0  # and below this one
    out = validation.validate(runs=runs)
    assert out.loc["people_per_boat_2024", "median"] == pytest.approx(53.0)
    assert out.loc["people_per_boat_2024", "q05"] == pytest.approx(0.55 * 53.0)
    assert out.loc["people_per_boat_2024", "q95"] == pytest.approx(1.45 * 53.0)
    assert out.loc["arrivals_2024", "relative_error"] == pytest.approx(-0.5)
    assert set(out.index[~out.inside_band]) == {"arrivals_2024", "deaths_2024"}
    lines = validation.discrepancies(out)
    assert len(lines) == 2
    assert lines[0].startswith("arrivals_2024") and "lies above the model's 90% band" in lines[0]
    assert "-50% off (a calibration target)" in lines[0]
    assert lines[1].startswith("deaths_2024") and "lies below" in lines[1]
    with pytest.raises(calibration.TargetsError, match="no column for target 'deaths_2024'"):
        validation.validate(runs=runs.drop(columns="deaths_2024"))


def test_discrepancies_list_exactly_the_figures_outside_their_band(table):
    lines = validation.discrepancies(table)
    missed = list(table.index[~table.inside_band])
    assert [line.split(" ")[0] for line in lines] == missed


def test_history_boats_fill_up_as_enforcement_grows():
    hist = validation.history(officers=(200.0, 800.0, 1400.0), years=(2023, 2024), n=1, seed=5)
    assert list(hist.by_year.index) == [2023, 2024]
    assert hist.by_year.loc[2024, "record_people_per_boat"] == 53
    assert hist.by_year.loc[2023, "record_stopped_share"] == pytest.approx(0.469)
    med = hist.curves()["median"]
    for year in (2023, 2024):
        ppb = med.loc[year, "people_per_boat"]
        stopped = med.loc[year, "stopped_share"]
        assert ppb.loc[1400.0] > ppb.loc[200.0], f"{year}: boats do not fill up with enforcement"
        assert stopped.loc[1400.0] > stopped.loc[200.0]
    row = hist.by_year.loc[2024]
    assert 200.0 < row.implied_officers < 1400.0  # officers that stop the recorded 45%
    assert row.relative_error == pytest.approx((row.model_people_per_boat - 53.0) / 53.0)
    assert row.reproduced == (abs(row.relative_error) <= hist.tolerance)
    assert all(v.startswith(str(y)) for y, v in hist.by_year.verdict.items())
    assert hist.not_reproduced() == list(hist.by_year.verdict[~hist.by_year.reproduced])


def test_history_refuses_years_without_a_record():
    with pytest.raises(ValueError, match="year 2017 has no recorded arrivals"):
        validation.history(years=(2017,), n=1)
