"""Named scenarios: the registry, running them by name, and their TOML form."""

from __future__ import annotations

import datetime as dt

import pytest

import channelsim
from channelsim import scenarios
from channelsim.policies import MaritimeDoctrine, OneInOneOut
from channelsim.scenarios import Scenario, ScenarioError

REQUIRED = ["baseline_2024", "pilot_announced", "pilot_scaled", "sea_interceptions",
            "crackdown_and_disruption", "no_policy_counterfactual"]


def test_the_required_scenarios_exist_with_descriptions():
    names = scenarios.names()
    for name in REQUIRED:
        assert name in names
        scen = scenarios.get(name)
        assert scen.name == name and len(scen.description) > 20


def test_pilot_scenarios_cover_the_pilot_period():
    for name in ("pilot_announced", "pilot_scaled", "sea_interceptions", "crackdown_and_disruption",
                 "no_policy_counterfactual"):
        scen = scenarios.get(name)
        end = scen.start + dt.timedelta(days=scen.days - 1)
        assert scen.start < dt.date(2025, 8, 4) and end >= dt.date(2026, 6, 30)


def test_scenarios_build_the_policies_they_describe():
    p = scenarios.get("pilot_announced").make_params()
    pols = scenarios.get("pilot_announced").make_policies(p)
    assert [type(x) for x in pols] == [OneInOneOut]
    assert pols[0].weekly_return_cap == 50
    scaled = scenarios.get("pilot_scaled")
    assert scaled.make_policies(scaled.make_params())[0].weekly_return_cap == 800
    sea = scenarios.get("sea_interceptions")
    kinds = [type(x) for x in sea.make_policies(sea.make_params())]
    assert kinds == [OneInOneOut, MaritimeDoctrine]
    none = scenarios.get("no_policy_counterfactual")
    assert none.make_policies(none.make_params()) == []


def test_each_call_gets_fresh_policy_objects():
    scen = scenarios.get("pilot_announced")
    p = scen.make_params()
    assert scen.make_policies(p)[0] is not scen.make_policies(p)[0]


def test_simulate_runs_a_scenario_by_name_over_its_period():
    daily = channelsim.simulate("pilot_announced", seed=2, days=30, start="2025-08-01")
    assert daily.index[0] == dt.datetime(2025, 8, 1) and len(daily) == 30
    assert daily.loc["2025-08-04":, "detained"].sum() > 0
    assert daily.loc[:"2025-08-03", "detained"].sum() == 0
    whole = channelsim.build_model("pilot_announced")
    assert whole.start == dt.date(2025, 1, 1)


def test_overrides_apply_on_top_of_a_scenario():
    model = channelsim.build_model("pilot_announced", weekly_return_cap=75)
    assert model.params.weekly_return_cap == 75 and isinstance(model.policies[0], OneInOneOut)
    assert model.policies[0].weekly_return_cap == 75


@pytest.mark.parametrize("name", REQUIRED)
def test_builtin_scenarios_round_trip_through_toml(name, tmp_path):
    scen = scenarios.get(name)
    assert scenarios.loads(scenarios.dumps(scen)) == scen
    path = scenarios.save(scen, tmp_path / f"{name}.toml")
    again = scenarios.load(path)
    assert again == scen
    assert scenarios.dumps(again) == scenarios.dumps(scen)


def test_a_user_scenario_round_trips_exactly(tmp_path):
    scen = Scenario(name="mine", description="A test bundle", start=dt.date(2025, 2, 1), days=90,
                    params={"officers_per_day": 1234.5, "detention_rule": "random"},
                    policies=[{"type": "one_in_one_out", "start": dt.date(2025, 3, 1),
                               "weekly_return_cap": 30},
                              {"type": "maritime_doctrine", "start": dt.date(2025, 4, 1), "rate": 0.25}])
    path = scenarios.save(scen, tmp_path / "mine.toml")
    assert scenarios.load(path) == scen
    daily = channelsim.simulate(path, seed=1)
    assert len(daily) == 90 and daily.index[0] == dt.datetime(2025, 2, 1)


@pytest.mark.parametrize("text, message", [
    ('name = "x"\ncolour = "red"\n', "unknown key 'colour'"),
    ('description = "no name"\n', "missing key 'name'"),
    ('name = "x"\n[params]\nofficers_per_day = -3\n', "officers_per_day=-3 is out of range"),
    ('name = "x"\n[params]\nofficers_per_dy = 3\n', "unknown parameter 'officers_per_dy'"),
    ('name = "x"\n[params]\nn_gangs = nan\n', "n_gangs=nan is not finite"),
    ('name = "x"\ndays = 0\n', "days=0 is invalid"),
    ('name = "x"\nstart = "someday"\n', "start='someday' is invalid"),
    ('name = "x"\n[[policies]]\ntype = "curfew"\n', "policies\\[0\\]: unknown policy type 'curfew'"),
    ('name = "x"\n[[policies]]\ntype = "maritime_doctrine"\nrate = 2.0\n', "rate=2.0 is out of range"),
    ('name = "x"\n[[policies]]\ntype = "maritime_doctrine"\nspeed = 2.0\n', "unknown setting 'speed'"),
    ('name = "x"\n[params\n', "malformed TOML.*line 2"),
])
def test_bad_scenario_files_are_rejected_with_the_culprit_named(text, message, tmp_path):
    path = tmp_path / "bad.toml"
    path.write_text(text)
    with pytest.raises(ScenarioError, match=message) as err:
        scenarios.load(path)
    assert "bad.toml" in str(err.value)


def test_unknown_scenario_names_and_missing_files_are_rejected(tmp_path):
    with pytest.raises(ScenarioError, match="unknown scenario 'pilot_anounced'.*pilot_announced"):
        channelsim.simulate("pilot_anounced", days=5)
    with pytest.raises(ScenarioError, match="missing.toml: cannot read"):
        scenarios.load(tmp_path / "missing.toml")


# ----------------------------------------------------------------------------- doors closed
@pytest.mark.parametrize("text, message", [
    ('name = "x"\ndays = 100000000000\n',
     r"days=100000000000 is invalid: expected a whole number of days from 1 to 109573"),
    ('name = "x"\ndays = 5.0\n', r"days=5.0 is invalid: expected a whole number of days"),
    ('name = "x"\ndays = true\n', r"days=True is invalid"),
    ('name = "x"\ndescription = 5\n', r"description=5 is invalid: expected a string"),
    ('name = ""\n', r"name='' is invalid: expected a non-empty string"),
    ('name = 3\n', r"name=3 is invalid: expected a non-empty string"),
    ('name = "x"\n[params]\nsea_interceptions = "TRUE"\n',
     r"\[params\]: sea_interceptions='TRUE' is invalid: expected true or false"),
    ('name = "x"\n[params]\npilot_enabled = true\n',
     r"\[params\]: pilot_enabled is no longer a parameter: .* add a \[\[policies\]\] entry of "
     r'type "one_in_one_out" \(in a scenario file: \[\[policies\]\] / type = "one_in_one_out"'),
    ('name = "x"\n[[policies]]\ntype = "one_in_one_out"\nstart = 2025-09-01\nend = 2025-08-01\n',
     r"policies\[0\]: one_in_one_out.end=2025-08-01 is before one_in_one_out.start=2025-09-01"),
    ('name = "x"\n[[policies]]\ntype = "maritime_doctrine"\ntarget = "boats"\n',
     r"policies\[0\]: maritime_doctrine.target='boats' is invalid: expected one of 'taxi', "
     r"'loaded', 'both'"),
    ('name = "x"\n[params]\nn_gangs = 3.0\n', r"\[params\]: n_gangs=3.0 is not an integer"),
    ('name = "x"\n[params]\nbase_load = 100.0\nmax_load = 1.0\n',
     r"\[params\]: base_load=100.0 is above max_load=1.0"),
    ('name = "x"\nstart = 0001-01-01\n',
     r"start='0001-01-01' is out of range: expected a date \(YYYY-MM-DD\) between 1900-01-01 "
     r"and 2199-12-31"),
    ('name = "x"\nstart = 2199-12-01\ndays = 100\n',
     r"days=100 is out of range: a run from 2199-12-01 must end by 2199-12-31"),
    ('name = "x"\n[[policies]]\ntype = "maritime_doctrine"\nstart = 0001-01-01\n',
     r"policies\[0\].*start='0001-01-01' is out of range"),
])
def test_scenario_files_refuse_values_a_run_cannot_take(text, message, tmp_path):
    """What a file says is checked on reading, with the field named, not later by ``simulate``."""
    path = tmp_path / "bad.toml"
    path.write_text(text)
    with pytest.raises(ScenarioError, match=message) as err:
        scenarios.load(path)
    assert "bad.toml" in str(err.value) and "scenario" in str(err.value)


def test_a_byte_order_mark_is_accepted(tmp_path):
    """Editors on Windows write one; weather CSVs accept it too."""
    text = 'name = "bom"\ndescription = "Saved by Notepad"\nstart = 2024-06-01\ndays = 3\n'
    path = tmp_path / "bom.toml"
    path.write_bytes(b"\xef\xbb\xbf" + text.encode("utf-8"))
    scen = scenarios.load(path)
    assert (scen.name, scen.days, scen.start) == ("bom", 3, dt.date(2024, 6, 1))
    assert scenarios.loads("\ufeff" + text) == scen
    assert len(channelsim.simulate(path, seed=1)) == 3


def test_a_file_that_is_not_utf8_is_refused_by_name(tmp_path):
    path = tmp_path / "latin.toml"
    path.write_bytes('name = "café"\n'.encode("latin-1"))
    with pytest.raises(ScenarioError, match="latin.toml: not UTF-8 text"):
        scenarios.load(path)


# ----------------------------------------------------------------------------- Scenario in Python
def test_the_default_scenario_is_the_calibrated_year():
    default = Scenario()
    assert (default.name, default.start, default.days, default.params, default.policies) == \
        ("default", dt.date(2024, 1, 1), 366, {}, [])
    assert default.end == dt.date(2024, 12, 31)
    assert scenarios.get() is scenarios.get(None) is scenarios.DEFAULT
    assert scenarios.DEFAULT.days == default.days and scenarios.DEFAULT.description
    assert scenarios.get("baseline_2024").days == default.days  # the same calendar year


def test_simulate_without_a_scenario_runs_the_whole_calendar_year():
    daily = channelsim.simulate(seed=1)
    assert len(daily) == 366  # 2024 is a leap year
    assert (daily.index[0], daily.index[-1]) == (dt.datetime(2024, 1, 1), dt.datetime(2024, 12, 31))
    assert daily.attrs["scenario"] == "default"


@pytest.mark.parametrize("fields, message", [
    ({"days": 0}, "days=0 is invalid"),
    ({"days": 10**11}, "days=100000000000 is invalid"),
    ({"description": 5}, "description=5 is invalid: expected a string"),
    ({"start": "someday"}, "start='someday' is invalid: expected a date"),
    ({"start": "1899-12-31"}, "start='1899-12-31' is out of range"),
    ({"params": {"sea_interceptions": "TRUE"}}, "sea_interceptions='TRUE' is invalid"),
    ({"params": {"pilot_enabled": True}}, "pilot_enabled is no longer a parameter"),
    ({"params": [("n_gangs", 3)]}, "params=.* is invalid: expected a table"),
    ({"policies": {"type": "maritime_doctrine"}}, "policies=.* is invalid: expected an array"),
    ({"colour": "red"}, "unknown field 'colour'"),
])
def test_scenarios_made_in_python_are_checked_the_same_way(fields, message):
    with pytest.raises(ScenarioError, match=message):
        Scenario(name="mine", **fields)


def test_scenarios_are_frozen_and_replace_validates():
    import dataclasses

    scen = Scenario("mine", "Positional name and description", days=10)
    assert (scen.name, scen.description, scen.days) == ("mine", "Positional name and description", 10)
    with pytest.raises(dataclasses.FrozenInstanceError):
        scen.days = -1  # type: ignore[misc]
    assert dataclasses.replace(scen, days=20).days == 20
    with pytest.raises(ScenarioError, match="days=-1 is invalid"):
        dataclasses.replace(scen, days=-1)
