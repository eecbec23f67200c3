"""The parameter registry and its validation: what every slider, sweep and scenario relies on."""

from __future__ import annotations

import csv
import datetime as dt
import math
import re
from importlib import resources

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import channelsim
from channelsim.model import ChannelModel
from channelsim.params import GROUPS, REGISTRY, Params, ParameterError, ParamSpec, groups, parameter_table

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
    if s.kind in ("float", "int"):
        assert s.unit.strip(), f"{s.name}: a number needs a unit"
    else:
        assert isinstance(s.unit, str)


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
                     pilot_start="2025-09-01")
    assert Params(**changed.as_dict()) == changed
    assert list(changed.as_dict()) == [s.name for s in REGISTRY]
    assert changed.changed() == {"officers_per_day": 1200.0, "sea_interceptions": True,
                                 "detention_rule": "random", "pilot_start": dt.date(2025, 9, 1)}


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
    p = Params(n_gangs=7, officers_per_day=900, sea_interceptions="true", pilot_start="2025-08-10")
    assert type(p.n_gangs) is int and type(p.officers_per_day) is float
    assert p.sea_interceptions is True
    assert p.pilot_start == dt.date(2025, 8, 10)


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
    assert getattr(Params(**{s.name: value}), s.name) == value


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


def test_a_pilot_ending_before_it_starts_is_rejected():
    message = assert_rejected("2025-08-01", "pilot_end", pilot_start="2025-09-01", pilot_end="2025-08-01")
    assert "pilot_start" in message


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
