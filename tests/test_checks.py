"""Checking input in one place: every entry point takes seeds, run lengths, counts, dates and
confidence levels through :mod:`channelsim.checks`, so the same mistake gets the same message."""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from channelsim import checks
from channelsim.checks import ParameterError


@pytest.mark.parametrize("value, expected", [
    ("2025-08-04", dt.date(2025, 8, 4)),
    (" 2025-08-04\n", dt.date(2025, 8, 4)),
    (dt.date(2025, 8, 4), dt.date(2025, 8, 4)),
    (dt.datetime(2025, 8, 4, 13, 5), dt.date(2025, 8, 4)),
    (pd.Timestamp("2025-08-04"), dt.date(2025, 8, 4)),
    (np.datetime64("2025-08-04"), dt.date(2025, 8, 4)),
])
def test_the_date_parser_takes_every_date_form(value, expected):
    assert checks.parse_date(value) == expected


@pytest.mark.parametrize("value", ["2025-02-30", "04/08/2025", "2025-W32", "20250804", 20250804,
                                   "", None, pd.NaT, np.datetime64("NaT", "D"), 3.5, "next week"])
def test_the_date_parser_refuses_what_is_not_a_date(value):
    assert checks.parse_date(value) is None


def test_dates_are_named_and_kept_in_the_calendar():
    assert checks.date("2199-12-31", "end") == checks.LAST_DATE
    with pytest.raises(ParameterError, match=r"end='04/08/2025' is invalid: expected a date \(YYYY-MM-DD\)"):
        checks.date("04/08/2025", "end")
    with pytest.raises(ParameterError, match=r"start='0001-01-01' is out of range: expected a date "
                                             r"between 1900-01-01 and 2199-12-31"):
        checks.date(dt.date(1, 1, 1))
    assert checks.period_end(dt.date(2024, 1, 1), 366) == dt.date(2024, 12, 31)
    with pytest.raises(ParameterError, match=r"days=32 is out of range: a run from 2199-12-01 must "
                                             r"end by 2199-12-31, expected at most 31 days"):
        checks.period_end(dt.date(2199, 12, 1), 32)


@pytest.mark.parametrize("check, value, message", [
    (checks.days, 0, r"days=0 is invalid: expected a whole number of days from 1 to 109573"),
    (checks.days, 5.0, r"days=5.0 is invalid"),
    (checks.days, True, r"days=True is invalid"),
    (checks.days, 10**11, r"days=100000000000 is invalid"),
    (checks.seed, -1, r"seed=-1 is invalid: expected a whole number >= 0"),
    (checks.seed, "7", r"seed='7' is invalid"),
    (checks.level, 1.0, r"level=1.0 is invalid: expected a probability between 0 and 1"),
    (checks.level, 0, r"level=0 is invalid"),
    (checks.level, True, r"level=True is invalid"),
    (checks.level, "0.9", r"level='0.9' is invalid"),
    (checks.rng_seed, -3, r"rng=-3 is invalid: expected a whole number >= 0, a numpy.random.Generator"),
    (checks.rng_seed, 1.5, r"rng=1.5 is invalid"),
    (checks.rng_seed, "abc", r"rng='abc' is invalid"),
])
def test_bad_values_are_named_with_what_was_expected(check, value, message):
    with pytest.raises(ParameterError, match=message):
        check(value)


def test_good_values_come_back_in_python_types():
    assert type(checks.days(np.int64(30))) is int and checks.days(30) == 30
    assert type(checks.seed(np.uint32(5))) is int
    assert checks.level(np.float64(0.9)) == 0.9 and type(checks.level(np.float64(0.9))) is float
    assert checks.count(2, "n", minimum=2, what="runs") == 2
    with pytest.raises(ParameterError, match=r"n=1 is invalid: expected a whole number of runs >= 2"):
        checks.count(1, "n", minimum=2, what="runs")
    with pytest.raises(ParameterError, match=r"seed=2147483648 is invalid: expected a whole number "
                                             r"from 0 to 2147483647"):
        checks.seed(2**31, maximum=2**31 - 1)
    gen = np.random.default_rng(1)
    assert checks.rng_seed(gen) is gen and checks.rng_seed(None) is None
    assert checks.rng_seed([1, 2, 3]) == [1, 2, 3] and type(checks.rng_seed(np.int64(4))) is int


def test_the_package_has_one_date_parser():
    """Date text is parsed in checks.parse_date only: no other module spells its own parser."""
    package = Path(checks.__file__).parent
    parsers = re.compile(r"fromisoformat|strptime|\\d\{4\}-\\d\{2\}")
    elsewhere = sorted(str(p.relative_to(package)) for p in package.rglob("*.py")
                       if p.name != "checks.py" and parsers.search(p.read_text("utf-8")))
    assert elsewhere == [], elsewhere
