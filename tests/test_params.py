"""The parameter registry and its validation: what every slider, sweep and scenario relies on."""

from __future__ import annotations

import csv
import datetime as dt
import math
import re
from importlib import resources

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import channelsim
from channelsim.model import ChannelModel
from channelsim.params import (GROUPS, REGISTRY, Params, ParameterError, ParamSpec, check_value,
                               groups, parameter_table)

NUMERIC = [s for s in REGISTRY if s.kind in ("float", "int")]
INTS = [s for s in REGISTRY if s.kind == "int"]
FLOATS = [s for s in REGISTRY if s.kind == "float"]
BOOLS = [s for s in REGISTRY if s.kind == "bool"]
DATES = [s for s in REGISTRY if s.kind == "date"]
CHOICES = [s for s in REGISTRY if s.kind == "choice"]


def _fact_names() -> set[str]:
    with resources.files("channelsim.data").joinpath("channel_facts.csv").open(encoding="utf-8") as fh:
        return {row["fact"] for row in csv.DictReader(line for line in fh if not line.startswith("#"))}


def _ids(specs: list[ParamSpec]) -> list[str]:
    return [s.name for s in specs]


def assert_rejected(match_value: str, name: str, **kwargs) -> str:
    """``Params(**kwargs)`` raises ParameterError naming ``name`` and ``match_value``."""
    with pytest.raises(ParameterError) as err:
        Params(**kwargs)
    message = str(err.value)
    assert name in message, message
    assert match_value in message, message
    return message


# ----------------------------------------------------------------------------- the registry
def test_registry_names_are_unique_identifiers():
    names = [s.name for s in REGISTRY]
    assert len(names) == len(set(names))
    assert all(re.fullmatch(r"[a-z][a-z0-9_]*", n) for n in names)


@pytest.mark.parametrize("s", REGISTRY, ids=_ids(list(REGISTRY)))
def test_every_parameter_is_documented(s: ParamSpec):
    assert s.group in GROUPS
    assert len(s.description.strip()) >= 10
    assert isinstance(s.unit, str)
    # dimensionless numbers read "share", "ratio", "probability" or nothing, never "1"
    assert s.unit.strip() != "1" and not s.unit.startswith("1 ") , f"{s.name}: unit {s.unit!r}"


@pytest.mark.parametrize("s", REGISTRY, ids=_ids(list(REGISTRY)))
def test_every_parameter_has_a_human_label(s: ParamSpec):
    """The dashboard shows the label, not the snake_case name."""
    assert s.label and s.label == s.label.strip() and len(s.label) <= 45, s.label
    assert s.label[0].isupper() and "_" not in s.label, s.label
    assert s.title().startswith(s.label)
    assert "(1)" not in s.title() and "()" not in s.title()


def test_labels_are_unique_and_titles_carry_units():
    labels = [s.label for s in REGISTRY]
    assert len(labels) == len(set(labels))
    from channelsim.params import spec
    assert spec("officers_per_day").title() == "Officers on the coast per day (officers)"
    assert spec("weather_persistence").title() == "Persistence of the weather"
    assert spec("sea_interceptions").title() == "France's maritime doctrine"


@pytest.mark.parametrize("s", REGISTRY, ids=_ids(list(REGISTRY)))
def test_every_source_is_a_fact_a_calibration_or_a_stated_assumption(s: ParamSpec):
    source = s.source.strip()
    assert source
    if source.startswith("fact:"):
        name = re.split(r"[\s(]", source[len("fact:"):].strip(), maxsplit=1)[0]
        assert name in _fact_names(), f"{s.name}: no row {name!r} in channel_facts.csv"
    elif source.startswith("calibrated"):
        assert len(source) > len("calibrated")
    else:
        assert source.startswith("assumption: ") and len(source) > len("assumption: ") + 5, source


@pytest.mark.parametrize("s", REGISTRY, ids=_ids(list(REGISTRY)))
def test_defaults_are_valid(s: ParamSpec):
    if s.kind in ("float", "int"):
        assert s.low is not None and s.high is not None and s.low < s.high
        assert s.low <= s.default <= s.high
        if s.kind == "int":
            assert isinstance(s.default, int) and not isinstance(s.default, bool)
    elif s.kind == "bool":
        assert isinstance(s.default, bool)
    elif s.kind == "date":
        assert isinstance(s.default, dt.date)
    else:
        assert s.default in s.choices
    assert getattr(Params(), s.name) == s.default


def test_groups_cover_the_registry_in_display_order():
    listed = [s.name for _, _, specs in groups() for s in specs]
    assert sorted(listed) == sorted(s.name for s in REGISTRY)
    assert [g for g, _, _ in groups()] == list(GROUPS)


def test_parameter_table_has_one_row_per_parameter():
    table = parameter_table()
    assert list(table.name) == [s.name for s in REGISTRY]
    assert {"name", "group", "default", "range", "unit", "description", "source"} <= set(table.columns)
    assert table.loc[table.name == "officers_per_day", "range"].item() == "0 – 5000"


# ----------------------------------------------------------------------------- Params values
def test_params_round_trip_through_as_dict():
    p = Params()
    assert Params(**p.as_dict()) == p
    changed = Params(officers_per_day=1200, sea_interceptions=True, detention_rule="random",
                     challenges_from="2025-09-01")
    assert Params(**changed.as_dict()) == changed
    assert list(changed.as_dict()) == [s.name for s in REGISTRY]
    assert changed.changed() == {"officers_per_day": 1200.0, "sea_interceptions": True,
                                 "detention_rule": "random", "challenges_from": dt.date(2025, 9, 1)}


def test_params_are_immutable_and_replace_validates():
    p = Params()
    with pytest.raises((TypeError, ValueError)):
        p.officers_per_day = 5.0
    assert p.officers_per_day == 800.0
    q = p.replace(officers_per_day=1500)
    assert (q.officers_per_day, p.officers_per_day) == (1500.0, 800.0)
    with pytest.raises(ParameterError, match="officers_per_day"):
        p.replace(officers_per_day=-1)


def test_values_are_converted_to_the_parameter_type():
    p = Params(n_gangs=7, officers_per_day=900, sea_interceptions=True, challenges_from="2025-08-10")
    assert type(p.n_gangs) is int and type(p.officers_per_day) is float
    assert p.sea_interceptions is True
    assert p.challenges_from == dt.date(2025, 8, 10)
    assert Params(taxi_boats_from=dt.datetime(2026, 7, 1, 0, 0)).taxi_boats_from == dt.date(2026, 7, 1)


def test_numpy_scalars_are_taken_like_python_values():
    """Values read from arrays and tables (sweeps, calibration) are numpy scalars."""
    p = Params(n_gangs=np.int64(7), officers_per_day=np.float64(900.5), bf_vessels=np.int32(3),
               sea_interceptions=np.bool_(True), max_load=np.int64(60))
    assert (p.n_gangs, p.officers_per_day, p.bf_vessels, p.max_load) == (7, 900.5, 3, 60.0)
    assert type(p.n_gangs) is int and type(p.max_load) is float and p.sea_interceptions is True
    with pytest.raises(ParameterError, match="n_gangs=3.5 is not an integer"):
        Params(n_gangs=np.float64(3.5))


def test_fields_carry_real_constraints():
    """The registry's bounds and choices are pydantic constraints, visible in the schema."""
    props = Params.model_json_schema()["properties"]
    assert (props["officers_per_day"]["minimum"], props["officers_per_day"]["maximum"]) == (0, 5000)
    assert props["n_gangs"]["type"] == "integer"
    assert props["detention_rule"]["enum"] == ["random", "returnees_first"]
    assert props["sea_interceptions"]["type"] == "boolean"
    assert props["officers_per_day"]["title"] == "Officers on the coast per day"


# ----------------------------------------------------------------------------- bad input
def test_unknown_name_is_named_with_a_suggestion():
    message = assert_rejected("officers_per_dya", "officers_per_dya", officers_per_dya=3)
    assert "officers_per_day" in message  # the close match is suggested


@settings(max_examples=60, deadline=None)
@given(st.sampled_from(NUMERIC), st.floats(min_value=1e-6, max_value=1e6), st.booleans())
def test_out_of_range_numbers_are_rejected(s: ParamSpec, excess: float, above: bool):
    if s.kind == "int":
        step = max(1, math.ceil(excess))
        value = int(s.high) + step if above else int(s.low) - step
    else:
        value = s.high + excess if above else s.low - excess
    with pytest.raises(ParameterError) as err:
        Params(**{s.name: value})
    assert s.name in str(err.value) and repr(value) in str(err.value)


@settings(max_examples=60, deadline=None)
@given(st.data())
def test_numbers_in_range_are_accepted(data):
    s = data.draw(st.sampled_from(NUMERIC))
    if s.kind == "int":
        value = data.draw(st.integers(int(s.low), int(s.high)))
    else:
        value = data.draw(st.floats(s.low, s.high))
    room = ({"max_load": 150} if s.name == "base_load"  # base_load <= max_load
            else {"base_load": 1} if s.name == "max_load" else {})
    assert getattr(Params(**{s.name: value}, **room), s.name) == value


@pytest.mark.parametrize("bad", [math.nan, math.inf, -math.inf], ids=["nan", "inf", "-inf"])
@pytest.mark.parametrize("s", FLOATS[:3] + INTS[:2], ids=_ids(FLOATS[:3] + INTS[:2]))
def test_non_finite_numbers_are_rejected(s: ParamSpec, bad: float):
    assert_rejected(repr(bad), s.name, **{s.name: bad})


@pytest.mark.parametrize("s", NUMERIC, ids=_ids(NUMERIC))
def test_a_string_for_a_number_is_rejected(s: ParamSpec):
    assert_rejected("'12'", s.name, **{s.name: "12"})


@pytest.mark.parametrize("s", INTS, ids=_ids(INTS))
def test_a_fraction_for_an_integer_is_rejected(s: ParamSpec):
    value = s.low + 0.5
    assert_rejected(repr(value), s.name, **{s.name: value})


@pytest.mark.parametrize("s", NUMERIC, ids=_ids(NUMERIC))
def test_a_bool_for_a_number_is_rejected(s: ParamSpec):
    assert_rejected("True", s.name, **{s.name: True})


@pytest.mark.parametrize("bad", [1, 0, "yes", None, 0.0])
@pytest.mark.parametrize("s", BOOLS, ids=_ids(BOOLS))
def test_a_non_bool_for_a_switch_is_rejected(s: ParamSpec, bad):
    assert_rejected(repr(bad), s.name, **{s.name: bad})


@pytest.mark.parametrize("bad", ["2025-13-01", "next week", "04/08/2025", 20250804, None])
@pytest.mark.parametrize("s", DATES, ids=_ids(DATES))
def test_bad_dates_are_rejected(s: ParamSpec, bad):
    assert_rejected(repr(bad), s.name, **{s.name: bad})


@pytest.mark.parametrize("bad", ["everyone", "RANDOM", "", 1])
@pytest.mark.parametrize("s", CHOICES, ids=_ids(CHOICES))
def test_bad_choices_are_rejected_listing_the_choices(s: ParamSpec, bad):
    message = assert_rejected(repr(bad), s.name, **{s.name: bad})
    assert all(repr(c) in message for c in s.choices), message


@pytest.mark.parametrize("s", INTS, ids=_ids(INTS))
def test_a_whole_float_for_an_integer_is_rejected_with_a_hint(s: ParamSpec):
    """``n_gangs=3.0`` is refused rather than silently taken: integer parameters take ints."""
    value = float(s.default)
    message = assert_rejected(f"{s.name}={value!r} is not an integer", s.name, **{s.name: value})
    assert f"(write {s.default})" in message


@pytest.mark.parametrize("bad", ["true", "TRUE", "False"])
def test_a_string_for_a_switch_is_rejected(bad):
    assert_rejected(f"sea_interceptions={bad!r} is invalid: expected true or false",
                    "sea_interceptions", sea_interceptions=bad)


@pytest.mark.parametrize("bad", ["0001-01-01", "1899-12-31", "2200-01-01"])
def test_dates_outside_the_calendar_span_are_rejected(bad):
    assert_rejected(f"challenges_from={bad!r} is out of range: expected a date (YYYY-MM-DD) "
                    "between 1900-01-01 and 2199-12-31", "challenges_from", challenges_from=bad)


def test_a_base_load_above_the_load_ceiling_is_rejected_naming_both():
    message = assert_rejected("base_load=100.0 is above max_load=1.0", "max_load",
                              base_load=100, max_load=1)
    assert "base_load" in message
    assert_rejected("base_load=40.0 is above max_load=10.0", "base_load", max_load=10)
    assert Params(base_load=40, max_load=40).max_load == 40.0  # equal is allowed
    with pytest.raises(ParameterError, match="base_load=100.0 is above max_load=90.0"):
        Params(max_load=90).replace(base_load=100)


@pytest.mark.parametrize("path", ["model_copy", "model_validate", "model_construct", "replace"])
def test_every_construction_path_validates(path: str):
    """No way of making parameters skips the checks, so a model never runs with bad values."""
    make = {
        "model_copy": lambda **kw: Params().model_copy(update=kw),
        "model_validate": lambda **kw: Params.model_validate(kw),
        "model_construct": lambda **kw: Params.model_construct(**kw),
        "replace": lambda **kw: Params().replace(**kw),
    }[path]
    with pytest.raises(ParameterError, match=r"officers_per_day=-500 is out of range: expected a "
                                             r"number between 0 and 5000 \(officers\)"):
        make(officers_per_day=-500)
    with pytest.raises(ParameterError, match="base_load=100.0 is above max_load=1.0"):
        make(base_load=100, max_load=1)
    with pytest.raises(ParameterError, match="unknown parameter 'officers_per_dya'"):
        make(officers_per_dya=5)
    good = make(officers_per_day=1200)
    assert isinstance(good, Params) and good.officers_per_day == 1200.0
    assert good == Params(officers_per_day=1200)


def test_a_plain_copy_is_equal_and_still_frozen():
    import copy
    import pickle

    p = Params(officers_per_day=1200)
    for q in (p.model_copy(), copy.copy(p), copy.deepcopy(p), pickle.loads(pickle.dumps(p))):
        assert q == p
        with pytest.raises((TypeError, ValueError)):
            q.officers_per_day = -500


def test_check_value_checks_one_value_alone():
    from channelsim.params import check_value

    assert check_value("max_load", 1) == 1.0  # the cross-parameter rule needs both values
    assert check_value("n_gangs", np.int64(4)) == 4
    with pytest.raises(ParameterError, match=r"max_load=0 is out of range"):
        check_value("max_load", 0)
    with pytest.raises(ParameterError, match="unknown parameter 'max_lod'"):
        check_value("max_lod", 3)


@pytest.mark.parametrize("name, value", [("pilot_enabled", True), ("pilot_start", "2025-08-04"),
                                         ("pilot_end", "2026-06-30"), ("route_opens", "2025-08-07")])
def test_the_pilots_former_parameters_say_it_is_switched_on_by_its_policy(name, value):
    """The pilot's switch and dates live in its policy only; a value for one of the parameters
    that used to hold them says where they went, in a scenario file and in Python."""
    for attempt in (lambda: Params(**{name: value}), lambda: check_value(name, value),
                    lambda: channelsim.simulate(days=1, **{name: value})):
        with pytest.raises(ParameterError) as err:
            attempt()
        message = str(err.value)
        assert message.startswith(f"{name} is no longer a parameter")
        assert '[[policies]] entry of type "one_in_one_out"' in message
        assert 'type = "one_in_one_out"' in message and "OneInOneOut(" in message


# ----------------------------------------------------------------------------- overrides reach the model
def test_model_keyword_overrides_reach_model_params():
    model = ChannelModel(officers_per_day=1200, n_gangs=3, sea_interceptions=True, rng=1)
    assert model.params.officers_per_day == 1200.0
    assert model.params.n_gangs == 3
    assert model.params.sea_interceptions is True
    assert model.params == Params(officers_per_day=1200, n_gangs=3, sea_interceptions=True)


def test_model_overrides_apply_on_top_of_given_params():
    base = Params(officers_per_day=1500, bf_vessels=8)
    model = ChannelModel(base, bf_vessels=2, rng=1)
    assert (model.params.officers_per_day, model.params.bf_vessels) == (1500.0, 2)
    mapped = ChannelModel({"bf_vessels": 6}, n_gangs=2, rng=1)
    assert (mapped.params.bf_vessels, mapped.params.n_gangs) == (6, 2)


def test_simulate_keyword_overrides_reach_the_model():
    assert channelsim.build_model(seed=1, officers_per_day=1200).params.officers_per_day == 1200.0
    daily = channelsim.simulate(days=3, seed=1, officers_per_day=1200, bf_vessels=2)
    assert daily.attrs["params"] == {"officers_per_day": 1200.0, "bf_vessels": 2}


@pytest.mark.parametrize("entry", ["model", "simulate"])
def test_bad_overrides_fail_before_running(entry: str):
    run = (lambda **kw: ChannelModel(rng=1, **kw)) if entry == "model" else (
        lambda **kw: channelsim.simulate(days=2, seed=1, **kw))
    with pytest.raises(ParameterError, match=r"unknown parameter 'n_gang'.*'n_gangs'"):
        run(n_gang=3)
    with pytest.raises(ParameterError, match=r"bf_vessels=-2 .*between 0 and 50"):
        run(bf_vessels=-2)
