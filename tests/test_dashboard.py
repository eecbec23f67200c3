"""The dashboard's logic without a browser: controls generated from the registry, controls that
reach the model, charts that fill in as a run is computed, the live model that keeps its day,
step / reset / play, the scenario picker and its confirmation, clear refusal of bad values, a
failed run that keeps the previous results, the map's snapshot, comparison and downloads.

Runs are short (60 days) so that the whole file stays quick; without a kernel event loop the
dashboard runs in background threads and ``wait()`` blocks until the latest change is drawn.
"""

from __future__ import annotations

import datetime as dt
import html
import json
import os
import time
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

pytest.importorskip("ipywidgets")

import channelsim  # noqa: E402
from channelsim.dashboard import ControlValueError, Dashboard, figures  # noqa: E402
from channelsim.dashboard.controls import label, source_in_words, tooltip  # noqa: E402
from channelsim.dashboard.figures import policy_periods, weekly_totals  # noqa: E402
from channelsim.dashboard.snapshot import snapshot  # noqa: E402
from channelsim.params import REGISTRY, ParameterError  # noqa: E402
from channelsim.policies import OneInOneOut  # noqa: E402

DAYS = 60


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
    assert sorted(dash.sliders) == sorted(s.name for s in REGISTRY)  # every one, grouped as the panel shows them
    for s in REGISTRY:
        w, row = dash.sliders[s.name], dash.controls.rows[s.name]
        assert w.value == s.default, s.name
        assert s.description in row.label.tooltip and source_in_words(s.source) in row.label.tooltip
        assert "fact:" not in tooltip(s) and "(1)" not in label(s), s.name
        assert "_" not in label(s), s.name  # a name for people, not the registry key
        if s.kind in ("float", "int"):
            assert w.min == s.low and s.default <= w.max <= s.high, s.name
            if s.low >= 0 and s.default > 0 and s.high - s.low >= max(100, 5 * s.default):  # wide
                assert 3 * s.default <= w.max <= 5 * s.default, s.name  # the track: fine steps
            assert row.box is not None and row.box.value.replace(".0", "") == f"{s.default:.10g}".replace(".0", "")
            # showing the default never rounds it
            assert (s.default - s.low) / w.step == pytest.approx(round((s.default - s.low) / w.step)), s.name
            if s.kind == "float" or w.max - s.low >= 100:  # fine enough steps on wide ranges
                assert (w.max - s.low) / w.step >= 100, s.name
        if s.kind == "choice":
            assert tuple(w.options) == s.choices
    assert label(channelsim.params.spec("officers_per_day")) == "Officers on the coast per day (officers)"
    assert "published figure" in source_in_words(channelsim.params.spec("beaufort7_days_per_year").source)
    groups = dash.controls.accordion.titles
    assert any(t.startswith("French police") for t in groups)
    assert any(t.startswith("Policy: one in, one out") for t in groups)


def test_a_change_reruns_the_period_and_the_live_model_keeps_its_day(dash):
    before = dash.daily.copy()
    dash.step(7)
    dash.sliders["officers_per_day"].value = 2400
    dash.wait()
    assert dash.settings.overrides == {"officers_per_day": 2400.0}
    # the charts show exactly the run channelsim.simulate gives for these settings and seed
    expected = channelsim.simulate(days=DAYS, seed=3, officers_per_day=2400)
    pd.testing.assert_frame_equal(dash.daily, expected)
    assert dash.daily["stopped"].sum() / dash.daily["attempts"].sum() > \
        before["stopped"].sum() / before["attempts"].sum()
    # the live model is back on day 7, under the new settings
    assert dash.model.steps == 7 and dash.model.params.officers_per_day == 2400
    pd.testing.assert_frame_equal(dash.model.results(), expected.iloc[:7])
    assert 0 < dash.last_first_update_seconds <= dash.last_update_seconds
    assert channelsim.params.spec("officers_per_day").label in dash.controls.changes.value


def test_a_run_superseded_by_a_newer_change_is_discarded(dash):
    for value in (1000, 1500, 3000):
        dash.sliders["officers_per_day"].value = value
    dash.wait()
    pd.testing.assert_frame_equal(dash.daily, channelsim.simulate(days=DAYS, seed=3, officers_per_day=3000))


def test_the_charts_fill_in_as_days_are_computed_over_a_faint_previous_run():
    dash = Dashboard(days=DAYS, seed=3, debounce_seconds=0.0, update_seconds=0.0)
    try:
        dash.wait()
        first = dash.daily
        drawn = []
        show = dash.charts.show
        dash.charts.show = lambda daily, **kw: (drawn.append(len(daily)), show(daily, **kw))
        dash.sliders["inflow_per_year"].value = 90000
        dash.wait()
        assert drawn[0] < DAYS and drawn[-1] == DAYS and drawn == sorted(drawn), drawn
        data = dash.charts.widget.data
        previous = data[dash.charts.slots["prev:arrivals"]]
        current = data[dash.charts.slots["arrivals"]]
        weeks_before = weekly_totals(first, ["arrivals"])
        weeks_now = weekly_totals(dash.daily, ["arrivals"])
        np.testing.assert_array_equal(previous.y, weeks_before["arrivals"].to_numpy(float))
        np.testing.assert_array_equal(current.y, weeks_now["arrivals"].to_numpy(float))
        assert previous.marker.color != current.marker.color  # drawn in grey, faintly
        assert previous.opacity < 1
    finally:
        dash.close()


def test_partial_weeks_are_shown_as_such_not_scaled_to_seven_days():
    days = pd.date_range("2024-07-03", periods=12, freq="D")  # Wednesday to the next Sunday
    daily = pd.DataFrame({"arrivals": np.arange(12.0) * 10, "boats": 1.0, "people_per_boat": 50.0},
                         index=days)
    weeks = weekly_totals(daily, ["arrivals", "boats"])
    assert weeks["days"].tolist() == [5, 7]
    assert weeks["arrivals"].tolist() == [daily["arrivals"].iloc[:5].sum(), daily["arrivals"].iloc[5:].sum()]
    assert weeks["start"].iloc[0] == pd.Timestamp("2024-07-03")
    assert weeks["people_per_boat"].tolist() == [50.0, 50.0]


def test_the_pilot_announced_weekly_returns_never_exceed_the_weekly_cap():
    dash = make_dashboard("pilot_announced", days=None, seed=1)
    try:
        cap = dash.params.weekly_return_cap
        returned = dash.charts.widget.data[dash.charts.slots["returned"]]
        assert max(returned.y) <= cap
        shapes = dash.charts.widget.layout.shapes
        pilot = [s for s in shapes if s.type == "rect"]
        s = dash.settings
        (start, end, name), *_ = policy_periods(s.scenario, s.start, s.end)
        pilot_policy, = [p for p in s.scenario.make_policies(s.params) if isinstance(p, OneInOneOut)]
        assert (start, end) == (pilot_policy.start, min(pilot_policy.end, s.end)) and "pilot" in name
        assert pilot and pd.Timestamp(pilot[0].x0) == pd.Timestamp(start)
    finally:
        dash.close()


def test_step_advances_the_live_model_the_map_and_the_readouts(dash):
    model = dash.model
    dash.step(5)
    assert dash.model is model and model.steps == 5
    assert model.date == dt.date(2024, 1, 5)
    assert "Fri 05 Jan 2024" in dash.date_label.value
    assert "Fri 05 Jan 2024" in dash.map.widget.layout.title.text
    assert dash.charts.cursor == dt.date(2024, 1, 5)
    with pytest.raises(ParameterError, match="days=0"):
        dash.step(0)


def test_the_map_shows_each_boat_at_sea_with_what_a_hover_reads(dash):
    for _ in range(DAYS):
        dash.step()
        if dash.model.boats_today:
            break
    boats = dash.model.boats_today
    assert boats, "no launch in the period"
    at_sea = [b for b in boats if b.outcome != "stopped"]
    hour = float(at_sea[0].launch_hour) + 0.25
    dash.player.hour.value = round(hour * 2) / 2 if round(hour * 2) / 2 < at_sea[0].end_hour else hour
    snap = dash.snapshot()
    expected = sum(b.outcome != "stopped" and b.launch_hour <= snap.hour < b.end_hour for b in boats)
    assert len(snap.boats) == expected > 0
    shown = dash.map.boats.customdata
    assert len(shown) == expected
    load, _gang, point, _mode, status = shown[0]
    assert load == snap.boats[0].load and status.startswith("at sea since")
    assert point in set(channelsim.geography.geography().points.label)
    # every police unit on duty and every vessel can be read
    assert len(dash.map.police.customdata) == sum(u.point >= 0 for u in dash.model.police_units)
    assert len(dash.map.vessels.x) == len(dash.model.vessels)
    assert sum(dash.map.camps.customdata) == len(dash.model.population.where(channelsim.State.IN_CAMP))


def test_snapshot_refuses_an_hour_outside_the_day(untouched):
    with pytest.raises(ValueError, match="hour=25 is invalid"):
        snapshot(untouched.model, 25)


def test_the_live_model_walks_through_the_same_days_as_the_charts(dash):
    dash.step(40)
    arrivals = int(dash.daily["arrivals"].iloc[:40].sum())
    assert f"arrivals <b>{arrivals:,}</b>" in dash.readout.value
    assert dash.model.results()["deaths"].sum() == dash.daily["deaths"].iloc[:40].sum()


def test_reset_rebuilds_the_model_from_the_controls(dash):
    dash.step(10)
    dash.sliders["bf_vessels"].value = 9
    dash.wait()
    dash.reset()
    assert dash.model.steps == 0
    assert dash.model.params.bf_vessels == 9
    assert "before the first day" in dash.date_label.value
    dash.step()
    assert len(dash.model.vessels) == 9


def test_play_animates_day_by_day_until_paused(dash):
    dash.player.speed.value = 30
    dash.play()
    button = dash.player.play_button
    assert button.value is True and button.description == "Pause"
    deadline = time.monotonic() + 20
    while dash.model.steps < 4 and time.monotonic() < deadline:
        time.sleep(0.02)
    dash.pause()
    time.sleep(0.3)  # the day being drawn finishes
    stopped_at = dash.model.steps
    time.sleep(0.3)
    assert stopped_at >= 4 and dash.model.steps == stopped_at
    assert button.value is False and button.description == "Play"
    # while playing, the charts were drawn up to the live model's day; now the whole period
    assert len(dash.charts.widget.data[dash.charts.slots["in_camps"]].x) == DAYS


def test_the_scenario_picker_loads_a_scenario():
    dash = make_dashboard()
    try:
        scen = channelsim.scenarios.get("pilot_scaled")
        dash.scenario_picker.value = "pilot_scaled"
        assert dash.confirm.layout.display == "none"  # nothing edited: nothing to confirm
        assert dash.sliders["weekly_return_cap"].value == 800
        assert "pilot_enabled" not in dash.sliders  # the pilot is the scenario's policy
        assert dash.start_picker.value == scen.start and dash.days_box.value == scen.days
        assert "All parameters as in" in dash.controls.changes.value
        dash.days_box.value = DAYS
        dash.wait()
        assert dash.model.params.weekly_return_cap == 800 and dash.model.start == scen.start
        pd.testing.assert_frame_equal(dash.daily, channelsim.simulate("pilot_scaled", days=DAYS, seed=1))
        dash.sliders["weekly_return_cap"].value = 100
        assert channelsim.params.spec("weekly_return_cap").label in dash.controls.changes.value and "800 → 100" in dash.controls.changes.value
        assert "<b>" in dash.controls.rows["weekly_return_cap"].label.value  # highlighted
        dash.wait()
    finally:
        dash.close()


def test_a_scenario_switch_that_would_discard_edits_asks_first(dash):
    dash.sliders["officers_per_day"].value = 1500
    dash.wait()
    dash.scenario_picker.value = "pilot_scaled"
    assert dash.confirm.layout.display == "flex"
    assert "discards your 1 edited parameter" in dash.confirm_text.value
    assert dash.scenario_picker.value == "" and dash.sliders["officers_per_day"].value == 1500
    dash.confirm_no.click()  # keep the edits
    assert dash.confirm.layout.display == "none" and dash.settings.scenario is None
    assert dash.sliders["officers_per_day"].value == 1500
    dash.scenario_picker.value = "pilot_scaled"
    dash.confirm_yes.click()  # switch
    assert dash.scenario_picker.value == "pilot_scaled" and dash.settings.scenario.name == "pilot_scaled"
    assert dash.sliders["officers_per_day"].value == dash.settings.scenario.make_params().officers_per_day
    dash.wait()


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


@pytest.mark.parametrize("typed, message", [
    ("99999", "officers_per_day=99999.0 is out of range: expected a number between 0 and 5000"),
    ("lots", "officers_per_day='lots' is invalid"),
])
def test_a_number_box_refuses_a_bad_value_with_the_registrys_message(untouched, typed, message):
    row = untouched.controls.rows["officers_per_day"]
    row.box.value = typed
    shown = html.unescape(row.message.value)
    assert message in shown and "Kept 800" in shown
    assert untouched.sliders["officers_per_day"].value == 800.0 and row.box.value == "800"


def test_a_wide_slider_covers_the_usual_values_finely_and_extends_for_a_larger_one(dash):
    w = dash.sliders["officers_per_day"]  # registry: 0 to 5000 officers, default 800
    assert w.max == 2500  # about 10 officers a pixel on a 250 px track, not 20
    dash.controls.rows["officers_per_day"].box.value = "4500"
    assert w.value == 4500.0 and w.max >= 4500
    dash.wait()


def test_a_number_box_sets_an_exact_value_and_reset_brings_back_the_scenarios(dash):
    row = dash.controls.rows["officers_per_day"]
    row.box.value = "1,234"
    assert dash.sliders["officers_per_day"].value == 1234.0 and row.message.value == ""
    row.reset.click()
    assert dash.sliders["officers_per_day"].value == 800.0 and row.box.value == "800"
    dash.wait()
    assert dash.settings.overrides == {}


def test_a_value_sent_by_the_browser_out_of_range_is_rolled_back(untouched):
    dash = untouched
    with pytest.raises(ControlValueError):
        dash.sliders["officers_per_day"].set_state({"value": 99999})
    assert dash.sliders["officers_per_day"].value == 800.0


def test_inconsistent_settings_show_an_error_and_keep_the_previous_results(dash):
    dash.sliders["max_load"].value = 50.0  # alone, and with the other values: fine
    dash.wait()
    daily, params = dash.daily, dash.model.params
    dash.sliders["base_load"].value = 60.0  # fine alone, but above this max_load
    assert "base_load=60.0 is above max_load=50.0" in dash.last_error
    assert "base_load=60.0" in dash.status.value
    assert dash.daily is daily and dash.model.params == params
    dash.sliders["base_load"].value = params.base_load  # fixed: runs again
    dash.wait()
    assert dash.last_error is None


def test_a_failed_run_shows_the_error_and_keeps_the_previous_results():
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
    finally:
        dash.close()


def test_downloads_carry_the_run_and_write_nothing_on_the_server(dash, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    dash.step(3)
    files = {name: (data, mime) for name, data, mime, _ in dash.prepare_downloads()}
    stem = "channelsim-registry_defaults-seed3"
    daily = pd.read_csv(__import__("io").BytesIO(files[f"{stem}-daily.csv"][0]), index_col="date", parse_dates=True)
    assert len(daily) == DAYS and daily["arrivals"].sum() == dash.daily["arrivals"].sum()
    settings = json.loads(files[f"{stem}-settings.json"][0])
    assert settings["seed"] == 3 and settings["days"] == DAYS
    assert settings["parameters"]["officers_per_day"] == 800.0
    for name in (f"{stem}-charts.svg", f"{stem}-map-day3.svg"):
        data, mime = files[name]
        assert mime == "image/svg+xml" and b"<svg" in data[:2000] and len(data) > 10_000
    links = dash.exports.links.value
    assert links.count("download=") == len(files) and "data:text/csv;base64," in links
    assert list(tmp_path.iterdir()) == []


def test_compare_gives_paired_differences_with_intervals_and_counts_its_runs(dash):
    dash.days_box.value = 30
    dash.wait()
    table = dash.compare("pilot_scaled", runs=3).result(timeout=180)
    dash.comparison.wait(10)
    assert {"difference", "low", "high", "relative_difference"} <= set(table.columns)
    assert (table["method"] == "paired t").all() and (table["runs"] == 3).all()
    assert (table["low"] <= table["difference"]).all() and (table["difference"] <= table["high"]).all()
    assert dash.comparison.progress.value == dash.comparison.progress.max == 6
    trace = dash.comparison.figure.widget.data[0]
    assert len(trace.x) == table["relative_difference"].notna().sum()
    assert "Arrivals" in dash.comparison.table.value and "interval" in dash.comparison.table.value
    runs = dash.comparison.runs
    assert runs.groupby("settings")["replicate"].nunique().tolist() == [3, 3]


def test_the_dashboard_displays_as_a_widget(untouched):
    dash = untouched
    bundle = dash._repr_mimebundle_()
    assert "application/vnd.jupyter.widget-view+json" in bundle
    assert bundle["application/vnd.jupyter.widget-view+json"]["model_id"] == dash.widget.model_id
    # a view made later starts from the figures as they are now
    assert len(dash.charts.widget._widget_data[dash.charts.slots["in_camps"]]["x"]) == DAYS


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
    dash.wait()


def test_the_app_serves_a_notebook_of_the_dashboard_on_this_computer_only(tmp_path):
    from channelsim.dashboard.app_server import app_notebook, voila_command

    nb = app_notebook("pilot_announced", seed=4, days=90)
    assert nb["cells"][0]["source"].endswith("Dashboard('pilot_announced', seed=4, days=90)")
    cmd = voila_command(tmp_path / "x.ipynb", 9000, open_browser=False)
    assert "--Voila.ip=127.0.0.1" in cmd and "--port=9000" in cmd and "--no-browser" in cmd
    assert "--template=channelsim" in cmd
    with pytest.raises(ParameterError, match="unknown scenario 'nowhere'"):
        app_notebook("nowhere")
    with pytest.raises(ParameterError, match="port=0 is invalid"):
        voila_command(tmp_path / "x.ipynb", 0)


def test_the_app_template_extends_voilas_page_without_links_to_a_cdn():
    """Voila finds the template on the JUPYTER_PATH that voila_environment sets; the page it
    renders is checked in tests/test_browser.py (no request leaves the computer)."""
    from channelsim.dashboard.app_server import TEMPLATE, voila_environment

    env = voila_environment({"JUPYTER_PATH": "/elsewhere"})
    first, rest = env["JUPYTER_PATH"].split(os.pathsep)
    folder = Path(first) / "voila" / "templates" / TEMPLATE
    assert rest == "/elsewhere" and json.loads((folder / "conf.json").read_text())["base_template"] == "lab"
    page = (folder / "index.html.j2").read_text()
    assert "extends 'voila/templates/lab/index.html.j2'" in page and "super()" in page
    assert "http" not in page  # it links nothing itself
    assert voila_environment({})["JUPYTER_PATH"] == first


REGISTRY_DEFAULTS = {s.name: s.default for s in REGISTRY}


def test_weekly_charts_show_the_largest_load_beside_the_mean():
    daily = channelsim.simulate(days=21, seed=2, start="2024-07-01")
    weeks = figures.weekly_totals(daily, ["arrivals", "boats"])
    with_boats = weeks["boats"] > 0
    assert with_boats.any()
    assert (weeks.loc[with_boats, "largest_load"] >= weeks.loc[with_boats, "people_per_boat"]).all()
    assert (weeks.loc[with_boats, "largest_load"] <= channelsim.Params().max_load).all()
    assert weeks.loc[~with_boats, "largest_load"].isna().all()


def test_the_map_tells_taxi_boats_from_beach_launches():
    assert set(figures.BOAT_SYMBOLS) == set(channelsim.world.gangs.MODES)
    model = channelsim.ChannelModel(start="2024-07-01", rng=4)
    for _ in range(60):  # summer nights until taxi boats and beach launches are out together
        model.step()
        modes = {b.mode for b in model.boats_today if b.outcome != "stopped"}
        if modes == {"beach", "taxi"}:
            break
    else:
        raise AssertionError("no night with both launch modes in 60 summer days")
    shown = figures.MapFigure()
    hours = [b.launch_hour + 0.25 for b in model.boats_today if b.outcome != "stopped"]
    symbols = set()
    for hour in hours:
        shown.show(snapshot(model, hour=min(hour, 24.0)))
        symbols |= set(shown.boats.marker.symbol or ())
    assert {figures.BOAT_SYMBOLS["beach"], figures.BOAT_SYMBOLS["taxi"]} <= symbols
    assert "taxi boat" in figures.MapFigure.legend_html()
