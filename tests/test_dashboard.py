"""The dashboard's logic without a browser: controls generated from the registry, controls that
reach the model, step / reset / play, the scenario picker, clear rejection of bad values, a
failed run that keeps the previous results, comparison and export.

Runs are short (60 days) so that the whole file stays quick; without a kernel event loop the
dashboard runs in background threads and ``wait()`` blocks until the latest change is drawn.
"""

from __future__ import annotations

import datetime as dt
import json
import time

import numpy as np
import pandas as pd
import pytest

pytest.importorskip("ipywidgets")

import channelsim  # noqa: E402
from channelsim.dashboard import ControlValueError, Dashboard  # noqa: E402
from channelsim.dashboard.figures import band_arrays  # noqa: E402
from channelsim.params import REGISTRY, ParameterError  # noqa: E402

DAYS = 60
PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"


def make_dashboard(scenario=None, **kwargs) -> Dashboard:
    kwargs.setdefault("days", DAYS)
    dash = Dashboard(scenario, debounce_seconds=0.05, **kwargs)
    dash.wait()
    return dash


@pytest.fixture
def dash():
    d = make_dashboard(seed=3)
    yield d
    d.close()


@pytest.fixture(scope="module")
def untouched():
    """A dashboard shared by the tests that leave it as they found it."""
    d = make_dashboard(seed=3)
    yield d
    d.close()


def test_every_registry_parameter_has_a_control_with_its_bounds_unit_and_default(untouched):
    dash = untouched
    assert list(dash.sliders) == [s.name for s in REGISTRY]
    for s in REGISTRY:
        w = dash.sliders[s.name]
        assert w.value == s.default, s.name
        assert s.description in w.tooltip and s.source in w.tooltip
        if s.unit and s.kind not in ("date",):
            assert f"({s.unit})" in w.description, s.name
        if s.kind in ("float", "int"):
            assert (w.min, w.max) == (s.low, s.high), s.name
            # showing the default never rounds it
            assert (s.default - s.low) / w.step == pytest.approx(round((s.default - s.low) / w.step)), s.name
        if s.kind == "choice":
            assert tuple(w.options) == s.choices
    groups = dash.controls.accordion.titles
    assert any(t.startswith("French police") for t in groups)
    assert any(t.startswith("Policy: one in, one out") for t in groups)


def test_setting_a_slider_changes_the_model_and_reruns_the_period(dash):
    before = dash.daily.copy()
    dash.sliders["officers_per_day"].value = 2400
    assert dash.model.params.officers_per_day == 2400.0
    dash.wait()
    assert dash.settings.overrides == {"officers_per_day": 2400.0}
    # the charts show exactly the run channelsim.simulate gives for these settings and seed
    expected = channelsim.simulate(days=DAYS, seed=3, officers_per_day=2400)
    pd.testing.assert_frame_equal(dash.daily, expected)
    assert dash.daily["stopped"].sum() / dash.daily["attempts"].sum() > \
        before["stopped"].sum() / before["attempts"].sum()
    assert dash.last_update_seconds is not None and dash.last_update_seconds > 0
    assert "officers_per_day" in dash.controls.changes.value


def test_a_run_superseded_by_a_newer_change_is_discarded(dash):
    for value in (1000, 1500, 3000):
        dash.sliders["officers_per_day"].value = value
    dash.wait()
    pd.testing.assert_frame_equal(dash.daily, channelsim.simulate(days=DAYS, seed=3, officers_per_day=3000))


def test_step_advances_the_live_model_and_its_readouts(dash):
    model = dash.model
    map_before, charts_before = dash.map_image.value, dash.charts_image.value
    dash.step(5)
    assert dash.model is model and model.steps == 5
    assert model.date == dt.date(2024, 1, 5)
    assert "Fri 05 Jan 2024" in dash.date_label.value
    assert dash.map_image.value != map_before  # the map shows the day
    assert dash.charts_image.value != charts_before  # the cursor moved
    dash.step()
    assert model.steps == 6
    with pytest.raises(ParameterError, match="days=0"):
        dash.step(0)


def test_the_live_model_walks_through_the_same_days_as_the_charts(dash):
    dash.step(40)
    arrivals = int(dash.daily["arrivals"].iloc[:40].sum())
    assert f"arrivals so far <b>{arrivals:,}</b>" in dash.readout.value
    assert dash.model.results()["deaths"].sum() == dash.daily["deaths"].iloc[:40].sum()


def test_reset_rebuilds_the_model_from_the_controls(dash):
    dash.step(10)
    dash.sliders["bf_vessels"].value = 9
    dash.reset()
    assert dash.model.steps == 0
    assert dash.model.params.bf_vessels == 9
    assert "before the first day" in dash.date_label.value
    dash.step()
    assert len(dash.model.vessels) == 9


def test_play_animates_day_by_day_until_paused(dash):
    dash.speed.value = 30
    dash.play()
    assert dash.play_button.value is True and dash.play_button.description == "Pause"
    deadline = time.monotonic() + 20
    while dash.model.steps < 4 and time.monotonic() < deadline:
        time.sleep(0.02)
    dash.pause()
    time.sleep(0.3)  # the day being drawn finishes
    stopped_at = dash.model.steps
    time.sleep(0.3)
    assert stopped_at >= 4 and dash.model.steps == stopped_at
    assert dash.play_button.value is False and dash.play_button.description == "Play"


def test_the_scenario_picker_loads_a_scenario():
    dash = make_dashboard()
    try:
        scen = channelsim.scenarios.get("pilot_scaled")
        dash.scenario_picker.value = "pilot_scaled"
        assert dash.sliders["weekly_return_cap"].value == 800
        assert dash.sliders["detention_places"].value == 3000
        assert dash.sliders["pilot_enabled"].value is True
        assert dash.start_picker.value == scen.start and dash.days_box.value == scen.days
        assert "All parameters as in pilot_scaled" in dash.controls.changes.value
        assert dash.model.params.weekly_return_cap == 800 and dash.model.start == scen.start
        dash.days_box.value = DAYS
        dash.wait()
        assert dash.daily.index[0] == pd.Timestamp(scen.start) and len(dash.daily) == DAYS
        pd.testing.assert_frame_equal(dash.daily, channelsim.simulate("pilot_scaled", days=DAYS, seed=1))
        dash.sliders["weekly_return_cap"].value = 100
        assert "weekly_return_cap</b>: 800 → 100" in dash.controls.changes.value
        assert "<b>" in dash.sliders["weekly_return_cap"].description  # highlighted
    finally:
        dash.close()


@pytest.mark.parametrize("name, value, message", [
    ("officers_per_day", -5, "officers_per_day=-5 is out of range: expected a number between 0 and 5000"),
    ("officers_per_day", "many", "officers_per_day='many' is invalid"),
    ("officers_per_day", float("nan"), "officers_per_day=nan is not finite"),
    ("n_gangs", 2.5, "n_gangs=2.5 is not an integer"),
    ("detention_rule", "everyone", "detention_rule='everyone' is invalid: expected one of 'random', 'returnees_first'"),
    ("sea_interceptions", "yes", "sea_interceptions='yes' is invalid: expected true or false"),
])
def test_controls_reject_bad_values_clearly_and_keep_their_value(untouched, name, value, message):
    dash = untouched
    before = dash.sliders[name].value
    with pytest.raises(ControlValueError, match=message.replace("(", r"\(").replace(")", r"\)")):
        dash.sliders[name].value = value
    assert dash.sliders[name].value == before
    assert isinstance(ControlValueError("x"), ParameterError)


def test_a_value_sent_by_the_browser_out_of_range_is_rolled_back(untouched):
    dash = untouched
    with pytest.raises(ControlValueError):
        dash.sliders["officers_per_day"].set_state({"value": 99999})
    assert dash.sliders["officers_per_day"].value == 800.0


def test_inconsistent_settings_show_an_error_and_keep_the_previous_results(dash):
    daily, params = dash.daily, dash.model.params
    dash.sliders["pilot_end"].value = dt.date(2020, 1, 1)
    assert "pilot_end=2020-01-01 is before pilot_start" in dash.last_error
    assert "pilot_end=2020-01-01" in dash.status.value
    assert dash.daily is daily and dash.model.params == params
    dash.sliders["pilot_end"].value = dt.date(2026, 6, 30)  # fixed: runs again
    dash.wait()
    assert dash.last_error is None


def test_a_failed_run_shows_the_error_and_keeps_the_previous_results(tmp_path):
    weather = pd.Series(4.0, index=pd.date_range("2024-01-01", periods=DAYS + 10, freq="D"))
    dash = make_dashboard(weather=weather)
    try:
        daily = dash.daily
        assert len(daily) == DAYS
        dash.days_box.value = DAYS + 30  # beyond the weather series
        dash.wait()
        assert "The run failed" in dash.status.value and "no value for 2024-03-11" in dash.last_error
        assert "still show the previous run" in dash.last_error
        assert dash.daily is daily
        assert dash.charts_image.value[:8] == PNG_SIGNATURE
    finally:
        dash.close()


def test_the_charts_are_updated_not_rebuilt(dash):
    figure, artists = dash.charts.figure, list(dash.charts.figure.axes[0].get_children())
    bars_before = dash.charts.arrivals.get_data().values.copy()
    dash.sliders["inflow_per_year"].value = 90000
    dash.wait()
    assert dash.charts.figure is figure
    assert list(dash.charts.figure.axes[0].get_children()) == artists
    assert not np.array_equal(dash.charts.arrivals.get_data().values, bars_before)
    weekly = channelsim.aggregate(dash.daily, "week")
    shown = dash.charts.arrivals.get_data().values
    # full weeks are shown as they are; partial first/last weeks as a rate per 7 days
    np.testing.assert_allclose(shown[1:-1], weekly["arrivals"].to_numpy()[1:-1])


def test_export_writes_the_run_and_the_figures(dash, tmp_path):
    dash.step(3)
    folder = dash.export(tmp_path / "out")
    daily = pd.read_csv(folder / "daily.csv", index_col="date", parse_dates=True)
    assert len(daily) == DAYS and daily["arrivals"].sum() == dash.daily["arrivals"].sum()
    for name in ("charts.png", "map.png"):
        data = (folder / name).read_bytes()
        assert data[:8] == PNG_SIGNATURE and len(data) > 10_000
    settings = json.loads((folder / "settings.json").read_text())
    assert settings["seed"] == 3 and settings["days"] == DAYS
    assert settings["parameters"]["officers_per_day"] == 800.0
    assert str(folder) in dash.export_result.value
    blocker = tmp_path / "a_file"
    blocker.write_text("x")
    dash.export_folder.value = str(blocker / "sub")
    dash.export_button.click()
    assert "cannot export to" in dash.last_error and "a_file" in dash.last_error


def test_compare_draws_both_settings_as_ensemble_bands(dash):
    dash.days_box.value = 30
    dash.wait()
    runs = dash.compare("pilot_scaled", runs=2).result(timeout=120)
    assert set(runs["settings"]) == {"registry defaults", "pilot_scaled"}
    assert len(runs) == 2 * 2 * 30
    assert runs.groupby("settings")["replicate"].nunique().tolist() == [2, 2]
    assert dash.compare_image.value[:8] == PNG_SIGNATURE
    assert "pilot_scaled" in dash.compare_table.value
    current = runs[runs["settings"] == "registry defaults"]
    x, low, mid, high = band_arrays(current, "arrivals", cumulative=True)
    assert np.all(low <= mid) and np.all(mid <= high) and len(x) == 30


def test_the_dashboard_displays_as_a_widget(untouched):
    dash = untouched
    bundle = dash._repr_mimebundle_()
    assert "application/vnd.jupyter.widget-view+json" in bundle
    assert bundle["application/vnd.jupyter.widget-view+json"]["model_id"] == dash.widget.model_id


def test_bad_constructor_arguments_are_named():
    with pytest.raises(ParameterError, match="days=0 is invalid"):
        Dashboard(days=0)
    with pytest.raises(ParameterError, match="seed=-1 is invalid"):
        Dashboard(seed=-1)
    with pytest.raises(ParameterError, match="unknown scenario 'nowhere'"):
        Dashboard("nowhere")


def test_a_scenario_of_ones_own_joins_the_picker(dash, tmp_path):
    mine = channelsim.scenarios.Scenario("more_vessels", "Twice the Border Force fleet",
                                         start=dt.date(2024, 3, 1), days=DAYS, params={"bf_vessels": 8})
    path = channelsim.scenarios.save(mine, tmp_path / "more_vessels.toml")
    dash.load_scenario(path)
    assert dash.scenario_picker.value == "more_vessels"
    assert "more_vessels" in [value for _, value in dash.scenario_picker.options]
    assert dash.sliders["bf_vessels"].value == 8 and dash.start_picker.value == dt.date(2024, 3, 1)
    assert "Twice the Border Force fleet" in dash.scenario_info.value
    dash.wait()
    assert dash.daily.index[0] == pd.Timestamp("2024-03-01")
    dash.scenario_picker.value = ""  # back to the registry defaults
    assert dash.sliders["bf_vessels"].value == REGISTRY_DEFAULTS["bf_vessels"]
    assert dash.start_picker.value == dt.date(2024, 1, 1)


REGISTRY_DEFAULTS = {s.name: s.default for s in REGISTRY}
