"""Checking input: one place for seeds, run lengths, counts, dates and confidence levels.

Every public entry point (``simulate``, ``ensemble``, ``compare``, ``sweep``, ``calibrate``, the
dashboard, the scenario files) checks what it is given through these functions, so that the same
mistake gets the same message wherever it is made. Each check returns the value in its canonical
type (a Python ``int``, ``float`` or :class:`datetime.date`) or raises :class:`ParameterError`
naming the argument, the value and what was expected:

>>> days(30)
30
>>> days(0)
Traceback (most recent call last):
...
channelsim.checks.ParameterError: days=0 is invalid: expected a whole number of days from 1 to 109573
>>> date("2025-08-04", "one_in_one_out.start")
datetime.date(2025, 8, 4)
>>> level(1.5)
Traceback (most recent call last):
...
channelsim.checks.ParameterError: level=1.5 is invalid: expected a probability between 0 and 1 (exclusive), e.g. 0.9
"""

from __future__ import annotations

import datetime as dt
import numbers
import re
from typing import Annotated, Any

import numpy as np
from pydantic import BeforeValidator, Field

__all__ = ["ParameterError", "FIRST_DATE", "LAST_DATE", "MAX_DAYS", "CalendarDate", "parse_date",
           "date", "days", "count", "seed", "rng_seed", "level", "period_end"]


class ParameterError(ValueError):
    """An argument or parameter was unknown, of the wrong type, or out of its allowed range."""


#: The span of calendar dates a run may cover (dates far outside it cannot be simulated: the
#: weather's calendar and pandas' timestamps overflow).
FIRST_DATE, LAST_DATE = dt.date(1900, 1, 1), dt.date(2199, 12, 31)
#: The longest run (days): the whole calendar span.
MAX_DAYS: int = (LAST_DATE - FIRST_DATE).days + 1

_ISO = re.compile(r"\d{4}-\d{2}-\d{2}")


def _whole(value: Any) -> bool:
    """A whole number (Python or numpy integer), not a bool."""
    return isinstance(value, numbers.Integral) and not isinstance(value, (bool, np.bool_))


# ------------------------------------------------------------------------------------ dates
def parse_date(value: Any) -> dt.date | None:
    """``value`` as a date, or None if it is not one: the package's only date parser.

    Accepts a :class:`datetime.date`, a :class:`datetime.datetime` or :class:`pandas.Timestamp`
    (its day), a ``numpy.datetime64`` and a ``"YYYY-MM-DD"`` string (spaces around it ignored).
    Other spellings (``"04/08/2025"``, ``20250804``, ``"2025-W32"``) are not dates here.
    """
    if isinstance(value, np.datetime64):
        if np.isnat(value):
            return None
        value = value.astype("datetime64[D]").item()
    if isinstance(value, dt.datetime):  # also pandas.Timestamp, and NaT (whose date() is NaT)
        day = value.date()
        return day if type(day) is dt.date else None
    if isinstance(value, dt.date):
        return value
    if isinstance(value, str) and _ISO.fullmatch(value := value.strip()):
        try:
            return dt.date.fromisoformat(value)
        except ValueError:
            return None
    return None


def _date_or_as_is(value: Any) -> Any:
    """A date spelled as ``"YYYY-MM-DD"``, a datetime or a Timestamp as a date; anything else
    unchanged, for pydantic's strict date check to refuse."""
    day = parse_date(value)
    return value if day is None else day


#: A date field of a pydantic model (registry dates, a scenario's start): parsed by
#: :func:`parse_date`, then checked strictly and against the calendar span.
CalendarDate = Annotated[dt.date, Field(ge=FIRST_DATE, le=LAST_DATE),
                         BeforeValidator(_date_or_as_is)]


def date(value: Any, name: str = "start", *, first: dt.date = FIRST_DATE,
         last: dt.date = LAST_DATE) -> dt.date:
    """``value`` as a date between ``first`` and ``last``, or a :class:`ParameterError`."""
    day = parse_date(value)
    if day is None:
        raise ParameterError(f"{name}={value!r} is invalid: expected a date (YYYY-MM-DD)")
    if not first <= day <= last:
        shown = day.isoformat() if isinstance(value, dt.date) else value  # not date(1, 1, 1)
        raise ParameterError(f"{name}={shown!r} is out of range: expected a date between "
                             f"{first} and {last}")
    return day


def period_end(start: dt.date, n_days: int, name: str = "days") -> dt.date:
    """The last day of a run of ``n_days`` from ``start``; refused if it leaves the calendar."""
    if n_days > (LAST_DATE - start).days + 1:
        raise ParameterError(f"{name}={n_days!r} is out of range: a run from {start} must end by "
                             f"{LAST_DATE}, expected at most {(LAST_DATE - start).days + 1} days")
    return start + dt.timedelta(days=n_days - 1)


# ------------------------------------------------------------------------------------ numbers
def count(value: Any, name: str, *, minimum: int = 1, maximum: int | None = None,
          what: str = "") -> int:
    """``value`` as a whole number from ``minimum`` to ``maximum`` (e.g. a number of runs).

    ``what`` names the thing counted in the message (``"runs"`` gives "a whole number of runs")."""
    of = f" of {what}" if what else ""
    expected = (f"a whole number{of} >= {minimum}" if maximum is None
                else f"a whole number{of} from {minimum} to {maximum}")
    if not _whole(value) or value < minimum or (maximum is not None and value > maximum):
        raise ParameterError(f"{name}={value!r} is invalid: expected {expected}")
    return int(value)


def days(value: Any, name: str = "days", *, maximum: int = MAX_DAYS) -> int:
    """``value`` as the length of a run in days (a whole number from 1 to ``maximum``)."""
    return count(value, name, minimum=1, maximum=maximum, what="days")


def seed(value: Any, name: str = "seed", *, maximum: int | None = None) -> int:
    """``value`` as a seed: a whole number >= 0 (and <= ``maximum`` if given), as a Python int."""
    return count(value, name, minimum=0, maximum=maximum)


def rng_seed(value: Any, name: str = "rng") -> Any:
    """``value`` if a numpy generator can be seeded from it: None, a whole number >= 0, a
    sequence of them, a Generator, BitGenerator or SeedSequence; else a ParameterError.

    Whole numbers come back as Python ints: Mesa also seeds Python's ``random`` with them,
    which refuses numpy integers (such as a seed read from a results table)."""
    if value is None or isinstance(value, (np.random.Generator, np.random.BitGenerator,
                                           np.random.SeedSequence)):
        return value
    if _whole(value) and value >= 0:
        return int(value)
    try:
        if _whole(value) or isinstance(value, (bool, np.bool_, numbers.Number, str, bytes)):
            raise TypeError
        np.random.SeedSequence(value)
    except (TypeError, ValueError):
        raise ParameterError(f"{name}={value!r} is invalid: expected a whole number >= 0, "
                             "a numpy.random.Generator or None") from None
    return value


def level(value: Any, name: str = "level") -> float:
    """``value`` as a confidence level, strictly between 0 and 1."""
    ok = (isinstance(value, numbers.Real) and not isinstance(value, (bool, np.bool_))
          and 0 < value < 1)
    if not ok:
        raise ParameterError(f"{name}={value!r} is invalid: expected a probability between 0 and 1 "
                             "(exclusive), e.g. 0.9")
    return float(value)
